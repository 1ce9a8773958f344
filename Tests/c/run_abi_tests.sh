#!/usr/bin/env bash
# run_abi_tests.sh - the C ABI from the outside: installs Boardwalk into a
# temporary prefix with Tools/install, compiles Tests/c/test_abi.c against the
# installed header through pkg-config and runs it; runs it again built with
# AddressSanitizer and UndefinedBehaviorSanitizer (library sources compiled
# into the test); checks that libboardwalk exports only bw_ symbols and needs
# no Swift runtime; runs the Python binding's tests (Tests/python, with the
# docs' examples) on the installed library; checks that C, Python and Swift
# (the CLI) return identical results for the same queries and seeds; that
# Python finds the installed library with no LD_LIBRARY_PATH (installed by
# Tools/install, and by pip into a venv); and builds and runs the Go and Rust
# examples (examples/) against it, comparing them with Python; and, when a
# JDK is present, the Java binding: its JUnit 5 tests (Debian's junit5, which
# Tools/setup installs) against the installed jar, Java in the cross-language
# check, and examples/java like Go and Rust. Go comes from
# Debian's golang-go, installed here when missing (and apt-get works); the Go
# or Rust step is skipped, with a note, when there is no toolchain. Also
# test_pages (huge pages: every path of BW_OPEN_HUGEPAGES) on a generated
# 18 MB graph, under ASan + UBSan.
#
#   Tests/c/run_abi_tests.sh        (KEEP=1 keeps the temporary directory)
#
# Prints one line per step and ends with `abi-suite: N passed, M failed`;
# exits 1 when any step failed.
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/boardwalk-abi.XXXXXX")"
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi; }
trap cleanup EXIT

passed=0
failed=0
log="$tmp/step.log"
ok() { passed=$((passed + 1)); echo "ok    $1"; }
bad() { failed=$((failed + 1)); echo "FAIL  $1"; }
# step NAME COMMAND...: runs the command, shows its output only when it fails.
step() {
  local name="$1"
  shift
  if "$@" >"$log" 2>&1; then ok "$name"; else bad "$name"; sed 's/^/      /' "$log" | tail -n 40; fi
}
# run_prog LABEL COMMAND...: runs a test program; on success reports its last
# line (its pass count), on failure its output.
run_prog() {
  local label="$1"
  shift
  if "$@" >"$log" 2>&1; then
    ok "$(tail -n 1 "$log") ($label)"
  else
    bad "$(basename "$1") ($label)"
    sed 's/^/      /' "$log" | tail -n 60
  fi
}
finish() {
  echo "abi-suite: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
  exit $?
}

prefix="$tmp/prefix"
if Tools/install --prefix "$prefix" >"$log" 2>&1; then
  ok "Tools/install --prefix $prefix"
else
  bad "Tools/install --prefix $prefix"
  sed 's/^/      /' "$log"
  finish
fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
cli="$prefix/bin/boardwalk"
lib="$prefix/lib/libboardwalk.so"
version="$(sed -n 's/^#define BW_VERSION_STRING "\(.*\)"/\1/p' Sources/CBoardwalk/include/boardwalk.h)"

# Graphs: the sample with titles and attributes, the same edges without, no edges.
s=Graphs/sample
graph="$tmp/sample.bwg"
step "build the sample graph with the installed CLI" \
  "$cli" build --quiet --output "$graph" --pin-titles $s/pin-titles.tsv --board-titles $s/board-titles.tsv \
  --pin-attributes $s/pin-attributes.tsv $s/edges.tsv
step "build it without titles or attributes" "$cli" build --quiet --output "$tmp/plain.bwg" $s/edges.tsv
printf 'pin_id\tboard_id\n' >"$tmp/no-edges.tsv"
step "build a graph with no edges" "$cli" build --quiet --allow-empty --output "$tmp/empty.bwg" "$tmp/no-edges.tsv"
test_args=("$graph" "$repo/$s" "$tmp/plain.bwg" "$tmp/empty.bwg")

# The installed files, as a user of pkg-config sees them.
step "pkg-config --modversion boardwalk is $version" test "$(pkg-config --modversion boardwalk)" = "$version"
step "pkg-config --static adds lmdb" sh -c 'pkg-config --static --libs boardwalk | grep -q -- -llmdb'
step "headers installed" test -f "$prefix/include/boardwalk.h" -a -f "$prefix/include/boardwalk_format.h"

warn=(-std=c11 -Wall -Wextra -Wpedantic -Wshadow -Werror)
step "compile test_abi.c with \$(pkg-config --cflags --libs boardwalk)" \
  cc "${warn[@]}" -O2 -o "$tmp/test_abi" Tests/c/test_abi.c $(pkg-config --cflags --libs boardwalk) -pthread -lm
[ -x "$tmp/test_abi" ] && run_prog "shared library" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/test_abi" "${test_args[@]}"

# The static library, linked the way pkg-config --static says.
static_libs="$(pkg-config --static --libs-only-l boardwalk | sed 's/-lboardwalk//')"
step "link test_abi against libboardwalk.a" \
  cc "${warn[@]}" -O2 -o "$tmp/test_abi_static" Tests/c/test_abi.c $(pkg-config --cflags boardwalk) \
  "$prefix/lib/libboardwalk.a" $static_libs -pthread
[ -x "$tmp/test_abi_static" ] && run_prog "static library" "$tmp/test_abi_static" "${test_args[@]}"

# The same test with the library's sources compiled in, under ASan and UBSan;
# BW_EXACT_DENSE_MAX=0 sends the exact method down its hashed path (the one
# graphs of more than 2M pins take), which the installed library never takes
# on the sample.
san=(-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all)
step "compile test_abi.c + Sources/CBoardwalk/*.c with -fsanitize=address,undefined -DBW_EXACT_DENSE_MAX=0" \
  cc "${warn[@]}" "${san[@]}" -D_GNU_SOURCE -DBW_EXACT_DENSE_MAX=0 -I Sources/CBoardwalk/include -o "$tmp/test_abi_san" \
  Tests/c/test_abi.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1 UBSAN_OPTIONS=print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
[ -x "$tmp/test_abi_san" ] && run_prog "ASan + UBSan" "$tmp/test_abi_san" "${test_args[@]}"

# ThreadSanitizer on the 8-thread part of test_abi and on the hot-swap test.
tsan=(-O1 -g -fno-omit-frame-pointer -fsanitize=thread)
step "compile test_abi.c + Sources/CBoardwalk/*.c with -fsanitize=thread" \
  cc "${warn[@]}" "${tsan[@]}" -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/test_abi_tsan" \
  Tests/c/test_abi.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
[ -x "$tmp/test_abi_tsan" ] && run_prog "TSan" "$tmp/test_abi_tsan" "${test_args[@]}"

# Features and learned rankers (test_ranker.c): against the installed
# library, then with the sources compiled in under ASan + UBSan and TSan.
mkdir -p "$tmp/models"
step "compile test_ranker.c with \$(pkg-config --cflags --libs boardwalk)" \
  cc "${warn[@]}" -O2 -o "$tmp/test_ranker" Tests/c/test_ranker.c $(pkg-config --cflags --libs boardwalk) -pthread -lm
[ -x "$tmp/test_ranker" ] && run_prog "shared library" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/test_ranker" "$graph" "$tmp/models"
step "compile test_ranker.c + Sources/CBoardwalk/*.c with -fsanitize=address,undefined" \
  cc "${warn[@]}" "${san[@]}" -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/test_ranker_san" \
  Tests/c/test_ranker.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
[ -x "$tmp/test_ranker_san" ] && run_prog "ASan + UBSan" "$tmp/test_ranker_san" "$graph" "$tmp/models"
step "compile test_ranker.c + Sources/CBoardwalk/*.c with -fsanitize=address,undefined -DBW_EXACT_DENSE_MAX=0" \
  cc "${warn[@]}" "${san[@]}" -D_GNU_SOURCE -DBW_EXACT_DENSE_MAX=0 -I Sources/CBoardwalk/include -o "$tmp/test_ranker_hashed" \
  Tests/c/test_ranker.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
[ -x "$tmp/test_ranker_hashed" ] && run_prog "ASan + UBSan, hashed accumulators" "$tmp/test_ranker_hashed" "$graph" "$tmp/models"
step "compile test_ranker.c + Sources/CBoardwalk/*.c with -fsanitize=thread" \
  cc "${warn[@]}" "${tsan[@]}" -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/test_ranker_tsan" \
  Tests/c/test_ranker.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
[ -x "$tmp/test_ranker_tsan" ] && run_prog "TSan" "$tmp/test_ranker_tsan" "$graph" "$tmp/models"

# Hot swap under load, lifetimes, open files, many readers and processes:
# against the installed library, then under ASan + UBSan and under TSan.
step "build a second graph for swapping (the sample, two boards per pin)" \
  "$cli" build --quiet --output "$tmp/pruned.bwg" --max-pin-degree 2 $s/edges.tsv
swap_args=("$graph" "$tmp/pruned.bwg")
step "compile test_swap.c with \$(pkg-config --cflags --libs boardwalk)" \
  cc "${warn[@]}" -O2 -o "$tmp/test_swap" Tests/c/test_swap.c $(pkg-config --cflags --libs boardwalk) -pthread
[ -x "$tmp/test_swap" ] && run_prog "shared library, 2000 swaps" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/test_swap" "${swap_args[@]}" 2000 4
for kind in asan tsan; do
  if [ $kind = asan ]; then flags=("${san[@]}"); label="ASan + UBSan"; else flags=("${tsan[@]}"); label="TSan"; fi
  step "compile test_swap.c + Sources/CBoardwalk/*.c ($label)" \
    cc "${warn[@]}" "${flags[@]}" -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/test_swap_$kind" \
    Tests/c/test_swap.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
  [ -x "$tmp/test_swap_$kind" ] && run_prog "$label, 500 swaps" "$tmp/test_swap_$kind" "${swap_args[@]}" 500 4
done

# Huge pages (pages.c): every path of BW_OPEN_HUGEPAGES on a graph of about
# 18 MB (huge pages need files of several MiB), under ASan + UBSan.
step "generate and build an 18 MB graph for the huge-page test" sh -c \
  "'$cli' generate --quiet --pins 200K --boards 20K --edges 2M -o - | '$cli' build --quiet --output '$tmp/pages.bwg' -"
step "compile test_pages.c + Sources/CBoardwalk/*.c -DBW_PAGES_TEST (ASan + UBSan)" \
  cc "${warn[@]}" "${san[@]}" -D_GNU_SOURCE -DBW_PAGES_TEST -I Sources/CBoardwalk/include -o "$tmp/test_pages" \
  Tests/c/test_pages.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
[ -x "$tmp/test_pages" ] && run_prog "ASan + UBSan" "$tmp/test_pages" "$tmp/pages.bwg"

# Live edges: exactness against graphs rebuilt by the CLI, expiry, swaps with
# a watermark, bad input, and a writer racing four query threads (3 s; under
# TSan too).
step "compile test_live.c with \$(pkg-config --cflags --libs boardwalk)" \
  cc "${warn[@]}" -O2 -o "$tmp/test_live" Tests/c/test_live.c $(pkg-config --cflags --libs boardwalk) -lm -pthread
mkdir -p "$tmp/live"
[ -x "$tmp/test_live" ] && run_prog "shared library" env LD_LIBRARY_PATH="$prefix/lib" "$tmp/test_live" "$cli" "$tmp/live" 3
for kind in asan tsan; do
  if [ $kind = asan ]; then flags=("${san[@]}"); label="ASan + UBSan"; else flags=("${tsan[@]}"); label="TSan"; fi
  step "compile test_live.c + Sources/CBoardwalk/*.c ($label)" \
    cc "${warn[@]}" "${flags[@]}" -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/test_live_$kind" \
    Tests/c/test_live.c Sources/CBoardwalk/*.c -llmdb -lm -pthread
  [ -x "$tmp/test_live_$kind" ] && run_prog "$label" "$tmp/test_live_$kind" "$cli" "$tmp/live" 3
done

# Exports: only bw_ symbols (and the linker's own markers).
real_lib="$(readlink -f "$lib")"
nm -D --defined-only "$real_lib" >"$tmp/nm.txt" 2>&1
others="$(awk '{print $NF}' "$tmp/nm.txt" | grep -Ev '^(bw_.*|_edata|_end|__bss_start|_init|_fini)$' || true)"
exported="$(grep -c ' bw_' "$tmp/nm.txt")"
if [ -z "$others" ] && [ "$exported" -gt 0 ]; then ok "nm -D: only bw_ symbols ($exported)"; else bad "nm -D: other symbols exported:"; echo "$others" | sed 's/^/      /'; fi
missing=""
for f in $(grep -Eo 'BW_API[^;]*' Sources/CBoardwalk/include/boardwalk.h | grep -Eo 'bw_[a-z0-9_]+\(' | tr -d '(' | sort -u); do
  grep -q " $f\$" "$tmp/nm.txt" || missing="$missing $f"
done
if [ -z "$missing" ]; then ok "every BW_API function of boardwalk.h is exported"; else bad "declared but not exported:$missing"; fi

# Dependencies: libc, libm, pthread and LMDB; no Swift runtime.
ldd "$real_lib" >"$tmp/ldd.txt" 2>&1
if grep -qi swift "$tmp/ldd.txt"; then bad "ldd: Swift runtime linked"; sed 's/^/      /' "$tmp/ldd.txt"; else ok "ldd: no libswift*"; fi
needed="$(readelf -d "$real_lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')"
unexpected="$(for n in $needed; do case "$n" in liblmdb.so.*|libm.so.*|libc.so.*|libpthread.so.*) ;; *) echo "$n" ;; esac; done)"
if [ -z "$unexpected" ]; then ok "NEEDED: $needed"; else bad "NEEDED has more than libc, libm, pthread, lmdb: $unexpected"; fi
soname="$(readelf -d "$real_lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
step "SONAME is libboardwalk.so.${version%%.*}" test "$soname" = "libboardwalk.so.${version%%.*}"

# Python: install the binding with pip (from a copy, so that nothing is
# written into the tree; --no-index: its build backend needs no download),
# then its tests on the installed library.
export BOARDWALK_LIBRARY="$lib" BOARDWALK_CLI="$cli"
cp -r python "$tmp/python-src"
if python3 -m pip install -q --disable-pip-version-check --no-index --no-deps --target "$tmp/site" "$tmp/python-src" >"$log" 2>&1; then
  ok "pip install --no-index ./python"
  pyenv=(env PYTHONPATH="$tmp/site" BOARDWALK_TEST_INSTALLED=1)
else
  bad "pip install --no-index ./python"
  sed 's/^/      /' "$log" | tail -n 20
  pyenv=(env)
fi
if "${pyenv[@]}" python3 -m pytest -q -p no:cacheprovider Tests/python >"$log" 2>&1; then
  ok "python: $(grep -E 'passed|failed' "$log" | tail -n 1)"
else
  bad "python tests"
  sed 's/^/      /' "$log" | tail -n 60
fi

# Java: the installed jar (share/java) and JNI library (lib), with no
# java.library.path: the jar finds the library next to itself. The JUnit 5
# tests (java/src/test) are compiled against the installed jar.
junit=/usr/share/java/junit-platform-console-standalone.jar
jar_file="$prefix/share/java/boardwalk.jar"
java_ok=0
if ! command -v javac >/dev/null || ! command -v java >/dev/null; then
  echo "skip  Java binding: no JDK (javac, java); install one (e.g. openjdk-17-jdk-headless) to test it"
elif [ ! -f "$jar_file" ] || [ ! -f "$prefix/lib/libboardwalk_jni.so" ]; then
  bad "Tools/install did not install $jar_file and $prefix/lib/libboardwalk_jni.so with a JDK present"
else
  ok "Java binding installed: $jar_file, $prefix/lib/libboardwalk_jni.so"
  java_ok=1
  mkdir -p "$tmp/java-classes" "$tmp/java-tests"
  step "javac Tests/java/QueryJson.java examples/java/Recommend.java against the installed jar" \
    javac -Xlint:all -Werror -cp "$jar_file" -d "$tmp/java-classes" Tests/java/QueryJson.java examples/java/Recommend.java
  if [ ! -f "$junit" ]; then
    bad "Java tests: no $junit (Tools/setup installs Debian's junit5)"
  elif javac -Xlint:all -Werror -encoding UTF-8 -cp "$jar_file:$junit" -d "$tmp/java-tests" java/src/test/java/org/boardwalk/*.java >"$log" 2>&1 &&
    (cd "$tmp" && env -u LD_LIBRARY_PATH -u BOARDWALK_JNI_LIBRARY java -Dboardwalk.test.graph="$graph" \
      -Dboardwalk.test.header="$repo/Sources/CBoardwalk/include/boardwalk.h" -jar "$junit" --disable-banner \
      --disable-ansi-colors --details=summary -cp "$jar_file:$tmp/java-tests" --scan-class-path "$tmp/java-tests") >>"$log" 2>&1 &&
    grep -q ' 0 tests failed' "$log"; then
    ok "java: $(sed -n 's/^\[ *\([0-9]*\) tests successful.*/\1 passed/p' "$log") (JUnit 5; $(grep -o 'leak check:.*' "$log"))"
  else
    bad "java tests"
    sed 's/^/      /' "$log" | grep -v '^ *\(org.junit\|java.base\)' | tail -n 60
  fi
fi

# README.md's Java examples, as written (each in a main that takes the graph's
# path): the first prints "steps in", the second (live edges) "live edges".
if [ "$java_ok" = 1 ]; then
  mkdir -p "$tmp/readme-java"
  if python3 - "$tmp/readme-java" >"$log" 2>&1 <<'EOF'
import sys
s = open("README.md", encoding="utf-8").read()
n, i = 0, 0
while "```java\n" in s[i:]:
    i = s.index("```java\n", i) + len("```java\n")
    block = s[i:s.index("```", i)].splitlines()
    n += 1
    imports = [l for l in block if l.startswith("import ")]
    body = [l for l in block if not l.startswith("import ")]
    open(f"{sys.argv[1]}/ReadmeExample{n}.java", "w", encoding="utf-8").write("\n".join(imports)
        + f"\npublic class ReadmeExample{n} {{\n" + "public static void main(String[] args) {\n"
        + "\n".join(body).replace('"pins.bwg"', "args[0]") + "\n}\n}\n")
assert n == 2, f"{n} java blocks in README.md, not 2"
EOF
  then
    step "README.md's Java examples compile (-Xlint:all -Werror) and run on the sample graph" sh -c \
      'javac -Xlint:all -Werror -encoding UTF-8 -cp "$1" -d "$2" "$2"/ReadmeExample*.java &&
       java -cp "$1:$2" ReadmeExample1 "$3" | grep -q "steps in" && java -cp "$1:$2" ReadmeExample2 "$3" | grep -q "live edges"' \
      sh "$jar_file" "$tmp/readme-java" "$graph"
  else
    bad "README.md's Java examples: not found"
    sed 's/^/      /' "$log" | tail -n 5
  fi
fi

# C, Python, Swift and Java: the same queries and seeds, the same ids, scores and visits.
cat >"$tmp/py_query.py" <<'EOF'
# Runs one walk through the Python binding and prints it as JSON. Flags as
# test_abi --query and boardwalk query.
import json, sys
import boardwalk
args = sys.argv[2:]
pins, boards, kw = {}, {}, {}
def weighted(s):
    i, _, w = s.partition(":")
    return int(i), float(w) if w else 1.0
i = 0
while i < len(args):
    a = args[i]
    if a == "--no-boost": kw["boost"] = False
    elif a == "--no-early-stop": kw["early_stop"] = None
    elif a == "--include-boards": kw["include_boards"] = True
    else:
        v = args[i + 1]; i += 1
        if a == "--pin": k, w = weighted(v); pins[k] = pins.get(k, 0) + w
        elif a == "--board": k, w = weighted(v); boards[k] = boards.get(k, 0) + w
        elif a in ("--seed", "--top", "--steps"): kw[a[2:]] = int(v)
        elif a in ("--restart", "--bias"): kw[a[2:]] = float(v)
        elif a == "--popularity-penalty": kw["popularity_penalty"] = float(v)
        elif a == "--method": kw["method"] = v
        elif a == "--exponent": kw["exponent"] = float(v)
        elif a in ("--language", "--topic"): kw[a[2:]] = v
        else: sys.exit(f"py_query: unknown flag {a}")
    i += 1
with boardwalk.Graph(sys.argv[1]) as g:
    r = g.recommend(pins, boards, **kw)
out = [dict(id=x.id, score=x.score, visits=x.visits, **({"kind": "board"} if x.kind == "board" else {})) for x in r]
print(json.dumps({"results": out, "steps": r.steps, "partial": r.partial}))
EOF
cat >"$tmp/compare.py" <<'EOF'
# compare.py A.json B.json C.json: identical results (ids, scores as doubles, visits, kinds), steps, partial.
import json, sys
docs = [json.load(open(p)) for p in sys.argv[1:]]
def norm(d):
    return ([(r["id"], float(r["score"]), r["visits"], r.get("kind", "pin")) for r in d["results"]], d["steps"], d["partial"])
first = norm(docs[0])
if not first[0]:
    sys.exit("no results to compare")
for p, d in zip(sys.argv[2:], docs[1:]):
    if norm(d) != first:
        a, b = first[0], norm(d)[0]
        diff = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        sys.exit(f"{p} differs from {sys.argv[1]} at result {diff}: {b[diff:diff+1]} vs {a[diff:diff+1]} (steps {norm(d)[1]} vs {first[1]})")
print(f"{len(first[0])} results agree")
EOF
demo=7136620868348139334
queries=(
  "--pin $demo --seed 1 --top 20"
  "--pin $demo --pin 7291942844818578009:0.5 --seed 7 --top 50"
  "--pin $demo --seed 3 --top 10 --language fr"
  "--pin $demo --seed 11 --top 10 --topic recipes --bias 0.5"
  "--pin $demo:2 --seed 4 --top 15 --no-boost --popularity-penalty 0 --steps 5000 --restart 0.3 --no-early-stop"
  "--pin $demo --seed 5 --top 10 --include-boards --popularity-penalty 1.5"
  "--board 571480179736215237 --pin $demo:0.25 --seed 6 --top 25"
  "--pin $demo --pin 7291942844818578009:0.5 --board 571480179736215237:0.25 --top 40 --method exact --exponent 0.75 --popularity-penalty 0.5 --include-boards"
)
same="C = Python = Swift"
[ "$java_ok" = 1 ] && same="C = Python = Swift = Java"
n=0
for q in "${queries[@]}"; do
  n=$((n + 1))
  # shellcheck disable=SC2086 # the query is a list of flags
  if "$cli" query "$graph" $q --json >"$tmp/swift$n.json" 2>"$log" &&
    LD_LIBRARY_PATH="$prefix/lib" "$tmp/test_abi" --query "$graph" $q >"$tmp/c$n.json" 2>>"$log" &&
    "${pyenv[@]}" python3 "$tmp/py_query.py" "$graph" $q >"$tmp/py$n.json" 2>>"$log" &&
    { [ "$java_ok" = 0 ] || java -cp "$jar_file:$tmp/java-classes" QueryJson "$graph" $q >"$tmp/java$n.json" 2>>"$log"; } &&
    python3 "$tmp/compare.py" "$tmp/swift$n.json" "$tmp/c$n.json" "$tmp/py$n.json" \
      $([ "$java_ok" = 1 ] && echo "$tmp/java$n.json") >>"$log" 2>&1; then
    ok "$same: $q ($(tail -n 1 "$log"))"
  else
    bad "$same: $q"
    sed 's/^/      /' "$log" | tail -n 20
  fi
done

# Python finds the library by itself: no LD_LIBRARY_PATH, no BOARDWALK_LIBRARY,
# a clean environment. (1) The package Tools/install put under the prefix
# loads the prefix's library; (2) `pip install ./python` into a virtual
# environment finds it through pkg-config, and (3) without PKG_CONFIG_PATH
# fails with an ImportError that names BOARDWALK_LIBRARY.
py="$(python3 -c 'import sys; print(sys.executable)')"
clean=(env -i PATH=/usr/bin:/bin HOME="$tmp" LANG=C.UTF-8)
pysite="$(ls -d "$prefix"/lib/python3*/site-packages 2>/dev/null | head -n 1)"
want_lib="$prefix/lib/libboardwalk.so.${version%%.*}"
q1="${queries[0]}"
check_import() { # LABEL [VAR=VALUE...] -- PYTHON: imports boardwalk from /, checks the library and query 1
  local label="$1"
  shift
  local assigns=()
  while [ "$1" != -- ]; do assigns+=("$1"); shift; done
  shift
  # shellcheck disable=SC2086 # the query is a list of flags
  if (cd / && "${clean[@]}" "${assigns[@]}" "$1" -c 'import boardwalk; print(boardwalk.library_path)') >"$tmp/libpath.txt" 2>"$log" &&
    [ "$(cat "$tmp/libpath.txt")" = "$want_lib" ] &&
    (cd / && "${clean[@]}" "${assigns[@]}" "$1" "$tmp/py_query.py" "$graph" $q1) >"$tmp/clean.json" 2>>"$log" &&
    python3 "$tmp/compare.py" "$tmp/swift1.json" "$tmp/clean.json" >>"$log" 2>&1; then
    ok "$label: loads $want_lib, same results as the CLI"
  else
    bad "$label (loaded: $(cat "$tmp/libpath.txt" 2>/dev/null))"
    sed 's/^/      /' "$log" | tail -n 20
  fi
}
if [ -n "$pysite" ] && [ -f "$pysite/boardwalk/_installed.py" ]; then
  check_import "python from Tools/install's $pysite, clean environment" PYTHONPATH="$pysite" -- "$py"
else
  bad "Tools/install put no Python package under $prefix/lib/python3*/site-packages"
fi
if "$py" -m venv "$tmp/venv" >"$log" 2>&1 &&
  "$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index "$tmp/python-src" >>"$log" 2>&1; then
  ok "pip install --no-index ./python into a venv"
  check_import "python from the venv, clean environment + PKG_CONFIG_PATH" PKG_CONFIG_PATH="$prefix/lib/pkgconfig" -- "$tmp/venv/bin/python"
  if (cd / && "${clean[@]}" "$tmp/venv/bin/python" -c 'import boardwalk') >"$log" 2>&1; then
    bad "python from the venv without PKG_CONFIG_PATH found a library: $(cat "$log")"
  elif grep -q "ImportError: boardwalk: libboardwalk not found.*BOARDWALK_LIBRARY" "$log"; then
    ok "python from the venv, nothing to find the library by: ImportError naming BOARDWALK_LIBRARY"
  else
    bad "python from the venv without PKG_CONFIG_PATH: unexpected failure"
    sed 's/^/      /' "$log" | tail -n 5
  fi
else
  echo "skip  python -m venv and pip install into it failed (no ensurepip?):"
  sed 's/^/      /' "$log" | tail -n 5
fi
# (4) `pip install --prefix P2` beside a library in P2/lib (as `pip install
# --user` beside `Tools/install --prefix ~/.local`): found next to the package.
mkdir -p "$tmp/prefix2/lib"
cp -a "$prefix"/lib/libboardwalk.so* "$tmp/prefix2/lib/"
if python3 -m pip install -q --disable-pip-version-check --no-index --prefix "$tmp/prefix2" "$tmp/python-src" >"$log" 2>&1; then
  site2="$(ls -d "$tmp"/prefix2/lib/python3*/site-packages | head -n 1)"
  saved_want="$want_lib"
  want_lib="$tmp/prefix2/lib/libboardwalk.so.${version%%.*}"
  check_import "python from pip install --prefix, library in that prefix's lib/, clean environment" PYTHONPATH="$site2" -- "$py"
  want_lib="$saved_want"
else
  bad "pip install --no-index --prefix"
  sed 's/^/      /' "$log" | tail -n 10
fi

# The Go and Rust examples (examples/), built against the installed library
# through pkg-config and run in a clean environment (no LD_LIBRARY_PATH): the
# same lines as the Python binding for the same queries, and bw_strerror's
# text for failures.
cat >"$tmp/py_lines.py" <<'EOF'
# py_lines.py GRAPH PIN TOP: the examples' output format, from the Python binding.
import sys
import boardwalk
with boardwalk.Graph(sys.argv[1]) as g:
    for i, r in enumerate(g.recommend({int(sys.argv[2]): 1.0}, top=int(sys.argv[3]), seed=1)):
        print(f"{i + 1}\t{r.id}\t{r.score!r}\t{r.visits}\t{g.title(r.id) or ''}")
EOF
cat >"$tmp/same_lines.py" <<'EOF'
# same_lines.py EXPECTED ACTUAL: the same rank, pin, score (as a double), visits and title on every line.
import sys
def rows(path):
    out = []
    for line in open(path, encoding="utf-8").read().splitlines():
        rank, pin, score, visits, title = line.split("\t")
        out.append((int(rank), int(pin), float(score), int(visits), title))
    return out
a, b = rows(sys.argv[1]), rows(sys.argv[2])
if not a:
    sys.exit("no expected results")
if a != b:
    i = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
    sys.exit(f"line {i + 1}: {b[i:i+1]} != expected {a[i:i+1]} ({len(b)} lines, {len(a)} expected)")
print(f"{len(a)} lines agree")
EOF
libdir="$(pkg-config --variable=libdir boardwalk)"
example_queries=("7136620868348139334 10" "7173957479406035895 20" "7242038504239169131 5")
check_example() { # NAME BINARY
  local name="$1" bin="$2" n=0 eq rc
  for eq in "${example_queries[@]}"; do
    n=$((n + 1))
    # shellcheck disable=SC2086 # pin and count
    if "${pyenv[@]}" python3 "$tmp/py_lines.py" "$graph" $eq >"$tmp/expected$n.txt" 2>"$log" &&
      "${clean[@]}" "$bin" "$graph" $eq >"$tmp/$name$n.txt" 2>>"$log" &&
      python3 "$tmp/same_lines.py" "$tmp/expected$n.txt" "$tmp/$name$n.txt" >>"$log" 2>&1; then
      ok "$name example = Python: pin, top $eq ($(tail -n 1 "$log"))"
    else
      bad "$name example = Python: pin, top $eq"
      sed 's/^/      /' "$log" | tail -n 10
    fi
  done
  # Failures: exit 1 with bw_strerror's text.
  for failure in "$graph 123:BW_ENOTFOUND:an unknown pin" "$tmp/no-such.bwg 1:No such file:a missing file" \
    "$repo/$s/edges.tsv 1:BW_ENOTGRAPH:a file that is not a graph"; do
    local args="${failure%%:*}" rest="${failure#*:}"
    local want="${rest%%:*}" what="${rest#*:}"
    # shellcheck disable=SC2086 # graph and pin
    "${clean[@]}" "$bin" $args >/dev/null 2>"$tmp/err.txt"
    rc=$?
    if [ $rc -eq 1 ] && grep -q "$want" "$tmp/err.txt"; then
      ok "$name example, $what: exit 1, $(head -n 1 "$tmp/err.txt" | cut -c 1-110)"
    else
      bad "$name example, $what: exit $rc, wanted 1 and '$want': $(cat "$tmp/err.txt")"
    fi
  done
}

# Go: Debian's golang-go, installed here when it is missing and apt-get can.
if ! command -v go >/dev/null && command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || { sudo -n true 2>/dev/null && SUDO="sudo"; }
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    echo "note  installing golang-go with apt-get for the Go example"
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq golang-go; } >"$log" 2>&1 ||
      sed 's/^/      /' "$log" | tail -n 5
  fi
fi
if command -v go >/dev/null; then
  cp -r examples/go "$tmp/go-src"
  # -ldflags "-r DIR": the library's directory as the binary's run path.
  step "go build examples/go (cgo, pkg-config boardwalk; $(go version | awk '{print $3}'))" \
    sh -c 'cd "$1" && GOTOOLCHAIN=local go build -ldflags "-r $2" -o "$3" .' sh "$tmp/go-src" "$libdir" "$tmp/go-recommend"
  [ -x "$tmp/go-recommend" ] && check_example go "$tmp/go-recommend"
else
  echo "skip  Go example: no go command and golang-go could not be installed (apt-get install golang-go)"
fi

# Rust: cargo, offline (the example has no dependencies; build.rs runs pkg-config).
if command -v cargo >/dev/null; then
  cp -r examples/rust "$tmp/rust-src"
  rm -rf "$tmp/rust-src/target" "$tmp/rust-src/Cargo.lock"
  step "cargo build --release --offline examples/rust (build.rs: pkg-config boardwalk; cargo $(cargo --version | awk '{print $2}'))" \
    cargo build --release --offline --quiet --manifest-path "$tmp/rust-src/Cargo.toml" --target-dir "$tmp/rust-target"
  [ -x "$tmp/rust-target/release/recommend" ] && check_example rust "$tmp/rust-target/release/recommend"
else
  echo "skip  Rust example: no cargo command"
fi

# Java: examples/java/Recommend.java, compiled above, run through a wrapper
# (java -cp JAR:DIR Recommend) in the clean environment.
if [ "$java_ok" = 1 ] && [ -f "$tmp/java-classes/Recommend.class" ]; then
  printf '#!/bin/sh\nexec %s -cp %s Recommend "$@"\n' "$(command -v java)" "$jar_file:$tmp/java-classes" >"$tmp/java-recommend"
  chmod +x "$tmp/java-recommend"
  check_example java "$tmp/java-recommend"
fi

finish
