package org.boardwalk;

import static org.boardwalk.TestGraphs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class GraphTest {
    @Test
    void statsOfTheSample() {
        try (Graph g = Graph.open(sample())) {
            GraphStats s = g.stats();
            assertTrue(s.pins() > 0 && s.boards() > 0 && s.edges() > 0, s.toString());
            assertTrue(s.hasPinTitles());
            assertTrue(s.hasAttributes());
            assertTrue(s.watermark().isEmpty(), "the sample has no watermark");
            assertEquals(sample(), g.path());
        }
    }

    @Test
    void recommendIsDeterministicAndReadOnly() {
        Query q = Query.builder().pin(DEMO, 1.0).top(20).seed(1).build();
        try (Graph g = Graph.open(sample(), OpenOptions.verified())) {
            Recommendations a = g.recommend(q), b = g.recommend(q);
            assertEquals(20, a.size());
            assertEquals(a, b);
            assertFalse(a.partial());
            assertTrue(a.steps() > 0);
            assertTrue(a.elapsed().compareTo(Duration.ZERO) >= 0);
            assertTrue(a.unknown().isEmpty());
            for (int i = 1; i < a.size(); i++) assertTrue(a.get(i - 1).score() >= a.get(i).score());
            for (Recommendation r : a) {
                assertEquals(Kind.PIN, r.kind());
                assertNotEquals(DEMO, r.id(), "query pins are never returned");
                assertTrue(r.visits() > 0);
            }
            assertThrows(UnsupportedOperationException.class, () -> a.add(a.get(0)));
            assertThrows(UnsupportedOperationException.class, () -> a.remove(0));
            assertThrows(UnsupportedOperationException.class, () -> a.set(0, a.get(1)));
            assertThrows(IndexOutOfBoundsException.class, () -> a.get(20));
            long[] ids = a.ids();
            ids[0] = 0;
            assertNotEquals(0, a.get(0).id(), "ids() is a copy");
            assertTrue(g.title(a.get(0).id()).isPresent());
            assertNotEquals(a, g.recommend(Query.builder().pin(DEMO).top(20).seed(2).build()));
        }
    }

    @Test
    void scoreInCandidateOrder() {
        try (Graph g = Graph.open(sample())) {
            Recommendations top = g.recommend(Query.builder().pin(DEMO).top(5).seed(3).build());
            long[] cand = {top.get(4).id(), 42L, top.get(0).id()};
            Recommendations s = g.score(Query.builder().pin(DEMO).seed(3).candidates(cand).build());
            assertEquals(3, s.size());
            assertEquals(cand[0], s.get(0).id());
            assertEquals(42L, s.get(1).id());
            assertEquals(0, s.get(1).visits());
            assertEquals(top.get(4).score(), s.get(0).score());
            assertEquals(top.get(0).score(), s.get(2).score());
        }
    }

    @Test
    void parametersReachTheWalk() {
        try (Graph g = Graph.open(sample())) {
            Recommendations r = g.recommend(Query.builder().pin(DEMO, 2).board(BOARD, 0.5).steps(5000).restart(0.3)
                    .noEarlyStop().boost(false).popularityPenalty(0).top(15).seed(4).build());
            assertEquals(15, r.size());
            assertTrue(r.steps() <= 5000);
            Recommendations boards = g.recommend(Query.builder().pin(DEMO).includeBoards(true).top(200).seed(5).build());
            assertTrue(boards.stream().anyMatch(x -> x.kind() == Kind.BOARD));
            Recommendations fr = g.recommend(Query.builder().pin(DEMO).language("fr").top(10).seed(3).build());
            assertEquals(10, fr.size());
            Recommendations exact = g.recommend(Query.builder().pin(DEMO).pin(OTHER, 0.5).method(Method.EXACT)
                    .exponent(0.75).popularityPenalty(0.5).top(40).build());
            assertFalse(exact.isEmpty());
            long first = g.recommend(Query.builder().pin(DEMO).top(1).seed(1).build()).get(0).id();
            Recommendations ex = g.recommend(Query.builder().pin(DEMO).top(50).seed(1).exclude(first).build());
            assertTrue(ex.stream().noneMatch(x -> x.id() == first));
            Recommendations budget = g.recommend(Query.builder().pin(DEMO).timeBudget(Duration.ofMillis(500)).build());
            assertFalse(budget.isEmpty());
        }
    }

    @Test
    void closedGraph() {
        Graph g = Graph.open(sample());
        Query q = Query.builder().pin(DEMO).build();
        g.close();
        g.close(); // idempotent
        assertTrue(g.isClosed());
        GraphClosedException e = assertThrows(GraphClosedException.class, () -> g.recommend(q));
        assertEquals(ErrorCode.EINVAL, e.code());
        assertThrows(GraphClosedException.class, g::stats);
        assertThrows(GraphClosedException.class, () -> g.score(q));
        assertThrows(GraphClosedException.class, () -> g.title(DEMO));
    }

    @Test
    void liveGraph() throws Exception {
        Query q = Query.builder().pin(DEMO).top(10).seed(1).build();
        try (LiveGraph live = LiveGraph.open(sample())) {
            assertEquals(0, live.generation());
            Recommendations before = live.recommend(q);
            live.swap(sample());
            assertEquals(1, live.generation());
            assertEquals(before, live.recommend(q));
            assertEquals(1, live.score(Query.builder().pin(DEMO).candidates(new long[] {before.get(0).id()}).seed(1).build()).size());
            try (Graph current = live.current()) {
                assertEquals(before, current.recommend(q));
            }
            java.nio.file.Path bad = java.nio.file.Files.createTempFile("bw", ".bwg");
            try {
                assertThrows(NotAGraphException.class, () -> live.swap(bad));
            } finally {
                java.nio.file.Files.delete(bad);
            }
            assertEquals(1, live.generation(), "a bad file never replaces a good one");
            assertEquals(before, live.recommend(q));
        }
        LiveGraph closed = LiveGraph.open(sample());
        closed.close();
        assertThrows(GraphClosedException.class, () -> closed.recommend(q));
        assertThrows(GraphClosedException.class, closed::generation);
    }

    @Test
    void recommendationsAreValues() {
        Recommendation a = new Recommendation(1, 0.5, 3, Kind.PIN);
        assertEquals(a, new Recommendation(1, 0.5, 3, Kind.PIN));
        assertEquals(List.of(), List.copyOf(List.<Recommendation>of()));
        assertTrue(OpenOptions.verified().verify());
        assertFalse(OpenOptions.defaults().withPrefault(true).verify());
    }
}
