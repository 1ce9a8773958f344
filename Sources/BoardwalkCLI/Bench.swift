// `boardwalk bench`: walk throughput per thread count, and query latency for
// Pixie-sized queries, on a given graph.
import ArgumentParser
import Boardwalk
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure steps per second (1 … n threads) and query latency on a graph.",
        discussion: """
            Query pins are drawn at random from the graph with --seed. Results go into BENCHMARKS.md. \
            --live-edges FILE (and --remove-edges FILE) runs every walk over the graph plus those edges; \
            --live-edges N (a count: 100K, 10M) instead measures live edges: ingest of N generated edges \
            from one writer while a thread queries, memory per edge, and the walk over base + live \
            against the base alone in the same run.
            """)

    @Argument(help: ArgumentHelp("The graph file.", valueName: "graph"))
    var graph: String
    @Option(parsing: .unconditional, help: ArgumentHelp("Largest thread count for the throughput runs.", valueName: "n"))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(parsing: .unconditional, help: ArgumentHelp("Seconds per throughput run.", valueName: "s"))
    var seconds: Double = 3
    @Option(parsing: .unconditional, help: ArgumentHelp("Queries per latency run.", valueName: "n"))
    var queries: Int = 2000
    @Option(parsing: .unconditional, help: ArgumentHelp("Steps per latency query.", valueName: "n"))
    var steps: String = "100K"
    @Option(parsing: .unconditional, help: ArgumentHelp("Query pins per latency query.", valueName: "n"))
    var queryPins: Int = 1
    @Option(parsing: .unconditional, help: ArgumentHelp("Restart probability of the walks (default: the library's).", valueName: "alpha"))
    var restart: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed for drawing query pins.", valueName: "s"))
    var seed: UInt64 = 1
    @Option(name: .customLong("live-edges"), help: ArgumentHelp(
        "A count (10K, 1M) of live edges to generate and measure (ingest, memory, the walk over base + live against the base), "
            + "or a file of edges (build's syntax: pin<TAB>board[<TAB>time]) to add before every run.", valueName: "n|file"))
    var liveEdges: String?
    @Option(name: .customLong("remove-edges"), help: ArgumentHelp("Edges to remove before every run (pin<TAB>board), base or live; with --live-edges FILE or alone.", valueName: "file"))
    var removeEdges: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Edges per add call with --live-edges N.", valueName: "n"))
    var liveBatch: Int = 10_000
    @Flag(help: hugePagesHelp)
    var hugePages = false
    @Flag(help: "Print one JSON object.")
    var json = false
    @Flag(name: .shortAndLong, help: "No progress on standard error.")
    var quiet = false

    func validate() throws {
        if let restart { guard restart > 0, restart <= 1 else { throw ValidationError("--restart must be in (0, 1], not \(restart)") } }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, not \(threads)") }
        guard seconds > 0, seconds.isFinite, seconds <= 86400 else { throw ValidationError("--seconds must be in (0, 86400], not \(seconds)") }
        guard queries >= 1 else { throw ValidationError("--queries must be at least 1, not \(queries)") }
        guard queryPins >= 1 else { throw ValidationError("--query-pins must be at least 1, not \(queryPins)") }
        guard let n = parseCount(steps), n >= 1, n <= 1_000_000_000 else {
            throw ValidationError("--steps must be a count 1 … 1G, not \(steps)")
        }
        guard liveBatch >= 1 else { throw ValidationError("--live-batch must be at least 1, not \(liveBatch)") }
        if let n = generatedLiveEdges {
            guard n >= 1 else { throw ValidationError("--live-edges must be a count of at least 1 (or a file), not \(liveEdges!)") }
            if removeEdges != nil { throw ValidationError("--remove-edges goes with --live-edges FILE, not with a count") }
        }
    }

    /// --live-edges N: the count of edges to generate (nil for a file or none).
    /// A value in count syntax (digits, optionally K, M or G) is a count;
    /// to name a file that looks like one, write ./10M.
    var generatedLiveEdges: Int? { liveEdges.flatMap(parseCount) }

    /// A progress line on standard error (not with --quiet), as `build` prints them.
    func progress(_ text: String) {
        if !quiet { note("bench: " + text) }
    }

    func run() throws {
        try reportingFailures {
            // Opening is O(chunks): time it on its own before anything is cached by this process.
            // The first open also pays for process warm-up: report the median of 7.
            progress("opening \(graph) 7 times")
            var opens: [Double] = []
            for _ in 0..<7 {
                let openStart = DispatchTime.now().uptimeNanoseconds
                _ = try Graph(path: graph)
                opens.append(Double(DispatchTime.now().uptimeNanoseconds - openStart) / 1e3)
            }
            let openMicros = opens.sorted()[3]
            let openFull = DispatchTime.now().uptimeNanoseconds
            let g = try Graph(path: graph, options: hugePages ? [.prefault, .hugePages] : .prefault)
            let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - openFull) / 1e9
            let s = g.stats
            guard s.pins > 0 else { throw BoardwalkError.emptyQuery }
            var rng = SeededGenerator(seed: seed)
            func randomPins(_ n: Int) throws -> [PinID: Double] {
                var q: [PinID: Double] = [:]
                while q.count < min(n, Int(s.pins)) { q[try g.pin(at: UInt32(rng.next() % s.pins))] = 1 }
                return q
            }
            var report: [String: Any] = ["graph": graph, "pins": s.pins, "boards": s.boards, "edges": s.edges,
                                         "open_us": openMicros, "load_seconds": loadSeconds,
                                         "huge_page_method": g.hugePageMethod.name]
            if !json {
                print("graph \(graph): \(s.pins) pins, \(s.boards) boards, \(s.edges) edges")
                print(String(format: "open: %.0f µs median of 7 (%llu chunks, %@B file)", openMicros, s.chunks, human(Double(s.fileBytes))))
                print(String(format: "load: %.2fs to read and map the whole file%@", loadSeconds,
                             hugePages ? " into huge pages (\(g.hugePageMethod.name))" : ""))
                print("huge pages: \(hugePageWords(g.hugePages()))")
            }
            if let count = generatedLiveEdges {
                // The live-edge runs only: their walk has its own reference, the base alone, in the same run.
                let pool = try (0..<256).map { _ in try randomPins(1) }
                try runLive(g, count: count, pool: pool, report: &report)
                if json { try printJSON(report) }
                return
            }
            // --live-edges FILE / --remove-edges FILE: every walk below runs over base + live.
            let live = try LiveEdgeOptions.apply(add: liveEdges, remove: removeEdges, to: g, command: "bench")
            if let live {
                let st = live.liveStatistics
                report["live_edges"] = ["edges": st.edges, "removed": st.removed, "new_pins": st.newPins,
                                        "new_boards": st.newBoards] as [String: Any]
                if !json { print("live edges: \(st.edges) (\(st.newPins) new pins, \(st.newBoards) new boards), \(st.removed) removed: every walk below runs over them") }
            }
            @Sendable func walk(_ q: [PinID: Double], _ p: WalkParameters) throws -> WalkResult {
                try live.map { try $0.walk(pins: q, parameters: p) } ?? g.walk(pins: q, parameters: p)
            }
            if !json { print("throughput: one-pin queries of 1M steps, no early stopping, \(seconds)s per run") }
            progress("warming up: 3 walks of 1M steps")
            // Warm the page cache and the walk contexts.
            var warm = WalkParameters()
            if let restart { warm.restart = restart }
            warm.earlyStop = nil
            warm.steps = 1_000_000
            for _ in 0..<3 { _ = try walk(try randomPins(1), warm) }

            var throughput: [[String: Any]] = []
            var oneThread = 0.0
            // One pool of query pins for every thread count, so runs differ only in threads:
            // the cost of a step depends on where in the graph the walk is.
            let pool = try (0..<256).map { _ in try randomPins(1) }
            for t in 1...threads {
                progress(String(format: "throughput on %d thread%@ (%gs)", t, t == 1 ? "" : "s", seconds))
                let pools = (0..<t).map { i in (0..<256).map { pool[($0 + i * 256 / t) % 256] } }
                let counters = StepCounters(t)
                let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
                let start = DispatchTime.now().uptimeNanoseconds
                let base = warm
                DispatchQueue.concurrentPerform(iterations: t) { i in
                    var p = base
                    var k = 0
                    while DispatchTime.now().uptimeNanoseconds < deadline {
                        p.seed = UInt64(k)
                        if let r = try? walk(pools[i][k % 256], p) { counters.add(i, r.steps) }
                        k += 1
                    }
                }
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let rate = Double(counters.total) / elapsed
                if t == 1 { oneThread = rate }
                throughput.append(["threads": t, "steps_per_second": rate, "speedup": rate / oneThread])
                if !json {
                    print(String(format: "  %d thread%@: %@ steps/s (%@ per thread), %.2fx one thread", t, t == 1 ? "" : "s",
                                 human(rate), human(rate / Double(t)), rate / oneThread))
                }
            }
            report["throughput"] = throughput

            let n = UInt64(parseCount(steps)!)
            var latency: [[String: Any]] = []
            if !json { print("latency: \(queries) queries of \(n) steps from \(queryPins) random pin(s), one thread") }
            for early in [false, true] {
                var p = WalkParameters()
                if let restart { p.restart = restart }
                p.steps = n
                if !early { p.earlyStop = nil }
                let qs = try (0..<queries).map { _ in try randomPins(queryPins) }
                var times: [Double] = []
                var walked: UInt64 = 0
                let start = DispatchTime.now().uptimeNanoseconds
                progress("latency, early stopping \(early ? "on" : "off"): \(queries) queries of \(n) steps")
                var lastNote = start
                for (i, q) in qs.enumerated() {
                    if !quiet, i > 0, DispatchTime.now().uptimeNanoseconds - lastNote >= 1_000_000_000 {
                        lastNote = DispatchTime.now().uptimeNanoseconds
                        progress("latency, early stopping \(early ? "on" : "off"): \(i) of \(queries) queries")
                    }
                    p.seed = UInt64(i)
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let r = try walk(q, p)
                    times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                    walked += r.steps
                }
                let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                times.sort()
                func pct(_ x: Double) -> Double { percentile(x, ofSorted: times) }
                let row: [String: Any] = [
                    "early_stop": early, "p50_ms": pct(0.5), "p99_ms": pct(0.99), "p999_ms": pct(0.999),
                    "qps": Double(queries) / total, "mean_steps": Double(walked) / Double(queries),
                ]
                latency.append(row)
                if !json {
                    print(String(format: "  early stopping %@: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, %.0f queries/s, %.0f steps/query",
                                 early ? "on " : "off", pct(0.5), pct(0.99), pct(0.999), Double(queries) / total,
                                 Double(walked) / Double(queries)))
                }
            }
            report["latency"] = latency
            // After the runs: what the walks actually read.
            let huge = g.hugePages()
            report["huge_page_share"] = huge?.share ?? NSNull() as Any
            if json { try printJSON(report) } else { print("huge pages after the runs: \(hugePageWords(huge))") }
        }
    }
}

/// Per-thread step counters, padded so threads do not share cache lines.
final class StepCounters: @unchecked Sendable {
    // Unchecked: thread i writes only slot i * 8; the total is read after all threads joined.
    private let slots: UnsafeMutablePointer<UInt64>
    private let n: Int
    init(_ n: Int) {
        self.n = n
        slots = .allocate(capacity: n * 8)
        slots.initialize(repeating: 0, count: n * 8)
    }
    deinit { slots.deallocate() }
    func add(_ i: Int, _ v: UInt64) { slots[i * 8] += v }
    var total: UInt64 { (0..<n).reduce(0) { $0 + slots[$1 * 8] } }
}
