// LiveGraph: the graph a server queries, replaced while queries run.
import CBoardwalk

/// The graph a long-running service queries, replaceable at any time
/// without stopping: ``swap(to:options:)`` opens a new file and switches to
/// it atomically. A query that started before a swap finishes on the graph it
/// started with, which is closed when the last such query ends; queries that
/// start after the swap use the new graph. A file that fails to open never
/// replaces the current graph.
///
/// ```swift
/// let live = try LiveGraph(path: "/srv/pins.bwg", options: .verify)
/// // request handlers, on any thread:
/// let pins = try live.recommend(pins: [PinID(42): 1])
/// // daily, after the new file was renamed into place:
/// try live.swap(to: "/srv/pins.bwg", options: .verify)
/// ```
///
/// Thread-safe: every method may be called from any thread at any time.
///
/// The corresponding C type is `bw_live` (`bw_live_open`, `bw_live_swap`, …).
public final class LiveGraph: @unchecked Sendable {
    // Unchecked: every bw_live function used here is documented thread-safe;
    // the handle is freed in deinit, when no thread can hold `self`.
    let handle: OpaquePointer

    /// Opens the graph file at `path` and makes it live.
    ///
    /// - Parameters:
    ///   - path: The graph file.
    ///   - options: How to open it; ``OpenOptions/verify`` for files from elsewhere.
    /// - Throws: The errors of ``Graph/init(path:options:)``.
    ///
    /// The corresponding C function is `bw_live_open`.
    public init(path: String, options: OpenOptions = []) throws {
        var h: OpaquePointer?
        try BoardwalkError.opening(path) { bw_live_open(path, options.rawValue, &h, $0, $1) }
        handle = h!
    }

    /// Makes an already open graph live; the live graph keeps its own
    /// reference, so `graph` may be released.
    ///
    /// - Parameter graph: The graph to serve.
    /// - Throws: ``BoardwalkError/outOfMemory``.
    ///
    /// The corresponding C function is `bw_live_new`.
    public init(graph: Graph) throws {
        var h: OpaquePointer?
        let rc = bw_live_new(graph.handle, &h)
        if rc != 0 { throw BoardwalkError.fromCode(rc, "") }
        handle = h!
    }

    deinit { bw_live_close(handle) }

    /// The live base graph. Keep the returned object for as long as several
    /// calls must see the same graph; a swap meanwhile does not affect it,
    /// and it stays open until released. It does not see live edges (the
    /// live graph's own ``recommend(pins:boards:parameters:exclude:)-9xc2y``
    /// and ``score(candidates:pins:boards:parameters:)`` do).
    ///
    /// The corresponding C function is `bw_live_acquire`.
    public var current: Graph {
        var g: OpaquePointer?
        _ = bw_live_acquire(handle, &g)  // cannot fail on a valid handle
        return Graph(adopting: g!)
    }

    /// How many graphs were made live after the first.
    ///
    /// The corresponding C function is `bw_live_generation`.
    public var generation: UInt64 { bw_live_generation(handle) }

    /// Opens the graph file at `path` and, if that succeeds, makes it live.
    /// `path` may be the current graph's path after a new file was renamed
    /// over it. Use `.verify` for files that come from elsewhere. Concurrent
    /// swaps are serialised.
    ///
    /// - Parameters:
    ///   - path: The new graph file.
    ///   - options: How to open it.
    /// - Throws: The errors of ``Graph/init(path:options:)``; the live graph
    ///   is then unchanged.
    ///
    /// The corresponding C function is `bw_live_swap`.
    public func swap(to path: String, options: OpenOptions = []) throws {
        try BoardwalkError.opening(path) { bw_live_swap(handle, path, options.rawValue, $0, $1) }
    }

    /// Makes an already open graph live, as a swap does.
    ///
    /// - Parameter graph: The graph to serve from now on.
    ///
    /// The corresponding C function is `bw_live_replace`.
    public func replace(with graph: Graph) {
        _ = bw_live_replace(handle, graph.handle)  // fails only on NULL handles
    }

    /// ``Graph/recommend(pins:boards:parameters:exclude:)-45eh4`` on the live
    /// graph: the walk finishes on the graph that was live when it started.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins first.
    /// - Throws: The errors of ``Graph/walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_live_recommend`.
    public func recommend(pins: [PinID: Double], boards: [BoardID: Double] = [:],
                          parameters: WalkParameters = WalkParameters(), exclude: [PinID] = []) throws -> [Recommendation] {
        try walk(pins: pins, boards: boards, parameters: parameters, exclude: exclude).recommendations
    }

    /// ``Graph/walk(pins:boards:parameters:exclude:)-5uqle`` on the live
    /// graph, base plus live edges.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins (and boards, if asked) with the walk's counters.
    /// - Throws: The errors of ``Graph/walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_live_recommend`.
    public func walk(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                     exclude: [PinID] = []) throws -> WalkResult {
        let g = current
        let q = try g.makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: exclude, candidates: [])
        return try g.runWalk(q, pins: pins, boards: boards, parameters: parameters, live: self)
    }

    /// ``Graph/score(candidates:pins:boards:parameters:)-99ms`` on the live
    /// graph, base plus live edges.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score per candidate (0 for a pin never reached or unknown).
    /// - Throws: The errors of ``Graph/score(candidates:pins:boards:parameters:)-99ms``.
    ///
    /// The corresponding C function is `bw_live_score`.
    public func score(candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                      parameters: WalkParameters = WalkParameters()) throws -> [Double] {
        let g = current
        let q = try g.makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try g.runScore(q, pins: pins, boards: boards, parameters: parameters, live: self)
    }

    /// ``Graph/candidateScores(_:pins:boards:parameters:)`` over the base and
    /// the live edges: the scores, and the features when asked for.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score (and feature row) per candidate.
    /// - Throws: The errors of ``Graph/score(candidates:pins:boards:parameters:)-99ms``.
    ///
    /// The corresponding C functions are `bw_live_score` and `bw_results_features`.
    public func candidateScores(_ candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                                parameters: WalkParameters = WalkParameters()) throws -> CandidateScores {
        let g = current
        let q = try g.makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try g.runScoreDetailed(q, pins: pins, boards: boards, parameters: parameters, live: self)
    }

    /// The async ``recommend(pins:boards:parameters:exclude:)``: the walk runs
    /// off the cooperative thread pool, on the bounded pool of
    /// ``Graph/walk(pins:boards:parameters:exclude:)-8f4hl``.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins first.
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of ``Graph/walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_live_recommend`.
    public func recommend(pins: [PinID: Double], boards: [BoardID: Double] = [:],
                          parameters: WalkParameters = WalkParameters(), exclude: [PinID] = []) async throws
        -> [Recommendation]
    {
        try await walk(pins: pins, boards: boards, parameters: parameters, exclude: exclude).recommendations
    }
}
