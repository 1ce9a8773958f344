package org.boardwalk;

/** Something named is not in the graph ({@code BW_ENOTFOUND}): an attribute name, or see {@link UnknownNodeException}. */
public class NotFoundException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    NotFoundException(int code, String message) {
        super(code, message);
    }
}
