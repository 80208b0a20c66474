/*
 * import_workforce.c: the workforce, protected time and supervisions imports, and the checks they
 * share with `driftwatchctl asye time|supervision|review|pause`. Every row is checked first and
 * every problem reported as FILE:LINE:COLUMN; only a clean file is written, in one transaction.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "audit.h"
#include "calendar.h"
#include "csv.h"
#include "import.h"
#include "store.h"
#include "xmalloc.h"

/* A number of hours: finite, not negative. 0 or -1 with *why. */
int
asye_parse_hours(const char *s, double *hours, char **why)
{
	char *end;

	*hours = strtod(s, &end);
	if (*s == '\0' || *end != '\0' || !isfinite(*hours)) {
		xasprintf(why, "\"%s\" is not a number of hours", s);
		return -1;
	}
	if (*hours < 0) {
		xasprintf(why, "%s hours is negative", s);
		return -1;
	}
	return 0;
}

/* The worker must be an ASYE and the date on or after the start and not after today. */
int
asye_check_date(const struct asye_worker *w, int date, int today, const char *what, char **why)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (w->asye_started_on == DATE_NONE) {
		xasprintf(why, "%s is not an ASYE (no asye_started_on in the workforce)", w->person_id);
		return -1;
	}
	if (date < w->asye_started_on) {
		xasprintf(why, "%s %s is before %s's ASYE started (%s)", what, date_format(date, a), w->person_id,
		    date_format(w->asye_started_on, b));
		return -1;
	}
	if (date > today) {
		xasprintf(why, "%s %s is in the future", what, date_format(date, a));
		return -1;
	}
	return 0;
}

/* Protected time for a week: within the programme's weeks, and no more than the contracted hours. */
int
asye_check_time(const struct asye_worker *w, int week_of, double hours, int today, char **why)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (w->asye_started_on == DATE_NONE) {
		xasprintf(why, "%s is not an ASYE (no asye_started_on in the workforce)", w->person_id);
		return -1;
	}
	if (asye_monday(week_of) + 6 < w->asye_started_on) {
		xasprintf(why, "week of %s is before %s's ASYE started (%s)", date_format(week_of, a), w->person_id,
		    date_format(w->asye_started_on, b));
		return -1;
	}
	if (asye_monday(week_of) > today) {
		xasprintf(why, "week of %s is in the future", date_format(week_of, a));
		return -1;
	}
	if (hours > w->contracted_hours + 1e-9) {
		xasprintf(why, "%g hours is more than %s's contracted %g hours a week", hours, w->person_id,
		    w->contracted_hours);
		return -1;
	}
	return 0;
}

/* import_finish, then the outcome. */
static int
asye_import_finish(const struct import_request *rq, struct import_errors *e, const char *kind, char **summary,
    int (*write)(struct store *, void *, char **, char **), void *arg)
{
	struct import_commit commit = { kind, rq->paths[0], rq->now, write, arg, kind, "asye" };
	return import_finish_print(rq, e, &commit, summary);
}

struct asye_import_workers {
	struct asye_worker *rows;
	int n, changed, today;
};

/* Write the workforce rows. */
static int
asye_import_workers_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct asye_import_workers *wi = arg;
	int i, changed;

	(void)summary;
	for (i = 0; i < wi->n; i++) {
		if (asye_store_worker(s, &wi->rows[i], wi->today, &changed, cause) != 0)
			return -1;
		wi->changed += changed;
	}
	return 0;
}

/* import workforce FILE.csv. */
int
import_workforce(const struct import_request *rq)
{
	static const char *const names[] = { "person_id", "name", "email", "role", "team", "manager_email",
		"asye_started_on", "contracted_hours", "caseload", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct import_errors e = { 0 };
	struct asye_import_workers wi = { 0 };
	struct import_file in;
	int rc, i, j, *lines = NULL, nseen = 0;
	char *summary, *why = NULL, *end, **seen = NULL;
	long caseload;
	const char *path = rq->paths[0];
	int today = rq->today;

	e.file = path;
	wi.today = today;
	import_file_open(&in, &e, path, names, required);
	while (import_file_next(&in)) {
		const struct csv_field *f[9];
		struct asye_worker w = { 0 };
		int ok = 1, start;
		double hours = 0;

		for (i = 0; i < 9; i++)
			f[i] = import_file_field(&in, i);
		ok &= import_required(&e, f[0], "person_id") == 0;
		ok &= import_required(&e, f[1], "name") == 0;
		ok &= import_required(&e, f[3], "role") == 0;
		for (i = 2; i <= 5; i += 3) {
			if (f[i]->len > 0 &&
			    (strchr(f[i]->value, '@') == NULL || strcspn(f[i]->value, " \t\r\n,;<>") != f[i]->len)) {
				import_error(&e, f[i]->line, f[i]->column, "%s: \"%s\" is not an email address",
				    names[i], f[i]->value);
				ok = 0;
			}
		}
		if (import_date(&e, f[6], "asye_started_on", true, &start) != 0)
			ok = 0;
		else if (start == DATE_NONE && strcmp(f[3]->value, "asye") == 0) {
			import_error(&e, f[6]->line, f[6]->column, "asye_started_on: missing for role asye");
			ok = 0;
		}
		if (asye_parse_hours(f[7]->value, &hours, &why) != 0 || hours == 0 || hours > 168) {
			import_error(&e, f[7]->line, f[7]->column, "contracted_hours: %s",
			    why != NULL ? why : "want more than 0 and at most 168 hours a week");
			free(why);
			why = NULL;
			ok = 0;
		}
		caseload = f[8]->len == 0 ? 0 : strtol(f[8]->value, &end, 10);
		if (f[8]->len > 0 && (*end != '\0' || caseload < 0 || caseload > 10000)) {
			import_error(
			    &e, f[8]->line, f[8]->column, "caseload: \"%s\" is not a count of cases", f[8]->value);
			ok = 0;
		}
		for (j = 0; j < nseen; j++) {
			if (f[0]->len > 0 && strcmp(seen[j], f[0]->value) == 0) {
				import_error(&e, f[0]->line, f[0]->column, "person_id: %s already on line %d",
				    f[0]->value, lines[j]);
				ok = 0;
				break;
			}
		}
		seen = xreallocarray(seen, (size_t)nseen + 1, sizeof *seen);
		lines = xreallocarray(lines, (size_t)nseen + 1, sizeof *lines);
		lines[nseen] = f[0]->line;
		seen[nseen++] = xstrdup(f[0]->value);
		if (!ok)
			continue;
		w.person_id = xstrdup(f[0]->value);
		w.name = xstrdup(f[1]->value);
		w.email = xstrdup(f[2]->value);
		w.role = xstrdup(f[3]->value);
		w.team = xstrdup(f[4]->value);
		w.manager_email = xstrdup(f[5]->value);
		w.asye_started_on = start;
		w.contracted_hours = hours;
		w.caseload = (int)caseload;
		wi.rows = xreallocarray(wi.rows, (size_t)wi.n + 1, sizeof *wi.rows);
		wi.rows[wi.n++] = w;
	}
	import_file_close(&in);
	xasprintf(&summary, "%d workers", wi.n);
	rc = asye_import_finish(rq, &e, "workforce", &summary, asye_import_workers_write, &wi);
	free(summary);
	for (i = 0; i < wi.n; i++) {
		struct asye_worker *w = &wi.rows[i];
		free((void *)(uintptr_t)w->person_id), free((void *)(uintptr_t)w->name),
		    free((void *)(uintptr_t)w->email);
		free((void *)(uintptr_t)w->role), free((void *)(uintptr_t)w->team);
		free((void *)(uintptr_t)w->manager_email);
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(wi.rows), free(lines), free(seen);
	return rc;
}

/* One dated row (and hours) to write. */
struct asye_dated {
	char *person_id;
	int date;
	double hours;
};

struct asye_import_dated {
	struct asye_dated *rows;
	int n, time; /* time: protected time, else supervisions */
};

/* Write protected time or supervisions. */
static int
asye_import_dated_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct asye_import_dated *di = arg;
	int i;

	(void)summary;
	for (i = 0; i < di->n; i++) {
		if (di->time ? asye_store_time(
				   s, di->rows[i].person_id, asye_monday(di->rows[i].date), di->rows[i].hours, cause) :
			       asye_store_supervision(s, di->rows[i].person_id, di->rows[i].date, NULL, cause))
			return -1;
	}
	return 0;
}

/* import protected-time (person_id, week_of, hours) or supervisions (person_id, held_on). */
static int
asye_import_dated(const struct import_request *rq, int time)
{
	static const char *const tnames[] = { "person_id", "week_of", "hours", NULL };
	static const char *const snames[] = { "person_id", "held_on", NULL };
	static const int required[] = { 1, 1, 1 };
	struct import_errors e = { 0 };
	struct asye_import_dated di = { 0 };
	struct asye_roster roster;
	struct import_file in;
	int rc, i, today = rq->today;
	char *summary, *why = NULL;
	struct store *s = rq->store;
	const char *path = rq->paths[0];

	di.time = time;
	e.file = path;
	import_file_open(&in, &e, path, time ? tnames : snames, required);
	asye_roster_load(s, NULL, &roster, NULL);
	while (import_file_next(&in)) {
		const struct csv_field *pf = import_file_field(&in, 0), *df = import_file_field(&in, 1);
		const struct csv_field *hf = time ? import_file_field(&in, 2) : NULL;
		const struct asye_worker *w;
		int date;
		double hours = 0;

		if (import_required(&e, pf, "person_id") != 0)
			continue;
		if ((w = asye_roster_find(&roster, pf->value)) == NULL) {
			import_error(&e, pf->line, pf->column,
			    "person_id: unknown person \"%s\" (import the workforce first)", pf->value);
			continue;
		}
		if (import_date(&e, df, time ? "week_of" : "held_on", false, &date) != 0)
			continue;
		if (time && asye_parse_hours(hf->value, &hours, &why) != 0) {
			import_error(&e, hf->line, hf->column, "hours: %s", why);
			free(why);
			why = NULL;
			continue;
		}
		if ((time ? asye_check_time(w, date, hours, today, &why) :
			    asye_check_date(w, date, today, "held_on", &why)) != 0) {
			const struct csv_field *at = time && strstr(why, "contracted") != NULL ? hf : df;
			import_error(&e, at->line, at->column, "%s: %s",
			    at == hf ? "hours" :
				time ? "week_of" :
				       "held_on",
			    why);
			free(why);
			why = NULL;
			continue;
		}
		di.rows = xreallocarray(di.rows, (size_t)di.n + 1, sizeof *di.rows);
		di.rows[di.n].person_id = xstrdup(pf->value);
		di.rows[di.n].date = date;
		di.rows[di.n].hours = hours;
		di.n++;
	}
	import_file_close(&in);
	asye_roster_free(&roster);
	xasprintf(&summary, time ? "%d weeks of protected time" : "%d supervisions", di.n);
	rc = asye_import_finish(
	    rq, &e, time ? "protected-time" : "supervisions", &summary, asye_import_dated_write, &di);
	free(summary);
	for (i = 0; i < di.n; i++)
		free(di.rows[i].person_id);
	free(di.rows);
	return rc;
}

/* import protected-time FILE.csv. */
int
import_protected_time(const struct import_request *rq)
{
	return asye_import_dated(rq, 1);
}

/* import supervisions FILE.csv. */
int
import_supervisions(const struct import_request *rq)
{
	return asye_import_dated(rq, 0);
}
