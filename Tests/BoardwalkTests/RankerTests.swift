// The learned ranker from Swift and the command line: features on results,
// Ranker's errors, ranked results against their features and the model,
// the batch fields and the CLI flags. (Feature values against a direct
// computation: Tests/c/test_ranker.c; Python-trained models: Tests/python/test_ranker.py.)
import Boardwalk
import CBoardwalk
import Foundation
import XCTest

/// A linear model file as boardwalk.h describes it.
func linearModel(_ inputs: [(String, UInt32)], bias: Double, weights: [Double], version: UInt32 = 1) -> Data {
    var body = Data()
    func u32(_ v: UInt32, _ d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    func f64(_ v: Double, _ d: inout Data) { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
    for (name, transform) in inputs {
        var n = Array(name.utf8.prefix(31))
        n += [UInt8](repeating: 0, count: 32 - n.count)
        body.append(contentsOf: n)
        u32(transform, &body)
        u32(0, &body)
    }
    f64(bias, &body)
    for w in weights { f64(w, &body) }
    var d = Data("BWRANKER".utf8)
    u32(version, &d)
    u32(1, &d)
    u32(UInt32(inputs.count), &d)
    u32(0, &d)
    withUnsafeBytes(of: UInt64(body.count).littleEndian) { d.append(contentsOf: $0) }
    d.append(body)
    var crc: UInt32 = 0xFFFF_FFFF  // CRC-32 (IEEE), as zlib's crc32
    for byte in d {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }
    u32(crc ^ 0xFFFF_FFFF, &d)
    return d
}

final class RankerTests: XCTestCase {
    var dir: TempDir!
    var graphPath: String!

    override func setUpWithError() throws {
        dir = TempDir()
        let edges = try generatedEdges(pins: 400, boards: 120, edges: 3000, communities: 6, seed: 4)
        let b = try GraphBuilder()
        for (p, q) in edges.pairs { try b.addEdge(pin: PinID(p), board: BoardID(q)) }
        graphPath = dir.file("g.bwg")
        try b.build(to: graphPath)
    }

    func model(_ name: String, _ data: Data) -> String {
        let p = dir.file(name)
        FileManager.default.createFile(atPath: p, contents: data)
        return p
    }

    func testFeatureNamesComeFromTheLibrary() {
        XCTAssertEqual(CandidateFeatures.names.count, Int(bw_feature_count()))
        XCTAssertEqual(CandidateFeatures.names.first, "score")
        XCTAssertTrue(CandidateFeatures.names.contains("exact_score"))
    }

    func testRankedResultsFollowTheModel() throws {
        let g = try Graph(path: graphPath)
        let ranker = try Ranker(path: model("m.bwr", linearModel([("degree", 0), ("visits", 1)], bias: 0.5, weights: [1.5, -0.25])))
        XCTAssertEqual(ranker.kind, "linear")
        XCTAssertEqual(ranker.inputs, ["degree", "visits"])
        let pin = try g.pin(at: 3)
        var p = WalkParameters()
        p.seed = 9
        p.top = 200
        p.features = true
        let plain = try g.walk(pins: [pin: 1], parameters: p)
        XCTAssertTrue(plain.recommendations.allSatisfy { $0.features?.count == CandidateFeatures.names.count })
        let expected = try plain.recommendations.enumerated()
            .map { (i: $0.offset, id: $0.element.node, s: try ranker.score(features: $0.element.features!)) }
            .sorted { ($0.s, -$0.i) > ($1.s, -$1.i) }.prefix(10)
        p.top = 10
        p.ranker = ranker
        p.rankerTopN = 200
        let ranked = try g.walk(pins: [pin: 1], parameters: p)
        XCTAssertEqual(ranked.recommendations.map(\.node), expected.map(\.id))
        XCTAssertEqual(ranked.recommendations.map(\.score), expected.map(\.s))
        // Scoring with the ranker: the model's scores, -infinity for a pin not in the graph.
        let s = try g.candidateScores([expected[0].id.pinValue!, PinID(UInt64.max)], pins: [pin: 1], parameters: p)
        XCTAssertEqual(s.scores[0], expected[0].s)
        XCTAssertEqual(s.scores[1], -.infinity)
        XCTAssertEqual(s.features?[1], [Double](repeating: 0, count: CandidateFeatures.names.count))
        // The C library's range rule and message.
        p.rankerTopN = 100_001
        assertThrows(try g.walk(pins: [pin: 1], parameters: p), containing: "ranker_top_n must be an integer from 1 to 100000") {
            if case .invalidArgument = $0 { true } else { false }
        }
    }

    func testBadModelFilesAreErrors() throws {
        assertThrows(try Ranker(path: dir.file("none.bwr")), containing: "No such file") {
            if case .io = $0 { true } else { false }
        }
        var d = linearModel([("degree", 0)], bias: 0, weights: [1])
        d[40] ^= 4
        assertThrows(try Ranker(path: model("damaged.bwr", d)), containing: "checksum mismatch") {
            if case .corrupt = $0 { true } else { false }
        }
        assertThrows(try Ranker(path: model("nan.bwr", linearModel([("degree", 0)], bias: 0, weights: [.nan]))),
                     containing: "weight 0 (input \"degree\") is nan") {
            if case .invalidArgument = $0 { true } else { false }
        }
        assertThrows(try Ranker(path: model("count.bwr", linearModel([("degree", 0), ("visits", 0)], bias: 0, weights: [1]))),
                     containing: "the input count does not match the weights") {
            if case .corrupt = $0 { true } else { false }
        }
        assertThrows(try Ranker(path: model("name.bwr", linearModel([("newest_edge_age", 0)], bias: 0, weights: [1]))),
                     containing: "\"newest_edge_age\" is not a feature of this library") {
            if case .notFound = $0 { true } else { false }
        }
        let r = try Ranker(path: model("ok.bwr", linearModel([("degree", 0)], bias: 0, weights: [1])))
        assertThrows(try r.score(features: [1, 2]), containing: "finite values, not 2") {
            if case .invalidArgument = $0 { true } else { false }
        }
    }

    func testBatchFieldsDecode() throws {
        let q = try WalkRequest(json: Data(#"{"pins": {"1": 1}, "ranker": "m.bwr", "ranker_top_n": 300, "features": true}"#.utf8))
        XCTAssertEqual(q.rankerPath, "m.bwr")
        XCTAssertEqual(q.parameters.rankerTopN, 300)
        XCTAssertTrue(q.parameters.features)
        assertThrows(try WalkRequest(json: Data(#"{"ranker": 3}"#.utf8)), containing: "ranker: must be a string") {
            if case .invalidArgument = $0 { true } else { false }
        }
        assertThrows(try WalkRequest(json: Data(#"{"features": "yes"}"#.utf8)), containing: "features: must be true or false") {
            if case .invalidArgument = $0 { true } else { false }
        }
    }

    func testCommandLine() throws {
        let g = try Graph(path: graphPath)
        let pin = try g.pin(at: 3).rawValue
        let m = model("m.bwr", linearModel([("degree", 0)], bias: 0, weights: [1]))
        var r = try runBoardwalk(["query", graphPath, "--pin", "\(pin)", "--json", "--features", "--top", "3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["feature_names"] as? [String], CandidateFeatures.names)
        XCTAssertEqual(((o["results"] as! [[String: Any]])[0]["features"] as! [Double]).count, CandidateFeatures.names.count)
        r = try runBoardwalk(["query", graphPath, "--pin", "\(pin)", "--features"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--features goes with --json or --batch"), r.stderr)
        // --ranker and a batch line's "ranker": degree-ordered results.
        r = try runBoardwalk(["query", graphPath, "--pin", "\(pin)", "--json", "--ranker", m, "--top", "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let scores = ((try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any])["results"] as! [[String: Any]])
            .map { $0["score"] as! Double }
        XCTAssertEqual(scores, scores.sorted(by: >))
        let line = #"{"pins": {"\#(pin)": 1}, "top": 5, "ranker": "\#(m)"}"# + "\n" + #"{"pins": {"\#(pin)": 1}, "ranker": "\#(dir.file("none.bwr"))"}"#
        r = try runBoardwalk(["query", graphPath, "--batch", "-"], stdin: line + "\n")
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].contains("\"results\""), String(lines[0]))
        XCTAssertTrue(lines[1].contains("none.bwr: No such file or directory"), String(lines[1]))
        r = try runBoardwalk(["query", graphPath, "--pin", "\(pin)", "--ranker", dir.file("none.bwr")])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("none.bwr: No such file or directory"), r.stderr)
    }
}

extension RecommendedNode {
    var pinValue: PinID? { if case .pin(let p) = self { return p } else { return nil } }
}
