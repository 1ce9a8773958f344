package org.boardwalk;

import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;

/**
 * The answer to one query: a read-only list of {@link Recommendation}s, best first (for
 * {@link Graph#score}: one per candidate, in candidate order), with what the walk reports about
 * itself. Backed by primitive arrays copied out of the C results in the one native call; a
 * {@code Recommendation} is made when asked for.
 */
public final class Recommendations extends AbstractList<Recommendation> implements RandomAccess {
    private final long[] ids;
    private final double[] scores;
    private final long[] visits;
    private final byte[] kinds;
    private final boolean partial;
    private final long steps;
    private final long elapsedMicros;
    private final List<NodeRef> unknown;

    // Called from C (boardwalk_jni.c): the arrays are its own, not shared.
    Recommendations(long[] ids, double[] scores, long[] visits, byte[] kinds, boolean partial, long steps,
            long elapsedMicros, long[] unknownIds, byte[] unknownKinds) {
        this.ids = ids;
        this.scores = scores;
        this.visits = visits;
        this.kinds = kinds;
        this.partial = partial;
        this.steps = steps;
        this.elapsedMicros = elapsedMicros;
        if (unknownIds.length == 0) {
            this.unknown = List.of();
        } else {
            List<NodeRef> u = new ArrayList<>(unknownIds.length);
            for (int i = 0; i < unknownIds.length; i++) u.add(new NodeRef(Kind.of(unknownKinds[i]), unknownIds[i]));
            this.unknown = Collections.unmodifiableList(u);
        }
    }

    @Override
    public Recommendation get(int index) {
        return new Recommendation(ids[index], scores[index], visits[index], Kind.of(kinds[index]));
    }

    @Override
    public int size() {
        return ids.length;
    }

    /** The ids, in order (a copy). */
    public long[] ids() {
        return ids.clone();
    }

    /** The scores, in order (a copy). */
    public double[] scores() {
        return scores.clone();
    }

    /** True when the time budget cut the walk short. */
    public boolean partial() {
        return partial;
    }

    /** Steps walked (pin → board → pin); for the exact method, adjacency entries read. */
    public long steps() {
        return steps;
    }

    /** Wall time of the walk, as the C library measured it (microseconds). */
    public Duration elapsed() {
        return Duration.ofNanos(elapsedMicros * 1000);
    }

    /** Query ids skipped as unknown (lenient mode); empty otherwise. */
    public List<NodeRef> unknown() {
        return unknown;
    }
}
