/* livetail_probe: a debugging tool and test driver, not part of the
 * daemon: starts one Live Tail session over lw_curl on a libuv loop
 * (aws/livetail_session.h) and prints what comes, one line each:
 *
 *   start session=<id> groups=<n>
 *   update sampled=<0|1> results=<n>
 *   event {"group":...,"stream":...,"timestamp":...,"ingestion":...,"message":...}
 *   end type=<T> next=<restart|backoff|give up> protocol=<0|1> message=<JSON string>
 *
 * usage: livetail_probe --region R [--endpoint-url URL] --group ARN...
 *          [--stream-prefix P] [--filter PATTERN] [--max-updates N] [--seconds S]
 * Credentials come from the usual chain (the environment in tests).
 * Exits 0 after the session's end or the time limit, 2 on usage errors.
 * Output is JSON-escaped but not redacted: it is for tests and debugging
 * against fakes, never production logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/livetail_session.h"
#include "common/jsonw.h"
#include "parsers/decode.h"

typedef struct probe {
    lw_decoder *dec;
    lw_lt_session *s;
    uv_timer_t timer;
    int updates, max_updates;
    bool ended;
} probe;

static void print_str(const char *p, size_t n)
{
    lw_buf b = LW_BUF_INIT;
    lw_jw_str(&b, p ? p : "", n);
    fputs(b.p, stdout);
    lw_buf_free(&b);
}

static void on_event(void *ud, const lw_event *ev)
{
    (void)ud;
    fputs("event {\"group\":", stdout);
    print_str(ev->group.p, ev->group.n);
    fputs(",\"stream\":", stdout);
    print_str(ev->stream.p, ev->stream.n);
    printf(",\"timestamp\":%lld,\"ingestion\":%lld,\"message\":", (long long)ev->timestamp, (long long)ev->ingestion);
    print_str(ev->message.p, ev->message.n);
    fputs("}\n", stdout);
}

static void time_up(uv_timer_t *t);

static void on_result(void *ud, const lw_lt_result *r)
{
    probe *pr = ud;
    if (r->kind == LW_LT_START) {
        printf("start session=%s groups=%d\n", r->session_id, r->ngroups);
    } else if (r->kind == LW_LT_UPDATE) {
        printf("update sampled=%d results=%d\n", r->sampled, r->nresults);
        if (r->update)
            lw_decoder_page(pr->dec, r->update);
        if (pr->max_updates && ++pr->updates >= pr->max_updates) {
            fflush(stdout);
            /* not from inside curl's write callback: on the next turn */
            uv_timer_start(&pr->timer, time_up, 0, 0);
        }
    }
    fflush(stdout);
}

static void on_end(void *ud, const lw_lt_result *r)
{
    probe *pr = ud;
    printf("end type=%s next=%s protocol=%d message=", r->end.type, lw_lt_next_name(r->end.next), r->end.protocol);
    print_str(r->end.message, strlen(r->end.message));
    putchar('\n');
    fflush(stdout);
    pr->ended = true;
    pr->s = NULL;
    uv_timer_stop(&pr->timer);
}

static void time_up(uv_timer_t *t)
{
    probe *pr = t->data;
    if (pr->s) {
        lw_lt_session_stop(pr->s);
        pr->s = NULL;
        printf("stopped\n");
        fflush(stdout);
    }
}

int main(int argc, char **argv)
{
    const char *region = NULL, *endpoint = NULL, *prefix = NULL, *filter = NULL;
    const char *groups[LW_LT_MAX_GROUPS + 1];
    int ngroups = 0, max_updates = 0;
    double seconds = 30;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            goto usage;
        if (!strcmp(a, "--region"))
            region = v;
        else if (!strcmp(a, "--endpoint-url"))
            endpoint = v;
        else if (!strcmp(a, "--group") && ngroups <= LW_LT_MAX_GROUPS)
            groups[ngroups++] = v;
        else if (!strcmp(a, "--stream-prefix"))
            prefix = v;
        else if (!strcmp(a, "--filter"))
            filter = v;
        else if (!strcmp(a, "--max-updates"))
            max_updates = atoi(v);
        else if (!strcmp(a, "--seconds"))
            seconds = atof(v);
        else
            goto usage;
        i++;
    }
    if (!ngroups)
        goto usage;

    uv_loop_t loop;
    uv_loop_init(&loop);
    probe pr = {.max_updates = max_updates};
    lw_decoder_opts dopts = {.origin = "livetail", .on_event = on_event, .ud = &pr};
    pr.dec = lw_decoder_new(&dopts);
    lw_curl *curl = lw_curl_new(&loop, lw_aws_ca_bundle(NULL));
    char err[512];
    int rc = 0;
    lw_logs_transport_ctx *tc = lw_logs_transport_new(curl, region, NULL, endpoint, 30, err, sizeof err);
    if (!tc) {
        fprintf(stderr, "livetail_probe: %s\n", err);
        rc = 1;
        goto out;
    }
    uv_timer_init(&loop, &pr.timer);
    pr.timer.data = &pr;
    lw_lt_request req = {.groups = groups, .ngroups = ngroups, .stream_prefixes = prefix ? &prefix : NULL,
                         .nprefixes = prefix ? 1 : 0, .filter_pattern = filter};
    lw_lt_session_opts so = {.endpoint_url = endpoint};
    lw_lt_session_cbs cbs = {on_result, on_end, &pr};
    pr.s = lw_lt_session_start(tc, &req, &so, &cbs, err, sizeof err);
    if (!pr.s && !pr.ended) {
        fprintf(stderr, "livetail_probe: %s\n", err);
        rc = 1;
    } else if (pr.s) {
        uv_timer_start(&pr.timer, time_up, (uint64_t)(seconds * 1000), 0);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    uv_close((uv_handle_t *)&pr.timer, NULL);
    lw_logs_transport_close(tc);
out:
    lw_curl_close(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    lw_logs_transport_free(tc);
    lw_decoder_free(pr.dec);
    return rc;
usage:
    fprintf(stderr, "usage: livetail_probe --region R [--endpoint-url URL] --group ARN... [--stream-prefix P] "
                    "[--filter PATTERN] [--max-updates N] [--seconds S]\n");
    return 2;
}
