package org.boardwalk;

/**
 * The graph (or live graph) was closed before this call: C would see a NULL handle, so the code
 * is {@code BW_EINVAL}.
 */
public class GraphClosedException extends InvalidArgumentException {
    private static final long serialVersionUID = 1L;

    GraphClosedException(String what) {
        super(ErrorCode.EINVAL, Native.strerror(ErrorCode.EINVAL) + ": the " + what + " is closed");
    }
}
