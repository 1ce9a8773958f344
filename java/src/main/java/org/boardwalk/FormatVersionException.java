package org.boardwalk;

/** The graph file has another format version ({@code BW_EVERSION}). */
public class FormatVersionException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    FormatVersionException(int code, String message) {
        super(code, message);
    }
}
