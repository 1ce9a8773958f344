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
        // The error names the id the union lacks: the hidden pin 7, not the live pin 500.
        assertThrows(try live.recommend(pins: [500: 1, 7: 1])) { $0 == .unknownPin(7) }
        assertThrows(try live.score(candidates: [1], pins: [PinID(UInt64.max): 1], boards: [4242: 1])) { $0 == .unknownBoard(4242) }
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

    /// The message of an error `body` throws, or "" when it throws none.
    private func message(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testEdgeListsFromTextAndJSON() throws {
        // Text in memory follows a file's rules: byte-order mark, header, comments, CR LF, commas, optional times.
        let text = "\u{FEFF}pin\tboard\ttime\r\n# saves of today\n1\t10\t5\r\n\n2,11\n18446744073709551615\t0\t7\n"
        let t = try LiveEdgeList(text: Array(text.utf8), name: "body")
        XCTAssertEqual(t.pins, [1, 2, PinID(UInt64.max)])
        XCTAssertEqual(t.boards, [10, 11, 0])
        XCTAssertEqual(t.times, [5, UInt64.max, 7])
        XCTAssertNil(try LiveEdgeList(text: Array("1\t2\n".utf8), name: "body").times, "no time on any line")
        XCTAssertEqual(try LiveEdgeList(text: [], name: "body").count, 0)
        // The same reader as files: line numbers count every line, and the file is named.
        XCTAssertEqual(message { try LiveEdgeList(text: Array("1\t2\n# c\n3\tx\n".utf8), name: "body") },
                       "body:3: board id \"x\" is not an unsigned integer")
        let dir = TempDir()
        let path = dir.write("live.tsv", text)
        let f = try LiveEdgeList(path: path)
        XCTAssertEqual([f.pins, f.boards.map { PinID($0.rawValue) }], [t.pins, t.boards.map { PinID($0.rawValue) }])
        XCTAssertEqual(f.times, t.times)
        // Lines across the memory reader's refills (bodies larger than its first buffer).
        var big = ""
        for i in 0..<20_000 { big += "\(i)\t\(i % 97)\t\(i)\n" }
        let b = try LiveEdgeList(text: Array(big.utf8), name: "body")
        XCTAssertEqual(b.count, 20_000)
        XCTAssertEqual(b.pins.last, 19_999)
        XCTAssertEqual(b.boards[12_345], BoardID(12_345 % 97))
        XCTAssertEqual(b.times?[19_999], 19_999)

        // JSON: objects (ids as numbers or strings, time optional) and parallel arrays.
        let o = try LiveEdgeList(json: Data(#"[{"pin": 1, "board": "10", "time": 5}, {"pin": "18446744073709551615", "board": 0}]"#.utf8))
        XCTAssertEqual(o.pins, [1, PinID(UInt64.max)])
        XCTAssertEqual(o.boards, [10, 0])
        XCTAssertEqual(o.times, [5, UInt64.max])
        XCTAssertNil(try LiveEdgeList(json: Data(#"[{"pin": 1, "board": 2}]"#.utf8)).times)
        let a = try LiveEdgeList(json: Data(#"{"pins": [1, 2], "boards": [10, "11"], "times": [3, 4]}"#.utf8))
        XCTAssertEqual(a.pins, [1, 2])
        XCTAssertEqual(a.boards, [10, 11])
        XCTAssertEqual(a.times, [3, 4])
        XCTAssertEqual(try LiveEdgeList(json: Data("[]".utf8)).count, 0)
        for (json, want) in [
            (#"[{"pin": 1, "board": -5}]"#, "edges[0].board: must be an unsigned 64-bit integer (a number or a string of digits), not -5"),
            (#"[{"pin": 1, "board": 2}, {"pin": 3}]"#, "edges[1].board: missing"),
            (#"[{"pin": 1, "board": 2, "tme": 3}]"#, #"edges[0]: unknown field "tme""#),
            (#"[{"pin": 1.5, "board": 2}]"#, "edges[0].pin: must be an unsigned 64-bit integer"),
            (#"[7]"#, "edges[0]: must be an object"),
            (#"{"pins": [1, 2], "boards": [3]}"#, "boards has 1 ids for 2 pins"),
            (#"{"pins": [1], "boards": [3], "times": []}"#, "times has 0 values for 1 edges"),
            (#"{"pins": [1, "x"], "boards": [3, 4]}"#, #"pins[1]: must be an unsigned 64-bit integer (a number or a string of digits), not "x""#),
            (#"{"boards": [3]}"#, "pins: missing"),
            (#"{"pins": [1], "boards": [3], "extra": 1}"#, #"unknown field "extra""#),
            (#""edges""#, "invalid edges"),
            ("[{", "invalid JSON"),
        ] {
            let got = message { try LiveEdgeList(json: Data(json.utf8)) }
            XCTAssertTrue(got.contains(want), "\(json): \(got)")
        }
    }

    func testParallelArraysAddAndRemove() throws {
        let dir = TempDir()
        let live = try LiveGraph(path: try build(dir, "base", [(1, 10), (2, 10), (3, 11)]))
        let list = try LiveEdgeList(text: Array("9\t10\t50\n9\t11\t50\n1\t10\t50\n".utf8), name: "body")
        let c = try live.addEdges(pins: list.pins, boards: list.boards, times: list.times)
        XCTAssertEqual([c.added, c.duplicates, c.refused], [2, 1, 0])
        XCTAssertEqual(live.liveStatistics.edges, 2)
        var p = WalkParameters()
        p.method = .exact
        XCTAssertTrue(try live.recommend(pins: [1: 1], parameters: p).contains { $0.pin == 9 })
        let r = try live.removeEdges(pins: [9, 9, 5], boards: [10, 11, 5])
        XCTAssertEqual([r.removed, r.missing], [2, 1])
        XCTAssertFalse(try live.recommend(pins: [1: 1], parameters: p).contains { $0.pin == 9 })
        assertThrows(try live.addEdges(pins: [1, 2], boards: [10])) { if case .invalidArgument = $0 { true } else { false } }
        assertThrows(try live.addEdges(pins: [1], boards: [10], times: [])) { if case .invalidArgument = $0 { true } else { false } }
        assertThrows(try live.removeEdges(pins: [1], boards: [])) { if case .invalidArgument = $0 { true } else { false } }
        XCTAssertEqual(try live.addEdges(pins: [], boards: []).added, 0)
        XCTAssertEqual(LiveGraph.maxEdgesRange.lowerBound, 4)
        XCTAssertEqual(live.liveStatistics.maxEdges, LiveGraph.defaultMaxEdges)
    }
}
