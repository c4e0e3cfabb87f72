/*
 * sniff: tells log text from binary data by the first bytes of an input.
 *
 * The decoder asks once per input, on its first LW_SNIFF_LEN bytes (after
 * gunzip), so a tar, an ELF, an image or random bytes is refused as an
 * input error that says what it looks like, instead of being read as text
 * lines and found to hold "No findings".
 */
#ifndef LW_SNIFF_H
#define LW_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

#define LW_SNIFF_LEN 4096

/* false when p[0..n) reads as text; otherwise true, with what it looks
 * like in why ("looks like a tar archive", "binary data (NUL bytes) at
 * offset 12", ...). n may be under LW_SNIFF_LEN only at the end of input. */
bool lw_sniff_binary(const char *p, size_t n, char *why, size_t cap);

#endif
