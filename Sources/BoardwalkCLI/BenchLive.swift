// `boardwalk bench GRAPH --live-edges N`: ingest speed (one writer adding N
// generated live edges in batches while one thread queries) and the walk
// over base + live against the base alone, in the same run (a ratio).
import Boardwalk
import Foundation

/// Resident memory of this process now, bytes (Linux; 0 elsewhere).
func currentRSS() -> UInt64 {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let f = text.split(separator: " ")
    guard f.count >= 2, let pages = UInt64(f[1]) else { return 0 }
    return pages * UInt64(sysconf(Int32(_SC_PAGESIZE)))
}

/// The query thread's stop flag and count, shared with the writer's thread.
final class QueryThreadState: @unchecked Sendable {
    // Unchecked: a lock guards both fields.
    private let lock = NSLock()
    private var stop = false
    private var queries: UInt64 = 0
    func requestStop() { lock.withLock { stop = true } }
    var stopRequested: Bool { lock.withLock { stop } }
    func answered() { lock.withLock { queries += 1 } }
    var count: UInt64 { lock.withLock { queries } }
}

extension Bench {
    /// N live edges, generated with the bench's seed: 80% between pins and
    /// boards of the base (uniform), 20% from a new pin (ids above the
    /// base's largest, N/8 of them) to a base board; times 1000, 1001, …
    /// Returned in batches of `batch`, ready for `addEdges(pins:boards:times:)`.
    func generatedLiveEdges(_ g: Graph, count: Int, batch: Int) throws -> [(pins: [PinID], boards: [BoardID], times: [UInt64])] {
        let s = g.stats
        var rng = SeededGenerator(seed: seed ^ 0x6C69_7665)
        let maxPin = try g.pin(at: UInt32(s.pins - 1)).rawValue  // ids are sorted
        let newPins = UInt64(count / 8 + 1)
        var out: [(pins: [PinID], boards: [BoardID], times: [UInt64])] = []
        var at = 0
        while at < count {
            let n = min(batch, count - at)
            var p: [PinID] = [], b: [BoardID] = [], t: [UInt64] = []
            p.reserveCapacity(n)
            b.reserveCapacity(n)
            t.reserveCapacity(n)
            for i in 0..<n {
                if rng.next() % 5 == 0 && maxPin < UInt64.max - newPins {
                    p.append(PinID(maxPin + 1 + rng.next() % newPins))
                } else {
                    p.append(try g.pin(at: UInt32(rng.next() % s.pins)))
                }
                b.append(try g.board(at: UInt32(rng.next() % s.boards)))
                t.append(1000 + UInt64(at + i))
            }
            out.append((p, b, t))
            at += n
        }
        return out
    }

    /// The live-edge runs; their numbers go into `report["live"]`.
    func runLive(_ g: Graph, count: Int, pool: [[PinID: Double]], report: inout [String: Any]) throws {
        let batches = try generatedLiveEdges(g, count: count, batch: liveBatch)
        let live = try LiveGraph(graph: g)
        // Room for every edge: the run measures ingest and walks, not expiry.
        let cap = min(max(LiveGraph.defaultMaxEdges, UInt64(count) * 2), LiveGraph.maxEdgesRange.upperBound)
        try live.setMaxEdges(cap)
        if !json {
            print("live edges: \(count) generated (80% between base nodes, 20% from \(count / 8 + 1) new pins), "
                  + "batches of \(liveBatch), one writer while one thread runs 20,000-step queries")
        }
        progress("live edges: adding \(count) in batches of \(liveBatch), a query thread running")
        let querier = QueryThreadState()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            var p = WalkParameters()
            p.steps = 20_000
            var i = 0
            while !querier.stopRequested {
                p.seed = UInt64(i)
                if (try? live.walk(pins: pool[i % pool.count], parameters: p)) != nil { querier.answered() }
                i += 1
            }
            done.signal()
        }
        let rss0 = currentRSS()
        thread.start()
        var added: UInt64 = 0, duplicates: UInt64 = 0
        let t0 = DispatchTime.now().uptimeNanoseconds
        for b in batches {
            let c = try live.addEdges(pins: b.pins, boards: b.boards, times: b.times)
            added += c.added
            duplicates += c.duplicates
        }
        let ingest = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        querier.requestStop()
        done.wait()
        let rss1 = currentRSS()
        let stats = live.liveStatistics
        let rate = Double(count) / ingest
        let rssPerEdge = Double(rss1 > rss0 ? rss1 - rss0 : 0) / Double(max(added, 1))
        let deltaPerEdge = Double(stats.bytes) / Double(max(added, 1))
        if !json {
            print(String(format: "  ingest: %@ edges/s (%.2fs; %llu added, %llu duplicates, %llu new pins), %llu queries meanwhile",
                         human(rate), ingest, added, duplicates, stats.newPins, querier.count))
            print(String(format: "  memory: %.1f bytes of RSS per live edge added (the delta's own count: %.1f)", rssPerEdge, deltaPerEdge))
        }

        // The walk on the base alone and on base + live: the same query pins
        // and seeds, no early stopping (equal work), alternated rounds.
        let n = UInt64(parseCount(steps)!)
        var p = WalkParameters()
        if let restart { p.restart = restart }
        p.steps = n
        p.earlyStop = nil
        let perRound = max(20, queries / 10)
        func round(_ useLive: Bool) throws -> Double {
            var walked: UInt64 = 0
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<perRound {
                p.seed = UInt64(i)
                let q = pool[i % pool.count]
                walked += try useLive ? live.walk(pins: q, parameters: p).steps : g.walk(pins: q, parameters: p).steps
            }
            return Double(walked) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        progress("live edges: walks on the base alone and on base + live, 5 rounds of \(perRound) queries each")
        _ = try round(true)
        _ = try round(false)
        var base: [Double] = [], withLive: [Double] = []
        for _ in 0..<5 {
            base.append(try round(false))
            withLive.append(try round(true))
        }
        let mb = base.sorted()[2], ml = withLive.sorted()[2]
        if !json {
            print(String(format: "  walk (%llu steps, no early stopping): base alone %@ steps/s, base + live %@ steps/s: %.3fx (median of 5 alternated rounds of %d queries)",
                         n, human(mb), human(ml), ml / mb, perRound))
        }
        report["live"] = [
            "edges": count, "batch": liveBatch, "added": added, "duplicates": duplicates, "new_pins": stats.newPins,
            "ingest_seconds": ingest, "ingest_edges_per_second": rate, "queries_during_ingest": querier.count,
            "rss_bytes_per_edge": rssPerEdge, "delta_bytes_per_edge": deltaPerEdge, "walk_steps": n,
            "walk_queries_per_round": perRound, "walk_base_steps_per_second": mb,
            "walk_live_steps_per_second": ml, "walk_ratio": ml / mb,
        ] as [String: Any]
    }
}
