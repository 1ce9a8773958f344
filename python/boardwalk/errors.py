"""Boardwalk's exceptions: one class per C error code, all under BoardwalkError.

Each exception carries the C code (``code``), the library's ``bw_strerror``
text for it (``strerror``) and, where there is one, a detail saying which
argument or what in the file was wrong (``detail``). The classes also derive
from the built-in exception a Python caller would expect (ValueError for a bad
argument, LookupError for an unknown id, OSError for a file that cannot be
opened), so generic handlers keep working.
"""

# Error codes, as in boardwalk.h (a private range below LMDB's -30799...-30779).
BW_ENOTGRAPH = -30999
BW_EVERSION = -30998
BW_ECORRUPT = -30997
BW_EINVAL = -30996
BW_ENOTFOUND = -30995
BW_ENOMEM = -30994
BW_EEMPTY = -30993
BW_ERANGE = -30992
BW_ELIMIT = -30991
BW_ENODATA = -30990

MDB_FIRST_ERRCODE = -30799
MDB_LAST_ERRCODE = -30779


class BoardwalkError(Exception):
    """Any failure reported by libboardwalk.

    code: the C return code; strerror: bw_strerror(code); detail: what was
    wrong, or None.
    """

    def __init__(self, code, strerror, detail=None):
        self.code = code
        self.strerror = strerror
        self.detail = detail or None
        super().__init__(f"{strerror}: {detail}" if detail else strerror)


class NotAGraphError(BoardwalkError):
    """The file is not a Boardwalk graph (BW_ENOTGRAPH)."""


class FormatVersionError(BoardwalkError):
    """The graph file has another format version (BW_EVERSION)."""


class CorruptGraphError(BoardwalkError):
    """The graph file is truncated, damaged or inconsistent (BW_ECORRUPT)."""


class InvalidArgumentError(BoardwalkError, ValueError):
    """An argument is outside its documented range (BW_EINVAL)."""


class GraphClosedError(InvalidArgumentError):
    """The graph was closed (C would see a NULL handle: BW_EINVAL)."""


class NotFoundError(BoardwalkError, LookupError):
    """Something named is not in the graph (BW_ENOTFOUND)."""


class UnknownNodeError(NotFoundError):
    """A pin or board id is not in the graph. ``kind`` is "pin" or "board",
    ``id`` the first unknown id (None when it could not be told)."""

    def __init__(self, code, strerror, detail=None, kind=None, id=None):
        super().__init__(code, strerror, detail)
        self.kind = kind
        self.id = id


class UnknownAttributeError(NotFoundError):
    """A language or topic name is not in the graph's attributes.
    ``attribute`` is "language" or "topic", ``name`` the name asked for and
    ``known`` the graph's names for that attribute. Its message says so
    ("unknown language 'xx'; the graph's languages are de, en, ..."): the C
    code is BW_ENOTFOUND, whose bw_strerror text (kept in ``strerror``)
    speaks of pins and boards."""

    def __init__(self, code, strerror, detail=None, attribute=None, name=None, known=()):
        super().__init__(code, strerror, detail)
        self.attribute = attribute
        self.name = name
        self.known = tuple(known)
        if detail:
            self.args = (detail,)

    def __str__(self):
        return self.detail or self.strerror


class OutOfMemoryError(BoardwalkError, MemoryError):
    """Memory ran out (BW_ENOMEM)."""


class EmptyQueryError(BoardwalkError, ValueError):
    """The query has no known pin or board with a positive weight (BW_EEMPTY)."""


class IndexOutOfRangeError(BoardwalkError, IndexError):
    """An index is out of range (BW_ERANGE)."""


class LimitExceededError(BoardwalkError):
    """A hard limit of the library was reached (BW_ELIMIT)."""


class NoDataError(BoardwalkError):
    """The graph has no such data, such as titles or attributes (BW_ENODATA)."""


class LMDBError(BoardwalkError):
    """LMDB reported an error (codes -30799 ... -30779)."""


class GraphOSError(BoardwalkError, OSError):
    """The operating system refused (a positive errno value), for example a
    missing file: ``errno``, ``strerror`` and ``filename`` are set as for
    OSError."""

    def __init__(self, code, strerror, detail=None, filename=None):
        BoardwalkError.__init__(self, code, strerror, detail)
        if filename is not None:
            OSError.__init__(self, code, strerror, filename)
        else:
            OSError.__init__(self, code, strerror)


_BY_CODE = {
    BW_ENOTGRAPH: NotAGraphError,
    BW_EVERSION: FormatVersionError,
    BW_ECORRUPT: CorruptGraphError,
    BW_EINVAL: InvalidArgumentError,
    BW_ENOTFOUND: NotFoundError,
    BW_ENOMEM: OutOfMemoryError,
    BW_EEMPTY: EmptyQueryError,
    BW_ERANGE: IndexOutOfRangeError,
    BW_ELIMIT: LimitExceededError,
    BW_ENODATA: NoDataError,
}


def error_class(code):
    """The exception class for a nonzero C return code."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if MDB_FIRST_ERRCODE <= code <= MDB_LAST_ERRCODE:
        return LMDBError
    if code > 0:
        return GraphOSError
    return BoardwalkError
