// `boardwalk generate`: seeded synthetic pin-board edge lists for tests and benchmarks.
import ArgumentParser
import Boardwalk
import Foundation

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a seeded synthetic pin-board edge list with heavy-tailed degrees and planted communities.",
        discussion: """
            Counts take K, M, G suffixes (powers of 1000). Pin i belongs to community \
            i / ceil(pins / communities), board b to community b % communities; --pin-attributes \
            writes each pin's community as its topic (c0, c1 …) and a language that follows the \
            community 90% of the time, which tests use as ground truth.

            Each edge line is drawn independently (board by size, then a pin of its community \
            by popularity), so some (pin, board) pairs come up more than once: 16.7% of the \
            lines at the defaults, 4.1% for --pins 1M --boards 100K --edges 5M, more with \
            fewer pins per community or more edges per board. build collapses repeats. \
            Progress (once a second) and a summary (lines, pins and boards with an edge, \
            distinct edges, duplicate lines; duplicates are counted up to 100M lines, with 16 \
            bytes of memory per line) go to standard error; --quiet silences both. With --json \
            the summary is one JSON object on standard output instead (path, lines, bytes, pins, \
            boards, distinct_edges, duplicate_lines (null when not counted), pin_population, \
            board_population, communities, seed, seconds).
            """)

    @Option(parsing: .unconditional, help: ArgumentHelp("Pin population.", valueName: "n")) var pins: String = "100K"
    @Option(parsing: .unconditional, help: ArgumentHelp("Board population.", valueName: "n")) var boards: String = "10K"
    @Option(parsing: .unconditional, help: ArgumentHelp("Edge lines to write; repeats included (16.7% at the defaults, see below).", valueName: "n"))
    var edges: String = "1M"
    @Option(parsing: .unconditional, help: ArgumentHelp("Planted communities.", valueName: "n")) var communities: String = "50"
    @Option(parsing: .unconditional, help: ArgumentHelp("Fraction of edges that cross communities.", valueName: "f")) var noise: Double = 0.05
    @Option(parsing: .unconditional, help: ArgumentHelp("Zipf exponent of board sizes.", valueName: "s")) var boardSkew: Double = 0.6
    @Option(parsing: .unconditional, help: ArgumentHelp("Zipf exponent of pin popularity.", valueName: "s")) var pinSkew: Double = 0.7
    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed.", valueName: "n")) var seed: UInt64 = 1
    @Option(name: .shortAndLong, help: ArgumentHelp("Edge list to write, - for stdout.", valueName: "file"))
    var output: String = "-"
    @Option(help: ArgumentHelp("Also write pin attributes (pin_id<TAB>language<TAB>topic).", valueName: "file"))
    var pinAttributes: String?
    @Option(help: ArgumentHelp("Also write pin titles (pin_id<TAB>title).", valueName: "file"))
    var pinTitles: String?
    @Flag(help: "Write no header line.") var noHeader = false
    @Flag(name: .shortAndLong, help: "No progress or summary on standard error.") var quiet = false
    @Flag(help: "Print the summary as one JSON object on standard output (needs --output FILE).") var json = false

    func parameters() throws -> GeneratorParameters {
        var p = GeneratorParameters()
        guard let np = parseCount(pins), let nb = parseCount(boards), let ne = parseCount(edges),
            let k = parseCount(communities)
        else { throw ValidationError("counts must be whole numbers, optionally with K, M or G") }
        p.pins = np; p.boards = nb; p.edges = ne; p.communities = k
        p.noise = noise; p.boardSkew = boardSkew; p.pinSkew = pinSkew; p.seed = seed
        return p
    }

    func validate() throws {
        do { try parameters().validate() } catch let BoardwalkError.invalidArgument(message) { throw ValidationError(message) }
        guard !(json && output == "-") else { throw ValidationError("--json prints to standard output: give --output FILE for the edges") }
    }

    static let languages = ["en", "es", "fr", "de", "pt", "ja"]

    func run() throws {
        try reportingFailures {
            let gen = try EdgeGenerator(try parameters())
            let out = try FastWriter(path: output)
            let counter = quiet && !json ? nil : GeneratedEdgeCounter(gen.parameters)
            let total = gen.parameters.edges
            let start = Date()
            var lastReport = start, lastLines = 0, written = 0
            if !noHeader { out.write("pin_id\tboard_id\n") }
            try gen.forEachEdge { p, b in
                out.write(gen.pinID(p).rawValue)
                out.write(byte: 9)
                out.write(gen.boardID(b).rawValue)
                out.write(byte: 10)
                try out.flushIfFull()
                counter?.add(pin: p, board: b)
                written += 1
                if !quiet && written & 0xFFFF == 0 {
                    let now = Date()
                    if now.timeIntervalSince(lastReport) >= 1 {
                        let rate = Double(written - lastLines) / now.timeIntervalSince(lastReport)
                        note(String(format: "generate: %@ of %@ edge lines (%.0f%%), %@ lines/s, %.1fs", human(Double(written)),
                                    human(Double(total)), 100 * Double(written) / Double(max(total, 1)), human(rate),
                                    now.timeIntervalSince(start)))
                        lastReport = now
                        lastLines = written
                    }
                }
            }
            try out.close()
            let census = counter?.finish()
            if let c = census, !json {
                var text = "generated \(c.lines) edge lines to \(output == "-" ? "standard output" : output): \(c.pins) pins, \(c.boards) boards"
                if let distinct = c.distinctEdges, let dup = c.duplicateLines {
                    text += String(format: ", %d distinct edges, %d duplicate lines (%.1f%%)", distinct, dup,
                                   100 * Double(dup) / Double(max(c.lines, 1)))
                } else {
                    text += "; duplicates not counted over \(GeneratedEdgeCounter.maxCountedLines) lines (build counts them)"
                }
                note(text + String(format: ", %.1fs", Date().timeIntervalSince(start)))
            }
            if let pinAttributes {
                let w = try FastWriter(path: pinAttributes)
                w.write("pin_id\tlanguage\ttopic\n")
                var rng = SeededGenerator(seed: seed ^ 0x6c61_6e67)
                for i in 0..<gen.parameters.pins {
                    let c = gen.community(ofPin: i)
                    let lang = rng.unit() < 0.9 ? c % Self.languages.count : Int(rng.next() % UInt64(Self.languages.count))
                    w.write(gen.pinID(i).rawValue)
                    w.write("\t\(Self.languages[lang])\tc\(c)\n")
                    try w.flushIfFull()
                }
                try w.close()
            }
            if let pinTitles {
                let w = try FastWriter(path: pinTitles)
                w.write("pin_id\ttitle\n")
                for i in 0..<gen.parameters.pins {
                    w.write(gen.pinID(i).rawValue)
                    w.write("\tpin \(i) of community \(gen.community(ofPin: i))\n")
                    try w.flushIfFull()
                }
                try w.close()
            }
            if json, let c = census {
                var summary: [String: Any] = [
                    "path": output, "lines": c.lines, "bytes": out.bytesWritten, "pins": c.pins, "boards": c.boards,
                    "distinct_edges": c.distinctEdges ?? NSNull(), "duplicate_lines": c.duplicateLines ?? NSNull(),
                    "pin_population": gen.parameters.pins, "board_population": gen.parameters.boards,
                    "communities": gen.parameters.communities, "seed": seed, "seconds": Date().timeIntervalSince(start),
                ]
                if let pinAttributes { summary["pin_attributes"] = pinAttributes }
                if let pinTitles { summary["pin_titles"] = pinTitles }
                try printJSON(summary)
            }
        }
    }
}
