package org.boardwalk;

/** The query has no known pin or board with a positive weight ({@code BW_EEMPTY}). */
public class EmptyQueryException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    EmptyQueryException(int code, String message) {
        super(code, message);
    }
}
