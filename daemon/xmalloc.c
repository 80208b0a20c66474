/* xmalloc.c: allocation that aborts on our own out-of-memory; nothing else in driftwatch is fatal. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xmalloc.h"

/* Allocate size bytes or die: a daemon that cannot allocate a few bytes cannot do its job safely. */
void *
xmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc: %zu bytes", size);
	return p;
}

/* Zeroed allocation of n items, overflow checked. */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("xcalloc: %zu * %zu bytes", n, size);
	return p;
}

/* Resize to n items, overflow checked. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (n == 0 || size == 0)
		n = size = 1;
	if (size != 0 && n > SIZE_MAX / size)
		fatalx("xreallocarray: %zu * %zu overflows", n, size);
	if ((q = realloc(p, n * size)) == NULL)
		fatal("xreallocarray: %zu * %zu bytes", n, size);
	return q;
}

/* Copy a string. */
char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("xstrdup");
	return p;
}

/* Copy at most n bytes of a string. */
char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatal("xstrndup");
	return p;
}

/* vasprintf or die. */
int
xvasprintf(char **ret, const char *fmt, va_list ap)
{
	int n;

	if ((n = vasprintf(ret, fmt, ap)) < 0)
		fatal("xvasprintf");
	return n;
}

/* asprintf or die. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = xvasprintf(ret, fmt, ap);
	va_end(ap);
	return n;
}

/* See xmalloc.h: grown as xappendf grows it, into glibc's usable size, doubling. */
char *
xappend_room(char **buf, size_t n)
{
	size_t len = 0, want;

	if (*buf != NULL) {
		len = strlen(*buf);
		if (len + n < malloc_usable_size(*buf))
			return *buf + len;
	}
	want = len + n + 1;
	*buf = xreallocarray(*buf, 1, want < 2 * len ? 2 * len : want);
	(*buf)[len] = '\0';
	return *buf + len;
}

/* See xmalloc.h. */
void
xappend(char **buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(xappend_room(buf, n), s, n + 1);
}

/* See xmalloc.h. */
void
xappends(char **buf, ...)
{
	va_list ap;
	const char *s;

	va_start(ap, buf);
	while ((s = va_arg(ap, const char *)) != NULL)
		xappend(buf, s);
	va_end(ap);
}

/* Append formatted text to a growing string. */
void
xappendf(char **buf, const char *fmt, ...)
{
	va_list ap, again;
	size_t len = 0, room = 0;
	int n;

	/*
	 * Formatted in place at the end, into the room the allocation already has (glibc's usable
	 * size), growing it by doubling: never the whole buffer again through "%s%s", which made a
	 * notice built of many appends quadratic, and most appends are one vsnprintf.
	 */
	if (*buf != NULL) {
		len = strlen(*buf);
		room = malloc_usable_size(*buf) - len;
	}
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(room > 0 ? *buf + len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xappendf");
	if ((size_t)n >= room) {
		size_t want = len + (size_t)n + 1;
		*buf = xreallocarray(*buf, 1, want < 2 * len ? 2 * len : want);
		vsnprintf(*buf + len, (size_t)n + 1, fmt, again);
	}
	va_end(again);
}
