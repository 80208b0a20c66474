/* render.h: the pieces every notice's HTML body shares. */
#ifndef DRIFTWATCH_RENDER_H
#define DRIFTWATCH_RENDER_H

#include <stddef.h>

/* text[0..len) escaped for HTML (& < > " '); with breaks, each newline becomes "<br>\n". Caller frees. */
char *render_html_escape(const char *text, size_t len, int breaks);

#endif
