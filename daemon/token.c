/*
 * token.c: signed tokens for answer links and calendar feeds; see token.h. The payload is binary so
 * that reading it is a walk over fixed fields and length-prefixed strings, each byte checked, and
 * a token is short enough for a link in an email.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "store_links.h"
#include "token.h"
#include "xmalloc.h"

static const char token_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* See token.h. */
const char *
token_status_text(enum token_status st)
{
	switch (st) {
	case TOKEN_OK:
		return "the link is good";
	case TOKEN_MALFORMED:
		return "this is not a whole driftwatch link (it may have been cut short when it was copied)";
	case TOKEN_UNKNOWN_KEY:
		return "this link was not made by this driftwatch";
	case TOKEN_BAD_SIGNATURE:
		return "this link has been changed since it was sent";
	case TOKEN_KEY_RETIRED:
		return "this link was signed with a key that has since been replaced";
	case TOKEN_EXPIRED:
		return "this link has expired";
	case TOKEN_WRONG_PURPOSE:
		return "this link is not an answer link";
	case TOKEN_USED:
		return "this link has already been used";
	case TOKEN_UNAVAILABLE:
		return "driftwatch cannot reach its database just now";
	}
	return "this link cannot be used";
}

/* Append n bytes as unpadded base64url to out (which has room). Returns the characters written. */
static size_t
token_b64_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = token_b64[v >> 18 & 63];
		out[o++] = token_b64[v >> 12 & 63];
		out[o++] = token_b64[v >> 6 & 63];
		out[o++] = token_b64[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = token_b64[v >> 18 & 63];
		out[o++] = token_b64[v >> 12 & 63];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = token_b64[v >> 18 & 63];
		out[o++] = token_b64[v >> 12 & 63];
		out[o++] = token_b64[v >> 6 & 63];
	}
	return o;
}

/* One base64url character's value, or -1. */
static int
token_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * Decode n characters of unpadded base64url into out (at most max bytes). Strict: any other
 * character, a length no encoder makes, or stray low bits in the last character is -1, so one
 * token has one spelling. Returns the bytes written.
 */
static long
token_b64_decode(const char *in, size_t n, unsigned char *out, size_t max)
{
	size_t i, o = 0, rest = n % 4;
	uint32_t v = 0;
	int c, k = 0;

	if (rest == 1 || (n / 4) * 3 + (rest == 0 ? 0 : rest - 1) > max)
		return -1;
	for (i = 0; i < n; i++) {
		if ((c = token_b64_value((unsigned char)in[i])) < 0)
			return -1;
		v = v << 6 | (uint32_t)c;
		if (++k == 4) {
			out[o++] = v >> 16 & 0xff;
			out[o++] = v >> 8 & 0xff;
			out[o++] = v & 0xff;
			v = 0, k = 0;
		}
	}
	if (k == 2) {
		if (v & 0xf)
			return -1;
		out[o++] = v >> 4 & 0xff;
	} else if (k == 3) {
		if (v & 0x3)
			return -1;
		out[o++] = v >> 10 & 0xff;
		out[o++] = v >> 2 & 0xff;
	}
	return (long)o;
}

/* Big-endian integers into and out of the payload. */
static void
token_put_be(unsigned char *p, uint64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = v & 0xff;
}

static uint64_t
token_get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The fixed part: version, key id, purpose, domain, expiry, nonce, id, due. */
#define TOKEN_FIXED_LEN (1 + 4 + 1 + 1 + 8 + TOKEN_NONCE_LEN + 8 + 4)

/* Append one length-prefixed string; -1 when it is too long for its field. */
static int
token_put_string(unsigned char *p, size_t *len, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= max || n > 255)
		return -1;
	p[(*len)++] = (unsigned char)n;
	memcpy(p + *len, s, n);
	*len += n;
	return 0;
}

/* The signed bytes of t; -1 when a field is too long. */
static int
token_payload(const struct token *t, unsigned char *p, size_t *len)
{
	p[0] = TOKEN_VERSION;
	token_put_be(p + 1, t->key_id, 4);
	p[5] = (unsigned char)t->purpose;
	p[6] = (unsigned char)t->domain;
	token_put_be(p + 7, (uint64_t)t->expires, 8);
	memcpy(p + 15, t->nonce, TOKEN_NONCE_LEN);
	token_put_be(p + 15 + TOKEN_NONCE_LEN, (uint64_t)t->id, 8);
	token_put_be(p + 23 + TOKEN_NONCE_LEN, (uint64_t)(uint32_t)t->due, 4);
	*len = TOKEN_FIXED_LEN;
	if (token_put_string(p, len, t->action, sizeof t->action) != 0 ||
	    token_put_string(p, len, t->ref, sizeof t->ref) != 0 ||
	    token_put_string(p, len, t->plan, sizeof t->plan) != 0 ||
	    token_put_string(p, len, t->recipient, sizeof t->recipient) != 0)
		return -1;
	return 0;
}

/* HMAC-SHA256 of the payload. */
static int
token_mac(const unsigned char *payload, size_t len, const unsigned char *secret, size_t secretlen,
    unsigned char mac[TOKEN_MAC_LEN])
{
	unsigned int maclen = TOKEN_MAC_LEN;

	if (HMAC(EVP_sha256(), secret, (int)secretlen, payload, len, mac, &maclen) == NULL || maclen != TOKEN_MAC_LEN)
		return -1;
	return 0;
}

/* See token.h. */
char *
token_encode(const struct token *t, const unsigned char *secret, size_t secretlen)
{
	unsigned char payload[TOKEN_PAYLOAD_MAX], mac[TOKEN_MAC_LEN];
	size_t len, o;
	char *text;

	if (token_payload(t, payload, &len) != 0 || token_mac(payload, len, secret, secretlen, mac) != 0)
		return NULL;
	text = xmalloc(TOKEN_TEXT_MAX + 1);
	o = token_b64_encode(payload, len, text);
	text[o++] = '.';
	o += token_b64_encode(mac, TOKEN_MAC_LEN, text + o);
	text[o] = '\0';
	return text;
}

/* Read one length-prefixed string into out (max bytes with its NUL); -1 when cut short or bad. */
static int
token_get_string(const unsigned char *p, size_t len, size_t *off, char *out, size_t max)
{
	size_t n, i;

	if (*off >= len)
		return -1;
	n = p[(*off)++];
	if (n >= max || n > len - *off)
		return -1;
	/* Printable ASCII only: an address, a reference or an action name, never a control byte. */
	for (i = 0; i < n; i++) {
		if (p[*off + i] < 0x20 || p[*off + i] > 0x7e)
			return -1;
	}
	memcpy(out, p + *off, n);
	out[n] = '\0';
	*off += n;
	return 0;
}

/* See token.h. */
enum token_status
token_decode(
    const char *text, struct token *t, unsigned char *payload, size_t *paylen, unsigned char mac[TOKEN_MAC_LEN])
{
	const char *dot;
	size_t textlen, off;
	long n;

	memset(t, 0, sizeof *t);
	textlen = strnlen(text, TOKEN_TEXT_MAX + 1);
	if (textlen > TOKEN_TEXT_MAX || (dot = memchr(text, '.', textlen)) == NULL)
		return TOKEN_MALFORMED;
	if ((n = token_b64_decode(text, (size_t)(dot - text), payload, TOKEN_PAYLOAD_MAX)) < TOKEN_FIXED_LEN)
		return TOKEN_MALFORMED;
	*paylen = (size_t)n;
	if (token_b64_decode(dot + 1, textlen - (size_t)(dot + 1 - text), mac, TOKEN_MAC_LEN) != TOKEN_MAC_LEN)
		return TOKEN_MALFORMED;
	if (payload[0] != TOKEN_VERSION)
		return TOKEN_MALFORMED;
	t->key_id = (uint32_t)token_get_be(payload + 1, 4);
	t->purpose = (char)payload[5];
	t->domain = (char)payload[6];
	if (strchr("adrsn", t->domain) == NULL || t->domain == '\0' ||
	    (t->purpose != TOKEN_ANSWER && t->purpose != TOKEN_FEED))
		return TOKEN_MALFORMED;
	t->expires = (int64_t)token_get_be(payload + 7, 8);
	memcpy(t->nonce, payload + 15, TOKEN_NONCE_LEN);
	t->id = (int64_t)token_get_be(payload + 15 + TOKEN_NONCE_LEN, 8);
	t->due = (int32_t)(uint32_t)token_get_be(payload + 23 + TOKEN_NONCE_LEN, 4);
	off = TOKEN_FIXED_LEN;
	if (token_get_string(payload, *paylen, &off, t->action, sizeof t->action) != 0 ||
	    token_get_string(payload, *paylen, &off, t->ref, sizeof t->ref) != 0 ||
	    token_get_string(payload, *paylen, &off, t->plan, sizeof t->plan) != 0 ||
	    token_get_string(payload, *paylen, &off, t->recipient, sizeof t->recipient) != 0 || off != *paylen)
		return TOKEN_MALFORMED;
	return TOKEN_OK;
}

/* See token.h. */
enum token_status
token_verify_mac(const unsigned char *payload, size_t paylen, const unsigned char *mac, const unsigned char *secret,
    size_t secretlen)
{
	unsigned char want[TOKEN_MAC_LEN];

	if (token_mac(payload, paylen, secret, secretlen, want) != 0)
		return TOKEN_BAD_SIGNATURE;
	return CRYPTO_memcmp(want, mac, TOKEN_MAC_LEN) == 0 ? TOKEN_OK : TOKEN_BAD_SIGNATURE;
}

/* See token.h. */
int
token_rotate(struct store *s, time_t now, uint32_t *id, char **cause)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	int rc;

	if (RAND_bytes(secret, sizeof secret) != 1) {
		xasprintf(cause, "token: no random bytes for a signing key");
		return -1;
	}
	rc = store_link_key_add(s, secret, sizeof secret, now, id, cause);
	OPENSSL_cleanse(secret, sizeof secret);
	return rc;
}

/* See token.h. */
char *
token_make(struct store *s, struct token *t, time_t now, char **cause)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	char *text;
	int rc;

	if ((rc = store_link_key_current(s, &t->key_id, secret, sizeof secret, cause)) < 0)
		return NULL;
	if (rc == 1) {
		/* The first link this database signs: make its key. */
		if (token_rotate(s, now, &t->key_id, cause) != 0 ||
		    store_link_key_current(s, &t->key_id, secret, sizeof secret, cause) != 0)
			return NULL;
	}
	if (RAND_bytes(t->nonce, TOKEN_NONCE_LEN) != 1) {
		OPENSSL_cleanse(secret, sizeof secret);
		xasprintf(cause, "token: no random bytes for a nonce");
		return NULL;
	}
	text = token_encode(t, secret, sizeof secret);
	OPENSSL_cleanse(secret, sizeof secret);
	if (text == NULL)
		xasprintf(cause, "token: a field is too long for a link (action %.32s)", t->action);
	return text;
}

/* See token.h. */
enum token_status
token_check(struct store *s, const char *text, char purpose, time_t now, long grace_seconds, struct token *t)
{
	unsigned char payload[TOKEN_PAYLOAD_MAX], mac[TOKEN_MAC_LEN], secret[TOKEN_SECRET_LEN];
	enum token_status st;
	time_t retired_at;
	size_t paylen;
	char *cause = NULL;
	int rc;

	if ((st = token_decode(text, t, payload, &paylen, mac)) != TOKEN_OK)
		return st;
	if ((rc = store_link_key_get(s, t->key_id, secret, sizeof secret, &retired_at, &cause)) < 0) {
		free(cause);
		return TOKEN_UNAVAILABLE;
	}
	if (rc == 1)
		return TOKEN_UNKNOWN_KEY;
	st = token_verify_mac(payload, paylen, mac, secret, sizeof secret);
	OPENSSL_cleanse(secret, sizeof secret);
	/* The signature first: nothing else a token says is believed before it. */
	if (st != TOKEN_OK)
		return st;
	if (retired_at != 0 && now >= retired_at + grace_seconds)
		return TOKEN_KEY_RETIRED;
	if (now >= t->expires)
		return TOKEN_EXPIRED;
	if (t->purpose != purpose)
		return TOKEN_WRONG_PURPOSE;
	return TOKEN_OK;
}

/* The store's 0 (not used), 1 (used) or -1 as a status. */
static enum token_status
token_used_status(int rc)
{
	return rc == 0 ? TOKEN_OK : rc == 1 ? TOKEN_USED : TOKEN_UNAVAILABLE;
}

/* See token.h. */
enum token_status
token_seen(struct store *s, const struct token *t)
{
	return token_used_status(store_link_is_used(s, t->nonce, TOKEN_NONCE_LEN));
}

/* See token.h. */
enum token_status
token_use(struct store *s, const struct token *t, time_t now, char **cause)
{
	return token_used_status(store_link_use(s, t->nonce, TOKEN_NONCE_LEN, t->action, now, cause));
}
