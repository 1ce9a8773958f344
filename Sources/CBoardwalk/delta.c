/* delta.c - the live delta's writer: adding and removing edges, hiding
 * nodes, the edge log and its segments, and rebuilding a delta over a new
 * base (a swap) or without its oldest segment (expiry). Readers are in
 * bw_delta.h; the protocol between them is described there. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bw_delta.h"

/* ------------------------------------------------------------------------ */
/* Reading helpers (also used by queries)                                     */

static uint64_t newid_at(const bw_dside *s, uint32_t j) {
    _Atomic uint64_t *c = atomic_load_explicit(&s->newids[j >> BW_DCHUNK_BITS], memory_order_acquire);
    return atomic_load_explicit(&c[j & (BW_DCHUNK - 1)], memory_order_relaxed);
}

static int map_find(const bw_dside *s, uint64_t id, uint32_t *out) {
    const bw_idmap *m = atomic_load_explicit(&((bw_dside *)s)->map, memory_order_acquire);
    if (!m) return BW_ENOTFOUND;
    uint64_t h = (id * BW_MIX_GAMMA) >> 16;
    for (;;) {
        const bw_idslot *sl = &m->slot[h & m->mask];
        const uint32_t d1 = atomic_load_explicit(&((bw_idslot *)sl)->dense1, memory_order_acquire);
        if (d1 == 0) return BW_ENOTFOUND;
        if (atomic_load_explicit(&((bw_idslot *)sl)->id, memory_order_relaxed) == id) {
            *out = d1 - 1;
            return 0;
        }
        h++;
    }
}

/* The base index of id: interpolation search while the range is large
 * (ids spread evenly: two or three probes instead of twenty cache misses
 * on a million ids; at most 8 rounds, so uneven ids cost little), then
 * binary search. */
static int base_find(const bw_side *b, uint64_t id, uint32_t *out) {
    if (b->count == 0) return BW_ENOTFOUND;
    uint64_t lo = 0, hi = b->count - 1;
    uint64_t vlo = bw_u64_at(&b->ids, lo), vhi = bw_u64_at(&b->ids, hi);
    if (id < vlo || id > vhi) return BW_ENOTFOUND;
    for (int round = 0; round < 8 && hi - lo > 32; round++) {
        if (vhi <= vlo) break;
        const double f = (double)(id - vlo) / (double)(vhi - vlo);
        uint64_t mid = lo + (uint64_t)(f * (double)(hi - lo));
        if (mid > hi) mid = hi;
        const uint64_t v = bw_u64_at(&b->ids, mid);
        if (v == id) {
            *out = (uint32_t)mid;
            return 0;
        }
        if (v < id) {
            lo = mid + 1;
            vlo = bw_u64_at(&b->ids, lo);
            if (id < vlo) return BW_ENOTFOUND;
        } else {
            if (mid == 0) return BW_ENOTFOUND;
            hi = mid - 1;
            vhi = bw_u64_at(&b->ids, hi);
            if (id > vhi) return BW_ENOTFOUND;
        }
        if (lo > hi) return BW_ENOTFOUND;
    }
    hi++; /* [lo, hi) */
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (bw_u64_at(&b->ids, mid) < id) lo = mid + 1;
        else hi = mid;
    }
    if (lo < b->count && bw_u64_at(&b->ids, lo) == id) {
        *out = (uint32_t)lo;
        return 0;
    }
    return BW_ENOTFOUND;
}

/* Dense index of id, whatever its degree (the writer's lookup). */
static int find_any(const bw_dside *s, uint64_t id, uint32_t *out) {
    if (s->nbase && base_find(s->base, id, out) == 0) return 0;
    return map_find(s, id, out);
}

int bw_delta_find(const bw_delta *d, int is_board, uint64_t id, uint32_t *out_index) {
    const bw_dside *s = bw_delta_side(d, is_board);
    uint32_t x;
    if (find_any(s, id, &x) != 0) return BW_ENOTFOUND;
    if (bw_delta_degree(d, is_board, x) == 0) return BW_ENOTFOUND;
    *out_index = x;
    return 0;
}

uint64_t bw_delta_id(const bw_delta *d, int is_board, uint32_t x) {
    const bw_dside *s = bw_delta_side(d, is_board);
    if (x < s->nbase) return bw_u64_at(&s->base->ids, x);
    return newid_at(s, x - s->nbase);
}

double bw_delta_max_log_degree(const bw_delta *d, int is_board) {
    const bw_dside *s = bw_delta_side(d, is_board);
    const uint64_t m = atomic_load_explicit(&((bw_dside *)s)->max_degree, memory_order_relaxed);
    const double l = m > 1 ? log((double)m) : 0.0;
    return l > s->base->max_log_degree ? l : s->base->max_log_degree;
}

/* ------------------------------------------------------------------------ */
/* Allocation                                                                 */

/* A zeroed directory of BW_DDIR pointers: mapped, not malloc'd, so that
 * only the pages written become resident (malloc would move 8 MiB blocks
 * into its heap once one was freed, and zero them there), or NULL. */
static void *dir_alloc(void) {
    void *p = mmap(NULL, BW_DDIR * sizeof(void *), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void dir_free(void *p) {
    if (p) munmap(p, BW_DDIR * sizeof(void *));
}

static int side_init(bw_dside *s, const bw_side *base) {
    s->base = base;
    s->nbase = base->count;
    atomic_init(&s->nnew, 0);
    s->dir = dir_alloc();
    s->newids = dir_alloc();
    atomic_init(&s->map, NULL);
    atomic_init(&s->max_degree, base->max_degree);
    return s->dir && s->newids ? 0 : BW_ENOMEM;
}

static void side_free(bw_dside *s) {
    if (s->dir) {
        for (uint32_t k = 0; k < s->nchunks; k++) {
            _Atomic(bw_drec *) *ch = atomic_load_explicit(&s->dir[s->chunks[k]], memory_order_relaxed);
            for (uint32_t i = 0; i < BW_DCHUNK; i++) {
                bw_drec *r = atomic_load_explicit(&ch[i], memory_order_relaxed);
                if (!r) continue;
                free(atomic_load_explicit(&r->rm, memory_order_relaxed));
                free(r);
            }
            free((void *)ch);
        }
        dir_free((void *)s->dir);
    }
    free(s->chunks);
    if (s->newids) {
        const uint32_t nnew = atomic_load_explicit(&s->nnew, memory_order_relaxed);
        for (uint32_t c = 0; c <= nnew >> BW_DCHUNK_BITS && c < BW_DDIR; c++)
            free((void *)atomic_load_explicit(&s->newids[c], memory_order_relaxed));
        dir_free((void *)s->newids);
    }
    free(atomic_load_explicit(&s->map, memory_order_relaxed));
}

bw_delta *bw_delta_new(const bw_view *base, uint64_t max_edges) {
    bw_delta *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->base = base;
    atomic_init(&d->empty, 1);
    d->seg_edges = max_edges / BW_LIVE_SEGMENTS ? max_edges / BW_LIVE_SEGMENTS : 1;
    if (side_init(&d->pins, &base->pins) != 0 || side_init(&d->boards, &base->boards) != 0) {
        bw_delta_free(d);
        return NULL;
    }
    d->bytes = sizeof *d + 4ull * BW_DDIR * sizeof(void *);
    return d;
}

static void seg_free(bw_dseg *g) {
    free(g->edges);
    free(g->run_time);
    free(g->run_end);
    memset(g, 0, sizeof *g);
}

void bw_delta_free(bw_delta *d) {
    if (!d) return;
    side_free(&d->pins);
    side_free(&d->boards);
    for (unsigned i = 0; i < BW_LIVE_SEGMENTS; i++) seg_free(&d->seg[i]);
    free(d);
}

uint64_t bw_delta_log_edges(const bw_delta *d) {
    uint64_t n = 0;
    for (unsigned i = 0; i < d->nsegs; i++) n += d->seg[(d->seg_first + i) % BW_LIVE_SEGMENTS].n;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Writer: records, removal lists, new nodes                                  */

static void retire(bw_delta_writer *w, void *p) {
    if (!p) return;
    if (w->retire) w->retire(w->retire_ctx, p);
    else free(p);
}

static _Atomic(bw_drec *) *rec_slot(bw_dside *s, uint32_t x, bw_delta *d) {
    _Atomic(bw_drec *) *c = atomic_load_explicit(&s->dir[x >> BW_DCHUNK_BITS], memory_order_relaxed);
    if (!c) {
        if (s->nchunks == s->capchunks) {
            const uint32_t cap = s->capchunks ? s->capchunks * 2 : 16;
            uint32_t *n = realloc(s->chunks, cap * sizeof *n);
            if (!n) return NULL;
            s->chunks = n;
            s->capchunks = cap;
        }
        c = calloc(BW_DCHUNK, sizeof *c);
        if (!c) return NULL;
        s->chunks[s->nchunks++] = x >> BW_DCHUNK_BITS;
        d->bytes += BW_DCHUNK * sizeof *c;
        atomic_store_explicit(&s->dir[x >> BW_DCHUNK_BITS], c, memory_order_release);
    }
    return &c[x & (BW_DCHUNK - 1)];
}

/* The record of x with room for `more` live neighbours (created or grown
 * and published; a grown record's old copy is retired). NULL: no memory. */
static bw_drec *rec_room(bw_delta *d, bw_delta_writer *w, bw_dside *s, uint32_t x, uint32_t more) {
    _Atomic(bw_drec *) *slot = rec_slot(s, x, d);
    if (!slot) return NULL;
    bw_drec *r = atomic_load_explicit(slot, memory_order_relaxed);
    const uint32_t n = r ? atomic_load_explicit(&r->n, memory_order_relaxed) : 0;
    if (r && (uint64_t)n + more <= r->cap) return r;
    uint64_t cap = r ? r->cap : 0;
    if (cap < 2) cap = 2;
    while (cap < (uint64_t)n + more) cap *= 2;
    if (cap > 0xFFFFFFFFull) return NULL;
    bw_drec *g = malloc(sizeof *g + cap * sizeof(uint32_t));
    if (!g) return NULL;
    atomic_init(&g->rm, r ? atomic_load_explicit(&r->rm, memory_order_relaxed) : NULL);
    atomic_init(&g->n, n);
    atomic_init(&g->hidden, r ? atomic_load_explicit(&r->hidden, memory_order_relaxed) : 0);
    g->cap = (uint32_t)cap;
    g->pad = 0;
    for (uint32_t i = 0; i < n; i++)
        atomic_init(&g->adj[i], atomic_load_explicit(&r->adj[i], memory_order_relaxed));
    atomic_store_explicit(slot, g, memory_order_release);
    d->bytes += cap * sizeof(uint32_t) + sizeof *g - (r ? r->cap * sizeof(uint32_t) + sizeof *r : 0);
    retire(w, r);
    return g;
}

/* Inserts (add = 1) or deletes y in r's removal list; publishes a new list. */
static int rm_change(bw_delta *d, bw_delta_writer *w, bw_drec *r, uint32_t y, int add) {
    bw_rmlist *old = atomic_load_explicit(&r->rm, memory_order_relaxed);
    const uint32_t n = old ? old->n : 0;
    const uint32_t m = add ? n + 1 : n - 1;
    bw_rmlist *nl = NULL;
    if (m > 0) {
        nl = malloc(sizeof *nl + (size_t)m * sizeof(uint32_t));
        if (!nl) return BW_ENOMEM;
        uint32_t k = 0, i = 0;
        for (; i < n && old->v[i] < y; i++) nl->v[k++] = old->v[i];
        if (add) nl->v[k++] = y;
        else i++; /* skip y */
        for (; i < n; i++) nl->v[k++] = old->v[i];
        nl->n = m;
    }
    atomic_store_explicit(&r->rm, nl, memory_order_release);
    d->bytes += (add ? 4 : -4);
    retire(w, old);
    return 0;
}

static int newid_store(bw_delta *d, bw_dside *s, uint32_t j, uint64_t id) {
    _Atomic uint64_t *c = atomic_load_explicit(&s->newids[j >> BW_DCHUNK_BITS], memory_order_relaxed);
    if (!c) {
        c = calloc(BW_DCHUNK, sizeof *c);
        if (!c) return BW_ENOMEM;
        d->bytes += BW_DCHUNK * sizeof *c;
        atomic_store_explicit(&s->newids[j >> BW_DCHUNK_BITS], c, memory_order_release);
    }
    atomic_store_explicit(&c[j & (BW_DCHUNK - 1)], id, memory_order_relaxed);
    return 0;
}

static void map_put(bw_idmap *m, uint64_t id, uint32_t dense) {
    uint64_t h = (id * BW_MIX_GAMMA) >> 16;
    for (;; h++) {
        bw_idslot *sl = &m->slot[h & m->mask];
        if (atomic_load_explicit(&sl->dense1, memory_order_relaxed) == 0) {
            atomic_store_explicit(&sl->id, id, memory_order_relaxed);
            atomic_store_explicit(&sl->dense1, dense + 1, memory_order_release);
            return;
        }
    }
}

/* A new node for id on side s: index nbase + nnew. */
static int new_node(bw_delta *d, bw_delta_writer *w, bw_dside *s, uint64_t id, uint32_t *out) {
    const uint32_t j = atomic_load_explicit(&s->nnew, memory_order_relaxed);
    if ((uint64_t)s->nbase + j >= BW_MAX_NODES) return BW_ELIMIT;
    bw_idmap *m = atomic_load_explicit(&s->map, memory_order_relaxed);
    if (!m || (uint64_t)(j + 1) * 2 > m->mask + 1) {
        const uint64_t cap = m ? (m->mask + 1) * 2 : 1024;
        bw_idmap *g = calloc(1, sizeof *g + cap * sizeof(bw_idslot));
        if (!g) return BW_ENOMEM;
        g->mask = cap - 1;
        for (uint32_t i = 0; i < j; i++) map_put(g, newid_at(s, i), s->nbase + i);
        atomic_store_explicit(&s->map, g, memory_order_release);
        d->bytes += cap * sizeof(bw_idslot) - (m ? (m->mask + 1) * sizeof(bw_idslot) : 0);
        retire(w, m);
        m = g;
    }
    int rc = newid_store(d, s, j, id);
    if (rc) return rc;
    map_put(m, id, s->nbase + j);
    atomic_store_explicit(&s->nnew, j + 1, memory_order_release);
    *out = s->nbase + j;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Writer: edges                                                              */

static uint32_t attrs_or_none(const bw_side *s, uint32_t x) {
    return x < s->count ? bw_u32_at(&s->attrs, x) : BW_ATTRS_NONE;
}

/* Whether the base list of x (side self) holds y: lists sort by (attrs of y,
 * y), so a binary search; a linear scan when that misses on a list that
 * may be damaged is not needed for correctness here (a miss adds a live
 * copy, which a verified graph never needs). */
static int base_has(const bw_side *self, const bw_side *other, uint32_t x, uint32_t y) {
    if (x >= self->count || y >= other->count) return 0;
    const uint64_t lo = bw_u64_at(&self->offsets, x), hi = bw_u64_at(&self->offsets, (uint64_t)x + 1);
    if (hi < lo || hi > self->adj.count) return 0;
    const uint64_t key = ((uint64_t)attrs_or_none(other, y) << 32) | y;
    uint64_t a = lo, b = hi;
    while (a < b) {
        const uint64_t mid = a + (b - a) / 2;
        const uint32_t v = bw_u32_at(&self->adj, mid);
        const uint64_t kv = ((uint64_t)attrs_or_none(other, v) << 32) | v;
        if (kv < key) a = mid + 1;
        else b = mid;
    }
    return a < hi && bw_u32_at(&self->adj, a) == y;
}

static int live_list_has(const bw_drec *r, uint32_t y) {
    if (!r) return 0;
    const uint32_t n = atomic_load_explicit(&((bw_drec *)r)->n, memory_order_relaxed);
    for (uint32_t i = 0; i < n; i++)
        if (atomic_load_explicit(&((bw_drec *)r)->adj[i], memory_order_relaxed) == y) return 1;
    return 0;
}

enum { EDGE_NONE = 0, EDGE_BASE = 1, EDGE_LIVE = 2 };

static int edge_where(const bw_delta *d, uint32_t p, uint32_t b) {
    const bw_side *bp = &d->base->pins, *bb = &d->base->boards;
    if (p < d->pins.nbase && b < d->boards.nbase) {
        const int shorter_pin = bw_degree(bp, p) <= bw_degree(bb, b);
        if (shorter_pin ? base_has(bp, bb, p, b) : base_has(bb, bp, b, p)) return EDGE_BASE;
    }
    const bw_drec *rp = bw_drec_get(&d->pins, p), *rb = bw_drec_get(&d->boards, b);
    if (!rp || !rb) return EDGE_NONE;
    const int shorter_pin = atomic_load_explicit(&((bw_drec *)rp)->n, memory_order_relaxed) <=
                            atomic_load_explicit(&((bw_drec *)rb)->n, memory_order_relaxed);
    return (shorter_pin ? live_list_has(rp, b) : live_list_has(rb, p)) ? EDGE_LIVE : EDGE_NONE;
}

static int is_removed(const bw_delta *d, uint32_t p, uint32_t b) {
    const bw_drec *rp = bw_drec_get(&d->pins, p);
    return rp && bw_rm_has(atomic_load_explicit(&((bw_drec *)rp)->rm, memory_order_relaxed), b);
}

static void note_degree(bw_dside *s, uint32_t x) {
    bw_dnode n;
    if (bw_dnode_read(s, x, &n) != 0) return;
    const uint64_t deg = bw_dnode_degree(&n);
    if (deg > atomic_load_explicit(&s->max_degree, memory_order_relaxed))
        atomic_store_explicit(&s->max_degree, deg, memory_order_relaxed);
}

/* Marks (p, b) removed on both sides (it exists and is not removed). */
static int mark_removed(bw_delta *d, bw_delta_writer *w, uint32_t p, uint32_t b, int add) {
    bw_drec *rp = rec_room(d, w, &d->pins, p, 0);
    bw_drec *rb = rec_room(d, w, &d->boards, b, 0);
    if (!rp || !rb) return BW_ENOMEM;
    int rc = rm_change(d, w, rp, b, add);
    if (rc == 0) rc = rm_change(d, w, rb, p, add);
    if (rc == 0) d->nremoved += add ? 1 : (uint64_t)-1;
    return rc;
}

/* Room in the log for one more edge: 0, or 1 when every segment is full
 * (the caller expires the oldest). */
static int log_room(bw_delta *d) {
    if (d->nsegs > 0) {
        bw_dseg *g = &d->seg[(d->seg_first + d->nsegs - 1) % BW_LIVE_SEGMENTS];
        if (g->n < d->seg_edges) return 0;
    }
    if (d->nsegs == BW_LIVE_SEGMENTS) return 1;
    d->nsegs++;
    return 0;
}

static int log_append(bw_delta *d, uint32_t p, uint32_t b, uint64_t t) {
    bw_dseg *g = &d->seg[(d->seg_first + d->nsegs - 1) % BW_LIVE_SEGMENTS];
    if (g->n == g->cap) {
        uint64_t cap = g->cap ? g->cap * 2 : 1024;
        if (cap > d->seg_edges) cap = d->seg_edges;
        uint64_t *e = realloc(g->edges, cap * sizeof *e);
        if (!e) return BW_ENOMEM;
        d->bytes += (cap - g->cap) * sizeof *e;
        g->edges = e;
        g->cap = cap;
    }
    if (g->nruns == 0 || g->run_time[g->nruns - 1] != t) {
        if (g->nruns == g->runs_cap) {
            uint64_t cap = g->runs_cap ? g->runs_cap * 2 : 64;
            uint64_t *a = realloc(g->run_time, cap * sizeof *a);
            if (!a) return BW_ENOMEM;
            g->run_time = a;
            uint64_t *b2 = realloc(g->run_end, cap * sizeof *b2);
            if (!b2) return BW_ENOMEM;
            g->run_end = b2;
            d->bytes += (cap - g->runs_cap) * 16;
            g->runs_cap = cap;
        }
        g->run_time[g->nruns] = t;
        g->run_end[g->nruns] = g->n;
        g->nruns++;
    }
    g->edges[g->n++] = ((uint64_t)p << 32) | b;
    g->run_end[g->nruns - 1] = g->n;
    return 0;
}

/* Appends (p, b) to both records (which have room): pin side first, then
 * board side, each count published with release after its entry. */
static void publish_edge(bw_delta *d, bw_drec *rp, bw_drec *rb, uint32_t p, uint32_t b) {
    const uint32_t np = atomic_load_explicit(&rp->n, memory_order_relaxed);
    atomic_store_explicit(&rp->adj[np], b, memory_order_relaxed);
    atomic_store_explicit(&rp->n, np + 1, memory_order_release);
    const uint32_t nb = atomic_load_explicit(&rb->n, memory_order_relaxed);
    atomic_store_explicit(&rb->adj[nb], p, memory_order_relaxed);
    atomic_store_explicit(&rb->n, nb + 1, memory_order_release);
    d->bytes += 8;
}

/* Resolves id on side s to a dense index, creating a new node. */
static int resolve(bw_delta *d, bw_delta_writer *w, bw_dside *s, uint64_t id, uint32_t *out) {
    if (find_any(s, id, out) == 0) return 0;
    return new_node(d, w, s, id, out);
}

/* Adds one edge. 0 with *what = 0 added, 1 duplicate, 2 refused (hidden);
 * 1 (returned) when the log is full; BW_ENOMEM, BW_ELIMIT. */
static int add_one(bw_delta *d, bw_delta_writer *w, uint64_t pin, uint64_t board, uint64_t t, int *what) {
    uint32_t p, b;
    int rc = resolve(d, w, &d->pins, pin, &p);
    if (rc == 0) rc = resolve(d, w, &d->boards, board, &b);
    if (rc) return rc;
    if (bw_delta_hidden(&d->pins, p) || bw_delta_hidden(&d->boards, b)) {
        *what = 2;
        return 0;
    }
    const int where = edge_where(d, p, b);
    if (where != EDGE_NONE) {
        if (is_removed(d, p, b)) {
            if ((rc = mark_removed(d, w, p, b, 0)) != 0) return rc;
            atomic_store_explicit(&d->empty, 0, memory_order_release);
            *what = 0;
        } else {
            *what = 1;
        }
        return 0;
    }
    if (log_room(d)) return 1;
    bw_drec *rp = rec_room(d, w, &d->pins, p, 1);
    bw_drec *rb = rp ? rec_room(d, w, &d->boards, b, 1) : NULL;
    if (!rb) return BW_ENOMEM;
    if ((rc = log_append(d, p, b, t)) != 0) return rc;
    atomic_store_explicit(&d->empty, 0, memory_order_release);
    publish_edge(d, rp, rb, p, b);
    note_degree(&d->pins, p);
    note_degree(&d->boards, b);
    *what = 0;
    return 0;
}

int bw_delta_add(bw_delta *d, bw_delta_writer *w, const uint64_t *pins, const uint64_t *boards,
                 const uint64_t *times, size_t n, bw_delta_counts *out, size_t *out_done) {
    for (size_t i = 0; i < n; i++) {
        int what = 0;
        *out_done = i;
        int rc = add_one(d, w, pins[i], boards[i], times ? times[i] : UINT64_MAX, &what);
        if (rc) return rc; /* 1: the log is full; the caller expires, then resumes at i */
        if (what == 0) out->added++;
        else if (what == 1) out->duplicates++;
        else out->refused++;
    }
    *out_done = n;
    return 0;
}

int bw_delta_remove(bw_delta *d, bw_delta_writer *w, const uint64_t *pins, const uint64_t *boards, size_t n,
                    bw_delta_counts *out) {
    for (size_t i = 0; i < n; i++) {
        uint32_t p, b;
        if (find_any(&d->pins, pins[i], &p) != 0 || find_any(&d->boards, boards[i], &b) != 0 ||
            edge_where(d, p, b) == EDGE_NONE || is_removed(d, p, b)) {
            out->missing++;
            continue;
        }
        int rc = mark_removed(d, w, p, b, 1);
        if (rc) return rc;
        atomic_store_explicit(&d->empty, 0, memory_order_release);
        out->removed++;
    }
    return 0;
}

/* Every neighbour of x (base and live, not removed) into *out (malloc). */
static int neighbours(const bw_dside *s, uint32_t x, uint32_t **out, uint64_t *count) {
    bw_dnode n;
    int rc = bw_dnode_read(s, x, &n);
    if (rc) return rc;
    const uint64_t all = n.base_deg + n.nlive;
    uint32_t *v = malloc((all ? all : 1) * sizeof *v);
    if (!v) return BW_ENOMEM;
    uint64_t k = 0;
    for (uint64_t i = 0; i < all; i++) {
        const uint32_t y = bw_dnode_at(s, &n, i);
        if (!bw_rm_has(n.rm, y)) v[k++] = y;
    }
    *out = v;
    *count = k;
    return 0;
}

int bw_delta_hide(bw_delta *d, bw_delta_writer *w, int kind, uint64_t id) {
    bw_dside *s = kind == BW_BOARD ? &d->boards : &d->pins;
    uint32_t x;
    int rc = resolve(d, w, s, id, &x);
    if (rc) return rc;
    uint32_t *nb = NULL;
    uint64_t k = 0;
    if ((rc = neighbours(s, x, &nb, &k)) != 0) return rc;
    for (uint64_t i = 0; i < k && rc == 0; i++)
        rc = kind == BW_BOARD ? mark_removed(d, w, nb[i], x, 1) : mark_removed(d, w, x, nb[i], 1);
    free(nb);
    if (rc) return rc;
    bw_drec *r = rec_room(d, w, s, x, 0);
    if (!r) return BW_ENOMEM;
    if (!atomic_load_explicit(&r->hidden, memory_order_relaxed)) d->nhidden++;
    atomic_store_explicit(&r->hidden, 1, memory_order_release);
    atomic_store_explicit(&d->empty, 0, memory_order_release);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Rebuild: a swap to a new base, or expiry of the oldest segment             */

/* d's node x of side `is_board` in nd (creating a new node there). */
static int remap(const bw_delta *d, bw_delta *nd, bw_delta_writer *w, int is_board, uint32_t x, uint32_t *out) {
    if (d->base == nd->base && x < bw_delta_side(d, is_board)->nbase) {
        *out = x;
        return 0;
    }
    return resolve(nd, w, is_board ? &nd->boards : &nd->pins, bw_delta_id(d, is_board, x), out);
}

int bw_delta_rebuild(const bw_delta *d, const bw_view *base, int has_watermark, uint64_t watermark,
                     int drop_oldest, uint64_t max_edges, bw_delta **out) {
    *out = NULL;
    bw_delta *nd = bw_delta_new(base, max_edges);
    if (!nd) return BW_ENOMEM;
    bw_delta_writer w = {NULL, NULL, max_edges}; /* nobody reads nd yet: free at once */
    int rc = 0;
    /* New nodes keep their order (so that expiry keeps every index). */
    for (int side = 0; side < 2 && rc == 0; side++) {
        const bw_dside *s = side ? &d->boards : &d->pins;
        const uint32_t nnew = atomic_load_explicit(&((bw_dside *)s)->nnew, memory_order_relaxed);
        for (uint32_t j = 0; j < nnew && rc == 0; j++) {
            uint32_t x;
            rc = remap(d, nd, &w, side, s->nbase + j, &x);
        }
    }
    /* Live edges, oldest first. */
    for (unsigned i = drop_oldest ? 1 : 0; i < d->nsegs && rc == 0; i++) {
        const bw_dseg *g = &d->seg[(d->seg_first + i) % BW_LIVE_SEGMENTS];
        uint64_t r = 0;
        for (uint64_t e = 0; e < g->n && rc == 0; e++) {
            while (r < g->nruns && g->run_end[r] <= e) r++;
            const uint64_t t = g->run_time[r];
            if (has_watermark && t <= watermark) continue;
            uint32_t p, b;
            rc = remap(d, nd, &w, 0, (uint32_t)(g->edges[e] >> 32), &p);
            if (rc == 0) rc = remap(d, nd, &w, 1, (uint32_t)g->edges[e], &b);
            if (rc) break;
            if (edge_where(nd, p, b) != EDGE_NONE) continue; /* now in the base: counted once */
            if (log_room(nd)) {
                rc = BW_ELIMIT;
                break;
            }
            bw_drec *rp = rec_room(nd, &w, &nd->pins, p, 1);
            bw_drec *rb = rp ? rec_room(nd, &w, &nd->boards, b, 1) : NULL;
            if (!rb || log_append(nd, p, b, t) != 0) {
                rc = BW_ENOMEM;
                break;
            }
            publish_edge(nd, rp, rb, p, b);
            atomic_store_explicit(&nd->empty, 0, memory_order_relaxed);
        }
    }
    /* Removals of edges that still exist, then hidden nodes. */
    for (uint32_t k = 0; k < d->pins.nchunks && rc == 0; k++) {
        const uint32_t c = d->pins.chunks[k];
        _Atomic(bw_drec *) *ch = atomic_load_explicit(&d->pins.dir[c], memory_order_relaxed);
        for (uint32_t i = 0; i < BW_DCHUNK && rc == 0; i++) {
            bw_drec *r = atomic_load_explicit(&ch[i], memory_order_relaxed);
            const bw_rmlist *rm = r ? atomic_load_explicit(&r->rm, memory_order_relaxed) : NULL;
            for (uint32_t j = 0; rm && j < rm->n && rc == 0; j++) {
                uint32_t p, b;
                rc = remap(d, nd, &w, 0, (c << BW_DCHUNK_BITS) | i, &p);
                if (rc == 0) rc = remap(d, nd, &w, 1, rm->v[j], &b);
                if (rc == 0 && edge_where(nd, p, b) != EDGE_NONE && !is_removed(nd, p, b)) {
                    rc = mark_removed(nd, &w, p, b, 1);
                    atomic_store_explicit(&nd->empty, 0, memory_order_relaxed);
                }
            }
        }
    }
    for (int side = 0; side < 2 && rc == 0; side++) {
        const bw_dside *s = side ? &d->boards : &d->pins;
        for (uint32_t k = 0; k < s->nchunks && rc == 0; k++) {
            const uint32_t c = s->chunks[k];
            _Atomic(bw_drec *) *ch = atomic_load_explicit(&s->dir[c], memory_order_relaxed);
            for (uint32_t i = 0; i < BW_DCHUNK && rc == 0; i++) {
                bw_drec *r = atomic_load_explicit(&ch[i], memory_order_relaxed);
                if (!r || !atomic_load_explicit(&r->hidden, memory_order_relaxed)) continue;
                rc = bw_delta_hide(nd, &w, side ? BW_BOARD : BW_PIN, bw_delta_id(d, side, (c << BW_DCHUNK_BITS) | i));
            }
        }
    }
    for (int side = 0; side < 2 && rc == 0; side++) {
        /* The largest union degree, from the records (base nodes without one keep theirs). */
        bw_dside *s = side ? &nd->boards : &nd->pins;
        for (uint32_t k = 0; k < s->nchunks; k++) {
            const uint32_t c = s->chunks[k];
            for (uint32_t i = 0; i < BW_DCHUNK; i++)
                if (bw_drec_get(s, (c << BW_DCHUNK_BITS) | i)) note_degree(s, (c << BW_DCHUNK_BITS) | i);
        }
    }
    if (rc) {
        bw_delta_free(nd);
        return rc;
    }
    *out = nd;
    return 0;
}
