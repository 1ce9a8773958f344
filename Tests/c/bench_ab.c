/* bench_ab.c - the walk kernel of this tree (B) against the one of another
 * git revision (A), on one graph file, in one process.
 *
 * A shared machine makes absolute steps/s figures vary by 2x from one minute
 * to the next; a ratio measured at the granularity of single queries does
 * not. Both kernels answer the same queries in turn (A B, then B A, ...) on
 * the same mapping of the same file, each with its own context, and the
 * time of each query goes to its kernel's total. Both must return the same
 * results, hit for hit: a sound graph gives the checks nothing to do.
 *
 * Built by bench_ab.sh, which compiles A's kernel (walk.c, and exact.c and
 * results.c once they exist) with its bw_walk_* functions renamed to
 * old_walk_* (so the kernel's interface, bw_internal.h, must be the same in
 * both trees; A's files use their own private bw_walk.h).
 *
 *   bench_ab GRAPH [queries 2000] [steps 100000] [restart 0.5] [seed 1]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_graph.h"

bw_walk_ctx *old_walk_ctx_new(void);
void old_walk_ctx_free(bw_walk_ctx *ctx);
int old_walk_run(const bw_view *g, bw_walk_ctx *ctx, const bw_walk_config *cfg,
                 const bw_walk_source *sources, size_t nsources, const bw_node *exclude,
                 size_t nexclude);
const bw_walk_hit *old_walk_results(const bw_walk_ctx *ctx, size_t *out_count);
uint64_t old_walk_steps_taken(const bw_walk_ctx *ctx);

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t next(uint64_t *s) { /* splitmix64 */
    *s += BW_MIX_GAMMA;
    return bw_mix64(*s);
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ab GRAPH [queries] [steps] [restart] [seed]\n");
        return 2;
    }
    const int queries = argc > 2 ? atoi(argv[2]) : 2000;
    const uint64_t steps = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;
    const double restart = argc > 4 ? atof(argv[4]) : 0.5;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
    char msg[512];
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(argv[1], 0, &g, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "bench_ab: %s\n", msg[0] ? msg : bw_strerror(rc));
        return 1;
    }
    const bw_view *v = &g->view;
    bw_walk_ctx *ca = old_walk_ctx_new(), *cb = bw_walk_ctx_new();
    bw_walk_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.steps = steps;
    cfg.restart = restart;
    cfg.boost = 1;
    cfg.language = cfg.topic = BW_ATTR_ANY;
    cfg.top = 100;
    cfg.popularity_penalty = 0.7;
    cfg.method = BW_METHOD_WALK;
    cfg.exponent = 1.0;
    /* BENCH_CANCEL=1: a cancellation flag (never set), as bw_recommend
     * passes; a kernel that polls it pays for the check here. */
    static int never_cancelled;
    if (getenv("BENCH_CANCEL") && atoi(getenv("BENCH_CANCEL"))) cfg.cancel = &never_cancelled;

    /* Warm both kernels and the page cache over the same pins. */
    const int blocks = 10;
    double ratio[10];
    uint64_t ta = 0, tb = 0, sa = 0, sb = 0, bta = 0, btb = 0, mismatches = 0;
    for (int i = -queries / 10; i < queries; i++) {
        bw_walk_source src = {(bw_node)(next(&seed) % v->pins.count), 0, 1.0};
        cfg.seed = next(&seed);
        uint64_t t[2];
        for (int k = 0; k < 2; k++) {
            const int old = (k == 0) == (i % 2 == 0);
            uint64_t t0 = now_ns();
            int r = old ? old_walk_run(v, ca, &cfg, &src, 1, NULL, 0) : bw_walk_run(v, cb, &cfg, &src, 1, NULL, 0);
            t[old] = now_ns() - t0;
            if (r) {
                fprintf(stderr, "bench_ab: %s kernel: %s\n", old ? "A" : "B", bw_strerror(r));
                return 1;
            }
        }
        size_t na, nb;
        const bw_walk_hit *ha = old_walk_results(ca, &na), *hb = bw_walk_results(cb, &nb);
        if (na != nb) mismatches++;
        else
            for (size_t j = 0; j < na; j++)
                if (ha[j].node != hb[j].node || ha[j].visits != hb[j].visits || ha[j].is_board != hb[j].is_board) {
                    mismatches++;
                    break;
                }
        if (i < 0) continue; /* warm-up */
        ta += t[1];
        tb += t[0];
        bta += t[1];
        btb += t[0];
        sa += old_walk_steps_taken(ca);
        sb += bw_walk_steps_taken(cb);
        if ((i + 1) % (queries / blocks) == 0) {
            ratio[(i + 1) / (queries / blocks) - 1] = (double)bta / (double)btb;
            bta = btb = 0;
        }
    }
    qsort(ratio, blocks, sizeof ratio[0], cmp_double);
    printf("graph %s: %u pins, %u boards, %llu edges; %d one-pin queries of %llu steps, restart %.2f\n", argv[1],
           v->pins.count, v->boards.count, (unsigned long long)v->edges, queries, (unsigned long long)steps, restart);
    printf("A (other revision): %.2fM steps/s\n", (double)sa / ((double)ta * 1e-9) / 1e6);
    printf("B (this tree):      %.2fM steps/s\n", (double)sb / ((double)tb * 1e-9) / 1e6);
    printf("B/A speed: %.3f overall; per block of %d queries: min %.3f, median %.3f, max %.3f\n",
           ((double)sb / (double)tb) / ((double)sa / (double)ta), queries / blocks, ratio[0],
           (ratio[blocks / 2 - 1] + ratio[blocks / 2]) / 2, ratio[blocks - 1]);
    printf("queries whose results differ: %llu\n", (unsigned long long)mismatches);
    old_walk_ctx_free(ca);
    bw_walk_ctx_free(cb);
    bw_graph_close(g);
    return mismatches ? 1 : 0;
}
