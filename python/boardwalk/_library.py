"""Finds, loads and describes libboardwalk for ctypes.

Every C function the binding calls is declared here with its argument and
return types, so ctypes never guesses (a guessed `int` return would cut
64-bit values and pointers). Handles are distinct pointer types, as in C.
"""
import ctypes
import ctypes.util
import os

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
    "bw_graph_verify": (_c_int, [GraphP, ctypes.c_char_p, _size]),
    "bw_graph_stat": (_c_int, [GraphP, _c_int, _P(_u64)]),
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
    "bw_query_set_popularity_penalty": (_c_int, [QueryP, _dbl]),
    "bw_query_set_method": (_c_int, [QueryP, _c_int]),
    "bw_query_set_exponent": (_c_int, [QueryP, _dbl]),
    "bw_query_set_seed": (_c_int, [QueryP, _u64]),
    "bw_query_set_time_budget": (_c_int, [QueryP, _u64]),
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
}


def _repo_library():
    # python/boardwalk/_library.py -> <repo>/build/lib/libboardwalk.so (from `make lib`).
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(os.path.dirname(here)), "build", "lib", "libboardwalk.so")


def _load():
    """Returns (CDLL, where it came from), or raises ImportError saying what was tried."""
    explicit = os.environ.get("BOARDWALK_LIBRARY")
    if explicit:
        # An explicit choice is never silently replaced by another library.
        try:
            return ctypes.CDLL(explicit), explicit
        except OSError as e:
            raise ImportError(f"boardwalk: cannot load BOARDWALK_LIBRARY={explicit}: {e}") from e
    tried = []
    repo = _repo_library()
    if os.path.exists(repo):
        try:
            return ctypes.CDLL(repo), repo
        except OSError as e:
            tried.append(f"{repo}: {e}")
    else:
        tried.append(f"{repo}: not built (make lib)")
    name = ctypes.util.find_library("boardwalk")
    if name:
        try:
            return ctypes.CDLL(name), name
        except OSError as e:
            tried.append(f"{name}: {e}")
    else:
        tried.append("find_library('boardwalk'): not found (Tools/install, or set LD_LIBRARY_PATH)")
    raise ImportError("boardwalk: libboardwalk not found; set BOARDWALK_LIBRARY to its path. Tried: " + "; ".join(tried))


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
