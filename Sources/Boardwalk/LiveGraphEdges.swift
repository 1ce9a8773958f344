// LiveGraph's live edges: adding and removing edges and hiding nodes without
// rebuilding the graph (bw_live_add_edges, bw_live_remove_edges, bw_live_hide).
import CBoardwalk

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
        if let t = times, t.count != edges.count {
            throw BoardwalkError.invalidArgument("times must have one value per edge (\(edges.count)), not \(t.count)")
        }
        let pins = edges.map { $0.pin.rawValue }, boards = edges.map { $0.board.rawValue }
        var added: UInt64 = 0, dup: UInt64 = 0, refused: UInt64 = 0
        let rc: Int32
        if let t = times {
            rc = bw_live_add_edges(handle, pins, boards, t, edges.count, &added, &dup, &refused)
        } else {
            rc = bw_live_add_edges(handle, pins, boards, nil, edges.count, &added, &dup, &refused)
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
        let pins = edges.map { $0.pin.rawValue }, boards = edges.map { $0.board.rawValue }
        var removed: UInt64 = 0, missing: UInt64 = 0
        let rc = bw_live_remove_edges(handle, pins, boards, edges.count, &removed, &missing)
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

/// An edge list read for ``LiveGraph/addEdges(_:times:)`` and
/// ``LiveGraph/removeEdges(_:)``: the syntax of `boardwalk build`'s input,
/// `pin<TAB>board[<TAB>time]` (or commas), a header line, blank lines and
/// `#` comments skipped; a file, `-` for standard input, gzip, or a
/// directory of part files.
public struct LiveEdgeList: Sendable {
    /// The edges, in file order.
    public var edges: [(pin: PinID, board: BoardID)] = []
    /// Their times (a line without a time: `UInt64.max`, newer than any
    /// watermark); nil when no line has a time.
    public var times: [UInt64]?

    /// Reads an edge list.
    ///
    /// - Parameter path: The file.
    /// - Throws: ``BoardwalkError/io(path:reason:)``,
    ///   ``BoardwalkError/malformedInput(file:line:reason:)`` naming the
    ///   first line that is not an edge.
    public init(path: String) throws {
        let inputs = try InputFile.expand(path)
        var times: [UInt64] = []
        var anyTime = false
        for input in inputs {
            let reader = try LineReader(input)
            var header = HeaderRule()
            var fields: [FieldRange] = []
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
                    throw BoardwalkError.malformedInput(file: input.name, line: number, reason: lineProblem(line, p))
                }
                header.data()
                guard case .value(let pin) = parseID(base, fields[0]), case .value(let board) = parseID(base, fields[1])
                else { return }
                edges.append((pin: PinID(pin), board: BoardID(board)))
                if fields.count == 3, case .value(let t) = parseID(base, fields[2]) {
                    times.append(t)
                    anyTime = true
                } else {
                    times.append(UInt64.max)
                }
            }
        }
        self.times = anyTime ? times : nil
    }
}
