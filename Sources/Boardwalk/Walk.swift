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
    /// neighbours matching `language` and `topic`. `bw_query_set_bias`.
    public var bias: Double = 0
    /// The user's language, spelled as in the graph's attributes file; nil
    /// for no preference. Setting it without a bias biases nothing.
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
    /// Stop after this long and return what was found, marked
    /// ``WalkResult/partial``; nil for no limit. `bw_query_set_time_budget`.
    public var timeBudget: Duration? = nil
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
    /// The pin, if this is one; nil for a board.
    public var pin: PinID? { if case .pin(let p) = node { return p } else { return nil } }
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

extension Graph {
    func makeQuery(pins: [PinID: Double], boards: [BoardID: Double], parameters p: WalkParameters,
                           exclude: [PinID], candidates: [PinID]) throws -> QueryHandle {
        let q = try QueryHandle()
        let h = q.handle
        // Sorted, so the query is the same whatever the dictionary order.
        for (pin, w) in pins.sorted(by: { $0.key < $1.key }) {
            let rc = bw_query_add_pin(h, pin.rawValue, w)
            if rc == BW_EINVAL { throw BoardwalkError.invalidArgument("weight of pin \(pin) must be finite and >= 0, not \(w)") }
            try check(rc)
        }
        for (board, w) in boards.sorted(by: { $0.key < $1.key }) {
            let rc = bw_query_add_board(h, board.rawValue, w)
            if rc == BW_EINVAL { throw BoardwalkError.invalidArgument("weight of board \(board) must be finite and >= 0, not \(w)") }
            try check(rc)
        }
        func set(_ rc: Int32, _ what: @autoclosure () -> String) throws {
            if rc == BW_EINVAL { throw BoardwalkError.invalidArgument(what()) }
            try check(rc)
        }
        try set(bw_query_set_steps(h, p.steps), "steps must be 1 … \(BW_MAX_STEPS), not \(p.steps)")
        try set(bw_query_set_restart(h, p.restart), "restart must be in (0, 1], not \(p.restart)")
        guard p.top >= 1, p.top <= Int(BW_MAX_TOP) else { throw BoardwalkError.invalidArgument("top must be 1 … \(BW_MAX_TOP), not \(p.top)") }
        try set(bw_query_set_top(h, UInt32(p.top)), "top")
        if let e = p.earlyStop {
            try set(bw_query_set_early_stop(h, 1, e.np, e.nv), "early stopping thresholds must be at least 1")
        } else {
            try set(bw_query_set_early_stop(h, 0, 0, 0), "early stop")
        }
        try set(bw_query_set_boost(h, p.boost ? 1 : 0), "boost")
        if p.bias > 0 || p.language != nil || p.topic != nil {
            let l = try p.language.map { try attributeCode(BW_ATTR_LANGUAGE, $0) } ?? BW_ATTR_ANY
            let t = try p.topic.map { try attributeCode(BW_ATTR_TOPIC, $0) } ?? BW_ATTR_ANY
            try set(bw_query_set_bias(h, p.bias, l, t), "bias must be in [0, 1], not \(p.bias)")
        }
        try set(bw_query_set_popularity_penalty(h, p.popularityPenalty), "popularity penalty must be in [0, 2], not \(p.popularityPenalty)")
        try set(bw_query_set_seed(h, p.seed), "seed")
        if let budget = p.timeBudget {
            // Checked arithmetic: a negative fraction of a second (-0.5 s is
            // 0 s and -5e17 as) or 2^63 s must be an error, not a trap.
            let (s, atto) = budget.components
            guard budget >= .zero else { throw BoardwalkError.invalidArgument("time budget cannot be negative") }
            let (whole, o1) = UInt64(s).multipliedReportingOverflow(by: 1_000_000)
            let (us, o2) = whole.addingReportingOverflow(UInt64(atto / 1_000_000_000_000))
            let tooLong = "time budget must be at most \(UInt64.max / 1000) microseconds, not \(budget)"
            guard !o1, !o2 else { throw BoardwalkError.invalidArgument(tooLong) }
            try set(bw_query_set_time_budget(h, max(us, 1)), tooLong)
        }
        if p.method == .exact, p.bias > 0 {
            throw BoardwalkError.invalidArgument("the exact method has no biased counterpart: set bias to 0 or use the walk")
        }
        try set(bw_query_set_method(h, p.method == .exact ? BW_METHOD_EXACT : BW_METHOD_WALK), "method")
        try set(bw_query_set_exponent(h, p.exponent), "exponent must be in [0, 2], not \(p.exponent)")
        try set(bw_query_set_include_boards(h, p.includeBoards ? 1 : 0), "include boards")
        try set(bw_query_set_lenient(h, p.lenient ? 1 : 0), "lenient")
        for pin in exclude { try check(bw_query_exclude_pin(h, pin.rawValue)) }
        for pin in candidates { try check(bw_query_add_candidate(h, pin.rawValue)) }
        return q
    }

    /// In strict mode, names the first unknown query id.
    private func unknownError(pins: [PinID: Double], boards: [BoardID: Double]) -> BoardwalkError {
        if let p = pins.keys.sorted().first(where: { !contains($0) }) { return .unknownPin(p) }
        if let b = boards.keys.sorted().first(where: { !contains($0) }) { return .unknownBoard(b) }
        return .notFound("unknown query id")
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
            recs.append(Recommendation(node: kind == BW_BOARD ? .board(BoardID(id)) : .pin(PinID(id)), score: score, visits: visits))
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

    /// Runs `bw_recommend` for a query made by `makeQuery`.
    func runWalk(_ q: QueryHandle, pins: [PinID: Double], boards: [BoardID: Double], parameters: WalkParameters) throws
        -> WalkResult
    {
        var r: OpaquePointer?
        let rc = bw_recommend(handle, q.handle, &r)
        if rc == BW_ENOTFOUND { throw unknownError(pins: pins, boards: boards) }
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

    /// Runs `bw_score` for a query made by `makeQuery`.
    func runScore(_ q: QueryHandle, pins: [PinID: Double], boards: [BoardID: Double], parameters: WalkParameters) throws
        -> [Double]
    {
        var r: OpaquePointer?
        let rc = bw_score(handle, q.handle, &r)
        if rc == BW_ENOTFOUND { throw unknownError(pins: pins, boards: boards) }
        try checkRead(rc, parameters.method == .exact ? "the exact method" : "the walk")
        defer { bw_results_free(r) }
        return (0..<bw_results_count(r)).map { i in
            var s = 0.0
            _ = bw_results_get(r, i, nil, &s, nil)
            return s
        }
    }
}
