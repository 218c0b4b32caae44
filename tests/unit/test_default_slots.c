/* The default ring depth (slots = 0 in the options, the default since 1.1): 8 frames, fewer for
 * large frames so that the ring stays within 8 MiB, never fewer than 2; an explicit slots value is
 * always obeyed, and NULL options mean the default. A stream with the chosen depth keeps every
 * guarantee: lossless read_next within slots - 2 frames, exact missed counts after an overrun. */
#include <stdint.h>

#include "check.h"

static uint32_t slots_for(uint64_t nbytes, uint32_t slots, int null_opts) {
    const char *name = test_name("depth");
    uint64_t shape[1] = {nbytes};
    shmhub_stream_opts o = SHMHUB_STREAM_OPTS_INIT;
    o.slots = slots;
    shmhub_stream *s = NULL;
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, null_opts ? NULL : &o, &s),
             SHMHUB_OK);
    uint32_t n = shmhub_stream_slots(s);
    shmhub_stream *r = NULL; /* an opener reads the depth from the segment */
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    CHECK(shmhub_stream_slots(r) == n);
    shmhub_stream_close(r);
    shmhub_stream_close(s);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
    return n;
}

/* Overrun rules with the chosen depth: write `ahead` frames past the cursor, then read_next. */
static void check_overrun(uint64_t nbytes) {
    const char *name = test_name("depth-overrun");
    uint64_t shape[1] = {nbytes};
    shmhub_stream *w = NULL, *r = NULL;
    CHECK_ST(shmhub_stream_create(name, SHMHUB_DTYPE_UINT8, 1, shape, NULL, &w), SHMHUB_OK);
    CHECK_ST(shmhub_stream_open(name, NULL, &r), SHMHUB_OK);
    unsigned char *buf = malloc(nbytes);
    CHECK(w && r && buf);
    if (w && r && buf) {
        uint32_t slots = shmhub_stream_slots(w);
        uint64_t head = 0;
        for (uint64_t ahead = 1; ahead <= slots + 3; ahead++) {
            for (uint64_t i = 0; i < ahead; i++) {
                head++;
                memset(buf, (int)(head & 0xff), nbytes);
                CHECK_ST(shmhub_stream_write(w, buf, nbytes), SHMHUB_OK);
            }
            shmhub_frame_info info;
            memset(&info, 0, sizeof info);
            info.size = sizeof info;
            CHECK_ST(shmhub_stream_read_next(r, buf, nbytes, 0, &info), SHMHUB_OK);
            /* within slots - 2 frames nothing is lost; beyond, the oldest safe frame is
             * head - slots + 2 and missed counts exactly the frames skipped */
            uint64_t want = ahead <= (uint64_t)slots - 1 ? head - ahead + 1 : head - slots + 2;
            CHECK(info.seq == want);
            CHECK(info.missed == want - (head - ahead + 1));
            CHECK(buf[0] == (unsigned char)(want & 0xff) && buf[nbytes - 1] == buf[0]);
            shmhub_stream_seek(r, head);
        }
    }
    free(buf);
    shmhub_stream_close(r);
    shmhub_stream_close(w);
    CHECK_ST(shmhub_unlink(name), SHMHUB_OK);
}

int main(void) {
    shmhub_stream_opts o;
    CHECK_ST(shmhub_stream_opts_init(&o, sizeof o), SHMHUB_OK);
    CHECK(o.slots == 0);
    const uint64_t MiB = UINT64_C(1) << 20;
    CHECK(slots_for(64, 0, 0) == 8);
    CHECK(slots_for(64, 0, 1) == 8);              /* NULL options: the same default */
    CHECK(slots_for(MiB, 0, 0) == 8);             /* 8 x 1 MiB = the budget */
    CHECK(slots_for(MiB + 1, 0, 0) == 7);         /* a 64-byte-padded slot over 1 MiB */
    CHECK(slots_for(2 * MiB, 0, 0) == 4);
    CHECK(slots_for(4000000, 0, 0) == 2);         /* 4 MB frames (1000x1000 f32) */
    CHECK(slots_for(4 * MiB + 64, 0, 0) == 2);    /* under 2 per budget: still 2 */
    CHECK(slots_for(64 * MiB, 0, 1) == 2);
    CHECK(slots_for(4000000, 8, 0) == 8);         /* explicit slots are obeyed */
    CHECK(slots_for(64, 3, 0) == 3);
    CHECK(slots_for(4000000, 2, 0) == 2);
    check_overrun(64);
    check_overrun(3 * MiB); /* 2 slots by default */
    check_overrun(2 * MiB); /* 4 slots by default */
    return check_finish("test_default_slots");
}
