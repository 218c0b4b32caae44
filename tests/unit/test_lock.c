/* Segment lock tests (src/lock.c): try-once and timed locks, mutual exclusion across processes
 * (a non-atomic counter incremented under the lock by several processes), unlock by a non-owner,
 * read-only handles, a holder killed by SIGKILL (recovered by a sleeping waiter and by a later
 * locker, both told so, and counted), the lock on a stream's segment, NULL arguments. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "util.h"

#define MS INT64_C(1000000)

static char g_name[64];

static int child_rc(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(ws)) return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws)) return 100 + WTERMSIG(ws);
    return 255;
}

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

typedef struct shared_area {
    _Atomic int64_t state[8];
} shared_area;

static shared_area *shared_new(void) {
    void *p = mmap(NULL, sizeof(shared_area), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    memset(p, 0, sizeof(shared_area));
    return p;
}

static void await_value(_Atomic int64_t *w, int64_t v) {
    for (int i = 0; i < 20000 && atomic_load(w) != v; i++) usleep(1000);
}

static shmhub_segment *make_segment(void) {
    shmhub_layout *lay = NULL;
    uint64_t n = 1;
    shmhub_layout_new(&lay);
    shmhub_layout_add(lay, "counter", SHMHUB_DTYPE_INT64, 1, &n);
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_segment_create(g_name, lay, NULL, &seg), SHMHUB_OK);
    shmhub_layout_free(lay);
    return seg;
}

static shmhub_segment *open_segment(uint32_t flags) {
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = flags;
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_segment_open(g_name, &o, &seg), SHMHUB_OK);
    return seg;
}

static void test_basics(void) {
    shmhub_segment *seg = make_segment();
    shmhub_segment *other = open_segment(0);
    int32_t rec = 7;
    CHECK(shmhub_segment_lock_holder_pid(seg) == 0);
    CHECK_ST(shmhub_segment_lock(seg, 0, &rec), SHMHUB_OK);
    CHECK(rec == 0);
    CHECK(shmhub_segment_lock_holder_pid(other) == getpid());
    /* Not recursive, and owned by the process: a second try from this process times out. */
    CHECK_ST_NAMED(shmhub_segment_lock(other, 0, NULL), SHMHUB_E_TIMEOUT, g_name);
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST(shmhub_segment_lock(other, 30 * MS, NULL), SHMHUB_E_TIMEOUT);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 >= 30 * MS); /* never early */
    CHECK_ST(shmhub_segment_unlock(other), SHMHUB_OK);   /* any handle of the owning process */
    CHECK_ST_NAMED(shmhub_segment_unlock(seg), SHMHUB_E_INVALID, g_name); /* not held */
    CHECK_ST(shmhub_segment_lock(other, -1, &rec), SHMHUB_OK);
    CHECK(rec == 0);
    CHECK_ST(shmhub_segment_unlock(seg), SHMHUB_OK);
    CHECK(shmhub_segment_lock_recoveries(seg) == 0);
    /* NULL and read-only handles. */
    rec = 7;
    CHECK_ST(shmhub_segment_lock(NULL, 0, &rec), SHMHUB_E_INVALID);
    CHECK(rec == 0);
    CHECK_ST(shmhub_segment_unlock(NULL), SHMHUB_E_INVALID);
    CHECK(shmhub_segment_lock_recoveries(NULL) == 0);
    CHECK(shmhub_segment_lock_holder_pid(NULL) == 0);
    shmhub_segment *ro = open_segment(SHMHUB_READ_ONLY);
    CHECK_ST_NAMED(shmhub_segment_lock(ro, 0, NULL), SHMHUB_E_READ_ONLY, g_name);
    CHECK_ST_NAMED(shmhub_segment_unlock(ro), SHMHUB_E_READ_ONLY, g_name);
    shmhub_segment_close(ro);
    shmhub_segment_close(other);
    shmhub_segment_close(seg);
    shmhub_unlink(g_name);
}

/* Another process holds the lock: timeouts, and its lock cannot be released by us. */
static void test_other_holder(void) {
    shmhub_segment *seg = make_segment();
    shared_area *a = shared_new();
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_segment *s = open_segment(0);
        if (shmhub_segment_lock(s, 0, NULL) != SHMHUB_OK) _exit(1);
        atomic_store(&a->state[0], 1);
        await_value(&a->state[1], 1);
        _exit(shmhub_segment_unlock(s) == SHMHUB_OK ? 0 : 2);
    }
    await_value(&a->state[0], 1);
    CHECK(shmhub_segment_lock_holder_pid(seg) == pid);
    CHECK_ST_NAMED(shmhub_segment_lock(seg, 0, NULL), SHMHUB_E_TIMEOUT, g_name);
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST(shmhub_segment_lock(seg, 50 * MS, NULL), SHMHUB_E_TIMEOUT);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 >= 50 * MS);
    CHECK_ST_NAMED(shmhub_segment_unlock(seg), SHMHUB_E_INVALID, g_name); /* not the owner */
    CHECK(strstr(shmhub_last_error(), "holds the lock") != NULL);
    atomic_store(&a->state[1], 1);
    int32_t rec = 7;
    CHECK_ST(shmhub_segment_lock(seg, 10000 * MS, &rec), SHMHUB_OK); /* woken by its unlock */
    CHECK(rec == 0);
    CHECK(child_rc(pid) == 0);
    CHECK_ST(shmhub_segment_unlock(seg), SHMHUB_OK);
    CHECK(shmhub_segment_lock_recoveries(seg) == 0);
    munmap(a, sizeof *a);
    shmhub_segment_close(seg);
    shmhub_unlink(g_name);
}

/* Mutual exclusion: NPROC processes add 1 to a plain (non-atomic) int64 ITERS times each. */
static void test_exclusion(void) {
    enum { NPROC = 4, ITERS = 3000 };
    shmhub_segment *seg = make_segment();
    pid_t pids[NPROC];
    for (int k = 0; k < NPROC; k++) {
        if ((pids[k] = xfork()) == 0) {
            shmhub_segment *s = open_segment(0);
            const shmhub_array *arr = NULL;
            if (shmhub_segment_find(s, "counter", &arr) != SHMHUB_OK) _exit(1);
            volatile int64_t *c = shmhub_array_data(arr);
            for (int i = 0; i < ITERS; i++) {
                if (shmhub_segment_lock(s, 20000 * MS, NULL) != SHMHUB_OK) _exit(2);
                int64_t v = *c;
                if (i % 64 == 0) sched_yield(); /* widen the window a race would need */
                *c = v + 1;
                if (shmhub_segment_unlock(s) != SHMHUB_OK) _exit(3);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < NPROC; k++) CHECK(child_rc(pids[k]) == 0);
    const shmhub_array *arr = NULL;
    CHECK_ST(shmhub_segment_find(seg, "counter", &arr), SHMHUB_OK);
    CHECK(arr && *(const int64_t *)shmhub_array_data(arr) == (int64_t)NPROC * ITERS);
    CHECK(shmhub_segment_lock_holder_pid(seg) == 0);
    shmhub_segment_close(seg);
    shmhub_unlink(g_name);
}

/* A holder killed by SIGKILL: a waiter asleep in lock() takes it over and is told; the next
 * holder killed is taken over by a later try-once lock. */
static void test_killed_holder(void) {
    shmhub_segment *seg = make_segment();
    shared_area *a = shared_new();
    pid_t holder = xfork();
    if (holder == 0) {
        shmhub_segment *s = open_segment(0);
        if (shmhub_segment_lock(s, 0, NULL) != SHMHUB_OK) _exit(1);
        atomic_store(&a->state[0], 1);
        for (;;) pause();
    }
    await_value(&a->state[0], 1);
    pid_t waiter = xfork();
    if (waiter == 0) {
        shmhub_segment *s = open_segment(0);
        int32_t rec = 0;
        atomic_store(&a->state[1], 1);
        shmhub_status st = shmhub_segment_lock(s, 20000 * MS, &rec);
        atomic_store(&a->state[2], st == SHMHUB_OK ? 1 + rec : -1);
        if (st == SHMHUB_OK) shmhub_segment_unlock(s);
        _exit(0);
    }
    await_value(&a->state[1], 1);
    usleep(50000); /* let the waiter fall asleep on the lock (not required for correctness) */
    CHECK(atomic_load(&a->state[2]) == 0); /* still waiting: the holder lives */
    kill(holder, SIGKILL);
    CHECK(child_rc(holder) == 100 + SIGKILL);
    CHECK(child_rc(waiter) == 0);
    CHECK(atomic_load(&a->state[2]) == 2); /* locked, and told of the recovery */
    CHECK(shmhub_segment_lock_recoveries(seg) == 1);
    /* Killed again, with nobody waiting: a later try-once lock recovers it. */
    atomic_store(&a->state[0], 0);
    holder = xfork();
    if (holder == 0) {
        shmhub_segment *s = open_segment(0);
        if (shmhub_segment_lock(s, 0, NULL) != SHMHUB_OK) _exit(1);
        atomic_store(&a->state[0], 1);
        for (;;) pause();
    }
    await_value(&a->state[0], 1);
    kill(holder, SIGKILL);
    CHECK(child_rc(holder) == 100 + SIGKILL);
    CHECK(shmhub_segment_lock_holder_pid(seg) == holder);
    int32_t rec = 0;
    CHECK_ST(shmhub_segment_lock(seg, 0, &rec), SHMHUB_OK);
    CHECK(rec == 1);
    CHECK(shmhub_segment_lock_recoveries(seg) == 2);
    CHECK_ST(shmhub_segment_unlock(seg), SHMHUB_OK);
    munmap(a, sizeof *a);
    shmhub_segment_close(seg);
    shmhub_unlink(g_name);
}

/* Every kind has the lock in its header: a stream's segment too. */
static void test_stream_segment(void) {
    uint64_t shape = 4;
    shmhub_stream *s = NULL;
    CHECK_ST(shmhub_stream_create(g_name, SHMHUB_DTYPE_UINT8, 1, &shape, NULL, &s), SHMHUB_OK);
    shmhub_segment *seg = (shmhub_segment *)shmhub_stream_segment(s);
    int32_t rec = 7;
    CHECK_ST(shmhub_segment_lock(seg, 0, &rec), SHMHUB_OK);
    CHECK(rec == 0);
    uint8_t frame[4] = {1, 2, 3, 4};
    CHECK_ST(shmhub_stream_write(s, frame, sizeof frame), SHMHUB_OK); /* independent of the lock */
    CHECK_ST(shmhub_segment_unlock(seg), SHMHUB_OK);
    shmhub_stream_close(s);
    shmhub_unlink(g_name);
}

int main(void) {
    snprintf(g_name, sizeof g_name, "test-lock-%d", (int)getpid());
    test_basics();
    test_other_holder();
    test_exclusion();
    test_killed_holder();
    test_stream_segment();
    shmhub_unlink(g_name);
    return check_finish("test_lock");
}
