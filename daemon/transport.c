/*
 * transport.c: the transport family's front: build a transport of the configured type, hand it
 * notices, and the identifiers that stay the same across every attempt of a notice (so receivers
 * can drop a repeat after a crash re-sends it).
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "curlev.h"
#include "log.h"
#include "transport.h"
#include "transport_int.h"
#include "xmalloc.h"

static const struct transport_ops *const transport_types[] = {
	&send_mail_ops,
	&send_webhook_ops,
	&send_file_ops,
	NULL,
};

/* Copy an optional string. */
static char *
transport_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* Free the copied config. */
static void
transport_config_free(struct transport_config *c)
{
	free(c->name), free(c->type), free(c->url), free(c->tls), free(c->from), free(c->username);
	free(c->password), free(c->oauth_token), free(c->ca_file), free(c->format), free(c->secret);
	free(c->spool), free(c->domain);
}

/* Build a transport; see transport.h. */
struct transport *
transport_new(const struct transport_config *cfg, struct curlev *cev, char **cause)
{
	const struct transport_ops *const *ops;
	struct transport *t;

	for (ops = transport_types; *ops != NULL; ops++) {
		if (cfg->type != NULL && strcmp((*ops)->type, cfg->type) == 0)
			break;
	}
	if (*ops == NULL) {
		xasprintf(cause, "transport %s: unknown type \"%s\"", cfg->name, cfg->type != NULL ? cfg->type : "");
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->ops = *ops;
	t->cev = cev;
	t->base = curlev_base(cev);
	t->cfg.name = transport_dup(cfg->name);
	t->cfg.type = transport_dup(cfg->type);
	t->cfg.url = transport_dup(cfg->url);
	t->cfg.tls = transport_dup(cfg->tls != NULL ? cfg->tls : "required");
	t->cfg.from = transport_dup(cfg->from != NULL ? cfg->from : "driftwatch@localhost");
	t->cfg.username = transport_dup(cfg->username);
	t->cfg.password = transport_dup(cfg->password);
	t->cfg.oauth_token = transport_dup(cfg->oauth_token);
	t->cfg.ca_file = transport_dup(cfg->ca_file);
	t->cfg.verify = cfg->verify;
	t->cfg.format = transport_dup(cfg->format);
	t->cfg.secret = transport_dup(cfg->secret);
	t->cfg.spool = transport_dup(cfg->spool);
	t->cfg.concurrency = cfg->concurrency > 0 ? cfg->concurrency : 4;
	t->cfg.timeout = cfg->timeout > 0 ? cfg->timeout : 30;
	t->cfg.domain = transport_dup(cfg->domain);
	if (t->ops->init != NULL && t->ops->init(t, cause) != 0) {
		transport_config_free(&t->cfg);
		free(t);
		return NULL;
	}
	return t;
}

/* Free a transport (nothing may be in flight). */
void
transport_free(struct transport *t)
{
	if (t == NULL)
		return;
	if (t->ops->free != NULL)
		t->ops->free(t);
	transport_config_free(&t->cfg);
	free(t);
}

/* Its name. */
const char *
transport_name(const struct transport *t)
{
	return t->cfg.name;
}

/* Its type. */
const char *
transport_type(const struct transport *t)
{
	return t->cfg.type;
}

/* Room for more notices now. */
int
transport_capacity(const struct transport *t)
{
	return t->cfg.concurrency - t->in_flight;
}

/* Start one notice. */
int
transport_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause)
{
	return t->ops->send(t, n, done, arg, cause);
}

/* First 12 hex digits of SHA-256 of the dedupe key. */
static void
transport_key_hash(const char *key, char out[13])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	int i;

	SHA256((const unsigned char *)key, strlen(key), md);
	for (i = 0; i < 6; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* "<dw.ID.HASH@domain>". */
char *
notice_message_id(const struct notice *n, const char *domain)
{
	char hash[13], *id;

	transport_key_hash(n->dedupe_key != NULL ? n->dedupe_key : "", hash);
	xasprintf(&id, "<dw.%lld.%s@%s>", (long long)n->id, hash, domain != NULL ? domain : "localhost");
	return id;
}

/* "msg_dw_ID_HASH". */
char *
notice_webhook_id(const struct notice *n)
{
	char hash[13], *id;

	transport_key_hash(n->dedupe_key != NULL ? n->dedupe_key : "", hash);
	xasprintf(&id, "msg_dw_%lld_%s", (long long)n->id, hash);
	return id;
}

/* Set a status line. */
void
transport_status(struct send_status *st, enum send_result result, long code, const char *fmt, ...)
{
	va_list ap;

	st->result = result;
	st->code = code;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof st->error, fmt, ap);
	va_end(ap);
}

/* Is the URL's host loopback? */
int
transport_url_is_loopback(const char *url)
{
	const char *h = strstr(url, "://"), *end;
	char host[256];
	struct in_addr a4;
	size_t len;

	if (h == NULL)
		return 0;
	h += 3;
	if (*h == '[') {
		end = strchr(h, ']');
		if (end == NULL)
			return 0;
		return (size_t)(end - h - 1) == 3 && strncmp(h + 1, "::1", 3) == 0;
	}
	len = strcspn(h, ":/?#");
	if (len == 0 || len >= sizeof host)
		return 0;
	memcpy(host, h, len);
	host[len] = '\0';
	if (strcmp(host, "localhost") == 0)
		return 1;
	return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* Cut text to at most max bytes on a UTF-8 boundary, with a note. Caller frees. */
static char *
transport_truncate(const char *text, size_t max)
{
	size_t len = strlen(text);
	char *out;

	if (len <= max)
		return xstrdup(text);
	while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
		max--;
	xasprintf(&out, "%.*s\n\n[... shortened: the full text is in the email version]", (int)max, text);
	return out;
}

/* The body a webhook posts; see transport_int.h. */
char *
transport_json_body(const struct notice *n, const char *format)
{
	json_t *doc, *payload = NULL, *card, *body, *att;
	char *id = notice_webhook_id(n), *text, created[32], *out;
	json_error_t err;
	size_t limit;

	if (n->payload != NULL)
		payload = json_loads(n->payload, 0, &err);
	if (format != NULL && strcmp(format, "teams") == 0) {
		/* A Teams Workflows message holding one Adaptive Card; the whole post stays under 28 KB. */
		for (limit = 24000;; limit /= 2) {
			text = transport_truncate(n->body_text != NULL ? n->body_text : "", limit);
			body = json_array();
			json_array_append_new(body, json_pack("{s:s, s:s, s:s, s:b}", "type", "TextBlock", "text",
							     n->subject, "weight", "Bolder", "wrap", 1));
			json_array_append_new(body, json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", text, "wrap", 1));
			card = json_pack("{s:s, s:s, s:s, s:o}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
			    "type", "AdaptiveCard", "version", "1.4", "body", body);
			att = json_pack("{s:s, s:n, s:o}", "contentType", "application/vnd.microsoft.card.adaptive",
			    "contentUrl", "content", card);
			doc = json_pack("{s:s, s:[o]}", "type", "message", "attachments", att);
			free(text);
			out = json_dumps(doc, JSON_COMPACT);
			json_decref(doc);
			if (strlen(out) < 28 * 1024 || limit < 256)
				break;
			free(out);
		}
	} else {
		doc = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "id", id, "kind", n->kind != NULL ? n->kind : "notice",
		    "notice", (json_int_t)n->id, "dedupe_key", n->dedupe_key != NULL ? n->dedupe_key : "", "recipient",
		    n->recipient != NULL ? n->recipient : "", "subject", n->subject != NULL ? n->subject : "", "text",
		    n->body_text != NULL ? n->body_text : "", "created_at", clock_format_utc(n->created_at, created));
		if (json_is_object(payload))
			json_object_update_missing(doc, payload);
		out = json_dumps(doc, JSON_COMPACT);
		json_decref(doc);
	}
	json_decref(payload);
	free(id);
	return out;
}
