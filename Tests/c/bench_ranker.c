/* bench_ranker.c - what a learned ranker adds to a query: each query runs
 * three ways in turn, in one process, on the same walk (same seed): the
 * walk keeping its best N candidates (A), the same with their features
 * (B), and the walk + ranker scoring those N and returning 10 (C). B - A
 * is the features' cost, C - A the ranker's (features, model, ordering),
 * reported as medians of per-query differences and as ratios to A, so a
 * loaded machine shifts them together; and the model alone: the time
 * the model takes to score the N feature rows of B, per query.
 *
 *   bench_ranker GRAPH MODEL [QUERIES [STEPS [N]]]
 * Queries are the pins of boards of the graph (a user's items, as eval
 * queries), boards taken in index order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <boardwalk.h>

/* ranker.c's batch scoring (what a query uses; the sources are compiled in). */
void bw_ranker_eval_rows(const bw_ranker *r, const double *features, size_t n, double *out);

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_ranker GRAPH MODEL [QUERIES [STEPS [N]]]\n");
        return 64;
    }
    const int queries = argc > 3 ? atoi(argv[3]) : 500;
    const uint64_t steps = argc > 4 ? strtoull(argv[4], NULL, 10) : 100000;
    const uint32_t n = argc > 5 ? (uint32_t)atoi(argv[5]) : 500;
    char msg[1024];
    bw_graph *g = NULL;
    bw_ranker *rk = NULL;
    if (bw_graph_open_ex(argv[1], BW_OPEN_PREFAULT, &g, msg, sizeof msg) != 0 ||
        bw_ranker_open(argv[2], &rk, msg, sizeof msg) != 0) {
        fprintf(stderr, "bench_ranker: %s\n", msg);
        return 1;
    }
    uint64_t nboards = 0;
    bw_graph_stat(g, BW_STAT_BOARDS, &nboards);
    double *ta = malloc(queries * sizeof *ta), *tb = malloc(queries * sizeof *tb), *tc = malloc(queries * sizeof *tc);
    double *db = malloc(queries * sizeof *db), *dc = malloc(queries * sizeof *dc);
    uint64_t *pins = malloc(100000 * sizeof *pins);
    int done = 0;
    double exact_share = 0;
    double *tm = malloc(queries * sizeof *tm);
    double *rows = malloc((size_t)n * BW_FEATURE_COUNT * sizeof *rows);
    for (int i = 0; i < queries; i++) {
        uint64_t board;
        size_t np = 0;
        bw_graph_node_id(g, BW_BOARD, (uint32_t)(i % nboards), &board);
        bw_graph_node_neighbors(g, BW_BOARD, board, pins, 100000, &np);
        bw_query *q[3];
        for (int k = 0; k < 3; k++) {
            bw_query_new(&q[k]);
            for (size_t j = 0; j < np && j < 100000; j++) bw_query_add_pin(q[k], pins[j], 1.0);
            bw_query_set_steps(q[k], steps);
            bw_query_set_seed(q[k], (uint64_t)i);
            bw_query_set_top(q[k], k == 2 ? 10 : n);
        }
        bw_query_set_features(q[1], 1);
        bw_query_set_ranker(q[2], rk, n);
        double t[3];
        int ok = 1;
        for (int k = 0; k < 3; k++) {
            bw_results *r = NULL;
            const double t0 = now_ms();
            ok &= bw_recommend(g, q[k], &r) == 0;
            t[k] = now_ms() - t0;
            if (k == 1 && ok && bw_results_count(r) > 0) {
                const size_t m = bw_results_count(r);
                for (size_t j = 0; j < m; j++) bw_results_features(r, j, rows + j * BW_FEATURE_COUNT, BW_FEATURE_COUNT);
                exact_share += rows[BW_FEATURE_EXACT_COMPUTED];
                double sink = 0, out[100000];
                const double t1 = now_ms();
                for (int rep = 0; rep < 10; rep++) {
                    bw_ranker_eval_rows(rk, rows, m, out);
                    sink += out[0];
                }
                tm[done] = (now_ms() - t1) / 10 * (double)n / (double)m + (sink == 12345.678 ? 1 : 0);
            }
            bw_results_free(r);
            bw_query_free(q[k]);
        }
        if (!ok) continue;
        ta[done] = t[0];
        tb[done] = t[1];
        tc[done] = t[2];
        db[done] = t[1] - t[0];
        dc[done] = t[2] - t[0];
        done++;
    }
    const double ma = median(ta, done), mb = median(tb, done), mc = median(tc, done);
    printf("queries %d, steps %llu, candidates %u; exact_score computed for %.0f%% of queries\n", done,
           (unsigned long long)steps, n, 100.0 * exact_share / (done ? done : 1));
    printf("walk alone (top %u)      median %.3f ms\n", n, ma);
    printf("walk + features          median %.3f ms (x%.3f); per-query difference median %+.3f ms\n", mb, mb / ma,
           median(db, done));
    printf("walk + ranker (top 10)   median %.3f ms (x%.3f); per-query difference median %+.3f ms\n", mc, mc / ma,
           median(dc, done));
    printf("the model alone          median %.3f ms for %u rows\n", median(tm, done), n);
    free(tm), free(rows), free(ta), free(tb), free(tc), free(db), free(dc), free(pins);
    bw_ranker_close(rk);
    bw_graph_close(g);
    return 0;
}
