/*
 * disputes.h: IRO disputes as other modules see them. Raising, firing, catching up, routing and
 * keying live in disputes.c (the watcher that fires them as time passes is watch_disputes.c); the
 * records' SQL in store_disputes.c. The reviews watcher raises a permanence dispute by itself when
 * a second review is recorded without a permanence plan.
 */
#ifndef DRIFTWATCH_DISPUTES_H
#define DRIFTWATCH_DISPUTES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "plan_disputes.h"

struct config;
struct import_request;
struct store;

struct dispute_raise {
	const char *case_ref;
	const char *iro_email; /* raised by */
	const char *category;  /* drift-and-delay, permanence, care-plan, ... */
	const char *stage;     /* NULL: the first stage of the ladder */
	const char *note;      /* no child's name */
	int raised_on;	       /* local date */
	const char *actor;     /* "daemon", "ctl", ... for the audit trail */
};

/*
 * Raise a dispute inside the caller's transaction: record it, its stage dates from the ladder in
 * force (kept with the dispute), the first notices and the audit entry. *id is the new dispute.
 * -1 with *cause for an unknown case, category or stage.
 */
int disputes_raise(
    struct store *s, const struct config *cfg, const struct dispute_raise *r, time_t now, int64_t *id, char **cause);

/*
 * Fire what is due for one dispute at now (notices, moves up, audit) inside the caller's
 * transaction; *next (may be NULL) is lowered to its next fire instant. actor names who caused it.
 */
int disputes_fire(
    struct store *s, const struct config *cfg, int64_t id, time_t now, const char *actor, time_t *next, char **cause);
/*
 * Apply, inside the caller's transaction, the moves up that fell due by the end of local date on
 * (never past now): a command dated on then acts on the stage the daemon would have had, even if
 * it was down. Notices other than the moves' own wait for the next pass.
 */
int disputes_catch_up(
    struct store *s, const struct config *cfg, int64_t id, int on, time_t now, const char *actor, char **cause);

struct dispute;
/*
 * Where a responder key ("iro", "team-manager", "head-of-service", a role key ...) of a dispute
 * sends: 0 with *address and *transport, or -1 with *why (nobody has an email for it).
 */
int disputes_recipient(struct store *s, const struct config *cfg, const struct dispute *d, const char *who,
    char **address, char **transport, char **why);
/* The dedupe key of one planned notice to one address. Caller frees. */
char *disputes_dedupe_key(const struct dispute *d, const struct dispute_item *it, const char *address);

/*
 * `driftwatchctl import disputes FILE.csv`: a council's existing tracker (id, case_ref, iro_email,
 * category, raised_on, stage, stage_started_on, resolved_on, outcome). Every row checked first,
 * then all written in one transaction under the ladder in the ini. Returns an exit code (0, 65, 1).
 */
int import_disputes(const struct import_request *rq);

/* ---- the store side (store_disputes.c) ---- */

struct dispute_event {
	int64_t id;
	int on_date;
	time_t at;
	char *kind; /* raised, moved-up, escalated, imported, response, resolved, cafcass, note */
	char *stage, *responder, *note, *actor;
};

/* A dispute as stored: the planner's record (its strings point into this struct) and the rest. */
struct dispute {
	struct dispute_record rec;
	char *case_ref, *raised_by, *category, *note, *outcome, *cafcass_note;
	int cafcass_on;
	int64_t rev;
	struct dispute_event *events;
	int nevents;
};

/* Load one dispute and its history (0), or -1 when there is none. */
int disputes_load(struct store *s, int64_t id, struct dispute *d);
void dispute_free(struct dispute *d);
/* Insert d (its rec's ladder, stage and dates; id ignored; d->rec.id set). In a transaction. */
int disputes_insert(struct store *s, struct dispute *d, char **cause);
/* Insert with a given id (an imported tracker); -1 with *cause when the id is taken. */
int disputes_insert_id(struct store *s, struct dispute *d, int64_t id, char **cause);
/* Write back stage, dates, response, outcome, resolution and Cafcass; bumps rev. */
int disputes_update(struct store *s, const struct dispute *d, char **cause);
/* Append one history entry. */
int disputes_event_add(struct store *s, int64_t id, int on_date, time_t at, const char *kind, const char *stage,
    const char *responder, const char *note, const char *actor, char **cause);
/* Ids of the disputes to watch: open ones, and those resolved on or after since. Caller frees. */
int disputes_active(struct store *s, int since, int64_t **ids, int *n);
/* The same among the disputes a pass plans (temp.plan_set, see dirty.h). */
int disputes_active_set(struct store *s, int since, int64_t **ids, int *n);
/* Every dispute (open_only: unresolved; stage: at that stage, or NULL), ordered by id. */
int disputes_list(
    struct store *s, bool open_only, const char *stage, void (*fn)(const struct dispute *, void *), void *arg);
/* Is this id taken? */
bool disputes_exists(struct store *s, int64_t id);

/* Every notice of one dispute already in the outbox, oldest first. */
struct dispute_notice {
	const char *dedupe_key, *recipient, *subject, *state;
	time_t created, sent;
};
int disputes_notices(struct store *s, int64_t id, void (*fn)(const struct dispute_notice *, void *), void *arg);

/* Figures for a period [from, to] of local dates, as at its end. */
struct dispute_stats {
	int opened, resolved, open_at_end;
	int nstages;
	char stage_names[DISPUTE_STAGES_MAX * 2][32];
	int stage_counts[DISPUTE_STAGES_MAX * 2];
	double median_wd, p90_wd; /* of those resolved in the period (NaN when none) */
	int by_category[16];	  /* opened in the period, by plan_disputes_categories[] order */
	double drift_share;	  /* % of those opened about drift and delay (NaN when none) */
	int reached_dcs;	  /* entered a DCS stage in the period */
	int reached_dcs_year;	  /* ... from 1 January of to's year to to */
	int cafcass;		  /* referred to Cafcass in the period */
};
int disputes_stats(struct store *s, const struct config *cfg, int from, int to, struct dispute_stats *st, char **cause);

#endif
