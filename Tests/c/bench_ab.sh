#!/usr/bin/env bash
# bench_ab.sh - the walk kernel of this tree against the one of a git
# revision, on one graph file, in one process (bench_ab.c says how).
#
#   Tests/c/bench_ab.sh REV GRAPH [queries 2000] [steps 100000] [restart 0.5] [seed 1]
#
# e.g. Tests/c/bench_ab.sh 2b9660b g100m.bwg 3000 100000 0.5
# Both kernels are compiled as the Makefile compiles libboardwalk (-O2);
# B_CFLAGS adds flags for this tree's (e.g. -D switches of an experiment).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
rev="$1"
shift
build="$here/build/ab"
rm -rf "$build/a"
mkdir -p "$build/a"
src="$repo/Sources/CBoardwalk"
# A's kernel: walk.c, and the files split out of it since (with their private
# header, which A's files find beside them before this tree's).
a_sources=()
for f in walk.c exact.c results.c bw_walk.h; do
  git -C "$repo" cat-file -e "$rev:Sources/CBoardwalk/$f" 2>/dev/null || continue
  git -C "$repo" show "$rev:Sources/CBoardwalk/$f" >"$build/a/$f"
  case "$f" in *.c) a_sources+=("$f") ;; esac
done
flags=(-std=c11 -O2 -DNDEBUG -D_GNU_SOURCE -I "$src/include" -I "$src" $(pkg-config --cflags lmdb 2>/dev/null || true))
rename=()
for f in ctx_new ctx_free allocate run results steps_taken partial lookup; do
  rename+=("-Dbw_walk_$f=old_walk_$f")
done
for f in "${a_sources[@]}"; do
  cc "${flags[@]}" "${rename[@]}" -c -o "$build/a/${f%.c}.o" "$build/a/$f"
done
# One object whose only global symbols are old_walk_*: whatever else A's
# files share between them (BW_HIDDEN) becomes local, so it cannot clash
# with this tree's functions of the same names.
a_objects=()
for f in "${a_sources[@]}"; do a_objects+=("$build/a/${f%.c}.o"); done
ld -r -o "$build/walk_a.o" "${a_objects[@]}"
objcopy -w --keep-global-symbol='old_walk_*' "$build/walk_a.o"
cc "${flags[@]}" ${B_CFLAGS:-} -o "$build/bench_ab" "$here/bench_ab.c" "$build/walk_a.o" "$src"/*.c -llmdb -lm -pthread
exec "$build/bench_ab" "$@"
