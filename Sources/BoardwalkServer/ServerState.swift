// What the request handlers share: the live graph, the walk pool, the limits
// and the counters behind /readyz and /metrics.
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
    /// The admin bearer token, or nil: admin endpoints then answer 401.
    let adminToken: [UInt8]?
    let metrics: ServerMetrics
    let accessLog: AccessLog

    /// Walk requests admitted and not answered yet.
    let inFlight = Atomic<Int>(0)
    /// A graceful shutdown started.
    let draining = Atomic<Bool>(false)
    private let liveGraph = Mutex<LiveGraph?>(nil)
    /// Swaps are serialised here, so the metrics follow them in order.
    private let swapLock = Mutex<Void>(())

    /// The parameters of fields a request does not give (`--ranker`'s model).
    let defaults: WalkParameters

    init(defaults: WalkParameters, path: String, options: OpenOptions, threads: Int, maxInFlight: Int, deadlineMs: Double,
         maxBodyBytes: Int, adminToken: [UInt8]?, metrics: ServerMetrics, accessLog: AccessLog) {
        self.defaults = defaults
        self.path = path
        self.options = options
        self.pool = WalkPool(threads: threads)
        self.maxInFlight = maxInFlight
        self.deadlineMs = deadlineMs
        self.maxBodyBytes = maxBodyBytes
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

    /// The outcome of a reload.
    struct Reload {
        var ok: Bool
        var error: String?
        var generation: UInt64
        var seconds: Double
    }

    /// Reopens the graph path and swaps it in; a file that fails to open (or
    /// to verify) is refused and the old graph stays live.
    func reload(logger: Logger, trigger: String) -> Reload {
        swapLock.withLock { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            guard let live else {
                return Reload(ok: false, error: "the graph is not open yet", generation: 0, seconds: 0)
            }
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
            if result.ok {
                metrics.graphChanged(live.current, generation: result.generation)
                logger.info("\(trigger): reloaded \(path) (generation \(result.generation)) in \(String(format: "%.3f", result.seconds)) s")
            } else {
                logger.error("\(trigger): refused \(path), the old graph stays: \(result.error ?? "")")
            }
            return result
        }
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
