// Hostile input must come back as an error, never a trap: WalkRequest (the
// `query --batch` line format), time budgets and the CLI's number options.
// Regression tests for what fuzzing and its review found (issue 6; the
// fuzzers are in Tests/fuzz).
import Boardwalk
import Foundation
import XCTest

final class InputHardeningTests: XCTestCase {
    /// A small graph: pins 1…3 on board 10, pin 3 also on board 11 with pin 4.
    nonisolated(unsafe) static let fixture: (dir: TempDir, graph: Graph) = {
        let dir = TempDir()
        let b = try! GraphBuilder()
        for (p, bd) in [(1, 10), (2, 10), (3, 10), (3, 11), (4, 11)] as [(UInt64, UInt64)] {
            try! b.addEdge(pin: PinID(p), board: BoardID(bd))
        }
        _ = try! b.build(to: dir.file("g.bwg"))
        return (dir, try! Graph(path: dir.file("g.bwg")))
    }()

    func request(_ json: String, defaults: WalkParameters = WalkParameters()) throws -> WalkRequest {
        try WalkRequest(json: Data(json.utf8), defaults: defaults)
    }

    /// The error message of a request that must fail with invalidArgument.
    func rejection(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let r = try request(json)
            XCTFail("\(json) decoded to \(r)", file: file, line: line)
        } catch BoardwalkError.invalidArgument(let message) {
            return message
        } catch {
            XCTFail("\(json): expected invalidArgument, got \(error)", file: file, line: line)
        }
        return ""
    }

    func testWalkRequestDecodesEveryFieldOverTheDefaults() throws {
        var base = WalkParameters()
        base.steps = 777
        base.top = 9
        let r = try request("""
            {"pins": {"1": 2, " 1 ": 0.5, "2": 1}, "boards": {"10": 3}, "candidates": [3, "4"], "exclude": ["2", 5],
             "seed": "42", "language": "en", "steps": 1500, "restart": 0.5, "early_stop": [10, 2], "boost": false,
             "include_boards": true, "lenient": true, "time_budget_ms": 2.5, "popularity_penalty": 1.2, "x-extra": [1],
             "method": "exact", "exponent": 0.75}
            """, defaults: base)
        XCTAssertEqual(r.pins, [PinID(1): 2.5, PinID(2): 1], "keys naming the same id add up")
        XCTAssertEqual(r.boards, [BoardID(10): 3])
        XCTAssertEqual(r.candidates, [PinID(3), PinID(4)])
        XCTAssertEqual(r.exclude, [PinID(2), PinID(5)])
        let p = r.parameters
        XCTAssertEqual(p.seed, 42)
        XCTAssertEqual(p.steps, 1500)
        XCTAssertEqual(p.top, 9, "a field not given keeps the default")
        XCTAssertEqual(p.restart, 0.5)
        XCTAssertEqual(p.earlyStop, WalkParameters.EarlyStop(np: 10, nv: 2))
        XCTAssertFalse(p.boost)
        XCTAssertEqual(p.language, "en")
        XCTAssertNil(p.topic)
        XCTAssertNil(p.bias, "a language without a bias leaves the bias to the library (1)")
        XCTAssertTrue(p.includeBoards)
        XCTAssertTrue(p.lenient)
        XCTAssertEqual(p.timeBudget, .microseconds(2500))
        XCTAssertEqual(p.popularityPenalty, 1.2)
        XCTAssertEqual(p.method, .exact)
        XCTAssertEqual(p.exponent, 0.75)

        let plain = try request("{\"early_stop\": false}", defaults: base)
        XCTAssertNil(plain.parameters.earlyStop)
        XCTAssertNil(plain.candidates, "no candidates: a recommendation")
        XCTAssertEqual(plain, WalkRequest(parameters: { var q = base; q.earlyStop = nil; return q }()))
    }

    func testWalkRequestRejectsBadShapesWithTheCLIsMessages() {
        XCTAssertTrue(rejection("not json").hasPrefix("invalid JSON: "))
        XCTAssertTrue(rejection("[]").hasPrefix("invalid query: must be a JSON object"))
        XCTAssertTrue(rejection("{\"top\": \"5\"}").hasPrefix("top: must be an integer"))
        XCTAssertTrue(rejection("{\"pins\": {\"1\": \"x\"}}").hasPrefix("pins.1: must be a weight"))
        XCTAssertTrue(rejection("{\"pins\": {\"1\": NaN}}").hasPrefix("invalid JSON: "), "NaN is not JSON")
        XCTAssertTrue(rejection("{\"steps\": -1}").hasPrefix("steps: must be an unsigned integer"))
        XCTAssertTrue(rejection("{\"early_stop\": [1, -1]}").hasPrefix("early_stop: must be [NP, NV]"))
        XCTAssertEqual(rejection("{\"pins\": {\"x1\": 1}}"), "pins: \"x1\" is not an unsigned 64-bit id")
        XCTAssertEqual(rejection("{\"method\": \"sampled\"}"), "method: must be \"walk\" or \"exact\", not \"sampled\"")
        XCTAssertEqual(rejection("{\"pins\": {\"18446744073709551616\": 1}}"), "pins: \"18446744073709551616\" is not an unsigned 64-bit id")
        XCTAssertEqual(rejection("{\"time_budget_ms\": \"5\"}"), "time_budget_ms: must be a number of milliseconds, not \"5\"")
    }

    /// The message of a request that decodes but breaks a rule of the C
    /// library, which checks the values (WalkParameters.validate()).
    func ruleBroken(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let r = try request(json)
        do {
            try r.parameters.validate()
            XCTFail("\(json) passed validation", file: file, line: line)
        } catch BoardwalkError.invalidArgument(let message) {
            // A walk reports the same message as validate().
            XCTAssertThrowsError(try Self.fixture.graph.walk(pins: [PinID(1): 1], parameters: r.parameters), file: file, line: line) {
                XCTAssertEqual("\($0)", message, file: file, line: line)
            }
            return message
        }
        return ""
    }

    func testRangesAreTheCLibrarysRules() throws {
        let maxMs = "18446744073709"
        XCTAssertEqual(try ruleBroken("{\"time_budget_ms\": 0}"),
                       "time_budget_ms must be a positive number of milliseconds up to \(maxMs), not 0")
        XCTAssertEqual(try ruleBroken("{\"time_budget_ms\": -1}"),
                       "time_budget_ms must be a positive number of milliseconds up to \(maxMs), not -1")
        XCTAssertEqual(try ruleBroken("{\"steps\": 0}"), "steps must be an integer from 1 to 1000000000, not 0")
        XCTAssertEqual(try ruleBroken("{\"top\": 0}"), "top must be an integer from 1 to 1000000, not 0")
        XCTAssertEqual(try ruleBroken("{\"restart\": 1.5}"), "restart must be in (0, 1], not 1.5")
        XCTAssertEqual(try ruleBroken("{\"bias\": -0.25}"), "bias must be in [0, 1], not -0.25")
        XCTAssertEqual(try ruleBroken("{\"exponent\": 2.5, \"method\": \"exact\"}"), "exponent must be in [0, 2], not 2.5")
        XCTAssertEqual(try ruleBroken("{\"popularity_penalty\": 3}"), "popularity_penalty must be in [0, 2], not 3")
        XCTAssertTrue(try ruleBroken("{\"early_stop\": [0, 1]}").hasPrefix("early_stop thresholds NP and NV must be at least 1"))
        XCTAssertTrue(try ruleBroken("{\"bias\": 0.5, \"method\": \"exact\"}").hasPrefix("the exact method has no biased form"))
        // A bias left unset is the library's: 0 without a language, so the
        // exact method runs; 1 with one, which the exact method refuses
        // (that needs the graph's attribute codes, so only the walk sees it).
        XCTAssertNoThrow(try request("{\"method\": \"exact\"}").parameters.validate())
        XCTAssertThrowsError(try request("{\"method\": \"exact\", \"language\": \"en\"}").parameters.validate()) {
            XCTAssertTrue("\($0)".hasPrefix("the exact method has no biased form"), "\($0)")
        }
        XCTAssertNoThrow(try request("{\"method\": \"exact\", \"language\": \"en\", \"bias\": 0}").parameters.validate())
    }

    /// Was a trap: Int64(ms * 1000) overflowed for budgets past about 2^63 µs.
    func testHugeTimeBudgetInARequestIsAnError() throws {
        for ms in ["1e300", "9.3e15", "18446744073710"] {
            XCTAssertTrue(try ruleBroken("{\"time_budget_ms\": \(ms)}").hasPrefix("time_budget_ms must be a positive number of milliseconds up to 18446744073709,"), ms)
        }
        // The largest allowed budget is accepted and walks.
        let r = try request("{\"pins\": {\"1\": 1}, \"time_budget_ms\": 18446744073709, \"steps\": 100}")
        XCTAssertEqual(r.parameters.timeBudget, .microseconds(18_446_744_073_709_000))
        let result = try Self.fixture.graph.walk(pins: r.pins, parameters: r.parameters)
        XCTAssertFalse(result.partial)
        XCTAssertEqual(result.steps, 100)
    }

    /// Were traps in the conversion to microseconds: -0.5 s is (0 s, -5e17 as),
    /// and 2^63 - 1 seconds overflowed the multiplication.
    func testNegativeAndHugeDurationsAreErrorsNotTraps() {
        let g = Self.fixture.graph
        var p = WalkParameters()
        p.steps = 100
        for budget: Duration in [.milliseconds(-500), .seconds(-3), .seconds(Int64.max), .microseconds(Int64.max)] {
            p.timeBudget = budget
            XCTAssertThrowsError(try g.walk(pins: [PinID(1): 1], parameters: p), "\(budget)") { error in
                guard case BoardwalkError.invalidArgument(let m) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(m.hasPrefix("time_budget_ms must be a positive number"), m)
            }
        }
        p.timeBudget = .zero
        XCTAssertThrowsError(try g.walk(pins: [PinID(1): 1], parameters: p), "no budget is nil, not zero")
        p.timeBudget = .nanoseconds(1)
        XCTAssertLessThanOrEqual(try g.walk(pins: [PinID(1): 1], parameters: p).steps, 100, "a budget under 1 µs is the smallest one")
    }

    /// Was a trap: with `maxLineBytes = Int.max` ("no limit"), a line longer
    /// than the 4 MiB read buffer computed Int.max + 1 before growing it.
    func testLinesLongerThanTheReadBufferWithoutALimit() throws {
        let dir = TempDir()
        let input = dir.write("long.tsv", "1\t10\n2\t10\t" + String(repeating: "x", count: 5 << 20) + "\n3\t11\n")
        var o = BuildOptions()
        o.maxLineBytes = .max
        let b = try GraphBuilder(options: o)
        try b.addEdges(from: input)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.inputEdges, 3, "the long line's extra column is ignored")
        XCTAssertEqual(s.lines, 3)
        // The limit still holds past the buffer: 5 MiB lines under a 6 MiB limit
        // pass, a 7 MiB one fails on its own line.
        o.maxLineBytes = 6 << 20
        let limited = try GraphBuilder(options: o)
        try limited.addEdges(from: input)
        let longer = dir.write("longer.tsv", "1\t10\n2\t10\t" + String(repeating: "y", count: 7 << 20) + "\n")
        XCTAssertThrowsError(try limited.addEdges(from: longer)) { error in
            guard case BoardwalkError.malformedInput(_, let line, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 2)
            XCTAssertEqual(reason, "line longer than \(6 << 20) bytes")
        }
    }

    /// The 64-byte line limit the edge fuzzer uses, at its boundary.
    func testSmallestLineLimitAtItsBoundary() throws {
        let dir = TempDir()
        let ok = String(repeating: "0", count: 29) + "1\t" + String(repeating: "0", count: 32) + "2"  // 64 bytes
        XCTAssertEqual(ok.utf8.count, 64)
        var o = BuildOptions()
        o.maxLineBytes = 64
        let b = try GraphBuilder(options: o)
        // (A \r before the \n counts towards the limit: it is cut after the check.)
        try b.addEdges(from: dir.write("ok.tsv", ok + "\n" + ok))
        XCTAssertThrowsError(try GraphBuilder(options: o).addEdges(from: dir.write("bad.tsv", "1\t2\n" + ok + "3"))) { error in
            guard case BoardwalkError.malformedInput(_, let line, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 2, "a 65-byte last line without a newline")
            XCTAssertEqual(reason, "line longer than 64 bytes")
        }
        XCTAssertEqual(try b.build(to: dir.file("g.bwg")).inputEdges, 2)
    }

    /// Were traps in the CLI: `--time-budget 1e300` (Int64 overflow), `--steps
    /// nanK` and `--steps 1e30K` (Int(Double) of NaN or out of range),
    /// `--chunk-size 18014398509481984K` (UInt64 multiplication overflow), and
    /// `time_budget_ms: 1e300` in a batch line.
    func testCommandLineNumbersOutOfRangeAreUsageErrors() throws {
        let dir = TempDir()
        let input = dir.write("e.tsv", "1\t10\n2\t10\n3\t10\n")
        let g = dir.file("g.bwg")
        XCTAssertEqual(try runBoardwalk(["build", "-q", "-o", g, input]).status, 0)
        for args in [["--time-budget", "1e300"], ["--steps", "nanK"], ["--steps", "infM"], ["--steps", "1e30K"]] {
            let r = try runBoardwalk(["query", g, "--pin", "1"] + args)
            XCTAssertFalse(r.signaled, "\(args): \(r.stderr)")
            XCTAssertEqual(r.status, 64, "\(args): \(r.stderr)")
        }
        let b = try runBoardwalk(["build", "-q", "-o", dir.file("h.bwg"), "--chunk-size", "18014398509481984K", input])
        XCTAssertFalse(b.signaled, b.stderr)
        XCTAssertEqual(b.status, 64, b.stderr)
        let batch = try runBoardwalk(["query", g, "--batch", "-"],
                                     stdin: "{\"pins\": {\"1\": 1}, \"time_budget_ms\": 1e300}\n{\"pins\": {\"1\": 1}, \"steps\": 50}\n")
        XCTAssertFalse(batch.signaled, batch.stderr)
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let lines = batch.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue((lines[0]["error"] as? String)?.hasPrefix("time_budget_ms must be a positive number of milliseconds up to") ?? false, "\(lines[0])")
        XCTAssertEqual(lines[1]["steps"] as? Int, 50, "the batch goes on after the error")
    }
}
