/* The CLI's container commands (containers.c): dictionaries and pools. */
#ifndef SHMHUB_CLI_CONTAINERS_H
#define SHMHUB_CLI_CONTAINERS_H
#include <shmhub.h>
#include <stddef.h>

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
#endif
