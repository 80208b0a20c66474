/*
 * outbox.h: the durable outbox. Every notice is a row before it is anything else; enqueueing
 * happens inside the caller's transaction, so a state change and its notices commit together or
 * not at all. The dispatcher (outbox.c) claims due rows, hands them to transports, and records the
 * outcome: pending -> sending -> sent | retry | dead.
 */
#ifndef DRIFTWATCH_OUTBOX_H
#define DRIFTWATCH_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "transport.h"

struct config;
struct store;
struct event_base;

struct outbox_item {
	const char *dedupe_key; /* (rule, subject, occurrence, level, recipient): UNIQUE */
	const char *kind;	/* "reminder", "escalation", "digest", "alert", "test" */
	const char *transport;	/* NULL: the default transport */
	const char *recipient;	/* one address */
	const char *subject;	/* nothing identifying a child beyond a case reference */
	const char *body_text;
	const char *body_html;	/* may be NULL */
	const char *payload;	/* JSON object for webhooks; may be NULL */
	const char *batch_text; /* this notice's entry in a batched message; NULL = always sent alone */
	const char *batch_html;
	int urgency;	   /* order inside a batch, higher first (e.g. days overdue) */
	bool urgent;	   /* send at once, outside the send window */
	time_t not_before; /* 0 = as soon as the window allows */
	const struct attachment *attachments;
	size_t nattachments;
};

/*
 * Insert a notice unless its dedupe key is already in the outbox. Call inside a transaction.
 * *added (may be NULL) is 1 when the row is new, 0 when it was there. A subject, recipient or
 * filename with CR/LF, or a recipient that is not one address, is refused (-1 and *cause).
 */
int outbox_enqueue(
    struct store *s, const struct config *cfg, const struct outbox_item *item, time_t now, int *added, char **cause);
/*
 * An alert to the admin (cfg->admin_email, which must be set): kind "alert", text only, through
 * transport (NULL: the default). Inside the caller's transaction, as outbox_enqueue.
 */
int outbox_alert(struct store *s, const struct config *cfg, const char *transport, const char *dedupe_key,
    const char *subject, const char *text, bool urgent, time_t now, int *added, char **cause);
/* The transport a notice to this role (NULL: none) goes through. */
const char *outbox_transport_for(const struct config *cfg, const char *role_transport);

#endif

/* A row as the dispatcher and driftwatchctl see it. */
struct outbox_row {
	int64_t id;
	char *dedupe_key, *kind, *transport, *recipient, *subject, *body_text, *body_html, *payload;
	char *batch_text, *batch_html, *state, *last_error;
	int urgency, urgent, attempts;
	time_t created_at, next_attempt_at, sent_at;
	int64_t batch_id;
	struct attachment *attachments; /* data owned by the row */
	size_t nattachments;
};

/* The store's outbox functions (store_outbox.c). */
void outbox_row_free(struct outbox_row *r);
int outbox_load(struct store *s, int64_t id, struct outbox_row *r); /* 0 found, -1 not */
/* Load the rows with these ids (attachments too) into rows[0..n), ordered by id, in one statement:
 * the count loaded (an id no longer there is left out). */
int outbox_load_many(struct store *s, const int64_t *ids, int n, struct outbox_row *rows);
int outbox_recover(struct store *s, char **cause); /* sending -> pending; count */
/* Due rows of one transport, most urgent then oldest first: ids, recipients and batchability. At
 * most limit rows; stops at `messages` rows unless one is batchable (later rows may join it). */
int outbox_due(struct store *s, const char *transport, time_t now, int limit, int messages, int64_t *ids,
    char **recipients, int *batchable);
int outbox_mark_sending(struct store *s, const int64_t *ids, int n, char **cause);
int outbox_mark_sent(struct store *s, const int64_t *ids, int n, time_t now, char **cause);
/* Many accepted messages' rows marked sent in one transaction (one commit, one fsync). The mark_*
 * functions join the caller's transaction when one is open, else run their own. */
struct outbox_sent {
	int64_t id;
	int64_t leader; /* the row whose message carried this one when batched; 0: sent alone */
	time_t at;
};
int outbox_mark_sent_rows(struct store *s, const struct outbox_sent *rows, int n, char **cause);
int outbox_mark_retry(struct store *s, const int64_t *ids, int n, time_t next, const char *error, char **cause);
int outbox_mark_dead(struct store *s, const int64_t *ids, int n, time_t now, const char *error, char **cause);
/* The earliest next_attempt_at of pending/retry rows on enabled transports (0: none). */
time_t outbox_next_due(struct store *s);
/* Endpoints (transports) disabled by a 410, until an admin enables them again. */
int outbox_endpoint_disable(struct store *s, const char *transport, time_t now, const char *reason, char **cause);
int outbox_endpoint_enable(struct store *s, const char *transport, char **cause);
bool outbox_endpoint_disabled(struct store *s, const char *transport);
/* For driftwatchctl: rows in a state (NULL: all), newest first; calls fn for each. */
int outbox_list(
    struct store *s, const char *state, int limit, void (*fn)(const struct outbox_row *, void *), void *arg);
/* Put a dead or retrying row back to pending now (id), or every dead row (id 0). Count, or -1. */
int outbox_requeue(struct store *s, int64_t id, time_t now, char **cause);
/* Counts of notices over [from, to): sent, given a retry, dead; and pending now. */
void outbox_counts(struct store *s, time_t from, time_t to, int *sent, int *retried, int *dead, int *pending);
