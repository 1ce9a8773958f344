// The `boardwalk` command: build, inspect, verify and query graphs.
import ArgumentParser
import Boardwalk
import Foundation

@main
struct BoardwalkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boardwalk",
        abstract: "Pixie-style random-walk recommendations over a pin-board graph in one LMDB file.",
        version: Boardwalk.libraryVersion,
        subcommands: [Build.self, Info.self, Verify.self, Generate.self, Query.self, Bench.self, Eval.self]
    )
}

/// Prints a runtime error to stderr and gives exit code 1.
func failure(_ error: Error) -> ExitCode {
    if let e = error as? ExitCode { return e }
    FileHandle.standardError.write(Data("boardwalk: \(readable(error))\n".utf8))
    return ExitCode(1)
}

/// A runtime error of the tool with its message (exit code 1).
struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// The message for an error: Boardwalk's own as they are; a Foundation error
/// (which should not reach here, but would print as `Error Domain=
/// NSCocoaErrorDomain Code=260 …`) as `PATH: reason` like every other
/// file error.
func readable(_ error: Error) -> String {
    if error is BoardwalkError || error is Failure { return "\(error)" }
    let ns = error as NSError
    guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
    let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    var code: Int32?
    if ns.domain == NSPOSIXErrorDomain {
        code = Int32(ns.code)
    } else if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        code = Int32(underlying.code)
    }
    let reason: String
    if let code {
        reason = String(cString: strerror(code))
    } else {
        switch ns.code {
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: reason = String(cString: strerror(ENOENT))
        case NSFileReadNoPermissionError, NSFileWriteNoPermissionError: reason = String(cString: strerror(EACCES))
        case NSFileReadInapplicableStringEncodingError: reason = "not UTF-8 text"
        case NSFileWriteOutOfSpaceError: reason = String(cString: strerror(ENOSPC))
        default: reason = "cannot be read or written (error \(ns.code))"
        }
    }
    return path.map { "\($0): \(reason)" } ?? reason
}

/// Creates a directory and its parents, like `mkdir -p`.
func makeDirectories(_ path: String) throws {
    var st = stat()
    if stat(path, &st) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw BoardwalkError.io(path: path, reason: String(cString: strerror(ENOTDIR))) }
        return
    }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty && parent != path { try makeDirectories(parent) }
    if mkdir(path, 0o777) != 0 && errno != EEXIST {
        throw BoardwalkError.io(path: path, reason: String(cString: strerror(errno)))
    }
}

/// Writes a file through `body`, beside its final name first and renamed
/// over it when complete: a failed write leaves what was there.
func writeAtomically(_ path: String, _ body: (FastWriter) throws -> Void) throws {
    let tmp = path + ".tmp-\(getpid())"
    do {
        let w = try FastWriter(path: tmp)
        try body(w)
        try w.close()
        if rename(tmp, path) != 0 { throw BoardwalkError.io(path: path, reason: String(cString: strerror(errno))) }
    } catch {
        unlink(tmp)
        throw error
    }
}

/// Writes a line to standard error.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Parses sizes such as 4096, 64K, 16M, 1G (powers of 1024).
func parseSize(_ text: String) -> UInt64? {
    let t = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [Character: UInt64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    if let last = t.last, let mult = units[last] {
        guard let v = UInt64(t.dropLast()) else { return nil }
        let (size, overflow) = v.multipliedReportingOverflow(by: mult)
        return overflow ? nil : size
    }
    return UInt64(t)
}

/// A JSON object printed on one line with sorted keys.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// 1234567 → "1.23M".
func human(_ x: Double) -> String {
    if x >= 1e9 { return String(format: "%.2fG", x / 1e9) }
    if x >= 1e6 { return String(format: "%.2fM", x / 1e6) }
    if x >= 1e3 { return String(format: "%.1fK", x / 1e3) }
    return String(format: "%.0f", x)
}

/// Peak resident memory of this process, bytes (Linux).
func peakRSS() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let parts = line.split(separator: " ")
        if parts.count >= 2, let kb = UInt64(parts[1]) { return kb * 1024 }
    }
    return 0
}
