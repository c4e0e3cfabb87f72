/*
 * check_config: `lambdaward check-config FILE`: load the configuration and
 * report every problem with its line; exit 0 only when there is none.
 * Every line goes through lw_print (redacted, escaped): messages quote the
 * file's values, and of a URL never more than scheme://host.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "daemon/cli/cli.h"
#include "daemon/log.h"

int lw_cmd_check_config(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs("Usage: lambdaward check-config FILE\n"
              "       lambdaward check-config --reference\n"
              "\n"
              "Check a configuration file and report every error with its line (exit 1 if\n"
              "any). --reference prints every option with its meaning, type, range and\n"
              "default.\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? LW_EXIT_USAGE : LW_EXIT_OK;
    }
    if (!strcmp(argv[1], "--reference")) {
        lw_config_reference(stdout);
        return LW_EXIT_OK;
    }
    lw_config c;
    int errors = lw_config_load(argv[1], &c);
    for (int i = 0; i < c.warnings.n; i++)
        lw_print(stderr, "warning: %s", c.warnings.v[i]);
    for (int i = 0; i < c.errors.n; i++)
        lw_print(stderr, "%s", c.errors.v[i]);
    if (!errors) {
        int w = 0, h = 0, r = 0;
        for (lw_watch_cfg *x = c.watches; x; x = x->next)
            w++;
        for (lw_webhook_cfg *x = c.webhooks; x; x = x->next)
            h++;
        for (lw_rule_cfg *x = c.rules; x; x = x->next)
            r++;
        lw_print(stdout, "%s: ok (%d watch%s, %d webhook%s, %d rule%s, ingest %s, state %s)", argv[1], w,
                 w == 1 ? "" : "es", h, h == 1 ? "" : "s", r, r == 1 ? "" : "s", c.ingest_enabled ? "on" : "off",
                 c.state_path);
    } else {
        lw_print(stderr, "%s: %d error%s", argv[1], errors, errors == 1 ? "" : "s");
    }
    lw_config_free(&c);
    return errors ? LW_EXIT_FAILURE : LW_EXIT_OK;
}
