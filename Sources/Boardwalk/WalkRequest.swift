// WalkRequest: one query as a JSON object — the line format of
// `boardwalk query --batch` — decoded and checked in one place, so that the
// tool, services taking JSON queries and the fuzzers share one parser.
import CBoardwalk
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
///      "method": "walk" or "exact", "exponent": 1,
///      "ranker": "model.bwr", "ranker_top_n": 500, "features": true}
///
/// Every field is optional. Ids (and `seed` and `steps`) are JSON numbers or
/// strings of digits; the keys of `pins` and `boards` are strings of digits,
/// and keys naming the same id add their weights. Fields given override the
/// defaults passed to ``init(json:defaults:)``; `null` is the same as
/// leaving a field out.
///
/// An unknown field is an error that names it (a misspelt `"topp": 3` would
/// otherwise be a query that silently ignores what was asked). Fields whose
/// name starts with `x-` are ignored: they carry the caller's own data, such
/// as `"x-request-id"`.
///
/// Decoding checks the JSON, the types and the ids; a type error names its
/// field (`steps: must be an unsigned integer, not "x"`). The values
/// themselves are checked by the C library, which holds every rule once
/// (ranges, the bias a language implies, the exact method's refusal of a
/// bias), when the request runs through
/// ``Graph/walk(pins:boards:parameters:exclude:)-5uqle`` or
/// ``Graph/score(candidates:pins:boards:parameters:)-99ms``, or earlier with
/// ``WalkParameters/validate()``: its messages name the field too
/// (`restart must be in (0, 1], not 1.5`). Whether the ids are in the graph
/// and a language or topic the graph knows are checked when it runs.
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
    /// The `"ranker"` field: the path of a model file to rank with, which
    /// the caller loads (``Ranker/init(path:)``) into
    /// ``WalkParameters/ranker``; nil when the request names none.
    /// `boardwalk query --batch` does; a server refuses it (it ranks with
    /// the model it was started with).
    public var rankerPath: String?

    /// A request made in code.
    ///
    /// - Parameters:
    ///   - pins: Weighted query pins.
    ///   - boards: Weighted query boards.
    ///   - candidates: Pins to score, or nil for a recommendation.
    ///   - exclude: Pins never to recommend.
    ///   - parameters: The walk parameters.
    ///   - rankerPath: A model file to rank with, loaded by the caller.
    public init(pins: [PinID: Double] = [:], boards: [BoardID: Double] = [:], candidates: [PinID]? = nil,
                exclude: [PinID] = [], parameters: WalkParameters = WalkParameters(), rankerPath: String? = nil) {
        self.pins = pins
        self.boards = boards
        self.candidates = candidates
        self.exclude = exclude
        self.parameters = parameters
        self.rankerPath = rankerPath
    }

    /// The fields of a request, as on the wire (the names an unknown field
    /// is checked against).
    public static let fieldNames: [String] = [
        "pins", "boards", "candidates", "exclude", "seed", "language", "topic", "bias", "steps", "restart", "top",
        "early_stop", "boost", "include_boards", "lenient", "time_budget_ms", "popularity_penalty", "method", "exponent",
        "ranker", "ranker_top_n", "features",
    ]

    /// Decodes one JSON object, applying its fields over `defaults`.
    ///
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` with a message for
    ///   people when the text is not valid JSON (`invalid JSON: …`) or not an
    ///   object (`invalid query: …`), a field is unknown (`unknown field
    ///   "topp" (did you mean "top"?)`), or a field has the wrong type
    ///   (`steps: must be an unsigned integer, not -5`, `pins: "x1" is not
    ///   an unsigned 64-bit id`).
    ///
    /// - Parameters:
    ///   - json: One JSON object, UTF-8.
    ///   - defaults: The parameters of fields the request does not give.
    public init(json: Data, defaults: WalkParameters = WalkParameters()) throws {
        let q = try decodeJSON(RequestJSON.self, from: json, what: "query")
        var p = defaults
        if let s = q.seed { p.seed = s }
        if let s = q.steps { p.steps = s }
        if let r = q.restart { p.restart = r }
        if let t = q.top { p.top = t }
        if let e = q.earlyStop { p.earlyStop = e }
        if let b = q.boost { p.boost = b }
        if let l = q.language { p.language = l }
        if let t = q.topic { p.topic = t }
        if let b = q.bias { p.bias = b }
        if let b = q.includeBoards { p.includeBoards = b }
        if let l = q.lenient { p.lenient = l }
        if let b = q.popularityPenalty { p.popularityPenalty = b }
        if let m = q.method { p.method = m }
        if let e = q.exponent { p.exponent = e }
        if let t = q.timeBudget { p.timeBudgetMilliseconds = t }
        if let n = q.rankerTopN { p.rankerTopN = n }
        if let f = q.features { p.features = f }
        self.init(pins: (q.pins ?? [:]).reduce(into: [:]) { $0[PinID($1.key)] = $1.value },
                  boards: (q.boards ?? [:]).reduce(into: [:]) { $0[BoardID($1.key)] = $1.value },
                  candidates: q.candidates?.map { PinID($0) }, exclude: (q.exclude ?? []).map { PinID($0) }, parameters: p,
                  rankerPath: q.ranker)
    }
}

/// Decodes a request body whose decoder throws ``BoardwalkError``s that name
/// what is wrong; any other failure becomes one too: `invalid JSON: …` for
/// text that is not JSON, `invalid WHAT: …` otherwise. Shared by the
/// library's request types and the server's.
package func decodeJSON<T: Decodable>(_ type: T.Type, from json: Data, what: String) throws -> T {
    do {
        return try JSONDecoder().decode(type, from: json)
    } catch let e as BoardwalkError {
        throw e
    } catch let DecodingError.dataCorrupted(ctx) {
        throw BoardwalkError.invalidArgument("invalid JSON: \(ctx.debugDescription)")
    } catch {
        throw BoardwalkError.invalidArgument("invalid \(what): \(error)")
    }
}

/// A request's fields, decoded and checked one by one so that every message
/// names its field.
private struct RequestJSON: Decodable {
    var pins: [UInt64: Double]?
    var boards: [UInt64: Double]?
    var candidates: [UInt64]?
    var exclude: [UInt64]?
    var seed: UInt64?
    var language: String?
    var topic: String?
    var bias: Double?
    var steps: UInt64?
    var restart: Double?
    var top: Int?
    var earlyStop: WalkParameters.EarlyStop??
    var boost: Bool?
    var includeBoards: Bool?
    var lenient: Bool?
    var timeBudget: Double?
    var popularityPenalty: Double?
    var method: WalkParameters.Method?
    var exponent: Double?
    var ranker: String?
    var rankerTopN: Int?
    var features: Bool?

    init(from decoder: Decoder) throws {
        let c: KeyedDecodingContainer<Key>
        do {
            c = try decoder.container(keyedBy: Key.self)
        } catch {
            let found = (try? JSONValue(from: decoder)).map { " \($0.kind)" } ?? ""
            throw BoardwalkError.invalidArgument("invalid query: must be a JSON object, such as {\"pins\": {\"ID\": 1}}, not\(found.isEmpty ? " that" : found)")
        }
        for key in c.allKeys where !WalkRequest.fieldNames.contains(key.stringValue) && !key.stringValue.hasPrefix("x-") {
            throw BoardwalkError.invalidArgument(Self.unknown(key.stringValue))
        }
        /// The field's raw value, nil when absent or null.
        func value(_ name: String) throws -> JSONValue? {
            let k = Key(name)
            guard c.contains(k), try !c.decodeNil(forKey: k) else { return nil }
            return try c.decode(JSONValue.self, forKey: k)
        }
        func bad(_ name: String, _ expected: String, _ v: JSONValue) -> BoardwalkError {
            .invalidArgument("\(name): must be \(expected), not \(v)")
        }
        func number(_ name: String, _ expected: String = "a number", _ ok: (Double) -> Bool = { _ in true }) throws -> Double? {
            guard let v = try value(name) else { return nil }
            guard case .number(let x, _) = v, ok(x) else { throw bad(name, expected, v) }
            return x
        }
        /// Adds a weight to an id's; an invalid weight (for the C library
        /// to refuse by name) is kept rather than summed away.
        func add(_ old: Double?, _ x: Double) -> Double {
            guard let old else { return x }
            let valid = { (w: Double) in w.isFinite && w >= 0 }
            return valid(old) && valid(x) ? old + x : (valid(old) ? x : old)
        }
        func bool(_ name: String) throws -> Bool? {
            guard let v = try value(name) else { return nil }
            guard case .bool(let b) = v else { throw bad(name, "true or false", v) }
            return b
        }
        func string(_ name: String) throws -> String? {
            guard let v = try value(name) else { return nil }
            guard case .string(let s) = v else { throw bad(name, "a string", v) }
            return s
        }
        /// `{"ID": weight, …}`; keys naming the same id add up.
        func weights(_ name: String) throws -> [UInt64: Double]? {
            let k = Key(name)
            guard c.contains(k), try !c.decodeNil(forKey: k) else { return nil }
            // The common shape decodes directly; anything else is decoded
            // again as JSON values to say what is wrong.
            var out: [UInt64: Double] = [:]
            func id(_ key: String) throws -> UInt64 {
                guard let id = UInt64(key) ?? UInt64(key.trimmingCharacters(in: .whitespaces)) else {
                    throw BoardwalkError.invalidArgument("\(name): \"\(key)\" is not an unsigned 64-bit id")
                }
                return id
            }
            if let plain = try? c.decode([String: Double].self, forKey: k) {
                out.reserveCapacity(plain.count)
                for (key, x) in plain {
                    let i = try id(key)
                    out[i] = add(out[i], x)
                }
                return out
            }
            let v = try c.decode(JSONValue.self, forKey: k)
            guard case .object(let members) = v else { throw bad(name, "an object of \"ID\": weight", v) }
            for (key, w) in members {
                let i = try id(key)
                guard case .number(let x, _) = w else { throw bad("\(name).\(key)", "a weight, a number", w) }
                out[i] = add(out[i], x)
            }
            return out
        }
        /// `[ID, …]`, each a number or a string of digits.
        func ids(_ name: String) throws -> [UInt64]? {
            let k = Key(name)
            guard c.contains(k), try !c.decodeNil(forKey: k) else { return nil }
            if let plain = try? c.decode([UInt64].self, forKey: k) { return plain }
            let v = try c.decode(JSONValue.self, forKey: k)
            guard case .array(let items) = v else { throw bad(name, "an array of ids", v) }
            return try items.enumerated().map { i, item in
                guard let id = item.id else { throw bad("\(name)[\(i)]", "an unsigned 64-bit id (a number or a string of digits)", item) }
                return id
            }
        }
        pins = try weights("pins")
        boards = try weights("boards")
        candidates = try ids("candidates")
        exclude = try ids("exclude")
        if let v = try value("seed") {
            guard let s = v.id else { throw bad("seed", "an unsigned 64-bit integer (a number or a string of digits)", v) }
            seed = s
        }
        if let v = try value("steps") {
            guard let s = v.id else { throw bad("steps", "an unsigned integer (a number or a string of digits)", v) }
            steps = s
        }
        language = try string("language")
        topic = try string("topic")
        bias = try number("bias")
        restart = try number("restart")
        if let x = try number("top", "an integer", { $0 == $0.rounded() }) {
            top = x >= Double(Int.max) ? Int.max : x <= Double(Int.min) ? Int.min : Int(x)
        }
        if let v = try value("early_stop") {
            switch v {
            case .bool(false):
                earlyStop = .some(nil)
            case .array(let a) where a.count == 2:
                guard let np = a[0].id, let nv = a[1].id, np <= UInt32.max, nv <= UInt32.max else {
                    throw bad("early_stop", "[NP, NV] with unsigned integers up to \(UInt32.max), or false", v)
                }
                earlyStop = .some(.init(np: UInt32(np), nv: UInt32(nv)))
            default:
                throw bad("early_stop", "[NP, NV] or false", v)
            }
        }
        boost = try bool("boost")
        includeBoards = try bool("include_boards")
        lenient = try bool("lenient")
        popularityPenalty = try number("popularity_penalty")
        exponent = try number("exponent")
        if let m = try string("method") {
            guard let method = WalkParameters.Method(rawValue: m) else {
                throw BoardwalkError.invalidArgument("method: must be \"walk\" or \"exact\", not \"\(m)\"")
            }
            self.method = method
        }
        timeBudget = try number("time_budget_ms", "a number of milliseconds")
        ranker = try string("ranker")
        if ranker?.isEmpty == true { throw BoardwalkError.invalidArgument("ranker: must be the path of a model file, not \"\"") }
        if let x = try number("ranker_top_n", "an integer", { $0 == $0.rounded() }) {
            rankerTopN = x >= Double(Int.max) ? Int.max : x <= Double(Int.min) ? Int.min : Int(x)
        }
        features = try bool("features")
    }

    /// The message for an unknown field, with the nearest known name when
    /// one is a typo away.
    static func unknown(_ name: String) -> String {
        let nearest = WalkRequest.fieldNames.map { ($0, editDistance($0, name.lowercased())) }.min { $0.1 < $1.1 }
        let hint = nearest.flatMap { $0.1 <= max(1, min(2, name.count / 3)) ? " (did you mean \"\($0.0)\"?)" : nil }
            ?? " (fields of your own must start with \"x-\")"
        return "unknown field \"\(name)\"" + hint
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Levenshtein distance, for "did you mean".
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
    if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in 1...b.count {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}

/// Any JSON value, for checking fields one by one and quoting them in
/// messages (requests here, live edges in LiveGraphEdges.swift).
indirect enum JSONValue: Decodable, CustomStringConvertible {
    /// A number as a Double, and as a UInt64 when it is one exactly (ids
    /// above 2^53 lose digits as a Double).
    case number(Double, UInt64?)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: RequestJSON.Key.self) {
            self = .object(try c.allKeys.map { ($0.stringValue, try c.decode(JSONValue.self, forKey: $0)) })
            return
        }
        if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(JSONValue.self)) }
            self = .array(items)
            return
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let u = try? c.decode(UInt64.self) {
            self = .number(Double(u), u)
        } else if let d = try? c.decode(Double.self) {
            // 1e3 is the integer 1000; -5 and 2.5 are not ids.
            self = .number(d, d >= 0 && d == d.rounded() && d < 9_007_199_254_740_992 ? UInt64(d) : nil)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    /// An unsigned 64-bit id: a number that is one, or a string of digits.
    var id: UInt64? {
        switch self {
        case .number(_, let u): return u
        case .string(let s): return UInt64(s)
        default: return nil
        }
    }

    /// What the value is, for "must be an object, not an array".
    var kind: String {
        switch self {
        case .number: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .null: return "null"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The value, shortened, as it would be written in JSON.
    var description: String {
        let text: String
        switch self {
        case .number(let d, let u):
            if let u { text = String(u) } else if d == d.rounded() && abs(d) < 1e15 { text = String(Int64(d)) } else { text = String(d) }
        case .string(let s): text = "\"" + s + "\""
        case .bool(let b): text = b ? "true" : "false"
        case .null: text = "null"
        case .array(let a): text = Self.list("[", a.lazy.map(\.description), "]")
        case .object(let o): text = Self.list("{", o.lazy.map { "\"\($0.0)\": \($0.1)" }, "}")
        }
        return text.count > 60 ? String(text.prefix(57)) + "…" : text
    }

    /// Members joined until the text is long enough to be cut: a huge array
    /// in an error message costs no more than a short one.
    private static func list<S: Sequence<String>>(_ open: String, _ members: S, _ close: String) -> String {
        var text = open
        for (i, m) in members.enumerated() {
            if text.count > 60 { return text + "…" }
            text += (i == 0 ? "" : ", ") + m
        }
        return text + close
    }
}
