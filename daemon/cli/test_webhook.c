/*
 * test_webhook: `lambdaward test-webhook NAME`, a signed sample finding
 * sent to one configured webhook, its answer printed, so a receiver can be
 * checked before the daemon relies on it.
 */
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "daemon/cli/cli.h"
#include "daemon/sinks/webhook_send.h"
#include "daemon/log.h"

int lw_cmd_test_webhook(int argc, char **argv)
{
    const char *config = "/etc/lambdaward/lambdaward.conf";
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) && i + 1 < argc)
            config = argv[++i];
        else if (!strcmp(argv[i], "--debug")) {
            lw_log_set_level("debug");
            lw_log_pin_level();
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            puts("Usage: lambdaward test-webhook [--config FILE] [--debug] NAME\n\n"
                 "Send a signed sample finding to webhook NAME and print the response.\n"
                 "--debug logs the attempt (the URL as scheme://host:port, status, duration).");
            return LW_EXIT_OK;
        } else if (!name)
            name = argv[i];
        else {
            lw_print(stderr, "lambdaward test-webhook: unexpected argument '%s'", argv[i]);
            return LW_EXIT_USAGE;
        }
    }
    if (!name) {
        lw_print(stderr, "Usage: lambdaward test-webhook [--config FILE] NAME");
        return LW_EXIT_USAGE;
    }
    lw_config c;
    if (lw_config_load(config, &c)) {
        for (int i = 0; i < c.errors.n; i++)
            lw_print(stderr, "%s", c.errors.v[i]);
        lw_config_free(&c);
        return LW_EXIT_USAGE;
    }
    lw_log_set_level(lw_log_level_names[c.log_level]);
    const lw_webhook_cfg *h = lw_webhook_find(&c, name);
    if (!h) {
        lw_print(stderr, "lambdaward test-webhook: no [webhook %s] in %s", name, config);
        lw_config_free(&c);
        return LW_EXIT_USAGE;
    }
    static const char sample[] =
        "{\"kind\":\"finding\",\"id\":\"0000000000000000test-webhook0000\",\"detector\":\"attack\","
        "\"severity\":\"high\",\"title\":\"Test from lambdaward: UNBLOCKED attack: GET /?file=/etc/passwd from "
        "203.0.113.77 (rule 1005936)\",\"function\":\"hello-world\",\"log_group\":\"/aws/lambda/hello-world\","
        "\"log_stream\":\"2026/03/08/[$LATEST]test\",\"request_id\":\"fa8707ad-2d84-4ed8-9d88-706c08660337\","
        "\"time\":\"2026-03-08T14:24:26.649Z\",\"count\":1,\"evidence\":{\"rule_id\":\"1005936\",\"blocked\":false,"
        "\"source_ip\":\"203.0.113.77\",\"method\":\"GET\",\"path\":\"/\",\"query\":\"file=/etc/passwd\","
        "\"test\":true}}";
    char err[256];
    lw_buf resp = LW_BUF_INIT;
    int status = lw_webhook_send_once(h, c.ca_bundle, "0000000000000000test-webhook0000", sample, err, sizeof err, &resp);
    /* The answer is the receiver's text: through the same redaction and
     * escaping as every message, on a line of its own. */
    if (status) {
        lw_print(stdout, "%s: HTTP %d", name, status);
        if (resp.len)
            lw_print(stdout, "%.*s", (int)(resp.len > 2000 ? 2000 : resp.len), resp.p);
    } else {
        lw_print(stdout, "%s: no answer: %s", name, err);
    }
    lw_buf_free(&resp);
    lw_config_free(&c);
    return status >= 200 && status < 300 ? LW_EXIT_OK : LW_EXIT_FAILURE;
}
