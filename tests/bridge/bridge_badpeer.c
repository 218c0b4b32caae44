/* bridge_badpeer ENDPOINT NAME: a hostile sender for the receiver's validation test.
 *
 * Connects an XPUB socket to ENDPOINT, waits for the receiver's subscription, then sends, in order:
 * frame seq 1 of stream NAME (uint8, shape {16}), seven bad messages (a single part, a bad magic,
 * a truncated header, a short payload, a third part, another dtype for NAME, an invalid name),
 * then frames 2, 3 and 10. A correct receiver publishes 4 frames, counts 6 missed (4..9) and 7
 * rejected, and keeps running. Exit 0 once everything was queued. */
#include "bridge_wire.h"

#include <zmq.h>

#include <stdio.h>
#include <string.h>

static void frame(void *sock, bridge_header *h, uint64_t seq, int extra_part)
{
    unsigned char hdr[BRIDGE_HEADER_MAX], payload[16];
    for (int j = 0; j < 16; j++)
        payload[j] = (unsigned char)(seq * 16 + (uint64_t)j);
    h->seq = seq;
    size_t n = bridge_encode(h, hdr);
    zmq_send(sock, hdr, n, ZMQ_SNDMORE);
    zmq_send(sock, payload, (size_t)h->nbytes, extra_part ? ZMQ_SNDMORE : 0);
    if (extra_part)
        zmq_send(sock, "x", 1, 0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bridge_badpeer ENDPOINT NAME\n");
        return 2;
    }
    void *ctx = zmq_ctx_new(), *sock = zmq_socket(ctx, ZMQ_XPUB);
    int linger = 5000, rcvtimeo = 10000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_RCVTIMEO, &rcvtimeo, sizeof rcvtimeo);
    if (zmq_connect(sock, argv[1]) != 0) {
        fprintf(stderr, "bridge_badpeer: connect: %s\n", zmq_strerror(zmq_errno()));
        return 2;
    }
    unsigned char sub[64];
    if (zmq_recv(sock, sub, sizeof sub, 0) < 1 || sub[0] != 1) {
        fprintf(stderr, "bridge_badpeer: no subscription from the receiver within 10 s\n");
        return 1;
    }
    bridge_header h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", argv[2]);
    h.dtype = SHMHUB_DTYPE_UINT8;
    h.ndim = 1;
    h.shape[0] = 16;
    h.nbytes = 16;
    frame(sock, &h, 1, 0);
    /* 1: a single part */
    zmq_send(sock, "hello", 5, 0);
    /* 2: a bad magic */
    unsigned char hdr[BRIDGE_HEADER_MAX];
    size_t n = bridge_encode(&h, hdr);
    hdr[0] ^= 0xff;
    zmq_send(sock, hdr, n, ZMQ_SNDMORE);
    zmq_send(sock, "0123456789abcdef", 16, 0);
    /* 3: a truncated header */
    hdr[0] ^= 0xff;
    zmq_send(sock, hdr, 50, ZMQ_SNDMORE);
    zmq_send(sock, "0123456789abcdef", 16, 0);
    /* 4: a payload shorter than the header says */
    zmq_send(sock, hdr, n, ZMQ_SNDMORE);
    zmq_send(sock, "0123456789abcde", 15, 0);
    /* 5: a third part */
    frame(sock, &h, 2, 1);
    /* 6: another dtype and shape for the same name */
    bridge_header other = h;
    other.dtype = SHMHUB_DTYPE_FLOAT32;
    other.shape[0] = 4;
    frame(sock, &other, 2, 0);
    /* 7: a name with a '/' */
    n = bridge_encode(&h, hdr);
    hdr[BRIDGE_FIXED_LEN] = '/';
    zmq_send(sock, hdr, n, ZMQ_SNDMORE);
    zmq_send(sock, "0123456789abcdef", 16, 0);
    frame(sock, &h, 2, 0);
    frame(sock, &h, 3, 0);
    frame(sock, &h, 10, 0);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    return 0;
}
