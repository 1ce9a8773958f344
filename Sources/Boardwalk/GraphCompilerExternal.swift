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
// Indices are ranks of ascending ids and lists are ordered as in the
// in-memory build, so both give the same arrays.
import CBoardwalk
import Foundation

extension GraphBuilder {
    /// What the in-memory build would need at most for the input so far:
    /// 16 bytes per edge (32 with scores for pruning) and 96 per node.
    var inMemoryBytes: UInt64 {
        let perEdge: UInt64 = scores != nil && !options.pruning.isEmpty ? 32 : 16
        return UInt64(edges.count) * perEdge + UInt64(pins.count + boards.count) * 96
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

    private func newSorter(_ space: SpillSpace) -> ExternalSorter {
        ExternalSorter(space: space, memoryBytes: Int(min(memoryLimit / 2, UInt64(Int.max))),
                       mergeBytes: Int(min(memoryLimit / 8, UInt64(Int.max))))
    }

    /// Turns this into an external build: the edges so far go to a sorter
    /// (raw ids), and the in-memory tables are freed.
    func spillEdges() throws {
        guard spilled == nil else { return }
        if !options.pruning.isEmpty {
            throw BoardwalkError.limitExceeded(
                "pruning needs the in-memory build, and this input outgrows the memory limit of \(memoryLimit >> 20) MiB: "
                    + "raise --memory-limit (BuildOptions.memoryLimit) or prune upstream with Tools/spark/prepare_edges.py")
        }
        let dir = options.temporaryDirectory ?? ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        let space = SpillSpace(directory: dir)
        space.failAfterBytes = spillFailAfterBytes
        report("external build: the input outgrows the memory limit (\(memoryLimit >> 20) MiB); sorting on disk in \(dir)")
        let sorter = newSorter(space)
        let pinIDs = pins.idsByNumber(), boardIDs = boards.idsByNumber()
        pins = IDInterner(bits: 1)  // unused from here on
        boards = IDInterner(bits: 1)
        scores = nil
        try edges.consume { e in try sorter.add(pinIDs[Int(e >> 32)], boardIDs[Int(e & 0xFFFF_FFFF)]) }
        spilled = (sorter, space)
    }

    /// The graph from the spilled edges, its arrays in temporary files.
    func compileExternal(_ sorter: ExternalSorter, _ space: SpillSpace) throws -> CompiledGraph {
        let chunkBytes = externalChunkBytes
        let inputEdges = sorter.added
        let hasAttributes = !pinAttributes.isEmpty
        let names = attributeNames.map { $0.sortedNames() }
        func recode(_ v: UInt32, _ which: Int) -> UInt32 {
            v == BW_ATTR_NONE ? v : names[which].recode[Int(v)]
        }
        func array() throws -> SpillFile { try SpillFile(space, bufferBytes: 256 << 10) }
        let maxNodes = "a graph holds at most \(BW_MAX_NODES_VALUE) pins and as many boards"
        // The runs of two sorts at once, the arrays and the graph file (about 10 bytes per edge).
        try space.check(needs: sorter.spilledBytes * 2 + inputEdges * 12, for: "the external build")

        // 1. By pin.
        report("merging edges by pin")
        var byPin: MergeStream? = try sorter.finish()  // released after its pass, freeing its runs' disk
        let byBoard = newSorter(space)
        let pinIDs = try array(), pinOffsets = try array()
        let pinAttrs = try array()
        var pinTitles = try TitleSink(titles[0], space, chunkBytes)
        var pins = 0, edges = 0, maxPin = 0, degree = 0, attributed = 0
        var fingerprint: UInt64 = 0
        var pin: UInt64 = 0, attrs = BW_ATTRS_NONE
        try pinOffsets.append(value: UInt64(0))
        while let (p, b) = try byPin!.next() {
            if pins == 0 || p != pin {
                if pins > 0 {
                    try pinOffsets.append(value: UInt64(edges))
                    maxPin = max(maxPin, degree)
                }
                guard UInt64(pins) < BW_MAX_NODES_VALUE else { throw BoardwalkError.limitExceeded(maxNodes) }
                pin = p
                degree = 0
                attrs = BW_ATTRS_NONE
                if let a = pinAttributes[p] {
                    attrs = recode(a >> 16, 0) << 16 | recode(a & 0xFFFF, 1)
                    attributed += 1
                }
                try pinIDs.append(value: p)
                try pinAttrs.append(value: attrs)
                try pinTitles?.add(p)
                pins += 1
            }
            degree += 1
            edges += 1
            fingerprint &+= bw_edge_fingerprint(p, b)
            try byBoard.add(b, (hasAttributes ? UInt64(attrs) << 32 : 0) | UInt64(pins - 1))
        }
        if pins > 0 {
            try pinOffsets.append(value: UInt64(edges))
            maxPin = max(maxPin, degree)
        }
        attributesForUnknown += pinAttributes.count - attributed
        byPin = nil

        // 2. By board.
        report("merging edges by board")
        var byBoardStream: MergeStream? = try byBoard.finish()
        let byPinIndex = newSorter(space)
        let boardIDs = try array(), boardOffsets = try array()
        let boardAdj = try array(), boardAttrs = try array()
        var boardTitles = try TitleSink(titles[1], space, chunkBytes)
        var boards = 0, written = 0, maxBoard = 0
        var board: UInt64 = 0
        var group: [UInt64] = []  // the board's (pin attributes, pin index)
        var scratch: [UInt32] = []
        func closeBoard() throws {
            let index = UInt64(boards - 1)
            let battrs = hasAttributes ? majorityAttributes(group.lazy.map { UInt32($0 >> 32) }, scratch: &scratch) : BW_ATTRS_NONE
            try boardAttrs.append(value: battrs)
            for k in group {
                try byPinIndex.add(k & 0xFFFF_FFFF, (hasAttributes ? UInt64(battrs) << 32 : 0) | index)
            }
            written += group.count
            try boardOffsets.append(value: UInt64(written))
            maxBoard = max(maxBoard, group.count)
            group.removeAll(keepingCapacity: true)
        }
        try boardOffsets.append(value: UInt64(0))
        while let (b, k) = try byBoardStream!.next() {
            if boards == 0 || b != board {
                if boards > 0 { try closeBoard() }
                guard UInt64(boards) < BW_MAX_NODES_VALUE else { throw BoardwalkError.limitExceeded(maxNodes) }
                board = b
                try boardIDs.append(value: b)
                try boardTitles?.add(b)
                boards += 1
            }
            group.append(k)
            try boardAdj.append(value: UInt32(truncatingIfNeeded: k))
        }
        if boards > 0 { try closeBoard() }
        byBoardStream = nil

        // 3. The pins' adjacency.
        report("merging edges by pin index")
        let pinAdj = try array()
        do {
            let stream = try byPinIndex.finish()
            while let (_, k) = try stream.next() { try pinAdj.append(value: UInt32(truncatingIfNeeded: k)) }
        }

        let g = CompiledGraph(pins: pins, boards: boards, inputEdges: inputEdges)
        g.edges = edges
        g.duplicates = inputEdges - edges
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
        g.buildRecord = buildRecord(g, chunkBytes: chunkBytes)
        g.invalidLines = invalid
        g.watermark = watermark?.value
        return g
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
                for _ in 0..<pad { try bytes.append(0) }
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
