/*
 * reviews.h: looked-after children's records as the reviews watcher, its importers and
 * driftwatchctl see them: periods of care, reviews held, permanence plans, and the permanence
 * disputes already raised. The SQL lives in store_reviews.c only.
 */
#ifndef DRIFTWATCH_REVIEWS_H
#define DRIFTWATCH_REVIEWS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "plan_reviews.h"

struct allocation;
struct config;
struct digest;
struct digest_period;
struct import_request;
struct store;
struct watcher;

/* The permanence plan types a council records. */
extern const char *const reviews_plan_types[];
bool reviews_plan_valid(const char *plan);

/* One child's records, ready for plan_reviews(). */
struct reviews_child {
	char *case_ref;
	struct review_period *periods;
	int nperiods;
	struct review_held *reviews;
	int nreviews;
	struct review_permanence *plans; /* plan strings owned here */
	int nplans;
	int booked_for; /* lac_bookings: the next review booked for (DATE_NONE: none) */
};

/* Every child with a period of care (case_ref NULL), or one; sorted by case reference. */
int reviews_load(struct store *s, const char *case_ref, struct reviews_child **children, int *n, char **cause);
/* Load the children a pass plans: those named in temp.plan_set (dirty_begin, see dirty.h). */
int reviews_load_set(struct store *s, struct reviews_child **children, int *n, char **cause);
void reviews_children_free(struct reviews_child *children, int n);
/* SQLite's plans for the three statements of reviews_load(s, case_ref, ...), one after another (see
 * store_query_plan): each must search its table by case_ref, never scan it (test_store). */
int reviews_load_plan(struct store *s, char **plan, char **cause);
/* A child's review_child view for the planner (pointers into rc). */
void reviews_child_view(const struct reviews_child *rc, struct review_child *c);

/*
 * Replace one child's periods of care and SSDA903 reviews with an extract's (reviews recorded by
 * hand are kept). *changed counts periods and reviews added or removed. In the caller's transaction.
 */
int reviews_replace_extract(struct store *s, const char *case_ref, const struct review_period *periods, int nperiods,
    const int *reviews, int nreviews, time_t now, int *changed, char **cause);
/* Add a review held or a permanence plan; *added 0 when it was already there. */
int reviews_add_review(struct store *s, const char *case_ref, int held_on, bool brought_forward, const char *source,
    time_t now, int *added, char **cause);
int reviews_add_plan(struct store *s, const char *case_ref, const char *plan, int agreed_on, const char *source,
    time_t now, int *added, char **cause);
/* Does the child have a period of care? */
bool reviews_child_known(struct store *s, const char *case_ref);

/* The permanence dispute raised for a period of care: 1 (with its id and date), 0 none. */
int reviews_dispute_get(
    struct store *s, const char *case_ref, int period_start, int64_t *dispute_id, time_t *raised_at);
int reviews_dispute_put(struct store *s, const char *case_ref, int period_start, int second_review_on,
    int64_t dispute_id, time_t now, char **cause);

/* Notices whose dedupe key starts with prefix, oldest first. */
int reviews_notices(struct store *s, const char *prefix,
    void (*fn)(const char *key, const char *recipient, const char *state, time_t created_at, time_t sent_at, void *),
    void *arg);

/* The dedupe key prefix of a child's notices: "reviews:CASE:". */
char *reviews_key_prefix(const char *case_ref);

/*
 * Importers. `import ssda903` (import_ssda903.c): header.csv, episodes.csv and reviews.csv, given
 * as files or their folder; strict refuses the whole extract when any row contradicts another.
 * `import permanence` (import_permanence.c): case_ref, plan, agreed_on. Both write in one
 * transaction or not at all. Return 0, 65 (bad data, nothing imported), 66 (missing file), 1.
 */
int import_ssda903(const struct import_request *rq);
int import_permanence(const struct import_request *rq);
/* An SSDA903 date: dd/mm/yyyy, dd/mm/yy (the century within the 100 years before today) or YYYY-MM-DD. */
int ssda903_date(const char *s, int today, int *date);

/* Notices (watch_reviews.c): "social worker", "team manager", "IRO", "head of service". */
const char *reviews_who(int bit);
/*
 * Where a notice to one REVIEW_TO_* recipient of a case goes: the allocation's emails, and for the
 * head of service the [team] override or the role head-of-service. -1 with *why when nobody can be told.
 */
int reviews_recipient(struct store *s, const struct config *cfg, const char *case_ref, const struct allocation *a,
    int bit, char **address, char **transport, char **why);
/* "reviews:CASE:RULE:PERIOD-START:DUE:LEVEL:ADDRESS". Caller frees. */
char *reviews_dedupe_key(const char *case_ref, const struct review_item *it, const char *address);

/* The watcher (watch_reviews.c). */
extern const struct watcher watch_reviews;

#endif
