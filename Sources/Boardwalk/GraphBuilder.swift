// GraphBuilder: edge lists (and optional titles and attributes) in, one
// immutable LMDB graph file out. The same code serves `boardwalk build` and
// host services that build from their own data.
import CBoardwalk
import Foundation

/// Which side of the bipartite graph a node is on.
public enum NodeKind: Int32, Sendable, CaseIterable {
    /// An item, such as a pin.
    case pin = 0
    /// A collection of items, such as a board.
    case board = 1
}

/// Options that shape a build.
public struct BuildOptions: Sendable {
    /// Bytes per stored array chunk: a power of two from 64 bytes to 1 GiB
    /// (the default). Small chunks exist to test chunking on small graphs.
    public var chunkBytes: UInt64 = 1 << 30
    /// Malformed input lines tolerated before the build fails; each is
    /// skipped and counted.
    public var maxInvalidLines: Int = 0
    /// 1-based column of the pin id in edge lists. Unless set, a header line
    /// naming a column `pin` or `pin_id` (any case) chooses it, else 1; once
    /// set, it wins over the header.
    public var pinColumn: Int = 1 { didSet { pinColumnIsExplicit = true } }
    /// 1-based column of the board id in edge lists. Unless set, a header
    /// line naming a column `board` or `board_id` chooses it, else 2; once
    /// set, it wins over the header.
    public var boardColumn: Int = 2 { didSet { boardColumnIsExplicit = true } }
    /// Whether ``pinColumn`` / ``boardColumn`` were set (and so win over header names).
    public private(set) var pinColumnIsExplicit = false
    public private(set) var boardColumnIsExplicit = false
    /// 1-based column of a per-edge score (a similarity, a recency …) in
    /// edge lists, or nil for none. Pruning rules keep the best-scored edges;
    /// repeated edges keep their highest score. Scores are not stored in the graph.
    public var scoreColumn: Int?
    /// Longest accepted input line in bytes.
    public var maxLineBytes: Int = 1 << 20
    /// Pruning rules applied after duplicates collapse (none by default).
    public var pruning = PruningRules()
    /// Whether a graph without edges may be written. Off by default: an
    /// empty input is far more often a failed upstream job than intended.
    public var allowEmpty = false
    /// Creates the default options.
    public init() {}
}

/// What a build is doing, for progress reports.
public struct BuildProgress: Sendable {
    /// The phase: "reading", "sorting", "writing" …
    public var phase: String
    /// Input lines read so far.
    public var lines: Int
    /// Input bytes read so far (compressed size for gzip inputs).
    public var bytes: Int
    /// Seconds since the build started.
    public var seconds: Double
}

/// What a finished build did.
public struct BuildSummary: Sendable, Codable {
    /// The graph file written.
    public var output: String
    /// Input names, in the order read.
    public var inputs: [String]
    /// Input lines read, including comments and blank lines.
    public var lines: Int
    /// Edges read, duplicates included.
    public var inputEdges: Int
    /// Edges dropped because they repeat an earlier one.
    public var duplicateEdges: Int
    /// Malformed lines skipped (allowed by `maxInvalidLines`).
    public var invalidLines: Int
    /// Warnings, as printed: part files skipped as binary, header names that
    /// contradict an explicit column.
    public var warnings: [String]
    /// The first few malformed lines, as `file:line: reason`.
    public var invalidSamples: [String]
    /// Distinct pins, boards and edges in the graph.
    public var pins: Int
    public var boards: Int
    public var edges: Int
    /// Nodes with a title, and title lines naming nodes not in the graph.
    public var pinTitles: Int
    public var boardTitles: Int
    public var titlesForUnknownNodes: Int
    /// Pins with attributes, and attribute lines naming pins not in the graph.
    public var attributedPins: Int
    public var attributesForUnknownPins: Int
    /// What each pruning rule removed, in the order the rules ran.
    public var pruning: [PruningReport]
    /// Wall time of the whole build.
    public var seconds: Double
    /// Size of the graph file.
    public var fileBytes: UInt64
}

/// Builds a graph file from edges, titles and pin attributes.
///
/// Add input with the `add…` methods, then call ``build(to:)`` once. Memory:
/// about 16 bytes per input edge plus 24 per distinct node while building.
/// Not thread-safe: use one builder from one thread.
public final class GraphBuilder {
    /// The options this builder was created with.
    public let options: BuildOptions
    /// Called about once a second during long phases.
    public var progress: ((BuildProgress) -> Void)?
    /// Called with each warning as it happens (they are also in the summary).
    public var warning: ((String) -> Void)?

    private let pins = IDInterner()
    private let boards = IDInterner()
    private let edges = EdgeSegments()
    /// Scores (bit patterns of Double) parallel to `edges`, once any edge has one.
    private var scores: EdgeSegments?
    private var inputs: [String] = []
    /// The 1-based pin and board columns each edge input was read with.
    private var inputColumns: [[Int]] = []
    private var lines = 0
    private var bytesBefore = 0
    private var invalid = 0
    private var invalidSamples: [String] = []
    private var warnings: [String] = []
    /// Every file and directory read, for refusing an output that is one.
    private var inputPaths: [String] = []
    private var titles = [TitleStore(), TitleStore()]
    private var titlesForUnknown = 0
    private var attributeNames = [AttributeNames(), AttributeNames()]
    private var pinAttributes: [UInt64: UInt32] = [:]
    private var attributesForUnknown = 0
    private let started = DispatchTime.now()
    private var lastReport = DispatchTime.now()
    private var built = false

    /// A builder with the given options.
    public init(options: BuildOptions = BuildOptions()) throws {
        let c = options.chunkBytes
        guard c >= 64, c <= 1 << 30, c & (c - 1) == 0 else {
            throw BoardwalkError.invalidArgument("chunk size must be a power of two from 64 bytes to 1 GiB, not \(c)")
        }
        guard options.pinColumn >= 1, options.boardColumn >= 1, options.pinColumn != options.boardColumn else {
            throw BoardwalkError.invalidArgument("pin and board columns must be distinct and at least 1")
        }
        guard options.maxInvalidLines >= 0, options.maxLineBytes >= 64 else {
            throw BoardwalkError.invalidArgument("invalid line limits")
        }
        if let s = options.scoreColumn, s < 1 || s == options.pinColumn || s == options.boardColumn {
            throw BoardwalkError.invalidArgument("the score column must be at least 1 and differ from the id columns")
        }
        try options.pruning.validate()
        self.options = options
    }

    // MARK: Edges

    /// Adds one edge: `pin` is saved to `board`, with a score that pruning
    /// rules rank by (0 when omitted). Repeats are collapsed and keep their
    /// highest score.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` for a NaN or infinite
    ///   score, ``BoardwalkError/limitExceeded(_:)`` past 2^32 - 1 pins or boards.
    public func addEdge(pin: PinID, board: BoardID, score: Double = 0) throws {
        guard score.isFinite else { throw BoardwalkError.invalidArgument("edge score \(score) is not finite") }
        guard let p = pins.intern(pin.rawValue), let b = boards.intern(board.rawValue) else {
            throw BoardwalkError.limitExceeded("a graph holds at most \(BW_MAX_NODES_VALUE) pins and as many boards")
        }
        if scores == nil && score != 0 {
            let s = EdgeSegments()
            for _ in 0..<edges.count { s.append(0) }
            scores = s
        }
        edges.append(UInt64(p) << 32 | UInt64(b))
        scores?.append(score.bitPattern)
    }

    /// Reads an edge list: a file (plain or gzip), `-` for standard input, or
    /// a directory of part files. Lines are `pin_id<TAB>board_id` or
    /// comma-separated, with `#` comments, blank lines and a header line
    /// allowed; other columns are ignored.
    ///
    /// - Throws: ``BoardwalkError/malformedInput(file:line:reason:)`` naming
    ///   the file and line once more than `maxInvalidLines` lines are bad;
    ///   ``BoardwalkError/io(path:reason:)`` when a file cannot be read.
    ///
    /// A header line naming its columns (`pin`/`pin_id`, `board`/`board_id`)
    /// chooses the pin and board columns unless the options set them; in a
    /// directory, the columns a part file's header chose also apply to the
    /// following part files without a header. A header naming another column
    /// (`timestamp`) where the pin or board ids would be read is an error.
    /// Comma-separated fields may be quoted (RFC 4180). A UTF-8 byte-order
    /// mark is skipped. A part file of a directory that is binary (not text)
    /// is skipped with a warning; a binary file named on its own is an error.
    public func addEdges(from argument: String) throws {
        inputPaths.append(argument)
        var columns: EdgeColumns?
        for input in try InputFile.expand(argument) {
            columns = try readEdges(input, inherited: input.directory == nil ? nil : columns) ?? columns
        }
    }

    private func warn(_ message: String) {
        warnings.append(message)
        warning?(message)
    }

    /// Opens an input, or returns nil for a binary part file of a directory,
    /// skipped with a warning. A binary file named on its own is an error.
    private func openText(_ input: InputFile, _ what: String) throws -> LineReader? {
        let reader = try LineReader(input, maxLineBytes: options.maxLineBytes)
        guard try reader.looksBinary() else { return reader }
        if let dir = input.directory {
            warn("\(input.name): skipped: binary data, not a text \(what) (a stray file in the part directory \(dir)?)")
            return nil
        }
        throw BoardwalkError.io(path: input.name, reason: "binary data, not a text \(what)")
    }

    /// Reads one edge list on two cores: a parser thread turns lines into
    /// blocks of raw id pairs while this thread interns them. Returns the
    /// columns the file's header chose, if it had a header.
    private func readEdges(_ input: InputFile, inherited: EdgeColumns?) throws -> EdgeColumns? {
        guard let reader = try openText(input, "edge list") else { return nil }
        inputs.append(input.name)
        let channel = EdgeBlockChannel()
        let parser = EdgeParser(defaults: EdgeColumns(pin: options.pinColumn - 1, board: options.boardColumn - 1),
                                pinExplicit: options.pinColumnIsExplicit, boardExplicit: options.boardColumnIsExplicit,
                                inherited: inherited, scoreField: options.scoreColumn.map { $0 - 1 },
                                maxInvalid: options.maxInvalidLines, invalidSoFar: invalid)
        let thread = Thread { [reader, channel, parser] in
            parser.run(reader, into: channel)
        }
        thread.stackSize = 1 << 20
        thread.start()
        var failure: Error?
        while true {
            let block = channel.receive()
            defer { block.pairs.deallocate() }
            if failure == nil {
                do {
                    var i = 0
                    let stride = parser.scoreField == nil ? 2 : 3
                    while i < block.count {
                        let score = stride == 3 ? Double(bitPattern: block.pairs[i + 2]) : 0
                        try addEdge(pin: PinID(block.pairs[i]), board: BoardID(block.pairs[i + 1]), score: score)
                        i += stride
                    }
                } catch {
                    failure = error  // keep draining so the parser can finish
                }
                report("reading", lines: lines + block.lines, bytes: bytesBefore + block.bytes)
            }
            if block.last { break }
        }
        lines += parser.lines
        invalid = parser.invalid
        invalidSamples.append(contentsOf: parser.samples.prefix(max(0, 10 - invalidSamples.count)))
        bytesBefore += reader.bytesRead
        for w in parser.warnings { warn(w) }
        if let failure { throw failure }
        if let error = parser.error { throw error }
        let used = parser.resolved ?? inherited ?? parser.defaults
        inputColumns.append([used.pin + 1, used.board + 1])
        return parser.resolved
    }

    fileprivate static func idProblem(_ parsed: ParsedID, _ what: String, _ base: UnsafePointer<UInt8>, _ s: Int, _ e: Int)
        -> String?
    {
        switch parsed {
        case .value: return nil
        case .empty: return "empty \(what) id"
        case .notANumber: return "\(what) id \"\(fieldText(base, s, e))\" is not an unsigned integer"
        case .overflow: return "\(what) id \(fieldText(base, s, e)) does not fit in 64 bits"
        }
    }

    private func invalidLine(_ input: InputFile, _ line: Int, _ reason: String) throws {
        invalid += 1
        if invalid > options.maxInvalidLines {
            throw BoardwalkError.malformedInput(file: input.name, line: line, reason: reason)
        }
        if invalidSamples.count < 10 { invalidSamples.append("\(input.name):\(line): \(reason)") }
    }

    private func report(_ phase: String, lines: Int? = nil, bytes: Int = 0) {
        guard let progress else { return }
        let now = DispatchTime.now()
        if now.uptimeNanoseconds - lastReport.uptimeNanoseconds < 1_000_000_000 && phase == "reading" { return }
        lastReport = now
        progress(BuildProgress(phase: phase, lines: lines ?? self.lines, bytes: bytes, seconds: elapsed()))
    }

    private func elapsed() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    }

    // MARK: Titles

    /// Sets the title of a pin or board (shown to people by tools).
    public func setTitle(_ title: String, for kind: NodeKind, id: UInt64) {
        titles[Int(kind.rawValue)].set(id: id, title: Array(title.utf8))
    }

    /// Reads a title file, lines `id<TAB>title` or `id,title`, `#` comments,
    /// blank lines and a header line allowed. Titles of nodes not in the
    /// graph are counted and dropped. After a TAB the title is the rest of
    /// the line, as it is; after a comma it may be quoted (RFC 4180:
    /// `1,"Bread, sourdough"`, `""` for a quote), else it is the rest of the
    /// line. A quoted id is unquoted.
    public func addTitles(from path: String, kind: NodeKind) throws {
        inputPaths.append(path)
        for input in try InputFile.expand(path) {
            guard let reader = try openText(input, "title file") else { continue }
            var seenData = false
            try reader.forEachLine { line, number in
                if isSkippable(line) { return }
                let base = line.baseAddress!
                func bad(_ reason: String) throws {
                    if !seenData && looksLikeHeader(line) { seenData = true; return }
                    try invalidLine(input, number, reason)
                }
                guard let sep = lineSeparator(line) else { return try bad("expected id<TAB>title or id,title") }
                let (next, idField) = scanField(base, 0, line.count, sep, sep)
                guard !idField.malformed, case .value(let id) = parseUInt64(base, idField.start, idField.end) else {
                    return try bad("id \"\(fieldText(base, idField.start, idField.end))\" is not an unsigned integer")
                }
                let rest = next + 1
                if sep == 0x2C {
                    let (_, t) = scanField(base, rest, line.count, 0x2C, 0x2C)
                    if t.quoted || t.malformed {
                        guard !t.malformed else { return try bad("the quoted title has no closing quote, or text after it") }
                        seenData = true
                        titles[Int(kind.rawValue)].set(id: id, title: Array(fieldString(base, t).utf8))
                        return
                    }
                }
                seenData = true
                titles[Int(kind.rawValue)].set(id: id, title: UnsafeBufferPointer(rebasing: line[rest...]))
            }
        }
    }

    // MARK: Attributes

    /// Sets a pin's language and topic (any spelling: "en", "3", "travel");
    /// nil leaves one unknown. Boards take the majority of their pins'.
    public func setAttributes(pin: PinID, language: String?, topic: String?) throws {
        let l = try language.map { try attributeNames[0].code(of: $0) } ?? UInt32(BW_ATTR_NONE)
        let t = try topic.map { try attributeNames[1].code(of: $0) } ?? UInt32(BW_ATTR_NONE)
        pinAttributes[pin.rawValue] = l << 16 | t
    }

    /// Reads a pin attributes file, lines `pin_id<TAB>language<TAB>topic` or
    /// comma-separated (fields may be quoted), `-` or an empty field for
    /// unknown, comments and a header allowed.
    public func addPinAttributes(from path: String) throws {
        inputPaths.append(path)
        for input in try InputFile.expand(path) {
            guard let reader = try openText(input, "attribute file") else { continue }
            var seenData = false
            try reader.forEachLine { line, number in
                if isSkippable(line) { return }
                let base = line.baseAddress!
                let sep = lineSeparator(line) ?? 0x09
                let fields = splitFields(line, sep, sep)
                guard fields.count >= 2, !fields[0].malformed, case .value(let id) = parseUInt64(base, fields[0].start, fields[0].end)
                else {
                    if !seenData && looksLikeHeader(line) { seenData = true; return }
                    try invalidLine(input, number, "expected pin_id<TAB>language<TAB>topic")
                    return
                }
                if let m = fields.prefix(3).first(where: \.malformed) {
                    try invalidLine(input, number, "malformed quoted field \(fieldText(base, m.start, m.end))")
                    return
                }
                seenData = true
                func text(_ i: Int) -> String? {
                    guard i < fields.count else { return nil }
                    let s = fieldString(base, fields[i]).trimmingCharacters(in: .whitespaces)
                    return s.isEmpty || s == "-" ? nil : s
                }
                try setAttributes(pin: PinID(id), language: text(1), topic: text(2))
            }
        }
    }

    // MARK: Building

    /// Compiles everything added into a graph file at `path`, atomically: the
    /// file is written beside it under a temporary name, synced, and renamed
    /// over `path` only when complete. A failed or killed build leaves `path`
    /// as it was; temporary files of dead builds are removed first.
    public func build(to path: String) throws -> BuildSummary {
        guard !built else { throw BoardwalkError.invalidArgument("a GraphBuilder builds once") }
        built = true
        try GraphBuilder.checkOutput(path, isNotAmong: inputPaths)
        let compiled = try compile()
        if compiled.edges == 0 && !options.allowEmpty {
            let pruned = compiled.pruning.reduce(0) { $0 + $1.edges }
            throw BoardwalkError.emptyGraph(
                "no edges to write: \(compiled.inputEdges) edges read from \(inputs.count) input(s)"
                    + (invalid > 0 ? ", \(invalid) invalid line\(invalid == 1 ? "" : "s") skipped (the first: \(invalidSamples.first ?? "?"))" : "")
                    + (pruned > 0 ? ", all \(pruned) distinct edges removed by pruning" : "")
                    + "; \(path) was left as it was (--allow-empty or BuildOptions.allowEmpty writes an empty graph)")
        }
        report("writing")
        let writer = GraphFileWriter(path: path, chunkBytes: options.chunkBytes)
        try writer.write(compiled)
        return BuildSummary(
            output: path, inputs: inputs, lines: lines, inputEdges: compiled.inputEdges,
            duplicateEdges: compiled.duplicates, invalidLines: invalid, warnings: warnings, invalidSamples: invalidSamples,
            pins: compiled.pinIDs.count, boards: compiled.boardIDs.count, edges: compiled.edges,
            pinTitles: compiled.titleCounts[0], boardTitles: compiled.titleCounts[1],
            titlesForUnknownNodes: titlesForUnknown,
            attributedPins: compiled.attributedPins, attributesForUnknownPins: attributesForUnknown,
            pruning: compiled.pruning,
            seconds: elapsed(), fileBytes: writer.fileBytes)
    }

    /// Throws when writing a graph to `output` would replace one of
    /// `inputs` (edge lists, title and attribute files or directories): the
    /// same file (device and inode, so also through symlinks and hard links),
    /// or a file inside an input part directory. `build(to:)` checks this
    /// itself; the command line calls it before reading anything.
    public static func checkOutput(_ output: String, isNotAmong inputs: [String]) throws {
        func identity(_ path: String) -> (dev: UInt64, ino: UInt64, dir: Bool)? {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            return (UInt64(st.st_dev), UInt64(st.st_ino), (st.st_mode & S_IFMT) == S_IFDIR)
        }
        let out = identity(output)
        let parentPath = URL(fileURLWithPath: output).deletingLastPathComponent().path
        let parent = identity(parentPath.isEmpty ? "." : parentPath)
        for input in inputs where input != "-" {
            guard let id = identity(input) else { continue }
            if let out, out.dev == id.dev, out.ino == id.ino {
                throw BoardwalkError.invalidArgument(
                    "the output \(output) is the input \(input)\(id.dir ? "" : " (the same file)"): writing the graph would destroy it; choose another output")
            }
            if id.dir, let parent, parent.dev == id.dev, parent.ino == id.ino {
                throw BoardwalkError.invalidArgument(
                    "the output \(output) is inside the input part directory \(input): it would replace a part file or be read as one; choose another output")
            }
        }
    }

    private func compile() throws -> CompiledGraph {
        let rules = options.pruning
        if rules.maxBoardEntropy != nil && pinAttributes.isEmpty {
            throw BoardwalkError.invalidArgument("the board entropy rule needs pin topics (pin attributes)")
        }
        report("sorting ids")
        var (pinIDs, pinRank) = pins.sortedIDs()
        var (boardIDs, boardRank) = boards.sortedIDs()
        defer { _ = boardRank }
        var np = pinIDs.count, nb = boardIDs.count
        let boardBits = bitsFor(nb), pinBits = bitsFor(np)
        let boardMask = (UInt64(1) << UInt64(boardBits)) - 1
        let inputEdges = edges.count

        // Final indices packed as pin << boardBits | board, sorted: each pin's
        // boards come out grouped and ascending, and duplicates adjacent.
        report("sorting edges")
        let packed = edges.drain { e in
            UInt64(pinRank[Int(e >> 32)]) << UInt64(boardBits) | UInt64(boardRank[Int(e & 0xFFFF_FFFF)])
        }
        // Scores matter only to pruning; they travel with their edges through the sort.
        let scoreValues = rules.isEmpty ? nil : scores?.drain { $0 }
        scores = nil
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: max(inputEdges, 1))
        let scoreScratch = scoreValues.map { _ in UnsafeMutablePointer<UInt64>.allocate(capacity: max(inputEdges, 1)) }
        let sorted = radixSort(packed, scratch: scratch, count: inputEdges, bits: pinBits + boardBits,
                               payload: scoreValues.map { ($0, scoreScratch!) })
        (sorted == packed ? scratch : packed).deallocate()
        defer { sorted.deallocate() }
        let sortedScores = scoreValues.map { sorted == packed ? $0 : scoreScratch! }
        if let scoreValues { (sortedScores == scoreValues ? scoreScratch! : scoreValues).deallocate() }
        defer { sortedScores?.deallocate() }

        report("building adjacency")
        var pinOffsets = FlatBuffer<UInt64>(repeating: 0, count: np + 1)
        var pinAdj = FlatBuffer<UInt32>(capacity: inputEdges)
        let edgeScores = sortedScores.map { _ in FlatBuffer<Double>(capacity: inputEdges) }
        var fingerprint: UInt64 = 0
        var previous = UInt64.max
        for i in 0..<inputEdges {
            let k = sorted[i]
            if k == previous {
                if let edgeScores, let sortedScores {  // a repeat keeps the highest score
                    let last = edgeScores.count - 1
                    edgeScores[last] = max(edgeScores[last], Double(bitPattern: sortedScores[i]))
                }
                continue
            }
            previous = k
            let p = Int(k >> UInt64(boardBits)), b = Int(k & boardMask)
            pinAdj.append(UInt32(b))
            edgeScores?.append(Double(bitPattern: sortedScores![i]))
            pinOffsets[p + 1] += 1
            fingerprint &+= bw_edge_fingerprint(pinIDs[p], boardIDs[b])
        }
        for p in 0..<np { pinOffsets[p + 1] += pinOffsets[p] }
        let duplicates = inputEdges - pinAdj.count

        var pruning: [PruningReport] = []
        if !rules.isEmpty {
            report("pruning")
            guard pinAdj.count <= Int(UInt32.max) else {
                throw BoardwalkError.limitExceeded(
                    "pruning in one build handles at most \(UInt32.max) distinct edges; prune with Tools/spark/prepare_edges.py")
            }
            var pinTopic: FlatBuffer<UInt32>?
            if rules.maxBoardEntropy != nil {
                let topics = FlatBuffer<UInt32>(repeating: BW_ATTR_NONE, count: np)
                for (id, attrs) in pinAttributes {
                    if let p = pins.find(id), attrs & 0xFFFF != BW_ATTR_NONE { topics[Int(pinRank[Int(p)])] = attrs & 0xFFFF }
                }
                pinTopic = topics
            }
            let (alive, reports) = pruneEdges(
                rules: rules, pinOffsets: pinOffsets, pinAdj: pinAdj, scores: edgeScores,
                pinIDs: pinIDs, boardIDs: boardIDs, pinTopic: pinTopic)
            pruning = reports
            let kept = compactGraph(alive: alive, pinOffsets: pinOffsets, pinAdj: pinAdj,
                                    pinIDs: pinIDs, boardIDs: boardIDs, pinRank: pinRank)
            (pinOffsets, pinAdj, pinIDs, boardIDs) = (kept.pinOffsets, kept.pinAdj, kept.pinIDs, kept.boardIDs)
            np = pinIDs.count
            nb = boardIDs.count
            fingerprint = 0
            for p in 0..<np {
                for e in Int(pinOffsets[p])..<Int(pinOffsets[p + 1]) {
                    fingerprint &+= bw_edge_fingerprint(pinIDs[p], boardIDs[Int(pinAdj[e])])
                }
            }
        }
        let g = CompiledGraph(pinIDs: pinIDs, boardIDs: boardIDs, inputEdges: inputEdges)
        g.edges = pinAdj.count
        g.duplicates = duplicates
        g.fingerprint = fingerprint
        g.pruning = pruning

        // Transpose: scanning pins in order fills each board's list ascending.
        let boardOffsets = FlatBuffer<UInt64>(repeating: 0, count: nb + 1)
        for e in 0..<pinAdj.count { boardOffsets[Int(pinAdj[e]) + 1] += 1 }
        for b in 0..<nb { boardOffsets[b + 1] += boardOffsets[b] }
        let boardAdj = FlatBuffer<UInt32>(repeating: 0, count: pinAdj.count)
        do {
            let cursor = FlatBuffer<UInt64>(repeating: 0, count: nb)
            for b in 0..<nb { cursor[b] = boardOffsets[b] }
            for p in 0..<np {
                for e in Int(pinOffsets[p])..<Int(pinOffsets[p + 1]) {
                    let b = Int(pinAdj[e])
                    boardAdj[Int(cursor[b])] = UInt32(p)
                    cursor[b] += 1
                }
            }
        }

        // Attributes: pins' from the input; boards' by majority; then each
        // list is ordered by (neighbour attributes, neighbour index).
        report("attributes")
        let pinAttrs = FlatBuffer<UInt32>(repeating: BW_ATTRS_NONE, count: np)
        let boardAttrs = FlatBuffer<UInt32>(repeating: BW_ATTRS_NONE, count: nb)
        let names = attributeNames.map { $0.sortedNames() }
        func recode(_ v: UInt32, _ which: Int) -> UInt32 {
            v == BW_ATTR_NONE ? v : names[which].recode[Int(v)]
        }
        for (id, attrs) in pinAttributes {
            guard let p = pins.find(id), pinRank[Int(p)] != UInt32.max else {
                attributesForUnknown += 1  // not in the input, or pruned away
                continue
            }
            pinAttrs[Int(pinRank[Int(p)])] = recode(attrs >> 16, 0) << 16 | recode(attrs & 0xFFFF, 1)
        }
        g.attributedPins = pinAttributes.count - attributesForUnknown
        g.hasAttributes = !pinAttributes.isEmpty
        if g.hasAttributes {
            majorityAttributes(boardOffsets, boardAdj, pinAttrs, into: boardAttrs)
            sortByAttributes(pinOffsets, pinAdj, boardAttrs)
            sortByAttributes(boardOffsets, boardAdj, pinAttrs)
        }
        g.attributeNames = names.map { $0.names }

        var maxPin = 0, maxBoard = 0
        for p in 0..<np { maxPin = max(maxPin, Int(pinOffsets[p + 1] - pinOffsets[p])) }
        for b in 0..<nb { maxBoard = max(maxBoard, Int(boardOffsets[b + 1] - boardOffsets[b])) }
        g.maxPinDegree = maxPin
        g.maxBoardDegree = maxBoard

        g.arrays[Int(BW_ARRAY_PIN_IDS.rawValue)] = pinIDs.bytes
        g.arrays[Int(BW_ARRAY_BOARD_IDS.rawValue)] = boardIDs.bytes
        g.arrays[Int(BW_ARRAY_PIN_OFFSETS.rawValue)] = pinOffsets.bytes
        g.arrays[Int(BW_ARRAY_PIN_ADJ.rawValue)] = pinAdj.bytes
        g.arrays[Int(BW_ARRAY_BOARD_OFFSETS.rawValue)] = boardOffsets.bytes
        g.arrays[Int(BW_ARRAY_BOARD_ADJ.rawValue)] = boardAdj.bytes
        g.arrays[Int(BW_ARRAY_PIN_ATTRS.rawValue)] = pinAttrs.bytes
        g.arrays[Int(BW_ARRAY_BOARD_ATTRS.rawValue)] = boardAttrs.bytes
        g.keepAlive = [pinOffsets, pinAdj, boardOffsets, boardAdj, pinAttrs, boardAttrs]

        for kind in NodeKind.allCases {
            let store = titles[Int(kind.rawValue)]
            guard !store.isEmpty else { continue }
            let ids = kind == .pin ? pinIDs : boardIDs
            let (offsets, bytes, count, unknown) = store.layout(for: ids, chunkBytes: Int(options.chunkBytes))
            titlesForUnknown += unknown
            g.titleCounts[Int(kind.rawValue)] = count
            let o = kind == .pin ? BW_ARRAY_PIN_TITLE_OFFSETS : BW_ARRAY_BOARD_TITLE_OFFSETS
            let b = kind == .pin ? BW_ARRAY_PIN_TITLE_BYTES : BW_ARRAY_BOARD_TITLE_BYTES
            g.arrays[Int(o.rawValue)] = offsets.bytes
            g.arrays[Int(b.rawValue)] = bytes.bytes
            g.keepAlive.append(offsets)
            g.keepAlive.append(bytes)
        }
        g.buildRecord = BuildRecord(
            builder: "boardwalk \(String(cString: bw_libversion()))",
            inputs: inputs, chunkBytes: options.chunkBytes, maxInvalidLines: options.maxInvalidLines,
            pinColumn: options.pinColumn, boardColumn: options.boardColumn,
            inputColumns: inputColumns.allSatisfy { $0 == [options.pinColumn, options.boardColumn] } ? nil : inputColumns,
            lines: lines, inputEdges: inputEdges, duplicateEdges: g.duplicates, invalidLines: invalid,
            pinTitles: g.titleCounts[0], boardTitles: g.titleCounts[1],
            attributedPins: g.attributedPins, scoreColumn: options.scoreColumn,
            pruningRules: rules.isEmpty ? nil : rules, pruning: pruning.isEmpty ? nil : pruning)
        g.invalidLines = invalid
        return g
    }
}

/// Majority language and majority topic of each board's pins (pins with an
/// unknown value do not vote; ties go to the smaller code).
private func majorityAttributes(
    _ offsets: FlatBuffer<UInt64>, _ adj: FlatBuffer<UInt32>, _ pinAttrs: FlatBuffer<UInt32>,
    into boardAttrs: FlatBuffer<UInt32>
) {
    var scratch: [UInt32] = []
    for b in 0..<(offsets.count - 1) {
        var result: UInt32 = 0
        for shift: UInt32 in [16, 0] {
            scratch.removeAll(keepingCapacity: true)
            for e in Int(offsets[b])..<Int(offsets[b + 1]) {
                let v = (pinAttrs[Int(adj[e])] >> shift) & 0xFFFF
                if v != BW_ATTR_NONE { scratch.append(v) }
            }
            var best = UInt32(BW_ATTR_NONE), bestCount = 0
            if !scratch.isEmpty {
                scratch.sort()
                var i = 0
                while i < scratch.count {
                    var j = i
                    while j < scratch.count && scratch[j] == scratch[i] { j += 1 }
                    if j - i > bestCount {
                        bestCount = j - i
                        best = scratch[i]
                    }
                    i = j
                }
            }
            result |= best << shift
        }
        boardAttrs[b] = result
    }
}

/// Orders each adjacency list by (attributes of the neighbour, neighbour index).
private func sortByAttributes(_ offsets: FlatBuffer<UInt64>, _ adj: FlatBuffer<UInt32>, _ attrs: FlatBuffer<UInt32>) {
    var keys: [UInt64] = []
    for n in 0..<(offsets.count - 1) {
        let s = Int(offsets[n]), e = Int(offsets[n + 1])
        if e - s < 2 { continue }
        keys.removeAll(keepingCapacity: true)
        for i in s..<e { keys.append(UInt64(attrs[Int(adj[i])]) << 32 | UInt64(adj[i])) }
        keys.sort()
        for i in s..<e { adj[i] = UInt32(truncatingIfNeeded: keys[i - s]) }
    }
}

/// Titles as added, laid out by node index at build time.
struct TitleStore {
    private var index: [UInt64: (Int, Int)] = [:]
    private var bytes: [UInt8] = []
    var isEmpty: Bool { index.isEmpty }

    mutating func set<C: Collection>(id: UInt64, title: C) where C.Element == UInt8 {
        let start = bytes.count
        bytes.append(contentsOf: title.lazy.filter { $0 != 0 })
        // Trim blanks at the ends.
        var s = start, e = bytes.count
        while s < e && isBlank(bytes[s]) { s += 1 }
        while e > s && isBlank(bytes[e - 1]) { e -= 1 }
        index[id] = (s, e - s)
    }

    /// Offsets and bytes by node index. No title crosses a chunk boundary:
    /// NUL padding fills the rest of a chunk (readers strip trailing NULs),
    /// and a title longer than a chunk is cut at a UTF-8 boundary.
    func layout(for ids: FlatBuffer<UInt64>, chunkBytes: Int) -> (FlatBuffer<UInt64>, FlatBuffer<UInt8>, Int, Int) {
        let offsets = FlatBuffer<UInt64>(repeating: 0, count: ids.count + 1)
        let out = FlatBuffer<UInt8>(capacity: bytes.count + 16)
        var found = 0
        bytes.withUnsafeBufferPointer { all in
            for i in 0..<ids.count {
                if let (s, n) = index[ids[i]] {
                    found += 1
                    var len = min(n, chunkBytes)
                    while len < n && len > 0 && (all[s + len] & 0xC0) == 0x80 { len -= 1 }
                    let room = chunkBytes - out.count % chunkBytes
                    if len > room { for _ in 0..<room { out.append(0) } }
                    offsets[i] = UInt64(out.count)
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: all[s..<(s + len)]))
                } else {
                    offsets[i] = UInt64(out.count)
                }
            }
        }
        offsets[ids.count] = UInt64(out.count)
        return (offsets, out, found, index.count - found)
    }
}

/// Attribute value names, coded in sorted order at build time so that the
/// same inputs give the same codes whatever their order.
struct AttributeNames {
    private var provisional: [String: UInt32] = [:]
    private var names: [String] = []

    mutating func code(of name: String) throws -> UInt32 {
        if let c = provisional[name] { return c }
        guard names.count < Int(BW_ATTR_MAX_CODES) else {
            throw BoardwalkError.limitExceeded("more than \(BW_ATTR_MAX_CODES) distinct attribute values")
        }
        guard !name.contains("\n") else { throw BoardwalkError.invalidArgument("attribute names cannot contain newlines") }
        provisional[name] = UInt32(names.count)
        names.append(name)
        return UInt32(names.count - 1)
    }

    /// Names in code order after the final recoding, and provisional → final.
    func sortedNames() -> (names: [String], recode: [UInt32]) {
        let order = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
        var recode = [UInt32](repeating: 0, count: names.count)
        for (final, prov) in order.enumerated() { recode[prov] = UInt32(final) }
        return (order.map { names[$0] }, recode)
    }
}

/// The JSON "build" record stored in the graph.
struct BuildRecord: Codable {
    var builder: String
    var inputs: [String]
    var chunkBytes: UInt64
    var maxInvalidLines: Int
    var pinColumn: Int
    var boardColumn: Int
    /// The [pin, board] columns of each edge input, in `inputs` order, when
    /// a header chose other columns than `pinColumn` and `boardColumn`.
    var inputColumns: [[Int]]?
    var lines: Int
    var inputEdges: Int
    var duplicateEdges: Int
    var invalidLines: Int
    var pinTitles: Int
    var boardTitles: Int
    var attributedPins: Int
    var scoreColumn: Int?
    var pruningRules: PruningRules?
    var pruning: [PruningReport]?
}

/// Everything the writer stores, in memory.
final class CompiledGraph {
    let pinIDs: FlatBuffer<UInt64>
    let boardIDs: FlatBuffer<UInt64>
    let inputEdges: Int
    var edges = 0
    var duplicates = 0
    var invalidLines = 0
    var fingerprint: UInt64 = 0
    var maxPinDegree = 0
    var maxBoardDegree = 0
    var hasAttributes = false
    var attributedPins = 0
    var attributeNames: [[String]] = []
    var titleCounts = [0, 0]
    var pruning: [PruningReport] = []
    var arrays = [UnsafeRawBufferPointer](repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: Int(BW_ARRAY_COUNT.rawValue))
    var keepAlive: [AnyObject] = []
    var buildRecord: BuildRecord?

    init(pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>, inputEdges: Int) {
        self.pinIDs = pinIDs
        self.boardIDs = boardIDs
        self.inputEdges = inputEdges
    }
}

/// One block of parsed edges: `count` UInt64 values, pin and board ids
/// alternating, and where the parser was when it sent it.
struct EdgeBlock: @unchecked Sendable {
    // Unchecked: the buffer is handed over whole; only one thread owns it at a time.
    var pairs: UnsafeMutablePointer<UInt64>
    var count: Int
    var lines: Int
    var bytes: Int
    var last: Bool
}

/// A bounded queue of blocks between the parser thread and the builder.
final class EdgeBlockChannel: @unchecked Sendable {
    // Unchecked: `items` is only touched under `lock`; the semaphores bound it.
    private let lock = NSLock()
    private var items: [EdgeBlock] = []
    private let filled = DispatchSemaphore(value: 0)
    private let free = DispatchSemaphore(value: 4)

    func send(_ block: EdgeBlock) {
        free.wait()
        lock.lock()
        items.append(block)
        lock.unlock()
        filled.signal()
    }

    func receive() -> EdgeBlock {
        filled.wait()
        lock.lock()
        let b = items.removeFirst()
        lock.unlock()
        free.signal()
        return b
    }
}

/// The 0-based pin and board columns of an edge list.
struct EdgeColumns: Equatable, Sendable {
    var pin: Int
    var board: Int
}

/// Header names that mean a pin id or a board id column: `pin`, `pin_id`,
/// `pinid`, `pin-id`, `pin id`, any case (and the same for boards).
func headerNameKind(_ name: String) -> NodeKind? {
    let n = String(name.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " })
    if n == "pin" || n == "pinid" { return .pin }
    if n == "board" || n == "boardid" { return .board }
    return nil
}

/// Chooses the pin and board columns from a header's names. A column given
/// explicitly (`--pin-column`, or `BuildOptions.pinColumn` set) wins; else the
/// column the header names `pin`/`pin_id` (`board`/`board_id`); else the
/// default. A column chosen without a flag whose header name is something
/// else (`timestamp`) is an error: reading it would silently build a wrong
/// graph. Returns the columns and warnings.
func resolveHeader(
    _ names: [String], defaults: EdgeColumns, pinExplicit: Bool, boardExplicit: Bool, scoreField: Int?,
    file: String, line: Int
) throws -> (EdgeColumns, [String]) {
    let kinds = names.map(headerNameKind)
    let pin = pinExplicit ? defaults.pin : (kinds.firstIndex(of: .pin) ?? defaults.pin)
    let board = boardExplicit ? defaults.board : (kinds.firstIndex(of: .board) ?? defaults.board)
    func name(_ i: Int) -> String { "column \(i + 1) \"\(names[i])\"" }
    let fix = "give --pin-column N and --board-column N (BuildOptions.pinColumn, boardColumn), or name the columns pin_id and board_id in the header"
    var warnings: [String] = []
    for (kind, column, explicit) in [(NodeKind.pin, pin, pinExplicit), (.board, board, boardExplicit)] {
        let what = kind == .pin ? "pin" : "board"
        let flag = kind == .pin ? "--pin-column" : "--board-column"
        guard column < names.count else { continue }
        if explicit {
            if let k = kinds[column], k != kind {
                warnings.append("\(file):\(line): \(flag) \(column + 1) reads \(what) ids from the header's \(name(column))")
            }
        } else if kinds[column] != kind {
            throw BoardwalkError.malformedInput(
                file: file, line: line,
                reason: "the header names \(name(column)), not the \(what) id column: \(flag) N picks it; \(fix)")
        }
    }
    if pin == board {
        throw BoardwalkError.malformedInput(
            file: file, line: line, reason: "the pin and board ids would both be read from column \(pin + 1); \(fix)")
    }
    if let s = scoreField, s == pin || s == board {
        throw BoardwalkError.malformedInput(
            file: file, line: line, reason: "the header puts \(s == pin ? "pin" : "board") ids in the score column \(s + 1)")
    }
    return (EdgeColumns(pin: pin, board: board), warnings)
}

/// Parses edge-list lines into id pairs on its own thread, applying the
/// invalid-line budget, and sends them on in blocks.
final class EdgeParser: @unchecked Sendable {
    // Unchecked: written only by the parser thread; read by the builder after
    // the last block, which the channel's semaphores order after every write.
    static let blockValues = 1 << 17
    let scoreField: Int?, maxInvalid: Int
    let defaults: EdgeColumns, pinExplicit: Bool, boardExplicit: Bool
    /// Columns a header of an earlier part file of the same directory chose.
    let inherited: EdgeColumns?
    /// The columns this file's header chose, if it had one that named them.
    private(set) var resolved: EdgeColumns?
    private(set) var warnings: [String] = []
    private(set) var lines = 0
    private(set) var invalid: Int
    private(set) var samples: [String] = []
    private(set) var error: Error?

    init(defaults: EdgeColumns, pinExplicit: Bool = true, boardExplicit: Bool = true, inherited: EdgeColumns? = nil,
         scoreField: Int? = nil, maxInvalid: Int, invalidSoFar: Int) {
        self.defaults = defaults
        self.pinExplicit = pinExplicit
        self.boardExplicit = boardExplicit
        self.inherited = inherited
        self.scoreField = scoreField
        self.maxInvalid = maxInvalid
        self.invalid = invalidSoFar
    }

    private func invalidLine(_ input: InputFile, _ line: Int, _ reason: String) throws {
        invalid += 1
        if invalid > maxInvalid { throw BoardwalkError.malformedInput(file: input.name, line: line, reason: reason) }
        if samples.count < 10 { samples.append("\(input.name):\(line): \(reason)") }
    }

    func run(_ reader: LineReader, into channel: EdgeBlockChannel) {
        var block = UnsafeMutablePointer<UInt64>.allocate(capacity: EdgeParser.blockValues)
        var n = 0
        let start = inherited ?? defaults
        // (pin field, board field, fields needed); a header may change them.
        var current = (start.pin, start.board, max(start.pin, start.board, scoreField ?? 0) + 1)
        let scoreField = self.scoreField ?? -1
        let stride = scoreField >= 0 ? 3 : 2
        var seenData = false
        do {
            try reader.forEachLine { line, number in
                lines += 1
                if isSkippable(line) { return }
                let base = line.baseAddress!
                let (pinField, boardField, needed) = current  // locals, for the loop below
                // Find the needed fields in one pass over the line.
                var field = 0, i = 0
                var pf = FieldRange(start: 0, end: 0), bf = pf, sf = pf
                let count = line.count
                while true {
                    let (next, f) = scanField(base, i, count, 0x09, 0x2C)
                    if field == pinField {
                        pf = f
                    } else if field == boardField {
                        bf = f
                    } else if field == scoreField {
                        sf = f
                    }
                    field += 1
                    if field >= needed || next >= count { break }
                    i = next + 1
                }
                // The header: the first line, before any edge, that is not
                // an edge and looks like one; its names may choose the columns.
                func header() throws -> Bool {
                    guard !seenData && looksLikeHeader(line) else { return false }
                    seenData = true
                    let names = splitFields(line, 0x09, 0x2C).map {
                        fieldString(base, $0).trimmingBlanks()
                    }
                    let (c, w) = try resolveHeader(
                        names, defaults: defaults, pinExplicit: pinExplicit, boardExplicit: boardExplicit,
                        scoreField: scoreField >= 0 ? scoreField : nil, file: reader.input.name, line: number)
                    warnings += w
                    resolved = c
                    current = (c.pin, c.board, max(c.pin, c.board, scoreField) + 1)
                    return true
                }
                if field < needed {
                    if try header() { return }
                    let shape = stride == 3 ? "pin_id, board_id and score" : "pin_id<TAB>board_id"
                    try invalidLine(reader.input, number, "expected at least \(needed) columns (\(shape)), found \(field)")
                    return
                }
                let pin = pf.malformed ? .notANumber : parseUInt64(base, pf.start, pf.end)
                let board = bf.malformed ? .notANumber : parseUInt64(base, bf.start, bf.end)
                guard case .value(let p) = pin, case .value(let b) = board else {
                    if try header() { return }
                    try invalidLine(
                        reader.input, number,
                        GraphBuilder.idProblem(pin, "pin", base, pf.start, pf.end)
                            ?? GraphBuilder.idProblem(board, "board", base, bf.start, bf.end) ?? "bad line")
                    return
                }
                var score = 0.0
                if stride == 3 {
                    guard !sf.malformed, let v = parseScore(base, sf.start, sf.end) else {
                        if try header() { return }
                        try invalidLine(reader.input, number, "score \"\(fieldText(base, sf.start, sf.end))\" is not a finite number")
                        return
                    }
                    score = v
                }
                seenData = true
                block[n] = p
                block[n + 1] = b
                if stride == 3 { block[n + 2] = score.bitPattern }
                n += stride
                if n + stride > EdgeParser.blockValues {
                    channel.send(EdgeBlock(pairs: block, count: n, lines: lines, bytes: reader.bytesRead, last: false))
                    block = .allocate(capacity: EdgeParser.blockValues)
                    n = 0
                }
            }
        } catch {
            self.error = error
        }
        channel.send(EdgeBlock(pairs: block, count: error == nil ? n : 0, lines: lines, bytes: reader.bytesRead, last: true))
    }
}

extension String {
    /// Without blanks (space, TAB, CR) at either end.
    func trimmingBlanks() -> String {
        var u = Substring(self)
        while let f = u.first, f == " " || f == "\t" || f == "\r" { u = u.dropFirst() }
        while let l = u.last, l == " " || l == "\t" || l == "\r" { u = u.dropLast() }
        return String(u)
    }
}
