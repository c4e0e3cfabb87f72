/*
 * suppress: which [suppress NAME] section mutes a finding.
 *
 * A section mutes a finding when its detector is the finding's (or "*"),
 * its function glob matches the finding's function, every match =
 * FIELD=GLOB holds on the finding's JSON (FIELD looked up in "evidence",
 * else among the top-level fields such as log_group or request_id; a
 * string compared unescaped, a number or boolean as written), and it has
 * not expired. Globs are fnmatch(3) patterns, case-sensitive.
 *
 * Expiry is judged by the wall clock when the finding is recorded, never by
 * the finding's event time: "mute until Monday" is an operator's promise
 * about when they want to hear again, and a backlog of last week's events
 * read on Tuesday must alert. A finding is judged once: it stays suppressed
 * (or delivered) after the section expires or changes.
 */
#ifndef LW_SUPPRESS_H
#define LW_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* The first section of list muting the finding at now_ms, or NULL. json is
 * the finding's JSON (lw_finding_json). */
const lw_suppress_cfg *lw_suppress_match(const lw_suppress_cfg *list, const char *detector, const char *function,
                                         const char *json, size_t n, int64_t now_ms);

#endif
