/*
 * main: the lambdaward binary's entry point; dispatches to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/cli/cli.h"

#ifndef LW_VERSION
#define LW_VERSION "0.0.0"
#endif

static void usage(FILE *to)
{
    fputs("Usage: lambdaward COMMAND [options]\n"
          "\n"
          "Watch AWS Lambda logs for attacks, failures and anomalies.\n"
          "\n"
          "Commands:\n"
          "  run            run the daemon (tail log groups, take pushes, send alerts)\n"
          "  query          analyse logs once and print findings and summaries\n"
          "  check-config   check a configuration file and report every error\n"
          "  status         show the daemon's progress and errors from its state file\n"
          "  findings       list the findings recorded in the state file (filters, JSON)\n"
          "  test-webhook   send a signed sample finding to a configured webhook\n"
          "\n"
          "Options:\n"
          "  -h, --help     this help ('lambdaward COMMAND --help' for a command)\n"
          "  -V, --version  print the version\n",
          to);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LW_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return LW_EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("lambdaward %s\n", LW_VERSION);
        return LW_EXIT_OK;
    }
    if (!strcmp(cmd, "run"))
        return lw_cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "query"))
        return lw_cmd_query(argc - 1, argv + 1);
    if (!strcmp(cmd, "check-config"))
        return lw_cmd_check_config(argc - 1, argv + 1);
    if (!strcmp(cmd, "status"))
        return lw_cmd_status(argc - 1, argv + 1);
    if (!strcmp(cmd, "findings"))
        return lw_cmd_findings(argc - 1, argv + 1);
    if (!strcmp(cmd, "test-webhook"))
        return lw_cmd_test_webhook(argc - 1, argv + 1);
    fprintf(stderr, "lambdaward: unknown command '%s'\nTry 'lambdaward --help'.\n", cmd);
    return LW_EXIT_USAGE;
}
