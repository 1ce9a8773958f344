// Fuzz target: edge-list files, read by GraphBuilder exactly as
// `boardwalk build` reads them (LineReader's line splitting, gzip detection
// and line limit; EdgeParser's comments, header, columns, ids, scores and
// invalid-line budget).
//
// The first byte of the input chooses the options; the rest is the file:
//   bits 0-1  columns (pin, board, score): (1, 2, -), (2, 1, 3), (1, 3, 2), (3, 1, -)
//   bits 2-3  invalid-line budget: 0, 1, 3, 1000
//   bit  4    line limit: 64 bytes (the smallest BuildOptions accepts, so
//             that the limit is reachable with short inputs), else 1 MiB
//   bit  5    also read the file as pin titles, board titles and pin
//             attributes, build a graph with 64-byte chunks, reopen it with
//             full verification and read every node back
//   bit  6    with bit 5: pruning rules on
// ('0' … '?' are bits 4-5 set: short lines and a build; '@' … 'O' nothing extra.)
//
// Nothing may trap or read out of bounds, bad input must come back as a
// BoardwalkError, and a graph that builds must open, verify and agree with
// the build summary. One builder per input: a GraphBuilder costs about 2 MiB
// of hash tables, which dominates the time of a run.
import Boardwalk
import Foundation
import FuzzSupport

private let columns: [(Int, Int, Int?)] = [(1, 2, nil), (2, 1, 3), (1, 3, 2), (3, 1, nil)]
private let budgets = [0, 1, 3, 1000]

private func run(options byte: UInt8, input: String) {
    var o = BuildOptions()
    (o.pinColumn, o.boardColumn, o.scoreColumn) = columns[Int(byte & 3)]
    o.maxInvalidLines = budgets[Int(byte >> 2 & 3)]
    o.maxLineBytes = byte & 0x10 != 0 ? 64 : 1 << 20
    let build = byte & 0x20 != 0
    o.chunkBytes = 64
    if build && byte & 0x40 != 0 {
        o.pruning.maxBoardEntropy = 1
        o.pruning.maxBoardDegree = 3
        o.pruning.pinDegreeExponent = 0.5
        o.pruning.maxPinDegree = 2
        o.pruning.minBoardDegree = 2
        o.pruning.minPinDegree = 1
    }
    let builder: GraphBuilder
    do {
        builder = try GraphBuilder(options: o)
    } catch {
        invariant(false, "the fuzz options are valid: \(error)")
        return
    }
    do {
        try builder.addEdges(from: input)
    } catch {
        expectBoardwalkError(error, "addEdges")
        return
    }
    guard build else { return }
    for kind in NodeKind.allCases {
        do { try builder.addTitles(from: input, kind: kind) } catch { expectBoardwalkError(error, "addTitles") }
    }
    do { try builder.addPinAttributes(from: input) } catch { expectBoardwalkError(error, "addPinAttributes") }

    let output = scratchDirectory + "/graph.bwg"
    let summary: BuildSummary
    do {
        summary = try builder.build(to: output)
    } catch {
        expectBoardwalkError(error, "build")
        return
    }
    // Each of the three reads after the edges may end one line past the budget.
    invariant(summary.invalidLines <= o.maxInvalidLines + 3, "\(summary.invalidLines) invalid lines, over the budget")
    invariant(summary.inputEdges <= summary.lines, "more edges than lines")
    invariant(summary.edges + summary.duplicateEdges <= summary.inputEdges, "more distinct edges than input edges")
    let graph: Graph
    do {
        graph = try Graph(path: output, options: .verify)
    } catch {
        invariant(false, "a graph the builder wrote does not open and verify: \(error)")
        return
    }
    let s = graph.stats
    invariant(s.pins == UInt64(summary.pins) && s.boards == UInt64(summary.boards) && s.edges == UInt64(summary.edges),
              "the graph's counts \(s.pins)/\(s.boards)/\(s.edges) differ from the summary's "
                  + "\(summary.pins)/\(summary.boards)/\(summary.edges)")
    // Every node's lists, title and attributes read back, and agree.
    var edges = 0
    for i in 0..<UInt32(s.pins) {
        do {
            let p = try graph.pin(at: i)
            let boards = try graph.boards(of: p)
            invariant(!boards.isEmpty, "pin \(p) has no board")
            edges += boards.count
            for b in boards {
                let pins = try graph.pins(of: b)
                invariant(pins.contains(p), "pin \(p) missing from board \(b)")
                _ = graph.title(of: b)
            }
            _ = graph.title(of: p)
            if s.hasAttributes { _ = try graph.attributes(of: p) }
        } catch {
            invariant(false, "reading pin \(i) back failed: \(error)")
        }
    }
    invariant(edges == summary.edges, "\(edges) edges read back, \(summary.edges) built")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEdges(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    run(options: data[0], input: writeInput(data + 1, size - 1))
    return 0
}
