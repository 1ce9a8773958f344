#!/usr/bin/env python3
"""Exact 3-step random-walk recommenders on a leave-one-out split, for comparison
with `boardwalk eval`: popularity, P3-alpha (Christoffel et al. 2015) and RP3-beta
(Paudel et al. 2016), scored with the same protocols and the same pessimistic
tie rule as `boardwalk eval` (an item tied with the held-out one ranks above it).

    boardwalk eval u.data --write-split SPLIT
    python3 Tools/eval/reference.py SPLIT [--k 10] [--negatives 99] [--seed 0]

SPLIT/train.tsv holds pin_id<TAB>board_id<TAB>weight<TAB>time (item, user: the order
`boardwalk build` reads), SPLIT/test.tsv user<TAB>item, each under a header naming its
columns; files without a header (splits written before) are user<TAB>item.
The sampled negatives are drawn here with numpy (seeded), not with Boardwalk's
generator: sampled numbers are comparable in distribution, not user by user.
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp


def load(split):
    # Ids are unsigned 64-bit: read them as Python ints (through float64 they
    # would lose their low bits and collide).
    # (user, item) pairs; a header line names the columns, as `boardwalk eval` reads them.
    USER = {"user", "user_id", "userid", "board", "board_id"}
    ITEM = {"item", "item_id", "itemid", "pin", "pin_id"}

    def pairs_of(path):
        with open(path, encoding="utf-8-sig") as f:
            rows = [line.rstrip("\r\n").split("\t") for line in f if line.strip() and not line.startswith("#")]
        u, i = 0, 1
        if rows and not rows[0][0].strip().isdigit():
            names = [n.strip().lower() for n in rows.pop(0)]
            u = next(k for k, n in enumerate(names) if n in USER)
            i = next(k for k, n in enumerate(names) if n in ITEM)
        return [(int(r[u]), int(r[i])) for r in rows]
    train = pairs_of(f"{split}/train.tsv")
    test = pairs_of(f"{split}/test.tsv")
    users = sorted({u for u, _ in train})
    items = sorted({i for _, i in train})
    uidx = {u: i for i, u in enumerate(users)}
    iidx = {v: i for i, v in enumerate(items)}
    pairs = {(uidx[u], iidx[i]) for u, i in train}
    rows, cols = zip(*pairs)
    R = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(users), len(items)))
    # A held-out item absent from training cannot be recommended: it stays in
    # the denominator as a miss, as in `boardwalk eval`.
    held = [(uidx[u], iidx[i]) for u, i in test if u in uidx and i in iidx]
    return R, held, len(test)


def row_normalise(M, power):
    """Transition matrix with each probability raised to `power` (P3-alpha), as in the papers."""
    deg = np.asarray(M.sum(axis=1)).ravel()
    deg[deg == 0] = 1
    P = sp.diags(1.0 / deg) @ M
    P = P.tocsr()
    P.data = P.data ** power
    return P


def evaluate(name, score_fn, R, held, total, k, negatives, seed):
    rng = np.random.default_rng(seed)
    n_items = R.shape[1]
    hr = ndcg = shr = sndcg = 0.0
    scoring = 0.0  # seconds in score_fn alone: the cost of answering one query
    t0 = time.perf_counter()
    for u, target in held:
        ts = time.perf_counter()
        s = score_fn(u)
        scoring += time.perf_counter() - ts
        seen = R[u].indices
        t = s[target]
        mask = np.ones(n_items, dtype=bool)
        mask[seen] = False
        mask[target] = False
        rank = 1 + int(np.count_nonzero(s[mask] >= t))
        if rank <= k:
            hr += 1
            ndcg += 1 / np.log2(rank + 1)
        pool = np.flatnonzero(mask)
        neg = rng.choice(pool, size=min(negatives, pool.size), replace=False)
        srank = 1 + int(np.count_nonzero(s[neg] >= t))
        if srank <= k:
            shr += 1
            sndcg += 1 / np.log2(srank + 1)
    n = total
    secs = time.perf_counter() - t0
    return {"method": name, "users": n, "hr": hr / n, "ndcg": ndcg / n, "sampled_hr": shr / n,
            "sampled_ndcg": sndcg / n, "seconds": secs, "ms_per_user": 1000 * secs / max(len(held), 1),
            "score_ms_per_user": 1000 * scoring / max(len(held), 1)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("split")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--negatives", type=int, default=99)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--sparse-only", action="store_true",
                    help="large catalogues: skip the dense item-item methods, answer RP3beta per query only")
    a = ap.parse_args()
    R, held, total = load(a.split)
    pop = np.asarray(R.sum(axis=0)).ravel()
    rows = [evaluate("popularity", lambda u: pop.astype(float), R, held, total, a.k, a.negatives, a.seed)]
    if a.sparse_only:
        for alpha in (0.75, 1.0):
            Pui = row_normalise(R, alpha)
            Piu = row_normalise(R.T.tocsr(), alpha)
            for beta in (0.5, 0.7):
                penalty = np.power(np.maximum(pop, 1), beta)
                rows.append(evaluate(f"RP3beta a={alpha} b={beta} sparse",
                                     lambda u: ((Pui[u] @ Piu) @ Pui).toarray().ravel() / penalty,
                                     R, held, total, a.k, a.negatives, a.seed))
        report(rows, a)
        return
    Pui_cache = {}
    for alpha in (0.5, 0.75, 1.0):
        t0 = time.perf_counter()
        Pui = row_normalise(R, alpha)
        Piu = row_normalise(R.T.tocsr(), alpha)
        W = (Piu @ Pui).toarray()  # item -> user -> item
        Pui_cache[alpha] = (Pui, W, time.perf_counter() - t0)
        row = evaluate(f"P3alpha a={alpha}", lambda u: (Pui[u] @ W).ravel(), R, held, total, a.k, a.negatives, a.seed)
        row["setup_seconds"] = Pui_cache[alpha][2]
        rows.append(row)
        for beta in (0.3, 0.5, 0.7):
            penalty = np.power(np.maximum(pop, 1), beta)
            Wb = W / penalty[None, :]
            row = evaluate(f"RP3beta a={alpha} b={beta}", lambda u: (Pui[u] @ Wb).ravel(), R, held, total, a.k, a.negatives, a.seed)
            row["setup_seconds"] = Pui_cache[alpha][2]
            rows.append(row)
    # The best setting again, answered per query as a server without a
    # precomputed item-item matrix would: user -> items -> users -> items,
    # sparse, then the popularity penalty.
    Pui, _, _ = Pui_cache[0.75]
    Piu = row_normalise(R.T.tocsr(), 0.75)
    penalty = np.power(np.maximum(pop, 1), 0.7)
    rows.append(evaluate("RP3beta a=0.75 b=0.7 sparse", lambda u: ((Pui[u] @ Piu) @ Pui).toarray().ravel() / penalty,
                         R, held, total, a.k, a.negatives, a.seed))
    report(rows, a)


def report(rows, a):
    if a.json:
        print(json.dumps(rows))
        return
    print(f"{'method':30} HR@{a.k}   NDCG@{a.k} sHR@{a.k}  sNDCG@{a.k} ms/user scoring ms/user")
    for r in rows:
        print(f"{r['method']:30} {r['hr']:.4f} {r['ndcg']:.4f}  {r['sampled_hr']:.4f} {r['sampled_ndcg']:.4f}  "
              f"{r['ms_per_user']:.2f}    {r['score_ms_per_user']:.3f}")


if __name__ == "__main__":
    main()
