// The one error type of the Swift API. Each case names a failure a caller may
// want to handle on its own, so `catch BoardwalkError.unknownPin` works.
import CBoardwalk

/// Everything that can go wrong in Boardwalk, by name.
public enum BoardwalkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file is not a Boardwalk graph (`BW_ENOTGRAPH`).
    case notAGraph(String)
    /// The graph file has another format version (`BW_EVERSION`).
    case formatVersion(String)
    /// The graph file is truncated, damaged or inconsistent (`BW_ECORRUPT`).
    case corrupt(String)
    /// An argument is out of its documented range (`BW_EINVAL`).
    case invalidArgument(String)
    /// A query pin is not in the graph (`BW_ENOTFOUND`).
    case unknownPin(PinID)
    /// A query board is not in the graph (`BW_ENOTFOUND`).
    case unknownBoard(BoardID)
    /// A name (attribute value, id) is not in the graph (`BW_ENOTFOUND`).
    case notFound(String)
    /// The query has nothing to walk from (`BW_EEMPTY`).
    case emptyQuery
    /// A hard limit was reached (`BW_ELIMIT`).
    case limitExceeded(String)
    /// The graph has no such data, such as titles or attributes (`BW_ENODATA`).
    case noData(String)
    /// Memory ran out (`BW_ENOMEM`).
    case outOfMemory
    /// A build found no edges to write (an empty input, or pruning removed
    /// all): refused unless `BuildOptions.allowEmpty` is set, so that a
    /// broken upstream job cannot replace a good graph with an empty one.
    case emptyGraph(String)
    /// A line of an input file is malformed.
    case malformedInput(file: String, line: Int, reason: String)
    /// Reading or writing a file failed.
    case io(path: String, reason: String)
    /// Any other code from the C library (an LMDB code or errno value).
    case library(code: Int32, message: String)

    /// A readable message, as printed by the command-line tool.
    public var description: String {
        switch self {
        case .notAGraph(let m), .formatVersion(let m), .corrupt(let m), .invalidArgument(let m),
            .notFound(let m), .limitExceeded(let m), .noData(let m), .emptyGraph(let m):
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
