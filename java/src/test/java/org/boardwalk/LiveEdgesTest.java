package org.boardwalk;

import static org.boardwalk.TestGraphs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** LiveGraph's live edges from Java: adds, removals, hides, the cap, statistics and bad input. */
class LiveEdgesTest {
    static final long NEW = 990000000000000001L; // not in the sample
    static final long MAX = -1L; // 2^64-1: an id like any other

    /** The boards a walk from DEMO visits most: its neighbourhood, without a neighbour API. */
    static long[] boardsNearDemo(LiveGraph live, int n) {
        Recommendations r = live.recommend(Query.builder().pin(DEMO).includeBoards(true).top(500).seed(9).build());
        return r.stream().filter(x -> x.kind() == Kind.BOARD).limit(n).mapToLong(Recommendation::id).toArray();
    }

    static boolean recommends(LiveGraph live, long pin) {
        return live.recommend(Query.builder().pin(DEMO).top(100).seed(3).build()).stream().anyMatch(x -> x.id() == pin);
    }

    static long[] filled(int n, long v) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void withoutLiveEdgesTheAnswersAreTheGraphs() {
        Query q = Query.builder().pin(DEMO).top(30).seed(11).build();
        Query exact = Query.builder().pin(DEMO).method(Method.EXACT).top(30).build();
        try (Graph g = Graph.open(sample()); LiveGraph live = LiveGraph.open(sample())) {
            assertEquals(g.recommend(q), live.recommend(q));
            assertEquals(g.recommend(exact), live.recommend(exact));
            LiveStats s = live.liveStats();
            assertEquals(0, s.edges());
            assertEquals(1L << 28, s.maxEdges(), "BW_LIVE_DEFAULT_MAX_EDGES");
        }
    }

    @Test
    void addRemoveHide() {
        try (LiveGraph live = LiveGraph.open(sample())) {
            long[] boards = boardsNearDemo(live, 20);
            assertEquals(20, boards.length);
            assertFalse(recommends(live, NEW));
            assertThrows(UnknownNodeException.class, () -> live.recommend(Query.builder().pin(NEW).build()));

            // Freshness: a new pin saved to 20 boards of DEMO's neighbourhood in one call.
            long[] times = filled(20, 2000);
            LiveAddResult a = live.addEdges(filled(20, NEW), boards, times);
            assertEquals(new LiveAddResult(20, 0, 0), a);
            assertTrue(recommends(live, NEW), "the new pin is in DEMO's next top 100");
            assertFalse(live.recommend(Query.builder().pin(NEW).top(10).seed(1).build()).isEmpty(), "and queryable");
            try (Graph base = live.current()) {
                assertFalse(base.recommend(Query.builder().pin(DEMO).top(100).seed(3).build()).stream()
                        .anyMatch(x -> x.id() == NEW), "the base graph alone does not see live edges");
            }

            // Duplicates count once, as does an edge of the base.
            Recommendations near = live.recommend(Query.builder().pin(DEMO).top(5).seed(2).build());
            assertEquals(new LiveAddResult(0, 2, 0), live.addEdges(new long[] {NEW, NEW}, new long[] {boards[0], boards[1]}));
            // 2^64-1 is an id like any other (a long's bits), as a new pin and a new board.
            assertEquals(new LiveAddResult(2, 0, 0), live.addEdges(new long[] {MAX, NEW}, new long[] {boards[0], MAX}));
            LiveStats s = live.liveStats();
            assertEquals(22, s.edges());
            assertEquals(2, s.newPins());
            assertEquals(1, s.newBoards());
            assertEquals(1, s.segments());

            // Removal: the new pin's edges go, and it is unknown again (the error names it, not a base pin).
            LiveRemoveResult r = live.removeEdges(filled(21, NEW), java.util.stream.LongStream.concat(
                    java.util.Arrays.stream(boards), java.util.stream.LongStream.of(MAX)).toArray());
            assertEquals(new LiveRemoveResult(21, 0), r);
            assertEquals(new LiveRemoveResult(0, 1), live.removeEdges(new long[] {123}, new long[] {456}));
            assertFalse(recommends(live, NEW));
            UnknownNodeException u = assertThrows(UnknownNodeException.class,
                    () -> live.recommend(Query.builder().pin(MAX).pin(NEW).build()));
            assertEquals(NEW, u.id(), u.getMessage());
            assertEquals(Kind.PIN, u.kind());

            // Hiding: a pin of DEMO's answer is never a result again; its later edges are refused.
            long victim = near.get(0).id();
            live.hide(Kind.PIN, victim);
            assertFalse(recommends(live, victim));
            assertEquals(new LiveAddResult(0, 0, 1), live.addEdges(new long[] {victim}, new long[] {boards[0]}));
            live.hide(Kind.BOARD, 4242); // an id not seen yet is hidden in advance
            assertEquals(new LiveAddResult(0, 0, 1), live.addEdges(new long[] {NEW}, new long[] {4242}));
            assertEquals(2, live.liveStats().hidden());

            // A swap keeps live edges (the sample has no watermark) and hidden nodes.
            live.addEdges(filled(20, NEW), boards, times);
            long before = live.liveStats().edges();
            live.swap(sample());
            assertEquals(before, live.liveStats().edges());
            assertTrue(recommends(live, NEW));
            assertFalse(recommends(live, victim));
        }
    }

    @Test
    void theCap() {
        try (LiveGraph live = LiveGraph.open(sample())) {
            long[] boards = boardsNearDemo(live, 8);
            live.setMaxEdges(8);
            assertEquals(8, live.liveStats().maxEdges());
            LimitException e = assertThrows(LimitException.class, () -> live.addEdges(new long[9], new long[9]));
            assertEquals(ErrorCode.ELIMIT, e.code());
            assertTrue(e.getMessage().contains("9 edges in one call"), e.getMessage());
            assertEquals(0, live.liveStats().edges(), "nothing of a refused batch is added");
            // Past the cap the oldest segment (2 edges) expires whole.
            for (int i = 0; i < 5; i++) live.addEdges(new long[] {NEW + 2 * i, NEW + 2 * i + 1}, new long[] {boards[i], boards[i]});
            LiveStats s = live.liveStats();
            assertTrue(s.expired() >= 2 && s.edges() <= 8, s.toString());
            InvalidArgumentException range = assertThrows(InvalidArgumentException.class, () -> live.setMaxEdges(1));
            assertTrue(range.getMessage().contains("must be in 4 ... 1099511627776, not 1"), range.getMessage());
            assertThrows(InvalidArgumentException.class, () -> live.setMaxEdges(-1));
            LimitException below = assertThrows(LimitException.class, () -> live.setMaxEdges(4));
            assertTrue(below.getMessage().contains("below the live edges held"), below.getMessage());
        }
    }

    @Test
    void badInput() {
        LiveGraph live = LiveGraph.open(sample());
        try {
            assertThrows(NullPointerException.class, () -> live.addEdges(null, new long[1]));
            assertThrows(NullPointerException.class, () -> live.addEdges(new long[1], null, new long[1]));
            assertThrows(NullPointerException.class, () -> live.removeEdges(null, new long[1]));
            assertThrows(NullPointerException.class, () -> live.removeEdges(new long[1], null));
            assertThrows(NullPointerException.class, () -> live.hide(null, 1));
            InvalidArgumentException m = assertThrows(InvalidArgumentException.class,
                    () -> live.addEdges(new long[2], new long[1]));
            assertEquals(ErrorCode.EINVAL, m.code());
            assertTrue(m.getMessage().contains("pins and boards differ in length (2, 1)"), m.getMessage());
            InvalidArgumentException t = assertThrows(InvalidArgumentException.class,
                    () -> live.addEdges(new long[2], new long[2], new long[3]));
            assertTrue(t.getMessage().contains("pins, boards and times differ in length (2, 2, 3)"), t.getMessage());
            assertThrows(InvalidArgumentException.class, () -> live.removeEdges(new long[1], new long[0]));
            assertEquals(new LiveAddResult(0, 0, 0), live.addEdges(new long[0], new long[0]));
            assertEquals(0, live.liveStats().edges(), "refused calls add nothing");
        } finally {
            live.close();
        }
        assertThrows(GraphClosedException.class, () -> live.addEdges(new long[1], new long[1]));
        assertThrows(GraphClosedException.class, () -> live.removeEdges(new long[1], new long[1]));
        assertThrows(GraphClosedException.class, () -> live.hide(Kind.PIN, 1));
        assertThrows(GraphClosedException.class, () -> live.setMaxEdges(100));
        assertThrows(GraphClosedException.class, live::liveStats);
    }

    @Test
    void oneWriterAndQueryThreads() throws Exception {
        try (LiveGraph live = LiveGraph.open(sample())) {
            long[] boards = boardsNearDemo(live, 30);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> readers = new ArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            for (int t = 0; t < 4; t++) {
                final int seed = t;
                readers.add(new Thread(() -> {
                    try {
                        for (int i = 0; !stop.get(); i++) {
                            assertFalse(live.recommend(Query.builder().pin(DEMO).steps(5000).seed(seed * 1000 + i).build()).isEmpty());
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            readers.forEach(Thread::start);
            long added = 0;
            for (int batch = 0; batch < 200; batch++) {
                long[] p = new long[30], b = new long[30];
                for (int i = 0; i < 30; i++) {
                    p[i] = NEW + batch * 30L + i;
                    b[i] = boards[(batch + i) % boards.length];
                }
                added += live.addEdges(p, b).added();
                if (batch % 10 == 9) live.removeEdges(p, b);
            }
            stop.set(true);
            for (Thread t : readers) t.join(30_000);
            assertNull(failure.get());
            assertEquals(6000, added);
            assertEquals(6000, live.liveStats().edges(), "removed live edges are held until they expire");
            assertEquals(600, live.liveStats().removed());
        }
    }
}
