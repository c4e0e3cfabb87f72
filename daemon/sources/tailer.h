/*
 * tailer: follows log groups through the CloudWatch Logs API.
 *
 * Discovery: the [watch] sections' prefixes and patterns are resolved with
 * DescribeLogGroups at start and every discovery_interval, so new groups
 * are picked up without a restart; groups marked push are never polled.
 *
 * Polling, the way that loses nothing: every poll is a fresh
 * FilterLogEvents up to now; a nextToken is never carried from one poll to
 * the next (new streams would be missed); events whose id was already
 * analysed are dropped by the daemon's batch; each page is one transaction
 * that also advances the group's checkpoint. Every lookback a poll
 * re-reads from `lookback` before the previous such full poll began, so an
 * event that becomes visible up to `lookback` after its timestamp is
 * still analysed exactly once; the polls in between
 * re-read only a quick window (`quick_lookback`, widened to the ingestion
 * lag the group's events have shown lately), which finds late events at
 * the next poll at a fraction of the re-reading.
 *
 * Scheduling: a group is due again poll_interval after a quiet poll, a
 * quarter of it after one that found events. When the API budget cannot
 * poll every due group, the one with the largest sqrt(event rate) x time
 * since its last poll goes first (busy groups more often, none starving);
 * a group not polled for half its lookback goes before all of them. A
 * group's rate is seeded from its first poll (the events it read over the
 * span they cover), and the rate and lateness estimates are kept in the
 * state file, so neither a new group nor a restart starts from nothing. All
 * calls go through the logs client's rate limit, so the whole process
 * stays inside the API budget however many groups there are.
 */
#ifndef LW_TAILER_H
#define LW_TAILER_H

#include "daemon/daemon.h"

/* Registers the tailer as a source when some watch is to be polled. */
void lw_tailer_factory(lw_daemon *d);

#endif
