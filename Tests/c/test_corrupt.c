/* test_corrupt.c - damaged graph files: the LMDB structures LMDB itself
 * would follow (meta pages, branch and leaf pages, nodes, overflow pages),
 * the meta record and the arrays. Every damaged file must be refused by
 * bw_graph_open with the right code and a message, or open and then be safe
 * to query and to verify; none may crash (this test runs under ASan and
 * UBSan, with the library's sources compiled in).
 *
 *   test_corrupt CORPUS_DIR    (Tests/fuzz/corpus/graph: the fuzzer's seeds,
 *                               valid graphs built by make_corpus.sh)
 *
 * The test reads LMDB's layout itself (data version 1, 64-bit: see
 * Sources/CBoardwalk/lmdb_check.c) to find what to damage. Prints each
 * failed CHECK, then `corrupt: N passed, M failed`; exits 1 on a failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mkdtemp */
#endif
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boardwalk.h"
#include "bw_internal.h"
#include "check.h"


/* ------------------------------------------------------------------------ */
/* Files                                                                      */

static char workdir[256];

static const char *work_path(const char *name) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", workdir, name);
    return path;
}

typedef struct file {
    uint8_t *d;
    size_t n;
    uint32_t ps; /* LMDB page size */
} file;

static int load(const char *path, file *f) {
    FILE *in = fopen(path, "rb");
    if (!in) return -1;
    fseek(in, 0, SEEK_END);
    long n = ftell(in);
    rewind(in);
    f->d = malloc((size_t)n);
    f->n = (size_t)n;
    int ok = f->d && fread(f->d, 1, f->n, in) == f->n;
    fclose(in);
    if (!ok) return -1;
    memcpy(&f->ps, f->d + 16 + 24, 4); /* meta page 0: the free-page database's md_pad */
    return 0;
}

static file copy_of(const file *f) {
    file c = *f;
    c.d = malloc(f->n);
    memcpy(c.d, f->d, f->n);
    return c;
}

static const char *save(const file *f, const char *name) {
    const char *path = work_path(name);
    FILE *out = fopen(path, "wb");
    if (!out || fwrite(f->d, 1, f->n, out) != f->n || fclose(out) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    return path;
}

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void wr64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* ------------------------------------------------------------------------ */
/* LMDB's layout, as much as this test needs                                  */

/* Page header: pgno at 0, flags at 10, lower at 12, upper at 14, node
 * offsets from 16 (overflow pages: the page count at 12). Node: data size
 * or child page number in the first 6 bytes, flags at 4, key size at 6, key
 * from 8. Meta page body from byte 16: mapsize at 16, the main database's
 * record at 72 (flags 76, depth 78, root 112), last page 120, txnid 128. */
enum { P_BRANCH = 1, P_LEAF = 2, P_OVERFLOW = 4, F_BIGDATA = 1 };
enum { M_MAGIC = 16, M_MAPSIZE = 32, M_PSIZE = 40, M_FLAGS = 92, M_DEPTH = 94, M_ROOT = 128,
       M_LAST = 136, M_TXNID = 144 };

static uint8_t *page(const file *f, uint64_t pgno) { return f->d + pgno * f->ps; }
static uint16_t pflags(const uint8_t *p) { return rd16(p + 10); }
static uint32_t nkeys(const uint8_t *p) { return (rd16(p + 12) - 16u) / 2u; }
static uint8_t *node(const uint8_t *p, uint32_t i) { return (uint8_t *)p + rd16(p + 16 + 2 * i); }
static uint64_t child(const uint8_t *nd) {
    return rd16(nd) | ((uint64_t)rd16(nd + 2) << 16) | ((uint64_t)rd16(nd + 4) << 32);
}
static void set_child(uint8_t *nd, uint64_t pg) {
    wr16(nd, (uint16_t)pg);
    wr16(nd + 2, (uint16_t)(pg >> 16));
    wr16(nd + 4, (uint16_t)(pg >> 32));
}
/* The meta page LMDB uses: the larger txnid, page 0 on a tie. */
static uint8_t *meta(const file *f) {
    return rd64(page(f, 1) + M_TXNID) > rd64(page(f, 0) + M_TXNID) ? page(f, 1) : page(f, 0);
}
static uint64_t root(const file *f) { return rd64(meta(f) + M_ROOT); }
static uint64_t last_pgno(const file *f) { return rd64(meta(f) + M_LAST); }

static int key_cmp(const uint8_t *nd, const char *key) {
    size_t k = rd16(nd + 6), n = strlen(key);
    int c = memcmp(nd + 8, key, k < n ? k : n);
    return c ? c : (k > n) - (k < n);
}

/* The leaf node holding `key`, or NULL; *out_page gets its page. */
static uint8_t *find(const file *f, const char *key, uint8_t **out_page) {
    uint8_t *p = page(f, root(f));
    while (pflags(p) == P_BRANCH) {
        uint32_t i = 0;
        for (uint32_t j = 1; j < nkeys(p); j++)
            if (key_cmp(node(p, j), key) <= 0) i = j;
        p = page(f, child(node(p, i)));
    }
    for (uint32_t i = 0; i < nkeys(p); i++) {
        uint8_t *nd = node(p, i);
        if (key_cmp(nd, key) == 0) {
            if (out_page) *out_page = p;
            return nd;
        }
    }
    return NULL;
}

/* Where a record's value is in the file. */
static uint8_t *value(const file *f, const char *key) {
    uint8_t *nd = find(f, key, NULL);
    if (!nd) return NULL;
    if (rd16(nd + 4) & F_BIGDATA) return page(f, rd64(nd + 8 + rd16(nd + 6))) + 16;
    return nd + 8 + rd16(nd + 6);
}

static uint8_t *first_leaf(const file *f) {
    uint8_t *p = page(f, root(f));
    while (pflags(p) == P_BRANCH) p = page(f, child(node(p, 0)));
    return p;
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                    */

static int expect_open(const char *path, uint32_t flags, int want, const char *words) {
    bw_graph *g = (bw_graph *)(uintptr_t)1;
    char msg[512] = "";
    int rc = bw_graph_open_ex(path, flags, &g, msg, sizeof msg);
    int ok = CHECK(rc == want);
    if (rc == 0) bw_graph_close(g);
    else CHECK(g == NULL && msg[0] != '\0');
    if (words && !CHECK(strstr(msg, words) != NULL)) ok = 0;
    if (!ok) fprintf(stderr, "  %s: got %d (%s), want %d; message: %s\n", path, rc, bw_strerror(rc), want, msg);
    return ok;
}

/* Both ways, refused with the same code. */
static void expect_refused(const file *f, const char *name, int want, const char *words) {
    const char *path = save(f, name);
    expect_open(path, 0, want, words);
    expect_open(path, BW_OPEN_VERIFY, want, words);
}

/* A graph that opened: every lookup, verification, and a walk when it
 * verifies. Returns 1 when it verified. */
static int query_all(bw_graph *g) {
    int verified = bw_graph_verify(g, NULL, 0) == 0;
    for (int kind = BW_PIN; kind <= BW_BOARD; kind++) {
        uint64_t n = 0;
        CHECK(bw_graph_stat(g, kind == BW_PIN ? BW_STAT_PINS : BW_STAT_BOARDS, &n) == 0);
        const uint32_t probes[] = {0, 1, (uint32_t)(n / 2), (uint32_t)n - 1, (uint32_t)n};
        for (int i = 0; i < 5; i++) {
            uint64_t id = 0, deg = 0, ids[8];
            size_t cnt = 0, len = 0;
            const char *title;
            uint32_t idx, a, b;
            if (bw_graph_node_id(g, kind, probes[i], &id) != 0) continue;
            int rc = bw_graph_node_index(g, kind, id, &idx);
            if (verified) CHECK(rc == 0 && idx == probes[i]);
            if (rc != 0) continue;
            rc = bw_graph_node_degree(g, kind, id, &deg);
            CHECK(rc == 0 || (!verified && rc == BW_ECORRUPT));
            rc = bw_graph_node_neighbors(g, kind, id, ids, 8, &cnt);
            CHECK(rc == 0 || (!verified && rc == BW_ECORRUPT));
            rc = bw_graph_node_title(g, kind, id, &title, &len);
            CHECK(rc == 0 || rc == BW_ENODATA || rc == BW_ECORRUPT);
            CHECK(bw_graph_node_attributes(g, kind, id, &a, &b) == 0);
        }
        const double qs[] = {0.0, 0.5, 1.0};
        uint32_t out[3];
        int rc = bw_graph_degree_quantiles(g, kind, qs, 3, out);
        CHECK(rc == 0 || rc == BW_EEMPTY);
    }
    uint64_t pins = 0, pin = 0;
    bw_graph_stat(g, BW_STAT_PINS, &pins);
    if (verified && pins > 0 && bw_graph_node_id(g, BW_PIN, 0, &pin) == 0) {
        bw_query *q;
        bw_results *r = NULL;
        CHECK(bw_query_new(&q) == 0);
        bw_query_set_steps(q, 2000);
        bw_query_set_seed(q, 7);
        bw_query_add_pin(q, pin, 1.0);
        int rc = bw_recommend(g, q, &r);
        CHECK(rc == 0 || rc == BW_EEMPTY);
        bw_results_free(r);
        bw_query_free(q);
    }
    return verified;
}

/* Outcome of one damaged file, both ways: refused with a code a damaged
 * file may get, or opened and safe to query; and BW_OPEN_VERIFY opens it
 * exactly when a plain open and bw_graph_verify both succeed. */
typedef struct tally {
    int refused, opened, verified;
} tally;

static void try_file(const file *f, const char *name, tally *t) {
    const char *path = save(f, name);
    bw_graph *g = NULL;
    char msg[512] = "";
    int rc = bw_graph_open_ex(path, 0, &g, msg, sizeof msg);
    int ok = rc == 0 || rc == BW_ENOTGRAPH || rc == BW_EVERSION || rc == BW_ECORRUPT;
    if (!CHECK(ok)) fprintf(stderr, "  %s: unexpected %d (%s): %s\n", name, rc, bw_strerror(rc), msg);
    int verified = 0;
    if (rc == 0) {
        t->opened++;
        verified = query_all(g);
        t->verified += verified;
        bw_graph_close(g);
    } else {
        t->refused++;
        CHECK(msg[0] != '\0');
    }
    g = NULL;
    int vrc = bw_graph_open(path, BW_OPEN_VERIFY, &g);
    CHECK((vrc == 0) == (rc == 0 && verified));
    bw_graph_close(g);
}

/* ------------------------------------------------------------------------ */
/* The cases                                                                  */

/* Meta pages: what mdb_env_open and every transaction read. */
static void test_meta_pages(const file *orig) {
    file f = copy_of(orig);
    uint8_t *m = meta(&f);

    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, 0) + M_MAGIC, 0x12345678u);
    wr32(page(&f, 1) + M_MAGIC, 0x12345678u);
    expect_refused(&f, "both-magic.bwg", BW_ENOTGRAPH, "not an LMDB file");

    /* LMDB reads both metas and refuses the file when either is not one. */
    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, 0) + M_MAGIC, 0);
    expect_refused(&f, "meta0-magic.bwg", BW_ENOTGRAPH, "not an LMDB file");

    /* Page size 0: LMDB 0.9.24 divides by it (SIGFPE) in mdb_env_open. */
    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, 0) + M_PSIZE, 0);
    expect_refused(&f, "psize0.bwg", BW_ECORRUPT, "page size 0");
    memcpy(f.d, orig->d, f.n);
    wr32(m + M_PSIZE, 3000);
    expect_refused(&f, "psize3000.bwg", BW_ECORRUPT, "page size");
    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, 1) + M_PSIZE, 8192);
    expect_refused(&f, "psize-differ.bwg", BW_ECORRUPT, "disagree");

    /* The main database's root: past the file, a meta page, empty. */
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_ROOT, last_pgno(orig) + 1);
    expect_refused(&f, "root-past.bwg", BW_ECORRUPT, "root page");
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_ROOT, 1);
    expect_refused(&f, "root-meta.bwg", BW_ECORRUPT, "root page");
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_ROOT, UINT64_MAX); /* P_INVALID: an empty database */
    expect_refused(&f, "root-invalid.bwg", BW_ENOTGRAPH, "no meta record");

    /* Depth and flags of the main database. */
    memcpy(f.d, orig->d, f.n);
    wr16(m + M_DEPTH, 0);
    expect_refused(&f, "depth0.bwg", BW_ECORRUPT, "depth");
    memcpy(f.d, orig->d, f.n);
    wr16(m + M_DEPTH, 40);
    expect_refused(&f, "depth40.bwg", BW_ECORRUPT, "depth");
    memcpy(f.d, orig->d, f.n);
    wr16(m + M_DEPTH, (uint16_t)(rd16(m + M_DEPTH) + 1)); /* the leaves are not where it says */
    expect_refused(&f, "depth-plus1.bwg", BW_ECORRUPT, "expected a branch page");
    memcpy(f.d, orig->d, f.n);
    wr16(m + M_FLAGS, 0x04); /* MDB_DUPSORT */
    expect_refused(&f, "dupsort.bwg", BW_ECORRUPT, "flags 0x4");
    memcpy(f.d, orig->d, f.n);
    wr16(m + M_FLAGS, 0x20); /* MDB_DUPFIXED without MDB_DUPSORT: CVE-2019-16224 */
    expect_refused(&f, "dupfixed.bwg", BW_ECORRUPT, "flags 0x20");

    /* Last page: past the file (it would fault), before the metas' end. */
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_LAST, (uint64_t)1 << 50);
    expect_refused(&f, "last-huge.bwg", BW_ECORRUPT, "truncated");
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_LAST, UINT64_MAX);
    expect_refused(&f, "last-max.bwg", BW_ECORRUPT, "last page number");
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_LAST, 0);
    expect_refused(&f, "last-0.bwg", BW_ECORRUPT, "last page number");

    /* A tie of transaction ids: LMDB takes meta page 0, the empty one. */
    memcpy(f.d, orig->d, f.n);
    wr64(page(&f, 1) + M_TXNID, rd64(page(&f, 0) + M_TXNID));
    expect_refused(&f, "txnid-tie.bwg", BW_ENOTGRAPH, "no meta record");

    /* A map size from a damaged meta is not used: the file's size is. */
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_MAPSIZE, (uint64_t)1 << 62);
    const char *path = save(&f, "mapsize-huge.bwg");
    expect_open(path, BW_OPEN_VERIFY, 0, NULL);
    memcpy(f.d, orig->d, f.n);
    wr64(m + M_MAPSIZE, 4096);
    path = save(&f, "mapsize-small.bwg");
    expect_open(path, BW_OPEN_VERIFY, 0, NULL);
    free(f.d);
}

/* Branch and leaf pages: what mdb_get follows from the root down. */
static void test_tree_pages(const file *orig) {
    file f = copy_of(orig);
    CHECK(pflags(page(orig, root(orig))) == P_BRANCH); /* a graph of many records */
    CHECK(nkeys(page(orig, root(orig))) >= 3);

    /* A leaf node's offset: past the page, odd, inside the free space. */
    const uint16_t offsets[] = {(uint16_t)(orig->ps - 2), 4097, 17, 20};
    for (int i = 0; i < 4; i++) {
        memcpy(f.d, orig->d, f.n);
        uint8_t *leaf = first_leaf(&f);
        wr16(leaf + 16, offsets[i]);
        expect_refused(&f, "leaf-offset.bwg", BW_ECORRUPT, "node 0");
    }

    /* A key size running past the page, on a leaf and on a branch. */
    memcpy(f.d, orig->d, f.n);
    wr16(node(first_leaf(&f), 0) + 6, 0xFFFF);
    expect_refused(&f, "leaf-ksize.bwg", BW_ECORRUPT, "past its page");
    memcpy(f.d, orig->d, f.n);
    wr16(node(page(&f, root(&f)), 1) + 6, 0xFFF0);
    expect_refused(&f, "branch-ksize.bwg", BW_ECORRUPT, "past its page");

    /* A leaf's data size running past the page. */
    memcpy(f.d, orig->d, f.n);
    {
        uint8_t *nd = node(first_leaf(&f), 0);
        CHECK(rd16(nd + 4) == 0);
        wr16(nd, 0xF000);
    }
    expect_refused(&f, "leaf-dsize.bwg", BW_ECORRUPT, "past its page");

    /* A branch's child: past the file, a meta page, the root itself, a
     * leaf reached twice. */
    const uint64_t children[] = {last_pgno(orig) + 1, (uint64_t)1 << 47, 1, root(orig)};
    const char *why[] = {"out of range", "out of range", "out of range", "reached twice"};
    for (int i = 0; i < 4; i++) {
        memcpy(f.d, orig->d, f.n);
        set_child(node(page(&f, root(&f)), 1), children[i]);
        expect_refused(&f, "branch-child.bwg", BW_ECORRUPT, why[i]);
    }
    memcpy(f.d, orig->d, f.n);
    {
        uint8_t *r = page(&f, root(&f));
        set_child(node(r, 2), child(node(r, 1)));
    }
    expect_refused(&f, "branch-shared.bwg", BW_ECORRUPT, "reached twice");

    /* mp_lower: below the header, odd, above mp_upper; a branch of one key. */
    const uint16_t lowers[] = {0, 15, 33, 0xFFF0};
    for (int i = 0; i < 4; i++) {
        memcpy(f.d, orig->d, f.n);
        wr16(first_leaf(&f) + 12, lowers[i]);
        expect_refused(&f, "leaf-lower.bwg", BW_ECORRUPT, "free space bounds");
    }
    memcpy(f.d, orig->d, f.n);
    wr16(page(&f, root(&f)) + 12, 18);
    expect_refused(&f, "branch-1key.bwg", BW_ECORRUPT, "1 keys");
    memcpy(f.d, orig->d, f.n);
    wr16(first_leaf(&f) + 14, (uint16_t)(orig->ps + 2));
    expect_refused(&f, "leaf-upper.bwg", BW_ECORRUPT, "free space bounds");

    /* Page headers: a leaf that says it is another page, or not a leaf. */
    memcpy(f.d, orig->d, f.n);
    wr64(first_leaf(&f), 99999);
    expect_refused(&f, "leaf-pgno.bwg", BW_ECORRUPT, "header says page 99999");
    memcpy(f.d, orig->d, f.n);
    wr16(first_leaf(&f) + 10, P_BRANCH);
    expect_refused(&f, "leaf-flags.bwg", BW_ECORRUPT, "expected a leaf page");

    /* Leaf node flags LMDB would act on: a sub-database; sorted duplicates
     * (LMDB 0.9.24 then dereferences a cursor it never made). */
    memcpy(f.d, orig->d, f.n);
    wr16(node(first_leaf(&f), 0) + 4, 0x02);
    expect_refused(&f, "subdata.bwg", BW_ECORRUPT, "sub-database");
    memcpy(f.d, orig->d, f.n);
    wr16(node(first_leaf(&f), 0) + 4, 0x04);
    expect_refused(&f, "dupdata.bwg", BW_ECORRUPT, "sub-database");
    free(f.d);
}

/* Overflow pages: values larger than half a page. */
static void test_overflow_pages(const file *orig) {
    file f = copy_of(orig);
    uint8_t *leaf = NULL, *big = find(orig, "pin_adj.00000000", &leaf);
    CHECK(big != NULL && (rd16(big + 4) & F_BIGDATA));
    if (!big || !(rd16(big + 4) & F_BIGDATA)) return;
    const size_t at = (size_t)(big - orig->d) + 8 + rd16(big + 6); /* the overflow page number */
    const uint64_t ov = rd64(orig->d + at);
    CHECK(pflags(page(orig, ov)) == P_OVERFLOW);

    const uint64_t bad[] = {last_pgno(orig) + 1, 0, root(orig), ov + 1, UINT64_MAX};
    const char *why[] = {"out of range", "out of range", "damaged header", "damaged header", "out of range"};
    for (int i = 0; i < 5; i++) {
        memcpy(f.d, orig->d, f.n);
        wr64(f.d + at, bad[i]);
        expect_refused(&f, "overflow-pgno.bwg", BW_ECORRUPT, why[i]);
    }
    /* The overflow page's own count of pages: past the file, too few. */
    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, ov) + 12, 0x7FFFFFFF);
    expect_refused(&f, "overflow-pages.bwg", BW_ECORRUPT, "past the last page");
    memcpy(f.d, orig->d, f.n);
    wr32(page(&f, ov) + 12, 0);
    expect_refused(&f, "overflow-0pages.bwg", BW_ECORRUPT, "holds 0 pages");
    /* A value larger than its pages. */
    memcpy(f.d, orig->d, f.n);
    wr16(f.d + (big - orig->d) + 2, 0x7FFF);
    expect_refused(&f, "overflow-dsize.bwg", BW_ECORRUPT, "lies outside the file");
    /* Two values on the same pages. */
    uint8_t *other = find(orig, "board_adj.00000000", NULL);
    CHECK(other != NULL && (rd16(other + 4) & F_BIGDATA));
    if (other) {
        memcpy(f.d, orig->d, f.n);
        wr64(f.d + (other - orig->d) + 8 + rd16(other + 6), ov);
        expect_refused(&f, "overflow-shared.bwg", BW_ECORRUPT, "overlap");
    }
    free(f.d);
}

/* One bit of a page header: every flip of a page number or flags bit of a
 * tree page or a first overflow page is caught. */
static void test_header_bits(const file *orig) {
    file f = copy_of(orig);
    int pages = 0;
    for (uint64_t pg = 2; pg <= last_pgno(orig); pg++) {
        uint16_t fl = pflags(page(orig, pg));
        if ((fl != P_BRANCH && fl != P_LEAF && fl != P_OVERFLOW) || rd64(page(orig, pg)) != pg) continue;
        pages++;
        int caught = 0, flips = 0;
        for (int byte = 0; byte < 12; byte++) {
            if (byte == 8 || byte == 9) continue; /* mp_pad: unused outside dup-sorted pages */
            for (int bit = 0; bit < 8; bit++) {
                memcpy(f.d, orig->d, f.n);
                page(&f, pg)[byte] ^= (uint8_t)(1u << bit);
                const char *path = save(&f, "header-bit.bwg");
                bw_graph *g = NULL;
                int rc = bw_graph_open(path, 0, &g);
                bw_graph_close(g);
                flips++;
                caught += rc == BW_ECORRUPT;
            }
        }
        if (!CHECK(caught == flips))
            fprintf(stderr, "  page %llu: %d of %d header bit flips caught\n", (unsigned long long)pg, caught, flips);
    }
    CHECK(pages >= 3);
    free(f.d);
}

/* Random bit flips in every page: refused, or safe to query. */
static void test_random_flips(const file *orig, const char *label) {
    file f = copy_of(orig);
    uint64_t seed = 0x5EED;
    tally t = {0, 0, 0};
    const uint64_t npages = f.n / f.ps;
    for (uint64_t pg = 0; pg < npages; pg++) {
        for (int round = 0; round < 6; round++) {
            memcpy(f.d, orig->d, f.n);
            int flips = 1 << round; /* 1 ... 32 bits */
            for (int k = 0; k < flips; k++) {
                seed += BW_MIX_GAMMA;
                uint64_t r = bw_mix64(seed);
                page(&f, pg)[r % f.ps] ^= (uint8_t)(1u << ((r >> 32) & 7));
            }
            try_file(&f, "flipped.bwg", &t);
        }
    }
    printf("%s: %llu pages x 6 flip rounds: %d refused, %d opened, %d verified\n", label,
           (unsigned long long)npages, t.refused, t.opened, t.verified);
    CHECK(t.refused > 0 && t.opened > 0);
    free(f.d);
}

/* Arrays of a graph opened without verification: lookups check what they
 * read (pin_offsets saying a list runs past the adjacency array). */
static void test_unverified_offsets(const file *orig) {
    file f = copy_of(orig);
    uint8_t *offs = value(&f, "pin_offsets.00000000");
    CHECK(offs != NULL);
    if (!offs) return;
    wr64(offs + 8, (uint64_t)1 << 40); /* pin 0's list ends far past the edges */
    const char *path = save(&f, "offsets.bwg");
    bw_graph *g = NULL;
    CHECK(bw_graph_open(path, 0, &g) == 0); /* open does not read the arrays */
    if (g) {
        uint64_t pin = 0, deg = 0, ids[4];
        size_t n = 0;
        CHECK(bw_graph_node_id(g, BW_PIN, 0, &pin) == 0);
        CHECK(bw_graph_node_degree(g, BW_PIN, pin, &deg) == BW_ECORRUPT);
        CHECK(bw_graph_node_neighbors(g, BW_PIN, pin, ids, 4, &n) == BW_ECORRUPT);
        CHECK(bw_graph_node_neighbors(g, BW_PIN, pin, NULL, 0, &n) == BW_ECORRUPT);
        char msg[256];
        CHECK(bw_graph_verify(g, msg, sizeof msg) == BW_ECORRUPT);
        bw_graph_close(g);
    }
    expect_open(path, BW_OPEN_VERIFY, BW_ECORRUPT, "checksum");
    free(f.d);
}

static void fix_meta_checksum(uint8_t *m) {
    wr64(m + offsetof(struct bw_format_meta, meta_checksum),
         bw_checksum64(m, offsetof(struct bw_format_meta, meta_checksum)));
}

/* Writes `meta` over the meta record `m` and makes its checksum right. */
static void put_meta(uint8_t *m, const struct bw_format_meta *meta) {
    memcpy(m, meta, sizeof *meta);
    fix_meta_checksum(m);
}

/* The meta record of a copy of the file (NULL, a failed check, if missing),
 * read into *meta. */
static uint8_t *meta_of(file *f, struct bw_format_meta *meta) {
    uint8_t *m = value(f, BW_KEY_META);
    CHECK(m != NULL);
    if (m) memcpy(meta, m, sizeof *meta);
    return m;
}

/* A meta record whose arrays add up to more bytes than the file has is
 * refused before open sizes its per-chunk tables by them. */
static void test_meta_array_bytes(const file *orig) {
    file f = copy_of(orig);
    struct bw_format_meta meta;
    uint8_t *m = meta_of(&f, &meta);
    if (!m) return;
    CHECK(meta.flags & BW_META_HAS_PIN_TITLES);
    struct bw_format_array *tb = &meta.arrays[BW_ARRAY_PIN_TITLE_BYTES];
    tb->count = (uint64_t)meta.chunk_bytes << 28; /* 2^28 chunks of title bytes */
    tb->chunks = 1u << 28;
    put_meta(m, &meta);
    expect_refused(&f, "array-bytes.bwg", BW_ECORRUPT, "more than the file");
    free(f.d);
}

/* The watermark bit, added within format version 1, is no damage: with the
 * bit set every value of meta.watermark (0 and 2^64 - 1 included) opens,
 * verifies and is what BW_STAT_WATERMARK reports; without it the field is
 * ignored, whatever it holds (BW_ENODATA). */
static void test_meta_watermark(const file *orig) {
    const struct { uint32_t flag; uint64_t watermark; int want; } cases[] = {
        {BW_META_HAS_WATERMARK, 0, 0},
        {BW_META_HAS_WATERMARK, UINT64_MAX, 0},
        {BW_META_HAS_WATERMARK, 1700000000000ull, 0},
        {0, 42, BW_ENODATA},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        file f = copy_of(orig);
        struct bw_format_meta meta;
        uint8_t *m = meta_of(&f, &meta);
        if (!m) return;
        CHECK((meta.flags & BW_META_HAS_WATERMARK) == 0); /* the builder set none */
        meta.flags |= cases[i].flag;
        meta.watermark = cases[i].watermark;
        put_meta(m, &meta);
        const char *path = save(&f, "watermark.bwg");
        bw_graph *g = NULL;
        char msg[256] = "";
        CHECK(bw_graph_open_ex(path, BW_OPEN_VERIFY, &g, msg, sizeof msg) == 0);
        if (g) {
            uint64_t v = 7;
            CHECK(bw_graph_stat(g, BW_STAT_WATERMARK, &v) == cases[i].want);
            CHECK(v == (cases[i].want == 0 ? cases[i].watermark : 7));
            bw_graph_close(g);
        } else {
            fprintf(stderr, "test_meta_watermark case %zu: %s\n", i, msg);
        }
        free(f.d);
    }
}

/* The two-edge graph (pins 1, 2; boards 10, 11) made into one where pin 2
 * has no neighbour and pin 1 both boards, with every checksum, count and the
 * fingerprint consistent: only the rule that every node has a neighbour (the
 * walk relies on it) refuses it, as the message shows. */
static void test_node_without_neighbours(const file *orig) {
    file f = copy_of(orig);
    uint8_t *m = value(&f, BW_KEY_META), *po = value(&f, "pin_offsets.00000000"),
            *ba = value(&f, "board_adj.00000000"), *pi = value(&f, "pin_ids.00000000"),
            *bi = value(&f, "board_ids.00000000");
    CHECK(m && po && ba && pi && bi);
    if (!(m && po && ba && pi && bi)) return;
    struct bw_format_meta meta;
    memcpy(&meta, m, sizeof meta);
    CHECK(meta.pins == 2 && meta.boards == 2 && meta.edges == 2);
    CHECK(rd64(pi) == 1 && rd64(pi + 8) == 2 && rd64(bi) == 10 && rd64(bi + 8) == 11);
    CHECK(rd64(po + 8) == 1 && rd32(ba) == 0 && rd32(ba + 4) == 1);
    wr64(po + 8, 2);  /* pin_offsets [0, 2, 2] */
    wr32(ba + 4, 0);  /* board_adj [0, 0]: board 11 holds pin 1 */
    meta.max_pin_degree = 2;
    meta.max_log_pin_degree = log(2.0);
    meta.input_fingerprint = bw_edge_fingerprint(1, 10) + bw_edge_fingerprint(1, 11);
    meta.arrays[BW_ARRAY_PIN_OFFSETS].checksum = bw_checksum64(po, 3 * 8);
    meta.arrays[BW_ARRAY_BOARD_ADJ].checksum = bw_checksum64(ba, 2 * 4);
    memcpy(m, &meta, sizeof meta);
    fix_meta_checksum(m);
    const char *path = save(&f, "no-neighbour.bwg");
    bw_graph *g = NULL;
    CHECK(bw_graph_open(path, 0, &g) == 0);
    if (g) {
        char msg[256] = "";
        CHECK(bw_graph_verify(g, msg, sizeof msg) == BW_ECORRUPT);
        CHECK(strstr(msg, "pin 2 has no neighbours") != NULL);
        uint64_t deg = 9;
        CHECK(bw_graph_node_degree(g, BW_PIN, 2, &deg) == 0 && deg == 0);
        bw_graph_close(g);
    }
    expect_open(path, BW_OPEN_VERIFY, BW_ECORRUPT, "no neighbours");
    free(f.d);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: test_corrupt CORPUS_DIR\n");
        return 2;
    }
    snprintf(workdir, sizeof workdir, "%s/boardwalk-corrupt.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(workdir)) {
        perror("mkdtemp");
        return 2;
    }
    char path[1024];
    file c64, full, tiny;
    snprintf(path, sizeof path, "%s/sample-full-c64", argv[1]);
    int ok = load(path, &c64) == 0;
    snprintf(path, sizeof path, "%s/sample-full", argv[1]);
    ok = ok && load(path, &full) == 0;
    snprintf(path, sizeof path, "%s/tiny-c64", argv[1]);
    ok = ok && load(path, &tiny) == 0;
    if (!ok) {
        fprintf(stderr, "test_corrupt: cannot read the graphs in %s\n", argv[1]);
        return 2;
    }
    /* The originals are sound. */
    expect_open(save(&c64, "c64.bwg"), BW_OPEN_VERIFY, 0, NULL);
    expect_open(save(&full, "full.bwg"), BW_OPEN_VERIFY, 0, NULL);
    expect_open(save(&tiny, "tiny.bwg"), BW_OPEN_VERIFY, 0, NULL);

    test_meta_pages(&c64);
    test_meta_pages(&full);
    test_tree_pages(&c64);
    test_overflow_pages(&full);
    test_header_bits(&full);
    test_random_flips(&full, "sample-full");
    test_random_flips(&c64, "sample-full-c64");
    test_unverified_offsets(&c64);
    test_meta_array_bytes(&c64);
    test_meta_watermark(&c64);
    test_node_without_neighbours(&tiny);

    DIR *dir = opendir(workdir);
    for (struct dirent *e; dir && (e = readdir(dir));)
        if (e->d_name[0] != '.') unlink(work_path(e->d_name));
    if (dir) closedir(dir);
    rmdir(workdir);
    free(c64.d);
    free(full.d);
    free(tiny.d);
    return check_summary("corrupt");
}
