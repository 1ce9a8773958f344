/* test_swap.c - hot swap and many readers, through the C ABI.
 *
 *   test_swap GRAPH_A GRAPH_B [SWAPS [THREADS]]
 *     GRAPH_A, GRAPH_B  two graphs that both hold the query pin below but
 *                       give it different recommendations (the driver
 *                       builds the sample graph, and the sample pruned to
 *                       two boards per pin)
 *     SWAPS             swaps in the load test (default 1000)
 *     THREADS           query threads (default 4)
 *
 * 1. Load: THREADS threads query a bw_live without pause while the main
 *    thread swaps it between A and B SWAPS times, with failed swaps (a
 *    missing file, a truncated file) mixed in. Every query must succeed and
 *    return exactly what a direct query of the graph it ran on returns.
 * 2. Lifetime: a graph acquired before a swap stays mapped and usable; it is
 *    unmapped when that last reference is dropped.
 * 3. Resources: after the load test and bw_live_close, the process has the
 *    same open files and no mapping of either graph; resident memory grew
 *    by less than 32 MiB over the swaps (leaks are also LeakSanitizer's
 *    job when this is built with -fsanitize=address).
 * 4. Many readers: 500 handles of one file open at once in this process,
 *    and 64 child processes opening and querying it at the same time. With
 *    no LMDB reader table (MDB_NOLOCK) there is no slot to run out of.
 *
 * Prints failed CHECKs with file:line, then `swap: N passed, M failed` and
 * the counts; exits 1 on any failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <boardwalk.h>

#include "check.h"


static const uint64_t query_pin = 7136620868348139334ull; /* in Graphs/sample */

typedef struct {
    size_t n;
    uint64_t ids[64];
    double scores[64];
} answer;

static bw_query *make_query(void) {
    bw_query *q = NULL;
    if (bw_query_new(&q)) return NULL;
    bw_query_add_pin(q, query_pin, 1.0);
    bw_query_set_seed(q, 99);
    bw_query_set_steps(q, 20000);
    bw_query_set_top(q, 64);
    return q;
}

static int to_answer(const bw_results *r, answer *out) {
    out->n = bw_results_count(r);
    if (out->n > 64) return -1;
    for (size_t i = 0; i < out->n; i++) {
        if (bw_results_get(r, i, &out->ids[i], &out->scores[i], NULL)) return -1;
    }
    return 0;
}

static int same_answer(const answer *a, const answer *b) {
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (a->ids[i] != b->ids[i] || a->scores[i] != b->scores[i]) return 0;
    }
    return 1;
}

static const char *path_a, *path_b;
static answer expect_a, expect_b;
static bw_query *query;
static atomic_int stop;
static atomic_ullong completed; /* queries finished, all threads */

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1 /* shadow memory and quarantines make RSS meaningless */
#else
#define SANITIZED 0
#endif

typedef struct {
    uint64_t queries, on_a, on_b, failures;
} worker_stats;

/* Queries without pause: acquire + bw_recommend + compare + release, and
 * every other time bw_live_recommend, whose answer must be A's or B's. */
static void *worker(void *arg) {
    bw_live *live = ((void **)arg)[0];
    worker_stats *st = ((void **)arg)[1];
    while (!atomic_load(&stop)) {
        answer got;
        bw_results *r = NULL;
        if (st->queries % 2 == 0) {
            bw_graph *g = NULL;
            if (bw_live_acquire(live, &g) || !g) {
                st->failures++;
                continue;
            }
            int on_a = strcmp(bw_graph_path(g), path_a) == 0;
            if (bw_recommend(g, query, &r) || to_answer(r, &got) ||
                !same_answer(&got, on_a ? &expect_a : &expect_b)) {
                st->failures++;
            }
            if (on_a) st->on_a++; else st->on_b++;
            bw_graph_close(g);
        } else {
            if (bw_live_recommend(live, query, &r) || to_answer(r, &got) ||
                !(same_answer(&got, &expect_a) || same_answer(&got, &expect_b))) {
                st->failures++;
            }
        }
        bw_results_free(r);
        st->queries++;
        atomic_fetch_add(&completed, 1);
    }
    return NULL;
}

static int count_fds(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

/* Lines of /proc/self/maps that map `path`. */
static int count_maps(const char *path) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[4096];
    int n = 0;
    size_t len = strlen(path);
    while (fgets(line, sizeof line, f)) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        size_t l = strlen(line);
        if (l >= len && strcmp(line + l - len, path) == 0) n++;
    }
    fclose(f);
    return n;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "VmRSS: %ld kB", &kib) == 1) break;
    }
    fclose(f);
    return kib;
}

static int answer_of(const char *path, answer *out) {
    bw_graph *g = NULL;
    bw_results *r = NULL;
    int rc = bw_graph_open(path, 0, &g);
    if (!rc) rc = bw_recommend(g, query, &r);
    if (!rc) rc = to_answer(r, out);
    bw_results_free(r);
    bw_graph_close(g);
    return rc;
}

static void load_test(int swaps, int threads, const char *truncated) {
    int fds0 = count_fds();
    bw_live *live = NULL;
    char msg[256] = "";
    if (!CHECK(bw_live_open(path_a, 0, &live, msg, sizeof msg) == 0)) return;
    CHECK(bw_live_generation(live) == 0);

    pthread_t tid[64];
    worker_stats stats[64];
    void *args[64][2];
    memset(stats, 0, sizeof stats);
    for (int t = 0; t < threads; t++) {
        args[t][0] = live;
        args[t][1] = &stats[t];
        pthread_create(&tid[t], NULL, worker, args[t]);
    }
    long rss_warm = 0;
    int bad_swaps_ok = 0, swaps_ok = 0, stalls = 0;
    uint64_t generation = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 1; i <= swaps; i++) {
        const char *next = (i % 2) ? path_b : path_a;
        uint32_t flags = (i % 50 == 0) ? BW_OPEN_VERIFY : 0;
        if (i % 7 == 0) {
            /* An already open graph, made live with bw_live_replace. */
            bw_graph *g = NULL;
            if (bw_graph_open(next, 0, &g) == 0 && bw_live_replace(live, g) == 0) swaps_ok++;
            bw_graph_close(g);
        } else if (bw_live_swap(live, next, flags, msg, sizeof msg) == 0) {
            swaps_ok++;
        }
        generation++;
        if (i % 25 == 0) {
            /* Bad files never replace a good graph. */
            int r1 = bw_live_swap(live, "/nonexistent/graph.bwg", 0, msg, sizeof msg);
            int r2 = bw_live_swap(live, truncated, 0, msg, sizeof msg);
            if (r1 != 0 && r2 != 0 && bw_live_generation(live) == generation) bad_swaps_ok++;
        }
        if (i == swaps / 10) rss_warm = rss_kib();
        /* Let at least one query finish after each swap, so that every
         * swap happens under load (at most 10 s, then the test fails). */
        unsigned long long seen = atomic_load(&completed);
        for (int w = 0; w < 100000 && atomic_load(&completed) == seen; w++) usleep(100);
        if (atomic_load(&completed) == seen) stalls++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    atomic_store(&stop, 1);
    uint64_t queries = 0, on_a = 0, on_b = 0, failures = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(tid[t], NULL);
        queries += stats[t].queries;
        on_a += stats[t].on_a;
        on_b += stats[t].on_b;
        failures += stats[t].failures;
    }
    long rss_end = rss_kib();
    /* The queries have ended and no writer call came after the last swap:
     * the graph it replaced is unmapped all the same (its last query freed
     * it), while the live one stays mapped. */
    const char *now_live = (swaps % 2) ? path_b : path_a, *replaced = (swaps % 2) ? path_a : path_b;
    CHECK(count_maps(replaced) == 0);
    CHECK(count_maps(now_live) > 0);
    CHECK(swaps_ok == swaps);
    CHECK(bad_swaps_ok == swaps / 25);
    CHECK(bw_live_generation(live) == (uint64_t)swaps);
    CHECK(failures == 0);
    CHECK(on_a > 0 && on_b > 0);
    CHECK(stalls == 0 && queries >= (uint64_t)swaps);
    CHECK(SANITIZED || (rss_warm > 0 && rss_end - rss_warm < 32 * 1024));
    bw_live_close(live);
    CHECK(count_fds() == fds0);
    CHECK(count_maps(path_a) == 0 && count_maps(path_b) == 0);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("load: %d swaps (%d failed on purpose) in %.2fs under %d query threads: %llu queries "
           "(%llu acquired on A, %llu on B), %llu failed; RSS %ld -> %ld KiB; open files %d -> %d\n",
           swaps, 2 * (swaps / 25), secs, threads, (unsigned long long)queries,
           (unsigned long long)on_a, (unsigned long long)on_b, (unsigned long long)failures,
           rss_warm, rss_end, fds0, count_fds());
}

static void lifetime_test(void) {
    bw_live *live = NULL;
    char msg[256];
    if (!CHECK(bw_live_open(path_a, 0, &live, msg, sizeof msg) == 0)) return;
    bw_graph *held = NULL;
    CHECK(bw_live_acquire(live, &held) == 0 && held);
    CHECK(bw_live_swap(live, path_b, 0, msg, sizeof msg) == 0);
    /* A is no longer live but is held: still mapped, still answers as A. */
    CHECK(count_maps(path_a) > 0);
    answer got;
    bw_results *r = NULL;
    CHECK(bw_recommend(held, query, &r) == 0 && to_answer(r, &got) == 0 && same_answer(&got, &expect_a));
    bw_results_free(r);
    r = NULL;
    CHECK(bw_live_recommend(live, query, &r) == 0 && to_answer(r, &got) == 0 && same_answer(&got, &expect_b));
    bw_results_free(r);
    bw_graph_close(held); /* the last reference to A */
    CHECK(count_maps(path_a) == 0);
    /* bw_live_close leaves acquired graphs valid. */
    CHECK(bw_live_acquire(live, &held) == 0);
    bw_live_close(live);
    CHECK(count_maps(path_b) > 0);
    r = NULL;
    CHECK(bw_recommend(held, query, &r) == 0 && to_answer(r, &got) == 0 && same_answer(&got, &expect_b));
    bw_results_free(r);
    bw_graph_close(held);
    CHECK(count_maps(path_b) == 0);
    /* NULL handling. */
    CHECK(bw_live_acquire(NULL, &held) == BW_EINVAL && held == NULL);
    CHECK(bw_live_swap(NULL, path_a, 0, NULL, 0) == BW_EINVAL);
    CHECK(bw_live_replace(NULL, NULL) == BW_EINVAL);
    CHECK(bw_live_recommend(NULL, query, &r) == BW_EINVAL && r == NULL);
    CHECK(bw_live_open(path_a, 0, NULL, NULL, 0) == BW_EINVAL);
    CHECK(bw_live_new(NULL, &live) == BW_EINVAL && live == NULL);
    CHECK(bw_live_generation(NULL) == 0);
    CHECK(bw_graph_retain(NULL) == NULL && bw_graph_path(NULL) == NULL);
    bw_live_close(NULL);
    /* bw_live_new takes its own reference. */
    bw_graph *g = NULL;
    CHECK(bw_graph_open(path_a, 0, &g) == 0);
    CHECK(bw_live_new(g, &live) == 0);
    bw_graph_close(g);
    r = NULL;
    CHECK(bw_live_recommend(live, query, &r) == 0 && to_answer(r, &got) == 0 && same_answer(&got, &expect_a));
    bw_results_free(r);
    bw_live_close(live);
    CHECK(count_maps(path_a) == 0);
}

static void many_readers_test(void) {
    enum { HANDLES = 500, CHILDREN = 64 };
    static bw_graph *handles[HANDLES];
    int opened = 0;
    for (int i = 0; i < HANDLES; i++) {
        if (bw_graph_open(path_a, 0, &handles[i]) == 0) opened++;
    }
    CHECK(opened == HANDLES);
    answer got;
    bw_results *r = NULL;
    CHECK(bw_recommend(handles[HANDLES - 1], query, &r) == 0 && to_answer(r, &got) == 0 &&
          same_answer(&got, &expect_a));
    bw_results_free(r);

    /* Children open the file themselves (nothing inherited is used) while
     * the parent still holds its 500 handles. */
    fflush(NULL);
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork();
        if (pids[c] == 0) {
            answer mine;
            int ok = 1;
            for (int k = 0; k < 5 && ok; k++) ok = answer_of(path_a, &mine) == 0 && same_answer(&mine, &expect_a);
            _exit(ok ? 0 : 1);
        }
    }
    int children_ok = 0;
    for (int c = 0; c < CHILDREN; c++) {
        int status = 0;
        if (pids[c] > 0 && waitpid(pids[c], &status, 0) == pids[c] && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0) {
            children_ok++;
        }
    }
    CHECK(children_ok == CHILDREN);
    for (int i = 0; i < HANDLES; i++) bw_graph_close(handles[i]);
    CHECK(count_maps(path_a) == 0);
    printf("readers: %d handles of one file open at once in one process, %d/%d child processes "
           "opened and queried it concurrently\n", opened, children_ok, CHILDREN);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_swap GRAPH_A GRAPH_B [SWAPS [THREADS]]\n");
        return 2;
    }
    path_a = argv[1];
    path_b = argv[2];
    int swaps = argc > 3 ? atoi(argv[3]) : 1000;
    int threads = argc > 4 ? atoi(argv[4]) : 4;
    if (swaps < 50) swaps = 50;
    if (threads < 1 || threads > 64) threads = 4;
    query = make_query();
    if (!CHECK(query != NULL)) return 1;
    CHECK(answer_of(path_a, &expect_a) == 0);
    CHECK(answer_of(path_b, &expect_b) == 0);
    CHECK(expect_a.n > 0 && expect_b.n > 0 && !same_answer(&expect_a, &expect_b));

    /* A truncated copy of A: a swap to it must fail. */
    char truncated[] = "/tmp/boardwalk-swap-truncated-XXXXXX";
    int fd = mkstemp(truncated);
    FILE *in = fopen(path_a, "rb");
    if (CHECK(fd >= 0 && in != NULL)) {
        char buf[8192];
        size_t n = fread(buf, 1, sizeof buf, in);
        CHECK(write(fd, buf, n) == (ssize_t)n);
    }
    if (in) fclose(in);
    if (fd >= 0) close(fd);

    lifetime_test();
    load_test(swaps, threads, truncated);
    many_readers_test();
    unlink(truncated);
    bw_query_free(query);
    return check_summary("swap");
}
