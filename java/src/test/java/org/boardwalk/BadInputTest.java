package org.boardwalk;

import static org.boardwalk.TestGraphs.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gives exceptions (with C's messages), never a JVM crash. */
class BadInputTest {
    @TempDir
    Path tmp;

    static InvalidArgumentException refused(UnaryOperator<Query.Builder> f) {
        return assertThrows(InvalidArgumentException.class, () -> f.apply(Query.builder().pin(DEMO)).build());
    }

    @Test
    void outOfRangeParametersCarryTheCMessage() {
        // The texts are bw_query_errmsg's (query.c); Java checks no range itself.
        assertTrue(refused(b -> b.restart(1.5)).getMessage().endsWith("restart must be in (0, 1], not 1.5"));
        assertTrue(refused(b -> b.steps(0)).getMessage().contains("steps must be an integer from 1 to 1000000000, not 0"));
        assertTrue(refused(b -> b.top(0)).getMessage().contains("top must be an integer from 1 to 1000000, not 0"));
        // A negative Java int is the unsigned C value of its bits.
        assertTrue(refused(b -> b.top(-1)).getMessage().contains("not 4294967295"));
        for (InvalidArgumentException e : new InvalidArgumentException[] {
            refused(b -> b.restart(Double.NaN)), refused(b -> b.popularityPenalty(3)), refused(b -> b.exponent(-1)),
            refused(b -> b.bias(2)), refused(b -> b.earlyStop(0, 4)), refused(b -> b.timeBudget(Duration.ZERO)),
            refused(b -> b.timeBudget(Duration.ofMillis(-5))), refused(b -> b.method(Method.EXACT).bias(0.5)),
            refused(b -> b.pin(OTHER, Double.NaN)), refused(b -> b.pin(OTHER, -1)),
            refused(b -> b.board(BOARD, Double.POSITIVE_INFINITY)), refused(b -> b.steps(-1)),
        }) {
            assertEquals(ErrorCode.EINVAL, e.code());
            String m = e.getMessage();
            assertTrue(m.startsWith(Boardwalk.strerror(ErrorCode.EINVAL) + ": ") && m.length() > 40, m);
        }
        assertTrue(refused(b -> b.pin(OTHER, Double.NaN)).getMessage().contains("must be a finite number >= 0, not nan"));
    }

    @Test
    void unknownIds() {
        try (Graph g = Graph.open(sample())) {
            UnknownNodeException e = assertThrows(UnknownNodeException.class,
                    () -> g.recommend(Query.builder().pin(DEMO).pin(123).build()));
            assertEquals(123, e.id());
            assertEquals(Kind.PIN, e.kind());
            assertEquals(ErrorCode.ENOTFOUND, e.code());
            assertTrue(e.getMessage().contains("pin 123"), e.getMessage());
            UnknownNodeException b = assertThrows(UnknownNodeException.class,
                    () -> g.recommend(Query.builder().pin(DEMO).board(-2).build()));
            assertEquals(Kind.BOARD, b.kind());
            assertTrue(b.getMessage().contains("board 18446744073709551614"), b.getMessage());

            Recommendations r = g.recommend(Query.builder().pin(DEMO).pin(123).board(77).lenient(true).seed(1).build());
            assertFalse(r.isEmpty());
            assertTrue(r.unknown().contains(new NodeRef(Kind.PIN, 123)), r.unknown().toString());
            assertTrue(r.unknown().contains(new NodeRef(Kind.BOARD, 77)), r.unknown().toString());
            assertThrows(EmptyQueryException.class, () -> g.recommend(Query.builder().pin(123).lenient(true).build()));
            assertThrows(EmptyQueryException.class, () -> g.recommend(Query.builder().build()));
            assertThrows(UnknownNodeException.class, () -> g.title(5));
            NotFoundException lang = assertThrows(NotFoundException.class,
                    () -> g.recommend(Query.builder().pin(DEMO).language("xx").build()));
            assertTrue(lang.getMessage().contains("'xx'"), lang.getMessage());
        }
    }

    @Test
    void filesThatAreNotGoodGraphs() throws Exception {
        SystemException missing = assertThrows(SystemException.class, () -> Graph.open(tmp.resolve("none.bwg")));
        assertEquals(2, missing.code()); // ENOENT
        assertTrue(missing.getMessage().contains("none.bwg"), missing.getMessage());
        Path text = Files.writeString(tmp.resolve("text.bwg"), "pin_id\tboard_id\n1\t2\n");
        assertThrows(NotAGraphException.class, () -> Graph.open(text));
        Path empty = Files.createFile(tmp.resolve("empty.bwg"));
        assertThrows(BoardwalkException.class, () -> Graph.open(empty));

        // Flipped bytes: verification must refuse every one; without it, open and queries
        // may succeed (bounded answers) or throw, but never crash.
        byte[] good = Files.readAllBytes(sample());
        java.util.Random rnd = new java.util.Random(7);
        int refusedWithVerify = 0;
        for (int trial = 0; trial < 40; trial++) {
            byte[] bad = good.clone();
            int at = good.length / 4 + rnd.nextInt(good.length / 2);
            for (int k = 0; k < 4 && at + k < bad.length; k++) bad[at + k] ^= (byte) (0x5A + k);
            Path p = tmp.resolve("flipped" + trial + ".bwg");
            Files.write(p, bad);
            try (Graph g = Graph.open(p)) {
                g.stats();
                g.recommend(Query.builder().pin(DEMO).seed(trial).lenient(true).build());
            } catch (BoardwalkException expected) {
                // ECORRUPT, ENOTFOUND, EEMPTY...: an exception, not a crash.
            }
            try (Graph g = Graph.open(p, OpenOptions.verified())) {
                // A flip inside unused page space can leave every checksum intact.
                g.stats();
            } catch (CorruptGraphException | NotAGraphException expected) {
                refusedWithVerify++;
            }
            Files.delete(p);
        }
        assertTrue(refusedWithVerify > 0, "verification refused none of the damaged copies");
        // The data arrays: damaging the last quarter of the file, verification always says so.
        byte[] bad = good.clone();
        for (int i = good.length - good.length / 4; i < good.length - 64; i += 97) bad[i] ^= 0x55;
        Path p = tmp.resolve("tail.bwg");
        Files.write(p, bad);
        assertThrows(BoardwalkException.class, () -> Graph.open(p, OpenOptions.verified()).close());
    }

    @Test
    void nullArguments() {
        assertThrows(NullPointerException.class, () -> Graph.open(null));
        assertThrows(NullPointerException.class, () -> Graph.open(sample(), null));
        assertThrows(NullPointerException.class, () -> LiveGraph.open(null));
        assertThrows(NullPointerException.class, () -> Query.builder().language(null));
        assertThrows(NullPointerException.class, () -> Query.builder().timeBudget(null));
        assertThrows(NullPointerException.class, () -> Query.builder().method(null));
        assertThrows(NullPointerException.class, () -> Query.builder().candidates(null));
        assertThrows(NullPointerException.class, () -> Query.builder().exclude((long[]) null));
        try (Graph g = Graph.open(sample()); LiveGraph l = LiveGraph.open(sample())) {
            assertThrows(NullPointerException.class, () -> g.recommend(null));
            assertThrows(NullPointerException.class, () -> g.score(null));
            assertThrows(NullPointerException.class, () -> g.title(null, 1));
            assertThrows(NullPointerException.class, () -> l.recommend(null));
            assertThrows(NullPointerException.class, () -> l.swap(null));
        }
    }
}
