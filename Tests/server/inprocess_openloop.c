/* inprocess_openloop.c - the in-process side of openloop.c: the same
 * queries at the same fixed rate, answered by THREADS threads calling
 * bw_recommend directly, with latencies counted from when each query was
 * due (Tests/server/bench.sh compares the server's p99 with this one's at
 * the same rate).
 *
 *   inprocess_openloop GRAPH PINS RATE SECONDS THREADS STEPS
 *
 * PINS holds one query pin per line, used in turn; query i is the pin
 * (i mod lines) with STEPS steps, no early stopping and seed i, as the
 * server's load in bench.sh. Query i is due at start + i / RATE; a thread
 * takes the next query when it is free, waits until it is due, runs it. No
 * query is started after SECONDS: a RATE above what the threads can answer
 * measures their maximum (achieved_rate), one at a time with THREADS 1.
 * Prints one JSON object like openloop's, with the process's CPU time per
 * query (user + system, cpu_ms_per_query): on a shared machine, where the
 * share of the cores a process gets varies, the cost of a query that does
 * not depend on it.
 *
 * Build (as Tests/server/bench.sh does): cc -std=c11 -O2 -D_GNU_SOURCE -I Sources/CBoardwalk/include
 * -o inprocess_openloop Tests/server/inprocess_openloop.c, the library's .c files, -llmdb -lm -pthread. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "boardwalk.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static void sleep_until(double t) {
    double d = t - now();
    if (d <= 0) return;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

static const bw_graph *graph;
static const uint64_t *pins;
static size_t npins, total;
static double rate, start, end;
static uint64_t steps;
static atomic_size_t next_query, failures, answered;
static double *lat, *svc;

static void *worker(void *arg) {
    (void)arg;
    bw_query *q = NULL;
    if (bw_query_new(&q) != 0) return NULL;
    for (;;) {
        size_t i = atomic_fetch_add(&next_query, 1);
        if (i >= total) break;
        double due = start + (double)i / rate;
        if (due > end || now() > end) break;
        sleep_until(due);
        double began = now();
        bw_query_clear(q);
        int rc = bw_query_set_steps(q, steps);
        if (!rc) rc = bw_query_set_early_stop(q, 0, 0, 0);
        if (!rc) rc = bw_query_set_seed(q, i);
        if (!rc) rc = bw_query_add_pin(q, pins[i % npins], 1.0);
        bw_results *r = NULL;
        if (!rc) rc = bw_recommend(graph, q, &r);
        bw_results_free(r);
        double done = now();
        if (rc) atomic_fetch_add(&failures, 1);
        size_t k = atomic_fetch_add(&answered, 1);
        lat[k] = (done - due) * 1e3;
        svc[k] = (done - began) * 1e3;
    }
    bw_query_free(q);
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double cpu_seconds(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + u.ru_utime.tv_usec * 1e-6 + (double)u.ru_stime.tv_sec + u.ru_stime.tv_usec * 1e-6;
}

static double pct(const double *v, size_t n, double p) {
    if (n == 0) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: inprocess_openloop GRAPH PINS RATE SECONDS THREADS STEPS\n");
        return 2;
    }
    rate = atof(argv[3]);
    const double secs = atof(argv[4]);
    const int nthreads = atoi(argv[5]);
    steps = strtoull(argv[6], NULL, 10);
    if (rate <= 0 || secs <= 0 || nthreads < 1 || nthreads > 256 || steps < 1) {
        fprintf(stderr, "inprocess_openloop: RATE, SECONDS, THREADS (1-256) and STEPS must be positive\n");
        return 2;
    }
    char msg[512] = "";
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(argv[1], BW_OPEN_PREFAULT, &g, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "inprocess_openloop: %s: %s\n", argv[1], msg[0] ? msg : bw_strerror(rc));
        return 1;
    }
    graph = g;
    FILE *f = fopen(argv[2], "r");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    uint64_t *p = NULL;
    unsigned long long id;
    while (fscanf(f, "%llu", &id) == 1) {
        p = realloc(p, (npins + 1) * sizeof *p);
        p[npins++] = id;
    }
    fclose(f);
    if (!npins) {
        fprintf(stderr, "inprocess_openloop: no pins in %s\n", argv[2]);
        return 1;
    }
    pins = p;
    total = (size_t)(rate * secs);
    if (total > 4000000) total = 4000000; /* more than any 2-core machine answers in SECONDS */
    lat = calloc(total + 1, sizeof *lat);
    svc = calloc(total + 1, sizeof *svc);
    pthread_t th[256];
    const double cpu0 = cpu_seconds();
    start = now() + 0.05;
    end = start + secs;
    for (int t = 0; t < nthreads; t++) pthread_create(&th[t], NULL, worker, NULL);
    for (int t = 0; t < nthreads; t++) pthread_join(th[t], NULL);
    const double took = now() - start, cpu = cpu_seconds() - cpu0;
    const size_t n = atomic_load(&answered);
    qsort(lat, n, sizeof *lat, cmp);
    qsort(svc, n, sizeof *svc, cmp);
    printf("{\"rate\": %.1f, \"seconds\": %.1f, \"threads\": %d, \"due\": %zu, \"answered\": %zu, \"errors\": %zu, "
           "\"achieved_rate\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, "
           "\"max_ms\": %.3f, \"service_p50_ms\": %.3f, \"service_p99_ms\": %.3f, \"cpu_ms_per_query\": %.3f}\n",
           rate, secs, nthreads, n, n - atomic_load(&failures), atomic_load(&failures),
           (double)n / (took < secs ? secs : took), pct(lat, n, 0.5), pct(lat, n, 0.9), pct(lat, n, 0.99),
           pct(lat, n, 0.999), n ? lat[n - 1] : 0, pct(svc, n, 0.5), pct(svc, n, 0.99), n ? cpu * 1e3 / (double)n : 0);
    bw_graph_close(g);
    return 0;
}
