#!/usr/bin/env bash
# boardwalk serve against boardwalk bench on the same graph: the targets of
# issue 15, numbers for BENCHMARKS.md (not a test: nothing here fails on a
# number). Loopback only; every step is bounded in time.
#
#   Tests/server/bench.sh GRAPH EDGES [SECONDS] [RELOADS]
#
# GRAPH is a graph built from the edge list EDGES (query pins are drawn from
# its first column). Needs wrk (Debian's package) and release builds of
# boardwalk and boardwalk-server (swift build -c release).
set -euo pipefail
graph=$1 edges=$2 secs=${3:-10} reloads=${4:-100}
bw=${BOARDWALK:-.build/release/boardwalk}
command -v wrk >/dev/null || { echo "bench.sh: needs wrk (apt-get install wrk)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

# 256 query pins from the edge list, one-pin queries of 100,000 steps
# without early stopping (the same work as bench's latency run with it off).
grep -v '^#' "$edges" | cut -f1 | grep -E '^[0-9]+$' | shuf -n 256 --random-source=<(yes) > "$work/pins"
cat > "$work/q.lua" <<'LUA'
local pins = {}
for line in io.lines(os.getenv("PINS")) do pins[#pins + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local body = '{"pins":{"' .. pins[(i % #pins) + 1] .. '":1},"steps":100000,"early_stop":false,"seed":' .. i .. '}'
  return wrk.format(nil, "/v1/recommend", nil, body)
end
LUA
export PINS="$work/pins"

echo "== in-process: boardwalk bench (2 threads)"
$bw bench "$graph" --threads 2 --seconds "$secs" --queries 2000 --json --quiet | tee "$work/bench.json"
echo

cp "$graph" "$work/g.bwg"
echo "secret" > "$work/token"
$bw serve "$work/g.bwg" --port 0 --threads 2 --max-in-flight 64 --access-log-per-second 0 \
  --admin-token-file "$work/token" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed 's/listening on //' "$work/out")
for _ in $(seq 600); do curl -fs "$url/readyz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "== server, one connection (latency added over in-process)"
wrk -t1 -c1 -d"${secs}s" --latency -s "$work/q.lua" "$url" | grep -E 'Latency|50%|75%|90%|99%|Requests/sec|Non-2xx|Socket'
echo
echo "== server, 2 threads of wrk, 8 connections (throughput)"
wrk -t2 -c8 -d"${secs}s" --latency -s "$work/q.lua" "$url" | grep -E 'Latency|50%|75%|90%|99%|Requests/sec|Non-2xx|Socket'
echo
rss0=$(rss)
echo "== $reloads reloads of a new file during a load run (RSS before: $rss0 kB)"
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
echo "reloads refused: $failed; generation: $(curl -fs "$url/v1/graph" | sed 's/.*"generation":\([0-9]*\).*/\1/')"
sleep 2
echo "RSS after: $(rss) kB (before $rss0 kB)"
curl -fs "$url/metrics" | grep -E '^boardwalk_(graph_swaps|shed|walks_partial)' || true
kill -TERM $pid; wait $pid || true
