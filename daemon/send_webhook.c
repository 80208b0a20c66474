/*
 * send_webhook.c: HTTPS POST of a JSON notice (our `json` schema, or a Microsoft Teams Workflows
 * message), signed per the Standard Webhooks spec: webhook-id (the same on every attempt),
 * webhook-timestamp, and webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>".
 * 2xx sent; 410 disables the endpoint; 408/425/429/5xx and network trouble retry (Retry-After
 * honoured); any other 4xx is permanent.
 */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "curlev.h"
#include "log.h"
#include "transport_int.h"
#include "webhook.h"
#include "xmalloc.h"

struct send_webhook_job {
	struct transport *t;
	CURL *easy;
	struct curl_slist *headers;
	char *body;
	long long id;
	long retry_after;
	transport_done_cb done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Check the settings once. */
static int
send_webhook_init(struct transport *t, char **cause)
{
	if (t->cfg.url == NULL) {
		xasprintf(cause, "transport %s: no url", t->cfg.name);
		return -1;
	}
	if (strncmp(t->cfg.url, "https://", 8) != 0 &&
	    !(strncmp(t->cfg.url, "http://", 7) == 0 && transport_url_is_loopback(t->cfg.url))) {
		xasprintf(cause, "transport %s: url must be https:// (http:// only to loopback)", t->cfg.name);
		return -1;
	}
	if (t->cfg.format == NULL)
		t->cfg.format = xstrdup("json");
	return 0;
}

/* The signing key: base64 after "whsec_", or the secret's own bytes. Returns its length. */
static size_t
webhook_key(const char *secret, unsigned char *key, size_t max)
{
	size_t len;
	int n;

	if (strncmp(secret, "whsec_", 6) == 0) {
		len = strlen(secret + 6);
		if (len / 4 * 3 <= max && (n = EVP_DecodeBlock(key, (const unsigned char *)secret + 6, (int)len)) >= 0) {
			/* EVP_DecodeBlock counts padding bytes as data: take them off. */
			if (len >= 1 && secret[6 + len - 1] == '=')
				n--;
			if (len >= 2 && secret[6 + len - 2] == '=')
				n--;
			return (size_t)n;
		}
	}
	len = strlen(secret);
	if (len > max)
		len = max;
	memcpy(key, secret, len);
	return len;
}

/* See webhook.h. */
char *
webhook_signature(const char *secret, const char *id, long long timestamp, const char *body)
{
	unsigned char key[512], mac[EVP_MAX_MD_SIZE];
	unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	unsigned int maclen = 0;
	size_t keylen = webhook_key(secret, key, sizeof key);
	char *signed_content, *sig;

	xasprintf(&signed_content, "%s.%lld.%s", id, timestamp, body);
	HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)signed_content, strlen(signed_content), mac, &maclen);
	EVP_EncodeBlock(b64, mac, (int)maclen);
	xasprintf(&sig, "v1,%s", (const char *)b64);
	free(signed_content);
	return sig;
}

/* See webhook.h. */
long
webhook_parse_retry_after(const char *value, time_t now)
{
	struct tm tm;
	char *end;
	long secs;

	while (*value == ' ')
		value++;
	secs = strtol(value, &end, 10);
	if (end != value && (*end == '\0' || *end == '\r' || *end == '\n' || *end == ' '))
		return secs > 0 ? secs : 0;
	memset(&tm, 0, sizeof tm);
	if (strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm) != NULL) {
		time_t at = timegm(&tm);
		return at > now ? (long)(at - now) : 0;
	}
	return 0;
}

/* CURLOPT_HEADERFUNCTION: pick out Retry-After. */
static size_t
send_webhook_header_cb(char *buf, size_t size, size_t n, void *arg)
{
	struct send_webhook_job *job = arg;
	size_t len = size * n;
	char line[256];

	if (len > 12 && len < sizeof line && strncasecmp(buf, "retry-after:", 12) == 0) {
		memcpy(line, buf + 12, len - 12);
		line[len - 12] = '\0';
		job->retry_after = webhook_parse_retry_after(line, time(NULL));
	}
	return len;
}

/* Discard the response body. */
static size_t
send_webhook_write_cb(char *buf, size_t size, size_t n, void *arg)
{
	(void)buf, (void)arg;
	return size * n;
}

/* Free a job. */
static void
send_webhook_job_free(struct send_webhook_job *job)
{
	curl_easy_cleanup(job->easy);
	curl_slist_free_all(job->headers);
	free(job->body);
	free(job);
}

/* The transfer ended. */
static void
send_webhook_done_cb(CURL *easy, CURLcode result, void *arg)
{
	struct send_webhook_job *job = arg;
	struct send_status st;
	long code = 0;

	memset(&st, 0, sizeof st);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (result != CURLE_OK)
		transport_status(&st, SEND_RETRY, code, "http: %s", job->errbuf[0] ? job->errbuf : curl_easy_strerror(result));
	else if (code >= 200 && code < 300)
		transport_status(&st, SEND_OK, code, "http %ld", code);
	else if (code == 410)
		transport_status(&st, SEND_DISABLE, code, "http 410 gone");
	else if (code == 408 || code == 425 || code == 429 || code >= 500)
		transport_status(&st, SEND_RETRY, code, "http %ld", code);
	else
		transport_status(&st, SEND_FAIL, code, "http %ld", code);
	st.retry_after = st.result == SEND_RETRY ? job->retry_after : 0;
	job->t->in_flight--;
	log_debug("transport %s: notice %lld: %s", job->t->cfg.name, job->id, st.error);
	job->done(job->arg, &st);
	send_webhook_job_free(job);
}

/* Post one notice. */
static int
send_webhook_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause)
{
	struct send_webhook_job *job = xcalloc(1, sizeof *job);
	char *id = notice_webhook_id(n), *h, *sig;
	CURL *e;

	if ((e = job->easy = curl_easy_init()) == NULL) {
		xasprintf(cause, "transport %s: curl_easy_init failed", t->cfg.name);
		free(id), free(job);
		return -1;
	}
	job->t = t;
	job->id = (long long)n->id;
	job->done = done;
	job->arg = arg;
	job->body = transport_json_body(n, t->cfg.format);
	job->headers = curl_slist_append(NULL, "Content-Type: application/json");
	xasprintf(&h, "webhook-id: %s", id);
	job->headers = curl_slist_append(job->headers, h);
	free(h);
	xasprintf(&h, "webhook-timestamp: %lld", (long long)n->now);
	job->headers = curl_slist_append(job->headers, h);
	free(h);
	if (t->cfg.secret != NULL) {
		sig = webhook_signature(t->cfg.secret, id, (long long)n->now, job->body);
		xasprintf(&h, "webhook-signature: %s", sig);
		job->headers = curl_slist_append(job->headers, h);
		free(h), free(sig);
	}
	job->headers = curl_slist_append(job->headers, "Expect:");
	free(id);
	curl_easy_setopt(e, CURLOPT_URL, t->cfg.url);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, job->body);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(job->body));
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->headers);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, send_webhook_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, send_webhook_write_cb);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)t->cfg.timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)(t->cfg.timeout < 10 ? t->cfg.timeout : 10));
	curl_easy_setopt(e, CURLOPT_USERAGENT, "driftwatch");
	if (t->cfg.ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->cfg.ca_file);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->cfg.verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->cfg.verify ? 2L : 0L);
	if (curlev_add(t->cev, e, send_webhook_done_cb, job) != 0) {
		xasprintf(cause, "transport %s: cannot start the transfer", t->cfg.name);
		send_webhook_job_free(job);
		return -1;
	}
	t->in_flight++;
	return 0;
}

const struct transport_ops send_webhook_ops = {
	"webhook",
	send_webhook_init,
	send_webhook_send,
	NULL,
};
