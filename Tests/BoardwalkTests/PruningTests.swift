// Pruning rules in the builder: hand-made cases with known answers, and
// random graphs checked against a direct, slow implementation of the rules.
@testable import Boardwalk
import CBoardwalk
import Foundation
import XCTest

final class PruningTests: XCTestCase {
    /// Every edge of a graph, as (pin, board) id pairs.
    private func edgeSet(_ path: String) throws -> Set<[UInt64]> {
        let g = try Graph(path: path)
        var out = Set<[UInt64]>()
        for i in 0..<UInt32(g.stats.pins) {
            let p = try g.pin(at: i)
            for b in try g.boards(of: p) { out.insert([p.rawValue, b.rawValue]) }
        }
        return out
    }

    private func build(_ edges: [(UInt64, UInt64, Double)], topics: [UInt64: String] = [:], rules: PruningRules,
                       in dir: TempDir, name: String = "g.bwg") throws -> (Set<[UInt64]>, BuildSummary) {
        var options = BuildOptions()
        options.pruning = rules
        let b = try GraphBuilder(options: options)
        for (p, q, s) in edges { try b.addEdge(pin: PinID(p), board: BoardID(q), score: s) }
        for (p, t) in topics { try b.setAttributes(pin: PinID(p), language: nil, topic: t) }
        let summary = try b.build(to: dir.file(name))
        return (try edgeSet(dir.file(name)), summary)
    }

    func testEntropyRuleRemovesMixedBoardsAndKeepsBoardsWithoutTopics() throws {
        let dir = TempDir()
        // Board 100: topics a, a, b, b (1 bit). Board 200: a, a, a (0 bits).
        // Board 300: pins without topics. Board 400: a, b, c, d (2 bits).
        let edges: [(UInt64, UInt64, Double)] = [
            (1, 100, 0), (2, 100, 0), (3, 100, 0), (4, 100, 0),
            (1, 200, 0), (2, 200, 0), (5, 200, 0),
            (7, 300, 0), (8, 300, 0),
            (1, 400, 0), (3, 400, 0), (6, 400, 0), (9, 400, 0),
        ]
        let topics: [UInt64: String] = [1: "a", 2: "a", 3: "b", 4: "b", 5: "a", 6: "c", 9: "d"]
        var rules = PruningRules()
        rules.maxBoardEntropy = 1.0  // exactly 1 bit is kept
        let (kept, summary) = try build(edges, topics: topics, rules: rules, in: dir)
        XCTAssertEqual(Set(kept.map { $0[1] }), [100, 200, 300])
        XCTAssertEqual(summary.pruning, [PruningReport(rule: "max_board_entropy", parameter: 1, edges: 4, pins: 2, boards: 1)])
        rules.maxBoardEntropy = 0.99
        let (kept2, _) = try build(edges, topics: topics, rules: rules, in: dir, name: "g2.bwg")
        XCTAssertEqual(Set(kept2.map { $0[1] }), [200, 300])
        // Pins 6 and 9 lost their only board; pin 4 too at 0.99.
        XCTAssertFalse(kept2.contains { [4, 6, 9].contains($0[0]) })
    }

    func testPinDegreeExponentKeepsTheBestScoredEdges() throws {
        let dir = TempDir()
        var edges: [(UInt64, UInt64, Double)] = []
        for b in 1...10 { edges.append((1, UInt64(b), Double(b))) }  // ⌈10^0.5⌉ = 4
        for b in 1...16 { edges.append((2, UInt64(100 + b), Double(-b))) }  // ⌈16^0.5⌉ = 4 exactly, not 5
        edges.append((3, 1, 0))  // degree 1 keeps its edge
        var rules = PruningRules()
        rules.pinDegreeExponent = 0.5
        let (kept, summary) = try build(edges, rules: rules, in: dir)
        XCTAssertEqual(kept.filter { $0[0] == 1 }.map { $0[1] }.sorted(), [7, 8, 9, 10])
        XCTAssertEqual(kept.filter { $0[0] == 2 }.map { $0[1] }.sorted(), [101, 102, 103, 104])
        XCTAssertTrue(kept.contains([3, 1]))
        XCTAssertEqual(summary.pruning.first?.edges, 6 + 12)
        XCTAssertEqual(prunedDegree(16, 0.5), 4)
        XCTAssertEqual(prunedDegree(17, 0.5), 5)
        XCTAssertEqual(prunedDegree(1000, 1), 1000)
    }

    func testRepeatedEdgesKeepTheirHighestScore() throws {
        let dir = TempDir()
        // Edge (1, 10) appears with 1 then 5; (1, 11) has 3: a cap of 1 keeps 10.
        let edges: [(UInt64, UInt64, Double)] = [(1, 10, 1), (1, 11, 3), (1, 10, 5)]
        var rules = PruningRules()
        rules.maxPinDegree = 1
        let (kept, summary) = try build(edges, rules: rules, in: dir)
        XCTAssertEqual(kept, [[1, 10]])
        XCTAssertEqual(summary.duplicateEdges, 1)
    }

    func testScoreColumnIsReadAndBadScoresNameFileAndLine() throws {
        let dir = TempDir()
        let good = dir.write("e.tsv", "pin\tboard\tscore\n1\t10\t0.5\n1\t11\t2e1\n1\t12\t-3\n")
        var options = BuildOptions()
        options.scoreColumn = 3
        options.pruning.maxPinDegree = 1
        let b = try GraphBuilder(options: options)
        try b.addEdges(from: good)
        _ = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(try edgeSet(dir.file("g.bwg")), [[1, 11]])

        for bad in ["nan", "inf", "0x10", "", "1.2.3x", "1e999"] {
            let path = dir.write("bad.tsv", "1\t10\t1\n2\t10\t\(bad)\n")
            let b2 = try GraphBuilder(options: options)
            XCTAssertThrowsError(try b2.addEdges(from: path), "score \(bad)") { error in
                guard case BoardwalkError.malformedInput(let file, let line, let reason) = error else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(file, path)
                XCTAssertEqual(line, 2)
                XCTAssertTrue(reason.contains("score"), reason)
            }
        }
        assertThrows(try GraphBuilder().addEdge(pin: PinID(1), board: BoardID(2), score: .nan), containing: "score") { if case .invalidArgument = $0 { true } else { false } }
    }

    func testInvalidRulesAreRejected() throws {
        for change in [{ (r: inout PruningRules) in r.pinDegreeExponent = 0 },
                       { (r: inout PruningRules) in r.pinDegreeExponent = 1.5 },
                       { (r: inout PruningRules) in r.maxBoardEntropy = .nan },
                       { (r: inout PruningRules) in r.maxPinDegree = 0 },
                       { (r: inout PruningRules) in r.minBoardDegree = -1 }] {
            var options = BuildOptions()
            change(&options.pruning)
            XCTAssertThrowsError(try GraphBuilder(options: options)) { error in
                guard case BoardwalkError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        // From the command line, `build` and `eval` refuse them as usage errors.
        let edges = repositoryRoot + "/Graphs/sample/edges.tsv"
        for command in [["build", "-o", TempDir().file("g.bwg")], ["eval"]] {
            let r = try runBoardwalk(command + [edges, "--pin-degree-exponent", "1.5"])
            XCTAssertEqual(r.status, 64, "\(command)")
            XCTAssertTrue(r.stderr.contains("pin degree exponent must be in (0, 1]"), r.stderr)
        }
        // The entropy rule without topics is an error at build time, not a silent no-op.
        var options = BuildOptions()
        options.pruning.maxBoardEntropy = 1
        let b = try GraphBuilder(options: options)
        try b.addEdge(pin: PinID(1), board: BoardID(2))
        let out = TempDir()
        assertThrows(try b.build(to: out.file("g.bwg")), containing: "entropy") { if case .invalidArgument = $0 { true } else { false } }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.file("g.bwg")))
    }

    func testCapsWithoutScoresAreReproducibleAndIndependentOfInputOrder() throws {
        let dir = TempDir()
        var edges: [(UInt64, UInt64, Double)] = []
        for p in 1...40 { for b in 1...25 where (p * 7 + b * 3) % 5 != 0 { edges.append((UInt64(p), UInt64(1000 + b), 0)) } }
        var rules = PruningRules()
        rules.maxBoardDegree = 9
        rules.maxPinDegree = 4
        let (a, _) = try build(edges, rules: rules, in: dir, name: "a.bwg")
        var rng = SeededGenerator(seed: 7)
        let (b, _) = try build(edges.shuffled(using: &rng), rules: rules, in: dir, name: "b.bwg")
        XCTAssertEqual(a, b)
        XCTAssertEqual(a, referencePrune(edges, topics: [:], rules: rules))
    }

    /// Random graphs with scores, duplicates and topics: every rule alone and
    /// all together give exactly the edges of the direct implementation below.
    func testRandomGraphsMatchADirectImplementationOfTheRules() throws {
        let dir = TempDir()
        var rng = SeededGenerator(seed: 2026)
        var edges: [(UInt64, UInt64, Double)] = []
        for _ in 0..<3000 {
            let p = UInt64.random(in: 1...300, using: &rng) * 1_000_003
            let b = UInt64.random(in: 1...60, using: &rng) &* 0x9E37_79B9
            // Few distinct scores, so that ties (broken by the id hash) are common.
            edges.append((p, b, Double(Int.random(in: 0...4, using: &rng)) / 2))
        }
        var topics: [UInt64: String] = [:]
        for (p, _, _) in edges where p % 7 != 0 { topics[p] = ["art", "food", "travel", "diy"][Int(p % 4)] }
        var all = PruningRules()
        all.maxBoardEntropy = 1.9
        all.maxBoardDegree = 40
        all.pinDegreeExponent = 0.7
        all.maxPinDegree = 6
        all.minBoardDegree = 10
        all.minPinDegree = 2
        var cases: [PruningRules] = [all]
        for k in 0..<6 {
            var r = PruningRules()
            switch k {
            case 0: r.maxBoardEntropy = all.maxBoardEntropy
            case 1: r.maxBoardDegree = all.maxBoardDegree
            case 2: r.pinDegreeExponent = all.pinDegreeExponent
            case 3: r.maxPinDegree = all.maxPinDegree
            case 4: r.minBoardDegree = 45  // boards have about 46 edges: some go
            default: r.minPinDegree = 9  // pins have about 9 edges: some go
            }
            cases.append(r)
        }
        for (i, rules) in cases.enumerated() {
            let (kept, summary) = try build(edges, topics: topics, rules: rules, in: dir, name: "r\(i).bwg")
            let expected = referencePrune(edges, topics: topics, rules: rules)
            XCTAssertEqual(kept, expected, "case \(i)")
            XCTAssertFalse(kept.isEmpty, "case \(i) prunes something but not everything")
            let distinct = Set(edges.map { [$0.0, $0.1] }).count
            XCTAssertEqual(summary.pruning.reduce(0) { $0 + $1.edges }, distinct - kept.count, "case \(i)")
            XCTAssertLessThan(kept.count, distinct, "case \(i)")
        }
    }

    /// The rules as written in the documentation, on dictionaries.
    private func referencePrune(_ input: [(UInt64, UInt64, Double)], topics: [UInt64: String], rules: PruningRules)
        -> Set<[UInt64]>
    {
        var score: [[UInt64]: Double] = [:]
        for (p, b, s) in input { score[[p, b]] = max(score[[p, b]] ?? -.infinity, s) }
        var live = Set(score.keys)
        func best(_ x: [UInt64], _ y: [UInt64]) -> Bool {
            if score[x]! != score[y]! { return score[x]! > score[y]! }
            let hx = bw_edge_fingerprint(x[0], x[1]), hy = bw_edge_fingerprint(y[0], y[1])
            if hx != hy { return hx < hy }
            return x[1] != y[1] ? x[1] < y[1] : x[0] < y[0]
        }
        func byBoard() -> [UInt64: [[UInt64]]] { Dictionary(grouping: live, by: { $0[1] }) }
        func byPin() -> [UInt64: [[UInt64]]] { Dictionary(grouping: live, by: { $0[0] }) }
        if let h = rules.maxBoardEntropy {
            for (_, es) in byBoard() {
                var counts: [String: Int] = [:]
                for e in es { if let t = topics[e[0]] { counts[t, default: 0] += 1 } }
                let n = Double(counts.values.reduce(0, +))
                let entropy = counts.values.reduce(0.0) { $0 - Double($1) / n * log2(Double($1) / n) }
                if entropy > h + 1e-9 { live.subtract(es) }
            }
        }
        if let cap = rules.maxBoardDegree {
            for (_, es) in byBoard() where es.count > cap { live.subtract(es.sorted(by: best)[cap...]) }
        }
        if let d = rules.pinDegreeExponent {
            for (_, es) in byPin() {
                let keep = min(es.count, max(1, Int(ceil(pow(Double(es.count), d) - 1e-9))))
                live.subtract(es.sorted(by: best)[keep...])
            }
        }
        if let cap = rules.maxPinDegree {
            for (_, es) in byPin() where es.count > cap { live.subtract(es.sorted(by: best)[cap...]) }
        }
        if let floor = rules.minBoardDegree { for (_, es) in byBoard() where es.count < floor { live.subtract(es) } }
        if let floor = rules.minPinDegree { for (_, es) in byPin() where es.count < floor { live.subtract(es) } }
        return live
    }
}
