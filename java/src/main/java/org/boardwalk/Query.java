package org.boardwalk;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * An immutable query: the pins and boards a user engaged with, with weights, and the walk's
 * parameters. Made by {@link #builder()}; one {@code Query} may be run by any number of threads
 * on any number of graphs. A parameter left unset keeps the C library's default
 * ({@code bw_query_new}).
 *
 * <p>Every rule lives in the C library: {@link Builder#build()} hands the parameters to the
 * {@code bw_query_set_*} functions once (one native call) and a refused value throws
 * {@link InvalidArgumentException} (or {@link LimitException}) whose message is
 * {@code bw_query_errmsg}'s sentence, e.g. "restart must be in (0, 1], not 1.5". Java only
 * converts types: a {@code long} id, step count or seed is passed as the unsigned 64-bit value of
 * its bits, an {@code int} top or early-stop count as the unsigned 32-bit value (so -1 reaches C
 * as 4294967295 and is refused there), a {@link Duration} as milliseconds
 * ({@code bw_query_set_time_budget_ms}). Language and topic names are looked up in the graph when
 * the query runs ({@code bw_graph_attribute_code}); a name the graph does not have fails that run
 * with {@link NotFoundException} (or {@link NoDataException} for a graph without attributes).
 */
public final class Query {
    // Indices into ints / reals, and bits of ints[0] saying which were set (boardwalk_jni.c).
    static final int I_MASK = 0, I_STEPS = 1, I_TOP = 2, I_SEED = 3, I_EARLY = 4, I_NP = 5, I_NV = 6,
            I_BOOST = 7, I_METHOD = 8, I_BOARDS = 9, I_LENIENT = 10, N_INTS = 11;
    static final int R_RESTART = 0, R_PENALTY = 1, R_BIAS = 2, R_EXPONENT = 3, R_BUDGET = 4, N_REALS = 5;
    static final int S_STEPS = 1, S_TOP = 1 << 1, S_SEED = 1 << 2, S_EARLY = 1 << 3, S_BOOST = 1 << 4,
            S_METHOD = 1 << 5, S_BOARDS = 1 << 6, S_LENIENT = 1 << 7, S_RESTART = 1 << 8, S_PENALTY = 1 << 9,
            S_BIAS = 1 << 10, S_EXPONENT = 1 << 11, S_BUDGET = 1 << 12;

    final long[] pins;
    final double[] pinWeights;
    final long[] boards;
    final double[] boardWeights;
    final long[] exclude;
    final long[] candidates;
    final long[] ints;
    final double[] reals;
    final String language;
    final String topic;
    final byte[] languageC;
    final byte[] topicC;

    private Query(Builder b) {
        pins = Arrays.copyOf(b.pins, b.nPins);
        pinWeights = Arrays.copyOf(b.pinWeights, b.nPins);
        boards = Arrays.copyOf(b.boards, b.nBoards);
        boardWeights = Arrays.copyOf(b.boardWeights, b.nBoards);
        exclude = Arrays.copyOf(b.exclude, b.nExclude);
        candidates = b.candidates.clone();
        ints = b.ints.clone();
        reals = b.reals.clone();
        language = b.language;
        topic = b.topic;
        languageC = Native.cString(language);
        topicC = Native.cString(topic);
    }

    /** A builder holding the C library's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The query pins' ids (a copy). */
    public long[] pins() {
        return pins.clone();
    }

    /** The candidates {@link Graph#score} scores, in order (a copy). */
    public long[] candidates() {
        return candidates.clone();
    }

    Recommendations run(long graph, long live, int op) {
        return Native.nRun(graph, live, op, pins, pinWeights, boards, boardWeights, exclude, candidates, ints, reals,
                languageC, topicC);
    }

    /** Builds a {@link Query}; not thread-safe (one builder per thread), reusable. */
    public static final class Builder {
        private long[] pins = new long[4];
        private double[] pinWeights = new double[4];
        private int nPins;
        private long[] boards = new long[0];
        private double[] boardWeights = new double[0];
        private int nBoards;
        private long[] exclude = new long[0];
        private int nExclude;
        private long[] candidates = new long[0];
        private final long[] ints = new long[N_INTS];
        private final double[] reals = new double[N_REALS];
        private String language;
        private String topic;

        private Builder() {}

        private void set(int bit) {
            ints[I_MASK] |= bit;
        }

        /** Adds a query pin with a weight (finite, >= 0: checked by C). The same pin twice adds the weights. */
        public Builder pin(long id, double weight) {
            if (nPins == pins.length) {
                pins = Arrays.copyOf(pins, nPins * 2 + 4);
                pinWeights = Arrays.copyOf(pinWeights, pins.length);
            }
            pins[nPins] = id;
            pinWeights[nPins++] = weight;
            return this;
        }

        /** {@code pin(id, 1.0)}. */
        public Builder pin(long id) {
            return pin(id, 1.0);
        }

        /** Adds a query board: its walks start with a board → pin hop. */
        public Builder board(long id, double weight) {
            if (nBoards == boards.length) {
                boards = Arrays.copyOf(boards, nBoards * 2 + 4);
                boardWeights = Arrays.copyOf(boardWeights, boards.length);
            }
            boards[nBoards] = id;
            boardWeights[nBoards++] = weight;
            return this;
        }

        /** {@code board(id, 1.0)}. */
        public Builder board(long id) {
            return board(id, 1.0);
        }

        /** Total step budget ({@code bw_query_set_steps}; unsigned). */
        public Builder steps(long steps) {
            ints[I_STEPS] = steps;
            set(S_STEPS);
            return this;
        }

        /** Restart probability per step ({@code bw_query_set_restart}). */
        public Builder restart(double alpha) {
            reals[R_RESTART] = alpha;
            set(S_RESTART);
            return this;
        }

        /** Number of results ({@code bw_query_set_top}; unsigned 32-bit). */
        public Builder top(int top) {
            ints[I_TOP] = Integer.toUnsignedLong(top);
            set(S_TOP);
            return this;
        }

        /** Seed of the walk: same graph, query and seed give the same results anywhere. */
        public Builder seed(long seed) {
            ints[I_SEED] = seed;
            set(S_SEED);
            return this;
        }

        /** Early stopping with np pins of at least nv visits ({@code bw_query_set_early_stop}). */
        public Builder earlyStop(int np, int nv) {
            ints[I_EARLY] = 1;
            ints[I_NP] = Integer.toUnsignedLong(np);
            ints[I_NV] = Integer.toUnsignedLong(nv);
            set(S_EARLY);
            return this;
        }

        /** No early stopping: every walk uses its whole share of the steps. */
        public Builder noEarlyStop() {
            ints[I_EARLY] = 0;
            ints[I_NP] = 0;
            ints[I_NV] = 0;
            set(S_EARLY);
            return this;
        }

        /** The multi-hit booster on (default) or off ({@code bw_query_set_boost}). */
        public Builder boost(boolean on) {
            ints[I_BOOST] = on ? 1 : 0;
            set(S_BOOST);
            return this;
        }

        /** Popularity penalty beta (RP3beta; {@code bw_query_set_popularity_penalty}). */
        public Builder popularityPenalty(double beta) {
            reals[R_PENALTY] = beta;
            set(S_PENALTY);
            return this;
        }

        /** The user's language, by name as in the graph's attributes file (implies bias 1 unless {@link #bias} is set). */
        public Builder language(String name) {
            language = Objects.requireNonNull(name, "language");
            return this;
        }

        /** The user's topic, by name (as {@link #language}). */
        public Builder topic(String name) {
            topic = Objects.requireNonNull(name, "topic");
            return this;
        }

        /** Bias strength beta ({@code bw_query_set_bias}) towards the language and topic. */
        public Builder bias(double beta) {
            reals[R_BIAS] = beta;
            set(S_BIAS);
            return this;
        }

        /** Walk (default) or exact 3-step scores ({@code bw_query_set_method}). */
        public Builder method(Method method) {
            ints[I_METHOD] = Objects.requireNonNull(method, "method").ordinal();
            set(S_METHOD);
            return this;
        }

        /** Exponent of the exact method's transition probabilities ({@code bw_query_set_exponent}). */
        public Builder exponent(double e) {
            reals[R_EXPONENT] = e;
            set(S_EXPONENT);
            return this;
        }

        /** Time budget, passed as milliseconds to {@code bw_query_set_time_budget_ms}. */
        public Builder timeBudget(Duration budget) {
            Objects.requireNonNull(budget, "budget");
            reals[R_BUDGET] = budget.getSeconds() * 1e3 + budget.getNano() / 1e6;
            set(S_BUDGET);
            return this;
        }

        /** No time budget (the default). */
        public Builder noTimeBudget() {
            ints[I_MASK] &= ~S_BUDGET;
            return this;
        }

        /** Whether boards may appear in the results. */
        public Builder includeBoards(boolean on) {
            ints[I_BOARDS] = on ? 1 : 0;
            set(S_BOARDS);
            return this;
        }

        /** Lenient: unknown query ids are skipped and listed in {@link Recommendations#unknown()}. */
        public Builder lenient(boolean on) {
            ints[I_LENIENT] = on ? 1 : 0;
            set(S_LENIENT);
            return this;
        }

        /** Pins never to return. */
        public Builder exclude(long... ids) {
            Objects.requireNonNull(ids, "ids");
            if (nExclude + ids.length > exclude.length) {
                exclude = Arrays.copyOf(exclude, Math.max(nExclude + ids.length, exclude.length * 2));
            }
            System.arraycopy(ids, 0, exclude, nExclude, ids.length);
            nExclude += ids.length;
            return this;
        }

        /** The pins {@link Graph#score} scores, in this order (replaces earlier candidates). */
        public Builder candidates(long[] ids) {
            candidates = Objects.requireNonNull(ids, "ids").clone();
            return this;
        }

        /**
         * The query. Its parameters are checked by the C library's setters now (one native call),
         * so a refused value throws here with {@code bw_query_errmsg}'s message.
         *
         * @throws InvalidArgumentException a value the C library refuses
         * @throws LimitException more query nodes or list entries than the C limits
         */
        public Query build() {
            Query q = new Query(this);
            q.run(0, 0, 0);
            return q;
        }
    }
}
