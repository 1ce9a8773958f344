// Graph pruning as in Pixie (Eksombatchai et al. 2018, section 3.3): drop
// boards too diverse to be good bridges, keep only each pin's best edges, and
// cap or floor degrees. The rules run inside the builder after duplicate
// edges collapse; Tools/spark/prepare_edges.py implements the same rules, in
// the same order, for inputs too large for one machine.
import CBoardwalk
import Foundation

/// Pruning rules for a build. Each rule is off when nil. They run once each,
/// in the order of the properties below, each on what the previous left;
/// nodes left without edges disappear from the graph.
///
/// Where a rule keeps a node's "best" edges, edges are ranked by score
/// (descending; the edge list's score column, 0 without one; duplicates keep
/// their highest score), then by a hash of the two ids (so that without
/// scores a cap keeps a reproducible, uniform-looking sample), then by board
/// id and pin id.
public struct PruningRules: Sendable, Codable, Equatable {
    /// Boards whose pins' topics have a Shannon entropy above this many bits
    /// are removed: a board that mixes many topics is a poor bridge between
    /// pins. Pins without a known topic do not count; boards with no known
    /// topic are kept. Needs pin attributes (topics). Compared with a
    /// tolerance of 1e-9 bits.
    public var maxBoardEntropy: Double?
    /// A board with more edges keeps its best this many.
    public var maxBoardDegree: Int?
    /// δ in (0, 1]: a pin with k edges keeps its best ⌈k^δ⌉ (Pixie's pin
    /// degree pruning; δ = 1 keeps everything).
    public var pinDegreeExponent: Double?
    /// A pin with more edges keeps its best this many.
    public var maxPinDegree: Int?
    /// Boards with fewer edges than this (after the rules above) are removed.
    public var minBoardDegree: Int?
    /// Pins with fewer edges than this (after all the rules above) are removed.
    public var minPinDegree: Int?

    /// No rule at all.
    public init() {}

    /// Whether no rule is set.
    public var isEmpty: Bool {
        maxBoardEntropy == nil && maxBoardDegree == nil && pinDegreeExponent == nil
            && maxPinDegree == nil && minBoardDegree == nil && minPinDegree == nil
    }

    /// Checks every rule's range.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` naming the first
    ///   value outside its range.
    public func validate() throws {
        if let h = maxBoardEntropy, !(h.isFinite && h >= 0) {
            throw BoardwalkError.invalidArgument("maximum board entropy must be a finite number of bits >= 0, not \(h)")
        }
        if let d = pinDegreeExponent, !(d > 0 && d <= 1) {
            throw BoardwalkError.invalidArgument("pin degree exponent must be in (0, 1], not \(d)")
        }
        for (name, value) in [("maximum board degree", maxBoardDegree), ("maximum pin degree", maxPinDegree),
                              ("minimum board degree", minBoardDegree), ("minimum pin degree", minPinDegree)] {
            if let v = value, v < 1 { throw BoardwalkError.invalidArgument("\(name) must be at least 1, not \(v)") }
        }
    }
}

/// What one pruning rule removed.
public struct PruningReport: Sendable, Codable, Equatable {
    /// The rule: "max_board_entropy", "max_board_degree", "pin_degree_exponent",
    /// "max_pin_degree", "min_board_degree" or "min_pin_degree".
    public var rule: String
    /// The rule's parameter.
    public var parameter: Double
    /// Edges the rule removed.
    public var edges: Int
    /// Pins the rule removed (a pin is removed with its last edge).
    public var pins: Int
    /// Boards the rule removed (a board is removed with its last edge).
    public var boards: Int
}

/// Applies `rules` to a deduplicated pin-major graph and returns which edges
/// survive (1) and what each rule removed.
///
/// - Parameters:
///   - pinOffsets, pinAdj: CSR by pin; boards ascending within a pin.
///   - scores: one score per edge, or nil (all 0).
///   - pinTopic: topic code per pin, BW_ATTR_NONE when unknown.
func pruneEdges(
    rules: PruningRules, pinOffsets: FlatBuffer<UInt64>, pinAdj: FlatBuffer<UInt32>, scores: FlatBuffer<Double>?,
    pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>, pinTopic: FlatBuffer<UInt32>?
) -> (alive: FlatBuffer<UInt8>, reports: [PruningReport]) {
    let np = pinIDs.count, nb = boardIDs.count, ne = pinAdj.count
    let alive = FlatBuffer<UInt8>(repeating: 1, count: ne)

    // Pin of each edge, and the edges of each board (ascending pin within a board).
    let edgePin = FlatBuffer<UInt32>(repeating: 0, count: ne)
    let boardStart = FlatBuffer<UInt64>(repeating: 0, count: nb + 1)
    for p in 0..<np {
        for e in Int(pinOffsets[p])..<Int(pinOffsets[p + 1]) {
            edgePin[e] = UInt32(p)
            boardStart[Int(pinAdj[e]) + 1] += 1
        }
    }
    for b in 0..<nb { boardStart[b + 1] += boardStart[b] }
    // Edge positions fit 32 bits (the builder checks before pruning): 4 bytes
    // per edge instead of 8 keeps a pruned 100M-edge build within 32 bytes
    // of memory per input edge.
    let boardEdges = FlatBuffer<UInt32>(repeating: 0, count: ne)
    do {
        let cursor = FlatBuffer<UInt64>(repeating: 0, count: max(nb, 1))
        for b in 0..<nb { cursor[b] = boardStart[b] }
        for e in 0..<ne {
            let b = Int(pinAdj[e])
            boardEdges[Int(cursor[b])] = UInt32(e)
            cursor[b] += 1
        }
    }

    // Best first: score descending, then the id hash, board id, pin id ascending.
    func better(_ x: Int, _ y: Int) -> Bool {
        let sx = scores?[x] ?? 0, sy = scores?[y] ?? 0
        if sx != sy { return sx > sy }
        let px = pinIDs[Int(edgePin[x])], py = pinIDs[Int(edgePin[y])]
        let bx = boardIDs[Int(pinAdj[x])], by = boardIDs[Int(pinAdj[y])]
        let hx = bw_edge_fingerprint(px, bx), hy = bw_edge_fingerprint(py, by)
        if hx != hy { return hx < hy }
        if bx != by { return bx < by }
        return px < py
    }
    var list: [Int] = []
    /// Keeps the best `keep` of the live edges in `edges`.
    func keepBest(_ edges: some Sequence<Int>, _ keep: Int) {
        list.removeAll(keepingCapacity: true)
        for e in edges where alive[e] != 0 { list.append(e) }
        if list.count <= keep { return }
        list.sort(by: better)
        for e in list[keep...] { alive[e] = 0 }
    }
    func pinEdges(_ p: Int) -> Range<Int> { Int(pinOffsets[p])..<Int(pinOffsets[p + 1]) }
    func boardEdgeList(_ b: Int) -> LazyMapSequence<Range<Int>, Int> {
        (Int(boardStart[b])..<Int(boardStart[b + 1])).lazy.map { Int(boardEdges[$0]) }
    }
    func liveCount(_ edges: some Sequence<Int>) -> Int {
        var n = 0
        for e in edges where alive[e] != 0 { n += 1 }
        return n
    }
    func kill(_ edges: some Sequence<Int>) { for e in edges { alive[e] = 0 } }

    // Counts of live edges, pins with a live edge, boards with a live edge.
    func census() -> (edges: Int, pins: Int, boards: Int) {
        var edges = 0, pins = 0, boards = 0
        for p in 0..<np {
            let n = liveCount(pinEdges(p))
            edges += n
            if n > 0 { pins += 1 }
        }
        for b in 0..<nb where liveCount(boardEdgeList(b)) > 0 { boards += 1 }
        return (edges, pins, boards)
    }
    var reports: [PruningReport] = []
    var before = (edges: ne, pins: np, boards: nb)
    func record(_ rule: String, _ parameter: Double) {
        let after = census()
        reports.append(PruningReport(rule: rule, parameter: parameter, edges: before.edges - after.edges,
                                     pins: before.pins - after.pins, boards: before.boards - after.boards))
        before = after
    }

    if let limit = rules.maxBoardEntropy, let pinTopic {
        var topics: [UInt32] = []
        for b in 0..<nb {
            topics.removeAll(keepingCapacity: true)
            for e in boardEdgeList(b) where alive[e] != 0 {
                let t = pinTopic[Int(edgePin[e])]
                if t != BW_ATTR_NONE { topics.append(t) }
            }
            if topicEntropy(&topics) > limit + 1e-9 { kill(boardEdgeList(b)) }
        }
        record("max_board_entropy", limit)
    }
    if let cap = rules.maxBoardDegree {
        for b in 0..<nb { keepBest(boardEdgeList(b), cap) }
        record("max_board_degree", Double(cap))
    }
    if let delta = rules.pinDegreeExponent {
        for p in 0..<np {
            let k = liveCount(pinEdges(p))
            if k > 1 { keepBest(pinEdges(p), prunedDegree(k, delta)) }
        }
        record("pin_degree_exponent", delta)
    }
    if let cap = rules.maxPinDegree {
        for p in 0..<np { keepBest(pinEdges(p), cap) }
        record("max_pin_degree", Double(cap))
    }
    if let floor = rules.minBoardDegree {
        for b in 0..<nb where liveCount(boardEdgeList(b)) < floor { kill(boardEdgeList(b)) }
        record("min_board_degree", Double(floor))
    }
    if let floor = rules.minPinDegree {
        for p in 0..<np where liveCount(pinEdges(p)) < floor { kill(pinEdges(p)) }
        record("min_pin_degree", Double(floor))
    }
    return (alive, reports)
}

/// ⌈k^δ⌉ edges, at least 1 and at most k; 1e-9 keeps an exact power such as
/// 16^0.5 from rounding up to 5 on a last-bit error of pow.
func prunedDegree(_ k: Int, _ delta: Double) -> Int {
    min(k, max(1, Int((pow(Double(k), delta) - 1e-9).rounded(.up))))
}

/// Shannon entropy in bits of the multiset `codes` (sorted in place).
func topicEntropy(_ codes: inout [UInt32]) -> Double {
    let n = codes.count
    if n < 2 { return 0 }
    codes.sort()
    var counts: [Int] = []
    var i = 0
    while i < n {
        var j = i
        while j < n && codes[j] == codes[i] { j += 1 }
        counts.append(j - i)
        i = j
    }
    return entropyBits(counts: counts, total: n)
}

/// The graph without its dead edges and without the nodes left with none.
/// Indices stay in ascending id order; `pinRank` (provisional number → pin
/// index) is updated in place, UInt32.max for pins that are gone.
func compactGraph(
    alive: FlatBuffer<UInt8>, pinOffsets: FlatBuffer<UInt64>, pinAdj: FlatBuffer<UInt32>,
    pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>, pinRank: FlatBuffer<UInt32>
) -> (pinOffsets: FlatBuffer<UInt64>, pinAdj: FlatBuffer<UInt32>, pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>) {
    let np = pinIDs.count, nb = boardIDs.count
    let none = UInt32.max
    let newBoard = FlatBuffer<UInt32>(repeating: none, count: max(nb, 1))
    for e in 0..<pinAdj.count where alive[e] != 0 { newBoard[Int(pinAdj[e])] = 0 }
    let keptBoards = FlatBuffer<UInt64>(capacity: nb)
    for b in 0..<nb where newBoard[b] != none {
        newBoard[b] = UInt32(keptBoards.count)
        keptBoards.append(boardIDs[b])
    }
    let newPin = FlatBuffer<UInt32>(repeating: none, count: max(np, 1))
    let keptPins = FlatBuffer<UInt64>(capacity: np)
    let offsets = FlatBuffer<UInt64>(capacity: np + 1)
    let adj = FlatBuffer<UInt32>(capacity: pinAdj.count)
    offsets.append(0)
    for p in 0..<np {
        let before = adj.count
        for e in Int(pinOffsets[p])..<Int(pinOffsets[p + 1]) where alive[e] != 0 {
            adj.append(newBoard[Int(pinAdj[e])])
        }
        if adj.count > before {
            newPin[p] = UInt32(keptPins.count)
            keptPins.append(pinIDs[p])
            offsets.append(UInt64(adj.count))
        }
    }
    for i in 0..<pinRank.count { pinRank[i] = newPin[Int(pinRank[i])] }
    return (offsets, adj, keptPins, keptBoards)
}
