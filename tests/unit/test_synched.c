/* Synched memory: options and bad input, worker ids (claim, busy, dead holder, forked child),
 * the two-barrier cycle across processes and threads in every barrier mode with 0 mixed-round
 * reads, a one-barrier cycle that does mix rounds (so the check can fail), a dead worker breaking
 * the barrier with SHMHUB_E_PEER_DEAD, timeouts, finalize, the profile, and BLAS thread control. */
#include "check.h"
#include "util.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define LIVENESS_NS 200000000
#define LONG_TIMEOUT_NS INT64_C(60000000000)

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

static int wait_exit(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
}

static shmhub_synched_opts opts_mode(uint32_t mode, uint32_t flags) {
    shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
    o.barrier_mode = mode;
    o.flags = flags;
    o.liveness_ns = LIVENESS_NS;
    return o;
}

/* Busy work proportional to n, that the compiler cannot drop. */
static uint64_t work(uint64_t n) {
    volatile uint64_t a = 0, b = 1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    return b;
}

/* ---- options, bad input ------------------------------------------------------------------------ */

static void test_bad_input(void) {
    const char *name = test_name("sy_bad");
    shmhub_synched *s = (shmhub_synched *)1;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 0, 4, NULL, &s), SHMHUB_E_INVALID);
    CHECK(s == NULL);
    CHECK_ST_NAMED(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 0, NULL, &s),
                   SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_synched_create(name, 99, 2, 4, NULL, &s), SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 5000, 4, NULL, &s),
                   SHMHUB_E_INVALID, name);
    CHECK_ST(shmhub_synched_create("bad/name", SHMHUB_DTYPE_FLOAT64, 2, 4, NULL, &s),
             SHMHUB_E_INVALID);
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 4, NULL, NULL), SHMHUB_E_INVALID);
    shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
    o.barrier_mode = 7;
    CHECK_ST_NAMED(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 4, &o, &s),
                   SHMHUB_E_INVALID, name);
    o = (shmhub_synched_opts)SHMHUB_SYNCHED_OPTS_INIT;
    o.flags = 0x80;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 4, &o, &s), SHMHUB_E_INVALID);
    o.size = 4;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 4, &o, &s), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_synched_opts_init(NULL, sizeof o), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_synched_opts_init(&o, sizeof o), SHMHUB_OK);
    CHECK(o.size == sizeof o && o.liveness_ns == 1000000000 && o.barrier_mode == SHMHUB_WAIT_FUTEX);
    /* An old, shorter options struct: the rest defaults. */
    shmhub_synched_opts small;
    memset(&small, 0xff, sizeof small);
    small.size = (uint32_t)offsetof(shmhub_synched_opts, liveness_ns);
    small.barrier_mode = SHMHUB_WAIT_SPIN_THEN_FUTEX;
    small.spin_ns = 1000;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 4, &small, &s), SHMHUB_OK);
    shmhub_synched_close(s);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    CHECK_ST_NAMED(shmhub_synched_open(name, NULL, &s), SHMHUB_E_NOT_FOUND, name);
    /* Another kind by that name. */
    shmhub_stream *st = NULL;
    uint64_t shape = 4;
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, &shape, NULL, &st), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_synched_open(name, NULL, &s), SHMHUB_E_WRONG_KIND, name);
    CHECK(s == NULL);
    shmhub_stream_close(st);
    shmhub_unlink(name);

    /* Calls on a handle that is not attached, wrong sizes, NULLs. */
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_INT32, 3, 5, NULL, &s), SHMHUB_OK);
    int32_t buf[5] = {0};
    void *local = NULL;
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(s, buf, sizeof buf, 0), SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_synched_begin_write(s, &local, 0), SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_synched_sync(s, 0), SHMHUB_E_INVALID, name);
    CHECK_ST(shmhub_synched_attach(s, 3), SHMHUB_E_RANGE);
    CHECK_ST(shmhub_synched_attach(NULL, 0), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_synched_attach(s, 1), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(s, 2), SHMHUB_E_INVALID); /* one id per handle */
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(s, buf, 4, 0), SHMHUB_E_SIZE, name);
    CHECK_ST(shmhub_synched_write_and_sync(s, NULL, sizeof buf, 0), SHMHUB_E_INVALID);
    const void *g = NULL;
    CHECK_ST(shmhub_synched_global(s, &g), SHMHUB_OK);
    CHECK(g != NULL);
    CHECK_ST(shmhub_synched_global(NULL, &g), SHMHUB_E_INVALID);
    CHECK(g == NULL);
    size_t rounds = 7;
    CHECK_ST_NAMED(shmhub_synched_profile(s, 0, NULL, 0, &rounds), SHMHUB_E_INVALID, "profil");
    CHECK(shmhub_synched_workers(s) == 3 && shmhub_synched_segment_len(s) == 5);
    CHECK(shmhub_synched_dtype(s) == SHMHUB_DTYPE_INT32 && shmhub_synched_worker(s) == 1);
    CHECK(shmhub_synched_workers(NULL) == 0 && shmhub_synched_worker(NULL) == -1);
    CHECK(shmhub_segment_kind(shmhub_synched_segment(s)) == SHMHUB_KIND_SYNCHED);
    const shmhub_array *arr = NULL;
    CHECK_ST(shmhub_segment_find(shmhub_synched_segment(s), "data", &arr), SHMHUB_OK);
    CHECK(arr && shmhub_array_ndim(arr) == 2 && shmhub_array_shape(arr)[0] == 3 &&
          shmhub_array_shape(arr)[1] == 5);
    shmhub_synched_close(s);
    shmhub_synched_close(NULL);
    shmhub_unlink(name);
}

/* ---- worker ids ----------------------------------------------------------------------------------- */

static void test_attach(void) {
    const char *name = test_name("sy_attach");
    shmhub_synched *a = NULL, *b = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_UINT8, 2, 8, NULL, &a), SHMHUB_OK);
    CHECK_ST(shmhub_synched_open(name, NULL, &b), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(a, 0), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_synched_attach(b, 0), SHMHUB_E_BUSY, name); /* same process, other handle */

    /* A live child holds worker 1: busy for us until it exits; then claimable (dead holder). */
    int pipefd[2], gofd[2];
    CHECK(pipe(pipefd) == 0 && pipe(gofd) == 0);
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_synched *c = NULL;
        int ok = shmhub_synched_open(name, NULL, &c) == SHMHUB_OK && shmhub_synched_attach(c, 1) == SHMHUB_OK;
        char x = ok ? 'y' : 'n';
        if (write(pipefd[1], &x, 1) != 1) _exit(3);
        if (read(gofd[0], &x, 1) != 1) _exit(4);
        _exit(ok ? 0 : 1); /* dies holding the claim (no close) */
    }
    char x = 0;
    CHECK(read(pipefd[0], &x, 1) == 1 && x == 'y');
    CHECK_ST_NAMED(shmhub_synched_attach(b, 1), SHMHUB_E_BUSY, "live process");
    CHECK(write(gofd[1], "g", 1) == 1);
    CHECK(wait_exit(pid) == 0);
    CHECK_ST(shmhub_synched_attach(b, 1), SHMHUB_OK); /* the dead holder's id is claimed again */
    CHECK(shmhub_synched_worker(b) == 1);

    /* Closing a handle in a forked child does not release the parent's claim. */
    pid = xfork();
    if (pid == 0) {
        shmhub_synched_close(b);
        _exit(0);
    }
    CHECK(wait_exit(pid) == 0);
    shmhub_synched *c = NULL;
    CHECK_ST(shmhub_synched_open(name, NULL, &c), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(c, 1), SHMHUB_E_BUSY);
    /* Closing in the claiming process releases it. */
    shmhub_synched_close(b);
    CHECK_ST(shmhub_synched_attach(c, 1), SHMHUB_OK);
    shmhub_synched_close(c);
    shmhub_synched_close(a);
    close(pipefd[0]); close(pipefd[1]); close(gofd[0]); close(gofd[1]);
    shmhub_unlink(name);
}

/* ---- the cycle: 0 mixed-round reads ------------------------------------------------------------- */

/* Round r of worker w fills its segment with tag(r, w); a read of round r must see tag(r, v) in
 * every element of every worker v's segment. Uneven work between rounds, and a slow reader,
 * give a one-barrier cycle every chance to mix rounds. */
static uint64_t tag(uint64_t r, uint32_t w) { return (r << 16) | w; }

#define SEG_LEN 512u

/* Returns the number of mixed reads; -1 on an API error. */
static long cycle_worker(const char *name, uint32_t w, uint32_t workers, uint32_t rounds,
                         uint32_t mode, int zero_copy) {
    shmhub_synched_opts o = opts_mode(mode, 0);
    shmhub_synched *s = NULL;
    if (shmhub_synched_open(name, &o, &s) != SHMHUB_OK || shmhub_synched_attach(s, w) != SHMHUB_OK) {
        fprintf(stderr, "worker %u: %s\n", w, shmhub_last_error());
        shmhub_synched_close(s);
        return -1;
    }
    uint64_t mine[SEG_LEN];
    long mixed = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        work((uint64_t)((w * 7 + r * 3) % 5) * 20000);
        shmhub_status st;
        if (zero_copy) {
            void *local = NULL;
            st = shmhub_synched_begin_write(s, &local, LONG_TIMEOUT_NS);
            if (st == SHMHUB_OK) {
                for (uint32_t i = 0; i < SEG_LEN; i++) ((uint64_t *)local)[i] = tag(r, w);
                st = shmhub_synched_sync(s, LONG_TIMEOUT_NS);
            }
        } else {
            for (uint32_t i = 0; i < SEG_LEN; i++) mine[i] = tag(r, w);
            st = shmhub_synched_write_and_sync(s, mine, sizeof mine, LONG_TIMEOUT_NS);
        }
        if (st != SHMHUB_OK) {
            fprintf(stderr, "worker %u round %u: %s\n", w, r, shmhub_last_error());
            shmhub_synched_close(s);
            return -1;
        }
        const void *gp = NULL;
        shmhub_synched_global(s, &gp);
        const uint64_t *g = gp;
        int bad = 0;
        for (uint32_t v = 0; v < workers; v++) {
            for (uint32_t i = 0; i < SEG_LEN; i++) {
                if (g[(uint64_t)v * SEG_LEN + i] != tag(r, v)) bad = 1;
                if (w == 0 && i == SEG_LEN / 2) work(20000); /* a slow reader */
            }
        }
        mixed += bad;
    }
    if (shmhub_synched_round(s) != rounds) mixed = -1;
    shmhub_synched_close(s);
    return mixed;
}

static void test_cycle_processes(uint32_t mode, uint32_t workers, uint32_t rounds, int zero_copy) {
    const char *name = test_name("sy_cycle");
    shmhub_synched *s = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_UINT64, workers, SEG_LEN, NULL, &s), SHMHUB_OK);
    pid_t pids[8];
    for (uint32_t w = 0; w < workers; w++) {
        pids[w] = xfork();
        if (pids[w] == 0) {
            long mixed = cycle_worker(name, w, workers, rounds, mode, zero_copy);
            _exit(mixed < 0 ? 99 : mixed > 90 ? 90 : (int)mixed);
        }
    }
    int total = 0;
    for (uint32_t w = 0; w < workers; w++) {
        int rc = wait_exit(pids[w]);
        if (rc != 0)
            fprintf(stderr, "cycle mode %u worker %u: exit %d (mixed reads or error)\n", mode, w, rc);
        total += rc;
    }
    CHECK(total == 0); /* 0 mixed-round reads, no error, in every process */
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

/* The same check over a deliberately one-barrier cycle (write, one barrier, read), built on the
 * same segment with a process-shared pthread barrier: it must report mixed rounds. */
static void test_one_barrier_mixes(void) {
    const char *name = test_name("sy_one");
    const uint32_t workers = 2, rounds = 40;
    shmhub_synched *s = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_UINT64, workers, SEG_LEN, NULL, &s), SHMHUB_OK);
    pthread_barrier_t *bar = mmap(NULL, sizeof *bar, PROT_READ | PROT_WRITE,
                                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(bar != MAP_FAILED);
    pthread_barrierattr_t ba;
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(bar, &ba, workers);
    pid_t pids[2];
    for (uint32_t w = 0; w < workers; w++) {
        pids[w] = xfork();
        if (pids[w] == 0) {
            const void *gp = NULL;
            shmhub_synched_global(s, &gp);
            _Atomic uint64_t *g = (_Atomic uint64_t *)(uintptr_t)gp;
            int mixed = 0;
            for (uint64_t r = 0; r < rounds; r++) {
                for (uint32_t i = 0; i < SEG_LEN; i++)
                    atomic_store_explicit(&g[w * SEG_LEN + i], tag(r, w), memory_order_relaxed);
                pthread_barrier_wait(bar); /* the only barrier of the cycle */
                int bad = 0;
                for (uint32_t v = 0; v < workers; v++)
                    for (uint32_t i = 0; i < SEG_LEN; i++) {
                        if (atomic_load_explicit(&g[v * SEG_LEN + i], memory_order_relaxed) != tag(r, v))
                            bad = 1;
                        if (w == 0 && i == SEG_LEN / 2) usleep(2000); /* the slow reader */
                    }
                mixed += bad;
            }
            _exit(mixed > 90 ? 90 : mixed);
        }
    }
    int total = 0;
    for (uint32_t w = 0; w < workers; w++) total += wait_exit(pids[w]);
    printf("one-barrier cycle: %d of %u reads mixed two rounds\n", total, workers * rounds);
    CHECK(total > 0); /* the property check detects the one-barrier bug */
    pthread_barrier_destroy(bar);
    munmap(bar, sizeof *bar);
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

/* Threads of one process, one handle each (TSan sees every access of the cycle here). */
typedef struct {
    const char *name;
    uint32_t w, workers, rounds, mode;
    long mixed;
} thread_arg;

static void *cycle_thread(void *p) {
    thread_arg *a = p;
    a->mixed = cycle_worker(a->name, a->w, a->workers, a->rounds, a->mode, (int)(a->w & 1));
    return NULL;
}

static void test_cycle_threads(uint32_t mode) {
    const char *name = test_name("sy_thr");
    const uint32_t workers = 3;
    shmhub_synched *s = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_UINT64, workers, SEG_LEN, NULL, &s), SHMHUB_OK);
    /* Worker ids are per process; threads share one, so each thread claims through its own
     * handle and the ids differ: allowed, as only a *live other process* or another handle of
     * the same id is refused. */
    pthread_t t[3];
    thread_arg args[3];
    for (uint32_t w = 0; w < workers; w++) {
        args[w] = (thread_arg){name, w, workers, 30, mode, 0};
        pthread_create(&t[w], NULL, cycle_thread, &args[w]);
    }
    for (uint32_t w = 0; w < workers; w++) {
        pthread_join(t[w], NULL);
        CHECK(args[w].mixed == 0);
    }
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

/* ---- dead workers, timeouts, finalize ----------------------------------------------------------- */

static void test_dead_worker(uint32_t mode) {
    const char *name = test_name("sy_dead");
    shmhub_synched_opts o = opts_mode(mode, 0);
    shmhub_synched *s = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT32, 3, 16, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(s, 0), SHMHUB_OK);
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t pids[2];
    for (uint32_t w = 1; w <= 2; w++) {
        pids[w - 1] = xfork();
        if (pids[w - 1] == 0) {
            shmhub_synched *c = NULL;
            float buf[16] = {0};
            if (shmhub_synched_open(name, &o, &c) != SHMHUB_OK || shmhub_synched_attach(c, w) != SHMHUB_OK ||
                shmhub_synched_write_and_sync(c, buf, sizeof buf, LONG_TIMEOUT_NS) != SHMHUB_OK)
                _exit(1);
            if (w == 2) { /* dies during its compute phase, holding its id */
                char x;
                if (read(go[0], &x, 1) != 1) _exit(2);
                raise(SIGKILL);
            }
            shmhub_status st = shmhub_synched_write_and_sync(c, buf, sizeof buf, LONG_TIMEOUT_NS);
            _exit(st == SHMHUB_E_PEER_DEAD ? 0 : 10 + (-st));
        }
    }
    float buf[16] = {0};
    CHECK_ST(shmhub_synched_write_and_sync(s, buf, sizeof buf, LONG_TIMEOUT_NS), SHMHUB_OK);
    CHECK(write(go[1], "k", 1) == 1);
    /* Waits forever but for the liveness check: the dead worker breaks the barrier. */
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(s, buf, sizeof buf, -1), SHMHUB_E_PEER_DEAD,
                   "worker 2 died");
    CHECK(wait_exit(pids[0]) == 0); /* the other survivor got PEER_DEAD too */
    CHECK(wait_exit(pids[1]) == 128 + SIGKILL);
    /* The run stays broken. */
    CHECK_ST(shmhub_synched_write_and_sync(s, buf, sizeof buf, 0), SHMHUB_E_PEER_DEAD);
    close(go[0]);
    close(go[1]);
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

static void test_timeout_and_finalize(void) {
    const char *name = test_name("sy_to");
    shmhub_synched_opts o = opts_mode(SHMHUB_WAIT_SPIN_THEN_FUTEX, 0);
    shmhub_synched *s = NULL, *b = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_INT8, 2, 4, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(s, 0), SHMHUB_OK);
    int8_t buf[4] = {1, 2, 3, 4};
    /* Worker 1 is live in this process but never arrives: a plain timeout, which breaks the run. */
    CHECK_ST(shmhub_synched_open(name, &o, &b), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(b, 1), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(s, buf, sizeof buf, 20000000), SHMHUB_E_TIMEOUT,
                   name);
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(b, buf, sizeof buf, 20000000), SHMHUB_E_TIMEOUT,
                   "worker 0 timed out");
    shmhub_synched_close(b);
    shmhub_synched_close(s);
    shmhub_unlink(name);

    /* Finalize: the last round completes for everybody, then later barriers report FINISHED,
     * including one already waiting. */
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_INT8, 2, 4, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(s, 0), SHMHUB_OK);
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_synched *c = NULL;
        int8_t cb[4] = {0};
        if (shmhub_synched_open(name, &o, &c) != SHMHUB_OK || shmhub_synched_attach(c, 1) != SHMHUB_OK)
            _exit(1);
        for (int r = 0; r < 5; r++)
            if (shmhub_synched_write_and_sync(c, cb, sizeof cb, LONG_TIMEOUT_NS) != SHMHUB_OK) _exit(2);
        shmhub_synched_finalize(c); /* right after the last round */
        _exit(0);
    }
    for (int r = 0; r < 5; r++)
        CHECK_ST(shmhub_synched_write_and_sync(s, buf, sizeof buf, LONG_TIMEOUT_NS), SHMHUB_OK);
    CHECK(wait_exit(pid) == 0);
    CHECK_ST_NAMED(shmhub_synched_write_and_sync(s, buf, sizeof buf, LONG_TIMEOUT_NS),
                   SHMHUB_E_FINISHED, "finalized");
    void *local = NULL;
    CHECK_ST(shmhub_synched_begin_write(s, &local, 0), SHMHUB_E_FINISHED);
    CHECK(local == NULL);
    CHECK_ST(shmhub_synched_finalize(NULL), SHMHUB_E_INVALID);
    shmhub_synched_close(s);
    shmhub_unlink(name);

    /* A waiter in a barrier is woken by finalize. */
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_INT8, 2, 4, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_synched_attach(s, 0), SHMHUB_OK);
    pid = xfork();
    if (pid == 0) {
        shmhub_synched *c = NULL;
        if (shmhub_synched_open(name, &o, &c) != SHMHUB_OK) _exit(1);
        usleep(50000);
        shmhub_synched_finalize(c); /* not a worker: any handle may end the run */
        _exit(0);
    }
    CHECK_ST(shmhub_synched_write_and_sync(s, buf, sizeof buf, LONG_TIMEOUT_NS), SHMHUB_E_FINISHED);
    CHECK(wait_exit(pid) == 0);
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

/* ---- profile -------------------------------------------------------------------------------------- */

static void test_profile(void) {
    const char *name = test_name("sy_prof");
    shmhub_synched_opts o = opts_mode(SHMHUB_WAIT_FUTEX, SHMHUB_SYNCHED_PROFILE);
    o.profile_rounds = 8;
    shmhub_synched *s = NULL;
    CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_FLOAT64, 2, 32, &o, &s), SHMHUB_OK);
    const uint32_t rounds = 10; /* more rounds than kept: the first 8 are recorded */
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_synched *c = NULL;
        double cb[32] = {0};
        if (shmhub_synched_open(name, NULL, &c) != SHMHUB_OK || shmhub_synched_attach(c, 1) != SHMHUB_OK)
            _exit(1);
        for (uint32_t r = 0; r < rounds; r++)
            if (shmhub_synched_write_and_sync(c, cb, sizeof cb, LONG_TIMEOUT_NS) != SHMHUB_OK) _exit(2);
        shmhub_synched_close(c);
        _exit(0);
    }
    CHECK_ST(shmhub_synched_attach(s, 0), SHMHUB_OK);
    double buf[32] = {0};
    for (uint32_t r = 0; r < rounds; r++) {
        work(200000); /* worker 0 computes, worker 1 waits */
        CHECK_ST(shmhub_synched_write_and_sync(s, buf, sizeof buf, LONG_TIMEOUT_NS), SHMHUB_OK);
    }
    CHECK(wait_exit(pid) == 0);
    int64_t prof[3 * 16];
    size_t n = 0;
    for (uint32_t w = 0; w < 2; w++) {
        CHECK_ST(shmhub_synched_profile(s, w, prof, 16, &n), SHMHUB_OK);
        CHECK(n == 8);
        for (size_t i = 0; i < n && i < 16; i++) {
            int64_t comp = prof[3 * i], wait = prof[3 * i + 1], cycle = prof[3 * i + 2];
            CHECK(comp >= 0 && wait >= 0 && cycle >= comp + wait);
            if (w == 0) CHECK(comp > 0);
        }
    }
    CHECK_ST(shmhub_synched_profile(s, 0, prof, 2, &n), SHMHUB_OK); /* a shorter buffer */
    CHECK(n == 8);
    CHECK_ST(shmhub_synched_profile(s, 2, prof, 2, &n), SHMHUB_E_RANGE);
    CHECK_ST(shmhub_synched_profile(s, 0, NULL, 2, &n), SHMHUB_E_INVALID);
    shmhub_synched_close(s);
    shmhub_unlink(name);
}

/* ---- BLAS thread control ------------------------------------------------------------------------ */

static void test_blas(void) {
    CHECK_ST(shmhub_blas_set_threads(0), SHMHUB_E_INVALID);
    /* This test links no BLAS: none is loaded yet. */
    CHECK_ST_NAMED(shmhub_blas_set_threads(1), SHMHUB_E_NOT_FOUND, "blas");
    /* Loaded privately (RTLD_LOCAL, as Python extension modules load theirs), it is found. */
    void *h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "test_blas: libopenblas.so.0 not found (make deps installs libopenblas-dev)\n");
        CHECK(h != NULL);
        return;
    }
    int (*get)(void) = NULL;
    void *sym = dlsym(h, "openblas_get_num_threads");
    memcpy(&get, &sym, sizeof get);
    CHECK(get != NULL);
    CHECK_ST(shmhub_blas_set_threads(1), SHMHUB_OK);
    if (get) CHECK(get() == 1);
    CHECK_ST(shmhub_blas_set_threads(2), SHMHUB_OK);
    if (get) CHECK(get() == 2);
    /* The library is left loaded: OpenBLAS's threads do not survive dlclose cleanly. */
}

int main(void) {
    /* SYNCHED_DEAD_ROUNDS (default 1): dead-worker runs per barrier mode (make test-long: 50). */
    const char *dr = getenv("SYNCHED_DEAD_ROUNDS");
    int dead_rounds = dr && atoi(dr) > 1 ? atoi(dr) : 1;
    test_bad_input();
    test_attach();
    const uint32_t modes[3] = {SHMHUB_WAIT_FUTEX, SHMHUB_WAIT_SPIN_THEN_FUTEX, SHMHUB_WAIT_SPIN};
    for (int m = 0; m < 3; m++) {
        test_cycle_processes(modes[m], modes[m] == SHMHUB_WAIT_SPIN ? 2 : 4, 60, m & 1);
        test_cycle_threads(modes[m] == SHMHUB_WAIT_SPIN ? SHMHUB_WAIT_SPIN_THEN_FUTEX : modes[m]);
        for (int r = 0; r < dead_rounds; r++) test_dead_worker(modes[m]);
    }
    if (dead_rounds > 1)
        printf("synched: %d dead-worker runs per barrier mode, 3 modes\n", dead_rounds);
    test_one_barrier_mixes();
    test_timeout_and_finalize();
    test_profile();
    test_blas();
    return check_finish("test_synched");
}
