/* bridge_wire: the `shmhub bridge` wire header (docs/bridge.md), encoded and validated.
 *
 * Private to the CLI; no libzmq here, so the decoder is unit- and fuzz-tested on its own. */
#ifndef SHMHUB_BRIDGE_WIRE_H
#define SHMHUB_BRIDGE_WIRE_H

#include <shmhub.h>

#include <stddef.h>
#include <stdint.h>

#define BRIDGE_MAGIC UINT32_C(0x52424853) /* "SHBR" as little-endian bytes */
#define BRIDGE_VERSION 1u
#define BRIDGE_FIXED_LEN 112u             /* bytes before the name */
#define BRIDGE_NAME_MAX 200u
#define BRIDGE_HEADER_MAX (BRIDGE_FIXED_LEN + BRIDGE_NAME_MAX)

/* One frame's header, host order. */
typedef struct bridge_header {
    uint64_t seq;          /* the source stream's sequence number (first frame = 1) */
    int64_t timestamp_ns;  /* the source commit time, CLOCK_REALTIME */
    int32_t dtype;         /* a shmhub_dtype code */
    uint32_t ndim;         /* 0..SHMHUB_MAX_NDIM */
    uint64_t shape[SHMHUB_MAX_NDIM];
    uint64_t nbytes;       /* payload bytes = product(shape) * dtype size */
    char name[BRIDGE_NAME_MAX + 1];
} bridge_header;

/* Encodes h into out (at least BRIDGE_HEADER_MAX bytes); returns the encoded length, or 0 when h
 * itself is invalid (the same checks as bridge_decode). */
size_t bridge_encode(const bridge_header *h, unsigned char *out);

/* Decodes and validates a header part of len bytes followed by a payload of payload_len bytes
 * (BRIDGE_PAYLOAD_UNKNOWN: not received yet; the caller then checks the payload's size itself).
 * Returns 0 and fills *h, or -1 with a one-line reason in why (why_len bytes, NUL-terminated).
 * max_nbytes bounds the accepted payload size. Never reads outside buf[0, len). */
#define BRIDGE_PAYLOAD_UNKNOWN ((size_t)-1)
int bridge_decode(const unsigned char *buf, size_t len, size_t payload_len, uint64_t max_nbytes,
                  bridge_header *h, char *why, size_t why_len);

/* Rewrites the per-frame fields (seq, timestamp) of an encoded header in place. */
void bridge_set_frame(unsigned char *hdr, uint64_t seq, int64_t timestamp_ns);

/* 1 when name is a valid segment name (1-200 of [A-Za-z0-9._-]). */
int bridge_name_ok(const char *name, size_t len);

#endif
