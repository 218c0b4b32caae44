/* libFuzzer target for the segment validator (src/segment.c: shmhub__validate), the code that
 * decides whether bytes another process wrote may be trusted. Every input is validated in memory;
 * every 16th is also written to a file and opened through the public shmhub_segment_open, so the
 * wait-for-ready, fstat and mmap paths are fuzzed too. A crash, a sanitizer report or an accepted
 * image whose arrays do not fit is a bug. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char g_dir[256];
static char g_path[512];

static void cleanup(void) {
    if (g_path[0]) unlink(g_path);
    if (g_dir[0]) rmdir(g_dir);
}

static void init_dir(void) {
    const char *base = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/shmhub-fuzz.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        abort();
    }
    snprintf(g_path, sizeof g_path, "%s/shmhub.fuzz", g_dir);
    atexit(cleanup);
}

/* What validate accepted must be self-consistent and inside the buffer. */
static void check_accepted(const shmhub_segment *seg, const unsigned char *base, size_t size) {
    for (size_t i = 0; i < seg->narrays; i++) {
        const struct shmhub_array *a = &seg->arrays[i];
        size_t dsz = shmhub_dtype_size(a->dtype);
        if (!dsz || a->ndim > SHMHUB_MAX_NDIM || a->offset % SHMHUB_ALIGNMENT ||
            a->offset > size || a->nbytes > size - a->offset ||
            (const unsigned char *)a->data != base + a->offset || !memchr(a->name, 0, sizeof a->name))
            __builtin_trap();
        if (i && a->offset < seg->arrays[i - 1].offset + seg->arrays[i - 1].nbytes)
            __builtin_trap(); /* overlap */
        if (a->nbytes) { /* touch both ends: ASan reports any byte outside the input */
            volatile unsigned char sink = ((const unsigned char *)a->data)[0];
            sink = ((const unsigned char *)a->data)[a->nbytes - 1];
            (void)sink;
        }
    }
}

static void validate_one(const unsigned char *buf, size_t size) {
    shmhub_segment seg;
    memset(&seg, 0, sizeof seg);
    if (shmhub__validate(buf, size, "fuzz", &seg) == SHMHUB_OK) {
        check_accepted(&seg, buf, size);
    } else if (!shmhub_last_error()[0]) {
        __builtin_trap(); /* a failure must always leave a message */
    }
    free(seg.arrays);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static unsigned long n = 0;
    if (!g_dir[0]) init_dir();

    /* an exactly-sized, 64-byte aligned copy (like a mapping's base, but ASan sees its end) */
    unsigned char *buf = NULL;
    if (posix_memalign((void **)&buf, 64, size ? size : 1) != 0) return 0;
    if (size) memcpy(buf, data, size);
    validate_one(buf, size);
    /* The checksum stops most mutations at the door; validate a copy with a recomputed checksum
     * as well, so the structural checks behind it (directory, offsets, shapes) get fuzzed. */
    int fixed = 0;
    if (size >= sizeof(shmhub__header)) {
        shmhub__header *h = (shmhub__header *)(void *)buf;
        if (h->immutable_end <= size) {
            uint64_t sum = shmhub__checksum(buf, h->immutable_end);
            if (sum != h->checksum) {
                h->checksum = sum;
                fixed = 1;
                validate_one(buf, size);
            }
        }
    }

    if (n++ % 16 == 0) {
        /* the file gets the checksum-fixed bytes when there are any (alternately the raw ones) */
        const unsigned char *bytes = (fixed && (n / 16) % 2) ? buf : data;
        int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            free(buf);
            return 0;
        }
        size_t put = 0;
        while (put < size) {
            ssize_t w = write(fd, bytes + put, size - put);
            if (w <= 0) break;
            put += (size_t)w;
        }
        close(fd);
        shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
        o.dir = g_dir;
        o.open_timeout_ns = 0;
        shmhub_segment *s = NULL;
        shmhub_status st = shmhub_segment_open("fuzz", &o, &s);
        if (st == SHMHUB_OK) {
            const shmhub_array *a = NULL;
            for (size_t i = 0; i < shmhub_segment_array_count(s); i++) {
                if (shmhub_segment_array_at(s, i, &a) != SHMHUB_OK) __builtin_trap();
                if (shmhub_array_offset(a) + shmhub_array_nbytes(a) > shmhub_segment_size(s))
                    __builtin_trap();
                if (shmhub_array_nbytes(a)) { /* the mapping really covers it */
                    volatile unsigned char *p = shmhub_array_data(a);
                    (void)p[shmhub_array_nbytes(a) - 1];
                }
            }
            shmhub_segment_close(s);
        } else if (s != NULL || !shmhub_last_error()[0]) {
            __builtin_trap();
        }
        unlink(g_path);
    }
    free(buf);
    return 0;
}
