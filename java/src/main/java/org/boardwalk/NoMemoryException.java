package org.boardwalk;

/** Memory ran out in the C library ({@code BW_ENOMEM}); nothing was changed. */
public class NoMemoryException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    NoMemoryException(int code, String message) {
        super(code, message);
    }
}
