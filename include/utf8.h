/*
 * utf8.h: strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), the
 * one rule the CSV reader and the JSON writer share: the same rules as jansson's, so a string the
 * writer takes is one json_string() would have taken.
 */
#ifndef DRIFTWATCH_UTF8_H
#define DRIFTWATCH_UTF8_H

#include <stddef.h>

/* The length of the UTF-8 character at s (1 for ASCII; at most left bytes, left > 0), 0 when it is not one. */
size_t utf8_char_len(const unsigned char *s, size_t left);

#endif
