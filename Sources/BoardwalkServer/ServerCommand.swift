// `boardwalk serve GRAPH …` (the CLI hands over to this program): options,
// start-up, signals and the graceful drain.
#if Server
import ArgumentParser
import Boardwalk
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import ServiceLifecycle

@main
struct ServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boardwalk serve",
        abstract: "Answer recommendations over HTTP: the --batch line format as JSON, Prometheus metrics, hot reload.",
        discussion: """
            The first line on stdout is `listening on http://HOST:PORT`. Endpoints: POST /v1/recommend, \
            POST /v1/score, GET /v1/graph, GET /healthz, GET /readyz, GET /metrics; with --admin-token-file: \
            POST /v1/edges, POST /v1/edges/remove, POST /v1/hide (live edges) and POST /v1/admin/reload \
            (openapi.yaml describes them). Walks see the base graph and the live edges. SIGHUP reloads \
            GRAPH, keeping the live edges newer than its watermark; SIGTERM drains and exits 0.
            """)

    @Argument(help: "The graph file; reloads reopen this path.")
    var graph: String

    @Option(help: "The address to bind (loopback by default: read endpoints answer whoever can reach it).")
    var host = "127.0.0.1"

    @Option(help: "The port; 0 picks a free one (see the first line on stdout).")
    var port = 8080

    @Option(help: "Walk threads (default: one per core). Walks never run on the event loops.")
    var threads: Int?

    @Option(help: "Walk requests admitted at once (running or waiting for a walk thread); beyond it, 503 with Retry-After (default: 16 per walk thread).")
    var maxInFlight: Int?

    @Option(help: "The deadline of a request that gives none (the time_budget_ms field or the X-Deadline-Ms header), in milliseconds.")
    var deadlineMs: Double = 1000

    @Option(help: "The largest request body, in bytes; larger ones get 413.")
    var maxBodyBytes = 1 << 20

    @Option(help: "The largest body of POST /v1/edges and /v1/edges/remove, in bytes; larger ones get 413.")
    var maxEdgeBodyBytes = 16 << 20

    @Option(help: "Write requests (edges, removals, hides) admitted at once, running or waiting for the one writer thread; beyond it, 503 with Retry-After.")
    var maxWritesInFlight = 4

    @Option(help: "The cap on live edges: past it the oldest segment of live edges is dropped whole (default: the library's, 2^28).")
    var liveMaxEdges: UInt64?

    @Option(help: "Open connections at most; the next ones wait in the listen backlog.")
    var maxConnections = 1024

    @Option(help: "Seconds before an idle connection (or one that sends nothing) is closed.")
    var idleSeconds = 60

    @Option(help: "A file holding the bearer token of the admin endpoints; without it they answer 401.")
    var adminTokenFile: String?

    @Option(help: "How long SIGTERM waits for requests in flight, in seconds.")
    var drainSeconds = 10

    @Option(help: "Access log lines per second at most (0: none); the rest are counted in one line per second.")
    var accessLogPerSecond = 10

    @Flag(help: "Open (and reopen) without checking every checksum: faster, for files this machine built.")
    var noVerify = false

    @Flag(help: "Open (and reopen) the graph into 2 MiB pages, where walks run up to twice as fast; see README, Huge pages.")
    var hugePages = false

    @Option(help: "A learned ranker's model file (Tools/ranker/train.py): every request is ranked by it. Requests may not name one.")
    var ranker: String?

    func validate() throws {
        if !(0...65535).contains(port) { throw ValidationError("--port must be in 0...65535, not \(port)") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, not \(threads)") }
        if let maxInFlight, maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1, not \(maxInFlight)") }
        if maxBodyBytes < 1 { throw ValidationError("--max-body-bytes must be at least 1, not \(maxBodyBytes)") }
        if maxEdgeBodyBytes < 1 { throw ValidationError("--max-edge-body-bytes must be at least 1, not \(maxEdgeBodyBytes)") }
        if maxWritesInFlight < 1 { throw ValidationError("--max-writes-in-flight must be at least 1, not \(maxWritesInFlight)") }
        if let liveMaxEdges, !LiveGraph.maxEdgesRange.contains(liveMaxEdges) {
            let r = LiveGraph.maxEdgesRange
            throw ValidationError("--live-max-edges must be in \(r.lowerBound) ... \(r.upperBound), not \(liveMaxEdges)")
        }
        if maxConnections < 1 { throw ValidationError("--max-connections must be at least 1, not \(maxConnections)") }
        if idleSeconds < 1 { throw ValidationError("--idle-seconds must be at least 1, not \(idleSeconds)") }
        if drainSeconds < 0 { throw ValidationError("--drain-seconds must be at least 0, not \(drainSeconds)") }
        if accessLogPerSecond < 0 { throw ValidationError("--access-log-per-second must be at least 0, not \(accessLogPerSecond)") }
        // The C library holds the deadline's range (time_budget_ms).
        var p = WalkParameters()
        p.timeBudgetMilliseconds = deadlineMs
        do { try p.validate() } catch { throw ValidationError("--deadline-ms: \(error)") }
    }

    /// How the graph is opened and reopened.
    var openOptions: OpenOptions {
        var o: OpenOptions = noVerify ? [.prefault] : [.verify, .prefault]
        if hugePages { o.insert(.hugePages) }
        return o
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "boardwalk-server")
        let token = try adminTokenFile.map(readToken)
        let width = threads ?? ProcessInfo.processInfo.activeProcessorCount
        var defaults = WalkParameters()
        defaults.ranker = try ranker.map { try Ranker(path: $0) }
        let state = ServerState(defaults: defaults,
            path: graph, options: openOptions, threads: width,
            maxInFlight: maxInFlight ?? 16 * width, deadlineMs: deadlineMs, maxBodyBytes: maxBodyBytes,
            maxEdgeBodyBytes: maxEdgeBodyBytes, maxWritesInFlight: maxWritesInFlight, liveMaxEdges: liveMaxEdges,
            adminToken: token, metrics: ServerMetrics(), accessLog: AccessLog(logger: logger, perSecond: accessLogPerSecond))

        let router = Router()
        router.add(middleware: RequestObserver(state: state))
        Routes(state: state).register(on: router)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(Int64(idleSeconds)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "boardwalk",
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections)),
            onServerRunning: { channel in
                let line = "listening on http://\(shownHost):\(channel.localAddress?.port ?? 0)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
                // Serve /healthz at once; the graph opens (and its pages are read) meanwhile.
                Task.detached { state.openGraph(logger: logger) }
            },
            logger: Logger(label: "boardwalk-server.http", factory: { _ in SwiftLogNoOpLogHandler() }))
        let hangup = reloadOnHangup(state: state, logger: logger)
        defer { hangup.cancel() }
        var config = ServiceGroupConfiguration(
            services: [.init(service: app), .init(service: DrainWatcher(state: state, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        config.maximumGracefulShutdownDuration = .seconds(drainSeconds)
        try await ServiceGroup(configuration: config).run()
        logger.info("drained, exiting")
    }

    /// The admin token: the file's first line, spaces around it removed.
    private func readToken(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--admin-token-file: cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let token = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        if token.isEmpty { throw ValidationError("--admin-token-file: \(path) holds no token") }
        return Array(token.utf8)
    }

    /// SIGHUP reopens the graph path, as POST /v1/admin/reload does, on the
    /// writer thread (after the writes before it).
    private func reloadOnHangup(state: ServerState, logger: Logger) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: state.writer)
        source.setEventHandler { _ = state.reloadNow(logger: logger, trigger: "SIGHUP") }
        source.resume()
        return source
    }
}

/// Marks the server as draining (GET /readyz answers 503) as soon as a
/// graceful shutdown starts; the service group stops the HTTP server after it.
struct DrainWatcher: Service {
    let state: ServerState
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        state.draining.store(true, ordering: .relaxed)
        logger.info("draining: no new connections, waiting for requests in flight")
    }
}
#endif
