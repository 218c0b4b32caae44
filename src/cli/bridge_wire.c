/* bridge_wire: encode and validate the `shmhub bridge` wire header. The byte layout is documented
 * in docs/bridge.md; every field is little-endian and read once, bounds-checked, before use. */
#include "bridge_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Byte offsets inside the fixed part (docs/bridge.md, "Wire format"). */
enum {
    OFF_MAGIC = 0, OFF_VERSION = 4, OFF_HLEN = 6, OFF_FLAGS = 8, OFF_DTYPE = 12, OFF_SEQ = 16,
    OFF_TS = 24, OFF_NDIM = 32, OFF_NAMELEN = 36, OFF_SHAPE = 40, OFF_NBYTES = 104
};

static void put16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)v; p[1] = (unsigned char)(v >> 8); }
static void put32(unsigned char *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static void put64(unsigned char *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i)); }
static uint16_t get16(const unsigned char *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t get32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}
static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

int bridge_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > BRIDGE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int fail(char *why, size_t why_len, const char *fmt, ...)
{
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Checks dtype, ndim, shape and nbytes agree; 0 or -1 with a reason. */
static int check_shape(int32_t dtype, uint32_t ndim, const uint64_t *shape, uint64_t nbytes,
                       uint64_t max_nbytes, char *why, size_t why_len)
{
    size_t item = shmhub_dtype_size(dtype);
    if (item == 0)
        return fail(why, why_len, "unknown dtype code %d", (int)dtype);
    if (ndim > SHMHUB_MAX_NDIM)
        return fail(why, why_len, "ndim %u > %d", ndim, SHMHUB_MAX_NDIM);
    uint64_t total = item;
    for (uint32_t i = 0; i < ndim; i++) {
        if (shape[i] != 0 && total > UINT64_MAX / shape[i])
            return fail(why, why_len, "shape overflows 64 bits");
        total *= shape[i];
    }
    for (uint32_t i = ndim; i < SHMHUB_MAX_NDIM; i++)
        if (shape[i] != 0)
            return fail(why, why_len, "shape[%u] = %llu beyond ndim %u is not 0", i,
                        (unsigned long long)shape[i], ndim);
    if (total == 0)
        return fail(why, why_len, "empty frame (a stream frame holds at least one byte)");
    if (total != nbytes)
        return fail(why, why_len, "nbytes %llu != shape x dtype size %llu", (unsigned long long)nbytes,
                    (unsigned long long)total);
    if (nbytes > max_nbytes)
        return fail(why, why_len, "frame of %llu bytes > limit %llu", (unsigned long long)nbytes,
                    (unsigned long long)max_nbytes);
    return 0;
}

size_t bridge_encode(const bridge_header *h, unsigned char *out)
{
    size_t nl = strnlen(h->name, BRIDGE_NAME_MAX + 1);
    if (!bridge_name_ok(h->name, nl) ||
        check_shape(h->dtype, h->ndim, h->shape, h->nbytes, UINT64_MAX, NULL, 0) != 0)
        return 0;
    memset(out, 0, BRIDGE_FIXED_LEN);
    put32(out + OFF_MAGIC, BRIDGE_MAGIC);
    put16(out + OFF_VERSION, BRIDGE_VERSION);
    put16(out + OFF_HLEN, (uint16_t)(BRIDGE_FIXED_LEN + nl));
    put32(out + OFF_FLAGS, 0);
    put32(out + OFF_DTYPE, (uint32_t)h->dtype);
    put64(out + OFF_SEQ, h->seq);
    put64(out + OFF_TS, (uint64_t)h->timestamp_ns);
    put32(out + OFF_NDIM, h->ndim);
    put32(out + OFF_NAMELEN, (uint32_t)nl);
    for (uint32_t i = 0; i < SHMHUB_MAX_NDIM; i++)
        put64(out + OFF_SHAPE + 8 * i, i < h->ndim ? h->shape[i] : 0);
    put64(out + OFF_NBYTES, h->nbytes);
    memcpy(out + BRIDGE_FIXED_LEN, h->name, nl);
    return BRIDGE_FIXED_LEN + nl;
}

void bridge_set_frame(unsigned char *hdr, uint64_t seq, int64_t timestamp_ns)
{
    put64(hdr + OFF_SEQ, seq);
    put64(hdr + OFF_TS, (uint64_t)timestamp_ns);
}

int bridge_decode(const unsigned char *buf, size_t len, size_t payload_len, uint64_t max_nbytes,
                  bridge_header *h, char *why, size_t why_len)
{
    memset(h, 0, sizeof *h);
    if (len < BRIDGE_FIXED_LEN)
        return fail(why, why_len, "header of %zu bytes < %u", len, BRIDGE_FIXED_LEN);
    uint32_t magic = get32(buf + OFF_MAGIC);
    if (magic != BRIDGE_MAGIC)
        return fail(why, why_len, "bad magic 0x%08x (not a shmhub bridge packet)", magic);
    uint16_t version = get16(buf + OFF_VERSION);
    if (version != BRIDGE_VERSION)
        return fail(why, why_len, "wire version %u, this receiver speaks %u", version, BRIDGE_VERSION);
    uint32_t flags = get32(buf + OFF_FLAGS);
    if (flags != 0)
        return fail(why, why_len, "unknown flags 0x%x", flags);
    uint32_t nl = get32(buf + OFF_NAMELEN);
    if (nl == 0 || nl > BRIDGE_NAME_MAX)
        return fail(why, why_len, "name length %u outside 1..%u", nl, BRIDGE_NAME_MAX);
    uint16_t hlen = get16(buf + OFF_HLEN);
    if (hlen != BRIDGE_FIXED_LEN + nl || len != hlen)
        return fail(why, why_len, "header length field %u, name length %u, received %zu bytes", hlen, nl,
                    len);
    const char *name = (const char *)buf + BRIDGE_FIXED_LEN;
    if (!bridge_name_ok(name, nl))
        return fail(why, why_len, "invalid stream name (1-200 of [A-Za-z0-9._-])");
    uint32_t ndim = get32(buf + OFF_NDIM);
    uint64_t shape[SHMHUB_MAX_NDIM];
    for (uint32_t i = 0; i < SHMHUB_MAX_NDIM; i++)
        shape[i] = get64(buf + OFF_SHAPE + 8 * i);
    int32_t dtype = (int32_t)get32(buf + OFF_DTYPE);
    uint64_t nbytes = get64(buf + OFF_NBYTES);
    if (check_shape(dtype, ndim, shape, nbytes, max_nbytes, why, why_len) != 0)
        return -1;
    if (payload_len != BRIDGE_PAYLOAD_UNKNOWN && nbytes != (uint64_t)payload_len)
        return fail(why, why_len, "stream '%.*s': payload of %zu bytes, header says %llu", (int)nl, name,
                    payload_len, (unsigned long long)nbytes);
    uint64_t seq = get64(buf + OFF_SEQ);
    if (seq == 0)
        return fail(why, why_len, "stream '%.*s': sequence number 0", (int)nl, name);
    h->seq = seq;
    h->timestamp_ns = (int64_t)get64(buf + OFF_TS);
    h->dtype = dtype;
    h->ndim = ndim;
    memcpy(h->shape, shape, sizeof shape);
    h->nbytes = nbytes;
    memcpy(h->name, name, nl);
    h->name[nl] = '\0';
    return 0;
}
