// The Pixie random walk from Swift: parameters, results, and `recommend` /
// `score` on a Graph. Everything runs in the C library (`bw_recommend`,
// `bw_score`), so results equal those of every other binding.
import CBoardwalk
import Dispatch

/// The parameters of one walk. The defaults are Boardwalk's recommended
/// settings (see the README for the measurements behind them).
///
/// Each property is one setter of a C `bw_query` (`bw_query_set_steps`,
/// `bw_query_set_restart`, …), applied when a walk runs.
public struct WalkParameters: Sendable, Equatable {
    /// Total step budget N (a step is pin → board → pin), split across the
    /// query nodes as in Pixie. 1 … 10^9. `bw_query_set_steps`.
    public var steps: UInt64 = UInt64(BW_DEFAULT_STEPS)
    /// Restart probability α per step (mean walk length 1/α), in (0, 1].
    /// `bw_query_set_restart`.
    public var restart: Double = BW_DEFAULT_RESTART
    /// Number of results K, 1 … 1,000,000. `bw_query_set_top`.
    public var top: Int = Int(BW_DEFAULT_TOP)
    /// Early stopping: a query node stops walking once more than `np` pins
    /// have at least `nv` visits. nil walks the full budget.
    /// `bw_query_set_early_stop`.
    public var earlyStop: EarlyStop? = EarlyStop(np: BW_DEFAULT_EARLY_STOP_NP, nv: BW_DEFAULT_EARLY_STOP_NV)
    /// Multi-hit booster: score = (Σ_q √V_q)², favouring pins reached from
    /// several query nodes. `bw_query_set_boost`.
    public var boost: Bool = true
    /// Bias strength β in [0, 1]: the probability that a hop is drawn from
    /// neighbours matching `language` and `topic`. nil leaves it to the
    /// library: 1 when a language or topic is given, 0 otherwise.
    /// `bw_query_set_bias`, or `bw_query_set_preference` when nil.
    public var bias: Double? = nil
    /// The user's language, spelled as in the graph's attributes file; nil
    /// for no preference.
    public var language: String? = nil
    /// The user's topic, spelled as in the graph's attributes file; nil for
    /// no preference.
    public var topic: String? = nil
    /// Popularity penalty β in [0, 2] (RP3β): rank by score / degree^β. 0 is
    /// off. `bw_query_set_popularity_penalty`.
    public var popularityPenalty: Double = BW_DEFAULT_POPULARITY_PENALTY
    /// The seed: same graph, query, parameters and seed give the same
    /// results. `bw_query_set_seed`.
    public var seed: UInt64 = 0
    /// Stop after this many milliseconds and return what was found, marked
    /// ``WalkResult/partial``: positive, up to about 584 years, kept to
    /// whole microseconds (at least one); nil for no limit.
    /// `bw_query_set_time_budget_ms`.
    public var timeBudgetMilliseconds: Double? = nil
    /// ``timeBudgetMilliseconds`` as a `Duration` (nil when it has none, or
    /// one that no `Duration` holds, such as NaN).
    public var timeBudget: Duration? {
        get {
            guard let ms = timeBudgetMilliseconds, ms.isFinite, abs(ms) < 9e21 else { return nil }
            let seconds = (ms / 1000).rounded(.towardZero)
            return Duration(secondsComponent: Int64(seconds),
                            attosecondsComponent: Int64((ms - seconds * 1000) * 1e15))
        }
        set {
            timeBudgetMilliseconds = newValue.map { d in
                let (s, atto) = d.components
                return Double(s) * 1000 + Double(atto) / 1e15
            }
        }
    }
    /// Whether boards may be results too. `bw_query_set_include_boards`.
    public var includeBoards: Bool = false
    /// Skip query ids that are not in the graph (listed in the result)
    /// instead of failing with ``BoardwalkError/unknownPin(_:)``.
    /// `bw_query_set_lenient`.
    public var lenient: Bool = false
    /// How the query is answered: ``Method/walk`` (the default) or
    /// ``Method/exact``. `bw_query_set_method`.
    public var method: Method = .walk
    /// The exact method's exponent on transition probabilities (the α of
    /// P3α), 0 … 2; 1 uses plain probabilities. Ignored by the walk.
    /// `bw_query_set_exponent`.
    public var exponent: Double = 1
    /// A learned ranker (nil: none): the walk keeps its best
    /// `max(rankerTopN, top)` candidates, the model scores them from their
    /// features, and the results are the best `top` by the model's score
    /// (each result's ``Recommendation/score`` is the model's); scoring
    /// candidates returns the model's scores. `bw_query_set_ranker`.
    public var ranker: Ranker? = nil
    /// How many of the walk's candidates the ranker scores, 1 … 100,000;
    /// nil for the library's default (500). `bw_query_set_ranker`.
    public var rankerTopN: Int? = nil
    /// Whether each result carries its features (``Recommendation/features``,
    /// ``CandidateScores/features``), in ``CandidateFeatures/names`` order.
    /// `bw_query_set_features`.
    public var features: Bool = false

    /// How a query is answered.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Pixie's random walk: its cost is the step budget, whatever the
        /// size of the graph. `BW_METHOD_WALK`.
        case walk
        /// Exact 3-step scores without sampling: P3α, or RP3β with the
        /// popularity penalty. Scores are probabilities, not visit counts,
        /// and a result's `visits` is the number of boards it was reached
        /// through. It reads every pin of every board the query's pins are
        /// on: cheaper than a walk on small catalogues (a MovieLens-sized
        /// graph), far dearer on popular pins of a large graph. Steps,
        /// restart, early stopping, boosting and the seed do not apply; a
        /// bias is refused. `BW_METHOD_EXACT`.
        case exact
    }

    /// Early-stopping thresholds, as `bw_query_set_early_stop` takes them.
    public struct EarlyStop: Sendable, Equatable {
        /// Stop once more than `np` pins …
        public var np: UInt32
        /// … have at least `nv` visits.
        public var nv: UInt32
        /// Thresholds.
        ///
        /// - Parameters:
        ///   - np: At least 1.
        ///   - nv: At least 1.
        public init(np: UInt32, nv: UInt32) {
            self.np = np
            self.nv = nv
        }
    }

    /// The defaults: the `BW_DEFAULT_*` values of `boardwalk.h`.
    public init() {}
}

/// A recommended node: a pin, or a board when boards were asked for.
public enum RecommendedNode: Sendable, Hashable {
    /// A pin (`BW_PIN`).
    case pin(PinID)
    /// A board (`BW_BOARD`), only when ``WalkParameters/includeBoards`` is set.
    case board(BoardID)
}

/// One result of a walk: an entry of the C library's `bw_results`
/// (`bw_results_get`, `bw_results_kind`).
public struct Recommendation: Sendable, Equatable {
    /// The pin or board.
    public var node: RecommendedNode
    /// Its score: boosted visit count (or plain visits without boosting),
    /// divided by degree^β when a popularity penalty β is set (the default).
    /// With the exact method, the 3-step probability divided likewise.
    public var score: Double
    /// Visits from all query nodes together (the exact method: the number
    /// of boards the node was reached through).
    public var visits: UInt64
    /// Its features, in ``CandidateFeatures/names`` order, when
    /// ``WalkParameters/features`` asked for them; else nil.
    /// `bw_results_features`.
    public var features: [Double]? = nil
    /// The pin, if this is one; nil for a board.
    public var pin: PinID? { if case .pin(let p) = node { return p } else { return nil } }
}

/// The scores of given candidates (`bw_score`), in their order, with their
/// features when ``WalkParameters/features`` asked for them.
public struct CandidateScores: Sendable, Equatable {
    /// One score per candidate: the walk's (0 when never reached or not in
    /// the graph), or with a ranker the model's (-infinity for a pin that is
    /// not in the graph).
    public var scores: [Double]
    /// One row per candidate in ``CandidateFeatures/names`` order (zeros
    /// for a pin not in the graph); nil when not asked for.
    public var features: [[Double]]?
}

/// Everything a walk produced: the C library's `bw_results`.
public struct WalkResult: Sendable {
    /// The best nodes first; ties by kind (pins first), then ascending id.
    public var recommendations: [Recommendation]
    /// Steps walked (the exact method: adjacency entries read). `bw_results_steps`.
    public var steps: UInt64
    /// Wall time of the walk in microseconds. `bw_results_elapsed_us`.
    public var elapsedMicroseconds: UInt64
    /// True when the time budget cut the walk short. `bw_results_partial`.
    public var partial: Bool
    /// Query pins skipped as unknown (lenient mode). `bw_results_unknown`.
    public var unknownPins: [PinID]
    /// Query boards skipped as unknown (lenient mode). `bw_results_unknown`.
    public var unknownBoards: [BoardID]
}

/// A `bw_query`, owned. Sendable (unchecked) because, once built, it is only
/// read by walks (which take it const) and cancelled (`bw_query_cancel`,
/// thread-safe).
final class QueryHandle: @unchecked Sendable {
    let handle: OpaquePointer

    init() throws {
        var q: OpaquePointer?
        try check(bw_query_new(&q))
        handle = q!
    }

    deinit { bw_query_free(handle) }
}

extension WalkParameters {
    /// Sets every parameter on a C query. The C library checks each value
    /// and words the message (`bw_query_errmsg`): the rules live there once.
    /// - Parameters:
    ///   - h: the query.
    ///   - code: the graph's code for a language (`BW_ATTR_LANGUAGE`) or a
    ///     topic (`BW_ATTR_TOPIC`) name.
    fileprivate func apply(to h: OpaquePointer, code: (Int32, String) throws -> UInt32) throws {
        func set(_ rc: Int32) throws {
            if rc != 0 { throw BoardwalkError.fromCode(rc, String(cString: bw_query_errmsg(h))) }
        }
        try set(bw_query_set_steps(h, steps))
        try set(bw_query_set_restart(h, restart))
        // Only the C type's domain is checked here; the range is C's rule.
        guard let top32 = UInt32(exactly: top) else {
            throw BoardwalkError.invalidArgument("top must be an unsigned 32-bit integer, not \(top)")
        }
        try set(bw_query_set_top(h, top32))
        if let e = earlyStop {
            try set(bw_query_set_early_stop(h, 1, e.np, e.nv))
        } else {
            try set(bw_query_set_early_stop(h, 0, 0, 0))
        }
        try set(bw_query_set_boost(h, boost ? 1 : 0))
        let l = try language.map { try code(BW_ATTR_LANGUAGE, $0) } ?? BW_ATTR_ANY
        let t = try topic.map { try code(BW_ATTR_TOPIC, $0) } ?? BW_ATTR_ANY
        if let bias {
            try set(bw_query_set_bias(h, bias, l, t))
        } else {
            try set(bw_query_set_preference(h, l, t))
        }
        try set(bw_query_set_popularity_penalty(h, popularityPenalty))
        try set(bw_query_set_seed(h, seed))
        if let ms = timeBudgetMilliseconds { try set(bw_query_set_time_budget_ms(h, ms)) }
        try set(bw_query_set_method(h, method == .exact ? BW_METHOD_EXACT : BW_METHOD_WALK))
        try set(bw_query_set_exponent(h, exponent))
        try set(bw_query_set_include_boards(h, includeBoards ? 1 : 0))
        try set(bw_query_set_lenient(h, lenient ? 1 : 0))
        try set(bw_query_set_features(h, features ? 1 : 0))
        // 0 asks for the library's default; the range is C's rule.
        guard let topN = UInt32(exactly: rankerTopN ?? 0) else {
            throw BoardwalkError.invalidArgument("ranker_top_n must be an unsigned 32-bit integer, not \(rankerTopN!)")
        }
        if ranker != nil || rankerTopN != nil { try set(bw_query_set_ranker(h, ranker?.handle, topN)) }
    }

    /// Checks every parameter against the C library's rules without a
    /// graph, as a walk would (a language or topic name is checked against
    /// the graph when the walk runs): for tools that reject bad options
    /// before opening a graph.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` with the C
    ///   library's message, naming the parameter and the value.
    ///
    /// The C functions are the `bw_query_set_*` setters and `bw_query_errmsg`.
    public func validate() throws {
        let q = try QueryHandle()
        try apply(to: q.handle) { _, _ in 0 }
    }
}

extension Graph {
    func makeQuery(pins: [PinID: Double], boards: [BoardID: Double], parameters p: WalkParameters,
                   exclude: [PinID], candidates: [PinID]) throws -> QueryHandle {
        let q = try QueryHandle()
        let h = q.handle
        func add(_ rc: Int32) throws {
            if rc != 0 { throw BoardwalkError.fromCode(rc, String(cString: bw_query_errmsg(h))) }
        }
        // Sorted, so the query is the same whatever the dictionary order.
        for (pin, w) in pins.sorted(by: { $0.key < $1.key }) { try add(bw_query_add_pin(h, pin.rawValue, w)) }
        for (board, w) in boards.sorted(by: { $0.key < $1.key }) { try add(bw_query_add_board(h, board.rawValue, w)) }
        try p.apply(to: h) { try attributeCode($0, $1) }
        for pin in exclude { try add(bw_query_exclude_pin(h, pin.rawValue)) }
        for pin in candidates { try add(bw_query_add_candidate(h, pin.rawValue)) }
        return q
    }

    /// In strict mode on a live graph, names the first query id the union
    /// of base and live edges lacks (a live pin is known, a pin whose edges
    /// were all removed is not: the base cannot say). The C library says,
    /// from the same query run again leniently for one step; nil if it
    /// cannot. Consumes `q`.
    private func liveUnknownError(_ q: QueryHandle, _ live: LiveGraph, scoring: Bool) -> BoardwalkError? {
        guard bw_query_set_lenient(q.handle, 1) == 0, bw_query_set_steps(q.handle, 1) == 0 else { return nil }
        var r: OpaquePointer?
        let rc = scoring ? bw_live_score(live.handle, q.handle, &r) : bw_live_recommend(live.handle, q.handle, &r)
        defer { bw_results_free(r) }
        guard rc == 0, bw_results_unknown_count(r) > 0 else { return nil }
        var kind: Int32 = 0, id: UInt64 = 0
        _ = bw_results_unknown(r, 0, &kind, &id)
        return kind == BW_BOARD ? .unknownBoard(BoardID(id)) : .unknownPin(PinID(id))
    }

    /// In strict mode, names the first unknown query id.
    private func unknownError(pins: [PinID: Double], boards: [BoardID: Double]) -> BoardwalkError {
        if let p = pins.keys.sorted().first(where: { !contains($0) }) { return .unknownPin(p) }
        if let b = boards.keys.sorted().first(where: { !contains($0) }) { return .unknownBoard(b) }
        return .notFound("unknown query id")
    }

    /// Entry i's features, nil when the results carry none.
    private func features(_ r: OpaquePointer, _ i: Int) -> [Double]? {
        let m = bw_results_feature_count(r)
        guard m > 0 else { return nil }
        var row = [Double](repeating: 0, count: m)
        _ = bw_results_features(r, i, &row, m)
        return row
    }

    private func collect(_ r: OpaquePointer) -> WalkResult {
        var recs: [Recommendation] = []
        let n = bw_results_count(r)
        recs.reserveCapacity(n)
        for i in 0..<n {
            var id: UInt64 = 0, score = 0.0, visits: UInt64 = 0
            var kind: Int32 = 0
            _ = bw_results_get(r, i, &id, &score, &visits)
            _ = bw_results_kind(r, i, &kind)
            recs.append(Recommendation(node: kind == BW_BOARD ? .board(BoardID(id)) : .pin(PinID(id)), score: score, visits: visits,
                                       features: features(r, i)))
        }
        var unknownPins: [PinID] = [], unknownBoards: [BoardID] = []
        for i in 0..<bw_results_unknown_count(r) {
            var kind: Int32 = 0, id: UInt64 = 0
            _ = bw_results_unknown(r, i, &kind, &id)
            if kind == BW_BOARD { unknownBoards.append(BoardID(id)) } else { unknownPins.append(PinID(id)) }
        }
        return WalkResult(recommendations: recs, steps: bw_results_steps(r), elapsedMicroseconds: bw_results_elapsed_us(r),
                          partial: bw_results_partial(r) != 0, unknownPins: unknownPins, unknownBoards: unknownBoards)
    }

    /// Runs Pixie's random walk from weighted query pins (and boards) and
    /// returns the best pins with the walk's counters.
    ///
    /// Blocks the calling thread for the walk (about a millisecond for the
    /// default 100,000 steps); from async code use
    /// ``walk(pins:boards:parameters:exclude:)-8f4hl``, which runs it on a
    /// bounded pool of threads and can be cancelled.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0). A pin of
    ///     weight 0 starts no walk but is never returned.
    ///   - boards: Query boards with their weights; their walks start with a
    ///     board → pin hop.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins (and boards, if asked) with the walk's counters.
    /// - Throws: ``BoardwalkError/unknownPin(_:)`` or
    ///   ``BoardwalkError/unknownBoard(_:)`` (strict mode),
    ///   ``BoardwalkError/emptyQuery``, ``BoardwalkError/invalidArgument(_:)``,
    ///   ``BoardwalkError/notFound(_:)`` (an unknown language or topic),
    ///   ``BoardwalkError/corrupt(_:)`` (a damaged file opened without
    ///   verification).
    ///
    /// The corresponding C function is `bw_recommend`.
    public func walk(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                     exclude: [PinID] = []) throws -> WalkResult {
        let q = try makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: exclude, candidates: [])
        return try runWalk(q, pins: pins, boards: boards, parameters: parameters)
    }

    /// Runs `bw_recommend` for a query made by `makeQuery` (or
    /// `bw_live_recommend` on `live`, whose base this graph is).
    func runWalk(_ q: QueryHandle, pins: [PinID: Double], boards: [BoardID: Double], parameters: WalkParameters,
                 live: LiveGraph? = nil) throws -> WalkResult
    {
        var r: OpaquePointer?
        let rc = live.map { bw_live_recommend($0.handle, q.handle, &r) } ?? bw_recommend(handle, q.handle, &r)
        if rc == BW_ENOTFOUND {
            throw live.flatMap { liveUnknownError(q, $0, scoring: false) } ?? unknownError(pins: pins, boards: boards)
        }
        try checkRead(rc, parameters.method == .exact ? "the exact method" : "the walk")
        defer { bw_results_free(r) }
        return collect(r!)
    }

    /// The best pins for weighted query pins (and boards):
    /// ``walk(pins:boards:parameters:exclude:)-5uqle``'s recommendations.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins first.
    /// - Throws: The errors of ``walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_recommend`.
    public func recommend(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                          exclude: [PinID] = []) throws -> [Recommendation] {
        try walk(pins: pins, boards: boards, parameters: parameters, exclude: exclude).recommendations
    }

    /// The score of each candidate pin for this query, in the candidates'
    /// order: for re-rankers and offline evaluation.
    ///
    /// Runs the same walk (or exact method) as
    /// ``walk(pins:boards:parameters:exclude:)-5uqle`` and reads each candidate's
    /// score from it. Blocks the calling thread; from async code use
    /// ``score(candidates:pins:boards:parameters:)-160uu``.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score per candidate (0 for a pin the walk never reached
    ///   or that is not in the graph).
    /// - Throws: The errors of ``walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_score`.
    public func score(candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                      parameters: WalkParameters = WalkParameters()) throws -> [Double] {
        let q = try makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try runScore(q, pins: pins, boards: boards, parameters: parameters)
    }

    /// Runs `bw_score` for a query made by `makeQuery` (or `bw_live_score`
    /// on `live`, whose base this graph is).
    func runScore(_ q: QueryHandle, pins: [PinID: Double], boards: [BoardID: Double], parameters: WalkParameters,
                  live: LiveGraph? = nil) throws -> [Double]
    {
        try runScoreDetailed(q, pins: pins, boards: boards, parameters: parameters, live: live).scores
    }

    /// `bw_score` (or `bw_live_score`), with the features when the query asked for them.
    func runScoreDetailed(_ q: QueryHandle, pins: [PinID: Double], boards: [BoardID: Double], parameters: WalkParameters,
                          live: LiveGraph? = nil) throws -> CandidateScores
    {
        var r: OpaquePointer?
        let rc = live.map { bw_live_score($0.handle, q.handle, &r) } ?? bw_score(handle, q.handle, &r)
        if rc == BW_ENOTFOUND {
            throw live.flatMap { liveUnknownError(q, $0, scoring: true) } ?? unknownError(pins: pins, boards: boards)
        }
        try checkRead(rc, parameters.method == .exact ? "the exact method" : "the walk")
        defer { bw_results_free(r) }
        let n = bw_results_count(r)
        let scores = (0..<n).map { i in
            var s = 0.0
            _ = bw_results_get(r, i, nil, &s, nil)
            return s
        }
        let rows = bw_results_feature_count(r) > 0 ? (0..<n).map { features(r!, $0)! } : nil
        return CandidateScores(scores: scores, features: rows)
    }

    /// The scores of candidate pins, as
    /// ``score(candidates:pins:boards:parameters:)-99ms`` computes them, with
    /// each candidate's features when ``WalkParameters/features`` is set:
    /// what a team logs to train a ranker on.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score (and feature row) per candidate.
    /// - Throws: The errors of ``walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C functions are `bw_score` and `bw_results_features`.
    public func candidateScores(_ candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                                parameters: WalkParameters = WalkParameters()) throws -> CandidateScores {
        let q = try makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try runScoreDetailed(q, pins: pins, boards: boards, parameters: parameters)
    }
}
