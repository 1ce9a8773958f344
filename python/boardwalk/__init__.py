"""Boardwalk for Python: Pixie-style random-walk recommendations over a
pin-board graph, through libboardwalk's C ABI with ctypes (no compiler).

    import boardwalk
    with boardwalk.Graph("pins.bwg") as g:
        for pin, score, visits in g.recommend({7136620868348139334: 1.0}, top=10, seed=1):
            print(pin, score, visits, g.title(pin))

The library is found through the BOARDWALK_LIBRARY environment variable (a
path; nothing else is tried when it is set), else this repository's
build/lib/libboardwalk.so (`make lib`), the prefix `Tools/install` installed
this package into, the prefix pip installed it into (lib/ beside
lib/pythonX.Y), pkg-config's libdir for boardwalk, and the system loader's
path; `boardwalk.library_path` says which. Its major version must match this
binding's. Failures raise BoardwalkError subclasses carrying bw_strerror's
text and the C code.
"""
from ._library import EXPECTED_VERSION
from ._library import path as library_path
from .errors import (
    BoardwalkError,
    CorruptGraphError,
    EmptyQueryError,
    FormatVersionError,
    GraphClosedError,
    GraphOSError,
    IndexOutOfRangeError,
    InvalidArgumentError,
    LimitExceededError,
    LMDBError,
    NoDataError,
    NotAGraphError,
    NotFoundError,
    OutOfMemoryError,
    UnknownAttributeError,
    UnknownNodeError,
)
from .graph import (
    BOARD,
    DEFAULT,
    PIN,
    BoardRecommendation,
    Graph,
    LiveGraph,
    GraphStats,
    Ranker,
    Scores,
    feature_names,
    Recommendation,
    Recommendations,
    format_version,
    strerror,
    version,
)

__version__ = ".".join(map(str, EXPECTED_VERSION))

__all__ = [
    "BOARD",
    "DEFAULT",
    "PIN",
    "BoardRecommendation",
    "BoardwalkError",
    "CorruptGraphError",
    "EmptyQueryError",
    "FormatVersionError",
    "Graph",
    "GraphClosedError",
    "GraphOSError",
    "GraphStats",
    "LiveGraph",
    "IndexOutOfRangeError",
    "InvalidArgumentError",
    "LimitExceededError",
    "LMDBError",
    "NoDataError",
    "NotAGraphError",
    "NotFoundError",
    "OutOfMemoryError",
    "Recommendation",
    "Ranker",
    "Recommendations",
    "Scores",
    "feature_names",
    "UnknownAttributeError",
    "UnknownNodeError",
    "format_version",
    "library_path",
    "strerror",
    "version",
]
