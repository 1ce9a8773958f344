// The answers of `boardwalk query --batch`, as JSON text: one encoder for the
// command-line tool and for boardwalk-server, whose /v1/recommend and
// /v1/score answer byte-for-byte what --batch prints for the same line.
import Foundation

/// The JSON text `boardwalk query --batch` prints for a request: results,
/// scores or an error, one object each. `boardwalk-server` answers with the
/// same text, so a service moving between the two sees no difference.
///
/// ```swift
/// let q = try WalkRequest(json: line)
/// let r = try graph.walk(pins: q.pins, boards: q.boards, parameters: q.parameters, exclude: q.exclude)
/// print(BatchJSON.result(r, graph: graph, titles: false))
/// ```
public enum BatchJSON {
    /// A walk's answer: `{"results":[{"id","score","visits"[,"kind":"board"][,"title"][,"features"]}…],
    /// "steps","elapsed_us","partial"[,"unknown_pins"][,"unknown_boards"][,"feature_names"]}`;
    /// with features (``WalkParameters/features``) each result has a
    /// `"features"` array in the order of `"feature_names"`.
    ///
    /// - Parameters:
    ///   - r: The walk's result.
    ///   - graph: The graph the titles come from (nil: no titles).
    ///   - titles: Whether each result carries its title, when the graph has one.
    /// - Returns: One JSON object, without a newline.
    public static func result(_ r: WalkResult, graph: Graph?, titles: Bool) -> String {
        var s = "{\"results\":["
        for (i, rec) in r.recommendations.enumerated() {
            if i > 0 { s += "," }
            switch rec.node {
            case .pin(let p):
                s += "{\"id\":\(p.rawValue),\"score\":\(number(rec.score)),\"visits\":\(rec.visits)"
                if titles, let t = graph?.title(of: p) { s += ",\"title\":\(string(t))" }
            case .board(let b):
                s += "{\"id\":\(b.rawValue),\"kind\":\"board\",\"score\":\(number(rec.score)),\"visits\":\(rec.visits)"
                if titles, let t = graph?.title(of: b) { s += ",\"title\":\(string(t))" }
            }
            if let f = rec.features { s += ",\"features\":" + array(f) }
            s += "}"
        }
        s += "],\"steps\":\(r.steps),\"elapsed_us\":\(r.elapsedMicroseconds),\"partial\":\(r.partial)"
        if !r.unknownPins.isEmpty { s += ",\"unknown_pins\":[" + r.unknownPins.map { String($0.rawValue) }.joined(separator: ",") + "]" }
        if !r.unknownBoards.isEmpty {
            s += ",\"unknown_boards\":[" + r.unknownBoards.map { String($0.rawValue) }.joined(separator: ",") + "]"
        }
        if r.recommendations.contains(where: { $0.features != nil }) { s += ",\"feature_names\":" + featureNames }
        return s + "}"
    }

    /// `["score","boosted_score",…]`: ``CandidateFeatures/names`` as JSON.
    static let featureNames = "[" + CandidateFeatures.names.map(string).joined(separator: ",") + "]"

    static func array(_ xs: [Double]) -> String { "[" + xs.map(number).joined(separator: ",") + "]" }

    /// A scoring answer: `{"scores":[…],"elapsed_us":N}`, with features
    /// `{"scores":[…],"features":[[…]…],"feature_names":[…],"elapsed_us":N}`.
    /// A score that is not finite (a ranker's -infinity for a pin not in the
    /// graph) is `null`.
    ///
    /// - Parameters:
    ///   - scores: One score per candidate, in the candidates' order.
    ///   - features: One feature row per candidate, or nil.
    ///   - elapsedMicroseconds: How long scoring took.
    /// - Returns: One JSON object, without a newline.
    public static func scores(_ scores: [Double], features: [[Double]]? = nil, elapsedMicroseconds: UInt64) -> String {
        var s = "{\"scores\":" + array(scores)
        if let features { s += ",\"features\":[" + features.map(array).joined(separator: ",") + "],\"feature_names\":" + featureNames }
        return s + ",\"elapsed_us\":\(elapsedMicroseconds)}"
    }

    /// An error answer: `{"error":"message"}`.
    ///
    /// - Parameter message: The message, for people.
    /// - Returns: One JSON object, without a newline.
    public static func error(_ message: String) -> String { "{\"error\":\(string(message))}" }

    /// A JSON string literal for `s`: quotes, backslashes and control
    /// characters escaped, everything else as it is (UTF-8).
    ///
    /// - Parameter s: Any text.
    /// - Returns: The literal, quotes included.
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// A JSON number for `x`: integral values without a fraction, others in
    /// Swift's shortest round-tripping form, `null` for NaN and infinities.
    ///
    /// - Parameter x: Any double.
    /// - Returns: The number's text.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
        return String(x)
    }
}
