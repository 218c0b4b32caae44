/* bridge_producer: the C producer of the bridge tests and benchmark.
 *
 *   bridge_producer NAME FRAME_BYTES COUNT INTERVAL_US [SLOTS]
 *
 * Creates (or opens, if it exists with that frame size) stream NAME (dtype uint8, shape {FRAME_BYTES}, SLOTS ring slots, default 64; in
 * SHMHUB_DIR when set) and writes frames k = 1..COUNT, sleeping INTERVAL_US microseconds between
 * them (0: flat out); into an existing stream holding n frames, it writes k = n+1 .. n+COUNT.
 * COUNT 0 writes until SIGTERM/SIGINT. Frame k holds, at byte j:
 *   j < 8:  byte j of k as a little-endian uint64 (when FRAME_BYTES >= 8)
 *   j >= 8: (k * 131 + j * 7 + (j >> 8)) & 0xff
 * so a consumer checks every byte from the frame alone. With BRIDGE_PRODUCER_FAST=1 in the
 * environment (the benchmark) each frame is one memcpy of a fixed buffer plus k in its first 8
 * bytes (what a real producer costs, without the per-byte formula), and BRIDGE_PRODUCER_RATE=R
 * paces it to R frames per second (on an absolute schedule). Prints "wrote N" at exit; never unlinks.
 *
 *   bridge_producer check NAME FRAME_BYTES LAST TIMEOUT_MS
 *
 * The C consumer (tests/bridge/consumer.py is the Python one): opens NAME (in SHMHUB_DIR), reads
 * frames losslessly from the first one in the ring until a frame's k is LAST or TIMEOUT_MS pass, checks
 * every byte, and prints {"frames", "gaps" (k steps > 1, summed), "local_missed", "first", "last",
 * "bad"} as JSON. Exit 0 when every frame was byte-identical and LAST was seen, 1 otherwise. */
#include <shmhub.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static void fill(unsigned char *f, size_t n, uint64_t k)
{
    size_t j = 0;
    for (; j < 8 && j < n; j++)
        f[j] = n >= 8 ? (unsigned char)(k >> (8 * j)) : (unsigned char)((k * 131 + j * 7) & 0xff);
    for (; j < n; j++)
        f[j] = (unsigned char)((k * 131 + j * 7 + (j >> 8)) & 0xff);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int check(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: bridge_producer check NAME FRAME_BYTES LAST TIMEOUT_MS\n");
        return 2;
    }
    size_t n = strtoull(argv[3], NULL, 10);
    uint64_t last = strtoull(argv[4], NULL, 10);
    int64_t deadline = mono_ms() + strtoll(argv[5], NULL, 10);
    shmhub_stream *s = NULL;
    while (shmhub_stream_open(argv[2], NULL, &s) != SHMHUB_OK) {
        if (mono_ms() > deadline) {
            fprintf(stderr, "check: %s\n", shmhub_last_error());
            return 1;
        }
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
    }
    if (shmhub_stream_frame_nbytes(s) != n) {
        fprintf(stderr, "check: stream '%s' has %llu-byte frames, expected %zu\n", argv[2],
                (unsigned long long)shmhub_stream_frame_nbytes(s), n);
        return 1;
    }
    shmhub_stream_seek(s, 0);
    unsigned char *got = malloc(n), *want = malloc(n);
    uint64_t frames = 0, gaps = 0, local_missed = 0, first = 0, prev = 0, bad = 0;
    while (prev != last && mono_ms() < deadline) {
        shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
        shmhub_status st = shmhub_stream_read_next(s, got, n, 50000000, &info);
        if (st == SHMHUB_E_TIMEOUT)
            continue;
        if (st != SHMHUB_OK) {
            fprintf(stderr, "check: %s\n", shmhub_last_error());
            break;
        }
        local_missed += info.missed;
        uint64_t k = 0;
        for (int j = 7; j >= 0; j--)
            k = (k << 8) | got[j];
        fill(want, n, k);
        if (memcmp(got, want, n) != 0 || k <= prev) {
            if (bad++ < 5)
                fprintf(stderr, "check: frame with k=%llu (after %llu) differs from the producer's\n",
                        (unsigned long long)k, (unsigned long long)prev);
        }
        if (frames == 0)
            first = k;
        else if (k > prev + 1)
            gaps += k - prev - 1;
        frames++;
        prev = k;
    }
    printf("{\"frames\": %llu, \"gaps\": %llu, \"local_missed\": %llu, \"first\": %llu, \"last\": %llu, "
           "\"bad\": %llu}\n", (unsigned long long)frames, (unsigned long long)gaps,
           (unsigned long long)local_missed, (unsigned long long)first, (unsigned long long)prev,
           (unsigned long long)bad);
    free(got);
    free(want);
    shmhub_stream_close(s);
    return bad == 0 && prev == last ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "check") == 0)
        return check(argc, argv);
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: bridge_producer NAME FRAME_BYTES COUNT INTERVAL_US [SLOTS]\n");
        return 2;
    }
    uint64_t shape[1] = {strtoull(argv[2], NULL, 10)};
    uint64_t count = strtoull(argv[3], NULL, 10);
    long interval_us = strtol(argv[4], NULL, 10);
    shmhub_stream_opts opts = SHMHUB_STREAM_OPTS_INIT;
    opts.slots = argc == 6 ? (uint32_t)strtoul(argv[5], NULL, 10) : 64u;
    shmhub_stream *s = NULL;
    shmhub_status st = shape[0] ? shmhub_stream_create(argv[1], SHMHUB_DTYPE_UINT8, 1, shape, &opts, &s)
                                : SHMHUB_E_INVALID;
    if (st == SHMHUB_E_EXISTS) /* made beforehand (shmhub create --stream): write into it */
        st = shmhub_stream_open(argv[1], &opts, &s);
    if (st != SHMHUB_OK || shmhub_stream_frame_nbytes(s) != shape[0]) {
        fprintf(stderr, "bridge_producer: %s\n", shape[0] ? shmhub_last_error() : "FRAME_BYTES must be > 0");
        return 2;
    }
    signal(SIGTERM, on_sig);
    signal(SIGINT, on_sig);
    uint64_t k = shmhub_stream_count(s); /* an existing stream continues its numbering */
    count += k;
    int rc = 0;
    int forever = count == k;
    const char *fast_env = getenv("BRIDGE_PRODUCER_FAST");
    int fast = fast_env && strcmp(fast_env, "1") == 0 && shape[0] >= 8;
    unsigned char *tmpl = fast ? malloc((size_t)shape[0]) : NULL;
    const char *rate_env = getenv("BRIDGE_PRODUCER_RATE");
    double rate = rate_env ? strtod(rate_env, NULL) : 0.0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t k0 = k;
    if (tmpl)
        fill(tmpl, (size_t)shape[0], 0);
    while (!stop && (forever || k < count)) {
        void *frame;
        if (shmhub_stream_loan(s, &frame) != SHMHUB_OK) {
            fprintf(stderr, "bridge_producer: %s\n", shmhub_last_error());
            rc = 1;
            break;
        }
        ++k;
        if (tmpl) {
            memcpy(frame, tmpl, (size_t)shape[0]);
            memcpy(frame, &k, 8); /* little-endian hosts only: the benchmark's stamp */
        }
        else
            fill(frame, (size_t)shape[0], k);
        shmhub_stream_commit(s);
        if (rate > 0) {
            double due = (double)(k - k0) / rate, now;
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            now = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9;
            if (due - now > 200e-6) {
                double w = due - now;
                struct timespec d = {(time_t)w, (long)((w - (double)(time_t)w) * 1e9)};
                nanosleep(&d, NULL);
            }
        } else if (interval_us > 0) {
            struct timespec d = {interval_us / 1000000, (interval_us % 1000000) * 1000};
            nanosleep(&d, NULL);
        }
    }
    free(tmpl);
    printf("wrote %llu\n", (unsigned long long)k);
    shmhub_stream_close(s);
    return rc;
}
