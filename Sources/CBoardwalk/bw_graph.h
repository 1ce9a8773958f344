/* bw_graph.h - the layout of an open graph, private to the C files of
 * libboardwalk (graph.c, query.c). */
#ifndef BW_GRAPH_H
#define BW_GRAPH_H

#include <pthread.h>
#include <stdatomic.h>
#include <lmdb.h>

#include "boardwalk.h"
#include "bw_internal.h"

typedef struct bw_attr_dict {
    const char *text;  /* "name\n" per code, in the map */
    size_t len;
    uint32_t *starts;  /* count + 1 line starts */
    uint32_t count;
} bw_attr_dict;

struct bw_graph {
    _Atomic uint64_t refs; /* bw_graph_open's reference plus one per bw_graph_retain */
    char *path;            /* as given to bw_graph_open */
    MDB_env *env;
    MDB_txn *txn; /* one read transaction for the life of the handle */
    MDB_dbi dbi;
    const uint8_t *map_addr;
    uint64_t file_bytes;
    unsigned page_size; /* LMDB page size of the file */
    struct bw_format_meta meta;
    bw_chunked arrays[BW_ARRAY_COUNT];
    const uint8_t **chunk_table;
    uint64_t total_chunks;
    void **copies; /* chunks copied for alignment */
    size_t ncopies;
    uint64_t copied_bytes;
    const uint8_t *walk_map;  /* our 2 MiB-aligned mapping when LMDB's is not (pages.c) */
    const uint8_t *huge_copy; /* BW_OPEN_HUGEPAGES's anonymous copy of the arrays */
    uint64_t huge_copy_bytes;
    uint64_t huge_method;     /* BW_HUGE_* */
    const char *build_json;
    size_t build_len;
    bw_attr_dict attr_names[2];
    bw_view view;
    pthread_mutex_t pool_lock;
    bw_walk_ctx **pool;
    size_t pool_len, pool_cap;
};

BW_HIDDEN void bw_set_message(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
BW_HIDDEN const bw_side *bw_graph_side(const bw_graph *g, int kind);
BW_HIDDEN bw_walk_ctx *bw_graph_take_ctx(const bw_graph *g);
/** The checksum of array `a` as stored in the open graph (what verification
 * compares with the meta record's). */
BW_HIDDEN uint64_t bw_graph_array_checksum(const bw_graph *g, int a);
/** Aligns the walk's mapping and applies BW_OPEN_HUGEPAGES (pages.c); at
 * open, after the chunk table is filled. Never fails the open. */
BW_HIDDEN int bw_graph_setup_pages(bw_graph *g, int fd, uint32_t flags);
BW_HIDDEN void bw_graph_release_pages(bw_graph *g);
/** Reads [p, p + len) in and maps it into this process (pages.c). */
BW_HIDDEN void bw_graph_populate(const uint8_t *p, uint64_t len);
struct bw_delta;
/** bw_recommend (score 0) or bw_score (score 1) on the union of g and the
 * live delta d (NULL: g alone, exactly bw_recommend / bw_score). */
BW_HIDDEN int bw_run_query_delta(const bw_graph *g, const struct bw_delta *d, const bw_query *q, int score,
                                 bw_results **out_results);
BW_HIDDEN void bw_graph_return_ctx(const bw_graph *g, bw_walk_ctx *ctx);

#endif
