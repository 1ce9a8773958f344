/* test_walk.c - tests of the walk kernel (walk.c, exact.c, results.c) against
 * exact expectations: visit distributions, step allocation, booster, early
 * stop, bias, determinism. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_internal.h"
#include "testgraph.h"
#include "check.h"


static bw_walk_config base_cfg(uint64_t steps, double alpha, uint64_t seed) {
    bw_walk_config c;
    memset(&c, 0, sizeof c);
    c.steps = steps;
    c.restart = alpha;
    c.language = BW_ATTR_ANY;
    c.topic = BW_ATTR_ANY;
    c.seed = seed;
    c.top = 100;
    return c;
}

static bw_walk_source pin_src(uint32_t p, double w) {
    bw_walk_source s = {p, 0, w};
    return s;
}
static bw_walk_source board_src(uint32_t b, double w) {
    bw_walk_source s = {b, 1, w};
    return s;
}

/* ------------------------------------------------------------------------ */
/* Exact visit distributions                                                  */

typedef struct bias_model {
    double beta;
    uint32_t language, topic; /* BW_ATTR_ANY or a code */
} bias_model;

/* Does a neighbour's attrs value match the user's attributes? */
static int attr_match(const bias_model *m, uint32_t a) {
    if (m->language != BW_ATTR_ANY && (a >> 16) != m->language) return 0;
    if (m->topic != BW_ATTR_ANY && (a & 0xFFFFu) != m->topic) return 0;
    return 1;
}

/* Adds mass * (hop distribution from a node) to out. The hop is uniform
 * over the list; with the bias it mixes in the matching neighbours exactly
 * as walk.c documents (topic-only: 8 rejection draws, then uniform). */
static void hop(const uint64_t *off, const uint32_t *adj, const uint32_t *nattrs, uint32_t x,
                double mass, const bias_model *m, double *out) {
    uint64_t lo = off[x], d = off[x + 1] - lo;
    if (d == 0 || mass == 0.0) return;
    double pm = 0.0; /* probability the hop uses the matching set */
    uint64_t nm = 0;
    if (m && m->beta > 0.0) {
        for (uint64_t k = 0; k < d; k++) nm += attr_match(m, nattrs[adj[lo + k]]);
        if (nm > 0) {
            if (m->language != BW_ATTR_ANY) {
                pm = m->beta;
            } else {
                double miss = pow(1.0 - (double)nm / (double)d, 8.0);
                pm = m->beta * (1.0 - miss);
            }
        }
    }
    for (uint64_t k = 0; k < d; k++) {
        uint32_t y = adj[lo + k];
        double p = (1.0 - pm) / (double)d;
        if (nm > 0 && attr_match(m, nattrs[y])) p += pm / (double)nm;
        out[y] += mass * p;
    }
}

/* Expected visits per step: f = sum_t alpha (1-alpha)^(t-1) v_t, where v_t is
 * where step t lands (u_t the board it passes), iterated until the remaining
 * geometric tail is below 1e-14. */
static void exact_dist(const tg_graph *g, int board_source, uint32_t q, double alpha,
                       const bias_model *m, double *fpin, double *fboard) {
    double *v = calloc(g->npins, sizeof *v), *u = calloc(g->nboards, sizeof *u);
    double *nv = calloc(g->npins, sizeof *nv);
    for (uint32_t i = 0; i < g->npins; i++) fpin[i] = 0.0;
    for (uint32_t i = 0; i < g->nboards; i++) fboard[i] = 0.0;
    double wt = alpha; /* alpha (1-alpha)^(t-1) */
    for (int t = 1; wt > 1e-16 || t < 3; t++) {
        memset(u, 0, g->nboards * sizeof *u);
        memset(nv, 0, g->npins * sizeof *nv);
        if (t == 1 && board_source) {
            u[q] = 1.0;
        } else {
            if (t == 1) v[q] = 1.0;
            for (uint32_t p = 0; p < g->npins; p++)
                hop(g->pin_off, g->pin_adj, g->board_attrs, p, v[p], m, u);
        }
        for (uint32_t b = 0; b < g->nboards; b++)
            hop(g->board_off, g->board_adj, g->pin_attrs, b, u[b], m, nv);
        for (uint32_t p = 0; p < g->npins; p++) fpin[p] += wt * nv[p];
        for (uint32_t b = 0; b < g->nboards; b++) fboard[b] += wt * u[b];
        memcpy(v, nv, g->npins * sizeof *v);
        wt *= 1.0 - alpha;
        if (t > 100000) break;
    }
    free(v);
    free(u);
    free(nv);
}

/* Runs one source for n steps and compares visit frequencies to the exact
 * distribution. Tolerance: visits come in walks (mean length 1/alpha); per
 * walk the deviation X - f L is at most L in size, so the frequency's std is
 * at most sqrt(E[L^2] * (N alpha)) / N = sqrt((2 - alpha) / (alpha N)):
 * 0.00069 for alpha 0.3, N 6M. 0.003 is > 4 of those loose sigmas. */
static void check_distribution(const char *name, const tg_graph *g, int board_source, uint32_t q,
                               double alpha, const bias_model *m, int include_boards) {
    const uint64_t n = 6000000;
    const double tol = 0.003;
    double *fp = malloc(g->npins * sizeof *fp), *fb = malloc(g->nboards * sizeof *fb);
    exact_dist(g, board_source, q, alpha, m, fp, fb);
    double s = 0.0;
    for (uint32_t p = 0; p < g->npins; p++) s += fp[p];
    CHECK(fabs(s - 1.0) < 1e-9);

    bw_walk_ctx *ctx = bw_walk_ctx_new();
    bw_walk_config c = base_cfg(n, alpha, 42 + q);
    c.include_boards = include_boards;
    if (m) {
        c.bias = m->beta;
        c.language = m->language;
        c.topic = m->topic;
    }
    bw_walk_source src = board_source ? board_src(q, 1.0) : pin_src(q, 1.0);
    CHECK(bw_walk_run(&g->v, ctx, &c, &src, 1, NULL, 0) == 0);
    CHECK(bw_walk_steps_taken(ctx) == n);
    CHECK(bw_walk_partial(ctx) == 0);
    double maxdiff = 0.0;
    uint64_t total = 0;
    for (uint32_t p = 0; p < g->npins; p++) {
        double sc;
        uint64_t vis;
        bw_walk_lookup(ctx, p, 0, &sc, &vis);
        total += vis;
        double d = fabs((double)vis / (double)n - fp[p]);
        if (d > maxdiff) maxdiff = d;
        if (fp[p] == 0.0) CHECK(vis == 0); /* unreachable pins are never visited */
    }
    CHECK(total == n);
    if (include_boards && !board_source) {
        uint64_t btotal = 0;
        for (uint32_t b = 0; b < g->nboards; b++) {
            double sc;
            uint64_t vis;
            bw_walk_lookup(ctx, b, 1, &sc, &vis);
            btotal += vis;
            double d = fabs((double)vis / (double)n - fb[b]);
            if (d > maxdiff) maxdiff = d;
        }
        CHECK(btotal == n);
    }
    printf("  distribution %-28s max |freq - exact| = %.5f (tolerance %.3f)\n", name, maxdiff, tol);
    CHECK(maxdiff < tol);
    bw_walk_ctx_free(ctx);
    free(fp);
    free(fb);
}

/* Small random graph: 50 pins (the last one isolated), 20 boards, 1-4
 * boards per pin, languages 0-2 and topics 0-3. */
static void random_small(tg_graph *g, uint64_t chunk, uint64_t seed) {
    uint32_t edges[2 * 200], attrs[50];
    uint64_t rs = seed, ne = 0;
    for (uint32_t p = 0; p < 49; p++) {
        uint32_t k = 1 + (uint32_t)(tg_rand(&rs) % 4);
        for (uint32_t j = 0; j < k; j++) {
            edges[2 * ne] = p;
            edges[2 * ne + 1] = (uint32_t)(tg_rand(&rs) % 20);
            ne++;
        }
    }
    for (uint32_t p = 0; p < 50; p++)
        attrs[p] = ((uint32_t)(tg_rand(&rs) % 3) << 16) | (uint32_t)(tg_rand(&rs) % 4);
    tg_build(g, 50, 20, edges, ne, attrs, NULL, chunk);
}

static void test_distributions(void) {
    printf("exact distributions\n");
    /* 6 pins, 4 boards, no attributes. */
    static const uint32_t e6[] = {0, 0, 1, 0, 2, 0, 0, 1, 3, 1, 1, 2, 4, 2, 5, 2, 2, 3, 5, 3, 3, 3};
    tg_graph g6;
    tg_build(&g6, 6, 4, e6, sizeof e6 / sizeof e6[0] / 2, NULL, NULL, 1024);
    check_distribution("6x4 pin source", &g6, 0, 0, 0.3, NULL, 1);
    check_distribution("6x4 board source", &g6, 1, 2, 0.3, NULL, 0);
    tg_graph g6c;
    tg_build(&g6c, 6, 4, e6, sizeof e6 / sizeof e6[0] / 2, NULL, NULL, 8);
    check_distribution("6x4 chunks of 8, alpha 0.5", &g6c, 0, 4, 0.5, NULL, 1);
    tg_free(&g6c);
    tg_free(&g6);

    tg_graph g;
    random_small(&g, 8, 7);
    CHECK(g.v.pins.offsets.mask == 7);
    check_distribution("50x20 chunks of 8 pin", &g, 0, 3, 0.3, NULL, 1);
    check_distribution("50x20 chunks of 8 board", &g, 1, 5, 0.3, NULL, 0);
    bias_model lang = {0.6, 1, BW_ATTR_ANY};
    check_distribution("50x20 bias language", &g, 0, 3, 0.3, &lang, 1);
    bias_model lt = {1.0, 2, 1};
    check_distribution("50x20 bias language+topic", &g, 1, 5, 0.3, &lt, 0);
    bias_model top = {0.7, BW_ATTR_ANY, 2};
    check_distribution("50x20 bias topic (rejection)", &g, 0, 10, 0.3, &top, 1);
    tg_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Step allocation                                                            */

typedef struct frac_item {
    double frac;
    size_t idx;
} frac_item;
static int frac_cmp(const void *a, const void *b) {
    const frac_item *x = a, *y = b;
    if (x->frac != y->frac) return x->frac < y->frac ? 1 : -1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The formula, written independently: shares, floors, largest remainders. */
static void expected_alloc(const tg_graph *g, uint64_t n, const bw_walk_source *s, size_t ns,
                           uint64_t *out) {
    double *share = calloc(ns, sizeof *share), sum = 0.0;
    for (size_t i = 0; i < ns; i++) {
        uint64_t d = s[i].is_board ? tg_bdeg(g, s[i].node) : tg_pdeg(g, s[i].node);
        double c = s[i].is_board ? log((double)g->v.boards.max_degree) : log((double)g->v.pins.max_degree);
        share[i] = d ? s[i].weight * (double)d * (c - log((double)d)) : 0.0;
        if (share[i] < 0.0) share[i] = 0.0;
        sum += share[i];
    }
    if (sum <= 0.0) {
        sum = 0.0;
        for (size_t i = 0; i < ns; i++) {
            uint64_t d = s[i].is_board ? tg_bdeg(g, s[i].node) : tg_pdeg(g, s[i].node);
            share[i] = d ? s[i].weight : 0.0;
            sum += share[i];
        }
    }
    frac_item *fr = calloc(ns, sizeof *fr);
    uint64_t tot = 0;
    size_t nf = 0;
    for (size_t i = 0; i < ns; i++) {
        double x = sum > 0.0 ? (double)n * share[i] / sum : 0.0;
        out[i] = (uint64_t)floor(x);
        tot += out[i];
        if (share[i] > 0.0) {
            fr[nf].frac = x - floor(x);
            fr[nf].idx = i;
            nf++;
        }
    }
    qsort(fr, nf, sizeof *fr, frac_cmp);
    for (size_t k = 0; tot < n && k < nf; k++, tot++) out[fr[k].idx]++;
    free(fr);
    free(share);
}

static void test_allocate(void) {
    printf("step allocation\n");
    tg_graph g;
    random_small(&g, 8, 11);
    uint32_t maxp = 0, maxb = 0;
    for (uint32_t p = 0; p < g.npins; p++)
        if (tg_pdeg(&g, p) > tg_pdeg(&g, maxp)) maxp = p;
    for (uint32_t b = 0; b < g.nboards; b++)
        if (tg_bdeg(&g, b) > tg_bdeg(&g, maxb)) maxb = b;
    CHECK(tg_pdeg(&g, 49) == 0);

    bw_walk_source s[8] = {pin_src(1, 1.0), pin_src(2, 2.5), pin_src(49, 3.0), board_src(4, 0.7),
                           pin_src(maxp, 1.0), board_src(7, 1e-3), pin_src(5, 0.3), board_src(maxb, 2.0)};
    const uint64_t ns[] = {1, 7, 1000, 1000003, 123456789, 10000000000ull};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        bw_walk_config c = base_cfg(ns[t], 0.5, 1);
        uint64_t got[8], want[8], sum = 0;
        CHECK(bw_walk_allocate(&g.v, &c, s, 8, got) == 0);
        expected_alloc(&g, ns[t], s, 8, want);
        int same = 1;
        for (int i = 0; i < 8; i++) {
            same &= got[i] == want[i];
            sum += got[i];
        }
        CHECK(same);
        CHECK(sum == ns[t]);
        CHECK(got[2] == 0); /* degree 0 */
        CHECK(got[4] == 0); /* max degree: C - ln deg = 0 */
        CHECK(got[7] == 0);
    }
    /* A single max-degree source: the fallback gives it everything. */
    {
        bw_walk_config c = base_cfg(5000, 0.5, 1);
        bw_walk_source one = pin_src(maxp, 2.0);
        uint64_t got = 0;
        CHECK(bw_walk_allocate(&g.v, &c, &one, 1, &got) == 0);
        CHECK(got == 5000);
        /* Max-degree pin and board plus an isolated pin: split by weight. */
        bw_walk_source three[3] = {pin_src(maxp, 1.0), board_src(maxb, 3.0), pin_src(49, 5.0)};
        uint64_t g3[3], w3[3];
        c.steps = 1001;
        CHECK(bw_walk_allocate(&g.v, &c, three, 3, g3) == 0);
        expected_alloc(&g, 1001, three, 3, w3);
        CHECK(g3[0] == w3[0] && g3[1] == w3[1] && g3[2] == 0);
        CHECK(g3[0] == 250 && g3[1] == 751);
        /* Only isolated sources: nothing to walk. */
        bw_walk_source iso = pin_src(49, 1.0);
        CHECK(bw_walk_allocate(&g.v, &c, &iso, 1, &got) == 0);
        CHECK(got == 0);
        /* Deterministic. */
        uint64_t a[8], b[8];
        c.steps = 99991;
        bw_walk_allocate(&g.v, &c, s, 8, a);
        bw_walk_allocate(&g.v, &c, s, 8, b);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    /* The run agrees: a max-degree source alone still walks all N steps. */
    {
        bw_walk_ctx *ctx = bw_walk_ctx_new();
        bw_walk_config c = base_cfg(10000, 0.5, 1);
        bw_walk_source one = pin_src(maxp, 1.0);
        CHECK(bw_walk_run(&g.v, ctx, &c, &one, 1, NULL, 0) == 0);
        CHECK(bw_walk_steps_taken(ctx) == 10000);
        bw_walk_source iso = pin_src(49, 1.0);
        CHECK(bw_walk_run(&g.v, ctx, &c, &iso, 1, NULL, 0) == 0);
        CHECK(bw_walk_steps_taken(ctx) == 0);
        size_t n = 99;
        bw_walk_results(ctx, &n);
        CHECK(n == 0);
        bw_walk_ctx_free(ctx);
    }
    tg_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Result invariants                                                          */

static int excluded(const bw_node *ex, size_t n, bw_node x) {
    for (size_t i = 0; i < n; i++)
        if (ex[i] == x) return 1;
    return 0;
}

static int hit_before(const bw_walk_hit *a, const bw_walk_hit *b) {
    if (a->score != b->score) return a->score > b->score;
    if (a->is_board != b->is_board) return a->is_board < b->is_board;
    return a->node < b->node;
}

/* Every result list: ordered, within top, no source, no exclusion, agrees
 * with lookup. Returns the count. */
static size_t check_hits(const bw_walk_ctx *ctx, const bw_walk_config *c, const bw_walk_source *s,
                         size_t ns, const bw_node *ex, size_t nex) {
    size_t n;
    const bw_walk_hit *h = bw_walk_results(ctx, &n);
    CHECK(n <= c->top);
    int ok_order = 1, ok_src = 1, ok_ex = 1, ok_lookup = 1, ok_board = 1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && !hit_before(&h[i - 1], &h[i])) ok_order = 0;
        for (size_t k = 0; k < ns; k++)
            if (s[k].node == h[i].node && s[k].is_board == h[i].is_board) ok_src = 0;
        if (!h[i].is_board && excluded(ex, nex, h[i].node)) ok_ex = 0;
        if (h[i].is_board && !c->include_boards) ok_board = 0;
        double sc;
        uint64_t v;
        bw_walk_lookup(ctx, h[i].node, h[i].is_board, &sc, &v);
        if (sc != h[i].score || v != h[i].visits || v == 0) ok_lookup = 0;
        if (!c->boost && h[i].score != (double)h[i].visits) ok_lookup = 0;
    }
    CHECK(ok_order);
    CHECK(ok_src);
    CHECK(ok_ex);
    CHECK(ok_lookup);
    CHECK(ok_board);
    return n;
}

/* ------------------------------------------------------------------------ */
/* Booster                                                                    */

static void test_boost(void) {
    printf("booster\n");
    /* Pins q1=0, q2=1, X=2, Y=3, H=4. Boards: 0={q1,X} 1={q2,X} 2,3,4={q1,Y},
     * 5..12={H} (H is the max-degree pin, 8, so C = ln 8).
     * s(q1) = 4 (ln 8 - ln 4) = 4 ln 2, s(q2) = 1 ln 8 = 3 ln 2; with
     * weights 1 and 1/4 the steps split 4 : 3/4, i.e. N1 = 16N/19, N2 = 3N/19.
     * With alpha = 1 every walk is one step: from q1 a board uniformly of 4,
     * then a pin of 2, so V1[X] = N1/8 = 2N/19, V1[Y] = 3N1/8 = 6N/19; from q2
     * V2[X] = N2/2 = 1.5N/19.
     * Without boost: X = 3.5N/19 < Y = 6N/19.
     * Boost: X = (sqrt 2 + sqrt 1.5)^2 N/19 = 6.96N/19 > Y = 6N/19. */
    uint32_t e[2 * 20];
    size_t ne = 0;
#define EDGE(p, b) (e[2 * ne] = (p), e[2 * ne + 1] = (b), ne++)
    EDGE(0, 0);
    EDGE(2, 0);
    EDGE(1, 1);
    EDGE(2, 1);
    for (uint32_t b = 2; b <= 4; b++) {
        EDGE(0, b);
        EDGE(3, b);
    }
    for (uint32_t b = 5; b <= 12; b++) EDGE(4, b);
#undef EDGE
    tg_graph g;
    tg_build(&g, 5, 13, e, ne, NULL, NULL, 8);
    bw_walk_source s[2] = {pin_src(0, 1.0), pin_src(1, 0.25)};
    const uint64_t n = 1900000;
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    uint64_t alloc[2];
    bw_walk_config c = base_cfg(n, 1.0, 5);
    bw_walk_allocate(&g.v, &c, s, 2, alloc);
    CHECK(alloc[0] == 1600000 && alloc[1] == 300000);
    for (int boost = 0; boost <= 1; boost++) {
        c.boost = boost;
        CHECK(bw_walk_run(&g.v, ctx, &c, s, 2, NULL, 0) == 0);
        size_t k = check_hits(ctx, &c, s, 2, NULL, 0);
        const bw_walk_hit *h = bw_walk_results(ctx, &k);
        CHECK(k == 2);
        if (k < 2) continue;
        double unit = (double)n / 19.0;
        if (boost) {
            CHECK(h[0].node == 2 && h[1].node == 3);
            double want = pow(sqrt(2.0) + sqrt(1.5), 2.0) * unit;
            CHECK(fabs(h[0].score - want) / want < 0.01);
            CHECK(fabs(h[1].score - 6.0 * unit) / (6.0 * unit) < 0.01);
            CHECK(fabs((double)h[0].visits - 3.5 * unit) / (3.5 * unit) < 0.01);
        } else {
            CHECK(h[0].node == 3 && h[1].node == 2);
            CHECK(fabs(h[0].score - 6.0 * unit) / (6.0 * unit) < 0.01);
            CHECK(fabs(h[1].score - 3.5 * unit) / (3.5 * unit) < 0.01);
        }
        printf("  boost=%d: first %s score %.0f, second score %.0f\n", boost,
               h[0].node == 2 ? "X (both sources)" : "Y (one source)", h[0].score, h[1].score);
    }
    bw_walk_ctx_free(ctx);
    tg_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Early stopping                                                             */

static uint32_t pick_pin(const tg_graph *g, uint64_t mindeg, uint64_t maxdeg, uint32_t start) {
    for (uint32_t p = start; p < g->npins; p++)
        if (tg_pdeg(g, p) >= mindeg && tg_pdeg(g, p) <= maxdeg) return p;
    return 0;
}

static size_t overlap(const bw_walk_hit *a, size_t na, const bw_walk_hit *b, size_t nb) {
    size_t o = 0;
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i].node == b[j].node && a[i].is_board == b[j].is_board) {
                o++;
                break;
            }
    return o;
}

static void test_early_stop(const tg_graph *g) {
    printf("early stopping\n");
    bw_walk_ctx *a = bw_walk_ctx_new(), *b = bw_walk_ctx_new();
    const uint64_t n = 4000000;
    double worst = 1.0;
    uint64_t most = 0;
    for (int t = 0; t < 3; t++) {
        uint32_t q = pick_pin(g, 3, 30, 100 + 1000 * (uint32_t)t);
        bw_walk_source s = pin_src(q, 1.0);
        bw_walk_config c = base_cfg(n, 0.5, 77 + (uint64_t)t);
        c.top = 100;
        CHECK(bw_walk_run(&g->v, a, &c, &s, 1, NULL, 0) == 0);
        CHECK(bw_walk_steps_taken(a) == n);
        size_t na = check_hits(a, &c, &s, 1, NULL, 0);
        c.early_stop = 1;
        c.np = 500;
        c.nv = 12;
        CHECK(bw_walk_run(&g->v, b, &c, &s, 1, NULL, 0) == 0);
        uint64_t taken = bw_walk_steps_taken(b);
        size_t nb = check_hits(b, &c, &s, 1, NULL, 0);
        const bw_walk_hit *ha = bw_walk_results(a, &na), *hb = bw_walk_results(b, &nb);
        size_t o = overlap(ha, na, hb, nb);
        /* It stops the moment the (np+1)-th pin reaches nv visits. */
        uint32_t high = 0;
        for (uint32_t p = 0; p < g->npins; p++) {
            uint64_t v;
            bw_walk_lookup(b, p, 0, NULL, &v);
            high += v >= c.nv;
        }
        CHECK(high == c.np + 1);
        CHECK(taken < n / 20);
        CHECK(na == 100 && nb == 100);
        CHECK(o >= 80);
        printf("  source %u: early stop after %llu of %llu steps, top-100 overlap %zu%%\n", q,
               (unsigned long long)taken, (unsigned long long)n, o);
        if ((double)o / 100.0 < worst) worst = (double)o / 100.0;
        if (taken > most) most = taken;
    }
    /* Multiple sources: each stops on its own, the total stays << N. */
    {
        bw_walk_source s[3] = {pin_src(pick_pin(g, 3, 30, 10), 1.0), pin_src(pick_pin(g, 3, 30, 5000), 2.0),
                               board_src(17, 1.0)};
        bw_walk_config c = base_cfg(n, 0.5, 3);
        c.early_stop = 1;
        c.np = 400;
        c.nv = 8;
        c.boost = 1;
        CHECK(bw_walk_run(&g->v, b, &c, s, 3, NULL, 0) == 0);
        CHECK(bw_walk_steps_taken(b) < n / 5);
        check_hits(b, &c, s, 3, NULL, 0);
    }
    bw_walk_ctx_free(a);
    bw_walk_ctx_free(b);
}

/* ------------------------------------------------------------------------ */
/* Bias                                                                       */

static void test_bias(void) {
    printf("bias\n");
    uint64_t ne;
    uint32_t *e = tg_powerlaw_edges(20000, 2000, 200000, 99, &ne);
    uint32_t *attrs = malloc(20000 * sizeof *attrs);
    uint64_t rs = 1234;
    for (uint32_t p = 0; p < 20000; p++)
        attrs[p] = ((uint32_t)(tg_rand(&rs) % 2) << 16) | (uint32_t)(tg_rand(&rs) % 10);
    tg_graph g;
    tg_build(&g, 20000, 2000, e, ne, attrs, NULL, 4096);
    free(e);
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    for (int t = 0; t < 3; t++) {
        uint32_t q = pick_pin(&g, 2, 50, 10 + 3000 * (uint32_t)t);
        bw_walk_source s = pin_src(q, 1.0);
        bw_walk_config c = base_cfg(200000, 0.5, 8 + (uint64_t)t);
        c.top = 100;
        /* Unbiased reference, then beta 0 with a language: identical. */
        CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
        size_t n0;
        const bw_walk_hit *h0 = bw_walk_results(ctx, &n0);
        bw_walk_hit *ref = malloc(n0 * sizeof *ref);
        memcpy(ref, h0, n0 * sizeof *ref);
        size_t lang_plain = 0;
        for (size_t i = 0; i < n0; i++) lang_plain += (g.pin_attrs[ref[i].node] >> 16) == 1;
        c.language = 1;
        c.bias = 0.0;
        CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
        size_t nz;
        const bw_walk_hit *hz = bw_walk_results(ctx, &nz);
        int same = nz == n0;
        for (size_t i = 0; same && i < n0; i++)
            same = hz[i].node == ref[i].node && hz[i].is_board == ref[i].is_board &&
                   hz[i].score == ref[i].score && hz[i].visits == ref[i].visits;
        CHECK(same);
        /* beta 1: nearly every result speaks the language. */
        c.bias = 1.0;
        CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
        size_t n1 = check_hits(ctx, &c, &s, 1, NULL, 0);
        const bw_walk_hit *h1 = bw_walk_results(ctx, &n1);
        size_t lang = 0;
        for (size_t i = 0; i < n1; i++) lang += (g.pin_attrs[h1[i].node] >> 16) == 1;
        CHECK(n1 == 100);
        CHECK(lang * 100 >= 95 * n1);
        /* Topic only (rejection draws): the topic's share rises well above
         * its 10% base rate. Language and topic: most results match both. */
        c.language = BW_ATTR_ANY;
        c.topic = 3;
        CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
        size_t nt = check_hits(ctx, &c, &s, 1, NULL, 0);
        const bw_walk_hit *ht = bw_walk_results(ctx, &nt);
        size_t topic = 0, topic_plain = 0;
        for (size_t i = 0; i < nt; i++) topic += (g.pin_attrs[ht[i].node] & 0xFFFF) == 3;
        for (size_t i = 0; i < n0; i++) topic_plain += (g.pin_attrs[ref[i].node] & 0xFFFF) == 3;
        CHECK(topic >= 30 && topic > 2 * topic_plain);
        c.language = 0;
        CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
        size_t nlt = check_hits(ctx, &c, &s, 1, NULL, 0);
        const bw_walk_hit *hlt = bw_walk_results(ctx, &nlt);
        size_t both = 0;
        for (size_t i = 0; i < nlt; i++) both += g.pin_attrs[hlt[i].node] == 3u;
        CHECK(both >= 80);
        printf("  source %u: language 1 in top 100: %zu unbiased, %zu at beta 1; topic 3: %zu -> %zu; "
               "both: %zu\n",
               q, lang_plain, lang, topic_plain, topic, both);
        free(ref);
    }
    bw_walk_ctx_free(ctx);
    free(attrs);
    tg_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Determinism                                                                */

typedef struct query {
    bw_walk_source src[4];
    size_t nsrc;
    bw_walk_config cfg;
} query;

typedef struct result {
    bw_walk_hit hits[64];
    size_t n;
    uint64_t steps;
} result;

static void capture(const bw_walk_ctx *ctx, result *r) {
    const bw_walk_hit *h = bw_walk_results(ctx, &r->n);
    memset(r->hits, 0, sizeof r->hits);
    memcpy(r->hits, h, r->n * sizeof *h);
    r->steps = bw_walk_steps_taken(ctx);
}

static int same_result(const result *a, const result *b) {
    if (a->n != b->n || a->steps != b->steps) return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->hits[i].node != b->hits[i].node || a->hits[i].is_board != b->hits[i].is_board ||
            a->hits[i].score != b->hits[i].score || a->hits[i].visits != b->hits[i].visits)
            return 0;
    }
    return 1;
}

#define NQUERIES 8
static query g_queries[NQUERIES];

static void make_queries(const tg_graph *g) {
    for (int i = 0; i < NQUERIES; i++) {
        query *q = &g_queries[i];
        q->cfg = base_cfg(50000 + 20000 * (uint64_t)i, 0.4, 1000 + (uint64_t)i);
        q->cfg.top = 64;
        q->cfg.boost = i & 1;
        q->cfg.include_boards = (i >> 1) & 1;
        q->cfg.early_stop = i >= 6;
        q->cfg.np = 300;
        q->cfg.nv = 5;
        q->nsrc = 1 + (size_t)(i % 4);
        for (size_t k = 0; k < q->nsrc; k++)
            q->src[k] = k == 3 ? board_src(5 + (uint32_t)i, 1.0)
                               : pin_src(pick_pin(g, 2, 100, 50 + 700 * (uint32_t)(i * 4 + (int)k)), 1.0 + (double)k);
    }
}

typedef struct thread_arg {
    const tg_graph *g;
    result res[NQUERIES];
    int rc;
} thread_arg;

static void *thread_main(void *p) {
    thread_arg *a = p;
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    a->rc = 0;
    /* Run in reverse, twice: context history must not matter. */
    for (int rep = 0; rep < 2; rep++)
        for (int i = NQUERIES - 1; i >= 0; i--) {
            const query *q = &g_queries[i];
            if (bw_walk_run(&a->g->v, ctx, &q->cfg, q->src, q->nsrc, NULL, 0) != 0) a->rc = 1;
            capture(ctx, &a->res[i]);
        }
    bw_walk_ctx_free(ctx);
    return NULL;
}

static void test_determinism(const tg_graph *g) {
    printf("determinism\n");
    make_queries(g);
    result first[NQUERIES], again;
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    for (int i = 0; i < NQUERIES; i++) {
        const query *q = &g_queries[i];
        CHECK(bw_walk_run(&g->v, ctx, &q->cfg, q->src, q->nsrc, NULL, 0) == 0);
        capture(ctx, &first[i]);
        check_hits(ctx, &q->cfg, q->src, q->nsrc, NULL, 0);
        CHECK(first[i].n == 64);
    }
    /* Same ctx, after a large query grew its tables. */
    {
        bw_walk_config big = base_cfg(3000000, 0.1, 9);
        big.include_boards = 1;
        bw_walk_source s = pin_src(pick_pin(g, 2, 100, 0), 1.0);
        CHECK(bw_walk_run(&g->v, ctx, &big, &s, 1, NULL, 0) == 0);
    }
    int all_same = 1;
    for (int i = 0; i < NQUERIES; i++) {
        const query *q = &g_queries[i];
        CHECK(bw_walk_run(&g->v, ctx, &q->cfg, q->src, q->nsrc, NULL, 0) == 0);
        capture(ctx, &again);
        all_same &= same_result(&first[i], &again);
    }
    CHECK(all_same);
    /* Fresh ctx. */
    bw_walk_ctx *fresh = bw_walk_ctx_new();
    all_same = 1;
    for (int i = NQUERIES - 1; i >= 0; i--) {
        const query *q = &g_queries[i];
        CHECK(bw_walk_run(&g->v, fresh, &q->cfg, q->src, q->nsrc, NULL, 0) == 0);
        capture(fresh, &again);
        all_same &= same_result(&first[i], &again);
    }
    CHECK(all_same);
    /* Another seed: other visit counts. */
    {
        query q = g_queries[2];
        q.cfg.seed ^= 0xABCDEF;
        CHECK(bw_walk_run(&g->v, fresh, &q.cfg, q.src, q.nsrc, NULL, 0) == 0);
        CHECK(bw_walk_run(&g->v, ctx, &g_queries[2].cfg, q.src, q.nsrc, NULL, 0) == 0);
        uint64_t diff = 0;
        /* Compare the full visit vectors of the two seeds. */
        uint64_t *va = calloc(g->npins, sizeof *va);
        for (uint32_t p = 0; p < g->npins; p++) bw_walk_lookup(ctx, p, 0, NULL, &va[p]);
        for (uint32_t p = 0; p < g->npins; p++) {
            uint64_t v;
            bw_walk_lookup(fresh, p, 0, NULL, &v);
            diff += v != va[p];
        }
        CHECK(diff > 100);
        free(va);
    }
    bw_walk_ctx_free(fresh);
    bw_walk_ctx_free(ctx);

    /* Threads: one ctx each, same answers as one thread. */
    enum { T = 3 };
    pthread_t th[T];
    thread_arg *args = calloc(T, sizeof *args);
    for (int t = 0; t < T; t++) {
        args[t].g = g;
        CHECK(pthread_create(&th[t], NULL, thread_main, &args[t]) == 0);
    }
    for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
    all_same = 1;
    for (int t = 0; t < T; t++) {
        CHECK(args[t].rc == 0);
        for (int i = 0; i < NQUERIES; i++) all_same &= same_result(&first[i], &args[t].res[i]);
    }
    CHECK(all_same);
    free(args);
}

/* ------------------------------------------------------------------------ */
/* Results: exclusion, sizes, boards, ties, time budget, errors               */

static int cmp_hit(const void *a, const void *b) {
    const bw_walk_hit *x = a, *y = b;
    if (hit_before(x, y)) return -1;
    if (hit_before(y, x)) return 1;
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void test_results(const tg_graph *g) {
    printf("results\n");
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    uint32_t q = pick_pin(g, 3, 40, 200);
    bw_walk_source s[2] = {pin_src(q, 1.0), board_src(g->pin_adj[g->pin_off[q]], 1.0)};

    /* Exclusion: drop the 10 best of a first run. */
    bw_walk_config c = base_cfg(300000, 0.5, 21);
    c.top = 50;
    CHECK(bw_walk_run(&g->v, ctx, &c, s, 2, NULL, 0) == 0);
    size_t n;
    const bw_walk_hit *h = bw_walk_results(ctx, &n);
    CHECK(n == 50);
    bw_node ex[12];
    size_t nex = 0;
    for (size_t i = 0; i < 10 && i < n; i++) ex[nex++] = h[i].node;
    ex[nex++] = 0;
    ex[nex++] = g->npins - 1;
    qsort(ex, nex, sizeof ex[0], cmp_u32);
    CHECK(bw_walk_run(&g->v, ctx, &c, s, 2, ex, nex) == 0);
    check_hits(ctx, &c, s, 2, ex, nex);
    /* An excluded pin still has its visits in lookup. */
    uint64_t v;
    bw_walk_lookup(ctx, ex[5], 0, NULL, &v);
    CHECK(v > 0);

    /* Selection == a full sort of every visited node, ties included: a short
     * walk leaves many nodes on 1-3 visits; boards too. */
    for (int inc = 0; inc <= 1; inc++) {
        for (int boost = 0; boost <= 1; boost++) {
            bw_walk_config t = base_cfg(2000, 0.3, 5 + (uint64_t)boost);
            t.include_boards = inc;
            t.boost = boost;
            t.top = 150;
            CHECK(bw_walk_run(&g->v, ctx, &t, s, 2, ex, nex) == 0);
            size_t nh = check_hits(ctx, &t, s, 2, ex, nex);
            const bw_walk_hit *hh = bw_walk_results(ctx, &nh);
            size_t cap = g->npins + g->nboards, nall = 0;
            bw_walk_hit *all = malloc(cap * sizeof *all);
            uint64_t psum = 0, bsum = 0;
            for (int side = 0; side <= 1; side++) {
                uint32_t cnt = side ? g->nboards : g->npins;
                for (uint32_t x = 0; x < cnt; x++) {
                    double sc;
                    uint64_t vis;
                    bw_walk_lookup(ctx, x, side, &sc, &vis);
                    if (side) bsum += vis;
                    else psum += vis;
                    if (vis == 0 || (side && !inc)) continue;
                    if (!side && excluded(ex, nex, x)) continue;
                    if (x == s[side].node) continue;
                    bw_walk_hit e;
                    memset(&e, 0, sizeof e);
                    e.node = x;
                    e.is_board = (uint8_t)side;
                    e.score = sc;
                    e.visits = vis;
                    all[nall++] = e;
                }
            }
            CHECK(psum == 2000);
            CHECK(bsum == (inc ? 2000u : 0u));
            qsort(all, nall, sizeof *all, cmp_hit);
            size_t want = nall < t.top ? nall : t.top;
            CHECK(nh == want);
            int same = nh == want;
            size_t ties = 0, mixed = 0;
            for (size_t i = 0; same && i < nh; i++) {
                same &= all[i].node == hh[i].node && all[i].is_board == hh[i].is_board &&
                        all[i].score == hh[i].score;
                if (i > 0 && hh[i].score == hh[i - 1].score) {
                    ties++;
                    mixed += hh[i].is_board != hh[i - 1].is_board;
                }
            }
            CHECK(same);
            CHECK(ties > 20);
            if (inc) {
                size_t boards = 0;
                for (size_t i = 0; i < nh; i++) boards += hh[i].is_board;
                CHECK(boards > 0);
                if (!boost) CHECK(mixed > 0); /* a pin and a board tied: pin first */
            }
            /* top beyond the visited count returns every candidate. */
            t.top = 1000000;
            CHECK(bw_walk_run(&g->v, ctx, &t, s, 2, ex, nex) == 0);
            size_t nbig = check_hits(ctx, &t, s, 2, ex, nex);
            CHECK(nbig == nall);
            free(all);
        }
    }

    /* A board source is never returned, also with include_boards. */
    {
        bw_walk_config t = base_cfg(100000, 0.5, 3);
        t.include_boards = 1;
        t.top = 100000;
        bw_walk_source bs = board_src(3, 1.0);
        CHECK(bw_walk_run(&g->v, ctx, &t, &bs, 1, NULL, 0) == 0);
        size_t nb = check_hits(ctx, &t, &bs, 1, NULL, 0);
        CHECK(nb > 100);
    }

    /* top 0 and steps 0. */
    {
        bw_walk_config t = base_cfg(1000, 0.5, 3);
        t.top = 0;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 1, NULL, 0) == 0);
        size_t nz = 9;
        bw_walk_results(ctx, &nz);
        CHECK(nz == 0);
        CHECK(bw_walk_steps_taken(ctx) == 1000);
        t.top = 10;
        t.steps = 0;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 1, NULL, 0) == 0);
        bw_walk_results(ctx, &nz);
        CHECK(nz == 0);
        double sc = 1;
        bw_walk_lookup(ctx, q, 0, &sc, &v);
        CHECK(sc == 0.0 && v == 0);
        t.steps = 1000;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 0, NULL, 0) == 0);
        bw_walk_results(ctx, &nz);
        CHECK(nz == 0);
    }

    /* Time budget: 1 ns against 10^12 steps stops at the first check. */
    {
        bw_walk_config t = base_cfg(1000000000000ull, 0.5, 3);
        t.time_budget_ns = 1;
        t.include_boards = 1;
        t.boost = 1;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 2, NULL, 0) == 0);
        CHECK(bw_walk_partial(ctx) == 1);
        CHECK(bw_walk_steps_taken(ctx) > 0 && bw_walk_steps_taken(ctx) < 100000);
        size_t nt = check_hits(ctx, &t, s, 2, NULL, 0);
        CHECK(nt > 0);
        /* 30 ms: returns close to it, partial. */
        struct timespec a, b;
        t.time_budget_ns = 30000000;
        clock_gettime(CLOCK_MONOTONIC, &a);
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 2, NULL, 0) == 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
        CHECK(bw_walk_partial(ctx) == 1);
        CHECK(ms < 1000.0);
        printf("  30 ms budget on 1e12 steps: returned after %.1f ms, %llu steps\n", ms,
               (unsigned long long)bw_walk_steps_taken(ctx));
        /* A generous budget does not mark a complete walk partial. */
        t.steps = 10000;
        t.time_budget_ns = 10000000000ull;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 2, NULL, 0) == 0);
        CHECK(bw_walk_partial(ctx) == 0);
        CHECK(bw_walk_steps_taken(ctx) == 10000);
    }

    /* Invalid arguments. */
    {
        bw_walk_config t = base_cfg(1000, 0.0, 3);
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 1, NULL, 0) == BW_EINVAL);
        t.restart = 1.5;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 1, NULL, 0) == BW_EINVAL);
        t.restart = 0.5;
        t.bias = 2.0;
        CHECK(bw_walk_run(&g->v, ctx, &t, s, 1, NULL, 0) == BW_EINVAL);
        t.bias = 0.0;
        bw_walk_source bad = pin_src(g->npins, 1.0);
        CHECK(bw_walk_run(&g->v, ctx, &t, &bad, 1, NULL, 0) == BW_EINVAL);
        size_t nz = 7;
        bw_walk_results(ctx, &nz);
        CHECK(nz == 0);
        /* A zero / negative weight source walks nothing but is not returned. */
        bw_walk_source two[2] = {pin_src(q, 1.0), pin_src(g->pin_adj[0] == 0 ? 1 : 2, 0.0)};
        t.top = 100000;
        CHECK(bw_walk_run(&g->v, ctx, &t, two, 2, NULL, 0) == 0);
        check_hits(ctx, &t, two, 2, NULL, 0);
    }
    bw_walk_ctx_free(ctx);
}

/* Alpha 1 on one pin of one board: every step lands on a pin of the board;
 * ties between equal-visit pins break by node. Also checks restarts: the walk
 * never leaves the source's neighbourhood. */
static void test_restart_one(void) {
    printf("restart 1\n");
    uint32_t e[] = {0, 0, 1, 0, 2, 0, 2, 1, 3, 1};
    tg_graph g;
    tg_build(&g, 4, 2, e, 5, NULL, NULL, 8);
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    bw_walk_config c = base_cfg(30000, 1.0, 1);
    bw_walk_source s = pin_src(0, 1.0);
    CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == 0);
    uint64_t v3;
    bw_walk_lookup(ctx, 3, 0, NULL, &v3);
    CHECK(v3 == 0);
    size_t n;
    const bw_walk_hit *h = bw_walk_results(ctx, &n);
    CHECK(n == 2);
    /* Pins 1 and 2 each get ~1/3 of the steps. */
    for (size_t i = 0; i < n; i++) CHECK(fabs((double)h[i].visits / 30000.0 - 1.0 / 3.0) < 0.02);
    bw_walk_ctx_free(ctx);
    tg_free(&g);
}

/* ------------------------------------------------------------------------ */
/* Damaged arrays (a graph file opened without verification)                  */

/* A writable pointer to element i of a chunked array of the test graph (its
 * chunks are heap copies, so writing them leaves the flat arrays intact). */
static uint64_t *off_at(const bw_chunked *c, uint64_t i) {
    return (uint64_t *)(uintptr_t)c->chunks[i >> c->shift] + (i & c->mask);
}
static uint32_t *adj_at(const bw_chunked *c, uint64_t i) {
    return (uint32_t *)(uintptr_t)c->chunks[i >> c->shift] + (i & c->mask);
}

/* Every kind of query on the graph as it is: each must end with 0 or
 * BW_ECORRUPT, within its step budget, and (under ASan) read nothing
 * outside the arrays. Returns how many answered BW_ECORRUPT. */
static int walk_damaged(const tg_graph *g, bw_walk_ctx *ctx, uint32_t pin, uint32_t board, uint64_t seed) {
    int corrupt = 0;
    for (int kind = 0; kind < 7; kind++) {
        bw_walk_config c = base_cfg(3000, 0.3, seed + (uint64_t)kind);
        bw_walk_source s[2] = {pin_src(pin, 1.0), board_src(board, 0.5)};
        size_t ns = 1;
        if (kind == 1) c.include_boards = 1;
        if (kind == 2) c.bias = 0.8, c.language = 1;              /* a range of each list */
        if (kind == 3) c.bias = 0.8, c.topic = 3;                 /* sampled matches */
        if (kind == 4) s[0] = board_src(board, 1.0);              /* a board source */
        if (kind == 5) ns = 2, c.early_stop = 1, c.np = 5, c.nv = 2, c.boost = 1;
        if (kind == 6) c.method = BW_METHOD_EXACT, c.exponent = 1.0, ns = 2, c.popularity_penalty = 0.5;
        int rc = bw_walk_run(&g->v, ctx, &c, s, ns, NULL, 0);
        CHECK(rc == 0 || rc == BW_ECORRUPT);
        if (rc == BW_ECORRUPT) corrupt++;
        if (kind != 6) CHECK(bw_walk_steps_taken(ctx) <= c.steps);
        size_t n;
        const bw_walk_hit *h = bw_walk_results(ctx, &n);
        for (size_t i = 0; i < n; i++) CHECK(h[i].node < (h[i].is_board ? g->nboards : g->npins));
    }
    return corrupt;
}

static void test_damaged(void) {
    printf("damaged arrays\n");
    const uint32_t np = 3000, nb = 300;
    uint64_t ne;
    uint32_t *e = tg_powerlaw_edges(np, nb, 30000, 77, &ne);
    uint32_t *attrs = malloc(np * sizeof *attrs);
    uint64_t rs = 4321;
    for (uint32_t p = 0; p < np; p++) attrs[p] = ((uint32_t)(tg_rand(&rs) % 2) << 16) | (uint32_t)(tg_rand(&rs) % 5);
    tg_graph g;
    tg_build(&g, np, nb, e, ne, attrs, NULL, 64); /* 64-element chunks: ASan sees a read past one */
    free(e);
    free(attrs);
    bw_walk_ctx *ctx = bw_walk_ctx_new();
    const uint32_t q = pick_pin(&g, 2, 50, 7);
    uint32_t qb = 0;
    while (tg_bdeg(&g, qb) == 0) qb++;
    const uint64_t E = g.nedges;

    /* Sound: nothing to refuse. */
    CHECK(walk_damaged(&g, ctx, q, qb, 1) == 0);

    /* Every pin index in the board lists out of range: the first hop back
     * to a pin meets one, so every method answers BW_ECORRUPT. */
    uint32_t *saved = malloc(E * sizeof *saved);
    for (uint64_t i = 0; i < E; i++) saved[i] = *adj_at(&g.v.boards.adj, i), *adj_at(&g.v.boards.adj, i) = np + (uint32_t)(i % 7);
    CHECK(walk_damaged(&g, ctx, q, qb, 2) == 7);
    for (uint64_t i = 0; i < E; i++) *adj_at(&g.v.boards.adj, i) = saved[i];
    /* The same for board indices in the pin lists (0xFFFFFFFF is also the
     * visit tables' empty key). */
    for (uint64_t i = 0; i < E; i++) saved[i] = *adj_at(&g.v.pins.adj, i), *adj_at(&g.v.pins.adj, i) = 0xFFFFFFFFu;
    CHECK(walk_damaged(&g, ctx, q, qb, 3) == 7);
    for (uint64_t i = 0; i < E; i++) *adj_at(&g.v.pins.adj, i) = saved[i];
    free(saved);

    /* The query pin's list past the end of the array: refused. */
    uint64_t *lo = off_at(&g.v.pins.offsets, q), *hi = off_at(&g.v.pins.offsets, (uint64_t)q + 1);
    const uint64_t lo0 = *lo, hi0 = *hi;
    *lo = E + 10, *hi = E + 20;
    bw_walk_config c = base_cfg(1000, 0.5, 5);
    bw_walk_source s = pin_src(q, 1.0);
    CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == BW_ECORRUPT);
    c.method = BW_METHOD_EXACT;
    c.exponent = 1.0;
    CHECK(bw_walk_run(&g.v, ctx, &c, &s, 1, NULL, 0) == BW_ECORRUPT);
    /* Inverted, empty, huge or past-the-end lists of the query pin: an
     * answer or BW_ECORRUPT, never a read outside the arrays. */
    const uint64_t bad[][2] = {{hi0, lo0}, {lo0, lo0}, {0, E}, {0, UINT64_MAX}, {E - 1, E + 1}, {UINT64_MAX - 1, 3}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        *lo = bad[i][0], *hi = bad[i][1];
        walk_damaged(&g, ctx, q, qb, 10 + i);
    }
    *lo = lo0, *hi = hi0;

    /* Random damage to any of the four arrays, one value at a time. */
    int refused = 0, answered = 0;
    for (int t = 0; t < 300; t++) {
        const int which = (int)(tg_rand(&rs) % 4);
        const bw_chunked *a = which == 0 ? &g.v.pins.offsets : which == 1 ? &g.v.boards.offsets
                            : which == 2 ? &g.v.pins.adj : &g.v.boards.adj;
        const uint64_t i = tg_rand(&rs) % a->count;
        const uint64_t r = tg_rand(&rs);
        if (which < 2) {
            uint64_t *x = off_at(a, i), keep = *x;
            *x = (r & 1) ? keep ^ (1ull << (r >> 1) % 64) : r % (2 * E + 2);
            int k = walk_damaged(&g, ctx, q, qb, 100 + (uint64_t)t);
            refused += k, answered += 7 - k;
            *x = keep;
        } else {
            uint32_t *x = adj_at(a, i), keep = *x;
            *x = (r & 1) ? keep ^ (1u << (r >> 1) % 32) : (uint32_t)r;
            int k = walk_damaged(&g, ctx, q, qb, 100 + (uint64_t)t);
            refused += k, answered += 7 - k;
            *x = keep;
        }
    }
    printf("  300 random damages x 7 queries: %d refused (BW_ECORRUPT), %d answered\n", refused, answered);
    CHECK(walk_damaged(&g, ctx, q, qb, 1) == 0); /* restored */
    bw_walk_ctx_free(ctx);
    tg_free(&g);
}

int main(void) {
    test_distributions();
    test_allocate();
    test_boost();
    test_restart_one();
    {
        uint64_t ne;
        uint32_t *e = tg_powerlaw_edges(20000, 2000, 250000, 2024, &ne);
        tg_graph g;
        tg_build(&g, 20000, 2000, e, ne, NULL, NULL, 1024);
        free(e);
        printf("power-law graph: %u pins, %u boards, %llu edges, max degree %u / %u\n", g.npins,
               g.nboards, (unsigned long long)g.nedges, g.v.pins.max_degree, g.v.boards.max_degree);
        test_early_stop(&g);
        test_determinism(&g);
        test_results(&g);
        tg_free(&g);
    }
    test_bias();
    test_damaged();
    return check_summary("walk");
}
