/* boardwalk.h - the C ABI of Boardwalk, a Pixie-style random-walk
 * recommendation engine over a bipartite graph of pins and boards kept in one
 * memory-mapped LMDB file.
 *
 * This header is the manual. It is in the order: overview, conventions,
 * caveats, versions, error codes, handles, graphs, queries, results.
 *
 * OVERVIEW
 *   A graph file is built once (by `boardwalk build` or the Swift
 *   GraphBuilder) and never changes. bw_graph_open() maps it and keeps one
 *   read transaction for the life of the handle; walks read the adjacency
 *   arrays straight out of the map, with no copy and no B-tree lookup per
 *   step. A query (bw_query) lists the pins and boards a user engaged with,
 *   with weights, and the walk parameters. bw_recommend() runs Pixie's random
 *   walk with restarts and returns the best pins in a bw_results.
 *
 *       bw_graph *g; bw_query *q; bw_results *r;
 *       if (bw_graph_open("pins.bwg", 0, &g) != 0) ...
 *       bw_query_new(&q);
 *       bw_query_add_pin(q, 734012345678901234u, 1.0);
 *       bw_query_set_seed(q, 42);
 *       if (bw_recommend(g, q, &r) == 0) {
 *           for (size_t i = 0; i < bw_results_count(r); i++) {
 *               uint64_t id, visits; double score;
 *               bw_results_get(r, i, &id, &score, &visits);
 *           }
 *           bw_results_free(r);
 *       }
 *       bw_query_free(q);
 *       bw_graph_close(g);
 *
 * CONVENTIONS (they bind every function below)
 *   1. Handles are opaque pointers; each kind is its own type.
 *   2. Integers are fixed-width. Pin and board ids are uint64_t, chosen by
 *      the caller; internal indices never cross this interface except where
 *      a function says so.
 *   3. Every function that can fail returns int: 0 (BW_SUCCESS) on success,
 *      otherwise an error code: one of BW_E* below, an LMDB code
 *      (MDB_*, -30799 ... -30779) or a positive errno value. bw_strerror()
 *      describes any of them.
 *   4. Results come back through parameters named out_*. On failure an out_
 *      handle is set to NULL and other out_ values are left unspecified.
 *   5. Every allocation has exactly one free function (bw_graph_close,
 *      bw_query_free, bw_results_free, bw_ranker_close), and each accepts
 *      NULL as a no-op.
 *   6. No function aborts, exits, raises a signal or prints: not on bad
 *      input, not on a corrupt file, not when memory runs out. A NULL where a
 *      handle or out_ pointer is required gives BW_EINVAL.
 *   7. Only bw_-prefixed symbols are exported from libboardwalk.
 *
 * CAVEATS
 *   - Threads: one bw_graph may be used by any number of threads at once;
 *     every function taking `const bw_graph *` is thread-safe. A bw_query may
 *     be read by many threads at once (bw_recommend takes it const) but must
 *     not be changed while any thread uses it. A bw_results belongs to
 *     whoever received it.
 *   - Lifetime: a graph is reference-counted. bw_graph_open() returns one
 *     reference, bw_graph_retain() and bw_live_acquire() add one each, and
 *     bw_graph_close() drops one; the file is unmapped when the last goes.
 *     Pointers a graph hands out (titles, names, build info) stay valid
 *     while the caller holds a reference. Drop a reference only when no other
 *     thread uses it through that same reference.
 *   - Hot swap: a server that loads a new graph file every day keeps a
 *     bw_live (see "Live graphs" below): bw_live_swap() opens the new file
 *     and switches to it atomically; queries already running finish on the
 *     old graph, which is closed once they have ended (see "Live graphs").
 *     A bw_live also holds live edges added and removed since its graph was
 *     built (see "Live edges").
 *   - Many processes: graph files are immutable, so readers take no lock and
 *     use no LMDB reader table (MDB_NOLOCK): any number of processes and
 *     threads can read one file, there are no reader slots to run out of and
 *     none left behind by a crashed reader. The one rule: replace a graph
 *     file by writing a new file and renaming it over the old path (as
 *     `boardwalk build` does, and `cp` to a temporary name then `mv`), never
 *     by rewriting it in place: a process that has the old file mapped keeps
 *     reading the old inode, while truncating a mapped file makes its
 *     readers fault (SIGBUS), which no library can catch.
 *   - fork(): a child may keep using a graph opened before the fork (the map
 *     is read-only and no lock file is used), but not a query in flight.
 *   - Trust: records are located with LMDB (Debian's 0.9.24), which does
 *     not validate its own pages, so opening first checks, reading the file
 *     itself, every LMDB structure LMDB will follow: both meta pages, and
 *     every branch, leaf and overflow page of the B-tree and every node on
 *     them (in the file, of the right kind, reached once, offsets and sizes
 *     inside their page); the file is mapped at its own size. Then it checks
 *     the meta record and the size and bounds of every array chunk (cheap,
 *     O(chunks)); it does not read the arrays. Any file either fails to open
 *     with an error or opens, and every function of this header is then
 *     memory-safe on it, verified or not: lookups, degrees, neighbours,
 *     titles, attributes, quantiles, verification, and the walk and the
 *     exact method (bw_recommend, bw_score). Whatever the arrays hold, no
 *     call reads outside the file's map or its own memory, traps, or runs
 *     past its step budget. The walk checks each adjacency position it
 *     draws and each neighbour index it reads before it follows it (a
 *     compare on a value already loaded: 0.98-0.99x the speed of an
 *     unchecked walk; BENCHMARKS.md); the exact method and the lookups check
 *     their offsets too. On a damaged graph opened without
 *     verification, a call answers BW_ECORRUPT when it meets a value that
 *     cannot be (a position past the end of an array, a neighbour past the
 *     count), or else answers from the damaged values: a wrong but bounded
 *     answer, e.g. a flipped neighbour index that is still in range walks to
 *     another node, an empty or inverted list inside the array is walked
 *     from its first position, a flipped id is returned as it reads, an
 *     out-of-order ids array makes a lookup by id miss (BW_ENOTFOUND). Only verification
 *     (BW_OPEN_VERIFY, bw_graph_verify, `boardwalk verify`) rules wrong
 *     answers out, by checking every checksum and the whole structure:
 *     open with it a file from a source you do not control, or after a copy
 *     you have not checked, when a wrong answer would matter.
 *   - Limits: a graph file must not change while it is opened or open;
 *     replace it by rename (as the builders do) and an open graph keeps the
 *     old file. The LMDB structures are checked just before LMDB opens the
 *     file by path; if another file was renamed over the path in between,
 *     the open fails with EAGAIN (open again) before LMDB reads its B-tree.
 */
#ifndef BOARDWALK_H
#define BOARDWALK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define BW_API __attribute__((visibility("default")))
#else
#define BW_API
#endif

/* ------------------------------------------------------------------------ */
/* Versions                                                                   */

#define BW_VERSION_MAJOR 0
#define BW_VERSION_MINOR 1
#define BW_VERSION_PATCH 0
#define BW_VERSION_STRING "0.1.0"
/** X*1000000 + Y*1000 + Z, comparable with bw_libversion_number(). */
#define BW_VERSION_NUMBER \
    (BW_VERSION_MAJOR * 1000000 + BW_VERSION_MINOR * 1000 + BW_VERSION_PATCH)

/** The library's version as "X.Y.Z" (static storage). A binding checks that
 * it was built against the header of the library it loaded. */
BW_API const char *bw_libversion(void);
/** The library's BW_VERSION_NUMBER. */
BW_API uint32_t bw_libversion_number(void);
/** The graph format version this library reads (BW_FORMAT_VERSION of
 * boardwalk_format.h, which a host that reads or writes graph files itself
 * includes). */
BW_API uint32_t bw_format_version(void);

/* ------------------------------------------------------------------------ */
/* Error codes: a private negative range below LMDB's (-30799 ... -30779).    */

#define BW_SUCCESS 0
#define BW_ERRCODE_FIRST (-30999)
/** The file is not a Boardwalk graph (or not an LMDB file at all). */
#define BW_ENOTGRAPH (-30999)
/** The file is a Boardwalk graph of another format version. */
#define BW_EVERSION (-30998)
/** The graph file is truncated, damaged or inconsistent. */
#define BW_ECORRUPT (-30997)
/** An argument is invalid: NULL handle, NaN or negative weight, a
 * parameter outside its documented range. */
#define BW_EINVAL (-30996)
/** A pin or board id is not in the graph. */
#define BW_ENOTFOUND (-30995)
/** Memory ran out. Nothing was changed. */
#define BW_ENOMEM (-30994)
/** The query has no pin or board to walk from. */
#define BW_EEMPTY (-30993)
/** An index is out of range. */
#define BW_ERANGE (-30992)
/** A hard limit was reached (see the function). */
#define BW_ELIMIT (-30991)
/** The graph has no such data (no titles, no attributes). */
#define BW_ENODATA (-30990)
#define BW_ERRCODE_LAST (-30990)

/** Static English text for any code a Boardwalk function returns: ours,
 * LMDB's and errno values. Never NULL; thread-safe. */
BW_API const char *bw_strerror(int code);

/* ------------------------------------------------------------------------ */
/* Handles and common constants                                               */

typedef struct bw_graph bw_graph;     /* an open graph file */
typedef struct bw_query bw_query;     /* a query: nodes, weights, parameters */
typedef struct bw_results bw_results; /* the answer to one query */

/** Node kinds. */
#define BW_PIN 0
#define BW_BOARD 1

/** Attributes. */
#define BW_ATTR_LANGUAGE 0
#define BW_ATTR_TOPIC 1
/** "Any value": no preference for this attribute, in a query; "unknown" in
 * what bw_graph_node_attributes reports. The library's one constant for
 * "any attribute" (its walk kernel uses it too). Not to be confused with
 * boardwalk_format.h's BW_ATTRS_NONE, a stored attributes word with both
 * halves unknown, which has the same bits. */
#define BW_ATTR_ANY 0xFFFFFFFFu

/* ------------------------------------------------------------------------ */
/* Graphs                                                                     */

/** bw_graph_open flags. */
#define BW_OPEN_VERIFY 0x1u    /* full verification (O(size)) before returning */
#define BW_OPEN_NORDAHEAD 0x2u /* no OS read-ahead: for graphs larger than RAM */
#define BW_OPEN_PREFAULT 0x4u  /* load the whole file and map it now: open costs one
                                  read of the file (fast when it is cached) */
/* Get the graph into 2 MiB pages now (see "Huge pages" below): the walk runs
 * about twice as fast as on 4 KiB pages. Reads the whole file; costs at most
 * one sequential read of it, or, when the page cache cannot be refilled with
 * large folios (another process maps the file's small pages; a file system
 * without large folios), a private copy of the arrays in anonymous huge
 * pages: as much memory as the file, in this process only. Which of these
 * happened: bw_graph_stat(BW_STAT_HUGE_PAGE_METHOD). Never fails the open:
 * where huge pages are unavailable the graph opens as without the flag.
 * Not for graphs larger than RAM. */
#define BW_OPEN_HUGEPAGES 0x8u

/** Opens the graph file at `path` read-only and sets *out_graph.
 *
 * Cost: O(number of chunks), independent of the graph's size: LMDB's
 * B-tree pages (about one per few dozen chunks) and the header of each
 * value's overflow pages are checked, the meta record and the location of
 * every chunk are read, nothing is scanned or copied (but chunks LMDB stored
 * misaligned, which happens only to values smaller than a page, are
 * copied); the check keeps one bit per page of the file. No lock file is created: graphs are
 * immutable, so the file may sit on a read-only mount and any number of
 * processes may open it.
 *
 * Errors: BW_EINVAL (NULL path or out_graph, unknown flag), ENOENT/EACCES
 * and other errno values, BW_ENOTGRAPH, BW_EVERSION, BW_ECORRUPT (truncated
 * or inconsistent; with BW_OPEN_VERIFY also any checksum or structure
 * failure), BW_ENOMEM.
 * Ownership: the caller closes *out_graph with bw_graph_close(). */
BW_API int bw_graph_open(const char *path, uint32_t flags, bw_graph **out_graph);

/** bw_graph_open(), and on failure a NUL-terminated description of what is
 * wrong written to out_message (at most message_capacity bytes, truncated;
 * out_message may be NULL when message_capacity is 0). */
BW_API int bw_graph_open_ex(const char *path, uint32_t flags, bw_graph **out_graph,
                            char *out_message, size_t message_capacity);

/** Drops one reference to a graph (see CAVEATS, Lifetime); the last one
 * unmaps the file and frees everything, and every pointer the graph handed
 * out becomes invalid. NULL is a no-op. Thread-safe with respect to other
 * references: threads holding their own references may close them at any
 * time, in any order. */
BW_API void bw_graph_close(bw_graph *graph);

/** Takes another reference to a graph, to be dropped with its own
 * bw_graph_close(). Returns `graph` (NULL for NULL). Thread-safe; cannot fail. */
BW_API bw_graph *bw_graph_retain(bw_graph *graph);

/** The path the graph was opened with (NUL-terminated; NULL for NULL). The
 * string lives while the caller holds a reference to the graph (see CAVEATS,
 * Lifetime). */
BW_API const char *bw_graph_path(const bw_graph *graph);

/** Full verification: every array checksum, offsets monotone and in range,
 * every node with at least one neighbour, neighbour indices in range,
 * adjacency lists sorted without duplicates, the two directions holding the
 * same edges, ids ascending, titles in bounds. O(size of the graph). Returns 0 when sound, BW_ECORRUPT otherwise,
 * with the first problem described in out_message (as bw_graph_open_ex).
 * Thread-safe. */
BW_API int bw_graph_verify(const bw_graph *graph, char *out_message, size_t message_capacity);

/** Statistics for bw_graph_stat(). */
#define BW_STAT_FORMAT_VERSION 1
#define BW_STAT_PINS 2
#define BW_STAT_BOARDS 3
#define BW_STAT_EDGES 4            /* distinct edges */
#define BW_STAT_FILE_BYTES 5
#define BW_STAT_MAX_PIN_DEGREE 6
#define BW_STAT_MAX_BOARD_DEGREE 7
#define BW_STAT_CHUNK_BYTES 8
#define BW_STAT_CREATED_UNIX 9
#define BW_STAT_FINGERPRINT 10     /* order-independent hash of the edge set */
#define BW_STAT_DUPLICATE_EDGES 11 /* input edges collapsed by the builder */
#define BW_STAT_INVALID_LINES 12   /* input lines skipped by the builder */
#define BW_STAT_HAS_PIN_TITLES 13
#define BW_STAT_HAS_BOARD_TITLES 14
#define BW_STAT_HAS_ATTRIBUTES 15
#define BW_STAT_CHUNKS 16          /* chunk records in the file */
#define BW_STAT_COPIED_BYTES 17    /* bytes copied at open (misaligned chunks) */
#define BW_STAT_WATERMARK 18       /* newest edge time the graph contains, in the
                                      host's unit (boardwalk_format.h, Times) */
#define BW_STAT_HUGE_PAGE_METHOD 19 /* what BW_OPEN_HUGEPAGES did: BW_HUGE_* */

/** Values of BW_STAT_HUGE_PAGE_METHOD. */
#define BW_HUGE_NOT_ASKED 0   /* opened without BW_OPEN_HUGEPAGES */
#define BW_HUGE_ALREADY 1     /* the first read of the mapping gave huge pages (the
                                 cache held large folios, or read the file into them) */
#define BW_HUGE_REFILLED 2    /* the page cache was refilled with large folios */
#define BW_HUGE_COPIED 3      /* the arrays were copied into anonymous huge pages
                                 (BW_STAT_COPIED_BYTES counts the copy) */
#define BW_HUGE_UNAVAILABLE 4 /* none of these worked: 4 KiB pages */

/** Reads one statistic. Errors: BW_EINVAL (NULL, unknown `what`),
 * BW_ENODATA (BW_STAT_WATERMARK of a graph built without a watermark;
 * *out_value is left as it was). Thread-safe. */
BW_API int bw_graph_stat(const bw_graph *graph, int what, uint64_t *out_value);

/** Huge pages: how much of the memory the walk reads (the file's mapping,
 * or BW_OPEN_HUGEPAGES's copy) is mapped with 2 MiB pages, now. Each out_
 * parameter may be NULL. *out_share = *out_huge_bytes / *out_resident_bytes
 * (0 to 1); resident bytes are those this process has mapped, which grow as
 * queries touch the graph (BW_OPEN_PREFAULT or BW_OPEN_HUGEPAGES fault it
 * all in at open). A share well below 1 on a warm graph means the walk runs
 * on 4 KiB pages, at about half speed: reopen with BW_OPEN_HUGEPAGES.
 *
 * Cost: one read of /proc/self/smaps (about a millisecond; more in a
 * process with many mappings): for monitoring, not per query.
 * Errors: BW_EINVAL (NULL graph), BW_ENODATA (nothing resident yet, or the
 * platform does not say: not Linux, no /proc; the outputs are then 0).
 * Thread-safe.
 *
 * The walk's mapping is always 2 MiB-aligned: ext4 and XFS align a large
 * file mapping themselves; where LMDB's mapping is not aligned, the library
 * maps the file a second time at an aligned address (no extra memory: the
 * same page cache) and the walk reads that one. */
BW_API int bw_graph_huge_pages(const bw_graph *graph, double *out_share, uint64_t *out_resident_bytes,
                               uint64_t *out_huge_bytes);

/** The builder's JSON record (parameters, inputs, counts), not
 * NUL-terminated. The text lives while the caller holds a reference to the
 * graph (see CAVEATS, Lifetime: bw_graph_retain adds one, bw_graph_close
 * drops one). */
BW_API int bw_graph_build_info(const bw_graph *graph, const char **out_json, size_t *out_len);

/** Degree quantiles of all pins (kind BW_PIN) or boards: for each q in
 * quantiles[0..n) (0 <= q <= 1), the smallest degree d such that at least
 * q of the nodes have degree <= d (q = 0: the minimum). O(nodes).
 * Errors: BW_EINVAL (q outside [0,1] or NaN), BW_EEMPTY (no nodes), BW_ENOMEM. */
BW_API int bw_graph_degree_quantiles(const bw_graph *graph, int kind, const double *quantiles,
                                     size_t n, uint32_t *out_degrees);

/** Dense index (0 ... count-1, in ascending id order) of a pin or board id.
 * O(log n). Errors: BW_ENOTFOUND, BW_EINVAL. */
BW_API int bw_graph_node_index(const bw_graph *graph, int kind, uint64_t id, uint32_t *out_index);
/** The id at a dense index. Errors: BW_ERANGE, BW_EINVAL. */
BW_API int bw_graph_node_id(const bw_graph *graph, int kind, uint32_t index, uint64_t *out_id);
/** Number of boards of a pin, or pins of a board. Errors: BW_ENOTFOUND, BW_EINVAL,
 * BW_ECORRUPT (offsets out of range in a graph opened without verification). */
BW_API int bw_graph_node_degree(const bw_graph *graph, int kind, uint64_t id, uint64_t *out_degree);
/** Ids of the neighbours of a node (boards of a pin, pins of a board) in
 * stored order. Writes min(capacity, degree) ids to out_ids (may be NULL when
 * capacity is 0) and the degree to *out_count.
 * Errors: BW_ENOTFOUND, BW_EINVAL, BW_ECORRUPT (as bw_graph_node_degree). */
BW_API int bw_graph_node_neighbors(const bw_graph *graph, int kind, uint64_t id, uint64_t *out_ids,
                                   size_t capacity, size_t *out_count);
/** The UTF-8 title of a node, not NUL-terminated; *out_len is 0 when the
 * node has no title. The text lives while the caller holds a reference to
 * the graph (see CAVEATS, Lifetime).
 * Errors: BW_ENOTFOUND, BW_ENODATA (the graph has no titles of that kind). */
BW_API int bw_graph_node_title(const bw_graph *graph, int kind, uint64_t id, const char **out_title,
                               size_t *out_len);
/** A node's language and topic codes (BW_ATTR_ANY where unknown).
 * Errors: BW_ENOTFOUND, BW_EINVAL. */
BW_API int bw_graph_node_attributes(const bw_graph *graph, int kind, uint64_t id,
                                    uint32_t *out_language, uint32_t *out_topic);
/** The code of an attribute value name ("en", "travel") as spelled in the
 * attributes file the graph was built from. Errors: BW_ENOTFOUND, BW_ENODATA,
 * BW_EINVAL. */
BW_API int bw_graph_attribute_code(const bw_graph *graph, int attribute, const char *name,
                                   uint32_t *out_code);
/** The name of an attribute code, not NUL-terminated. The text lives while
 * the caller holds a reference to the graph (see CAVEATS, Lifetime).
 * Errors: BW_ERANGE, BW_ENODATA, BW_EINVAL. */
BW_API int bw_graph_attribute_name(const bw_graph *graph, int attribute, uint32_t code,
                                   const char **out_name, size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Queries                                                                    */

/* Defaults, chosen by measurement (BENCHMARKS.md, "Quality"): on MovieLens
 * 100K, restart 0.9 and popularity penalty 0.7 gave the best HR@10 and
 * NDCG@10 at 100,000 steps and twice the catalogue coverage of no penalty. */
#define BW_DEFAULT_STEPS 100000u
#define BW_DEFAULT_RESTART 0.9
#define BW_DEFAULT_POPULARITY_PENALTY 0.7
#define BW_DEFAULT_TOP 100u
#define BW_DEFAULT_EARLY_STOP_NP 2000u
#define BW_DEFAULT_EARLY_STOP_NV 4u
#define BW_DEFAULT_EXPONENT 1.0

/* Hard limits; larger values are rejected with BW_EINVAL (setters) or
 * BW_ELIMIT (adders), so that no query can take unbounded memory or
 * (BW_MAX_STEPS) more than about a minute of one core: 10^9 steps run in
 * 25-60 s on 100M edges, while Pixie's quality saturates near 10^5. Use a
 * time budget to bound latency more tightly. Memory per query is bounded
 * by the graph: visit tables grow with the distinct nodes visited. */
#define BW_MAX_STEPS 1000000000ull /* 10^9 */
#define BW_MAX_TOP 1000000u
#define BW_MAX_QUERY_NODES 100000u
#define BW_MAX_QUERY_LIST 67108864u /* exclusions, candidates: 2^26 */
#define BW_MAX_TIME_BUDGET_US (UINT64_MAX / 1000) /* about 584 years */

/* Every rule a query follows lives in the setters below, with its message:
 * a setter that refuses a value returns its code and leaves the query as it
 * was, and bw_query_errmsg() says why in a sentence naming the parameter
 * (by its name in `boardwalk query --batch`) and the value given, e.g.
 * "restart must be in (0, 1], not 1.5". Bindings report that message
 * rather than writing their own. */

/** Creates a query holding the defaults: BW_DEFAULT_STEPS steps, restart
 * BW_DEFAULT_RESTART, top BW_DEFAULT_TOP, early stopping on with
 * (BW_DEFAULT_EARLY_STOP_NP, BW_DEFAULT_EARLY_STOP_NV), boosting on,
 * popularity penalty BW_DEFAULT_POPULARITY_PENALTY, the walk method with
 * exponent BW_DEFAULT_EXPONENT, no bias, seed 0, no time budget, pins only,
 * strict ids.
 * Errors: BW_EINVAL (NULL out_query), BW_ENOMEM. Free with bw_query_free().
 * Threads: a query is changed by one thread at a time (see CAVEATS). */
BW_API int bw_query_new(bw_query **out_query);
/** Frees a query. NULL is a no-op. */
BW_API void bw_query_free(bw_query *query);
/** Why the last call that changed this query (an add, set, exclude or
 * clear function) failed, as one sentence for people; "" when that call
 * succeeded. Never NULL (a NULL query gives a static text). The string
 * belongs to the query and is valid until the next call that changes it or
 * bw_query_free(). Running a query (bw_recommend, bw_score) does not touch
 * it: those calls take the query const and may share it between threads. */
BW_API const char *bw_query_errmsg(const bw_query *query);
/** Removes every pin, board, exclusion and candidate; keeps the parameters.
 * Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_clear(bw_query *query);

/** Adds a query pin with a weight (finite, >= 0). Adding the same pin twice
 * adds the weights. A pin of weight 0 starts no walk but is still one of the
 * query's pins, which are never returned.
 * Errors: BW_EINVAL (NULL query; NaN, infinite or negative weight),
 * BW_ELIMIT (more than BW_MAX_QUERY_NODES nodes), BW_ENOMEM. */
BW_API int bw_query_add_pin(bw_query *query, uint64_t pin, double weight);
/** Adds a query board: its walks start with a board -> pin hop. As add_pin. */
BW_API int bw_query_add_board(bw_query *query, uint64_t board, double weight);
/** Total step budget N (a step is pin -> board -> pin), 1 ... BW_MAX_STEPS.
 * Errors: BW_EINVAL (NULL query, 0, more than BW_MAX_STEPS). */
BW_API int bw_query_set_steps(bw_query *query, uint64_t steps);
/** Restart probability alpha per step, 0 < alpha <= 1 (mean walk length 1/alpha).
 * Errors: BW_EINVAL (NULL query, alpha outside (0, 1] or NaN). */
BW_API int bw_query_set_restart(bw_query *query, double alpha);
/** Number of results K, 1 ... BW_MAX_TOP.
 * Errors: BW_EINVAL (NULL query, 0, more than BW_MAX_TOP). */
BW_API int bw_query_set_top(bw_query *query, uint32_t top);
/** Early stopping: each query node stops walking once more than np pins have
 * at least nv visits. enabled = 0 turns it off (np and nv are then ignored).
 * Errors: BW_EINVAL (NULL query; enabled with np or nv 0). */
BW_API int bw_query_set_early_stop(bw_query *query, int enabled, uint32_t np, uint32_t nv);
/** Multi-hit booster V[p] = (sum_q sqrt(V_q[p]))^2: on (1, default) or off (0).
 * Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_set_boost(bw_query *query, int enabled);
/** Biased walk: at each hop, with probability beta (0 ... 1) the next node is
 * drawn from the neighbours whose language and topic match (codes from
 * bw_graph_attribute_code, BW_ATTR_ANY for no preference). A bias set here
 * stays set: a later bw_query_set_preference() changes only the language
 * and topic. A bias on a graph without attributes is ignored.
 * Errors: BW_EINVAL (NULL query; beta outside [0, 1] or NaN; a code that is
 * neither BW_ATTR_ANY nor below BW_ATTR_NONE; beta > 0 on a query that uses
 * BW_METHOD_EXACT, which has no biased form). */
BW_API int bw_query_set_bias(bw_query *query, double beta, uint32_t language, uint32_t topic);
/** The user's language and topic without a bias strength: unless
 * bw_query_set_bias() set one, the bias becomes 1 when either is given
 * (not BW_ATTR_ANY) and 0 when both are BW_ATTR_ANY. This is what the
 * command-line tool, the batch format and the bindings do when a language
 * or topic comes without a bias.
 * Errors: as bw_query_set_bias (an implied bias of 1 on an exact query
 * included). */
BW_API int bw_query_set_preference(bw_query *query, uint32_t language, uint32_t topic);
/** Popularity penalty beta (RP3beta, Paudel et al. 2016): candidates are
 * ranked by score / degree^beta, so that popular pins no longer crowd out
 * the specific ones. 0 turns it off; 0 <= beta <= 2; the default is
 * BW_DEFAULT_POPULARITY_PENALTY. Scores in
 * results and from bw_score() include the penalty.
 * Errors: BW_EINVAL (NULL query, beta outside [0, 2] or NaN). */
BW_API int bw_query_set_popularity_penalty(bw_query *query, double beta);
/* Methods (bw_query_set_method). */
#define BW_METHOD_WALK 0  /* the Pixie random walk (default) */
#define BW_METHOD_EXACT 1 /* exact 3-step scores: P3alpha, RP3beta with a penalty */

/** How a query is answered.
 *
 * BW_METHOD_WALK (default) runs the Pixie random walk: its cost is the step
 * budget, whatever the size of the graph.
 *
 * BW_METHOD_EXACT computes, without sampling, the probability that a
 * 3-step walk query -> board -> pin from the query's pins ends on each pin
 * (P3alpha, Christoffel et al. 2015), divided by degree^penalty when a
 * popularity penalty is set (RP3beta, Paudel et al. 2016). A query pin q
 * of weight w_q sends w_q / sum(w) * deg(q)^-e to each of its boards; a
 * query board of weight w gets w / sum(w) directly; a board b then sends
 * its mass times deg(b)^-e to each of its pins, e being the exponent
 * (bw_query_set_exponent; 1 gives plain transition probabilities). Scores
 * are these probabilities (after the penalty), not visit counts; a result's
 * `visits` is the number of boards it was reached through, and
 * bw_results_steps() the number of adjacency entries read.
 *
 * The exact cost is the sum of the degrees of the boards the query's pins
 * are on: about one pass over a 100K-edge graph for a MovieLens user, but
 * millions of entries for a popular pin of a large graph, where the walk's
 * fixed budget is far cheaper. bw_query_set_time_budget() bounds it (the
 * results are then partial). Steps, restart, early stopping, boosting and
 * the seed do not apply. The exact method has no biased form: a query with
 * a bias (set, or implied by a language or topic) cannot switch to it, nor
 * an exact query take a bias. Deterministic, thread-safe as the walk.
 * Errors: BW_EINVAL (NULL query, unknown method, BW_METHOD_EXACT on a
 * biased query). */
BW_API int bw_query_set_method(bw_query *query, int method);
/** Exponent e of the exact method's transition probabilities (the alpha
 * of P3alpha), 0 <= e <= 2; default BW_DEFAULT_EXPONENT. Ignored by the walk.
 * Errors: BW_EINVAL (NULL query, e outside [0, 2] or NaN). */
BW_API int bw_query_set_exponent(bw_query *query, double exponent);

/** Seed of the walk. Same graph, query and seed give the same results on any
 * thread, in any process. Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_set_seed(bw_query *query, uint64_t seed);
/** Time budget in microseconds (0: none). When it runs out the walk returns
 * what it has and bw_results_partial() is 1.
 * Errors: BW_EINVAL (NULL query, more than BW_MAX_TIME_BUDGET_US). */
BW_API int bw_query_set_time_budget(bw_query *query, uint64_t microseconds);
/** The time budget in milliseconds, as the batch format and the tool take
 * it: a positive number up to BW_MAX_TIME_BUDGET_US / 1000, kept to whole
 * microseconds (at least one). Turn the budget off with
 * bw_query_set_time_budget(query, 0).
 * Errors: BW_EINVAL (NULL query; 0, negative, NaN, infinite or too large). */
BW_API int bw_query_set_time_budget_ms(bw_query *query, double milliseconds);
/** Whether boards may appear in results (0, default: pins only).
 * Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_set_include_boards(bw_query *query, int enabled);
/** Lenient mode (1): ids not in the graph are skipped and listed in the
 * results (bw_results_unknown). Strict (0, default): they fail the query
 * with BW_ENOTFOUND. Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_set_lenient(bw_query *query, int enabled);
/** Never returns this pin (the query's own pins are never returned anyway).
 * Unknown ids are ignored. Errors: BW_EINVAL (NULL query), BW_ELIMIT (more
 * than BW_MAX_QUERY_LIST), BW_ENOMEM. */
BW_API int bw_query_exclude_pin(bw_query *query, uint64_t pin);
/** Adds a pin to score with bw_score(). Errors: BW_EINVAL (NULL query),
 * BW_ELIMIT (more than BW_MAX_QUERY_LIST), BW_ENOMEM. */
BW_API int bw_query_add_candidate(bw_query *query, uint64_t pin);

/** Runs the Pixie random walk for a query (or the exact method, see
 * bw_query_set_method) and sets *out_results to the top pins (and boards,
 * if asked), best first, ties broken by kind (pins first) then ascending
 * id. Thread-safe for a shared graph and query; it allocates nothing per
 * step and reuses per-thread scratch memory across calls.
 * Errors: BW_EINVAL, BW_ENOTFOUND (strict mode), BW_EEMPTY (no known node
 * with positive weight), BW_ENOMEM. */
BW_API int bw_recommend(const bw_graph *graph, const bw_query *query, bw_results **out_results);
/** Runs the same walk (or exact method) and sets *out_results to one entry
 * per candidate, in the order they were added, with its score and visits
 * (0 when never reached, or unknown). Errors as bw_recommend. */
BW_API int bw_score(const bw_graph *graph, const bw_query *query, bw_results **out_results);

/** Cancels the walks running on `query`: each bw_recommend() or bw_score()
 * (and bw_live_*) using it stops at its next clock check, where the time
 * budget is checked (every 1,024 steps of the walk, 4,096 adjacency entries
 * of the exact method: microseconds), and returns what it found with
 * bw_results_partial() = 1, as when a time budget runs out. Calls started
 * later on a cancelled query stop at their first check, until
 * bw_query_uncancel(). The flag costs nothing measurable: it is read with
 * the clock (a relaxed atomic load), never per step.
 *
 * Threads: unlike the setters, bw_query_cancel() and bw_query_cancelled()
 * may be called from any thread at any time, also while other threads run
 * walks with `query` (a watchdog, a request's cancellation handler); the
 * query must stay allocated until those calls return.
 * Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_cancel(bw_query *query);
/** 1 when `query` was cancelled (and not uncancelled since), else 0 (0 for
 * NULL). Thread-safe as bw_query_cancel(): tells a caller whether partial
 * results came from a cancellation or the time budget. */
BW_API int bw_query_cancelled(const bw_query *query);
/** Clears the cancellation, so the query can be run again. Like the
 * setters: not while any thread runs a walk with it. Errors: BW_EINVAL. */
BW_API int bw_query_uncancel(bw_query *query);

/* ------------------------------------------------------------------------ */
/* Features and learned rankers                                               */

/** Candidate features: what the walk knows about each candidate, computed
 * in C for every result of bw_recommend() (the walk's top candidates) and
 * every candidate of bw_score(), when the query asks for them
 * (bw_query_set_features) or has a ranker (bw_query_set_ranker). A team
 * logs them (`boardwalk query --json --features`, "features": true in a
 * batch line) and trains a model on them (Tools/ranker/train.py); the
 * model file names the features it reads, so a model never depends on
 * their order here, and features added later (such as the recency of a
 * candidate's newest live edge) need no new model format.
 *
 * Index, name and meaning (walk method; the exact method's differences
 * last). W is the summed weight of the query's walking nodes (known, weight
 * > 0); "the user's" language or topic is the one the query sets
 * (bw_query_set_preference / bw_query_set_bias), else the W-weighted
 * majority of the query nodes' known ones (ties: the lower code).
 *   0 score          the candidate's score as the results report it
 *                    (boosted visits divided by degree^popularity_penalty)
 *   1 boosted_score  (sum over query nodes q of sqrt(V_q))^2, no penalty
 *                    (the visit count when boosting is off)
 *   2 visits         visits from all query nodes together
 *   3 visit_share    visits / steps walked
 *   4 sources        how many query nodes' walks reached it
 *   5 source_weight  those nodes' summed weight / W (0 ... 1)
 *   6 degree         its number of boards (a board's: pins), live edges
 *                    included on a bw_live
 *   7 language_match 1 when its language is the user's, else 0 (also when
 *                    either is unknown or the graph has no attributes)
 *   8 topic_match    the same for the topic
 *   9 language_share the weight / W of query nodes with its language (0
 *                    when unknown)
 *  10 topic_share    the same for its topic
 *  11 exact_score    the exact 3-step probability query -> board -> it
 *                    (BW_METHOD_EXACT's score with exponent 1 and no
 *                    penalty), when cheap: computed when the query pins'
 *                    degrees sum to at most BW_FEATURE_EXACT_MAX_WORK
 *                    (a rule on the query alone, so that a candidate's
 *                    value never depends on the others scored with it),
 *                    else 0; it then costs one lookup per board of each
 *                    candidate; never computed over live edges (bw_live_*)
 *  12 exact_computed 1 when exact_score was computed for this query, else 0
 *  13 query_size     number of walking query nodes (distinct, known,
 *                    weight > 0)
 *  14 exact_penalized_score  exact_score / degree^popularity_penalty (the
 *                    query's penalty): RP3beta's score, 0 when not computed
 * With BW_METHOD_EXACT: boosted_score and visit_share are the unpenalized
 * 3-step probability, visits the number of boards it was reached through,
 * sources and source_weight 0. A candidate of bw_score() that is not in
 * the graph has every feature 0. Features are finite numbers, never NaN.
 *
 * Cost: a few hash lookups per candidate plus the exact score's work
 * (BENCHMARKS.md, "Learned ranker"). */
#define BW_FEATURE_SCORE 0
#define BW_FEATURE_BOOSTED_SCORE 1
#define BW_FEATURE_VISITS 2
#define BW_FEATURE_VISIT_SHARE 3
#define BW_FEATURE_SOURCES 4
#define BW_FEATURE_SOURCE_WEIGHT 5
#define BW_FEATURE_DEGREE 6
#define BW_FEATURE_LANGUAGE_MATCH 7
#define BW_FEATURE_TOPIC_MATCH 8
#define BW_FEATURE_LANGUAGE_SHARE 9
#define BW_FEATURE_TOPIC_SHARE 10
#define BW_FEATURE_EXACT_SCORE 11
#define BW_FEATURE_EXACT_COMPUTED 12
#define BW_FEATURE_QUERY_SIZE 13
#define BW_FEATURE_EXACT_PENALIZED_SCORE 14
/** The number of features this library computes (bw_feature_count() at run
 * time: a binding built against an older header asks the library). */
#define BW_FEATURE_COUNT 15
/** The exact_score rule: computed when the query pins' degrees (plus one
 * per query board) sum to at most this many adjacency entries. */
#define BW_FEATURE_EXACT_MAX_WORK 65536u

/** BW_FEATURE_COUNT, from the library. Thread-safe. */
BW_API uint32_t bw_feature_count(void);
/** The name of feature `index` (static, NUL-terminated), NULL past the
 * last. Thread-safe. */
BW_API const char *bw_feature_name(uint32_t index);
/** The index of a feature by name. Errors: BW_EINVAL (NULL), BW_ENOTFOUND. */
BW_API int bw_feature_index(const char *name, uint32_t *out_index);

/** Whether results carry the features of each entry (0, default: no):
 * bw_results_feature_count() and bw_results_features().
 * Errors: BW_EINVAL (NULL query). */
BW_API int bw_query_set_features(bw_query *query, int enabled);

/** A learned ranker: a model loaded from a model file (written by
 * Tools/ranker/train.py), applied in C to the walk's candidates. No Python
 * or other runtime is needed at query time.
 *
 * Model file, format version 1 (all integers little-endian, doubles IEEE
 * 754 binary64 little-endian; Tools/ranker/train.py's model_bytes writes it):
 *   offset 0   8 bytes  magic "BWRANKER"
 *          8   u32      format version, BW_RANKER_FORMAT_VERSION
 *         12   u32      kind: BW_RANKER_LINEAR or BW_RANKER_TREES
 *         16   u32      n, the number of inputs (1 ... BW_RANKER_MAX_INPUTS)
 *         20   u32      output: BW_RANKER_OUTPUT_RAW, or
 *                       BW_RANKER_OUTPUT_LOGISTIC (1 / (1 + e^-raw))
 *         24   u64      body bytes: everything after this 32-byte header
 *                       up to the checksum
 *         32   n inputs of 40 bytes: a feature name (32 bytes, NUL-padded,
 *                       at least one NUL), u32 transform
 *                       (BW_RANKER_IDENTITY; BW_RANKER_LOG1P:
 *                       sign(x) * ln(1 + |x|); BW_RANKER_LOG:
 *                       ln(max(x, 0) + 1e-12), for probabilities), u32 0
 *   linear:    f64 bias, then n f64 weights: raw = bias + sum w_i x_i
 *   trees:     f64 base, u32 tree count (1 ... BW_RANKER_MAX_TREES), u32 0,
 *              then per tree: u32 node count m (1 ... BW_RANKER_MAX_NODES),
 *              u32 0, and m nodes of 24 bytes: u32 input (0xFFFFFFFF for a
 *              leaf), u32 left, u32 right, u32 0, f64 value (a split's
 *              threshold, a leaf's value). From node 0, x_input <= value
 *              goes to left, else right; children have larger indices
 *              than their node (so every path ends), leaves have 0, 0.
 *              raw = base + the sum of the leaves reached.
 *   last 4 bytes: u32 CRC-32 (IEEE 802.3, as zlib's crc32) of every byte
 *              before it.
 * x_i is input i's feature after its transform. A model's score is raw,
 * or its logistic; higher ranks first.
 *
 * Threads and lifetime: a ranker never changes once loaded; any number of
 * threads may use one ranker and any number of queries may hold it at
 * once. It is reference-counted: bw_ranker_open() returns one reference,
 * bw_ranker_retain() and bw_query_set_ranker() take one each, and
 * bw_ranker_close() and bw_query_free() (or replacing the query's ranker)
 * drop one; it is freed with the last, so a caller may close its own
 * reference while queries still use the ranker. */
typedef struct bw_ranker bw_ranker;

#define BW_RANKER_FORMAT_VERSION 1u
#define BW_RANKER_LINEAR 1u
#define BW_RANKER_TREES 2u
#define BW_RANKER_OUTPUT_RAW 0u
#define BW_RANKER_OUTPUT_LOGISTIC 1u
#define BW_RANKER_IDENTITY 0u
#define BW_RANKER_LOG1P 1u
#define BW_RANKER_LOG 2u
#define BW_RANKER_MAX_INPUTS 256u
#define BW_RANKER_MAX_TREES 100000u
#define BW_RANKER_MAX_NODES (1u << 20)
#define BW_RANKER_MAX_FILE_BYTES (256ull << 20)
/** Candidates a ranker scores by default (bw_query_set_ranker, top_n 0),
 * and at most. */
#define BW_DEFAULT_RANKER_TOP_N 500u
#define BW_MAX_RANKER_TOP_N 100000u

/** Loads the model file at `path` and sets *out_ranker. Every byte is
 * checked: the magic, the version, the CRC-32, the sizes (the input count
 * against the body: a model written for another number of features is
 * refused), every input's name against this library's features (an unknown
 * name, e.g. from a newer library, is refused naming it), duplicate
 * inputs, transforms, tree structure (indices in range, children after
 * their node), and every weight, threshold and leaf value finite (NaN and
 * infinities are refused). On failure a NUL-terminated message for people
 * goes to out_message ("model.bwr: input 3 \"newest_edge_age\" is not a
 * feature of this library (its features: ...)").
 * Errors: BW_EINVAL (NULL path or out_ranker; a NaN or infinite weight,
 * threshold or leaf; an unknown transform or output), errno values
 * (ENOENT ...), BW_ECORRUPT (not a model file, truncated, checksum or
 * structure wrong), BW_EVERSION (another format version), BW_ENOTFOUND (an
 * input names no feature of this library), BW_ELIMIT (past the
 * BW_RANKER_MAX_* limits), BW_ENOMEM. Free with bw_ranker_close(). */
BW_API int bw_ranker_open(const char *path, bw_ranker **out_ranker, char *out_message,
                          size_t message_capacity);
/** bw_ranker_open() from `size` bytes in memory (copied; the caller keeps
 * its buffer). Errors as bw_ranker_open. */
BW_API int bw_ranker_load(const void *data, size_t size, bw_ranker **out_ranker, char *out_message,
                          size_t message_capacity);
/** Takes another reference. Returns `ranker` (NULL for NULL). Thread-safe. */
BW_API bw_ranker *bw_ranker_retain(bw_ranker *ranker);
/** Drops one reference; the last frees the ranker. NULL is a no-op.
 * Thread-safe with respect to other references. */
BW_API void bw_ranker_close(bw_ranker *ranker);
/** BW_RANKER_LINEAR or BW_RANKER_TREES (0 for NULL). */
BW_API uint32_t bw_ranker_kind(const bw_ranker *ranker);
/** Number of inputs (0 for NULL), and input `index`'s feature name (NULL
 * past the last; the string lives as long as the ranker). */
BW_API uint32_t bw_ranker_input_count(const bw_ranker *ranker);
BW_API const char *bw_ranker_input_name(const bw_ranker *ranker, uint32_t index);
/** The model's score of one feature vector: `count` values in this
 * library's feature order (count must be bw_feature_count()), as
 * bw_results_features() gives them. Thread-safe.
 * Errors: BW_EINVAL (NULL, wrong count, a NaN value). */
BW_API int bw_ranker_score(const bw_ranker *ranker, const double *features, size_t count,
                           double *out_score);

/** Attaches a ranker (taking a reference; NULL detaches it). The walk then
 * keeps its best max(top_n, top) candidates, the ranker scores them from
 * their features, and bw_recommend() returns the best `top` by the model's
 * score (ties in the walk's order), each entry's score being the model's
 * and visits the walk's; bw_score() returns the model's score of each
 * candidate (-infinity for one that is not in the graph). top_n 0 means
 * BW_DEFAULT_RANKER_TOP_N; otherwise 1 ... BW_MAX_RANKER_TOP_N.
 * Errors: BW_EINVAL (NULL query, top_n out of range; bw_query_errmsg says
 * why). */
BW_API int bw_query_set_ranker(bw_query *query, bw_ranker *ranker, uint32_t top_n);

/* ------------------------------------------------------------------------ */
/* Live graphs: replacing the graph under running queries                    */

/** A live graph: one current graph that can be replaced at any time while
 * any number of threads query it. Typical server use:
 *
 *     bw_live *live;
 *     bw_live_open("/srv/pins.bwg", BW_OPEN_VERIFY, &live, msg, sizeof msg);
 *     ... request threads:  bw_live_recommend(live, q, &r);
 *     ... daily, any thread: bw_live_swap(live, "/srv/pins.bwg", BW_OPEN_VERIFY, msg, sizeof msg);
 *     ... at shutdown, when no thread uses `live`: bw_live_close(live);
 *
 * A query that started before a swap finishes on the old graph; queries that
 * start after it use the new one. The old graph is unmapped by the swap
 * itself when no query is running, else when the last query that used it
 * ends (that query frees it if no writer call is running at that moment:
 * it never waits for one), else by the next writer call (bw_live_add_edges,
 * bw_live_remove_edges, bw_live_hide, a swap, bw_live_stat) or by
 * bw_live_close(); graphs acquired with bw_live_acquire() stay mapped until
 * their reference is dropped. Every function below is thread-safe except
 * bw_live_close(). */
typedef struct bw_live bw_live;

/** Opens `path` as bw_graph_open_ex() does and makes it the live graph of a
 * new bw_live. Errors: those of bw_graph_open_ex, BW_EINVAL, BW_ENOMEM.
 * Ownership: free with bw_live_close(). */
BW_API int bw_live_open(const char *path, uint32_t flags, bw_live **out_live, char *out_message,
                        size_t message_capacity);

/** A new bw_live whose live graph is `graph`; it takes its own reference,
 * the caller keeps and closes its own. Errors: BW_EINVAL, BW_ENOMEM. */
BW_API int bw_live_new(bw_graph *graph, bw_live **out_live);

/** Opens the graph file at `path` (flags and message as bw_graph_open_ex;
 * BW_OPEN_VERIFY is recommended for files from elsewhere) and, only if that
 * succeeds, makes it the live graph. On failure the live graph is
 * unchanged and the error is returned: a bad file never replaces a good
 * one. Concurrent swaps are serialised. The file at `path` may be the same
 * path as the current graph's, replaced by rename. */
BW_API int bw_live_swap(bw_live *live, const char *path, uint32_t flags, char *out_message,
                        size_t message_capacity);

/** Makes an already open graph live (taking its own reference; the caller
 * keeps its own). Errors: BW_EINVAL. */
BW_API int bw_live_replace(bw_live *live, bw_graph *graph);

/** Sets *out_graph to the live base graph with a new reference, to be
 * dropped with bw_graph_close() when done; a swap meanwhile does not affect
 * it. The graph is the base only: queries on it do not see live edges
 * (bw_live_recommend and bw_live_score do). Lock-free. Errors: BW_EINVAL. */
BW_API int bw_live_acquire(bw_live *live, bw_graph **out_graph);

/** bw_recommend() / bw_score() on the live graph: the base plus the live
 * edges (see "Live edges" below). Lock-free: the query registers in an
 * epoch (two atomic increments), never waits for a writer or a swap, and
 * runs on one consistent (base, delta) pair. */
BW_API int bw_live_recommend(bw_live *live, const bw_query *query, bw_results **out_results);
BW_API int bw_live_score(bw_live *live, const bw_query *query, bw_results **out_results);

/** Number of graphs made live after the first (0 for NULL). */
BW_API uint64_t bw_live_generation(const bw_live *live);

/* ------------------------------------------------------------------------ */
/* Live edges: edges added and removed since the base graph was built         */

/** A bw_live holds, besides its base graph, a live delta: edges added since
 * the base (bw_live_add_edges), edges removed (bw_live_remove_edges) and
 * hidden pins and boards (bw_live_hide). bw_live_recommend and
 * bw_live_score walk the union: from any node the next step is uniform
 * over its base edges and its live edges minus the removed ones, exactly
 * the walk on a graph built from that edge set. The same holds for every
 * query feature: the step split (with union degrees; C, the side's max
 * log-degree, becomes the largest of the base's and of the union degrees
 * the delta has made, which is the rebuilt graph's unless removals lowered
 * the largest degree), the booster, early stopping, the popularity penalty
 * (union degrees), exclusions, candidates, boards as results, the time
 * budget, the exact method and determinism for a seed and the same live
 * state. A node whose union degree is 0 (every edge removed, or hidden) is
 * not in the graph: an unknown id to a query, as in a rebuilt graph.
 *
 * New nodes: a pin or board id the base does not have becomes a new node at
 * once, walkable, recommendable and queryable, without attributes (a biased
 * query treats it as matching nothing, as an unknown attribute). A biased
 * hop from a node the delta touched draws exactly from the matching union
 * neighbours (also for a topic-only bias, which the base's hop
 * approximates).
 *
 * Ids: any uint64_t, 0 and 2^64-1 included, as the builder accepts them.
 * Times: any uint64_t in the host's unit, as the build's watermark; they
 * need not increase (expiry goes by arrival order, a swap's cut by each
 * edge's own time). NULL times give every edge the time 2^64-1: newer than
 * any watermark.
 *
 * Memory: live edges are kept in BW_LIVE_SEGMENTS segments in arrival
 * order of max_edges / BW_LIVE_SEGMENTS edges each (bw_live_set_max_edges);
 * when all are full, the oldest segment's edges are dropped whole
 * (BW_LIVE_STAT_EXPIRED counts them) and the delta is rebuilt without them
 * (O(live edges), by the writer, readers unaffected). Removals of base
 * edges and hidden nodes are kept until a swap.
 *
 * Visibility: an edge is visible to queries from its pin as soon as its
 * pin's count is published and from its board right after (the writer
 * publishes each direction with a release store): atomicity is per edge and
 * direction, not per batch; a query never reads a torn entry. A removal or
 * a hide is visible once it returns.
 *
 * Daily hand-over: bw_live_swap / bw_live_replace carry the delta over to
 * the new base: live edges with a time at or below the new base's
 * watermark (BW_STAT_WATERMARK) are dropped (the base has them, or had
 * them removed before its build), newer ones are kept unless the new base
 * already holds them (counted once), new nodes the base now contains
 * become its nodes, removals are kept for edges the new base or the kept
 * live edges still have, and hidden nodes stay hidden. A base without a
 * watermark drops nothing by time: every live edge it does not hold is
 * kept. Readers switch atomically. After a restart, a host opens the base,
 * reads its watermark (bw_graph_stat) and replays from its log the adds,
 * removals and hides with times above it, in their order.
 *
 * Threads: one writer at a time (adds, removals, hides, swaps and
 * bw_live_set_max_edges serialise on a mutex, which queries never take);
 * any number of concurrent queries. */

#define BW_LIVE_SEGMENTS 4u
#define BW_LIVE_DEFAULT_MAX_EDGES (1ull << 28) /* 268M live edges */
#define BW_LIVE_MIN_MAX_EDGES 4ull
#define BW_LIVE_MAX_MAX_EDGES (1ull << 40)

/** Adds `count` edges (pins[i], boards[i]), with times[i] (NULL: all
 * 2^64-1). New ids become new nodes. An edge already live or in the base
 * counts as a duplicate; adding a removed edge restores it (it counts as
 * added, keeping its first time); an edge of a hidden pin or board is
 * refused. out_ counts may be NULL. When the log is full, the oldest
 * segment expires first (see above).
 * Errors: BW_EINVAL (NULL live; NULL arrays with count > 0), BW_ELIMIT
 * (count above the max_edges setting: nothing is added; or more than
 * BW_MAX_NODES pins or boards), BW_ENOMEM. On an error after the first edge,
 * the edges before it stay added and the counts say how many.
 * Threads: one writer at a time (others wait); queries run meanwhile. */
BW_API int bw_live_add_edges(bw_live *live, const uint64_t *pins, const uint64_t *boards,
                             const uint64_t *times, size_t count, uint64_t *out_added,
                             uint64_t *out_duplicates, uint64_t *out_refused);

/** Removes edges, base or live: they stop being walked. An edge that is not
 * in the union (never added, already removed, unknown ids) counts as
 * missing. Removing every edge of a node takes it out of the graph.
 * Errors: BW_EINVAL (NULL live; NULL arrays with count > 0), BW_ENOMEM (the
 * edges before stay removed). Threads: as bw_live_add_edges. */
BW_API int bw_live_remove_edges(bw_live *live, const uint64_t *pins, const uint64_t *boards,
                                size_t count, uint64_t *out_removed, uint64_t *out_missing);

/** Hides a pin (kind BW_PIN) or board (BW_BOARD) outright (a moderation
 * takedown): its edges are removed, it is never a result nor walked
 * through, and later edges to it are refused. An id not seen yet is hidden
 * in advance. There is no unhide. Errors: BW_EINVAL (NULL, unknown kind),
 * BW_ELIMIT, BW_ENOMEM. Threads: as bw_live_add_edges. */
BW_API int bw_live_hide(bw_live *live, int kind, uint64_t id);

/** The cap on live edges, BW_LIVE_MIN_MAX_EDGES ... BW_LIVE_MAX_MAX_EDGES
 * (default BW_LIVE_DEFAULT_MAX_EDGES), rounded down to a multiple of
 * BW_LIVE_SEGMENTS. Errors: BW_EINVAL (NULL, out of range), BW_ELIMIT (below
 * the live edges held), BW_ENOMEM. Threads: as bw_live_add_edges. */
BW_API int bw_live_set_max_edges(bw_live *live, uint64_t max_edges);

/** Statistics for bw_live_stat(). */
#define BW_LIVE_STAT_EDGES 1      /* live edges held (removed ones until they expire) */
#define BW_LIVE_STAT_REMOVED 2    /* removed edges (base and live) */
#define BW_LIVE_STAT_NEW_PINS 3   /* pins not in the base */
#define BW_LIVE_STAT_NEW_BOARDS 4 /* boards not in the base */
#define BW_LIVE_STAT_HIDDEN 5     /* hidden pins and boards */
#define BW_LIVE_STAT_EXPIRED 6    /* live edges dropped by expiry, in total */
#define BW_LIVE_STAT_MAX_EDGES 7  /* the cap */
#define BW_LIVE_STAT_BYTES 8      /* heap bytes of the delta, approximately */
#define BW_LIVE_STAT_SEGMENTS 9   /* segments in use */

/** Reads one statistic of the live delta. Errors: BW_EINVAL (NULL, unknown
 * `what`). Threads: takes the writer mutex (waits for a running add). */
BW_API int bw_live_stat(bw_live *live, int what, uint64_t *out_value);

/** Drops the bw_live's reference to its graph and frees it. Graphs acquired
 * from it stay valid until their own references are dropped. No other
 * thread may be using `live`. NULL is a no-op. */
BW_API void bw_live_close(bw_live *live);

/* ------------------------------------------------------------------------ */
/* Results                                                                    */

/** Number of entries (0 for NULL). */
BW_API size_t bw_results_count(const bw_results *results);
/** Entry `index`: its id, score and visit count; out_ pointers may be NULL.
 * Errors: BW_ERANGE, BW_EINVAL. */
BW_API int bw_results_get(const bw_results *results, size_t index, uint64_t *out_id,
                          double *out_score, uint64_t *out_visits);
/** Entry `index`'s kind (BW_PIN or BW_BOARD). Errors: BW_ERANGE, BW_EINVAL. */
BW_API int bw_results_kind(const bw_results *results, size_t index, int *out_kind);
/** 1 when the time budget or bw_query_cancel() cut the walk short, else 0
 * (0 for NULL). */
BW_API int bw_results_partial(const bw_results *results);
/** Steps walked (pin -> board -> pin) for this query. */
BW_API uint64_t bw_results_steps(const bw_results *results);
/** Wall time of the walk, microseconds. */
BW_API uint64_t bw_results_elapsed_us(const bw_results *results);
/** Number of query ids skipped as unknown (lenient mode). */
BW_API size_t bw_results_unknown_count(const bw_results *results);
/** The `index`th unknown id and its kind. Errors: BW_ERANGE, BW_EINVAL. */
BW_API int bw_results_unknown(const bw_results *results, size_t index, int *out_kind, uint64_t *out_id);
/** Number of features per entry: bw_feature_count() when the query asked
 * for features (bw_query_set_features), else 0 (0 for NULL). */
BW_API size_t bw_results_feature_count(const bw_results *results);
/** Copies entry `index`'s features (in bw_feature_name order) to
 * out_values: min(count, bw_results_feature_count()) values.
 * Errors: BW_EINVAL (NULL results, NULL out_values with count > 0),
 * BW_ERANGE, BW_ENODATA (the query did not ask for features). */
BW_API int bw_results_features(const bw_results *results, size_t index, double *out_values, size_t count);
/** Frees results. NULL is a no-op. */
BW_API void bw_results_free(bw_results *results);

#ifdef __cplusplus
}
#endif
#endif /* BOARDWALK_H */
