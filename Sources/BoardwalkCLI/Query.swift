// `boardwalk query`: recommendations for pins (and boards), for people or,
// with --batch, JSON Lines for machines.
import ArgumentParser
import Boardwalk
import Foundation

/// Walk parameters shared by `query` and `eval` (`bench` times fixed walks
/// with its own --steps and --restart). Numeric options
/// take the next argument whatever it starts with (`parsing: .unconditional`),
/// so that `--steps -5` gets the same message as `--steps=-5`, not "Missing
/// value".
struct WalkOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Total step budget N (a step is pin → board → pin).", valueName: "n"))
    var steps: String = String(WalkParameters().steps)
    @Option(parsing: .unconditional, help: ArgumentHelp("Restart probability per step, in (0, 1].", valueName: "alpha"))
    var restart: Double = WalkParameters().restart
    @Option(parsing: .unconditional, help: ArgumentHelp("Number of results.", valueName: "k"))
    var top: Int = WalkParameters().top
    @Option(parsing: .unconditional, help: ArgumentHelp("Early stopping: stop a query node once more than NP pins have NV visits.", valueName: "np,nv"))
    var earlyStop: String?
    @Flag(help: "Walk the full step budget.")
    var noEarlyStop = false
    @Flag(help: "Turn off the multi-hit booster.")
    var noBoost = false
    @Option(help: ArgumentHelp("User language for biased walks (as spelled in the attributes file).", valueName: "l"))
    var language: String?
    @Option(help: ArgumentHelp("User topic for biased walks.", valueName: "t"))
    var topic: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Bias strength in [0, 1] (the library's default: 1 when --language or --topic is given, else 0).", valueName: "b"))
    var bias: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Popularity penalty beta in [0, 2]: rank by score / degree^beta (RP3beta).", valueName: "beta"))
    var popularityPenalty: Double = WalkParameters().popularityPenalty
    @Option(parsing: .unconditional, help: ArgumentHelp("Random seed.", valueName: "s"))
    var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: ArgumentHelp("Time budget per query in milliseconds; past it the result is partial.", valueName: "ms"))
    var timeBudget: Double?
    @Flag(help: "Boards may be results too.")
    var includeBoards = false
    @Flag(help: "Skip unknown query ids instead of failing.")
    var lenient = false
    @Option(help: ArgumentHelp("walk (Pixie's random walk) or exact (exact 3-step scores, P3alpha/RP3beta: no sampling; cheaper on small catalogues, far dearer on large graphs).", valueName: "m"))
    var method: WalkParameters.Method = .walk
    @Option(parsing: .unconditional, help: ArgumentHelp("Exact method only: exponent on transition probabilities (P3alpha's alpha), in [0, 2].", valueName: "e"))
    var exponent: Double = WalkParameters().exponent
    @Option(parsing: .unconditional, help: ArgumentHelp("With a ranker: how many of the walk's best candidates it scores (default 500).", valueName: "n"))
    var rankerTopN: Int?

    func parameters() throws -> WalkParameters {
        var p = WalkParameters()
        guard let n = parseCount(steps), n >= 0 else { throw ValidationError("--steps must be a count such as 100000 or 1M, not \(steps)") }
        p.steps = UInt64(n)
        p.restart = restart
        p.top = top
        if noEarlyStop {
            p.earlyStop = nil
        } else if let earlyStop {
            let parts = earlyStop.split(separator: ",").compactMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2 else {
                throw ValidationError("--early-stop takes NP,NV, two unsigned integers, not \(earlyStop)")
            }
            p.earlyStop = .init(np: parts[0], nv: parts[1])
        }
        p.boost = !noBoost
        p.language = language
        p.topic = topic
        p.bias = bias
        p.seed = seed
        p.popularityPenalty = popularityPenalty
        p.timeBudgetMilliseconds = timeBudget
        p.includeBoards = includeBoards
        p.lenient = lenient
        p.method = method
        p.exponent = exponent
        p.rankerTopN = rankerTopN
        return p
    }

    /// Refuses bad values before a graph is opened, with the C library's
    /// message (it holds every rule: ranges, the bias a language implies,
    /// the exact method's refusal of a bias).
    func validate() throws {
        guard !(noEarlyStop && earlyStop != nil) else { throw ValidationError("--early-stop and --no-early-stop conflict") }
        do {
            try parameters().validate()
        } catch let e as BoardwalkError {
            throw ValidationError(e.description)
        }
    }
}

extension WalkParameters.Method: ExpressibleByArgument {}

/// Parses "ID" or "ID:WEIGHT".
func parseWeighted(_ text: String, what: String) throws -> (UInt64, Double) {
    let parts = text.split(separator: ":", maxSplits: 1)
    guard let id = parts.first.flatMap({ UInt64($0) }) else {
        throw ValidationError("\(what) \"\(text)\" is not ID or ID:WEIGHT with an unsigned integer ID")
    }
    var w = 1.0
    if parts.count == 2 {
        guard let v = Double(parts[1]), v.isFinite, v >= 0 else {
            throw ValidationError("\(what) \(id): weight \"\(parts[1])\" must be a finite number >= 0")
        }
        w = v
    }
    return (id, w)
}

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Recommend pins for query pins (and boards) by Pixie random walks.",
        discussion: """
            With --batch, reads JSON Lines (\(batchFields)) and writes one \
            JSON object per line, in order: {"results": [{"id", "score", "visits"}…], "steps", \
            "elapsed_us", "partial"} (with --titles each result also has its "title" when the graph \
            has one), or "scores" in candidate order when "candidates" is given, or \
            {"error": "…"} naming the field at fault. An unknown field is an error; fields starting \
            with "x-" are ignored.
            """)

    /// Every field a batch line may have (the decoder's list, WalkRequest.fieldNames), as the
    /// help shows them: `{"pins": {"ID": WEIGHT, …}, "boards": …, …}`.
    static var batchFields: String {
        let shapes = ["pins": "{\"ID\": WEIGHT, …}", "candidates": "[…]", "exclude": "[…]", "early_stop": "[NP, NV] or false",
                      "method": "\"walk\" or \"exact\""]
        return "{" + WalkRequest.fieldNames.map { "\"\($0)\": \(shapes[$0] ?? "…")" }.joined(separator: ", ") + "}"
    }

    @Argument(help: ArgumentHelp("The graph file.", valueName: "graph"))
    var graph: String
    @Option(name: .customLong("pin"), parsing: .unconditionalSingleValue, help: ArgumentHelp("A query pin, optionally weighted.", valueName: "id[:weight]"))
    var pins: [String] = []
    @Option(name: .customLong("board"), parsing: .unconditionalSingleValue, help: ArgumentHelp("A query board, optionally weighted.", valueName: "id[:weight]"))
    var boards: [String] = []
    @Option(name: [.customLong("exclude-file"), .customLong("exclude")],
            help: ArgumentHelp("A file of pins never to recommend, one id per line (--exclude is the old name).", valueName: "file"))
    var exclude: String?
    @Option(help: ArgumentHelp("JSON Lines queries, - for stdin.", valueName: "file"))
    var batch: String?
    @Flag(help: "With --batch: each result also has its \"title\" (when the graph has one), as with --json.")
    var titles = false
    @Flag(help: ArgumentHelp(
        "Verify the whole graph file (every checksum and the structure) before answering: for a file from elsewhere. "
            + "Without it a damaged file is still safe to query but may answer wrongly."))
    var verify = false
    @Flag(help: hugePagesHelp)
    var hugePages = false
    @Option(help: ArgumentHelp("A learned ranker's model file (Tools/ranker/train.py): the walk's best candidates are re-ranked by it.",
                               valueName: "file"))
    var ranker: String?
    @Flag(help: "With --json or --batch: each result also has its \"features\" (the ranker's inputs), named by \"feature_names\".")
    var features = false

    @Flag(help: "Print one JSON object.")
    var json = false
    @OptionGroup var walk: WalkOptions
    @OptionGroup var liveEdges: LiveEdgeOptions

    func validate() throws {
        if batch == nil && pins.isEmpty && boards.isEmpty { throw ValidationError("give --pin or --board (or --batch)") }
        if batch == nil && titles { throw ValidationError("--titles goes with --batch (--json and the table always show titles)") }
        if batch == nil && !json && features { throw ValidationError("--features goes with --json or --batch") }
        for p in pins { _ = try parseWeighted(p, what: "--pin") }
        for b in boards { _ = try parseWeighted(b, what: "--board") }
    }

    func run() throws {
        try reportingFailures {
            var options: OpenOptions = verify ? .verify : []
            if hugePages { options.insert(.hugePages) }
            let g = try Graph(path: graph, options: options)
            var params = try walk.parameters()
            params.ranker = try ranker.map { try Ranker(path: $0) }
            params.features = features
            if let batch {
                try runBatch(g, try liveEdges.apply(to: g, command: "query"), params, batch)
                return
            }
            var qp: [PinID: Double] = [:], qb: [BoardID: Double] = [:]
            for p in pins { let (id, w) = try parseWeighted(p, what: "--pin"); qp[PinID(id), default: 0] += w }
            for b in boards { let (id, w) = try parseWeighted(b, what: "--board"); qb[BoardID(id), default: 0] += w }
            let excluded = try exclude.map { try EvaluationInput.ids(from: $0, what: "pin id") } ?? []
            if let exclude, !excluded.isEmpty, !excluded.contains(where: { g.contains(PinID($0)) }) {
                note("query: warning: none of the \(excluded.count) ids in \(exclude) is a pin of \(graph): nothing is excluded")
            }
            let live = try liveEdges.apply(to: g, command: "query")
            let r = try live.map { try $0.walk(pins: qp, boards: qb, parameters: params, exclude: excluded.map { PinID($0) }) }
                ?? g.walk(pins: qp, boards: qb, parameters: params, exclude: excluded.map { PinID($0) })
            if json {
                print(resultJSON(r, g: g, titles: true))
                return
            }
            for (p, w) in qp.sorted(by: { $0.key < $1.key }) {
                print("query pin \(p) (weight \(w))\(g.title(of: p).map { ": " + $0 } ?? "")")
            }
            for (b, w) in qb.sorted(by: { $0.key < $1.key }) {
                print("query board \(b) (weight \(w))\(g.title(of: b).map { ": " + $0 } ?? "")")
            }
            for u in r.unknownPins { print("skipped unknown pin \(u)") }
            for u in r.unknownBoards { print("skipped unknown board \(u)") }
            // The exact method's scores are probabilities and its counter is
            // adjacency entries read: say so, with significant digits.
            let exact = params.method == .exact
            print(String(format: "%llu %@ in %.2f ms%@", r.steps, exact ? "adjacency entries read (exact)" : "steps",
                         Double(r.elapsedMicroseconds) / 1000, r.partial ? " (partial: time budget)" : ""))
            // Columns as wide as their widest cell: 20-digit ids and "board …" rows stay aligned.
            let rows = r.recommendations.enumerated().map { i, rec in
                let (id, title): (String, String?) = switch rec.node {
                case .pin(let p): (String(p.rawValue), g.title(of: p))
                case .board(let b): ("board " + String(b.rawValue), g.title(of: b))
                }
                return [String(i + 1), id, String(format: exact ? "%.3g" : "%.1f", rec.score), String(rec.visits), title ?? ""]
            }
            for line in alignedTable(header: ["rank", "id", "score", exact ? "boards" : "visits", "title"], rows: rows,
                                     rightAligned: [0, 2, 3]) {
                print(line)
            }
        }
    }

    private func runBatch(_ g: Graph, _ live: LiveGraph?, _ base: WalkParameters, _ path: String) throws {
        // Plain read(2) on a descriptor: FileHandle.availableData traps on a
        // read error (a directory, EIO) instead of throwing.
        let name = path == "-" ? "<stdin>" : path
        let fd: Int32
        if path == "-" { fd = 0 } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw BoardwalkError.io(path: path, reason: String(cString: strerror(errno))) }
        }
        defer { if fd != 0 { close(fd) } }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw BoardwalkError.io(path: path, reason: String(cString: strerror(EISDIR)))
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        func read() throws -> ArraySlice<UInt8> {
            while true {
                let n = chunk.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress!, $0.count) }
                if n >= 0 { return chunk[0..<n] }
                if errno != EINTR { throw BoardwalkError.io(path: name, reason: String(cString: strerror(errno))) }
            }
        }
        let out = try FastWriter(path: "-")
        // Unanswered input: the current line starts at `lineStart`; bytes
        // before `scanFrom` hold no newline. Each byte is searched once and
        // consumed lines are dropped once per read, so time is linear in the
        // input and memory bounded by the line limit plus one read.
        var buffer: [UInt8] = []
        var lineStart = 0, scanFrom = 0
        var skipping = false  // inside a line that was too long
        func emit(_ text: String) throws {
            out.write(text)
            out.write(byte: 10)
            try out.flushIfFull()
        }
        let rankers = RankerCache()
        func answer(_ line: ArraySlice<UInt8>) throws {
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { return }
            try emit(BatchRunner.answer(Data(line), graph: g, live: live, base: base, titles: titles, rankers: rankers))
        }
        func newline(from start: Int) -> Int? {
            buffer.withUnsafeBufferPointer { p in
                guard start < p.count, let hit = memchr(p.baseAddress! + start, 10, p.count - start) else { return nil }
                return hit.assumingMemoryBound(to: UInt8.self) - UnsafeMutablePointer(mutating: p.baseAddress!)
            }
        }
        var first = true
        while true {
            var data = try read()
            if data.isEmpty { break }
            if first {
                // A UTF-8 byte-order mark starts the first line, not its JSON.
                first = false
                if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }
            }
            buffer.append(contentsOf: data)
            while let nl = newline(from: scanFrom) {
                if skipping { skipping = false } else { try answer(buffer[lineStart..<nl]) }
                lineStart = nl + 1
                scanFrom = lineStart
            }
            scanFrom = buffer.count
            if !skipping && buffer.count - lineStart > BatchRunner.maxLineBytes {
                // A line this long is refused whole; its answer keeps the order.
                try emit("{\"error\":\"line longer than \(BatchRunner.maxLineBytes) bytes\"}")
                skipping = true
            }
            if skipping {
                buffer.removeAll(keepingCapacity: true)
                lineStart = 0
                scanFrom = 0
            } else if lineStart > 0 {
                buffer.removeSubrange(0..<lineStart)
                scanFrom -= lineStart
                lineStart = 0
            }
        }
        if !skipping { try answer(buffer[lineStart...]) }
        try out.close()
    }
}

/// JSON text for a walk result (the library's encoder, shared with boardwalk-server).
func resultJSON(_ r: WalkResult, g: Graph?, titles: Bool) -> String { BatchJSON.result(r, graph: g, titles: titles) }
