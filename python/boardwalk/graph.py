"""Graph: an open Boardwalk graph file, and the walks run on it.

All checking of values happens in the C library, which returns a code for
anything it refuses; this module turns codes into exceptions. The one check
made here is that an integer fits the C parameter it is passed to, because
ctypes would otherwise wrap -1 into 2**64 - 1 silently.
"""
import ctypes
import json
import math
import operator
import os
import threading
from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

from . import errors
from ._library import GraphP, LiveP, QueryP, RankerP, ResultsP, lib
from .errors import (
    BW_EINVAL,
    BW_ENODATA,
    BW_ENOTFOUND,
    GraphClosedError,
    InvalidArgumentError,
    UnknownAttributeError,
    UnknownNodeError,
)

PIN = "pin"
BOARD = "board"
_KINDS = {PIN: 0, BOARD: 1}
_METHODS = {"walk": 0, "exact": 1}  # BW_METHOD_WALK, BW_METHOD_EXACT
_KIND_NAMES = {0: PIN, 1: BOARD}

# boardwalk.h
BW_OPEN_VERIFY = 0x1
BW_OPEN_NORDAHEAD = 0x2
BW_OPEN_PREFAULT = 0x4
BW_OPEN_HUGEPAGES = 0x8
BW_ATTR_LANGUAGE = 0
BW_ATTR_TOPIC = 1
BW_ATTR_ANY = 0xFFFFFFFF
BW_STAT_WATERMARK = 18  # BW_ENODATA when the graph has no watermark
BW_STAT_HUGE_PAGE_METHOD = 19
# BW_HUGE_NOT_ASKED ... BW_HUGE_UNAVAILABLE, by value
HUGE_PAGE_METHODS = ("not_asked", "already", "refilled", "copied", "unavailable")


class _LibraryDefault:
    """The value bw_query_new() starts with (boardwalk.h's BW_DEFAULT_*): the
    binding passes nothing, so it never disagrees with the library."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "DEFAULT"

    def __reduce__(self):
        return (_LibraryDefault, ())


DEFAULT = _LibraryDefault()

_U32_MAX = (1 << 32) - 1
_U64_MAX = (1 << 64) - 1
_MESSAGE_BYTES = 1024

_STATS = (
    ("format_version", 1),
    ("pins", 2),
    ("boards", 3),
    ("edges", 4),
    ("file_bytes", 5),
    ("max_pin_degree", 6),
    ("max_board_degree", 7),
    ("chunk_bytes", 8),
    ("created_unix", 9),
    ("fingerprint", 10),
    ("duplicate_edges", 11),
    ("invalid_lines", 12),
    ("has_pin_titles", 13),
    ("has_board_titles", 14),
    ("has_attributes", 15),
    ("chunks", 16),
    ("copied_bytes", 17),
)
_FLAGS = {"has_pin_titles", "has_board_titles", "has_attributes"}


@dataclass(frozen=True)
class GraphStats:
    """What bw_graph_stat reports about a graph file."""

    format_version: int
    pins: int
    boards: int
    edges: int  # distinct edges
    file_bytes: int
    max_pin_degree: int
    max_board_degree: int
    chunk_bytes: int
    created_unix: int
    fingerprint: int  # order-independent hash of the edge set
    duplicate_edges: int  # input edges the builder collapsed
    invalid_lines: int  # input lines the builder skipped
    has_pin_titles: bool
    has_board_titles: bool
    has_attributes: bool
    chunks: int
    copied_bytes: int  # bytes copied at open (misaligned chunks)
    watermark: Optional[int] = None  # newest edge time the graph contains; None: none


class Recommendation(namedtuple("Recommendation", "id score visits")):
    """A recommended pin: (id, score, visits). ``kind`` is "pin"."""

    __slots__ = ()
    kind = PIN


class BoardRecommendation(Recommendation):
    """A recommended board (only with include_boards=True). ``kind`` is "board"."""

    __slots__ = ()
    kind = BOARD


class Recommendations(list):
    """The list of Recommendation tuples from Graph.recommend, best first, with
    the walk's counters: ``steps``, ``elapsed_us``, ``partial`` (the time
    budget cut the walk short) and ``unknown`` ((kind, id) pairs skipped in
    lenient mode); with features=True, ``features``: one list of floats per
    entry, in ``feature_names()`` order (else None)."""

    steps = 0
    elapsed_us = 0
    partial = False
    unknown = ()
    features = None


class Scores(list):
    """The list of scores from Graph.score, in candidate order; with
    features=True, ``features``: one list of floats per candidate, in
    ``feature_names()`` order (else None)."""

    features = None


def feature_names():
    """The names of the candidate features the library computes, in the order
    of Recommendations.features (bw_feature_name); boardwalk.h defines each."""
    return [_text(lib.bw_feature_name(i)) for i in range(lib.bw_feature_count())]


def _read_features(r):
    """The feature rows of a results handle, or None when it has none."""
    m = lib.bw_results_feature_count(r)
    if m == 0:
        return None
    row = (ctypes.c_double * m)()
    out = []
    for i in range(lib.bw_results_count(r)):
        _check(lib.bw_results_features(r, i, row, m))
        out.append(list(row))
    return out


def _text(p):
    return p.decode("utf-8", "replace") if p else ""


def strerror(code):
    """bw_strerror(code): the library's text for any code it returns."""
    return _text(lib.bw_strerror(code))


def version():
    """The loaded library's version, "X.Y.Z" (bw_libversion)."""
    return _text(lib.bw_libversion())


def format_version():
    """The graph format version the loaded library reads."""
    return int(lib.bw_format_version())


def _error(code, detail=None, cls=None, **extra):
    cls = cls or errors.error_class(code)
    return cls(code, strerror(code), detail, **extra)


def _check(code, detail=None, invalid=None):
    """Raises for a nonzero code; `invalid` is the detail for BW_EINVAL only
    (what the caller passed that C refused)."""
    if code != 0:
        raise _error(code, invalid if code == BW_EINVAL and invalid else detail)


def _invalid(detail):
    return _error(BW_EINVAL, detail)


def _uint(value, maximum, what):
    """An int for a C unsigned parameter: TypeError for a non-integer,
    InvalidArgumentError when it does not fit (ctypes would wrap it)."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an integer, not bool")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None
    if not 0 <= v <= maximum:
        raise _invalid(f"{what} {v} is out of range (0 ... {maximum})")
    return v


def _id(value, what="id"):
    return _uint(value, _U64_MAX, what)


def _real(value, what):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}") from None


def _kind(kind):
    try:
        return _KINDS[kind]
    except (KeyError, TypeError):
        raise _invalid(f"kind must be {PIN!r} or {BOARD!r}, not {kind!r}") from None


def _weighted(nodes, what):
    """{id: weight} from a mapping, an iterable of ids (weight 1) or one id."""
    if nodes is None:
        return []
    if isinstance(nodes, Mapping):
        items = nodes.items()
    elif isinstance(nodes, (int,)) and not isinstance(nodes, bool):
        items = [(nodes, 1.0)]
    else:
        items = [(n, 1.0) for n in nodes]
    return [(_id(k, what), _real(w, f"weight of {what} {k}")) for k, w in items]


def _enter(self):
    return self


def _exit(self, *exc):
    self.close()
    return False


def _release_handle(obj, free):
    """__del__ of the handle owners: frees a handle still held, unless the
    interpreter is already tearing the library down."""
    handle = getattr(obj, "_handle", None)
    if handle and free is not None:
        obj._handle = None
        free(handle)


class Graph:
    """An open graph file (bw_graph_open).

    ``Graph(path, verify=True)`` checks every checksum and the whole structure
    before returning: do that for files from untrusted sources. One Graph may
    be used from any number of threads at once (the C calls release the GIL);
    close() waits for calls in progress, then unmaps the file. Use it as a
    context manager or call close(); it is also closed when collected.
    """

    def __init__(self, path, verify=False, *, readahead=True, prefault=False, huge_pages=False):
        self.path = os.fspath(path)
        self._handle = None
        self._lock = threading.Condition()
        self._users = 0
        self._stats = None
        flags = (BW_OPEN_VERIFY if verify else 0) | (0 if readahead else BW_OPEN_NORDAHEAD)
        flags |= BW_OPEN_PREFAULT if prefault else 0
        # huge_pages=True: get the graph into 2 MiB pages at open (BW_OPEN_HUGEPAGES;
        # see huge_page_method and huge_pages()).
        flags |= BW_OPEN_HUGEPAGES if huge_pages else 0
        handle = GraphP()
        message = ctypes.create_string_buffer(_MESSAGE_BYTES)
        rc = lib.bw_graph_open_ex(os.fsencode(self.path), flags, ctypes.byref(handle), message, _MESSAGE_BYTES)
        _raise_open_error(rc, message, self.path)
        self._handle = handle

    @classmethod
    def _adopt(cls, handle):
        """A Graph owning a reference the caller already holds."""
        g = cls.__new__(cls)
        g.path = _text(lib.bw_graph_path(handle))
        g._handle = handle
        g._lock = threading.Condition()
        g._users = 0
        g._stats = None
        return g

    # -- lifetime ----------------------------------------------------------

    def close(self):
        """Closes the graph (bw_graph_close) once no other thread is in a call
        on it. Calling it again does nothing."""
        with self._lock:
            handle, self._handle = self._handle, None
            while self._users:
                self._lock.wait()
        if handle:
            lib.bw_graph_close(handle)

    @property
    def closed(self):
        return self._handle is None

    __enter__, __exit__ = _enter, _exit

    def __del__(self):
        _release_handle(self, lib.bw_graph_close if lib is not None else None)

    def __repr__(self):
        state = "closed" if self.closed else "open"
        return f"<boardwalk.Graph {self.path!r} {state}>"

    def _acquire(self):
        with self._lock:
            if self._handle is None:
                raise _error(BW_EINVAL, f"graph {self.path} is closed", cls=GraphClosedError)
            self._users += 1
            return self._handle

    def _release(self):
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._lock.notify_all()

    def _call(self, fn, *args):
        """fn(handle, *args) with the graph kept open during the call."""
        handle = self._acquire()
        try:
            return fn(handle, *args)
        finally:
            self._release()

    # -- facts about the graph --------------------------------------------

    @property
    def stats(self):
        """GraphStats: counts, sizes, flags (bw_graph_stat)."""
        if self._stats is None:
            values = {}
            out = ctypes.c_uint64()
            for name, what in _STATS:
                _check(self._call(lib.bw_graph_stat, what, ctypes.byref(out)), name)
                values[name] = bool(out.value) if name in _FLAGS else int(out.value)
            self._stats = GraphStats(**values, watermark=self.watermark)
        return self._stats

    @property
    def watermark(self):
        """The newest edge time the graph contains, an int in the host's own
        unit (Unix seconds or milliseconds: Boardwalk only compares times),
        as `boardwalk build --watermark T` or `--time-column N` recorded it;
        None when the graph was built without one (bw_graph_stat,
        BW_STAT_WATERMARK)."""
        out = ctypes.c_uint64()
        rc = self._call(lib.bw_graph_stat, BW_STAT_WATERMARK, ctypes.byref(out))
        if rc == BW_ENODATA:
            return None
        _check(rc, "watermark")
        return int(out.value)

    @property
    def huge_page_method(self):
        """What huge_pages=True did at open: "not_asked", "already" (the file
        was mapped with huge pages), "refilled" (the page cache was refilled
        with large folios), "copied" (the arrays were copied into anonymous
        huge pages, as much memory as the file) or "unavailable"
        (bw_graph_stat, BW_STAT_HUGE_PAGE_METHOD)."""
        out = ctypes.c_uint64()
        _check(self._call(lib.bw_graph_stat, BW_STAT_HUGE_PAGE_METHOD, ctypes.byref(out)), "huge_page_method")
        v = int(out.value)
        return HUGE_PAGE_METHODS[v] if v < len(HUGE_PAGE_METHODS) else "unavailable"

    def huge_pages(self):
        """How much of the graph's resident memory is mapped with 2 MiB pages,
        now: a dict with "share" (0 to 1), "resident_bytes" and "huge_bytes",
        or None when nothing is resident yet or the platform does not say
        (bw_graph_huge_pages). Reads /proc/self/smaps: for monitoring, not per
        query. A share well below 1 on a warm graph means walks at about half
        speed: reopen with huge_pages=True."""
        share, resident, huge = ctypes.c_double(), ctypes.c_uint64(), ctypes.c_uint64()
        rc = self._call(lib.bw_graph_huge_pages, ctypes.byref(share), ctypes.byref(resident), ctypes.byref(huge))
        if rc == BW_ENODATA:
            return None
        _check(rc, "huge_pages")
        return {"share": share.value, "resident_bytes": int(resident.value), "huge_bytes": int(huge.value)}

    @property
    def build_info(self):
        """The builder's record of parameters, inputs and counts, as a dict."""
        handle = self._acquire()
        try:
            text, n = ctypes.c_void_p(), ctypes.c_size_t()
            _check(lib.bw_graph_build_info(handle, ctypes.byref(text), ctypes.byref(n)))
            raw = ctypes.string_at(text.value, n.value) if n.value else b"{}"
        finally:
            self._release()
        return json.loads(raw.decode("utf-8", "replace"))

    def verify(self):
        """Full verification (bw_graph_verify): returns None when the file is
        sound, raises CorruptGraphError naming the first problem otherwise."""
        message = ctypes.create_string_buffer(_MESSAGE_BYTES)
        _check(self._call(lib.bw_graph_verify, message, _MESSAGE_BYTES), _text(message.value))

    def __contains__(self, pin):
        """Whether a pin id is in the graph."""
        return self.index(pin) is not None

    def index(self, id, kind=PIN):
        """The dense index of a pin or board (ascending id order), or None."""
        out = ctypes.c_uint32()
        rc = self._call(lib.bw_graph_node_index, _kind(kind), _id(id), ctypes.byref(out))
        if rc == BW_ENOTFOUND:
            return None
        _check(rc)
        return int(out.value)

    def id_at(self, index, kind=PIN):
        """The id at a dense index; IndexOutOfRangeError past the end."""
        out = ctypes.c_uint64()
        _check(self._call(lib.bw_graph_node_id, _kind(kind), _uint(index, _U32_MAX, "index"), ctypes.byref(out)),
               f"{kind} index {index}")
        return int(out.value)

    def _unknown(self, kind, id):
        return _error(BW_ENOTFOUND, f"unknown {kind} {id}", cls=UnknownNodeError, kind=kind, id=id)

    def degree(self, id, kind=PIN):
        """Number of boards of a pin (or pins of a board)."""
        out = ctypes.c_uint64()
        rc = self._call(lib.bw_graph_node_degree, _kind(kind), _id(id), ctypes.byref(out))
        if rc == BW_ENOTFOUND:
            raise self._unknown(kind, id)
        _check(rc)
        return int(out.value)

    def neighbors(self, id, kind=PIN):
        """Ids of the boards of a pin (or the pins of a board), in stored order."""
        k, i = _kind(kind), _id(id)
        handle = self._acquire()
        try:
            count = ctypes.c_size_t()
            rc = lib.bw_graph_node_neighbors(handle, k, i, None, 0, ctypes.byref(count))
            if rc == BW_ENOTFOUND:
                raise self._unknown(kind, id)
            _check(rc)
            buf = (ctypes.c_uint64 * max(count.value, 1))()
            _check(lib.bw_graph_node_neighbors(handle, k, i, buf, count.value, ctypes.byref(count)))
        finally:
            self._release()
        return list(buf[: count.value])

    def degree_quantiles(self, quantiles, kind=PIN):
        """For each q in quantiles (0 <= q <= 1), the smallest degree d such that
        a fraction q of the nodes have degree <= d."""
        qs = [_real(q, "quantile") for q in quantiles]
        arr = (ctypes.c_double * max(len(qs), 1))(*qs)
        out = (ctypes.c_uint32 * max(len(qs), 1))()
        _check(self._call(lib.bw_graph_degree_quantiles, _kind(kind), arr, len(qs), out),
               f"{kind} degrees", invalid=f"quantiles must be in [0, 1], not {qs}")
        return list(out[: len(qs)])

    def _title(self, id, kind):
        k, i = _kind(kind), _id(id)
        handle = self._acquire()
        try:
            p, n = ctypes.c_void_p(), ctypes.c_size_t()
            rc = lib.bw_graph_node_title(handle, k, i, ctypes.byref(p), ctypes.byref(n))
            if rc == BW_ENOTFOUND:
                raise self._unknown(kind, id)
            if rc == BW_ENODATA:
                return None
            _check(rc, f"title of {kind} {id}")
            # Copy while the graph is held open: the bytes live in the map.
            raw = ctypes.string_at(p.value, n.value) if n.value else b""
        finally:
            self._release()
        return raw.decode("utf-8", "replace") if raw else None

    def title(self, pin):
        """A pin's title, or None when it has none (UnknownNodeError if the pin
        is not in the graph)."""
        return self._title(pin, PIN)

    def board_title(self, board):
        """A board's title, or None when it has none."""
        return self._title(board, BOARD)

    def _attribute_name(self, handle, attribute, code):
        if code == BW_ATTR_ANY:
            return None
        p, n = ctypes.c_void_p(), ctypes.c_size_t()
        if lib.bw_graph_attribute_name(handle, attribute, code, ctypes.byref(p), ctypes.byref(n)) != 0:
            return None
        return ctypes.string_at(p.value, n.value).decode("utf-8", "replace")

    def attributes(self, id, kind=PIN):
        """(language, topic) names of a pin or board, None where unknown."""
        k, i = _kind(kind), _id(id)
        handle = self._acquire()
        try:
            lang, topic = ctypes.c_uint32(), ctypes.c_uint32()
            rc = lib.bw_graph_node_attributes(handle, k, i, ctypes.byref(lang), ctypes.byref(topic))
            if rc == BW_ENOTFOUND:
                raise self._unknown(kind, id)
            _check(rc)
            return (self._attribute_name(handle, BW_ATTR_LANGUAGE, lang.value),
                    self._attribute_name(handle, BW_ATTR_TOPIC, topic.value))
        finally:
            self._release()

    def attribute_code(self, attribute, name):
        """The code of a language or topic name ("en", "travel") as spelled in
        the attributes file: attribute is "language" or "topic"."""
        which = {"language": BW_ATTR_LANGUAGE, "topic": BW_ATTR_TOPIC}.get(attribute)
        if which is None:
            raise _invalid(f"attribute must be 'language' or 'topic', not {attribute!r}")
        if not isinstance(name, str):
            raise TypeError(f"{attribute} must be a str, not {type(name).__name__}")
        encoded = name.encode("utf-8")
        out = ctypes.c_uint32()
        rc = BW_ENOTFOUND if b"\0" in encoded else self._call(lib.bw_graph_attribute_code, which, encoded,
                                                                ctypes.byref(out))
        if rc == BW_ENOTFOUND:
            known = self.attribute_names(attribute)
            plural = {"language": "languages", "topic": "topics"}[attribute]
            raise _error(rc, f"unknown {attribute} {name!r}; the graph's {plural} are {', '.join(known) or 'none'}",
                         cls=UnknownAttributeError, attribute=attribute, name=name, known=known)
        if rc == BW_ENODATA:
            raise _error(rc, "the graph has no attributes")
        _check(rc, attribute)
        return int(out.value)

    def attribute_names(self, attribute):
        """The graph's language (or topic) names, in code order
        (bw_graph_attribute_name); [] for a graph built without attributes."""
        which = {"language": BW_ATTR_LANGUAGE, "topic": BW_ATTR_TOPIC}.get(attribute)
        if which is None:
            raise _invalid(f"attribute must be 'language' or 'topic', not {attribute!r}")
        handle = self._acquire()
        try:
            names = []
            p, n = ctypes.c_void_p(), ctypes.c_size_t()
            while lib.bw_graph_attribute_name(handle, which, len(names), ctypes.byref(p), ctypes.byref(n)) == 0:
                names.append(ctypes.string_at(p.value, n.value).decode("utf-8", "replace") if n.value else "")
            return names
        finally:
            self._release()

    # -- walks --------------------------------------------------------------

    def _query(self, pins, boards, steps, restart, top, early_stop, popularity_penalty, boost, bias, language, topic,
               seed, time_budget_ms, exclude, include_boards, lenient, candidates, method="walk", exponent=DEFAULT):
        """A bw_query holding everything asked; the caller frees it."""
        pin_list = sorted(_weighted(pins, "pin"))
        board_list = sorted(_weighted(boards, "board"))
        q = QueryP()
        _check(lib.bw_query_new(ctypes.byref(q)))

        def call(rc):
            # The C library holds every rule and its message (bw_query_errmsg).
            if rc != 0:
                raise _error(rc, _text(lib.bw_query_errmsg(q)) or None)

        try:
            for pin, w in pin_list:
                call(lib.bw_query_add_pin(q, pin, w))
            for board, w in board_list:
                call(lib.bw_query_add_board(q, board, w))
            if steps is not DEFAULT:
                call(lib.bw_query_set_steps(q, _uint(steps, _U64_MAX, "steps")))
            if restart is not DEFAULT:
                call(lib.bw_query_set_restart(q, _real(restart, "restart")))
            if top is not DEFAULT:
                call(lib.bw_query_set_top(q, _uint(top, _U32_MAX, "top")))
            if popularity_penalty is not DEFAULT:
                call(lib.bw_query_set_popularity_penalty(q, _real(popularity_penalty, "popularity_penalty")))
            if early_stop is DEFAULT:
                pass
            elif early_stop is None or early_stop is False:
                call(lib.bw_query_set_early_stop(q, 0, 0, 0))
            else:
                try:
                    np_, nv = early_stop
                except (TypeError, ValueError):
                    raise _invalid(f"early_stop must be (np, nv) or None, not {early_stop!r}") from None
                call(lib.bw_query_set_early_stop(q, 1, _uint(np_, _U32_MAX, "early_stop np"), _uint(nv, _U32_MAX, "early_stop nv")))
            call(lib.bw_query_set_boost(q, 1 if boost else 0))
            lang = BW_ATTR_ANY if language is None else self.attribute_code("language", language)
            top_ = BW_ATTR_ANY if topic is None else self.attribute_code("topic", topic)
            if bias is None:  # the library's default: 1 with a language or topic, else 0
                call(lib.bw_query_set_preference(q, lang, top_))
            else:
                call(lib.bw_query_set_bias(q, _real(bias, "bias"), lang, top_))
            call(lib.bw_query_set_seed(q, _uint(seed, _U64_MAX, "seed")))
            if time_budget_ms is not None:
                call(lib.bw_query_set_time_budget_ms(q, _real(time_budget_ms, "time_budget_ms")))
            if method not in _METHODS:
                raise _invalid(f"method must be 'walk' or 'exact', not {method!r}")
            call(lib.bw_query_set_method(q, _METHODS[method]))
            if exponent is not DEFAULT:
                call(lib.bw_query_set_exponent(q, _real(exponent, "exponent")))
            call(lib.bw_query_set_include_boards(q, 1 if include_boards else 0))
            call(lib.bw_query_set_lenient(q, 1 if lenient else 0))
            for pin in exclude or ():
                call(lib.bw_query_exclude_pin(q, _id(pin, "excluded pin")))
            for pin in candidates or ():
                call(lib.bw_query_add_candidate(q, _id(pin, "candidate pin")))
        except BaseException:
            lib.bw_query_free(q)
            raise
        return q, pin_list, board_list

    def _run(self, fn, q, pin_list, board_list):
        """Runs bw_recommend or bw_score; returns the results handle."""
        handle = self._acquire()
        try:
            r = ResultsP()
            rc = fn(handle, q, ctypes.byref(r))
            if rc == BW_ENOTFOUND:
                # Strict mode: name the first unknown id, as the Swift API does.
                idx = ctypes.c_uint32()
                for kind, nodes in ((PIN, pin_list), (BOARD, board_list)):
                    for node, _ in nodes:
                        if lib.bw_graph_node_index(handle, _KINDS[kind], node, ctypes.byref(idx)) == BW_ENOTFOUND:
                            raise self._unknown(kind, node)
            if rc != 0:
                raise _error(rc, "the query has no known pin or board with a positive weight"
                             if rc == errors.BW_EEMPTY else None)
            return r
        finally:
            self._release()

    def recommend(self, pins, boards=None, *, steps=DEFAULT, restart=DEFAULT, top=DEFAULT, early_stop=DEFAULT,
                  popularity_penalty=DEFAULT, boost=True, bias=None, language=None, topic=None, seed=0,
                  time_budget_ms=None, exclude=(), include_boards=False, lenient=False, method="walk",
                  exponent=DEFAULT, ranker=None, ranker_top_n=DEFAULT, features=False, _runner=None):
        """Pixie's random walk from weighted query pins (and boards): the best
        pins, best first, as a list of Recommendation(id, score, visits).

        pins: {pin: weight} (or an iterable of pins, weight 1); boards likewise.
        steps, restart, top, popularity_penalty: as in boardwalk.h; DEFAULT
        leaves the library's default (bw_query_new).
        early_stop: (np, nv), or None to walk the whole step budget.
        bias: probability that a hop goes to neighbours matching language and
        topic (names as in the attributes file); default 1 when either is
        given, else 0. time_budget_ms: stop early and mark the result partial.
        exclude: pins never returned. lenient: skip unknown ids (listed in
        the result's ``unknown``) instead of raising UnknownNodeError.
        method: "walk" (Pixie's random walk) or "exact" (exact 3-step scores,
        P3alpha / RP3beta, with transition probabilities raised to
        ``exponent``; see bw_query_set_method: no sampling, cheap on small
        catalogues, dear on large graphs; steps, restart, early_stop, boost
        and seed do not apply).
        ranker: a boardwalk.Ranker that re-ranks the walk's best
        max(ranker_top_n, top) candidates (ranker_top_n: the library's default,
        500); each result's score is then the model's. features: the result
        carries each entry's features (``features``, in feature_names() order).
        Ties are broken by ascending id; the same graph, query and seed give
        the same list on any thread and in any process (bw_recommend).
        """
        q, pin_list, board_list = self._query(pins, boards, steps, restart, top, early_stop, popularity_penalty, boost,
                                              bias, language, topic, seed, time_budget_ms, exclude, include_boards,
                                              lenient, (), method, exponent)
        r = None
        try:
            _apply_ranking(q, ranker, ranker_top_n, features)
            r = self._run(_runner or lib.bw_recommend, q, pin_list, board_list)
            out = Recommendations()
            pid, score, visits, kind = ctypes.c_uint64(), ctypes.c_double(), ctypes.c_uint64(), ctypes.c_int()
            for i in range(lib.bw_results_count(r)):
                _check(lib.bw_results_get(r, i, ctypes.byref(pid), ctypes.byref(score), ctypes.byref(visits)))
                _check(lib.bw_results_kind(r, i, ctypes.byref(kind)))
                cls = BoardRecommendation if kind.value == 1 else Recommendation
                out.append(cls(int(pid.value), float(score.value), int(visits.value)))
            out.steps = int(lib.bw_results_steps(r))
            out.elapsed_us = int(lib.bw_results_elapsed_us(r))
            out.partial = bool(lib.bw_results_partial(r))
            unknown = []
            for i in range(lib.bw_results_unknown_count(r)):
                _check(lib.bw_results_unknown(r, i, ctypes.byref(kind), ctypes.byref(pid)))
                unknown.append((_KIND_NAMES.get(kind.value, PIN), int(pid.value)))
            out.unknown = tuple(unknown)
            out.features = _read_features(r)
            return out
        finally:
            lib.bw_results_free(r)
            lib.bw_query_free(q)

    def score(self, candidates, pins, boards=None, *, steps=DEFAULT, restart=DEFAULT, early_stop=DEFAULT,
              popularity_penalty=DEFAULT, boost=True, bias=None, language=None, topic=None, seed=0,
              time_budget_ms=None, exclude=(), lenient=False, method="walk", exponent=DEFAULT, ranker=None,
              ranker_top_n=DEFAULT, features=False, _runner=None):
        """Runs the same walk as recommend() and returns the score of each
        candidate pin, in order (0.0 for a pin never reached or not in the
        graph), with the popularity penalty applied as in recommend()
        (bw_score); with a ranker, the model's scores (-inf for a pin not in
        the graph). A Scores list: with features=True its ``features`` holds
        each candidate's features."""
        cands = [_id(c, "candidate pin") for c in candidates]
        q, pin_list, board_list = self._query(pins, boards, steps, restart, DEFAULT, early_stop, popularity_penalty,
                                              boost, bias, language, topic, seed, time_budget_ms, exclude, False,
                                              lenient, cands, method, exponent)
        r = None
        try:
            _apply_ranking(q, ranker, ranker_top_n, features)
            r = self._run(_runner or lib.bw_score, q, pin_list, board_list)
            score = ctypes.c_double()
            scores = Scores()
            for i in range(lib.bw_results_count(r)):
                _check(lib.bw_results_get(r, i, None, ctypes.byref(score), None))
                scores.append(float(score.value))
            scores.features = _read_features(r)
            return scores
        finally:
            lib.bw_results_free(r)
            lib.bw_query_free(q)


class LiveGraph:
    """The graph a long-running service queries, replaceable while queries
    run (bw_live): swap() opens a new file and switches to it atomically.
    A query that started before a swap finishes on the graph it started
    with, which is unmapped when the last such query ends; a file that fails
    to open raises and leaves the live graph as it was.

        live = boardwalk.LiveGraph("/srv/pins.bwg", verify=True)
        live.recommend({pin: 1.0}, top=10)          # any thread
        live.swap("/srv/pins.bwg", verify=True)     # after a new file was renamed into place

    current() returns the live base Graph (its own reference; close it or
    let it be collected) for several calls that must see the same graph;
    it does not see live edges.

    Live edges: add_edges(), remove_edges() and hide() change the graph
    that recommend() and score() walk, at once and without rebuilding it
    (the union of the base and the live edges minus the removed ones; see
    "Live edges" in boardwalk.h and "Fresh edges" in README.md). A swap
    carries them over: those newer than the new base's watermark stay.

        live.add_edges([(new_pin, board)], times=[now])
        live.remove_edges([(pin, board)])
        live.hide(pin=spam_pin)
    """

    def __init__(self, path, verify=False):
        self._handle = None
        self._lock = threading.Lock()
        handle = LiveP()
        message = ctypes.create_string_buffer(_MESSAGE_BYTES)
        path = os.fspath(path)
        rc = lib.bw_live_open(os.fsencode(path), BW_OPEN_VERIFY if verify else 0, ctypes.byref(handle), message,
                              _MESSAGE_BYTES)
        _raise_open_error(rc, message, path)
        self._handle = handle

    def swap(self, path, verify=False):
        """Opens the graph file at `path` and, if that succeeds, makes it live."""
        path = os.fspath(path)
        message = ctypes.create_string_buffer(_MESSAGE_BYTES)
        rc = lib.bw_live_swap(self._live(), os.fsencode(path), BW_OPEN_VERIFY if verify else 0, message, _MESSAGE_BYTES)
        _raise_open_error(rc, message, path)

    def current(self):
        """The live Graph, with its own reference: a swap does not affect it."""
        handle = GraphP()
        _check(lib.bw_live_acquire(self._live(), ctypes.byref(handle)))
        return Graph._adopt(handle)

    @property
    def generation(self):
        """How many graphs were made live after the first."""
        return int(lib.bw_live_generation(self._live()))

    def recommend(self, pins, boards=None, **parameters):
        """Graph.recommend on the live graph: the base plus the live edges
        (bw_live_recommend; lock-free, see "Live edges" in boardwalk.h)."""
        live = self._live()
        with self.current() as g:
            return g.recommend(pins, boards, _runner=lambda _g, q, r: lib.bw_live_recommend(live, q, r), **parameters)

    def score(self, candidates, pins, boards=None, **parameters):
        """Graph.score on the live graph: the base plus the live edges."""
        live = self._live()
        with self.current() as g:
            return g.score(candidates, pins, boards, _runner=lambda _g, q, r: lib.bw_live_score(live, q, r),
                           **parameters)

    def add_edges(self, edges, times=None):
        """Adds live edges, an iterable of (pin, board) pairs, with times (an
        iterable of unsigned integers in the host's unit, or None: newer than
        any watermark). New ids become new pins and boards at once. Returns
        LiveAddCounts(added, duplicates, refused): an edge already in the base
        or live is a duplicate, one of a hidden pin or board is refused
        (bw_live_add_edges)."""
        pins, boards = _edge_arrays(edges)
        n = len(pins)
        tarr = None
        if times is not None:
            times = [_id(t, "time") for t in times]
            if len(times) != n:
                raise _invalid(f"times must have one value per edge ({n}), not {len(times)}")
            tarr = (ctypes.c_uint64 * max(n, 1))(*times)
        added, dup, refused = ctypes.c_uint64(), ctypes.c_uint64(), ctypes.c_uint64()
        _check(lib.bw_live_add_edges(self._live(), pins, boards, tarr, n, ctypes.byref(added), ctypes.byref(dup),
                                     ctypes.byref(refused)))
        return LiveAddCounts(int(added.value), int(dup.value), int(refused.value))

    def remove_edges(self, edges):
        """Removes edges, base or live, an iterable of (pin, board) pairs:
        they stop being walked. Returns LiveRemoveCounts(removed, missing)
        (bw_live_remove_edges)."""
        pins, boards = _edge_arrays(edges)
        removed, missing = ctypes.c_uint64(), ctypes.c_uint64()
        _check(lib.bw_live_remove_edges(self._live(), pins, boards, len(pins), ctypes.byref(removed),
                                        ctypes.byref(missing)))
        return LiveRemoveCounts(int(removed.value), int(missing.value))

    def hide(self, pin=None, board=None):
        """Hides a pin or a board (give one): its edges are removed, it is
        never a result nor walked through, later edges to it are refused
        (bw_live_hide)."""
        if (pin is None) == (board is None):
            raise _invalid("hide takes a pin or a board")
        kind, node = (PIN, pin) if pin is not None else (BOARD, board)
        _check(lib.bw_live_hide(self._live(), _KINDS[kind], _id(node, kind)))

    @property
    def max_edges(self):
        """The cap on live edges; past it the oldest segment expires
        (bw_live_set_max_edges)."""
        return self.live_stats()["max_edges"]

    @max_edges.setter
    def max_edges(self, value):
        _check(lib.bw_live_set_max_edges(self._live(), _id(value, "max_edges")))

    def live_stats(self):
        """The live delta's statistics (bw_live_stat) as a dict: edges,
        removed, new_pins, new_boards, hidden, expired, max_edges, bytes,
        segments."""
        out, v = {}, ctypes.c_uint64()
        for name, what in _LIVE_STATS.items():
            _check(lib.bw_live_stat(self._live(), what, ctypes.byref(v)))
            out[name] = int(v.value)
        return out

    def _live(self):
        if self._handle is None:
            raise _error(BW_EINVAL, "live graph is closed", cls=GraphClosedError)
        return self._handle

    def close(self):
        """Drops the live graph; Graphs from current() stay usable until closed."""
        with self._lock:
            handle, self._handle = self._handle, None
        if handle:
            lib.bw_live_close(handle)

    __enter__, __exit__ = _enter, _exit

    def __del__(self):
        _release_handle(self, lib.bw_live_close if lib is not None else None)


LiveAddCounts = namedtuple("LiveAddCounts", "added duplicates refused")
LiveRemoveCounts = namedtuple("LiveRemoveCounts", "removed missing")
_LIVE_STATS = {"edges": 1, "removed": 2, "new_pins": 3, "new_boards": 4, "hidden": 5, "expired": 6, "max_edges": 7,
               "bytes": 8, "segments": 9}  # BW_LIVE_STAT_*


def _edge_arrays(edges):
    pairs = [(_id(p, PIN), _id(b, BOARD)) for p, b in edges]
    n = len(pairs)
    pins = (ctypes.c_uint64 * max(n, 1))(*(p for p, _ in pairs))
    boards = (ctypes.c_uint64 * max(n, 1))(*(b for _, b in pairs))
    return pins, boards


def _raise_open_error(rc, message, path):
    if rc == 0:
        return
    detail = _text(message.value) or path
    if rc > 0:
        raise _error(rc, detail, filename=path)
    raise _error(rc, detail)


class Ranker:
    """A learned ranker: a model file (Tools/ranker/train.py) loaded into the
    C library (bw_ranker_open), which re-ranks the walk's best candidates by
    their features when passed as ``ranker=`` to Graph.recommend or
    Graph.score. It never changes once loaded: one Ranker serves any number
    of threads and queries (each query holds its own reference in C, so
    close() while queries run is safe). Raises CorruptGraphError (a damaged
    or truncated file, not a model), FormatVersionError, NotFoundError (an
    input names a feature this library does not compute),
    InvalidArgumentError (a NaN weight) or GraphOSError (a missing file),
    each with the library's message."""

    def __init__(self, path):
        self.path = os.fspath(path)
        self._handle = None
        handle = RankerP()
        message = ctypes.create_string_buffer(_MESSAGE_BYTES)
        rc = lib.bw_ranker_open(os.fsencode(self.path), ctypes.byref(handle), message, _MESSAGE_BYTES)
        _raise_open_error(rc, message, self.path)
        self._handle = handle

    @property
    def kind(self):
        """"linear" or "trees" (bw_ranker_kind)."""
        return "trees" if lib.bw_ranker_kind(self._live()) == 2 else "linear"

    @property
    def inputs(self):
        """The features the model reads, in the model's order."""
        h = self._live()
        return [_text(lib.bw_ranker_input_name(h, i)) for i in range(lib.bw_ranker_input_count(h))]

    def score(self, features):
        """The model's score of one feature row (floats in feature_names()
        order, as Recommendations.features holds them) (bw_ranker_score)."""
        values = [_real(x, "feature") for x in features]
        arr = (ctypes.c_double * max(len(values), 1))(*values)
        out = ctypes.c_double()
        rc = lib.bw_ranker_score(self._live(), arr, len(values), ctypes.byref(out))
        if rc != 0:
            raise _invalid(f"a feature row has {lib.bw_feature_count()} finite values, not {len(values)}"
                           + (" with a NaN" if any(math.isnan(v) for v in values) else ""))
        return out.value

    def _live(self):
        if self._handle is None:
            raise _error(BW_EINVAL, f"ranker {self.path} is closed", cls=GraphClosedError)
        return self._handle

    def close(self):
        """Drops this object's reference (bw_ranker_close); queries that hold
        the ranker keep theirs. Calling it again does nothing."""
        handle, self._handle = self._handle, None
        if handle:
            lib.bw_ranker_close(handle)

    __enter__, __exit__ = _enter, _exit

    def __del__(self):
        _release_handle(self, lib.bw_ranker_close if lib is not None else None)

    def __repr__(self):
        return f"<boardwalk.Ranker {self.path!r} {'closed' if self._handle is None else self.kind}>"


def _apply_ranking(q, ranker, ranker_top_n, features):
    """Sets the query's features flag and ranker (the C setters hold the rules)."""
    if features:
        _check(lib.bw_query_set_features(q, 1))
    if ranker is not None or ranker_top_n is not DEFAULT:
        if ranker is not None and not isinstance(ranker, Ranker):
            raise TypeError(f"ranker must be a boardwalk.Ranker, not {type(ranker).__name__}")
        n = 0 if ranker_top_n is DEFAULT else _uint(ranker_top_n, _U32_MAX, "ranker_top_n")
        rc = lib.bw_query_set_ranker(q, ranker._live() if ranker is not None else None, n)
        if rc != 0:
            raise _error(rc, _text(lib.bw_query_errmsg(q)) or None)
