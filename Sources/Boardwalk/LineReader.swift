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
    /// The directory argument this is a part file of, if any.
    var directory: String? = nil

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
        return names.map { InputFile(name: $0, path: $0, directory: argument) }
    }
}

/// Reads an input in large blocks and hands out complete lines without
/// copying them: a file or standard input (plain or gzip), or bytes already
/// in memory (a request body). Lines longer than `maxLineBytes` are an error, so that a
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
    /// Bytes already in `buffer` (from ``looksBinary()``) before `forEachLine` runs.
    private var filled = 0
    private var eof = false
    /// The input when it is in memory (``init(bytes:name:maxLineBytes:)``), and how much of it was read.
    private var memory: [UInt8]?
    private var memoryOffset = 0

    /// Lines of bytes in memory, such as an HTTP request body: the same
    /// rules as a file's (byte-order mark, CR LF, the line limit), read as
    /// plain text (no gzip).
    init(bytes: [UInt8], name: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        input = InputFile(name: name, path: nil)
        self.maxLineBytes = maxLineBytes
        memory = bytes
        capacity = max(8192, min(4 << 20, bytes.count))  // at least looksBinary()'s 8,000 bytes
        buffer = .allocate(capacity: capacity)
    }

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
    ///
    /// The byte-order-mark rule of every input: one UTF-8 byte-order mark at
    /// the start of the input is skipped (a second one is the first line's
    /// text, which no reader takes for an id or a header); a UTF-16 mark is
    /// an error, `FILE: UTF-16 text (byte-order mark FF FE): save it as UTF-8`.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        var lineNumber = 0
        var first = true
        var markChecked = false
        while first || !eof {
            // Bytes ``looksBinary()`` read are split into lines before reading more.
            let prefetched = first && filled > 0
            first = false
            if !prefetched && filled == capacity {
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
            if !prefetched && !eof { try fill() }
            var start = 0
            if !markChecked && (filled >= 3 || eof) {
                // Once: after the buffer moves, its start is no longer the input's.
                markChecked = true
                if filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
                if filled - start >= 2 {
                    let a = buffer[start], b = buffer[start + 1]
                    if (a == 0xFF && b == 0xFE) || (a == 0xFE && b == 0xFF) {
                        throw BoardwalkError.io(
                            path: input.name,
                            reason: "UTF-16 text (byte-order mark \(a == 0xFF ? "FF FE" : "FE FF")): save it as UTF-8")
                    }
                }
            }
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

    /// Reads once more into the free end of the buffer; sets `eof` at the end.
    private func fill() throws {
        if let memory {
            if memoryOffset == memory.count {
                eof = true
                return
            }
            let n = min(capacity - filled, memory.count - memoryOffset)
            memory.withUnsafeBufferPointer { (buffer + filled).update(from: $0.baseAddress! + memoryOffset, count: n) }
            memoryOffset += n
            bytesRead += n
            filled += n
            return
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
    }

    /// True when the input is not text: a NUL byte in its first 8,000 bytes
    /// (after gzip decompression, as git decides), or a control character
    /// other than TAB, CR, FF or ESC on its first line. Call before
    /// ``forEachLine(_:)``, which then starts from the same bytes.
    func looksBinary() throws -> Bool {
        while filled < 8000 && !eof { try fill() }
        let n = min(filled, 8000)
        if n == 0 { return false }
        if memchr(buffer, 0, n) != nil { return true }
        var i = 0
        if n >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { i = 3 }
        while i < n && buffer[i] != 0x0A {
            let c = buffer[i]
            if c < 0x20 && c != 0x09 && c != 0x0D && c != 0x0C && c != 0x1B { return true }
            if c == 0x7F { return true }
            i += 1
        }
        return false
    }

    private func readError() -> BoardwalkError {
        var errnum: Int32 = 0
        let message = gzerror(gz, &errnum).map { String(cString: $0) } ?? "read error"
        if errnum == Z_ERRNO { return .io(path: input.name, reason: String(cString: strerror(errno))) }
        return .io(path: input.name, reason: "corrupt compressed input: \(message)")
    }
}
