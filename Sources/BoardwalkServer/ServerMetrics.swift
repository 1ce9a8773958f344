// /metrics: swift-metrics handles backed by a swift-prometheus registry,
// emitted in the Prometheus text format.
#if Server
import Boardwalk
import Foundation
import Metrics
import Prometheus
import Synchronization

final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let inFlightGauge: Metrics.Gauge
    private let generation: Metrics.Gauge
    private let pins: Metrics.Gauge
    private let boards: Metrics.Gauge
    private let edges: Metrics.Gauge
    private let hugePageShare: Metrics.Gauge
    private let swaps: Metrics.Counter
    private let failedSwaps: Metrics.Counter
    private let swapDuration: Metrics.Timer
    private let walks: Metrics.Counter
    private let earlyStopped: Metrics.Counter
    private let partial: Metrics.Counter
    private let steps: Metrics.Recorder
    // Live edges: the delta's counters after each write (bw_live_stat) ...
    private let liveEdges: Metrics.Gauge
    private let liveRemoved: Metrics.Gauge
    private let liveNewPins: Metrics.Gauge
    private let liveNewBoards: Metrics.Gauge
    private let liveHidden: Metrics.Gauge
    private let liveSegments: Metrics.Gauge
    private let liveMaxEdges: Metrics.Gauge
    private let liveBytes: Metrics.Gauge
    private let liveExpired: Metrics.Counter
    private let lastExpired = Mutex<UInt64>(0)
    // ... and what the writes did.
    private let edgesAdded: Metrics.Counter
    private let edgesDuplicate: Metrics.Counter
    private let edgesRefused: Metrics.Counter
    private let edgesRemoved: Metrics.Counter
    private let edgesMissing: Metrics.Counter
    private let nodesHidden: Metrics.Counter
    private let ingestRate: Metrics.Gauge
    private let ingestDuration: Metrics.Timer
    private let removeDuration: Metrics.Timer

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["boardwalk_walk_steps"] = [
            1_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 10_000_000, 100_000_000,
        ]
        MetricsSystem.bootstrap(factory)
        inFlightGauge = Metrics.Gauge(label: "boardwalk_in_flight_requests")
        generation = Metrics.Gauge(label: "boardwalk_graph_generation")
        pins = Metrics.Gauge(label: "boardwalk_graph_pins")
        boards = Metrics.Gauge(label: "boardwalk_graph_boards")
        edges = Metrics.Gauge(label: "boardwalk_graph_edges")
        hugePageShare = Metrics.Gauge(label: "boardwalk_graph_huge_page_share")
        swaps = Metrics.Counter(label: "boardwalk_graph_swaps_total")
        failedSwaps = Metrics.Counter(label: "boardwalk_graph_swaps_failed_total")
        swapDuration = Metrics.Timer(label: "boardwalk_graph_swap_duration_seconds")
        walks = Metrics.Counter(label: "boardwalk_walks_total")
        earlyStopped = Metrics.Counter(label: "boardwalk_walks_early_stopped_total")
        partial = Metrics.Counter(label: "boardwalk_walks_partial_total")
        steps = Metrics.Recorder(label: "boardwalk_walk_steps", aggregate: true)
        liveEdges = Metrics.Gauge(label: "boardwalk_live_edges")
        liveRemoved = Metrics.Gauge(label: "boardwalk_live_removed_edges")
        liveNewPins = Metrics.Gauge(label: "boardwalk_live_new_pins")
        liveNewBoards = Metrics.Gauge(label: "boardwalk_live_new_boards")
        liveHidden = Metrics.Gauge(label: "boardwalk_live_hidden_nodes")
        liveSegments = Metrics.Gauge(label: "boardwalk_live_segments")
        liveMaxEdges = Metrics.Gauge(label: "boardwalk_live_max_edges")
        liveBytes = Metrics.Gauge(label: "boardwalk_live_bytes")
        liveExpired = Metrics.Counter(label: "boardwalk_live_edges_expired_total")
        edgesAdded = Metrics.Counter(label: "boardwalk_live_edges_added_total")
        edgesDuplicate = Metrics.Counter(label: "boardwalk_live_edges_duplicate_total")
        edgesRefused = Metrics.Counter(label: "boardwalk_live_edges_refused_total")
        edgesRemoved = Metrics.Counter(label: "boardwalk_live_edges_removed_total")
        edgesMissing = Metrics.Counter(label: "boardwalk_live_edges_missing_total")
        nodesHidden = Metrics.Counter(label: "boardwalk_live_nodes_hidden_total")
        ingestRate = Metrics.Gauge(label: "boardwalk_live_ingest_edges_per_second")
        ingestDuration = Metrics.Timer(label: "boardwalk_live_write_duration_seconds", dimensions: [("op", "add")])
        removeDuration = Metrics.Timer(label: "boardwalk_live_write_duration_seconds", dimensions: [("op", "remove")])
        for c in [swaps, failedSwaps, walks, earlyStopped, partial, liveExpired, edgesAdded, edgesDuplicate, edgesRefused,
                  edgesRemoved, edgesMissing, nodesHidden] { c.increment(by: 0) }
        for e in ["recommend", "score", "edges", "edges_remove", "hide"] { Metrics.Counter(label: "boardwalk_shed_requests_total", dimensions: [("endpoint", e)]).increment(by: 0) }
    }

    /// A request answered: counted by endpoint and status, its latency by endpoint.
    func request(endpoint: String, status: Int, nanoseconds: UInt64) {
        Metrics.Counter(label: "boardwalk_http_requests_total", dimensions: [("endpoint", endpoint), ("status", String(status))])
            .increment()
        Metrics.Timer(label: "boardwalk_http_request_duration_seconds", dimensions: [("endpoint", endpoint)])
            .recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// A request refused by load shedding.
    func shed(endpoint: String) {
        Metrics.Counter(label: "boardwalk_shed_requests_total", dimensions: [("endpoint", endpoint)]).increment()
    }

    func setInFlight(_ n: Int) { inFlightGauge.record(n) }

    /// A walk answered: its steps, and whether it stopped early (converged)
    /// or ran out of time (partial).
    func walked(_ r: WalkResult, requestedSteps: UInt64) {
        walks.increment()
        steps.record(Int64(clamping: r.steps))
        if r.partial { partial.increment() } else if r.steps < requestedSteps { earlyStopped.increment() }
    }

    func swapped(ok: Bool, seconds: Double) {
        if ok { swaps.increment() } else { failedSwaps.increment() }
        swapDuration.recordNanoseconds(Int64(seconds * 1e9))
    }

    func graphChanged(_ g: Graph, generation gen: UInt64) {
        let s = g.stats
        generation.record(Int64(clamping: gen))
        pins.record(Int64(clamping: s.pins))
        boards.record(Int64(clamping: s.boards))
        edges.record(Int64(clamping: s.edges))
    }

    /// The live delta's counters, read after a write or a swap.
    func liveChanged(_ s: LiveStatistics) {
        liveEdges.record(Int64(clamping: s.edges))
        liveRemoved.record(Int64(clamping: s.removed))
        liveNewPins.record(Int64(clamping: s.newPins))
        liveNewBoards.record(Int64(clamping: s.newBoards))
        liveHidden.record(Int64(clamping: s.hidden))
        liveSegments.record(Int64(clamping: s.segments))
        liveMaxEdges.record(Int64(clamping: s.maxEdges))
        liveBytes.record(Int64(clamping: s.bytes))
        // The library's total since the live graph was made: the counter follows it.
        let grown = lastExpired.withLock { last -> UInt64 in
            defer { last = max(last, s.expired) }
            return s.expired > last ? s.expired - last : 0
        }
        if grown > 0 { liveExpired.increment(by: Int64(clamping: grown)) }
    }

    /// An add: what it did, and the writer's speed on it (edges of the
    /// request per second of parsing and adding).
    func added(_ c: LiveAddCounts, edges: Int, seconds: Double, applySeconds: Double) {
        edgesAdded.increment(by: Int64(clamping: c.added))
        edgesDuplicate.increment(by: Int64(clamping: c.duplicates))
        edgesRefused.increment(by: Int64(clamping: c.refused))
        ingestDuration.recordNanoseconds(Int64(applySeconds * 1e9))
        if edges > 0 && seconds > 0 { ingestRate.record(Double(edges) / seconds) }
    }

    /// A removal.
    func removed(_ c: LiveRemoveCounts, seconds: Double) {
        edgesRemoved.increment(by: Int64(clamping: c.removed))
        edgesMissing.increment(by: Int64(clamping: c.missing))
        removeDuration.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// Pins and boards hidden.
    func hid(_ n: Int) { nodesHidden.increment(by: Int64(n)) }

    /// The share of the graph's resident memory in 2 MiB pages, measured now
    /// (bw_graph_huge_pages: a read of /proc/self/smaps, once per scrape);
    /// -1 when the platform does not say or nothing is resident.
    func measureHugePages(_ g: Graph?) {
        hugePageShare.record(g?.hugePages()?.share ?? -1)
    }

    /// The Prometheus text exposition of every metric.
    func text() -> [UInt8] { registry.emitToBuffer() }
}
#endif
