/* checksum.c - the streaming 64-bit checksum stored with every array of a
 * graph file. Four independent multiply-rotate lanes over 32-byte blocks keep
 * it near memory speed, so full verification of a large graph is cheap. */
#include <string.h>

#include "bw_internal.h"

#define BW_P1 0x9e3779b185ebca87ull
#define BW_P2 0xc2b2ae3d27d4eb4full
#define BW_P3 0x165667b19e3779f9ull

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t load64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8); /* little-endian hosts only (checked in graph.c) */
    return v;
}

static inline uint64_t lane_step(uint64_t acc, uint64_t word) {
    return rotl64(acc + word * BW_P2, 31) * BW_P1;
}

void bw_checksum_init(bw_checksum_state *s) {
    s->lane[0] = BW_P1 + BW_P2;
    s->lane[1] = BW_P2;
    s->lane[2] = 0;
    s->lane[3] = 0 - BW_P1;
    s->total = 0;
    s->buffered = 0;
}

static void consume_blocks(bw_checksum_state *s, const uint8_t *p, size_t nblocks) {
    uint64_t a = s->lane[0], b = s->lane[1], c = s->lane[2], d = s->lane[3];
    for (size_t i = 0; i < nblocks; i++, p += 32) {
        a = lane_step(a, load64(p));
        b = lane_step(b, load64(p + 8));
        c = lane_step(c, load64(p + 16));
        d = lane_step(d, load64(p + 24));
    }
    s->lane[0] = a; s->lane[1] = b; s->lane[2] = c; s->lane[3] = d;
}

void bw_checksum_update(bw_checksum_state *s, const void *data, size_t len) {
    const uint8_t *p = data;
    s->total += len;
    if (s->buffered) {
        size_t take = 32 - s->buffered;
        if (take > len) take = len;
        memcpy(s->buf + s->buffered, p, take);
        s->buffered += (uint32_t)take;
        p += take;
        len -= take;
        if (s->buffered < 32) return;
        consume_blocks(s, s->buf, 1);
        s->buffered = 0;
    }
    size_t nblocks = len / 32;
    consume_blocks(s, p, nblocks);
    p += nblocks * 32;
    len -= nblocks * 32;
    if (len) {
        memcpy(s->buf, p, len);
        s->buffered = (uint32_t)len;
    }
}

uint64_t bw_checksum_final(const bw_checksum_state *s) {
    uint64_t h = rotl64(s->lane[0], 1) + rotl64(s->lane[1], 7) +
                 rotl64(s->lane[2], 12) + rotl64(s->lane[3], 18);
    h ^= s->total * BW_P3;
    const uint8_t *p = s->buf;
    uint32_t n = s->buffered;
    while (n >= 8) {
        h = rotl64(h ^ (load64(p) * BW_P2), 27) * BW_P1 + BW_P3;
        p += 8;
        n -= 8;
    }
    while (n) {
        h = rotl64(h ^ ((uint64_t)*p * BW_P3), 11) * BW_P1;
        p++;
        n--;
    }
    return bw_mix64(h);
}

uint64_t bw_checksum64(const void *data, size_t len) {
    bw_checksum_state s;
    bw_checksum_init(&s);
    bw_checksum_update(&s, data, len);
    return bw_checksum_final(&s);
}
