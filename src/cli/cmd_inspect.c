/* shmhub list and info: every segment as a table row or JSON object, or everything about one
 * segment; and the seg_entry (cli.h) that purge uses too. */
#include "cli.h"
#include "containers.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char CLI_USAGE_LIST[] =
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

const char CLI_USAGE_INFO[] =
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

/* ---- small formatters ------------------------------------------------------------------------- */

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

/* ---- one segment as list/info see it ---------------------------------------------------------- */

void cli_entry_open(seg_entry *e, const char *name, const char *dir, uint32_t flags,
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

void cli_entry_close(seg_entry *e)
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
        double t0 = cli_mono_s();
        cli_sleep_interruptible(seconds, &never);
        double dt = cli_mono_s() - t0;
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
    return ((double)cli_now_ns() - (double)shmhub_segment_created_ns(e->seg)) / 1e9;
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
    cli_json_str(f, shmhub_dtype_str(shmhub_stream_dtype(st)));
    fputs(", \"dtype_name\": ", f);
    cli_json_str(f, shmhub_dtype_name(shmhub_stream_dtype(st)));
    int64_t wpid = shmhub_stream_writer_pid(st), last = shmhub_stream_last_write_ns(st);
    fprintf(f, ", \"shape\": [%s], \"slots\": %" PRIu32 ", \"frame_nbytes\": %" PRIu64
               ", \"writer_mode\": \"%s\", \"count\": %" PRIu64 ", \"writer_pid\": %" PRId64
               ", \"writer_alive\": %s, \"recoveries\": %" PRIu64,
            shape, shmhub_stream_slots(st), shmhub_stream_frame_nbytes(st),
            writer_mode_label(shmhub_stream_writer_mode(st)), shmhub_stream_count(st), wpid,
            cli_pid_alive(wpid) ? "true" : "false", shmhub_stream_recoveries(st));
    if (last > 0)
        fprintf(f, ", \"last_write_ns\": %" PRId64 ", \"last_write_age_s\": %.3f", last,
                cli_stream_write_age_s(st));
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
    cli_json_str(f, e->name);
    if (detailed) {
        fputs(", \"path\": ", f);
        cli_json_str(f, seg ? shmhub_segment_path(seg) : NULL);
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
        cli_json_str(f, entry_status_label(e));
        fputs(", \"error\": ", f);
        cli_json_str(f, e->error);
        fputc('}', f);
        return;
    }
    fputs(", \"kind\": ", f);
    cli_json_str(f, cli_kind_label(seg));
    fprintf(f, ", \"size\": %" PRIu64 ", \"arrays\": [", shmhub_segment_size(seg));
    size_t count = shmhub_segment_array_count(seg);
    for (size_t i = 0; i < count; i++) {
        const shmhub_array *a;
        if (shmhub_segment_array_at(seg, i, &a) != SHMHUB_OK)
            continue;
        char shape[256];
        fmt_shape(shape, sizeof shape, a, ", ");
        fputs(i ? ", {\"name\": " : "{\"name\": ", f);
        cli_json_str(f, shmhub_array_name(a));
        fputs(", \"dtype\": ", f);
        cli_json_str(f, shmhub_dtype_str(shmhub_array_dtype(a)));
        fputs(", \"dtype_name\": ", f);
        cli_json_str(f, shmhub_dtype_name(shmhub_array_dtype(a)));
        fprintf(f, ", \"shape\": [%s], \"nbytes\": %" PRIu64 ", \"offset\": %" PRIu64
                   ", \"aligned\": %s}",
                shape, shmhub_array_nbytes(a), shmhub_array_offset(a),
                array_aligned(a) ? "true" : "false");
    }
    int64_t pid = shmhub_segment_creator_pid(seg);
    fprintf(f, "], \"creator_pid\": %" PRId64 ", \"creator_uid\": %" PRId64
               ", \"creator_alive\": %s, \"created_ns\": %" PRId64 ", \"age_s\": %.3f"
               ", \"stream\": ",
            pid, shmhub_segment_creator_uid(seg), cli_pid_alive(pid) ? "true" : "false",
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
    cli_json_str(f, e->stream_error[0] ? e->stream_error : NULL);
    fputc('}', f);
}

/* ---- one segment as a human table row (list) -------------------------------------------------- */

enum { COL_NAME, COL_KIND, COL_SIZE, COL_OWNER, COL_AGE, COL_LAST, NCOLS };

static const char *const ROW_HEADER[NCOLS] = {"NAME", "KIND", "SIZE", "OWNER", "AGE", "CONTENTS"};

/* "uid 1000 pid 4242 alive" */
static void fmt_owner(char *buf, size_t n, const shmhub_segment *seg)
{
    int64_t pid = shmhub_segment_creator_pid(seg);
    snprintf(buf, n, "uid %" PRId64 " pid %" PRId64 " %s", shmhub_segment_creator_uid(seg), pid,
             cli_pid_alive(pid) ? "alive" : "dead");
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
        cli_sanitize(why, sizeof why, e->stream_error);
        snprintf(buf, n, "stream (unreadable: %s)", why);
        return;
    }
    char shape[256], age[64];
    fmt_extents(shape, sizeof shape, shmhub_stream_ndim(st), shmhub_stream_shape(st), ",");
    cli_fmt_write_age(age, sizeof age, cli_stream_write_age_s(st));
    int64_t wpid = shmhub_stream_writer_pid(st);
    size_t len;
    snprintf(buf, n, "stream %s[%s] x%" PRIu32 " %s, %" PRIu64 " frames, last %s",
             dtype_label(shmhub_stream_dtype(st)), shape, shmhub_stream_slots(st),
             writer_mode_label(shmhub_stream_writer_mode(st)), shmhub_stream_count(st), age);
    len = strlen(buf);
    if (wpid > 0)
        snprintf(buf + len, n - len, ", writer %" PRId64 " %s", wpid,
                 cli_pid_alive(wpid) ? "alive" : "dead");
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
    cli_sanitize(r->cell[COL_NAME], sizeof r->cell[COL_NAME], e->name);
    if (!seg) {
        snprintf(r->cell[COL_KIND], sizeof r->cell[COL_KIND], "%s", entry_status_label(e));
        strcpy(r->cell[COL_SIZE], "-");
        strcpy(r->cell[COL_OWNER], "-");
        strcpy(r->cell[COL_AGE], "-");
        cli_sanitize(r->cell[COL_LAST], sizeof r->cell[COL_LAST], e->error);
        return;
    }
    snprintf(r->cell[COL_KIND], sizeof r->cell[COL_KIND], "%s", cli_kind_label(seg));
    fmt_size(r->cell[COL_SIZE], sizeof r->cell[COL_SIZE], shmhub_segment_size(seg));
    fmt_owner(r->cell[COL_OWNER], sizeof r->cell[COL_OWNER], seg);
    cli_fmt_age(r->cell[COL_AGE], sizeof r->cell[COL_AGE], entry_age_s(e));
    if (shmhub_segment_kind(seg) == SHMHUB_KIND_STREAM)
        fmt_stream_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], e);
    else if (shmhub_segment_kind(seg) == SHMHUB_KIND_DICT ||
             shmhub_segment_kind(seg) == SHMHUB_KIND_POOL)
        cli_container_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], seg, 0);
    else
        fmt_arrays_summary(r->cell[COL_LAST], sizeof r->cell[COL_LAST], seg);
}

/* ---- commands --------------------------------------------------------------------------------- */

int cli_cmd_list(int argc, char **argv)
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
        case 'h': fputs(CLI_USAGE_LIST, stdout); return EXIT_OK;
        default: return cli_usage_hint("list");
        }
    }
    if (optind != argc)
        return cli_usage_error("list", "list: unexpected argument '%s'", argv[optind]);
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
        cli_entry_open(&entries[n], shmhub_list_name(list, i), dir,
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
            cli_print_rows(stdout, rows, n + 1, NCOLS);
            free(rows);
        } else {
            fputs("shmhub: list: out of memory\n", stderr);
        }
    }
    for (size_t i = 0; i < n; i++)
        cli_entry_close(&entries[i]);
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
    cli_sanitize(buf, sizeof buf, shmhub_segment_path(seg));
    printf("path:            %s\n", buf);
    printf("kind:            %s\n", cli_kind_label(seg));
    printf("layout version:  %u.%u\n", v / 100, v % 100);
    fmt_size(buf, sizeof buf, size);
    printf("size:            %" PRIu64 " bytes (%s)\n", size, buf);
    printf("creator:         pid %" PRId64 " (%s), uid %" PRId64 "\n", pid,
           cli_pid_alive(pid) ? "alive" : "dead", shmhub_segment_creator_uid(seg));
    cli_fmt_time(when, sizeof when, shmhub_segment_created_ns(seg));
    cli_fmt_age(age, sizeof age, entry_age_s(e));
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
        cli_sanitize(buf, sizeof buf, e->stream_error);
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
        printf("  writer:        pid %" PRId64 " (%s)\n", wpid,
               cli_pid_alive(wpid) ? "alive" : "dead");
    else
        printf("  writer:        none\n");
    printf("  recoveries:    %" PRIu64 "\n", shmhub_stream_recoveries(st));
    int64_t last = shmhub_stream_last_write_ns(st);
    if (last > 0) {
        cli_fmt_time(when, sizeof when, last);
        cli_fmt_write_age(age, sizeof age, cli_stream_write_age_s(st));
        printf("  last write:    %s (%s)\n", when, age);
    } else {
        printf("  last write:    never\n");
    }
    if (e->has_rate)
        printf("  rate:          %.1f Hz (%.2f MB/s)\n", e->rate_hz, e->rate_hz * (double)fn / 1e6);
}

int cli_cmd_info(int argc, char **argv)
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
        case 'h': fputs(CLI_USAGE_INFO, stdout); return EXIT_OK;
        default: return cli_usage_hint("info");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("info", optind == argc ? "info: missing NAME"
                                                  : "info: expected exactly one NAME");
    if (PARSE_ONLY)
        return EXIT_OK;
    seg_entry e;
    cli_entry_open(&e, argv[optind], dir, SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER,
               INT64_C(1000000000));
    if (!e.seg)
        return cli_report(e.name, e.error);
    if (rate)
        entries_sample_rates(&e, 1, RATE_SAMPLE_S);
    if (json) {
        json_entry(stdout, &e, 1);
        fputc('\n', stdout);
    } else {
        print_info_human(&e);
    }
    cli_entry_close(&e);
    return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERR;
}
