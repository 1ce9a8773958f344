// The watermark: the newest edge time a graph contains, given with
// BuildOptions.watermark (`build --watermark T`) or the largest value of a
// time column (BuildOptions.timeColumn, `build --time-column N`), stored in
// the file's meta record and read back with Graph.watermark (BW_STAT_WATERMARK).
import Boardwalk
import Foundation
import XCTest

final class WatermarkTests: XCTestCase {
    private func build(_ dir: TempDir, _ name: String, _ inputs: [String], _ configure: (inout BuildOptions) -> Void)
        throws -> (BuildSummary, Graph)
    {
        var options = BuildOptions()
        configure(&options)
        let b = try GraphBuilder(options: options)
        for input in inputs { try b.addEdges(from: input) }
        let summary = try b.build(to: dir.file(name))
        return (summary, try Graph(path: dir.file(name)))
    }

    private func buildRecord(_ g: Graph) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(g.buildInfo.utf8)) as? [String: Any])
    }

    /// A JSON number as the exact UInt64 it spells (no trip through Double).
    private func uint64(_ value: Any?) -> UInt64? { (value as? NSNumber)?.uint64Value }

    // MARK: The option

    func testAnExplicitWatermarkRoundTripsThroughTheFile() throws {
        let dir = TempDir()
        let edges = dir.write("e.tsv", "1\t10\n2\t10\n2\t11\n")
        for w: UInt64 in [1_700_000_000_123, 0, UInt64.max, 9_007_199_254_740_993] {
            let (s, g) = try build(dir, "g-\(w).bwg", [edges]) { $0.watermark = w }
            XCTAssertEqual(g.watermark, w, "the file holds the watermark \(w)")
            XCTAssertEqual(s.watermark, w)
            XCTAssertEqual(s.watermarkSource, "option")
            let record = try buildRecord(g)
            XCTAssertEqual(uint64(record["watermark"]), w, g.buildInfo)
            XCTAssertEqual(record["watermark_source"] as? String, "option", g.buildInfo)
            try g.verify()
        }
    }

    func testAGraphBuiltWithoutEitherOptionHasNoWatermark() throws {
        let dir = TempDir()
        // A header naming a `time` column does not choose it: only --time-column does.
        let edges = dir.write("e.tsv", "pin_id\tboard_id\ttime\n1\t10\t99\n2\t10\t100\n")
        let (s, g) = try build(dir, "g.bwg", [edges]) { _ in }
        XCTAssertNil(g.watermark)
        XCTAssertNil(s.watermark)
        XCTAssertNil(s.watermarkSource)
        let record = try buildRecord(g)
        XCTAssertNil(record["watermark"], g.buildInfo)
        XCTAssertNil(record["watermark_source"], g.buildInfo)
    }

    // MARK: The time column

    func testTheTimeColumnGivesTheNewestTimeOfTheInput() throws {
        let dir = TempDir()
        // 0 and 2^64 - 1 both fit; the largest time is on a duplicate edge.
        let a = dir.write("a.tsv", "1\t10\t0\n2\t10\t5\n1\t10\t18446744073709551615\n")
        let (s, g) = try build(dir, "a.bwg", [a]) { $0.timeColumn = 3 }
        XCTAssertEqual(g.watermark, UInt64.max)
        XCTAssertEqual(s.watermark, UInt64.max)
        XCTAssertEqual(s.watermarkSource, "time column 3")
        XCTAssertEqual(s.duplicateEdges, 1)
        XCTAssertEqual(uint64(try buildRecord(g)["watermark"]), UInt64.max)
        XCTAssertEqual(try buildRecord(g)["time_column"] as? Int, 3)

        // Only zeros: a watermark of 0, not none.
        let zeros = dir.write("zeros.tsv", "1\t10\t0\n2\t10\t0\n")
        XCTAssertEqual(try build(dir, "zeros.bwg", [zeros]) { $0.timeColumn = 3 }.1.watermark, 0)

        // Over several inputs, in the first column, past 2^53 (a Double
        // would round 2^53 + 1 down to 2^53).
        let b = dir.write("b.csv", "9007199254740993,1,10\n7,2,10\n")
        let c = dir.write("c.csv", "9007199254740992,3,11\n")
        let (s2, g2) = try build(dir, "bc.bwg", [b, c]) {
            $0.timeColumn = 1
            $0.pinColumn = 2
            $0.boardColumn = 3
        }
        XCTAssertEqual(g2.watermark, 9_007_199_254_740_993)
        XCTAssertEqual(s2.watermarkSource, "time column 1")
    }

    func testEdgesThatPruningRemovesStillCount() throws {
        let dir = TempDir()
        // Pin 1 keeps its best-scored board 10; the edge to 11 holds the newest time.
        let edges = dir.write("e.tsv", "1\t10\t0.9\t5\n1\t11\t0.1\t500\n2\t10\t0.5\t6\n")
        let (s, g) = try build(dir, "g.bwg", [edges]) {
            $0.scoreColumn = 3
            $0.timeColumn = 4
            $0.pruning.maxPinDegree = 1
        }
        XCTAssertEqual(s.edges, 2, "the edge 1-11 was pruned")
        XCTAssertEqual(try g.boards(of: PinID(1)), [BoardID(10)])
        XCTAssertEqual(g.watermark, 500, "the newest time the input held")
    }

    func testABadTimeIsAnInvalidLine() throws {
        let dir = TempDir()
        let cases: [(String, String)] = [
            ("soon", "time \"soon\" is not an unsigned integer"),
            ("-1", "time \"-1\" is not an unsigned integer"),
            ("1.5", "time \"1.5\" is not an unsigned integer"),
            ("18446744073709551616", "time 18446744073709551616 does not fit in 64 bits"),
            ("", "empty time"),
        ]
        for (i, (time, reason)) in cases.enumerated() {
            let edges = dir.write("bad\(i).tsv", "1\t10\t3\n2\t10\t\(time)\n2\t11\t4\n")
            // Refused with no invalid lines allowed, naming the file and line.
            assertThrows(try build(dir, "refused\(i).bwg", [edges]) { $0.timeColumn = 3 }, time,
                         containing: "bad\(i).tsv:2: \(reason)") {
                if case .malformedInput(_, 2, reason) = $0 { true } else { false }
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("refused\(i).bwg")))
            // Skipped and counted under maxInvalidLines; its time is not an edge's.
            let (s, g) = try build(dir, "skipped\(i).bwg", [edges]) {
                $0.timeColumn = 3
                $0.maxInvalidLines = 1
            }
            XCTAssertEqual(s.invalidLines, 1, time)
            XCTAssertEqual(s.invalidSamples, ["\(edges):2: \(reason)"], time)
            XCTAssertEqual(s.edges, 2, time)
            XCTAssertEqual(g.watermark, 4, time)
        }
        // A line without the time column is invalid too.
        let short = dir.write("short.tsv", "1\t10\t3\n2\t10\n")
        assertThrows(try build(dir, "short.bwg", [short]) { $0.timeColumn = 3 }, containing: "expected at least 3 columns") {
            if case .malformedInput(_, 2, _) = $0 { true } else { false }
        }
    }

    func testAnInputWithoutEdgesHasNoWatermark() throws {
        let dir = TempDir()
        let edges = dir.write("e.tsv", "pin_id\tboard_id\ttime\n# nothing yet\n")
        let (s, g) = try build(dir, "g.bwg", [edges]) {
            $0.timeColumn = 3
            $0.allowEmpty = true
        }
        XCTAssertEqual(s.edges, 0)
        XCTAssertNil(g.watermark)
        XCTAssertNil(s.watermarkSource)
    }

    // MARK: Refused options

    func testTheOptionAndATimeColumnTogetherAreRefused() throws {
        var options = BuildOptions()
        options.watermark = 5
        options.timeColumn = 3
        assertThrows(try GraphBuilder(options: options), containing: "give --watermark or --time-column, not both") {
            if case .invalidArgument = $0 { true } else { false }
        }
        let dir = TempDir()
        let edges = dir.write("e.tsv", "1\t10\t3\n")
        let r = try runBoardwalk(["build", "-q", "-o", dir.file("g.bwg"), "--watermark", "5", "--time-column", "3", edges])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("give --watermark or --time-column, not both"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("g.bwg")))
    }

    func testATimeColumnOnAnIdOrScoreColumnIsRefused() throws {
        for (time, score) in [(1, nil), (2, nil), (3, 3), (0, nil)] as [(Int, Int?)] {
            var options = BuildOptions()
            options.timeColumn = time
            options.scoreColumn = score
            assertThrows(try GraphBuilder(options: options), "time column \(time)", containing: "time column") {
                if case .invalidArgument = $0 { true } else { false }
            }
        }
        let dir = TempDir()
        let edges = dir.write("e.tsv", "1\t10\t3\n")
        for extra in [["--time-column", "1"], ["--time-column", "2"], ["--pin-column", "3", "--time-column", "3"],
                      ["--score-column", "3", "--time-column", "3"]] {
            let r = try runBoardwalk(["build", "-q", "-o", dir.file("g.bwg")] + extra + [edges])
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("--time-column must be at least 1 and differ from the id and score columns"), r.stderr)
        }
        // A header that moves the board ids onto the time column.
        let header = dir.write("h.tsv", "pin_id\tx\tboard_id\n1\t7\t10\n")
        assertThrows(try build(dir, "h.bwg", [header]) { $0.timeColumn = 3 }, containing: "the header puts board ids in the time column 3") {
            if case .malformedInput(_, 1, _) = $0 { true } else { false }
        }
    }

    // MARK: The command line

    func testBuildWithATimeColumnThenInfoShowsTheWatermark() throws {
        let dir = TempDir()
        let edges = dir.write("e.tsv", "pin_id\tboard_id\tsaved_at\n1\t10\t1700000000123\n2\t10\t9007199254740993\n2\t11\t5\n")
        let built = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("g.bwg"), "--time-column", "3", edges])
        XCTAssertEqual(built.status, 0, built.stderr)
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(built.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(uint64(b["watermark"]), 9_007_199_254_740_993, built.stdout)
        XCTAssertEqual(b["watermark_source"] as? String, "time column 3", built.stdout)

        let info = try runBoardwalk(["info", "--json", dir.file("g.bwg")])
        XCTAssertEqual(info.status, 0, info.stderr)
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(uint64(o["watermark"]), 9_007_199_254_740_993, info.stdout)
        let record = try XCTUnwrap(o["build"] as? [String: Any])
        XCTAssertEqual(record["watermark_source"] as? String, "time column 3", info.stdout)
        XCTAssertTrue(info.stdout.contains("\"watermark\":9007199254740993"), "exact in the text too: \(info.stdout)")

        let text = try runBoardwalk(["info", dir.file("g.bwg")])
        XCTAssertTrue(text.stdout.contains("watermark: 9007199254740993"), text.stdout)

        // --watermark, and none: null, not absent.
        let given = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("w.bwg"), "--watermark", "42", edges])
        XCTAssertEqual(given.status, 0, given.stderr)
        XCTAssertEqual(try Graph(path: dir.file("w.bwg")).watermark, 42)
        let none = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("n.bwg"), edges])
        let n = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(none.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(n["watermark"] is NSNull, none.stdout)
        let noneInfo = try runBoardwalk(["info", "--json", dir.file("n.bwg")])
        let ni = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(noneInfo.stdout.utf8)) as? [String: Any])
        XCTAssertTrue(ni["watermark"] is NSNull, noneInfo.stdout)
        XCTAssertTrue(try runBoardwalk(["info", dir.file("n.bwg")]).stdout.contains("watermark: none"))
    }
}
