// boardwalk-server built without its Server trait (the sanitizer runs of
// Tools/test build so, to keep SwiftNIO out of them): it says how to get the
// real one. With the trait, ServerCommand is the entry point.
#if !Server
import Foundation

@main
enum Stub {
    static func main() {
        FileHandle.standardError.write(Data("""
            boardwalk-server was built without its Server trait (swift build --disable-default-traits): \
            rebuild it with `swift build -c release --product boardwalk-server`\n
            """.utf8))
        exit(1)
    }
}
#endif
