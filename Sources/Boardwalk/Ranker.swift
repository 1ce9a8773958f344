// Learned rankers from Swift: the model a team trains offline
// (Tools/ranker/train.py) applied in the C library to the walk's
// candidates, and the features it reads, which results can carry.
import CBoardwalk

/// The features the C library computes for each candidate of a walk, in
/// the order of ``Recommendation/features`` and of the feature rows of
/// ``Graph/candidateScores(_:pins:boards:parameters:)``: `score`,
/// `boosted_score`, `visits`, `visit_share`, `sources`, `source_weight`,
/// `degree`, `language_match`, `topic_match`, `language_share`,
/// `topic_share`, `exact_score`, `exact_computed`, `query_size`,
/// `exact_penalized_score`
/// (boardwalk.h, "Features and learned rankers", defines each).
public enum CandidateFeatures {
    /// Every feature's name, in the library's order.
    ///
    /// The corresponding C functions are `bw_feature_count` and `bw_feature_name`.
    public static let names: [String] = (0..<bw_feature_count()).map { String(cString: bw_feature_name($0)) }
}

/// A learned ranker: a model file loaded into the C library, which scores
/// the walk's best candidates from their features and returns the best by
/// the model (``WalkParameters/ranker``). No Python or other runtime runs at
/// query time.
///
/// `Ranker` is `Sendable` (`@unchecked`) because the C ranker never changes
/// once loaded and is documented thread-safe, its reference count atomic:
/// one ranker serves any number of queries on any threads, and a query
/// keeps its own reference while it runs.
///
/// The corresponding C type is `bw_ranker` (`bw_ranker_open`, `bw_ranker_close`).
public final class Ranker: @unchecked Sendable, Equatable, CustomStringConvertible {
    let handle: OpaquePointer
    /// The path the model was loaded from.
    public let path: String

    /// Loads a model file.
    ///
    /// - Parameter path: The model file (`Tools/ranker/train.py --output`).
    /// - Throws: ``BoardwalkError/io(path:reason:)`` (a missing file),
    ///   ``BoardwalkError/corrupt(_:)`` (not a model file, truncated,
    ///   checksum or structure wrong), ``BoardwalkError/formatVersion(_:)``,
    ///   ``BoardwalkError/notFound(_:)`` (an input names a feature this
    ///   library does not compute), ``BoardwalkError/invalidArgument(_:)``
    ///   (a NaN or infinite weight), each with the C library's message.
    ///
    /// The corresponding C function is `bw_ranker_open`.
    public init(path: String) throws {
        var h: OpaquePointer?
        try BoardwalkError.opening(path) { bw_ranker_open(path, &h, $0, $1) }
        handle = h!
        self.path = path
    }

    deinit { bw_ranker_close(handle) }

    /// The model's kind: `"linear"` or `"trees"`.
    ///
    /// The corresponding C function is `bw_ranker_kind`.
    public var kind: String { bw_ranker_kind(handle) == BW_RANKER_TREES ? "trees" : "linear" }

    /// The features the model reads, in the model's order.
    ///
    /// The corresponding C functions are `bw_ranker_input_count` and `bw_ranker_input_name`.
    public var inputs: [String] {
        (0..<bw_ranker_input_count(handle)).map { String(cString: bw_ranker_input_name(handle, $0)) }
    }

    /// The model's score of one feature row.
    ///
    /// - Parameter features: One value per ``CandidateFeatures/names``, in
    ///   that order (as ``Recommendation/features`` holds them).
    /// - Returns: The score; higher ranks first.
    /// - Throws: ``BoardwalkError/invalidArgument(_:)`` for a row of the
    ///   wrong length or with a NaN.
    ///
    /// The corresponding C function is `bw_ranker_score`.
    public func score(features: [Double]) throws -> Double {
        var s = 0.0
        let rc = bw_ranker_score(handle, features, features.count, &s)
        if rc != 0 {
            throw BoardwalkError.invalidArgument(
                "a feature row has \(CandidateFeatures.names.count) finite values, not \(features.count)"
                    + (features.contains(where: \.isNaN) ? " with a NaN" : ""))
        }
        return s
    }

    /// The same model object.
    public static func == (a: Ranker, b: Ranker) -> Bool { a === b }

    /// `Ranker(path, kind, inputs)`.
    public var description: String { "Ranker(\(path), \(kind), inputs: \(inputs.joined(separator: ", ")))" }
}
