/*
 * store_asye.c: the workforce, protected time, supervisions, review points, critical reflections
 * and pauses in SQLite (the only SQL of the ASYE watcher). Dates are local dates as integers (days
 * since 1970-01-01).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "store_int.h"
#include "xmalloc.h"

/* Keep a string with the roster, to free with it. */
static const char *
asye_roster_keep(struct asye_roster *r, char *str)
{
	if (str == NULL)
		return NULL;
	r->strings = xreallocarray(r->strings, (size_t)r->nstrings + 1, sizeof *r->strings);
	r->strings[r->nstrings++] = str;
	return str;
}

/* Load the dated rows of one table for one worker: dates (and, for protected time, hours). */
static void
asye_roster_dates(
    struct store *s, const char *sql, const char *person_id, int **dates, int **ends, double **hours, int *n)
{
	sqlite3_stmt *st = store_prepare(s, sql);

	*n = 0;
	*dates = NULL;
	store_bind_text(st, 1, person_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*dates = xreallocarray(*dates, (size_t)*n + 1, sizeof **dates);
		(*dates)[*n] = sqlite3_column_int(st, 0);
		if (ends != NULL) {
			*ends = xreallocarray(*ends, (size_t)*n + 1, sizeof **ends);
			(*ends)[*n] = sqlite3_column_int(st, 1);
		}
		if (hours != NULL) {
			*hours = xreallocarray(*hours, (size_t)*n + 1, sizeof **hours);
			(*hours)[*n] = sqlite3_column_double(st, 1);
		}
		(*n)++;
	}
	sqlite3_finalize(st);
}

/* See asye.h. */
int
asye_roster_load(struct store *s, const char *person_id, struct asye_roster *r, char **cause)
{
	sqlite3_stmt *st;
	int i, j, n, *dates, *ends;
	double *hours;

	(void)cause;
	memset(r, 0, sizeof *r);
	st = store_prepare(s,
	    "SELECT person_id, name, email, role, team, manager_email, asye_started_on, "
	    "contracted_hours, caseload FROM workers WHERE ?1 IS NULL OR person_id = ?1 "
	    "ORDER BY team, person_id");
	store_bind_text(st, 1, person_id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct asye_worker *w;
		r->workers = xreallocarray(r->workers, (size_t)r->n + 1, sizeof *r->workers);
		w = &r->workers[r->n++];
		memset(w, 0, sizeof *w);
		w->person_id = asye_roster_keep(r, store_column_strdup(st, 0));
		w->name = asye_roster_keep(r, store_column_strdup(st, 1));
		w->email = asye_roster_keep(r, store_column_strdup(st, 2));
		w->role = asye_roster_keep(r, store_column_strdup(st, 3));
		w->team = asye_roster_keep(r, store_column_strdup(st, 4));
		w->manager_email = asye_roster_keep(r, store_column_strdup(st, 5));
		w->asye_started_on = sqlite3_column_type(st, 6) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(st, 6);
		w->contracted_hours = sqlite3_column_double(st, 7);
		w->caseload = sqlite3_column_int(st, 8);
	}
	sqlite3_finalize(st);

	for (i = 0; i < r->n; i++) {
		struct asye_worker *w = &r->workers[i];
		struct asye_week *weeks;
		struct asye_pause *pauses;

		hours = NULL;
		asye_roster_dates(s,
		    "SELECT week_of, hours FROM asye_protected_time WHERE person_id = ? ORDER BY week_of", w->person_id,
		    &dates, NULL, &hours, &n);
		weeks = xcalloc((size_t)n + 1, sizeof *weeks);
		for (j = 0; j < n; j++)
			weeks[j].week_of = dates[j], weeks[j].hours = hours[j];
		free(dates), free(hours);
		w->weeks = weeks, w->nweeks = n;
		asye_roster_keep(r, (char *)weeks);

		asye_roster_dates(s, "SELECT held_on FROM asye_supervisions WHERE person_id = ? ORDER BY held_on",
		    w->person_id, &dates, NULL, NULL, &n);
		w->supervisions = dates, w->nsupervisions = n;
		asye_roster_keep(r, (char *)dates);

		asye_roster_dates(s, "SELECT held_on FROM asye_reviews WHERE person_id = ? ORDER BY held_on",
		    w->person_id, &dates, NULL, NULL, &n);
		w->reviews = dates, w->nreviews = n;
		asye_roster_keep(r, (char *)dates);

		asye_roster_dates(s, "SELECT held_on FROM asye_reflections WHERE person_id = ? ORDER BY held_on",
		    w->person_id, &dates, NULL, NULL, &n);
		w->reflections = dates, w->nreflections = n;
		asye_roster_keep(r, (char *)dates);

		ends = NULL;
		asye_roster_dates(s, "SELECT from_on, to_on FROM asye_pauses WHERE person_id = ? ORDER BY from_on",
		    w->person_id, &dates, &ends, NULL, &n);
		pauses = xcalloc((size_t)n + 1, sizeof *pauses);
		for (j = 0; j < n; j++)
			pauses[j].from = dates[j], pauses[j].to = ends[j];
		free(dates), free(ends);
		w->pauses = pauses, w->npauses = n;
		asye_roster_keep(r, (char *)pauses);
	}
	return 0;
}

/* See asye.h. */
void
asye_roster_free(struct asye_roster *r)
{
	int i;

	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	free(r->strings);
	free(r->workers);
	memset(r, 0, sizeof *r);
}

/* See asye.h. */
const struct asye_worker *
asye_roster_find(const struct asye_roster *r, const char *person_id)
{
	int i;

	for (i = 0; i < r->n; i++) {
		if (strcmp(r->workers[i].person_id, person_id) == 0)
			return &r->workers[i];
	}
	return NULL;
}

/* See asye.h: insert or update a worker, and note the caseload on today's date. */
int
asye_store_worker(struct store *s, const struct asye_worker *w, int today, int *changed, char **cause)
{
	sqlite3_stmt *st;
	int rc = -1;

	st = store_prepare(s,
	    "INSERT INTO workers (person_id, name, email, role, team, manager_email, asye_started_on, "
	    "contracted_hours, caseload) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT(person_id) DO UPDATE SET "
	    "name = excluded.name, email = excluded.email, role = excluded.role, team = excluded.team, "
	    "manager_email = excluded.manager_email, asye_started_on = excluded.asye_started_on, "
	    "contracted_hours = excluded.contracted_hours, caseload = excluded.caseload, rev = rev + 1 "
	    "WHERE name IS NOT excluded.name OR email IS NOT excluded.email OR role IS NOT excluded.role "
	    "OR team IS NOT excluded.team OR manager_email IS NOT excluded.manager_email "
	    "OR asye_started_on IS NOT excluded.asye_started_on OR contracted_hours IS NOT "
	    "excluded.contracted_hours "
	    "OR caseload IS NOT excluded.caseload");
	store_bind_text(st, 1, w->person_id);
	store_bind_text(st, 2, w->name);
	store_bind_text(st, 3, w->email != NULL && *w->email != '\0' ? w->email : NULL);
	store_bind_text(st, 4, w->role);
	store_bind_text(st, 5, w->team != NULL ? w->team : "");
	store_bind_text(st, 6, w->manager_email != NULL && *w->manager_email != '\0' ? w->manager_email : NULL);
	if (w->asye_started_on == DATE_NONE)
		sqlite3_bind_null(st, 7);
	else
		sqlite3_bind_int(st, 7, w->asye_started_on);
	sqlite3_bind_double(st, 8, w->contracted_hours);
	sqlite3_bind_int(st, 9, w->caseload);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, cause, "workers");
		goto out;
	}
	*changed = sqlite3_changes(s->db) > 0;
	sqlite3_finalize(st);
	st = store_prepare(s,
	    "INSERT INTO worker_caseloads (person_id, recorded_on, caseload) VALUES (?, ?, ?) "
	    "ON CONFLICT(person_id, recorded_on) DO UPDATE SET caseload = excluded.caseload");
	store_bind_text(st, 1, w->person_id);
	sqlite3_bind_int(st, 2, today);
	sqlite3_bind_int(st, 3, w->caseload);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, cause, "worker caseloads");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* Run one write with a person and one or two integers. */
static int
asye_store_write(struct store *s, const char *sql, const char *person_id, int a, int b, double hours, int *added,
    char **cause, const char *what)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	int rc = 0;

	store_bind_text(st, 1, person_id);
	sqlite3_bind_int(st, 2, a);
	if (sqlite3_bind_parameter_count(st) >= 3) {
		if (hours >= 0)
			sqlite3_bind_double(st, 3, hours);
		else
			sqlite3_bind_int(st, 3, b);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, what);
	else if (added != NULL)
		*added = sqlite3_changes(s->db) > 0;
	sqlite3_finalize(st);
	return rc;
}

/* See asye.h: hours for a week replace what was recorded for it. */
int
asye_store_time(struct store *s, const char *person_id, int week_of, double hours, char **cause)
{
	return asye_store_write(s,
	    "INSERT INTO asye_protected_time (person_id, week_of, hours) VALUES (?, ?, ?) "
	    "ON CONFLICT(person_id, week_of) DO UPDATE SET hours = excluded.hours",
	    person_id, week_of, 0, hours, NULL, cause, "protected time");
}

/* See asye.h. */
int
asye_store_supervision(struct store *s, const char *person_id, int held_on, int *added, char **cause)
{
	return asye_store_write(s,
	    "INSERT INTO asye_supervisions (person_id, held_on) VALUES (?, ?) ON CONFLICT DO NOTHING", person_id,
	    held_on, 0, -1, added, cause, "supervisions");
}

/* See asye.h. */
int
asye_store_review(struct store *s, const char *person_id, int held_on, int *added, char **cause)
{
	return asye_store_write(s, "INSERT INTO asye_reviews (person_id, held_on) VALUES (?, ?) ON CONFLICT DO NOTHING",
	    person_id, held_on, 0, -1, added, cause, "reviews");
}

/* See asye.h. */
int
asye_store_reflection(struct store *s, const char *person_id, int held_on, int *added, char **cause)
{
	return asye_store_write(s,
	    "INSERT INTO asye_reflections (person_id, held_on) VALUES (?, ?) ON CONFLICT DO NOTHING", person_id,
	    held_on, 0, -1, added, cause, "reflections");
}

/* See asye.h. */
int
asye_store_pause(struct store *s, const char *person_id, int from, int to, char **cause)
{
	return asye_store_write(s,
	    "INSERT INTO asye_pauses (person_id, from_on, to_on) VALUES (?, ?, ?) "
	    "ON CONFLICT(person_id, from_on) DO UPDATE SET to_on = excluded.to_on",
	    person_id, from, to, -1, NULL, cause, "pauses");
}

/* See asye.h. */
int
asye_store_caseload_at(struct store *s, const char *person_id, int date)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT caseload FROM worker_caseloads WHERE person_id = ? AND recorded_on <= ? "
	    "ORDER BY recorded_on DESC LIMIT 1");
	int v = -1;

	store_bind_text(st, 1, person_id);
	sqlite3_bind_int(st, 2, date);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}
