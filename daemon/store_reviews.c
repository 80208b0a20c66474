/*
 * store_reviews.c: looked-after children in the database: periods of care, reviews held,
 * permanence plans, and the permanence disputes the reviews watcher has raised.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "reviews.h"
#include "store_int.h"
#include "xmalloc.h"

const char *const reviews_plan_types[] = { "adoption", "special-guardianship", "long-term-fostering", "return-home",
	"child-arrangements-order", "kinship", "other", NULL };

/* Is this one of the plan types? */
bool
reviews_plan_valid(const char *plan)
{
	int i;

	for (i = 0; reviews_plan_types[i] != NULL; i++) {
		if (strcmp(reviews_plan_types[i], plan) == 0)
			return true;
	}
	return false;
}

/* Find or add a child in a sorted-as-read array (queries come ordered by case_ref). */
static struct reviews_child *
reviews_find(struct reviews_child *children, int n, const char *case_ref)
{
	int lo = 0, hi = n - 1, mid, c;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		c = strcmp(children[mid].case_ref, case_ref);
		if (c == 0)
			return &children[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* The queries of a load: periods, reviews, plans and the review booked, each ordered by case_ref. */
struct reviews_queries {
	const char *periods, *reviews, *plans, *bookings;
};

/*
 * One child: a search of each primary key. Not "?1 IS NULL OR case_ref = ?1" shared with every
 * child: SQLite plans a cached statement once, and the OR made that plan a scan of each whole
 * table, which an API write paid twice a request (2 ms at 2,000 children, issue #14).
 */
static const struct reviews_queries reviews_by_case = {
	"SELECT case_ref, started_on, start_known, ended_on FROM lac_periods "
	"WHERE case_ref = ?1 ORDER BY case_ref, started_on",
	"SELECT case_ref, held_on, brought_forward FROM lac_reviews "
	"WHERE case_ref = ?1 ORDER BY case_ref, held_on",
	"SELECT case_ref, plan, agreed_on FROM lac_permanence "
	"WHERE case_ref = ?1 ORDER BY case_ref, agreed_on",
	"SELECT case_ref, booked_for FROM lac_bookings WHERE case_ref = ?1",
};

/* Every child (the ?1 bound is NULL and unused). */
static const struct reviews_queries reviews_all = {
	"SELECT case_ref, started_on, start_known, ended_on FROM lac_periods ORDER BY case_ref, started_on",
	"SELECT case_ref, held_on, brought_forward FROM lac_reviews ORDER BY case_ref, held_on",
	"SELECT case_ref, plan, agreed_on FROM lac_permanence ORDER BY case_ref, agreed_on",
	"SELECT case_ref, booked_for FROM lac_bookings",
};

/* The children a pass plans (temp.plan_set, see dirty.h): each an index search, cached. */
static const struct reviews_queries reviews_by_set = {
	"SELECT case_ref, started_on, start_known, ended_on FROM lac_periods "
	"WHERE case_ref IN (SELECT key FROM temp.plan_set) ORDER BY case_ref, started_on",
	"SELECT case_ref, held_on, brought_forward FROM lac_reviews "
	"WHERE case_ref IN (SELECT key FROM temp.plan_set) ORDER BY case_ref, held_on",
	"SELECT case_ref, plan, agreed_on FROM lac_permanence "
	"WHERE case_ref IN (SELECT key FROM temp.plan_set) ORDER BY case_ref, agreed_on",
	"SELECT case_ref, booked_for FROM lac_bookings WHERE case_ref IN (SELECT key FROM temp.plan_set)",
};

/* See reviews.h. */
int
reviews_load_plan(struct store *s, char **plan, char **cause)
{
	const char *sql[] = { reviews_by_case.periods, reviews_by_case.reviews, reviews_by_case.plans };
	char *one;
	size_t i;

	*plan = xstrdup("");
	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		if (store_query_plan(s, sql[i], &one, cause) != 0) {
			free(*plan);
			*plan = NULL;
			return -1;
		}
		xappendf(plan, "%s", one);
		free(one);
	}
	return 0;
}

/* Load children with the queries q (case_ref bound to each, NULL for none). */
static int
reviews_load_with(
    struct store *s, const struct reviews_queries *q, const char *case_ref, struct reviews_child **children, int *n)
{
	struct reviews_child *out = NULL, *c;
	sqlite3_stmt *st;
	int nout = 0, rc;

	st = store_cached(s, q->periods);
	store_bind_text(st, 1, case_ref);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *ref = (const char *)sqlite3_column_text(st, 0);
		if (nout == 0 || strcmp(out[nout - 1].case_ref, ref) != 0) {
			if ((nout & (nout - 1)) == 0) /* grow by doubling */
				out = xreallocarray(out, (size_t)nout * 2 + 1, sizeof *out);
			memset(&out[nout], 0, sizeof *out);
			out[nout].booked_for = DATE_NONE;
			out[nout++].case_ref = xstrdup(ref);
		}
		c = &out[nout - 1];
		c->periods = xreallocarray(c->periods, (size_t)c->nperiods + 1, sizeof *c->periods);
		c->periods[c->nperiods].started_on = sqlite3_column_int(st, 1);
		c->periods[c->nperiods].start_known = sqlite3_column_int(st, 2) != 0;
		c->periods[c->nperiods].ended_on =
		    sqlite3_column_type(st, 3) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(st, 3);
		c->nperiods++;
	}
	store_release(s, st);

	st = store_cached(s, q->reviews);
	store_bind_text(st, 1, case_ref);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((c = reviews_find(out, nout, (const char *)sqlite3_column_text(st, 0))) == NULL)
			continue;
		c->reviews = xreallocarray(c->reviews, (size_t)c->nreviews + 1, sizeof *c->reviews);
		c->reviews[c->nreviews].held_on = sqlite3_column_int(st, 1);
		c->reviews[c->nreviews].brought_forward = sqlite3_column_int(st, 2) != 0;
		c->nreviews++;
	}
	store_release(s, st);

	st = store_cached(s, q->plans);
	store_bind_text(st, 1, case_ref);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((c = reviews_find(out, nout, (const char *)sqlite3_column_text(st, 0))) == NULL)
			continue;
		c->plans = xreallocarray(c->plans, (size_t)c->nplans + 1, sizeof *c->plans);
		c->plans[c->nplans].plan = store_column_strdup(st, 1);
		c->plans[c->nplans].agreed_on = sqlite3_column_int(st, 2);
		c->nplans++;
	}
	store_release(s, st);

	st = store_cached(s, q->bookings);
	store_bind_text(st, 1, case_ref);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((c = reviews_find(out, nout, (const char *)sqlite3_column_text(st, 0))) != NULL)
			c->booked_for = sqlite3_column_int(st, 1);
	}
	store_release(s, st);
	*children = out;
	*n = nout;
	return 0;
}

/* See reviews.h. */
int
reviews_load(struct store *s, const char *case_ref, struct reviews_child **children, int *n, char **cause)
{
	(void)cause;
	return reviews_load_with(s, case_ref != NULL ? &reviews_by_case : &reviews_all, case_ref, children, n);
}

/* See reviews.h. */
int
reviews_load_set(struct store *s, struct reviews_child **children, int *n, char **cause)
{
	(void)cause;
	return reviews_load_with(s, &reviews_by_set, NULL, children, n);
}

/* See reviews.h. */
void
reviews_children_free(struct reviews_child *children, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		free(children[i].case_ref);
		free(children[i].periods);
		free(children[i].reviews);
		for (j = 0; j < children[i].nplans; j++)
			free((char *)(uintptr_t)children[i].plans[j].plan);
		free(children[i].plans);
	}
	free(children);
}

/* See reviews.h. */
void
reviews_child_view(const struct reviews_child *rc, struct review_child *c)
{
	c->case_ref = rc->case_ref;
	c->periods = rc->periods;
	c->nperiods = rc->nperiods;
	c->reviews = rc->reviews;
	c->nreviews = rc->nreviews;
	c->plans = rc->plans;
	c->nplans = rc->nplans;
	c->booked_for = rc->booked_for;
}

/*
 * Run a statement that changes rows; the number changed, or -1. The statements are cached: an
 * SSDA903 import runs them once or more per child, 80,000 children at a national scale.
 */
static int
reviews_step(struct store *s, sqlite3_stmt *st, char **cause, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE) {
		store_release(s, st);
		return store_fail(s, cause, what);
	}
	store_release(s, st);
	return sqlite3_changes(s->db);
}

/* See reviews.h. */
int
reviews_replace_extract(struct store *s, const char *case_ref, const struct review_period *periods, int nperiods,
    const int *reviews, int nreviews, time_t now, int *changed, char **cause)
{
	sqlite3_stmt *st;
	int i, n, same = 0, old = 0;

	*changed = 0;
	/* Periods: count those that stay the same, then replace them all. */
	st = store_cached(s, "SELECT started_on, start_known, ended_on FROM lac_periods WHERE case_ref = ?");
	store_bind_text(st, 1, case_ref);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int started = sqlite3_column_int(st, 0), known = sqlite3_column_int(st, 1);
		int ended = sqlite3_column_type(st, 2) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(st, 2);
		old++;
		for (i = 0; i < nperiods; i++) {
			if (periods[i].started_on == started && (int)periods[i].start_known == known &&
			    periods[i].ended_on == ended)
				same++;
		}
	}
	store_release(s, st);
	*changed += (old - same) + (nperiods - same);
	st = store_cached(s, "DELETE FROM lac_periods WHERE case_ref = ?");
	store_bind_text(st, 1, case_ref);
	if (reviews_step(s, st, cause, "lac_periods") < 0)
		return -1;
	for (i = 0; i < nperiods; i++) {
		st = store_cached(
		    s, "INSERT INTO lac_periods (case_ref, started_on, start_known, ended_on) VALUES (?, ?, ?, ?)");
		store_bind_text(st, 1, case_ref);
		sqlite3_bind_int(st, 2, periods[i].started_on);
		sqlite3_bind_int(st, 3, periods[i].start_known);
		if (periods[i].ended_on == DATE_NONE)
			sqlite3_bind_null(st, 4);
		else
			sqlite3_bind_int(st, 4, periods[i].ended_on);
		if (reviews_step(s, st, cause, "lac_periods") < 0)
			return -1;
	}
	/* Reviews from an extract: drop those no longer in it, add the new ones. */
	st = store_cached(s, "CREATE TEMP TABLE IF NOT EXISTS lac_import_reviews (held_on INTEGER PRIMARY KEY)");
	if (reviews_step(s, st, cause, "lac_import_reviews") < 0)
		return -1;
	st = store_cached(s, "DELETE FROM lac_import_reviews");
	if (reviews_step(s, st, cause, "lac_import_reviews") < 0)
		return -1;
	for (i = 0; i < nreviews; i++) {
		st = store_cached(s, "INSERT OR IGNORE INTO lac_import_reviews (held_on) VALUES (?)");
		sqlite3_bind_int(st, 1, reviews[i]);
		if (reviews_step(s, st, cause, "lac_import_reviews") < 0)
			return -1;
	}
	st = store_cached(s,
	    "DELETE FROM lac_reviews WHERE case_ref = ? AND source = 'ssda903' "
	    "AND held_on NOT IN (SELECT held_on FROM lac_import_reviews)");
	store_bind_text(st, 1, case_ref);
	if ((n = reviews_step(s, st, cause, "lac_reviews")) < 0)
		return -1;
	*changed += n;
	st = store_cached(s,
	    "INSERT OR IGNORE INTO lac_reviews (case_ref, held_on, brought_forward, source, recorded_at) "
	    "SELECT ?, held_on, 0, 'ssda903', ? FROM lac_import_reviews");
	store_bind_text(st, 1, case_ref);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if ((n = reviews_step(s, st, cause, "lac_reviews")) < 0)
		return -1;
	*changed += n;
	return 0;
}

/* See reviews.h. */
int
reviews_add_review(struct store *s, const char *case_ref, int held_on, bool brought_forward, const char *source,
    time_t now, int *added, char **cause)
{
	sqlite3_stmt *st;
	int n;

	st = store_cached(s,
	    "INSERT OR IGNORE INTO lac_reviews (case_ref, held_on, brought_forward, source, recorded_at) "
	    "VALUES (?, ?, ?, ?, ?)");
	store_bind_text(st, 1, case_ref);
	sqlite3_bind_int(st, 2, held_on);
	sqlite3_bind_int(st, 3, brought_forward);
	store_bind_text(st, 4, source);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if ((n = reviews_step(s, st, cause, "lac_reviews")) < 0)
		return -1;
	if (n == 0 && brought_forward) {
		/* Already recorded (e.g. from an extract): mark it brought forward. */
		st = store_cached(s,
		    "UPDATE lac_reviews SET brought_forward = 1 WHERE case_ref = ? AND held_on = ? "
		    "AND brought_forward = 0");
		store_bind_text(st, 1, case_ref);
		sqlite3_bind_int(st, 2, held_on);
		if ((n = reviews_step(s, st, cause, "lac_reviews")) < 0)
			return -1;
	}
	if (added != NULL)
		*added = n;
	return 0;
}

/* See reviews.h. */
int
reviews_add_plan(struct store *s, const char *case_ref, const char *plan, int agreed_on, const char *source, time_t now,
    int *added, char **cause)
{
	sqlite3_stmt *st;
	int n;

	st = store_cached(s,
	    "INSERT OR IGNORE INTO lac_permanence (case_ref, plan, agreed_on, source, recorded_at) "
	    "VALUES (?, ?, ?, ?, ?)");
	store_bind_text(st, 1, case_ref);
	store_bind_text(st, 2, plan);
	sqlite3_bind_int(st, 3, agreed_on);
	store_bind_text(st, 4, source);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if ((n = reviews_step(s, st, cause, "lac_permanence")) < 0)
		return -1;
	if (added != NULL)
		*added = n;
	return 0;
}

/* See reviews.h. */
bool
reviews_child_known(struct store *s, const char *case_ref)
{
	sqlite3_stmt *st = store_cached(s, "SELECT 1 FROM lac_periods WHERE case_ref = ? LIMIT 1");
	bool found;

	store_bind_text(st, 1, case_ref);
	found = sqlite3_step(st) == SQLITE_ROW;
	store_release(s, st);
	return found;
}

/* See reviews.h. */
int
reviews_dispute_get(struct store *s, const char *case_ref, int period_start, int64_t *dispute_id, time_t *raised_at)
{
	sqlite3_stmt *st =
	    store_cached(s, "SELECT dispute_id, raised_at FROM lac_disputes WHERE case_ref = ? AND period_start = ?");
	int found = 0;

	store_bind_text(st, 1, case_ref);
	sqlite3_bind_int(st, 2, period_start);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		if (dispute_id != NULL)
			*dispute_id = sqlite3_column_int64(st, 0);
		if (raised_at != NULL)
			*raised_at = (time_t)sqlite3_column_int64(st, 1);
	}
	store_release(s, st);
	return found;
}

/* See reviews.h. */
int
reviews_dispute_put(struct store *s, const char *case_ref, int period_start, int second_review_on, int64_t dispute_id,
    time_t now, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "INSERT INTO lac_disputes (case_ref, period_start, second_review_on, dispute_id, "
	    "raised_at) VALUES (?, ?, ?, ?, ?)");

	store_bind_text(st, 1, case_ref);
	sqlite3_bind_int(st, 2, period_start);
	sqlite3_bind_int(st, 3, second_review_on);
	sqlite3_bind_int64(st, 4, dispute_id);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	return reviews_step(s, st, cause, "lac_disputes") < 0 ? -1 : 0;
}

/* See reviews.h. */
int
reviews_notices(struct store *s, const char *prefix,
    void (*fn)(const char *key, const char *recipient, const char *state, time_t created_at, time_t sent_at, void *),
    void *arg)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT dedupe_key, recipient, state, created_at, sent_at FROM outbox "
	    "WHERE substr(dedupe_key, 1, length(?1)) = ?1 ORDER BY created_at, id");
	int n = 0;

	store_bind_text(st, 1, prefix);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fn((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2), (time_t)sqlite3_column_int64(st, 3),
		    (time_t)sqlite3_column_int64(st, 4), arg);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* See reviews.h. */
char *
reviews_key_prefix(const char *case_ref)
{
	char *p;

	xasprintf(&p, "reviews:%s:", case_ref);
	return p;
}
