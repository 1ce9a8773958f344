// The `boardwalk` command as scripts use it: exit codes, --json shapes,
// standard input, batch queries.
import Boardwalk
import Foundation
import XCTest

final class CommandLineTests: XCTestCase {
    func testBuildFromStdinThenInfoJSON() throws {
        let dir = TempDir()
        let r = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("g.bwg"), "-"], stdin: "1\t10\n2\t10\n2\t10\n3\t11\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["duplicate_edges"] as? Int, 1)
        let info = try runBoardwalk(["info", dir.file("g.bwg"), "--json"])
        XCTAssertEqual(info.status, 0)
        let o = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["format_version"] as? Int, Int(formatVersion))
        XCTAssertEqual(o["pins"] as? Int, 3)
        XCTAssertEqual(o["boards"] as? Int, 2)
        XCTAssertEqual(o["edges"] as? Int, 3)
        let size = try FileManager.default.attributesOfItem(atPath: dir.file("g.bwg"))[.size] as! Int
        XCTAssertEqual(o["file_bytes"] as? Int, size)
        let deg = try XCTUnwrap(o["board_degree"] as? [String: Int])
        XCTAssertEqual(deg["max"], 2)
        XCTAssertEqual(deg["min"], 1)
    }

    func testExitCodes() throws {
        let dir = TempDir()
        XCTAssertEqual(try runBoardwalk(["build"]).status, 64, "missing --output is bad usage")
        XCTAssertEqual(try runBoardwalk(["build", "-o", dir.file("g.bwg"), "--chunk-size", "1000", "-"]).status, 64)
        XCTAssertEqual(try runBoardwalk(["query", dir.file("g.bwg")]).status, 64, "no query pins")
        XCTAssertEqual(try runBoardwalk(["query", dir.file("g.bwg"), "--pin", "1:nan"]).status, 64)
        XCTAssertEqual(try runBoardwalk(["nonsense"]).status, 64)
        let missing = try runBoardwalk(["info", dir.file("missing.bwg")])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("No such file"), missing.stderr)
        XCTAssertEqual(try runBoardwalk(["verify", dir.write("x.bwg", "not a graph")]).status, 1)
        XCTAssertEqual(try runBoardwalk(["--version"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines), libraryVersion)
    }

    func testGenerateIsSeededAndHeavyTailed() throws {
        let a = try runBoardwalk(["generate", "--pins", "5K", "--boards", "500", "--edges", "20K", "--seed", "11"])
        let b = try runBoardwalk(["generate", "--pins", "5K", "--boards", "500", "--edges", "20K", "--seed", "11"])
        let c = try runBoardwalk(["generate", "--pins", "5K", "--boards", "500", "--edges", "20K", "--seed", "12"])
        XCTAssertEqual(a.status, 0)
        XCTAssertEqual(a.stdout, b.stdout)
        XCTAssertNotEqual(a.stdout, c.stdout)
        let lines = a.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 20_001)
        var boardDegree: [Substring: Int] = [:], pinDegree: [Substring: Int] = [:]
        for l in lines.dropFirst() {
            let f = l.split(separator: "\t")
            boardDegree[f[1], default: 0] += 1
            pinDegree[f[0], default: 0] += 1
        }
        // Heavy tails: the largest board and pin are far above the median.
        func ratio(_ d: [Substring: Int]) -> Double {
            let v = d.values.sorted()
            return Double(v.last!) / Double(v[v.count / 2])
        }
        XCTAssertGreaterThan(ratio(boardDegree), 10)
        XCTAssertGreaterThan(ratio(pinDegree), 10)
    }

    func testQueryShowsTitlesAndBatchKeepsOrderThroughErrors() throws {
        let dir = TempDir()
        let s = repositoryRoot + "/Graphs/sample"
        let g = dir.file("sample.bwg")
        let b = try runBoardwalk(["build", "-q", "-o", g, "--pin-titles", s + "/pin-titles.tsv", "--board-titles",
                                  s + "/board-titles.tsv", "--pin-attributes", s + "/pin-attributes.tsv", s + "/edges.tsv"])
        XCTAssertEqual(b.status, 0, b.stderr)
        let q = try runBoardwalk(["query", g, "--pin", "7136620868348139334", "--top", "5", "--seed", "1"])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertTrue(q.stdout.contains("Sourdough starter from scratch"), q.stdout)
        // The exact method's scores are probabilities: printed with significant
        // digits (not rounded to 0.0), its counter named for what it counts.
        let x = try runBoardwalk(["query", g, "--pin", "7136620868348139334", "--top", "5", "--method", "exact"])
        XCTAssertEqual(x.status, 0, x.stderr)
        XCTAssertTrue(x.stdout.contains("adjacency entries read (exact)"), x.stdout)
        let exactScores = x.stdout.split(separator: "\n").filter { $0.hasPrefix("   ") }.compactMap { Double($0.split(separator: " ")[2]) }
        XCTAssertEqual(exactScores.count, 5, x.stdout)
        XCTAssertTrue(exactScores.allSatisfy { $0 > 0 && $0 < 1 }, x.stdout)
        let batch = """
            {"pins": {"7136620868348139334": 1}, "top": 3, "seed": 5}
            {"pins": {"1": 1}}
            not json
            {"pins": {"7136620868348139334": 2.0}, "candidates": ["7370442114515923286", 1]}

            {"pins": {"7136620868348139334": 1}, "top": 3, "seed": 5, "early_stop": false, "steps": 2000}
            """
        let r = try runBoardwalk(["query", g, "--batch", "-"], stdin: batch)
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(out.count, 5, "one answer per non-blank line, in order")
        let first = try XCTUnwrap(out[0]["results"] as? [[String: Any]])
        XCTAssertEqual(first.count, 3)
        XCTAssertNotNil(out[0]["steps"])
        XCTAssertEqual(out[0]["partial"] as? Bool, false)
        XCTAssertTrue((out[1]["error"] as? String)?.contains("unknown pin 1") ?? false, "\(out[1])")
        XCTAssertTrue((out[2]["error"] as? String)?.contains("invalid JSON") ?? false, "\(out[2])")
        let scores = try XCTUnwrap(out[3]["scores"] as? [Double])
        XCTAssertEqual(scores.count, 2)
        XCTAssertGreaterThan(scores[0], 0, "a pin sharing boards with the query is reached")
        XCTAssertEqual(scores[1], 0, "an unknown candidate scores 0")
        XCTAssertEqual(out[4]["steps"] as? Int, 2000)
        // The same line twice gives the same answer (same seed).
        let again = try runBoardwalk(["query", g, "--batch", "-"], stdin: batch)
        let repeated = try JSONSerialization.jsonObject(with: Data(again.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        XCTAssertEqual((repeated["results"] as! [[String: Any]]).map { $0["id"] as! UInt64 }, first.map { $0["id"] as! UInt64 })
        XCTAssertEqual((repeated["results"] as! [[String: Any]]).map { $0["visits"] as! Int }, first.map { $0["visits"] as! Int })
    }
}
