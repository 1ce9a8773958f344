package org.boardwalk;

/** The graph file is truncated, damaged or inconsistent ({@code BW_ECORRUPT}). */
public class CorruptGraphException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    CorruptGraphException(int code, String message) {
        super(code, message);
    }
}
