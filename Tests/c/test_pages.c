/* test_pages.c - huge pages (pages.c): bw_graph_huge_pages, BW_OPEN_PREFAULT,
 * BW_OPEN_HUGEPAGES by each of its paths, and the walk's aligned mapping.
 *
 *   test_pages GRAPH      (a graph of several MiB, so that huge pages apply)
 *
 * Compiled with the library's sources and -DBW_PAGES_TEST, which lets the
 * test skip steps of BW_OPEN_HUGEPAGES so that every path runs on any
 * machine: the page cache refilled, the anonymous copy, and the fallback to
 * 4 KiB pages. On every path the graph must answer exactly as when opened
 * without the flag, and pass verification. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../Sources/CBoardwalk/bw_graph.h"
#include "boardwalk.h"
#include "check.h"

extern int bw_pages_test_skip, bw_pages_test_remap;

#define QUERIES 12
#define TOP 50

/* The results of QUERIES fixed queries (walk, then exact), flattened. */
typedef struct {
    uint64_t id[2 * QUERIES][TOP];
    double score[2 * QUERIES][TOP];
    size_t n[2 * QUERIES];
} answers;

static void answer(const bw_graph *g, answers *a) {
    memset(a, 0, sizeof *a);
    uint64_t pins = 0;
    bw_graph_stat(g, BW_STAT_PINS, &pins);
    bw_query *q = NULL;
    if (!CHECK(bw_query_new(&q) == 0)) return;
    bw_query_set_steps(q, 20000);
    bw_query_set_top(q, TOP);
    for (int k = 0; k < 2 * QUERIES; k++) {
        uint64_t id = 0;
        bw_graph_node_id(g, BW_PIN, (uint32_t)(((uint64_t)(k % QUERIES) * 7919u) % pins), &id);
        bw_query_clear(q);
        bw_query_set_method(q, k < QUERIES ? BW_METHOD_WALK : BW_METHOD_EXACT);
        bw_query_set_seed(q, (uint64_t)k);
        bw_query_add_pin(q, id, 1.0);
        bw_results *r = NULL;
        if (!CHECK(bw_recommend(g, q, &r) == 0)) continue;
        a->n[k] = bw_results_count(r);
        for (size_t i = 0; i < a->n[k] && i < TOP; i++) {
            uint64_t visits = 0;
            bw_results_get(r, i, &a->id[k][i], &a->score[k][i], &visits);
        }
        bw_results_free(r);
    }
    bw_query_free(q);
}

static int thp_enabled(void) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f) return 0;
    char buf[128] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* Opens `path` with `flags` and the given test skips, checks the method it
 * reports against `want` (-1: any that got huge pages), the answers against
 * `ref`, verification, and the huge-page share. */
static void open_and_check(const char *path, uint32_t flags, int skip, int remap, int want, const answers *ref,
                           const char *label) {
    bw_pages_test_skip = skip;
    bw_pages_test_remap = remap;
    bw_graph *g = NULL;
    char msg[256];
    int rc = bw_graph_open_ex(path, flags, &g, msg, sizeof msg);
    bw_pages_test_skip = bw_pages_test_remap = 0;
    if (!CHECK(rc == 0)) {
        fprintf(stderr, "%s: %s\n", label, msg);
        return;
    }
    uint64_t method = 99, copied = 0, file_bytes = 0;
    CHECK(bw_graph_stat(g, BW_STAT_HUGE_PAGE_METHOD, &method) == 0);
    bw_graph_stat(g, BW_STAT_COPIED_BYTES, &copied);
    bw_graph_stat(g, BW_STAT_FILE_BYTES, &file_bytes);
    if (want >= 0) {
        if (!CHECK(method == (uint64_t)want)) fprintf(stderr, "%s: method %llu, expected %d\n", label, (unsigned long long)method, want);
    } else {
        if (!CHECK(method == BW_HUGE_ALREADY || method == BW_HUGE_REFILLED || method == BW_HUGE_COPIED))
            fprintf(stderr, "%s: method %llu\n", label, (unsigned long long)method);
    }
    /* The copy holds every array: nearly the whole file. */
    if (method == BW_HUGE_COPIED) CHECK(copied >= file_bytes / 2);
    else CHECK(copied < file_bytes / 2);
    /* The walk reads a 2 MiB-aligned mapping (or the copy, aligned too). */
    const uint8_t *walked = g->huge_copy ? g->huge_copy : g->walk_map ? g->walk_map : g->map_addr;
    CHECK(((uintptr_t)walked & ((2u << 20) - 1)) == 0);
    if (remap) CHECK(g->walk_map != NULL && g->walk_map != g->map_addr);

    double share = -1;
    uint64_t resident = 0, huge = 0;
    rc = bw_graph_huge_pages(g, &share, &resident, &huge);
    CHECK(rc == 0 || rc == BW_ENODATA);
    CHECK(share >= 0.0 && share <= 1.0 && huge <= resident);
    if (flags & (BW_OPEN_PREFAULT | BW_OPEN_HUGEPAGES)) {
        /* Faulted in whole: (nearly) everything is resident. */
        if (!CHECK(rc == 0 && resident >= file_bytes * 9 / 10))
            fprintf(stderr, "%s: %llu of %llu bytes resident\n", label, (unsigned long long)resident,
                    (unsigned long long)file_bytes);
    }
    /* Where BW_OPEN_HUGEPAGES says it got huge pages, they are there. */
    if (method == BW_HUGE_ALREADY || method == BW_HUGE_REFILLED || method == BW_HUGE_COPIED) {
        if (!CHECK(share >= 0.9)) fprintf(stderr, "%s: method %llu but share %.3f\n", label, (unsigned long long)method, share);
    }

    answers got;
    answer(g, &got);
    CHECK(memcmp(got.n, ref->n, sizeof got.n) == 0);
    CHECK(memcmp(got.id, ref->id, sizeof got.id) == 0);
    CHECK(memcmp(got.score, ref->score, sizeof got.score) == 0);
    CHECK(bw_graph_verify(g, msg, sizeof msg) == 0);
    bw_graph_close(g);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s GRAPH\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    bw_graph *g = NULL;
    if (bw_graph_open(path, 0, &g) != 0) {
        fprintf(stderr, "cannot open %s\n", path);
        return 2;
    }
    uint64_t file_bytes = 0, method = 99;
    bw_graph_stat(g, BW_STAT_FILE_BYTES, &file_bytes);
    CHECK(file_bytes >= (4u << 20)); /* else huge pages cannot apply: a test setup error */
    CHECK(bw_graph_stat(g, BW_STAT_HUGE_PAGE_METHOD, &method) == 0 && method == BW_HUGE_NOT_ASKED);
    answers *ref = malloc(sizeof *ref);
    if (!ref) return 2;
    answer(g, ref);
    CHECK(ref->n[0] > 0 && ref->n[QUERIES] > 0);
    /* NULL outputs are allowed; a NULL graph is BW_EINVAL with zeroed outputs. */
    double share = 5;
    CHECK(bw_graph_huge_pages(g, NULL, NULL, NULL) == 0 || bw_graph_huge_pages(g, NULL, NULL, NULL) == BW_ENODATA);
    CHECK(bw_graph_huge_pages(NULL, &share, NULL, NULL) == BW_EINVAL && share == 0.0);
    bw_graph_close(g);
    CHECK(bw_graph_open(path, 0x80u, &g) == BW_EINVAL && g == NULL); /* unknown flag */

    const int thp = thp_enabled();
    open_and_check(path, 0, 0, 0, BW_HUGE_NOT_ASKED, ref, "plain");
    open_and_check(path, 0, 0, 1, BW_HUGE_NOT_ASKED, ref, "plain, mapped again at an aligned address");
    open_and_check(path, BW_OPEN_PREFAULT, 0, 0, BW_HUGE_NOT_ASKED, ref, "prefault");
    open_and_check(path, BW_OPEN_HUGEPAGES, 0, 0, thp ? -1 : BW_HUGE_UNAVAILABLE, ref, "huge pages");
    /* Step 1 skipped: the page cache is refilled (or, on a file system
     * without large folios, the arrays are copied). */
    open_and_check(path, BW_OPEN_HUGEPAGES, 1, 0, thp ? -1 : BW_HUGE_UNAVAILABLE, ref, "huge pages, refill");
    open_and_check(path, BW_OPEN_HUGEPAGES, 1 | 2, 0, thp ? BW_HUGE_COPIED : BW_HUGE_UNAVAILABLE, ref, "huge pages, copy");
    open_and_check(path, BW_OPEN_HUGEPAGES | BW_OPEN_PREFAULT, 1 | 2, 1, thp ? BW_HUGE_COPIED : BW_HUGE_UNAVAILABLE, ref,
                   "huge pages, copy from the second mapping");
    open_and_check(path, BW_OPEN_HUGEPAGES, 1 | 2 | 4, 0, BW_HUGE_UNAVAILABLE, ref, "huge pages, none available");
    if (!thp) printf("note: transparent huge pages are off here: only the fallback was checked for huge pages\n");
    free(ref);
    return check_summary("test_pages");
}
