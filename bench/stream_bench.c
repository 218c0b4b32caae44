/* stream_bench: the C stream benchmark. Prints one table; every row is a ratio against a baseline
 * measured in the same run (medians over REPS repetitions, shmhub and baseline interleaved).
 *
 *   stream_bench                        run the benchmark (prints figures, asserts nothing)
 *   stream_bench --feed NAME SECONDS [HZ]
 *                                       publish frames on stream NAME at HZ (default 1000) for
 *                                       SECONDS; creates NAME (f4, 64 elements) if it is missing
 *   stream_bench --publish-only N       create a 64-byte stream, publish N frames with no reader,
 *                                       unlink it (run under strace by the syscall row)
 *
 *   stream_bench --quick                fewer sizes and 3 repetitions (a smoke run)
 *
 * Rows:
 * 1. Round trip with default options (the library picks the ring depth): shmhub_stream_write +
 *    shmhub_stream_read_latest of one frame, against (a) memcpy into and memcpy out of a separate
 *    MAP_SHARED buffer of the ring's size, cycling through its slots the way the ring does, and
 *    (b) memcpy into and out of one hot buffer (the physical limit). Figure: GB/s counting
 *    2 x frame bytes per round trip; ratio = shmhub/baseline throughput, higher is better.
 *    Copy rows: shmhub_stream_write from a source at 0/16/32/48 mod 64, and read_latest into a
 *    destination at 0/16/32/48 mod 64, 64 B to 64 MB, against the same seqlock protocol written
 *    out by hand around glibc memcpy of the same size and alignment; ratio = speed (baseline time
 *    / shmhub time), goal >= 0.9.
 * 2. Wake latency, one way: two processes ping-pong over two streams (each side blocked in
 *    shmhub_stream_read_next); every message carries its CLOCK_MONOTONIC send time and the receiver
 *    takes (receive time - send time), so p50/p99 are of true one-way samples. Futex mode against a
 *    raw futex ping-pong, spin-then-futex mode against a raw spin ping-pong, on words in a MAP_SHARED
 *    anonymous mapping. The two processes are pinned to two different CPUs.
 * 3. read_latest with no writer (a frame already published) against a minimal seqlock snapshot of
 *    a separate MAP_SHARED buffer (load seq acquire, memcpy, acquire fence, reload seq, compare).
 * 4. Syscalls per publish with no waiter: `strace -f -c` of `--publish-only N` minus that of
 *    `--publish-only 0`, divided by N.
 *
 * Uses only the public header. Segments live in SHMHUB_DIR when set (as for every shmhub tool). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <shmhub.h>

#include "bench_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <sched.h>
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

#define REPS 7
static int g_reps = REPS; /* 3 with --quick */
static int g_quick;
#define PP_ROUNDS 10000 /* round trips per repetition (2 one-way samples each) */
#define PP_WARMUP 200   /* round trips dropped at the start of each repetition */
#define PUBLISH_N 200000

static void die(const char *what)
{
    fprintf(stderr, "stream_bench: %s: %s\n", what, shmhub_last_error());
    exit(1);
}

static void *xalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64);
    if (!p) {
        fputs("stream_bench: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void *xmap_shared(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("stream_bench: mmap");
        exit(1);
    }
    return p;
}

/* Keeps the compiler from dropping copies into memory it never sees read. */
static void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ---- the table ----------------------------------------------------------------------------------- */

static void row(const char *bench, const char *shm, const char *base, const char *ratio,
                const char *goal, const char *met)
{
    printf("| %-36s | %-11s | %-22s | %-23s | %-11s | %-4s |\n", bench, shm, base, ratio, goal, met);
}

static void rule(void)
{
    static const char d[] = "----------------------------------------";
    printf("|%.38s|%.13s|%.24s|%.25s|%.13s|%.6s|\n", d, d, d, d, d, d);
}

/* ---- 1. write + read_latest round trip ----------------------------------------------------------- */

typedef struct tp_case {
    const char *label;
    uint64_t nbytes;
    size_t iters; /* round trips per repetition */
} tp_case;

/* Default options (the library picks the ring depth); baselines: the same ring geometry, and one
 * hot buffer (the physical limit: memcpy in and out of one buffer). */
static void bench_round_trip(const char *prefix, const tp_case *c, int idx)
{
    char name[SHMHUB_MAX_NAME];
    snprintf(name, sizeof name, "%s-rt%d", prefix, idx);
    uint64_t shape[1] = {c->nbytes};
    shmhub_stream *s;
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, NULL, &s) != SHMHUB_OK)
        die("create");
    uint32_t slots = shmhub_stream_slots(s);
    size_t n = (size_t)c->nbytes, stride = (n + 63) / 64 * 64;
    unsigned char *src = xalloc(n), *dst = xalloc(n);
    unsigned char *ring = xmap_shared(stride * slots); /* the baseline's "ring" */
    unsigned char *hot = xmap_shared(stride);          /* the hot-buffer limit */
    memset(src, 0x5a, n);
    memset(dst, 0, n);
    memset(ring, 0, stride * slots);
    memset(hot, 0, stride);
    /* Warm up: fault in every slot on both sides. */
    for (uint32_t i = 0; i < 2 * slots; i++)
        if (shmhub_stream_write(s, src, n) != SHMHUB_OK ||
            shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
            die("write/read_latest");
    double ts[REPS], tb[REPS], th[REPS];
    for (int r = 0; r < g_reps; r++) {
        double t0 = bench_now();
        for (size_t i = 0; i < c->iters; i++) {
            if (shmhub_stream_write(s, src, n) != SHMHUB_OK ||
                shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
                die("write/read_latest");
            clobber(dst);
        }
        ts[r] = 2.0 * (double)n * (double)c->iters / (bench_now() - t0) / 1e9;
        t0 = bench_now();
        for (size_t i = 0; i < c->iters; i++) {
            unsigned char *slot = ring + (i % slots) * stride;
            memcpy(slot, src, n);
            clobber(slot);
            memcpy(dst, slot, n);
            clobber(dst);
        }
        tb[r] = 2.0 * (double)n * (double)c->iters / (bench_now() - t0) / 1e9;
        t0 = bench_now();
        for (size_t i = 0; i < c->iters; i++) {
            memcpy(hot, src, n);
            clobber(hot);
            memcpy(dst, hot, n);
            clobber(dst);
        }
        th[r] = 2.0 * (double)n * (double)c->iters / (bench_now() - t0) / 1e9;
    }
    double gs = bench_median(ts, (size_t)g_reps), gb = bench_median(tb, (size_t)g_reps),
           gh = bench_median(th, (size_t)g_reps);
    char bench[64], a[32], b[32], q[32];
    snprintf(bench, sizeof bench, "round trip %s (default: slots=%u)", c->label, slots);
    snprintf(a, sizeof a, "%.2f GB/s", gs);
    snprintf(b, sizeof b, "%.2f GB/s same ring", gb);
    snprintf(q, sizeof q, "%.2f", gs / gb);
    int goal = c->nbytes >= 4000000;
    row(bench, a, b, q, goal ? ">= 0.9" : "- (info)", goal ? (gs / gb >= 0.9 ? "yes" : "NO") : "-");
    snprintf(bench, sizeof bench, "round trip %s vs hot buffer", c->label);
    snprintf(b, sizeof b, "%.2f GB/s hot buffer", gh);
    snprintf(q, sizeof q, "%.2f", gs / gh);
    goal = c->nbytes == 4000000;
    row(bench, a, b, q, goal ? ">= 0.8" : "- (info)", goal ? (gs / gh >= 0.8 ? "yes" : "NO") : "-");
    shmhub_stream_close(s);
    shmhub_unlink(name);
    free(src);
    free(dst);
    munmap(ring, stride * slots);
    munmap(hot, stride);
}

/* ---- 1b. copies at every alignment --------------------------------------------------------------- */

typedef struct seqring {
    _Atomic uint64_t seq;
    char pad[56];
} seqring;

static size_t copy_iters(size_t n)
{
    size_t it = (size_t)(g_quick ? 1e8 : 3e8) / (n + 256);
    return it < 3 ? 3 : it;
}

/* shmhub_stream_write from a source at offset `al` mod 64 (dir 0), or shmhub_stream_read_latest
 * into a destination at offset `al` (dir 1), against the same protocol done by hand with glibc
 * memcpy on a ring of the same geometry (odd/even sequence word per slot, release/acquire), so the
 * ratio isolates the copy plus the call's fixed cost. */
static void bench_copy(const char *prefix, const char *label, size_t n, size_t al, int dir, int idx)
{
    char name[SHMHUB_MAX_NAME];
    snprintf(name, sizeof name, "%s-cp%d", prefix, idx);
    uint64_t shape[1] = {n};
    shmhub_stream *s;
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, NULL, &s) != SHMHUB_OK)
        die("create");
    uint32_t slots = shmhub_stream_slots(s);
    size_t stride = (n + 63) / 64 * 64, iters = copy_iters(n);
    unsigned char *sbuf = xalloc(n + 64), *dbuf = xalloc(n + 64);
    unsigned char *src = dir ? sbuf : sbuf + al, *dst = dir ? dbuf + al : dbuf;
    seqring *seqs = xmap_shared(sizeof(seqring) * slots);
    unsigned char *ring = xmap_shared(stride * slots);
    memset(sbuf, 0x5a, n + 64);
    memset(dbuf, 0, n + 64);
    memset(ring, 0, stride * slots);
    for (uint32_t i = 0; i < 2 * slots; i++)
        if (shmhub_stream_write(s, src, n) != SHMHUB_OK ||
            shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
            die("write/read_latest");
    uint64_t head = 0;
    double ts[REPS], tb[REPS];
    for (int r = 0; r < g_reps; r++) {
        double t0 = bench_now();
        if (dir == 0) {
            for (size_t i = 0; i < iters; i++)
                if (shmhub_stream_write(s, src, n) != SHMHUB_OK)
                    die("write");
        } else {
            for (size_t i = 0; i < iters; i++) {
                if (shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
                    die("read_latest");
                clobber(dst);
            }
        }
        ts[r] = (bench_now() - t0) / (double)iters * 1e9;
        t0 = bench_now();
        if (dir == 0) {
            for (size_t i = 0; i < iters; i++) {
                head++;
                size_t k = (size_t)(head % slots);
                atomic_store_explicit(&seqs[k].seq, 2 * head + 1, memory_order_relaxed);
                /* the library's release fence; on x86-64 both compile to a compiler barrier (a
                 * thread fence would not build under -fsanitize=thread, and no other thread
                 * reads this ring) */
                atomic_signal_fence(memory_order_release);
                memcpy(ring + k * stride, src, n);
                atomic_store_explicit(&seqs[k].seq, 2 * head, memory_order_release);
                clobber(ring);
            }
        } else {
            size_t k = (size_t)(head % slots);
            for (size_t i = 0; i < iters; i++) {
                for (;;) {
                    uint64_t s0 = atomic_load_explicit(&seqs[k].seq, memory_order_acquire);
                    memcpy(dst, ring + k * stride, n);
                    atomic_signal_fence(memory_order_acquire); /* see the writer above */
                    if (atomic_load_explicit(&seqs[k].seq, memory_order_relaxed) == s0)
                        break;
                }
                clobber(dst);
            }
        }
        tb[r] = (bench_now() - t0) / (double)iters * 1e9;
    }
    double a_ns = bench_median(ts, (size_t)g_reps), b_ns = bench_median(tb, (size_t)g_reps), ratio = b_ns / a_ns;
    char bench[64], a[32], b[40], q[32];
    snprintf(bench, sizeof bench, "%s %s, %s at %zu mod 64", dir ? "read " : "write", label,
             dir ? "dst" : "src", al);
    if (a_ns >= 1e5)
        snprintf(a, sizeof a, "%.1f us", a_ns / 1e3), snprintf(b, sizeof b, "%.1f us memcpy", b_ns / 1e3);
    else
        snprintf(a, sizeof a, "%.1f ns", a_ns), snprintf(b, sizeof b, "%.1f ns memcpy", b_ns);
    snprintf(q, sizeof q, "%.2f (speed)", ratio);
    const char *met = ratio >= 0.9 ? "yes" : n < 65536 ? "NO*" : "NO";
    row(bench, a, b, q, ">= 0.9", met);
    shmhub_stream_close(s);
    shmhub_unlink(name);
    free(sbuf);
    free(dbuf);
    munmap(seqs, sizeof(seqring) * slots);
    munmap(ring, stride * slots);
}

/* ---- 2. wake latency, one way ------------------------------------------------------------------- */

typedef struct lat {
    double p50_ns, p99_ns;
    int ok;
} lat;

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static cpu_set_t saved_affinity;
static int cpu_a = -1, cpu_b = -1; /* the two CPUs the ping-pong sides are pinned to */

static void pick_cpus(void)
{
    if (sched_getaffinity(0, sizeof saved_affinity, &saved_affinity) != 0)
        return;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &saved_affinity)) {
            if (cpu_a < 0)
                cpu_a = i;
            else if (cpu_b < 0)
                cpu_b = i;
        }
}

static void pin(int cpu)
{
    if (cpu < 0 || cpu_b < 0)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

static void unpin(void)
{
    if (cpu_b >= 0)
        sched_setaffinity(0, sizeof saved_affinity, &saved_affinity);
}

static lat summarize(double *v, size_t n)
{
    lat r;
    qsort(v, n, sizeof *v, bench_cmp);
    r.p50_ns = bench_median(v, n);
    size_t i99 = (size_t)((double)n * 0.99);
    r.p99_ns = v[i99 < n ? i99 : n - 1];
    r.ok = 1;
    return r;
}

#define PP_TIMEOUT_NS INT64_C(5000000000)

/* Frame layout of the stream ping-pong (8 x u64): [0] round, [1] send time, [2] the child's
 * measured one-way latency of the parent's message. */
static lat pingpong_stream(const char *prefix, uint32_t wait_mode)
{
    lat bad = {0, 0, 0};
    char a_name[SHMHUB_MAX_NAME], b_name[SHMHUB_MAX_NAME];
    snprintf(a_name, sizeof a_name, "%s-ping", prefix);
    snprintf(b_name, sizeof b_name, "%s-pong", prefix);
    uint64_t shape[1] = {8};
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.wait_mode = wait_mode;
    shmhub_stream *a, *b;
    if (shmhub_stream_create(a_name, SHMHUB_DTYPE_UINT64, 1, shape, &o, &a) != SHMHUB_OK ||
        shmhub_stream_create(b_name, SHMHUB_DTYPE_UINT64, 1, shape, &o, &b) != SHMHUB_OK)
        die("create ping-pong streams");
    uint64_t f[8] = {0};
    size_t n = sizeof f;
    const int rounds = PP_WARMUP + PP_ROUNDS;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        pin(cpu_b);
        shmhub_stream *ca, *cb;
        if (shmhub_stream_open(a_name, &o, &ca) != SHMHUB_OK ||
            shmhub_stream_open(b_name, &o, &cb) != SHMHUB_OK)
            _exit(2);
        if (shmhub_stream_write(cb, f, n) != SHMHUB_OK) /* ready */
            _exit(3);
        for (int i = 1; i <= rounds; i++) {
            if (shmhub_stream_read_next(ca, f, n, PP_TIMEOUT_NS, NULL) != SHMHUB_OK)
                _exit(4);
            int64_t now = mono_ns();
            f[2] = (uint64_t)(now - (int64_t)f[1]);
            f[1] = (uint64_t)mono_ns();
            if (shmhub_stream_write(cb, f, n) != SHMHUB_OK)
                _exit(5);
        }
        shmhub_stream_close(ca);
        shmhub_stream_close(cb);
        _exit(0);
    }
    pin(cpu_a);
    double *v = malloc(2 * PP_ROUNDS * sizeof *v);
    size_t k = 0;
    int ok = v != NULL && shmhub_stream_read_next(b, f, n, PP_TIMEOUT_NS, NULL) == SHMHUB_OK;
    for (int i = 1; ok && i <= rounds; i++) {
        f[0] = (uint64_t)i;
        f[1] = (uint64_t)mono_ns();
        if (shmhub_stream_write(a, f, n) != SHMHUB_OK ||
            shmhub_stream_read_next(b, f, n, PP_TIMEOUT_NS, NULL) != SHMHUB_OK ||
            f[0] != (uint64_t)i) {
            fprintf(stderr, "stream_bench: ping-pong round %d: %s\n", i, shmhub_last_error());
            ok = 0;
            break;
        }
        int64_t now = mono_ns();
        if (i > PP_WARMUP) {
            v[k++] = (double)f[2];
            v[k++] = (double)(now - (int64_t)f[1]);
        }
    }
    unpin();
    if (!ok)
        kill(pid, SIGKILL);
    if (wait_child(pid) != 0)
        ok = 0;
    shmhub_stream_close(a);
    shmhub_stream_close(b);
    shmhub_unlink(a_name);
    shmhub_unlink(b_name);
    lat r = ok ? summarize(v, k) : bad;
    free(v);
    return r;
}

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

/* Waits until *w == want: futex mode sleeps on the (shared) word, spin mode burns the core. */
static void raw_wait(_Atomic uint32_t *w, uint32_t want, int spin)
{
    for (;;) {
        uint32_t v = atomic_load_explicit(w, memory_order_acquire);
        if (v == want)
            return;
        if (spin)
            __asm__ volatile("pause" ::: "memory");
        else
            futex(w, FUTEX_WAIT, v);
    }
}

static void raw_post(_Atomic uint32_t *w, uint32_t v, int spin)
{
    atomic_store_explicit(w, v, memory_order_release);
    if (!spin)
        futex(w, FUTEX_WAKE, 1);
}

/* The baseline: the same ping-pong on words in a MAP_SHARED anonymous mapping; each word has its
 * send time and the measured latency on its own cache line. */
typedef struct raw_chan {
    _Atomic uint32_t word;
    uint32_t pad;
    _Atomic int64_t sent_ns, measured_ns;
    char pad2[40];
} raw_chan;

static lat pingpong_raw(int spin)
{
    lat bad = {0, 0, 0};
    raw_chan *ch = xmap_shared(4096);
    raw_chan *ping = &ch[0], *pong = &ch[1];
    const uint32_t rounds = PP_WARMUP + PP_ROUNDS;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        pin(cpu_b);
        for (uint32_t i = 1; i <= rounds; i++) {
            raw_wait(&ping->word, i, spin);
            int64_t now = mono_ns();
            atomic_store_explicit(&pong->measured_ns,
                                  now - atomic_load_explicit(&ping->sent_ns, memory_order_relaxed),
                                  memory_order_relaxed);
            atomic_store_explicit(&pong->sent_ns, mono_ns(), memory_order_relaxed);
            raw_post(&pong->word, i, spin);
        }
        _exit(0);
    }
    pin(cpu_a);
    double *v = malloc(2 * PP_ROUNDS * sizeof *v);
    if (!v) {
        kill(pid, SIGKILL);
        wait_child(pid);
        unpin();
        munmap(ch, 4096);
        return bad;
    }
    size_t k = 0;
    for (uint32_t i = 1; i <= rounds; i++) {
        atomic_store_explicit(&ping->sent_ns, mono_ns(), memory_order_relaxed);
        raw_post(&ping->word, i, spin);
        raw_wait(&pong->word, i, spin);
        int64_t now = mono_ns();
        if (i > PP_WARMUP) {
            v[k++] = (double)atomic_load_explicit(&pong->measured_ns, memory_order_relaxed);
            v[k++] = (double)(now - atomic_load_explicit(&pong->sent_ns, memory_order_relaxed));
        }
    }
    unpin();
    int ok = wait_child(pid) == 0;
    munmap(ch, 4096);
    lat r = ok ? summarize(v, k) : bad;
    free(v);
    return r;
}

static double med_field(const lat *v, int p99)
{
    double x[REPS];
    for (int i = 0; i < g_reps; i++)
        x[i] = p99 ? v[i].p99_ns : v[i].p50_ns;
    return bench_median(x, (size_t)g_reps);
}

static void lat_row(const char *bench, double s_ns, double b_ns, const char *base_name,
                    const char *goal, const char *met, int show_abs)
{
    char a[32], b[40], q[40];
    snprintf(a, sizeof a, "%.2f us", s_ns / 1e3);
    snprintf(b, sizeof b, "%.2f us %s", b_ns / 1e3, base_name);
    if (show_abs)
        snprintf(q, sizeof q, "%.2f (abs %.2f us)", s_ns / b_ns, s_ns / 1e3);
    else
        snprintf(q, sizeof q, "%.2f", s_ns / b_ns);
    row(bench, a, b, q, goal, met);
}

static void bench_wake(const char *prefix)
{
    lat rf[REPS], sf[REPS], rs[REPS], ss[REPS];
    int ok = 1;
    for (int r = 0; r < g_reps; r++) {
        rf[r] = pingpong_raw(0);
        sf[r] = pingpong_stream(prefix, SHMHUB_WAIT_FUTEX);
        rs[r] = pingpong_raw(1);
        ss[r] = pingpong_stream(prefix, SHMHUB_WAIT_SPIN_THEN_FUTEX);
        ok = ok && rf[r].ok && sf[r].ok && rs[r].ok && ss[r].ok;
    }
    if (!ok) {
        row("wake one way (ping-pong)", "failed", "failed", "-", "-", "NO");
        return;
    }
    double f50 = med_field(sf, 0), b50 = med_field(rf, 0);
    lat_row("wake one way p50, futex", f50, b50, "(raw futex)", "<= 1.3",
            f50 / b50 <= 1.3 ? "yes" : "NO", 0);
    lat_row("wake one way p99, futex", med_field(sf, 1), med_field(rf, 1), "(raw futex)",
            "- (info)", "-", 0);
    double s50 = med_field(ss, 0);
    lat_row("wake one way p50, spin-then-futex", s50, med_field(rs, 0), "(raw spin)",
            "abs <= 2 us", s50 <= 2000 ? "yes" : "NO", 1);
    lat_row("wake one way p99, spin-then-futex", med_field(ss, 1), med_field(rs, 1), "(raw spin)",
            "- (info)", "-", 0);
}

/* ---- 3. read_latest with no writer ---------------------------------------------------------------- */

typedef struct seqbuf {
    _Atomic uint64_t seq;
    char pad[56];
    unsigned char data[]; /* 64-aligned */
} seqbuf;

static void bench_read_latest(const char *prefix, const char *label, size_t n, size_t iters)
{
    char name[SHMHUB_MAX_NAME];
    snprintf(name, sizeof name, "%s-rl%zu", prefix, n);
    uint64_t shape[1] = {n};
    shmhub_stream *s;
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, NULL, &s) != SHMHUB_OK)
        die("create");
    unsigned char *src = xalloc(n), *dst = xalloc(n);
    memset(src, 0x33, n);
    memset(dst, 0, n);
    if (shmhub_stream_write(s, src, n) != SHMHUB_OK)
        die("write");
    seqbuf *sb = xmap_shared(sizeof(seqbuf) + n);
    memcpy(sb->data, src, n);
    atomic_store(&sb->seq, 2);
    double ts[REPS], tb[REPS];
    for (int r = 0; r < g_reps; r++) {
        double t0 = bench_now();
        for (size_t i = 0; i < iters; i++) {
            if (shmhub_stream_read_latest(s, dst, n, NULL) != SHMHUB_OK)
                die("read_latest");
            clobber(dst);
        }
        ts[r] = (bench_now() - t0) / (double)iters * 1e9;
        t0 = bench_now();
        for (size_t i = 0; i < iters; i++) {
            for (;;) {
                uint64_t s0 = atomic_load_explicit(&sb->seq, memory_order_acquire);
                if (s0 & 1)
                    continue;
                memcpy(dst, sb->data, n);
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(&sb->seq, memory_order_relaxed) == s0)
                    break;
            }
            clobber(dst);
        }
        tb[r] = (bench_now() - t0) / (double)iters * 1e9;
    }
    double a_ns = bench_median(ts, (size_t)g_reps), b_ns = bench_median(tb, (size_t)g_reps), ratio = a_ns / b_ns;
    char bench[64], a[32], b[40], q[32];
    snprintf(bench, sizeof bench, "read_latest %s, no writer", label);
    snprintf(a, sizeof a, "%.1f ns", a_ns);
    snprintf(b, sizeof b, "%.1f ns (seqlock)", b_ns);
    snprintf(q, sizeof q, "%.2f", ratio);
    row(bench, a, b, q, "<= 2", ratio <= 2.0 ? "yes" : "NO");
    shmhub_stream_close(s);
    shmhub_unlink(name);
    free(src);
    free(dst);
    munmap(sb, sizeof(seqbuf) + n);
}

/* ---- 4. syscalls per publish ------------------------------------------------------------------- */

static int publish_only(long n)
{
    char name[SHMHUB_MAX_NAME];
    snprintf(name, sizeof name, "stream-bench-pub-%ld", (long)getpid());
    uint64_t shape[1] = {64};
    shmhub_stream *s;
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, NULL, &s) != SHMHUB_OK)
        die("create");
    unsigned char frame[64] = {0};
    for (long i = 0; i < n; i++) {
        frame[0] = (unsigned char)i;
        if (shmhub_stream_write(s, frame, sizeof frame) != SHMHUB_OK)
            die("write");
    }
    shmhub_stream_close(s);
    shmhub_unlink(name);
    return 0;
}

#define MAX_SC 128
typedef struct sc_count {
    char name[48];
    long calls;
} sc_count;

/* Runs `strace -f -c -o FILE SELF --publish-only N`; fills the per-syscall counts and the total.
 * Returns 0, -1 when strace is not installed, -2 when it failed. */
static int strace_count(const char *self, long n, sc_count *sc, int *nsc, long *total)
{
    char file[] = "/tmp/stream_bench_strace_XXXXXX";
    int fd = mkstemp(file);
    if (fd < 0)
        return -2;
    close(fd);
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%ld", n);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        unlink(file);
        return -2;
    }
    if (pid == 0) {
        int dn = open("/dev/null", O_WRONLY);
        if (dn >= 0) {
            dup2(dn, 1);
            dup2(dn, 2);
        }
        execlp("strace", "strace", "-f", "-c", "-o", file, self, "--publish-only", nbuf,
               (char *)NULL);
        _exit(errno == ENOENT ? 127 : 126);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        unlink(file);
        return -1;
    }
    FILE *f = fopen(file, "r");
    if (!f || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (f)
            fclose(f);
        unlink(file);
        return -2;
    }
    /* Find the "calls" column from the header, then read "... calls ... NAME" rows. */
    char line[512];
    int calls_col = -1;
    *nsc = 0;
    *total = -1;
    while (fgets(line, sizeof line, f)) {
        char *tok[16];
        int nt = 0;
        for (char *t = strtok(line, " \t\n"); t && nt < 16; t = strtok(NULL, " \t\n"))
            tok[nt++] = t;
        if (nt == 0 || tok[0][0] == '-')
            continue;
        if (calls_col < 0) {
            for (int i = 0; i < nt; i++)
                if (strcmp(tok[i], "calls") == 0)
                    calls_col = i - 1; /* the header's first column is "% time": two tokens */
            continue;
        }
        if (calls_col >= nt - 1)
            continue;
        long c = strtol(tok[calls_col], NULL, 10);
        const char *nm = tok[nt - 1];
        if (strcmp(nm, "total") == 0)
            *total = c;
        else if (*nsc < MAX_SC) {
            snprintf(sc[*nsc].name, sizeof sc[*nsc].name, "%s", nm);
            sc[(*nsc)++].calls = c;
        }
    }
    fclose(f);
    unlink(file);
    return *total >= 0 ? 0 : -2;
}

static char syscall_note[768];

static void bench_syscalls(const char *self)
{
    sc_count s0[MAX_SC], s1[MAX_SC];
    int n0 = 0, n1 = 0;
    long t0 = 0, t1 = 0;
    int r0 = strace_count(self, 0, s0, &n0, &t0);
    int r1 = r0 == 0 ? strace_count(self, PUBLISH_N, s1, &n1, &t1) : r0;
    if (r0 == -1 || r1 == -1) {
        row("syscalls per publish, no waiter", "n/a (strace not installed)", "0 expected", "-", "0",
            "n/a");
        return;
    }
    if (r0 != 0 || r1 != 0) {
        row("syscalls per publish, no waiter", "n/a (strace failed)", "0 expected", "-", "0", "n/a");
        return;
    }
    double per = (double)(t1 - t0) / PUBLISH_N;
    char a[32];
    snprintf(a, sizeof a, "%.5f", per);
    row("syscalls per publish, no waiter", a, "0 expected", "-", "0", per < 0.001 ? "yes" : "NO");
    /* Footnote: which syscalls differ between the two runs. */
    char diff[512] = "";
    size_t used = 0;
    for (int i = 0; i < n1; i++) {
        long before = 0;
        for (int j = 0; j < n0; j++)
            if (strcmp(s0[j].name, s1[i].name) == 0)
                before = s0[j].calls;
        if (s1[i].calls != before && used < sizeof diff)
            used += (size_t)snprintf(diff + used, sizeof diff - used, "%s%s %+ld", used ? ", " : "",
                                     s1[i].name, s1[i].calls - before);
    }
    snprintf(syscall_note, sizeof syscall_note,
             "syscalls: strace -f -c of --publish-only %d (64 B frames) made %ld calls, "
             "--publish-only 0 made %ld; difference: %s", PUBLISH_N, t1, t0,
             used ? diff : "none");
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
        fprintf(stderr, "stream_bench --feed: %s\n", shmhub_last_error());
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
            fprintf(stderr, "stream_bench --feed: %s\n", shmhub_last_error());
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

/* ---- main ------------------------------------------------------------------------------------- */

static const char usage[] =
    "usage: stream_bench [--quick | --feed NAME SECONDS [HZ] | --publish-only N]\n";

int main(int argc, char **argv)
{
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK)
        die("version check");
    if (argc >= 2 && strcmp(argv[1], "--feed") == 0) {
        if (argc < 4 || argc > 5) {
            fputs("usage: stream_bench --feed NAME SECONDS [HZ]\n", stderr);
            return 2;
        }
        double seconds = strtod(argv[3], NULL), hz = argc == 5 ? strtod(argv[4], NULL) : 1000.0;
        if (!(seconds > 0) || !(hz > 0) || hz > 1e9) {
            fputs("stream_bench --feed: SECONDS and HZ must be positive\n", stderr);
            return 2;
        }
        return feed(argv[2], seconds, hz);
    }
    if (argc >= 2 && strcmp(argv[1], "--publish-only") == 0) {
        char *end;
        long n = argc == 3 ? strtol(argv[2], &end, 10) : -1;
        if (argc != 3 || *end || n < 0) {
            fputs("usage: stream_bench --publish-only N\n", stderr);
            return 2;
        }
        return publish_only(n);
    }
    if (argc == 2 && strcmp(argv[1], "--quick") == 0) {
        g_quick = 1;
        g_reps = 3;
    } else if (argc != 1) {
        fputs(usage, stderr);
        return 2;
    }
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        perror("stream_bench: readlink /proc/self/exe");
        return 1;
    }
    self[len] = 0;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "stream-bench-%ld", (long)getpid());
    pick_cpus();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double t_start = bench_now();

    printf("shmhub %s, stream_bench: medians of %d repetitions, shmhub and baseline interleaved\n",
           shmhub_version_string(), g_reps);
    printf("ratio = shmhub / baseline of the figure shown: round trip rows are throughput (higher is "
           "better),\nevery other row is time (lower is better)\n\n");
    row("benchmark", "shmhub", "baseline", "ratio (shmhub/baseline)", "goal", "met?");
    rule();
    static const tp_case cases[] = {
        {"64 B", 64, 2000000},
        {"40 KB", 40000, 20000},
        {"4 MB", 4000000, 250},
        {"64 MB", 64000000, 12},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        tp_case k = cases[c];
        if (g_quick)
            k.iters = k.iters / 4 + 3;
        bench_round_trip(prefix, &k, (int)c);
    }
    static const struct { const char *label; size_t n; int quick; } cp[] = {
        {"64 B", 64, 1},        {"1 KB", 1024, 0},    {"4 KB", 4096, 1}, {"64 KB", 65536, 0},
        {"1 MB", 1u << 20, 0}, {"4 MB", 4000000, 1}, {"64 MB", 64000000, 0},
    };
    static const size_t als[] = {0, 16, 32, 48};
    int idx = 0;
    for (size_t c = 0; c < sizeof cp / sizeof cp[0]; c++)
        for (int dir = 0; dir < 2; dir++)
            for (size_t a = 0; a < 4; a++)
                if (!g_quick || cp[c].quick)
                    bench_copy(prefix, cp[c].label, cp[c].n, als[a], dir, idx++);
    bench_wake(prefix);
    bench_read_latest(prefix, "64 B", 64, 8000000);
    bench_read_latest(prefix, "4 KB", 4096, 1000000);
    bench_syscalls(self);

    printf("\nround trip: shmhub_stream_write + shmhub_stream_read_latest of one frame vs memcpy into and\n"
           "  memcpy out of a separate MAP_SHARED buffer of the ring's size (same slot cycling); GB/s\n"
           "  counts 2 x frame bytes per round trip; source and destination 64-byte aligned; default options\n"
           "  (the ring depth shown is the library's choice); the hot-buffer rows compare with memcpy in\n"
           "  and out of one buffer, the physical limit\n");
    printf("copy rows: shmhub_stream_write (source at the offset shown, slot 64-aligned) or read_latest\n"
           "  (slot -> destination at the offset shown) vs the same seqlock protocol by hand around glibc\n"
           "  memcpy of the same size and alignment on a ring of the same geometry; ratio = speed\n"
           "  (baseline time / shmhub time). NO* = missed below 64 KB because the call's fixed cost\n"
           "  (argument and role checks, commit timestamp, head store; the 64 B rows show it) dominates\n"
           "  the copy, not because of the copy\n");
    printf("wake: one-way samples (receive - send time, CLOCK_MONOTONIC) of a 2-process ping-pong, each\n"
           "  side blocked in shmhub_stream_read_next; baselines: raw FUTEX_WAIT/FUTEX_WAKE and raw spin on\n"
           "  words in a MAP_SHARED mapping; %d samples per repetition\n", 2 * PP_ROUNDS);
    printf("read_latest: one published frame, no writer running, vs a minimal seqlock snapshot (load seq\n"
           "  acquire, memcpy, acquire fence, reload) of a separate MAP_SHARED buffer\n");
    if (syscall_note[0])
        printf("%s\n", syscall_note);
    if (cpu_b >= 0)
        printf("2-core caveat: the wake rows pin the two processes to CPUs %d and %d (%ld online); spin\n"
               "  figures need both cores free, so on a 2-core machine any other load lands in them\n",
               cpu_a, cpu_b, cpus);
    else
        printf("2-core caveat: only one usable CPU: the wake rows share it and the spin rows mostly\n"
               "  measure the scheduler\n");
    printf("total run time %.1f s\n", bench_now() - t_start);
    return 0;
}
