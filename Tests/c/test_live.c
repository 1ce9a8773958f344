/* test_live.c - live edges through the C ABI: bw_live_add_edges,
 * bw_live_remove_edges, bw_live_hide, expiry, swaps with a watermark, and a
 * writer racing four query threads.
 *
 *   test_live BOARDWALK_CLI TMPDIR [STRESS_SECONDS]
 *     BOARDWALK_CLI   the `boardwalk` tool, which builds every graph here
 *     TMPDIR          a directory for edge lists and graphs
 *     STRESS_SECONDS  length of the concurrency part (default 3)
 *
 * 1. Exactness: for 12 random bases (ids drawn from the whole uint64 range,
 *    0 and 2^64-1 included) with random batches of additions (new pins and
 *    boards, duplicates, edges the base has), removals (base, live, missing)
 *    and a hidden pin, the reference edge set is kept here and built by
 *    `boardwalk build`. On every pin and board of the union: the exact
 *    method's scores on base + live equal the rebuilt graph's (relative
 *    difference below 1e-9; the same ids), with and without a popularity
 *    penalty and boards as results; unknown ids agree (a node whose edges
 *    were all removed is unknown on both). Walk: from one pin, 400,000
 *    steps, restart 0.5, no early stopping; the visit frequencies of the
 *    live graph and of the rebuilt graph are each within total-variation
 *    distance 0.03 of the exact visit distribution (computed here by power
 *    iteration over the reference edge set). With ~40 pins and chains of
 *    mean length 2 the sampling TV is about 0.01, so 0.03 fails only when
 *    the walk is wrong (a lost edge moves ~1/deg of a node's mass).
 * 2. Expiry: a cap of 8 edges (4 segments of 2): 12 edges added one batch
 *    each leave the newest 6..8; the oldest pins are gone, the newest found.
 * 3. Swap with a watermark: live edges at times 101..140 over a base with
 *    watermark 100; a new base with watermark 120 holding the base's edges
 *    and those of times <= 120 (minus one, which the new base leaves out:
 *    dropped too, as documented); after the swap the union equals the new
 *    base plus the edges of times > 120, each once (exact scores as in 1,
 *    BW_LIVE_STAT_EDGES counts them); a removal of a base edge the new base
 *    still has is kept.
 * 4. Bad input: NULL live for every call, NULL arrays, an add above the cap
 *    (BW_ELIMIT, nothing added), times going backwards (accepted), unknown
 *    stat, set_max_edges out of range or below what is held.
 * 5. Stress: a writer adding new and existing edges and removing some at
 *    full speed, swapping the base every 50 ms between two graphs, and four
 *    query threads; every query must succeed and return only ids of the
 *    union's universe. Run under TSan by run_abi_tests.sh. Memory is bounded
 *    by the cap (BW_LIVE_STAT_BYTES checked at the end).
 *
 * Prints failed CHECKs; ends with `live: N passed, M failed`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boardwalk.h"

static int passed, failed;
#define CHECK(c)                                                                   \
    do {                                                                           \
        if (c) passed++;                                                           \
        else {                                                                     \
            failed++;                                                              \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); \
        }                                                                          \
    } while (0)
#define CHECKMSG(c, ...)                                                           \
    do {                                                                           \
        if (c) passed++;                                                           \
        else {                                                                     \
            failed++;                                                              \
            fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #c);  \
            fprintf(stderr, __VA_ARGS__);                                          \
            fputc('\n', stderr);                                                   \
        }                                                                          \
    } while (0)

static const char *cli, *tmpdir;

static uint64_t rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------------------ */
/* The reference: a set of edges                                              */

typedef struct edge {
    uint64_t pin, board, time;
} edge;

typedef struct eset {
    edge *e;
    size_t n, cap;
} eset;

static long eset_find(const eset *s, uint64_t p, uint64_t b) {
    for (size_t i = 0; i < s->n; i++)
        if (s->e[i].pin == p && s->e[i].board == b) return (long)i;
    return -1;
}
static int eset_add(eset *s, uint64_t p, uint64_t b, uint64_t t) {
    if (eset_find(s, p, b) >= 0) return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->e = realloc(s->e, s->cap * sizeof *s->e);
    }
    s->e[s->n++] = (edge){p, b, t};
    return 1;
}
static int eset_del(eset *s, uint64_t p, uint64_t b) {
    long i = eset_find(s, p, b);
    if (i < 0) return 0;
    s->e[i] = s->e[--s->n];
    return 1;
}

/* Writes the edges as build's TSV and builds a graph; 0 on success. */
static int build(const eset *s, const char *name, long watermark, char *out_path, size_t cap) {
    char tsv[512], cmd[2048];
    snprintf(tsv, sizeof tsv, "%s/%s.tsv", tmpdir, name);
    snprintf(out_path, cap, "%s/%s.bwg", tmpdir, name);
    FILE *f = fopen(tsv, "w");
    if (!f) return -1;
    fprintf(f, "pin_id\tboard_id\n");
    for (size_t i = 0; i < s->n; i++) fprintf(f, "%llu\t%llu\n", (unsigned long long)s->e[i].pin, (unsigned long long)s->e[i].board);
    fclose(f);
    char wm[64] = "";
    if (watermark >= 0) snprintf(wm, sizeof wm, "--watermark %ld", watermark);
    snprintf(cmd, sizeof cmd, "'%s' build --quiet --allow-empty %s --output '%s' '%s' >/dev/null", cli, wm, out_path, tsv);
    return system(cmd);
}

/* ------------------------------------------------------------------------ */
/* Comparing answers                                                          */

typedef struct ans {
    int rc;
    size_t n;
    uint64_t id[4096];
    int kind[4096];
    double score[4096];
    uint64_t visits[4096];
} ans;

static void collect(int rc, bw_results *r, ans *a) {
    a->rc = rc;
    a->n = 0;
    if (rc) return;
    for (size_t i = 0; i < bw_results_count(r) && a->n < 4096; i++, a->n++) {
        bw_results_get(r, i, &a->id[a->n], &a->score[a->n], &a->visits[a->n]);
        bw_results_kind(r, i, &a->kind[a->n]);
    }
    bw_results_free(r);
}

/* Same ids with the same scores, in any order (ties order by index, which
 * differs between a delta's new nodes and a rebuilt graph). */
static int same_scores(const ans *x, const ans *y, char *why, size_t cap) {
    if (x->rc != y->rc) {
        snprintf(why, cap, "rc %d vs %d", x->rc, y->rc);
        return 0;
    }
    if (x->n != y->n) {
        snprintf(why, cap, "%zu results vs %zu", x->n, y->n);
        return 0;
    }
    for (size_t i = 0; i < x->n; i++) {
        size_t j = 0;
        while (j < y->n && !(y->id[j] == x->id[i] && y->kind[j] == x->kind[i])) j++;
        if (j == y->n) {
            snprintf(why, cap, "id %llu missing", (unsigned long long)x->id[i]);
            return 0;
        }
        double d = fabs(x->score[i] - y->score[j]), m = fmax(fabs(x->score[i]), fabs(y->score[j]));
        if (d > 1e-9 * m) {
            snprintf(why, cap, "id %llu: %.17g vs %.17g", (unsigned long long)x->id[i], x->score[i], y->score[j]);
            return 0;
        }
    }
    return 1;
}

static bw_query *exact_query(int kind, uint64_t id, double penalty, int boards) {
    bw_query *q;
    bw_query_new(&q);
    if (kind == BW_PIN) bw_query_add_pin(q, id, 1.0);
    else bw_query_add_board(q, id, 1.0);
    bw_query_set_method(q, BW_METHOD_EXACT);
    bw_query_set_top(q, 4096);
    bw_query_set_popularity_penalty(q, penalty);
    bw_query_set_include_boards(q, boards);
    return q;
}

/* Every pin and board id of the reference (and the hidden ones): exact
 * answers on live and on the rebuilt graph agree. Returns mismatches. */
static int compare_exact(bw_live *live, bw_graph *rebuilt, const eset *ref, const uint64_t *extra, size_t nextra) {
    int bad = 0;
    ans *x = malloc(sizeof *x), *y = malloc(sizeof *y);
    for (size_t i = 0; i < ref->n * 2 + nextra; i++) {
        int kind = i < ref->n ? BW_PIN : i < 2 * ref->n ? BW_BOARD : BW_PIN;
        uint64_t id = i < ref->n ? ref->e[i].pin : i < 2 * ref->n ? ref->e[i - ref->n].board : extra[i - 2 * ref->n];
        for (int v = 0; v < 2; v++) {
            bw_query *q = exact_query(kind, id, v ? 0.7 : 0.0, v);
            bw_results *r = NULL;
            { int rc_ = bw_live_recommend(live, q, &r); collect(rc_, r, x); }
            { int rc_ = bw_recommend(rebuilt, q, &r); collect(rc_, r, y); }
            char why[256];
            if (!same_scores(x, y, why, sizeof why)) {
                if (bad++ < 5)
                    fprintf(stderr, "  exact from %s %llu (variant %d): %s\n", kind == BW_PIN ? "pin" : "board",
                            (unsigned long long)id, v, why);
            }
            bw_query_free(q);
        }
    }
    free(x);
    free(y);
    return bad;
}

/* Exact visit distribution of the walk from pin q (restart alpha) over the
 * reference edges, by power iteration: a = (alpha e_q + (1 - alpha) a) P,
 * P = pin -> board -> pin, each hop uniform. out[i] for pin ids[i]. */
static void exact_visits(const eset *ref, uint64_t q, double alpha, uint64_t *ids, double *out, size_t *nids) {
    size_t np = 0;
    for (size_t i = 0; i < ref->n; i++) {
        size_t j = 0;
        while (j < np && ids[j] != ref->e[i].pin) j++;
        if (j == np) ids[np++] = ref->e[i].pin;
    }
    *nids = np;
    double *a = calloc(np, sizeof *a), *v = calloc(np, sizeof *v), *bm = calloc(ref->n, sizeof *bm);
    double *pdeg = calloc(np, sizeof *pdeg);
    size_t *pi = malloc(ref->n * sizeof *pi), *bi = malloc(ref->n * sizeof *bi);
    double *bdeg = calloc(ref->n, sizeof *bdeg);
    uint64_t *bids = malloc(ref->n * sizeof *bids);
    size_t nb = 0;
    for (size_t i = 0; i < ref->n; i++) {
        size_t j = 0;
        while (ids[j] != ref->e[i].pin) j++;
        pi[i] = j;
        pdeg[j] += 1;
        size_t k = 0;
        while (k < nb && bids[k] != ref->e[i].board) k++;
        if (k == nb) bids[nb++] = ref->e[i].board;
        bi[i] = k;
        bdeg[k] += 1;
    }
    size_t qi = 0;
    while (ids[qi] != q) qi++;
    for (int it = 0; it < 300; it++) {
        for (size_t j = 0; j < np; j++) v[j] = (1 - alpha) * a[j] + (j == qi ? alpha : 0.0);
        if (it == 0) v[qi] = 1.0;
        memset(bm, 0, nb * sizeof *bm);
        for (size_t i = 0; i < ref->n; i++) bm[bi[i]] += v[pi[i]] / pdeg[pi[i]];
        memset(a, 0, np * sizeof *a);
        for (size_t i = 0; i < ref->n; i++) a[pi[i]] += bm[bi[i]] / bdeg[bi[i]];
    }
    memcpy(out, a, np * sizeof *a);
    free(a), free(v), free(bm), free(pdeg), free(pi), free(bi), free(bdeg), free(bids);
}

/* Total variation between a walk's visit frequencies and the exact ones. */
static double walk_tv(int rc, bw_results *r, const uint64_t *ids, const double *p, size_t n, uint64_t q) {
    if (rc) return 1.0;
    double total = 0;
    for (size_t i = 0; i < bw_results_count(r); i++) {
        uint64_t v;
        bw_results_get(r, i, NULL, NULL, &v);
        total += (double)v;
    }
    /* the source is never a result: compare over the other pins */
    double pq = 0;
    for (size_t j = 0; j < n; j++)
        if (ids[j] == q) pq = p[j];
    double tv = 0, seen = 0;
    for (size_t j = 0; j < n; j++) {
        if (ids[j] == q) continue;
        double f = 0;
        for (size_t i = 0; i < bw_results_count(r); i++) {
            uint64_t id, v;
            int kind;
            bw_results_get(r, i, &id, NULL, &v);
            bw_results_kind(r, i, &kind);
            if (kind == BW_PIN && id == ids[j]) f = (double)v / total;
        }
        seen += f;
        tv += fabs(f - p[j] / (1 - pq));
    }
    bw_results_free(r);
    return tv / 2 + fabs(1 - seen) / 2;
}

/* Total variation between two runs' visit counts (pins and boards, by id). */
static double visits_tv(int rc1, bw_results *r1, int rc2, bw_results *r2) {
    if (rc1 || rc2) {
        bw_results_free(r1);
        bw_results_free(r2);
        return rc1 == rc2 ? 0.0 : 1.0;
    }
    double t1 = 0, t2 = 0, tv = 0;
    for (size_t i = 0; i < bw_results_count(r1); i++) {
        uint64_t v;
        bw_results_get(r1, i, NULL, NULL, &v);
        t1 += (double)v;
    }
    for (size_t i = 0; i < bw_results_count(r2); i++) {
        uint64_t v;
        bw_results_get(r2, i, NULL, NULL, &v);
        t2 += (double)v;
    }
    for (int pass = 0; pass < 2; pass++) {
        bw_results *a = pass ? r2 : r1, *b = pass ? r1 : r2;
        double ta = pass ? t2 : t1, tb = pass ? t1 : t2;
        for (size_t i = 0; i < bw_results_count(a); i++) {
            uint64_t id, v, w = 0;
            int kind, k2;
            bw_results_get(a, i, &id, NULL, &v);
            bw_results_kind(a, i, &kind);
            int found = 0;
            for (size_t j = 0; j < bw_results_count(b); j++) {
                uint64_t id2;
                bw_results_get(b, j, &id2, NULL, &w);
                bw_results_kind(b, j, &k2);
                if (id2 == id && k2 == kind) {
                    found = 1;
                    break;
                }
            }
            if (!found) w = 0;
            /* each id counted once: in pass 0 all of r1's, in pass 1 only those r1 lacks */
            if (pass == 0 || !found) tv += fabs((double)v / ta - (double)w / tb);
        }
    }
    bw_results_free(r1);
    bw_results_free(r2);
    return tv / 2;
}

static bw_query *walk_query(uint64_t pin, uint64_t seed) {
    bw_query *q;
    bw_query_new(&q);
    bw_query_add_pin(q, pin, 1.0);
    bw_query_set_steps(q, 400000);
    bw_query_set_restart(q, 0.5);
    bw_query_set_early_stop(q, 0, 0, 0);
    bw_query_set_top(q, 4096);
    bw_query_set_popularity_penalty(q, 0.0);
    bw_query_set_seed(q, seed);
    return q;
}

/* ------------------------------------------------------------------------ */
/* 1. Exactness                                                               */

static uint64_t pick_id(uint64_t *s, const uint64_t *pool, size_t n) { return pool[rnd(s) % n]; }

static void test_exactness(void) {
    for (int round = 0; round < 12; round++) {
        uint64_t s = 1000 + (uint64_t)round;
        uint64_t pins[40], boards[16];
        for (int i = 0; i < 40; i++) pins[i] = rnd(&s);
        for (int i = 0; i < 16; i++) boards[i] = rnd(&s);
        pins[0] = 0;
        pins[1] = UINT64_MAX;
        boards[0] = UINT64_MAX;
        boards[1] = 0;
        eset base = {0}, ref = {0};
        /* base: pins 0..24, boards 0..9 */
        for (int i = 0; i < 25; i++) {
            int k = 1 + (int)(rnd(&s) % 4);
            for (int j = 0; j < k; j++) eset_add(&base, pins[i], boards[rnd(&s) % 10], 0);
        }
        char bpath[512], rpath[512];
        CHECK(build(&base, "exact-base", 0, bpath, sizeof bpath) == 0);
        for (size_t i = 0; i < base.n; i++) eset_add(&ref, base.e[i].pin, base.e[i].board, 0);
        bw_live *live = NULL;
        char msg[256];
        CHECK(bw_live_open(bpath, 0, &live, msg, sizeof msg) == 0);
        if (!live) return;
        uint64_t hidden = 0;
        int has_hidden = 0;
        for (int batch = 0; batch < 6; batch++) {
            uint64_t ap[30], ab[30], at[30];
            size_t na = 5 + rnd(&s) % 25;
            uint64_t want_added = 0, want_dup = 0, want_ref = 0;
            for (size_t i = 0; i < na; i++) {
                ap[i] = pick_id(&s, pins, 40);
                ab[i] = pick_id(&s, boards, 16);
                at[i] = 1 + rnd(&s) % 1000; /* not monotone */
                if (has_hidden && ap[i] == hidden) want_ref++;
                else if (eset_add(&ref, ap[i], ab[i], at[i])) want_added++;
                else want_dup++;
            }
            uint64_t added = 9, dup = 9, refused = 9;
            CHECK(bw_live_add_edges(live, ap, ab, at, na, &added, &dup, &refused) == 0);
            CHECKMSG(added == want_added && dup == want_dup && refused == want_ref,
                     "round %d batch %d: %llu/%llu/%llu, want %llu/%llu/%llu", round, batch,
                     (unsigned long long)added, (unsigned long long)dup, (unsigned long long)refused,
                     (unsigned long long)want_added, (unsigned long long)want_dup, (unsigned long long)want_ref);
            /* removals: existing edges (base or live) and missing ones */
            uint64_t rp[8], rb[8];
            size_t nr = rnd(&s) % 8, want_rm = 0, want_miss = 0;
            for (size_t i = 0; i < nr; i++) {
                if (ref.n > 0 && rnd(&s) % 4 != 0) {
                    const edge *e = &ref.e[rnd(&s) % ref.n];
                    rp[i] = e->pin;
                    rb[i] = e->board;
                } else {
                    rp[i] = pick_id(&s, pins, 40);
                    rb[i] = pick_id(&s, boards, 16);
                }
                if (eset_del(&ref, rp[i], rb[i])) want_rm++;
                else want_miss++;
            }
            uint64_t removed = 9, missing = 9;
            CHECK(bw_live_remove_edges(live, rp, rb, nr, &removed, &missing) == 0);
            CHECKMSG(removed == want_rm && missing == want_miss, "removed %llu/%llu want %zu/%zu",
                     (unsigned long long)removed, (unsigned long long)missing, want_rm, want_miss);
            if (batch == 3 && round % 2 == 0) {
                hidden = pins[2 + rnd(&s) % 30];
                has_hidden = 1;
                CHECK(bw_live_hide(live, BW_PIN, hidden) == 0);
                for (size_t i = 0; i < ref.n;)
                    if (ref.e[i].pin == hidden) eset_del(&ref, ref.e[i].pin, ref.e[i].board);
                    else i++;
            }
        }
        CHECK(build(&ref, "exact-ref", -1, rpath, sizeof rpath) == 0);
        bw_graph *rg = NULL;
        CHECK(bw_graph_open(rpath, 0, &rg) == 0);
        if (!rg) return;
        uint64_t ne = 0;
        bw_graph_stat(rg, BW_STAT_EDGES, &ne);
        CHECKMSG(ne == ref.n, "rebuilt graph has %llu edges, reference %zu", (unsigned long long)ne, ref.n);
        int bad = compare_exact(live, rg, &ref, pins, 40);
        CHECKMSG(bad == 0, "round %d: %d exact answers differ", round, bad);

        /* The walk from the first pin of the union. */
        if (ref.n > 0) {
            uint64_t ids[64];
            double p[64];
            size_t n = 0;
            const uint64_t q = ref.e[0].pin;
            exact_visits(&ref, q, 0.5, ids, p, &n);
            bw_query *wq = walk_query(q, 7 + (uint64_t)round);
            bw_results *r = NULL;
            int rc = bw_live_recommend(live, wq, &r);
            double tv_live = walk_tv(rc, r, ids, p, n, q);
            rc = bw_recommend(rg, wq, &r);
            double tv_rebuilt = walk_tv(rc, r, ids, p, n, q);
            CHECKMSG(tv_live < 0.03, "round %d: walk on live: TV %.4f", round, tv_live);
            CHECKMSG(tv_rebuilt < 0.03, "round %d: walk on rebuilt: TV %.4f", round, tv_rebuilt);
            /* Determinism: the same seed and live state give the same answer. */
            ans *x = malloc(sizeof *x), *y = malloc(sizeof *y);
            { int rc_ = bw_live_recommend(live, wq, &r); collect(rc_, r, x); }
            { int rc_ = bw_live_recommend(live, wq, &r); collect(rc_, r, y); }
            CHECK(x->n == y->n && memcmp(x->id, y->id, x->n * sizeof x->id[0]) == 0 &&
                  memcmp(x->visits, y->visits, x->n * sizeof x->visits[0]) == 0);
            free(x);
            free(y);
            bw_query_free(wq);
        }
        /* Several sources with the booster, and a board source: the visit
         * distributions on live and on the rebuilt graph agree (TV < 0.04). */
        if (ref.n > 2) {
            for (int v = 0; v < 2; v++) {
                bw_query *mq = walk_query(ref.e[0].pin, 11 + (uint64_t)round);
                bw_query_clear(mq);
                if (v == 0) {
                    for (int k = 0; k < 3; k++) bw_query_add_pin(mq, ref.e[k * (ref.n - 1) / 2].pin, 1.0 + k);
                } else {
                    bw_query_add_board(mq, ref.e[ref.n / 2].board, 1.0);
                    bw_query_set_include_boards(mq, 1);
                }
                bw_results *r1 = NULL, *r2 = NULL;
                int rc1 = bw_live_recommend(live, mq, &r1), rc2 = bw_recommend(rg, mq, &r2);
                double tv = visits_tv(rc1, r1, rc2, r2);
                CHECKMSG(tv < 0.04, "round %d: %s walk: live vs rebuilt TV %.4f", round,
                         v ? "board-source" : "multi-source", tv);
                bw_query_free(mq);
            }
        }
        if (has_hidden) {
            bw_query *hq = exact_query(BW_PIN, hidden, 0, 0);
            bw_results *r = NULL;
            CHECK(bw_live_recommend(live, hq, &r) == BW_ENOTFOUND);
            bw_query_free(hq);
        }
        bw_graph_close(rg);
        bw_live_close(live);
        free(base.e);
        free(ref.e);
    }
}

/* ------------------------------------------------------------------------ */
/* 2. Expiry                                                                  */

static int pin_known(bw_live *live, uint64_t pin) {
    bw_query *q = exact_query(BW_PIN, pin, 0, 0);
    bw_results *r = NULL;
    int rc = bw_live_recommend(live, q, &r);
    bw_results_free(r);
    bw_query_free(q);
    return rc == 0;
}

static void test_expiry(void) {
    eset base = {0};
    eset_add(&base, 1, 100, 0);
    eset_add(&base, 2, 100, 0);
    char path[512];
    CHECK(build(&base, "expiry-base", 0, path, sizeof path) == 0);
    bw_live *live = NULL;
    CHECK(bw_live_open(path, 0, &live, NULL, 0) == 0);
    if (!live) return;
    CHECK(bw_live_set_max_edges(live, 8) == 0);
    for (uint64_t i = 0; i < 12; i++) {
        uint64_t p = 1000 + i, b = 100, t = i;
        uint64_t added = 0;
        CHECK(bw_live_add_edges(live, &p, &b, &t, 1, &added, NULL, NULL) == 0 && added == 1);
    }
    uint64_t held = 0, expired = 0, segs = 0;
    bw_live_stat(live, BW_LIVE_STAT_EDGES, &held);
    bw_live_stat(live, BW_LIVE_STAT_EXPIRED, &expired);
    bw_live_stat(live, BW_LIVE_STAT_SEGMENTS, &segs);
    CHECKMSG(held >= 6 && held <= 8 && held + expired == 12 && segs <= 4, "held %llu expired %llu segments %llu",
             (unsigned long long)held, (unsigned long long)expired, (unsigned long long)segs);
    CHECK(!pin_known(live, 1000) && !pin_known(live, 1001) && !pin_known(live, 1002) && !pin_known(live, 1003));
    CHECK(pin_known(live, 1011) && pin_known(live, 1010) && pin_known(live, 1006));
    CHECK(pin_known(live, 1) && pin_known(live, 2));
    /* An add above the cap: refused whole. */
    uint64_t ps[9], bs[9];
    for (int i = 0; i < 9; i++) ps[i] = 5000 + (uint64_t)i, bs[i] = 100;
    uint64_t added = 7;
    CHECK(bw_live_add_edges(live, ps, bs, NULL, 9, &added, NULL, NULL) == BW_ELIMIT && added == 0);
    CHECK(!pin_known(live, 5000));
    CHECK(bw_live_set_max_edges(live, 4) == BW_ELIMIT);
    CHECK(bw_live_set_max_edges(live, 3) == BW_EINVAL);
    bw_live_close(live);
    free(base.e);
}

/* ------------------------------------------------------------------------ */
/* 3. Swap with a watermark                                                   */

static void test_swap_watermark(void) {
    uint64_t s = 77;
    eset base = {0};
    for (uint64_t p = 1; p <= 20; p++)
        for (int k = 0; k < 3; k++) eset_add(&base, p, 100 + rnd(&s) % 8, 0);
    char path[512], path2[512], rpath[512];
    CHECK(build(&base, "wm-base", 100, path, sizeof path) == 0);
    bw_live *live = NULL;
    CHECK(bw_live_open(path, 0, &live, NULL, 0) == 0);
    if (!live) return;
    eset added = {0};
    for (uint64_t t = 101; t <= 140; t++) {
        uint64_t p = 1 + rnd(&s) % 30, b = 100 + rnd(&s) % 10; /* pins 21..30, boards 108, 109 are new */
        if (eset_find(&base, p, b) >= 0 || eset_find(&added, p, b) >= 0) continue;
        eset_add(&added, p, b, t);
        CHECK(bw_live_add_edges(live, &p, &b, &t, 1, NULL, NULL, NULL) == 0);
    }
    /* A removal of a base edge that the new base keeps. */
    uint64_t rp = base.e[0].pin, rb = base.e[0].board;
    CHECK(bw_live_remove_edges(live, &rp, &rb, 1, NULL, NULL) == 0);
    /* The new base: the old one and the live edges of times <= 120, but one. */
    eset nb = {0}, ref = {0};
    int left_out = 0;
    for (size_t i = 0; i < base.n; i++) eset_add(&nb, base.e[i].pin, base.e[i].board, 0);
    for (size_t i = 0; i < added.n; i++)
        if (added.e[i].time <= 120) {
            if (!left_out++) continue; /* the host's log no longer has it */
            eset_add(&nb, added.e[i].pin, added.e[i].board, 0);
        }
    CHECK(build(&nb, "wm-new", 120, path2, sizeof path2) == 0);
    CHECK(bw_live_swap(live, path2, 0, NULL, 0) == 0);
    size_t newer = 0;
    for (size_t i = 0; i < nb.n; i++) eset_add(&ref, nb.e[i].pin, nb.e[i].board, 0);
    for (size_t i = 0; i < added.n; i++)
        if (added.e[i].time > 120) newer += eset_add(&ref, added.e[i].pin, added.e[i].board, 0);
    eset_del(&ref, rp, rb);
    uint64_t held = 0, removed = 0;
    bw_live_stat(live, BW_LIVE_STAT_EDGES, &held);
    bw_live_stat(live, BW_LIVE_STAT_REMOVED, &removed);
    CHECKMSG(held == newer, "after the swap %llu live edges, want %zu", (unsigned long long)held, newer);
    CHECK(removed == 1);
    CHECK(bw_live_generation(live) == 1);
    CHECK(build(&ref, "wm-ref", -1, rpath, sizeof rpath) == 0);
    bw_graph *rg = NULL;
    CHECK(bw_graph_open(rpath, 0, &rg) == 0);
    if (rg) {
        int bad = compare_exact(live, rg, &ref, NULL, 0);
        CHECKMSG(bad == 0, "after the swap: %d exact answers differ", bad);
        bw_graph_close(rg);
    }
    /* A swap to a base without a watermark keeps every live edge it lacks. */
    char path3[512];
    CHECK(build(&base, "wm-none", -1, path3, sizeof path3) == 0);
    CHECK(bw_live_swap(live, path3, 0, NULL, 0) == 0);
    bw_live_stat(live, BW_LIVE_STAT_EDGES, &held);
    CHECKMSG(held == newer, "no watermark: %llu live edges, want %zu", (unsigned long long)held, newer);
    bw_live_close(live);
    free(base.e), free(added.e), free(nb.e), free(ref.e);
}

/* ------------------------------------------------------------------------ */
/* 4. Bad input                                                               */

static void test_bad_input(void) {
    uint64_t p = 1, b = 2, v = 9;
    CHECK(bw_live_add_edges(NULL, &p, &b, NULL, 1, &v, NULL, NULL) == BW_EINVAL && v == 0);
    CHECK(bw_live_remove_edges(NULL, &p, &b, 1, NULL, NULL) == BW_EINVAL);
    CHECK(bw_live_hide(NULL, BW_PIN, 1) == BW_EINVAL);
    CHECK(bw_live_set_max_edges(NULL, 100) == BW_EINVAL);
    CHECK(bw_live_stat(NULL, BW_LIVE_STAT_EDGES, &v) == BW_EINVAL);
    bw_live_close(NULL);
    eset base = {0};
    eset_add(&base, 1, 100, 0);
    char path[512];
    CHECK(build(&base, "bad-base", -1, path, sizeof path) == 0);
    bw_live *live = NULL;
    CHECK(bw_live_open(path, 0, &live, NULL, 0) == 0);
    if (!live) return;
    CHECK(bw_live_add_edges(live, NULL, &b, NULL, 1, NULL, NULL, NULL) == BW_EINVAL);
    CHECK(bw_live_add_edges(live, NULL, NULL, NULL, 0, NULL, NULL, NULL) == 0);
    CHECK(bw_live_hide(live, 7, 1) == BW_EINVAL);
    CHECK(bw_live_stat(live, 999, &v) == BW_EINVAL);
    CHECK(bw_live_set_max_edges(live, BW_LIVE_MAX_MAX_EDGES + 1) == BW_EINVAL);
    /* Times going backwards, ids 0 and 2^64-1: accepted. */
    uint64_t ps[3] = {0, UINT64_MAX, 5}, bs[3] = {UINT64_MAX, 0, 100}, ts[3] = {50, 10, 0};
    uint64_t added = 0;
    CHECK(bw_live_add_edges(live, ps, bs, ts, 3, &added, NULL, NULL) == 0 && added == 3);
    CHECK(pin_known(live, 0) && pin_known(live, UINT64_MAX) && pin_known(live, 5));
    /* A billion edges against the default cap: refused before reading them. */
    CHECK(bw_live_set_max_edges(live, 1000) == 0);
    CHECK(bw_live_add_edges(live, ps, bs, ts, (size_t)1 << 30, &added, NULL, NULL) == BW_ELIMIT && added == 0);
    /* Hiding a pin not seen yet refuses its later edges. */
    CHECK(bw_live_hide(live, BW_PIN, 4242) == 0);
    uint64_t hp = 4242, hb = 100, refused = 0;
    CHECK(bw_live_add_edges(live, &hp, &hb, NULL, 1, &added, NULL, &refused) == 0 && added == 0 && refused == 1);
    CHECK(!pin_known(live, 4242));
    bw_live_close(live);
    free(base.e);
}

/* ------------------------------------------------------------------------ */
/* 5. Stress                                                                  */

typedef struct stress {
    bw_live *live;
    atomic_int stop;
    atomic_long queries, bad;
} stress;

static void *reader(void *arg) {
    stress *st = arg;
    uint64_t s = (uint64_t)(uintptr_t)&s;
    bw_query *q;
    bw_query_new(&q);
    bw_query_set_steps(q, 2000);
    bw_query_set_lenient(q, 1);
    bw_query_set_include_boards(q, 1);
    while (!atomic_load(&st->stop)) {
        bw_query_clear(q);
        bw_query_add_pin(q, 1 + rnd(&s) % 200, 1.0);
        bw_query_add_pin(q, 100000 + rnd(&s) % 5000, 1.0); /* often a live pin */
        if (rnd(&s) % 4 == 0) bw_query_set_method(q, BW_METHOD_EXACT);
        else bw_query_set_method(q, BW_METHOD_WALK);
        bw_results *r = NULL;
        int rc = bw_live_recommend(st->live, q, &r);
        if (rc != 0 && rc != BW_EEMPTY) {
            atomic_fetch_add(&st->bad, 1);
            fprintf(stderr, "stress: a query failed: %s\n", bw_strerror(rc));
        }
        for (size_t i = 0; rc == 0 && i < bw_results_count(r); i++) {
            uint64_t id;
            int kind;
            bw_results_get(r, i, &id, NULL, NULL);
            bw_results_kind(r, i, &kind);
            /* pins: 1..200 (base), 100000..104999 (live); boards 0..49, 1000..1099 */
            int ok = kind == BW_PIN ? (id >= 1 && id <= 200) || (id >= 100000 && id < 105000)
                                    : id < 50 || (id >= 1000 && id < 1100);
            if (!ok) {
                atomic_fetch_add(&st->bad, 1);
                fprintf(stderr, "stress: a result outside the graph: %s %llu\n", kind == BW_PIN ? "pin" : "board",
                        (unsigned long long)id);
            }
        }
        bw_results_free(r);
        atomic_fetch_add(&st->queries, 1);
    }
    bw_query_free(q);
    return NULL;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_stress(double seconds) {
    uint64_t s = 5;
    eset a = {0}, b = {0};
    for (uint64_t p = 1; p <= 200; p++)
        for (int k = 0; k < 4; k++) {
            eset_add(&a, p, rnd(&s) % 50, 0);
            eset_add(&b, p, rnd(&s) % 50, 0);
        }
    char pa[512], pb[512];
    CHECK(build(&a, "stress-a", 10, pa, sizeof pa) == 0);
    CHECK(build(&b, "stress-b", 20, pb, sizeof pb) == 0);
    stress st = {0};
    CHECK(bw_live_open(pa, 0, &st.live, NULL, 0) == 0);
    if (!st.live) return;
    CHECK(bw_live_set_max_edges(st.live, 200000) == 0);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, reader, &st);
    double t0 = now_s(), last_swap = t0;
    uint64_t t = 0, writes = 0, swaps = 0;
    int rc_bad = 0;
    while (now_s() - t0 < seconds) {
        uint64_t ps[256], bs[256], ts[256];
        for (int i = 0; i < 256; i++) {
            ps[i] = rnd(&s) % 3 ? 100000 + rnd(&s) % 5000 : 1 + rnd(&s) % 200;
            bs[i] = rnd(&s) % 2 ? 1000 + rnd(&s) % 100 : rnd(&s) % 50;
            ts[i] = t++;
        }
        rc_bad += bw_live_add_edges(st.live, ps, bs, ts, 256, NULL, NULL, NULL) != 0;
        rc_bad += bw_live_remove_edges(st.live, ps, bs, 16, NULL, NULL) != 0;
        writes += 256;
        if (now_s() - last_swap > 0.05) {
            rc_bad += bw_live_swap(st.live, swaps % 2 ? pa : pb, 0, NULL, 0) != 0;
            swaps++;
            last_swap = now_s();
        }
    }
    atomic_store(&st.stop, 1);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    uint64_t bytes = 0;
    bw_live_stat(st.live, BW_LIVE_STAT_BYTES, &bytes);
    CHECKMSG(rc_bad == 0, "%d writer calls failed", rc_bad);
    CHECKMSG(atomic_load(&st.bad) == 0, "%ld bad queries", atomic_load(&st.bad));
    CHECK(atomic_load(&st.queries) > 0 && swaps > 0);
    CHECKMSG(bytes < (64u << 20), "delta holds %llu bytes", (unsigned long long)bytes);
    fprintf(stderr, "stress: %llu edges written, %llu swaps, %ld queries in %.1f s\n", (unsigned long long)writes,
            (unsigned long long)swaps, atomic_load(&st.queries), seconds);
    bw_live_close(st.live);
    free(a.e), free(b.e);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_live BOARDWALK_CLI TMPDIR [STRESS_SECONDS]\n");
        return 2;
    }
    cli = argv[1];
    tmpdir = argv[2];
    double seconds = argc > 3 ? atof(argv[3]) : 3.0;
    test_bad_input();
    test_expiry();
    test_swap_watermark();
    test_exactness();
    test_stress(seconds);
    printf("live: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
