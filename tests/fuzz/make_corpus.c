/* Writes the seed corpora: real segment images made by the library itself.
 * Usage: make_corpus OUTDIR [STREAM_OUTDIR] (tests/fuzz/corpus/ came from OUTDIR; the stream and
 * container images in tests/fuzz/corpus_open/ from STREAM_OUTDIR: streams with a few frames
 * written, a dictionary with keys set and deleted, a pool with a buffer owned, a synched segment
 * after a round with profiling on). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmhub.h"

static int emit(const char *outdir, const char *file, shmhub_layout *l) {
    char tmpl[] = "/tmp/shmhub-corpus.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = tmpl;
    shmhub_segment *s = NULL;
    if (shmhub_segment_create("seed", l, &o, &s) != SHMHUB_OK) {
        fprintf(stderr, "%s: %s\n", file, shmhub_last_error());
        return 1;
    }
    /* some non-zero data, deterministic */
    for (size_t i = 0; i < shmhub_segment_array_count(s); i++) {
        const shmhub_array *a = NULL;
        shmhub_segment_array_at(s, i, &a);
        unsigned char *p = shmhub_array_data(a);
        for (uint64_t j = 0; j < shmhub_array_nbytes(a); j++) p[j] = (unsigned char)(j * 31 + i);
    }
    char src[512], dst[1024];
    snprintf(src, sizeof src, "%s", shmhub_segment_path(s));
    snprintf(dst, sizeof dst, "%s/%s", outdir, file);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int rc = !in || !out;
    char buf[4096];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = fwrite(buf, 1, n, out) != n;
    if (in) fclose(in);
    if (out) fclose(out);
    shmhub_segment_close(s);
    shmhub_unlink_in("seed", tmpl);
    rmdir(tmpl);
    shmhub_layout_free(l);
    printf("%s\n", dst);
    return rc;
}

/* A stream segment with `frames` frames written (a loan abandoned on the way). */
static int emit_stream(const char *outdir, const char *file, uint32_t slots, uint32_t mode,
                       uint64_t words, int frames) {
    char tmpl[] = "/tmp/shmhub-corpus.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = tmpl;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = slots;
    o.writer_mode = mode;
    o.segment = &so;
    shmhub_stream *s = NULL;
    uint64_t shape[1] = {words};
    if (shmhub_stream_create("seed", SHMHUB_DTYPE_UINT64, 1, shape, &o, &s) != SHMHUB_OK) {
        fprintf(stderr, "%s: %s\n", file, shmhub_last_error());
        return 1;
    }
    uint64_t *f = calloc(words, 8);
    for (int i = 0; i < frames; i++) {
        for (uint64_t j = 0; j < words; j++) f[j] = (uint64_t)i * 1000 + j;
        shmhub_stream_write(s, f, words * 8);
        if (i == 1) {
            void *l = NULL;
            if (shmhub_stream_loan(s, &l) == SHMHUB_OK) shmhub_stream_abandon(s);
        }
    }
    free(f);
    char src[512], dst[1024];
    snprintf(src, sizeof src, "%s", shmhub_segment_path(shmhub_stream_segment(s)));
    snprintf(dst, sizeof dst, "%s/%s", outdir, file);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int rc = !in || !out;
    char buf[4096];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = fwrite(buf, 1, n, out) != n;
    if (in) fclose(in);
    if (out) fclose(out);
    shmhub_stream_close(s);
    shmhub_unlink_in("seed", tmpl);
    rmdir(tmpl);
    printf("%s\n", dst);
    return rc;
}

static int copy_out(const char *src, const char *outdir, const char *file) {
    char dst[1024];
    snprintf(dst, sizeof dst, "%s/%s", outdir, file);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    int rc = !in || !out;
    char buf[4096];
    size_t n;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0) rc = fwrite(buf, 1, n, out) != n;
    if (in) fclose(in);
    if (out) fclose(out);
    printf("%s\n", dst);
    return rc;
}

/* A dictionary (capacity 8, 1 KiB of values) with keys of every type, one deleted. */
static int emit_dict(const char *outdir, const char *file) {
    char tmpl[] = "/tmp/shmhub-corpus.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = tmpl;
    shmhub_dict_opts o = SHMHUB_DICT_OPTS_INIT;
    o.capacity = 8;
    o.value_bytes = 1024;
    o.segment = &so;
    shmhub_dict *d = NULL;
    if (shmhub_dict_create("seed", &o, &d) != SHMHUB_OK) {
        fprintf(stderr, "%s: %s\n", file, shmhub_last_error());
        return 1;
    }
    unsigned char v[40];
    memset(v, 0x42, sizeof v);
    int rc = shmhub_dict_set(d, "k", SHMHUB_VALUE_BYTES, v, sizeof v) != SHMHUB_OK;
    rc |= shmhub_dict_set(d, "name", SHMHUB_VALUE_STR, "shmhub", 6) != SHMHUB_OK;
    rc |= shmhub_dict_add_i64(d, "counter", 3, NULL) != SHMHUB_OK;
    rc |= shmhub_dict_set_f64(d, "pi", 3.25) != SHMHUB_OK;
    rc |= shmhub_dict_set_i64(d, "gone", 1) != SHMHUB_OK;
    rc |= shmhub_dict_delete(d, "gone") != SHMHUB_OK;
    rc |= copy_out(shmhub_segment_path(shmhub_dict_segment(d)), outdir, file);
    shmhub_dict_close(d);
    shmhub_unlink_in("seed", tmpl);
    rmdir(tmpl);
    return rc;
}

/* A pool of two classes with one buffer owned by this (then gone) process. */
static int emit_pool(const char *outdir, const char *file) {
    char tmpl[] = "/tmp/shmhub-corpus.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = tmpl;
    shmhub_pool_class cls[2] = {{64, 3, 0}, {256, 2, 0}};
    shmhub_pool_opts o = SHMHUB_POOL_OPTS_INIT;
    o.nclasses = 2;
    o.classes = cls;
    o.segment = &so;
    shmhub_pool *p = NULL;
    if (shmhub_pool_create("seed", &o, &p) != SHMHUB_OK) {
        fprintf(stderr, "%s: %s\n", file, shmhub_last_error());
        return 1;
    }
    shmhub_buffer *a = NULL, *b = NULL;
    int rc = shmhub_pool_acquire(p, 10, 0, &a) != SHMHUB_OK;
    rc |= shmhub_pool_acquire(p, 200, 0, &b) != SHMHUB_OK;
    if (!rc) shmhub_pool_release(p, a);
    rc |= copy_out(shmhub_segment_path(shmhub_pool_segment(p)), outdir, file);
    shmhub_buffer_close(b);
    shmhub_pool_close(p);
    shmhub_unlink_in("seed", tmpl);
    rmdir(tmpl);
    return rc;
}

/* A synched segment of one worker (profile on) after two rounds. */
static int emit_synched(const char *outdir, const char *file) {
    char tmpl[] = "/tmp/shmhub-corpus.XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = tmpl;
    shmhub_synched_opts o = SHMHUB_SYNCHED_OPTS_INIT;
    o.flags = SHMHUB_SYNCHED_PROFILE;
    o.profile_rounds = 4;
    o.segment = &so;
    shmhub_synched *s = NULL;
    if (shmhub_synched_create("seed", SHMHUB_DTYPE_FLOAT64, 1, 4, &o, &s) != SHMHUB_OK) {
        fprintf(stderr, "%s: %s\n", file, shmhub_last_error());
        return 1;
    }
    int rc = shmhub_synched_attach(s, 0) != SHMHUB_OK;
    double v[4] = {1, 2, 3, 4};
    for (int r = 0; r < 2 && !rc; r++)
        rc |= shmhub_synched_write_and_sync(s, v, sizeof v, 0) != SHMHUB_OK;
    rc |= copy_out(shmhub_segment_path(shmhub_synched_segment(s)), outdir, file);
    shmhub_synched_close(s);
    shmhub_unlink_in("seed", tmpl);
    rmdir(tmpl);
    return rc;
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s OUTDIR [STREAM_OUTDIR]\n", argv[0]);
        return 2;
    }
    int rc = 0;
    shmhub_layout *l;

    shmhub_layout_new(&l);
    uint64_t four[1] = {4};
    shmhub_layout_add(l, "x", SHMHUB_DTYPE_FLOAT32, 1, four);
    rc |= emit(argv[1], "one_array.seg", l);

    shmhub_layout_new(&l);
    uint64_t v[1] = {16}, m[2] = {2, 3}, w[1] = {5};
    shmhub_layout_add(l, "bytes", SHMHUB_DTYPE_UINT8, 1, v);
    shmhub_layout_add(l, "mat", SHMHUB_DTYPE_FLOAT64, 2, m);
    shmhub_layout_add(l, "i16", SHMHUB_DTYPE_INT16, 1, w);
    rc |= emit(argv[1], "three_arrays.seg", l);

    shmhub_layout_new(&l);
    shmhub_layout_add(l, "s", SHMHUB_DTYPE_COMPLEX128, 0, NULL);
    rc |= emit(argv[1], "scalar.seg", l);

    shmhub_layout_new(&l);
    rc |= emit(argv[1], "empty_layout.seg", l);

    shmhub_layout_new(&l);
    uint64_t z[3] = {2, 0, 7}, n8[8] = {1, 2, 1, 2, 1, 2, 1, 2};
    shmhub_layout_add(l, "zero", SHMHUB_DTYPE_UINT32, 3, z);
    shmhub_layout_add(l, "eight_dims", SHMHUB_DTYPE_BOOL, 8, n8);
    rc |= emit(argv[1], "zero_extent_8d.seg", l);
    if (argc == 3) {
        rc |= emit_stream(argv[2], "stream_2slots.seg", 2, SHMHUB_WRITER_SINGLE, 1, 5);
        rc |= emit_stream(argv[2], "stream_multi.seg", 4, SHMHUB_WRITER_MULTI, 8, 3);
        rc |= emit_stream(argv[2], "stream_empty.seg", 3, SHMHUB_WRITER_SINGLE, 2, 0);
        rc |= emit_dict(argv[2], "dict.seg");
        rc |= emit_pool(argv[2], "pool.seg");
        rc |= emit_synched(argv[2], "synched.seg");
    }
    return rc;
}
