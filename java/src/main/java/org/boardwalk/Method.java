package org.boardwalk;

/** How a query is answered ({@code bw_query_set_method}). */
public enum Method {
    /** {@code BW_METHOD_WALK}: the Pixie random walk (default). */
    WALK,
    /** {@code BW_METHOD_EXACT}: exact 3-step scores (P3alpha; RP3beta with a popularity penalty). */
    EXACT
}
