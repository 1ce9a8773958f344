// Fuzz target: the bytes as `boardwalk query --batch` input. Each line (the
// CLI's framing: split at \n, blank lines skipped) is decoded by WalkRequest
// — the code the CLI uses — and run as the CLI runs it, on the sample graph
// (Graphs/sample with titles and attributes) built once at start, with the
// step budget capped at 2,000 so that a run stays fast.
//
// Nothing may trap or read out of bounds, a bad request must be a
// BoardwalkError, and an answer must respect the request: no more than `top`
// results, best first, no query or excluded pin, one score per candidate.
import Boardwalk
import Foundation
import FuzzSupport

/// The sample graph, built into the scratch directory and opened; the file
/// is unlinked at once (the open graph keeps its mapping).
private let graph: Graph = {
    let sample = repositoryRoot + "/Graphs/sample"
    let path = scratchDirectory + "/sample.bwg"
    do {
        let b = try GraphBuilder()
        try b.addEdges(from: sample + "/edges.tsv")
        try b.addTitles(from: sample + "/pin-titles.tsv", kind: .pin)
        try b.addTitles(from: sample + "/board-titles.tsv", kind: .board)
        try b.addPinAttributes(from: sample + "/pin-attributes.tsv")
        _ = try b.build(to: path)
        let g = try Graph(path: path)
        try? FileManager.default.removeItem(atPath: path)
        return g
    } catch {
        fatalError("cannot build the sample graph from \(sample) (set BOARDWALK_ROOT?): \(error)")
    }
}()

private let stepCap: UInt64 = 2000

private let defaults: WalkParameters = {
    var p = WalkParameters()
    p.steps = stepCap
    return p
}()

private func answer(_ line: Data) {
    let request: WalkRequest
    do {
        request = try WalkRequest(json: line, defaults: defaults)
    } catch {
        expectBoardwalkError(error, "WalkRequest(json:)")
        invariant("\(error)".count > 0, "an empty error message")
        return
    }
    var p = request.parameters
    // Cap the work, but keep an out-of-range budget out of range so that its
    // validation runs: up to 10^9 steps (the C library's limit, BW_MAX_STEPS)
    // become the cap, more become UInt64.max.
    if p.steps > stepCap { p.steps = p.steps <= 1_000_000_000 ? stepCap : .max }
    do {
        if let candidates = request.candidates {
            let scores = try graph.score(candidates: candidates, pins: request.pins, boards: request.boards, parameters: p)
            invariant(scores.count == candidates.count, "\(scores.count) scores for \(candidates.count) candidates")
            invariant(scores.allSatisfy { $0.isFinite && $0 >= 0 }, "a score is negative or not finite: \(scores)")
            return
        }
        let r = try graph.walk(pins: request.pins, boards: request.boards, parameters: p, exclude: request.exclude)
        let recs = r.recommendations
        invariant(recs.count <= p.top, "\(recs.count) results for top \(p.top)")
        // The exact method reports adjacency entries read, which no step
        // budget bounds (boardwalk.h, bw_results_steps).
        if p.method == .walk {
            invariant(r.steps <= p.steps, "\(r.steps) steps walked for a budget of \(p.steps)")
        }
        for (a, b) in zip(recs, recs.dropFirst()) {
            invariant(a.score >= b.score, "results out of order: \(a.score) before \(b.score)")
        }
        let excluded = Set(request.exclude)
        for rec in recs {
            invariant(rec.score.isFinite && rec.score >= 0, "score \(rec.score)")
            invariant(rec.visits > 0, "a result without visits")
            if let pin = rec.pin {
                invariant(!excluded.contains(pin), "excluded pin \(pin) recommended")
                invariant(request.pins[pin] == nil, "query pin \(pin) recommended")
            } else {
                invariant(p.includeBoards, "a board result without include_boards")
            }
        }
    } catch {
        expectBoardwalkError(error, "walk/score")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBatch(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _ = graph
    guard size > 0, let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: true) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
        answer(Data(line))
    }
    return 0
}
