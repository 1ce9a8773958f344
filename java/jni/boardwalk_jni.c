/* boardwalk_jni.c - the JNI glue of the Java binding (org.boardwalk.Native),
 * over the public C ABI only (boardwalk.h).
 *
 * Rules: one native call per operation (a query is built, run, copied into
 * primitive arrays and freed in one call: nothing per step crosses JNI);
 * every JNI call that can fail is checked (NULL return, pending exception)
 * and a failure returns at once with the Java exception pending; every
 * allocation is checked; no libboardwalk rule is repeated here (its setters
 * refuse values, bw_query_errmsg says why). Handles arrive as jlong and are
 * kept alive by the Java side's reference count (NativeRef), so a handle
 * passed here is never freed during the call. Failures become Java
 * exceptions made by Native.exception / Native.unknownNode, so the class per
 * code is chosen in Java. */
#include <jni.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <boardwalk.h>

#include "org_boardwalk_Native.h" /* javac -h: the compiler checks every signature */

#define MSG_CAP 512

static jclass native_class;       /* org.boardwalk.Native (global ref) */
static jmethodID exception_mid;   /* static Throwable exception(int, String) */
static jmethodID unknown_mid;     /* static Throwable unknownNode(int, int, long) */
static jclass results_class;      /* org.boardwalk.Recommendations (global ref) */
static jmethodID results_ctor;

static inline void *ptr(jlong h) { return (void *)(intptr_t)h; }
static inline jlong handle(const void *p) { return (jlong)(intptr_t)p; }

/* Throws the BoardwalkException for `code` (detail may be NULL). */
static void throw_bw(JNIEnv *env, int code, const char *detail) {
    if ((*env)->ExceptionCheck(env)) return;
    jstring d = NULL;
    if (detail && *detail) {
        d = (*env)->NewStringUTF(env, detail);
        if (!d) return; /* OutOfMemoryError pending */
    }
    jobject t = (*env)->CallStaticObjectMethod(env, native_class, exception_mid, (jint)code, d);
    if ((*env)->ExceptionCheck(env)) return;
    if (t) (*env)->Throw(env, (jthrowable)t);
}

static void throw_unknown(JNIEnv *env, int code, int kind, uint64_t id) {
    if ((*env)->ExceptionCheck(env)) return;
    jobject t = (*env)->CallStaticObjectMethod(env, native_class, unknown_mid, (jint)code, (jint)kind, (jlong)id);
    if ((*env)->ExceptionCheck(env)) return;
    if (t) (*env)->Throw(env, (jthrowable)t);
}

/* A NUL-terminated byte[] from Java (Native.cPath / cString) as a C string:
 * a malloc'd copy, or NULL with an exception pending. */
static char *c_string(JNIEnv *env, jbyteArray a) {
    if (!a) {
        throw_bw(env, BW_EINVAL, "null string");
        return NULL;
    }
    jsize n = (*env)->GetArrayLength(env, a);
    char *s = malloc((size_t)n + 1);
    if (!s) {
        throw_bw(env, BW_ENOMEM, NULL);
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)s);
    if ((*env)->ExceptionCheck(env)) {
        free(s);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

/* A file that did not open: what bw_graph_open_ex said, with the path in
 * front unless the message already names it. */
static void throw_open(JNIEnv *env, int code, const char *path, const char *msg) {
    if (msg[0] && strstr(msg, path)) {
        throw_bw(env, code, msg);
        return;
    }
    char detail[MSG_CAP + 1024];
    snprintf(detail, sizeof detail, "%.1000s%s%s", path, msg[0] ? ": " : "", msg);
    throw_bw(env, code, detail);
}

static jclass global_class(JNIEnv *env, const char *name) {
    jclass local = (*env)->FindClass(env, name);
    if (!local) return NULL;
    jclass g = (*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return g;
}

JNIEXPORT jint JNICALL Java_org_boardwalk_Native_nInit(JNIEnv *env, jclass cls) {
    if (!native_class) {
        native_class = (*env)->NewGlobalRef(env, cls);
        if (!native_class) return -1;
    }
    exception_mid = (*env)->GetStaticMethodID(env, cls, "exception", "(ILjava/lang/String;)Ljava/lang/Throwable;");
    if (!exception_mid) return -1;
    unknown_mid = (*env)->GetStaticMethodID(env, cls, "unknownNode", "(IIJ)Ljava/lang/Throwable;");
    if (!unknown_mid) return -1;
    if (!results_class) {
        results_class = global_class(env, "org/boardwalk/Recommendations");
        if (!results_class) return -1;
    }
    results_ctor = (*env)->GetMethodID(env, results_class, "<init>", "([J[D[J[BZJJ[J[B)V");
    if (!results_ctor) return -1;
    uint32_t major = bw_libversion_number() / 1000000u;
    return major == BW_VERSION_MAJOR ? 0 : (jint)(major ? major : 1000);
}

JNIEXPORT jstring JNICALL Java_org_boardwalk_Native_nStrerror(JNIEnv *env, jclass cls, jint code) {
    (void)cls;
    return (*env)->NewStringUTF(env, bw_strerror(code));
}

JNIEXPORT jstring JNICALL Java_org_boardwalk_Native_nVersion(JNIEnv *env, jclass cls) {
    (void)cls;
    return (*env)->NewStringUTF(env, bw_libversion());
}

/* ---- graphs --------------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_org_boardwalk_Native_nOpen(JNIEnv *env, jclass cls, jbyteArray path, jint flags) {
    (void)cls;
    char *p = c_string(env, path);
    if (!p) return 0;
    char msg[MSG_CAP] = "";
    bw_graph *g = NULL;
    int rc = bw_graph_open_ex(p, (uint32_t)flags, &g, msg, sizeof msg);
    if (rc != 0) throw_open(env, rc, p, msg);
    free(p);
    if (rc != 0) return 0;
    return handle(g);
}

JNIEXPORT void JNICALL Java_org_boardwalk_Native_nClose(JNIEnv *env, jclass cls, jlong graph) {
    (void)env, (void)cls;
    bw_graph_close(ptr(graph));
}

#define N_STATS 18

JNIEXPORT jlongArray JNICALL Java_org_boardwalk_Native_nStats(JNIEnv *env, jclass cls, jlong graph) {
    (void)cls;
    jlong v[N_STATS + 1];
    memset(v, 0, sizeof v);
    for (int i = 1; i <= N_STATS; i++) {
        uint64_t x = 0;
        int rc = bw_graph_stat(ptr(graph), i, &x);
        if (rc == 0) {
            v[i] = (jlong)x;
            v[0] |= (jlong)1 << i;
        } else if (rc != BW_ENODATA) {
            throw_bw(env, rc, "bw_graph_stat");
            return NULL;
        }
    }
    jlongArray out = (*env)->NewLongArray(env, N_STATS + 1);
    if (!out) return NULL;
    (*env)->SetLongArrayRegion(env, out, 0, N_STATS + 1, v);
    return out;
}

JNIEXPORT jbyteArray JNICALL Java_org_boardwalk_Native_nTitle(JNIEnv *env, jclass cls, jlong graph, jint kind,
                                                              jlong id) {
    (void)cls;
    const char *t = NULL;
    size_t n = 0;
    int rc = bw_graph_node_title(ptr(graph), kind, (uint64_t)id, &t, &n);
    if (rc == BW_ENODATA) return NULL;
    if (rc == BW_ENOTFOUND) {
        throw_unknown(env, rc, kind, (uint64_t)id);
        return NULL;
    }
    if (rc != 0) {
        throw_bw(env, rc, "bw_graph_node_title");
        return NULL;
    }
    if (n > (size_t)INT32_MAX) {
        throw_bw(env, BW_ELIMIT, "title longer than a Java array");
        return NULL;
    }
    jbyteArray out = (*env)->NewByteArray(env, (jsize)n);
    if (!out) return NULL;
    if (n) (*env)->SetByteArrayRegion(env, out, 0, (jsize)n, (const jbyte *)t);
    return out;
}

/* ---- queries -------------------------------------------------------------- */

/* Layout of ints / reals and the bits of ints[0]: Query.java. */
enum { I_MASK, I_STEPS, I_TOP, I_SEED, I_EARLY, I_NP, I_NV, I_BOOST, I_METHOD, I_BOARDS, I_LENIENT, N_INTS };
enum { R_RESTART, R_PENALTY, R_BIAS, R_EXPONENT, R_BUDGET, N_REALS };
enum {
    S_STEPS = 1, S_TOP = 1 << 1, S_SEED = 1 << 2, S_EARLY = 1 << 3, S_BOOST = 1 << 4, S_METHOD = 1 << 5,
    S_BOARDS = 1 << 6, S_LENIENT = 1 << 7, S_RESTART = 1 << 8, S_PENALTY = 1 << 9, S_BIAS = 1 << 10,
    S_EXPONENT = 1 << 11, S_BUDGET = 1 << 12
};

/* Adds ids (with weights, or none) through `add`. Returns 0, or the code of
 * the first refusal (the query's errmsg says why); -1 with a Java exception
 * pending when the arrays could not be read. */
typedef int (*add_weighted_fn)(bw_query *, uint64_t, double);
typedef int (*add_fn)(bw_query *, uint64_t);

static int add_ids(JNIEnv *env, bw_query *q, jlongArray ids, jdoubleArray weights, add_weighted_fn addw, add_fn add) {
    if (!ids) {
        throw_bw(env, BW_EINVAL, "null id array");
        return -1;
    }
    jsize n = (*env)->GetArrayLength(env, ids);
    if (n == 0) return 0;
    if (weights && (*env)->GetArrayLength(env, weights) != n) {
        throw_bw(env, BW_EINVAL, "ids and weights differ in length");
        return -1;
    }
    /* Critical regions: no JNI call until they are released; C calls only. */
    jlong *id = (*env)->GetPrimitiveArrayCritical(env, ids, NULL);
    if (!id) {
        if (!(*env)->ExceptionCheck(env)) throw_bw(env, BW_ENOMEM, NULL);
        return -1;
    }
    jdouble *w = NULL;
    if (weights) {
        w = (*env)->GetPrimitiveArrayCritical(env, weights, NULL);
        if (!w) {
            (*env)->ReleasePrimitiveArrayCritical(env, ids, id, JNI_ABORT);
            if (!(*env)->ExceptionCheck(env)) throw_bw(env, BW_ENOMEM, NULL);
            return -1;
        }
    }
    int rc = 0;
    for (jsize i = 0; i < n && rc == 0; i++) rc = w ? addw(q, (uint64_t)id[i], w[i]) : add(q, (uint64_t)id[i]);
    if (w) (*env)->ReleasePrimitiveArrayCritical(env, weights, w, JNI_ABORT);
    (*env)->ReleasePrimitiveArrayCritical(env, ids, id, JNI_ABORT);
    return rc;
}

/* Attribute code of a name: 0, or a code with an exception thrown (-1). */
static int attribute(JNIEnv *env, const bw_graph *g, int which, jbyteArray name, uint32_t *out) {
    *out = BW_ATTR_ANY;
    if (!name) return 0;
    char *s = c_string(env, name);
    if (!s) return -1;
    if (!g) { /* checking parameters only: any valid code stands in for the name */
        free(s);
        *out = 0;
        return 0;
    }
    int rc = bw_graph_attribute_code(g, which, s, out);
    if (rc != 0) {
        char detail[300];
        snprintf(detail, sizeof detail, "%s '%.200s' is not in the graph's attributes",
                 which == BW_ATTR_LANGUAGE ? "language" : "topic", s);
        throw_bw(env, rc, rc == BW_ENODATA ? "the graph has no attributes" : detail);
        free(s);
        return -1;
    }
    free(s);
    return 0;
}

/* The first query id of `ids` not in the graph (strict mode's BW_ENOTFOUND). */
static int first_unknown(JNIEnv *env, const bw_graph *g, jlongArray ids, int kind, uint64_t *out) {
    jsize n = ids ? (*env)->GetArrayLength(env, ids) : 0;
    for (jsize i = 0; i < n; i++) {
        jlong id;
        (*env)->GetLongArrayRegion(env, ids, i, 1, &id);
        if ((*env)->ExceptionCheck(env)) return -1;
        uint32_t index;
        if (bw_graph_node_index(g, kind, (uint64_t)id, &index) == BW_ENOTFOUND) {
            *out = (uint64_t)id;
            return 1;
        }
    }
    return 0;
}

/* Copies results into a new Recommendations, or NULL with an exception pending. */
static jobject make_results(JNIEnv *env, const bw_results *r) {
    size_t count = bw_results_count(r), unknown = bw_results_unknown_count(r);
    if (count > (size_t)INT32_MAX || unknown > (size_t)INT32_MAX) {
        throw_bw(env, BW_ELIMIT, "more results than a Java array holds");
        return NULL;
    }
    jsize n = (jsize)count, u = (jsize)unknown;
    jobject out = NULL;
    jlongArray ids = (*env)->NewLongArray(env, n);
    jdoubleArray scores = ids ? (*env)->NewDoubleArray(env, n) : NULL;
    jlongArray visits = scores ? (*env)->NewLongArray(env, n) : NULL;
    jbyteArray kinds = visits ? (*env)->NewByteArray(env, n) : NULL;
    jlongArray uids = kinds ? (*env)->NewLongArray(env, u) : NULL;
    jbyteArray ukinds = uids ? (*env)->NewByteArray(env, u) : NULL;
    if (!ukinds) goto done; /* OutOfMemoryError pending */
    int rc = 0;
    if (n > 0) {
        jlong *pi = (*env)->GetPrimitiveArrayCritical(env, ids, NULL);
        jdouble *ps = pi ? (*env)->GetPrimitiveArrayCritical(env, scores, NULL) : NULL;
        jlong *pv = ps ? (*env)->GetPrimitiveArrayCritical(env, visits, NULL) : NULL;
        jbyte *pk = pv ? (*env)->GetPrimitiveArrayCritical(env, kinds, NULL) : NULL;
        if (pk) {
            for (size_t i = 0; i < count && rc == 0; i++) {
                uint64_t id = 0, v = 0;
                double s = 0;
                int k = BW_PIN;
                rc = bw_results_get(r, i, &id, &s, &v);
                if (rc == 0) rc = bw_results_kind(r, i, &k);
                pi[i] = (jlong)id;
                ps[i] = s;
                pv[i] = (jlong)v;
                pk[i] = (jbyte)k;
            }
        } else {
            rc = BW_ENOMEM;
        }
        if (pk) (*env)->ReleasePrimitiveArrayCritical(env, kinds, pk, 0);
        if (pv) (*env)->ReleasePrimitiveArrayCritical(env, visits, pv, 0);
        if (ps) (*env)->ReleasePrimitiveArrayCritical(env, scores, ps, 0);
        if (pi) (*env)->ReleasePrimitiveArrayCritical(env, ids, pi, 0);
        if (rc != 0) {
            throw_bw(env, rc, "reading the results");
            goto done;
        }
    }
    for (jsize i = 0; i < u; i++) {
        int k = BW_PIN;
        uint64_t id = 0;
        rc = bw_results_unknown(r, (size_t)i, &k, &id);
        if (rc != 0) {
            throw_bw(env, rc, "reading the unknown ids");
            goto done;
        }
        jlong jid = (jlong)id;
        jbyte jk = (jbyte)k;
        (*env)->SetLongArrayRegion(env, uids, i, 1, &jid);
        (*env)->SetByteArrayRegion(env, ukinds, i, 1, &jk);
    }
    out = (*env)->NewObject(env, results_class, results_ctor, ids, scores, visits, kinds,
                            (jboolean)(bw_results_partial(r) ? JNI_TRUE : JNI_FALSE), (jlong)bw_results_steps(r),
                            (jlong)bw_results_elapsed_us(r), uids, ukinds);
done:
    return out;
}

JNIEXPORT jobject JNICALL Java_org_boardwalk_Native_nRun(JNIEnv *env, jclass cls, jlong graph, jlong live, jint op,
                                                         jlongArray pins, jdoubleArray pin_weights, jlongArray boards,
                                                         jdoubleArray board_weights, jlongArray exclude,
                                                         jlongArray candidates, jlongArray ints_a,
                                                         jdoubleArray reals_a, jbyteArray language,
                                                         jbyteArray topic) {
    (void)cls;
    if (!ints_a || !reals_a || (*env)->GetArrayLength(env, ints_a) != N_INTS ||
        (*env)->GetArrayLength(env, reals_a) != N_REALS) {
        throw_bw(env, BW_EINVAL, "parameter arrays");
        return NULL;
    }
    jlong iv[N_INTS];
    jdouble rv[N_REALS];
    (*env)->GetLongArrayRegion(env, ints_a, 0, N_INTS, iv);
    (*env)->GetDoubleArrayRegion(env, reals_a, 0, N_REALS, rv);
    if ((*env)->ExceptionCheck(env)) return NULL;
    const jlong mask = iv[I_MASK];

    bw_graph *g = ptr(graph);
    bw_live *lv = ptr(live);
    int acquired = 0;
    if (op != 0 && !g) {
        int rc = bw_live_acquire(lv, &g);
        if (rc != 0) {
            throw_bw(env, rc, "bw_live_acquire");
            return NULL;
        }
        acquired = 1;
    }
    bw_query *q = NULL;
    bw_results *r = NULL;
    jobject out = NULL;
    int rc = bw_query_new(&q);
    if (rc != 0) {
        throw_bw(env, rc, "bw_query_new");
        goto done;
    }
    /* The setters, in the order of the C tool (method before bias). */
#define SET(bit, call)                   \
    if (rc == 0 && (mask & (bit))) rc = call
    SET(S_STEPS, bw_query_set_steps(q, (uint64_t)iv[I_STEPS]));
    SET(S_RESTART, bw_query_set_restart(q, rv[R_RESTART]));
    SET(S_TOP, bw_query_set_top(q, (uint32_t)iv[I_TOP]));
    SET(S_SEED, bw_query_set_seed(q, (uint64_t)iv[I_SEED]));
    SET(S_EARLY, bw_query_set_early_stop(q, iv[I_EARLY] != 0, (uint32_t)iv[I_NP], (uint32_t)iv[I_NV]));
    SET(S_BOOST, bw_query_set_boost(q, iv[I_BOOST] != 0));
    SET(S_PENALTY, bw_query_set_popularity_penalty(q, rv[R_PENALTY]));
    SET(S_METHOD, bw_query_set_method(q, (int)iv[I_METHOD]));
    SET(S_EXPONENT, bw_query_set_exponent(q, rv[R_EXPONENT]));
    SET(S_BUDGET, bw_query_set_time_budget_ms(q, rv[R_BUDGET]));
    SET(S_BOARDS, bw_query_set_include_boards(q, iv[I_BOARDS] != 0));
    SET(S_LENIENT, bw_query_set_lenient(q, iv[I_LENIENT] != 0));
#undef SET
    if (rc == 0 && (language || topic || (mask & S_BIAS))) {
        uint32_t l, t;
        if (attribute(env, g, BW_ATTR_LANGUAGE, language, &l) || attribute(env, g, BW_ATTR_TOPIC, topic, &t)) goto done;
        rc = (mask & S_BIAS) ? bw_query_set_bias(q, rv[R_BIAS], l, t) : bw_query_set_preference(q, l, t);
    }
    if (rc == 0) rc = add_ids(env, q, pins, pin_weights, bw_query_add_pin, NULL);
    if (rc == 0) rc = add_ids(env, q, boards, board_weights, bw_query_add_board, NULL);
    if (rc == 0) rc = add_ids(env, q, exclude, NULL, NULL, bw_query_exclude_pin);
    if (rc == 0) rc = add_ids(env, q, candidates, NULL, NULL, bw_query_add_candidate);
    if (rc == -1) goto done; /* exception pending */
    if (rc != 0) {
        throw_bw(env, rc, bw_query_errmsg(q));
        goto done;
    }
    if (op == 0) goto done; /* parameters checked */
    /* A live graph walks its base plus its live edges. */
    if (lv)
        rc = op == 2 ? bw_live_score(lv, q, &r) : bw_live_recommend(lv, q, &r);
    else
        rc = op == 2 ? bw_score(g, q, &r) : bw_recommend(g, q, &r);
    if (rc == BW_ENOTFOUND && lv) {
        /* Which id is unknown is the union's business (a live pin is known, a
         * removed one not): ask the C library, in lenient mode and one step. */
        bw_results *u = NULL;
        if (bw_query_set_lenient(q, 1) == 0 && bw_query_set_steps(q, 1) == 0 &&
            (op == 2 ? bw_live_score(lv, q, &u) : bw_live_recommend(lv, q, &u)) == 0 && bw_results_unknown_count(u) > 0) {
            int k = BW_PIN;
            uint64_t id = 0;
            bw_results_unknown(u, 0, &k, &id);
            bw_results_free(u);
            throw_unknown(env, rc, k, id);
            goto done;
        }
        bw_results_free(u);
    }
    if (rc == BW_ENOTFOUND) {
        uint64_t id = 0;
        int f = first_unknown(env, g, pins, BW_PIN, &id);
        if (f == 1) {
            throw_unknown(env, rc, BW_PIN, id);
            goto done;
        }
        if (f == 0) f = first_unknown(env, g, boards, BW_BOARD, &id);
        if (f == 1) {
            throw_unknown(env, rc, BW_BOARD, id);
            goto done;
        }
        if (f < 0) goto done;
    }
    if (rc != 0) {
        throw_bw(env, rc, NULL);
        goto done;
    }
    out = make_results(env, r);
done:
    bw_results_free(r);
    bw_query_free(q);
    if (acquired) bw_graph_close(g);
    return out;
}

/* ---- live graphs ---------------------------------------------------------- */

JNIEXPORT jlong JNICALL Java_org_boardwalk_Native_nLiveOpen(JNIEnv *env, jclass cls, jbyteArray path, jint flags) {
    (void)cls;
    char *p = c_string(env, path);
    if (!p) return 0;
    char msg[MSG_CAP] = "";
    bw_live *l = NULL;
    int rc = bw_live_open(p, (uint32_t)flags, &l, msg, sizeof msg);
    if (rc != 0) throw_open(env, rc, p, msg);
    free(p);
    if (rc != 0) return 0;
    return handle(l);
}

JNIEXPORT void JNICALL Java_org_boardwalk_Native_nLiveSwap(JNIEnv *env, jclass cls, jlong live, jbyteArray path,
                                                           jint flags) {
    (void)cls;
    char *p = c_string(env, path);
    if (!p) return;
    char msg[MSG_CAP] = "";
    int rc = bw_live_swap(ptr(live), p, (uint32_t)flags, msg, sizeof msg);
    if (rc != 0) throw_open(env, rc, p, msg);
    free(p);
}

JNIEXPORT jlong JNICALL Java_org_boardwalk_Native_nLiveGeneration(JNIEnv *env, jclass cls, jlong live) {
    (void)env, (void)cls;
    return (jlong)bw_live_generation(ptr(live));
}

JNIEXPORT jlong JNICALL Java_org_boardwalk_Native_nLiveAcquire(JNIEnv *env, jclass cls, jlong live) {
    (void)cls;
    bw_graph *g = NULL;
    int rc = bw_live_acquire(ptr(live), &g);
    if (rc != 0) {
        throw_bw(env, rc, "bw_live_acquire");
        return 0;
    }
    return handle(g);
}

JNIEXPORT void JNICALL Java_org_boardwalk_Native_nLiveClose(JNIEnv *env, jclass cls, jlong live) {
    (void)env, (void)cls;
    bw_live_close(ptr(live));
}

/* ---- live edges ------------------------------------------------------------ */

/* A Java long[] as a malloc'd uint64_t copy (never a critical region: an add
 * may wait for the writer mutex, and the GC must not wait with it). NULL with
 * an exception pending on failure; *out_ok says whether the array was read. */
static uint64_t *copy_ids(JNIEnv *env, jlongArray a, jsize n, int *out_ok) {
    *out_ok = 0;
    uint64_t *p = malloc((size_t)(n ? n : 1) * sizeof *p);
    if (!p) {
        throw_bw(env, BW_ENOMEM, NULL);
        return NULL;
    }
    if (n) (*env)->GetLongArrayRegion(env, a, 0, n, (jlong *)p);
    if ((*env)->ExceptionCheck(env)) {
        free(p);
        return NULL;
    }
    *out_ok = 1;
    return p;
}

/* The arrays' common length, or -1 with InvalidArgumentException pending.
 * Java checked them for null; `times` may be null. */
static jsize edge_count(JNIEnv *env, jlongArray pins, jlongArray boards, jlongArray times) {
    if (!pins || !boards) {
        throw_bw(env, BW_EINVAL, "null id array");
        return -1;
    }
    jsize n = (*env)->GetArrayLength(env, pins), nb = (*env)->GetArrayLength(env, boards);
    jsize nt = times ? (*env)->GetArrayLength(env, times) : n;
    if (nb != n || nt != n) {
        char detail[160];
        if (times)
            snprintf(detail, sizeof detail, "pins, boards and times differ in length (%ld, %ld, %ld)", (long)n,
                     (long)nb, (long)nt);
        else
            snprintf(detail, sizeof detail, "pins and boards differ in length (%ld, %ld)", (long)n, (long)nb);
        throw_bw(env, BW_EINVAL, detail);
        return -1;
    }
    return n;
}

static jlongArray long_array(JNIEnv *env, const jlong *v, jsize n) {
    jlongArray out = (*env)->NewLongArray(env, n);
    if (out) (*env)->SetLongArrayRegion(env, out, 0, n, v);
    return out;
}

JNIEXPORT jlongArray JNICALL Java_org_boardwalk_Native_nLiveAddEdges(JNIEnv *env, jclass cls, jlong live,
                                                                     jlongArray pins, jlongArray boards,
                                                                     jlongArray times) {
    (void)cls;
    jsize n = edge_count(env, pins, boards, times);
    if (n < 0) return NULL;
    int ok_p, ok_b, ok_t = 1;
    uint64_t *p = copy_ids(env, pins, n, &ok_p);
    uint64_t *b = ok_p ? copy_ids(env, boards, n, &ok_b) : NULL;
    uint64_t *t = NULL;
    if (ok_p && ok_b && times) t = copy_ids(env, times, n, &ok_t);
    jlongArray out = NULL;
    if (ok_p && ok_b && ok_t) {
        uint64_t added = 0, dup = 0, refused = 0;
        int rc = bw_live_add_edges(ptr(live), p, b, t, (size_t)n, &added, &dup, &refused);
        if (rc != 0) {
            char detail[320];
            if (rc == BW_ELIMIT)
                snprintf(detail, sizeof detail, "bw_live_add_edges: %ld edges in one call are more than the cap on live edges "
                         "(setMaxEdges), or the graph is at its limit of pins or boards; %llu were added before", (long)n,
                         (unsigned long long)added);
            else
                snprintf(detail, sizeof detail, "bw_live_add_edges: the edges before the failure stay added "
                         "(%llu added, %llu duplicates, %llu refused)", (unsigned long long)added,
                         (unsigned long long)dup, (unsigned long long)refused);
            throw_bw(env, rc, detail);
        } else {
            const jlong v[3] = {(jlong)added, (jlong)dup, (jlong)refused};
            out = long_array(env, v, 3);
        }
    }
    free(p), free(b), free(t);
    return out;
}

JNIEXPORT jlongArray JNICALL Java_org_boardwalk_Native_nLiveRemoveEdges(JNIEnv *env, jclass cls, jlong live,
                                                                        jlongArray pins, jlongArray boards) {
    (void)cls;
    jsize n = edge_count(env, pins, boards, NULL);
    if (n < 0) return NULL;
    int ok_p, ok_b = 0;
    uint64_t *p = copy_ids(env, pins, n, &ok_p);
    uint64_t *b = ok_p ? copy_ids(env, boards, n, &ok_b) : NULL;
    jlongArray out = NULL;
    if (ok_p && ok_b) {
        uint64_t removed = 0, missing = 0;
        int rc = bw_live_remove_edges(ptr(live), p, b, (size_t)n, &removed, &missing);
        if (rc != 0) {
            char detail[160];
            snprintf(detail, sizeof detail, "bw_live_remove_edges: the edges before the failure stay removed (%llu)",
                     (unsigned long long)removed);
            throw_bw(env, rc, detail);
        } else {
            const jlong v[2] = {(jlong)removed, (jlong)missing};
            out = long_array(env, v, 2);
        }
    }
    free(p), free(b);
    return out;
}

JNIEXPORT void JNICALL Java_org_boardwalk_Native_nLiveHide(JNIEnv *env, jclass cls, jlong live, jint kind, jlong id) {
    (void)cls;
    int rc = bw_live_hide(ptr(live), kind, (uint64_t)id);
    if (rc != 0) throw_bw(env, rc, "bw_live_hide");
}

JNIEXPORT void JNICALL Java_org_boardwalk_Native_nLiveSetMaxEdges(JNIEnv *env, jclass cls, jlong live, jlong max) {
    (void)cls;
    int rc = bw_live_set_max_edges(ptr(live), (uint64_t)max);
    if (rc == 0) return;
    char detail[200];
    if (rc == BW_EINVAL)
        snprintf(detail, sizeof detail, "the cap on live edges must be in %llu ... %llu, not %llu",
                 (unsigned long long)BW_LIVE_MIN_MAX_EDGES, (unsigned long long)BW_LIVE_MAX_MAX_EDGES,
                 (unsigned long long)(uint64_t)max);
    else if (rc == BW_ELIMIT)
        snprintf(detail, sizeof detail, "the cap %llu is below the live edges held", (unsigned long long)(uint64_t)max);
    else
        snprintf(detail, sizeof detail, "bw_live_set_max_edges");
    throw_bw(env, rc, detail);
}

#define N_LIVE_STATS 9 /* BW_LIVE_STAT_EDGES (1) ... BW_LIVE_STAT_SEGMENTS (9) */

JNIEXPORT jlongArray JNICALL Java_org_boardwalk_Native_nLiveStats(JNIEnv *env, jclass cls, jlong live) {
    (void)cls;
    jlong v[N_LIVE_STATS];
    for (int i = 0; i < N_LIVE_STATS; i++) {
        uint64_t x = 0;
        int rc = bw_live_stat(ptr(live), i + 1, &x);
        if (rc != 0) {
            throw_bw(env, rc, "bw_live_stat");
            return NULL;
        }
        v[i] = (jlong)x;
    }
    return long_array(env, v, N_LIVE_STATS);
}
