"""A PEP 517 build backend for the Boardwalk binding, using only the standard
library, so that `pip install ./python` works offline with nothing but pip:
the package is pure Python (ctypes), so a wheel is a zip of boardwalk/*.py and
its metadata. pyproject.toml names it (build-backend, backend-path); the name,
version and summary are read from pyproject.toml's [project] table.
"""
import base64
import hashlib
import io
import os
import re
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = "boardwalk"


def _project():
    """name, version, description and requires-python from pyproject.toml
    (simple `key = "value"` lines of [project]; tomllib is 3.11+)."""
    fields, section = {}, None
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\s*\[([^\]]+)\]\s*$", line)
            if m:
                section = m.group(1).strip()
                continue
            m = re.match(r'\s*([A-Za-z-]+)\s*=\s*"([^"]*)"\s*$', line)
            if section == "project" and m:
                fields[m.group(1)] = m.group(2)
    return fields


def _sources():
    d = os.path.join(HERE, PACKAGE)
    names = sorted(n for n in os.listdir(d) if n.endswith(".py") and n != "_installed.py")
    return [(f"{PACKAGE}/{n}", os.path.join(d, n)) for n in names]


def _metadata(p):
    lines = ["Metadata-Version: 2.1", f"Name: {p['name']}", f"Version: {p['version']}"]
    if "description" in p:
        lines.append(f"Summary: {p['description']}")
    if "requires-python" in p:
        lines.append(f"Requires-Python: {p['requires-python']}")
    lines.append("License: Apache-2.0")
    return "\n".join(lines) + "\n"


def _dist_info(p):
    return f"{p['name'].replace('-', '_')}-{p['version']}.dist-info"


def _record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    p = _project()
    d = os.path.join(metadata_directory, _dist_info(p))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "METADATA"), "w", encoding="utf-8") as f:
        f.write(_metadata(p))
    return _dist_info(p)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    p = _project()
    name = f"{p['name'].replace('-', '_')}-{p['version']}-py3-none-any.whl"
    info = _dist_info(p)
    files = [(arc, open(src, "rb").read()) for arc, src in _sources()]
    files.append((f"{info}/METADATA", _metadata(p).encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: boardwalk build_backend\n"
                  b"Root-Is-Purelib: true\nTag: py3-none-any\n"))
    record = [_record_line(arc, data) for arc, data in files] + [f"{info}/RECORD,,"]
    files.append((f"{info}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w", zipfile.ZIP_DEFLATED) as z:
        for arc, data in files:
            z.writestr(zipfile.ZipInfo(arc, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return name


def build_sdist(sdist_directory, config_settings=None):
    p = _project()
    base = f"{p['name']}-{p['version']}"
    name = f"{base}.tar.gz"
    with tarfile.open(os.path.join(sdist_directory, name), "w:gz") as t:
        for rel in ("pyproject.toml", "build_backend.py"):
            t.add(os.path.join(HERE, rel), f"{base}/{rel}")
        for arc, src in _sources():
            t.add(src, f"{base}/{arc}")
        pkg_info = _metadata(p).encode()
        ti = tarfile.TarInfo(f"{base}/PKG-INFO")
        ti.size = len(pkg_info)
        t.addfile(ti, io.BytesIO(pkg_info))
    return name
