// Graph: an open graph file, the Swift face of `bw_graph`. Reading, lookups
// and the Pixie random walk all go through the C library, so Swift and every
// other binding give identical answers.
import CBoardwalk
import Dispatch

/// Counts and facts about an open graph.
public struct GraphStats: Sendable, Equatable {
    /// The file's format version.
    public var formatVersion: UInt32
    /// Distinct pins, boards and edges.
    public var pins: UInt64
    public var boards: UInt64
    public var edges: UInt64
    /// Size of the graph file in bytes.
    public var fileBytes: UInt64
    /// The largest number of boards of one pin, and pins of one board.
    public var maxPinDegree: UInt64
    public var maxBoardDegree: UInt64
    /// Bytes per stored chunk, and the number of chunk records.
    public var chunkBytes: UInt64
    public var chunks: UInt64
    /// When the graph was built (seconds since 1970).
    public var createdUnix: UInt64
    /// Order-independent fingerprint of the edge set: equal graphs, equal fingerprints.
    public var fingerprint: UInt64
    /// Input edges the builder collapsed as duplicates, and lines it skipped.
    public var duplicateEdges: UInt64
    public var invalidLines: UInt64
    /// Whether the graph stores pin titles, board titles, pin attributes.
    public var hasPinTitles: Bool
    public var hasBoardTitles: Bool
    public var hasAttributes: Bool
    /// Bytes copied at open because LMDB stored them misaligned.
    public var copiedBytes: UInt64
}

/// How to open a graph.
public struct OpenOptions: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Check every checksum and the whole structure before returning: for
    /// files from an untrusted source. O(size of the graph).
    public static let verify = OpenOptions(rawValue: BW_OPEN_VERIFY)
    /// No read-ahead: for graphs larger than memory.
    public static let noReadAhead = OpenOptions(rawValue: BW_OPEN_NORDAHEAD)
    /// Ask the OS to load the whole file now.
    public static let prefault = OpenOptions(rawValue: BW_OPEN_PREFAULT)
}

/// An open, immutable graph file.
///
/// Opening costs O(number of chunks): nothing is scanned or copied. The
/// file stays mapped until the last reference goes away.
///
/// `Graph` is `Sendable` (`@unchecked`) because every C function it calls
/// takes `const bw_graph *` and is documented thread-safe: the map is
/// read-only and the only mutable state, a pool of walk contexts, is behind
/// a mutex. The handle is closed in `deinit`, when no thread can hold it.
public final class Graph: @unchecked Sendable {
    let handle: OpaquePointer
    /// The path the graph was opened from.
    public let path: String

    /// Opens the graph file at `path`.
    ///
    /// - Throws: ``BoardwalkError/notAGraph(_:)``, ``BoardwalkError/formatVersion(_:)``,
    ///   ``BoardwalkError/corrupt(_:)``, or ``BoardwalkError/io(path:reason:)``
    ///   for system errors such as a missing file.
    /// The corresponding C function is `bw_graph_open_ex`.
    public init(path: String, options: OpenOptions = []) throws {
        var h: OpaquePointer?
        try BoardwalkError.opening(path) { bw_graph_open_ex(path, options.rawValue, &h, $0, $1) }
        self.handle = h!
        self.path = path
    }

    /// Wraps a graph reference the caller already holds (from
    /// `bw_live_acquire` or `bw_graph_retain`); `deinit` drops it.
    init(adopting handle: OpaquePointer) {
        self.handle = handle
        self.path = String(cString: bw_graph_path(handle))
    }

    deinit { bw_graph_close(handle) }

    /// Checks every checksum and the structure of the file.
    /// - Throws: ``BoardwalkError/corrupt(_:)`` naming the first problem.
    /// The corresponding C function is `bw_graph_verify`.
    public func verify() throws {
        var message = [CChar](repeating: 0, count: 512)
        let rc = bw_graph_verify(handle, &message, message.count)
        if rc != 0 {
            let detail = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw BoardwalkError.fromCode(rc, detail.isEmpty ? nil : "\(path): \(detail)")
        }
    }

    private func stat(_ what: Int32) -> UInt64 {
        var v: UInt64 = 0
        _ = bw_graph_stat(handle, what, &v)
        return v
    }

    /// Counts and facts about the graph. The corresponding C function is `bw_graph_stat`.
    public var stats: GraphStats {
        GraphStats(
            formatVersion: UInt32(stat(BW_STAT_FORMAT_VERSION)), pins: stat(BW_STAT_PINS),
            boards: stat(BW_STAT_BOARDS), edges: stat(BW_STAT_EDGES), fileBytes: stat(BW_STAT_FILE_BYTES),
            maxPinDegree: stat(BW_STAT_MAX_PIN_DEGREE), maxBoardDegree: stat(BW_STAT_MAX_BOARD_DEGREE),
            chunkBytes: stat(BW_STAT_CHUNK_BYTES), chunks: stat(BW_STAT_CHUNKS),
            createdUnix: stat(BW_STAT_CREATED_UNIX), fingerprint: stat(BW_STAT_FINGERPRINT),
            duplicateEdges: stat(BW_STAT_DUPLICATE_EDGES), invalidLines: stat(BW_STAT_INVALID_LINES),
            hasPinTitles: stat(BW_STAT_HAS_PIN_TITLES) != 0, hasBoardTitles: stat(BW_STAT_HAS_BOARD_TITLES) != 0,
            hasAttributes: stat(BW_STAT_HAS_ATTRIBUTES) != 0, copiedBytes: stat(BW_STAT_COPIED_BYTES))
    }

    /// The builder's record of how the graph was made, as JSON text.
    public var buildInfo: String {
        var p: UnsafePointer<CChar>?
        var n = 0
        guard bw_graph_build_info(handle, &p, &n) == 0, let p else { return "{}" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// Degree at each quantile (0 = minimum, 0.5 = median, 1 = maximum).
    public func degreeQuantiles(_ kind: NodeKind, _ quantiles: [Double]) throws -> [UInt32] {
        var out = [UInt32](repeating: 0, count: quantiles.count)
        try check(bw_graph_degree_quantiles(handle, kind.rawValue, quantiles, quantiles.count, &out))
        return out
    }

    // MARK: Nodes

    /// Whether the graph has this pin.
    public func contains(_ pin: PinID) -> Bool { index(.pin, pin.rawValue) != nil }
    /// Whether the graph has this board.
    public func contains(_ board: BoardID) -> Bool { index(.board, board.rawValue) != nil }

    func index(_ kind: NodeKind, _ id: UInt64) -> UInt32? {
        var i: UInt32 = 0
        return bw_graph_node_index(handle, kind.rawValue, id, &i) == 0 ? i : nil
    }

    /// The pin at a dense index (0 ..< pins, ascending id order), for
    /// iterating over all pins.
    public func pin(at index: UInt32) throws -> PinID {
        var id: UInt64 = 0
        try check(bw_graph_node_id(handle, NodeKind.pin.rawValue, index, &id))
        return PinID(id)
    }

    /// The board at a dense index (0 ..< boards, ascending id order).
    public func board(at index: UInt32) throws -> BoardID {
        var id: UInt64 = 0
        try check(bw_graph_node_id(handle, NodeKind.board.rawValue, index, &id))
        return BoardID(id)
    }

    /// Throws the error for a nonzero code of a call that reads the graph's
    /// arrays; `BW_ECORRUPT` there means the file is damaged (it opened
    /// without verification), so the message names the file and the way to
    /// find the damage.
    func checkRead(_ code: Int32, _ what: String) throws {
        guard code == BW_ECORRUPT else { return try check(code) }
        throw BoardwalkError.corrupt(
            "\(path): the graph file is damaged: \(what) read an offset or index out of range "
                + "(`boardwalk verify` locates the damage)")
    }

    private func neighbours(_ kind: NodeKind, _ id: UInt64) throws -> [UInt64] {
        var count = 0
        var rc = bw_graph_node_neighbors(handle, kind.rawValue, id, nil, 0, &count)
        if rc == BW_ENOTFOUND {
            throw kind == .pin ? BoardwalkError.unknownPin(PinID(id)) : BoardwalkError.unknownBoard(BoardID(id))
        }
        try checkRead(rc, "a neighbour lookup")
        var out = [UInt64](repeating: 0, count: count)
        rc = bw_graph_node_neighbors(handle, kind.rawValue, id, &out, out.count, &count)
        try checkRead(rc, "a neighbour lookup")
        return out
    }

    /// The boards a pin is saved to, in stored order.
    /// - Throws: ``BoardwalkError/unknownPin(_:)``.
    public func boards(of pin: PinID) throws -> [BoardID] { try neighbours(.pin, pin.rawValue).map { BoardID($0) } }

    /// The pins saved to a board, in stored order.
    /// - Throws: ``BoardwalkError/unknownBoard(_:)``.
    public func pins(of board: BoardID) throws -> [PinID] { try neighbours(.board, board.rawValue).map { PinID($0) } }

    func title(_ kind: NodeKind, _ id: UInt64) -> String? {
        var p: UnsafePointer<CChar>?
        var n = 0
        guard bw_graph_node_title(handle, kind.rawValue, id, &p, &n) == 0, let p, n > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// A pin's title, or nil when it has none (or is not in the graph).
    public func title(of pin: PinID) -> String? { title(.pin, pin.rawValue) }
    /// A board's title, or nil when it has none (or is not in the graph).
    public func title(of board: BoardID) -> String? { title(.board, board.rawValue) }

    /// A pin's language and topic names, nil where unknown.
    public func attributes(of pin: PinID) throws -> (language: String?, topic: String?) {
        var l: UInt32 = 0, t: UInt32 = 0
        let rc = bw_graph_node_attributes(handle, NodeKind.pin.rawValue, pin.rawValue, &l, &t)
        if rc == BW_ENOTFOUND { throw BoardwalkError.unknownPin(pin) }
        try check(rc)
        return (attributeName(BW_ATTR_LANGUAGE, l), attributeName(BW_ATTR_TOPIC, t))
    }

    private func attributeName(_ attribute: Int32, _ code: UInt32) -> String? {
        guard code != BW_ATTR_ANY else { return nil }
        var p: UnsafePointer<CChar>?
        var n = 0
        guard bw_graph_attribute_name(handle, attribute, code, &p, &n) == 0, let p else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The code of an attribute value as spelled in the attributes file.
    func attributeCode(_ attribute: Int32, _ name: String) throws -> UInt32 {
        var code: UInt32 = 0
        let rc = bw_graph_attribute_code(handle, attribute, name, &code)
        if rc == BW_ENOTFOUND {
            let what = attribute == BW_ATTR_LANGUAGE ? "language" : "topic"
            throw BoardwalkError.notFound("unknown \(what) \"\(name)\"")
        }
        if rc == BW_ENODATA { throw BoardwalkError.noData("the graph has no pin attributes") }
        try check(rc)
        return code
    }
}
