/* test_ranker.c - candidate features and learned rankers through the C ABI
 * (boardwalk.h, "Features and learned rankers"): every feature against a
 * direct computation on the sample graph (adjacency and attributes read
 * through the ABI, the exact method's scores), rankers loaded from model
 * files this test writes (linear, trees, transforms, logistic output),
 * their ordering of the walk's candidates, and every refusal of a damaged
 * or mismatched model. Run by Tests/c/run_abi_tests.sh, also under ASan,
 * UBSan and TSan (a ranker shared by threads).
 *
 *   test_ranker SAMPLE.bwg TMPDIR */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <boardwalk.h>

#include "check.h"

static const char *tmpdir;
static bw_graph *graph;

/* ------------------------------------------------------------------------ */
/* Model files, written here byte by byte from boardwalk.h's description     */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *x, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, x, n);
    b->n += n;
}
static void put32(buf *b, uint32_t v) {
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}
static void put64(buf *b, uint64_t v) {
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}
static void putf(buf *b, double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    put64(b, u);
}

static uint32_t crc32_of(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

typedef struct input {
    const char *name;
    uint32_t transform;
} input;

/* Header and inputs; the body follows; finish() sets the body size and
 * appends the checksum. */
static buf begin(uint32_t kind, uint32_t output, const input *in, uint32_t n) {
    buf b = {0};
    put(&b, "BWRANKER", 8);
    put32(&b, BW_RANKER_FORMAT_VERSION);
    put32(&b, kind);
    put32(&b, n);
    put32(&b, output);
    put64(&b, 0);
    for (uint32_t i = 0; i < n; i++) {
        char name[32] = {0};
        strncpy(name, in[i].name, 31);
        put(&b, name, 32);
        put32(&b, in[i].transform);
        put32(&b, 0);
    }
    return b;
}

static void finish(buf *b) {
    const uint64_t body = b->n - 32;
    for (int i = 0; i < 8; i++) b->p[24 + i] = (uint8_t)(body >> (8 * i));
    put32(b, crc32_of(b->p, b->n));
}

static buf linear_model(const input *in, uint32_t n, double bias, const double *w, uint32_t output) {
    buf b = begin(BW_RANKER_LINEAR, output, in, n);
    putf(&b, bias);
    for (uint32_t i = 0; i < n; i++) putf(&b, w[i]);
    finish(&b);
    return b;
}

typedef struct tnode {
    uint32_t input, left, right;
    double value;
} tnode;

static buf tree_model(const input *in, uint32_t n, double base, const tnode *const *trees, const uint32_t *sizes,
                      uint32_t ntrees, uint32_t output) {
    buf b = begin(BW_RANKER_TREES, output, in, n);
    putf(&b, base);
    put32(&b, ntrees);
    put32(&b, 0);
    for (uint32_t t = 0; t < ntrees; t++) {
        put32(&b, sizes[t]);
        put32(&b, 0);
        for (uint32_t j = 0; j < sizes[t]; j++) {
            put32(&b, trees[t][j].input);
            put32(&b, trees[t][j].left);
            put32(&b, trees[t][j].right);
            put32(&b, 0);
            putf(&b, trees[t][j].value);
        }
    }
    finish(&b);
    return b;
}

static char *write_file(const char *name, const buf *b) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite(b->p, 1, b->n, f);
    fclose(f);
    return path;
}

/* Opens a model from a file; returns the code, message in msg. */
static int open_model(const char *name, const buf *b, bw_ranker **out, char *msg, size_t cap) {
    return bw_ranker_open(write_file(name, b), out, msg, cap);
}

/* ------------------------------------------------------------------------ */
/* Features against a direct computation                                      */

#define NF BW_FEATURE_COUNT

static int near(double a, double b, double rel) {
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-300;
}

static void test_names(void) {
    CHECK(bw_feature_count() == NF);
    for (uint32_t i = 0; i < NF; i++) {
        const char *n = bw_feature_name(i);
        uint32_t j = 99;
        if (!CHECK(n != NULL)) continue;
        CHECK(bw_feature_index(n, &j) == 0 && j == i);
        for (uint32_t k = 0; k < i; k++) CHECK(strcmp(bw_feature_name(k), n) != 0);
    }
    uint32_t j;
    CHECK(bw_feature_name(NF) == NULL);
    CHECK(bw_feature_index("newest_edge_age", &j) == BW_ENOTFOUND);
    CHECK(bw_feature_index(NULL, &j) == BW_EINVAL);
    CHECK(strcmp(bw_feature_name(BW_FEATURE_SOURCES), "sources") == 0);
    CHECK(strcmp(bw_feature_name(BW_FEATURE_EXACT_SCORE), "exact_score") == 0);
}

/* The query of the feature tests: three pins of the sample (the first pins
 * of a few boards), weights 1, 2 and 0.5. */
static uint64_t qpins[3];
static const double qweights[3] = {1.0, 2.0, 0.5};

static void pick_query(void) {
    /* Boards 0, 5 and 10 by index: their first pins, distinct. */
    size_t got = 0;
    for (uint32_t bi = 0; got < 3; bi += 5) {
        uint64_t board, pins[256];
        size_t n = 0;
        if (bw_graph_node_id(graph, BW_BOARD, bi, &board) != 0) abort();
        if (bw_graph_node_neighbors(graph, BW_BOARD, board, pins, 256, &n) != 0 || n == 0) abort();
        int dup = 0;
        for (size_t k = 0; k < got; k++) dup |= qpins[k] == pins[0];
        if (!dup) qpins[got++] = pins[0];
    }
}

static bw_query *feature_query(int method) {
    bw_query *q = NULL;
    if (bw_query_new(&q) != 0) abort();
    for (int i = 0; i < 3; i++) bw_query_add_pin(q, qpins[i], qweights[i]);
    bw_query_set_steps(q, 300000);
    bw_query_set_restart(q, 1.0); /* one step per walk: the visited set is the 2-hop neighbourhood */
    bw_query_set_early_stop(q, 0, 0, 0);
    bw_query_set_top(q, 100000);
    bw_query_set_seed(q, 7);
    bw_query_set_method(q, method);
    bw_query_set_features(q, 1);
    return q;
}

/* Whether pins a and b share a board. */
static int share_board(uint64_t a, uint64_t b) {
    uint64_t ba[512], bb[512];
    size_t na = 0, nb = 0;
    bw_graph_node_neighbors(graph, BW_PIN, a, ba, 512, &na);
    bw_graph_node_neighbors(graph, BW_PIN, b, bb, 512, &nb);
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (ba[i] == bb[j]) return 1;
    return 0;
}

static void test_walk_features(void) {
    bw_query *q = feature_query(BW_METHOD_WALK);
    bw_results *r = NULL;
    if (!CHECK(bw_recommend(graph, q, &r) == 0)) return;
    const size_t n = bw_results_count(r);
    CHECK(n > 20);
    CHECK(bw_results_feature_count(r) == NF);
    const double W = 3.5;
    /* The user's language and topic: the weighted majority of the query's. */
    uint32_t ql[3], qt[3];
    for (int i = 0; i < 3; i++) bw_graph_node_attributes(graph, BW_PIN, qpins[i], &ql[i], &qt[i]);
    uint32_t ulang = BW_ATTR_ANY, utopic = BW_ATTR_ANY;
    double bl = 0, bt = 0;
    for (int i = 0; i < 3; i++) {
        double wl = 0, wt = 0;
        for (int j = 0; j < 3; j++) {
            wl += ql[j] == ql[i] ? qweights[j] : 0;
            wt += qt[j] == qt[i] ? qweights[j] : 0;
        }
        if (ql[i] != BW_ATTR_ANY && (wl > bl || (wl == bl && ql[i] < ulang))) bl = wl, ulang = ql[i];
        if (qt[i] != BW_ATTR_ANY && (wt > bt || (wt == bt && qt[i] < utopic))) bt = wt, utopic = qt[i];
    }
    const double steps = (double)bw_results_steps(r);
    uint64_t *ids = malloc(n * sizeof *ids);
    double *exact_feature = malloc(n * sizeof *exact_feature);
    int bad_sources = 0, bad_weight = 0, bad_attr = 0, bad_score = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id, visits, deg;
        double score, f[NF];
        bw_results_get(r, i, &id, &score, &visits);
        ids[i] = id;
        if (!CHECK(bw_results_features(r, i, f, NF) == 0)) break;
        bad_score += f[BW_FEATURE_SCORE] != score || f[BW_FEATURE_VISITS] != (double)visits;
        bw_graph_node_degree(graph, BW_PIN, id, &deg);
        CHECK(f[BW_FEATURE_DEGREE] == (double)deg);
        bad_score += !near(f[BW_FEATURE_BOOSTED_SCORE] * pow((double)deg, -BW_DEFAULT_POPULARITY_PENALTY), score, 1e-12);
        bad_score += !near(f[BW_FEATURE_VISIT_SHARE], (double)visits / steps, 1e-15);
        /* Sources: the query pins that share a board with it (restart 1). */
        int src = 0;
        double wsum = 0;
        for (int k = 0; k < 3; k++)
            if (share_board(qpins[k], id)) src++, wsum += qweights[k];
        bad_sources += f[BW_FEATURE_SOURCES] != src;
        bad_weight += !near(f[BW_FEATURE_SOURCE_WEIGHT], wsum / W, 1e-15);
        uint32_t l, t;
        bw_graph_node_attributes(graph, BW_PIN, id, &l, &t);
        double ls = 0, ts = 0;
        for (int k = 0; k < 3; k++) {
            ls += l != BW_ATTR_ANY && ql[k] == l ? qweights[k] : 0;
            ts += t != BW_ATTR_ANY && qt[k] == t ? qweights[k] : 0;
        }
        bad_attr += f[BW_FEATURE_LANGUAGE_MATCH] != (double)(l != BW_ATTR_ANY && l == ulang);
        bad_attr += f[BW_FEATURE_TOPIC_MATCH] != (double)(t != BW_ATTR_ANY && t == utopic);
        bad_attr += !near(f[BW_FEATURE_LANGUAGE_SHARE], ls / W, 1e-15) || !near(f[BW_FEATURE_TOPIC_SHARE], ts / W, 1e-15);
        CHECK(f[BW_FEATURE_EXACT_COMPUTED] == 1.0); /* the sample is small */
        CHECK(f[BW_FEATURE_QUERY_SIZE] == 3.0);
        bad_score += !near(f[BW_FEATURE_EXACT_PENALIZED_SCORE],
                           f[BW_FEATURE_EXACT_SCORE] * pow((double)deg, -BW_DEFAULT_POPULARITY_PENALTY), 1e-14);
        exact_feature[i] = f[BW_FEATURE_EXACT_SCORE];
    }
    CHECK(bad_score == 0);
    CHECK(bad_sources == 0);
    CHECK(bad_weight == 0);
    CHECK(bad_attr == 0);
    bw_results_free(r);

    /* exact_score is the exact method's score (exponent 1, no penalty). */
    bw_query *e = NULL;
    bw_query_new(&e);
    for (int i = 0; i < 3; i++) bw_query_add_pin(e, qpins[i], qweights[i]);
    bw_query_set_method(e, BW_METHOD_EXACT);
    bw_query_set_popularity_penalty(e, 0.0);
    for (size_t i = 0; i < n; i++) bw_query_add_candidate(e, ids[i]);
    if (CHECK(bw_score(graph, e, &r) == 0)) {
        int bad = 0;
        for (size_t i = 0; i < n; i++) {
            double s;
            bw_results_get(r, i, NULL, &s, NULL);
            bad += !near(s, exact_feature[i], 1e-12);
            bad += !(s > 0);
        }
        CHECK(bad == 0);
        bw_results_free(r);
    }
    bw_query_free(e);

    /* bw_score's features: the same values for the same walk, zeros for an
     * unknown candidate, which a ranker scores -infinity. */
    bw_query_add_candidate(q, ids[3]);
    bw_query_add_candidate(q, 1); /* not a pin of the sample */
    bw_query_add_candidate(q, ids[0]);
    if (CHECK(bw_score(graph, q, &r) == 0)) {
        double f[NF], g[NF];
        CHECK(bw_results_feature_count(r) == NF);
        CHECK(bw_results_features(r, 1, f, NF) == 0);
        int zeros = 1;
        for (int k = 0; k < NF; k++) zeros &= f[k] == 0.0;
        CHECK(zeros);
        bw_results_features(r, 0, f, NF);
        bw_results *rr = NULL;
        bw_recommend(graph, q, &rr);
        bw_results_features(rr, 3, g, NF);
        CHECK(memcmp(f, g, sizeof f) == 0);
        CHECK(bw_results_features(r, 3, f, NF) == BW_ERANGE);
        CHECK(bw_results_features(r, 0, f, 2) == 0); /* a prefix */
        bw_results_free(rr);
        bw_results_free(r);
    }
    /* Without asking: no features. */
    bw_query_set_features(q, 0);
    if (CHECK(bw_recommend(graph, q, &r) == 0)) {
        double f[NF];
        CHECK(bw_results_feature_count(r) == 0);
        CHECK(bw_results_features(r, 0, f, NF) == BW_ENODATA);
        bw_results_free(r);
    }
    bw_query_free(q);

    /* A language set on the query is the user's. */
    uint32_t code;
    if (bw_graph_attribute_code(graph, BW_ATTR_LANGUAGE, "de", &code) == 0) {
        q = feature_query(BW_METHOD_WALK);
        bw_query_set_bias(q, 0.0, code, BW_ATTR_ANY);
        if (CHECK(bw_recommend(graph, q, &r) == 0)) {
            int bad = 0;
            for (size_t i = 0; i < bw_results_count(r); i++) {
                uint64_t id;
                uint32_t l, t;
                double f[NF];
                bw_results_get(r, i, &id, NULL, NULL);
                bw_results_features(r, i, f, NF);
                bw_graph_node_attributes(graph, BW_PIN, id, &l, &t);
                bad += f[BW_FEATURE_LANGUAGE_MATCH] != (double)(l == code);
            }
            CHECK(bad == 0);
            bw_results_free(r);
        }
        bw_query_free(q);
    }
    free(ids);
    free(exact_feature);
}

/* The exact method's features: visits are boards reached through, the
 * boosted score its unpenalized probability. */
static void test_exact_features(void) {
    bw_query *q = feature_query(BW_METHOD_EXACT);
    bw_results *r = NULL;
    if (!CHECK(bw_recommend(graph, q, &r) == 0)) return;
    int bad = 0;
    for (size_t i = 0; i < bw_results_count(r); i++) {
        double f[NF];
        uint64_t visits;
        bw_results_get(r, i, NULL, NULL, &visits);
        bw_results_features(r, i, f, NF);
        bad += !near(f[BW_FEATURE_BOOSTED_SCORE], f[BW_FEATURE_EXACT_SCORE], 1e-12);
        bad += f[BW_FEATURE_VISIT_SHARE] != f[BW_FEATURE_BOOSTED_SCORE] || f[BW_FEATURE_VISITS] != (double)visits;
        bad += f[BW_FEATURE_SOURCES] != 0.0;
    }
    CHECK(bad == 0);
    bw_results_free(r);
    bw_query_free(q);
}

/* ------------------------------------------------------------------------ */
/* Rankers                                                                    */

/* The walk's candidates with features, for the expected orders. */
typedef struct cand {
    uint64_t id, visits;
    double f[NF];
    size_t walk_rank;
    double model;
} cand;

static int cmp_model(const void *a, const void *b) {
    const cand *x = a, *y = b;
    if (x->model != y->model) return x->model > y->model ? -1 : 1;
    return (x->walk_rank > y->walk_rank) - (x->walk_rank < y->walk_rank);
}

static bw_query *plain_query(void) {
    bw_query *q = NULL;
    bw_query_new(&q);
    for (int i = 0; i < 3; i++) bw_query_add_pin(q, qpins[i], qweights[i]);
    bw_query_set_seed(q, 3);
    return q;
}

/* Checks that a ranker's `top` results are the walk's best max(top_n, top)
 * re-ordered by `model`. */
static void check_ranked(bw_ranker *rk, uint32_t top_n, uint32_t top, double (*model)(const double *)) {
    bw_query *q = plain_query();
    bw_query_set_top(q, top_n > top ? top_n : top);
    bw_query_set_features(q, 1);
    bw_results *r = NULL;
    if (!CHECK(bw_recommend(graph, q, &r) == 0)) return;
    size_t n = bw_results_count(r);
    cand *c = calloc(n, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        bw_results_get(r, i, &c[i].id, NULL, &c[i].visits);
        bw_results_features(r, i, c[i].f, NF);
        c[i].walk_rank = i;
        c[i].model = model(c[i].f);
        double s;
        CHECK(bw_ranker_score(rk, c[i].f, NF, &s) == 0 && near(s, c[i].model, 1e-12));
    }
    bw_results_free(r);
    qsort(c, n, sizeof *c, cmp_model);
    bw_query_set_top(q, top);
    CHECK(bw_query_set_ranker(q, rk, top_n) == 0);
    if (CHECK(bw_recommend(graph, q, &r) == 0)) {
        CHECK(bw_results_count(r) == (n < top ? n : top));
        int bad = 0;
        for (size_t i = 0; i < bw_results_count(r); i++) {
            uint64_t id, visits;
            double s, f[NF];
            bw_results_get(r, i, &id, &s, &visits);
            bad += id != c[i].id || visits != c[i].visits || !near(s, c[i].model, 1e-12);
            bw_results_features(r, i, f, NF);
            bad += memcmp(f, c[i].f, sizeof f) != 0;
        }
        CHECK(bad == 0);
        bw_results_free(r);
    }
    /* bw_score with the ranker: the model's scores, in candidate order. */
    bw_query_add_candidate(q, c[n - 1].id);
    bw_query_add_candidate(q, 1); /* unknown */
    bw_query_add_candidate(q, c[0].id);
    if (CHECK(bw_score(graph, q, &r) == 0)) {
        double s0, s1, s2;
        bw_results_get(r, 0, NULL, &s0, NULL);
        bw_results_get(r, 1, NULL, &s1, NULL);
        bw_results_get(r, 2, NULL, &s2, NULL);
        CHECK(near(s0, c[n - 1].model, 1e-12) && near(s2, c[0].model, 1e-12));
        CHECK(isinf(s1) && s1 < 0);
        bw_results_free(r);
    }
    free(c);
    bw_query_free(q);
}

static double model_degree(const double *f) { return 2.0 * f[BW_FEATURE_DEGREE] - 0.5 * log1p(f[BW_FEATURE_VISITS]) + 1; }

static double model_tree(const double *f) {
    double s = 0.25;
    s += f[BW_FEATURE_VISITS] <= 40 ? (f[BW_FEATURE_DEGREE] <= 3 ? -1.0 : 0.5) : 2.0;
    s += f[BW_FEATURE_SOURCES] <= 1 ? 0.0 : 0.75;
    return 1.0 / (1.0 + exp(-s));
}

static const input lin_in[2] = {{"degree", BW_RANKER_IDENTITY}, {"visits", BW_RANKER_LOG1P}};
static const double lin_w[2] = {2.0, -0.5};
static const input tree_in[3] = {{"sources", 0}, {"visits", 0}, {"degree", 0}};
static const tnode tree_a[5] = {{1, 1, 2, 40}, {2, 3, 4, 3}, {0xFFFFFFFFu, 0, 0, 2.0}, {0xFFFFFFFFu, 0, 0, -1.0},
                                {0xFFFFFFFFu, 0, 0, 0.5}};
static const tnode tree_b[3] = {{0, 1, 2, 1}, {0xFFFFFFFFu, 0, 0, 0.0}, {0xFFFFFFFFu, 0, 0, 0.75}};

static buf good_trees(void) {
    const tnode *t[2] = {tree_a, tree_b};
    const uint32_t sizes[2] = {5, 3};
    return tree_model(tree_in, 3, 0.25, t, sizes, 2, BW_RANKER_OUTPUT_LOGISTIC);
}

static void test_rankers(void) {
    char msg[1024];
    bw_ranker *rk = NULL;
    buf b = linear_model(lin_in, 2, 1.0, lin_w, BW_RANKER_OUTPUT_RAW);
    if (CHECK(open_model("linear.bwr", &b, &rk, msg, sizeof msg) == 0)) {
        CHECK(bw_ranker_kind(rk) == BW_RANKER_LINEAR);
        CHECK(bw_ranker_input_count(rk) == 2);
        CHECK(strcmp(bw_ranker_input_name(rk, 1), "visits") == 0 && bw_ranker_input_name(rk, 2) == NULL);
        check_ranked(rk, 200, 10, model_degree);
        check_ranked(rk, 5, 3, model_degree);   /* top_n below the results asked */
        check_ranked(rk, 3, 8, model_degree);   /* top above top_n: max(top_n, top) ranked */
        /* A negative value through log1p: sign(x) * log(1 + |x|). */
        double f[NF] = {0}, s;
        f[BW_FEATURE_VISITS] = -3.0;
        CHECK(bw_ranker_score(rk, f, NF, &s) == 0 && near(s, 1.0 - 0.5 * -log1p(3.0), 1e-15));
        f[0] = NAN;
        CHECK(bw_ranker_score(rk, f, NF, &s) == BW_EINVAL);
        bw_ranker_close(rk);
        /* log: ln(max(x, 0) + 1e-12). */
        const input lg[1] = {{"exact_score", BW_RANKER_LOG}};
        const double one = 1.0;
        buf l = linear_model(lg, 1, 0.0, &one, BW_RANKER_OUTPUT_RAW);
        CHECK(bw_ranker_load(l.p, l.n, &rk, msg, sizeof msg) == 0);
        free(l.p);
        memset(f, 0, sizeof f);
        f[BW_FEATURE_EXACT_SCORE] = 0.25;
        CHECK(bw_ranker_score(rk, f, NF, &s) == 0 && near(s, log(0.25 + 1e-12), 1e-15));
        f[BW_FEATURE_EXACT_SCORE] = -1.0;
        CHECK(bw_ranker_score(rk, f, NF, &s) == 0 && near(s, log(1e-12), 1e-15));
        CHECK(bw_ranker_score(rk, f, NF - 1, &s) == BW_EINVAL);
        bw_ranker_close(rk);
    } else {
        fprintf(stderr, "%s\n", msg);
    }
    free(b.p);
    /* From memory too. */
    b = good_trees();
    if (CHECK(bw_ranker_load(b.p, b.n, &rk, msg, sizeof msg) == 0)) {
        CHECK(bw_ranker_kind(rk) == BW_RANKER_TREES);
        check_ranked(rk, 300, 20, model_tree);
        bw_ranker_close(rk);
    } else {
        fprintf(stderr, "%s\n", msg);
    }
    free(b.p);
}

/* The query keeps its own reference: the caller may close the ranker first. */
static void test_lifetime(void) {
    buf b = good_trees();
    bw_ranker *rk = NULL;
    char msg[256];
    if (!CHECK(bw_ranker_load(b.p, b.n, &rk, msg, sizeof msg) == 0)) return;
    free(b.p);
    bw_query *q = plain_query(), *q2 = plain_query();
    CHECK(bw_query_set_ranker(q, rk, 0) == 0);
    CHECK(bw_query_set_ranker(q2, bw_ranker_retain(rk), 50) == 0);
    bw_ranker_close(rk); /* the retain's */
    bw_ranker_close(rk); /* the open's: the queries hold it */
    bw_results *r = NULL;
    CHECK(bw_recommend(graph, q, &r) == 0 && bw_results_count(r) > 0);
    bw_results_free(r);
    bw_query_free(q);
    CHECK(bw_recommend(graph, q2, &r) == 0);
    bw_results_free(r);
    CHECK(bw_query_set_ranker(q2, NULL, 0) == 0); /* detach: frees it */
    CHECK(bw_query_set_ranker(q2, NULL, BW_MAX_RANKER_TOP_N + 1) == BW_EINVAL);
    CHECK(strstr(bw_query_errmsg(q2), "ranker_top_n must be an integer from 1 to 100000") != NULL);
    CHECK(bw_query_set_ranker(NULL, NULL, 0) == BW_EINVAL);
    bw_query_free(q2);
    bw_ranker_close(NULL);
    CHECK(bw_ranker_retain(NULL) == NULL);
    CHECK(bw_ranker_kind(NULL) == 0 && bw_ranker_input_count(NULL) == 0);
}

/* One ranker and one query shared by threads: every thread gets the same
 * results (TSan checks the sharing). */
typedef struct shared {
    const bw_query *q;
    uint64_t first[10];
    int ok;
} shared;

static void *thread_main(void *arg) {
    shared *s = arg;
    s->ok = 1;
    for (int it = 0; it < 20; it++) {
        bw_results *r = NULL;
        if (bw_recommend(graph, s->q, &r) != 0) {
            s->ok = 0;
            break;
        }
        for (size_t i = 0; i < 10 && i < bw_results_count(r); i++) {
            uint64_t id;
            bw_results_get(r, i, &id, NULL, NULL);
            if (it == 0) s->first[i] = id;
            else if (s->first[i] != id) s->ok = 0;
        }
        bw_results_free(r);
    }
    return NULL;
}

static void test_threads(void) {
    buf b = good_trees();
    bw_ranker *rk = NULL;
    char msg[256];
    if (!CHECK(bw_ranker_load(b.p, b.n, &rk, msg, sizeof msg) == 0)) return;
    free(b.p);
    bw_query *q = plain_query();
    bw_query_set_steps(q, 20000);
    bw_query_set_top(q, 10);
    bw_query_set_ranker(q, rk, 100);
    bw_ranker_close(rk);
    enum { T = 4 };
    pthread_t th[T];
    shared s[T];
    for (int i = 0; i < T; i++) {
        s[i].q = q;
        pthread_create(&th[i], NULL, thread_main, &s[i]);
    }
    for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < T; i++) {
        CHECK(s[i].ok);
        CHECK(memcmp(s[i].first, s[0].first, sizeof s[0].first) == 0);
    }
    bw_query_free(q);
}

/* ------------------------------------------------------------------------ */
/* Refusals                                                                   */

static void expect(const char *what, const buf *b, int code, const char *words) {
    bw_ranker *rk = (bw_ranker *)1;
    char msg[1024] = "x";
    const int rc = bw_ranker_load(b->p, b->n, &rk, msg, sizeof msg);
    if (!CHECK(rc == code) || !CHECK(rk == NULL) || !CHECK(strstr(msg, words) != NULL))
        fprintf(stderr, "  %s: code %d (%s), message \"%s\"\n", what, rc, bw_strerror(rc), msg);
}

static buf copy(const buf *b) {
    buf c = {malloc(b->n), b->n, b->n};
    memcpy(c.p, b->p, b->n);
    return c;
}

static void test_refusals(void) {
    char msg[1024];
    bw_ranker *rk = NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/no-such-model.bwr", tmpdir);
    CHECK(bw_ranker_open(path, &rk, msg, sizeof msg) == ENOENT && rk == NULL);
    CHECK(strstr(msg, "no-such-model.bwr: No such file or directory") != NULL);
    CHECK(bw_ranker_open(tmpdir, &rk, msg, sizeof msg) == EISDIR);
    CHECK(bw_ranker_open(NULL, &rk, msg, sizeof msg) == BW_EINVAL);
    CHECK(bw_ranker_load("", 0, NULL, msg, sizeof msg) == BW_EINVAL);

    buf good = linear_model(lin_in, 2, 1.0, lin_w, BW_RANKER_OUTPUT_RAW);
    buf empty = {0};
    expect("empty", &empty, BW_ECORRUPT, "not a Boardwalk ranker model");
    /* A graph file is not a model. */
    const char *gp = bw_graph_path(graph);
    CHECK(bw_ranker_open(gp, &rk, msg, sizeof msg) == BW_ECORRUPT && strstr(msg, "no BWRANKER magic"));

    buf b = copy(&good);
    b.p[b.n / 2] ^= 0x10; /* one flipped bit */
    expect("flipped bit", &b, BW_ECORRUPT, "checksum mismatch");
    free(b.p);
    b = copy(&good);
    b.n -= 9;
    expect("truncated", &b, BW_ECORRUPT, "body bytes");
    free(b.p);
    b = copy(&good);
    b.p[8] = 2;
    expect("version 2", &b, BW_EVERSION, "model format version 2; this library reads version 1");
    free(b.p);

    /* Three inputs declared, two weights: the wrong feature count. */
    input three[3] = {{"degree", 0}, {"visits", 0}, {"score", 0}};
    b = begin(BW_RANKER_LINEAR, 0, three, 3);
    putf(&b, 0.0);
    putf(&b, 1.0);
    putf(&b, 1.0);
    finish(&b);
    expect("wrong feature count", &b, BW_ECORRUPT, "the input count does not match the weights");
    free(b.p);

    input unknown[2] = {{"degree", 0}, {"newest_edge_age", 0}};
    b = linear_model(unknown, 2, 0.0, lin_w, 0);
    expect("unknown feature", &b, BW_ENOTFOUND, "input 1 \"newest_edge_age\" is not a feature of this library");
    free(b.p);
    input twice[2] = {{"degree", 0}, {"degree", 0}};
    b = linear_model(twice, 2, 0.0, lin_w, 0);
    expect("duplicate input", &b, BW_ECORRUPT, "both read \"degree\"");
    free(b.p);
    input badt[2] = {{"degree", 0}, {"visits", 7}};
    b = linear_model(badt, 2, 0.0, lin_w, 0);
    expect("unknown transform", &b, BW_EINVAL, "unknown transform 7 (0: identity, 1: log1p, 2: log)");
    free(b.p);
    const double nanw[2] = {1.0, NAN};
    b = linear_model(lin_in, 2, 0.0, nanw, 0);
    expect("NaN weight", &b, BW_EINVAL, "weight 1 (input \"visits\") is nan");
    free(b.p);
    b = linear_model(lin_in, 2, INFINITY, lin_w, 0);
    expect("infinite bias", &b, BW_EINVAL, "bias is inf");
    free(b.p);
    b = linear_model(lin_in, 2, 0.0, lin_w, 5);
    expect("unknown output", &b, BW_EINVAL, "unknown output 5");
    free(b.p);

    /* Trees: one field of one node of tree_a changed at a time. */
    static const struct {
        const char *what;
        int node, field; /* field 0: input, 1: left, 2: right, 3: value */
        double v;
        int code;
        const char *words;
    } bad_trees[] = {
        {"NaN threshold", 1, 3, NAN, BW_EINVAL, "tree 0 node 1's threshold is nan"},
        {"infinite leaf", 4, 3, -INFINITY, BW_EINVAL, "tree 0 node 4's leaf value is -inf"},
        {"backward child (a cycle)", 1, 1, 0, BW_ECORRUPT, "they must come after it"},
        {"child past the tree", 1, 2, 5, BW_ECORRUPT, "they must come after it"},
        {"input past the count", 0, 0, 3, BW_ECORRUPT, "splits on input 3 of a model with 3 inputs"},
        {"leaf with children", 2, 1, 4, BW_ECORRUPT, "leaf with children"},
    };
    const uint32_t sizes[2] = {5, 3};
    tnode a[5], c[3];
    const tnode *t[2] = {a, c};
    memcpy(c, tree_b, sizeof c);
    for (size_t k = 0; k < sizeof bad_trees / sizeof bad_trees[0]; k++) {
        memcpy(a, tree_a, sizeof a);
        tnode *nd = &a[bad_trees[k].node];
        if (bad_trees[k].field == 3) nd->value = bad_trees[k].v;
        else *(bad_trees[k].field == 0 ? &nd->input : bad_trees[k].field == 1 ? &nd->left : &nd->right) = (uint32_t)bad_trees[k].v;
        b = tree_model(tree_in, 3, 0.0, t, sizes, 2, 0);
        expect(bad_trees[k].what, &b, bad_trees[k].code, bad_trees[k].words);
        free(b.p);
    }
    memcpy(a, tree_a, sizeof a);
    const uint32_t wrong[2] = {5, 2}; /* declares 2 nodes, writes... */
    b = tree_model(tree_in, 3, 0.0, t, wrong, 2, 0);
    b.n -= 4; /* drop the checksum, add a node's bytes, checksum again */
    for (int i = 0; i < 24; i++) put(&b, "\0", 1);
    finish(&b);
    expect("node count does not match", &b, BW_ECORRUPT, "do not match the body");
    free(b.p);
    free(good.p);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: test_ranker SAMPLE.bwg TMPDIR\n");
        return 64;
    }
    tmpdir = argv[2];
    char msg[512];
    if (bw_graph_open_ex(argv[1], BW_OPEN_VERIFY, &graph, msg, sizeof msg) != 0) {
        fprintf(stderr, "test_ranker: %s\n", msg);
        return 1;
    }
    test_names();
    pick_query();
    test_walk_features();
    test_exact_features();
    test_rankers();
    test_lifetime();
    test_threads();
    test_refusals();
    bw_graph_close(graph);
    return check_summary("test_ranker");
}
