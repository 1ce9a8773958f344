#!/usr/bin/env bash
# run_live.sh - builds the live-edges fuzzer (fuzz_live.c with the library's
# C sources compiled in, under libFuzzer, ASan and UBSan) into
# Tests/fuzz/build/ and runs it for a while from an empty corpus (in
# Tests/fuzz/build/corpus-live). A crash, leak or timeout leaves its input in
# Tests/fuzz/build/artifacts/ and makes this script exit non-zero.
#
#   Tests/fuzz/run_live.sh [SECONDS]   (default 60; nice'd; one job)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$here/build"
bin="$build/fuzz_live"
mkdir -p "$build/artifacts" "$build/corpus-live"
ld=""
if command -v ld.lld >/dev/null 2>&1; then ld="-fuse-ld=lld"; fi
nice -n 10 "${CC_FUZZ:-clang}" -g -O1 -std=c11 -Wall -Wextra -D_GNU_SOURCE \
  -DFUZZ_LIVE_GRAPH="\"$here/corpus/graph/sample-plain-c256\"" \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -I "$repo/Sources/CBoardwalk/include" -I "$repo/Sources/CBoardwalk" $(pkg-config --cflags lmdb 2>/dev/null || true) \
  $ld -o "$bin" "$here/fuzz_live.c" "$repo"/Sources/CBoardwalk/*.c -llmdb -lm -pthread
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
log="$build/fuzz_live.log"
set +e
nice -n 10 "$bin" "$build/corpus-live" -max_total_time="${1:-60}" -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$build/artifacts/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
status=$?
set -e
grep -E '^#[0-9]+' "$log" | tail -n 1 || true
if [ "$status" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log"; then
  echo "fuzz_live: FAILED (exit $status); log $log" >&2
  grep -E 'ERROR:|runtime error:|SUMMARY:|Test unit written' "$log" | head -n 20 >&2
  exit 1
fi
echo "fuzz_live: ok, ${1:-60}s"
