package org.boardwalk;

/**
 * What {@link LiveGraph#removeEdges} did with a batch ({@code bw_live_remove_edges}'s counts).
 *
 * @param removed edges that stopped being walked
 * @param missing edges not in the graph (never added, already removed, unknown ids)
 */
public record LiveRemoveResult(long removed, long missing) {}
