/* libFuzzer target for opening a segment of every kind from a crafted file: the input is written
 * to a file and opened through the public calls, as another process's bytes would be:
 * shmhub_segment_open (any kind) and shmhub_stream_open (kind stream). An opened stream is then
 * read (read_latest, read_next with timeout 0, peek + validate, wait 0) over its mutable control
 * area, which the input also sets: head, slot locks, waiters, writer identity. Every other input
 * also gets its header checksum recomputed, so the checks behind the checksum are reached.
 * A crash, a sanitizer report, a hang (libFuzzer -timeout) or a failure without a message is a bug
 * (issue 12 defect 8, a head near UINT64_MAX that made read_next with timeout 0 spin forever,
 * is one such hang). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static char g_dir[256], g_path[512];

static void cleanup(void) {
    if (g_path[0]) unlink(g_path);
    if (g_dir[0]) rmdir(g_dir);
}

static int put_file(const unsigned char *p, size_t n) {
    int fd = open(g_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w <= 0) break;
        done += (size_t)w;
    }
    close(fd);
    return done == n ? 0 : -1;
}

static void exercise_stream(shmhub_stream *s) {
    uint64_t n = shmhub_stream_frame_nbytes(s);
    if (!n || n > (64u << 20)) __builtin_trap(); /* open accepted an impossible frame size */
    unsigned char *buf = malloc(n);
    if (!buf) return;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    for (int i = 0; i < 3; i++) {
        shmhub_status st = shmhub_stream_read_next(s, buf, n, 0, &info);
        if (st != SHMHUB_OK && !shmhub_last_error()[0]) __builtin_trap();
    }
    shmhub_stream_seek(s, 0);
    (void)shmhub_stream_read_next(s, buf, n, 0, &info);
    (void)shmhub_stream_read_latest(s, buf, n, &info);
    const void *f = NULL;
    if (shmhub_stream_peek(s, &f, &info) == SHMHUB_OK) {
        volatile const unsigned char *p = f; /* inside the mapping */
        (void)p[0];
        (void)p[n - 1];
        (void)shmhub_stream_validate(s, &info);
    }
    (void)shmhub_stream_wait(s, 0);
    (void)shmhub_stream_count(s);
    (void)shmhub_stream_writer_pid(s);
    free(buf);
}

static void open_all(void) {
    shmhub_segment_opts o = SHMHUB_SEGMENT_OPTS_INIT;
    o.dir = g_dir;
    o.open_timeout_ns = 0;
    shmhub_segment *seg = NULL;
    shmhub_status st = shmhub_segment_open("fuzz", &o, &seg);
    if (st == SHMHUB_OK) {
        for (size_t i = 0; i < shmhub_segment_array_count(seg); i++) {
            const shmhub_array *a = NULL;
            if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK) __builtin_trap();
            if (shmhub_array_offset(a) + shmhub_array_nbytes(a) > shmhub_segment_size(seg))
                __builtin_trap();
        }
        shmhub_segment_close(seg);
    } else if (seg || !shmhub_last_error()[0]) {
        __builtin_trap();
    }
    shmhub_stream_opts so = SHMHUB_STREAM_OPTS_INIT;
    so.segment = &o;
    so.lock_timeout_ns = 0;
    shmhub_stream *s = NULL;
    st = shmhub_stream_open("fuzz", &so, &s);
    if (st == SHMHUB_OK) {
        exercise_stream(s);
        shmhub_stream_close(s);
    } else if (s || !shmhub_last_error()[0]) {
        __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static unsigned long n = 0;
    if (!g_dir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(g_dir, sizeof g_dir, "%s/shmhub-fuzzopen.XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(g_dir)) abort();
        snprintf(g_path, sizeof g_path, "%s/shmhub.fuzz", g_dir); /* shmhub__path */
        atexit(cleanup);
    }
    if (size > (8u << 20)) return 0;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) return 0;
    if (size) memcpy(buf, data, size);
    if (size >= sizeof(shmhub__header)) {
        shmhub__header *h = (shmhub__header *)(void *)buf;
        if ((n++ & 1) && h->immutable_end <= size) h->checksum = shmhub__checksum(buf, h->immutable_end);
    }
    if (put_file(buf, size) == 0) open_all();
    unlink(g_path);
    free(buf);
    return 0;
}
