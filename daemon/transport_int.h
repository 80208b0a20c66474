/*
 * transport_int.h: private to the transport family (transport.c, send_*.c): the struct every
 * transport shares, one in-flight send (a job), and the operations each type provides.
 */
#ifndef DRIFTWATCH_TRANSPORT_INT_H
#define DRIFTWATCH_TRANSPORT_INT_H

#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "transport.h"

/* One notice on its way out: what to send, and whom to tell how it went. */
struct transport_job {
	struct transport *t;
	int64_t notice_id;
	transport_done_cb done;
	void *done_arg;
	struct send_status status;
	struct event ev_finish; /* finishes the job from the loop (file transport, failed starts) */
	CURL *easy;
	struct curl_slist *list; /* SMTP recipients or HTTP headers */
	char *data;		 /* the message or JSON body */
	size_t len;
	size_t off; /* upload position */
	char errbuf[CURL_ERROR_SIZE];
	long retry_after; /* from a Retry-After header */
	time_t now;
	void *priv; /* the type's own, for this job (the file transport's queued write) */
	TAILQ_ENTRY(transport_job) entry;
};

struct transport;

struct transport_ops {
	const char *type;
	/* Check and adopt t->cfg; -1 and *cause when it cannot work. */
	int (*init)(struct transport *t, char **cause);
	/* Render n into job and start it (transport_job_start or transport_job_defer); -1 if unrenderable. */
	int (*send)(struct transport *t, struct transport_job *job, const struct notice *n, char **cause);
	/* A curl transfer ended: fill job->status. */
	void (*complete)(struct transport_job *job, CURLcode result);
	/* The job is being freed (finished or cancelled): forget it. NULL when nothing to forget. */
	void (*cancel)(struct transport_job *job);
	void (*free)(struct transport *t);
};

#define TRANSPORT_IDLE_MAX 64

struct transport {
	const struct transport_ops *ops;
	struct transport_config cfg; /* a deep copy: reloads free the config this came from */
	struct curlev *cev;
	struct event_base *base;
	char *domain; /* Message-ID's right-hand side */
	int in_flight;
	void *priv;
	TAILQ_HEAD(, transport_job) jobs;
	CURL *idle[TRANSPORT_IDLE_MAX]; /* finished easy handles, reset, kept for the next transfers */
	int nidle;
};

extern const struct transport_ops send_mail_ops;
extern const struct transport_ops send_webhook_ops;
extern const struct transport_ops send_file_ops;

/* Hand a configured job->easy to curlev; a start that fails finishes later as SEND_RETRY. */
int transport_job_start(struct transport_job *job, char **cause);
/* Finish the job (with job->status) from the event loop, not from inside transport_send. */
int transport_job_defer(struct transport_job *job, char **cause);
/* An easy handle with what every transfer shares: no signals, timeouts, TLS verification, errors.
 * A handle an earlier job of the transport left is reused as it was: a send sets all its own options. */
CURL *transport_easy_new(struct transport_job *job);
/* Is the host of a URL loopback (127.0.0.0/8, ::1, localhost)? -1 when the URL does not parse. */
int transport_url_is_loopback(const char *url);
/* The scheme of a URL, lower-case ("smtp", "https" ...); NULL if none. Caller frees. */
char *transport_url_scheme(const char *url);
/* Set a status with a one-line error (no personal data). */
void transport_status(struct send_status *st, enum send_result result, long code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A one-line error from a curl result: the error buffer when it says more. */
const char *transport_curl_error(const struct transport_job *job, CURLcode result);

#endif
