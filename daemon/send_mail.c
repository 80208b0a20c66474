/*
 * send_mail.c: the smtp transport. One message per notice, one recipient per message, uploaded
 * by libcurl's SMTP client on the shared multi handle (so a session to the relay is reused by the
 * next notice). The bytes come from mail_message.c, the same the file transport writes.
 *
 * TLS is required unless the admin says otherwise: smtp:// with STARTTLS that must succeed
 * (tls = required), or may fail (opportunistic), or smtps://; plaintext (tls = none) only to a relay
 * on this machine, since credentials and case references must not cross a network in the clear.
 * AUTH is a username and password, or XOAUTH2 with a bearer token (Microsoft 365 is retiring
 * basic authentication).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mail_message.h"
#include "transport.h"
#include "transport_int.h"
#include "xmalloc.h"

struct send_mail {
	long use_ssl;	 /* CURLUSESSL_* for smtp:// */
	char *from_addr; /* envelope sender */
};

/* Check the config: URL scheme, TLS against loopback, from, credentials. */
static int
send_mail_init(struct transport *t, char **cause)
{
	const struct transport_config *c = &t->cfg;
	struct send_mail *sm;
	char *scheme = NULL;
	long use_ssl;
	int loop;

	if (c->url == NULL || (scheme = transport_url_scheme(c->url)) == NULL) {
		xasprintf(cause, "url must be smtp://host:port or smtps://host:port");
		goto fail;
	}
	if (strcmp(scheme, "smtp") != 0 && strcmp(scheme, "smtps") != 0) {
		xasprintf(cause, "url scheme \"%s\" is not smtp or smtps", scheme);
		goto fail;
	}
	if ((loop = transport_url_is_loopback(c->url)) < 0) {
		xasprintf(cause, "url does not parse");
		goto fail;
	}
	if (c->tls == NULL || strcmp(c->tls, "required") == 0)
		use_ssl = CURLUSESSL_ALL;
	else if (strcmp(c->tls, "opportunistic") == 0)
		use_ssl = CURLUSESSL_TRY;
	else if (strcmp(c->tls, "none") == 0) {
		if (!loop) {
			xasprintf(cause, "tls = none is allowed only to a relay on loopback");
			goto fail;
		}
		if (strcmp(scheme, "smtps") == 0) {
			xasprintf(cause, "tls = none contradicts smtps://");
			goto fail;
		}
		use_ssl = CURLUSESSL_NONE;
	} else {
		xasprintf(cause, "tls \"%s\" is not required, opportunistic or none", c->tls);
		goto fail;
	}
	if (c->from == NULL) {
		xasprintf(cause, "no from address");
		goto fail;
	}
	if ((c->password != NULL || c->oauth_token != NULL) && c->username == NULL) {
		xasprintf(cause, "a password or token needs a username");
		goto fail;
	}
	if (c->password != NULL && c->oauth_token != NULL) {
		xasprintf(cause, "give a password or an OAuth token, not both");
		goto fail;
	}
	if (!c->verify)
		log_warnx("transport %s: TLS certificate verification is off", c->name);
	sm = xcalloc(1, sizeof *sm);
	sm->use_ssl = use_ssl;
	sm->from_addr = mail_address_of(c->from);
	if (!mail_is_address(sm->from_addr)) {
		free(sm->from_addr);
		free(sm);
		xasprintf(cause, "from is not an address");
		goto fail;
	}
	t->priv = sm;
	free(scheme);
	return 0;

fail:
	free(scheme);
	return -1;
}

/* CURLOPT_READFUNCTION: the next piece of the message. */
static size_t
send_mail_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct transport_job *job = arg;
	size_t n = size * nitems;

	if (n > job->len - job->off)
		n = job->len - job->off;
	memcpy(buf, job->data + job->off, n);
	job->off += n;
	return n;
}

/* Render the message and start the SMTP transaction. */
static int
send_mail_send(struct transport *t, struct transport_job *job, const struct notice *n, char **cause)
{
	const struct transport_config *c = &t->cfg;
	struct send_mail *sm = t->priv;
	char *from = NULL, *rcpt = NULL;
	CURL *easy;

	if (mail_message_build(n, c->from, t->domain, &job->data, &job->len, cause) != 0)
		return -1;
	log_debug("transport %s: notice %lld: to %s, %zu bytes", c->name, (long long)n->id, n->recipient, job->len);
	if ((easy = transport_easy_new(job)) == NULL) {
		transport_status(&job->status, SEND_RETRY, 0, "cannot make a curl handle");
		return transport_job_defer(job, cause);
	}
	job->easy = easy;
	xasprintf(&from, "<%s>", sm->from_addr);
	xasprintf(&rcpt, "<%s>", n->recipient);
	job->list = curl_slist_append(NULL, rcpt);
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, job->list);
	curl_easy_setopt(easy, CURLOPT_USE_SSL, sm->use_ssl);
	if (c->username != NULL)
		curl_easy_setopt(easy, CURLOPT_USERNAME, c->username);
	if (c->password != NULL)
		curl_easy_setopt(easy, CURLOPT_PASSWORD, c->password);
	if (c->oauth_token != NULL) {
		curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, c->oauth_token);
		curl_easy_setopt(easy, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
	}
	curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)job->len);
	curl_easy_setopt(easy, CURLOPT_READFUNCTION, send_mail_read_cb);
	curl_easy_setopt(easy, CURLOPT_READDATA, job);
	/* curl copies string options; the recipient list must live as long as the job. */
	free(from);
	free(rcpt);
	return transport_job_start(job, cause);
}

/* Read the SMTP outcome: 2xx sent, 4xx and network trouble retry, 5xx fail (but not auth). */
static void
send_mail_complete(struct transport_job *job, CURLcode result)
{
	const char *err = transport_curl_error(job, result);
	long code = 0;

	curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &code);
	/* After a failure, a 2xx/3xx is only the last thing the server said (its greeting, say). */
	if (result != CURLE_OK && code < 400)
		code = 0;
	if (result == CURLE_OK) {
		transport_status(&job->status, SEND_OK, code, "accepted");
		return;
	}
	if (code >= 400 && code < 500)
		transport_status(&job->status, SEND_RETRY, code, "smtp %ld: %s", code, err);
	else if (code == 530 || code == 534 || code == 535 || code == 538 || result == CURLE_LOGIN_DENIED) {
		/*
		 * Our credentials, not this notice: retry so an admin's fix delivers it. A refused
		 * XOAUTH2 token may end on the server's 334 error challenge, which leaves no code.
		 */
		if (code != 0)
			transport_status(
			    &job->status, SEND_RETRY, code, "smtp %ld: authentication refused: %s", code, err);
		else
			transport_status(&job->status, SEND_RETRY, 0, "smtp: authentication refused: %s", err);
	} else if (code >= 500 && code < 600)
		transport_status(&job->status, SEND_FAIL, code, "smtp %ld: %s", code, err);
	else if (result == CURLE_USE_SSL_FAILED)
		transport_status(&job->status, SEND_RETRY, code, "smtp: the server did not offer STARTTLS: %s", err);
	else
		transport_status(&job->status, SEND_RETRY, code, "smtp: %s", err);
}

/* Free the type's state. */
static void
send_mail_free(struct transport *t)
{
	struct send_mail *sm = t->priv;

	if (sm != NULL) {
		free(sm->from_addr);
		free(sm);
	}
}

const struct transport_ops send_mail_ops = {
	.type = "smtp",
	.init = send_mail_init,
	.send = send_mail_send,
	.complete = send_mail_complete,
	.free = send_mail_free,
};
