// Reading the inputs of evaluation and queries: interactions, held-out
// items and id lists, with the one reader of every input file
// (LineReader.swift, DelimitedReader.swift).
import Foundation

/// Reads the text files of evaluation and queries: interactions, held-out
/// items and id lists, with the conventions of `boardwalk build`'s inputs.
///
/// A path is a file (plain or gzip-compressed, detected by content) or `-`
/// for standard input; interactions may also be a directory of part files
/// (every regular file not starting with `_` or `.`, in name order), as
/// Spark writes them and `boardwalk build` reads them. Lines, fields,
/// headers and encodings follow the rules of `boardwalk build`'s inputs
/// (DelimitedReader.swift, LineReader.swift): fields are separated by tabs or
/// commas, with spaces around them allowed, and may be quoted (RFC 4180: a tab
/// or comma inside quotes is text, `""` is a quote); `#` comments and blank
/// lines are skipped, and so is one UTF-8 byte-order mark at the start of a
/// file (UTF-16 is an error). The first line that is not blank, a comment or
/// data is a header when it starts with a letter or `_` (after spaces and an
/// opening quote) and is UTF-8 text without control characters other than
/// TAB; a header that names the columns (see ``userColumnNames`` and the
/// others) decides which column is which. A line that cannot be read is an
/// error `FILE:LINE: reason` (saying `not UTF-8 text` first when it is
/// not), never skipped: a file read wrong would give metrics that are wrong
/// without saying so.
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
            var header = HeaderRule()
            var fields: [FieldRange] = []
            fields.reserveCapacity(8)
            try reader.forEachLine { line, number in
                lines += 1
                if progress != nil, lines & 0xFFFF == 0 {
                    let now = DispatchTime.now().uptimeNanoseconds
                    if now - lastReport >= 1_000_000_000 {
                        lastReport = now
                        progress?(lines, bytesBefore + reader.bytesRead)
                    }
                }
                if isSkippable(line) { return }
                let base = line.baseAddress!
                splitFields(line, 0x09, 0x2C, into: &fields)
                var f = Fields()
                if let problem = parse(base, fields, columns, roles, into: &f) {
                    // A header's first field is a name, not a broken quote ("user_id,…).
                    if !fields[0].malformed && header.isHeader(line) {
                        columns = try headerColumns(line, roles, input.name, number)
                        return
                    }
                    throw BoardwalkError.malformedInput(file: input.name, line: number, reason: lineProblem(line, problem))
                }
                header.data()
                try body(f, input.name, number)
            }
            bytesBefore += reader.bytesRead
        }
        progress?(lines, bytesBefore)
    }

    /// Reads one line's fields into `f`; returns why the line is not data, or nil.
    @inline(__always)
    private static func parse(_ base: UnsafePointer<UInt8>, _ fields: [FieldRange], _ columns: Columns, _ roles: Roles,
                              into f: inout Fields) -> String? {
        let needed = max(columns.user, columns.item ?? 0) + 1
        guard fields.count >= needed else {
            // An opening quote that does not close takes the rest of the line.
            if let last = fields.last, last.malformed { return "quoted field \"\(fieldText(base, last))\" has no closing quote" }
            let found = "found \(fields.count) field\(fields.count == 1 ? "" : "s")"
            switch roles {
            case .interactions: return "expected user<TAB>item[<TAB>weight][<TAB>time], \(found)"
            case .heldOut: return "expected user<TAB>item, \(found)"
            case .ids: return "empty line"
            }
        }
        switch roles {
        case .ids(let what):
            // One id a line: a second column may be the one meant, so none is guessed.
            guard fields.count == 1 else { return "expected one \(what) a line, found \(fields.count) fields" }
            let id = parseID(base, fields[columns.user])
            guard case .value(let v) = id else { return idProblem(id, what, base, fields[columns.user]) }
            f.user = v
        case .interactions, .heldOut:
            let user = parseID(base, fields[columns.user])
            guard case .value(let u) = user else { return idProblem(user, "user id", base, fields[columns.user]) }
            let item = parseID(base, fields[columns.item!])
            guard case .value(let i) = item else { return idProblem(item, "item id", base, fields[columns.item!]) }
            f.user = u
            f.item = i
        }
        // An empty weight or time field is an absent one.
        if let w = columns.weight, w < fields.count, let (s, e) = present(base, fields[w]) {
            guard !fields[w].malformed, let v = parseScore(base, s, e), v >= 0 else {
                return "weight \"\(fieldText(base, fields[w]))\" must be a finite number >= 0"
            }
            f.weight = v
        }
        if let t = columns.time, t < fields.count, let (s, e) = present(base, fields[t]) {
            guard !fields[t].malformed, let v = parseInt64(base, s, e) else {
                return "time \"\(fieldText(base, fields[t]))\" must be an integer"
            }
            f.time = v
        }
        return nil
    }

    /// A field's bytes without the spaces around them; nil when none are left.
    @inline(__always)
    private static func present(_ base: UnsafePointer<UInt8>, _ f: FieldRange) -> (Int, Int)? {
        var s = f.start, e = f.end
        while s < e && base[s] == 0x20 { s += 1 }
        while e > s && base[e - 1] == 0x20 { e -= 1 }
        return s < e ? (s, e) : nil
    }

    private static func defaultColumns(_ roles: Roles) -> Columns {
        switch roles {
        case .interactions: return Columns()
        case .heldOut: return Columns(user: 0, item: 1, weight: nil, time: nil)
        case .ids: return Columns(user: 0, item: nil, weight: nil, time: nil)
        }
    }

    /// The columns a header names; the defaults for what it does not name.
    private static func headerColumns(_ header: UnsafeBufferPointer<UInt8>, _ roles: Roles,
                                      _ file: String, _ line: Int) throws -> Columns {
        let names = headerNames(header).map { $0.lowercased() }
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
}
