/* verify.c - full verification of a graph file (bw_graph_verify): every
 * array's checksum, ids strictly ascending, offsets and neighbour ranges in
 * bounds, lists sorted, the two directions holding the same edges, titles
 * and attributes in bounds. O(size of the graph); opening (graph.c) checks
 * only what every later read relies on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boardwalk.h"
#include "bw_graph.h"
/* ------------------------------------------------------------------------ */
/* Verification                                                               */

uint64_t bw_graph_array_checksum(const bw_graph *g, int a) {
    const struct bw_format_array *d = &g->meta.arrays[a];
    bw_checksum_state s;
    bw_checksum_init(&s);
    uint64_t remaining = d->count * d->elem_size;
    for (uint32_t c = 0; c < d->chunks; c++) {
        uint64_t n = remaining < g->meta.chunk_bytes ? remaining : g->meta.chunk_bytes;
        bw_checksum_update(&s, g->arrays[a].chunks[c], (size_t)n);
        remaining -= n;
    }
    return bw_checksum_final(&s);
}

static int verify_checksums(const bw_graph *g, char *msg, size_t cap) {
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        if (bw_graph_array_checksum(g, a) != g->meta.arrays[a].checksum) {
            bw_set_message(msg, cap, "array %s: checksum mismatch", bw_array_name(a));
            return BW_ECORRUPT;
        }
    }
    return 0;
}

static int verify_ids(const bw_chunked *ids, const char *what, char *msg, size_t cap) {
    for (uint64_t i = 1; i < ids->count; i++) {
        if (bw_u64_at(ids, i - 1) >= bw_u64_at(ids, i)) {
            bw_set_message(msg, cap, "%s ids not strictly ascending at index %llu", what,
                           (unsigned long long)i);
            return BW_ECORRUPT;
        }
    }
    return 0;
}

/* Offsets, neighbour ranges, order within lists; accumulates the edge
 * fingerprint so that both directions can be compared with the meta record. */
static int verify_side(const bw_graph *g, const bw_side *s, const bw_side *other, int is_pins,
                       uint64_t *out_fingerprint, char *msg, size_t cap) {
    const char *what = is_pins ? "pin" : "board";
    uint64_t fp = 0, prev = bw_u64_at(&s->offsets, 0);
    uint32_t max_deg = 0;
    if (prev != 0) {
        bw_set_message(msg, cap, "%s_offsets[0] is %llu, expected 0", what, (unsigned long long)prev);
        return BW_ECORRUPT;
    }
    for (uint64_t n = 0; n < s->count; n++) {
        uint64_t end = bw_u64_at(&s->offsets, n + 1);
        if (end < prev || end > g->meta.edges) {
            bw_set_message(msg, cap, "%s_offsets not monotone or out of range at %s %llu", what, what,
                           (unsigned long long)n);
            return BW_ECORRUPT;
        }
        /* Builders keep no node without an edge, and the walk relies on it:
         * it draws a hop from a node's list without checking the list is
         * empty, so a node reached through the other side's lists (the
         * edge fingerprint does not rule that out for a crafted file) must
         * have one. */
        if (end == prev) {
            bw_set_message(msg, cap, "%s %llu has no neighbours", what,
                           (unsigned long long)bw_u64_at(&s->ids, n));
            return BW_ECORRUPT;
        }
        if (end - prev > max_deg) max_deg = (uint32_t)(end - prev);
        uint64_t id = bw_u64_at(&s->ids, n);
        uint64_t prev_key = 0;
        for (uint64_t e = prev; e < end; e++) {
            uint32_t nb = bw_u32_at(&s->adj, e);
            if (nb >= other->count) {
                bw_set_message(msg, cap, "%s %llu: neighbour index %u out of range", what,
                               (unsigned long long)id, nb);
                return BW_ECORRUPT;
            }
            uint64_t key = ((uint64_t)bw_u32_at(&other->attrs, nb) << 32) | nb;
            if (e > prev && key <= prev_key) {
                bw_set_message(msg, cap, "%s %llu: adjacency list not sorted or has a duplicate",
                               what, (unsigned long long)id);
                return BW_ECORRUPT;
            }
            prev_key = key;
            uint64_t nid = bw_u64_at(&other->ids, nb);
            fp += is_pins ? bw_edge_fingerprint(id, nid) : bw_edge_fingerprint(nid, id);
        }
        prev = end;
    }
    if (prev != g->meta.edges) {
        bw_set_message(msg, cap, "%s_offsets end at %llu, expected %llu edges", what,
                       (unsigned long long)prev, (unsigned long long)g->meta.edges);
        return BW_ECORRUPT;
    }
    if (max_deg != s->max_degree) {
        bw_set_message(msg, cap, "max %s degree is %u, meta record says %u", what, max_deg,
                       s->max_degree);
        return BW_ECORRUPT;
    }
    *out_fingerprint = fp;
    return 0;
}

static int verify_attrs(const bw_graph *g, const bw_chunked *attrs, const char *what, char *msg,
                        size_t cap) {
    uint32_t nlang = g->attr_names[BW_ATTR_LANGUAGE].count;
    uint32_t ntopic = g->attr_names[BW_ATTR_TOPIC].count;
    for (uint64_t i = 0; i < attrs->count; i++) {
        uint32_t v = bw_u32_at(attrs, i);
        uint32_t lang = v >> 16, topic = v & 0xFFFF;
        if ((lang != BW_ATTR_NONE && lang >= nlang) || (topic != BW_ATTR_NONE && topic >= ntopic)) {
            bw_set_message(msg, cap, "%s attributes: unknown code at index %llu", what,
                           (unsigned long long)i);
            return BW_ECORRUPT;
        }
    }
    return 0;
}

static int verify_titles(const bw_graph *g, int offsets, int bytes, const char *what, char *msg,
                         size_t cap) {
    const bw_chunked *o = &g->arrays[offsets];
    if (o->count == 0) return 0;
    uint64_t prev = bw_u64_at(o, 0);
    if (prev != 0) goto bad;
    for (uint64_t i = 1; i < o->count; i++) {
        uint64_t x = bw_u64_at(o, i);
        if (x < prev) goto bad;
        prev = x;
    }
    if (prev != g->arrays[bytes].count) goto bad;
    return 0;
bad:
    bw_set_message(msg, cap, "%s title offsets are inconsistent", what);
    return BW_ECORRUPT;
}

int bw_graph_verify(const bw_graph *g, char *msg, size_t cap) {
    if (msg && cap) msg[0] = '\0';
    if (!g) return BW_EINVAL;
    int rc;
    uint64_t fp_pins = 0, fp_boards = 0;
    if ((rc = verify_checksums(g, msg, cap))) return rc;
    if ((rc = verify_ids(&g->view.pins.ids, "pin", msg, cap))) return rc;
    if ((rc = verify_ids(&g->view.boards.ids, "board", msg, cap))) return rc;
    if (g->meta.edges) {
        if ((rc = verify_side(g, &g->view.pins, &g->view.boards, 1, &fp_pins, msg, cap))) return rc;
        if ((rc = verify_side(g, &g->view.boards, &g->view.pins, 0, &fp_boards, msg, cap))) return rc;
    }
    if (fp_pins != fp_boards) {
        bw_set_message(msg, cap, "pin and board adjacency hold different edges");
        return BW_ECORRUPT;
    }
    if (fp_pins != g->meta.input_fingerprint) {
        bw_set_message(msg, cap, "edge fingerprint does not match the meta record");
        return BW_ECORRUPT;
    }
    double lp = g->meta.max_pin_degree ? log((double)g->meta.max_pin_degree) : 0.0;
    double lb = g->meta.max_board_degree ? log((double)g->meta.max_board_degree) : 0.0;
    if (fabs(lp - g->meta.max_log_pin_degree) > 1e-9 || fabs(lb - g->meta.max_log_board_degree) > 1e-9) {
        bw_set_message(msg, cap, "max log-degree in the meta record is wrong");
        return BW_ECORRUPT;
    }
    if ((rc = verify_attrs(g, &g->view.pins.attrs, "pin", msg, cap))) return rc;
    if ((rc = verify_attrs(g, &g->view.boards.attrs, "board", msg, cap))) return rc;
    if ((rc = verify_titles(g, BW_ARRAY_PIN_TITLE_OFFSETS, BW_ARRAY_PIN_TITLE_BYTES, "pin", msg, cap)))
        return rc;
    if ((rc = verify_titles(g, BW_ARRAY_BOARD_TITLE_OFFSETS, BW_ARRAY_BOARD_TITLE_BYTES, "board", msg,
                            cap)))
        return rc;
    return 0;
}

