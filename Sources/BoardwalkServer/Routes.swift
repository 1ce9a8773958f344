// The endpoints. Bodies are the library's JSON (BatchJSON, WalkRequest), so
// /v1/recommend and /v1/score answer what `boardwalk query --batch` prints;
// walks run over the base graph and the live edges. Writes (POST /v1/edges,
// /v1/edges/remove, /v1/hide) and reloads are admin routes that run on the
// writer thread.
#if Server
import Boardwalk
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The endpoint label of a path, for metrics (a fixed set: unknown paths are "other").
func endpointLabel(_ path: String) -> String {
    switch path {
    case "/v1/recommend": "recommend"
    case "/v1/score": "score"
    case "/v1/graph": "graph"
    case "/v1/admin/reload": "reload"
    case "/v1/edges": "edges"
    case "/v1/edges/remove": "edges_remove"
    case "/v1/hide": "hide"
    case "/healthz": "healthz"
    case "/readyz": "readyz"
    case "/metrics": "metrics"
    default: "other"
    }
}

func json(_ status: HTTPResponse.Status, _ text: String, headers: HTTPFields = [:]) -> Response {
    var h = headers
    h[.contentType] = "application/json"
    return Response(status: status, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(string: text + "\n")))
}

func jsonError(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
    json(status, BatchJSON.error(message), headers: headers)
}

/// The header carrying a request's deadline, in milliseconds.
let deadlineHeader = HTTPField.Name("X-Deadline-Ms")!

struct Routes: Sendable {
    let state: ServerState

    func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/recommend") { request, _ in await query(request, scoring: false) }
        router.post("/v1/score") { request, _ in await query(request, scoring: true) }
        router.get("/v1/graph") { _, _ in graphInfo() }
        router.post("/v1/admin/reload") { request, _ in
            await admin(request) {
                let r = await state.reload(logger: state.accessLog.logger, trigger: "POST /v1/admin/reload")
                let text = "{\"reloaded\":\(r.ok),\"generation\":\(r.generation),\"path\":\(BatchJSON.string(state.path)),"
                    + "\"seconds\":\(BatchJSON.number(r.seconds)),\"live_edges\":\(r.liveEdges),"
                    + "\"live_edges_dropped\":\(r.liveEdgesDropped)"
                    + (r.error.map { ",\"error\":\(BatchJSON.string($0))" } ?? "") + "}"
                return json(r.ok ? .ok : .unprocessableContent, text)
            }
        }
        router.post("/v1/edges") { request, _ in await admin(request) { await edges(request, .add) } }
        router.post("/v1/edges/remove") { request, _ in await admin(request) { await edges(request, .remove) } }
        router.post("/v1/hide") { request, _ in await admin(request) { await hide(request) } }
        router.get("/healthz") { _, _ in json(.ok, "{\"status\":\"ok\"}") }
        router.get("/readyz") { _, _ in
            if state.draining.load(ordering: .relaxed) { return json(.serviceUnavailable, "{\"status\":\"draining\"}") }
            if state.live == nil { return json(.serviceUnavailable, "{\"status\":\"opening the graph\"}") }
            return json(.ok, "{\"status\":\"ready\"}")
        }
        router.get("/metrics") { _, _ in
            // The huge-page share reads /proc/self/smaps: off the event loop.
            await Task.detached { state.metrics.measureHugePages(state.live?.current) }.value
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: state.metrics.text())))
        }
    }

    /// An admin endpoint: only with --admin-token-file and the right bearer
    /// token, checked before anything else (the body is not read without it).
    private func admin(_ request: Request, _ body: () async -> Response) async -> Response {
        let challenge: HTTPFields = [.wwwAuthenticate: "Bearer"]
        if state.adminToken == nil {
            return jsonError(.unauthorized, "admin endpoints are off: start the server with --admin-token-file", headers: challenge)
        }
        if !state.authorized(request.headers[.authorization]) {
            return jsonError(.unauthorized, "missing or wrong bearer token", headers: challenge)
        }
        return await body()
    }

    private func graphInfo() -> Response {
        guard let live = state.live else { return jsonError(.serviceUnavailable, "the graph is not open yet") }
        let g = live.current
        let s = g.stats
        let text = "{\"path\":\(BatchJSON.string(g.path)),\"pins\":\(s.pins),\"boards\":\(s.boards),\"edges\":\(s.edges),"
            + "\"format_version\":\(s.formatVersion),\"created_unix\":\(s.createdUnix),"
            + "\"watermark\":\(g.watermark.map { String($0) } ?? "null"),\"generation\":\(live.generation),"
            + "\"fingerprint\":\"\(String(s.fingerprint, radix: 16))\","
            + "\"live_edges\":\(state.liveStatistics?.edges ?? 0),\"live\":\(liveJSON(state.liveStatistics))}"
        return json(.ok, text)
    }

    /// POST /v1/recommend and /v1/score: shed beyond --max-in-flight, read
    /// the body up to its limit, decode it as a --batch line, walk on the
    /// walk threads within the deadline.
    private func query(_ request: Request, scoring: Bool) async -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let endpoint = scoring ? "score" : "recommend"
        let admitted = state.inFlight.add(1, ordering: .relaxed).newValue
        defer { state.metrics.setInFlight(state.inFlight.subtract(1, ordering: .relaxed).newValue) }
        if admitted > state.maxInFlight {
            state.metrics.shed(endpoint: endpoint)
            return jsonError(.serviceUnavailable, "over --max-in-flight (\(state.maxInFlight) requests): retry later",
                             headers: [.retryAfter: "1"])
        }
        state.metrics.setInFlight(admitted)
        guard let live = state.live else {
            return jsonError(.serviceUnavailable, "the graph is not open yet", headers: [.retryAfter: "1"])
        }
        let body: ByteBuffer
        switch await readBody(request, limit: state.maxBodyBytes) {
        case .success(let b): body = b
        case .failure(let refusal): return refusal.response
        }
        var q: WalkRequest
        do {
            q = try WalkRequest(json: Data(buffer: body), defaults: state.defaults)
        } catch {
            return jsonError(.badRequest, "\(error)")
        }
        if q.rankerPath != nil {  // no request names a file
            return jsonError(.badRequest, "ranker: the server ranks with the model it was started with (serve --ranker FILE); a request may not name one")
        }
        if scoring && q.candidates == nil {
            return jsonError(.badRequest, "candidates: /v1/score needs the pins to score (use /v1/recommend for recommendations)")
        }
        if !scoring && q.candidates != nil {
            return jsonError(.badRequest, "candidates: /v1/recommend takes none (use /v1/score to score candidates)")
        }
        // The deadline: the earlier of the field and the header, else the
        // server's default; the C library checks its range.
        var ms = q.parameters.timeBudgetMilliseconds
        if let h = request.headers[deadlineHeader] {
            guard let v = Double(h.trimmingCharacters(in: .whitespaces)) else {
                return jsonError(.badRequest, "X-Deadline-Ms: must be a number of milliseconds, not \(BatchJSON.string(h))")
            }
            ms = min(ms ?? v, v)
        }
        q.parameters.timeBudgetMilliseconds = ms ?? state.deadlineMs
        let budget = q.parameters.timeBudgetMilliseconds ?? 0
        let deadline = budget.isFinite && budget > 0 ? start &+ UInt64(min(budget, 1e12) * 1e6) : nil
        let titles = ["1", "true"].contains(request.uri.queryParameters.get("titles") ?? "")
        do {
            if scoring {
                let s = try await live.score(q, pool: state.pool, deadline: deadline)
                let us = (DispatchTime.now().uptimeNanoseconds - start) / 1000
                return json(.ok, BatchJSON.scores(s.scores, features: s.features, elapsedMicroseconds: us))
            }
            let (r, g) = try await live.walk(q, pool: state.pool, deadline: deadline)
            if q.parameters.method == .walk { state.metrics.walked(r, requestedSteps: q.parameters.steps) }
            return json(.ok, BatchJSON.result(r, graph: g, titles: titles))
        } catch let e as BoardwalkError {
            return jsonError(clientError(e) ? .badRequest : .internalServerError, "\(e)")
        } catch {
            return jsonError(.serviceUnavailable, "\(error)")
        }
    }

    /// A request body that was not read, as the response that says why.
    struct BodyRefusal: Error {
        let response: Response
    }

    /// The request body, up to `limit` bytes: 413 past it (by Content-Length
    /// before reading, or while reading a chunked body).
    func readBody(_ request: Request, limit: Int) async -> Result<ByteBuffer, BodyRefusal> {
        let tooLarge = BodyRefusal(response: jsonError(.contentTooLarge, "request body over \(limit) bytes"))
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { return .failure(tooLarge) }
        var request = request
        do {
            return .success(try await request.collectBody(upTo: limit))
        } catch let e as HTTPError where e.status == .contentTooLarge {
            return .failure(tooLarge)
        } catch is NIOTooManyBytesError {  // a chunked body that grew past the limit
            return .failure(tooLarge)
        } catch {
            return .failure(BodyRefusal(response: jsonError(.badRequest, "cannot read the request body: \(error)")))
        }
    }

    /// Whether the request is to blame: bad parameters, unknown ids
    /// (strict mode), an empty query.
    private func clientError(_ e: BoardwalkError) -> Bool {
        switch e {
        case .invalidArgument, .unknownPin, .unknownBoard, .notFound, .emptyQuery, .outOfRange, .limitExceeded: true
        default: false
        }
    }
}

/// Counts every request by endpoint and status, times it, and writes the
/// access log.
struct RequestObserver<Context: RequestContext>: RouterMiddleware {
    let state: ServerState

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let path = request.uri.path
        func done(_ status: Int) {
            let ns = DispatchTime.now().uptimeNanoseconds - start
            state.metrics.request(endpoint: endpointLabel(path), status: status, nanoseconds: ns)
            state.accessLog.log(method: request.method.rawValue, path: path, status: status, nanoseconds: ns)
        }
        do {
            let response = try await next(request, context)
            done(response.status.code)
            return response
        } catch let e as any HTTPResponseError {
            done(e.status.code)
            throw e
        } catch {
            done(500)
            throw error
        }
    }
}
#endif
