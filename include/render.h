/* render.h: the pieces every notice's HTML body shares. */
#ifndef DRIFTWATCH_RENDER_H
#define DRIFTWATCH_RENDER_H

#include <stddef.h>

/* text[0..len) escaped for HTML (& < > " '); with breaks, each newline becomes "<br>\n". Caller frees. */
char *render_html_escape(const char *text, size_t len, int breaks);
/* The same, written at out (room for len * 6 + 1 bytes) and NUL-terminated: the bytes written. */
size_t render_html_escape_into(char *out, const char *text, size_t len, int breaks);

#endif
