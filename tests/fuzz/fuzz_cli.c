/* libFuzzer target for the CLI's argument parser (the sources of src/cli/ in SHMHUB_CLI_SOURCES,
 * built with SHMHUB_CLI_NO_MAIN: every command parses and checks its arguments, then returns
 * before touching a segment).
 * The input is the argument vector, arguments separated by NUL bytes (argv[0] is "shmhub").
 * A crash, a sanitizer report, or an exit code other than 0 (ok), 1 (error) or 2 (usage) is a bug. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shmhub_cli_main(int argc, char **argv);

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *devnull = NULL;
    if (!devnull) { /* usage messages go nowhere; sanitizer reports use write(2) and still show */
        devnull = fopen("/dev/null", "w");
        if (!devnull) abort();
        stdout = devnull;
        stderr = devnull;
    }
    char *buf = malloc(size + 1);
    if (!buf) return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)"shmhub";
    for (size_t i = 0; i <= size && argc < MAX_ARGS + 1;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    optind = 0; /* glibc: a fresh getopt for every input */
    int rc = shmhub_cli_main(argc, argv);
    if (rc < 0 || rc > 2) __builtin_trap();
    free(buf);
    return 0;
}
