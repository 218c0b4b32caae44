/* The shmhub command's shared declarations: exit codes, the output helpers (output.c) every
 * command uses, one segment as list/info/purge see it (cmd_inspect.c) and the commands' entry
 * points. Each command lives in a file of its own (cmd_*.c, containers.c, bridge.c); shmhub.c
 * holds main(), the overall help and the dispatch. Uses only the public API of abi/shmhub.h. */
#ifndef SHMHUB_CLI_H
#define SHMHUB_CLI_H
#include <shmhub.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses: success, an operation failed (the message names the segment), usage error. */
enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Room for a copy of shmhub_last_error(). */
#define ERRMSG_MAX 1024

/* Built with SHMHUB_CLI_NO_MAIN (tests/fuzz/fuzz_cli.c), shmhub_cli_main parses and checks the
 * arguments of every command, then returns before anything touches a segment (shmhub.c defines
 * the flag; each command returns once its arguments are checked when PARSE_ONLY is set). */
#ifdef SHMHUB_CLI_NO_MAIN
extern int shmhub_cli_parse_only;
int shmhub_cli_main(int argc, char **argv);
#define PARSE_ONLY shmhub_cli_parse_only
#else
#define PARSE_ONLY 0
#endif

/* ---- the commands: argv[0] is the command's label; each returns an exit status ---------------- */

/* `shmhub create NAME ...`: arrays or a stream (cmd_create.c); --dict/--pool go to containers.c. */
int cli_cmd_create(int argc, char **argv);
/* `shmhub list`: every segment, one row or JSON object each (cmd_inspect.c). */
int cli_cmd_list(int argc, char **argv);
/* `shmhub info NAME`: everything about one segment (cmd_inspect.c). */
int cli_cmd_info(int argc, char **argv);
/* `shmhub watch NAME...`: streams' rates, dictionaries' writes, pools' acquires (cmd_watch.c). */
int cli_cmd_watch(int argc, char **argv);
/* `shmhub unlink NAME...`: removes segments (cmd_remove.c). */
int cli_cmd_unlink(int argc, char **argv);
/* `shmhub purge`: removes segments whose creator (and writer) died (cmd_remove.c). */
int cli_cmd_purge(int argc, char **argv);

/* Each command's help text, beside its command. */
extern const char CLI_USAGE_CREATE[], CLI_USAGE_LIST[], CLI_USAGE_INFO[], CLI_USAGE_WATCH[],
    CLI_USAGE_UNLINK[], CLI_USAGE_PURGE[];

/* ---- messages (output.c) ---------------------------------------------------------------------- */

/* After getopt has printed why an option was refused: the hint only. Returns EXIT_USAGE. */
int cli_usage_hint(const char *cmd);
/* Prints "shmhub: MESSAGE" and a hint to stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "shmhub: segment 'NAME': MSG" to stderr (the segment named once); returns EXIT_ERR. */
int cli_report(const char *name, const char *msg);

/* ---- time, processes, values (output.c) ------------------------------------------------------- */

/* Wall-clock time in nanoseconds since the epoch. */
int64_t cli_now_ns(void);
/* Monotonic time in seconds. */
double cli_mono_s(void);
/* Sleeps for `seconds`; returns early (nonzero) when *stop becomes set by a signal handler. */
int cli_sleep_interruptible(double seconds, volatile sig_atomic_t *stop);
/* Whether the process exists (EPERM means it exists but belongs to someone else). */
int cli_pid_alive(int64_t pid);
/* Parses a decimal count that fits in 32 bits; 0, or -1 when it is not one. */
int cli_parse_u32(const char *text, uint32_t *out);

/* ---- human output (output.c) ------------------------------------------------------------------ */

/* "0s", "42s", "3m", "2h", "5d": the largest whole unit. */
void cli_fmt_age(char *buf, size_t n, double seconds);
/* ISO-8601 UTC with milliseconds, e.g. 2024-05-01T12:00:00.123Z. */
void cli_fmt_time(char *buf, size_t n, int64_t ns);
/* Seconds since the stream's newest commit, or a negative value when nothing was written. */
double cli_stream_write_age_s(const shmhub_stream *s);
/* "3s ago", "120 ms ago" or "never" (age_s < 0). */
void cli_fmt_write_age(char *buf, size_t n, double age_s);
/* The segment's kind name ("stream", "dict"...), or "unknown". */
const char *cli_kind_label(const shmhub_segment *seg);
/* Copies s into buf, control characters replaced so a hostile segment cannot drive the terminal. */
void cli_sanitize(char *buf, size_t n, const char *s);

/* Most columns of a table. */
enum { ROW_MAX_COLS = 8 }; /* list uses NCOLS, watch WCOLS */

/* One table row of cells. */
typedef struct row {
    char cell[ROW_MAX_COLS][ERRMSG_MAX + 64];
} row;

/* Prints rows of ncols (<= ROW_MAX_COLS) cells as aligned columns; the last is not padded. */
void cli_print_rows(FILE *f, const row *rows, size_t n, int ncols);

/* ---- JSON output (output.c) ------------------------------------------------------------------- */

/* Writes s as a JSON string (or null when s is NULL); bytes that are not UTF-8 become U+FFFD. */
void cli_json_str(FILE *f, const char *s);

/* ---- one segment as list, info and purge see it (cmd_inspect.c) ------------------------------- */

/* A segment opened read-only, or why it did not open. */
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

/* Opens segment `name` in `dir` with `flags` into *e (and as a stream when it is one); a failure
 * is kept in e->status and e->error. */
void cli_entry_open(seg_entry *e, const char *name, const char *dir, uint32_t flags,
                    int64_t timeout_ns);
/* Closes what cli_entry_open opened. */
void cli_entry_close(seg_entry *e);

#endif
