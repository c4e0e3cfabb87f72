/*
 * platform: Lambda platform lines, in both log formats.
 *
 * Text: START / END / REPORT ("Key: value" fields in any order, found by
 * their names whatever separates them: tabs as Lambda writes them, spaces
 * as AWS's documentation and `--log-type Tail` copies show them, both;
 * new-style Status/Error Type, an X-Ray suffix after a newline; fields
 * that cannot be read and a REPORT missing a number are counted in
 * unread_fields, never half-read in silence), INIT_START / INIT_REPORT, RESTORE_*,
 * EXTENSION, and the old-style failure lines ("Task timed out after",
 * "RequestId: ... Error: Runtime exited with error: ...").
 * JSON: {"time","type":"platform.*","record":{...}}.
 * Parsed strings point into the message; nothing is allocated.
 */
#ifndef LW_PLATFORM_H
#define LW_PLATFORM_H

#include "parsers/event.h"
#include "common/json.h"

/* true when msg is a text platform line; *pl is filled. */
bool lw_platform_parse_text(const char *msg, size_t n, lw_platform *pl);
/* true when the JSON object at root is a platform.* record. */
bool lw_platform_parse_json(const lw_json *j, int root, lw_platform *pl);

#endif
