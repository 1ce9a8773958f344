// What the Swift fuzz targets share: a scratch directory, the repository's
// files, and a way to fail that libFuzzer reports as a crash.
import Boardwalk
import Foundation

/// The repository root: $BOARDWALK_ROOT, or found from this file's path
/// (Tests/fuzz/swift/Sources/FuzzSupport/FuzzSupport.swift).
public let repositoryRoot: String = {
    if let root = ProcessInfo.processInfo.environment["BOARDWALK_ROOT"], !root.isEmpty { return root }
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<6 { url.deleteLastPathComponent() }
    return url.path
}()

/// A directory of this process's own under $TMPDIR (run_swift.sh points it at
/// /dev/shm), removed at exit. Fuzz inputs are written here so that they go
/// through the same file-reading code as `boardwalk build`.
public let scratchDirectory: String = {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let dir = base + "/boardwalk-fuzz-\(getpid())"
    try? FileManager.default.removeItem(atPath: dir)
    do {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    } catch {
        fatalError("cannot create the scratch directory \(dir): \(error)")
    }
    atexit { try? FileManager.default.removeItem(atPath: scratchDirectory) }
    return dir
}()

/// Writes the fuzz input to a file in the scratch directory and returns its path.
public func writeInput(_ data: UnsafePointer<UInt8>?, _ size: Int, name: String = "input") -> String {
    let path = scratchDirectory + "/" + name
    let bytes = size > 0 && data != nil ? Data(bytes: data!, count: size) : Data()
    guard FileManager.default.createFile(atPath: path, contents: bytes) else {
        fatalError("cannot write \(path)")
    }
    return path
}

/// Stops the run as a crash with a message: for a broken invariant, which
/// libFuzzer then saves as a crash input like a trap or a sanitizer report.
public func invariant(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() {
        FileHandle.standardError.write(Data("invariant failed at \(file):\(line): \(message())\n".utf8))
        abort()
    }
}

/// Checks that the library reported bad input the documented way: as a
/// ``BoardwalkError``, never another error type.
public func expectBoardwalkError(_ error: Error, _ what: String) {
    invariant(error is BoardwalkError, "\(what) threw a non-BoardwalkError: \(type(of: error)) \(error)")
}
