// Huge pages: OpenOptions.hugePages (BW_OPEN_HUGEPAGES), Graph.hugePageMethod
// and Graph.hugePages() (bw_graph_huge_pages), and the CLI's --huge-pages and
// huge_page_share. Every path of the option is tested in C
// (Tests/c/test_pages.c); here, that the bindings pass it through and the
// answers do not change.
import Boardwalk
import CBoardwalk
import Foundation
import XCTest

final class HugePageTests: XCTestCase {
    /// A graph of a few MiB (huge pages need more than 2 MiB).
    private func graph(_ dir: TempDir) throws -> String {
        let edges = try generatedEdges(pins: 60_000, boards: 6_000, edges: 400_000)
        let input = dir.write("e.tsv", edges.text)
        let b = try GraphBuilder()
        try b.addEdges(from: input)
        let path = dir.file("g.bwg")
        _ = try b.build(to: path)
        return path
    }

    private func answers(_ g: Graph) throws -> [[Recommendation]] {
        var out: [[Recommendation]] = []
        for i in 0..<6 {
            for method in [WalkParameters.Method.walk, .exact] {
                var p = WalkParameters()
                p.steps = 20_000
                p.seed = UInt64(i)
                p.method = method
                out.append(try g.walk(pins: [try g.pin(at: UInt32(i * 997)): 1], parameters: p).recommendations)
            }
        }
        return out
    }

    func testTheOptionChangesNoAnswer() throws {
        let dir = TempDir()
        let path = try graph(dir)
        let plain = try Graph(path: path)
        XCTAssertEqual(plain.hugePageMethod, .notAsked)
        let reference = try answers(plain)
        XCTAssertFalse(reference[0].isEmpty)

        let huge = try Graph(path: path, options: .hugePages)
        XCTAssertNotEqual(huge.hugePageMethod, .notAsked, "the option was passed to C")
        XCTAssertEqual(try answers(huge), reference, "the same answers in huge pages (\(huge.hugePageMethod))")
        try huge.verify()
        if huge.hugePageMethod != .unavailable {
            let usage = try XCTUnwrap(huge.hugePages(), "Linux says how the graph is mapped")
            XCTAssertGreaterThanOrEqual(usage.share, 0.9, "\(huge.hugePageMethod): \(usage)")
            XCTAssertGreaterThanOrEqual(usage.residentBytes, huge.stats.fileBytes * 9 / 10, "faulted in whole")
        }
        if huge.hugePageMethod == .copied {
            XCTAssertGreaterThanOrEqual(huge.stats.copiedBytes, huge.stats.fileBytes / 2)
        }
    }

    func testTheUsageIsAShareOfWhatIsResident() throws {
        let dir = TempDir()
        let g = try Graph(path: try graph(dir), options: .prefault)
        let usage = try XCTUnwrap(g.hugePages(), "a prefaulted graph is resident")
        XCTAssertTrue((0...1).contains(usage.share))
        XCTAssertLessThanOrEqual(usage.hugeBytes, usage.residentBytes)
        XCTAssertEqual(usage.share, Double(usage.hugeBytes) / Double(usage.residentBytes), accuracy: 1e-12)
        XCTAssertGreaterThanOrEqual(usage.residentBytes, g.stats.fileBytes * 9 / 10, "prefault maps the whole file")
    }

    func testMethodNamesAreTheCValuesInOrder() {
        XCTAssertEqual(HugePageMethod.allCases.map(\.rawValue), [0, 1, 2, 3, 4])
        XCTAssertEqual(HugePageMethod.allCases.map(\.name), ["not_asked", "already", "refilled", "copied", "unavailable"])
        XCTAssertEqual(
            [HugePageMethod.notAsked, .already, .refilled, .copied, .unavailable].map(\.rawValue),
            [UInt64(BW_HUGE_NOT_ASKED), UInt64(BW_HUGE_ALREADY), UInt64(BW_HUGE_REFILLED), UInt64(BW_HUGE_COPIED),
             UInt64(BW_HUGE_UNAVAILABLE)])
    }

    func testTheCommandLineShowsAndUsesHugePages() throws {
        let dir = TempDir()
        let path = try graph(dir)
        let info = try runBoardwalk(["info", "--json", path])
        XCTAssertEqual(info.status, 0, info.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
        let share = try XCTUnwrap(object["huge_page_share"] as? Double, info.stdout)
        XCTAssertTrue((0...1).contains(share))
        let plainInfo = try runBoardwalk(["info", path])
        XCTAssertTrue(plainInfo.stdout.contains("huge pages: "), plainInfo.stdout)

        let bench = try runBoardwalk(["bench", path, "--huge-pages", "--json", "--quiet", "--threads", "1",
                                      "--seconds", "0.2", "--queries", "5", "--steps", "2000"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bench.stdout.utf8)) as? [String: Any])
        let method = try XCTUnwrap(b["huge_page_method"] as? String)
        XCTAssertTrue(["already", "refilled", "copied", "unavailable"].contains(method), method)
        XCTAssertNotNil(b["huge_page_share"])

        let args = ["query", path, "--pin", "\(try Graph(path: path).pin(at: 3).rawValue)", "--json", "--seed", "7", "--top", "20"]
        func results(_ r: CommandResult) throws -> String {
            XCTAssertEqual(r.status, 0, r.stderr)
            let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            let data = try JSONSerialization.data(withJSONObject: try XCTUnwrap(o["results"]), options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
        let plainResults = try results(try runBoardwalk(args))
        XCTAssertTrue(plainResults.count > 100, plainResults)
        XCTAssertEqual(try results(try runBoardwalk(args + ["--huge-pages"])), plainResults, "--huge-pages changes no answer")
    }
}
