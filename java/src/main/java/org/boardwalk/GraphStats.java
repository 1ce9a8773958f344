package org.boardwalk;

import java.util.OptionalLong;

/**
 * A graph's statistics ({@code bw_graph_stat}), read in one native call.
 *
 * @param formatVersion graph format version
 * @param pins number of pins
 * @param boards number of boards
 * @param edges distinct edges
 * @param fileBytes size of the file
 * @param maxPinDegree largest pin degree
 * @param maxBoardDegree largest board degree
 * @param chunkBytes chunk size
 * @param createdUnix build time, Unix seconds
 * @param fingerprint order-independent hash of the edge set
 * @param duplicateEdges input edges collapsed by the builder
 * @param invalidLines input lines skipped by the builder
 * @param hasPinTitles pins have titles
 * @param hasBoardTitles boards have titles
 * @param hasAttributes nodes have language and topic attributes
 * @param chunks chunk records in the file
 * @param copiedBytes bytes copied at open
 * @param watermark newest edge time, when the graph was built with one
 */
public record GraphStats(long formatVersion, long pins, long boards, long edges, long fileBytes, long maxPinDegree,
        long maxBoardDegree, long chunkBytes, long createdUnix, long fingerprint, long duplicateEdges,
        long invalidLines, boolean hasPinTitles, boolean hasBoardTitles, boolean hasAttributes, long chunks,
        long copiedBytes, OptionalLong watermark) {

    static GraphStats of(long[] s) {
        // s[0]: bit i set when statistic i was available; s[i]: BW_STAT_* i.
        OptionalLong wm = (s[0] & (1L << 18)) != 0 ? OptionalLong.of(s[18]) : OptionalLong.empty();
        return new GraphStats(s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], s[10], s[11], s[12], s[13] != 0,
                s[14] != 0, s[15] != 0, s[16], s[17], wm);
    }
}
