// Live edges over HTTP: POST /v1/edges (add), /v1/edges/remove and /v1/hide
// (a moderation takedown). Admin routes: the token is checked first (Routes'
// admin), then the write is admitted (at most --max-writes-in-flight), its
// body read up to --max-edge-body-bytes, and the body parsed and applied on
// the writer thread, one write at a time, never on an event loop.
#if Server
import Boardwalk
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What a write does with its edges.
enum EdgeWrite: Sendable {
    case add, remove

    var endpoint: String { self == .add ? "edges" : "edges_remove" }
}

/// The live delta's counters as a JSON object (null before the graph is open).
func liveJSON(_ s: LiveStatistics?) -> String {
    guard let s else { return "null" }
    return "{\"edges\":\(s.edges),\"removed\":\(s.removed),\"new_pins\":\(s.newPins),\"new_boards\":\(s.newBoards),"
        + "\"hidden\":\(s.hidden),\"expired\":\(s.expired),\"max_edges\":\(s.maxEdges),\"bytes\":\(s.bytes),"
        + "\"segments\":\(s.segments)}"
}

/// How a body of edges is written, from its Content-Type.
enum EdgeBodyFormat {
    case json, text

    static let accepted = "application/json, or text/tab-separated-values (also text/plain, text/csv) in the edge-list syntax of build"

    /// nil for a media type the endpoint does not take.
    init?(_ contentType: String?) {
        let media = (contentType ?? "").split(separator: ";", maxSplits: 1).first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch media {
        case "application/json": self = .json
        case "text/tab-separated-values", "text/plain", "text/csv": self = .text
        default: return nil
        }
    }
}

extension Routes {
    /// Admits a write (or answers 503 with Retry-After beyond
    /// --max-writes-in-flight) and runs `body` with the live graph.
    private func admitWrite(endpoint: String, _ body: (LiveGraph) async -> Response) async -> Response {
        let admitted = state.writesInFlight.add(1, ordering: .relaxed).newValue
        defer { state.writesInFlight.subtract(1, ordering: .relaxed) }
        if admitted > state.maxWritesInFlight {
            state.metrics.shed(endpoint: endpoint)
            return jsonError(.serviceUnavailable,
                             "over --max-writes-in-flight (\(state.maxWritesInFlight) writes): retry later",
                             headers: [.retryAfter: "1"])
        }
        guard let live = state.live else {
            return jsonError(.serviceUnavailable, "the graph is not open yet", headers: [.retryAfter: "1"])
        }
        return await body(live)
    }

    /// POST /v1/edges and /v1/edges/remove: the body is parsed whole before
    /// anything is written, so a bad line or element changes nothing.
    func edges(_ request: Request, _ op: EdgeWrite) async -> Response {
        await admitWrite(endpoint: op.endpoint) { live in
            guard let format = EdgeBodyFormat(request.headers[.contentType]) else {
                return jsonError(.unsupportedMediaType,
                                 "Content-Type \(BatchJSON.string(request.headers[.contentType] ?? "(none)")): send \(EdgeBodyFormat.accepted)")
            }
            let body: ByteBuffer
            switch await readBody(request, limit: state.maxEdgeBodyBytes) {
            case .success(let b): body = b
            case .failure(let refusal): return refusal.response
            }
            let state = self.state
            return await state.write { () -> Response in
                let start = DispatchTime.now().uptimeNanoseconds
                let list: LiveEdgeList
                do {
                    switch format {
                    case .json: list = try LiveEdgeList(json: Data(buffer: body))
                    case .text: list = try LiveEdgeList(text: Array(buffer: body), name: "body")
                    }
                } catch {
                    return jsonError(.badRequest, "\(error)")
                }
                let parsed = DispatchTime.now().uptimeNanoseconds
                var text: String
                var status = HTTPResponse.Status.ok
                switch op {
                case .add:
                    var counts: LiveAddCounts?
                    var failure: BoardwalkError?
                    do {
                        counts = try live.addEdges(pins: list.pins, boards: list.boards, times: list.times)
                    } catch let e as BoardwalkError {
                        failure = e
                    } catch {
                        failure = .outOfMemory  // addEdges throws only BoardwalkError
                    }
                    let done = DispatchTime.now().uptimeNanoseconds
                    if let counts { state.metrics.added(counts, edges: list.count, seconds: Double(done - start) / 1e9,
                                        applySeconds: Double(done - parsed) / 1e9) }
                    state.refreshLive(live)
                    if case .limitExceeded = failure {
                        let cap = state.liveStatistics?.maxEdges ?? 0
                        return jsonError(.contentTooLarge,
                                         "\(list.count) edges in one request is more than the live-edge cap (\(cap), --live-max-edges): nothing was added; send smaller batches")
                    }
                    text = counts.map { "{\"added\":\($0.added),\"duplicates\":\($0.duplicates),\"refused\":\($0.refused)," } ?? "{"
                    if let failure {
                        // The Swift API does not give the counts of a failed add (the edges before
                        // the failure stay added): the live edge count below says where it stands.
                        status = .internalServerError
                        text += "\"error\":\(BatchJSON.string("\(failure)")),"
                    }
                case .remove:
                    var counts: LiveRemoveCounts?
                    var failure: BoardwalkError?
                    do {
                        counts = try live.removeEdges(pins: list.pins, boards: list.boards)
                    } catch let e as BoardwalkError {
                        failure = e
                    } catch {
                        failure = .outOfMemory
                    }
                    let done = DispatchTime.now().uptimeNanoseconds
                    if let counts { state.metrics.removed(counts, seconds: Double(done - parsed) / 1e9) }
                    state.refreshLive(live)
                    text = counts.map { "{\"removed\":\($0.removed),\"missing\":\($0.missing)," } ?? "{"
                    if let failure {
                        status = .internalServerError
                        text += "\"error\":\(BatchJSON.string("\(failure)")),"
                    }
                }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                text += "\"live_edges\":\(state.liveStatistics?.edges ?? 0),\"seconds\":\(BatchJSON.number(seconds))}"
                return json(status, text)
            }
        }
    }

    /// POST /v1/hide: `{"pins": [ID, …], "boards": [ID, …]}`, each hidden
    /// outright (never walked, never a result, later edges refused; there
    /// is no unhide). Ids the graph does not have yet are hidden in advance.
    func hide(_ request: Request) async -> Response {
        await admitWrite(endpoint: "hide") { live in
            let body: ByteBuffer
            switch await readBody(request, limit: state.maxBodyBytes) {
            case .success(let b): body = b
            case .failure(let refusal): return refusal.response
            }
            let ids: HideRequest
            do {
                ids = try HideRequest(json: Data(buffer: body))
            } catch {
                return jsonError(.badRequest, "\(error)")
            }
            let state = self.state
            return await state.write { () -> Response in
                let start = DispatchTime.now().uptimeNanoseconds
                var pins = 0, boards = 0
                var failure: Error?
                do {
                    for p in ids.pins {
                        try live.hide(pin: PinID(p))
                        pins += 1
                    }
                    for b in ids.boards {
                        try live.hide(board: BoardID(b))
                        boards += 1
                    }
                } catch {
                    failure = error
                }
                state.metrics.hid(pins + boards)
                state.refreshLive(live)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                var text = "{\"hidden_pins\":\(pins),\"hidden_boards\":\(boards),\"hidden\":\(state.liveStatistics?.hidden ?? 0),"
                if let failure { text += "\"error\":\(BatchJSON.string("\(failure)")),"}
                text += "\"seconds\":\(BatchJSON.number(seconds))}"
                return json(failure == nil ? .ok : .internalServerError, text)
            }
        }
    }
}

/// The body of POST /v1/hide.
struct HideRequest: Decodable {
    var pins: [UInt64] = []
    var boards: [UInt64] = []

    private enum Key: String, CodingKey { case pins, boards }

    init(json: Data) throws {
        self = try decodeJSON(HideRequest.self, from: json, what: "hide request")
        if pins.isEmpty && boards.isEmpty {
            throw BoardwalkError.invalidArgument("nothing to hide: give {\"pins\": [ID, …], \"boards\": [ID, …]}")
        }
    }

    init(from decoder: Decoder) throws {
        let shape = "must be {\"pins\": [ID, …], \"boards\": [ID, …]}"
        struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        guard let all = try? decoder.container(keyedBy: AnyKey.self) else {
            throw BoardwalkError.invalidArgument("invalid hide request: \(shape)")
        }
        for k in all.allKeys where Key(rawValue: k.stringValue) == nil {
            throw BoardwalkError.invalidArgument("unknown field \"\(k.stringValue)\": the body \(shape)")
        }
        let c = try decoder.container(keyedBy: Key.self)
        func ids(_ k: Key) throws -> [UInt64] {
            guard c.contains(k), try !c.decodeNil(forKey: k) else { return [] }
            if let plain = try? c.decode([UInt64].self, forKey: k) { return plain }
            if let text = try? c.decode([String].self, forKey: k) {
                return try text.enumerated().map { i, s in
                    guard let id = UInt64(s) else {
                        throw BoardwalkError.invalidArgument("\(k.rawValue)[\(i)]: \"\(s.prefix(40))\" is not an unsigned 64-bit id")
                    }
                    return id
                }
            }
            throw BoardwalkError.invalidArgument("\(k.rawValue): must be an array of unsigned 64-bit ids (numbers or strings of digits)")
        }
        pins = try ids(.pins)
        boards = try ids(.boards)
    }
}
#endif
