// The external-memory build: when the input outgrows the memory budget,
// edges are sorted in batches on disk and the graph is made in three merges,
// each streaming its arrays to temporary files that the writer copies into
// the graph file chunk by chunk:
//
//   1. edges by (pin id, board id): pin ids, offsets, attributes and titles,
//      the fingerprint; each edge goes on as (board id, pin index);
//   2. by (board id, pin attributes, pin index): board ids, offsets,
//      adjacency, majority attributes and titles; each edge goes on as
//      (pin index, board attributes, board index);
//   3. by (pin index, board attributes, board index): the pins' adjacency.
//
// With pruning rules, ExternalPruning.swift's passes come first and hand
// merge 1 the surviving edges. Indices are ranks of ascending ids and lists
// are ordered as in the in-memory build, so both give the same arrays.
import CBoardwalk
import Foundation

/// The spilled input of an external build: its edges, sorted by (pin id,
/// board id), with their scores when pruning needs them.
final class EdgeSpill {
    let space: SpillSpace
    let plain: ExternalSorter<KeyPair>?
    let scored: ExternalSorter<ScoredEdge>?

    init(space: SpillSpace, plain: ExternalSorter<KeyPair>?, scored: ExternalSorter<ScoredEdge>?) {
        self.space = space
        self.plain = plain
        self.scored = scored
    }

    var added: Int { plain?.added ?? scored?.added ?? 0 }
    var spilledBytes: Int { plain?.spilledBytes ?? scored?.spilledBytes ?? 0 }
}

extension GraphBuilder {
    /// What the in-memory build would need at most for the input so far:
    /// 16 bytes per edge (32 with scores for pruning) and 96 per node.
    var inMemoryBytes: UInt64 {
        let perEdge: UInt64 = scores != nil && !options.pruning.isEmpty ? 32 : 16
        return UInt64(edges.count) * perEdge + UInt64(pins.count + boards.count) * 96
    }

    /// `numerator / denominator` of the memory budget, in bytes.
    func budget(_ numerator: UInt64, _ denominator: UInt64) -> Int {
        Int(min(memoryLimit / denominator * numerator, UInt64(Int.max)))
    }

    /// Bytes per LMDB write transaction at most.
    var writeStretchBytes: UInt64 {
        guard spilled != nil else { return 256 << 20 }
        return max(externalChunkBytes, min(256 << 20, memoryLimit / 4))
    }

    /// The chunk size of an external build: the option's, at most the
    /// largest power of two within an eighth of the budget (LMDB holds a
    /// chunk in memory while it writes it).
    var externalChunkBytes: UInt64 {
        var c: UInt64 = 1 << 16
        while c * 2 <= memoryLimit / 8 { c *= 2 }
        return min(options.chunkBytes, c)
    }

    /// The share of the budget for the sort that fills during a merge:
    /// half, or 3/8 when pruning's tombstones sort beside it.
    private var sortShare: Int { options.pruning.isEmpty ? budget(1, 2) : budget(3, 8) }

    private func newSorter<R: SortRecord>(_ space: SpillSpace, _: R.Type = R.self) -> ExternalSorter<R> {
        makeSorter(space, memoryBytes: sortShare, mergeBytes: budget(1, 8))
    }

    /// A sorter of `memoryBytes` (or of the tests' batch size).
    func makeSorter<R: SortRecord>(_ space: SpillSpace, memoryBytes: Int, mergeBytes: Int) -> ExternalSorter<R> {
        ExternalSorter<R>(space: space, memoryBytes: memoryBytes, mergeBytes: mergeBytes, batchRecords: testBatchRecords)
    }

    /// Turns this into an external build: the edges so far go to a sorter
    /// (raw ids, and scores when pruning), and the in-memory tables are freed.
    func spillEdges() throws {
        guard spilled == nil else { return }
        let dir = options.temporaryDirectory ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let space = SpillSpace(directory: dir)
        space.failAfterBytes = spillFailAfterBytes
        report("external build: the input outgrows the memory limit (\(memoryLimit >> 20) MiB); sorting on disk in \(dir)")
        let pinIDs = pins.idsByNumber(), boardIDs = boards.idsByNumber()
        pins = IDInterner(bits: 1)  // unused from here on
        boards = IDInterner(bits: 1)
        if options.pruning.isEmpty {
            let sorter: ExternalSorter<KeyPair> = newSorter(space)
            scores = nil
            try edges.consume { e in try sorter.add(pinIDs[Int(e >> 32)], boardIDs[Int(e & 0xFFFF_FFFF)]) }
            spilled = EdgeSpill(space: space, plain: sorter, scored: nil)
        } else {
            let sorter: ExternalSorter<ScoredEdge> = newSorter(space)
            let s = scores
            scores = nil
            try edges.consume(alongside: s) { e, score in
                try sorter.add(ScoredEdge(pin: pinIDs[Int(e >> 32)], board: boardIDs[Int(e & 0xFFFF_FFFF)],
                                          rank: scoreRank(Double(bitPattern: score))))
            }
            spilled = EdgeSpill(space: space, plain: nil, scored: sorter)
        }
    }

    /// The graph from the spilled edges, its arrays in temporary files.
    func compileExternal(_ spill: EdgeSpill) throws -> CompiledGraph {
        let space = spill.space
        let chunkBytes = externalChunkBytes
        let inputEdges = spill.added
        // The runs of two sorts at once, the arrays and the graph file (about 10 bytes per edge).
        try space.check(needs: spill.spilledBytes * 2 + inputEdges * 12, for: "the external build")
        if let scored = spill.scored {
            if options.pruning.maxBoardEntropy != nil && pinAttributes.isEmpty {
                throw BoardwalkError.invalidArgument("the board entropy rule needs pin topics (pin attributes)")
            }
            let tally = PruningTally(PruningStage.of(options.pruning))
            let pruned = try pruneExternal(try scored.finish(), tally: tally, space: space)
            let pinTombstones = try TombstoneCounter(pruned.pinTombstones, pins: true, tally: tally)
            let g = try mergeGraph(pruned.edges, space: space, chunkBytes: chunkBytes, inputEdges: inputEdges,
                                   pinTombstones: pinTombstones, boardTombstones: pruned.boardTombstones, tally: tally)
            g.duplicates = inputEdges - pruned.distinctEdges
            g.pruning = tally.reports
            g.buildRecord = buildRecord(g, chunkBytes: chunkBytes)
            return g
        }
        let g = try mergeGraph(try spill.plain!.finish(), space: space, chunkBytes: chunkBytes, inputEdges: inputEdges,
                               pinTombstones: nil, boardTombstones: nil, tally: nil)
        g.duplicates = inputEdges - g.edges
        g.buildRecord = buildRecord(g, chunkBytes: chunkBytes)
        return g
    }

    /// Merges 1–3 of the top of this file over `source` (edges grouped by pin),
    /// counting the nodes pruning's tombstones name.
    private func mergeGraph<E: PinGroupedEdges>(
        _ source: E, space: SpillSpace, chunkBytes: UInt64, inputEdges: Int,
        pinTombstones: TombstoneCounter?, boardTombstones: ExternalSorter<KeyPair>?, tally: PruningTally?
    ) throws -> CompiledGraph {
        let hasAttributes = !pinAttributes.isEmpty
        let names = attributeNames.map { $0.sortedNames() }
        func recode(_ v: UInt32, _ which: Int) -> UInt32 {
            v == BW_ATTR_NONE ? v : names[which].recode[Int(v)]
        }
        func array() throws -> SpillFile { try SpillFile(space, bufferBytes: 256 << 10) }
        let maxNodes = "a graph holds at most \(BW_MAX_NODES_VALUE) pins and as many boards"

        // 1. By pin.
        report("merging edges by pin")
        var pinTombstones = pinTombstones
        let byBoard: ExternalSorter<KeyPair> = newSorter(space)
        let pinIDs = try array(), pinOffsets = try array()
        let pinAttrs = try array()
        var pinTitles = try TitleSink(titles[0], space, chunkBytes)
        var pins = 0, edges = 0, maxPin = 0, degree = 0, attributed = 0
        var fingerprint: UInt64 = 0
        var pin: UInt64 = 0, attrs = UInt64(BW_ATTRS_NONE) << 32
        try pinOffsets.append(value: UInt64(0))
        while let (p, b) = try edgesSource(source) {
            if pins == 0 || p != pin {
                if pins > 0 {
                    try pinOffsets.append(value: UInt64(edges))
                    maxPin = max(maxPin, degree)
                }
                guard UInt64(pins) < BW_MAX_NODES_VALUE else { throw BoardwalkError.limitExceeded(maxNodes) }
                try pinTombstones?.pass(upTo: p)
                pin = p
                degree = 0
                var a = BW_ATTRS_NONE
                if hasAttributes, let v = pinAttributes[p] {
                    a = recode(v >> 16, 0) << 16 | recode(v & 0xFFFF, 1)
                    attributed += 1
                }
                attrs = hasAttributes ? UInt64(a) << 32 : 0
                try pinIDs.append(value: p)
                try pinAttrs.append(value: a)
                try pinTitles?.add(p)
                pins += 1
            }
            degree += 1
            edges += 1
            fingerprint &+= bw_edge_fingerprint(p, b)
            try byBoard.add(b, attrs | UInt64(pins - 1))
        }
        if pins > 0 {
            try pinOffsets.append(value: UInt64(edges))
            maxPin = max(maxPin, degree)
        }
        try pinTombstones?.pass(upTo: nil)
        attributesForUnknown += pinAttributes.count - attributed

        // 2. By board.
        report("merging edges by board")
        var byBoardStream: MergeStream<KeyPair>? = try byBoard.finish()  // released after its pass, freeing its runs' disk
        var boardTombstones = try tally.map { try TombstoneCounter(try boardTombstones?.finish(), pins: false, tally: $0) }
        let byPinIndex: ExternalSorter<KeyPair> = newSorter(space)
        let boardIDs = try array(), boardOffsets = try array()
        let boardAdj = try array(), boardAttrs = try array()
        var boardTitles = try TitleSink(titles[1], space, chunkBytes)
        var boards = 0, written = 0, maxBoard = 0, boardDegree = 0
        var board: UInt64 = 0
        // With attributes, a board's (pin attributes, pin index) wait here
        // until its majority attributes are known.
        let group = hasAttributes ? GroupBuffer<UInt64>(space: space, memoryBytes: budget(1, 16)) : nil
        var vote = hasAttributes ? MajorityVote() : nil
        func closeBoard() throws {
            let index = UInt64(boards - 1)
            if let group {
                let battrs = UInt64(vote!.result()) << 32
                try boardAttrs.append(value: UInt32(truncatingIfNeeded: battrs >> 32))
                while let k = try group.read() { try byPinIndex.add(k & 0xFFFF_FFFF, battrs | index) }
                group.reset()
            } else {
                try boardAttrs.append(value: BW_ATTRS_NONE)
            }
            written += boardDegree
            try boardOffsets.append(value: UInt64(written))
            maxBoard = max(maxBoard, boardDegree)
        }
        try boardOffsets.append(value: UInt64(0))
        while let (b, k) = try byBoardStream!.nextPair() {
            if boards == 0 || b != board {
                if boards > 0 { try closeBoard() }
                guard UInt64(boards) < BW_MAX_NODES_VALUE else { throw BoardwalkError.limitExceeded(maxNodes) }
                try boardTombstones?.pass(upTo: b)
                board = b
                boardDegree = 0
                try boardIDs.append(value: b)
                try boardTitles?.add(b)
                boards += 1
            }
            boardDegree += 1
            if let group {
                try group.append(k)
                vote!.add(UInt32(truncatingIfNeeded: k >> 32))
            } else {
                try byPinIndex.add(k & 0xFFFF_FFFF, UInt64(boards - 1))
            }
            try boardAdj.append(value: UInt32(truncatingIfNeeded: k))
        }
        if boards > 0 { try closeBoard() }
        try boardTombstones?.pass(upTo: nil)
        byBoardStream = nil

        // 3. The pins' adjacency.
        report("merging edges by pin index")
        let pinAdj = try array()
        do {
            let stream = try byPinIndex.finish()
            while let r = try stream.next() { try pinAdj.append(value: UInt32(truncatingIfNeeded: r.k2)) }
        }

        let g = CompiledGraph(pins: pins, boards: boards, inputEdges: inputEdges)
        g.edges = edges
        g.fingerprint = fingerprint
        g.maxPinDegree = maxPin
        g.maxBoardDegree = maxBoard
        g.attributedPins = attributed
        g.hasAttributes = hasAttributes
        g.attributeNames = names.map { $0.names }
        g.chunkBytes = chunkBytes
        for (a, f) in [(BW_ARRAY_PIN_IDS, pinIDs), (BW_ARRAY_BOARD_IDS, boardIDs), (BW_ARRAY_PIN_OFFSETS, pinOffsets),
                       (BW_ARRAY_PIN_ADJ, pinAdj), (BW_ARRAY_BOARD_OFFSETS, boardOffsets), (BW_ARRAY_BOARD_ADJ, boardAdj),
                       (BW_ARRAY_PIN_ATTRS, pinAttrs), (BW_ARRAY_BOARD_ATTRS, boardAttrs)] {
            try f.finishWriting()
            g.files[Int(a.rawValue)] = f
        }
        for (kind, sink) in [(NodeKind.pin, pinTitles), (.board, boardTitles)] {
            guard let sink else { continue }
            let (offsets, bytes) = try sink.finish()
            titlesForUnknown += titles[Int(kind.rawValue)].count - sink.found
            g.titleCounts[Int(kind.rawValue)] = sink.found
            g.files[Int((kind == .pin ? BW_ARRAY_PIN_TITLE_OFFSETS : BW_ARRAY_BOARD_TITLE_OFFSETS).rawValue)] = offsets
            g.files[Int((kind == .pin ? BW_ARRAY_PIN_TITLE_BYTES : BW_ARRAY_BOARD_TITLE_BYTES).rawValue)] = bytes
        }
        g.invalidLines = invalid
        g.watermark = watermark?.value
        return g
    }
}

/// The next edge of a pin-grouped source (a free function keeps the generic
/// call specialized in the loop above).
@inline(__always)
private func edgesSource<E: PinGroupedEdges>(_ e: E) throws -> (UInt64, UInt64)? {
    guard let x = try e.nextEdge() else { return nil }
    return (x.pin, x.board)
}

/// The majority language and majority topic of a board's pins, counted as
/// they stream by (unknown values do not vote; ties go to the smaller
/// code): the rule of ``majorityAttributes(_:scratch:)``.
struct MajorityVote {
    private var counts = [[Int]](repeating: [Int](repeating: 0, count: 0x10000), count: 2)
    private var seen: [[Int]] = [[], []]

    mutating func add(_ attrs: UInt32) {
        for (k, v) in [Int(attrs >> 16), Int(attrs & 0xFFFF)].enumerated() where v != Int(BW_ATTR_NONE) {
            if counts[k][v] == 0 { seen[k].append(v) }
            counts[k][v] += 1
        }
    }

    /// The majority attributes word, and a reset for the next board.
    mutating func result() -> UInt32 {
        var out: UInt32 = 0
        for k in 0..<2 {
            var best = Int(BW_ATTR_NONE), bestCount = 0
            seen[k].sort()
            for v in seen[k] {
                if counts[k][v] > bestCount {
                    bestCount = counts[k][v]
                    best = v
                }
                counts[k][v] = 0
            }
            seen[k].removeAll(keepingCapacity: true)
            out |= UInt32(best) << (k == 0 ? 16 : 0)
        }
        return out
    }
}

/// Titles laid out by node index into temporary files, node by node in
/// index order (TitleStore.layout, streamed).
private struct TitleSink {
    let store: TitleStore
    let offsets: SpillFile
    let bytes: SpillFile
    let chunkBytes: Int
    var written = 0
    var found = 0

    /// Nil when `store` is empty: no title arrays then.
    init?(_ store: TitleStore, _ space: SpillSpace, _ chunkBytes: UInt64) throws {
        guard !store.isEmpty else { return nil }
        self.store = store
        offsets = try SpillFile(space, bufferBytes: 256 << 10)
        bytes = try SpillFile(space, bufferBytes: 256 << 10)
        self.chunkBytes = Int(chunkBytes)
    }

    mutating func add(_ id: UInt64) throws {
        var n = written
        let start = try store.place(
            id: id, after: written, chunkBytes: chunkBytes,
            padding: { pad in
                for _ in 0..<pad { try bytes.append(UInt8(0)) }
                n += pad
            },
            title: { t in
                try bytes.append(UnsafeRawBufferPointer(t))
                n += t.count
            })
        if start != nil { found += 1 }
        try offsets.append(value: UInt64(start ?? written))
        written = n
    }

    func finish() throws -> (SpillFile, SpillFile) {
        try offsets.append(value: UInt64(written))
        try offsets.finishWriting()
        try bytes.finishWriting()
        return (offsets, bytes)
    }
}
