/* bw_delta.h - the live delta of a bw_live: edges added and removed since
 * the base graph, and pins and boards the base does not have (delta.c).
 * Private to libboardwalk. The walk (walk.c), the exact method (exact.c),
 * result selection (results.c) and queries (query.c) read it through the
 * inline functions below; only delta.c writes it.
 *
 * Layout. Per side (pins, boards), dense indices 0 .. nbase-1 are the base
 * graph's, nbase .. nbase+nnew-1 the new nodes', in order of arrival. A node
 * the delta touched (a live edge, a removed edge, hidden) has a record,
 * found through a two-level directory (dir[x >> 12][x & 4095]); an untouched
 * node has none and is walked exactly as the base has it. A record holds the
 * node's live neighbours in arrival order (an array that doubles; the old
 * one is retired, see live.c) and a pointer to the sorted list of its
 * removed neighbours (base or live ones; replaced whole on each change).
 *
 * Concurrency: one writer (live.c's writer mutex); readers take no lock. The
 * writer writes a live neighbour, then publishes the count with release;
 * readers load the removal list, then the count, both with acquire, so a
 * removal they see always refers to an edge they see. An edge becomes
 * visible direction by direction (pin side first): per-edge atomicity per
 * direction, not per batch. Memory a reader may still hold (a grown record,
 * a replaced removal list, a whole delta after a rebuild) is retired and
 * freed by the writer once no reader can hold it (live.c, epochs). */
#ifndef BW_DELTA_H
#define BW_DELTA_H

#include <stdatomic.h>

#include "bw_internal.h"

#define BW_DCHUNK_BITS 12u
#define BW_DCHUNK (1u << BW_DCHUNK_BITS)
#define BW_DDIR (1u << (32u - BW_DCHUNK_BITS))

/* Removed neighbours of a node, ascending; immutable once published. */
typedef struct bw_rmlist {
    uint32_t n;
    uint32_t v[];
} bw_rmlist;

typedef struct bw_drec {
    _Atomic(bw_rmlist *) rm; /* NULL: none removed */
    _Atomic uint32_t n;      /* live neighbours published */
    _Atomic uint32_t hidden; /* moderation: never walked, never a result */
    uint32_t cap;            /* writer only */
    uint32_t pad;
    _Atomic uint32_t adj[];  /* cap entries, [0, n) published */
} bw_drec;

typedef struct bw_idslot {
    _Atomic uint64_t id;
    _Atomic uint32_t dense1; /* dense index + 1; 0: empty slot */
    uint32_t pad;
} bw_idslot;

/* External id -> dense index of the new nodes: open addressing, linear
 * probing, never more than half full; replaced whole (retired) to grow. */
typedef struct bw_idmap {
    uint64_t mask;
    bw_idslot slot[];
} bw_idmap;

typedef struct bw_dside {
    const bw_side *base;
    uint32_t nbase;
    _Atomic uint32_t nnew;
    _Atomic(_Atomic(bw_drec *) *) *dir; /* BW_DDIR chunk pointers */
    _Atomic(_Atomic uint64_t *) *newids; /* ids of new nodes, chunks of BW_DCHUNK */
    _Atomic(bw_idmap *) map;
    _Atomic uint64_t max_degree; /* largest union degree the writer has made */
    uint32_t *chunks;            /* writer: the dir chunks allocated, in order */
    uint32_t nchunks, capchunks;
} bw_dside;

/* One segment of the edge log (writer only): edges in arrival order as
 * (pin << 32 | board) in this delta's dense indices, and runs of equal
 * times (run r covers [run_end[r-1], run_end[r]) with time run_time[r]). */
typedef struct bw_dseg {
    uint64_t *edges;
    uint64_t n, cap;
    uint64_t *run_time;
    uint64_t *run_end;
    uint64_t nruns, runs_cap;
} bw_dseg;

typedef struct bw_delta {
    bw_dside pins, boards;
    const bw_view *base;
    _Atomic int empty;        /* 1 while nothing was added, removed or hidden */
    /* writer only */
    bw_dseg seg[BW_LIVE_SEGMENTS]; /* ring, oldest first from seg_first */
    unsigned seg_first, nsegs;
    uint64_t seg_edges;       /* edges per segment: max_edges / BW_LIVE_SEGMENTS */
    uint64_t nremoved;        /* removed edges (pin side entries) */
    uint64_t nhidden;
    uint64_t bytes;           /* heap bytes held, approximately */
} bw_delta;

/* ------------------------------------------------------------------------ */
/* Reading (any thread, inside a read epoch)                                  */

static inline const bw_dside *bw_delta_side(const bw_delta *d, int is_board) {
    return is_board ? &d->boards : &d->pins;
}

static inline uint32_t bw_dside_count(const bw_dside *s) {
    return s->nbase + atomic_load_explicit(&((bw_dside *)s)->nnew, memory_order_acquire);
}

static inline bw_drec *bw_drec_get(const bw_dside *s, uint32_t x) {
    _Atomic(bw_drec *) *c = atomic_load_explicit(&s->dir[x >> BW_DCHUNK_BITS], memory_order_acquire);
    if (!c) return NULL;
    return atomic_load_explicit(&c[x & (BW_DCHUNK - 1)], memory_order_acquire);
}

/* A consistent read of one record: its removal list, then its live count. */
typedef struct bw_dnode {
    uint64_t base_lo, base_deg; /* the base list [lo, lo + deg) */
    const bw_drec *rec;         /* NULL: untouched */
    const bw_rmlist *rm;        /* NULL: nothing removed */
    uint32_t nlive;
} bw_dnode;

static inline int bw_rm_has(const bw_rmlist *rm, uint32_t y) {
    if (!rm) return 0;
    uint32_t a = 0, b = rm->n;
    while (a < b) {
        uint32_t m = a + (b - a) / 2;
        if (rm->v[m] < y) a = m + 1;
        else b = m;
    }
    return a < rm->n && rm->v[a] == y;
}

/* Reads node x of side s. Returns 0, or BW_ECORRUPT when the base list is
 * out of the base array's bounds (an unverified damaged file). */
static inline int bw_dnode_read(const bw_dside *s, uint32_t x, bw_dnode *out) {
    out->base_lo = out->base_deg = 0;
    if (x < s->nbase) {
        const uint64_t lo = bw_u64_at(&s->base->offsets, x), hi = bw_u64_at(&s->base->offsets, (uint64_t)x + 1);
        if (hi < lo || hi > s->base->adj.count) return BW_ECORRUPT;
        out->base_lo = lo;
        out->base_deg = hi - lo;
    }
    out->rec = bw_drec_get(s, x);
    out->rm = NULL;
    out->nlive = 0;
    if (out->rec) {
        out->rm = atomic_load_explicit(&((bw_drec *)out->rec)->rm, memory_order_acquire);
        out->nlive = atomic_load_explicit(&((bw_drec *)out->rec)->n, memory_order_acquire);
    }
    return 0;
}

/* The neighbour in slot k of [0, base_deg + nlive). */
static inline uint32_t bw_dnode_at(const bw_dside *s, const bw_dnode *n, uint64_t k) {
    if (k < n->base_deg) return bw_u32_at(&s->base->adj, n->base_lo + k);
    return atomic_load_explicit(&((bw_drec *)n->rec)->adj[k - n->base_deg], memory_order_relaxed);
}

/* The union degree: base + live - removed (a hidden node: 0). */
static inline uint64_t bw_dnode_degree(const bw_dnode *n) {
    if (n->rec && atomic_load_explicit(&((bw_drec *)n->rec)->hidden, memory_order_relaxed)) return 0;
    const uint64_t all = n->base_deg + n->nlive;
    const uint64_t r = n->rm ? n->rm->n : 0;
    return all > r ? all - r : 0;
}

/* Union degree of node x (0 for an index past the side). */
static inline uint64_t bw_delta_degree(const bw_delta *d, int is_board, uint32_t x) {
    const bw_dside *s = bw_delta_side(d, is_board);
    if (x >= bw_dside_count(s)) return 0;
    bw_dnode n;
    if (bw_dnode_read(s, x, &n) != 0) return 0;
    return bw_dnode_degree(&n);
}

/* Hidden (moderation) or, for a new node, not yet in the map. */
static inline int bw_delta_hidden(const bw_dside *s, uint32_t x) {
    const bw_drec *r = bw_drec_get(s, x);
    return r && atomic_load_explicit(&((bw_drec *)r)->hidden, memory_order_relaxed);
}

/** Dense index of external id on one side: the base first, then the new
 * nodes. 0, or BW_ENOTFOUND (also for a node of union degree 0, which a
 * graph rebuilt from the union's edges would not have). */
BW_HIDDEN int bw_delta_find(const bw_delta *d, int is_board, uint64_t id, uint32_t *out_index);
/** External id of dense index x. */
BW_HIDDEN uint64_t bw_delta_id(const bw_delta *d, int is_board, uint32_t x);
/** ln of the largest union degree of a side (at least the base's). */
BW_HIDDEN double bw_delta_max_log_degree(const bw_delta *d, int is_board);

/* ------------------------------------------------------------------------ */
/* Writing (delta.c; one writer, live.c's mutex held)                          */

/* Memory that readers may still hold, freed by live.c when they cannot. */
typedef void (*bw_retire_fn)(void *ctx, void *ptr);

typedef struct bw_delta_writer {
    bw_retire_fn retire; /* hands over a pointer from free() to free later */
    void *retire_ctx;
    uint64_t max_edges;
} bw_delta_writer;

BW_HIDDEN bw_delta *bw_delta_new(const bw_view *base, uint64_t max_edges);
/** Frees a delta no reader holds any more. NULL is a no-op. */
BW_HIDDEN void bw_delta_free(bw_delta *d);

typedef struct bw_delta_counts {
    uint64_t added, duplicates, refused, removed, missing;
} bw_delta_counts;

/** Adds edges (times NULL: UINT64_MAX each). Returns 0; 1 when every
 * segment is full at edge *out_done (the caller rebuilds without the oldest
 * segment and resumes there); BW_ENOMEM or BW_ELIMIT at edge *out_done. */
BW_HIDDEN int bw_delta_add(bw_delta *d, bw_delta_writer *w, const uint64_t *pins,
                           const uint64_t *boards, const uint64_t *times, size_t n,
                           bw_delta_counts *out, size_t *out_done);
BW_HIDDEN int bw_delta_remove(bw_delta *d, bw_delta_writer *w, const uint64_t *pins,
                              const uint64_t *boards, size_t n, bw_delta_counts *out);
BW_HIDDEN int bw_delta_hide(bw_delta *d, bw_delta_writer *w, int kind, uint64_t id);
/** A new delta over `base` holding what d holds that `base` does not: live
 * edges newer than the watermark (all of them when has_watermark is 0) and
 * not in base, removals of edges base or the kept live edges still have,
 * hidden nodes; with drop_oldest, without d's oldest segment. *out is the
 * new delta; d is left as it was. */
BW_HIDDEN int bw_delta_rebuild(const bw_delta *d, const bw_view *base, int has_watermark,
                               uint64_t watermark, int drop_oldest, uint64_t max_edges,
                               bw_delta **out);
/** Live edges in the log (removed ones included until they expire). */
BW_HIDDEN uint64_t bw_delta_log_edges(const bw_delta *d);

#endif
