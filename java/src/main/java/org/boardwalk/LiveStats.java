package org.boardwalk;

/**
 * The live delta's counters ({@code bw_live_stat}, {@code BW_LIVE_STAT_*}), read in one native call.
 *
 * @param edges live edges held (removed ones until they expire)
 * @param removed removed edges, base and live
 * @param newPins pins the base does not have
 * @param newBoards boards the base does not have
 * @param hidden hidden pins and boards
 * @param expired live edges dropped by expiry, in total
 * @param maxEdges the cap on live edges ({@link LiveGraph#setMaxEdges})
 * @param bytes heap bytes of the delta, approximately
 * @param segments segments in use
 */
public record LiveStats(long edges, long removed, long newPins, long newBoards, long hidden, long expired,
        long maxEdges, long bytes, long segments) {

    static LiveStats of(long[] s) {
        return new LiveStats(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]);
    }
}
