/* libFuzzer target for the layout builder (shmhub_layout_new/add/count/free) and what is built
 * from it: the input is a program of shmhub_layout_add calls (name, dtype, ndim, shape bytes,
 * including invalid ones). Every refusal must carry a message and leave the count unchanged;
 * when the layout is small enough, a segment is created from it in a private directory, opened
 * again, and each array must come back with the name, dtype, shape and size that were added. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char g_dir[256];
static void cleanup(void) {
    if (g_dir[0]) rmdir(g_dir);
}

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;
static uint8_t take8(reader *r) {
    if (!r->n) return 0;
    r->n--;
    return *r->p++;
}
static uint64_t take64(reader *r) {
    uint8_t mode = take8(r);
    if (mode < 200) return mode % 9; /* mostly small extents: creatable layouts */
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | take8(r);
    return v;
}

#define MAX_OPS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!g_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/shmhub-fuzzlayout.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(g_dir)) abort();
        atexit(cleanup);
    }
    reader r = {data, size};
    shmhub_layout *l = NULL;
    if (shmhub_layout_new(&l) != SHMHUB_OK || !l) __builtin_trap();
    char names[MAX_OPS][80];
    int32_t dtypes[MAX_OPS];
    uint32_t ndims[MAX_OPS];
    uint64_t shapes[MAX_OPS][SHMHUB_MAX_NDIM];
    size_t added = 0;
    uint64_t total = 0;
    for (int op = 0; op < MAX_OPS && r.n; op++) {
        char name[80];
        size_t len = take8(&r) % sizeof name;
        for (size_t i = 0; i < len; i++) name[i] = (char)take8(&r);
        name[len] = '\0';
        int32_t dtype = (int8_t)take8(&r);
        uint32_t ndim = take8(&r) % 11; /* up to 10: above SHMHUB_MAX_NDIM too */
        uint64_t shape[10];
        for (uint32_t i = 0; i < ndim; i++) shape[i] = take64(&r);
        int null_shape = ndim && take8(&r) == 0xff;
        size_t before = shmhub_layout_count(l);
        shmhub_status st = shmhub_layout_add(l, name, dtype, ndim, null_shape ? NULL : shape);
        size_t after = shmhub_layout_count(l);
        if (st == SHMHUB_OK) {
            if (after != before + 1 || ndim > SHMHUB_MAX_NDIM || !shmhub_dtype_size(dtype))
                __builtin_trap();
            uint64_t nb = shmhub_dtype_size(dtype);
            for (uint32_t i = 0; i < ndim; i++)
                nb = shape[i] && nb > UINT64_MAX / shape[i] ? UINT64_MAX : nb * shape[i];
            total = total > UINT64_MAX - nb ? UINT64_MAX : total + nb;
            memcpy(names[added], name, len + 1);
            dtypes[added] = dtype;
            ndims[added] = ndim;
            memcpy(shapes[added], shape, ndim * sizeof shape[0]);
            added++;
        } else if (after != before || !shmhub_last_error()[0]) {
            __builtin_trap(); /* a refusal changes nothing and says why */
        }
    }
    if (added != shmhub_layout_count(l)) __builtin_trap();
    if (total <= (1u << 20) && added) { /* build it, open it, and compare */
        shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
        o.dir = g_dir;
        o.flags = SHMHUB_UNLINK_ON_CLOSE;
        shmhub_segment *s = NULL;
        shmhub_status st = shmhub_segment_create("layout", l, &o, &s);
        if (st == SHMHUB_OK) {
            shmhub_segment_opts ro = SHMHUB_SEGMENT_OPTS_INIT;
            ro.dir = g_dir;
            shmhub_segment *t = NULL;
            if (shmhub_segment_open("layout", &ro, &t) != SHMHUB_OK) __builtin_trap();
            if (shmhub_segment_array_count(t) != added) __builtin_trap();
            for (size_t i = 0; i < added; i++) {
                const shmhub_array *a = NULL;
                if (shmhub_segment_find(t, names[i], &a) != SHMHUB_OK) __builtin_trap();
                if (shmhub_array_dtype(a) != dtypes[i] || shmhub_array_ndim(a) != ndims[i] ||
                    memcmp(shmhub_array_shape(a), shapes[i], ndims[i] * sizeof(uint64_t)) ||
                    shmhub_array_offset(a) % SHMHUB_ALIGNMENT ||
                    shmhub_array_offset(a) + shmhub_array_nbytes(a) > shmhub_segment_size(t))
                    __builtin_trap();
            }
            shmhub_segment_close(t);
            shmhub_segment_close(s);
        } else if (!shmhub_last_error()[0]) {
            __builtin_trap();
        }
    }
    shmhub_layout_free(l);
    return 0;
}
