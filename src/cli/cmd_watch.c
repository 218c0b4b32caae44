/* shmhub watch: streams' frame rates, dictionaries' writes and pools' acquires, every interval,
 * as a table or one JSON object per line. */
#include "cli.h"
#include "containers.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char CLI_USAGE_WATCH[] =
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
    w->age_s = cli_stream_write_age_s(w->st);
    w->writer_pid = shmhub_stream_writer_pid(w->st);
    w->writer_alive = cli_pid_alive(w->writer_pid);
}

static void watch_print_json(const watched *ws, size_t n, const char *when)
{
    fputs("{\"time\": ", stdout);
    cli_json_str(stdout, when);
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
        cli_json_str(stdout, w->name);
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
            cli_json_str(stdout, w->name);
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
        cli_sanitize(r->cell[WCOL_NAME], sizeof r->cell[WCOL_NAME], w->name);
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
        cli_fmt_write_age(r->cell[WCOL_LAST], sizeof r->cell[WCOL_LAST], w->age_s);
        if (w->writer_pid > 0)
            snprintf(r->cell[WCOL_WRITER], sizeof r->cell[WCOL_WRITER], "%" PRId64 " %s",
                     w->writer_pid, w->writer_alive ? "alive" : "dead");
        else
            strcpy(r->cell[WCOL_WRITER], "none");
    }
    if (tty)
        fputs("\033[H\033[2J", stdout); /* home, clear screen */
    printf("%s\n", when);
    cli_print_rows(stdout, rows, n + 1, WCOLS);
    if (!tty)
        fputc('\n', stdout);
}

int cli_cmd_watch(int argc, char **argv)
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
                return cli_usage_error(
                    "watch", "bad --interval '%s': expected seconds > 0 (up to 86400)", optarg);
            break;
        }
        case 'c': {
            uint32_t v;
            if (cli_parse_u32(optarg, &v) != 0 || v == 0)
                return cli_usage_error("watch", "bad --count '%s': expected a positive number",
                                       optarg);
            max_refresh = v;
            break;
        }
        case 'h': fputs(CLI_USAGE_WATCH, stdout); return EXIT_OK;
        default: return cli_usage_hint("watch");
        }
    }
    if (optind == argc)
        return cli_usage_error("watch", "watch: missing NAME");
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
            rc = cli_report(ws[i].name, shmhub_last_error());
            goto done;
        }
        if (c > 0) {
            ws[i].prev = cli_counter_read(&ws[i].ctr);
            continue;
        }
        if (shmhub_stream_open(ws[i].name, &opts, &ws[i].st) != SHMHUB_OK) {
            rc = cli_report(ws[i].name, shmhub_last_error());
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
    double prev_t = cli_mono_s();
    for (uint64_t k = 0; max_refresh == 0 || k < max_refresh; k++) {
        if (cli_sleep_interruptible(interval, &watch_stop))
            break;
        double t = cli_mono_s(), dt = t - prev_t;
        prev_t = t;
        for (size_t i = 0; i < n; i++)
            watch_sample(&ws[i], dt);
        char when[96];
        cli_fmt_time(when, sizeof when, cli_now_ns());
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
