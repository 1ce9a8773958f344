package org.boardwalk;

import java.lang.ref.Cleaner;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A hot-swappable graph ({@code bw_live}): the graph a service queries, replaced while queries
 * run. {@link #swap} opens a new file and switches to it atomically; a query that started before
 * finishes on the old graph, which is unmapped when the last such query ends; a file that fails
 * to open never replaces the current one. Every method is thread-safe, {@link #close()} included
 * (it takes effect when the calls in progress end).
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

    /** {@link Graph#recommend} on the current graph. */
    public Recommendations recommend(Query query) {
        return ref.run(query, 1);
    }

    /** {@link Graph#score} on the current graph. */
    public Recommendations score(Query query) {
        return ref.run(query, 2);
    }

    /** The current graph with a reference of its own (close it when done); a later swap does not affect it. */
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
