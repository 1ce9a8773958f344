#!/usr/bin/env python3
"""Turns a `boardwalk generate` edge list into eval interactions with a noisy
similarity score, for measuring pruning (BENCHMARKS.md, "Pruning").

    score_generated.py EDGES PIN_ATTRIBUTES OUT [--seed N] [--spread S]

EDGES is pin<TAB>board (no header), PIN_ATTRIBUTES pin<TAB>language<TAB>topic
as `generate --pin-attributes` writes it (topics are the planted
communities). OUT gets board<TAB>pin<TAB>score: 1 when the pin's community is
its board's majority community, 0 otherwise, plus uniform noise in
[0, spread]: an imperfect similarity, standing in for Pixie's embedding one.
"""
import argparse
import collections
import random


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("edges")
    ap.add_argument("pin_attributes")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--spread", type=float, default=1.5)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    topic = {}
    with open(a.pin_attributes) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 3 and fields[0].isdigit():
                topic[fields[0]] = fields[2]
    with open(a.edges) as f:
        edges = [line.rstrip("\n").split("\t")[:2] for line in f if line.strip() and line[0].isdigit()]
    counts = collections.defaultdict(collections.Counter)
    for pin, board in edges:
        counts[board][topic.get(pin)] += 1
    majority = {board: c.most_common(1)[0][0] for board, c in counts.items()}
    with open(a.out, "w") as out:
        for pin, board in edges:
            score = (1.0 if topic.get(pin) == majority[board] else 0.0) + rng.uniform(0, a.spread)
            out.write(f"{board}\t{pin}\t{score:.4f}\n")


if __name__ == "__main__":
    main()
