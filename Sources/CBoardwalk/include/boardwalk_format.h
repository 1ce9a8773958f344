/* boardwalk_format.h - the on-disk format of a Boardwalk graph file.
 *
 * This header is the one definition of the format: the C reader and the Swift
 * builder both compile against it. Change nothing here without bumping
 * BW_FORMAT_VERSION and writing a **Breaking** line in CHANGELOG.md.
 *
 * A graph is one LMDB environment opened with MDB_NOSUBDIR (conventional file
 * extension ".bwg"), holding one unnamed database with these records:
 *
 *   "meta"            struct bw_format_meta, little-endian, fixed layout.
 *   "build"           UTF-8 JSON text: build parameters, inputs and what the
 *                     builder counted (for people and `boardwalk info`).
 *   "attr.language"   UTF-8 text, one attribute name per line; line i names
 *   "attr.topic"      code i (present only when the graph has attributes).
 *   "<array>.<chunk>" one chunk of a large array: <array> is a name from
 *                     BW_ARRAY_NAMES, <chunk> the chunk number as 8 lowercase
 *                     hex digits. Every chunk but the last holds exactly
 *                     meta.chunk_bytes bytes (a power of two).
 *
 * Arrays (P = pins, B = boards, E = distinct edges):
 *   pin_ids        uint64[P]   external id of pin i, strictly ascending, so
 *                              index order is id order and id -> index is a
 *                              binary search.
 *   board_ids      uint64[B]   the same for boards.
 *   pin_offsets    uint64[P+1] CSR offsets into pin_adj; [0] = 0, [P] = E.
 *   pin_adj        uint32[E]   board indices of each pin.
 *   board_offsets  uint64[B+1] CSR offsets into board_adj.
 *   board_adj      uint32[E]   pin indices of each board.
 *   pin_attrs      uint32[P]   (language << 16) | topic of each pin;
 *                              BW_ATTR_NONE in a half means unknown.
 *   board_attrs    uint32[B]   majority language and majority topic of the
 *                              board's pins (ties to the smaller code).
 *   pin_title_offsets   uint64[P+1], pin_title_bytes   uint8[..]  (optional)
 *   board_title_offsets uint64[B+1], board_title_bytes uint8[..]  (optional)
 *                              title i is bytes [offsets[i], offsets[i+1])
 *                              less trailing NUL bytes; no title crosses a
 *                              chunk boundary (the builder pads with NULs and
 *                              cuts titles longer than a chunk), so a reader
 *                              can hand out a pointer into the map.
 *
 * Each adjacency list is sorted by (attrs of the neighbour, neighbour index),
 * so that the neighbours matching a language - or a language and a topic -
 * form one contiguous range. Without attributes every attrs value is
 * BW_ATTRS_NONE and the lists are sorted by index. No list holds a neighbour
 * twice. pin_attrs and board_attrs are always present.
 *
 * Times. A time is an unsigned 64-bit integer in the host's own unit (Unix
 * seconds or milliseconds, say): Boardwalk never converts or interprets one,
 * it only compares them. A graph's watermark (meta.watermark, present when
 * meta.flags has BW_META_HAS_WATERMARK) is the newest edge time the graph
 * contains: given to the builder, or the largest value of the input's time
 * column. Live edges with a time at or below the watermark of a new base
 * graph are already in it.
 *
 * Every array carries a checksum (bw_checksum64 over its bytes in order,
 * defined below), stored in the meta record, which has a checksum of its own.
 *
 * The functions at the end (the checksum, the edge fingerprint, chunk keys)
 * are part of the format's definition, so they are here as static inline
 * code: a writer or checker of graph files in any language that reads C
 * headers uses them directly. They are not functions of libboardwalk's ABI
 * (nothing of this header is exported from the library), and this header
 * does not need boardwalk.h nor the library.
 */
#ifndef BOARDWALK_FORMAT_H
#define BOARDWALK_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The format version this library reads and writes. */
#define BW_FORMAT_VERSION 1u

/** The 8 bytes that open every meta record. */
#define BW_FORMAT_MAGIC "BWGRAPH"

/** Conventional extension of a graph file. */
#define BW_FILE_EXTENSION ".bwg"

#define BW_KEY_META "meta"
#define BW_KEY_BUILD "build"
#define BW_KEY_ATTR_LANGUAGE "attr.language"
#define BW_KEY_ATTR_TOPIC "attr.topic"

/** Chunk size limits in bytes. Chunks are powers of two. Debian's LMDB loses
 * values of 2 GiB or more at commit (without MDB_WRITEMAP), so 1 GiB is the
 * ceiling; chunks below 4 KiB exist for tests and may be copied at open. */
#define BW_CHUNK_BYTES_MIN 64ull
#define BW_CHUNK_BYTES_MAX (1ull << 30)
#define BW_CHUNK_BYTES_DEFAULT (1ull << 30)

/** Attribute code meaning "unknown" in one 16-bit half of an attrs value. */
#define BW_ATTR_NONE 0xFFFFu
/** A stored attrs value with both halves unknown: (BW_ATTR_NONE << 16) |
 * BW_ATTR_NONE, what every node holds in a graph without attributes. An
 * on-disk value, not a query parameter: its bits equal boardwalk.h's
 * BW_ATTR_ANY ("no preference" in a query), which is another thing. */
#define BW_ATTRS_NONE 0xFFFFFFFFu
/** Largest number of distinct codes per attribute (0 ... BW_ATTR_NONE-1). */
#define BW_ATTR_MAX_CODES 0xFFFFu

/** Largest pin or board count: indices are 32-bit. */
#define BW_MAX_NODES 0xFFFFFFFEull

/** Array numbers; the key of chunk c of array a is "<BW_ARRAY_NAMES[a]>.<c:08x>". */
enum bw_array_id {
    BW_ARRAY_PIN_IDS = 0,
    BW_ARRAY_BOARD_IDS = 1,
    BW_ARRAY_PIN_OFFSETS = 2,
    BW_ARRAY_PIN_ADJ = 3,
    BW_ARRAY_BOARD_OFFSETS = 4,
    BW_ARRAY_BOARD_ADJ = 5,
    BW_ARRAY_PIN_ATTRS = 6,
    BW_ARRAY_BOARD_ATTRS = 7,
    BW_ARRAY_PIN_TITLE_OFFSETS = 8,
    BW_ARRAY_PIN_TITLE_BYTES = 9,
    BW_ARRAY_BOARD_TITLE_OFFSETS = 10,
    BW_ARRAY_BOARD_TITLE_BYTES = 11,
    BW_ARRAY_COUNT = 12
};

#define BW_ARRAY_NAMES_INIT                                                   \
    { "pin_ids", "board_ids", "pin_offsets", "pin_adj", "board_offsets",     \
      "board_adj", "pin_attrs", "board_attrs", "pin_title_offsets",          \
      "pin_title_bytes", "board_title_offsets", "board_title_bytes" }

/** Element size in bytes of each array, in enum order. */
#define BW_ARRAY_ELEM_SIZES_INIT { 8, 8, 8, 4, 8, 4, 4, 4, 8, 1, 8, 1 }

/** meta.flags bits. */
#define BW_META_HAS_PIN_TITLES 0x1u
#define BW_META_HAS_BOARD_TITLES 0x2u
#define BW_META_HAS_ATTRIBUTES 0x4u
/** meta.watermark holds the graph's watermark. Added within format version 1:
 * files written before it have the bit clear (no watermark), and readers
 * that predate it ignore the bit and the field. Without the bit the field
 * means nothing (it is 0 in files that predate it), whatever it holds; with
 * it, every value, 0 included, is a watermark. */
#define BW_META_HAS_WATERMARK 0x8u

/** Describes one stored array. An absent optional array has count 0 and no chunks. */
struct bw_format_array {
    uint64_t count;     /* elements */
    uint32_t elem_size; /* bytes per element, as BW_ARRAY_ELEM_SIZES_INIT */
    uint32_t chunks;    /* number of chunk records */
    uint64_t checksum;  /* bw_checksum64 of the array's bytes */
};

/** The "meta" record: 8-byte aligned fields, no padding, little-endian. */
struct bw_format_meta {
    char magic[8];                /* BW_FORMAT_MAGIC, NUL-padded */
    uint32_t format_version;      /* BW_FORMAT_VERSION */
    uint32_t meta_bytes;          /* sizeof(struct bw_format_meta) */
    uint64_t pins;
    uint64_t boards;
    uint64_t edges;               /* distinct edges */
    uint32_t max_pin_degree;
    uint32_t max_board_degree;
    double max_log_pin_degree;    /* natural log of max_pin_degree (0 if none) */
    double max_log_board_degree;
    uint64_t chunk_bytes;         /* power of two, BW_CHUNK_BYTES_MIN..MAX */
    uint64_t created_unix;        /* seconds since 1970 */
    uint64_t input_fingerprint;   /* sum of bw_edge_fingerprint over distinct edges */
    uint64_t duplicate_edges;     /* input edges collapsed as duplicates */
    uint64_t invalid_lines;       /* lines skipped under --max-invalid */
    uint32_t flags;               /* BW_META_* */
    uint32_t reserved0;
    uint64_t watermark;           /* newest edge time the input held, when
                                     flags has BW_META_HAS_WATERMARK */
    uint64_t reserved[3];
    struct bw_format_array arrays[BW_ARRAY_COUNT];
    uint64_t meta_checksum;       /* bw_checksum64 of every byte before this field */
};

/* ------------------------------------------------------------------------ */
/* Array names and chunk keys                                                 */

/** Name of an array (BW_ARRAY_NAMES_INIT), "?" when out of range. */
static inline const char *bw_array_name(int array) {
    static const char *const names[BW_ARRAY_COUNT] = BW_ARRAY_NAMES_INIT;
    return (array >= 0 && array < BW_ARRAY_COUNT) ? names[array] : "?";
}

/** Element size in bytes of an array (BW_ARRAY_ELEM_SIZES_INIT), 0 when out
 * of range. */
static inline uint32_t bw_array_elem_size(int array) {
    static const uint32_t sizes[BW_ARRAY_COUNT] = BW_ARRAY_ELEM_SIZES_INIT;
    return (array >= 0 && array < BW_ARRAY_COUNT) ? sizes[array] : 0;
}

/** Writes the key of a chunk ("pin_adj.0000002a") to out, NUL-terminated,
 * and returns its length, or 0 if cap is too small. */
static inline size_t bw_chunk_key(int array, uint32_t chunk, char *out, size_t cap) {
    const char *name = bw_array_name(array);
    const size_t n = strlen(name);
    if (cap < n + 10) return 0; /* name, '.', 8 hex digits, NUL */
    memcpy(out, name, n);
    out[n] = '.';
    for (int i = 0; i < 8; i++) out[n + 1 + i] = "0123456789abcdef"[(chunk >> (28 - 4 * i)) & 0xFu];
    out[n + 9] = '\0';
    return n + 9;
}

/* ------------------------------------------------------------------------ */
/* Mixing and the edge fingerprint                                            */

/** splitmix64's increment (2^64 / golden ratio, odd): its Weyl sequence adds
 * it to the state before each bw_mix64; also a multiplicative hash constant. */
#define BW_MIX_GAMMA 0x9e3779b97f4a7c15ull

/** The finaliser of splitmix64: a bijective 64-bit mixer. The one definition
 * of it in Boardwalk (the walk's random numbers, the checksum, the edge
 * fingerprint and the generator's ids all use it). */
static inline uint64_t bw_mix64(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/** The input fingerprint of a graph (meta.input_fingerprint) is the sum (mod
 * 2^64) of this over its distinct edges, by external ids: independent of
 * input order and of duplicates, and cheap to recompute from either side of
 * the graph. */
static inline uint64_t bw_edge_fingerprint(uint64_t pin_id, uint64_t board_id) {
    return bw_mix64(pin_id ^ bw_mix64(board_id + BW_MIX_GAMMA));
}

/* ------------------------------------------------------------------------ */
/* Checksum                                                                   */

/* Streaming 64-bit checksum (not cryptographic; catches corruption). Four
 * independent multiply-rotate lanes over 32-byte blocks keep it near memory
 * speed, so full verification of a large graph is cheap. Words are read
 * little-endian (the format's byte order; big-endian hosts are unsupported).
 * Feed bytes in any split: the result depends only on the byte sequence. */
#define BW_CHECKSUM_P1 0x9e3779b185ebca87ull
#define BW_CHECKSUM_P2 0xc2b2ae3d27d4eb4full
#define BW_CHECKSUM_P3 0x165667b19e3779f9ull

typedef struct bw_checksum_state {
    uint64_t lane[4];
    uint64_t total;  /* bytes fed */
    uint8_t buf[32]; /* partial block */
    uint32_t buffered;
} bw_checksum_state;

static inline uint64_t bw_checksum_rotl_(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t bw_checksum_load_(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline void bw_checksum_init(bw_checksum_state *s) {
    s->lane[0] = BW_CHECKSUM_P1 + BW_CHECKSUM_P2;
    s->lane[1] = BW_CHECKSUM_P2;
    s->lane[2] = 0;
    s->lane[3] = 0 - BW_CHECKSUM_P1;
    s->total = 0;
    s->buffered = 0;
}

static inline uint64_t bw_checksum_lane_(uint64_t acc, const uint8_t *p) {
    return bw_checksum_rotl_(acc + bw_checksum_load_(p) * BW_CHECKSUM_P2, 31) * BW_CHECKSUM_P1;
}

static inline void bw_checksum_blocks_(bw_checksum_state *s, const uint8_t *p, size_t nblocks) {
    uint64_t a = s->lane[0], b = s->lane[1], c = s->lane[2], d = s->lane[3];
    for (size_t i = 0; i < nblocks; i++, p += 32) {
        a = bw_checksum_lane_(a, p);
        b = bw_checksum_lane_(b, p + 8);
        c = bw_checksum_lane_(c, p + 16);
        d = bw_checksum_lane_(d, p + 24);
    }
    s->lane[0] = a;
    s->lane[1] = b;
    s->lane[2] = c;
    s->lane[3] = d;
}

static inline void bw_checksum_update(bw_checksum_state *s, const void *data, size_t len) {
    const uint8_t *p = (const uint8_t *)data;
    s->total += len;
    if (s->buffered) {
        size_t take = 32 - s->buffered;
        if (take > len) take = len;
        memcpy(s->buf + s->buffered, p, take);
        s->buffered += (uint32_t)take;
        p += take;
        len -= take;
        if (s->buffered < 32) return;
        bw_checksum_blocks_(s, s->buf, 1);
        s->buffered = 0;
    }
    const size_t nblocks = len / 32;
    bw_checksum_blocks_(s, p, nblocks);
    p += nblocks * 32;
    len -= nblocks * 32;
    if (len) {
        memcpy(s->buf, p, len);
        s->buffered = (uint32_t)len;
    }
}

static inline uint64_t bw_checksum_final(const bw_checksum_state *s) {
    uint64_t h = bw_checksum_rotl_(s->lane[0], 1) + bw_checksum_rotl_(s->lane[1], 7) +
                 bw_checksum_rotl_(s->lane[2], 12) + bw_checksum_rotl_(s->lane[3], 18);
    h ^= s->total * BW_CHECKSUM_P3;
    const uint8_t *p = s->buf;
    uint32_t n = s->buffered;
    for (; n >= 8; p += 8, n -= 8)
        h = bw_checksum_rotl_(h ^ (bw_checksum_load_(p) * BW_CHECKSUM_P2), 27) * BW_CHECKSUM_P1 + BW_CHECKSUM_P3;
    for (; n; p++, n--) h = bw_checksum_rotl_(h ^ ((uint64_t)*p * BW_CHECKSUM_P3), 11) * BW_CHECKSUM_P1;
    return bw_mix64(h);
}

/** One-shot: bw_checksum64(p, n) == init; update(p, n); final. data may be
 * NULL when len is 0. */
static inline uint64_t bw_checksum64(const void *data, size_t len) {
    bw_checksum_state s;
    bw_checksum_init(&s);
    if (len) bw_checksum_update(&s, data, len);
    return bw_checksum_final(&s);
}

#ifdef __cplusplus
}
#endif
#endif /* BOARDWALK_FORMAT_H */
