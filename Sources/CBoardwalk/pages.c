/* pages.c - how the graph's memory is paged: huge pages, alignment, and
 * BW_OPEN_HUGEPAGES.
 *
 * A random step costs a TLB miss unless the arrays it reads are mapped with
 * 2 MiB pages. Linux maps a file that way when the mapping is 2 MiB-aligned
 * and the page cache holds the file in 2 MiB folios (what a sequential read
 * leaves on ext4 and XFS). Under memory pressure the folios are split or
 * evicted and come back one 4 KiB page at a time, and the walk runs at about
 * half speed from then on (BENCHMARKS.md, "Huge pages").
 *
 * Here: the share of the graph's resident memory that is mapped with huge
 * pages (read from /proc/self/smaps), a 2 MiB-aligned mapping whatever
 * address LMDB chose, and BW_OPEN_HUGEPAGES, which gets the graph into huge
 * pages at open:
 *   1. advise the mapping MADV_HUGEPAGE, fault it in (MADV_POPULATE_READ, on
 *      several threads) and measure: huge enough (>= BW_HUGE_ENOUGH of the
 *      resident bytes: the cache held large folios, or read the file into
 *      them) is done;
 *   2. else refill the page cache: unmap our pages, drop the file's cached
 *      pages (POSIX_FADV_DONTNEED drops only pages no process maps) and
 *      fault the mapping in again: each fault now reads a 2 MiB folio;
 *      measure;
 *   3. else (another process maps the small pages, or the file system has no
 *      large folios) copy the arrays into anonymous memory advised
 *      MADV_HUGEPAGE: private to this process, costing the arrays' size;
 *   4. else (no transparent huge pages) keep the file mapping and say so
 *      (BW_STAT_HUGE_PAGE_METHOD = BW_HUGE_UNAVAILABLE).
 * Step 2 costs one sequential read of the file; step 3 one copy of it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "boardwalk.h"
#include "bw_graph.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14 */
#endif

#define HUGE_BYTES (2ull << 20)

/* Tests/c/test_pages.c compiles the library with BW_PAGES_TEST to take each
 * path on any machine: bits of bw_pages_test_skip skip step 1 (1), step 2
 * (2) and step 3 (4); bw_pages_test_remap maps the file again even when
 * LMDB's mapping is aligned. */
#ifdef BW_PAGES_TEST
int bw_pages_test_skip, bw_pages_test_remap;
#define SKIP(step) (bw_pages_test_skip & (step))
#define FORCE_REMAP bw_pages_test_remap
#else
#define SKIP(step) 0
#define FORCE_REMAP 0
#endif
/* Share of the resident bytes in huge pages that counts as "in huge pages":
 * the rest is the file's tail and the pages LMDB's header and B-tree use. */
#define BW_HUGE_ENOUGH 0.9

/* Adds the Rss and the huge-page bytes (FilePmdMapped + AnonHugePages) of
 * every mapping of this process that overlaps [lo, lo + len). 0, or
 * BW_ENODATA when /proc/self/smaps cannot be read (not Linux, no /proc). */
static int smaps_bytes(const uint8_t *lo, uint64_t len, uint64_t *rss, uint64_t *huge) {
    FILE *f = fopen("/proc/self/smaps", "re");
    if (!f) return BW_ENODATA;
    const uintptr_t a = (uintptr_t)lo, b = (uintptr_t)lo + len;
    char line[512];
    int in = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long s, e;
        char c;
        /* A mapping's header: "start-end perms ..."; its fields: "Name: n kB". */
        if (sscanf(line, "%lx-%lx %c", &s, &e, &c) == 3) {
            in = s < b && e > a;
            continue;
        }
        if (!in) continue;
        unsigned long long kb;
        if (sscanf(line, "Rss: %llu kB", &kb) == 1) *rss += kb << 10;
        else if (sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1) *huge += kb << 10;
        else if (sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) *huge += kb << 10;
    }
    fclose(f);
    return 0;
}

/* Where the walk reads: the anonymous copy when there is one, else the map. */
static void walked_range(const bw_graph *g, const uint8_t **lo, uint64_t *len) {
    if (g->huge_copy) {
        *lo = g->huge_copy;
        *len = g->huge_copy_bytes;
    } else {
        *lo = g->walk_map ? g->walk_map : g->map_addr;
        *len = g->file_bytes;
    }
}

int bw_graph_huge_pages(const bw_graph *g, double *out_share, uint64_t *out_resident_bytes,
                        uint64_t *out_huge_bytes) {
    if (out_share) *out_share = 0.0;
    if (out_resident_bytes) *out_resident_bytes = 0;
    if (out_huge_bytes) *out_huge_bytes = 0;
    if (!g) return BW_EINVAL;
    const uint8_t *lo;
    uint64_t len, rss = 0, huge = 0;
    walked_range(g, &lo, &len);
    int rc = smaps_bytes(lo, len, &rss, &huge);
    if (rc) return rc;
    if (huge > rss) huge = rss;
    if (out_resident_bytes) *out_resident_bytes = rss;
    if (out_huge_bytes) *out_huge_bytes = huge;
    if (out_share) *out_share = rss ? (double)huge / (double)rss : 0.0;
    return rss ? 0 : BW_ENODATA;
}

/* Faults [p, p + len) in for reading, without copying it anywhere. */
BW_HIDDEN void bw_graph_populate(const uint8_t *p, uint64_t len) {
    if (len == 0 || madvise((void *)p, (size_t)len, MADV_POPULATE_READ) == 0) return;
    long ps = sysconf(_SC_PAGESIZE);
    volatile uint8_t sink = 0;
    for (uint64_t off = 0; off < len; off += (uint64_t)(ps > 0 ? ps : 4096)) sink ^= p[off];
    (void)sink;
}

/* bw_graph_populate over slices of 2 MiB multiples on up to POPULATE_THREADS
 * threads: a fault that reads from disk waits for one 2 MiB read, so a
 * single thread reads a cold file at the latency of its reads, not at the
 * disk's throughput. */
#define POPULATE_THREADS 8
typedef struct {
    const uint8_t *p;
    uint64_t len;
} slice;

static void *populate_slice(void *arg) {
    const slice *s = arg;
    bw_graph_populate(s->p, s->len);
    return NULL;
}

static void populate_parallel(const uint8_t *p, uint64_t len) {
    uint64_t per = (len / POPULATE_THREADS + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
    if (per < 8 * HUGE_BYTES) per = 8 * HUGE_BYTES;
    pthread_t threads[POPULATE_THREADS];
    slice slices[POPULATE_THREADS];
    int started[POPULATE_THREADS] = {0};
    unsigned n = 0;
    for (uint64_t off = 0; off < len && n < POPULATE_THREADS; off += per, n++) {
        slices[n].p = p + off;
        slices[n].len = len - off < per || n == POPULATE_THREADS - 1 ? len - off : per;
        started[n] = n > 0 && pthread_create(&threads[n], NULL, populate_slice, &slices[n]) == 0;
    }
    for (unsigned i = 0; i < n; i++)
        if (!started[i]) bw_graph_populate(slices[i].p, slices[i].len); /* slice 0, and any not started */
    for (unsigned i = 0; i < n; i++)
        if (started[i]) pthread_join(threads[i], NULL);
}

/* The share of [p, p + len)'s pages that the page cache holds (mincore), or
 * 1 when the kernel does not say. */
static double cached_share(const uint8_t *p, uint64_t len) {
    const long ps = sysconf(_SC_PAGESIZE);
    if (ps <= 0 || len == 0) return 1.0;
    enum { VEC = 1 << 16 };
    unsigned char vec[VEC];
    uint64_t pages = 0, cached = 0;
    for (uint64_t off = 0; off < len;) {
        uint64_t n = (len - off + (uint64_t)ps - 1) / (uint64_t)ps;
        if (n > VEC) n = VEC;
        uint64_t bytes = n * (uint64_t)ps;
        if (bytes > len - off) bytes = len - off;
        if (mincore((void *)(p + off), (size_t)bytes, vec) != 0) return 1.0;
        for (uint64_t i = 0; i < n; i++) cached += vec[i] & 1;
        pages += n;
        off += bytes;
    }
    return pages ? (double)cached / (double)pages : 1.0;
}

static double share_of(const uint8_t *p, uint64_t len) {
    uint64_t rss = 0, huge = 0;
    if (smaps_bytes(p, len, &rss, &huge) || rss == 0) return 0.0;
    return (double)(huge > rss ? rss : huge) / (double)rss;
}

/* Points every chunk that lies in [from, from + len) at the same offset from
 * `to` instead. */
static void retarget(bw_graph *g, const uint8_t *from, uint64_t len, const uint8_t *to) {
    for (uint64_t i = 0; i < g->total_chunks + BW_ARRAY_COUNT; i++) {
        const uint8_t *p = g->chunk_table[i];
        if (p && p >= from && (uint64_t)(p - from) < len) g->chunk_table[i] = to + (p - from);
    }
}

/* A second, 2 MiB-aligned read-only mapping of the file, for the walk, when
 * LMDB's is not aligned (the address is the kernel's choice: ext4 and XFS
 * align large file mappings, other file systems may not). Same pages of the
 * page cache; the chunk table is pointed at it. Best effort: on failure the
 * walk reads LMDB's mapping. */
static void align_map(bw_graph *g, int fd) {
    if (g->file_bytes < HUGE_BYTES || (((uintptr_t)g->map_addr & (HUGE_BYTES - 1)) == 0 && !FORCE_REMAP)) return;
    const size_t len = (size_t)g->file_bytes, span = len + (size_t)HUGE_BYTES;
    uint8_t *r = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return;
    uint8_t *at = (uint8_t *)(((uintptr_t)r + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
    uint8_t *m = mmap(at, len, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    if (m == MAP_FAILED) {
        munmap(r, span);
        return;
    }
    if (at > r) munmap(r, (size_t)(at - r));
    if (r + span > at + len) munmap(at + len, (size_t)(r + span - (at + len)));
    g->walk_map = m;
    retarget(g, g->map_addr, g->file_bytes, m);
}

/* Whether the kernel gives anonymous memory huge pages on MADV_HUGEPAGE. */
static int thp_available(void) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
    if (!f) return 0;
    char buf[128] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "[always]") != NULL || strstr(buf, "[madvise]") != NULL;
}

/* Step 3: the arrays' chunks copied into one anonymous MADV_HUGEPAGE region. */
static int copy_to_anonymous(bw_graph *g) {
    const uint8_t *map = g->walk_map ? g->walk_map : g->map_addr;
    uint64_t total = 0;
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        const bw_chunked *arr = &g->arrays[a];
        total += (arr->count * arr->elem_size + 63) & ~63ull; /* cache-line aligned arrays */
    }
    if (total == 0) return BW_ENODATA;
    const size_t span = (size_t)((total + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1)) + (size_t)HUGE_BYTES;
    uint8_t *r = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) return BW_ENOMEM;
    uint8_t *at = (uint8_t *)(((uintptr_t)r + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
    if (at > r) munmap(r, (size_t)(at - r));
    const size_t len = span - (size_t)(at - r);
    if (madvise(at, len, MADV_HUGEPAGE) != 0) {
        munmap(at, len);
        return BW_ENODATA;
    }
    /* Chunks of one array are consecutive in the copy, so the copy of an
     * array is contiguous even where the file's chunks are not. */
    uint8_t *dst = at;
    for (int a = 0; a < BW_ARRAY_COUNT; a++) {
        bw_chunked *arr = &g->arrays[a];
        uint64_t remaining = arr->count * arr->elem_size;
        const uint64_t chunk = g->meta.chunk_bytes;
        for (uint64_t c = 0; remaining > 0; c++) {
            const uint64_t n = remaining < chunk ? remaining : chunk;
            memcpy(dst, arr->chunks[c], (size_t)n);
            ((const uint8_t **)arr->chunks)[c] = dst; /* slots of g->chunk_table */
            dst += n;
            remaining -= n;
        }
        dst = (uint8_t *)(((uintptr_t)dst + 63) & ~(uintptr_t)63);
    }
    mprotect(at, len, PROT_READ);
    g->huge_copy = at;
    g->huge_copy_bytes = len;
    g->copied_bytes += total;
    /* The file's pages are no longer read through this process's mapping. */
    madvise((void *)map, (size_t)g->file_bytes, MADV_DONTNEED);
    return 0;
}

BW_HIDDEN int bw_graph_setup_pages(bw_graph *g, int fd, uint32_t flags) {
    align_map(g, fd);
    if (!(flags & BW_OPEN_HUGEPAGES)) return 0;
    const uint8_t *map = g->walk_map ? g->walk_map : g->map_addr;
    const uint64_t len = g->file_bytes;
    /* With MADV_HUGEPAGE on the mapping, a fault on a page that is not cached
     * reads the whole 2 MiB folio around it (the kernel's mmap readahead for
     * VM_HUGEPAGE), so faulting the file in is one sequential read that
     * leaves huge pages, and so is every later fault after the kernel evicts
     * a folio under memory pressure. Pages already cached in small folios
     * stay small: step 2 drops them first. */
    const int advised = !SKIP(2) && madvise((void *)map, (size_t)len, MADV_HUGEPAGE) == 0;
    /* A file mostly not in the cache goes straight to step 2: the pages
     * opening read are in small folios, and dropping them after reading the
     * rest would read the file twice. */
    const int cold = advised && cached_share(map, len) < 0.5;
    if (!cold) {
        /* Cached: are its folios large? Map a sample of 2 MiB regions
         * spread over the file first (cheap either way), and the rest only
         * when the sample is in huge pages. */
        const uint64_t regions = len / HUGE_BYTES, k = regions < 64 ? regions : 64;
        for (uint64_t i = 0; i < k; i++) {
            const uint64_t off = (i * regions / k) * HUGE_BYTES;
            bw_graph_populate(map + off, len - off < HUGE_BYTES ? len - off : HUGE_BYTES);
        }
        if (!SKIP(1) && share_of(map, len) >= BW_HUGE_ENOUGH) {
            populate_parallel(map, len);
            if (share_of(map, len) >= BW_HUGE_ENOUGH) {
                g->huge_method = BW_HUGE_ALREADY;
                return 0;
            }
        }
    }
    /* Step 2. MADV_DONTNEED on a shared read-only file mapping only drops
     * this process's page-table entries; the data stays in the cache until
     * POSIX_FADV_DONTNEED drops the pages nobody maps. */
    if (advised && madvise((void *)map, (size_t)len, MADV_DONTNEED) == 0 &&
        posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0) {
        populate_parallel(map, len);
        if (share_of(map, len) >= BW_HUGE_ENOUGH) {
            g->huge_method = BW_HUGE_REFILLED;
            return 0;
        }
    }
    if (!SKIP(4) && thp_available() && copy_to_anonymous(g) == 0) {
        g->huge_method = BW_HUGE_COPIED;
        return 0;
    }
    g->huge_method = BW_HUGE_UNAVAILABLE;
    return 0;
}

BW_HIDDEN void bw_graph_release_pages(bw_graph *g) {
    if (g->huge_copy) munmap((void *)g->huge_copy, (size_t)g->huge_copy_bytes);
    if (g->walk_map) munmap((void *)g->walk_map, (size_t)g->file_bytes);
    g->huge_copy = g->walk_map = NULL;
}
