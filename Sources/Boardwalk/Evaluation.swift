// Offline evaluation: leave-one-out splits of interaction data, the protocol
// (held-out items, sampled negatives, the popularity baseline) and ranking
// metrics, so users and hosts can measure candidate quality on their own data.
import Foundation

/// One interaction: a user (playing a board) engaged with an item (a pin).
public struct Interaction: Sendable, Equatable {
    public var user: UInt64
    public var item: UInt64
    /// Strength of the interaction (1 when the input has none).
    public var weight: Double
    /// Time of the interaction (nil when the input has none).
    public var time: Int64?

    public init(user: UInt64, item: UInt64, weight: Double = 1, time: Int64? = nil) {
        self.user = user
        self.item = item
        self.weight = weight
        self.time = time
    }
}

/// A leave-one-out split: each evaluated user's last interaction is held out.
public struct LeaveOneOutSplit: Sendable {
    /// Interactions the graph is built from.
    public var train: [Interaction]
    /// The held-out item of each evaluated user.
    public var heldOut: [UInt64: UInt64]
    /// Users skipped for having too few interactions.
    public var skippedUsers: Int

    /// Splits per user: the last interaction by time is held out (ties go to
    /// the larger item id, so the split never depends on input order); without
    /// times, a uniformly random one, drawn with `seed`. Users with fewer
    /// than `minInteractions` interactions are kept in training and skipped.
    /// Repeated (user, item) pairs count once; the held-out item is removed
    /// from the user's training interactions entirely.
    public init(_ interactions: [Interaction], minInteractions: Int = 2, seed: UInt64 = 1) {
        // Grouped by sorting (user, input position) rather than a dictionary
        // of arrays: the same groups in the same order, several times faster
        // on millions of interactions.
        var keys = interactions.enumerated().map { (user: $1.user, index: $0) }
        keys.sort { ($0.user, $0.index) < ($1.user, $1.index) }  // keys in place: no lookups while sorting
        let order = keys.map(\.index)
        var train: [Interaction] = []
        train.reserveCapacity(interactions.count)
        var held: [UInt64: UInt64] = [:]
        var skipped = 0
        var rng = SeededGenerator(seed: seed)
        var start = 0
        var items: [UInt64] = []
        while start < order.count {
            let user = interactions[order[start]].user
            var end = start + 1
            while end < order.count && interactions[order[end]].user == user { end += 1 }
            let list = order[start..<end]
            items.removeAll(keepingCapacity: true)
            for i in list { items.append(interactions[i].item) }
            items.sort()
            var distinct = 0
            for (n, item) in items.enumerated() where n == 0 || items[n - 1] != item {
                items[distinct] = item
                distinct += 1
            }
            items.removeSubrange(distinct...)
            start = end
            guard items.count >= max(2, minInteractions) else {
                skipped += 1
                for i in list { train.append(interactions[i]) }
                continue
            }
            let target: UInt64
            if list.allSatisfy({ interactions[$0].time != nil }) {
                target = list.map { interactions[$0] }.max { ($0.time!, $0.item) < ($1.time!, $1.item) }!.item
            } else {
                target = items[Int(rng.next() % UInt64(items.count))]
            }
            held[user] = target
            for i in list where interactions[i].item != target { train.append(interactions[i]) }
        }
        self.train = train
        self.heldOut = held
        self.skippedUsers = skipped
    }
}

/// Ranking metrics for one held-out item.
public enum RankingMetrics {
    /// The pessimistic rank (1-based) of an item scoring `target` among
    /// `others`: every other item scoring at least as much ranks above it, so
    /// ties always go against the held-out item and the rank never depends
    /// on how ties happen to be ordered.
    public static func pessimisticRank(target: Double, others: [Double]) -> Int {
        1 + others.reduce(0) { $0 + ($1 >= target ? 1 : 0) }
    }

    /// 1 when the item is within the top k, else 0.
    public static func hitRate(rank: Int, k: Int) -> Double { rank <= k ? 1 : 0 }

    /// Normalised discounted cumulative gain with one relevant item:
    /// 1 / log2(rank + 1) within the top k, else 0.
    public static func ndcg(rank: Int, k: Int) -> Double { rank <= k ? 1 / log2(Double(rank) + 1) : 0 }
}

// MARK: - The evaluation protocol

/// Nearest-rank percentile of values sorted ascending: the smallest value
/// with at least a fraction `q` of the values at or below it; 0 when there
/// are none. The one percentile of `boardwalk eval` and `boardwalk bench`.
///
/// - Parameters:
///   - q: the fraction, in (0, 1] (0.5 for the median, 0.99 for p99).
///   - sorted: the values, sorted ascending.
/// - Returns: the percentile, or 0 for no values.
public func percentile(_ q: Double, ofSorted sorted: [Double]) -> Double {
    sorted.isEmpty ? 0 : sorted[max(0, min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
}

/// How an evaluated user's training items weigh in the query.
public enum QueryWeighting: String, Sendable, CaseIterable {
    /// Every item weighs 1.
    case uniform
    /// The interaction's weight (a rating, a count …).
    case weight
    /// 1 / rank, the latest item (by time, then item id) ranked first.
    case recency
}

/// One item of an evaluated user's training history.
public struct HistoryItem: Sendable, Equatable {
    public var item: UInt64
    public var weight: Double
    public var time: Int64?
    public init(item: UInt64, weight: Double = 1, time: Int64? = nil) {
        self.item = item
        self.weight = weight
        self.time = time
    }
}

/// One user to evaluate: the held-out item and the training items queried with.
public struct EvaluationUser: Sendable {
    public var user: UInt64
    public var held: UInt64
    public var history: [HistoryItem]
}

/// What an evaluation reports while it prepares and runs.
public enum EvaluationProgress: CustomStringConvertible, Sendable {
    /// A phase of building the training graph, seconds since preparation started.
    case buildingGraph(phase: String, seconds: Double)
    /// The training graph is about to be built from this many interactions.
    case buildingGraphFrom(interactions: Int)
    /// Reading the graph's items, seconds since preparation started.
    case readingCatalogue(seconds: Double)
    /// Evaluation of one parameter setting starts (`label` names the setting).
    case evaluating(users: Int, label: String?)
    /// `done` of `total` users evaluated after `seconds`.
    case evaluated(done: Int, total: Int, label: String?, seconds: Double)

    /// Milestones (every case but the frequent ones) are worth showing even when progress is throttled.
    public var isMilestone: Bool {
        switch self {
        case .buildingGraph, .evaluated: return false
        default: return true
        }
    }

    public var description: String {
        switch self {
        case .buildingGraph(let phase, let seconds):
            return "building the training graph: \(phase) (\(String(format: "%.1fs", seconds)))"
        case .buildingGraphFrom(let n):
            return "building the training graph from \(n) interactions"
        case .readingCatalogue(let seconds):
            return "reading the catalogue (\(String(format: "%.1fs", seconds)))"
        case .evaluating(let users, let label):
            return "evaluating \(users) users\(label.map { " (\($0))" } ?? "")"
        case .evaluated(let n, let total, let label, let t):
            return String(format: "%d of %d users%@, %.0f users/s, %.0fs left", n, total,
                          label.map { " (\($0))" } ?? "", Double(n) / t, t / Double(n) * Double(total - n))
        }
    }
}

/// Everything an offline evaluation needs, prepared once and evaluated with
/// any number of walk parameters: the graph, the users with their held-out
/// item and training history, and the catalogue of items with their degrees.
///
/// Two ways to prepare one: from a ``LeaveOneOutSplit`` (the graph is built
/// from its training interactions) or from an existing graph and held-out
/// pairs (users are boards of the graph and query with their pins). Either
/// may add and remove live edges (``LiveEdgeList``s, as `boardwalk eval
/// --live-edges --remove-edges` reads them): the walks then run over the
/// base and the live edges (a ``LiveGraph``), and the users' queries, the
/// catalogue and the degrees come from the same union, so that the
/// evaluation is that of a graph rebuilt from the resulting edge set.
public struct EvaluationSet {
    /// The graph walked (the base, when there are live edges).
    public let graph: Graph
    /// What adding the live edges did, when there were any.
    public var liveEdgesAdded: LiveAddCounts? { view.added }
    /// What removing edges did, when there were any.
    public var liveEdgesRemoved: LiveRemoveCounts? { view.removed }
    /// The base and the live edges: what the evaluation reads and walks.
    let view: EvaluationGraph
    /// The users evaluated, ascending by id (a seeded sample with `maxUsers`).
    public private(set) var users: [EvaluationUser]
    /// Every item each user has interacted with, the held-out one included.
    public private(set) var interacted: [UInt64: Set<UInt64>]
    /// The catalogue: the graph's pins, in index order.
    public let items: [UInt64]
    /// Training interactions per item (or, from a graph, each pin's board count).
    public let degree: [UInt64: Int]
    /// Users left out for having fewer than `minInteractions` distinct items.
    public private(set) var skippedTooFew = 0
    /// Users left out as no board of the graph, or with no training item left in it.
    public private(set) var skippedNotInGraph = 0
    /// All users left out.
    public var skipped: Int { skippedTooFew + skippedNotInGraph }
    /// Users that could be evaluated, before a `maxUsers` sample.
    public let candidates: Int
    /// Evaluated users whose held-out item is not a pin of the graph (it can never be recommended).
    public private(set) var heldOutNotInGraph = 0
    /// Seconds the preparation took.
    public let graphSeconds: Double
    /// What pruning removed from the training graph.
    public let pruning: [PruningReport]
    private let catalogue: Set<UInt64>
    private let sortedDegrees: [Int]

    /// Prepares a leave-one-out evaluation: builds a graph from the split's
    /// training interactions (items are pins, users boards) and evaluates
    /// the users with a held-out item.
    ///
    /// - Parameters:
    ///   - split: the split, as ``LeaveOneOutSplit/init(_:minInteractions:seed:)`` made it.
    ///   - buildOptions: options of the training graph's build (its pruning rules).
    ///   - scoreByTime: whether pruning ranks edges by time (later is better) rather than weight.
    ///   - pinAttributes: an item attributes file for the training graph, if any.
    ///   - maxUsers: evaluate at most this many users, a sample drawn with `seed`.
    ///   - seed: the sampling seed.
    ///   - liveEdges: edges (item, user) to add live to the training graph:
    ///     they join their users' queries (with their times, weight 1) and
    ///     the catalogue.
    ///   - removedEdges: edges to remove after that: they leave their users' queries.
    ///   - progress: called with what is being done.
    /// - Throws: ``BoardwalkError/noData(_:)`` when the training graph has no
    ///   edges or no user keeps a training item in it; the builder's errors;
    ///   those of ``LiveGraph/addEdges(pins:boards:times:)``.
    public init(split: LeaveOneOutSplit, buildOptions: BuildOptions = BuildOptions(), scoreByTime: Bool = false,
                pinAttributes: String? = nil, maxUsers: Int? = nil, seed: UInt64 = 1,
                liveEdges: LiveEdgeList? = nil, removedEdges: LiveEdgeList? = nil,
                progress: ((EvaluationProgress) -> Void)? = nil) throws {
        let start = Date()
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("boardwalk-eval-\(getpid()).bwg").path
        defer { unlink(tmp) }
        let b = try GraphBuilder(options: buildOptions)
        if let progress {
            b.progress = { p in progress(.buildingGraph(phase: p.phase, seconds: Date().timeIntervalSince(start))) }
        }
        // Histories of the evaluated users only; degrees count every training interaction.
        var histories: [UInt64: [HistoryItem]] = [:]
        var trainingDegree: [UInt64: Int] = [:]
        for u in split.heldOut.keys { histories[u] = [] }
        for i in split.train {
            try b.addEdge(pin: PinID(i.item), board: BoardID(i.user), score: scoreByTime ? Double(i.time ?? 0) : i.weight)
            trainingDegree[i.item, default: 0] += 1
            if histories[i.user] != nil { histories[i.user]!.append(HistoryItem(item: i.item, weight: i.weight, time: i.time)) }
        }
        if let pinAttributes { try b.addPinAttributes(from: pinAttributes) }
        progress?(.buildingGraphFrom(interactions: split.train.count))
        let pruned: [PruningReport]
        do {
            pruned = try b.build(to: tmp).pruning
        } catch BoardwalkError.emptyGraph {
            // The builder's message names the temporary file and --allow-empty, neither of which is eval's.
            throw BoardwalkError.noData("the training graph has no edges: \(buildOptions.pruning.isEmpty ? "no training interactions" : "pruning removed every edge of the \(split.train.count) training interactions"); loosen the pruning options")
        }
        let g = try Graph(path: tmp)  // stays mapped after the unlink
        let view = try EvaluationGraph(base: g, add: liveEdges, remove: removedEdges)
        for (u, added) in view.addedToBoard where histories[u] != nil {
            histories[u]! += added.map { HistoryItem(item: $0.pin, time: $0.time.map { Int64(clamping: $0) }) }
        }
        for (u, gone) in view.removedFromBoard where histories[u] != nil { histories[u]!.removeAll { gone.contains($0.item) } }
        for p in view.touchedPins { trainingDegree[p] = max(0, (trainingDegree[p] ?? 0) + (try view.degreeChange(of: p))) }
        try self.init(view: view, histories: histories, held: split.heldOut, degree: trainingDegree,
                      skippedTooFew: split.skippedUsers, skippedNotInGraph: 0, pruning: pruned,
                      maxUsers: maxUsers, seed: seed, start: start, progress: progress)
    }

    /// Prepares an evaluation on an existing graph: each held-out user is a
    /// board of the graph and queries with its pins.
    ///
    /// - Parameters:
    ///   - graph: the graph.
    ///   - heldOut: (user, item, line) pairs, as ``EvaluationInput/heldOut(from:)`` reads them.
    ///   - heldOutName: the held-out file's name, for messages.
    ///   - graphName: the graph's name, for messages.
    ///   - maxUsers: evaluate at most this many users, a sample drawn with `seed`.
    ///   - seed: the sampling seed.
    ///   - liveEdges: edges to add live to the graph (users and their pins as in a rebuilt graph).
    ///   - removedEdges: edges to remove after that.
    ///   - progress: called with what is being done.
    /// - Throws: ``BoardwalkError/noData(_:)`` when there are no pairs or no
    ///   user is a board of the graph (saying whether the columns look
    ///   swapped), ``BoardwalkError/malformedInput(file:line:reason:)`` when
    ///   a user is held out twice; those of ``LiveGraph/addEdges(pins:boards:times:)``.
    public init(graph base: Graph, heldOut pairs: [(user: UInt64, item: UInt64, line: Int)], heldOutName path: String,
                graphName: String, maxUsers: Int? = nil, seed: UInt64 = 1,
                liveEdges: LiveEdgeList? = nil, removedEdges: LiveEdgeList? = nil,
                progress: ((EvaluationProgress) -> Void)? = nil) throws {
        let start = Date()
        let g = try EvaluationGraph(base: base, add: liveEdges, remove: removedEdges)
        guard !pairs.isEmpty else { throw BoardwalkError.noData("\(path): no held-out items (an empty file?)") }
        var held: [UInt64: UInt64] = [:]
        var histories: [UInt64: [HistoryItem]] = [:]
        var notBoards = 0, swappedLooking = 0
        var lineOf: [UInt64: Int] = [:]
        var repeated: (user: UInt64, first: Int, again: Int)?
        for (u, i, line) in pairs {
            guard g.contains(board: u) else {
                notBoards += 1
                if g.contains(pin: u) && g.contains(board: i) { swappedLooking += 1 }
                continue
            }
            if let first = lineOf[u] {
                if repeated == nil { repeated = (u, first, line) }
                continue
            }
            lineOf[u] = line
            held[u] = i
            histories[u] = try g.pins(of: u).map { HistoryItem(item: $0) }
        }
        if held.isEmpty {
            let why = swappedLooking * 2 > pairs.count
                ? "; \(swappedLooking) of them are pins of the graph and their items boards: are the columns swapped? --held-out is user<TAB>item (a board, then a pin)"
                : "; is it the held-out file of another graph? --held-out is user<TAB>item (a board, then a pin)"
            throw BoardwalkError.noData("none of the \(pairs.count) held-out users of \(path) is a board of \(graphName)" + why)
        }
        if let repeated {
            // Checked after the columns: swapped columns repeat "users" too.
            throw BoardwalkError.malformedInput(
                file: path, line: repeated.again,
                reason: "user \(repeated.user) is held out again (first on line \(repeated.first)): leave-one-out holds out one item per user")
        }
        try self.init(view: g, histories: histories, held: held, degree: nil, skippedTooFew: 0,
                      skippedNotInGraph: notBoards, pruning: [], maxUsers: maxUsers, seed: seed, start: start,
                      progress: progress)
    }

    /// The catalogue, degrees and users, given the histories of the users with a held-out item.
    private init(view g: EvaluationGraph, histories: [UInt64: [HistoryItem]], held: [UInt64: UInt64], degree trainingDegree: [UInt64: Int]?,
                 skippedTooFew: Int, skippedNotInGraph notInGraph: Int, pruning: [PruningReport], maxUsers: Int?,
                 seed: UInt64, start: Date, progress: ((EvaluationProgress) -> Void)?) throws {
        var skippedNotInGraph = notInGraph
        progress?(.readingCatalogue(seconds: Date().timeIntervalSince(start)))
        let items = try g.pinIDs()
        var interacted: [UInt64: Set<UInt64>] = [:]
        for (u, h) in histories { interacted[u] = Set(h.map(\.item)) }
        var degree: [UInt64: Int] = [:]
        if let trainingDegree {
            degree = trainingDegree
        } else {
            // Degrees from the graph itself.
            for p in items { degree[p] = try g.degree(of: p) }
        }
        var users: [EvaluationUser] = []
        for u in held.keys.sorted() {
            // A user whose every training item left the graph (pruning) has nothing to query with.
            guard let h = histories[u], h.contains(where: { g.contains(pin: $0.item) }) else {
                skippedNotInGraph += 1
                continue
            }
            interacted[u, default: []].insert(held[u]!)
            users.append(EvaluationUser(user: u, held: held[u]!, history: h))
        }
        guard !users.isEmpty else {
            throw BoardwalkError.noData("no user can be evaluated: the training items of all \(held.count) users with a held-out item were removed from the graph by pruning")
        }
        candidates = users.count
        if let maxUsers, users.count > maxUsers {
            var rng = SeededGenerator(seed: seed ^ 0x7573_6572)
            users.shuffle(using: &rng)
            users = Array(users.prefix(maxUsers)).sorted { $0.user < $1.user }
        }
        self.graph = g.base
        self.view = g
        self.users = users
        self.interacted = interacted
        self.items = items
        self.degree = degree
        self.graphSeconds = Date().timeIntervalSince(start)
        self.pruning = pruning
        self.skippedTooFew = skippedTooFew
        self.skippedNotInGraph = skippedNotInGraph
        self.catalogue = Set(items)
        self.sortedDegrees = items.map { degree[$0] ?? 0 }.sorted()
        self.heldOutNotInGraph = users.reduce(0) { $0 + (g.contains(pin: $1.held) ? 0 : 1) }
    }

    /// Items of the catalogue with degree >= d, in O(log n).
    private func itemsWithDegree(atLeast d: Int) -> Int {
        var lo = 0, hi = sortedDegrees.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sortedDegrees[mid] < d { lo = mid + 1 } else { hi = mid }
        }
        return sortedDegrees.count - lo
    }

    /// Evaluates the walk (or the exact method) with `parameters` against the
    /// popularity baseline, under two protocols: full ranking (the held-out
    /// item's pessimistic rank among the walk's top `max(cutoffs) + 1`
    /// results, items the user has seen left out) and sampled ranking (among
    /// `negatives` items the user has not seen, drawn per user with the
    /// parameters' seed). Popularity ranks items by ``degree``.
    ///
    /// - Parameters:
    ///   - parameters: the walk parameters (`top` and `lenient` are set here).
    ///   - cutoffs: the K of HR@K and NDCG@K; the first is also coverage's.
    ///   - negatives: sampled negatives per user; a user with fewer unseen
    ///     items counts as a miss under the sampled protocol.
    ///   - queryWeights: how the user's training items weigh in the query.
    ///   - label: names the setting in progress reports.
    ///   - ranker: a learned ranker to evaluate against the walk alone: each
    ///     user is also queried with it (the same walk, seed and
    ///     negatives), into ``EvaluationResult/ranked``, and the per-user
    ///     differences into ``EvaluationResult/difference``.
    ///   - progress: called with what is being done.
    /// - Returns: the metrics, summed over users, and the query latencies.
    /// - Throws: the walk's errors.
    public func evaluate(_ parameters: WalkParameters, cutoffs ks: [Int], negatives negativeCount: Int = 99,
                         queryWeights: QueryWeighting = .uniform, label: String? = nil, ranker: Ranker? = nil,
                         progress: ((EvaluationProgress) -> Void)? = nil) throws -> EvaluationResult {
        var r = EvaluationResult(parameters: parameters)
        if ranker != nil {
            r.ranked = RankingScores()
            r.difference = RankingScores()
        }
        let maxK = ks.max()!
        var p = parameters
        p.top = maxK + 1
        p.lenient = true
        p.ranker = nil
        var pr = p
        pr.ranker = ranker
        let start = Date()
        progress?(.evaluating(users: users.count, label: label))
        for (n, u) in users.enumerated() {
            if n > 0, let progress { progress(.evaluated(done: n, total: users.count, label: label, seconds: Date().timeIntervalSince(start))) }
            var rng = SeededGenerator(seed: parameters.seed &+ u.user &* 0x9E37_79B9_7F4A_7C15)
            let seen = interacted[u.user] ?? []
            var negatives: [UInt64] = []
            if items.count - seen.count >= negativeCount {
                var chosen = Set<UInt64>()
                while chosen.count < negativeCount {
                    let c = items[Int(rng.next() % UInt64(items.count))]
                    if !seen.contains(c) { chosen.insert(c) }
                }
                negatives = chosen.sorted()
            }
            // Query weights.
            var q: [PinID: Double] = [:]
            let ordered = u.history.sorted { ($0.time ?? 0, $0.item) > ($1.time ?? 0, $1.item) }
            for (rank, h) in ordered.enumerated() {
                let w: Double = switch queryWeights {
                case .weight: h.weight
                case .recency: 1 / Double(rank + 1)
                case .uniform: 1
                }
                q[PinID(h.item), default: 0] += w
            }
            p.seed = parameters.seed &+ UInt64(n)
            let t0 = DispatchTime.now().uptimeNanoseconds
            let result = try view.walk(pins: q, parameters: p)
            r.latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            let candidates = [u.held] + negatives
            let scores = try view.score(candidates: candidates.map { PinID($0) }, pins: q, parameters: p)
            // Full ranking: among the returned top maxK+1 (query pins are never returned).
            let target = scores[0]
            var full = Int.max
            if target > 0 {
                let above = result.recommendations.filter { $0.pin != PinID(u.held) && !seen.contains($0.pin!.rawValue) && $0.score >= target }.count
                full = above >= maxK ? Int.max : above + 1
            }
            let sampled = RankingMetrics.pessimisticRank(target: target, others: Array(scores.dropFirst()))
            r.walk.add(full: full, sampled: negatives.isEmpty ? Int.max : sampled, ks)
            if ranker != nil {
                // The same user with the ranker: its top results, and its scores of the same candidates.
                let t1 = DispatchTime.now().uptimeNanoseconds
                let ranked = try graph.walk(pins: q, parameters: pr)
                r.rankedLatencies.append(Double(DispatchTime.now().uptimeNanoseconds - t1) / 1e6)
                let rs = try graph.score(candidates: candidates.map { PinID($0) }, pins: q, parameters: pr)
                var rfull = Int.max
                if let hit = ranked.recommendations.first(where: { $0.pin == PinID(u.held) }) {
                    // Pessimistic, as for the walk: unseen results scoring at least as much rank above it.
                    let above = ranked.recommendations.filter {
                        $0.pin != PinID(u.held) && !seen.contains($0.pin!.rawValue) && $0.score >= hit.score
                    }.count
                    rfull = above >= maxK ? Int.max : above + 1
                }
                let rsampled = negatives.isEmpty ? Int.max
                    : RankingMetrics.pessimisticRank(target: rs[0], others: Array(rs.dropFirst()))
                r.ranked!.add(full: rfull, sampled: rsampled, ks)
                r.difference!.addDifference(full: (rfull, full), sampled: (rsampled, negatives.isEmpty ? Int.max : sampled), ks)
                for rec in ranked.recommendations.prefix(ks[0]) { r.rankedRecommended.insert(rec.pin!.rawValue) }
            }
            for rec in result.recommendations.prefix(ks[0]) {
                r.recommended.insert(rec.pin!.rawValue)
                r.popularitySum += Double(degree[rec.pin!.rawValue] ?? 0)
                r.popularityCount += 1
            }
            // Popularity baseline, same protocol.
            // Items of the catalogue at least as popular as the held-out one,
            // less those the user has seen (the held-out one among them):
            // O(log n + |seen|) per user rather than a pass over the catalogue.
            let hdi = degree[u.held] ?? 0
            var popAbove = itemsWithDegree(atLeast: hdi)
            for item in seen where catalogue.contains(item) && (degree[item] ?? 0) >= hdi { popAbove -= 1 }
            let hd = Double(hdi)
            let popSampled = RankingMetrics.pessimisticRank(target: hd, others: negatives.map { Double(degree[$0] ?? 0) })
            r.popularity.add(full: popAbove + 1, sampled: negatives.isEmpty ? Int.max : popSampled, ks)
            r.users += 1
        }
        r.seconds = Date().timeIntervalSince(start)
        r.catalogueSize = items.count
        return r
    }
}

/// HR@K and NDCG@K of one method under the full and sampled protocols,
/// summed over users (with their squares, for standard errors).
public struct RankingScores: Sendable {
    public var hr: [Int: Double] = [:], ndcg: [Int: Double] = [:]
    public var sampledHR: [Int: Double] = [:], sampledNDCG: [Int: Double] = [:]
    /// Sums of the squared per-user values of the four metrics, in that order.
    public var squares: [[Int: Double]] = [[:], [:], [:], [:]]

    private mutating func add(_ values: (Double, Double, Double, Double), _ k: Int) {
        hr[k, default: 0] += values.0
        ndcg[k, default: 0] += values.1
        sampledHR[k, default: 0] += values.2
        sampledNDCG[k, default: 0] += values.3
        for (i, v) in [values.0, values.1, values.2, values.3].enumerated() { squares[i][k, default: 0] += v * v }
    }

    private static func values(full: Int, sampled: Int, _ k: Int) -> (Double, Double, Double, Double) {
        (RankingMetrics.hitRate(rank: full, k: k), RankingMetrics.ndcg(rank: full, k: k),
         RankingMetrics.hitRate(rank: sampled, k: k), RankingMetrics.ndcg(rank: sampled, k: k))
    }

    /// Adds one user's ranks (`Int.max` for a miss) at each cut-off.
    public mutating func add(full: Int, sampled: Int, _ ks: [Int]) {
        for k in ks { add(Self.values(full: full, sampled: sampled, k), k) }
    }

    /// Adds one user's difference between two methods (their ranks: `a`
    /// minus `b`), for the standard error of a paired comparison.
    public mutating func addDifference(full: (Int, Int), sampled: (Int, Int), _ ks: [Int]) {
        for k in ks {
            let a = Self.values(full: full.0, sampled: sampled.0, k), b = Self.values(full: full.1, sampled: sampled.1, k)
            add((a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3), k)
        }
    }

    /// The mean over `n` users of one of the sums at cut-off `k` (0 for no users).
    public func mean(_ d: [Int: Double], _ k: Int, _ n: Int) -> Double { n > 0 ? (d[k] ?? 0) / Double(n) : 0 }

    /// The standard error of the mean of metric `metric` (0: HR, 1: NDCG,
    /// 2: sampled HR, 3: sampled NDCG) at cut-off `k` over `n` users: the
    /// sample standard deviation / √n (0 for fewer than 2 users).
    public func standardError(_ metric: Int, _ k: Int, _ n: Int) -> Double {
        guard n > 1 else { return 0 }
        let sums = [hr, ndcg, sampledHR, sampledNDCG][metric]
        let m = (sums[k] ?? 0) / Double(n)
        let variance = max(0, ((squares[metric][k] ?? 0) - Double(n) * m * m) / Double(n - 1))
        return (variance / Double(n)).squareRoot()
    }
}

/// The metrics of one parameter setting.
public struct EvaluationResult: Sendable {
    /// The walk's (or exact method's) scores, and the popularity baseline's.
    public var walk = RankingScores(), popularity = RankingScores()
    /// With a ranker: the walk + ranker's scores, and the per-user
    /// differences (walk + ranker minus walk alone); nil without.
    public var ranked: RankingScores? = nil, difference: RankingScores? = nil
    /// With a ranker: milliseconds of each user's walk + ranking.
    public var rankedLatencies: [Double] = []
    /// With a ranker: items it recommended within the first cut-off.
    public var rankedRecommended: Set<UInt64> = []
    /// Users evaluated.
    public var users = 0
    /// Milliseconds of each user's walk.
    public var latencies: [Double] = []
    /// Items recommended within the first cut-off, over all users.
    public var recommended: Set<UInt64> = []
    /// Sum and count of the degrees of recommended items (within the first cut-off).
    public var popularitySum = 0.0, popularityCount = 0
    /// Wall time of the evaluation.
    public var seconds = 0.0
    /// The walk parameters evaluated.
    public var parameters: WalkParameters
    /// Items in the catalogue.
    public var catalogueSize = 0

    public init(parameters: WalkParameters = WalkParameters()) { self.parameters = parameters }

    /// Latency percentile in milliseconds (see ``percentile(_:ofSorted:)``).
    public func latencyPercentile(_ q: Double) -> Double { percentile(q, ofSorted: latencies.sorted()) }

    /// The fraction of the catalogue recommended within the first cut-off.
    public var coverage: Double { Double(recommended.count) / Double(max(catalogueSize, 1)) }

    /// The mean degree of recommended items.
    public var meanRecommendedDegree: Double { popularitySum / Double(max(popularityCount, 1)) }
}
