// One CLI voice (issue 13): every --json output in snake_case, verify and
// generate with --json, titles in batch answers, the batch help listing
// every field the decoder takes, and the query table aligned for any id.
import Boardwalk
import Foundation
import XCTest

final class CLIOutputTests: XCTestCase {
    private let sample = repositoryRoot + "/Graphs/sample"
    private let samplePin = "7136620868348139334"

    /// The sample graph with titles and attributes.
    private func sampleGraph(_ dir: TempDir, extra: [String] = [], json: Bool = false) throws -> (path: String, stdout: String) {
        let g = dir.file("sample.bwg")
        let r = try runBoardwalk(["build", "-q", "-o", g, "--pin-titles", sample + "/pin-titles.tsv", "--board-titles",
                                  sample + "/board-titles.tsv", "--pin-attributes", sample + "/pin-attributes.tsv"]
                                 + extra + (json ? ["--json"] : []) + [sample + "/edges.tsv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return (g, r.stdout)
    }

    private func object(_ text: some StringProtocol, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], String(text), file: file, line: line)
    }

    /// Keys anywhere in a JSON value that are not snake_case (lower case,
    /// digits, single underscores; eval's metrics end in "@K").
    private func nonSnakeKeys(_ value: Any, at path: String = "") -> [String] {
        if let o = value as? [String: Any] {
            return o.flatMap { key, v in
                let ok = key.range(of: #"^[a-z][a-z0-9]*(_[a-z0-9]+)*(@[0-9]+)?$"#, options: .regularExpression) != nil
                return (ok ? [] : [path + "." + key]) + nonSnakeKeys(v, at: path + "." + key)
            }
        }
        if let a = value as? [Any] { return a.enumerated().flatMap { nonSnakeKeys($1, at: path + "[\($0)]") } }
        return []
    }

    private func assertSnakeCase(_ text: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let o = try object(text, file: file, line: line)
        XCTAssertFalse(o.isEmpty, what, file: file, line: line)
        XCTAssertEqual(nonSnakeKeys(o), [], "\(what): keys not in snake_case", file: file, line: line)
    }

    func testEveryJSONOutputIsSnakeCase() throws {
        let dir = TempDir()
        // build, with a pruning rule so that the report is there too.
        let (g, built) = try sampleGraph(dir, extra: ["--max-board-degree", "1000"], json: true)
        try assertSnakeCase(built, "build --json")
        let b = try object(built)
        for key in ["input_edges", "duplicate_edges", "invalid_lines", "attributed_pins", "pin_titles", "file_bytes", "peak_rss_bytes"] {
            XCTAssertNotNil(b[key], "build --json has \(key): \(built)")
        }
        XCTAssertEqual((b["pruning"] as? [Any])?.count, 1, built)

        let info = try runBoardwalk(["info", "--json", g])
        XCTAssertEqual(info.status, 0, info.stderr)
        try assertSnakeCase(info.stdout, "info --json")
        XCTAssertNotNil(try object(info.stdout)["build"] as? [String: Any])

        let verify = try runBoardwalk(["verify", "--json", g])
        XCTAssertEqual(verify.status, 0, verify.stderr)
        try assertSnakeCase(verify.stdout, "verify --json")

        let query = try runBoardwalk(["query", g, "--pin", samplePin, "--pin", "1", "--lenient", "--include-boards", "--json", "--top", "30"])
        XCTAssertEqual(query.status, 0, query.stderr)
        try assertSnakeCase(query.stdout, "query --json")
        XCTAssertNotNil(try object(query.stdout)["unknown_pins"], query.stdout)

        let lines = """
            {"pins": {"\(samplePin)": 1}, "include_boards": true, "lenient": true, "boards": {"2": 1}}
            {"pins": {"\(samplePin)": 1}, "candidates": [1, 2]}
            {"topp": 3}
            """
        let batch = try runBoardwalk(["query", g, "--batch", "-", "--titles"], stdin: lines)
        XCTAssertEqual(batch.status, 0, batch.stderr)
        let answers = batch.stdout.split(separator: "\n")
        XCTAssertEqual(answers.count, 3, batch.stdout)
        for a in answers { try assertSnakeCase(String(a), "query --batch") }

        let gen = try runBoardwalk(["generate", "--json", "--pins", "2K", "--boards", "200", "--edges", "8K", "-o", dir.file("e.tsv")])
        XCTAssertEqual(gen.status, 0, gen.stderr)
        try assertSnakeCase(gen.stdout, "generate --json")

        var text = "user\titem\n"
        var seen = Set<String>()
        for (pin, board) in try generatedEdges(pins: 2000, boards: 200, edges: 8000).pairs where seen.insert("\(board) \(pin)").inserted {
            text += "\(board)\t\(pin)\n"
        }
        let interactions = dir.write("i.tsv", text)
        let eval = try runBoardwalk(["eval", "-q", interactions, "--json", "--k", "5,10", "--max-users", "50", "--steps", "2000",
                                     "--max-pin-degree", "1000"])
        XCTAssertEqual(eval.status, 0, eval.stderr)
        try assertSnakeCase(eval.stdout, "eval --json")
        let sweep = try runBoardwalk(["eval", "-q", interactions, "--json", "--sweep", "--method", "exact", "--max-users", "20"])
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        try assertSnakeCase(sweep.stdout, "eval --sweep --json")

        let bench = try runBoardwalk(["bench", g, "-q", "--json", "--threads", "1", "--seconds", "0.1", "--queries", "5", "--steps", "1000"])
        XCTAssertEqual(bench.status, 0, bench.stderr)
        try assertSnakeCase(bench.stdout, "bench --json")
    }

    func testVerifyJSON() throws {
        let dir = TempDir()
        let (g, _) = try sampleGraph(dir)
        let ok = try runBoardwalk(["verify", "--json", g])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let o = try object(ok.stdout)
        XCTAssertEqual(o["path"] as? String, g)
        XCTAssertEqual(o["ok"] as? Bool, true)
        XCTAssertEqual(o["edges"] as? UInt64, try Graph(path: g).stats.edges)
        XCTAssertNotNil(o["seconds"] as? Double)
        XCTAssertNil(o["error"])

        // Not a graph: the verdict on standard output, the message on standard error, exit code 1.
        let bad = dir.write("bad.bwg", "not a graph")
        let r = try runBoardwalk(["verify", "--json", bad])
        XCTAssertEqual(r.status, 1)
        let f = try object(r.stdout)
        XCTAssertEqual(f["path"] as? String, bad)
        XCTAssertEqual(f["ok"] as? Bool, false)
        let error = try XCTUnwrap(f["error"] as? String)
        XCTAssertFalse(error.isEmpty)
        XCTAssertTrue(r.stderr.contains(error), "stderr \(r.stderr) has the message \(error)")
    }

    func testGenerateJSON() throws {
        let dir = TempDir()
        let out = dir.file("e.tsv"), titles = dir.file("t.tsv")
        let r = try runBoardwalk(["generate", "--json", "--pins", "3K", "--boards", "300", "--edges", "10K", "--seed", "4",
                                  "-o", out, "--pin-titles", titles])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 1, "one JSON object: \(r.stdout)")
        let o = try object(r.stdout)
        XCTAssertEqual(o["path"] as? String, out)
        XCTAssertEqual(o["lines"] as? Int, 10_000)
        XCTAssertEqual(o["seed"] as? Int, 4)
        XCTAssertEqual(o["pin_population"] as? Int, 3000)
        XCTAssertEqual(o["board_population"] as? Int, 300)
        XCTAssertEqual(o["pin_titles"] as? String, titles)
        let size = try FileManager.default.attributesOfItem(atPath: out)[.size] as! Int
        XCTAssertEqual(o["bytes"] as? Int, size)
        let distinct = try XCTUnwrap(o["distinct_edges"] as? Int), dup = try XCTUnwrap(o["duplicate_lines"] as? Int)
        XCTAssertEqual(distinct + dup, 10_000)
        // The counts are the edge list's: build agrees.
        let b = try object(runBoardwalk(["build", "-q", "--json", "-o", dir.file("g.bwg"), out]).stdout)
        XCTAssertEqual(b["pins"] as? Int, o["pins"] as? Int)
        XCTAssertEqual(b["boards"] as? Int, o["boards"] as? Int)
        XCTAssertEqual(b["edges"] as? Int, distinct)
        // --quiet silences progress, not the JSON.
        let q = try runBoardwalk(["generate", "--json", "-q", "--pins", "1K", "--boards", "100", "--edges", "1K", "-o", out])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertEqual(q.stderr, "")
        XCTAssertEqual(try object(q.stdout)["lines"] as? Int, 1000)
        // The edges would share standard output with the JSON: refused as a usage error.
        let mixed = try runBoardwalk(["generate", "--json", "--pins", "1K", "--boards", "100", "--edges", "1K"])
        XCTAssertEqual(mixed.status, 64)
        XCTAssertEqual(mixed.stdout, "")
    }

    func testBatchAnswersCarryTitlesWhenAsked() throws {
        let dir = TempDir()
        let (g, _) = try sampleGraph(dir)
        let line = #"{"pins": {"\#(samplePin)": 1}, "include_boards": true, "top": 20, "seed": 3}"#
        let with = try runBoardwalk(["query", g, "--batch", "-", "--titles"], stdin: line)
        XCTAssertEqual(with.status, 0, with.stderr)
        let results = try XCTUnwrap(try object(with.stdout)["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 20)
        XCTAssertTrue(results.contains { $0["kind"] as? String == "board" }, "boards among the results: \(with.stdout)")
        // The same titles, for pins and boards, as query --json gives for the same query.
        let single = try runBoardwalk(["query", g, "--pin", samplePin, "--include-boards", "--top", "20", "--seed", "3", "--json"])
        let expected = try XCTUnwrap(try object(single.stdout)["results"] as? [[String: Any]])
        XCTAssertEqual(results.map { $0["title"] as? String }, expected.map { $0["title"] as? String })
        XCTAssertTrue(results.allSatisfy { $0["title"] is String }, "every sample pin and board has a title")
        let graph = try Graph(path: g)
        for r in results where r["kind"] == nil {
            XCTAssertEqual(r["title"] as? String, graph.title(of: PinID(r["id"] as! UInt64)))
        }
        // Without --titles, none (the answer stays small).
        let without = try runBoardwalk(["query", g, "--batch", "-"], stdin: line)
        let plain = try XCTUnwrap(try object(without.stdout)["results"] as? [[String: Any]])
        XCTAssertEqual(plain.count, 20)
        XCTAssertTrue(plain.allSatisfy { $0["title"] == nil })
        // --titles without --batch is a usage error (--json and the table always show titles).
        XCTAssertEqual(try runBoardwalk(["query", g, "--pin", samplePin, "--titles"]).status, 64)
    }

    func testQueryHelpListsEveryBatchField() throws {
        let help = try runBoardwalk(["query", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        for field in WalkRequest.fieldNames {
            XCTAssertTrue(help.stdout.contains("\"\(field)\""), "query --help lists \"\(field)\"")
        }
        XCTAssertTrue(help.stdout.contains("--titles"), help.stdout)
        // The list is the decoder's: each name is accepted, and nothing else is.
        for field in WalkRequest.fieldNames {
            XCTAssertNoThrow(try WalkRequest(json: Data(#"{"\#(field)": null}"#.utf8)), field)
        }
        XCTAssertThrowsError(try WalkRequest(json: Data(#"{"titles": true}"#.utf8)))
    }

    func testQueryTableStaysAlignedForLongIDsAndBoards() throws {
        let dir = TempDir()
        let maxID = "18446744073709551615"  // UInt64.max: 20 digits
        let edges = dir.write("e.tsv", """
            pin_id\tboard_id
            5\t18446744073709551614
            5\t7
            \(maxID)\t18446744073709551614
            \(maxID)\t7
            12345678901234567890\t7
            6\t18446744073709551614
            6\t10000000000000000000
            12345678901234567890\t10000000000000000000

            """)
        let titles = dir.write("bt.tsv", "board_id\ttitle\n7\tSeven\n")
        let g = dir.file("g.bwg")
        let b = try runBoardwalk(["build", "-q", "-o", g, "--board-titles", titles, edges])
        XCTAssertEqual(b.status, 0, b.stderr)
        for method in ["walk", "exact"] {
            let r = try runBoardwalk(["query", g, "--pin", "5", "--include-boards", "--steps", "20000", "--seed", "1",
                                      "--method", method])
            XCTAssertEqual(r.status, 0, r.stderr)
            let lines = r.stdout.split(separator: "\n").map(String.init)
            let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("rank") }, r.stdout)
            let header = lines[start], rows = Array(lines[(start + 1)...])
            XCTAssertTrue(rows.contains { $0.contains("board 18446744073709551614") }, r.stdout)
            XCTAssertTrue(rows.contains { $0.contains(maxID) }, r.stdout)
            XCTAssertTrue(rows.contains { $0.hasSuffix("Seven") }, r.stdout)
            func column(_ name: String) throws -> (start: Int, end: Int) {
                let range = try XCTUnwrap(header.range(of: name), header)
                return (header.distance(from: header.startIndex, to: range.lowerBound),
                        header.distance(from: header.startIndex, to: range.upperBound))
            }
            func char(_ row: String, _ i: Int) -> Character { i < row.count ? Array(row)[i] : " " }
            let id = try column("id"), score = try column("score"), count = try column(method == "exact" ? "boards" : "visits")
            let title = try column("title")
            for row in rows {
                // Ids start under "id"; numbers end under their heading; titles start under "title".
                XCTAssertTrue(char(row, id.start) != " " && char(row, id.start - 1) == " ", "id column: \(row)\n\(r.stdout)")
                for c in [score, count] {
                    XCTAssertTrue(char(row, c.end - 1) != " " && char(row, c.end) == " ", "number column: \(row)\n\(r.stdout)")
                }
                XCTAssertTrue(char(row, title.start - 1) == " ", "title column: \(row)\n\(r.stdout)")
                if row.count > title.start { XCTAssertNotEqual(char(row, title.start), " ", row) }
                XCTAssertFalse(row.hasSuffix(" "), "no trailing spaces: \(row)")
            }
        }
    }
}
