/* testgraph.h - builds an in-memory bw_view from an edge list, for the walk
 * tests and benchmark, plus a power-law bipartite graph generator. */
#ifndef BW_TESTGRAPH_H
#define BW_TESTGRAPH_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boardwalk_format.h"
#include "bw_internal.h"

/* A graph built from heap arrays. The flat CSR arrays stay available for
 * tests that compute expectations; the view reads chunked copies of them.
 * With chunks under 64Ki elements every chunk is its own allocation, so a
 * read past a chunk's end is caught by AddressSanitizer; larger chunks point
 * into the flat arrays (no second copy of a 100M-edge graph). */
typedef struct tg_graph {
    bw_view v;
    uint32_t npins, nboards;
    uint64_t nedges;
    uint64_t *pin_off, *board_off; /* [n + 1] */
    uint32_t *pin_adj, *board_adj; /* [nedges] */
    uint32_t *pin_attrs, *board_attrs;
    uint64_t *pin_ids, *board_ids;
    /* chunk storage of the 8 arrays in the view */
    const uint8_t **chunk_tab[8];
    int chunk_owned[8]; /* chunks are separate copies to free */
} tg_graph;

/* splitmix64: the format header's mixer over a Weyl sequence. */
static inline uint64_t tg_rand(uint64_t *s) {
    *s += BW_MIX_GAMMA;
    return bw_mix64(*s);
}
/* Uniform double in [0, 1). */
static inline double tg_unif(uint64_t *s) {
    return (double)(tg_rand(s) >> 11) * (1.0 / 9007199254740992.0);
}

static inline void *tg_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "testgraph: out of memory (%zu bytes)\n", n);
        exit(2);
    }
    return p;
}

/* Sorts small lists by insertion, larger ones by qsort. */
static inline int tg_cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
static inline void tg_sort_u64(uint64_t *a, size_t n) {
    if (n > 32) {
        qsort(a, n, sizeof *a, tg_cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* Makes a chunked view of `data` (count elements of elem bytes). */
static inline void tg_chunk(tg_graph *g, int slot, bw_chunked *c, const void *data, uint64_t count,
                            uint32_t elem, uint64_t chunk_elems) {
    uint32_t shift = 0;
    while ((1ull << shift) < chunk_elems) shift++;
    uint64_t per = 1ull << shift;
    uint64_t nchunks = count ? (count + per - 1) / per : 1;
    const uint8_t **tab = tg_xmalloc((size_t)nchunks * sizeof *tab);
    if (per < 65536) {
        /* One allocation per chunk, so ASan sees a read past its end. */
        for (uint64_t i = 0; i < nchunks; i++) {
            uint64_t n = count - i * per < per ? count - i * per : per;
            uint8_t *m = tg_xmalloc((size_t)(n * elem));
            if (n) memcpy(m, (const uint8_t *)data + i * per * elem, (size_t)(n * elem));
            tab[i] = m;
        }
        g->chunk_owned[slot] = 1;
    } else {
        g->chunk_owned[slot] = 0;
        for (uint64_t i = 0; i < nchunks; i++) tab[i] = (const uint8_t *)data + i * per * elem;
    }
    g->chunk_tab[slot] = tab;
    c->chunks = tab;
    c->count = count;
    c->mask = per - 1;
    c->shift = shift;
    c->elem_size = elem;
}

/* Majority code of one 16-bit half among a board's pins; ties to the smaller. */
static inline uint32_t tg_majority(const uint32_t *codes, size_t n, uint32_t *scratch) {
    if (n == 0) return BW_ATTR_NONE;
    memcpy(scratch, codes, n * sizeof *codes);
    for (size_t i = 1; i < n; i++) { /* lists in tests are short */
        uint32_t x = scratch[i];
        size_t j = i;
        while (j > 0 && scratch[j - 1] > x) {
            scratch[j] = scratch[j - 1];
            j--;
        }
        scratch[j] = x;
    }
    uint32_t best = scratch[0];
    size_t bestn = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && scratch[j] == scratch[i]) j++;
        if (j - i > bestn) {
            bestn = j - i;
            best = scratch[i];
        }
        i = j;
    }
    return best;
}

/* Builds the graph. edges holds nedges (pin, board) pairs; out-of-range
 * pairs are skipped, duplicates collapse. pin_attrs (npins values) may be
 * NULL: no attributes. board_attrs may be NULL: majority of the pins'
 * halves (when pin_attrs is given). chunk_elems is a power of two. */
static inline void tg_build(tg_graph *g, uint32_t npins, uint32_t nboards, const uint32_t *edges,
                            uint64_t nedges, const uint32_t *pin_attrs, const uint32_t *board_attrs,
                            uint64_t chunk_elems) {
    memset(g, 0, sizeof *g);
    g->npins = npins;
    g->nboards = nboards;
    g->pin_attrs = tg_xmalloc((size_t)npins * 4);
    g->board_attrs = tg_xmalloc((size_t)nboards * 4);
    int has_attrs = pin_attrs != NULL;
    for (uint32_t i = 0; i < npins; i++) g->pin_attrs[i] = has_attrs ? pin_attrs[i] : BW_ATTRS_NONE;

    /* Pin side: counting sort by pin. */
    uint64_t *poff = calloc((size_t)npins + 1, sizeof *poff);
    if (!poff) exit(2);
    for (uint64_t e = 0; e < nedges; e++) {
        uint32_t p = edges[2 * e], b = edges[2 * e + 1];
        if (p < npins && b < nboards) poff[p + 1]++;
    }
    for (uint32_t i = 0; i < npins; i++) poff[i + 1] += poff[i];
    uint64_t raw = poff[npins];
    uint32_t *padj = tg_xmalloc((size_t)raw * 4);
    uint64_t *fill = tg_xmalloc(((size_t)npins + 1) * sizeof *fill);
    memcpy(fill, poff, ((size_t)npins + 1) * sizeof *fill);
    for (uint64_t e = 0; e < nedges; e++) {
        uint32_t p = edges[2 * e], b = edges[2 * e + 1];
        if (p < npins && b < nboards) padj[fill[p]++] = b;
    }
    free(fill);

    /* Board attrs are needed to sort pin lists; compute majorities from the
     * raw lists (duplicates would skew them, so dedupe per board below). */
    if (board_attrs) {
        for (uint32_t i = 0; i < nboards; i++) g->board_attrs[i] = board_attrs[i];
    } else {
        for (uint32_t i = 0; i < nboards; i++) g->board_attrs[i] = BW_ATTRS_NONE;
    }

    /* Sort each pin list by board index first and dedupe. */
    uint64_t maxlen = 0;
    for (uint32_t i = 0; i < npins; i++)
        if (poff[i + 1] - poff[i] > maxlen) maxlen = poff[i + 1] - poff[i];
    uint64_t *tmp = tg_xmalloc((size_t)(maxlen + 1) * sizeof *tmp);
    uint64_t w = 0;
    for (uint32_t i = 0; i < npins; i++) {
        uint64_t lo = poff[i], hi = poff[i + 1], n = hi - lo;
        for (uint64_t k = 0; k < n; k++) tmp[k] = padj[lo + k];
        tg_sort_u64(tmp, (size_t)n);
        poff[i] = w;
        for (uint64_t k = 0; k < n; k++)
            if (k == 0 || tmp[k] != tmp[k - 1]) padj[w++] = (uint32_t)tmp[k];
    }
    poff[npins] = w;
    g->nedges = w;

    /* Board side from the deduped pin lists: ascending pin order. */
    uint64_t *boff = calloc((size_t)nboards + 1, sizeof *boff);
    if (!boff) exit(2);
    for (uint64_t e = 0; e < w; e++) boff[padj[e] + 1]++;
    for (uint32_t i = 0; i < nboards; i++) boff[i + 1] += boff[i];
    uint32_t *badj = tg_xmalloc((size_t)w * 4 + 4);
    fill = tg_xmalloc(((size_t)nboards + 1) * sizeof *fill);
    memcpy(fill, boff, ((size_t)nboards + 1) * sizeof *fill);
    for (uint32_t p = 0; p < npins; p++)
        for (uint64_t e = poff[p]; e < poff[p + 1]; e++) badj[fill[padj[e]]++] = p;
    free(fill);

    if (has_attrs && !board_attrs) {
        uint64_t bmax = 0;
        for (uint32_t b = 0; b < nboards; b++)
            if (boff[b + 1] - boff[b] > bmax) bmax = boff[b + 1] - boff[b];
        uint32_t *codes = tg_xmalloc((size_t)(bmax + 1) * 4);
        uint32_t *scr = tg_xmalloc((size_t)(bmax + 1) * 4);
        for (uint32_t b = 0; b < nboards; b++) {
            uint64_t lo = boff[b], n = boff[b + 1] - boff[b];
            for (uint64_t k = 0; k < n; k++) codes[k] = g->pin_attrs[badj[lo + k]] >> 16;
            uint32_t lang = tg_majority(codes, (size_t)n, scr);
            for (uint64_t k = 0; k < n; k++) codes[k] = g->pin_attrs[badj[lo + k]] & 0xFFFFu;
            uint32_t topic = tg_majority(codes, (size_t)n, scr);
            g->board_attrs[b] = (lang << 16) | topic;
        }
        free(codes);
        free(scr);
    }

    /* The format's order: (attrs of neighbour, neighbour index). */
    if (has_attrs || board_attrs) {
        for (uint32_t i = 0; i < npins; i++) {
            uint64_t lo = poff[i], n = poff[i + 1] - lo;
            for (uint64_t k = 0; k < n; k++)
                tmp[k] = ((uint64_t)g->board_attrs[padj[lo + k]] << 32) | padj[lo + k];
            tg_sort_u64(tmp, (size_t)n);
            for (uint64_t k = 0; k < n; k++) padj[lo + k] = (uint32_t)tmp[k];
        }
        uint64_t bmax = 0;
        for (uint32_t b = 0; b < nboards; b++)
            if (boff[b + 1] - boff[b] > bmax) bmax = boff[b + 1] - boff[b];
        uint64_t *t2 = tg_xmalloc((size_t)(bmax + 1) * sizeof *t2);
        for (uint32_t b = 0; b < nboards; b++) {
            uint64_t lo = boff[b], n = boff[b + 1] - lo;
            for (uint64_t k = 0; k < n; k++)
                t2[k] = ((uint64_t)g->pin_attrs[badj[lo + k]] << 32) | badj[lo + k];
            tg_sort_u64(t2, (size_t)n);
            for (uint64_t k = 0; k < n; k++) badj[lo + k] = (uint32_t)t2[k];
        }
        free(t2);
    }
    free(tmp);

    g->pin_off = poff;
    g->pin_adj = padj;
    g->board_off = boff;
    g->board_adj = badj;
    g->pin_ids = tg_xmalloc((size_t)npins * 8);
    g->board_ids = tg_xmalloc((size_t)nboards * 8);
    for (uint32_t i = 0; i < npins; i++) g->pin_ids[i] = 1000 + (uint64_t)i;
    for (uint32_t i = 0; i < nboards; i++) g->board_ids[i] = 1000 + (uint64_t)i;

    bw_view *v = &g->v;
    tg_chunk(g, 0, &v->pins.ids, g->pin_ids, npins, 8, chunk_elems);
    tg_chunk(g, 1, &v->pins.offsets, poff, (uint64_t)npins + 1, 8, chunk_elems);
    tg_chunk(g, 2, &v->pins.adj, padj, w, 4, chunk_elems);
    tg_chunk(g, 3, &v->pins.attrs, g->pin_attrs, npins, 4, chunk_elems);
    tg_chunk(g, 4, &v->boards.ids, g->board_ids, nboards, 8, chunk_elems);
    tg_chunk(g, 5, &v->boards.offsets, boff, (uint64_t)nboards + 1, 8, chunk_elems);
    tg_chunk(g, 6, &v->boards.adj, badj, w, 4, chunk_elems);
    tg_chunk(g, 7, &v->boards.attrs, g->board_attrs, nboards, 4, chunk_elems);
    v->pins.count = npins;
    v->boards.count = nboards;
    uint64_t m = 0;
    for (uint32_t i = 0; i < npins; i++)
        if (poff[i + 1] - poff[i] > m) m = poff[i + 1] - poff[i];
    v->pins.max_degree = (uint32_t)m;
    v->pins.max_log_degree = m ? log((double)m) : 0.0;
    m = 0;
    for (uint32_t i = 0; i < nboards; i++)
        if (boff[i + 1] - boff[i] > m) m = boff[i + 1] - boff[i];
    v->boards.max_degree = (uint32_t)m;
    v->boards.max_log_degree = m ? log((double)m) : 0.0;
    v->edges = w;
    v->has_attributes = has_attrs || board_attrs;
}

static inline void tg_free(tg_graph *g) {
    const bw_chunked *arrs[8] = {&g->v.pins.ids,   &g->v.pins.offsets,   &g->v.pins.adj,
                                 &g->v.pins.attrs, &g->v.boards.ids,     &g->v.boards.offsets,
                                 &g->v.boards.adj, &g->v.boards.attrs};
    for (int i = 0; i < 8; i++) {
        if (!g->chunk_tab[i]) continue;
        if (g->chunk_owned[i]) {
            uint64_t per = arrs[i]->mask + 1;
            uint64_t n = arrs[i]->count ? (arrs[i]->count + per - 1) / per : 1;
            for (uint64_t k = 0; k < n; k++) free((void *)g->chunk_tab[i][k]);
        }
        free((void *)g->chunk_tab[i]);
    }
    free(g->pin_off);
    free(g->pin_adj);
    free(g->board_off);
    free(g->board_adj);
    free(g->pin_attrs);
    free(g->board_attrs);
    free(g->pin_ids);
    free(g->board_ids);
    memset(g, 0, sizeof *g);
}

/* Degree of a pin / board from the flat arrays. */
static inline uint64_t tg_pdeg(const tg_graph *g, uint32_t p) { return g->pin_off[p + 1] - g->pin_off[p]; }
static inline uint64_t tg_bdeg(const tg_graph *g, uint32_t b) { return g->board_off[b + 1] - g->board_off[b]; }

/* Power-law bipartite edges: each node gets a Pareto(shape 1.2) weight capped
 * at 1000x the minimum (a heavy tail like social graphs: degree exponent
 * ~2.2). Pin degrees are their weight scaled to the edge target (at least 1,
 * at most nboards / 2); each pin's boards are drawn in proportion to board
 * weights through an alias table. Returns malloc'd (pin, board) pairs. */
static inline uint32_t *tg_powerlaw_edges(uint32_t npins, uint32_t nboards, uint64_t nedges,
                                          uint64_t seed, uint64_t *out_n) {
    uint64_t rs = bw_mix64(seed ^ 0x5851F42D4C957F2Dull);
    const double shape = 1.2, cap = 1000.0;
    double *pw = tg_xmalloc((size_t)npins * sizeof *pw);
    double psum = 0.0;
    for (uint32_t i = 0; i < npins; i++) {
        double x = pow(1.0 - tg_unif(&rs), -1.0 / shape);
        pw[i] = x > cap ? cap : x;
        psum += pw[i];
    }
    double pscale = (double)nedges / psum;
    uint64_t total = 0;
    uint32_t pmaxdeg = nboards / 2 ? nboards / 2 : 1;
    uint32_t *pdeg = tg_xmalloc((size_t)npins * 4);
    for (uint32_t i = 0; i < npins; i++) {
        double d = pw[i] * pscale + tg_unif(&rs);
        uint64_t di = (uint64_t)d;
        if (di < 1) di = 1;
        if (di > pmaxdeg) di = pmaxdeg;
        pdeg[i] = (uint32_t)di;
        total += di;
    }
    free(pw);

    /* Alias table over boards (Vose). */
    double *prob = tg_xmalloc((size_t)nboards * sizeof *prob);
    uint32_t *alias = tg_xmalloc((size_t)nboards * 4);
    uint32_t *small = tg_xmalloc((size_t)nboards * 4), *large = tg_xmalloc((size_t)nboards * 4);
    double bsum = 0.0;
    for (uint32_t j = 0; j < nboards; j++) {
        double x = pow(1.0 - tg_unif(&rs), -1.0 / shape);
        prob[j] = x > cap ? cap : x;
        bsum += prob[j];
    }
    size_t ns = 0, nl = 0;
    for (uint32_t j = 0; j < nboards; j++) {
        prob[j] = prob[j] * nboards / bsum;
        alias[j] = j;
        if (prob[j] < 1.0) small[ns++] = j;
        else large[nl++] = j;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        alias[s] = l;
        prob[l] -= 1.0 - prob[s];
        if (prob[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl) prob[large[--nl]] = 1.0;
    while (ns) prob[small[--ns]] = 1.0;
    free(small);
    free(large);

    uint32_t *edges = tg_xmalloc((size_t)total * 8);
    uint64_t e = 0;
    for (uint32_t i = 0; i < npins; i++) {
        for (uint32_t k = 0; k < pdeg[i]; k++) {
            uint64_t r = tg_rand(&rs);
            uint32_t j = (uint32_t)(((r >> 32) * nboards) >> 32);
            double u = (double)(r & 0xFFFFFFFFu) * (1.0 / 4294967296.0);
            edges[2 * e] = i;
            edges[2 * e + 1] = u < prob[j] ? j : alias[j];
            e++;
        }
    }
    free(pdeg);
    free(prob);
    free(alias);
    *out_n = e;
    return edges;
}

#endif /* BW_TESTGRAPH_H */
