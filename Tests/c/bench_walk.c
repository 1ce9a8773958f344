/* bench_walk.c - throughput and latency of the walk kernel on a generated
 * power-law bipartite graph held in memory. Usage: bench_walk pins boards edges seed [alpha] */
#define _DEFAULT_SOURCE /* clock_gettime, madvise(MADV_HUGEPAGE) */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "boardwalk.h"
#include "bw_internal.h"
#include "testgraph.h"

/* Only for the report: walk.c's default unless the Makefile passes LANES. */
#ifndef BW_WALK_LANES
#define BW_WALK_LANES 32
#endif

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* BENCH_HUGEPAGES=1: move the four hot arrays to 2 MiB-page memory, to see
 * how much of a step's cost is TLB misses (an LMDB map uses 4 KiB pages). */
static void to_huge_pages(tg_graph *g, int slot, const bw_chunked *c) {
#ifdef MADV_HUGEPAGE
    const size_t align = (size_t)2 << 20;
    size_t bytes = (size_t)(c->count * c->elem_size);
    size_t len = (bytes + align - 1) & ~(align - 1);
    uint8_t *m = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return;
    uint8_t *q = (uint8_t *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
    madvise(q, len, MADV_HUGEPAGE);
    uint64_t per = c->mask + 1, n = (c->count + per - 1) / per;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t k = c->count - i * per < per ? c->count - i * per : per;
        memcpy(q + i * per * c->elem_size, g->chunk_tab[slot][i], (size_t)(k * c->elem_size));
        g->chunk_tab[slot][i] = q + i * per * c->elem_size; /* the mapping lives until exit */
    }
#else
    (void)g, (void)slot, (void)c;
#endif
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static uint32_t random_pin(const tg_graph *g, uint64_t *rs) {
    for (;;) {
        uint32_t p = (uint32_t)(tg_rand(rs) % g->npins);
        if (tg_pdeg(g, p) > 0) return p;
    }
}

/* Runs `queries` single-pin queries; prints p50/p99 latency, mean steps/s. */
static void latency(const char *name, const tg_graph *g, bw_walk_ctx *ctx, bw_walk_config c, int queries,
                    uint64_t seed) {
    double *t = malloc((size_t)queries * sizeof *t);
    uint64_t rs = seed, steps = 0;
    double total = 0.0;
    for (int i = 0; i < queries; i++) {
        bw_walk_source s = {random_pin(g, &rs), 0, 1.0};
        c.seed = (uint64_t)i;
        double a = now_s();
        if (bw_walk_run(&g->v, ctx, &c, &s, 1, NULL, 0) != 0) {
            fprintf(stderr, "walk failed\n");
            exit(1);
        }
        t[i] = now_s() - a;
        total += t[i];
        steps += bw_walk_steps_taken(ctx);
    }
    qsort(t, (size_t)queries, sizeof *t, cmp_double);
    printf("| %-34s | %9.2f | %9.2f | %9.2f | %10.0f | %8.2f |\n", name, t[queries / 2] * 1e3,
           t[(size_t)((double)queries * 0.99)] * 1e3, t[queries - 1] * 1e3,
           (double)steps / (double)queries, (double)steps / total / 1e6);
    free(t);
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: %s pins boards edges seed [alpha]\n", argv[0]);
        return 2;
    }
    uint32_t npins = (uint32_t)strtoul(argv[1], NULL, 10);
    uint32_t nboards = (uint32_t)strtoul(argv[2], NULL, 10);
    uint64_t nedges = strtoull(argv[3], NULL, 10);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    double alpha = argc > 5 ? strtod(argv[5], NULL) : 0.5;
    if (npins == 0 || nboards == 0 || nedges == 0 || !(alpha > 0.0 && alpha <= 1.0)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }

    double t0 = now_s();
    uint64_t ne;
    uint32_t *e = tg_powerlaw_edges(npins, nboards, nedges, seed, &ne);
    tg_graph g;
    tg_build(&g, npins, nboards, e, ne, NULL, NULL, 1ull << 26);
    free(e);
    double tgen = now_s() - t0;
    const char *huge = getenv("BENCH_HUGEPAGES");
    if (huge && huge[0] == '1') {
        to_huge_pages(&g, 1, &g.v.pins.offsets);
        to_huge_pages(&g, 2, &g.v.pins.adj);
        to_huge_pages(&g, 5, &g.v.boards.offsets);
        to_huge_pages(&g, 6, &g.v.boards.adj);
        printf("graph arrays moved to transparent huge pages\n");
    }
    printf("graph: %u pins, %u boards, %llu edges (max degree pin %u, board %u), built in %.1f s\n",
           g.npins, g.nboards, (unsigned long long)g.nedges, g.v.pins.max_degree, g.v.boards.max_degree,
           tgen);
    printf("lanes: %d, alpha %.2f\n\n", BW_WALK_LANES, alpha);

    bw_walk_ctx *ctx = bw_walk_ctx_new();
    bw_walk_config c;
    memset(&c, 0, sizeof c);
    c.restart = alpha;
    c.language = BW_ATTR_ANY;
    c.topic = BW_ATTR_ANY;
    c.top = 100;
    /* BENCH_CANCEL=1: walks poll a (never set) cancellation flag, as every
     * walk through bw_recommend does, to measure what polling costs. */
    static int never_cancelled;
    if (getenv("BENCH_CANCEL") && atoi(getenv("BENCH_CANCEL"))) c.cancel = &never_cancelled;
    printf("cancellation flag: %s\n\n", c.cancel ? "polled" : "none");

    /* Throughput: long single-source walks. */
    uint64_t rs = seed ^ 0xBE7C4;
    const uint64_t long_steps = 20000000;
    printf("| %-34s | %12s | %12s |\n", "long walks (20M steps, 1 source)", "seconds", "Msteps/s");
    printf("|------------------------------------|--------------|--------------|\n");
    for (int variant = 0; variant < 3; variant++) {
        c.steps = long_steps;
        c.include_boards = variant == 1;
        double tot = 0.0;
        uint64_t steps = 0;
        bw_walk_source s[8];
        for (int r = 0; r < 3; r++) {
            size_t ns = variant == 2 ? 8 : 1;
            for (size_t k = 0; k < ns; k++) {
                s[k].node = random_pin(&g, &rs);
                s[k].is_board = 0;
                s[k].weight = 1.0;
            }
            c.seed = (uint64_t)r;
            c.boost = variant == 2;
            double a = now_s();
            if (bw_walk_run(&g.v, ctx, &c, s, ns, NULL, 0) != 0) return 1;
            tot += now_s() - a;
            steps += bw_walk_steps_taken(ctx);
        }
        const char *name = variant == 0 ? "pins only" : variant == 1 ? "include_boards" : "8 sources, boost";
        printf("| %-34s | %12.2f | %12.2f |\n", name, tot, (double)steps / tot / 1e6);
    }
    c.include_boards = 0;
    c.boost = 0;

    printf("\n| %-34s | %9s | %9s | %9s | %10s | %8s |\n", "100k-step queries from random pins",
           "p50 ms", "p99 ms", "max ms", "avg steps", "Msteps/s");
    printf("|------------------------------------|-----------|-----------|-----------|------------|----------|\n");
    c.steps = 100000;
    latency("no early stop", &g, ctx, c, 2000, seed + 1);
    c.early_stop = 1;
    c.np = 2000;
    c.nv = 4;
    latency("early stop np=2000 nv=4", &g, ctx, c, 2000, seed + 2);
    c.np = 500;
    c.nv = 4;
    latency("early stop np=500 nv=4", &g, ctx, c, 2000, seed + 3);
    bw_walk_ctx_free(ctx);
    tg_free(&g);
    return 0;
}
