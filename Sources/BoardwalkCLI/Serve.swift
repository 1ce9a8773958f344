// `boardwalk serve`: hands over to the `boardwalk-server` program beside this
// one, as git does with its subcommands, so that the CLI never links SwiftNIO
// or Hummingbird and the README's first build stays fast.
import ArgumentParser
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a graph over HTTP (runs boardwalk-server, built beside boardwalk).",
        discussion: """
            Every argument goes to boardwalk-server: `boardwalk serve GRAPH [--host 127.0.0.1] [--port 8080] \
            [--threads N] [--max-in-flight N] [--deadline-ms MS] [--admin-token-file FILE] …`; \
            `boardwalk serve --help` lists them. Build it with `swift build -c release --product boardwalk-server`.
            """)

    @Argument(parsing: .captureForPassthrough, help: "The graph and boardwalk-server's options.")
    var arguments: [String] = []

    func run() throws {
        try reportingFailures { try handOver() }
    }

    private func handOver() throws {
        let me = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        let server = me.deletingLastPathComponent().appendingPathComponent("boardwalk-server").path
        guard FileManager.default.isExecutableFile(atPath: server) else {
            throw Failure("""
                boardwalk serve needs boardwalk-server beside boardwalk (\(server) is missing): \
                build it with `swift build -c release --product boardwalk-server`
                """)
        }
        let argv = [server] + arguments
        var cargs = argv.map { strdup($0) } + [nil]
        execv(server, &cargs)
        throw Failure("cannot run \(server): \(String(cString: strerror(errno)))")
    }
}
