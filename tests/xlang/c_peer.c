/*
 * c_peer: the C side of the cross-language tests (Rust, Python, demos).
 *
 * Usage (exit status 0 = success, 1 = contents differ, 2 = usage or API error; messages on stderr):
 *
 *   c_peer write-arrays NAME              create arrays segment NAME (see "Arrays segment") and fill it
 *   c_peer check-arrays NAME              open NAME and check names, dtypes, shapes and every byte
 *   c_peer write-stream NAME N [DTYPE] [INTERVAL_US]
 *                                         create stream NAME (dtype DTYPE, default float32; shape
 *                                         {4, 6}; slots max(8, N + 2)) and write frames 1..N,
 *                                         sleeping INTERVAL_US microseconds (default 0) between them
 *   c_peer read-stream NAME N [DTYPE] [TIMEOUT_MS]
 *                                         wait up to TIMEOUT_MS (default 5000) for NAME to exist,
 *                                         seek to 0 and read frames 1..N losslessly (read_next),
 *                                         then check read_latest returns frame N; checks every byte
 *
 *   c_peer write-dict NAME                create dictionary NAME (capacity 64, 4 MiB) with the entries
 *                                         below, one per value type
 *   c_peer check-dict NAME                open NAME and check its keys, types and every byte
 *
 * Dictionary entries (key: value type, value):
 *   "i64": I64 -1234567890123          "f64": F64 6.02214076e23         "counter": I64 42 (42 adds)
 *   "str": STR "h\u00e9llo, w\u00f6rld \u2713" (UTF-8)        "bytes": BYTES 0, 1, ..., 255
 *   "empty": BYTES (0 bytes)           "big": BYTES 1 MiB, byte i = (i * 7) & 0xff
 *   "ndarray": NDARRAY float32 shape {3, 4}, element i = i * 0.5 - 1
 *   "pickle": PICKLE the protocol-2 pickle of the tuple (1, 'a'), 16 bytes
 *
 * Nothing is unlinked: the caller removes NAME (`shmhub unlink NAME`). DTYPE is anything
 * shmhub_dtype_from_str() accepts ("float32", "<f4", "u1", "bool", ...).
 *
 * Deterministic contents. Element i (C order, from 0) of frame `seq` (arrays: seq = 0) of dtype d
 * has the key k = seq * 1000 + i and is stored as these little-endian bytes:
 *
 *   bool                 1 if k % 3 == 0 else 0
 *   int8 .. int64,       the low (size) bytes of the uint64 u = k * 0x9E3779B97F4A7C15 + d
 *   uint8 .. uint64      (wrapping multiplication; d is the dtype code), i.e. two's complement
 *   float16              the bit pattern 0x3C00 + (k % 1024)  (1.0 plus k ulps, always finite)
 *   float32              (float)(k % 4096) * 0.5f - 3.25f
 *   float64              (double)k * 0.25 - 7.125
 *   complex64            re = (float)(k % 4096) * 1.5f, im = -(float)(k % 4096)
 *   complex128           re = (double)k * 0.125,       im = 1.0e6 - (double)k
 *
 * All values are exact in binary, so every language computes identical bytes.
 *
 * Arrays segment: one array per dtype, named by shmhub_dtype_name() ("bool", "int8", ...,
 * "complex128") with shape {3, 5}, in dtype-code order; then "scalar" (float64, ndim 0, element
 * 0), "cube" (uint16, shape {2, 3, 4}) and "empty" (int32, shape {0}): 17 arrays in this order.
 */
#include <shmhub.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writes element with key k of dtype d into out (shmhub_dtype_size(d) bytes, little-endian host). */
static void peer_value(shmhub_dtype d, uint64_t k, unsigned char *out) {
    switch (d) {
    case SHMHUB_DTYPE_BOOL: out[0] = (unsigned char)(k % 3 == 0); return;
    case SHMHUB_DTYPE_INT8: case SHMHUB_DTYPE_INT16: case SHMHUB_DTYPE_INT32: case SHMHUB_DTYPE_INT64:
    case SHMHUB_DTYPE_UINT8: case SHMHUB_DTYPE_UINT16: case SHMHUB_DTYPE_UINT32: case SHMHUB_DTYPE_UINT64: {
        uint64_t u = k * UINT64_C(0x9E3779B97F4A7C15) + (uint64_t)d;
        memcpy(out, &u, shmhub_dtype_size(d)); /* little-endian: the low bytes come first */
        return;
    }
    case SHMHUB_DTYPE_FLOAT16: { uint16_t h = (uint16_t)(0x3C00u + (unsigned)(k % 1024)); memcpy(out, &h, 2); return; }
    case SHMHUB_DTYPE_FLOAT32: { float f = (float)(k % 4096) * 0.5f - 3.25f; memcpy(out, &f, 4); return; }
    case SHMHUB_DTYPE_FLOAT64: { double f = (double)k * 0.25 - 7.125; memcpy(out, &f, 8); return; }
    case SHMHUB_DTYPE_COMPLEX64: {
        float c[2] = {(float)(k % 4096) * 1.5f, -(float)(k % 4096)};
        memcpy(out, c, 8);
        return;
    }
    case SHMHUB_DTYPE_COMPLEX128: {
        double c[2] = {(double)k * 0.125, 1.0e6 - (double)k};
        memcpy(out, c, 16);
        return;
    }
    default: return;
    }
}

static void fill(shmhub_dtype d, uint64_t seq, uint64_t n, unsigned char *dst) {
    size_t es = shmhub_dtype_size(d);
    for (uint64_t i = 0; i < n; i++) peer_value(d, seq * 1000 + i, dst + i * es);
}

/* 0 if equal, else prints the first difference and returns 1. */
static int check(const char *what, shmhub_dtype d, uint64_t seq, uint64_t n, const unsigned char *src) {
    size_t es = shmhub_dtype_size(d);
    unsigned char want[16];
    for (uint64_t i = 0; i < n; i++) {
        peer_value(d, seq * 1000 + i, want);
        if (memcmp(want, src + i * es, es) != 0) {
            fprintf(stderr, "c_peer: %s: element %llu differs (dtype %s, seq %llu)\n", what,
                    (unsigned long long)i, shmhub_dtype_name(d), (unsigned long long)seq);
            return 1;
        }
    }
    return 0;
}

static int fail(const char *what) {
    fprintf(stderr, "c_peer: %s: %s\n", what, shmhub_last_error());
    return 2;
}

struct spec { const char *name; shmhub_dtype dtype; uint32_t ndim; uint64_t shape[3]; };

static int specs(struct spec *out) {
    int n = 0;
    for (shmhub_dtype d = 1; d <= SHMHUB_DTYPE_COUNT; d++) {
        out[n].name = shmhub_dtype_name(d); out[n].dtype = d; out[n].ndim = 2;
        out[n].shape[0] = 3; out[n].shape[1] = 5; n++;
    }
    out[n].name = "scalar"; out[n].dtype = SHMHUB_DTYPE_FLOAT64; out[n].ndim = 0; n++;
    out[n].name = "cube"; out[n].dtype = SHMHUB_DTYPE_UINT16; out[n].ndim = 3;
    out[n].shape[0] = 2; out[n].shape[1] = 3; out[n].shape[2] = 4; n++;
    out[n].name = "empty"; out[n].dtype = SHMHUB_DTYPE_INT32; out[n].ndim = 1; out[n].shape[0] = 0; n++;
    return n;
}

static int write_arrays(const char *name) {
    struct spec sp[SHMHUB_DTYPE_COUNT + 3];
    memset(sp, 0, sizeof sp);
    int n = specs(sp);
    shmhub_layout *lay = NULL;
    if (shmhub_layout_new(&lay) != SHMHUB_OK) return fail("layout_new");
    for (int i = 0; i < n; i++)
        if (shmhub_layout_add(lay, sp[i].name, sp[i].dtype, sp[i].ndim, sp[i].shape) != SHMHUB_OK) {
            shmhub_layout_free(lay);
            return fail("layout_add");
        }
    shmhub_segment *seg = NULL;
    shmhub_status st = shmhub_segment_create(name, lay, NULL, &seg);
    shmhub_layout_free(lay);
    if (st != SHMHUB_OK) return fail("segment_create");
    for (size_t i = 0; i < shmhub_segment_array_count(seg); i++) {
        const shmhub_array *a = NULL;
        if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK) { shmhub_segment_close(seg); return fail("array_at"); }
        fill(shmhub_array_dtype(a), 0, shmhub_array_size(a), shmhub_array_data(a));
    }
    shmhub_segment_close(seg);
    return 0;
}

static int check_arrays(const char *name) {
    struct spec sp[SHMHUB_DTYPE_COUNT + 3];
    memset(sp, 0, sizeof sp);
    int n = specs(sp);
    shmhub_segment *seg = NULL;
    if (shmhub_segment_open(name, NULL, &seg) != SHMHUB_OK) return fail("segment_open");
    int bad = 0;
    if (shmhub_segment_array_count(seg) != (size_t)n) {
        fprintf(stderr, "c_peer: %s: %zu arrays, expected %d\n", name, shmhub_segment_array_count(seg), n);
        bad = 1;
    }
    for (int i = 0; i < n && !bad; i++) {
        const shmhub_array *a = NULL;
        if (shmhub_segment_array_at(seg, (size_t)i, &a) != SHMHUB_OK) { shmhub_segment_close(seg); return fail("array_at"); }
        if (strcmp(shmhub_array_name(a), sp[i].name) != 0 || shmhub_array_dtype(a) != sp[i].dtype ||
            shmhub_array_ndim(a) != sp[i].ndim ||
            (sp[i].ndim && memcmp(shmhub_array_shape(a), sp[i].shape, sp[i].ndim * sizeof(uint64_t)) != 0)) {
            fprintf(stderr, "c_peer: %s: array %d is '%s', expected '%s' with another dtype/shape\n", name, i,
                    shmhub_array_name(a), sp[i].name);
            bad = 1;
            break;
        }
        bad = check(sp[i].name, sp[i].dtype, 0, shmhub_array_size(a), shmhub_array_data(a));
    }
    shmhub_segment_close(seg);
    return bad;
}

static void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int parse_dtype(const char *text, shmhub_dtype *d) {
    if (!text) { *d = SHMHUB_DTYPE_FLOAT32; return 0; }
    return shmhub_dtype_from_str(text, d) == SHMHUB_OK ? 0 : fail("dtype");
}

static const uint64_t STREAM_SHAPE[2] = {4, 6};

static int write_stream(const char *name, uint64_t n, shmhub_dtype d, long interval_us) {
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = (uint32_t)(n + 2 > 8 ? n + 2 : 8);
    shmhub_stream *s = NULL;
    if (shmhub_stream_create(name, d, 2, STREAM_SHAPE, &o, &s) != SHMHUB_OK) return fail("stream_create");
    size_t nb = (size_t)shmhub_stream_frame_nbytes(s);
    unsigned char *buf = malloc(nb);
    if (!buf) { shmhub_stream_close(s); return 2; }
    int rc = 0;
    for (uint64_t seq = 1; seq <= n; seq++) {
        fill(d, seq, nb / shmhub_dtype_size(d), buf);
        if (shmhub_stream_write(s, buf, nb) != SHMHUB_OK) { rc = fail("stream_write"); break; }
        if (interval_us > 0) sleep_us(interval_us);
    }
    free(buf);
    shmhub_stream_close(s);
    return rc;
}

static int read_stream(const char *name, uint64_t n, shmhub_dtype d, long timeout_ms) {
    shmhub_stream *s = NULL;
    for (long waited = 0;; waited += 10) {
        shmhub_status st = shmhub_stream_open(name, NULL, &s);
        if (st == SHMHUB_OK) break;
        if (st != SHMHUB_E_NOT_FOUND || waited >= timeout_ms) return fail("stream_open");
        sleep_us(10000);
    }
    int rc = 0;
    if (shmhub_stream_dtype(s) != d) {
        fprintf(stderr, "c_peer: %s: dtype %s, expected %s\n", name, shmhub_dtype_name(shmhub_stream_dtype(s)),
                shmhub_dtype_name(d));
        shmhub_stream_close(s);
        return 1;
    }
    size_t nb = (size_t)shmhub_stream_frame_nbytes(s);
    unsigned char *buf = malloc(nb);
    if (!buf) { shmhub_stream_close(s); return 2; }
    shmhub_stream_seek(s, 0);
    for (uint64_t seq = 1; seq <= n && rc == 0; seq++) {
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        if (shmhub_stream_read_next(s, buf, nb, timeout_ms * 1000000, &info) != SHMHUB_OK) { rc = fail("read_next"); break; }
        if (info.seq != seq || info.missed != 0) {
            fprintf(stderr, "c_peer: %s: read_next gave seq %llu missed %llu, expected seq %llu\n", name,
                    (unsigned long long)info.seq, (unsigned long long)info.missed, (unsigned long long)seq);
            rc = 1;
            break;
        }
        rc = check("read_next", d, seq, nb / shmhub_dtype_size(d), buf);
    }
    if (rc == 0) {
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        if (shmhub_stream_read_latest(s, buf, nb, &info) != SHMHUB_OK) rc = fail("read_latest");
        else if (info.seq != n) {
            fprintf(stderr, "c_peer: %s: read_latest gave seq %llu, expected %llu\n", name,
                    (unsigned long long)info.seq, (unsigned long long)n);
            rc = 1;
        } else rc = check("read_latest", d, n, nb / shmhub_dtype_size(d), buf);
    }
    free(buf);
    shmhub_stream_close(s);
    return rc;
}

/* ---- dictionaries ---------------------------------------------------------------------------- */
/* (1.1: the peer also compiles against the 1.0 header, tests/abi/test_abi_1_0_compat.sh.) */
#if SHMHUB_VERSION_NUMBER >= 10100

static const char DICT_STR[] = "h\xc3\xa9llo, w\xc3\xb6rld \xe2\x9c\x93";
static const unsigned char DICT_PICKLE[16] = {128, 2, 75, 1, 88, 1, 0, 0, 0, 97, 113, 0, 134, 113, 1, 46};
#define DICT_BIG (1u << 20)

typedef struct dict_entry { const char *key; uint32_t type; size_t n; unsigned char *bytes; } dict_entry;

/* The nine entries (their bytes malloc'ed; free with free_entries). */
static int dict_entries(dict_entry *e) {
    int64_t i64 = -1234567890123LL, ctr = 42;
    double f64 = 6.02214076e23;
    unsigned char *b = malloc(256), *big = malloc(DICT_BIG), *nd = malloc(8 + 16 + 48);
    unsigned char *pi = malloc(8), *pf = malloc(8), *pc = malloc(8), *ps = malloc(sizeof DICT_STR);
    unsigned char *pp = malloc(sizeof DICT_PICKLE), *pe = malloc(1);
    if (!b || !big || !nd || !pi || !pf || !pc || !ps || !pp || !pe) return -1;
    for (int i = 0; i < 256; i++) b[i] = (unsigned char)i;
    for (uint32_t i = 0; i < DICT_BIG; i++) big[i] = (unsigned char)((i * 7) & 0xff);
    uint32_t hd[2] = {SHMHUB_DTYPE_FLOAT32, 2};
    uint64_t shape[2] = {3, 4};
    memcpy(nd, hd, 8);
    memcpy(nd + 8, shape, 16);
    for (int i = 0; i < 12; i++) {
        float x = (float)i * 0.5f - 1.0f;
        memcpy(nd + 24 + 4 * i, &x, 4);
    }
    memcpy(pi, &i64, 8);
    memcpy(pf, &f64, 8);
    memcpy(pc, &ctr, 8);
    memcpy(ps, DICT_STR, sizeof DICT_STR);
    memcpy(pp, DICT_PICKLE, sizeof DICT_PICKLE);
    dict_entry all[9] = {
        {"i64", SHMHUB_VALUE_I64, 8, pi},           {"f64", SHMHUB_VALUE_F64, 8, pf},
        {"counter", SHMHUB_VALUE_I64, 8, pc},       {"str", SHMHUB_VALUE_STR, sizeof DICT_STR - 1, ps},
        {"bytes", SHMHUB_VALUE_BYTES, 256, b},      {"empty", SHMHUB_VALUE_BYTES, 0, pe},
        {"big", SHMHUB_VALUE_BYTES, DICT_BIG, big}, {"ndarray", SHMHUB_VALUE_NDARRAY, 72, nd},
        {"pickle", SHMHUB_VALUE_PICKLE, sizeof DICT_PICKLE, pp},
    };
    memcpy(e, all, sizeof all);
    return 9;
}

static void free_entries(dict_entry *e, int n) {
    for (int i = 0; i < n; i++) free(e[i].bytes);
}

static int write_dict(const char *name) {
    dict_entry e[9];
    int n = dict_entries(e);
    if (n < 0) return fail("malloc");
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    o.capacity = 64;
    o.value_bytes = 4u << 20;
    shmhub_dict *d = NULL;
    int rc = 0;
    if (shmhub_dict_create(name, &o, &d) != SHMHUB_OK) rc = fail("dict_create");
    for (int i = 0; rc == 0 && i < n; i++) {
        if (strcmp(e[i].key, "counter") == 0) {
            for (int k = 0; k < 42 && rc == 0; k++)
                if (shmhub_dict_add_i64(d, "counter", 1, NULL) != SHMHUB_OK) rc = fail("dict_add_i64");
        } else if (shmhub_dict_set(d, e[i].key, e[i].type, e[i].bytes, e[i].n) != SHMHUB_OK) {
            rc = fail("dict_set");
        }
    }
    shmhub_dict_close(d);
    free_entries(e, n);
    return rc;
}

static int check_dict(const char *name) {
    dict_entry e[9];
    int n = dict_entries(e);
    if (n < 0) return fail("malloc");
    shmhub_dict *d = NULL;
    int rc = 0;
    unsigned char *buf = malloc(DICT_BIG);
    if (!buf || shmhub_dict_open(name, NULL, &d) != SHMHUB_OK) rc = fail("dict_open");
    if (rc == 0 && shmhub_dict_len(d) != (uint64_t)n) {
        fprintf(stderr, "c_peer: dict '%s' has %llu keys, expected %d\n", name,
                (unsigned long long)shmhub_dict_len(d), n);
        rc = 1;
    }
    for (int i = 0; rc == 0 && i < n; i++) {
        uint32_t type = 0;
        size_t got = 0;
        if (shmhub_dict_get(d, e[i].key, &type, buf, DICT_BIG, &got) != SHMHUB_OK) {
            rc = fail("dict_get");
        } else if (type != e[i].type || got != e[i].n || memcmp(buf, e[i].bytes, got) != 0) {
            fprintf(stderr, "c_peer: dict '%s': key '%s' differs (type %u, %zu bytes)\n", name,
                    e[i].key, type, got);
            rc = 1;
        }
    }
    shmhub_dict_close(d);
    free(buf);
    free_entries(e, n);
    return rc;
}

#endif

static int usage(void) {
    fprintf(stderr, "usage: c_peer write-arrays NAME | check-arrays NAME |\n"
                    "       write-stream NAME N [DTYPE] [INTERVAL_US] | read-stream NAME N [DTYPE] [TIMEOUT_MS] |\n"
                    "       write-dict NAME | check-dict NAME\n");
    return 2;
}

int main(int argc, char **argv) {
    if (shmhub_check_version(SHMHUB_VERSION_NUMBER) != SHMHUB_OK) return fail("check_version");
    if (argc < 3) return usage();
    const char *cmd = argv[1], *name = argv[2];
    if (strcmp(cmd, "write-arrays") == 0 && argc == 3) return write_arrays(name);
    if (strcmp(cmd, "check-arrays") == 0 && argc == 3) return check_arrays(name);
#if SHMHUB_VERSION_NUMBER >= 10100
    if (strcmp(cmd, "write-dict") == 0 && argc == 3) return write_dict(name);
    if (strcmp(cmd, "check-dict") == 0 && argc == 3) return check_dict(name);
#endif
    if ((strcmp(cmd, "write-stream") == 0 || strcmp(cmd, "read-stream") == 0) && argc >= 4 && argc <= 6) {
        uint64_t n = strtoull(argv[3], NULL, 10);
        shmhub_dtype d;
        if (parse_dtype(argc > 4 ? argv[4] : NULL, &d)) return 2;
        if (n == 0 || n > 60000) return usage();
        if (cmd[0] == 'w') return write_stream(name, n, d, argc > 5 ? atol(argv[5]) : 0);
        return read_stream(name, n, d, argc > 5 ? atol(argv[5]) : 5000);
    }
    return usage();
}
