/* Versions, status codes, dtypes, the layout builder, option structs and NULL-safety. */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

/* ---- versions --------------------------------------------------------------------------------- */
static void test_versions(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", SHMHUB_VERSION_MAJOR, SHMHUB_VERSION_MINOR,
             SHMHUB_VERSION_PATCH);
    CHECK(SHMHUB_VERSION_NUMBER == 10100);
    CHECK(shmhub_version_number() == SHMHUB_VERSION_NUMBER);
    CHECK(shmhub_version_string() != NULL);
    CHECK_STR(shmhub_version_string(), want);

    CHECK_ST(shmhub_check_version(SHMHUB_VERSION_NUMBER), SHMHUB_OK);
    CHECK_ST(SHMHUB_CHECK_VERSION(), SHMHUB_OK);
    /* A caller built against an older patch or a newer patch of the same minor is fine. */
    CHECK_ST(shmhub_check_version(SHMHUB_VERSION_NUMBER + 1), SHMHUB_OK);
    /* Another major, either way, or a newer minor, is refused with both versions in the message. */
    CHECK_ST(shmhub_check_version(SHMHUB_VERSION_NUMBER + 10000), SHMHUB_E_VERSION);
    CHECK(strstr(shmhub_last_error(), "2") != NULL);
    CHECK(strstr(shmhub_last_error(), "1") != NULL);
    CHECK_ST(shmhub_check_version(SHMHUB_VERSION_NUMBER + 100), SHMHUB_E_VERSION);
    CHECK_ST(shmhub_check_version(SHMHUB_VERSION_NUMBER - 10000), SHMHUB_E_VERSION);
    CHECK_ST(shmhub_check_version(0), SHMHUB_E_VERSION);
    CHECK_ST(shmhub_check_version(UINT32_MAX), SHMHUB_E_VERSION);
}

/* ---- status codes ----------------------------------------------------------------------------- */
static const struct {
    shmhub_status code;
    const char *name;
    const char *str;
} k_status[] = {
    {SHMHUB_OK, "SHMHUB_OK", "success"},
    {SHMHUB_E_INVALID, "SHMHUB_E_INVALID", "invalid argument"},
    {SHMHUB_E_NOT_FOUND, "SHMHUB_E_NOT_FOUND", "no such segment or array"},
    {SHMHUB_E_EXISTS, "SHMHUB_E_EXISTS", "a segment or array by that name already exists"},
    {SHMHUB_E_PERMISSION, "SHMHUB_E_PERMISSION", "permission denied"},
    {SHMHUB_E_NO_SPACE, "SHMHUB_E_NO_SPACE", "no space left for shared memory"},
    {SHMHUB_E_NO_MEMORY, "SHMHUB_E_NO_MEMORY", "out of memory or address space"},
    {SHMHUB_E_CORRUPT, "SHMHUB_E_CORRUPT", "the segment is corrupt or not a shmhub segment"},
    {SHMHUB_E_VERSION, "SHMHUB_E_VERSION", "incompatible version"},
    {SHMHUB_E_WRONG_KIND, "SHMHUB_E_WRONG_KIND", "the segment is of another kind"},
    {SHMHUB_E_TIMEOUT, "SHMHUB_E_TIMEOUT", "the timeout expired"},
    {SHMHUB_E_PEER_DEAD, "SHMHUB_E_PEER_DEAD", "a process this call depends on has died"},
    {SHMHUB_E_READ_ONLY, "SHMHUB_E_READ_ONLY", "the handle is read-only"},
    {SHMHUB_E_SIZE, "SHMHUB_E_SIZE", "the buffer size does not match"},
    {SHMHUB_E_RANGE, "SHMHUB_E_RANGE", "index out of range"},
    {SHMHUB_E_IO, "SHMHUB_E_IO", "operating-system error"},
    {SHMHUB_E_BUSY, "SHMHUB_E_BUSY", "the resource is busy"},
};
#define N_STATUS (sizeof k_status / sizeof k_status[0])

static void test_status(void) {
    /* the 1.0 codes, with the sentences docs/errors.md quotes */
    for (size_t i = 0; i < N_STATUS; i++) {
        const char *s = shmhub_status_str(k_status[i].code);
        const char *n = shmhub_status_name(k_status[i].code);
        CHECK(s != NULL && s[0] != '\0');
        CHECK(n != NULL && n[0] != '\0');
        CHECK_STR(n, k_status[i].name);
        CHECK_STR(s, k_status[i].str);
        CHECK(k_status[i].code == -(shmhub_status)i); /* values are dense and explicit */
    }
    /* every code the library knows (later codes are appended below -16): a non-empty, unique
     * sentence and a unique SHMHUB_ name; the first unknown code ends the dense range */
    shmhub_status last = 0;
    while (last > -1000 && strcmp(shmhub_status_name(last - 1), "SHMHUB_E_UNKNOWN") != 0) last--;
    CHECK(last <= SHMHUB_E_BUSY);
    for (shmhub_status c = 0; c >= last; c--) {
        const char *s = shmhub_status_str(c), *n = shmhub_status_name(c);
        CHECK(s != NULL && s[0] != '\0' && strcmp(s, "unknown status code") != 0);
        CHECK(n != NULL && strncmp(n, "SHMHUB_", 7) == 0);
        for (shmhub_status d = 0; d > c; d--) {
            CHECK(strcmp(s, shmhub_status_str(d)) != 0);
            CHECK(strcmp(n, shmhub_status_name(d)) != 0);
        }
    }
    const shmhub_status unknown[] = {1, 2, 100, last - 1, last - 2, -1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_STR(shmhub_status_str(unknown[i]), "unknown status code");
        CHECK_STR(shmhub_status_name(unknown[i]), "SHMHUB_E_UNKNOWN");
    }
    /* last_error is never NULL, even before any failure on a thread. */
    CHECK(shmhub_last_error() != NULL);
}

/* ---- dtypes ------------------------------------------------------------------------------------ */
static const struct {
    shmhub_dtype code;
    size_t size;
    const char *str, *name, *letter;
} k_dtypes[SHMHUB_DTYPE_COUNT] = {
    {SHMHUB_DTYPE_BOOL, 1, "|b1", "bool", "?"},
    {SHMHUB_DTYPE_INT8, 1, "|i1", "int8", "b"},
    {SHMHUB_DTYPE_INT16, 2, "<i2", "int16", "h"},
    {SHMHUB_DTYPE_INT32, 4, "<i4", "int32", "i"},
    {SHMHUB_DTYPE_INT64, 8, "<i8", "int64", "q"},
    {SHMHUB_DTYPE_UINT8, 1, "|u1", "uint8", "B"},
    {SHMHUB_DTYPE_UINT16, 2, "<u2", "uint16", "H"},
    {SHMHUB_DTYPE_UINT32, 4, "<u4", "uint32", "I"},
    {SHMHUB_DTYPE_UINT64, 8, "<u8", "uint64", "Q"},
    {SHMHUB_DTYPE_FLOAT16, 2, "<f2", "float16", "e"},
    {SHMHUB_DTYPE_FLOAT32, 4, "<f4", "float32", "f"},
    {SHMHUB_DTYPE_FLOAT64, 8, "<f8", "float64", "d"},
    {SHMHUB_DTYPE_COMPLEX64, 8, "<c8", "complex64", "F"},
    {SHMHUB_DTYPE_COMPLEX128, 16, "<c16", "complex128", "D"},
};

static void check_parse(const char *text, shmhub_dtype want) {
    shmhub_dtype d = -12345;
    shmhub_status st = shmhub_dtype_from_str(text, &d);
    check_count++;
    if (st != SHMHUB_OK || d != want) {
        check_failures++;
        fprintf(stderr, "dtype_from_str(\"%s\") gave %s/%d, want %d (last error: %s)\n", text,
                shmhub_status_name(st), (int)d, (int)want, shmhub_last_error());
    }
}

static void check_reject(const char *text) {
    shmhub_dtype d = SHMHUB_DTYPE_FLOAT32;
    CHECK_ST(shmhub_dtype_from_str(text, &d), SHMHUB_E_INVALID);
    CHECK(d == SHMHUB_DTYPE_INVALID);
}

static void test_dtypes(void) {
    CHECK(SHMHUB_DTYPE_COUNT == 14);
    for (int i = 0; i < SHMHUB_DTYPE_COUNT; i++) {
        shmhub_dtype c = k_dtypes[i].code;
        CHECK(c == i + 1);
        CHECK(shmhub_dtype_size(c) == k_dtypes[i].size);
        CHECK_STR(shmhub_dtype_str(c), k_dtypes[i].str);
        CHECK_STR(shmhub_dtype_name(c), k_dtypes[i].name);
        /* round trips */
        check_parse(shmhub_dtype_str(c), c);
        check_parse(shmhub_dtype_name(c), c);
        /* aliases: without the byte-order char, with '=', and numpy's one-letter code */
        const char *bare = k_dtypes[i].str + 1;
        char eq[16];
        snprintf(eq, sizeof eq, "=%s", bare);
        check_parse(bare, c);
        check_parse(eq, c);
        check_parse(k_dtypes[i].letter, c);
    }
    check_parse("f4", SHMHUB_DTYPE_FLOAT32);
    check_parse("=f4", SHMHUB_DTYPE_FLOAT32);
    check_parse("<f4", SHMHUB_DTYPE_FLOAT32);
    check_parse("float32", SHMHUB_DTYPE_FLOAT32);
    check_parse("?", SHMHUB_DTYPE_BOOL);
    check_parse("bool", SHMHUB_DTYPE_BOOL);
    check_parse("d", SHMHUB_DTYPE_FLOAT64);
    check_parse("u1", SHMHUB_DTYPE_UINT8);
    check_parse("c16", SHMHUB_DTYPE_COMPLEX128);

    /* rejects */
    const char *bad[] = {">f4", ">i2", ">c16", "", "f3", "<f3", "i3", "c4", "c32", "f16", "int",
                         "float", "float128", "f4 ", " f4", "F32", "xyz", "<", "=", "|", "!f4",
                         "float32x", "<f4x", "b1x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) check_reject(bad[i]);
    shmhub_dtype d = SHMHUB_DTYPE_FLOAT32;
    CHECK_ST(shmhub_dtype_from_str(NULL, &d), SHMHUB_E_INVALID);
    CHECK(d == SHMHUB_DTYPE_INVALID);
    CHECK_ST(shmhub_dtype_from_str("f4", NULL), SHMHUB_E_INVALID);

    /* invalid codes */
    const shmhub_dtype invalid[] = {0, 15, 16, -1, 255, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        CHECK(shmhub_dtype_size(invalid[i]) == 0);
        CHECK(shmhub_dtype_str(invalid[i]) == NULL);
        CHECK(shmhub_dtype_name(invalid[i]) == NULL);
    }
}

/* ---- kinds ---------------------------------------------------------------------------------- */
static void test_kinds(void) {
    CHECK_STR(shmhub_kind_name(SHMHUB_KIND_ARRAYS), "arrays");
    CHECK_STR(shmhub_kind_name(SHMHUB_KIND_STREAM), "stream");
    for (int32_t k = SHMHUB_KIND_ARRAYS; k <= SHMHUB_KIND_GPU_STREAM; k++) {
        const char *n = shmhub_kind_name(k);
        CHECK(n != NULL && n[0] != '\0');
        for (int32_t j = SHMHUB_KIND_ARRAYS; j < k; j++)
            CHECK(n && shmhub_kind_name(j) && strcmp(n, shmhub_kind_name(j)) != 0);
    }
    CHECK(shmhub_kind_name(0) == NULL);
    CHECK(shmhub_kind_name(7) == NULL);
    CHECK(shmhub_kind_name(-1) == NULL);
}

/* ---- layouts ---------------------------------------------------------------------------------- */
static void test_layouts(void) {
    CHECK_ST(shmhub_layout_new(NULL), SHMHUB_E_INVALID);
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    if (!l) return;
    CHECK(shmhub_layout_count(l) == 0);
    CHECK(shmhub_layout_count(NULL) == 0);

    uint64_t shape[SHMHUB_MAX_NDIM + 1] = {3, 4, 1, 1, 1, 1, 1, 1, 1};
    CHECK_ST(shmhub_layout_add(l, "a", SHMHUB_DTYPE_FLOAT32, 2, shape), SHMHUB_OK);
    CHECK(shmhub_layout_count(l) == 1);
    /* duplicate */
    CHECK_ST(shmhub_layout_add(l, "a", SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_E_EXISTS);
    CHECK(strstr(shmhub_last_error(), "a") != NULL);
    CHECK(shmhub_layout_count(l) == 1);
    /* names: 63 characters is the limit, [A-Za-z0-9._-] only */
    char n63[64], n64[65];
    memset(n63, 'x', 63);
    n63[63] = '\0';
    memset(n64, 'y', 64);
    n64[64] = '\0';
    CHECK_ST(shmhub_layout_add(l, n63, SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, n64, SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "A.b-c_9", SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_OK);
    const char *bad_names[] = {"", "a b", "a/b", "a\\b", "caf\xc3\xa9", "a\tb", "a:b", "a*", "\n"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        CHECK_ST(shmhub_layout_add(l, bad_names[i], SHMHUB_DTYPE_UINT8, 1, shape),
                 SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, NULL, SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_E_INVALID);
    /* dtypes */
    CHECK_ST(shmhub_layout_add(l, "d0", 0, 1, shape), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "d15", 15, 1, shape), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "dm1", -1, 1, shape), SHMHUB_E_INVALID);
    /* ndim */
    CHECK_ST(shmhub_layout_add(l, "nd8", SHMHUB_DTYPE_UINT8, 8, shape), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "nd9", SHMHUB_DTYPE_UINT8, 9, shape), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "ndbig", SHMHUB_DTYPE_UINT8, UINT32_MAX, shape),
             SHMHUB_E_INVALID);
    /* shapes */
    CHECK_ST(shmhub_layout_add(l, "nullshape", SHMHUB_DTYPE_UINT8, 1, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "scalar", SHMHUB_DTYPE_FLOAT64, 0, NULL), SHMHUB_OK);
    CHECK_ST(shmhub_layout_add(l, "scalar2", SHMHUB_DTYPE_FLOAT64, 0, shape), SHMHUB_OK);
    uint64_t zero[2] = {0, 5};
    CHECK_ST(shmhub_layout_add(l, "zero", SHMHUB_DTYPE_INT32, 2, zero), SHMHUB_OK);
    uint64_t ov1[2] = {UINT64_MAX, 2};
    uint64_t ov2[2] = {UINT64_C(1) << 32, UINT64_C(1) << 32};
    uint64_t ov3[1] = {UINT64_C(1) << 62}; /* elements fit, bytes (x8) do not */
    uint64_t ov4[3] = {UINT64_C(1) << 40, 0, UINT64_C(1) << 40}; /* product 0 */
    CHECK_ST(shmhub_layout_add(l, "ov1", SHMHUB_DTYPE_UINT8, 2, ov1), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "ov2", SHMHUB_DTYPE_UINT8, 2, ov2), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "ov3", SHMHUB_DTYPE_FLOAT64, 1, ov3), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_layout_add(l, "ov5", SHMHUB_DTYPE_COMPLEX128, 1, ov3), SHMHUB_E_INVALID);
    /* A zero extent makes the product 0 wherever it is: not an overflow. */
    CHECK_ST2(shmhub_layout_add(l, "ov4", SHMHUB_DTYPE_UINT8, 3, ov4), SHMHUB_OK,
              SHMHUB_E_INVALID);
    /* NULL layout */
    CHECK_ST(shmhub_layout_add(NULL, "x", SHMHUB_DTYPE_UINT8, 1, shape), SHMHUB_E_INVALID);
    size_t before = shmhub_layout_count(l);
    CHECK(before >= 8);
    shmhub_layout_free(l);
    shmhub_layout_free(NULL);

    /* SHMHUB_MAX_ARRAYS */
    l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    if (!l) return;
    int ok = 1;
    for (int i = 0; i < SHMHUB_MAX_ARRAYS; i++) {
        char n[32];
        snprintf(n, sizeof n, "a%d", i);
        if (shmhub_layout_add(l, n, SHMHUB_DTYPE_UINT8, 0, NULL) != SHMHUB_OK) ok = 0;
    }
    CHECK(ok);
    CHECK(shmhub_layout_count(l) == SHMHUB_MAX_ARRAYS);
    CHECK_ST(shmhub_layout_add(l, "one_too_many", SHMHUB_DTYPE_UINT8, 0, NULL), SHMHUB_E_RANGE);
    CHECK(shmhub_layout_count(l) == SHMHUB_MAX_ARRAYS);
    shmhub_layout_free(l);
}

/* ---- options ---------------------------------------------------------------------------------- */
static void test_opts(void) {
    shmhub_segment_opts o;
    CHECK_ST(shmhub_segment_opts_init(NULL, sizeof o), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_segment_opts_init(&o, 0), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_segment_opts_init(&o, 4), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_segment_opts_init(&o, 7), SHMHUB_E_INVALID);

    memset(&o, 0xAA, sizeof o);
    CHECK_ST(shmhub_segment_opts_init(&o, sizeof o), SHMHUB_OK);
    shmhub_segment_opts m = SHMHUB_SEGMENT_OPTS_INIT;
    CHECK(o.size == sizeof o);
    CHECK(o.mode == 0600);
    CHECK(o.dir == NULL);
    CHECK(o.flags == 0);
    CHECK(o.reserved == 0);
    CHECK(o.open_timeout_ns == INT64_C(1000000000));
    CHECK(m.size == o.size && m.mode == o.mode && m.dir == o.dir && m.flags == o.flags &&
          m.reserved == o.reserved && m.open_timeout_ns == o.open_timeout_ns);
    CHECK(sizeof o == 32); /* FFI-visible layout: no hidden padding */
    CHECK(offsetof(shmhub_segment_opts, dir) == 8);
    CHECK(offsetof(shmhub_segment_opts, flags) == 16);
    CHECK(offsetof(shmhub_segment_opts, open_timeout_ns) == 24);

    /* An older, smaller struct: only its bytes are written. */
    unsigned char buf[64];
    memset(buf, 0xAA, sizeof buf);
    size_t small = offsetof(shmhub_segment_opts, flags);
    CHECK_ST(shmhub_segment_opts_init((shmhub_segment_opts *)(void *)buf, small), SHMHUB_OK);
    uint32_t sz, mode;
    memcpy(&sz, buf, 4);
    memcpy(&mode, buf + 4, 4);
    CHECK(sz == small);
    CHECK(mode == 0600);
    int untouched = 1;
    for (size_t i = small; i < sizeof buf; i++)
        if (buf[i] != 0xAA) untouched = 0;
    CHECK(untouched);
    memset(buf, 0xAA, sizeof buf);
    CHECK_ST(shmhub_segment_opts_init((shmhub_segment_opts *)(void *)buf, 8), SHMHUB_OK);
    untouched = 1;
    for (size_t i = 8; i < sizeof buf; i++)
        if (buf[i] != 0xAA) untouched = 0;
    CHECK(untouched);

    /* A newer, bigger struct: the library fills what it knows. */
    union {
        shmhub_segment_opts o;
        unsigned char b[sizeof(shmhub_segment_opts) + 32];
    } big;
    memset(&big, 0, sizeof big);
    CHECK_ST(shmhub_segment_opts_init(&big.o, sizeof big), SHMHUB_OK);
    CHECK(big.o.mode == 0600 && big.o.open_timeout_ns == INT64_C(1000000000));
}

/* ---- NULL-safety ---------------------------------------------------------------------------- */
static void test_null_safety(void) {
    const char *n = shmhub_segment_name(NULL);
    const char *p = shmhub_segment_path(NULL);
    CHECK(n == NULL || n[0] == '\0');
    CHECK(p == NULL || p[0] == '\0');
    CHECK(shmhub_segment_kind(NULL) == 0);
    CHECK(shmhub_segment_size(NULL) == 0);
    CHECK(shmhub_segment_creator_pid(NULL) == 0);
    CHECK(shmhub_segment_creator_uid(NULL) == 0);
    CHECK(shmhub_segment_created_ns(NULL) == 0);
    CHECK(shmhub_segment_read_only(NULL) == 0);
    CHECK(shmhub_segment_layout_version(NULL) == 0);
    CHECK(shmhub_segment_array_count(NULL) == 0);

    const shmhub_array *a = (const shmhub_array *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_array_at(NULL, 0, &a), SHMHUB_E_INVALID);
    CHECK(a == NULL);
    a = (const shmhub_array *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_find(NULL, "x", &a), SHMHUB_E_INVALID);
    CHECK(a == NULL);

    const char *an = shmhub_array_name(NULL);
    CHECK(an == NULL || an[0] == '\0');
    CHECK(shmhub_array_dtype(NULL) == SHMHUB_DTYPE_INVALID);
    CHECK(shmhub_array_ndim(NULL) == 0);
    CHECK(shmhub_array_shape(NULL) == NULL);
    CHECK(shmhub_array_size(NULL) == 0);
    CHECK(shmhub_array_nbytes(NULL) == 0);
    CHECK(shmhub_array_offset(NULL) == 0);
    CHECK(shmhub_array_data(NULL) == NULL);

    CHECK(shmhub_list_count(NULL) == 0);
    CHECK(shmhub_list_name(NULL, 0) == NULL);
    CHECK_ST(shmhub_list_open(NULL, NULL), SHMHUB_E_INVALID);
    shmhub_list_close(NULL);
    shmhub_segment_close(NULL);
    shmhub_layout_free(NULL);
    CHECK(shmhub_layout_count(NULL) == 0);

    /* NULL required arguments of the fallible calls */
    shmhub_layout *l = NULL;
    CHECK_ST(shmhub_layout_new(&l), SHMHUB_OK);
    shmhub_segment *s = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_create(NULL, l, NULL, &s), SHMHUB_E_INVALID);
    CHECK(s == NULL);
    const char *nm = test_name("nullout");
    CHECK_ST(shmhub_segment_create(nm, l, NULL, NULL), SHMHUB_E_INVALID);
    s = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_open(NULL, NULL, &s), SHMHUB_E_INVALID);
    CHECK(s == NULL);
    CHECK_ST(shmhub_segment_open(nm, NULL, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_unlink(NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_unlink_in(NULL, NULL), SHMHUB_E_INVALID);

    /* bad option structs are refused before anything is touched */
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.size = 4;
    s = (shmhub_segment *)(uintptr_t)1;
    CHECK_ST(shmhub_segment_create(nm, l, &o, &s), SHMHUB_E_INVALID);
    CHECK(s == NULL);
    o.size = 0;
    CHECK_ST(shmhub_segment_open(nm, &o, &s), SHMHUB_E_INVALID);
    /* nothing was created by any of the above */
    CHECK_ST(shmhub_unlink(nm), SHMHUB_E_NOT_FOUND);
    /* a non-zero reserved field is refused (docs/errors.md, SHMHUB_E_INVALID) */
    o = (shmhub_segment_opts)SHMHUB_SEGMENT_OPTS_INIT;
    o.reserved = 1;
    CHECK_ST(shmhub_segment_create(nm, l, &o, &s), SHMHUB_E_INVALID);
    shmhub_segment_close(s);
    s = NULL;
    CHECK_ST(shmhub_segment_open(nm, &o, &s), SHMHUB_E_INVALID);
    shmhub_segment_close(s);
    shmhub_unlink(nm); /* in case the create above wrongly succeeded */
    shmhub_layout_free(l);
}

int main(void) {
    test_versions();
    test_status();
    test_dtypes();
    test_kinds();
    test_layouts();
    test_opts();
    test_null_safety();
    return check_finish("test_basics");
}
