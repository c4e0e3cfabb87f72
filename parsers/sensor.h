/*
 * sensor: defence-json SensorEvent records of the runtime protection agent.
 *
 * A record is a header line
 *   "<ts> - defence-json (<file>:<line>) - PID n - thread n - WARN: SensorEvent: {"
 * followed by a JSON object (pretty-printed, possibly over many log events:
 * see reassemble.h). lw_sensor_header() recognises the header; lw_sensor_parse()
 * turns the object into a typed lw_sensor. The parser owns an arena for the
 * unescaped strings; they stay valid until the next parse.
 */
#ifndef LW_SENSOR_H
#define LW_SENSOR_H

#include "parsers/event.h"
#include "common/json.h"

/* If msg starts with a sensor header, returns true and sets *json_off to the
 * offset of the opening brace. */
bool lw_sensor_header(const char *msg, size_t n, size_t *json_off);

typedef struct lw_sensor_parser {
    lw_json json;
    lw_buf arena;
} lw_sensor_parser;

void lw_sensor_parser_init(lw_sensor_parser *sp);
void lw_sensor_parser_free(lw_sensor_parser *sp);
/* Returns NULL on success, else a short reason ("invalid JSON",
 * "not a SensorEvent object", ...). */
const char *lw_sensor_parse(lw_sensor_parser *sp, const char *json, size_t n, lw_sensor *out);

#endif
