/* Hostile segments for the containers (issue 12): while two processes use a SharedDict, a
 * MemoryPool or a SynchedMemory segment (and its segment lock), another process rewrites every
 * mutable shared word with random and extreme values: the whole control area (dict: lock, seq,
 * active half, bump pointers, counts; pool: each class's futex word, waiters, counters, hint and
 * every buffer's owner and generation; synched: barrier generation, waiters, broken word,
 * culprit, arrivals, worker owners, rounds, profile), the segment lock words (header bytes
 * 136..151), the ready word, and for a dict also its two hash tables and the record headers in
 * its two heaps. Promise: no crash, no out-of-bounds access (this test also runs under
 * ASan+UBSan: make test-asan), no call past its timeout (+ SLACK on a loaded machine), every
 * failure a status code with a message. HOSTILE_SECONDS (default 1.5) sets the time per kind. */
#include <errno.h>
#include <pthread.h>
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
#define NUSERS 2
#define TMO (50 * MS) /* every call's timeout (lock, acquire, barrier) */

enum { K_DICT, K_POOL, K_SYNCHED };
static const char *KIND[] = {"dict", "pool", "synched"};

typedef struct hostile_area {
    _Atomic int stop;
    _Atomic int ready;
    _Atomic int64_t calls, late, bad_status, ok, rewrites;
    _Atomic int64_t op_start[NUSERS]; /* when the current call began (0 = none) */
    _Atomic int op[NUSERS];           /* which call (for a hang report) */
} hostile_area;

static hostile_area *H;

static int64_t now(void) { return util_now_ns(CLOCK_MONOTONIC); }

static const char *OPS[] = {"none",        "dict_set",   "dict_get",     "dict_delete",
                            "dict_add",    "dict_cas",   "dict_keys",    "dict_clear",
                            "pool_acquire", "pool_adopt", "pool_reclaim", "pool_release",
                            "synched_sync", "synched_begin", "lock",      "unlock",
                            "open",        "synched_attach"};

/* HOSTILE_TIMED (hostile.h), counting the calls that succeeded. */
#define TIMED(who, opi, tmo, call)                                                               \
    ({                                                                                           \
        shmhub_status s2_ = HOSTILE_TIMED(who, opi, tmo, call);                                  \
        if (s2_ == SHMHUB_OK) atomic_fetch_add(&H->ok, 1);                                       \
        s2_;                                                                                     \
    })

static shmhub_segment_opts seg_opts(const char *dir) {
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    so.open_timeout_ns = 100 * MS;
    return so;
}

static shmhub_dict *open_dict(const char *name, const shmhub_segment_opts *so) {
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    o.segment = so;
    o.lock_timeout_ns = TMO;
    shmhub_dict *d = NULL;
    shmhub_dict_open(name, &o, &d);
    return d;
}
static shmhub_pool *open_pool(const char *name, const shmhub_segment_opts *so) {
    shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
    o.segment = so;
    shmhub_pool *p = NULL;
    shmhub_pool_open(name, &o, &p);
    return p;
}
static shmhub_synched *open_synched(const char *name, const shmhub_segment_opts *so) {
    shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
    o.segment = so;
    o.liveness_ns = 20 * MS;
    shmhub_synched *s = NULL;
    shmhub_synched_open(name, &o, &s);
    return s;
}

static void dict_ops(shmhub_dict *d, int who, uint64_t i) {
    static unsigned char buf[2048], out[2048];
    char key[32];
    snprintf(key, sizeof key, "k%llu", (unsigned long long)(rnd() % 24));
    size_t n = 0;
    uint32_t type = 0;
    int64_t v = 0;
    switch (i % 10) {
    case 0:
    case 1: {
        size_t len = rnd() % sizeof buf;
        memset(buf, (int)(i & 0xff), len);
        TIMED(who, 1, TMO, shmhub_dict_set(d, key, SHMHUB_VALUE_BYTES, buf, len));
        break;
    }
    case 2:
    case 3: {
        shmhub_status st = TIMED(who, 2, TMO, shmhub_dict_get(d, key, &type, out, sizeof out, &n));
        CHECK(st != SHMHUB_OK || n <= sizeof out);
        break;
    }
    case 4: TIMED(who, 3, TMO, shmhub_dict_delete(d, key)); break;
    case 5: TIMED(who, 4, TMO, shmhub_dict_add_i64(d, "ctr", 1, &v)); break;
    case 6: TIMED(who, 5, TMO, shmhub_dict_cas_i64(d, "ctr", v, v + 1, &v)); break;
    case 7: {
        shmhub_list *l = NULL;
        if (TIMED(who, 6, TMO, shmhub_dict_keys(d, &l)) == SHMHUB_OK) {
            for (size_t k = 0; k < shmhub_list_count(l); k++) {
                const char *s = shmhub_list_name(l, k);
                CHECK(s && strlen(s) <= SHMHUB_MAX_KEY);
            }
            shmhub_list_close(l);
        }
        (void)shmhub_dict_len(d);
        (void)shmhub_dict_bytes_used(d);
        (void)shmhub_dict_writes(d);
        (void)shmhub_dict_recoveries(d);
        break;
    }
    case 8:
        TIMED(who, 2, TMO, shmhub_dict_contains(d, key));
        TIMED(who, 2, TMO, shmhub_dict_get_i64(d, "ctr", &v));
        break;
    default:
        if (rnd() % 8 == 0) TIMED(who, 7, TMO, shmhub_dict_clear(d));
        else TIMED(who, 1, TMO, shmhub_dict_set_i64(d, key, (int64_t)i));
    }
}

static void pool_ops(shmhub_pool *p, int who, uint64_t i, shmhub_buffer **held) {
    switch (i % 6) {
    case 0:
    case 1:
    case 2: {
        if (*held) {
            TIMED(who, 11, 0, shmhub_pool_release(p, *held));
            *held = NULL;
        }
        size_t want = 1 + rnd() % 5000;
        shmhub_buffer *b = NULL;
        if (TIMED(who, 8, TMO, shmhub_pool_acquire(p, want, TMO, &b)) == SHMHUB_OK) {
            CHECK(shmhub_buffer_size(b) >= want);
            memset(shmhub_buffer_data(b), 0x5a, shmhub_buffer_size(b)); /* inside the mapping */
            *held = b;
        }
        break;
    }
    case 3: {
        shmhub_buffer *b = NULL;
        uint64_t id = rnd() % 2 ? rnd() : rnd() % 64;
        if (TIMED(who, 9, 0, shmhub_pool_adopt(p, id, &b)) == SHMHUB_OK) {
            memset(shmhub_buffer_data(b), 0xa5, shmhub_buffer_size(b));
            TIMED(who, 11, 0, shmhub_pool_release(p, b));
        }
        break;
    }
    case 4: {
        uint64_t c = 0;
        TIMED(who, 10, 0, shmhub_pool_reclaim(p, &c));
        break;
    }
    default:
        for (uint32_t k = 0; k < shmhub_pool_nclasses(p); k++) {
            shmhub_pool_stats_info si = {.size = sizeof si};
            (void)shmhub_pool_stats(p, k, &si);
        }
    }
}

static void synched_ops(shmhub_synched *s, int who, uint64_t i) {
    static uint64_t local[64];
    if (shmhub_synched_worker(s) < 0) {
        TIMED(who, 17, 0, shmhub_synched_attach(s, (uint32_t)who));
        return;
    }
    if (i % 2) {
        for (size_t k = 0; k < 64; k++) local[k] = i + k;
        TIMED(who, 12, TMO, shmhub_synched_write_and_sync(s, local, sizeof local, TMO));
    } else {
        void *l = NULL;
        if (TIMED(who, 13, TMO, shmhub_synched_begin_write(s, &l, TMO)) == SHMHUB_OK) {
            memset(l, 0x11, sizeof local);
            TIMED(who, 12, TMO, shmhub_synched_sync(s, TMO));
        }
    }
    const void *g = NULL;
    if (shmhub_synched_global(s, &g) == SHMHUB_OK) {
        volatile const unsigned char *p = g;
        (void)p[0];
        (void)p[NUSERS * sizeof local - 1];
    }
    int64_t prof[3 * 8];
    size_t rounds = 0;
    (void)shmhub_synched_profile(s, (uint32_t)(rnd() % NUSERS), prof, 8, &rounds);
    (void)shmhub_synched_round(s);
}

static int user_proc(int kind, const char *name, const char *dir, int who) {
    check_failures = 0; /* this process's own checks (fork copied the parent's count) */
    shmhub_segment_opts so = seg_opts(dir);
    shmhub_dict *d = NULL;
    shmhub_pool *p = NULL;
    shmhub_synched *s = NULL;
    shmhub_segment *seg = NULL; /* a plain handle on the same segment, for its lock */
    if (kind == K_DICT) d = open_dict(name, &so);
    if (kind == K_POOL) p = open_pool(name, &so);
    if (kind == K_SYNCHED) s = open_synched(name, &so);
    if (!d && !p && !s) return 3;
    if (shmhub_segment_open(name, &so, &seg) != SHMHUB_OK) return 4;
    shmhub_buffer *held = NULL;
    int locked = 0;
    atomic_fetch_add(&H->ready, 1);
    for (uint64_t i = 0; !atomic_load(&H->stop); i++) {
        if (kind == K_DICT) dict_ops(d, who, i);
        if (kind == K_POOL) pool_ops(p, who, i, &held);
        if (kind == K_SYNCHED) synched_ops(s, who, i);
        if (i % 5 == 0) { /* the segment lock */
            int32_t rec = 0;
            if (locked) {
                TIMED(who, 15, 0, shmhub_segment_unlock(seg));
                locked = 0;
            } else if (TIMED(who, 14, 10 * MS, shmhub_segment_lock(seg, 10 * MS, &rec)) ==
                       SHMHUB_OK) {
                locked = 1;
            }
            (void)shmhub_segment_lock_holder_pid(seg);
            (void)shmhub_segment_lock_recoveries(seg);
        }
        if (i % 97 == 0) { /* a fresh open validates the segment again, ready word included */
            atomic_store(&H->op[who], 16);
            int64_t t0 = now();
            atomic_store(&H->op_start[who], t0);
            if (kind == K_DICT) shmhub_dict_close(open_dict(name, &so));
            if (kind == K_POOL) shmhub_pool_close(open_pool(name, &so));
            if (kind == K_SYNCHED) shmhub_synched_close(open_synched(name, &so));
            atomic_store(&H->op_start[who], 0);
            if (now() - t0 > 100 * MS + SLACK_NS) atomic_fetch_add(&H->late, 1);
        }
    }
    if (held) shmhub_pool_release(p, held);
    if (locked) shmhub_segment_unlock(seg);
    shmhub_segment_close(seg);
    shmhub_dict_close(d);
    shmhub_pool_close(p);
    shmhub_synched_close(s);
    return check_failures ? 5 : 0;
}

/* A region of mutable shared words the attacker rewrites. */
typedef struct region {
    unsigned char *p;
    size_t words; /* 8-byte words */
    int dict_table, dict_heap;
} region;

static uint64_t pick(uint64_t cur, const region *r, uint64_t heap_bytes) {
    switch (rnd() % (r->dict_table ? 14 : 12)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return UINT64_MAX;
    case 3: return UINT64_MAX - 1;
    case 4: return UINT64_C(1) << 63;
    case 5: return cur + 1 + rnd() % 4;
    case 6: return cur - 1 - rnd() % 4;
    case 7: return cur * 2 + 1;
    case 8: return (uint64_t)getpid() | ((uint64_t)getpid() << 32);
    case 9: return UINT32_MAX;
    case 10: return rnd();
    case 11: return shmhub__proc_self(); /* a live owner token */
    default: { /* a bucket word pointing near or past the heap's end */
        uint64_t off = rnd() % 2 ? heap_bytes - 16 * (rnd() % 4) : rnd() % (heap_bytes + 64);
        return ((off / 16 + 1) << 20) | (rnd() & 0xFFFFF);
    }
    }
}

/* The attacker: maps the same file and rewrites mutable words, 4 or 8 bytes at a time. */
static int hostile_proc(const char *name, const char *dir, int kind) {
    rs ^= (uint64_t)getpid() * UINT64_C(0x9E3779B97F4A7C15);
    shmhub_segment_opts so = seg_opts(dir);
    shmhub_segment *seg = NULL;
    if (shmhub_segment_open(name, &so, &seg) != SHMHUB_OK) return 3;
    region reg[6];
    int nr = 0;
    reg[nr++] = (region){seg->base + seg->control_offset, seg->control_size / 8, 0, 0};
    reg[nr++] = (region){seg->base + 136, 2, 0, 0}; /* the segment lock words */
    uint64_t heap_bytes = 64;
    if (kind == K_DICT) {
        for (size_t a = 0; a < seg->narrays && a < 4; a++) {
            region r = {seg->arrays[a].data, seg->arrays[a].nbytes / 8, a < 2, a >= 2};
            if (a >= 2) {
                heap_bytes = seg->arrays[a].nbytes;
                r.words = r.words < 512 ? r.words : 512; /* where the records are */
            }
            reg[nr++] = r;
        }
    }
    _Atomic uint32_t *ready = (_Atomic uint32_t *)(void *)(seg->base + SHMHUB__READY_OFFSET);
    atomic_fetch_add(&H->ready, 1);
    while (!atomic_load(&H->stop)) {
        const region *r = &reg[rnd() % (uint64_t)nr];
        size_t wi = rnd() % r->words;
        _Atomic uint64_t *w = (_Atomic uint64_t *)(void *)(r->p + wi * 8);
        uint64_t cur = atomic_load_explicit(w, memory_order_relaxed);
        uint64_t v = pick(cur, r, heap_bytes);
        if (r->dict_heap && rnd() % 2) /* a record header: length word or key/type word */
            v = rnd() % 2 ? (rnd() % 2 ? heap_bytes - rnd() % 64 : rnd() % 4096)
                          : (cur & ~(UINT64_C(0xFFFF) << 32)) | ((rnd() & 0xFFFF) << 32);
        if (rnd() % 3 == 0) { /* a 4-byte store into either half */
            _Atomic uint32_t *h32 = (_Atomic uint32_t *)(void *)(r->p + wi * 8 + 4 * (rnd() % 2));
            atomic_store_explicit(h32, (uint32_t)v, memory_order_relaxed);
        } else {
            atomic_store_explicit(w, v, memory_order_relaxed);
        }
        if (rnd() % 64 == 0) /* the ready word: a segment "being created" again, or garbage */
            atomic_store_explicit(ready, (uint32_t)(rnd() % 3 ? SHMHUB__STATE_READY : rnd()),
                                  memory_order_relaxed);
        atomic_fetch_add(&H->rewrites, 1);
        if (rnd() % 1024 == 0) { /* hold the value for 20 ms */
            int64_t until = now() + 20 * MS;
            while (now() < until) atomic_store_explicit(w, v, memory_order_relaxed);
        }
        if (rnd() % 16 == 0) { /* restore the ready word: sometimes the segment works a while */
            atomic_store_explicit(ready, SHMHUB__STATE_READY, memory_order_relaxed);
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
        }
    }
    shmhub_segment_close(seg);
    return 0;
}

static void create_kind(int kind, const char *name, const char *dir, void **own) {
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    if (kind == K_DICT) {
        shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
        o.segment = &so;
        o.capacity = 32;
        o.value_bytes = 16384;
        CHECK_ST(shmhub_dict_create(name, &o, (shmhub_dict **)own), SHMHUB_OK);
    } else if (kind == K_POOL) {
        shmhub_pool_class cls[3] = {{64, 4, 0}, {1000, 3, 0}, {5000, 2, 0}};
        shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
        o.segment = &so;
        o.nclasses = 3;
        o.classes = cls;
        CHECK_ST(shmhub_pool_create(name, &o, (shmhub_pool **)own), SHMHUB_OK);
    } else {
        shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
        o.segment = &so;
        o.flags = SHMHUB_SYNCHED_PROFILE;
        o.profile_rounds = 16;
        CHECK_ST(shmhub_synched_create(name, SHMHUB_DTYPE_UINT64, NUSERS, 64, &o,
                                       (shmhub_synched **)own),
                 SHMHUB_OK);
    }
}

static void run_kind(const char *dir, int kind, double seconds) {
    char tag[64];
    snprintf(tag, sizeof tag, "hostile.%s", KIND[kind]);
    const char *name = test_name(tag);
    void *own = NULL;
    create_kind(kind, name, dir, &own);
    if (!own) return;
    memset((void *)H, 0, sizeof *H);
    pid_t pids[NUSERS + 1];
    int np = 0;
    fflush(NULL);
    for (int j = 0; j < NUSERS; j++)
        if ((pids[np++] = fork()) == 0) _exit(user_proc(kind, name, dir, j));
    int64_t until = now() + 5000 * MS;
    while (atomic_load(&H->ready) < np && now() < until) sched_yield();
    if ((pids[np++] = fork()) == 0) _exit(hostile_proc(name, dir, kind));
    int64_t end = now() + (int64_t)(seconds * 1e9);
    int hung = 0;
    while (now() < end && !hung) {
        struct timespec ts = {0, 20 * MS};
        nanosleep(&ts, NULL);
        for (int k = 0; k < NUSERS; k++) { /* the watchdog: a call far past its timeout */
            int64_t t0 = atomic_load(&H->op_start[k]);
            if (t0 && now() - t0 > 100 * MS + 3 * SLACK_NS) {
                fprintf(stderr, "%s: process %d hangs in %s\n", name, k,
                        OPS[atomic_load(&H->op[k])]);
                hung = 1;
            }
        }
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
            fprintf(stderr, "%s: process %d did not stop (hang in %s)\n", name, k,
                    k < NUSERS ? OPS[atomic_load(&H->op[k])] : "attacker");
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
    printf("hostile %s: %lld rewrites, %lld calls (%lld ok), %lld late, %s\n", KIND[kind],
           (long long)atomic_load(&H->rewrites), (long long)atomic_load(&H->calls),
           (long long)atomic_load(&H->ok), (long long)atomic_load(&H->late),
           hung ? "HUNG" : "no hang");
    if (kind == K_DICT) shmhub_dict_close(own);
    if (kind == K_POOL) shmhub_pool_close(own);
    if (kind == K_SYNCHED) shmhub_synched_close(own);
    shmhub_unlink_in(name, dir);
}

/* Regression (found by the campaign above): a set that compacts the dictionary re-read the new
 * half's bump pointer from shared memory after compaction and checked only `need > heap - top`,
 * which wraps for a hostile top past the heap, then wrote the record at heap + top: SIGSEGV
 * (ASan: WRITE in heap_store from do_write). Here a thread keeps both bump pointers at 2^40 (which
 * also makes every set compact) while sets run in a child; before the fix the child crashed
 * within a few thousand sets. */
static _Atomic int g_hammer_stop;
static void *hammer_top(void *arg) {
    _Atomic uint64_t *top = arg; /* top[0], top[1] */
    while (!atomic_load_explicit(&g_hammer_stop, memory_order_relaxed)) {
        atomic_store_explicit(&top[0], UINT64_C(1) << 40, memory_order_relaxed);
        atomic_store_explicit(&top[1], UINT64_C(1) << 40, memory_order_relaxed);
    }
    return NULL;
}

static void test_dict_hostile_top_after_compaction(const char *dir) {
    const char *name = test_name("hostile.dtop");
    shmhub_segment_opts so = seg_opts(dir);
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    o.segment = &so;
    o.capacity = 4;
    o.value_bytes = 256;
    o.lock_timeout_ns = TMO;
    shmhub_dict *d = NULL;
    CHECK_ST(shmhub_dict_create(name, &o, &d), SHMHUB_OK);
    if (!d) return;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        shmhub_segment *seg = NULL;
        if (shmhub_segment_open(name, &so, &seg) != SHMHUB_OK) _exit(3);
        pthread_t th;
        if (pthread_create(&th, NULL, hammer_top, seg->base + seg->control_offset + 136) != 0)
            _exit(4);
        int64_t end = now() + 1000 * MS;
        long ok = 0, refused = 0;
        for (int i = 0; now() < end; i++) {
            shmhub_status st = /* bytes: a copy-on-write set (not an in-place 8-byte store) */
                shmhub_dict_set(d, i % 2 ? "a" : "b", SHMHUB_VALUE_BYTES, &i, sizeof i);
            if (st == SHMHUB_OK) ok++;
            else if (!shmhub_last_error()[0]) _exit(5);
            else refused++;
        }
        atomic_store(&g_hammer_stop, 1);
        pthread_join(th, NULL);
        printf("hostile dict top: %ld sets ok, %ld refused with a status\n", ok, refused);
        fflush(stdout);
        shmhub_segment_close(seg);
        _exit(0);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
        fprintf(stderr, "%s: the setting process ended with status 0x%x\n", name, ws);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    shmhub_dict_close(d);
    shmhub_unlink_in(name, dir);
}

int main(void) {
    H = mmap(NULL, sizeof *H, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (H == MAP_FAILED) return 2;
    const char *sec = getenv("HOSTILE_SECONDS");
    double seconds = sec && *sec ? atof(sec) : 1.5;
    rs ^= (uint64_t)time(NULL);
    char *dir = util_tmpdir("hostilec");
    test_dict_hostile_top_after_compaction(dir);
    run_kind(dir, K_DICT, seconds);
    run_kind(dir, K_POOL, seconds);
    run_kind(dir, K_SYNCHED, seconds);
    util_rmtree(dir);
    free(dir);
    return check_finish("test_hostile_containers");
}
