/* graph.c - opening, checking and reading a Boardwalk graph file.
 *
 * A graph is opened with one LMDB read transaction that lives as long as the
 * handle; every array chunk is located once, at open, and read through raw
 * pointers into the map afterwards. Nothing here ever follows a pointer or
 * offset it has not bounds-checked against the file.
 * Full verification (bw_graph_verify) is in verify.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>

#include "boardwalk.h"
#include "bw_graph.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Boardwalk graph files are little-endian; big-endian hosts are not supported"
#endif

_Static_assert(sizeof(struct bw_format_array) == 24, "array descriptor layout");
_Static_assert(sizeof(struct bw_format_meta) == 8 + 8 + 24 + 8 + 16 + 8 * 5 + 8 + 32 +
                                                   24 * BW_ARRAY_COUNT + 8,
               "meta layout has padding");

void bw_set_message(char *buf, size_t cap, const char *fmt, ...) {
    if (!buf || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Versions                                                                   */

const char *bw_libversion(void) { return BW_VERSION_STRING; }
uint32_t bw_libversion_number(void) { return (uint32_t)BW_VERSION_NUMBER; }
uint32_t bw_format_version(void) { return BW_FORMAT_VERSION; }

/* ------------------------------------------------------------------------ */
/* Opening                                                                    */

static int map_lmdb_open_error(int rc) {
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) return BW_ENOTGRAPH;
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND) return BW_ECORRUPT;
    return rc;
}

/* Expected element count of each array, from the meta counts. Title byte
 * arrays have no fixed count (UINT64_MAX: any). */
static uint64_t expected_count(const struct bw_format_meta *m, int a) {
    int pin_titles = (m->flags & BW_META_HAS_PIN_TITLES) != 0;
    int board_titles = (m->flags & BW_META_HAS_BOARD_TITLES) != 0;
    switch (a) {
    case BW_ARRAY_PIN_IDS: return m->pins;
    case BW_ARRAY_BOARD_IDS: return m->boards;
    case BW_ARRAY_PIN_OFFSETS: return m->pins + 1;
    case BW_ARRAY_BOARD_OFFSETS: return m->boards + 1;
    case BW_ARRAY_PIN_ADJ:
    case BW_ARRAY_BOARD_ADJ: return m->edges;
    case BW_ARRAY_PIN_ATTRS: return m->pins;
    case BW_ARRAY_BOARD_ATTRS: return m->boards;
    case BW_ARRAY_PIN_TITLE_OFFSETS: return pin_titles ? m->pins + 1 : 0;
    case BW_ARRAY_BOARD_TITLE_OFFSETS: return board_titles ? m->boards + 1 : 0;
    case BW_ARRAY_PIN_TITLE_BYTES: return pin_titles ? UINT64_MAX : 0;
    case BW_ARRAY_BOARD_TITLE_BYTES: return board_titles ? UINT64_MAX : 0;
    default: return 0;
    }
}

static int check_meta(const struct bw_format_meta *m, uint64_t file_bytes, char *msg, size_t cap) {
    if (bw_checksum64(m, offsetof(struct bw_format_meta, meta_checksum)) != m->meta_checksum) {
        bw_set_message(msg, cap, "meta record checksum mismatch");
        return BW_ECORRUPT;
    }
    if (m->chunk_bytes < BW_CHUNK_BYTES_MIN || m->chunk_bytes > BW_CHUNK_BYTES_MAX ||
        (m->chunk_bytes & (m->chunk_bytes - 1)) != 0) {
        bw_set_message(msg, cap, "invalid chunk size %llu", (unsigned long long)m->chunk_bytes);
        return BW_ECORRUPT;
    }
    if (m->pins > BW_MAX_NODES || m->boards > BW_MAX_NODES || m->edges > (UINT64_MAX >> 3)) {
        bw_set_message(msg, cap, "node or edge counts out of range");
        return BW_ECORRUPT;
    }
    if ((m->edges == 0) != (m->pins == 0) || (m->edges == 0) != (m->boards == 0) ||
        m->max_pin_degree > m->edges || m->max_board_degree > m->edges ||
        m->max_pin_degree > m->boards || m->max_board_degree > m->pins) {
        bw_set_message(msg, cap, "inconsistent counts in meta record");
        return BW_ECORRUPT;
    }
    uint64_t stored = 0; /* < 12 * 2^60: no overflow */
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        const struct bw_format_array *d = &m->arrays[a];
        uint64_t want = expected_count(m, a);
        if (d->elem_size != bw_array_elem_size(a)) {
            bw_set_message(msg, cap, "array %s: element size %u, expected %u", bw_array_name(a),
                           d->elem_size, bw_array_elem_size(a));
            return BW_ECORRUPT;
        }
        if (want != UINT64_MAX && d->count != want) {
            bw_set_message(msg, cap, "array %s: %llu elements, expected %llu", bw_array_name(a),
                           (unsigned long long)d->count, (unsigned long long)want);
            return BW_ECORRUPT;
        }
        if (d->count > (UINT64_MAX >> 4) / d->elem_size) {
            bw_set_message(msg, cap, "array %s: size overflows", bw_array_name(a));
            return BW_ECORRUPT;
        }
        uint64_t bytes = d->count * d->elem_size;
        uint64_t chunks = (bytes + m->chunk_bytes - 1) / m->chunk_bytes;
        if (chunks != d->chunks) {
            bw_set_message(msg, cap, "array %s: %u chunks, expected %llu", bw_array_name(a), d->chunks,
                           (unsigned long long)chunks);
            return BW_ECORRUPT;
        }
        /* Every byte of every array is in the file: this bounds the tables
         * open allocates per chunk before it looks a chunk up. */
        stored += bytes;
        if (stored > file_bytes) {
            bw_set_message(msg, cap, "arrays up to %s hold %llu bytes, more than the file's %llu",
                           bw_array_name(a), (unsigned long long)stored, (unsigned long long)file_bytes);
            return BW_ECORRUPT;
        }
    }
    return 0;
}

/* Where the map of this file starts. LMDB does not say (me_mapaddr is only
 * set with MDB_FIXEDMAP), but every page of its on-disk format begins with
 * its own page number, and the map is page-aligned: the page holding `ptr`
 * starts at ptr rounded down, and the map starts pgno pages before that.
 * Every value's page must agree, and lie in the file: a page whose number
 * was damaged is caught here instead of faulting later. */
static int map_base_of(const bw_graph *g, const void *ptr, const uint8_t **out_base) {
    uintptr_t page = (uintptr_t)ptr & ~(uintptr_t)(g->page_size - 1);
    uint64_t pgno;
    memcpy(&pgno, (const void *)page, sizeof pgno);
    if (pgno >= g->file_bytes / g->page_size || pgno * g->page_size > page) return BW_ECORRUPT;
    *out_base = (const uint8_t *)(page - (uintptr_t)(pgno * g->page_size));
    return 0;
}

/* Whether a value LMDB handed out lies wholly in the file (same page-header
 * cross-check as for array chunks). Every mdb_get result passes here before
 * a byte of it is read. */
static int value_in_file(const bw_graph *g, const MDB_val *v) {
    const uint8_t *p = v->mv_data, *base = NULL;
    const uint8_t *hi = g->map_addr + g->file_bytes;
    if (v->mv_size == 0) return 1;
    if (map_base_of(g, p, &base) || base != g->map_addr) return 0;
    return p >= g->map_addr && p <= hi && (uint64_t)(hi - p) >= v->mv_size;
}

/* Locates every chunk of every array; copies chunks LMDB left misaligned. */
static int load_arrays(bw_graph *g, char *msg, size_t cap) {
    const struct bw_format_meta *m = &g->meta;
    uint64_t total_chunks = 0;
    for (int a = 0; a < BW_ARRAY_COUNT; a++) total_chunks += m->arrays[a].chunks;
    /* At least one slot per array so that empty arrays still have a table. */
    g->chunk_table = calloc((size_t)total_chunks + BW_ARRAY_COUNT, sizeof(*g->chunk_table));
    if (!g->chunk_table) return BW_ENOMEM;
    g->total_chunks = total_chunks;

    const uint8_t *map_lo = g->map_addr;
    const uint8_t *map_hi = g->map_addr + g->file_bytes;
    const uint8_t **slot = g->chunk_table;
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        const struct bw_format_array *d = &m->arrays[a];
        bw_chunked *arr = &g->arrays[a];
        uint32_t elems_per_chunk_log2 = 0;
        while ((1ull << elems_per_chunk_log2) * d->elem_size < m->chunk_bytes) elems_per_chunk_log2++;
        arr->chunks = slot;
        arr->count = d->count;
        arr->elem_size = d->elem_size;
        arr->shift = elems_per_chunk_log2;
        arr->mask = (1ull << elems_per_chunk_log2) - 1;
        uint64_t remaining = d->count * d->elem_size;
        for (uint32_t c = 0; c < d->chunks; c++) {
            char key[64];
            MDB_val k = {bw_chunk_key(a, c, key, sizeof key), key}, v;
            int rc = mdb_get(g->txn, g->dbi, &k, &v);
            if (rc == MDB_NOTFOUND) {
                bw_set_message(msg, cap, "chunk %s is missing", key);
                return BW_ECORRUPT;
            }
            if (rc) {
                bw_set_message(msg, cap, "reading chunk %s: %s", key, mdb_strerror(rc));
                return map_lmdb_open_error(rc);
            }
            uint64_t want = remaining < m->chunk_bytes ? remaining : m->chunk_bytes;
            if (v.mv_size != want) {
                bw_set_message(msg, cap, "chunk %s holds %zu bytes, expected %llu", key, v.mv_size,
                               (unsigned long long)want);
                return BW_ECORRUPT;
            }
            const uint8_t *p = v.mv_data, *base = NULL;
            if (map_base_of(g, p, &base) || base != map_lo || p < map_lo || p > map_hi ||
                (uint64_t)(map_hi - p) < want) {
                bw_set_message(msg, cap, "chunk %s lies outside the file", key);
                return BW_ECORRUPT;
            }
            if (((uintptr_t)p % d->elem_size) != 0) {
                /* LMDB stores values smaller than a page inside leaf pages at
                 * 2-byte alignment; typed reads need natural alignment. */
                void *copy = malloc((size_t)want);
                if (!copy) return BW_ENOMEM;
                memcpy(copy, p, (size_t)want);
                g->copies[g->ncopies++] = copy;
                g->copied_bytes += want;
                p = copy;
            }
            *slot++ = p;
            remaining -= want;
        }
        if (d->chunks == 0) slot++;
    }
    return 0;
}

static int load_attr_names(bw_graph *g, int attribute, const char *key, char *msg, size_t cap) {
    bw_attr_dict *dict = &g->attr_names[attribute];
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(g->txn, g->dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return map_lmdb_open_error(rc);
    if (!value_in_file(g, &v) || v.mv_size > UINT32_MAX) {
        bw_set_message(msg, cap, "attribute names record %s lies outside the file", key);
        return BW_ECORRUPT;
    }
    dict->text = v.mv_data;
    dict->len = v.mv_size;
    uint32_t n = 0;
    for (size_t i = 0; i < v.mv_size; i++)
        if (dict->text[i] == '\n') n++;
    if (n > BW_ATTR_MAX_CODES || (v.mv_size > 0 && dict->text[v.mv_size - 1] != '\n')) {
        bw_set_message(msg, cap, "attribute names record %s is malformed", key);
        return BW_ECORRUPT;
    }
    dict->starts = malloc(((size_t)n + 1) * sizeof(uint32_t));
    if (!dict->starts) return BW_ENOMEM;
    uint32_t line = 0;
    dict->starts[0] = 0;
    for (size_t i = 0; i < v.mv_size; i++)
        if (dict->text[i] == '\n') dict->starts[++line] = (uint32_t)(i + 1);
    dict->count = n;
    return 0;
}

static void fill_side(bw_side *s, const bw_graph *g, int ids, int offsets, int adj, int attrs,
                      uint64_t count, uint32_t max_degree, double max_log_degree) {
    s->ids = g->arrays[ids];
    s->offsets = g->arrays[offsets];
    s->adj = g->arrays[adj];
    s->attrs = g->arrays[attrs];
    s->count = (uint32_t)count;
    s->max_degree = max_degree;
    s->max_log_degree = max_log_degree;
}

int bw_graph_open_ex(const char *path, uint32_t flags, bw_graph **out_graph, char *msg, size_t cap) {
    if (msg && cap) msg[0] = '\0';
    if (!out_graph) return BW_EINVAL;
    *out_graph = NULL;
    if (!path || (flags & ~(BW_OPEN_VERIFY | BW_OPEN_NORDAHEAD | BW_OPEN_PREFAULT | BW_OPEN_HUGEPAGES))) {
        bw_set_message(msg, cap, "invalid arguments");
        return BW_EINVAL;
    }

    /* Check the file before LMDB maps it: LMDB reads its header pages
     * without knowing the file's size. */
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        bw_set_message(msg, cap, "%s: %s", path, strerror(e));
        return e;
    }
    if (!S_ISREG(st.st_mode)) {
        bw_set_message(msg, cap, "%s: not a regular file", path);
        return BW_ENOTGRAPH;
    }
    if (st.st_size < 2 * 4096) {
        bw_set_message(msg, cap, "%s: %lld bytes is too small to be a graph", path,
                       (long long)st.st_size);
        return BW_ENOTGRAPH;
    }

    bw_graph *g = calloc(1, sizeof *g);
    if (!g) return BW_ENOMEM;
    atomic_init(&g->refs, 1);
    if (pthread_mutex_init(&g->pool_lock, NULL) != 0) {
        free(g);
        return BW_ENOMEM;
    }
    if (!(g->path = strdup(path))) {
        pthread_mutex_destroy(&g->pool_lock);
        free(g);
        return BW_ENOMEM;
    }
    int rc = mdb_env_create(&g->env);
    if (rc) goto fail;
    unsigned envflags = MDB_RDONLY | MDB_NOSUBDIR | MDB_NOLOCK | MDB_NOTLS;
    if (flags & BW_OPEN_NORDAHEAD) envflags |= MDB_NORDAHEAD;
    /* LMDB follows the file's meta and B-tree pages unchecked: check every
     * one it will read first (lmdb_check.c), and map the file's own size,
     * not the size a meta page asks for. */
    struct stat checked;
    if ((rc = bw_lmdb_check(path, msg, cap, &checked)) || (rc = mdb_env_set_mapsize(g->env, (size_t)st.st_size)))
        goto fail;
    rc = mdb_env_open(g->env, path, envflags, 0444);
    if (rc) {
        bw_set_message(msg, cap, "%s: %s", path,
                       (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH) ? "not a Boardwalk graph (not an LMDB file)"
                                                                          : mdb_strerror(rc));
        rc = map_lmdb_open_error(rc);
        goto fail;
    }

    /* A truncated file would fault (SIGBUS) on the first read of a missing
     * page: compare the size LMDB needs with the size on disk first. */
    MDB_envinfo info;
    MDB_stat est;
    int fd = -1;
    if ((rc = mdb_env_info(g->env, &info)) || (rc = mdb_env_stat(g->env, &est)) ||
        (rc = mdb_env_get_fd(g->env, &fd)))
        goto fail;
    if (fstat(fd, &st) != 0) {
        rc = errno;
        goto fail;
    }
    /* LMDB has read only the meta pages so far. If the path now names
     * another file than the one checked (renamed over it in between), its
     * B-tree is unchecked: refuse rather than follow it. */
    if (st.st_dev != checked.st_dev || st.st_ino != checked.st_ino || st.st_size != checked.st_size) {
        bw_set_message(msg, cap, "%s: the file was replaced while it was being opened; open it again", path);
        rc = EAGAIN;
        goto fail;
    }
    uint64_t needed = ((uint64_t)info.me_last_pgno + 1) * est.ms_psize;
    if ((uint64_t)st.st_size < needed) {
        bw_set_message(msg, cap, "%s: truncated: %lld bytes, the graph needs %llu", path,
                       (long long)st.st_size, (unsigned long long)needed);
        rc = BW_ECORRUPT;
        goto fail;
    }
    g->file_bytes = (uint64_t)st.st_size;
    if (g->file_bytes > info.me_mapsize) g->file_bytes = info.me_mapsize;
    g->page_size = est.ms_psize;
    long os_page = sysconf(_SC_PAGESIZE);
    if (g->page_size < 512 || (g->page_size & (g->page_size - 1)) || (os_page > 0 && g->page_size > (unsigned long)os_page)) {
        bw_set_message(msg, cap, "%s: page size %u is not supported on this machine", path, est.ms_psize);
        rc = BW_ENOTGRAPH;
        goto fail;
    }

    if ((rc = mdb_txn_begin(g->env, NULL, MDB_RDONLY, &g->txn))) goto fail;
    if ((rc = mdb_dbi_open(g->txn, NULL, 0, &g->dbi))) {
        rc = map_lmdb_open_error(rc);
        goto fail;
    }

    MDB_val k = {strlen(BW_KEY_META), BW_KEY_META}, v;
    rc = mdb_get(g->txn, g->dbi, &k, &v);
    if (rc == MDB_NOTFOUND || (rc == 0 && v.mv_size < 12) ||
        (rc == 0 && memcmp(v.mv_data, BW_FORMAT_MAGIC, 8) != 0)) {
        bw_set_message(msg, cap, "%s: not a Boardwalk graph (no meta record)", path);
        rc = BW_ENOTGRAPH;
        goto fail;
    }
    if (rc) {
        rc = map_lmdb_open_error(rc);
        goto fail;
    }
    uint32_t version;
    memcpy(&version, (const char *)v.mv_data + 8, 4);
    if (version != BW_FORMAT_VERSION) {
        bw_set_message(msg, cap, "%s: graph format version %u; this library reads version %u", path,
                       version, BW_FORMAT_VERSION);
        rc = BW_EVERSION;
        goto fail;
    }
    if (v.mv_size != sizeof(struct bw_format_meta)) {
        bw_set_message(msg, cap, "%s: meta record has %zu bytes, expected %zu", path, v.mv_size,
                       sizeof(struct bw_format_meta));
        rc = BW_ECORRUPT;
        goto fail;
    }
    if (map_base_of(g, v.mv_data, &g->map_addr) || !value_in_file(g, &v)) {
        bw_set_message(msg, cap, "%s: damaged page header", path);
        rc = BW_ECORRUPT;
        goto fail;
    }
    memcpy(&g->meta, v.mv_data, sizeof g->meta);
    if ((rc = check_meta(&g->meta, g->file_bytes, msg, cap))) goto fail;

    uint64_t total_chunks = 0;
    for (int a = 0; a < BW_ARRAY_COUNT; a++) total_chunks += g->meta.arrays[a].chunks;
    g->copies = calloc((size_t)total_chunks + 1, sizeof(void *));
    if (!g->copies) {
        rc = BW_ENOMEM;
        goto fail;
    }
    if ((rc = load_arrays(g, msg, cap))) goto fail;

    k = (MDB_val){strlen(BW_KEY_BUILD), BW_KEY_BUILD};
    if (mdb_get(g->txn, g->dbi, &k, &v) == 0) {
        if (!value_in_file(g, &v)) {
            bw_set_message(msg, cap, "%s: build record lies outside the file", path);
            rc = BW_ECORRUPT;
            goto fail;
        }
        g->build_json = v.mv_data;
        g->build_len = v.mv_size;
    }
    if ((rc = load_attr_names(g, BW_ATTR_LANGUAGE, BW_KEY_ATTR_LANGUAGE, msg, cap)) ||
        (rc = load_attr_names(g, BW_ATTR_TOPIC, BW_KEY_ATTR_TOPIC, msg, cap)))
        goto fail;

    fill_side(&g->view.pins, g, BW_ARRAY_PIN_IDS, BW_ARRAY_PIN_OFFSETS, BW_ARRAY_PIN_ADJ,
              BW_ARRAY_PIN_ATTRS, g->meta.pins, g->meta.max_pin_degree, g->meta.max_log_pin_degree);
    fill_side(&g->view.boards, g, BW_ARRAY_BOARD_IDS, BW_ARRAY_BOARD_OFFSETS, BW_ARRAY_BOARD_ADJ,
              BW_ARRAY_BOARD_ATTRS, g->meta.boards, g->meta.max_board_degree,
              g->meta.max_log_board_degree);
    g->view.edges = g->meta.edges;
    g->view.has_attributes = (g->meta.flags & BW_META_HAS_ATTRIBUTES) != 0;

    bw_graph_setup_pages(g, fd, flags);
    if ((flags & BW_OPEN_PREFAULT) && !g->huge_copy)
        bw_graph_populate(g->walk_map ? g->walk_map : g->map_addr, g->file_bytes);
    if (flags & BW_OPEN_VERIFY) {
        if ((rc = bw_graph_verify(g, msg, cap))) {
            /* The file's name first, as in every other message of opening. */
            if (msg && cap) {
                char what[512];
                snprintf(what, sizeof what, "%s", msg);
                bw_set_message(msg, cap, "%s: %s", path, what);
            }
            goto fail;
        }
    }
    *out_graph = g;
    return 0;

fail:
    if (msg && cap && msg[0] == '\0') bw_set_message(msg, cap, "%s: %s", path, bw_strerror(rc));
    bw_graph_close(g);
    return rc;
}

int bw_graph_open(const char *path, uint32_t flags, bw_graph **out_graph) {
    return bw_graph_open_ex(path, flags, out_graph, NULL, 0);
}

bw_graph *bw_graph_retain(bw_graph *g) {
    if (g) atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

const char *bw_graph_path(const bw_graph *g) { return g ? g->path : NULL; }

void bw_graph_close(bw_graph *g) {
    if (!g) return;
    /* acq_rel: every use of the graph through any reference happens before
     * the last reference tears it down. */
    if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1) return;
    for (size_t i = 0; i < g->pool_len; i++) bw_walk_ctx_free(g->pool[i]);
    free(g->pool);
    pthread_mutex_destroy(&g->pool_lock);
    bw_graph_release_pages(g);
    if (g->txn) mdb_txn_abort(g->txn);
    if (g->env) mdb_env_close(g->env);
    if (g->copies) {
        for (size_t i = 0; i < g->ncopies; i++) free(g->copies[i]);
        free(g->copies);
    }
    free(g->chunk_table);
    free(g->attr_names[0].starts);
    free(g->attr_names[1].starts);
    free(g->path);
    free(g);
}

/* ------------------------------------------------------------------------ */
/* Walk contexts: a small pool per graph so that bw_recommend allocates
 * nothing in steady state, whatever thread calls it. */

bw_walk_ctx *bw_graph_take_ctx(const bw_graph *cg) {
    bw_graph *g = (bw_graph *)cg; /* the pool is the only mutable state, under its lock */
    bw_walk_ctx *ctx = NULL;
    pthread_mutex_lock(&g->pool_lock);
    if (g->pool_len) ctx = g->pool[--g->pool_len];
    pthread_mutex_unlock(&g->pool_lock);
    return ctx ? ctx : bw_walk_ctx_new();
}

void bw_graph_return_ctx(const bw_graph *cg, bw_walk_ctx *ctx) {
    bw_graph *g = (bw_graph *)cg;
    if (!ctx) return;
    pthread_mutex_lock(&g->pool_lock);
    if (g->pool_len == g->pool_cap) {
        size_t ncap = g->pool_cap ? g->pool_cap * 2 : 8;
        bw_walk_ctx **np = realloc(g->pool, ncap * sizeof *np);
        if (np) {
            g->pool = np;
            g->pool_cap = ncap;
        }
    }
    if (g->pool_len < g->pool_cap) {
        g->pool[g->pool_len++] = ctx;
        ctx = NULL;
    }
    pthread_mutex_unlock(&g->pool_lock);
    bw_walk_ctx_free(ctx); /* only when the pool could not grow */
}

/* ------------------------------------------------------------------------ */
/* Statistics and lookups                                                     */

int bw_graph_stat(const bw_graph *g, int what, uint64_t *out) {
    if (!g || !out) return BW_EINVAL;
    const struct bw_format_meta *m = &g->meta;
    switch (what) {
    case BW_STAT_FORMAT_VERSION: *out = m->format_version; break;
    case BW_STAT_PINS: *out = m->pins; break;
    case BW_STAT_BOARDS: *out = m->boards; break;
    case BW_STAT_EDGES: *out = m->edges; break;
    case BW_STAT_FILE_BYTES: *out = g->file_bytes; break;
    case BW_STAT_MAX_PIN_DEGREE: *out = m->max_pin_degree; break;
    case BW_STAT_MAX_BOARD_DEGREE: *out = m->max_board_degree; break;
    case BW_STAT_CHUNK_BYTES: *out = m->chunk_bytes; break;
    case BW_STAT_CREATED_UNIX: *out = m->created_unix; break;
    case BW_STAT_FINGERPRINT: *out = m->input_fingerprint; break;
    case BW_STAT_DUPLICATE_EDGES: *out = m->duplicate_edges; break;
    case BW_STAT_INVALID_LINES: *out = m->invalid_lines; break;
    case BW_STAT_HAS_PIN_TITLES: *out = (m->flags & BW_META_HAS_PIN_TITLES) != 0; break;
    case BW_STAT_HAS_BOARD_TITLES: *out = (m->flags & BW_META_HAS_BOARD_TITLES) != 0; break;
    case BW_STAT_HAS_ATTRIBUTES: *out = (m->flags & BW_META_HAS_ATTRIBUTES) != 0; break;
    case BW_STAT_CHUNKS: *out = g->total_chunks; break;
    case BW_STAT_COPIED_BYTES: *out = g->copied_bytes; break;
    case BW_STAT_HUGE_PAGE_METHOD: *out = g->huge_method; break;
    case BW_STAT_WATERMARK:
        if (!(m->flags & BW_META_HAS_WATERMARK)) return BW_ENODATA;
        *out = m->watermark;
        break;
    default: return BW_EINVAL;
    }
    return 0;
}

int bw_graph_build_info(const bw_graph *g, const char **out_json, size_t *out_len) {
    if (!g || !out_json || !out_len) return BW_EINVAL;
    *out_json = g->build_json ? g->build_json : "{}";
    *out_len = g->build_json ? g->build_len : 2;
    return 0;
}

const bw_side *bw_graph_side(const bw_graph *g, int kind) {
    if (kind == BW_PIN) return &g->view.pins;
    if (kind == BW_BOARD) return &g->view.boards;
    return NULL;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int bw_graph_degree_quantiles(const bw_graph *g, int kind, const double *qs, size_t n,
                              uint32_t *out) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    if (!s || (n && (!qs || !out))) return BW_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!(qs[i] >= 0.0 && qs[i] <= 1.0)) return BW_EINVAL;
    if (s->count == 0) return BW_EEMPTY;
    if (n == 0) return 0;
    /* A histogram when degrees are small (the usual case), else a sort. */
    if (s->max_degree < (1u << 24)) {
        uint64_t *hist = calloc((size_t)s->max_degree + 1, sizeof *hist);
        if (!hist) return BW_ENOMEM;
        for (uint32_t i = 0; i < s->count; i++) {
            uint64_t d = bw_degree(s, i);
            hist[d > s->max_degree ? s->max_degree : d]++;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t need = (uint64_t)ceil(qs[i] * (double)s->count);
            if (need == 0) need = 1;
            uint64_t seen = 0;
            uint32_t d = 0;
            for (;; d++) {
                seen += hist[d];
                if (seen >= need || d == s->max_degree) break;
            }
            out[i] = d;
        }
        free(hist);
        return 0;
    }
    uint32_t *deg = malloc((size_t)s->count * sizeof *deg);
    if (!deg) return BW_ENOMEM;
    for (uint32_t i = 0; i < s->count; i++) deg[i] = (uint32_t)bw_degree(s, i);
    qsort(deg, s->count, sizeof *deg, cmp_u32);
    for (size_t i = 0; i < n; i++) {
        uint64_t need = (uint64_t)ceil(qs[i] * (double)s->count);
        out[i] = deg[need ? need - 1 : 0];
    }
    free(deg);
    return 0;
}

int bw_graph_node_index(const bw_graph *g, int kind, uint64_t id, uint32_t *out_index) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    if (!s || !out_index) return BW_EINVAL;
    return bw_side_find(s, id, out_index);
}

int bw_graph_node_id(const bw_graph *g, int kind, uint32_t index, uint64_t *out_id) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    if (!s || !out_id) return BW_EINVAL;
    if (index >= s->count) return BW_ERANGE;
    *out_id = bw_u64_at(&s->ids, index);
    return 0;
}

int bw_graph_node_degree(const bw_graph *g, int kind, uint64_t id, uint64_t *out_degree) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    uint32_t idx;
    if (!s || !out_degree) return BW_EINVAL;
    int rc = bw_side_find(s, id, &idx);
    if (rc) return rc;
    uint64_t begin = bw_u64_at(&s->offsets, idx), end = bw_u64_at(&s->offsets, (uint64_t)idx + 1);
    /* Only verification checks the offsets: in a graph opened without it
     * they may say anything. */
    if (end < begin || end > s->adj.count) return BW_ECORRUPT;
    *out_degree = end - begin;
    return 0;
}

int bw_graph_node_neighbors(const bw_graph *g, int kind, uint64_t id, uint64_t *out_ids,
                            size_t capacity, size_t *out_count) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    uint32_t idx;
    if (!s || !out_count || (capacity && !out_ids)) return BW_EINVAL;
    int rc = bw_side_find(s, id, &idx);
    if (rc) return rc;
    const bw_side *other = bw_graph_side(g, kind == BW_PIN ? BW_BOARD : BW_PIN);
    uint64_t begin = bw_u64_at(&s->offsets, idx), end = bw_u64_at(&s->offsets, (uint64_t)idx + 1);
    if (end < begin || end > s->adj.count) return BW_ECORRUPT; /* unverified, as above */
    *out_count = (size_t)(end - begin);
    for (uint64_t e = begin; e < end && (size_t)(e - begin) < capacity; e++) {
        uint32_t nb = bw_u32_at(&s->adj, e);
        out_ids[e - begin] = nb < other->count ? bw_u64_at(&other->ids, nb) : UINT64_MAX;
    }
    return 0;
}

int bw_graph_node_title(const bw_graph *g, int kind, uint64_t id, const char **out_title,
                        size_t *out_len) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    uint32_t idx;
    if (!s || !out_title || !out_len) return BW_EINVAL;
    int offs = kind == BW_PIN ? BW_ARRAY_PIN_TITLE_OFFSETS : BW_ARRAY_BOARD_TITLE_OFFSETS;
    const bw_chunked *o = &g->arrays[offs], *b = &g->arrays[offs + 1];
    int rc = bw_side_find(s, id, &idx);
    if (rc) return rc;
    if (o->count == 0) return BW_ENODATA;
    uint64_t begin = bw_u64_at(o, idx), end = bw_u64_at(o, (uint64_t)idx + 1);
    /* A title may straddle chunks of the byte array: hand out a pointer only
     * when it lies in one chunk (titles are written so that they do). */
    if (end < begin || end > b->count || (end > begin && (begin >> b->shift) != ((end - 1) >> b->shift)))
        return BW_ECORRUPT;
    /* The builder pads with NULs before a chunk boundary; padding is not text. */
    while (end > begin && *(const char *)bw_addr_at(b, end - 1) == '\0') end--;
    *out_title = end > begin ? (const char *)bw_addr_at(b, begin) : "";
    *out_len = (size_t)(end - begin);
    return 0;
}

int bw_graph_node_attributes(const bw_graph *g, int kind, uint64_t id, uint32_t *out_language,
                             uint32_t *out_topic) {
    const bw_side *s = g ? bw_graph_side(g, kind) : NULL;
    uint32_t idx;
    if (!s || !out_language || !out_topic) return BW_EINVAL;
    int rc = bw_side_find(s, id, &idx);
    if (rc) return rc;
    uint32_t v = bw_u32_at(&s->attrs, idx);
    *out_language = (v >> 16) == BW_ATTR_NONE ? BW_ATTR_ANY : v >> 16;
    *out_topic = (v & 0xFFFF) == BW_ATTR_NONE ? BW_ATTR_ANY : (v & 0xFFFF);
    return 0;
}

int bw_graph_attribute_code(const bw_graph *g, int attribute, const char *name, uint32_t *out_code) {
    if (!g || !name || !out_code || (attribute != BW_ATTR_LANGUAGE && attribute != BW_ATTR_TOPIC))
        return BW_EINVAL;
    const bw_attr_dict *d = &g->attr_names[attribute];
    if (!d->text) return BW_ENODATA;
    size_t len = strlen(name);
    for (uint32_t c = 0; c < d->count; c++) {
        size_t l = d->starts[c + 1] - d->starts[c] - 1;
        if (l == len && memcmp(d->text + d->starts[c], name, len) == 0) {
            *out_code = c;
            return 0;
        }
    }
    return BW_ENOTFOUND;
}

int bw_graph_attribute_name(const bw_graph *g, int attribute, uint32_t code, const char **out_name,
                            size_t *out_len) {
    if (!g || !out_name || !out_len || (attribute != BW_ATTR_LANGUAGE && attribute != BW_ATTR_TOPIC))
        return BW_EINVAL;
    const bw_attr_dict *d = &g->attr_names[attribute];
    if (!d->text) return BW_ENODATA;
    if (code >= d->count) return BW_ERANGE;
    *out_name = d->text + d->starts[code];
    *out_len = d->starts[code + 1] - d->starts[code] - 1;
    return 0;
}
