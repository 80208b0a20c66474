/* webhook.h: Standard Webhooks signing and Retry-After parsing (send_webhook.c), for tests too. */
#ifndef DRIFTWATCH_WEBHOOK_H
#define DRIFTWATCH_WEBHOOK_H

#include <time.h>

/* "v1,<base64 HMAC-SHA256 of id.timestamp.body>"; a "whsec_" secret is base64. Caller frees. */
char *webhook_signature(const char *secret, const char *id, long long timestamp, const char *body);
/* Seconds from a Retry-After value: delta-seconds or an HTTP-date (0 when unreadable or past). */
long webhook_parse_retry_after(const char *value, time_t now);

#endif
