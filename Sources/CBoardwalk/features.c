/* features.c - the features of a query's candidates (boardwalk.h, "Features
 * and learned rankers"): what the walk recorded about each (read through
 * bw_walk_lookup_stats), its degree and attributes against the query's,
 * and the exact 3-step score when it is cheap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bw_delta.h"
#include "bw_rank.h"
#include "bw_walk.h"

static const char *const feature_names[BW_FEATURE_COUNT] = {
    [BW_FEATURE_SCORE] = "score",
    [BW_FEATURE_BOOSTED_SCORE] = "boosted_score",
    [BW_FEATURE_VISITS] = "visits",
    [BW_FEATURE_VISIT_SHARE] = "visit_share",
    [BW_FEATURE_SOURCES] = "sources",
    [BW_FEATURE_SOURCE_WEIGHT] = "source_weight",
    [BW_FEATURE_DEGREE] = "degree",
    [BW_FEATURE_LANGUAGE_MATCH] = "language_match",
    [BW_FEATURE_TOPIC_MATCH] = "topic_match",
    [BW_FEATURE_LANGUAGE_SHARE] = "language_share",
    [BW_FEATURE_TOPIC_SHARE] = "topic_share",
    [BW_FEATURE_EXACT_SCORE] = "exact_score",
    [BW_FEATURE_EXACT_COMPUTED] = "exact_computed",
    [BW_FEATURE_QUERY_SIZE] = "query_size",
    [BW_FEATURE_EXACT_PENALIZED_SCORE] = "exact_penalized_score",
};

uint32_t bw_feature_count(void) { return BW_FEATURE_COUNT; }

const char *bw_feature_name(uint32_t index) {
    return index < BW_FEATURE_COUNT ? feature_names[index] : NULL;
}

int bw_feature_index(const char *name, uint32_t *out_index) {
    if (!name || !out_index) return BW_EINVAL;
    for (uint32_t i = 0; i < BW_FEATURE_COUNT; i++) {
        if (strcmp(feature_names[i], name) == 0) {
            *out_index = i;
            return 0;
        }
    }
    return BW_ENOTFOUND;
}

/* ------------------------------------------------------------------------ */
/* The query                                                                  */

/* An attribute code's share of the query's weight. */
typedef struct code_weight {
    uint32_t code;
    double weight;
} code_weight;

struct bw_feature_query {
    const bw_view *g;
    const bw_delta *delta;
    bw_walk_source *src;
    size_t nsrc;
    double wtotal;             /* W: summed weight of the sources */
    double penalty;            /* the query's popularity penalty */
    uint32_t language, topic;  /* the user's, BW_ATTR_NONE when unknown */
    code_weight *langs, *topics; /* sorted by code */
    size_t nlangs, ntopics;
};

static int cmp_code(const void *a, const void *b) {
    const code_weight *x = a, *y = b;
    return (x->code > y->code) - (x->code < y->code);
}

/* The attrs word of a node: the base's (new nodes of a delta and graphs
 * without attributes have none). */
static uint32_t node_attrs(const bw_view *g, int is_board, bw_node n) {
    const bw_side *s = is_board ? &g->boards : &g->pins;
    if (!g->has_attributes || n >= s->count) return BW_ATTRS_NONE;
    return bw_u32_at(&s->attrs, n);
}

/* Sorts and merges the codes, returning the distinct count; *majority gets
 * the heaviest code (ties: the lower), BW_ATTR_NONE when there is none. */
static size_t merge_codes(code_weight *c, size_t n, uint32_t *majority) {
    qsort(c, n, sizeof *c, cmp_code);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && c[m - 1].code == c[i].code) c[m - 1].weight += c[i].weight;
        else c[m++] = c[i];
    }
    uint32_t best = BW_ATTR_NONE;
    double bw = 0.0;
    for (size_t i = 0; i < m; i++) {
        if (c[i].weight > bw) {
            bw = c[i].weight;
            best = c[i].code;
        }
    }
    *majority = best;
    return m;
}

BW_HIDDEN int bw_features_begin(bw_feature_query **out, const bw_view *g, const bw_delta *d,
                                const bw_walk_config *cfg, const bw_walk_source *sources, size_t nsources) {
    *out = NULL;
    bw_feature_query *fq = calloc(1, sizeof *fq);
    if (!fq) return BW_ENOMEM;
    const size_t n = nsources ? nsources : 1;
    fq->src = malloc(n * sizeof *fq->src);
    fq->langs = malloc(n * sizeof *fq->langs);
    fq->topics = malloc(n * sizeof *fq->topics);
    if (!fq->src || !fq->langs || !fq->topics) {
        bw_features_end(fq);
        return BW_ENOMEM;
    }
    fq->g = g;
    fq->delta = d;
    fq->penalty = cfg->popularity_penalty;
    memcpy(fq->src, sources, nsources * sizeof *sources);
    fq->nsrc = nsources;
    for (size_t i = 0; i < nsources; i++) {
        const double w = usable_weight(sources[i].weight);
        fq->wtotal += w;
        const uint32_t a = node_attrs(g, sources[i].is_board, sources[i].node);
        if ((a >> 16) != BW_ATTR_NONE) fq->langs[fq->nlangs++] = (code_weight){a >> 16, w};
        if ((a & 0xFFFFu) != BW_ATTR_NONE) fq->topics[fq->ntopics++] = (code_weight){a & 0xFFFFu, w};
    }
    uint32_t lang, topic;
    fq->nlangs = merge_codes(fq->langs, fq->nlangs, &lang);
    fq->ntopics = merge_codes(fq->topics, fq->ntopics, &topic);
    /* The query's own preference wins over its nodes' majority. */
    fq->language = cfg->language < BW_ATTR_NONE ? cfg->language : lang;
    fq->topic = cfg->topic < BW_ATTR_NONE ? cfg->topic : topic;
    *out = fq;
    return 0;
}

BW_HIDDEN void bw_features_end(bw_feature_query *fq) {
    if (!fq) return;
    free(fq->src);
    free(fq->langs);
    free(fq->topics);
    free(fq);
}

static double code_share(const code_weight *c, size_t n, uint32_t code, double wtotal) {
    if (code == BW_ATTR_NONE || !(wtotal > 0.0)) return 0.0;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c[mid].code < code) lo = mid + 1;
        else hi = mid;
    }
    return lo < n && c[lo].code == code ? c[lo].weight / wtotal : 0.0;
}

/* ------------------------------------------------------------------------ */
/* The exact 3-step score, from the candidates' side                          */

/* The query's boards with their mass m_b: a pin q of weight w sends
 * w / W / deg(q) to each of its boards, a board source w / W to itself
 * (exact.c's first step with exponent 1). A candidate c then scores
 * sum over its boards b of m_b / deg(b): work deg(c) instead of the sum of
 * the query boards' degrees, which is what makes it cheap for a few hundred
 * candidates. */
typedef struct mass_slot {
    uint32_t key; /* VT_EMPTY: free */
    double mass;
} mass_slot;

/* Dense (indexed by board) when the graph has few boards for the work (no
 * hashing: clearing it costs about what the work does), else hashed. The
 * C tests build with BW_EXACT_DENSE_MAX=0, exact.c's switch, so that the
 * hashed path runs too. */
#ifndef BW_EXACT_DENSE_MAX
#define BW_EXACT_DENSE_MAX (1u << 21)
#endif
typedef struct mass_table {
    mass_slot *slot;
    double *dense;
    uint64_t mask, hshift;
} mass_table;

static int mass_init(mass_table *t, uint64_t entries, uint32_t nboards) {
    t->slot = NULL;
    t->dense = NULL;
    if (nboards <= 2 * entries + 1024 && nboards <= BW_EXACT_DENSE_MAX) {
        t->dense = calloc(nboards ? nboards : 1, sizeof *t->dense);
        return t->dense ? 0 : BW_ENOMEM;
    }
    if (entries > nboards) entries = nboards;
    unsigned bits = 4;
    while ((1ull << bits) < 2 * entries + 2) bits++;
    t->slot = malloc((size_t)(1ull << bits) * sizeof *t->slot);
    if (!t->slot) return BW_ENOMEM;
    for (uint64_t i = 0; i < (1ull << bits); i++) t->slot[i].key = VT_EMPTY;
    t->mask = (1ull << bits) - 1;
    t->hshift = 64 - bits;
    return 0;
}

static void mass_add(mass_table *t, uint32_t key, double m) {
    if (t->dense) {
        t->dense[key] += m;
        return;
    }
    uint64_t h = slot_hash(key, t->hshift);
    while (t->slot[h].key != key && t->slot[h].key != VT_EMPTY) h = (h + 1) & t->mask;
    if (t->slot[h].key == VT_EMPTY) {
        t->slot[h].key = key;
        t->slot[h].mass = 0.0;
    }
    t->slot[h].mass += m;
}

static double mass_get(const mass_table *t, uint32_t key) {
    if (t->dense) return t->dense[key];
    uint64_t h = slot_hash(key, t->hshift);
    for (;;) {
        const mass_slot *s = &t->slot[h];
        if (s->key == key) return s->mass;
        if (s->key == VT_EMPTY) return 0.0;
        h = (h + 1) & t->mask;
    }
}

/* The adjacency list [lo, hi) of node n, checked as the exact method checks
 * it (the file may be unverified). 0 or BW_ECORRUPT. */
static int list_of(const bw_side *s, bw_node n, uint64_t *lo, uint64_t *hi) {
    if (n >= s->count) return BW_ECORRUPT;
    *lo = bw_u64_at(&s->offsets, n);
    *hi = bw_u64_at(&s->offsets, (uint64_t)n + 1);
    return *hi < *lo || *hi > s->adj.count ? BW_ECORRUPT : 0;
}

/* Exact scores of the pins among n nodes into out[i * stride]; 1 when the
 * work rule allows it (computed), 0 when not, or BW_ECORRUPT / BW_ENOMEM.
 * The rule looks at the query alone, so that a candidate's features never
 * depend on which other candidates are scored with it (the walk's top N, or
 * the pins given to bw_score): training rows and served rows agree. */
static int exact_scores(const bw_feature_query *fq, const bw_walk_hit *nodes, const uint8_t *known, size_t n,
                        double *out, size_t stride) {
    const bw_view *g = fq->g;
    if (fq->delta || !(fq->wtotal > 0.0)) return 0;
    uint64_t work = 0, lo, hi;
    for (size_t i = 0; i < fq->nsrc; i++) {
        if (fq->src[i].is_board) {
            work++;
            continue;
        }
        if (list_of(&g->pins, fq->src[i].node, &lo, &hi)) return BW_ECORRUPT;
        work += hi - lo;
    }
    if (work > BW_FEATURE_EXACT_MAX_WORK) return 0;
    mass_table t;
    if (mass_init(&t, work, g->boards.count) != 0) return BW_ENOMEM;
    int rc = 1;
    for (size_t i = 0; i < fq->nsrc && rc == 1; i++) {
        const double w = usable_weight(fq->src[i].weight) / fq->wtotal;
        if (fq->src[i].is_board) {
            if (fq->src[i].node >= g->boards.count) rc = BW_ECORRUPT;
            else mass_add(&t, fq->src[i].node, w);
            continue;
        }
        list_of(&g->pins, fq->src[i].node, &lo, &hi);
        const double f = w / (double)(hi - lo);
        for (uint64_t e = lo; e < hi; e++) {
            const uint32_t b = bw_u32_at(&g->pins.adj, e);
            if (b >= g->boards.count) {
                rc = BW_ECORRUPT;
                break;
            }
            mass_add(&t, b, f);
        }
    }
    /* Each query board's mass over its degree, once: a candidate's lookup
     * is then one probe. */
    for (uint64_t k = 0; rc == 1 && k <= (t.dense ? (uint64_t)g->boards.count - 1 : t.mask) && g->boards.count; k++) {
        double *m = t.dense ? &t.dense[k] : &t.slot[k].mass;
        const uint32_t b = t.dense ? (uint32_t)k : t.slot[k].key;
        if ((!t.dense && b == VT_EMPTY) || *m == 0.0) continue;
        uint64_t blo, bhi;
        if (list_of(&g->boards, b, &blo, &bhi) || bhi == blo) rc = BW_ECORRUPT;
        else *m = *m / (double)(bhi - blo);
    }
    for (size_t i = 0; i < n && rc == 1; i++) {
        if ((known && !known[i]) || nodes[i].is_board) continue;
        if (list_of(&g->pins, nodes[i].node, &lo, &hi)) {
            rc = BW_ECORRUPT;
            break;
        }
        double s = 0.0;
        for (uint64_t e = lo; e < hi; e++) {
            const uint32_t b = bw_u32_at(&g->pins.adj, e);
            if (b >= g->boards.count) {
                rc = BW_ECORRUPT;
                break;
            }
            s += mass_get(&t, b);
        }
        out[i * stride] = s;
    }
    free(t.slot);
    free(t.dense);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Features                                                                   */

static double node_degree(const bw_feature_query *fq, int is_board, bw_node n) {
    if (fq->delta) return (double)bw_delta_degree(fq->delta, is_board, n);
    const bw_side *s = is_board ? &fq->g->boards : &fq->g->pins;
    return n < s->count ? (double)bw_degree(s, n) : 0.0;
}

BW_HIDDEN int bw_features_compute(const bw_feature_query *fq, const bw_walk_ctx *ctx, const bw_walk_hit *nodes,
                                  const uint8_t *known, size_t n, double *out) {
    const double steps = (double)bw_walk_steps_taken(ctx);
    const int exact = ctx->mode == MODE_EXACT;
    memset(out, 0, n * BW_FEATURE_COUNT * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        if (known && !known[i]) continue;
        double *f = out + i * BW_FEATURE_COUNT;
        const bw_node x = nodes[i].node;
        const int is_board = nodes[i].is_board != 0;
        bw_walk_stats st;
        bw_walk_lookup_stats(ctx, x, is_board, &st);
        f[BW_FEATURE_SCORE] = st.score;
        f[BW_FEATURE_BOOSTED_SCORE] = st.raw;
        f[BW_FEATURE_VISITS] = (double)st.visits;
        f[BW_FEATURE_VISIT_SHARE] = exact ? st.raw : steps > 0.0 ? (double)st.visits / steps : 0.0;
        f[BW_FEATURE_SOURCES] = (double)st.nsrc;
        f[BW_FEATURE_SOURCE_WEIGHT] = fq->wtotal > 0.0 ? st.wsum / fq->wtotal : 0.0;
        f[BW_FEATURE_DEGREE] = node_degree(fq, is_board, x);
        const uint32_t a = node_attrs(fq->g, is_board, x);
        const uint32_t lang = a >> 16, topic = a & 0xFFFFu;
        f[BW_FEATURE_LANGUAGE_MATCH] = lang != BW_ATTR_NONE && lang == fq->language;
        f[BW_FEATURE_TOPIC_MATCH] = topic != BW_ATTR_NONE && topic == fq->topic;
        f[BW_FEATURE_LANGUAGE_SHARE] = code_share(fq->langs, fq->nlangs, lang, fq->wtotal);
        f[BW_FEATURE_TOPIC_SHARE] = code_share(fq->topics, fq->ntopics, topic, fq->wtotal);
        f[BW_FEATURE_QUERY_SIZE] = (double)fq->nsrc;
    }
    const int rc = exact_scores(fq, nodes, known, n, out + BW_FEATURE_EXACT_SCORE, BW_FEATURE_COUNT);
    if (rc < 0) return rc;
    for (size_t i = 0; i < n; i++) {
        if (known && !known[i]) continue;
        double *f = out + i * BW_FEATURE_COUNT;
        if (!rc) f[BW_FEATURE_EXACT_SCORE] = 0.0;
        f[BW_FEATURE_EXACT_COMPUTED] = rc == 1;
        const double deg = f[BW_FEATURE_DEGREE] > 1.0 ? f[BW_FEATURE_DEGREE] : 1.0;
        f[BW_FEATURE_EXACT_PENALIZED_SCORE] =
            fq->penalty > 0.0 ? f[BW_FEATURE_EXACT_SCORE] * pow(deg, -fq->penalty) : f[BW_FEATURE_EXACT_SCORE];
    }
    return 0;
}
