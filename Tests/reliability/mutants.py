#!/usr/bin/env python3
"""mutants.py - damaged graph files never crash anything that opens them.

Builds the sample graph (Graphs/sample, with titles and attributes), makes
COUNT damaged copies of it with a fixed seed, and puts each copy through the
default paths a user takes, in child processes, none of which verifies the
file first:

  boardwalk query FILE --pin P                (the walk)
  boardwalk query FILE --pin P --method exact (exact 3-step scores)
  boardwalk info FILE
  python: Graph(FILE).recommend(...) by walk, exact and biased walk, with
          titles, attributes, neighbours and degree quantiles of what comes
          back; LiveGraph(FILE).recommend(...)

The damage, a quarter of the copies each:
  flips      1-64 random bits anywhere in the file
  runs       a run of 1-4096 bytes overwritten (random, 0x00 or 0xFF)
  truncate   the file cut short (half the time at a page boundary)
  swap       two LMDB pages swapped (or a page copied over another)

Each child must end by itself (no signal, no time-out), with exit 0, or with
the CLI's exit 1 and a one-line error, or in Python with a BoardwalkError.
A Python child takes 50 mutants at a time (its start-up costs more than the
work); one that fails is rerun one mutant per child, to name the mutant.
A signal is what issue 12 saw before the walk checked its reads (71 of 200
bit-flipped copies died with SIGSEGV). Memory errors that do not crash are
the fuzzer's job (Tests/fuzz, under AddressSanitizer).

  Tests/reliability/mutants.py --cli .build/debug/boardwalk [--count 1000]
      [--seed 1] [--jobs 2] [--no-python] [--keep DIR]

Prints a summary and ends with `mutants: N passed, M failed`; exits 1 when
any mutant failed.
"""
import argparse
import concurrent.futures
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SAMPLE = os.path.join(REPO, "Graphs", "sample")
PIN = "7136620868348139334"  # a pin of the sample, the one the issue's report used
PAGE = 4096                  # LMDB's page size for the graphs the builder writes
TIMEOUT = 60                 # seconds; a walk of the sample takes milliseconds

PYTHON_CHILD = r"""
import sys
from boardwalk import Graph, LiveGraph, BoardwalkError
pin = int(sys.argv[1])
for path in sys.argv[2:]:
    try:
        with Graph(path) as g:
            g.stats
            for kw in ({}, {"method": "exact"}, {"language": "fr"}, {"include_boards": True, "restart": 0.3}):
                try:
                    recs = g.recommend([pin], top=20, steps=20000, **kw)
                except BoardwalkError:
                    continue
                for r in recs:
                    for call in (lambda: g.title(r.id), lambda: g.attributes(r.id),
                                 lambda: g.neighbors(r.id), lambda: g.degree_quantiles([0.5, 1.0])):
                        try:
                            call()
                        except (BoardwalkError, LookupError):
                            pass
        live = LiveGraph(path)
        try:
            live.recommend([pin], top=5)
        except BoardwalkError:
            pass
        live.close()
        print("ok", flush=True)
    except BoardwalkError as e:
        print("error", type(e).__name__, str(e).replace("\n", " "), flush=True)
"""
PYTHON_BATCH = 50  # mutants per Python child: its start-up costs more than its work


def mutate(data, rng):
    """A damaged copy of data and what was done to it."""
    b = bytearray(data)
    kind = rng.choice(["flips", "runs", "truncate", "swap"])
    if kind == "flips":
        n = rng.choice([1, 1, 2, 4, 8, 16, 64])
        for _ in range(n):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        return bytes(b), f"flips {n}"
    if kind == "runs":
        n = rng.choice([1, 2, 8, 64, 512, 4096])
        at = rng.randrange(len(b))
        fill = rng.choice(["random", "zero", "ones"])
        run = (bytes(rng.randrange(256) for _ in range(n)) if fill == "random"
               else (b"\0" if fill == "zero" else b"\xff") * n)
        b[at:at + n] = run[:len(b) - at]
        return bytes(b), f"run of {n} {fill} bytes at {at}"
    if kind == "truncate":
        if rng.random() < 0.5:
            size = rng.randrange(1, len(b) // PAGE) * PAGE
        else:
            size = rng.randrange(len(b))
        return bytes(b[:size]), f"truncated to {size}"
    pages = len(b) // PAGE
    x, y = rng.randrange(pages), rng.randrange(pages)
    px, py = bytes(b[x * PAGE:(x + 1) * PAGE]), bytes(b[y * PAGE:(y + 1) * PAGE])
    if rng.random() < 0.5:
        b[x * PAGE:(x + 1) * PAGE], b[y * PAGE:(y + 1) * PAGE] = py, px
        return bytes(b), f"pages {x} and {y} swapped"
    b[y * PAGE:(y + 1) * PAGE] = px
    return bytes(b), f"page {x} copied over page {y}"


def run(cmd, env=None):
    """(verdict, detail): verdict is 'ok', 'error' or the failure."""
    try:
        p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=TIMEOUT, text=True, errors="replace")
    except subprocess.TimeoutExpired:
        return "hang", f"no answer in {TIMEOUT} s"
    err = p.stderr.strip()
    if p.returncode < 0:
        return "signal", f"killed by signal {-p.returncode}: {err[-300:]}"
    if p.returncode == 0:
        return "ok", ""
    if p.returncode != 1:
        return f"exit {p.returncode}", err[-300:]
    if "\n" in err or not err:
        return "not one line", repr(err[-300:])
    return "error", err


def check(i, path, what, cli):
    children = [
        ("query", [cli, "query", path, "--pin", PIN]),
        ("query --method exact", [cli, "query", path, "--pin", PIN, "--method", "exact"]),
        ("info", [cli, "info", path]),
    ]
    return i, what, [(name, *run(cmd)) for name, cmd in children]


def check_python(batch, env):
    """The Python child over a batch of (i, path, what): [(i, what, [("python", verdict,
    detail)])]. A batch whose child does not end well is run again one mutant per child,
    so that a failure names its mutant."""
    def one_child(items):
        cmd = [sys.executable, "-c", PYTHON_CHILD, PIN] + [path for _, path, _ in items]
        try:
            p = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                               timeout=TIMEOUT * len(items), text=True, errors="replace")
        except subprocess.TimeoutExpired:
            return None, "hang", f"no answer in {TIMEOUT * len(items)} s"
        lines = p.stdout.splitlines()
        if p.returncode < 0:
            return None, "signal", f"killed by signal {-p.returncode}: {p.stderr.strip()[-300:]}"
        if p.returncode != 0 or len(lines) != len(items):
            return None, f"exit {p.returncode}", p.stderr.strip()[-300:]
        return lines, None, None

    lines, verdict, detail = one_child(batch)
    if lines is not None:
        return [(i, what, [("python", "ok" if line == "ok" else "error", line)])
                for (i, _, what), line in zip(batch, lines)]
    if len(batch) == 1:
        i, _, what = batch[0]
        return [(i, what, [("python", verdict, detail)])]
    return [r for item in batch for r in check_python([item], env)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True, help="the boardwalk executable")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--no-python", action="store_true", help="skip the Python children")
    ap.add_argument("--keep", help="keep the graph and the failing mutants in this directory")
    args = ap.parse_args()
    cli = os.path.abspath(args.cli)

    tmp = args.keep or tempfile.mkdtemp(prefix="boardwalk-mutants.")
    os.makedirs(tmp, exist_ok=True)
    graph = os.path.join(tmp, "sample.bwg")
    subprocess.run([cli, "build", "--quiet", "--output", graph,
                    "--pin-titles", os.path.join(SAMPLE, "pin-titles.tsv"),
                    "--board-titles", os.path.join(SAMPLE, "board-titles.tsv"),
                    "--pin-attributes", os.path.join(SAMPLE, "pin-attributes.tsv"),
                    os.path.join(SAMPLE, "edges.tsv")], check=True)
    with open(graph, "rb") as f:
        data = f.read()

    python_env = None
    if not args.no_python:
        python_env = dict(os.environ)
        python_env["PYTHONPATH"] = os.path.join(REPO, "python") + (
            os.pathsep + python_env["PYTHONPATH"] if python_env.get("PYTHONPATH") else "")
        probe = subprocess.run([sys.executable, "-c", "import boardwalk"], env=python_env,
                               capture_output=True, text=True)
        if probe.returncode != 0:
            print(f"mutants: the Python binding does not load ({probe.stderr.strip().splitlines()[-1]}); "
                  "build it with `make lib` or pass --no-python", file=sys.stderr)
            return 2

    # The sound graph first: every child must answer it.
    _, _, base = check(-1, graph, "none", cli)
    if python_env is not None:
        base += check_python([(-1, graph, "none")], python_env)[0][2]
    bad_base = [(n, v, d) for n, v, d in base if v != "ok"]
    if bad_base:
        for n, v, d in bad_base:
            print(f"FAIL  the undamaged graph: {n}: {v} {d}")
        print("mutants: 0 passed, 1 failed")
        return 1

    rng = random.Random(args.seed)
    mutants = []
    for i in range(args.count):
        m, what = mutate(data, rng)
        path = os.path.join(tmp, f"mutant-{i:05d}.bwg")
        with open(path, "wb") as f:
            f.write(m)
        mutants.append((i, path, what))

    counts = {}
    failed = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(lambda m: [check(*m, cli)], m) for m in mutants]
        if python_env is not None:
            futures += [pool.submit(check_python, mutants[k:k + PYTHON_BATCH], python_env)
                        for k in range(0, len(mutants), PYTHON_BATCH)]
        for fut in concurrent.futures.as_completed(futures):
            for i, what, results in fut.result():
                for name, verdict, detail in results:
                    counts[(name, verdict)] = counts.get((name, verdict), 0) + 1
                    if verdict not in ("ok", "error"):
                        failed.add(i)
                        print(f"FAIL  mutant {i} ({what}): {name}: {verdict}: {detail}")
    if not args.keep:
        for i, path, _ in mutants:
            if i not in failed:
                os.remove(path)

    names = ["query", "query --method exact", "info"] + ([] if python_env is None else ["python"])
    for name in names:
        row = {v: n for (c, v), n in counts.items() if c == name}
        print(f"  {name:22s} " + ", ".join(f"{v} {row[v]}" for v in sorted(row)))
    if args.keep:
        print(f"mutants kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"mutants: {args.count - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
