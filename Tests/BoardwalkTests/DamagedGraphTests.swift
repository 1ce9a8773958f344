import Foundation
import XCTest

@testable import Boardwalk

/// Issue 12: a damaged graph file that opens without verification is safe to
/// query through the CLI and the Swift API (an answer or a clear error, never
/// a crash), and `query --verify` refuses it naming the file.
final class DamagedGraphTests: XCTestCase {
    /// The sample-like graph of the tests, and a copy whose whole board_adj
    /// array names pins past the end (found by the array's chunk key).
    private func graphAndDamagedCopy(_ dir: TempDir) throws -> (graph: String, damaged: String, pin: UInt64) {
        var text = "pin_id\tboard_id\n"
        for p in 1...60 { for b in 0..<3 { text += "\(p)\t\(1000 + (p * 7 + b * 13) % 20)\n" } }
        let edges = dir.write("edges.tsv", text)
        let graph = dir.file("g.bwg")
        let built = try runBoardwalk(["build", "--quiet", "--chunk-size", "64", "-o", graph, edges])
        XCTAssertEqual(built.status, 0, built.stderr)
        // board_adj as the builder lays it out: each board's pins (as indices,
        // pin ids 1...60 being indices 0...59), boards in id order. Find each
        // 64-byte chunk of it in the file and fill it with 0xFF bytes, so that
        // every pin index the walk reads is out of range.
        let g = try Graph(path: graph)
        var adj: [UInt32] = []
        for b in 1000..<1020 { adj += try g.pins(of: BoardID(UInt64(b))).map { UInt32($0.rawValue - 1) } }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: graph))
        var damagedChunks = 0
        for start in stride(from: 0, to: adj.count, by: 16) {
            let chunk = adj[start..<min(start + 16, adj.count)].withUnsafeBytes { Data($0) }
            // Every copy: LMDB may keep a freed older copy of a leaf page.
            var found = false
            while let r = bytes.range(of: chunk) {
                bytes.replaceSubrange(r, with: Data(repeating: 0xFF, count: r.count))
                found = true
            }
            if found { damagedChunks += 1 }
        }
        XCTAssertEqual(damagedChunks, (adj.count + 15) / 16, "every board_adj chunk found")
        let damaged = dir.file("damaged.bwg")
        try bytes.write(to: URL(fileURLWithPath: damaged))
        return (graph, damaged, 1)
    }

    func testQueryOnADamagedFileIsAnErrorNamingItAndVerifyRefusesIt() throws {
        let dir = TempDir()
        let (graph, damaged, pin) = try graphAndDamagedCopy(dir)
        let good = try runBoardwalk(["query", graph, "--pin", String(pin), "--verify"])
        XCTAssertEqual(good.status, 0, good.stderr)

        for method in ["walk", "exact"] {
            let r = try runBoardwalk(["query", damaged, "--pin", String(pin), "--method", method])
            XCTAssertFalse(r.signaled, "\(method): \(r.stderr)")
            XCTAssertEqual(r.status, 1, "\(method): \(r.stdout) \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(damaged) && r.stderr.contains("damaged") && r.stderr.contains("verify"),
                          "\(method): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
        let verified = try runBoardwalk(["query", damaged, "--pin", String(pin), "--verify"])
        XCTAssertEqual(verified.status, 1)
        XCTAssertTrue(verified.stderr.contains(damaged) && verified.stderr.contains("board_adj"), verified.stderr)
        let info = try runBoardwalk(["info", damaged])
        XCTAssertFalse(info.signaled, info.stderr)
    }

    func testTheSwiftAPIThrowsCorruptOnADamagedFile() throws {
        let dir = TempDir()
        let (_, damaged, pin) = try graphAndDamagedCopy(dir)
        let g = try Graph(path: damaged)
        for method in [WalkParameters.Method.walk, .exact] {
            var p = WalkParameters()
            p.method = method
            XCTAssertThrowsError(try g.recommend(pins: [PinID(pin): 1], parameters: p)) { error in
                guard case BoardwalkError.corrupt(let m) = error else { return XCTFail("\(method): \(error)") }
                XCTAssertTrue(m.contains(damaged), m)
            }
        }
        XCTAssertThrowsError(try Graph(path: damaged, options: .verify)) { error in
            guard case BoardwalkError.corrupt = error else { return XCTFail("\(error)") }
        }
    }
}
