#!/usr/bin/env bash
# Tests the Spark job Tools/spark/prepare_edges.py against `boardwalk build`
# (Tests/spark/test_prepare.py). Installs what is missing first: a Java
# runtime (Debian's default-jre-headless), PySpark and the lmdb module (PyPI).
# BOARDWALK names the boardwalk binary (default .build/debug/boardwalk, built
# with `swift build` when missing); PYTHON the interpreter (default python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
PYSPARK_VERSION=3.5.9  # Spark 3.5: Java 8/11/17, Python 3.8-3.11; the job needs 3.5 or later

if ! command -v java >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null
fi
if ! "$PYTHON" -c 'import sys, pyspark; sys.exit(tuple(map(int, pyspark.__version__.split(".")[:2])) < (3, 5))' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check "pyspark==$PYSPARK_VERSION"
fi
if ! "$PYTHON" -c 'import lmdb' 2>/dev/null; then
    "$PYTHON" -m pip install --quiet --disable-pip-version-check lmdb
fi
export BOARDWALK=${BOARDWALK:-.build/debug/boardwalk}
if [ ! -x "$BOARDWALK" ]; then
    swift build --product boardwalk
fi
exec nice -n 10 "$PYTHON" Tests/spark/test_prepare.py
