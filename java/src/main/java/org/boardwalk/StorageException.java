package org.boardwalk;

/** An LMDB error code ({@code -30799 ... -30779}). */
public class StorageException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    StorageException(int code, String message) {
        super(code, message);
    }
}
