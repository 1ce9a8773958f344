// Compiling what a GraphBuilder gathered into the arrays of a graph file:
// ids sorted, edges sorted and deduplicated, pruning, the transposed board
// lists, attributes (boards by majority), titles and the build record.
import CBoardwalk

extension GraphBuilder {
    /// Everything added, as the arrays and records of a graph file.
    func compile() throws -> CompiledGraph {
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
