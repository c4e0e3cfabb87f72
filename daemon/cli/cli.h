/*
 * cli: the subcommands of the lambdaward binary. Each returns the process
 * exit status: 0 ok, 2 usage or input error, 3 --fail-on triggered.
 */
#ifndef LW_CLI_H
#define LW_CLI_H

#define LW_EXIT_OK 0
#define LW_EXIT_FAILURE 1
#define LW_EXIT_USAGE 2
#define LW_EXIT_FINDINGS 3

int lw_cmd_run(int argc, char **argv);
int lw_cmd_query(int argc, char **argv);
int lw_cmd_check_config(int argc, char **argv);
int lw_cmd_status(int argc, char **argv);
int lw_cmd_findings(int argc, char **argv);
int lw_cmd_test_webhook(int argc, char **argv);

#endif
