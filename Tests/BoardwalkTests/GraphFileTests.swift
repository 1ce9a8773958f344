// Building graph files and reading them back: round trips over many chunks,
// duplicates, bad input, gzip and part directories, atomicity, versions and
// corruption.
import Boardwalk
import Foundation
import XCTest

final class GraphFileTests: XCTestCase {
    /// Builds with the library API from an edge-list file.
    func build(_ dir: TempDir, _ text: String, chunk: UInt64 = 256, name: String = "g.bwg", allowEmpty: Bool = false)
        throws -> (Graph, BuildSummary)
    {
        let input = dir.write("edges-\(name).tsv", text)
        var o = BuildOptions()
        o.chunkBytes = chunk
        o.allowEmpty = allowEmpty
        let b = try GraphBuilder(options: o)
        try b.addEdges(from: input)
        let s = try b.build(to: dir.file(name))
        return (try Graph(path: dir.file(name)), s)
    }

    func testRoundTripOverManyChunks() throws {
        let dir = TempDir()
        let (pairs, text) = try generatedEdges(pins: 3000, boards: 400, edges: 20000, seed: 3)
        let (g, summary) = try build(dir, text, chunk: 256)
        var pinsOf: [UInt64: Set<UInt64>] = [:], boardsOf: [UInt64: Set<UInt64>] = [:]
        for (p, b) in pairs {
            pinsOf[b, default: []].insert(p)
            boardsOf[p, default: []].insert(b)
        }
        let distinct = boardsOf.values.reduce(0) { $0 + $1.count }
        let s = g.stats
        XCTAssertEqual(s.pins, UInt64(boardsOf.count))
        XCTAssertEqual(s.boards, UInt64(pinsOf.count))
        XCTAssertEqual(s.edges, UInt64(distinct))
        XCTAssertEqual(summary.duplicateEdges, pairs.count - distinct)
        XCTAssertEqual(s.duplicateEdges, UInt64(pairs.count - distinct))
        XCTAssertGreaterThan(s.chunks, 100, "a 256-byte chunk size must spread the arrays over many chunks")
        XCTAssertGreaterThan(s.copiedBytes, 0, "small chunks sit misaligned in LMDB leaf pages and must be copied")
        // Id maps: dense index order is ascending id order, both ways.
        let sortedPins = boardsOf.keys.sorted()
        for (i, id) in sortedPins.enumerated() { XCTAssertEqual(try g.pin(at: UInt32(i)).rawValue, id) }
        let sortedBoards = pinsOf.keys.sorted()
        for (i, id) in sortedBoards.enumerated() { XCTAssertEqual(try g.board(at: UInt32(i)).rawValue, id) }
        // Past the end: BW_ERANGE ("index out of range"), whichever case carries it.
        let notCorrupt: (BoardwalkError) -> Bool = { if case .corrupt = $0 { false } else { true } }
        assertThrows(try g.pin(at: UInt32(sortedPins.count)), containing: "out of range", notCorrupt)
        assertThrows(try g.board(at: UInt32(sortedBoards.count)), containing: "out of range", notCorrupt)
        // Every adjacency list, both directions, equals the input's.
        for (p, bs) in boardsOf {
            let got = try g.boards(of: PinID(p)).map(\.rawValue)
            XCTAssertEqual(Set(got), bs)
            XCTAssertEqual(got, got.sorted(), "without attributes a list is sorted by index, i.e. by id")
        }
        for (b, ps) in pinsOf {
            let got = try g.pins(of: BoardID(b)).map(\.rawValue)
            XCTAssertEqual(Set(got), ps)
            XCTAssertEqual(got.count, ps.count)
        }
        XCTAssertEqual(s.maxPinDegree, UInt64(boardsOf.values.map(\.count).max()!))
        XCTAssertEqual(s.maxBoardDegree, UInt64(pinsOf.values.map(\.count).max()!))
        XCTAssertNoThrow(try g.verify())
        XCTAssertNoThrow(try Graph(path: dir.file("g.bwg"), options: .verify))
    }

    func testSameEdgesSameFingerprintWhateverTheOrderOrChunking() throws {
        let dir = TempDir()
        let (pairs, text) = try generatedEdges(pins: 500, boards: 50, edges: 3000, seed: 9)
        let shuffled = "pin_id,board_id\n" + pairs.reversed().map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"
        let (a, _) = try build(dir, text, chunk: 1 << 20, name: "a.bwg")
        let (b, _) = try build(dir, shuffled, chunk: 64, name: "b.bwg")
        XCTAssertEqual(a.stats.fingerprint, b.stats.fingerprint)
        XCTAssertEqual(a.stats.edges, b.stats.edges)
        let (c, _) = try build(dir, text + "1\t2\n", chunk: 1 << 20, name: "c.bwg")
        XCTAssertNotEqual(a.stats.fingerprint, c.stats.fingerprint)
    }

    func testDuplicatesAreCollapsedAndCounted() throws {
        let dir = TempDir()
        let (g, s) = try build(dir, "1\t10\n1\t10\n2\t10\n1\t10\n2\t11\n")
        XCTAssertEqual(s.inputEdges, 5)
        XCTAssertEqual(s.duplicateEdges, 2)
        XCTAssertEqual(g.stats.edges, 3)
        XCTAssertEqual(try g.pins(of: 10).map(\.rawValue), [1, 2])
    }

    func testCommentsBlankLinesHeaderCommasAndExtraColumns() throws {
        let dir = TempDir()
        let (g, s) = try build(dir, "# exported 2026-11-01\npin,board,score\n\n1,10,0.5\n  2 ,  11 \r\n# end\n18446744073709551615\t0\n")
        XCTAssertEqual(s.invalidLines, 0)
        XCTAssertEqual(g.stats.edges, 3)
        XCTAssertEqual(try g.boards(of: PinID(UInt64.max)).map(\.rawValue), [0], "the full 64-bit range is valid")
    }

    func testEachKindOfMalformedLineNamesFileAndLine() throws {
        let cases: [(String, String)] = [
            ("1\t10\n2\n", "expected at least 2 columns"),
            ("1\t10\nabc\t10\n", "pin id \"abc\" is not an unsigned integer"),
            ("1\t10\n2\tx7\n", "board id \"x7\" is not an unsigned integer"),
            ("1\t10\n18446744073709551616\t1\n", "does not fit in 64 bits"),
            ("1\t10\n\t5\n", "empty pin id"),
            ("1\t10\n-3\t5\n", "is not an unsigned integer"),
        ]
        for (text, reason) in cases {
            let dir = TempDir()
            let input = dir.write("bad.tsv", text)
            let b = try GraphBuilder()
            XCTAssertThrowsError(try b.addEdges(from: input)) { error in
                guard case BoardwalkError.malformedInput(let file, let line, let r) = error else {
                    return XCTFail("expected malformedInput, got \(error)")
                }
                XCTAssertEqual(file, input)
                XCTAssertEqual(line, 2)
                XCTAssertTrue(r.contains(reason), "\(r) should mention \(reason)")
            }
        }
    }

    func testMaxInvalidLetsBadLinesThroughAndCountsThem() throws {
        let dir = TempDir()
        let input = dir.write("e.tsv", "1\t10\nbad\nworse\t\n2\t10\n")
        var o = BuildOptions()
        o.maxInvalidLines = 2
        let b = try GraphBuilder(options: o)
        try b.addEdges(from: input)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.invalidLines, 2)
        XCTAssertEqual(s.invalidSamples.count, 2)
        XCTAssertTrue(s.invalidSamples[0].hasPrefix("\(input):2: "))
        XCTAssertEqual(try Graph(path: dir.file("g.bwg")).stats.invalidLines, 2)
        o.maxInvalidLines = 1
        let strict = try GraphBuilder(options: o)
        XCTAssertThrowsError(try strict.addEdges(from: input)) { error in
            guard case BoardwalkError.malformedInput(_, let line, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 3, "the second bad line exceeds a budget of one")
        }
    }

    func testHostileLongLineIsAnErrorNotAnAllocation() throws {
        let dir = TempDir()
        let input = dir.write("long.tsv", "1\t10\n" + String(repeating: "9", count: 3 << 20) + "\t1\n")
        let b = try GraphBuilder()
        XCTAssertThrowsError(try b.addEdges(from: input)) { error in
            guard case BoardwalkError.malformedInput(_, let line, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(line, 2)
            XCTAssertTrue(reason.contains("longer than"))
        }
    }

    func testGzipAndPartDirectoryInputsEqualThePlainFile() throws {
        let dir = TempDir()
        let (pairs, text) = try generatedEdges(pins: 800, boards: 90, edges: 5000, seed: 4)
        let (plain, _) = try build(dir, text, chunk: 1 << 20, name: "plain.bwg")
        // Spark-style directory: three parts (two gzipped), _SUCCESS and a dot file to skip.
        let parts = dir.file("parts")
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        let third = pairs.count / 3
        let chunks = [pairs[0..<third], pairs[third..<(2 * third)], pairs[(2 * third)...]]
        for (i, c) in chunks.enumerated() {
            let body = c.map { "\($0.0)\t\($0.1)" }.joined(separator: "\n") + "\n"
            try body.write(toFile: parts + "/part-0000\(i)", atomically: true, encoding: .utf8)
        }
        // Compression is detected by content, not by name: one gzipped part
        // keeps its name without a .gz suffix, the other is part-00002.gz as
        // Spark writes it with a codec.
        try FileManager.default.moveItem(atPath: try gzip(parts + "/part-00001"), toPath: parts + "/part-00001")
        XCTAssertEqual(try gzip(parts + "/part-00002"), parts + "/part-00002.gz")
        try "".write(toFile: parts + "/_SUCCESS", atomically: true, encoding: .utf8)
        try "garbage that is not an edge list".write(toFile: parts + "/.part-00000.crc", atomically: true, encoding: .utf8)
        let b = try GraphBuilder()
        try b.addEdges(from: parts)
        let s = try b.build(to: dir.file("parts.bwg"))
        XCTAssertEqual(s.inputs, ["part-00000", "part-00001", "part-00002.gz"].map { parts + "/" + $0 })
        XCTAssertEqual(try Graph(path: dir.file("parts.bwg")).stats.fingerprint, plain.stats.fingerprint)
        // A single gzipped file.
        let single = dir.write("all.tsv", text)
        XCTAssertEqual(try gzip(single), single + ".gz")
        let b2 = try GraphBuilder()
        try b2.addEdges(from: single + ".gz")
        _ = try b2.build(to: dir.file("gz.bwg"))
        XCTAssertEqual(try Graph(path: dir.file("gz.bwg")).stats.fingerprint, plain.stats.fingerprint)
        // And a plain file named .gz is read as plain text.
        let b3 = try GraphBuilder()
        try b3.addEdges(from: dir.write("plain-named.tsv.gz", text))
        _ = try b3.build(to: dir.file("plain-named.bwg"))
        XCTAssertEqual(try Graph(path: dir.file("plain-named.bwg")).stats.fingerprint, plain.stats.fingerprint)
        // A truncated gzip stream is an error, not a silently shorter graph.
        let gz = try Data(contentsOf: URL(fileURLWithPath: single + ".gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: dir.file("cut.tsv.gz")))
        XCTAssertThrowsError(try GraphBuilder().addEdges(from: dir.file("cut.tsv.gz"))) { error in
            guard case BoardwalkError.io = error else { return XCTFail("\(error)") }
        }
    }

    func testTitlesAndAttributesRoundTrip() throws {
        let dir = TempDir()
        let edges = dir.write("e.tsv", "1\t10\n2\t10\n3\t10\n3\t11\n4\t11\n")
        let pinTitles = dir.write("pt.tsv", "pin_id\ttitle\n1\tSourdough starter\n2\tCafé crème, 100% \"real\"\n3\t  padded  \n99\tnot in graph\n")
        let boardTitles = dir.write("bt.tsv", "10\tBread\n")
        let attrs = dir.write("pa.tsv", "pin_id\tlanguage\ttopic\n1\ten\tbaking\n2\tfr\tbaking\n3\tfr\t-\n4\ten\ttravel\n77\tde\tx\n")
        var o = BuildOptions()
        o.chunkBytes = 64
        let b = try GraphBuilder(options: o)
        try b.addEdges(from: edges)
        try b.addTitles(from: pinTitles, kind: .pin)
        try b.addTitles(from: boardTitles, kind: .board)
        try b.addPinAttributes(from: attrs)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.pinTitles, 3)
        XCTAssertEqual(s.boardTitles, 1)
        XCTAssertEqual(s.titlesForUnknownNodes, 1)
        XCTAssertEqual(s.attributedPins, 4)
        XCTAssertEqual(s.attributesForUnknownPins, 1)
        let g = try Graph(path: dir.file("g.bwg"), options: .verify)
        XCTAssertEqual(g.title(of: PinID(1)), "Sourdough starter")
        XCTAssertEqual(g.title(of: PinID(2)), "Café crème, 100% \"real\"")
        XCTAssertEqual(g.title(of: PinID(3)), "padded")
        XCTAssertNil(g.title(of: PinID(4)))
        XCTAssertEqual(g.title(of: BoardID(10)), "Bread")
        XCTAssertNil(g.title(of: BoardID(11)))
        XCTAssertTrue(g.stats.hasAttributes)
        XCTAssertEqual(try g.attributes(of: 2).language, "fr")
        XCTAssertEqual(try g.attributes(of: 2).topic, "baking")
        XCTAssertNil(try g.attributes(of: 3).topic)
        // Board 10 holds pins en, fr, fr: its majority language is fr, and
        // its pins are ordered by (language, topic) code: en before fr.
        XCTAssertEqual(try g.pins(of: 10).map(\.rawValue), [1, 2, 3])
    }

    func testLongTitlesNeverCrossAChunk() throws {
        let dir = TempDir()
        let edges = dir.write("e.tsv", (1...40).map { "\($0)\t1" }.joined(separator: "\n") + "\n")
        let titles = dir.write("t.tsv", (1...40).map { "\($0)\tTitle number \($0) " + String(repeating: "é", count: $0 * 3) }.joined(separator: "\n") + "\n")
        var o = BuildOptions()
        o.chunkBytes = 64
        let b = try GraphBuilder(options: o)
        try b.addEdges(from: edges)
        try b.addTitles(from: titles, kind: .pin)
        _ = try b.build(to: dir.file("g.bwg"))
        let g = try Graph(path: dir.file("g.bwg"), options: .verify)
        for i in 1...40 {
            let full = "Title number \(i) " + String(repeating: "é", count: i * 3)
            let got = try XCTUnwrap(g.title(of: PinID(UInt64(i))))
            XCTAssertLessThanOrEqual(got.utf8.count, 64)
            XCTAssertTrue(full.hasPrefix(got), "a cut title is a prefix cut at a character boundary")
            if full.utf8.count <= 64 { XCTAssertEqual(got, full) }
        }
    }

    func testEmptyInputIsRefusedUnlessAllowed() throws {
        let dir = TempDir()
        XCTAssertThrowsError(try build(dir, "pin_id\tboard_id\n# nothing yet\n")) { error in
            guard case BoardwalkError.emptyGraph(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("no edges"), message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("g.bwg")))
        let (g, s) = try build(dir, "pin_id\tboard_id\n# nothing yet\n", allowEmpty: true)
        XCTAssertEqual(s.edges, 0)
        XCTAssertEqual(g.stats.pins, 0)
        XCTAssertEqual(g.stats.edges, 0)
        XCTAssertNoThrow(try g.verify())
        XCTAssertThrowsError(try g.recommend(pins: [1: 1])) { error in
            XCTAssertEqual(error as? BoardwalkError, .unknownPin(1))
        }
    }

    func testNotAGraphTruncatedAndMissingFiles() throws {
        let dir = TempDir()
        XCTAssertThrowsError(try Graph(path: dir.file("missing.bwg"))) { error in
            guard case BoardwalkError.io = error else { return XCTFail("\(error)") }
        }
        let junk = dir.file("junk.bwg")
        try Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try Graph(path: junk)) { error in
            // Errors compare by case and code, not message: check the message on its own.
            XCTAssertEqual(error as? BoardwalkError, .notAGraph(""))
            XCTAssertEqual("\(error)", "\(junk): not a Boardwalk graph (not an LMDB file)")
        }
        dir.write("tiny.bwg", "hello")
        XCTAssertThrowsError(try Graph(path: dir.file("tiny.bwg"))) { error in
            guard case BoardwalkError.notAGraph = error else { return XCTFail("\(error)") }
        }
        let (_, text) = try generatedEdges(pins: 2000, boards: 200, edges: 20000, seed: 5)
        _ = try build(dir, text, chunk: 4096)
        let full = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        for cut in [full.count - 4096, full.count / 2, 3 * 4096] {
            let t = dir.file("cut-\(cut).bwg")
            try full.prefix(cut).write(to: URL(fileURLWithPath: t))
            XCTAssertThrowsError(try Graph(path: t), "a file cut to \(cut) bytes") { error in
                guard case BoardwalkError.corrupt(let m) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(m.contains("truncated"), m)
            }
        }
    }

    func testDamagedRecordSizesAreRejectedNotFollowed() throws {
        // An LMDB leaf node is: data size (lo u16, hi u16), flags u16, key size
        // u16, then the key. Raise a record's size far past the end of the
        // file: opening must fail with an error, not fault reading it.
        let dir = TempDir()
        let edges = dir.write("e.tsv", "1\t10\n2\t10\n")
        let attrs = dir.write("a.tsv", "1\ten\tx\n2\tfr\ty\n")
        let b = try GraphBuilder()
        try b.addEdges(from: edges)
        try b.addPinAttributes(from: attrs)
        _ = try b.build(to: dir.file("g.bwg"))
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        for key in ["build", "attr.language", "attr.topic"] {
            let pattern = Data([UInt8(key.utf8.count), 0]) + Data(key.utf8)
            let at = try XCTUnwrap(original.range(of: pattern), key).lowerBound + 2
            var data = original
            data[at - 6] = 0x7F  // hi half of the data size: ~8 GB
            let bad = dir.file("bad-\(key).bwg")
            try data.write(to: URL(fileURLWithPath: bad))
            let r = try runBoardwalk(["info", bad])
            XCTAssertFalse(r.signaled, "opening with a damaged \(key) size must not fault")
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("outside the file"), r.stderr)
        }
    }

    func testFormatVersionMismatchIsAClearError() throws {
        let dir = TempDir()
        _ = try build(dir, "1\t10\n2\t10\n")
        var data = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        let magic = Data("BWGRAPH\0".utf8)
        let at = try XCTUnwrap(data.range(of: magic)).lowerBound
        data[at + 8] = 99  // format_version, little-endian
        let other = dir.file("v99.bwg")
        try data.write(to: URL(fileURLWithPath: other))
        XCTAssertThrowsError(try Graph(path: other)) { error in
            guard case BoardwalkError.formatVersion(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("version 99"), m)
        }
        let r = try runBoardwalk(["verify", other])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("format version 99"), r.stderr)
    }

    func testVerifyCatchesACorruptedCopy() throws {
        let dir = TempDir()
        let (_, text) = try generatedEdges(pins: 3000, boards: 300, edges: 30000, seed: 6)
        _ = try build(dir, text, chunk: 1 << 16)
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.file("g.bwg")))
        XCTAssertEqual(try runBoardwalk(["verify", dir.file("g.bwg")]).status, 0)
        // Flip bytes in many places; each copy must be caught (at open or by
        // verify), and nothing may crash.
        var caught = 0, tried = 0
        for k in 1..<40 {
            var data = original
            let at = (original.count / 40) * k + 100
            data[at] ^= 0x5A
            if data == original { continue }
            tried += 1
            let copy = dir.file("bad-\(k).bwg")
            try data.write(to: URL(fileURLWithPath: copy))
            let r = try runBoardwalk(["verify", copy])
            XCTAssertFalse(r.signaled, "verify died of a signal on \(copy)")
            if r.status == 1 { caught += 1 } else {
                // A flip in unused space (page slack) changes nothing that is read.
                XCTAssertEqual(r.status, 0)
            }
        }
        XCTAssertGreaterThan(caught, tried / 2, "most flips land in array data and must be caught")
    }

    func testInterruptedBuildLeavesTheExistingGraphIntact() throws {
        let dir = TempDir()
        _ = try build(dir, "1\t10\n2\t10\n", name: "out.bwg")
        let before = try Data(contentsOf: URL(fileURLWithPath: dir.file("out.bwg")))
        // A failing build: bad input, output untouched.
        let bad = dir.write("bad.tsv", "1\t10\noops\n")
        let r = try runBoardwalk(["build", "-q", "-o", dir.file("out.bwg"), bad])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(bad):2:"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir.file("out.bwg"))), before)
        // The sanitizer runs (Tools/test) skip the kills: they test the file
        // system's rename, not memory or threads, and take minutes there.
        if ProcessInfo.processInfo.environment["BOARDWALK_SANITIZED"] != nil { return }
        // Killed builds: SIGKILL at seeded random points of a larger build,
        // half of them timed from the moment the build starts writing its
        // temporary file (the riskiest phase).
        let big = dir.file("big.tsv")
        XCTAssertEqual(try runBoardwalk(["generate", "--pins", "100K", "--boards", "10K", "--edges", "1M", "-o", big]).status, 0)
        let t0 = Date()
        XCTAssertEqual(try runBoardwalk(["build", "-q", "--chunk-size", "64K", "-o", dir.file("timing.bwg"), big]).status, 0)
        let fullBuild = Date().timeIntervalSince(t0)
        var rng = SeededGenerator(seed: 17)
        var current = before, killed = 0, killedWhileWriting = 0
        for i in 0..<10 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try boardwalkExecutable())
            p.arguments = ["build", "-q", "--chunk-size", "64K", "-o", dir.file("out.bwg"), big]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let ownTemp = "out.bwg.tmp-\(p.processIdentifier)-"
            func writing() -> Bool {
                ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).contains { $0.hasPrefix(ownTemp) }
            }
            if i % 2 == 0 {
                Thread.sleep(forTimeInterval: Double.random(in: 0...(fullBuild * 0.9), using: &rng))
            } else {
                let deadline = Date().addingTimeInterval(fullBuild * 3 + 5)
                while !writing() && p.isRunning && Date() < deadline { usleep(500) }
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.02, using: &rng))
            }
            let wasWriting = writing()
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let now = try Data(contentsOf: URL(fileURLWithPath: dir.file("out.bwg")))
            if p.terminationReason == .uncaughtSignal {
                killed += 1
                if wasWriting { killedWhileWriting += 1 }
                if now != current {
                    // Killed after its rename, while exiting: the output must be the
                    // complete new graph, never a partial one.
                    XCTAssertNoThrow(try Graph(path: dir.file("out.bwg"), options: .verify), "kill \(i)")
                    current = now
                }
            } else {
                // It finished before the kill: the output is the complete new graph.
                XCTAssertEqual(p.terminationStatus, 0)
                XCTAssertNoThrow(try Graph(path: dir.file("out.bwg"), options: .verify))
                current = now
            }
        }
        XCTAssertGreaterThanOrEqual(killed, 5)
        XCTAssertGreaterThanOrEqual(killedWhileWriting, 3)
        // The next build succeeds and removes what the killed ones left.
        XCTAssertEqual(try runBoardwalk(["build", "-q", "-o", dir.file("out.bwg"), dir.write("ok.tsv", "5\t6\n")]).status, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
        XCTAssertEqual(try Graph(path: dir.file("out.bwg")).stats.edges, 1)
    }
}
