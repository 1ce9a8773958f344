package org.boardwalk;

import static org.boardwalk.TestGraphs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {
    /** 8 threads query one graph while another closes it: every call either answers (the same
     * answer as a single thread) or throws GraphClosedException; nothing else, no crash. */
    @Test
    void eightThreadsAndAClose() throws Exception {
        Query q = Query.builder().pin(DEMO).pin(OTHER, 0.5).top(20).seed(9).steps(20000).build();
        Recommendations expected;
        try (Graph g = Graph.open(sample())) {
            expected = g.recommend(q);
        }
        for (int round = 0; round < 10; round++) {
            Graph g = Graph.open(sample());
            CountDownLatch start = new CountDownLatch(1);
            AtomicInteger answered = new AtomicInteger(), refused = new AtomicInteger();
            AtomicReference<Throwable> wrong = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        for (;;) {
                            Recommendations r = g.recommend(q);
                            if (!r.equals(expected)) throw new AssertionError("different answer");
                            answered.incrementAndGet();
                        }
                    } catch (GraphClosedException e) {
                        refused.incrementAndGet();
                    } catch (Throwable e) {
                        wrong.compareAndSet(null, e);
                    }
                });
                th.start();
                threads.add(th);
            }
            start.countDown();
            Thread.sleep(20 + round * 3);
            Thread closer = new Thread(g::close);
            closer.start();
            closer.join();
            for (Thread th : threads) th.join(30_000);
            if (wrong.get() != null) throw new AssertionError("round " + round, wrong.get());
            assertEquals(8, refused.get(), "every thread ends with GraphClosedException");
            assertTrue(answered.get() > 0);
        }
    }

    /** Swaps while 4 threads query a LiveGraph. */
    @Test
    void swapsUnderLoad() throws Exception {
        Query q = Query.builder().pin(DEMO).top(10).seed(2).steps(10000).build();
        try (LiveGraph live = LiveGraph.open(sample())) {
            Recommendations expected = live.recommend(q);
            AtomicReference<Throwable> wrong = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            var stop = new java.util.concurrent.atomic.AtomicBoolean();
            for (int t = 0; t < 4; t++) {
                Thread th = new Thread(() -> {
                    try {
                        while (!stop.get()) assertEquals(expected, live.recommend(q));
                    } catch (Throwable e) {
                        wrong.compareAndSet(null, e);
                    }
                });
                th.start();
                threads.add(th);
            }
            for (int i = 0; i < 50; i++) live.swap(sample(), OpenOptions.defaults());
            stop.set(true);
            for (Thread th : threads) th.join(30_000);
            if (wrong.get() != null) throw new AssertionError(wrong.get());
            assertEquals(50, live.generation());
        }
    }
}
