/* MemoryPool: size classes, acquire/release, alignment, timeouts on an empty class, hand-over by
 * id to another process (adopt), reclaim of a dead process's buffers, stats, bad input. */
#include "check.h"

#include <errno.h>
#include <stdint.h>
#include <sys/wait.h>

static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

static int wait_exit(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static shmhub_pool *make(const char *name) {
    shmhub_pool_class cl[3] = {{1u << 20, 4, 0}, {4096, 8, 0}, {100, 2, 0}}; /* any order */
    shmhub_pool_opts o;
    shmhub_pool_opts_init(&o, sizeof o);
    o.classes = cl;
    o.nclasses = 3;
    shmhub_pool *p = NULL;
    shmhub_unlink(name);
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_OK);
    return p;
}

static uint32_t in_use(const shmhub_pool *p, uint32_t c) {
    shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
    if (shmhub_pool_stats(p, c, &s) != SHMHUB_OK) return UINT32_MAX;
    return s.in_use;
}

static void test_basics(void) {
    const char *name = test_name("pool");
    shmhub_pool *p = make(name);
    if (!p) return;
    CHECK(shmhub_pool_nclasses(p) == 3);
    shmhub_buffer *b = NULL, *b2 = NULL;
    CHECK_ST(shmhub_pool_acquire(p, 50, 0, &b), SHMHUB_OK);
    CHECK(shmhub_buffer_size(b) == 100);
    CHECK(((uintptr_t)shmhub_buffer_data(b) & 63) == 0);
    CHECK(shmhub_buffer_id(b) != 0);
    CHECK_ST(shmhub_pool_acquire(p, 101, 0, &b2), SHMHUB_OK);
    CHECK(shmhub_buffer_size(b2) == 4096);
    memset(shmhub_buffer_data(b2), 0xab, 4096);
    CHECK(in_use(p, 0) == 1 && in_use(p, 1) == 1 && in_use(p, 2) == 0);
    CHECK_ST(shmhub_pool_release(p, b2), SHMHUB_OK);
    CHECK(in_use(p, 1) == 0);

    /* an empty class: try once, then a timeout; no class big enough */
    shmhub_buffer *c = NULL, *none = (shmhub_buffer *)1;
    CHECK_ST(shmhub_pool_acquire(p, 100, 0, &c), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_pool_acquire(p, 100, 0, &none), SHMHUB_E_TIMEOUT, name);
    CHECK(none == NULL);
    CHECK_ST(shmhub_pool_acquire(p, 100, 20000000, &none), SHMHUB_E_TIMEOUT);
    CHECK_ST_NAMED(shmhub_pool_acquire(p, (2u << 20), 0, &none), SHMHUB_E_INVALID, name);
    CHECK_ST(shmhub_pool_acquire(p, 0, 0, &none), SHMHUB_E_INVALID);

    /* a waiter is woken by a release in another process */
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_pool *q = NULL;
        shmhub_buffer *x = NULL;
        if (shmhub_pool_open(name, NULL, &q) != SHMHUB_OK) _exit(2);
        if (shmhub_pool_acquire(q, 100, 10 * 1000000000LL, &x) != SHMHUB_OK) _exit(3);
        if (shmhub_pool_release(q, x) != SHMHUB_OK) _exit(4);
        shmhub_pool_close(q);
        _exit(0);
    }
    usleep(50000);
    CHECK_ST(shmhub_pool_release(p, c), SHMHUB_OK);
    CHECK(wait_exit(pid) == 0);

    /* stats */
    shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_ST(shmhub_pool_stats(p, 0, &s), SHMHUB_OK);
    CHECK(s.count == 2 && s.buffer_bytes == 100 && s.in_use == 1 && s.free == 1);
    CHECK(s.high_water == 2 && s.acquires == 3 && s.reclaimed == 0);
    CHECK_ST(shmhub_pool_stats(p, 3, &s), SHMHUB_E_RANGE);

    /* ids: a stale id, a never-handed-out id, a buffer of another pool handle */
    uint64_t id = shmhub_buffer_id(b);
    CHECK_ST(shmhub_pool_release(p, b), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_pool_adopt(p, id, &none), SHMHUB_E_NOT_FOUND, name);
    CHECK_ST(shmhub_pool_adopt(p, 12345, &none), SHMHUB_E_NOT_FOUND);
    CHECK_ST(shmhub_pool_adopt(p, (uint64_t)1 << 40 | (uint64_t)7 << 32, &none), SHMHUB_E_NOT_FOUND);
    CHECK_ST(shmhub_pool_adopt(p, 0, &none), SHMHUB_E_NOT_FOUND);
    shmhub_pool *p2 = NULL;
    CHECK_ST(shmhub_pool_open(name, NULL, &p2), SHMHUB_OK);
    CHECK_ST(shmhub_pool_acquire(p, 1, 0, &b), SHMHUB_OK);
    CHECK_ST(shmhub_pool_release(p2, b), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_pool_release(p, b), SHMHUB_OK);
    shmhub_pool_close(p2);
    CHECK_ST(shmhub_pool_release(p, NULL), SHMHUB_E_INVALID);
    shmhub_buffer_close(NULL);
    CHECK(shmhub_buffer_data(NULL) == NULL && shmhub_buffer_id(NULL) == 0);
    shmhub_pool_close(p);
    shmhub_unlink(name);
}

/* A 1 MiB buffer handed to another process by id, filled there and given back. */
static void test_handover_and_reclaim(void) {
    const char *name = test_name("poolhand");
    shmhub_pool *p = make(name);
    if (!p) return;
    shmhub_buffer *b = NULL;
    CHECK_ST(shmhub_pool_acquire(p, 1u << 20, 0, &b), SHMHUB_OK);
    uint64_t id = shmhub_buffer_id(b);
    unsigned char *data = shmhub_buffer_data(b);
    shmhub_buffer_close(b); /* the handle goes; the buffer stays ours until adopted */
    CHECK(in_use(p, 2) == 1);
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_pool *q = NULL;
        shmhub_buffer *x = NULL;
        if (shmhub_pool_open(name, NULL, &q) != SHMHUB_OK) _exit(2);
        if (shmhub_pool_adopt(q, id, &x) != SHMHUB_OK) _exit(3);
        memset(shmhub_buffer_data(x), 0x5a, shmhub_buffer_size(x));
        if (shmhub_pool_release(q, x) != SHMHUB_OK) _exit(4);
        shmhub_pool_close(q);
        _exit(0);
    }
    CHECK(wait_exit(pid) == 0);
    CHECK(data[0] == 0x5a && data[(1u << 20) - 1] == 0x5a);
    CHECK(in_use(p, 2) == 0);

    /* a child takes three buffers and dies: reclaim returns them, and acquire reclaims too */
    pid = xfork();
    if (pid == 0) {
        shmhub_pool *q = NULL;
        shmhub_buffer *x = NULL;
        if (shmhub_pool_open(name, NULL, &q) != SHMHUB_OK) _exit(2);
        for (int i = 0; i < 2; i++)
            if (shmhub_pool_acquire(q, 100, 0, &x) != SHMHUB_OK) _exit(3);
        if (shmhub_pool_acquire(q, 4096, 0, &x) != SHMHUB_OK) _exit(3);
        _exit(0); /* no release */
    }
    CHECK(wait_exit(pid) == 0);
    CHECK(in_use(p, 0) == 2 && in_use(p, 1) == 1);
    shmhub_buffer *y = NULL;
    CHECK_ST(shmhub_pool_acquire(p, 100, 0, &y), SHMHUB_OK); /* reclaims the dead child's */
    CHECK_ST(shmhub_pool_release(p, y), SHMHUB_OK);
    uint64_t n = 0;
    CHECK_ST(shmhub_pool_reclaim(p, &n), SHMHUB_OK);
    CHECK(n == 1); /* the 4096-byte one; the two small ones went back in acquire */
    CHECK(in_use(p, 0) == 0 && in_use(p, 1) == 0 && in_use(p, 2) == 0);
    shmhub_pool_stats_info s = {sizeof s, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_ST(shmhub_pool_stats(p, 0, &s), SHMHUB_OK);
    CHECK(s.reclaimed == 2);
    shmhub_pool_close(p);
    shmhub_unlink(name);
}

static void test_bad_input(void) {
    const char *name = test_name("poolbad");
    shmhub_pool *p = (shmhub_pool *)1;
    shmhub_unlink(name);
    CHECK_ST_NAMED(shmhub_pool_create(name, NULL, &p), SHMHUB_E_INVALID, name);
    CHECK(p == NULL);
    shmhub_pool_class dup[2] = {{64, 1, 0}, {64, 2, 0}};
    shmhub_pool_opts o;
    shmhub_pool_opts_init(&o, sizeof o);
    o.classes = dup;
    o.nclasses = 2;
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_E_INVALID);
    dup[1].buffer_bytes = 128;
    dup[1].count = 0;
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_E_INVALID);
    dup[1].count = 1;
    dup[1].reserved = 1;
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_E_INVALID);
    o.nclasses = SHMHUB_POOL_MAX_CLASSES + 1;
    CHECK_ST(shmhub_pool_create(name, &o, &p), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_pool_open(name, NULL, &p), SHMHUB_E_NOT_FOUND);
    const char *dname = test_name("pooldict");
    shmhub_dict *d = NULL;
    shmhub_unlink(dname);
    CHECK_ST(shmhub_dict_create(dname, NULL, &d), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_pool_open(dname, NULL, &p), SHMHUB_E_WRONG_KIND, dname);
    shmhub_dict_close(d);
    shmhub_unlink(dname);
    CHECK_ST(shmhub_pool_acquire(NULL, 1, 0, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_pool_reclaim(NULL, NULL), SHMHUB_E_INVALID);
    CHECK(shmhub_pool_nclasses(NULL) == 0);
    shmhub_pool_close(NULL);
}

/* An acquire takes the buffer released last (its lines still in the caches), not the next one
 * in turn: acquire 1 MiB buffers A and B, release A, acquire: A's memory again. */
static void test_reuse_warm(void) {
    const char *name = test_name("poolwarm");
    shmhub_pool *p = make(name);
    if (!p) return;
    shmhub_buffer *a = NULL, *b = NULL, *c = NULL;
    CHECK_ST(shmhub_pool_acquire(p, 1u << 20, 0, &a), SHMHUB_OK);
    CHECK_ST(shmhub_pool_acquire(p, 1u << 20, 0, &b), SHMHUB_OK);
    if (a && b) {
        void *a_data = shmhub_buffer_data(a);
        CHECK_ST(shmhub_pool_release(p, a), SHMHUB_OK);
        CHECK_ST(shmhub_pool_acquire(p, 1u << 20, 0, &c), SHMHUB_OK);
        CHECK(c && shmhub_buffer_data(c) == a_data);
        if (c) CHECK_ST(shmhub_pool_release(p, c), SHMHUB_OK);
        CHECK_ST(shmhub_pool_release(p, b), SHMHUB_OK);
    }
    shmhub_pool_close(p);
    shmhub_unlink(name);
}

int main(void) {
    test_basics();
    test_handover_and_reclaim();
    test_bad_input();
    test_reuse_warm();
    return check_finish("test_pool");
}
