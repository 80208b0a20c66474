/*
 * jsonw.h: JSON written by hand into a growing buffer, byte for byte as jansson's compact dump
 * writes it (JSON_COMPACT, insertion order, \" \\ \b \f \n \r \t and other controls as \u00XX,
 * UTF-8 kept as it is, '/' not escaped). For the bodies every notice carries (the webhook body,
 * the Teams card and payload the notice layer draws), where a jansson tree and its dump cost more
 * than the rest of the work together. Only UTF-8 jansson would take is written.
 */
#ifndef DRIFTWATCH_JSONW_H
#define DRIFTWATCH_JSONW_H

#include <stdbool.h>
#include <stddef.h>

struct jsonw {
	char *p; /* NUL-terminated once anything is added; the caller frees it */
	size_t len, cap;
};

/* Make room for n more bytes (and a NUL). */
void jsonw_grow(struct jsonw *b, size_t n);
/* Append n bytes as they are. */
void jsonw_add(struct jsonw *b, const char *s, size_t n);
/* Append a string literal as it is. */
#define JSONW_LIT(b, lit) jsonw_add((b), (lit), sizeof(lit) - 1)
/* Cut what was written back to len bytes (to drop a member or element that could not be written). */
void jsonw_truncate(struct jsonw *b, size_t len);
/* A ',' unless the last thing written opened an object or array (or nothing was). */
void jsonw_sep(struct jsonw *b);
/* Is s valid UTF-8 by jansson's rules (no overlong forms, no surrogates, nothing past U+10FFFF)? NULL: no. */
bool jsonw_utf8(const char *s);
/* Append s as a JSON string (NULL as ""). -1 when s is not UTF-8: b then holds part of it. */
int jsonw_string(struct jsonw *b, const char *s);
/* Append "key":"value" after jsonw_sep. -1 when value is not UTF-8. */
int jsonw_member(struct jsonw *b, const char *key, const char *value);

#endif
