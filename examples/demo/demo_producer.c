/* The live demo's C producer (make demo). Publishes, until SIGINT/SIGTERM or --seconds:
 *   PREFIX.frames  1000x1000 float32 "sensor" frames at --fps (default 50): frame = ref.base +
 *                  (seq % 100) * 0.01, with element [0][0] and the last element set to seq, so a
 *                  reader can prove a frame is whole;
 *   PREFIX.ticks   64 float64 "market" ticks at --tick-hz (default 10000): [0] and [63] = seq,
 *                  [1..62] a random walk of prices (deterministic);
 *   PREFIX.ref     a segment of named reference arrays: base[1000,1000] f4 (the sensor's fixed
 *                  pattern), symbols[62] u4, weights[62] f8.
 * At exit it prints one JSON line: {"role":"producer","frames":N,"ticks":M,...}.
 * Usage: demo_producer PREFIX [--seconds S] [--fps F] [--tick-hz H] */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <shmhub.h>

#define W 1000
#define H 1000
#define TICK_N 64
#define NPRICES (TICK_N - 2)

static volatile sig_atomic_t stop_flag = 0;
static void on_signal(int sig) { (void)sig; stop_flag = 1; }

static int die(const char *what) {
    fprintf(stderr, "demo_producer: %s: %s\n", what, shmhub_last_error());
    return 1;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t) {
    struct timespec ts = {(time_t)(t / 1000000000), (long)(t % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_flag) {
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s PREFIX [--seconds S] [--fps F] [--tick-hz H]\n", argv[0]);
        return 2;
    }
    const char *prefix = argv[1];
    double seconds = 1e9, fps = 50, tick_hz = 10000;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--fps")) fps = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--tick-hz")) tick_hz = atof(argv[i + 1]);
        else {
            fprintf(stderr, "demo_producer: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (fps <= 0 || tick_hz <= 0 || seconds <= 0) {
        fprintf(stderr, "demo_producer: --seconds, --fps and --tick-hz must be positive\n");
        return 2;
    }
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK) return die("version");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    char name[256];
    /* Reference arrays, read zero-copy by the consumers. */
    shmhub_layout *layout;
    const uint64_t base_shape[2] = {H, W}, nprices[1] = {NPRICES};
    if (shmhub_layout_new(&layout) ||
        shmhub_layout_add(layout, "base", SHMHUB_DTYPE_FLOAT32, 2, base_shape) ||
        shmhub_layout_add(layout, "symbols", SHMHUB_DTYPE_UINT32, 1, nprices) ||
        shmhub_layout_add(layout, "weights", SHMHUB_DTYPE_FLOAT64, 1, nprices))
        return die("layout");
    shmhub_segment *ref;
    snprintf(name, sizeof name, "%s.ref", prefix);
    shmhub_status st = shmhub_segment_create(name, layout, NULL, &ref);
    shmhub_layout_free(layout);
    if (st) return die("create ref");
    const shmhub_array *a_base, *a_sym, *a_w;
    shmhub_segment_find(ref, "base", &a_base);
    shmhub_segment_find(ref, "symbols", &a_sym);
    shmhub_segment_find(ref, "weights", &a_w);
    float *base = shmhub_array_data(a_base);
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++)
            base[r * W + c] = 100.0f + 10.0f * sinf(0.02f * (float)c) * cosf(0.03f * (float)r);
    uint32_t *sym = shmhub_array_data(a_sym);
    double *wts = shmhub_array_data(a_w);
    for (int i = 0; i < NPRICES; i++) {
        sym[i] = 1000u + (uint32_t)i;
        wts[i] = 1.0 / NPRICES;
    }

    shmhub_stream *frames, *ticks;
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = 8;
    snprintf(name, sizeof name, "%s.frames", prefix);
    const uint64_t fshape[2] = {H, W};
    if (shmhub_stream_create(name, SHMHUB_DTYPE_FLOAT32, 2, fshape, &o, &frames))
        return die("create frames");
    o.slots = 4096; /* ~0.4 s of ticks: a lossless reader may fall that far behind */
    snprintf(name, sizeof name, "%s.ticks", prefix);
    const uint64_t tshape[1] = {TICK_N};
    if (shmhub_stream_create(name, SHMHUB_DTYPE_FLOAT64, 1, tshape, &o, &ticks))
        return die("create ticks");
    fprintf(stderr, "demo_producer: publishing %s.frames (%dx%d f4 @ %.0f Hz) and %s.ticks "
                    "(%d f8 @ %.0f Hz)\n", prefix, H, W, fps, prefix, TICK_N, tick_hz);

    double prices[NPRICES];
    for (int i = 0; i < NPRICES; i++) prices[i] = 100.0 + i;
    uint64_t rng = 88172645463325252ull;
    const int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
    const int64_t frame_period = (int64_t)(1e9 / fps), tick_period = (int64_t)(1e9 / tick_hz);
    int64_t next_frame = start, next_tick = start;
    uint64_t nframes = 0, nticks = 0;
    double tick[TICK_N];
    while (!stop_flag) {
        int64_t t = next_frame < next_tick ? next_frame : next_tick;
        if (t >= end) break;
        sleep_until(t);
        if (stop_flag) break;
        if (next_tick <= next_frame) {
            tick[0] = tick[TICK_N - 1] = (double)(nticks + 1);
            for (int i = 0; i < NPRICES; i++) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; /* xorshift64 */
                prices[i] += ((double)(rng % 2001) - 1000.0) * 1e-4;
                tick[i + 1] = prices[i];
            }
            if (shmhub_stream_write(ticks, tick, sizeof tick)) return die("write tick");
            nticks++;
            next_tick += tick_period;
        } else {
            void *p;
            if (shmhub_stream_loan(frames, &p)) return die("loan frame");
            float *f = p, off = (float)((nframes + 1) % 100) * 0.01f;
            for (int i = 0; i < W * H; i++) f[i] = base[i] + off; /* zero-copy: built in place */
            f[0] = f[W * H - 1] = (float)(nframes + 1);
            if (shmhub_stream_commit(frames)) return die("commit frame");
            nframes++;
            next_frame += frame_period;
        }
    }
    double elapsed = (double)(now_ns() - start) / 1e9;
    printf("{\"role\":\"producer\",\"frames\":%llu,\"ticks\":%llu,\"seconds\":%.3f,"
           "\"frame_hz\":%.1f,\"tick_hz\":%.1f,\"frame_mb_s\":%.1f}\n",
           (unsigned long long)nframes, (unsigned long long)nticks, elapsed, nframes / elapsed,
           nticks / elapsed, nframes * (double)W * H * 4 / elapsed / 1e6);
    fflush(stdout);
    shmhub_stream_close(frames);
    shmhub_stream_close(ticks);
    shmhub_segment_close(ref);
    return 0;
}
