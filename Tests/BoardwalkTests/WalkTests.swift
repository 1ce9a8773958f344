// The walk through the Swift API: what a host service sees. The kernel's
// statistics (exact distributions, allocation, booster, early stopping) are
// tested in C in Tests/c/test_walk.c.
import Boardwalk
import Foundation
import XCTest

final class WalkTests: XCTestCase {
    /// A generated graph with planted communities and attributes.
    // Built once, then only read; the Graph inside is Sendable.
    nonisolated(unsafe) static let fixture: (dir: TempDir, graph: Graph, gen: EdgeGenerator) = {
        let dir = TempDir()
        var p = GeneratorParameters()
        p.pins = 5000; p.boards = 800; p.edges = 60000; p.communities = 8; p.seed = 21
        let gen = try! EdgeGenerator(p)
        var o = BuildOptions()
        o.chunkBytes = 4096
        let b = try! GraphBuilder(options: o)
        let langs = ["en", "fr", "de", "es"]
        gen.forEachEdge { pin, board in try! b.addEdge(pin: gen.pinID(pin), board: gen.boardID(board)) }
        for i in 0..<p.pins {
            // Language follows the community: a user's language selects a community.
            try! b.setAttributes(pin: gen.pinID(i), language: langs[gen.community(ofPin: i) % 4], topic: "c\(gen.community(ofPin: i))")
        }
        _ = try! b.build(to: dir.file("g.bwg"))
        return (dir, try! Graph(path: dir.file("g.bwg"), options: .verify), gen)
    }()

    var g: Graph { Self.fixture.graph }
    var gen: EdgeGenerator { Self.fixture.gen }

    /// A pin of the graph from community c with many boards.
    func pin(inCommunity c: Int, rank: Int = 0) -> PinID {
        let block = (gen.parameters.pins + gen.parameters.communities - 1) / gen.parameters.communities
        var found: [PinID] = []
        for i in (c * block)..<min((c + 1) * block, gen.parameters.pins) where g.contains(gen.pinID(i)) {
            found.append(gen.pinID(i))
            if found.count > rank { break }
        }
        return found[rank]
    }

    func communityOf(_ p: PinID) -> Int {
        let block = (gen.parameters.pins + gen.parameters.communities - 1) / gen.parameters.communities
        for i in 0..<gen.parameters.pins where gen.pinID(i) == p { return i / block }
        return -1
    }

    func testRecommendationsComeFromTheQueryCommunity() throws {
        var p = WalkParameters()
        p.top = 50
        p.seed = 3
        let q = pin(inCommunity: 2)
        let recs = try g.recommend(pins: [q: 1], parameters: p)
        XCTAssertEqual(recs.count, 50)
        let same = recs.filter { communityOf($0.pin!) == 2 }.count
        // Edges cross communities 5% of the time: the walk should stay home.
        XCTAssertGreaterThanOrEqual(same, 45, "\(same) of 50 results in the query's community")
        XCTAssertFalse(recs.contains { $0.pin == q }, "the query pin is never a result")
        XCTAssertEqual(recs.map(\.score), recs.map(\.score).sorted(by: >))
    }

    func testSameSeedSameResultsAcrossThreadsAndCalls() throws {
        var p = WalkParameters()
        p.seed = 99
        p.top = 30
        let q: [PinID: Double] = [pin(inCommunity: 1): 1, pin(inCommunity: 1, rank: 3): 0.5, pin(inCommunity: 4): 0.25]
        let reference = try g.recommend(pins: q, parameters: p)
        let results = ResultBox()
        let graph = g, params = p
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            results.set(i, try? graph.recommend(pins: q, parameters: params))
        }
        for i in 0..<8 { XCTAssertEqual(results.get(i), reference, "thread \(i)") }
        p.seed = 100
        XCTAssertNotEqual(try g.recommend(pins: q, parameters: p), reference)
        // A separate process (the CLI) computes the same ranking.
        let args = ["query", Self.fixture.dir.file("g.bwg"), "--seed", "99", "--top", "30", "--json"]
            + q.sorted { $0.key < $1.key }.map { ["--pin", "\($0.key):\($0.value)"] }.joined()
        let r = try runBoardwalk(Array(args))
        XCTAssertEqual(r.status, 0, r.stderr)
        let o = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        let ids = (o["results"] as! [[String: Any]]).map { ($0["id"] as! NSNumber).uint64Value }
        XCTAssertEqual(ids, reference.map { $0.pin!.rawValue })
    }

    func testUnknownIdsStrictAndLenient() throws {
        let known = pin(inCommunity: 0)
        XCTAssertThrowsError(try g.recommend(pins: [known: 1, PinID(12345): 1])) { error in
            XCTAssertEqual(error as? BoardwalkError, .unknownPin(12345))
        }
        XCTAssertThrowsError(try g.recommend(pins: [:], boards: [BoardID(7): 1])) { error in
            XCTAssertEqual(error as? BoardwalkError, .unknownBoard(7))
        }
        var p = WalkParameters()
        p.lenient = true
        let r = try g.walk(pins: [known: 1, PinID(12345): 1], boards: [BoardID(7): 2], parameters: p)
        XCTAssertEqual(r.unknownPins, [12345])
        XCTAssertEqual(r.unknownBoards, [7])
        XCTAssertFalse(r.recommendations.isEmpty)
        XCTAssertThrowsError(try g.recommend(pins: [PinID(12345): 1], parameters: p)) { error in
            XCTAssertEqual(error as? BoardwalkError, .emptyQuery)
        }
    }

    func testEmptyZeroAndNonFiniteWeights() throws {
        let q = pin(inCommunity: 3)
        XCTAssertThrowsError(try g.recommend(pins: [:])) { XCTAssertEqual($0 as? BoardwalkError, .emptyQuery) }
        XCTAssertThrowsError(try g.recommend(pins: [q: 0])) { XCTAssertEqual($0 as? BoardwalkError, .emptyQuery) }
        for bad in [Double.nan, .infinity, -1] {
            XCTAssertThrowsError(try g.recommend(pins: [q: bad]), "weight \(bad)") { error in
                guard case BoardwalkError.invalidArgument = error else { return XCTFail("\(error)") }
            }
        }
        var p = WalkParameters()
        p.restart = 0
        assertThrows(try g.recommend(pins: [q: 1], parameters: p), containing: "restart") { if case .invalidArgument = $0 { true } else { false } }
        p = WalkParameters()
        p.top = 0
        assertThrows(try g.recommend(pins: [q: 1], parameters: p), containing: "top") { if case .invalidArgument = $0 { true } else { false } }
        p = WalkParameters()
        p.steps = 0
        assertThrows(try g.recommend(pins: [q: 1], parameters: p), containing: "steps") { if case .invalidArgument = $0 { true } else { false } }
        p = WalkParameters()
        p.bias = 1.5
        p.language = "en"
        assertThrows(try g.recommend(pins: [q: 1], parameters: p), containing: "bias") { if case .invalidArgument = $0 { true } else { false } }
        p.bias = 1
        p.language = "klingon"
        XCTAssertThrowsError(try g.recommend(pins: [q: 1], parameters: p)) { error in
            guard case BoardwalkError.notFound = error else { return XCTFail("\(error)") }
        }
    }

    func testExclusionsBoardsAndBoardQueries() throws {
        var p = WalkParameters()
        p.seed = 5
        p.top = 20
        let q = pin(inCommunity: 5)
        let first = try g.recommend(pins: [q: 1], parameters: p)
        let excluded = Array(first.prefix(5).compactMap(\.pin))
        let second = try g.recommend(pins: [q: 1], parameters: p, exclude: excluded)
        XCTAssertTrue(Set(second.compactMap(\.pin)).isDisjoint(with: excluded))
        // A query pin of weight 0 starts no walk but is still the user's: never
        // returned (found by FuzzBatch), and the rest of the ranking is unchanged.
        let zero = excluded[0]
        let withZero = try g.recommend(pins: [q: 1, zero: 0], parameters: p)
        XCTAssertFalse(withZero.contains { $0.pin == zero })
        let others = first.filter { $0.pin != zero }.map(\.pin)
        XCTAssertEqual(Array(withZero.map(\.pin).prefix(others.count)), others)
        p.includeBoards = true
        let withBoards = try g.recommend(pins: [q: 1], parameters: p)
        XCTAssertTrue(withBoards.contains { if case .board = $0.node { return true } else { return false } })
        // A board query starts with a board -> pin hop: its own pins rank high.
        let board = try g.boards(of: q)[0]
        p.includeBoards = false
        let fromBoard = try g.recommend(pins: [:], boards: [board: 1], parameters: p)
        let members = Set(try g.pins(of: board))
        XCTAssertGreaterThan(fromBoard.filter { members.contains($0.pin!) }.count, 5)
    }

    func testScoresOfCandidatesMatchTheWalk() throws {
        var p = WalkParameters()
        p.seed = 8
        p.top = 10
        let q = pin(inCommunity: 6)
        let recs = try g.recommend(pins: [q: 1], parameters: p)
        let candidates = recs.map { $0.pin! } + [PinID(424242)]
        let scores = try g.score(candidates: candidates, pins: [q: 1], parameters: p)
        XCTAssertEqual(scores.count, candidates.count)
        XCTAssertEqual(Array(scores.prefix(recs.count)), recs.map(\.score))
        XCTAssertEqual(scores.last, 0)
    }

    func testPopularityPenaltyDividesByDegreeToTheBeta() throws {
        var p = WalkParameters()
        p.seed = 12
        p.top = 200
        p.popularityPenalty = 0
        let q: [PinID: Double] = [pin(inCommunity: 3): 1, pin(inCommunity: 3, rank: 2): 1]
        let plain = try g.recommend(pins: q, parameters: p)
        p.popularityPenalty = 0.7
        let candidates = plain.compactMap(\.pin)
        let penalized = try g.score(candidates: candidates, pins: q, parameters: p)
        for (rec, score) in zip(plain, penalized) {
            let degree = Double(try g.boards(of: rec.pin!).count)
            XCTAssertEqual(score, rec.score / pow(degree, 0.7), accuracy: 1e-9 * rec.score)
        }
        // The ranking follows the penalized scores, and favours less popular pins.
        let ranked = try g.recommend(pins: q, parameters: p)
        XCTAssertEqual(ranked.map(\.score), ranked.map(\.score).sorted(by: >))
        func meanDegree(_ r: [Recommendation]) throws -> Double {
            try Double(r.prefix(20).map { try g.boards(of: $0.pin!).count }.reduce(0, +)) / 20
        }
        XCTAssertLessThan(try meanDegree(ranked), try meanDegree(plain))
        p.popularityPenalty = 2.5
        assertThrows(try g.recommend(pins: q, parameters: p), containing: "popularity_penalty") { if case .invalidArgument = $0 { true } else { false } }
    }

    /// The exact method against a direct computation over the graph's
    /// neighbour lists (dictionaries, no kernel code).
    func testExactMethodMatchesADirectComputation() throws {
        let q: [PinID: Double] = [pin(inCommunity: 2): 3, pin(inCommunity: 2, rank: 1): 1, pin(inCommunity: 5): 0.5]
        let e = 0.8, beta = 0.6
        let total = q.values.reduce(0, +)
        var boardMass: [BoardID: Double] = [:]
        for (p, w) in q {
            let boards = try g.boards(of: p)
            for b in boards { boardMass[b, default: 0] += w / total * pow(Double(boards.count), -e) }
        }
        var score: [PinID: Double] = [:]
        for (b, m) in boardMass {
            let pins = try g.pins(of: b)
            for p in pins { score[p, default: 0] += m * pow(Double(pins.count), -e) }
        }
        for p in Array(score.keys) { score[p]! *= pow(Double(try g.boards(of: p).count), -beta) }
        for p in q.keys { score[p] = nil }

        var params = WalkParameters()
        params.method = .exact
        params.exponent = e
        params.popularityPenalty = beta
        params.top = 500
        let got = try g.walk(pins: q, parameters: params)
        XCTAssertFalse(got.partial)
        XCTAssertEqual(got.recommendations.count, min(500, score.count))
        for r in got.recommendations {
            let want = try XCTUnwrap(score[r.pin!])
            XCTAssertEqual(r.score, want, accuracy: 1e-12 * want)
        }
        // Nothing left out scores above the last one returned.
        let returned = Set(got.recommendations.compactMap(\.pin))
        let last = got.recommendations.last!.score
        XCTAssertFalse(score.contains { !returned.contains($0.key) && $0.value > last * (1 + 1e-12) })
        // The seed and the walk's parameters do not change an exact answer.
        params.seed = 99
        params.steps = 10
        params.restart = 0.2
        XCTAssertEqual(try g.recommend(pins: q, parameters: params), got.recommendations)
        // A bias has no exact counterpart: refused, not ignored.
        params.language = "fr"
        params.bias = 1
        XCTAssertThrowsError(try g.recommend(pins: q, parameters: params)) { error in
            guard case BoardwalkError.invalidArgument = error else { return XCTFail("\(error)") }
        }
    }

    /// The walk estimates the exact method: with restart 1 (walks of one
    /// step), no booster, no early stopping and no penalty, one query pin's
    /// visit frequencies converge to the exact 3-step probabilities (exponent
    /// 1). With N = 2M steps a frequency p has standard deviation √(p/N) ≤
    /// 3.2e-4 for p ≤ 0.2; the tolerance 0.002 is more than 6 of them.
    func testTheWalkConvergesToTheExactScores() throws {
        let q: [PinID: Double] = [pin(inCommunity: 4): 1]
        var w = WalkParameters()
        w.restart = 1
        w.boost = false
        w.earlyStop = nil
        w.popularityPenalty = 0
        w.steps = 2_000_000
        w.top = 100_000
        w.seed = 8
        var x = w
        x.method = .exact
        let walk = try g.walk(pins: q, parameters: w), exact = try g.walk(pins: q, parameters: x)
        XCTAssertEqual(walk.steps, 2_000_000)
        var freq: [PinID: Double] = [:]
        for r in walk.recommendations { freq[r.pin!] = Double(r.visits) / Double(walk.steps) }
        var worst = 0.0
        for r in exact.recommendations { worst = max(worst, abs((freq[r.pin!] ?? 0) - r.score)) }
        XCTAssertLessThan(worst, 0.002)
        XCTAssertEqual(Set(freq.keys), Set(exact.recommendations.compactMap(\.pin)), "the walk reaches exactly the pins the exact method scores")
    }

    func testBiasTowardsALanguage() throws {
        // Two query pins from communities with different languages (c1: fr, c2: de).
        let q: [PinID: Double] = [pin(inCommunity: 1): 1, pin(inCommunity: 2): 1]
        var p = WalkParameters()
        p.seed = 2
        p.top = 40
        p.language = "de"
        p.bias = 1
        let biased = try g.recommend(pins: q, parameters: p)
        let german = try biased.filter { try g.attributes(of: $0.pin!).language == "de" }.count
        XCTAssertGreaterThanOrEqual(Double(german), 0.95 * Double(biased.count), "\(german) of \(biased.count)")
        p.bias = 0
        let plain = try g.recommend(pins: q, parameters: p)
        let germanPlain = try plain.filter { try g.attributes(of: $0.pin!).language == "de" }.count
        XCTAssertLessThan(germanPlain, german)
    }

    func testTimeBudgetGivesAPartialResult() throws {
        var p = WalkParameters()
        p.steps = 1_000_000_000  // BW_MAX_STEPS
        p.earlyStop = nil
        p.timeBudget = .milliseconds(20)
        let start = Date()
        let r = try g.walk(pins: [pin(inCommunity: 0): 1], parameters: p)
        XCTAssertTrue(r.partial)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.0)
        XCTAssertGreaterThan(r.steps, 1000)
        XCTAssertFalse(r.recommendations.isEmpty)
    }

    /// The exact method honours a time budget too: a query whose
    /// neighbourhood takes longer than the budget comes back partial, with
    /// what was read so far, instead of running to the end.
    func testTimeBudgetBoundsTheExactMethod() throws {
        var q: [PinID: Double] = [:]
        for c in 0..<gen.parameters.communities { for rank in 0..<5 { q[pin(inCommunity: c, rank: rank)] = 1 } }
        var p = WalkParameters()
        p.method = .exact
        let full = try g.walk(pins: q, parameters: p)
        XCTAssertFalse(full.partial)
        XCTAssertGreaterThan(full.steps, 8192, "the query reads enough entries for two clock checks")
        p.timeBudget = .nanoseconds(1)  // rounded up to 1 µs: gone by the first check
        let cut = try g.walk(pins: q, parameters: p)
        XCTAssertTrue(cut.partial)
        XCTAssertLessThan(cut.steps, full.steps)
    }

    func testAsyncRecommendMatchesSync() async throws {
        var p = WalkParameters()
        p.seed = 4
        let q: [PinID: Double] = [pin(inCommunity: 7): 1]
        // A synchronous closure, so that `walk` is the blocking overload.
        let sync = try { try self.g.walk(pins: q, parameters: p) }().recommendations
        let viaAsync = try await g.recommend(pins: q, parameters: p)
        XCTAssertEqual(sync, viaAsync)
    }
}

/// Results written by concurrent threads, one slot each.
final class ResultBox: @unchecked Sendable {
    // Unchecked: every access holds the lock.
    private let lock = NSLock()
    private var values: [Int: [Recommendation]] = [:]
    func set(_ i: Int, _ v: [Recommendation]?) {
        lock.lock()
        values[i] = v
        lock.unlock()
    }
    func get(_ i: Int) -> [Recommendation]? {
        lock.lock()
        defer { lock.unlock() }
        return values[i]
    }
}
