/* Kill campaign for SharedDict and MemoryPool: 200 writers killed by SIGKILL (CONTAINERS_KILLS,
 * a multiple of 200, for more: make test-long runs 2,000), at test-only crash
 * points inside set (mid-copy, just after publishing), delete, add, compaction and acquire, and
 * at random times. After each kill: every key holds a whole value of some version (never torn),
 * the counter lost no completed increment and gained at most the one in flight, the next write
 * goes on (no deadlock: the lock is recovered and the recovery counted), the key count matches
 * the keys, and after reclaim no pool buffer is left owned by the dead process.
 * Links the SHMHUB_TEST_HOOKS build of the library (shmhub__test_crash_arm). */
#include "check.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

enum { NKEYS = 16 };

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

static int wait_status(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return ws;
}

static unsigned rnd(unsigned *s) {
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* Version v of key k: 8 * (1 + v % 250) bytes, every word (k << 32 | v). */
static size_t value_len(uint32_t v) { return 8 * (1 + (size_t)(v % 250)); }
static void make_value(uint64_t *w, uint32_t k, uint32_t v) {
    for (size_t i = 0; i < value_len(v) / 8; i++) w[i] = (uint64_t)k << 32 | v;
}

/* The child: sets, deletes and counts until killed (or until it runs out of operations). */
static void dict_child(const char *name, const char *point, int64_t nth, _Atomic int64_t *done,
                       unsigned seed) {
    shmhub_dict *d = NULL;
    if (shmhub_dict_open(name, NULL, &d) != SHMHUB_OK) _exit(2);
    if (point) shmhub__test_crash_arm(point, nth);
    static uint64_t buf[256];
    for (uint32_t i = 1; i < 200000; i++) {
        unsigned r = rnd(&seed);
        uint32_t k = r % NKEYS;
        char key[16];
        snprintf(key, sizeof key, "k%u", k);
        shmhub_status s = SHMHUB_OK;
        switch ((r >> 8) % 6) {
        case 0: s = shmhub_dict_delete(d, key); break;
        case 1:
        case 2:
            s = shmhub_dict_add_i64(d, "ctr", 1, NULL);
            if (s == SHMHUB_OK) atomic_fetch_add(done, 1);
            break;
        default: {
            uint32_t v = i + (seed & 0xffff);
            make_value(buf, k, v);
            s = shmhub_dict_set(d, key, SHMHUB_VALUE_BYTES, buf, value_len(v));
        }
        }
        if (s != SHMHUB_OK && s != SHMHUB_E_NOT_FOUND) _exit(3);
    }
    _exit(0);
}

typedef struct campaign {
    int kills, torn, lost, deadlocks, bad_count, missed_recovery, not_killed;
    int64_t max_recovery_ns;
    int64_t recovery_ns[256];
    int nrec;
} campaign;

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void verify_dict(shmhub_dict *d, _Atomic int64_t *done, int in_lock, uint64_t rec_before,
                        int exact_ctr, campaign *c) {
    int64_t t0 = shmhub__now_ns(CLOCK_MONOTONIC);
    /* the next write goes on: the dead holder's lock is recovered */
    shmhub_status s = shmhub_dict_set_i64(d, "probe", t0);
    int64_t t1 = shmhub__now_ns(CLOCK_MONOTONIC);
    if (s != SHMHUB_OK) {
        c->deadlocks++;
        fprintf(stderr, "write after kill: %s\n", shmhub_last_error());
        return;
    }
    if (t1 - t0 > c->max_recovery_ns) c->max_recovery_ns = t1 - t0;
    if (in_lock && c->nrec < 256) c->recovery_ns[c->nrec++] = t1 - t0;
    uint64_t rec = shmhub_dict_recoveries(d);
    if (in_lock ? rec != rec_before + 1 : rec > rec_before + 1) {
        c->missed_recovery++;
        fprintf(stderr, "recoveries %llu -> %llu (killed inside the lock: %d)\n",
                (unsigned long long)rec_before, (unsigned long long)rec, in_lock);
    }
    static uint64_t buf[256];
    uint64_t present = 1; /* probe */
    for (uint32_t k = 0; k < NKEYS; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%u", k);
        size_t n = 0;
        uint32_t type = 0;
        s = shmhub_dict_get(d, key, &type, buf, sizeof buf, &n);
        if (s == SHMHUB_E_NOT_FOUND) continue;
        present++;
        int ok = s == SHMHUB_OK && type == SHMHUB_VALUE_BYTES && n >= 8 && n % 8 == 0 &&
                 (buf[0] >> 32) == k && value_len((uint32_t)buf[0]) == n;
        for (size_t i = 1; ok && i < n / 8; i++) ok = buf[i] == buf[0];
        if (!ok) {
            c->torn++;
            fprintf(stderr, "key %s: torn or invalid value (%s, %zu bytes)\n", key,
                    shmhub_status_name(s), n);
        }
    }
    int64_t ctr = 0, want = atomic_load(done);
    s = shmhub_dict_get_i64(d, "ctr", &ctr);
    if (s == SHMHUB_OK) present++;
    else ctr = 0;
    if (ctr < want || ctr > want + (exact_ctr ? 0 : 1)) {
        c->lost++;
        fprintf(stderr, "counter %lld after %lld completed increments\n", (long long)ctr,
                (long long)want);
    }
    atomic_store(done, ctr); /* the next child continues from here */
    shmhub_list *l = NULL;
    if (shmhub_dict_len(d) != present || shmhub_dict_keys(d, &l) != SHMHUB_OK ||
        shmhub_list_count(l) != present) {
        c->bad_count++;
        fprintf(stderr, "len %llu, keys %zu, present %llu\n",
                (unsigned long long)shmhub_dict_len(d), shmhub_list_count(l),
                (unsigned long long)present);
    }
    shmhub_list_close(l);
}

static int g_scale = 1; /* CONTAINERS_KILLS / 200: every round count is multiplied by it */

static void dict_campaign(_Atomic int64_t *done, campaign *c) {
    const char *name = test_name("killdict");
    shmhub_dict_opts o;
    shmhub_dict_opts_init(&o, sizeof o);
    o.capacity = 64;
    o.value_bytes = 48 * 1024; /* small: compaction every few dozen sets */
    shmhub_dict *d = NULL;
    shmhub_unlink(name);
    CHECK_ST(shmhub_dict_create(name, &o, &d), SHMHUB_OK);
    if (!d) return;
    struct { const char *point; int rounds, in_lock, exact_ctr, max_nth; } plan[] = {
        {"dict_set_copy", 25, 1, 1, 40},   {"dict_set_publish", 25, 1, 1, 40},
        {"dict_delete", 25, 1, 1, 10},     {"dict_add", 25, 1, 1, 40},
        {"dict_compact", 25, 1, 1, 30},    {NULL, 50, 0, 0, 0},
    };
    unsigned seed = 777;
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        for (int r = 0; r < plan[p].rounds * g_scale; r++) {
            uint64_t rec_before = shmhub_dict_recoveries(d);
            int64_t nth = plan[p].max_nth ? 1 + (int64_t)(rnd(&seed) % (unsigned)plan[p].max_nth) : 0;
            unsigned child_seed = rnd(&seed);
            pid_t pid = xfork();
            if (pid == 0) dict_child(name, plan[p].point, nth, done, child_seed);
            if (!plan[p].point) {
                struct timespec ts = {0, (long)(rnd(&seed) % 3000) * 1000};
                nanosleep(&ts, NULL);
                kill(pid, SIGKILL);
            }
            int ws = wait_status(pid);
            if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGKILL) {
                c->not_killed++;
                fprintf(stderr, "%s round %d: the child was not killed (status 0x%x)\n",
                        plan[p].point ? plan[p].point : "random", r, ws);
                continue;
            }
            c->kills++;
            verify_dict(d, done, plan[p].in_lock, rec_before, plan[p].exact_ctr, c);
        }
    }
    shmhub_dict_close(d);
    shmhub_unlink(name);
}

static void pool_child(const char *name, const char *point, int64_t nth, unsigned seed) {
    shmhub_pool *p = NULL;
    if (shmhub_pool_open(name, NULL, &p) != SHMHUB_OK) _exit(2);
    if (point) shmhub__test_crash_arm(point, nth);
    shmhub_buffer *held[8] = {0};
    for (int i = 0; i < 1000000; i++) {
        unsigned r = rnd(&seed), k = r % 8;
        if (held[k]) {
            if (shmhub_pool_release(p, held[k]) != SHMHUB_OK) _exit(3);
            held[k] = NULL;
        } else if (shmhub_pool_acquire(p, 1 + (r >> 8) % 4096, 0, &held[k]) != SHMHUB_OK) {
            _exit(4);
        } else {
            memset(shmhub_buffer_data(held[k]), (int)k, 64);
        }
    }
    _exit(0);
}

static void pool_campaign(campaign *c, int *leaked) {
    const char *name = test_name("killpool");
    shmhub_pool_class cl[1] = {{4096, 8, 0}};
    shmhub_pool_opts o;
    shmhub_pool_opts_init(&o, sizeof o);
    o.classes = cl;
    o.nclasses = 1;
    shmhub_pool *p = NULL;
    shmhub_unlink(name);
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_OK);
    if (!p) return;
    unsigned seed = 4242;
    for (int r = 0; r < 25 * g_scale; r++) {
        const char *point = r % 25 < 10 ? "pool_acquire" : NULL;
        int64_t nth = 1 + (int64_t)(rnd(&seed) % 8);
        unsigned child_seed = rnd(&seed);
        pid_t pid = xfork();
        if (pid == 0) pool_child(name, point, nth, child_seed);
        if (!point) {
            struct timespec ts = {0, (long)(rnd(&seed) % 2000) * 1000};
            nanosleep(&ts, NULL);
            kill(pid, SIGKILL);
        }
        int ws = wait_status(pid);
        if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGKILL) {
            c->not_killed++;
            continue;
        }
        c->kills++;
        uint64_t n = 0;
        CHECK_ST(shmhub_pool_reclaim(p, &n), SHMHUB_OK);
        shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
        CHECK_ST(shmhub_pool_stats(p, 0, &s), SHMHUB_OK);
        if (s.in_use != 0) (*leaked)++;
        /* and every buffer can be taken again */
        shmhub_buffer *all[8] = {0};
        int got = 0;
        for (int i = 0; i < 8; i++) got += shmhub_pool_acquire(p, 4096, 0, &all[i]) == SHMHUB_OK;
        if (got != 8) (*leaked)++;
        for (int i = 0; i < 8; i++)
            if (all[i]) shmhub_pool_release(p, all[i]);
    }
    shmhub_pool_close(p);
    shmhub_unlink(name);
}

int main(void) {
    _Atomic int64_t *done = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                                 -1, 0);
    if (done == MAP_FAILED) return 1;
    static campaign c;
    int leaked = 0;
    const char *k = getenv("CONTAINERS_KILLS");
    if (k && *k) g_scale = atoi(k) / 200 > 1 ? atoi(k) / 200 : 1;
    dict_campaign(done, &c);
    pool_campaign(&c, &leaked);
    qsort(c.recovery_ns, (size_t)c.nrec, sizeof c.recovery_ns[0], cmp_i64);
    printf("kills %d: torn %d, lost increments %d, deadlocks %d, wrong counts %d, missed "
           "recoveries %d, leaked buffers %d\n",
           c.kills, c.torn, c.lost, c.deadlocks, c.bad_count, c.missed_recovery, leaked);
    if (c.nrec) /* information, not a pass/fail criterion (the machine may be loaded) */
        printf("first write after a kill inside the lock (%d kills): median %.2f ms, 90th "
               "percentile %.2f ms, slowest %.2f ms\n", c.nrec,
               (double)c.recovery_ns[c.nrec / 2] / 1e6,
               (double)c.recovery_ns[c.nrec * 9 / 10] / 1e6, (double)c.max_recovery_ns / 1e6);
    CHECK(c.not_killed == 0);
    CHECK(c.kills == 200 * g_scale);
    CHECK(c.torn == 0);
    CHECK(c.lost == 0);
    CHECK(c.deadlocks == 0);
    CHECK(c.bad_count == 0);
    CHECK(c.missed_recovery == 0);
    CHECK(leaked == 0);
    return check_finish("test_containers_kill");
}
