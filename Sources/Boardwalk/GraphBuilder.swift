// GraphBuilder: edge lists (and optional titles and attributes) in, one
// immutable LMDB graph file out. The same code serves `boardwalk build` and
// host services that build from their own data.
import CBoardwalk
import Foundation

/// Builds a graph file from edges, titles and pin attributes.
///
/// Add input with the `add…` methods, then call ``build(to:)`` once. Memory:
/// about 16 bytes per input edge plus 96 per distinct node while that fits
/// ``BuildOptions/memoryLimit``; past it, the edges are sorted in batches
/// on disk within the budget (an external build), with the same result.
/// Not thread-safe: use one builder from one thread.
public final class GraphBuilder {
    /// The options this builder was created with.
    public let options: BuildOptions
    /// Called about once a second during long phases.
    public var progress: ((BuildProgress) -> Void)?
    /// Called with each warning as it happens (they are also in the summary).
    public var warning: ((String) -> Void)?

    // Properties without `private` are read by compile() (GraphCompiler.swift).
    var pins = IDInterner()
    var boards = IDInterner()
    var edges = EdgeSegments()
    /// The memory budget in bytes (``BuildOptions/memoryLimit`` or its default).
    let memoryLimit: UInt64
    /// Once the input outgrows the budget: its edges (raw pin, raw board,
    /// scores when pruning) and the temporary disk they spill to.
    var spilled: EdgeSpill?
    /// Fault injection for tests: temporary writes past this many bytes fail with ENOSPC.
    var spillFailAfterBytes: Int?
    /// For tests: an external build whatever the input's size, and sorts
    /// of this many records per batch (so that small inputs make many runs).
    var testForceExternal = false
    var testBatchRecords: Int?
    /// Scores (bit patterns of Double) parallel to `edges`, once any edge has one.
    var scores: EdgeSegments?
    var inputs: [String] = []
    /// The 1-based pin and board columns each edge input was read with.
    var inputColumns: [[Int]] = []
    var lines = 0
    /// The largest edge time read from a time column (nil: none).
    private var newestTime: UInt64?
    private var bytesBefore = 0
    var invalid = 0
    private var invalidSamples: [String] = []
    private var warnings: [String] = []
    /// Every file and directory read, for refusing an output that is one.
    private var inputPaths: [String] = []
    var titles = [TitleStore(), TitleStore()]
    var titlesForUnknown = 0
    var attributeNames = [AttributeNames(), AttributeNames()]
    var pinAttributes: [UInt64: UInt32] = [:]
    var attributesForUnknown = 0
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
        if options.watermark != nil && options.timeColumn != nil {
            throw BoardwalkError.invalidArgument("give --watermark or --time-column, not both")
        }
        if let t = options.timeColumn, t < 1 || t == options.pinColumn || t == options.boardColumn || t == options.scoreColumn {
            throw BoardwalkError.invalidArgument("the time column must be at least 1 and differ from the id and score columns")
        }
        try options.pruning.validate()
        if let m = options.memoryLimit, m < BuildOptions.minimumMemoryLimit {
            throw BoardwalkError.invalidArgument("the memory limit must be at least \(BuildOptions.minimumMemoryLimit >> 20) MiB, not \(m) bytes")
        }
        memoryLimit = options.memoryLimit ?? BuildOptions.defaultMemoryLimit
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
        if let spilled {
            if let sorter = spilled.plain {
                try sorter.add(pin.rawValue, board.rawValue)
            } else {
                try spilled.scored!.add(ScoredEdge(pin: pin.rawValue, board: board.rawValue, rank: scoreRank(score)))
            }
            return
        }
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
        if edges.count & 0xFFFF == 0 && inMemoryBytes > memoryLimit { try spillEdges() }
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
                                timeField: options.timeColumn.map { $0 - 1 },
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
                        // Spilling empties `edges`: an external build without
                        // scores sends the rest straight to its sort.
                        if edges.count & 0xFFFF == 0, stride == 2, let sorter = spilled?.plain {
                            while i < block.count {
                                try sorter.add(block.pairs[i], block.pairs[i + 1])
                                i += 2
                            }
                        }
                    }
                } catch {
                    failure = error  // keep draining so the parser can finish
                }
                report("reading", lines: lines + block.lines, bytes: bytesBefore + block.bytes)
            }
            if block.last { break }
        }
        lines += parser.lines
        if let t = parser.newestTime { newestTime = max(newestTime ?? 0, t) }
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


    private func invalidLine(_ input: InputFile, _ line: Int, _ text: UnsafeBufferPointer<UInt8>, _ problem: String) throws {
        let reason = lineProblem(text, problem)
        invalid += 1
        if invalid > options.maxInvalidLines {
            throw BoardwalkError.malformedInput(file: input.name, line: line, reason: reason)
        }
        if invalidSamples.count < 10 { invalidSamples.append("\(input.name):\(line): \(reason)") }
    }

    func report(_ phase: String, lines: Int? = nil, bytes: Int = 0) {
        guard let progress else { return }
        let now = DispatchTime.now()
        if now.uptimeNanoseconds - lastReport.uptimeNanoseconds < 1_000_000_000 && phase == "reading" { return }
        lastReport = now
        progress(BuildProgress(phase: phase, lines: lines ?? self.lines, bytes: bytes, seconds: elapsed()))
    }

    func elapsed() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
    }

    // MARK: Titles

    /// Sets the title of a pin or board by kind and raw id.
    ///
    /// - Parameters:
    ///   - title: The title, UTF-8 text.
    ///   - kind: Pin or board.
    ///   - id: The node's id.
    @available(*, deprecated, message: "use setTitle(_:for:) with a PinID or a BoardID")
    public func setTitle(_ title: String, for kind: NodeKind, id: UInt64) {
        storeTitle(title, kind: kind, id: id)
    }

    /// Stores a title (the typed `setTitle` overloads call this).
    func storeTitle(_ title: String, kind: NodeKind, id: UInt64) {
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
            var header = HeaderRule()
            try reader.forEachLine { line, number in
                if isSkippable(line) { return }
                let base = line.baseAddress!
                func bad(_ reason: String) throws {
                    if header.isHeader(line) { return }
                    try invalidLine(input, number, line, reason)
                }
                guard let sep = lineSeparator(line) else { return try bad("expected id<TAB>title or id,title") }
                let (next, idField) = scanField(base, 0, line.count, sep, sep)
                guard case .value(let id) = parseID(base, idField) else {
                    return try bad("id \"\(fieldText(base, idField.start, idField.end))\" is not an unsigned integer")
                }
                let rest = next + 1
                if sep == 0x2C {
                    let (_, t) = scanField(base, rest, line.count, 0x2C, 0x2C)
                    if t.quoted || t.malformed {
                        guard !t.malformed else { return try bad("the quoted title has no closing quote, or text after it") }
                        header.data()
                        titles[Int(kind.rawValue)].set(id: id, title: Array(fieldString(base, t).utf8))
                        return
                    }
                }
                header.data()
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
            var header = HeaderRule()
            var fields: [FieldRange] = []
            try reader.forEachLine { line, number in
                if isSkippable(line) { return }
                let base = line.baseAddress!
                let sep = lineSeparator(line) ?? 0x09
                splitFields(line, sep, sep, into: &fields)
                guard fields.count >= 2, case .value(let id) = parseID(base, fields[0]) else {
                    if header.isHeader(line) { return }
                    try invalidLine(input, number, line, "expected pin_id<TAB>language<TAB>topic")
                    return
                }
                if let m = fields.prefix(3).first(where: \.malformed) {
                    try invalidLine(input, number, line, "malformed quoted field \(fieldText(base, m.start, m.end))")
                    return
                }
                header.data()
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

    /// The graph's watermark and how it was set: the option, else the
    /// newest time of the time column (none when no edge was read).
    var watermark: (value: UInt64, source: String)? {
        if let w = options.watermark { return (w, "option") }
        if let t = newestTime, let c = options.timeColumn { return (t, "time column \(c)") }
        return nil
    }

    /// Compiles everything added into a graph file at `path`, atomically: the
    /// file is written beside it under a temporary name, synced, and renamed
    /// over `path` only when complete. A failed or killed build leaves `path`
    /// as it was; temporary files of dead builds are removed first.
    public func build(to path: String) throws -> BuildSummary {
        guard !built else { throw BoardwalkError.invalidArgument("a GraphBuilder builds once") }
        built = true
        try GraphBuilder.checkOutput(path, isNotAmong: inputPaths)
        if spilled == nil && (inMemoryBytes > memoryLimit || testForceExternal) { try spillEdges() }  // the last edges tipped it over
        let compiled = try spilled.map { try compileExternal($0) } ?? compile()
        if compiled.edges == 0 && !options.allowEmpty {
            let pruned = compiled.pruning.reduce(0) { $0 + $1.edges }
            throw BoardwalkError.emptyGraph(
                "no edges to write: \(compiled.inputEdges) edges read from \(inputs.count) input(s)"
                    + (invalid > 0 ? ", \(invalid) invalid line\(invalid == 1 ? "" : "s") skipped (the first: \(invalidSamples.first ?? "?"))" : "")
                    + (pruned > 0 ? ", all \(pruned) distinct edges removed by pruning" : "")
                    + "; \(path) was left as it was (--allow-empty or BuildOptions.allowEmpty writes an empty graph)")
        }
        report("writing")
        let writer = GraphFileWriter(path: path, chunkBytes: compiled.chunkBytes, stretchBytes: writeStretchBytes)
        try writer.write(compiled)
        return BuildSummary(
            output: path, inputs: inputs, lines: lines, inputEdges: compiled.inputEdges,
            duplicateEdges: compiled.duplicates, invalidLines: invalid, warnings: warnings, invalidSamples: invalidSamples,
            pins: compiled.pins, boards: compiled.boards, edges: compiled.edges,
            pinTitles: compiled.titleCounts[0], boardTitles: compiled.titleCounts[1],
            titlesForUnknownNodes: titlesForUnknown,
            attributedPins: compiled.attributedPins, attributesForUnknownPins: attributesForUnknown,
            pruning: compiled.pruning,
            seconds: elapsed(), fileBytes: writer.fileBytes,
            memoryLimit: memoryLimit, external: spilled != nil, temporaryBytes: spilled?.space.peakBytes ?? 0,
            watermark: compiled.watermark, watermarkSource: watermark?.source)
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
}
