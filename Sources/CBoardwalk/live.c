/* live.c - a swappable "live" graph for servers that load a new graph file
 * without stopping.
 *
 * A bw_live holds one reference to the current graph. bw_live_acquire hands
 * out another reference under a mutex; a swap opens the new file outside the
 * mutex (opening may take a while with BW_OPEN_VERIFY), then exchanges the
 * pointer under it and drops the live reference to the old graph. The old
 * graph is unmapped by whichever bw_graph_close drops its last reference:
 * the swap's, if no query holds it, or the last query in flight.
 *
 * The mutex is held for a pointer exchange and a counter increment only, so
 * an acquire costs tens of nanoseconds next to a walk's milliseconds; a
 * lock-free scheme (hazard pointers, RCU) would save little and add much. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "boardwalk.h"
#include "bw_graph.h"

struct bw_live {
    pthread_mutex_t lock;   /* guards current */
    pthread_mutex_t swaps;  /* serialises swaps, so generations count them in order */
    bw_graph *current;      /* the live reference */
    _Atomic uint64_t generation;
};

static int live_new(bw_graph *graph, bw_live **out_live) {
    bw_live *l = calloc(1, sizeof *l);
    if (!l) return BW_ENOMEM;
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        free(l);
        return BW_ENOMEM;
    }
    if (pthread_mutex_init(&l->swaps, NULL) != 0) {
        pthread_mutex_destroy(&l->lock);
        free(l);
        return BW_ENOMEM;
    }
    l->current = graph;
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

/* Makes `graph` (whose reference the bw_live now owns) live and drops the
 * live reference to the previous one. */
static void install(bw_live *l, bw_graph *graph) {
    pthread_mutex_lock(&l->lock);
    bw_graph *old = l->current;
    l->current = graph;
    pthread_mutex_unlock(&l->lock);
    atomic_fetch_add_explicit(&l->generation, 1, memory_order_release);
    bw_graph_close(old); /* unmaps only if no query holds it */
}

int bw_live_swap(bw_live *live, const char *path, uint32_t flags, char *out_message,
                 size_t message_capacity) {
    if (!live) return BW_EINVAL;
    pthread_mutex_lock(&live->swaps);
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(path, flags, &g, out_message, message_capacity);
    if (rc == 0) install(live, g);
    pthread_mutex_unlock(&live->swaps);
    return rc;
}

int bw_live_replace(bw_live *live, bw_graph *graph) {
    if (!live || !graph) return BW_EINVAL;
    pthread_mutex_lock(&live->swaps);
    install(live, bw_graph_retain(graph));
    pthread_mutex_unlock(&live->swaps);
    return 0;
}

int bw_live_acquire(bw_live *live, bw_graph **out_graph) {
    if (!out_graph) return BW_EINVAL;
    *out_graph = NULL;
    if (!live) return BW_EINVAL;
    pthread_mutex_lock(&live->lock);
    *out_graph = bw_graph_retain(live->current);
    pthread_mutex_unlock(&live->lock);
    return 0;
}

uint64_t bw_live_generation(const bw_live *live) {
    return live ? atomic_load_explicit(&((bw_live *)live)->generation, memory_order_acquire) : 0;
}

typedef int (*bw_run_fn)(const bw_graph *, const bw_query *, bw_results **);

static int run_on_live(bw_live *live, const bw_query *query, bw_results **out_results, bw_run_fn run) {
    if (out_results) *out_results = NULL;
    if (!live || !query || !out_results) return BW_EINVAL;
    bw_graph *g = NULL;
    int rc = bw_live_acquire(live, &g);
    if (rc) return rc;
    rc = run(g, query, out_results);
    bw_graph_close(g);
    return rc;
}

int bw_live_recommend(bw_live *live, const bw_query *query, bw_results **out_results) {
    return run_on_live(live, query, out_results, bw_recommend);
}

int bw_live_score(bw_live *live, const bw_query *query, bw_results **out_results) {
    return run_on_live(live, query, out_results, bw_score);
}

void bw_live_close(bw_live *live) {
    if (!live) return;
    bw_graph_close(live->current);
    pthread_mutex_destroy(&live->swaps);
    pthread_mutex_destroy(&live->lock);
    free(live);
}
