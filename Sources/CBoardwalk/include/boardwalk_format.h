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
 * Every array carries a checksum (bw_checksum64 over its bytes in order, see
 * bw_internal.h), stored in the meta record, which has a checksum of its own.
 */
#ifndef BOARDWALK_FORMAT_H
#define BOARDWALK_FORMAT_H

#include <stdint.h>

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
    uint64_t reserved[4];
    struct bw_format_array arrays[BW_ARRAY_COUNT];
    uint64_t meta_checksum;       /* bw_checksum64 of every byte before this field */
};

#ifdef __cplusplus
}
#endif
#endif /* BOARDWALK_FORMAT_H */
