#!/usr/bin/env bash
# boardwalk serve against the same queries in process, on one graph: the
# targets of issue 15, numbers for BENCHMARKS.md (not a test: nothing here
# fails on a number). Loopback only; every step is bounded in time.
#
#   Tests/server/bench.sh GRAPH EDGES [SECONDS] [ROUNDS] [RELOADS] [INGEST_BATCHES]
#
# GRAPH is a graph built from the edge list EDGES (query pins and the
# boards of ingested edges are drawn from it). Needs wrk and a C compiler
# (Debian's wrk, gcc) and release builds of boardwalk and boardwalk-server
# (swift build -c release --product boardwalk / --product boardwalk-server).
#
# The machine may be shared: the in-process and server runs alternate, in
# ROUNDS rounds (default 3; odd rounds start in process, even ones with the
# server), each printed with the load average, and the summary gives their
# ratios per round and the medians. The queries are one-pin, 100,000
# steps, no early stopping, seed i (the same bodies for wrk, openloop.c and
# inprocess_openloop.c). Besides rates and latencies, each run reports the
# CPU time per query (user + system) of the side that answers it: the
# in-process tool's own, the server process's from /proc (the load
# generator's excluded), which a varying share of the cores does not change.
# Per round:
#   1. closed loop, one at a time: in-process (one thread) and the server
#      (one connection): p50 and the latency the server adds at p50;
#   2. closed loop, saturated: in-process on 2 threads, the server with 2
#      walk threads under wrk -t2 -c8: the maximum throughput of each;
#   3. open loop at 80% of the maximum throughput (the lower of the two
#      maxima of the round, so that neither side is overloaded; openloop.c,
#      8 connections, latency from when each request was due) and in process
#      at the same rate on 2 threads: p50 and p99 of each.
# Then RELOADS reloads of a new file renamed into place during a load run
# (failed requests, RSS before and after), and ingest over HTTP: INGEST_BATCHES
# (default 100) TSV bodies of 10,000 edges posted one after another to
# /v1/edges while one connection sends queries, against `boardwalk bench
# --live-edges` in process with the same batch size (one writer, one query
# thread).
set -euo pipefail
graph=$1 edges=$2 secs=${3:-10} rounds=${4:-3} reloads=${5:-100} batches=${6:-100}
repo="$(cd "$(dirname "$0")/../.." && pwd)"
bw=${BOARDWALK:-$repo/.build/release/boardwalk}
command -v wrk >/dev/null || { echo "bench.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$(dirname "$bw")/boardwalk-server" ] || { echo "bench.sh: needs $(dirname "$bw")/boardwalk-server (swift build -c release --product boardwalk-server)" >&2; exit 1; }
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

cc -O2 -o "$work/openloop" "$repo/Tests/server/openloop.c"
cc -std=c11 -O2 -D_GNU_SOURCE -I "$repo/Sources/CBoardwalk/include" -o "$work/inprocess" \
  "$repo/Tests/server/inprocess_openloop.c" "$repo"/Sources/CBoardwalk/*.c -llmdb -lm -pthread

# 256 query pins from the edge list; 2,000 request bodies cycling through them.
grep -v '^#' "$edges" | cut -f1 | grep -E '^[0-9]+$' | shuf -n 256 --random-source=<(yes) > "$work/pins"
awk '{ p[NR - 1] = $1 } END { for (i = 0; i < 2000; i++) printf "{\"pins\":{\"%s\":1},\"steps\":100000,\"early_stop\":false,\"seed\":%d}\n", p[i % NR], i }' \
  "$work/pins" > "$work/bodies"
cat > "$work/q.lua" <<'LUA'
local pins = {}
for line in io.lines(os.getenv("PINS")) do pins[#pins + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = '{"pins":{"' .. pins[(i % #pins) + 1] .. '":1},"steps":100000,"early_stop":false,"seed":' .. i .. '}'
  i = i + 1
  return wrk.format(nil, "/v1/recommend", nil, body)
end
LUA
export PINS="$work/pins"

cp "$graph" "$work/g.bwg"
echo "secret" > "$work/token"
"$bw" serve "$work/g.bwg" --port 0 --threads 2 --max-in-flight 64 --access-log-per-second 0 --no-verify \
  --admin-token-file "$work/token" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed 's/listening on //' "$work/out")
port=${url##*:}
for _ in $(seq 600); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
hz=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$hz" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat"; }  # the server's CPU time so far
# Adds "cpu_ms_per_query" (the server's CPU over the run / answered) to openloop's JSON.
with_cpu() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); d['cpu_ms_per_query']=round(($2-$1)/max(d['answered'],1),3); print(json.dumps(d))" "$3"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d[sys.argv[1]])" "$1"; }
wrk_rps() { awk '/Requests\/sec/ {print $2}'; }

echo "graph $graph; server $url (2 walk threads); $secs s per run, $rounds rounds; load $(load); $(nproc) cores"
"$work/inprocess" "$work/g.bwg" "$work/pins" 1000000 2 1 100000 > /dev/null  # warm the page cache
"$work/openloop" 127.0.0.1 "$port" /v1/recommend 1000000 2 1 "$work/bodies" > /dev/null
summary=()
inprocess_one() { ip1=$("$work/inprocess" "$work/g.bwg" "$work/pins" 1000000 "$secs" 1 100000); }
server_one() { local c0; c0=$(cpu_ms); sv1=$("$work/openloop" 127.0.0.1 "$port" /v1/recommend 1000000 "$secs" 1 "$work/bodies"); sv1=$(with_cpu "$c0" "$(cpu_ms)" "$sv1"); }
inprocess_max() { ipmax=$("$work/inprocess" "$work/g.bwg" "$work/pins" 1000000 "$secs" 2 100000); }
server_max() {
  local c0 out; c0=$(cpu_ms)
  out=$(wrk -t2 -c8 -d"${secs}s" -s "$work/q.lua" "$url")
  svmax=$(echo "$out" | wrk_rps)
  svcpu=$(echo "$out" | awk -v c0="$c0" -v c1="$(cpu_ms)" '/requests in/ { printf "%.3f", (c1 - c0) / $1 }')
}
inprocess_80() { ip80=$("$work/inprocess" "$work/g.bwg" "$work/pins" "$rate" "$secs" 2 100000); }
server_80() { local c0; c0=$(cpu_ms); sv80=$("$work/openloop" 127.0.0.1 "$port" /v1/recommend "$rate" "$secs" 8 "$work/bodies"); sv80=$(with_cpu "$c0" "$(cpu_ms)" "$sv80"); }
for r in $(seq "$rounds"); do
  echo "== round $r (load $(load))"
  if [ $((r % 2)) = 1 ]; then inprocess_one; server_one; else server_one; inprocess_one; fi
  echo "  one at a time, in process: $ip1"
  echo "  one at a time, server:     $sv1"
  if [ $((r % 2)) = 1 ]; then inprocess_max; server_max; else server_max; inprocess_max; fi
  echo "  saturated, in process (2 threads): $ipmax"
  echo "  saturated, server (wrk -t2 -c8):   $svmax requests/s, $svcpu ms of the server's CPU per query (load $(load))"
  rate=$(python3 -c "import json; print(round(0.8 * min($svmax, json.loads('$ipmax')['achieved_rate']), 1))")
  if [ $((r % 2)) = 1 ]; then inprocess_80; server_80; else server_80; inprocess_80; fi
  echo "  open loop at $rate/s (80% of the lower maximum), server: $sv80"
  echo "  open loop at $rate/s, in process (2 threads):      $ip80"
  summary+=("$(python3 - "$ip1" "$sv1" "$ipmax" "$svmax" "$sv80" "$ip80" "$(load)" "$svcpu" <<'EOF'
import json, sys
ip1, sv1 = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ipm, svmax, svcpu = json.loads(sys.argv[3]), float(sys.argv[4]), float(sys.argv[8])
ipmax = ipm['achieved_rate']
sv80, ip80 = json.loads(sys.argv[5]), json.loads(sys.argv[6])
added = sv1['service_p50_ms'] - ip1['service_p50_ms']
print(json.dumps({"p50_in_process_ms": ip1['service_p50_ms'], "p50_server_ms": sv1['service_p50_ms'], "p50_added_ms": round(added, 3),
                  "max_in_process_qps": ipmax, "max_server_qps": svmax, "throughput_ratio": round(svmax / ipmax, 3),
                  "cpu_in_process_ms": ipm['cpu_ms_per_query'], "cpu_server_ms": svcpu,
                  "cpu_ratio": round(ipm['cpu_ms_per_query'] / svcpu, 3),
                  "cpu_one_in_process_ms": ip1['cpu_ms_per_query'], "cpu_one_server_ms": sv1['cpu_ms_per_query'],
                  "rate_80": sv80['rate'], "p50_80_server_ms": sv80['p50_ms'], "p50_80_in_process_ms": ip80['p50_ms'],
                  "p99_80_server_ms": sv80['p99_ms'], "p99_80_in_process_ms": ip80['p99_ms'],
                  "p99_ratio": round(sv80['p99_ms'] / ip80['p99_ms'], 3), "server_non_2xx": sv80['non_2xx'],
                  "server_errors": sv80['errors'], "load": sys.argv[7]}))
EOF
)")
done
echo "== summary (server against in process, per round, then the medians)"
printf '%s\n' "${summary[@]}" | python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
for r in rows:
    print("  p50 one at a time {p50_in_process_ms:.2f} ms in process, {p50_server_ms:.2f} ms server (+{p50_added_ms:.2f} ms); "
          "max {max_in_process_qps:.0f}/s in process, {max_server_qps:.0f}/s server ({throughput_ratio:.2f}x), "
          "CPU per query {cpu_in_process_ms:.2f} / {cpu_server_ms:.2f} ms (in process / server: {cpu_ratio:.2f}x); "
          "at {rate_80:.0f}/s p99 {p99_80_server_ms:.1f} ms server, {p99_80_in_process_ms:.1f} ms in process ({p99_ratio:.2f}x), "
          "p50 {p50_80_server_ms:.1f} / {p50_80_in_process_ms:.1f} ms; non-2xx {server_non_2xx}, errors {server_errors}; "
          "load {load}".format(**r))
m = lambda k: statistics.median(r[k] for r in rows)
print("  medians: p50 added {:.2f} ms; throughput {:.2f}x; CPU per query in process / server {:.2f}x; p99 at 80% {:.2f}x".format(
    m("p50_added_ms"), m("throughput_ratio"), m("cpu_ratio"), m("p99_ratio")))
'
echo

rss0=$(rss)
echo "== $reloads reloads of a new file during a load run (RSS before: $rss0 kB; load $(load))"
wrk -t1 -c4 -d"$((secs * 3))s" -s "$work/q.lua" "$url" > "$work/wrk-reload" &
wpid=$!
sleep 1
failed=0
for i in $(seq "$reloads"); do
  cp "$graph" "$work/g.bwg.new" && mv "$work/g.bwg.new" "$work/g.bwg"   # a new file renamed into place
  curl -fs -X POST -H "Authorization: Bearer secret" "$url/v1/admin/reload" > /dev/null || failed=$((failed + 1))
done
wait $wpid
grep -E 'requests in|Requests/sec|Non-2xx|Socket' "$work/wrk-reload" || true
echo "reloads refused: $failed; generation: $(curl -fs "$url/v1/graph" | json generation)"
sleep 2
echo "RSS after: $(rss) kB (before $rss0 kB)"
curl -fs "$url/metrics" | grep -E '^boardwalk_(graph_swaps|shed|walks_partial)' || true
echo

echo "== ingest over HTTP: $batches TSV bodies of 10,000 edges to /v1/edges, one after another (load $(load))"
python3 - "$edges" "$work/batches" "$batches" <<'EOF'
import os, random, sys
pins, boards = [], []
for n, line in enumerate(open(sys.argv[1])):
    f = line.split("\t")
    if len(f) >= 2 and f[0].isdigit() and f[1].strip().isdigit():
        pins.append(f[0]); boards.append(f[1].strip())
    if n >= 2_000_000:
        break
rnd = random.Random(1)
os.makedirs(sys.argv[2])
t = 1000
for b in range(int(sys.argv[3])):
    with open(f"{sys.argv[2]}/{b:05d}.tsv", "w") as out:
        for _ in range(10_000):
            # 80% between pins and boards of the graph, 20% from a new pin (as bench --live-edges N).
            pin = rnd.choice(pins) if rnd.random() >= 0.2 else str(18_000_000_000_000_000_000 + rnd.randrange(125_000))
            out.write(f"{pin}\t{rnd.choice(boards)}\t{t}\n")
            t += 1
EOF
wrk -t1 -c1 -d"$((secs * 6))s" -s "$work/q.lua" "$url" > "$work/wrk-ingest" &   # the query stream meanwhile
wpid=$!
sleep 1
python3 - "$port" "$work/batches" <<'EOF'
import http.client, json, os, sys, time
port, d = int(sys.argv[1]), sys.argv[2]
bodies = [open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
added = dup = 0
server_seconds = 0.0
t0 = time.monotonic()
for b in bodies:
    c.request("POST", "/v1/edges", body=b, headers={"Content-Type": "text/tab-separated-values",
                                                      "Authorization": "Bearer secret"})
    r = c.getresponse()
    a = json.loads(r.read())
    assert r.status == 200, a
    added += a["added"]; dup += a["duplicates"]; server_seconds += a["seconds"]
took = time.monotonic() - t0
n = 10_000 * len(bodies)
print(f"  {n} edges ({added} added, {dup} duplicates) in {took:.2f} s: {n / took:,.0f} edges/s over HTTP "
      f"({n / server_seconds:,.0f} edges/s on the writer thread: parsing and adding)")
EOF
kill -INT $wpid 2>/dev/null || true
wait $wpid 2>/dev/null || true
echo "  queries meanwhile (wrk -t1 -c1): $(wrk_rps < "$work/wrk-ingest") requests/s"
curl -fs "$url/metrics" | grep -E '^boardwalk_live_(edges|ingest_edges_per_second) '
echo "  in process, the same batch size (boardwalk bench --live-edges $((batches * 10))K --live-batch 10000):"
"$bw" bench "$graph" --live-edges "$((batches * 10))K" --live-batch 10000 --queries 200 --json --quiet |
  python3 -c "import json,sys; l=json.load(sys.stdin)['live']; print(f\"  {l['ingest_edges_per_second']:,.0f} edges/s in process (a query thread running; load $(load))\")"
kill -TERM $pid; wait $pid || true
pid=
