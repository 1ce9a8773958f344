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

    // MARK: The DocC article

    /// Runs the code of Documentation.docc/BuildRecommendSwap.md, copied
    /// below as it is there (the test checks that the copy is exact).
    func testTheArticleCodeRunsAsWritten() async throws {
        let dir = TempDir()
        let summary = try buildGraph(at: dir.file("a.bwg"), boardsPerPin: 2)
        XCTAssertEqual(summary.edges, 400)
        let recs = try recommendForBaker(graphPath: dir.file("a.bwg"))
        XCTAssertFalse(recs.isEmpty)
        XCTAssertTrue(recs.allSatisfy { ($0.pin?.rawValue ?? 0) <= 100 }, "a baker gets baking pins")
        let graph = try Graph(path: dir.file("a.bwg"))
        let viaAsync = try await recommendWithDeadline(graph)
        XCTAssertEqual(viaAsync?.isEmpty, false)
        try await serveAndSwap(directory: dir.path)
        XCTAssertEqual(try Graph(path: dir.file("pins.bwg")).stats.edges, 600)
        XCTAssertTrue(recommendOrExplain(graph, pin: PinID(999)).isEmpty)
        XCTAssertFalse(recommendOrExplain(graph, pin: PinID(1)).isEmpty)
        let live = try LiveGraph(path: dir.file("a.bwg"))
        var exact = WalkParameters()
        exact.method = .exact
        exact.top = 300
        let counts = try addTodaysSaves(live, body: Array("pin\tboard\ttime\n900\t1\t10\n900\t2\t10\n1\t2\t10\n".utf8))
        XCTAssertEqual([counts.added, counts.duplicates], [2, 1])
        let recommend = { (pin: PinID) throws -> [PinID] in try live.recommend(pins: [pin: 1], parameters: exact).compactMap(\.pin) }
        XCTAssertTrue(try recommend(1).contains(900), "the live pin is recommended")
        XCTAssertFalse(try recommend(101).contains(150), "the hidden pin is not")
        XCTAssertEqual(live.liveStatistics.removed, 3, "pin 2's edge to board 3 and pin 150's two edges")

        // The code below is the article's, character for character.
        let article = try String(contentsOfFile: #filePath.replacingOccurrences(
            of: "Tests/BoardwalkTests/SwiftAPITests.swift",
            with: "Sources/Boardwalk/Documentation.docc/BuildRecommendSwap.md"), encoding: .utf8)
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let copied = source.components(separatedBy: "// ARTICLE CODE BEGIN\n")[1].components(separatedBy: "// ARTICLE CODE END")[0]
        let blocks = article.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        XCTAssertEqual(blocks.count, 6)
        let expected = blocks.map { $0.replacingOccurrences(of: "import Boardwalk\n\n", with: "") }.joined(separator: "\n")
        XCTAssertEqual(copied, expected, "SwiftAPITests.swift's copy of the article's code differs from the article")
    }
}

// ARTICLE CODE BEGIN
func buildGraph(at path: String, boardsPerPin: Int) throws -> BuildSummary {
    let builder = try GraphBuilder()
    for pin in 1...200 {
        for k in 0..<boardsPerPin {
            // Pins 1-100 sit on boards 1-10, pins 101-200 on boards 11-20.
            let board = (pin <= 100 ? 1 : 11) + (pin + k) % 10
            try builder.addEdge(pin: PinID(UInt64(pin)), board: BoardID(UInt64(board)))
        }
        try builder.setAttributes(pin: PinID(UInt64(pin)), language: "en", topic: pin <= 100 ? "baking" : "travel")
    }
    builder.setTitle("Sourdough starter", for: PinID(1))
    builder.setTitle("Bread", for: BoardID(1))
    return try builder.build(to: path)
}

func recommendForBaker(graphPath: String) throws -> [Recommendation] {
    let graph = try Graph(path: graphPath, options: .verify)
    var parameters = WalkParameters()
    parameters.steps = 20_000
    parameters.top = 10
    parameters.seed = 7
    let result = try graph.walk(pins: [PinID(1): 1, PinID(2): 0.5], parameters: parameters)
    print("walked \(result.steps) steps in \(result.elapsedMicroseconds) µs")
    return result.recommendations
}

func recommendWithDeadline(_ graph: Graph) async throws -> [Recommendation]? {
    let request = Task { try await graph.recommend(pins: [PinID(150): 1]) }
    let timeout = Task {
        try await Task.sleep(for: .seconds(1))
        request.cancel()
    }
    defer { timeout.cancel() }
    do {
        return try await request.value
    } catch is CancellationError {
        return nil  // took longer than a second
    }
}

func serveAndSwap(directory: String) async throws {
    let path = directory + "/pins.bwg"
    _ = try buildGraph(at: path, boardsPerPin: 2)
    let live = try LiveGraph(path: path, options: .verify)

    try await withThrowingTaskGroup(of: Int.self) { group in
        // Requests keep coming while the graph is replaced.
        for user in 0..<50 {
            group.addTask {
                let pin = PinID(UInt64(1 + user % 200))
                return try await live.recommend(pins: [pin: 1]).count
            }
        }
        // The daily job writes the new graph beside the old and renames it
        // into place (the builder does both); then the service swaps.
        _ = try buildGraph(at: path, boardsPerPin: 3)
        try live.swap(to: path, options: .verify)
        for try await count in group { precondition(count > 0) }
    }
    print("generation \(live.generation), \(live.current.stats.edges) edges")
}

func addTodaysSaves(_ live: LiveGraph, body: [UInt8]) throws -> LiveAddCounts {
    // A request body (or a file: LiveEdgeList(path:)) in the edge-list
    // syntax of `boardwalk build`: pin<TAB>board[<TAB>time].
    let list = try LiveEdgeList(text: body, name: "request body")
    let counts = try live.addEdges(pins: list.pins, boards: list.boards, times: list.times)
    // An unsave and a takedown: no longer walked, from the next query on.
    try live.removeEdges([(pin: PinID(2), board: BoardID(3))])
    try live.hide(pin: PinID(150))
    return counts
}

func recommendOrExplain(_ graph: Graph, pin: PinID) -> [Recommendation] {
    do {
        return try graph.recommend(pins: [pin: 1])
    } catch BoardwalkError.unknownPin(let unknown) {
        print("pin \(unknown) is not in this graph")
    } catch BoardwalkError.Code.invalidArgument {
        print("the parameters are out of range")
    } catch {
        print("failed: \(error)")
    }
    return []
}
// ARTICLE CODE END
