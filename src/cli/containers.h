/* The CLI's container commands (containers.c): dictionaries and pools. */
#ifndef SHMHUB_CLI_CONTAINERS_H
#define SHMHUB_CLI_CONTAINERS_H
#include <shmhub.h>
#include <stddef.h>
#include <stdint.h>

extern const char CLI_USAGE_DICT[];
/* Whether create's arguments ask for a dictionary or a pool (--dict / --pool). */
int cli_has_container_flag(int argc, char **argv);
/* create NAME --dict [--capacity N] [--value-bytes SIZE] | --pool --class SIZE:COUNT...; returns
 * an exit status, or -1 when --help was asked. */
int cli_create_container(int argc, char **argv);
/* `shmhub dict get|set|keys ...` */
int cli_cmd_dict(int argc, char **argv);
/* A dictionary's or pool's one-line summary (or a JSON object/array when json). */
void cli_container_summary(char *buf, size_t n, const shmhub_segment *seg, int json);
/* watch: the counter of a dictionary (writes: sets, deletes, adds...) or a pool (acquires, over
 * every class). cli_counter_open: 1 opened (read-only), 0 the segment is neither (nothing kept),
 * -1 it cannot be opened (shmhub_last_error() says why). */
typedef struct cli_counter {
    shmhub_dict *dict;
    shmhub_pool *pool;
} cli_counter;
int cli_counter_open(const char *name, const char *dir, cli_counter *c);
uint64_t cli_counter_read(const cli_counter *c);
const char *cli_counter_unit(const cli_counter *c); /* "writes" or "acquires" */
void cli_counter_close(cli_counter *c);
#endif
