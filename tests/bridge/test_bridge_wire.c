/* The bridge's wire header (src/cli/bridge_wire.c, docs/bridge.md): encode/decode round trips, one
 * test per rejection reason, and a fuzz-style run of random and mutated packets through the
 * decoder (run under ASan+UBSan by make test-asan): every packet is either rejected with a reason or
 * accepted as a header that re-encodes to exactly the same bytes. */
#include "bridge_wire.h"
#include "check.h"

#include <stdint.h>

static uint64_t rng = 0x9E3779B97F4A7C15u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bridge_header sample(void)
{
    bridge_header h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "cam0.left-1_x");
    h.seq = 42;
    h.timestamp_ns = 1700000000123456789;
    h.dtype = SHMHUB_DTYPE_FLOAT32;
    h.ndim = 3;
    h.shape[0] = 2; h.shape[1] = 480; h.shape[2] = 640;
    h.nbytes = 2u * 480u * 640u * 4u;
    return h;
}

/* Decodes buf and checks it is rejected with a reason containing needle. */
static void expect_reject(const unsigned char *buf, size_t len, size_t payload, const char *needle, int line)
{
    bridge_header h;
    char why[256] = "";
    int rc = bridge_decode(buf, len, payload, UINT64_MAX, &h, why, sizeof why);
    check_count++;
    if (rc != -1 || strstr(why, needle) == NULL) {
        check_failures++;
        fprintf(stderr, "line %d: expected a rejection naming '%s', got rc %d, '%s'\n", line, needle, rc, why);
    }
}
#define REJECT(buf, len, payload, needle) expect_reject(buf, len, payload, needle, __LINE__)

static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }

static void test_round_trip(void)
{
    bridge_header h = sample(), d;
    unsigned char buf[BRIDGE_HEADER_MAX];
    size_t n = bridge_encode(&h, buf);
    CHECK(n == BRIDGE_FIXED_LEN + strlen(h.name));
    CHECK(memcmp(buf, "SHBR", 4) == 0); /* the magic reads as text on the wire */
    char why[128];
    CHECK(bridge_decode(buf, n, (size_t)h.nbytes, UINT64_MAX, &d, why, sizeof why) == 0);
    CHECK(d.seq == 42 && d.timestamp_ns == h.timestamp_ns && d.dtype == h.dtype && d.ndim == 3);
    CHECK(d.shape[2] == 640 && d.shape[3] == 0 && d.nbytes == h.nbytes && strcmp(d.name, h.name) == 0);
    CHECK(bridge_decode(buf, n, BRIDGE_PAYLOAD_UNKNOWN, UINT64_MAX, &d, why, sizeof why) == 0);
    bridge_set_frame(buf, 7, -5);
    CHECK(bridge_decode(buf, n, (size_t)h.nbytes, UINT64_MAX, &d, why, sizeof why) == 0);
    CHECK(d.seq == 7 && d.timestamp_ns == -5);
    /* A 0-d (scalar) frame and every dtype. */
    for (int32_t dt = 1; dt <= SHMHUB_DTYPE_COUNT; dt++) {
        bridge_header s = sample();
        s.dtype = dt;
        s.ndim = 0;
        memset(s.shape, 0, sizeof s.shape);
        s.nbytes = shmhub_dtype_size(dt);
        n = bridge_encode(&s, buf);
        CHECK(n > 0);
        CHECK(bridge_decode(buf, n, (size_t)s.nbytes, UINT64_MAX, &d, why, sizeof why) == 0 && d.dtype == dt);
    }
    /* The encoder refuses what the decoder would reject. */
    h = sample();
    h.nbytes++;
    CHECK(bridge_encode(&h, buf) == 0);
    h = sample();
    snprintf(h.name, sizeof h.name, "bad/name");
    CHECK(bridge_encode(&h, buf) == 0);
}

static void test_rejections(void)
{
    bridge_header h = sample();
    unsigned char good[BRIDGE_HEADER_MAX], b[BRIDGE_HEADER_MAX + 8];
    size_t n = bridge_encode(&h, good);
    size_t pl = (size_t)h.nbytes;
    REJECT(good, 0, pl, "header of 0 bytes");
    REJECT(good, BRIDGE_FIXED_LEN - 1, pl, "header of");
#define MUT(stmt, needle) do { memcpy(b, good, n); stmt; REJECT(b, n, pl, needle); } while (0)
    MUT(b[0] = 'X', "bad magic");
    MUT(b[4] = 2, "wire version 2");
    MUT(b[8] = 1, "unknown flags");
    MUT(put32(b + 36, 0), "name length 0");
    MUT(put32(b + 36, 201), "name length 201");
    MUT(put32(b + 36, 3), "header length field");
    MUT(b[6]++, "header length field");
    MUT(b[BRIDGE_FIXED_LEN + 2] = '/', "invalid stream name");
    MUT(b[BRIDGE_FIXED_LEN] = 0, "invalid stream name");
    MUT(put32(b + 12, 99), "unknown dtype code 99");
    MUT(put32(b + 12, 0), "unknown dtype code 0");
    MUT(put32(b + 32, 9), "ndim 9");
    MUT(put64(b + 40 + 8 * 5, 1), "beyond ndim");
    MUT(put64(b + 40, UINT64_MAX), "overflows");
    MUT(put64(b + 40, 0), "empty frame");
    MUT(put64(b + 104, h.nbytes + 1), "nbytes");
    MUT(put64(b + 16, 0), "sequence number 0");
    memcpy(b, good, n);
    REJECT(b, n, pl + 1, "payload of");
    REJECT(b, n, 0, "payload of 0 bytes");
    b[n] = 'x';
    REJECT(b, n + 1, pl, "received"); /* trailing bytes after the name */
    bridge_header d;
    char why[128];
    CHECK(bridge_decode(good, n, pl, pl - 1, &d, why, sizeof why) == -1 && strstr(why, "limit"));
#undef MUT
}

/* Random bytes and mutated valid headers: rejected with a reason, or accepted and canonical. */
static void test_fuzz(void)
{
    unsigned char good[BRIDGE_HEADER_MAX], b[BRIDGE_HEADER_MAX + 64], re[BRIDGE_HEADER_MAX];
    uint64_t accepted = 0, rejected = 0;
    for (int iter = 0; iter < 300000; iter++) {
        bridge_header h = sample();
        h.ndim = (uint32_t)(next_rand() % 4);
        for (uint32_t i = 0; i < SHMHUB_MAX_NDIM; i++)
            h.shape[i] = i < h.ndim ? 1 + next_rand() % 5 : 0;
        h.nbytes = 4;
        for (uint32_t i = 0; i < h.ndim; i++)
            h.nbytes *= h.shape[i];
        size_t n = bridge_encode(&h, good), len;
        if (iter % 4 == 0) { /* pure noise, sometimes with the right magic */
            len = (size_t)(next_rand() % sizeof b);
            for (size_t i = 0; i < len; i++)
                b[i] = (unsigned char)next_rand();
            if (len >= 4 && (iter & 8))
                memcpy(b, "SHBR", 4);
        } else {
            memcpy(b, good, n);
            len = n;
            int flips = 1 + (int)(next_rand() % 4);
            for (int f = 0; f < flips; f++) {
                size_t at = (size_t)(next_rand() % n);
                b[at] = (next_rand() & 1) ? (unsigned char)next_rand() : (unsigned char)(b[at] ^ (1u << (next_rand() % 8)));
            }
            if (next_rand() % 8 == 0)
                len = (size_t)(next_rand() % (sizeof b));
        }
        size_t payload = (next_rand() & 1) ? (size_t)h.nbytes : (size_t)(next_rand() % 4096);
        bridge_header d;
        char why[160];
        why[0] = '\0';
        if (bridge_decode(b, len, payload, UINT64_C(1) << 32, &d, why, sizeof why) == 0) {
            accepted++;
            size_t m = bridge_encode(&d, re);
            CHECK(m == len && memcmp(re, b, len) == 0);
            CHECK(d.nbytes == payload && d.seq != 0);
        } else {
            rejected++;
            CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why) != NULL);
        }
    }
    printf("fuzz: %llu accepted (canonical), %llu rejected with a reason\n", (unsigned long long)accepted,
           (unsigned long long)rejected);
    CHECK(accepted > 1000 && rejected > 1000);
}

int main(void)
{
    test_round_trip();
    test_rejections();
    test_fuzz();
    return check_finish("bridge_wire");
}
