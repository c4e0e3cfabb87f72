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

#include <openssl/evp.h>
#include <signal.h>

#include "aws/credentials.h"
#include "aws/sts.h"
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
#define PROCESS_TIMEOUT_MS (60 * 1000)
#define PROCESS_MAX_OUTPUT (64 * 1024)
#define LOCAL_FILE_MAX (64 * 1024)
#define SSO_TIMEOUT_S 30.0

typedef struct waiter {
    struct waiter *next;
    lw_creds_done_cb cb;
    void *ud;
    char *err;
} waiter;

typedef enum step { IDLE, CONTAINER, IMDS_TOKEN, IMDS_ROLE, IMDS_CREDS, SSO, STS, PROCESS, BASE } step;

typedef struct proc_run proc_run;

struct lw_creds_provider {
    uv_loop_t *loop;
    lw_curl *curl;
    char profile[128];
    char region[64];          /* STS's region when a role is assumed */
    char sts_endpoint[1024];  /* "" = lw_sts_endpoint's precedence */
    lw_creds_provider *base;  /* new_role: the source of credentials */
    lw_sts_role base_role;    /* new_role: the role assumed on the base */
    lw_creds_plan *plan;      /* the run in flight's plan: holds secrets */
    int hop;                  /* the next of plan->hops to assume */
    lw_aws_creds cur;         /* the base's, then each hop's credentials: secret */
    char base_src[2400];
    lw_sts_call *sts;
    proc_run *proc;
    lw_aws_creds creds;
    bool have;
    char source[2600];
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
    char token_hdr[8300];  /* "X-aws-ec2-metadata-token: ...": secret */
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
    p->sts = NULL;
    p->proc = NULL;
    lw_wipe(p->auth, sizeof p->auth);
    lw_wipe(p->token_hdr, sizeof p->token_hdr);
    lw_creds_wipe(&p->cur);
    if (p->plan) {
        lw_creds_plan_wipe(p->plan);
        free(p->plan);
        p->plan = NULL;
    }
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
    if (p->tried[0])
        snprintf(msg, sizeof msg, "no AWS credentials; tried %s, %s", p->tried, why);
    else
        snprintf(msg, sizeof msg, "no AWS credentials; %s", why);
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

/* --- roles on top of the base ------------------------------------------------ */

static void next_hop(lw_creds_provider *p);
static void base_done(lw_creds_provider *p, lw_aws_creds *c, const char *src);
static void issue(lw_creds_provider *p);

static void on_sts(void *ud, const lw_aws_creds *c, const char *err)
{
    lw_creds_provider *p = ud;
    p->sts = NULL;
    if (p->closing || p->step != STS)
        return;
    if (p->hop < 0) { /* the web identity call: its answer is the base */
        if (err) {
            fail(p, "%s: %s", p->base_src, err);
            return;
        }
        char src[2400];
        snprintf(src, sizeof src, "%.300s, role %s", p->base_src, p->plan->web_role.role_arn);
        lw_aws_creds copy = *c;
        base_done(p, &copy, src);
        return;
    }
    const char *prof = p->plan->hop_profile[p->hop];
    if (err) {
        if (prof[0])
            fail(p, "AWS profile '%s' (credentials from %s): %s", prof, p->base_src, err);
        else
            fail(p, "assuming %s (credentials from %s): %s", p->plan->hops[p->hop].role_arn, p->base_src, err);
        return;
    }
    lw_creds_wipe(&p->cur);
    p->cur = *c;
    p->hop++;
    next_hop(p);
}

static void next_hop(lw_creds_provider *p)
{
    if (p->hop >= p->plan->nhops) {
        char src[2600];
        if (p->plan->nhops)
            snprintf(src, sizeof src, "role %s (via %.400s)", p->plan->hops[p->plan->nhops - 1].role_arn, p->base_src);
        else
            snprintf(src, sizeof src, "%s", p->base_src);
        lw_aws_creds c = p->cur;
        lw_creds_wipe(&p->cur);
        succeed(p, &c, src);
        return;
    }
    char ep[1024];
    char region[64];
    snprintf(region, sizeof region, "%s", p->region);
    if (!region[0])
        lw_region_resolve(NULL, p->profile[0] ? p->profile : NULL, region, sizeof region);
    lw_sts_endpoint(p->sts_endpoint[0] ? p->sts_endpoint : NULL, region, ep, sizeof ep);
    lw_sts_request rq = {.endpoint = ep, .region = region, .role = &p->plan->hops[p->hop], .source = &p->cur};
    p->step = STS;
    p->sts = lw_sts_assume(p->curl, &rq, on_sts, p);
}

/* The base gave credentials c (wiped here), from src. */
static void base_done(lw_creds_provider *p, lw_aws_creds *c, const char *src)
{
    lw_creds_wipe(&p->cur);
    p->cur = *c;
    lw_creds_wipe(c);
    snprintf(p->base_src, sizeof p->base_src, "%s", src);
    p->hop = 0;
    next_hop(p);
}

/* Reads a small local file (a token) into buf; 0, or -1 with why. */
static int read_small(const char *path, char *buf, size_t cap, size_t *n, char *why, size_t whylen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    *n = fread(buf, 1, cap - 1, f);
    int more = fgetc(f);
    fclose(f);
    if (more != EOF) {
        lw_wipe(buf, cap);
        snprintf(why, whylen, "%s is larger than %zu bytes", path, cap - 1);
        return -1;
    }
    buf[*n] = '\0';
    return 0;
}

/* --- web identity ------------------------------------------------------------- */

static void web_identity_start(lw_creds_provider *p)
{
    char *tok = lw_xmalloc(LOCAL_FILE_MAX);
    size_t n = 0;
    char why[1300];
    /* Read on every run: the kubelet rotates the projected token. */
    if (read_small(p->plan->web_token_file, tok, LOCAL_FILE_MAX, &n, why, sizeof why) < 0) {
        free(tok);
        fail(p, "%s: the web identity token file: %s", p->plan->base_src, why);
        return;
    }
    while (n && strchr(" \t\r\n", tok[n - 1]))
        tok[--n] = '\0';
    if (!n || strlen(tok) != n) {
        lw_wipe(tok, LOCAL_FILE_MAX);
        free(tok);
        fail(p, "%s: the web identity token file %s is empty or holds a NUL", p->plan->base_src,
             p->plan->web_token_file);
        return;
    }
    char ep[1024], region[64];
    snprintf(region, sizeof region, "%s", p->region);
    lw_sts_endpoint(p->sts_endpoint[0] ? p->sts_endpoint : NULL, region, ep, sizeof ep);
    lw_sts_request rq = {.endpoint = ep, .region = region, .role = &p->plan->web_role, .web_identity_token = tok};
    snprintf(p->base_src, sizeof p->base_src, "%s", p->plan->base_src);
    /* the web identity call is hop -1: its answer is the base */
    p->step = STS;
    p->hop = -1;
    p->sts = lw_sts_assume(p->curl, &rq, on_sts, p);
    lw_wipe(tok, LOCAL_FILE_MAX);
    free(tok);
}

/* --- credential_process ---------------------------------------------------------- */

/* One run of the command. It owns its handles and frees itself once libuv
 * has closed them all; p is NULL once the provider gave up on it. */
struct proc_run {
    lw_creds_provider *p;
    uv_process_t proc;
    uv_pipe_t out;
    uv_timer_t timer;
    int open;
    bool exited, eof, killed_timeout, killed_size;
    int64_t status;
    int term_signal;
    lw_buf buf; /* stdout: secret */
    char prog[256];
};

static void proc_closed(uv_handle_t *h)
{
    proc_run *r = h->data;
    if (--r->open == 0) {
        if (r->buf.p)
            lw_wipe(r->buf.p, r->buf.cap);
        lw_buf_free(&r->buf);
        free(r);
    }
}

static void proc_close_all(proc_run *r)
{
    uv_handle_t *hs[] = {(uv_handle_t *)&r->proc, (uv_handle_t *)&r->out, (uv_handle_t *)&r->timer};
    for (int i = 0; i < 3; i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], proc_closed);
}

static void proc_finish(proc_run *r)
{
    if (!r->exited || !r->eof)
        return;
    lw_creds_provider *p = r->p;
    r->p = NULL;
    if (p && !p->closing && p->step == PROCESS) {
        p->proc = NULL;
        const char *src = p->plan->base_src;
        char err[300];
        lw_aws_creds c;
        if (r->killed_timeout)
            fail(p, "%s: %s did not finish within %d s (killed)", src, r->prog, PROCESS_TIMEOUT_MS / 1000);
        else if (r->killed_size)
            fail(p, "%s: %s printed more than %d KiB (killed)", src, r->prog, PROCESS_MAX_OUTPUT / 1024);
        else if (r->term_signal)
            fail(p, "%s: %s was killed by signal %d", src, r->prog, r->term_signal);
        else if (r->status != 0)
            fail(p, "%s: %s exited with status %lld", src, r->prog, (long long)r->status);
        else if (lw_creds_parse_process_json(r->buf.p, r->buf.len, &c, err, sizeof err) < 0)
            fail(p, "%s: the output of %s: %s", src, r->prog, err);
        else
            base_done(p, &c, src);
    }
    proc_close_all(r);
}

static void proc_exit(uv_process_t *h, int64_t status, int term_signal)
{
    proc_run *r = h->data;
    r->exited = true;
    r->status = status;
    r->term_signal = r->killed_timeout || r->killed_size ? 0 : term_signal;
    uv_timer_stop(&r->timer);
    proc_finish(r);
}

static void proc_kill(proc_run *r)
{
    if (!r->exited)
        uv_process_kill(&r->proc, SIGKILL);
    if (!r->eof) {
        uv_read_stop((uv_stream_t *)&r->out);
        r->eof = true;
    }
}

static void proc_timeout(uv_timer_t *h)
{
    proc_run *r = h->data;
    r->killed_timeout = true;
    proc_kill(r);
    proc_finish(r);
}

static void proc_alloc(uv_handle_t *h, size_t want, uv_buf_t *b)
{
    (void)want;
    proc_run *r = h->data;
    /* one buffer of the bound, never reallocated (it holds a secret) */
    b->base = r->buf.p + r->buf.len;
    b->len = r->buf.cap - r->buf.len - 1;
}

static void proc_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    proc_run *r = s->data;
    if (n > 0) {
        r->buf.len += (size_t)n;
        r->buf.p[r->buf.len] = '\0';
        if (r->buf.len > PROCESS_MAX_OUTPUT) {
            r->killed_size = true;
            proc_kill(r);
            proc_finish(r);
        }
        return;
    }
    if (n < 0) {
        uv_read_stop(s);
        r->eof = true;
        proc_finish(r);
    }
}

static void process_start(lw_creds_provider *p)
{
    char *buf = lw_xmalloc(sizeof p->plan->process + 8);
    char *argv[64];
    int argc = lw_shell_split(p->plan->process, buf, sizeof p->plan->process + 8, argv, 64);
    if (argc <= 0) {
        free(buf);
        fail(p, "%s: the command line cannot be split into words (an unbalanced quote?)", p->plan->base_src);
        return;
    }
    proc_run *r = lw_xcalloc(1, sizeof *r);
    r->buf.cap = PROCESS_MAX_OUTPUT + 2;
    r->buf.p = lw_xcalloc(1, r->buf.cap);
    snprintf(r->prog, sizeof r->prog, "%s", argv[0]); /* never the arguments: they may hold a secret */
    uv_pipe_init(p->loop, &r->out, 0);
    uv_timer_init(p->loop, &r->timer);
    r->out.data = r->timer.data = r->proc.data = r;
    r->open = 2;
    uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                     {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&r->out},
                                     {.flags = UV_IGNORE}};
    uv_process_options_t o = {.exit_cb = proc_exit, .file = argv[0], .args = argv, .stdio_count = 3, .stdio = stdio};
    int rc = uv_spawn(p->loop, &r->proc, &o);
    lw_wipe(buf, sizeof p->plan->process + 8);
    free(buf);
    if (rc < 0) {
        char prog[256];
        snprintf(prog, sizeof prog, "%s", r->prog);
        r->exited = r->eof = true;
        r->open++; /* uv_spawn initialised the process handle: it must be closed too */
        proc_close_all(r);
        fail(p, "%s: cannot run %s: %s", p->plan->base_src, prog, uv_strerror(rc));
        return;
    }
    r->open++;
    r->p = p;
    p->proc = r;
    p->step = PROCESS;
    uv_timer_start(&r->timer, proc_timeout, PROCESS_TIMEOUT_MS, 0);
    uv_read_start((uv_stream_t *)&r->out, proc_alloc, proc_read);
}

/* Forgets a run in flight (the provider closes): the process is killed,
 * and the run frees itself once its exit is reaped (SIGKILL makes that
 * prompt; closing the handle before would leave a zombie). */
static void process_abandon(lw_creds_provider *p)
{
    proc_run *r = p->proc;
    if (!r)
        return;
    p->proc = NULL;
    r->p = NULL;
    proc_kill(r);
    proc_finish(r);
}

/* --- IAM Identity Center -------------------------------------------------------- */

static void sso_start(lw_creds_provider *p)
{
    lw_creds_plan *pl = p->plan;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    EVP_Digest(pl->sso_cache_key, strlen(pl->sso_cache_key), md, &mdlen, EVP_sha1(), NULL);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    const char *home = getenv("HOME");
    char path[1200], why[1400], login[300];
    snprintf(path, sizeof path, "%s/.aws/sso/cache/%s.json", home ? home : "", hex);
    if (pl->explicit_profile)
        snprintf(login, sizeof login, "run `aws sso login --profile %s`", pl->profile);
    else
        snprintf(login, sizeof login, "run `aws sso login`");
    char *text = lw_xmalloc(LOCAL_FILE_MAX);
    size_t n = 0;
    if (read_small(path, text, LOCAL_FILE_MAX, &n, why, sizeof why) < 0) {
        free(text);
        fail(p, "%s: no IAM Identity Center token (%s): %s", pl->base_src, why, login);
        return;
    }
    char tok[8192], err[300];
    int64_t exp = 0;
    int rc = lw_creds_parse_sso_token(text, n, tok, sizeof tok, &exp, err, sizeof err);
    lw_wipe(text, LOCAL_FILE_MAX);
    free(text);
    if (rc < 0) {
        fail(p, "%s: %s (%s): %s", pl->base_src, err, path, login);
        return;
    }
    if (exp <= lw_wall_ms()) {
        lw_wipe(tok, sizeof tok);
        fail(p, "%s: the IAM Identity Center token for %s has expired: %s", pl->base_src, pl->sso_cache_key, login);
        return;
    }
    if (strpbrk(tok, "\r\n")) {
        lw_wipe(tok, sizeof tok);
        fail(p, "%s: the IAM Identity Center token holds a line break", pl->base_src);
        return;
    }
    snprintf(p->token_hdr, sizeof p->token_hdr, "x-amz-sso_bearer_token: %s", tok);
    lw_wipe(tok, sizeof tok);
    char ep[1024];
    lw_sso_endpoint(NULL, pl->sso_region, ep, sizeof ep);
    lw_buf u = LW_BUF_INIT;
    lw_buf_printf(&u, "%s/federation/credentials?role_name=", ep);
    lw_url_encode(&u, pl->sso_role_name);
    lw_buf_puts(&u, "&account_id=");
    lw_url_encode(&u, pl->sso_account_id);
    snprintf(p->url, sizeof p->url, "%s", u.p);
    lw_buf_free(&u);
    p->step = SSO;
    p->attempt = 1;
    p->max_attempts = 3;
    issue(p);
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
    case SSO:
        snprintf(url, sizeof url, "%s", p->url);
        hdrs[nh++] = p->token_hdr;
        rq.no_proxy = false; /* a public endpoint, unlike the link-local ones */
        rq.timeout_s = SSO_TIMEOUT_S;
        break;
    case IDLE:
    case STS:
    case PROCESS:
    case BASE:
        return;
    }
    if (p->step != CONTAINER && p->step != SSO) {
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
    uv_timer_start(&p->retry, on_retry, p->step == CONTAINER || p->step == SSO ? 1000 : 0, 0);
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
            base_done(p, &c, why);
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
            base_done(p, &c, why);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "instance metadata (%s, role %s: %s)", p->url, p->role, why);
        return;
    case SSO: {
        char origin[300];
        lw_url_printable(p->url, origin, sizeof origin);
        if (r->status == 200) {
            if (lw_creds_parse_sso_json(r->body, r->body_len, &c, err, sizeof err) < 0) {
                fail(p, "%s: %s: %s", p->plan->base_src, origin, err);
                return;
            }
            base_done(p, &c, p->plan->base_src);
            return;
        }
        if (retried(p, r))
            return;
        failure_text(r, why, sizeof why);
        fail(p, "%s: GetRoleCredentials (account %s, role %s) at %s: %s%s", p->plan->base_src,
             p->plan->sso_account_id, p->plan->sso_role_name, origin, why,
             r->status == 401 ? " (the token was refused: run `aws sso login`)" : "");
        return;
    }
    case IDLE:
    case STS:
    case PROCESS:
    case BASE:
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

static void closed(uv_handle_t *h);
static void release(lw_creds_provider *p);

static void on_base(void *ud, const char *err)
{
    lw_creds_provider *p = ud;
    if (p->closing || p->step != BASE) {
        release(p); /* the reference the wait held */
        return;
    }
    release(p);
    const lw_aws_creds *b = err ? NULL : lw_creds_provider_latest(p->base);
    if (!b) {
        fail(p, "the source credentials: %s", err ? err : "none");
        return;
    }
    lw_aws_creds c = *b;
    char src[2400];
    snprintf(src, sizeof src, "%.2300s", lw_creds_provider_source(p->base));
    base_done(p, &c, src);
}

static void run(lw_creds_provider *p)
{
    const char *profile = p->profile[0] ? p->profile : NULL;
    char err[1600];
    p->tried[0] = '\0';
    p->plan = lw_xcalloc(1, sizeof *p->plan);
    if (p->base) {
        p->plan->base = LW_CREDS_PROVIDER;
        p->plan->hops[0] = p->base_role;
        p->plan->nhops = 1;
    } else if (lw_creds_plan_resolve(profile, p->plan, err, sizeof err) < 0) {
        /* A profile asked for and unusable: nothing else stands in for it. */
        char msg[1700];
        snprintf(msg, sizeof msg, "no AWS credentials; %s", err);
        complete(p, msg);
        return;
    }
    lw_creds_plan *pl = p->plan;
    switch (pl->base) {
    case LW_CREDS_STATIC: {
        lw_aws_creds c = pl->keys;
        base_done(p, &c, pl->base_src);
        return;
    }
    case LW_CREDS_PROVIDER:
        p->step = BASE;
        p->open_handles++; /* p outlives the wait, even if closed meanwhile */
        lw_creds_provider_get(p->base, false, on_base, p);
        return;
    case LW_CREDS_CONTAINER:
        snprintf(p->tried, sizeof p->tried, "AWS profile '%s' credential_source EcsContainer", pl->profile);
        if (container_start(p) == 0)
            fail(p, "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set");
        return;
    case LW_CREDS_IMDS:
        snprintf(p->tried, sizeof p->tried, "AWS profile '%s' credential_source Ec2InstanceMetadata", pl->profile);
        imds_start(p);
        return;
    case LW_CREDS_WEB_IDENTITY:
        web_identity_start(p);
        return;
    case LW_CREDS_PROCESS:
        process_start(p);
        return;
    case LW_CREDS_SSO:
        sso_start(p);
        return;
    case LW_CREDS_CHAIN_REST:
        break;
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

static lw_creds_provider *provider_new(uv_loop_t *loop, lw_curl *curl, const lw_creds_options *o,
                                       lw_creds_provider *base, const lw_sts_role *role)
{
    lw_creds_provider *p = lw_xcalloc(1, sizeof *p);
    p->loop = loop;
    p->curl = curl;
    snprintf(p->profile, sizeof p->profile, "%s", o->profile ? o->profile : "");
    snprintf(p->region, sizeof p->region, "%s", o->region ? o->region : "");
    snprintf(p->sts_endpoint, sizeof p->sts_endpoint, "%s", o->sts_endpoint ? o->sts_endpoint : "");
    p->base = base;
    if (role)
        p->base_role = *role;
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

lw_creds_provider *lw_creds_provider_new_opts(uv_loop_t *loop, lw_curl *curl, const lw_creds_options *o)
{
    return provider_new(loop, curl, o, NULL, NULL);
}

lw_creds_provider *lw_creds_provider_new(uv_loop_t *loop, lw_curl *curl, const char *profile)
{
    lw_creds_options o = {.profile = profile};
    return provider_new(loop, curl, &o, NULL, NULL);
}

lw_creds_provider *lw_creds_provider_new_role(uv_loop_t *loop, lw_curl *curl, lw_creds_provider *base,
                                              const lw_sts_role *role, const char *region, const char *sts_endpoint)
{
    lw_creds_options o = {.region = region, .sts_endpoint = sts_endpoint};
    return provider_new(loop, curl, &o, base, role);
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

static void release(lw_creds_provider *p)
{
    if (--p->open_handles == 0) {
        lw_creds_wipe(&p->creds);
        lw_wipe(p, sizeof *p);
        free(p);
    }
}

static void closed(uv_handle_t *h) { release(h->data); }

void lw_creds_provider_close(lw_creds_provider *p)
{
    if (!p || p->closing)
        return;
    p->closing = true;
    if (p->xfer)
        lw_curl_cancel(p->curl, p->xfer);
    p->xfer = NULL;
    lw_sts_cancel(p->sts);
    p->sts = NULL;
    process_abandon(p);
    p->step = IDLE;
    lw_wipe(p->auth, sizeof p->auth);
    lw_wipe(p->token_hdr, sizeof p->token_hdr);
    lw_creds_wipe(&p->cur);
    if (p->plan) {
        lw_creds_plan_wipe(p->plan);
        free(p->plan);
        p->plan = NULL;
    }
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
