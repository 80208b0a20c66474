/* xmalloc.h: allocation that aborts on our own out-of-memory; callers never check for NULL. */
#ifndef DRIFTWATCH_XMALLOC_H
#define DRIFTWATCH_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
int xasprintf(char **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int xvasprintf(char **ret, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Append a printf'd string to *buf (which may be NULL). */
void xappendf(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s to *buf (which may be NULL) as it is: no format, for the literal runs of a notice. */
void xappend(char **buf, const char *s);
/* Append each string in turn, up to a (char *)NULL. */
void xappends(char **buf, ...) __attribute__((sentinel));
/* Room for n more bytes and a NUL at the end of *buf (which may be NULL): the end, to write at. */
char *xappend_room(char **buf, size_t n);

#endif
