"""Finds, loads and describes libboardwalk for ctypes.

Every C function the binding calls is declared here with its argument and
return types, so ctypes never guesses (a guessed `int` return would cut
64-bit values and pointers). Handles are distinct pointer types, as in C.
"""
import ctypes
import ctypes.util
import os
import subprocess

# The library version this binding was written against (boardwalk.h's
# BW_VERSION_*). The library must have the same major version and be at
# least this new, or functions used here may be missing or mean otherwise.
EXPECTED_VERSION = (0, 1, 0)
EXPECTED_VERSION_NUMBER = EXPECTED_VERSION[0] * 1000000 + EXPECTED_VERSION[1] * 1000 + EXPECTED_VERSION[2]


class _Graph(ctypes.Structure):
    """struct bw_graph (opaque)."""


class _Query(ctypes.Structure):
    """struct bw_query (opaque)."""


class _Live(ctypes.Structure):
    pass


class _Results(ctypes.Structure):
    """struct bw_results (opaque)."""


GraphP = ctypes.POINTER(_Graph)
QueryP = ctypes.POINTER(_Query)


class _Ranker(ctypes.Structure):
    pass


RankerP = ctypes.POINTER(_Ranker)
ResultsP = ctypes.POINTER(_Results)
LiveP = ctypes.POINTER(_Live)

_c_int, _u32, _u64, _size, _dbl = ctypes.c_int, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_size_t, ctypes.c_double
_P = ctypes.POINTER
_str = ctypes.c_char_p
_vp = ctypes.c_void_p

# name: (restype, argtypes). restype None is void.
PROTOTYPES = {
    "bw_libversion": (_str, []),
    "bw_libversion_number": (_u32, []),
    "bw_format_version": (_u32, []),
    "bw_strerror": (_str, [_c_int]),
    "bw_graph_open": (_c_int, [_str, _u32, _P(GraphP)]),
    "bw_graph_open_ex": (_c_int, [_str, _u32, _P(GraphP), ctypes.c_char_p, _size]),
    "bw_graph_close": (None, [GraphP]),
    "bw_graph_retain": (GraphP, [GraphP]),
    "bw_graph_path": (_str, [GraphP]),
    "bw_live_open": (_c_int, [_str, _u32, _P(LiveP), ctypes.c_char_p, _size]),
    "bw_live_swap": (_c_int, [LiveP, _str, _u32, ctypes.c_char_p, _size]),
    "bw_live_acquire": (_c_int, [LiveP, _P(GraphP)]),
    "bw_live_generation": (_u64, [LiveP]),
    "bw_live_close": (None, [LiveP]),
    "bw_live_recommend": (_c_int, [LiveP, QueryP, _P(ResultsP)]),
    "bw_live_score": (_c_int, [LiveP, QueryP, _P(ResultsP)]),
    "bw_live_add_edges": (_c_int, [LiveP, _P(_u64), _P(_u64), _P(_u64), _size, _P(_u64), _P(_u64), _P(_u64)]),
    "bw_live_remove_edges": (_c_int, [LiveP, _P(_u64), _P(_u64), _size, _P(_u64), _P(_u64)]),
    "bw_live_hide": (_c_int, [LiveP, _c_int, _u64]),
    "bw_live_set_max_edges": (_c_int, [LiveP, _u64]),
    "bw_live_stat": (_c_int, [LiveP, _c_int, _P(_u64)]),
    "bw_graph_verify": (_c_int, [GraphP, ctypes.c_char_p, _size]),
    "bw_graph_stat": (_c_int, [GraphP, _c_int, _P(_u64)]),
    "bw_graph_huge_pages": (_c_int, [GraphP, _P(_dbl), _P(_u64), _P(_u64)]),
    "bw_graph_build_info": (_c_int, [GraphP, _P(_vp), _P(_size)]),
    "bw_graph_degree_quantiles": (_c_int, [GraphP, _c_int, _P(_dbl), _size, _P(_u32)]),
    "bw_graph_node_index": (_c_int, [GraphP, _c_int, _u64, _P(_u32)]),
    "bw_graph_node_id": (_c_int, [GraphP, _c_int, _u32, _P(_u64)]),
    "bw_graph_node_degree": (_c_int, [GraphP, _c_int, _u64, _P(_u64)]),
    "bw_graph_node_neighbors": (_c_int, [GraphP, _c_int, _u64, _P(_u64), _size, _P(_size)]),
    "bw_graph_node_title": (_c_int, [GraphP, _c_int, _u64, _P(_vp), _P(_size)]),
    "bw_graph_node_attributes": (_c_int, [GraphP, _c_int, _u64, _P(_u32), _P(_u32)]),
    "bw_graph_attribute_code": (_c_int, [GraphP, _c_int, _str, _P(_u32)]),
    "bw_graph_attribute_name": (_c_int, [GraphP, _c_int, _u32, _P(_vp), _P(_size)]),
    "bw_query_new": (_c_int, [_P(QueryP)]),
    "bw_query_free": (None, [QueryP]),
    "bw_query_clear": (_c_int, [QueryP]),
    "bw_query_add_pin": (_c_int, [QueryP, _u64, _dbl]),
    "bw_query_add_board": (_c_int, [QueryP, _u64, _dbl]),
    "bw_query_set_steps": (_c_int, [QueryP, _u64]),
    "bw_query_set_restart": (_c_int, [QueryP, _dbl]),
    "bw_query_set_top": (_c_int, [QueryP, _u32]),
    "bw_query_set_early_stop": (_c_int, [QueryP, _c_int, _u32, _u32]),
    "bw_query_set_boost": (_c_int, [QueryP, _c_int]),
    "bw_query_set_bias": (_c_int, [QueryP, _dbl, _u32, _u32]),
    "bw_query_set_preference": (_c_int, [QueryP, _u32, _u32]),
    "bw_query_errmsg": (_str, [QueryP]),
    "bw_query_set_popularity_penalty": (_c_int, [QueryP, _dbl]),
    "bw_query_set_method": (_c_int, [QueryP, _c_int]),
    "bw_query_set_exponent": (_c_int, [QueryP, _dbl]),
    "bw_query_set_seed": (_c_int, [QueryP, _u64]),
    "bw_query_set_time_budget": (_c_int, [QueryP, _u64]),
    "bw_query_set_time_budget_ms": (_c_int, [QueryP, _dbl]),
    "bw_query_set_include_boards": (_c_int, [QueryP, _c_int]),
    "bw_query_set_lenient": (_c_int, [QueryP, _c_int]),
    "bw_query_exclude_pin": (_c_int, [QueryP, _u64]),
    "bw_query_add_candidate": (_c_int, [QueryP, _u64]),
    "bw_recommend": (_c_int, [GraphP, QueryP, _P(ResultsP)]),
    "bw_score": (_c_int, [GraphP, QueryP, _P(ResultsP)]),
    "bw_results_count": (_size, [ResultsP]),
    "bw_results_get": (_c_int, [ResultsP, _size, _P(_u64), _P(_dbl), _P(_u64)]),
    "bw_results_kind": (_c_int, [ResultsP, _size, _P(_c_int)]),
    "bw_results_partial": (_c_int, [ResultsP]),
    "bw_results_steps": (_u64, [ResultsP]),
    "bw_results_elapsed_us": (_u64, [ResultsP]),
    "bw_results_unknown_count": (_size, [ResultsP]),
    "bw_results_unknown": (_c_int, [ResultsP, _size, _P(_c_int), _P(_u64)]),
    "bw_results_free": (None, [ResultsP]),
    "bw_results_feature_count": (_size, [ResultsP]),
    "bw_results_features": (_c_int, [ResultsP, _size, ctypes.POINTER(ctypes.c_double), _size]),
    "bw_query_set_features": (_c_int, [QueryP, _c_int]),
    "bw_query_set_ranker": (_c_int, [QueryP, RankerP, _u32]),
    "bw_feature_count": (_u32, []),
    "bw_feature_name": (_str, [_u32]),
    "bw_ranker_open": (_c_int, [_str, _P(RankerP), ctypes.c_char_p, _size]),
    "bw_ranker_load": (_c_int, [ctypes.c_char_p, _size, _P(RankerP), ctypes.c_char_p, _size]),
    "bw_ranker_close": (None, [RankerP]),
    "bw_ranker_kind": (_u32, [RankerP]),
    "bw_ranker_input_count": (_u32, [RankerP]),
    "bw_ranker_input_name": (_str, [RankerP, _u32]),
    "bw_ranker_score": (_c_int, [RankerP, ctypes.POINTER(ctypes.c_double), _size, ctypes.POINTER(ctypes.c_double)]),
}


_SONAME = f"libboardwalk.so.{EXPECTED_VERSION[0]}"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _repo_library():
    # python/boardwalk/_library.py -> <repo>/build/lib/libboardwalk.so (from `make lib`),
    # only when this package is the one inside a Boardwalk checkout.
    repo = os.path.dirname(os.path.dirname(_HERE))
    if not os.path.exists(os.path.join(repo, "Sources", "CBoardwalk", "include", "boardwalk.h")):
        return None
    return os.path.join(repo, "build", "lib", "libboardwalk.so")


def _installed_library():
    # Tools/install writes _installed.py (LIBDIR = "<prefix>/lib") into the
    # copy of this package it installs under the prefix.
    try:
        from . import _installed
    except ImportError:
        return None
    return os.path.join(_installed.LIBDIR, _SONAME)


def _sibling_library():
    # A package installed under a prefix (pip install --user, --prefix P):
    # <P>/lib/pythonX.Y/site-packages/boardwalk -> <P>/lib/libboardwalk.so.N,
    # where `Tools/install --prefix P` puts the library.
    parts = _HERE.split(os.sep)
    for i in range(len(parts) - 1, 0, -1):
        if parts[i].startswith("python") and parts[i - 1] == "lib":
            return os.path.join(os.sep.join(parts[:i]), _SONAME)
    return None


def _pkg_config_library():
    # pkg-config's libdir for boardwalk (PKG_CONFIG_PATH is honoured).
    try:
        r = subprocess.run(["pkg-config", "--variable=libdir", "boardwalk"], capture_output=True, text=True,
                           timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = r.stdout.strip()
    return os.path.join(libdir, _SONAME) if r.returncode == 0 and libdir else None


def _load():
    """Returns (CDLL, where it came from), or raises ImportError saying what was tried.

    In order: BOARDWALK_LIBRARY (a path; when set, nothing else is tried);
    this checkout's build/lib (`make lib`); the prefix Tools/install installed
    this package into; the prefix pip installed it into; pkg-config's libdir
    for boardwalk; the system loader's search path (ldconfig, LD_LIBRARY_PATH).
    """
    explicit = os.environ.get("BOARDWALK_LIBRARY")
    if explicit:
        # An explicit choice is never silently replaced by another library.
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as e:
            raise ImportError(f"boardwalk: cannot load BOARDWALK_LIBRARY={explicit}: {e}") from e
    tried = []
    for what, find in (("this checkout (make lib)", _repo_library), ("Tools/install's prefix", _installed_library),
                       ("this package's prefix", _sibling_library), ("pkg-config boardwalk", _pkg_config_library)):
        candidate = find()
        if candidate is None:
            continue
        if not os.path.exists(candidate):
            tried.append(f"{candidate} ({what}): no such file")
            continue
        try:
            return ctypes.CDLL(candidate), candidate
        except OSError as e:
            tried.append(f"{candidate} ({what}): {e}")
    for name in (_SONAME, ctypes.util.find_library("boardwalk")):
        if not name:
            continue
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            tried.append(f"{name} (the loader's path): {e}")
    raise ImportError("boardwalk: libboardwalk not found; install it (Tools/install) or set BOARDWALK_LIBRARY "
                      "to its path. Tried: " + "; ".join(tried))


def _declare(lib):
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            raise ImportError(f"boardwalk: the library has no {name}; it is older than this binding") from e
        fn.restype = restype
        fn.argtypes = argtypes


def _check_version(lib, where):
    # Only bw_libversion_number is trusted before the check: it is in every version.
    fn = lib.bw_libversion_number
    fn.restype, fn.argtypes = ctypes.c_uint32, []
    number = fn()
    major = number // 1000000
    have = f"{major}.{number // 1000 % 1000}.{number % 1000}"
    want = ".".join(map(str, EXPECTED_VERSION))
    if major != EXPECTED_VERSION[0] or number < EXPECTED_VERSION_NUMBER:
        raise ImportError(f"boardwalk: {where} is version {have}; this binding needs {EXPECTED_VERSION[0]}.x, at least {want}")


lib, path = _load()
_check_version(lib, path)
_declare(lib)
