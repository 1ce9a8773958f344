/* openloop.c - a fixed-rate (open-loop) HTTP/1.1 load generator for
 * Tests/server/bench.sh: p99 at a given request rate, the measurement wrk2
 * makes (wrk2 is not in Debian; wrk only offers closed loops, whose
 * latencies hide the queueing a slow server causes).
 *
 *   openloop HOST PORT PATH RATE SECONDS CONNECTIONS BODIES
 *
 * Sends POST PATH with the lines of the file BODIES in turn (JSON, one per
 * line) at RATE requests per second for SECONDS, on CONNECTIONS keep-alive
 * connections (one request in flight on each). Request i is due at
 * start + i / RATE; when no connection is free it waits, and its latency is
 * counted from when it was due, not from when it could be sent, so that a
 * server falling behind shows in the percentiles (no coordinated omission).
 * No request is sent after SECONDS (those still due are counted as due, not
 * sent): a RATE above what the server answers measures its maximum with
 * CONNECTIONS clients in a closed loop (achieved_rate).
 * Prints one JSON object: due, sent, answered, non_2xx, errors, the rate
 * achieved, and latency percentiles in ms (from due: p50 ... max; from
 * sending: service_p50, service_p99).
 *
 * Build: cc -O2 -o openloop Tests/server/openloop.c */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

typedef struct {
    int fd;
    int busy;
    double due, sent; /* of the request in flight */
    char *out;        /* request bytes not written yet */
    size_t outlen;
    char in[65536]; /* response bytes so far */
    size_t inlen;
} conn;

static struct sockaddr_in addr;
static int ep;

static int connect_to(conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) != 0 && errno != EINPROGRESS) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    c->busy = 0;
    c->inlen = 0;
    return 0;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double pct(const double *v, size_t n, double q) {
    if (n == 0) return 0;
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

/* Writes what is pending; 0, or -1 on a dead connection. */
static int flush_out(conn *c) {
    while (c->outlen) {
        ssize_t w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN ? 0 : -1;
        c->out += w;
        c->outlen -= (size_t)w;
    }
    return 0;
}

/* Length of a complete response in c->in, 0 while incomplete; sets *status. */
static size_t complete(conn *c, int *status) {
    c->in[c->inlen < sizeof c->in ? c->inlen : sizeof c->in - 1] = 0;
    char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->in) + 4, body = 0;
    *status = atoi(c->in + 9);
    char *cl = strcasestr(c->in, "\r\ncontent-length:");
    if (cl && cl < end) body = strtoul(cl + 17, NULL, 10);
    return c->inlen >= head + body ? head + body : 0;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: openloop HOST PORT PATH RATE SECONDS CONNECTIONS BODIES\n");
        return 2;
    }
    const char *host = argv[1], *path = argv[3];
    const double rate = atof(argv[4]), secs = atof(argv[5]);
    const int nconn = atoi(argv[6]);
    if (rate <= 0 || secs <= 0 || nconn < 1) {
        fprintf(stderr, "openloop: RATE, SECONDS and CONNECTIONS must be positive\n");
        return 2;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "openloop: HOST must be an IPv4 address, not %s\n", host);
        return 2;
    }
    /* The requests, built once. */
    FILE *f = fopen(argv[7], "r");
    if (!f) {
        perror(argv[7]);
        return 1;
    }
    char **req = NULL;
    size_t *reqlen = NULL, nreq = 0;
    char line[65536];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        if (!n) continue;
        req = realloc(req, (nreq + 1) * sizeof *req);
        reqlen = realloc(reqlen, (nreq + 1) * sizeof *reqlen);
        size_t cap = n + 512;
        req[nreq] = malloc(cap);
        reqlen[nreq] = (size_t)snprintf(req[nreq], cap,
                                        "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                                        "Content-Length: %zu\r\n\r\n%s", path, host, n, line);
        nreq++;
    }
    fclose(f);
    if (!nreq) {
        fprintf(stderr, "openloop: no request bodies in %s\n", argv[7]);
        return 1;
    }
    ep = epoll_create1(EPOLL_CLOEXEC);
    conn *cs = calloc((size_t)nconn, sizeof *cs);
    for (int i = 0; i < nconn; i++) {
        if (connect_to(&cs[i]) != 0) {
            perror("connect");
            return 1;
        }
    }
    size_t total = (size_t)(rate * secs);
    if (total > 4000000) total = 4000000;
    double *lat = malloc((total + 1) * sizeof *lat), *svc = malloc((total + 1) * sizeof *svc);
    size_t next = 0, answered = 0, sent = 0, non2xx = 0, errors = 0;
    const double start = now() + 0.05;
    const double stop_waiting = start + secs + 10.0; /* stragglers get 10 s */
    struct epoll_event evs[256];
    size_t due_total = total;
    while (answered + errors < total && now() < stop_waiting) {
        double t = now();
        if (next < total && t > start + secs) {
            /* Time is up: what was not sent is not waited for. */
            due_total = (size_t)((t - start) * rate);
            if (due_total > total) due_total = total;
            total = next;
            if (answered + errors >= total) break;
        }
        /* Start every due request on a free connection; the others wait (and age). */
        for (int i = 0; i < nconn && next < total; i++) {
            conn *c = &cs[i];
            double due = start + (double)next / rate;
            if (due > t) break;
            if (c->busy || c->fd < 0) continue;
            c->busy = 1;
            c->due = due;
            c->sent = t;
            c->out = req[next % nreq];
            c->outlen = reqlen[next % nreq];
            c->inlen = 0;
            next++;
            sent++;
            if (flush_out(c) != 0) {
                errors++;
                close(c->fd);
                connect_to(c);
            }
            i = -1; /* rescan: more may be due */
            t = now();
        }
        double due = next < total ? start + (double)next / rate : t + 0.01;
        int wait_ms = (int)((due - now()) * 1000);
        int n = epoll_wait(ep, evs, 256, wait_ms < 0 ? 0 : wait_ms > 10 ? 10 : wait_ms);
        for (int k = 0; k < n; k++) {
            conn *c = evs[k].data.ptr;
            if (evs[k].events & EPOLLOUT && c->outlen && flush_out(c) != 0) goto dead;
            if (!(evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) continue;
            for (;;) {
                ssize_t r = recv(c->fd, c->in + c->inlen, sizeof c->in - 1 - c->inlen, 0);
                if (r > 0) {
                    c->inlen += (size_t)r;
                    int status = 0;
                    size_t len = complete(c, &status);
                    if (len && c->busy) {
                        double done = now();
                        lat[answered] = (done - c->due) * 1e3;
                        svc[answered] = (done - c->sent) * 1e3;
                        answered++;
                        if (status < 200 || status > 299) non2xx++;
                        c->busy = 0;
                        memmove(c->in, c->in + len, c->inlen - len);
                        c->inlen -= len;
                    }
                    if (c->inlen >= sizeof c->in - 1) goto dead;
                    continue;
                }
                if (r == 0) goto dead;
                if (errno == EAGAIN || errno == EWOULDBLOCK) break;
                goto dead;
            }
            continue;
        dead:
            if (c->busy) errors++;
            close(c->fd);
            connect_to(c);
        }
    }
    const double took = now() - start;
    qsort(lat, answered, sizeof *lat, cmp);
    qsort(svc, answered, sizeof *svc, cmp);
    printf("{\"rate\": %.1f, \"seconds\": %.1f, \"connections\": %d, \"due\": %zu, \"sent\": %zu, \"answered\": %zu, "
           "\"non_2xx\": %zu, \"errors\": %zu, \"achieved_rate\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, "
           "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f, \"service_p50_ms\": %.3f, \"service_p99_ms\": %.3f}\n",
           rate, secs, nconn, due_total, sent, answered, non2xx, errors, (double)answered / (took < secs ? secs : took),
           pct(lat, answered, 0.5), pct(lat, answered, 0.9), pct(lat, answered, 0.99), pct(lat, answered, 0.999),
           answered ? lat[answered - 1] : 0, pct(svc, answered, 0.5), pct(svc, answered, 0.99));
    return 0;
}
