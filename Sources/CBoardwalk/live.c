/* live.c - a live graph: the current base graph plus its live delta
 * (delta.c), swappable while any number of threads query it.
 *
 * The pair (base graph, delta) is one immutable state object published
 * through an atomic pointer. Queries take no lock: a reader registers in
 * the current epoch (an atomic counter per epoch parity), loads the state,
 * walks, and leaves its epoch. The one writer at a time (writers serialise
 * on `writer`: adds, removals, hides, swaps) changes the delta in place as
 * bw_delta.h describes, and replaces the state on a swap or an expiry.
 * Memory a reader may still hold (a replaced state with its graph reference
 * and delta, a grown record, a replaced removal list or id map) is retired
 * with the epoch of its retirement and freed once the epoch has advanced
 * twice: the writer advances it from e to e+1 only when no reader is left
 * in e-1, so after two advances every reader that could have seen the
 * pointer has left. Readers never wait; the writer never waits for readers
 * (it frees later). After a swap, the query that leaves last frees the old
 * state (its graph mapping) when it can take the writer's mutex without
 * waiting (trylock), so an old graph does not outlive its queries for long
 * on a server that swaps daily and never writes. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "boardwalk.h"
#include "bw_delta.h"
#include "bw_graph.h"

typedef struct live_state {
    bw_graph *graph; /* one reference */
    bw_delta *delta;
} live_state;

typedef struct retired {
    void *ptr;
    uint64_t epoch;
    int is_state;
} retired;

struct bw_live {
    _Atomic(live_state *) cur;
    _Atomic uint64_t epoch;
    _Atomic uint64_t readers[2];
    _Atomic uint64_t generation;
    _Atomic int state_pending;  /* a replaced state (its graph) waits to be freed */
    _Atomic int reclaim_wanted; /* a query left while state_pending (see leave) */
    pthread_mutex_t writer; /* serialises writers: adds, removals, hides, swaps */
    /* writer only */
    retired *ret;
    size_t nret, capret;
    int ret_failed;         /* a retire list that could not grow: free at close */
    uint64_t max_edges;
    uint64_t expired;
};

/* ------------------------------------------------------------------------ */
/* Epochs                                                                     */

static uint64_t enter(bw_live *l) {
    for (;;) {
        const uint64_t e = atomic_load(&l->epoch);
        atomic_fetch_add(&l->readers[e & 1], 1);
        if (atomic_load(&l->epoch) == e) return e;
        atomic_fetch_sub(&l->readers[e & 1], 1);
    }
}

static void reclaim(bw_live *l);

/* Frees a replaced state that no query holds any more, if the writer's mutex
 * can be taken without waiting. A thread that wants this done sets
 * reclaim_wanted before it tries the mutex; whoever holds the mutex checks
 * the flag again after releasing it, so a want is never lost between a
 * failed try and an unlock. */
static void reclaim_if_wanted(bw_live *l) {
    while (atomic_load(&l->reclaim_wanted) && atomic_load(&l->state_pending) &&
           pthread_mutex_trylock(&l->writer) == 0) {
        atomic_store(&l->reclaim_wanted, 0);
        reclaim(l);
        pthread_mutex_unlock(&l->writer);
    }
}

/* A query leaves its epoch. When a swap left a replaced state behind (an old
 * graph, mapped until freed), the query that leaves last frees it, as a
 * graph is unmapped when its last query ends; it never waits for a writer
 * (the writer, or the thread holding the mutex, does it then). */
static void leave(bw_live *l, uint64_t e) {
    atomic_fetch_sub(&l->readers[e & 1], 1);
    if (!atomic_load(&l->state_pending)) return;
    atomic_store(&l->reclaim_wanted, 1);
    reclaim_if_wanted(l);
}

/* Every writer releases the mutex here. */
static void writer_unlock(bw_live *l) {
    pthread_mutex_unlock(&l->writer);
    reclaim_if_wanted(l);
}

static void state_free(live_state *s) {
    if (!s) return;
    bw_graph_close(s->graph);
    bw_delta_free(s->delta);
    free(s);
}

static void free_retired(retired *r) {
    if (r->is_state) state_free(r->ptr);
    else free(r->ptr);
}

/* Writer: hands p over, to be freed when no reader can hold it. On a list
 * that cannot grow, p is leaked until bw_live_close rather than freed early. */
static void retire_ptr(bw_live *l, void *p, int is_state) {
    if (!p) return;
    if (l->nret == l->capret) {
        size_t cap = l->capret ? l->capret * 2 : 64;
        retired *n = realloc(l->ret, cap * sizeof *n);
        if (!n) {
            l->ret_failed = 1; /* cannot happen often: the list shrinks at each reclaim */
            return;
        }
        l->ret = n;
        l->capret = cap;
    }
    l->ret[l->nret++] = (retired){p, atomic_load_explicit(&l->epoch, memory_order_relaxed), is_state};
}

static void retire_cb(void *ctx, void *p) { retire_ptr(ctx, p, 0); }

/* Writer: advances the epoch when the readers two epochs back are gone,
 * and frees what no reader can hold. */
static void reclaim(bw_live *l) {
    uint64_t e = atomic_load(&l->epoch);
    for (int i = 0; i < 2 && atomic_load(&l->readers[(e + 1) & 1]) == 0; i++) {
        atomic_store(&l->epoch, e + 1); /* twice when no query runs: frees at once */
        e++;
    }
    size_t k = 0;
    int states = 0;
    for (size_t i = 0; i < l->nret; i++) {
        if (l->ret[i].epoch + 2 <= e) free_retired(&l->ret[i]);
        else {
            states |= l->ret[i].is_state;
            l->ret[k++] = l->ret[i];
        }
    }
    l->nret = k;
    atomic_store_explicit(&l->state_pending, states, memory_order_release);
}

/* Writer: makes s the state and retires the old one. */
static void install_state(bw_live *l, live_state *s) {
    live_state *old = atomic_exchange_explicit(&l->cur, s, memory_order_acq_rel);
    retire_ptr(l, old, 1);
    reclaim(l);
}

static live_state *state_new(bw_graph *g, bw_delta *d) {
    live_state *s = malloc(sizeof *s);
    if (!s) return NULL;
    s->graph = g;
    s->delta = d;
    return s;
}

/* ------------------------------------------------------------------------ */
/* Opening, swapping, closing                                                 */

static int live_new(bw_graph *graph, bw_live **out_live) {
    bw_live *l = calloc(1, sizeof *l);
    if (!l) return BW_ENOMEM;
    l->max_edges = BW_LIVE_DEFAULT_MAX_EDGES;
    bw_delta *d = bw_delta_new(&graph->view, l->max_edges);
    live_state *s = d ? state_new(graph, d) : NULL;
    if (!s || pthread_mutex_init(&l->writer, NULL) != 0) {
        bw_delta_free(d);
        free(s);
        free(l);
        return BW_ENOMEM;
    }
    atomic_init(&l->cur, s);
    atomic_init(&l->epoch, 0);
    atomic_init(&l->readers[0], 0);
    atomic_init(&l->readers[1], 0);
    atomic_init(&l->generation, 0);
    *out_live = l;
    return 0;
}

int bw_live_open(const char *path, uint32_t flags, bw_live **out_live, char *out_message,
                 size_t message_capacity) {
    if (!out_live) return BW_EINVAL;
    *out_live = NULL;
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(path, flags, &g, out_message, message_capacity);
    if (rc) return rc;
    if ((rc = live_new(g, out_live))) bw_graph_close(g);
    return rc;
}

int bw_live_new(bw_graph *graph, bw_live **out_live) {
    if (!out_live) return BW_EINVAL;
    *out_live = NULL;
    if (!graph) return BW_EINVAL;
    int rc = live_new(graph, out_live);
    if (rc == 0) bw_graph_retain(graph);
    return rc;
}

/* Writer: makes `graph` (whose reference the bw_live now owns) the base,
 * carrying the delta over (bw_delta_rebuild). On failure the reference is
 * dropped and nothing changes. */
static int install(bw_live *l, bw_graph *graph) {
    live_state *cur = atomic_load_explicit(&l->cur, memory_order_relaxed);
    uint64_t wm = 0;
    const int has_wm = bw_graph_stat(graph, BW_STAT_WATERMARK, &wm) == 0;
    bw_delta *nd = NULL;
    int rc = bw_delta_rebuild(cur->delta, &graph->view, has_wm, wm, 0, l->max_edges, &nd);
    live_state *s = rc == 0 ? state_new(graph, nd) : NULL;
    if (!s) {
        bw_delta_free(nd);
        bw_graph_close(graph);
        return rc ? rc : BW_ENOMEM;
    }
    install_state(l, s);
    atomic_fetch_add_explicit(&l->generation, 1, memory_order_release);
    return 0;
}

int bw_live_swap(bw_live *live, const char *path, uint32_t flags, char *out_message,
                 size_t message_capacity) {
    if (!live) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(path, flags, &g, out_message, message_capacity);
    if (rc == 0) rc = install(live, g);
    writer_unlock(live);
    return rc;
}

int bw_live_replace(bw_live *live, bw_graph *graph) {
    if (!live || !graph) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    int rc = install(live, bw_graph_retain(graph));
    writer_unlock(live);
    return rc;
}

int bw_live_acquire(bw_live *live, bw_graph **out_graph) {
    if (!out_graph) return BW_EINVAL;
    *out_graph = NULL;
    if (!live) return BW_EINVAL;
    const uint64_t e = enter(live);
    live_state *s = atomic_load_explicit(&live->cur, memory_order_acquire);
    *out_graph = bw_graph_retain(s->graph);
    leave(live, e);
    return 0;
}

uint64_t bw_live_generation(const bw_live *live) {
    return live ? atomic_load_explicit(&((bw_live *)live)->generation, memory_order_acquire) : 0;
}

static int run_on_live(bw_live *live, const bw_query *query, bw_results **out_results, int score) {
    if (out_results) *out_results = NULL;
    if (!live || !query || !out_results) return BW_EINVAL;
    const uint64_t e = enter(live);
    live_state *s = atomic_load_explicit(&live->cur, memory_order_acquire);
    const bw_delta *d = atomic_load_explicit(&s->delta->empty, memory_order_acquire) ? NULL : s->delta;
    int rc = bw_run_query_delta(s->graph, d, query, score, out_results);
    leave(live, e);
    return rc;
}

int bw_live_recommend(bw_live *live, const bw_query *query, bw_results **out_results) {
    return run_on_live(live, query, out_results, 0);
}

int bw_live_score(bw_live *live, const bw_query *query, bw_results **out_results) {
    return run_on_live(live, query, out_results, 1);
}

void bw_live_close(bw_live *live) {
    if (!live) return;
    state_free(atomic_load_explicit(&live->cur, memory_order_relaxed));
    for (size_t i = 0; i < live->nret; i++) free_retired(&live->ret[i]);
    free(live->ret);
    pthread_mutex_destroy(&live->writer);
    free(live);
}

/* ------------------------------------------------------------------------ */
/* Live edges                                                                 */

static void set_count(uint64_t *p, uint64_t v) {
    if (p) *p = v;
}

/* Writer: replaces the delta by one rebuilt without its oldest segment. */
static int expire_oldest(bw_live *l) {
    live_state *cur = atomic_load_explicit(&l->cur, memory_order_relaxed);
    const uint64_t before = bw_delta_log_edges(cur->delta);
    bw_delta *nd = NULL;
    int rc = bw_delta_rebuild(cur->delta, cur->delta->base, 0, 0, 1, l->max_edges, &nd);
    live_state *s = rc == 0 ? state_new(bw_graph_retain(cur->graph), nd) : NULL;
    if (!s) {
        if (nd) bw_graph_close(cur->graph);
        bw_delta_free(nd);
        return rc ? rc : BW_ENOMEM;
    }
    const uint64_t after = bw_delta_log_edges(nd);
    l->expired += before > after ? before - after : 0;
    install_state(l, s);
    return 0;
}

int bw_live_add_edges(bw_live *live, const uint64_t *pins, const uint64_t *boards, const uint64_t *times,
                      size_t count, uint64_t *out_added, uint64_t *out_duplicates, uint64_t *out_refused) {
    set_count(out_added, 0);
    set_count(out_duplicates, 0);
    set_count(out_refused, 0);
    if (!live || (count && (!pins || !boards))) return BW_EINVAL;
    if (count == 0) return 0;
    pthread_mutex_lock(&live->writer);
    if ((uint64_t)count > live->max_edges) {
        writer_unlock(live);
        return BW_ELIMIT;
    }
    bw_delta_counts c = {0};
    bw_delta_writer w = {retire_cb, live, live->max_edges};
    size_t at = 0;
    int rc = 0;
    while (at < count) {
        live_state *s = atomic_load_explicit(&live->cur, memory_order_relaxed);
        size_t done = 0;
        rc = bw_delta_add(s->delta, &w, pins + at, boards + at, times ? times + at : NULL, count - at, &c, &done);
        at += done;
        if (rc != 1) break;
        if ((rc = expire_oldest(live)) != 0) break;
    }
    reclaim(live);
    writer_unlock(live);
    set_count(out_added, c.added);
    set_count(out_duplicates, c.duplicates);
    set_count(out_refused, c.refused);
    return rc;
}

int bw_live_remove_edges(bw_live *live, const uint64_t *pins, const uint64_t *boards, size_t count,
                         uint64_t *out_removed, uint64_t *out_missing) {
    set_count(out_removed, 0);
    set_count(out_missing, 0);
    if (!live || (count && (!pins || !boards))) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    bw_delta_counts c = {0};
    bw_delta_writer w = {retire_cb, live, live->max_edges};
    live_state *s = atomic_load_explicit(&live->cur, memory_order_relaxed);
    int rc = bw_delta_remove(s->delta, &w, pins, boards, count, &c);
    reclaim(live);
    writer_unlock(live);
    set_count(out_removed, c.removed);
    set_count(out_missing, c.missing);
    return rc;
}

int bw_live_hide(bw_live *live, int kind, uint64_t id) {
    if (!live || (kind != BW_PIN && kind != BW_BOARD)) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    bw_delta_writer w = {retire_cb, live, live->max_edges};
    live_state *s = atomic_load_explicit(&live->cur, memory_order_relaxed);
    int rc = bw_delta_hide(s->delta, &w, kind, id);
    reclaim(live);
    writer_unlock(live);
    return rc;
}

int bw_live_set_max_edges(bw_live *live, uint64_t max_edges) {
    if (!live || max_edges < BW_LIVE_MIN_MAX_EDGES || max_edges > BW_LIVE_MAX_MAX_EDGES) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    live_state *cur = atomic_load_explicit(&live->cur, memory_order_relaxed);
    int rc = 0;
    if (bw_delta_log_edges(cur->delta) > max_edges / BW_LIVE_SEGMENTS * BW_LIVE_SEGMENTS) {
        rc = BW_ELIMIT;
    } else {
        bw_delta *nd = NULL;
        rc = bw_delta_rebuild(cur->delta, cur->delta->base, 0, 0, 0, max_edges, &nd);
        live_state *s = rc == 0 ? state_new(bw_graph_retain(cur->graph), nd) : NULL;
        if (rc == 0 && !s) {
            bw_graph_close(cur->graph);
            bw_delta_free(nd);
            rc = BW_ENOMEM;
        }
        if (s) {
            live->max_edges = max_edges;
            install_state(live, s);
        }
    }
    writer_unlock(live);
    return rc;
}

int bw_live_stat(bw_live *live, int what, uint64_t *out_value) {
    if (!live || !out_value) return BW_EINVAL;
    pthread_mutex_lock(&live->writer);
    const live_state *s = atomic_load_explicit(&live->cur, memory_order_relaxed);
    const bw_delta *d = s->delta;
    int rc = 0;
    reclaim(live);
    switch (what) {
    case BW_LIVE_STAT_EDGES: *out_value = bw_delta_log_edges(d); break;
    case BW_LIVE_STAT_REMOVED: *out_value = d->nremoved; break;
    case BW_LIVE_STAT_NEW_PINS: *out_value = atomic_load(&((bw_delta *)d)->pins.nnew); break;
    case BW_LIVE_STAT_NEW_BOARDS: *out_value = atomic_load(&((bw_delta *)d)->boards.nnew); break;
    case BW_LIVE_STAT_HIDDEN: *out_value = d->nhidden; break;
    case BW_LIVE_STAT_EXPIRED: *out_value = live->expired; break;
    case BW_LIVE_STAT_MAX_EDGES: *out_value = live->max_edges; break;
    case BW_LIVE_STAT_BYTES: *out_value = d->bytes; break;
    case BW_LIVE_STAT_SEGMENTS: *out_value = d->nsegs; break;
    default: rc = BW_EINVAL;
    }
    writer_unlock(live);
    return rc;
}
