/*
 * send_webhook.c: the webhook transport. One HTTPS POST per notice (plain http only to loopback),
 * the body built with jansson in one of two formats: "json" (our schema, the notice's payload
 * merged in) or "teams" (a Microsoft Teams Workflows message holding an Adaptive Card, kept under
 * Teams' 28 KB limit). Every request is signed per the Standard Webhooks spec, with an id and a
 * timestamp that do not change across attempts, so a receiver can verify it and drop repeats.
 *
 * Outcomes: 2xx sent; 410 the endpoint is gone (disable it); 408, 425, 429, 5xx, timeouts and
 * connection errors retry, honouring Retry-After; any other 4xx fails at once (resending the same
 * request would get the same answer).
 */
#include <ctype.h>
#include <stdbool.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jsonw.h"
#include "log.h"
#include "transport.h"
#include "transport_int.h"
#include "webhook.h"
#include "xmalloc.h"

/* Longest subject a Teams card shows before we cut it. */
#define WEBHOOK_TEAMS_SUBJECT_MAX 1024

/* Is key one of the members our json schema sets (which a payload cannot replace)? */
static bool
webhook_own_key(const char *key)
{
	static const char *const own[] = { "id", "kind", "notice", "dedupe_key", "recipient", "subject", "text", NULL };
	int i;

	for (i = 0; own[i] != NULL; i++) {
		if (strcmp(key, own[i]) == 0)
			return true;
	}
	return false;
}

/*
 * Our json schema: identity, recipient label, subject, text, and the payload's members after ours
 * (a payload that is not an object goes in as "payload"). Written by hand rather than built as a
 * jansson tree and dumped: this is every webhook's body, and the tree cost more than the rest of
 * the notice's own work together. The bytes are those the tree gave (test_webhook_sign checks it
 * against jansson); only a payload is parsed, with jansson.
 */
static char *
webhook_json_body(const struct notice *n, const char *id, char **cause)
{
	struct jsonw b = { NULL, 0, 0 };
	json_t *payload = NULL, *value;
	json_error_t jerr;
	const char *key;
	char num[32], *s;

	jsonw_grow(&b, 256 + (n->body_text != NULL ? strlen(n->body_text) : 0));
	jsonw_add(&b, "{", 1);
	if (jsonw_member(&b, "id", id) != 0 || jsonw_member(&b, "kind", n->kind) != 0)
		goto bad_utf8;
	jsonw_add(&b, num, (size_t)snprintf(num, sizeof num, ",\"notice\":%lld", (long long)n->id));
	if (jsonw_member(&b, "dedupe_key", n->dedupe_key) != 0 || jsonw_member(&b, "recipient", n->recipient) != 0 ||
	    jsonw_member(&b, "subject", n->subject) != 0 || jsonw_member(&b, "text", n->body_text) != 0)
		goto bad_utf8;
	if (n->payload != NULL) {
		if ((payload = json_loads(n->payload, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
			xasprintf(cause, "payload is not JSON: line %d: %s", jerr.line, jerr.text);
			goto fail;
		}
		/* Our members win: a payload cannot change the id a receiver deduplicates on. */
		if (!json_is_object(payload)) {
			s = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
			jsonw_add(&b, ",\"payload\":", 11);
			jsonw_add(&b, s, strlen(s));
			free(s);
		} else {
			json_object_foreach(payload, key, value) {
				/* "card" is the Teams card the notice layer drew: the teams format's, not ours. */
				if (webhook_own_key(key) || strcmp(key, "card") == 0)
					continue;
				jsonw_add(&b, ",", 1);
				(void)jsonw_string(&b, key); /* jansson took it: UTF-8 */
				jsonw_add(&b, ":", 1);
				s = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
				jsonw_add(&b, s, strlen(s));
				free(s);
			}
		}
		json_decref(payload);
	}
	jsonw_add(&b, "}", 1);
	return b.p;

bad_utf8:
	xasprintf(cause, "a field of the notice is not valid UTF-8");
fail:
	free(b.p);
	return NULL;
}

/* A Teams Workflows message: one Adaptive Card with the subject in bold and the text. */
static json_t *
webhook_teams_doc(const char *subject, const char *text)
{
	json_t *title, *body, *card, *ts, *tt;

	if ((ts = json_string(subject)) == NULL || (tt = json_string(text)) == NULL) {
		json_decref(ts);
		return NULL;
	}
	title = json_pack("{s:s, s:o, s:s, s:s, s:b}", "type", "TextBlock", "text", ts, "weight", "Bolder", "size",
	    "Medium", "wrap", 1);
	body = json_pack("{s:s, s:o, s:b}", "type", "TextBlock", "text", tt, "wrap", 1);
	card = json_pack("{s:s, s:s, s:s, s:[o, o]}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type", "AdaptiveCard", "version", "1.4", "body", title, body);
	return json_pack("{s:s, s:[{s:s, s:n, s:o}]}", "type", "message", "attachments", "contentType",
	    "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
}

/* The longest prefix of s at most max bytes that ends between UTF-8 characters. */
static size_t
webhook_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* The Adaptive Card a notice's payload carries (drawn by notice_render.c), as a Teams message under
 * the limit; NULL when it has none or it is too large (the card from the text is posted instead). */
static char *
webhook_teams_card(const struct notice *n)
{
	json_t *payload, *card, *doc;
	char *s = NULL;

	if (n->payload == NULL || (payload = json_loads(n->payload, 0, NULL)) == NULL)
		return NULL;
	if ((card = json_object_get(payload, "card")) != NULL && json_is_object(card)) {
		doc = json_pack("{s:s, s:[{s:s, s:n, s:O}]}", "type", "message", "attachments", "contentType",
		    "application/vnd.microsoft.card.adaptive", "contentUrl", "content", card);
		if (doc != NULL && (s = json_dumps(doc, JSON_COMPACT)) != NULL && strlen(s) >= WEBHOOK_TEAMS_MAX) {
			free(s);
			s = NULL;
		}
		json_decref(doc);
	}
	json_decref(payload);
	return s;
}

/* The teams body: the notice's own card, else the text cut (with a note) until the whole document
 * is under the limit. */
static char *
webhook_teams_body(const struct notice *n, char **cause)
{
	static const char note[] = "\n\n[Truncated: the full text was too long for Teams.]";
	const char *text = n->body_text != NULL ? n->body_text : "";
	size_t tlen = strlen(text), keep = tlen, slen = strlen(n->subject), out;
	char *subject, *cut, *s = NULL;
	json_t *doc;

	if ((s = webhook_teams_card(n)) != NULL)
		return s;
	subject = xstrndup(n->subject, webhook_utf8_cut(n->subject, slen, WEBHOOK_TEAMS_SUBJECT_MAX));
	for (;;) {
		if (keep == tlen)
			cut = xstrdup(text);
		else {
			cut = xmalloc(keep + sizeof note);
			memcpy(cut, text, keep);
			memcpy(cut + keep, note, sizeof note);
		}
		doc = webhook_teams_doc(subject, cut);
		free(cut);
		if (doc == NULL) {
			xasprintf(cause, "subject or text is not valid UTF-8");
			break;
		}
		s = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
		if ((out = strlen(s)) < WEBHOOK_TEAMS_MAX)
			break;
		free(s);
		s = NULL;
		if (keep == 0) {
			xasprintf(cause, "teams card is too large even without its text");
			break;
		}
		/* Escaping only grows the text, so cutting the overshoot in raw bytes is enough (or more). */
		out = out - WEBHOOK_TEAMS_MAX + 1 + (keep == tlen ? sizeof note : 0);
		keep = out >= keep ? 0 : webhook_utf8_cut(text, tlen, keep - out);
	}
	free(subject);
	return s;
}

/* The document to post, for the notice's webhook id. */
static char *
webhook_body_id(const struct notice *n, const char *format, const char *id, char **cause)
{
	if (n->subject == NULL) {
		xasprintf(cause, "notice has no subject");
		return NULL;
	}
	if (format == NULL || strcmp(format, "json") == 0)
		return webhook_json_body(n, id, cause);
	if (strcmp(format, "teams") == 0)
		return webhook_teams_body(n, cause);
	xasprintf(cause, "unknown webhook format \"%s\"", format);
	return NULL;
}

/* The document to post; see webhook.h. */
char *
webhook_body(const struct notice *n, const char *format, char **cause)
{
	char *id = notice_webhook_id(n), *s;

	s = webhook_body_id(n, format, id, cause);
	free(id);
	return s;
}

/* The signing key: base64 after "whsec_", else the secret's own bytes. -1 if the base64 is bad. */
static int
webhook_key(const char *secret, unsigned char **key, size_t *keylen)
{
	const char *b64;
	size_t n, pad = 0;
	int got;

	if (strncmp(secret, "whsec_", 6) != 0) {
		*keylen = strlen(secret);
		*key = (unsigned char *)xstrdup(secret);
		return 0;
	}
	b64 = secret + 6;
	n = strlen(b64);
	if (n == 0 || n % 4 != 0)
		return -1;
	if (b64[n - 1] == '=')
		pad++;
	if (b64[n - 2] == '=')
		pad++;
	*key = xmalloc(n / 4 * 3 + 1);
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	if ((got = EVP_DecodeBlock(*key, (const unsigned char *)b64, (int)n)) < 0 || (size_t)got < pad) {
		free(*key);
		*key = NULL;
		return -1;
	}
	*keylen = (size_t)got - pad;
	return 0;
}

/*
 * The HMAC-SHA256 of a secret, keyed once and re-initialised for each message (EVP_MAC_init with
 * no key keeps the key: keying costs two hash blocks, and copying a keyed context for each message
 * cost twice what signing did).
 */
struct webhook_signer {
	EVP_MAC_CTX *keyed;
};

/* A signer for a secret; NULL when the secret is unusable (whsec_ with bad base64). */
static struct webhook_signer *
webhook_signer_new(const char *secret)
{
	static EVP_MAC *hmac;
	struct webhook_signer *sg;
	OSSL_PARAM params[2];
	unsigned char *key;
	size_t keylen;

	if (secret == NULL || webhook_key(secret, &key, &keylen) != 0)
		return NULL;
	/* Fetched once: an implicit fetch on every message costs more than the HMAC itself. */
	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	sg = xcalloc(1, sizeof *sg);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((sg->keyed = EVP_MAC_CTX_new(hmac)) == NULL || EVP_MAC_init(sg->keyed, key, keylen, params) != 1) {
		EVP_MAC_CTX_free(sg->keyed);
		free(sg);
		goto fail;
	}
	explicit_bzero(key, keylen);
	free(key);
	return sg;

fail:
	explicit_bzero(key, keylen);
	free(key);
	return NULL;
}

/* Free a signer (NULL is fine). */
static void
webhook_signer_free(struct webhook_signer *sg)
{
	if (sg == NULL)
		return;
	EVP_MAC_CTX_free(sg->keyed);
	free(sg);
}

/* Room for "v1," and the base64 of a SHA-256 (44 characters) and its NUL. */
#define WEBHOOK_SIG_MAX 48

/* sig = "v1,<base64 HMAC-SHA256 of id.timestamp.body>"; -1 if OpenSSL fails. */
static int
webhook_sign(struct webhook_signer *sg, const char *id, long long timestamp, const char *body, size_t len,
    char sig[WEBHOOK_SIG_MAX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char prefix[128];
	size_t mdlen = 0;
	int plen;

	plen = snprintf(prefix, sizeof prefix, "%s.%lld.", id, timestamp);
	if (plen < 0 || (size_t)plen >= sizeof prefix || EVP_MAC_init(sg->keyed, NULL, 0, NULL) != 1)
		return -1;
	if (EVP_MAC_update(sg->keyed, (const unsigned char *)prefix, (size_t)plen) != 1 ||
	    EVP_MAC_update(sg->keyed, (const unsigned char *)body, len) != 1 ||
	    EVP_MAC_final(sg->keyed, md, &mdlen, sizeof md) != 1 || mdlen != 32)
		return -1;
	memcpy(sig, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)sig + 3, md, (int)mdlen); /* 44 characters and a NUL */
	return 0;
}

/* Sign per Standard Webhooks; see webhook.h. */
char *
webhook_signature(const char *secret, const char *id, long long timestamp, const char *body, size_t len)
{
	struct webhook_signer *sg;
	char sig[WEBHOOK_SIG_MAX];
	int rc;

	if ((sg = webhook_signer_new(secret)) == NULL)
		return NULL;
	rc = webhook_sign(sg, id, timestamp, body, len, sig);
	webhook_signer_free(sg);
	return rc == 0 ? xstrdup(sig) : NULL;
}

/* Seconds from Retry-After; see webhook.h. */
long
webhook_parse_retry_after(const char *value, time_t now)
{
	const char *p;
	char *end;
	long secs;
	time_t t;

	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		for (p = value; isdigit((unsigned char)*p); p++)
			;
		if (p - value > 9)
			return 7 * 86400; /* absurdly large: a week */
		secs = strtol(value, &end, 10);
		while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
			end++;
		return *end == '\0' ? secs : 0;
	}
	if ((t = curl_getdate(value, NULL)) == -1 || t <= now)
		return 0;
	return t - now > 7 * 86400 ? 7 * 86400 : (long)(t - now);
}

/* Check the config: URL scheme (http only to loopback), format, secret. */
static int
send_webhook_init(struct transport *t, char **cause)
{
	const struct transport_config *c = &t->cfg;
	char *scheme = NULL;
	int loop;

	if (c->url == NULL || (scheme = transport_url_scheme(c->url)) == NULL) {
		xasprintf(cause, "url must be https://...");
		goto fail;
	}
	if ((loop = transport_url_is_loopback(c->url)) < 0) {
		xasprintf(cause, "url does not parse");
		goto fail;
	}
	if (strcmp(scheme, "https") != 0 && !(strcmp(scheme, "http") == 0 && loop)) {
		xasprintf(cause, "url must be https:// (http:// only to loopback)");
		goto fail;
	}
	if (c->format != NULL && strcmp(c->format, "json") != 0 && strcmp(c->format, "teams") != 0) {
		xasprintf(cause, "format \"%s\" is not json or teams", c->format);
		goto fail;
	}
	if (c->secret != NULL && (t->priv = webhook_signer_new(c->secret)) == NULL) {
		xasprintf(cause, "secret starts with whsec_ but the rest is not base64");
		goto fail;
	}
	if (!c->verify)
		log_warnx("transport %s: TLS certificate verification is off", c->name);
	free(scheme);
	return 0;

fail:
	free(scheme);
	return -1;
}

/* CURLOPT_HEADERFUNCTION: remember Retry-After from the final response. */
static size_t
send_webhook_header_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct transport_job *job = arg;
	size_t n = size * nitems;
	char *line;

	if (n >= 5 && strncmp(buf, "HTTP/", 5) == 0)
		job->retry_after = 0; /* a new response (after 100 Continue) */
	else if (n > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
		line = xstrndup(buf + 12, n - 12);
		job->retry_after = webhook_parse_retry_after(line, job->now);
		free(line);
	}
	return n;
}

/* Build, sign and start the POST. */
static int
send_webhook_send(struct transport *t, struct transport_job *job, const struct notice *n, char **cause)
{
	const struct transport_config *c = &t->cfg;
	char *id, h[160], sig[WEBHOOK_SIG_MAX];
	CURL *easy;

	/* Signed with the real time of this attempt whatever the caller's clock (DRIFTWATCH_NOW included):
	 * receivers refuse a webhook-timestamp far from their own clock, and a Retry-After date is
	 * theirs too. */
	job->now = time(NULL);
	id = notice_webhook_id(n);
	if ((job->data = webhook_body_id(n, c->format, id, cause)) == NULL) {
		free(id);
		return -1;
	}
	job->len = strlen(job->data);
	log_debug("transport %s: notice %lld: %s, %zu bytes", c->name, (long long)n->id, id, job->len);
	job->list = curl_slist_append(job->list, "Content-Type: application/json");
	/* No "Expect: 100-continue" round trip for bodies over 1 KB. */
	job->list = curl_slist_append(job->list, "Expect:");
	/* Formatted on the stack: curl copies each header. */
	snprintf(h, sizeof h, "webhook-id: %s", id);
	job->list = curl_slist_append(job->list, h);
	snprintf(h, sizeof h, "webhook-timestamp: %lld", (long long)job->now);
	job->list = curl_slist_append(job->list, h);
	if (t->priv != NULL) {
		if (webhook_sign(t->priv, id, (long long)job->now, job->data, job->len, sig) != 0) {
			free(id); /* OpenSSL failed: not the notice's fault */
			transport_status(&job->status, SEND_RETRY, 0, "cannot sign the request");
			return transport_job_defer(job, cause);
		}
		snprintf(h, sizeof h, "webhook-signature: %s", sig);
		job->list = curl_slist_append(job->list, h);
	}
	free(id);
	if ((easy = transport_easy_new(job)) == NULL) {
		transport_status(&job->status, SEND_RETRY, 0, "cannot make a curl handle");
		return transport_job_defer(job, cause);
	}
	job->easy = easy;
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, job->list);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, job->data);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)job->len);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, send_webhook_header_cb);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, job);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	return transport_job_start(job, cause);
}

/* Read the HTTP outcome. */
static void
send_webhook_complete(struct transport_job *job, CURLcode result)
{
	long code = 0;

	if (result != CURLE_OK) {
		transport_status(&job->status, SEND_RETRY, 0, "http: %s", transport_curl_error(job, result));
		return;
	}
	curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &code);
	if (code >= 200 && code < 300)
		transport_status(&job->status, SEND_OK, code, "accepted");
	else if (code == 410)
		transport_status(&job->status, SEND_DISABLE, code, "http 410: the endpoint is gone");
	else if (code == 408 || code == 425 || code == 429 || (code >= 500 && code < 600)) {
		transport_status(&job->status, SEND_RETRY, code, "http %ld", code);
		job->status.retry_after = job->retry_after;
	} else if (code >= 400 && code < 500)
		transport_status(&job->status, SEND_FAIL, code, "http %ld: refused", code);
	else /* 1xx or 3xx: a redirect we do not follow; the endpoint's config may change */
		transport_status(&job->status, SEND_RETRY, code, "http %ld: unexpected answer", code);
}

/* Free the signer. */
static void
send_webhook_free(struct transport *t)
{
	webhook_signer_free(t->priv);
	t->priv = NULL;
}

const struct transport_ops send_webhook_ops = {
	.type = "webhook",
	.init = send_webhook_init,
	.send = send_webhook_send,
	.complete = send_webhook_complete,
	.free = send_webhook_free,
};
