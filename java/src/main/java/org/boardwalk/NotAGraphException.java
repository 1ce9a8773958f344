package org.boardwalk;

/** The file is not a Boardwalk graph ({@code BW_ENOTGRAPH}). */
public class NotAGraphException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    NotAGraphException(int code, String message) {
        super(code, message);
    }
}
