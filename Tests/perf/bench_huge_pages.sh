#!/usr/bin/env bash
# bench_huge_pages.sh - walk speed on 4 KiB pages against huge pages, before
# and after memory pressure, with and without --huge-pages (issue 20).
#
#   Tests/perf/bench_huge_pages.sh GRAPH [ROUNDS]    (default 3 rounds)
#
# Each round measures, one thread, restart 0.5, `boardwalk bench` throughput
# (1M-step walks for --seconds) in four states of the page cache:
#   fresh      a fresh copy of the file, written with 4 MiB writes (what a
#              freshly built or deployed file looks like: 2 MiB folios)
#   pressured  the file dropped and read back one 4 KiB page at a time in
#              random order (what memory pressure leaves: split folios)
#   pressured + --huge-pages   the same, then opened with the option
#   not cached + --huge-pages   the file dropped from the cache, opened with
#              the option
# with the time `bench` takes to load the file (load_s: open with
# BW_OPEN_PREFAULT, and the option's work), against one sequential read of
# the file when it is not cached (the option's budget)
# and prints the medians, and the ratios to "fresh" of the same run, since
# this machine is shared. The copy (GRAPH.fresh, removed at the end) is what
# all states are measured on. BOARDWALK_CLI (default
# .build/release/boardwalk); SECONDS_PER_RUN (default 4).
set -euo pipefail
source=${1:?usage: $0 GRAPH [ROUNDS]}
graph=$source.fresh
trap 'rm -f "$graph"' EXIT
rounds=${2:-3}
cli=${BOARDWALK_CLI:-.build/release/boardwalk}
seconds=${SECONDS_PER_RUN:-4}

cache() { # cache random FILE: drop FILE from the page cache, then read it back a page at a time; prints seconds
  python3 - "$1" "$2" <<'PY'
import os, random, sys, time
mode, path = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDONLY)
size = os.fstat(fd).st_size
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
t = time.time()
if mode == "seq":
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
    off = 0
    while off < size:
        n = len(os.pread(fd, 1 << 21, off))
        if n == 0:
            break
        off += n
else:
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_RANDOM)
    pages = list(range((size + 4095) // 4096))
    random.Random(1).shuffle(pages)
    for p in pages:
        os.pread(fd, 4096, p * 4096)
print(f"{time.time() - t:.3f}")
PY
}
bench() { # bench [extra flags]: prints "steps/s load_seconds method share"
  "$cli" bench "$graph" --threads 1 --seconds "$seconds" --queries 50 --restart 0.5 --json --quiet "$@" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["throughput"][0]["steps_per_second"], d["load_seconds"], d["huge_page_method"], d["huge_page_share"])'
}

printf '%-5s %-34s %12s %8s %-10s %6s\n' round state steps/s load_s method share
rows=()
for r in $(seq 1 "$rounds"); do
  dd if="$source" of="$graph" bs=4M conv=fsync status=none
  seq_s=$(python3 -c 'import os,sys,time
fd=os.open(sys.argv[1],os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED); t=time.time()
while os.read(fd,1<<21): pass
print(f"{time.time()-t:.3f}")' "$source")
  read -r f fl fm fs < <(bench)
  printf '%-5s %-34s %12.0f %8.2f %-10s %6.3f\n' "$r" "fresh copy" "$f" "$fl" "$fm" "$fs"
  cache random "$graph" >/dev/null
  read -r p pl pm ps < <(bench)
  printf '%-5s %-34s %12.0f %8.2f %-10s %6.3f\n' "$r" "pressured" "$p" "$pl" "$pm" "$ps"
  cache random "$graph" >/dev/null
  read -r h hl hm hs < <(bench --huge-pages)
  printf '%-5s %-34s %12.0f %8.2f %-10s %6.3f\n' "$r" "pressured, --huge-pages" "$h" "$hl" "$hm" "$hs"
  python3 -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); os.posix_fadvise(fd,0,0,os.POSIX_FADV_DONTNEED)' "$graph"
  read -r c cl cm cs < <(bench --huge-pages)
  printf '%-5s %-34s %12.0f %8.2f %-10s %6.3f\n' "$r" "not cached, --huge-pages" "$c" "$cl" "$cm" "$cs"
  rows+=("$f $p $h $seq_s $hl $cl")
done
printf '%s\n' "${rows[@]}" | python3 -c '
import sys, statistics as st
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
f, p, h, s, hl, cl = (st.median(c) for c in zip(*rows))
pr = st.median(r[1] / r[0] for r in rows); hr = st.median(r[2] / r[0] for r in rows)
print(f"median of {len(rows)}: fresh {f/1e6:.2f}M steps/s; pressured {p/1e6:.2f}M ({pr:.2f}x fresh); "
      f"pressured + --huge-pages {h/1e6:.2f}M ({hr:.2f}x fresh); loading with the option: {hl:.2f}s after "
      f"pressure, {cl:.2f}s not cached; one sequential read of the file, not cached: {s:.2f}s")'
