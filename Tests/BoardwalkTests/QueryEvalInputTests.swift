// Real-world input files through `query`, `query --batch`, `eval` and
// `bench` (issue 12): swapped columns, misspelt fields, negative numbers,
// missing or unreadable files, byte-order marks. Each bad input gets one
// clear line and exit code 1 or 64; nothing is silently read wrong.
import Boardwalk
import Foundation
import XCTest

final class QueryEvalInputTests: XCTestCase {
    /// Interactions `user<TAB>item` without repeats, from a generated graph
    /// with planted communities: users are its boards, items its pins.
    private func interactions(in dir: TempDir, name: String = "interactions.tsv", header: String? = nil,
                              swapped: Bool = false, seed: UInt64 = 5) throws -> (path: String, pairs: [(user: UInt64, item: UInt64)]) {
        var p = GeneratorParameters()
        p.pins = 1500; p.boards = 200; p.edges = 5000; p.communities = 10; p.noise = 0.02; p.seed = seed
        let gen = try EdgeGenerator(p)
        var seen = Set<String>()
        var pairs: [(user: UInt64, item: UInt64)] = []
        gen.forEachEdge { pin, board in
            let u = gen.boardID(board).rawValue, i = gen.pinID(pin).rawValue
            if seen.insert("\(u) \(i)").inserted { pairs.append((u, i)) }
        }
        var text = header.map { $0 + "\n" } ?? ""
        for (u, i) in pairs { text += swapped ? "\(i)\t\(u)\n" : "\(u)\t\(i)\n" }
        return (dir.write(name, text), pairs)
    }

    private func json(_ r: CommandResult, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout, file: file, line: line)
    }

    /// A graph built from the interactions (users as boards) and a held-out
    /// file of its first `users` boards, each with one of its own pins.
    private func graphAndHeldOut(_ dir: TempDir) throws -> (graph: String, pairs: [(user: UInt64, item: UInt64)]) {
        let (_, pairs) = try interactions(in: dir)
        let edges = dir.write("edges.tsv", pairs.map { "\($0.item)\t\($0.user)" }.joined(separator: "\n") + "\n")
        let graph = dir.file("g.bwg")
        let b = try runBoardwalk(["build", "-q", "-o", graph, edges])
        XCTAssertEqual(b.status, 0, b.stderr)
        var firstOf: [UInt64: UInt64] = [:]
        for (u, i) in pairs where firstOf[u] == nil { firstOf[u] = i }
        return (graph, firstOf.sorted { $0.key < $1.key }.map { (user: $0.key, item: $0.value) })
    }

    private let fast = ["--steps", "2000", "--seed", "1"]

    // MARK: 1. Nothing to evaluate is an error, much skipped is a warning

    func testEvalWithNoUserInTheGraphIsAnErrorThatSaysWhy() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        // Columns swapped: every "user" is a pin of the graph.
        let swapped = dir.write("swapped.tsv", held.map { "\($0.item)\t\($0.user)\n" }.joined())
        let r = try runBoardwalk(["eval", "--graph", graph, "--held-out", swapped] + fast)
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertEqual(r.stdout, "", "no metrics are printed")
        XCTAssertTrue(r.stderr.contains("none of the \(held.count) held-out users"), r.stderr)
        XCTAssertTrue(r.stderr.contains("columns swapped"), r.stderr)
        // Ids of another graph: no user is a board, and nothing suggests a swap.
        let other = dir.write("other.tsv", "1\t2\n3\t4\n")
        let o = try runBoardwalk(["eval", "--graph", graph, "--held-out", other] + fast)
        XCTAssertEqual(o.status, 1)
        XCTAssertTrue(o.stderr.contains("none of the 2 held-out users"), o.stderr)
        XCTAssertFalse(o.stderr.contains("swapped?"), o.stderr)
        // Interactions where no user has two items: nothing to hold out.
        let single = dir.write("single.tsv", (1...50).map { "\($0)\t\(1000 + $0 % 7)\n" }.joined())
        let s = try runBoardwalk(["eval", single] + fast)
        XCTAssertEqual(s.status, 1, s.stdout)
        XCTAssertEqual(s.stdout, "")
        XCTAssertTrue(s.stderr.contains("none of the 50 users"), s.stderr)
        // Pruning that leaves no training graph says so in eval's terms (no temporary file, no --allow-empty).
        let (file, _) = try interactions(in: dir)
        let p = try runBoardwalk(["eval", "-q", file, "--min-pin-degree", "100000"] + fast)
        XCTAssertEqual(p.status, 1)
        XCTAssertTrue(p.stderr.hasPrefix("boardwalk: the training graph has no edges: pruning removed every edge"), p.stderr)
        XCTAssertFalse(p.stderr.contains("allow-empty"), p.stderr)
    }

    func testEvalWarnsWhenMoreThanHalfTheUsersAreSkipped() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        let known = Array(held.prefix(3))
        let unknown = (1...7).map { (user: UInt64($0), item: known[0].item) }
        let mostly = dir.write("mostly-unknown.tsv", (known + unknown).map { "\($0.user)\t\($0.item)\n" }.joined())
        let r = try runBoardwalk(["eval", "--graph", graph, "--held-out", mostly, "--json"] + fast)
        let o = try json(r)
        XCTAssertEqual(o["users"] as? Int, 3)
        XCTAssertEqual(o["skipped_users"] as? Int, 7)
        XCTAssertEqual((o["skipped"] as? [String: Int])?["not_in_graph"], 7)
        XCTAssertTrue(r.stderr.contains("warning: 7 of 10 users (70%) skipped"), r.stderr)
        // The warning is not progress: --quiet keeps it.
        let quiet = try runBoardwalk(["eval", "-q", "--graph", graph, "--held-out", mostly, "--json"] + fast)
        XCTAssertEqual(quiet.stderr.split(separator: "\n").count, 1, quiet.stderr)
        XCTAssertTrue(quiet.stderr.contains("warning"), quiet.stderr)
        // Held-out items that are not pins of the graph can never be hit: counted, and a warning when most are.
        let strangers = dir.write("unknown-items.tsv", held.prefix(4).enumerated().map { "\($1.user)\t\($0 == 0 ? $1.item : UInt64($0))\n" }.joined())
        let u = try runBoardwalk(["eval", "-q", "--graph", graph, "--held-out", strangers, "--json"] + fast)
        XCTAssertEqual(try json(u)["held_out_not_in_graph"] as? Int, 3)
        XCTAssertTrue(u.stderr.contains("warning: the held-out items of 3 of 4 evaluated users (75%) are not pins of the graph"), u.stderr)
        // A few unknown users are no warning.
        let few = dir.write("few-unknown.tsv", (Array(held.prefix(9)) + unknown.prefix(1)).map { "\($0.user)\t\($0.item)\n" }.joined())
        let f = try runBoardwalk(["eval", "-q", "--graph", graph, "--held-out", few, "--json"] + fast)
        XCTAssertEqual(try json(f)["skipped_users"] as? Int, 1)
        XCTAssertEqual(f.stderr, "")
    }

    // MARK: 2. The split builds as written and reproduces the evaluation

    func testWrittenSplitBuildsAsWrittenAndReproducesTheEvaluation() throws {
        let dir = TempDir()
        let (file, pairs) = try interactions(in: dir)
        let split = dir.file("split")
        let e = try json(runBoardwalk(["eval", "-q", file, "--write-split", split, "--json"] + fast))
        let b = try json(runBoardwalk(["build", "-q", "--json", "-o", dir.file("train.bwg"), split + "/train.tsv"]))
        XCTAssertEqual(b["pins"] as? Int, e["items"] as? Int, "the graph eval built and the one build makes have the same pins")
        XCTAssertEqual(b["edges"] as? Int, e["graph_edges"] as? Int)
        XCTAssertEqual(b["boards"] as? Int, Set(pairs.map(\.user)).count, "every user is a board")
        XCTAssertEqual(b["invalid_lines"] as? Int, 0)
        let g = try json(runBoardwalk(["eval", "-q", "--graph", dir.file("train.bwg"), "--held-out", split + "/test.tsv", "--json"] + fast))
        XCTAssertEqual(g["users"] as? Int, e["users"] as? Int)
        XCTAssertGreaterThan(e["users"] as! Int, 100)
        XCTAssertEqual(g["walk"] as! [String: Double], e["walk"] as! [String: Double], "same graph, users, queries and seeds")
        XCTAssertEqual(g["popularity"] as! [String: Double], e["popularity"] as! [String: Double])
        // The training file read back as interactions (its header names the columns) is the same data.
        let again = try json(runBoardwalk(["eval", "-q", split + "/train.tsv", "--json"] + fast))
        XCTAssertEqual((again["users"] as! Int) + (again["skipped_users"] as! Int), b["boards"] as? Int,
                       "its users are read from the board_id column")
    }

    func testInteractionHeadersNameTheColumns() throws {
        let dir = TempDir()
        let plain = try interactions(in: dir, name: "plain.tsv")
        let named = try interactions(in: dir, name: "named.csv", header: "item_id\tuser_id", swapped: true)
        let a = try json(runBoardwalk(["eval", "-q", plain.path, "--json"] + fast))
        let b = try json(runBoardwalk(["eval", "-q", named.path, "--json"] + fast))
        XCTAssertEqual(a["walk"] as! [String: Double], b["walk"] as! [String: Double], "a header naming the columns puts them in any order")
        XCTAssertEqual(a["users"] as? Int, b["users"] as? Int)
        // A header naming one id column twice is refused, not guessed.
        let twice = dir.write("twice.tsv", "user\tuser_id\n1\t2\n")
        let t = try runBoardwalk(["eval", "-q", twice])
        XCTAssertEqual(t.status, 1)
        XCTAssertEqual(t.stderr, "boardwalk: \(twice):1: the header names two user columns (\"user\", \"user_id\")\n")
    }

    /// The library reader behind eval: quoted CSV headers and fields, named
    /// weight and time columns in any order, empty weights and times.
    func testInteractionReaderMapsNamedColumns() throws {
        let dir = TempDir()
        let csv = dir.write("ratings.csv", "\"user_id\",\"item_id\",\"rating\",\"timestamp\"\n\"1\",\"10\",\"4\",\"100\"\n1,11,,200\n# a comment\n\n2,10,2.5,\n")
        XCTAssertEqual(try EvaluationInput.interactions(from: csv), [
            Interaction(user: 1, item: 10, weight: 4, time: 100), Interaction(user: 1, item: 11, weight: 1, time: 200),
            Interaction(user: 2, item: 10, weight: 2.5, time: nil),
        ])
        let reordered = dir.write("reordered.tsv", "time\titem\tuser\n5\t10\t1\n")
        XCTAssertEqual(try EvaluationInput.interactions(from: reordered), [Interaction(user: 1, item: 10, weight: 1, time: 5)])
        let bad = dir.write("bad.tsv", "1\t10\t-2\n")
        XCTAssertThrowsError(try EvaluationInput.interactions(from: bad)) { error in
            XCTAssertEqual("\(error)", "\(bad):1: weight \"-2\" must be a finite number >= 0")
        }
        let held = dir.write("held.tsv", "item\tuser\n10\t1\n11\t2\n")
        XCTAssertEqual(try EvaluationInput.heldOut(from: held).map { [$0.user, $0.item, UInt64($0.line)] }, [[1, 10, 2], [2, 11, 3]])
    }

    // MARK: 3–4. Batch fields

    func testMisspeltAndOutOfRangeBatchFieldsAreErrorsNamingTheField() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        let pin = held[0].item
        let lines = [
            "{\"pins\": {\"\(pin)\": 1}, \"topp\": 3}",
            "{\"pins\": {\"\(pin)\": 1}, \"top\": 3, \"x-request-id\": \"abc\"}",
            "{\"pins\": {\"\(pin)\": 1}, \"colour\": 3}",
            "{\"pins\": {\"\(pin)\": 1}, \"steps\": -5}",
            "{\"pins\": {\"\(pin)\": 1}, \"top\": 0}",
            "{\"pins\": {\"\(pin)\": 1}, \"restart\": 1.5}",
            "{\"pins\": {\"\(pin)\": -1}}",
            "{\"pins\": {\"\(pin)\": 1}, \"candidates\": [1, -2]}",
            "{\"pins\": {\"\(pin)\": 1}, \"seed\": \"abc\"}",
            "{\"pins\": {\"\(pin)\": 1}, \"boost\": 1}",
        ]
        let r = try runBoardwalk(["query", graph, "--batch", "-"], stdin: lines.joined(separator: "\n") + "\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let out = r.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(out.count, lines.count)
        func error(_ i: Int) -> String { out[i]["error"] as? String ?? "no error: \(out[i])" }
        XCTAssertEqual(error(0), "unknown field \"topp\" (did you mean \"top\"?)")
        XCTAssertEqual((out[1]["results"] as? [Any])?.count, 3, "x- fields are the caller's and ignored: \(out[1])")
        XCTAssertEqual(error(2), "unknown field \"colour\" (fields of your own must start with \"x-\")")
        XCTAssertEqual(error(3), "steps: must be an unsigned integer (a number or a string of digits), not -5")
        // Values are the C library's to check, in its words (bw_query_errmsg).
        XCTAssertEqual(error(4), "top must be an integer from 1 to 1000000, not 0")
        XCTAssertEqual(error(5), "restart must be in (0, 1], not 1.5")
        XCTAssertEqual(error(6), "weight of pin \(pin) must be a finite number >= 0, not -1")
        XCTAssertEqual(error(7), "candidates[1]: must be an unsigned 64-bit id (a number or a string of digits), not -2")
        XCTAssertEqual(error(8), "seed: must be an unsigned 64-bit integer (a number or a string of digits), not \"abc\"")
        XCTAssertEqual(error(9), "boost: must be true or false, not 1")
    }

    // MARK: 4. Negative numbers on the command line

    /// `--opt -5` is parsed like `--opt=-5`: the same message, never "Missing value".
    func testNegativeNumbersGetTheSameMessageWithOrWithoutEquals() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        let heldFile = dir.write("held.tsv", held.prefix(5).map { "\($0.user)\t\($0.item)\n" }.joined())
        let query = ["query", graph, "--pin", String(held[0].item)]
        let eval = ["eval", "--graph", graph, "--held-out", heldFile]
        let bench = ["bench", graph, "--threads", "1", "--seconds", "0.1", "--queries", "5", "--steps", "1000"]
        var cases: [([String], String)] = []
        for o in ["--steps", "--top", "--restart", "--bias", "--popularity-penalty", "--time-budget", "--exponent", "--seed", "--early-stop"] {
            cases.append((query, o))
        }
        for o in ["--k", "--min-interactions", "--negatives", "--max-users", "--steps", "--top"] { cases.append((eval, o)) }
        for o in ["--threads", "--seconds", "--queries", "--steps", "--query-pins", "--restart", "--seed"] { cases.append((bench, o)) }
        for (base, option) in cases {
            let spaced = try runBoardwalk(base + [option, "-5"])
            let joined = try runBoardwalk(base + ["\(option)=-5"])
            XCTAssertEqual(spaced.status, 64, "\(base[0]) \(option) -5: \(spaced.stderr)")
            XCTAssertFalse(spaced.stderr.contains("Missing value"), "\(base[0]) \(option) -5: \(spaced.stderr)")
            XCTAssertEqual(spaced.stderr, joined.stderr, "\(base[0]) \(option)")
            XCTAssertTrue(spaced.stderr.contains("-5"), "\(base[0]) \(option) -5: the message shows the value: \(spaced.stderr)")
        }
        // build's and generate's numeric options too (their messages need not show the value).
        let edges = dir.write("neg-edges.tsv", "1\t10\n2\t10\n")
        let build = ["build", "-o", dir.file("neg.bwg"), edges]
        let generate = ["generate", "-o", dir.file("neg-gen.tsv")]
        var others: [([String], String)] = []
        for o in ["--chunk-size", "--max-invalid", "--pin-column", "--board-column", "--score-column", "--watermark", "--time-column", "--max-board-entropy",
                  "--max-board-degree", "--pin-degree-exponent", "--max-pin-degree", "--min-board-degree", "--min-pin-degree"] {
            others.append((build, o))
        }
        for o in ["--pins", "--boards", "--edges", "--communities", "--noise", "--board-skew", "--pin-skew", "--seed"] {
            others.append((generate, o))
        }
        for (base, option) in others {
            let spaced = try runBoardwalk(base + [option, "-5"])
            let joined = try runBoardwalk(base + ["\(option)=-5"])
            // README: usage errors exit 64.
            XCTAssertEqual(spaced.status, 64, "\(base[0]) \(option) -5: exit \(spaced.status): \(spaced.stderr)")
            XCTAssertEqual(spaced.status, joined.status, "\(base[0]) \(option)")
            XCTAssertFalse(spaced.stderr.contains("Missing value"), "\(base[0]) \(option) -5: \(spaced.stderr)")
            XCTAssertEqual(spaced.stderr, joined.stderr, "\(base[0]) \(option)")
        }
        let pin = try runBoardwalk(["query", graph, "--pin", "-5"])
        XCTAssertEqual(pin.status, 64)
        XCTAssertTrue(pin.stderr.contains("--pin \"-5\" is not ID or ID:WEIGHT"), pin.stderr)
    }

    // MARK: 5. File errors are one clean line

    func testUnreadableInputFilesGiveOneLineNamingThePath() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        let missing = dir.file("missing.tsv")
        let folder = dir.file("folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let latin1 = dir.file("latin1.tsv")
        try Data("1\t2\n\u{e9}3\t4\n".data(using: .isoLatin1)!).write(to: URL(fileURLWithPath: latin1))
        let latin1IDs = dir.file("latin1-ids.txt")
        try Data("1\n\u{e9}2\n".data(using: .isoLatin1)!).write(to: URL(fileURLWithPath: latin1IDs))
        let utf16 = dir.file("utf16.tsv")
        try Data([0xFF, 0xFE] + Array("1\t2\n".utf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }).write(to: URL(fileURLWithPath: utf16))
        let query = ["query", graph, "--pin", String(held[0].item)]
        let cases: [([String], String)] = [
            (query + ["--exclude-file", missing], "\(missing): No such file or directory"),
            (query + ["--exclude", missing], "\(missing): No such file or directory"),
            (query + ["--exclude-file", folder], "\(folder): Is a directory"),
            (query + ["--exclude-file", latin1IDs], "\(latin1IDs):2: not UTF-8 text"),
            (["query", graph, "--batch", missing], "\(missing): No such file or directory"),
            (["query", graph, "--batch", folder], "\(folder): Is a directory"),
            (["eval", "--graph", graph, "--held-out", missing], "\(missing): No such file or directory"),
            (["eval", "--graph", graph, "--held-out", folder], "\(folder): Is a directory"),
            (["eval", "--graph", graph, "--held-out", latin1], "\(latin1):2: not UTF-8 text"),
            (["eval", "--graph", graph, "--held-out", utf16], "\(utf16): UTF-16 text"),
            (["eval", missing], "\(missing): No such file or directory"),
            (["eval", latin1], "\(latin1):2: not UTF-8 text"),
            (["eval", folder], "\(folder): a directory without part files"),
            (["eval", "--graph", missing, "--held-out", latin1], "\(missing): No such file or directory"),
        ]
        for (command, message) in cases {
            // (eval without -q also prints progress lines before the error)
            let args = command[0] == "eval" ? command + ["-q"] : command
            let r = try runBoardwalk(args)
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)")
            XCTAssertEqual(r.stdout, "", "\(args)")
            XCTAssertTrue(r.stderr.hasPrefix("boardwalk: " + message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): one line: \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Domain"), "\(args): \(r.stderr)")
        }
        // Permission denied, where the file system enforces it (not for root).
        if getuid() != 0 {
            let locked = dir.write("locked.tsv", "1\t2\n")
            chmod(locked, 0)
            for args in [query + ["--exclude-file", locked], ["eval", "--graph", graph, "--held-out", locked], ["eval", locked]] {
                let r = try runBoardwalk(args)
                XCTAssertEqual(r.stderr, "boardwalk: \(locked): Permission denied\n", "\(args)")
            }
        }
        // --write-split into a path that is a file: the path and the reason.
        let (file, _) = try interactions(in: dir)
        let blocker = dir.write("blocker", "")
        let w = try runBoardwalk(["eval", "-q", file, "--write-split", blocker + "/split"] + fast)
        XCTAssertEqual(w.status, 1)
        XCTAssertEqual(w.stderr, "boardwalk: \(blocker): Not a directory\n")
    }

    // MARK: 5. Byte-order marks and --exclude-file

    func testByteOrderMarksAreSkippedAndExclusionsApply() throws {
        let dir = TempDir()
        let (graph, held) = try graphAndHeldOut(dir)
        let bom = "\u{FEFF}"
        let heldText = held.prefix(20).map { "\($0.user)\t\($0.item)\n" }.joined()
        let plain = dir.write("held.tsv", heldText)
        let marked = dir.write("held-bom.tsv", bom + heldText)
        let markedHeader = dir.write("held-bom-header.tsv", bom + "user\titem\n" + heldText)
        let a = try json(runBoardwalk(["eval", "-q", "--graph", graph, "--held-out", plain, "--json"] + fast))
        for file in [marked, markedHeader] {
            let b = try json(runBoardwalk(["eval", "-q", "--graph", graph, "--held-out", file, "--json"] + fast))
            XCTAssertEqual(b["users"] as? Int, 20, file)
            XCTAssertEqual(b["walk"] as! [String: Double], a["walk"] as! [String: Double], file)
        }
        // Interactions with a mark.
        let (file, _) = try interactions(in: dir)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let markedInteractions = dir.write("interactions-bom.tsv", bom + text)
        let i1 = try json(runBoardwalk(["eval", "-q", file, "--json"] + fast))
        let i2 = try json(runBoardwalk(["eval", "-q", markedInteractions, "--json"] + fast))
        XCTAssertEqual(i1["walk"] as! [String: Double], i2["walk"] as! [String: Double])
        XCTAssertEqual(i1["users"] as? Int, i2["users"] as? Int)

        // Exclusions: the best pins of a query, excluded by a file with a mark
        // (under either option name), are gone and the rest keeps its order.
        let q = ["query", graph, "--pin", String(held[0].item), "--json", "--top", "10"] + fast
        let top = try XCTUnwrap(json(runBoardwalk(q))["results"] as? [[String: Any]]).map { $0["id"] as! UInt64 }
        XCTAssertEqual(top.count, 10)
        let exclude = dir.write("exclude.txt", bom + "pin_id\n" + top.prefix(3).map { "\($0)\n" }.joined())
        for option in ["--exclude-file", "--exclude"] {
            let rest = try XCTUnwrap(json(runBoardwalk(q + [option, exclude]))["results"] as? [[String: Any]]).map { $0["id"] as! UInt64 }
            XCTAssertEqual(Array(rest.prefix(7)), Array(top.dropFirst(3)), option)
        }
        // Two columns are refused, not guessed; ids that are no pin of the graph are a warning.
        let twoColumns = dir.write("two-columns.txt", "\(top[0])\t\(top[1])\n")
        let t = try runBoardwalk(q + ["--exclude-file", twoColumns])
        XCTAssertEqual(t.status, 1)
        XCTAssertEqual(t.stderr, "boardwalk: \(twoColumns):1: expected one pin id a line, found 2 fields\n")
        let strangers = dir.write("strangers.txt", "1\n2\n")
        let w = try runBoardwalk(q + ["--exclude-file", strangers])
        XCTAssertEqual(w.status, 0)
        XCTAssertTrue(w.stderr.contains("warning: none of the 2 ids in \(strangers) is a pin of"), w.stderr)
        // A batch file starting with a mark.
        let batch = dir.write("batch.jsonl", bom + "{\"pins\": {\"\(held[0].item)\": 1}, \"top\": 2}\n")
        let r = try runBoardwalk(["query", graph, "--batch", batch])
        XCTAssertTrue(r.stdout.hasPrefix("{\"results\":"), r.stdout)
    }

    // MARK: 6. Progress

    func testEvalAndBenchReportProgressUnlessQuiet() throws {
        let dir = TempDir()
        let (file, _) = try interactions(in: dir)
        let loud = try runBoardwalk(["eval", file, "--max-users", "20"] + fast)
        XCTAssertEqual(loud.status, 0, loud.stderr)
        XCTAssertTrue(loud.stderr.contains("eval: reading \(file)"), loud.stderr)
        XCTAssertTrue(loud.stderr.contains("eval: building the training graph"), loud.stderr)
        XCTAssertTrue(loud.stderr.contains("eval: evaluating 20 users"), loud.stderr)
        XCTAssertTrue(loud.stdout.contains("users evaluated 20"), loud.stdout)
        let quiet = try runBoardwalk(["eval", "-q", file, "--max-users", "20"] + fast)
        XCTAssertEqual(quiet.stderr, "")
        XCTAssertEqual(quiet.stdout.split(separator: "\n").count, loud.stdout.split(separator: "\n").count)

        let (graph, _) = try graphAndHeldOut(dir)
        let bench = ["bench", graph, "--threads", "1", "--seconds", "0.2", "--queries", "20", "--steps", "1000", "--json"]
        let b = try runBoardwalk(bench)
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssertTrue(b.stderr.contains("bench: throughput on 1 thread"), b.stderr)
        XCTAssertTrue(b.stderr.contains("bench: latency, early stopping off"), b.stderr)
        XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(b.stdout.utf8)) as? [String: Any], "stdout stays JSON")
        let bq = try runBoardwalk(bench + ["--quiet"])
        XCTAssertEqual(bq.status, 0)
        XCTAssertEqual(bq.stderr, "")
    }
}

// MARK: - One reader (issue 13)

/// eval, query --exclude-file and build read files with one reader: the same
/// fields, header, UTF-8 and byte-order-mark rules and `FILE:LINE: reason`.
/// Three inputs eval once read and build refused are now refused by both.
extension QueryEvalInputTests {
    private func writeBytes(_ dir: TempDir, _ name: String, _ bytes: [UInt8]) throws -> String {
        let path = dir.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func assertRefused(_ read: () throws -> Any, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try read(), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    /// Build's edge reader refuses the same file on the same line.
    private func assertBuildRefuses(_ dir: TempDir, _ path: String, line: Int, file: StaticString = #filePath, line l: UInt = #line) throws {
        let r = try runBoardwalk(["build", "-q", "-o", dir.file("refused.bwg"), path])
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: l)
        XCTAssertTrue(r.stderr.hasPrefix("boardwalk: \(path):\(line): "), r.stderr, file: file, line: l)
    }

    /// (a) A first line starting with a letter but not UTF-8 (Latin-1) is not
    /// a header: eval once took it for one; now it is an error, as in build.
    func testLatin1FirstLineIsAnErrorNotAHeader() throws {
        let dir = TempDir()
        let latin = try writeBytes(dir, "latin.tsv", Array("us".utf8) + [0xE9] + Array("r\titem\n1\t2\n1\t3\n".utf8))
        assertRefused({ try EvaluationInput.interactions(from: latin) },
                      "\(latin):1: not UTF-8 text (user id \"us\u{FFFD}r\" is not an unsigned integer)")
        let ids = try writeBytes(dir, "latin-ids.txt", Array("pin".utf8) + [0xE9] + Array("\n1\n".utf8))
        assertRefused({ try EvaluationInput.ids(from: ids, what: "pin id") },
                      "\(ids):1: not UTF-8 text (pin id \"pin\u{FFFD}\" is not an unsigned integer)")
        try assertBuildRefuses(dir, latin, line: 1)
        // Nor is a first line holding a control character; the message says which.
        let control = dir.write("control.tsv", "user\titem\u{1}\n1\t2\n")
        assertRefused({ try EvaluationInput.interactions(from: control) },
                      "\(control):1: user id \"user\" is not an unsigned integer (not a header: it holds the control character \\u{1})")
        // The same header in UTF-8 is still a header.
        let utf8 = dir.write("utf8.tsv", "usér\titem\n1\t2\n")
        XCTAssertEqual(try EvaluationInput.interactions(from: utf8), [Interaction(user: 1, item: 2, weight: 1, time: nil)])
    }

    /// (b) A carriage return inside a line, just before a quoted id: eval once
    /// trimmed it with the blanks; now it is part of the field, as in build.
    func testCarriageReturnBeforeAQuotedIdIsAnError() throws {
        let dir = TempDir()
        let cr = dir.write("cr.tsv", "1\t\r\"2\"\n")
        assertRefused({ try EvaluationInput.interactions(from: cr) }, "\(cr):1: item id \"\\r\"2\"\" is not an unsigned integer")
        let crIDs = dir.write("cr-ids.txt", "\r\"5\"\n")
        assertRefused({ try EvaluationInput.ids(from: crIDs, what: "pin id") }, "\(crIDs):1: pin id \"\\r\"5\"\" is not an unsigned integer")
        try assertBuildRefuses(dir, cr, line: 1)
        // A line ending CRLF is still one line ending.
        let crlf = dir.write("crlf.tsv", "1\t\"2\"\r\n")
        XCTAssertEqual(try EvaluationInput.interactions(from: crlf), [Interaction(user: 1, item: 2, weight: 1, time: nil)])
    }

    /// (c) Two byte-order marks: one is skipped, the second is text; eval once
    /// skipped both.
    func testTwoByteOrderMarksAreAnError() throws {
        let dir = TempDir()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let twice = try writeBytes(dir, "twice.tsv", bom + bom + Array("1\t2\n".utf8))
        assertRefused({ try EvaluationInput.interactions(from: twice) }, "\(twice):1: user id \"\\u{FEFF}1\" is not an unsigned integer")
        let twiceHeader = try writeBytes(dir, "twice-header.tsv", bom + bom + Array("user\titem\n1\t2\n".utf8))
        assertRefused({ try EvaluationInput.heldOut(from: twiceHeader) }, "\(twiceHeader):1: user id \"\\u{FEFF}user\" is not an unsigned integer")
        try assertBuildRefuses(dir, twice, line: 1)
        let once = try writeBytes(dir, "once.tsv", bom + Array("user\titem\n1\t2\n".utf8))
        XCTAssertEqual(try EvaluationInput.interactions(from: once), [Interaction(user: 1, item: 2, weight: 1, time: nil)])
    }

    /// Quoted fields in eval's and query's inputs are RFC 4180 fields, as in
    /// build: a comma or tab inside quotes is text, not a separator.
    func testQuotedFieldsAreOneField() throws {
        let dir = TempDir()
        let comma = dir.write("comma.csv", "user,item\n\"1,2\",3\n")
        assertRefused({ try EvaluationInput.interactions(from: comma) }, "\(comma):2: user id \"1,2\" is not an unsigned integer")
        let tab = dir.write("tab.tsv", "\"1\t2\"\t3\n")
        assertRefused({ try EvaluationInput.heldOut(from: tab) }, "\(tab):1: user id \"1\\t2\" is not an unsigned integer")
        let ids = dir.write("ids.txt", "\"1,2\"\n")
        assertRefused({ try EvaluationInput.ids(from: ids, what: "pin id") }, "\(ids):1: pin id \"1,2\" is not an unsigned integer")
        let open = dir.write("open.csv", "\"user_id,item_id\n1,2\n")
        assertRefused({ try EvaluationInput.interactions(from: open) }, "\(open):1: quoted field \"\"user_id,item_id\" has no closing quote")
        // Quoted ids that are ids are read, quotes and all separators inside them aside.
        let good = dir.write("good.csv", "\"user_id\",\"item_id\",\"rating\",\"time\",\"note\"\n\"7\", \"8\" ,\"2.5\",\"-3\",\"a, b\"\n")
        XCTAssertEqual(try EvaluationInput.interactions(from: good), [Interaction(user: 7, item: 8, weight: 2.5, time: -3)])
        let goodIDs = dir.write("good-ids.txt", "\"pin_id\"\n\"12\"\n 3 \n")
        XCTAssertEqual(try EvaluationInput.ids(from: goodIDs, what: "pin id"), [12, 3])
        // Through the CLI: one line, the file and the line.
        let (graph, held) = try graphAndHeldOut(dir)
        let r = try runBoardwalk(["query", graph, "--pin", String(held[0].item), "--exclude-file", ids])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "boardwalk: \(ids):1: pin id \"1,2\" is not an unsigned integer\n")
    }
}
