// Walks from async code: `walk`, `recommend` and `score` run on a fixed pool
// of as many threads as the machine has cores (never on the cooperative
// thread pool, never more walks at once than cores), and cancelling the task
// stops the walk in the C library (`bw_query_cancel`).
import CBoardwalk
import Foundation

extension QueryHandle {
    /// Stops the walks running on this query at their next clock check
    /// (thread-safe, `bw_query_cancel`).
    func cancel() { _ = bw_query_cancel(handle) }

    /// Whether ``cancel()`` was called (`bw_query_cancelled`).
    var isCancelled: Bool { bw_query_cancelled(handle) != 0 }
}

/// A fixed set of threads that run the walks of async callers, one walk per
/// thread at a time, in the order they were submitted.
///
/// Walks block their thread for milliseconds to seconds; on the cooperative
/// pool they would starve every other task, and on a concurrent Dispatch
/// queue a burst of requests would get a thread each (Dispatch adds threads
/// while its threads block), running more walks at once than there are
/// cores, each slower, with more memory. Here at most `width` walks run at
/// once; the others wait in a FIFO queue, costing nothing but the job.
package final class WalkPool: @unchecked Sendable {
    // Unchecked: `jobs`, `head`, `running` and `peak` are only touched with
    // `condition` locked.

    /// The pool async walks use: one thread per active core.
    package static let shared = WalkPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// How many walks may run at once.
    package let width: Int
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var running = 0
    private var peak = 0

    /// Starts `threads` worker threads (at least one); they live as long as
    /// the process.
    package init(threads: Int) {
        width = max(1, threads)
        for i in 0..<width {
            let t = Thread { [self] in self.work() }
            t.name = "boardwalk.walk.\(i)"
            t.qualityOfService = .userInitiated
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Queues a job; a worker runs it as soon as one is free.
    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// The most jobs that ran at once since the last call, which resets it
    /// to the number running now (a test hook).
    func takePeak() -> Int {
        condition.lock()
        defer { peak = running; condition.unlock() }
        return peak
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count { condition.wait() }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 {
                jobs.removeFirst(head)
                head = 0
            }
            running += 1
            peak = max(peak, running)
            condition.unlock()
            job()
            condition.lock()
            running -= 1
            condition.unlock()
        }
    }
}

/// Runs `body` (a walk on query `q`) on `pool` (the shared ``WalkPool``);
/// cancelling the calling task cancels `q`, which stops the walk within
/// microseconds. With a `deadline` (`DispatchTime` uptime nanoseconds), the
/// query's time budget becomes what is left of it when the walk starts (at
/// least 1 µs), so that time spent waiting for a thread counts: the answer is
/// then partial, never late. Throws `CancellationError` when the task was
/// cancelled, whether the walk had started, finished or not run at all.
func runOnWalkPool<T: Sendable>(_ q: QueryHandle, pool: WalkPool = .shared, deadline: UInt64? = nil,
                                _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try Task.checkCancellation()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            pool.submit {
                if q.isCancelled { return cont.resume(throwing: CancellationError()) }
                if let deadline {
                    let now = DispatchTime.now().uptimeNanoseconds
                    _ = bw_query_set_time_budget(q.handle, max(1, (deadline > now ? deadline - now : 0) / 1000))
                }
                let result = Result { try body() }
                if q.isCancelled { return cont.resume(throwing: CancellationError()) }
                cont.resume(with: result)
            }
        }
    } onCancel: {
        q.cancel()
    }
}

extension Graph {
    /// The async walk of ``walk(pins:boards:parameters:exclude:)-8f4hl`` for a
    /// service: on `pool`, with a deadline that the time waiting for a thread
    /// counts against (see `runOnWalkPool`).
    package func walk(_ r: WalkRequest, pool: WalkPool, deadline: UInt64?) async throws -> WalkResult {
        let q = try makeQuery(pins: r.pins, boards: r.boards, parameters: r.parameters, exclude: r.exclude, candidates: [])
        return try await runOnWalkPool(q, pool: pool, deadline: deadline) {
            try self.runWalk(q, pins: r.pins, boards: r.boards, parameters: r.parameters)
        }
    }

    /// The async scoring of ``score(candidates:pins:boards:parameters:)-160uu``
    /// for a service, as ``walk(_:pool:deadline:)`` runs a walk.
    package func score(_ r: WalkRequest, pool: WalkPool, deadline: UInt64?) async throws -> CandidateScores {
        let q = try makeQuery(pins: r.pins, boards: r.boards, parameters: r.parameters, exclude: [],
                              candidates: r.candidates ?? [])
        return try await runOnWalkPool(q, pool: pool, deadline: deadline) {
            try self.runScoreDetailed(q, pins: r.pins, boards: r.boards, parameters: r.parameters)
        }
    }
}

extension Graph {
    /// Runs Pixie's random walk from async code: the same answer as the
    /// synchronous ``walk(pins:boards:parameters:exclude:)-5uqle`` for the same
    /// arguments and seed.
    ///
    /// The walk runs on one of a fixed set of threads, as many as the
    /// machine has cores, never on the cooperative thread pool: long walks
    /// never starve other tasks, and a burst of requests never runs more
    /// walks at once than there are cores (the others wait their turn).
    /// Cancelling the task stops the walk at its next clock check (every
    /// 1,024 steps: microseconds) and throws `CancellationError`.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins (and boards, if asked) with the walk's counters.
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of the synchronous ``walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C functions are `bw_recommend` and `bw_query_cancel`.
    public func walk(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                     exclude: [PinID] = []) async throws -> WalkResult {
        let q = try makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: exclude, candidates: [])
        return try await runOnWalkPool(q) { try self.runWalk(q, pins: pins, boards: boards, parameters: parameters) }
    }

    /// The best pins for weighted query pins (and boards), from async code:
    /// ``walk(pins:boards:parameters:exclude:)-8f4hl``'s recommendations.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins first.
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of ``walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_recommend`.
    public func recommend(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                          exclude: [PinID] = []) async throws -> [Recommendation] {
        try await walk(pins: pins, boards: boards, parameters: parameters, exclude: exclude).recommendations
    }

    /// The score of each candidate pin, from async code: the same answer as
    /// the synchronous ``score(candidates:pins:boards:parameters:)-99ms``, run and
    /// cancelled as ``walk(pins:boards:parameters:exclude:)-8f4hl`` is.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score per candidate (0 for a pin the walk never reached
    ///   or that is not in the graph).
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of ``score(candidates:pins:boards:parameters:)-99ms``.
    ///
    /// The corresponding C functions are `bw_score` and `bw_query_cancel`.
    public func score(candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                      parameters: WalkParameters = WalkParameters()) async throws -> [Double] {
        let q = try makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try await runOnWalkPool(q) { try self.runScore(q, pins: pins, boards: boards, parameters: parameters) }
    }
}

extension LiveGraph {
    /// The async walk of a request over the base and the live edges for a
    /// service, on `pool` with a deadline, as ``Graph``'s
    /// `walk(_:pool:deadline:)` runs one on a graph. Returns the base graph
    /// the query was made on, for titles.
    package func walk(_ r: WalkRequest, pool: WalkPool, deadline: UInt64?) async throws -> (WalkResult, Graph) {
        let g = current
        let q = try g.makeQuery(pins: r.pins, boards: r.boards, parameters: r.parameters, exclude: r.exclude, candidates: [])
        let result = try await runOnWalkPool(q, pool: pool, deadline: deadline) {
            try g.runWalk(q, pins: r.pins, boards: r.boards, parameters: r.parameters, live: self)
        }
        return (result, g)
    }

    /// The async scoring of a request over the base and the live edges, as
    /// ``walk(_:pool:deadline:)`` runs a walk.
    package func score(_ r: WalkRequest, pool: WalkPool, deadline: UInt64?) async throws -> CandidateScores {
        let g = current
        let q = try g.makeQuery(pins: r.pins, boards: r.boards, parameters: r.parameters, exclude: [],
                                candidates: r.candidates ?? [])
        return try await runOnWalkPool(q, pool: pool, deadline: deadline) {
            try g.runScoreDetailed(q, pins: r.pins, boards: r.boards, parameters: r.parameters, live: self)
        }
    }

    /// ``Graph/walk(pins:boards:parameters:exclude:)-8f4hl`` on the live
    /// graph: the walk finishes on the graph that was live when it started.
    ///
    /// - Parameters:
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    ///   - exclude: Pins never to return.
    /// - Returns: The best pins with the walk's counters.
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of ``Graph/walk(pins:boards:parameters:exclude:)-5uqle``.
    ///
    /// The corresponding C function is `bw_live_recommend`.
    public func walk(pins: [PinID: Double], boards: [BoardID: Double] = [:], parameters: WalkParameters = WalkParameters(),
                     exclude: [PinID] = []) async throws -> WalkResult {
        let g = current
        let q = try g.makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: exclude, candidates: [])
        return try await runOnWalkPool(q) {
            try g.runWalk(q, pins: pins, boards: boards, parameters: parameters, live: self)
        }
    }

    /// ``Graph/score(candidates:pins:boards:parameters:)-160uu`` on the live graph.
    ///
    /// - Parameters:
    ///   - candidates: The pins to score, in the order of the answer.
    ///   - pins: Query pins with their weights (finite, >= 0).
    ///   - boards: Query boards with their weights.
    ///   - parameters: The walk's parameters.
    /// - Returns: One score per candidate.
    /// - Throws: `CancellationError` when the task is cancelled, otherwise
    ///   the errors of ``Graph/score(candidates:pins:boards:parameters:)-99ms``.
    ///
    /// The corresponding C function is `bw_live_score`.
    public func score(candidates: [PinID], pins: [PinID: Double], boards: [BoardID: Double] = [:],
                      parameters: WalkParameters = WalkParameters()) async throws -> [Double] {
        let g = current
        let q = try g.makeQuery(pins: pins, boards: boards, parameters: parameters, exclude: [], candidates: candidates)
        return try await runOnWalkPool(q) {
            try g.runScore(q, pins: pins, boards: boards, parameters: parameters, live: self)
        }
    }
}
