/* shmhub: the command-line tool over libshmhub. This file holds main(), the overall help and the
 * dispatch to the commands, each in a file of its own: create (cmd_create.c), list and info
 * (cmd_inspect.c), watch (cmd_watch.c), unlink and purge (cmd_remove.c), the dictionary and pool
 * commands (containers.c) and bridge (bridge.c); output.c holds the helpers they share (cli.h).
 *
 * Uses only the public API of abi/shmhub.h. Exit codes: 0 success, 1 an operation failed (the
 * message on stderr names the segment and gives the library's message), 2 usage error. */
#include "cli.h"
#include "containers.h"

#include <getopt.h>
#include <string.h>
#ifdef SHMHUB_HAVE_BRIDGE
#include "bridge.h" /* shmhub bridge: streams to other hosts over ZeroMQ (built with libzmq) */
#endif

#ifdef SHMHUB_CLI_NO_MAIN
int shmhub_cli_parse_only = 1; /* cli.h: parse and check arguments only (tests/fuzz/fuzz_cli.c) */
#endif

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

/* ---- dispatch --------------------------------------------------------------------------------- */

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;
    const char *label;        /* argv[0] while parsing its options, for getopt's messages */
} command;

static const command COMMANDS[] = {
    {"create", cli_cmd_create, CLI_USAGE_CREATE, "shmhub create"},
    {"list", cli_cmd_list, CLI_USAGE_LIST, "shmhub list"},
    {"info", cli_cmd_info, CLI_USAGE_INFO, "shmhub info"},
    {"watch", cli_cmd_watch, CLI_USAGE_WATCH, "shmhub watch"},
    {"unlink", cli_cmd_unlink, CLI_USAGE_UNLINK, "shmhub unlink"},
    {"purge", cli_cmd_purge, CLI_USAGE_PURGE, "shmhub purge"},
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
        default: return cli_usage_hint(NULL);
        }
    }
    if (optind == argc)
        return cli_usage_error(NULL, "missing COMMAND");
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 == argc) {
            fputs(USAGE_MAIN, stdout);
            return EXIT_OK;
        }
        const command *c = find_command(argv[optind + 1]);
        if (!c)
            return cli_usage_error(NULL, "unknown command '%s'", argv[optind + 1]);
        fputs(c->usage, stdout);
        return EXIT_OK;
    }
    const command *c = find_command(name);
    if (!c)
        return cli_usage_error(NULL, "unknown command '%s'", name);

    char **sub = argv + optind;
    sub[0] = (char *)c->label;
    optind = 0; /* glibc: reinitialise getopt for the new argument vector */
    return c->run(argc - (int)(sub - argv), sub);
}

