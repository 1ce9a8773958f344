package org.boardwalk;

/** The graph has no such data ({@code BW_ENODATA}): no titles, no attributes, no watermark. */
public class NoDataException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    NoDataException(int code, String message) {
        super(code, message);
    }
}
