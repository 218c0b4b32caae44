/* GPU stream bookkeeping against the CUDA runtime test double (fake_cudart.c): handle storage, the
 * per-process import cache and its reference counts, importer registration and the creator's
 * wait, the order of stream operations (events), every CUDA failure path, bad input, the CPU
 * mirror and host registration. Runs without a GPU (and under ASan/TSan). */
#include "cuda_internal.h"
#include "fake_cudart.h"

#include "../unit/check.h"
#include "../unit/util.h"

#include <signal.h>
#include <sys/wait.h>

static char *dir;
static const uint64_t shape[2] = {5, 7};

static shmhub_segment_opts seg_opts(void) {
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.dir = dir;
    return so;
}

static shmhub_status create(const char *name, uint32_t flags, int64_t close_timeout,
                            shmhub_gpu_stream **out) {
    shmhub_segment_opts so = seg_opts();
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.segment = &so;
    o.flags = flags;
    o.slots = 3;
    o.close_timeout_ns = close_timeout;
    return shmhub_gpu_stream_create(name, SHMHUB_DTYPE_INT16, 2, shape, 0, &o, out);
}

static shmhub_status open_gpu(const char *name, shmhub_gpu_stream **out) {
    shmhub_segment_opts so = seg_opts();
    so.open_timeout_ns = 200000000;
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.segment = &so;
    return shmhub_gpu_stream_open(name, &o, out);
}

static void pattern(unsigned char *p, size_t n, int seed) {
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 7 + (size_t)seed);
}

/* "Device" buffers are plain memory of the double. */
static void *dev_alloc(size_t n) {
    void *p = NULL;
    cudaMalloc(&p, n);
    return p;
}

static int wait_child(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* ---- handle storage, same-process sharing, the order of stream operations ------------------------- */
static void test_create_write_read(void) {
    fake_cuda_reset();
    shmhub_gpu_stream *s = NULL, *same = NULL;
    CHECK_ST(create("g1", 0, 0, &s), SHMHUB_OK);
    if (!s) return;
    CHECK(fake_cuda_count("cudaMalloc") == 3 && fake_cuda_count("cudaIpcGetMemHandle") == 3);
    CHECK(fake_cuda_count("cudaIpcGetEventHandle") == 6);
    CHECK(shmhub_gpu_stream_is_creator(s) == 1 && shmhub_gpu_stream_slots(s) == 3);
    CHECK(shmhub_gpu_stream_frame_nbytes(s) == 70 && shmhub_gpu_stream_dtype(s) == SHMHUB_DTYPE_INT16);
    CHECK(shmhub_gpu_stream_ndim(s) == 2 && shmhub_gpu_stream_shape(s)[1] == 7);
    CHECK(shmhub_gpu_stream_mirror_name(s) == NULL && strcmp(shmhub_gpu_stream_name(s), "g1") == 0);

    /* The descriptor in the segment holds the handles, offsets and sizes. */
    const shmhub__gpu_ext *x = (const shmhub__gpu_ext *)(s->seg->base + s->seg->ext_offset);
    const shmhub__gpu_slot *sl = (const shmhub__gpu_slot *)(x + 1);
    CHECK(x->slots == 3 && x->frame_nbytes == 70 && x->version == SHMHUB__GPU_EXT_VERSION);
    for (int i = 0; i < 3; i++)
        CHECK(sl[i].handle_type == SHMHUB_GPU_HANDLE_CUDA_IPC && sl[i].offset == 0 &&
              sl[i].bytes == 70 && memcmp(sl[i].handle, "FAKECUDA", 8) == 0 &&
              memcmp(sl[i].written, "FAKECUDA", 8) == 0 && memcmp(sl[i].read, "FAKECUDA", 8) == 0);

    /* A second open in the creating process shares its allocation: no IPC import at all. */
    CHECK_ST(open_gpu("g1", &same), SHMHUB_OK);
    CHECK(fake_cuda_count("cudaIpcOpenMemHandle") == 0 && fake_cuda_same_process_opens() == 0);
    CHECK(same && shmhub_gpu_stream_is_creator(same));

    unsigned char src_h[70], out_h[70];
    pattern(src_h, 70, 1);
    void *src = dev_alloc(70), *dst = dev_alloc(70);
    memcpy(src, src_h, 70);
    void *cs = (void *)0x5; /* an opaque stream value: every operation must be ordered on it */
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_gpu_stream_read_latest_device(s, dst, 70, cs, &info), SHMHUB_E_EMPTY);
    fake_cuda_reset();
    CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, cs), SHMHUB_OK);
    const fake_cuda_op *ops;
    int n = fake_cuda_log(&ops);
    {
        /* write: wait for the slot's read event, copy into the frame, record its written event */
        CHECK(n == 3 && ops[0].op == 'W' && ops[1].op == 'C' && ops[2].op == 'R');
        CHECK(n == 3 && ops[1].b == src && ops[0].stream == cs && ops[1].stream == cs && ops[2].stream == cs);
        CHECK(n == 3 && ops[0].a != ops[2].a);
    }
    fake_cuda_reset();
    CHECK_ST(shmhub_gpu_stream_read_latest_device(same, dst, 70, cs, &info), SHMHUB_OK);
    n = fake_cuda_log(&ops);
    /* read: wait for the written event recorded by the write, copy out, record the read event */
    CHECK(n == 3 && ops[0].op == 'W' && ops[1].op == 'C' && ops[1].a == dst && ops[2].op == 'R');
    CHECK(info.seq == 1 && info.missed == 0 && info.timestamp_ns > 0);
    memcpy(out_h, dst, 70);
    CHECK(memcmp(out_h, src_h, 70) == 0);
    CHECK_ST(shmhub_gpu_stream_validate(same, &info), SHMHUB_OK);

    /* Zero-copy peek: only the event wait; then overwrite the slot and validate fails. */
    void *frame = NULL;
    fake_cuda_reset();
    CHECK_ST(shmhub_gpu_stream_peek_device(s, &frame, cs, &info), SHMHUB_OK);
    n = fake_cuda_log(&ops);
    CHECK(n == 1 && ops[0].op == 'W' && frame && memcmp(frame, src_h, 70) == 0);
    for (int i = 0; i < 3; i++) CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
    CHECK_ST(shmhub_gpu_stream_validate(s, &info), SHMHUB_E_OVERWRITTEN);
    CHECK(shmhub_gpu_stream_count(s) == 4);
    /* The handle's cursor: `same` last read frame 1, so reading frame 4 reports 2 missed. */
    CHECK_ST(shmhub_gpu_stream_read_latest_device(same, dst, 70, NULL, &info), SHMHUB_OK);
    CHECK(info.seq == 4 && info.missed == 2);
    CHECK_ST(shmhub_gpu_stream_wait(same, 0), SHMHUB_E_TIMEOUT);
    CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
    CHECK_ST(shmhub_gpu_stream_wait(same, 0), SHMHUB_OK);

    fake_cuda_reset();
    shmhub_gpu_stream_close(same);
    CHECK(fake_cuda_count("cudaFree") == 0); /* the creator's handle still holds the memory */
    shmhub_gpu_stream_close(s);
    CHECK(fake_cuda_count("cudaFree") == 3 && fake_cuda_count("cudaEventDestroy") == 6);
    cudaFree(src);
    cudaFree(dst);
    CHECK(fake_cuda_live_mappings() == 0);
    shmhub_unlink_in("g1", dir);
}

/* ---- another process: one import per process, refcounts, importer registry, creator waits ------- */
static void test_cross_process(void) {
    shmhub_gpu_stream *s = NULL;
    CHECK_ST(create("g2", 0, 5000000000, &s), SHMHUB_OK);
    if (!s) return;
    unsigned char src_h[70];
    pattern(src_h, 70, 2);
    void *src = dev_alloc(70);
    memcpy(src, src_h, 70);
    CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
    int to_parent[2], to_child[2];
    if (pipe(to_parent) != 0 || pipe(to_child) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        fake_cuda_reset();
        shmhub_gpu_stream *a = NULL, *b = NULL;
        int bad = 0;
        bad |= open_gpu("g2", &a) != SHMHUB_OK;
        bad |= open_gpu("g2", &b) != SHMHUB_OK;
        bad |= (fake_cuda_count("cudaIpcOpenMemHandle") != 3) << 1;      /* once per process */
        bad |= (fake_cuda_count("cudaIpcOpenEventHandle") != 6) << 2;
        bad |= (shmhub_gpu_stream_is_creator(a) != 0) << 3;
        void *dst = NULL;
        if (!bad) {
            dst = dev_alloc(70);
            shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
            bad |= (shmhub_gpu_stream_read_latest_device(b, dst, 70, NULL, &info) != SHMHUB_OK) << 4;
            unsigned char want[70];
            pattern(want, 70, 2);
            bad |= (memcmp(dst, want, 70) != 0) << 5;
        }
        shmhub_gpu_stream_close(a);
        bad |= (fake_cuda_count("cudaIpcCloseMemHandle") != 0) << 6;   /* b still holds it */
        char c = 'i';
        if (write(to_parent[1], &c, 1) != 1) bad |= 1 << 7;              /* "imported" */
        if (read(to_child[0], &c, 1) != 1) bad |= 1 << 7;                /* parent checked */
        int64_t t = util_now_ns(CLOCK_MONOTONIC);
        if (write(to_parent[1], &t, sizeof t) != (ssize_t)sizeof t) bad |= 1 << 7;
        util_sleep_ms(100);
        /* The creator is closing now, waiting for us: the stream still works meanwhile. */
        bad |= (shmhub_gpu_stream_read_latest_device(b, dst, 70, NULL, NULL) != SHMHUB_OK) << 10;
        shmhub_gpu_stream_close(b);
        bad |= (fake_cuda_count("cudaIpcCloseMemHandle") != 3) << 8;
        bad |= (fake_cuda_live_mappings() != 1) << 9;                   /* only dst is left */
        cudaFree(dst);
        _exit(bad);
    }
    char c = 0;
    CHECK(read(to_parent[0], &c, 1) == 1 && c == 'i');
    CHECK(shmhub_gpu_stream_importers(s) == 1);
    CHECK(write(to_child[1], &c, 1) == 1);
    int64_t child_close = 0;
    CHECK(read(to_parent[0], &child_close, sizeof child_close) == (ssize_t)sizeof child_close);
    fake_cuda_reset();
    shmhub_gpu_stream_close(s); /* waits for the child's import to close before freeing */
    int64_t after = util_now_ns(CLOCK_MONOTONIC);
    CHECK(after > child_close);
    int rc = wait_child(pid);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "cross-process child failures: 0x%x\n", rc);
    CHECK(fake_cuda_count("cudaFree") == 3);
    cudaFree(src);
    shmhub_unlink_in("g2", dir);
    close(to_parent[0]); close(to_parent[1]); close(to_child[0]); close(to_child[1]);
}

/* ---- lifetime: creator closed without waiting, creator died ----------------------------------------- */
static void test_lifetime(void) {
    /* close_timeout 0: the creator frees at once; the importer's reads say PEER_DEAD. */
    shmhub_gpu_stream *s = NULL;
    CHECK_ST(create("g3", 0, 0, &s), SHMHUB_OK);
    if (!s) return;
    void *src = dev_alloc(70);
    CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
    int p[2];
    if (pipe(p) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
        shmhub_gpu_stream *r = NULL;
        int bad = open_gpu("g3", &r) != SHMHUB_OK;
        char c = 'o';
        bad |= (write(p[1], &c, 1) != 1) << 1;
        for (int i = 0; i < 200 && shmhub_gpu_stream_write_device(r, src, 70, NULL) != SHMHUB_E_PEER_DEAD; i++)
            util_sleep_ms(10);
        void *dst = dev_alloc(70);
        bad |= (shmhub_gpu_stream_read_latest_device(r, dst, 70, NULL, NULL) != SHMHUB_E_PEER_DEAD) << 2;
        bad |= (strstr(shmhub_last_error(), "g3") == NULL) << 3;
        bad |= (shmhub_gpu_stream_wait(r, 1000000000) != SHMHUB_E_PEER_DEAD) << 4;
        shmhub_gpu_stream *again = NULL;
        bad |= (open_gpu("g3", &again) != SHMHUB_E_PEER_DEAD || again) << 5;
        shmhub_gpu_stream_close(r);
        cudaFree(dst);
        _exit(bad);
    }
    char c;
    CHECK(read(p[0], &c, 1) == 1);
    shmhub_gpu_stream_close(s);
    int rc = wait_child(pid);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "closed-creator child failures: 0x%x\n", rc);
    shmhub_unlink_in("g3", dir);

    /* The creator dies without closing: opens and reads report PEER_DEAD (liveness by token). */
    pid = fork();
    if (pid == 0) {
        shmhub_gpu_stream *c2 = NULL;
        if (create("g4", 0, 0, &c2) != SHMHUB_OK) _exit(1);
        void *b = dev_alloc(70);
        shmhub_gpu_stream_write_device(c2, b, 70, NULL);
        _exit(0);
    }
    CHECK(wait_child(pid) == 0);
    fake_cuda_reap(pid);
    shmhub_gpu_stream *r = NULL;
    CHECK_ST_NAMED(open_gpu("g4", &r), SHMHUB_E_PEER_DEAD, "g4");
    CHECK(r == NULL);
    shmhub_unlink_in("g4", dir);
    cudaFree(src);
}

/* ---- every CUDA failure path gives a status and a message, and leaks nothing ---------------------------- */
static void test_cuda_failures(void) {
    static const struct { const char *fn; int nth; cudaError_t err; shmhub_status want; } cases[] = {
        {"cudaGetDeviceCount", 1, cudaErrorNoDevice, SHMHUB_E_INVALID},
        {"cudaGetDeviceProperties", 1, cudaErrorUnknown, SHMHUB_E_IO},
        {"cudaMalloc", 2, cudaErrorMemoryAllocation, SHMHUB_E_NO_MEMORY},
        {"cudaIpcGetMemHandle", 3, cudaErrorUnknown, SHMHUB_E_IO},
        {"cudaEventCreateWithFlags", 4, cudaErrorUnknown, SHMHUB_E_IO},
        {"cudaIpcGetEventHandle", 5, cudaErrorUnknown, SHMHUB_E_IO},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        fake_cuda_reset();
        fake_cuda_fail(cases[k].fn, cases[k].nth, cases[k].err);
        shmhub_gpu_stream *s = (shmhub_gpu_stream *)1;
        CHECK_ST_NAMED(create("gf", 0, 0, &s), cases[k].want, cases[k].fn);
        CHECK(s == NULL && strstr(shmhub_last_error(), "'gf'") != NULL);
        CHECK(fake_cuda_live_mappings() == 0); /* every allocation made before the failure is freed */
        CHECK(fake_cuda_count("cudaMalloc") == fake_cuda_count("cudaFree") ||
              (cases[k].nth == 2 && fake_cuda_count("cudaFree") == 1));
        shmhub_gpu_stream *r = NULL;
        CHECK_ST(open_gpu("gf", &r), SHMHUB_E_NOT_FOUND); /* no segment is left behind */
    }
    fake_cuda_reset();

    /* Import failures in another process: the importer entry is released. */
    shmhub_gpu_stream *s = NULL;
    CHECK_ST(create("g5", 0, 0, &s), SHMHUB_OK);
    if (!s) return;
    void *src = dev_alloc(70), *dst = dev_alloc(70);
    CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
    pid_t pid = fork();
    if (pid == 0) {
        int bad = 0, live = fake_cuda_live_mappings();
        shmhub_gpu_stream *r = NULL;
        fake_cuda_fail("cudaIpcOpenMemHandle", 2, cudaErrorMapBufferObjectFailed);
        bad |= open_gpu("g5", &r) != SHMHUB_E_IO || r != NULL;
        bad |= (strstr(shmhub_last_error(), "cudaIpcOpenMemHandle") == NULL) << 1;
        bad |= (fake_cuda_live_mappings() != live) << 2; /* the first import was closed again */
        bad |= (shmhub_gpu_stream_importers(s) != 0) << 3;
        fake_cuda_fail("cudaIpcOpenEventHandle", 4, cudaErrorUnknown);
        bad |= (open_gpu("g5", &r) != SHMHUB_E_IO) << 4;
        fake_cuda_set_devices(1, 9); /* this process's GPU is another one */
        bad |= (open_gpu("g5", &r) != SHMHUB_E_NOT_FOUND) << 5;
        bad |= (strstr(shmhub_last_error(), "CUDA_VISIBLE_DEVICES") == NULL) << 6;
        fake_cuda_set_devices(2, 0); /* two GPUs: the stream's is found by UUID, ordinal 0 */
        bad |= (open_gpu("g5", &r) != SHMHUB_OK) << 7;
        bad |= (shmhub_gpu_stream_device(r) != 0) << 8;
        bad |= (shmhub_gpu_stream_importers(s) != 1) << 9;
        shmhub_gpu_stream_close(r);
        _exit(bad);
    }
    int rc = wait_child(pid);
    CHECK(rc == 0);
    if (rc) fprintf(stderr, "import-failure child failures: 0x%x\n", rc);

    /* Failures while writing and reading: status, message, the stream stays consistent. */
    static const char *wfns[] = {"cudaStreamWaitEvent", "cudaMemcpyAsync", "cudaEventRecord",
                                 "cudaSetDevice"};
    for (size_t k = 0; k < sizeof wfns / sizeof wfns[0]; k++) {
        uint64_t before = shmhub_gpu_stream_count(s);
        fake_cuda_reset();
        if (k == 3) { /* device 1 is current: the call must switch to the stream's, and that fails */
            fake_cuda_set_devices(2, 0);
            cudaSetDevice(1);
        }
        fake_cuda_fail(wfns[k], 1, cudaErrorLaunchFailure);
        CHECK_ST_NAMED(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_E_IO, wfns[k]);
        CHECK(shmhub_gpu_stream_count(s) == before);
        fake_cuda_fail(wfns[k], 1, cudaErrorLaunchFailure);
        CHECK_ST_NAMED(shmhub_gpu_stream_read_latest_device(s, dst, 70, NULL, NULL), SHMHUB_E_IO, wfns[k]);
        if (k == 3) {
            int cur = -1;
            cudaGetDevice(&cur);
            CHECK(cur == 1);
            cudaSetDevice(0);
            fake_cuda_set_devices(1, 0);
        }
        CHECK_ST(shmhub_gpu_stream_write_device(s, src, 70, NULL), SHMHUB_OK);
        CHECK_ST(shmhub_gpu_stream_read_latest_device(s, dst, 70, NULL, NULL), SHMHUB_OK);
    }
    fake_cuda_reset();
    shmhub_gpu_stream_close(s);
    cudaFree(src);
    cudaFree(dst);
    shmhub_unlink_in("g5", dir);
}

/* ---- bad input, wrong kinds, corrupt descriptors ------------------------------------------------------------ */
static void test_bad_input(void) {
    shmhub_gpu_stream *s = (shmhub_gpu_stream *)1;
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    shmhub_segment_opts so = seg_opts();
    o.segment = &so;
    CHECK_ST(shmhub_gpu_stream_create("bad name", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, &s), SHMHUB_E_INVALID);
    CHECK(s == NULL);
    CHECK_ST(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, NULL), SHMHUB_E_INVALID);
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", 99, 2, shape, 0, &o, &s), SHMHUB_E_INVALID, "gb");
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 9, shape, 0, &o, &s), SHMHUB_E_INVALID, "gb");
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, NULL, 0, &o, &s), SHMHUB_E_INVALID, "gb");
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 3, &o, &s), SHMHUB_E_INVALID, "device 3");
    CHECK_ST(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, -1, &o, &s), SHMHUB_E_INVALID);
    o.slots = 1;
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, &s), SHMHUB_E_INVALID, "slots");
    o.slots = SHMHUB_GPU_MAX_SLOTS + 1;
    CHECK_ST(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, &s), SHMHUB_E_INVALID);
    o.slots = 3;
    o.flags = 0x80;
    CHECK_ST_NAMED(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, &s), SHMHUB_E_INVALID, "flags");
    o.flags = 0;
    o.size = 4;
    CHECK_ST(shmhub_gpu_stream_create("gb", SHMHUB_DTYPE_UINT8, 2, shape, 0, &o, &s), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_opts_init(&o, 4), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_opts_init(&o, sizeof o), SHMHUB_OK);
    CHECK(o.slots == 3 && o.close_timeout_ns == 5000000000);
    o.segment = &so;
    so.flags = SHMHUB_READ_ONLY;
    CHECK_ST_NAMED(shmhub_gpu_stream_open("gb", &o, &s), SHMHUB_E_INVALID, "read-write");
    so.flags = 0;
    CHECK_ST(open_gpu("gb-missing", &s), SHMHUB_E_NOT_FOUND);

    /* NULL handles and buffers. */
    void *p = NULL;
    CHECK_ST(shmhub_gpu_stream_write_device(NULL, &p, 1, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_read_latest_device(NULL, &p, 1, NULL, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_peek_device(NULL, &p, NULL, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_validate(NULL, NULL), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_gpu_stream_wait(NULL, 0), SHMHUB_E_INVALID);
    shmhub_gpu_stream_close(NULL);
    CHECK(shmhub_gpu_stream_count(NULL) == 0 && shmhub_gpu_stream_device(NULL) == -1 &&
          shmhub_gpu_stream_shape(NULL) == NULL && shmhub_gpu_stream_name(NULL) == NULL);

    /* A CPU stream is the wrong kind. */
    shmhub_stream_opts cso = SHMHUB_STREAM_OPTS_INIT;
    cso.segment = &so;
    shmhub_stream *cpu = NULL;
    CHECK_ST(shmhub_stream_create("gcpu", SHMHUB_DTYPE_UINT8, 2, shape, &cso, &cpu), SHMHUB_OK);
    CHECK_ST_NAMED(open_gpu("gcpu", &s), SHMHUB_E_WRONG_KIND, "gcpu");
    shmhub_stream_close(cpu);
    shmhub_unlink_in("gcpu", dir);

    /* Wrong sizes and an empty stream. */
    shmhub_gpu_stream *g = NULL;
    CHECK_ST(create("gs", 0, 0, &g), SHMHUB_OK);
    if (!g) return;
    void *buf = dev_alloc(70);
    CHECK_ST_NAMED(shmhub_gpu_stream_write_device(g, buf, 69, NULL), SHMHUB_E_SIZE, "gs");
    CHECK_ST_NAMED(shmhub_gpu_stream_read_latest_device(g, buf, 71, NULL, NULL), SHMHUB_E_SIZE, "gs");
    CHECK_ST_NAMED(shmhub_gpu_stream_peek_device(g, &p, NULL, NULL), SHMHUB_E_EMPTY, "gs");
    CHECK(p == NULL);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    CHECK_ST(shmhub_gpu_stream_validate(g, &info), SHMHUB_E_INVALID);
    CHECK_ST_NAMED(shmhub_gpu_stream_write_device(g, NULL, 70, NULL), SHMHUB_E_INVALID, "source");
    cudaFree(buf);

    /* Corrupt descriptors: patch the segment file, fix the checksum, open from another process
     * (so the import cache cannot answer). */
    const shmhub_segment *seg = g->seg;
    shmhub__gpu_ext *x = (shmhub__gpu_ext *)(seg->base + seg->ext_offset);
    shmhub__gpu_slot *sl = (shmhub__gpu_slot *)(x + 1);
    shmhub__header *h = (shmhub__header *)seg->base;
    struct { uint32_t *field; uint32_t value; shmhub_status want; const char *needle; } patches[] = {
        {&x->slots, 2, SHMHUB_E_CORRUPT, "slots"},
        {&x->slots, 1000, SHMHUB_E_CORRUPT, "slots"},
        {&x->dtype, 99, SHMHUB_E_CORRUPT, "dtype"},
        {&x->version, 7, SHMHUB_E_VERSION, "version"},
        {&sl[1].handle_type, 9, SHMHUB_E_VERSION, "handle type"},
        {(uint32_t *)&sl[2].bytes, 10, SHMHUB_E_CORRUPT, "slot 2"},
        {&x->flags, 0x40, SHMHUB_E_CORRUPT, "flags"},
    };
    for (size_t k = 0; k < sizeof patches / sizeof patches[0]; k++) {
        uint32_t saved = *patches[k].field;
        *patches[k].field = patches[k].value;
        h->checksum = shmhub__checksum(seg->base, h->immutable_end);
        pid_t pid = fork();
        if (pid == 0) {
            shmhub_gpu_stream *r = NULL;
            shmhub_status st = open_gpu("gs", &r);
            _exit(st != patches[k].want || r || !strstr(shmhub_last_error(), patches[k].needle));
        }
        int rc = wait_child(pid);
        CHECK(rc == 0);
        if (rc) fprintf(stderr, "corrupt descriptor patch %zu not refused as expected\n", k);
        *patches[k].field = saved;
        h->checksum = shmhub__checksum(seg->base, h->immutable_end);
    }
    /* Hostile control words: a head of UINT64_MAX and stuck slots end in BUSY, not a hang. */
    void *d = dev_alloc(70);
    CHECK_ST(shmhub_gpu_stream_write_device(g, d, 70, NULL), SHMHUB_OK);
    atomic_store(&g->ctl->head, UINT64_MAX);
    CHECK_ST(shmhub_gpu_stream_read_latest_device(g, d, 70, NULL, NULL), SHMHUB_E_BUSY);
    CHECK_ST(shmhub_gpu_stream_peek_device(g, &p, NULL, NULL), SHMHUB_E_BUSY);
    atomic_store(&g->ctl->head, 1);
    atomic_store(&g->ctl->creator_state, 77);
    CHECK_ST(shmhub_gpu_stream_read_latest_device(g, d, 70, NULL, NULL), SHMHUB_E_PEER_DEAD);
    atomic_store(&g->ctl->creator_state, SHMHUB__GPU_LIVE);
    /* Another live process holds the writer role. */
    uint64_t mine = atomic_load(&g->ctl->writer_token);
    g->imp->writer = 0;
    atomic_store(&g->ctl->writer_token, shmhub__token_make((uint32_t)getppid(), 0));
    shmhub_status wst = shmhub_gpu_stream_write_device(g, d, 70, NULL);
    CHECK(wst == SHMHUB_E_BUSY || wst == SHMHUB_OK); /* OK only if the parent's token is not alive */
    atomic_store(&g->ctl->writer_token, mine);
    cudaFree(d);
    shmhub_gpu_stream_close(g);
    shmhub_unlink_in("gs", dir);
}

/* ---- the CPU mirror and host registration ---------------------------------------------------------------------- */
static void test_mirror_and_register(void) {
    shmhub_gpu_stream *g = NULL;
    CHECK_ST(create("gm", SHMHUB_GPU_MIRROR, 0, &g), SHMHUB_OK);
    if (!g) return;
    CHECK(strcmp(shmhub_gpu_stream_mirror_name(g), "gm.cpu") == 0);
    shmhub_gpu_stream *g2 = NULL;
    CHECK_ST(open_gpu("gm", &g2), SHMHUB_OK); /* the descriptor's mirror name passes the checks */
    CHECK(g2 && strcmp(shmhub_gpu_stream_mirror_name(g2), "gm.cpu") == 0);
    shmhub_gpu_stream_close(g2);
    unsigned char h[70], back[70];
    pattern(h, 70, 5);
    void *src = dev_alloc(70);
    memcpy(src, h, 70);
    fake_cuda_reset();
    CHECK_ST(shmhub_gpu_stream_write_device(g, src, 70, NULL), SHMHUB_OK);
    CHECK(fake_cuda_count("cudaStreamSynchronize") == 1);
    shmhub_stream_opts cso = SHMHUB_STREAM_OPTS_INIT;
    shmhub_segment_opts so = seg_opts();
    cso.segment = &so;
    shmhub_stream *m = NULL;
    CHECK_ST(shmhub_stream_open("gm.cpu", &cso, &m), SHMHUB_OK);
    if (m) {
        CHECK_ST(shmhub_stream_read_latest(m, back, 70, NULL), SHMHUB_OK);
        CHECK(memcmp(back, h, 70) == 0);
        /* A failed mirror copy fails the write and publishes nothing. */
        fake_cuda_fail("cudaStreamSynchronize", 1, cudaErrorUnknown);
        CHECK_ST(shmhub_gpu_stream_write_device(g, src, 70, NULL), SHMHUB_E_IO);
        CHECK(shmhub_stream_count(m) == 1 && shmhub_gpu_stream_count(g) == 1);
        CHECK_ST(shmhub_cuda_register(shmhub_stream_segment(m), 0), SHMHUB_OK);
        CHECK(fake_cuda_last_register_flags() == cudaHostRegisterPortable);
        CHECK(fake_cuda_registered_count() == 1);
        CHECK_ST(shmhub_cuda_register(shmhub_stream_segment(m), 0), SHMHUB_E_BUSY);
        CHECK_ST(shmhub_cuda_unregister(shmhub_stream_segment(m)), SHMHUB_OK);
        CHECK(fake_cuda_registered_count() == 0);
        CHECK_ST(shmhub_cuda_unregister(shmhub_stream_segment(m)), SHMHUB_E_INVALID);
        shmhub_stream_close(m);
    }
    shmhub_gpu_stream_close(g);
    shmhub_unlink_in("gm", dir);
    shmhub_unlink_in("gm.cpu", dir);
    cudaFree(src);

    /* A read-only mapping is registered read-only; failures are reported. */
    shmhub_layout *lay = NULL;
    uint64_t len = 4096;
    shmhub_layout_new(&lay);
    shmhub_layout_add(lay, "x", SHMHUB_DTYPE_UINT8, 1, &len);
    shmhub_segment *w = NULL, *ro = NULL;
    CHECK_ST(shmhub_segment_create("gr", lay, &so, &w), SHMHUB_OK);
    shmhub_layout_free(lay);
    so.flags = SHMHUB_READ_ONLY;
    CHECK_ST(shmhub_segment_open("gr", &so, &ro), SHMHUB_OK);
    CHECK_ST(shmhub_cuda_register(ro, 0), SHMHUB_OK);
    CHECK(fake_cuda_last_register_flags() == (cudaHostRegisterPortable | cudaHostRegisterReadOnly));
    CHECK_ST(shmhub_cuda_unregister(ro), SHMHUB_OK);
    CHECK_ST_NAMED(shmhub_cuda_register(w, 0x10), SHMHUB_E_INVALID, "gr");
    fake_cuda_fail("cudaHostRegister", 1, cudaErrorUnknown);
    CHECK_ST_NAMED(shmhub_cuda_register(w, 0), SHMHUB_E_IO, "cudaHostRegister");
    CHECK_ST(shmhub_cuda_unregister(w), SHMHUB_E_INVALID); /* the failed register left nothing */
    CHECK_ST(shmhub_cuda_register(NULL, 0), SHMHUB_E_INVALID);
    CHECK_ST(shmhub_cuda_unregister(NULL), SHMHUB_E_INVALID);
    shmhub_segment_close(ro);
    shmhub_segment_close(w);
    shmhub_unlink_in("gr", dir);
}

static void test_versions(void) {
    CHECK(shmhub_cuda_version_number() == SHMHUB_CUDA_VERSION_NUMBER);
    CHECK_ST(shmhub_cuda_check_version(SHMHUB_CUDA_VERSION_NUMBER), SHMHUB_OK);
    CHECK_ST(shmhub_cuda_check_version(20000), SHMHUB_E_VERSION);
    CHECK_ST(shmhub_cuda_check_version(10900), SHMHUB_E_VERSION);
    CHECK(shmhub_cuda_device_count() == 1);
    fake_cuda_set_devices(0, 0);
    CHECK(shmhub_cuda_device_count() == 0 && strstr(shmhub_cuda_last_error(), "cudaErrorNoDevice"));
    fake_cuda_set_devices(1, 0);
}

int main(void) {
    dir = util_tmpdir("cuda-double");
    test_versions();
    test_create_write_read();
    test_cross_process();
    test_lifetime();
    test_cuda_failures();
    test_bad_input();
    test_mirror_and_register();
    util_rmtree(dir);
    return check_finish("test_cuda_double");
}
