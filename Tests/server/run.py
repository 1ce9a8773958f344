#!/usr/bin/env python3
"""boardwalk serve, driven over HTTP on loopback (an ephemeral port).

    python3 Tests/server/run.py --cli .build/debug/boardwalk

Starts the real server through `boardwalk serve` (which hands over to
boardwalk-server beside it) on the sample graph and checks: recommend and
score answer what `boardwalk query --batch` prints for the same lines (all
but elapsed_us); bad bodies give 400 with the library's message, big ones
413; admin endpoints refuse a missing or wrong token (401); reloads under
concurrent load lose no request, a bad file is refused and the old graph
stays; shedding answers 503 with Retry-After beyond --max-in-flight;
deadlines give partial answers in time; /metrics parses as Prometheus text
and its counters move; every path and status of openapi.yaml is seen, and
every status seen is documented; SIGTERM drains the request in flight and
exits 0. Live edges (POST /v1/edges, /v1/edges/remove, /v1/hide), on a server
of their own: tokens, TSV and both JSON forms, a new pin saved to the boards of
a query pin is in its next answer, which equals `boardwalk query --batch
--live-edges` for the same edges; duplicates, refusals, removals and hides
take effect; bad bodies give 400/413/415 and change nothing; writes beyond
--max-writes-in-flight get 503; expiry at --live-max-edges; a reload keeps
the live edges newer than the new file's watermark and says how many it
dropped; /v1/graph and /metrics follow. Bounded: every request has a
timeout, every loop a count, and the whole run a deadline (about 20-40 s on
a 2-core machine).
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(ROOT, "Graphs", "sample")
PIN = 7136620868348139334  # "Sourdough starter from scratch", as in Tools/demo
TOKEN = "s3cret-token-for-tests"
seen = set()  # (method, path, status) the server answered
bodies = {}  # (method, path, status) -> one JSON body answered, for the schema check
failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


class Server:
    def __init__(self, cli, graph, *extra):
        self.proc = subprocess.Popen([cli, "serve", graph, "--port", "0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.fullmatch(r"listening on http://127\.0\.0\.1:(\d+)\n", line)
        if not m:
            self.proc.kill()
            sys.exit(f"server did not start: {line!r} {self.proc.stderr.read()[:2000]}")
        self.port = int(m.group(1))
        self.stderr = []
        threading.Thread(target=lambda: self.stderr.extend(self.proc.stderr), daemon=True).start()
        for _ in range(200):
            if self.get("/readyz")[0] == 200:
                return
            time.sleep(0.05)
        sys.exit("server never became ready")

    def request(self, method, path, body=None, headers=None, timeout=20):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            key = (method, path.split("?")[0], r.status)
            seen.add(key)
            if key not in bodies and r.getheader("Content-Type", "").startswith("application/json"):
                try:
                    bodies[key] = json.loads(data)
                except ValueError:
                    bodies[key] = None  # not JSON: the schema check says so
            return r.status, data, dict(r.getheaders())
        finally:
            c.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, obj=None, raw=None, headers=None, timeout=20):
        body = raw if raw is not None else json.dumps(obj).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})}, timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def without_elapsed(text):
    return re.sub(r',"elapsed_us":\d+', "", text.strip())


def build(cli, out, edges, *extra):
    s = SAMPLE
    subprocess.run([cli, "build", "--quiet", "--output", out, "--pin-titles", f"{s}/pin-titles.tsv",
                    "--board-titles", f"{s}/board-titles.tsv", "--pin-attributes", f"{s}/pin-attributes.tsv",
                    *extra, edges], check=True, stdout=subprocess.DEVNULL)


def same_as_batch(cli, srv, graph):
    lines = [
        {"pins": {str(PIN): 1}, "seed": 1, "top": 10},
        {"pins": {str(PIN): 1}, "seed": 7, "top": 5, "language": "en"},
        {"pins": {str(PIN): 2, "12345": 1}, "seed": 3, "include_boards": True, "lenient": True},
        {"pins": {str(PIN): 1}, "method": "exact", "top": 5},
        {"pins": {str(PIN): 1}, "seed": 2, "candidates": [PIN, 7242038504239169131, 999]},
        {"pins": {str(PIN): 1}, "restart": 1.5},
        {"pins": {str(PIN): 1}, "topp": 3},
        {"pins": {"12345": 1}, "seed": 1},
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for q in lines:
            f.write(json.dumps(q) + "\n")
    for titles in (False, True):
        args = [cli, "query", graph, "--batch", f.name] + (["--titles"] if titles else [])
        expected = subprocess.run(args, check=True, capture_output=True, text=True).stdout.splitlines()
        check(len(expected) == len(lines), "one --batch answer per line")
        for q, want in zip(lines, expected):
            path = "/v1/score" if "candidates" in q else "/v1/recommend"
            status, body, _ = srv.post(path + ("?titles=true" if titles else ""), q)
            got = body.decode()
            check(without_elapsed(got) == without_elapsed(want), f"{path} {q} titles={titles}: {got!r} != {want!r}")
            check(status == (400 if '"error"' in want else 200), f"{path} {q}: status {status} for {want!r}")
    os.unlink(f.name)


def bad_bodies(srv):
    for raw, needle in [(b"{", "invalid JSON"), (b'{"pins": {"1": 1}, "topp": 3}', 'unknown field \\"topp\\"'),
                        (b'{"pins": {"%d": 1}, "restart": 1.5}' % PIN, "restart must be in (0, 1], not 1.5"),
                        (b"[1,2]", "invalid query"), (b'{"pins": {"x1": 1}}', "is not an unsigned 64-bit id")]:
        status, body, _ = srv.post("/v1/recommend", raw=raw)
        check(status == 400 and needle in body.decode(), f"400 with {needle!r} for {raw!r}: {status} {body!r}")
    status, body, _ = srv.post("/v1/score", {"pins": {str(PIN): 1}})
    check(status == 400 and "candidates" in body.decode(), f"/v1/score without candidates: {status} {body!r}")
    big = b'{"pins": {"%d": 1}, "x-pad": "%s"}' % (PIN, b"a" * 70_000)
    status, body, _ = srv.post("/v1/recommend", raw=big)
    check(status == 413, f"413 for a 70 kB body with Content-Length: {status} {body[:200]!r}")
    status, body, _ = srv.post("/v1/score", raw=big)
    check(status == 413, f"413 for a 70 kB body to /v1/score: {status}")
    # Chunked, without Content-Length: the limit holds while reading.
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    c.request("POST", "/v1/recommend", body=iter([big[:40_000], big[40_000:]]),
              headers={"Content-Type": "application/json"}, encode_chunked=True)
    r = c.getresponse()
    r.read()
    c.close()
    check(r.status == 413, f"413 for a 70 kB chunked body: {r.status}")


def admin(srv):
    for headers, what in [({}, "no token"), ({"Authorization": "Bearer wrong"}, "a wrong token"),
                          ({"Authorization": "Bearer " + TOKEN + "x"}, "a longer token"),
                          ({"Authorization": TOKEN}, "no Bearer")]:
        status, body, _ = srv.post("/v1/admin/reload", raw=b"", headers=headers)
        check(status == 401, f"401 for {what}: {status} {body!r}")
    status, body, _ = srv.post("/v1/admin/reload", raw=b"", headers={"Authorization": "Bearer " + TOKEN})
    r = json.loads(body)
    check(status == 200 and r["reloaded"] is True and r["generation"] == 1, f"reload with the token: {status} {body!r}")


def deadlines(srv):
    q = {"pins": {str(PIN): 1}, "steps": 1_000_000_000, "early_stop": False, "seed": 1}
    for how in ("field", "header"):
        t = time.monotonic()
        if how == "field":
            status, body, _ = srv.post("/v1/recommend", {**q, "time_budget_ms": 150})
        else:
            status, body, _ = srv.post("/v1/recommend", q, headers={"X-Deadline-Ms": "150"})
        took = time.monotonic() - t
        r = json.loads(body)
        check(status == 200 and r["partial"] is True and r["steps"] < q["steps"], f"partial by the {how}: {body[:200]!r}")
        check(took < 2.0, f"the {how} deadline of 150 ms answered in {took:.2f} s")
    status, body, _ = srv.post("/v1/recommend", q, headers={"X-Deadline-Ms": "soon"})
    check(status == 400, f"400 for a deadline that is not a number: {status}")


def shedding(srv, max_in_flight):
    # max_in_flight slow walks (300 ms deadlines, two walk threads) fill the
    # server; a recommend and a score sent meanwhile get 503 with
    # Retry-After at once, and the slow ones all get their answer.
    q = {"pins": {str(PIN): 1}, "steps": 1_000_000_000, "early_stop": False, "time_budget_ms": 300}
    slow = []
    threads = [threading.Thread(target=lambda: slow.append(srv.post("/v1/recommend", q)[0])) for _ in range(max_in_flight)]
    for t in threads:
        t.start()
    time.sleep(0.1)
    for path, body in [("/v1/recommend", q), ("/v1/score", {**q, "candidates": [PIN]})]:
        t = time.monotonic()
        status, text, headers = srv.post(path, body)
        took = time.monotonic() - t
        check(status == 503 and headers.get("Retry-After") == "1" and took < 0.1,
              f"{path} beyond --max-in-flight: {status} {headers.get('Retry-After')} in {took:.3f} s {text!r}")
    for t in threads:
        t.join(30)
    check(slow == [200] * max_in_flight, f"the admitted requests were answered: {slow}")


def reload_under_load(srv, cli, graph, edges):
    stop = time.monotonic() + 30
    counts = {"ok": 0, "failed": []}
    running = threading.Event()
    running.set()

    def load():
        while running.is_set() and time.monotonic() < stop:
            try:
                status, body, _ = srv.post("/v1/recommend", {"pins": {str(PIN): 1}, "seed": 1, "steps": 20000})
                if status == 200 and json.loads(body)["results"]:
                    counts["ok"] += 1
                else:
                    counts["failed"].append((status, body[:200]))
            except Exception as e:  # a lost connection is a failed request
                counts["failed"].append(repr(e))

    workers = [threading.Thread(target=load) for _ in range(3)]
    for w in workers:
        w.start()
    fresh = graph + ".fresh"
    gens = []
    for i in range(8):
        build(cli, fresh, edges)
        os.replace(fresh, graph)  # the daily file renamed into place
        status, body, _ = srv.post("/v1/admin/reload", raw=b"", headers={"Authorization": "Bearer " + TOKEN})
        gens.append(json.loads(body)["generation"])
        check(status == 200, f"reload {i} under load: {status} {body!r}")
        if i == 4:
            os.kill(srv.proc.pid, signal.SIGHUP)  # the same by signal
            time.sleep(0.3)
    # A bad file renamed into place is refused; the old graph stays.
    with open(fresh, "wb") as f:
        f.write(b"not a graph" * 1000)
    os.replace(fresh, graph)
    status, body, _ = srv.post("/v1/admin/reload", raw=b"", headers={"Authorization": "Bearer " + TOKEN})
    r = json.loads(body)
    check(status == 422 and r["reloaded"] is False and "error" in r, f"a bad file is refused: {status} {body!r}")
    time.sleep(0.3)
    running.clear()
    for w in workers:
        w.join(30)
    check(gens == sorted(gens) and gens[-1] >= 9, f"generations increase, SIGHUP counted: {gens}")
    check(counts["failed"] == [] and counts["ok"] > 20, f"no request lost during reloads: {counts['ok']} ok, {counts['failed'][:3]}")
    status, body, _ = srv.get("/v1/graph")
    g = json.loads(body)
    check(status == 200 and g["generation"] == gens[-1] and g["pins"] > 0, f"/v1/graph after a refused file: {body!r}")
    build(cli, graph, edges)  # leave a good file


def sample_edges():
    """(pin, board) pairs of the sample graph's edge list."""
    out = []
    for line in open(os.path.join(SAMPLE, "edges.tsv")):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 2 and f[0].isdigit() and f[1].isdigit():
            out.append((int(f[0]), int(f[1])))
    return out


def live_edges(cli, tmp, token):
    """The live-edge endpoints on a server of their own (a small cap, one
    write at a time), on a graph with a watermark of 1000."""
    graph = os.path.join(tmp, "live.bwg")
    edges_path = os.path.join(SAMPLE, "edges.tsv")
    build(cli, graph, edges_path, "--watermark", "1000")
    srv = Server(cli, graph, "--threads", "2", "--admin-token-file", token, "--max-writes-in-flight", "1",
                 "--live-max-edges", "400", "--max-edge-body-bytes", "20000", "--max-body-bytes", "65536")
    auth = {"Authorization": "Bearer " + TOKEN}
    tsv = {**auth, "Content-Type": "text/tab-separated-values"}
    sample = sample_edges()
    boards_of_pin = sorted({b for p, b in sample if p == PIN})
    NEW, NEW2, NEW3, OLD = 990000000000000001, 990000000000000002, 18446744073709551615, 990000000000000004  # not in the sample
    query = {"pins": {str(PIN): 1}, "seed": 5, "top": 100}

    def recommend(q=query):
        status, body, _ = srv.post("/v1/recommend", q)
        return status, json.loads(body)

    def ids(q=query):
        st, r = recommend(q)
        return {x["id"] for x in r.get("results", [])}

    def add(body, headers=tsv, path="/v1/edges"):
        status, text, _ = srv.post(path, raw=body.encode() if isinstance(body, str) else body, headers=headers)
        return status, json.loads(text)

    def rows(pin, boards, time=None):
        return "".join(f"{pin}\t{b}" + (f"\t{time}" if time is not None else "") + "\n" for b in boards)

    def graph_info():
        return json.loads(srv.get("/v1/graph")[1])

    try:
        # Tokens: every write endpoint refuses a missing or wrong one, before reading the body.
        for path in ("/v1/edges", "/v1/edges/remove", "/v1/hide"):
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Bearer " + TOKEN + "x"}):
                status, body, hdrs = srv.post(path, raw=b"1\t2\n", headers={**headers, "Content-Type": "text/plain"})
                check(status == 401 and hdrs.get("WWW-Authenticate") == "Bearer", f"{path} with {headers}: {status} {body!r}")
        check(graph_info()["live_edges"] == 0, "no live edges before any write")
        before = scrape(srv)
        check(NEW not in ids(), "the new pin is not recommended before it is added")
        st, r = recommend({"pins": {str(NEW): 1}})
        check(st == 400 and str(NEW) in r.get("error", ""), f"an unknown pin before the add: {st} {r}")

        # TSV: the new pin saved to every board of PIN (times above the watermark) is in PIN's next answer.
        live_file = os.path.join(tmp, "live-edges.tsv")
        text = "pin\tboard\ttime\n" + rows(NEW, boards_of_pin, 2000)
        with open(live_file, "w") as f:
            f.write(text)
        st, r = add(text)
        check(st == 200 and r["added"] == len(boards_of_pin) and r["duplicates"] == 0 and r["refused"] == 0
              and r["live_edges"] == len(boards_of_pin), f"TSV add: {st} {r}")
        got = ids()
        check(NEW in got, f"a new pin saved to the {len(boards_of_pin)} boards of the query pin is in its top 100")
        # The same answer as boardwalk query --batch with the same live edges, byte for byte but elapsed_us.
        batch = os.path.join(tmp, "live-queries.jsonl")
        lines = [query, {"pins": {str(NEW): 1}, "seed": 2, "top": 10},
                 {"pins": {str(PIN): 1}, "seed": 3, "candidates": [NEW, PIN]},
                 {"pins": {str(PIN): 1}, "method": "exact", "top": 5, "include_boards": True}]
        with open(batch, "w") as f:
            f.writelines(json.dumps(q) + "\n" for q in lines)
        want = subprocess.run([cli, "query", graph, "--batch", batch, "--live-edges", live_file],
                              check=True, capture_output=True, text=True).stdout.splitlines()
        for q, w in zip(lines, want):
            path = "/v1/score" if "candidates" in q else "/v1/recommend"
            st, body, _ = srv.post(path, q)
            check(st == 200 and without_elapsed(body.decode()) == without_elapsed(w),
                  f"{path} {q} with live edges = query --batch --live-edges: {body[:300]!r} != {w[:300]!r}")

        # Duplicates: the same edges again, and an edge of the base.
        base_edge = sample[0]
        st, r = add(rows(NEW, boards_of_pin[:3]) + rows(base_edge[0], [base_edge[1]]))
        check(st == 200 and r["added"] == 0 and r["duplicates"] == 4, f"duplicates counted once: {st} {r}")

        # JSON, both forms; ids as numbers or strings; 2^64-1 is an id like any other.
        st, r = add(json.dumps([{"pin": NEW2, "board": b, "time": 3000} for b in boards_of_pin[:10]]),
                    headers={**auth, "Content-Type": "application/json; charset=utf-8"})
        check(st == 200 and r["added"] == 10, f"JSON objects: {st} {r}")
        st, r = add(json.dumps({"pins": [str(NEW3)] * 10, "boards": boards_of_pin[:10]}),
                    headers={**auth, "Content-Type": "application/json"})
        check(st == 200 and r["added"] == 10 and r["live_edges"] == len(boards_of_pin) + 20, f"JSON arrays: {st} {r}")
        got = ids()
        check(NEW2 in got and NEW3 in got, f"pins added by JSON are walked: {NEW2 in got} {NEW3 in got}")

        # Bad bodies: 400 naming the line or element, 415, 413; nothing is added.
        count = graph_info()["live_edges"]
        for body, headers, status, needle in [
            (rows(1, [2]) + "3\tx\n", tsv, 400, "body:2: board id"),
            ("1\t2\t3\t4\n", tsv, 400, "body:1: expected pin<TAB>board[<TAB>time]"),
            ("1\t-2\n", tsv, 400, "body:1:"),
            ('[{"pin": 1, "board": -5}]', {**auth, "Content-Type": "application/json"}, 400, "edges[0].board"),
            ('[{"pin": 1, "board": 2}, {"pin": 1}]', {**auth, "Content-Type": "application/json"}, 400, "edges[1].board: missing"),
            ('[{"pin": 1, "bord": 2}]', {**auth, "Content-Type": "application/json"}, 400, 'unknown field \\"bord\\"'),
            ('{"pins": [1, 2], "boards": [3]}', {**auth, "Content-Type": "application/json"}, 400, "boards has 1 ids for 2 pins"),
            ('{"pins": [1', {**auth, "Content-Type": "application/json"}, 400, "invalid JSON"),
            ("1\t2\n", {**auth, "Content-Type": "application/x-www-form-urlencoded"}, 415, "Content-Type"),
            ("1\t2\n", auth, 415, "Content-Type"),
            (rows(5, range(5000)), tsv, 413, "request body over 20000 bytes"),
            (rows(5, range(401)), tsv, 413, "live-edge cap (400"),
        ]:
            st, b, _ = srv.request("POST", "/v1/edges", body.encode(), headers)
            check(st == status and needle in b.decode(), f"{status} with {needle!r}: {st} {b[:300]!r}")
        for body, headers, status, needle in [
            ("1\tx\n", tsv, 400, "body:1: board id"),
            ('[{"pin": 1}]', {**auth, "Content-Type": "application/json"}, 400, "edges[0].board: missing"),
            ("1\t2\n", {**auth, "Content-Type": "image/png"}, 415, "Content-Type"),
            (rows(5, range(5000)), tsv, 413, "request body over 20000 bytes"),
        ]:
            st, b, _ = srv.request("POST", "/v1/edges/remove", body.encode(), headers)
            check(st == status and needle in b.decode(), f"remove: {status} with {needle!r}: {st} {b[:300]!r}")
        st, b, _ = srv.post("/v1/hide", raw=json.dumps({"pins": list(range(100000, 120000))}).encode(), headers=auth)
        check(st == 413, f"/v1/hide over --max-body-bytes: {st} {b[:200]!r}")
        check(graph_info()["live_edges"] == count and graph_info()["live"]["removed"] == 0, "a refused body changes nothing")

        # Removal: the new pin's edges go, it is no longer walked or known; a base edge goes too.
        st, r = add(rows(NEW, boards_of_pin) + rows(77, [77]), path="/v1/edges/remove")
        check(st == 200 and r["removed"] == len(boards_of_pin) and r["missing"] == 1, f"removal: {st} {r}")
        check(NEW not in ids(), "a removed pin is not recommended")
        st, r = recommend({"pins": {str(NEW): 1}})
        check(st == 400, f"a pin whose every edge was removed is unknown: {st} {r}")
        st, r = add(json.dumps({"pins": [base_edge[0]], "boards": [base_edge[1]]}),
                    headers={**auth, "Content-Type": "application/json"}, path="/v1/edges/remove")
        check(st == 200 and r["removed"] == 1, f"removing a base edge: {st} {r}")
        st, r = add(rows(base_edge[0], [base_edge[1]]))
        check(st == 200 and r["added"] == 1, f"adding a removed base edge restores it: {st} {r}")

        # Hiding: a pin of PIN's answer is never a result again, and its later edges are refused.
        victim = next(x["id"] for x in recommend()[1]["results"] if x["id"] not in (NEW2, NEW3))
        st, b, _ = srv.post("/v1/hide", {"pins": [victim], "boards": []}, headers=auth)
        r = json.loads(b)
        check(st == 200 and r["hidden_pins"] == 1 and r["hidden"] == 1, f"hide: {st} {r}")
        check(victim not in ids(), "a hidden pin is not recommended")
        st, r = add(rows(victim, boards_of_pin[:2]))
        check(st == 200 and r["refused"] == 2 and r["added"] == 0, f"edges of a hidden pin are refused: {st} {r}")
        for raw, needle in [(b'{"pins": [-1]}', "pins"), (b'{"pinz": [1]}', 'unknown field'), (b"{}", "nothing to hide"),
                            (b"[", "invalid JSON")]:
            st, b, _ = srv.post("/v1/hide", raw=raw, headers=auth)
            check(st == 400 and needle in b.decode(), f"/v1/hide {raw!r}: {st} {b!r}")

        # One write at a time is admitted (--max-writes-in-flight 1): a write whose body is still
        # arriving holds the slot, and another one gets 503 with Retry-After at once.
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
        slow_body = rows(NEW, boards_of_pin[:2]).encode()
        c.putrequest("POST", "/v1/edges")
        for k, v in {**tsv, "Content-Length": str(len(slow_body))}.items():
            c.putheader(k, v)
        c.endheaders()
        c.send(slow_body[:5])
        time.sleep(0.3)
        t = time.monotonic()
        for path, body in [("/v1/edges", rows(NEW, boards_of_pin[:1])), ("/v1/edges/remove", rows(NEW, boards_of_pin[:1])),
                           ("/v1/hide", json.dumps({"boards": [1]}))]:
            st, b, h = srv.post(path, raw=body.encode(), headers=tsv if path != "/v1/hide" else auth)
            took = time.monotonic() - t
            check(st == 503 and h.get("Retry-After") == "1" and took < 0.5, f"{path}: a second write in flight: {st} {h} {took:.2f} s {b!r}")
        c.send(slow_body[5:])
        resp = c.getresponse()
        r = json.loads(resp.read())
        c.close()
        check(resp.status == 200 and r["added"] == 2, f"the slow write was answered: {resp.status} {r}")

        # A reload keeps the live edges newer than the new base's watermark and drops the others.
        st, r = add(rows(OLD, boards_of_pin, 500))  # at or below a watermark of 1000: in the next base
        check(st == 200 and r["added"] == len(boards_of_pin) and OLD in ids(), f"edges at time 500: {st} {r}")
        kept = graph_info()["live_edges"]
        fresh = graph + ".fresh"
        build(cli, fresh, edges_path, "--watermark", "1000")
        os.replace(fresh, graph)
        st, b, _ = srv.post("/v1/admin/reload", raw=b"", headers=auth)
        r = json.loads(b)
        check(st == 200 and r["reloaded"] and r["live_edges_dropped"] == len(boards_of_pin)
              and r["live_edges"] == kept - len(boards_of_pin), f"reload with live edges: {st} {r} (had {kept})")
        check(graph_info()["live_edges"] == r["live_edges"], "/v1/graph after the reload")
        got = ids()
        check(OLD not in got and NEW2 in got and NEW3 in got and victim not in got,
              f"after the reload: edges at the watermark gone {OLD not in got}, newer kept {NEW2 in got} {NEW3 in got}, "
              f"hidden stays hidden {victim not in got}")
        st, body = recommend({"pins": {str(OLD): 1}})
        check(st == 400, f"the pin whose edges were at the watermark is gone after the reload: {st} {body}")

        # Expiry: past the cap (400 edges, 4 segments of 100) the oldest segment goes whole.
        for k in range(5):
            st, r = add(rows(900 + k, range(100 * k, 100 * k + 90), 5000))
            check(st == 200, f"filling the log {k}: {st} {r}")
        info = graph_info()
        check(info["live"]["expired"] > 0 and info["live_edges"] <= 400 and info["live"]["segments"] >= 1,
              f"the oldest segments expired: {info['live']}")


        after = scrape(srv)
        for name in ["boardwalk_live_edges_added_total", "boardwalk_live_edges_duplicate_total",
                     "boardwalk_live_edges_refused_total", "boardwalk_live_edges_removed_total",
                     "boardwalk_live_edges_missing_total", "boardwalk_live_nodes_hidden_total",
                     "boardwalk_live_edges_expired_total"]:
            check(after.get(name, 0) > before.get(name, 0), f"{name} moved: {before.get(name)} -> {after.get(name)}")
        check(after.get("boardwalk_live_edges") == graph_info()["live_edges"], "boardwalk_live_edges is the live edge count")
        for name in ["boardwalk_live_segments", "boardwalk_live_max_edges", "boardwalk_live_ingest_edges_per_second",
                     "boardwalk_live_write_duration_seconds_bucket", "boardwalk_live_new_pins", "boardwalk_live_hidden_nodes"]:
            check(any(k.split("{")[0] == name for k in after), f"/metrics has {name}")
        check(after.get('boardwalk_shed_requests_total{endpoint="edges"}', 0) >= 1, "the shed write is counted")
    finally:
        code = srv.stop()
        check(code == 0, f"the live-edge server exits 0, not {code}")


METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*,?)?\})? '
                    r'(?P<value>-?[0-9.eE+-]+|NaN|\+Inf|-Inf)( -?[0-9]+)?$')


def scrape(srv):
    status, body, headers = srv.get("/metrics")
    check(status == 200 and headers.get("Content-Type", "").startswith("text/plain"), f"/metrics: {status} {headers}")
    samples = {}
    for line in body.decode().splitlines():
        if not line or line.startswith("#"):
            check(not line or re.match(r"^# (TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)|HELP .*)$", line),
                  f"a comment line of the text format: {line!r}")
            continue
        m = METRIC.match(line)
        check(m is not None, f"a sample line of the text format: {line!r}")
        if m:
            samples[line[:m.start("value") - 1]] = float(m.group("value"))
    return samples


def metrics(srv):
    before = scrape(srv)
    key = 'boardwalk_http_requests_total{endpoint="recommend",status="200"}'
    for _ in range(3):
        srv.post("/v1/recommend", {"pins": {str(PIN): 1}, "seed": 1})
    after = scrape(srv)
    moved = after.get(key, 0) - before.get(key, 0)
    check(moved == 3, f"{key} moved by 3, not {moved}")
    for name in ["boardwalk_http_request_duration_seconds_bucket", "boardwalk_walk_steps_bucket", "boardwalk_walks_total",
                 "boardwalk_walks_partial_total", "boardwalk_walks_early_stopped_total", "boardwalk_in_flight_requests",
                 "boardwalk_shed_requests_total", "boardwalk_graph_generation", "boardwalk_graph_swaps_total",
                 "boardwalk_graph_swaps_failed_total", "boardwalk_graph_swap_duration_seconds_bucket", "boardwalk_graph_pins",
                 "boardwalk_graph_boards", "boardwalk_graph_edges"]:
        check(any(k.split("{")[0] == name for k in after), f"/metrics has {name}")
    check(after.get("boardwalk_graph_swaps_failed_total", 0) >= 1 and after.get("boardwalk_graph_swaps_total", 0) >= 9,
          "swap counters moved")
    check(after.get("boardwalk_walks_partial_total", 0) >= 2, "partial walks counted")
    share = after.get("boardwalk_graph_huge_page_share")
    # The share of the resident graph in huge pages (bw_graph_huge_pages): a
    # prefaulted graph is resident, so Linux gives a share in [0, 1].
    check(share is not None and 0.0 <= share <= 1.0, f"boardwalk_graph_huge_page_share in [0, 1], not {share}")


# Documented answers this script cannot bring about on the small sample: 503
# while the graph opens (the sample opens in microseconds) or, for /readyz,
# while draining (the listener is closed by then).
NOT_EXERCISED = {("GET", "/readyz", 503), ("GET", "/v1/graph", 503)}
# ... and a write the library fails half-way (out of memory: the edges before stay, the answer says so).
NOT_EXERCISED |= {("POST", p, 500) for p in ("/v1/edges", "/v1/edges/remove", "/v1/hide")}


def openapi(spec_path):
    import yaml  # PyYAML; Tools/setup installs it when missing
    spec = yaml.safe_load(open(spec_path))
    documented = {(m.upper(), p, int(s)) for p, ops in spec["paths"].items() for m, op in ops.items()
                  for s in op["responses"]}
    missing = documented - seen - NOT_EXERCISED
    check(not missing, f"documented but never seen: {sorted(missing)}")
    undocumented = {x for x in seen if x[1] in spec["paths"] and x not in documented}
    check(not undocumented, f"seen but not documented: {sorted(undocumented)}")
    # Every JSON answer seen has the fields its documented schema requires, of the documented types.
    def deref(node):
        while isinstance(node, dict) and "$ref" in node:
            target = spec
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    types = {"integer": int, "number": (int, float), "string": str, "boolean": bool, "array": list, "object": dict}

    def conforms(value, schema, where):
        schema = deref(schema)
        if value is None:
            check(schema.get("nullable", False), f"{where}: null where the schema does not allow it")
            return
        if "oneOf" in schema:
            return
        t = schema.get("type")
        if t in types:
            ok = isinstance(value, types[t]) and not (t in ("integer", "number") and isinstance(value, bool))
            check(ok, f"{where}: {str(value)[:80]!r} is not of type {t}")
            if not ok:
                return
        if isinstance(value, dict):
            for f in schema.get("required", []):
                check(f in value, f"{where}: the required field {f!r} is missing from {str(value)[:200]}")
            for f, sub in schema.get("properties", {}).items():
                if f in value:
                    conforms(value[f], sub, f"{where}.{f}")
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value[:50]):
                conforms(item, schema["items"], f"{where}[{i}]")

    for (method, path, status), body in sorted(bodies.items(), key=str):
        op = spec["paths"].get(path, {}).get(method.lower())
        if not op or str(status) not in op["responses"]:
            continue
        response = deref(op["responses"][str(status)])
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        if schema is not None:
            check(body is not None, f"{method} {path} {status}: the answer is not JSON")
            if body is not None:
                conforms(body, schema, f"{method} {path} {status}")
    unknown_paths = {x for x in seen if x[1] not in spec["paths"]}
    check(all(x[2] == 404 for x in unknown_paths), f"paths outside openapi.yaml answer 404: {unknown_paths}")


def drain(cli, graph):
    srv = Server(cli, graph, "--threads", "1")
    out = {}

    def slow():
        q = {"pins": {str(PIN): 1}, "steps": 1_000_000_000, "early_stop": False, "time_budget_ms": 800}
        out["r"] = srv.post("/v1/recommend", q)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.3)
    code = srv.stop()
    t.join(30)
    check(out.get("r", (None,))[0] == 200, f"the request in flight at SIGTERM was answered: {out.get('r', (None, b''))[:2]}")
    check(code == 0, f"SIGTERM exits 0, not {code}: {''.join(srv.stderr)[-1000:]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=os.path.join(ROOT, ".build", "debug", "boardwalk"))
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)
    start = time.monotonic()
    watchdog = threading.Timer(240, lambda: (print("FAIL: Tests/server/run.py took over 240 s"), os._exit(1)))
    watchdog.daemon = True
    watchdog.start()
    tmp = tempfile.mkdtemp(prefix="bw-serve-")
    try:
        graph = os.path.join(tmp, "sample.bwg")
        edges = os.path.join(SAMPLE, "edges.tsv")
        build(cli, graph, edges)
        token = os.path.join(tmp, "token")
        with open(token, "w") as f:
            f.write(TOKEN + "\n")
        status = Server(cli, graph, "--threads", "2", "--max-in-flight", "4", "--max-body-bytes", "65536",
                        "--admin-token-file", token)
        srv = status
        try:
            check(srv.get("/healthz")[0] == 200, "/healthz")
            check(srv.get("/readyz")[0] == 200, "/readyz")
            check(srv.get("/nope")[0] == 404, "404 for an unknown path")
            same_as_batch(cli, srv, graph)
            bad_bodies(srv)
            admin(srv)
            deadlines(srv)
            shedding(srv, 4)
            reload_under_load(srv, cli, graph, edges)
            metrics(srv)
            st, body, _ = srv.get("/v1/graph")
            check(st == 200 and json.loads(body)["path"] == graph, f"/v1/graph: {body!r}")
        finally:
            code = srv.stop()
            check(code == 0, f"exit code 0 after SIGTERM, not {code}")
        live_edges(cli, tmp, token)
        # A server without --admin-token-file: admin endpoints answer 401.
        # It opens the graph into huge pages (--huge-pages): the same answers.
        plain = Server(cli, graph, "--huge-pages")
        try:
            st, body, _ = plain.post("/v1/admin/reload", raw=b"")
            check(st == 401 and "--admin-token-file" in body.decode(), f"admin off: {st} {body!r}")
            for path in ("/v1/edges", "/v1/edges/remove", "/v1/hide"):
                st, body, _ = plain.post(path, raw=b"1\t2\n", headers={"Content-Type": "text/plain"})
                check(st == 401 and "--admin-token-file" in body.decode(), f"{path} with admin off: {st} {body!r}")
            same_as_batch(cli, plain, graph)
        finally:
            plain.stop()
        drain(cli, graph)
        # boardwalk without boardwalk-server beside it says how to build it.
        lone = os.path.join(tmp, "bin")
        os.mkdir(lone)
        shutil.copy(cli, lone)
        p = subprocess.run([os.path.join(lone, "boardwalk"), "serve", graph], capture_output=True, text=True, timeout=30)
        check(p.returncode == 1 and "--product boardwalk-server" in p.stderr, f"no boardwalk-server: {p.returncode} {p.stderr!r}")
        # Options the library refuses are bad usage, before the server starts.
        for opt, needle in [(["--live-max-edges", "1"], "--live-max-edges must be in 4 ... 1099511627776, not 1"),
                            (["--max-writes-in-flight", "0"], "--max-writes-in-flight must be at least 1"),
                            (["--max-edge-body-bytes", "0"], "--max-edge-body-bytes must be at least 1")]:
            p = subprocess.run([cli, "serve", graph, "--port", "0", *opt], capture_output=True, text=True, timeout=30)
            check(p.returncode == 64 and needle in p.stderr, f"serve {opt}: {p.returncode} {p.stderr[-300:]!r}")
        # A graph that is missing ends the server.
        p = subprocess.run([cli, "serve", os.path.join(tmp, "missing.bwg"), "--port", "0"], capture_output=True,
                           text=True, timeout=30)
        check(p.returncode == 1 and "missing.bwg" in p.stderr, f"a missing graph ends the server: {p.returncode} {p.stderr[-300:]}")
        openapi(os.path.join(ROOT, "openapi.yaml"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"Tests/server/run.py took {time.monotonic() - start:.1f} s")
    print(f"server: {checks - len(failures)} passed, {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
