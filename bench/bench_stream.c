/* bench_stream: stream throughput and wake latency against baselines measured in the same run.
 *
 *   bench_stream                      run the benchmark (prints figures, asserts nothing)
 *   bench_stream --feed NAME SECONDS [HZ]
 *                                     publish frames on stream NAME at HZ (default 1000) for
 *                                     SECONDS; creates NAME (f4, 64 elements) if it is missing
 *
 * 1. Round trip throughput: shmhub_stream_write + shmhub_stream_read_latest of one frame, against
 *    two plain memcpy's of the same size (source -> ring-sized buffer -> destination).
 * 2. Wake latency: two processes ping-pong over two streams (reader blocked in
 *    shmhub_stream_read_next), futex and spin wait modes, against a raw futex ping-pong and a raw
 *    spin ping-pong on two words in a MAP_SHARED anonymous mapping. One-way latency = RTT / 2.
 *
 * Uses only the public header. Segments live in SHMHUB_DIR when set (as for every shmhub tool). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <shmhub.h>

#include "bench_common.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUND_TRIPS 20000
#define REPS 5

static void die(const char *what)
{
    fprintf(stderr, "bench_stream: %s: %s\n", what, shmhub_last_error());
    exit(1);
}

/* Keeps the compiler from dropping copies into memory it never sees read. */
static void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* ---- 1. publish + read_latest throughput ------------------------------------------------------ */

typedef struct size_case {
    const char *label;
    uint32_t ndim;
    uint64_t shape[2];
} size_case;

static void bench_throughput(const char *prefix)
{
    static const size_case cases[] = {
        {"64 B", 1, {16, 0}},
        {"4 KiB", 1, {1024, 0}},
        {"1 MiB", 1, {262144, 0}},
        {"4 MB (1000x1000 f4)", 2, {1000, 1000}},
    };
    printf("publish + read_latest round trip (median of %d runs; baseline: 2 memcpy of the same size)\n",
           REPS);
    printf("%-22s %10s %12s %10s %12s %12s %8s\n", "frame", "iters", "stream ns", "GB/s",
           "memcpy ns", "memcpy GB/s", "ratio");
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char name[SHMHUB_MAX_NAME];
        snprintf(name, sizeof name, "%s-tp%zu", prefix, c);
        shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
        shmhub_stream *s;
        if (shmhub_stream_create(name, SHMHUB_DTYPE_FLOAT32, cases[c].ndim, cases[c].shape, &o, &s) !=
            SHMHUB_OK)
            die("create");
        size_t n = (size_t)shmhub_stream_frame_nbytes(s);
        uint32_t slots = shmhub_stream_slots(s);
        unsigned char *src = malloc(n), *dst = malloc(n), *mid = malloc(n * slots);
        if (!src || !dst || !mid) {
            fputs("bench_stream: out of memory\n", stderr);
            exit(1);
        }
        memset(src, 0x5a, n);
        memset(dst, 0, n);
        memset(mid, 0, n * slots);
        size_t iters = (size_t)(256u << 20) / n;
        if (iters < 64)
            iters = 64;
        if (iters > 200000)
            iters = 200000;
        double ts[REPS], tm[REPS];
        for (int r = 0; r < REPS; r++) {
            double t0 = bench_now();
            for (size_t i = 0; i < iters; i++) {
                if (shmhub_stream_write(s, src, n) != SHMHUB_OK ||
                    shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
                    die("write/read_latest");
                clobber(dst);
            }
            ts[r] = (bench_now() - t0) / (double)iters;
            t0 = bench_now();
            for (size_t i = 0; i < iters; i++) {
                unsigned char *slot = mid + (i % slots) * n;
                memcpy(slot, src, n);
                clobber(slot);
                memcpy(dst, slot, n);
                clobber(dst);
            }
            tm[r] = (bench_now() - t0) / (double)iters;
        }
        double s_ns = bench_median(ts, REPS) * 1e9, m_ns = bench_median(tm, REPS) * 1e9;
        /* GB/s counts the bytes moved: one frame in and one out per round trip. */
        printf("%-22s %10zu %12.1f %10.2f %12.1f %12.2f %8.2f\n", cases[c].label, iters, s_ns,
               2.0 * (double)n / s_ns, m_ns, 2.0 * (double)n / m_ns, s_ns / m_ns);
        shmhub_stream_close(s);
        shmhub_unlink(name);
        free(src);
        free(dst);
        free(mid);
    }
    printf("(ratio = stream ns / memcpy ns; GB/s counts 2 x frame bytes per round trip)\n\n");
}

/* ---- 2. wake latency ping-pong ---------------------------------------------------------------- */

typedef struct lat_result {
    double median_ns, p99_ns; /* one-way = RTT / 2 */
    int ok;
} lat_result;

static lat_result summarize(double *rtt, size_t n)
{
    lat_result r;
    qsort(rtt, n, sizeof *rtt, bench_cmp);
    r.median_ns = bench_median(rtt, n) / 2 * 1e9;
    size_t i99 = (size_t)((double)n * 0.99);
    if (i99 >= n)
        i99 = n - 1;
    r.p99_ns = rtt[i99] / 2 * 1e9;
    r.ok = 1;
    return r;
}

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define PP_TIMEOUT_NS INT64_C(5000000000)

/* Ping-pong over two streams: the parent writes "ping" frames on A and reads B; the child reads A
 * and echoes on B. Both block in shmhub_stream_read_next with the given wait mode. */
static lat_result pingpong_stream(const char *prefix, uint32_t wait_mode)
{
    lat_result bad = {0, 0, 0};
    char a_name[SHMHUB_MAX_NAME], b_name[SHMHUB_MAX_NAME];
    snprintf(a_name, sizeof a_name, "%s-ping", prefix);
    snprintf(b_name, sizeof b_name, "%s-pong", prefix);
    uint64_t shape[1] = {16};
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.wait_mode = wait_mode;
    shmhub_stream *a, *b;
    if (shmhub_stream_create(a_name, SHMHUB_DTYPE_UINT32, 1, shape, &o, &a) != SHMHUB_OK ||
        shmhub_stream_create(b_name, SHMHUB_DTYPE_UINT32, 1, shape, &o, &b) != SHMHUB_OK)
        die("create ping-pong streams");
    uint32_t frame[16] = {0};
    size_t n = sizeof frame;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        shmhub_stream *ca, *cb;
        if (shmhub_stream_open(a_name, &o, &ca) != SHMHUB_OK ||
            shmhub_stream_open(b_name, &o, &cb) != SHMHUB_OK)
            _exit(2);
        frame[0] = 0; /* ready */
        if (shmhub_stream_write(cb, frame, n) != SHMHUB_OK)
            _exit(3);
        for (int i = 1; i <= ROUND_TRIPS; i++) {
            if (shmhub_stream_read_next(ca, frame, n, PP_TIMEOUT_NS, NULL) != SHMHUB_OK)
                _exit(4);
            if (shmhub_stream_write(cb, frame, n) != SHMHUB_OK)
                _exit(5);
        }
        shmhub_stream_close(ca);
        shmhub_stream_close(cb);
        _exit(0);
    }
    double *rtt = malloc(ROUND_TRIPS * sizeof *rtt);
    int ok = rtt != NULL;
    if (ok && shmhub_stream_read_next(b, frame, n, PP_TIMEOUT_NS, NULL) != SHMHUB_OK)
        ok = 0; /* the child's ready frame */
    for (int i = 1; ok && i <= ROUND_TRIPS; i++) {
        frame[0] = (uint32_t)i;
        double t0 = bench_now();
        if (shmhub_stream_write(a, frame, n) != SHMHUB_OK ||
            shmhub_stream_read_next(b, frame, n, PP_TIMEOUT_NS, NULL) != SHMHUB_OK ||
            frame[0] != (uint32_t)i) {
            fprintf(stderr, "bench_stream: ping-pong round %d: %s\n", i, shmhub_last_error());
            ok = 0;
            break;
        }
        rtt[i - 1] = bench_now() - t0;
    }
    if (!ok)
        kill(pid, SIGKILL);
    if (wait_child(pid) != 0)
        ok = 0;
    shmhub_stream_close(a);
    shmhub_stream_close(b);
    shmhub_unlink(a_name);
    shmhub_unlink(b_name);
    lat_result r = ok ? summarize(rtt, ROUND_TRIPS) : bad;
    free(rtt);
    return r;
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

/* Waits until *w == want; futex mode sleeps on the word, spin mode burns the core. */
static void raw_wait(_Atomic uint32_t *w, uint32_t want, int spin)
{
    for (;;) {
        uint32_t v = atomic_load_explicit(w, memory_order_acquire);
        if (v == want)
            return;
        if (!spin)
            futex(w, FUTEX_WAIT, v);
    }
}

static void raw_post(_Atomic uint32_t *w, uint32_t v, int spin)
{
    atomic_store_explicit(w, v, memory_order_release);
    if (!spin)
        futex(w, FUTEX_WAKE, 1);
}

/* The baseline: the same ping-pong on two words in a MAP_SHARED anonymous mapping. */
static lat_result pingpong_raw(int spin)
{
    lat_result bad = {0, 0, 0};
    _Atomic uint32_t *words = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                   -1, 0);
    if (words == MAP_FAILED) {
        perror("mmap");
        return bad;
    }
    _Atomic uint32_t *ping = &words[0], *pong = &words[16]; /* separate cache lines */
    atomic_store(ping, 0);
    atomic_store(pong, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        for (uint32_t i = 1; i <= ROUND_TRIPS; i++) {
            raw_wait(ping, i, spin);
            raw_post(pong, i, spin);
        }
        _exit(0);
    }
    double *rtt = malloc(ROUND_TRIPS * sizeof *rtt);
    if (!rtt) {
        kill(pid, SIGKILL);
        wait_child(pid);
        munmap((void *)words, 4096);
        return bad;
    }
    for (uint32_t i = 1; i <= ROUND_TRIPS; i++) {
        double t0 = bench_now();
        raw_post(ping, i, spin);
        raw_wait(pong, i, spin);
        rtt[i - 1] = bench_now() - t0;
    }
    int ok = wait_child(pid) == 0;
    munmap((void *)words, 4096);
    lat_result r = ok ? summarize(rtt, ROUND_TRIPS) : bad;
    free(rtt);
    return r;
}

static void print_lat(const char *label, lat_result r, const lat_result *base)
{
    if (!r.ok) {
        printf("%-34s %12s %12s\n", label, "failed", "failed");
        return;
    }
    if (base && base->ok)
        printf("%-34s %12.0f %12.0f %10.2f %10.2f\n", label, r.median_ns, r.p99_ns,
               r.median_ns / base->median_ns, r.p99_ns / base->p99_ns);
    else
        printf("%-34s %12.0f %12.0f %10s %10s\n", label, r.median_ns, r.p99_ns, "1.00", "1.00");
}

static void bench_latency(const char *prefix)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("wake latency, process ping-pong, %d round trips, one-way = RTT/2 (%ld CPUs online)\n",
           ROUND_TRIPS, cpus);
    printf("%-34s %12s %12s %10s %10s\n", "", "median ns", "p99 ns", "x median", "x p99");
    lat_result raw_futex = pingpong_raw(0);
    lat_result st_futex = pingpong_stream(prefix, SHMHUB_WAIT_FUTEX);
    lat_result raw_spin = pingpong_raw(1);
    lat_result st_spin = pingpong_stream(prefix, SHMHUB_WAIT_SPIN);
    print_lat("raw futex (baseline)", raw_futex, NULL);
    print_lat("stream read_next, futex", st_futex, &raw_futex);
    print_lat("raw spin (baseline)", raw_spin, NULL);
    print_lat("stream read_next, spin", st_spin, &raw_spin);
    printf("(x = ratio to the baseline above it; spin needs one free core per side%s)\n",
           cpus <= 2 ? ": only 2 CPUs here, so spin figures include scheduler noise" : "");
}

/* ---- --feed ----------------------------------------------------------------------------------- */

static int feed(const char *name, double seconds, double hz)
{
    shmhub_stream *s;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    shmhub_status st = shmhub_stream_open(name, &o, &s);
    if (st == SHMHUB_E_NOT_FOUND) {
        uint64_t shape[1] = {64};
        st = shmhub_stream_create(name, SHMHUB_DTYPE_FLOAT32, 1, shape, &o, &s);
    }
    if (st != SHMHUB_OK) {
        fprintf(stderr, "bench_stream --feed: %s\n", shmhub_last_error());
        return 1;
    }
    size_t n = (size_t)shmhub_stream_frame_nbytes(s);
    unsigned char *frame = calloc(1, n);
    if (!frame) {
        shmhub_stream_close(s);
        return 1;
    }
    int64_t period = (int64_t)(1e9 / hz);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    double end = bench_now() + seconds;
    uint64_t i = 0;
    int rc = 0;
    while (bench_now() < end) {
        memcpy(frame, &i, n < sizeof i ? n : sizeof i);
        if (shmhub_stream_write(s, frame, n) != SHMHUB_OK) {
            fprintf(stderr, "bench_stream --feed: %s\n", shmhub_last_error());
            rc = 1;
            break;
        }
        i++;
        next.tv_nsec += period;
        while (next.tv_nsec >= 1000000000) {
            next.tv_nsec -= 1000000000;
            next.tv_sec++;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {
        }
    }
    free(frame);
    shmhub_stream_close(s);
    return rc;
}

int main(int argc, char **argv)
{
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK)
        die("version check");
    if (argc >= 2 && strcmp(argv[1], "--feed") == 0) {
        if (argc < 4 || argc > 5) {
            fputs("usage: bench_stream --feed NAME SECONDS [HZ]\n", stderr);
            return 2;
        }
        double seconds = strtod(argv[3], NULL), hz = argc == 5 ? strtod(argv[4], NULL) : 1000.0;
        if (!(seconds > 0) || !(hz > 0) || hz > 1e9) {
            fputs("bench_stream --feed: SECONDS and HZ must be positive\n", stderr);
            return 2;
        }
        return feed(argv[2], seconds, hz);
    }
    if (argc != 1) {
        fputs("usage: bench_stream [--feed NAME SECONDS [HZ]]\n", stderr);
        return 2;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "bench-stream-%ld", (long)getpid());
    printf("shmhub %s, bench_stream\n\n", shmhub_version_string());
    bench_throughput(prefix);
    bench_latency(prefix);
    return 0;
}
