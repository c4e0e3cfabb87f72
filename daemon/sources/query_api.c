/* query_api: see query_api.h. */
#include "daemon/sources/query_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/logs.h"
#include "common/clock.h"
#include "daemon/net/curl_uv.h"
#include "aws/logs_transport.h"
#include "parsers/decode.h"
#include "daemon/log.h"

#define PARALLEL_GROUPS 4

typedef struct run {
    const lw_query_api_opts *o;
    lw_pipeline *p;
    lw_logs *logs;
    lw_query_api_result *res;
    char **groups;
    int ngroups, cap, next, active, discovering;
    bool tty;
    double started;
    const char *cur_group;
} run;

typedef struct gctx {
    run *r;
    char *group;
} gctx;

static void add_group(run *r, const char *name)
{
    for (int i = 0; i < r->ngroups; i++)
        if (!strcmp(r->groups[i], name))
            return;
    if (r->ngroups == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->groups = lw_xrealloc(r->groups, (size_t)r->cap * sizeof *r->groups);
    }
    r->groups[r->ngroups++] = strdup(name);
}

static void progress(run *r, bool final)
{
    if (!r->tty)
        return;
    double dt = lw_mono_s() - r->started;
    fprintf(stderr, "\r%llu/%d groups, %llu pages, %llu events, %.1f MB, %.1f MB/s%s",
            (unsigned long long)r->res->groups, r->ngroups, (unsigned long long)r->res->pages,
            (unsigned long long)r->res->events, r->res->bytes / 1e6, dt > 0 ? r->res->bytes / 1e6 / dt : 0,
            final ? "\n" : "   ");
}

static void on_event(void *ud, const lw_event *ev)
{
    run *r = ud;
    r->res->events++;
    if (!r->o->keep_event || r->o->keep_event(r->o->keep_ud, ev))
        lw_pipeline_event(r->p, ev);
}

static void on_decode_error(void *ud, const char *origin, uint64_t line, const char *msg)
{
    (void)line;
    run *r = ud;
    r->res->errors++;
    lw_print(stderr, "lambdaward: %s: unreadable response page: %s", origin, msg);
}

static bool on_page(void *ud, const lw_json *page)
{
    gctx *g = ud;
    run *r = g->r;
    r->res->pages++;
    r->res->bytes += lw_json_rawlen(page, 0);
    lw_decoder_opts o = {.origin = g->group, .default_group = g->group, .on_event = on_event,
                         .on_error = on_decode_error, .ud = r};
    lw_decoder *d = lw_decoder_new(&o);
    lw_decoder_page(d, page);
    lw_decoder_free(d);
    progress(r, false);
    return true;
}

static void start_more(run *r);

static void on_group_done(void *ud, const char *error)
{
    gctx *g = ud;
    run *r = g->r;
    if (error) {
        r->res->errors++;
        if (r->tty)
            fputc('\n', stderr);
        lw_print(stderr, "lambdaward: %s: %s", g->group, error);
    }
    r->res->groups++;
    r->active--;
    free(g->group);
    free(g);
    start_more(r);
}

static void start_more(run *r)
{
    if (r->discovering)
        return;
    while (r->active < PARALLEL_GROUPS && r->next < r->ngroups) {
        gctx *g = lw_xmalloc(sizeof *g);
        g->r = r;
        g->group = strdup(r->groups[r->next++]);
        r->active++;
        lw_logs_filter_params fp = {.log_group = g->group, .start_ms = r->o->start_ms, .end_ms = r->o->end_ms,
                                    .filter_pattern = r->o->filter_pattern};
        lw_logs_filter(r->logs, &fp, on_page, on_group_done, g);
    }
    if (r->active == 0 && r->next >= r->ngroups && r->logs) {
        const lw_logs_stats *st = lw_logs_stats_get(r->logs);
        for (int i = 0; i < LW_LOGS_OPS; i++)
            r->res->api_calls += st->calls[i];
        lw_logs_close(r->logs); /* all done: the client frees itself, the loop ends */
        r->logs = NULL;
    }
}

/* One --log-group-prefix being listed: what it found decides whether it
 * was a typo (none: an input error naming it, exit 2) or just quiet. */
typedef struct pctx {
    run *r;
    const char *prefix;
    int found;
} pctx;

static void group_found(void *ud, const char *name)
{
    pctx *pc = ud;
    pc->found++;
    add_group(pc->r, name);
}

static bool on_groups(void *ud, const lw_json *page)
{
    lw_logs_group_names(page, group_found, ud);
    return true;
}

static void on_groups_done(void *ud, const char *error)
{
    pctx *pc = ud;
    run *r = pc->r;
    if (error) {
        r->res->errors++;
        lw_print(stderr, "lambdaward: listing log groups with prefix %s: %s", pc->prefix, error);
    } else if (!pc->found) {
        r->res->errors++;
        lw_print(stderr, "lambdaward query: no log group name starts with '%s' (--log-group-prefix)", pc->prefix);
    }
    free(pc);
    r->discovering--;
    start_more(r);
}

int lw_query_api(const lw_query_api_opts *o, lw_pipeline *p, lw_query_api_result *res)
{
    memset(res, 0, sizeof *res);
    uv_loop_t loop;
    uv_loop_init(&loop);
    lw_curl *curl = lw_curl_new(&loop, lw_aws_ca_bundle(o->ca_bundle));
    char err[512];
    lw_logs_transport_ctx *tc = lw_logs_transport_new(curl, o->region, o->profile, o->endpoint_url,
                                                     o->timeout_s > 0 ? o->timeout_s : 30, err, sizeof err);
    if (!tc) {
        lw_print(stderr, "lambdaward query: %s", err);
        lw_curl_close(curl);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return -1;
    }
    lw_logs_transport t = lw_logs_transport_get(tc);
    lw_logs_opts lo = {.tps = {o->tps > 0 ? o->tps : 5, 5, 5}};
    run r = {.o = o, .p = p, .res = res, .tty = isatty(2), .started = lw_mono_s()};
    r.logs = lw_logs_new(&loop, &t, &lo);
    for (int i = 0; i < o->ngroups; i++)
        add_group(&r, o->groups[i]);
    for (int i = 0; i < o->nprefixes; i++) {
        pctx *pc = lw_xcalloc(1, sizeof *pc);
        pc->r = &r;
        pc->prefix = o->prefixes[i];
        r.discovering++;
        lw_logs_describe_groups(r.logs, o->prefixes[i], NULL, on_groups, on_groups_done, pc);
    }
    start_more(&r);
    uv_run(&loop, UV_RUN_DEFAULT);
    progress(&r, true);
    lw_logs_transport_close(tc); /* its credential fetch and timers go before the client */
    lw_curl_close(curl);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    lw_logs_transport_free(tc);
    for (int i = 0; i < r.ngroups; i++)
        free(r.groups[i]);
    free(r.groups);
    return 0;
}
