package org.boardwalk;

/**
 * One result: a pin (or board) id, its score and visit count.
 *
 * @param id the pin or board id (unsigned 64-bit in a long; {@link Long#toUnsignedString(long)})
 * @param score its score (with the popularity penalty, if any)
 * @param visits walk visits (exact method: boards it was reached through)
 * @param kind pin, or board when the query includes boards
 */
public record Recommendation(long id, double score, long visits, Kind kind) {}
