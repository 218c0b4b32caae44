/* Segments: create/open/close/unlink, getters, arrays, names, permissions, directories, flags,
 * and opening a segment that is still being initialised. */
#include <grp.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "check.h"
#include "internal.h"
#include "util.h"

#define MS 1000000LL

/* Every name created in /dev/shm, so main() can remove leftovers of failed checks. */
static char g_names[64][SHMHUB_MAX_NAME + 1];
static int g_nnames;

static const char *remember(const char *name) {
    if (g_nnames < 64) snprintf(g_names[g_nnames++], SHMHUB_MAX_NAME + 1, "%s", name);
    return g_names[g_nnames - 1];
}

static int wait_child(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return ws;
}

/* A layout of four arrays: a 2-d image, a vector, a scalar and a zero-extent array. */
static shmhub_layout *layout4(void) {
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    uint64_t img[2] = {48, 64}, pos[1] = {3}, empty[2] = {0, 4};
    CHECK_ST(shmhub_layout_add(l, "img", SHMHUB_DTYPE_UINT8, 2, img), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "pos", SHMHUB_DTYPE_FLOAT64, 1, pos), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "count", SHMHUB_DTYPE_INT64, 0, NULL), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "empty", SHMHUB_DTYPE_FLOAT32, 2, empty), SHMHUB_OK);
    return l;
}

/* One small array "v" (uint32[16]). */
static shmhub_layout *layout1(void) {
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    uint64_t n[1] = {16};
    CHECK_ST(shmhub_layout_add(l, "v", SHMHUB_DTYPE_UINT32, 1, n), SHMHUB_OK);
    return l;
}

static void *data_of(const shmhub_segment *s, const char *array) {
    const shmhub_array *a = NULL;
    if (shmhub_segment_find(s, array, &a) != SHMHUB_OK) return NULL;
    return shmhub_array_data(a);
}

static int all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return 0;
    return 1;
}

/* Checks the four arrays of layout4() in s. */
static void check_layout4(const shmhub_segment *s) {
    static const char *names[4] = {"img", "pos", "count", "empty"};
    static const shmhub_dtype dtypes[4] = {SHMHUB_DTYPE_UINT8, SHMHUB_DTYPE_FLOAT64,
                                           SHMHUB_DTYPE_INT64, SHMHUB_DTYPE_FLOAT32};
    static const uint32_t ndims[4] = {2, 1, 0, 2};
    static const uint64_t sizes[4] = {48 * 64, 3, 1, 0};
    CHECK(shmhub_segment_array_count(s) == 4);
    uint64_t prev_end = 0;
    const shmhub_array *first = NULL;
    for (size_t i = 0; i < 4; i++) {
        const shmhub_array *a = NULL, *f = NULL;
        CHECK_ST(shmhub_segment_array_at(s, i, &a), SHMHUB_OK);
        if (!a) continue;
        if (i == 0) first = a;
        CHECK_ST(shmhub_segment_find(s, names[i], &f), SHMHUB_OK);
        CHECK(f == a);
        CHECK_STR(shmhub_array_name(a), names[i]);
        CHECK(shmhub_array_dtype(a) == dtypes[i]);
        CHECK(shmhub_array_ndim(a) == ndims[i]);
        CHECK(shmhub_array_size(a) == sizes[i]);
        CHECK(shmhub_array_nbytes(a) == sizes[i] * shmhub_dtype_size(dtypes[i]));
        uint64_t off = shmhub_array_offset(a);
        CHECK(off % SHMHUB_ALIGNMENT == 0);
        CHECK(off >= 256);
        CHECK(off >= prev_end); /* layout order, no overlap */
        CHECK(off + shmhub_array_nbytes(a) <= shmhub_segment_size(s));
        prev_end = off + shmhub_array_nbytes(a);
        void *d = shmhub_array_data(a);
        if (shmhub_array_nbytes(a)) {
            CHECK(d != NULL);
            CHECK(((uintptr_t)d % SHMHUB_ALIGNMENT) == 0);
            if (first && d)
                CHECK((char *)d - (char *)shmhub_array_data(first) ==
                      (ptrdiff_t)(off - shmhub_array_offset(first)));
        }
    }
    const shmhub_array *a = NULL;
    CHECK_ST(shmhub_segment_array_at(s, 0, &a), SHMHUB_OK);
    const uint64_t *shape = shmhub_array_shape(a);
    CHECK(shape && shape[0] == 48 && shape[1] == 64);
    CHECK_ST(shmhub_segment_find(s, "empty", &a), SHMHUB_OK);
    shape = shmhub_array_shape(a);
    CHECK(shape && shape[0] == 0 && shape[1] == 4);
    a = (const shmhub_array *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_array_at(s, 4, &a), SHMHUB_E_RANGE);
    CHECK(a == NULL);
    CHECK_ST(shmhub_segment_array_at(s, SIZE_MAX, &a), SHMHUB_E_RANGE);
    CHECK_ST(shmhub_segment_array_at(s, 0, NULL), SHMHUB_E_INVALID);
    a = (const shmhub_array *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_find(s, "nope", &a), SHMHUB_E_NOT_FOUND, "nope");
    CHECK(a == NULL);
    CHECK(strstr(shmhub_last_error(), shmhub_segment_name(s)) != NULL);
    CHECK_ST(shmhub_segment_find(s, NULL, &a), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_segment_find(s, "img", NULL), SHMHUB_E_INVALID);
}

/* ---- happy path, same process and a forked child ----------------------------------------- */
static void test_happy(void) {
    const char *name = remember(test_name("happy"));
    shmhub_layout *l = layout4();
    shmhub_segment *s = NULL;
    int64_t t0 = util_now_ns(CLOCK_REALTIME);
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s), SHMHUB_OK);
    shmhub_layout_free(l); /* the segment does not retain it */
    if (!s) return;

    char path[512];
    snprintf(path, sizeof path, "/dev/shm/shmhub.%s", name);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK((sb.st_mode & 07777) == 0600);
    CHECK(sb.st_uid == geteuid());
    CHECK((uint64_t)sb.st_size == shmhub_segment_size(s));

    CHECK_STR(shmhub_segment_name(s), name);
    CHECK_STR(shmhub_segment_path(s), path);
    CHECK(shmhub_segment_kind(s) == SHMHUB_KIND_ARRAYS);
    CHECK(shmhub_segment_size(s) >= 4096 + 48 * 64);
    CHECK(shmhub_segment_creator_pid(s) == getpid());
    CHECK(shmhub_segment_creator_uid(s) == geteuid());
    int64_t c = shmhub_segment_created_ns(s);
    CHECK(c >= t0 - 1000 * MS && c <= util_now_ns(CLOCK_REALTIME) + 1000 * MS);
    CHECK(shmhub_segment_read_only(s) == 0);
    CHECK(shmhub_segment_layout_version(s) == SHMHUB_LAYOUT_MAJOR * 100 + SHMHUB_LAYOUT_MINOR);
    check_layout4(s);

    /* zero-filled at create */
    uint8_t *img = data_of(s, "img");
    double *pos = data_of(s, "pos");
    int64_t *count = data_of(s, "count");
    CHECK(img && pos && count);
    if (!img || !pos || !count) {
        shmhub_segment_close(s);
        return;
    }
    CHECK(all_zero(img, 48 * 64) && all_zero(pos, 24) && all_zero(count, 8));
    for (int i = 0; i < 48 * 64; i++) img[i] = (uint8_t)(i * 7);
    pos[0] = 1.5, pos[1] = -2.5, pos[2] = 1e300;
    *count = 123456789012345LL;

    /* a second handle in the same process: a separate mapping of the same memory */
    shmhub_segment *s2 = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &s2), SHMHUB_OK);
    if (s2) {
        check_layout4(s2);
        CHECK(shmhub_segment_size(s2) == shmhub_segment_size(s));
        CHECK(shmhub_segment_created_ns(s2) == c);
        CHECK(shmhub_segment_creator_pid(s2) == getpid());
        CHECK(shmhub_segment_read_only(s2) == 0);
        CHECK_STR(shmhub_segment_path(s2), path);
        uint8_t *img2 = data_of(s2, "img");
        CHECK(img2 && img2 != img && memcmp(img2, img, 48 * 64) == 0);
        double *pos2 = data_of(s2, "pos");
        CHECK(pos2 && pos2[2] == 1e300);
        if (pos2) pos2[0] = 42.0;
        CHECK(pos[0] == 42.0);
        shmhub_segment_close(s2);
    }
    /* the first handle still works after the second is closed */
    CHECK(img[100] == (uint8_t)700);

    /* a forked child opens by name, verifies, writes, exits */
    pid_t pid = fork();
    if (pid == 0) {
        shmhub_segment *cs = NULL;
        CHECK_ST(shmhub_segment_open(name, NULL, &cs), SHMHUB_OK);
        if (cs) {
            check_layout4(cs);
            CHECK(shmhub_segment_creator_pid(cs) == getppid());
            uint8_t *ci = data_of(cs, "img");
            int64_t *cc = data_of(cs, "count");
            int ok = ci && cc;
            for (int i = 0; ok && i < 48 * 64; i++)
                if (ci[i] != (uint8_t)(i * 7)) ok = 0;
            CHECK(ok);
            CHECK(cc && *cc == 123456789012345LL);
            if (cc) *cc = -1;
            if (ci) memset(ci, 0xEE, 48 * 64);
            shmhub_segment_close(cs);
        }
        _exit(check_failures ? 1 : 0);
    }
    CHECK(pid > 0);
    int ws = wait_child(pid);
    CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    CHECK(*count == -1);
    CHECK(img[0] == 0xEE && img[48 * 64 - 1] == 0xEE);

    /* the segment outlives every handle until it is unlinked */
    shmhub_segment_close(s);
    CHECK(util_exists(path));
    CHECK_ST(shmhub_segment_open(name, NULL, &s), SHMHUB_OK);
    CHECK(s && *(int64_t *)data_of(s, "count") == -1);
    shmhub_segment_close(s);

    /* it is listed in the default directory */
    shmhub_list *list = NULL;
    CHECK_ST(shmhub_list_open(NULL, &list), SHMHUB_OK);
    int found = 0;
    for (size_t i = 0; i < shmhub_list_count(list); i++)
        if (!strcmp(shmhub_list_name(list, i), name)) found = 1;
    CHECK(found);
    shmhub_list_close(list);

    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    CHECK(!util_exists(path));
    CHECK_ST_NAMED(shmhub_unlink(name), SHMHUB_E_NOT_FOUND, name);
}

/* ---- a layout with no arrays ------------------------------------------------------------- */
static void test_empty_layout(void) {
    char *dir = util_tmpdir("empty");
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    const char *name = test_name("empty");
    shmhub_segment *s = NULL, *s2 = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(s) == 0);
    CHECK(shmhub_segment_size(s) >= 256);
    const shmhub_array *a = NULL;
    CHECK_ST(shmhub_segment_array_at(s, 0, &a), SHMHUB_E_RANGE);
    CHECK_ST(shmhub_segment_find(s, "x", &a), SHMHUB_E_NOT_FOUND);
    CHECK_ST(shmhub_segment_open(name, &o, &s2), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(s2) == 0);
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);
    shmhub_layout_free(l);
    util_rmtree(dir);
    free(dir);
}

/* ---- many arrays, all dtypes, alignment ---------------------------------------------------- */
static void test_many_arrays(void) {
    char *dir = util_tmpdir("many");
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;

    /* 1000 arrays of varying dtypes and shapes */
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        char n[32];
        snprintf(n, sizeof n, "arr%04d", i);
        uint64_t shape[2] = {(uint64_t)(i % 7) + 1, (uint64_t)(i % 3)};
        if (shmhub_layout_add(l, n, (shmhub_dtype)(i % SHMHUB_DTYPE_COUNT) + 1,
                              (uint32_t)(i % 3), shape) != SHMHUB_OK)
            ok = 0;
    }
    CHECK(ok);
    const char *name = test_name("many");
    shmhub_segment *s = NULL, *s2 = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    CHECK_ST(shmhub_segment_open(name, &o, &s2), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(s2) == 1000);
    ok = 1;
    uint64_t prev_end = 0;
    for (int i = 0; s2 && i < 1000; i++) {
        char n[32];
        snprintf(n, sizeof n, "arr%04d", i);
        const shmhub_array *a = NULL, *b = NULL;
        if (shmhub_segment_find(s2, n, &a) != SHMHUB_OK) {
            ok = 0;
            continue;
        }
        shmhub_segment_array_at(s2, (size_t)i, &b);
        shmhub_dtype dt = (shmhub_dtype)(i % SHMHUB_DTYPE_COUNT) + 1;
        uint32_t nd = (uint32_t)(i % 3);
        uint64_t want = nd == 0 ? 1 : nd == 1 ? (uint64_t)(i % 7) + 1 : (uint64_t)((i % 7) + 1) * (uint64_t)(i % 3);
        if (a != b || shmhub_array_dtype(a) != dt || shmhub_array_ndim(a) != nd ||
            shmhub_array_size(a) != want || shmhub_array_nbytes(a) != want * shmhub_dtype_size(dt) ||
            shmhub_array_offset(a) % SHMHUB_ALIGNMENT || shmhub_array_offset(a) < prev_end ||
            ((uintptr_t)shmhub_array_data(a) % SHMHUB_ALIGNMENT) ||
            shmhub_array_offset(a) + shmhub_array_nbytes(a) > shmhub_segment_size(s2))
            ok = 0;
        prev_end = shmhub_array_offset(a) + shmhub_array_nbytes(a);
    }
    CHECK(ok);
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);

    /* the maximum number of arrays */
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    for (int i = 0; i < SHMHUB_MAX_ARRAYS; i++) {
        char n[32];
        snprintf(n, sizeof n, "s%d", i);
        shmhub_layout_add(l, n, SHMHUB_DTYPE_UINT8, 0, NULL);
    }
    name = test_name("max");
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    CHECK_ST(shmhub_segment_open(name, &o, &s2), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(s2) == SHMHUB_MAX_ARRAYS);
    const shmhub_array *a = NULL;
    CHECK_ST(shmhub_segment_find(s2, "s4095", &a), SHMHUB_OK);
    CHECK(shmhub_array_size(a) == 1 && shmhub_array_offset(a) % SHMHUB_ALIGNMENT == 0);
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);

    /* every dtype in one segment; each filled with a distinct pattern */
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    for (int d = 1; d <= SHMHUB_DTYPE_COUNT; d++) {
        uint64_t n[1] = {5};
        CHECK_ST(shmhub_layout_add(l, shmhub_dtype_name(d), d, 1, n), SHMHUB_OK);
    }
    name = test_name("dtypes");
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    for (int d = 1; s && d <= SHMHUB_DTYPE_COUNT; d++) {
        a = NULL;
        CHECK_ST(shmhub_segment_array_at(s, (size_t)d - 1, &a), SHMHUB_OK);
        CHECK(shmhub_array_dtype(a) == d);
        CHECK_STR(shmhub_array_name(a), shmhub_dtype_name(d));
        CHECK(shmhub_array_nbytes(a) == 5 * shmhub_dtype_size(d));
        CHECK(((uintptr_t)shmhub_array_data(a) % SHMHUB_ALIGNMENT) == 0);
        if (shmhub_array_data(a)) memset(shmhub_array_data(a), d, shmhub_array_nbytes(a));
    }
    CHECK_ST(shmhub_segment_open(name, &o, &s2), SHMHUB_OK);
    for (int d = 1; s2 && d <= SHMHUB_DTYPE_COUNT; d++) {
        a = NULL;
        CHECK_ST(shmhub_segment_find(s2, shmhub_dtype_name(d), &a), SHMHUB_OK);
        const unsigned char *p = shmhub_array_data(a);
        int good = p != NULL;
        for (uint64_t i = 0; good && i < shmhub_array_nbytes(a); i++)
            if (p[i] != d) good = 0;
        CHECK(good);
    }
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);

    /* scalars and zero extents only */
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    uint64_t z1[1] = {0}, z3[3] = {4, 0, 9};
    CHECK_ST(shmhub_layout_add(l, "z1", SHMHUB_DTYPE_FLOAT64, 1, z1), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "sc", SHMHUB_DTYPE_COMPLEX128, 0, NULL), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "z3", SHMHUB_DTYPE_INT16, 3, z3), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "sb", SHMHUB_DTYPE_BOOL, 0, NULL), SHMHUB_OK);
    name = test_name("scalar");
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    shmhub_layout_free(l);
    CHECK_ST(shmhub_segment_open(name, &o, &s2), SHMHUB_OK);
    if (s2) {
        const shmhub_array *z = NULL, *sc = NULL, *sb = NULL;
        CHECK_ST(shmhub_segment_find(s2, "z1", &z), SHMHUB_OK);
        CHECK(shmhub_array_size(z) == 0 && shmhub_array_nbytes(z) == 0 &&
              shmhub_array_ndim(z) == 1);
        CHECK(shmhub_array_offset(z) % SHMHUB_ALIGNMENT == 0 &&
              shmhub_array_offset(z) <= shmhub_segment_size(s2));
        CHECK_ST(shmhub_segment_find(s2, "z3", &z), SHMHUB_OK);
        CHECK(shmhub_array_size(z) == 0 && shmhub_array_nbytes(z) == 0 &&
              shmhub_array_ndim(z) == 3 && shmhub_array_shape(z)[2] == 9);
        CHECK_ST(shmhub_segment_find(s2, "sc", &sc), SHMHUB_OK);
        CHECK(shmhub_array_ndim(sc) == 0 && shmhub_array_size(sc) == 1 &&
              shmhub_array_nbytes(sc) == 16);
        CHECK(((uintptr_t)shmhub_array_data(sc) % SHMHUB_ALIGNMENT) == 0);
        CHECK_ST(shmhub_segment_find(s2, "sb", &sb), SHMHUB_OK);
        CHECK(shmhub_array_size(sb) == 1 && shmhub_array_nbytes(sb) == 1);
        CHECK(shmhub_array_offset(sb) >= shmhub_array_offset(sc) + 16);
        double _Complex *cv = shmhub_array_data(sc);
        if (cv) *cv = 1.0;
        const shmhub_array *sc1 = NULL;
        CHECK_ST(shmhub_segment_find(s, "sc", &sc1), SHMHUB_OK);
        CHECK(sc1 && *(double _Complex *)shmhub_array_data(sc1) == 1.0);
    }
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);
    CHECK(util_count_files(dir, "") == 2); /* only . and .. */
    util_rmtree(dir);
    free(dir);
}

/* ---- names ------------------------------------------------------------------------------------- */
static void test_names(void) {
    char *dir = util_tmpdir("names");
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_layout *l = layout1();
    shmhub_segment *s = NULL;

    char n200[201], n201[202];
    memset(n200, 'n', 200);
    n200[200] = '\0';
    memset(n201, 'm', 201);
    n201[201] = '\0';
    const char *bad[] = {"", n201, "a/b", "/abc", "a b", " ", "caf\xc3\xa9", "\xe2\x82\xac",
                         "a\nb", "a:b", "a*b", "a\\b", "~x", "a%s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = (shmhub_segment *)(uintptr_t)1;
        CHECK_ST(shmhub_segment_create(bad[i], l, &o, &s), SHMHUB_E_INVALID);
        CHECK(s == NULL);
        if (i >= 2) { /* short names with a bad character are quoted in the message */
            CHECK_ST_NAMED(shmhub_segment_create(bad[i], l, NULL, &s), SHMHUB_E_INVALID, bad[i]);
            CHECK_ST_NAMED(shmhub_segment_open(bad[i], NULL, &s), SHMHUB_E_INVALID, bad[i]);
            CHECK_ST_NAMED(shmhub_unlink(bad[i]), SHMHUB_E_INVALID, bad[i]);
        } else {
            CHECK_ST(shmhub_segment_open(bad[i], NULL, &s), SHMHUB_E_INVALID);
            CHECK_ST(shmhub_unlink(bad[i]), SHMHUB_E_INVALID);
        }
        CHECK_ST(shmhub_unlink_in(bad[i], dir), SHMHUB_E_INVALID);
    }
    CHECK(util_count_files(dir, "") == 2); /* nothing was created */

    /* valid edge cases, including names made only of dots: they stay inside the directory */
    const char *good[] = {n200, "a", "Z", "0", "A-b_c.9", ".", "..", "...", "-", "_x_"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        s = NULL;
        CHECK_ST(shmhub_segment_create(good[i], l, &o, &s), SHMHUB_OK);
        char path[1024];
        snprintf(path, sizeof path, "%s/shmhub.%s", dir, good[i]);
        CHECK_STR(shmhub_segment_path(s), path);
        CHECK_STR(shmhub_segment_name(s), good[i]);
        struct stat sb;
        CHECK(lstat(path, &sb) == 0 && S_ISREG(sb.st_mode));
        shmhub_segment_close(s);
        s = NULL;
        CHECK_ST(shmhub_segment_open(good[i], &o, &s), SHMHUB_OK);
        shmhub_segment_close(s);
        CHECK_ST(shmhub_unlink_in(good[i], dir), SHMHUB_OK);
    }
    CHECK(util_count_files(dir, "") == 2);
    shmhub_layout_free(l);
    util_rmtree(dir);
    free(dir);
}

/* ---- missing, existing, pre-created -------------------------------------------------------- */
static void test_missing_existing(void) {
    const char *name = remember(test_name("exist"));
    shmhub_segment *s = (shmhub_segment *)(uintptr_t)1, *s2 = NULL;
    CHECK_ST_NAMED(shmhub_segment_open(name, NULL, &s), SHMHUB_E_NOT_FOUND, name);
    CHECK(s == NULL);
    CHECK_ST_NAMED(shmhub_unlink(name), SHMHUB_E_NOT_FOUND, name);

    shmhub_layout *l = layout1();
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s), SHMHUB_OK);
    uint32_t *v = data_of(s, "v");
    if (v) v[3] = 33;
    s2 = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_create(name, l, NULL, &s2), SHMHUB_E_EXISTS, name);
    CHECK(s2 == NULL);
    /* with another layout too; the existing segment is untouched */
    shmhub_layout *l4 = layout4();
    CHECK_ST_NAMED(shmhub_segment_create(name, l4, NULL, &s2), SHMHUB_E_EXISTS, name);
    shmhub_layout_free(l4);
    CHECK(v && v[3] == 33);
    CHECK_ST(shmhub_segment_open(name, NULL, &s2), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(s2) == 1);
    shmhub_segment_close(s2);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    /* a file pre-created by someone else (empty, 0666) is never adopted */
    const char *pre = remember(test_name("precreated"));
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/shmhub.%s", pre);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0666);
    CHECK(fd >= 0);
    if (fd >= 0) {
        fchmod(fd, 0666);
        close(fd);
    }
    s = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_create(pre, l, NULL, &s), SHMHUB_E_EXISTS, pre);
    CHECK(s == NULL);
    struct stat sb;
    CHECK(stat(path, &sb) == 0 && sb.st_size == 0 && (sb.st_mode & 0777) == 0666);
    /* opening it finds a segment that is still "being initialised" */
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.open_timeout_ns = 0;
    CHECK_ST_NAMED(shmhub_segment_open(pre, &o, &s), SHMHUB_E_TIMEOUT, pre);
    CHECK(s == NULL);
    CHECK_ST(shmhub_unlink(pre), SHMHUB_OK);
    CHECK(!util_exists(path));
    shmhub_layout_free(l);
}

/* ---- modes ---------------------------------------------------------------------------------- */
static void test_modes(void) {
    char *dir = util_tmpdir("modes");
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_layout *l = layout1();
    mode_t old = umask(077);
    const uint32_t modes[] = {0600, 0640, 0644, 0660, 0666, 0400};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        const char *name = test_name("mode");
        o.mode = modes[i];
        shmhub_segment *s = NULL;
        CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
        struct stat sb;
        CHECK(stat(shmhub_segment_path(s), &sb) == 0 && (sb.st_mode & 07777) == modes[i]);
        /* the creator's handle stays writable whatever the mode */
        uint32_t *v = data_of(s, "v");
        if (v) v[0] = 7;
        shmhub_segment_close(s);
        CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);
    }
    umask(old);
    shmhub_layout_free(l);
    util_rmtree(dir);
    free(dir);
}

/* ---- permissions (root only: drop to nobody in a child) --------------------------------------- */
static void test_permission(void) {
    if (geteuid() != 0) {
        printf("SKIP permission/foreign-owner tests: not running as root\n");
        return;
    }
    shmhub_layout *l = layout1();
    const char *priv = remember(test_name("perm600"));
    const char *shared = remember(test_name("perm644"));
    shmhub_segment *s1 = NULL, *s2 = NULL;
    CHECK_ST(shmhub_segment_create(priv, l, NULL, &s1), SHMHUB_OK);
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.mode = 0644;
    CHECK_ST(shmhub_segment_create(shared, l, &o, &s2), SHMHUB_OK);
    uint32_t *v = data_of(s2, "v");
    if (v) v[5] = 555;
    char *rootdir = util_tmpdir("rootonly");
    chmod(rootdir, 0755); /* others may enter and read, not create */

    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(77);
        shmhub_segment *c = (shmhub_segment *)(uintptr_t)1;
        /* mode 0600, owned by root: the OS refuses */
        CHECK_ST_NAMED(shmhub_segment_open(priv, NULL, &c), SHMHUB_E_PERMISSION, priv);
        CHECK(c == NULL);
        shmhub_segment_opts co = SHMHUB_SEGMENT_OPTS_INIT;
        co.flags = SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER;
        CHECK_ST_NAMED(shmhub_segment_open(priv, &co, &c), SHMHUB_E_PERMISSION, priv);
        /* mode 0644: read-write is refused by the OS */
        co.flags = SHMHUB_ALLOW_FOREIGN_OWNER;
        CHECK_ST_NAMED(shmhub_segment_open(shared, &co, &c), SHMHUB_E_PERMISSION, shared);
        /* read-only is allowed by the OS but refused as a foreign owner unless opted in */
        co.flags = SHMHUB_READ_ONLY;
        CHECK_ST_NAMED(shmhub_segment_open(shared, &co, &c), SHMHUB_E_PERMISSION, shared);
        co.flags = SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER;
        c = NULL;
        CHECK_ST(shmhub_segment_open(shared, &co, &c), SHMHUB_OK);
        CHECK(shmhub_segment_read_only(c) == 1);
        CHECK(shmhub_segment_creator_uid(c) == 0);
        uint32_t *cv = data_of(c, "v");
        CHECK(cv && cv[5] == 555);
        shmhub_segment_close(c);
        /* creating in a directory we may not write */
        co = (shmhub_segment_opts)SHMHUB_SEGMENT_OPTS_INIT;
        co.dir = rootdir;
        CHECK_ST_NAMED(shmhub_segment_create(test_name("nowrite"), l, &co, &c), SHMHUB_E_PERMISSION,
                       "nowrite");
        /* unlinking someone else's segment in the sticky /dev/shm */
        CHECK_ST_NAMED(shmhub_unlink(priv), SHMHUB_E_PERMISSION, priv);
        _exit(check_failures ? 1 : 0);
    }
    int ws = wait_child(pid);
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 77) {
        printf("SKIP permission test: setgroups/setgid/setuid(65534) failed in the child\n");
    } else {
        CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    }
    CHECK(util_exists(shmhub_segment_path(s1)));
    shmhub_segment_close(s1);
    shmhub_segment_close(s2);
    CHECK_ST(shmhub_unlink(priv), SHMHUB_OK);
    CHECK_ST(shmhub_unlink(shared), SHMHUB_OK);
    util_rmtree(rootdir);
    free(rootdir);

    /* foreign owner: a file chowned to nobody, opened by root */
    const char *foreign = remember(test_name("foreign"));
    s1 = NULL;
    CHECK_ST(shmhub_segment_create(foreign, l, NULL, &s1), SHMHUB_OK);
    v = data_of(s1, "v");
    if (v) v[1] = 11;
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/shmhub.%s", foreign);
    CHECK(chown(path, 65534, 65534) == 0);
    shmhub_segment *f = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_open(foreign, NULL, &f), SHMHUB_E_PERMISSION, foreign);
    CHECK(f == NULL);
    o = (shmhub_segment_opts)SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = SHMHUB_READ_ONLY;
    CHECK_ST_NAMED(shmhub_segment_open(foreign, &o, &f), SHMHUB_E_PERMISSION, foreign);
    o.flags = SHMHUB_ALLOW_FOREIGN_OWNER;
    f = NULL;
    CHECK_ST(shmhub_segment_open(foreign, &o, &f), SHMHUB_OK);
    uint32_t *fv = data_of(f, "v");
    CHECK(fv && fv[1] == 11);
    if (fv) fv[2] = 22;
    CHECK(v && v[2] == 22);
    shmhub_segment_close(f);
    shmhub_segment_close(s1);
    CHECK_ST(shmhub_unlink(foreign), SHMHUB_OK);
    shmhub_layout_free(l);
}

/* ---- unlink while open, unlink on close ------------------------------------------------------- */
static void test_unlink(void) {
    const char *name = remember(test_name("unlink"));
    char path[512];
    snprintf(path, sizeof path, "/dev/shm/shmhub.%s", name);
    shmhub_layout *l = layout1();
    shmhub_segment *s = NULL, *s2 = NULL, *s3 = NULL;
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s), SHMHUB_OK);
    CHECK_ST(shmhub_segment_open(name, NULL, &s2), SHMHUB_OK);
    uint32_t *v = data_of(s, "v"), *v2 = data_of(s2, "v");
    CHECK(v && v2);
    if (!v || !v2) return;
    v[0] = 1;
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    CHECK(!util_exists(path));
    /* existing handles keep working, and still share memory */
    CHECK(v2[0] == 1);
    v2[1] = 2;
    CHECK(v[1] == 2);
    CHECK_ST_NAMED(shmhub_segment_open(name, NULL, &s3), SHMHUB_E_NOT_FOUND, name);
    CHECK_ST(shmhub_unlink(name), SHMHUB_E_NOT_FOUND);
    /* a new segment by the same name is a different one */
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s3), SHMHUB_OK);
    uint32_t *v3 = data_of(s3, "v");
    CHECK(v3 && v3[0] == 0 && v3[1] == 0);
    if (v3) v3[0] = 99;
    CHECK(v[0] == 1 && v2[0] == 1);
    shmhub_segment_close(s);
    shmhub_segment_close(s2);
    shmhub_segment *s4 = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &s4), SHMHUB_OK);
    uint32_t *v4 = data_of(s4, "v");
    CHECK(v4 && v4[0] == 99);
    shmhub_segment_close(s4);
    shmhub_segment_close(s3);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    /* SHMHUB_UNLINK_ON_CLOSE on the creator's handle */
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = SHMHUB_UNLINK_ON_CLOSE;
    s = s2 = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK(util_exists(path));
    CHECK_ST(shmhub_segment_open(name, NULL, &s2), SHMHUB_OK);
    v2 = data_of(s2, "v");
    shmhub_segment_close(s2); /* an opener's close never unlinks */
    CHECK(util_exists(path));
    CHECK_ST(shmhub_segment_open(name, NULL, &s2), SHMHUB_OK);
    v2 = data_of(s2, "v");
    shmhub_segment_close(s);
    CHECK(!util_exists(path));
    if (v2) v2[0] = 5; /* the remaining handle still works */
    CHECK(v2 && v2[0] == 5);
    CHECK_ST_NAMED(shmhub_segment_open(name, NULL, &s3), SHMHUB_E_NOT_FOUND, name);
    shmhub_segment_close(s2);

    /* the flag on an opener's handle does not unlink (it is for the creator's handle only) */
    s = NULL;
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s), SHMHUB_OK);
    s2 = NULL;
    shmhub_status st = shmhub_segment_open(name, &o, &s2);
    CHECK(st == SHMHUB_OK || st == SHMHUB_E_INVALID);
    shmhub_segment_close(s2);
    CHECK(util_exists(path));
    shmhub_segment_close(s);
    CHECK(util_exists(path));
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    /* closing after an explicit unlink is fine */
    s = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    shmhub_segment_close(s);
    CHECK(!util_exists(path));

    /* ...and if someone re-created the name meanwhile, closing the old creator's handle must not
     * remove the new, unrelated segment (e.g. a restarted producer's) */
    s = s2 = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s2), SHMHUB_OK);
    shmhub_segment_close(s);
    CHECK(util_exists(path));
    s3 = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &s3), SHMHUB_OK);
    shmhub_segment_close(s3);
    shmhub_segment_close(s2);
    shmhub_unlink(name);
    shmhub_layout_free(l);
}

/* ---- read-only mappings ----------------------------------------------------------------------- */
static void test_read_only(void) {
    const char *name = remember(test_name("ro"));
    shmhub_layout *l = layout1();
    shmhub_segment *s = NULL, *r = NULL;
    CHECK_ST(shmhub_segment_create(name, l, NULL, &s), SHMHUB_OK);
    uint32_t *v = data_of(s, "v");
    if (v) v[0] = 42;
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.flags = SHMHUB_READ_ONLY;
    CHECK_ST(shmhub_segment_open(name, &o, &r), SHMHUB_OK);
    CHECK(shmhub_segment_read_only(r) == 1);
    CHECK(shmhub_segment_read_only(s) == 0);
    volatile uint32_t *rv = data_of(r, "v");
    CHECK(rv && rv[0] == 42);
    if (v) v[0] = 43; /* writes by others are visible */
    CHECK(rv && rv[0] == 43);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit rl = {0, 0};
        setrlimit(RLIMIT_CORE, &rl);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        if (rv) rv[0] = 1; /* must fault: the mapping is PROT_READ */
        _exit(0);
    }
    int ws = wait_child(pid);
    CHECK(WIFSIGNALED(ws) && (WTERMSIG(ws) == SIGSEGV || WTERMSIG(ws) == SIGBUS));
    if (!WIFSIGNALED(ws))
        fprintf(stderr, "read-only child: exited with %d instead of dying\n", WEXITSTATUS(ws));
    CHECK(v && v[0] == 43);
    shmhub_segment_close(r);

    /* read-only with prefault (populates for reading only) */
    o.flags = SHMHUB_READ_ONLY | SHMHUB_PREFAULT;
    r = NULL;
    CHECK_ST(shmhub_segment_open(name, &o, &r), SHMHUB_OK);
    rv = data_of(r, "v");
    CHECK(rv && rv[0] == 43);
    shmhub_segment_close(r);
    /* prefault for writers */
    o.flags = SHMHUB_PREFAULT;
    r = NULL;
    CHECK_ST(shmhub_segment_open(name, &o, &r), SHMHUB_OK);
    CHECK(shmhub_segment_read_only(r) == 0);
    shmhub_segment_close(r);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    const char *pf = remember(test_name("prefault"));
    s = NULL;
    CHECK_ST(shmhub_segment_create(pf, l, &o, &s), SHMHUB_OK);
    v = data_of(s, "v");
    CHECK(v && v[15] == 0);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink(pf), SHMHUB_OK);
    /* READ_ONLY is an open flag: create refuses it (or at least never makes a read-only creator) */
    o.flags = SHMHUB_READ_ONLY;
    s = NULL;
    shmhub_status st = shmhub_segment_create(pf, l, &o, &s);
    CHECK(st == SHMHUB_E_INVALID || (st == SHMHUB_OK && shmhub_segment_read_only(s) == 0));
    shmhub_segment_close(s);
    shmhub_unlink(pf);
    shmhub_layout_free(l);
}

/* ---- directories: opts.dir and $SHMHUB_DIR ------------------------------------------------------ */
static void test_dirs(void) {
    char *d1 = util_tmpdir("dir1"), *d2 = util_tmpdir("dir2");
    const char *name = remember(test_name("dirs"));
    char p1[1024], p2[1024], pshm[512];
    snprintf(p1, sizeof p1, "%s/shmhub.%s", d1, name);
    snprintf(p2, sizeof p2, "%s/shmhub.%s", d2, name);
    snprintf(pshm, sizeof pshm, "/dev/shm/shmhub.%s", name);
    shmhub_layout *l1 = layout1(), *l4 = layout4();
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = d1;
    shmhub_segment *s1 = NULL, *s2 = NULL, *x = NULL;

    CHECK_ST(shmhub_segment_create(name, l1, &o, &s1), SHMHUB_OK);
    CHECK_STR(shmhub_segment_path(s1), p1);
    CHECK(util_exists(p1) && !util_exists(pshm));
    CHECK_ST_NAMED(shmhub_segment_open(name, NULL, &x), SHMHUB_E_NOT_FOUND, name);
    CHECK_ST(shmhub_segment_open(name, &o, &x), SHMHUB_OK);
    CHECK_STR(shmhub_segment_path(x), p1);
    shmhub_segment_close(x);

    /* $SHMHUB_DIR applies when opts.dir is not given */
    setenv("SHMHUB_DIR", d2, 1);
    CHECK_ST(shmhub_segment_create(name, l4, NULL, &s2), SHMHUB_OK);
    CHECK_STR(shmhub_segment_path(s2), p2);
    CHECK(util_exists(p2) && !util_exists(pshm));
    x = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &x), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(x) == 4);
    shmhub_segment_close(x);
    /* opts.dir wins over the environment */
    x = NULL;
    CHECK_ST(shmhub_segment_open(name, &o, &x), SHMHUB_OK);
    CHECK(shmhub_segment_array_count(x) == 1);
    shmhub_segment_close(x);
    shmhub_list *list = NULL;
    CHECK_ST(shmhub_list_open(NULL, &list), SHMHUB_OK);
    CHECK(shmhub_list_count(list) == 1);
    CHECK_STR(shmhub_list_name(list, 0), name);
    shmhub_list_close(list);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK); /* in $SHMHUB_DIR */
    CHECK(!util_exists(p2) && util_exists(p1));
    CHECK_ST(shmhub_unlink_in(name, d1), SHMHUB_OK);
    CHECK(!util_exists(p1));
    unsetenv("SHMHUB_DIR");
    shmhub_segment_close(s2);
    shmhub_segment_close(s1);

    /* a directory that does not exist */
    o.dir = "/nonexistent-shmhub-dir/sub";
    x = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST_NAMED(shmhub_segment_create(name, l1, &o, &x), SHMHUB_E_NOT_FOUND, name);
    CHECK(x == NULL);
    CHECK_ST_NAMED(shmhub_segment_open(name, &o, &x), SHMHUB_E_NOT_FOUND, name);
    CHECK_ST(shmhub_unlink_in(name, o.dir), SHMHUB_E_NOT_FOUND);
    CHECK_ST(shmhub_list_open(o.dir, &list), SHMHUB_E_NOT_FOUND);
    CHECK(list == NULL);

    /* listing: sorted, foreign files skipped */
    o.dir = d1;
    const char *ln[3] = {"b1", "a1", "c.1"};
    for (int i = 0; i < 3; i++) {
        x = NULL;
        CHECK_ST(shmhub_segment_create(ln[i], l1, &o, &x), SHMHUB_OK);
        shmhub_segment_close(x);
    }
    char junk[1100];
    snprintf(junk, sizeof junk, "%s/shmhub.bad name", d1);
    util_write_file(junk, "x", 1, 0600);
    snprintf(junk, sizeof junk, "%s/other.txt", d1);
    util_write_file(junk, "x", 1, 0600);
    snprintf(junk, sizeof junk, "%s/shmhub.", d1);
    util_write_file(junk, "x", 1, 0600);
    list = NULL;
    CHECK_ST(shmhub_list_open(d1, &list), SHMHUB_OK);
    CHECK(shmhub_list_count(list) == 3);
    CHECK_STR(shmhub_list_name(list, 0), "a1");
    CHECK_STR(shmhub_list_name(list, 1), "b1");
    CHECK_STR(shmhub_list_name(list, 2), "c.1");
    CHECK(shmhub_list_name(list, 3) == NULL);
    CHECK(shmhub_list_name(list, SIZE_MAX) == NULL);
    shmhub_list_close(list);
    for (int i = 0; i < 3; i++) CHECK_ST(shmhub_unlink_in(ln[i], d1), SHMHUB_OK);

    shmhub_layout_free(l1);
    shmhub_layout_free(l4);
    util_rmtree(d1);
    util_rmtree(d2);
    free(d1);
    free(d2);
}

/* ---- older (smaller) and newer (bigger) option structs ----------------------------------------- */
static void test_opts_sizes(void) {
    char *dir = util_tmpdir("optsz");
    const char *name = remember(test_name("optsz"));
    shmhub_layout *l = layout1();
    char pshm[512];
    snprintf(pshm, sizeof pshm, "/dev/shm/shmhub.%s", name);

    /* size 8: only mode is read; dir, flags and timeout are defaults */
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.size = 8;
    o.mode = 0640;
    o.dir = "/nonexistent-shmhub-dir";
    o.flags = 0xFFFFFFF0u | SHMHUB_READ_ONLY;
    o.reserved = 77;
    o.open_timeout_ns = -5;
    shmhub_segment *s = NULL, *x = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK_STR(shmhub_segment_path(s), pshm);
    struct stat sb;
    CHECK(stat(pshm, &sb) == 0 && (sb.st_mode & 07777) == 0640);
    CHECK_ST(shmhub_segment_open(name, &o, &x), SHMHUB_OK);
    CHECK(shmhub_segment_read_only(x) == 0);
    shmhub_segment_close(x);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    /* size up to dir (offsetof flags): dir is read, the flags are not */
    o = (shmhub_segment_opts)SHMHUB_SEGMENT_OPTS_INIT;
    o.size = (uint32_t)offsetof(shmhub_segment_opts, flags);
    o.dir = dir;
    o.flags = SHMHUB_READ_ONLY | SHMHUB_UNLINK_ON_CLOSE | 0x100;
    o.reserved = 1;
    s = x = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &o, &s), SHMHUB_OK);
    CHECK(util_exists(shmhub_segment_path(s)) && !util_exists(pshm));
    CHECK_ST(shmhub_segment_open(name, &o, &x), SHMHUB_OK);
    CHECK(shmhub_segment_read_only(x) == 0);
    shmhub_segment_close(x);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK); /* still there: UNLINK_ON_CLOSE not read */

    /* a bigger struct from a newer header, zero tail */
    union {
        shmhub_segment_opts o;
        unsigned char b[sizeof(shmhub_segment_opts) + 64];
    } big;
    memset(&big, 0, sizeof big);
    CHECK_ST(shmhub_segment_opts_init(&big.o, sizeof big), SHMHUB_OK);
    big.o.size = (uint32_t)sizeof big;
    big.o.dir = dir;
    s = NULL;
    CHECK_ST(shmhub_segment_create(name, l, &big.o, &s), SHMHUB_OK);
    shmhub_segment_close(s);
    CHECK_ST(shmhub_unlink_in(name, dir), SHMHUB_OK);
    shmhub_layout_free(l);
    util_rmtree(dir);
    free(dir);
}

/* ---- opening a segment that is still being initialised ----------------------------------------- */

/* The bytes of a real one-array segment, with its state word cleared and creator_pid set to pid
 * (the checksum recomputed). */
static unsigned char *image_not_ready(uint32_t pid, size_t *len) {
    char *dir = util_tmpdir("img");
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_layout *l = layout1();
    shmhub_segment *s = NULL;
    CHECK_ST(shmhub_segment_create("img", l, &o, &s), SHMHUB_OK);
    uint32_t *v = data_of(s, "v");
    if (v)
        for (int i = 0; i < 16; i++) v[i] = (uint32_t)i * 3;
    unsigned char *buf = s ? util_read_file(shmhub_segment_path(s), len) : NULL;
    shmhub_segment_close(s);
    shmhub_unlink_in("img", dir);
    shmhub_layout_free(l);
    util_rmtree(dir);
    free(dir);
    CHECK(buf != NULL);
    if (!buf) return NULL;
    shmhub__header *h = (shmhub__header *)(void *)buf;
    h->state = SHMHUB__STATE_INIT;
    h->creator_pid = pid;
    h->checksum = shmhub__checksum(buf, h->immutable_end);
    return buf;
}

static void test_open_waiting(void) {
    char *dir = util_tmpdir("wait");
    char path[1024];
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = dir;
    shmhub_segment *s = NULL;
    int fds[2];

    /* (a) a live creator that never finishes: TIMEOUT after about the timeout; once it dies,
     *     PEER_DEAD at once */
    const char *na = test_name("wait-a");
    snprintf(path, sizeof path, "%s/shmhub.%s", dir, na);
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        size_t len = 0;
        unsigned char *img = image_not_ready((uint32_t)getpid(), &len);
        int ok = img && util_write_file(path, img, len, 0600) == 0;
        char c = ok ? 'y' : 'n';
        if (write(fds[1], &c, 1) != 1) _exit(1);
        for (;;) pause();
    }
    char c = 0;
    CHECK(read(fds[0], &c, 1) == 1 && c == 'y');
    o.open_timeout_ns = 50 * MS;
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST_NAMED(shmhub_segment_open(na, &o, &s), SHMHUB_E_TIMEOUT, na);
    int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(s == NULL);
    CHECK(dt >= 45 * MS && dt < 1000 * MS);
    o.open_timeout_ns = 0;
    t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST_NAMED(shmhub_segment_open(na, &o, &s), SHMHUB_E_TIMEOUT, na);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 500 * MS);
    kill(pid, SIGKILL);
    wait_child(pid);
    close(fds[0]);
    close(fds[1]);
    o.open_timeout_ns = 5000 * MS;
    t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST_NAMED(shmhub_segment_open(na, &o, &s), SHMHUB_E_PEER_DEAD, na);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 1000 * MS);
    CHECK_ST(shmhub_unlink_in(na, dir), SHMHUB_OK);

    /* (b) the creator_pid of a process that already exited: PEER_DEAD quickly, even with 5 s */
    const char *nb = test_name("wait-b");
    snprintf(path, sizeof path, "%s/shmhub.%s", dir, nb);
    pid = fork();
    if (pid == 0) _exit(0);
    wait_child(pid);
    size_t len = 0;
    unsigned char *img = image_not_ready((uint32_t)pid, &len);
    CHECK(img && util_write_file(path, img, len, 0600) == 0);
    free(img);
    o.open_timeout_ns = 5000 * MS;
    t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST_NAMED(shmhub_segment_open(nb, &o, &s), SHMHUB_E_PEER_DEAD, nb);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 1000 * MS);
    o.open_timeout_ns = -1; /* forever: still PEER_DEAD */
    CHECK_ST_NAMED(shmhub_segment_open(nb, &o, &s), SHMHUB_E_PEER_DEAD, nb);
    CHECK(s == NULL);
    CHECK_ST(shmhub_unlink_in(nb, dir), SHMHUB_OK);

    /* (c) an empty file, a file shorter than the header, a header with no creator yet */
    const char *nc = test_name("wait-c");
    snprintf(path, sizeof path, "%s/shmhub.%s", dir, nc);
    CHECK(util_write_file(path, "", 0, 0600) == 0);
    o.open_timeout_ns = 0;
    CHECK_ST_NAMED(shmhub_segment_open(nc, &o, &s), SHMHUB_E_TIMEOUT, nc);
    o.open_timeout_ns = 30 * MS;
    t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST_NAMED(shmhub_segment_open(nc, &o, &s), SHMHUB_E_TIMEOUT, nc);
    dt = util_now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt >= 25 * MS && dt < 1000 * MS);
    unsigned char zeros[4096] = {0};
    /* 1..255 bytes: "being initialised" (TIMEOUT) or, since create sizes the file in one step,
     * "truncated" (CORRUPT) */
    CHECK(util_write_file(path, zeros, 100, 0600) == 0);
    CHECK_ST2(shmhub_segment_open(nc, &o, &s), SHMHUB_E_TIMEOUT, SHMHUB_E_CORRUPT);
    CHECK(strstr(shmhub_last_error(), nc) != NULL);
    CHECK(util_write_file(path, zeros, sizeof zeros, 0600) == 0);
    CHECK_ST_NAMED(shmhub_segment_open(nc, &o, &s), SHMHUB_E_TIMEOUT, nc);
    CHECK(s == NULL);
    CHECK_ST(shmhub_unlink_in(nc, dir), SHMHUB_OK);

    /* (d) a creator that finishes after 100 ms while we wait (futex wake, then a plain store) */
    for (int variant = 0; variant < 2; variant++) {
        const char *nd = test_name(variant ? "wait-d2" : "wait-d");
        snprintf(path, sizeof path, "%s/shmhub.%s", dir, nd);
        CHECK(pipe(fds) == 0);
        pid = fork();
        if (pid == 0) {
            size_t n = 0;
            unsigned char *im = image_not_ready((uint32_t)getpid(), &n);
            int ok = im && util_write_file(path, im, n, 0600) == 0;
            char y = ok ? 'y' : 'n';
            if (write(fds[1], &y, 1) != 1 || !ok) _exit(1);
            util_sleep_ms(100);
            int fd = open(path, O_RDWR);
            void *p = fd >= 0 ? mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                              : MAP_FAILED;
            if (p == MAP_FAILED) _exit(2);
            _Atomic uint32_t *state = (_Atomic uint32_t *)((char *)p + SHMHUB__READY_OFFSET);
            atomic_store(state, SHMHUB__STATE_READY);
            if (variant == 0) syscall(SYS_futex, state, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
            munmap(p, n);
            close(fd);
            util_sleep_ms(200); /* stay alive a little while the parent validates */
            _exit(0);
        }
        c = 0;
        CHECK(read(fds[0], &c, 1) == 1 && c == 'y');
        close(fds[0]);
        close(fds[1]);
        o.open_timeout_ns = 2000 * MS;
        s = NULL;
        t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST(shmhub_segment_open(nd, &o, &s), SHMHUB_OK);
        dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        CHECK(dt >= 50 * MS && dt < 1500 * MS);
        CHECK(shmhub_segment_creator_pid(s) == pid);
        uint32_t *v = data_of(s, "v");
        CHECK(v && v[15] == 45);
        shmhub_segment_close(s);
        int ws = wait_child(pid);
        CHECK(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
        /* and it is still fine after its creator exited: READY segments outlive creators */
        s = NULL;
        CHECK_ST(shmhub_segment_open(nd, &o, &s), SHMHUB_OK);
        shmhub_segment_close(s);
        CHECK_ST(shmhub_unlink_in(nd, dir), SHMHUB_OK);
    }
    util_rmtree(dir);
    free(dir);
}

int main(void) {
    unsetenv("SHMHUB_DIR");
    test_happy();
    test_empty_layout();
    test_many_arrays();
    test_names();
    test_missing_existing();
    test_modes();
    test_permission();
    test_unlink();
    test_read_only();
    test_dirs();
    test_opts_sizes();
    test_open_waiting();
    for (int i = 0; i < g_nnames; i++) shmhub_unlink(g_names[i]); /* leftovers of failures */
    return check_finish("test_segment");
}
