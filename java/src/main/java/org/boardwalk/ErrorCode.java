package org.boardwalk;

/**
 * The error codes of {@code boardwalk.h} ({@code BW_E*}), as the C library returns them.
 *
 * <p>Copied from the header; {@code ErrorCodeTest} parses {@code boardwalk.h} and checks every
 * constant here against it, so a change in the header fails the build's tests rather than
 * silently mapping a code to the wrong exception.
 */
public final class ErrorCode {
    private ErrorCode() {}

    /** {@code BW_SUCCESS}. */
    public static final int SUCCESS = 0;
    /** {@code BW_ENOTGRAPH}: the file is not a Boardwalk graph. */
    public static final int ENOTGRAPH = -30999;
    /** {@code BW_EVERSION}: a graph of another format version. */
    public static final int EVERSION = -30998;
    /** {@code BW_ECORRUPT}: the graph file is truncated, damaged or inconsistent. */
    public static final int ECORRUPT = -30997;
    /** {@code BW_EINVAL}: an argument is invalid. */
    public static final int EINVAL = -30996;
    /** {@code BW_ENOTFOUND}: a pin or board id (or attribute name) is not in the graph. */
    public static final int ENOTFOUND = -30995;
    /** {@code BW_ENOMEM}: memory ran out. */
    public static final int ENOMEM = -30994;
    /** {@code BW_EEMPTY}: the query has no pin or board to walk from. */
    public static final int EEMPTY = -30993;
    /** {@code BW_ERANGE}: an index is out of range. */
    public static final int ERANGE = -30992;
    /** {@code BW_ELIMIT}: a hard limit was reached. */
    public static final int ELIMIT = -30991;
    /** {@code BW_ENODATA}: the graph has no such data. */
    public static final int ENODATA = -30990;

    /** {@code BW_ERRCODE_FIRST} and {@code BW_ERRCODE_LAST}: Boardwalk's own range. */
    public static final int FIRST = -30999;
    /** See {@link #FIRST}. */
    public static final int LAST = -30990;
    /** LMDB's range ({@code MDB_KEYEXIST} ... {@code MDB_LAST_ERRCODE}). */
    static final int MDB_FIRST = -30799;
    static final int MDB_LAST = -30779;
}
