#!/usr/bin/env bash
# kill_builds.sh [KILLS] [EDGES] - crash safety of `boardwalk build`, at length.
#
# Builds a graph, then starts KILLS (default 100) rebuilds of it and sends
# each SIGKILL at a seeded random moment: odd-numbered kills uniformly over
# the time one build takes (reading and sorting dominate), even-numbered ones
# a random 0-20 ms after the build's own temporary file appears (writing,
# the short and risky phase: fsync and rename included). After
# each kill the output must be byte-for-byte the previous graph (sha256) or,
# when the kill came after the rename, the complete new graph; a rebuild
# that finished before its kill must be a complete graph; complete means it
# passes `boardwalk verify`. At the end one more build must succeed and leave no
# temporary file behind. Prints the counts; exits 1 on any violation.
#
#   Tests/reliability/kill_builds.sh 200 2M     (BOARDWALK=path/to/boardwalk)
set -euo pipefail
cd "$(dirname "$0")/../.."
bw="${BOARDWALK:-.build/debug/boardwalk}"
kills="${1:-100}"
edges="${2:-1M}"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/boardwalk-kill.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
out="$tmp/out.bwg"

"$bw" generate --pins 100K --boards 10K --edges "$edges" --seed 5 -o "$tmp/edges.tsv"
"$bw" build -q --chunk-size 64K -o "$out" "$tmp/edges.tsv" >/dev/null
t0=$(date +%s.%N)
"$bw" build -q --chunk-size 64K -o "$tmp/timing.bwg" "$tmp/edges.tsv" >/dev/null
duration=$(python3 -c "print($(date +%s.%N) - $t0)")
rm -f "$tmp/timing.bwg"
current="$(sha256sum <"$out")"
killed=0 writing=0 after_rename=0 finished=0 violations=0
for i in $(seq 1 "$kills"); do
  # The delay is drawn before the build starts: the writing phase is shorter
  # than starting python.
  if [ $((i % 2)) -eq 0 ]; then span=0.02; else span=$duration; fi
  delay=$(python3 -c "import random; random.seed($i); print(random.uniform(0, $span))")
  "$bw" build -q --chunk-size 64K -o "$out" "$tmp/edges.tsv" >/dev/null 2>&1 &
  pid=$!
  if [ $((i % 2)) -eq 0 ]; then
    # Wait (busily: the phase is short) for this build's temporary file.
    until compgen -G "$tmp/out.bwg.tmp-$pid-*" >/dev/null || ! kill -0 "$pid" 2>/dev/null; do :; done
  fi
  sleep "$delay"
  was_writing=0
  compgen -G "$tmp/out.bwg.tmp-$pid-*" >/dev/null && was_writing=1
  kill -KILL "$pid" 2>/dev/null || true
  status=0
  { wait "$pid"; } 2>/dev/null || status=$?
  if [ "$status" -eq 137 ]; then
    killed=$((killed + 1))
    writing=$((writing + was_writing))
    now="$(sha256sum <"$out")"
    if [ "$now" != "$current" ]; then
      # Killed after its rename (while exiting): the output must then be the
      # complete new graph, never a partial one.
      if "$bw" verify "$out" >/dev/null; then
        after_rename=$((after_rename + 1))
        current="$now"
      else
        echo "VIOLATION: kill $i after ${delay}s left an output that does not verify"
        violations=$((violations + 1))
      fi
    fi
  elif [ "$status" -eq 0 ]; then
    finished=$((finished + 1))
    if ! "$bw" verify "$out" >/dev/null; then
      echo "VIOLATION: build $i finished but its graph does not verify"
      violations=$((violations + 1))
    fi
    current="$(sha256sum <"$out")"
  else
    echo "VIOLATION: build $i exited with status $status"
    violations=$((violations + 1))
  fi
done
leftovers_before=$( (compgen -G "$tmp/*.tmp-*" || true) | wc -l)
"$bw" build -q -o "$out" "$tmp/edges.tsv" >/dev/null
leftovers_after=$( (compgen -G "$tmp/*.tmp-*" || true) | wc -l)
[ "$leftovers_after" -eq 0 ] || { echo "VIOLATION: $leftovers_after temporary files left"; violations=$((violations + 1)); }
echo "kill_builds: $kills builds of $edges edges (one build: ${duration%.*}.$(printf '%s' "${duration#*.}" | cut -c1-2) s): $killed killed ($writing while writing the file, $after_rename after renaming it into place), $finished finished first; $leftovers_before leftovers removed by the next build; $violations violations"
[ "$violations" -eq 0 ]
