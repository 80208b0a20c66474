/* jsonw.c: JSON written by hand, as jansson's compact dump writes it; see jsonw.h. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"
#include "xmalloc.h"

/* Make room for n more bytes (and a NUL). */
void
jsonw_grow(struct jsonw *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	while (b->len + n + 1 > b->cap)
		b->cap = b->cap > 0 ? 2 * b->cap : 256;
	b->p = xreallocarray(b->p, b->cap, 1);
}

/* Append n bytes. */
void
jsonw_add(struct jsonw *b, const char *s, size_t n)
{
	jsonw_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/*
 * Append s as a JSON string, escaped exactly as jansson's compact dump escapes it (\" \\ \b \f
 * \n \r \t, other controls as \u00XX, UTF-8 kept as it is). -1 when s is not UTF-8.
 */
int
jsonw_string(struct jsonw *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""), *run;
	size_t left = strlen((const char *)p), n;
	char esc[7];

	jsonw_add(b, "\"", 1);
	for (run = p; left > 0; p += n, left -= n) {
		if (*p >= 0x20 && *p != '"' && *p != '\\') {
			if ((n = utf8_char_len(p, left)) == 0)
				return -1;
			continue;
		}
		n = 1;
		jsonw_add(b, (const char *)run, (size_t)(p - run));
		run = p + 1;
		esc[0] = '\\';
		switch (*p) {
		case '"':
		case '\\':
			esc[1] = (char)*p;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			jsonw_add(b, esc, 6);
			continue;
		}
		jsonw_add(b, esc, 2);
	}
	jsonw_add(b, (const char *)run, (size_t)(p - run));
	jsonw_add(b, "\"", 1);
	return 0;
}

/* Append "key":"value", after a comma unless it is the object's first member. -1 when value is not UTF-8. */
int
jsonw_member(struct jsonw *b, const char *key, const char *value)
{
	jsonw_sep(b);
	jsonw_add(b, "\"", 1);
	jsonw_add(b, key, strlen(key));
	jsonw_add(b, "\":", 2);
	return jsonw_string(b, value);
}

/* See jsonw.h. */
void
jsonw_truncate(struct jsonw *b, size_t len)
{
	if (b->p != NULL && len < b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

/* See jsonw.h. */
void
jsonw_sep(struct jsonw *b)
{
	if (b->len > 0 && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
		jsonw_add(b, ",", 1);
}

/* See jsonw.h. */
bool
jsonw_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left, n;

	if (s == NULL)
		return false;
	for (left = strlen(s); left > 0; p += n, left -= n) {
		if ((n = utf8_char_len(p, left)) == 0)
			return false;
	}
	return true;
}
