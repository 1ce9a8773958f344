/* test_abi.c - the C ABI as a host program sees it: built against the
 * installed boardwalk.h through pkg-config, it calls every function in the
 * header, takes every error path (missing, foreign, damaged and truncated
 * files; unknown ids; out-of-range parameters; NULL handles and out
 * pointers) and runs one graph from 8 threads at once.
 *
 *   test_abi GRAPH [SAMPLE_DIR [PLAIN_GRAPH [EMPTY_GRAPH]]]
 *     GRAPH        the sample graph, built with titles and attributes
 *     SAMPLE_DIR   Graphs/sample: its TSV files are the truth the graph is
 *                  checked against (counts, titles, attributes)
 *     PLAIN_GRAPH  the same edges built without titles or attributes
 *     EMPTY_GRAPH  a graph with no edges
 *   test_abi --query GRAPH --pin ID[:W]... [--board ID[:W]] [--seed S]
 *            [--top K] [--steps N] [--restart A] [--language L] [--topic T]
 *            [--bias B] [--popularity-penalty P] [--no-boost] [--no-early-stop]
 *            [--include-boards]
 *     prints the walk as JSON, like `boardwalk query --json`, so that the
 *     driver can compare C, Python and Swift.
 *
 * Prints each failed CHECK with file:line, then `abi: N passed, M failed`;
 * exits 1 on any failure. Expected values come from the TSV inputs, from
 * other functions of the ABI, or from a second run; none is copied from an
 * earlier run's output.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, mkdtemp */
#endif
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <boardwalk.h>
#include <boardwalk_format.h>

#include "check.h"


/* For CHECK(rc_is(call, want)): on a mismatch, says what came back. */
static int rc_is(int got, int want) {
    if (got == want) return 1;
    fprintf(stderr, "  got %d (%s), want %d (%s)\n", got, bw_strerror(got), want, bw_strerror(want));
    return 0;
}

static int starts_with(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                      */

static char workdir[256];

static unsigned char *read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *p = realloc(buf, cap + 1);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    *out_len = len;
    return buf;
}

static int write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = fwrite(data, 1, len, f);
    return (fclose(f) == 0 && w == len) ? 0 : -1;
}

static const char *work_path(const char *name) {
    static _Thread_local char path[512];
    snprintf(path, sizeof path, "%s/%s", workdir, name);
    return path;
}

static unsigned char *find_bytes(unsigned char *hay, size_t n, const void *needle, size_t k) {
    return memmem(hay, n, needle, k);
}

/* ------------------------------------------------------------------------ */
/* The sample's TSV files: the truth the graph is checked against             */

typedef struct edge {
    uint64_t pin, board;
} edge;

typedef struct pin_text {
    uint64_t pin;
    char *a, *b; /* title, or language and topic */
} pin_text;

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_edge(const void *a, const void *b) {
    const edge *x = a, *y = b;
    if (x->pin != y->pin) return x->pin < y->pin ? -1 : 1;
    return (x->board > y->board) - (x->board < y->board);
}

static size_t unique_u64(uint64_t *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || v[m - 1] != v[i]) v[m++] = v[i];
    return m;
}

/* Lines of a TSV file that start with a digit (comments and the header do not). */
static char **data_lines(const char *path, size_t *out_n, unsigned char **out_buf) {
    size_t len;
    unsigned char *buf = read_file(path, &len);
    if (!buf) return NULL;
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *save = NULL;
    for (char *line = strtok_r((char *)buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[l - 1] = '\0';
        if (line[0] < '0' || line[0] > '9') continue;
        if (n == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[n++] = line;
    }
    *out_n = n;
    *out_buf = buf;
    return lines;
}

static pin_text *read_pin_texts(const char *path, size_t *out_n, unsigned char **out_buf) {
    size_t n;
    char **lines = data_lines(path, &n, out_buf);
    if (!lines) return NULL;
    pin_text *t = calloc(n ? n : 1, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        char *f1 = strchr(lines[i], '\t');
        t[i].pin = strtoull(lines[i], NULL, 10);
        if (!f1) continue;
        *f1++ = '\0';
        char *f2 = strchr(f1, '\t');
        if (f2) *f2++ = '\0';
        t[i].a = f1;
        t[i].b = f2;
    }
    free(lines);
    *out_n = n;
    return t;
}

/* ------------------------------------------------------------------------ */
/* Versions and error text                                                    */

static void test_versions(void) {
    CHECK(bw_libversion_number() == BW_VERSION_NUMBER);
    CHECK(BW_VERSION_NUMBER == BW_VERSION_MAJOR * 1000000 + BW_VERSION_MINOR * 1000 + BW_VERSION_PATCH);
    CHECK(bw_libversion() != NULL && strcmp(bw_libversion(), BW_VERSION_STRING) == 0);
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", BW_VERSION_MAJOR, BW_VERSION_MINOR, BW_VERSION_PATCH);
    CHECK(strcmp(BW_VERSION_STRING, expect) == 0);
    CHECK(bw_format_version() == BW_FORMAT_VERSION);
}

static void test_strerror(void) {
    static const struct {
        int code;
        const char *name;
    } ours[] = {
        {BW_ENOTGRAPH, "BW_ENOTGRAPH"}, {BW_EVERSION, "BW_EVERSION"}, {BW_ECORRUPT, "BW_ECORRUPT"},
        {BW_EINVAL, "BW_EINVAL"},       {BW_ENOTFOUND, "BW_ENOTFOUND"}, {BW_ENOMEM, "BW_ENOMEM"},
        {BW_EEMPTY, "BW_EEMPTY"},       {BW_ERANGE, "BW_ERANGE"},     {BW_ELIMIT, "BW_ELIMIT"},
        {BW_ENODATA, "BW_ENODATA"},
    };
    size_t n = sizeof ours / sizeof ours[0];
    CHECK(n == (size_t)(BW_ERRCODE_LAST - BW_ERRCODE_FIRST + 1));
    /* Our range lies wholly below LMDB's (-30799 ... -30779) and errno's. */
    CHECK(BW_ERRCODE_FIRST <= BW_ERRCODE_LAST && BW_ERRCODE_LAST < -30799);
    for (size_t i = 0; i < n; i++) {
        const char *s = bw_strerror(ours[i].code);
        CHECK(starts_with(s, ours[i].name));
        CHECK(ours[i].code >= BW_ERRCODE_FIRST && ours[i].code <= BW_ERRCODE_LAST);
        for (size_t j = 0; j < i; j++) CHECK(strcmp(s, bw_strerror(ours[j].code)) != 0);
    }
    CHECK(strcmp(bw_strerror(BW_SUCCESS), "success") == 0);
    /* LMDB's codes get LMDB's text (MDB_NOTFOUND is -30798, MDB_CORRUPTED -30796,
     * MDB_INVALID -30793 in lmdb.h; this program does not link LMDB itself). */
    CHECK(starts_with(bw_strerror(-30798), "MDB_NOTFOUND"));
    CHECK(starts_with(bw_strerror(-30796), "MDB_CORRUPTED"));
    CHECK(starts_with(bw_strerror(-30793), "MDB_INVALID"));
    CHECK(starts_with(bw_strerror(-30799), "MDB_KEYEXIST"));
    /* errno values: the C library's text for the common ones. */
    CHECK(strcmp(bw_strerror(ENOENT), strerror(ENOENT)) == 0);
    CHECK(strcmp(bw_strerror(EACCES), strerror(EACCES)) == 0);
    CHECK(strcmp(bw_strerror(EISDIR), strerror(EISDIR)) == 0);
    CHECK(strcmp(bw_strerror(ENOMEM), strerror(ENOMEM)) == 0);
    /* Anything else still gets static, non-empty text, never NULL. */
    int odd[] = {ENOTDIR, EXDEV, 9999, INT_MAX, -1, -30800, -30778, BW_ERRCODE_FIRST - 1, BW_ERRCODE_LAST + 1, INT_MIN};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        const char *s = bw_strerror(odd[i]);
        CHECK(s != NULL && s[0] != '\0');
    }
    CHECK(strcmp(bw_strerror(-1), bw_strerror(BW_ENOTGRAPH)) != 0);
}

/* ------------------------------------------------------------------------ */
/* Opening: every way a file can be wrong                                     */

/* Opens a file expected to fail: the code, a NULL handle, and a message. */
static void expect_open_error(const char *path, uint32_t flags, int want) {
    bw_graph *g = (bw_graph *)(uintptr_t)1; /* must be overwritten with NULL */
    char msg[512];
    CHECK(rc_is(bw_graph_open_ex(path, flags, &g, msg, sizeof msg), want));
    CHECK(g == NULL);
    CHECK(msg[0] != '\0');
    g = (bw_graph *)(uintptr_t)1;
    CHECK(rc_is(bw_graph_open(path, flags, &g), want));
    CHECK(g == NULL);
    bw_graph_close(g);
}

static void test_open_errors(const char *graph) {
    bw_graph *g = (bw_graph *)(uintptr_t)1;
    char msg[512];

    /* NULL and invalid arguments. */
    CHECK(rc_is(bw_graph_open(NULL, 0, &g), BW_EINVAL));
    CHECK(g == NULL);
    CHECK(rc_is(bw_graph_open(graph, 0, NULL), BW_EINVAL));
    CHECK(rc_is(bw_graph_open_ex(graph, 0, NULL, msg, sizeof msg), BW_EINVAL));
    CHECK(rc_is(bw_graph_open_ex(NULL, 0, &g, NULL, 0), BW_EINVAL));
    CHECK(rc_is(bw_graph_open(graph, 0x80u, &g), BW_EINVAL));
    CHECK(g == NULL);
    CHECK(rc_is(bw_graph_open(graph, 0xFFFFFFFFu, &g), BW_EINVAL));

    /* Missing files and paths that are not files: errno values, and our codes. */
    expect_open_error(work_path("does-not-exist.bwg"), 0, ENOENT);
    expect_open_error("", 0, ENOENT);
    expect_open_error(workdir, 0, BW_ENOTGRAPH); /* a directory */
    CHECK(rc_is(bw_graph_open_ex(work_path("does-not-exist.bwg"), 0, &g, msg, sizeof msg), ENOENT));
    CHECK(strstr(msg, "does-not-exist.bwg") != NULL);
    CHECK(bw_strerror(ENOENT)[0] != '\0');

    size_t len;
    unsigned char *orig = read_file(graph, &len);
    CHECK(orig != NULL && len > 3 * 4096);
    if (!orig) return;
    unsigned char *copy = malloc(len);

    /* Files that are not graphs: empty, small, text, an LMDB-sized text file. */
    CHECK(write_file(work_path("empty.bin"), "", 0) == 0);
    expect_open_error(work_path("empty.bin"), 0, BW_ENOTGRAPH);
    const char *text = "pin_id\tboard_id\n1\t2\n";
    CHECK(write_file(work_path("edges.tsv"), text, strlen(text)) == 0);
    expect_open_error(work_path("edges.tsv"), 0, BW_ENOTGRAPH);
    memset(copy, 'x', len);
    CHECK(write_file(work_path("text.bwg"), copy, len) == 0);
    expect_open_error(work_path("text.bwg"), 0, BW_ENOTGRAPH);
    expect_open_error(work_path("text.bwg"), BW_OPEN_VERIFY, BW_ENOTGRAPH);

    /* An LMDB file whose meta record is not Boardwalk's: damage the magic. */
    unsigned char *meta = find_bytes(orig, len, BW_FORMAT_MAGIC, sizeof BW_FORMAT_MAGIC);
    CHECK(meta != NULL);
    if (meta) {
        size_t at = (size_t)(meta - orig);
        memcpy(copy, orig, len);
        copy[at] ^= 0x20;
        CHECK(write_file(work_path("magic.bwg"), copy, len) == 0);
        expect_open_error(work_path("magic.bwg"), 0, BW_ENOTGRAPH);

        /* Another format version. */
        memcpy(copy, orig, len);
        uint32_t version = BW_FORMAT_VERSION + 1;
        memcpy(copy + at + 8, &version, 4);
        CHECK(write_file(work_path("version.bwg"), copy, len) == 0);
        expect_open_error(work_path("version.bwg"), 0, BW_EVERSION);
        CHECK(rc_is(bw_graph_open_ex(work_path("version.bwg"), 0, &g, msg, sizeof msg), BW_EVERSION));
        CHECK(strstr(msg, "version") != NULL);

        /* A damaged meta record (the pin count): caught by its checksum at open. */
        memcpy(copy, orig, len);
        copy[at + 16] ^= 0x01;
        CHECK(write_file(work_path("meta.bwg"), copy, len) == 0);
        expect_open_error(work_path("meta.bwg"), 0, BW_ECORRUPT);
    }

    /* Truncated files: the size LMDB needs is checked before any page is read. */
    CHECK(write_file(work_path("half.bwg"), orig, len / 2) == 0);
    expect_open_error(work_path("half.bwg"), 0, BW_ECORRUPT);
    expect_open_error(work_path("half.bwg"), BW_OPEN_VERIFY, BW_ECORRUPT);
    CHECK(write_file(work_path("short.bwg"), orig, len - 4096) == 0);
    expect_open_error(work_path("short.bwg"), 0, BW_ECORRUPT);
    CHECK(write_file(work_path("tiny.bwg"), orig, 4096) == 0);
    expect_open_error(work_path("tiny.bwg"), 0, BW_ENOTGRAPH);

    /* Damaged arrays are not seen by the cheap checks at open, only by full
     * verification: flip a bit of a pin id inside the pin_ids array. */
    bw_graph *sound = NULL;
    CHECK(rc_is(bw_graph_open(graph, 0, &sound), 0));
    uint64_t pin = 0;
    CHECK(rc_is(bw_graph_node_id(sound, BW_PIN, 1, &pin), 0));
    bw_graph_close(sound);
    unsigned char *where = find_bytes(orig, len, &pin, sizeof pin);
    CHECK(where != NULL);
    if (where) {
        memcpy(copy, orig, len);
        copy[where - orig] ^= 0x01;
        CHECK(write_file(work_path("flipped.bwg"), copy, len) == 0);
        g = NULL;
        CHECK(rc_is(bw_graph_open(work_path("flipped.bwg"), 0, &g), 0));
        CHECK(g != NULL);
        msg[0] = 'x';
        CHECK(rc_is(bw_graph_verify(g, msg, sizeof msg), BW_ECORRUPT));
        CHECK(strstr(msg, "pin_ids") != NULL);
        /* A short message buffer is cut, NUL-terminated. */
        char small[8];
        memset(small, 'x', sizeof small);
        CHECK(rc_is(bw_graph_verify(g, small, sizeof small), BW_ECORRUPT));
        CHECK(memchr(small, '\0', sizeof small) != NULL);
        CHECK(rc_is(bw_graph_verify(g, NULL, 0), BW_ECORRUPT));
        bw_graph_close(g);
        expect_open_error(work_path("flipped.bwg"), BW_OPEN_VERIFY, BW_ECORRUPT);
    }
    free(copy);
    free(orig);
}

/* ------------------------------------------------------------------------ */
/* A sound graph: every lookup, checked against the TSV inputs                */

typedef struct sample {
    const char *dir;
    edge *edges;
    size_t nedges;
    uint64_t *pins, *boards;
    size_t npins, nboards;
} sample;

static int load_sample(const char *dir, sample *s) {
    memset(s, 0, sizeof *s);
    s->dir = dir;
    char path[1024];
    snprintf(path, sizeof path, "%s/edges.tsv", dir);
    size_t n;
    unsigned char *buf;
    char **lines = data_lines(path, &n, &buf);
    if (!lines) return -1;
    s->edges = malloc((n ? n : 1) * sizeof *s->edges);
    s->pins = malloc((n ? n : 1) * sizeof *s->pins);
    s->boards = malloc((n ? n : 1) * sizeof *s->boards);
    for (size_t i = 0; i < n; i++) {
        char *end;
        s->edges[i].pin = strtoull(lines[i], &end, 10);
        s->edges[i].board = strtoull(end + 1, NULL, 10);
        s->pins[i] = s->edges[i].pin;
        s->boards[i] = s->edges[i].board;
    }
    qsort(s->edges, n, sizeof *s->edges, cmp_edge);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (m == 0 || cmp_edge(&s->edges[m - 1], &s->edges[i]) != 0) s->edges[m++] = s->edges[i];
    s->nedges = m;
    s->npins = unique_u64(s->pins, n);
    s->nboards = unique_u64(s->boards, n);
    free(lines);
    free(buf);
    return 0;
}

static void free_sample(sample *s) {
    free(s->edges);
    free(s->pins);
    free(s->boards);
}

static void test_stats(bw_graph *g, const char *path, const sample *s) {
    uint64_t v = 0;
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_FORMAT_VERSION, &v), 0) && v == BW_FORMAT_VERSION);
    uint64_t pins = 0, boards = 0, edges = 0;
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_PINS, &pins), 0));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_BOARDS, &boards), 0));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_EDGES, &edges), 0));
    if (s->dir) {
        CHECK(pins == s->npins);
        CHECK(boards == s->nboards);
        CHECK(edges == s->nedges);
    }
    struct stat st;
    CHECK(stat(path, &st) == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_FILE_BYTES, &v), 0) && v == (uint64_t)st.st_size);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_CHUNK_BYTES, &v), 0) && v >= 64 && (v & (v - 1)) == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_CREATED_UNIX, &v), 0));
    CHECK(v + 60 >= (uint64_t)st.st_mtime && v <= (uint64_t)time(NULL) + 60);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_FINGERPRINT, &v), 0));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_DUPLICATE_EDGES, &v), 0));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_INVALID_LINES, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_CHUNKS, &v), 0) && v >= 8);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_COPIED_BYTES, &v), 0) && v <= (uint64_t)st.st_size);
    for (int what = BW_STAT_HAS_PIN_TITLES; what <= BW_STAT_HAS_ATTRIBUTES; what++)
        CHECK(rc_is(bw_graph_stat(g, what, &v), 0) && v <= 1);
    /* Unknown statistics and NULLs. */
    CHECK(rc_is(bw_graph_stat(g, 0, &v), BW_EINVAL));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_HUGE_PAGE_METHOD, &v), 0) && v == BW_HUGE_NOT_ASKED);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_HUGE_PAGE_METHOD + 1, &v), BW_EINVAL));
    CHECK(rc_is(bw_graph_stat(g, -1, &v), BW_EINVAL));
    CHECK(rc_is(bw_graph_stat(NULL, BW_STAT_PINS, &v), BW_EINVAL));
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_PINS, NULL), BW_EINVAL));

    /* Build info: a JSON object, valid until close. */
    const char *json = NULL;
    size_t n = 0;
    CHECK(rc_is(bw_graph_build_info(g, &json, &n), 0));
    CHECK(json != NULL && n >= 2 && json[0] == '{' && json[n - 1] == '}');
    CHECK(rc_is(bw_graph_build_info(NULL, &json, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_build_info(g, NULL, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_build_info(g, &json, NULL), BW_EINVAL));

    CHECK(rc_is(bw_graph_verify(g, NULL, 0), 0));
    char msg[256];
    msg[0] = 'x';
    CHECK(rc_is(bw_graph_verify(g, msg, sizeof msg), 0));
    CHECK(msg[0] == '\0');
    CHECK(rc_is(bw_graph_verify(NULL, msg, sizeof msg), BW_EINVAL));
}

/* Ids, indices, degrees, neighbours: both directions agree, and agree with the edges file. */
static void test_nodes(bw_graph *g, const sample *s) {
    uint64_t pins = 0, boards = 0, edges = 0, max_pin = 0, max_board = 0;
    bw_graph_stat(g, BW_STAT_PINS, &pins);
    bw_graph_stat(g, BW_STAT_BOARDS, &boards);
    bw_graph_stat(g, BW_STAT_EDGES, &edges);
    bw_graph_stat(g, BW_STAT_MAX_PIN_DEGREE, &max_pin);
    bw_graph_stat(g, BW_STAT_MAX_BOARD_DEGREE, &max_board);

    int kinds[2] = {BW_PIN, BW_BOARD};
    uint64_t counts[2] = {pins, boards}, maxes[2] = {max_pin, max_board};
    for (int k = 0; k < 2; k++) {
        int kind = kinds[k], other = kind == BW_PIN ? BW_BOARD : BW_PIN;
        uint64_t prev = 0, sum = 0, maxdeg = 0, mindeg = UINT64_MAX;
        int ids_ok = 1, index_ok = 1, nb_ok = 1, truth_ok = 1;
        uint64_t *nbs = malloc((maxes[k] + 1) * sizeof *nbs);
        for (uint32_t i = 0; i < counts[k]; i++) {
            uint64_t id = 0, deg = 0;
            uint32_t back = UINT32_MAX;
            if (bw_graph_node_id(g, kind, i, &id) != 0 || (i > 0 && id <= prev)) ids_ok = 0;
            if (bw_graph_node_index(g, kind, id, &back) != 0 || back != i) index_ok = 0;
            if (s->dir) {
                const uint64_t *list = kind == BW_PIN ? s->pins : s->boards;
                size_t n = kind == BW_PIN ? s->npins : s->nboards;
                if (i >= n || list[i] != id) truth_ok = 0;
            }
            prev = id;
            CHECK(rc_is(bw_graph_node_degree(g, kind, id, &deg), 0));
            sum += deg;
            if (deg > maxdeg) maxdeg = deg;
            if (deg < mindeg) mindeg = deg;
            size_t got = 0;
            if (bw_graph_node_neighbors(g, kind, id, nbs, maxes[k] + 1, &got) != 0 || got != deg) nb_ok = 0;
            /* Each neighbour lists this node back. */
            for (size_t j = 0; j < got && j < 3; j++) {
                uint64_t back_nbs[4096];
                size_t bn = 0, found = 0;
                if (bw_graph_node_neighbors(g, other, nbs[j], back_nbs, 4096, &bn) != 0) nb_ok = 0;
                for (size_t t = 0; t < bn && t < 4096; t++) found += back_nbs[t] == id;
                if (found != 1) nb_ok = 0;
            }
        }
        CHECK(ids_ok);
        CHECK(index_ok);
        CHECK(nb_ok);
        CHECK(truth_ok);
        CHECK(sum == edges);
        CHECK(maxdeg == maxes[k]);

        /* Degree quantiles: 0 is the minimum, 1 the maximum, monotone between. */
        double qs[5] = {0.0, 0.25, 0.5, 0.9, 1.0};
        uint32_t d[5] = {0};
        CHECK(rc_is(bw_graph_degree_quantiles(g, kind, qs, 5, d), 0));
        CHECK(d[0] == mindeg && d[4] == maxdeg);
        CHECK(d[0] <= d[1] && d[1] <= d[2] && d[2] <= d[3] && d[3] <= d[4]);
        CHECK(rc_is(bw_graph_degree_quantiles(g, kind, NULL, 0, NULL), 0));
        double bad[4] = {NAN, -0.01, 1.01, INFINITY};
        for (int b = 0; b < 4; b++) CHECK(rc_is(bw_graph_degree_quantiles(g, kind, &bad[b], 1, d), BW_EINVAL));
        CHECK(rc_is(bw_graph_degree_quantiles(g, kind, NULL, 1, d), BW_EINVAL));
        CHECK(rc_is(bw_graph_degree_quantiles(g, kind, qs, 1, NULL), BW_EINVAL));

        /* Past the end, unknown ids, NULLs. */
        uint64_t id = 0, deg = 0;
        uint32_t idx = 0;
        size_t got = 0;
        CHECK(rc_is(bw_graph_node_id(g, kind, (uint32_t)counts[k], &id), BW_ERANGE));
        CHECK(rc_is(bw_graph_node_id(g, kind, UINT32_MAX, &id), BW_ERANGE));
        CHECK(rc_is(bw_graph_node_id(g, kind, 0, NULL), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_id(NULL, kind, 0, &id), BW_EINVAL));
        uint64_t unknown = prev + 1; /* greater than every id of this kind */
        CHECK(rc_is(bw_graph_node_index(g, kind, unknown, &idx), BW_ENOTFOUND));
        CHECK(rc_is(bw_graph_node_index(g, kind, 0, &idx), BW_ENOTFOUND));
        CHECK(rc_is(bw_graph_node_index(g, kind, prev, NULL), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_index(NULL, kind, prev, &idx), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_degree(g, kind, unknown, &deg), BW_ENOTFOUND));
        CHECK(rc_is(bw_graph_node_degree(g, kind, prev, NULL), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_degree(NULL, kind, prev, &deg), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_neighbors(g, kind, unknown, nbs, 1, &got), BW_ENOTFOUND));
        CHECK(rc_is(bw_graph_node_neighbors(g, kind, prev, NULL, 1, &got), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_neighbors(g, kind, prev, nbs, 1, NULL), BW_EINVAL));
        CHECK(rc_is(bw_graph_node_neighbors(NULL, kind, prev, nbs, 1, &got), BW_EINVAL));
        /* A short buffer: min(capacity, degree) ids written, the degree reported. */
        uint64_t full_deg = 0;
        bw_graph_node_degree(g, kind, prev, &full_deg);
        CHECK(rc_is(bw_graph_node_neighbors(g, kind, prev, NULL, 0, &got), 0) && got == full_deg);
        uint64_t one[2] = {0, 12345};
        CHECK(rc_is(bw_graph_node_neighbors(g, kind, prev, one, 1, &got), 0) && got == full_deg);
        CHECK(one[1] == 12345);
        free(nbs);
    }
    /* Kinds other than pin and board. */
    uint64_t id;
    uint32_t idx;
    size_t got;
    CHECK(rc_is(bw_graph_node_id(g, 2, 0, &id), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_index(g, -1, 1, &idx), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_degree(g, 7, 1, &id), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_neighbors(g, 2, 1, NULL, 0, &got), BW_EINVAL));
    double q = 0.5;
    uint32_t d;
    CHECK(rc_is(bw_graph_degree_quantiles(g, 2, &q, 1, &d), BW_EINVAL));
    CHECK(rc_is(bw_graph_degree_quantiles(NULL, BW_PIN, &q, 1, &d), BW_EINVAL));

    /* Every edge of the input file is in the graph. */
    if (s->dir) {
        int all = 1;
        uint64_t nbs[4096];
        for (size_t i = 0; i < s->nedges; i++) {
            size_t n = 0, found = 0;
            if (bw_graph_node_neighbors(g, BW_PIN, s->edges[i].pin, nbs, 4096, &n) != 0) all = 0;
            for (size_t j = 0; j < n && j < 4096; j++) found += nbs[j] == s->edges[i].board;
            if (found != 1) all = 0;
        }
        CHECK(all);
    }
}

/* Titles and attributes against pin-titles.tsv, board-titles.tsv and pin-attributes.tsv. */
static void test_titles_and_attributes(bw_graph *g, const sample *s) {
    uint64_t has = 0;
    bw_graph_stat(g, BW_STAT_HAS_PIN_TITLES, &has);
    CHECK(has == 1);
    bw_graph_stat(g, BW_STAT_HAS_ATTRIBUTES, &has);
    CHECK(has == 1);
    const char *t;
    size_t n;
    uint64_t pin0 = 0, board0 = 0;
    CHECK(rc_is(bw_graph_node_id(g, BW_PIN, 0, &pin0), 0));
    CHECK(rc_is(bw_graph_node_id(g, BW_BOARD, 0, &board0), 0));
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, pin0, &t, &n), 0) && n > 0);
    CHECK(rc_is(bw_graph_node_title(g, BW_BOARD, board0, &t, &n), 0) && n > 0);
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, 1, &t, &n), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, pin0, NULL, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, pin0, &t, NULL), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_title(NULL, BW_PIN, pin0, &t, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_title(g, 3, pin0, &t, &n), BW_EINVAL));

    uint32_t lang, topic, code;
    const char *name;
    CHECK(rc_is(bw_graph_node_attributes(g, BW_PIN, pin0, &lang, &topic), 0));
    CHECK(rc_is(bw_graph_node_attributes(g, BW_BOARD, board0, &lang, &topic), 0));
    CHECK(rc_is(bw_graph_node_attributes(g, BW_PIN, 1, &lang, &topic), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_node_attributes(g, BW_PIN, pin0, NULL, &topic), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_attributes(g, BW_PIN, pin0, &lang, NULL), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_attributes(NULL, BW_PIN, pin0, &lang, &topic), BW_EINVAL));
    CHECK(rc_is(bw_graph_node_attributes(g, 9, pin0, &lang, &topic), BW_EINVAL));

    /* Names and codes round-trip; codes are dense from 0. */
    for (int attr = BW_ATTR_LANGUAGE; attr <= BW_ATTR_TOPIC; attr++) {
        uint32_t c = 0;
        int ok = 1;
        for (; bw_graph_attribute_name(g, attr, c, &name, &n) == 0; c++) {
            char buf[256];
            snprintf(buf, sizeof buf, "%.*s", (int)n, name);
            uint32_t back = UINT32_MAX;
            if (bw_graph_attribute_code(g, attr, buf, &back) != 0 || back != c) ok = 0;
        }
        CHECK(ok);
        CHECK(c > 0);
        CHECK(rc_is(bw_graph_attribute_name(g, attr, c, &name, &n), BW_ERANGE));
        CHECK(rc_is(bw_graph_attribute_name(g, attr, BW_ATTR_ANY, &name, &n), BW_ERANGE));
    }
    CHECK(rc_is(bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, "no-such-language", &code), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, "", &code), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_attribute_code(g, 2, "en", &code), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, NULL, &code), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, "en", NULL), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_code(NULL, BW_ATTR_LANGUAGE, "en", &code), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_name(g, -1, 0, &name, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_name(g, BW_ATTR_LANGUAGE, 0, NULL, &n), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_name(g, BW_ATTR_LANGUAGE, 0, &name, NULL), BW_EINVAL));
    CHECK(rc_is(bw_graph_attribute_name(NULL, BW_ATTR_LANGUAGE, 0, &name, &n), BW_EINVAL));

    if (!s->dir) return;
    char path[1024];
    unsigned char *buf;
    size_t count;
    const char *files[2] = {"pin-titles.tsv", "board-titles.tsv"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", s->dir, files[k]);
        pin_text *rows = read_pin_texts(path, &count, &buf);
        CHECK(rows != NULL && count > 0);
        int ok = 1;
        for (size_t i = 0; rows && i < count; i++) {
            if (bw_graph_node_title(g, k == 0 ? BW_PIN : BW_BOARD, rows[i].pin, &t, &n) != 0 || !rows[i].a ||
                n != strlen(rows[i].a) || memcmp(t, rows[i].a, n) != 0) {
                if (ok) fprintf(stderr, "  title of %llu differs from %s\n", (unsigned long long)rows[i].pin, files[k]);
                ok = 0;
            }
        }
        CHECK(ok);
        free(rows);
        free(buf);
    }
    snprintf(path, sizeof path, "%s/pin-attributes.tsv", s->dir);
    pin_text *rows = read_pin_texts(path, &count, &buf);
    CHECK(rows != NULL && count > 0);
    int ok = 1;
    for (size_t i = 0; rows && i < count; i++) {
        const char *want[2] = {rows[i].a, rows[i].b};
        uint32_t codes[2];
        if (bw_graph_node_attributes(g, BW_PIN, rows[i].pin, &codes[0], &codes[1]) != 0) ok = 0;
        for (int a = 0; a < 2 && ok; a++) {
            if (codes[a] == BW_ATTR_ANY) {
                ok = !want[a] || want[a][0] == '\0' || strcmp(want[a], "-") == 0;
            } else if (bw_graph_attribute_name(g, a, codes[a], &name, &n) != 0 || !want[a] ||
                       n != strlen(want[a]) || memcmp(name, want[a], n) != 0) {
                ok = 0;
            }
        }
    }
    CHECK(ok);
    free(rows);
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* Queries and results                                                        */

typedef struct rec {
    uint64_t id;
    double score;
    uint64_t visits;
    int kind;
} rec;

typedef struct recs {
    rec *r;
    size_t n;
    uint64_t steps;
    int partial;
} recs;

/* Runs a query; copies its results into *out. Returns the code. */
static int run(const bw_graph *g, const bw_query *q, recs *out) {
    bw_results *r = NULL;
    memset(out, 0, sizeof *out);
    int rc = bw_recommend(g, q, &r);
    if (rc) return rc;
    out->n = bw_results_count(r);
    out->r = calloc(out->n ? out->n : 1, sizeof *out->r);
    for (size_t i = 0; i < out->n; i++) {
        if (bw_results_get(r, i, &out->r[i].id, &out->r[i].score, &out->r[i].visits) != 0 ||
            bw_results_kind(r, i, &out->r[i].kind) != 0)
            rc = -1;
    }
    out->steps = bw_results_steps(r);
    out->partial = bw_results_partial(r);
    bw_results_free(r);
    return rc;
}

static int same_prefix(const recs *a, const recs *b, size_t n);

static int same(const recs *a, const recs *b) {
    return a->n == b->n && same_prefix(a, b, a->n) && a->steps == b->steps;
}

/* The first n entries of a and b are equal. */
static int same_prefix(const recs *a, const recs *b, size_t n) {
    if (a->n < n || b->n < n) return 0;
    for (size_t i = 0; i < n; i++)
        if (a->r[i].id != b->r[i].id || a->r[i].score != b->r[i].score || a->r[i].visits != b->r[i].visits ||
            a->r[i].kind != b->r[i].kind)
            return 0;
    return 1;
}

static int contains(const recs *a, uint64_t id) {
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].id == id && a->r[i].kind == BW_PIN) return 1;
    return 0;
}

/* Best first; equal scores: pins before boards, then ascending id. */
static int ranked(const recs *a) {
    for (size_t i = 1; i < a->n; i++) {
        const rec *x = &a->r[i - 1], *y = &a->r[i];
        if (x->score < y->score) return 0;
        if (x->score == y->score && (x->kind > y->kind || (x->kind == y->kind && x->id >= y->id))) return 0;
    }
    return 1;
}

static void test_query_setters(void) {
    bw_query *q = NULL;
    CHECK(rc_is(bw_query_new(NULL), BW_EINVAL));
    CHECK(rc_is(bw_query_new(&q), 0) && q != NULL);

    /* Weights: finite and >= 0. */
    double bad_weights[] = {NAN, -NAN, -1.0, -1e-300, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_weights / sizeof bad_weights[0]; i++) {
        CHECK(rc_is(bw_query_add_pin(q, 1, bad_weights[i]), BW_EINVAL));
        CHECK(rc_is(bw_query_add_board(q, 1, bad_weights[i]), BW_EINVAL));
    }
    CHECK(rc_is(bw_query_add_pin(q, 1, 0.0), 0));
    CHECK(rc_is(bw_query_add_pin(q, 1, -0.0), 0));
    CHECK(rc_is(bw_query_add_pin(q, 1, 1e300), 0));
    CHECK(rc_is(bw_query_add_board(q, 1, 0.5), 0));
    CHECK(rc_is(bw_query_add_pin(q, UINT64_MAX, 1.0), 0));

    CHECK(rc_is(bw_query_set_steps(q, 0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_steps(q, BW_MAX_STEPS + 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_steps(q, UINT64_MAX), BW_EINVAL));
    CHECK(rc_is(bw_query_set_steps(q, BW_MAX_STEPS), 0));
    CHECK(rc_is(bw_query_set_steps(q, 1), 0));

    double bad_restart[] = {0.0, -0.0, -0.5, 1.0000001, 2.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_restart / sizeof bad_restart[0]; i++)
        CHECK(rc_is(bw_query_set_restart(q, bad_restart[i]), BW_EINVAL));
    CHECK(rc_is(bw_query_set_restart(q, 1.0), 0));
    CHECK(rc_is(bw_query_set_restart(q, 1e-9), 0));

    CHECK(rc_is(bw_query_set_top(q, 0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_top(q, BW_MAX_TOP + 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_top(q, UINT32_MAX), BW_EINVAL));
    CHECK(rc_is(bw_query_set_top(q, BW_MAX_TOP), 0));
    CHECK(rc_is(bw_query_set_top(q, 1), 0));

    CHECK(rc_is(bw_query_set_early_stop(q, 1, 0, 4), BW_EINVAL));
    CHECK(rc_is(bw_query_set_early_stop(q, 1, 2000, 0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_early_stop(q, 0, 0, 0), 0));
    CHECK(rc_is(bw_query_set_early_stop(q, 1, 1, 1), 0));
    CHECK(rc_is(bw_query_set_early_stop(q, -5, UINT32_MAX, UINT32_MAX), 0));

    CHECK(rc_is(bw_query_set_boost(q, 0), 0));
    CHECK(rc_is(bw_query_set_boost(q, 42), 0));

    double bad_bias[] = {-0.01, 1.01, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_bias / sizeof bad_bias[0]; i++)
        CHECK(rc_is(bw_query_set_bias(q, bad_bias[i], BW_ATTR_ANY, BW_ATTR_ANY), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(q, 0.5, BW_ATTR_NONE, BW_ATTR_ANY), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(q, 0.5, BW_ATTR_ANY, BW_ATTR_NONE), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(q, 0.5, 0x10000u, 0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(q, 0.0, BW_ATTR_ANY, BW_ATTR_ANY), 0));
    CHECK(rc_is(bw_query_set_bias(q, 1.0, 0, 0), 0));

    double bad_penalty[] = {-0.01, -0.0 - 1e-300, 2.0000001, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad_penalty / sizeof bad_penalty[0]; i++)
        CHECK(rc_is(bw_query_set_popularity_penalty(q, bad_penalty[i]), BW_EINVAL));
    CHECK(rc_is(bw_query_set_popularity_penalty(q, 0.0), 0));
    CHECK(rc_is(bw_query_set_popularity_penalty(q, 2.0), 0));
    CHECK(rc_is(bw_query_set_popularity_penalty(q, BW_DEFAULT_POPULARITY_PENALTY), 0));

    CHECK(rc_is(bw_query_set_method(q, 2), BW_EINVAL));
    CHECK(rc_is(bw_query_set_method(q, -1), BW_EINVAL));
    /* The bias of 1 set above: the exact method has no biased form. */
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_EXACT), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(q, 0.0, BW_ATTR_ANY, BW_ATTR_ANY), 0));
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_EXACT), 0));
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_WALK), 0));
    double bad_exponent[] = {-0.01, 2.0000001, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad_exponent / sizeof bad_exponent[0]; i++)
        CHECK(rc_is(bw_query_set_exponent(q, bad_exponent[i]), BW_EINVAL));
    CHECK(rc_is(bw_query_set_exponent(q, 0.0), 0) && rc_is(bw_query_set_exponent(q, 2.0), 0));

    CHECK(rc_is(bw_query_set_seed(q, UINT64_MAX), 0));
    CHECK(rc_is(bw_query_set_time_budget(q, UINT64_MAX), BW_EINVAL));
    CHECK(rc_is(bw_query_set_time_budget(q, UINT64_MAX / 1000 + 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_time_budget(q, UINT64_MAX / 1000), 0));
    CHECK(rc_is(bw_query_set_time_budget(q, 0), 0));
    CHECK(rc_is(bw_query_set_include_boards(q, 1), 0));
    CHECK(rc_is(bw_query_set_lenient(q, 1), 0));
    CHECK(rc_is(bw_query_exclude_pin(q, 5), 0));
    CHECK(rc_is(bw_query_add_candidate(q, 5), 0));
    CHECK(rc_is(bw_query_clear(q), 0));

    /* The node limit: BW_MAX_QUERY_NODES nodes, then BW_ELIMIT. */
    int all = 1;
    for (uint32_t i = 0; i < BW_MAX_QUERY_NODES; i++)
        if (bw_query_add_pin(q, i, 1.0) != 0) all = 0;
    CHECK(all);
    CHECK(rc_is(bw_query_add_pin(q, 1, 1.0), BW_ELIMIT));
    CHECK(rc_is(bw_query_add_board(q, 1, 1.0), BW_ELIMIT));
    CHECK(rc_is(bw_query_clear(q), 0));
    CHECK(rc_is(bw_query_add_pin(q, 1, 1.0), 0));
    bw_query_free(q);

    /* Every setter refuses a NULL query; every free accepts NULL. */
    CHECK(rc_is(bw_query_clear(NULL), BW_EINVAL));
    CHECK(rc_is(bw_query_add_pin(NULL, 1, 1.0), BW_EINVAL));
    CHECK(rc_is(bw_query_add_board(NULL, 1, 1.0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_steps(NULL, 10), BW_EINVAL));
    CHECK(rc_is(bw_query_set_restart(NULL, 0.5), BW_EINVAL));
    CHECK(rc_is(bw_query_set_top(NULL, 10), BW_EINVAL));
    CHECK(rc_is(bw_query_set_early_stop(NULL, 1, 1, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_boost(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_bias(NULL, 0.5, BW_ATTR_ANY, BW_ATTR_ANY), BW_EINVAL));
    CHECK(rc_is(bw_query_set_popularity_penalty(NULL, 0.5), BW_EINVAL));
    CHECK(rc_is(bw_query_set_method(NULL, BW_METHOD_EXACT), BW_EINVAL));
    CHECK(rc_is(bw_query_set_exponent(NULL, 1.0), BW_EINVAL));
    CHECK(rc_is(bw_query_set_seed(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_time_budget(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_include_boards(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_set_lenient(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_exclude_pin(NULL, 1), BW_EINVAL));
    CHECK(rc_is(bw_query_add_candidate(NULL, 1), BW_EINVAL));
    bw_query_free(NULL);
    bw_graph_close(NULL);
    bw_results_free(NULL);

    /* Results accessors on NULL. */
    uint64_t id, visits;
    double score;
    int kind;
    CHECK(bw_results_count(NULL) == 0);
    CHECK(bw_results_partial(NULL) == 0);
    CHECK(bw_results_steps(NULL) == 0);
    CHECK(bw_results_elapsed_us(NULL) == 0);
    CHECK(bw_results_unknown_count(NULL) == 0);
    CHECK(rc_is(bw_results_get(NULL, 0, &id, &score, &visits), BW_EINVAL));
    CHECK(rc_is(bw_results_kind(NULL, 0, &kind), BW_EINVAL));
    CHECK(rc_is(bw_results_unknown(NULL, 0, &kind, &id), BW_EINVAL));
}

/* Two query pins of the graph: a well-connected one and another. */
static void pick_pins(bw_graph *g, uint64_t *a, uint64_t *b) {
    uint64_t pins = 0, best = 0, deg;
    bw_graph_stat(g, BW_STAT_PINS, &pins);
    *a = *b = 0;
    for (uint32_t i = 0; i < pins; i++) {
        uint64_t id;
        bw_graph_node_id(g, BW_PIN, i, &id);
        bw_graph_node_degree(g, BW_PIN, id, &deg);
        if (deg > best) {
            best = deg;
            *b = *a;
            *a = id;
        }
    }
    if (*b == 0) bw_graph_node_id(g, BW_PIN, pins / 2, b);
}

static bw_query *new_query(uint64_t pin, double w, uint64_t seed) {
    bw_query *q = NULL;
    if (bw_query_new(&q) != 0) return NULL;
    bw_query_add_pin(q, pin, w);
    bw_query_set_seed(q, seed);
    return q;
}

/* The exact method against a direct computation through the neighbour API
 * (no kernel code): query pins and boards with weights, exponent, penalty,
 * boards in results, exclusions, bw_score. Scores must agree to 1e-12
 * relative; ties make the order among equal scores the library's own, so
 * the check is: every returned score is right, the list is ranked, and no
 * pin left out scores above the last one returned. */
typedef struct exact_case {
    double e, beta;
    int with_board, include_boards;
} exact_case;

static double degpow(uint64_t d, double e) { return pow((double)(d ? d : 1), -e); }

/* Every refused value leaves a message naming the parameter and the value,
 * a success clears it, and a refused call changes nothing. */
static int msg_has(const bw_query *q, const char *a, const char *b) {
    const char *m = bw_query_errmsg(q);
    int ok = m && strstr(m, a) && (!b || strstr(m, b));
    if (!ok) fprintf(stderr, "  message \"%s\" lacks \"%s\"%s%s\n", m ? m : "(null)", a, b ? " or " : "", b ? b : "");
    return ok;
}

static void test_query_messages(void) {
    bw_query *q = NULL;
    CHECK(rc_is(bw_query_new(&q), 0));
    CHECK(strcmp(bw_query_errmsg(q), "") == 0);
    CHECK(bw_query_errmsg(NULL) != NULL && bw_query_errmsg(NULL)[0] != 0);
    CHECK(rc_is(bw_query_set_steps(q, 0), BW_EINVAL) && msg_has(q, "steps", "not 0"));
    CHECK(rc_is(bw_query_set_steps(q, 5), 0) && strcmp(bw_query_errmsg(q), "") == 0);
    CHECK(rc_is(bw_query_set_restart(q, 1.5), BW_EINVAL) && msg_has(q, "restart", "not 1.5"));
    CHECK(rc_is(bw_query_set_restart(q, NAN), BW_EINVAL) && msg_has(q, "restart", "nan"));
    CHECK(rc_is(bw_query_set_restart(q, 0.1), 0));
    CHECK(rc_is(bw_query_set_restart(q, 0.30000000000000004), 0));
    CHECK(rc_is(bw_query_set_restart(q, 1.0000000000000002), BW_EINVAL) && msg_has(q, "not 1.0000000000000002", NULL));
    CHECK(rc_is(bw_query_set_top(q, 0), BW_EINVAL) && msg_has(q, "top", "1000000"));
    CHECK(rc_is(bw_query_set_early_stop(q, 1, 0, 3), BW_EINVAL) && msg_has(q, "early_stop", NULL));
    CHECK(rc_is(bw_query_set_bias(q, 2.0, BW_ATTR_ANY, BW_ATTR_ANY), BW_EINVAL) && msg_has(q, "bias", "not 2"));
    CHECK(rc_is(bw_query_set_popularity_penalty(q, -1), BW_EINVAL) && msg_has(q, "popularity_penalty", "not -1"));
    CHECK(rc_is(bw_query_set_exponent(q, 3), BW_EINVAL) && msg_has(q, "exponent", "not 3"));
    CHECK(rc_is(bw_query_set_method(q, 7), BW_EINVAL) && msg_has(q, "method", "not 7"));
    CHECK(rc_is(bw_query_add_pin(q, 42, -1), BW_EINVAL) && msg_has(q, "pin 42", "not -1"));
    CHECK(rc_is(bw_query_add_board(q, 43, INFINITY), BW_EINVAL) && msg_has(q, "board 43", "inf"));
    CHECK(rc_is(bw_query_set_time_budget(q, UINT64_MAX), BW_EINVAL) && msg_has(q, "time budget", NULL));

    /* Milliseconds: positive, finite, at most BW_MAX_TIME_BUDGET_US / 1000. */
    double bad_ms[] = {0.0, -0.0, -1.0, NAN, INFINITY, (double)(BW_MAX_TIME_BUDGET_US / 1000) * 2};
    for (size_t i = 0; i < sizeof bad_ms / sizeof bad_ms[0]; i++)
        CHECK(rc_is(bw_query_set_time_budget_ms(q, bad_ms[i]), BW_EINVAL) && msg_has(q, "time_budget_ms", NULL));
    CHECK(rc_is(bw_query_set_time_budget_ms(q, 1e-9), 0)); /* at least one microsecond */
    CHECK(rc_is(bw_query_set_time_budget_ms(q, 5.5), 0));
    CHECK(rc_is(bw_query_set_time_budget_ms(q, (double)(BW_MAX_TIME_BUDGET_US / 1000)), 0));

    /* A language or topic without a bias implies bias 1; a bias once set
     * stays; the exact method refuses any bias, set or implied, in either
     * order, and a refused call leaves the query as it was. */
    CHECK(rc_is(bw_query_set_preference(q, 0, BW_ATTR_ANY), 0));
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_EXACT), BW_EINVAL) && msg_has(q, "exact", "bias"));
    CHECK(rc_is(bw_query_set_preference(q, BW_ATTR_ANY, BW_ATTR_ANY), 0)); /* implied bias back to 0 */
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_EXACT), 0));
    CHECK(rc_is(bw_query_set_preference(q, BW_ATTR_ANY, 3), BW_EINVAL) && msg_has(q, "exact", NULL));
    CHECK(rc_is(bw_query_set_bias(q, 0.5, BW_ATTR_ANY, BW_ATTR_ANY), BW_EINVAL) && msg_has(q, "exact", NULL));
    CHECK(rc_is(bw_query_set_bias(q, 0.0, 1, 1), 0)); /* an explicit 0 allows a language on an exact query */
    CHECK(rc_is(bw_query_set_preference(q, 2, 2), 0)); /* the explicit 0 stays */
    CHECK(rc_is(bw_query_set_method(q, BW_METHOD_WALK), 0));
    CHECK(rc_is(bw_query_set_preference(q, BW_ATTR_NONE, BW_ATTR_ANY), BW_EINVAL) && msg_has(q, "language", NULL));
    CHECK(rc_is(bw_query_set_top(q, 7), 0) && strcmp(bw_query_errmsg(q), "") == 0);
    bw_query_free(q);
}

static void test_exact(bw_graph *g) {
    uint64_t npins = 0, nboards = 0;
    bw_graph_stat(g, BW_STAT_PINS, &npins);
    bw_graph_stat(g, BW_STAT_BOARDS, &nboards);
    uint64_t p1, p2;
    pick_pins(g, &p1, &p2);
    uint64_t b0;
    bw_graph_node_id(g, BW_BOARD, (uint32_t)(nboards / 3), &b0);
    double *ps = calloc(npins, sizeof *ps), *bm = calloc(nboards, sizeof *bm);
    uint64_t *nb = malloc((npins + nboards + 1) * sizeof *nb);
    const exact_case cases[] = {{1.0, 0.0, 0, 0}, {0.75, 0.7, 0, 0}, {0.5, 0.3, 1, 0}, {1.0, 0.5, 1, 1}, {0.0, 0.0, 0, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const exact_case *k = &cases[c];
        memset(ps, 0, npins * sizeof *ps);
        memset(bm, 0, nboards * sizeof *bm);
        const double w1 = 2.0, w2 = 0.5, wb = k->with_board ? 1.5 : 0.0, wsum = w1 + w2 + wb;
        const uint64_t qp[2] = {p1, p2};
        const double qw[2] = {w1, w2};
        for (int i = 0; i < 2; i++) {
            size_t n = 0;
            bw_graph_node_neighbors(g, BW_PIN, qp[i], nb, npins + nboards, &n);
            for (size_t j = 0; j < n; j++) {
                uint32_t bi;
                bw_graph_node_index(g, BW_BOARD, nb[j], &bi);
                bm[bi] += qw[i] / wsum * degpow(n, k->e);
            }
        }
        uint32_t b0i;
        bw_graph_node_index(g, BW_BOARD, b0, &b0i);
        if (k->with_board) bm[b0i] += wb / wsum;
        for (uint32_t bi = 0; bi < nboards; bi++) {
            if (bm[bi] == 0.0) continue;
            uint64_t bid;
            size_t n = 0;
            bw_graph_node_id(g, BW_BOARD, bi, &bid);
            bw_graph_node_neighbors(g, BW_BOARD, bid, nb, npins + nboards, &n);
            for (size_t j = 0; j < n; j++) {
                uint32_t pi;
                bw_graph_node_index(g, BW_PIN, nb[j], &pi);
                ps[pi] += bm[bi] * degpow(n, k->e);
            }
        }
        /* The penalty, and the pins never returned: the query's and one excluded. */
        uint64_t excluded = 0;
        double best = -1;
        for (uint32_t pi = 0; pi < npins; pi++) {
            uint64_t id, d = 0;
            bw_graph_node_id(g, BW_PIN, pi, &id);
            bw_graph_node_degree(g, BW_PIN, id, &d);
            ps[pi] *= degpow(d, k->beta);
            if (id != p1 && id != p2 && ps[pi] > best) {
                best = ps[pi];
                excluded = id;
            }
        }
        for (uint32_t bi = 0; bi < nboards; bi++) {
            uint64_t id, d = 0;
            bw_graph_node_id(g, BW_BOARD, bi, &id);
            bw_graph_node_degree(g, BW_BOARD, id, &d);
            bm[bi] *= degpow(d, k->beta);
        }
        bw_query *q = NULL;
        bw_query_new(&q);
        bw_query_add_pin(q, p1, w1);
        bw_query_add_pin(q, p2, w2);
        if (k->with_board) bw_query_add_board(q, b0, wb);
        CHECK(rc_is(bw_query_set_method(q, BW_METHOD_EXACT), 0));
        CHECK(rc_is(bw_query_set_exponent(q, k->e), 0));
        bw_query_set_popularity_penalty(q, k->beta);
        bw_query_set_include_boards(q, k->include_boards);
        bw_query_set_top(q, 12);
        bw_query_set_seed(q, 1 + c); /* no effect: the method does not sample */
        bw_query_exclude_pin(q, excluded);
        recs a, a2;
        CHECK(rc_is(run(g, q, &a), 0) && a.n > 0);
        CHECK(ranked(&a));
        bw_query_set_seed(q, 1000 + c);
        CHECK(rc_is(run(g, q, &a2), 0) && same(&a, &a2));
        int right = 1, kinds_ok = 1;
        double last = a.n ? a.r[a.n - 1].score : 0;
        for (size_t i = 0; i < a.n; i++) {
            uint32_t ix;
            double want;
            if (a.r[i].kind == BW_BOARD) {
                kinds_ok &= k->include_boards && bw_graph_node_index(g, BW_BOARD, a.r[i].id, &ix) == 0;
                want = bm[ix];
                kinds_ok &= !(k->with_board && a.r[i].id == b0);
            } else {
                bw_graph_node_index(g, BW_PIN, a.r[i].id, &ix);
                want = ps[ix];
                kinds_ok &= a.r[i].id != p1 && a.r[i].id != p2 && a.r[i].id != excluded;
            }
            if (!(fabs(a.r[i].score - want) <= 1e-12 * want)) right = 0;
        }
        int complete = 1;
        for (uint32_t pi = 0; pi < npins; pi++) {
            uint64_t id;
            bw_graph_node_id(g, BW_PIN, pi, &id);
            if (id == p1 || id == p2 || id == excluded || contains(&a, id)) continue;
            if (ps[pi] > last * (1 + 1e-12)) complete = 0;
        }
        CHECK(right);
        CHECK(kinds_ok);
        CHECK(complete);
        /* bw_score: the exact score of any pin, 0 for one not reached. */
        bw_query_add_candidate(q, a.r[0].id);
        bw_query_add_candidate(q, 1); /* not in the graph */
        bw_results *r = NULL;
        double sc = -1;
        uint64_t v = 0;
        CHECK(rc_is(bw_score(g, q, &r), 0) && bw_results_count(r) == 2);
        bw_results_get(r, 0, NULL, &sc, &v);
        CHECK(sc == a.r[0].score && v == a.r[0].visits && v >= 1);
        bw_results_get(r, 1, NULL, &sc, &v);
        CHECK(sc == 0.0 && v == 0);
        bw_results_free(r);
        free(a.r);
        free(a2.r);
        bw_query_free(q);
    }
    /* A walk and an exact query alternating on one thread's pooled context
     * give the same answers as alone (the exact method's scratch is cleared). */
    bw_query *w = new_query(p1, 1.0, 5), *x = new_query(p2, 1.0, 5);
    bw_query_set_method(x, BW_METHOD_EXACT);
    recs w1r, x1r, w2r, x2r;
    CHECK(rc_is(run(g, w, &w1r), 0) && rc_is(run(g, x, &x1r), 0));
    CHECK(rc_is(run(g, w, &w2r), 0) && rc_is(run(g, x, &x2r), 0));
    CHECK(same(&w1r, &w2r) && same(&x1r, &x2r));
    free(w1r.r);
    free(x1r.r);
    free(w2r.r);
    free(x2r.r);
    bw_query_free(w);
    bw_query_free(x);
    free(ps);
    free(bm);
    free(nb);
}

static void test_recommend(bw_graph *g, int has_attributes) {
    uint64_t p1, p2;
    pick_pins(g, &p1, &p2);
    uint64_t pins = 0;
    bw_graph_stat(g, BW_STAT_PINS, &pins);
    bw_results *r = (bw_results *)(uintptr_t)1;
    bw_query *q = new_query(p1, 1.0, 7);
    CHECK(q != NULL);

    /* NULL handles; a failure leaves *out_results NULL. */
    CHECK(rc_is(bw_recommend(NULL, q, &r), BW_EINVAL) && r == NULL);
    r = (bw_results *)(uintptr_t)1;
    CHECK(rc_is(bw_recommend(g, NULL, &r), BW_EINVAL) && r == NULL);
    CHECK(rc_is(bw_recommend(g, q, NULL), BW_EINVAL));
    r = (bw_results *)(uintptr_t)1;
    CHECK(rc_is(bw_score(NULL, q, &r), BW_EINVAL) && r == NULL);
    CHECK(rc_is(bw_score(g, NULL, &r), BW_EINVAL));
    CHECK(rc_is(bw_score(g, q, NULL), BW_EINVAL));

    /* The basic walk: ranked, query pin left out, counters sane. */
    recs a, b;
    CHECK(rc_is(run(g, q, &a), 0));
    CHECK(a.n > 0 && a.n <= BW_DEFAULT_TOP);
    CHECK(ranked(&a));
    CHECK(!contains(&a, p1));
    CHECK(a.partial == 0);
    CHECK(a.steps > 0 && a.steps <= BW_DEFAULT_STEPS);
    uint64_t sum = 0;
    int kinds_ok = 1, ids_ok = 1;
    for (size_t i = 0; i < a.n; i++) {
        uint32_t idx;
        sum += a.r[i].visits;
        kinds_ok &= a.r[i].kind == BW_PIN;
        ids_ok &= bw_graph_node_index(g, BW_PIN, a.r[i].id, &idx) == 0;
    }
    CHECK(kinds_ok && ids_ok);
    CHECK(sum <= a.steps); /* at most one pin visit per step */

    /* Same seed: same results; another seed: another walk. */
    CHECK(rc_is(run(g, q, &b), 0));
    CHECK(same(&a, &b));
    free(b.r);
    bw_query_set_seed(q, 8);
    CHECK(rc_is(run(g, q, &b), 0));
    CHECK(!same(&a, &b));
    free(b.r);
    bw_query_set_seed(q, 7);

    /* Results accessors. */
    CHECK(rc_is(bw_recommend(g, q, &r), 0) && r != NULL);
    size_t n = bw_results_count(r);
    uint64_t id = 0, visits = 0;
    double score = 0;
    int kind = -1;
    CHECK(n == a.n);
    CHECK(rc_is(bw_results_get(r, 0, NULL, NULL, NULL), 0));
    CHECK(rc_is(bw_results_get(r, 0, &id, NULL, NULL), 0) && id == a.r[0].id);
    CHECK(rc_is(bw_results_get(r, 0, NULL, &score, NULL), 0) && score == a.r[0].score);
    CHECK(rc_is(bw_results_get(r, 0, NULL, NULL, &visits), 0) && visits == a.r[0].visits);
    CHECK(rc_is(bw_results_get(r, n, &id, &score, &visits), BW_ERANGE));
    CHECK(rc_is(bw_results_get(r, SIZE_MAX, &id, &score, &visits), BW_ERANGE));
    CHECK(rc_is(bw_results_kind(r, 0, &kind), 0) && kind == BW_PIN);
    CHECK(rc_is(bw_results_kind(r, n, &kind), BW_ERANGE));
    CHECK(rc_is(bw_results_kind(r, 0, NULL), BW_EINVAL));
    CHECK(bw_results_partial(r) == 0);
    CHECK(bw_results_steps(r) == a.steps);
    CHECK(bw_results_elapsed_us(r) < 60u * 1000000u);
    CHECK(bw_results_unknown_count(r) == 0);
    CHECK(rc_is(bw_results_unknown(r, 0, &kind, &id), BW_ERANGE));
    bw_results_free(r);

    /* Top K. */
    bw_query_set_top(q, 3);
    CHECK(rc_is(run(g, q, &b), 0));
    CHECK(b.n == 3 && a.n >= 3);
    CHECK(b.n == 3 && same_prefix(&b, &a, 3));
    free(b.r);
    bw_query_set_top(q, BW_DEFAULT_TOP);

    /* Exclusions: the best pin disappears, the order of the rest holds. */
    bw_query_exclude_pin(q, a.r[0].id);
    bw_query_exclude_pin(q, 1); /* unknown ids are ignored */
    CHECK(rc_is(run(g, q, &b), 0));
    CHECK(!contains(&b, a.r[0].id));
    CHECK(b.n >= 1 && a.n >= 2 && b.r[0].id == a.r[1].id);
    free(b.r);

    /* Without boosting or a popularity penalty a score is the visit count;
     * without early stopping a single pin walks the whole budget. */
    bw_query *plain = new_query(p1, 1.0, 3);
    bw_query_set_boost(plain, 0);
    bw_query_set_popularity_penalty(plain, 0.0);
    bw_query_set_early_stop(plain, 0, 0, 0);
    bw_query_set_steps(plain, 20000);
    CHECK(rc_is(run(g, plain, &b), 0));
    int eq = 1;
    for (size_t i = 0; i < b.n; i++) eq &= b.r[i].score == (double)b.r[i].visits;
    CHECK(eq);
    CHECK(b.steps == 20000);
    free(b.r);
    bw_query_free(plain);

    /* Two query pins, weighted; the same pin twice adds its weights. */
    bw_query *two = new_query(p1, 1.0, 11), *split = new_query(p1, 0.25, 11);
    bw_query_add_pin(two, p2, 0.5);
    bw_query_add_pin(split, p2, 0.5);
    bw_query_add_pin(split, p1, 0.75);
    recs c;
    CHECK(rc_is(run(g, two, &b), 0));
    CHECK(rc_is(run(g, split, &c), 0));
    CHECK(same(&b, &c));
    CHECK(!contains(&b, p1) && !contains(&b, p2));
    CHECK(ranked(&b));
    free(b.r);
    free(c.r);
    bw_query_free(split);

    /* bw_score: the same walk, scores per candidate, in order. */
    bw_query_set_seed(two, 11);
    CHECK(rc_is(run(g, two, &b), 0));
    for (size_t i = b.n; i-- > 0;) bw_query_add_candidate(two, b.r[i].id); /* reversed */
    bw_query_add_candidate(two, 1);                                      /* not in the graph */
    CHECK(rc_is(bw_score(g, two, &r), 0));
    CHECK(bw_results_count(r) == b.n + 1);
    int scores_ok = 1;
    for (size_t i = 0; i < b.n; i++) {
        size_t j = b.n - 1 - i;
        if (bw_results_get(r, i, &id, &score, &visits) != 0 || id != b.r[j].id || score != b.r[j].score ||
            visits != b.r[j].visits || bw_results_kind(r, i, &kind) != 0 || kind != BW_PIN)
            scores_ok = 0;
    }
    CHECK(scores_ok);
    CHECK(rc_is(bw_results_get(r, b.n, &id, &score, &visits), 0) && id == 1 && score == 0.0 && visits == 0);
    bw_results_free(r);
    free(b.r);
    bw_query_free(two);

    /* The popularity penalty: the same walk (same visits), each score divided
     * by the pin's degree^beta. */
    bw_query *raw = new_query(p1, 1.0, 13), *pen = new_query(p1, 1.0, 13);
    bw_query_add_pin(raw, p2, 1.0);
    bw_query_add_pin(pen, p2, 1.0);
    bw_query_set_popularity_penalty(raw, 0.0);
    bw_query_set_popularity_penalty(pen, 0.5);
    CHECK(rc_is(run(g, raw, &b), 0) && b.n > 0);
    for (size_t i = 0; i < b.n; i++) {
        bw_query_add_candidate(raw, b.r[i].id);
        bw_query_add_candidate(pen, b.r[i].id);
    }
    bw_results *rr = NULL, *pr = NULL;
    CHECK(rc_is(bw_score(g, raw, &rr), 0));
    CHECK(rc_is(bw_score(g, pen, &pr), 0));
    int pen_ok = bw_results_count(rr) == b.n && bw_results_count(pr) == b.n, reordered = 0;
    for (size_t i = 0; pen_ok && i < b.n; i++) {
        uint64_t v0, v1, deg = 0;
        double s0, s1;
        bw_results_get(rr, i, NULL, &s0, &v0);
        bw_results_get(pr, i, NULL, &s1, &v1);
        bw_graph_node_degree(g, BW_PIN, b.r[i].id, &deg);
        double want = s0 / sqrt((double)deg);
        if (v0 != v1 || s0 != b.r[i].score || fabs(s1 - want) > 1e-9 * want) pen_ok = 0;
    }
    CHECK(pen_ok);
    recs c2;
    CHECK(rc_is(run(g, pen, &c2), 0));
    CHECK(ranked(&c2));
    for (size_t i = 0; i < c2.n && i < b.n; i++) reordered |= c2.r[i].id != b.r[i].id;
    CHECK(reordered); /* degrees differ, so the ranking does */
    free(c2.r);
    free(b.r);
    bw_results_free(rr);
    bw_results_free(pr);
    bw_query_free(raw);
    bw_query_free(pen);

    /* Empty queries. */
    bw_query *empty = NULL;
    bw_query_new(&empty);
    r = (bw_results *)(uintptr_t)1;
    CHECK(rc_is(bw_recommend(g, empty, &r), BW_EEMPTY) && r == NULL);
    CHECK(rc_is(bw_score(g, empty, &r), BW_EEMPTY));
    bw_query_add_pin(empty, p1, 0.0);
    CHECK(rc_is(bw_recommend(g, empty, &r), BW_EEMPTY));
    bw_query_free(empty);

    /* Unknown ids: strict fails, lenient skips and lists them. */
    bw_query *unk = new_query(p1, 1.0, 7);
    uint64_t missing_pin = 1, missing_board = 2;
    bw_query_add_pin(unk, missing_pin, 1.0);
    bw_query_add_board(unk, missing_board, 1.0);
    r = (bw_results *)(uintptr_t)1;
    CHECK(rc_is(bw_recommend(g, unk, &r), BW_ENOTFOUND) && r == NULL);
    CHECK(rc_is(bw_score(g, unk, &r), BW_ENOTFOUND));
    CHECK(rc_is(bw_query_set_lenient(unk, 1), 0));
    CHECK(rc_is(bw_recommend(g, unk, &r), 0));
    CHECK(bw_results_unknown_count(r) == 2);
    int seen_pin = 0, seen_board = 0;
    for (size_t i = 0; i < bw_results_unknown_count(r); i++) {
        CHECK(rc_is(bw_results_unknown(r, i, &kind, &id), 0));
        seen_pin += kind == BW_PIN && id == missing_pin;
        seen_board += kind == BW_BOARD && id == missing_board;
    }
    CHECK(seen_pin == 1 && seen_board == 1);
    CHECK(rc_is(bw_results_unknown(r, 2, &kind, &id), BW_ERANGE));
    CHECK(rc_is(bw_results_unknown(r, 0, NULL, &id), BW_EINVAL));
    CHECK(rc_is(bw_results_unknown(r, 0, &kind, NULL), BW_EINVAL));
    /* The known pin walks as if alone. */
    recs alone;
    bw_query *known = new_query(p1, 1.0, 7);
    CHECK(rc_is(run(g, known, &alone), 0) && alone.n > 0);
    bw_query_free(known);
    CHECK(bw_results_count(r) == alone.n);
    CHECK(rc_is(bw_results_get(r, 0, &id, &score, NULL), 0) && alone.n > 0 && id == alone.r[0].id &&
          score == alone.r[0].score);
    bw_results_free(r);
    free(alone.r);
    bw_query_clear(unk);
    bw_query_add_pin(unk, missing_pin, 1.0);
    CHECK(rc_is(bw_recommend(g, unk, &r), BW_EEMPTY));
    bw_query_free(unk);

    /* Boards: as query nodes, and as results when asked for. */
    uint64_t board = 0;
    size_t nn = 0;
    CHECK(rc_is(bw_graph_node_neighbors(g, BW_PIN, p1, &board, 1, &nn), 0) && nn > 0);
    bw_query *bq = NULL;
    bw_query_new(&bq);
    bw_query_add_board(bq, board, 1.0);
    CHECK(rc_is(run(g, bq, &b), 0));
    CHECK(b.n > 0 && ranked(&b));
    free(b.r);
    bw_query_set_include_boards(bq, 1);
    CHECK(rc_is(run(g, bq, &b), 0));
    int boards_seen = 0, boards_ok = 1;
    for (size_t i = 0; i < b.n; i++) {
        uint32_t idx;
        if (b.r[i].kind == BW_BOARD) {
            boards_seen++;
            boards_ok &= bw_graph_node_index(g, BW_BOARD, b.r[i].id, &idx) == 0;
        }
    }
    CHECK(boards_seen > 0 && boards_ok);
    CHECK(ranked(&b));
    free(b.r);
    bw_query_free(bq);

    /* A time budget cuts a long walk short and says so. */
    bw_query *slow = new_query(p1, 1.0, 1);
    bw_query_set_steps(slow, 1000000000ull);
    bw_query_set_early_stop(slow, 0, 0, 0);
    bw_query_set_time_budget(slow, 1000); /* 1 ms */
    CHECK(rc_is(run(g, slow, &b), 0));
    CHECK(b.partial == 1);
    CHECK(b.steps > 0 && b.steps < 1000000000ull);
    free(b.r);
    bw_query_free(slow);

    /* A biased walk favours pins of the user's language. */
    if (has_attributes) {
        uint32_t lang = 0, topic = 0, p1_lang = 0, code = 0;
        bw_graph_node_attributes(g, BW_PIN, p1, &p1_lang, &topic);
        /* A language other than the query pin's own. */
        for (code = 0; code < 16; code++) {
            const char *nm;
            size_t len;
            if (bw_graph_attribute_name(g, BW_ATTR_LANGUAGE, code, &nm, &len) != 0) break;
            if (code != p1_lang) break;
        }
        bw_query *plainq = new_query(p1, 1.0, 5), *biased = new_query(p1, 1.0, 5);
        bw_query_set_top(plainq, (uint32_t)(pins < BW_MAX_TOP ? pins : BW_MAX_TOP));
        bw_query_set_top(biased, (uint32_t)(pins < BW_MAX_TOP ? pins : BW_MAX_TOP));
        CHECK(rc_is(bw_query_set_bias(biased, 1.0, code, BW_ATTR_ANY), 0));
        recs plain_r, biased_r;
        CHECK(rc_is(run(g, plainq, &plain_r), 0));
        CHECK(rc_is(run(g, biased, &biased_r), 0));
        double share[2] = {0, 0};
        recs *both[2] = {&plain_r, &biased_r};
        for (int k = 0; k < 2; k++) {
            uint64_t in = 0, all = 0;
            for (size_t i = 0; i < both[k]->n; i++) {
                bw_graph_node_attributes(g, BW_PIN, both[k]->r[i].id, &lang, &topic);
                all += both[k]->r[i].visits;
                if (lang == code) in += both[k]->r[i].visits;
            }
            share[k] = all ? (double)in / (double)all : 0;
        }
        CHECK(share[1] > share[0]);
        free(plain_r.r);
        free(biased_r.r);
        bw_query_free(plainq);
        bw_query_free(biased);
    }

    free(a.r);
    bw_query_free(q);
}

/* ------------------------------------------------------------------------ */
/* Threads                                                                    */

#define THREADS 8
#define ROUNDS 12
#define SEEDS 4

typedef struct thread_job {
    const bw_graph *g;
    bw_query *const *shared; /* SEEDS queries, read by every thread */
    const recs *expected;    /* SEEDS single-threaded results */
    uint64_t pin, pin2;
    int index;
    int errors, mismatches;
} thread_job;

static void *thread_main(void *arg) {
    thread_job *job = arg;
    for (int round = 0; round < ROUNDS; round++) {
        int seed = (job->index + round) % SEEDS;
        recs got;
        /* Alternate a shared query with one of the thread's own. */
        bw_query *own = NULL;
        const bw_query *q = job->shared[seed];
        if (round % 2) {
            own = new_query(job->pin, 1.0, (uint64_t)seed);
            bw_query_add_pin(own, job->pin2, 0.5);
            q = own;
        }
        if (run(job->g, q, &got) != 0) job->errors++;
        else if (!same(&got, &job->expected[seed])) job->mismatches++;
        free(got.r);
        bw_query_free(own);
    }
    return NULL;
}

static void test_threads(bw_graph *g) {
    uint64_t p1, p2;
    pick_pins(g, &p1, &p2);
    bw_query *shared[SEEDS];
    recs expected[SEEDS];
    for (int s = 0; s < SEEDS; s++) {
        shared[s] = new_query(p1, 1.0, (uint64_t)s);
        bw_query_add_pin(shared[s], p2, 0.5);
        CHECK(rc_is(run(g, shared[s], &expected[s]), 0));
    }
    CHECK(!same(&expected[0], &expected[1]));
    pthread_t threads[THREADS];
    thread_job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (thread_job){g, shared, expected, p1, p2, t, 0, 0};
        CHECK(pthread_create(&threads[t], NULL, thread_main, &jobs[t]) == 0);
    }
    int errors = 0, mismatches = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        errors += jobs[t].errors;
        mismatches += jobs[t].mismatches;
    }
    CHECK(errors == 0);
    CHECK(mismatches == 0);
    /* And after the threads, still the same. */
    recs again;
    CHECK(rc_is(run(g, shared[0], &again), 0) && same(&again, &expected[0]));
    free(again.r);
    for (int s = 0; s < SEEDS; s++) {
        free(expected[s].r);
        bw_query_free(shared[s]);
    }
}

/* ------------------------------------------------------------------------ */
/* Graphs without titles and attributes, and without edges                    */

static void test_plain(const char *path) {
    bw_graph *g = NULL;
    CHECK(rc_is(bw_graph_open(path, BW_OPEN_VERIFY, &g), 0));
    if (!g) return;
    uint64_t v = 1, pin = 0;
    const char *t;
    size_t n;
    uint32_t code, lang, topic;
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_HAS_PIN_TITLES, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_HAS_BOARD_TITLES, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_HAS_ATTRIBUTES, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_node_id(g, BW_PIN, 0, &pin), 0));
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, pin, &t, &n), BW_ENODATA));
    CHECK(rc_is(bw_graph_node_title(g, BW_PIN, 1, &t, &n), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, "en", &code), BW_ENODATA));
    CHECK(rc_is(bw_graph_attribute_name(g, BW_ATTR_TOPIC, 0, &t, &n), BW_ENODATA));
    CHECK(rc_is(bw_graph_node_attributes(g, BW_PIN, pin, &lang, &topic), 0));
    CHECK(lang == BW_ATTR_ANY && topic == BW_ATTR_ANY);
    test_recommend(g, 0);
    bw_graph_close(g);
}

static void test_empty(const char *path) {
    bw_graph *g = NULL;
    CHECK(rc_is(bw_graph_open(path, BW_OPEN_VERIFY, &g), 0));
    if (!g) return;
    uint64_t v = 1, id;
    double q = 0.5;
    uint32_t d;
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_PINS, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_EDGES, &v), 0) && v == 0);
    CHECK(rc_is(bw_graph_node_id(g, BW_PIN, 0, &id), BW_ERANGE));
    CHECK(rc_is(bw_graph_node_degree(g, BW_BOARD, 1, &v), BW_ENOTFOUND));
    CHECK(rc_is(bw_graph_degree_quantiles(g, BW_PIN, &q, 1, &d), BW_EEMPTY));
    bw_query *query = new_query(1, 1.0, 0);
    bw_results *r = NULL;
    CHECK(rc_is(bw_recommend(g, query, &r), BW_ENOTFOUND));
    bw_query_set_lenient(query, 1);
    CHECK(rc_is(bw_recommend(g, query, &r), BW_EEMPTY));
    bw_query_free(query);
    bw_graph_close(g);
}

/* ------------------------------------------------------------------------ */
/* --query: one walk as JSON, for comparison with the CLI and Python          */

static int parse_weighted(const char *s, uint64_t *id, double *w) {
    char *end;
    errno = 0;
    *id = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    *w = 1.0;
    if (*end == ':') *w = strtod(end + 1, &end);
    return *end ? -1 : 0;
}

static int query_json(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: test_abi --query GRAPH --pin ID[:W]... [options]\n");
        return 64;
    }
    bw_graph *g = NULL;
    char msg[512];
    int rc = bw_graph_open_ex(argv[2], 0, &g, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "test_abi: %s\n", msg);
        return 1;
    }
    bw_query *q = NULL;
    bw_query_new(&q);
    const char *language = NULL, *topic = NULL;
    double bias = -1;
    for (int i = 3; i < argc && rc == 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t id;
        double w;
        if (!strcmp(a, "--no-boost")) rc = bw_query_set_boost(q, 0);
        else if (!strcmp(a, "--no-early-stop")) rc = bw_query_set_early_stop(q, 0, 0, 0);
        else if (!strcmp(a, "--include-boards")) rc = bw_query_set_include_boards(q, 1);
        else if (!v) rc = BW_EINVAL;
        else if (i++, !strcmp(a, "--pin")) rc = parse_weighted(v, &id, &w) ? BW_EINVAL : bw_query_add_pin(q, id, w);
        else if (!strcmp(a, "--board")) rc = parse_weighted(v, &id, &w) ? BW_EINVAL : bw_query_add_board(q, id, w);
        else if (!strcmp(a, "--seed")) rc = bw_query_set_seed(q, strtoull(v, NULL, 10));
        else if (!strcmp(a, "--top")) rc = bw_query_set_top(q, (uint32_t)strtoul(v, NULL, 10));
        else if (!strcmp(a, "--steps")) rc = bw_query_set_steps(q, strtoull(v, NULL, 10));
        else if (!strcmp(a, "--restart")) rc = bw_query_set_restart(q, strtod(v, NULL));
        else if (!strcmp(a, "--language")) language = v;
        else if (!strcmp(a, "--topic")) topic = v;
        else if (!strcmp(a, "--bias")) bias = strtod(v, NULL);
        else if (!strcmp(a, "--popularity-penalty")) rc = bw_query_set_popularity_penalty(q, strtod(v, NULL));
        else if (!strcmp(a, "--method")) rc = bw_query_set_method(q, !strcmp(v, "exact") ? BW_METHOD_EXACT : !strcmp(v, "walk") ? BW_METHOD_WALK : -1);
        else if (!strcmp(a, "--exponent")) rc = bw_query_set_exponent(q, strtod(v, NULL));
        else rc = BW_EINVAL;
        if (rc) fprintf(stderr, "test_abi: %s: %s\n", a, bw_strerror(rc));
    }
    /* As the CLI: the library implies bias 1 for a language or topic. */
    if (rc == 0 && (language || topic || bias >= 0)) {
        uint32_t l = BW_ATTR_ANY, t = BW_ATTR_ANY;
        if (language) rc = bw_graph_attribute_code(g, BW_ATTR_LANGUAGE, language, &l);
        if (rc == 0 && topic) rc = bw_graph_attribute_code(g, BW_ATTR_TOPIC, topic, &t);
        if (rc == 0) rc = bias >= 0 ? bw_query_set_bias(q, bias, l, t) : bw_query_set_preference(q, l, t);
        if (rc) fprintf(stderr, "test_abi: bias: %s\n", bw_strerror(rc));
    }
    bw_results *r = NULL;
    if (rc == 0) {
        rc = bw_recommend(g, q, &r);
        if (rc) fprintf(stderr, "test_abi: %s\n", bw_strerror(rc));
    }
    if (rc == 0) {
        printf("{\"results\":[");
        for (size_t i = 0; i < bw_results_count(r); i++) {
            uint64_t id, visits;
            double score;
            int kind;
            bw_results_get(r, i, &id, &score, &visits);
            bw_results_kind(r, i, &kind);
            printf("%s{\"id\":%llu,%s\"score\":%.17g,\"visits\":%llu}", i ? "," : "", (unsigned long long)id,
                   kind == BW_BOARD ? "\"kind\":\"board\"," : "", score, (unsigned long long)visits);
        }
        printf("],\"steps\":%llu,\"partial\":%s}\n", (unsigned long long)bw_results_steps(r),
               bw_results_partial(r) ? "true" : "false");
    }
    bw_results_free(r);
    bw_query_free(q);
    bw_graph_close(g);
    return rc ? 1 : 0;
}

/* ------------------------------------------------------------------------ */

static void remove_workdir(void) {
    const char *names[] = {"empty.bin", "edges.tsv", "text.bwg", "magic.bwg", "version.bwg", "meta.bwg",
                           "half.bwg",  "short.bwg", "tiny.bwg", "flipped.bwg"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(work_path(names[i]));
    rmdir(workdir);
}

static void test_cancel(bw_graph *g);

/* The sample graph was built without --watermark or --time-column: it has
 * no watermark, and BW_STAT_WATERMARK says so without touching the output. */
static void test_no_watermark(const char *path) {
    bw_graph *g = NULL;
    CHECK(rc_is(bw_graph_open(path, 0, &g), 0));
    if (!g) return;
    uint64_t v = 12345;
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_WATERMARK, &v), BW_ENODATA) && v == 12345);
    CHECK(rc_is(bw_graph_stat(g, BW_STAT_WATERMARK, NULL), BW_EINVAL));
    bw_graph_close(g);
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "--query") == 0) return query_json(argc, argv);
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: test_abi GRAPH [SAMPLE_DIR [PLAIN_GRAPH [EMPTY_GRAPH]]]\n"
                        "       test_abi --query GRAPH --pin ID[:W]... [options]\n");
        return 64;
    }
    const char *graph = argv[1];
    const char *tmp = getenv("TMPDIR");
    snprintf(workdir, sizeof workdir, "%s/test_abi.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(workdir)) {
        perror("test_abi: mkdtemp");
        return 1;
    }

    sample s;
    memset(&s, 0, sizeof s);
    if (argc >= 3 && load_sample(argv[2], &s) != 0) {
        fprintf(stderr, "test_abi: cannot read %s/edges.tsv\n", argv[2]);
        return 1;
    }

    test_versions();
    test_strerror();
    test_open_errors(graph);
    test_query_setters();
    test_query_messages();

    bw_graph *g = NULL;
    char msg[512];
    int rc = bw_graph_open_ex(graph, BW_OPEN_VERIFY | BW_OPEN_PREFAULT, &g, msg, sizeof msg);
    CHECK(rc_is(rc, 0));
    if (rc) fprintf(stderr, "test_abi: %s\n", msg);
    if (g) {
        test_stats(g, graph, &s);
        test_nodes(g, &s);
        test_titles_and_attributes(g, &s);
        test_recommend(g, 1);
        test_exact(g);
        test_threads(g);
        test_cancel(g);
        /* A second handle on the same file gives the same walks. */
        bw_graph *g2 = NULL;
        CHECK(rc_is(bw_graph_open(graph, BW_OPEN_NORDAHEAD, &g2), 0));
        uint64_t p1, p2;
        pick_pins(g, &p1, &p2);
        bw_query *q = new_query(p1, 1.0, 99);
        recs a, b;
        CHECK(rc_is(run(g, q, &a), 0) && rc_is(run(g2, q, &b), 0) && same(&a, &b));
        free(a.r);
        free(b.r);
        bw_query_free(q);
        bw_graph_close(g2);
        bw_graph_close(g);
    }
    if (argc >= 4) test_plain(argv[3]);
    if (argc >= 5) test_empty(argv[4]);
    test_no_watermark(graph);

    free_sample(&s);
    remove_workdir();
    return check_summary("abi");
}

/* ------------------------------------------------------------------------ */
/* Cancellation (bw_query_cancel)                                             */

static double mono_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct cancel_job {
    bw_query *q;
    unsigned delay_ms;
} cancel_job;

static void *cancel_main(void *arg) {
    cancel_job *j = arg;
    struct timespec d = {0, (long)j->delay_ms * 1000000L};
    nanosleep(&d, NULL);
    bw_query_cancel(j->q);
    return NULL;
}

static void test_cancel(bw_graph *g) {
    uint64_t p1, p2;
    pick_pins(g, &p1, &p2);
    CHECK(rc_is(bw_query_cancel(NULL), BW_EINVAL));
    CHECK(rc_is(bw_query_uncancel(NULL), BW_EINVAL));
    CHECK(bw_query_cancelled(NULL) == 0);

    /* A walk of 10^9 steps (tens of seconds), cancelled from another thread
     * after 50 ms: it returns at once with what it found, marked partial. */
    bw_query *q = new_query(p1, 1.0, 7);
    bw_query_add_pin(q, p2, 1.0);
    CHECK(rc_is(bw_query_set_steps(q, BW_MAX_STEPS), 0));
    CHECK(rc_is(bw_query_set_early_stop(q, 0, 1, 1), 0));
    CHECK(bw_query_cancelled(q) == 0);
    cancel_job job = {q, 50};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, cancel_main, &job) == 0);
    double t0 = mono_seconds();
    recs a;
    CHECK(rc_is(run(g, q, &a), 0));
    double took = mono_seconds() - t0;
    pthread_join(t, NULL);
    CHECK(took < 5.0);
    CHECK(a.partial == 1);
    CHECK(a.steps > 0 && a.steps < BW_MAX_STEPS);
    CHECK(a.n > 0);
    CHECK(bw_query_cancelled(q) == 1);
    free(a.r);

    /* Already cancelled: the next call stops at its first check. */
    recs b;
    CHECK(rc_is(run(g, q, &b), 0));
    CHECK(b.partial == 1 && b.steps < 100000);
    free(b.r);

    /* Uncancelled: the same query walks in full again and equals a query
     * that was never cancelled. */
    CHECK(rc_is(bw_query_uncancel(q), 0));
    CHECK(bw_query_cancelled(q) == 0);
    CHECK(rc_is(bw_query_set_steps(q, 20000), 0));
    bw_query *fresh = new_query(p1, 1.0, 7);
    bw_query_add_pin(fresh, p2, 1.0);
    bw_query_set_steps(fresh, 20000);
    bw_query_set_early_stop(fresh, 0, 1, 1);
    recs c, d;
    CHECK(rc_is(run(g, q, &c), 0) && rc_is(run(g, fresh, &d), 0));
    CHECK(c.partial == 0 && same(&c, &d));
    free(c.r);
    free(d.r);

    /* bw_score on a cancelled query: partial too, one entry per candidate. */
    bw_query_add_candidate(q, p2);
    bw_query_set_steps(q, BW_MAX_STEPS);
    bw_query_cancel(q);
    bw_results *r = NULL;
    CHECK(rc_is(bw_score(g, q, &r), 0));
    CHECK(r && bw_results_partial(r) == 1 && bw_results_count(r) == 1);
    bw_results_free(r);
    bw_query_free(fresh);
    bw_query_free(q);
}
