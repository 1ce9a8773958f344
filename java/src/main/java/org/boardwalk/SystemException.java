package org.boardwalk;

/** An operating-system error (a positive {@code errno} value, e.g. {@code ENOENT} for a missing file). */
public class SystemException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    SystemException(int code, String message) {
        super(code, message);
    }
}
