package org.boardwalk;

/**
 * A pin or board id, e.g. a query id a lenient query skipped as unknown.
 *
 * @param kind pin or board
 * @param id the id (unsigned 64-bit in a long)
 */
public record NodeRef(Kind kind, long id) {}
