/*
 * transport.h: the ways a notice leaves driftwatch — smtp, webhook (json or teams), file — behind
 * one small interface. A transport sends one rendered notice at a time, asynchronously (libcurl multi
 * on libevent through curlev), and reports the outcome once through a callback.
 */
#ifndef DRIFTWATCH_TRANSPORT_H
#define DRIFTWATCH_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct curlev;

struct attachment {
	const char *filename;	  /* e.g. "digest-2021-03.csv" */
	const char *content_type; /* e.g. "text/csv; charset=utf-8" */
	const char *data;
	size_t len;
};

/* A notice as the outbox hands it to a transport: already rendered, one recipient. */
struct notice {
	int64_t id;		/* outbox row id: with the dedupe key, the source of Message-ID / webhook-id */
	const char *dedupe_key; /* UNIQUE in the outbox */
	const char *kind;	/* "reminder", "escalation", "digest", "alert", "test" ... */
	const char *recipient;	/* one email address (webhooks: a label for logs) */
	const char *subject;	/* no CR/LF (rejected when rendered) */
	const char *body_text;
	const char *body_html; /* may be NULL */
	const char *payload;   /* JSON object text for webhooks; may be NULL */
	const struct attachment *attachments;
	size_t nattachments;
	time_t created_at;
	time_t now; /* this attempt's time for the Date header: the dispatcher gives the real time (webhooks
		     * always sign with the real time), so receivers never see DRIFTWATCH_NOW */
	int attempts;
	int urgent;
};

enum send_result {
	SEND_OK,      /* the server accepted it */
	SEND_RETRY,   /* try again later (4xx SMTP, 408/425/429/5xx, timeouts, connection errors) */
	SEND_FAIL,    /* permanent: dead at once, admin told (5xx SMTP, other HTTP 4xx, a bad notice) */
	SEND_DISABLE, /* HTTP 410: the endpoint is gone; disable it and tell the admin */
};

struct send_status {
	enum send_result result;
	long code;	  /* SMTP reply or HTTP status; 0 when none */
	long retry_after; /* seconds from a Retry-After header; 0 when none */
	char error[256];  /* one line, no personal data */
};

typedef void (*transport_done_cb)(void *arg, const struct send_status *status);

/* One [transport "NAME"] section, secrets already read from their files by config.c. */
struct transport_config {
	char *name;
	char *type; /* "smtp" | "webhook" | "file" */
	/* smtp */
	char *url;  /* smtp://host:port, smtps://host:port; webhook: https://... (http:// only to loopback) */
	char *tls;  /* "required" (default) | "opportunistic" | "none" (loopback only) */
	char *from; /* "Name <addr@x>" */
	char *username;
	char *password;	   /* from password_file or $CREDENTIALS_DIRECTORY */
	char *oauth_token; /* XOAUTH2 bearer token, from token_file */
	char *ca_file;	   /* CA bundle; NULL = system default */
	int verify;	   /* verify peer and host (default 1) */
	/* webhook */
	char *format; /* "json" | "teams" */
	char *secret; /* Standard Webhooks secret ("whsec_" + base64, or raw bytes) */
	/* file */
	char *spool; /* spool folder */
	/* smtp and webhook */
	char *proxy;	   /* NULL: as the environment says (https_proxy, no_proxy...); "none": direct; else its URL */
	char *proxy_login; /* "user:password" for the proxy, from proxy_login_file */
	/* all */
	int concurrency; /* in-flight requests at most (default 4) */
	int timeout;	 /* seconds per attempt (default 30) */
	char *domain;	 /* right-hand side of Message-ID (default: from's domain) */
};

struct transport; /* private */

struct transport *transport_new(const struct transport_config *cfg, struct curlev *cev, char **cause);
/*
 * Would transport_new accept cfg? The same checks (URL scheme, http only to loopback, tls = none
 * only to loopback, from, credentials), made without a loop or any side effect; config validation
 * calls it so check-config refuses what the start would. 0, or -1 and *cause (caller frees).
 */
int transport_check(const struct transport_config *cfg, char **cause);
void transport_free(struct transport *t);
const char *transport_name(const struct transport *t);
const char *transport_type(const struct transport *t);
/* How many more notices it will take now (concurrency minus in flight). */
int transport_capacity(const struct transport *t);
int transport_concurrency(const struct transport *t); /* in flight at most */
/*
 * Start sending. done is called exactly once, later (never from inside transport_send), with the
 * outcome. Returns -1 (and calls nothing) only when the notice cannot be rendered: *cause says why;
 * the caller marks it dead.
 */
int transport_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause);

/* Stable identifiers: the same for every attempt of one notice. Caller frees. */
char *notice_message_id(const struct notice *n, const char *domain); /* "<dw.ID.HASH@domain>" */
char *notice_webhook_id(const struct notice *n);		     /* "msg_dw_ID_HASH" */

#endif
