/* shmhub bridge: republishes local streams to other hosts over ZeroMQ (docs/bridge.md).
 *
 *   shmhub bridge send STREAM... --to tcp://HOST:PORT   one XPUB socket, frames read from the streams
 *   shmhub bridge recv --bind tcp://0.0.0.0:PORT [STREAM...]   one SUB socket, frames written to local streams
 *   shmhub bridge keygen FILE                            a CURVE key pair for --curve
 *
 * Uses only the public API of abi/shmhub.h plus libzmq. A message is two parts: the wire header
 * (bridge_wire.h) and the frame's bytes. Built into the CLI only when libzmq is found. */
#include "bridge.h"

#include "bridge_wire.h"

#include <shmhub.h>
#include <zmq.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };
#define ZERO_COPY_MIN 8192u     /* frames this big: two parts, handed to libzmq without a copy;
                                   smaller: one part (header then frame), copied by libzmq */
#define MAX_STREAMS_DEFAULT 64u
#define MAX_ALLOW 64
#define REJECT_LOG_FULL 20u     /* rejections logged one by one; then one line per 1000 */

const char BRIDGE_USAGE[] =
    "usage: shmhub bridge send STREAM... --to ENDPOINT [options]\n"
    "       shmhub bridge recv --bind ENDPOINT [STREAM...] [options]\n"
    "       shmhub bridge keygen FILE\n"
    "\n"
    "Moves stream frames between hosts over ZeroMQ (docs/bridge.md). `send` reads every\n"
    "frame of the local STREAMs and publishes it to ENDPOINT (tcp://HOST:PORT); `recv`\n"
    "binds ENDPOINT (tcp://*:PORT), creates or opens a local stream of the same name,\n"
    "dtype and shape, and publishes each frame there. Sequence gaps are counted as missed.\n"
    "When the link is slower than the producer the sender keeps only the newest frame\n"
    "(drops are counted); memory stays bounded by --queue-bytes / --hwm.\n"
    "\n"
    "common options:\n"
    "  -c, --count N          stop after N frames sent / received (default: run until signalled)\n"
    "  -T, --duration SEC     stop after SEC seconds\n"
    "  -j, --stats FILE       write counters as JSON to FILE twice a second and at exit\n"
    "  -k, --curve KEYFILE    CURVE encryption with this key pair (see keygen)\n"
    "  -d, --dir DIR          directory of the local segments (default SHMHUB_DIR or /dev/shm)\n"
    "  -q, --quiet            no per-stream summary on stdout at exit\n"
    "send options:\n"
    "  -t, --to ENDPOINT      where the receiver listens (required)\n"
    "  -K, --server-key Z85   the receiver's CURVE public key (with --curve)\n"
    "  -Q, --queue-bytes N    bytes queued per link before dropping to latest-value\n"
    "                         (default 16777216; high-water mark = N / frame size, 2..1000)\n"
    "  -w, --open-timeout SEC wait up to SEC for the STREAMs to exist (default 10)\n"
    "recv options:\n"
    "  -b, --bind ENDPOINT    where to listen (required)\n"
    "  -H, --hwm N            frames queued before the receiver stops reading (default 32)\n"
    "  -M, --max-frame-bytes N  reject larger frames (default 268435456)\n"
    "  -S, --max-streams N    local streams the receiver may create (default 64)\n"
    "  -n, --slots N          ring slots of the streams it creates (default 8)\n"
    "  -a, --allow ADDRESS    accept only these peer IP addresses (repeatable)\n"
    "  -A, --allow-key Z85    with --curve: accept only these client public keys (repeatable)\n"
    "STREAMs given to recv restrict which names it accepts (others are rejected).\n"
    "Exit status: 0 success, 1 an operation failed, 2 usage error.\n";

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static void logf_(const char *who, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shmhub bridge %s: ", who);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("shmhub bridge: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'shmhub help bridge'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || *s == '\0' || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || end == s || !(v >= 0) || v > 1e9)
        return -1;
    *out = v;
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* ---- CURVE keys ------------------------------------------------------------------------------- */

typedef struct keypair { char pub[41], sec[41]; } keypair;

static int z85_key_ok(const char *k)
{
    uint8_t bin[32];
    return strlen(k) == 40 && zmq_z85_decode(bin, k) != NULL;
}

/* KEYFILE: "public: Z85\nsecret: Z85\n" (what keygen writes). */
static int read_keyfile(const char *path, keypair *kp)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        logf_("curve", "key file '%s': %s", path, strerror(errno));
        return -1;
    }
    char line[256];
    int got = 0;
    memset(kp, 0, sizeof *kp);
    while (fgets(line, sizeof line, f)) {
        char key[41];
        if (sscanf(line, "public: %40s", key) == 1) {
            memcpy(kp->pub, key, 41);
            got |= 1;
        } else if (sscanf(line, "secret: %40s", key) == 1) {
            memcpy(kp->sec, key, 41);
            got |= 2;
        }
    }
    fclose(f);
    if (got != 3 || !z85_key_ok(kp->pub) || !z85_key_ok(kp->sec)) {
        logf_("curve", "key file '%s': expected 'public: Z85' and 'secret: Z85' lines of 40 characters",
              path);
        return -1;
    }
    return 0;
}

static int cmd_keygen(int argc, char **argv)
{
    if (argc != 3)
        return usage_error("keygen: expected one FILE");
    if (!zmq_has("curve")) {
        logf_("keygen", "this libzmq has no CURVE support (built without libsodium)");
        return EXIT_ERR;
    }
    keypair kp;
    if (zmq_curve_keypair(kp.pub, kp.sec) != 0) {
        logf_("keygen", "zmq_curve_keypair: %s", zmq_strerror(zmq_errno()));
        return EXIT_ERR;
    }
    FILE *f = NULL;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd >= 0)
        f = fdopen(fd, "w");
    if (!f) {
        logf_("keygen", "cannot create '%s': %s", argv[2], strerror(errno));
        if (fd >= 0)
            close(fd);
        return EXIT_ERR;
    }
    fprintf(f, "public: %s\nsecret: %s\n", kp.pub, kp.sec);
    if (fclose(f) != 0) {
        logf_("keygen", "writing '%s': %s", argv[2], strerror(errno));
        return EXIT_ERR;
    }
    printf("%s\n", kp.pub);
    return EXIT_OK;
}

/* ---- ZAP handler (allow-lists) ---------------------------------------------------------------- */

typedef struct zap_state {
    void *ctx;
    void *rep;                      /* bound before the SUB socket binds */
    const char *addrs[MAX_ALLOW];
    int naddrs;
    const char *keys[MAX_ALLOW];    /* Z85 client keys */
    int nkeys;
    _Atomic uint64_t denied;
    _Atomic uint64_t accepted;
} zap_state;

static int zap_recv_part(void *sock, char *buf, size_t cap, size_t *len, int *more)
{
    int n = zmq_recv(sock, buf, cap, 0);
    if (n < 0)
        return -1;
    *len = (size_t)n > cap ? cap : (size_t)n;
    int m = 0;
    size_t ml = sizeof m;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &m, &ml);
    *more = m;
    return 0;
}

static void *zap_thread(void *arg)
{
    zap_state *z = arg;
    for (;;) {
        char part[8][256];
        size_t len[8];
        int n = 0, more = 1;
        while (more) {
            char scratch[256];
            char *dst = n < 8 ? part[n] : scratch;
            size_t l;
            if (zap_recv_part(z->rep, dst, 255, &l, &more) != 0)
                goto done; /* ETERM: the context is shutting down */
            if (n < 8) {
                part[n][l] = '\0';
                len[n] = l;
            }
            n++;
        }
        if (n < 6)
            continue; /* not a ZAP request; REP needs a reply anyway, but libzmq only sends requests */
        const char *address = part[3], *mechanism = part[5];
        int ok = 1;
        if (z->naddrs > 0) {
            ok = 0;
            for (int i = 0; i < z->naddrs; i++)
                if (strcmp(address, z->addrs[i]) == 0)
                    ok = 1;
        }
        char z85[41] = "";
        if (ok && z->nkeys > 0) {
            ok = 0;
            if (strcmp(mechanism, "CURVE") == 0 && n >= 7 && len[6] == 32) {
                zmq_z85_encode(z85, (const uint8_t *)part[6], 32);
                for (int i = 0; i < z->nkeys; i++)
                    if (strcmp(z85, z->keys[i]) == 0)
                        ok = 1;
            }
        }
        if (ok) {
            atomic_fetch_add(&z->accepted, 1);
        } else {
            atomic_fetch_add(&z->denied, 1);
            logf_("recv", "denied a connection from %s (mechanism %s%s%s): not on the allow-list", address,
                  mechanism, z85[0] ? ", key " : "", z85);
        }
        zmq_send(z->rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(z->rep, part[1], len[1], ZMQ_SNDMORE);
        zmq_send(z->rep, ok ? "200" : "400", 3, ZMQ_SNDMORE);
        zmq_send(z->rep, ok ? "OK" : "not allowed", ok ? 2 : 11, ZMQ_SNDMORE);
        zmq_send(z->rep, "", 0, ZMQ_SNDMORE);
        zmq_send(z->rep, "", 0, 0);
    }
done:
    zmq_close(z->rep);
    return NULL;
}

/* ---- stats ------------------------------------------------------------------------------------ */

static void json_str(FILE *f, const char *s)
{
    /* Stream names are [A-Za-z0-9._-]; endpoints and paths are printed with quotes escaped. */
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if ((unsigned char)*s >= 0x20)
            fputc(*s, f);
    }
    fputc('"', f);
}

/* ---- send ------------------------------------------------------------------------------------- */

typedef struct txbuf {
    struct txbuf *next;
    struct txpool *pool;
    unsigned char *data;
} txbuf;

typedef struct txpool {
    pthread_mutex_t mu;
    txbuf *free;
    size_t nbytes;
} txpool;

static txbuf *pool_get(txpool *p)
{
    pthread_mutex_lock(&p->mu);
    txbuf *b = p->free;
    if (b)
        p->free = b->next;
    pthread_mutex_unlock(&p->mu);
    if (b)
        return b;
    b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (posix_memalign((void **)&b->data, 64, p->nbytes) != 0) {
        free(b);
        return NULL;
    }
    b->pool = p;
    return b;
}

static void pool_put(txbuf *b)
{
    txpool *p = b->pool;
    pthread_mutex_lock(&p->mu);
    b->next = p->free;
    p->free = b;
    pthread_mutex_unlock(&p->mu);
}

/* libzmq's I/O thread calls this once it has sent (or discarded) a zero-copy message. */
static void pool_release_cb(void *data, void *hint)
{
    (void)data;
    pool_put(hint);
}

static void pool_destroy(txpool *p)
{
    txbuf *b = p->free;
    while (b) {
        txbuf *n = b->next;
        free(b->data);
        free(b);
        b = n;
    }
    pthread_mutex_destroy(&p->mu);
}

typedef struct tx_stream {
    const char *name;
    shmhub_stream *s;
    size_t nbytes;
    unsigned char hdr[BRIDGE_HEADER_MAX];
    size_t hlen;
    size_t off;              /* where a frame starts in a pool buffer: hlen for one-part messages */
    txpool pool;
    txbuf *pending;          /* a frame read but not yet accepted by the socket */
    uint64_t pending_seq;
    int64_t pending_ts;
    uint64_t sent, dropped, missed_local, no_receiver, last_sent_seq, busy;
} tx_stream;

typedef struct tx_opts {
    const char *to, *curve, *server_key, *stats, *dir;
    uint64_t count, queue_bytes;
    double duration, open_timeout;
    int quiet;
} tx_opts;

/* Sends t's pending frame without blocking: 0 sent, 1 the queue is full (EAGAIN), -1 error. */
static int tx_try_send(void *sock, tx_stream *t)
{
    if (t->nbytes < ZERO_COPY_MIN) { /* one part: header then frame, both in the pending buffer */
        unsigned char *buf = t->pending->data;
        memcpy(buf, t->hdr, t->hlen);
        bridge_set_frame(buf, t->pending_seq, t->pending_ts);
        if (zmq_send(sock, buf, t->hlen + t->nbytes, ZMQ_DONTWAIT) < 0)
            return zmq_errno() == EAGAIN ? 1 : -1;
        pool_put(t->pending);
        t->pending = NULL;
        t->sent++;
        t->last_sent_seq = t->pending_seq;
        return 0;
    }
    bridge_set_frame(t->hdr, t->pending_seq, t->pending_ts);
    if (zmq_send(sock, t->hdr, t->hlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return zmq_errno() == EAGAIN ? 1 : -1;
    int rc;
    {
        zmq_msg_t msg;
        /* libzmq owns the buffer until pool_release_cb; the ring slot itself is never handed out
         * (the producer may overwrite it while the I/O thread still sends). */
        zmq_msg_init_data(&msg, t->pending->data, t->nbytes, pool_release_cb, t->pending);
        rc = zmq_msg_send(&msg, sock, 0); /* the second part of a message is never refused */
        if (rc < 0) {
            zmq_msg_close(&msg);
            return -1;
        }
    }
    t->pending = NULL;
    t->sent++;
    t->last_sent_seq = t->pending_seq;
    return 0;
}

static void tx_write_stats(const tx_opts *o, tx_stream *ts, int n, int subscribed, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    uint64_t sent = 0, dropped = 0, missed = 0, nr = 0;
    fprintf(f, "{\"role\": \"send\", \"subscribed\": %d, \"to\": ", subscribed);
    json_str(f, o->to);
    fputs(", \"streams\": {", f);
    for (int i = 0; i < n; i++) {
        tx_stream *t = &ts[i];
        fprintf(f, "%s\"%s\": {\"sent\": %" PRIu64 ", \"dropped\": %" PRIu64 ", \"missed_local\": %" PRIu64
                   ", \"no_receiver\": %" PRIu64 ", \"last_seq\": %" PRIu64 ", \"lapped\": %" PRIu64
                   ", \"frame_bytes\": %zu}",
                i ? ", " : "", t->name, t->sent, t->dropped, t->missed_local, t->no_receiver,
                t->last_sent_seq, t->busy, t->nbytes);
        sent += t->sent;
        dropped += t->dropped;
        missed += t->missed_local;
        nr += t->no_receiver;
    }
    fprintf(f, "}, \"sent\": %" PRIu64 ", \"dropped\": %" PRIu64 ", \"missed_local\": %" PRIu64
               ", \"no_receiver\": %" PRIu64 "}\n", sent, dropped, missed, nr);
    if (fclose(f) == 0)
        rename(tmp, path);
}

static int tx_open_streams(const tx_opts *o, tx_stream *ts, int n)
{
    shmhub_segment_opts sopts;
    shmhub_segment_opts_init(&sopts, sizeof sopts);
    sopts.dir = o->dir;
    sopts.flags |= SHMHUB_READ_ONLY;
    shmhub_stream_opts opts;
    shmhub_stream_opts_init(&opts, sizeof opts);
    opts.segment = &sopts;
    int64_t deadline = now_ns() + (int64_t)(o->open_timeout * 1e9);
    for (int i = 0; i < n; i++) {
        tx_stream *t = &ts[i];
        for (;;) {
            shmhub_status st = shmhub_stream_open(t->name, &opts, &t->s);
            if (st == SHMHUB_OK)
                break;
            if (st != SHMHUB_E_NOT_FOUND || now_ns() >= deadline || g_stop) {
                logf_("send", "stream '%s': %s", t->name, shmhub_last_error());
                return -1;
            }
            struct timespec d = {0, 20000000};
            nanosleep(&d, NULL);
        }
        bridge_header h;
        memset(&h, 0, sizeof h);
        snprintf(h.name, sizeof h.name, "%s", t->name);
        h.seq = 1;
        h.dtype = shmhub_stream_dtype(t->s);
        h.ndim = shmhub_stream_ndim(t->s);
        const uint64_t *shape = shmhub_stream_shape(t->s);
        for (uint32_t d = 0; d < h.ndim && d < SHMHUB_MAX_NDIM; d++)
            h.shape[d] = shape[d];
        h.nbytes = shmhub_stream_frame_nbytes(t->s);
        t->nbytes = (size_t)h.nbytes;
        t->hlen = bridge_encode(&h, t->hdr);
        if (t->hlen == 0) {
            logf_("send", "stream '%s': cannot describe its frames on the wire", t->name);
            return -1;
        }
        /* The newest frame at open is sent too (the receiver starts from the current value). */
        uint64_t have = shmhub_stream_count(t->s);
        if (have > 0)
            shmhub_stream_seek(t->s, have - 1);
        pthread_mutex_init(&t->pool.mu, NULL);
        t->off = t->nbytes < ZERO_COPY_MIN ? t->hlen : 0;
        t->pool.nbytes = t->off + t->nbytes;
    }
    return 0;
}

/* Reads the next frame of t into a fresh pending buffer: 1 got one, 0 none new, -1 error. */
static int tx_read_next(tx_stream *t)
{
    txbuf *b = pool_get(&t->pool);
    if (!b) {
        logf_("send", "stream '%s': out of memory for a %zu-byte frame", t->name, t->nbytes);
        return -1;
    }
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_status st = shmhub_stream_read_next(t->s, b->data + t->off, t->nbytes, 0, &info);
    if (st != SHMHUB_OK) {
        pool_put(b);
        if (st == SHMHUB_E_TIMEOUT)
            return 0;
        if (st == SHMHUB_E_BUSY) { /* the producer lapped us repeatedly: jump to its newest frame */
            t->busy++;
            uint64_t newest = shmhub_stream_count(t->s);
            if (newest > 1) {
                uint64_t cur = shmhub_stream_cursor(t->s);
                t->missed_local += newest - 1 > cur ? newest - 1 - cur : 0;
                shmhub_stream_seek(t->s, newest - 1);
            }
            return 0;
        }
        logf_("send", "stream '%s': %s", t->name, shmhub_last_error());
        return -1;
    }
    t->missed_local += info.missed;
    t->pending = b;
    t->pending_seq = info.seq;
    t->pending_ts = info.timestamp_ns;
    return 1;
}

/* The link is full and t holds a pending frame: if a newer one exists, replace the pending frame
 * with the newest (latest-value); the replaced frames are counted as dropped. */
static int tx_refresh_latest(tx_stream *t)
{
    if (shmhub_stream_count(t->s) <= t->pending_seq)
        return 0;
    txbuf *b = pool_get(&t->pool);
    if (!b)
        return -1;
    shmhub_frame_info info = SHMHUB_FRAME_INFO_INIT;
    shmhub_status st = shmhub_stream_read_latest(t->s, b->data + t->off, t->nbytes, &info);
    if (st != SHMHUB_OK || info.seq <= t->pending_seq) {
        pool_put(b);
        if (st == SHMHUB_E_BUSY) { /* lapped: keep the pending frame, try again next time */
            t->busy++;
            return 0;
        }
        if (st != SHMHUB_OK)
            logf_("send", "stream '%s': %s", t->name, shmhub_last_error());
        return st == SHMHUB_OK ? 0 : -1;
    }
    t->dropped += info.seq - t->pending_seq;
    pool_put(t->pending);
    t->pending = b;
    t->pending_seq = info.seq;
    t->pending_ts = info.timestamp_ns;
    return 1;
}

static int set_curve_client(void *sock, const tx_opts *o)
{
    keypair kp;
    if (read_keyfile(o->curve, &kp) != 0)
        return -1;
    if (!o->server_key || !z85_key_ok(o->server_key)) {
        logf_("send", "--curve needs --server-key, the receiver's 40-character Z85 public key");
        return -1;
    }
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, o->server_key, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, kp.pub, 40) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kp.sec, 40) != 0) {
        logf_("send", "CURVE: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

static int cmd_send(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"to", required_argument, NULL, 't'}, {"count", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'T'}, {"stats", required_argument, NULL, 'j'},
        {"curve", required_argument, NULL, 'k'}, {"server-key", required_argument, NULL, 'K'},
        {"queue-bytes", required_argument, NULL, 'Q'}, {"open-timeout", required_argument, NULL, 'w'},
        {"dir", required_argument, NULL, 'd'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    tx_opts o = {.queue_bytes = 16u << 20, .open_timeout = 10.0};
    int opt;
    while ((opt = getopt_long(argc, argv, "t:c:T:j:k:K:Q:w:d:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': o.to = optarg; break;
        case 'c': if (parse_u64(optarg, 1, UINT64_MAX, &o.count)) return usage_error("bad --count '%s'", optarg); break;
        case 'T': if (parse_seconds(optarg, &o.duration)) return usage_error("bad --duration '%s'", optarg); break;
        case 'j': o.stats = optarg; break;
        case 'k': o.curve = optarg; break;
        case 'K': o.server_key = optarg; break;
        case 'Q': if (parse_u64(optarg, 1, UINT64_C(1) << 40, &o.queue_bytes)) return usage_error("bad --queue-bytes '%s'", optarg); break;
        case 'w': if (parse_seconds(optarg, &o.open_timeout)) return usage_error("bad --open-timeout '%s'", optarg); break;
        case 'd': o.dir = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': fputs(BRIDGE_USAGE, stdout); return EXIT_OK;
        default: return EXIT_USAGE;
        }
    }
    if (!o.to)
        return usage_error("send: --to ENDPOINT is required");
    int n = argc - optind;
    if (n <= 0)
        return usage_error("send: missing STREAM");
    if (o.server_key && !o.curve)
        return usage_error("send: --server-key needs --curve KEYFILE");
    tx_stream *ts = calloc((size_t)n, sizeof *ts);
    if (!ts)
        return EXIT_ERR;
    for (int i = 0; i < n; i++)
        ts[i].name = argv[optind + i];
    install_signals();

    int rc = EXIT_ERR;
    void *ctx = zmq_ctx_new();
    void *sock = NULL;
    if (tx_open_streams(&o, ts, n) != 0)
        goto out;
    size_t maxframe = 1;
    for (int i = 0; i < n; i++)
        maxframe = ts[i].nbytes > maxframe ? ts[i].nbytes : maxframe;
    uint64_t hwm64 = o.queue_bytes / maxframe;
    int hwm = hwm64 < 2 ? 2 : hwm64 > 1000 ? 1000 : (int)hwm64;
    sock = zmq_socket(ctx, ZMQ_XPUB);
    int one = 1, zero = 0;
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_XPUB_NODROP, &one, sizeof one); /* EAGAIN at the HWM, so drops are counted */
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    /* Queue only on a live connection: the pipe ends with the connection, so a receiver's exit is
     * seen (its unsubscription) and nothing stale waits for the next receiver. */
    zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
    if (o.curve && set_curve_client(sock, &o) != 0)
        goto out;
    if (zmq_connect(sock, o.to) != 0) {
        logf_("send", "cannot connect to '%s': %s", o.to, zmq_strerror(zmq_errno()));
        rc = EXIT_USAGE;
        goto out;
    }
    int subscribed = 0;
    uint64_t total = 0;
    int64_t start = now_ns(), next_stats = start, next_sub_check = start;
    int64_t end = o.duration > 0 ? start + (int64_t)(o.duration * 1e9) : INT64_MAX;
    rc = EXIT_OK;
    while (!g_stop && (o.count == 0 || total < o.count) && now_ns() < end) {
        /* Subscriptions: the receiver's subscribe ("\x01") and, when its connection ends, unsubscribe. */
        /* (Checked once a millisecond: an empty non-blocking receive costs libzmq a poll(2).) */
        int64_t t_now = now_ns();
        if (t_now >= next_sub_check) {
            unsigned char sub[256];
            int sn;
            while ((sn = zmq_recv(sock, sub, sizeof sub, ZMQ_DONTWAIT)) > 0)
                subscribed = sub[0] == 1;
            next_sub_check = t_now + 1000000;
        }
        int progressed = 0, blocked = 0;
        for (int i = 0; i < n && rc == EXIT_OK; i++) {
            tx_stream *t = &ts[i];
            if (!t->pending) {
                int r = tx_read_next(t);
                if (r < 0) {
                    rc = EXIT_ERR;
                    break;
                }
                if (r == 0)
                    continue;
                progressed = 1;
                if (!subscribed) { /* nobody listens: counted, not queued */
                    t->no_receiver++;
                    pool_put(t->pending);
                    t->pending = NULL;
                    continue;
                }
            }
            int s = tx_try_send(sock, t);
            if (s < 0) {
                logf_("send", "stream '%s': sending to '%s': %s", t->name, o.to, zmq_strerror(zmq_errno()));
                rc = EXIT_ERR;
            } else if (s == 0) {
                progressed = 1;
                total++;
            } else {
                blocked = 1;
                if (tx_refresh_latest(t) < 0)
                    rc = EXIT_ERR;
            }
        }
        if (o.stats && now_ns() >= next_stats) {
            tx_write_stats(&o, ts, n, subscribed, o.stats);
            next_stats = now_ns() + 500000000;
        }
        if (progressed && !blocked)
            continue;
        if (blocked) {
            zmq_pollitem_t it = {sock, 0, ZMQ_POLLOUT | ZMQ_POLLIN, 0};
            zmq_poll(&it, 1, 2);
        } else if (n == 1 && subscribed) {
            shmhub_stream_wait(ts[0].s, 20000000);
        } else {
            zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
            zmq_poll(&it, 1, 1);
        }
    }
    if (o.stats)
        tx_write_stats(&o, ts, n, subscribed, o.stats);
    if (!o.quiet)
        for (int i = 0; i < n; i++)
            printf("send '%s': sent=%" PRIu64 " dropped=%" PRIu64 " missed_local=%" PRIu64
                   " no_receiver=%" PRIu64 "\n", ts[i].name, ts[i].sent, ts[i].dropped,
                   ts[i].missed_local, ts[i].no_receiver);
out:
    if (sock)
        zmq_close(sock);
    zmq_ctx_term(ctx); /* after this every zero-copy buffer is back in its pool */
    for (int i = 0; i < n; i++) {
        if (ts[i].pending)
            pool_put(ts[i].pending);
        if (ts[i].pool.nbytes)
            pool_destroy(&ts[i].pool);
        shmhub_stream_close(ts[i].s);
    }
    free(ts);
    return rc;
}

/* ---- recv ------------------------------------------------------------------------------------- */

typedef struct rx_stream {
    char name[BRIDGE_NAME_MAX + 1];
    shmhub_stream *s;            /* NULL: refused (see refused_why) */
    char refused_why[160];
    size_t nbytes;
    uint64_t frames, missed, first_seq, last_seq, restarts, rejected;
} rx_stream;

typedef struct rx_opts {
    const char *bind, *curve, *stats, *dir;
    const char **only;
    int nonly;
    uint64_t count, hwm, max_frame, max_streams, slots;
    double duration;
    int quiet;
} rx_opts;

typedef struct rx_state {
    rx_stream *st;
    uint64_t n, cap;
    uint64_t frames, rejected, logged;
} rx_state;

static void rx_reject(rx_state *r, const char *fmt, ...)
{
    r->rejected++;
    if (r->logged < REJECT_LOG_FULL || r->rejected % 1000 == 0) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (r->logged < REJECT_LOG_FULL)
            logf_("recv", "rejected a packet: %s", msg);
        else
            logf_("recv", "rejected %" PRIu64 " packets so far; latest: %s", r->rejected, msg);
        r->logged++;
    }
}

static int same_layout(const shmhub_stream *s, const bridge_header *h)
{
    if (shmhub_stream_dtype(s) != h->dtype || shmhub_stream_ndim(s) != h->ndim)
        return 0;
    const uint64_t *shape = shmhub_stream_shape(s);
    for (uint32_t i = 0; i < h->ndim; i++)
        if (shape[i] != h->shape[i])
            return 0;
    return 1;
}

/* Finds or sets up the local stream for h; NULL when the name is not accepted (rejected). */
static rx_stream *rx_stream_for(rx_state *r, const rx_opts *o, const bridge_header *h)
{
    for (uint64_t i = 0; i < r->n; i++)
        if (strcmp(r->st[i].name, h->name) == 0) {
            rx_stream *x = &r->st[i];
            if (!x->s) {
                x->rejected++;
                rx_reject(r, "stream '%s': %s", x->name, x->refused_why);
                return NULL;
            }
            if (!same_layout(x->s, h)) {
                x->rejected++;
                rx_reject(r, "stream '%s': the sender changed dtype or shape (%" PRIu64 " bytes)", x->name,
                          h->nbytes);
                return NULL;
            }
            return x;
        }
    if (o->nonly > 0) {
        int ok = 0;
        for (int i = 0; i < o->nonly; i++)
            ok |= strcmp(o->only[i], h->name) == 0;
        if (!ok) {
            rx_reject(r, "stream '%s' is not one of the names this receiver accepts", h->name);
            return NULL;
        }
    }
    if (r->n >= o->max_streams) {
        rx_reject(r, "stream '%s': already receiving %" PRIu64 " streams (--max-streams)", h->name, r->n);
        return NULL;
    }
    if (r->n == r->cap) {
        uint64_t cap = r->cap ? r->cap * 2 : 8;
        rx_stream *ns = realloc(r->st, cap * sizeof *ns);
        if (!ns)
            return NULL;
        r->st = ns;
        r->cap = cap;
    }
    rx_stream *x = &r->st[r->n++];
    memset(x, 0, sizeof *x);
    snprintf(x->name, sizeof x->name, "%s", h->name);
    x->nbytes = (size_t)h->nbytes;
    shmhub_segment_opts sopts;
    shmhub_segment_opts_init(&sopts, sizeof sopts);
    sopts.dir = o->dir;
    shmhub_stream_opts opts;
    shmhub_stream_opts_init(&opts, sizeof opts);
    opts.segment = &sopts;
    opts.slots = (uint32_t)o->slots;
    shmhub_status st = shmhub_stream_open(h->name, &opts, &x->s);
    if (st == SHMHUB_E_NOT_FOUND)
        st = shmhub_stream_create(h->name, h->dtype, h->ndim, h->shape, &opts, &x->s);
    if (st == SHMHUB_E_EXISTS) /* created by someone else between our open and create */
        st = shmhub_stream_open(h->name, &opts, &x->s);
    if (st != SHMHUB_OK) {
        snprintf(x->refused_why, sizeof x->refused_why, "%s", shmhub_last_error());
        x->s = NULL;
    } else if (!same_layout(x->s, h)) {
        snprintf(x->refused_why, sizeof x->refused_why,
                 "the local stream has another dtype or shape than the sender's (%s, %u dims, %" PRIu64
                 " bytes per frame)", shmhub_dtype_str(h->dtype), h->ndim, h->nbytes);
        shmhub_stream_close(x->s);
        x->s = NULL;
    }
    if (!x->s) {
        x->rejected++;
        rx_reject(r, "stream '%s': %s", x->name, x->refused_why);
        return NULL;
    }
    logf_("recv", "stream '%s': publishing locally (%s, %u dims, %" PRIu64 " bytes per frame)", x->name,
          shmhub_dtype_str(h->dtype), h->ndim, h->nbytes);
    return x;
}

static void drain_parts(void *sock)
{
    int more = 1;
    size_t ml = sizeof more;
    for (int i = 0; i < 1024; i++) {
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
        if (!more)
            return;
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        zmq_msg_close(&m);
    }
}

static int rcvmore(void *sock)
{
    int more = 0;
    size_t ml = sizeof more;
    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml);
    return more;
}

/* Receives one message (header + payload) without waiting and publishes it: 1 published,
 * 0 rejected, -2 nothing queued, -1 error. */
/* Copies the frame once, from libzmq's message into a loaned ring slot, and counts gaps. */
static int rx_publish(rx_state *r, rx_stream *x, const bridge_header *hp, const void *payload)
{
    bridge_header h = *hp;
    void *slot = NULL;
    shmhub_status st = shmhub_stream_loan(x->s, &slot);
    if (st != SHMHUB_OK) {
        logf_("recv", "stream '%s': %s", x->name, shmhub_last_error());
        return -1;
    }
    memcpy(slot, payload, h.nbytes);
    st = shmhub_stream_commit(x->s);
    if (st != SHMHUB_OK) {
        logf_("recv", "stream '%s': %s", x->name, shmhub_last_error());
        return -1;
    }
    if (x->frames == 0 || h.seq <= x->last_seq) {
        if (x->frames > 0) {
            x->restarts++;
            logf_("recv", "stream '%s': sequence went back from %" PRIu64 " to %" PRIu64
                          " (the sender's stream restarted); counting from there", x->name, x->last_seq,
                  h.seq);
        }
        if (x->frames == 0)
            x->first_seq = h.seq;
    } else if (h.seq > x->last_seq + 1) {
        x->missed += h.seq - x->last_seq - 1;
    }
    x->last_seq = h.seq;
    x->frames++;
    r->frames++;
    return 1;
}

static int rx_one(void *sock, rx_state *r, const rx_opts *o)
{
    zmq_msg_t m1, m2;
    zmq_msg_init(&m1);
    zmq_msg_init(&m2);
    int rc = 0;
    if (zmq_msg_recv(&m1, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&m1);
        return zmq_errno() == EAGAIN || zmq_errno() == EINTR ? -2 : -1;
    }
    const unsigned char *p1 = zmq_msg_data(&m1), *payload;
    size_t n1 = zmq_msg_size(&m1), hlen, plen;
    if (rcvmore(sock)) { /* two parts: header, frame */
        if (zmq_msg_recv(&m2, sock, 0) < 0)
            goto out;
        hlen = n1;
        payload = zmq_msg_data(&m2);
        plen = zmq_msg_size(&m2);
    } else { /* one part: header then frame (small frames); the header says its own length */
        hlen = n1 >= 8 ? (size_t)(p1[6] | (p1[7] << 8)) : n1;
        if (hlen > n1 || hlen < BRIDGE_FIXED_LEN)
            hlen = n1 < BRIDGE_FIXED_LEN ? n1 : BRIDGE_FIXED_LEN; /* the decoder says what is wrong */
        payload = p1 + hlen;
        plen = n1 - hlen;
    }
    int extra = rcvmore(sock);
    bridge_header h;
    char why[256];
    if (bridge_decode(p1, hlen, BRIDGE_PAYLOAD_UNKNOWN, o->max_frame, &h, why, sizeof why) != 0) {
        rx_reject(r, "%s", why);
        goto out;
    }
    rx_stream *x = rx_stream_for(r, o, &h);
    if (!x)
        goto out;
    if (plen != h.nbytes || extra) {
        x->rejected++;
        rx_reject(r, "stream '%s': payload of %zu bytes%s, header says %" PRIu64, x->name, plen,
                  extra ? " followed by more parts" : "", h.nbytes);
        goto out;
    }
    rc = rx_publish(r, x, &h, payload);
out:
    drain_parts(sock);
    zmq_msg_close(&m1);
    zmq_msg_close(&m2);
    return rc;
}

static void rx_write_stats(const rx_opts *o, const rx_state *r, const zap_state *z, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    uint64_t missed = 0;
    fputs("{\"role\": \"recv\", \"bind\": ", f);
    json_str(f, o->bind);
    fputs(", \"streams\": {", f);
    for (uint64_t i = 0; i < r->n; i++) {
        const rx_stream *x = &r->st[i];
        fprintf(f, "%s\"%s\": {\"frames\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"first_seq\": %" PRIu64
                   ", \"last_seq\": %" PRIu64 ", \"restarts\": %" PRIu64 ", \"rejected\": %" PRIu64
                   ", \"frame_bytes\": %zu}",
                i ? ", " : "", x->name, x->frames, x->missed, x->first_seq, x->last_seq, x->restarts,
                x->rejected, x->nbytes);
        missed += x->missed;
    }
    fprintf(f, "}, \"frames\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"rejected\": %" PRIu64
               ", \"denied\": %" PRIu64 "}\n", r->frames, missed, r->rejected,
            z ? atomic_load(&((zap_state *)z)->denied) : 0);
    if (fclose(f) == 0)
        rename(tmp, path);
}

static int cmd_recv(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bind", required_argument, NULL, 'b'}, {"count", required_argument, NULL, 'c'},
        {"duration", required_argument, NULL, 'T'}, {"stats", required_argument, NULL, 'j'},
        {"curve", required_argument, NULL, 'k'}, {"hwm", required_argument, NULL, 'H'},
        {"max-frame-bytes", required_argument, NULL, 'M'}, {"max-streams", required_argument, NULL, 'S'},
        {"slots", required_argument, NULL, 'n'}, {"allow", required_argument, NULL, 'a'},
        {"allow-key", required_argument, NULL, 'A'}, {"dir", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    rx_opts o = {.hwm = 32, .max_frame = 256u << 20, .max_streams = MAX_STREAMS_DEFAULT, .slots = 8};
    zap_state *z = calloc(1, sizeof *z);
    if (!z)
        return EXIT_ERR;
    int opt, rc = EXIT_USAGE;
    while ((opt = getopt_long(argc, argv, "b:c:T:j:k:H:M:S:n:a:A:d:qh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'b': o.bind = optarg; break;
        case 'c': if (parse_u64(optarg, 1, UINT64_MAX, &o.count)) { usage_error("bad --count '%s'", optarg); goto free_z; } break;
        case 'T': if (parse_seconds(optarg, &o.duration)) { usage_error("bad --duration '%s'", optarg); goto free_z; } break;
        case 'j': o.stats = optarg; break;
        case 'k': o.curve = optarg; break;
        case 'H': if (parse_u64(optarg, 1, 1000000, &o.hwm)) { usage_error("bad --hwm '%s'", optarg); goto free_z; } break;
        case 'M': if (parse_u64(optarg, 1, (uint64_t)INT64_MAX, &o.max_frame)) { usage_error("bad --max-frame-bytes '%s'", optarg); goto free_z; } break;
        case 'S': if (parse_u64(optarg, 1, 100000, &o.max_streams)) { usage_error("bad --max-streams '%s'", optarg); goto free_z; } break;
        case 'n': if (parse_u64(optarg, 2, 65536, &o.slots)) { usage_error("bad --slots '%s' (2 to 65536)", optarg); goto free_z; } break;
        case 'a':
            if (z->naddrs == MAX_ALLOW) { usage_error("at most %d --allow", MAX_ALLOW); goto free_z; }
            z->addrs[z->naddrs++] = optarg;
            break;
        case 'A':
            if (z->nkeys == MAX_ALLOW || !z85_key_ok(optarg)) { usage_error("bad --allow-key '%s' (a 40-character Z85 key)", optarg); goto free_z; }
            z->keys[z->nkeys++] = optarg;
            break;
        case 'd': o.dir = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'h': fputs(BRIDGE_USAGE, stdout); rc = EXIT_OK; goto free_z;
        default: goto free_z;
        }
    }
    if (!o.bind) {
        usage_error("recv: --bind ENDPOINT is required");
        goto free_z;
    }
    if (z->nkeys && !o.curve) {
        usage_error("recv: --allow-key needs --curve KEYFILE");
        goto free_z;
    }
    for (int i = optind; i < argc; i++)
        if (!bridge_name_ok(argv[i], strlen(argv[i]))) {
            usage_error("recv: invalid stream name '%s' (1-200 of [A-Za-z0-9._-])", argv[i]);
            goto free_z;
        }
    o.only = (const char **)(argv + optind);
    o.nonly = argc - optind;
    install_signals();

    rc = EXIT_ERR;
    rx_state r = {0};
    void *ctx = zmq_ctx_new();
    void *sock = NULL;
    pthread_t zt;
    int zap_running = 0;
    if (z->naddrs || z->nkeys) {
        z->ctx = ctx;
        z->rep = zmq_socket(ctx, ZMQ_REP);
        if (zmq_bind(z->rep, "inproc://zeromq.zap.01") != 0 || pthread_create(&zt, NULL, zap_thread, z) != 0) {
            logf_("recv", "cannot start the allow-list handler: %s", zmq_strerror(zmq_errno()));
            zmq_close(z->rep);
            goto out;
        }
        zap_running = 1;
    }
    sock = zmq_socket(ctx, ZMQ_SUB);
    int hwm = (int)o.hwm, zero = 0;
    int64_t maxmsg = (int64_t)(o.max_frame + BRIDGE_HEADER_MAX); /* a one-part message holds both */
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg); /* bigger parts drop the connection */
    zmq_setsockopt(sock, ZMQ_LINGER, &zero, sizeof zero);
    if (zap_running)
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "shmhub", 6);
    if (o.curve) {
        keypair kp;
        int one = 1;
        if (read_keyfile(o.curve, &kp) != 0)
            goto out;
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
            zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, kp.sec, 40) != 0) {
            logf_("recv", "CURVE: %s", zmq_strerror(zmq_errno()));
            goto out;
        }
    }
    zmq_setsockopt(sock, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_bind(sock, o.bind) != 0) {
        logf_("recv", "cannot bind '%s': %s", o.bind, zmq_strerror(zmq_errno()));
        goto out;
    }
    int64_t start = now_ns(), next_stats = start;
    int64_t end = o.duration > 0 ? start + (int64_t)(o.duration * 1e9) : INT64_MAX;
    rc = EXIT_OK;
    while (!g_stop && (o.count == 0 || r.frames < o.count) && now_ns() < end) {
        zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
        int p = zmq_poll(&it, 1, 100);
        if (p > 0) {
            /* Up to 256 messages per wake-up, then the stop conditions and stats again. */
            for (int k = 0; k < 256 && (o.count == 0 || r.frames < o.count); k++) {
                int got = rx_one(sock, &r, &o);
                if (got == -2)
                    break; /* nothing more queued */
                if (got < 0) {
                    rc = EXIT_ERR;
                    g_stop = 1;
                    break;
                }
            }
        }
        if (o.stats && now_ns() >= next_stats) {
            rx_write_stats(&o, &r, z, o.stats);
            next_stats = now_ns() + 500000000;
        }
    }
    if (o.stats)
        rx_write_stats(&o, &r, z, o.stats);
    if (!o.quiet) {
        for (uint64_t i = 0; i < r.n; i++)
            printf("recv '%s': frames=%" PRIu64 " missed=%" PRIu64 " first_seq=%" PRIu64 " last_seq=%" PRIu64
                   " restarts=%" PRIu64 " rejected=%" PRIu64 "\n", r.st[i].name, r.st[i].frames,
                   r.st[i].missed, r.st[i].first_seq, r.st[i].last_seq, r.st[i].restarts, r.st[i].rejected);
        printf("recv: frames=%" PRIu64 " rejected=%" PRIu64 " denied=%" PRIu64 "\n", r.frames, r.rejected,
               atomic_load(&z->denied));
    }
out:
    if (sock)
        zmq_close(sock);
    zmq_ctx_shutdown(ctx); /* wakes the allow-list thread with ETERM */
    if (zap_running)
        pthread_join(zt, NULL);
    zmq_ctx_term(ctx);
    for (uint64_t i = 0; i < r.n; i++)
        shmhub_stream_close(r.st[i].s);
    free(r.st);
free_z:
    free(z);
    return rc;
}

int bridge_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fputs(BRIDGE_USAGE, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    const char *sub = argv[1];
    char **v = argv + 1;
    int c = argc - 1;
    optind = 0;
    if (strcmp(sub, "send") == 0)
        return cmd_send(c, v);
    if (strcmp(sub, "recv") == 0)
        return cmd_recv(c, v);
    if (strcmp(sub, "keygen") == 0)
        return cmd_keygen(argc, argv);
    return usage_error("unknown bridge command '%s' (send, recv or keygen)", sub);
}
