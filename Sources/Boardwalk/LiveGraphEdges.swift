// LiveGraph's live edges: adding and removing edges and hiding nodes without
// rebuilding the graph (bw_live_add_edges, bw_live_remove_edges, bw_live_hide).
import CBoardwalk
import Foundation

/// What ``LiveGraph/addEdges(_:times:)`` did with a batch.
public struct LiveAddCounts: Sendable, Equatable {
    /// Edges that are now walked (new, or restored after a removal).
    public let added: UInt64
    /// Edges already live or in the base: counted once.
    public let duplicates: UInt64
    /// Edges of a hidden pin or board: not added.
    public let refused: UInt64
}

/// What ``LiveGraph/removeEdges(_:)`` did with a batch.
public struct LiveRemoveCounts: Sendable, Equatable {
    /// Edges that stopped being walked.
    public let removed: UInt64
    /// Edges that were not in the graph (never added, already removed, unknown ids).
    public let missing: UInt64
}

/// The live delta's counters (`bw_live_stat`).
public struct LiveStatistics: Sendable, Equatable {
    /// Live edges held (removed ones until they expire).
    public let edges: UInt64
    /// Removed edges, base and live.
    public let removed: UInt64
    /// Pins that the base does not have.
    public let newPins: UInt64
    /// Boards that the base does not have.
    public let newBoards: UInt64
    /// Hidden pins and boards.
    public let hidden: UInt64
    /// Live edges dropped by expiry, in total.
    public let expired: UInt64
    /// The cap on live edges.
    public let maxEdges: UInt64
    /// Heap bytes of the delta, approximately.
    public let bytes: UInt64
    /// Segments in use.
    public let segments: UInt64
}

extension LiveGraph {
    /// Adds live edges: they are walked by the next query, without a
    /// rebuild. Pins and boards the base does not have become new nodes at
    /// once (without attributes). An edge already live or in the base counts
    /// once; adding a removed edge restores it; an edge of a hidden pin or
    /// board is refused. When the live edges reach the cap
    /// (``setMaxEdges(_:)``) the oldest segment expires. See "Live edges" in
    /// boardwalk.h for the walk's semantics, visibility and the daily swap.
    ///
    /// - Parameters:
    ///   - edges: (pin, board) pairs.
    ///   - times: One time per edge in the host's unit (as the build's
    ///     watermark), or nil: newer than any watermark.
    /// - Returns: How many were added, duplicates and refused.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` (times of another
    ///   length), ``BoardwalkError/limitExceeded(_:)`` (more edges than the cap:
    ///   nothing added), ``BoardwalkError/outOfMemory``.
    ///
    /// The corresponding C function is `bw_live_add_edges`.
    @discardableResult
    public func addEdges(_ edges: [(pin: PinID, board: BoardID)], times: [UInt64]? = nil) throws -> LiveAddCounts {
        try addEdges(pins: edges.map(\.pin), boards: edges.map(\.board), times: times)
    }

    /// ``addEdges(_:times:)`` from parallel arrays (edge i is `pins[i]`,
    /// `boards[i]`, `times[i]`), passed to the C library without a copy: the
    /// form for large batches, as ``LiveEdgeList`` holds them.
    ///
    /// - Parameters:
    ///   - pins: The edges' pins.
    ///   - boards: The edges' boards, as many as `pins`.
    ///   - times: One time per edge, or nil: newer than any watermark.
    /// - Returns: How many were added, duplicates and refused.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` (arrays of different
    ///   lengths), ``BoardwalkError/limitExceeded(_:)`` (more edges than the
    ///   cap: nothing added), ``BoardwalkError/outOfMemory`` (the edges before
    ///   the failure stay added).
    ///
    /// The corresponding C function is `bw_live_add_edges`.
    @discardableResult
    public func addEdges(pins: [PinID], boards: [BoardID], times: [UInt64]? = nil) throws -> LiveAddCounts {
        if boards.count != pins.count {
            throw BoardwalkError.invalidArgument("boards must have one value per pin (\(pins.count)), not \(boards.count)")
        }
        if let t = times, t.count != pins.count {
            throw BoardwalkError.invalidArgument("times must have one value per edge (\(pins.count)), not \(t.count)")
        }
        var added: UInt64 = 0, dup: UInt64 = 0, refused: UInt64 = 0
        let rc = withRawIDs(pins, boards) { p, b in
            if let times {
                return times.withUnsafeBufferPointer { bw_live_add_edges(handle, p, b, $0.baseAddress, pins.count, &added, &dup, &refused) }
            }
            return bw_live_add_edges(handle, p, b, nil, pins.count, &added, &dup, &refused)
        }
        if rc != 0 { throw BoardwalkError.fromCode(rc) }
        return LiveAddCounts(added: added, duplicates: dup, refused: refused)
    }

    /// Removes edges, base or live: they stop being walked at once.
    /// Removing every edge of a pin takes it out of the graph.
    ///
    /// - Parameter edges: (pin, board) pairs.
    /// - Returns: How many were removed and how many were not in the graph.
    /// - Throws: ``BoardwalkError/outOfMemory``.
    ///
    /// The corresponding C function is `bw_live_remove_edges`.
    @discardableResult
    public func removeEdges(_ edges: [(pin: PinID, board: BoardID)]) throws -> LiveRemoveCounts {
        try removeEdges(pins: edges.map(\.pin), boards: edges.map(\.board))
    }

    /// ``removeEdges(_:)`` from parallel arrays (edge i is `pins[i]`,
    /// `boards[i]`), passed to the C library without a copy.
    ///
    /// - Parameters:
    ///   - pins: The edges' pins.
    ///   - boards: The edges' boards, as many as `pins`.
    /// - Returns: How many were removed and how many were not in the graph.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` (arrays of different
    ///   lengths), ``BoardwalkError/outOfMemory`` (the edges before stay removed).
    ///
    /// The corresponding C function is `bw_live_remove_edges`.
    @discardableResult
    public func removeEdges(pins: [PinID], boards: [BoardID]) throws -> LiveRemoveCounts {
        if boards.count != pins.count {
            throw BoardwalkError.invalidArgument("boards must have one value per pin (\(pins.count)), not \(boards.count)")
        }
        var removed: UInt64 = 0, missing: UInt64 = 0
        let rc = withRawIDs(pins, boards) { p, b in bw_live_remove_edges(handle, p, b, pins.count, &removed, &missing) }
        if rc != 0 { throw BoardwalkError.fromCode(rc) }
        return LiveRemoveCounts(removed: removed, missing: missing)
    }

    /// Hides a pin (a moderation takedown): its edges are removed, it is
    /// never a result nor walked through, and later edges to it are refused.
    /// A pin not seen yet is hidden in advance.
    ///
    /// - Parameter pin: The pin.
    /// - Throws: ``BoardwalkError/outOfMemory``, ``BoardwalkError/limitExceeded(_:)``.
    ///
    /// The corresponding C function is `bw_live_hide`.
    public func hide(pin: PinID) throws {
        let rc = bw_live_hide(handle, Int32(BW_PIN), pin.rawValue)
        if rc != 0 { throw BoardwalkError.fromCode(rc) }
    }

    /// Hides a board, as ``hide(pin:)`` hides a pin.
    ///
    /// - Parameter board: The board.
    /// - Throws: ``BoardwalkError/outOfMemory``, ``BoardwalkError/limitExceeded(_:)``.
    ///
    /// The corresponding C function is `bw_live_hide`.
    public func hide(board: BoardID) throws {
        let rc = bw_live_hide(handle, Int32(BW_BOARD), board.rawValue)
        if rc != 0 { throw BoardwalkError.fromCode(rc) }
    }

    /// The caps ``setMaxEdges(_:)`` takes, C's `BW_LIVE_MIN_MAX_EDGES` ...
    /// `BW_LIVE_MAX_MAX_EDGES`: for tools that check an option before a live
    /// graph exists.
    public static let maxEdgesRange: ClosedRange<UInt64> = BW_LIVE_MIN_MAX_EDGES...BW_LIVE_MAX_MAX_EDGES

    /// The cap of a new live graph, C's `BW_LIVE_DEFAULT_MAX_EDGES`.
    public static let defaultMaxEdges: UInt64 = BW_LIVE_DEFAULT_MAX_EDGES

    /// Sets the cap on live edges (the range and default are C's:
    /// `BW_LIVE_MIN_MAX_EDGES` ... `BW_LIVE_MAX_MAX_EDGES`, default
    /// `BW_LIVE_DEFAULT_MAX_EDGES`).
    ///
    /// - Parameter maxEdges: The cap.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` (out of range),
    ///   ``BoardwalkError/limitExceeded(_:)`` (below the live edges held).
    ///
    /// The corresponding C function is `bw_live_set_max_edges`.
    public func setMaxEdges(_ maxEdges: UInt64) throws {
        let rc = bw_live_set_max_edges(handle, maxEdges)
        if rc != 0 { throw BoardwalkError.fromCode(rc) }
    }

    /// The live delta's counters.
    ///
    /// The corresponding C function is `bw_live_stat`.
    public var liveStatistics: LiveStatistics {
        func stat(_ what: Int32) -> UInt64 {
            var v: UInt64 = 0
            _ = bw_live_stat(handle, what, &v)  // fails only on NULL or an unknown `what`
            return v
        }
        return LiveStatistics(
            edges: stat(BW_LIVE_STAT_EDGES), removed: stat(BW_LIVE_STAT_REMOVED),
            newPins: stat(BW_LIVE_STAT_NEW_PINS), newBoards: stat(BW_LIVE_STAT_NEW_BOARDS),
            hidden: stat(BW_LIVE_STAT_HIDDEN), expired: stat(BW_LIVE_STAT_EXPIRED),
            maxEdges: stat(BW_LIVE_STAT_MAX_EDGES), bytes: stat(BW_LIVE_STAT_BYTES),
            segments: stat(BW_LIVE_STAT_SEGMENTS))
    }
}


/// The raw 64-bit ids of `pins` and `boards` without copying them: PinID and
/// BoardID are single-UInt64 structs, laid out as UInt64 in an array.
private func withRawIDs<R>(_ pins: [PinID], _ boards: [BoardID],
                           _ body: (UnsafePointer<UInt64>?, UnsafePointer<UInt64>?) -> R) -> R {
    pins.withUnsafeBufferPointer { p in
        boards.withUnsafeBufferPointer { b in
            let rp = p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self) }
            let rb = b.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: UInt64.self) }
            return body(rp, rb)
        }
    }
}

/// An edge list read for ``LiveGraph/addEdges(pins:boards:times:)`` and
/// ``LiveGraph/removeEdges(pins:boards:)``, in parallel arrays (edge i is
/// `pins[i]`, `boards[i]`, `times?[i]`), from one of:
///
/// - text in the syntax of `boardwalk build`'s input, `pin<TAB>board[<TAB>time]`
///   (or commas), a header line, blank lines and `#` comments skipped: a
///   file, `-` for standard input, gzip, or a directory of part files
///   (``init(path:)``), or bytes in memory such as a request body
///   (``init(text:name:)``);
/// - JSON (``init(json:)``): an array of `{"pin": ID, "board": ID, "time": T}`
///   objects, or one object of parallel arrays `{"pins": [ID, …], "boards":
///   [ID, …], "times": [T, …]}`.
///
/// A time is an unsigned 64-bit integer in the host's unit; an edge without
/// one gets `UInt64.max`, newer than any watermark. The first bad line or
/// element is an error naming it; nothing is kept from an input that has one.
public struct LiveEdgeList: Sendable {
    /// The edges' pins, in input order.
    public var pins: [PinID] = []
    /// The edges' boards, one per pin.
    public var boards: [BoardID] = []
    /// Their times (`UInt64.max` for an edge without one); nil when no edge has a time.
    public var times: [UInt64]?

    /// The number of edges.
    public var count: Int { pins.count }

    /// The edges as (pin, board) pairs.
    public var edges: [(pin: PinID, board: BoardID)] { zip(pins, boards).map { (pin: $0, board: $1) } }

    /// Reads an edge list from a file.
    ///
    /// - Parameter path: The file, `-` for standard input, or a directory of part files.
    /// - Throws: ``BoardwalkError/io(path:reason:)``,
    ///   ``BoardwalkError/malformedInput(file:line:reason:)`` naming the
    ///   first line that is not an edge.
    public init(path: String) throws {
        var times: [UInt64] = []
        var anyTime = false
        for input in try InputFile.expand(path) {
            try read(try LineReader(input), &times, &anyTime)
        }
        self.times = anyTime ? times : nil
    }

    /// Reads an edge list from bytes in memory (an HTTP request body), with
    /// the rules of a file (not gzip).
    ///
    /// - Parameters:
    ///   - text: The text, UTF-8.
    ///   - name: What messages call it, as they would name a file (`body:3: …`).
    /// - Throws: ``BoardwalkError/malformedInput(file:line:reason:)`` naming
    ///   the first line that is not an edge.
    public init(text: [UInt8], name: String) throws {
        var times: [UInt64] = []
        var anyTime = false
        try read(LineReader(bytes: text, name: name), &times, &anyTime)
        self.times = anyTime ? times : nil
    }

    private mutating func read(_ reader: LineReader, _ times: inout [UInt64], _ anyTime: inout Bool) throws {
        var header = HeaderRule()
        var fields: [FieldRange] = []
        let name = reader.input.name
        try reader.forEachLine { line, number in
            if isSkippable(line) { return }
            let base = line.baseAddress!
            splitFields(line, 0x09, 0x2C, into: &fields)
            func problem() -> String? {
                guard fields.count >= 2 else { return "expected pin<TAB>board[<TAB>time], found \(fields.count) field" }
                if fields.count > 3 { return "expected pin<TAB>board[<TAB>time], found \(fields.count) fields" }
                for (i, what) in ["pin id", "board id", "time"].enumerated() where i < fields.count {
                    let v = parseID(base, fields[i])
                    if case .value = v { continue }
                    return idProblem(v, what, base, fields[i])
                }
                return nil
            }
            if let p = problem() {
                if !fields[0].malformed && header.isHeader(line) { return }
                throw BoardwalkError.malformedInput(file: name, line: number, reason: lineProblem(line, p))
            }
            header.data()
            guard case .value(let pin) = parseID(base, fields[0]), case .value(let board) = parseID(base, fields[1])
            else { return }
            pins.append(PinID(pin))
            boards.append(BoardID(board))
            if fields.count == 3, case .value(let t) = parseID(base, fields[2]) {
                times.append(t)
                anyTime = true
            } else {
                times.append(UInt64.max)
            }
        }
    }

    /// Reads edges from JSON: an array of `{"pin": ID, "board": ID, "time": T}`
    /// objects (`time` optional), or `{"pins": [ID, …], "boards": [ID, …],
    /// "times": [T, …]}` (`times` optional). Ids and times are JSON numbers
    /// or strings of digits.
    ///
    /// - Parameter json: The JSON text, UTF-8.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` naming what is wrong
    ///   and where (`invalid JSON: …`, `edges[3].board: must be an unsigned
    ///   64-bit id …, not -1`, `unknown field "pn" …`, `boards has 2 ids
    ///   for 3 pins`).
    public init(json: Data) throws {
        let body = try decodeJSON(EdgesJSON.self, from: json, what: "edges")
        pins = body.pins
        boards = body.boards
        times = body.times
    }
}

/// The JSON forms of an edge list, decoded with messages that say where a
/// value is wrong.
private struct EdgesJSON: Decodable {
    var pins: [PinID] = []
    var boards: [BoardID] = []
    var times: [UInt64]?

    static let shapes = "edges are [{\"pin\": ID, \"board\": ID, \"time\": T}, …] or {\"pins\": [ID, …], \"boards\": [ID, …], \"times\": [T, …]}"

    init(from decoder: Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            var times: [UInt64] = []
            var anyTime = false
            if let n = list.count {
                pins.reserveCapacity(n)
                boards.reserveCapacity(n)
                times.reserveCapacity(n)
            }
            while !list.isAtEnd {
                let e = try list.decode(EdgeObject.self)
                pins.append(PinID(e.pin))
                boards.append(BoardID(e.board))
                times.append(e.time ?? UInt64.max)
                if e.time != nil { anyTime = true }
            }
            self.times = anyTime ? times : nil
            return
        }
        guard let c = try? decoder.container(keyedBy: EdgeKey.self) else {
            let found = (try? JSONValue(from: decoder)).map { ", not \($0.kind)" } ?? ""
            throw BoardwalkError.invalidArgument("invalid edges: " + Self.shapes + found)
        }
        for key in c.allKeys where !["pins", "boards", "times"].contains(key.stringValue) {
            throw BoardwalkError.invalidArgument("unknown field \"\(key.stringValue)\": " + Self.shapes)
        }
        func ids(_ name: String, required: Bool) throws -> [UInt64]? {
            let k = EdgeKey(name)
            guard c.contains(k), try !c.decodeNil(forKey: k) else {
                if required { throw BoardwalkError.invalidArgument("\(name): missing; " + Self.shapes) }
                return nil
            }
            if let plain = try? c.decode([UInt64].self, forKey: k) { return plain }
            let v = try c.decode(JSONValue.self, forKey: k)
            guard case .array(let items) = v else {
                throw BoardwalkError.invalidArgument("\(name): must be an array of unsigned 64-bit integers, not \(v)")
            }
            return try items.enumerated().map { i, item in
                guard let id = item.id else {
                    throw BoardwalkError.invalidArgument(
                        "\(name)[\(i)]: must be an unsigned 64-bit integer (a number or a string of digits), not \(item)")
                }
                return id
            }
        }
        let p = try ids("pins", required: true)!, b = try ids("boards", required: true)!
        let t = try ids("times", required: false)
        if b.count != p.count { throw BoardwalkError.invalidArgument("boards has \(b.count) ids for \(p.count) pins") }
        if let t, t.count != p.count { throw BoardwalkError.invalidArgument("times has \(t.count) values for \(p.count) edges") }
        pins = p.map { PinID($0) }
        boards = b.map { BoardID($0) }
        times = t
    }
}

/// One `{"pin": ID, "board": ID, "time": T}` of an array of edges.
private struct EdgeObject: Decodable {
    var pin: UInt64
    var board: UInt64
    var time: UInt64?

    init(from decoder: Decoder) throws {
        let at = "edges[\(decoder.codingPath.last?.intValue ?? 0)]"
        guard let c = try? decoder.container(keyedBy: EdgeKey.self) else {
            let found = (try? JSONValue(from: decoder)).map { ", not \($0)" } ?? ""
            throw BoardwalkError.invalidArgument("\(at): must be an object {\"pin\": ID, \"board\": ID[, \"time\": T]}" + found)
        }
        for key in c.allKeys where !["pin", "board", "time"].contains(key.stringValue) {
            throw BoardwalkError.invalidArgument("\(at): unknown field \"\(key.stringValue)\" (an edge has \"pin\", \"board\" and \"time\")")
        }
        func value(_ name: String, required: Bool) throws -> UInt64? {
            let k = EdgeKey(name)
            guard c.contains(k), try !c.decodeNil(forKey: k) else {
                if required { throw BoardwalkError.invalidArgument("\(at).\(name): missing") }
                return nil
            }
            if let u = try? c.decode(UInt64.self, forKey: k) { return u }
            let v = try c.decode(JSONValue.self, forKey: k)
            guard let u = v.id else {
                throw BoardwalkError.invalidArgument(
                    "\(at).\(name): must be an unsigned 64-bit integer (a number or a string of digits), not \(v)")
            }
            return u
        }
        pin = try value("pin", required: true)!
        board = try value("board", required: true)!
        time = try value("time", required: false)
    }
}

private struct EdgeKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
