#!/usr/bin/env bash
# run.sh - builds the graph-file fuzzer (fuzz_graph.c with the library's C
# sources compiled in, under libFuzzer, ASan and UBSan) into
# Tests/fuzz/build/ and runs it for a while on a copy of the seed corpus
# Tests/fuzz/corpus/graph/ (valid graphs, made by make_corpus.sh) and of
# Tests/fuzz/regressions/graph/ (inputs that once crashed, kept so that every
# run replays them). New inputs go to the copy, never into the committed
# directories; a crash, leak, timeout or out-of-memory leaves its input in
# Tests/fuzz/build/artifacts/ and makes this script exit non-zero.
#
#   Tests/fuzz/run.sh [SECONDS]       (default 60; nice'd; one job)
#   FUZZ_FLAGS=-seed=1 Tests/fuzz/run.sh   (extra libFuzzer flags; Tools/test fixes the seed)
#   FUZZ_JOBS=2 Tests/fuzz/run.sh 600 (parallel jobs share the time budget
#                                      each; at most the number of cores)
#   Tests/fuzz/run.sh --build         build only
#   Tests/fuzz/run.sh --repro FILE... run the fuzzer once on each FILE
#
# Prints libFuzzer's last status line (executions, coverage) at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$here/build"
bin="$build/fuzz_graph"
CC_FUZZ="${CC_FUZZ:-clang}"

build_fuzzer() {
  mkdir -p "$build"
  local lmdb_cflags ld=""
  lmdb_cflags="$(pkg-config --cflags lmdb 2>/dev/null || true)"
  # lld when there is one: gold warns about every ASan helper symbol.
  if command -v ld.lld >/dev/null 2>&1; then ld="-fuse-ld=lld"; fi
  # -fno-sanitize-recover: a UBSan report is a finding, not a warning.
  nice -n 10 "$CC_FUZZ" -g -O1 -std=c11 -Wall -Wextra -D_GNU_SOURCE \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    -I "$repo/Sources/CBoardwalk/include" -I "$repo/Sources/CBoardwalk" $lmdb_cflags \
    $ld ${FUZZ_CFLAGS:-} -o "$bin.tmp" "$here/fuzz_graph.c" "$repo"/Sources/CBoardwalk/*.c \
    -llmdb -lm -pthread
  mv "$bin.tmp" "$bin"
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

case "${1:-}" in
--build)
  build_fuzzer
  echo "built $bin"
  exit 0
  ;;
--repro)
  shift
  build_fuzzer
  mkdir -p "$build/artifacts"
  exec "$bin" -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$build/artifacts/" "$@"
  ;;
esac

seconds="${1:-60}"
jobs="${FUZZ_JOBS:-1}"
build_fuzzer

# A copy of the seeds: libFuzzer adds what it finds to its first corpus
# directory, and the committed one stays as it is.
work="$build/corpus-graph"
rm -rf "$work"
mkdir -p "$work" "$build/artifacts"
cp "$here"/corpus/graph/* "$here"/regressions/graph/* "$work"/
log="$build/fuzz_graph.log"
rm -f "$build"/fuzz-*.log

set +e
if [ "$jobs" -gt 1 ]; then
  (cd "$build" && nice -n 10 "$bin" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/" -print_final_stats=1 -jobs="$jobs" -workers="$jobs" ${FUZZ_FLAGS:-} >"$log" 2>&1)
  status=$?
  cat "$build"/fuzz-*.log >>"$log" 2>/dev/null
else
  nice -n 10 "$bin" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$build/artifacts/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
  status=$?
fi
set -e

grep -E '^#[0-9]+' "$log" | tail -n 1 || true
grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" || true
if [ "$status" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
  echo "fuzz_graph: FAILED (exit $status); log $log, inputs in $build/artifacts/:" >&2
  grep -E 'ERROR:|runtime error:|SUMMARY:|Test unit written|expectation failed' "$log" | head -n 20 >&2
  exit 1
fi
echo "fuzz_graph: ok, ${seconds}s, corpus $(ls "$work" | wc -l) inputs ($(ls "$here"/corpus/graph | wc -l) seeds)"
