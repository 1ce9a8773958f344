"""Tests of the Python binding (python/boardwalk) against the sample graph.

Expected values come from the sample's TSV files, from the `boardwalk` CLI
(the Swift side, which runs the same C kernel) or from a second call; none is
copied from an earlier run.

Environment (all optional): BOARDWALK_LIBRARY (the library to load),
BOARDWALK_CLI (the `boardwalk` command; default .build/release/boardwalk),
BOARDWALK_TEST_INSTALLED=1 (import the installed package, not python/).
"""
import errno
import json
import os
import struct
import subprocess
import sys
import threading
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, "Graphs", "sample")
if not os.environ.get("BOARDWALK_TEST_INSTALLED"):
    sys.path.insert(0, os.path.join(REPO, "python"))

import boardwalk  # noqa: E402
from boardwalk import errors as bwerrors  # noqa: E402

DEMO_PIN = 7136620868348139334


# ---------------------------------------------------------------------------
# Fixtures: the CLI, graphs built with it, and the sample's TSV files


# (`cli` and `cc` are in conftest.py.)


def _build(cli, out, *extra):
    subprocess.run([cli, "build", "--quiet", "--output", str(out), *extra], check=True, stdout=subprocess.DEVNULL)
    return str(out)


@pytest.fixture(scope="session")
def graph_path(cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("graphs")
    return _build(cli, d / "sample.bwg",
                  "--pin-titles", os.path.join(SAMPLE, "pin-titles.tsv"),
                  "--board-titles", os.path.join(SAMPLE, "board-titles.tsv"),
                  "--pin-attributes", os.path.join(SAMPLE, "pin-attributes.tsv"),
                  os.path.join(SAMPLE, "edges.tsv"))


@pytest.fixture(scope="session")
def plain_path(cli, tmp_path_factory):
    """The same edges, without titles or attributes."""
    return _build(cli, tmp_path_factory.mktemp("plain") / "plain.bwg", os.path.join(SAMPLE, "edges.tsv"))


@pytest.fixture()
def graph(graph_path):
    with boardwalk.Graph(graph_path) as g:
        yield g


def _rows(name):
    """Data rows of a sample TSV (comments and the header skipped)."""
    with open(os.path.join(SAMPLE, name), encoding="utf-8") as f:
        return [line.rstrip("\n").split("\t") for line in f if line[:1].isdigit()]


@pytest.fixture(scope="session")
def edges():
    return {(int(p), int(b)) for p, b, *_ in _rows("edges.tsv")}


def _cli_query(cli, path, pins, seed, top, extra=()):
    args = [cli, "query", path, "--seed", str(seed), "--top", str(top), "--json", *extra]
    for p, w in pins.items():
        args += ["--pin", f"{p}:{w!r}"]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


# ---------------------------------------------------------------------------
# Loading and versions


def test_library_version_matches_the_header():
    with open(os.path.join(REPO, "Sources", "CBoardwalk", "include", "boardwalk.h"), encoding="utf-8") as f:
        header = f.read()
    line = next(l for l in header.splitlines() if l.startswith("#define BW_VERSION_STRING"))
    assert boardwalk.version() == line.split('"')[1]
    assert boardwalk.version().split(".")[0] == boardwalk.__version__.split(".")[0]
    assert os.path.exists(boardwalk.library_path) or not os.path.isabs(boardwalk.library_path)


def test_constants_match_the_header():
    """Every BW_ constant the binding spells out has the header's value, and
    every BW_E* error code of the header is known to the binding."""
    import re
    from boardwalk import graph as bwgraph
    with open(os.path.join(REPO, "Sources", "CBoardwalk", "include", "boardwalk.h"), encoding="utf-8") as f:
        header = f.read()
    defines = {m.group(1): int(m.group(2).rstrip("uU"), 0)
               for m in re.finditer(r"^#define (BW_\w+) \(?(-?(?:0x[0-9A-Fa-f]+|\d+))[uU]?\)?\s*(?:/\*.*)?$", header, re.M)}
    codes = {k for k in defines if re.fullmatch(r"BW_E[A-Z]+", k)}
    assert len(codes) >= 10, sorted(codes)
    for name in codes:
        assert getattr(bwerrors, name) == defines[name], name
    checked = 0
    for module in (bwerrors, bwgraph):
        for name in dir(module):
            if name.startswith("BW_") and name in defines:
                assert getattr(module, name) == defines[name], f"{module.__name__}.{name}"
                checked += 1
    assert checked >= len(codes) + 5
    assert bwgraph._METHODS == {"walk": defines["BW_METHOD_WALK"], "exact": defines["BW_METHOD_EXACT"]}
    assert bwgraph._KINDS == {"pin": defines["BW_PIN"], "board": defines["BW_BOARD"]}


def _import_with(env_library):
    env = dict(os.environ, BOARDWALK_LIBRARY=env_library, PYTHONPATH=os.path.dirname(os.path.dirname(boardwalk.__file__)))
    return subprocess.run([sys.executable, "-c", "import boardwalk"], env=env, capture_output=True, text=True)


def test_a_missing_library_is_an_import_error():
    r = _import_with("/nonexistent/libboardwalk.so")
    assert r.returncode == 1, r.stderr
    assert "ImportError" in r.stderr and "BOARDWALK_LIBRARY" in r.stderr


def test_a_library_of_another_major_version_is_refused(cc, tmp_path):
    src = tmp_path / "fake.c"
    src.write_text("#include <stdint.h>\nuint32_t bw_libversion_number(void) { return 1000000; }\n")
    lib = tmp_path / "libfake.so"
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    r = _import_with(str(lib))
    assert r.returncode == 1, r.stderr
    assert "ImportError" in r.stderr and "1.0.0" in r.stderr


# ---------------------------------------------------------------------------
# A sound graph


def test_stats_match_the_edges_file(graph, graph_path, edges):
    s = graph.stats
    assert s.pins == len({p for p, _ in edges})
    assert s.boards == len({b for _, b in edges})
    assert s.edges == len(edges)
    assert s.file_bytes == os.path.getsize(graph_path)
    assert s.format_version == boardwalk.format_version()
    assert s.has_pin_titles and s.has_board_titles and s.has_attributes
    degrees = {}
    for p, _ in edges:
        degrees[p] = degrees.get(p, 0) + 1
    assert s.max_pin_degree == max(degrees.values())
    assert isinstance(graph.build_info, dict)
    assert graph.verify() is None


def test_the_sample_has_no_watermark(graph, plain_path):
    """Built without --watermark or --time-column: None, not 0."""
    assert graph.watermark is None
    assert graph.stats.watermark is None
    with boardwalk.Graph(plain_path) as g:
        assert g.watermark is None


def test_huge_pages_pass_through_and_change_no_answer(graph_path):
    """huge_pages=True reaches C (a method other than not_asked) and the
    answers stay the same; huge_pages() reports a share of what is resident.
    Every path of the option is tested in C (Tests/c/test_pages.c)."""
    with boardwalk.Graph(graph_path) as plain, boardwalk.Graph(graph_path, huge_pages=True) as huge:
        assert plain.huge_page_method == "not_asked"
        assert huge.huge_page_method in ("already", "refilled", "copied", "unavailable")
        for seed in range(3):
            assert huge.recommend({DEMO_PIN: 1.0}, seed=seed) == plain.recommend({DEMO_PIN: 1.0}, seed=seed)
        usage = huge.huge_pages()
        assert usage is None or (0.0 <= usage["share"] <= 1.0 and usage["huge_bytes"] <= usage["resident_bytes"])
        if usage and usage["resident_bytes"]:
            assert usage["share"] == pytest.approx(usage["huge_bytes"] / usage["resident_bytes"], abs=1e-12)
    from boardwalk import graph as bwgraph
    header = open(os.path.join(REPO, "Sources", "CBoardwalk", "include", "boardwalk.h"), encoding="utf-8").read()
    for value, name in enumerate(bwgraph.HUGE_PAGE_METHODS):
        assert f"#define BW_HUGE_{name.upper()} {value} " in header, name


def test_a_watermark_built_by_the_cli_is_read_back(cli, tmp_path):
    for w in (1700000000123, 0, 2**64 - 1):
        path = _build(cli, tmp_path / f"w{w}.bwg", "--watermark", str(w), os.path.join(SAMPLE, "edges.tsv"))
        with boardwalk.Graph(path) as g:
            assert g.watermark == w
            assert g.stats.watermark == w
            assert g.build_info["watermark"] == w
            assert g.build_info["watermark_source"] == "option"
    timed = tmp_path / "timed.tsv"
    timed.write_text("1\t10\t1700000000123\n2\t10\t9007199254740993\n1\t11\t5\n")
    with boardwalk.Graph(_build(cli, tmp_path / "t.bwg", "--time-column", "3", str(timed))) as g:
        assert g.watermark == 9007199254740993
        assert g.build_info["watermark_source"] == "time column 3"


def test_titles_attributes_and_neighbours_match_the_inputs(graph, edges):
    for pin, title in _rows("pin-titles.tsv"):
        assert graph.title(int(pin)) == title
    for board, title in _rows("board-titles.tsv"):
        assert graph.board_title(int(board)) == title
    for pin, lang, topic in _rows("pin-attributes.tsv"):
        assert graph.attributes(int(pin)) == (lang, topic)
    boards_of = {}
    for p, b in edges:
        boards_of.setdefault(p, set()).add(b)
    for p, bs in boards_of.items():
        assert set(graph.neighbors(p)) == bs
        assert graph.degree(p) == len(bs)
        assert p in graph
    assert 1 not in graph
    ids = [graph.id_at(i) for i in range(graph.stats.pins)]
    assert ids == sorted(boards_of)
    assert all(graph.index(p) == i for i, p in enumerate(ids))
    q = graph.degree_quantiles([0, 0.5, 1])
    assert q[0] == min(len(b) for b in boards_of.values())
    assert q[2] == graph.stats.max_pin_degree


def test_context_manager_and_close(graph_path):
    with boardwalk.Graph(graph_path) as g:
        assert not g.closed
        assert g.recommend({DEMO_PIN: 1}, top=1)
    assert g.closed
    g.close()  # again: nothing
    with pytest.raises(boardwalk.GraphClosedError) as e:
        g.recommend({DEMO_PIN: 1})
    assert isinstance(e.value, boardwalk.InvalidArgumentError)
    assert isinstance(e.value, ValueError)
    assert e.value.code == bwerrors.BW_EINVAL
    with pytest.raises(boardwalk.GraphClosedError):
        g.title(DEMO_PIN)
    assert "closed" in repr(g)


# ---------------------------------------------------------------------------
# Walks


def test_recommend_shape_order_and_determinism(graph):
    recs = graph.recommend({DEMO_PIN: 1.0}, top=30, seed=5)
    assert isinstance(recs, list) and 0 < len(recs) <= 30
    assert all(isinstance(r, boardwalk.Recommendation) and r.kind == "pin" for r in recs)
    pin, score, visits = recs[0]
    assert (pin, score, visits) == (recs[0].id, recs[0].score, recs[0].visits)
    keys = [(-r.score, r.id) for r in recs]
    assert keys == sorted(keys)
    assert DEMO_PIN not in {r.id for r in recs}
    assert 0 < recs.steps <= 100000 and not recs.partial and recs.unknown == ()
    assert sum(r.visits for r in recs) <= recs.steps
    assert graph.recommend({DEMO_PIN: 1.0}, top=30, seed=5) == recs
    assert graph.recommend({DEMO_PIN: 1.0}, top=30, seed=6) != recs
    assert graph.recommend([DEMO_PIN], top=30, seed=5) == recs
    assert graph.recommend(DEMO_PIN, top=30, seed=5) == recs
    # Exclusions drop the best pin and keep the rest in order.
    rest = graph.recommend({DEMO_PIN: 1.0}, top=30, seed=5, exclude=[recs[0].id])
    assert [r.id for r in rest[:5]] == [r.id for r in recs[1:6]]


def test_options_change_the_walk_as_documented(graph):
    plain = graph.recommend({DEMO_PIN: 1}, seed=2, boost=False, popularity_penalty=0, early_stop=None, steps=5000)
    assert all(r.score == r.visits for r in plain)
    assert plain.steps == 5000
    budget = graph.recommend({DEMO_PIN: 1}, steps=10**9, early_stop=None, time_budget_ms=1)
    assert budget.partial and budget.steps < 10**9
    with_boards = graph.recommend({DEMO_PIN: 1}, seed=1, include_boards=True)
    assert any(isinstance(r, boardwalk.BoardRecommendation) and r.kind == "board" for r in with_boards)
    lenient = graph.recommend({DEMO_PIN: 1, 1: 1}, boards={2: 1}, seed=1, lenient=True)
    assert set(lenient.unknown) == {("pin", 1), ("board", 2)}
    assert lenient == graph.recommend({DEMO_PIN: 1}, seed=1)
    # A biased walk visits more pins of the asked language.
    lang = dict((int(p), l) for p, l, _ in _rows("pin-attributes.tsv"))

    def share(rs):
        return sum(r.visits for r in rs if lang[r.id] == "fr") / sum(r.visits for r in rs)

    n = graph.stats.pins
    assert share(graph.recommend({DEMO_PIN: 1}, seed=3, top=n, language="fr")) > share(
        graph.recommend({DEMO_PIN: 1}, seed=3, top=n))


def test_score_equals_recommend_for_the_same_seed(graph):
    pins = {DEMO_PIN: 1.0, 7291942844818578009: 0.5}
    recs = graph.recommend(pins, seed=9, top=20)
    cands = [r.id for r in reversed(recs)] + [1]
    scores = graph.score(cands, pins, seed=9)
    assert scores == [r.score for r in reversed(recs)] + [0.0]


def test_exact_method_is_deterministic_and_scores_probabilities(graph):
    pins = {DEMO_PIN: 1.0, 7291942844818578009: 0.5}
    a = graph.recommend(pins, method="exact", seed=1, top=graph.stats.pins, popularity_penalty=0)
    b = graph.recommend(pins, method="exact", seed=2, top=graph.stats.pins, popularity_penalty=0)
    assert [(r.id, r.score) for r in a] == [(r.id, r.score) for r in b]
    # Without a penalty the scores are the probabilities of where a 3-step
    # walk ends: the pins returned and the query's own pins (never returned,
    # but scored by score()) hold all of the mass.
    back = sum(graph.score(list(pins), pins, method="exact", popularity_penalty=0))
    assert back > 0
    assert abs(sum(r.score for r in a) + back - 1.0) < 1e-9
    assert graph.score([a[0].id], pins, method="exact", popularity_penalty=0) == [a[0].score]


@pytest.mark.parametrize("pins,seed,top,options,cli_flags", [
    ({DEMO_PIN: 1.0}, 1, 20, {}, []),
    ({DEMO_PIN: 1.0, 7291942844818578009: 0.5}, 7, 50, {}, []),
    ({DEMO_PIN: 1.0}, 3, 10, {"language": "fr"}, ["--language", "fr"]),
    ({DEMO_PIN: 2.0}, 4, 15, {"boost": False, "popularity_penalty": 0.0, "steps": 5000, "restart": 0.3,
                              "early_stop": None},
     ["--no-boost", "--popularity-penalty", "0", "--steps", "5000", "--restart", "0.3", "--no-early-stop"]),
    ({DEMO_PIN: 1.0}, 5, 10, {"include_boards": True}, ["--include-boards"]),
    ({DEMO_PIN: 1.0, 7291942844818578009: 0.5}, 0, 30, {"method": "exact", "exponent": 0.75,
                                                        "popularity_penalty": 0.5},
     ["--method", "exact", "--exponent", "0.75", "--popularity-penalty", "0.5"]),
])
def test_results_equal_the_cli(graph, graph_path, cli, pins, seed, top, options, cli_flags):
    ours = graph.recommend(pins, seed=seed, top=top, **options)
    theirs = _cli_query(cli, graph_path, pins, seed, top, cli_flags)
    assert [(r.id, r.score, r.visits, r.kind) for r in ours] == [
        (t["id"], float(t["score"]), t["visits"], t.get("kind", "pin")) for t in theirs["results"]]
    assert ours.steps == theirs["steps"] and ours.partial == theirs["partial"]


def test_threads_get_the_same_results(graph):
    seeds = range(4)
    pins = {DEMO_PIN: 1.0, 7291942844818578009: 0.5}
    expected = {s: graph.recommend(pins, seed=s) for s in seeds}
    assert expected[0] != expected[1]
    problems = []

    def work(t):
        try:
            for r in range(12):
                s = (t + r) % len(seeds)
                if graph.recommend(pins, seed=s) != expected[s]:
                    problems.append((t, s))
        except Exception as e:  # noqa: BLE001 - any failure is reported below
            problems.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == []


def test_close_waits_for_threads_in_a_call(graph_path):
    g = boardwalk.Graph(graph_path)
    outcomes = []
    start = threading.Barrier(5)

    def work():
        start.wait()
        try:
            while True:
                g.recommend({DEMO_PIN: 1}, steps=200000, early_stop=None)
        except boardwalk.GraphClosedError:
            outcomes.append("closed")
        except Exception as e:  # noqa: BLE001
            outcomes.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    start.wait()
    g.close()
    for t in threads:
        t.join()
    assert outcomes == ["closed"] * 4


# ---------------------------------------------------------------------------
# Errors: each exception type, with the library's text and code


def _assert_error(e, cls, code):
    assert type(e) is cls or isinstance(e, cls)
    assert isinstance(e, boardwalk.BoardwalkError)
    assert e.code == code
    assert e.strerror == boardwalk.strerror(code)
    assert e.strerror in str(e)


def test_missing_file(tmp_path):
    path = tmp_path / "missing.bwg"
    with pytest.raises(boardwalk.GraphOSError) as e:
        boardwalk.Graph(path)
    _assert_error(e.value, boardwalk.GraphOSError, errno.ENOENT)
    assert isinstance(e.value, OSError) and e.value.errno == errno.ENOENT
    assert e.value.filename == str(path)


@pytest.mark.parametrize("content", [b"", b"pin\tboard\n1\t2\n", b"x" * 65536])
def test_not_a_graph(tmp_path, content):
    path = tmp_path / "not-a-graph.bwg"
    path.write_bytes(content)
    with pytest.raises(boardwalk.NotAGraphError) as e:
        boardwalk.Graph(path)
    _assert_error(e.value, boardwalk.NotAGraphError, bwerrors.BW_ENOTGRAPH)
    assert e.value.detail


def test_a_directory_is_not_a_graph(tmp_path):
    with pytest.raises(boardwalk.NotAGraphError):
        boardwalk.Graph(tmp_path)


def _damaged(graph_path, tmp_path, name, change):
    data = bytearray(open(graph_path, "rb").read())
    change(data)
    out = tmp_path / name
    out.write_bytes(bytes(data))
    return out


def _meta_offset(data):
    at = data.find(b"BWGRAPH\0")
    assert at >= 0
    return at


def test_another_format_version(graph_path, tmp_path):
    def bump(d):
        at = _meta_offset(d)
        version = struct.unpack_from("<I", d, at + 8)[0]
        struct.pack_into("<I", d, at + 8, version + 1)

    with pytest.raises(boardwalk.FormatVersionError) as e:
        boardwalk.Graph(_damaged(graph_path, tmp_path, "v2.bwg", bump))
    _assert_error(e.value, boardwalk.FormatVersionError, bwerrors.BW_EVERSION)


def test_damaged_meta_record_and_truncated_file(graph_path, tmp_path):
    def flip_pins(d):
        d[_meta_offset(d) + 16] ^= 1

    with pytest.raises(boardwalk.CorruptGraphError) as e:
        boardwalk.Graph(_damaged(graph_path, tmp_path, "meta.bwg", flip_pins))
    _assert_error(e.value, boardwalk.CorruptGraphError, bwerrors.BW_ECORRUPT)
    half = tmp_path / "half.bwg"
    half.write_bytes(open(graph_path, "rb").read()[: os.path.getsize(graph_path) // 2])
    with pytest.raises(boardwalk.CorruptGraphError) as e:
        boardwalk.Graph(half)
    assert "truncated" in str(e.value)


def test_damaged_arrays_are_found_by_verification(graph_path, tmp_path):
    with boardwalk.Graph(graph_path) as g:
        pin = g.id_at(1)

    def flip_id(d):
        at = d.find(struct.pack("<Q", pin))
        assert at >= 0
        d[at] ^= 1

    path = _damaged(graph_path, tmp_path, "flipped.bwg", flip_id)
    with boardwalk.Graph(path) as g:  # the cheap checks at open do not read arrays
        with pytest.raises(boardwalk.CorruptGraphError) as e:
            g.verify()
        assert "pin_ids" in e.value.detail
    with pytest.raises(boardwalk.CorruptGraphError):
        boardwalk.Graph(path, verify=True)


def test_unknown_ids(graph):
    with pytest.raises(boardwalk.UnknownNodeError) as e:
        graph.recommend({DEMO_PIN: 1, 12345: 1})
    _assert_error(e.value, boardwalk.UnknownNodeError, bwerrors.BW_ENOTFOUND)
    assert isinstance(e.value, LookupError)
    assert (e.value.kind, e.value.id) == ("pin", 12345)
    with pytest.raises(boardwalk.UnknownNodeError) as e:
        graph.recommend({DEMO_PIN: 1}, boards={54321: 1})
    assert (e.value.kind, e.value.id) == ("board", 54321)
    with pytest.raises(boardwalk.UnknownNodeError):
        graph.title(1)
    with pytest.raises(boardwalk.UnknownNodeError):
        graph.degree(1, kind=boardwalk.BOARD)
    with pytest.raises(boardwalk.UnknownAttributeError) as e:
        graph.recommend({DEMO_PIN: 1}, language="no-such-language")
    assert isinstance(e.value, boardwalk.NotFoundError)


def test_an_unknown_language_or_topic_is_named_as_such(graph):
    languages = sorted({r[1] for r in _rows("pin-attributes.tsv")})
    topics = sorted({r[2] for r in _rows("pin-attributes.tsv")})
    assert sorted(graph.attribute_names("language")) == languages
    assert sorted(graph.attribute_names("topic")) == topics
    for call in (lambda: graph.recommend({DEMO_PIN: 1}, language="xx"),
                 lambda: graph.score([DEMO_PIN], {DEMO_PIN: 1}, language="xx"),
                 lambda: graph.attribute_code("language", "xx")):
        with pytest.raises(boardwalk.UnknownAttributeError) as e:
            call()
        message = str(e.value)
        # It names the language and the graph's languages, not pins or boards.
        assert message == "unknown language 'xx'; the graph's languages are " + ", ".join(
            graph.attribute_names("language"))
        assert "pin" not in message and "board" not in message
        assert (e.value.attribute, e.value.name) == ("language", "xx")
        assert sorted(e.value.known) == languages
        assert e.value.code == bwerrors.BW_ENOTFOUND and e.value.strerror == boardwalk.strerror(bwerrors.BW_ENOTFOUND)
    with pytest.raises(boardwalk.UnknownAttributeError) as e:
        graph.recommend({DEMO_PIN: 1}, topic="cooking")
    assert str(e.value).startswith("unknown topic 'cooking'; the graph's topics are ")
    assert all(t in str(e.value) for t in topics)
    with pytest.raises(boardwalk.UnknownAttributeError) as e:
        graph.recommend({DEMO_PIN: 1}, language="e\0n")
    assert str(e.value).startswith("unknown language %r; " % "e\0n")


@pytest.mark.parametrize("kwargs", [
    {"pins": {DEMO_PIN: float("nan")}},
    {"pins": {DEMO_PIN: -1.0}},
    {"pins": {DEMO_PIN: float("inf")}},
    {"pins": {DEMO_PIN: 1}, "boards": {1: float("-inf")}},
    {"pins": {DEMO_PIN: 1}, "steps": 0},
    {"pins": {DEMO_PIN: 1}, "steps": 10**9 + 1},
    {"pins": {DEMO_PIN: 1}, "top": 0},
    {"pins": {DEMO_PIN: 1}, "top": 10**6 + 1},
    {"pins": {DEMO_PIN: 1}, "restart": 0.0},
    {"pins": {DEMO_PIN: 1}, "restart": 1.5},
    {"pins": {DEMO_PIN: 1}, "restart": float("nan")},
    {"pins": {DEMO_PIN: 1}, "bias": 1.5},
    {"pins": {DEMO_PIN: 1}, "bias": -0.1},
    {"pins": {DEMO_PIN: 1}, "popularity_penalty": 2.5},
    {"pins": {DEMO_PIN: 1}, "early_stop": (0, 4)},
    {"pins": {DEMO_PIN: 1}, "early_stop": (1, 2, 3)},
    {"pins": {DEMO_PIN: 1}, "time_budget_ms": -1},
    {"pins": {DEMO_PIN: 1}, "time_budget_ms": float("nan")},
    {"pins": {DEMO_PIN: 1}, "method": "sampled"},
    {"pins": {DEMO_PIN: 1}, "method": "exact", "exponent": 2.5},
    {"pins": {DEMO_PIN: 1}, "method": "exact", "language": "fr"},
    # Out of the C type's range: refused, never wrapped around.
    {"pins": {-1: 1.0}},
    {"pins": {2**64: 1.0}},
    {"pins": {DEMO_PIN: 1}, "top": 2**32 + 5},
    {"pins": {DEMO_PIN: 1}, "steps": -5},
    {"pins": {DEMO_PIN: 1}, "seed": -1},
    {"pins": {DEMO_PIN: 1}, "exclude": [2**64]},
])
def test_invalid_arguments(graph, kwargs):
    with pytest.raises(boardwalk.InvalidArgumentError) as e:
        graph.recommend(**kwargs)
    _assert_error(e.value, boardwalk.InvalidArgumentError, bwerrors.BW_EINVAL)
    assert isinstance(e.value, ValueError)
    assert e.value.detail


@pytest.mark.parametrize("kwargs, words", [
    ({"restart": 1.5}, ("restart", "1.5")),
    ({"steps": 0}, ("steps", "not 0")),
    ({"top": 10**6 + 1}, ("top", "1000001")),
    ({"bias": -0.1}, ("bias", "-0.1")),
    ({"time_budget_ms": -1}, ("time_budget_ms", "-1")),
    ({"method": "exact", "language": "fr"}, ("exact", "bias")),
    ({"early_stop": (0, 4)}, ("early_stop", "0")),
])
def test_rule_messages_come_from_the_library(graph, kwargs, words):
    """The binding reports bw_query_errmsg(): the rule's one wording, naming
    the parameter and the value given."""
    with pytest.raises(boardwalk.InvalidArgumentError) as e:
        graph.recommend({DEMO_PIN: 1}, **kwargs)
    for w in words:
        assert w in e.value.detail, (w, e.value.detail)


def test_wrong_types(graph):
    with pytest.raises(TypeError):
        graph.recommend({"7136620868348139334": 1})
    with pytest.raises(TypeError):
        graph.recommend({DEMO_PIN: "heavy"})
    with pytest.raises(TypeError):
        graph.recommend({True: 1})
    with pytest.raises(boardwalk.InvalidArgumentError):
        graph.degree(DEMO_PIN, kind="tree")


def test_empty_queries(graph):
    for pins, kw in (({}, {}), ({DEMO_PIN: 0.0}, {}), ({1: 1.0}, {"lenient": True})):
        with pytest.raises(boardwalk.EmptyQueryError) as e:
            graph.recommend(pins, **kw)
        _assert_error(e.value, boardwalk.EmptyQueryError, bwerrors.BW_EEMPTY)


def test_range_and_limit_errors(graph):
    with pytest.raises(boardwalk.IndexOutOfRangeError) as e:
        graph.id_at(graph.stats.pins)
    _assert_error(e.value, boardwalk.IndexOutOfRangeError, bwerrors.BW_ERANGE)
    assert isinstance(e.value, IndexError)
    with pytest.raises(boardwalk.LimitExceededError) as e:
        graph.recommend({i: 1.0 for i in range(100001)})
    _assert_error(e.value, boardwalk.LimitExceededError, bwerrors.BW_ELIMIT)
    with pytest.raises(boardwalk.InvalidArgumentError):
        graph.degree_quantiles([1.5])


def test_a_graph_without_titles_or_attributes(plain_path):
    with boardwalk.Graph(plain_path, verify=True) as g:
        assert g.title(DEMO_PIN) is None
        assert g.attributes(DEMO_PIN) == (None, None)
        with pytest.raises(boardwalk.NoDataError) as e:
            g.recommend({DEMO_PIN: 1}, language="fr")
        _assert_error(e.value, boardwalk.NoDataError, bwerrors.BW_ENODATA)
        assert g.recommend({DEMO_PIN: 1}, seed=1, top=5)


def test_error_classes_for_every_kind_of_code():
    ours = {
        bwerrors.BW_ENOTGRAPH: boardwalk.NotAGraphError,
        bwerrors.BW_EVERSION: boardwalk.FormatVersionError,
        bwerrors.BW_ECORRUPT: boardwalk.CorruptGraphError,
        bwerrors.BW_EINVAL: boardwalk.InvalidArgumentError,
        bwerrors.BW_ENOTFOUND: boardwalk.NotFoundError,
        bwerrors.BW_ENOMEM: boardwalk.OutOfMemoryError,
        bwerrors.BW_EEMPTY: boardwalk.EmptyQueryError,
        bwerrors.BW_ERANGE: boardwalk.IndexOutOfRangeError,
        bwerrors.BW_ELIMIT: boardwalk.LimitExceededError,
        bwerrors.BW_ENODATA: boardwalk.NoDataError,
    }
    for code, cls in ours.items():
        assert bwerrors.error_class(code) is cls
        assert boardwalk.strerror(code).startswith("BW_E")
    assert bwerrors.error_class(-30798) is boardwalk.LMDBError
    assert boardwalk.strerror(-30798).startswith("MDB_NOTFOUND")
    assert bwerrors.error_class(errno.EACCES) is boardwalk.GraphOSError
    assert boardwalk.strerror(errno.ENOENT) == os.strerror(errno.ENOENT)
    assert bwerrors.error_class(-1) is boardwalk.BoardwalkError
    assert boardwalk.strerror(-1)
    assert boardwalk.strerror(2**31 - 1)


# ---------------------------------------------------------------------------
# LiveGraph: swapping the graph while threads query it


def test_live_graph_swaps_under_threads(cli, graph_path, tmp_path):
    pruned = _build(cli, tmp_path / "pruned.bwg", "--max-pin-degree", "2", os.path.join(SAMPLE, "edges.tsv"))
    kwargs = dict(top=30, seed=3, steps=20000)
    with boardwalk.Graph(graph_path) as a, boardwalk.Graph(pruned) as b:
        expected = {graph_path: a.recommend({DEMO_PIN: 1}, **kwargs), pruned: b.recommend({DEMO_PIN: 1}, **kwargs)}
    assert expected[graph_path] != expected[pruned]
    live = boardwalk.LiveGraph(graph_path)
    stop = threading.Event()
    failures, seen = [], set()

    def worker():
        while not stop.is_set():
            with live.current() as g:
                got = g.recommend({DEMO_PIN: 1}, **kwargs)
                seen.add(g.path)
                if got != expected[g.path]:
                    failures.append(g.path)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(1, 101):
        live.swap(pruned if i % 2 else graph_path)
        assert live.generation == i
        time.sleep(0.003)  # let the query threads run on this graph
    with pytest.raises(boardwalk.GraphOSError):
        live.swap(tmp_path / "missing.bwg")
    assert live.generation == 100
    stop.set()
    for t in threads:
        t.join()
    assert failures == []
    assert seen == {graph_path, pruned}
    # A graph taken before close stays usable after it.
    held = live.current()
    live.close()
    assert held.recommend({DEMO_PIN: 1}, **kwargs) == expected[graph_path]
    held.close()
    with pytest.raises(boardwalk.GraphClosedError):
        live.current()


# ---------------------------------------------------------------------------
# LiveGraph: live edges (bw_live_add_edges, bw_live_remove_edges, bw_live_hide)


def _write_edges(path, edges):
    with open(path, "w") as f:
        f.write("pin_id\tboard_id\n")
        for p, b in edges:
            f.write(f"{p}\t{b}\n")
    return str(path)


def test_live_edges_match_a_rebuilt_graph(cli, tmp_path):
    base = [(p, 100 + (p * 7 + k) % 9) for p in range(1, 31) for k in range(3)]
    base = sorted(set(base))
    live = boardwalk.LiveGraph(_build(cli, tmp_path / "base.bwg", "--watermark", "10",
                                      _write_edges(tmp_path / "base.tsv", base)))
    added = [(1, 200), (2, 200), (500, 101), (500, 200), (0, 100), (2**64 - 1, 101)]
    counts = live.add_edges(added + [base[0], (1, 200)], times=[11] * 8)
    assert counts == boardwalk.graph.LiveAddCounts(added=6, duplicates=2, refused=0)
    assert live.remove_edges([base[1], (1, 200), (999, 999)]) == boardwalk.graph.LiveRemoveCounts(2, 1)
    live.hide(pin=7)
    assert live.add_edges([(7, 100)]).refused == 1
    edges = (set(base) | set(added)) - {base[1], (1, 200)}
    edges = {e for e in edges if e[0] != 7}
    stats = live.live_stats()
    assert stats["edges"] == 6 and stats["new_pins"] == 3 and stats["new_boards"] == 1 and stats["hidden"] == 1
    with boardwalk.Graph(_build(cli, tmp_path / "ref.bwg", _write_edges(tmp_path / "ref.tsv", sorted(edges)))) as ref:
        for pin in {p for p, _ in edges}:
            got = live.recommend({pin: 1}, method="exact", top=1000, include_boards=True)
            want = ref.recommend({pin: 1}, method="exact", top=1000, include_boards=True)
            assert sorted((type(x).__name__, x.id, round(x.score, 12)) for x in got) == \
                sorted((type(x).__name__, x.id, round(x.score, 12)) for x in want)
        assert live.score([500, 2**64 - 1], {1: 1}, method="exact") == ref.score([500, 2**64 - 1], {1: 1},
                                                                               method="exact")
    with pytest.raises(boardwalk.NotFoundError):  # hidden: not in the union
        live.recommend({7: 1})
    with pytest.raises(boardwalk.BoardwalkError):
        live.max_edges = 1
    live.max_edges = 1000
    assert live.max_edges == 1000
    live.close()
    with pytest.raises(boardwalk.GraphClosedError):
        live.add_edges([(1, 2)])
