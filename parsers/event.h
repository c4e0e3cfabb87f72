/*
 * event: the data model that flows through the pipeline.
 *
 *   lw_event    one CloudWatch log event as any source delivers it
 *   lw_platform a Lambda platform line (START, END, REPORT, INIT_..., ...), text
 *               or JSON format, old-style failure lines included
 *   lw_app      an application log line (level, request id, error type)
 *   lw_sensor   a defence-json SensorEvent record
 *   lw_record   what detectors see: one classified message or sensor record
 *
 * All strings are borrowed (lw_str points into a buffer owned upstream) and
 * valid only for the duration of the callback that hands them over.
 */
#ifndef LW_EVENT_H
#define LW_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct lw_str {
    const char *p;
    size_t n;
} lw_str;

#define LW_STR_NULL ((lw_str){NULL, 0})
static inline lw_str lw_str_c(const char *s) { return (lw_str){s, s ? strlen(s) : 0}; }
static inline bool lw_str_eq(lw_str a, const char *b)
{
    size_t n = strlen(b);
    return a.n == n && (n == 0 || memcmp(a.p, b, n) == 0);
}

typedef struct lw_event {
    lw_str group;        /* log group name; empty when the input has none */
    lw_str stream;       /* log stream name; may be empty */
    lw_str event_id;     /* CloudWatch eventId; empty for GetLogEvents */
    int64_t timestamp;   /* ms since epoch; 0 = unknown */
    int64_t ingestion;   /* ms since epoch; 0 = unknown */
    lw_str message;      /* unescaped, valid UTF-8 */
    const char *origin;  /* file name, "-" or "api": for error messages */
    uint64_t line;       /* line in origin where the event starts (1-based) */
} lw_event;

typedef enum lw_platform_type {
    LW_PL_START = 1,
    LW_PL_END,
    LW_PL_REPORT,
    LW_PL_INIT_START,
    LW_PL_INIT_REPORT,
    LW_PL_RESTORE_START,
    LW_PL_RESTORE_REPORT,
    LW_PL_RUNTIME_DONE,
    LW_PL_LOGS_DROPPED,
    LW_PL_EXTENSION,
    LW_PL_TIMED_OUT,     /* old style: "<ts> <id> Task timed out after 3.00 seconds" */
    LW_PL_RUNTIME_EXIT,  /* old style: "RequestId: <id> Error: Runtime exited ..." */
} lw_platform_type;

typedef enum lw_status {
    LW_ST_NONE = 0,
    LW_ST_SUCCESS,
    LW_ST_ERROR,
    LW_ST_FAILURE,
    LW_ST_TIMEOUT,
} lw_status;

typedef struct lw_platform {
    lw_platform_type type;
    bool json_format;
    lw_str request_id;
    lw_str version;
    double duration_ms;      /* < 0 when absent (also for the others) */
    double billed_ms;
    double init_ms;          /* present on cold starts */
    double restore_ms;       /* SnapStart */
    double timeout_s;        /* LW_PL_TIMED_OUT */
    int memory_size_mb;      /* -1 when absent */
    int max_memory_mb;
    lw_status status;
    lw_str error_type;       /* "Runtime.OutOfMemory", ... */
    lw_str exit_reason;      /* "signal: killed", ... */
    lw_str phase;            /* INIT_REPORT phase */
    lw_str trace_root;       /* X-Ray Root, without "Root=" */
    lw_str runtime_version;  /* INIT_START / RESTORE_START: "python:3.8.v15" */
    lw_str runtime_arn;      /* "arn:aws:lambda:<region>::runtime:<hash>" */
    int64_t dropped_records; /* platform.logsDropped */
    int64_t dropped_bytes;
    int unread_fields;       /* text fields that could not be read, and for a
                                REPORT each of its four numbers missing: > 0
                                means the line is damaged (counted, reported) */
} lw_platform;

typedef enum lw_level {
    LW_LVL_NONE = 0,
    LW_LVL_TRACE,
    LW_LVL_DEBUG,
    LW_LVL_INFO,
    LW_LVL_WARN,
    LW_LVL_ERROR,
    LW_LVL_FATAL,
} lw_level;

typedef struct lw_app {
    lw_level level;
    lw_str request_id;
    lw_str error_type;   /* "ValueError", "Runtime.ImportModuleError", ... */
    lw_str text;         /* the message part after the prefix fields */
    bool unhandled;      /* the runtime reported an uncaught error */
    bool oom;            /* a runtime's own out-of-memory message */
    bool json_format;
} lw_app;

typedef struct lw_sensor {
    lw_str rule_id;
    lw_str event_type;
    lw_str sensor_id;
    int blocked;            /* 1 mitigated, 0 report mode, -1 unknown */
    lw_str occurred_at;
    int64_t occurred_at_ms; /* 0 when unparseable */
    lw_str agent_type;
    lw_str agent_version;
    lw_str function_name;
    lw_str function_arn;
    lw_str function_version;
    lw_str request_id;
    lw_str source_ip;       /* first x-forwarded-for hop, else remote_addr */
    lw_str method;
    lw_str path;
    lw_str query;
    lw_str domain;
    lw_str stage;
    lw_str trace_id;
    lw_str user_agent;
    lw_str payload;         /* raw HTTP request as logged: redact before output */
} lw_sensor;

typedef enum lw_record_kind {
    LW_REC_TEXT = 1,         /* a message nothing else claimed */
    LW_REC_APP,
    LW_REC_PLATFORM,
    LW_REC_SENSOR,
    LW_REC_SENSOR_MALFORMED, /* a record that never closed or did not parse */
} lw_record_kind;

typedef struct lw_record {
    lw_record_kind kind;
    const lw_event *ev;     /* for sensor records: the header event */
    lw_str function;
    const lw_platform *platform;
    const lw_app *app;
    const lw_sensor *sensor;
    const char *malformed_reason;
} lw_record;

#endif
