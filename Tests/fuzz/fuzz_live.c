/* fuzz_live.c - libFuzzer target for live edges: each input is a sequence
 * of operations on a bw_live over a small base graph (the fuzz corpus's
 * sample-plain-c256): adds (base and new ids, 0 and 2^64-1, any times),
 * removals, hides, cap changes, swaps to the same base, walks and exact
 * queries. Checks, besides memory safety (ASan, UBSan): every call answers
 * a defined code; every result id is a base id or one the input added; an
 * exact query's scores without a penalty sum to at most 1.
 *
 *   Tests/fuzz/run_live.sh [SECONDS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boardwalk.h"

#ifndef FUZZ_LIVE_GRAPH
#error "define FUZZ_LIVE_GRAPH, the base graph's path"
#endif

static bw_graph *base;
static uint64_t pin_ids[64], board_ids[64];
static uint64_t npins, nboards;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    if (bw_graph_open(FUZZ_LIVE_GRAPH, 0, &base) != 0) {
        fprintf(stderr, "fuzz_live: cannot open %s\n", FUZZ_LIVE_GRAPH);
        abort();
    }
    bw_graph_stat(base, BW_STAT_PINS, &npins);
    bw_graph_stat(base, BW_STAT_BOARDS, &nboards);
    for (uint32_t i = 0; i < 64; i++) {
        bw_graph_node_id(base, BW_PIN, (uint32_t)(i % npins), &pin_ids[i]);
        bw_graph_node_id(base, BW_BOARD, (uint32_t)(i % nboards), &board_ids[i]);
    }
    return 0;
}

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static uint8_t byte(reader *r) {
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}

/* An id: a base one, a new small one, or an extreme. */
static uint64_t id_of(reader *r, const uint64_t *pool) {
    const uint8_t b = byte(r);
    if (b < 128) return pool[b & 63];
    if (b < 250) return 1000000u + b;
    return b & 1 ? UINT64_MAX : 0;
}

static int known(uint64_t id, int kind) {
    uint32_t idx;
    if (bw_graph_node_index(base, kind, id, &idx) == 0) return 1;
    return (id >= 1000000u + 128 && id < 1000000u + 250) || id == 0 || id == UINT64_MAX;
}

static void check_results(bw_results *r, int exact_no_penalty) {
    double sum = 0;
    for (size_t i = 0; i < bw_results_count(r); i++) {
        uint64_t id;
        double s;
        int kind;
        if (bw_results_get(r, i, &id, &s, NULL) != 0 || bw_results_kind(r, i, &kind) != 0) __builtin_trap();
        if (!known(id, kind)) __builtin_trap();
        if (kind == BW_PIN) sum += s;
    }
    if (exact_no_penalty && sum > 1.0 + 1e-9) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, size};
    bw_live *live = NULL;
    if (bw_live_new(base, &live) != 0) return 0;
    bw_query *q = NULL;
    if (bw_query_new(&q) != 0) {
        bw_live_close(live);
        return 0;
    }
    for (int ops = 0; r.n && ops < 64; ops++) {
        const uint8_t op = byte(&r) % 8;
        uint64_t ps[16], bs[16], ts[16];
        const size_t n = byte(&r) % 16;
        for (size_t i = 0; i < n; i++) {
            ps[i] = id_of(&r, pin_ids);
            bs[i] = id_of(&r, board_ids);
            ts[i] = byte(&r) == 255 ? UINT64_MAX : byte(&r);
        }
        int rc = 0;
        switch (op) {
        case 0:
        case 1: rc = bw_live_add_edges(live, ps, bs, op ? ts : NULL, n, NULL, NULL, NULL); break;
        case 2: rc = bw_live_remove_edges(live, ps, bs, n, NULL, NULL); break;
        case 3: rc = n ? bw_live_hide(live, byte(&r) & 1, byte(&r) & 1 ? ps[0] : bs[0]) : 0; break;
        case 4: rc = bw_live_set_max_edges(live, byte(&r)); break;
        case 5: rc = bw_live_replace(live, base); break;
        default: {
            bw_query_clear(q);
            for (size_t i = 0; i < n && i < 3; i++) bw_query_add_pin(q, ps[i], 1.0);
            if (n > 3) bw_query_add_board(q, bs[3], 1.0);
            bw_query_set_lenient(q, 1);
            bw_query_set_steps(q, 1 + byte(&r) * 8u);
            bw_query_set_include_boards(q, byte(&r) & 1);
            const int exact = op == 7;
            bw_query_set_method(q, exact ? BW_METHOD_EXACT : BW_METHOD_WALK);
            bw_query_set_popularity_penalty(q, exact ? 0.0 : 0.7);
            bw_results *res = NULL;
            rc = bw_live_recommend(live, q, &res);
            if (rc == 0) check_results(res, exact);
            bw_results_free(res);
            if (rc == BW_EEMPTY || rc == BW_ENOTFOUND) rc = 0;
        }
        }
        if (rc != 0 && rc != BW_EINVAL && rc != BW_ELIMIT) __builtin_trap();
    }
    uint64_t v;
    for (int w = 1; w <= 9; w++)
        if (bw_live_stat(live, w, &v) != 0) __builtin_trap();
    bw_query_free(q);
    bw_live_close(live);
    return 0;
}
