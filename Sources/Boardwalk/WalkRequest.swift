// WalkRequest: one query as a JSON object — the line format of
// `boardwalk query --batch` — decoded and checked in one place, so that the
// tool, services taking JSON queries and the fuzzers share one parser.
import Foundation

/// One walk or scoring request decoded from a JSON object, the format of a
/// line of `boardwalk query --batch`:
///
///     {"pins": {"ID": WEIGHT, …}, "boards": {"ID": WEIGHT, …},
///      "candidates": [ID, …], "exclude": [ID, …], "seed": ID,
///      "language": "en", "topic": "travel", "bias": 1, "steps": N,
///      "restart": 0.9, "top": 100, "early_stop": [NP, NV] or false,
///      "boost": true, "include_boards": false, "lenient": false,
///      "time_budget_ms": 5, "popularity_penalty": 0.7,
///      "method": "walk" or "exact", "exponent": 1}
///
/// Every field is optional. Ids (and `seed` and `steps`) are JSON numbers or
/// strings of digits; the keys of `pins` and `boards` are strings of digits,
/// and keys naming the same id add their weights. Fields given override the
/// defaults passed to ``init(json:defaults:)``; `language` or `topic` without
/// `bias` sets the bias to 1. Unknown fields are ignored.
///
/// Decoding checks the JSON, the types and the ids; the ranges of the walk
/// parameters (steps, restart, top, bias …) and the weights are checked when
/// the request runs, by ``Graph/walk(pins:boards:parameters:exclude:)`` or
/// ``Graph/score(candidates:pins:boards:parameters:)``.
public struct WalkRequest: Sendable, Equatable {
    /// Weighted query pins.
    public var pins: [PinID: Double]
    /// Weighted query boards.
    public var boards: [BoardID: Double]
    /// Pins to score, in order, instead of recommending; nil for a recommendation.
    public var candidates: [PinID]?
    /// Pins never to recommend.
    public var exclude: [PinID]
    /// The walk parameters: the defaults with the request's fields applied.
    public var parameters: WalkParameters

    /// The longest time budget a request may give, in milliseconds (about
    /// 584 years: the C library's limit of 2^64 - 1 nanoseconds).
    public static let maxTimeBudgetMilliseconds: Double = Double(UInt64.max / 1_000_000)

    /// A request made in code.
    public init(pins: [PinID: Double] = [:], boards: [BoardID: Double] = [:], candidates: [PinID]? = nil,
                exclude: [PinID] = [], parameters: WalkParameters = WalkParameters()) {
        self.pins = pins
        self.boards = boards
        self.candidates = candidates
        self.exclude = exclude
        self.parameters = parameters
    }

    /// Decodes one JSON object, applying its fields over `defaults`.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` with a message for
    ///   people (`invalid JSON: …`, `invalid field top: …`, `"x" is not an
    ///   unsigned 64-bit id` …) when the text is not valid JSON, a field has
    ///   the wrong type, an id is not an unsigned 64-bit integer, or
    ///   `time_budget_ms` is not a positive number of milliseconds up to
    ///   ``maxTimeBudgetMilliseconds``.
    public init(json: Data, defaults: WalkParameters = WalkParameters()) throws {
        let q: RequestJSON
        do {
            q = try JSONDecoder().decode(RequestJSON.self, from: json)
        } catch let DecodingError.dataCorrupted(ctx) {
            throw BoardwalkError.invalidArgument("invalid JSON: \(ctx.debugDescription)")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw BoardwalkError.invalidArgument(
                "invalid field \(ctx.codingPath.map(\.stringValue).joined(separator: ".")): \(ctx.debugDescription)")
        } catch {
            throw BoardwalkError.invalidArgument("invalid query: \(error)")
        }
        var p = defaults
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
        if let m = q.method {
            guard let method = WalkParameters.Method(rawValue: m) else {
                throw BoardwalkError.invalidArgument("method must be \"walk\" or \"exact\", not \"\(m)\"")
            }
            p.method = method
        }
        if let e = q.exponent { p.exponent = e }
        if let ms = q.time_budget_ms {
            guard ms > 0, ms.isFinite else { throw BoardwalkError.invalidArgument("time_budget_ms must be positive") }
            guard ms <= WalkRequest.maxTimeBudgetMilliseconds else {
                throw BoardwalkError.invalidArgument(
                    "time_budget_ms must be at most \(UInt64(WalkRequest.maxTimeBudgetMilliseconds))")
            }
            p.timeBudget = .microseconds(Int64(ms * 1000))
        }
        self.init(pins: try Self.ids(q.pins, PinID.init(rawValue:)), boards: try Self.ids(q.boards, BoardID.init(rawValue:)),
                  candidates: q.candidates?.map { PinID($0.value) }, exclude: (q.exclude ?? []).map { PinID($0.value) },
                  parameters: p)
    }

    private static func ids<K>(_ dict: [String: Double]?, _ make: (UInt64) -> K) throws -> [K: Double] {
        var out: [K: Double] = [:]
        for (k, w) in dict ?? [:] {
            guard let id = UInt64(k.trimmingCharacters(in: .whitespaces)) else {
                throw BoardwalkError.invalidArgument("\"\(k)\" is not an unsigned 64-bit id")
            }
            out[make(id), default: 0] += w
        }
        return out
    }
}

/// The JSON shape of a request; field names as on the wire.
private struct RequestJSON: Decodable {
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
    var early_stop: EarlyStopJSON?
    var boost: Bool?
    var include_boards: Bool?
    var lenient: Bool?
    var time_budget_ms: Double?
    var popularity_penalty: Double?
    var method: String?
    var exponent: Double?
}

/// An id given as a JSON number or a string of digits.
private struct FlexibleID: Decodable {
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
private struct EarlyStopJSON: Decodable {
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
