/*
 * webhook.h: the webhook body (json and teams formats), Standard Webhooks signing and Retry-After
 * parsing (send_webhook.c); public for the file transport and the unit tests.
 */
#ifndef DRIFTWATCH_WEBHOOK_H
#define DRIFTWATCH_WEBHOOK_H

#include <stddef.h>
#include <time.h>

struct notice;

/* A Teams Workflows message stays under this many bytes. */
#define WEBHOOK_TEAMS_MAX 28672

/*
 * The JSON document to post: format "json" (our schema, payload members merged in) or "teams"
 * (an Adaptive Card, truncated under WEBHOOK_TEAMS_MAX). Returns it (caller frees), or NULL and
 * *cause when the notice's payload is not JSON or the format is unknown.
 */
char *webhook_body(const struct notice *n, const char *format, char **cause);
/* "v1,<base64 HMAC-SHA256 of id.timestamp.body>"; a "whsec_" secret is base64. NULL if unusable. */
char *webhook_signature(const char *secret, const char *id, long long timestamp, const char *body, size_t len);
/* Seconds from a Retry-After value: delta-seconds or an HTTP-date (0 when unreadable or past). */
long webhook_parse_retry_after(const char *value, time_t now);

#endif
