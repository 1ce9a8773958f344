/* results.c - a walk context's life and the results of its last run: top-K
 * selection with exclusions and the popularity penalty, for the walk's
 * visit counts and the exact method's scores alike, and point lookups. */
#define _POSIX_C_SOURCE 200809L

#include "bw_delta.h"
#include "bw_walk.h"

/* ------------------------------------------------------------------------ */
/* Context                                                                    */

BW_HIDDEN bw_walk_ctx *bw_walk_ctx_new(void) {
    return calloc(1, sizeof(bw_walk_ctx));
}

BW_HIDDEN void bw_walk_ctx_free(bw_walk_ctx *ctx) {
    if (!ctx) return;
    free(ctx->pen_table);
    free(ctx->exp_table);
    free(ctx->xpins.mass);
    free(ctx->xpins.hits);
    free(ctx->xpins.touched);
    free(ctx->xboards.mass);
    free(ctx->xboards.hits);
    free(ctx->xboards.touched);
    vt_free(&ctx->pins);
    vt_free(&ctx->boards);
    at_free(&ctx->apins);
    at_free(&ctx->aboards);
    free(ctx->ovf);
    free(ctx->steps);
    free(ctx->src_pins);
    free(ctx->src_boards);
    free(ctx->hits);
    free(ctx->rcache);
    free(ctx);
}

/* ------------------------------------------------------------------------ */
/* Results                                                                    */

/* A score divided by the node's degree^beta when a penalty is set. */
static inline double penalized(const bw_walk_ctx *ctx, bw_node node, int is_board, double score) {
    if (ctx->penalty <= 0.0 || !ctx->view) return score;
    uint64_t d = ctx->delta ? bw_delta_degree(ctx->delta, is_board, node)
                            : bw_degree(is_board ? &ctx->view->boards : &ctx->view->pins, node);
    if (d < 1) d = 1;
    return score * (d < PEN_TABLE ? ctx->pen_table[d] : pow((double)d, -ctx->penalty));
}

BW_HIDDEN int bw_pow_table(double **table, double *table_e, double e) {
    if (*table && *table_e == e) return 0;
    if (!*table) {
        *table = malloc(PEN_TABLE * sizeof **table);
        if (!*table) return BW_ENOMEM;
    }
    (*table)[0] = 1.0;
    for (int d = 1; d < PEN_TABLE; d++) (*table)[d] = pow((double)d, -e);
    *table_e = e;
    return 0;
}

BW_HIDDEN int bw_walk_prepare_penalty(bw_walk_ctx *ctx, const bw_view *g, double beta) {
    ctx->view = g;
    ctx->penalty = beta > 0.0 ? beta : 0.0;
    return ctx->penalty == 0.0 ? 0 : bw_pow_table(&ctx->pen_table, &ctx->pen_beta, beta);
}

/* a ranks before b: score desc, pins before boards, node asc. */
static inline int hit_better(const bw_walk_hit *a, const bw_walk_hit *b) {
    if (a->score != b->score) return a->score > b->score;
    if (a->is_board != b->is_board) return a->is_board < b->is_board;
    return a->node < b->node;
}

/* Min-heap on "better": the root is the worst kept hit. */
static void heap_down(bw_walk_hit *h, size_t n, size_t i) {
    bw_walk_hit x = h[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && hit_better(&h[c], &h[c + 1])) c++;
        if (!hit_better(&x, &h[c])) break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void heap_up(bw_walk_hit *h, size_t i) {
    bw_walk_hit x = h[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!hit_better(&h[p], &x)) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static int in_sorted(const bw_node *a, size_t n, bw_node x) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && a[lo] == x;
}

typedef struct selector {
    bw_walk_hit *h;
    size_t n, k;
    const bw_node *excl;
    size_t nexcl;
    const bw_node *srcs;
    size_t nsrcs;
} selector;

static inline void select_offer(selector *s, bw_node node, uint8_t is_board, double score,
                                uint64_t visits) {
    bw_walk_hit c;
    c.node = node;
    c.is_board = is_board;
    c.score = score;
    c.visits = visits;
    /* Exclusion is looked up only for a hit that would enter the heap. */
    if (s->n < s->k) {
        if (in_sorted(s->srcs, s->nsrcs, node) || (!is_board && in_sorted(s->excl, s->nexcl, node)))
            return;
        s->h[s->n] = c;
        heap_up(s->h, s->n);
        s->n++;
    } else if (hit_better(&c, &s->h[0])) {
        if (in_sorted(s->srcs, s->nsrcs, node) || (!is_board && in_sorted(s->excl, s->nexcl, node)))
            return;
        s->h[0] = c;
        heap_down(s->h, s->n, 0);
    }
}

BW_HIDDEN int bw_walk_select_top(bw_walk_ctx *ctx, uint32_t top, const bw_node *exclude,
                                 size_t nexclude) {
    uint64_t cand;
    if (ctx->mode == MODE_SINGLE)
        cand = ctx->pins.nused + (ctx->include_boards ? ctx->boards.nused : 0);
    else if (ctx->mode == MODE_EXACT)
        cand = (ctx->xdense ? ctx->xpins.ntouched : ctx->apins.nused) +
               (ctx->include_boards ? (ctx->xdense ? ctx->xboards.ntouched : ctx->aboards.nused) : 0);
    else
        cand = ctx->apins.nused + (ctx->include_boards ? ctx->aboards.nused : 0);
    size_t k = (size_t)(cand < top ? cand : top);
    if (k == 0) return 0;
    bw_walk_hit *hits = reserve(ctx->hits, &ctx->hits_cap, k, sizeof *hits);
    if (!hits) return BW_ENOMEM;
    ctx->hits = hits;

    selector s = {ctx->hits, 0, k, exclude, nexclude, ctx->src_pins, ctx->nsrc_pins};
    if (ctx->mode == MODE_SINGLE) {
        const int has_ovf = ctx->novf > 0;
        for (int side = 0; side < 1 + (ctx->include_boards != 0); side++) {
            const vtable *t = side ? &ctx->boards : &ctx->pins;
            s.srcs = side ? ctx->src_boards : ctx->src_pins;
            s.nsrcs = side ? ctx->nsrc_boards : ctx->nsrc_pins;
            for (uint64_t i = 0; i < t->nused; i++) {
                const vslot *v = &t->slot[t->used[i]];
                uint64_t n = v->count;
                if (BW_UNLIKELY(has_ovf)) n += ovf_extra(ctx, v->key, (uint32_t)side);
                /* A penalty only lowers a score: a raw score already below the
                 * worst kept hit cannot enter, so skip its degree lookup. */
                if (s.n == s.k && (double)n < s.h[0].score) continue;
                select_offer(&s, v->key, (uint8_t)side, penalized(ctx, v->key, side, (double)n), n);
            }
        }
    } else if (ctx->mode == MODE_EXACT) {
        for (int side = 0; ctx->xdense && side < 1 + (ctx->include_boards != 0); side++) {
            const dense_acc *d = side ? &ctx->xboards : &ctx->xpins;
            s.srcs = side ? ctx->src_boards : ctx->src_pins;
            s.nsrcs = side ? ctx->nsrc_boards : ctx->nsrc_pins;
            for (uint64_t i = 0; i < d->ntouched; i++) {
                const bw_node n = d->touched[i];
                const double score = d->mass[n];
                if (s.n == s.k && score < s.h[0].score) continue;
                select_offer(&s, n, (uint8_t)side, penalized(ctx, n, side, score), d->hits[n]);
            }
        }
        for (int side = 0; !ctx->xdense && side < 1 + (ctx->include_boards != 0); side++) {
            const atable *t = side ? &ctx->aboards : &ctx->apins;
            s.srcs = side ? ctx->src_boards : ctx->src_pins;
            s.nsrcs = side ? ctx->nsrc_boards : ctx->nsrc_pins;
            for (uint64_t i = 0; i < t->nused; i++) {
                const aslot *a = &t->slot[t->used[i]];
                if (s.n == s.k && a->ssum < s.h[0].score) continue;
                select_offer(&s, a->key, (uint8_t)side, penalized(ctx, a->key, side, a->ssum), a->visits);
            }
        }
    } else {
        for (int side = 0; side < 1 + (ctx->include_boards != 0); side++) {
            const atable *t = side ? &ctx->aboards : &ctx->apins;
            s.srcs = side ? ctx->src_boards : ctx->src_pins;
            s.nsrcs = side ? ctx->nsrc_boards : ctx->nsrc_pins;
            for (uint64_t i = 0; i < t->nused; i++) {
                const aslot *a = &t->slot[t->used[i]];
                double score = ctx->boost ? a->ssum * a->ssum : (double)a->visits;
                if (s.n == s.k && score < s.h[0].score) continue; /* as above */
                select_offer(&s, a->key, (uint8_t)side, penalized(ctx, a->key, side, score), a->visits);
            }
        }
    }
    /* Heap to best-first order: move the worst to the end, repeatedly. */
    for (size_t n = s.n; n > 1; n--) {
        bw_walk_hit t = s.h[0];
        s.h[0] = s.h[n - 1];
        s.h[n - 1] = t;
        heap_down(s.h, n - 1, 0);
    }
    ctx->nhits = s.n;
    return 0;
}


BW_HIDDEN const bw_walk_hit *bw_walk_results(const bw_walk_ctx *ctx, size_t *out_count) {
    if (out_count) *out_count = ctx ? ctx->nhits : 0;
    return ctx ? ctx->hits : NULL;
}

BW_HIDDEN uint64_t bw_walk_steps_taken(const bw_walk_ctx *ctx) {
    return ctx ? ctx->steps_taken : 0;
}

BW_HIDDEN int bw_walk_partial(const bw_walk_ctx *ctx) {
    return ctx ? ctx->partial : 0;
}

BW_HIDDEN void bw_walk_lookup_stats(const bw_walk_ctx *ctx, bw_node node, int is_board, bw_walk_stats *out) {
    double score = 0.0, wsum = 0.0;
    uint64_t visits = 0;
    uint32_t nsrc = 0;
    if (ctx && ctx->mode == MODE_SINGLE) {
        const vslot *v = node == VT_EMPTY ? NULL : vt_find(is_board ? &ctx->boards : &ctx->pins, node);
        if (v) {
            visits = v->count + ovf_extra(ctx, node, is_board ? 1u : 0u);
            score = (double)visits;
            nsrc = 1; /* the one source that walked */
            wsum = ctx->src_weight;
        }
    } else if (ctx && ctx->mode == MODE_EXACT) {
        if (ctx->xdense) {
            const dense_acc *d = is_board ? &ctx->xboards : &ctx->xpins;
            if (node < d->cap) {
                score = d->mass[node];
                visits = d->hits[node];
            }
        } else {
            const aslot *a = node == VT_EMPTY ? NULL : at_find(is_board ? &ctx->aboards : &ctx->apins, node);
            if (a) {
                visits = a->visits;
                score = a->ssum;
            }
        }
    } else if (ctx && ctx->mode == MODE_MULTI) {
        const aslot *a = node == VT_EMPTY ? NULL : at_find(is_board ? &ctx->aboards : &ctx->apins, node);
        if (a) {
            visits = a->visits;
            score = ctx->boost ? a->ssum * a->ssum : (double)a->visits;
            nsrc = a->nsrc;
            wsum = a->wsum;
        }
    }
    out->visits = visits;
    out->raw = score;
    out->score = ctx && visits ? penalized(ctx, node, is_board, score) : score;
    out->nsrc = nsrc;
    out->wsum = wsum;
}

BW_HIDDEN void bw_walk_lookup(const bw_walk_ctx *ctx, bw_node node, int is_board,
                              double *out_score, uint64_t *out_visits) {
    bw_walk_stats st;
    bw_walk_lookup_stats(ctx, node, is_board, &st);
    if (out_score) *out_score = st.score;
    if (out_visits) *out_visits = st.visits;
}
