/* ranker.c - learned rankers: the model file (boardwalk.h, "Features and
 * learned rankers") checked byte by byte and loaded into an immutable,
 * reference-counted handle, and its scores of feature rows. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bw_rank.h"

#define HEADER_BYTES 32u
#define INPUT_BYTES 40u
#define NAME_BYTES 32u
#define NODE_BYTES 24u
#define LEAF 0xFFFFFFFFu

typedef struct rk_node {
    uint32_t input; /* LEAF for a leaf */
    uint32_t left, right;
    double value;   /* threshold, or leaf value */
} rk_node;

struct bw_ranker {
    uint64_t refs;        /* __atomic builtins only */
    uint32_t kind, output, ninputs;
    char (*names)[NAME_BYTES];
    uint32_t *feature;    /* input i reads library feature feature[i] */
    uint32_t *transform;
    double bias;          /* linear: bias; trees: base */
    double *weights;      /* linear */
    uint32_t ntrees;
    uint32_t *tree_start; /* ntrees + 1 offsets into nodes */
    rk_node *nodes;
};

/* ------------------------------------------------------------------------ */
/* Reading                                                                    */

static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *msg, size_t cap, const char *fmt, ...) {
    if (!msg || cap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
}

static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static double rdf64(const uint8_t *p) {
    uint64_t u = rd64(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* CRC-32, IEEE 802.3 polynomial, reflected: zlib's crc32(). */
static uint32_t crc32_ieee(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    static int ready; /* benign race: every thread writes the same values */
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            __atomic_store_n(&table[i], c, __ATOMIC_RELAXED);
        }
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = __atomic_load_n(&table[(c ^ p[i]) & 0xFF], __ATOMIC_RELAXED) ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static void ranker_free(bw_ranker *r) {
    if (!r) return;
    free(r->names);
    free(r->feature);
    free(r->transform);
    free(r->weights);
    free(r->tree_start);
    free(r->nodes);
    free(r);
}

/* The list of this library's features, for a message. */
static void feature_list(char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < bw_feature_count() && used + 1 < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", bw_feature_name(i));
        if (n < 0) break;
        used += (size_t)n;
    }
}

static int parse(const uint8_t *p, size_t size, const char *who, bw_ranker **out, char *msg, size_t cap) {
    if (size < HEADER_BYTES + 4 || memcmp(p, "BWRANKER", 8) != 0) {
        say(msg, cap, "%s: not a Boardwalk ranker model (%s)", who,
            size >= 8 && memcmp(p, "BWRANKER", 8) == 0 ? "truncated header" : "no BWRANKER magic");
        return BW_ECORRUPT;
    }
    const uint32_t version = rd32(p + 8);
    if (version != BW_RANKER_FORMAT_VERSION) {
        say(msg, cap, "%s: model format version %u; this library reads version %u", who, version,
            BW_RANKER_FORMAT_VERSION);
        return BW_EVERSION;
    }
    const uint32_t kind = rd32(p + 12), n = rd32(p + 16), output = rd32(p + 20);
    const uint64_t body = rd64(p + 24);
    if (body != size - HEADER_BYTES - 4) {
        say(msg, cap, "%s: the header says %llu body bytes, the file has %llu (truncated or damaged)", who,
            (unsigned long long)body, (unsigned long long)(size - HEADER_BYTES - 4));
        return BW_ECORRUPT;
    }
    const uint32_t want = rd32(p + size - 4), got = crc32_ieee(p, size - 4);
    if (want != got) {
        say(msg, cap, "%s: checksum mismatch (stored %08x, computed %08x): the file is damaged", who, want, got);
        return BW_ECORRUPT;
    }
    if (kind != BW_RANKER_LINEAR && kind != BW_RANKER_TREES) {
        say(msg, cap, "%s: unknown model kind %u (1: linear, 2: trees)", who, kind);
        return BW_ECORRUPT;
    }
    if (output != BW_RANKER_OUTPUT_RAW && output != BW_RANKER_OUTPUT_LOGISTIC) {
        say(msg, cap, "%s: unknown output %u (0: raw, 1: logistic)", who, output);
        return BW_EINVAL;
    }
    if (n == 0 || n > BW_RANKER_MAX_INPUTS) {
        say(msg, cap, "%s: %u inputs; a model has 1 to %u", who, n, BW_RANKER_MAX_INPUTS);
        return n == 0 ? BW_ECORRUPT : BW_ELIMIT;
    }
    const uint64_t inputs_end = HEADER_BYTES + (uint64_t)n * INPUT_BYTES;
    const uint64_t end = size - 4;
    if (kind == BW_RANKER_LINEAR && inputs_end + 8ull * (n + 1) != end) {
        say(msg, cap, "%s: a linear model of %u inputs has %llu body bytes, not %llu: the input count does not match the weights",
            who, n, (unsigned long long)((uint64_t)n * INPUT_BYTES + 8ull * (n + 1)), (unsigned long long)body);
        return BW_ECORRUPT;
    }
    if (kind == BW_RANKER_TREES && inputs_end + 16 > end) {
        say(msg, cap, "%s: truncated: the body ends inside the %u inputs", who, n);
        return BW_ECORRUPT;
    }
    bw_ranker *r = calloc(1, sizeof *r);
    if (!r) return BW_ENOMEM;
    r->kind = kind;
    r->output = output;
    r->ninputs = n;
    r->names = calloc(n, sizeof *r->names);
    r->feature = calloc(n, sizeof *r->feature);
    r->transform = calloc(n, sizeof *r->transform);
    int rc = 0;
    if (!r->names || !r->feature || !r->transform) {
        rc = BW_ENOMEM;
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *in = p + HEADER_BYTES + (size_t)i * INPUT_BYTES;
        if (!memchr(in, 0, NAME_BYTES)) {
            say(msg, cap, "%s: input %u's name is not NUL-terminated within %u bytes", who, i, NAME_BYTES);
            rc = BW_ECORRUPT;
            goto fail;
        }
        memcpy(r->names[i], in, NAME_BYTES);
        if (bw_feature_index(r->names[i], &r->feature[i]) != 0) {
            char list[512];
            feature_list(list, sizeof list);
            say(msg, cap, "%s: input %u \"%.31s\" is not a feature of this library (its features: %s)", who, i,
                r->names[i], list);
            rc = BW_ENOTFOUND;
            goto fail;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (r->feature[j] == r->feature[i]) {
                say(msg, cap, "%s: inputs %u and %u both read \"%s\"", who, j, i, r->names[i]);
                rc = BW_ECORRUPT;
                goto fail;
            }
        }
        r->transform[i] = rd32(in + NAME_BYTES);
        if (r->transform[i] > BW_RANKER_LOG) {
            say(msg, cap, "%s: input %u \"%s\" has unknown transform %u (0: identity, 1: log1p, 2: log)", who, i,
                r->names[i], r->transform[i]);
            rc = BW_EINVAL;
            goto fail;
        }
    }
    const uint8_t *q = p + inputs_end;
    r->bias = rdf64(q);
    if (!isfinite(r->bias)) {
        say(msg, cap, "%s: the model's %s is %g, not a finite number", who, kind == BW_RANKER_LINEAR ? "bias" : "base",
            r->bias);
        rc = BW_EINVAL;
        goto fail;
    }
    if (kind == BW_RANKER_LINEAR) {
        r->weights = malloc(n * sizeof *r->weights);
        if (!r->weights) {
            rc = BW_ENOMEM;
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            r->weights[i] = rdf64(q + 8 + 8 * (size_t)i);
            if (!isfinite(r->weights[i])) {
                say(msg, cap, "%s: weight %u (input \"%s\") is %g, not a finite number", who, i, r->names[i],
                    r->weights[i]);
                rc = BW_EINVAL;
                goto fail;
            }
        }
        *out = r;
        return 0;
    }
    /* Trees: two passes, counting nodes first (every size checked against
     * the bytes left), then reading them. */
    const uint32_t ntrees = rd32(q + 8);
    if (ntrees == 0 || ntrees > BW_RANKER_MAX_TREES) {
        say(msg, cap, "%s: %u trees; a model has 1 to %u", who, ntrees, BW_RANKER_MAX_TREES);
        rc = ntrees == 0 ? BW_ECORRUPT : BW_ELIMIT;
        goto fail;
    }
    uint64_t pos = inputs_end + 16, total = 0;
    for (uint32_t t = 0; t < ntrees; t++) {
        if (pos + 8 > end) {
            say(msg, cap, "%s: truncated: the body ends before tree %u of %u", who, t, ntrees);
            rc = BW_ECORRUPT;
            goto fail;
        }
        const uint32_t m = rd32(p + pos);
        if (m == 0 || m > BW_RANKER_MAX_NODES) {
            say(msg, cap, "%s: tree %u has %u nodes; a tree has 1 to %u", who, t, m, BW_RANKER_MAX_NODES);
            rc = m == 0 ? BW_ECORRUPT : BW_ELIMIT;
            goto fail;
        }
        if ((uint64_t)m * NODE_BYTES > end - pos - 8) {
            say(msg, cap, "%s: truncated: tree %u's %u nodes run past the end of the body", who, t, m);
            rc = BW_ECORRUPT;
            goto fail;
        }
        pos += 8 + (uint64_t)m * NODE_BYTES;
        total += m;
    }
    if (pos != end) {
        say(msg, cap, "%s: %llu bytes after the last of %u trees: the counts do not match the body", who,
            (unsigned long long)(end - pos), ntrees);
        rc = BW_ECORRUPT;
        goto fail;
    }
    r->ntrees = ntrees;
    r->tree_start = malloc(((size_t)ntrees + 1) * sizeof *r->tree_start);
    r->nodes = malloc((size_t)total * sizeof *r->nodes);
    if (!r->tree_start || !r->nodes) {
        rc = BW_ENOMEM;
        goto fail;
    }
    pos = inputs_end + 16;
    uint32_t k = 0;
    for (uint32_t t = 0; t < ntrees; t++) {
        const uint32_t m = rd32(p + pos);
        r->tree_start[t] = k;
        pos += 8;
        for (uint32_t j = 0; j < m; j++, pos += NODE_BYTES, k++) {
            rk_node *nd = &r->nodes[k];
            nd->input = rd32(p + pos);
            nd->left = rd32(p + pos + 4);
            nd->right = rd32(p + pos + 8);
            nd->value = rdf64(p + pos + 16);
            if (!isfinite(nd->value)) {
                say(msg, cap, "%s: tree %u node %u's %s is %g, not a finite number", who, t, j,
                    nd->input == LEAF ? "leaf value" : "threshold", nd->value);
                rc = BW_EINVAL;
                goto fail;
            }
            if (nd->input == LEAF) {
                if (nd->left || nd->right) {
                    say(msg, cap, "%s: tree %u node %u is a leaf with children", who, t, j);
                    rc = BW_ECORRUPT;
                    goto fail;
                }
                continue;
            }
            if (nd->input >= n) {
                say(msg, cap, "%s: tree %u node %u splits on input %u of a model with %u inputs", who, t, j,
                    nd->input, n);
                rc = BW_ECORRUPT;
                goto fail;
            }
            if (nd->left <= j || nd->left >= m || nd->right <= j || nd->right >= m) {
                say(msg, cap, "%s: tree %u node %u has children %u and %u; they must come after it, below %u", who,
                    t, j, nd->left, nd->right, m);
                rc = BW_ECORRUPT;
                goto fail;
            }
        }
    }
    r->tree_start[ntrees] = k;
    *out = r;
    return 0;
fail:
    ranker_free(r);
    return rc;
}

int bw_ranker_load(const void *data, size_t size, bw_ranker **out_ranker, char *msg, size_t cap) {
    say(msg, cap, "%s", "");
    if (out_ranker) *out_ranker = NULL;
    if (!out_ranker || (!data && size)) return BW_EINVAL;
    if (size > BW_RANKER_MAX_FILE_BYTES) {
        say(msg, cap, "model: %zu bytes; a model file has at most %llu", size,
            (unsigned long long)BW_RANKER_MAX_FILE_BYTES);
        return BW_ELIMIT;
    }
    bw_ranker *r = NULL;
    int rc = parse(data ? data : "", size, "model", &r, msg, cap);
    if (rc) return rc;
    r->refs = 1;
    *out_ranker = r;
    return 0;
}

int bw_ranker_open(const char *path, bw_ranker **out_ranker, char *msg, size_t cap) {
    say(msg, cap, "%s", "");
    if (out_ranker) *out_ranker = NULL;
    if (!path || !out_ranker) return BW_EINVAL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        say(msg, cap, "%s: %s", path, strerror(e));
        return e;
    }
    struct stat st;
    int rc = 0;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0) {
        rc = errno;
    } else if (S_ISDIR(st.st_mode)) {
        rc = EISDIR;
    } else if ((uint64_t)st.st_size > BW_RANKER_MAX_FILE_BYTES) {
        say(msg, cap, "%s: %llu bytes; a model file has at most %llu", path, (unsigned long long)st.st_size,
            (unsigned long long)BW_RANKER_MAX_FILE_BYTES);
        close(fd);
        return BW_ELIMIT;
    } else {
        size_t size = (size_t)st.st_size, got = 0;
        buf = malloc(size ? size : 1);
        if (!buf) rc = BW_ENOMEM;
        while (!rc && got < size) {
            ssize_t k = read(fd, buf + got, size - got);
            if (k < 0 && errno == EINTR) continue;
            if (k < 0) rc = errno;
            else if (k == 0) break; /* shrank meanwhile: parse what there is */
            else got += (size_t)k;
        }
        if (!rc) {
            bw_ranker *r = NULL;
            rc = parse(buf, got, path, &r, msg, cap);
            if (!rc) {
                r->refs = 1;
                *out_ranker = r;
            }
            free(buf);
            close(fd);
            return rc;
        }
    }
    free(buf);
    close(fd);
    if (rc > 0) say(msg, cap, "%s: %s", path, strerror(rc));
    return rc;
}

bw_ranker *bw_ranker_retain(bw_ranker *r) {
    if (r) __atomic_fetch_add(&r->refs, 1, __ATOMIC_RELAXED);
    return r;
}

void bw_ranker_close(bw_ranker *r) {
    if (r && __atomic_fetch_sub(&r->refs, 1, __ATOMIC_ACQ_REL) == 1) ranker_free(r);
}

uint32_t bw_ranker_kind(const bw_ranker *r) { return r ? r->kind : 0; }
uint32_t bw_ranker_input_count(const bw_ranker *r) { return r ? r->ninputs : 0; }

const char *bw_ranker_input_name(const bw_ranker *r, uint32_t index) {
    return r && index < r->ninputs ? r->names[index] : NULL;
}

/* ------------------------------------------------------------------------ */
/* Scoring                                                                    */

static inline double input_value(const bw_ranker *r, const double *features, uint32_t i) {
    const double x = features[r->feature[i]];
    if (r->transform[i] == BW_RANKER_LOG1P) return x < 0.0 ? -log1p(-x) : log1p(x);
    if (r->transform[i] == BW_RANKER_LOG) return log((x > 0.0 ? x : 0.0) + 1e-12);
    return x;
}

BW_HIDDEN double bw_ranker_eval(const bw_ranker *r, const double *features) {
    double x[BW_RANKER_MAX_INPUTS];
    for (uint32_t i = 0; i < r->ninputs; i++) x[i] = input_value(r, features, i);
    double s = r->bias;
    if (r->kind == BW_RANKER_LINEAR) {
        for (uint32_t i = 0; i < r->ninputs; i++) s += r->weights[i] * x[i];
    } else {
        for (uint32_t t = 0; t < r->ntrees; t++) {
            const rk_node *nodes = r->nodes + r->tree_start[t];
            uint32_t j = 0;
            while (nodes[j].input != LEAF) j = x[nodes[j].input] <= nodes[j].value ? nodes[j].left : nodes[j].right;
            s += nodes[j].value;
        }
    }
    return r->output == BW_RANKER_OUTPUT_LOGISTIC ? 1.0 / (1.0 + exp(-s)) : s;
}

/* Rows in blocks, trees outermost within a block: a tree's nodes stay in
 * cache across the block's rows, and each row's sum still adds the trees
 * in order (the same bits as bw_ranker_eval). */
#define EVAL_BLOCK 64

BW_HIDDEN void bw_ranker_eval_rows(const bw_ranker *r, const double *features, size_t n, double *out) {
    double x[EVAL_BLOCK * 16];
    const uint32_t ni = r->ninputs;
    if (r->kind == BW_RANKER_LINEAR || ni > 16) {
        for (size_t i = 0; i < n; i++) out[i] = bw_ranker_eval(r, features + i * BW_FEATURE_COUNT);
        return;
    }
    for (size_t b = 0; b < n; b += EVAL_BLOCK) {
        const size_t m = n - b < EVAL_BLOCK ? n - b : EVAL_BLOCK;
        for (size_t i = 0; i < m; i++) {
            for (uint32_t k = 0; k < ni; k++) x[i * 16 + k] = input_value(r, features + (b + i) * BW_FEATURE_COUNT, k);
            out[b + i] = r->bias;
        }
        for (uint32_t t = 0; t < r->ntrees; t++) {
            const rk_node *nodes = r->nodes + r->tree_start[t];
            for (size_t i = 0; i < m; i++) {
                const double *xi = x + i * 16;
                uint32_t j = 0;
                while (nodes[j].input != LEAF) j = xi[nodes[j].input] <= nodes[j].value ? nodes[j].left : nodes[j].right;
                out[b + i] += nodes[j].value;
            }
        }
        if (r->output == BW_RANKER_OUTPUT_LOGISTIC)
            for (size_t i = 0; i < m; i++) out[b + i] = 1.0 / (1.0 + exp(-out[b + i]));
    }
}

int bw_ranker_score(const bw_ranker *r, const double *features, size_t count, double *out_score) {
    if (!r || !features || !out_score || count != BW_FEATURE_COUNT) return BW_EINVAL;
    for (size_t i = 0; i < count; i++)
        if (isnan(features[i])) return BW_EINVAL;
    *out_score = bw_ranker_eval(r, features);
    return 0;
}

typedef struct scored {
    double score;
    size_t index;
} scored;

static int cmp_scored(const void *a, const void *b) {
    const scored *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

BW_HIDDEN int bw_rank_order(const double *scores, size_t n, size_t *order) {
    scored *s = malloc((n ? n : 1) * sizeof *s);
    if (!s) return BW_ENOMEM;
    for (size_t i = 0; i < n; i++) s[i] = (scored){scores[i], i};
    qsort(s, n, sizeof *s, cmp_scored);
    for (size_t i = 0; i < n; i++) order[i] = s[i].index;
    free(s);
    return 0;
}
