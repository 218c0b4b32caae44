// The other process of the real-GPU tests (C writer / reader). Exit 0: success; 1: wrong bytes
// or wrong status; 2: a call failed. Lines on stdout are read by the test.
//   gpu_peer read NAME SEED MINSEQ      open, wait for frame MINSEQ, read, check pattern SEED
//   gpu_peer readnow NAME SEED          open, print "ready", read the next frame as soon as it is
//                                       published (print "read_ns T"), check pattern SEED
//   gpu_peer write NAME DTYPE SEED MODE create (37x5 of DTYPE), write pattern SEED, print
//                                       "written", wait for an importer, then MODE: wait = close
//                                       (waits for importers; prints "closed_ns T"), die = exit
//                                       without closing, close0 = close without waiting
//   gpu_peer cache NAME SEED            two opens share one import; read through both
#include "gpu_common.cuh"

#include <unistd.h>

static int fail(const char *what, shmhub_status st) {
    printf("error %s: %s (%s)\n", what, shmhub_status_name(st), shmhub_cuda_last_error());
    return 2;
}

static shmhub_status open_retry(const char *name, shmhub_gpu_stream **s) {
    shmhub_status st;
    int64_t end = mono_now_ns() + INT64_C(10000000000);
    while ((st = shmhub_gpu_stream_open(name, NULL, s)) == SHMHUB_E_NOT_FOUND && mono_now_ns() < end)
        sleep_ms(5);
    return st;
}

static int check_read(shmhub_gpu_stream *s, uint32_t seed, int64_t *read_ns) {
    uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
    void *dst;
    cudaStream_t cs;
    cudaSetDevice(shmhub_gpu_stream_device(s));
    cudaStreamCreateWithFlags(&cs, cudaStreamNonBlocking);
    cudaMalloc(&dst, n);
    cudaMemsetAsync(dst, 0, n, cs);
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    if (read_ns) *read_ns = now_ns();
    shmhub_status st = shmhub_gpu_stream_read_latest_device(s, dst, n, cs, &info);
    if (st != SHMHUB_OK) return fail("read_latest_device", st);
    unsigned long long bad = count_bad(dst, n, seed, cs);
    if ((st = shmhub_gpu_stream_validate(s, &info)) != SHMHUB_OK) return fail("validate", st);
    cudaFree(dst);
    cudaStreamDestroy(cs);
    printf("seq %llu bad %llu of %llu\n", (unsigned long long)info.seq, bad, (unsigned long long)n);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of gpu_peer.cu\n");
        return 2;
    }
    const char *cmd = argv[1], *name = argv[2];
    shmhub_gpu_stream *s = NULL;
    shmhub_status st;
    if (!strcmp(cmd, "read") && argc == 5) {
        if ((st = open_retry(name, &s)) != SHMHUB_OK) return fail("open", st);
        uint64_t want = strtoull(argv[4], NULL, 10);
        int64_t end = mono_now_ns() + INT64_C(10000000000);
        while (shmhub_gpu_stream_count(s) < want && mono_now_ns() < end)
            shmhub_gpu_stream_wait(s, 100000000);
        int rc = check_read(s, (uint32_t)atoi(argv[3]), NULL);
        shmhub_gpu_stream_close(s);
        return rc;
    }
    if (!strcmp(cmd, "readnow")) {
        if ((st = open_retry(name, &s)) != SHMHUB_OK) return fail("open", st);
        uint64_t c0 = shmhub_gpu_stream_count(s);
        printf("ready\n");
        int64_t end = mono_now_ns() + INT64_C(10000000000);
        while (shmhub_gpu_stream_count(s) <= c0 && mono_now_ns() < end) { /* spin: read at once */ }
        int64_t t;
        int rc = check_read(s, (uint32_t)atoi(argv[3]), &t);
        printf("read_ns %lld\n", (long long)t);
        shmhub_gpu_stream_close(s);
        return rc;
    }
    if (!strcmp(cmd, "write") && argc == 6) {
        shmhub_dtype dt = (shmhub_dtype)atoi(argv[3]);
        uint32_t seed = (uint32_t)atoi(argv[4]);
        const char *mode = argv[5];
        shmhub_segment_opts so = SHMHUB_SEGMENT_OPTS_INIT;
        so.flags = SHMHUB_UNLINK_ON_CLOSE;
        shmhub_gpu_stream_opts o = SHMHUB_GPU_STREAM_OPTS_INIT;
        o.segment = &so;
        o.close_timeout_ns = !strcmp(mode, "close0") ? 0 : INT64_C(20000000000);
        if ((st = shmhub_gpu_stream_create(name, dt, 2, kShape, 0, &o, &s)) != SHMHUB_OK)
            return fail("create", st);
        uint64_t n = shmhub_gpu_stream_frame_nbytes(s);
        void *src;
        cudaMalloc(&src, n);
        fill(src, n, seed, 0);
        if ((st = shmhub_gpu_stream_write_device(s, src, n, NULL)) != SHMHUB_OK)
            return fail("write_device", st);
        cudaDeviceSynchronize();
        printf("written\n");
        // Spin (no sleep: a reader may import, read and close within a timer tick), and remember
        // what was seen rather than asking again.
        int64_t end = mono_now_ns() + INT64_C(20000000000);
        int seen = 0;
        while (!(seen = shmhub_gpu_stream_importers(s) >= 1) && mono_now_ns() < end) {}
        if (!seen) {
            printf("error: no importer came\n");
            return 1;
        }
        if (!strcmp(mode, "die")) _exit(0);
        shmhub_gpu_stream_close(s);
        printf("closed_ns %lld\n", (long long)now_ns());
        return 0;
    }
    if (!strcmp(cmd, "cache")) {
        shmhub_gpu_stream *b = NULL;
        if ((st = open_retry(name, &s)) != SHMHUB_OK) return fail("open", st);
        if ((st = shmhub_gpu_stream_open(name, NULL, &b)) != SHMHUB_OK) return fail("open 2", st);
        void *pa = NULL, *pb = NULL;
        if ((st = shmhub_gpu_stream_peek_device(s, &pa, NULL, NULL)) != SHMHUB_OK) return fail("peek", st);
        if ((st = shmhub_gpu_stream_peek_device(b, &pb, NULL, NULL)) != SHMHUB_OK) return fail("peek 2", st);
        uint32_t imp = shmhub_gpu_stream_importers(s);
        printf("same_ptr %d importers %u creator %d\n", pa == pb, imp, shmhub_gpu_stream_is_creator(s));
        if (pa != pb || imp != 1 || shmhub_gpu_stream_is_creator(s)) return 1;
        shmhub_gpu_stream_close(s);
        int rc = check_read(b, (uint32_t)atoi(argv[3]), NULL);
        shmhub_gpu_stream_close(b);
        return rc;
    }
    fprintf(stderr, "gpu_peer: unknown command %s\n", cmd);
    return 2;
}
