/*
 * escape: the one way attacker-controlled text is made safe to show a
 * person (log lines, the query table, Slack messages).
 *
 * Every character that could split a line, move the cursor, recolour a
 * terminal or reorder what is displayed becomes a visible escape:
 *
 *   TAB CR LF                         \t \r \n
 *   other C0, NUL, ESC, DEL           \x00 .. \x1f, \x7f
 *   C1 controls U+0080..U+009F        \u0080 .. \u009f
 *   U+2028 LINE / U+2029 PARAGRAPH SEPARATOR   \u2028 \u2029
 *   bidi embeddings, overrides and isolates U+202A..U+202E, U+2066..U+2069,
 *   and the bidi marks U+200E, U+200F, U+061C ("Trojan Source")  \u202e ...
 *   a byte that starts no valid UTF-8 sequence   \xHH (its value)
 *
 * Backslash itself is left alone: escaped text is read by people, and
 * paths and patterns stay readable; an attacker who writes a literal
 * "\n" gains nothing, since no real line break can appear.
 *
 * With LW_ESC_SLACK, &, < and > also become &amp; &lt; &gt;, the escaping
 * Slack documents for mrkdwn, so text cannot forge links or mentions
 * (<!channel>, <@U123>, <https://evil|click>).
 */
#ifndef LW_ESCAPE_H
#define LW_ESCAPE_H

#include <stddef.h>

#include "common/buf.h"

#define LW_ESC_SLACK 1u

/* Appends the visible form of the one character at s[0..n) (n >= 1) and
 * returns how many bytes of s it took. */
size_t lw_escape_char(lw_buf *out, const char *s, size_t n, unsigned flags);

/* Appends s[0..n) in visible form, at most max bytes of it (0 = no bound):
 * it stops before a character whose form would not fit, so neither a
 * UTF-8 sequence nor an escape is ever split. Returns the bytes of s
 * consumed (n when all of it fit). */
size_t lw_escape(lw_buf *out, const char *s, size_t n, unsigned flags, size_t max);

#endif
