/* exact.c - the exact method (BW_METHOD_EXACT): the 3-step scores that the
 * walk estimates, computed by following every edge out of the sources'
 * boards (P3alpha / RP3beta), in dense or hashed accumulators. */
#define _POSIX_C_SOURCE 200809L

#include "bw_delta.h"
#include "bw_walk.h"


/* Graphs of at most this many pins and boards get dense accumulators (16
 * bytes per node and side: at most 64 MiB per context); larger ones hash.
 * The C tests build once with 0 so that the hashed path runs too. */
#ifndef BW_EXACT_DENSE_MAX
#define BW_EXACT_DENSE_MAX (1u << 21)
#endif
#define EXACT_DENSE_MAX BW_EXACT_DENSE_MAX
#define EXACT_CHECK 4096u          /* adjacency entries between clock checks (~1-4 us) */

/* Adds mass m to a node and counts one more arrival. -1 when out of memory. */
static int at_add_mass(atable *t, uint32_t key, double m) {
    aslot *s = at_slot(t, key);
    if (!s) return -1;
    s->ssum += m;
    s->visits += 1;
    return 0;
}

/* deg^-e, the exact method's transition weight out of a node of degree d. */
static inline double exp_factor(const bw_walk_ctx *ctx, uint64_t d) {
    return d < PEN_TABLE ? ctx->exp_table[d] : pow((double)d, -ctx->exp_e);
}

/* Empties what a dense accumulator's last run touched. */
static void dacc_clear(dense_acc *d) {
    for (uint64_t i = 0; i < d->ntouched; i++) {
        d->mass[d->touched[i]] = 0.0;
        d->hits[d->touched[i]] = 0;
    }
    d->ntouched = 0;
}

/* Makes room for n nodes, all empty. 0 or BW_ENOMEM (then d holds nothing). */
static int dacc_reserve(dense_acc *d, uint32_t n) {
    if (d->cap >= n) return 0;
    free(d->mass);
    free(d->hits);
    free(d->touched);
    d->mass = calloc(n ? n : 1, sizeof *d->mass);
    d->hits = calloc(n ? n : 1, sizeof *d->hits);
    d->touched = malloc((n ? n : 1) * sizeof *d->touched);
    d->ntouched = 0;
    d->cap = n;
    if (d->mass && d->hits && d->touched) return 0;
    free(d->mass);
    free(d->hits);
    free(d->touched);
    memset(d, 0, sizeof *d);
    return BW_ENOMEM;
}

static inline void dacc_add(dense_acc *restrict d, uint32_t n, double m) {
    if (d->hits[n]++ == 0) d->touched[d->ntouched++] = n;
    d->mass[n] += m;
}

/* Counts `n` more adjacency entries read; 1 once past the deadline or cancelled. */
static inline int exact_tick(bw_walk_ctx *ctx, uint64_t n) {
    ctx->steps_taken += n;
    ctx->tick -= (int64_t)n;
    if (ctx->tick > 0) return 0;
    ctx->tick = EXACT_CHECK;
    return (ctx->deadline && now_ns() >= ctx->deadline) || cancelled(ctx->cancel);
}

/* Mass m times deg(x)^-e from node x of the union (a board when is_board)
 * to each of its neighbours, into the other side's accumulator. Returns 0,
 * 1 (deadline), BW_ECORRUPT or BW_ENOMEM. */
static int exact_union(bw_walk_ctx *ctx, const bw_delta *d, int is_board, bw_node x, double m) {
    const bw_dside *s = bw_delta_side(d, is_board);
    bw_dnode n;
    if (bw_dnode_read(s, x, &n) != 0) return BW_ECORRUPT;
    const uint64_t deg = bw_dnode_degree(&n);
    if (deg == 0) return 0;
    const double f = m * exp_factor(ctx, deg);
    /* Nodes created since the run began (a writer runs meanwhile) are not
     * in the accumulators: the run sees the union as it was then. */
    const uint32_t ocount = ctx->xlimit[!is_board];
    const uint64_t all = n.base_deg + n.nlive;
    dense_acc *dacc = is_board ? &ctx->xpins : &ctx->xboards;
    atable *acc = is_board ? &ctx->apins : &ctx->aboards;
    for (uint64_t i = 0; i < all; i++) {
        const uint32_t y = bw_dnode_at(s, &n, i);
        if (n.rm && bw_rm_has(n.rm, y)) continue;
        if (y >= ocount) continue;
        if (ctx->xdense) dacc_add(dacc, y, f);
        else if (at_add_mass(acc, y, f) != 0) return BW_ENOMEM;
    }
    return exact_tick(ctx, all);
}

/* Sends mass m (times the exponent factor of the board) from board b to each
 * of its pins. Returns 0, 1 (deadline), BW_ECORRUPT or BW_ENOMEM. */
static int exact_board(bw_walk_ctx *ctx, const bw_view *g, bw_node b, double m) {
    if (ctx->delta) return exact_union(ctx, ctx->delta, 1, b, m);
    const bw_chunked *adj = &g->boards.adj;
    uint64_t lo = bw_u64_at(&g->boards.offsets, b), hi = bw_u64_at(&g->boards.offsets, (uint64_t)b + 1);
    if (hi < lo || hi > adj->count) return BW_ECORRUPT;
    const double f = m * exp_factor(ctx, hi - lo);
    const uint32_t npins = g->pins.count;
    while (lo < hi) {
        uint64_t end = (lo | adj->mask) + 1; /* end of lo's chunk */
        if (end > hi) end = hi;
        if (end - lo > EXACT_CHECK) end = lo + EXACT_CHECK;
        const uint32_t *p = (const uint32_t *)bw_addr_at(adj, lo);
        const size_t n = (size_t)(end - lo);
        if (ctx->xdense) {
            dense_acc *restrict d = &ctx->xpins;
            for (size_t i = 0; i < n; i++) {
                if (BW_UNLIKELY(p[i] >= npins)) return BW_ECORRUPT;
                dacc_add(d, p[i], f);
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                if (BW_UNLIKELY(p[i] >= npins)) return BW_ECORRUPT;
                if (at_add_mass(&ctx->apins, p[i], f) != 0) return BW_ENOMEM;
            }
        }
        lo = end;
        if (exact_tick(ctx, n)) return 1;
    }
    return 0;
}

/* The exact method: query -> boards, boards -> pins, accumulated in the
 * dense arrays (xboards, xpins) or, on large graphs, the hash tables
 * (aboards, apins). Sources are valid indices with positive weights
 * (bw_walk_run). */
BW_HIDDEN int bw_exact_run(const bw_view *g, bw_walk_ctx *ctx, const bw_walk_config *cfg,
                           const bw_walk_source *sources, size_t nsources) {
    if (!(cfg->exponent >= 0.0 && cfg->exponent <= 2.0)) return BW_EINVAL;
    if (cfg->bias > 0.0 && g->has_attributes && !(cfg->language == BW_ATTR_ANY && cfg->topic == BW_ATTR_ANY))
        return BW_EINVAL; /* no exact counterpart of the biased walk */
    int rc = bw_pow_table(&ctx->exp_table, &ctx->exp_e, cfg->exponent);
    if (rc) return rc;
    dacc_clear(&ctx->xpins);
    dacc_clear(&ctx->xboards);
    ctx->xdense = 0;
    const bw_delta *delta = cfg->delta;
    const uint32_t npins = delta ? bw_dside_count(&delta->pins) : g->pins.count;
    const uint32_t nboards = delta ? bw_dside_count(&delta->boards) : g->boards.count;
    ctx->xlimit[0] = npins;
    ctx->xlimit[1] = nboards;
    if (npins <= EXACT_DENSE_MAX && nboards <= EXACT_DENSE_MAX) {
        if ((rc = dacc_reserve(&ctx->xpins, npins)) != 0) return rc;
        if ((rc = dacc_reserve(&ctx->xboards, nboards)) != 0) return rc;
        ctx->xdense = 1;
    }
    ctx->tick = EXACT_CHECK;
    ctx->mode = MODE_EXACT;

    /* Weights scaled by 1/max before summing, so that the sum cannot overflow. */
    double wmax = 0.0, wsum = 0.0;
    for (size_t i = 0; i < nsources; i++)
        if (usable_weight(sources[i].weight) > wmax) wmax = usable_weight(sources[i].weight);
    if (!(wmax > 0.0)) return 0;
    for (size_t i = 0; i < nsources; i++) wsum += usable_weight(sources[i].weight) / wmax;

    /* Step 1: query -> boards. */
    for (size_t i = 0; i < nsources && rc == 0; i++) {
        const double w = usable_weight(sources[i].weight) / wmax / wsum;
        const bw_node n = sources[i].node;
        if (w <= 0.0) continue;
        if (sources[i].is_board) {
            if (ctx->xdense) dacc_add(&ctx->xboards, n, w);
            else if (at_add_mass(&ctx->aboards, n, w) != 0) return BW_ENOMEM;
            continue;
        }
        if (delta) {
            rc = exact_union(ctx, delta, 0, n, w);
            if (rc < 0) return rc;
            continue;
        }
        const bw_chunked *adj = &g->pins.adj;
        uint64_t lo = bw_u64_at(&g->pins.offsets, n), hi = bw_u64_at(&g->pins.offsets, (uint64_t)n + 1);
        if (hi < lo || hi > adj->count) return BW_ECORRUPT;
        const double f = w * exp_factor(ctx, hi - lo);
        for (uint64_t e = lo; e < hi; e++) {
            const uint32_t b = bw_u32_at(adj, e);
            if (b >= g->boards.count) return BW_ECORRUPT;
            if (ctx->xdense) dacc_add(&ctx->xboards, b, f);
            else if (at_add_mass(&ctx->aboards, b, f) != 0) return BW_ENOMEM;
        }
        if (exact_tick(ctx, hi - lo)) rc = 1;
    }
    /* Step 2: boards -> pins, in first-reached order (deterministic sums). */
    if (ctx->xdense) {
        const dense_acc *d = &ctx->xboards;
        for (uint64_t i = 0; i < d->ntouched && rc == 0; i++)
            rc = exact_board(ctx, g, d->touched[i], d->mass[d->touched[i]]);
    } else {
        for (uint64_t i = 0; i < ctx->aboards.nused && rc == 0; i++) {
            const aslot *a = &ctx->aboards.slot[ctx->aboards.used[i]];
            rc = exact_board(ctx, g, a->key, a->ssum);
        }
    }
    if (rc == 1) {
        ctx->partial = 1;
        rc = 0;
    }
    return rc;
}
