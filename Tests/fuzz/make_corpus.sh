#!/usr/bin/env bash
# make_corpus.sh - regenerates the seed corpus of the graph-file fuzzer,
# Tests/fuzz/corpus/graph/: a few small valid graphs built by the project's
# CLI from Graphs/sample and from seeded synthetic edge lists. Small chunk
# sizes (64 and 256 bytes) give many chunk records and so LMDB trees with
# many leaf pages; the default chunk size gives values on overflow pages.
#
#   Tests/fuzz/make_corpus.sh            (BOARDWALK=path/to/boardwalk to pick the CLI)
#
# The files are reproducible: inputs are named by fixed relative paths (the
# build record lists them) and each file's creation time is set to 0, with
# its meta record checksum recomputed, by a small C helper built on the
# format's own checksum code (boardwalk_format.h). Files are named without
# the .bwg extension, which .gitignore excludes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
cli="${BOARDWALK:-$repo/.build/debug/boardwalk}"
if [ ! -x "$cli" ]; then
  swift build --product boardwalk >/dev/null
fi
out="$here/corpus/graph"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/boardwalk-corpus.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# The helper: created_unix := 0 in the meta record, and its checksum anew.
cat >"$tmp/pin_time.c" <<'EOF'
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "boardwalk_format.h"
int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "r+b");
        if (!f) { perror(argv[i]); return 1; }
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        unsigned char *d = malloc((size_t)n);
        rewind(f);
        if (!d || fread(d, 1, (size_t)n, f) != (size_t)n) { perror(argv[i]); return 1; }
        unsigned char *m = memmem(d, (size_t)n, BW_FORMAT_MAGIC, sizeof BW_FORMAT_MAGIC);
        if (!m || memmem(m + 1, (size_t)(d + n - m - 1), BW_FORMAT_MAGIC, sizeof BW_FORMAT_MAGIC)) {
            fprintf(stderr, "%s: no single meta record\n", argv[i]);
            return 1;
        }
        uint64_t zero = 0, sum;
        memcpy(m + offsetof(struct bw_format_meta, created_unix), &zero, 8);
        sum = bw_checksum64(m, offsetof(struct bw_format_meta, meta_checksum));
        memcpy(m + offsetof(struct bw_format_meta, meta_checksum), &sum, 8);
        fseek(f, 0, SEEK_SET);
        if (fwrite(d, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0) { perror(argv[i]); return 1; }
        free(d);
    }
    return 0;
}
EOF
cc -std=c11 -O1 -D_GNU_SOURCE -I Sources/CBoardwalk/include -o "$tmp/pin_time" "$tmp/pin_time.c"

build() { "$cli" build --quiet "$@" >/dev/null; }
s=Graphs/sample
rm -rf "$out"
mkdir -p "$out"

# The sample: titles of both kinds and attributes, in 64-byte chunks (about
# 1100 records); the same in the default chunk size (overflow pages); the
# edges alone in 256-byte chunks.
build -o "$out/sample-full-c64" --chunk-size 64 --pin-titles $s/pin-titles.tsv \
  --board-titles $s/board-titles.tsv --pin-attributes $s/pin-attributes.tsv $s/edges.tsv
build -o "$out/sample-full" --pin-titles $s/pin-titles.tsv --board-titles $s/board-titles.tsv \
  --pin-attributes $s/pin-attributes.tsv $s/edges.tsv
build -o "$out/sample-plain-c256" --chunk-size 256 $s/edges.tsv

# Synthetic graphs, built from inside $tmp so that the recorded input paths
# are fixed: duplicate edges and invalid lines counted, attributes of many
# communities, 64-byte chunks.
(
  cd "$tmp"
  "$cli" generate --pins 120 --boards 30 --edges 500 --communities 5 --seed 7 --output gen.tsv \
    --pin-attributes gen-attrs.tsv --pin-titles gen-titles.tsv
  printf 'not an edge\n12\tx\n' >>gen.tsv
  build -o "$out/gen-attrs-c64" --chunk-size 64 --max-invalid 5 --pin-attributes gen-attrs.tsv \
    --pin-titles gen-titles.tsv gen.tsv
  "$cli" generate --pins 40 --boards 12 --edges 90 --communities 3 --seed 3 --output small.tsv
  build -o "$out/gen-small-c256" --chunk-size 256 small.tsv
  # Two pins on two boards: small enough for a test to rewrite its arrays
  # by hand (Tests/c/test_corrupt.c makes a pin without neighbours of it).
  printf 'pin_id\tboard_id\n1\t10\n2\t11\n' >tiny.tsv
  build -o "$out/tiny-c64" --chunk-size 64 tiny.tsv
  printf 'pin_id\tboard_id\n' >none.tsv
  build -o "$out/empty" --allow-empty none.tsv
)
"$tmp/pin_time" "$out"/*
for f in "$out"/*; do
  "$cli" verify "$f" >/dev/null
done
ls -l "$out"
du -sh "$out"
