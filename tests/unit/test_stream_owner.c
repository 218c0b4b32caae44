/* Who owns a stream's writer role (issue 12, defects 1-3): owner tokens, not bare pids.
 *   - a writer whose main thread exited (leader a zombie) while a worker writes is alive: another
 *     process gets BUSY, a LIVENESS reader keeps reading (no PEER_DEAD);
 *   - a handle inherited across fork and closed in the child only unmaps: the parent's claim,
 *     loan and writer lock stay, and SHMHUB_UNLINK_ON_CLOSE does not unlink in the child;
 *   - a dead writer's claim or lock recorded with a live pid but another start time (pid reuse:
 *     a restarted container writer is pid 1 again) is taken over, and counted; forged here, and
 *     for real in pid namespaces where `unshare` is permitted (skipped with the reason if not);
 *   - a writer whose claim was taken over notices at its next write (SHMHUB_E_BUSY).
 * Linked against the SHMHUB_TEST_HOOKS build (tests/CMakeLists.txt) for internal.h's layout. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"
#include "internal.h"
#include "util.h"

#define MS INT64_C(1000000)

typedef struct shared_area {
    _Atomic int64_t stop, frames, value[4];
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

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

static int child_rc(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(ws)) return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws)) return 100 + WTERMSIG(ws);
    return 255;
}

static shmhub__stream_ctl *ctl_of(const shmhub_stream *s) {
    const shmhub_segment *seg = shmhub_stream_segment(s);
    return (shmhub__stream_ctl *)(seg->base + seg->control_offset);
}

static shmhub_stream *make(const char *name, uint32_t mode, uint32_t flags) {
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = 64;
    o.writer_mode = mode;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = flags;
    o.segment = &so;
    uint64_t n = 1;
    shmhub_stream *s = NULL;
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT64, 1, &n, &o, &s), SHMHUB_OK);
    return s;
}

static shmhub_stream *open_with(const char *name, uint32_t flags, int64_t lock_timeout_ns) {
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.flags = flags;
    o.lock_timeout_ns = lock_timeout_ns;
    shmhub_stream *s = NULL;
    return shmhub_stream_open(name, &o, &s) == SHMHUB_OK ? s : NULL;
}

static shmhub_status put(shmhub_stream *s, uint64_t v) { return shmhub_stream_write(s, &v, 8); }

/* The state letter of /proc/PID/stat (0 if unreadable). */
static char proc_state(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* ---- 1. zombie leader ------------------------------------------------------------------------- */

static shared_area *g_sh;
static const char *g_name;

static void *zombie_worker(void *arg) {
    shmhub_stream *w = arg;
    for (uint64_t i = 1; !atomic_load(&g_sh->stop); i++) {
        if (put(w, i) != SHMHUB_OK) _exit(3);
        atomic_store(&g_sh->frames, (int64_t)i);
        util_sleep_ms(5);
    }
    shmhub_stream_close(w);
    _exit(0); /* the leader's exit already ran nothing; no atexit (LeakSanitizer) in the child */
}

static void test_zombie_leader(void) {
    const char *name = g_name = test_name("zombie-leader");
    shmhub_stream *r = make(name, SHMHUB_WRITER_SINGLE, 0);
    if (!r) return;
    shared_area *sh = g_sh = shared_new();
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *w = open_with(name, 0, 5000 * MS);
        pthread_t t;
        if (!w || pthread_create(&t, NULL, zombie_worker, w) != 0) _exit(1);
        pthread_exit(NULL); /* the leader exits; the worker keeps writing */
    }
    /* (a hang guard, not a timed assertion: the checks below fail if the child never got here) */
    for (int i = 0; i < 15000 && (atomic_load(&sh->frames) < 3 || proc_state(pid) != 'Z'); i++)
        util_sleep_ms(2);
    printf("zombie leader: /proc/%d/stat says Z while frames arrive\n", (int)pid);
    CHECK(shmhub_stream_writer_pid(r) == pid);
    /* another process (this one) must not take the single-writer claim */
    shmhub_stream *w2 = open_with(name, 0, 5000 * MS);
    CHECK(w2 != NULL);
    if (w2) {
        CHECK_ST_NAMED(put(w2, 999), SHMHUB_E_BUSY, name);
        shmhub_stream_close(w2);
    }
    /* a LIVENESS reader keeps getting frames, never PEER_DEAD */
    shmhub_stream *l = open_with(name, SHMHUB_STREAM_LIVENESS, 5000 * MS);
    CHECK(l != NULL);
    if (l) {
        uint64_t v = 0, prev = 0;
        int ok = 0;
        for (int i = 0; i < 10; i++) {
            shmhub_status st = shmhub_stream_read_next(l, &v, 8, 5000 * MS, NULL);
            CHECK_ST(st, SHMHUB_OK);
            if (st != SHMHUB_OK) break;
            ok += v > prev;
            prev = v;
        }
        CHECK(ok == 10);
        shmhub_stream_close(l);
    }
    atomic_store(&sh->stop, 1);
    CHECK(child_rc(pid) == 0);
    munmap(sh, sizeof *sh);
    shmhub_stream_close(r);
    shmhub_unlink(name);
}

/* ---- 2. handles inherited across fork --------------------------------------------------------- */

static void test_fork_close_single(void) {
    const char *name = test_name("fork-single");
    shmhub_stream *w = make(name, SHMHUB_WRITER_SINGLE, 0);
    if (!w) return;
    CHECK_ST(put(w, 1), SHMHUB_OK); /* claims */
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream_close(w); /* inherited: must only unmap */
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    CHECK(shmhub_stream_writer_pid(w) == getpid());
    /* a third process still cannot write alongside us */
    pid = xfork();
    if (pid == 0) {
        shmhub_stream *o = open_with(name, 0, 5000 * MS);
        if (!o) _exit(1);
        shmhub_status st = put(o, 2);
        _exit(st == SHMHUB_E_BUSY ? 0 : 2);
    }
    CHECK(child_rc(pid) == 0);
    /* a forked child writing through the inherited handle is another process: BUSY too */
    pid = xfork();
    if (pid == 0) _exit(put(w, 3) == SHMHUB_E_BUSY ? 0 : 2);
    CHECK(child_rc(pid) == 0);
    CHECK_ST(put(w, 4), SHMHUB_OK);
    CHECK(shmhub_stream_count(w) == 2 && shmhub_stream_recoveries(w) == 0);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

static void test_fork_close_loan_multi(void) {
    const char *name = test_name("fork-multi");
    shmhub_stream *w = make(name, SHMHUB_WRITER_MULTI, 0);
    if (!w) return;
    void *frame = NULL;
    CHECK_ST(shmhub_stream_loan(w, &frame), SHMHUB_OK); /* holds the writer lock */
    pid_t pid = xfork();
    if (pid == 0) {
        if (shmhub_stream_commit(w) != SHMHUB_E_INVALID) _exit(3); /* not this process's loan */
        shmhub_stream_close(w); /* must neither abandon the loan nor unlock */
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    pid = xfork();
    if (pid == 0) {
        shmhub_stream *o = open_with(name, 0, 200 * MS);
        if (!o) _exit(1);
        shmhub_status st = put(o, 2);
        _exit(st == SHMHUB_E_TIMEOUT ? 0 : 2); /* the parent still holds the lock */
    }
    CHECK(child_rc(pid) == 0);
    if (frame) *(uint64_t *)frame = 7;
    CHECK_ST(shmhub_stream_commit(w), SHMHUB_OK);
    uint64_t v = 0;
    CHECK_ST(shmhub_stream_read_latest(w, &v, 8, NULL), SHMHUB_OK);
    CHECK(v == 7 && shmhub_stream_count(w) == 1 && shmhub_stream_recoveries(w) == 0);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

static void test_fork_close_unlink(void) {
    const char *name = test_name("fork-unlink");
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_segment_create(name, NULL, &so, &seg), SHMHUB_OK);
    if (!seg) return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", shmhub_segment_path(seg));
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_segment_close(seg);
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    CHECK(util_exists(path)); /* the child's close did not unlink the parent's segment */
    shmhub_segment_close(seg);
    CHECK(!util_exists(path)); /* the creator's close does */

    const char *sname = test_name("fork-unlink-stream");
    shmhub_stream *s = make(sname, SHMHUB_WRITER_SINGLE, SHMHUB_UNLINK_ON_CLOSE);
    if (!s) return;
    snprintf(path, sizeof path, "%s", shmhub_segment_path(shmhub_stream_segment(s)));
    pid = xfork();
    if (pid == 0) {
        shmhub_stream_close(s);
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    CHECK(util_exists(path));
    shmhub_stream_close(s);
    CHECK(!util_exists(path));
}

/* ---- 3. pid reuse ------------------------------------------------------------------------------ */

/* The start time of a live process: what its token holds; a forged token gets another one. */
static uint64_t forged_token(pid_t live_pid) {
    return shmhub__token_make((uint32_t)live_pid, 12345); /* no process here started at tick 12345 */
}

static void test_forged_claim(void) {
    pid_t live[2] = {getpid(), getppid()}; /* a restart that got our pid; any live process */
    for (int k = 0; k < 2; k++) {
        const char *name = test_name(k ? "forge-claim-ppid" : "forge-claim-self");
        shmhub_stream *w = make(name, SHMHUB_WRITER_SINGLE, 0);
        if (!w) return;
        shmhub__stream_ctl *c = ctl_of(w);
        atomic_store(&c->writer_token, forged_token(live[k]));
        atomic_store(&c->writer_pid, (uint32_t)live[k]); /* what a 1.0 library would show */
        CHECK_ST(put(w, 1), SHMHUB_OK);                   /* the dead claim is taken over */
        CHECK(shmhub_stream_recoveries(w) == 1);
        CHECK(shmhub_stream_writer_pid(w) == getpid());
        CHECK(atomic_load(&c->writer_token) == shmhub__proc_self());
        /* a claim taken over by someone else is noticed at the next write */
        atomic_store(&c->writer_token, forged_token(getppid()));
        CHECK_ST_NAMED(put(w, 2), SHMHUB_E_BUSY, "taken over");
        CHECK(shmhub_stream_count(w) == 1);
        shmhub_stream_close(w);
        shmhub_unlink(name);
    }
}

static void test_forged_lock(void) {
    /* the lock word: our own thread id (a restarted pid-1 writer) or a live thread of another
     * process; the owner token: that pid with another start time */
    uint32_t tids[2] = {shmhub__thread_id(), (uint32_t)getppid()};
    pid_t pids[2] = {getpid(), getppid()};
    for (int k = 0; k < 2; k++) {
        const char *name = test_name(k ? "forge-lock-ppid" : "forge-lock-self");
        shmhub_stream *w = make(name, SHMHUB_WRITER_MULTI, 0);
        if (!w) return;
        shmhub__stream_ctl *c = ctl_of(w);
        atomic_store(&c->lock, tids[k]);
        atomic_store(&c->lock_owner, forged_token(pids[k]));
        CHECK_ST(put(w, 1), SHMHUB_OK); /* taken over, not BUSY and not a 5 s timeout */
        CHECK(shmhub_stream_recoveries(w) == 1);
        CHECK(atomic_load(&c->lock) == 0 && atomic_load(&c->lock_owner) == 0);
        CHECK_ST(put(w, 2), SHMHUB_OK);
        CHECK(shmhub_stream_count(w) == 2 && shmhub_stream_recoveries(w) == 1);
        shmhub_stream_close(w);
        shmhub_unlink(name);
    }
}

/* A real restart: a writer that is pid 1 of a fresh pid namespace (with its own /proc, as in a
 * container) writes and dies without closing; the next one, pid 1 again, must take over. */
static int ns_writer(const char *name, shared_area *sh) {
    if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) return 77;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return 78;
    pid_t pid = fork();
    if (pid < 0) return 79;
    if (pid == 0) {
        if (getpid() != 1) _exit(80);
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) _exit(81);
        shmhub_stream *w = open_with(name, 0, 5000 * MS);
        if (!w) _exit(10);
        shmhub_status st = put(w, 1);
        atomic_store(&sh->value[0], st);
        atomic_store(&sh->value[1], shmhub_stream_writer_pid(w));
        _exit(0); /* no close: the claim stays with a dead pid 1 */
    }
    return child_rc(pid);
}

static void test_pidns_restart(void) {
    const char *name = test_name("pidns");
    shmhub_stream *r = make(name, SHMHUB_WRITER_SINGLE, 0);
    if (!r) return;
    shared_area *sh = shared_new();
    for (int round = 0; round < 2; round++) {
        /* Tokens hold the start time in clock ticks (10 ms): a restart within the same tick with
         * the same pid would be indistinguishable (docs/streams.md). */
        util_sleep_ms(30);
        atomic_store(&sh->value[0], -1000);
        pid_t pid = xfork();
        if (pid == 0) _exit(ns_writer(name, sh));
        int rc = child_rc(pid);
        if (rc >= 77 && rc <= 81) {
            printf("SKIP pid-namespace restart: %s\n",
                   rc == 77   ? "unshare(CLONE_NEWPID|CLONE_NEWNS) not permitted here"
                   : rc == 81 ? "cannot mount /proc in the new pid namespace"
                              : "cannot set up the namespace");
            break;
        }
        CHECK(rc == 0);
        CHECK(atomic_load(&sh->value[0]) == SHMHUB_OK);
        CHECK(atomic_load(&sh->value[1]) == 1);
        CHECK(shmhub_stream_count(r) == (uint64_t)round + 1);
        CHECK(shmhub_stream_recoveries(r) == (uint64_t)round);
        if (round == 1) printf("pid-namespace restart: pid 1 took over from the dead pid 1\n");
    }
    munmap(sh, sizeof *sh);
    shmhub_stream_close(r);
    shmhub_unlink(name);
}

int main(void) {
    test_zombie_leader();
    test_fork_close_single();
    test_fork_close_loan_multi();
    test_fork_close_unlink();
    test_forged_claim();
    test_forged_lock();
    test_pidns_restart();
    return check_finish("test_stream_owner");
}
