/*
 * config: the daemon's INI configuration (libinih), loaded and validated.
 *
 * Every section is described by one option table (common/option.h: name,
 * type, default, offset, range, help), of the same shape as the detectors'
 * own tables, and parsed by the one parser in config/options.h. The same
 * tables drive parsing, defaults, validation, `lambdaward check-config`
 * and the reference in the example config, so they cannot drift apart. Loading never stops at the first problem: every
 * error is collected with its line, so check-config can report them all.
 *
 * Secrets (webhook secrets and URLs, the Firehose access key, the /metrics
 * token) may be written inline, or taken from `<key>_file` or `<key>_env`;
 * webhook headers likewise, one "Name: value" per line of `header_file` or
 * `header_env`. They are never printed (of a URL, messages show only
 * scheme://host:port), and a config file readable by group or others that
 * holds a secret, a header value or a Slack/Teams/Discord URL inline draws
 * a warning.
 */
#ifndef LW_CONFIG_H
#define LW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detectors/finding.h"

typedef struct lw_strlist {
    char **v;
    int n;
} lw_strlist;

typedef struct lw_watch_cfg {
    char *name;
    lw_strlist prefixes;      /* log_group_prefix */
    lw_strlist patterns;      /* log_group_pattern */
    lw_strlist groups;        /* log_group (exact names) */
    lw_strlist exclude;       /* log_group_exclude (substrings) */
    double poll_interval_s;
    double lookback_s;
    double quick_lookback_s;  /* polls between full ones re-read at least this */
    double discovery_interval_s;
    bool push;                /* arrives by Firehose push: never polled */
    int line;                 /* of its section header */
    struct lw_watch_cfg *next;
} lw_watch_cfg;

typedef enum lw_webhook_format { LW_WEBHOOK_JSON, LW_WEBHOOK_SLACK } lw_webhook_format;

typedef struct lw_webhook_cfg {
    char *name;
    char *url;                /* resolved from url / url_file / url_env */
    lw_webhook_format format;
    char *secret;             /* resolved from secret / secret_file / secret_env */
    lw_severity min_severity;
    lw_strlist detectors;     /* empty = all */
    double rate_limit_per_min;
    double max_age_s;
    double timeout_s;
    double retry_base_s;      /* backoff: first retry within this, doubling */
    double retry_max_s;       /* ...up to this */
    lw_strlist headers;       /* "Name: value", from header and header_file / header_env */
    bool allow_insecure_http;
    int line;
    struct lw_webhook_cfg *next;
} lw_webhook_cfg;

typedef struct lw_detector_setting {
    char *detector;
    char *key;
    char *value;              /* as written; valid for the detector's option table */
    int line;
    struct lw_detector_setting *next;
} lw_detector_setting;

typedef struct lw_rule_cfg {
    char *name;
    char *pattern;
    lw_severity severity;
    int line;
    struct lw_rule_cfg *next;
} lw_rule_cfg;

/* [suppress NAME]: mutes known-benign findings (config/suppress.h). */
typedef struct lw_suppress_cfg {
    char *name;
    char *detector;           /* a detector name, rule:NAME, or "*" */
    char *function;           /* glob (fnmatch) on the function; NULL = any */
    lw_strlist match;         /* "FIELD=GLOB" on the finding's evidence; all must hold */
    char *expires;            /* as written: ISO 8601 */
    int64_t expires_ms;       /* 0 = never */
    int line;
    struct lw_suppress_cfg *next;
} lw_suppress_cfg;

typedef struct lw_config {
    char *path;
    /* [aws] */
    char *region;
    char *profile;
    char *endpoint_url;
    char *ca_bundle;
    double filter_tps;
    double describe_tps;
    double request_timeout_s;
    /* [state] */
    char *state_path;
    /* [log] */
    int log_level;            /* an index of lw_log_level_names */
    /* [metrics] */
    char *metrics_bind;
    double metrics_port;      /* 0 = off */
    char *metrics_token;      /* bearer token scrapers must send; NULL = none */
    int metrics_line;
    /* [ingest firehose] */
    bool ingest_enabled;
    char *ingest_bind;
    double ingest_port;
    char *ingest_access_key;
    double ingest_max_body;
    double ingest_max_decompressed;
    double ingest_max_records;
    double ingest_max_record;
    double ingest_max_record_decompressed;
    double ingest_max_connections;
    double ingest_max_per_client;
    double ingest_timeout_s;
    double ingest_header_timeout_s;
    double ingest_request_retention_s;
    double ingest_event_id_retention_s;
    int ingest_line;

    lw_watch_cfg *watches;
    lw_webhook_cfg *webhooks;
    lw_detector_setting *detector_settings;
    lw_strlist disabled_detectors;
    lw_rule_cfg *rules;
    lw_suppress_cfg *suppressions;

    /* problems found while loading */
    lw_strlist errors;        /* "FILE:LINE: message" */
    lw_strlist warnings;
} lw_config;

/* Loads path into cfg (zeroed first). Returns the number of errors. */
int lw_config_load(const char *path, lw_config *cfg);
void lw_config_free(lw_config *cfg);
/* Writes the full option reference as a commented INI file. */
void lw_config_reference(FILE *to);
/* The same reference as man(7) subsections, one per section, for the
 * OPTIONS of lambdaward.conf(5) (built by man/gen_conf_man.c). */
void lw_config_reference_man(FILE *to);

/* [log] level's values, NULL-terminated, in daemon/log.c's words. */
extern const char *const lw_log_level_names[];

#endif
