/*
 * mail_message.c: render a notice as an RFC 5322 / MIME message.
 *
 * We build the bytes ourselves rather than with curl_mime so that the `file` transport's .eml and
 * the SMTP DATA are byte-identical, and so a header injection is impossible by construction: every
 * header value is checked for control characters here, and non-ASCII subjects become RFC 2047
 * encoded-words. Structure: multipart/mixed (when there are attachments) around
 * multipart/alternative (text/plain + text/html), bodies quoted-printable, attachments base64.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail_message.h"
#include "transport.h"
#include "xmalloc.h"

static const char mail_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Any byte below 0x20 or DEL: never allowed in a header value. */
static int
mail_has_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

/* Only 7-bit characters? */
static int
mail_is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
	}
	return 1;
}

/* See mail_message.h. */
int
mail_is_address(const char *s)
{
	const char *at = strchr(s, '@'), *c;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (c = s; *c != '\0'; c++) {
		if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f || strchr(",;<>()[]\"\\", *c) != NULL)
			return 0;
	}
	return 1;
}

/* See mail_message.h. */
char *
mail_address_of(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;

	if (lt != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return xstrdup(from);
}

/* Base64 of len bytes, lines of 76 characters ending in CRLF when wrap is set. */
static void
mail_base64(char **out, const unsigned char *p, size_t len, int wrap)
{
	char line[80];
	size_t i, n = 0;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0) |
		    (i + 2 < len ? p[i + 2] : 0);
		line[n++] = mail_b64[v >> 18 & 63];
		line[n++] = mail_b64[v >> 12 & 63];
		line[n++] = i + 1 < len ? mail_b64[v >> 6 & 63] : '=';
		line[n++] = i + 2 < len ? mail_b64[v & 63] : '=';
		if (wrap && n == 76) {
			xappendf(out, "%.*s\r\n", (int)n, line);
			n = 0;
		}
	}
	if (n > 0 || !wrap)
		xappendf(out, "%.*s%s", (int)n, line, wrap ? "\r\n" : "");
}

/* Quoted-printable body (RFC 2045): CRLF line ends, soft breaks before 76 characters. */
static void
mail_qp(char **out, const char *s)
{
	char line[96];
	size_t n = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		char enc[4];
		size_t elen;

		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			/* A space or tab before a line end must be encoded. */
			if (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
				unsigned char last = (unsigned char)line[--n];
				n += (size_t)snprintf(line + n, sizeof line - n, "=%02X", last);
			}
			xappendf(out, "%.*s\r\n", (int)n, line);
			n = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=') || *p == ' ' || *p == '\t') {
			enc[0] = (char)*p;
			elen = 1;
		} else
			elen = (size_t)snprintf(enc, sizeof enc, "=%02X", *p);
		if (n + elen > 75) {
			xappendf(out, "%.*s=\r\n", (int)n, line);
			n = 0;
		}
		memcpy(line + n, enc, elen);
		n += elen;
	}
	if (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t')) {
		unsigned char last = (unsigned char)line[--n];
		n += (size_t)snprintf(line + n, sizeof line - n, "=%02X", last);
	}
	xappendf(out, "%.*s\r\n", (int)n, line);
}

/* An RFC 2047 encoded Subject, folded: each encoded-word holds whole UTF-8 characters. */
static void
mail_subject(char **out, const char *subject)
{
	const unsigned char *p = (const unsigned char *)subject;
	size_t len = strlen(subject), start = 0, chunk;
	int first = 1;

	if (mail_is_ascii(subject) && len <= 900) {
		xappendf(out, "Subject: %s\r\n", subject);
		return;
	}
	xappendf(out, "Subject:");
	while (start < len) {
		/* 45 bytes of text -> 60 of base64: the word stays under 75 characters. */
		chunk = len - start < 45 ? len - start : 45;
		while (start + chunk < len && (p[start + chunk] & 0xc0) == 0x80)
			chunk--;
		xappendf(out, "%s=?UTF-8?B?", first ? " " : "\r\n ");
		mail_base64(out, p + start, chunk, 0);
		xappendf(out, "?=");
		start += chunk;
		first = 0;
	}
	xappendf(out, "\r\n");
}

/* The From header: a display name quoted (or encoded when not ASCII), then the address. */
static int
mail_from_header(char **out, const char *from, char **cause)
{
	const char *lt = strrchr(from, '<');
	char *addr = mail_address_of(from), *name;
	size_t nlen;

	if (!mail_is_address(addr)) {
		xasprintf(cause, "from: \"%s\" holds no usable address", from);
		free(addr);
		return -1;
	}
	if (lt == NULL) {
		xappendf(out, "From: %s\r\n", addr);
		free(addr);
		return 0;
	}
	nlen = (size_t)(lt - from);
	while (nlen > 0 && from[nlen - 1] == ' ')
		nlen--;
	name = xstrndup(from, nlen);
	if (strchr(name, '"') != NULL || strchr(name, '\\') != NULL) {
		xasprintf(cause, "from: the display name may not hold quotes");
		free(name), free(addr);
		return -1;
	}
	if (mail_is_ascii(name))
		xappendf(out, "From: \"%s\" <%s>\r\n", name, addr);
	else {
		xappendf(out, "From: =?UTF-8?B?");
		mail_base64(out, (const unsigned char *)name, strlen(name), 0);
		xappendf(out, "?= <%s>\r\n", addr);
	}
	free(name), free(addr);
	return 0;
}

/* One text part. */
static void
mail_text_part(char **out, const char *type, const char *body)
{
	xappendf(out, "Content-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", type);
	mail_qp(out, body != NULL ? body : "");
}

/* See mail_message.h. */
int
mail_message_build(const struct notice *n, const char *from, const char *domain, char **out, size_t *len,
    char **cause)
{
	char *msg = NULL, *mid = NULL, *fromaddr = NULL, date[64], mixed[64], alt[64];
	const char *dom;
	struct tm tm;
	size_t i;
	int has_html = n->body_html != NULL && *n->body_html != '\0';

	if (n->recipient == NULL || !mail_is_address(n->recipient)) {
		xasprintf(cause, "notice %lld: the recipient is not one email address", (long long)n->id);
		return -1;
	}
	if (n->subject == NULL || mail_has_control(n->subject) || mail_has_control(from) ||
	    mail_has_control(n->kind)) {
		xasprintf(cause, "notice %lld: a header value holds a line break or control character", (long long)n->id);
		return -1;
	}
	for (i = 0; i < n->nattachments; i++) {
		if (mail_has_control(n->attachments[i].filename) || mail_has_control(n->attachments[i].content_type) ||
		    strchr(n->attachments[i].filename, '"') != NULL) {
			xasprintf(cause, "notice %lld: an attachment name holds a line break or quote", (long long)n->id);
			return -1;
		}
	}
	if (mail_from_header(&msg, from, cause) != 0) {
		free(msg);
		return -1;
	}
	fromaddr = mail_address_of(from);
	dom = domain != NULL ? domain : strchr(fromaddr, '@') + 1;
	mid = notice_message_id(n, dom);
	localtime_r(&n->now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
	xappendf(&msg, "To: <%s>\r\n", n->recipient);
	mail_subject(&msg, n->subject);
	xappendf(&msg, "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n", date, mid);
	xappendf(&msg, "X-Driftwatch-Notice: %s %lld\r\n", n->kind != NULL ? n->kind : "notice", (long long)n->id);
	snprintf(mixed, sizeof mixed, "=_dw_mixed_%lld", (long long)n->id);
	snprintf(alt, sizeof alt, "=_dw_alt_%lld", (long long)n->id);
	if (n->nattachments > 0)
		xappendf(&msg, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", mixed, mixed);
	if (has_html) {
		xappendf(&msg, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n--%s\r\n", alt, alt);
		mail_text_part(&msg, "text/plain", n->body_text);
		xappendf(&msg, "--%s\r\n", alt);
		mail_text_part(&msg, "text/html", n->body_html);
		xappendf(&msg, "--%s--\r\n", alt);
	} else
		mail_text_part(&msg, "text/plain", n->body_text);
	for (i = 0; i < n->nattachments; i++) {
		const struct attachment *a = &n->attachments[i];
		xappendf(&msg, "--%s\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
			       "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		    mixed, a->content_type, a->filename);
		mail_base64(&msg, (const unsigned char *)a->data, a->len, 1);
	}
	if (n->nattachments > 0)
		xappendf(&msg, "--%s--\r\n", mixed);
	free(mid);
	free(fromaddr);
	*out = msg;
	*len = strlen(msg);
	return 0;
}
