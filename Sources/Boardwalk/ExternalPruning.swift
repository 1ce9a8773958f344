// Pruning within the memory budget (an external build with pruning rules):
// the rules of Pruning.swift applied per node over sorted adjacency, in
// merges. Consecutive rules on the same side share a pass:
//
//   pass 0   by (pin id, board id): duplicates collapse, keeping their
//            highest score; each pin's topic is looked up once (the entropy
//            rule's join);
//   board    by (board id, best first): entropy, the board cap, the board
//            floor;
//   pin      by (pin id, best first): the degree exponent, the pin cap, the
//            pin floor;
//
// "best first" is the rank of Pruning.swift: score descending, then the id
// hash, then the other node's id, so a cap keeps a prefix of each group.
// Each pass sends the edges that survive to the next pass's sort and, for
// the edges it removes, a tombstone (other node id, rule) to a sort by the
// other side, so that the next pass over that side counts the nodes that
// lost their last edge to each rule: the build record's per-rule counts are
// those of the in-memory build. The last pass's survivors go on to the
// graph's own merges (a last pin pass is the first of them).
import CBoardwalk
import Foundation

/// The descending sort key of a score: smaller for better (higher) scores;
/// -0 ranks as 0 (the in-memory rule compares with `==`).
@inline(__always)
func scoreRank(_ s: Double) -> UInt64 {
    let b = (s == 0 ? 0.0 : s).bitPattern
    return ~(b >> 63 == 1 ? ~b : b | 1 << 63)
}

/// The bit pattern of the score of ``scoreRank(_:)``.
@inline(__always)
func scoreBits(rank r: UInt64) -> UInt64 {
    let ascending = ~r
    return ascending >> 63 == 1 ? ascending & ~(1 << 63) : ~ascending
}

/// An input edge with its score, ordered by (pin id, board id, best score
/// first); a later record of the same pin and board repeats the first (its
/// highest score). Scores are coded byte-swapped (round numbers are short).
struct ScoredEdge: SortRecord {
    var pin: UInt64
    var board: UInt64
    var rank: UInt64

    static let zero = ScoredEdge(pin: 0, board: 0, rank: 0)
    static var keyWords: Int { 3 }
    @inline(__always) func keyWord(_ i: Int) -> UInt64 { i == 0 ? pin : i == 1 ? board : rank }
    @inline(__always) static func repeats(_ a: ScoredEdge, _ b: ScoredEdge) -> Bool { a.pin == b.pin && a.board == b.board }
    static var maxEncodedBytes: Int { 30 }

    @inline(__always)
    static func encode(_ r: ScoredEdge, after previous: ScoredEdge, into p: UnsafeMutablePointer<UInt8>) -> Int {
        let n = KeyPair.encode(KeyPair(k1: r.pin, k2: r.board), after: KeyPair(k1: previous.pin, k2: previous.board), into: p)
        return n + putVarint(scoreBits(rank: r.rank).byteSwapped, p + n)
    }

    @inline(__always)
    static func decode(after previous: ScoredEdge, from p: UnsafePointer<UInt8>, _ i: inout Int) -> ScoredEdge {
        let k = KeyPair.decode(after: KeyPair(k1: previous.pin, k2: previous.board), from: p, &i)
        let bits = getVarint(p, &i).byteSwapped
        return ScoredEdge(pin: k.k1, board: k.k2, rank: scoreRank(Double(bitPattern: bits)))
    }
}

/// Which side a pruning pass groups by.
protocol PruningSide {
    static var nodeIsPin: Bool { get }
}
enum ByBoard: PruningSide { static var nodeIsPin: Bool { false } }
enum ByPin: PruningSide { static var nodeIsPin: Bool { true } }

/// An edge as a pruning pass sees it: grouped by `node` (a board or a pin,
/// by `Side`), best first within the group: (score rank, id hash, other id).
/// `topic` is the pin's raw topic code (BW_ATTR_NONE when unknown), carried
/// to the entropy rule. The hash is not stored but recomputed from the ids.
struct RankedEdge<Side: PruningSide>: SortRecord {
    var node: UInt64
    var rank: UInt64
    var hash: UInt64
    var other: UInt64
    var topic: UInt32

    init(node: UInt64, rank: UInt64, other: UInt64, topic: UInt32) {
        self.node = node
        self.rank = rank
        self.other = other
        self.topic = topic
        hash = Side.nodeIsPin ? bw_edge_fingerprint(node, other) : bw_edge_fingerprint(other, node)
    }

    var pin: UInt64 { Side.nodeIsPin ? node : other }
    var board: UInt64 { Side.nodeIsPin ? other : node }

    static var zero: RankedEdge { RankedEdge(node: 0, rank: 0, other: 0, topic: 0) }
    static var keyWords: Int { 4 }
    @inline(__always) func keyWord(_ i: Int) -> UInt64 { i == 0 ? node : i == 1 ? rank : i == 2 ? hash : other }
    @inline(__always) static func repeats(_ a: RankedEdge, _ b: RankedEdge) -> Bool { false }  // edges are distinct here
    static var maxEncodedBytes: Int { 33 }

    @inline(__always)
    static func encode(_ r: RankedEdge, after previous: RankedEdge, into p: UnsafeMutablePointer<UInt8>) -> Int {
        var n = putVarint(r.node &- previous.node, p)
        n += putVarint(scoreBits(rank: r.rank).byteSwapped, p + n)
        n += putVarint(r.other, p + n)
        return n + putVarint(UInt64((r.topic &+ 1) & 0xFFFF), p + n)
    }

    @inline(__always)
    static func decode(after previous: RankedEdge, from p: UnsafePointer<UInt8>, _ i: inout Int) -> RankedEdge {
        let node = previous.node &+ getVarint(p, &i)
        let bits = getVarint(p, &i).byteSwapped
        let other = getVarint(p, &i)
        let topic = (UInt32(truncatingIfNeeded: getVarint(p, &i)) &+ 0xFFFF) & 0xFFFF
        return RankedEdge(node: node, rank: scoreRank(Double(bitPattern: bits)), other: other, topic: topic)
    }
}

/// The records of one group (a node's edges), in memory up to a bound and
/// in a temporary file past it, read back in order.
final class GroupBuffer<R> {
    private let space: SpillSpace
    private let capacity: Int
    private var memory: UnsafeMutablePointer<R>
    private var inMemory = 0
    private var file: SpillFile?
    private var inFile = 0
    private var readBuffer: UnsafeMutablePointer<R>?
    private var readCount = 0
    private var readAt = 0
    private var fileRead = 0
    private var memoryRead = 0

    /// A buffer holding up to about `memoryBytes` of records in memory.
    init(space: SpillSpace, memoryBytes: Int) {
        self.space = space
        capacity = max(256, memoryBytes / 2 / MemoryLayout<R>.stride)
        memory = .allocate(capacity: capacity)
    }

    deinit {
        memory.deallocate()
        readBuffer?.deallocate()
    }

    var count: Int { inFile + inMemory }

    /// Empties the buffer for the next group.
    func reset() {
        inMemory = 0
        inFile = 0
        file = nil
        fileRead = 0
        memoryRead = 0
        readCount = 0
        readAt = 0
    }

    @inline(__always)
    func append(_ r: R) throws {
        if inMemory == capacity { try spill() }
        memory[inMemory] = r
        inMemory += 1
    }

    private func spill() throws {
        if file == nil { file = try SpillFile(space) }
        try file!.append(UnsafeRawBufferPointer(start: memory, count: inMemory * MemoryLayout<R>.stride))
        inFile += inMemory
        inMemory = 0
    }

    /// The group's records in order, one per call; nil after the last.
    @inline(__always)
    func read() throws -> R? {
        if fileRead < inFile {
            if readAt == readCount { try refill() }
            readAt += 1
            fileRead += 1
            return readBuffer![readAt - 1]
        }
        guard memoryRead < inMemory else { return nil }
        memoryRead += 1
        return memory[memoryRead - 1]
    }

    private func refill() throws {
        if fileRead == 0 { try file!.finishWriting() }
        if readBuffer == nil { readBuffer = .allocate(capacity: capacity) }
        let stride = MemoryLayout<R>.stride
        readCount = min(capacity, inFile - fileRead)
        try file!.read(at: fileRead * stride, count: readCount * stride, into: readBuffer!)
        readAt = 0
    }
}

/// One pruning rule as it runs in a pass: its place in the order (1 ...
/// 6, the stage tombstones record) and parameter.
struct PruningStage {
    enum Rule { case maxBoardEntropy, maxBoardDegree, pinDegreeExponent, maxPinDegree, minBoardDegree, minPinDegree }
    var rule: Rule
    var number: Int
    var parameter: Double
    var name: String
    var onBoards: Bool { rule == .maxBoardEntropy || rule == .maxBoardDegree || rule == .minBoardDegree }

    /// The rules that are set, in the order they run.
    static func of(_ rules: PruningRules) -> [PruningStage] {
        var out: [PruningStage] = []
        func add(_ r: Rule, _ n: Int, _ p: Double?, _ name: String) {
            if let p { out.append(PruningStage(rule: r, number: n, parameter: p, name: name)) }
        }
        add(.maxBoardEntropy, 1, rules.maxBoardEntropy, "max_board_entropy")
        add(.maxBoardDegree, 2, rules.maxBoardDegree.map(Double.init), "max_board_degree")
        add(.pinDegreeExponent, 3, rules.pinDegreeExponent, "pin_degree_exponent")
        add(.maxPinDegree, 4, rules.maxPinDegree.map(Double.init), "max_pin_degree")
        add(.minBoardDegree, 5, rules.minBoardDegree.map(Double.init), "min_board_degree")
        add(.minPinDegree, 6, rules.minPinDegree.map(Double.init), "min_pin_degree")
        return out
    }
}

/// What each rule removed so far, counted pass by pass.
final class PruningTally {
    let stages: [PruningStage]
    var edges = [Int](repeating: 0, count: 7)
    var pins = [Int](repeating: 0, count: 7)
    var boards = [Int](repeating: 0, count: 7)

    init(_ stages: [PruningStage]) { self.stages = stages }

    /// Counts a node that lost its last edge to rule `stage`.
    func removed(pin: Bool, stage: Int) {
        if pin { pins[stage] += 1 } else { boards[stage] += 1 }
    }

    var reports: [PruningReport] {
        stages.map { PruningReport(rule: $0.name, parameter: $0.parameter, edges: edges[$0.number],
                                   pins: pins[$0.number], boards: boards[$0.number]) }
    }
}

/// Tombstones (node id, rule) of one side, sorted, consumed alongside a
/// pass over that side's nodes in id order: a node met only here lost its
/// last edge to the last rule that removed one of its edges.
struct TombstoneCounter {
    private var stream: MergeStream<KeyPair>?
    private var pending: KeyPair?
    let pins: Bool
    let tally: PruningTally

    init(_ stream: MergeStream<KeyPair>?, pins: Bool, tally: PruningTally) throws {
        self.stream = stream
        self.pins = pins
        self.tally = tally
        pending = try stream?.next()
    }

    /// Counts the nodes below `id` met only here and skips `id`'s own (it is
    /// alive). With nil, counts all that are left.
    mutating func pass(upTo id: UInt64?) throws {
        while let t = pending, id == nil || t.k1 <= id! {
            var maxStage = t.k2
            pending = try stream?.next()
            while let u = pending, u.k1 == t.k1 {
                maxStage = max(maxStage, u.k2)
                pending = try stream?.next()
            }
            if t.k1 != id { tally.removed(pin: pins, stage: Int(maxStage)) }
        }
    }
}

/// The entropy in bits of topic counts listed in ascending topic order
/// (the arithmetic of ``topicEntropy(_:)``, so that both builds decide alike).
func entropyBits(counts: some Sequence<Int>, total n: Int) -> Double {
    if n < 2 { return 0 }
    var h = 0.0
    for c in counts {
        let p = Double(c) / Double(n)
        h -= p * log2(p)
    }
    return h
}

/// One pruning pass over `Side`'s groups: reads them in order, applies its
/// rules and hands out the surviving edges, grouped and best first.
final class PruningPass<Side: PruningSide> {
    private let input: MergeStream<RankedEdge<Side>>
    private var tombstones: TombstoneCounter
    private let stages: [PruningStage]
    private let tally: PruningTally
    /// Tombstones (other node id, rule) for the edges this pass removes.
    private let otherTombstones: ExternalSorter<KeyPair>
    private let group: GroupBuffer<RankedEdge<Side>>
    private var lookahead: RankedEdge<Side>?
    private var started = false
    // The current group's decisions.
    private var position = 0
    private var killAll = 0  // the rule that removes all the group's edges, or 0
    private var keep = Int.max  // edges at positions from here on are removed by `capStage`
    private var capStage = 0
    private var firstCap = Int.max  // the first cap (edges from here on go to `firstCapStage`)
    private var firstCapStage = 0
    private let entropyRule: Bool
    private var topicCounts: [Int]
    private var topicsSeen: [Int] = []

    init(_ input: MergeStream<RankedEdge<Side>>, tombstones: MergeStream<KeyPair>?, stages: [PruningStage],
         tally: PruningTally, otherTombstones: ExternalSorter<KeyPair>, space: SpillSpace, groupBytes: Int) throws {
        self.input = input
        self.tombstones = try TombstoneCounter(tombstones, pins: Side.nodeIsPin, tally: tally)
        self.stages = stages
        self.tally = tally
        self.otherTombstones = otherTombstones
        group = GroupBuffer(space: space, memoryBytes: groupBytes)
        entropyRule = stages.contains { $0.rule == .maxBoardEntropy }
        topicCounts = [Int](repeating: 0, count: entropyRule ? 0x10000 : 0)
    }

    /// The next surviving edge, or nil after the last group.
    func next() throws -> RankedEdge<Side>? {
        if !started {
            started = true
            lookahead = try input.next()
        }
        while true {
            while let r = try group.read() {
                let p = position
                position += 1
                let stage = p >= firstCap ? firstCapStage : p >= keep ? capStage : killAll
                if stage == 0 { return r }
                tally.edges[stage] += 1
                try otherTombstones.add(r.other, UInt64(stage))
            }
            guard try readGroup() else {
                try tombstones.pass(upTo: nil)
                return nil
            }
        }
    }

    /// Reads the next group and decides what its rules remove.
    private func readGroup() throws -> Bool {
        guard let first = lookahead else { return false }
        group.reset()
        let entropy = entropyRule
        var topicTotal = 0
        var r = first
        while true {
            try group.append(r)
            if entropy && r.topic != BW_ATTR_NONE {
                let t = Int(r.topic)
                if topicCounts[t] == 0 { topicsSeen.append(t) }
                topicCounts[t] += 1
                topicTotal += 1
            }
            guard let n = try input.next() else {
                lookahead = nil
                break
            }
            if n.node != first.node {
                lookahead = n
                break
            }
            r = n
        }
        try tombstones.pass(upTo: first.node)
        position = 0
        killAll = 0
        keep = Int.max
        capStage = 0
        firstCap = Int.max
        firstCapStage = 0
        var live = group.count
        for s in stages {
            switch s.rule {
            case .maxBoardEntropy:
                topicsSeen.sort()
                let h = entropyBits(counts: topicsSeen.lazy.map { self.topicCounts[$0] }, total: topicTotal)
                for t in topicsSeen { topicCounts[t] = 0 }
                topicsSeen.removeAll(keepingCapacity: true)
                if h > s.parameter + 1e-9 {
                    killAll = s.number
                    live = 0
                }
            case .maxBoardDegree, .maxPinDegree:
                setCap(Int(s.parameter), s.number, &live)
            case .pinDegreeExponent:
                if live > 1 { setCap(prunedDegree(live, s.parameter), s.number, &live) }
            case .minBoardDegree, .minPinDegree:
                if live > 0 && live < Int(s.parameter) {
                    killAll = s.number
                    live = 0
                }
            }
        }
        if killAll != 0 { tally.removed(pin: Side.nodeIsPin, stage: killAll) }
        return true
    }

    /// A cap keeps the best `n` of the `live` edges: positions from `n` on
    /// go to this rule, unless an earlier cap already took them.
    private func setCap(_ n: Int, _ stage: Int, _ live: inout Int) {
        guard killAll == 0, n < live else { return }
        if firstCap == Int.max {
            firstCap = n
            firstCapStage = stage
        } else {
            // A second cap within the pass (the pin cap after the exponent)
            // cuts below the first: positions from `keep` up to `firstCap`.
            keep = n
            capStage = stage
        }
        live = n
    }
}

/// The edges that survive pruning, for the graph's merges: grouped by pin
/// in ascending id order (boards in any order within a pin).
protocol PinGroupedEdges: AnyObject {
    func nextEdge() throws -> (pin: UInt64, board: UInt64)?
}

extension MergeStream: PinGroupedEdges where R == KeyPair {
    @inline(__always)
    func nextEdge() throws -> (pin: UInt64, board: UInt64)? {
        guard let r = try next() else { return nil }
        return (r.k1, r.k2)
    }
}

extension PruningPass: PinGroupedEdges where Side == ByPin {
    @inline(__always)
    func nextEdge() throws -> (pin: UInt64, board: UInt64)? {
        guard let r = try next() else { return nil }
        return (r.node, r.other)
    }
}

/// What pruning hands the graph's merges: the surviving edges, and the
/// tombstones those merges count removed nodes from.
struct PrunedEdges {
    /// Grouped by pin: a last pin pass itself, or a merge by (pin, board).
    var edges: any PinGroupedEdges
    /// Tombstones by pin, when the last pass was over boards (for the merge by pin).
    var pinTombstones: MergeStream<KeyPair>?
    /// Tombstones by board, when the last pass was over pins (filled while
    /// `edges` is read; finish it after).
    var boardTombstones: ExternalSorter<KeyPair>?
    var distinctEdges: Int
}

extension GraphBuilder {
    /// Applies the pruning rules to the spilled edges, pass by pass (see the
    /// top of this file), within the budget.
    func pruneExternal(_ input: MergeStream<ScoredEdge>, tally: PruningTally, space: SpillSpace) throws -> PrunedEdges {
        // Consecutive rules on one side share a pass.
        var passes: [[PruningStage]] = []
        for s in tally.stages {
            if let last = passes.last?.last, last.onBoards == s.onBoards {
                passes[passes.count - 1].append(s)
            } else {
                passes.append([s])
            }
        }
        let mergeBytes = budget(1, 8), groupBytes = budget(1, 16), tombstoneMerge = budget(1, 32)
        func mainSorter<R: SortRecord>(_: R.Type) -> ExternalSorter<R> {
            makeSorter(space, memoryBytes: budget(3, 8), mergeBytes: mergeBytes)
        }
        func tombstoneSorter() -> ExternalSorter<KeyPair> {
            makeSorter(space, memoryBytes: budget(1, 8), mergeBytes: tombstoneMerge)
        }
        let entropy = options.pruning.maxBoardEntropy != nil
        let firstOnBoards = passes[0][0].onBoards

        // Pass 0: duplicates collapse (the merge keeps each edge's highest
        // score); each pin's topic is looked up once.
        report("pruning: merging edges by pin")
        var byBoard: ExternalSorter<RankedEdge<ByBoard>>? = firstOnBoards ? mainSorter(RankedEdge<ByBoard>.self) : nil
        var byPin: ExternalSorter<RankedEdge<ByPin>>? = firstOnBoards ? nil : mainSorter(RankedEdge<ByPin>.self)
        var distinct = 0
        var pin = UInt64.max, topic = BW_ATTR_NONE, havePin = false
        while let e = try input.next() {
            if !havePin || e.pin != pin {
                havePin = true
                pin = e.pin
                topic = entropy ? (pinAttributes[pin].map { $0 & 0xFFFF } ?? BW_ATTR_NONE) : BW_ATTR_NONE
            }
            distinct += 1
            if let byBoard {
                try byBoard.add(RankedEdge(node: e.board, rank: e.rank, other: e.pin, topic: topic))
            } else {
                try byPin!.add(RankedEdge(node: e.pin, rank: e.rank, other: e.board, topic: topic))
            }
        }

        var tombstones: ExternalSorter<KeyPair>?  // by the side of the next pass
        for (i, stages) in passes.enumerated() {
            let last = i == passes.count - 1
            let other = tombstoneSorter()
            let incoming = try tombstones?.finish()
            tombstones = nil
            if stages[0].onBoards {
                report("pruning: \(stages.map(\.name).joined(separator: ", "))")
                let pass = try PruningPass<ByBoard>(try byBoard!.finish(), tombstones: incoming, stages: stages, tally: tally,
                                                    otherTombstones: other, space: space, groupBytes: groupBytes)
                byBoard = nil
                if last {
                    let out: ExternalSorter<KeyPair> = mainSorter(KeyPair.self)
                    while let r = try pass.next() { try out.add(r.other, r.node) }
                    return PrunedEdges(edges: try out.finish(), pinTombstones: try other.finish(), boardTombstones: nil,
                                       distinctEdges: distinct)
                }
                let next = mainSorter(RankedEdge<ByPin>.self)
                while let r = try pass.next() { try next.add(RankedEdge(node: r.other, rank: r.rank, other: r.node, topic: r.topic)) }
                byPin = next
            } else {
                report("pruning: \(stages.map(\.name).joined(separator: ", "))")
                let pass = try PruningPass<ByPin>(try byPin!.finish(), tombstones: incoming, stages: stages, tally: tally,
                                                  otherTombstones: other, space: space, groupBytes: groupBytes)
                byPin = nil
                if last {
                    return PrunedEdges(edges: pass, pinTombstones: nil, boardTombstones: other, distinctEdges: distinct)
                }
                let next = mainSorter(RankedEdge<ByBoard>.self)
                while let r = try pass.next() { try next.add(RankedEdge(node: r.other, rank: r.rank, other: r.node, topic: r.topic)) }
                byBoard = next
            }
            tombstones = other
        }
        preconditionFailure("no pruning pass")
    }
}
