// Compiling what a GraphBuilder gathered into the arrays of a graph file:
// ids sorted, edges sorted and deduplicated, pruning, the transposed board
// lists, attributes (boards by majority), titles and the build record.
import CBoardwalk

extension GraphBuilder {
    /// Everything added, as the arrays and records of a graph file, in named
    /// steps: sort ids, sort and collapse edges, prune, transpose, attributes,
    /// arrays and titles, the build record.
    func compile() throws -> CompiledGraph {
        let rules = options.pruning
        if rules.maxBoardEntropy != nil && pinAttributes.isEmpty {
            throw BoardwalkError.invalidArgument("the board entropy rule needs pin topics (pin attributes)")
        }
        report("sorting ids")
        let (pinIDs, pinRank) = pins.sortedIDs()
        let (boardIDs, boardRank) = boards.sortedIDs()
        let inputEdges = edges.count

        report("sorting edges")
        let sorted = sortEdges(pinRank: pinRank, boardRank: boardRank, pinBits: bitsFor(pinIDs.count),
                               boardBits: bitsFor(boardIDs.count), keepScores: !rules.isEmpty)
        defer { sorted.keys.deallocate() }
        defer { sorted.scores?.deallocate() }

        report("building adjacency")
        var a = collapseDuplicates(sorted, count: inputEdges, boardBits: bitsFor(boardIDs.count),
                                   pinIDs: pinIDs, boardIDs: boardIDs)
        let duplicates = inputEdges - a.pinAdj.count
        var pruning: [PruningReport] = []
        if !rules.isEmpty {
            report("pruning")
            pruning = try prune(&a, rules: rules, pinRank: pinRank)
        }
        let g = CompiledGraph(pins: a.pinIDs.count, boards: a.boardIDs.count, inputEdges: inputEdges)
        g.edges = a.pinAdj.count
        g.duplicates = duplicates
        g.fingerprint = a.fingerprint
        g.pruning = pruning

        let (boardOffsets, boardAdj) = transpose(a)

        report("attributes")
        let (pinAttrs, boardAttrs) = attributes(a, boardOffsets: boardOffsets, boardAdj: boardAdj, pinRank: pinRank, into: g)

        let np = a.pinIDs.count, nb = a.boardIDs.count
        var maxPin = 0, maxBoard = 0
        for p in 0..<np { maxPin = max(maxPin, Int(a.pinOffsets[p + 1] - a.pinOffsets[p])) }
        for b in 0..<nb { maxBoard = max(maxBoard, Int(boardOffsets[b + 1] - boardOffsets[b])) }
        g.maxPinDegree = maxPin
        g.maxBoardDegree = maxBoard

        g.arrays[Int(BW_ARRAY_PIN_IDS.rawValue)] = a.pinIDs.bytes
        g.arrays[Int(BW_ARRAY_BOARD_IDS.rawValue)] = a.boardIDs.bytes
        g.arrays[Int(BW_ARRAY_PIN_OFFSETS.rawValue)] = a.pinOffsets.bytes
        g.arrays[Int(BW_ARRAY_PIN_ADJ.rawValue)] = a.pinAdj.bytes
        g.arrays[Int(BW_ARRAY_BOARD_OFFSETS.rawValue)] = boardOffsets.bytes
        g.arrays[Int(BW_ARRAY_BOARD_ADJ.rawValue)] = boardAdj.bytes
        g.arrays[Int(BW_ARRAY_PIN_ATTRS.rawValue)] = pinAttrs.bytes
        g.arrays[Int(BW_ARRAY_BOARD_ATTRS.rawValue)] = boardAttrs.bytes
        g.keepAlive = [a.pinIDs, a.boardIDs, a.pinOffsets, a.pinAdj, boardOffsets, boardAdj, pinAttrs, boardAttrs]
        layOutTitles(pinIDs: a.pinIDs, boardIDs: a.boardIDs, into: g)
        g.buildRecord = buildRecord(g, chunkBytes: options.chunkBytes)
        g.invalidLines = invalid
        g.watermark = watermark?.value
        g.chunkBytes = options.chunkBytes
        return g
    }

    /// The JSON build record of `g`.
    func buildRecord(_ g: CompiledGraph, chunkBytes: UInt64) -> BuildRecord {
        BuildRecord(
            builder: "boardwalk \(String(cString: bw_libversion()))",
            inputs: inputs, chunkBytes: chunkBytes, maxInvalidLines: options.maxInvalidLines,
            pinColumn: options.pinColumn, boardColumn: options.boardColumn,
            inputColumns: inputColumns.allSatisfy { $0 == [options.pinColumn, options.boardColumn] } ? nil : inputColumns,
            lines: lines, inputEdges: g.inputEdges, duplicateEdges: g.duplicates, invalidLines: invalid,
            pinTitles: g.titleCounts[0], boardTitles: g.titleCounts[1],
            attributedPins: g.attributedPins, scoreColumn: options.scoreColumn, timeColumn: options.timeColumn,
            watermark: watermark?.value, watermarkSource: watermark?.source,
            pruningRules: options.pruning.isEmpty ? nil : options.pruning, pruning: g.pruning.isEmpty ? nil : g.pruning)
    }

    /// The edges as final indices packed `pin << boardBits | board`, sorted:
    /// each pin's boards come out grouped and ascending, and duplicates
    /// adjacent. With `keepScores`, the scores (matter only to pruning)
    /// travel with their edges through the sort. The caller deallocates both.
    private func sortEdges(pinRank: FlatBuffer<UInt32>, boardRank: FlatBuffer<UInt32>, pinBits: Int, boardBits: Int,
                           keepScores: Bool) -> SortedEdges {
        let inputEdges = edges.count
        let packed = edges.drain { e in
            UInt64(pinRank[Int(e >> 32)]) << UInt64(boardBits) | UInt64(boardRank[Int(e & 0xFFFF_FFFF)])
        }
        let scoreValues = keepScores ? scores?.drain { $0 } : nil
        scores = nil
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: max(inputEdges, 1))
        let scoreScratch = scoreValues.map { _ in UnsafeMutablePointer<UInt64>.allocate(capacity: max(inputEdges, 1)) }
        let sorted = radixSort(packed, scratch: scratch, count: inputEdges, bits: pinBits + boardBits,
                               payload: scoreValues.map { ($0, scoreScratch!) })
        (sorted == packed ? scratch : packed).deallocate()
        let sortedScores = scoreValues.map { sorted == packed ? $0 : scoreScratch! }
        if let scoreValues { (sortedScores == scoreValues ? scoreScratch! : scoreValues).deallocate() }
        return SortedEdges(keys: sorted, scores: sortedScores)
    }

    /// The pins' adjacency lists from the sorted edges: a repeated edge once,
    /// keeping its highest score; and the fingerprint of the edge set.
    private func collapseDuplicates(_ sorted: SortedEdges, count inputEdges: Int, boardBits: Int,
                                    pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>) -> Adjacency {
        let np = pinIDs.count
        let boardMask = (UInt64(1) << UInt64(boardBits)) - 1
        let pinOffsets = FlatBuffer<UInt64>(repeating: 0, count: np + 1)
        let pinAdj = FlatBuffer<UInt32>(capacity: inputEdges)
        let edgeScores = sorted.scores.map { _ in FlatBuffer<Double>(capacity: inputEdges) }
        var fingerprint: UInt64 = 0
        var previous = UInt64.max
        for i in 0..<inputEdges {
            let k = sorted.keys[i]
            if k == previous {
                if let edgeScores, let sortedScores = sorted.scores {  // a repeat keeps the highest score
                    let last = edgeScores.count - 1
                    edgeScores[last] = max(edgeScores[last], Double(bitPattern: sortedScores[i]))
                }
                continue
            }
            previous = k
            let p = Int(k >> UInt64(boardBits)), b = Int(k & boardMask)
            pinAdj.append(UInt32(b))
            edgeScores?.append(Double(bitPattern: sorted.scores![i]))
            pinOffsets[p + 1] += 1
            fingerprint &+= bw_edge_fingerprint(pinIDs[p], boardIDs[b])
        }
        for p in 0..<np { pinOffsets[p + 1] += pinOffsets[p] }
        return Adjacency(pinIDs: pinIDs, boardIDs: boardIDs, pinOffsets: pinOffsets, pinAdj: pinAdj,
                         scores: edgeScores, fingerprint: fingerprint)
    }

    /// Applies the pruning rules to `a` (nodes left without edges go; the
    /// fingerprint is recomputed) and returns what each rule removed.
    private func prune(_ a: inout Adjacency, rules: PruningRules, pinRank: FlatBuffer<UInt32>) throws -> [PruningReport] {
        guard a.pinAdj.count <= Int(UInt32.max) else {
            throw BoardwalkError.limitExceeded(
                "pruning in one build handles at most \(UInt32.max) distinct edges; prune with Tools/spark/prepare_edges.py")
        }
        var pinTopic: FlatBuffer<UInt32>?
        if rules.maxBoardEntropy != nil {
            let topics = FlatBuffer<UInt32>(repeating: BW_ATTR_NONE, count: a.pinIDs.count)
            for (id, attrs) in pinAttributes {
                if let p = pins.find(id), attrs & 0xFFFF != BW_ATTR_NONE { topics[Int(pinRank[Int(p)])] = attrs & 0xFFFF }
            }
            pinTopic = topics
        }
        let (alive, reports) = pruneEdges(
            rules: rules, pinOffsets: a.pinOffsets, pinAdj: a.pinAdj, scores: a.scores,
            pinIDs: a.pinIDs, boardIDs: a.boardIDs, pinTopic: pinTopic)
        let kept = compactGraph(alive: alive, pinOffsets: a.pinOffsets, pinAdj: a.pinAdj,
                                pinIDs: a.pinIDs, boardIDs: a.boardIDs, pinRank: pinRank)
        (a.pinOffsets, a.pinAdj, a.pinIDs, a.boardIDs) = (kept.pinOffsets, kept.pinAdj, kept.pinIDs, kept.boardIDs)
        var fingerprint: UInt64 = 0
        for p in 0..<a.pinIDs.count {
            for e in Int(a.pinOffsets[p])..<Int(a.pinOffsets[p + 1]) {
                fingerprint &+= bw_edge_fingerprint(a.pinIDs[p], a.boardIDs[Int(a.pinAdj[e])])
            }
        }
        a.fingerprint = fingerprint
        return reports
    }

    /// The boards' adjacency lists: scanning pins in order fills each
    /// board's list ascending.
    private func transpose(_ a: Adjacency) -> (offsets: FlatBuffer<UInt64>, adj: FlatBuffer<UInt32>) {
        let np = a.pinIDs.count, nb = a.boardIDs.count
        let boardOffsets = FlatBuffer<UInt64>(repeating: 0, count: nb + 1)
        for e in 0..<a.pinAdj.count { boardOffsets[Int(a.pinAdj[e]) + 1] += 1 }
        for b in 0..<nb { boardOffsets[b + 1] += boardOffsets[b] }
        let boardAdj = FlatBuffer<UInt32>(repeating: 0, count: a.pinAdj.count)
        let cursor = FlatBuffer<UInt64>(repeating: 0, count: nb)
        for b in 0..<nb { cursor[b] = boardOffsets[b] }
        for p in 0..<np {
            for e in Int(a.pinOffsets[p])..<Int(a.pinOffsets[p + 1]) {
                let b = Int(a.pinAdj[e])
                boardAdj[Int(cursor[b])] = UInt32(p)
                cursor[b] += 1
            }
        }
        return (boardOffsets, boardAdj)
    }

    /// Attributes: pins' from the input; boards' by majority; then each
    /// list is ordered by (neighbour attributes, neighbour index). Records
    /// the attributed pins and the value names in `g`.
    private func attributes(_ a: Adjacency, boardOffsets: FlatBuffer<UInt64>, boardAdj: FlatBuffer<UInt32>,
                            pinRank: FlatBuffer<UInt32>, into g: CompiledGraph)
        -> (pins: FlatBuffer<UInt32>, boards: FlatBuffer<UInt32>)
    {
        let pinAttrs = FlatBuffer<UInt32>(repeating: BW_ATTRS_NONE, count: a.pinIDs.count)
        let boardAttrs = FlatBuffer<UInt32>(repeating: BW_ATTRS_NONE, count: a.boardIDs.count)
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
            sortByAttributes(a.pinOffsets, a.pinAdj, boardAttrs)
            sortByAttributes(boardOffsets, boardAdj, pinAttrs)
        }
        g.attributeNames = names.map { $0.names }
        return (pinAttrs, boardAttrs)
    }

    /// The title arrays of pins and boards that have titles, laid out by node index.
    private func layOutTitles(pinIDs: FlatBuffer<UInt64>, boardIDs: FlatBuffer<UInt64>, into g: CompiledGraph) {
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
    }
}

/// Edge keys after the sort, with their scores when pruning needs them.
private struct SortedEdges {
    var keys: UnsafeMutablePointer<UInt64>
    var scores: UnsafeMutablePointer<UInt64>?
}

/// The pins' side of the graph between compile steps: node ids by index,
/// each pin's boards, the edges' scores (for pruning) and the fingerprint.
private struct Adjacency {
    var pinIDs: FlatBuffer<UInt64>
    var boardIDs: FlatBuffer<UInt64>
    var pinOffsets: FlatBuffer<UInt64>
    var pinAdj: FlatBuffer<UInt32>
    var scores: FlatBuffer<Double>?
    var fingerprint: UInt64
}

/// Majority language and majority topic of each board's pins (pins with an
/// unknown value do not vote; ties go to the smaller code).
private func majorityAttributes(
    _ offsets: FlatBuffer<UInt64>, _ adj: FlatBuffer<UInt32>, _ pinAttrs: FlatBuffer<UInt32>,
    into boardAttrs: FlatBuffer<UInt32>
) {
    var scratch: [UInt32] = []
    for b in 0..<(offsets.count - 1) {
        boardAttrs[b] = majorityAttributes((Int(offsets[b])..<Int(offsets[b + 1])).lazy.map { pinAttrs[Int(adj[$0])] },
                                           scratch: &scratch)
    }
}

/// The majority language and majority topic of `attrs` (unknown values do
/// not vote; ties go to the smaller code).
func majorityAttributes<S: Sequence>(_ attrs: S, scratch: inout [UInt32]) -> UInt32 where S.Element == UInt32 {
    var result: UInt32 = 0
    for shift: UInt32 in [16, 0] {
        scratch.removeAll(keepingCapacity: true)
        for a in attrs {
            let v = (a >> shift) & 0xFFFF
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
    return result
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
