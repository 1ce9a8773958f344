package org.boardwalk;

/** A hard limit of the C library was reached ({@code BW_ELIMIT}), e.g. too many query nodes. */
public class LimitException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    LimitException(int code, String message) {
        super(code, message);
    }
}
