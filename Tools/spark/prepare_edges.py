#!/usr/bin/env python3
"""Prepare raw pin-board interaction logs for `boardwalk build`, on Spark.

The distributed twin of the builder's input stage: it reads edge lists of any
size, drops malformed lines, collapses duplicate edges and applies the same
Pixie-style pruning rules as `boardwalk build`, in the same order, then writes
part files that `boardwalk build` reads directly (a directory argument). A
graph built from this job's output with no rules equals the graph that
`boardwalk build` makes from the raw input with the rules, down to the
checksums of its arrays; Tests/spark/run.sh checks that.

Everything runs as DataFrame operations that scale out (expressions, joins,
aggregations, window functions); only small per-file facts and counts for
the summary (one row per stage) and a few sample invalid lines reach the
driver. Per-file decisions (is it text, where is its header, which columns
does it name) are made on the driver from the first 64 KiB of each file,
read through Hadoop's file system; a file whose first 64 KiB hold neither an
edge nor a header-like line gets a Spark job of its own to find them. The
input is then read twice: once for the counts, once for the edges. Each
stage after de-duplication is checkpointed, so that no stage re-plans or
recomputes the ones before it.

Input
    Edge lines, plain or gzip (.gz), given as files, directories (part files:
    regular files not starting with `_` or `.`, in name order, as the
    builder reads them) or globs (each match is an input of its own).
    Columns are separated by TAB or comma; fields may be quoted as RFC 4180
    says (`"1","10"`, `""` for a quote inside, separators inside quotes are
    text); a quote that never closes, or text after a closing quote, makes a
    malformed field. A UTF-8 byte-order mark at the start of a file (also
    inside gzip) is skipped. Blank lines and `#` comments are skipped. The
    header of a file is its first line that looks like one (valid UTF-8, no
    control character but TAB, its first field starting with a letter or `_`,
    quoted or not) when no edge comes before it and it is not an edge itself.
    Its names choose the columns: `pin`/`pin_id` (any case; also `pinid`,
    `pin-id`, `pin id`) for pins, `board`/`board_id` for boards;
    --pin-column / --board-column (1-based) win when given (a header naming
    the other kind of id there is a warning); without header and flags pins
    are column 1 and boards column 2. A header that names anything else where
    an id would be read (`user,timestamp,item`, `src<TAB>dst`) fails the job,
    naming the flags, as `boardwalk build` fails. In a part directory the
    columns a part's header chose hold for the following parts without a
    header. A part file that is not text (a NUL byte in its first 8,000
    bytes, or a control character other than TAB, CR, FF or ESC on its first
    line) is skipped with a warning; a binary file given on its own fails
    the job. --score-column names an optional score column; other columns
    are ignored. Any other line with too few columns, an id that is not an
    unsigned 64-bit decimal integer, or a score that is not a finite decimal
    number is invalid, as are the lines before a header: it is counted and
    dropped (--max-invalid N fails the job when there are more than N; by
    default it never does, where the builder's default is 0). Lines end at
    \\n only, one trailing \\r dropped, as in the builder.
    Without a score column every edge scores 0. Any numeric column can serve as
    the score: a timestamp (seconds since 1970) as --score-column makes the caps
    below keep each node's most recent edges.

    --topics FILE: pin attributes `pin_id<TAB>language<TAB>topic` (the builder's
    --pin-attributes file; `-` or empty means unknown); only the topic is used,
    and only by --max-board-entropy. A pin listed twice takes its last line.

Rules, each applied once, in this order, to what the previous one left (nodes
left without edges disappear):
    0. Duplicates: one edge per (pin, board), scoring the highest of its copies.
    1. --max-board-entropy H: a board whose pins' topics (pins with a known
       topic only) have Shannon entropy above H + 1e-9 bits is removed with all
       its edges; boards with no known topic stay. Needs --topics.
    2. --max-board-degree N: a board with more than N edges keeps its N best.
    3. --pin-degree-exponent d, 0 < d <= 1: a pin with k edges keeps its best
       min(k, max(1, ceil(k**d - 1e-9))).
    4. --max-pin-degree N: a pin with more than N edges keeps its N best.
    5. --min-board-degree N: boards with fewer than N edges are removed.
    6. --min-pin-degree N: pins with fewer than N edges are removed.
"Best" is: score descending, then h(pin, board) ascending, then board id, then
pin id (all unsigned), where h is the project's bw_edge_fingerprint
(Sources/CBoardwalk/include/boardwalk_format.h), a splitmix64-style hash, so that
without scores a cap keeps a reproducible, uniform-looking sample:
    mix(x) = x ^= x >> 30; x *= 0xbf58476d1ce4e5b9; x ^= x >> 27;
             x *= 0x94d049bb133111eb; x ^= x >> 31              (mod 2**64)
    h(pin, board) = mix(pin ^ mix(board + 0x9e3779b97f4a7c15))

Output (--output DIR)
    Part files of lines `pin<TAB>board<TAB>score` (the score as Java prints a
    double, which reads back to the same value; no score column when the input
    had none), no header, plus _SUMMARY.json with the counts: lines read,
    comments and blank lines, headers, invalid lines (and a few samples), edges
    read, duplicates, and per rule the edges, pins and boards it removed, in the
    shape of `boardwalk build --json`'s "pruning"; also the warnings (the
    builder's words), the part files skipped as binary (skipped_files), and
    the files whose header chose other columns than the flags or defaults
    (input_columns). Then:
        boardwalk build -o graph.bwg --pin-attributes topics.tsv DIR

Running
    Needs Spark 3.5 or later (tested with PySpark 3.5.9 and 4.0.1 from PyPI, on
    Java 17). Locally (local[*] unless --master says otherwise; with a local
    master the job uses 4 shuffle partitions per core unless
    spark.sql.shuffle.partitions is given):
        python3 Tools/spark/prepare_edges.py --score-column 3 \\
            --max-board-degree 1000 --pin-degree-exponent 0.9 \\
            --output prepared/ logs/part-*.gz
    On a cluster, the same arguments after spark-submit, for example:
        spark-submit --master yarn --deploy-mode cluster \\
            --conf spark.sql.shuffle.partitions=2000 \\
            Tools/spark/prepare_edges.py --topics hdfs:///pins/topics.tsv \\
            --max-board-entropy 2.5 --max-board-degree 5000 \\
            --pin-degree-exponent 0.9 --min-pin-degree 2 \\
            --output hdfs:///boardwalk/edges hdfs:///logs/saves/2024-*/
    and copy the output directory to the machine that runs `boardwalk build`
    (hdfs dfs -get). --partitions N sets the number of part files;
    --compression gzip compresses them. Stages are checkpointed in the
    executors' storage (localCheckpoint): an executor lost mid-job fails the
    job; --checkpoint-dir hdfs:///tmp/... makes the checkpoints reliable. The
    job sets spark.sql.ansi.enabled=false: the hash relies on 64-bit
    multiplication wrapping around.

Differences from the builder: lines longer than 1 MiB are accepted (the
builder refuses them); gzip is recognised by the .gz extension, not by
content (a gzip part without .gz is skipped as binary; a file with another
extension Hadoop decompresses, such as .bz2, is read decompressed where the
builder skips it as binary); files are named by URI (file:/...) in warnings
and samples; the --topics file is TAB-separated only, without quotes;
entropies are sums of the same floating-point terms in another order, which
could only matter for a board whose entropy is within rounding error (about
1e-14 bits) of H + 1e-9.
"""

import argparse
import json
import math
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

U64_MAX = 2**64 - 1
SIGN_BIT = -(2**63)  # as a Spark long; x ^ SIGN_BIT orders signed longs as unsigned
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
GOLDEN = 0x9E3779B97F4A7C15
ENTROPY_TOLERANCE = 1e-9
ROW_MASK = (1 << 33) - 1  # monotonically_increasing_id: partition << 33 | row in partition
EXPONENT_TOLERANCE = 1e-9

# Line kinds after parsing.
SKIP, EDGE, BAD, HEADER = 0, 1, 2, 3

RULES = (  # (summary name, option attribute), in the order they run
    ("max_board_entropy", "max_board_entropy"),
    ("max_board_degree", "max_board_degree"),
    ("pin_degree_exponent", "pin_degree_exponent"),
    ("max_pin_degree", "max_pin_degree"),
    ("min_board_degree", "min_board_degree"),
    ("min_pin_degree", "min_pin_degree"),
)


def signed64(x):
    """An unsigned 64-bit value as the signed long with the same bits."""
    return x - 2**64 if x >= 2**63 else x


# ---------------------------------------------------------------------------
# Reading and parsing


def read_lines(spark, paths):
    """Lines of `paths` with where they come from: file, the start of the
    file split that holds them, an id that increases along a split (`pos`)
    and the line's index in its split (`row`: each split is a partition of
    its own, see ONE_FILE_PER_PARTITION). Lines end at \\n only; one
    trailing \\r is dropped (as the builder does), bytes kept as they are.
    Hadoop's line reader skips a UTF-8 byte-order mark at the start of a
    file (also inside gzip), as the builder does."""
    raw = spark.read.option("lineSep", "\n").text([glob_escape(p) for p in paths])
    value = F.col("value")
    return raw.select(
        F.col("_metadata.file_path").alias("file"),
        F.col("_metadata.file_block_start").alias("block"),
        F.monotonically_increasing_id().alias("pos"),
        F.when(value.endswith("\r"), F.expr("cast(substring(cast(value as binary), 1, octet_length(value) - 1) as string)"))
        .otherwise(value).alias("line"),
    ).withColumn("row", F.col("pos").bitwiseAND(F.lit(ROW_MASK)))


def glob_escape(path):
    """A path that Spark's reader takes literally (it expands glob characters)."""
    return re.sub(r"([{}\[\]*?\\])", r"\\\1", path)


def is_skippable(line):
    """Blank (spaces, tabs, \\r only) or a # comment."""
    return line.rlike("^[ \t\r]*(#|\\z)")


def looks_like_header(line):
    """The first character that is not a space is a letter or `_`."""
    return line.rlike("^ *[A-Za-z_]")


# Parsing is split into projections (text → digits → value → kind) so that
# each regular expression runs once per line: Spark does not share a
# subexpression that sits inside a CASE WHEN branch, and a validity test
# repeated in several columns would repeat its regular expressions.

U64_DIGITS = "^ *0*([0-9]+) *\\z"  # leading zeros dropped, spaces around allowed


def u64_value(digits):
    """The id whose decimal digits (no leading zeros) are `digits`, as the
    signed long with its bits; null when empty or above 2**64 - 1."""
    n = F.length(digits)
    ok = (n > 0) & ((n < 20) | ((n == 20) & (digits <= F.lit(str(U64_MAX)))))
    value = digits.cast("decimal(20,0)")
    as_long = F.when(value >= F.lit(Decimal(2**63)), value - F.lit(Decimal(2**64))).otherwise(value).cast("long")
    return F.when(ok, as_long)


def score_value(text):
    """The score written `text` (matched by SCORE_FIELD): null unless a finite
    double of at most 64 characters, as the builder's strtod-based parser
    (no hex, inf or nan); -0 is 0, as the builder compares scores with ==."""
    value = text.cast("double")
    ok = (F.length(text) > 0) & (F.length(text) <= 64) & (F.abs(value) < F.lit(float("inf")))
    return F.when(ok, F.when(value == 0, F.lit(0.0)).otherwise(value))


# One field of an edge line as the builder scans it (LineReader.swift,
# scanField), for Java's regular expressions: quoted (RFC 4180, `""` inside),
# quoted with text after the closing quote (malformed), a quote that never
# closes (malformed: the field runs to the end of the line), or unquoted.
# Atomic, so that a field is split once, as the builder does.
_FIELD = ('(?> *"(?:[^"]|"")*+" *(?=[\t,]|\\z)'
          '| *"(?:[^"]|"")*+"[^\t,]*'
          '| *"(?:[^"]|"")*+\\z'
          '|[^\t,]*)')
# Ids and scores, unquoted or quoted (the same quote on both sides), spaces around.
U64_FIELD = '^ *("?) *0*([0-9]+) *\\1 *\\z'
SCORE_FIELD = '^ *("?) *([+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?) *\\1 *\\z'


def _field_pattern(index):
    """Field `index` (0-based) of TAB + line, with its separator in front, so
    that an empty field and a missing one differ."""
    return "^(?:[\t,]" + _FIELD + "){" + str(index) + "}([\t,]" + _FIELD + ")"


def classify_edge_lines(lines, pin_column, board_column, score_column, header=None):
    """Each line's kind (SKIP, EDGE, BAD, HEADER) and its pin, board and score
    (null unless valid), reading ids from the 1-based columns given. `header`
    is the (block, row) of the file's header line, or None: lines before it
    are invalid (or skipped), as a header only comes before any edge."""
    needed = max(pin_column, board_column, score_column or 0)
    kept = ["file", "block", "pos", "row", "line"]
    line = F.col("line")
    df = lines.select(*kept, F.split(line, "[\t,]", -1).alias("_f"), line.contains('"').alias("_q"))

    def field(column):
        """The raw text of a field (quotes kept), null when the line has fewer fields."""
        i = column - 1
        quoted = F.regexp_extract(F.concat(F.lit("\t"), line), _field_pattern(i), 1)  # only lines with quotes
        quoted = F.when(F.length(quoted) > 0, quoted.substr(2, 1 << 30))
        return F.when(F.col("_q"), quoted).otherwise(F.when(F.size("_f") > i, F.col("_f").getItem(i)))

    df = df.select(*kept, field(pin_column).alias("_pr"), field(board_column).alias("_br"),
                   (field(score_column) if score_column else F.lit("0")).alias("_sr"))
    raw = ["_pr", "_br", "_sr"]
    df = df.select(
        *kept, *raw,
        is_skippable(line).alias("_skip"),
        F.regexp_extract(F.col("_pr"), U64_FIELD, 2).alias("_pin"),
        F.regexp_extract(F.col("_br"), U64_FIELD, 2).alias("_board"),
        F.regexp_extract(F.col("_sr"), SCORE_FIELD, 2).alias("_score"),
    )
    df = df.select(
        *kept, *raw, "_skip",
        u64_value(F.col("_pin")).alias("pin"),
        u64_value(F.col("_board")).alias("board"),
        score_value(F.col("_score")).alias("score"),
    )
    good = F.col("pin").isNotNull() & F.col("board").isNotNull() & F.col("score").isNotNull()
    kind = F.when(F.col("_skip"), SKIP)
    if header is not None:
        where, at = F.struct("block", "row"), F.struct(F.lit(header[0]).cast("long").alias("block"),
                                                        F.lit(header[1]).cast("long").alias("row"))
        kind = kind.when(where == at, HEADER).when(where < at, BAD)
    kind = kind.when(good, EDGE).otherwise(BAD)

    def bad(c):
        return F.col(c).isNull()

    reason = F.when(bad("_pr") | bad("_br") | bad("_sr"), F.lit(f"expected at least {needed} columns"))
    reason = reason.when(bad("pin"), F.lit("bad pin id")).when(bad("board"), F.lit("bad board id"))
    if score_column:
        reason = reason.when(bad("score"), F.lit("bad score"))
    reason = reason.otherwise(F.lit("invalid"))
    if header is not None:
        reason = F.when(F.struct("block", "row") < at, F.lit("not an edge, before the header")).otherwise(reason)
    return df.select(*kept, kind.alias("kind"), "pin", "board", "score", reason.alias("reason"))


def line_counts(classified):
    """Counts of lines by kind, and the header lines: in each file, the first
    header-like invalid line when no good line comes before it. Returns
    (totals as a dict, DataFrame of header positions: file, block, pos)."""
    where = F.struct("block", "pos")
    per_file = classified.groupBy("file").agg(
        F.count(F.lit(1)).alias("lines"),
        F.sum((F.col("kind") == SKIP).cast("long")).alias("skipped"),
        F.sum((F.col("kind") == EDGE).cast("long")).alias("good"),
        F.sum((F.col("kind") == BAD).cast("long")).alias("bad"),
        F.min(F.when(F.col("kind") == EDGE, where)).alias("first_good"),
        F.min(F.when(F.col("candidate"), where)).alias("first_candidate"),
    )
    is_header = F.col("first_candidate").isNotNull() & (
        F.col("first_good").isNull() | (F.col("first_candidate") < F.col("first_good"))
    )
    per_file = per_file.withColumn("header", is_header).persist()
    # One row of counts per input file: small enough for the driver.
    rows = per_file.select("lines", "skipped", "good", "bad", "header").collect()
    totals = {"files": len(rows), "headers": sum(1 for r in rows if r["header"])}
    for k in ("lines", "skipped", "good", "bad"):
        totals[k] = sum(r[k] for r in rows)
    headers = per_file.where("header").select(
        "file", F.col("first_candidate.block").alias("block"), F.col("first_candidate.pos").alias("pos")
    )
    return totals, headers, per_file


# ---------------------------------------------------------------------------
# Per-file decisions on the driver: binary files, headers and the columns they
# choose. They read the first HEAD_BYTES of each file (decompressed by the
# codec Spark reads it with), mirroring EdgeParser.swift and LineReader.swift
# byte for byte; only a file whose head decides nothing (no edge and no
# header-like line in it) costs a Spark job of its own.

BINARY_BYTES = 8000  # the builder looks for NUL in this many bytes
HEAD_BYTES = 1 << 16
BOM = b"\xef\xbb\xbf"
SEPARATORS = (0x09, 0x2C)


def py_scan_field(b, start):
    """scanField: (next, (start, end, quoted, escapes, malformed))."""
    n, q = len(b), start
    while q < n and b[q] == 0x20:
        q += 1
    if q < n and b[q] == 0x22:
        j, escapes = q + 1, False
        while j < n:
            if b[j] == 0x22:
                if j + 1 < n and b[j + 1] == 0x22:
                    escapes, j = True, j + 2
                    continue
                break
            j += 1
        if j >= n:  # no closing quote
            return n, (start, n, False, False, True)
        k = j + 1
        while k < n and b[k] == 0x20:
            k += 1
        if k == n or b[k] in SEPARATORS:
            return k, (q + 1, j, True, escapes, False)
        while k < n and b[k] not in SEPARATORS:
            k += 1
        return k, (start, k, False, False, True)
    i = start
    while i < n and b[i] not in SEPARATORS:
        i += 1
    return i, (start, i, False, False, False)


def py_split_fields(b):
    fields, i = [], 0
    while True:
        nxt, f = py_scan_field(b, i)
        fields.append(f)
        if nxt >= len(b):
            return fields
        i = nxt + 1


def py_u64(b, f):
    if f[4]:
        return None
    s = b[f[0]:f[1]].strip(b" ")
    if not s or not all(0x30 <= c <= 0x39 for c in s):
        return None
    v = int(s)
    return v if v <= U64_MAX else None


def py_score(b, f):
    if f[4]:
        return None
    s = b[f[0]:f[1]].strip(b" ")
    if not 0 < len(s) <= 64 or any(c not in b"0123456789+-.eE" for c in s) or not any(0x30 <= c <= 0x39 for c in s):
        return None
    try:
        v = float(s.decode())
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def py_is_edge(b, columns, score_field):
    """Whether the builder reads line `b` as an edge with 0-based (pin, board) columns."""
    fields = py_split_fields(b)
    if len(fields) < max(columns[0], columns[1], -1 if score_field is None else score_field) + 1:
        return False
    if py_u64(b, fields[columns[0]]) is None or py_u64(b, fields[columns[1]]) is None:
        return False
    return score_field is None or py_score(b, fields[score_field]) is not None


def py_skippable(b):
    for c in b:
        if c not in (0x20, 0x09, 0x0D):
            return c == 0x23
    return True


def py_looks_like_header(b):
    """looksLikeHeader: the first field starts with a letter or `_` (after
    spaces and a quote); valid UTF-8 without control characters but TAB."""
    i = 0
    while i < len(b) and b[i] == 0x20:
        i += 1
    if i < len(b) and b[i] == 0x22:
        i += 1
    if not (i < len(b) and (0x41 <= b[i] <= 0x5A or 0x61 <= b[i] <= 0x7A or b[i] == 0x5F)):
        return False
    if any((c < 0x20 and c != 0x09) or c == 0x7F for c in b):
        return False
    try:
        b.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def looks_binary(head):
    """LineReader.looksBinary: NUL in the first 8,000 bytes, or a control
    character other than TAB, CR, FF and ESC on the first line."""
    h = head[:BINARY_BYTES]
    if b"\0" in h:
        return True
    for c in h[3 if h.startswith(BOM) else 0:]:
        if c == 0x0A:
            break
        if (c < 0x20 and c not in (0x09, 0x0D, 0x0C, 0x1B)) or c == 0x7F:
            return True
    return False


def header_names(b):
    """The header's names: fields unquoted, blanks around trimmed."""
    names = []
    for start, end, _, escapes, _ in py_split_fields(b):
        text = b[start:end]
        if escapes:
            text = text.replace(b'""', b'"')
        names.append(text.decode("utf-8", "replace").strip(" \t\r"))
    return names


def header_name_kind(name):
    """headerNameKind: pin, pin_id, pinid, pin-id, pin id, any case (boards alike)."""
    n = "".join(ch for ch in name.lower() if ch not in "_- ")
    return "pin" if n in ("pin", "pinid") else "board" if n in ("board", "boardid") else None


def resolve_header(names, defaults, pin_explicit, board_explicit, score_field, file, line):
    """resolveHeader: the 0-based (pin, board) columns a header chooses, and
    warnings; a JobError where the builder fails."""
    kinds = [header_name_kind(n) for n in names]
    pin = defaults[0] if pin_explicit or "pin" not in kinds else kinds.index("pin")
    board = defaults[1] if board_explicit or "board" not in kinds else kinds.index("board")
    fix = ("give --pin-column N and --board-column N (BuildOptions.pinColumn, boardColumn), "
           "or name the columns pin_id and board_id in the header")
    warnings = []
    for kind, column, explicit in (("pin", pin, pin_explicit), ("board", board, board_explicit)):
        if column >= len(names):
            continue
        name = f'column {column + 1} "{names[column]}"'
        flag = f"--{kind}-column"
        if explicit:
            if kinds[column] is not None and kinds[column] != kind:
                warnings.append(f"{file}:{line}: {flag} {column + 1} reads {kind} ids from the header's {name}")
        elif kinds[column] != kind:
            raise JobError(f"{file}:{line}: the header names {name}, not the {kind} id column: {flag} N picks it; {fix}")
    if pin == board:
        raise JobError(f"{file}:{line}: the pin and board ids would both be read from column {pin + 1}; {fix}")
    if score_field is not None and score_field in (pin, board):
        raise JobError(f"{file}:{line}: the header puts {'pin' if score_field == pin else 'board'} ids "
                       f"in the score column {score_field + 1}")
    return (pin, board), warnings


def head_header(head, eof, columns, score_field):
    """The header of a file from its head, read with `columns` until then:
    (row, line) of the header, None when it has none, or "unknown" when the
    head holds neither an edge nor a header-like line (and the file goes on)."""
    if head.startswith(BOM):
        head = head[3:]
    lines = head.split(b"\n")
    if not eof or lines[-1] == b"":
        lines.pop()  # a partial line, or the empty rest after the last newline
    for row, line in enumerate(lines):
        if line.endswith(b"\r"):
            line = line[:-1]
        if py_skippable(line):
            continue
        if py_is_edge(line, columns, score_field):
            return None
        if py_looks_like_header(line):
            return row, line
    return None if eof else "unknown"


class HadoopFiles:
    """Listing and reading the starts of files through Hadoop's file system."""

    def __init__(self, spark):
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()
        self.codecs = self.jvm.org.apache.hadoop.io.compress.CompressionCodecFactory(self.conf)

    def expand(self, argument):
        """[(directory or None, [file paths])] as the builder expands an
        argument: a directory is its regular files not starting with `_` or
        `.`, in name order; a glob is each of its matches."""
        path = self.jvm.org.apache.hadoop.fs.Path(argument)
        fs = path.getFileSystem(self.conf)
        statuses = fs.globStatus(path)
        if not statuses:
            raise JobError(f"{argument}: no such file or directory")
        out = []
        for status in statuses:
            if status.isDirectory():
                files = [(f.getPath().getName(), f.getPath().toString()) for f in fs.listStatus(status.getPath())
                         if f.isFile() and not f.getPath().getName().startswith(("_", "."))]
                out.append((status.getPath().toString(), [full for _, full in sorted(files)]))
            else:
                out.append((None, [status.getPath().toString()]))
        return out

    def heads(self, paths, threads=8, batch=64):
        """(path, head(path)) in order, read a batch at a time on a few threads
        (opening a file on HDFS or S3 takes a round trip or more)."""
        with ThreadPoolExecutor(threads) as pool:
            for i in range(0, len(paths), batch):
                chunk = paths[i : i + batch]
                yield from zip(chunk, pool.map(self.head, chunk))

    def head(self, name):
        """(the first HEAD_BYTES bytes, decompressed, and whether that is all)."""
        path = self.jvm.org.apache.hadoop.fs.Path(name)
        stream = path.getFileSystem(self.conf).open(path)
        try:
            codec = self.codecs.getCodec(path)
            data = stream if codec is None else codec.createInputStream(stream)
            bounded = self.jvm.org.apache.commons.io.input.BoundedInputStream(data, HEAD_BYTES + 1)
            head = bytes(self.jvm.org.apache.commons.io.IOUtils.toByteArray(bounded))
        finally:
            stream.close()
        return head[:HEAD_BYTES], len(head) <= HEAD_BYTES


def looks_like_header_column(line):
    """py_looks_like_header as a Spark expression."""
    return (line.rlike('^ *"?[A-Za-z_]') & ~line.rlike("[\\x00-\\x08\\x0A-\\x1F\\x7F]")
            & (F.encode(line, "UTF-8") == line.cast("binary")))


def spark_header(spark, path, columns, score_field):
    """head_header for a file whose head decides nothing: one Spark job."""
    df = classify_edge_lines(read_lines(spark, [path]), columns[0] + 1, columns[1] + 1,
                             None if score_field is None else score_field + 1)
    where = F.struct("block", "row")
    row = df.agg(
        F.min(F.when(F.col("kind") == EDGE, where)).alias("edge"),
        F.min(F.when((F.col("kind") != SKIP) & looks_like_header_column(F.col("line")),
                     F.struct("block", "row", F.col("line").cast("binary").alias("text")))).alias("header"),
    ).first()
    h, e = row["header"], row["edge"]
    if h is None or (e is not None and (e["block"], e["row"]) < (h["block"], h["row"])):
        return None
    return (h["block"], h["row"]), bytes(h["text"])


def plan_inputs(spark, args, log):
    """Decides, per input file in the builder's order, whether it is read
    (binary part files are skipped), whether it has a header and where, and
    the columns its edges are read from. Returns (groups: {(pin, board,
    header position or None): [files]}, facts for the summary)."""
    files = HadoopFiles(spark)
    defaults = (args.pin_column - 1, args.board_column - 1)
    score_field = None if args.score_column is None else args.score_column - 1
    pin_explicit = getattr(args, "pin_column_given", True)  # set by parse_args
    board_explicit = getattr(args, "board_column_given", True)
    groups, warnings, skipped, chosen, headers, count = {}, [], [], [], 0, 0
    for argument in args.inputs:
        for directory, paths in files.expand(argument):
            inherited = None
            for path, (head, eof) in files.heads(paths):
                if looks_binary(head):
                    if directory is None:
                        raise JobError(f"{path}: binary data, not a text edge list")
                    warnings.append(f"{path}: skipped: binary data, not a text edge list "
                                    f"(a stray file in the part directory {directory}?)")
                    skipped.append(path)
                    continue
                count += 1
                start = inherited or defaults
                found = head_header(head, eof, start, score_field)
                if found == "unknown":
                    log(f"{path}: no edge or header in its first {HEAD_BYTES} bytes; looking further")
                    found = spark_header(spark, path, start, score_field)
                    position, text = (None, None) if found is None else found
                else:
                    position, text = (None, None) if found is None else ((0, found[0]), found[1])
                used = start
                if position is not None:
                    headers += 1
                    line = position[1] + 1 if position[0] == 0 else f"(row {position[1] + 1} of the split at byte {position[0]})"
                    used, w = resolve_header(header_names(text), defaults, pin_explicit, board_explicit,
                                             score_field, path, line)
                    warnings += w
                    if directory is not None:
                        inherited = used
                if used != defaults:
                    chosen.append({"file": path, "pin_column": used[0] + 1, "board_column": used[1] + 1})
                groups.setdefault((used[0] + 1, used[1] + 1, position), []).append(path)
    return groups, {"files": count, "headers": headers, "warnings": warnings, "skipped_files": skipped,
                    "input_columns": chosen}


def read_topics(spark, paths):
    """Pin topics from attribute files (pin_id<TAB>language<TAB>topic).
    Returns (DataFrame pin, topic with known topics only, counts)."""
    lines = read_lines(spark, paths)
    df = lines.select("file", "block", "pos", "line", F.split(F.col("line"), "\t", -1).alias("_f"))
    df = df.select(
        "file",
        "block",
        "pos",
        "line",
        is_skippable(F.col("line")).alias("_skip"),
        (F.size("_f") >= 2).alias("_enough"),
        u64_value(F.regexp_extract(F.col("_f").getItem(0), U64_DIGITS, 1)).alias("pin"),
        # Trimmed of Unicode spaces and tabs, as Swift's .whitespaces; - or empty is unknown.
        F.regexp_replace(F.when(F.size("_f") >= 3, F.col("_f").getItem(2)), "^[\\p{Zs}\t]+|[\\p{Zs}\t]+\\z", "")
        .alias("_topic"),
    )
    good = F.col("_enough") & F.col("pin").isNotNull()
    df = df.select("file", "block", "pos", "line", "_skip", good.alias("_good"), "pin", "_topic")
    classified = df.select(
        "file",
        "block",
        "pos",
        F.when(F.col("_skip"), SKIP).when(F.col("_good"), EDGE).otherwise(BAD).alias("kind"),
        (~F.col("_skip") & ~F.col("_good") & looks_like_header(F.col("line"))).alias("candidate"),
        "pin",
        F.when(F.col("_topic").isin("", "-"), F.lit(None).cast("string")).otherwise(F.col("_topic")).alias("topic"),
    )
    totals, _, per_file = line_counts(classified)
    per_file.unpersist()
    # The last line of a pin wins (files in path order).
    last = classified.where(F.col("kind") == EDGE).groupBy("pin").agg(
        F.max(F.struct("file", "block", "pos", "topic")).alias("last")
    )
    topics = last.select("pin", F.col("last.topic").alias("topic")).where(F.col("topic").isNotNull())
    return topics, totals


# ---------------------------------------------------------------------------
# The edge hash and the "best edges" order


def _mix(df, c):
    """df with column c replaced by mix(c). One step per projection, so that
    the plan does not repeat the expression (Spark keeps such projections
    apart)."""
    x = F.col(c)
    df = df.withColumn(c, x.bitwiseXOR(F.shiftrightunsigned(x, 30)))
    df = df.withColumn(c, F.col(c) * F.lit(signed64(MIX1)))
    df = df.withColumn(c, F.col(c).bitwiseXOR(F.shiftrightunsigned(F.col(c), 27)))
    df = df.withColumn(c, F.col(c) * F.lit(signed64(MIX2)))
    return df.withColumn(c, F.col(c).bitwiseXOR(F.shiftrightunsigned(F.col(c), 31)))


def with_edge_order(df):
    """Adds `hkey`: h(pin, board) with its sign bit flipped, so that ordering
    it as a signed long orders h as unsigned."""
    df = df.withColumn("hkey", F.col("board") + F.lit(signed64(GOLDEN)))
    df = _mix(df, "hkey")
    df = df.withColumn("hkey", F.col("pin").bitwiseXOR(F.col("hkey")))
    df = _mix(df, "hkey")
    return df.withColumn("hkey", F.col("hkey").bitwiseXOR(F.lit(SIGN_BIT)))


def best_first():
    """The order of a node's edges, best first."""
    return [
        F.col("score").desc(),
        F.col("hkey").asc(),
        F.col("board").bitwiseXOR(F.lit(SIGN_BIT)).asc(),
        F.col("pin").bitwiseXOR(F.lit(SIGN_BIT)).asc(),
    ]


def keep_best(df, node, limit):
    """Each `node` (pin or board) keeps its best `limit` edges; `limit` is a
    number or a column expression that may use `_k`, the node's degree."""
    ranked = df.withColumn("_rank", F.row_number().over(Window.partitionBy(node).orderBy(*best_first())))
    if not isinstance(limit, int):
        ranked = ranked.withColumn("_k", F.count(F.lit(1)).over(Window.partitionBy(node)))
    return ranked.where(F.col("_rank") <= limit).drop("_rank", "_k")


def with_min_degree(df, node, floor):
    """Removes the nodes with fewer than `floor` edges."""
    keep = df.groupBy(node).count().where(F.col("count") >= floor).select(node)
    return df.join(keep, node, "left_semi")


def without_diverse_boards(df, topics, limit):
    """Removes the boards whose pins' topics have entropy above `limit` bits."""
    counts = df.select("pin", "board").join(topics, "pin").groupBy("board", "topic").count()
    p = F.col("count") / F.sum("count").over(Window.partitionBy("board"))
    entropy = counts.withColumn("p", p).groupBy("board").agg((-F.sum(F.col("p") * F.log2("p"))).alias("h"))
    diverse = entropy.where(F.col("h") > limit + ENTROPY_TOLERANCE).select("board")
    return df.join(diverse, "board", "left_anti")


def apply_rule(df, rule, value, topics):
    if rule == "max_board_entropy":
        return without_diverse_boards(df, topics, value)
    if rule == "max_board_degree":
        return keep_best(df, "board", value)
    if rule == "pin_degree_exponent":
        k = F.col("_k")
        kept = F.ceil(F.pow(k.cast("double"), F.lit(float(value))) - F.lit(EXPONENT_TOLERANCE))
        return keep_best(df, "pin", F.least(k, F.greatest(F.lit(1).cast("long"), kept)))
    if rule == "max_pin_degree":
        return keep_best(df, "pin", value)
    if rule == "min_board_degree":
        return with_min_degree(df, "board", value)
    if rule == "min_pin_degree":
        return with_min_degree(df, "pin", value)
    raise ValueError(rule)


def materialize(df, args):
    """df computed once, with its lineage cut: each stage then plans against
    a leaf instead of the whole history (planning a deep history of cached
    stages costs more than the work on small inputs). Local checkpoints live
    in the executors' block stores; --checkpoint-dir makes them reliable."""
    if args.checkpoint_dir:
        return df.checkpoint(eager=True)
    return df.localCheckpoint(eager=True)


def census(df):
    """(edges, pins, boards) of an edge DataFrame."""
    row = df.agg(F.count(F.lit(1)), F.countDistinct("pin"), F.countDistinct("board")).first()
    return int(row[0]), int(row[1]), int(row[2])


def u64_text(c):
    """The decimal text of a signed long read as unsigned."""
    return F.when(c < 0, c.cast("decimal(20,0)") + F.lit(Decimal(2**64))).otherwise(c.cast("decimal(20,0)")).cast(
        "string"
    )


# ---------------------------------------------------------------------------
# The job


class JobError(Exception):
    """A failure to report in one line (too many invalid lines …)."""


def run(spark, args, log=None):
    """Runs the job with parsed `args` on `spark`; returns the summary (also
    written to OUTPUT/_SUMMARY.json)."""
    log = log or (lambda message: None)
    started = time.time()
    spark.conf.set("spark.sql.ansi.enabled", "false")  # 64-bit arithmetic wraps around
    # ONE_FILE_PER_PARTITION: opening a file costs as much as a whole split, so
    # that each split is a partition of its own and a line's index in its split
    # is its row in the partition (the header's position is one).
    spark.conf.set("spark.sql.files.openCostInBytes", spark.conf.get("spark.sql.files.maxPartitionBytes"))
    if spark.conf.get("spark.sql.files.maxPartitionNum", None):
        raise JobError("spark.sql.files.maxPartitionNum merges file splits into partitions; the job needs one "
                       "split per partition to find header lines: unset it")
    if args.checkpoint_dir:
        spark.sparkContext.setCheckpointDir(args.checkpoint_dir)

    if not args.overwrite and hadoop_path_exists(spark, args.output):
        raise JobError(f"{args.output} exists (give --overwrite to replace it)")
    rules = [(name, getattr(args, attr)) for name, attr in RULES if getattr(args, attr) is not None]
    summary = {
        "job": "prepare_edges",
        "spark_version": spark.version,
        "inputs": list(args.inputs),
        "output": args.output,
        "pin_column": args.pin_column,
        "board_column": args.board_column,
        "score_column": args.score_column,
        "topics": args.topics,
        "rules": {name: value for name, value in rules},
    }

    # The input files, their headers and columns: small per-file facts, decided on the driver.
    groups, facts = plan_inputs(spark, args, log)
    for w in facts["warnings"]:
        log(f"warning: {w}")
    summary.update(warnings=facts["warnings"], skipped_files=facts["skipped_files"],
                   input_columns=facts["input_columns"])
    if not groups:
        raise JobError("no input files to read" + (" (all skipped)" if facts["skipped_files"] else ""))
    classified = None
    for (pin_column, board_column, header), paths in groups.items():
        part = classify_edge_lines(read_lines(spark, paths), pin_column, board_column, args.score_column, header)
        classified = part if classified is None else classified.unionByName(part)

    # Pass 1 over the input: counts by kind (one row).
    row = classified.agg(
        F.count(F.lit(1)).alias("lines"),
        *[F.sum((F.col("kind") == k).cast("long")).alias(n) for k, n in ((SKIP, "skipped"), (EDGE, "good"), (BAD, "bad"))],
    ).first()
    totals = {k: int(row[k] or 0) for k in ("lines", "skipped", "good", "bad")}
    invalid = totals["bad"]
    summary.update(
        files=facts["files"],
        lines=totals["lines"],
        skipped_lines=totals["skipped"],
        header_lines=facts["headers"],
        invalid_lines=invalid,
        input_edges=totals["good"],
    )
    log(f"read {totals['lines']} lines in {facts['files']} file(s): {totals['good']} edges, {invalid} invalid")
    samples = []
    if invalid > 0:
        rows = (
            classified.where(F.col("kind") == BAD)
            .select("file", F.substring("line", 1, 200).alias("line"), "reason")
            .limit(10)
            .collect()
        )
        samples = [{"file": r["file"], "line": r["line"], "reason": r["reason"]} for r in rows]
        log("invalid lines sampled")
    summary["invalid_samples"] = samples
    if args.max_invalid is not None and invalid > args.max_invalid:
        raise JobError(f"{invalid} invalid lines, more than --max-invalid {args.max_invalid}"
                       + (f"; first: {samples[0]['file']}: {samples[0]['line']!r} ({samples[0]['reason']})" if samples else ""))

    topics = None
    if args.topics and args.max_board_entropy is not None:  # the only rule that uses them
        topics, topic_totals = read_topics(spark, [args.topics])
        topics = materialize(topics, args)
        summary["topic_lines"] = topic_totals["lines"]
        summary["topic_invalid_lines"] = topic_totals["bad"] - topic_totals["headers"]
        log(f"topics: {topic_totals['lines']} lines, {summary['topic_invalid_lines']} invalid")

    # Pass 2: the edges, each (pin, board) once with its highest score.
    edges = classified.where(F.col("kind") == EDGE).groupBy("pin", "board").agg(F.max("score").alias("score"))
    if any(name in ("max_board_degree", "pin_degree_exponent", "max_pin_degree") for name, _ in rules):
        edges = with_edge_order(edges)
    current = materialize(edges, args)
    before = census(current)
    summary["duplicate_edges"] = totals["good"] - before[0]
    log(f"{before[0]} distinct edges, {before[1]} pins, {before[2]} boards")

    reports = []
    for name, value in rules:
        current = materialize(apply_rule(current, name, value, topics), args)
        after = census(current)
        report = {"rule": name, "parameter": value, "edges": before[0] - after[0],
                  "pins": before[1] - after[1], "boards": before[2] - after[2]}
        reports.append(report)
        log(f"{name} {value}: removed {report['edges']} edges, {report['pins']} pins, {report['boards']} boards")
        before = after
    summary["pruning"] = reports
    summary["edges"], summary["pins"], summary["boards"] = before

    # Write the part files, then the summary beside them.
    columns = [u64_text(F.col("pin")), u64_text(F.col("board"))]
    if args.score_column:
        columns.append(F.col("score").cast("string"))
    out = current.select(F.concat_ws("\t", *columns).alias("value"))
    if args.partitions:
        out = out.repartition(args.partitions)
    writer = out.write.mode("overwrite" if args.overwrite else "errorifexists")  # checked at the start
    if args.compression != "none":
        writer = writer.option("compression", args.compression)
    writer.text(args.output)
    summary["seconds"] = round(time.time() - started, 3)
    write_text(spark, args.output.rstrip("/") + "/_SUMMARY.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    log(f"wrote {summary['edges']} edges to {args.output} in {summary['seconds']:.1f}s")
    return summary


def _hadoop_path(spark, path):
    jvm = spark.sparkContext._jvm
    target = jvm.org.apache.hadoop.fs.Path(path)
    return target, target.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def hadoop_path_exists(spark, path):
    target, fs = _hadoop_path(spark, path)
    return fs.exists(target)


def write_text(spark, path, text):
    """Writes a small text file through Hadoop's file system (local, HDFS, S3 …)."""
    target, fs = _hadoop_path(spark, path)
    stream = fs.create(target, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


# ---------------------------------------------------------------------------
# Command line


def _positive_int(text):
    v = int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {v}")
    return v


def _exponent(text):
    v = float(text)
    if not (0 < v <= 1):
        raise argparse.ArgumentTypeError(f"must be in (0, 1], not {v}")
    return v


def _bits(text):
    v = float(text)
    if not (math.isfinite(v) and v >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number of bits >= 0, not {v}")
    return v


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="prepare_edges.py",
        description="Clean, de-duplicate and prune pin-board edge lists on Spark into part files for `boardwalk build`.",
        epilog="Rules run once each, in the order listed. See the module docstring for details.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="edge lists: files, directories or globs (plain or .gz)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="directory to write part files and _SUMMARY.json to")
    p.add_argument("--pin-column", type=_positive_int, metavar="N",
                   help="1-based column of the pin id (default: the header's pin/pin_id column, else 1)")
    p.add_argument("--board-column", type=_positive_int, metavar="N",
                   help="1-based column of the board id (default: the header's board/board_id column, else 2)")
    p.add_argument("--score-column", type=_positive_int, metavar="N",
                   help="1-based column of a score (similarity, timestamp …); without it every edge scores 0")
    p.add_argument("--topics", metavar="FILE", help="pin attributes, pin_id<TAB>language<TAB>topic")
    p.add_argument("--max-invalid", type=int, metavar="N", help="fail when more than N lines are invalid (default: never)")
    g = p.add_argument_group("pruning (rules run once each, in this order)")
    g.add_argument("--max-board-entropy", type=_bits, metavar="BITS",
                   help="remove boards whose pins' topics have Shannon entropy above BITS (needs --topics)")
    g.add_argument("--max-board-degree", type=_positive_int, metavar="N", help="a board with more edges keeps its best N")
    g.add_argument("--pin-degree-exponent", type=_exponent, metavar="D",
                   help="D in (0, 1]: a pin with k edges keeps its best ceil(k^D)")
    g.add_argument("--max-pin-degree", type=_positive_int, metavar="N", help="a pin with more edges keeps its best N")
    g.add_argument("--min-board-degree", type=_positive_int, metavar="N", help="remove boards left with fewer than N edges")
    g.add_argument("--min-pin-degree", type=_positive_int, metavar="N", help="remove pins left with fewer than N edges")
    o = p.add_argument_group("output and Spark")
    o.add_argument("--partitions", type=_positive_int, metavar="N", help="number of part files (default: as computed)")
    o.add_argument("--compression", choices=("none", "gzip"), default="none", help="compress the part files")
    o.add_argument("--overwrite", action="store_true", help="replace OUTPUT if it exists")
    o.add_argument("--checkpoint-dir", metavar="DIR",
                   help="reliable storage (HDFS …) for the intermediate stages; default: executors' local storage")
    o.add_argument("--master", help="Spark master when not given by spark-submit (default: local[*])")
    o.add_argument("-q", "--quiet", action="store_true", help="no progress on standard error")
    args = p.parse_args(argv)
    # Given columns win over a header's names; the others are the header's, else 1 and 2.
    args.pin_column_given, args.board_column_given = args.pin_column is not None, args.board_column is not None
    args.pin_column, args.board_column = args.pin_column or 1, args.board_column or 2
    if args.pin_column == args.board_column:
        p.error("--pin-column and --board-column must differ")
    if args.score_column in (args.pin_column, args.board_column):
        p.error("--score-column must differ from the id columns")
    if args.max_board_entropy is not None and not args.topics:
        p.error("--max-board-entropy needs pin topics: give --topics")
    if args.max_invalid is not None and args.max_invalid < 0:
        p.error("--max-invalid cannot be negative")
    return args


def main(argv=None):
    args = parse_args(argv)
    builder = SparkSession.builder.appName("boardwalk prepare_edges").config("spark.sql.ansi.enabled", "false")
    if args.master:
        builder = builder.master(args.master)
    if args.quiet:
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    spark = builder.getOrCreate()
    if spark.sparkContext.master.startswith("local") and not spark.sparkContext.getConf().contains(
        "spark.sql.shuffle.partitions"
    ):
        # On one machine Spark's 200 shuffle partitions mostly cost time.
        spark.conf.set("spark.sql.shuffle.partitions", str(4 * spark.sparkContext.defaultParallelism))

    def log(message):
        if not args.quiet:
            print(f"prepare_edges: {message}", file=sys.stderr, flush=True)

    try:
        summary = run(spark, args, log)
    except JobError as e:
        print(f"prepare_edges: error: {e}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    print(json.dumps({k: summary[k] for k in ("lines", "invalid_lines", "input_edges", "duplicate_edges",
                                              "pruning", "pins", "boards", "edges")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
