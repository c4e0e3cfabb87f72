/*
 * query_api: the API side of `lambdaward query`: resolves groups (names and
 * prefixes), pages through FilterLogEvents for each, and streams every page
 * through the decoder into the caller's pipeline; nothing is held whole.
 * A progress line goes to stderr when it is a terminal.
 */
#ifndef LW_QUERY_API_H
#define LW_QUERY_API_H

#include <stdint.h>

#include "daemon/pipeline/pipeline.h"

typedef struct lw_query_api_opts {
    const char **groups;
    int ngroups;
    const char **prefixes;
    int nprefixes;
    int64_t start_ms, end_ms;
    const char *filter_pattern;
    const char *region;
    const char *profile;
    const char *endpoint_url;
    const char *ca_bundle;     /* NULL = the system's ($AWS_CA_BUNDLE wins either way) */
    double timeout_s;          /* per request; 0 = 30 s */
    double tps;
    /* NULL, or which events reach the pipeline (query --function). */
    bool (*keep_event)(void *ud, const lw_event *ev);
    void *keep_ud;
} lw_query_api_opts;

typedef struct lw_query_api_result {
    uint64_t groups, pages, events, bytes, api_calls, errors;
} lw_query_api_result;

/* Returns 0, or -1 when nothing could be queried (message printed). Group
 * level failures are printed and counted in res->errors, and so is each
 * prefix that matches no log group (a typo must not look like a quiet
 * hour); the other prefixes and groups are still read. */
int lw_query_api(const lw_query_api_opts *o, lw_pipeline *p, lw_query_api_result *res);

#endif
