package org.boardwalk;

/** An argument is invalid ({@code BW_EINVAL}): the message is the C library's ({@code bw_query_errmsg} for a query parameter). */
public class InvalidArgumentException extends BoardwalkException {
    private static final long serialVersionUID = 1L;

    InvalidArgumentException(int code, String message) {
        super(code, message);
    }
}
