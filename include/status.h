/*
 * status.h: what the daemon records about itself for `driftwatchctl status` (its run, each
 * watcher's last pass, the breakers open in the dispatcher's memory), what status reads, and the
 * outbox's first-start hold (escalations enqueued 'held' until an admin releases them). The SQL
 * is in store_daemon.c. Every record_* write is best effort: a failure is reported to the caller,
 * who logs it and carries on; none of them may break a pass or a delivery.
 */
#ifndef DRIFTWATCH_STATUS_H
#define DRIFTWATCH_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct store;

/* One watcher's last pass. */
struct status_watcher {
	char *name;
	time_t at;   /* when it ran */
	long ms;     /* how long it took */
	time_t next; /* its next wake (0: nothing scheduled) */
	char *error; /* NULL: committed */
};

/* A transport the breaker paused. */
struct status_breaker {
	char *transport;
	int failures;
	time_t paused_at, paused_until;
};

/* The last import of one kind. */
struct status_import {
	char *kind, *file, *summary;
	time_t at;
};

#define STATUS_NSTATES 6 /* pending, retry, sending, held, dead, sent */
#define STATUS_HELD 3	 /* status_states[STATUS_HELD] is "held" */
extern const char *const status_states[STATUS_NSTATES];

struct status {
	bool known; /* the daemon ever recorded a start */
	long pid;
	char *version, *rules;
	time_t started_at, loaded_at, stopped_at; /* stopped_at 0: no clean stop recorded */
	time_t seen_at;				  /* the latest watcher pass (or the start) */
	struct status_watcher *watchers;
	int nwatchers;
	struct status_breaker *breakers;
	int nbreakers;
	struct status_import *imports;
	int nimports;
	int counts[STATUS_NSTATES]; /* the outbox by state, in status_states' order */
	int64_t oldest_id;	    /* the oldest notice waiting (pending or retry); 0: none */
	time_t oldest_created, oldest_next;
	char *oldest_kind, *oldest_recipient;
};

/* The daemon started (pid, version, rules file or NULL) at now: its run row, the breakers cleared. */
int status_record_start(struct store *s, long pid, const char *version, const char *rules, time_t now, char **cause);
/* The rules were reloaded at now. */
int status_record_loaded(struct store *s, time_t now, char **cause);
/* The daemon stopped cleanly at now. */
int status_record_stop(struct store *s, time_t now, char **cause);
/* One pass of every watcher, in one statement and its own transaction. */
int status_record_pass(struct store *s, const struct status_watcher *w, int n, char **cause);
/* A breaker opened (paused_until > 0) or closed (0). Skipped inside another's transaction. */
int status_record_breaker(
    struct store *s, const char *transport, int failures, time_t now, time_t paused_until, char **cause);
/* Everything status shows from the database. 0, or -1 with *cause. */
int status_read(struct store *s, struct status *st, char **cause);
void status_free(struct status *st);

/* The first-start hold. Has the outbox never held a notice? */
bool outbox_never_used(struct store *s);
/* While on, escalations are enqueued 'held' (never claimed) instead of 'pending'. */
void outbox_hold_escalations(struct store *s, bool on);
/* Notices held now. */
int outbox_held_count(struct store *s);
/*
 * Move held notices to pending: every one (rule NULL, id 0), those whose dedupe key is rule or
 * starts with "rule:", or one by id. Each is due at once (urgent) or when the send window opens
 * at or after now (window_open), and its give-up clock starts now. Count, or -1 with *cause.
 */
int outbox_release(struct store *s, const char *rule, int64_t id, time_t now, time_t window_open, char **cause);

/*
 * For `driftwatchctl upcoming`: the whole database copied into memory, so the daemon's own
 * watchers can run on it at future instants and nothing they enqueue is ever written to the file.
 */
struct store *store_copy_in_memory(struct store *s, char **cause);

/* A notice as upcoming lists it. */
struct upcoming_notice {
	int64_t id;
	char *dedupe_key, *kind, *transport, *recipient, *subject, *state;
	time_t created_at, next_attempt_at;
	bool urgent, batched;
};
/* Rows with id > after_id in the given state (NULL: any), oldest first; fn for each. Count. */
int outbox_rows_after(struct store *s, int64_t after_id, const char *state,
    void (*fn)(const struct upcoming_notice *, void *), void *arg);
/* The highest notice id (0: none). */
int64_t outbox_last_id(struct store *s);

#endif
