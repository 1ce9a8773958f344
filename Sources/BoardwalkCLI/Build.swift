// `boardwalk build`: edge lists in, one graph file out.
import ArgumentParser
import Boardwalk
import Foundation

struct Build: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a graph file from edge lists (pin_id<TAB>board_id).",
        discussion: """
            INPUT is a file (plain or gzip), - for standard input, or a directory of part \
            files as Spark and Hive write them. The graph is written atomically: a failed or \
            killed build leaves OUTPUT as it was; an OUTPUT that is one of the inputs (or inside an \
            input part directory) is refused. A header line naming its columns (pin or pin_id, board \
            or board_id) chooses them unless --pin-column/--board-column are given; fields may be \
            quoted (RFC 4180); a UTF-8 byte-order mark is skipped; a binary part file is skipped \
            with a warning.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("Graph file to write (conventionally .bwg).", valueName: "graph"))
    var output: String

    @Option(help: ArgumentHelp("Pin titles, lines id<TAB>title or id,title (the title may be quoted).", valueName: "file"))
    var pinTitles: String?

    @Option(help: ArgumentHelp("Board titles, lines id<TAB>title or id,title (the title may be quoted).", valueName: "file"))
    var boardTitles: String?

    @Option(help: ArgumentHelp("Pin attributes, lines pin_id<TAB>language<TAB>topic (or comma-separated).", valueName: "file"))
    var pinAttributes: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Bytes per stored array chunk: a power of two, 64 to 1G (suffixes K, M, G).", valueName: "size"))
    var chunkSize: String = "1G"

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Memory budget (suffixes K, M, G; at least 4M; 'unlimited'). Default: 3/4 of physical memory. An input that outgrows it is sorted in batches on disk, with the same result.",
        valueName: "size"))
    var memoryLimit: String?

    @Option(help: ArgumentHelp("Directory for an external build's temporary files (default: the output's directory).", valueName: "dir"))
    var tempDir: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Malformed lines to skip (and count) before failing.", valueName: "n"))
    var maxInvalid: Int = 0

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "1-based column of the pin id (default: the column a header line names pin or pin_id, else 1). Wins over the header.",
        valueName: "n"))
    var pinColumn: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "1-based column of the board id (default: the column a header line names board or board_id, else 2). Wins over the header.",
        valueName: "n"))
    var boardColumn: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "1-based column of a per-edge score (similarity, recency …) that pruning keeps the best of; repeats keep the highest.",
        valueName: "n"))
    var scoreColumn: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "The graph's watermark: the newest edge time it contains, an unsigned integer in your own unit (Unix seconds or milliseconds). Not with --time-column.",
        valueName: "time"))
    var watermark: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "1-based column of each edge's time (an unsigned integer in your own unit): the watermark is the newest time read. Never chosen by a header.",
        valueName: "n"))
    var timeColumn: Int?

    @OptionGroup(title: "Pruning (rules run once each, in this order)")
    var pruning: PruningOptions

    @Flag(help: "Write a graph even when it has no edges (refused by default: an empty input is usually a failed upstream job).")
    var allowEmpty = false

    @Flag(name: .shortAndLong, help: "No progress on standard error.")
    var quiet = false

    @Flag(help: "Print the summary as one JSON object.")
    var json = false

    @Argument(help: ArgumentHelp("Edge lists: files, - for stdin, or part directories.", valueName: "input"))
    var inputs: [String]

    func validate() throws {
        guard let size = parseSize(chunkSize), size >= 64, size <= 1 << 30, size & (size - 1) == 0 else {
            throw ValidationError("--chunk-size must be a power of two from 64 to 1G, not \(chunkSize)")
        }
        if let memoryLimit, memoryLimitBytes == nil || memoryLimitBytes! < BuildOptions.minimumMemoryLimit {
            throw ValidationError("--memory-limit must be a size of at least \(BuildOptions.minimumMemoryLimit >> 20)M (or unlimited), not \(memoryLimit)")
        }
        guard maxInvalid >= 0 else { throw ValidationError("--max-invalid cannot be negative") }
        guard (pinColumn ?? 1) >= 1, (boardColumn ?? 2) >= 1, (pinColumn ?? 1) != (boardColumn ?? 2) else {
            throw ValidationError("--pin-column and --board-column must be distinct and at least 1")
        }
        guard !inputs.isEmpty else { throw ValidationError("give at least one input") }
        if let s = scoreColumn, s < 1 || s == pinColumn ?? 1 || s == boardColumn ?? 2 {
            throw ValidationError("--score-column must be at least 1 and differ from the id columns")
        }
        if watermark != nil && timeColumn != nil { throw ValidationError("give --watermark or --time-column, not both") }
        if let t = timeColumn, t < 1 || t == pinColumn ?? 1 || t == boardColumn ?? 2 || t == scoreColumn {
            throw ValidationError("--time-column must be at least 1 and differ from the id and score columns")
        }
        if pruning.maxBoardEntropy != nil && pinAttributes == nil {
            throw ValidationError("--max-board-entropy needs pin topics: give --pin-attributes")
        }
    }

    /// --memory-limit in bytes (UInt64.max for unlimited), nil when not a size.
    var memoryLimitBytes: UInt64? {
        guard let memoryLimit else { return nil }
        return memoryLimit.lowercased() == "unlimited" ? UInt64.max : parseSize(memoryLimit)
    }

    func run() throws {
        try reportingFailures {
            var options = BuildOptions()
            options.chunkBytes = parseSize(chunkSize)!
            options.maxInvalidLines = maxInvalid
            if let pinColumn { options.pinColumn = pinColumn }  // set only when given: it then wins over a header
            if let boardColumn { options.boardColumn = boardColumn }
            options.scoreColumn = scoreColumn
            options.watermark = watermark
            options.timeColumn = timeColumn
            options.pruning = pruning.rules
            options.allowEmpty = allowEmpty
            options.memoryLimit = memoryLimitBytes
            options.temporaryDirectory = tempDir ?? {
                let dir = URL(fileURLWithPath: output).deletingLastPathComponent().path
                return dir.isEmpty ? "." : dir
            }()
            // Refuse, before reading anything, an output that is one of the inputs.
            try GraphBuilder.checkOutput(output, isNotAmong: inputs + [pinTitles, boardTitles, pinAttributes].compactMap { $0 })
            let builder = try GraphBuilder(options: options)
            builder.warning = { note("boardwalk: warning: \($0)") }  // even with --quiet: something was skipped
            if !quiet {
                let limit = options.memoryLimit ?? BuildOptions.defaultMemoryLimit
                note("build: memory limit " + (limit == UInt64.max ? "unlimited" : "\(human(Double(limit)))B")
                     + (options.memoryLimit == nil ? " (3/4 of physical memory; --memory-limit sets it)" : ""))
                var lastLines = 0
                var lastTime = 0.0
                builder.progress = { p in
                    if p.phase == "reading" {
                        let rate = Double(p.lines - lastLines) / max(p.seconds - lastTime, 1e-9)
                        lastLines = p.lines
                        lastTime = p.seconds
                        note(String(format: "build: reading  %@ lines, %@ MB, %@ lines/s, %.1fs",
                                    human(Double(p.lines)), human(Double(p.bytes) / 1e6), human(rate), p.seconds))
                    } else {
                        note(String(format: "build: %@ (%.1fs)", p.phase, p.seconds))
                    }
                }
            }
            for input in inputs { try builder.addEdges(from: input) }
            if let pinTitles { try builder.addTitles(from: pinTitles, kind: .pin) }
            if let boardTitles { try builder.addTitles(from: boardTitles, kind: .board) }
            if let pinAttributes { try builder.addPinAttributes(from: pinAttributes) }
            let s = try builder.build(to: output)
            if json {
                // Snake case like every other --json output (BuildSummary's Swift names are camelCase).
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                let data = try encoder.encode(s)
                var object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
                object["peak_rss_bytes"] = peakRSS()
                object["watermark"] = s.watermark ?? NSNull() as Any  // null, not absent, when none
                object["watermark_source"] = s.watermarkSource ?? NSNull() as Any
                try printJSON(object)
            } else {
                print("built \(s.output): \(s.pins) pins, \(s.boards) boards, \(s.edges) edges")
                print("  input: \(s.inputEdges) edges in \(s.lines) lines from \(s.inputs.count) file(s); \(s.duplicateEdges) duplicate edges, \(s.invalidLines) invalid lines")
                for sample in s.invalidSamples { print("  skipped \(sample)") }
                if s.pinTitles + s.boardTitles > 0 || s.titlesForUnknownNodes > 0 {
                    print("  titles: \(s.pinTitles) pins, \(s.boardTitles) boards; \(s.titlesForUnknownNodes) for nodes not in the graph")
                }
                if s.attributedPins > 0 || s.attributesForUnknownPins > 0 {
                    print("  attributes: \(s.attributedPins) pins; \(s.attributesForUnknownPins) for pins not in the graph")
                }
                if let w = s.watermark { print("  watermark: \(w) (from the \(s.watermarkSource ?? "?"))") }
                for r in s.pruning {
                    print("  pruned by \(r.rule) \(compact(r.parameter)): \(r.edges) edges, \(r.pins) pins, \(r.boards) boards")
                }
                if s.external {
                    print("  external build within \(human(Double(s.memoryLimit)))B: temporary disk \(human(Double(s.temporaryBytes)))B at most")
                }
                let perEdge = s.edges > 0 ? Double(s.fileBytes) / Double(s.edges) : 0
                print(String(format: "  %.2fs, %@ edges/s; file %@ bytes (%.2f bytes/edge); peak memory %@B",
                             s.seconds, human(Double(s.inputEdges) / max(s.seconds, 1e-9)),
                             human(Double(s.fileBytes)), perEdge, human(Double(peakRSS()))))
            }
        }
    }
}

/// The pruning rules as options of `build`.
struct PruningOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Remove boards whose pins' topics have Shannon entropy above this many bits (needs --pin-attributes).",
        valueName: "bits"))
    var maxBoardEntropy: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("A board with more edges keeps its best n.", valueName: "n"))
    var maxBoardDegree: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("δ in (0, 1]: a pin with k edges keeps its best ⌈k^δ⌉ (Pixie's pin pruning).", valueName: "δ"))
    var pinDegreeExponent: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("A pin with more edges keeps its best n.", valueName: "n"))
    var maxPinDegree: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Remove boards left with fewer than n edges.", valueName: "n"))
    var minBoardDegree: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Remove pins left with fewer than n edges.", valueName: "n"))
    var minPinDegree: Int?

    /// The library's range checks, as usage errors (ArgumentParser runs this
    /// for every command that includes these options).
    func validate() throws {
        do { try rules.validate() } catch let BoardwalkError.invalidArgument(message) { throw ValidationError(message) }
    }

    var rules: PruningRules {
        var r = PruningRules()
        r.maxBoardEntropy = maxBoardEntropy
        r.maxBoardDegree = maxBoardDegree
        r.pinDegreeExponent = pinDegreeExponent
        r.maxPinDegree = maxPinDegree
        r.minBoardDegree = minBoardDegree
        r.minPinDegree = minPinDegree
        return r
    }
}

/// A number without a needless ".0".
private func compact(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
}
