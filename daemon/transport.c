/*
 * transport.c: the transport family's front. It builds a transport of the configured type, hands
 * it notices, keeps the jobs in flight (so capacity is honest and freeing a transport cancels what
 * it still owns), and makes the identifiers that stay the same across every attempt of a notice,
 * so a receiver can drop the repeat a crash or a lost reply causes.
 */
#include <sys/queue.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curlev.h"
#include "log.h"
#include "transport.h"
#include "transport_int.h"
#include "version.h"
#include "xmalloc.h"

#define TRANSPORT_CONCURRENCY 4
#define TRANSPORT_TIMEOUT 30

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

/* Free the copied config; secrets are wiped first. */
static void
transport_config_free(struct transport_config *c)
{
	if (c->password != NULL)
		explicit_bzero(c->password, strlen(c->password));
	if (c->oauth_token != NULL)
		explicit_bzero(c->oauth_token, strlen(c->oauth_token));
	if (c->secret != NULL)
		explicit_bzero(c->secret, strlen(c->secret));
	if (c->proxy_login != NULL)
		explicit_bzero(c->proxy_login, strlen(c->proxy_login));
	free(c->name), free(c->type), free(c->url), free(c->tls), free(c->from), free(c->username);
	free(c->password), free(c->oauth_token), free(c->ca_file), free(c->format), free(c->secret);
	free(c->spool), free(c->domain), free(c->proxy), free(c->proxy_login);
}

/* Build a transport; see transport.h. */
struct transport *
transport_new(const struct transport_config *cfg, struct curlev *cev, char **cause)
{
	const struct transport_ops *const *ops;
	struct transport *t;
	const char *at;
	char *why = NULL;

	for (ops = transport_types; *ops != NULL; ops++) {
		if (cfg->type != NULL && strcmp((*ops)->type, cfg->type) == 0)
			break;
	}
	if (*ops == NULL) {
		xasprintf(cause, "transport %s: unknown type \"%s\"", cfg->name != NULL ? cfg->name : "?",
		    cfg->type != NULL ? cfg->type : "");
		return NULL;
	}
	t = xcalloc(1, sizeof *t);
	t->ops = *ops;
	t->cev = cev;
	t->base = cev != NULL ? curlev_base(cev) : NULL;
	TAILQ_INIT(&t->jobs);
	t->cfg.name = xstrdup(cfg->name != NULL ? cfg->name : cfg->type);
	t->cfg.type = xstrdup(cfg->type);
	t->cfg.url = transport_dup(cfg->url);
	t->cfg.tls = transport_dup(cfg->tls);
	t->cfg.from = transport_dup(cfg->from);
	t->cfg.username = transport_dup(cfg->username);
	t->cfg.password = transport_dup(cfg->password);
	t->cfg.oauth_token = transport_dup(cfg->oauth_token);
	t->cfg.ca_file = transport_dup(cfg->ca_file);
	t->cfg.verify = cfg->verify;
	t->cfg.format = transport_dup(cfg->format);
	t->cfg.secret = transport_dup(cfg->secret);
	t->cfg.spool = transport_dup(cfg->spool);
	t->cfg.concurrency = cfg->concurrency > 0 ? cfg->concurrency : TRANSPORT_CONCURRENCY;
	t->cfg.timeout = cfg->timeout > 0 ? cfg->timeout : TRANSPORT_TIMEOUT;
	t->cfg.domain = transport_dup(cfg->domain);
	t->cfg.proxy = transport_dup(cfg->proxy);
	t->cfg.proxy_login = transport_dup(cfg->proxy_login);
	if (t->base == NULL) {
		xasprintf(&why, "no event loop");
		goto fail;
	}
	if (cfg->domain != NULL)
		t->domain = xstrdup(cfg->domain);
	else if (cfg->from != NULL && (at = strrchr(cfg->from, '@')) != NULL)
		t->domain = xstrndup(at + 1, strcspn(at + 1, "> "));
	else
		t->domain = xstrdup("localhost");
	if (t->ops->init(t, &why) != 0)
		goto fail;
	return t;

fail:
	xasprintf(cause, "transport %s: %s", t->cfg.name, why);
	free(why);
	transport_config_free(&t->cfg);
	free(t->domain);
	free(t);
	return NULL;
}

/*
 * Would transport_new take this config? The type's own init, on a scratch transport with no loop,
 * so config validation refuses what the start would, with the very same checks; see transport.h.
 */
int
transport_check(const struct transport_config *cfg, char **cause)
{
	const struct transport_ops *const *ops;
	struct transport t;
	char *why = NULL;
	int rc;

	for (ops = transport_types; *ops != NULL; ops++) {
		if (cfg->type != NULL && strcmp((*ops)->type, cfg->type) == 0)
			break;
	}
	if (*ops == NULL) {
		xasprintf(cause, "unknown type \"%s\"", cfg->type != NULL ? cfg->type : "");
		return -1;
	}
	/* The file type's init makes its spool folder: that belongs to the start, not to a check. */
	if (strcmp((*ops)->type, "file") == 0)
		return 0;
	memset(&t, 0, sizeof t);
	t.ops = *ops;
	t.cfg = *cfg;	  /* borrowed: init reads it and keeps nothing of it */
	t.cfg.verify = 1; /* verify only decides init's warning: leave that to the start */
	TAILQ_INIT(&t.jobs);
	rc = t.ops->init(&t, &why);
	if (t.ops->free != NULL)
		t.ops->free(&t);
	if (rc != 0) {
		*cause = why;
		return -1;
	}
	return 0;
}

/* Release a job's own resources (not the done callback: that is the caller's business). */
static void
transport_job_free(struct transport_job *job)
{
	struct transport *t = job->t;

	TAILQ_REMOVE(&t->jobs, job, entry);
	t->in_flight--;
	event_del(&job->ev_finish);
	if (t->ops->cancel != NULL)
		t->ops->cancel(job);
	if (job->easy != NULL) {
		curlev_remove(t->cev, job->easy); /* no-op when curlev already let it go */
		/*
		 * Keep the handle for the next transfer, options and all: every option transport_easy_new
		 * sets is the transport's own, the same for its next notice, and a send sets every option
		 * of its own again (curl_easy_reset and setting them all afresh cost more than the rest
		 * of our side of a transfer).
		 */
		if (t->nidle < TRANSPORT_IDLE_MAX)
			t->idle[t->nidle++] = job->easy;
		else
			curl_easy_cleanup(job->easy);
	}
	curl_slist_free_all(job->list);
	if (job->data != NULL) {
		explicit_bzero(job->data, job->len); /* it held a case's text */
		free(job->data);
	}
	free(job);
}

/* Free a transport; jobs still in flight are cancelled and their done callbacks never run. */
void
transport_free(struct transport *t)
{
	struct transport_job *job;

	if (t == NULL)
		return;
	while ((job = TAILQ_FIRST(&t->jobs)) != NULL) {
		log_debug("transport %s: notice %lld: abandoned in flight", t->cfg.name, (long long)job->notice_id);
		transport_job_free(job);
	}
	while (t->nidle > 0)
		curl_easy_cleanup(t->idle[--t->nidle]);
	if (t->ops->free != NULL)
		t->ops->free(t);
	transport_config_free(&t->cfg);
	free(t->domain);
	free(t);
}

/* The configured name. */
const char *
transport_name(const struct transport *t)
{
	return t->cfg.name;
}

/* "smtp", "webhook" or "file". */
const char *
transport_type(const struct transport *t)
{
	return t->ops->type;
}

/* How many more notices it will take now. */
int
transport_capacity(const struct transport *t)
{
	int left = t->cfg.concurrency - t->in_flight;

	return left > 0 ? left : 0;
}

/* The configured concurrency. */
int
transport_concurrency(const struct transport *t)
{
	return t->cfg.concurrency;
}

/* Tell the owner how it went; the job is gone before done runs, so done may free the transport. */
static void
transport_job_finish(struct transport_job *job)
{
	struct send_status status = job->status;
	transport_done_cb done = job->done;
	void *arg = job->done_arg;
	struct transport *t = job->t;

	if (status.result == SEND_OK)
		log_debug("transport %s: notice %lld: sent (%ld)", t->cfg.name, (long long)job->notice_id, status.code);
	else
		log_info("transport %s: notice %lld: %s %ld: %s", t->cfg.name, (long long)job->notice_id,
		    status.result == SEND_RETRY	   ? "retry" :
			status.result == SEND_FAIL ? "failed" :
						     "endpoint gone",
		    status.code, status.error);
	transport_job_free(job);
	done(arg, &status);
}

/* The deferred finish fired. */
static void
transport_finish_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	transport_job_finish(arg);
}

/* curlev says the transfer ended: let the type read the outcome, then tell the owner. */
static void
transport_curl_done_cb(CURL *easy, CURLcode result, void *arg)
{
	struct transport_job *job = arg;
	long connects = 0;

	curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
	log_debug("transport %s: notice %lld: %s connection", job->t->cfg.name, (long long)job->notice_id,
	    connects > 0 ? "new" : "reused");
	job->t->ops->complete(job, result);
	transport_job_finish(job);
}

/* Finish from the loop; see transport_int.h. */
int
transport_job_defer(struct transport_job *job, char **cause)
{
	static const struct timeval now = { 0, 0 };

	if (event_add(&job->ev_finish, &now) != 0) {
		xasprintf(cause, "cannot schedule completion");
		return -1;
	}
	return 0;
}

/* Start a curl transfer; see transport_int.h. */
int
transport_job_start(struct transport_job *job, char **cause)
{
	if (curlev_add(job->t->cev, job->easy, transport_curl_done_cb, job) == 0)
		return 0;
	/* Not the notice's fault: try it again later. */
	transport_status(&job->status, SEND_RETRY, 0, "cannot start a transfer");
	return transport_job_defer(job, cause);
}

/* Start sending; see transport.h. */
int
transport_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause)
{
	struct transport_job *job;
	char *why = NULL;

	job = xcalloc(1, sizeof *job);
	job->t = t;
	job->notice_id = n->id;
	job->done = done;
	job->done_arg = arg;
	job->now = n->now;
	evtimer_assign(&job->ev_finish, t->base, transport_finish_cb, job);
	TAILQ_INSERT_TAIL(&t->jobs, job, entry);
	t->in_flight++;
	if (t->ops->send(t, job, n, &why) != 0) {
		xasprintf(cause, "transport %s: notice %lld: %s", t->cfg.name, (long long)n->id, why);
		free(why);
		transport_job_free(job);
		return -1;
	}
	return 0;
}

/* CURLOPT_WRITEFUNCTION: a reply's body is not ours to keep (curl would print it). */
static size_t
transport_discard_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	(void)buf, (void)arg;
	return size * nitems;
}

/* Common easy handle options; see transport_int.h. */
CURL *
transport_easy_new(struct transport_job *job)
{
	const struct transport_config *c = &job->t->cfg;
	CURL *easy;

	job->errbuf[0] = '\0';
	if (job->t->nidle > 0) {
		/* Set up for this transport by an earlier job: only the error buffer is this job's. */
		easy = job->t->idle[--job->t->nidle];
		curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job->errbuf);
		return easy;
	}
	if ((easy = curl_easy_init()) == NULL)
		return NULL;
	/* Signals belong to main.c; curl must not use SIGALRM for DNS timeouts. */
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_URL, c->url);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, (long)(c->timeout < 10 ? c->timeout : 10));
	/*
	 * SMTP sends QUIT when a connection closes and waits for the answer, by default for 120 s,
	 * blocking the loop (and a graceful stop) on a server that went silent. curl copies this
	 * bound to the handle that closes cached connections, so it holds at shutdown too.
	 */
	curl_easy_setopt(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)c->timeout);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, job->errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, transport_discard_cb);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, c->verify ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, c->verify ? 2L : 0L);
	if (c->ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "driftwatch/" DRIFTWATCH_VERSION);
	/* Unset, libcurl reads https_proxy, no_proxy and the rest from the environment. */
	if (c->proxy != NULL && strcmp(c->proxy, "none") == 0)
		curl_easy_setopt(easy, CURLOPT_PROXY, "");
	else if (c->proxy != NULL) {
		curl_easy_setopt(easy, CURLOPT_PROXY, c->proxy);
		/* An https:// proxy's certificate is checked as the server's is. */
		curl_easy_setopt(easy, CURLOPT_PROXY_SSL_VERIFYPEER, c->verify ? 1L : 0L);
		curl_easy_setopt(easy, CURLOPT_PROXY_SSL_VERIFYHOST, c->verify ? 2L : 0L);
		if (c->ca_file != NULL)
			curl_easy_setopt(easy, CURLOPT_PROXY_CAINFO, c->ca_file);
	}
	/* Whatever the proxy asks for: Basic, Digest, NTLM or Negotiate, as libcurl was built with. */
	if (c->proxy_login != NULL) {
		curl_easy_setopt(easy, CURLOPT_PROXYUSERPWD, c->proxy_login);
		curl_easy_setopt(easy, CURLOPT_PROXYAUTH, CURLAUTH_ANY);
	}
	/* Through an HTTP proxy, SMTP needs a CONNECT tunnel (HTTPS gets one anyway). */
	if (strcmp(c->type, "smtp") == 0)
		curl_easy_setopt(easy, CURLOPT_HTTPPROXYTUNNEL, 1L);
	return easy;
}

/* The error text for a curl result; see transport_int.h. */
const char *
transport_curl_error(const struct transport_job *job, CURLcode result)
{
	return job->errbuf[0] != '\0' ? job->errbuf : curl_easy_strerror(result);
}

/* Set a status; see transport_int.h. */
void
transport_status(struct send_status *st, enum send_result result, long code, const char *fmt, ...)
{
	va_list ap;
	char *p;

	st->result = result;
	st->code = code;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof st->error, fmt, ap);
	va_end(ap);
	/* One line, whatever a server or library put in it. */
	for (p = st->error; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	while (p > st->error && p[-1] == ' ')
		*--p = '\0';
}

/* The scheme of a URL; see transport_int.h. */
char *
transport_url_scheme(const char *url)
{
	size_t n, i;
	char *s;

	if (url == NULL || (n = strcspn(url, ":")) == 0 || url[n] != ':' || strncmp(url + n, "://", 3) != 0)
		return NULL;
	s = xstrndup(url, n);
	for (i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)s[i]);
	return s;
}

/* Is the URL's host loopback? See transport_int.h. */
int
transport_url_is_loopback(const char *url)
{
	struct in_addr a4;
	struct in6_addr a6;
	CURLU *u;
	char *host = NULL, *h;
	size_t n;
	int loop = 0;

	if ((u = curl_url()) == NULL)
		return -1;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return -1;
	}
	h = host;
	n = strlen(h);
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h[n - 1] = '\0';
		h++;
	}
	if (strcasecmp(h, "localhost") == 0 || strcasecmp(h, "localhost.") == 0)
		loop = 1;
	else if (inet_pton(AF_INET, h, &a4) == 1)
		loop = (ntohl(a4.s_addr) >> 24) == 127;
	else if (inet_pton(AF_INET6, h, &a6) == 1)
		loop = IN6_IS_ADDR_LOOPBACK(&a6);
	curl_free(host);
	curl_url_cleanup(u);
	return loop;
}

/* The first 12 hex digits of the SHA-256 of a notice's dedupe key. */
static void
notice_hash(const struct notice *n, char out[13])
{
	static const char hex[] = "0123456789abcdef";
	const char *key = n->dedupe_key != NULL ? n->dedupe_key : "";
	static EVP_MD *sha256;
	unsigned char md[EVP_MAX_MD_SIZE];
	int i;

	/* Fetched once: SHA256() fetches the digest again on every call, which costs more than hashing. */
	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (sha256 == NULL || EVP_Digest(key, strlen(key), md, NULL, sha256, NULL) != 1)
		memset(md, 0, sizeof md); /* OpenSSL cannot hash: the id stays unique by the notice id */
	for (i = 0; i < 6; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[12] = '\0';
}

/* "<dw.ID.HASH@domain>": the same for every attempt of one notice. */
char *
notice_message_id(const struct notice *n, const char *domain)
{
	char hash[13], *s;

	notice_hash(n, hash);
	xasprintf(&s, "<dw.%lld.%s@%s>", (long long)n->id, hash, domain != NULL ? domain : "localhost");
	return s;
}

/* "msg_dw_ID_HASH": the same for every attempt of one notice. */
char *
notice_webhook_id(const struct notice *n)
{
	char hash[13], s[48]; /* "msg_dw_", 20 digits at most, "_", 12, NUL */

	notice_hash(n, hash);
	snprintf(s, sizeof s, "msg_dw_%lld_%s", (long long)n->id, hash); /* not xasprintf: once a webhook */
	return xstrdup(s);
}
