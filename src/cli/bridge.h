/* shmhub bridge: the CLI's `bridge` command (src/cli/bridge.c), built only when libzmq is found. */
#ifndef SHMHUB_CLI_BRIDGE_H
#define SHMHUB_CLI_BRIDGE_H

/* Runs `shmhub bridge SUBCOMMAND ...`; argv[0] is the command's label. Returns the exit status. */
int bridge_main(int argc, char **argv);

/* The command's help text. */
extern const char BRIDGE_USAGE[];

#endif
