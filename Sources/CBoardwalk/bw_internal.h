/* bw_internal.h - internal interfaces of libboardwalk, shared by its C files
 * (and by the C tests, which compile them in). Private: not installed and
 * not in include/, so not visible to Swift or hosts; nothing here is
 * exported from the shared library (BW_HIDDEN), and anything here may change
 * in any release. What the Swift builder needs of the format (checksum, edge
 * fingerprint, chunk keys) is in boardwalk_format.h.
 */
#ifndef BW_INTERNAL_H
#define BW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "boardwalk.h"
#include "boardwalk_format.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BW_HIDDEN __attribute__((visibility("hidden")))
#define BW_LIKELY(x) __builtin_expect(!!(x), 1)
#define BW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define BW_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define BW_HIDDEN
#define BW_LIKELY(x) (x)
#define BW_UNLIKELY(x) (x)
#define BW_PREFETCH(p) ((void)(p))
#endif

/** A dense internal pin or board index. */
typedef uint32_t bw_node;
/** A position in an adjacency array. */
typedef uint64_t bw_edge;

/* ------------------------------------------------------------------------ */
/* LMDB structure check (lmdb_check.c)                                        */

/** Checks, reading the file at `path` with pread before LMDB opens it, the
 * LMDB structures that opening a graph makes LMDB follow: both meta pages
 * and every page and node of the main database's B-tree, with the overflow
 * pages of its values. Returns 0; BW_ENOTGRAPH when the file is not LMDB's
 * (data version 1); BW_ECORRUPT when a structure LMDB would follow is out of
 * bounds; an errno value or BW_ENOMEM. Writes "path: what is wrong" to msg.
 * *out_checked (when not NULL) receives the fstat of the file checked, so
 * that the caller can confirm LMDB opened the same file. */
struct stat;
BW_HIDDEN int bw_lmdb_check(const char *path, char *msg, size_t cap, struct stat *out_checked);

/* ------------------------------------------------------------------------ */
/* Chunked arrays                                                             */

/** A read-only array stored as equal power-of-two chunks. Element i lives in
 * chunk i >> shift at position i & mask. Chunk pointers are aligned to the
 * element size (the reader copies any chunk LMDB stored misaligned). */
typedef struct bw_chunked {
    const uint8_t *const *chunks; /* chunk base pointers */
    uint64_t count;               /* elements */
    uint64_t mask;                /* elements per chunk - 1 */
    uint32_t shift;               /* log2(elements per chunk) */
    uint32_t elem_size;
} bw_chunked;

static inline uint64_t bw_u64_at(const bw_chunked *a, uint64_t i) {
    return ((const uint64_t *)a->chunks[i >> a->shift])[i & a->mask];
}
static inline uint32_t bw_u32_at(const bw_chunked *a, uint64_t i) {
    return ((const uint32_t *)a->chunks[i >> a->shift])[i & a->mask];
}
static inline const void *bw_addr_at(const bw_chunked *a, uint64_t i) {
    return a->chunks[i >> a->shift] + (size_t)((i & a->mask) * a->elem_size);
}

/* ------------------------------------------------------------------------ */
/* Graph view: what the walk reads                                            */

/** One side of the bipartite graph. For the pin side: offsets over pins,
 * adj holds board indices, attrs are the pins' own attributes. */
typedef struct bw_side {
    bw_chunked ids;        /* uint64[count], ascending external ids */
    bw_chunked offsets;    /* uint64[count + 1] */
    bw_chunked adj;        /* uint32[edges]: indices on the other side */
    bw_chunked attrs;      /* uint32[count] */
    uint32_t count;
    uint32_t max_degree;
    double max_log_degree; /* log(max_degree), natural log; 0 when empty */
} bw_side;

typedef struct bw_view {
    bw_side pins;
    bw_side boards;
    uint64_t edges;
    int has_attributes;
} bw_view;

static inline uint64_t bw_degree(const bw_side *s, bw_node n) {
    return bw_u64_at(&s->offsets, (uint64_t)n + 1) - bw_u64_at(&s->offsets, n);
}

/** The index of external id on a side (ids ascending): 0, or BW_ENOTFOUND. */
static inline int bw_side_find(const bw_side *s, uint64_t id, uint32_t *out_index) {
    uint64_t lo = 0, hi = s->count;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (bw_u64_at(&s->ids, mid) < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < s->count && bw_u64_at(&s->ids, lo) == id) {
        *out_index = (uint32_t)lo;
        return 0;
    }
    return BW_ENOTFOUND;
}

/* ------------------------------------------------------------------------ */
/* The walk kernel (walk.c)                                                   */

/* Language/topic wildcard in a walk: boardwalk.h's BW_ATTR_ANY, the one
 * "any attribute" constant, which the library uses directly. This alias
 * only keeps older kernels compiled by Tests/c/bench_ab.sh building. */
#define BW_WALK_ANY BW_ATTR_ANY

/** Everything that shapes one query's walk. */
typedef struct bw_walk_config {
    uint64_t steps;          /* total step budget N (pin -> board -> pin = 1 step) */
    double restart;          /* restart probability alpha per step, in (0, 1] */
    int early_stop;          /* nonzero: stop a source when > np pins have >= nv visits */
    uint32_t np, nv;
    int boost;               /* nonzero: multi-hit booster (sum of sqrt)^2 */
    double bias;             /* beta in [0, 1]: probability a hop is drawn from matching neighbours */
    uint32_t language;       /* user's language code or BW_ATTR_ANY */
    uint32_t topic;          /* user's topic code or BW_ATTR_ANY */
    uint64_t seed;
    uint64_t time_budget_ns; /* 0: none. Past it the walk stops and is marked partial */
    uint32_t top;            /* K results */
    int include_boards;      /* nonzero: boards may be results too */
    double popularity_penalty; /* RP3beta: rank by score / degree^penalty; 0 = off */
    int method;              /* BW_METHOD_WALK, or BW_METHOD_EXACT: exact 3-step scores */
    double exponent;         /* exact: transition probabilities raised to this (P3alpha) */
    const int *cancel;       /* NULL, or a flag read (relaxed atomic load) where the time
                                budget is checked: nonzero stops the walk, marked partial */
    const struct bw_delta *delta; /* NULL, or the live delta: walk the union (bw_delta.h) */
} bw_walk_config;

/** A query node at internal index, with its weight (> 0, finite). */
typedef struct bw_walk_source {
    bw_node node;
    uint8_t is_board;
    double weight;
} bw_walk_source;

/** One result. Ties in score are broken by is_board (pins first), then node
 * ascending, which is external id ascending. */
typedef struct bw_walk_hit {
    bw_node node;
    uint8_t is_board;
    double score;
    uint64_t visits;
} bw_walk_hit;

/** Per-thread scratch memory, reused across queries. Not thread-safe: one
 * context serves one query at a time. */
typedef struct bw_walk_ctx bw_walk_ctx;

BW_HIDDEN bw_walk_ctx *bw_walk_ctx_new(void);
BW_HIDDEN void bw_walk_ctx_free(bw_walk_ctx *ctx);

/** Steps given to each source: N_q = N * w_q * s_q / sum_r w_r * s_r with
 * s_q = deg(q) * (C - log deg(q)), C the max log-degree of q's side over the
 * whole graph. Writes nsources counts into out_steps. Returns 0. */
BW_HIDDEN int bw_walk_allocate(const bw_view *g, const bw_walk_config *cfg,
                               const bw_walk_source *sources, size_t nsources,
                               uint64_t *out_steps);

/** Runs the walk for one query. `exclude` is a sorted array of pin indices
 * never returned (the sources themselves are never returned either).
 * Results stay in ctx until the next call: see bw_walk_results.
 * Returns 0, or a BW_E* code (bw_errors in boardwalk.h) such as BW_ENOMEM. */
BW_HIDDEN int bw_walk_run(const bw_view *g, bw_walk_ctx *ctx,
                          const bw_walk_config *cfg,
                          const bw_walk_source *sources, size_t nsources,
                          const bw_node *exclude, size_t nexclude);

/** The top results of the last run, best first; *out_count <= cfg->top. */
BW_HIDDEN const bw_walk_hit *bw_walk_results(const bw_walk_ctx *ctx, size_t *out_count);
/** Steps taken by the last run, and whether it stopped on the time budget. */
BW_HIDDEN uint64_t bw_walk_steps_taken(const bw_walk_ctx *ctx);
BW_HIDDEN int bw_walk_partial(const bw_walk_ctx *ctx);
/** Score and visits of a pin (or board) in the last run; 0, 0 if never visited.
 * The score includes the popularity penalty, as in the results. */
BW_HIDDEN void bw_walk_lookup(const bw_walk_ctx *ctx, bw_node node, int is_board,
                              double *out_score, uint64_t *out_visits);

#ifdef __cplusplus
}
#endif
#endif /* BW_INTERNAL_H */
