/*
 * asye.h: ASYE and caseload records as the rest of driftwatch sees them: the store side
 * (store_asye.c: the only SQL), and the notices the watcher builds from the planner's items
 * (watch_asye.c), shared by the daemon, `driftwatchctl explain worker` and the digest.
 */
#ifndef DRIFTWATCH_ASYE_H
#define DRIFTWATCH_ASYE_H

#include <stdbool.h>
#include <time.h>

#include "plan_asye.h"

struct config;
struct import_request;
struct store;

/* Every worker with their records, loaded in one go; the arrays are owned here. */
struct asye_roster {
	struct asye_worker *workers;
	int n;
	char **strings; /* everything allocated for the workers, freed together */
	int nstrings;
};

/* Load one worker (person_id) or everyone (NULL). 0, or -1 with *cause. */
int asye_roster_load(struct store *s, const char *person_id, struct asye_roster *r, char **cause);
void asye_roster_free(struct asye_roster *r);
const struct asye_worker *asye_roster_find(const struct asye_roster *r, const char *person_id);

/* Writes, inside the caller's transaction. */
int asye_store_worker(struct store *s, const struct asye_worker *w, int today, int *changed, char **cause);
int asye_store_time(struct store *s, const char *person_id, int week_of, double hours, char **cause);
int asye_store_supervision(struct store *s, const char *person_id, int held_on, int *added, char **cause);
int asye_store_review(struct store *s, const char *person_id, int held_on, int *added, char **cause);
int asye_store_reflection(struct store *s, const char *person_id, int held_on, int *added, char **cause);
int asye_store_pause(struct store *s, const char *person_id, int from, int to, char **cause);
/* A worker's caseload as last recorded on or before date (-1: none recorded). */
int asye_store_caseload_at(struct store *s, const char *person_id, int date);

/* Checks shared by the imports and driftwatchctl (0, or -1 with *why). */
int asye_parse_hours(const char *s, double *hours, char **why);
/* An ASYE, and date on or after the start and not after today. */
int asye_check_date(const struct asye_worker *w, int date, int today, const char *what, char **why);
/* An ASYE, the week not before the start nor in the future, hours no more than contracted. */
int asye_check_time(const struct asye_worker *w, int week_of, double hours, int today, char **why);
/* The imports (import_workforce.c): 0, 65 on bad input (every error printed), 1 on a store failure. */
int import_workforce(const struct import_request *rq);
int import_protected_time(const struct import_request *rq);
int import_supervisions(const struct import_request *rq);

/* One notice the watcher would send. */
struct asye_notice {
	char *rule;	 /* "time-behind" ..., "compliance-list" */
	char *person_id; /* NULL for the monthly list */
	int due, until;
	time_t fire_at;	  /* the send window's opening on the due date */
	char *recipient;  /* NULL when nobody has an email for it */
	char *to_desc;	  /* "team manager tm@...", "head of service (role head-of-service)" */
	char *missing;	  /* why there is no recipient */
	char *dedupe_key; /* (rule, person, occurrence[, week], recipient) */
	char *subject;
	char *line;	    /* the worker's line ("P001 A Name (team): reason."), or the list's title */
	const char *advice; /* what the team manager is asked to do */
	const char *team;   /* the worker's team ("no team") */
	char *intro;	    /* the list: what it shows */
	char *text, *html;  /* the list: its lines, and its table (escaped) */
	char *batch_text;   /* a reminder's line in the manager's batched message */
	char *reason;
	bool escalation;
	int urgency;
};

/*
 * Every notice planned at date: for each worker (or only person_id), and, when person_id is NULL,
 * the assistant directors' monthly compliance lists. 0, or -1 with *cause.
 */
int asye_notices(struct store *s, const struct config *cfg, const struct asye_roster *r, int date,
    const char *person_id, struct asye_notice **out, int *n, char **cause);
void asye_notices_free(struct asye_notice *notices, int n);

#endif
