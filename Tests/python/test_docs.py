"""The documentation's examples, run: what Graphs/sample/README.md and
README.md say the sample graph gives is what it gives, so that the docs and
the shipped defaults cannot drift apart.

- Graphs/sample/README.md is what Tools/sample-graph/make_sample.py writes
  (byte for byte), and each of its `boardwalk query` commands, run on the
  graph built by its `boardwalk build` command, returns every pin the text
  names after it (*title*), every result in the language it says ("all ten in
  French", `--language en`), and no pin it says is absent ("no Lisbon pin").
- README.md's Python example runs as written on the sample graph, and its
  language-biased walk returns only pins of that language.
- README.md's C example (recommend.c) compiles without warnings and prints
  the same ten pins as the binding.

Environment: as test_binding.py (BOARDWALK_CLI, BOARDWALK_LIBRARY,
BOARDWALK_TEST_INSTALLED).
"""
import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, "Graphs", "sample")
if not os.environ.get("BOARDWALK_TEST_INSTALLED"):
    sys.path.insert(0, os.path.join(REPO, "python"))

import boardwalk  # noqa: E402

LANGUAGES = {"English": "en", "French": "fr", "German": "de", "Spanish": "es"}


def _read(*path):
    with open(os.path.join(REPO, *path), encoding="utf-8") as f:
        return f.read()


SAMPLE_README = _read("Graphs", "sample", "README.md")


def _sample_queries():
    """(command, text) for each `- TITLE: `boardwalk query ...`` item, with
    the indented paragraph under it."""
    out = []
    for m in re.finditer(r"^- [^\n`]*: `(boardwalk query [^`]+)`\n\n((?:  \S[^\n]*\n)+)", SAMPLE_README, re.M):
        out.append((m.group(1), " ".join(line.strip() for line in m.group(2).splitlines())))
    return out


SAMPLE_QUERIES = _sample_queries()


# (`cli` and `cc` are in conftest.py.)


@pytest.fixture(scope="session")
def sample_graph(cli, tmp_path_factory):
    """The graph, built by the README's own `boardwalk build` command (run in
    Graphs/sample, with the output sent to a temporary directory)."""
    m = re.search(r"^    (boardwalk build (?:[^\n]*\\\n)*[^\n]*)$", SAMPLE_README, re.M)
    assert m, "Graphs/sample/README.md has no indented `boardwalk build` command"
    args = shlex.split(m.group(1).replace("\\\n", " "))
    assert "sample.bwg" in args
    out = str(tmp_path_factory.mktemp("docs") / "sample.bwg")
    args = [cli, "build", "--quiet"] + [out if a == "sample.bwg" else a for a in args[2:]]
    subprocess.run(args, cwd=SAMPLE, check=True, stdout=subprocess.DEVNULL)
    return out


def test_the_sample_readme_is_what_make_sample_writes(tmp_path):
    subprocess.run([sys.executable, os.path.join(REPO, "Tools", "sample-graph", "make_sample.py"), str(tmp_path)],
                   check=True)
    for name in sorted(os.listdir(SAMPLE)):
        with open(os.path.join(SAMPLE, name), "rb") as a, open(tmp_path / name, "rb") as b:
            assert a.read() == b.read(), f"Graphs/sample/{name} differs from make_sample.py's output"


def test_the_sample_readme_has_its_examples():
    assert len(SAMPLE_QUERIES) >= 6
    assert all(re.search(r"\*[^*]+\*", text) for _, text in SAMPLE_QUERIES)


@pytest.mark.parametrize("command,text", SAMPLE_QUERIES, ids=[c.split(" ", 2)[2] for c, _ in SAMPLE_QUERIES])
def test_each_sample_query_gives_what_the_readme_says(cli, sample_graph, command, text):
    args = shlex.split(command)
    args = [cli] + [sample_graph if a == "sample.bwg" else a for a in args[1:]] + ["--json"]
    out = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
    ids = [r["id"] for r in out["results"]]
    assert len(ids) == 10
    with boardwalk.Graph(sample_graph) as g:
        titles = [g.title(i) for i in ids]
        languages = [g.attributes(i)[0] for i in ids]
    shown = "\n".join(f"  {t} ({lang})" for t, lang in zip(titles, languages))
    for promised in re.findall(r"\*([^*]+)\*", text):
        assert promised in titles, f"{command}: README promises {promised!r}; the results are\n{shown}"
    wanted = set()
    if "--language" in args:
        wanted.add(args[args.index("--language") + 1])
    wanted.update(LANGUAGES[m] for m in re.findall(r"\b(?:all ten in|ten) (English|French|German|Spanish)\b", text))
    for lang in wanted:
        assert languages == [lang] * 10, f"{command}: README says every result is in {lang}; they are\n{shown}"
    for absent in re.findall(r"\bno (\w+) pin in the first ten\b", text):
        assert not any(absent in t for t in titles), f"{command}: README says no {absent} pin; the results are\n{shown}"


def _readme_python_example():
    python = _read("README.md").split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", python, re.S)
    example = [b for b in blocks if 'boardwalk.Graph("pins.bwg"' in b]
    assert len(example) == 1, "README.md's Python section should have one example opening pins.bwg"
    return example[0]


def test_the_readme_python_example_runs_and_its_biased_walk_stays_in_the_language(sample_graph):
    code = _readme_python_example().replace('"pins.bwg"', repr(sample_graph))
    names = {"__name__": "readme_example"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md (Python example)", "exec"), names)
    lines = printed.getvalue().splitlines()
    assert lines[0] == "591 pins, 3149 edges"
    assert lines[-1] == "no pin 123"
    biased = [v for v in names.values() if isinstance(v, boardwalk.Recommendations) and v is not names.get("recs")]
    assert len(biased) == 1
    language = re.search(r'language="(\w+)"', code).group(1)
    with boardwalk.Graph(sample_graph) as g:
        assert [g.attributes(r.id)[0] for r in biased[0]] == [language] * len(biased[0])
        # Without the language the same pin's first results are not all in it:
        # the example shows what the bias does.
        pin = next(iter(re.search(r"graph\.recommend\(\{(\d+): 1\.0\}, top=(\d+), language", code).groups()))
        plain = g.recommend({int(pin): 1.0}, top=len(biased[0]))
        assert [g.attributes(r.id)[0] for r in plain] != [language] * len(plain)
    # "same walk, your candidates": the scores equal the recommendations'.
    assert names["scores"] == [r.score for r in biased[0]]


def test_the_readme_c_example_compiles_and_prints_the_walk(cc, sample_graph, tmp_path):
    """README.md's recommend.c, compiled with -Wall -Wextra -Werror against
    boardwalk.h and the library the binding loaded, prints the binding's
    ten results for the same pin and seed."""
    c_section = _read("README.md").split("\n## C\n", 1)[1].split("\n## ", 1)[0]
    source = re.findall(r"```c\n(.*?)```", c_section, re.S)
    assert len(source) == 1, "README.md's C section should have one C example"
    (tmp_path / "recommend.c").write_text(source[0], encoding="utf-8")
    libdir = os.path.dirname(os.path.realpath(boardwalk.library_path))
    library = os.path.realpath(boardwalk.library_path)
    include = os.path.join(REPO, "Sources", "CBoardwalk", "include")
    subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", include, "-o", str(tmp_path / "recommend"),
                    str(tmp_path / "recommend.c"), library, f"-Wl,-rpath,{libdir}"], check=True)
    pin = 7136620868348139334
    out = subprocess.run([str(tmp_path / "recommend"), sample_graph, str(pin)], check=True, capture_output=True,
                         text=True).stdout.splitlines()
    with boardwalk.Graph(sample_graph) as g:
        want = [f"{i + 1:2d}  {r.id}  {r.score:8.2f}  {g.title(r.id)}"
                for i, r in enumerate(g.recommend({pin: 1.0}, top=10, seed=1))]
    assert out == want
    r = subprocess.run([str(tmp_path / "recommend"), sample_graph, "123"], capture_output=True, text=True)
    assert r.returncode == 1 and "BW_ENOTFOUND" in r.stderr
