/* lmdb_check.c - checks the LMDB structures of a graph file before LMDB
 * itself reads them.
 *
 * Debian's LMDB 0.9.24 trusts its data file. mdb_env_open divides by the
 * page size it finds in a meta page and maps as many bytes as the meta page
 * asks for; mdb_get follows the main database's root, branch pages' child
 * page numbers, node offsets, key sizes and overflow page numbers without a
 * bounds check. A damaged or crafted file can so make bw_graph_open fault
 * inside LMDB, before any check of ours runs. This file reads the same
 * structures with pread(), before LMDB opens the file, and checks everything
 * those calls will follow for Boardwalk's lookups: both meta pages, and every
 * page of the main database's B-tree with every node on it. A graph's tree is
 * small (one record per array chunk: at most a few thousand pages even for
 * the largest graphs), and open already touches each of its leaf pages
 * through mdb_get, so checking all of it costs about what open costs anyway.
 *
 * What is checked, and why (each is something LMDB relies on):
 *   - meta pages 0 and 1 (LMDB reads both and uses the one with the larger
 *     transaction id): P_META flag, magic, data version, a page size that is
 *     a power of two from 512 to 32 KiB and the same in both, the last page
 *     number inside the file; in the meta LMDB will use, main database flags
 *     that Boardwalk writes (none: no duplicate keys, plain byte-order keys),
 *     a root page number that is P_INVALID (empty) or a page after the metas,
 *     and a depth LMDB's cursor stack can hold;
 *   - every branch and leaf page reachable from the root: in range, numbered
 *     as it sits in the file, of the kind its depth calls for (all leaves at
 *     the tree's depth), reached once (no cycle, no shared page), free-space
 *     bounds mp_lower <= mp_upper <= page size, enough keys for LMDB's binary
 *     search (two on a branch page, one on a leaf);
 *   - every node: its offset even and inside the node area, its header, key
 *     and (inline) data inside the page; a branch node's child in range; a
 *     leaf node plain or F_BIGDATA only (no sub-database or duplicates, which
 *     Boardwalk never writes and which LMDB would follow elsewhere);
 *   - every overflow value: first page in range, an overflow page numbered as
 *     it sits, its page count inside the file and large enough for the
 *     value's size, its pages claimed by no other value or tree page.
 * What is not checked: key order (a misordered tree makes mdb_get miss a
 * key, which open then reports as a missing record) and the free-page
 * database (a read-only transaction never reads it).
 *
 * The file may change between this check and LMDB's own open only if it is
 * rewritten in place or replaced in that window; graph files are immutable
 * and are replaced by rename, so a caller that can be raced by an attacker
 * writing to the graph's directory is not protected (see boardwalk.h).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* pread */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boardwalk.h"
#include "bw_graph.h"

/* LMDB's on-disk layout, data version 1 (MDB_DATA_VERSION of LMDB 0.9.x,
 * built without MDB_DEVEL, so PAGEBASE is 0 and node offsets count from the
 * start of the page) as a 64-bit little-endian build writes it: page numbers,
 * sizes and transaction ids are 8 bytes. mdb.c keeps these structs private;
 * they are restated here with the meaning of each field. */
_Static_assert(sizeof(size_t) == 8, "LMDB's 64-bit layout: pgno_t and size_t are 8 bytes");

#define LM_MAGIC 0xBEEFC0DEu      /* MDB_MAGIC */
#define LM_DATA_VERSION 1u        /* MDB_DATA_VERSION */
#define LM_P_INVALID UINT64_MAX   /* P_INVALID: no page (an empty tree's root) */
#define LM_NUM_METAS 2u           /* pages 0 and 1 */
#define LM_CURSOR_STACK 32u       /* CURSOR_STACK: deepest tree a cursor can walk */
#define LM_PAGESIZE_MIN 512u      /* smaller pages are refused by bw_graph_open anyway */
#define LM_PAGESIZE_MAX 32768u    /* MAX_PAGESIZE without MDB_DEVEL: offsets are 16-bit */

/* Page flags (mp_flags). */
#define LM_P_BRANCH 0x01u
#define LM_P_LEAF 0x02u
#define LM_P_OVERFLOW 0x04u
#define LM_P_META 0x08u

/* Leaf node flags (mn_flags). */
#define LM_F_BIGDATA 0x01u /* the data is on overflow pages; the node holds their first page number */

/* The header that starts every page (MDB_page without its mp_ptrs). */
struct lm_page {
    uint64_t pgno;  /* the page's own number */
    uint16_t pad;   /* key size on LEAF2 pages (dup-sorted databases only) */
    uint16_t flags; /* LM_P_* */
    uint16_t lower; /* branch/leaf: end of the node offset array (mp_ptrs), i.e. start of free space */
    uint16_t upper; /* branch/leaf: start of the node area, which runs to the page's end */
    /* On an overflow page lower and upper together are one uint32: the
     * number of pages the value spans (mp_pages). Branch and leaf pages go
     * on with uint16 node offsets, one per node, in key order. */
};
#define LM_PAGEHDRSZ 16u

/* A node on a branch or leaf page (MDB_node without its data). */
struct lm_node {
    uint16_t lo;    /* leaf: data size bits 0-15;  branch: child page number bits 0-15 */
    uint16_t hi;    /* leaf: data size bits 16-31; branch: child page number bits 16-31 */
    uint16_t flags; /* leaf: F_* flags;            branch: child page number bits 32-47 */
    uint16_t ksize; /* key size; the key follows the header, then a leaf's data */
};
#define LM_NODESIZE 8u

/* One database's record in a meta page (MDB_db). */
struct lm_db {
    uint32_t pad;            /* in the free-page database's record: the page size */
    uint16_t flags;          /* MDB_DUPSORT, MDB_INTEGERKEY ...; free-page record: environment flags */
    uint16_t depth;          /* levels of the tree: 1 when the root is a leaf */
    uint64_t branch_pages;
    uint64_t leaf_pages;
    uint64_t overflow_pages;
    uint64_t entries;
    uint64_t root;           /* root page number, or P_INVALID when empty */
};

/* A meta page's body, after its page header (MDB_meta). */
struct lm_meta {
    uint32_t magic;          /* LM_MAGIC */
    uint32_t version;        /* LM_DATA_VERSION */
    uint64_t address;        /* fixed map address (MDB_FIXEDMAP only, unused here) */
    uint64_t mapsize;        /* bytes LMDB maps unless told otherwise */
    struct lm_db dbs[2];     /* [0] free pages, [1] the main (unnamed) database */
    uint64_t last_pgno;      /* last page in use: the file holds pages 0 ... last_pgno */
    uint64_t txnid;          /* transaction that wrote this meta page */
};

_Static_assert(sizeof(struct lm_page) == LM_PAGEHDRSZ, "MDB_page header layout");
_Static_assert(sizeof(struct lm_node) == LM_NODESIZE, "MDB_node header layout");
_Static_assert(sizeof(struct lm_db) == 48, "MDB_db layout");
_Static_assert(sizeof(struct lm_meta) == 136, "MDB_meta layout");

#define FREE_DB 0
#define MAIN_DB 1

typedef struct lm_work {
    uint64_t pgno;
    uint32_t level; /* 1 at the root */
} lm_work;

typedef struct lm_checker {
    const char *path;
    int fd;
    uint64_t file_bytes;
    uint32_t psize;
    uint64_t last_pgno;
    uint32_t depth;
    uint8_t *seen;  /* one bit per page 0 ... last_pgno: already claimed */
    uint8_t *page;  /* the page being checked */
    lm_work *stack; /* pages still to check */
    size_t nstack, capstack;
    char *msg;
    size_t cap;
} lm_checker;

/* Reads exactly n bytes at off; 0, an errno value, or BW_ECORRUPT when the
 * file ends first (it shrank since it was measured). */
static int read_at(lm_checker *c, void *buf, size_t n, uint64_t off) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(c->fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            bw_set_message(c->msg, c->cap, "%s: %s", c->path, strerror(e));
            return e;
        }
        if (r == 0) {
            bw_set_message(c->msg, c->cap, "%s: file ends at byte %llu while reading LMDB page %llu",
                           c->path, (unsigned long long)(off + got),
                           (unsigned long long)(off / (c->psize ? c->psize : 1)));
            return BW_ECORRUPT;
        }
        got += (size_t)r;
    }
    return 0;
}

static int page_seen(const lm_checker *c, uint64_t pgno) {
    return (c->seen[pgno >> 3] >> (pgno & 7)) & 1;
}

static void mark_page(lm_checker *c, uint64_t pgno) {
    c->seen[pgno >> 3] |= (uint8_t)(1u << (pgno & 7));
}

/* Claims pages [first, first + n) for one owner; -1 when one of them
 * already has one. A 1 GiB chunk spans 2^18 pages: whole bytes of the map
 * are claimed at once. */
static int claim_pages(lm_checker *c, uint64_t first, uint64_t n) {
    for (uint64_t p = first, end = first + n; p < end;) {
        if ((p & 7) == 0 && end - p >= 8) {
            if (c->seen[p >> 3] != 0) return -1;
            c->seen[p >> 3] = 0xFF;
            p += 8;
        } else {
            if (page_seen(c, p)) return -1;
            mark_page(c, p);
            p++;
        }
    }
    return 0;
}

static int push_page(lm_checker *c, uint64_t pgno, uint32_t level) {
    if (c->nstack == c->capstack) {
        size_t ncap = c->capstack ? c->capstack * 2 : 64;
        lm_work *n = realloc(c->stack, ncap * sizeof *n);
        if (!n) return BW_ENOMEM;
        c->stack = n;
        c->capstack = ncap;
    }
    c->stack[c->nstack++] = (lm_work){pgno, level};
    return 0;
}

/* Reads one meta page's header and body from byte off. */
static int read_meta(lm_checker *c, uint64_t off, int which, struct lm_meta *out) {
    uint8_t buf[LM_PAGEHDRSZ + sizeof(struct lm_meta)];
    struct lm_page h;
    if (off + sizeof buf > c->file_bytes) {
        bw_set_message(c->msg, c->cap, "%s: LMDB meta page %d lies past the end of the file", c->path,
                       which);
        return BW_ECORRUPT;
    }
    int rc = read_at(c, buf, sizeof buf, off);
    if (rc) return rc;
    memcpy(&h, buf, sizeof h);
    memcpy(out, buf + LM_PAGEHDRSZ, sizeof *out);
    /* LMDB answers MDB_INVALID or MDB_VERSION_MISMATCH to these: not ours. */
    if (!(h.flags & LM_P_META) || out->magic != LM_MAGIC || out->version != LM_DATA_VERSION) {
        bw_set_message(c->msg, c->cap, "%s: not a Boardwalk graph (not an LMDB file)", c->path);
        return BW_ENOTGRAPH;
    }
    uint32_t ps = out->dbs[FREE_DB].pad;
    if (ps < LM_PAGESIZE_MIN || ps > LM_PAGESIZE_MAX || (ps & (ps - 1)) != 0) {
        bw_set_message(c->msg, c->cap, "%s: LMDB meta page %d: invalid page size %u", c->path, which, ps);
        return BW_ECORRUPT;
    }
    return 0;
}

/* Both meta pages, and the choice LMDB makes between them: the larger
 * transaction id wins, meta page 0 on a tie (mdb_env_read_header at open,
 * mdb_env_pick_meta at every transaction: the same rule). LMDB finds meta
 * page 1 at the page size meta page 0 states, and later at the page size of
 * the meta it chose: requiring one page size makes both the same place. */
static int check_metas(lm_checker *c, struct lm_meta *out) {
    struct lm_meta m0, m1;
    int rc = read_meta(c, 0, 0, &m0);
    if (rc) return rc;
    c->psize = m0.dbs[FREE_DB].pad;
    if ((rc = read_meta(c, c->psize, 1, &m1))) return rc;
    if (m1.dbs[FREE_DB].pad != c->psize) {
        bw_set_message(c->msg, c->cap, "%s: LMDB meta pages disagree on the page size (%u and %u)",
                       c->path, c->psize, m1.dbs[FREE_DB].pad);
        return BW_ECORRUPT;
    }
    *out = m1.txnid > m0.txnid ? m1 : m0;
    const struct lm_meta *m = out;
    uint64_t pages = c->file_bytes / c->psize;
    /* LMDB maps and reads pages up to last_pgno: a truncated file would
     * fault (SIGBUS) on the first read past its end. */
    if (m->last_pgno >= pages) {
        if (m->last_pgno < UINT64_MAX / c->psize)
            bw_set_message(c->msg, c->cap, "%s: truncated: %llu bytes, the graph needs %llu", c->path,
                           (unsigned long long)c->file_bytes,
                           (unsigned long long)((m->last_pgno + 1) * c->psize));
        else
            bw_set_message(c->msg, c->cap, "%s: LMDB meta page: last page number %llu is invalid",
                           c->path, (unsigned long long)m->last_pgno);
        return BW_ECORRUPT;
    }
    if (m->last_pgno < LM_NUM_METAS - 1) {
        bw_set_message(c->msg, c->cap, "%s: LMDB meta page: last page number %llu is invalid", c->path,
                       (unsigned long long)m->last_pgno);
        return BW_ECORRUPT;
    }
    c->last_pgno = m->last_pgno;
    const struct lm_db *db = &m->dbs[MAIN_DB];
    if (db->flags != 0) {
        /* Boardwalk writes none; each changes how LMDB compares keys or
         * what it expects a leaf node to hold (sorted duplicates). */
        bw_set_message(c->msg, c->cap, "%s: LMDB main database has flags 0x%x; a graph has none",
                       c->path, db->flags);
        return BW_ECORRUPT;
    }
    if (db->root == LM_P_INVALID) return 0; /* empty: mdb_get finds nothing */
    if (db->root < LM_NUM_METAS || db->root > c->last_pgno) {
        bw_set_message(c->msg, c->cap, "%s: LMDB root page %llu is out of range (pages 2 to %llu)",
                       c->path, (unsigned long long)db->root, (unsigned long long)c->last_pgno);
        return BW_ECORRUPT;
    }
    if (db->depth < 1 || db->depth > LM_CURSOR_STACK) {
        bw_set_message(c->msg, c->cap, "%s: LMDB tree depth %u is invalid", c->path, db->depth);
        return BW_ECORRUPT;
    }
    c->depth = db->depth;
    return 0;
}

#define PAGE_FAIL(...)                                                              \
    do {                                                                            \
        char what_[160];                                                            \
        bw_set_message(what_, sizeof what_, __VA_ARGS__);                           \
        bw_set_message(c->msg, c->cap, "%s: LMDB page %llu: %s", c->path,           \
                       (unsigned long long)pgno, what_);                            \
        return BW_ECORRUPT;                                                         \
    } while (0)

/* The overflow pages of a leaf node's value: in the file, headed by an
 * overflow page that knows its number, long enough, claimed only once. */
static int check_overflow(lm_checker *c, uint64_t pgno, uint64_t ov, uint32_t dsize) {
    struct lm_page h;
    uint32_t npages;
    if (ov < LM_NUM_METAS || ov > c->last_pgno)
        PAGE_FAIL("overflow page number %llu is out of range", (unsigned long long)ov);
    int rc = read_at(c, &h, sizeof h, ov * c->psize);
    if (rc) return rc;
    memcpy(&npages, (const uint8_t *)&h + 12, sizeof npages);
    if (h.pgno != ov || h.flags != LM_P_OVERFLOW)
        PAGE_FAIL("overflow page %llu has a damaged header", (unsigned long long)ov);
    if (npages == 0) PAGE_FAIL("overflow page %llu holds 0 pages", (unsigned long long)ov);
    if (npages - 1 > c->last_pgno - ov)
        PAGE_FAIL("overflow pages %llu to %llu run past the last page %llu", (unsigned long long)ov,
                  (unsigned long long)ov + npages - 1, (unsigned long long)c->last_pgno);
    if ((uint64_t)npages * c->psize < (uint64_t)dsize + LM_PAGEHDRSZ)
        PAGE_FAIL("a value of %u bytes does not fit in %u overflow pages from page %llu%s", dsize, npages,
                  (unsigned long long)ov,
                  ov * c->psize + LM_PAGEHDRSZ + dsize > c->file_bytes ? " and lies outside the file" : "");
    if (claim_pages(c, ov, npages) != 0)
        PAGE_FAIL("overflow pages %llu to %llu overlap a page used elsewhere", (unsigned long long)ov,
                  (unsigned long long)(ov + npages - 1));
    return 0;
}

/* How far something that should end inside page pgno, at byte `end` of
 * the page, reaches: out of the file (as a damaged size usually does), or
 * only past its page. */
static const char *past(const lm_checker *c, uint64_t pgno, uint64_t end) {
    return pgno * c->psize + end > c->file_bytes ? "lies outside the file" : "runs past its page";
}

/* One branch or leaf page at `level`, in range and claimed: its header,
 * then every node. Children of a branch page go on the stack. */
static int check_page(lm_checker *c, uint64_t pgno, uint32_t level) {
    const uint32_t ps = c->psize;
    int rc = read_at(c, c->page, ps, pgno * ps);
    if (rc) return rc;
    struct lm_page h;
    memcpy(&h, c->page, sizeof h);
    const int leaf = level == c->depth;
    if (h.pgno != pgno) PAGE_FAIL("header says page %llu", (unsigned long long)h.pgno);
    if (h.flags != (leaf ? LM_P_LEAF : LM_P_BRANCH))
        PAGE_FAIL("flags 0x%x, expected a %s page at depth %u of %u", h.flags, leaf ? "leaf" : "branch",
                  level, c->depth);
    if (h.lower < LM_PAGEHDRSZ || (h.lower & 1) || h.lower > h.upper || h.upper > ps)
        PAGE_FAIL("free space bounds %u..%u are invalid", h.lower, h.upper);
    uint32_t nkeys = (h.lower - LM_PAGEHDRSZ) / 2;
    /* LMDB's search on a branch page starts at key 1 and asserts two keys. */
    if (nkeys < (leaf ? 1u : 2u)) PAGE_FAIL("%u keys", nkeys);
    for (uint32_t i = 0; i < nkeys; i++) {
        uint16_t off;
        struct lm_node n;
        memcpy(&off, c->page + LM_PAGEHDRSZ + 2 * i, sizeof off);
        if ((off & 1) || off < h.upper || (uint32_t)off + LM_NODESIZE > ps)
            PAGE_FAIL("node %u at offset %u lies outside the node area", i, off);
        memcpy(&n, c->page + off, sizeof n);
        uint64_t end = (uint64_t)off + LM_NODESIZE + n.ksize;
        if (!leaf) {
            if (end > ps) PAGE_FAIL("node %u: key of %u bytes %s", i, n.ksize, past(c, pgno, end));
            uint64_t child = n.lo | ((uint64_t)n.hi << 16) | ((uint64_t)n.flags << 32);
            if (child < LM_NUM_METAS || child > c->last_pgno)
                PAGE_FAIL("node %u: child page %llu is out of range", i, (unsigned long long)child);
            /* Claimed when first seen, so that no page is on the stack twice:
             * the stack stays within one entry per page of the file. */
            if (page_seen(c, child))
                PAGE_FAIL("node %u: child page %llu is reached twice (a cycle or a shared page)", i,
                          (unsigned long long)child);
            mark_page(c, child);
            if ((rc = push_page(c, child, level + 1))) return rc;
            continue;
        }
        uint32_t dsize = n.lo | ((uint32_t)n.hi << 16);
        if (n.flags == 0) {
            if (end + dsize > ps)
                PAGE_FAIL("node %u: record of %llu bytes (key %u, data %u) %s", i,
                          (unsigned long long)(end + dsize - off), n.ksize, dsize, past(c, pgno, end + dsize));
        } else if (n.flags == LM_F_BIGDATA) {
            uint64_t ov;
            if (end + sizeof ov > ps)
                PAGE_FAIL("node %u: key of %u bytes %s", i, n.ksize, past(c, pgno, end + sizeof ov));
            memcpy(&ov, c->page + end, sizeof ov);
            if ((rc = check_overflow(c, pgno, ov, dsize))) return rc;
        } else {
            PAGE_FAIL("node %u has flags 0x%x (a sub-database or duplicates)", i, n.flags);
        }
    }
    return 0;
}

int bw_lmdb_check(const char *path, char *msg, size_t cap, struct stat *out_checked) {
    lm_checker c = {.path = path, .fd = -1, .msg = msg, .cap = cap};
    struct lm_meta meta;
    int rc;
    do {
        c.fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (c.fd < 0 && errno == EINTR);
    if (c.fd < 0) {
        rc = errno;
        bw_set_message(msg, cap, "%s: %s", path, strerror(rc));
        return rc;
    }
    struct stat st;
    if (fstat(c.fd, &st) != 0) {
        rc = errno;
        bw_set_message(msg, cap, "%s: %s", path, strerror(rc));
        goto done;
    }
    if (out_checked) *out_checked = st;
    c.file_bytes = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    if ((rc = check_metas(&c, &meta))) goto done;
    if (meta.dbs[MAIN_DB].root == LM_P_INVALID) goto done;

    c.seen = calloc((size_t)(c.last_pgno / 8 + 1), 1);
    c.page = malloc(c.psize);
    if (!c.seen || !c.page) {
        rc = BW_ENOMEM;
        goto done;
    }
    /* Pages 0 and 1 are the metas: no tree or overflow page may be one. */
    mark_page(&c, 0);
    mark_page(&c, 1);
    mark_page(&c, meta.dbs[MAIN_DB].root);
    if ((rc = push_page(&c, meta.dbs[MAIN_DB].root, 1))) goto done;
    while (c.nstack > 0) {
        lm_work w = c.stack[--c.nstack];
        if ((rc = check_page(&c, w.pgno, w.level))) goto done;
    }
done:
    free(c.stack);
    free(c.page);
    free(c.seen);
    close(c.fd);
    return rc;
}
