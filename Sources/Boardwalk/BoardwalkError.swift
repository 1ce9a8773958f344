// The one error type of the Swift API. Each case names a failure a caller may
// want to handle on its own, so `catch BoardwalkError.unknownPin` works; each
// carries the C library's code (`code`), so `catch let e as BoardwalkError
// where e.code == BW_EINVAL` and `catch BoardwalkError.Code.notFound` work too.
import CBoardwalk
import Foundation

/// Everything that can go wrong in Boardwalk, by name.
///
/// Every error carries the code the C library uses for it (``code``): one of
/// the `BW_E*` codes of `boardwalk.h`, an LMDB code or an errno value. Catch
/// an error by its case, by its code, or by a ``Code`` constant, which also
/// matches every case that shares the code:
///
/// ```swift
/// do {
///     _ = try graph.recommend(pins: [PinID(42): 1])
/// } catch BoardwalkError.unknownPin(let pin) {
///     print("no pin \(pin)")
/// } catch BoardwalkError.Code.invalidArgument {
///     print("bad parameters")
/// } catch let error as BoardwalkError where error.code == BW_ECORRUPT {
///     print("damaged file: \(error)")
/// }
/// ```
///
/// Two errors are equal when they are the same case with the same identity
/// fields (the pin or board id, the file and line, the path, the code of
/// ``library(code:message:)``); the messages are not compared, so an error
/// compares equal to one built with another wording. ``description`` is the
/// message for people.
public enum BoardwalkError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file is not a Boardwalk graph.
    ///
    /// Its code is `BW_ENOTGRAPH`. The string is the message.
    case notAGraph(String)
    /// The graph file has another format version.
    ///
    /// Its code is `BW_EVERSION`. The string is the message.
    case formatVersion(String)
    /// The graph file is truncated, damaged or inconsistent.
    ///
    /// Its code is `BW_ECORRUPT`. The string is the message.
    case corrupt(String)
    /// An argument is out of its documented range.
    ///
    /// Its code is `BW_EINVAL`. The string is the message.
    case invalidArgument(String)
    /// A query pin is not in the graph.
    ///
    /// Its code is `BW_ENOTFOUND`; errors of this case are equal when their
    /// pins are.
    case unknownPin(PinID)
    /// A query board is not in the graph.
    ///
    /// Its code is `BW_ENOTFOUND`; errors of this case are equal when their
    /// boards are.
    case unknownBoard(BoardID)
    /// A name (attribute value, id) is not in the graph.
    ///
    /// Its code is `BW_ENOTFOUND`. The string is the message.
    case notFound(String)
    /// The query has nothing to walk from: no known pin or board with a
    /// positive weight.
    ///
    /// Its code is `BW_EEMPTY`.
    case emptyQuery
    /// An index is out of range, such as a dense index past the number of
    /// pins.
    ///
    /// Its code is `BW_ERANGE`. The string is the message.
    case outOfRange(String)
    /// A hard limit was reached.
    ///
    /// Its code is `BW_ELIMIT`. The string is the message.
    case limitExceeded(String)
    /// The graph has no such data, such as titles or attributes.
    ///
    /// Its code is `BW_ENODATA`. The string is the message.
    case noData(String)
    /// Memory ran out.
    ///
    /// Its code is `BW_ENOMEM`.
    case outOfMemory
    /// A build found no edges to write (an empty input, or pruning removed
    /// all): refused unless `BuildOptions.allowEmpty` is set, so that a
    /// broken upstream job cannot replace a good graph with an empty one.
    ///
    /// A Swift-side error; its code is `BW_EEMPTY`. The string is the message.
    case emptyGraph(String)
    /// A line of an input file is malformed.
    ///
    /// A Swift-side error; its code is `BW_EINVAL`. Errors of this case are
    /// equal when their file and line are.
    case malformedInput(file: String, line: Int, reason: String)
    /// Reading or writing a file failed.
    ///
    /// A Swift-side error; its code is `EIO` (the system's reason is in
    /// `reason`). Errors of this case are equal when their paths are.
    case io(path: String, reason: String)
    /// Any other code from the C library (an LMDB code or errno value).
    ///
    /// Errors of this case are equal when their codes are.
    case library(code: Int32, message: String)

    /// The C library's code for this error: a `BW_E*` constant of
    /// `boardwalk.h` (`BW_EINVAL`, `BW_ENOTFOUND`, …), or for
    /// ``library(code:message:)`` the LMDB or errno code it carries.
    ///
    /// ``init(code:message:)`` maps a code back to its case.
    public var code: Int32 {
        switch self {
        case .notAGraph: return BW_ENOTGRAPH
        case .formatVersion: return BW_EVERSION
        case .corrupt: return BW_ECORRUPT
        case .invalidArgument, .malformedInput: return BW_EINVAL
        case .unknownPin, .unknownBoard, .notFound: return BW_ENOTFOUND
        case .emptyQuery, .emptyGraph: return BW_EEMPTY
        case .outOfRange: return BW_ERANGE
        case .limitExceeded: return BW_ELIMIT
        case .noData: return BW_ENODATA
        case .outOfMemory: return BW_ENOMEM
        case .io: return EIO
        case .library(let code, _): return code
        }
    }

    /// The error for a nonzero code of the C library, with a message.
    ///
    /// Each `BW_E*` code maps to its case (`BW_ENOTFOUND` to
    /// ``notFound(_:)``, as the C side names no id); any other code to
    /// ``library(code:message:)``. The result's ``code`` is `code`.
    ///
    /// - Parameters:
    ///   - code: A nonzero code returned by a `bw_*` function.
    ///   - message: The message; nil or empty takes the C library's text
    ///     for the code.
    ///
    /// The corresponding C function is `bw_strerror`.
    public init(code: Int32, message: String? = nil) {
        self = BoardwalkError.fromCode(code, message)
    }

    /// A readable message, as printed by the command-line tool.
    public var description: String {
        switch self {
        case .notAGraph(let m), .formatVersion(let m), .corrupt(let m), .invalidArgument(let m),
            .notFound(let m), .outOfRange(let m), .limitExceeded(let m), .noData(let m), .emptyGraph(let m):
            return m
        case .unknownPin(let p): return "unknown pin \(p)"
        case .unknownBoard(let b): return "unknown board \(b)"
        case .emptyQuery: return "the query has no pin or board to walk from"
        case .outOfMemory: return "out of memory"
        case .malformedInput(let file, let line, let reason): return "\(file):\(line): \(reason)"
        case .io(let path, let reason): return "\(path): \(reason)"
        case .library(let code, let message): return "\(message) (code \(code))"
        }
    }

    /// What identifies an error for `==` and hashing: its case and identity
    /// fields, never its message.
    private var identity: Identity {
        switch self {
        case .unknownPin(let p): return Identity(kind: 0, code: code, id: p.rawValue)
        case .unknownBoard(let b): return Identity(kind: 1, code: code, id: b.rawValue)
        case .notFound: return Identity(kind: 2, code: code)
        case .emptyGraph: return Identity(kind: 3, code: code)
        case .malformedInput(let file, let line, _): return Identity(kind: 4, code: code, text: file, id: UInt64(bitPattern: Int64(line)))
        case .io(let path, _): return Identity(kind: 5, code: code, text: path)
        case .library: return Identity(kind: 6, code: code)
        default: return Identity(kind: 7, code: code)  // one case per remaining code
        }
    }

    private struct Identity: Hashable {
        var kind: Int
        var code: Int32
        var text: String = ""
        var id: UInt64 = 0
    }

    /// Whether two errors are the same case with the same identity fields;
    /// messages are not compared.
    ///
    /// - Parameters:
    ///   - lhs: An error.
    ///   - rhs: Another error.
    /// - Returns: True when both are the same failure.
    public static func == (lhs: BoardwalkError, rhs: BoardwalkError) -> Bool {
        lhs.identity == rhs.identity
    }

    /// Hashes the case and identity fields, as `==` compares them.
    ///
    /// - Parameter hasher: The hasher to feed.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(identity)
    }

    /// A C error code as a pattern for `catch` and `switch`: a constant
    /// matches every ``BoardwalkError`` whose ``BoardwalkError/code`` it is.
    ///
    /// ```swift
    /// catch BoardwalkError.Code.notFound { … }  // unknownPin, unknownBoard, notFound
    /// ```
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The C code.
        public let rawValue: Int32
        /// Wraps a C code.
        ///
        /// - Parameter rawValue: A `BW_E*` constant, an LMDB code or an errno value.
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `BW_ENOTGRAPH`: ``BoardwalkError/notAGraph(_:)``.
        public static let notAGraph = Code(rawValue: BW_ENOTGRAPH)
        /// `BW_EVERSION`: ``BoardwalkError/formatVersion(_:)``.
        public static let formatVersion = Code(rawValue: BW_EVERSION)
        /// `BW_ECORRUPT`: ``BoardwalkError/corrupt(_:)``.
        public static let corrupt = Code(rawValue: BW_ECORRUPT)
        /// `BW_EINVAL`: ``BoardwalkError/invalidArgument(_:)`` and
        /// ``BoardwalkError/malformedInput(file:line:reason:)``.
        public static let invalidArgument = Code(rawValue: BW_EINVAL)
        /// `BW_ENOTFOUND`: ``BoardwalkError/unknownPin(_:)``,
        /// ``BoardwalkError/unknownBoard(_:)`` and ``BoardwalkError/notFound(_:)``.
        public static let notFound = Code(rawValue: BW_ENOTFOUND)
        /// `BW_ENOMEM`: ``BoardwalkError/outOfMemory``.
        public static let outOfMemory = Code(rawValue: BW_ENOMEM)
        /// `BW_EEMPTY`: ``BoardwalkError/emptyQuery`` and ``BoardwalkError/emptyGraph(_:)``.
        public static let empty = Code(rawValue: BW_EEMPTY)
        /// `BW_ERANGE`: ``BoardwalkError/outOfRange(_:)``.
        public static let outOfRange = Code(rawValue: BW_ERANGE)
        /// `BW_ELIMIT`: ``BoardwalkError/limitExceeded(_:)``.
        public static let limitExceeded = Code(rawValue: BW_ELIMIT)
        /// `BW_ENODATA`: ``BoardwalkError/noData(_:)``.
        public static let noData = Code(rawValue: BW_ENODATA)

        /// Whether `error` is a ``BoardwalkError`` with this code: what
        /// `catch BoardwalkError.Code.notFound` uses.
        ///
        /// - Parameters:
        ///   - pattern: The code to match.
        ///   - error: Any error.
        /// - Returns: True when `error` is a ``BoardwalkError`` whose
        ///   ``BoardwalkError/code`` is `pattern`'s.
        public static func ~= (pattern: Code, error: any Error) -> Bool {
            (error as? BoardwalkError)?.code == pattern.rawValue
        }
    }

    /// Calls a C function that opens `path` and reports problems in a message
    /// buffer; throws its error: errno values as ``io(path:reason:)``,
    /// Boardwalk codes with the C side's message.
    static func opening(_ path: String, _ call: (UnsafeMutablePointer<CChar>, Int) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 512)
        let code = message.withUnsafeMutableBufferPointer { call($0.baseAddress!, $0.count) }
        if code == 0 { return }
        if code > 0 { throw BoardwalkError.io(path: path, reason: String(cString: bw_strerror(code))) }
        throw fromCode(code, String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// Maps a C return code to an error, with a detail message when the C side gave one.
    static func fromCode(_ code: Int32, _ detail: String? = nil) -> BoardwalkError {
        let text = detail.flatMap { $0.isEmpty ? nil : $0 } ?? String(cString: bw_strerror(code))
        switch code {
        case BW_ENOTGRAPH: return .notAGraph(text)
        case BW_EVERSION: return .formatVersion(text)
        case BW_ECORRUPT: return .corrupt(text)
        case BW_EINVAL: return .invalidArgument(text)
        case BW_ENOTFOUND: return .notFound(text)
        case BW_EEMPTY: return .emptyQuery
        case BW_ERANGE: return .outOfRange(text)
        case BW_ELIMIT: return .limitExceeded(text)
        case BW_ENODATA: return .noData(text)
        case BW_ENOMEM: return .outOfMemory
        default: return .library(code: code, message: text)
        }
    }
}

/// Throws the error for a nonzero C return code.
@inline(__always)
func check(_ code: Int32, _ detail: @autoclosure () -> String? = nil) throws {
    if code != 0 { throw BoardwalkError.fromCode(code, detail()) }
}
