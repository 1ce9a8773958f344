package org.boardwalk;

import static org.boardwalk.TestGraphs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Thousands of open/close and query cycles: resident memory (VmRSS of /proc/self/status) and open
 * file descriptors (/proc/self/fd) stay flat. Tolerance: after a warm-up of the same work (JIT,
 * heap growth, the C library's per-thread scratch), RSS may grow by at most 8 MiB over 4,000
 * open/close cycles and 20,000 queries (each with a failing one) (a leak of even one bw_query or bw_results per call, a
 * few hundred bytes, would add several MiB; a leaked map of the graph, its size each time), and
 * the descriptor count must not grow at all.
 */
class LeakTest {
    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }

    static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    static void work(int cycles, int queries) {
        Query q = Query.builder().pin(DEMO).pin(OTHER, 0.5).top(50).steps(2000).seed(1).build();
        Query lenient = Query.builder().pin(DEMO).pin(123).board(77).lenient(true).top(50).steps(2000).build();
        for (int i = 0; i < cycles; i++) {
            try (Graph g = Graph.open(sample())) {
                g.recommend(q);
                g.stats();
            }
            try (LiveGraph l = LiveGraph.open(sample())) {
                l.recommend(q);
            }
            try {
                Graph.open(sample().resolveSibling("no-such.bwg"));
            } catch (SystemException expected) {
            }
        }
        try (Graph g = Graph.open(sample())) {
            for (int i = 0; i < queries; i++) {
                g.recommend(i % 2 == 0 ? q : lenient);
                try {
                    g.recommend(Query.builder().pin(123).build());
                } catch (UnknownNodeException expected) {
                }
                if (i % 100 == 0) g.title(DEMO);
            }
        }
    }

    @Test
    void flatOverThousandsOfCycles() throws Exception {
        work(1000, 5000);
        System.gc();
        long rss0 = rssKiB(), fd0 = fds();
        work(4000, 20000);
        System.gc();
        long rss1 = rssKiB(), fd1 = fds();
        System.out.printf("leak check: RSS %d -> %d KiB (%+d), fds %d -> %d%n", rss0, rss1, rss1 - rss0, fd0, fd1);
        assertTrue(rss1 - rss0 <= 8 * 1024, "RSS grew by " + (rss1 - rss0) + " KiB");
        assertTrue(fd1 <= fd0, "open descriptors grew from " + fd0 + " to " + fd1);
    }
}
