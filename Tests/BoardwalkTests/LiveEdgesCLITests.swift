// `--live-edges FILE` and `--remove-edges FILE` on query (also --batch),
// eval and bench, and `bench --live-edges N`: each against a graph rebuilt
// from the resulting edge set, or against the same command without them.
import Boardwalk
import Foundation
import XCTest

final class LiveEdgesCLITests: XCTestCase {
    /// A base graph of two communities, today's edges (a new pin 900 on
    /// community A's boards, new board 77) and unsaves, and the graph
    /// `boardwalk build` makes from the resulting edge set.
    struct Fixture {
        let dir = TempDir()
        var base = "", rebuilt = "", live = "", removed = ""
        var baseEdges: [(UInt64, UInt64)] = [], addedEdges: [(UInt64, UInt64)] = [], removedEdges: [(UInt64, UInt64)] = []

        init() throws {
            for p in UInt64(1)...40 {
                let community: UInt64 = p <= 20 ? 100 : 200
                for k in UInt64(0)..<3 { baseEdges.append((p, community + (p * 3 + k) % 8)) }
            }
            var seen = Set<String>()
            baseEdges = baseEdges.filter { seen.insert("\($0.0)-\($0.1)").inserted }
            addedEdges = [(900, 100), (900, 101), (900, 102), (900, 77), (5, 77), (6, 77), baseEdges[0]]
            removedEdges = [baseEdges[3], baseEdges[4], (31, 9999)]
            func tsv(_ e: [(UInt64, UInt64)], times: Bool) -> String {
                "pin\tboard\(times ? "\ttime" : "")\n" + e.map { "\($0.0)\t\($0.1)\(times ? "\t50" : "")\n" }.joined()
            }
            base = try build("base", tsv(baseEdges, times: false))
            live = dir.write("live.tsv", tsv(addedEdges, times: true))
            removed = dir.write("removed.tsv", tsv(removedEdges, times: false))
            let gone = Set(removedEdges.map { "\($0.0)-\($0.1)" })
            var keys = Set<String>()
            let union = (baseEdges + addedEdges).filter { !gone.contains("\($0.0)-\($0.1)") && keys.insert("\($0.0)-\($0.1)").inserted }
            rebuilt = try build("rebuilt", tsv(union, times: false))
        }

        private func build(_ name: String, _ text: String) throws -> String {
            let out = dir.file(name + ".bwg")
            let r = try runBoardwalk(["build", "-q", "-o", out, dir.write(name + ".tsv", text)])
            XCTAssertEqual(r.status, 0, r.stderr)
            return out
        }
    }

    func testQueryAndBatchWalkTheUnion() throws {
        let f = try Fixture()
        let lines = [#"{"pins": {"8": 1}, "method": "exact", "top": 100, "include_boards": true}"#,
                     #"{"pins": {"900": 1}, "method": "exact", "top": 100}"#,
                     #"{"pins": {"2": 1}, "seed": 4, "candidates": [900, 5, 3]}"#,
                     #"{"boards": {"77": 1}, "method": "exact"}"#]
        let batch = lines.joined(separator: "\n") + "\n"
        let live = try runBoardwalk(["query", f.base, "--batch", "-", "--live-edges", f.live, "--remove-edges", f.removed], stdin: batch)
        XCTAssertEqual(live.status, 0, live.stderr)
        XCTAssertTrue(live.stderr.contains("6 live edges added, 1 duplicates, 0 refused"), live.stderr)
        XCTAssertTrue(live.stderr.contains("2 edges removed, 1 not in the graph"), live.stderr)
        let rebuilt = try runBoardwalk(["query", f.rebuilt, "--batch", "-"], stdin: batch)
        XCTAssertEqual(rebuilt.status, 0, rebuilt.stderr)
        // The exact method's answers are the rebuilt graph's (scores to rounding; ties in any order).
        let a = live.stdout.split(separator: "\n"), b = rebuilt.stdout.split(separator: "\n")
        XCTAssertEqual(a.count, 4)
        for (x, y) in zip([a[0], a[1], a[3]], [b[0], b[1], b[3]]) {
            let rx = try results(x), ry = try results(y)
            XCTAssertEqual(Set(rx.keys), Set(ry.keys), String(x))
            for (k, v) in ry { XCTAssertEqual(rx[k] ?? -1, v, accuracy: 1e-12, "\(k)") }
        }
        XCTAssertNotNil(try results(a[0])["pin 900"], "the live pin is recommended")
        XCTAssertFalse(a[2].contains("error"), String(a[2]))
        // Without the options the live pin is unknown.
        let plain = try runBoardwalk(["query", f.base, "--batch", "-"], stdin: lines[1] + "\n")
        XCTAssertTrue(plain.stdout.contains("unknown pin 900"), plain.stdout)
        // A bad line in the live-edge file names it, and the command fails.
        let bad = try runBoardwalk(["query", f.base, "--pin", "1", "--live-edges", f.dir.write("bad.tsv", "1\t2\nx\t3\n")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("bad.tsv:2: pin id \"x\" is not an unsigned integer"), bad.stderr)
    }

    /// The scores of a --batch answer line by "pin ID" or "board ID".
    private func results(_ line: Substring) throws -> [String: Double] {
        let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        let r = try XCTUnwrap(o["results"] as? [[String: Any]], String(line))
        var out: [String: Double] = [:]
        for x in r {
            let key = "\((x["kind"] as? String) ?? "pin") \((x["id"] as! NSNumber).uint64Value)"
            XCTAssertNil(out[key], "\(key) twice")
            out[key] = (x["score"] as! NSNumber).doubleValue
        }
        return out
    }

    /// eval's JSON without what differs by construction (timings, the base's edge count, the live-edge counts).
    private func evalJSON(_ args: [String]) throws -> [String: Any] {
        let r = try runBoardwalk(["eval"] + args + ["--json", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        for k in ["latency_p50_ms", "latency_p99_ms", "seconds", "graph_edges", "live_edges", "removed_edges"] { o[k] = nil }
        return o
    }

    func testEvalOverLiveEdgesIsTheRebuiltGraphs() throws {
        let f = try Fixture()
        // Users are boards (77 exists only live); each holds out a pin it does not have.
        let held = f.dir.write("held.tsv", "user\titem\n100\t30\n101\t900\n103\t2\n200\t5\n205\t12\n77\t7\n")
        // The exact method: the same metrics as on the rebuilt graph (a walk's would agree in
        // distribution only: its random choices depend on the nodes' order).
        let args = ["--method", "exact", "--negatives", "10", "--k", "3,10"]
        let live = try evalJSON(["--graph", f.base, "--held-out", held, "--live-edges", f.live, "--remove-edges", f.removed] + args)
        let rebuilt = try evalJSON(["--graph", f.rebuilt, "--held-out", held] + args)
        XCTAssertEqual(live as NSDictionary, rebuilt as NSDictionary, "\(live) != \(rebuilt)")
        XCTAssertEqual(live["users"] as? Int, 6, "board 77, new, is a user")
        XCTAssertEqual(live["items"] as? Int, 41, "the live pin 900 is in the catalogue")
        XCTAssertGreaterThan((live["walk"] as! [String: Double])["sampled_hr@3"]!, 0, "the sampled protocol measures something")
        let base = try evalJSON(["--graph", f.base, "--held-out", held] + args)
        XCTAssertNotEqual(base as NSDictionary, live as NSDictionary, "the live edges change the evaluation")
        let r = try runBoardwalk(["eval", "--graph", f.base, "--held-out", held, "--live-edges", f.live, "--json", "-q"])
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(o["live_edges"] as? [String: Int], ["added": 6, "duplicates": 1, "refused": 0])
        XCTAssertTrue(o["removed_edges"] is NSNull)
        XCTAssertTrue(r.stderr.contains("eval: \(f.live): 6 live edges added, 1 duplicates, 0 refused"), r.stderr)

        // From interactions: the live edges join their users' queries and the catalogue (item 900).
        var lines = "user\titem\ttime\n"
        for (i, e) in f.baseEdges.enumerated() { lines += "\(e.1)\t\(e.0)\t\(i)\n" }
        let interactions = f.dir.write("interactions.tsv", lines)
        let plain = try evalJSON([interactions, "--method", "exact"])
        let withLive = try evalJSON([interactions, "--method", "exact", "--live-edges", f.live, "--remove-edges", f.removed])
        XCTAssertEqual((withLive["items"] as! Int) - (plain["items"] as! Int), 1, "the live pin 900 joins the catalogue")
        let bad = try runBoardwalk(["eval", interactions, "--live-edges", f.dir.write("bad.tsv", "1\t2\t-3\n")])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("bad.tsv:1:"), bad.stderr)
    }

    func testBenchLiveEdges() throws {
        let f = try Fixture()
        // A count: ingest and the walk over base + N generated edges against the base alone.
        let r = try runBoardwalk(["bench", f.base, "--live-edges", "3K", "--live-batch", "500", "--queries", "20", "--steps", "5K", "--json", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let live = try XCTUnwrap(o["live"] as? [String: Any])
        XCTAssertEqual(live["edges"] as? Int, 3000)
        XCTAssertEqual(live["batch"] as? Int, 500)
        XCTAssertEqual((live["added"] as! Int) + (live["duplicates"] as! Int), 3000, "every generated edge is added or a duplicate")
        XCTAssertGreaterThan(live["new_pins"] as! Int, 0, "a fifth of the edges come from new pins")
        for k in ["ingest_edges_per_second", "walk_base_steps_per_second", "walk_live_steps_per_second", "walk_ratio"] {
            XCTAssertGreaterThan(live[k] as? Double ?? 0, 0, k)
        }
        XCTAssertNil(o["throughput"], "a count runs the live-edge measurements only")
        // The same seed generates the same edges.
        let again = try runBoardwalk(["bench", f.base, "--live-edges", "3K", "--live-batch", "500", "--queries", "20", "--steps", "5K", "--json", "-q"])
        let live2 = (try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as! [String: Any])["live"] as! [String: Any]
        XCTAssertEqual(live2["added"] as? Int, live["added"] as? Int)
        XCTAssertEqual(live2["new_pins"] as? Int, live["new_pins"] as? Int)

        // A file: every run walks base + live.
        let files = try runBoardwalk(["bench", f.base, "--live-edges", f.live, "--remove-edges", f.removed, "--threads", "1",
                                      "--seconds", "0.2", "--queries", "10", "--steps", "2K", "--json", "-q"])
        XCTAssertEqual(files.status, 0, files.stderr)
        let fo = try JSONSerialization.jsonObject(with: Data(files.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(fo["live_edges"] as? [String: Int], ["edges": 6, "removed": 2, "new_pins": 1, "new_boards": 1])
        XCTAssertNotNil(fo["throughput"])
        XCTAssertTrue(files.stderr.contains("bench: \(f.removed): 2 edges removed, 1 not in the graph"), files.stderr)

        for bad in [["--live-edges", "0"], ["--live-edges", "10", "--remove-edges", f.removed], ["--live-edges", "10", "--live-batch", "0"]] {
            let b = try runBoardwalk(["bench", f.base] + bad)
            XCTAssertEqual(b.status, 64, "\(bad): \(b.stderr)")
        }
    }
}
