/* Hostile segments (issue 12): while a writer and readers run, another process rewrites every
 * mutable shared word of the stream (the whole control area: head, notify, waiters, the writer
 * lock and its waiters, the writer identity, recoveries; every slot's lock and timestamp; the
 * header's ready word) with random and extreme values. Promise: no crash, no out-of-bounds access
 * (this test also runs under ASan+UBSan: make test-asan), and no call runs past its timeout
 * (+ SLACK on a loaded machine); every failure is a status code with a message.
 *
 * Extreme values include UINT64_MAX and UINT64_MAX - 1 in head, held for 2.5 s while the writer
 * is quiet: issue 12 defect 8 (read_next with timeout 0 spun forever, `h + 2` wrapped) shows as
 * a late call or a hang. HOSTILE_SECONDS (default 1.5) sets the time per configuration. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "hostile.h"
#include "internal.h"
#include "util.h"

#define MS INT64_C(1000000)
#define SLACK_NS (1000 * MS)
#define NREADERS 2

typedef struct hostile_area {
    _Atomic int stop;
    _Atomic int ready;
    _Atomic int quiet; /* the writer idles while the attacker holds a value (a stream at rest) */
    _Atomic int64_t calls, late, bad_status, writes_ok, reads_ok, rewrites;
    _Atomic int64_t op_start[NREADERS + 1]; /* when the current call began (0 = none) */
    _Atomic int op[NREADERS + 1];            /* which call (for a hang report) */
} hostile_area;

static hostile_area *H;

static int64_t now(void) { return util_now_ns(CLOCK_MONOTONIC); }

static const char *OPS[] = {"none", "write", "loan", "read_next(0)", "read_next(t)", "read_latest",
                            "peek", "wait", "open", "count"};

#define TIMED HOSTILE_TIMED

static shmhub_stream *open_h(const char *name, const char *dir, int64_t lock_tmo) {
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    so.open_timeout_ns = 100 * MS;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.segment = &so;
    o.lock_timeout_ns = lock_tmo;
    o.flags = SHMHUB_STREAM_LIVENESS;
    shmhub_stream *s = NULL;
    shmhub_stream_open(name, &o, &s);
    return s;
}

static int writer_proc(const char *name, const char *dir) {
    shmhub_stream *w = open_h(name, dir, 100 * MS);
    if (!w) return 3;
    size_t n = shmhub_stream_frame_nbytes(w);
    unsigned char *buf = calloc(1, n);
    atomic_fetch_add(&H->ready, 1);
    for (uint64_t i = 1; !atomic_load(&H->stop); i++) {
        if (atomic_load(&H->quiet)) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            continue;
        }
        memset(buf, (int)(i & 0xff), n);
        shmhub_status st;
        if (i % 4) {
            st = TIMED(0, 1, 100 * MS, shmhub_stream_write(w, buf, n));
        } else {
            void *f = NULL;
            st = TIMED(0, 2, 100 * MS, shmhub_stream_loan(w, &f));
            if (st == SHMHUB_OK) {
                memset(f, 0x5a, n);
                st = (i % 8) ? shmhub_stream_commit(w) : shmhub_stream_abandon(w);
            }
        }
        if (st == SHMHUB_OK) atomic_fetch_add(&H->writes_ok, 1);
    }
    free(buf);
    shmhub_stream_close(w);
    return 0;
}

static int reader_proc(const char *name, const char *dir, int j) {
    shmhub_stream *r = open_h(name, dir, 100 * MS);
    if (!r) return 3;
    size_t n = shmhub_stream_frame_nbytes(r);
    unsigned char *buf = malloc(n);
    int who = 1 + j;
    atomic_fetch_add(&H->ready, 1);
    for (uint64_t i = 0; !atomic_load(&H->stop); i++) {
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        shmhub_status st = SHMHUB_OK;
        switch (i % 8) {
        case 0: st = TIMED(who, 3, 0, shmhub_stream_read_next(r, buf, n, 0, &info)); break;
        case 1:
        case 2: st = TIMED(who, 4, 20 * MS, shmhub_stream_read_next(r, buf, n, 20 * MS, &info)); break;
        case 3: st = TIMED(who, 5, 0, shmhub_stream_read_latest(r, buf, n, &info)); break;
        case 4: {
            const void *f = NULL;
            st = TIMED(who, 6, 0, shmhub_stream_peek(r, &f, &info));
            if (st == SHMHUB_OK) {
                volatile const unsigned char *p = f; /* the pointer must be inside the ring */
                (void)p[0];
                (void)p[n - 1];
                shmhub_stream_validate(r, &info);
            }
            break;
        }
        case 5: st = TIMED(who, 7, 10 * MS, shmhub_stream_wait(r, 10 * MS)); break;
        case 6: { /* a fresh open validates the segment again, ready word included */
            atomic_store(&H->op[who], 8);
            int64_t t0 = now();
            atomic_store(&H->op_start[who], t0);
            shmhub_stream *o = open_h(name, dir, 100 * MS);
            atomic_store(&H->op_start[who], 0);
            if (now() - t0 > 100 * MS + SLACK_NS) atomic_fetch_add(&H->late, 1);
            shmhub_stream_close(o);
            break;
        }
        default:
            (void)shmhub_stream_count(r);
            (void)shmhub_stream_writer_pid(r);
            (void)shmhub_stream_last_write_ns(r);
            shmhub_stream_seek(r, rnd() % 4 ? shmhub_stream_count(r) - (rnd() % 16) : rnd());
        }
        if (st == SHMHUB_OK) atomic_fetch_add(&H->reads_ok, 1);
    }
    free(buf);
    shmhub_stream_close(r);
    return 0;
}

/* The attacker: maps the same file and rewrites mutable words, 4 or 8 bytes at a time. */
static int hostile_proc(const char *name, const char *dir) {
    rs ^= (uint64_t)getpid() * UINT64_C(0x9E3779B97F4A7C15);
    shmhub_stream *s = open_h(name, dir, 100 * MS);
    if (!s) return 3;
    const shmhub_segment *seg = shmhub_stream_segment(s);
    unsigned char *ctl = seg->base + seg->control_offset;
    size_t words = seg->control_size / 8;
    _Atomic uint32_t *ready = (_Atomic uint32_t *)(void *)(seg->base + SHMHUB__READY_OFFSET);
    atomic_fetch_add(&H->ready, 1);
    while (!atomic_load(&H->stop)) {
        size_t wi = rnd() % 4 ? rnd() % words : 0; /* head (word 0) gets a quarter */
        _Atomic uint64_t *w = (_Atomic uint64_t *)(void *)(ctl + wi * 8);
        uint64_t cur = atomic_load_explicit(w, memory_order_relaxed), v;
        switch (rnd() % 12) {
        case 0: v = 0; break;
        case 1: v = 1; break;
        case 2: v = UINT64_MAX; break;
        case 3: v = UINT64_MAX - 1; break;
        case 4: v = UINT64_C(1) << 63; break;
        case 5: v = cur + 1 + rnd() % 4; break;
        case 6: v = cur - 1 - rnd() % 4; break;
        case 7: v = cur * 2 + 1; break;
        case 8: v = (uint64_t)getpid() | ((uint64_t)getpid() << 32); break;
        case 9: v = UINT32_MAX; break;
        default: v = rnd();
        }
        if (rnd() % 3 == 0) { /* a 4-byte store into either half */
            _Atomic uint32_t *h32 = (_Atomic uint32_t *)(void *)(ctl + wi * 8 + 4 * (rnd() % 2));
            atomic_store_explicit(h32, (uint32_t)v, memory_order_relaxed);
        } else {
            atomic_store_explicit(w, v, memory_order_relaxed);
        }
        if (rnd() % 64 == 0) /* the ready word: a segment "being created" again, or garbage */
            atomic_store_explicit(ready, (uint32_t)(rnd() % 3 ? SHMHUB__STATE_READY : rnd()),
                                  memory_order_relaxed);
        atomic_fetch_add(&H->rewrites, 1);
        if (rnd() % 1024 == 0) { /* hold the value while the writer is quiet: 20 ms, or (head)
                                  * past the slack: a zero-timeout call that hangs shows as late */
            atomic_store(&H->quiet, 1);
            int64_t until = now() + (wi == 0 && rnd() % 2 ? 2 * SLACK_NS + 500 * MS : 20 * MS);
            while (now() < until) atomic_store_explicit(w, v, memory_order_relaxed);
            atomic_store(&H->quiet, 0);
        }
        if (rnd() % 16 == 0) { /* restore: sometimes the stream works for a while */
            atomic_store_explicit(ready, SHMHUB__STATE_READY, memory_order_relaxed);
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    shmhub_stream_close(s);
    return 0;
}

static void run_config(const char *dir, uint32_t slots, uint32_t mode, uint64_t frame_words,
                       double seconds) {
    char tag[64];
    snprintf(tag, sizeof tag, "hostile.%u.%u.%llu", slots, mode, (unsigned long long)frame_words);
    const char *name = test_name(tag);
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = slots;
    o.writer_mode = mode;
    o.segment = &so;
    shmhub_stream *own = NULL;
    uint64_t shape[1] = {frame_words};
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT64, 1, shape, &o, &own), SHMHUB_OK);
    if (!own) return;
    memset((void *)H, 0, sizeof *H);
    pid_t pids[NREADERS + 2];
    int np = 0;
    fflush(NULL);
    if ((pids[np++] = fork()) == 0) _exit(writer_proc(name, dir));
    for (int j = 0; j < NREADERS; j++)
        if ((pids[np++] = fork()) == 0) _exit(reader_proc(name, dir, j));
    int64_t until = now() + 5000 * MS;
    while (atomic_load(&H->ready) < np && now() < until) sched_yield();
    if ((pids[np++] = fork()) == 0) _exit(hostile_proc(name, dir));
    int64_t end = now() + (int64_t)(seconds * 1e9);
    int hung = 0;
    while (now() < end) {
        struct timespec ts = {0, 20 * MS};
        nanosleep(&ts, NULL);
        for (int k = 0; k <= NREADERS; k++) { /* the watchdog: a call far past its timeout */
            int64_t t0 = atomic_load(&H->op_start[k]);
            if (t0 && now() - t0 > 100 * MS + 3 * SLACK_NS) {
                fprintf(stderr, "%s: process %d hangs in %s\n", name, k,
                        OPS[atomic_load(&H->op[k])]);
                hung = 1;
            }
        }
        if (hung) break;
    }
    atomic_store(&H->stop, 1);
    for (int k = 0; k < np; k++) {
        int64_t deadline = now() + 3 * SLACK_NS;
        int ws = 0;
        pid_t r;
        while ((r = waitpid(pids[k], &ws, WNOHANG)) == 0 && now() < deadline) {
            struct timespec ts = {0, MS};
            nanosleep(&ts, NULL);
        }
        if (r == 0) {
            fprintf(stderr, "%s: process %d did not stop (hang)\n", name, k);
            kill(pids[k], SIGKILL);
            waitpid(pids[k], &ws, 0);
            hung = 1;
            continue;
        }
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            fprintf(stderr, "%s: process %d ended with status 0x%x\n", name, k, ws);
        CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0); /* no crash (ASan/UBSan abort too) */
    }
    CHECK(!hung);
    CHECK(atomic_load(&H->late) == 0);
    CHECK(atomic_load(&H->bad_status) == 0);
    CHECK(atomic_load(&H->rewrites) > 0);
    printf("hostile %u slots, %s, %llu-byte frames: %lld rewrites, %lld calls (%lld writes ok, "
           "%lld reads ok), %lld late, %s\n",
           slots, mode ? "multi" : "single", (unsigned long long)frame_words * 8,
           (long long)atomic_load(&H->rewrites), (long long)atomic_load(&H->calls),
           (long long)atomic_load(&H->writes_ok), (long long)atomic_load(&H->reads_ok),
           (long long)atomic_load(&H->late), hung ? "HUNG" : "no hang");
    shmhub_stream_close(own);
    shmhub_unlink_in(name, dir);
}

int main(void) {
    H = mmap(NULL, sizeof *H, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (H == MAP_FAILED) return 2;
    const char *sec = getenv("HOSTILE_SECONDS");
    double seconds = sec && *sec ? atof(sec) : 1.5;
    rs ^= (uint64_t)time(NULL);
    char *dir = util_tmpdir("hostile");
    run_config(dir, 2, SHMHUB_WRITER_SINGLE, 8, seconds);
    run_config(dir, 5, SHMHUB_WRITER_MULTI, 33, seconds);
    run_config(dir, 64, SHMHUB_WRITER_SINGLE, 1024, seconds);
    util_rmtree(dir);
    free(dir);
    return check_finish("test_hostile");
}
