/*
 * render.c: what every notice's HTML shares. Text from records (action wording, notes) is always
 * escaped on its way into HTML, so a record can never inject markup into a manager's mailbox.
 */
#include <string.h>

#include "render.h"
#include "xmalloc.h"

/* Escape len bytes of text for HTML; see render.h. */
char *
render_html_escape(const char *text, size_t len, int breaks)
{
	char *out = xmalloc(len * 6 + 1);

	render_html_escape_into(out, text, len, breaks);
	return out;
}

/* See render.h. */
size_t
render_html_escape_into(char *out, const char *text, size_t len, int breaks)
{
	char *o = out;
	const char *rep;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (text[i]) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		case '\n':
			rep = breaks ? "<br>\n" : NULL;
			break;
		default:
			rep = NULL;
			break;
		}
		if (rep == NULL)
			*o++ = text[i];
		else {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		}
	}
	*o = '\0';
	return (size_t)(o - out);
}
