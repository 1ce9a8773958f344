// Reading the inputs of evaluation and queries: interactions, held-out
// items and id lists, with the line reader and field rules of the builder
// (LineReader.swift).
import Foundation

/// Reads the text files of evaluation and queries: interactions, held-out
/// items and id lists, with the conventions of `boardwalk build`'s inputs.
///
/// A path is a file (plain or gzip-compressed, detected by content) or `-`
/// for standard input; interactions may also be a directory of part files
/// (every regular file not starting with `_` or `.`, in name order), as
/// Spark writes them and `boardwalk build` reads them. Fields are separated by tabs or
/// commas, with blanks around them and one pair of double quotes around a
/// field allowed; `#` comments and blank lines are skipped, and so is a
/// UTF-8 byte-order mark at the start of a file. The first line that is not
/// blank or a comment is a header when its first field starts with a letter
/// or `_`; a header that names the columns (see ``userColumnNames`` and the
/// others) decides which column is which. A line that cannot be read is an
/// error naming the file and line, never skipped: a file read wrong would
/// give metrics that are wrong without saying so.
public enum EvaluationInput {
    /// Header names of the user column (users play boards), compared without case.
    public static let userColumnNames = ["user", "user_id", "userid", "board", "board_id"]
    /// Header names of the item column (items play pins).
    public static let itemColumnNames = ["item", "item_id", "itemid", "pin", "pin_id"]
    /// Header names of the weight column.
    public static let weightColumnNames = ["weight", "score", "rating"]
    /// Header names of the time column.
    public static let timeColumnNames = ["time", "timestamp"]

    /// Reads interactions `user<TAB>item[<TAB>weight][<TAB>time]`: a weight
    /// is a finite number >= 0 (1 when absent or empty), a time an integer
    /// (none when absent or empty). A header
    /// naming the columns (`pin_id<TAB>board_id`, `user,item,rating,timestamp`
    /// …) puts them in any order; a header naming the id columns but no
    /// weight or time column means the file has none.
    ///
    /// - Parameter progress: called about once a second with the lines and
    ///   bytes read so far.
    /// - Throws: ``BoardwalkError/io(path:reason:)`` when a file cannot be
    ///   read (`PATH: No such file or directory` …),
    ///   ``BoardwalkError/malformedInput(file:line:reason:)`` for a bad line.
    public static func interactions(from path: String, progress: ((_ lines: Int, _ bytes: Int) -> Void)? = nil)
        throws -> [Interaction]
    {
        var out: [Interaction] = []
        try read(path, roles: .interactions, progress: progress) { f, _, _ in
            out.append(Interaction(user: f.user, item: f.item, weight: f.weight, time: f.time))
        }
        return out
    }

    /// Reads held-out items `user<TAB>item` (a header naming the columns may
    /// swap them; other columns are ignored), in file order, with their line
    /// numbers. A directory is an error (`PATH: Is a directory`).
    ///
    /// - Throws: as ``interactions(from:progress:)``.
    public static func heldOut(from path: String) throws -> [(user: UInt64, item: UInt64, line: Int)] {
        var out: [(user: UInt64, item: UInt64, line: Int)] = []
        try read(path, roles: .heldOut, progress: nil) { f, _, line in out.append((f.user, f.item, line)) }
        return out
    }

    /// Reads a list of ids, one per line and nothing else on it (a header
    /// line is allowed). A directory is an error (`PATH: Is a directory`).
    ///
    /// - Parameter what: what an id is, for messages ("pin id").
    public static func ids(from path: String, what: String = "id") throws -> [UInt64] {
        var out: [UInt64] = []
        try read(path, roles: .ids(what), progress: nil) { f, _, _ in out.append(f.user) }
        return out
    }

    // MARK: Implementation

    private enum Roles {
        case interactions, heldOut
        case ids(String)
    }

    /// The 0-based column of each field.
    private struct Columns {
        var user = 0, item: Int? = 1, weight: Int? = 2, time: Int? = 3
    }

    private struct Fields {
        var user: UInt64 = 0, item: UInt64 = 0, weight = 1.0, time: Int64? = nil
    }

    private static func read(_ path: String, roles: Roles, progress: ((Int, Int) -> Void)?,
                             _ body: (Fields, String, Int) throws -> Void) throws {
        if case .interactions = roles {} else if path != "-" {
            var st = stat()
            if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                throw BoardwalkError.io(path: path, reason: String(cString: strerror(EISDIR)))
            }
        }
        let inputs = try InputFile.expand(path)
        if inputs.isEmpty { throw BoardwalkError.io(path: path, reason: "a directory without part files") }
        var lines = 0, bytesBefore = 0
        var lastReport = DispatchTime.now().uptimeNanoseconds
        for input in inputs {
            let reader = try LineReader(input)
            var columns = defaultColumns(roles)
            var seenContent = false
            var ranges: [(Int, Int)] = []
            ranges.reserveCapacity(8)
            try reader.forEachLine { raw, number in
                lines += 1
                if progress != nil, lines & 0xFFFF == 0 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now - lastReport >= 1_000_000_000 {
                        lastReport = now
                        progress?(lines, bytesBefore + reader.bytesRead)
                    }
                }
                var line = raw
                if number == 1 {
                    if line.count >= 2 && ((line[0] == 0xFF && line[1] == 0xFE) || (line[0] == 0xFE && line[1] == 0xFF)) {
                        throw BoardwalkError.io(path: input.name, reason: "UTF-16 text (byte-order mark \(line[0] == 0xFF ? "FF FE" : "FE FF")): save it as UTF-8")
                    }
                    if line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF {
                        line = UnsafeBufferPointer(rebasing: line[3...])
                    }
                }
                if isSkippable(line) { return }
                let base = line.baseAddress!
                split(line, into: &ranges)
                if !seenContent {
                    seenContent = true
                    if isHeader(base, ranges) {
                        columns = try headerColumns(base, ranges, roles, input.name, number)
                        return
                    }
                }
                func fail(_ reason: String) -> BoardwalkError {
                    let valid = isValidUTF8(line)
                    return .malformedInput(file: input.name, line: number, reason: valid ? reason : "not UTF-8 text (\(reason))")
                }
                var f = Fields()
                let needed = max(columns.user, columns.item ?? 0) + 1
                guard ranges.count >= needed else {
                    switch roles {
                    case .interactions: throw fail("expected user<TAB>item[<TAB>weight][<TAB>time], found \(ranges.count) field\(ranges.count == 1 ? "" : "s")")
                    case .heldOut: throw fail("expected user<TAB>item, found \(ranges.count) field\(ranges.count == 1 ? "" : "s")")
                    case .ids: throw fail("empty line")
                    }
                }
                func id(_ column: Int, _ what: String) throws -> UInt64 {
                    let (s, e) = unquoted(base, ranges[column])
                    switch parseUInt64(base, s, e) {
                    case .value(let v): return v
                    case .empty: throw fail("empty \(what)")
                    case .notANumber: throw fail("\(what) \"\(fieldText(base, s, e))\" is not an unsigned integer")
                    case .overflow: throw fail("\(what) \(fieldText(base, s, e)) does not fit in 64 bits")
                    }
                }
                switch roles {
                case .ids(let what):
                    // One id a line: a second column may be the one meant, so none is guessed.
                    guard ranges.count == 1 else { throw fail("expected one \(what) a line, found \(ranges.count) fields") }
                    f.user = try id(columns.user, what)
                case .interactions, .heldOut:
                    f.user = try id(columns.user, "user id")
                    f.item = try id(columns.item!, "item id")
                }
                // An empty weight or time field is an absent one.
                if let w = columns.weight, w < ranges.count, case let (s, e) = unquoted(base, ranges[w]), s < e {
                    guard let v = parseScore(base, s, e), v >= 0 else {
                        throw fail("weight \"\(fieldText(base, s, e))\" must be a finite number >= 0")
                    }
                    f.weight = v
                }
                if let t = columns.time, t < ranges.count, case let (s, e) = unquoted(base, ranges[t]), s < e {
                    guard let v = parseInt64(base, s, e) else { throw fail("time \"\(fieldText(base, s, e))\" must be an integer") }
                    f.time = v
                }
                try body(f, input.name, number)
            }
            bytesBefore += reader.bytesRead
        }
        progress?(lines, bytesBefore)
    }

    private static func defaultColumns(_ roles: Roles) -> Columns {
        switch roles {
        case .interactions: return Columns()
        case .heldOut: return Columns(user: 0, item: 1, weight: nil, time: nil)
        case .ids: return Columns(user: 0, item: nil, weight: nil, time: nil)
        }
    }

    /// Splits a line at tabs and commas into (start, end) byte ranges.
    @inline(__always)
    private static func split(_ line: UnsafeBufferPointer<UInt8>, into ranges: inout [(Int, Int)]) {
        ranges.removeAll(keepingCapacity: true)
        var start = 0
        for i in 0..<line.count where line[i] == 0x09 || line[i] == 0x2C {
            ranges.append((start, i))
            start = i + 1
        }
        ranges.append((start, line.count))
    }

    /// A field without blanks around it and without one pair of double quotes.
    @inline(__always)
    private static func unquoted(_ base: UnsafePointer<UInt8>, _ r: (Int, Int)) -> (Int, Int) {
        var (s, e) = r
        while s < e && isBlank(base[s]) { s += 1 }
        while e > s && isBlank(base[e - 1]) { e -= 1 }
        if e - s >= 2 && base[s] == 0x22 && base[e - 1] == 0x22 { s += 1; e -= 1 }
        return (s, e)
    }

    private static func fieldName(_ base: UnsafePointer<UInt8>, _ r: (Int, Int)) -> String {
        let (s, e) = unquoted(base, r)
        return String(decoding: UnsafeBufferPointer(start: base + s, count: e - s), as: UTF8.self).lowercased()
    }

    /// A header's first field starts with a letter or `_`.
    private static func isHeader(_ base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)]) -> Bool {
        let (s, e) = unquoted(base, ranges[0])
        guard s < e else { return false }
        let c = base[s]
        return (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    /// The columns a header names; the defaults for what it does not name.
    private static func headerColumns(_ base: UnsafePointer<UInt8>, _ ranges: [(Int, Int)], _ roles: Roles,
                                      _ file: String, _ line: Int) throws -> Columns {
        let names = ranges.map { fieldName(base, $0) }
        func find(_ accepted: [String], _ what: String) throws -> Int? {
            let hits = names.indices.filter { accepted.contains(names[$0]) }
            if hits.count > 1 {
                throw BoardwalkError.malformedInput(
                    file: file, line: line, reason: "the header names two \(what) columns (\(hits.map { "\"\(names[$0])\"" }.joined(separator: ", ")))")
            }
            return hits.first
        }
        var c = defaultColumns(roles)
        switch roles {
        case .ids:
            return c
        case .interactions, .heldOut:
            let user = try find(userColumnNames, "user"), item = try find(itemColumnNames, "item")
            if let user { c.user = user }
            if let item { c.item = item }
            if user != nil || item != nil, c.user == c.item {
                let missing = user == nil ? "user" : "item"
                let accepted = (user == nil ? userColumnNames : itemColumnNames).joined(separator: ", ")
                throw BoardwalkError.malformedInput(
                    file: file, line: line, reason: "the header names no \(missing) column (one of \(accepted))")
            }
            guard case .interactions = roles else { return c }
            let weight = try find(weightColumnNames, "weight"), time = try find(timeColumnNames, "time")
            if weight != nil || time != nil {
                c.weight = weight
                c.time = time
            } else {
                // Unnamed: the third and fourth columns, unless they hold an id.
                if c.weight == c.user || c.weight == c.item { c.weight = nil }
                if c.time == c.user || c.time == c.item { c.time = nil }
            }
            return c
        }
    }

    /// A decimal Int64 with blanks around it allowed.
    private static func parseInt64(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var s = start
        var negative = false
        if s < end && (base[s] == 0x2D || base[s] == 0x2B) {
            negative = base[s] == 0x2D
            s += 1
        }
        guard case .value(let v) = parseUInt64(base, s, end) else { return nil }
        if negative { return v <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- v) : nil }
        return v <= UInt64(Int64.max) ? Int64(v) : nil
    }
}
