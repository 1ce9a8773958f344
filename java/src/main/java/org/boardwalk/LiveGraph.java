package org.boardwalk;

import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A hot-swappable graph with live edges ({@code bw_live}): the graph a service queries, replaced
 * while queries run, plus the edges added and removed since it was built. {@link #swap} opens a
 * new file and switches to it atomically; a query that started before finishes on the old graph,
 * which is unmapped when the last such query ends; a file that fails to open never replaces the
 * current one.
 *
 * <p>Live edges ({@link #addEdges}, {@link #removeEdges}, {@link #hide}): queries walk the base
 * plus the live edges minus the removed ones, exactly the walk on a graph rebuilt from that edge
 * set; new pins and boards are nodes at once, without attributes. Edges are kept in time-ordered
 * segments; past the cap ({@link #setMaxEdges}) the oldest segment is dropped whole. A swap keeps
 * the live edges newer than the new file's watermark, removals it still needs and hidden nodes.
 * One writer at a time (adds, removals, hides, swaps wait for each other); queries never wait for
 * a writer, and see each edge as soon as it is published (not a whole batch at once). The
 * semantics are the C library's: boardwalk.h, "Live edges".
 *
 * <p>Every method is thread-safe, {@link #close()} included (it takes effect when the calls in
 * progress end; later calls throw {@link GraphClosedException}).
 */
public final class LiveGraph implements AutoCloseable {
    private final NativeRef ref;
    private final Cleaner.Cleanable cleanable;

    private LiveGraph(long handle) {
        ref = new NativeRef(handle, true);
        cleanable = Native.CLEANER.register(this, ref);
    }

    /** Opens {@code path} as the live graph, without verification. */
    public static LiveGraph open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /** Opens {@code path} as the live graph ({@code bw_live_open}). */
    public static LiveGraph open(Path path, OpenOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        return new LiveGraph(Native.nLiveOpen(Native.cPath(path), options.flags()));
    }

    /** Opens {@code path} and makes it the live graph ({@code bw_live_swap}); on failure nothing changes. */
    public void swap(Path path, OpenOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        long l = ref.acquire();
        try {
            Native.nLiveSwap(l, Native.cPath(path), options.flags());
        } finally {
            ref.release();
        }
    }

    /** {@code swap(path, OpenOptions.verified())}: verification is the safe default for a swap. */
    public void swap(Path path) {
        swap(path, OpenOptions.verified());
    }

    /** {@link Graph#recommend} on the current graph and its live edges ({@code bw_live_recommend}). */
    public Recommendations recommend(Query query) {
        return ref.run(query, 1);
    }

    /** {@link Graph#score} on the current graph and its live edges ({@code bw_live_score}). */
    public Recommendations score(Query query) {
        return ref.run(query, 2);
    }

    /**
     * Adds live edges, edge i being ({@code pins[i]}, {@code boards[i]}) at {@code times[i]}: they
     * are walked by the next query. Ids and times are unsigned 64-bit values in a {@code long}'s
     * bits ({@link Long#parseUnsignedLong}); a time is in the host's unit, as the build's
     * watermark. One native call for the batch.
     *
     * @param times one time per edge, or null: newer than any watermark
     * @return how many were added, duplicates (already live or in the base) and refused (a hidden
     *     pin or board)
     * @throws NullPointerException {@code pins} or {@code boards} is null
     * @throws InvalidArgumentException the arrays differ in length
     * @throws LimitException more edges than the cap (nothing added), or the graph is at its limit
     *     of nodes
     * @throws NoMemoryException memory ran out; the edges before stay added
     * @throws GraphClosedException the live graph was closed
     */
    public LiveAddResult addEdges(long[] pins, long[] boards, long[] times) {
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(boards, "boards");
        long l = ref.acquire();
        try {
            long[] c = Native.nLiveAddEdges(l, pins, boards, times);
            return new LiveAddResult(c[0], c[1], c[2]);
        } finally {
            ref.release();
        }
    }

    /** {@code addEdges(pins, boards, null)}: edges newer than any watermark. */
    public LiveAddResult addEdges(long[] pins, long[] boards) {
        return addEdges(pins, boards, null);
    }

    /**
     * Removes edges, base or live: they stop being walked at once. Removing every edge of a node
     * takes it out of the graph. One native call for the batch.
     *
     * @return how many were removed, and how many were not in the graph
     * @throws NullPointerException an array is null
     * @throws InvalidArgumentException the arrays differ in length
     * @throws NoMemoryException memory ran out; the edges before stay removed
     * @throws GraphClosedException the live graph was closed
     */
    public LiveRemoveResult removeEdges(long[] pins, long[] boards) {
        Objects.requireNonNull(pins, "pins");
        Objects.requireNonNull(boards, "boards");
        long l = ref.acquire();
        try {
            long[] c = Native.nLiveRemoveEdges(l, pins, boards);
            return new LiveRemoveResult(c[0], c[1]);
        } finally {
            ref.release();
        }
    }

    /**
     * Hides a pin or a board outright (a moderation takedown): its edges are removed, it is never
     * a result nor walked through, and later edges to it are refused, also after a swap. An id not
     * seen yet is hidden in advance. There is no unhide.
     *
     * @throws NullPointerException {@code kind} is null
     * @throws LimitException the graph is at its limit of nodes
     * @throws GraphClosedException the live graph was closed
     */
    public void hide(Kind kind, long id) {
        Objects.requireNonNull(kind, "kind");
        long l = ref.acquire();
        try {
            Native.nLiveHide(l, kind.ordinal(), id);
        } finally {
            ref.release();
        }
    }

    /**
     * Sets the cap on live edges (the range and default are the C library's:
     * {@code BW_LIVE_MIN_MAX_EDGES} ... {@code BW_LIVE_MAX_MAX_EDGES}, default
     * {@code BW_LIVE_DEFAULT_MAX_EDGES}, 2^28), rounded down to a multiple of the segment count.
     *
     * @throws InvalidArgumentException out of range
     * @throws LimitException below the live edges held
     * @throws GraphClosedException the live graph was closed
     */
    public void setMaxEdges(long maxEdges) {
        long l = ref.acquire();
        try {
            Native.nLiveSetMaxEdges(l, maxEdges);
        } finally {
            ref.release();
        }
    }

    /**
     * The live delta's counters. Waits for a writer that is running (the C library reads them
     * under the writer's lock).
     *
     * @throws GraphClosedException the live graph was closed
     */
    public LiveStats liveStats() {
        long l = ref.acquire();
        try {
            return LiveStats.of(Native.nLiveStats(l));
        } finally {
            ref.release();
        }
    }

    /** The current graph with a reference of its own (close it when done); a later swap does not affect it. It does not see live edges. */
    public Graph current() {
        long l = ref.acquire();
        try {
            return Graph.ofHandle(Native.nLiveAcquire(l), null);
        } finally {
            ref.release();
        }
    }

    /** Number of graphs made live after the first. */
    public long generation() {
        long l = ref.acquire();
        try {
            return Native.nLiveGeneration(l);
        } finally {
            ref.release();
        }
    }

    /** Drops the live graph; graphs from {@link #current()} stay open until closed. Idempotent. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
