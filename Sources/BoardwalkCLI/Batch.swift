// JSON Lines batch queries: one JSON object in, one JSON object out, and a
// line that cannot be answered gives {"error": …} without stopping the batch.
import Boardwalk
import Foundation

enum BatchRunner {
    static let maxLineBytes = 16 << 20

    static func error(_ message: String) -> String { BatchJSON.error(message) }

    /// The answer line for one input line; with `titles`, results carry
    /// their titles; with `live` (whose base is `g`), walks see its live edges.
    static func answer(_ line: Data, graph g: Graph, live: LiveGraph? = nil, base: WalkParameters, titles: Bool = false) -> String {
        do {
            // Decoding and validation live in the library (WalkRequest), shared with services and the fuzzers.
            let q = try WalkRequest(json: line, defaults: base)
            let p = q.parameters
            if let candidates = q.candidates {
                let start = DispatchTime.now()
                let scores = try live.map { try $0.score(candidates: candidates, pins: q.pins, boards: q.boards, parameters: p) }
                    ?? g.score(candidates: candidates, pins: q.pins, boards: q.boards, parameters: p)
                let us = (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1000
                return BatchJSON.scores(scores, elapsedMicroseconds: us)
            }
            let r = try live.map { try $0.walk(pins: q.pins, boards: q.boards, parameters: p, exclude: q.exclude) }
                ?? g.walk(pins: q.pins, boards: q.boards, parameters: p, exclude: q.exclude)
            return resultJSON(r, g: g, titles: titles)
        } catch {
            return self.error("\(error)")
        }
    }
}
