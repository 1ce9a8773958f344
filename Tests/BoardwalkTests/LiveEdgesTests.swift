// LiveGraph's live edges from Swift: adding, removing and hiding against a
// graph rebuilt from the resulting edge set; counts, errors, the async API.
import Boardwalk
import Foundation
import XCTest

final class LiveEdgesTests: XCTestCase {
    private func build(_ dir: TempDir, _ name: String, _ edges: [(UInt64, UInt64)], watermark: UInt64? = nil) throws
        -> String
    {
        let text = "pin_id\tboard_id\n" + edges.map { "\($0.0)\t\($0.1)\n" }.joined()
        let input = dir.write(name + ".tsv", text)
        var options = BuildOptions()
        options.watermark = watermark
        let b = try GraphBuilder(options: options)
        try b.addEdges(from: input)
        let out = dir.file(name + ".bwg")
        _ = try b.build(to: out)
        return out
    }

    private func exact() -> WalkParameters {
        var p = WalkParameters()
        p.method = .exact
        p.top = 1000
        p.includeBoards = true
        return p
    }

    private func keyed(_ r: [Recommendation]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: r.map { ("\($0.node)", $0.score) })
    }

    func testAddRemoveHideMatchARebuiltGraph() throws {
        let dir = TempDir()
        var base: [(UInt64, UInt64)] = []
        for p in UInt64(1)...30 { for k in UInt64(0)..<3 { base.append((p, 100 + (p * 7 + k) % 9)) } }
        var seen = Set<String>()
        base = base.filter { seen.insert("\($0.0)-\($0.1)").inserted }
        let live = try LiveGraph(path: try build(dir, "base", base, watermark: 10))
        let added: [(UInt64, UInt64)] = [(1, 200), (2, 200), (500, 101), (500, 200), (0, 100), (UInt64.max, 101)]
        let batch = (added + [base[0], (1, 200)]).map { (pin: PinID($0.0), board: BoardID($0.1)) }
        let counts = try live.addEdges(batch, times: Array(repeating: 11, count: batch.count))
        XCTAssertEqual([counts.added, counts.duplicates, counts.refused], [6, 2, 0])
        let gone = [base[1], (1, 200)]
        let rm = try live.removeEdges((gone + [(999, 999)]).map { (pin: PinID($0.0), board: BoardID($0.1)) })
        XCTAssertEqual([rm.removed, rm.missing], [2, 1])
        try live.hide(pin: 7)
        XCTAssertEqual(try live.addEdges([(pin: PinID(7), board: BoardID(100))]).refused, 1)
        let stats = live.liveStatistics
        XCTAssertEqual(stats.edges, 6)
        XCTAssertEqual(stats.newPins, 3)
        XCTAssertEqual(stats.newBoards, 1)
        XCTAssertEqual(stats.hidden, 1)

        let goneKeys = Set(gone.map { "\($0.0)-\($0.1)" })
        var union: [(UInt64, UInt64)] = []
        var keys = Set<String>()
        for e in base + added where e.0 != 7 && !goneKeys.contains("\(e.0)-\(e.1)") && keys.insert("\(e.0)-\(e.1)").inserted {
            union.append(e)
        }
        let rebuilt = try Graph(path: try build(dir, "ref", union))
        for pin in Set(union.map { $0.0 }) {
            let got = try live.recommend(pins: [PinID(pin): 1], parameters: exact())
            let want = try rebuilt.recommend(pins: [PinID(pin): 1], parameters: exact())
            let g = keyed(got), w = keyed(want)
            XCTAssertEqual(Set(g.keys), Set(w.keys), "pin \(pin)")
            for (k, v) in w { XCTAssertEqual(g[k] ?? -1, v, accuracy: 1e-12 * max(1, v), "pin \(pin) \(k)") }
        }
        var ex = exact()
        ex.includeBoards = false
        XCTAssertEqual(try live.score(candidates: [500, PinID(UInt64.max)], pins: [1: 1], parameters: ex),
                       try rebuilt.score(candidates: [500, PinID(UInt64.max)], pins: [1: 1], parameters: ex))
        assertThrows(try live.recommend(pins: [7: 1])) { if case .notFound = $0 { true } else if case .unknownPin = $0 { true } else { false } }
        assertThrows(try live.setMaxEdges(1)) { if case .invalidArgument = $0 { true } else { false } }
        assertThrows(try live.addEdges([(pin: 1, board: 2)], times: [1, 2])) {
            if case .invalidArgument = $0 { true } else { false }
        }
        try live.setMaxEdges(1000)
        XCTAssertEqual(live.liveStatistics.maxEdges, 1000)
        assertThrows(try live.addEdges(Array(repeating: (pin: PinID(1), board: BoardID(2)), count: 1001))) {
            if case .limitExceeded = $0 { true } else { false }
        }
    }

    private func syncRecommend(_ live: LiveGraph, _ p: WalkParameters) throws -> [Recommendation] {
        try live.recommend(pins: [1: 1], parameters: p)
    }

    func testAsyncQueriesSeeLiveEdges() async throws {
        let dir = TempDir()
        let live = try LiveGraph(path: try build(dir, "base", [(1, 10), (2, 10), (3, 11)]))
        try live.addEdges([(pin: 9, board: 10)])
        var p = WalkParameters()
        p.method = .exact
        let sync = try syncRecommend(live, p)
        let async = try await live.recommend(pins: [1: 1], parameters: p)
        XCTAssertEqual(sync, async)
        XCTAssertTrue(async.contains { $0.pin == 9 }, "the new pin is recommended")
        let scores = try await live.score(candidates: [9, 3], pins: [1: 1], parameters: p)
        XCTAssertGreaterThan(scores[0], 0)
        XCTAssertEqual(scores[1], 0)
    }
}
