// Graph: an open graph file, the Swift face of `bw_graph`. Reading, lookups
// and the Pixie random walk all go through the C library, so Swift and every
// other binding give identical answers.
import CBoardwalk
import Dispatch

/// Counts and facts about an open graph, from ``Graph/stats``.
///
/// Each property is one statistic of `bw_graph_stat`.
public struct GraphStats: Sendable, Equatable {
    /// The file's format version (`BW_STAT_FORMAT_VERSION`).
    public var formatVersion: UInt32
    /// Distinct pins (`BW_STAT_PINS`).
    public var pins: UInt64
    /// Distinct boards (`BW_STAT_BOARDS`).
    public var boards: UInt64
    /// Distinct edges (`BW_STAT_EDGES`).
    public var edges: UInt64
    /// Size of the graph file in bytes (`BW_STAT_FILE_BYTES`).
    public var fileBytes: UInt64
    /// The largest number of boards of one pin (`BW_STAT_MAX_PIN_DEGREE`).
    public var maxPinDegree: UInt64
    /// The largest number of pins of one board (`BW_STAT_MAX_BOARD_DEGREE`).
    public var maxBoardDegree: UInt64
    /// Bytes per stored chunk (`BW_STAT_CHUNK_BYTES`).
    public var chunkBytes: UInt64
    /// The number of chunk records in the file (`BW_STAT_CHUNKS`).
    public var chunks: UInt64
    /// When the graph was built, in seconds since 1970 (`BW_STAT_CREATED_UNIX`).
    public var createdUnix: UInt64
    /// Order-independent fingerprint of the edge set: equal graphs, equal
    /// fingerprints (`BW_STAT_FINGERPRINT`).
    public var fingerprint: UInt64
    /// Input edges the builder collapsed as duplicates (`BW_STAT_DUPLICATE_EDGES`).
    public var duplicateEdges: UInt64
    /// Input lines the builder skipped as invalid (`BW_STAT_INVALID_LINES`).
    public var invalidLines: UInt64
    /// Whether the graph stores pin titles (`BW_STAT_HAS_PIN_TITLES`).
    public var hasPinTitles: Bool
    /// Whether the graph stores board titles (`BW_STAT_HAS_BOARD_TITLES`).
    public var hasBoardTitles: Bool
    /// Whether the graph stores pin attributes, languages and topics
    /// (`BW_STAT_HAS_ATTRIBUTES`).
    public var hasAttributes: Bool
    /// Bytes copied at open because LMDB stored them misaligned
    /// (`BW_STAT_COPIED_BYTES`).
    public var copiedBytes: UInt64
}

/// How to open a graph: the flags of `bw_graph_open`.
public struct OpenOptions: OptionSet, Sendable {
    /// The `BW_OPEN_*` flags.
    public let rawValue: UInt32
    /// Options from `BW_OPEN_*` flags.
    ///
    /// - Parameter rawValue: The flags, or-ed together.
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Check every checksum and the whole structure before returning: for
    /// files from an untrusted source. O(size of the graph). `BW_OPEN_VERIFY`.
    public static let verify = OpenOptions(rawValue: BW_OPEN_VERIFY)
    /// No read-ahead: for graphs larger than memory. `BW_OPEN_NORDAHEAD`.
    public static let noReadAhead = OpenOptions(rawValue: BW_OPEN_NORDAHEAD)
    /// Load the whole file and map it now: opening costs one read of the
    /// file (fast when it is cached), and the first queries no page faults.
    /// `BW_OPEN_PREFAULT`.
    public static let prefault = OpenOptions(rawValue: BW_OPEN_PREFAULT)
    /// Get the graph into 2 MiB pages at open, where the walk runs about
    /// twice as fast as on 4 KiB pages: refill the page cache with large
    /// folios (one sequential read of the file), or, when that cannot work,
    /// copy the arrays into this process's anonymous huge pages (as much
    /// memory as the file). ``Graph/hugePageMethod`` says which;
    /// ``Graph/hugePages()`` measures the result. Never fails the open. Not
    /// for graphs larger than memory. `BW_OPEN_HUGEPAGES`.
    public static let hugePages = OpenOptions(rawValue: BW_OPEN_HUGEPAGES)
}

/// What ``OpenOptions/hugePages`` did at open (`BW_STAT_HUGE_PAGE_METHOD`).
public enum HugePageMethod: UInt64, Sendable, CaseIterable {
    /// The graph was opened without the option (`BW_HUGE_NOT_ASKED`).
    case notAsked = 0
    /// The file was already mapped with huge pages (`BW_HUGE_ALREADY`).
    case already = 1
    /// The page cache was refilled with large folios (`BW_HUGE_REFILLED`).
    case refilled = 2
    /// The arrays were copied into anonymous huge pages (`BW_HUGE_COPIED`);
    /// ``GraphStats/copiedBytes`` counts the copy.
    case copied = 3
    /// Huge pages were not available: the graph uses 4 KiB pages
    /// (`BW_HUGE_UNAVAILABLE`).
    case unavailable = 4

    /// The name used in JSON output: `not_asked`, `already`, `refilled`,
    /// `copied` or `unavailable`.
    public var name: String {
        switch self {
        case .notAsked: return "not_asked"
        case .already: return "already"
        case .refilled: return "refilled"
        case .copied: return "copied"
        case .unavailable: return "unavailable"
        }
    }
}

/// How much of the memory the walk reads is mapped with 2 MiB pages
/// (`bw_graph_huge_pages`).
public struct HugePageUsage: Sendable, Equatable {
    /// ``hugeBytes`` / ``residentBytes``, from 0 to 1. Well below 1 on a
    /// warm graph, the walk runs at about half speed: reopen with
    /// ``OpenOptions/hugePages``.
    public var share: Double
    /// Bytes of the graph this process has mapped (they grow as queries
    /// touch the graph).
    public var residentBytes: UInt64
    /// Of those, the bytes mapped with huge pages.
    public var hugeBytes: UInt64
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
///
/// The corresponding C type is `bw_graph` (`bw_graph_open_ex`, `bw_graph_close`).
public final class Graph: @unchecked Sendable {
    let handle: OpaquePointer
    /// The path the graph was opened from.
    public let path: String

    /// Opens the graph file at `path`.
    ///
    /// - Parameters:
    ///   - path: The graph file.
    ///   - options: How to open it; ``OpenOptions/verify`` for files from
    ///     a source you do not control.
    /// - Throws: ``BoardwalkError/notAGraph(_:)``, ``BoardwalkError/formatVersion(_:)``,
    ///   ``BoardwalkError/corrupt(_:)``, or ``BoardwalkError/io(path:reason:)``
    ///   for system errors such as a missing file.
    ///
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

    /// Checks every checksum and the structure of the file. O(size of the graph).
    ///
    /// - Throws: ``BoardwalkError/corrupt(_:)`` naming the first problem.
    ///
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

    /// Counts and facts about the graph.
    ///
    /// The corresponding C function is `bw_graph_stat`.
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

    /// The newest edge time the graph contains, in the host's own unit (the
    /// builder's ``BuildOptions/watermark``, or the largest value of its
    /// ``BuildOptions/timeColumn``); nil when the graph was built without one.
    /// Boardwalk only compares times: an unsigned integer in whatever unit
    /// the host uses (Unix seconds or milliseconds).
    ///
    /// The corresponding C function is `bw_graph_stat` (`BW_STAT_WATERMARK`).
    public var watermark: UInt64? {
        var v: UInt64 = 0
        guard bw_graph_stat(handle, BW_STAT_WATERMARK, &v) == 0 else { return nil }  // BW_ENODATA: none
        return v
    }

    /// What ``OpenOptions/hugePages`` did when the graph was opened.
    ///
    /// The corresponding C function is `bw_graph_stat` (`BW_STAT_HUGE_PAGE_METHOD`).
    public var hugePageMethod: HugePageMethod {
        HugePageMethod(rawValue: stat(BW_STAT_HUGE_PAGE_METHOD)) ?? .unavailable
    }

    /// Measures how much of the graph's resident memory is mapped with huge
    /// pages, now. Reads `/proc/self/smaps` (about a millisecond): for
    /// monitoring, not per query.
    ///
    /// - Returns: The usage, or nil when nothing is resident yet or the
    ///   platform does not say (not Linux).
    ///
    /// The corresponding C function is `bw_graph_huge_pages`.
    public func hugePages() -> HugePageUsage? {
        var share = 0.0
        var resident: UInt64 = 0
        var huge: UInt64 = 0
        guard bw_graph_huge_pages(handle, &share, &resident, &huge) == 0 else { return nil }
        return HugePageUsage(share: share, residentBytes: resident, hugeBytes: huge)
    }

    /// The builder's record of how the graph was made (parameters, inputs,
    /// counts), as JSON text; `{}` when the graph has none.
    ///
    /// The corresponding C function is `bw_graph_build_info`.
    public var buildInfo: String {
        var p: UnsafePointer<CChar>?
        var n = 0
        guard bw_graph_build_info(handle, &p, &n) == 0, let p else { return "{}" }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// The degree of pins or boards at each quantile: for each q, the
    /// smallest degree d such that at least q of the nodes have degree <= d
    /// (0 = minimum, 0.5 = median, 1 = maximum). O(nodes).
    ///
    /// - Parameters:
    ///   - kind: Pins (their numbers of boards) or boards (their numbers of pins).
    ///   - quantiles: Quantiles in [0, 1].
    /// - Returns: One degree per quantile, in order.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` for a quantile outside
    ///   [0, 1] or NaN, ``BoardwalkError/emptyQuery`` when the graph has no
    ///   nodes of that kind (`BW_EEMPTY`).
    ///
    /// The corresponding C function is `bw_graph_degree_quantiles`.
    public func degreeQuantiles(of kind: NodeKind, at quantiles: [Double]) throws -> [UInt32] {
        var out = [UInt32](repeating: 0, count: quantiles.count)
        try check(bw_graph_degree_quantiles(handle, kind.rawValue, quantiles, quantiles.count, &out))
        return out
    }

    /// The degree at each quantile: ``degreeQuantiles(of:at:)``.
    ///
    /// - Parameters:
    ///   - kind: Pins or boards.
    ///   - quantiles: Quantiles in [0, 1].
    /// - Returns: One degree per quantile.
    /// - Throws: The errors of ``degreeQuantiles(of:at:)``.
    ///
    /// The corresponding C function is `bw_graph_degree_quantiles`.
    @available(*, deprecated, renamed: "degreeQuantiles(of:at:)")
    public func degreeQuantiles(_ kind: NodeKind, _ quantiles: [Double]) throws -> [UInt32] {
        try degreeQuantiles(of: kind, at: quantiles)
    }

    // MARK: Nodes

    /// Whether the graph has this pin. O(log pins).
    ///
    /// - Parameter pin: A pin id.
    /// - Returns: True when the pin is in the graph.
    ///
    /// The corresponding C function is `bw_graph_node_index`.
    public func contains(_ pin: PinID) -> Bool { index(.pin, pin.rawValue) != nil }

    /// Whether the graph has this board. O(log boards).
    ///
    /// - Parameter board: A board id.
    /// - Returns: True when the board is in the graph.
    ///
    /// The corresponding C function is `bw_graph_node_index`.
    public func contains(_ board: BoardID) -> Bool { index(.board, board.rawValue) != nil }

    func index(_ kind: NodeKind, _ id: UInt64) -> UInt32? {
        var i: UInt32 = 0
        return bw_graph_node_index(handle, kind.rawValue, id, &i) == 0 ? i : nil
    }

    /// The pin at a dense index (0 ..< pins, ascending id order), for
    /// iterating over all pins.
    ///
    /// - Parameter index: 0 ..< ``GraphStats/pins``.
    /// - Returns: The pin's id.
    /// - Throws: ``BoardwalkError/outOfRange(_:)`` past the last pin.
    ///
    /// The corresponding C function is `bw_graph_node_id`.
    public func pin(at index: UInt32) throws -> PinID {
        var id: UInt64 = 0
        try check(bw_graph_node_id(handle, NodeKind.pin.rawValue, index, &id))
        return PinID(id)
    }

    /// The board at a dense index (0 ..< boards, ascending id order).
    ///
    /// - Parameter index: 0 ..< ``GraphStats/boards``.
    /// - Returns: The board's id.
    /// - Throws: ``BoardwalkError/outOfRange(_:)`` past the last board.
    ///
    /// The corresponding C function is `bw_graph_node_id`.
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
    ///
    /// - Parameter pin: A pin of the graph.
    /// - Returns: Its boards.
    /// - Throws: ``BoardwalkError/unknownPin(_:)``, ``BoardwalkError/corrupt(_:)``
    ///   (a damaged file opened without verification).
    ///
    /// The corresponding C function is `bw_graph_node_neighbors`.
    public func boards(of pin: PinID) throws -> [BoardID] { try neighbours(.pin, pin.rawValue).map { BoardID($0) } }

    /// The pins saved to a board, in stored order.
    ///
    /// - Parameter board: A board of the graph.
    /// - Returns: Its pins.
    /// - Throws: ``BoardwalkError/unknownBoard(_:)``, ``BoardwalkError/corrupt(_:)``
    ///   (a damaged file opened without verification).
    ///
    /// The corresponding C function is `bw_graph_node_neighbors`.
    public func pins(of board: BoardID) throws -> [PinID] { try neighbours(.board, board.rawValue).map { PinID($0) } }

    func title(_ kind: NodeKind, _ id: UInt64) -> String? {
        var p: UnsafePointer<CChar>?
        var n = 0
        guard bw_graph_node_title(handle, kind.rawValue, id, &p, &n) == 0, let p, n > 0 else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    /// A pin's title.
    ///
    /// - Parameter pin: A pin id.
    /// - Returns: The title, or nil when the pin has none, the graph has no
    ///   pin titles, or the pin is not in the graph.
    ///
    /// The corresponding C function is `bw_graph_node_title`.
    public func title(of pin: PinID) -> String? { title(.pin, pin.rawValue) }

    /// A board's title.
    ///
    /// - Parameter board: A board id.
    /// - Returns: The title, or nil when the board has none, the graph has
    ///   no board titles, or the board is not in the graph.
    ///
    /// The corresponding C function is `bw_graph_node_title`.
    public func title(of board: BoardID) -> String? { title(.board, board.rawValue) }

    /// A pin's language and topic names, as spelled in the attributes file
    /// the graph was built from.
    ///
    /// - Parameter pin: A pin of the graph.
    /// - Returns: The language and topic, each nil where unknown (and both
    ///   nil when the graph has no attributes).
    /// - Throws: ``BoardwalkError/unknownPin(_:)``.
    ///
    /// The corresponding C function is `bw_graph_node_attributes`.
    public func attributes(of pin: PinID) throws -> (language: String?, topic: String?) {
        try attributes(.pin, pin.rawValue) { .unknownPin(pin) }
    }

    /// A board's language and topic names: the builder gives each board the
    /// majority language and topic of its pins (the biased walk's view of a
    /// board).
    ///
    /// An integer literal (`attributes(of: 2)`) still means a pin, as before
    /// boards had this method.
    ///
    /// - Parameter board: A board of the graph.
    /// - Returns: The language and topic, each nil where unknown (and both
    ///   nil when the graph has no attributes).
    /// - Throws: ``BoardwalkError/unknownBoard(_:)``.
    ///
    /// The corresponding C function is `bw_graph_node_attributes`.
    @_disfavoredOverload
    public func attributes(of board: BoardID) throws -> (language: String?, topic: String?) {
        try attributes(.board, board.rawValue) { .unknownBoard(board) }
    }

    private func attributes(_ kind: NodeKind, _ id: UInt64, unknown: () -> BoardwalkError) throws
        -> (language: String?, topic: String?)
    {
        var l: UInt32 = 0, t: UInt32 = 0
        let rc = bw_graph_node_attributes(handle, kind.rawValue, id, &l, &t)
        if rc == BW_ENOTFOUND { throw unknown() }
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
