"""Fixtures shared by the Python tests: the `boardwalk` CLI and a C compiler.

What a test needs and cannot find skips it on a developer's machine, and
fails it in CI (CI=true, set by .ci/run), where a skip would let a missing
build pass unnoticed.
"""
import os
import shutil

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def missing(reason):
    """Skips the test, or fails it when CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (required when CI=true)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def cli():
    """The `boardwalk` command: $BOARDWALK_CLI, else .build/release/boardwalk."""
    path = os.environ.get("BOARDWALK_CLI") or os.path.join(REPO, ".build", "release", "boardwalk")
    if not os.access(path, os.X_OK):
        missing(f"no boardwalk CLI at {path} (swift build -c release --product boardwalk)")
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def cc():
    """A C compiler (`cc`), for the tests that compile C."""
    path = shutil.which("cc")
    if not path:
        missing("no C compiler (cc)")
    return path
