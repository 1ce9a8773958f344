/* bw_walk.h - what the walk (walk.c), the exact method (exact.c) and result
 * selection (results.c) share, private to those files: the context, the
 * visit and accumulator tables, the clock. Everything here is static inline
 * or BW_HIDDEN; the interface to the rest of the library is bw_internal.h. */
#ifndef BW_WALK_H
#define BW_WALK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_internal.h"

#if defined(__GNUC__) || defined(__clang__)
#define BW_ALWAYS_INLINE inline __attribute__((always_inline))
#define BW_NOINLINE __attribute__((noinline))
#define BW_MAYBE_UNUSED __attribute__((unused)) /* static, not every file calls it */
#else
#define BW_ALWAYS_INLINE inline
#define BW_NOINLINE
#define BW_MAYBE_UNUSED
#endif

/* ------------------------------------------------------------------------ */
/* Visit tables                                                               */

/* The key of an empty slot: all bits set (tables are emptied with memset
 * 0xFF), never a node, since indices stop at BW_MAX_NODES - 1. Its bits equal
 * BW_ATTR_ANY's and BW_ATTRS_NONE's, but it is a node key, not an attribute. */
#define VT_EMPTY 0xFFFFFFFFu
_Static_assert(VT_EMPTY > BW_MAX_NODES - 1, "VT_EMPTY must not be a node index");
#define VT_MIN_BITS 10u
#define VT_MAX_BITS 32u       /* slot indices are stored as uint32 */
#define VT_USED_SLACK 128u    /* room past grow_at while a failed growth is reported */

static inline uint64_t slot_hash(uint32_t key, uint64_t hshift) {
    return ((uint64_t)key * BW_MIX_GAMMA) >> hshift;
}

/* Per-source visit counts: 8-byte slots so the table a query touches stays
 * small and cache resident; linear probing. `used` lists occupied slots in
 * first-visit order: it makes clearing proportional to what was touched and
 * makes folds and selection independent of the table's size history. */
typedef struct vslot {
    uint32_t key;
    uint32_t count;
} vslot;

typedef struct vtable {
    vslot *slot;
    uint32_t *used;
    uint64_t nused;
    uint64_t mask;    /* capacity - 1 */
    uint64_t grow_at; /* double once nused exceeds this (50% load) */
    uint64_t hshift;  /* 64 - log2(capacity) */
} vtable;

/* Accumulated over sources: sum of sqrt(V_q) and sum of V_q; and, for the
 * ranker's features, how many sources reached the node and their summed
 * weight (fold_source; 0 from the exact method). */
typedef struct aslot {
    uint32_t key;
    uint32_t nsrc;
    double ssum;
    uint64_t visits;
    double wsum;
} aslot;

typedef struct atable {
    aslot *slot;
    uint32_t *used;
    uint64_t nused;
    uint64_t mask;
    uint64_t grow_at;
    uint64_t hshift;
} atable;

/* A per-source count that passed 2^32 - 1 keeps its excess here. */
typedef struct ovf_entry {
    uint32_t node;
    uint32_t is_board;
    uint64_t extra;
} ovf_entry;

/* Direct-mapped cache of "neighbours matching the user's attributes" ranges,
 * relative to the node's first neighbour. gen ties an entry to one run. */
typedef struct range_entry {
    uint32_t node;
    uint32_t gen;
    uint32_t lo;
    uint32_t n;
} range_entry;

#define RC_BITS 12u
#define RC_SIZE (1u << RC_BITS)

/* Mass and arrival count per node, indexed by node; `touched` lists the
 * nodes with mass in first-touch order, and is what clearing walks. */
typedef struct dense_acc {
    double *mass;
    uint32_t *hits, *touched;
    uint64_t ntouched;
    uint32_t cap; /* nodes the arrays hold */
} dense_acc;

enum { MODE_NONE = 0, MODE_SINGLE = 1, MODE_MULTI = 2, MODE_EXACT = 3 };

struct bw_walk_ctx {
    vtable pins, boards;   /* current source */
    atable apins, aboards; /* folded over sources (multi-source runs only) */
    ovf_entry *ovf;
    size_t novf, ovf_cap;

    uint64_t *steps;       /* per-source allocation */
    size_t steps_cap;
    bw_node *src_pins, *src_boards;
    size_t nsrc_pins, nsrc_boards, src_pins_cap, src_boards_cap;

    bw_walk_hit *hits;
    size_t nhits, hits_cap;

    range_entry *rcache;   /* [0, RC_SIZE): pins, [RC_SIZE, 2 RC_SIZE): boards */
    uint32_t rgen;

    double src_weight;     /* weight of the source being walked (fold_source, features) */

    /* Last run. */
    uint64_t steps_taken;
    int partial;
    int mode;
    int boost;
    int include_boards;

    /* Parameters of the running query, read by the kernel. */
    uint64_t alpha_thr, beta_thr;
    uint32_t nv, np, ovf_floor;
    uint32_t klo, khi, topic;
    uint64_t deadline;     /* 0: none */
    const int *cancel;     /* NULL: none; nonzero *cancel stops the run as the deadline does */
    int64_t tick;          /* steps until the next clock check */
    int oom;

    /* Popularity penalty (RP3beta): score / degree^beta at selection. */
    const bw_view *view;
    const struct bw_delta *delta; /* the run's live delta (NULL: none): union degrees */
    uint32_t xlimit[2];    /* exact over a delta: pins, boards that existed when the run began */
    double penalty;
    double *pen_table;     /* degree^-beta for degrees below PEN_TABLE */
    double pen_beta;       /* the beta pen_table was computed for */

    /* Exact method: accumulators. Dense (indexed by node) on graphs of at
     * most EXACT_DENSE_MAX pins and boards, where a hash probe per adjacency
     * entry would cost more than reading the entry; otherwise apins and
     * aboards. */
    dense_acc xpins, xboards;
    int xdense;            /* the last exact run used them */
    double *exp_table;     /* degree^-exponent for degrees below PEN_TABLE */
    double exp_e;          /* the exponent exp_table was computed for */
};

/* Degrees below this get their penalty from a table computed once per beta
 * (per context), so selection costs no pow() for all but the rare hubs. */
#define PEN_TABLE 4096

/* The two open-addressing tables (per-source counts, accumulators) differ
 * only in their slot type, whose first field is the uint32 key: one
 * definition of their cold paths and of their lookup serves both (their
 * inserts differ: vt_bump counts in the walk's hot loop, at_slot adds
 * totals). Slots are emptied with 0xFF bytes (key VT_EMPTY); an insert
 * writes every field of its slot. */
#define BW_DEFINE_TABLE(P, T, S)                                                 \
    static BW_MAYBE_UNUSED int P##_alloc(T *t, unsigned bits) {                  \
        uint64_t cap = 1ull << bits;                                             \
        S *s = malloc((size_t)cap * sizeof *s);                                  \
        uint32_t *u = malloc((size_t)(cap / 2 + VT_USED_SLACK) * sizeof *u);     \
        if (!s || !u) {                                                          \
            free(s);                                                             \
            free(u);                                                             \
            return -1;                                                           \
        }                                                                        \
        memset(s, 0xFF, (size_t)cap * sizeof *s);                                \
        t->slot = s;                                                             \
        t->used = u;                                                             \
        t->nused = 0;                                                            \
        t->mask = cap - 1;                                                       \
        t->grow_at = cap / 2;                                                    \
        t->hshift = 64 - bits;                                                   \
        return 0;                                                                \
    }                                                                            \
    static BW_MAYBE_UNUSED void P##_free(T *t) {                                 \
        free(t->slot);                                                           \
        free(t->used);                                                           \
        memset(t, 0, sizeof *t);                                                 \
    }                                                                            \
    static BW_MAYBE_UNUSED void P##_clear(T *t) {                                \
        if (!t->slot) return;                                                    \
        if (t->nused * 8 < t->mask + 1) {                                        \
            for (uint64_t i = 0; i < t->nused; i++) t->slot[t->used[i]].key = VT_EMPTY; \
        } else {                                                                 \
            memset(t->slot, 0xFF, (size_t)(t->mask + 1) * sizeof *t->slot);      \
        }                                                                        \
        t->nused = 0;                                                            \
    }                                                                            \
    /* Doubles the table, keeping the used list's order. -1 when out of memory \
     * or past 2^32 slots; the old table then stays valid (load < 100%). */    \
    static BW_MAYBE_UNUSED BW_NOINLINE int P##_grow(T *t) {                      \
        unsigned bits = 64u - (unsigned)t->hshift + 1u;                          \
        if (bits > VT_MAX_BITS) return -1;                                       \
        T n;                                                                     \
        if (P##_alloc(&n, bits) != 0) return -1;                                 \
        for (uint64_t i = 0; i < t->nused; i++) {                                \
            S o = t->slot[t->used[i]];                                           \
            uint64_t h = slot_hash(o.key, n.hshift);                             \
            while (n.slot[h].key != VT_EMPTY) h = (h + 1) & n.mask;              \
            n.slot[h] = o;                                                       \
            n.used[i] = (uint32_t)h;                                             \
        }                                                                        \
        n.nused = t->nused;                                                      \
        P##_free(t);                                                             \
        *t = n;                                                                  \
        return 0;                                                                \
    }                                                                            \
    /* The slot of key, NULL when absent (or the table never allocated). */     \
    static BW_MAYBE_UNUSED const S *P##_find(const T *t, uint32_t key) {         \
        if (!t->slot) return NULL;                                               \
        uint64_t h = slot_hash(key, t->hshift);                                  \
        for (;;) {                                                               \
            const S *s = &t->slot[h];                                            \
            if (s->key == key) return s;                                         \
            if (s->key == VT_EMPTY) return NULL;                                 \
            h = (h + 1) & t->mask;                                               \
        }                                                                        \
    }

BW_DEFINE_TABLE(vt, vtable, vslot)
BW_DEFINE_TABLE(at, atable, aslot)

static BW_MAYBE_UNUSED uint64_t ovf_extra(const bw_walk_ctx *ctx, uint32_t node, uint32_t is_board) {
    for (size_t i = 0; i < ctx->novf; i++)
        if (ctx->ovf[i].node == node && ctx->ovf[i].is_board == is_board) return ctx->ovf[i].extra;
    return 0;
}

/* The slot of key, inserted with zero totals when new. NULL when out of
 * memory: a table that cannot grow still takes the keys it holds. */
static inline aslot *at_slot(atable *t, uint32_t key) {
    if (!t->slot && at_alloc(t, VT_MIN_BITS) != 0) return NULL;
    const int full = t->nused >= t->grow_at && at_grow(t) != 0;
    uint64_t h = slot_hash(key, t->hshift);
    for (;;) {
        aslot *s = &t->slot[h];
        if (s->key == key) return s;
        if (s->key == VT_EMPTY) {
            if (full) return NULL;
            s->key = key;
            s->nsrc = 0;
            s->ssum = 0.0;
            s->visits = 0;
            s->wsum = 0.0;
            t->used[t->nused++] = (uint32_t)h;
            return s;
        }
        h = (h + 1) & t->mask;
    }
}

static BW_MAYBE_UNUSED double usable_weight(double w) {
    return (w > 0.0 && w <= 1.7976931348623157e308) ? w : 0.0;
}

/* Returns p grown to hold n elements of size sz (capacities only grow), or
 * NULL with p untouched when out of memory. */
static BW_MAYBE_UNUSED void *reserve(void *p, size_t *cap, size_t n, size_t sz) {
    if (n <= *cap) return p ? p : malloc(sz);
    size_t c = *cap ? *cap : 16;
    while (c < n) {
        if (c > SIZE_MAX / 2 / sz) return NULL;
        c *= 2;
    }
    void *q = realloc(p, c * sz);
    if (!q) return NULL;
    *cap = c;
    return q;
}

static BW_MAYBE_UNUSED uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Whether a cancellation flag is set (NULL: never). Another thread may set
 * it at any time: a relaxed atomic load, polled where the deadline is. */
static inline int cancelled(const int *flag) {
    return flag && __atomic_load_n(flag, __ATOMIC_RELAXED) != 0;
}

/* The deadline a time budget of ns nanoseconds sets from now (0: none). */
static BW_MAYBE_UNUSED uint64_t deadline_after(uint64_t ns) {
    if (ns == 0) return 0;
    const uint64_t t0 = now_ns();
    return ns > UINT64_MAX - t0 ? UINT64_MAX : t0 + ns;
}

/* ------------------------------------------------------------------------ */
/* Between the files                                                          */

/** The exact method (exact.c): scores of the sources' 3-step neighbourhood
 * into ctx's accumulators, mode MODE_EXACT. 0, BW_EINVAL, BW_ECORRUPT or
 * BW_ENOMEM; a time budget that runs out sets ctx->partial. */
BW_HIDDEN int bw_exact_run(const bw_view *g, bw_walk_ctx *ctx, const bw_walk_config *cfg,
                           const bw_walk_source *sources, size_t nsources);

/** Fills *table with d^-e for degrees below PEN_TABLE (entry 0: 1), unless it
 * already holds them (*table_e == e). 0 or BW_ENOMEM. */
BW_HIDDEN int bw_pow_table(double **table, double *table_e, double e);

/** Sets the popularity penalty (beta, 0 = off) that selection applies. */
BW_HIDDEN int bw_walk_prepare_penalty(bw_walk_ctx *ctx, const bw_view *g, double beta);

/** What the last run holds about one node, for the ranker's features
 * (features.c): visits, the score before and after the popularity penalty,
 * and the number and summed weight of the sources that reached it. */
typedef struct bw_walk_stats {
    uint64_t visits;
    double raw;     /* boosted score (visits without boosting; exact: mass) */
    double score;   /* raw with the penalty, as the results report it */
    uint32_t nsrc;  /* sources that reached it (exact: 0) */
    double wsum;    /* their summed weight */
} bw_walk_stats;

/** Fills *out for a node of the last run (zeros when never reached). */
BW_HIDDEN void bw_walk_lookup_stats(const bw_walk_ctx *ctx, bw_node node, int is_board, bw_walk_stats *out);

/** The top results of the last run into ctx->hits (results.c). */
BW_HIDDEN int bw_walk_select_top(bw_walk_ctx *ctx, uint32_t top, const bw_node *exclude,
                                 size_t nexclude);

#endif /* BW_WALK_H */
