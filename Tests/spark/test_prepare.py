#!/usr/bin/env python3
"""Tests Tools/spark/prepare_edges.py against the builder's pruning rules.

On a generated graph (boardwalk generate) made messy on purpose (scores,
duplicates with other scores, invalid lines, comments, headers, CRLF, commas,
gzip, part files with _SUCCESS and .crc beside them, topics with unknowns and
repeats), for each rule alone, all together, and all without scores:
  (a) a small pure-Python implementation of the rules (below) gives the edges,
  (b) the Spark job in local mode must give the same edges with the same
      scores, and the same counts in its summary;
  (c) `boardwalk build` with the same rules on the raw input must give the
      same graph as `boardwalk build` of the job's output without rules: the
      same counts, fingerprint, degree distributions and array checksums; and
      its summary must count what the job's does.
And the builder's input rules (byte-order marks, RFC 4180 quotes, header
names choosing the columns and carrying over in a part directory, binary part
files skipped): inputs covering each, run through the job and `boardwalk
build` with the same flags, must give the same counts, warnings and graph;
four inputs (headers naming other columns where ids would be read, a binary
file on its own) must fail both.

Run with Tests/spark/run.sh (installs PySpark first), or directly:
    python3 Tests/spark/test_prepare.py
BOARDWALK names the boardwalk binary (default .build/debug/boardwalk).
"""

import glob
import gzip
import importlib.util
import json
import math
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BOARDWALK = os.path.join(ROOT, os.environ.get("BOARDWALK", ".build/debug/boardwalk"))

U64 = 2**64
M64 = U64 - 1

# ---------------------------------------------------------------------------
# (a) The reference: the spec in plain Python, reading files as the builder does


def mix(x):
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & M64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & M64
    x ^= x >> 31
    return x


def edge_hash(pin, board):
    return mix(pin ^ mix((board + 0x9E3779B97F4A7C15) & M64))


def input_files(paths):
    """As the builder expands its arguments: a directory is its files not
    starting with _ or ., in name order."""
    out = []
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                full = os.path.join(p, name)
                if not name.startswith((".", "_")) and os.path.isfile(full):
                    out.append(full)
        else:
            out.append(p)
    return out


def file_lines(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data:
        return []
    lines = data.split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def skippable(line):
    rest = line.lstrip(b" \t\r")
    return rest == b"" or rest.startswith(b"#")


def header_like(line):
    rest = line.lstrip(b" ")
    return rest[:1].isalpha() or rest[:1] == b"_"


def parse_u64(field):
    s = field.strip(b" ")
    if not s or not s.isdigit():
        return None
    v = int(s)
    return v if v <= M64 else None


def parse_score(field):
    s = field.strip(b" ")
    if not 0 < len(s) <= 64 or any(c not in b"0123456789+-.eE" for c in s) or not any(c in b"0123456789" for c in s):
        return None
    try:
        v = float(s.decode())
    except ValueError:
        return None
    return (v + 0.0) if math.isfinite(v) else None  # + 0.0: -0.0 is 0


def reference_read(paths, pin_column=1, board_column=2, score_column=None):
    """Lines, invalid lines, edges read, and {(pin, board): best score}."""
    needed = max(pin_column, board_column, score_column or 0)
    counts = {"lines": 0, "invalid_lines": 0, "input_edges": 0, "header_lines": 0}
    edges = {}
    for path in input_files(paths):
        seen = False
        for line in file_lines(path):
            counts["lines"] += 1
            if skippable(line):
                continue
            fields = re.split(rb"[\t,]", line)
            ok = len(fields) >= needed
            if ok:
                pin, board = parse_u64(fields[pin_column - 1]), parse_u64(fields[board_column - 1])
                score = parse_score(fields[score_column - 1]) if score_column else 0.0
                ok = pin is not None and board is not None and score is not None
            if not ok:
                if not seen and header_like(line):
                    seen = True
                    counts["header_lines"] += 1
                else:
                    counts["invalid_lines"] += 1
                continue
            seen = True
            counts["input_edges"] += 1
            key = (pin, board)
            edges[key] = max(edges.get(key, score), score)
    return counts, edges


def reference_topics(path):
    topics = {}
    seen = False
    for line in file_lines(path):
        if skippable(line):
            continue
        fields = line.split(b"\t")
        pin = parse_u64(fields[0]) if len(fields) >= 2 else None
        if pin is None:
            if not seen and header_like(line):
                seen = True
                continue
            raise AssertionError(f"test topics file has a bad line {line!r}")
        seen = True
        topic = fields[2].decode().strip(" \t") if len(fields) >= 3 else ""
        topics[pin] = None if topic in ("", "-") else topic  # the last line wins
    return {p: t for p, t in topics.items() if t is not None}


def census(edges):
    return len(edges), len({p for p, _ in edges}), len({b for _, b in edges})


def by_node(edges, side):
    groups = {}
    for e in edges:
        groups.setdefault(e[side], []).append(e)
    return groups


def keep_best(edges, side, limit):
    """Each node keeps its best limit(k) edges."""
    kept = {}
    for group in by_node(edges, side).values():
        group.sort(key=lambda e: (-edges[e], edge_hash(*e), e[1], e[0]))
        for e in group[: limit(len(group))]:
            kept[e] = edges[e]
    return kept


def entropy(counts):
    n = sum(counts)
    return -sum(c / n * math.log2(c / n) for c in counts) if n > 1 else 0.0


def reference_prune(edges, rules, topics):
    reports = []
    before = census(edges)
    for rule, value in rules:
        if rule == "max_board_entropy":
            diverse = set()
            for board, group in by_node(edges, 1).items():
                counts = {}
                for pin, _ in group:
                    if pin in topics:
                        counts[topics[pin]] = counts.get(topics[pin], 0) + 1
                if entropy(sorted(counts.values())) > value + 1e-9:
                    diverse.add(board)
            edges = {e: s for e, s in edges.items() if e[1] not in diverse}
        elif rule == "max_board_degree":
            edges = keep_best(edges, 1, lambda k: value)
        elif rule == "pin_degree_exponent":
            edges = keep_best(edges, 0, lambda k: min(k, max(1, math.ceil(k**value - 1e-9))))
        elif rule == "max_pin_degree":
            edges = keep_best(edges, 0, lambda k: value)
        elif rule in ("min_board_degree", "min_pin_degree"):
            side = 1 if rule == "min_board_degree" else 0
            small = {node for node, group in by_node(edges, side).items() if len(group) < value}
            edges = {e: s for e, s in edges.items() if e[side] not in small}
        else:
            raise ValueError(rule)
        after = census(edges)
        reports.append({"rule": rule, "parameter": value, "edges": before[0] - after[0],
                        "pins": before[1] - after[1], "boards": before[2] - after[2]})
        before = after
    return edges, reports


# ---------------------------------------------------------------------------
# The test input


def make_input(work, seed=11):
    """Writes work/raw/ (part files) and work/topics.tsv from a generated graph."""
    gen = os.path.join(work, "generated.tsv")
    gen_topics = os.path.join(work, "generated-topics.tsv")
    run([BOARDWALK, "generate", "--pins", "6K", "--boards", "1200", "--edges", "36K", "--communities", "10",
         "--noise", "0.15", "--seed", str(seed), "--output", gen, "--pin-attributes", gen_topics, "--no-header"])
    rng = random.Random(seed)
    pairs = [tuple(line.split("\t")[:2]) for line in open(gen).read().splitlines() if line]

    def score():
        # Coarse scores, so that ties are common and the hash decides them; in many spellings.
        v = rng.choice([0, 0, 0.25, 0.5, 1, 1, 2, 3.75, 10])
        return rng.choice([str(v), repr(float(v)), f"{v:e}", f" {v} ", f"+{v}", "-0" if v == 0 else str(v)])

    def spell(i):
        return rng.choice([i, i, i, "00" + i, " " + i + " "])

    lines = []
    for pin, board in pairs:
        sep = "," if rng.random() < 0.1 else "\t"
        extra = "\tignored" if rng.random() < 0.05 else ""
        lines.append(f"{spell(pin)}{sep}{spell(board)}{sep}{score()}{extra}")
    for pin, board in rng.sample(pairs, len(pairs) // 12):  # duplicates, other scores
        lines.append(f"{pin}\t{board}\t{score()}")
    invalid = [
        "12345", "12345\t", "\t678", "abc\t1\t1", "1\tx2\t1", "-5\t1\t1", "1\t-5\t1", "18446744073709551616\t1\t1",
        "1\t99999999999999999999\t1", "1\t2\tnan", "1\t2\tinf", "1\t2\t1e400", "1\t2\t0x10", "1\t2\t", "1\t2\t1e",
        "1\t2\t1.5.2", "1 2\t3\t1", "1\t2", "1;2;3", ",,", "1\t2\t" + "1" * 65,
    ]
    rng.shuffle(lines)
    for bad in invalid * 2:
        lines.insert(rng.randrange(len(lines)), bad)
    n = len(lines)
    chunks = [lines[: n // 3], lines[n // 3 : 2 * n // 3], lines[2 * n // 3 :]]
    raw = os.path.join(work, "raw")
    os.makedirs(raw)
    # A header, comments, blank lines, valid ids at the two ends of the range.
    with open(os.path.join(raw, "part-00000"), "w") as f:
        f.write("# saves, exported 2024-01-01\n\npin_id\tboard_id\tscore\n")
        f.write("0\t18446744073709551615\t1\n18446744073709551615\t0\t1\n9223372036854775808\t9223372036854775807\t1\n")
        f.write("\n".join(chunks[0]) + "\n  \n# the end\n")
    # gzip, comma-separated header, CRLF line ends, a header-like line after data (invalid).
    with gzip.open(os.path.join(raw, "part-00001.gz"), "wt", newline="") as f:
        f.write("pin,board,score\r\n" + "\r\n".join(chunks[1][:100]) + "\r\npin_id\tboard_id\tscore\r\n")
        f.write("\r\n".join(chunks[1][100:]) + "\r\n")
    # No header, an invalid line before a header-like one (which is then the header), no final newline.
    with open(os.path.join(raw, "part-00002"), "w") as f:
        f.write("12345\nPin\tBoard\n" + "\n".join(chunks[2]))
    for junk in ("_SUCCESS", ".part-00000.crc", "_SUMMARY.json"):
        with open(os.path.join(raw, junk), "w") as f:
            f.write("not an edge\n")

    topics = os.path.join(work, "topics.tsv")
    rows = [row for row in open(gen_topics).read().splitlines() if row[:1].isdigit()]  # no header
    out = []
    for row in rows:
        pin, language, topic = row.split("\t")
        r = rng.random()
        if r < 0.08:
            topic = rng.choice(["-", ""])  # unknown
        elif r < 0.10:
            continue  # no line at all
        out.append(f"{pin}\t{language}\t{topic}")
    # Pins listed again: the last line wins, even when it says unknown.
    for row in rng.sample(rows, 40):
        pin, language, _ = row.split("\t")
        out.append(f"{pin}\t{language}\t{rng.choice(['c0', 'c1', '-'])}")
    with open(topics, "w") as f:
        f.write("pin_id\tlanguage\ttopic\n" + "\n".join(out) + "\n")
    return raw, topics


# ---------------------------------------------------------------------------
# Running things


def run(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()[-2000:]}")
    return r.stdout


def load_job():
    path = os.path.join(ROOT, "Tools", "spark", "prepare_edges.py")
    spec = importlib.util.spec_from_file_location("prepare_edges", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_output(directory):
    """{(pin, board): score} from the job's part files (plain or gzip)."""
    edges = {}
    files = [f for f in sorted(glob.glob(os.path.join(directory, "*"))) if not os.path.basename(f).startswith(("_", "."))]
    assert files, f"no part files in {directory}"
    for path in files:
        for line in file_lines(path):
            fields = line.decode().split("\t")
            assert len(fields) in (2, 3), f"{path}: bad output line {line!r}"
            key = (int(fields[0]), int(fields[1]))
            assert 0 <= key[0] <= M64 and 0 <= key[1] <= M64, line
            assert key not in edges, f"{path}: edge {key} written twice"
            edges[key] = float(fields[2]) if len(fields) == 3 else 0.0
    return edges


def graph_meta(path):
    """The graph's stored counts and per-array descriptors (count, element
    size, chunks, checksum), from its "meta" record."""
    import lmdb

    env = lmdb.open(path, subdir=False, readonly=True, lock=False)
    try:
        with env.begin() as txn:
            meta = bytes(txn.get(b"meta"))
    finally:
        env.close()
    magic, version, size = struct.unpack_from("<8sII", meta, 0)
    assert magic.rstrip(b"\0") == b"BWGRAPH" and size == len(meta) == 440, (magic, size, len(meta))
    pins, boards, edges, max_pin, max_board = struct.unpack_from("<QQQII", meta, 16)
    fingerprint = struct.unpack_from("<Q", meta, 80)[0]
    flags = struct.unpack_from("<I", meta, 104)[0]
    names = ["pin_ids", "board_ids", "pin_offsets", "pin_adj", "board_offsets", "board_adj", "pin_attrs",
             "board_attrs", "pin_title_offsets", "pin_title_bytes", "board_title_offsets", "board_title_bytes"]
    arrays = {name: struct.unpack_from("<QIIQ", meta, 144 + 24 * i) for i, name in enumerate(names)}
    return {"pins": pins, "boards": boards, "edges": edges, "max_pin_degree": max_pin, "max_board_degree": max_board,
            "fingerprint": fingerprint, "flags": flags, "arrays": arrays}


VOLATILE_INFO = {"path", "created_unix", "build", "duplicate_edges", "invalid_lines", "file_bytes", "bytes_per_edge"}


def graph_facts(path):
    info = json.loads(run([BOARDWALK, "info", "--json", path]))
    return {k: v for k, v in info.items() if k not in VOLATILE_INFO}, graph_meta(path)


# ---------------------------------------------------------------------------
# The checks

CASES = [  # name, with scores, rules in the spec's order
    ("no rules", True, []),
    ("max-board-entropy", True, [("max_board_entropy", 1.0)]),
    ("max-board-degree", True, [("max_board_degree", 12)]),
    ("pin-degree-exponent, columns swapped", True, [("pin_degree_exponent", 0.5)]),
    ("max-pin-degree", True, [("max_pin_degree", 3)]),
    ("min-board-degree", True, [("min_board_degree", 30)]),
    ("min-pin-degree", True, [("min_pin_degree", 4)]),
    ("all", True, [("max_board_entropy", 1.2), ("max_board_degree", 40), ("pin_degree_exponent", 0.8),
                   ("max_pin_degree", 6), ("min_board_degree", 5), ("min_pin_degree", 2)]),
    ("all, no scores", False, [("max_board_entropy", 1.2), ("max_board_degree", 25), ("pin_degree_exponent", 0.7),
                               ("max_pin_degree", 4), ("min_board_degree", 3), ("min_pin_degree", 2)]),
]


def flags(rules):
    out = []
    for rule, value in rules:
        out += ["--" + rule.replace("_", "-"), str(value)]
    return out


def builder_has_rules():
    return "--pin-degree-exponent" in run([BOARDWALK, "build", "--help"])


def check_hash(spark, job):
    """The Spark expression of h against the Python one, at the edges of the range."""
    values = [0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15, 12345678901234567890]
    pairs = [(p, b) for p in values for b in values]
    df = spark.createDataFrame([(job.signed64(p), job.signed64(b)) for p, b in pairs], "pin long, board long")
    got = {(r["pin"] % U64, r["board"] % U64): (r["hkey"] ^ -(2**63)) % U64
           for r in job.with_edge_order(df).collect()}
    for p, b in pairs:
        assert got[(p, b)] == edge_hash(p, b), f"h({p}, {b}): Spark {got[(p, b)]:#x}, Python {edge_hash(p, b):#x}"


def check_case(spark, job, work, raw, topics, name, scored, rules, with_builder):
    tag = re.sub(r"[^a-z0-9]+", "-", name)
    score_column = 3 if scored else None
    columns = (2, 1) if "swapped" in name else (1, 2)  # pin and board columns
    counts, edges = reference_read([raw], *columns, score_column=score_column)
    topic_map = reference_topics(topics)
    want_dedup = len(edges)
    want, want_reports = reference_prune(edges, rules, topic_map)
    assert want, f"{name}: the rules leave nothing; pick gentler ones"

    out = os.path.join(work, "out-" + tag)
    argv = ["--output", out, "--topics", topics] + flags(rules) + [raw]
    column_flags = ["--pin-column", str(columns[0]), "--board-column", str(columns[1])] if columns != (1, 2) else []
    argv += column_flags
    if scored:
        argv += ["--score-column", "3"]
    if name == "all":  # also the gzip, fixed-partitions output path
        argv += ["--compression", "gzip", "--partitions", "3"]
    if name == "no rules":  # through the command line, in a Spark of its own
        argv = ["--master", "local[2]", "--quiet", "--max-invalid", str(counts["invalid_lines"])] + argv
        printed = json.loads(run([sys.executable, os.path.join(ROOT, "Tools", "spark", "prepare_edges.py")] + argv))
        summary = json.load(open(os.path.join(out, "_SUMMARY.json")))
        assert printed["edges"] == summary["edges"], (printed, summary)
    else:
        summary = job.run(spark, job.parse_args(argv))
    got = read_output(out)
    assert os.path.exists(os.path.join(out, "_SUMMARY.json"))

    # (b) the job against the reference: edges, scores and counts.
    missing, extra = set(want) - set(got), set(got) - set(want)
    assert not missing and not extra, (f"{name}: Spark has {len(got)} edges, the reference {len(want)}; "
                                        f"missing e.g. {sorted(missing)[:3]}, extra e.g. {sorted(extra)[:3]}")
    wrong = [e for e in want if got[e] != want[e]]
    assert not wrong, f"{name}: scores differ, e.g. {wrong[0]}: Spark {got[wrong[0]]}, reference {want[wrong[0]]}"
    for key in ("lines", "invalid_lines", "input_edges", "header_lines"):
        assert summary[key] == counts[key], f"{name}: {key}: Spark {summary[key]}, reference {counts[key]}"
    assert summary["duplicate_edges"] == counts["input_edges"] - want_dedup, f"{name}: duplicate_edges"
    assert summary["pruning"] == want_reports, f"{name}: pruning: Spark {summary['pruning']}, reference {want_reports}"
    assert (summary["edges"], summary["pins"], summary["boards"]) == census(want), f"{name}: final counts"
    on_disk = json.load(open(os.path.join(out, "_SUMMARY.json")))
    assert on_disk["pruning"] == summary["pruning"] and on_disk["edges"] == summary["edges"], "_SUMMARY.json"
    if not with_builder:
        return f"{len(got)} edges"

    # (c) the builder with the rules on the raw input, and without rules on the job's output.
    direct, prepared = os.path.join(work, tag + "-direct.bwg"), os.path.join(work, tag + "-prepared.bwg")
    build = [BOARDWALK, "build", "--quiet", "--json", "--pin-attributes", topics]
    built = json.loads(run(build + ["-o", direct, "--max-invalid", "1000"] + column_flags
                           + (["--score-column", "3"] if scored else []) + flags(rules) + [raw]))
    run(build + ["-o", prepared, out])  # no --max-invalid: the job's output must be clean
    for key in ("lines", "invalid_lines", "input_edges", "duplicate_edges", "edges", "pins", "boards"):
        assert summary[key] == built[key], f"{name}: {key}: Spark {summary[key]}, builder {built[key]}"
    theirs = [{k: r[k] for k in ("rule", "parameter", "edges", "pins", "boards")} for r in built["pruning"]]
    assert summary["pruning"] == theirs, f"{name}: pruning: Spark {summary['pruning']}, builder {theirs}"
    (info_a, meta_a), (info_b, meta_b) = graph_facts(direct), graph_facts(prepared)
    assert info_a == info_b, f"{name}: info differs: builder {info_a}, from Spark {info_b}"
    assert meta_a == meta_b, f"{name}: stored arrays differ: builder {meta_a}, from Spark {meta_b}"
    return f"{len(got)} edges, graphs equal (fingerprint {info_a['fingerprint']})"


def check_max_invalid(spark, job, work, raw):
    """More invalid lines than --max-invalid: an error naming one, and no output."""
    counts, _ = reference_read([raw], score_column=3)
    out = os.path.join(work, "out-max-invalid")
    args = job.parse_args(["--output", out, "--score-column", "3", "--max-invalid", str(counts["invalid_lines"] - 1), raw])
    try:
        job.run(spark, args)
    except job.JobError as e:
        assert f"{counts['invalid_lines']} invalid lines" in str(e), e
    else:
        raise AssertionError("no error")
    assert not os.path.exists(out), "output written anyway"


# ---------------------------------------------------------------------------
# The builder's input rules (issue 12): byte-order marks, quotes, header names
# choosing columns (and carrying over in part directories), binary part files.
# Compared against `boardwalk build` only: the reference above reads the
# simple files of the pruning cases.


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    if path.endswith(".gz"):
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
    return path


BOM = b"\xef\xbb\xbf"


def make_rules_input(work):
    """Inputs for each rule, with the columns `boardwalk build` picks noted."""
    d = os.path.join(work, "rules", "parts")
    # A BOM, a header naming the board column third, quoted fields (a comma and
    # doubled quotes inside, spaces around), malformed quotes, a BOM later (invalid).
    write(f"{d}/part-00000", BOM + b'pin_id\ttimestamp\tboard_id\n"1","99","10"\n"2","a,""b"",c","20"\n'
          b'3\t5\t"30\n4\t5\t"40"x\n "5" ,1, "50" \n' + BOM + b"6\t1\t60\n1\t7\t11\n")
    # No header: columns 1 and 3 carry over. Malformed quotes in a column not read: still edges,
    # unless a quote that never closes swallows the id column.
    write(f"{d}/part-00001", '7\t1\t70\n8,2,80\n"9","","90"\n18\t"a"b\t180\n19\t"q"\t190\t"open\n'
          '20\t"open\t200\n21\t"x\t""\ty"\t210\n')
    write(f"{d}/part-00002", "Board,\"PIN\"\n90,9\n91,9\n")  # its own header: pins second, boards first
    write(f"{d}/part-00003", "100,10\n101,10\n")  # pins second again
    write(f"{d}/part-00004", b"1\t2\n" + b"x" * 100 + b"\0\n3\t4\n")  # NUL in the first 8,000 bytes: skipped
    write(f"{d}/part-00005", b"\x01\x02\x03PAR\n1\t2\n")  # a control character on the first line: skipped
    # NUL after the first 8,000 bytes: text, and that line is invalid.
    write(f"{d}/part-00006", "".join(f"{1000 + i}\t{i % 7}\n" for i in range(1200)).encode() + b"5\t\x005\n")
    write(f"{d}/part-00007", b"p\xffn\tboard\n120\t12\n")  # not UTF-8: not a header, an invalid line
    # An invalid line before the header (read with the inherited columns), then the header.
    write(f"{d}/part-00008", "# c\n-\t1\t2\npin\tboard\n13\t130\n")
    # No edge and no header in the first 64 KiB: the job looks further with Spark.
    write(f"{d}/part-00009", "".join(f"# {'c' * 60} {i}\n" for i in range(1200)) + "12x\npin_id,board_id\n14\t140\n15\t150\n")
    write(f"{d}/part-00010.gz", BOM + b'"pin","board"\r\n16,160\r\n"17" ,"170"\r\n')  # a BOM inside gzip, quotes
    for junk in ("_SUCCESS", ".part-00000.crc"):
        write(f"{d}/{junk}", b"\0\1")
    single = write(os.path.join(work, "rules", "single.csv"), BOM + b"user,pin,board\nu1,21,210\nu2,22,210\n")
    gz = write(os.path.join(work, "rules", "alone.tsv.gz"), BOM + b"31\t310\n32\t310\n")
    # For given columns: a generic header (an error without the flags), and a
    # header naming the columns the other way round (a warning).
    e = os.path.join(work, "rules", "explicit")
    write(f"{e}/part-00000", "src\tdst\n41\t410\n42\t410\n")
    write(f"{e}/part-00001", "board_id\tpin_id\n43\t430\n")
    # Errors: a header naming something else where the ids would be read.
    errors = {
        "user,timestamp,item": [write(os.path.join(work, "rules", "bad1.csv"), "user,timestamp,item\n1,2,3\n")],
        "pin_id<TAB>timestamp": [write(os.path.join(work, "rules", "bad2.tsv"), "pin_id\ttimestamp\n1\t2\n")],
        "src<TAB>dst in the second part": [write(os.path.join(work, "rules", "bad3", "part-0"), "pin\tboard\n1\t2\n"),
                                           write(os.path.join(work, "rules", "bad3", "part-1"), "src\tdst\n3\t4\n")],
        "a binary file on its own": [write(os.path.join(work, "rules", "bad4.bin"), b"1\t2\n\0\n")],
    }
    errors["src<TAB>dst in the second part"] = [os.path.dirname(errors["src<TAB>dst in the second part"][0])]
    return {"no flags": ([d, single, gz], []),
            "given columns": ([e], ["--pin-column", "1", "--board-column", "2"])}, errors


def compare_with_builder(spark, job, work, name, inputs, column_flags):
    """The job's output builds into the same graph as `boardwalk build` of the
    raw input with the same flags: counts, fingerprint, array checksums."""
    tag = re.sub(r"[^a-z0-9]+", "-", name)
    out = os.path.join(work, "out-rules-" + tag)
    summary = job.run(spark, job.parse_args(["--output", out] + column_flags + inputs))
    direct, prepared = os.path.join(work, tag + "-rules-direct.bwg"), os.path.join(work, tag + "-rules-prepared.bwg")
    built = json.loads(run([BOARDWALK, "build", "--quiet", "--json", "-o", direct, "--max-invalid", "1000"]
                           + column_flags + inputs))
    run([BOARDWALK, "build", "--quiet", "-o", prepared, out])
    for key in ("lines", "invalid_lines", "input_edges", "duplicate_edges", "edges", "pins", "boards"):
        assert summary[key] == built[key], (f"{name}: {key}: Spark {summary[key]}, builder {built[key]}; "
                                            f"Spark's invalid lines {summary['invalid_samples']}, "
                                            f"the builder's {built['invalid_samples']}")
    strip = lambda w: re.sub(r"file:", "", w)  # Spark names files by URI
    assert sorted(map(strip, summary["warnings"])) == sorted(map(strip, built["warnings"])), (
        f"{name}: warnings: Spark {summary['warnings']}, builder {built['warnings']}")
    (info_a, meta_a), (info_b, meta_b) = graph_facts(direct), graph_facts(prepared)
    assert info_a == info_b, f"{name}: info differs: builder {info_a}, from Spark {info_b}"
    assert meta_a == meta_b, f"{name}: stored arrays differ: builder {meta_a}, from Spark {meta_b}"
    return summary, info_a


def check_input_rules(spark, job, work, cases):
    details = []
    for name, (inputs, column_flags) in cases.items():
        summary, info = compare_with_builder(spark, job, work, name, inputs, column_flags)
        if name == "no flags":
            skipped = sorted(os.path.basename(f) for f in summary["skipped_files"])
            assert skipped == ["part-00004", "part-00005"], f"skipped files: {skipped}"
            columns = {os.path.basename(c["file"]): (c["pin_column"], c["board_column"]) for c in summary["input_columns"]}
            want = {"part-00000": (1, 3), "part-00001": (1, 3), "part-00002": (2, 1), "part-00003": (2, 1),
                    "part-00006": (2, 1), "part-00007": (2, 1), "single.csv": (2, 3)}
            assert columns == want, f"input_columns: {columns}, expected {want}"
            assert summary["header_lines"] == 6, summary["header_lines"]
        else:
            assert len(summary["warnings"]) == 2, summary["warnings"]
        details.append(f"{name}: {summary['edges']} edges, {summary['invalid_lines']} invalid lines")
    return "; ".join(details) + ", graphs equal"


def check_input_errors(spark, job, work, errors):
    for name, inputs in errors.items():
        out = os.path.join(work, "out-error")
        r = subprocess.run([BOARDWALK, "build", "--quiet", "-o", os.path.join(work, "error.bwg")] + inputs,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode != 0, f"{name}: boardwalk build succeeded"
        try:
            job.run(spark, job.parse_args(["--output", out] + inputs))
        except job.JobError as e:
            message = str(e)
        else:
            raise AssertionError(f"{name}: the job succeeded")
        assert not os.path.exists(out), f"{name}: output written anyway"
        want = "binary data" if "binary" in name else "--pin-column"
        assert want in message and want in r.stderr, f"{name}: Spark: {message}; builder: {r.stderr.strip()}"
    return f"{len(errors)} inputs refused by both"


def main():
    started = time.time()
    passed, failed = 0, 0

    def record(name, fn):
        nonlocal passed, failed
        t = time.time()
        try:
            detail = fn()
            passed += 1
            print(f"ok    {name} ({time.time() - t:.1f}s){': ' + detail if detail else ''}", flush=True)
        except Exception as e:  # report and go on
            failed += 1
            print(f"FAIL  {name}: {e}", flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()

    if not os.access(BOARDWALK, os.X_OK):
        print(f"FAIL  no boardwalk binary at {BOARDWALK} (swift build, or set BOARDWALK)")
        print("0 passed, 1 failed")
        return 1
    with_builder = builder_has_rules()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # Spark here talks to itself only
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("boardwalk prepare_edges test")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    print(f"Spark {spark.version} up in {time.time() - started:.1f}s; builder with pruning: {with_builder}", flush=True)
    job = load_job()
    work = tempfile.mkdtemp(prefix="bw-spark-")
    try:
        raw, topics = make_input(work)
        record("hash h(pin, board) in Spark", lambda: check_hash(spark, job))
        record("--max-invalid", lambda: check_max_invalid(spark, job, work, raw))
        rule_cases, error_cases = make_rules_input(work)
        if with_builder:
            record("input rules (BOM, quotes, header columns, binary parts)",
                   lambda: check_input_rules(spark, job, work, rule_cases))
            record("input errors (header names, binary file)", lambda: check_input_errors(spark, job, work, error_cases))
        for name, scored, rules in CASES:
            record(name, lambda: check_case(spark, job, work, raw, topics, name, scored, rules, with_builder))
        if not with_builder:
            failed += 1
            print(f"FAIL  builder comparison: {BOARDWALK} build has no --pin-degree-exponent (rebuild it)")
    finally:
        spark.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"spark prepare_edges tests: {time.time() - started:.0f}s")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
