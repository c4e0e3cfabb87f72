/*
 * tailer: follows log groups through the CloudWatch Logs API.
 *
 * Discovery: the [watch] sections' prefixes and patterns are resolved with
 * DescribeLogGroups at start and every discovery_interval, so new groups
 * are picked up without a restart; groups marked push are never polled.
 *
 * Polling, the way that loses nothing: every poll is a fresh
 * FilterLogEvents from (watermark - lookback) to now; a nextToken is never
 * carried from one poll to the next (new streams would be missed); events
 * whose id was already analysed inside the lookback are dropped by the
 * daemon's batch; each page is one transaction that also advances the
 * group's watermark (the newest event time analysed). So an event that
 * becomes visible late, up to `lookback` after its timestamp, is still
 * analysed exactly once.
 *
 * Scheduling: groups that had events are polled again sooner (down to a
 * quarter of poll_interval), quiet ones at poll_interval; all calls go
 * through the logs client's rate limit, so the whole process stays inside
 * the API budget however many groups there are; when the budget is short,
 * every group's lag grows evenly instead of some starving.
 */
#ifndef LW_TAILER_H
#define LW_TAILER_H

#include "aws/logs.h"
#include "daemon/daemon.h"

typedef struct lw_tailer lw_tailer;

/* Creates a tailer over an existing logs client (owned by the caller). */
lw_tailer *lw_tailer_new(lw_daemon *d, lw_logs *logs);
extern const lw_source_ops lw_tailer_ops;

/* Registers the tailer as a source when some watch is to be polled. */
void lw_tailer_factory(lw_daemon *d);

/* Per-group view, for tests and metrics. */
typedef struct lw_tailer_group_info {
    const char *name;
    int64_t watermark_ms;
    int64_t next_poll_ms;
    uint64_t polls, events, errors;
} lw_tailer_group_info;
void lw_tailer_foreach(lw_tailer *t, void (*cb)(void *ud, const lw_tailer_group_info *g), void *ud);

#endif
