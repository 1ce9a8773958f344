/* fuzz_graph.c - libFuzzer target: the input bytes are a graph file.
 *
 * Each input is written to a memory file and opened twice, without and with
 * BW_OPEN_VERIFY. Whatever opens is queried through every reading function
 * of the C ABI: statistics, build info, node lookups by index and by id
 * (in range and out of it), neighbours, titles, attributes, attribute names
 * and codes, degree quantiles, full verification; and every graph that opens,
 * verified or not, is walked and exact-scored (bw_recommend and bw_score,
 * plain, biased, from boards, with boards in the results, by the walk and by
 * the exact method), with small step budgets and fixed seeds. Nothing may
 * crash, hang, leak or read out of bounds, a damaged graph may only answer
 * BW_ECORRUPT or a bounded result, and the two opens must agree: a file
 * opens with BW_OPEN_VERIFY exactly when it opens without and then passes
 * bw_graph_verify.
 *
 * Checksums are no defence against a crafted file (anyone can recompute
 * them), and a mutation almost never keeps them right, so each input is
 * also tried a second time with its checksums repaired: the meta record's
 * (so that mutated counts, sizes and flags reach the checks behind it) and
 * then every array's (so that mutated arrays reach verification's structure
 * checks, the lookups and, when they pass, the walk).
 *
 * Walks run on unverified graphs too: the library promises that every
 * operation on a file that opens is memory-safe ("Trust" in boardwalk.h), so
 * that a host need not pay for BW_OPEN_VERIFY to be safe from a crash.
 *
 * Build and run: Tests/fuzz/run.sh. The library's sources are compiled in
 * (the checksum repair reads the open graph's internals).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, memmem */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boardwalk.h"
#include "bw_graph.h"

static int file_fd = -1;
static char file_path[64];

/* A broken promise of the library: stop here, so libFuzzer keeps the input. */
#define EXPECT(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "fuzz_graph: %s:%d: expectation failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                                  \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    /* A memory file: no disk traffic, and nothing left behind. */
    file_fd = memfd_create("fuzz_graph", MFD_CLOEXEC);
    if (file_fd >= 0) {
        snprintf(file_path, sizeof file_path, "/proc/self/fd/%d", file_fd);
    } else {
        snprintf(file_path, sizeof file_path, "/tmp/fuzz_graph.%ld.bwg", (long)getpid());
    }
    return 0;
}

static void write_graph(const uint8_t *data, size_t size) {
    if (file_fd < 0) {
        FILE *f = fopen(file_path, "wb");
        EXPECT(f != NULL);
        EXPECT(fwrite(data, 1, size, f) == size);
        EXPECT(fclose(f) == 0);
        return;
    }
    EXPECT(ftruncate(file_fd, 0) == 0);
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(file_fd, data + done, size - done, (off_t)done);
        EXPECT(n > 0);
        done += (size_t)n;
    }
}

/* Codes bw_graph_open may return for a file that exists and is readable. */
static int open_code_ok(int rc) {
    return rc == 0 || rc == BW_ENOTGRAPH || rc == BW_EVERSION || rc == BW_ECORRUPT;
}

static int open_graph(uint32_t flags, bw_graph **out) {
    char msg[512];
    memset(msg, 'x', sizeof msg);
    int rc = bw_graph_open_ex(file_path, flags, out, msg, sizeof msg);
    EXPECT(open_code_ok(rc));
    EXPECT(memchr(msg, '\0', sizeof msg) != NULL);
    EXPECT((rc == 0) == (*out != NULL));
    if (rc != 0) EXPECT(msg[0] != '\0');
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Lookups: safe on every graph that opens                                    */

static uint64_t stat_of(const bw_graph *g, int what) {
    uint64_t v = 0;
    EXPECT(bw_graph_stat(g, what, &v) == 0);
    return v;
}

static void lookup_node(const bw_graph *g, int kind, uint32_t index, int verified) {
    uint64_t id = 0, degree = 0, ids[16];
    uint32_t back = 0, lang = 0, topic = 0;
    size_t count = 0, len = 0;
    const char *title = NULL;
    int rc = bw_graph_node_id(g, kind, index, &id);
    uint64_t n = stat_of(g, kind == BW_PIN ? BW_STAT_PINS : BW_STAT_BOARDS);
    EXPECT((rc == 0) == (index < n));
    if (rc != 0) {
        EXPECT(rc == BW_ERANGE);
        id = (uint64_t)index * BW_MIX_GAMMA; /* most likely not an id */
    }
    rc = bw_graph_node_index(g, kind, id, &back);
    EXPECT(rc == 0 || rc == BW_ENOTFOUND);
    if (rc == 0) EXPECT(back < n);
    /* Ids ascend in a verified graph: the search finds every one. */
    if (verified && index < n) EXPECT(rc == 0 && back == index);
    if (rc != 0) return;
    rc = bw_graph_node_degree(g, kind, id, &degree);
    EXPECT(rc == 0 || (!verified && rc == BW_ECORRUPT));
    rc = bw_graph_node_neighbors(g, kind, id, ids, 16, &count);
    EXPECT(rc == 0 || (!verified && rc == BW_ECORRUPT));
    if (rc == 0 && verified) {
        EXPECT(count == degree && count >= 1);
        for (size_t i = 0; i < count && i < 16; i++) {
            uint32_t other;
            EXPECT(bw_graph_node_index(g, kind == BW_PIN ? BW_BOARD : BW_PIN, ids[i], &other) == 0);
        }
    }
    rc = bw_graph_node_neighbors(g, kind, id, NULL, 0, &count);
    EXPECT(rc == 0 || (!verified && rc == BW_ECORRUPT));
    rc = bw_graph_node_title(g, kind, id, &title, &len);
    EXPECT(rc == 0 || rc == BW_ENODATA || rc == BW_ECORRUPT);
    if (rc == 0 && len > 0) {
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < len; i++) sum += (uint8_t)title[i]; /* every byte readable */
        (void)sum;
    }
    rc = bw_graph_node_attributes(g, kind, id, &lang, &topic);
    EXPECT(rc == 0);
}

static void lookup_attributes(const bw_graph *g) {
    for (int attr = BW_ATTR_LANGUAGE; attr <= BW_ATTR_TOPIC; attr++) {
        for (uint32_t code = 0; code < 6; code++) {
            const char *name = NULL;
            size_t len = 0;
            int rc = bw_graph_attribute_name(g, attr, code, &name, &len);
            EXPECT(rc == 0 || rc == BW_ERANGE || rc == BW_ENODATA);
            if (rc != 0) break;
            char buf[256];
            if (len >= sizeof buf || memchr(name, '\0', len)) continue;
            memcpy(buf, name, len);
            buf[len] = '\0';
            uint32_t back = UINT32_MAX;
            EXPECT(bw_graph_attribute_code(g, attr, buf, &back) == 0);
            EXPECT(back <= code); /* the first code with this name */
        }
        const char *name;
        size_t len;
        int rc = bw_graph_attribute_name(g, attr, 0xFFFFFFFFu, &name, &len);
        EXPECT(rc == BW_ERANGE || rc == BW_ENODATA);
        uint32_t code;
        rc = bw_graph_attribute_code(g, attr, "no such value \x01", &code);
        EXPECT(rc == BW_ENOTFOUND || rc == BW_ENODATA);
    }
}

static void lookups(const bw_graph *g, int verified) {
    for (int what = 0; what <= BW_STAT_WATERMARK + 1; what++) {
        uint64_t v;
        int rc = bw_graph_stat(g, what, &v);
        EXPECT(rc == 0 || ((what == 0 || what == BW_STAT_WATERMARK + 1) && rc == BW_EINVAL) ||
               (what == BW_STAT_WATERMARK && rc == BW_ENODATA));
    }
    const char *json = NULL;
    size_t len = 0;
    EXPECT(bw_graph_build_info(g, &json, &len) == 0);
    if (len) {
        volatile uint8_t sum = 0;
        for (size_t i = 0; i < len; i++) sum += (uint8_t)json[i];
        (void)sum;
    }
    for (int kind = BW_PIN; kind <= BW_BOARD; kind++) {
        uint32_t n = (uint32_t)stat_of(g, kind == BW_PIN ? BW_STAT_PINS : BW_STAT_BOARDS);
        const uint32_t probes[] = {0, 1, n / 2, n - 1, n, UINT32_MAX};
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) lookup_node(g, kind, probes[i], verified);
        uint32_t idx;
        int found = bw_graph_node_index(g, kind, UINT64_MAX - 7, &idx);
        EXPECT(found == 0 || found == BW_ENOTFOUND);
        const double qs[] = {0.0, 0.25, 0.5, 0.99, 1.0};
        uint32_t out[5];
        int rc = bw_graph_degree_quantiles(g, kind, qs, 5, out);
        EXPECT(rc == 0 || (rc == BW_EEMPTY && n == 0));
        if (rc == 0 && verified) {
            uint64_t maxd = stat_of(g, kind == BW_PIN ? BW_STAT_MAX_PIN_DEGREE : BW_STAT_MAX_BOARD_DEGREE);
            for (int i = 0; i < 5; i++) EXPECT(out[i] <= maxd && (i == 0 || out[i] >= out[i - 1]));
        }
    }
    lookup_attributes(g);
}

/* ------------------------------------------------------------------------ */
/* Walks: on every graph that opens                                           */

/* On a verified graph every result is a node of the graph; on an unverified
 * one the ids array may be out of order, so that a lookup by id may miss. */
static void check_results(const bw_graph *g, const bw_results *r, uint32_t top, int scored,
                          int verified) {
    size_t n = bw_results_count(r);
    if (!scored) EXPECT(n <= top);
    for (size_t i = 0; i < n; i++) {
        uint64_t id, visits;
        double score;
        int kind;
        EXPECT(bw_results_get(r, i, &id, &score, &visits) == 0);
        EXPECT(bw_results_kind(r, i, &kind) == 0);
        EXPECT(score >= 0.0);
        uint32_t idx;
        if (!scored && verified) EXPECT(bw_graph_node_index(g, kind, id, &idx) == 0);
    }
    EXPECT(bw_results_get(r, n, NULL, NULL, NULL) == BW_ERANGE);
}

/* What a query may answer: a verified graph never BW_ECORRUPT, and never
 * BW_ENOTFOUND (the query's ids were read from the graph); on an unverified
 * one an out-of-order ids array can make the lookup of an id it holds miss. */
static int allowed(int rc, int verified) {
    return rc == 0 || rc == BW_EEMPTY || (!verified && (rc == BW_ECORRUPT || rc == BW_ENOTFOUND));
}

static void walk_one(const bw_graph *g, const bw_query *q, uint32_t top, int verified) {
    bw_results *r = NULL;
    int rc = bw_recommend(g, q, &r);
    EXPECT(allowed(rc, verified));
    if (rc == 0) check_results(g, r, top, 0, verified);
    bw_results_free(r);
    r = NULL;
    rc = bw_score(g, q, &r);
    EXPECT(allowed(rc, verified));
    if (rc == 0) check_results(g, r, top, 1, verified);
    bw_results_free(r);
}

/* The query as it is, then by the exact method, which has no biased form:
 * its setter refuses a biased query (leaving it as it was) with a message. */
static void walk_both(const bw_graph *g, bw_query *q, uint32_t top, int verified) {
    walk_one(g, q, top, verified);
    int set = bw_query_set_method(q, BW_METHOD_EXACT);
    EXPECT(set == 0 || (set == BW_EINVAL && strstr(bw_query_errmsg(q), "exact") != NULL));
    if (set != 0) return;
    bw_results *r = NULL;
    int rc = bw_recommend(g, q, &r);
    EXPECT(allowed(rc, verified));
    if (rc == 0) check_results(g, r, top, 0, verified);
    bw_results_free(r);
    EXPECT(bw_query_set_method(q, BW_METHOD_WALK) == 0);
}

static uint32_t attribute_code_at(const bw_graph *g, int attr, uint32_t code) {
    const char *name;
    size_t len;
    char buf[256];
    if (bw_graph_attribute_name(g, attr, code, &name, &len) != 0 || len >= sizeof buf) return BW_ATTR_ANY;
    memcpy(buf, name, len);
    buf[len] = '\0';
    uint32_t c;
    return bw_graph_attribute_code(g, attr, buf, &c) == 0 ? c : BW_ATTR_ANY;
}

static void walks(const bw_graph *g, int verified) {
    uint32_t pins = (uint32_t)stat_of(g, BW_STAT_PINS), boards = (uint32_t)stat_of(g, BW_STAT_BOARDS);
    if (pins == 0 || boards == 0) return;
    uint64_t p0, p1, pm, b0;
    EXPECT(bw_graph_node_id(g, BW_PIN, 0, &p0) == 0);
    EXPECT(bw_graph_node_id(g, BW_PIN, pins - 1, &p1) == 0);
    EXPECT(bw_graph_node_id(g, BW_PIN, pins / 2, &pm) == 0);
    EXPECT(bw_graph_node_id(g, BW_BOARD, boards / 2, &b0) == 0);
    bw_query *q = NULL;
    EXPECT(bw_query_new(&q) == 0);
    const uint32_t top = 20;
    EXPECT(bw_query_set_steps(q, 2000) == 0);
    EXPECT(bw_query_set_top(q, top) == 0);
    EXPECT(bw_query_set_seed(q, 42) == 0);
    EXPECT(bw_query_add_pin(q, p0, 1.0) == 0);
    EXPECT(bw_query_add_candidate(q, p1) == 0);
    EXPECT(bw_query_add_candidate(q, pm) == 0);
    EXPECT(bw_query_add_candidate(q, 12345) == 0);
    walk_both(g, q, top, verified); /* one pin */

    EXPECT(bw_query_add_pin(q, p1, 0.5) == 0);
    EXPECT(bw_query_add_board(q, b0, 2.0) == 0);
    EXPECT(bw_query_exclude_pin(q, pm) == 0);
    EXPECT(bw_query_set_include_boards(q, 1) == 0);
    EXPECT(bw_query_set_restart(q, 0.3) == 0);
    walk_both(g, q, top, verified); /* pins and a board, boards in the results */

    EXPECT(bw_query_set_include_boards(q, 0) == 0);
    EXPECT(bw_query_set_early_stop(q, 0, 1, 1) == 0);
    EXPECT(bw_query_set_boost(q, 0) == 0);
    EXPECT(bw_query_set_popularity_penalty(q, 0.0) == 0);
    uint32_t lang = attribute_code_at(g, BW_ATTR_LANGUAGE, 0);
    uint32_t topic = attribute_code_at(g, BW_ATTR_TOPIC, 1);
    EXPECT(bw_query_set_bias(q, 0.7, lang, BW_ATTR_ANY) == 0);
    walk_both(g, q, top, verified); /* language bias (a range of each list) */
    EXPECT(bw_query_set_bias(q, 0.7, lang, topic) == 0);
    walk_both(g, q, top, verified); /* language and topic */
    EXPECT(bw_query_set_bias(q, 1.0, BW_ATTR_ANY, topic) == 0);
    walk_both(g, q, top, verified); /* topic only (sampled matches) */

    EXPECT(bw_query_clear(q) == 0);
    EXPECT(bw_query_set_lenient(q, 1) == 0);
    EXPECT(bw_query_set_early_stop(q, 1, 3, 2) == 0);
    EXPECT(bw_query_add_pin(q, UINT64_MAX - 1, 1.0) == 0);
    EXPECT(bw_query_add_board(q, b0, 1.0) == 0);
    walk_both(g, q, top, verified); /* a board alone, an unknown pin skipped */
    bw_query_free(q);
}

/* ------------------------------------------------------------------------ */
/* One file, both ways                                                        */

static void exercise(const uint8_t *data, size_t size) {
    write_graph(data, size);
    bw_graph *g = NULL;
    int plain = open_graph(0, &g), verified = 0;
    if (plain == 0) {
        lookups(g, 0);
        char msg[256];
        int vrc = bw_graph_verify(g, msg, sizeof msg);
        EXPECT(vrc == 0 || vrc == BW_ECORRUPT);
        verified = vrc == 0;
        walks(g, verified);
        bw_graph_close(g);
    }
    g = NULL;
    int checked = open_graph(BW_OPEN_VERIFY, &g);
    EXPECT((checked == 0) == (plain == 0 && verified));
    if (checked == 0) {
        lookups(g, 1);
        walks(g, 1);
        bw_graph_close(g);
    }
}

/* Where the meta record of the file seems to be, or NULL. */
static uint8_t *find_meta(uint8_t *data, size_t size) {
    const struct bw_format_meta *m;
    uint8_t *p = data;
    while ((p = memmem(p, size - (size_t)(p - data), BW_FORMAT_MAGIC, sizeof BW_FORMAT_MAGIC))) {
        if ((size_t)(p - data) + sizeof *m > size) return NULL;
        m = (const struct bw_format_meta *)(const void *)p;
        uint32_t bytes;
        memcpy(&bytes, p + offsetof(struct bw_format_meta, meta_bytes), sizeof bytes);
        if (bytes == sizeof *m) return p;
        p++;
    }
    return NULL;
}

static void fix_meta_checksum(uint8_t *meta) {
    uint64_t sum = bw_checksum64(meta, offsetof(struct bw_format_meta, meta_checksum));
    memcpy(meta + offsetof(struct bw_format_meta, meta_checksum), &sum, sizeof sum);
}

/* The checksums of the arrays as they are in the open graph, as
 * bw_graph_verify computes them, written into the meta record at `meta`. */
static void fix_array_checksums(const bw_graph *g, uint8_t *meta) {
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        uint64_t sum = bw_graph_array_checksum(g, a);
        size_t at = offsetof(struct bw_format_meta, arrays) + (size_t)a * sizeof(struct bw_format_array) +
                    offsetof(struct bw_format_array, checksum);
        memcpy(meta + at, &sum, sizeof sum);
    }
    fix_meta_checksum(meta);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    exercise(data, size);

    /* Again with the checksums repaired, if that changes anything. */
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy) return 0;
    memcpy(copy, data, size);
    uint8_t *meta = find_meta(copy, size);
    if (meta) {
        fix_meta_checksum(meta);
        write_graph(copy, size);
        bw_graph *g = NULL;
        if (bw_graph_open(file_path, 0, &g) == 0) {
            fix_array_checksums(g, meta);
            bw_graph_close(g);
        }
        if (memcmp(copy, data, size) != 0) exercise(copy, size);
    }
    free(copy);
    return 0;
}
