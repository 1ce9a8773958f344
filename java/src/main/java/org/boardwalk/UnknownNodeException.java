package org.boardwalk;

/**
 * A query pin or board is not in the graph (strict mode, {@code BW_ENOTFOUND}); {@link #kind()}
 * and {@link #id()} name the first unknown one. In lenient mode such ids are skipped instead and
 * listed by {@link Recommendations#unknown()}.
 */
public class UnknownNodeException extends NotFoundException {
    private static final long serialVersionUID = 1L;
    private final Kind kind;
    private final long id;

    UnknownNodeException(int code, String message, Kind kind, long id) {
        super(code, message);
        this.kind = kind;
        this.id = id;
    }

    /** Pin or board. */
    public Kind kind() {
        return kind;
    }

    /** The id (unsigned 64-bit, held in a long: print it with {@link Long#toUnsignedString(long)}). */
    public long id() {
        return id;
    }
}
