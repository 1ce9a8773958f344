package org.boardwalk;

/**
 * Any failure reported by libboardwalk: the C return code ({@link #code()}) and a message, which
 * is {@code bw_strerror(code)} followed, where the C library gives one, by the detail (for a
 * refused query parameter, {@code bw_query_errmsg}'s sentence; for a file that does not open,
 * {@code bw_graph_open_ex}'s description).
 *
 * <p>Unchecked, on purpose: nearly every failure is either a programming error (a parameter
 * outside its range, a closed graph: the kind of failure {@link IllegalArgumentException} and
 * {@link IllegalStateException} report) or one a caller handles at a request boundary rather than
 * around each call (an unknown id, a damaged file). A checked exception would push {@code throws}
 * clauses through every lambda and stream that queries a graph without making any of those cases
 * easier to handle. Each code has its own subclass, so {@code catch (UnknownNodeException e)}
 * works where a caller does want to recover.
 */
public class BoardwalkException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    BoardwalkException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** The C return code: a {@code BW_E*} value ({@link ErrorCode}), an LMDB code or an errno value. */
    public int code() {
        return code;
    }

    /** The exception for a C code and message: one class per code. */
    static BoardwalkException of(int code, String message) {
        switch (code) {
            case ErrorCode.ENOTGRAPH: return new NotAGraphException(code, message);
            case ErrorCode.EVERSION: return new FormatVersionException(code, message);
            case ErrorCode.ECORRUPT: return new CorruptGraphException(code, message);
            case ErrorCode.EINVAL: return new InvalidArgumentException(code, message);
            case ErrorCode.ENOTFOUND: return new NotFoundException(code, message);
            case ErrorCode.ENOMEM: return new NoMemoryException(code, message);
            case ErrorCode.EEMPTY: return new EmptyQueryException(code, message);
            case ErrorCode.ERANGE: return new IndexRangeException(code, message);
            case ErrorCode.ELIMIT: return new LimitException(code, message);
            case ErrorCode.ENODATA: return new NoDataException(code, message);
            default:
                if (code >= ErrorCode.MDB_FIRST && code <= ErrorCode.MDB_LAST) {
                    return new StorageException(code, message);
                }
                return code > 0 ? new SystemException(code, message) : new BoardwalkException(code, message);
        }
    }
}
