/* libFuzzer target for opening a segment of every kind from a crafted file: the input is written
 * to a file and opened through the public calls, as another process's bytes would be:
 * shmhub_segment_open (any kind, then a lock and unlock of its segment lock with timeout 0),
 * shmhub_stream_open, shmhub_dict_open, shmhub_pool_open and shmhub_synched_open. An opened stream
 * is then read (read_latest, read_next with timeout 0, peek + validate, wait 0) over its mutable
 * control area, which the input also sets: head, slot locks, waiters, writer identity; an opened
 * dict is read and written (get, contains, keys, set, add, delete), a pool acquires, adopts,
 * reclaims and releases, a synched segment attaches and runs a barrier with timeout 0, over the
 * control words, tables, heaps and owner words the input sets. Every other input
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

static void exercise_dict(shmhub_dict *d) {
    unsigned char buf[256];
    uint32_t type = 0;
    size_t n = 0;
    int64_t v = 0;
    shmhub_status st = shmhub_dict_get(d, "k", &type, buf, sizeof buf, &n);
    if (st == SHMHUB_OK && n > sizeof buf) __builtin_trap();
    if (st != SHMHUB_OK && !shmhub_last_error()[0]) __builtin_trap();
    (void)shmhub_dict_contains(d, "counter");
    (void)shmhub_dict_get_i64(d, "counter", &v);
    shmhub_list *l = NULL;
    if (shmhub_dict_keys(d, &l) == SHMHUB_OK) {
        for (size_t i = 0; i < shmhub_list_count(l); i++)
            if (!shmhub_list_name(l, i)) __builtin_trap();
        shmhub_list_close(l);
    }
    memset(buf, 7, sizeof buf);
    st = shmhub_dict_set(d, "k", SHMHUB_VALUE_BYTES, buf, sizeof buf);
    if (st != SHMHUB_OK && !shmhub_last_error()[0]) __builtin_trap();
    (void)shmhub_dict_add_i64(d, "counter", 1, &v);
    (void)shmhub_dict_delete(d, "k");
    (void)shmhub_dict_len(d);
    (void)shmhub_dict_bytes_used(d);
}

static void exercise_pool(shmhub_pool *p) {
    shmhub_buffer *b = NULL;
    shmhub_status st = shmhub_pool_acquire(p, 1, 0, &b);
    if (st == SHMHUB_OK) {
        volatile unsigned char *q = shmhub_buffer_data(b); /* inside the mapping */
        q[0] = 1;
        q[shmhub_buffer_size(b) - 1] = 1;
        (void)shmhub_pool_release(p, b);
    } else if (b || !shmhub_last_error()[0]) {
        __builtin_trap();
    }
    if (shmhub_pool_adopt(p, 0, &b) == SHMHUB_OK) (void)shmhub_pool_release(p, b);
    uint64_t c = 0;
    (void)shmhub_pool_reclaim(p, &c);
    for (uint32_t k = 0; k < shmhub_pool_nclasses(p); k++) {
        shmhub_pool_stats_info si = {.size = sizeof si};
        (void)shmhub_pool_stats(p, k, &si);
    }
}

static void exercise_synched(shmhub_synched *s) {
    uint32_t w = shmhub_synched_workers(s);
    if (!w) __builtin_trap();
    const void *g = NULL;
    if (shmhub_synched_global(s, &g) == SHMHUB_OK) {
        volatile const unsigned char *q = g; /* inside the mapping */
        (void)q[0];
    }
    int64_t prof[3 * 4];
    size_t rounds = 0;
    (void)shmhub_synched_profile(s, 0, prof, 4, &rounds);
    if (shmhub_synched_attach(s, 0) == SHMHUB_OK) {
        void *local = NULL;
        if (shmhub_synched_begin_write(s, &local, 0) == SHMHUB_OK) (void)shmhub_synched_sync(s, 0);
    }
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
        int32_t rec = 0;
        if (shmhub_segment_lock(seg, 0, &rec) == SHMHUB_OK &&
            shmhub_segment_unlock(seg) != SHMHUB_OK)
            __builtin_trap(); /* the lock this process just took */
        (void)shmhub_segment_lock_holder_pid(seg);
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
    shmhub_dict_opts dopt = SHMHUB_DICT_OPTS_INIT;
    dopt.segment = &o;
    dopt.lock_timeout_ns = 0;
    shmhub_dict *d = NULL;
    st = shmhub_dict_open("fuzz", &dopt, &d);
    if (st == SHMHUB_OK) {
        exercise_dict(d);
        shmhub_dict_close(d);
    } else if (d || !shmhub_last_error()[0]) {
        __builtin_trap();
    }
    shmhub_pool_opts popt = SHMHUB_POOL_OPTS_INIT;
    popt.segment = &o;
    shmhub_pool *p = NULL;
    st = shmhub_pool_open("fuzz", &popt, &p);
    if (st == SHMHUB_OK) {
        exercise_pool(p);
        shmhub_pool_close(p);
    } else if (p || !shmhub_last_error()[0]) {
        __builtin_trap();
    }
    shmhub_synched_opts yopt = SHMHUB_SYNCHED_OPTS_INIT;
    yopt.segment = &o;
    yopt.liveness_ns = 1000000;
    shmhub_synched *y = NULL;
    st = shmhub_synched_open("fuzz", &yopt, &y);
    if (st == SHMHUB_OK) {
        exercise_synched(y);
        shmhub_synched_close(y);
    } else if (y || !shmhub_last_error()[0]) {
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
