/* Stream tests: create/open/getters, every bad input, cursor and overrun rules (exact missed
 * counts), waits, wait modes and timeouts, a torn-frame detector (1 or 2 writer processes, 3 reader
 * processes, 24 B to 16 MiB frames), lossless reads, futex wake-ups, crash recovery (single and
 * multi writer; killed mid-loan, and mid-write at a test-only crash point), liveness, loans,
 * peek/validate, threads sharing one handle.
 *
 * Linked against the library built with SHMHUB_TEST_HOOKS (tests/CMakeLists.txt), for the crash
 * point inside shmhub_stream_write.
 *
 * Helper modes (used by tests/cli/test_stream_syscalls.sh):
 *   test_stream --publish-only N [multi]  create a stream (single or multi-writer), write N
 *                                    frames with no reader, unlink
 *   test_stream --publish-to-sleeper a reader process sleeps in read_next; one frame wakes it */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "check.h"
#include "util.h"
#include "internal.h" /* shmhub__test_crash_after: this test links the SHMHUB_TEST_HOOKS build */

#ifndef SHMHUB_TEST_HOOKS
#error "test_stream needs the library built with SHMHUB_TEST_HOOKS (tests/CMakeLists.txt)"
#endif

#define MS INT64_C(1000000)
/* How late a timeout may return on a loaded CI machine (sanitizer builds run side by side). */
#define TIMEOUT_SLACK (1000 * MS)

/* Every name created, so main() can remove leftovers of failed checks. */
#define MAX_NAMES 256
static char g_names[MAX_NAMES][SHMHUB_MAX_NAME + 1];
static int g_nnames;

/* Returns name itself (once the table is full, the name is no longer remembered: returning the
 * last slot instead would hand back a different, older name). */
static const char *remember(const char *name) {
    if (g_nnames < MAX_NAMES) snprintf(g_names[g_nnames++], SHMHUB_MAX_NAME + 1, "%s", name);
    return name;
}

static int wait_child(pid_t pid) {
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    return ws;
}

/* Exit code of a child (or 100 + signal number). */
static int child_rc(pid_t pid) {
    int ws = wait_child(pid);
    if (WIFEXITED(ws)) return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws)) return 100 + WTERMSIG(ws);
    return 255;
}

/* fork() with stdio flushed first, so buffered output is not printed twice. */
static pid_t xfork(void) {
    fflush(NULL);
    return fork();
}

/* Shared anonymous memory for handshakes between the test's processes (inherited across fork). */
typedef struct shared_area {
    _Atomic int64_t go;
    _Atomic int64_t progress[4];
    _Atomic int64_t t[8];
    _Atomic int64_t value[8];
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

static shmhub_stream_opts opts_of(uint32_t slots, uint32_t writer_mode) {
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = slots;
    o.writer_mode = writer_mode;
    return o;
}

/* A stream of n uint64 per frame. */
static shmhub_stream *make_u64(const char *name, uint64_t n, uint32_t slots, uint32_t mode) {
    shmhub_stream_opts o = opts_of(slots, mode);
    shmhub_stream *s = NULL;
    CHECK_ST(shmhub_stream_create(remember(name), SHMHUB_DTYPE_UINT64, 1, &n, &o, &s), SHMHUB_OK);
    return s;
}

static void fill(uint64_t *f, size_t n, uint64_t v) {
    for (size_t i = 0; i < n; i++) f[i] = v;
}

static int uniform(const uint64_t *f, size_t n, uint64_t v) {
    for (size_t i = 0; i < n; i++)
        if (f[i] != v) return 0;
    return 1;
}

static uint64_t write_val(shmhub_stream *s, uint64_t v) {
    uint64_t n = shmhub_stream_frame_nbytes(s) / 8;
    uint64_t *f = malloc(n * 8);
    fill(f, n, v);
    shmhub_status st = shmhub_stream_write(s, f, n * 8);
    free(f);
    return (uint64_t)st;
}

/* ---- create / open / getters ---------------------------------------------------------------- */

static void test_basics(void) {
    const char *name = test_name("basic");
    uint64_t shape[2] = {3, 4};
    shmhub_stream_opts o = opts_of(4, SHMHUB_WRITER_SINGLE);
    shmhub_stream *w = NULL, *r = NULL;
    CHECK_ST(shmhub_stream_create(remember(name), SHMHUB_DTYPE_UINT16, 2, shape, &o, &w), SHMHUB_OK);
    CHECK(w != NULL);
    if (!w) return;
    CHECK(shmhub_stream_count(w) == 0);
    CHECK(shmhub_stream_last_write_ns(w) == 0);
    CHECK(shmhub_stream_slots(w) == 4);
    CHECK(shmhub_stream_dtype(w) == SHMHUB_DTYPE_UINT16);
    CHECK(shmhub_stream_ndim(w) == 2);
    CHECK(shmhub_stream_shape(w) && shmhub_stream_shape(w)[0] == 3 && shmhub_stream_shape(w)[1] == 4);
    CHECK(shmhub_stream_frame_nbytes(w) == 24);
    CHECK(shmhub_stream_writer_mode(w) == SHMHUB_WRITER_SINGLE);
    CHECK(shmhub_stream_cursor(w) == 0);
    CHECK(shmhub_stream_writer_pid(w) == 0);
    CHECK(shmhub_stream_recoveries(w) == 0);
    const shmhub_segment *seg = shmhub_stream_segment(w);
    CHECK(seg != NULL);
    CHECK(shmhub_segment_kind(seg) == SHMHUB_KIND_STREAM);
    CHECK_STR(shmhub_segment_name(seg), name);

    uint16_t f[12], g[12];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    const void *p = (const void *)1;
    CHECK_ST_NAMED(shmhub_stream_read_latest(w, g, sizeof g, &info), SHMHUB_E_EMPTY, name);
    CHECK_ST_NAMED(shmhub_stream_peek(w, &p, &info), SHMHUB_E_EMPTY, name);
    CHECK(p == NULL);
    CHECK_ST_NAMED(shmhub_stream_read_next(w, g, sizeof g, 0, &info), SHMHUB_E_TIMEOUT, name);
    CHECK_ST(shmhub_stream_wait(w, 0), SHMHUB_E_TIMEOUT);

    for (int i = 0; i < 12; i++) f[i] = (uint16_t)(100 + i);
    CHECK_ST(shmhub_stream_write(w, f, sizeof f), SHMHUB_OK);
    CHECK(shmhub_stream_count(w) == 1);
    int64_t now = util_now_ns(CLOCK_REALTIME), lw = shmhub_stream_last_write_ns(w);
    CHECK(lw > now - 5000 * MS && lw <= now);
    CHECK(shmhub_stream_writer_pid(w) == getpid());

    /* a second handle: cursor starts at the head; same descriptor */
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (r) {
        CHECK(shmhub_stream_cursor(r) == 1);
        CHECK(shmhub_stream_slots(r) == 4 && shmhub_stream_frame_nbytes(r) == 24);
        CHECK(shmhub_stream_dtype(r) == SHMHUB_DTYPE_UINT16 && shmhub_stream_ndim(r) == 2);
        CHECK(shmhub_stream_count(r) == 1);
        CHECK_ST(shmhub_stream_read_next(r, g, sizeof g, 0, &info), SHMHUB_E_TIMEOUT);
        memset(g, 0, sizeof g);
        CHECK_ST(shmhub_stream_read_latest(r, g, sizeof g, &info), SHMHUB_OK);
        CHECK(memcmp(f, g, sizeof f) == 0);
        CHECK(info.seq == 1 && info.missed == 0 && info.timestamp_ns == lw);
        /* the creator's handle had cursor 0: read_next returns frame 1 */
        CHECK_ST(shmhub_stream_read_next(w, g, sizeof g, 0, &info), SHMHUB_OK);
        CHECK(info.seq == 1 && info.missed == 0 && shmhub_stream_cursor(w) == 1);
        /* info NULL is fine; a short info gets only the fields that fit */
        CHECK_ST(shmhub_stream_read_latest(r, g, sizeof g, NULL), SHMHUB_OK);
        shmhub_frame_info small = {16, 0, 0, -7, 99};
        CHECK_ST(shmhub_stream_read_latest(r, g, sizeof g, &small), SHMHUB_OK);
        CHECK(small.seq == 1 && small.timestamp_ns == -7 && small.missed == 99);
        /* open ignores slots/writer_mode in the options */
        shmhub_stream_opts o2 = opts_of(16, SHMHUB_WRITER_MULTI);
        shmhub_stream *r2 = NULL;
        CHECK_ST(shmhub_stream_open(name, &o2, &r2), SHMHUB_OK);
        CHECK(r2 && shmhub_stream_slots(r2) == 4 &&
              shmhub_stream_writer_mode(r2) == SHMHUB_WRITER_SINGLE);
        shmhub_stream_close(r2);
    }

    /* shmhub_segment_open sees a stream segment with one uint8 array "ring" */
    shmhub_segment *sg = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &sg), SHMHUB_OK);
    if (sg) {
        CHECK(shmhub_segment_kind(sg) == SHMHUB_KIND_STREAM);
        CHECK(shmhub_segment_array_count(sg) == 1);
        const shmhub_array *a = NULL;
        CHECK_ST(shmhub_segment_array_at(sg, 0, &a), SHMHUB_OK);
        if (a) {
            CHECK_STR(shmhub_array_name(a), "ring");
            CHECK(shmhub_array_dtype(a) == SHMHUB_DTYPE_UINT8);
            CHECK(shmhub_array_nbytes(a) == 4 * 64);
        }
        shmhub_segment_close(sg);
    }
    /* creating it again fails */
    shmhub_stream *dup = (shmhub_stream *)1;
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT16, 2, shape, NULL, &dup),
                   SHMHUB_E_EXISTS, name);
    CHECK(dup == NULL);
    shmhub_stream_close(r);
    shmhub_stream_close(w);
    /* the claim was released by close */
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    CHECK(shmhub_stream_writer_pid(r) == 0);
    shmhub_stream_close(r);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);

    /* boundary slot counts and a scalar (ndim 0) frame */
    uint64_t one = 1;
    shmhub_stream *s = NULL;
    o = opts_of(2, SHMHUB_WRITER_SINGLE);
    CHECK_ST(shmhub_stream_create(remember(test_name("s2")), SHMHUB_DTYPE_FLOAT64, 0, NULL, &o, &s),
             SHMHUB_OK);
    CHECK(s && shmhub_stream_frame_nbytes(s) == 8 && shmhub_stream_ndim(s) == 0);
    shmhub_stream_close(s);
    shmhub_unlink(test_name("s2"));
    o = opts_of(65536, SHMHUB_WRITER_MULTI);
    CHECK_ST(shmhub_stream_create(remember(test_name("s65536")), SHMHUB_DTYPE_BOOL, 1, &one, &o, &s),
             SHMHUB_OK);
    CHECK(s && shmhub_stream_slots(s) == 65536 &&
          shmhub_stream_writer_mode(s) == SHMHUB_WRITER_MULTI);
    shmhub_stream_close(s);
    shmhub_unlink(test_name("s65536"));
    /* NULL options: defaults (8 slots, single writer) */
    CHECK_ST(shmhub_stream_create(remember(test_name("dflt")), SHMHUB_DTYPE_INT8, 1, &one, NULL, &s),
             SHMHUB_OK);
    CHECK(s && shmhub_stream_slots(s) == 8 && shmhub_stream_writer_mode(s) == SHMHUB_WRITER_SINGLE);
    shmhub_stream_close(s);
    shmhub_unlink(test_name("dflt"));
}

/* ---- bad inputs ------------------------------------------------------------------------------- */

static void test_bad_inputs(void) {
    uint64_t shape[2] = {2, 2}, zero[2] = {0, 4};
    shmhub_stream *s = (shmhub_stream *)1;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    const char *name = test_name("bad");
    char longname[SHMHUB_MAX_NAME + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const char *bad_names[] = {"", "a/b", "a b", "x\n", longname};
    for (size_t i = 0; i < sizeof bad_names / sizeof *bad_names; i++) {
        s = (shmhub_stream *)1;
        CHECK_ST(shmhub_stream_create(bad_names[i], SHMHUB_DTYPE_UINT8, 2, shape, NULL, &s),
                 SHMHUB_E_INVALID);
        CHECK(s == NULL);
        s = (shmhub_stream *)1;
        CHECK_ST(shmhub_stream_open(bad_names[i], NULL, &s), SHMHUB_E_INVALID);
        CHECK(s == NULL);
    }
    CHECK_ST(shmhub_stream_create(NULL, SHMHUB_DTYPE_UINT8, 2, shape, NULL, &s), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_open(NULL, NULL, &s), SHMHUB_E_INVALID);
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, NULL, NULL),
                   SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_stream_open(name, NULL, NULL), SHMHUB_E_INVALID, name);
    /* dtype, ndim, shape */
    int32_t bad_dtypes[] = {SHMHUB_DTYPE_INVALID, SHMHUB_DTYPE_COUNT + 1, -1};
    for (size_t i = 0; i < 3; i++) {
        s = (shmhub_stream *)1;
        CHECK_ST_NAMED(shmhub_stream_create(name, bad_dtypes[i], 2, shape, NULL, &s),
                       SHMHUB_E_INVALID, name);
        CHECK(s == NULL);
    }
    uint64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 9, nine, NULL, &s),
                   SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, NULL, NULL, &s),
                   SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, zero, NULL, &s),
                   SHMHUB_E_INVALID, name);
    uint64_t huge[2] = {UINT64_C(1) << 40, UINT64_C(1) << 40};
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, huge, NULL, &s),
                   SHMHUB_E_INVALID, name);
    /* more shapes whose size overflows or passes the 2^56-byte limit; rings of 2^56 bytes or more */
    struct {
        shmhub_dtype dt;
        uint32_t ndim, slots;
        uint64_t shape[8];
    } too_big[] = {
        {SHMHUB_DTYPE_UINT8, 2, 8, {UINT64_MAX, 2}},                      /* product wraps */
        {SHMHUB_DTYPE_UINT8, 8, 8, {256, 256, 256, 256, 256, 256, 256, 256}}, /* 2^64 wraps to 0 */
        {SHMHUB_DTYPE_UINT64, 1, 8, {UINT64_C(1) << 61}},                  /* x 8 wraps to 0 */
        {SHMHUB_DTYPE_UINT64, 1, 8, {UINT64_C(1) << 54}},                  /* 2^57-byte frame */
        {SHMHUB_DTYPE_UINT8, 1, 2, {(UINT64_C(1) << 55) + 1}},  /* 2 x (2^55 + 64) ring */
        {SHMHUB_DTYPE_UINT8, 1, 64, {(UINT64_C(1) << 50) + 64}}, /* 64 x (2^50 + 64) */
        {SHMHUB_DTYPE_UINT16, 2, 65536, {UINT64_C(1) << 20, (UINT64_C(1) << 20) + 1}},
        {SHMHUB_DTYPE_UINT8, 1, 65536, {(UINT64_C(1) << 40) + 1}},
    };
    for (size_t i = 0; i < sizeof too_big / sizeof *too_big; i++) {
        o = opts_of(too_big[i].slots, SHMHUB_WRITER_SINGLE);
        s = (shmhub_stream *)1;
        CHECK_ST_NAMED(shmhub_stream_create(name, too_big[i].dt, too_big[i].ndim, too_big[i].shape,
                                            &o, &s),
                       SHMHUB_E_INVALID, name);
        CHECK(s == NULL);
    }
    /* options */
    uint32_t bad_slots[] = {0, 1, 65537, UINT32_MAX};
    for (size_t i = 0; i < 4; i++) {
        o = opts_of(bad_slots[i], SHMHUB_WRITER_SINGLE);
        CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, &o, &s),
                       SHMHUB_E_INVALID, name);
        CHECK(s == NULL);
    }
    o = opts_of(8, 2);
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, &o, &s),
                   SHMHUB_E_INVALID, name);
    o = opts_of(8, SHMHUB_WRITER_SINGLE);
    o.wait_mode = 3;
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, &o, &s),
                   SHMHUB_E_INVALID, name);
    o = opts_of(8, SHMHUB_WRITER_SINGLE);
    o.flags = 0x2;
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, &o, &s),
                   SHMHUB_E_INVALID, name);
    o = opts_of(8, SHMHUB_WRITER_SINGLE);
    o.size = 4;
    CHECK_ST_NAMED(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 2, shape, &o, &s),
                   SHMHUB_E_INVALID, name);
    CHECK_ST(shmhub_stream_opts_init(NULL, sizeof o), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_opts_init(&o, 4), SHMHUB_E_INVALID);
    /* an older, shorter options struct (only size and slots) is read as far as it goes */
    memset(&o, 0xff, sizeof o);
    CHECK_ST(shmhub_stream_opts_init(&o, 8), SHMHUB_OK);
    CHECK(o.size == 8 && o.slots == 8); /* the bytes past 8 are not touched */
    o.slots = 3;
    CHECK_ST(shmhub_stream_create(remember(name), SHMHUB_DTYPE_UINT8, 2, shape, &o, &s), SHMHUB_OK);
    CHECK(s && shmhub_stream_slots(s) == 3 && shmhub_stream_writer_mode(s) == SHMHUB_WRITER_SINGLE);
    /* open: bad options are refused too; missing name */
    shmhub_stream *r = (shmhub_stream *)1;
    o = opts_of(8, SHMHUB_WRITER_SINGLE);
    o.wait_mode = 9;
    CHECK_ST_NAMED(shmhub_stream_open(name, &o, &r), SHMHUB_E_INVALID, name);
    CHECK(r == NULL);
    const char *missing = test_name("missing");
    r = (shmhub_stream *)1;
    CHECK_ST_NAMED(shmhub_stream_open(missing, NULL, &r), SHMHUB_E_NOT_FOUND, missing);
    CHECK(r == NULL);
    /* a non-stream segment */
    const char *arr = test_name("arrays");
    shmhub_layout *l = NULL;
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "x", SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_OK);
    CHECK_ST(shmhub_segment_create(remember(arr), l, NULL, &seg), SHMHUB_OK);
    shmhub_layout_free(l);
    r = (shmhub_stream *)1;
    CHECK_ST_NAMED(shmhub_stream_open(arr, NULL, &r), SHMHUB_E_WRONG_KIND, arr);
    CHECK(r == NULL);
    shmhub_segment_close(seg);
    shmhub_unlink(arr);
    /* an arrays segment shaped like a stream (one uint8 array "ring") is still the wrong kind */
    uint64_t ring_len = 4 * 64;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "ring", SHMHUB_DTYPE_UINT8, 1, &ring_len), SHMHUB_OK);
    CHECK_ST(shmhub_segment_create(remember(arr), l, NULL, &seg), SHMHUB_OK);
    shmhub_layout_free(l);
    r = (shmhub_stream *)1;
    CHECK_ST_NAMED(shmhub_stream_open(arr, NULL, &r), SHMHUB_E_WRONG_KIND, arr);
    CHECK(r == NULL);
    shmhub_segment_close(seg);
    shmhub_unlink(arr);
    if (!s) return;

    /* calls on a handle */
    unsigned char buf[8];
    void *loan = (void *)1;
    const void *pk = (const void *)1;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST_NAMED(shmhub_stream_write(s, buf, 3), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_write(s, buf, 5), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_write(s, buf, 0), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_write(s, buf, SIZE_MAX), SHMHUB_E_SIZE, name);
    CHECK(shmhub_stream_writer_pid(s) == 0); /* a refused write claims nothing */
    CHECK_ST(shmhub_stream_write(s, NULL, 4), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_write(NULL, buf, 4), SHMHUB_E_INVALID);
    CHECK(shmhub_stream_count(s) == 0);
    CHECK_ST(shmhub_stream_write(s, buf, 4), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_stream_read_latest(s, buf, 8, &info), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_read_latest(s, buf, 0, &info), SHMHUB_E_SIZE, name);
    CHECK_ST(shmhub_stream_read_latest(s, NULL, 4, &info), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_read_latest(NULL, buf, 4, &info), SHMHUB_E_INVALID);
    CHECK_ST_NAMED(shmhub_stream_read_next(s, buf, 3, 0, &info), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_read_next(s, buf, 5, -1, &info), SHMHUB_E_SIZE, name);
    CHECK_ST_NAMED(shmhub_stream_read_latest(s, buf, SIZE_MAX, &info), SHMHUB_E_SIZE, name);
    CHECK(shmhub_stream_cursor(s) == 0); /* refused reads do not move the cursor */
    CHECK_ST(shmhub_stream_read_next(s, NULL, 4, 0, &info), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_read_next(NULL, buf, 4, 0, &info), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_wait(NULL, 0), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_loan(s, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_loan(NULL, &loan), SHMHUB_E_INVALID);
    CHECK(loan == NULL);
    CHECK_ST_NAMED(shmhub_stream_commit(s), SHMHUB_E_INVALID, name);
    CHECK_ST_NAMED(shmhub_stream_abandon(s), SHMHUB_E_INVALID, name);
    CHECK_ST(shmhub_stream_commit(NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_abandon(NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_peek(s, NULL, &info), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_peek(NULL, &pk, &info), SHMHUB_E_INVALID);
    CHECK(pk == NULL);
    CHECK_ST(shmhub_stream_validate(NULL, &info), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_stream_validate(s, NULL), SHMHUB_E_INVALID);
    shmhub_frame_info zero_seq = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_stream_validate(s, &zero_seq), SHMHUB_E_INVALID);
    CHECK(shmhub_stream_count(s) == 1);
    /* getters are NULL-safe */
    CHECK(shmhub_stream_count(NULL) == 0 && shmhub_stream_slots(NULL) == 0);
    CHECK(shmhub_stream_last_write_ns(NULL) == 0 && shmhub_stream_frame_nbytes(NULL) == 0);
    CHECK(shmhub_stream_dtype(NULL) == SHMHUB_DTYPE_INVALID && shmhub_stream_ndim(NULL) == 0);
    CHECK(shmhub_stream_shape(NULL) == NULL && shmhub_stream_segment(NULL) == NULL);
    CHECK(shmhub_stream_cursor(NULL) == 0 && shmhub_stream_writer_pid(NULL) == 0);
    CHECK(shmhub_stream_recoveries(NULL) == 0 && shmhub_stream_writer_mode(NULL) == 0);
    shmhub_stream_seek(NULL, 3);
    shmhub_stream_close(NULL);
    shmhub_stream_close(s);
    shmhub_unlink(name);
}

/* ---- cursor, overrun, seek, timeouts ---------------------------------------------------------- */

static void test_reads(void) {
    const char *name = test_name("reads");
    shmhub_stream *w = make_u64(name, 1, 4, SHMHUB_WRITER_SINGLE), *r = NULL, *late = NULL;
    if (!w) return;
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (!r) return;
    uint64_t v = 0;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    for (uint64_t i = 1; i <= 3; i++) CHECK(write_val(w, i) == 0);
    for (uint64_t i = 1; i <= 3; i++) {
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
        CHECK(v == i && info.seq == i && info.missed == 0);
    }
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_E_TIMEOUT);
    CHECK(shmhub_stream_cursor(r) == 3);
    /* overrun: head 10, 4 slots: the oldest safe frame is 10 - 4 + 2 = 8 */
    for (uint64_t i = 4; i <= 10; i++) CHECK(write_val(w, i) == 0);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 8 && info.seq == 8 && info.missed == 4);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 9 && info.seq == 9 && info.missed == 0);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 10 && info.seq == 10 && info.missed == 0);
    /* seek */
    shmhub_stream_seek(r, 0);
    CHECK(shmhub_stream_cursor(r) == 0);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 8 && info.missed == 7);
    shmhub_stream_seek(r, 5);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 8 && info.missed == 2);
    shmhub_stream_seek(r, 8);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
    CHECK(v == 9 && info.missed == 0);
    shmhub_stream_seek(r, 10);
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_E_TIMEOUT);
    shmhub_stream_seek(r, 50); /* past the head: waits for frame 51 */
    CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_E_TIMEOUT);
    /* read_latest counts what it skipped and moves the cursor */
    shmhub_stream_seek(r, 3);
    CHECK_ST(shmhub_stream_read_latest(r, &v, 8, &info), SHMHUB_OK);
    CHECK(v == 10 && info.seq == 10 && info.missed == 6 && shmhub_stream_cursor(r) == 10);
    CHECK_ST(shmhub_stream_read_latest(r, &v, 8, &info), SHMHUB_OK);
    CHECK(info.seq == 10 && info.missed == 0);
    /* a handle opened now starts at the head */
    CHECK_ST(shmhub_stream_open(name, NULL, &late), SHMHUB_OK);
    if (late) {
        CHECK(shmhub_stream_cursor(late) == 10);
        CHECK_ST(shmhub_stream_read_next(late, &v, 8, 0, &info), SHMHUB_E_TIMEOUT);
        CHECK_ST(shmhub_stream_wait(late, 0), SHMHUB_E_TIMEOUT);
        int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST(shmhub_stream_wait(late, 20 * MS), SHMHUB_E_TIMEOUT);
        int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        CHECK(dt >= 15 * MS && dt < 2000 * MS);
        t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST(shmhub_stream_read_next(late, &v, 8, 20 * MS, &info), SHMHUB_E_TIMEOUT);
        dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        CHECK(dt >= 15 * MS && dt < 2000 * MS);
        CHECK(write_val(w, 11) == 0);
        CHECK_ST(shmhub_stream_wait(late, 0), SHMHUB_OK);
        CHECK_ST(shmhub_stream_wait(late, -1), SHMHUB_OK); /* forever, but already there */
        CHECK_ST(shmhub_stream_read_next(late, &v, 8, -1, &info), SHMHUB_OK);
        CHECK(v == 11 && info.seq == 11 && info.missed == 0);
        shmhub_stream_close(late);
    }
    shmhub_stream_close(r);
    shmhub_stream_close(w);
    shmhub_unlink(name);

    /* before the ring wraps, seek(0) replays from frame 1 */
    name = test_name("replay");
    w = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    for (uint64_t i = 1; i <= 5; i++) CHECK(write_val(w, i) == 0);
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (r) {
        CHECK(shmhub_stream_cursor(r) == 5);
        shmhub_stream_seek(r, 0);
        for (uint64_t i = 1; i <= 5; i++) {
            CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
            CHECK(v == i && info.seq == i && info.missed == 0);
        }
        shmhub_stream_close(r);
    }
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- wait modes ---------------------------------------------------------------------------------- */

typedef struct delayed_write {
    shmhub_stream *s;
    long delay_ms;
    uint64_t value;
} delayed_write;

static void *delayed_writer(void *arg) {
    delayed_write *d = arg;
    util_sleep_ms(d->delay_ms);
    write_val(d->s, d->value);
    return NULL;
}

static void test_wait_modes(void) {
    const char *name = test_name("waitmodes");
    shmhub_stream *w = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    uint32_t modes[3] = {SHMHUB_WAIT_FUTEX, SHMHUB_WAIT_SPIN_THEN_FUTEX, SHMHUB_WAIT_SPIN};
    for (int m = 0; m < 3; m++) {
        shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
        o.wait_mode = modes[m];
        o.spin_ns = 1 * MS;
        shmhub_stream *r = NULL;
        CHECK_ST(shmhub_stream_open(name, &o, &r), SHMHUB_OK);
        if (!r) continue;
        uint64_t v = 0;
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 20 * MS, &info), SHMHUB_E_TIMEOUT);
        int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        CHECK(dt >= 15 * MS && dt < 2000 * MS);
        CHECK_ST(shmhub_stream_wait(r, 0), SHMHUB_E_TIMEOUT);
        delayed_write d = {w, 10, 1000 + (uint64_t)m};
        pthread_t th;
        pthread_create(&th, NULL, delayed_writer, &d);
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 2000 * MS, &info), SHMHUB_OK);
        CHECK(v == 1000 + (uint64_t)m);
        pthread_join(th, NULL);
        d.value = 2000 + (uint64_t)m;
        pthread_create(&th, NULL, delayed_writer, &d);
        CHECK_ST(shmhub_stream_wait(r, 2000 * MS), SHMHUB_OK);
        pthread_join(th, NULL);
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 0, &info), SHMHUB_OK);
        CHECK(v == 2000 + (uint64_t)m);
        shmhub_stream_close(r);
    }
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- torn-frame detector: W writer and 3 reader processes ----------------------------------- */

/* Writers fill every element of a frame with one value: the frame's sequence number with one
 * writer, (writer id << 48 | the writer's own counter) with two (a writer of a MULTI stream does not
 * know its sequence number in advance). Readers, in other processes, alternate read_latest and
 * read_next and check every element of every frame they get against its first element (and, with
 * one writer, against info.seq). Writers go on until every reader has read TD_MIN_READS frames
 * (and at least TD_MIN_NS has passed), so reads overlap writes at every frame size. */

#define TD_READERS 3
#define TD_MAX_WRITERS 2
#define TD_MIN_READS 20
#define TD_MIN_NS (250 * MS)
#define TD_MAX_NS (3000 * MS)
#define TD_ID_SHIFT 48

typedef struct td_area {
    _Atomic int ready, go, done;
    _Atomic int64_t writes[TD_MAX_WRITERS];
    _Atomic int64_t reads[TD_READERS];       /* reads while the writers were running */
    _Atomic int64_t reads_all[TD_READERS];   /* all successful reads */
    _Atomic int64_t torn[TD_READERS];        /* a frame not uniform, or (W=1) value != seq */
    _Atomic int64_t bad_seq[TD_READERS];     /* seq went backwards or past the writers' total */
    _Atomic int64_t bad_missed[TD_READERS];  /* missed != seq - cursor - 1 */
    _Atomic int64_t bad_order[TD_READERS];   /* a writer's own frames out of order, or one frame
                                                read twice with different contents */
    _Atomic int64_t busy[TD_READERS];
    _Atomic int64_t errors[TD_READERS];
    _Atomic int64_t final_seq[TD_READERS];   /* read_latest after the writers finished */
} td_area;

static int td_writer(const char *name, td_area *a, int k, int nw, uint64_t words) {
    shmhub_stream *w = NULL;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.lock_timeout_ns = 10000 * MS;
    if (shmhub_stream_open(name, &o, &w) != SHMHUB_OK) return 1;
    uint64_t *f = malloc(words * 8);
    if (!f) return 1;
    atomic_fetch_add(&a->ready, 1);
    while (!atomic_load(&a->go)) sched_yield();
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    for (uint64_t i = 1;; i++) {
        fill(f, words, nw == 1 ? i : ((uint64_t)(k + 1) << TD_ID_SHIFT) | i);
        if (shmhub_stream_write(w, f, words * 8) != SHMHUB_OK) {
            fprintf(stderr, "torn detector: writer %d: %s\n", k, shmhub_last_error());
            return 2;
        }
        atomic_store(&a->writes[k], (int64_t)i);
        int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        if (dt >= TD_MAX_NS) break;
        if (dt < TD_MIN_NS) continue;
        int enough = 1;
        for (int j = 0; j < TD_READERS; j++)
            if (atomic_load(&a->reads[j]) < TD_MIN_READS) enough = 0;
        if (enough) break;
    }
    free(f);
    shmhub_stream_close(w);
    return 0;
}

static int td_reader(const char *name, td_area *a, int j, int nw, uint64_t words) {
    shmhub_stream *r = NULL;
    if (shmhub_stream_open(name, NULL, &r) != SHMHUB_OK) return 1;
    uint64_t *f = malloc(words * 8);
    if (!f) return 1;
    atomic_fetch_add(&a->ready, 1);
    while (!atomic_load(&a->go)) sched_yield();
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    uint64_t prev_seq = 0, prev_val = 0, last_of[TD_MAX_WRITERS + 1] = {0};
    for (uint64_t k = 0;; k++) {
        int finishing = atomic_load(&a->done); /* before the read: the head is final */
        uint64_t before = shmhub_stream_cursor(r);
        shmhub_status st = (k & 1) ? shmhub_stream_read_latest(r, f, words * 8, &info)
                                   : shmhub_stream_read_next(r, f, words * 8, 20 * MS, &info);
        if (st == SHMHUB_E_BUSY) {
            atomic_fetch_add(&a->busy[j], 1);
            continue;
        }
        if (st == SHMHUB_E_EMPTY || st == SHMHUB_E_TIMEOUT) continue;
        if (st != SHMHUB_OK) {
            fprintf(stderr, "torn detector: reader %d: %s\n", j, shmhub_last_error());
            atomic_fetch_add(&a->errors[j], 1);
            break;
        }
        if (!finishing) atomic_fetch_add(&a->reads[j], 1);
        atomic_fetch_add(&a->reads_all[j], 1);
        uint64_t v = f[0];
        if (!uniform(f, words, v) || (nw == 1 && v != info.seq)) atomic_fetch_add(&a->torn[j], 1);
        if (info.seq < before || info.seq < prev_seq || info.seq == 0)
            atomic_fetch_add(&a->bad_seq[j], 1);
        if (info.missed != (info.seq > before ? info.seq - before - 1 : 0))
            atomic_fetch_add(&a->bad_missed[j], 1);
        if (info.seq == prev_seq) {
            if (v != prev_val) atomic_fetch_add(&a->bad_order[j], 1);
        } else if (nw > 1) {
            uint64_t id = v >> TD_ID_SHIFT, c = v & ((UINT64_C(1) << TD_ID_SHIFT) - 1);
            if (id < 1 || id > (uint64_t)nw || c <= last_of[id])
                atomic_fetch_add(&a->bad_order[j], 1);
            else
                last_of[id] = c;
        }
        prev_seq = info.seq;
        prev_val = v;
        if (finishing && (k & 1)) {
            atomic_store(&a->final_seq[j], (int64_t)info.seq);
            break;
        }
    }
    free(f);
    shmhub_stream_close(r);
    return 0;
}

static void test_torn_detector(uint64_t words, uint32_t slots, int nw) {
    char tag[64];
    snprintf(tag, sizeof tag, "torn%llu.%uw%d", (unsigned long long)words, slots, nw);
    const char *name = test_name(tag);
    shmhub_stream *p = make_u64(name, words, slots, nw > 1 ? SHMHUB_WRITER_MULTI
                                                            : SHMHUB_WRITER_SINGLE);
    if (!p) return;
    td_area *a = mmap(NULL, sizeof *a, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (a == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    memset(a, 0, sizeof *a);
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    pid_t wp[TD_MAX_WRITERS], rp[TD_READERS];
    for (int j = 0; j < TD_READERS; j++)
        if ((rp[j] = xfork()) == 0) _exit(td_reader(name, a, j, nw, words));
    for (int k = 0; k < nw; k++)
        if ((wp[k] = xfork()) == 0) _exit(td_writer(name, a, k, nw, words));
    while (atomic_load(&a->ready) < nw + TD_READERS) sched_yield();
    atomic_store(&a->go, 1);
    int64_t total = 0;
    for (int k = 0; k < nw; k++) {
        CHECK(child_rc(wp[k]) == 0);
        total += atomic_load(&a->writes[k]);
    }
    atomic_store(&a->done, 1);
    int64_t torn = 0, reads = 0, busy = 0;
    for (int j = 0; j < TD_READERS; j++) {
        CHECK(child_rc(rp[j]) == 0);
        torn += atomic_load(&a->torn[j]);
        reads += atomic_load(&a->reads_all[j]);
        busy += atomic_load(&a->busy[j]);
        CHECK(atomic_load(&a->torn[j]) == 0);
        CHECK(atomic_load(&a->reads[j]) > 0); /* read while the writers were writing */
        CHECK(atomic_load(&a->bad_seq[j]) == 0);
        CHECK(atomic_load(&a->bad_missed[j]) == 0);
        CHECK(atomic_load(&a->bad_order[j]) == 0);
        CHECK(atomic_load(&a->errors[j]) == 0);
        CHECK(atomic_load(&a->final_seq[j]) == total);
    }
    CHECK(shmhub_stream_count(p) == (uint64_t)total);
    printf("torn detector %llu-byte frames, %u slots, %d writer(s), %d readers: %lld frames, "
           "%lld reads, %lld torn, %lld busy, %.0f ms\n",
           (unsigned long long)(words * 8), slots, nw, TD_READERS, (long long)total,
           (long long)reads, (long long)torn, (long long)busy,
           (util_now_ns(CLOCK_MONOTONIC) - t0) / 1e6);
    munmap(a, sizeof *a);
    shmhub_stream_close(p);
    shmhub_unlink(name);
}

/* ---- lossless ------------------------------------------------------------------------------------ */

#define LL_WORDS 64
#define LL_N 20000
#define LL_BURST 32

/* Reader process: read_next every frame; returns a bitmask of failures as exit code. */
static int lossless_reader(const char *name, shared_area *sh, int idx) {
    shmhub_stream *r = NULL;
    if (shmhub_stream_open(name, NULL, &r) != SHMHUB_OK) return 1;
    shmhub_stream_seek(r, 0);
    atomic_fetch_add(&sh->go, 1);
    uint64_t f[LL_WORDS];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    int rc = 0;
    for (uint64_t i = 1; i <= LL_N; i++) {
        if (shmhub_stream_read_next(r, f, sizeof f, 5000 * MS, &info) != SHMHUB_OK) {
            rc |= 2;
            break;
        }
        if (info.seq != i) rc |= 4;
        if (info.missed != 0) rc |= 8;
        if (!uniform(f, LL_WORDS, i)) rc |= 16;
        atomic_store(&sh->progress[idx], (int64_t)i);
    }
    shmhub_stream_close(r);
    return rc;
}

static void test_lossless(void) {
    const char *name = test_name("lossless");
    shmhub_stream *w = make_u64(name, LL_WORDS, 64, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    shared_area *sh = shared_new();
    pid_t rd[2];
    for (int k = 0; k < 2; k++) {
        rd[k] = xfork();
        if (rd[k] == 0) _exit(lossless_reader(name, sh, k));
    }
    while (atomic_load(&sh->go) < 2) sched_yield();
    /* bursts smaller than the ring; the next burst waits until both readers caught up */
    uint64_t f[LL_WORDS];
    int ok = 1;
    for (uint64_t i = 1; i <= LL_N && ok; i++) {
        fill(f, LL_WORDS, i);
        if (shmhub_stream_write(w, f, sizeof f) != SHMHUB_OK) ok = 0;
        if (i % LL_BURST == 0 || i == LL_N) {
            int64_t deadline = util_now_ns(CLOCK_MONOTONIC) + 5000 * MS;
            while ((atomic_load(&sh->progress[0]) < (int64_t)i ||
                    atomic_load(&sh->progress[1]) < (int64_t)i) &&
                   util_now_ns(CLOCK_MONOTONIC) < deadline)
                sched_yield();
        }
    }
    CHECK(ok);
    int rc0 = child_rc(rd[0]), rc1 = child_rc(rd[1]);
    if (rc0 || rc1) fprintf(stderr, "lossless readers exited %d and %d\n", rc0, rc1);
    CHECK(rc0 == 0 && rc1 == 0);
    CHECK(shmhub_stream_count(w) == LL_N);

    /* unthrottled: whatever is lost is counted exactly and seqs only increase */
    shmhub_stream *r = NULL;
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (r) {
        uint64_t base = shmhub_stream_count(w);
        atomic_store(&sh->go, 0);
        pid_t pid = xfork();
        if (pid == 0) {
            shmhub_stream *w2 = NULL;
            /* the parent holds the claim; release it by closing w first (below), then write */
            while (!atomic_load(&sh->go)) sched_yield();
            if (shmhub_stream_open(name, NULL, &w2) != SHMHUB_OK) _exit(1);
            uint64_t g[LL_WORDS];
            for (uint64_t i = 1; i <= LL_N; i++) {
                fill(g, LL_WORDS, base + i);
                if (shmhub_stream_write(w2, g, sizeof g) != SHMHUB_OK) _exit(2);
            }
            shmhub_stream_close(w2);
            _exit(0);
        }
        shmhub_stream_close(w);
        w = NULL;
        atomic_store(&sh->go, 1);
        uint64_t received = 0, missed = 0, prev = base, bad = 0;
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        while (prev < base + LL_N) {
            shmhub_status st = shmhub_stream_read_next(r, f, sizeof f, 5000 * MS, &info);
            if (st == SHMHUB_E_BUSY) continue;
            if (st != SHMHUB_OK) {
                CHECK_ST(st, SHMHUB_OK);
                break;
            }
            if (info.seq != prev + 1 + info.missed || !uniform(f, LL_WORDS, info.seq)) bad++;
            received++;
            missed += info.missed;
            prev = info.seq;
        }
        CHECK(child_rc(pid) == 0);
        printf("lossless unthrottled: %llu received, %llu missed of %d\n",
               (unsigned long long)received, (unsigned long long)missed, LL_N);
        CHECK(bad == 0);
        CHECK(received + missed == LL_N);
        shmhub_stream_close(r);
    }
    shmhub_stream_close(w);
    munmap(sh, sizeof *sh);
    shmhub_unlink(name);
}

/* ---- futex wake across processes --------------------------------------------------------------- */

static void test_futex_wake(void) {
    const char *name = test_name("wake");
    shmhub_stream *w = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    shared_area *sh = shared_new();
    enum { ROUNDS = 5 };
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *r = NULL;
        if (shmhub_stream_open(name, NULL, &r) != SHMHUB_OK) _exit(1);
        for (int i = 0; i < ROUNDS; i++) {
            uint64_t v = 0;
            atomic_store(&sh->progress[0], i + 1); /* about to block */
            if (shmhub_stream_read_next(r, &v, 8, 5000 * MS, NULL) != SHMHUB_OK) _exit(2);
            int64_t now = util_now_ns(CLOCK_MONOTONIC);
            atomic_store(&sh->t[i], now - (int64_t)v);
        }
        _exit(0);
    }
    for (int i = 0; i < ROUNDS; i++) {
        while (atomic_load(&sh->progress[0]) < i + 1) sched_yield();
        util_sleep_ms(30); /* let the reader fall asleep on the futex */
        CHECK(write_val(w, (uint64_t)util_now_ns(CLOCK_MONOTONIC)) == 0);
    }
    CHECK(child_rc(pid) == 0);
    int64_t worst = 0, sum = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int64_t t = atomic_load(&sh->t[i]);
        sum += t;
        if (t > worst) worst = t;
    }
    printf("futex wake latency across processes: mean %.1f us, worst %.1f us (%d rounds)\n",
           sum / 1000.0 / ROUNDS, worst / 1000.0, ROUNDS);
    CHECK(worst > 0 && worst < 1000 * MS);
    munmap(sh, sizeof *sh);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- writer killed mid-loan ---------------------------------------------------------------------- */

#define KW 1024 /* words per frame */

static void test_killed_mid_loan(uint32_t mode) {
    const char *name = test_name(mode == SHMHUB_WRITER_MULTI ? "killmulti" : "killsingle");
    shmhub_stream *p = make_u64(name, KW, 4, mode);
    if (!p) return;
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
        for (uint64_t i = 1; i <= 5; i++)
            if (write_val(w, i) != 0) _exit(2);
        void *frame = NULL;
        if (shmhub_stream_loan(w, &frame) != SHMHUB_OK) _exit(3);
        fill(frame, KW / 2, 0xdeadbeef); /* half of frame 6 */
        kill(getpid(), SIGKILL);
        _exit(4);
    }
    CHECK(child_rc(pid) == 100 + SIGKILL); /* reaped: a zombie still counts as alive */
    CHECK(shmhub_stream_count(p) == 5);
    CHECK(shmhub_stream_writer_pid(p) == pid);
    uint64_t *f = malloc(KW * 8);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_stream_read_latest(p, f, KW * 8, &info), SHMHUB_OK);
    CHECK(info.seq == 5 && uniform(f, KW, 5));
    /* replay: only whole frames, never frame 6; oldest safe frame is 5 - 4 + 2 = 3 */
    shmhub_stream_seek(p, 0);
    uint64_t expect = 3;
    shmhub_status st;
    while ((st = shmhub_stream_read_next(p, f, KW * 8, 0, &info)) == SHMHUB_OK) {
        CHECK(info.seq == expect && uniform(f, KW, expect));
        expect++;
    }
    CHECK(st == SHMHUB_E_TIMEOUT && expect == 6);
    /* another handle takes the role or lock over, well within the lock timeout */
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK(write_val(p, 6) == 0);
    int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
    CHECK(dt < 1000 * MS);
    CHECK(shmhub_stream_recoveries(p) >= 1);
    CHECK(shmhub_stream_writer_pid(p) == getpid());
    CHECK(shmhub_stream_count(p) == 6);
    CHECK_ST(shmhub_stream_read_next(p, f, KW * 8, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 6 && info.missed == 0 && uniform(f, KW, 6));
    CHECK_ST(shmhub_stream_read_latest(p, f, KW * 8, &info), SHMHUB_OK);
    CHECK(info.seq == 6 && uniform(f, KW, 6));
    for (uint64_t i = 7; i <= 12; i++) CHECK(write_val(p, i) == 0);
    CHECK_ST(shmhub_stream_read_latest(p, f, KW * 8, &info), SHMHUB_OK);
    CHECK(info.seq == 12 && uniform(f, KW, 12));
    /* recoveries is stored in the segment: a fresh handle sees it */
    shmhub_stream *q = NULL;
    CHECK_ST(shmhub_stream_open(name, NULL, &q), SHMHUB_OK);
    CHECK(q && shmhub_stream_recoveries(q) == shmhub_stream_recoveries(p));
    shmhub_stream_close(q);
    free(f);
    shmhub_stream_close(p);
    shmhub_unlink(name);
}

/* ---- writer killed mid-write (test-only crash point) -------------------------------------------- */

/* A writer process writes frames 1..5, then dies by SIGKILL inside shmhub_stream_write after
 * copying half of frame 6 (the SHMHUB_TEST_HOOKS crash point). A reader process, reading
 * losslessly all along, and the parent must only ever see whole frames; a new writer process then
 * takes the role (or the MULTI lock) over and writes 6..12, which the reader gets in order with
 * nothing missed. Writers wait for the reader after each frame, so it always keeps up. */
#define KWW_SLOTS 4
#define KWW_LAST 12

static int kww_reader(const char *name, shared_area *sh, uint64_t words) {
    shmhub_stream *r = NULL;
    if (shmhub_stream_open(name, NULL, &r) != SHMHUB_OK) return 1;
    uint64_t *f = malloc(words * 8);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    int rc = 0;
    atomic_store(&sh->go, 1);
    for (uint64_t i = 1; i <= KWW_LAST; i++) {
        if (shmhub_stream_read_next(r, f, words * 8, 10000 * MS, &info) != SHMHUB_OK) {
            fprintf(stderr, "kww reader: frame %llu: %s\n", (unsigned long long)i,
                    shmhub_last_error());
            rc |= 2;
            break;
        }
        if (info.seq != i) rc |= 4;
        if (info.missed != 0) rc |= 8;
        if (!uniform(f, words, i)) rc |= 16;
        atomic_store(&sh->progress[0], (int64_t)info.seq);
    }
    free(f);
    shmhub_stream_close(r);
    return rc;
}

/* Writes frames first..last (value = seq), each after the reader has the previous one. */
static int kww_write_range(shmhub_stream *w, shared_area *sh, uint64_t first, uint64_t last) {
    for (uint64_t i = first; i <= last; i++) {
        if (write_val(w, i) != SHMHUB_OK) return 0;
        int64_t deadline = util_now_ns(CLOCK_MONOTONIC) + 10000 * MS;
        while (atomic_load(&sh->progress[0]) < (int64_t)i)
            if (util_now_ns(CLOCK_MONOTONIC) > deadline) return 0;
            else sched_yield();
    }
    return 1;
}

static void test_killed_mid_write(uint32_t mode, uint64_t words) {
    char tag[64];
    snprintf(tag, sizeof tag, "killw%s%llu", mode == SHMHUB_WRITER_MULTI ? "multi" : "single",
             (unsigned long long)words);
    const char *name = test_name(tag);
    shmhub_stream *p = make_u64(name, words, KWW_SLOTS, mode);
    if (!p) return;
    shared_area *sh = shared_new();
    size_t nbytes = words * 8, half = nbytes / 2;
    pid_t rpid = xfork();
    if (rpid == 0) _exit(kww_reader(name, sh, words));
    while (!atomic_load(&sh->go)) sched_yield();
    pid_t wpid = xfork();
    if (wpid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
        if (!kww_write_range(w, sh, 1, 5)) _exit(2);
        shmhub__test_crash_after((int64_t)half);
        write_val(w, 0xdeadbeefdeadbeefu); /* frame 6: dies half-way through the copy */
        _exit(3);
    }
    int ws = wait_child(wpid);
    CHECK(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL);
    CHECK(shmhub_stream_count(p) == 5);
    CHECK(shmhub_stream_writer_pid(p) == wpid);
    CHECK(shmhub_stream_recoveries(p) == 0);

    /* The crash point really tore frame 6: its slot (the one that held frame 2) holds half new
     * bytes, half old, and its lock word says "frame 6 being written". */
    shmhub_segment *seg = NULL;
    CHECK_ST(shmhub_segment_open(name, NULL, &seg), SHMHUB_OK);
    if (seg) {
        const shmhub_array *ring = NULL;
        CHECK_ST(shmhub_segment_array_at(seg, 0, &ring), SHMHUB_OK);
        if (ring) {
            uint64_t stride = (nbytes + 63) / 64 * 64;
            const uint64_t *slot = (const uint64_t *)((const unsigned char *)shmhub_array_data(ring) +
                                                      (6 - 1) % KWW_SLOTS * stride);
            CHECK(uniform(slot, half / 8, 0xdeadbeefdeadbeefu));
            CHECK(uniform(slot + half / 8, (nbytes - half) / 8, 2));
        }
        shmhub_segment_close(seg);
    }

    /* Readers see only whole frames: the last committed one stays readable, never frame 6. */
    uint64_t *f = malloc(nbytes);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_stream_read_latest(p, f, nbytes, &info), SHMHUB_OK);
    CHECK(info.seq == 5 && uniform(f, words, 5));
    const void *pk = NULL;
    CHECK_ST(shmhub_stream_peek(p, &pk, &info), SHMHUB_OK);
    CHECK(info.seq == 5 && pk && uniform(pk, words, 5));
    shmhub_stream_seek(p, 0); /* replay: oldest safe frame is 5 - 4 + 2 = 3 */
    uint64_t expect = 5 - KWW_SLOTS + 2;
    shmhub_status st;
    while ((st = shmhub_stream_read_next(p, f, nbytes, 0, &info)) == SHMHUB_OK) {
        CHECK(info.seq == expect && uniform(f, words, expect));
        CHECK(info.missed == (expect == 5 - KWW_SLOTS + 2 ? expect - 1 : 0));
        expect++;
    }
    CHECK(st == SHMHUB_E_TIMEOUT && expect == 6);
    CHECK_ST(shmhub_stream_read_next(p, f, nbytes, 20 * MS, &info), SHMHUB_E_TIMEOUT);

    /* A new writer in another process carries on at once: recovery, then frames 6..12. */
    pid_t bpid = xfork();
    if (bpid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
        int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
        if (!kww_write_range(w, sh, 6, 6)) _exit(2);
        if (util_now_ns(CLOCK_MONOTONIC) - t0 > 1000 * MS) _exit(3); /* not the lock timeout */
        if (shmhub_stream_recoveries(w) != 1) _exit(4);
        if (shmhub_stream_writer_pid(w) != getpid()) _exit(5);
        if (!kww_write_range(w, sh, 7, KWW_LAST)) _exit(6);
        shmhub_stream_close(w);
        _exit(0);
    }
    CHECK(child_rc(bpid) == 0);
    int rrc = child_rc(rpid);
    if (rrc) fprintf(stderr, "killed mid-write: lossless reader exited %d\n", rrc);
    CHECK(rrc == 0);
    CHECK(shmhub_stream_count(p) == KWW_LAST);
    CHECK(shmhub_stream_recoveries(p) == 1);
    CHECK_ST(shmhub_stream_read_next(p, f, nbytes, 0, &info), SHMHUB_OK); /* cursor 5 */
    CHECK(info.seq == KWW_LAST - KWW_SLOTS + 2 && info.missed == info.seq - 6);
    CHECK(uniform(f, words, info.seq));
    CHECK_ST(shmhub_stream_read_latest(p, f, nbytes, &info), SHMHUB_OK);
    CHECK(info.seq == KWW_LAST && uniform(f, words, KWW_LAST));
    free(f);
    munmap(sh, sizeof *sh);
    shmhub_stream_close(p);
    shmhub_unlink(name);
}

/* ---- overruns counted exactly (docs/streams.md: oldest safe frame = head - slots + 2) ----------- */

/* The frame read_next returns for a reader at cursor `cur` when the head is `head`, and what it
 * reports as missed, from the documented rule. */
static uint64_t rule_target(uint64_t head, uint32_t slots, uint64_t cur, uint64_t *missed) {
    uint64_t t = cur + 1;
    if (head + 2 > slots && t < head + 2 - slots) t = head + 2 - slots;
    *missed = t - cur - 1;
    return t;
}

static void test_overrun_exact(void) {
    /* A writer process writes 10 frames before the reader reads anything (4 slots): the first
     * read_next from cursor 0 returns 8 = 10 - 4 + 2 with missed 7, then 9 and 10 with missed 0. */
    const char *name = test_name("overrun");
    shmhub_stream *r = make_u64(name, 2, 4, SHMHUB_WRITER_SINGLE);
    if (!r) return;
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
        for (uint64_t i = 1; i <= 10; i++)
            if (write_val(w, i) != SHMHUB_OK) _exit(2);
        shmhub_stream_close(w);
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    uint64_t f[2];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK(shmhub_stream_cursor(r) == 0);
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 8 && info.missed == 7 && uniform(f, 2, 8));
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 9 && info.missed == 0 && uniform(f, 2, 9));
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 10 && info.missed == 0 && uniform(f, 2, 10));
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_E_TIMEOUT);
    shmhub_stream_close(r);
    shmhub_unlink(name);

    /* Every (slots, head, cursor) in a small grid: read_next follows the rule exactly, then reads
     * on to the head with missed 0, then times out; read_latest reports head - cursor - 1. */
    uint32_t slot_counts[] = {2, 3, 4, 5, 8};
    uint64_t bad = 0, cases = 0;
    for (size_t si = 0; si < sizeof slot_counts / sizeof *slot_counts; si++) {
        uint32_t slots = slot_counts[si];
        name = test_name("overrungrid");
        shmhub_stream *w = make_u64(name, 1, slots, SHMHUB_WRITER_SINGLE);
        if (!w) return;
        for (uint64_t head = 1; head <= 3 * slots + 2; head++) {
            CHECK(write_val(w, head) == SHMHUB_OK);
            for (uint64_t cur = 0; cur < head; cur++) {
                uint64_t v = 0, missed;
                uint64_t t = rule_target(head, slots, cur, &missed);
                cases++;
                shmhub_stream_seek(w, cur);
                if (shmhub_stream_read_next(w, &v, 8, 0, &info) != SHMHUB_OK || info.seq != t ||
                    info.missed != missed || v != t || shmhub_stream_cursor(w) != t) {
                    fprintf(stderr, "overrun: slots %u head %llu cursor %llu: got seq %llu missed "
                            "%llu, expected %llu and %llu\n", slots, (unsigned long long)head,
                            (unsigned long long)cur, (unsigned long long)info.seq,
                            (unsigned long long)info.missed, (unsigned long long)t,
                            (unsigned long long)missed);
                    bad++;
                    continue;
                }
                for (uint64_t n = t + 1; n <= head; n++)
                    if (shmhub_stream_read_next(w, &v, 8, 0, &info) != SHMHUB_OK ||
                        info.seq != n || info.missed != 0 || v != n)
                        bad++;
                if (shmhub_stream_read_next(w, &v, 8, 0, &info) != SHMHUB_E_TIMEOUT) bad++;
                shmhub_stream_seek(w, cur);
                if (shmhub_stream_read_latest(w, &v, 8, &info) != SHMHUB_OK || info.seq != head ||
                    info.missed != head - cur - 1 || v != head)
                    bad++;
            }
        }
        shmhub_stream_close(w);
        shmhub_unlink(name);
    }
    CHECK(bad == 0);
    CHECK(cases > 100);

    /* Across processes, a reader that falls behind by known amounts: the writer writes a burst,
     * then waits while the reader reads one frame and checks seq and missed against the rule
     * (the head is stable during its read). The bursts straddle slots - 2. */
    name = test_name("overrunproc");
    const uint32_t slots = 6;
    shmhub_stream *w = make_u64(name, 4, slots, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    shared_area *sh = shared_new();
    const uint64_t bursts[] = {1, 3, 4, 5, 6, 7, 13, 1, 2, 40, 4, 4, 5};
    const int nb = (int)(sizeof bursts / sizeof *bursts);
    pid_t rpid = xfork();
    if (rpid == 0) {
        shmhub_stream *rr = NULL;
        if (shmhub_stream_open(name, NULL, &rr) != SHMHUB_OK) _exit(1);
        atomic_store(&sh->go, 1); /* opened: its cursor is 0 */
        uint64_t g[4], got = 0, lost = 0;
        int rc = 0;
        shmhub_frame_info fi = SHMHUB_FRAME_INFO_INIT;
        for (int b = 0; b < nb; b++) {
            while (atomic_load(&sh->progress[0]) < b + 1) sched_yield(); /* burst b written */
            uint64_t head = shmhub_stream_count(rr), cur = shmhub_stream_cursor(rr), missed;
            uint64_t t = rule_target(head, slots, cur, &missed);
            if (shmhub_stream_read_next(rr, g, sizeof g, 0, &fi) != SHMHUB_OK) {
                fprintf(stderr, "overrun: burst %d: %s\n", b, shmhub_last_error());
                rc |= 2;
            } else if (fi.seq != t || fi.missed != missed || !uniform(g, 4, t)) {
                fprintf(stderr, "overrun: head %llu cursor %llu: got seq %llu missed %llu, "
                        "expected %llu and %llu\n", (unsigned long long)head,
                        (unsigned long long)cur, (unsigned long long)fi.seq,
                        (unsigned long long)fi.missed, (unsigned long long)t,
                        (unsigned long long)missed);
                rc |= 4;
            }
            got++;
            lost += fi.missed;
            atomic_store(&sh->progress[1], b + 1);
        }
        atomic_store(&sh->value[0], (int64_t)got);
        atomic_store(&sh->value[1], (int64_t)lost);
        atomic_store(&sh->value[2], (int64_t)shmhub_stream_cursor(rr));
        shmhub_stream_close(rr);
        _exit(rc);
    }
    while (!atomic_load(&sh->go)) sched_yield();
    uint64_t seq = 0, expect_lost = 0, cur = 0;
    for (int b = 0; b < nb; b++) {
        for (uint64_t i = 0; i < bursts[b]; i++) CHECK(write_val(w, ++seq) == SHMHUB_OK);
        uint64_t m;
        cur = rule_target(seq, slots, cur, &m);
        expect_lost += m;
        atomic_store(&sh->progress[0], b + 1);
        while (atomic_load(&sh->progress[1]) < b + 1) sched_yield();
    }
    CHECK(child_rc(rpid) == 0);
    CHECK(atomic_load(&sh->value[0]) == nb);
    CHECK(atomic_load(&sh->value[1]) == (int64_t)expect_lost && expect_lost > 0);
    CHECK(atomic_load(&sh->value[2]) == (int64_t)cur);
    /* frames received + frames missed == position of the cursor */
    CHECK((uint64_t)atomic_load(&sh->value[0]) + expect_lost == cur);
    munmap(sh, sizeof *sh);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- timeouts ------------------------------------------------------------------------------------ */

/* read_next and wait with nothing to read return SHMHUB_E_TIMEOUT no earlier than asked and not
 * much later, in every wait mode, with liveness slices, and on a read-only handle (short slices). */
static void test_timeouts(void) {
    const char *name = test_name("timeouts");
    shmhub_stream *w = make_u64(name, 1, 4, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    CHECK(write_val(w, 1) == SHMHUB_OK);
    shmhub_segment_opts ro = SHMHUB_SEGMENT_OPTS_INIT;
    ro.flags = SHMHUB_READ_ONLY;
    struct {
        uint32_t wait_mode, flags;
        int read_only;
    } variants[] = {{SHMHUB_WAIT_FUTEX, 0, 0},
                    {SHMHUB_WAIT_SPIN_THEN_FUTEX, 0, 0},
                    {SHMHUB_WAIT_SPIN, 0, 0},
                    {SHMHUB_WAIT_FUTEX, SHMHUB_STREAM_LIVENESS, 0},
                    {SHMHUB_WAIT_FUTEX, 0, 1}};
    const int64_t asked[] = {1 * MS, 30 * MS, 120 * MS};
    int64_t worst_late = 0;
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
        o.wait_mode = variants[v].wait_mode;
        o.flags = variants[v].flags;
        o.spin_ns = 2 * MS;
        if (variants[v].read_only) o.segment = &ro;
        shmhub_stream *r = NULL;
        CHECK_ST(shmhub_stream_open(name, &o, &r), SHMHUB_OK);
        if (!r) continue;
        uint64_t x;
        for (size_t a = 0; a < sizeof asked / sizeof *asked; a++) {
            for (int call = 0; call < 2; call++) {
                int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
                shmhub_status st = call ? shmhub_stream_wait(r, asked[a])
                                        : shmhub_stream_read_next(r, &x, 8, asked[a], NULL);
                int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
                CHECK_ST_NAMED(st, SHMHUB_E_TIMEOUT, name);
                if (dt < asked[a] || dt > asked[a] + TIMEOUT_SLACK)
                    fprintf(stderr, "timeout variant %zu asked %lld ns, took %lld ns\n", v,
                            (long long)asked[a], (long long)dt);
                CHECK(dt >= asked[a]);
                CHECK(dt <= asked[a] + TIMEOUT_SLACK);
                if (dt - asked[a] > worst_late) worst_late = dt - asked[a];
            }
        }
        shmhub_stream_close(r);
    }
    printf("timeouts: returned at most %.2f ms after the time asked\n", worst_late / 1e6);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- liveness ------------------------------------------------------------------------------------- */

static void test_liveness(void) {
    const char *name = test_name("live");
    shmhub_stream *c = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE);
    if (!c) return;
    shared_area *sh = shared_new();
    pid_t wpid = xfork();
    if (wpid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
        write_val(w, 1);
        atomic_store(&sh->progress[0], 1);
        while (atomic_load(&sh->progress[1]) == 0) sched_yield(); /* reader is waiting */
        util_sleep_ms(50);
        kill(getpid(), SIGKILL);
        _exit(2);
    }
    while (atomic_load(&sh->progress[0]) == 0) sched_yield();
    pid_t rpid = xfork();
    if (rpid == 0) {
        shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
        o.flags = SHMHUB_STREAM_LIVENESS;
        shmhub_stream *r = NULL;
        if (shmhub_stream_open(name, &o, &r) != SHMHUB_OK) _exit(1);
        atomic_store(&sh->progress[1], 1);
        shmhub_status st = shmhub_stream_wait(r, 5000 * MS);
        atomic_store(&sh->t[1], util_now_ns(CLOCK_MONOTONIC));
        _exit(st == SHMHUB_E_PEER_DEAD ? 0 : 3);
    }
    CHECK(child_rc(wpid) == 100 + SIGKILL);
    int64_t reaped = util_now_ns(CLOCK_MONOTONIC);
    CHECK(child_rc(rpid) == 0);
    int64_t lat = atomic_load(&sh->t[1]) - reaped;
    printf("liveness: PEER_DEAD %.1f ms after the dead writer was reaped\n", lat / 1e6);
    CHECK(lat < 500 * MS);

    /* now: a liveness reader gets PEER_DEAD at once; with nothing to read, wait reports it too */
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.flags = SHMHUB_STREAM_LIVENESS;
    shmhub_stream *r = NULL;
    CHECK_ST(shmhub_stream_open(name, &o, &r), SHMHUB_OK);
    if (r) {
        uint64_t v;
        int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST_NAMED(shmhub_stream_read_next(r, &v, 8, 5000 * MS, NULL), SHMHUB_E_PEER_DEAD, name);
        CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 500 * MS);
        /* frames still unread are delivered first */
        shmhub_stream_seek(r, 0);
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 5000 * MS, NULL), SHMHUB_OK);
        CHECK(v == 1);
        shmhub_stream_close(r);
    }
    /* without the flag, it times out */
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (r) {
        CHECK_ST(shmhub_stream_wait(r, 30 * MS), SHMHUB_E_TIMEOUT);
        shmhub_stream_close(r);
    }
    /* SPIN wait mode checks liveness too */
    o.wait_mode = SHMHUB_WAIT_SPIN;
    CHECK_ST(shmhub_stream_open(name, &o, &r), SHMHUB_OK);
    if (r) {
        CHECK_ST(shmhub_stream_wait(r, 2000 * MS), SHMHUB_E_PEER_DEAD);
        shmhub_stream_close(r);
    }
    munmap(sh, sizeof *sh);
    shmhub_stream_close(c);
    shmhub_unlink(name);
}

/* ---- multi-writer and single-writer exclusion -------------------------------------------------- */

#define MW_WRITERS 3
#define MW_EACH 2000
#define MW_WORDS 16

static void test_multi_writer(void) {
    const char *name = test_name("multi");
    shmhub_stream *r = make_u64(name, MW_WORDS, 8192, SHMHUB_WRITER_MULTI);
    if (!r) return;
    shared_area *sh = shared_new();
    pid_t pids[MW_WRITERS];
    for (int k = 0; k < MW_WRITERS; k++) {
        pids[k] = xfork();
        if (pids[k] == 0) {
            shmhub_stream *w = NULL;
            if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK) _exit(1);
            atomic_fetch_add(&sh->progress[0], 1);
            while (!atomic_load(&sh->go)) sched_yield();
            for (uint64_t i = 1; i <= MW_EACH; i++)
                if (write_val(w, ((uint64_t)(k + 1) << 32) | i) != 0) _exit(2);
            shmhub_stream_close(w);
            _exit(0);
        }
    }
    while (atomic_load(&sh->progress[0]) < MW_WRITERS) sched_yield();
    atomic_store(&sh->go, 1);
    uint64_t f[MW_WORDS], next[MW_WRITERS + 1] = {0}, got = 0, bad = 0;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    while (got < MW_WRITERS * MW_EACH) {
        shmhub_status st = shmhub_stream_read_next(r, f, sizeof f, 5000 * MS, &info);
        if (st != SHMHUB_OK) {
            CHECK_ST(st, SHMHUB_OK);
            break;
        }
        got++;
        uint64_t k = f[0] >> 32, i = f[0] & 0xffffffffu;
        if (!uniform(f, MW_WORDS, f[0]) || k < 1 || k > MW_WRITERS || info.missed != 0 ||
            info.seq != got || i != next[k] + 1)
            bad++;
        else
            next[k] = i;
    }
    for (int k = 0; k < MW_WRITERS; k++) CHECK(child_rc(pids[k]) == 0);
    CHECK(bad == 0);
    CHECK(got == MW_WRITERS * MW_EACH);
    CHECK(shmhub_stream_count(r) == MW_WRITERS * MW_EACH);
    for (int k = 1; k <= MW_WRITERS; k++) CHECK(next[k] == MW_EACH);
    CHECK(shmhub_stream_recoveries(r) == 0);
    munmap(sh, sizeof *sh);
    shmhub_stream_close(r);
    shmhub_unlink(name);
}

static void test_single_writer_busy(void) {
    const char *name = test_name("busy");
    shmhub_stream *w = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    CHECK(write_val(w, 1) == 0);
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *o = NULL;
        if (shmhub_stream_open(name, NULL, &o) != SHMHUB_OK) _exit(1);
        uint64_t v = 2;
        if (shmhub_stream_write(o, &v, 8) != SHMHUB_E_BUSY) _exit(2);
        if (!strstr(shmhub_last_error(), name)) _exit(3);
        void *fr = NULL;
        if (shmhub_stream_loan(o, &fr) != SHMHUB_E_BUSY || fr) _exit(4);
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    CHECK(shmhub_stream_count(w) == 1);
    /* closing the writer releases the claim: another process may write, with no recovery */
    shmhub_stream_close(w);
    pid = xfork();
    if (pid == 0) {
        shmhub_stream *o = NULL;
        if (shmhub_stream_open(name, NULL, &o) != SHMHUB_OK) _exit(1);
        if (write_val(o, 2) != 0) _exit(2);
        shmhub_stream_close(o);
        _exit(0);
    }
    CHECK(child_rc(pid) == 0);
    CHECK_ST(shmhub_stream_open(name, NULL, &w), SHMHUB_OK);
    if (w) {
        CHECK(shmhub_stream_count(w) == 2 && shmhub_stream_recoveries(w) == 0);
        shmhub_stream_close(w);
    }
    shmhub_unlink(name);
}

/* ---- peek / validate, loans ------------------------------------------------------------------------ */

static void test_peek_validate(void) {
    const char *name = test_name("peek");
    shmhub_stream *w = make_u64(name, 4, 4, SHMHUB_WRITER_SINGLE);
    if (!w) return;
    CHECK(write_val(w, 1) == 0);
    const void *p = NULL;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_stream_peek(w, &p, &info), SHMHUB_OK);
    CHECK(p && info.seq == 1 && uniform(p, 4, 1));
    CHECK(shmhub_stream_cursor(w) == 1);
    CHECK_ST(shmhub_stream_validate(w, &info), SHMHUB_OK);
    for (uint64_t i = 2; i <= 4; i++) CHECK(write_val(w, i) == 0); /* slots - 1 more */
    CHECK_ST(shmhub_stream_validate(w, &info), SHMHUB_OK);
    CHECK(uniform(p, 4, 1));
    /* an open loan on that slot already invalidates it */
    void *fr = NULL;
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    CHECK(fr == p);
    CHECK_ST_NAMED(shmhub_stream_validate(w, &info), SHMHUB_E_OVERWRITTEN, name);
    CHECK_ST(shmhub_stream_abandon(w), SHMHUB_OK);
    CHECK_ST(shmhub_stream_validate(w, &info), SHMHUB_E_OVERWRITTEN);
    CHECK(write_val(w, 5) == 0); /* slots more writes in all */
    CHECK_ST_NAMED(shmhub_stream_validate(w, &info), SHMHUB_E_OVERWRITTEN, name);
    CHECK_ST(shmhub_stream_peek(w, &p, &info), SHMHUB_OK);
    CHECK(info.seq == 5 && uniform(p, 4, 5));
    CHECK_ST(shmhub_stream_validate(w, &info), SHMHUB_OK);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

static void test_loans(void) {
    const char *name = test_name("loan");
    shmhub_stream *w = make_u64(name, 8, 4, SHMHUB_WRITER_SINGLE), *r = NULL;
    if (!w) return;
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (!r) return;
    uint64_t f[8];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK(write_val(w, 1) == 0 && write_val(w, 2) == 0);
    void *fr = NULL, *fr2 = (void *)1;
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    CHECK(fr != NULL && ((uintptr_t)fr % SHMHUB_ALIGNMENT) == 0);
    CHECK_ST_NAMED(shmhub_stream_write(w, f, sizeof f), SHMHUB_E_BUSY, name);
    CHECK_ST(shmhub_stream_loan(w, &fr2), SHMHUB_E_BUSY);
    CHECK(fr2 == NULL);
    fill(fr, 8, 3);
    CHECK(shmhub_stream_count(w) == 2); /* not yet published */
    CHECK_ST(shmhub_stream_read_latest(r, f, sizeof f, &info), SHMHUB_OK);
    CHECK(info.seq == 2 && uniform(f, 8, 2));
    CHECK_ST(shmhub_stream_commit(w), SHMHUB_OK);
    CHECK(shmhub_stream_count(w) == 3);
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 3 && uniform(f, 8, 3));
    CHECK_ST(shmhub_stream_commit(w), SHMHUB_E_INVALID);
    /* abandon: nothing published, the seq is reused */
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    fill(fr, 8, 0xbad);
    CHECK_ST(shmhub_stream_abandon(w), SHMHUB_OK);
    CHECK_ST(shmhub_stream_abandon(w), SHMHUB_E_INVALID);
    CHECK(shmhub_stream_count(w) == 3);
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_E_TIMEOUT);
    CHECK(write_val(w, 4) == 0);
    CHECK(shmhub_stream_count(w) == 4);
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 4 && info.missed == 0 && uniform(f, 8, 4));
    /* closing with a loan open abandons it */
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    fill(fr, 8, 0xbad);
    shmhub_stream_close(w);
    CHECK(shmhub_stream_count(r) == 4);
    CHECK_ST(shmhub_stream_read_latest(r, f, sizeof f, &info), SHMHUB_OK);
    CHECK(info.seq == 4 && uniform(f, 8, 4));
    CHECK(write_val(r, 5) == 0); /* the claim was released: r may write */
    CHECK_ST(shmhub_stream_read_next(r, f, sizeof f, 0, &info), SHMHUB_OK);
    CHECK(info.seq == 5 && uniform(f, 8, 5));
    /* replay after the abandon sees only whole frames */
    shmhub_stream_seek(r, 0);
    uint64_t prev = 0;
    shmhub_status st;
    while ((st = shmhub_stream_read_next(r, f, sizeof f, 0, &info)) == SHMHUB_OK) {
        CHECK(info.seq > prev && uniform(f, 8, info.seq));
        prev = info.seq;
    }
    CHECK(st == SHMHUB_E_TIMEOUT && prev == 5);
    /* MULTI mode: an abandon releases the lock */
    shmhub_stream_close(r);
    shmhub_unlink(name);
    name = test_name("loanmulti");
    w = make_u64(name, 8, 4, SHMHUB_WRITER_MULTI);
    if (!w) return;
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    CHECK_ST(shmhub_stream_abandon(w), SHMHUB_OK);
    CHECK(write_val(w, 1) == 0);
    CHECK_ST(shmhub_stream_loan(w, &fr), SHMHUB_OK);
    fill(fr, 8, 2);
    CHECK_ST(shmhub_stream_commit(w), SHMHUB_OK);
    CHECK(write_val(w, 3) == 0 && shmhub_stream_count(w) == 3);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- read-only handles -------------------------------------------------------------------------- */

static void test_read_only(void) {
    const char *name = test_name("ro");
    shmhub_stream *w = make_u64(name, 1, 8, SHMHUB_WRITER_SINGLE), *r = NULL;
    if (!w) return;
    CHECK(write_val(w, 1) == 0);
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_READ_ONLY;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.segment = &so;
    CHECK_ST(shmhub_stream_open(name, &o, &r), SHMHUB_OK);
    if (r) {
        uint64_t v = 7;
        void *fr = (void *)1;
        CHECK(shmhub_segment_read_only(shmhub_stream_segment(r)) != 0);
        CHECK_ST_NAMED(shmhub_stream_write(r, &v, 8), SHMHUB_E_READ_ONLY, name);
        CHECK_ST_NAMED(shmhub_stream_loan(r, &fr), SHMHUB_E_READ_ONLY, name);
        CHECK(fr == NULL);
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        CHECK_ST(shmhub_stream_read_latest(r, &v, 8, &info), SHMHUB_OK);
        CHECK(v == 1 && info.seq == 1);
        int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
        CHECK_ST(shmhub_stream_wait(r, 20 * MS), SHMHUB_E_TIMEOUT);
        int64_t dt = util_now_ns(CLOCK_MONOTONIC) - t0;
        CHECK(dt >= 15 * MS && dt < 2000 * MS);
        delayed_write d = {w, 20, 2};
        pthread_t th;
        pthread_create(&th, NULL, delayed_writer, &d);
        CHECK_ST(shmhub_stream_read_next(r, &v, 8, 2000 * MS, &info), SHMHUB_OK);
        pthread_join(th, NULL);
        CHECK(v == 2 && info.seq == 2);
        const void *p = NULL;
        CHECK_ST(shmhub_stream_peek(r, &p, &info), SHMHUB_OK);
        CHECK(p && *(const uint64_t *)p == 2);
        CHECK_ST(shmhub_stream_validate(r, &info), SHMHUB_OK);
        shmhub_stream_close(r);
    }
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- threads sharing one writer handle -------------------------------------------------------- */

#define TH_N 4
#define TH_EACH 5000
#define TH_WORDS 32

typedef struct th_arg {
    shmhub_stream *s;
    uint64_t id;
    _Atomic int *stop;
    uint64_t torn, reads;
} th_arg;

static void *th_writer(void *p) {
    th_arg *a = p;
    uint64_t f[TH_WORDS];
    for (uint64_t i = 1; i <= TH_EACH; i++) {
        fill(f, TH_WORDS, (a->id << 32) | i);
        if (shmhub_stream_write(a->s, f, sizeof f) != SHMHUB_OK) a->torn++;
    }
    return NULL;
}

static void *th_reader(void *p) {
    th_arg *a = p;
    uint64_t f[TH_WORDS];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    while (!atomic_load(a->stop)) {
        shmhub_status st = shmhub_stream_read_latest(a->s, f, sizeof f, &info);
        if (st == SHMHUB_OK) {
            a->reads++;
            if (!uniform(f, TH_WORDS, f[0])) a->torn++;
        }
    }
    return NULL;
}

static void test_threads(void) {
    const char *name = test_name("threads");
    shmhub_stream *w = make_u64(name, TH_WORDS, 8, SHMHUB_WRITER_SINGLE), *r = NULL;
    if (!w) return;
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    _Atomic int stop = 0;
    th_arg wa[TH_N], ra = {r, 0, &stop, 0, 0};
    pthread_t wt[TH_N], rt;
    pthread_create(&rt, NULL, th_reader, &ra);
    for (int k = 0; k < TH_N; k++) {
        wa[k] = (th_arg){w, (uint64_t)k + 1, &stop, 0, 0};
        pthread_create(&wt[k], NULL, th_writer, &wa[k]);
    }
    uint64_t failed = 0;
    for (int k = 0; k < TH_N; k++) {
        pthread_join(wt[k], NULL);
        failed += wa[k].torn;
    }
    atomic_store(&stop, 1);
    pthread_join(rt, NULL);
    CHECK(failed == 0);
    CHECK(ra.torn == 0);
    CHECK(shmhub_stream_count(w) == TH_N * TH_EACH);
    uint64_t f[TH_WORDS];
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_stream_seek(r, 0);
    uint64_t last_of[TH_N + 1] = {0}, bad = 0, n = 0;
    while (shmhub_stream_read_next(r, f, sizeof f, 0, &info) == SHMHUB_OK) {
        uint64_t k = f[0] >> 32;
        if (!uniform(f, TH_WORDS, f[0]) || k < 1 || k > TH_N || (f[0] & 0xffffffffu) <= last_of[k])
            bad++;
        else
            last_of[k] = f[0] & 0xffffffffu;
        n++;
    }
    CHECK(bad == 0 && n == 7); /* slots - 1 frames are safe to replay */
    shmhub_stream_close(r);
    shmhub_stream_close(w);
    shmhub_unlink(name);
}

/* ---- helper modes for the syscall script ---------------------------------------------------------- */

static int publish_only(long n, uint32_t mode) {
    char name[64];
    snprintf(name, sizeof name, "t%ld.publish", (long)getpid());
    shmhub_stream *w = NULL;
    uint64_t one = 8;
    shmhub_stream_opts o = opts_of(8, mode);
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT64, 1, &one, &o, &w) != SHMHUB_OK) {
        fprintf(stderr, "create: %s\n", shmhub_last_error());
        return 1;
    }
    uint64_t f[8] = {0};
    int rc = 0;
    for (long i = 1; i <= n; i++) {
        f[0] = (uint64_t)i;
        if (shmhub_stream_write(w, f, sizeof f) != SHMHUB_OK) rc = 1;
    }
    if (shmhub_stream_count(w) != (uint64_t)n) rc = 1;
    shmhub_stream_close(w);
    shmhub_unlink(name);
    printf("published %ld frames\n", n);
    return rc;
}

static int publish_to_sleeper(void) {
    char name[64];
    snprintf(name, sizeof name, "t%ld.sleeper", (long)getpid());
    shmhub_stream *w = NULL;
    uint64_t one = 1;
    if (shmhub_stream_create(name, SHMHUB_DTYPE_UINT64, 1, &one, NULL, &w) != SHMHUB_OK) return 1;
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *r = NULL;
        uint64_t v;
        if (shmhub_stream_open(name, NULL, &r) != SHMHUB_OK) _exit(1);
        _exit(shmhub_stream_read_next(r, &v, 8, 5000 * MS, NULL) == SHMHUB_OK ? 0 : 2);
    }
    util_sleep_ms(200);
    uint64_t v = 1;
    int rc = shmhub_stream_write(w, &v, 8) != SHMHUB_OK;
    rc |= child_rc(pid) != 0;
    shmhub_stream_close(w);
    shmhub_unlink(name);
    return rc;
}

/* A second handle in the writer's own process cannot write in single-writer mode; a thread that
 * holds the multi-writer lock (open loan) gets BUSY writing through another handle. */
static void test_same_process_handles(void) {
    const char *name = test_name("twohandles");
    shmhub_stream *a = make_u64(name, 4, 4, SHMHUB_WRITER_SINGLE), *b = NULL;
    CHECK_ST(shmhub_stream_open(name, NULL, &b), SHMHUB_OK);
    CHECK(write_val(a, 1) == SHMHUB_OK);
    CHECK_ST((shmhub_status)write_val(b, 2), SHMHUB_E_BUSY);
    shmhub_stream_close(a); /* releases the claim: now b may write */
    CHECK(write_val(b, 3) == SHMHUB_OK);
    CHECK(shmhub_stream_count(b) == 2);
    shmhub_stream_close(b);
    shmhub_unlink(name);

    const char *mname = test_name("selflock");
    shmhub_stream *m1 = make_u64(mname, 4, 4, SHMHUB_WRITER_MULTI), *m2 = NULL;
    shmhub_stream_opts o = opts_of(4, SHMHUB_WRITER_MULTI);
    o.lock_timeout_ns = 10000 * MS;
    CHECK_ST(shmhub_stream_open(mname, &o, &m2), SHMHUB_OK);
    void *frame = NULL;
    CHECK_ST(shmhub_stream_loan(m1, &frame), SHMHUB_OK);
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST((shmhub_status)write_val(m2, 5), SHMHUB_E_BUSY);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 1000 * MS); /* not the 10 s lock timeout */
    CHECK_ST(shmhub_stream_commit(m1), SHMHUB_OK);
    CHECK(write_val(m2, 6) == SHMHUB_OK);
    shmhub_stream_close(m1);
    shmhub_stream_close(m2);
    shmhub_unlink(mname);
}

/* A killed writer that is not reaped yet (a zombie) counts as dead: liveness fires and the
 * single-writer role is taken over without waiting for the parent to reap it. */
static void test_zombie_writer(void) {
    const char *name = test_name("zombie");
    shmhub_stream *r = make_u64(name, 4, 4, SHMHUB_WRITER_SINGLE);
    pid_t pid = xfork();
    if (pid == 0) {
        shmhub_stream *w = NULL;
        if (shmhub_stream_open(name, NULL, &w) != SHMHUB_OK || write_val(w, 7) != SHMHUB_OK)
            _exit(1);
        kill(getpid(), SIGKILL);
        _exit(2);
    }
    while (shmhub_stream_count(r) < 1) usleep(1000);
    /* wait until the child is a zombie, without reaping it */
    siginfo_t si;
    memset(&si, 0, sizeof si);
    CHECK(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT) == 0);
    shmhub_stream_opts o = opts_of(4, SHMHUB_WRITER_SINGLE);
    o.flags = SHMHUB_STREAM_LIVENESS;
    shmhub_stream *l = NULL;
    CHECK_ST(shmhub_stream_open(name, &o, &l), SHMHUB_OK);
    uint64_t buf[4];
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    CHECK_ST(shmhub_stream_read_next(l, buf, sizeof buf, 5000 * MS, NULL), SHMHUB_E_PEER_DEAD);
    CHECK(util_now_ns(CLOCK_MONOTONIC) - t0 < 1000 * MS);
    CHECK(write_val(r, 8) == SHMHUB_OK); /* takeover from the zombie */
    CHECK(shmhub_stream_recoveries(r) >= 1);
    CHECK(child_rc(pid) == 100 + SIGKILL);
    shmhub_stream_close(l);
    shmhub_stream_close(r);
    shmhub_unlink(name);
}

int main(int argc, char **argv) {
    if ((argc == 3 || argc == 4) && !strcmp(argv[1], "--publish-only"))
        return publish_only(atol(argv[2]), argc == 4 && !strcmp(argv[3], "multi")
                                               ? SHMHUB_WRITER_MULTI
                                               : SHMHUB_WRITER_SINGLE);
    if (argc == 2 && !strcmp(argv[1], "--publish-to-sleeper")) return publish_to_sleeper();
    int64_t t0 = util_now_ns(CLOCK_MONOTONIC);
    test_basics();
    test_bad_inputs();
    test_reads();
    test_wait_modes();
    test_torn_detector(3, 2, 1);        /* 24-byte frames: word copies with a byte tail */
    test_torn_detector(8, 2, 1);        /* 64 B */
    test_torn_detector(8, 3, 2);
    test_torn_detector(512, 3, 1);      /* 4 KiB: the bulk-copy threshold */
    test_torn_detector(512, 2, 2);
    test_torn_detector(4096, 4, 1);     /* 32 KiB */
    test_torn_detector(131072, 3, 1);   /* 1 MiB */
    test_torn_detector(524288, 2, 1);   /* 4 MiB */
    test_torn_detector(524288, 4, 2);
    test_torn_detector(2097152, 2, 1);  /* 16 MiB: the non-temporal bulk copy (misaligned buffers) */
    test_lossless();
    test_futex_wake();
    test_killed_mid_loan(SHMHUB_WRITER_SINGLE);
    test_killed_mid_loan(SHMHUB_WRITER_MULTI);
    test_killed_mid_write(SHMHUB_WRITER_SINGLE, 8);      /* 64 B: word copies */
    test_killed_mid_write(SHMHUB_WRITER_SINGLE, 524288); /* 4 MiB: bulk copy */
    test_killed_mid_write(SHMHUB_WRITER_MULTI, 1024);     /* 8 KiB */
    test_killed_mid_write(SHMHUB_WRITER_MULTI, 524288);
    test_overrun_exact();
    test_timeouts();
    test_liveness();
    test_multi_writer();
    test_single_writer_busy();
    test_peek_validate();
    test_loans();
    test_read_only();
    test_threads();
    test_same_process_handles();
    test_zombie_writer();
    for (int i = 0; i < g_nnames; i++) shmhub_unlink(g_names[i]); /* leftovers of failed checks */
    printf("test_stream: %.2f s\n", (util_now_ns(CLOCK_MONOTONIC) - t0) / 1e9);
    return check_finish("test_stream");
}
