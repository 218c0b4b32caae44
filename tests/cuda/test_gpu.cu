// Real-GPU tests of libshmhub_cuda (make test-gpu). Without a usable GPU it prints why and exits 77
// (ctest: skipped). argv[1] is the gpu_peer program (the other process).
#include "gpu_common.cuh"

#include <unistd.h>

static const char *peer;
static int failures;
static char prefix[64];

#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            failures++;                                                        \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);             \
            printf(__VA_ARGS__);                                               \
            printf(" [last error: %s]\n", shmhub_cuda_last_error());            \
        }                                                                      \
    } while (0)

#define ST(call, want) do { shmhub_status st_ = (call); \
    CHECK(st_ == (want), "%s returned %s", #call, shmhub_status_name(st_)); } while (0)

static void name_of(char *buf, size_t n, const char *what) { snprintf(buf, n, "%s-%s", prefix, what); }

// Runs the peer with `args`; returns its exit status; its output goes to `out` (may be NULL).
static int run_peer(const char *args, char *out, size_t outn) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s", peer, args);
    FILE *f = popen(cmd, "r");
    if (!f) return -1;
    size_t used = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        printf("    peer: %s", line);
        if (out && used + strlen(line) < outn) {
            memcpy(out + used, line, strlen(line) + 1);
            used += strlen(line);
        }
    }
    int rc = pclose(f);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

static shmhub_gpu_stream *create(const char *name, shmhub_dtype dt, uint32_t flags, uint32_t slots) {
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.segment = &so;
    o.flags = flags;
    o.slots = slots;
    shmhub_gpu_stream *s = NULL;
    shmhub_status st = shmhub_gpu_stream_create(name, dt, 2, kShape, 0, &o, &s);
    CHECK(st == SHMHUB_OK, "create %s: %s", name, shmhub_status_name(st));
    return s;
}

static void *dev_pattern(uint64_t n, uint32_t seed) {
    void *p;
    cudaMalloc(&p, n);
    fill(p, n, seed, 0);
    cudaDeviceSynchronize();
    return p;
}

// Every dtype, both directions: this process writes and the peer reads, then the peer writes and
// this process reads; the bytes must be identical.
static void test_dtypes(void) {
    int before = failures;
    for (shmhub_dtype dt = 1; dt <= SHMHUB_DTYPE_COUNT; dt++) {
        char name[128], args[512];
        snprintf(name, sizeof name, "%s-dt%d", prefix, (int)dt);
        shmhub_gpu_stream *s = create(name, dt, 0, 3);
        if (!s) continue;
        uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
        void *src = dev_pattern(n, 100 + (uint32_t)dt);
        ST(shmhub_gpu_stream_write_device(s, src, n, NULL), SHMHUB_OK);
        snprintf(args, sizeof args, "read %s %d 1", name, 100 + (int)dt);
        int rc = run_peer(args, NULL, 0);
        CHECK(rc == 0, "C reader of %s (dtype %s) exited %d", name, shmhub_dtype_name(dt), rc);
        shmhub_gpu_stream_close(s);
        cudaFree(src);

        // Back: the peer creates and writes; we read.
        snprintf(name, sizeof name, "%s-back%d", prefix, (int)dt);
        snprintf(args, sizeof args, "%s write %s %d %d wait", peer, name, (int)dt, 200 + (int)dt);
        FILE *f = popen(args, "r");
        char line[256] = "";
        while (fgets(line, sizeof line, f) && strncmp(line, "written", 7) != 0) printf("    peer: %s", line);
        shmhub_gpu_stream *r = NULL;
        ST(shmhub_gpu_stream_open(name, NULL, &r), SHMHUB_OK);
        if (r) {
            void *dst;
            cudaMalloc(&dst, n);
            shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
            ST(shmhub_gpu_stream_read_latest_device(r, dst, n, NULL, &info), SHMHUB_OK);
            unsigned long long bad = count_bad(dst, n, 200 + (uint32_t)dt, 0);
            CHECK(bad == 0 && info.seq == 1, "dtype %s: %llu bad bytes, seq %llu",
                  shmhub_dtype_name(dt), bad, (unsigned long long)info.seq);
            CHECK(shmhub_gpu_stream_dtype(r) == dt && shmhub_gpu_stream_frame_nbytes(r) == n,
                  "descriptor of %s", name);
            sleep_ms(20); // the writer polls for its importer
            shmhub_gpu_stream_close(r);
            cudaFree(dst);
        }
        while (fgets(line, sizeof line, f)) printf("    peer: %s", line);
        int rc2 = pclose(f);
        CHECK(WIFEXITED(rc2) && WEXITSTATUS(rc2) == 0, "C writer of %s exited %d", name, rc2);
    }
    if (failures == before)
        printf("ok dtypes: %d dtypes byte-identical in both directions\n", SHMHUB_DTYPE_COUNT);
}

// A writer kernel sleeps 400 ms before it produces the frame; the reader in the other process
// reads as soon as the frame is published (long before the kernel ends) and must still see it.
static void test_event_order(void) {
    char name[128], args[512], line[256];
    name_of(name, sizeof name, "order");
    shmhub_gpu_stream *s = create(name, SHMHUB_DTYPE_UINT8, 0, 3);
    if (!s) return;
    uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
    void *old = dev_pattern(n, 1), *src;
    cudaMalloc(&src, n);
    cudaMemset(src, 0, n);
    ST(shmhub_gpu_stream_write_device(s, old, n, NULL), SHMHUB_OK); // frame 1: pattern 1
    cudaDeviceSynchronize();
    snprintf(args, sizeof args, "%s readnow %s 77", peer, name);
    FILE *f = popen(args, "r");
    while (fgets(line, sizeof line, f) && strncmp(line, "ready", 5) != 0) printf("    peer: %s", line);
    cudaStream_t cs;
    cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking);
    sleep_fill_kernel<<<1, 256, 0, cs>>>((uint8_t *)src, n, 77, 400000000ull);
    ST(shmhub_gpu_stream_write_device(s, src, n, cs), SHMHUB_OK); // frame 2, published at once
    cudaStreamSynchronize(cs);
    int64_t done = now_ns();
    long long read_ns = 0;
    while (fgets(line, sizeof line, f)) {
        printf("    peer: %s", line);
        sscanf(line, "read_ns %lld", &read_ns);
    }
    int rc = pclose(f);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "the reader saw the frame before it was written "
          "(exit %d)", rc);
    CHECK(read_ns > 0 && read_ns < done, "the reader's call (%lld) came after the kernel ended "
          "(%lld): ordering untested", read_ns, (long long)done);
    printf("ok event order: read enqueued %.1f ms before the writer kernel ended\n",
           (double)(done - read_ns) / 1e6);
    cudaStreamDestroy(cs);
    cudaFree(old);
    cudaFree(src);
    shmhub_gpu_stream_close(s);
}

// The creator exits (without closing) while we hold the stream: reads and opens report PEER_DEAD.
// Then a creator that closes: its close waits for our close (causal order, not time).
static void test_lifetime(void) {
    char name[128], args[512], line[256];
    name_of(name, sizeof name, "die");
    snprintf(args, sizeof args, "%s write %s %d 5 die", peer, name, (int)SHMHUB_DTYPE_FLOAT32);
    FILE *f = popen(args, "r");
    while (fgets(line, sizeof line, f) && strncmp(line, "written", 7) != 0) printf("    peer: %s", line);
    shmhub_gpu_stream *r = NULL;
    ST(shmhub_gpu_stream_open(name, NULL, &r), SHMHUB_OK);
    while (fgets(line, sizeof line, f)) printf("    peer: %s", line);
    pclose(f);
    if (r) {
        sleep_ms(250); // past the reader's 100 ms liveness re-check
        uint64_t n = shmhub_gpu_stream_frame_nbytes(r);
        void *dst, *p = NULL;
        cudaMalloc(&dst, n);
        ST(shmhub_gpu_stream_read_latest_device(r, dst, n, NULL, NULL), SHMHUB_E_PEER_DEAD);
        ST(shmhub_gpu_stream_peek_device(r, &p, NULL, NULL), SHMHUB_E_PEER_DEAD);
        ST(shmhub_gpu_stream_write_device(r, dst, n, NULL), SHMHUB_E_PEER_DEAD);
        shmhub_gpu_stream *again = NULL;
        ST(shmhub_gpu_stream_open(name, NULL, &again), SHMHUB_E_PEER_DEAD);
        CHECK(again == NULL, "handle set on failure");
        printf("    (message: %s)\n", shmhub_cuda_last_error());
        shmhub_gpu_stream_close(r);
        cudaFree(dst);
    }
    shmhub_unlink(name);

    name_of(name, sizeof name, "wait");
    snprintf(args, sizeof args, "%s write %s %d 6 wait", peer, name, (int)SHMHUB_DTYPE_UINT16);
    f = popen(args, "r");
    while (fgets(line, sizeof line, f) && strncmp(line, "written", 7) != 0) printf("    peer: %s", line);
    r = NULL;
    ST(shmhub_gpu_stream_open(name, NULL, &r), SHMHUB_OK);
    sleep_ms(200);
    int64_t closed = now_ns();
    shmhub_gpu_stream_close(r);
    long long peer_closed = 0;
    while (fgets(line, sizeof line, f)) {
        printf("    peer: %s", line);
        sscanf(line, "closed_ns %lld", &peer_closed);
    }
    int rc = pclose(f);
    CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0 && peer_closed >= closed,
          "the creator's close returned (%lld) before the importer closed (%lld)", peer_closed,
          (long long)closed);
    printf("ok lifetime: dead creator -> SHMHUB_E_PEER_DEAD; creator close waited for the importer\n");
}

// Same process: the creator's own opens share its allocation; importer cache in the peer.
static void test_cache_peek_validate(void) {
    char name[128], args[512];
    name_of(name, sizeof name, "cache");
    shmhub_gpu_stream *s = create(name, SHMHUB_DTYPE_INT32, 0, 3);
    if (!s) return;
    uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
    void *src = dev_pattern(n, 9), *p1 = NULL, *p2 = NULL;
    ST(shmhub_gpu_stream_write_device(s, src, n, NULL), SHMHUB_OK);
    shmhub_gpu_stream *same = NULL;
    ST(shmhub_gpu_stream_open(name, NULL, &same), SHMHUB_OK);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    ST(shmhub_gpu_stream_peek_device(s, &p1, NULL, &info), SHMHUB_OK);
    if (same) ST(shmhub_gpu_stream_peek_device(same, &p2, NULL, NULL), SHMHUB_OK);
    CHECK(p1 && p1 == p2 && shmhub_gpu_stream_is_creator(same), "same-process open shares the "
          "creator's memory (%p %p)", p1, p2);
    snprintf(args, sizeof args, "cache %s 9", name);
    CHECK(run_peer(args, NULL, 0) == 0, "importer cache in the peer");
    CHECK(count_bad(p1, n, 9, 0) == 0, "peeked frame holds the pattern");
    ST(shmhub_gpu_stream_validate(s, &info), SHMHUB_OK);
    for (int i = 0; i < 3; i++) ST(shmhub_gpu_stream_write_device(s, src, n, NULL), SHMHUB_OK);
    ST(shmhub_gpu_stream_validate(s, &info), SHMHUB_E_OVERWRITTEN);
    // Error paths on a real device.
    ST(shmhub_gpu_stream_write_device(s, src, n - 1, NULL), SHMHUB_E_SIZE);
    shmhub_gpu_stream *bad = NULL;
    ST(shmhub_gpu_stream_open("no-such-gpu-stream-xyz", NULL, &bad), SHMHUB_E_NOT_FOUND);
    ST(shmhub_gpu_stream_create("gput-dev99", SHMHUB_DTYPE_UINT8, 2, kShape, 99, NULL, &bad),
       SHMHUB_E_INVALID);
    shmhub_gpu_stream_close(same);
    shmhub_gpu_stream_close(s);
    cudaFree(src);
    printf("ok cache/peek/validate/errors\n");
}

// The CPU mirror follows the GPU stream; registered segments copy H2D at pinned speed.
static void test_mirror_register(void) {
    char name[128];
    name_of(name, sizeof name, "mirror");
    shmhub_gpu_stream *s = create(name, SHMHUB_DTYPE_FLOAT64, SHMHUB_GPU_MIRROR, 3);
    if (!s) return;
    uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
    void *src = dev_pattern(n, 31);
    ST(shmhub_gpu_stream_write_device(s, src, n, NULL), SHMHUB_OK);
    shmhub_stream *m = NULL;
    ST(shmhub_stream_open(shmhub_gpu_stream_mirror_name(s), NULL, &m), SHMHUB_OK);
    if (m) {
        uint8_t *host = (uint8_t *)malloc(n);
        ST(shmhub_stream_read_latest(m, host, n, NULL), SHMHUB_OK);
        uint64_t bad = 0;
        for (uint64_t i = 0; i < n; i++) bad += host[i] != pattern_byte(i, 31);
        CHECK(bad == 0, "mirror differs in %llu bytes", (unsigned long long)bad);
        free(host);
        shmhub_stream_close(m);
    }
    shmhub_unlink(shmhub_gpu_stream_mirror_name(s));
    shmhub_gpu_stream_close(s);
    cudaFree(src);

    name_of(name, sizeof name, "pinned");
    shmhub_layout *lay;
    shmhub_layout_new(&lay);
    uint64_t len = 8u << 20;
    shmhub_layout_add(lay, "x", SHMHUB_DTYPE_UINT8, 1, &len);
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    shmhub_segment *seg = NULL;
    ST(shmhub_segment_create(name, lay, &so, &seg), SHMHUB_OK);
    shmhub_layout_free(lay);
    if (!seg) return;
    const shmhub_array *a = NULL;
    shmhub_segment_find(seg, "x", &a);
    uint8_t *h = (uint8_t *)shmhub_array_data(a);
    for (uint64_t i = 0; i < len; i++) h[i] = pattern_byte(i, 3);
    ST(shmhub_cuda_register(seg, 0), SHMHUB_OK);
    ST(shmhub_cuda_register(seg, 0), SHMHUB_E_BUSY);
    cudaPointerAttributes attr;
    CHECK(cudaPointerGetAttributes(&attr, h) == cudaSuccess && attr.type == cudaMemoryTypeHost,
          "registered memory is page-locked host memory (type %d)", (int)attr.type);
    void *d;
    cudaMalloc(&d, len);
    cudaMemcpy(d, h, len, cudaMemcpyHostToDevice);
    CHECK(count_bad(d, len, 3, 0) == 0, "H2D from the registered segment");
    ST(shmhub_cuda_unregister(seg), SHMHUB_OK);
    ST(shmhub_cuda_unregister(seg), SHMHUB_E_INVALID);
    cudaFree(d);
    shmhub_segment_close(seg);
    printf("ok mirror and pinned registration\n");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: test_gpu PATH/TO/gpu_peer\n");
        return 2;
    }
    peer = argv[1];
    int n = shmhub_cuda_device_count();
    if (n < 1) {
        printf("SKIP: no usable CUDA device: %s\n", shmhub_cuda_last_error());
        return 77;
    }
    cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, 0);
    printf("device 0: %s (sm_%d%d), %d device(s)\n", prop.name, prop.major, prop.minor, n);
    snprintf(prefix, sizeof prefix, "gput-%d", (int)getpid());
    test_dtypes();
    test_event_order();
    test_lifetime();
    test_cache_peek_validate();
    test_mirror_register();
    printf("%s: %d failure(s)\n", failures ? "FAILED" : "PASSED", failures);
    return failures ? 1 : 0;
}
