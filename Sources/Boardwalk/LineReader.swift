// Reading text inputs line by line, fast: edge lists, title and attribute
// files, plain or gzip-compressed (zlib reads both), from files, standard
// input or the part-file directories that Spark and Hive write.
import CZlib

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One input to read: a file, standard input, or one part file of a directory.
struct InputFile {
    /// The name used in messages: the path as given, or `<stdin>`.
    let name: String
    /// The path to open; nil for standard input.
    let path: String?

    /// Expands what a user typed: `-` is standard input, a directory is its
    /// part files (every regular file whose name does not start with `_` or
    /// `.`, such as `_SUCCESS`), in name order; anything else is a file.
    static func expand(_ argument: String) throws -> [InputFile] {
        if argument == "-" { return [InputFile(name: "<stdin>", path: nil)] }
        var st = stat()
        guard stat(argument, &st) == 0 else {
            throw BoardwalkError.io(path: argument, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) != S_IFDIR { return [InputFile(name: argument, path: argument)] }
        guard let dir = opendir(argument) else {
            throw BoardwalkError.io(path: argument, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") || name.hasPrefix("_") { continue }
            let full = argument.hasSuffix("/") ? argument + name : argument + "/" + name
            var fst = stat()
            if stat(full, &fst) == 0, (fst.st_mode & S_IFMT) == S_IFREG { names.append(full) }
        }
        names.sort()
        return names.map { InputFile(name: $0, path: $0) }
    }
}

/// Reads an input in large blocks and hands out complete lines without
/// copying them. Lines longer than `maxLineBytes` are an error, so that a
/// hostile input cannot take unbounded memory.
///
/// `@unchecked Sendable`: a reader is handed whole to the parser thread and
/// used by one thread at a time; `bytesRead` is read after that thread is done.
final class LineReader: @unchecked Sendable {
    static let defaultMaxLineBytes = 1 << 20

    let input: InputFile
    private var gz: gzFile?
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private let maxLineBytes: Int
    /// Compressed or plain bytes consumed so far, for progress reports.
    private(set) var bytesRead: Int = 0

    init(_ input: InputFile, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws {
        self.input = input
        self.maxLineBytes = maxLineBytes
        let fd: Int32
        if let path = input.path {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw BoardwalkError.io(path: input.name, reason: String(cString: strerror(errno))) }
        } else {
            fd = dup(0)
            if fd < 0 { throw BoardwalkError.io(path: input.name, reason: String(cString: strerror(errno))) }
        }
        guard let handle = gzdopen(fd, "rb") else {
            close(fd)
            throw BoardwalkError.outOfMemory
        }
        gzbuffer(handle, 1 << 20)
        gz = handle
        capacity = 4 << 20
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        if let gz { gzclose(gz) }
        buffer.deallocate()
    }

    /// Calls `body` with each line (without its `\n` or a trailing `\r`) and
    /// its 1-based number. The buffer is valid only during the call.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        var filled = 0  // bytes in buffer
        var lineNumber = 0
        var eof = false
        while !eof {
            if filled == capacity {
                // A line fills the whole buffer: grow, up to the line limit.
                // Not `>= maxLineBytes + 1`: that overflows for a limit of Int.max.
                if capacity > maxLineBytes {
                    throw BoardwalkError.malformedInput(
                        file: input.name, line: lineNumber + 1,
                        reason: "line longer than \(maxLineBytes) bytes")
                }
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buffer, count: filled)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = gzread(gz, buffer + filled, UInt32(capacity - filled))
            if n < 0 { throw readError() }
            if n == 0 {
                var errnum: Int32 = 0
                gzerror(gz, &errnum)
                if errnum != Z_OK && errnum != Z_STREAM_END { throw readError() }
                eof = true
            }
            bytesRead += Int(n)
            filled += Int(n)
            var start = 0
            while start < filled {
                let rest = filled - start
                guard let nl = memchr(buffer + start, 0x0A, rest) else { break }
                let end = UnsafeMutablePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - buffer
                lineNumber += 1
                if end - start > maxLineBytes {
                    throw BoardwalkError.malformedInput(
                        file: input.name, line: lineNumber, reason: "line longer than \(maxLineBytes) bytes")
                }
                var len = end - start
                if len > 0 && buffer[start + len - 1] == 0x0D { len -= 1 }
                try body(UnsafeBufferPointer(start: buffer + start, count: len), lineNumber)
                start = end + 1
            }
            if eof && start < filled {
                // The last line has no newline.
                lineNumber += 1
                var len = filled - start
                if len > maxLineBytes {
                    throw BoardwalkError.malformedInput(
                        file: input.name, line: lineNumber, reason: "line longer than \(maxLineBytes) bytes")
                }
                if len > 0 && buffer[start + len - 1] == 0x0D { len -= 1 }
                try body(UnsafeBufferPointer(start: buffer + start, count: len), lineNumber)
                start = filled
            }
            if start > 0 {
                let rest = filled - start
                if rest > 0 { memmove(buffer, buffer + start, rest) }
                filled = rest
            }
        }
    }

    private func readError() -> BoardwalkError {
        var errnum: Int32 = 0
        let message = gzerror(gz, &errnum).map { String(cString: $0) } ?? "read error"
        if errnum == Z_ERRNO { return .io(path: input.name, reason: String(cString: strerror(errno))) }
        return .io(path: input.name, reason: "corrupt compressed input: \(message)")
    }
}

// MARK: - Field parsing

/// Bytes considered blank around a field.
@inline(__always)
func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

/// The outcome of parsing an unsigned 64-bit decimal.
enum ParsedID {
    case value(UInt64)
    case empty
    case notANumber
    case overflow
}

/// Parses a decimal unsigned 64-bit integer, allowing blanks around it.
@inline(__always)
func parseUInt64(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ParsedID {
    var s = start
    var e = end
    while s < e && base[s] == 0x20 { s += 1 }
    while e > s && base[e - 1] == 0x20 { e -= 1 }
    if s == e { return .empty }
    var v: UInt64 = 0
    var i = s
    while i < e {
        let d = base[i] &- 0x30
        if d > 9 { return .notANumber }
        let (m, o1) = v.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(UInt64(d))
        if o1 || o2 { return .overflow }
        v = a
        i += 1
    }
    return .value(v)
}

/// A decimal score ("0.25", "-3", "1e-4"; spaces around allowed), or nil when
/// the field is empty, not a decimal number (hex, "nan" and "inf" are not),
/// longer than 64 bytes, or out of Double's range.
func parseScore(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
    var s = start
    var e = end
    while s < e && base[s] == 0x20 { s += 1 }
    while e > s && base[e - 1] == 0x20 { e -= 1 }
    let n = e - s
    guard n > 0, n <= 64 else { return nil }
    var digits = false
    for i in s..<e {
        switch base[i] {
        case 0x30...0x39: digits = true
        case 0x2B, 0x2D, 0x2E, 0x45, 0x65: break  // + - . E e
        default: return nil
        }
    }
    guard digits else { return nil }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: n + 1) { buf -> Double? in
        for i in 0..<n { buf[i] = CChar(bitPattern: base[s + i]) }
        buf[n] = 0
        var endp: UnsafeMutablePointer<CChar>?
        let v = strtod(buf.baseAddress!, &endp)
        guard let endp, endp == buf.baseAddress! + n, v.isFinite else { return nil }
        return v
    }
}

/// A field's text for messages, cut to a readable length.
func fieldText(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let n = min(end - start, 40)
    let text = String(decoding: UnsafeBufferPointer(start: base + start, count: n), as: UTF8.self)
    return n < end - start ? text + "…" : text
}

/// True when a line looks like a header: its first field starts with a letter or `_`.
func looksLikeHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    for c in line {
        if c == 0x20 { continue }
        return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }
    return false
}

/// True for a blank line or a `#` comment.
@inline(__always)
func isSkippable(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    for c in line {
        if isBlank(c) { continue }
        return c == 0x23
    }
    return true
}
