/* bench_live.c - live edges: ingest speed with a concurrent query thread,
 * walk speed over base + live against the base alone, and resident memory
 * per live edge.
 *
 *   bench_live GRAPH N_LIVE [BATCH [QUERIES]]
 *     GRAPH    a graph file (e.g. one from `boardwalk generate`)
 *     N_LIVE   live edges to add (generated: 80% between existing pins and
 *              boards, 20% with a new pin; existing ones drawn uniformly)
 *     BATCH    edges per bw_live_add_edges call (default 10000)
 *     QUERIES  walk queries per timing round (default 200)
 *
 * Prints: ingest edges/s (one writer, one thread querying meanwhile), the
 * RSS growth per live edge, and the walk's queries/s on the base alone and
 * on base + live (the same query pins and seeds, alternated rounds, median
 * of 5), with their ratio. The machine may be shared: compare the ratio.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boardwalk.h"

static uint64_t rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return (double)res * (double)sysconf(_SC_PAGESIZE);
}

typedef struct qthread {
    bw_live *live;
    const uint64_t *pins;
    size_t npins;
    atomic_int stop;
    long done;
} qthread;

static void *querier(void *arg) {
    qthread *t = arg;
    bw_query *q;
    bw_query_new(&q);
    bw_query_set_steps(q, 20000);
    uint64_t s = 99;
    while (!atomic_load(&t->stop)) {
        bw_query_clear(q);
        bw_query_add_pin(q, t->pins[rnd(&s) % t->npins], 1.0);
        bw_results *r = NULL;
        if (bw_live_recommend(t->live, q, &r) == 0) t->done++;
        bw_results_free(r);
    }
    bw_query_free(q);
    return NULL;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Queries per second of `n` walks from the given pins. */
static double walk_rate(bw_live *live, bw_graph *g, const uint64_t *qp, size_t n) {
    bw_query *q;
    bw_query_new(&q);
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        bw_query_clear(q);
        bw_query_add_pin(q, qp[i], 1.0);
        bw_query_set_seed(q, i);
        bw_results *r = NULL;
        int rc = live ? bw_live_recommend(live, q, &r) : bw_recommend(g, q, &r);
        if (rc) fprintf(stderr, "query failed: %s\n", bw_strerror(rc));
        bw_results_free(r);
    }
    bw_query_free(q);
    return (double)n / (now_s() - t0);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_live GRAPH N_LIVE [BATCH [QUERIES]]\n");
        return 2;
    }
    const size_t nlive = strtoull(argv[2], NULL, 10);
    const size_t batch = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000;
    const size_t nq = argc > 4 ? strtoull(argv[4], NULL, 10) : 200;
    char msg[512];
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(argv[1], 0, &g, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    uint64_t np = 0, nb = 0, ne = 0;
    bw_graph_stat(g, BW_STAT_PINS, &np);
    bw_graph_stat(g, BW_STAT_BOARDS, &nb);
    bw_graph_stat(g, BW_STAT_EDGES, &ne);
    uint64_t *pids = malloc(np * sizeof *pids), *bids = malloc(nb * sizeof *bids);
    for (uint64_t i = 0; i < np; i++) bw_graph_node_id(g, BW_PIN, (uint32_t)i, &pids[i]);
    for (uint64_t i = 0; i < nb; i++) bw_graph_node_id(g, BW_BOARD, (uint32_t)i, &bids[i]);
    uint64_t maxpin = 0;
    for (uint64_t i = 0; i < np; i++) maxpin = pids[i] > maxpin ? pids[i] : maxpin;
    /* The live edges, generated before timing. */
    uint64_t *lp = malloc(nlive * sizeof *lp), *lb = malloc(nlive * sizeof *lb), *lt = malloc(nlive * sizeof *lt);
    uint64_t s = 1;
    for (size_t i = 0; i < nlive; i++) {
        lp[i] = rnd(&s) % 5 == 0 ? maxpin + 1 + rnd(&s) % (nlive / 8 + 1) : pids[rnd(&s) % np];
        lb[i] = bids[rnd(&s) % nb];
        lt[i] = 1000 + i;
    }
    uint64_t *qp = malloc(nq * sizeof *qp);
    for (size_t i = 0; i < nq; i++) qp[i] = pids[rnd(&s) % np];

    bw_live *live = NULL;
    bw_live_new(g, &live);
    bw_live_set_max_edges(live, nlive * 2 + 1024);
    qthread qt = {live, pids, np, 0, 0};
    pthread_t th;
    const double rss0 = rss_bytes();
    pthread_create(&th, NULL, querier, &qt);
    uint64_t added = 0, dup = 0;
    const double t0 = now_s();
    for (size_t i = 0; i < nlive; i += batch) {
        size_t n = nlive - i < batch ? nlive - i : batch;
        uint64_t a = 0, d = 0;
        rc = bw_live_add_edges(live, lp + i, lb + i, lt + i, n, &a, &d, NULL);
        if (rc) {
            fprintf(stderr, "add failed: %s\n", bw_strerror(rc));
            return 1;
        }
        added += a;
        dup += d;
    }
    const double dt = now_s() - t0;
    atomic_store(&qt.stop, 1);
    pthread_join(th, NULL);
    const double rss1 = rss_bytes();
    uint64_t bytes = 0, newpins = 0;
    bw_live_stat(live, BW_LIVE_STAT_BYTES, &bytes);
    bw_live_stat(live, BW_LIVE_STAT_NEW_PINS, &newpins);
    printf("base: %llu pins, %llu boards, %llu edges\n", (unsigned long long)np, (unsigned long long)nb,
           (unsigned long long)ne);
    printf("ingest: %zu edges (%llu added, %llu duplicates, %llu new pins) in %.2f s: %.0f edges/s, "
           "%ld queries meanwhile\n",
           nlive, (unsigned long long)added, (unsigned long long)dup, (unsigned long long)newpins, dt,
           (double)nlive / dt, qt.done);
    printf("memory: RSS +%.1f MB = %.1f bytes per live edge added (delta's own count: %.1f)\n",
           (rss1 - rss0) / 1e6, (rss1 - rss0) / (double)added, (double)bytes / (double)added);

    /* Freshness: a pin new to the graph, saved to 20 boards of one query
     * pin's neighbourhood (its boards, then its co-pinned pins' boards) in
     * one add call, is in the top 100 of the very next query from that pin. */
    {
        int fresh = 0, tried = 0;
        for (size_t k = 0; k < 20 && tried < 20; k++) {
            const uint64_t qpin = pids[rnd(&s) % np];
            uint64_t nb[4096], bl[20];
            size_t deg = 0, nbl = 0;
            if (bw_graph_node_neighbors(g, BW_PIN, qpin, nb, 4096, &deg) != 0) continue;
            for (size_t i = 0; i < deg && i < 4096 && nbl < 20; i++) bl[nbl++] = nb[i];
            for (size_t i = 0; i < deg && i < 64 && nbl < 20; i++) { /* boards of co-pinned pins */
                uint64_t pins2[64], b2[64];
                size_t n2 = 0, m2 = 0;
                if (bw_graph_node_neighbors(g, BW_BOARD, nb[i], pins2, 64, &n2) != 0) continue;
                for (size_t j = 0; j < n2 && j < 64 && nbl < 20; j++) {
                    if (bw_graph_node_neighbors(g, BW_PIN, pins2[j], b2, 64, &m2) != 0) continue;
                    for (size_t t = 0; t < m2 && t < 64 && nbl < 20; t++) {
                        size_t u = 0;
                        while (u < nbl && bl[u] != b2[t]) u++;
                        if (u == nbl) bl[nbl++] = b2[t];
                    }
                }
            }
            if (nbl < 20) continue;
            tried++;
            const uint64_t newpin = UINT64_MAX - 1 - k;
            uint64_t ps[20];
            for (int i = 0; i < 20; i++) ps[i] = newpin;
            bw_live_add_edges(live, ps, bl, NULL, 20, NULL, NULL, NULL);
            bw_query *q;
            bw_query_new(&q);
            bw_query_add_pin(q, qpin, 1.0);
            bw_results *r = NULL;
            if (bw_live_recommend(live, q, &r) == 0) {
                for (size_t i = 0; i < bw_results_count(r); i++) {
                    uint64_t id;
                    bw_results_get(r, i, &id, NULL, NULL);
                    fresh += id == newpin;
                }
            }
            bw_results_free(r);
            bw_query_free(q);
        }
        printf("freshness: a new pin on 20 boards of a query pin's neighbourhood is in its top 100 "
               "(defaults) in %d of %d trials\n", fresh, tried);
    }

    /* Walk speed: base alone vs base + live, alternated. */
    bw_live *base_only = NULL;
    bw_live_new(g, &base_only);
    double rb[5], rl[5];
    walk_rate(live, g, qp, nq / 4 + 1); /* warm-up */
    walk_rate(base_only, g, qp, nq / 4 + 1);
    for (int k = 0; k < 5; k++) {
        rb[k] = walk_rate(base_only, g, qp, nq);
        rl[k] = walk_rate(live, g, qp, nq);
    }
    qsort(rb, 5, sizeof rb[0], cmp_d);
    qsort(rl, 5, sizeof rl[0], cmp_d);
    printf("walk (100000 steps, defaults): base alone %.1f q/s, base + live %.1f q/s: ratio %.3f\n", rb[2], rl[2],
           rl[2] / rb[2]);
    bw_live_close(base_only);
    bw_live_close(live);
    bw_graph_close(g);
    free(pids), free(bids), free(lp), free(lb), free(lt), free(qp);
    return 0;
}
