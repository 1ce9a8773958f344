/* query.c - queries and results of the C ABI: validating what a caller
 * asks, mapping external ids to dense indices at the edges of a query, and
 * running the walk kernel with a pooled per-thread context. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_delta.h"
#include "bw_graph.h"
#include "bw_rank.h"

typedef struct bw_query_node {
    uint64_t id;
    double weight;
    uint8_t kind;
} bw_query_node;

struct bw_query {
    bw_query_node *nodes;
    size_t nnodes, capnodes;
    uint64_t *exclude;
    size_t nexclude, capexclude;
    uint64_t *candidates;
    size_t ncandidates, capcandidates;
    bw_walk_config cfg;
    int lenient;
    int bias_set; /* bw_query_set_bias was called: no implied bias */
    char errmsg[256]; /* why the last call that changed the query failed; "" after a success */
    int cancelled; /* set from any thread: __atomic builtins only (bw_query_cancel) */
    bw_ranker *ranker;     /* a reference of the query's own (features.c, ranker.c) */
    uint32_t ranker_top_n; /* candidates it scores */
    int features;          /* results carry features */
};

typedef struct bw_result_entry {
    uint64_t id;
    double score;
    uint64_t visits;
    uint8_t kind;
} bw_result_entry;

typedef struct bw_unknown_id {
    uint64_t id;
    int kind;
} bw_unknown_id;

struct bw_results {
    bw_result_entry *entries;
    size_t count;
    bw_unknown_id *unknown;
    size_t nunknown;
    uint64_t steps;
    uint64_t elapsed_us;
    int partial;
    double *features; /* count rows of nfeatures, or NULL */
    size_t nfeatures;
};

/* Grows *items (of `size` bytes each) to hold one more; 0 or BW_ENOMEM. */
static int reserve_one(void **items, size_t *cap, size_t n, size_t size, size_t limit) {
    if (n >= limit) return BW_ELIMIT;
    if (n < *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > limit) ncap = limit;
    void *p = realloc(*items, ncap * size);
    if (!p) return BW_ENOMEM;
    *items = p;
    *cap = ncap;
    return 0;
}

/* Every rule a query's parameters follow lives here, with its message:
 * the Swift API, the command-line tool, the Python binding and the server
 * pass values through and report bw_query_errmsg(). A failed call leaves
 * the query as it was. */

/* Records why a call failed and returns its code. */
static int fail(bw_query *q, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(bw_query *q, int rc, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->errmsg, sizeof q->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static int ok(bw_query *q) {
    q->errmsg[0] = 0;
    return 0;
}

/* The shortest text that reads back as x (messages show what was given). */
typedef struct { char s[40]; } num_text;
static num_text num(double x) {
    num_text t;
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(t.s, sizeof t.s, "%.*g", prec, x);
        if (isnan(x) || strtod(t.s, NULL) == x) break;
    }
    return t;
}

/* 0 when lo <= x <= hi; otherwise the message, naming the parameter. */
static int closed_range(bw_query *q, const char *name, double x, double lo, double hi) {
    if (x >= lo && x <= hi) return 0;
    return fail(q, BW_EINVAL, "%s must be in [%g, %g], not %s", name, lo, hi, num(x).s);
}

int bw_query_new(bw_query **out_query) {
    if (!out_query) return BW_EINVAL;
    bw_query *q = calloc(1, sizeof *q);
    *out_query = q;
    if (!q) return BW_ENOMEM;
    q->cfg.steps = BW_DEFAULT_STEPS;
    q->cfg.restart = BW_DEFAULT_RESTART;
    q->cfg.top = BW_DEFAULT_TOP;
    q->cfg.early_stop = 1;
    q->cfg.np = BW_DEFAULT_EARLY_STOP_NP;
    q->cfg.nv = BW_DEFAULT_EARLY_STOP_NV;
    q->cfg.boost = 1;
    q->cfg.bias = 0.0;
    q->cfg.popularity_penalty = BW_DEFAULT_POPULARITY_PENALTY;
    q->cfg.language = BW_ATTR_ANY;
    q->cfg.topic = BW_ATTR_ANY;
    q->cfg.method = BW_METHOD_WALK;
    q->cfg.exponent = BW_DEFAULT_EXPONENT;
    return 0;
}

void bw_query_free(bw_query *q) {
    if (!q) return;
    free(q->nodes);
    free(q->exclude);
    free(q->candidates);
    bw_ranker_close(q->ranker);
    free(q);
}

const char *bw_query_errmsg(const bw_query *q) {
    if (!q) return "no query (NULL)";
    return q->errmsg;
}

int bw_query_clear(bw_query *q) {
    if (!q) return BW_EINVAL;
    q->nnodes = q->nexclude = q->ncandidates = 0;
    return ok(q);
}

/* Grows a list of the query by one entry, with the limit's message. */
static int grow(bw_query *q, void **items, size_t *cap, size_t n, size_t size, size_t limit, const char *what) {
    int rc = reserve_one(items, cap, n, size, limit);
    if (rc == BW_ELIMIT) return fail(q, rc, "a query holds at most %zu %s", limit, what);
    if (rc) return fail(q, rc, "out of memory");
    return 0;
}

static int add_node(bw_query *q, uint64_t id, double weight, uint8_t kind) {
    if (!q) return BW_EINVAL;
    const char *name = kind == BW_PIN ? "pin" : "board";
    if (!isfinite(weight) || weight < 0.0)
        return fail(q, BW_EINVAL, "weight of %s %llu must be a finite number >= 0, not %s", name,
                    (unsigned long long)id, num(weight).s);
    int rc = grow(q, (void **)&q->nodes, &q->capnodes, q->nnodes, sizeof *q->nodes, BW_MAX_QUERY_NODES,
                  "pins and boards");
    if (rc) return rc;
    q->nodes[q->nnodes++] = (bw_query_node){id, weight, kind};
    return ok(q);
}

int bw_query_add_pin(bw_query *q, uint64_t pin, double weight) { return add_node(q, pin, weight, BW_PIN); }
int bw_query_add_board(bw_query *q, uint64_t board, double weight) { return add_node(q, board, weight, BW_BOARD); }

int bw_query_set_steps(bw_query *q, uint64_t steps) {
    if (!q) return BW_EINVAL;
    if (steps == 0 || steps > BW_MAX_STEPS)
        return fail(q, BW_EINVAL, "steps must be an integer from 1 to %llu, not %llu", (unsigned long long)BW_MAX_STEPS,
                    (unsigned long long)steps);
    q->cfg.steps = steps;
    return ok(q);
}

int bw_query_set_restart(bw_query *q, double alpha) {
    if (!q) return BW_EINVAL;
    if (!(alpha > 0.0 && alpha <= 1.0)) return fail(q, BW_EINVAL, "restart must be in (0, 1], not %s", num(alpha).s);
    q->cfg.restart = alpha;
    return ok(q);
}

int bw_query_set_top(bw_query *q, uint32_t top) {
    if (!q) return BW_EINVAL;
    if (top == 0 || top > BW_MAX_TOP)
        return fail(q, BW_EINVAL, "top must be an integer from 1 to %u, not %u", BW_MAX_TOP, top);
    q->cfg.top = top;
    return ok(q);
}

int bw_query_set_early_stop(bw_query *q, int enabled, uint32_t np, uint32_t nv) {
    if (!q) return BW_EINVAL;
    if (enabled && (np == 0 || nv == 0))
        return fail(q, BW_EINVAL, "early_stop thresholds NP and NV must be at least 1, not %u and %u", np, nv);
    q->cfg.early_stop = enabled != 0;
    if (enabled) {
        q->cfg.np = np;
        q->cfg.nv = nv;
    }
    return ok(q);
}

int bw_query_set_boost(bw_query *q, int enabled) {
    if (!q) return BW_EINVAL;
    q->cfg.boost = enabled != 0;
    return ok(q);
}

/* The bias a query walks with: the one set, or (none set) 1 when the user's
 * language or topic is given and 0 otherwise. */
static double implied_bias(double beta, int beta_set, uint32_t language, uint32_t topic) {
    if (beta_set) return beta;
    return (language != BW_ATTR_ANY || topic != BW_ATTR_ANY) ? 1.0 : 0.0;
}

static int no_exact_bias(bw_query *q, int method, double bias) {
    if (method == BW_METHOD_EXACT && bias > 0.0)
        return fail(q, BW_EINVAL,
                    "the exact method has no biased form: set the bias to 0 (a language or topic implies bias 1) "
                    "or use the walk");
    return 0;
}

/* Sets the user's language and topic (and the bias, when beta_set). */
static int set_preference(bw_query *q, int beta_set, double beta, uint32_t language, uint32_t topic) {
    if (!q) return BW_EINVAL;
    int rc = beta_set ? closed_range(q, "bias", beta, 0.0, 1.0) : 0;
    if (rc) return rc;
    if (language != BW_ATTR_ANY && language >= BW_ATTR_NONE)
        return fail(q, BW_EINVAL, "language code %u is out of range", language);
    if (topic != BW_ATTR_ANY && topic >= BW_ATTR_NONE) return fail(q, BW_EINVAL, "topic code %u is out of range", topic);
    uint32_t l = language, t = topic;
    int set = beta_set || q->bias_set;
    double bias = implied_bias(beta_set ? beta : q->cfg.bias, set, l, t);
    rc = no_exact_bias(q, q->cfg.method, bias);
    if (rc) return rc;
    q->bias_set = set;
    q->cfg.bias = bias;
    q->cfg.language = l;
    q->cfg.topic = t;
    return ok(q);
}

int bw_query_set_bias(bw_query *q, double beta, uint32_t language, uint32_t topic) {
    return set_preference(q, 1, beta, language, topic);
}

int bw_query_set_preference(bw_query *q, uint32_t language, uint32_t topic) {
    return set_preference(q, 0, 0.0, language, topic);
}

/* Sets *field to x when lo <= x <= hi. */
static int set_closed(bw_query *q, double *field, const char *name, double x, double lo, double hi) {
    int rc = closed_range(q, name, x, lo, hi);
    if (rc) return rc;
    *field = x;
    return ok(q);
}

int bw_query_set_popularity_penalty(bw_query *q, double beta) {
    return q ? set_closed(q, &q->cfg.popularity_penalty, "popularity_penalty", beta, 0.0, 2.0) : BW_EINVAL;
}

int bw_query_set_method(bw_query *q, int method) {
    if (!q) return BW_EINVAL;
    if (method != BW_METHOD_WALK && method != BW_METHOD_EXACT)
        return fail(q, BW_EINVAL, "method must be BW_METHOD_WALK (0) or BW_METHOD_EXACT (1), not %d", method);
    int rc = no_exact_bias(q, method, q->cfg.bias);
    if (rc) return rc;
    q->cfg.method = method;
    return ok(q);
}

int bw_query_set_exponent(bw_query *q, double exponent) {
    return q ? set_closed(q, &q->cfg.exponent, "exponent", exponent, 0.0, 2.0) : BW_EINVAL;
}

int bw_query_set_seed(bw_query *q, uint64_t seed) {
    if (!q) return BW_EINVAL;
    q->cfg.seed = seed;
    return ok(q);
}

int bw_query_set_time_budget(bw_query *q, uint64_t microseconds) {
    if (!q) return BW_EINVAL;
    if (microseconds > BW_MAX_TIME_BUDGET_US)
        return fail(q, BW_EINVAL, "time budget must be at most %llu microseconds, not %llu",
                    (unsigned long long)BW_MAX_TIME_BUDGET_US, (unsigned long long)microseconds);
    q->cfg.time_budget_ns = microseconds * 1000;
    return ok(q);
}

int bw_query_set_time_budget_ms(bw_query *q, double milliseconds) {
    if (!q) return BW_EINVAL;
    const double max_ms = (double)(BW_MAX_TIME_BUDGET_US / 1000);
    if (!(milliseconds > 0.0 && milliseconds <= max_ms))
        return fail(q, BW_EINVAL, "time_budget_ms must be a positive number of milliseconds up to %llu, not %s",
                    (unsigned long long)(BW_MAX_TIME_BUDGET_US / 1000), num(milliseconds).s);
    uint64_t us = (uint64_t)(milliseconds * 1000.0); /* whole microseconds, at least one */
    q->cfg.time_budget_ns = (us ? us : 1) * 1000;
    return ok(q);
}

int bw_query_set_include_boards(bw_query *q, int enabled) {
    if (!q) return BW_EINVAL;
    q->cfg.include_boards = enabled != 0;
    return ok(q);
}

int bw_query_set_lenient(bw_query *q, int enabled) {
    if (!q) return BW_EINVAL;
    q->lenient = enabled != 0;
    return ok(q);
}

int bw_query_exclude_pin(bw_query *q, uint64_t pin) {
    if (!q) return BW_EINVAL;
    int rc = grow(q, (void **)&q->exclude, &q->capexclude, q->nexclude, sizeof *q->exclude, BW_MAX_QUERY_LIST,
                  "excluded pins");
    if (rc) return rc;
    q->exclude[q->nexclude++] = pin;
    return ok(q);
}

int bw_query_add_candidate(bw_query *q, uint64_t pin) {
    if (!q) return BW_EINVAL;
    int rc = grow(q, (void **)&q->candidates, &q->capcandidates, q->ncandidates, sizeof *q->candidates,
                  BW_MAX_QUERY_LIST, "candidates");
    if (rc) return rc;
    q->candidates[q->ncandidates++] = pin;
    return ok(q);
}

int bw_query_set_features(bw_query *q, int enabled) {
    if (!q) return BW_EINVAL;
    q->features = enabled != 0;
    return ok(q);
}

int bw_query_set_ranker(bw_query *q, bw_ranker *ranker, uint32_t top_n) {
    if (!q) return BW_EINVAL;
    if (top_n > BW_MAX_RANKER_TOP_N)
        return fail(q, BW_EINVAL, "ranker_top_n must be an integer from 1 to %u (0: the default, %u), not %u",
                    BW_MAX_RANKER_TOP_N, BW_DEFAULT_RANKER_TOP_N, top_n);
    bw_ranker *old = q->ranker;
    q->ranker = bw_ranker_retain(ranker);
    q->ranker_top_n = top_n ? top_n : BW_DEFAULT_RANKER_TOP_N;
    bw_ranker_close(old);
    return ok(q);
}

/* ------------------------------------------------------------------------ */
/* Running                                                                    */

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_source(const void *a, const void *b) {
    const bw_walk_source *x = a, *y = b;
    if (x->is_board != y->is_board) return x->is_board < y->is_board ? -1 : 1;
    return (x->node > y->node) - (x->node < y->node);
}

static int cmp_node(const void *a, const void *b) {
    bw_node x = *(const bw_node *)a, y = *(const bw_node *)b;
    return (x > y) - (x < y);
}

/* Maps the query to sources and exclusions, runs the walk, and leaves the
 * context holding the results. Sets *out to a results object carrying
 * unknown ids and counters (entries filled by the caller). */
/* Dense index of a query id: the base's, or the union's with a delta. */
static int find_node(const bw_graph *g, const bw_delta *d, int kind, uint64_t id, uint32_t *out) {
    if (d) return bw_delta_find(d, kind == BW_BOARD, id, out);
    return bw_side_find(bw_graph_side(g, kind), id, out);
}

static uint64_t node_id(const bw_graph *g, const bw_delta *d, int is_board, uint32_t node) {
    if (d) return bw_delta_id(d, is_board, node);
    return bw_u64_at(&(is_board ? &g->view.boards : &g->view.pins)->ids, node);
}

static int run_query(const bw_graph *g, const bw_delta *d, const bw_query *q, bw_walk_ctx **out_ctx,
                     bw_results **out, bw_feature_query **out_fq) {
    uint64_t t0 = now_ns();
    bw_results *r = calloc(1, sizeof *r);
    if (!r) return BW_ENOMEM;
    bw_walk_source *src = malloc((q->nnodes ? q->nnodes : 1) * sizeof *src);
    /* Exclusions: the query's, plus its zero-weight pins (below). */
    bw_node *ex = malloc((q->nexclude + q->nnodes + 1) * sizeof *ex);
    int rc = 0;
    if (!src || !ex) {
        rc = BW_ENOMEM;
        goto done;
    }
    size_t nsrc = 0, nex = 0;
    for (size_t i = 0; i < q->nnodes; i++) {
        const bw_query_node *n = &q->nodes[i];
        uint32_t idx;
        if (find_node(g, d, n->kind, n->id, &idx) != 0) {
            if (!q->lenient) {
                rc = BW_ENOTFOUND;
                goto done;
            }
            bw_unknown_id *u = realloc(r->unknown, (r->nunknown + 1) * sizeof *u);
            if (!u) {
                rc = BW_ENOMEM;
                goto done;
            }
            r->unknown = u;
            u[r->nunknown++] = (bw_unknown_id){n->id, n->kind};
            continue;
        }
        if (n->weight > 0.0)
            src[nsrc++] = (bw_walk_source){idx, n->kind, n->weight};
        else if (n->kind == BW_PIN)
            ex[nex++] = idx; /* walks from nowhere, but is still the user's pin: never returned */
    }
    /* The same node twice: one source with the summed weight. */
    qsort(src, nsrc, sizeof *src, cmp_source);
    size_t m = 0;
    for (size_t i = 0; i < nsrc; i++) {
        if (m && src[m - 1].is_board == src[i].is_board && src[m - 1].node == src[i].node)
            src[m - 1].weight += src[i].weight;
        else
            src[m++] = src[i];
    }
    nsrc = m;
    if (nsrc == 0) {
        rc = BW_EEMPTY;
        goto done;
    }
    for (size_t i = 0; i < q->nexclude; i++) {
        uint32_t idx;
        if (find_node(g, d, BW_PIN, q->exclude[i], &idx) == 0) ex[nex++] = idx;
    }
    qsort(ex, nex, sizeof *ex, cmp_node);

    bw_walk_ctx *ctx = bw_graph_take_ctx(g);
    if (!ctx) {
        rc = BW_ENOMEM;
        goto done;
    }
    bw_walk_config cfg = q->cfg;
    if (!g->view.has_attributes) cfg.bias = 0.0;
    cfg.cancel = &q->cancelled;
    cfg.delta = d;
    /* A ranker scores the walk's best max(top_n, top) candidates. */
    if (q->ranker && q->ranker_top_n > cfg.top) cfg.top = q->ranker_top_n;
    if (out_fq && (q->ranker || q->features) &&
        (rc = bw_features_begin(out_fq, &g->view, d, &cfg, src, nsrc)) != 0) {
        bw_graph_return_ctx(g, ctx);
        goto done;
    }
    rc = bw_walk_run(&g->view, ctx, &cfg, src, nsrc, ex, nex);
    if (rc) {
        bw_graph_return_ctx(g, ctx);
        goto done;
    }
    r->steps = bw_walk_steps_taken(ctx);
    r->partial = bw_walk_partial(ctx);
    r->elapsed_us = (now_ns() - t0) / 1000;
    *out_ctx = ctx;
done:
    free(src);
    free(ex);
    if (rc) {
        bw_results_free(r);
        r = NULL;
        if (out_fq) {
            bw_features_end(*out_fq);
            *out_fq = NULL;
        }
    }
    *out = r;
    return rc;
}

/* With features or a ranker: the features of n items (walk hits, or
 * candidates with known[i] == 0 for those not in the graph), the model's
 * scores, and order[]: the items best first (the walk's order without a
 * ranker). Fills *out_features (n rows) and *out_scores (NULL without a
 * ranker); the caller frees both. 0 or BW_ENOMEM / BW_ECORRUPT. */
static int rank_items(const bw_query *q, const bw_feature_query *fq, const bw_walk_ctx *ctx,
                      const bw_walk_hit *items, const uint8_t *known, size_t n, size_t *order,
                      double **out_features, double **out_scores) {
    *out_features = malloc((n ? n : 1) * BW_FEATURE_COUNT * sizeof **out_features);
    *out_scores = q->ranker ? malloc((n ? n : 1) * sizeof **out_scores) : NULL;
    if (!*out_features || (q->ranker && !*out_scores)) return BW_ENOMEM;
    int rc = bw_features_compute(fq, ctx, items, known, n, *out_features);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) order[i] = i;
    if (!q->ranker) return 0;
    bw_ranker_eval_rows(q->ranker, *out_features, n, *out_scores);
    for (size_t i = 0; known && i < n; i++)
        if (!known[i]) (*out_scores)[i] = -HUGE_VAL;
    return bw_rank_order(*out_scores, n, order);
}

/* The end of a run: the context back to the pool, the features' query
 * freed, and the results handed over (or freed on an error). */
static int finish_run(const bw_graph *g, bw_walk_ctx *ctx, bw_feature_query *fq, bw_results *r, int rc,
                      bw_results **out_results) {
    bw_graph_return_ctx(g, ctx);
    bw_features_end(fq);
    if (rc) {
        bw_results_free(r);
        return rc;
    }
    *out_results = r;
    return 0;
}

/* Keeps the features of the entries the results return, in their order. */
static int keep_features(bw_results *r, const double *features, const size_t *order, size_t count) {
    r->features = malloc((count ? count : 1) * BW_FEATURE_COUNT * sizeof *r->features);
    if (!r->features) return BW_ENOMEM;
    for (size_t j = 0; j < count; j++)
        memcpy(r->features + j * BW_FEATURE_COUNT, features + order[j] * BW_FEATURE_COUNT,
               BW_FEATURE_COUNT * sizeof *features);
    r->nfeatures = BW_FEATURE_COUNT;
    return 0;
}

static int do_recommend(const bw_graph *g, const bw_delta *d, const bw_query *q, bw_results **out_results) {
    if (out_results) *out_results = NULL;
    if (!g || !q || !out_results) return BW_EINVAL;
    bw_walk_ctx *ctx = NULL;
    bw_results *r = NULL;
    bw_feature_query *fq = NULL;
    int rc = run_query(g, d, q, &ctx, &r, &fq);
    if (rc) return rc;
    size_t n = 0;
    const bw_walk_hit *hits = bw_walk_results(ctx, &n);
    double *features = NULL, *scores = NULL;
    size_t *order = fq ? malloc((n ? n : 1) * sizeof *order) : NULL;
    r->entries = malloc((n ? n : 1) * sizeof *r->entries);
    if (!r->entries || (fq && !order)) rc = BW_ENOMEM;
    if (!rc && fq) rc = rank_items(q, fq, ctx, hits, NULL, n, order, &features, &scores);
    /* A ranker's candidates were more than the results return. */
    const size_t count = q->ranker && n > q->cfg.top ? q->cfg.top : n;
    if (!rc && q->features) rc = keep_features(r, features, order, count);
    for (size_t j = 0; !rc && j < count; j++) {
        const size_t i = order ? order[j] : j;
        r->entries[j] = (bw_result_entry){node_id(g, d, hits[i].is_board, hits[i].node),
                                          scores ? scores[i] : hits[i].score, hits[i].visits,
                                          hits[i].is_board ? BW_BOARD : BW_PIN};
    }
    r->count = count;
    free(order);
    free(features);
    free(scores);
    return finish_run(g, ctx, fq, r, rc, out_results);
}

static int do_score(const bw_graph *g, const bw_delta *d, const bw_query *q, bw_results **out_results) {
    if (out_results) *out_results = NULL;
    if (!g || !q || !out_results) return BW_EINVAL;
    bw_walk_ctx *ctx = NULL;
    bw_results *r = NULL;
    bw_feature_query *fq = NULL;
    int rc = run_query(g, d, q, &ctx, &r, &fq);
    if (rc) return rc;
    size_t n = q->ncandidates;
    r->entries = malloc((n ? n : 1) * sizeof *r->entries);
    bw_walk_hit *items = fq ? malloc((n ? n : 1) * sizeof *items) : NULL;
    uint8_t *known = fq ? malloc(n ? n : 1) : NULL;
    size_t *order = fq ? malloc((n ? n : 1) * sizeof *order) : NULL;
    double *features = NULL, *scores = NULL;
    if (!r->entries || (fq && (!items || !known || !order))) rc = BW_ENOMEM;
    for (size_t i = 0; !rc && i < n; i++) {
        uint32_t idx;
        double score = 0.0;
        uint64_t visits = 0;
        const int found = find_node(g, d, BW_PIN, q->candidates[i], &idx) == 0;
        if (found) bw_walk_lookup(ctx, idx, 0, &score, &visits);
        if (fq) {
            items[i] = (bw_walk_hit){found ? idx : 0, 0, score, visits};
            known[i] = (uint8_t)found;
        }
        r->entries[i] = (bw_result_entry){q->candidates[i], score, visits, BW_PIN};
    }
    if (!rc && fq) rc = rank_items(q, fq, ctx, items, known, n, order, &features, &scores);
    if (!rc && q->features) {
        for (size_t i = 0; i < n; i++) order[i] = i; /* candidates keep their order */
        rc = keep_features(r, features, order, n);
    }
    for (size_t i = 0; !rc && scores && i < n; i++) r->entries[i].score = scores[i];
    r->count = n;
    free(items);
    free(known);
    free(order);
    free(features);
    free(scores);
    return finish_run(g, ctx, fq, r, rc, out_results);
}

int bw_recommend(const bw_graph *g, const bw_query *q, bw_results **out_results) {
    return do_recommend(g, NULL, q, out_results);
}

int bw_score(const bw_graph *g, const bw_query *q, bw_results **out_results) {
    return do_score(g, NULL, q, out_results);
}

int bw_run_query_delta(const bw_graph *g, const bw_delta *d, const bw_query *q, int want_score,
                       bw_results **out_results) {
    return want_score ? do_score(g, d, q, out_results) : do_recommend(g, d, q, out_results);
}

/* ------------------------------------------------------------------------ */
/* Results                                                                    */

size_t bw_results_count(const bw_results *r) { return r ? r->count : 0; }

int bw_results_get(const bw_results *r, size_t index, uint64_t *out_id, double *out_score, uint64_t *out_visits) {
    if (!r) return BW_EINVAL;
    if (index >= r->count) return BW_ERANGE;
    if (out_id) *out_id = r->entries[index].id;
    if (out_score) *out_score = r->entries[index].score;
    if (out_visits) *out_visits = r->entries[index].visits;
    return 0;
}

int bw_results_kind(const bw_results *r, size_t index, int *out_kind) {
    if (!r || !out_kind) return BW_EINVAL;
    if (index >= r->count) return BW_ERANGE;
    *out_kind = r->entries[index].kind;
    return 0;
}

int bw_results_partial(const bw_results *r) { return r ? r->partial : 0; }
uint64_t bw_results_steps(const bw_results *r) { return r ? r->steps : 0; }
uint64_t bw_results_elapsed_us(const bw_results *r) { return r ? r->elapsed_us : 0; }
size_t bw_results_unknown_count(const bw_results *r) { return r ? r->nunknown : 0; }

int bw_results_unknown(const bw_results *r, size_t index, int *out_kind, uint64_t *out_id) {
    if (!r || !out_kind || !out_id) return BW_EINVAL;
    if (index >= r->nunknown) return BW_ERANGE;
    *out_kind = r->unknown[index].kind;
    *out_id = r->unknown[index].id;
    return 0;
}

size_t bw_results_feature_count(const bw_results *r) { return r ? r->nfeatures : 0; }

int bw_results_features(const bw_results *r, size_t index, double *out_values, size_t count) {
    if (!r || (!out_values && count)) return BW_EINVAL;
    if (!r->features) return BW_ENODATA;
    if (index >= r->count) return BW_ERANGE;
    const size_t m = count < r->nfeatures ? count : r->nfeatures;
    memcpy(out_values, r->features + index * r->nfeatures, m * sizeof *out_values);
    return 0;
}

void bw_results_free(bw_results *r) {
    if (!r) return;
    free(r->features);
    free(r->entries);
    free(r->unknown);
    free(r);
}

/* ------------------------------------------------------------------------ */
/* Cancellation                                                               */

int bw_query_cancel(bw_query *q) {
    if (!q) return BW_EINVAL;
    __atomic_store_n(&q->cancelled, 1, __ATOMIC_RELAXED);
    return 0;
}

int bw_query_cancelled(const bw_query *q) {
    return q ? __atomic_load_n(&q->cancelled, __ATOMIC_RELAXED) != 0 : 0;
}

int bw_query_uncancel(bw_query *q) {
    if (!q) return BW_EINVAL;
    __atomic_store_n(&q->cancelled, 0, __ATOMIC_RELAXED);
    return 0;
}
