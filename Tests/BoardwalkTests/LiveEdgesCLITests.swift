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
}
