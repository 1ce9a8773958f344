package org.boardwalk;

/**
 * What {@link LiveGraph#addEdges} did with a batch ({@code bw_live_add_edges}'s counts).
 *
 * @param added edges now walked: new, or restored after a removal
 * @param duplicates edges already live or in the base, counted once
 * @param refused edges of a hidden pin or board, not added
 */
public record LiveAddResult(long added, long duplicates, long refused) {}
