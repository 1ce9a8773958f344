// The edge-list parser: a thread that splits edge-list lines into blocks
// of id pairs (and scores) for the builder, choosing the pin and board
// columns from a header's names, counting invalid lines and keeping the
// newest edge time of a time column.
import Foundation

/// One block of parsed edges: `count` UInt64 values, pin and board ids
/// alternating (each pair followed by its score with a score column), and
/// where the parser was when it sent it.
struct EdgeBlock: @unchecked Sendable {
    // Unchecked: the buffer is handed over whole; only one thread owns it at a time.
    var pairs: UnsafeMutablePointer<UInt64>
    var count: Int
    var lines: Int
    var bytes: Int
    var last: Bool
}

/// A bounded queue of blocks between the parser thread and the builder.
final class EdgeBlockChannel: @unchecked Sendable {
    // Unchecked: `items` is only touched under `lock`; the semaphores bound it.
    private let lock = NSLock()
    private var items: [EdgeBlock] = []
    private let filled = DispatchSemaphore(value: 0)
    private let free = DispatchSemaphore(value: 4)

    func send(_ block: EdgeBlock) {
        free.wait()
        lock.lock()
        items.append(block)
        lock.unlock()
        filled.signal()
    }

    func receive() -> EdgeBlock {
        filled.wait()
        lock.lock()
        let b = items.removeFirst()
        lock.unlock()
        free.signal()
        return b
    }
}

/// The 0-based pin and board columns of an edge list.
struct EdgeColumns: Equatable, Sendable {
    var pin: Int
    var board: Int
}

/// Header names that mean a pin id or a board id column: `pin`, `pin_id`,
/// `pinid`, `pin-id`, `pin id`, any case (and the same for boards).
func headerNameKind(_ name: String) -> NodeKind? {
    let n = String(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " })
    if n == "pin" || n == "pinid" { return .pin }
    if n == "board" || n == "boardid" { return .board }
    return nil
}

/// Chooses the pin and board columns from a header's names. A column given
/// explicitly (`--pin-column`, or `BuildOptions.pinColumn` set) wins; else the
/// column the header names `pin`/`pin_id` (`board`/`board_id`); else the
/// default. A column chosen without a flag whose header name is something
/// else (`timestamp`) is an error: reading it would silently build a wrong
/// graph. Returns the columns and warnings.
func resolveHeader(
    _ names: [String], defaults: EdgeColumns, pinExplicit: Bool, boardExplicit: Bool, scoreField: Int?,
    timeField: Int? = nil, file: String, line: Int
) throws -> (EdgeColumns, [String]) {
    let kinds = names.map(headerNameKind)
    let pin = pinExplicit ? defaults.pin : (kinds.firstIndex(of: .pin) ?? defaults.pin)
    let board = boardExplicit ? defaults.board : (kinds.firstIndex(of: .board) ?? defaults.board)
    func name(_ i: Int) -> String { "column \(i + 1) \"\(names[i])\"" }
    let fix = "give --pin-column N and --board-column N (BuildOptions.pinColumn, boardColumn), or name the columns pin_id and board_id in the header"
    var warnings: [String] = []
    for (kind, column, explicit) in [(NodeKind.pin, pin, pinExplicit), (.board, board, boardExplicit)] {
        let what = kind == .pin ? "pin" : "board"
        let flag = kind == .pin ? "--pin-column" : "--board-column"
        guard column < names.count else { continue }
        if explicit {
            if let k = kinds[column], k != kind {
                warnings.append("\(file):\(line): \(flag) \(column + 1) reads \(what) ids from the header's \(name(column))")
            }
        } else if kinds[column] != kind {
            throw BoardwalkError.malformedInput(
                file: file, line: line,
                reason: "the header names \(name(column)), not the \(what) id column: \(flag) N picks it; \(fix)")
        }
    }
    if pin == board {
        throw BoardwalkError.malformedInput(
            file: file, line: line, reason: "the pin and board ids would both be read from column \(pin + 1); \(fix)")
    }
    if let s = scoreField, s == pin || s == board {
        throw BoardwalkError.malformedInput(
            file: file, line: line, reason: "the header puts \(s == pin ? "pin" : "board") ids in the score column \(s + 1)")
    }
    if let t = timeField, t == pin || t == board {
        throw BoardwalkError.malformedInput(
            file: file, line: line, reason: "the header puts \(t == pin ? "pin" : "board") ids in the time column \(t + 1)")
    }
    return (EdgeColumns(pin: pin, board: board), warnings)
}

/// Parses edge-list lines into id pairs on its own thread, applying the
/// invalid-line budget, and sends them on in blocks.
final class EdgeParser: @unchecked Sendable {
    // Unchecked: written only by the parser thread; read by the builder after
    // the last block, which the channel's semaphores order after every write.
    static let blockValues = 1 << 17
    let scoreField: Int?, timeField: Int?, maxInvalid: Int
    let defaults: EdgeColumns, pinExplicit: Bool, boardExplicit: Bool
    /// Columns a header of an earlier part file of the same directory chose.
    let inherited: EdgeColumns?
    /// The columns this file's header chose, if it had one that named them.
    private(set) var resolved: EdgeColumns?
    private(set) var warnings: [String] = []
    private(set) var lines = 0
    private(set) var invalid: Int
    private(set) var samples: [String] = []
    private(set) var error: Error?
    /// The largest time of the edges read, with a time column (nil: none yet).
    private(set) var newestTime: UInt64?

    init(defaults: EdgeColumns, pinExplicit: Bool = true, boardExplicit: Bool = true, inherited: EdgeColumns? = nil,
         scoreField: Int? = nil, timeField: Int? = nil, maxInvalid: Int, invalidSoFar: Int) {
        self.defaults = defaults
        self.pinExplicit = pinExplicit
        self.boardExplicit = boardExplicit
        self.inherited = inherited
        self.scoreField = scoreField
        self.timeField = timeField
        self.maxInvalid = maxInvalid
        self.invalid = invalidSoFar
    }

    private func invalidLine(_ input: InputFile, _ line: Int, _ text: UnsafeBufferPointer<UInt8>, _ problem: String) throws {
        let reason = lineProblem(text, problem)
        invalid += 1
        if invalid > maxInvalid { throw BoardwalkError.malformedInput(file: input.name, line: line, reason: reason) }
        if samples.count < 10 { samples.append("\(input.name):\(line): \(reason)") }
    }

    func run(_ reader: LineReader, into channel: EdgeBlockChannel) {
        var block = UnsafeMutablePointer<UInt64>.allocate(capacity: EdgeParser.blockValues)
        var n = 0
        let start = inherited ?? defaults
        // (pin field, board field, fields needed); a header may change them.
        let scoreField = self.scoreField ?? -1, timeField = self.timeField ?? -1
        var current = (start.pin, start.board, max(start.pin, start.board, scoreField, timeField) + 1)
        let stride = scoreField >= 0 ? 3 : 2
        var headerRule = HeaderRule()
        do {
            try reader.forEachLine { line, number in
                lines += 1
                if isSkippable(line) { return }
                let base = line.baseAddress!
                let (pinField, boardField, needed) = current  // locals, for the loop below
                // Find the needed fields in one pass over the line.
                var field = 0, i = 0
                var pf = FieldRange(start: 0, end: 0), bf = pf, sf = pf, tf = pf
                let count = line.count
                while true {
                    let (next, f) = scanField(base, i, count, 0x09, 0x2C)
                    if field == pinField {
                        pf = f
                    } else if field == boardField {
                        bf = f
                    } else if field == scoreField {
                        sf = f
                    } else if field == timeField {
                        tf = f
                    }
                    field += 1
                    if field >= needed || next >= count { break }
                    i = next + 1
                }
                // The header: the first line, before any edge, that is not
                // an edge and looks like one; its names may choose the columns.
                func header() throws -> Bool {
                    guard headerRule.isHeader(line) else { return false }
                    let (c, w) = try resolveHeader(
                        headerNames(line), defaults: defaults, pinExplicit: pinExplicit, boardExplicit: boardExplicit,
                        scoreField: scoreField >= 0 ? scoreField : nil, timeField: timeField >= 0 ? timeField : nil,
                        file: reader.input.name, line: number)
                    warnings += w
                    resolved = c
                    current = (c.pin, c.board, max(c.pin, c.board, scoreField, timeField) + 1)
                    return true
                }
                if field < needed {
                    if try header() { return }
                    let shape = timeField >= 0
                        ? (stride == 3 ? "pin_id, board_id, score and time" : "pin_id, board_id and time")
                        : (stride == 3 ? "pin_id, board_id and score" : "pin_id<TAB>board_id")
                    try invalidLine(reader.input, number, line, "expected at least \(needed) columns (\(shape)), found \(field)")
                    return
                }
                let pin = parseID(base, pf)
                let board = parseID(base, bf)
                guard case .value(let p) = pin, case .value(let b) = board else {
                    if try header() { return }
                    try invalidLine(
                        reader.input, number, line,
                        idProblem(pin, "pin id", base, pf) ?? idProblem(board, "board id", base, bf) ?? "bad line")
                    return
                }
                var score = 0.0
                if stride == 3 {
                    guard !sf.malformed, let v = parseScore(base, sf.start, sf.end) else {
                        if try header() { return }
                        try invalidLine(reader.input, number, line, "score \"\(fieldText(base, sf.start, sf.end))\" is not a finite number")
                        return
                    }
                    score = v
                }
                if timeField >= 0 {
                    let time = parseID(base, tf)
                    guard case .value(let t) = time else {
                        if try header() { return }
                        try invalidLine(reader.input, number, line, idProblem(time, "time", base, tf) ?? "bad time")
                        return
                    }
                    newestTime = max(newestTime ?? 0, t)
                }
                headerRule.data()
                block[n] = p
                block[n + 1] = b
                if stride == 3 { block[n + 2] = score.bitPattern }
                n += stride
                if n + stride > EdgeParser.blockValues {
                    channel.send(EdgeBlock(pairs: block, count: n, lines: lines, bytes: reader.bytesRead, last: false))
                    block = .allocate(capacity: EdgeParser.blockValues)
                    n = 0
                }
            }
        } catch {
            self.error = error
        }
        channel.send(EdgeBlock(pairs: block, count: error == nil ? n : 0, lines: lines, bytes: reader.bytesRead, last: true))
    }
}
