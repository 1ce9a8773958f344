package org.boardwalk;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A native handle (bw_graph or bw_live) shared by the Java threads that call through it.
 *
 * <p>The scheme is the C library's own reference counting, done on the Java side: the owner holds
 * one count; every native call takes one more ({@link #acquire}) for its duration and drops it
 * after ({@link #release}); {@link #close} drops the owner's. The handle is freed (bw_graph_close,
 * bw_live_close) by whichever drop is the last, so closing a graph while other threads query it
 * returns at once and the graph is freed when the last query ends; a call that starts after the
 * close (closed flag set) fails with {@link GraphClosedException} and never sees a freed pointer (once the count is
 * 0 it cannot be raised again). This is equivalent to bw_graph_retain per call and cheaper: one
 * compare-and-set in Java, no extra native call. It also gives bw_live_close() the guarantee it
 * needs (no other thread using the bw_live).
 *
 * <p>Also the {@link java.lang.ref.Cleaner} action of its owner: a graph that is never closed is
 * closed when it becomes unreachable (the leak tests close explicitly; this is a safety net).
 */
final class NativeRef implements Runnable {
    private final long ptr;
    private final boolean live;
    private final String what;
    private final AtomicInteger users = new AtomicInteger(1);
    private final AtomicBoolean closed = new AtomicBoolean();

    NativeRef(long ptr, boolean live) {
        this.ptr = ptr;
        this.live = live;
        this.what = live ? "live graph" : "graph";
    }

    long acquire() {
        for (;;) {
            int u = users.get();
            if (u <= 0 || closed.get()) throw new GraphClosedException(what);
            if (users.compareAndSet(u, u + 1)) return ptr;
        }
    }

    void release() {
        if (users.decrementAndGet() == 0) {
            if (live) Native.nLiveClose(ptr); else Native.nClose(ptr);
        }
    }

    /** Runs a query through this handle (op 1: recommend, 2: score), holding a count meanwhile. */
    Recommendations run(Query query, int op) {
        java.util.Objects.requireNonNull(query, "query");
        long p = acquire();
        try {
            return live ? query.run(0, p, op) : query.run(p, 0, op);
        } finally {
            release();
        }
    }

    boolean isClosed() {
        return closed.get();
    }

    @Override
    public void run() {
        if (closed.compareAndSet(false, true)) release();
    }
}
