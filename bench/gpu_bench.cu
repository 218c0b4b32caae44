// GPU benchmarks (make bench-gpu): every row is a ratio against a baseline measured in the same run.
//  1. Cross-process hand-off round trip (A writes, B reads and writes back, A reads) at 40 KB, 4 MB
//     and 400 MB: shmhub GPU streams vs a raw CUDA IPC ping-pong written here (two cudaIpc buffers,
//     two interprocess events, a spinning counter in shared memory; the same four device copies).
//  2. Same process, 10000 x 10000 float32: write_device + read_latest_device vs two D2D copies
//     (the limit), and write_device + zero-copy peek_device.
//  3. H2D from a cudaHostRegister'ed segment vs cudaMallocHost memory (and pageable malloc).
// Usage: gpu_bench [--csv FILE]   (gpu_bench --pong ... is the second process, started by itself)
#include "../tests/cuda/gpu_common.cuh"

#include <fcntl.h>
#include <atomic>
#include <sys/mman.h>
#include <unistd.h>

#define CK(x) do { cudaError_t e_ = (x); if (e_ != cudaSuccess) { \
    fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); exit(2); } } while (0)
#define SK(x) do { shmhub_status s_ = (x); if (s_ != SHMHUB_OK) { \
    fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, shmhub_cuda_last_error()); exit(2); } } while (0)

static const int64_t kSpinTimeout = INT64_C(20000000000);

// ---- raw CUDA IPC ping-pong ----------------------------------------------------------------------
struct raw_shared {
    cudaIpcMemHandle_t ping_mem, pong_mem;
    cudaIpcEventHandle_t ping_ev, pong_ev;
    std::atomic<uint64_t> ping_seq, pong_seq, ready;
};

static raw_shared *map_raw(const char *name, int create) {
    int fd = shm_open(name, O_RDWR | (create ? O_CREAT : 0), 0600);
    if (fd < 0) { perror("shm_open"); exit(2); }
    if (create && ftruncate(fd, sizeof(raw_shared)) != 0) { perror("ftruncate"); exit(2); }
    void *p = mmap(NULL, sizeof(raw_shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) { perror("mmap"); exit(2); }
    return (raw_shared *)p;
}

static void spin_until(std::atomic<uint64_t> *w, uint64_t v) {
    int64_t end = mono_now_ns() + kSpinTimeout;
    while (w->load(std::memory_order_acquire) < v)
        if (mono_now_ns() > end) { fprintf(stderr, "spin timeout\n"); exit(3); }
}

static void spin_count(shmhub_gpu_stream *s, uint64_t v) {
    int64_t end = mono_now_ns() + kSpinTimeout;
    while (shmhub_gpu_stream_count(s) < v)
        if (mono_now_ns() > end) { fprintf(stderr, "spin timeout on %s\n", shmhub_gpu_stream_name(s)); exit(3); }
}

// B side of both ping-pongs.
static int pong_main(const char *mode, const char *a, const char *b, uint64_t n, int total) {
    cudaStream_t s;
    CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    void *buf;
    CK(cudaMalloc(&buf, n));
    if (!strcmp(mode, "raw")) {
        raw_shared *sh = map_raw(a, 0);
        void *pong, *ping;
        cudaEvent_t pong_ev, ping_ev;
        CK(cudaMalloc(&pong, n));
        CK(cudaEventCreateWithFlags(&pong_ev, cudaEventDisableTiming | cudaEventInterprocess));
        CK(cudaIpcGetMemHandle(&sh->pong_mem, pong));
        CK(cudaIpcGetEventHandle(&sh->pong_ev, pong_ev));
        spin_until(&sh->ready, 1);
        CK(cudaIpcOpenMemHandle(&ping, sh->ping_mem, cudaIpcMemLazyEnablePeerAccess));
        CK(cudaIpcOpenEventHandle(&ping_ev, sh->ping_ev));
        sh->ready.store(2);
        for (int i = 1; i <= total; i++) {
            spin_until(&sh->ping_seq, (uint64_t)i);
            CK(cudaStreamWaitEvent(s, ping_ev, 0));
            CK(cudaMemcpyAsync(buf, ping, n, cudaMemcpyDeviceToDevice, s));
            CK(cudaMemcpyAsync(pong, buf, n, cudaMemcpyDeviceToDevice, s));
            CK(cudaEventRecord(pong_ev, s));
            sh->pong_seq.store((uint64_t)i, std::memory_order_release);
        }
        CK(cudaStreamSynchronize(s));
        spin_until(&sh->ready, 3); // A has finished reading
        CK(cudaIpcCloseMemHandle(ping));
        CK(cudaFree(pong));
        return 0;
    }
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.slots = 2;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    o.segment = &so;
    shmhub_gpu_stream *pong, *ping = NULL;
    SK(shmhub_gpu_stream_create(b, SHMHUB_DTYPE_UINT8, 1, &n, 0, &o, &pong));
    int64_t end = mono_now_ns() + kSpinTimeout;
    while (shmhub_gpu_stream_open(a, NULL, &ping) != SHMHUB_OK && mono_now_ns() < end) sleep_ms(1);
    if (!ping) { fprintf(stderr, "pong: cannot open %s\n", a); return 2; }
    printf("ready\n");
    fflush(stdout);
    for (int i = 1; i <= total; i++) {
        spin_count(ping, (uint64_t)i);
        SK(shmhub_gpu_stream_read_latest_device(ping, buf, n, s, NULL));
        SK(shmhub_gpu_stream_write_device(pong, buf, n, s));
    }
    CK(cudaStreamSynchronize(s));
    shmhub_gpu_stream_close(ping);
    shmhub_gpu_stream_close(pong); // waits for A's import to close
    return 0;
}

static FILE *spawn_pong(const char *self, const char *mode, const char *a, const char *b,
                        uint64_t n, int total) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --pong %s %s %s %llu %d", self, mode, a, b,
             (unsigned long long)n, total);
    FILE *f = popen(cmd, "r");
    if (!f) { perror("popen"); exit(2); }
    return f;
}

// Mean round trip in microseconds.
static double round_trip_raw(const char *self, uint64_t n, int warm, int iters) {
    char name[64];
    snprintf(name, sizeof name, "/gpubench-raw-%d", (int)getpid());
    raw_shared *sh = map_raw(name, 1);
    memset((void *)sh, 0, sizeof *sh);
    cudaStream_t s;
    CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    void *ping, *src, *dst, *pong;
    cudaEvent_t ping_ev, pong_ev;
    CK(cudaMalloc(&ping, n));
    CK(cudaMalloc(&src, n));
    CK(cudaMalloc(&dst, n));
    fill(src, n, 1, s);
    CK(cudaEventCreateWithFlags(&ping_ev, cudaEventDisableTiming | cudaEventInterprocess));
    CK(cudaIpcGetMemHandle(&sh->ping_mem, ping));
    CK(cudaIpcGetEventHandle(&sh->ping_ev, ping_ev));
    FILE *f = spawn_pong(self, "raw", name, "-", n, warm + iters);
    sh->ready.store(1);
    spin_until(&sh->ready, 2);
    CK(cudaIpcOpenMemHandle(&pong, sh->pong_mem, cudaIpcMemLazyEnablePeerAccess));
    CK(cudaIpcOpenEventHandle(&pong_ev, sh->pong_ev));
    CK(cudaStreamSynchronize(s));
    int64_t t0 = 0;
    for (int i = 1; i <= warm + iters; i++) {
        if (i == warm + 1) t0 = mono_now_ns();
        CK(cudaMemcpyAsync(ping, src, n, cudaMemcpyDeviceToDevice, s));
        CK(cudaEventRecord(ping_ev, s));
        sh->ping_seq.store((uint64_t)i, std::memory_order_release);
        spin_until(&sh->pong_seq, (uint64_t)i);
        CK(cudaStreamWaitEvent(s, pong_ev, 0));
        CK(cudaMemcpyAsync(dst, pong, n, cudaMemcpyDeviceToDevice, s));
        CK(cudaStreamSynchronize(s));
    }
    double us = (double)(mono_now_ns() - t0) / iters / 1e3;
    if (count_bad(dst, n, 1, s)) { fprintf(stderr, "raw ping-pong: wrong bytes\n"); exit(2); }
    CK(cudaIpcCloseMemHandle(pong));
    sh->ready.store(3);
    pclose(f);
    shm_unlink(name);
    munmap((void *)sh, sizeof *sh);
    cudaFree(ping); cudaFree(src); cudaFree(dst);
    cudaEventDestroy(ping_ev);
    cudaStreamDestroy(s);
    return us;
}

static double round_trip_shmhub(const char *self, uint64_t n, int warm, int iters) {
    char a[64], b[64], line[128];
    snprintf(a, sizeof a, "gpubench-ping-%d", (int)getpid());
    snprintf(b, sizeof b, "gpubench-pong-%d", (int)getpid());
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.slots = 2;
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    o.segment = &so;
    shmhub_gpu_stream *ping, *pong = NULL;
    SK(shmhub_gpu_stream_create(a, SHMHUB_DTYPE_UINT8, 1, &n, 0, &o, &ping));
    cudaStream_t s;
    CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    void *src, *dst;
    CK(cudaMalloc(&src, n));
    CK(cudaMalloc(&dst, n));
    fill(src, n, 2, s);
    CK(cudaStreamSynchronize(s));
    FILE *f = spawn_pong(self, "shmhub", a, b, n, warm + iters);
    if (!fgets(line, sizeof line, f)) { fprintf(stderr, "pong died\n"); exit(2); }
    SK(shmhub_gpu_stream_open(b, NULL, &pong));
    int64_t t0 = 0;
    for (int i = 1; i <= warm + iters; i++) {
        if (i == warm + 1) t0 = mono_now_ns();
        SK(shmhub_gpu_stream_write_device(ping, src, n, s));
        spin_count(pong, (uint64_t)i);
        SK(shmhub_gpu_stream_read_latest_device(pong, dst, n, s, NULL));
        CK(cudaStreamSynchronize(s));
    }
    double us = (double)(mono_now_ns() - t0) / iters / 1e3;
    if (count_bad(dst, n, 2, s)) { fprintf(stderr, "shmhub ping-pong: wrong bytes\n"); exit(2); }
    shmhub_gpu_stream_close(pong);
    pclose(f);
    shmhub_gpu_stream_close(ping);
    cudaFree(src); cudaFree(dst);
    cudaStreamDestroy(s);
    return us;
}

// ---- same process ------------------------------------------------------------------------------------
template <typename F> static double time_ms(cudaStream_t s, int reps, F body) {
    cudaEvent_t e0, e1;
    cudaEventCreate(&e0);
    cudaEventCreate(&e1);
    body(); body(); // warm-up
    cudaStreamSynchronize(s);
    cudaEventRecord(e0, s);
    for (int i = 0; i < reps; i++) body();
    cudaEventRecord(e1, s);
    cudaEventSynchronize(e1);
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    return ms / reps;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 7 && !strcmp(argv[1], "--pong"))
        return pong_main(argv[2], argv[3], argv[4], strtoull(argv[5], NULL, 10), atoi(argv[6]));
    const char *csv_path = argc == 3 && !strcmp(argv[1], "--csv") ? argv[2] : NULL;
    if (shmhub_cuda_device_count() < 1) {
        printf("SKIP: no usable CUDA device: %s\n", shmhub_cuda_last_error());
        return 0;
    }
    cudaDeviceProp prop;
    CK(cudaGetDeviceProperties(&prop, 0));
    printf("# shmhub GPU benchmarks on %s (sm_%d%d); ratios against baselines of the same run\n\n",
           prop.name, prop.major, prop.minor);
    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv) fprintf(csv, "group,case,baseline,baseline_value,shmhub_value,unit,ratio\n");

    printf("| cross-process round trip | raw cudaIpc ping-pong | shmhub GPU stream | ratio (raw/shmhub, goal >= 0.9) |\n");
    printf("|---|---|---|---|\n");
    struct { uint64_t n; const char *label; int warm, iters; } sizes[] = {
        {40000, "40 KB", 50, 2000}, {4000000, "4 MB", 20, 500}, {400000000, "400 MB", 3, 30}};
    for (auto &sz : sizes) {
        double raw = round_trip_raw(argv[0], sz.n, sz.warm, sz.iters);
        double shm = round_trip_shmhub(argv[0], sz.n, sz.warm, sz.iters);
        printf("| %s | %.1f us | %.1f us | %.2fx |\n", sz.label, raw, shm, raw / shm);
        if (csv) fprintf(csv, "round_trip,%s,raw cudaIpc ping-pong,%.3f,%.3f,us,%.4f\n", sz.label, raw, shm, raw / shm);
    }

    // Same process, 10000^2 float32.
    uint64_t n = UINT64_C(10000) * 10000 * 4, shape[2] = {10000, 10000};
    cudaStream_t s;
    CK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    void *src, *tmp, *dst, *view = NULL;
    CK(cudaMalloc(&src, n)); CK(cudaMalloc(&tmp, n)); CK(cudaMalloc(&dst, n));
    fill(src, n, 4, s);
    char name[64];
    snprintf(name, sizeof name, "gpubench-same-%d", (int)getpid());
    shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
    so.flags = SHMHUB_UNLINK_ON_CLOSE;
    shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
    o.segment = &so;
    shmhub_gpu_stream *g;
    SK(shmhub_gpu_stream_create(name, SHMHUB_DTYPE_FLOAT32, 2, shape, 0, &o, &g));
    const int reps = 20;
    double two = time_ms(s, reps, [&] {
        cudaMemcpyAsync(tmp, src, n, cudaMemcpyDeviceToDevice, s);
        cudaMemcpyAsync(dst, tmp, n, cudaMemcpyDeviceToDevice, s);
    });
    double wr = time_ms(s, reps, [&] {
        shmhub_gpu_stream_write_device(g, src, n, s);
        shmhub_gpu_stream_read_latest_device(g, dst, n, s, NULL);
    });
    if (count_bad(dst, n, 4, s)) { fprintf(stderr, "write+read: wrong bytes\n"); return 2; }
    double one = time_ms(s, reps, [&] {
        shmhub_gpu_stream_write_device(g, src, n, s);
        shmhub_gpu_stream_peek_device(g, &view, s, NULL);
    });
    if (count_bad(view, n, 4, s)) { fprintf(stderr, "peek: wrong bytes\n"); return 2; }
    shmhub_gpu_stream_close(g);
    printf("\n| same process, 10000x10000 f32 (400 MB) | two D2D copies | shmhub | ratio (copies/shmhub) |\n");
    printf("|---|---|---|---|\n");
    printf("| write_device + read_latest_device (goal >= 0.95) | %.3f ms | %.3f ms | %.2fx |\n", two, wr, two / wr);
    printf("| write_device + zero-copy peek_device (goal > 1) | %.3f ms | %.3f ms | %.2fx |\n", two, one, two / one);
    if (csv) {
        fprintf(csv, "same_process,write+read,two D2D copies,%.4f,%.4f,ms,%.4f\n", two, wr, two / wr);
        fprintf(csv, "same_process,write+peek,two D2D copies,%.4f,%.4f,ms,%.4f\n", two, one, two / one);
    }

    // H2D: registered segment vs cudaMallocHost vs pageable.
    uint64_t hn = UINT64_C(256) << 20;
    snprintf(name, sizeof name, "gpubench-h2d-%d", (int)getpid());
    shmhub_layout *lay;
    shmhub_layout_new(&lay);
    shmhub_layout_add(lay, "x", SHMHUB_DTYPE_UINT8, 1, &hn);
    shmhub_segment *seg = NULL;
    shmhub_status st = shmhub_segment_create(name, lay, &so, &seg);
    if (st == SHMHUB_E_NO_SPACE) { // a small /dev/shm: try 32 MiB
        hn = UINT64_C(32) << 20;
        shmhub_layout_free(lay);
        shmhub_layout_new(&lay);
        shmhub_layout_add(lay, "x", SHMHUB_DTYPE_UINT8, 1, &hn);
        st = shmhub_segment_create(name, lay, &so, &seg);
    }
    shmhub_layout_free(lay);
    if (st != SHMHUB_OK) { fprintf(stderr, "h2d segment: %s\n", shmhub_last_error()); return 2; }
    const shmhub_array *arr;
    SK(shmhub_segment_find(seg, "x", &arr));
    void *shm = shmhub_array_data(arr), *pinned, *pageable = malloc(hn);
    memset(shm, 1, hn);
    memset(pageable, 1, hn);
    CK(cudaMallocHost(&pinned, hn));
    memset(pinned, 1, hn);
    double t_pin = time_ms(s, 10, [&] { cudaMemcpyAsync(dst, pinned, hn, cudaMemcpyHostToDevice, s); });
    double t_page = time_ms(s, 5, [&] { cudaMemcpyAsync(dst, pageable, hn, cudaMemcpyHostToDevice, s); });
    SK(shmhub_cuda_register(seg, 0));
    double t_reg = time_ms(s, 10, [&] { cudaMemcpyAsync(dst, shm, hn, cudaMemcpyHostToDevice, s); });
    SK(shmhub_cuda_unregister(seg));
    shmhub_segment_close(seg);
    double gbs = (double)hn / 1e6;
    printf("\n| H2D, %llu MiB | cudaMallocHost | registered shmhub segment | ratio (segment/pinned, goal >= 0.9) |\n",
           (unsigned long long)(hn >> 20));
    printf("|---|---|---|---|\n");
    printf("| bandwidth | %.1f GB/s | %.1f GB/s | %.2fx |\n", gbs / t_pin, gbs / t_reg, t_pin / t_reg);
    printf("| (pageable malloc, for reference) | %.1f GB/s | | %.2fx of pinned |\n", gbs / t_page, t_pin / t_page);
    if (csv) {
        fprintf(csv, "h2d,registered segment,cudaMallocHost,%.2f,%.2f,GB/s,%.4f\n", gbs / t_pin, gbs / t_reg, t_pin / t_reg);
        fprintf(csv, "h2d,pageable malloc,cudaMallocHost,%.2f,%.2f,GB/s,%.4f\n", gbs / t_pin, gbs / t_page, t_pin / t_page);
        fclose(csv);
    }
    cudaFreeHost(pinned);
    free(pageable);
    cudaFree(src); cudaFree(tmp); cudaFree(dst);
    return 0;
}
