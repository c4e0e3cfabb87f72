/* metrics_http: see metrics_http.h. */
#include "daemon/metrics_http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/digest.h"
#include "common/wipe.h"
#include "daemon/log.h"
#include "daemon/net/httpd.h"

typedef struct metrics_src {
    lw_daemon *d;
    lw_httpd *http;
    bool need_token;
    unsigned char token_digest[LW_DIGEST_LEN];
} metrics_src;

/* The credentials of "Authorization: Bearer TOKEN" (the scheme is
 * case-insensitive, RFC 7235), or NULL. */
static const char *bearer(const lw_httpd_request *r)
{
    const char *a = lw_httpd_header(r, "authorization");
    if (!a || strncasecmp(a, "Bearer ", 7))
        return NULL;
    a += 7;
    while (*a == ' ')
        a++;
    return a;
}

static void handle(void *ud, lw_httpd_conn *c, const lw_httpd_request *r)
{
    metrics_src *m = ud;
    static const char not_found[] = "not found: try /metrics\n", get_only[] = "GET only\n",
                      unauthorized[] = "a bearer token is required\n";
    if (strcmp(r->path, "/metrics") != 0) {
        lw_httpd_respond(c, 404, "text/plain", not_found, sizeof not_found - 1, NULL);
        return;
    }
    if (m->need_token && !lw_secret_matches(bearer(r), m->token_digest)) {
        LW_WARN("metrics: request from %s without the right bearer token", r->remote);
        lw_httpd_respond(c, 401, "text/plain", unauthorized, sizeof unauthorized - 1,
                         "WWW-Authenticate: Bearer realm=\"lambdaward\"\r\n");
        return;
    }
    if (strcmp(r->method, "GET") != 0) {
        lw_httpd_respond(c, 405, "text/plain", get_only, sizeof get_only - 1, "Allow: GET\r\n");
        return;
    }
    lw_buf out = LW_BUF_INIT;
    lw_daemon_metrics(m->d, &out);
    lw_httpd_respond(c, 200, "text/plain; version=0.0.4", out.p ? out.p : "", out.len, NULL);
    lw_buf_free(&out);
}

static int start(void *self, lw_daemon *d)
{
    metrics_src *m = self;
    const lw_config *cfg = lw_daemon_config(d);
    /* Scrapes are tiny GETs: a small body limit and few connections keep a
     * misbehaving scraper from costing the daemon anything. */
    lw_httpd_opts o = {.bind = cfg->metrics_bind, .port = (int)cfg->metrics_port, .max_body = 4096,
                       .max_connections = 8, .timeout_s = 10, .handler = handle, .ud = m};
    char err[256];
    m->http = lw_httpd_start(lw_daemon_loop(d), &o, err, sizeof err);
    if (!m->http) {
        LW_ERROR("metrics: %s", err);
        return -1;
    }
    LW_NOTICE("metrics: Prometheus endpoint on http://%s:%d/metrics%s", cfg->metrics_bind, lw_httpd_port(m->http),
              m->need_token ? " (bearer token required)" : "");
    return 0;
}

static void stop(void *self, void (*done)(void *ud), void *ud)
{
    metrics_src *m = self;
    if (!m->http) {
        done(ud);
        return;
    }
    lw_httpd *h = m->http;
    m->http = NULL;
    lw_httpd_stop(h, done, ud);
}

static void destroy(void *self)
{
    lw_wipe(self, sizeof(metrics_src));
    free(self);
}

/* The token may change on SIGHUP; bind and port take effect at restart. */
static void reload(void *self, const lw_config *cfg)
{
    metrics_src *m = self;
    m->need_token = cfg->metrics_token != NULL;
    if (m->need_token)
        lw_secret_digest(cfg->metrics_token, strlen(cfg->metrics_token), m->token_digest);
}

static const lw_component_ops ops = {
    .name = "metrics",
    .start = start,
    .stop = stop,
    .destroy = destroy,
    .reload = reload,
};

void lw_metrics_factory(lw_daemon *d)
{
    const lw_config *cfg = lw_daemon_config(d);
    if (!cfg->metrics_port)
        return;
    metrics_src *m = lw_xcalloc(1, sizeof *m);
    m->d = d;
    reload(m, cfg);
    lw_daemon_add_component(d, &ops, m);
}
