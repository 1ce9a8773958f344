// Helpers shared by the subcommands: error reporting, output (buffered
// writes, JSON), and parsing of counts and sizes.
import ArgumentParser
import Boardwalk
import Foundation

/// Runs a subcommand's body, turning a runtime error into its message on
/// standard error and exit code 1 (see ``failure(_:)``); usage errors
/// (`ValidationError`) and exit codes pass through to ArgumentParser.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ValidationError {
        throw e
    } catch {
        throw failure(error)
    }
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

/// Parses counts such as 1000, 10K, 2.5M, 1G (powers of 1000).
func parseCount(_ text: String) -> Int? {
    let t = text.trimmingCharacters(in: .whitespaces).uppercased()
    let units: [Character: Double] = ["K": 1e3, "M": 1e6, "G": 1e9]
    if let last = t.last, let mult = units[last], let v = Double(t.dropLast()) {
        // nil, not a trap, for "nanK", "infM" or counts past Int's range.
        return Int(exactly: (v * mult).rounded(.towardZero))
    }
    return Int(t)
}

/// Buffered output to a file descriptor, with fast integer formatting.
final class FastWriter {
    private let fd: Int32
    private let name: String
    private var buffer = [UInt8]()
    /// Bytes written to the descriptor so far (not counting the buffer).
    private(set) var bytesWritten = 0

    init(path: String) throws {
        name = path
        if path == "-" {
            fd = 1
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd < 0 { throw BoardwalkError.io(path: path, reason: String(cString: strerror(errno))) }
        }
        buffer.reserveCapacity(1 << 20)
    }

    @inline(__always)
    func write(_ v: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[n] = UInt8(48 + x % 10)
                x /= 10
                n += 1
            } while x > 0
            for i in stride(from: n - 1, through: 0, by: -1) { buffer.append(d[i]) }
        }
    }

    @inline(__always)
    func write(byte: UInt8) { buffer.append(byte) }

    func write(_ s: String) { buffer.append(contentsOf: s.utf8) }

    @inline(__always)
    func flushIfFull() throws { if buffer.count >= 1 << 20 { try flush() } }

    func flush() throws {
        var off = 0
        while off < buffer.count {
            let n = buffer.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0 {
                if errno == EINTR { continue }
                throw BoardwalkError.io(path: name, reason: String(cString: strerror(errno)))
            }
            off += n
        }
        bytesWritten += off
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if fd != 1 { Foundation.close(fd) }
    }
}

/// A number as JSON text (the library's encoder, shared with boardwalk-server).
func jsonNumber(_ x: Double) -> String { BatchJSON.number(x) }

/// A string as a JSON literal (the library's encoder).
func jsonString(_ s: String) -> String { BatchJSON.string(s) }

/// A table as lines: each column as wide as its widest cell (the last one
/// not padded), columns two spaces apart, the columns in `rightAligned`
/// (numbers) aligned right; no trailing spaces.
func alignedTable(header: [String], rows: [[String]], rightAligned: Set<Int>) -> [String] {
    let all = [header] + rows
    let widths = header.indices.map { c in all.map { $0[c].count }.max() ?? 0 }
    return all.map { row in
        var line = ""
        for (c, cell) in row.enumerated() {
            if c > 0 { line += "  " }
            let pad = String(repeating: " ", count: c == row.count - 1 && !rightAligned.contains(c) ? 0 : widths[c] - cell.count)
            line += rightAligned.contains(c) ? pad + cell : cell + pad
        }
        while line.last == " " { line.removeLast() }
        return line
    }
}

/// The help of `--huge-pages` (query, bench, eval).
let hugePagesHelp = ArgumentHelp(
    "Get the graph into 2 MiB pages at open, where walks run up to twice as fast (one read of the file, or a private copy "
        + "of it when the page cache cannot hold it in large folios; see `info`'s huge pages line).")

/// --live-edges and --remove-edges: a live graph over the base (query, eval).
struct LiveEdgeOptions: ParsableArguments {
    @Option(name: .customLong("live-edges"),
            help: ArgumentHelp("Edges to add live before querying (build's syntax: pin<TAB>board[<TAB>time]); "
                + "new pins and boards become nodes.", valueName: "file"))
    var add: String?
    @Option(name: .customLong("remove-edges"),
            help: ArgumentHelp("Edges to remove before querying (pin<TAB>board), base or live.", valueName: "file"))
    var remove: String?

    var active: Bool { add != nil || remove != nil }

    /// A LiveGraph over `g` with the edges added and removed, or nil when
    /// neither option is given; what was done goes to standard error.
    func apply(to g: Graph, command: String) throws -> LiveGraph? {
        try Self.apply(add: add, remove: remove, to: g, command: command)
    }

    /// ``apply(to:command:)`` for commands that hold the two paths themselves.
    static func apply(add: String?, remove: String?, to g: Graph, command: String) throws -> LiveGraph? {
        guard add != nil || remove != nil else { return nil }
        let live = try LiveGraph(graph: g)
        let (added, removed) = try lists(add: add, remove: remove)
        if let added {
            let c = try live.addEdges(pins: added.pins, boards: added.boards, times: added.times)
            noteAdded(c, add!, command: command)
        }
        if let removed {
            let c = try live.removeEdges(pins: removed.pins, boards: removed.boards)
            noteRemoved(c, remove!, command: command)
        }
        return live
    }

    /// The two files, read (nil for an option not given).
    static func lists(add: String?, remove: String?) throws -> (LiveEdgeList?, LiveEdgeList?) {
        (try add.map { try LiveEdgeList(path: $0) }, try remove.map { try LiveEdgeList(path: $0) })
    }

    static func noteAdded(_ c: LiveAddCounts, _ path: String, command: String) {
        note("\(command): \(path): \(c.added) live edges added, \(c.duplicates) duplicates, \(c.refused) refused")
    }

    static func noteRemoved(_ c: LiveRemoveCounts, _ path: String, command: String) {
        note("\(command): \(path): \(c.removed) edges removed, \(c.missing) not in the graph")
    }
}
