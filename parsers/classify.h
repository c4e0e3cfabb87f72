/*
 * classify: turns one log message into the lw_record detectors see.
 *
 * Decides, cheaply and in this order, whether a message is a platform line
 * (text or JSON format), an application line, or plain text, and derives
 * the function name. Owns the parse scratch (a jsmn token array and the
 * parsed structs), so a record is valid until the next call.
 */
#ifndef LW_CLASSIFY_H
#define LW_CLASSIFY_H

#include "parsers/applog.h"
#include "parsers/event.h"
#include "common/json.h"
#include "parsers/platform.h"

typedef struct lw_classifier {
    lw_json json;
    lw_platform pl;
    lw_app app;
} lw_classifier;

void lw_classifier_init(lw_classifier *c);
void lw_classifier_free(lw_classifier *c);
void lw_classify(lw_classifier *c, const lw_event *ev, lw_record *out);

/* "/aws/lambda/<name>" -> name; else sensor_fn when known; else the group;
 * "unknown" when there is nothing at all. */
lw_str lw_function_name(lw_str group, lw_str sensor_fn);

#endif
