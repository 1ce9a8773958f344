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
mkdir -p "$build"
git -C "$repo" show "$rev:Sources/CBoardwalk/walk.c" >"$build/walk_a.c"
src="$repo/Sources/CBoardwalk"
flags=(-std=c11 -O2 -DNDEBUG -D_GNU_SOURCE -I "$src/include" -I "$src" $(pkg-config --cflags lmdb 2>/dev/null || true))
rename=()
for f in ctx_new ctx_free allocate run results steps_taken partial lookup; do
  rename+=("-Dbw_walk_$f=old_walk_$f")
done
cc "${flags[@]}" "${rename[@]}" -c -o "$build/walk_a.o" "$build/walk_a.c"
cc "${flags[@]}" ${B_CFLAGS:-} -o "$build/bench_ab" "$here/bench_ab.c" "$build/walk_a.o" "$src"/*.c -llmdb -lm -pthread
exec "$build/bench_ab" "$@"
