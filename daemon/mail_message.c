/*
 * mail_message.c: render a notice as an RFC 5322 / MIME message, as bytes.
 *
 * We render the MIME ourselves rather than through curl_mime on purpose: the `file` transport's
 * .eml and the SMTP DATA must be byte-identical, so a test (or an admin) reading the spool sees
 * exactly what a mail server would have received, and the bytes can be tested without a network.
 * The rendering is deterministic (boundaries derive from the notice, Date from notice->now), so
 * every attempt of a notice sends the same message.
 *
 * Header injection is impossible by construction: every header value is checked for control
 * characters (CR and LF above all) before anything is written, and the notice is refused if one
 * is found. Non-ASCII text in headers goes out as RFC 2047 encoded-words, folded; bodies are
 * quoted-printable, attachments base64, lines at most 76 characters.
 */
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail_message.h"
#include "transport.h"
#include "xmalloc.h"

/* A growing byte buffer. */
struct mail_buf {
	char *p;
	size_t len;
	size_t cap;
};

/* Append n bytes. */
static void
mail_buf_add(struct mail_buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		while (b->len + n + 1 > b->cap)
			b->cap = b->cap != 0 ? b->cap * 2 : 4096;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append a string. */
static void
mail_buf_puts(struct mail_buf *b, const char *s)
{
	mail_buf_add(b, s, strlen(s));
}

/* Append a printf'd string. */
static void __attribute__((format(printf, 2, 3))) mail_buf_printf(struct mail_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	mail_buf_puts(b, s);
	free(s);
}

/* Base64 of len bytes, no line breaks; see mail_message.h. */
char *
mail_base64(const void *data, size_t len)
{
	char *out = xmalloc(4 * ((len + 2) / 3) + 1);
	const unsigned char *in = data;
	size_t done = 0, chunk;
	int n;

	/* EVP_EncodeBlock takes an int length: feed it in chunks that are multiples of 3. */
	while (len - done > 0) {
		chunk = len - done > 3 * 1024 * 1024 ? 3 * 1024 * 1024 : len - done;
		n = EVP_EncodeBlock((unsigned char *)out + 4 * (done / 3), in + done, (int)chunk);
		done += chunk;
		out[4 * ((done - chunk) / 3) + (size_t)n] = '\0';
	}
	if (len == 0)
		out[0] = '\0';
	return out;
}

/* Is every byte printable (no C0 control, no DEL)? Non-ASCII bytes pass. */
static int
mail_no_controls(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	}
	return 1;
}

/* Is s well-formed UTF-8 (no overlongs, no surrogates)? */
static int
mail_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0)
			n = 1, cp = *p & 0x1f;
		else if ((*p & 0xf0) == 0xe0)
			n = 2, cp = *p & 0x0f;
		else if ((*p & 0xf8) == 0xf0)
			n = 3, cp = *p & 0x07;
		else
			return 0;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += n + 1;
	}
	return 1;
}

/* Is s all ASCII? */
static int
mail_is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return 0;
	}
	return 1;
}

/* Check one header value: printable, UTF-8. Returns 0, or -1 and *cause naming the header. */
static int
mail_check_value(const char *what, const char *value, char **cause)
{
	if (value == NULL || *value == '\0') {
		xasprintf(cause, "%s is empty", what);
		return -1;
	}
	if (!mail_no_controls(value)) {
		xasprintf(cause, "%s holds a line break or control character", what);
		return -1;
	}
	if (!mail_utf8_valid(value)) {
		xasprintf(cause, "%s is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

/* Is s one plain address? See mail_message.h. */
int
mail_is_address(const char *s)
{
	const char *at, *p;

	if (s == NULL || (at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr(",;<>()[]\\\":", *p) != NULL)
			return 0;
	}
	/* The domain needs a label on each side of every dot. */
	if (at[1] == '.' || p[-1] == '.' || strstr(at, "..") != NULL)
		return 0;
	return 1;
}

/* The address inside "Name <addr>"; see mail_message.h. */
char *
mail_address_of(const char *from)
{
	const char *lt, *gt;

	if ((lt = strrchr(from, '<')) != NULL && (gt = strchr(lt, '>')) != NULL)
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	while (*from == ' ')
		from++;
	return xstrdup(from);
}

/* The display name before "<addr>", without surrounding blanks or quotes; NULL if none. */
static char *
mail_display_name(const char *from)
{
	const char *lt, *start, *end;

	if ((lt = strrchr(from, '<')) == NULL)
		return NULL;
	for (start = from; start < lt && *start == ' '; start++)
		;
	for (end = lt; end > start && end[-1] == ' '; end--)
		;
	if (end - start >= 2 && *start == '"' && end[-1] == '"')
		start++, end--;
	if (end == start)
		return NULL;
	return xstrndup(start, (size_t)(end - start));
}

/*
 * Append text as RFC 2047 encoded-words (UTF-8, base64), folded: each word at most 60 characters,
 * cut only between UTF-8 characters so every word decodes on its own.
 */
static void
mail_add_encoded_words(struct mail_buf *b, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t len = strlen(text), off = 0, n;
	char *enc;

	while (off < len) {
		n = len - off > 36 ? 36 : len - off;
		/* Back off to the start of a character. */
		while (n > 0 && off + n < len && (p[off + n] & 0xc0) == 0x80)
			n--;
		if (off != 0)
			mail_buf_puts(b, "\r\n ");
		enc = mail_base64(p + off, n);
		mail_buf_printf(b, "=?UTF-8?B?%s?=", enc);
		free(enc);
		off += n;
	}
}

/* Append a header of plain ASCII words, folded before a space when a line would pass 78. */
static void
mail_add_folded(struct mail_buf *b, const char *name, const char *value)
{
	size_t col, wlen;
	const char *p = value, *sp;

	mail_buf_printf(b, "%s: ", name);
	col = strlen(name) + 2;
	while (*p != '\0') {
		/* A "word" is a run of spaces followed by non-spaces. */
		for (sp = p; *sp == ' '; sp++)
			;
		sp += strcspn(sp, " ");
		wlen = (size_t)(sp - p);
		if (col + wlen > 78 && col > strlen(name) + 2 && *p == ' ') {
			mail_buf_puts(b, "\r\n");
			col = 0;
		}
		mail_buf_add(b, p, wlen);
		col += wlen;
		p = sp;
	}
	mail_buf_puts(b, "\r\n");
}

/* Append the Subject: plain when it is short ASCII, else encoded-words. */
static void
mail_add_subject(struct mail_buf *b, const char *subject)
{
	/* "=?" in plain text could be read as an encoded-word: encode that too. */
	if (mail_is_ascii(subject) && strstr(subject, "=?") == NULL && strlen(subject) < 900) {
		mail_add_folded(b, "Subject", subject);
		return;
	}
	mail_buf_puts(b, "Subject: ");
	mail_add_encoded_words(b, subject);
	mail_buf_puts(b, "\r\n");
}

/* Append the From header: display name as atoms, quoted-string or encoded-words, then <addr>. */
static void
mail_add_from(struct mail_buf *b, const char *name, const char *addr)
{
	const char *p;

	if (name == NULL) {
		mail_buf_printf(b, "From: %s\r\n", addr);
		return;
	}
	mail_buf_puts(b, "From: ");
	if (!mail_is_ascii(name) || strstr(name, "=?") != NULL)
		mail_add_encoded_words(b, name);
	else if (strpbrk(name, "()<>[]:;@\\,.\"") == NULL)
		mail_buf_puts(b, name);
	else {
		mail_buf_puts(b, "\"");
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				mail_buf_puts(b, "\\");
			mail_buf_add(b, p, 1);
		}
		mail_buf_puts(b, "\"");
	}
	mail_buf_printf(b, " <%s>\r\n", addr);
}

/* Append an RFC 5322 date in UTC ("Mon, 01 Mar 2021 09:00:00 +0000"), independent of the locale. */
static void
mail_add_date(struct mail_buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
		"Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	mail_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday], tm.tm_mday,
	    months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Append text as quoted-printable with CRLF line ends (LF or CRLF in the input both end a line);
 * soft breaks keep lines at 76 characters, and trailing blanks are encoded so no relay strips them.
 */
static void
mail_add_qp(struct mail_buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *line = (const unsigned char *)text, *nl;
	size_t linelen, i, col, toklen;
	unsigned char c;
	char tok[3];

	for (;;) {
		nl = (const unsigned char *)strchr((const char *)line, '\n');
		linelen = nl != NULL ? (size_t)(nl - line) : strlen((const char *)line);
		if (nl != NULL && linelen > 0 && line[linelen - 1] == '\r')
			linelen--;
		if (nl == NULL && linelen == 0 && line != (const unsigned char *)text)
			break;
		col = 0;
		for (i = 0; i < linelen; i++) {
			c = line[i];
			if (c == '=' || (c < 0x20 && c != '\t') || c >= 0x7f ||
			    ((c == ' ' || c == '\t') && i == linelen - 1)) {
				tok[0] = '=', tok[1] = hex[c >> 4], tok[2] = hex[c & 15];
				toklen = 3;
			} else {
				tok[0] = (char)c;
				toklen = 1;
			}
			if (col + toklen > 75) {
				mail_buf_puts(b, "=\r\n");
				col = 0;
			}
			mail_buf_add(b, tok, toklen);
			col += toklen;
		}
		mail_buf_puts(b, "\r\n");
		if (nl == NULL)
			break;
		line = nl + 1;
	}
}

/* Append data as base64 in lines of 76 characters. */
static void
mail_add_base64(struct mail_buf *b, const char *data, size_t len)
{
	size_t off, n;
	char *enc;

	for (off = 0; off < len; off += n) {
		n = len - off > 57 ? 57 : len - off;
		enc = mail_base64(data + off, n);
		mail_buf_printf(b, "%s\r\n", enc);
		free(enc);
	}
}

/* Append a text part (headers, blank line, body): subtype "plain" or "html". */
static void
mail_add_text_part(struct mail_buf *b, const char *subtype, const char *body)
{
	mail_buf_printf(b, "Content-Type: text/%s; charset=utf-8\r\n", subtype);
	mail_buf_puts(b, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	mail_add_qp(b, body != NULL ? body : "");
}

/* Append the readable body: text alone, or text and HTML as multipart/alternative. */
static void
mail_add_body(struct mail_buf *b, const struct notice *n, const char *boundary)
{
	if (n->body_html == NULL) {
		mail_add_text_part(b, "plain", n->body_text);
		return;
	}
	mail_buf_printf(b, "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	mail_buf_printf(b, "--%s\r\n", boundary);
	mail_add_text_part(b, "plain", n->body_text);
	mail_buf_printf(b, "--%s\r\n", boundary);
	mail_add_text_part(b, "html", n->body_html);
	mail_buf_printf(b, "--%s--\r\n", boundary);
}

/* Append a filename parameter: quoted ASCII, or RFC 2231 percent-encoded UTF-8. */
static void
mail_add_filename(struct mail_buf *b, const char *param, const char *name)
{
	const unsigned char *p;

	if (mail_is_ascii(name)) {
		mail_buf_printf(b, "%s=\"", param);
		for (p = (const unsigned char *)name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				mail_buf_puts(b, "\\");
			mail_buf_add(b, p, 1);
		}
		mail_buf_puts(b, "\"");
		return;
	}
	mail_buf_printf(b, "%s*=UTF-8''", param);
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p) != NULL)
			mail_buf_add(b, p, 1);
		else
			mail_buf_printf(b, "%%%02X", *p);
	}
}

/* Append one attachment part. */
static void
mail_add_attachment(struct mail_buf *b, const struct attachment *a)
{
	mail_buf_printf(
	    b, "Content-Type: %s;\r\n ", a->content_type != NULL ? a->content_type : "application/octet-stream");
	mail_add_filename(b, "name", a->filename);
	mail_buf_puts(b, "\r\nContent-Disposition: attachment;\r\n ");
	mail_add_filename(b, "filename", a->filename);
	mail_buf_puts(b, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
	mail_add_base64(b, a->data, a->len);
}

/* Check everything that reaches a header before writing a byte. */
static int
mail_check_notice(const struct notice *n, const char *from_addr, const char *from_name, char **cause)
{
	const struct attachment *a;
	const char *k;
	size_t i;

	if (mail_check_value("subject", n->subject, cause) != 0)
		return -1;
	if (mail_check_value("recipient", n->recipient, cause) != 0)
		return -1;
	if (!mail_is_address(n->recipient)) {
		xasprintf(cause, "recipient is not one plain address (local@domain)");
		return -1;
	}
	if (!mail_is_address(from_addr)) {
		xasprintf(cause, "from is not an address (local@domain)");
		return -1;
	}
	if (from_name != NULL && mail_check_value("from display name", from_name, cause) != 0)
		return -1;
	if (n->kind == NULL || *n->kind == '\0') {
		xasprintf(cause, "notice has no kind");
		return -1;
	}
	for (k = n->kind; *k != '\0'; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-' || *k == '_')) {
			xasprintf(cause, "kind is not a lower-case word");
			return -1;
		}
	}
	if (n->body_text != NULL && !mail_utf8_valid(n->body_text)) {
		xasprintf(cause, "text body is not valid UTF-8");
		return -1;
	}
	if (n->body_html != NULL && !mail_utf8_valid(n->body_html)) {
		xasprintf(cause, "HTML body is not valid UTF-8");
		return -1;
	}
	for (i = 0; i < n->nattachments; i++) {
		a = &n->attachments[i];
		if (mail_check_value("attachment filename", a->filename, cause) != 0)
			return -1;
		if (a->content_type != NULL) {
			if (mail_check_value("attachment content type", a->content_type, cause) != 0)
				return -1;
			if (!mail_is_ascii(a->content_type)) {
				xasprintf(cause, "attachment content type is not ASCII");
				return -1;
			}
		}
		if (a->len > 0 && a->data == NULL) {
			xasprintf(cause, "attachment %zu has no data", i + 1);
			return -1;
		}
	}
	return 0;
}

/* Build the message; see mail_message.h. */
int
mail_message_build(const struct notice *n, const char *from, const char *domain, char **out, size_t *len, char **cause)
{
	struct mail_buf b = { NULL, 0, 0 };
	char *from_addr = NULL, *from_name = NULL, *msgid = NULL, *mixed = NULL, *alt = NULL;
	const char *hash;
	size_t i;

	*out = NULL;
	*len = 0;
	*cause = NULL;
	if (from == NULL || mail_check_value("from", from, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "no from address");
		goto fail;
	}
	from_addr = mail_address_of(from);
	from_name = mail_display_name(from);
	if (mail_check_notice(n, from_addr, from_name, cause) != 0)
		goto fail;
	if (domain == NULL)
		domain = strchr(from_addr, '@') + 1;
	if (!mail_no_controls(domain) || strpbrk(domain, " <>@") != NULL) {
		xasprintf(cause, "Message-ID domain is not a plain domain");
		goto fail;
	}
	msgid = notice_message_id(n, domain);
	/*
	 * Boundaries from the Message-ID's hash: the same for every attempt, and "=_" can appear in
	 * neither quoted-printable nor base64 text, so no body line can be mistaken for one.
	 */
	hash = strchr(msgid + strlen("<dw."), '.') + 1;
	xasprintf(&mixed, "=_dw_mixed_%.12s", hash);
	xasprintf(&alt, "=_dw_alt_%.12s", hash);

	mail_add_from(&b, from_name, from_addr);
	mail_buf_printf(&b, "To: %s\r\n", n->recipient);
	mail_add_subject(&b, n->subject);
	mail_add_date(&b, n->now);
	mail_buf_printf(&b, "Message-ID: %s\r\n", msgid);
	mail_buf_puts(&b, "MIME-Version: 1.0\r\n");
	/* RFC 3834, and Exchange's own header: no out-of-office replies to a robot. */
	mail_buf_puts(&b, "Auto-Submitted: auto-generated\r\n");
	mail_buf_puts(&b, "X-Auto-Response-Suppress: All\r\n");
	mail_buf_printf(&b, "X-Driftwatch-Notice: %s %lld\r\n", n->kind, (long long)n->id);
	if (n->nattachments == 0)
		mail_add_body(&b, n, alt);
	else {
		mail_buf_printf(&b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", mixed);
		mail_buf_puts(&b, "This is a multi-part message in MIME format.\r\n");
		mail_buf_printf(&b, "--%s\r\n", mixed);
		mail_add_body(&b, n, alt);
		for (i = 0; i < n->nattachments; i++) {
			mail_buf_printf(&b, "--%s\r\n", mixed);
			mail_add_attachment(&b, &n->attachments[i]);
		}
		mail_buf_printf(&b, "--%s--\r\n", mixed);
	}
	*out = b.p;
	*len = b.len;
	free(from_addr), free(from_name), free(msgid), free(mixed), free(alt);
	return 0;

fail:
	free(b.p);
	free(from_addr), free(from_name), free(msgid), free(mixed), free(alt);
	return -1;
}
