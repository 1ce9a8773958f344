// Builds in bounded memory (issue 17): an input many times the budget is
// sorted on disk and gives the same graph as the in-memory build; a full
// disk leaves the old graph and no temporary files; peak memory stays
// within the budget.
import CBoardwalk
import Foundation
import XCTest

@testable import Boardwalk

final class BoundedMemoryBuildTests: XCTestCase {
    /// 300K edge lines (a sixth of them repeats) over 30K pins and 4K
    /// boards, fixed seed: the in-memory build would need about 8 MB, so
    /// at the 4 MiB minimum budget it sorts about 5 runs on disk.
    private static let edges: [(UInt64, UInt64)] = {
        var rng: UInt64 = 17
        func next() -> UInt64 {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return rng >> 33
        }
        var out: [(UInt64, UInt64)] = []
        for _ in 0..<250_000 {
            let pin = next() % 30_000 * 7919 + 3  // sparse, unordered ids
            out.append((pin, next() % 4_000 * 104_729 + 11))
        }
        out.append(contentsOf: out.prefix(50_000))  // repeats
        return out
    }()

    /// A score per edge line with few distinct values (ties are common),
    /// repeats of an edge scoring differently.
    private static func score(_ i: Int) -> Double { Double((i * 7919) % 5) - 1.5 }

    private func build(_ dir: TempDir, _ name: String, memoryLimit: UInt64?, titles: Bool, attributes: Bool,
                       pruning: PruningRules = PruningRules(), scores: Bool = false, failAfter: Int? = nil) throws -> BuildSummary {
        var o = BuildOptions()
        o.chunkBytes = 1 << 16  // the same chunking both ways (titles are laid out by chunk)
        o.memoryLimit = memoryLimit
        o.temporaryDirectory = dir.path
        o.pruning = pruning
        let b = try GraphBuilder(options: o)
        b.spillFailAfterBytes = failAfter
        for (i, (p, q)) in Self.edges.enumerated() {
            try b.addEdge(pin: PinID(p), board: BoardID(q), score: scores ? Self.score(i) : 0)
        }
        if titles {
            for (i, (p, q)) in Self.edges.prefix(20_000).enumerated() where i % 3 == 0 {
                b.storeTitle("pin \(p) «\(i)»", kind: .pin, id: p)
                b.storeTitle("board \(q)", kind: .board, id: q)
            }
            b.storeTitle("not in the graph", kind: .pin, id: 1)
        }
        if attributes {
            for (i, (p, _)) in Self.edges.prefix(50_000).enumerated() where i % 2 == 0 {
                try b.setAttributes(pin: PinID(p), language: i % 5 == 0 ? nil : "l\(p % 3)", topic: "t\(p % 7)")
            }
        }
        return try b.build(to: dir.file(name))
    }

    /// Every array a reader sees: counts, fingerprint, degrees, each list
    /// in stored order, titles, attributes, and a seeded walk.
    private func assertSameGraph(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let g = try Graph(path: a), h = try Graph(path: b)
        let s = g.stats, t = h.stats
        XCTAssertEqual([s.pins, s.boards, s.edges, s.maxPinDegree, s.maxBoardDegree, s.fingerprint, s.duplicateEdges],
                       [t.pins, t.boards, t.edges, t.maxPinDegree, t.maxBoardDegree, t.fingerprint, t.duplicateEdges],
                       file: file, line: line)
        XCTAssertEqual([s.hasPinTitles, s.hasBoardTitles, s.hasAttributes], [t.hasPinTitles, t.hasBoardTitles, t.hasAttributes],
                       file: file, line: line)
        // Each node and its list, as a comparable record.
        func pin(_ g: Graph, _ i: UInt32) throws -> [String] {
            let p = try g.pin(at: i)
            let a = try g.attributes(of: p)
            return ["\(p)", "\(try g.boards(of: p))", g.title(of: p) ?? "-", a.language ?? "-", a.topic ?? "-"]
        }
        func board(_ g: Graph, _ i: UInt32) throws -> [String] {
            let q = try g.board(at: i)
            let a = try g.attributes(of: q)
            return ["\(q)", "\(try g.pins(of: q))", g.title(of: q) ?? "-", a.language ?? "-", a.topic ?? "-"]
        }
        for i in 0..<UInt32(s.pins) { XCTAssertEqual(try pin(g, i), try pin(h, i), file: file, line: line) }
        for i in 0..<UInt32(s.boards) { XCTAssertEqual(try board(g, i), try board(h, i), file: file, line: line) }
        if s.pins > 0 {
            var params = WalkParameters()
            params.seed = 5
            let query = [try g.pin(at: 0): 1.0]
            let r1 = try g.recommend(pins: query, parameters: params), r2 = try h.recommend(pins: query, parameters: params)
            XCTAssertEqual(r1.map { $0.pin }, r2.map { $0.pin }, file: file, line: line)
        }
        XCTAssertEqual(g.buildInfo, h.buildInfo, "the build records (rules, per-rule counts, inputs)", file: file, line: line)
        XCTAssertEqual(try meta(a), try meta(b), "meta records (counts, degrees, fingerprint, every array's size and checksum)",
                       file: file, line: line)
    }

    /// The meta record of a graph file, found by its magic, without the
    /// creation time and its own checksum: every count, maximum degree,
    /// the fingerprint and each array's count, chunks and checksum, so
    /// equal records mean equal arrays byte for byte.
    private func meta(_ path: String) throws -> [UInt64] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let size = MemoryLayout<bw_format_meta>.size
        return try data.withUnsafeBytes { raw -> [UInt64] in
            let magic = Array("BWGRAPH\0".utf8)
            var i = 0
            while i + size <= raw.count {
                if raw[i] == magic[0] && Array(raw[i..<(i + 8)]) == magic && raw.loadUnaligned(fromByteOffset: i + 12, as: UInt32.self) == UInt32(size) {
                    var m = bw_format_meta()
                    withUnsafeMutableBytes(of: &m) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[i..<(i + size)])) }
                    m.created_unix = 0
                    m.meta_checksum = 0
                    return withUnsafeBytes(of: m) { Array($0.bindMemory(to: UInt64.self)) }
                }
                i += 1
            }
            throw TestSetupError("\(path): no meta record")
        }
    }

    func testTinyBudgetGivesTheInMemoryGraph() throws {
        // Under the (slower) sanitizers, only the build with titles and attributes.
        let sanitized = ProcessInfo.processInfo.environment["BOARDWALK_SANITIZED"] != nil
        for (titles, attributes) in sanitized ? [(true, true)] : [(false, false), (true, true)] {
            let dir = TempDir()
            let mem = try build(dir, "mem.bwg", memoryLimit: UInt64.max, titles: titles, attributes: attributes)
            let ext = try build(dir, "ext.bwg", memoryLimit: 4 << 20, titles: titles, attributes: attributes)
            XCTAssertFalse(mem.external)
            XCTAssertTrue(ext.external, "300K edges need about 8 MB in memory, more than 4 MiB")
            XCTAssertGreaterThan(ext.temporaryBytes, 0)
            XCTAssertEqual(ext.inputEdges, 300_000)
            print("external build: \(ext.temporaryBytes) bytes of temporary disk at most")
            XCTAssertEqual(ext.duplicateEdges, mem.duplicateEdges)
            XCTAssertEqual([ext.pinTitles, ext.boardTitles, ext.titlesForUnknownNodes],
                           [mem.pinTitles, mem.boardTitles, mem.titlesForUnknownNodes])
            XCTAssertEqual([ext.attributedPins, ext.attributesForUnknownPins], [mem.attributedPins, mem.attributesForUnknownPins])
            if titles { XCTAssertEqual(mem.titlesForUnknownNodes, 1) }
            try assertSameGraph(dir.file("mem.bwg"), dir.file("ext.bwg"))
            // Only the two graphs are left: temporary files are unlinked at once.
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["ext.bwg", "mem.bwg"])
        }
    }

    /// Pixie's rules, all of them, with settings that each remove something here.
    private static var allRules: PruningRules {
        var r = PruningRules()
        r.maxBoardEntropy = 2.7
        r.maxBoardDegree = 70
        r.pinDegreeExponent = 0.9
        r.maxPinDegree = 5
        r.minBoardDegree = 48
        r.minPinDegree = 3
        return r
    }

    /// Pruning within a 4 MiB budget: every rule, with scores and topics,
    /// with and without titles, gives the in-memory graph and the same
    /// per-rule counts.
    /// Not under the (slower) sanitizers: the random graphs below run there.
    func testTinyBudgetPrunedGivesTheInMemoryGraph() throws {
        if ProcessInfo.processInfo.environment["BOARDWALK_SANITIZED"] != nil { return }
        for v in [(titles: false, attributes: true, rules: Self.allRules), (titles: true, attributes: true, rules: Self.allRules)] {
            let dir = TempDir()
            let mem = try build(dir, "mem.bwg", memoryLimit: UInt64.max, titles: v.titles, attributes: v.attributes,
                                pruning: v.rules, scores: true)
            let ext = try build(dir, "ext.bwg", memoryLimit: 4 << 20, titles: v.titles, attributes: v.attributes,
                                pruning: v.rules, scores: true)
            XCTAssertFalse(mem.external)
            XCTAssertTrue(ext.external)
            XCTAssertEqual(ext.pruning, mem.pruning)
            print("pruned: \(mem.pruning.map { "\($0.rule) \($0.edges)/\($0.pins)/\($0.boards)" }), \(mem.edges) edges left")
            XCTAssertEqual(ext.pruning.count, 6)
            for r in mem.pruning { XCTAssertGreaterThan(r.edges, 0, "\(r.rule) removes edges here") }
            XCTAssertGreaterThan(mem.pruning.reduce(0) { $0 + $1.pins }, 0)
            XCTAssertGreaterThan(mem.pruning.reduce(0) { $0 + $1.boards }, 0)
            XCTAssertEqual([ext.pins, ext.boards, ext.edges, ext.duplicateEdges], [mem.pins, mem.boards, mem.edges, mem.duplicateEdges])
            XCTAssertEqual([ext.pinTitles, ext.boardTitles, ext.titlesForUnknownNodes],
                           [mem.pinTitles, mem.boardTitles, mem.titlesForUnknownNodes])
            XCTAssertEqual([ext.attributedPins, ext.attributesForUnknownPins], [mem.attributedPins, mem.attributesForUnknownPins])
            try assertSameGraph(dir.file("mem.bwg"), dir.file("ext.bwg"))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["ext.bwg", "mem.bwg"])
        }
    }

    /// Random graphs with scores, repeats, ties and (every other round)
    /// topics, as PruningTests draws them: each rule alone, all together
    /// and random combinations give, built externally in many small runs,
    /// the in-memory build's graph and counts.
    func testRandomPrunedGraphsMatchTheInMemoryBuild() throws {
        let sanitized = ProcessInfo.processInfo.environment["BOARDWALK_SANITIZED"] != nil
        var rng = SeededGenerator(seed: 2027)
        for round in 0..<(sanitized ? 2 : 6) {
            var edges: [(UInt64, UInt64, Double)] = []
            let pinsN = UInt64.random(in: 50...400, using: &rng), boardsN = UInt64.random(in: 10...80, using: &rng)
            for _ in 0..<Int.random(in: 1000...4000, using: &rng) {
                let p = UInt64.random(in: 1...pinsN, using: &rng) &* 1_000_003
                let b = UInt64.random(in: 1...boardsN, using: &rng) &* 0x9E37_79B9_7F4A_7C15  // ids up to 2^64 - 1
                edges.append((p, b, Double(Int.random(in: 0...4, using: &rng)) / 2 - (round % 2 == 0 ? 0 : 1)))
            }
            var topics: [UInt64: String] = [:]
            if round % 2 == 0 {
                for (p, _, _) in edges where p % 7 != 0 { topics[p] = ["art", "food", "travel", "diy"][Int(p % 4)] }
            }
            var cases: [PruningRules] = []
            for k in 0..<7 {
                var r = PruningRules()
                switch k {
                case 0: r.maxBoardEntropy = 1.9
                case 1: r.maxBoardDegree = 20
                case 2: r.pinDegreeExponent = 0.7
                case 3: r.maxPinDegree = 4
                case 4: r.minBoardDegree = 30
                case 5: r.minPinDegree = 8
                default:
                    r.maxBoardEntropy = topics.isEmpty ? nil : 1.9
                    r.maxBoardDegree = 40
                    r.pinDegreeExponent = 0.7
                    r.maxPinDegree = 6
                    r.minBoardDegree = 10
                    r.minPinDegree = 2
                }
                cases.append(r)
            }
            for _ in 0..<3 {  // random subsets
                var r = PruningRules()
                if Bool.random(using: &rng) && !topics.isEmpty { r.maxBoardEntropy = Double.random(in: 1.2...2, using: &rng) }
                if Bool.random(using: &rng) { r.maxBoardDegree = Int.random(in: 5...60, using: &rng) }
                if Bool.random(using: &rng) { r.pinDegreeExponent = Double.random(in: 0.3...1, using: &rng) }
                if Bool.random(using: &rng) { r.maxPinDegree = Int.random(in: 1...10, using: &rng) }
                if Bool.random(using: &rng) { r.minBoardDegree = Int.random(in: 1...40, using: &rng) }
                if Bool.random(using: &rng) { r.minPinDegree = Int.random(in: 1...10, using: &rng) }
                if !r.isEmpty { cases.append(r) }
            }
            for (i, rules) in cases.enumerated() where topics.isEmpty ? rules.maxBoardEntropy == nil : true {
                let dir = TempDir()
                func build(_ name: String, external: Bool) throws -> BuildSummary {
                    var o = BuildOptions()
                    o.chunkBytes = 1 << 12
                    o.pruning = rules
                    o.temporaryDirectory = dir.path
                    o.allowEmpty = true
                    o.memoryLimit = 4 << 20
                    let b = try GraphBuilder(options: o)
                    b.testForceExternal = external
                    b.testBatchRecords = external ? 700 : nil  // several runs in every sort
                    for (p, q, s) in edges { try b.addEdge(pin: PinID(p), board: BoardID(q), score: s) }
                    for (p, t) in topics { try b.setAttributes(pin: PinID(p), language: nil, topic: t) }
                    return try b.build(to: dir.file(name))
                }
                let mem = try build("mem.bwg", external: false)
                let ext = try build("ext.bwg", external: true)
                XCTAssertTrue(ext.external)
                XCTAssertEqual(ext.pruning, mem.pruning, "round \(round), case \(i): \(rules)")
                XCTAssertEqual([ext.pins, ext.boards, ext.edges, ext.duplicateEdges, ext.attributedPins, ext.attributesForUnknownPins],
                               [mem.pins, mem.boards, mem.edges, mem.duplicateEdges, mem.attributedPins, mem.attributesForUnknownPins],
                               "round \(round), case \(i)")
                if mem.edges > 0 { try assertSameGraph(dir.file("mem.bwg"), dir.file("ext.bwg")) }
            }
        }
    }

    /// A group larger than its memory spills to a file and is read back in order.
    func testGroupBufferSpillsAndReadsBackInOrder() throws {
        let dir = TempDir()
        let g = GroupBuffer<UInt64>(space: SpillSpace(directory: dir.path), memoryBytes: 0)  // 256 records in memory
        for n in [0, 1, 255, 256, 257, 10_000, 3] {
            g.reset()
            for i in 0..<n { try g.append(UInt64(i) &* 0x9E37_79B9_7F4A_7C15) }
            XCTAssertEqual(g.count, n)
            var got: [UInt64] = []
            while let v = try g.read() { got.append(v) }
            XCTAssertEqual(got, (0..<n).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }, "\(n) records")
        }
    }

    func testFullDiskLeavesTheOldGraphAndNoTemporaryFiles() throws {
        let dir = TempDir()
        let old = try build(dir, "g.bwg", memoryLimit: UInt64.max, titles: false, attributes: false)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        for failAfter in [0, 1 << 20, 2 << 20] {  // while reading, merging by pin, merging by board
            XCTAssertThrowsError(try build(dir, "g.bwg", memoryLimit: 4 << 20, titles: false, attributes: false, failAfter: failAfter)) {
                XCTAssertTrue("\($0)".contains("No space left on device"), "\($0)")
            }
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg"))), before)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["g.bwg"])
        }
        XCTAssertEqual(try Graph(path: dir.file("g.bwg")).stats.edges, UInt64(old.edges))
    }

    /// A build killed while it spills (its input pipe still open) leaves
    /// the old graph as it was and no temporary file.
    func testKilledBuildLeavesTheOldGraphAndNoTemporaryFiles() throws {
        let dir = TempDir()
        _ = try build(dir, "g.bwg", memoryLimit: UInt64.max, titles: false, attributes: false)
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try boardwalkExecutable())
        p.arguments = ["build", "-q", "--memory-limit", "4M", "--temp-dir", dir.path, "-o", dir.file("g.bwg"), "-"]
        let input = Pipe()
        p.standardInput = input
        try p.run()
        var text = ""
        for (q, b) in Self.edges { text += "\(q)\t\(b)\n" }
        input.fileHandleForWriting.write(Data(text.utf8))  // 300K lines: past the switch to an external build
        var runs = 0
        for _ in 0..<100 {  // wait (at most 10 s) until it has spilled a run: an unlinked file it holds open
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(p.processIdentifier)/fd")) ?? []
            runs = fds.filter {
                ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(p.processIdentifier)/fd/\($0)")) ?? "")
                    .contains(".boardwalk-spill-")
            }.count
            if runs > 0 { break }
            usleep(100_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        try? input.fileHandleForWriting.close()
        XCTAssertGreaterThan(runs, 0, "the build never spilled")
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg"))), before)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["g.bwg"])
    }

    /// Many more runs than one merge reads at once: merged in passes,
    /// in order, without repeats.
    func testMergePasses() throws {
        let dir = TempDir()
        let sorter = ExternalSorter<KeyPair>(space: SpillSpace(directory: dir.path), memoryBytes: 0, mergeBytes: 0)
        XCTAssertEqual(sorter.capacity, 1024)  // the smallest: 60K records make 59 runs, merged 4 at a time
        var rng: UInt64 = 3
        var expected = Set<[UInt64]>()
        for _ in 0..<60_000 {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1
            let a = rng >> 52, b = (rng >> 20) & 0xFFF | (rng & 1) << 63  // repeats, and keys up to 2^64 - 1
            expected.insert([a, b])
            try sorter.add(a, b)
        }
        let stream = try sorter.finish()
        var got: [[UInt64]] = []
        while let (a, b) = try stream.nextPair() { got.append([a, b]) }
        XCTAssertEqual(got, expected.sorted { $0.lexicographicallyPrecedes($1) })
    }

    func testMemoryLimitIsChecked() throws {
        var o = BuildOptions()
        o.memoryLimit = 1 << 20
        XCTAssertThrowsError(try GraphBuilder(options: o))
        let r = try runBoardwalk(["build", "--memory-limit", "1M", "-o", "/nonexistent/g.bwg", "x"])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--memory-limit must be a size of at least 4M"), r.stderr)
    }

    /// A pipe into `build -` at a 4 MiB budget: peak memory is the budget
    /// plus a fixed overhead, at most 10 MiB above a 1,000-edge build's
    /// (parser blocks in flight, up to 6 MiB, and buffers). The in-memory
    /// build of these 1M edges over 120K pins would need about 27 MB more
    /// than the 1,000-edge build. Not under sanitizers, whose shadow memory
    /// makes RSS meaningless.
    func testPipedBuildStaysWithinTheBudget() throws {
        if ProcessInfo.processInfo.environment["BOARDWALK_SANITIZED"] != nil { return }
        let dir = TempDir()
        func text(_ n: Int) -> String {
            var s = ""
            s.reserveCapacity(n * 16)
            for i in 0..<n {
                let (p, q) = Self.edges[i % Self.edges.count]
                s += "\(p + UInt64(i / Self.edges.count))\t\(q)\n"  // past 300K: other pins
            }
            return s
        }
        let million = text(1_000_000)
        func peak(_ n: Int, _ limit: String, _ out: String, _ extra: [String] = []) throws -> (rss: Double, json: [String: Any]) {
            let r = try runBoardwalk(["build", "--json", "-q", "--chunk-size", "64K", "--memory-limit", limit,
                                      "--temp-dir", dir.path, "-o", dir.file(out)] + extra + ["-"],
                                     stdin: n == 1_000_000 ? million : text(n))
            XCTAssertEqual(r.status, 0, r.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
            return ((json["peak_rss_bytes"] as! NSNumber).doubleValue, json)
        }
        let base = try peak(1_000, "unlimited", "base.bwg")
        let large = try peak(1_000_000, "4M", "large.bwg")
        XCTAssertEqual(large.json["external"] as? Bool, true)
        XCTAssertLessThan(large.rss, base.rss + Double(4 << 20) + Double(10 << 20), "peak RSS \(large.rss), base \(base.rss)")
        XCTAssertEqual(large.json["input_edges"] as? Int, 1_000_000)
        let distinct = Set((0..<1_000_000).map { i -> [UInt64] in
            let (p, q) = Self.edges[i % Self.edges.count]
            return [p + UInt64(i / Self.edges.count), q]
        })
        XCTAssertEqual(large.json["edges"] as? Int, distinct.count)
        // Pruned, within the same bound: a pin rule and a board rule (tombstones
        // both ways), on half the lines (the pruned in-memory build of them
        // would need about 20 MB more than the 1,000-edge build).
        let pruned = try peak(500_000, "4M", "pruned.bwg", ["--max-pin-degree", "6", "--min-board-degree", "90"])
        XCTAssertEqual(pruned.json["external"] as? Bool, true)
        XCTAssertLessThan(pruned.rss, base.rss + Double(4 << 20) + Double(10 << 20), "peak RSS \(pruned.rss), base \(base.rss)")
        let rules = pruned.json["pruning"] as! [[String: Any]]
        XCTAssertEqual(rules.count, 2)
        let distinctHalf = Set((0..<500_000).map { i -> [UInt64] in
            let (p, q) = Self.edges[i % Self.edges.count]
            return [p + UInt64(i / Self.edges.count), q]
        })
        XCTAssertEqual(rules.reduce(0) { $0 + ($1["edges"] as! Int) } + (pruned.json["edges"] as! Int), distinctHalf.count)
        for r in rules { XCTAssertGreaterThan(r["edges"] as! Int, 0, "\(r)") }
    }
}
