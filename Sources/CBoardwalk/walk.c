/* walk.c - the Pixie random-walk kernel (Algorithms 1-2): step allocation,
 * interleaved prefetching walkers, per-source visit tables, booster, top-K. */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_internal.h"

/* Walkers advanced together per source. Each pass over the lanes issues a
 * prefetch per lane that is consumed one pass later, so the memory latency of
 * one lane hides behind the work of the other W-1. 32 keeps ~30 misses in
 * flight, more than a core's fill buffers, at a few hundred bytes of state. */
#ifndef BW_WALK_LANES
#define BW_WALK_LANES 32
#endif
#if BW_WALK_LANES < 1 || BW_WALK_LANES > 64
#error "BW_WALK_LANES must be in 1..64"
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BW_ALWAYS_INLINE inline __attribute__((always_inline))
#define BW_NOINLINE __attribute__((noinline))
#else
#define BW_ALWAYS_INLINE inline
#define BW_NOINLINE
#endif

/* ------------------------------------------------------------------------ */
/* Random numbers                                                             */

/* splitmix64 as a stream: a Weyl counter through a strong 64-bit finaliser.
 * One word of state per lane keeps the lanes' state in a cache line or two,
 * and the lanes' calls are independent, so its latency overlaps. */
static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline uint64_t rng_next(uint64_t *s) {
    *s += 0x9E3779B97F4A7C15ull;
    return mix64(*s);
}

/* Uniform in [0, range) from 32 random bits, without bias: Lemire's
 * multiply-shift, redrawing only in the rare band that would skew it. The
 * modulo runs only there (probability range / 2^32). range 0 yields 0. */
static inline uint32_t bounded32(uint32_t x, uint32_t range, uint64_t *s) {
    uint64_t m = (uint64_t)x * range;
    uint32_t l = (uint32_t)m;
    if (BW_UNLIKELY(l < range)) {
        uint32_t t = (uint32_t)(0u - range) % range;
        while (l < t) {
            x = (uint32_t)rng_next(s);
            m = (uint64_t)x * range;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* A probability as a threshold on 32 random bits: coin is (bits < thr). */
static uint64_t prob_threshold(double p) {
    if (!(p > 0.0)) return 0;
    if (p >= 1.0) return 1ull << 32;
    return (uint64_t)(p * 4294967296.0 + 0.5);
}

/* ------------------------------------------------------------------------ */
/* Visit tables                                                               */

#define VT_EMPTY 0xFFFFFFFFu /* never a node: indices stop at BW_MAX_NODES - 1 */
#define VT_MIN_BITS 10u
#define VT_MAX_BITS 32u       /* slot indices are stored as uint32 */
#define VT_USED_SLACK 128u    /* room past grow_at while a failed growth is reported */

static inline uint64_t slot_hash(uint32_t key, uint64_t hshift) {
    return ((uint64_t)key * 0x9E3779B97F4A7C15ull) >> hshift;
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

/* Accumulated over sources: sum of sqrt(V_q) and sum of V_q. */
typedef struct aslot {
    uint32_t key;
    uint32_t pad;
    double ssum;
    uint64_t visits;
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
enum { BIAS_NONE = 0, BIAS_RANGE = 1, BIAS_TOPIC = 2 };

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
 * definition of their cold paths serves both. Slots are emptied with 0xFF
 * bytes (key VT_EMPTY); an insert writes every field of its slot. */
#define BW_DEFINE_TABLE(P, T, S)                                                 \
    static int P##_alloc(T *t, unsigned bits) {                                  \
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
    static void P##_free(T *t) {                                                 \
        free(t->slot);                                                           \
        free(t->used);                                                           \
        memset(t, 0, sizeof *t);                                                 \
    }                                                                            \
    static void P##_clear(T *t) {                                                \
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
    static BW_NOINLINE int P##_grow(T *t) {                                      \
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
    }

BW_DEFINE_TABLE(vt, vtable, vslot)
BW_DEFINE_TABLE(at, atable, aslot)

static BW_NOINLINE void vt_grow_or_flag(bw_walk_ctx *ctx, vtable *t) {
    if (vt_grow(t) != 0) ctx->oom = 1;
}

/* A count wrapped past 2^32 - 1. Restart the low word at a floor >= nv, so
 * later increments never land on nv again (early stopping counts each pin
 * once), and move the rest to the side list. Returns the new low word. */
static BW_NOINLINE uint32_t vt_wrap(bw_walk_ctx *ctx, uint32_t node, uint32_t is_board) {
    uint32_t floor_ = ctx->ovf_floor;
    uint64_t add = (1ull << 32) - floor_;
    for (size_t i = 0; i < ctx->novf; i++) {
        if (ctx->ovf[i].node == node && ctx->ovf[i].is_board == is_board) {
            ctx->ovf[i].extra += add;
            return floor_;
        }
    }
    if (ctx->novf == ctx->ovf_cap) {
        size_t cap = ctx->ovf_cap ? ctx->ovf_cap * 2 : 8;
        ovf_entry *n = realloc(ctx->ovf, cap * sizeof *n);
        if (!n) {
            ctx->oom = 1;
            return floor_;
        }
        ctx->ovf = n;
        ctx->ovf_cap = cap;
    }
    ctx->ovf[ctx->novf].node = node;
    ctx->ovf[ctx->novf].is_board = is_board;
    ctx->ovf[ctx->novf].extra = add;
    ctx->novf++;
    return floor_;
}

static uint64_t ovf_extra(const bw_walk_ctx *ctx, uint32_t node, uint32_t is_board) {
    for (size_t i = 0; i < ctx->novf; i++)
        if (ctx->ovf[i].node == node && ctx->ovf[i].is_board == is_board) return ctx->ovf[i].extra;
    return 0;
}

/* Counts one visit; returns the node's new (low-word) count. */
static BW_ALWAYS_INLINE uint32_t vt_bump(bw_walk_ctx *ctx, vtable *restrict t, uint32_t key,
                                         uint32_t is_board) {
    vslot *restrict s = t->slot;
    uint64_t m = t->mask;
    uint64_t h = slot_hash(key, t->hshift);
    for (;;) {
        uint32_t k = s[h].key;
        if (k == key) break;
        if (k == VT_EMPTY) {
            s[h].key = key;
            s[h].count = 1;
            t->used[t->nused++] = (uint32_t)h;
            if (BW_UNLIKELY(t->nused > t->grow_at)) vt_grow_or_flag(ctx, t);
            return 1;
        }
        h = (h + 1) & m;
    }
    uint32_t c = s[h].count + 1;
    if (BW_UNLIKELY(c == 0)) { /* report 0: never equal to nv, see vt_wrap */
        s[h].count = vt_wrap(ctx, key, is_board);
        return 0;
    }
    s[h].count = c;
    return c;
}

static const vslot *vt_find(const vtable *t, uint32_t key) {
    if (!t->slot) return NULL;
    uint64_t h = slot_hash(key, t->hshift);
    for (;;) {
        const vslot *s = &t->slot[h];
        if (s->key == key) return s;
        if (s->key == VT_EMPTY) return NULL;
        h = (h + 1) & t->mask;
    }
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
            s->ssum = 0.0;
            s->visits = 0;
            t->used[t->nused++] = (uint32_t)h;
            return s;
        }
        h = (h + 1) & t->mask;
    }
}

/* Adds one source's count V to a node's totals. -1 when out of memory. */
static int at_add(atable *t, uint32_t key, uint64_t v) {
    aslot *s = at_slot(t, key);
    if (!s) return -1;
    s->ssum += sqrt((double)v);
    s->visits += v;
    return 0;
}

static const aslot *at_find(const atable *t, uint32_t key) {
    if (!t->slot) return NULL;
    uint64_t h = slot_hash(key, t->hshift);
    for (;;) {
        const aslot *s = &t->slot[h];
        if (s->key == key) return s;
        if (s->key == VT_EMPTY) return NULL;
        h = (h + 1) & t->mask;
    }
}

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

/* Returns p grown to hold n elements of size sz (capacities only grow), or
 * NULL with p untouched when out of memory. */
static void *reserve(void *p, size_t *cap, size_t n, size_t sz) {
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

/* ------------------------------------------------------------------------ */
/* Step allocation                                                            */

static uint64_t side_degree(const bw_side *s, bw_node n) {
    if (n >= s->count) return 0;
    return bw_degree(s, n);
}

static uint64_t source_degree(const bw_view *g, const bw_walk_source *src) {
    return side_degree(src->is_board ? &g->boards : &g->pins, src->node);
}

static double usable_weight(double w) {
    return (w > 0.0 && w <= 1.7976931348623157e308) ? w : 0.0;
}

/* The unnormalised share of a source: w * deg * (C - ln deg), or in the
 * fallback w alone (for degree > 0). Weights come in scaled by 1/max so the
 * products cannot overflow. */
static double source_share(const bw_view *g, const bw_walk_source *src, double wscale,
                           int by_weight) {
    double w = usable_weight(src->weight) * wscale;
    uint64_t d = source_degree(g, src);
    if (d == 0 || w <= 0.0) return 0.0;
    if (by_weight) return w;
    double c = src->is_board ? g->boards.max_log_degree : g->pins.max_log_degree;
    double s = (double)d * (c - log((double)d));
    return s > 0.0 ? w * s : 0.0;
}

/* Bits of the fractional part of total * share / sum (>= +0.0). */
static uint64_t remainder_bits(double dtotal, double share, double sum) {
    double x = dtotal * (share / sum);
    double r = x - floor(x);
    if (!(r > 0.0)) r = 0.0;
    uint64_t bits;
    memcpy(&bits, &r, sizeof bits);
    return bits;
}

static uint64_t floor_to_u64(double x, uint64_t cap) {
    if (!(x > 0.0)) return 0;
    if (x >= 18446744073709551616.0) return cap;
    uint64_t v = (uint64_t)x;
    return v > cap ? cap : v;
}

BW_HIDDEN int bw_walk_allocate(const bw_view *g, const bw_walk_config *cfg,
                               const bw_walk_source *sources, size_t nsources,
                               uint64_t *out_steps) {
    if (nsources == 0) return 0;
    for (size_t i = 0; i < nsources; i++) out_steps[i] = 0;
    const uint64_t total = cfg->steps;
    double wmax = 0.0;
    for (size_t i = 0; i < nsources; i++) {
        double w = usable_weight(sources[i].weight);
        if (w > wmax) wmax = w;
    }
    if (total == 0 || wmax <= 0.0) return 0;
    const double wscale = 1.0 / wmax;

    int by_weight = 0;
    double sum = 0.0;
    for (size_t i = 0; i < nsources; i++) sum += source_share(g, &sources[i], wscale, 0);
    if (!(sum > 0.0)) {
        /* Every source has the max degree of its side (or degree 0): the
         * formula gives nothing, so split by weight among reachable ones. */
        by_weight = 1;
        sum = 0.0;
        for (size_t i = 0; i < nsources; i++) sum += source_share(g, &sources[i], wscale, 1);
        if (!(sum > 0.0)) return 0;
    }

    /* Largest remainder: floors first, then +1 to the largest fractional
     * parts (ties to the lower index). out_steps first holds each eligible
     * source's remainder bits + 1 (0: not eligible), so that the bisection
     * below reads an array; the floors are recomputed by the same
     * expression in the same order at the end, so no scratch memory is
     * needed and a query costs three log() per source. */
    const double dtotal = (double)total;
    uint64_t assigned = 0;
    size_t eligible = 0;
    for (size_t i = 0; i < nsources; i++) {
        double share = source_share(g, &sources[i], wscale, by_weight);
        if (share <= 0.0) continue;
        eligible++;
        uint64_t f = floor_to_u64(dtotal * (share / sum), total);
        assigned += f;
        if (assigned > total) assigned = total; /* rounding in doubles past 2^53 */
        out_steps[i] = remainder_bits(dtotal, share, sum) + 1;
    }
    uint64_t rem = total - assigned, each = 0;
    if (eligible > 0 && rem >= eligible) { /* only with totals beyond double precision */
        each = rem / eligible;
        rem -= each * eligible;
    }

    /* The rem-th largest remainder, by bisecting over its bit pattern
     * (non-negative doubles order like their bits). */
    uint64_t lo = 0, hi = 0x7FF0000000000000ull; /* count(bits >= lo) >= rem */
    while (rem > 0 && lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        uint64_t cnt = 0;
        for (size_t i = 0; i < nsources; i++) cnt += out_steps[i] != 0 && out_steps[i] - 1 >= mid;
        if (cnt >= rem) lo = mid;
        else hi = mid - 1;
    }
    /* +1 to every remainder above lo, then to those equal to lo in index
     * order until rem is handed out. */
    uint64_t above = 0;
    for (size_t i = 0; rem > 0 && i < nsources; i++) above += out_steps[i] != 0 && out_steps[i] - 1 > lo;
    uint64_t ties = rem - above;
    assigned = 0;
    for (size_t i = 0; i < nsources; i++) {
        const uint64_t r = out_steps[i];
        out_steps[i] = 0;
        if (r == 0) continue;
        double share = source_share(g, &sources[i], wscale, by_weight);
        uint64_t f = floor_to_u64(dtotal * (share / sum), total);
        assigned += f;
        if (assigned > total) {
            f -= assigned - total;
            assigned = total;
        }
        f += each;
        if (rem > 0 && r - 1 > lo) f++;
        else if (rem > 0 && r - 1 == lo && ties > 0) {
            f++;
            ties--;
        }
        out_steps[i] = f;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Biased hops                                                                */

/* Neighbours of list [lo, lo + deg) of `self` whose attrs (read from `other`)
 * lie in [klo, khi]: a contiguous run, since lists sort by (attrs, index). */
/* The attrs of neighbour nb; an index out of range (a damaged file, never
 * verified) reads as "unknown", and the walk refuses it when it steps there. */
static inline uint32_t attrs_of(const bw_side *s, uint32_t nb) {
    return nb < s->count ? bw_u32_at(&s->attrs, nb) : BW_ATTRS_NONE;
}

static void match_range(const bw_side *self, const bw_side *other, uint64_t lo, uint32_t deg,
                        uint32_t klo, uint32_t khi, uint32_t *out_lo, uint32_t *out_n) {
    uint32_t a = 0, b = deg;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (attrs_of(other, bw_u32_at(&self->adj, lo + mid)) < klo) a = mid + 1;
        else b = mid;
    }
    uint32_t first = a;
    b = deg;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (attrs_of(other, bw_u32_at(&self->adj, lo + mid)) <= khi) a = mid + 1;
        else b = mid;
    }
    *out_lo = first;
    *out_n = a - first;
}

/* One hop from node x (list [lo, hi) of side `self`) with the bias: with
 * probability beta from the matching neighbours, else from all. r supplies
 * the draw (low 32 bits) and the bias coin (high 32 bits). */
static BW_NOINLINE uint64_t biased_pick(bw_walk_ctx *ctx, const bw_side *self,
                                        const bw_side *other, uint32_t cache_base, bw_node x,
                                        uint64_t lo, uint64_t hi, uint64_t r, uint64_t *rng,
                                        int mode) {
    /* The range searches below read the whole list: on a damaged file, one
     * that is not inside the array answers a position the kernel refuses. */
    if (BW_UNLIKELY(hi < lo || hi > self->adj.count)) return UINT64_MAX;
    uint32_t deg = (uint32_t)(hi - lo);
    if ((uint64_t)(uint32_t)(r >> 32) < ctx->beta_thr && deg > 0) {
        if (mode == BIAS_RANGE) {
            range_entry *e = &ctx->rcache[cache_base + (uint32_t)(((uint64_t)x * 0x9E3779B97F4A7C15ull) >> (64 - RC_BITS))];
            if (e->node != x || e->gen != ctx->rgen) {
                uint32_t rlo, rn;
                match_range(self, other, lo, deg, ctx->klo, ctx->khi, &rlo, &rn);
                e->node = x;
                e->gen = ctx->rgen;
                e->lo = rlo;
                e->n = rn;
            }
            if (e->n > 0) return lo + e->lo + bounded32((uint32_t)r, e->n, rng);
        } else {
            /* Topic without language: matches are scattered through the list,
             * so draw up to 8 neighbours and keep the first that matches;
             * after 8 misses take a fresh uniform draw. Approximate: when m of
             * d neighbours match, the uniform fallback happens with
             * probability (1 - m/d)^8 instead of only when m == 0. */
            for (int t = 0; t < 8; t++) {
                uint32_t k = bounded32((uint32_t)rng_next(rng), deg, rng);
                uint32_t nb = bw_u32_at(&self->adj, lo + k);
                if ((attrs_of(other, nb) & 0xFFFFu) == ctx->topic) return lo + k;
            }
            return lo + bounded32((uint32_t)rng_next(rng), deg, rng);
        }
    }
    return lo + bounded32((uint32_t)r, deg, rng);
}

/* ------------------------------------------------------------------------ */
/* The kernel                                                                 */

typedef struct walk_src {
    uint64_t steps;    /* N_q */
    bw_node home;      /* pin a restarted lane stands on */
    int board;         /* board source: a restarted lane's next hop is forced */
    uint64_t home_pos; /* board source: the board's position in home's list */
    uint64_t seed;     /* lane streams derive from this */
} walk_src;

static uint64_t now_ns(void) {
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
static uint64_t deadline_after(uint64_t ns) {
    if (ns == 0) return 0;
    const uint64_t t0 = now_ns();
    return ns > UINT64_MAX - t0 ? UINT64_MAX : t0 + ns;
}

#define CHUNK_AT64(ch, sh, mk, i) (((const uint64_t *)(ch)[(i) >> (sh)])[(i) & (mk)])
#define CHUNK_AT32(ch, sh, mk, i) (((const uint32_t *)(ch)[(i) >> (sh)])[(i) & (mk)])
#define CHUNK_P64(ch, sh, mk, i) ((const uint64_t *)(ch)[(i) >> (sh)] + ((i) & (mk)))
#define CHUNK_P32(ch, sh, mk, i) ((const uint32_t *)(ch)[(i) >> (sh)] + ((i) & (mk)))

/* Walks one source. Every step of every lane goes through five passes; each
 * pass ends with a prefetch of what the lane's next pass reads:
 *   A  pin offsets (prefetched)   -> draw a board slot, prefetch pin_adj[slot]
 *   B  pin_adj[slot] = board      -> prefetch board offsets (+ its visit slot)
 *   C  board offsets              -> draw a pin slot, prefetch board_adj[slot]
 *   D  board_adj[slot] = pin      -> restart coin; prefetch the next pin's
 *                                    offsets and the arrival's visit slot
 *   E  count the visit(s), the step, early stop; apply the restart
 * A board source starts (and restarts) its lanes on a pin `home` of the board
 * with the A draw forced to the board's slot, so the first counted step is
 * board -> pin; the passes stay uniform across lanes (no per-lane phase).
 * Returns 0 when the source is done, 1 when the time budget ran out,
 * BW_ENOMEM, or BW_ECORRUPT when the graph's arrays contradict each other.
 * bias and inc_boards are compile-time constants per copy.
 *
 * Memory safety on files that were never verified: every value read from
 * the file is checked before it is used as a position, with one compare on
 * a value already in a register, never true on a sound file: a drawn
 * adjacency position must lie inside the adjacency array (whatever the
 * offsets said: a list that runs past the end, or an empty or inverted one
 * that draws its own start, is caught here or walks on wrong but in bounds),
 * and a neighbour must be below its side's count. Checking the offsets
 * themselves (lo < hi <= edges) cost 4-6% of the speed; checking the drawn
 * position costs nothing measurable (BENCHMARKS.md, "Walks on unverified
 * files"). */
static BW_ALWAYS_INLINE int walk_kernel(bw_walk_ctx *restrict ctx, const bw_view *restrict g,
                                        const walk_src *restrict src, const int bias,
                                        const int inc_boards) {
    enum { W = BW_WALK_LANES };
    const uint8_t *const *restrict poc = g->pins.offsets.chunks;
    const unsigned pos_ = g->pins.offsets.shift;
    const uint64_t pom = g->pins.offsets.mask;
    const uint8_t *const *restrict pac = g->pins.adj.chunks;
    const unsigned pas = g->pins.adj.shift;
    const uint64_t pam = g->pins.adj.mask;
    const uint8_t *const *restrict boc = g->boards.offsets.chunks;
    const unsigned bos = g->boards.offsets.shift;
    const uint64_t bom = g->boards.offsets.mask;
    const uint8_t *const *restrict bac = g->boards.adj.chunks;
    const unsigned bas = g->boards.adj.shift;
    const uint64_t bam = g->boards.adj.mask;
    const uint64_t pedges = g->pins.adj.count, bedges = g->boards.adj.count;
    const uint32_t npins = g->pins.count, nboards = g->boards.count;

    vtable *restrict pt = &ctx->pins;
    vtable *restrict bt = &ctx->boards;
    const uint64_t alpha_thr = ctx->alpha_thr;
    const uint32_t nv = ctx->nv, np = ctx->np;
    const int early = nv != 0;
    const uint64_t deadline = ctx->deadline;
    const int *const cancel = ctx->cancel;
    const int poll = deadline != 0 || cancel != NULL;
    const bw_node home = src->home;
    const uint32_t board_src = src->board ? 1u : 0u;
    const uint64_t home_pos = src->home_pos;
    const uint64_t nsteps = src->steps;

    uint64_t rng[W], pos[W];
    uint32_t cur[W], brd[W], arr[W], coin[W];
    uint8_t frc[W];
    for (unsigned w = 0; w < W; w++) {
        rng[w] = mix64(src->seed ^ mix64(0xD1B54A32D192ED03ull * (w + 1)));
        cur[w] = home;
        frc[w] = (uint8_t)board_src;
        pos[w] = 0;
        brd[w] = arr[w] = coin[w] = 0;
    }

    uint64_t done = 0;
    uint32_t nhigh = 0;
    int rc = 0;
    while (done < nsteps) {
        const uint64_t left = nsteps - done;
        const unsigned act = left < (uint64_t)W ? (unsigned)left : (unsigned)W;

        for (unsigned w = 0; w < act; w++) { /* A */
            const uint64_t p = cur[w];
            const uint64_t lo = CHUNK_AT64(poc, pos_, pom, p);
            const uint64_t hi = CHUNK_AT64(poc, pos_, pom, p + 1);
            const uint64_t r = rng_next(&rng[w]);
            uint64_t k;
            if (bias == BIAS_NONE) {
                k = lo + bounded32((uint32_t)r, (uint32_t)(hi - lo), &rng[w]);
                coin[w] = (uint32_t)(r >> 32); /* unused half: the restart coin */
            } else {
                k = biased_pick(ctx, &g->pins, &g->boards, 0, (bw_node)p, lo, hi, r, &rng[w], bias);
            }
            k = frc[w] ? home_pos : k;
            if (BW_UNLIKELY(k >= pedges)) goto corrupt;
            pos[w] = k;
            BW_PREFETCH(CHUNK_P32(pac, pas, pam, k));
        }
        for (unsigned w = 0; w < act; w++) { /* B */
            const uint64_t b = CHUNK_AT32(pac, pas, pam, pos[w]);
            if (BW_UNLIKELY(b >= nboards)) goto corrupt;
            brd[w] = (uint32_t)b;
            BW_PREFETCH(CHUNK_P64(boc, bos, bom, b));
            BW_PREFETCH(CHUNK_P64(boc, bos, bom, b + 1));
            if (inc_boards) BW_PREFETCH(&bt->slot[slot_hash((uint32_t)b, bt->hshift)]);
        }
        for (unsigned w = 0; w < act; w++) { /* C */
            const uint64_t b = brd[w];
            const uint64_t lo = CHUNK_AT64(boc, bos, bom, b);
            const uint64_t hi = CHUNK_AT64(boc, bos, bom, b + 1);
            const uint64_t r = rng_next(&rng[w]);
            uint64_t k;
            if (bias == BIAS_NONE)
                k = lo + bounded32((uint32_t)r, (uint32_t)(hi - lo), &rng[w]);
            else
                k = biased_pick(ctx, &g->boards, &g->pins, RC_SIZE, (bw_node)b, lo, hi, r, &rng[w], bias);
            if (BW_UNLIKELY(k >= bedges)) goto corrupt;
            pos[w] = k;
            BW_PREFETCH(CHUNK_P32(bac, bas, bam, k));
        }
        for (unsigned w = 0; w < act; w++) { /* D */
            const uint64_t p = CHUNK_AT32(bac, bas, bam, pos[w]);
            if (BW_UNLIKELY(p >= npins)) goto corrupt;
            arr[w] = (uint32_t)p;
            /* The restart coin is tossed here so that a lane going home (its
             * offsets are hot) spends no miss slot on the arrival's offsets. */
            const uint32_t cv = bias == BIAS_NONE ? coin[w] : (uint32_t)(rng_next(&rng[w]) >> 32);
            const uint32_t restart = (uint64_t)cv < alpha_thr;
            coin[w] = restart;
            const uint64_t next = restart ? (uint64_t)home : p;
            BW_PREFETCH(CHUNK_P64(poc, pos_, pom, next));
            BW_PREFETCH(CHUNK_P64(poc, pos_, pom, next + 1));
            BW_PREFETCH(&pt->slot[slot_hash((uint32_t)p, pt->hshift)]);
        }
        int stop = 0;
        for (unsigned w = 0; w < act; w++) { /* E */
            const uint32_t c = vt_bump(ctx, pt, arr[w], 0);
            if (inc_boards) vt_bump(ctx, bt, brd[w], 1);
            done++;
            /* A pin's count passes nv exactly once, so nhigh is the number of
             * pins with >= nv visits; stop the moment it exceeds np. */
            if (early && c == nv && ++nhigh > np) {
                stop = 1;
                break;
            }
            const uint32_t restart = coin[w];
            cur[w] = restart ? home : arr[w];
            frc[w] = (uint8_t)(restart & board_src);
        }
        if (BW_UNLIKELY(ctx->oom)) {
            rc = BW_ENOMEM;
            break;
        }
        if (stop) break;
        if (poll) {
            ctx->tick -= (int64_t)act;
            if (ctx->tick <= 0) {
                ctx->tick = 1024;
                if (((deadline && now_ns() >= deadline) || cancelled(cancel)) && done < nsteps) {
                    rc = 1;
                    break;
                }
            }
        }
    }
    ctx->steps_taken += done;
    return rc;
corrupt:
    ctx->steps_taken += done;
    return BW_ECORRUPT;
}

static BW_NOINLINE int walk_plain(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_NONE, 0);
}
static BW_NOINLINE int walk_plain_b(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_NONE, 1);
}
static BW_NOINLINE int walk_range(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_RANGE, 0);
}
static BW_NOINLINE int walk_range_b(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_RANGE, 1);
}
static BW_NOINLINE int walk_topic(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_TOPIC, 0);
}
static BW_NOINLINE int walk_topic_b(bw_walk_ctx *c, const bw_view *g, const walk_src *s) {
    return walk_kernel(c, g, s, BIAS_TOPIC, 1);
}

/* ------------------------------------------------------------------------ */
/* Results                                                                    */

/* A score divided by the node's degree^beta when a penalty is set. */
static inline double penalized(const bw_walk_ctx *ctx, bw_node node, int is_board, double score) {
    if (ctx->penalty <= 0.0 || !ctx->view) return score;
    uint64_t d = bw_degree(is_board ? &ctx->view->boards : &ctx->view->pins, node);
    if (d < 1) d = 1;
    return score * (d < PEN_TABLE ? ctx->pen_table[d] : pow((double)d, -ctx->penalty));
}

/* Fills *table with d^-e for degrees below PEN_TABLE (entry 0: 1), unless it
 * already holds them (*table_e == e). 0 or BW_ENOMEM. */
static int pow_table(double **table, double *table_e, double e) {
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

static int prepare_penalty(bw_walk_ctx *ctx, const bw_view *g, double beta) {
    ctx->view = g;
    ctx->penalty = beta > 0.0 ? beta : 0.0;
    return ctx->penalty == 0.0 ? 0 : pow_table(&ctx->pen_table, &ctx->pen_beta, beta);
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

static int cmp_node(const void *a, const void *b) {
    bw_node x = *(const bw_node *)a, y = *(const bw_node *)b;
    return (x > y) - (x < y);
}

static int select_top(bw_walk_ctx *ctx, uint32_t top, const bw_node *exclude, size_t nexclude) {
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

/* ------------------------------------------------------------------------ */
/* A query                                                                    */

/* Folds the current source's counts into the accumulators and clears them. */
static int fold_source(bw_walk_ctx *ctx) {
    for (int side = 0; side < 2; side++) {
        vtable *t = side ? &ctx->boards : &ctx->pins;
        atable *a = side ? &ctx->aboards : &ctx->apins;
        for (uint64_t i = 0; i < t->nused; i++) {
            const vslot *v = &t->slot[t->used[i]];
            uint64_t n = v->count;
            if (BW_UNLIKELY(ctx->novf > 0)) n += ovf_extra(ctx, v->key, (uint32_t)side);
            if (at_add(a, v->key, n) != 0) return BW_ENOMEM;
        }
        vt_clear(t);
    }
    ctx->novf = 0;
    return 0;
}

/* For a board source: a pin of the board and the board's position in that
 * pin's list (sorted by (board attrs, board index)). */
static int board_home(const bw_view *g, bw_node board, bw_node *home, uint64_t *home_pos) {
    /* Positions are checked as in the kernel: the file may be unverified. */
    const uint64_t first = bw_u64_at(&g->boards.offsets, board);
    if (first >= bw_u64_at(&g->boards.offsets, (uint64_t)board + 1) || first >= g->boards.adj.count)
        return BW_ECORRUPT;
    const bw_node p = bw_u32_at(&g->boards.adj, first);
    if (p >= g->pins.count) return BW_ECORRUPT;
    const uint64_t lo = bw_u64_at(&g->pins.offsets, p), hi = bw_u64_at(&g->pins.offsets, p + 1);
    if (hi < lo || hi > g->pins.adj.count || hi - lo > 0xFFFFFFFFull) return BW_ECORRUPT;
    const uint64_t key = ((uint64_t)bw_u32_at(&g->boards.attrs, board) << 32) | board;
    uint64_t a = lo, b = hi;
    while (a < b) {
        uint64_t mid = a + (b - a) / 2;
        uint32_t x = bw_u32_at(&g->pins.adj, mid);
        uint64_t kx = x < g->boards.count ? ((uint64_t)attrs_of(&g->boards, x) << 32) | x : UINT64_MAX;
        if (kx < key) a = mid + 1;
        else b = mid;
    }
    if (a >= hi || bw_u32_at(&g->pins.adj, a) != board) {
        for (a = lo; a < hi && bw_u32_at(&g->pins.adj, a) != board; a++) {
        }
        if (a >= hi) return BW_ECORRUPT;
    }
    *home = p;
    *home_pos = a;
    return 0;
}

static int prepare_tables(bw_walk_ctx *ctx) {
    if (!ctx->pins.slot && vt_alloc(&ctx->pins, VT_MIN_BITS) != 0) return BW_ENOMEM;
    if (!ctx->boards.slot && vt_alloc(&ctx->boards, VT_MIN_BITS) != 0) return BW_ENOMEM;
    vt_clear(&ctx->pins);
    vt_clear(&ctx->boards);
    at_clear(&ctx->apins);
    at_clear(&ctx->aboards);
    ctx->novf = 0;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Exact 3-step scores (BW_METHOD_EXACT)                                      */

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

/* Counts `n` more adjacency entries read; 1 once past the deadline. */
static inline int exact_tick(bw_walk_ctx *ctx, uint64_t n) {
    ctx->steps_taken += n;
    ctx->tick -= (int64_t)n;
    if (ctx->tick > 0) return 0;
    ctx->tick = EXACT_CHECK;
    return (ctx->deadline && now_ns() >= ctx->deadline) || cancelled(ctx->cancel);
}

/* Sends mass m (times the exponent factor of the board) from board b to each
 * of its pins. Returns 0, 1 (deadline), BW_ECORRUPT or BW_ENOMEM. */
static int exact_board(bw_walk_ctx *ctx, const bw_view *g, bw_node b, double m) {
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
static int exact_run(const bw_view *g, bw_walk_ctx *ctx, const bw_walk_config *cfg,
                     const bw_walk_source *sources, size_t nsources) {
    if (!(cfg->exponent >= 0.0 && cfg->exponent <= 2.0)) return BW_EINVAL;
    if (cfg->bias > 0.0 && g->has_attributes && !(cfg->language == BW_WALK_ANY && cfg->topic == BW_WALK_ANY))
        return BW_EINVAL; /* no exact counterpart of the biased walk */
    int rc = pow_table(&ctx->exp_table, &ctx->exp_e, cfg->exponent);
    if (rc) return rc;
    dacc_clear(&ctx->xpins);
    dacc_clear(&ctx->xboards);
    ctx->xdense = 0;
    if (g->pins.count <= EXACT_DENSE_MAX && g->boards.count <= EXACT_DENSE_MAX) {
        if ((rc = dacc_reserve(&ctx->xpins, g->pins.count)) != 0) return rc;
        if ((rc = dacc_reserve(&ctx->xboards, g->boards.count)) != 0) return rc;
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

BW_HIDDEN int bw_walk_run(const bw_view *g, bw_walk_ctx *ctx, const bw_walk_config *cfg,
                          const bw_walk_source *sources, size_t nsources,
                          const bw_node *exclude, size_t nexclude) {
    if (!ctx) return BW_EINVAL;
    ctx->nhits = 0;
    ctx->steps_taken = 0;
    ctx->partial = 0;
    ctx->mode = MODE_NONE;
    ctx->oom = 0;
    if (!g || !cfg || (nsources && !sources) || (nexclude && !exclude)) return BW_EINVAL;
    if (!(cfg->restart > 0.0 && cfg->restart <= 1.0)) return BW_EINVAL;
    if (!(cfg->bias >= 0.0 && cfg->bias <= 1.0)) return BW_EINVAL;
    for (size_t i = 0; i < nsources; i++) {
        const bw_side *s = sources[i].is_board ? &g->boards : &g->pins;
        if (sources[i].node >= s->count) return BW_EINVAL;
    }

    int rc = prepare_tables(ctx);
    if (rc != 0) return rc;
    ctx->boost = cfg->boost != 0;
    ctx->include_boards = cfg->include_boards != 0;

    /* Sorted source lists: sources are never results. */
    bw_node *sp = reserve(ctx->src_pins, &ctx->src_pins_cap, nsources, sizeof *sp);
    if (!sp) return BW_ENOMEM;
    ctx->src_pins = sp;
    bw_node *sb = reserve(ctx->src_boards, &ctx->src_boards_cap, nsources, sizeof *sb);
    if (!sb) return BW_ENOMEM;
    ctx->src_boards = sb;
    ctx->nsrc_pins = ctx->nsrc_boards = 0;
    for (size_t i = 0; i < nsources; i++) {
        if (sources[i].is_board) ctx->src_boards[ctx->nsrc_boards++] = sources[i].node;
        else ctx->src_pins[ctx->nsrc_pins++] = sources[i].node;
    }
    qsort(ctx->src_pins, ctx->nsrc_pins, sizeof(bw_node), cmp_node);
    qsort(ctx->src_boards, ctx->nsrc_boards, sizeof(bw_node), cmp_node);

    if (cfg->method == BW_METHOD_EXACT) {
        ctx->deadline = deadline_after(cfg->time_budget_ns);
        ctx->cancel = cfg->cancel;
        rc = exact_run(g, ctx, cfg, sources, nsources);
        if (rc == 0) rc = prepare_penalty(ctx, g, cfg->popularity_penalty);
        if (rc == 0) rc = select_top(ctx, cfg->top, exclude, nexclude);
        if (rc != 0) {
            ctx->mode = MODE_NONE;
            ctx->nhits = 0;
        }
        return rc;
    }
    if (cfg->method != BW_METHOD_WALK) return BW_EINVAL;
    if (nsources == 0 || cfg->steps == 0) {
        ctx->mode = MODE_SINGLE;
        return 0;
    }
    uint64_t *st = reserve(ctx->steps, &ctx->steps_cap, nsources, sizeof *st);
    if (!st) return BW_ENOMEM;
    ctx->steps = st;
    bw_walk_allocate(g, cfg, sources, nsources, ctx->steps);
    size_t walking = 0;
    for (size_t i = 0; i < nsources; i++) walking += ctx->steps[i] > 0;
    /* One walking source: its table is the answer (and sqrt^2 is the
     * identity), so skip the fold. */
    ctx->mode = walking <= 1 ? MODE_SINGLE : MODE_MULTI;

    /* Query parameters. */
    ctx->alpha_thr = prob_threshold(cfg->restart);
    ctx->beta_thr = prob_threshold(cfg->bias);
    ctx->np = cfg->np;
    ctx->nv = cfg->early_stop ? (cfg->nv ? cfg->nv : 1) : 0; /* nv 0 acts as 1 */
    ctx->ovf_floor = ctx->nv > 0x80000000u ? ctx->nv : 0x80000000u;
    int bias = BIAS_NONE;
    if (cfg->bias > 0.0 && g->has_attributes &&
        !(cfg->language == BW_WALK_ANY && cfg->topic == BW_WALK_ANY)) {
        const uint32_t L = cfg->language, T = cfg->topic;
        if (L != BW_WALK_ANY) {
            if (L <= 0xFFFFu && (T == BW_WALK_ANY || T <= 0xFFFFu)) {
                bias = BIAS_RANGE;
                ctx->klo = (L << 16) | (T == BW_WALK_ANY ? 0u : T);
                ctx->khi = (L << 16) | (T == BW_WALK_ANY ? 0xFFFFu : T);
            } /* else no attrs value can match: every hop is uniform */
        } else if (T <= 0xFFFFu) {
            bias = BIAS_TOPIC;
            ctx->topic = T;
        }
    }
    if (bias == BIAS_RANGE) {
        if (!ctx->rcache) {
            ctx->rcache = calloc(2 * RC_SIZE, sizeof *ctx->rcache);
            if (!ctx->rcache) return BW_ENOMEM;
            ctx->rgen = 0;
        }
        if (++ctx->rgen == 0) { /* generations wrapped: forget everything */
            memset(ctx->rcache, 0, 2 * RC_SIZE * sizeof *ctx->rcache);
            ctx->rgen = 1;
        }
    }
    ctx->deadline = deadline_after(cfg->time_budget_ns);
    ctx->cancel = cfg->cancel;
    ctx->tick = 1024;

    int (*kern)(bw_walk_ctx *, const bw_view *, const walk_src *);
    if (bias == BIAS_NONE) kern = ctx->include_boards ? walk_plain_b : walk_plain;
    else if (bias == BIAS_RANGE) kern = ctx->include_boards ? walk_range_b : walk_range;
    else kern = ctx->include_boards ? walk_topic_b : walk_topic;

    for (size_t i = 0; i < nsources && rc == 0; i++) {
        if (ctx->steps[i] == 0) continue;
        walk_src s;
        s.steps = ctx->steps[i];
        s.board = sources[i].is_board;
        s.seed = mix64(cfg->seed ^ mix64(0x632BE59BD9B4E019ull + (uint64_t)i));
        if (s.board) {
            rc = board_home(g, sources[i].node, &s.home, &s.home_pos);
            if (rc != 0) break;
        } else {
            s.home = sources[i].node;
            s.home_pos = 0;
        }
        rc = kern(ctx, g, &s);
        if (rc == 1) ctx->partial = 1;
        if (rc >= 0 && ctx->mode == MODE_MULTI) {
            int frc = fold_source(ctx);
            if (frc != 0) rc = frc;
        }
    }
    if (rc < 0) {
        ctx->mode = MODE_NONE;
        ctx->nhits = 0;
        return rc;
    }
    rc = prepare_penalty(ctx, g, cfg->popularity_penalty);
    if (rc) return rc;
    rc = select_top(ctx, cfg->top, exclude, nexclude);
    if (rc != 0) {
        ctx->mode = MODE_NONE;
        ctx->nhits = 0;
    }
    return rc;
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

BW_HIDDEN void bw_walk_lookup(const bw_walk_ctx *ctx, bw_node node, int is_board,
                              double *out_score, uint64_t *out_visits) {
    double score = 0.0;
    uint64_t visits = 0;
    if (ctx && ctx->mode == MODE_SINGLE) {
        const vslot *v = node == VT_EMPTY ? NULL : vt_find(is_board ? &ctx->boards : &ctx->pins, node);
        if (v) {
            visits = v->count + ovf_extra(ctx, node, is_board ? 1u : 0u);
            score = (double)visits;
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
        }
    }
    if (ctx && visits) score = penalized(ctx, node, is_board, score);
    if (out_score) *out_score = score;
    if (out_visits) *out_visits = visits;
}
