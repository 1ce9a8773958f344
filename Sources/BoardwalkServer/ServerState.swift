// What the request handlers share: the live graph, the walk pool, the writer
// thread, the limits and the counters behind /readyz and /metrics.
#if Server
import Boardwalk
import Foundation
import Logging
import Synchronization

final class ServerState: Sendable {
    /// The graph path; reloads reopen it (no request names a file).
    let path: String
    let options: OpenOptions
    /// The walks' threads: walks never run on the event loops.
    let pool: WalkPool
    let maxInFlight: Int
    let deadlineMs: Double
    let maxBodyBytes: Int
    /// The largest body of /v1/edges and /v1/edges/remove.
    let maxEdgeBodyBytes: Int
    /// Write requests (edges, removals, hides) admitted at once, running or
    /// waiting for the writer thread; beyond it, 503.
    let maxWritesInFlight: Int
    /// The cap on live edges, or nil for the library's default.
    let liveMaxEdges: UInt64?
    /// The admin bearer token, or nil: admin endpoints then answer 401.
    let adminToken: [UInt8]?
    let metrics: ServerMetrics
    let accessLog: AccessLog

    /// Walk requests admitted and not answered yet.
    let inFlight = Atomic<Int>(0)
    /// Write requests admitted and not answered yet.
    let writesInFlight = Atomic<Int>(0)
    /// The one thread that changes the live graph: ingests (parsing
    /// included), removals, hides and reloads, in arrival order. The C side
    /// serialises writers on a mutex; doing so here too keeps the event loops
    /// and the cooperative pool from blocking on it, and the walk threads
    /// free for walks.
    let writer = DispatchQueue(label: "boardwalk.writer", qos: .userInitiated)
    /// The live delta's counters as of the last write (bw_live_stat takes the
    /// writer's mutex, so /v1/graph and /metrics never call it: they read this).
    private let liveSnapshot = Mutex<LiveStatistics?>(nil)
    /// A graceful shutdown started.
    let draining = Atomic<Bool>(false)
    private let liveGraph = Mutex<LiveGraph?>(nil)

    /// The parameters of fields a request does not give (`--ranker`'s model).
    let defaults: WalkParameters

    init(defaults: WalkParameters, path: String, options: OpenOptions, threads: Int, maxInFlight: Int, deadlineMs: Double,
         maxBodyBytes: Int, maxEdgeBodyBytes: Int, maxWritesInFlight: Int, liveMaxEdges: UInt64?,
         adminToken: [UInt8]?, metrics: ServerMetrics, accessLog: AccessLog) {
        self.defaults = defaults
        self.path = path
        self.options = options
        self.pool = WalkPool(threads: threads)
        self.maxInFlight = maxInFlight
        self.deadlineMs = deadlineMs
        self.maxBodyBytes = maxBodyBytes
        self.maxEdgeBodyBytes = maxEdgeBodyBytes
        self.maxWritesInFlight = maxWritesInFlight
        self.liveMaxEdges = liveMaxEdges
        self.adminToken = adminToken
        self.metrics = metrics
        self.accessLog = accessLog
    }

    /// The live graph, once it is open and its pages were read.
    var live: LiveGraph? { liveGraph.withLock { $0 } }

    /// Ready: a graph is open and touched, and no shutdown started.
    var isReady: Bool { live != nil && !draining.load(ordering: .relaxed) }

    /// Opens the graph (verifying it reads every page; without --no-verify
    /// the pages are prefaulted). A graph that fails to open ends the
    /// process: a server with nothing to serve must not look alive.
    func openGraph(logger: Logger) {
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let g = try LiveGraph(path: path, options: options)
            if let liveMaxEdges { try g.setMaxEdges(liveMaxEdges) }
            refreshLive(g)
            liveGraph.withLock { $0 = g }
            metrics.graphChanged(g.current, generation: g.generation)
            let s = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            logger.info("graph open: \(path) in \(String(format: "%.3f", s)) s; ready")
        } catch {
            logger.critical("cannot open the graph: \(error)")
            FileHandle.standardError.write(Data("boardwalk serve: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Runs `body` on the writer thread and returns its result; the caller's
    /// task waits without blocking a thread.
    func write<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in writer.async { c.resume(returning: body()) } }
    }

    /// The live delta's counters as of the last write; nil before the graph is open.
    var liveStatistics: LiveStatistics? { liveSnapshot.withLock { $0 } }

    /// Reads the delta's counters after a write (on the writer thread, where
    /// bw_live_stat never waits) for /v1/graph and /metrics.
    func refreshLive(_ live: LiveGraph) {
        let s = live.liveStatistics
        liveSnapshot.withLock { $0 = s }
        metrics.liveChanged(s)
    }

    /// The outcome of a reload.
    struct Reload {
        var ok: Bool
        var error: String?
        var generation: UInt64
        var seconds: Double
        /// Live edges after the swap, and those it dropped (at or below the
        /// new base's watermark, or held by the new base).
        var liveEdges: UInt64 = 0
        var liveEdgesDropped: UInt64 = 0
    }

    /// Reopens the graph path and swaps it in on the writer thread; a file
    /// that fails to open (or to verify) is refused and the old graph stays
    /// live. The live delta is carried over to the new base (bw_live_swap).
    func reload(logger: Logger, trigger: String) async -> Reload {
        await write { self.reloadNow(logger: logger, trigger: trigger) }
    }

    /// The reload itself; runs on the writer thread (SIGHUP queues it there too).
    func reloadNow(logger: Logger, trigger: String) -> Reload {
        dispatchPrecondition(condition: .onQueue(writer))
        let start = DispatchTime.now().uptimeNanoseconds
        guard let live else {
            return Reload(ok: false, error: "the graph is not open yet", generation: 0, seconds: 0)
        }
        let before = liveStatistics?.edges ?? 0
        var result = Reload(ok: true, error: nil, generation: 0, seconds: 0)
        do {
            try live.swap(to: path, options: options)
        } catch {
            result.ok = false
            result.error = "\(error)"
        }
        result.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        result.generation = live.generation
        metrics.swapped(ok: result.ok, seconds: result.seconds)
        refreshLive(live)
        result.liveEdges = liveStatistics?.edges ?? 0
        result.liveEdgesDropped = before > result.liveEdges ? before - result.liveEdges : 0
        if result.ok {
            metrics.graphChanged(live.current, generation: result.generation)
            logger.info("\(trigger): reloaded \(path) (generation \(result.generation)) in \(String(format: "%.3f", result.seconds)) s; \(result.liveEdges) live edges kept, \(result.liveEdgesDropped) dropped")
        } else {
            logger.error("\(trigger): refused \(path), the old graph stays: \(result.error ?? "")")
        }
        return result
    }

    /// Whether `header` (an Authorization header) carries the admin token,
    /// compared in time that depends on the lengths only.
    func authorized(_ header: String?) -> Bool {
        guard let adminToken, let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst(7))
        var diff = UInt8(truncatingIfNeeded: given.count ^ adminToken.count)
        for i in 0..<given.count { diff |= given[i] ^ adminToken[i % adminToken.count] }
        return diff == 0
    }
}
#endif
