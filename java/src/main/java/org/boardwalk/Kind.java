package org.boardwalk;

/** A node's kind ({@code BW_PIN}, {@code BW_BOARD}). */
public enum Kind {
    /** {@code BW_PIN}. */
    PIN,
    /** {@code BW_BOARD}. */
    BOARD;

    static Kind of(int c) {
        return c == 1 ? BOARD : PIN;
    }
}
