// The public types of a build: which side a node is on, the options that
// shape a build, its progress and summary, and the internal records the
// compiler hands the graph file writer.
import CBoardwalk
#if canImport(Glibc)
    import Glibc
#endif

/// Which side of the bipartite graph a node is on.
public enum NodeKind: Int32, Sendable, CaseIterable {
    /// An item, such as a pin.
    case pin = 0
    /// A collection of items, such as a board.
    case board = 1
}

/// Options that shape a build.
public struct BuildOptions: Sendable {
    /// Bytes per stored array chunk: a power of two from 64 bytes to 1 GiB
    /// (the default). Small chunks exist to test chunking on small graphs.
    public var chunkBytes: UInt64 = 1 << 30
    /// Malformed input lines tolerated before the build fails; each is
    /// skipped and counted.
    public var maxInvalidLines: Int = 0
    /// 1-based column of the pin id in edge lists. Unless set, a header line
    /// naming a column `pin` or `pin_id` (any case) chooses it, else 1; once
    /// set, it wins over the header.
    public var pinColumn: Int = 1 { didSet { pinColumnIsExplicit = true } }
    /// 1-based column of the board id in edge lists. Unless set, a header
    /// line naming a column `board` or `board_id` chooses it, else 2; once
    /// set, it wins over the header.
    public var boardColumn: Int = 2 { didSet { boardColumnIsExplicit = true } }
    /// Whether ``pinColumn`` / ``boardColumn`` were set (and so win over header names).
    public private(set) var pinColumnIsExplicit = false
    public private(set) var boardColumnIsExplicit = false
    /// 1-based column of a per-edge score (a similarity, a recency …) in
    /// edge lists, or nil for none. Pruning rules keep the best-scored edges;
    /// repeated edges keep their highest score. Scores are not stored in the graph.
    public var scoreColumn: Int?
    /// The graph's watermark, given: the newest edge time the graph
    /// contains, an unsigned integer in the host's own unit (Unix seconds or
    /// milliseconds: Boardwalk only compares times). Stored in the file
    /// (``Graph/watermark``); nil for none. Not together with ``timeColumn``.
    public var watermark: UInt64?
    /// 1-based column of a per-edge time in edge lists (an unsigned integer
    /// in the host's unit), or nil for none: the graph's watermark is then
    /// the largest time of the edges the input held, duplicates and edges
    /// that pruning removes included (lines skipped as invalid are not
    /// edges); an input without edges gives no watermark. A line whose time
    /// is not an unsigned integer is invalid, as one with a bad id is. Only
    /// ever explicit: a header column named `time` is not picked by itself.
    /// Edges added with ``GraphBuilder/addEdge(pin:board:score:)`` carry no
    /// time. Times are not stored in the graph. Not together with ``watermark``.
    public var timeColumn: Int?
    /// Longest accepted input line in bytes.
    public var maxLineBytes: Int = 1 << 20
    /// Pruning rules applied after duplicates collapse (none by default).
    public var pruning = PruningRules()
    /// The build's memory budget in bytes, or nil for the default,
    /// ``BuildOptions/defaultMemoryLimit`` (`UInt64.max`: no limit). A build
    /// whose input fits (about 16 bytes per input edge and 96 per distinct
    /// node) runs in memory; a larger one sorts in batches within the
    /// budget, spills them to temporary files in ``temporaryDirectory`` and
    /// merges them, giving the same graph, pruning included (each rule
    /// runs per node over sorted adjacency in a merge). At least 4 MiB. The
    /// budget covers the edges and nodes; titles and pin attributes are held
    /// in memory as added, and about 16 MiB of buffers and runtime come on
    /// top.
    public var memoryLimit: UInt64?
    /// Where an external build puts its temporary files (they are unlinked
    /// at once, so nothing is left behind); nil for the system's temporary
    /// directory (`TMPDIR`, else /tmp). `boardwalk build` passes the
    /// output's directory unless `--temp-dir` is given.
    public var temporaryDirectory: String?
    /// The default memory budget: three quarters of physical memory.
    public static var defaultMemoryLimit: UInt64 {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 4 << 30 }
        return UInt64(pages) * UInt64(size) / 4 * 3
    }
    /// The smallest memory budget accepted.
    public static let minimumMemoryLimit: UInt64 = 4 << 20
    /// Whether a graph without edges may be written. Off by default: an
    /// empty input is far more often a failed upstream job than intended.
    public var allowEmpty = false
    /// Creates the default options.
    public init() {}
}

/// What a build is doing, for progress reports.
public struct BuildProgress: Sendable {
    /// The phase: "reading", "sorting", "writing" …
    public var phase: String
    /// Input lines read so far.
    public var lines: Int
    /// Input bytes read so far (compressed size for gzip inputs).
    public var bytes: Int
    /// Seconds since the build started.
    public var seconds: Double
}

/// What a finished build did.
public struct BuildSummary: Sendable, Codable {
    /// The graph file written.
    public var output: String
    /// Input names, in the order read.
    public var inputs: [String]
    /// Input lines read, including comments and blank lines.
    public var lines: Int
    /// Edges read, duplicates included.
    public var inputEdges: Int
    /// Edges dropped because they repeat an earlier one.
    public var duplicateEdges: Int
    /// Malformed lines skipped (allowed by `maxInvalidLines`).
    public var invalidLines: Int
    /// Warnings, as printed: part files skipped as binary, header names that
    /// contradict an explicit column.
    public var warnings: [String]
    /// The first few malformed lines, as `file:line: reason`.
    public var invalidSamples: [String]
    /// Distinct pins, boards and edges in the graph.
    public var pins: Int
    public var boards: Int
    public var edges: Int
    /// Nodes with a title, and title lines naming nodes not in the graph.
    public var pinTitles: Int
    public var boardTitles: Int
    public var titlesForUnknownNodes: Int
    /// Pins with attributes, and attribute lines naming pins not in the graph.
    public var attributedPins: Int
    public var attributesForUnknownPins: Int
    /// What each pruning rule removed, in the order the rules ran.
    public var pruning: [PruningReport]
    /// Wall time of the whole build.
    public var seconds: Double
    /// Size of the graph file.
    public var fileBytes: UInt64
    /// The memory budget the build ran with (``BuildOptions/memoryLimit``).
    public var memoryLimit: UInt64 = 0
    /// Whether the input exceeded the budget, so that the build sorted and
    /// merged on disk.
    public var external = false
    /// The most temporary disk the build held at once, in bytes (0 for an
    /// in-memory build).
    public var temporaryBytes: Int = 0
    /// The watermark stored in the graph (``BuildOptions/watermark``, or the
    /// newest time of the ``BuildOptions/timeColumn``), nil for none.
    public var watermark: UInt64?
    /// How the watermark was set: "option" or "time column N"; nil for none.
    public var watermarkSource: String?
}

/// The JSON "build" record stored in the graph.
struct BuildRecord: Codable {
    var builder: String
    var inputs: [String]
    var chunkBytes: UInt64
    var maxInvalidLines: Int
    var pinColumn: Int
    var boardColumn: Int
    /// The [pin, board] columns of each edge input, in `inputs` order, when
    /// a header chose other columns than `pinColumn` and `boardColumn`.
    var inputColumns: [[Int]]?
    var lines: Int
    var inputEdges: Int
    var duplicateEdges: Int
    var invalidLines: Int
    var pinTitles: Int
    var boardTitles: Int
    var attributedPins: Int
    var scoreColumn: Int?
    var timeColumn: Int?
    /// The watermark and how it was set ("option", "time column N").
    var watermark: UInt64?
    var watermarkSource: String?
    var pruningRules: PruningRules?
    var pruning: [PruningReport]?
}

/// Everything the writer stores, in memory.
final class CompiledGraph {
    let pins: Int
    let boards: Int
    let inputEdges: Int
    var edges = 0
    var duplicates = 0
    var invalidLines = 0
    var fingerprint: UInt64 = 0
    var maxPinDegree = 0
    var maxBoardDegree = 0
    var hasAttributes = false
    /// The watermark to store (BW_META_HAS_WATERMARK), nil for none.
    var watermark: UInt64?
    var attributedPins = 0
    var attributeNames: [[String]] = []
    var titleCounts = [0, 0]
    var pruning: [PruningReport] = []
    var arrays = [UnsafeRawBufferPointer](repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: Int(BW_ARRAY_COUNT.rawValue))
    /// Arrays written to temporary files by an external build, by array
    /// number; they take the place of `arrays` entries.
    var files: [Int: SpillFile] = [:]
    var keepAlive: [AnyObject] = []
    var buildRecord: BuildRecord?
    /// The chunk size to write with.
    var chunkBytes: UInt64 = 1 << 30

    init(pins: Int, boards: Int, inputEdges: Int) {
        self.pins = pins
        self.boards = boards
        self.inputEdges = inputEdges
    }

    /// The byte size of array `a`, in memory or in its file.
    func arrayBytes(_ a: Int) -> Int { files[a]?.size ?? arrays[a].count }
}
