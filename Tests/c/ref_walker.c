/* ref_walker.c - the reference for the walk's speed (issue 19): a minimal
 * interleaved walker over the same graph file, run in the same process as
 * Boardwalk's walk, so that the walk's speed is measured as a ratio to what
 * the memory allows, not remembered.
 *
 *   ref_walker GRAPH [QUERIES [STEPS [RESTART [SEED]]]]
 *              (defaults: 300 queries of 100,000 steps, restart 0.5, seed 1)
 *
 * Each query starts from a pin drawn at random (seeded) and walks STEPS steps
 * (pin -> board -> pin), restarting at the query pin with probability
 * RESTART after each step. Three walkers, one thread each, same queries:
 *   minimal   32 interleaved walkers, each stage of a step prefetching the
 *             next stage's line; no visit counting (arrivals are summed,
 *             so the compiler cannot drop the walk); the arrays copied into
 *             anonymous memory advised MADV_HUGEPAGE;
 *   counting  the same, counting visits in a dense array (reset through a
 *             list of the pins touched);
 *   boardwalk bw_recommend on the file: no early stopping, top 100, the
 *             same restart and steps (its own seeds, so not the same walks).
 * Prints steps/s of each and boardwalk's ratio to each. Built by
 * `make -C Tests/c ref` (the library's sources compiled in). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../../Sources/CBoardwalk/bw_graph.h"
#include "boardwalk.h"

#define LANES 32

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Anonymous memory in huge pages where the kernel gives them. */
static void *huge_alloc(size_t bytes) {
    size_t len = (bytes + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    void *p = mmap(NULL, len ? len : 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return NULL;
    madvise(p, len, MADV_HUGEPAGE);
    return p;
}

typedef struct {
    uint32_t npins, nboards;
    uint64_t *poff, *boff;
    uint32_t *padj, *badj;
} csr;

static int load(const bw_graph *g, csr *c) {
    const bw_side *p = &g->view.pins, *b = &g->view.boards;
    c->npins = p->count;
    c->nboards = b->count;
    c->poff = huge_alloc(((size_t)c->npins + 1) * 8);
    c->boff = huge_alloc(((size_t)c->nboards + 1) * 8);
    c->padj = huge_alloc((size_t)p->adj.count * 4);
    c->badj = huge_alloc((size_t)b->adj.count * 4);
    if (!c->poff || !c->boff || !c->padj || !c->badj) return 1;
    for (uint64_t i = 0; i <= c->npins; i++) c->poff[i] = bw_u64_at(&p->offsets, i);
    for (uint64_t i = 0; i <= c->nboards; i++) c->boff[i] = bw_u64_at(&b->offsets, i);
    for (uint64_t i = 0; i < p->adj.count; i++) c->padj[i] = bw_u32_at(&p->adj, i);
    for (uint64_t i = 0; i < b->adj.count; i++) c->badj[i] = bw_u32_at(&b->adj, i);
    return 0;
}

/* Uniform in [lo, hi) (degrees < 2^32; multiply-shift, bias < 2^-32 * degree). */
static inline uint64_t pick(uint64_t *rng, uint64_t lo, uint64_t hi) {
    return lo + ((splitmix(rng) >> 32) * (hi - lo) >> 32);
}

/* One query: `steps` steps from `home` on LANES interleaved walkers. With
 * `counts`, visits are counted (and the touched pins listed). Returns the
 * sum of arrivals. */
static uint64_t walk(const csr *c, uint32_t home, uint64_t steps, uint64_t restart_thr, uint64_t seed,
                     uint32_t *counts, uint32_t *touched, uint32_t *ntouched) {
    uint64_t rng[LANES], k[LANES];
    uint32_t cur[LANES], brd[LANES];
    for (unsigned w = 0; w < LANES; w++) {
        rng[w] = seed * 0x9E3779B97F4A7C15ull + w;
        cur[w] = home;
    }
    __builtin_prefetch(&c->poff[home]);
    uint64_t sum = 0, done = 0;
    while (done < steps) {
        const unsigned act = steps - done < LANES ? (unsigned)(steps - done) : LANES;
        for (unsigned w = 0; w < act; w++) {
            k[w] = pick(&rng[w], c->poff[cur[w]], c->poff[cur[w] + 1]);
            __builtin_prefetch(&c->padj[k[w]]);
        }
        for (unsigned w = 0; w < act; w++) {
            brd[w] = c->padj[k[w]];
            __builtin_prefetch(&c->boff[brd[w]]);
        }
        for (unsigned w = 0; w < act; w++) {
            k[w] = pick(&rng[w], c->boff[brd[w]], c->boff[brd[w] + 1]);
            __builtin_prefetch(&c->badj[k[w]]);
        }
        for (unsigned w = 0; w < act; w++) {
            const uint32_t p = c->badj[k[w]];
            sum += p;
            if (counts && counts[p]++ == 0) touched[(*ntouched)++] = p;
            cur[w] = splitmix(&rng[w]) < restart_thr ? home : p;
            __builtin_prefetch(&c->poff[cur[w]]);
        }
        done += act;
    }
    return sum;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s GRAPH [QUERIES [STEPS [RESTART [SEED]]]]\n", argv[0]);
        return 2;
    }
    const int queries = argc > 2 ? atoi(argv[2]) : 300;
    const uint64_t steps = argc > 3 ? strtoull(argv[3], NULL, 10) : 100000;
    const double restart = argc > 4 ? atof(argv[4]) : 0.5;
    uint64_t seed = argc > 5 ? strtoull(argv[5], NULL, 10) : 1;
    if (queries < 1 || steps < 1 || !(restart > 0 && restart <= 1)) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    bw_graph *g = NULL;
    char msg[256];
    if (bw_graph_open_ex(argv[1], BW_OPEN_PREFAULT | BW_OPEN_HUGEPAGES, &g, msg, sizeof msg) != 0) {
        fprintf(stderr, "%s\n", msg);
        return 2;
    }
    csr c;
    if (load(g, &c)) {
        fprintf(stderr, "out of memory\n");
        return 2;
    }
    uint32_t *home = malloc((size_t)queries * sizeof *home);
    uint32_t *counts = calloc((size_t)c.npins + 1, sizeof *counts);
    uint32_t *touched = malloc((size_t)(steps + 1) * sizeof *touched);
    if (!home || !counts || !touched) return 2;
    for (int q = 0; q < queries; q++) home[q] = (uint32_t)(splitmix(&seed) % c.npins);
    const uint64_t thr = restart >= 1 ? UINT64_MAX : (uint64_t)(restart * 18446744073709551616.0);

    bw_query *bq = NULL;
    bw_query_new(&bq);
    bw_query_set_steps(bq, steps);
    bw_query_set_restart(bq, restart);
    bw_query_set_early_stop(bq, 0, 0, 0);
    bw_query_set_top(bq, 100);

    /* Three rounds, interleaved, so that the machine's load falls on all. */
    double t_min = 0, t_cnt = 0, t_bw = 0;
    uint64_t sink = 0, bw_steps = 0;
    for (int round = 0; round < 3; round++) {
        double t0 = now_s();
        for (int q = 0; q < queries; q++) sink += walk(&c, home[q], steps, thr, (uint64_t)q + 1, NULL, NULL, NULL);
        double t1 = now_s();
        for (int q = 0; q < queries; q++) {
            uint32_t nt = 0;
            sink += walk(&c, home[q], steps, thr, (uint64_t)q + 1, counts, touched, &nt);
            for (uint32_t i = 0; i < nt; i++) counts[touched[i]] = 0;
        }
        double t2 = now_s();
        for (int q = 0; q < queries; q++) {
            uint64_t id = 0;
            bw_graph_node_id(g, BW_PIN, home[q], &id);
            bw_query_clear(bq);
            bw_query_add_pin(bq, id, 1.0);
            bw_query_set_seed(bq, (uint64_t)q + 1);
            bw_results *r = NULL;
            if (bw_recommend(g, bq, &r) == 0) bw_steps += bw_results_steps(r);
            bw_results_free(r);
        }
        double t3 = now_s();
        t_min += t1 - t0;
        t_cnt += t2 - t1;
        t_bw += t3 - t2;
    }
    const double total = 3.0 * queries * (double)steps;
    const double r_min = total / t_min, r_cnt = total / t_cnt, r_bw = (double)bw_steps / t_bw;
    printf("graph %s: %u pins, %u boards; %d queries x %llu steps, restart %g, 3 rounds (checksum %llu)\n", argv[1],
           c.npins, c.nboards, queries, (unsigned long long)steps, restart, (unsigned long long)(sink & 0xFFFF));
    printf("minimal walker (%d lanes, no counting):  %.2fM steps/s\n", LANES, r_min / 1e6);
    printf("minimal walker, dense visit counts:      %.2fM steps/s\n", r_cnt / 1e6);
    printf("boardwalk (bw_recommend, no early stop): %.2fM steps/s\n", r_bw / 1e6);
    printf("ratio boardwalk/minimal %.3f, boardwalk/counting %.3f\n", r_bw / r_min, r_bw / r_cnt);
    bw_query_free(bq);
    bw_graph_close(g);
    free(home);
    free(counts);
    free(touched);
    return 0;
}
