// The one reader of delimited text: how every input file of the library
// (edge lists, titles, attributes, interactions, held-out items, id lists)
// is split into fields, which line is a header, when a line is not UTF-8
// text, and how a bad line is reported (`FILE:LINE: reason`). Lines come
// from LineReader, which also owns the byte-order-mark rule.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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

/// A field's text for messages, cut to a readable length, with what would
/// not show written out: `\r` for a carriage return, `\u{FEFF}` for a
/// byte-order mark, `\u{1}` for another control character.
func fieldText(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
    let n = min(end - start, 40)
    let text = String(decoding: UnsafeBufferPointer(start: base + start, count: n), as: UTF8.self)
    var shown = ""
    for c in text.unicodeScalars {
        switch c.value {
        case 0x0D: shown += "\\r"
        case 0x09: shown += "\\t"
        case 0..<0x20, 0x7F, 0xFEFF: shown += "\\u{\(String(c.value, radix: 16, uppercase: true))}"
        default: shown.unicodeScalars.append(c)
        }
    }
    return n < end - start ? shown + "…" : shown
}

/// True when a line looks like a header: its first field starts with a letter
/// or `_` (after blanks and an opening quote), and the line is valid UTF-8
/// text without control characters other than TAB: a line of binary junk is
/// never taken for a header.
func looksLikeHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    startsLikeHeader(line) && controlCharacter(in: line) == nil && isValidUTF8(line)
}

/// The first field starts with a letter or `_`, after spaces and an opening quote.
func startsLikeHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    while i < line.count && line[i] == 0x20 { i += 1 }
    if i < line.count && line[i] == 0x22 { i += 1 }
    guard i < line.count else { return false }
    let c = line[i]
    return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
}

/// The index of the first control character other than TAB, if any.
func controlCharacter(in line: UnsafeBufferPointer<UInt8>) -> Int? {
    line.firstIndex { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }
}

/// Whether the bytes are UTF-8 (on any platform version: no `String(validating:)`).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var it = bytes.makeIterator()
    var decoder = UTF8()
    while true {
        switch decoder.decode(&it) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

/// One field of a line: the byte range of its content (inside the quotes
/// for a quoted field), and whether it holds doubled quotes to unescape.
struct FieldRange {
    var start: Int
    var end: Int
    var quoted = false
    var escapes = false
    /// A quoted field without its closing quote, or with text after it.
    var malformed = false
}

/// The end of the field starting at `start` (the index of the separator
/// after it, or `count`) and its content. A field that starts with `"` is
/// quoted as RFC 4180 says: it runs to the next `"` not doubled, and
/// separators inside it are text. Fields end at byte `sep` or `sep2` (pass
/// the same byte twice for one separator).
@inline(__always)
func scanField(_ base: UnsafePointer<UInt8>, _ start: Int, _ count: Int, _ sep: UInt8, _ sep2: UInt8)
    -> (next: Int, field: FieldRange)
{
    @inline(__always) func isSeparator(_ c: UInt8) -> Bool { c == sep || c == sep2 }
    var q = start
    while q < count && base[q] == 0x20 { q += 1 }  // blanks before an opening quote
    if q < count && base[q] == 0x22 {
        var j = q + 1
        var escapes = false
        while j < count {
            if base[j] == 0x22 {
                if j + 1 < count && base[j + 1] == 0x22 {
                    escapes = true
                    j += 2
                    continue
                }
                break
            }
            j += 1
        }
        if j >= count {  // no closing quote
            return (count, FieldRange(start: start, end: count, malformed: true))
        }
        var k = j + 1
        while k < count && base[k] == 0x20 { k += 1 }
        if k == count || isSeparator(base[k]) {
            return (k, FieldRange(start: q + 1, end: j, quoted: true, escapes: escapes))
        }
        // Text after the closing quote: the raw field, for the message.
        while k < count && !isSeparator(base[k]) { k += 1 }
        return (k, FieldRange(start: start, end: k, malformed: true))
    }
    var i = start
    while i < count && !isSeparator(base[i]) { i += 1 }
    return (i, FieldRange(start: start, end: i))
}

/// Every field of a line, split at `sep` or `sep2`, quotes honoured.
func splitFields(_ line: UnsafeBufferPointer<UInt8>, _ sep: UInt8, _ sep2: UInt8) -> [FieldRange] {
    var fields: [FieldRange] = []
    splitFields(line, sep, sep2, into: &fields)
    return fields
}

/// Every field of a line into `fields`, in place: the array keeps its
/// storage from line to line, and fields are byte ranges of the line, so a
/// reader splitting millions of lines allocates nothing per line.
@inline(__always)
func splitFields(_ line: UnsafeBufferPointer<UInt8>, _ sep: UInt8, _ sep2: UInt8, into fields: inout [FieldRange]) {
    fields.removeAll(keepingCapacity: true)
    guard let base = line.baseAddress else {
        fields.append(FieldRange(start: 0, end: 0))
        return
    }
    var i = 0
    while true {
        let (next, f) = scanField(base, i, line.count, sep, sep2)
        fields.append(f)
        if next >= line.count { break }
        i = next + 1
    }
}

/// A field read as an id: a broken quoted field is not a number.
@inline(__always)
func parseID(_ base: UnsafePointer<UInt8>, _ f: FieldRange) -> ParsedID {
    f.malformed ? .notANumber : parseUInt64(base, f.start, f.end)
}

/// A field's text for messages, without the spaces around it.
func fieldText(_ base: UnsafePointer<UInt8>, _ f: FieldRange) -> String {
    var s = f.start, e = f.end
    while s < e && base[s] == 0x20 { s += 1 }
    while e > s && base[e - 1] == 0x20 { e -= 1 }
    return fieldText(base, s, e)
}

/// Why a field is not an id, in the words of every reader (`what` is "pin
/// id", "user id" …); nil when it is one.
func idProblem(_ parsed: ParsedID, _ what: String, _ base: UnsafePointer<UInt8>, _ f: FieldRange) -> String? {
    switch parsed {
    case .value: return nil
    case .empty: return "empty \(what)"
    case .notANumber: return "\(what) \"\(fieldText(base, f))\" is not an unsigned integer"
    case .overflow: return "\(what) \(fieldText(base, f)) does not fit in 64 bits"
    }
}

/// A decimal Int64 (an optional sign, then digits), spaces around allowed.
func parseInt64(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
    var s = start
    while s < end && base[s] == 0x20 { s += 1 }
    var negative = false
    if s < end && (base[s] == 0x2D || base[s] == 0x2B) {
        negative = base[s] == 0x2D
        s += 1
    }
    guard case .value(let v) = parseUInt64(base, s, end) else { return nil }
    if negative { return v <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- v) : nil }
    return v <= UInt64(Int64.max) ? Int64(v) : nil
}

/// The reason a line is bad as every reader gives it: first saying when the
/// line is not UTF-8 text, the likely cause then being the file's encoding
/// (Latin-1, UTF-16 without its mark), not its fields; and, for a line that
/// starts like a header, which control character kept it from being one.
func lineProblem(_ line: UnsafeBufferPointer<UInt8>, _ reason: String) -> String {
    guard isValidUTF8(line) else { return "not UTF-8 text (\(reason))" }
    if startsLikeHeader(line), let i = controlCharacter(in: line), let base = line.baseAddress {
        return "\(reason) (not a header: it holds the control character \(fieldText(base, i, i + 1)))"
    }
    return reason
}

/// The header rule of every input: a line that is not data is the header
/// when no data came before it in its file (blank lines and comments aside),
/// no header either, and it ``looksLikeHeader(_:)``. One header a file.
struct HeaderRule {
    private(set) var seenData = false

    /// A line that is data: no header after it.
    @inline(__always)
    mutating func data() { seenData = true }

    /// Whether `line`, which is not data, is the file's header.
    mutating func isHeader(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !seenData && looksLikeHeader(line) else { return false }
        seenData = true
        return true
    }
}

/// A header's column names: each field unquoted, doubled quotes made single,
/// without blanks around it.
func headerNames(_ line: UnsafeBufferPointer<UInt8>) -> [String] {
    guard let base = line.baseAddress else { return [""] }
    return splitFields(line, 0x09, 0x2C).map { fieldString(base, $0).trimmingBlanks() }
}

/// A field's text: unquoted, doubled quotes made single.
func fieldString(_ base: UnsafePointer<UInt8>, _ f: FieldRange) -> String {
    let bytes = UnsafeBufferPointer(start: base + f.start, count: f.end - f.start)
    guard f.escapes else { return String(decoding: bytes, as: UTF8.self) }
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = 0
    while i < bytes.count {
        out.append(bytes[i])
        i += bytes[i] == 0x22 && i + 1 < bytes.count && bytes[i + 1] == 0x22 ? 2 : 1
    }
    return String(decoding: out, as: UTF8.self)
}

/// The separator of a title or attribute line: TAB or comma, whichever
/// ends its first (id) field; nil when the line has neither.
func lineSeparator(_ line: UnsafeBufferPointer<UInt8>) -> UInt8? {
    guard let base = line.baseAddress else { return nil }
    let (next, _) = scanField(base, 0, line.count, 0x09, 0x2C)
    return next < line.count ? base[next] : nil
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

extension String {
    /// Without blanks (space, TAB, CR) at either end.
    func trimmingBlanks() -> String {
        var u = Substring(self)
        while let f = u.first, f == " " || f == "\t" || f == "\r" { u = u.dropFirst() }
        while let l = u.last, l == " " || l == "\t" || l == "\r" { u = u.dropLast() }
        return String(u)
    }
}
