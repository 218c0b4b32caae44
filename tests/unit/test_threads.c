/* Threads: concurrent create/open/close/unlink of distinct segments, concurrent opens of one
 * segment, and the thread-local last error. */
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "util.h"

#define NTHREADS 4
#define ITERS 200

/* CHECK counters are not thread-safe: threads count their own failures. */
typedef struct {
    int id;
    const char *dir; /* NULL: POSIX shm */
    int failures;
    char first_failure[256];
} worker;

#define T_CHECK(w, cond)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            if (!(w)->failures)                                                             \
                snprintf((w)->first_failure, sizeof (w)->first_failure, "line %d: %s (%s)", \
                         __LINE__, #cond, shmhub_last_error());                             \
            (w)->failures++;                                                                \
        }                                                                                   \
    } while (0)

static void *churn(void *arg) {
    worker *w = arg;
    shmhub_layout *l = NULL;
    T_CHECK(w, shmhub_layout_new(&l) == SHMHUB_OK);
    uint64_t n = 64;
    T_CHECK(w, shmhub_layout_add(l, "x", SHMHUB_DTYPE_UINT64, 1, &n) == SHMHUB_OK);
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = w->dir;
    o.open_timeout_ns = 0;
    for (int i = 0; i < ITERS; i++) {
        char name[96];
        snprintf(name, sizeof name, "t%ld.th%d.%d", (long)getpid(), w->id, i);
        shmhub_segment *s = NULL, *r = NULL;
        T_CHECK(w, shmhub_segment_create(name, l, &o, &s) == SHMHUB_OK);
        const shmhub_array *a = NULL;
        T_CHECK(w, shmhub_segment_find(s, "x", &a) == SHMHUB_OK);
        uint64_t *x = a ? shmhub_array_data(a) : NULL;
        if (x) x[63] = ((uint64_t)w->id << 32) | (uint64_t)i;
        T_CHECK(w, shmhub_segment_open(name, &o, &r) == SHMHUB_OK);
        const shmhub_array *b = NULL;
        T_CHECK(w, shmhub_segment_find(r, "x", &b) == SHMHUB_OK);
        uint64_t *y = b ? shmhub_array_data(b) : NULL;
        T_CHECK(w, y && y[63] == (((uint64_t)w->id << 32) | (uint64_t)i));
        shmhub_segment *dup = (shmhub_segment *)(uintptr_t)1;
        T_CHECK(w, shmhub_segment_create(name, l, &o, &dup) == SHMHUB_E_EXISTS && dup == NULL);
        shmhub_segment_close(r);
        shmhub_segment_close(s);
        T_CHECK(w, shmhub_unlink_in(name, w->dir) == SHMHUB_OK);
        r = (shmhub_segment *)(uintptr_t)1;
        T_CHECK(w, shmhub_segment_open(name, &o, &r) == SHMHUB_E_NOT_FOUND && r == NULL);
        T_CHECK(w, strstr(shmhub_last_error(), name) != NULL);
    }
    shmhub_layout_free(l);
    return NULL;
}

/* ---- many threads opening one segment at once -------------------------------------------------- */
static const char *g_shared;
static const char *g_shared_dir;
static atomic_int g_go;

static void *open_close(void *arg) {
    worker *w = arg;
    while (!atomic_load(&g_go)) {
    }
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = g_shared_dir;
    for (int i = 0; i < ITERS; i++) {
        shmhub_segment *s = NULL;
        T_CHECK(w, shmhub_segment_open(g_shared, &o, &s) == SHMHUB_OK);
        const shmhub_array *a = NULL;
        T_CHECK(w, shmhub_segment_find(s, "counter", &a) == SHMHUB_OK);
        _Atomic uint64_t *c = a ? shmhub_array_data(a) : NULL;
        if (c) atomic_fetch_add(c, 1);
        shmhub_segment_close(s);
    }
    return NULL;
}

/* ---- thread-local last error -------------------------------------------------------------------- */
static pthread_barrier_t g_barrier;

typedef struct {
    const char *mine, *other;
    int failures;
    char msg[512];
} err_worker;

static void *fail_named(void *arg) {
    err_worker *e = arg;
    /* a fresh thread has a valid (possibly empty) message */
    if (shmhub_last_error() == NULL) e->failures++;
    shmhub_segment *s = NULL;
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.open_timeout_ns = 0;
    if (shmhub_segment_open(e->mine, &o, &s) != SHMHUB_E_NOT_FOUND) e->failures++;
    pthread_barrier_wait(&g_barrier); /* both threads have failed */
    pthread_barrier_wait(&g_barrier);
    const char *m = shmhub_last_error();
    snprintf(e->msg, sizeof e->msg, "%s", m);
    if (!strstr(m, e->mine) || strstr(m, e->other)) e->failures++;
    /* a successful call leaves it unchanged */
    shmhub_layout *l = NULL;
    if (shmhub_layout_new(&l) != SHMHUB_OK) e->failures++;
    shmhub_layout_free(l);
    if (shmhub_version_number() != SHMHUB_VERSION_NUMBER) e->failures++;
    if (strcmp(shmhub_last_error(), e->msg) != 0) e->failures++;
    return NULL;
}

int main(void) {
    char *dir = util_tmpdir("threads");

    /* 4 threads churning their own segments: two in POSIX shm, two in one private directory */
    pthread_t th[NTHREADS];
    worker w[NTHREADS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].dir = (i & 1) ? dir : NULL;
        CHECK(pthread_create(&th[i], NULL, churn, &w[i]) == 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].failures == 0);
        if (w[i].failures)
            fprintf(stderr, "churn thread %d: %d failures, first at %s\n", i, w[i].failures,
                    w[i].first_failure);
    }
    CHECK(util_count_files(dir, "shmhub.") == 0);

    /* 4 threads opening one segment concurrently */
    char shared_name[96];
    snprintf(shared_name, sizeof shared_name, "%s", test_name("shared"));
    g_shared = shared_name;
    g_shared_dir = dir;
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "counter", SHMHUB_DTYPE_UINT64, 0, NULL), SHMHUB_OK);
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_segment *s = NULL;
    CHECK_ST(shmhub_segment_create(shared_name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    memset(w, 0, sizeof w);
    for (int i = 0; i < NTHREADS; i++) CHECK(pthread_create(&th[i], NULL, open_close, &w[i]) == 0);
    atomic_store(&g_go, 1);
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        CHECK(w[i].failures == 0);
        if (w[i].failures)
            fprintf(stderr, "open thread %d: %d failures, first at %s\n", i, w[i].failures,
                    w[i].first_failure);
    }
    const shmhub_array *a = NULL;
    CHECK_ST(shmhub_segment_find(s, "counter", &a), SHMHUB_OK);
    CHECK(a && *(uint64_t *)shmhub_array_data(a) == (uint64_t)NTHREADS * ITERS);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(shared_name, dir), SHMHUB_OK);

    /* thread-local last error */
    char mine_main[96], na[96], nb[96];
    snprintf(mine_main, sizeof mine_main, "%s", test_name("main-zzz"));
    snprintf(na, sizeof na, "%s", test_name("aaa"));
    snprintf(nb, sizeof nb, "%s", test_name("bbb"));
    shmhub_segment *x = NULL;
    CHECK_ST_NAMED(shmhub_segment_open(mine_main, NULL, &x), SHMHUB_E_NOT_FOUND, mine_main);
    err_worker ea = {na, nb, 0, ""}, eb = {nb, na, 0, ""};
    CHECK(pthread_barrier_init(&g_barrier, NULL, 3) == 0);
    CHECK(pthread_create(&th[0], NULL, fail_named, &ea) == 0);
    CHECK(pthread_create(&th[1], NULL, fail_named, &eb) == 0);
    pthread_barrier_wait(&g_barrier);
    /* while both threads have failed, this thread still has its own message */
    CHECK(strstr(shmhub_last_error(), mine_main) != NULL);
    CHECK(strstr(shmhub_last_error(), "aaa") == NULL && strstr(shmhub_last_error(), "bbb") == NULL);
    pthread_barrier_wait(&g_barrier);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    pthread_barrier_destroy(&g_barrier);
    CHECK(ea.failures == 0);
    CHECK(eb.failures == 0);
    if (ea.failures || eb.failures)
        fprintf(stderr, "thread A saw \"%s\", thread B saw \"%s\"\n", ea.msg, eb.msg);
    CHECK(strstr(ea.msg, "aaa") != NULL && strstr(eb.msg, "bbb") != NULL);
    CHECK(strstr(shmhub_last_error(), mine_main) != NULL);

    util_rmtree(dir);
    free(dir);
    return check_finish("test_threads");
}
