/* walk.c - the Pixie random-walk kernel (Algorithms 1-2): step allocation,
 * biased hops, interleaved prefetching walkers, per-source visit tables and
 * their fold for the booster; bw_walk_run, which also dispatches the exact
 * method (exact.c). Top-K selection is in results.c, what the three share in
 * bw_walk.h. Somewhat over 700 lines on purpose: the kernel, the biased hop
 * and the random numbers it inlines must share one translation unit (no
 * call across files in the hot loop), and bw_walk_run is their only caller. */
#define _POSIX_C_SOURCE 200809L

#include "bw_delta.h"
#include "bw_walk.h"

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

/* ------------------------------------------------------------------------ */
/* Random numbers                                                             */

/* splitmix64 as a stream: a Weyl counter through a strong 64-bit finaliser
 * (bw_mix64, boardwalk_format.h). One word of state per lane keeps the
 * lanes' state in a cache line or two, and the lanes' calls are independent,
 * so its latency overlaps. */
static inline uint64_t rng_next(uint64_t *s) {
    *s += BW_MIX_GAMMA;
    return bw_mix64(*s);
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

enum { BIAS_NONE = 0, BIAS_RANGE = 1, BIAS_TOPIC = 2 };


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

/* Adds one source's count V (and the source, of weight w) to a node's
 * totals. -1 when out of memory. */
static int at_add(atable *t, uint32_t key, uint64_t v, double w) {
    aslot *s = at_slot(t, key);
    if (!s) return -1;
    s->ssum += sqrt((double)v);
    s->visits += v;
    s->nsrc++;
    s->wsum += w;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Step allocation                                                            */

static uint64_t side_degree(const bw_side *s, bw_node n) {
    if (n >= s->count) return 0;
    return bw_degree(s, n);
}

static uint64_t source_degree(const bw_view *g, const bw_delta *d, const bw_walk_source *src) {
    if (d) return bw_delta_degree(d, src->is_board, src->node);
    return side_degree(src->is_board ? &g->boards : &g->pins, src->node);
}

/* The unnormalised share of a source: w * deg * (C - ln deg), or in the
 * fallback w alone (for degree > 0). Weights come in scaled by 1/max so the
 * products cannot overflow. */
static double source_share(const bw_view *g, const bw_delta *delta, const bw_walk_source *src,
                           double wscale, int by_weight) {
    double w = usable_weight(src->weight) * wscale;
    uint64_t d = source_degree(g, delta, src);
    if (d == 0 || w <= 0.0) return 0.0;
    if (by_weight) return w;
    double c = delta ? bw_delta_max_log_degree(delta, src->is_board)
                     : src->is_board ? g->boards.max_log_degree : g->pins.max_log_degree;
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
    for (size_t i = 0; i < nsources; i++) sum += source_share(g, cfg->delta, &sources[i], wscale, 0);
    if (!(sum > 0.0)) {
        /* Every source has the max degree of its side (or degree 0): the
         * formula gives nothing, so split by weight among reachable ones. */
        by_weight = 1;
        sum = 0.0;
        for (size_t i = 0; i < nsources; i++) sum += source_share(g, cfg->delta, &sources[i], wscale, 1);
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
        double share = source_share(g, cfg->delta, &sources[i], wscale, by_weight);
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
        double share = source_share(g, cfg->delta, &sources[i], wscale, by_weight);
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
            range_entry *e = &ctx->rcache[cache_base + (uint32_t)(((uint64_t)x * BW_MIX_GAMMA) >> (64 - RC_BITS))];
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
        rng[w] = bw_mix64(src->seed ^ bw_mix64(0xD1B54A32D192ED03ull * (w + 1)));
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

/* ------------------------------------------------------------------------ */
/* The walk over base + live delta                                            */

#define DEAD_END UINT32_MAX

/* Uniform in [0, range) for a range that may pass 2^32 (then by a 64x64
 * multiply, biased by at most range / 2^64). */
static inline uint64_t bounded_any(uint64_t range, uint64_t *rng) {
    if (range <= 0xFFFFFFFFull) return bounded32((uint32_t)rng_next(rng), (uint32_t)range, rng);
    const uint64_t x = rng_next(rng); /* the high word of x * range */
    const uint64_t xl = (uint32_t)x, xh = x >> 32, rl = (uint32_t)range, rh = range >> 32;
    const uint64_t mid = (xl * rl >> 32) + (uint32_t)(xh * rl) + (uint32_t)(xl * rh);
    return xh * rh + (xh * rl >> 32) + (xl * rh >> 32) + (mid >> 32);
}

static inline int delta_matches(const bw_walk_ctx *ctx, const bw_side *other, uint32_t y, int bias) {
    const uint32_t a = attrs_of(other, y); /* new nodes: unknown */
    if (bias == BIAS_RANGE) return a >= ctx->klo && a <= ctx->khi;
    return (a & 0xFFFFu) == ctx->topic;
}

/* One hop out of node x (a board when is_board) over the union: the
 * neighbour, DEAD_END when x has none, or sets *err (BW_ECORRUPT). A node
 * the delta never touched is drawn from exactly as the base kernels do; a
 * touched one uniformly over its base + live slots, rejecting removed
 * neighbours, and after 32 rejections by counting the valid ones (no loop
 * when most are removed). A biased hop from a touched node draws from the
 * matching valid neighbours by counting them. */
static BW_NOINLINE uint32_t delta_pick(bw_walk_ctx *ctx, const bw_view *g, const bw_delta *d, int is_board,
                                       uint32_t x, int bias, uint64_t *rng, int *err) {
    const bw_dside *s = bw_delta_side(d, is_board);
    const bw_side *self = is_board ? &g->boards : &g->pins, *other = is_board ? &g->pins : &g->boards;
    bw_dnode n;
    if (bw_dnode_read(s, x, &n) != 0) goto corrupt;
    /* Read after the node's count (an acquire): a neighbour created by the
     * writer before it published this edge is then counted. */
    const uint32_t ocount = bw_dside_count(bw_delta_side(d, !is_board));
    if (!n.rec) {
        if (x >= self->count) return DEAD_END; /* a new node being created */
        const uint64_t lo = n.base_lo, hi = lo + n.base_deg;
        if (hi == lo) return DEAD_END;
        const uint64_t r = rng_next(rng);
        uint64_t k;
        if (bias == BIAS_NONE) k = lo + bounded32((uint32_t)r, (uint32_t)(hi - lo), rng);
        else k = biased_pick(ctx, self, other, is_board ? RC_SIZE : 0, x, lo, hi, r, rng, bias);
        if (BW_UNLIKELY(k >= self->adj.count)) goto corrupt;
        const uint32_t y = bw_u32_at(&self->adj, k);
        if (BW_UNLIKELY(y >= other->count)) goto corrupt;
        return y;
    }
    const uint64_t all = n.base_deg + n.nlive;
    if (bw_dnode_degree(&n) == 0) return DEAD_END;
    uint32_t y = DEAD_END;
    if (bias != BIAS_NONE && (uint64_t)(uint32_t)(rng_next(rng) >> 32) < ctx->beta_thr) {
        uint64_t m = 0;
        for (uint64_t i = 0; i < all; i++) {
            const uint32_t v = bw_dnode_at(s, &n, i);
            m += !bw_rm_has(n.rm, v) && delta_matches(ctx, other, v, bias);
        }
        if (m > 0) {
            uint64_t t = bounded_any(m, rng);
            for (uint64_t i = 0; i < all; i++) {
                const uint32_t v = bw_dnode_at(s, &n, i);
                if (!bw_rm_has(n.rm, v) && delta_matches(ctx, other, v, bias) && t-- == 0) {
                    y = v;
                    break;
                }
            }
        }
    }
    for (int tries = 0; y == DEAD_END && tries < 32; tries++) {
        const uint32_t v = bw_dnode_at(s, &n, bounded_any(all, rng));
        if (!bw_rm_has(n.rm, v)) y = v;
    }
    if (y == DEAD_END) {
        uint64_t m = 0;
        for (uint64_t i = 0; i < all; i++) m += !bw_rm_has(n.rm, bw_dnode_at(s, &n, i));
        if (m == 0) return DEAD_END;
        uint64_t t = bounded_any(m, rng);
        for (uint64_t i = 0; i < all && y == DEAD_END; i++) {
            const uint32_t v = bw_dnode_at(s, &n, i);
            if (!bw_rm_has(n.rm, v) && t-- == 0) y = v;
        }
    }
    if (BW_UNLIKELY(y >= ocount)) goto corrupt;
    return y;
corrupt:
    *err = BW_ECORRUPT;
    return DEAD_END;
}

/* One source's walk over the union, one walker (no lanes): used only when
 * the live graph has a delta, so the base kernels stay as they are. The
 * same steps as walk_kernel: from the current pin a board, from it a pin
 * (counted), then the restart coin; a board source's walk starts, and
 * restarts, at the board. A dead end (possible only while a writer is
 * half-way through an edge) restarts; 64 in a row end the source. */
static BW_NOINLINE int walk_delta(bw_walk_ctx *ctx, const bw_view *g, const bw_delta *d, const walk_src *src,
                                  int bias, int inc_boards) {
    vtable *pt = &ctx->pins, *bt = &ctx->boards;
    const uint64_t alpha_thr = ctx->alpha_thr;
    const uint32_t nv = ctx->nv, np = ctx->np;
    const int early = nv != 0;
    const int poll = ctx->deadline != 0 || ctx->cancel != NULL;
    const uint32_t home = src->home;
    const int board_src = src->board;
    uint64_t rng = bw_mix64(src->seed ^ 0xD1B54A32D192ED03ull);
    uint32_t cur = home;
    int at_home = 1, err = 0, rc = 0, dead = 0;
    uint64_t done = 0;
    uint32_t nhigh = 0;
    while (done < src->steps) {
        uint32_t b = home;
        if (!(board_src && at_home)) b = delta_pick(ctx, g, d, 0, cur, bias, &rng, &err);
        const uint32_t p = b == DEAD_END || err ? DEAD_END : delta_pick(ctx, g, d, 1, b, bias, &rng, &err);
        if (err) {
            rc = err;
            break;
        }
        if (p == DEAD_END) {
            if (++dead >= 64) break;
            cur = home;
            at_home = 1;
            continue;
        }
        dead = 0;
        const uint32_t c = vt_bump(ctx, pt, p, 0);
        if (inc_boards) vt_bump(ctx, bt, b, 1);
        done++;
        if (early && c == nv && ++nhigh > np) break;
        if ((rng_next(&rng) >> 32) < alpha_thr) {
            cur = home;
            at_home = 1;
        } else {
            cur = p;
            at_home = 0;
        }
        if (BW_UNLIKELY(ctx->oom)) {
            rc = BW_ENOMEM;
            break;
        }
        if (poll && --ctx->tick <= 0) {
            ctx->tick = 1024;
            if (((ctx->deadline && now_ns() >= ctx->deadline) || cancelled(ctx->cancel)) && done < src->steps) {
                rc = 1;
                break;
            }
        }
    }
    ctx->steps_taken += done;
    return rc;
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
static int cmp_node(const void *a, const void *b) {
    bw_node x = *(const bw_node *)a, y = *(const bw_node *)b;
    return (x > y) - (x < y);
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
            if (at_add(a, v->key, n, ctx->src_weight) != 0) return BW_ENOMEM;
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
        const uint32_t count = cfg->delta ? bw_dside_count(bw_delta_side(cfg->delta, sources[i].is_board))
                                          : (sources[i].is_board ? &g->boards : &g->pins)->count;
        if (sources[i].node >= count) return BW_EINVAL;
    }
    ctx->delta = cfg->delta;

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
        rc = bw_exact_run(g, ctx, cfg, sources, nsources);
        if (rc == 0) rc = bw_walk_prepare_penalty(ctx, g, cfg->popularity_penalty);
        if (rc == 0) rc = bw_walk_select_top(ctx, cfg->top, exclude, nexclude);
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
        !(cfg->language == BW_ATTR_ANY && cfg->topic == BW_ATTR_ANY)) {
        const uint32_t L = cfg->language, T = cfg->topic;
        if (L != BW_ATTR_ANY) {
            if (L <= 0xFFFFu && (T == BW_ATTR_ANY || T <= 0xFFFFu)) {
                bias = BIAS_RANGE;
                ctx->klo = (L << 16) | (T == BW_ATTR_ANY ? 0u : T);
                ctx->khi = (L << 16) | (T == BW_ATTR_ANY ? 0xFFFFu : T);
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
        s.seed = bw_mix64(cfg->seed ^ bw_mix64(0x632BE59BD9B4E019ull + (uint64_t)i));
        ctx->src_weight = sources[i].weight;
        if (cfg->delta) {
            s.home = sources[i].node;
            s.home_pos = 0;
            rc = walk_delta(ctx, g, cfg->delta, &s, bias, ctx->include_boards);
            if (rc == 1) ctx->partial = 1;
            if (rc >= 0 && ctx->mode == MODE_MULTI) {
                int frc = fold_source(ctx);
                if (frc != 0) rc = frc;
            }
            continue;
        }
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
    rc = bw_walk_prepare_penalty(ctx, g, cfg->popularity_penalty);
    if (rc) return rc;
    rc = bw_walk_select_top(ctx, cfg->top, exclude, nexclude);
    if (rc != 0) {
        ctx->mode = MODE_NONE;
        ctx->nhits = 0;
    }
    return rc;
}
