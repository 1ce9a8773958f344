// JSON Lines batch queries: one JSON object in, one JSON object out, and a
// line that cannot be answered gives {"error": …} without stopping the batch.
import Boardwalk
import Foundation

enum BatchRunner {
    static let maxLineBytes = 16 << 20

    static func error(_ message: String) -> String { BatchJSON.error(message) }

    /// The answer line for one input line; with `titles`, results carry
    /// their titles; with `live` (whose base is `g`), walks see its live
    /// edges. A line's `"ranker"` is loaded through `rankers` (once per path).
    static func answer(_ line: Data, graph g: Graph, live: LiveGraph? = nil, base: WalkParameters, titles: Bool = false,
                       rankers: RankerCache = RankerCache()) -> String {
        do {
            // Decoding and validation live in the library (WalkRequest), shared with services and the fuzzers.
            let q = try WalkRequest(json: line, defaults: base)
            var p = q.parameters
            if let path = q.rankerPath { p.ranker = try rankers.ranker(path) }
            if let candidates = q.candidates {
                let start = DispatchTime.now()
                let s = try live.map { try $0.candidateScores(candidates, pins: q.pins, boards: q.boards, parameters: p) }
                    ?? g.candidateScores(candidates, pins: q.pins, boards: q.boards, parameters: p)
                let us = (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1000
                return BatchJSON.scores(s.scores, features: s.features, elapsedMicroseconds: us)
            }
            let r = try live.map { try $0.walk(pins: q.pins, boards: q.boards, parameters: p, exclude: q.exclude) }
                ?? g.walk(pins: q.pins, boards: q.boards, parameters: p, exclude: q.exclude)
            return resultJSON(r, g: g, titles: titles)
        } catch {
            return self.error("\(error)")
        }
    }
}

/// The model files batch lines name, each loaded once (a failure too: a
/// batch of 10,000 lines naming a missing file reads it once).
final class RankerCache {
    private var loaded: [String: Result<Ranker, Error>] = [:]

    func ranker(_ path: String) throws -> Ranker {
        if let r = loaded[path] { return try r.get() }
        let r = Result { try Ranker(path: path) }
        loaded[path] = r
        return try r.get()
    }
}
