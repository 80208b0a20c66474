/*
 * send_mail.c: email over libcurl SMTP. STARTTLS is required by default (opportunistic or none on
 * request; none only to a loopback relay), certificates are verified, AUTH uses a password or an
 * OAuth2 bearer token (XOAUTH2, as Microsoft 365 requires now that basic auth is going). One
 * recipient per message. The message bytes come from mail_message.c.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curlev.h"
#include "log.h"
#include "mail_message.h"
#include "transport_int.h"
#include "xmalloc.h"

struct send_mail_job {
	struct transport *t;
	CURL *easy;
	struct curl_slist *rcpt;
	char *data;
	size_t len, off;
	char *mail_from;
	long long id;
	transport_done_cb done;
	void *arg;
	char errbuf[CURL_ERROR_SIZE];
};

/* Check the settings once. */
static int
send_mail_init(struct transport *t, char **cause)
{
	if (t->cfg.url == NULL || (strncmp(t->cfg.url, "smtp://", 7) != 0 && strncmp(t->cfg.url, "smtps://", 8) != 0)) {
		xasprintf(cause, "transport %s: url must start smtp:// or smtps://", t->cfg.name);
		return -1;
	}
	if (strcmp(t->cfg.tls, "none") == 0 && !transport_url_is_loopback(t->cfg.url)) {
		xasprintf(cause, "transport %s: tls = none is allowed only to a loopback relay", t->cfg.name);
		return -1;
	}
	return 0;
}

/* CURLOPT_READFUNCTION: hand curl the next piece of the message. */
static size_t
send_mail_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct send_mail_job *job = arg;
	size_t want = size * nitems, left = job->len - job->off;

	if (want > left)
		want = left;
	memcpy(buf, job->data + job->off, want);
	job->off += want;
	return want;
}

/* Free a job. */
static void
send_mail_job_free(struct send_mail_job *job)
{
	curl_easy_cleanup(job->easy);
	curl_slist_free_all(job->rcpt);
	free(job->data), free(job->mail_from);
	free(job);
}

/* The transfer ended: map curl's result and the SMTP reply onto an outcome. */
static void
send_mail_done_cb(CURL *easy, CURLcode result, void *arg)
{
	struct send_mail_job *job = arg;
	struct send_status st;
	long code = 0;

	memset(&st, 0, sizeof st);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	if (result == CURLE_OK)
		transport_status(&st, SEND_OK, code, "accepted");
	else if (code >= 500 && code < 600 && result != CURLE_LOGIN_DENIED)
		transport_status(&st, SEND_FAIL, code, "smtp %ld: %s", code, job->errbuf[0] ? job->errbuf : curl_easy_strerror(result));
	else
		/* 4xx, connection and TLS trouble, a refused login: worth retrying; nothing is lost. */
		transport_status(&st, SEND_RETRY, code, "smtp %ld: %s", code, job->errbuf[0] ? job->errbuf : curl_easy_strerror(result));
	job->t->in_flight--;
	log_debug("transport %s: notice %lld: %s", job->t->cfg.name, job->id, st.error);
	job->done(job->arg, &st);
	send_mail_job_free(job);
}

/* Send one notice. */
static int
send_mail_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause)
{
	struct send_mail_job *job = xcalloc(1, sizeof *job);
	CURL *e;

	if (mail_message_build(n, t->cfg.from, t->cfg.domain, &job->data, &job->len, cause) != 0) {
		free(job);
		return -1;
	}
	if ((e = job->easy = curl_easy_init()) == NULL) {
		xasprintf(cause, "transport %s: curl_easy_init failed", t->cfg.name);
		free(job->data), free(job);
		return -1;
	}
	job->t = t;
	job->id = (long long)n->id;
	job->done = done;
	job->arg = arg;
	job->mail_from = mail_address_of(t->cfg.from);
	job->rcpt = curl_slist_append(NULL, n->recipient);
	curl_easy_setopt(e, CURLOPT_URL, t->cfg.url);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, job->mail_from);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, job->rcpt);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, send_mail_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, job);
	curl_easy_setopt(e, CURLOPT_INFILESIZE, (long)job->len);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)t->cfg.timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)(t->cfg.timeout < 10 ? t->cfg.timeout : 10));
	if (strncmp(t->cfg.url, "smtp://", 7) == 0) {
		if (strcmp(t->cfg.tls, "required") == 0)
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
		else if (strcmp(t->cfg.tls, "opportunistic") == 0)
			curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	}
	if (t->cfg.ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, t->cfg.ca_file);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, t->cfg.verify ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, t->cfg.verify ? 2L : 0L);
	if (t->cfg.username != NULL)
		curl_easy_setopt(e, CURLOPT_USERNAME, t->cfg.username);
	if (t->cfg.oauth_token != NULL)
		curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, t->cfg.oauth_token);
	else if (t->cfg.password != NULL)
		curl_easy_setopt(e, CURLOPT_PASSWORD, t->cfg.password);
	if (curlev_add(t->cev, e, send_mail_done_cb, job) != 0) {
		xasprintf(cause, "transport %s: cannot start the transfer", t->cfg.name);
		send_mail_job_free(job);
		return -1;
	}
	t->in_flight++;
	return 0;
}

const struct transport_ops send_mail_ops = {
	"smtp",
	send_mail_init,
	send_mail_send,
	NULL,
};
