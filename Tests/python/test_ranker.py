"""The learned ranker end to end: Tools/ranker/train.py on a small generated
data set (in CI, well under a minute), its model file read by an
independent Python reader of boardwalk.h's format whose scores must equal
the C library's (to rounding), `boardwalk eval --ranker`, and the binding's
refusals of damaged, mismatched and NaN model files."""
import json
import math
import os
import struct
import subprocess
import sys
import zlib

import pytest

import boardwalk

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(REPO, "Tools", "ranker", "train.py")


def lightgbm_or_skip():
    try:
        import lightgbm  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("lightgbm and numpy are required when CI=true (Tools/setup installs them)", pytrace=False)
        pytest.skip("lightgbm or numpy missing (Tools/setup installs them)")


# ---------------------------------------------------------------------------
# An independent reader of the model format (boardwalk.h)

def read_model(path):
    data = open(path, "rb").read()
    assert data[:8] == b"BWRANKER"
    version, kind, n, output, body = struct.unpack_from("<IIIIQ", data, 8)
    assert version == 1 and len(data) == 32 + body + 4
    assert struct.unpack_from("<I", data, len(data) - 4)[0] == zlib.crc32(data[:-4])
    inputs = []
    for i in range(n):
        name, transform, _ = struct.unpack_from("<32sII", data, 32 + 40 * i)
        inputs.append((name.rstrip(b"\0").decode(), transform))
    pos = 32 + 40 * n
    model = {"kind": kind, "output": output, "inputs": inputs}
    if kind == 1:
        model["bias"], *model["weights"] = struct.unpack_from(f"<{n + 1}d", data, pos)
    else:
        base, ntrees, _ = struct.unpack_from("<dII", data, pos)
        pos += 16
        trees = []
        for _ in range(ntrees):
            m, _ = struct.unpack_from("<II", data, pos)
            pos += 8
            trees.append([struct.unpack_from("<IIIId", data, pos + 24 * j) for j in range(m)])
            pos += 24 * m
        model["base"], model["trees"] = base, trees
    return model


def score(model, names, row):
    x = []
    for name, transform in model["inputs"]:
        v = row[names.index(name)]
        x.append(math.copysign(math.log1p(abs(v)), v) if transform == 1 else math.log(max(v, 0.0) + 1e-12)
                 if transform == 2 else v)
    if model["kind"] == 1:
        raw = model["bias"] + sum(w * v for w, v in zip(model["weights"], x))
    else:
        raw = model["base"]
        for nodes in model["trees"]:
            j = 0
            while nodes[j][0] != 0xFFFFFFFF:
                f, left, right, _, threshold = nodes[j]
                j = left if x[f] <= threshold else right
            raw += nodes[j][4]
    return 1 / (1 + math.exp(-raw)) if model["output"] == 1 else raw


# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained(cli, tmp_path_factory):
    """A small generated data set, a split, and a tree model and a linear
    model trained on the split's training part."""
    lightgbm_or_skip()
    d = tmp_path_factory.mktemp("ranker")
    data = d / "interactions.tsv"
    subprocess.run([cli, "generate", "--pins", "800", "--boards", "300", "--edges", "9000", "--communities", "8",
                    "--seed", "5", "--quiet", "-o", str(data)], check=True)
    subprocess.run([cli, "eval", str(data), "--write-split", str(d / "split"), "--split-only", "-q"], check=True)
    out = {}
    for kind in ("trees", "linear"):
        model = d / f"{kind}.bwr"
        r = subprocess.run([sys.executable, TRAIN, str(d / "split" / "train.tsv"), "--output", str(model),
                            "--boardwalk", cli, "--model", kind, "--trees", "40", "--top-n", "200",
                            "--negatives", "30", "--steps", "20000", "--rounds", "2" if kind == "trees" else "1",
                            "--work-dir", str(d / f"work-{kind}")],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        assert "score as in Python" in r.stderr
        out[kind] = model
    return d, data, out


@pytest.mark.parametrize("kind", ["trees", "linear"])
def test_trained_model_scores_the_same_in_c(trained, kind):
    d, _, models = trained
    path = models[kind]
    model = read_model(path)
    ranker = boardwalk.Ranker(path)
    assert ranker.kind == kind
    assert [n for n, _ in model["inputs"]] == ranker.inputs
    names = boardwalk.feature_names()
    with boardwalk.Graph(d / f"work-{kind}" / "train1.bwg") as g:
        board = g.id_at(0, boardwalk.BOARD)
        pins = {p: 1.0 for p in g.neighbors(board, boardwalk.BOARD)}
        plain = g.recommend(pins, top=300, steps=20000, seed=3, features=True)
        ranked = g.recommend(pins, top=10, steps=20000, seed=3, ranker=ranker, ranker_top_n=300, features=True)
        # The ranker's results: the walk's 300 best, re-ordered by the model.
        expected = sorted(range(len(plain)), key=lambda i: (-score(model, names, plain.features[i]), i))[:10]
        assert [r.id for r in ranked] == [plain[i].id for i in expected]
        for r, f in zip(ranked, ranked.features):
            assert r.score == pytest.approx(score(model, names, f), rel=1e-12, abs=1e-300)
            assert r.score == pytest.approx(ranker.score(f), rel=1e-15)
        # score(): the model's scores of given candidates, -inf for a pin not in the graph.
        cands = [plain[5].id, 2**64 - 1, plain[0].id]
        s = g.score(cands, pins, steps=20000, seed=3, ranker=ranker, features=True)
        assert s[1] == -math.inf
        assert s[0] == pytest.approx(score(model, names, s.features[0]), rel=1e-12)
        assert s.features[1] == [0.0] * len(names)


def test_eval_measures_walk_and_ranker(cli, trained):
    d, data, models = trained
    r = subprocess.run([cli, "eval", str(data), "--ranker", str(models["trees"]), "--steps", "20000", "--json", "-q"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    for block in ("walk", "ranker", "ranker_minus_walk"):
        assert 0 <= o[block]["hr_se@10"] < 1
    diff = o["ranker"]["hr@10"] - o["walk"]["hr@10"]
    assert diff == pytest.approx(o["ranker_minus_walk"]["hr@10"], abs=1e-12)


def test_train_refuses_bad_input(cli, tmp_path):
    lightgbm_or_skip()
    r = subprocess.run([sys.executable, TRAIN, str(tmp_path / "missing.tsv"), "--output", str(tmp_path / "m.bwr"),
                        "--boardwalk", cli], capture_output=True, text=True)
    assert r.returncode == 1 and "missing.tsv: No such file or directory" in r.stderr
    one = tmp_path / "one.tsv"
    one.write_text("1\t10\n2\t11\n")  # no user has two items
    r = subprocess.run([sys.executable, TRAIN, str(one), "--output", str(tmp_path / "m.bwr"), "--boardwalk", cli],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "train.py:" in r.stderr and not (tmp_path / "m.bwr").exists()


# ---------------------------------------------------------------------------
# Refusals: damaged, mismatched and NaN models

def model_file(path, names, weights, bias=0.0, version=1, body_extra=b"", count=None):
    inputs = b"".join(struct.pack("<32sII", n.encode(), 0, 0) for n in names)
    body = inputs + struct.pack(f"<{1 + len(weights)}d", bias, *weights) + body_extra
    data = b"BWRANKER" + struct.pack("<IIIIQ", version, 1, len(names) if count is None else count, 0, len(body)) + body
    path.write_bytes(data + struct.pack("<I", zlib.crc32(data)))
    return path


def test_ranker_refusals(tmp_path):
    good = model_file(tmp_path / "good.bwr", ["degree", "visits"], [1.0, 2.0])
    r = boardwalk.Ranker(good)
    f = [0.0] * len(boardwalk.feature_names())
    f[boardwalk.feature_names().index("visits")] = 3
    assert r.score(f) == 6.0
    with pytest.raises(boardwalk.InvalidArgumentError, match="finite values, not 2"):
        r.score([1.0, 2.0])
    r.close()
    with pytest.raises(boardwalk.GraphClosedError):
        r.inputs
    damaged = tmp_path / "damaged.bwr"
    data = bytearray(good.read_bytes())
    data[60] ^= 1
    damaged.write_bytes(bytes(data))
    with pytest.raises(boardwalk.CorruptGraphError, match="checksum mismatch"):
        boardwalk.Ranker(damaged)
    with pytest.raises(boardwalk.CorruptGraphError, match="the input count does not match the weights"):
        boardwalk.Ranker(model_file(tmp_path / "count.bwr", ["degree", "visits"], [1.0, 2.0], count=3))
    with pytest.raises(boardwalk.InvalidArgumentError, match=r"weight 1 \(input \"visits\"\) is nan"):
        boardwalk.Ranker(model_file(tmp_path / "nan.bwr", ["degree", "visits"], [1.0, math.nan]))
    with pytest.raises(boardwalk.NotFoundError, match="newest_edge_age"):
        boardwalk.Ranker(model_file(tmp_path / "name.bwr", ["degree", "newest_edge_age"], [1.0, 2.0]))
    with pytest.raises(boardwalk.FormatVersionError, match="version 2"):
        boardwalk.Ranker(model_file(tmp_path / "v2.bwr", ["degree"], [1.0], version=2))
    with pytest.raises(boardwalk.GraphOSError):
        boardwalk.Ranker(tmp_path / "absent.bwr")
