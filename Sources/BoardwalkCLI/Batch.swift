// JSON Lines batch queries: one JSON object in, one JSON object out, and a
// line that cannot be answered gives {"error": …} without stopping the batch.
import Boardwalk
import Foundation

/// An id given as a JSON number or a string of digits.
struct FlexibleID: Decodable {
    let value: UInt64
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let v = try? c.decode(UInt64.self) {
            value = v
        } else if let s = try? c.decode(String.self), let v = UInt64(s) {
            value = v
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "an id must be an unsigned 64-bit integer or a string of digits")
        }
    }
}

/// early_stop: [NP, NV] or false.
struct EarlyStopSpec: Decodable {
    let value: WalkParameters.EarlyStop?
    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self), b == false {
            value = nil
        } else if let a = try? c.decode([UInt32].self), a.count == 2, a[0] >= 1, a[1] >= 1 {
            value = .init(np: a[0], nv: a[1])
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "early_stop must be [NP, NV] or false")
        }
    }
}

struct BatchLine: Decodable {
    var pins: [String: Double]?
    var boards: [String: Double]?
    var candidates: [FlexibleID]?
    var exclude: [FlexibleID]?
    var seed: FlexibleID?
    var language: String?
    var topic: String?
    var bias: Double?
    var steps: FlexibleID?
    var restart: Double?
    var top: Int?
    var early_stop: EarlyStopSpec?
    var boost: Bool?
    var include_boards: Bool?
    var lenient: Bool?
    var time_budget_ms: Double?
    var popularity_penalty: Double?
}

enum BatchRunner {
    static let maxLineBytes = 16 << 20

    static func error(_ message: String) -> String { "{\"error\":\(jsonString(message))}" }

    static func ids<K>(_ dict: [String: Double]?, _ make: (UInt64) -> K) throws -> [K: Double] {
        var out: [K: Double] = [:]
        for (k, w) in dict ?? [:] {
            guard let id = UInt64(k.trimmingCharacters(in: .whitespaces)) else {
                throw BoardwalkError.invalidArgument("\"\(k)\" is not an unsigned 64-bit id")
            }
            out[make(id), default: 0] += w
        }
        return out
    }

    /// The answer line for one input line.
    static func answer(_ line: Data, graph g: Graph, base: WalkParameters) -> String {
        let q: BatchLine
        do {
            q = try JSONDecoder().decode(BatchLine.self, from: line)
        } catch let DecodingError.dataCorrupted(ctx) {
            return error("invalid JSON: \(ctx.debugDescription)")
        } catch let DecodingError.typeMismatch(_, ctx) {
            return error("invalid field \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        } catch {
            return self.error("invalid query: \(error)")
        }
        do {
            var p = base
            if let s = q.seed { p.seed = s.value }
            if let s = q.steps { p.steps = s.value }
            if let r = q.restart { p.restart = r }
            if let t = q.top { p.top = t }
            if let e = q.early_stop { p.earlyStop = e.value }
            if let b = q.boost { p.boost = b }
            if let l = q.language { p.language = l }
            if let t = q.topic { p.topic = t }
            if let b = q.bias { p.bias = b } else if q.language != nil || q.topic != nil { p.bias = 1 }
            if let b = q.include_boards { p.includeBoards = b }
            if let l = q.lenient { p.lenient = l }
            if let b = q.popularity_penalty { p.popularityPenalty = b }
            if let ms = q.time_budget_ms {
                guard ms > 0, ms.isFinite else { return error("time_budget_ms must be positive") }
                p.timeBudget = .microseconds(Int64(ms * 1000))
            }
            let pins = try ids(q.pins, PinID.init(rawValue:))
            let boards = try ids(q.boards, BoardID.init(rawValue:))
            if let candidates = q.candidates {
                let start = DispatchTime.now()
                let scores = try g.score(candidates: candidates.map { PinID($0.value) }, pins: pins, boards: boards, parameters: p)
                let us = (DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1000
                return "{\"scores\":[" + scores.map(jsonNumber).joined(separator: ",") + "],\"elapsed_us\":\(us)}"
            }
            let r = try g.walk(pins: pins, boards: boards, parameters: p, exclude: (q.exclude ?? []).map { PinID($0.value) })
            return resultJSON(r, g: nil, titles: false)
        } catch {
            return self.error("\(error)")
        }
    }
}
