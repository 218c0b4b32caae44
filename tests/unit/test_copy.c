/* Payload copies at every alignment: shmhub_stream_write (copy into a slot) and
 * shmhub_stream_read_latest / shmhub_stream_read_next (copy out of a slot) from and into buffers
 * at many offsets mod 64, for frame sizes around every boundary of the copy code (the word loop
 * below 64 B, the straight-line vector copies up to 128 and 256 B, the 128-byte loop and its
 * 1..128-byte tail, `rep movsb` from 2 KiB for equally aligned buffers, non-temporal stores from
 * 32 MiB). Every byte of every frame differs from the previous frame's, so a byte left uncopied
 * shows; guard bytes around the destination and the slot's padding after the frame show a copy
 * that writes too much. */
#include <stdint.h>

#include "check.h"

#define GUARD 64
static const size_t offs_all[] = {0, 1, 7, 8, 15, 16, 31, 32, 33, 48, 63};
static const size_t offs_few[] = {0, 16, 48};

static unsigned char pattern(size_t i, unsigned frame) {
    return (unsigned char)((i * 131u + (i >> 8) * 7u + frame * 29u + 1u) | 1u) ^
           (unsigned char)(frame & 1 ? 0x80 : 0);
}

static int all_a5(const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xA5) return 0;
    return 1;
}

/* One stream of n bytes; every pair of source/destination offsets (from offs) once. */
static void check_size(size_t n, const size_t *offs, size_t noffs) {
    const char *name = test_name("copy");
    uint64_t shape[1] = {n};
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = 2;
    shmhub_stream *w = NULL, *r = NULL;
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, &o, &w), SHMHUB_OK);
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    if (!w || !r) {
        shmhub_stream_close(w);
        shmhub_stream_close(r);
        shmhub_unlink(name);
        return;
    }
    size_t cap = n + 2 * GUARD + 64;
    unsigned char *src = aligned_alloc(64, (cap + 63) / 64 * 64);
    unsigned char *dst = aligned_alloc(64, (cap + 63) / 64 * 64);
    CHECK(src && dst);
    if (!src || !dst) goto out;
    unsigned frame = 0;
    int bad_in = 0, bad_out = 0, bad_guard = 0, bad_pad = 0;
    for (size_t a = 0; a < noffs; a++) {
        for (size_t b = 0; b < noffs; b++) {
            frame++;
            unsigned char *s = src + GUARD + offs[a], *d = dst + GUARD + offs[b];
            for (size_t i = 0; i < n; i++) s[i] = pattern(i, frame);
            memset(dst, 0xA5, cap);
            CHECK_ST(shmhub_stream_write(w, s, n), SHMHUB_OK);
            /* The slot itself, through a zero-copy peek: the frame, then untouched padding. */
            const void *p = NULL;
            shmhub_frame_info info;
            memset(&info, 0, sizeof info);
            info.size = sizeof info;
            CHECK_ST(shmhub_stream_peek(r, &p, &info), SHMHUB_OK);
            if (p) {
                const unsigned char *slot = p;
                if (memcmp(slot, s, n) != 0) bad_in++;
                size_t stride = (n + 63) / 64 * 64;
                for (size_t i = n; i < stride; i++)
                    if (slot[i] != 0) bad_pad++;
            }
            const size_t reads = 2;
            for (size_t k = 0; k < reads; k++) {
                if (k == 0) {
                    CHECK_ST(shmhub_stream_read_latest(r, d, n, NULL), SHMHUB_OK);
                } else {
                    shmhub_stream_seek(r, frame - 1);
                    CHECK_ST(shmhub_stream_read_next(r, d, n, 0, NULL), SHMHUB_OK);
                }
                if (memcmp(d, s, n) != 0) bad_out++; /* s holds this frame's pattern */
                if (!all_a5(dst, (size_t)(d - dst)) || !all_a5(d + n, cap - (size_t)(d - dst) - n))
                    bad_guard++;
                memset(dst, 0xA5, cap);
            }
        }
    }
    if (bad_in || bad_out || bad_guard || bad_pad)
        fprintf(stderr, "size %zu: %d bad slots, %d bad reads, %d guards hit, %d padding bytes\n",
                n, bad_in, bad_out, bad_guard, bad_pad);
    CHECK(bad_in == 0);
    CHECK(bad_out == 0);
    CHECK(bad_guard == 0);
    CHECK(bad_pad == 0);
out:
    free(src);
    free(dst);
    shmhub_stream_close(r);
    shmhub_stream_close(w);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
}

int main(void) {
    const size_t nall = sizeof offs_all / sizeof offs_all[0];
    const size_t nfew = sizeof offs_few / sizeof offs_few[0];
    for (size_t n = 1; n <= 300; n++) check_size(n, offs_all, nall);
    static const size_t mid[] = {383, 384, 385, 511, 512, 513, 1000, 1023, 1024, 1025, 2047,
                                 2048, 2049, 2111, 4095, 4096, 4097, 4159, 40000, 65536 + 17};
    for (size_t i = 0; i < sizeof mid / sizeof mid[0]; i++) check_size(mid[i], offs_all, nall);
    check_size(4000000, offs_few, nfew);
    static const size_t offs_two[] = {0, 48};
    check_size((32u << 20) + 129, offs_two, 2); /* non-temporal stores */
    return check_finish("test_copy");
}
