/* bench_jni.c GRAPH PIN STEPS QUERIES [WARMUP]: the C side of the Java
 * overhead benchmark (Tests/java/bench_overhead.sh). Does per query what the
 * Java binding's one native call does: a new bw_query with the pin, steps,
 * top and seed, bw_recommend, every result read out, everything freed; seeds
 * cycle through 0..63 as Bench.java's. Prints "c <queries> <seconds>
 * <us/query wall> <us/query CPU of the thread>". */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <boardwalk.h>

static double now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int one(const bw_graph *g, uint64_t pin, uint64_t steps, uint64_t seed, uint64_t *sink) {
    bw_query *q = NULL;
    bw_results *r = NULL;
    int rc = bw_query_new(&q);
    if (!rc) rc = bw_query_set_steps(q, steps);
    if (!rc) rc = bw_query_set_top(q, 100);
    if (!rc) rc = bw_query_set_seed(q, seed);
    if (!rc) rc = bw_query_add_pin(q, pin, 1.0);
    if (!rc) rc = bw_recommend(g, q, &r);
    for (size_t i = 0; !rc && i < bw_results_count(r); i++) {
        uint64_t id, visits;
        double score;
        int kind;
        rc = bw_results_get(r, i, &id, &score, &visits);
        if (!rc) rc = bw_results_kind(r, i, &kind);
        *sink += id + visits + (uint64_t)kind;
    }
    if (!rc) *sink += bw_results_steps(r);
    bw_results_free(r);
    bw_query_free(q);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: bench_jni GRAPH PIN STEPS QUERIES [WARMUP]\n");
        return 64;
    }
    uint64_t pin = strtoull(argv[2], NULL, 10), steps = strtoull(argv[3], NULL, 10), sink = 0;
    long queries = atol(argv[4]), warmup = argc > 5 ? atol(argv[5]) : 2000;
    bw_graph *g = NULL;
    int rc = bw_graph_open(argv[1], 0, &g);
    for (long i = 0; !rc && i < warmup; i++) rc = one(g, pin, steps, (uint64_t)(i & 63), &sink);
    double c0 = now(CLOCK_THREAD_CPUTIME_ID), t0 = now(CLOCK_MONOTONIC);
    for (long i = 0; !rc && i < queries; i++) rc = one(g, pin, steps, (uint64_t)(i & 63), &sink);
    double s = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_THREAD_CPUTIME_ID) - c0;
    bw_graph_close(g);
    if (rc) {
        fprintf(stderr, "bench_jni: %s\n", bw_strerror(rc));
        return 1;
    }
    printf("c %ld %.6f %.3f %.3f\n", queries, s, s * 1e6 / (double)queries, cpu * 1e6 / (double)queries);
    return sink == 42 ? 2 : 0;
}
