/* creds_provider: see creds_provider.h. Details follow botocore
 * (credentials.py ContainerProvider / InstanceMetadataProvider, utils.py
 * ContainerMetadataFetcher / InstanceMetadataFetcher): the container
 * endpoint gets 2 s and 3 attempts a second apart; IMDS gets
 * AWS_METADATA_SERVICE_TIMEOUT (1 s) and AWS_METADATA_SERVICE_NUM_ATTEMPTS
 * (1); a configured container endpoint that fails ends the chain (IMDS is
 * not tried), as in botocore. */
#include "aws/creds_provider.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/credentials.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/url.h"
#include "common/wipe.h"
#include "daemon/log.h"

#define EXPIRY_MARGIN_MS 5000
#define REFRESH_BEFORE_MS (5 * 60 * 1000)
#define REFRESH_MIN_MS (60 * 1000)
#define RETRY_FAILED_MS (60 * 1000)
#define FAILURE_CACHE_MS (30 * 1000)
#define CONTAINER_HOST "http://169.254.170.2"
#define CONTAINER_ATTEMPTS 3
#define CONTAINER_TIMEOUT_S 2.0
#define IMDS_TOKEN_TTL_S "21600"

typedef struct waiter {
    struct waiter *next;
    lw_creds_done_cb cb;
    void *ud;
    char *err;
} waiter;

typedef enum step { IDLE, CONTAINER, IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS } step;

struct lw_creds_provider {
    uv_loop_t *loop;
    lw_curl *curl;
    char profile[128];
    lw_aws_creds creds;
    bool have;
    char source[300];
    uv_timer_t refresh, notify, retry;
    int open_handles;
    bool closing;
    /* The run in flight. */
    step step;
    int attempt, max_attempts;
    double timeout_s;
    lw_curl_xfer *xfer;
    char url[1024];        /* container URL, or the IMDS base URL */
    char auth[8192];       /* "Authorization: ..." for the container: secret */
    char token_hdr[1024];  /* "X-aws-ec2-metadata-token: ...": secret */
    char role[130];
    char tried[512];       /* the sources tried so far, for the error */
    waiter *waiting;       /* joined the run in flight */
    waiter *ready, **ready_tail; /* answered; called from the notify timer */
    int64_t failed_ms;
    char last_err[2000];
};

static void on_notify(uv_timer_t *h)
{
    lw_creds_provider *p = h->data;
    waiter *w = p->ready;
    p->ready = NULL;
    p->ready_tail = &p->ready;
    while (w) {
        waiter *next = w->next;
        w->cb(w->ud, w->err);
        free(w->err);
        free(w);
        w = next;
    }
}

static void answer(lw_creds_provider *p, waiter *w, const char *err)
{
    w->err = err ? strdup(err) : NULL;
    w->next = NULL;
    *p->ready_tail = w;
    p->ready_tail = &w->next;
    uv_timer_start(&p->notify, on_notify, 0, 0);
}

static void run(lw_creds_provider *p);

static void on_refresh(uv_timer_t *h)
{
    lw_creds_provider *p = h->data;
    if (p->step == IDLE && !p->closing) {
        LW_DEBUG("AWS credentials expire soon: refreshing them");
        run(p);
    }
}

static void schedule_refresh(lw_creds_provider *p, int64_t delay_ms)
{
    if (delay_ms < 0) {
        if (!p->have || !p->creds.expires_ms) {
            uv_timer_stop(&p->refresh);
            return;
        }
        delay_ms = p->creds.expires_ms - REFRESH_BEFORE_MS - lw_wall_ms();
        if (delay_ms < REFRESH_MIN_MS)
            delay_ms = REFRESH_MIN_MS;
    }
    uv_timer_start(&p->refresh, on_refresh, (uint64_t)delay_ms, 0);
}

/* The run is over: err NULL (p->creds were set) or the whole message. */
static void complete(lw_creds_provider *p, const char *err)
{
    p->step = IDLE;
    p->xfer = NULL;
    lw_wipe(p->auth, sizeof p->auth);
    lw_wipe(p->token_hdr, sizeof p->token_hdr);
    if (err) {
        p->failed_ms = lw_wall_ms();
        snprintf(p->last_err, sizeof p->last_err, "%s", err);
        if (p->have && p->creds.expires_ms > lw_wall_ms()) {
            /* A background refresh failed: keep what still works, try again. */
            LW_WARN("refreshing the AWS credentials failed, keeping the current ones until they expire: %s", err);
            schedule_refresh(p, RETRY_FAILED_MS);
        }
    } else {
        p->failed_ms = 0;
        p->last_err[0] = '\0';
        schedule_refresh(p, -1);
    }
    waiter *w = p->waiting;
    p->waiting = NULL;
    while (w) {
        waiter *next = w->next;
        answer(p, w, err);
        w = next;
    }
}

static void fail(lw_creds_provider *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(lw_creds_provider *p, const char *fmt, ...)
{
    char why[1400], msg[2000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "no AWS credentials; tried %s, %s", p->tried, why);
    complete(p, msg);
}

static void succeed(lw_creds_provider *p, lw_aws_creds *c, const char *source)
{
    lw_creds_wipe(&p->creds);
    p->creds = *c;
    lw_creds_wipe(c);
    p->have = true;
    snprintf(p->source, sizeof p->source, "%s", source);
    /* The debug log names the source's kind only ("environment",
     * "container"...), never a URL, path or key of it. */
    const char *paren = strstr(p->source, " (");
    int kind = paren ? (int)(paren - p->source) : (int)strlen(p->source);
    if (p->creds.expires_ms)
        LW_DEBUG("AWS credentials from %.*s, valid for %lld s", kind, p->source,
                 (long long)((p->creds.expires_ms - lw_wall_ms()) / 1000));
    else
        LW_DEBUG("AWS credentials from %.*s (static)", kind, p->source);
    complete(p, NULL);
}

/* --- HTTP ------------------------------------------------------------------ */

static void on_answer(void *ud, const lw_http_result *r);

static void issue(lw_creds_provider *p)
{
    char url[1300];
    const char *hdrs[3];
    int nh = 0;
    lw_http_request rq = {.method = "GET", .url = url, .headers = hdrs, .no_proxy = true, .sensitive = true};
    switch (p->step) {
    case CONTAINER:
        snprintf(url, sizeof url, "%s", p->url);
        if (p->auth[0])
            hdrs[nh++] = p->auth;
        hdrs[nh++] = "Accept: application/json";
        rq.timeout_s = rq.connect_timeout_s = CONTAINER_TIMEOUT_S;
        break;
    case IMDS_TOKEN:
        snprintf(url, sizeof url, "%s/latest/api/token", p->url);
        rq.method = "PUT";
        hdrs[nh++] = "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL_S;
        break;
    case IMDS_ROLE:
    case IMDS_CREDS:
        snprintf(url, sizeof url, "%s/latest/meta-data/iam/security-credentials/%s", p->url,
                 p->step == IMDS_CREDS ? p->role : "");
        if (p->token_hdr[0])
            hdrs[nh++] = p->token_hdr;
        break;
    case IDLE:
        return;
    }
    if (p->step != CONTAINER) {
        /* botocore's timeout covers connecting and each read; ours the whole exchange. */
        rq.connect_timeout_s = p->timeout_s;
        rq.timeout_s = 2 * p->timeout_s;
    }
    rq.nheaders = nh;
    lw_curl_xfer *x = lw_curl_request(p->curl, &rq, on_answer, p);
    if (x)
        p->xfer = x; /* NULL: it already answered (client closing) */
}

static void on_retry(uv_timer_t *h)
{
    lw_creds_provider *p = h->data;
    if (p->step != IDLE && !p->closing)
        issue(p);
}

/* Transport failures and 5xx are worth another attempt, if any is left. */
static bool retried(lw_creds_provider *p, const lw_http_result *r)
{
    if (!(r->status == 0 || r->status >= 500) || p->attempt >= p->max_attempts)
        return false;
    p->attempt++;
    uv_timer_start(&p->retry, on_retry, p->step == CONTAINER ? 1000 : 0, 0);
    return true;
}

static void failure_text(const lw_http_result *r, char *out, size_t n)
{
    if (r->status)
        snprintf(out, n, "HTTP %d", r->status);
    else
        snprintf(out, n, "%s", r->error ? r->error : "no answer");
}

static void next_step(lw_creds_provider *p, step s)
{
    p->step = s;
    p->attempt = 1;
    issue(p);
}

/* Trims the body to its first line; false when that is empty or holds
 * anything but printable ASCII without spaces. */
static bool first_line(const lw_http_result *r, char *out, size_t n, const char *extra_ok)
{
    size_t len = 0;
    while (len < r->body_len && r->body[len] != '\n' && r->body[len] != '\r')
        len++;
    if (len == 0 || len >= n)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = r->body[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  (extra_ok ? strchr(extra_ok, c) != NULL : (c > ' ' && c < 127));
        if (!ok || !c)
            return false;
    }
    memcpy(out, r->body, len);
    out[len] = '\0';
    return true;
}

static void on_answer(void *ud, const lw_http_result *r)
{
    lw_creds_provider *p = ud;
    p->xfer = NULL;
    if (p->closing || p->step == IDLE)
        return;
    char why[1200], err[300];
    lw_aws_creds c;
    switch (p->step) {
    case CONTAINER:
        if (r->status == 200) {
            if (lw_creds_parse_json(r->body, r->body_len, &c, err, sizeof err) < 0) {
                fail(p, "container (%s: %s)", p->url, err);
                return;
            }
            snprintf(why, sizeof why, "container (%s)", p->url);
            succeed(p, &c, why);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "container (%s: %s)", p->url, why);
        return;
    case IMDS_TOKEN:
        if (r->status == 200) {
            char tok[900];
            if (!first_line(r, tok, sizeof tok, NULL)) {
                fail(p, "instance metadata (%s: the session token answer is malformed)", p->url);
                return;
            }
            snprintf(p->token_hdr, sizeof p->token_hdr, "X-aws-ec2-metadata-token: %s", tok);
            lw_wipe(tok, sizeof tok);
            next_step(p, IMDS_ROLE);
            return;
        }
        if (r->status == 403 || r->status == 404 || r->status == 405) {
            const char *v1off = getenv("AWS_EC2_METADATA_V1_DISABLED");
            if (v1off && !strcasecmp(v1off, "true")) {
                fail(p, "instance metadata (%s: HTTP %d for a session token, and AWS_EC2_METADATA_V1_DISABLED)",
                     p->url, r->status);
                return;
            }
            p->token_hdr[0] = '\0'; /* IMDSv1, as botocore falls back */
            next_step(p, IMDS_ROLE);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "instance metadata (%s: asking for a session token failed: %s)", p->url, why);
        return;
    case IMDS_ROLE:
        if (r->status == 200) {
            if (!first_line(r, p->role, sizeof p->role, "+=,.@_-")) {
                fail(p, "instance metadata (%s: no valid IAM role name)", p->url);
                return;
            }
            next_step(p, IMDS_CREDS);
            return;
        }
        if (r->status == 404) {
            fail(p, "instance metadata (%s: no IAM role attached to the instance)", p->url);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "instance metadata (%s: role name: %s)", p->url, why);
        return;
    case IMDS_CREDS:
        if (r->status == 200) {
            if (lw_creds_parse_json(r->body, r->body_len, &c, err, sizeof err) < 0) {
                fail(p, "instance metadata (%s, role %s: %s)", p->url, p->role, err);
                return;
            }
            snprintf(why, sizeof why, "instance metadata (role %s)", p->role);
            succeed(p, &c, why);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "instance metadata (%s, role %s: %s)", p->url, p->role, why);
        return;
    case IDLE:
        return;
    }
}

/* --- the chain -------------------------------------------------------------- */

/* botocore's ContainerMetadataFetcher: https anywhere; http only to
 * loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23. The host is
 * libcurl's parse of the URI (common/url.h), never a prefix, so
 * http://localhost.evil.example/ and http://127.0.0.1@evil.example/ are
 * refused, as is any host libcurl would read differently from its text. */
static bool full_uri_allowed(const char *uri)
{
    lw_url u;
    char err[128];
    if (lw_url_parse(uri, &u, err, sizeof err) < 0)
        return false;
    if (!strcmp(u.scheme, "https"))
        return true;
    if (strcmp(u.scheme, "http") || u.userinfo || u.rewritten)
        return false;
    if (u.loopback || !strcmp(u.host, "169.254.170.2") || !strcmp(u.host, "169.254.170.23"))
        return true;
    struct in6_addr a6, ecs6;
    char h6[sizeof u.host];
    size_t n = strlen(u.host);
    if (n < 3 || u.host[0] != '[' || u.host[n - 1] != ']')
        return false;
    snprintf(h6, sizeof h6, "%.*s", (int)(n - 2), u.host + 1);
    inet_pton(AF_INET6, "fd00:ec2::23", &ecs6);
    return inet_pton(AF_INET6, h6, &a6) == 1 && !memcmp(&a6, &ecs6, sizeof a6);
}

/* 1 started, 0 not configured, -1 failed (the run is complete). */
static int container_start(lw_creds_provider *p)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (rel && *rel) {
        snprintf(p->url, sizeof p->url, "%s%s%s", CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel);
    } else if (full && *full) {
        if (!full_uri_allowed(full)) {
            fail(p, "container (AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback address, "
                    "169.254.170.2, 169.254.170.23 or fd00:ec2::23)");
            return -1;
        }
        snprintf(p->url, sizeof p->url, "%s", full);
    } else {
        return 0;
    }
    const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *env = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    static const char prefix[] = "Authorization: ";
    size_t cap = sizeof p->auth - sizeof prefix, n = 0;
    memcpy(p->auth, prefix, sizeof prefix);
    char *tok = p->auth + sizeof prefix - 1;
    if (file && *file) {
        /* Read on every run: the agent rotates the file. */
        FILE *f = fopen(file, "r");
        if (!f) {
            fail(p, "container (cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: %s)", file, strerror(errno));
            return -1;
        }
        n = fread(tok, 1, cap, f);
        int more = fgetc(f);
        fclose(f);
        if (more != EOF) {
            fail(p, "container (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s is too large)", file);
            return -1;
        }
        while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r'))
            n--;
        tok[n] = '\0';
    } else if (env && *env) {
        n = strlen(env);
        if (n >= cap) {
            fail(p, "container (AWS_CONTAINER_AUTHORIZATION_TOKEN is too long)");
            return -1;
        }
        memcpy(tok, env, n + 1);
    }
    if (n == 0) {
        p->auth[0] = '\0';
    } else if (strpbrk(tok, "\r\n") || strlen(tok) != n) {
        fail(p, "container (the authorization token contains a line break or NUL)");
        return -1;
    }
    p->step = CONTAINER;
    p->attempt = 1;
    p->max_attempts = CONTAINER_ATTEMPTS;
    issue(p);
    return 1;
}

static void imds_start(lw_creds_provider *p)
{
    const char *off = getenv("AWS_EC2_METADATA_DISABLED");
    if (off && !strcasecmp(off, "true")) {
        fail(p, "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)");
        return;
    }
    const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
    if (ep && *ep)
        snprintf(p->url, sizeof p->url, "%s", ep);
    else
        snprintf(p->url, sizeof p->url, "%s",
                 mode && !strcasecmp(mode, "IPv6") ? "http://[fd00:ec2::254]" : "http://169.254.169.254");
    size_t l = strlen(p->url);
    while (l && p->url[l - 1] == '/')
        p->url[--l] = '\0';
    const char *t = getenv("AWS_METADATA_SERVICE_TIMEOUT"), *a = getenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
    p->timeout_s = t && atof(t) > 0 ? atof(t) : 1.0;
    p->max_attempts = a && atoi(a) > 0 ? atoi(a) : 1;
    p->token_hdr[0] = '\0';
    p->role[0] = '\0';
    next_step(p, IMDS_TOKEN);
}

static void run(lw_creds_provider *p)
{
    const char *profile = p->profile[0] ? p->profile : NULL;
    char err[1600], src[300];
    lw_aws_creds c;
    int rc = lw_creds_resolve(profile, &c, src, sizeof src, err, sizeof err);
    if (rc == 0) {
        succeed(p, &c, src);
        return;
    }
    if (rc < 0) {
        /* A profile asked for and unusable: nothing else stands in for it. */
        char msg[1700];
        snprintf(msg, sizeof msg, "no AWS credentials; %s", err);
        complete(p, msg);
        return;
    }
    snprintf(p->tried, sizeof p->tried, "%sshared files (profile %s)", profile ? "" : "environment, ",
             lw_creds_profile_name(profile));
    if (container_start(p) != 0)
        return;
    size_t l = strlen(p->tried);
    snprintf(p->tried + l, sizeof p->tried - l, ", container (not configured)");
    imds_start(p);
}

/* --- API ---------------------------------------------------------------------- */

lw_creds_provider *lw_creds_provider_new(uv_loop_t *loop, lw_curl *curl, const char *profile)
{
    lw_creds_provider *p = lw_xcalloc(1, sizeof *p);
    p->loop = loop;
    p->curl = curl;
    snprintf(p->profile, sizeof p->profile, "%s", profile ? profile : "");
    p->ready_tail = &p->ready;
    uv_timer_t *timers[] = {&p->refresh, &p->notify, &p->retry};
    for (int i = 0; i < 3; i++) {
        uv_timer_init(loop, timers[i]);
        timers[i]->data = p;
        p->open_handles++;
    }
    uv_unref((uv_handle_t *)&p->refresh); /* a one-shot query does not wait for it */
    run(p);
    return p;
}

const lw_aws_creds *lw_creds_provider_current(const lw_creds_provider *p)
{
    if (!p->have || (p->creds.expires_ms && lw_wall_ms() + EXPIRY_MARGIN_MS >= p->creds.expires_ms))
        return NULL;
    return &p->creds;
}

const lw_aws_creds *lw_creds_provider_latest(const lw_creds_provider *p) { return p->have ? &p->creds : NULL; }
const char *lw_creds_provider_source(const lw_creds_provider *p) { return p->have ? p->source : ""; }

void lw_creds_provider_get(lw_creds_provider *p, bool force, lw_creds_done_cb cb, void *ud)
{
    if (p->closing)
        return;
    waiter *w = lw_xcalloc(1, sizeof *w);
    w->cb = cb;
    w->ud = ud;
    if (p->step == IDLE) {
        if (!force && lw_creds_provider_current(p)) {
            answer(p, w, NULL);
            return;
        }
        if (!force && p->failed_ms && lw_wall_ms() - p->failed_ms < FAILURE_CACHE_MS) {
            answer(p, w, p->last_err);
            return;
        }
    }
    w->next = p->waiting;
    p->waiting = w;
    if (p->step == IDLE)
        run(p);
}

static void closed(uv_handle_t *h)
{
    lw_creds_provider *p = h->data;
    if (--p->open_handles == 0) {
        lw_creds_wipe(&p->creds);
        lw_wipe(p, sizeof *p);
        free(p);
    }
}

void lw_creds_provider_close(lw_creds_provider *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    if (p->xfer)
        lw_curl_cancel(p->curl, p->xfer);
    p->xfer = NULL;
    p->step = IDLE;
    lw_wipe(p->auth, sizeof p->auth);
    lw_wipe(p->token_hdr, sizeof p->token_hdr);
    waiter *lists[] = {p->ready, p->waiting};
    p->ready = p->waiting = NULL;
    p->ready_tail = &p->ready;
    for (int i = 0; i < 2; i++) {
        for (waiter *w = lists[i], *next; w; w = next) {
            next = w->next;
            w->cb(w->ud, i == 0 ? w->err : "cancelled");
            free(w->err);
            free(w);
        }
    }
    uv_close((uv_handle_t *)&p->refresh, closed);
    uv_close((uv_handle_t *)&p->notify, closed);
    uv_close((uv_handle_t *)&p->retry, closed);
}
