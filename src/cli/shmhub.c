/* shmhub: the command-line tool over libshmhub (create, list, info, unlink).
 *
 * Uses only the public API of abi/shmhub.h. Exit codes: 0 success, 1 an operation failed (the
 * message on stderr names the segment and gives the library's message), 2 usage error. */
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
    "  list                                      list the segments and their state\n"
    "  info NAME                                 show everything about one segment\n"
    "  unlink NAME...                            remove segments\n"
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
    "\n"
    "Creates segment NAME holding the given arrays, zero-filled. The segment persists\n"
    "until it is unlinked.\n"
    "\n"
    "  -a, --array NAME:DTYPE:SHAPE  add an array (repeatable, in order). DTYPE is a numpy\n"
    "                                type string or name (f4, <f4, float32, u1, ?...);\n"
    "                                SHAPE is AxBxC (up to 8 extents), or 'scalar' or\n"
    "                                empty for a 0-d array: close:f4:1000x500, t:f8:scalar\n"
    "  -m, --mode MODE               octal file mode (default 0600)\n"
    "  -d, --dir DIR                 directory for the segment file\n"
    "  -h, --help                    show this help\n";

static const char USAGE_LIST[] =
    "usage: shmhub list [--json] [--dir DIR]\n"
    "\n"
    "Lists every segment with its kind, size, owner, age and arrays. Segments that fail\n"
    "validation are listed as 'corrupt' (or the failure's status) with the reason.\n"
    "\n"
    "  -j, --json     print one JSON array of objects\n"
    "  -d, --dir DIR  directory to list\n"
    "  -h, --help     show this help\n";

static const char USAGE_INFO[] =
    "usage: shmhub info NAME [--json] [--dir DIR]\n"
    "\n"
    "Opens segment NAME read-only, validates it, and prints everything about it.\n"
    "\n"
    "  -j, --json     print one JSON object\n"
    "  -d, --dir DIR  directory holding the segment\n"
    "  -h, --help     show this help\n";

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
static void fmt_shape(char *buf, size_t n, const shmhub_array *a, const char *sep)
{
    const uint64_t *shape = shmhub_array_shape(a);
    uint32_t ndim = shmhub_array_ndim(a);
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t d = 0; d < ndim && len < n; d++) {
        int w = snprintf(buf + len, n - len, "%s%" PRIu64, d ? sep : "", shape[d]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
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
    e->status = shmhub_segment_open(name, &opts, &e->seg);
    if (e->status != SHMHUB_OK)
        snprintf(e->error, sizeof e->error, "%s", shmhub_last_error());
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
              "\"age_s\": null, \"status\": ", f);
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
               ", \"status\": \"ok\", \"error\": null}",
            pid, shmhub_segment_creator_uid(seg), pid_alive(pid) ? "true" : "false",
            shmhub_segment_created_ns(seg), entry_age_s(e));
}

/* ---- one segment as a human table row (list) -------------------------------------------------- */

enum { COL_NAME, COL_KIND, COL_SIZE, COL_OWNER, COL_AGE, COL_LAST, NCOLS };

typedef struct row {
    char cell[NCOLS][ERRMSG_MAX + 64];
} row;

static const char *const ROW_HEADER[NCOLS] = {"NAME", "KIND", "SIZE", "OWNER", "AGE", "ARRAYS"};

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
    fmt_arrays_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], seg);
}

/* Prints rows as aligned columns; the last column is not padded. */
static void print_rows(FILE *f, const row *rows, size_t n)
{
    int width[NCOLS] = {0};
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < NCOLS - 1; c++) {
            int w = (int)strlen(rows[i].cell[c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < NCOLS - 1; c++)
            fprintf(f, "%-*s  ", width[c], rows[i].cell[c]);
        fprintf(f, "%s\n", rows[i].cell[NCOLS - 1]);
    }
}

/* ---- commands --------------------------------------------------------------------------------- */

typedef struct array_arg {
    char *buf;                /* owned copy of NAME:DTYPE:SHAPE, split in place */
    const char *name;
    shmhub_dtype dtype;
    uint32_t ndim;
    uint64_t shape[SHMHUB_MAX_NDIM];
} array_arg;

/* Parses SHAPE ("AxBxC", "scalar" or ""). Returns 0, or -1 with a reason in err. */
static int parse_shape(const char *spec, const char *text, array_arg *out, char *err, size_t errn)
{
    out->ndim = 0;
    if (text[0] == '\0' || strcmp(text, "scalar") == 0)
        return 0;
    const char *p = text;
    for (;;) {
        if (*p < '0' || *p > '9') {
            snprintf(err, errn, "bad --array '%s': shape '%s' must be decimal extents separated by 'x'",
                     spec, text);
            return -1;
        }
        if (out->ndim == SHMHUB_MAX_NDIM) {
            snprintf(err, errn, "bad --array '%s': shape has more than %d dimensions", spec,
                     SHMHUB_MAX_NDIM);
            return -1;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(p, &end, 10);
        if (errno == ERANGE) {
            snprintf(err, errn, "bad --array '%s': extent out of range", spec);
            return -1;
        }
        out->shape[out->ndim++] = (uint64_t)v;
        if (*end == '\0')
            return 0;
        if (*end != 'x') {
            snprintf(err, errn, "bad --array '%s': unexpected '%c' in shape '%s'", spec, *end, text);
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
    return parse_shape(spec, c2 + 1, out, err, errn);
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

static int cmd_create(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"array", required_argument, NULL, 'a'}, {"mode", required_argument, NULL, 'm'},
        {"dir", required_argument, NULL, 'd'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    shmhub_segment_opts opts = SHMHUB_SEGMENT_OPTS_INIT;
    const char **specs = calloc((size_t)argc + 1, sizeof *specs);
    size_t nspecs = 0;
    int opt, rc = EXIT_OK;
    if (!specs) {
        fputs("shmhub: create: out of memory\n", stderr);
        return EXIT_ERR;
    }
    while ((opt = getopt_long(argc, argv, "a:m:d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a': specs[nspecs++] = optarg; break;
        case 'd': opts.dir = optarg; break;
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
    if (shmhub_segment_create(name, layout, &opts, &seg) != SHMHUB_OK)
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
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, opt;
    while ((opt = getopt_long(argc, argv, "jd:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_LIST, stdout); return EXIT_OK;
        default: return usage_hint("list");
        }
    }
    if (optind != argc)
        return usage_error("list", "list: unexpected argument '%s'", argv[optind]);

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
            print_rows(stdout, rows, n + 1);
            free(rows);
        } else {
            fputs("shmhub: list: out of memory\n", stderr);
        }
    }
    for (size_t i = 0; i < n; i++)
        shmhub_segment_close(entries[i].seg);
    free(entries);
    shmhub_list_close(list);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}

static void print_info_human(const seg_entry *e)
{
    const shmhub_segment *seg = e->seg;
    char buf[512], when[96], age[32];
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
}

static int cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                              {"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int json = 0, opt;
    while ((opt = getopt_long(argc, argv, "jd:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = 1; break;
        case 'd': dir = optarg; break;
        case 'h': fputs(USAGE_INFO, stdout); return EXIT_OK;
        default: return usage_hint("info");
        }
    }
    if (optind != argc - 1)
        return usage_error("info", optind == argc ? "info: missing NAME"
                                                  : "info: expected exactly one NAME");
    seg_entry e;
    entry_open(&e, argv[optind], dir, SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER,
               INT64_C(1000000000));
    if (!e.seg)
        return report(e.name, e.error);
    if (json) {
        json_entry(stdout, &e, 1);
        fputc('\n', stdout);
    } else {
        print_info_human(&e);
    }
    shmhub_segment_close(e.seg);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
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
    for (int i = optind; i < argc; i++)
        if (shmhub_unlink_in(argv[i], dir) != SHMHUB_OK)
            rc = report(argv[i], shmhub_last_error());
    return rc;
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
    {"unlink", cmd_unlink, USAGE_UNLINK, "shmhub unlink"},
};

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(COMMANDS[i].name, name) == 0)
            return &COMMANDS[i];
    return NULL;
}

int main(int argc, char **argv)
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
