package org.boardwalk;

/** An index is out of range ({@code BW_ERANGE}). */
public class IndexRangeException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    IndexRangeException(int code, String message) {
        super(code, message);
    }
}
