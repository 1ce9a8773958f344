#!/usr/bin/env bash
# Builds the Swift libFuzzer targets (Tests/fuzz/swift) with ASan and runs
# each for a while on a copy of its seed corpus (Tests/fuzz/corpus/<name>).
#
#   Tests/fuzz/run_swift.sh [seconds-per-target]      (default 60)
#
# Exit status: non-zero when the build fails or any target crashes, times out
# (-timeout=10 s for one input) or runs out of memory (-rss_limit_mb=2048).
# Crash inputs are left in $BOARDWALK_FUZZ_OUT/<target>/ (default
# .build-fuzz-swift/out); reproduce one with `<binary> <crash-file>`.
#
# Environment: BOARDWALK_FUZZ_BUILD (scratch path, default .build-fuzz-swift),
# BOARDWALK_FUZZ_OUT, BOARDWALK_FUZZ_SWIFT_OPT, FUZZ_FLAGS (extra libFuzzer
# flags, e.g. -seed=1).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
seconds=${1:-60}
case $seconds in ''|*[!0-9]*|0) echo "usage: $0 [seconds-per-target > 0]" >&2; exit 64 ;; esac
build=${BOARDWALK_FUZZ_BUILD:-$root/.build-fuzz-swift}
out=${BOARDWALK_FUZZ_OUT:-$build/out}
targets=("edges:FuzzEdges" "batch:FuzzBatch")

# `--sanitize=fuzzer --sanitize=address` alone is not enough: SwiftPM passes
# them to swiftc as two -sanitize= options and the Swift driver keeps only the
# last, so Swift code would get ASan but no coverage instrumentation (and
# libFuzzer would only see the C code). The combined -Xswiftc option comes
# after them and wins; SwiftPM still sees both sanitizers for C and the link.
#
# Swift code is optimised (-O; BOARDWALK_FUZZ_SWIFT_OPT=-Onone to change):
# about twice the executions per second, and -O keeps every Swift runtime
# check (overflow, bounds, unwrapping). The configuration stays debug so
# that the C code keeps its assertions.
flags=(-c debug --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address
       -Xswiftc "${BOARDWALK_FUZZ_SWIFT_OPT:--O}" --package-path Tests/fuzz/swift --scratch-path "$build")
start=$(date +%s)
for t in "${targets[@]}"; do
    # ld.gold warns once per ASan helper symbol ("Cannot export local symbol"): noise.
    swift build "${flags[@]}" --product "${t#*:}" 2>&1 | { grep -v 'Cannot export local symbol' || true; } \
        | { grep -E 'error:|warning: .*\.swift|Build of product' || true; }
done
bin=$(swift build "${flags[@]}" --show-bin-path)
echo "built in $(( $(date +%s) - start )) s: $bin"

# Fuzz inputs are written to files (the edge target reads them as the CLI
# does): keep them in memory when /dev/shm exists.
tmp=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}" )/boardwalk-fuzz.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

status=0
for t in "${targets[@]}"; do
    name=${t%%:*} target=${t#*:}
    work=$out/$name
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp Tests/fuzz/corpus/"$name"/* "$work/corpus/"
    log=$work/fuzz.log
    echo "== $target: ${seconds}s on a copy of Tests/fuzz/corpus/$name (log: $log)"
    rc=0
    TMPDIR=$tmp BOARDWALK_ROOT=$root "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -dict="Tests/fuzz/swift/$name.dict" -artifact_prefix="$work/artifacts/" \
        ${FUZZ_FLAGS:-} "$work/corpus" >"$log" 2>&1 || rc=$?
    # The last status line (#runs DONE cov … exec/s …) and the totals.
    grep -E '^#[0-9]+' "$log" | tail -n 1 || true
    grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec)' "$log" || true
    if [ "$rc" -ne 0 ] || ls "$work/artifacts/" | grep -q .; then
        echo "!! $target FAILED (exit $rc); artifacts:"
        ls -l "$work/artifacts/"
        grep -E -m 20 'ERROR|SUMMARY|Fatal error|invariant failed|deadly signal|timeout|out-of-memory' "$log" || true
        status=1
    fi
done
exit $status
