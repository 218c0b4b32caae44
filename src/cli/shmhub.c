/* shmhub: the command-line tool over libshmhub (create, list, info, unlink, watch).
 *
 * Uses only the public API of abi/shmhub.h. Exit codes: 0 success, 1 an operation failed (the
 * message on stderr names the segment and gives the library's message), 2 usage error. */
#include "containers.h"
#include <shmhub.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifdef SHMHUB_HAVE_BRIDGE
#include "bridge.h" /* shmhub bridge: streams to other hosts over ZeroMQ (built with libzmq) */
#endif

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

#define ERRMSG_MAX 1024

/* ---- usage ------------------------------------------------------------------------------------ */

static const char USAGE_MAIN[] =
    "usage: shmhub COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Inspect and manage shmhub shared-memory segments.\n"
    "\n"
    "commands:\n"
    "  create NAME --array NAME:DTYPE:SHAPE...  create a segment of typed arrays\n"
    "  create NAME --stream --dtype DTYPE --shape SHAPE\n"
    "                                            create a stream (a ring of frames)\n"
    "  create NAME --dict [--capacity N] [--value-bytes SIZE]\n"
    "                                            create a shared dictionary\n"
    "  create NAME --pool --class SIZE:COUNT...  create a pool of shared buffers\n"
    "  dict get|set|keys NAME ...                read and write a dictionary\n"
    "  list                                      list the segments and their state\n"
    "  info NAME                                 show everything about one segment\n"
    "  watch NAME...                             rates of streams, dicts and pools\n"
    "  unlink NAME...                            remove segments\n"
    "  bridge send|recv|keygen ...               move streams between hosts (ZeroMQ builds)\n"
    "  help [COMMAND]                            show this help, or a command's\n"
    "\n"
    "options:\n"
    "  -h, --help     show help and exit\n"
    "  -V, --version  show the library and layout versions and exit\n"
    "\n"
    "Segments live in POSIX shared memory (/dev/shm/shmhub.NAME) unless --dir or the\n"
    "SHMHUB_DIR environment variable names another directory.\n"
    "Exit status: 0 success, 1 an operation failed, 2 usage error.\n";

static const char USAGE_CREATE[] =
    "usage: shmhub create NAME [--array NAME:DTYPE:SHAPE]... [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --stream --dtype DTYPE --shape SHAPE [--slots N]\n"
    "                     [--multi-writer] [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --dict [--capacity N] [--value-bytes SIZE] [--mode MODE] [--dir DIR]\n"
    "       shmhub create NAME --pool --class SIZE:COUNT... [--mode MODE] [--dir DIR]\n"
    "\n"
    "Creates segment NAME holding the given arrays, zero-filled, or (--stream) a stream:\n"
    "a ring of frames of one dtype and shape. The segment persists until it is unlinked.\n"
    "\n"
    "  -a, --array NAME:DTYPE:SHAPE  add an array (repeatable, in order). DTYPE is a numpy\n"
    "                                type string or name (f4, <f4, float32, u1, ?...);\n"
    "                                SHAPE is AxBxC (up to 8 extents), or 'scalar' or\n"
    "                                empty for a 0-d array: close:f4:1000x500, t:f8:scalar\n"
    "  -s, --stream                  create a stream instead (not with --array)\n"
    "  -t, --dtype DTYPE             the frames' dtype (required with --stream)\n"
    "  -S, --shape SHAPE             the frames' shape, AxBxC or 'scalar' (required with\n"
    "                                --stream): --dtype f4 --shape 480x640\n"
    "  -n, --slots N                 frames kept in the ring (default 8; the library\n"
    "                                accepts 2 to 65536)\n"
    "  -M, --multi-writer            let several processes write (a robust lock per\n"
    "                                frame); default: one writing process at a time\n"
    "  -D, --dict                    create a shared dictionary (docs/containers.md)\n"
    "  -c, --capacity N              most keys (default 1024)\n"
    "  -v, --value-bytes SIZE        bytes for keys and values (default 1MiB; SIZE is a\n"
    "                                count with an optional K/KiB, M/MiB or G/GiB suffix)\n"
    "  -P, --pool                    create a pool of buffers instead\n"
    "  -C, --class SIZE:COUNT        a size class of the pool (repeatable): 1MiB:16\n"
    "  -m, --mode MODE               octal file mode (default 0600)\n"
    "  -d, --dir DIR                 directory for the segment file\n"
    "  -h, --help                    show this help\n";

static const char USAGE_LIST[] =
    "usage: shmhub list [--json] [--no-rate] [--dir DIR]\n"
    "\n"
    "Lists every segment with its kind, size, owner, age and arrays. Segments that fail\n"
    "validation are listed as 'corrupt' (or the failure's status) with the reason.\n"
    "Streams also show dtype, shape, slots, writer mode, frame count, write rate, writer\n"
    "and the age of the last write (JSON: the \"stream\" object; null for other kinds).\n"
    "The rate samples every stream's frame count twice, 200 ms apart.\n"
    "\n"
    "  -j, --json     print one JSON array of objects\n"
    "  -R, --no-rate  do not measure write rates (no 200 ms pause)\n"
    "  -d, --dir DIR  directory to list\n"
    "  -h, --help     show this help\n";

/* How long list and info watch streams' frame counts to report a write rate. */
#define RATE_SAMPLE_S 0.2

static const char USAGE_INFO[] =
    "usage: shmhub info NAME [--json] [--no-rate] [--dir DIR]\n"
    "\n"
    "Opens segment NAME read-only, validates it, and prints everything about it. For a\n"
    "stream: dtype, shape, slots, frame size, writer mode, frame count, writer pid and\n"
    "whether it is alive, and the age of the last write.\n"
    "\n"
    "  -j, --json     print one JSON object\n"
    "  -R, --no-rate  (streams) do not measure the write rate (by default the frame\n"
    "                 count is sampled twice, 200 ms apart)\n"
    "  -d, --dir DIR  directory holding the segment\n"
    "  -h, --help     show this help\n";

static const char USAGE_WATCH[] =
    "usage: shmhub watch NAME... [--json] [--interval SECONDS] [--count N] [--dir DIR]\n"
    "\n"
    "Opens each named stream read-only and, every interval, prints per stream:\n"
    "  HZ       frames per second over the interval (from the frame count)\n"
    "  MB/S     HZ x frame size (10^6 bytes per second)\n"
    "  COUNT    frames committed so far\n"
    "  MISSED   frames published in the interval that a lossless reader (a cursor\n"
    "           reading with shmhub_stream_read_next) could not have kept even if it read\n"
    "           the whole ring once per interval: max(0, frames in interval - slots).\n"
    "           watch itself reads no frames; this is a bound for a reader polling at\n"
    "           this interval\n"
    "  LAST     age of the newest write ('never' before the first)\n"
    "  WRITER   the writer's pid and whether it is alive\n"
    "A dictionary or pool gets a row too: HZ is its writes (sets, deletes, adds...)\n"
    "or acquires per second, COUNT their total, WRITER says which; --json lists them\n"
    "under \"containers\" (name, kind, writes or acquires, writes_per_s or acquires_per_s).\n"
    "On a terminal the table is redrawn in place; otherwise a table is appended each\n"
    "interval. A stream unlinked while watched stays shown. Ctrl-C or SIGTERM ends\n"
    "the watch with status 0.\n"
    "\n"
    "  -j, --json              one JSON object per line per refresh: {\"time\": ISO-8601,\n"
    "                          \"streams\": [{\"name\", \"count\", \"hz\", \"mb_s\",\n"
    "                          \"missed\", \"last_write_age_s\", \"writer_pid\",\n"
    "                          \"writer_alive\"}]}\n"
    "  -i, --interval SECONDS  time between refreshes (default 1; decimals allowed)\n"
    "  -c, --count N           stop after N refreshes (default: until interrupted)\n"
    "  -d, --dir DIR           directory holding the streams\n"
    "  -h, --help              show this help\n";

static const char USAGE_UNLINK[] =
    "usage: shmhub unlink NAME... [--dir DIR]\n"
    "\n"
    "Removes each named segment; processes that have it mapped keep their mapping.\n"
    "Goes on past failures and exits 1 if any failed.\n"
    "\n"
    "  -d, --dir DIR  directory holding the segments\n"
    "  -h, --help     show this help\n";

/* After getopt has printed why an option was refused: the hint only. Returns EXIT_USAGE. */
static int usage_hint(const char *cmd)
{
    fprintf(stderr, "Try 'shmhub %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

/* Prints "shmhub: MESSAGE" and a hint to stderr; returns EXIT_USAGE. */
static int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("shmhub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return usage_hint(cmd);
}

/* Prints "shmhub: segment 'NAME': MSG" to stderr, without repeating the segment when the
 * library's message already starts with it. Returns EXIT_ERR. */
static int report(const char *name, const char *msg)
{
    char prefix[SHMHUB_MAX_NAME + 32];
    snprintf(prefix, sizeof prefix, "segment '%s'", name);
    if (strncmp(msg, prefix, strlen(prefix)) == 0)
        fprintf(stderr, "shmhub: %s\n", msg);
    else
        fprintf(stderr, "shmhub: %s: %s\n", prefix, msg);
    return EXIT_ERR;
}

/* ---- small formatters ------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

/* Whether the process exists (EPERM means it exists but belongs to someone else). */
static int pid_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT_MAX)
        return 0;
    if (kill((pid_t)pid, 0) == 0)
        return 1;
    return errno == EPERM;
}

static void fmt_size(char *buf, size_t n, uint64_t bytes)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(buf, n, "%" PRIu64 " B", bytes);
        return;
    }
    double v = (double)bytes / 1024.0;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, n, "%.1f %s", v, units[u]);
}

static void fmt_age(char *buf, size_t n, double seconds)
{
    static const struct { double secs; const char *unit; } steps[] = {
        {86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    if (!(seconds >= 1)) { /* also NaN */
        snprintf(buf, n, "0s");
        return;
    }
    size_t i = 0;
    while (seconds < steps[i].secs)
        i++;
    double v = seconds / steps[i].secs;
    if (v < 1e15)
        snprintf(buf, n, "%" PRIu64 "%s", (uint64_t)v, steps[i].unit);
    else
        snprintf(buf, n, "%.3g%s", v, steps[i].unit);
}

/* ISO-8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z. */
static void fmt_time(char *buf, size_t n, int64_t ns)
{
    int64_t sec = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0) {
        rem += 1000000000;
        sec -= 1;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    char date[48];
    if (!gmtime_r(&t, &tm) || strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, n, "%" PRId64 " ns", ns);
        return;
    }
    snprintf(buf, n, "%s.%03dZ", date, (int)(rem / 1000000));
}

/* "100,100" (sep ",") or "100, 100" (sep ", "); empty for a scalar. */
static void fmt_extents(char *buf, size_t n, uint32_t ndim, const uint64_t *shape, const char *sep)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t d = 0; d < ndim && len < n; d++) {
        int w = snprintf(buf + len, n - len, "%s%" PRIu64, d ? sep : "", shape[d]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

static void fmt_shape(char *buf, size_t n, const shmhub_array *a, const char *sep)
{
    fmt_extents(buf, n, shmhub_array_ndim(a), shmhub_array_shape(a), sep);
}

static const char *writer_mode_label(uint32_t mode)
{
    return mode == SHMHUB_WRITER_MULTI ? "multi" : mode == SHMHUB_WRITER_SINGLE ? "single" : "?";
}

/* Seconds since the stream's newest commit, or a negative value when nothing was written. */
static double stream_write_age_s(const shmhub_stream *s)
{
    int64_t last = shmhub_stream_last_write_ns(s);
    if (last <= 0)
        return -1;
    double age = ((double)now_ns() - (double)last) / 1e9;
    return age < 0 ? 0 : age;
}

/* "3s ago", "120 ms ago" or "never". */
static void fmt_write_age(char *buf, size_t n, double age_s)
{
    if (age_s < 0) {
        snprintf(buf, n, "never");
    } else if (age_s < 1) {
        snprintf(buf, n, "%.0f ms ago", age_s * 1e3);
    } else {
        char a[32];
        fmt_age(a, sizeof a, age_s);
        snprintf(buf, n, "%s ago", a);
    }
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for `seconds`; returns early (nonzero) when *stop becomes set by a signal handler. The
 * signal interrupts nanosleep (handlers are installed without SA_RESTART); sleeping in slices of
 * at most 100 ms bounds the delay when the signal lands just before a nanosleep starts. */
static int sleep_interruptible(double seconds, volatile sig_atomic_t *stop)
{
    double end = mono_s() + seconds;
    while (!*stop) {
        double left = end - mono_s();
        if (left <= 0)
            break;
        if (left > 0.1)
            left = 0.1;
        struct timespec req;
        req.tv_sec = 0;
        req.tv_nsec = (long)(left * 1e9);
        nanosleep(&req, NULL); /* EINTR: the loop checks *stop */
    }
    return *stop != 0;
}

static const char *kind_label(const shmhub_segment *seg)
{
    const char *k = shmhub_kind_name(shmhub_segment_kind(seg));
    return k ? k : "unknown";
}

static const char *dtype_label(shmhub_dtype dt)
{
    const char *s = shmhub_dtype_str(dt);
    return s ? s : "?";
}

static int array_aligned(const shmhub_array *a)
{
    const void *p = shmhub_array_data(a);
    return shmhub_array_offset(a) % SHMHUB_ALIGNMENT == 0 &&
           (!p || (uintptr_t)p % SHMHUB_ALIGNMENT == 0);
}

/* Copies s into buf, replacing control characters so a hostile segment cannot drive the terminal. */
static void sanitize(char *buf, size_t n, const char *s)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    buf[i] = '\0';
}

/* ---- JSON output ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        n = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Writes s as a JSON string (or null): escapes quotes, backslashes and control characters;
 * bytes that are not valid UTF-8 become U+FFFD so the output always parses. */
static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (*p == '"' || *p == '\\') {
            fputc('\\', f);
            fputc(*p++, f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p++);
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", f);
                p++;
            } else {
                fwrite(p, 1, n, f);
                p += n;
            }
        }
    }
    fputc('"', f);
}

/* ---- one segment as list/info see it ---------------------------------------------------------- */

typedef struct seg_entry {
    const char *name;         /* as asked; borrowed */
    shmhub_segment *seg;      /* NULL when the open failed */
    shmhub_status status;
    char error[ERRMSG_MAX];   /* shmhub_last_error() at the failure */
    shmhub_stream *stream;    /* for a segment of kind stream that also opened as one, else NULL */
    char stream_error[ERRMSG_MAX]; /* why a stream segment did not open as a stream, or "" */
    int has_rate;             /* rate_hz measured (list and info sample it) */
    double rate_hz;
} seg_entry;

static void entry_open(seg_entry *e, const char *name, const char *dir, uint32_t flags,
                       int64_t timeout_ns)
{
    shmhub_segment_opts opts = SHMHUB_SEGMENT_OPTS_INIT;
    opts.dir = dir;
    opts.flags = flags;
    opts.open_timeout_ns = timeout_ns;
    e->name = name;
    e->error[0] = '\0';
    e->stream = NULL;
    e->stream_error[0] = '\0';
    e->has_rate = 0;
    e->rate_hz = 0;
    e->status = shmhub_segment_open(name, &opts, &e->seg);
    if (e->status != SHMHUB_OK) {
        snprintf(e->error, sizeof e->error, "%s", shmhub_last_error());
        return;
    }
    if (shmhub_segment_kind(e->seg) == SHMHUB_KIND_STREAM) {
        shmhub_stream_opts sopts = SHMHUB_STREAM_OPTS_INIT;
        sopts.segment = &opts;
        if (shmhub_stream_open(name, &sopts, &e->stream) != SHMHUB_OK)
            snprintf(e->stream_error, sizeof e->stream_error, "%s", shmhub_last_error());
    }
}

static void entry_close(seg_entry *e)
{
    shmhub_stream_close(e->stream);
    shmhub_segment_close(e->seg);
    e->stream = NULL;
    e->seg = NULL;
}

/* Measures the write rate of every stream among the n entries from two samples of their frame
 * counts `seconds` apart (one sleep for all of them). */
static void entries_sample_rates(seg_entry *e, size_t n, double seconds)
{
    static volatile sig_atomic_t never;
    uint64_t *c0 = calloc(n + 1, sizeof *c0);
    if (!c0)
        return;
    int any = 0;
    for (size_t i = 0; i < n; i++)
        if (e[i].stream) {
            c0[i] = shmhub_stream_count(e[i].stream);
            any = 1;
        }
    if (any) {
        double t0 = mono_s();
        sleep_interruptible(seconds, &never);
        double dt = mono_s() - t0;
        for (size_t i = 0; i < n; i++) {
            if (!e[i].stream)
                continue;
            uint64_t c1 = shmhub_stream_count(e[i].stream);
            e[i].rate_hz = dt > 0 && c1 >= c0[i] ? (double)(c1 - c0[i]) / dt : 0;
            e[i].has_rate = 1;
        }
    }
    free(c0);
}

/* "ok", "corrupt" (failed validation) or the failure's status name. */
static const char *entry_status_label(const seg_entry *e)
{
    if (e->status == SHMHUB_OK)
        return "ok";
    if (e->status == SHMHUB_E_CORRUPT)
        return "corrupt";
    return shmhub_status_name(e->status);
}

static double entry_age_s(const seg_entry *e)
{
    return ((double)now_ns() - (double)shmhub_segment_created_ns(e->seg)) / 1e9;
}

/* Renders a stream's fields as a JSON object (`"stream": {...}` of list and info), or null. */
static void json_stream(FILE *f, const seg_entry *e)
{
    const shmhub_stream *st = e->stream;
    if (!st) {
        fputs("null", f);
        return;
    }
    char shape[256];
    fmt_extents(shape, sizeof shape, shmhub_stream_ndim(st), shmhub_stream_shape(st), ", ");
    fputs("{\"dtype\": ", f);
    json_str(f, shmhub_dtype_str(shmhub_stream_dtype(st)));
    fputs(", \"dtype_name\": ", f);
    json_str(f, shmhub_dtype_name(shmhub_stream_dtype(st)));
    int64_t wpid = shmhub_stream_writer_pid(st), last = shmhub_stream_last_write_ns(st);
    fprintf(f, ", \"shape\": [%s], \"slots\": %" PRIu32 ", \"frame_nbytes\": %" PRIu64
               ", \"writer_mode\": \"%s\", \"count\": %" PRIu64 ", \"writer_pid\": %" PRId64
               ", \"writer_alive\": %s, \"recoveries\": %" PRIu64,
            shape, shmhub_stream_slots(st), shmhub_stream_frame_nbytes(st),
            writer_mode_label(shmhub_stream_writer_mode(st)), shmhub_stream_count(st), wpid,
            pid_alive(wpid) ? "true" : "false", shmhub_stream_recoveries(st));
    if (last > 0)
        fprintf(f, ", \"last_write_ns\": %" PRId64 ", \"last_write_age_s\": %.3f", last,
                stream_write_age_s(st));
    else
        fputs(", \"last_write_ns\": null, \"last_write_age_s\": null", f);
    if (e->has_rate)
        fprintf(f, ", \"rate_hz\": %.3f", e->rate_hz);
    fputc('}', f);
}

/* Renders one segment as a JSON object on one line (no newline). `detailed` adds path and
 * layout_version (info). Fields unknown for a segment that failed to open are null. */
static void json_entry(FILE *f, const seg_entry *e, int detailed)
{
    const shmhub_segment *seg = e->seg;
    fputs("{\"name\": ", f);
    json_str(f, e->name);
    if (detailed) {
        fputs(", \"path\": ", f);
        json_str(f, seg ? shmhub_segment_path(seg) : NULL);
        fputs(", \"layout_version\": ", f);
        if (seg) {
            uint32_t v = shmhub_segment_layout_version(seg);
            fprintf(f, "\"%u.%u\"", v / 100, v % 100);
        } else {
            fputs("null", f);
        }
    }
    if (!seg) {
        fputs(", \"kind\": null, \"size\": null, \"arrays\": [], \"creator_pid\": null, "
              "\"creator_uid\": null, \"creator_alive\": null, \"created_ns\": null, "
              "\"age_s\": null, \"stream\": null, \"status\": ", f);
        json_str(f, entry_status_label(e));
        fputs(", \"error\": ", f);
        json_str(f, e->error);
        fputc('}', f);
        return;
    }
    fputs(", \"kind\": ", f);
    json_str(f, kind_label(seg));
    fprintf(f, ", \"size\": %" PRIu64 ", \"arrays\": [", shmhub_segment_size(seg));
    size_t count = shmhub_segment_array_count(seg);
    for (size_t i = 0; i < count; i++) {
        const shmhub_array *a;
        if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK)
            continue;
        char shape[256];
        fmt_shape(shape, sizeof shape, a, ", ");
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        json_str(f, shmhub_array_name(a));
        fputs(", \"dtype\": ", f);
        json_str(f, shmhub_dtype_str(shmhub_array_dtype(a)));
        fputs(", \"dtype_name\": ", f);
        json_str(f, shmhub_dtype_name(shmhub_array_dtype(a)));
        fprintf(f, ", \"shape\": [%s], \"nbytes\": %" PRIu64 ", \"offset\": %" PRIu64
                   ", \"aligned\": %s}",
                shape, shmhub_array_nbytes(a), shmhub_array_offset(a),
                array_aligned(a) ? "true" : "false");
    }
    int64_t pid = shmhub_segment_creator_pid(seg);
    fprintf(f, "], \"creator_pid\": %" PRId64 ", \"creator_uid\": %" PRId64
               ", \"creator_alive\": %s, \"created_ns\": %" PRId64 ", \"age_s\": %.3f"
               ", \"stream\": ",
            pid, shmhub_segment_creator_uid(seg), pid_alive(pid) ? "true" : "false",
            shmhub_segment_created_ns(seg), entry_age_s(e));
    json_stream(f, e);
    if (shmhub_segment_kind(seg) == SHMHUB_KIND_DICT || shmhub_segment_kind(seg) == SHMHUB_KIND_POOL) {
        char summary[4096];
        cli_container_summary(summary, sizeof summary, seg, 1);
        fprintf(f, ", \"%s\": %s", shmhub_segment_kind(seg) == SHMHUB_KIND_DICT ? "dict" : "pool",
                summary);
    }
    /* A stream segment that validated but did not open as a stream reports why. */
    fputs(", \"status\": \"ok\", \"error\": ", f);
    json_str(f, e->stream_error[0] ? e->stream_error : NULL);
    fputc('}', f);
}

/* ---- one segment as a human table row (list) -------------------------------------------------- */

enum { COL_NAME, COL_KIND, COL_SIZE, COL_OWNER, COL_AGE, COL_LAST, NCOLS };

enum { ROW_MAX_COLS = 8 }; /* list uses NCOLS, watch WCOLS */

typedef struct row {
    char cell[ROW_MAX_COLS][ERRMSG_MAX + 64];
} row;

static const char *const ROW_HEADER[NCOLS] = {"NAME", "KIND", "SIZE", "OWNER", "AGE", "CONTENTS"};

/* "uid 1000 pid 4242 alive" */
static void fmt_owner(char *buf, size_t n, const shmhub_segment *seg)
{
    int64_t pid = shmhub_segment_creator_pid(seg);
    snprintf(buf, n, "uid %" PRId64 " pid %" PRId64 " %s", shmhub_segment_creator_uid(seg), pid,
             pid_alive(pid) ? "alive" : "dead");
}

/* "2 x:<f4[100,100] t:<f8[]" (at most 4 arrays named, then "+N more"). */
static void fmt_arrays_summary(char *buf, size_t n, const shmhub_segment *seg)
{
    size_t count = shmhub_segment_array_count(seg), len;
    snprintf(buf, n, "%zu", count);
    for (size_t i = 0; i < count && i < 4; i++) {
        const shmhub_array *a;
        char shape[256];
        if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK)
            break;
        fmt_shape(shape, sizeof shape, a, ",");
        len = strlen(buf);
        snprintf(buf + len, n - len, " %s:%s[%s]", shmhub_array_name(a),
                 dtype_label(shmhub_array_dtype(a)), shape);
    }
    if (count > 4) {
        len = strlen(buf);
        snprintf(buf + len, n - len, " +%zu more", count - 4);
    }
}

/* "stream <f4[480,640] x8 single, 1234 frames, last 12 ms ago, writer 4242 alive" */
static void fmt_stream_summary(char *buf, size_t n, const seg_entry *e)
{
    const shmhub_stream *st = e->stream;
    if (!st) {
        char why[ERRMSG_MAX];
        sanitize(why, sizeof why, e->stream_error);
        snprintf(buf, n, "stream (unreadable: %s)", why);
        return;
    }
    char shape[256], age[64];
    fmt_extents(shape, sizeof shape, shmhub_stream_ndim(st), shmhub_stream_shape(st), ",");
    fmt_write_age(age, sizeof age, stream_write_age_s(st));
    int64_t wpid = shmhub_stream_writer_pid(st);
    size_t len;
    snprintf(buf, n, "stream %s[%s] x%" PRIu32 " %s, %" PRIu64 " frames, last %s",
             dtype_label(shmhub_stream_dtype(st)), shape, shmhub_stream_slots(st),
             writer_mode_label(shmhub_stream_writer_mode(st)), shmhub_stream_count(st), age);
    len = strlen(buf);
    if (wpid > 0)
        snprintf(buf + len, n - len, ", writer %" PRId64 " %s", wpid,
                 pid_alive(wpid) ? "alive" : "dead");
    else
        snprintf(buf + len, n - len, ", no writer");
    if (e->has_rate) {
        len = strlen(buf);
        snprintf(buf + len, n - len, ", %.1f Hz", e->rate_hz);
    }
}

/* Renders one segment into the cells of a table row; a failed open shows its status and reason. */
static void row_entry(row *r, const seg_entry *e)
{
    const shmhub_segment *seg = e->seg;
    sanitize(r->cell[COL_NAME], sizeof r->cell[COL_NAME], e->name);
    if (!seg) {
        snprintf(r->cell[COL_KIND], sizeof r->cell[COL_KIND], "%s", entry_status_label(e));
        strcpy(r->cell[COL_SIZE], "-");
        strcpy(r->cell[COL_OWNER], "-");
        strcpy(r->cell[COL_AGE], "-");
        sanitize(r->cell[COL_LAST], sizeof r->cell[COL_LAST], e->error);
        return;
    }
    snprintf(r->cell[COL_KIND], sizeof r->cell[COL_KIND], "%s", kind_label(seg));
    fmt_size(r->cell[COL_SIZE], sizeof r->cell[COL_SIZE], shmhub_segment_size(seg));
    fmt_owner(r->cell[COL_OWNER], sizeof r->cell[COL_OWNER], seg);
    fmt_age(r->cell[COL_AGE], sizeof r->cell[COL_AGE], entry_age_s(e));
    if (shmhub_segment_kind(seg) == SHMHUB_KIND_STREAM)
        fmt_stream_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], e);
    else if (shmhub_segment_kind(seg) == SHMHUB_KIND_DICT ||
             shmhub_segment_kind(seg) == SHMHUB_KIND_POOL)
        cli_container_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], seg, 0);
    else
        fmt_arrays_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], seg);
}

/* Prints rows of ncols (<= ROW_MAX_COLS) cells as aligned columns; the last is not padded. */
static void print_rows(FILE *f, const row *rows, size_t n, int ncols)
{
    int width[ROW_MAX_COLS] = {0};
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ncols - 1; c++) {
            int w = (int)strlen(rows[i].cell[c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < ncols - 1; c++)
            fprintf(f, "%-*s  ", width[c], rows[i].cell[c]);
        fprintf(f, "%s\n", rows[i].cell[ncols - 1]);
    }
}

/* ---- commands --------------------------------------------------------------------------------- */

/* Built with SHMHUB_CLI_NO_MAIN (tests/fuzz/fuzz_cli.c), shmhub_cli_main parses and checks the
 * arguments of every command, then returns before anything touches a segment. */
#ifdef SHMHUB_CLI_NO_MAIN
int shmhub_cli_parse_only = 1;
int shmhub_cli_main(int argc, char **argv);
#define PARSE_ONLY shmhub_cli_parse_only
#else
#define PARSE_ONLY 0
#endif

typedef struct array_arg {
    char *buf;                /* owned copy of NAME:DTYPE:SHAPE, split in place */
    const char *name;
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
} array_arg;

/* Parses SHAPE ("AxBxC", "scalar" or "") given as option `opt` ("--array", "--shape") whose
 * whole argument was `spec`. Returns 0, or -1 with a reason in err. */
static int parse_shape(const char *opt, const char *spec, const char *text, array_arg *out,
                       char *err, size_t errn)
{
    out->ndim = 0;
    if (text[0] == '\0' || strcmp(text, "scalar") == 0)
        return 0;
    const char *p = text;
    for (;;) {
        if (*p < '0' || *p > '9') {
            snprintf(err, errn, "bad %s '%s': shape '%s' must be decimal extents separated by 'x'",
                     opt, spec, text);
            return -1;
        }
        if (out->ndim == SHMHUB_MAX_NDIM) {
            snprintf(err, errn, "bad %s '%s': shape has more than %d dimensions", opt, spec,
                     SHMHUB_MAX_NDIM);
            return -1;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno == ERANGE) {
            snprintf(err, errn, "bad %s '%s': extent out of range", opt, spec);
            return -1;
        }
        out->shape[out->ndim++] = (uint64_t)v;
        if (*end == '\0')
            return 0;
        if (*end != 'x') {
            snprintf(err, errn, "bad %s '%s': unexpected '%c' in shape '%s'", opt, spec, *end,
                     text);
            return -1;
        }
        p = end + 1;
    }
}

/* Parses NAME:DTYPE:SHAPE. Returns 0, or -1 with a reason in err. */
static int parse_array_arg(const char *spec, array_arg *out, char *err, size_t errn)
{
    out->buf = strdup(spec);
    if (!out->buf) {
        snprintf(err, errn, "out of memory");
        return -1;
    }
    char *c1 = strchr(out->buf, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || strchr(c2 + 1, ':')) {
        snprintf(err, errn, "bad --array '%s': expected NAME:DTYPE:SHAPE", spec);
        return -1;
    }
    *c1 = *c2 = '\0';
    out->name = out->buf;
    if (out->name[0] == '\0') {
        snprintf(err, errn, "bad --array '%s': empty array name", spec);
        return -1;
    }
    if (shmhub_dtype_from_str(c1 + 1, &out->dtype) != SHMHUB_OK) {
        snprintf(err, errn, "bad --array '%s': unknown dtype '%s'", spec, c1 + 1);
        return -1;
    }
    return parse_shape("--array", spec, c2 + 1, out, err, errn);
}

/* Parses an octal mode no larger than 0777. */
static int parse_mode(const char *text, uint32_t *out)
{
    if (text[0] == '\0' || strlen(text) > 4 || strspn(text, "01234567") != strlen(text))
        return -1;
    unsigned long v = strtoul(text, NULL, 8);
    if (v > 0777)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Parses a decimal --slots value (range checks beyond uint32 are the library's). */
static int parse_u32(const char *text, uint32_t *out)
{
    if (text[0] < '0' || text[0] > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno == ERANGE || *end != '\0' || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* create --stream: the options after syntax checks. */
typedef struct stream_args {
    const char *dtype, *shape, *slots;
    int multi_writer;
} stream_args;

static int create_stream(const char *name, const stream_args *sa, const shmhub_segment_opts *sopts)
{
    shmhub_stream_opts opts = SHMHUB_STREAM_OPTS_INIT;
    shmhub_dtype dtype;
    array_arg shape;
    char err[ERRMSG_MAX];
    if (shmhub_dtype_from_str(sa->dtype, &dtype) != SHMHUB_OK)
        return usage_error("create", "bad --dtype '%s': unknown dtype", sa->dtype);
    if (parse_shape("--shape", sa->shape, sa->shape, &shape, err, sizeof err) != 0)
        return usage_error("create", "%s", err);
    if (sa->slots && parse_u32(sa->slots, &opts.slots) != 0)
        return usage_error("create", "bad --slots '%s': expected a decimal count", sa->slots);
    opts.writer_mode = sa->multi_writer ? SHMHUB_WRITER_MULTI : SHMHUB_WRITER_SINGLE;
    opts.segment = sopts;
    if (PARSE_ONLY)
        return EXIT_OK;
    shmhub_stream *st;
    if (shmhub_stream_create(name, dtype, shape.ndim, shape.shape, &opts, &st) != SHMHUB_OK)
        return report(name, shmhub_last_error());
    shmhub_stream_close(st); /* leaves the stream: close never unlinks without UNLINK_ON_CLOSE */
    return EXIT_OK;
}

static int cmd_create(int argc, char **argv)
{
    if (cli_has_container_flag(argc, argv)) {
        int crc = cli_create_container(argc, argv);
        if (crc >= 0)
            return crc;
        fputs(USAGE_CREATE, stdout);
        return EXIT_OK;
    }
    static const struct option longopts[] = {
        {"array", required_argument, NULL, 'a'}, {"mode", required_argument, NULL, 'm'},
        {"dir", required_argument, NULL, 'd'},   {"help", no_argument, NULL, 'h'},
        {"stream", no_argument, NULL, 's'},      {"dtype", required_argument, NULL, 't'},
        {"shape", required_argument, NULL, 'S'}, {"slots", required_argument, NULL, 'n'},
        {"multi-writer", no_argument, NULL, 'M'}, {NULL, 0, NULL, 0}};
    shmhub_segment_opts opts = SHMHUB_SEGMENT_OPTS_INIT;
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    size_t nspecs = 0;
    int opt, rc = EXIT_OK, stream = 0;
    stream_args sa = {NULL, NULL, NULL, 0};
    if (!specs) {
        fputs("shmhub: create: out of memory\n", stderr);
        return EXIT_ERR;
    }
    while ((opt = getopt_long(argc, argv, "a:m:d:hst:S:n:M", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a': specs[nspecs++] = optarg; break;
        case 'd': opts.dir = optarg; break;
        case 's': stream = 1; break;
        case 't': sa.dtype = optarg; break;
        case 'S': sa.shape = optarg; break;
        case 'n': sa.slots = optarg; break;
        case 'M': sa.multi_writer = 1; break;
        case 'm':
            if (parse_mode(optarg, &opts.mode) != 0) {
                free(specs);
                return usage_error("create", "bad --mode '%s': expected an octal mode like 0644",
                                   optarg);
            }
            break;
        case 'h': fputs(USAGE_CREATE, stdout); free(specs); return EXIT_OK;
        default: free(specs); return usage_hint("create");
        }
    }
    if (optind != argc - 1) {
        free(specs);
        return usage_error("create", optind == argc ? "create: missing NAME"
                                                    : "create: expected exactly one NAME");
    }
    const char *name = argv[optind];
    if (stream || sa.dtype || sa.shape || sa.slots || sa.multi_writer) {
        const char *why = NULL;
        if (!stream)
            why = "create: --dtype, --shape, --slots and --multi-writer need --stream";
        else if (nspecs)
            why = "create: --array and --stream cannot be combined";
        else if (!sa.dtype)
            why = "create: --stream needs --dtype";
        else if (!sa.shape)
            why = "create: --stream needs --shape";
        rc = why ? usage_error("create", "%s", why) : create_stream(name, &sa, &opts);
        free(specs);
        return rc;
    }

    /* Syntax first (usage errors), then what the library judges (names, sizes). */
    array_arg *arrays = calloc(nspecs + 1, sizeof *arrays);
    shmhub_layout *layout = NULL;
    shmhub_segment *seg = NULL;
    char err[ERRMSG_MAX];
    if (!arrays) {
        rc = report(name, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nspecs; i++)
        if (parse_array_arg(specs[i], &arrays[i], err, sizeof err) != 0) {
            rc = usage_error("create", "%s", err);
            goto done;
        }
    if (shmhub_layout_new(&layout) != SHMHUB_OK) {
        rc = report(name, shmhub_last_error());
        goto done;
    }
    for (size_t i = 0; i < nspecs; i++)
        if (shmhub_layout_add(layout, arrays[i].name, arrays[i].dtype, arrays[i].ndim,
                              arrays[i].shape) != SHMHUB_OK) {
            rc = report(name, shmhub_last_error());
            goto done;
        }
    if (!PARSE_ONLY && shmhub_segment_create(name, layout, &opts, &seg) != SHMHUB_OK)
        rc = report(name, shmhub_last_error());
    shmhub_segment_close(seg);
done:
    shmhub_layout_free(layout);
    for (size_t i = 0; arrays && i < nspecs; i++)
        free(arrays[i].buf);
    free(arrays);
    free(specs);
    return rc;
}

static int cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                              {"no-rate", no_argument, NULL, 'R'},
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, rate = 1, opt;
    while ((opt = getopt_long(argc, argv, "jRd:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'R': rate = 0; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_LIST, stdout); return EXIT_OK;
        default: return usage_hint("list");
        }
    }
    if (optind != argc)
        return usage_error("list", "list: unexpected argument '%s'", argv[optind]);
    if (PARSE_ONLY)
        return EXIT_OK;

    shmhub_list *list;
    if (shmhub_list_open(dir, &list) != SHMHUB_OK) {
        fprintf(stderr, "shmhub: list: %s\n", shmhub_last_error());
        return EXIT_ERR;
    }
    size_t count = shmhub_list_count(list), n = 0;
    seg_entry *entries = calloc(count + 1, sizeof *entries);
    if (!entries) {
        shmhub_list_close(list);
        fputs("shmhub: list: out of memory\n", stderr);
        return EXIT_ERR;
    }
    for (size_t i = 0; i < count; i++) {
        entry_open(&entries[n], shmhub_list_name(list, i), dir,
                   SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER, 0);
        if (entries[n].status != SHMHUB_E_NOT_FOUND) /* not unlinked since the snapshot */
            n++;
    }

    if (rate)
        entries_sample_rates(entries, n, RATE_SAMPLE_S);
    if (json) {
        fputs("[", stdout);
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",\n  " : "\n  ", stdout);
            json_entry(stdout, &entries[i], 0);
        }
        fputs(n ? "\n]\n" : "]\n", stdout);
    } else {
        row *rows = calloc(n + 1, sizeof *rows);
        if (rows) {
            for (int c = 0; c < NCOLS; c++)
                strcpy(rows[0].cell[c], ROW_HEADER[c]);
            for (size_t i = 0; i < n; i++)
                row_entry(&rows[i + 1], &entries[i]);
            print_rows(stdout, rows, n + 1, NCOLS);
            free(rows);
        } else {
            fputs("shmhub: list: out of memory\n", stderr);
        }
    }
    for (size_t i = 0; i < n; i++)
        entry_close(&entries[i]);
    free(entries);
    shmhub_list_close(list);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}

static void print_info_human(const seg_entry *e)
{
    const shmhub_segment *seg = e->seg;
    char buf[ERRMSG_MAX], when[96], age[64];
    uint32_t v = shmhub_segment_layout_version(seg);
    int64_t pid = shmhub_segment_creator_pid(seg);
    uint64_t size = shmhub_segment_size(seg);
    size_t count = shmhub_segment_array_count(seg);

    printf("name:            %s\n", shmhub_segment_name(seg));
    sanitize(buf, sizeof buf, shmhub_segment_path(seg));
    printf("path:            %s\n", buf);
    printf("kind:            %s\n", kind_label(seg));
    printf("layout version:  %u.%u\n", v / 100, v % 100);
    fmt_size(buf, sizeof buf, size);
    printf("size:            %" PRIu64 " bytes (%s)\n", size, buf);
    printf("creator:         pid %" PRId64 " (%s), uid %" PRId64 "\n", pid,
           pid_alive(pid) ? "alive" : "dead", shmhub_segment_creator_uid(seg));
    fmt_time(when, sizeof when, shmhub_segment_created_ns(seg));
    fmt_age(age, sizeof age, entry_age_s(e));
    printf("created:         %s (%s ago)\n", when, age);
    printf("arrays:          %zu\n", count);
    for (size_t i = 0; i < count; i++) {
        const shmhub_array *a;
        if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK)
            break;
        shmhub_dtype dt = shmhub_array_dtype(a);
        const char *dname = shmhub_dtype_name(dt);
        fmt_shape(buf, sizeof buf, a, ", ");
        printf("  [%zu] %s\n", i, shmhub_array_name(a));
        printf("      dtype:     %s (%s)\n", dtype_label(dt), dname ? dname : "?");
        printf("      shape:     [%s]%s\n", buf, shmhub_array_ndim(a) ? "" : " (scalar)");
        printf("      nbytes:    %" PRIu64 "\n", shmhub_array_nbytes(a));
        printf("      offset:    %" PRIu64 " (%s)\n", shmhub_array_offset(a),
               array_aligned(a) ? "aligned" : "NOT aligned");
    }
    if (shmhub_segment_kind(seg) == SHMHUB_KIND_DICT || shmhub_segment_kind(seg) == SHMHUB_KIND_POOL) {
        char summary[4096];
        cli_container_summary(summary, sizeof summary, seg, 0);
        printf("contents:        %s\n", summary);
    }
    if (shmhub_segment_kind(seg) != SHMHUB_KIND_STREAM)
        return;
    const shmhub_stream *st = e->stream;
    if (!st) {
        sanitize(buf, sizeof buf, e->stream_error);
        printf("stream:          unreadable: %s\n", buf);
        return;
    }
    shmhub_dtype dt = shmhub_stream_dtype(st);
    const char *dname = shmhub_dtype_name(dt);
    int64_t wpid = shmhub_stream_writer_pid(st);
    uint64_t fn = shmhub_stream_frame_nbytes(st);
    printf("stream:\n");
    printf("  dtype:         %s (%s)\n", dtype_label(dt), dname ? dname : "?");
    fmt_extents(buf, sizeof buf, shmhub_stream_ndim(st), shmhub_stream_shape(st), ", ");
    printf("  shape:         [%s]%s\n", buf, shmhub_stream_ndim(st) ? "" : " (scalar)");
    printf("  slots:         %" PRIu32 "\n", shmhub_stream_slots(st));
    fmt_size(buf, sizeof buf, fn);
    printf("  frame nbytes:  %" PRIu64 " (%s)\n", fn, buf);
    printf("  writer mode:   %s\n", writer_mode_label(shmhub_stream_writer_mode(st)));
    printf("  count:         %" PRIu64 "\n", shmhub_stream_count(st));
    if (wpid > 0)
        printf("  writer:        pid %" PRId64 " (%s)\n", wpid, pid_alive(wpid) ? "alive" : "dead");
    else
        printf("  writer:        none\n");
    printf("  recoveries:    %" PRIu64 "\n", shmhub_stream_recoveries(st));
    int64_t last = shmhub_stream_last_write_ns(st);
    if (last > 0) {
        fmt_time(when, sizeof when, last);
        fmt_write_age(age, sizeof age, stream_write_age_s(st));
        printf("  last write:    %s (%s)\n", when, age);
    } else {
        printf("  last write:    never\n");
    }
    if (e->has_rate)
        printf("  rate:          %.1f Hz (%.2f MB/s)\n", e->rate_hz, e->rate_hz * (double)fn / 1e6);
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                              {"rate", no_argument, NULL, 'r'},
                                              {"no-rate", no_argument, NULL, 'R'},
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, rate = 1, opt;
    while ((opt = getopt_long(argc, argv, "jrRd:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'r': rate = 1; break;
        case 'R': rate = 0; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_INFO, stdout); return EXIT_OK;
        default: return usage_hint("info");
        }
    }
    if (optind != argc - 1)
        return usage_error("info", optind == argc ? "info: missing NAME"
                                                  : "info: expected exactly one NAME");
    if (PARSE_ONLY)
        return EXIT_OK;
    seg_entry e;
    entry_open(&e, argv[optind], dir, SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER,
               INT64_C(1000000000));
    if (!e.seg)
        return report(e.name, e.error);
    if (rate)
        entries_sample_rates(&e, 1, RATE_SAMPLE_S);
    if (json) {
        json_entry(stdout, &e, 1);
        fputc('\n', stdout);
    } else {
        print_info_human(&e);
    }
    entry_close(&e);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}

/* ---- watch ------------------------------------------------------------------------------------ */

static volatile sig_atomic_t watch_stop;

static void on_stop_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

typedef struct watched {
    const char *name;
    shmhub_stream *st;        /* a stream, or NULL: a dictionary or pool (ctr) */
    cli_counter ctr;          /* its writes (dict) or acquires (pool); hz is their rate */
    uint64_t prev;            /* count at the previous sample */
    /* this refresh */
    uint64_t count, missed;
    double hz, mb_s, age_s;   /* age_s < 0: never written */
    int64_t writer_pid;
    int writer_alive;
} watched;

enum { WCOL_NAME, WCOL_HZ, WCOL_MBS, WCOL_COUNT, WCOL_MISSED, WCOL_LAST, WCOL_WRITER, WCOLS };

static const char *const WATCH_HEADER[WCOLS] = {"NAME",   "HZ",   "MB/S",  "COUNT",
                                                "MISSED", "LAST", "WRITER"};

static void watch_sample(watched *w, double dt)
{
    if (!w->st) {
        uint64_t c = cli_counter_read(&w->ctr);
        w->hz = dt > 0 && c >= w->prev ? (double)(c - w->prev) / dt : 0;
        w->count = c;
        w->prev = c;
        return;
    }
    uint64_t c = shmhub_stream_count(w->st), slots = shmhub_stream_slots(w->st);
    uint64_t delta = c >= w->prev ? c - w->prev : 0;
    w->count = c;
    w->prev = c;
    w->hz = dt > 0 ? (double)delta / dt : 0;
    w->mb_s = w->hz * (double)shmhub_stream_frame_nbytes(w->st) / 1e6;
    w->missed = delta > slots ? delta - slots : 0;
    w->age_s = stream_write_age_s(w->st);
    w->writer_pid = shmhub_stream_writer_pid(w->st);
    w->writer_alive = pid_alive(w->writer_pid);
}

static void watch_print_json(const watched *ws, size_t n, const char *when)
{
    fputs("{\"time\": ", stdout);
    json_str(stdout, when);
    fputs(", \"streams\": [", stdout);
    int first = 1, containers = 0;
    for (size_t i = 0; i < n; i++) {
        const watched *w = &ws[i];
        if (!w->st) {
            containers = 1;
            continue;
        }
        fputs(first ? "{\"name\": " : ", {\"name\": ", stdout);
        first = 0;
        json_str(stdout, w->name);
        printf(", \"count\": %" PRIu64 ", \"hz\": %.3f, \"mb_s\": %.3f, \"missed\": %" PRIu64
               ", \"last_write_age_s\": ",
               w->count, w->hz, w->mb_s, w->missed);
        if (w->age_s < 0)
            fputs("null", stdout);
        else
            printf("%.3f", w->age_s);
        printf(", \"writer_pid\": %" PRId64 ", \"writer_alive\": %s}", w->writer_pid,
               w->writer_alive ? "true" : "false");
    }
    fputs("]", stdout);
    if (containers) { /* dictionaries and pools: only when some are watched */
        fputs(", \"containers\": [", stdout);
        first = 1;
        for (size_t i = 0; i < n; i++) {
            const watched *w = &ws[i];
            if (w->st)
                continue;
            fputs(first ? "{\"name\": " : ", {\"name\": ", stdout);
            first = 0;
            json_str(stdout, w->name);
            printf(", \"kind\": \"%s\", \"%s\": %" PRIu64 ", \"%s_per_s\": %.3f}",
                   w->ctr.dict ? "dict" : "pool", cli_counter_unit(&w->ctr), w->count,
                   cli_counter_unit(&w->ctr), w->hz);
        }
        fputs("]", stdout);
    }
    fputs("}\n", stdout);
}

static void watch_print_table(const watched *ws, size_t n, const char *when, int tty, row *rows)
{
    for (int c = 0; c < WCOLS; c++)
        strcpy(rows[0].cell[c], WATCH_HEADER[c]);
    for (size_t i = 0; i < n; i++) {
        const watched *w = &ws[i];
        row *r = &rows[i + 1];
        sanitize(r->cell[WCOL_NAME], sizeof r->cell[WCOL_NAME], w->name);
        snprintf(r->cell[WCOL_HZ], sizeof r->cell[WCOL_HZ], "%.1f", w->hz);
        if (!w->st) { /* a dictionary or pool: HZ is its writes or acquires per second */
            snprintf(r->cell[WCOL_COUNT], sizeof r->cell[WCOL_COUNT], "%" PRIu64, w->count);
            strcpy(r->cell[WCOL_MBS], "-");
            strcpy(r->cell[WCOL_MISSED], "-");
            strcpy(r->cell[WCOL_LAST], "-");
            snprintf(r->cell[WCOL_WRITER], sizeof r->cell[WCOL_WRITER], "%s %s/s",
                     w->ctr.dict ? "dict" : "pool", cli_counter_unit(&w->ctr));
            continue;
        }
        snprintf(r->cell[WCOL_MBS], sizeof r->cell[WCOL_MBS], "%.2f", w->mb_s);
        snprintf(r->cell[WCOL_COUNT], sizeof r->cell[WCOL_COUNT], "%" PRIu64, w->count);
        snprintf(r->cell[WCOL_MISSED], sizeof r->cell[WCOL_MISSED], "%" PRIu64, w->missed);
        fmt_write_age(r->cell[WCOL_LAST], sizeof r->cell[WCOL_LAST], w->age_s);
        if (w->writer_pid > 0)
            snprintf(r->cell[WCOL_WRITER], sizeof r->cell[WCOL_WRITER], "%" PRId64 " %s",
                     w->writer_pid, w->writer_alive ? "alive" : "dead");
        else
            strcpy(r->cell[WCOL_WRITER], "none");
    }
    if (tty)
        fputs("\033[H\033[2J", stdout); /* home, clear screen */
    printf("%s\n", when);
    print_rows(stdout, rows, n + 1, WCOLS);
    if (!tty)
        fputc('\n', stdout);
}

static int cmd_watch(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                              {"interval", required_argument, NULL, 'i'},
                                              {"count", required_argument, NULL, 'c'},
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, opt;
    double interval = 1.0;
    uint64_t max_refresh = 0; /* 0: forever */
    while ((opt = getopt_long(argc, argv, "ji:c:d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'd': dir = optarg; break;
        case 'i': {
            char *end;
            errno = 0;
            interval = strtod(optarg, &end);
            if (optarg[0] == '\0' || *end != '\0' || errno == ERANGE || !(interval > 0) ||
                interval > 86400)
                return usage_error("watch", "bad --interval '%s': expected seconds > 0 (up to 86400)",
                                   optarg);
            break;
        }
        case 'c': {
            uint32_t v;
            if (parse_u32(optarg, &v) != 0 || v == 0)
                return usage_error("watch", "bad --count '%s': expected a positive number", optarg);
            max_refresh = v;
            break;
        }
        case 'h': fputs(USAGE_WATCH, stdout); return EXIT_OK;
        default: return usage_hint("watch");
        }
    }
    if (optind == argc)
        return usage_error("watch", "watch: missing NAME");
    if (PARSE_ONLY)
        return EXIT_OK;
    size_t n = (size_t)(argc - optind);
    watched *ws = calloc(n, sizeof *ws);
    row *rows = json ? NULL : calloc(n + 1, sizeof *rows);
    int rc = EXIT_OK;
    if (!ws || (!json && !rows)) {
        fputs("shmhub: watch: out of memory\n", stderr);
        rc = EXIT_ERR;
        goto done;
    }
    shmhub_segment_opts sopts = SHMHUB_SEGMENT_OPTS_INIT;
    sopts.dir = dir;
    sopts.flags = SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER;
    sopts.open_timeout_ns = INT64_C(1000000000);
    shmhub_stream_opts opts = SHMHUB_STREAM_OPTS_INIT;
    opts.segment = &sopts;
    for (size_t i = 0; i < n; i++) {
        ws[i].name = argv[optind + (int)i];
        int c = cli_counter_open(ws[i].name, dir, &ws[i].ctr);
        if (c < 0) {
            rc = report(ws[i].name, shmhub_last_error());
            goto done;
        }
        if (c > 0) {
            ws[i].prev = cli_counter_read(&ws[i].ctr);
            continue;
        }
        if (shmhub_stream_open(ws[i].name, &opts, &ws[i].st) != SHMHUB_OK) {
            rc = report(ws[i].name, shmhub_last_error());
            goto done;
        }
        ws[i].prev = shmhub_stream_count(ws[i].st);
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: the signal interrupts nanosleep */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int tty = !json && isatty(STDOUT_FILENO);
    double prev_t = mono_s();
    for (uint64_t k = 0; max_refresh == 0 || k < max_refresh; k++) {
        if (sleep_interruptible(interval, &watch_stop))
            break;
        double t = mono_s(), dt = t - prev_t;
        prev_t = t;
        for (size_t i = 0; i < n; i++)
            watch_sample(&ws[i], dt);
        char when[96];
        fmt_time(when, sizeof when, now_ns());
        if (json)
            watch_print_json(ws, n, when);
        else
            watch_print_table(ws, n, when, tty, rows);
        if (fflush(stdout) != 0) {
            rc = EXIT_ERR;
            break;
        }
    }
done:
    for (size_t i = 0; ws && i < n; i++) {
        shmhub_stream_close(ws[i].st);
        cli_counter_close(&ws[i].ctr);
    }
    free(ws);
    free(rows);
    return rc;
}

static int cmd_unlink(int argc, char **argv)
{
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int opt, rc = EXIT_OK;
    while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_UNLINK, stdout); return EXIT_OK;
        default: return usage_hint("unlink");
        }
    }
    if (optind == argc)
        return usage_error("unlink", "unlink: missing NAME");
    if (PARSE_ONLY)
        return EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (shmhub_unlink_in(argv[i], dir) != SHMHUB_OK)
            rc = report(argv[i], shmhub_last_error());
    return rc;
}

/* ---- purge (self-contained: usage, options, work) ---------------------------------------------- */

static const char USAGE_PURGE[] =
    "usage: shmhub purge [--dry-run] [--json] [--dir DIR]\n"
    "\n"
    "Unlinks every segment whose creator process is dead and, for a stream, whose writer is\n"
    "dead too (or never wrote). Segments that fail validation, and streams that do not open as\n"
    "streams, are left alone. Prints one line per segment: 'unlinked NAME (KIND, creator pid P\n"
    "dead[, writer pid W dead])'. The Python package's `shmhub purge` prints the same.\n"
    "\n"
    "  -n, --dry-run  only say what would be unlinked ('would unlink NAME ...')\n"
    "  -j, --json     print one JSON array of {\"name\", \"kind\", \"creator_pid\",\n"
    "                 \"writer_pid\", \"action\"} (action: \"unlinked\", \"would unlink\" or\n"
    "                 \"failed\")\n"
    "  -d, --dir DIR  directory to purge\n"
    "  -h, --help     show this help\n";

static int cmd_purge(int argc, char **argv)
{
    static const struct option longopts[] = {{"dry-run", no_argument, NULL, 'n'},
                                              {"json", no_argument, NULL, 'j'},
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, dry = 0, opt, rc = EXIT_OK;
    while ((opt = getopt_long(argc, argv, "njd:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'n': dry = 1; break;
        case 'j': json = 1; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_PURGE, stdout); return EXIT_OK;
        default: return usage_hint("purge");
        }
    }
    if (optind != argc)
        return usage_error("purge", "purge: unexpected argument '%s'", argv[optind]);
    shmhub_list *list;
    if (shmhub_list_open(dir, &list) != SHMHUB_OK) {
        fprintf(stderr, "shmhub: list: %s\n", shmhub_last_error());
        return EXIT_ERR;
    }
    size_t count = shmhub_list_count(list), shown = 0;
    if (json)
        fputs("[", stdout);
    for (size_t i = 0; i < count; i++) {
        seg_entry e;
        entry_open(&e, shmhub_list_name(list, i), dir,
                   SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER, 0);
        if (!e.seg)
            continue;
        int64_t cpid = shmhub_segment_creator_pid(e.seg);
        int64_t wpid = e.stream ? shmhub_stream_writer_pid(e.stream) : 0;
        int unreadable = shmhub_segment_kind(e.seg) == SHMHUB_KIND_STREAM && !e.stream;
        char kind[32];
        snprintf(kind, sizeof kind, "%s", kind_label(e.seg));
        entry_close(&e);
        if (pid_alive(cpid) || (wpid > 0 && pid_alive(wpid)) || unreadable)
            continue;
        const char *action = dry ? "would unlink" : "unlinked";
        if (!dry && shmhub_unlink_in(e.name, dir) != SHMHUB_OK) {
            if (strstr(shmhub_last_error(), "does not exist"))
                continue; /* removed meanwhile */
            rc = report(e.name, shmhub_last_error());
            action = "failed";
        }
        if (json) {
            fputs(shown++ ? ",\n  {\"name\": " : "\n  {\"name\": ", stdout);
            json_str(stdout, e.name);
            printf(", \"kind\": \"%s\", \"creator_pid\": %" PRId64 ", \"writer_pid\": %" PRId64
                   ", \"action\": \"%s\"}", kind, cpid, wpid, action);
        } else if (strcmp(action, "failed") != 0) {
            char name[SHMHUB_MAX_NAME + 1];
            sanitize(name, sizeof name, e.name);
            printf("%s %s (%s, creator pid %" PRId64 " dead", action, name, kind, cpid);
            if (wpid > 0)
                printf(", writer pid %" PRId64 " dead", wpid);
            puts(")");
        }
    }
    if (json)
        fputs(shown ? "\n]\n" : "]\n", stdout);
    shmhub_list_close(list);
    return fflush(stdout) == 0 ? rc : EXIT_ERR;
}

/* ---- dispatch --------------------------------------------------------------------------------- */

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *label;        /* argv[0] while parsing its options, for getopt's messages */
} command;

static const command COMMANDS[] = {
    {"create", cmd_create, USAGE_CREATE, "shmhub create"},
    {"list", cmd_list, USAGE_LIST, "shmhub list"},
    {"info", cmd_info, USAGE_INFO, "shmhub info"},
    {"watch", cmd_watch, USAGE_WATCH, "shmhub watch"},
    {"unlink", cmd_unlink, USAGE_UNLINK, "shmhub unlink"},
    {"purge", cmd_purge, USAGE_PURGE, "shmhub purge"},
#ifdef SHMHUB_HAVE_BRIDGE
    {"bridge", bridge_main, BRIDGE_USAGE, "shmhub bridge"},
#endif
    {"dict", cli_cmd_dict, CLI_USAGE_DICT, "shmhub dict"},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

#ifdef SHMHUB_CLI_NO_MAIN
int shmhub_cli_main(int argc, char **argv)
#else
int main(int argc, char **argv)
#endif
{
    static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
                                              {"version", no_argument, NULL, 'V'},
                                              {NULL, 0, NULL, 0}};
    if (SHMHUB_CHECK_VERSION() != SHMHUB_OK) {
        fprintf(stderr, "shmhub: %s\n", shmhub_last_error());
        return EXIT_ERR;
    }
    int opt;
    /* Global options stop at the command ("+"); each command then parses its own, permuting. */
    while ((opt = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(USAGE_MAIN, stdout); return EXIT_OK;
        case 'V':
            printf("shmhub %s (layout %d.%d)\n", shmhub_version_string(), SHMHUB_LAYOUT_MAJOR,
                   SHMHUB_LAYOUT_MINOR);
            return EXIT_OK;
        default: return usage_hint(NULL);
        }
    }
    if (optind == argc)
        return usage_error(NULL, "missing COMMAND");
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 == argc) {
            fputs(USAGE_MAIN, stdout);
            return EXIT_OK;
        }
        const command *c = find_command(argv[optind + 1]);
        if (!c)
            return usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
        fputs(c->usage, stdout);
        return EXIT_OK;
    }
    const command *c = find_command(name);
    if (!c)
        return usage_error(NULL, "unknown command '%s'", name);

    char **sub = argv + optind;
    sub[0] = (char *)c->label;
    optind = 0; /* glibc: reinitialise getopt for the new argument vector */
    return c->run(argc - (int)(sub - argv), sub);
}
