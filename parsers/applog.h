/*
 * applog: application log lines as Lambda runtimes write them.
 *
 * Text: Node "<ts>\t<request id>\t<LEVEL>\t<msg>" (uncaught errors as
 * "ERROR\tInvoke Error \t{json}"), Python "[LEVEL]\t<ts>\t<request id>\t<msg>"
 * (uncaught errors as "[ERROR] Type: msg\nTraceback ..."). JSON:
 * {"timestamp","level","requestId","message", errorType/errorMessage/...}.
 * Also recognises the runtimes' own out-of-memory messages anywhere in a
 * message. Strings point into the message.
 */
#ifndef LW_APPLOG_H
#define LW_APPLOG_H

#include "parsers/event.h"
#include "common/json.h"

/* true when msg has a recognised application prefix (level etc.). The OOM
 * flag is set either way: check app->oom after a false return too. */
bool lw_app_parse_text(const char *msg, size_t n, lw_app *app);
bool lw_app_parse_json(const lw_json *j, int root, lw_app *app);
/* A runtime's own out-of-memory message (MemoryError, JavaScript heap out of
 * memory, java.lang.OutOfMemoryError, Go's "runtime: out of memory"). */
bool lw_app_is_oom(const char *msg, size_t n);

#endif
