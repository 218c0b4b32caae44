/* shmhub unlink and purge: remove named segments, or every segment whose creator (and, for a
 * stream, whose writer) died. */
#include "cli.h"

#include <getopt.h>
#include <inttypes.h>
#include <string.h>

/* ---- unlink ----------------------------------------------------------------------------------- */

const char CLI_USAGE_UNLINK[] =
    "usage: shmhub unlink NAME... [--dir DIR]\n"
    "\n"
    "Removes each named segment; processes that have it mapped keep their mapping.\n"
    "Goes on past failures and exits 1 if any failed.\n"
    "\n"
    "  -d, --dir DIR  directory holding the segments\n"
    "  -h, --help     show this help\n";

int cli_cmd_unlink(int argc, char **argv)
{
    static const struct option longopts[] = {{"dir", required_argument, NULL, 'd'},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    const char *dir = NULL;
    int opt, rc = EXIT_OK;
    while ((opt = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'h': fputs(CLI_USAGE_UNLINK, stdout); return EXIT_OK;
        default: return cli_usage_hint("unlink");
        }
    }
    if (optind == argc)
        return cli_usage_error("unlink", "unlink: missing NAME");
    if (PARSE_ONLY)
        return EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (shmhub_unlink_in(argv[i], dir) != SHMHUB_OK)
            rc = cli_report(argv[i], shmhub_last_error());
    return rc;
}

/* ---- purge (self-contained: usage, options, work) --------------------------------------------- */

const char CLI_USAGE_PURGE[] =
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

int cli_cmd_purge(int argc, char **argv)
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
        case 'h': fputs(CLI_USAGE_PURGE, stdout); return EXIT_OK;
        default: return cli_usage_hint("purge");
        }
    }
    if (optind != argc)
        return cli_usage_error("purge", "purge: unexpected argument '%s'", argv[optind]);
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
        cli_entry_open(&e, shmhub_list_name(list, i), dir,
                   SHMHUB_READ_ONLY | SHMHUB_ALLOW_FOREIGN_OWNER, 0);
        if (!e.seg)
            continue;
        int64_t cpid = shmhub_segment_creator_pid(e.seg);
        int64_t wpid = e.stream ? shmhub_stream_writer_pid(e.stream) : 0;
        int unreadable = shmhub_segment_kind(e.seg) == SHMHUB_KIND_STREAM && !e.stream;
        char kind[32];
        snprintf(kind, sizeof kind, "%s", cli_kind_label(e.seg));
        cli_entry_close(&e);
        if (cli_pid_alive(cpid) || (wpid > 0 && cli_pid_alive(wpid)) || unreadable)
            continue;
        const char *action = dry ? "would unlink" : "unlinked";
        if (!dry && shmhub_unlink_in(e.name, dir) != SHMHUB_OK) {
            if (strstr(shmhub_last_error(), "does not exist"))
                continue; /* removed meanwhile */
            rc = cli_report(e.name, shmhub_last_error());
            action = "failed";
        }
        if (json) {
            fputs(shown++ ? ",\n  {\"name\": " : "\n  {\"name\": ", stdout);
            cli_json_str(stdout, e.name);
            printf(", \"kind\": \"%s\", \"creator_pid\": %" PRId64 ", \"writer_pid\": %" PRId64
                   ", \"action\": \"%s\"}", kind, cpid, wpid, action);
        } else if (strcmp(action, "failed") != 0) {
            char name[SHMHUB_MAX_NAME + 1];
            cli_sanitize(name, sizeof name, e.name);
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
