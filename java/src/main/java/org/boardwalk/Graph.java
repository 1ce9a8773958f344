package org.boardwalk;

import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * An open graph file ({@code bw_graph}). Thread-safe: any number of threads may query one graph
 * at once, and {@link #close()} may be called while they do: it returns at once, queries already
 * running finish, the file is unmapped when the last one ends, and calls started after the close
 * throw {@link GraphClosedException} (see the reference scheme in the package's NativeRef). A
 * graph that is never closed is closed by a {@link Cleaner} once unreachable; close it yourself
 * (try-with-resources) to unmap the file when you choose.
 */
public final class Graph implements AutoCloseable {
    private final NativeRef ref;
    private final Cleaner.Cleanable cleanable;
    private final Path path;

    private Graph(long handle, Path path) {
        this.ref = new NativeRef(handle, false);
        this.cleanable = Native.CLEANER.register(this, ref);
        this.path = path;
    }

    /** Opens a graph file without full verification ({@code bw_graph_open_ex}, flags 0). */
    public static Graph open(Path path) {
        return open(path, OpenOptions.defaults());
    }

    /**
     * Opens a graph file.
     *
     * @throws SystemException the file cannot be read (code: errno, e.g. ENOENT)
     * @throws NotAGraphException not a Boardwalk graph
     * @throws CorruptGraphException damaged (with verification: any checksum or structure failure)
     */
    public static Graph open(Path path, OpenOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        return new Graph(Native.nOpen(Native.cPath(path), options.flags()), path);
    }

    // A graph acquired from a LiveGraph (a reference of its own).
    static Graph ofHandle(long handle, Path path) {
        return new Graph(handle, path);
    }

    /** The path the graph was opened with. */
    public Path path() {
        return path;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return ref.isClosed();
    }

    /** Statistics. */
    public GraphStats stats() {
        long g = ref.acquire();
        try {
            return GraphStats.of(Native.nStats(g));
        } finally {
            ref.release();
        }
    }

    /**
     * Runs the query's random walk (or exact method) and returns its top pins, best first.
     *
     * @throws UnknownNodeException a query id is not in the graph (strict mode)
     * @throws EmptyQueryException no known node with a positive weight
     * @throws GraphClosedException the graph was closed
     */
    public Recommendations recommend(Query query) {
        return ref.run(query, 1);
    }

    /** The same walk, returning one entry per candidate of the query, in candidate order. */
    public Recommendations score(Query query) {
        return ref.run(query, 2);
    }

    /**
     * A node's title, empty when it has none or the graph has no titles of that kind.
     *
     * @throws NotFoundException the id is not in the graph
     */
    public Optional<String> title(Kind kind, long id) {
        Objects.requireNonNull(kind, "kind");
        long g = ref.acquire();
        try {
            byte[] t = Native.nTitle(g, kind.ordinal(), id);
            return t == null || t.length == 0 ? Optional.empty() : Optional.of(new String(t, StandardCharsets.UTF_8));
        } finally {
            ref.release();
        }
    }

    /** A pin's title ({@code title(Kind.PIN, id)}). */
    public Optional<String> title(long pinId) {
        return title(Kind.PIN, pinId);
    }

    /** Drops this graph's reference; idempotent; safe while other threads query it. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
