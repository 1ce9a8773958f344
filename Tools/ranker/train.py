#!/usr/bin/env python3
"""Trains a learned ranker for Boardwalk's walk and writes its model file.

    python3 Tools/ranker/train.py INTERACTIONS --output MODEL [options]

INTERACTIONS is what `boardwalk eval` reads: user<TAB>item[<TAB>weight][<TAB>time]
(users are boards, items pins; a header may name the columns; `eval
--write-split`'s train.tsv works as it is). The tool never walks in Python:

  1. `boardwalk eval INTERACTIONS --write-split DIR --split-only` makes the
     same leave-one-out split eval makes (per user the last item by time, else
     a seeded random one): its held-out items are the labels;
  2. `boardwalk build` builds the graph of the rest; with --rounds R the
     rest is split again, R times (each round's labels are the items just
     before the previous round's, walked on a graph without them), for R
     times the labelled users;
  3. `boardwalk query --batch` walks for every labelled user (its training
     items, weighted as eval weighs them) and returns the walk's best
     --top-n candidates with their features ("features": true), and the
     features of the held-out item and of --negatives sampled unseen items
     ("candidates"), the rows the sampled protocol ranks; a sampled item
     stands for all the unseen items outside the walk's top candidates, so
     its row is weighted by their number over the sample's size (the
     held-out item is always there: unweighted, it would make items the
     walk barely reached look more relevant than those it ranks high);
  4. a logistic regression is fitted with numpy (the default), or LightGBM
     fits trees (--model trees: pointwise logistic, or LambdaRank with
     --objective lambdarank), on every row, the held-out item labelled 1;
  5. the model is written in the format of boardwalk.h ("Features and learned
     rankers"), and `boardwalk query --batch` with "ranker" scores rows again
     in C: every score must equal the Python model's (relative 1e-9), or the
     tool fails.

To evaluate a ranker honestly, train it on a split that never saw the test
items: `boardwalk eval data.tsv --write-split s/ --split-only`, then
`train.py s/train.tsv --output m.bwr`, then `boardwalk eval data.tsv --ranker
m.bwr`: eval holds out the same items, which m.bwr never saw.

Needs numpy and lightgbm (Tools/ranker/requirements.txt, installed by
Tools/setup) and the `boardwalk` command (--boardwalk, $BOARDWALK_CLI, PATH,
or this checkout's .build).
"""
import argparse
import json
import math
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
REQUIREMENTS = os.path.join(HERE, "requirements.txt")

# boardwalk.h: the model file.
MAGIC = b"BWRANKER"
FORMAT_VERSION = 1
LINEAR, TREES = 1, 2
RAW, LOGISTIC = 0, 1
IDENTITY, LOG1P, LOG = 0, 1, 2
LEAF = 0xFFFFFFFF
# How a linear model reads each feature: log1p for heavy-tailed counts, log
# for probabilities (a log-linear model of them is RP3beta's family).
LOG1P_FEATURES = {"score", "boosted_score", "visits", "degree", "sources", "query_size"}
LOG_FEATURES = {"visit_share", "exact_score", "exact_penalized_score"}


def transformed(X, transforms):
    import numpy as np
    X = np.asarray(X, dtype=float).copy()
    for j, t in enumerate(transforms):
        if t == LOG1P:
            X[:, j] = np.sign(X[:, j]) * np.log1p(np.abs(X[:, j]))
        elif t == LOG:
            X[:, j] = np.log(np.maximum(X[:, j], 0.0) + 1e-12)
    return X


def fail(message, code=1):
    print(f"train.py: {message}", file=sys.stderr)
    sys.exit(code)


def note(args, message):
    if not args.quiet:
        print(f"train.py: {message}", file=sys.stderr, flush=True)


def need_packages():
    try:
        import lightgbm  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as e:
        fail(f"{e.name} is not installed: run Tools/setup, or "
             f"python3 -m pip install -r {os.path.relpath(REQUIREMENTS)}")


def find_cli(given):
    for c in (given, os.environ.get("BOARDWALK_CLI"), shutil.which("boardwalk"),
              os.path.join(REPO, ".build", "release", "boardwalk"), os.path.join(REPO, ".build", "debug", "boardwalk")):
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    fail("the boardwalk command was not found: give --boardwalk PATH, set BOARDWALK_CLI, put it on PATH, "
         "or build it (swift build -c release --product boardwalk)")


def run(args, argv, stdin=None):
    """Runs a boardwalk command; its stderr is passed on, a failure ends the tool."""
    r = subprocess.run(argv, input=stdin, stdout=subprocess.PIPE, stderr=None if not args.quiet else subprocess.PIPE)
    if r.returncode != 0:
        err = r.stderr.decode("utf-8", "replace").strip() if r.stderr else ""
        fail(f"{' '.join(argv[:2])} failed (exit {r.returncode}){': ' + err if err else ''}")
    return r.stdout


def walk_flags(args):
    """The walk options, passed to `boardwalk query` as they are."""
    out = []
    for flag in ("steps", "restart", "popularity_penalty", "early_stop"):
        v = getattr(args, flag)
        if v is not None:
            out += ["--" + flag.replace("_", "-"), str(v)]
    if args.no_early_stop:
        out.append("--no-early-stop")
    if args.no_boost:
        out.append("--no-boost")
    return out


def read_tsv(path):
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return header, [line.rstrip("\n").split("\t") for line in f if line.strip()]


def histories(split_dir):
    """(per-user training items [(item, weight, time)], held-out item per user, catalogue)."""
    header, rows = read_tsv(os.path.join(split_dir, "train.tsv"))
    if header[:2] != ["pin_id", "board_id"]:
        fail(f"{split_dir}/train.tsv: unexpected header {header}")
    hist, items = {}, set()
    for r in rows:
        item, user = int(r[0]), int(r[1])
        w = float(r[2]) if len(r) > 2 and r[2] else 1.0
        t = int(r[3]) if len(r) > 3 and r[3] else None
        hist.setdefault(user, []).append((item, w, t))
        items.add(item)
    _, rows = read_tsv(os.path.join(split_dir, "test.tsv"))
    held = {int(u): int(i) for u, i in rows}
    return hist, held, sorted(items)


def query_weights(items, scheme):
    """The query eval makes for a user: uniform, the input's weights, or 1/rank by recency."""
    q = {}
    ordered = sorted(items, key=lambda h: (h[2] or 0, h[0]), reverse=True)
    for rank, (item, w, _) in enumerate(ordered):
        q[item] = q.get(item, 0.0) + (1.0 if scheme == "uniform" else w if scheme == "weight" else 1.0 / (rank + 1))
    return q


def batch(args, cli, graph, lines, extra=()):
    text = "".join(json.dumps(line) + "\n" for line in lines).encode()
    out = run(args, [cli, "query", graph, "--batch", "-", *walk_flags(args), *extra], stdin=text)
    answers = [json.loads(s) for s in out.decode().splitlines()]
    if len(answers) != len(lines):
        fail(f"boardwalk query --batch answered {len(answers)} of {len(lines)} lines")
    return answers


def collect(args, cli, graph, hist, held, catalogue):
    """Feature rows, labels, weights and groups (one group per user)."""
    users = sorted(u for u in held if u in hist)
    if args.max_users and len(users) > args.max_users:
        users = sorted(random.Random(args.seed).sample(users, args.max_users))
    if not users:
        fail("no user has both training items and a held-out item: nothing to learn from")
    rng = random.Random(args.seed ^ 0x5EED)
    recommend, score = [], []
    for n, u in enumerate(users):
        q = query_weights(hist[u], args.query_weights)
        seen = set(q) | {held[u]}
        negatives = set()
        if len(catalogue) - len(seen) >= args.negatives:
            while len(negatives) < args.negatives:
                c = catalogue[rng.randrange(len(catalogue))]
                if c not in seen:
                    negatives.add(c)
        pins = {str(k): v for k, v in sorted(q.items())}
        common = {"pins": pins, "seed": args.seed + n, "lenient": True, "features": True}
        recommend.append({**common, "top": args.top_n})
        score.append({**common, "candidates": [held[u], *sorted(negatives)]})
    note(args, f"walking for {len(users)} users (top {args.top_n} candidates each, {args.negatives} sampled negatives)")
    ra = batch(args, cli, graph, recommend)
    sa = batch(args, cli, graph, score)
    rows, labels, weights, groups, names = [], [], [], [], None
    found = 0
    catalogue_set = set(catalogue)
    for u, a, b in zip(users, ra, sa):
        if "error" in a or "error" in b:
            fail(f"user {u}: {a.get('error') or b.get('error')}")
        names = names or a.get("feature_names") or b.get("feature_names")
        target, size = held[u], 0
        ids = set()
        for r in a["results"]:
            rows.append(r["features"])
            labels.append(1 if r["id"] == target else 0)
            weights.append(1.0)
            ids.add(r["id"])
            size += 1
        found += target in ids
        candidates = score[len(groups)]["candidates"]
        sampled = [i for i, c in enumerate(candidates) if i > 0 and c not in ids]
        # The unseen items outside the walk's candidates, which the sample stands for.
        seen = set(hist_items(hist[u])) | {target}
        rest = len(catalogue_set - ids - seen)
        for i, c in enumerate(candidates):
            if c in ids:
                continue
            rows.append(b["features"][i])
            labels.append(1 if i == 0 else 0)
            weights.append(1.0 if i == 0 else rest / max(len(sampled), 1))
            size += 1
        groups.append(size)
    return users, rows, labels, weights, groups, names, found


def hist_items(items):
    return [i for i, _, _ in items]


# ---------------------------------------------------------------------------
# Models

def fit_trees(args, X, y, w, groups):
    import lightgbm as lgb
    import numpy as np
    params = {
        "objective": args.objective, "learning_rate": args.learning_rate, "num_leaves": args.leaves,
        "min_data_in_leaf": args.min_leaf, "feature_fraction": 1.0, "bagging_fraction": 1.0, "lambda_l2": 1.0,
        "seed": args.seed, "deterministic": True, "num_threads": args.threads, "verbose": -1,
    }
    if args.objective == "lambdarank":
        params["lambdarank_truncation_level"] = 20
        params["eval_at"] = [10]
    lambdarank = args.objective == "lambdarank"
    data = lgb.Dataset(np.asarray(X), label=np.asarray(y), weight=None if lambdarank else np.asarray(w),
                       group=groups if lambdarank else None, free_raw_data=False)
    return lgb.train(params, data, num_boost_round=args.trees)


def tree_nodes(structure):
    """LightGBM's nested tree as boardwalk's node array: pre-order, so that
    children come after their node."""
    nodes = []

    def visit(t):
        i = len(nodes)
        nodes.append(None)
        if "leaf_value" in t:
            nodes[i] = (LEAF, 0, 0, float(t["leaf_value"]))
            return i
        if t.get("decision_type", "<=") != "<=":
            fail(f"LightGBM split of kind {t['decision_type']} (only numeric <= splits have a boardwalk form)")
        left = visit(t["left_child"])
        right = visit(t["right_child"])
        nodes[i] = (int(t["split_feature"]), left, right, float(t["threshold"]))
        return i

    visit(structure)
    return nodes


def fit_linear(args, X, y, sample_weight):
    """L2-regularised logistic regression by Newton's method on standardised
    inputs (log1p of the heavy-tailed counts, log of the probabilities); weights returned in the
    units the C library sees (standardisation folded in)."""
    import numpy as np
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    names = args.names
    transforms = [LOG1P if n in LOG1P_FEATURES else LOG if n in LOG_FEATURES else IDENTITY for n in names]
    Z = transformed(X, transforms)
    mean, sd = Z.mean(axis=0), Z.std(axis=0)
    sd[sd == 0] = 1.0
    Zs = np.hstack([np.ones((len(Z), 1)), (Z - mean) / sd])
    # The rows' weights, and positives (rare) weighted up to balance the classes.
    sw = np.asarray(sample_weight, dtype=float)
    pw = float(sw[y == 0].sum()) / max(float(sw[y > 0].sum()), 1.0)
    sw = np.where(y > 0, sw * pw, sw)
    w = np.zeros(Zs.shape[1])
    lam = args.l2 * np.eye(Zs.shape[1])
    lam[0, 0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(Zs @ w)))
        grad = Zs.T @ (sw * (p - y)) + lam @ w
        H = (Zs * (sw * p * (1 - p))[:, None]).T @ Zs + lam
        step = np.linalg.solve(H, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    coef = w[1:] / sd
    bias = w[0] - float(np.sum(w[1:] * mean / sd))
    return bias, coef.tolist(), transforms


def linear_raw(model, X):
    import numpy as np
    bias, coef, transforms = model
    return bias + transformed(X, transforms) @ np.asarray(coef)


# ---------------------------------------------------------------------------
# The model file (boardwalk.h)

def model_bytes(kind, output, names, transforms, body):
    head_inputs = b"".join(struct.pack("<32sII", n.encode(), t, 0) for n, t in zip(names, transforms))
    payload = head_inputs + body
    header = MAGIC + struct.pack("<IIIIQ", FORMAT_VERSION, kind, len(names), output, len(payload))
    data = header + payload
    return data + struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF)


def write_model(path, data):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def tree_body(booster):
    dump = booster.dump_model()
    trees = [tree_nodes(t["tree_structure"]) for t in dump["tree_info"]]
    out = [struct.pack("<dII", 0.0, len(trees), 0)]
    for nodes in trees:
        out.append(struct.pack("<II", len(nodes), 0))
        out += [struct.pack("<IIIId", f, l, r, 0, v) for f, l, r, v in nodes]
    return b"".join(out), len(trees)


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="See the module's docstring and README, "
                                 "\"Learned ranker\".", formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("interactions", help="user<TAB>item[<TAB>weight][<TAB>time], as boardwalk eval reads it")
    ap.add_argument("--output", "-o", required=True, help="the model file to write")
    ap.add_argument("--boardwalk", help="the boardwalk command (default: $BOARDWALK_CLI, PATH, this checkout's .build)")
    ap.add_argument("--work-dir", help="keep the split, graph and batches here (default: a temporary directory)")
    ap.add_argument("--model", choices=("linear", "trees"), default="linear",
                    help="linear (the default: as good as trees on MovieLens and ~20x cheaper to apply, "
                         "BENCHMARKS.md) or LightGBM trees")
    ap.add_argument("--objective", choices=("binary", "lambdarank"), default="binary",
                    help="trees: pointwise logistic (binary, the default: better than LambdaRank here) or LambdaRank")
    ap.add_argument("--top-n", type=int, default=500, help="walk candidates per user to learn from (the ranker's top_n)")
    ap.add_argument("--rounds", type=int, default=3, help="leave-one-out splits in a row, each adding one label per user")
    ap.add_argument("--negatives", type=int, default=50, help="sampled unseen items per user, with the held-out one")
    ap.add_argument("--trees", type=int, default=300)
    ap.add_argument("--leaves", type=int, default=15)
    ap.add_argument("--learning-rate", type=float, default=0.05)
    ap.add_argument("--min-leaf", type=int, default=20, help="least rows in a leaf")
    ap.add_argument("--l2", type=float, default=1.0, help="linear: L2 penalty")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-users", type=int, help="learn from at most this many users (a seeded sample)")
    ap.add_argument("--min-interactions", type=int, default=2)
    ap.add_argument("--query-weights", choices=("uniform", "weight", "recency"), default="uniform")
    ap.add_argument("--pin-attributes", help="item<TAB>language<TAB>topic, for the graph (topic features)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", "-q", action="store_true")
    g = ap.add_argument_group("walk options (as boardwalk query takes them; default: the library's)")
    g.add_argument("--steps")
    g.add_argument("--restart")
    g.add_argument("--popularity-penalty")
    g.add_argument("--early-stop")
    g.add_argument("--no-early-stop", action="store_true")
    g.add_argument("--no-boost", action="store_true")
    args = ap.parse_args()
    for name in ("top_n", "trees", "leaves", "min_leaf", "threads", "rounds"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.negatives < 0:
        ap.error("--negatives must be at least 0")
    if not os.path.exists(args.interactions):
        fail(f"{args.interactions}: No such file or directory")
    out_dir = os.path.dirname(os.path.abspath(args.output))
    if not os.path.isdir(out_dir):
        fail(f"{args.output}: the directory {out_dir} does not exist")
    need_packages()
    import numpy as np
    cli = find_cli(args.boardwalk)
    start = time.time()
    work = args.work_dir or tempfile.mkdtemp(prefix="boardwalk-ranker-")
    os.makedirs(work, exist_ok=True)
    try:
        q = ["-q"] if args.quiet else []
        attrs = ["--pin-attributes", args.pin_attributes] if args.pin_attributes else []
        source = args.interactions
        X, y, w, groups, nusers, found = [], [], [], [], 0, 0
        for r in range(args.rounds):
            split = os.path.join(work, f"split{r + 1}")
            run(args, [cli, "eval", source, "--write-split", split, "--split-only", "--min-interactions",
                       str(args.min_interactions), "--seed", str(args.seed + r), *q])
            graph = os.path.join(work, f"train{r + 1}.bwg")
            run(args, [cli, "build", "--quiet", "--output", graph, *attrs, os.path.join(split, "train.tsv")])
            hist, held, catalogue = histories(split)
            if not held and r > 0:
                break  # no user has enough items left for another round
            users, Xr, yr, wr, gr, names, fr = collect(args, cli, graph, hist, held, catalogue)
            X += Xr; y += yr; w += wr; groups += gr
            nusers += len(users)
            found += fr
            if r == 0:
                first = (graph, hist, held, users)
            source = os.path.join(split, "train.tsv")
        graph, hist, held, users = first
        args.names = names
        positives = int(sum(y))
        note(args, f"{len(X)} rows from {nusers} labelled users in {args.rounds} round(s); the held-out item is among "
                   f"the walk's top {args.top_n} for {found} ({found / max(nusers, 1):.1%}); {positives} positive rows")
        if positives == 0:
            fail("no held-out item is among the rows: nothing to learn (more --top-n or --negatives?)")
        if args.model == "trees":
            booster = fit_trees(args, X, y, w, groups)
            body, ntrees = tree_body(booster)
            output = LOGISTIC if args.objective == "binary" else RAW
            data = model_bytes(TREES, output, names, [IDENTITY] * len(names), body)

            def predict(rows):
                raw = booster.predict(np.asarray(rows), raw_score=True)
                return 1.0 / (1.0 + np.exp(-raw)) if output == LOGISTIC else raw
            what = f"{ntrees} trees of at most {args.leaves} leaves ({args.objective})"
        else:
            model = fit_linear(args, X, y, w)
            bias, coef, transforms = model
            data = model_bytes(LINEAR, LOGISTIC, names, transforms, struct.pack(f"<{1 + len(coef)}d", bias, *coef))

            def predict(rows):
                return 1.0 / (1.0 + np.exp(-linear_raw(model, rows)))
            what = "a logistic regression"
        write_model(args.output, data)
        check_in_c(args, cli, graph, hist, held, users, predict)
        note(args, f"wrote {args.output} ({len(data)} bytes): {what} over {len(names)} features, "
                   f"{time.time() - start:.1f}s in all")
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)


def check_in_c(args, cli, graph, hist, held, users, predict):
    """Scores rows with the written model in C (`boardwalk query --batch`
    with "ranker") and compares them with the Python model's predictions."""
    import numpy as np
    lines = []
    for n, u in enumerate(users[:50]):
        q = query_weights(hist[u], args.query_weights)
        lines.append({"pins": {str(k): v for k, v in sorted(q.items())}, "seed": args.seed + n, "lenient": True,
                      "features": True, "top": min(args.top_n, 100), "ranker": os.path.abspath(args.output),
                      "ranker_top_n": min(args.top_n, 100)})
    worst, rows = 0.0, 0
    for a in batch(args, cli, graph, lines):
        if "error" in a:
            fail(f"the written model does not run in C: {a['error']}")
        if not a["results"]:
            continue
        c = np.asarray([r["score"] for r in a["results"]], dtype=float)
        p = predict([r["features"] for r in a["results"]])
        worst = max(worst, float(np.max(np.abs(c - p) / np.maximum(np.abs(p), 1e-300))))
        rows += len(c)
    if not (worst <= 1e-9):
        fail(f"the C library's scores differ from the Python model's by up to {worst:.3g} (relative) on {rows} rows")
    note(args, f"checked in C: {rows} rows score as in Python (largest relative difference {worst:.2g})")


if __name__ == "__main__":
    main()
