/* The shmhub command's shared output helpers (cli.h): messages, time and age formatting, tables,
 * JSON strings, and the small argument parsers more than one command uses. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- messages --------------------------------------------------------------------------------- */

/* After getopt has printed why an option was refused: the hint only. Returns EXIT_USAGE. */
int cli_usage_hint(const char *cmd)
{
    fprintf(stderr, "Try 'shmhub %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
    return EXIT_USAGE;
}

/* Prints "shmhub: MESSAGE" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("shmhub: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return cli_usage_hint(cmd);
}

/* Prints "shmhub: segment 'NAME': MSG" to stderr, without repeating the segment when the
 * library's message already starts with it. Returns EXIT_ERR. */
int cli_report(const char *name, const char *msg)
{
    char prefix[SHMHUB_MAX_NAME + 32];
    snprintf(prefix, sizeof prefix, "segment '%s'", name);
    if (strncmp(msg, prefix, strlen(prefix)) == 0)
        fprintf(stderr, "shmhub: %s\n", msg);
    else
        fprintf(stderr, "shmhub: %s: %s\n", prefix, msg);
    return EXIT_ERR;
}

/* ---- time, processes -------------------------------------------------------------------------- */

int64_t cli_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * INT64_C(1000000000) + ts.tv_nsec;
}

/* Whether the process exists (EPERM means it exists but belongs to someone else). */
int cli_pid_alive(int64_t pid)
{
    if (pid <= 0 || pid > INT_MAX)
        return 0;
    if (kill((pid_t)pid, 0) == 0)
        return 1;
    return errno == EPERM;
}

/* ---- human output ----------------------------------------------------------------------------- */

void cli_fmt_age(char *buf, size_t n, double seconds)
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
void cli_fmt_time(char *buf, size_t n, int64_t ns)
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


/* Seconds since the stream's newest commit, or a negative value when nothing was written. */
double cli_stream_write_age_s(const shmhub_stream *s)
{
    int64_t last = shmhub_stream_last_write_ns(s);
    if (last <= 0)
        return -1;
    double age = ((double)cli_now_ns() - (double)last) / 1e9;
    return age < 0 ? 0 : age;
}

/* "3s ago", "120 ms ago" or "never". */
void cli_fmt_write_age(char *buf, size_t n, double age_s)
{
    if (age_s < 0) {
        snprintf(buf, n, "never");
    } else if (age_s < 1) {
        snprintf(buf, n, "%.0f ms ago", age_s * 1e3);
    } else {
        char a[32];
        cli_fmt_age(a, sizeof a, age_s);
        snprintf(buf, n, "%s ago", a);
    }
}

double cli_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for `seconds`; returns early (nonzero) when *stop becomes set by a signal handler. The
 * signal interrupts nanosleep (handlers are installed without SA_RESTART); sleeping in slices of
 * at most 100 ms bounds the delay when the signal lands just before a nanosleep starts. */
int cli_sleep_interruptible(double seconds, volatile sig_atomic_t *stop)
{
    double end = cli_mono_s() + seconds;
    while (!*stop) {
        double left = end - cli_mono_s();
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

const char *cli_kind_label(const shmhub_segment *seg)
{
    const char *k = shmhub_kind_name(shmhub_segment_kind(seg));
    return k ? k : "unknown";
}

/* Copies s into buf, replacing control characters so a hostile segment cannot drive the terminal. */
void cli_sanitize(char *buf, size_t n, const char *s)
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
void cli_json_str(FILE *f, const char *s)
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

/* ---- tables ----------------------------------------------------------------------------------- */

/* Prints rows of ncols (<= ROW_MAX_COLS) cells as aligned columns; the last is not padded. */
void cli_print_rows(FILE *f, const row *rows, size_t n, int ncols)
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

/* ---- argument values -------------------------------------------------------------------------- */

/* Parses a decimal --slots value (range checks beyond uint32 are the library's). */
int cli_parse_u32(const char *text, uint32_t *out)
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
