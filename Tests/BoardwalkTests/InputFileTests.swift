// Real-world input files (issue 12): outputs that are inputs, headers that
// name their columns, all-invalid inputs, binary junk in part directories,
// byte-order marks, RFC 4180 quotes; and what `generate` and `info` report.
import Boardwalk
import Foundation
import XCTest

final class InputFileTests: XCTestCase {
    private func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The boards of each pin in a graph, by id.
    private func adjacency(_ g: Graph, pins: [UInt64]) throws -> [UInt64: [UInt64]] {
        var out: [UInt64: [UInt64]] = [:]
        for p in pins { out[p] = try g.boards(of: PinID(p)).map(\.rawValue).sorted() }
        return out
    }

    // MARK: 1. The output is never an input

    func testOutputThatIsAnInputIsRefusedAndTheInputKept() throws {
        let dir = TempDir()
        let edges = "1\t10\n2\t10\n3\t11\n"
        let victim = dir.write("victim.csv", edges)
        let titles = dir.write("titles.tsv", "10\tBread\n")
        try FileManager.default.createSymbolicLink(atPath: dir.file("link.bwg"), withDestinationPath: victim)
        let parts = dir.file("parts")
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        let part = dir.write("parts/part-00000", edges)
        try FileManager.default.createSymbolicLink(atPath: dir.file("partlink"), withDestinationPath: parts)

        let cases: [(output: String, args: [String], input: String, says: String)] = [
            (victim, [victim], victim, "is the input"),  // plain
            (dir.file("link.bwg"), [victim], victim, "is the input"),  // a symlink to the input
            (dir.file("./victim.csv"), [dir.file("link.bwg")], victim, "is the input"),  // the input through a symlink
            (parts + "/graph.bwg", [parts], part, "inside the input part directory"),
            (parts + "/part-00000", [parts], part, "inside the input part directory"),
            (dir.file("partlink/graph.bwg"), [parts], part, "inside the input part directory"),  // through a symlinked directory
            (titles, ["--board-titles", titles, victim], titles, "is the input"),  // titles are inputs too
        ]
        for c in cases {
            let before = try bytes(c.input)
            let r = try runBoardwalk(["build", "-q", "-o", c.output] + c.args)
            XCTAssertEqual(r.status, 1, "\(c.output): \(r.stdout)")
            XCTAssertTrue(r.stderr.contains(c.says) && r.stderr.contains("choose another output"), r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one line: \(r.stderr)")
            XCTAssertEqual(try bytes(c.input), before, "\(c.output): the input is untouched")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: parts + "/graph.bwg"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: parts)
        XCTAssertEqual(leftovers, ["part-00000"], "nothing written into the part directory")

        // The library refuses too, after reading (a host service's own builder).
        let b = try GraphBuilder()
        try b.addEdges(from: victim)
        XCTAssertThrowsError(try b.build(to: dir.file("link.bwg"))) { error in
            guard case BoardwalkError.invalidArgument(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("is the input"), m)
        }
        XCTAssertEqual(try bytes(victim), Data(edges.utf8))
        // A different file beside the input is fine.
        XCTAssertEqual(try runBoardwalk(["build", "-q", "-o", dir.file("ok.bwg"), victim, parts]).status, 0)
    }

    // MARK: 2. Header names choose the columns

    func testHeaderNamesChooseThePinAndBoardColumns() throws {
        let dir = TempDir()
        // Timestamps in the middle: they must not become boards.
        let tsv = dir.write("saves.tsv", "pin_id\ttimestamp\tboard_id\n1\t1700000000\t10\n2\t1700000001\t10\n2\t1700000002\t11\n")
        let csv = dir.write("saves.csv", "Timestamp,BOARD,Pin\n1700000000,10,1\n1700000001,10,2\n1700000002,11,2\n")
        for (input, columns) in [(tsv, [1, 3]), (csv, [3, 2])] {
            let r = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("g.bwg"), input])
            XCTAssertEqual(r.status, 0, r.stderr)
            let g = try Graph(path: dir.file("g.bwg"))
            XCTAssertEqual(g.stats.boards, 2, input)
            XCTAssertEqual(try adjacency(g, pins: [1, 2]), [1: [10], 2: [10, 11]], input)
            // The graph's build record says which columns were read.
            let record = try JSONSerialization.jsonObject(with: Data(g.buildInfo.utf8)) as! [String: Any]
            XCTAssertEqual(record["input_columns"] as? [[Int]], [columns], g.buildInfo)
        }

        // Explicit flags win over the header; one contradicting it is warned about.
        let swapped = dir.write("swapped.tsv", "pin_id\tboard_id\n10\t1\n11\t2\n")
        let r = try runBoardwalk(["build", "-q", "-o", dir.file("s.bwg"), "--pin-column", "2", "--board-column", "1", swapped])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning") && r.stderr.contains("\(swapped):1:") && r.stderr.contains("--pin-column 2"),
                      r.stderr)
        XCTAssertEqual(try adjacency(try Graph(path: dir.file("s.bwg")), pins: [1, 2]), [1: [10], 2: [11]])
        // One flag given, the other column from the header.
        let r2 = try runBoardwalk(["build", "-q", "-o", dir.file("o.bwg"), "--board-column", "3", tsv])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertEqual(try adjacency(try Graph(path: dir.file("o.bwg")), pins: [1, 2]), [1: [10], 2: [10, 11]])

        // A header that names something else where ids would be read fails, naming the flags.
        for (text, flag) in [("user,timestamp,item\n1,1700000000,10\n", "--pin-column"),
                             ("pin_id\ttimestamp\n1\t1700000000\n", "--board-column"),
                             ("pin_id\ttimestamp\tboard\n1\t1700000000\t10\n", nil)] {
            let input = dir.write("named.tsv", text)
            let before = try? bytes(dir.file("g.bwg"))
            let f = try runBoardwalk(["build", "-q", "-o", dir.file("g.bwg"), input])
            if let flag {
                XCTAssertEqual(f.status, 1, text)
                XCTAssertTrue(f.stderr.hasPrefix("boardwalk: \(input):1: the header names column"), f.stderr)
                XCTAssertTrue(f.stderr.contains(flag) && f.stderr.contains("--board-column"), f.stderr)
                XCTAssertEqual(try? bytes(dir.file("g.bwg")), before, "the old graph is kept")
            } else {
                XCTAssertEqual(f.status, 0, f.stderr)
            }
        }
        // … unless the flags say where the ids are.
        let user = dir.write("user.csv", "user,timestamp,item\n1,1700000000,10\n")
        XCTAssertEqual(try runBoardwalk(["build", "-q", "-o", dir.file("u.bwg"), "--pin-column", "1", "--board-column", "3", user]).status, 0)
        XCTAssertEqual(try adjacency(try Graph(path: dir.file("u.bwg")), pins: [1]), [1: [10]])
    }

    func testPartFilesWithAndWithoutHeadersAndTheLibrarysExplicitColumns() throws {
        let dir = TempDir()
        let parts = dir.file("parts")
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        // Spark writes the header in the first part only when told to: the
        // later parts follow the columns the first one named.
        dir.write("parts/part-00000", "board_id,ts,pin_id\n10,5,1\n")
        dir.write("parts/part-00001", "11,6,2\n")
        dir.write("parts/part-00002", "pin_id\tboard_id\n3\t12\n")  // its own header
        dir.write("parts/_SUCCESS", "")
        let b = try GraphBuilder()
        try b.addEdges(from: parts)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.invalidLines, 0)
        XCTAssertEqual(try adjacency(try Graph(path: dir.file("g.bwg")), pins: [1, 2, 3]), [1: [10], 2: [11], 3: [12]])

        // A column set in BuildOptions wins over the header.
        var o = BuildOptions()
        XCTAssertFalse(o.pinColumnIsExplicit)
        o.pinColumn = 2
        o.boardColumn = 1
        XCTAssertTrue(o.pinColumnIsExplicit && o.boardColumnIsExplicit)
        let input = dir.write("e.tsv", "pin_id\tboard_id\n10\t1\n")
        let b2 = try GraphBuilder(options: o)
        var warnings: [String] = []
        b2.warning = { warnings.append($0) }
        try b2.addEdges(from: input)
        let s2 = try b2.build(to: dir.file("h.bwg"))
        XCTAssertEqual(try adjacency(try Graph(path: dir.file("h.bwg")), pins: [1]), [1: [10]])
        XCTAssertEqual(warnings.count, 2, "\(warnings)")  // both columns contradict the header
        XCTAssertEqual(s2.warnings, warnings)

        // A file written by `eval --write-split` (user<TAB>item<TAB>weight<TAB>time, no header).
        let split = dir.write("train.tsv", "7\t70\t1.0\t\n8\t70\t2.0\t12\n")
        var o3 = BuildOptions()
        o3.pinColumn = 2
        o3.boardColumn = 1
        let b3 = try GraphBuilder(options: o3)
        try b3.addEdges(from: split)
        XCTAssertEqual(try b3.build(to: dir.file("t.bwg")).edges, 2)
    }

    // MARK: 3. All lines invalid

    func testAnInputOfOnlyInvalidLinesSaysSo() throws {
        let dir = TempDir()
        let bad = dir.write("bad.tsv", "1\tx\n2\ty\n3\n")
        let r = try runBoardwalk(["build", "-q", "--max-invalid", "5", "-o", dir.file("g.bwg"), bad])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("no edges to write"), r.stderr)
        XCTAssertTrue(r.stderr.contains("3 invalid lines skipped"), r.stderr)
        XCTAssertTrue(r.stderr.contains("\(bad):1: board id \"x\" is not an unsigned integer"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("g.bwg")))
        // Over the budget, the line that broke it is named.
        let r2 = try runBoardwalk(["build", "-q", "--max-invalid", "2", "-o", dir.file("g.bwg"), bad])
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.contains("\(bad):3: expected at least 2 columns"), r2.stderr)
    }

    // MARK: 4. Binary junk

    func testBinaryPartFileIsSkippedWithAWarningAndABinaryFileNamedAloneFails() throws {
        let dir = TempDir()
        let parts = dir.file("parts")
        try FileManager.default.createDirectory(atPath: parts, withIntermediateDirectories: true)
        dir.write("parts/part-00000", "1\t10\n2\t10\n")
        // Starts with letters like a header, then binary (a zip's magic).
        let junk = parts + "/part-00001"
        var blob = Data("PK".utf8) + Data([3, 4, 20, 0, 0, 0, 8, 0])
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<3000 { blob.append(UInt8(truncatingIfNeeded: rng.next())) }
        try blob.write(to: URL(fileURLWithPath: junk))
        let r = try runBoardwalk(["build", "-q", "--json", "-o", dir.file("g.bwg"), parts])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning") && r.stderr.contains(junk) && r.stderr.contains("binary"), r.stderr)
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(summary["edges"] as? Int, 2)
        XCTAssertEqual(summary["inputs"] as? [String], [parts + "/part-00000"])
        XCTAssertEqual((summary["warnings"] as? [String])?.count, 1)

        let alone = try runBoardwalk(["build", "-q", "-o", dir.file("h.bwg"), junk])
        XCTAssertEqual(alone.status, 1)
        XCTAssertTrue(alone.stderr.contains("\(junk): binary data"), alone.stderr)

        // Text, but its first line is not UTF-8: never silently a header.
        let latin = dir.write("latin.tsv", "")
        try (Data("pin".utf8) + Data([0xE9, 0x09]) + Data("board\n1\t10\n".utf8))
            .write(to: URL(fileURLWithPath: latin))
        let l = try runBoardwalk(["build", "-q", "-o", dir.file("l.bwg"), latin])
        XCTAssertEqual(l.status, 1)
        XCTAssertTrue(l.stderr.contains("\(latin):1:"), l.stderr)
    }

    // MARK: 5. Byte-order marks

    func testByteOrderMarksAreSkippedInEveryInput() throws {
        let dir = TempDir()
        let bom = "\u{FEFF}"
        let plain = dir.write("a.tsv", bom + "pin_id\tboard_id\n1\t10\n2\t11\n")
        let noHeader = dir.write("b.tsv", bom + "3\t10\n")
        let gz = try gzip(dir.write("c.tsv", bom + "4\t11\n"))
        let titles = dir.write("t.tsv", bom + "10\tBread\n")
        let attrs = dir.write("at.tsv", bom + "pin_id\tlanguage\ttopic\n1\ten\tfood\n")
        let b = try GraphBuilder()
        for input in [plain, noHeader, gz] { try b.addEdges(from: input) }
        try b.addTitles(from: titles, kind: .board)
        try b.addPinAttributes(from: attrs)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.invalidLines, 0)
        XCTAssertEqual(s.inputEdges, 4)
        XCTAssertEqual(s.boardTitles, 1)
        XCTAssertEqual(s.attributedPins, 1)
        let g = try Graph(path: dir.file("g.bwg"))
        XCTAssertEqual(try adjacency(g, pins: [1, 2, 3, 4]), [1: [10], 2: [11], 3: [10], 4: [11]])
        XCTAssertEqual(g.title(of: BoardID(10)), "Bread")
        XCTAssertEqual(try g.attributes(of: PinID(1)).topic, "food")
    }

    // MARK: 6. Quotes

    func testQuotedCommaSeparatedFields() throws {
        let dir = TempDir()
        let edges = dir.write("e.csv", "\"pin_id\",\"board_id\",\"note\"\n\"1\",\"10\",\"a, b\"\n\"2\",10,\"say \"\"hi\"\", twice\"\n3 , \"11\"\n")
        let titles = dir.write("bt.csv", "\"board_id\",\"title\"\n10,\"Bread, sourdough \"\"best\"\"\"\n11,Plain, with a comma\n")
        let pinTitles = dir.write("pt.tsv", "1\t\"Quoted\" stays, in a TSV\n")
        let attrs = dir.write("a.csv", "pin_id,language,topic\n\"1\",\"en\",\"food, drink\"\n2,fr,-\n")
        let b = try GraphBuilder()
        try b.addEdges(from: edges)
        try b.addTitles(from: titles, kind: .board)
        try b.addTitles(from: pinTitles, kind: .pin)
        try b.addPinAttributes(from: attrs)
        let s = try b.build(to: dir.file("g.bwg"))
        XCTAssertEqual(s.invalidLines, 0)
        let g = try Graph(path: dir.file("g.bwg"))
        XCTAssertEqual(try adjacency(g, pins: [1, 2, 3]), [1: [10], 2: [10], 3: [11]])
        XCTAssertEqual(g.title(of: BoardID(10)), "Bread, sourdough \"best\"")
        XCTAssertEqual(g.title(of: BoardID(11)), "Plain, with a comma")
        XCTAssertEqual(g.title(of: PinID(1)), "\"Quoted\" stays, in a TSV")
        let a1 = try g.attributes(of: PinID(1)), a2 = try g.attributes(of: PinID(2))
        XCTAssertEqual(a1.language, "en")
        XCTAssertEqual(a1.topic, "food, drink")
        XCTAssertEqual(a2.language, "fr")
        XCTAssertNil(a2.topic)

        // A quote that never closes, or text after the closing quote, is a malformed line.
        for (text, line) in [("1,10\n\"2,10\n", 2), ("1,10\n\"2\"x,10\n", 2), ("1,\"1\"0\n", 1)] {
            let input = dir.write("bad.csv", text)
            XCTAssertThrowsError(try GraphBuilder().addEdges(from: input), text) { error in
                guard case BoardwalkError.malformedInput(let file, let l, _) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(file, input)
                XCTAssertEqual(l, line, text)
            }
        }
        let badTitle = dir.write("badtitle.csv", "10,\"never closed\n")
        let bt = try GraphBuilder()
        XCTAssertThrowsError(try bt.addTitles(from: badTitle, kind: .board)) { error in
            guard case BoardwalkError.malformedInput(_, let l, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(l, 1)
            XCTAssertTrue(reason.contains("quote"), reason)
        }
    }

    // MARK: 7. generate reports

    func testGenerateSummaryCountsWhatItWrote() throws {
        let r = try runBoardwalk(["generate", "--pins", "2K", "--boards", "300", "--edges", "30K", "--seed", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Count independently what was written.
        var pairs = Set<String>(), pins = Set<Substring>(), boards = Set<Substring>(), lines = 0
        for line in r.stdout.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t")
            pairs.insert(String(line))
            pins.insert(f[0])
            boards.insert(f[1])
            lines += 1
        }
        XCTAssertEqual(lines, 30_000)
        let summary = try XCTUnwrap(r.stderr.split(separator: "\n").last.map(String.init))
        XCTAssertTrue(summary.hasPrefix("generated \(lines) edge lines to standard output: \(pins.count) pins, \(boards.count) boards, "
                                        + "\(pairs.count) distinct edges, \(lines - pairs.count) duplicate lines"), summary)
        XCTAssertGreaterThan(lines - pairs.count, 0, "this generator repeats pairs")
        XCTAssertEqual(try runBoardwalk(["generate", "--edges", "1K", "-q"]).stderr, "", "--quiet is quiet")
        // The duplicate rate the help states for the defaults is what it produces.
        let help = try runBoardwalk(["generate", "--help"]).stdout
        let rate = try XCTUnwrap(help.range(of: #"[0-9.]+% of the\s+lines\s+at\s+the\s+defaults"#, options: .regularExpression))
        let d = try runBoardwalk(["generate", "-o", "/dev/null"])
        XCTAssertTrue(d.stderr.contains("(\(help[rate].split(separator: "%")[0])%)"), "\(help[rate]) vs \(d.stderr)")
    }

    // MARK: 8. info's chunks

    func testInfoReportsTheRealChunksAndArraySizes() throws {
        let dir = TempDir()
        let (_, text) = try generatedEdges(pins: 400, boards: 60, edges: 2000, seed: 2)
        let input = dir.write("e.tsv", text)
        for chunk in ["64", "1K", "1G"] {
            let g = dir.file("g-\(chunk).bwg")
            XCTAssertEqual(try runBoardwalk(["build", "-q", "--chunk-size", chunk, "-o", g, input]).status, 0)
            let info = try runBoardwalk(["info", "--json", g])
            let o = try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as! [String: Any]
            let stats = try Graph(path: g).stats
            let arrays = try XCTUnwrap(o["array_bytes"] as? [String: Int])
            // The sizes follow from the counts; without titles they account for every chunk record.
            let (p, b, e) = (Int(stats.pins), Int(stats.boards), Int(stats.edges))
            XCTAssertEqual(arrays["pin_adjacency"], 4 * e)
            XCTAssertEqual(arrays["board_offsets"], 8 * (b + 1))
            let c = Int(stats.chunkBytes)
            XCTAssertEqual(arrays.values.reduce(0) { $0 + ($1 + c - 1) / c }, o["chunks"] as? Int, chunk)
            XCTAssertEqual(o["title_text_chunks"] as? Int, 0)
            XCTAssertEqual(arrays.count, 8)
            XCTAssertGreaterThan(p, 0)
            let t = try runBoardwalk(["info", g]).stdout
            XCTAssertTrue(t.contains("\(stats.chunks) chunk records of at most"), t)
            XCTAssertTrue(t.contains("\(arrays.values.reduce(0, +)) bytes"), t)
            XCTAssertFalse(t.contains("1.07G"), t)
        }
    }
}
