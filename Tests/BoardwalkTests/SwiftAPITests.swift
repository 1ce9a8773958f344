// The Swift API as good as its C: errors that carry the C code and compare
// by it, async walks and scores that equal the synchronous ones, stop when
// their task is cancelled and never run more at once than there are cores,
// and the typed forms of titles, attributes and degree quantiles.
import CBoardwalk
import Foundation
import XCTest

@testable import Boardwalk

final class SwiftAPITests: XCTestCase {
    var g: Graph { WalkTests.fixture.graph }
    var gen: EdgeGenerator { WalkTests.fixture.gen }

    /// A pin of the fixture with boards.
    func somePin(_ i: Int = 0) -> PinID {
        (0..<gen.parameters.pins).lazy.map { self.gen.pinID($0) }.filter { self.g.contains($0) }.dropFirst(i).first!
    }

    // MARK: Errors

    func testEveryCCodeMapsToItsCaseAndBack() {
        let expected: [(Int32, BoardwalkError)] = [
            (BW_ENOTGRAPH, .notAGraph("")), (BW_EVERSION, .formatVersion("")), (BW_ECORRUPT, .corrupt("")),
            (BW_EINVAL, .invalidArgument("")), (BW_ENOTFOUND, .notFound("")), (BW_ENOMEM, .outOfMemory),
            (BW_EEMPTY, .emptyQuery), (BW_ERANGE, .outOfRange("")), (BW_ELIMIT, .limitExceeded("")),
            (BW_ENODATA, .noData("")),
        ]
        // Every code of boardwalk.h's range, each once.
        XCTAssertEqual(expected.map(\.0).sorted(), Array(BW_ERRCODE_FIRST...BW_ERRCODE_LAST))
        for (code, error) in expected {
            let made = BoardwalkError(code: code)
            XCTAssertEqual(made, error, "code \(code)")
            XCTAssertEqual(made.code, code)
            XCTAssertEqual(error.code, code)
            XCTAssertEqual(made.description.isEmpty, false, "code \(code) has bw_strerror's text")
            if case .library = made { XCTFail("code \(code) fell into .library") }
        }
        XCTAssertEqual(BoardwalkError(code: BW_ERANGE, message: "index 9 of 3").description, "index 9 of 3")
        // Codes of the cases the C side never returns.
        XCTAssertEqual(BoardwalkError.unknownPin(1).code, BW_ENOTFOUND)
        XCTAssertEqual(BoardwalkError.unknownBoard(1).code, BW_ENOTFOUND)
        XCTAssertEqual(BoardwalkError.emptyGraph("x").code, BW_EEMPTY)
        XCTAssertEqual(BoardwalkError.malformedInput(file: "f", line: 1, reason: "r").code, BW_EINVAL)
        XCTAssertEqual(BoardwalkError.io(path: "p", reason: "r").code, EIO)
        // LMDB and errno codes stay themselves.
        let lmdb = BoardwalkError(code: -30798)
        XCTAssertEqual(lmdb.code, -30798)
        XCTAssertEqual(lmdb, .library(code: -30798, message: "anything"))
        XCTAssertEqual(BoardwalkError(code: ENOENT).code, ENOENT)
    }

    func testErrorsCompareByCodeAndIdentityNotMessage() {
        XCTAssertEqual(BoardwalkError.invalidArgument("steps must be …"), .invalidArgument("other words"))
        XCTAssertNotEqual(BoardwalkError.invalidArgument("x"), .corrupt("x"))
        XCTAssertEqual(BoardwalkError.unknownPin(7), .unknownPin(7))
        XCTAssertNotEqual(BoardwalkError.unknownPin(7), .unknownPin(8))
        XCTAssertNotEqual(BoardwalkError.unknownPin(7), .unknownBoard(7))
        XCTAssertNotEqual(BoardwalkError.unknownPin(7), .notFound("unknown pin 7"))
        XCTAssertNotEqual(BoardwalkError.emptyQuery, .emptyGraph("no edges"))
        XCTAssertEqual(BoardwalkError.malformedInput(file: "a", line: 3, reason: "x"), .malformedInput(file: "a", line: 3, reason: "y"))
        XCTAssertNotEqual(BoardwalkError.malformedInput(file: "a", line: 3, reason: "x"), .malformedInput(file: "a", line: 4, reason: "x"))
        XCTAssertEqual(BoardwalkError.io(path: "/p", reason: "x"), .io(path: "/p", reason: "y"))
        XCTAssertNotEqual(BoardwalkError.io(path: "/p", reason: "x"), .io(path: "/q", reason: "x"))
        XCTAssertNotEqual(BoardwalkError.library(code: -30798, message: "m"), .library(code: -30797, message: "m"))
        // Hashing agrees with ==.
        let set: Set<BoardwalkError> = [.corrupt("a"), .corrupt("b"), .unknownPin(1), .unknownPin(2)]
        XCTAssertEqual(set.count, 3)
    }

    func testCatchMatchesByCaseByCodeAndByCodeConstant() throws {
        let pins = Int(g.stats.pins)
        // BW_ERANGE from the C library, caught by its own case.
        do {
            _ = try g.pin(at: UInt32(pins))
            XCTFail("no error")
        } catch BoardwalkError.outOfRange {
        }
        // By code, as GRDB's DatabaseError allows.
        do {
            var p = WalkParameters()
            p.steps = 0
            _ = try g.walk(pins: [somePin(): 1], parameters: p)
            XCTFail("no error")
        } catch let e as BoardwalkError where e.code == BW_EINVAL {
            XCTAssertEqual(e, .invalidArgument(""))
        }
        // A Code constant matches every case of its code.
        for query in [[PinID(12345): 1.0], [:]] {
            do {
                _ = try g.walk(pins: query, boards: query.isEmpty ? [BoardID(7): 1] : [:])
                XCTFail("no error")
            } catch BoardwalkError.Code.notFound {
            }
        }
        do {
            _ = try g.recommend(pins: [:])
            XCTFail("no error")
        } catch BoardwalkError.Code.notFound {
            XCTFail("matched the wrong code")
        } catch BoardwalkError.Code.empty {
        }
        XCTAssertTrue(BoardwalkError.Code.notFound ~= BoardwalkError.unknownBoard(3))
        XCTAssertFalse(BoardwalkError.Code.notFound ~= CancellationError())
    }

    // MARK: Async walks

    func testAsyncWalkAndScoreEqualSyncForTheSameSeed() async throws {
        var p = WalkParameters()
        p.seed = 99
        p.top = 30
        let q: [PinID: Double] = [somePin(0): 1, somePin(5): 0.5]
        let candidates = Array((0..<40).map { somePin($0) })
        // Synchronous closures, so that the blocking overloads run.
        let syncWalk = try { try self.g.walk(pins: q, parameters: p) }()
        let syncScore = try { try self.g.score(candidates: candidates, pins: q, parameters: p) }()
        let asyncWalk = try await g.walk(pins: q, parameters: p)
        let asyncScore = try await g.score(candidates: candidates, pins: q, parameters: p)
        XCTAssertEqual(asyncWalk.recommendations, syncWalk.recommendations)
        XCTAssertEqual(asyncWalk.steps, syncWalk.steps)
        XCTAssertFalse(asyncWalk.partial)
        XCTAssertEqual(asyncScore, syncScore)
        XCTAssertGreaterThan(asyncScore.filter { $0 > 0 }.count, 0)
        // The live graph's async forms too.
        let live = try LiveGraph(graph: g)
        let liveWalk = try await live.walk(pins: q, parameters: p)
        XCTAssertEqual(liveWalk.recommendations, syncWalk.recommendations)
        let liveScore = try await live.score(candidates: candidates, pins: q, parameters: p)
        XCTAssertEqual(liveScore, syncScore)
        // Errors come through as they are.
        do {
            _ = try await g.walk(pins: [PinID(12345): 1])
            XCTFail("no error")
        } catch BoardwalkError.unknownPin(let pin) {
            XCTAssertEqual(pin, 12345)
        }
    }

    /// A walk of 10^9 steps (tens of seconds) stops within moments of its
    /// task's cancellation, with CancellationError.
    func testCancellingALongWalkReturnsPromptlyWithCancellationError() async throws {
        var long = WalkParameters()
        long.steps = UInt64(BW_MAX_STEPS)
        long.earlyStop = nil
        let p = long
        let q: [PinID: Double] = [somePin(): 1]
        let graph = g
        for scoring in [false, true] {
            let task = Task {
                if scoring {
                    _ = try await graph.score(candidates: [q.keys.first!], pins: q, parameters: p)
                } else {
                    _ = try await graph.walk(pins: q, parameters: p)
                }
            }
            try await Task.sleep(for: .milliseconds(200))
            let cancelled = ContinuousClock.now
            task.cancel()
            do {
                try await task.value
                XCTFail("a walk of 10^9 steps finished, or was not cancelled")
            } catch is CancellationError {
            }
            let took = ContinuousClock.now - cancelled
            XCTAssertLessThan(took, .seconds(2), "cancellation took \(took)")
        }
        // A task cancelled before the walk starts does not walk at all.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await graph.walk(pins: q, parameters: p)
        }
        do {
            _ = try await early.value
            XCTFail("no error")
        } catch is CancellationError {
        }
    }

    /// More concurrent async walks than cores never run more walks at once
    /// than cores: measured by the pool's own counter of running jobs
    /// (incremented before a walk starts, decremented after it returns).
    func testAsyncWalksNeverRunMoreAtOnceThanCores() async throws {
        let width = WalkPool.shared.width
        XCTAssertEqual(width, ProcessInfo.processInfo.activeProcessorCount)
        var million = WalkParameters()
        million.steps = 1_000_000
        million.earlyStop = nil
        let p = million
        let graph = g
        let pins = (0..<(width + 4)).map { somePin($0) }
        _ = WalkPool.shared.takePeak()
        let started = ContinuousClock.now
        let steps = try await withThrowingTaskGroup(of: UInt64.self) { group in
            for pin in pins {
                group.addTask { try await graph.walk(pins: [pin: 1], parameters: p).steps }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - started
        let peak = WalkPool.shared.takePeak()
        XCTAssertEqual(steps, UInt64(pins.count) * p.steps)
        XCTAssertLessThanOrEqual(peak, width, "more walks at once than cores")
        if width > 1 { XCTAssertGreaterThan(peak, 1, "the walks ran one at a time (took \(elapsed))") }
    }

    // MARK: Typed lookups

    func testAttributesOfABoard() throws {
        // The fixture's boards take the majority language of their pins.
        var seen = 0
        for i in 0..<50 {
            let board = gen.boardID(i)
            guard g.contains(board) else { continue }
            let a = try g.attributes(of: board)
            XCTAssertTrue(["en", "fr", "de", "es"].contains(a.language ?? "?"), "board \(board): \(a)")
            XCTAssertNotNil(a.topic)
            seen += 1
        }
        XCTAssertGreaterThan(seen, 10)
        XCTAssertThrowsError(try g.attributes(of: BoardID(12345))) {
            XCTAssertEqual($0 as? BoardwalkError, .unknownBoard(12345))
        }
        XCTAssertThrowsError(try g.attributes(of: PinID(12345))) {
            XCTAssertEqual($0 as? BoardwalkError, .unknownPin(12345))
        }
    }

    func testTypedTitlesAndLabelledQuantiles() throws {
        let dir = TempDir()
        let b = try GraphBuilder()
        try b.addEdge(pin: PinID(1), board: BoardID(1))
        try b.addEdge(pin: PinID(2), board: BoardID(1))
        try b.addEdge(pin: PinID(2), board: BoardID(2))
        b.setTitle("pin one", for: PinID(1))
        b.setTitle("board one", for: BoardID(1))
        _ = try b.build(to: dir.file("t.bwg"))
        let t = try Graph(path: dir.file("t.bwg"))
        XCTAssertEqual(t.title(of: PinID(1)), "pin one")
        XCTAssertEqual(t.title(of: BoardID(1)), "board one")
        XCTAssertNil(t.title(of: BoardID(2)))
        XCTAssertEqual(try t.degreeQuantiles(of: .pin, at: [0, 1]), [1, 2])
        XCTAssertEqual(try t.degreeQuantiles(of: .board, at: [0, 1]), [1, 2])
        XCTAssertThrowsError(try t.degreeQuantiles(of: .pin, at: [2])) {
            XCTAssertEqual(($0 as? BoardwalkError)?.code, BW_EINVAL)
        }
    }
}
