#!/usr/bin/env bash
# bench_overhead.sh GRAPH [PIN] [STEPS 10000] [QUERIES 20000] [ROUNDS 5]:
# the Java binding's cost over C for the same query: Bench.java (one
# graph.recommend per query) and bench_jni.c (the same C calls the binding's
# native call makes) run alternately ROUNDS times each, one process per run,
# on the library built by `make lib java`. Prints each run and the ratio of
# the medians (Java / C; 1.05 = 5% slower), of wall time and of the
# querying thread's CPU time (steadier when other work shares the cores).
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
graph="$1"
pin="${2:-7136620868348139334}"
steps="${3:-10000}"
queries="${4:-20000}"
rounds="${5:-5}"
cd "$repo"
make -s lib java >/dev/null
out="$(mktemp -d "${TMPDIR:-/tmp}/boardwalk-bench.XXXXXX")"
trap 'rm -rf "$out"' EXIT
cc -std=c11 -O2 -Wall -Wextra -Werror -I Sources/CBoardwalk/include -o "$out/bench_jni" Tests/java/bench_jni.c \
  -L build/lib -lboardwalk -Wl,-rpath,"$repo/build/lib"
javac -d "$out" -cp build/java/boardwalk.jar Tests/java/Bench.java
c=()
j=()
cc_=()
jc=()
for r in $(seq "$rounds"); do
  line="$("$out/bench_jni" "$graph" "$pin" "$steps" "$queries")"
  echo "round $r: $line"
  c+=("$(echo "$line" | awk '{print $4}')")
  cc_+=("$(echo "$line" | awk '{print $5}')")
  line="$(java -Djava.library.path=build/lib -cp build/java/boardwalk.jar:"$out" Bench "$graph" "$pin" "$steps" "$queries")"
  echo "round $r: $line"
  j+=("$(echo "$line" | awk '{print $4}')")
  jc+=("$(echo "$line" | awk '{print $5}')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a/b}'; }
mc="$(median "${c[@]}")"
mj="$(median "${j[@]}")"
echo "median wall us/query: C $mc, Java $mj; Java/C = $(ratio "$mj" "$mc")"
mc="$(median "${cc_[@]}")"
mj="$(median "${jc[@]}")"
echo "median CPU us/query:  C $mc, Java $mj; Java/C = $(ratio "$mj" "$mc")"
