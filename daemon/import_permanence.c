/*
 * import_permanence.c: the council's permanence plans (case_ref, plan, agreed_on) for looked-after
 * children already known from an SSDA903 extract. Every row is checked first; a clean file is
 * written in one transaction, and a plan already recorded is left as it is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "csv.h"
#include "import.h"
#include "reviews.h"
#include "store.h"
#include "xmalloc.h"

struct permanence_row {
	char *case_ref, *plan;
	int agreed_on;
};

/* The checked rows, for the write inside the transaction. */
struct permanence_rows {
	struct permanence_row *rows;
	int n;
	time_t now;
};

/* Record each plan (one already recorded is left as it is) and audit the new ones. */
static int
import_permanence_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct permanence_rows *pr = arg;
	char *detail, when[DATE_BUFSZ];
	int i, added, nadded = 0, rc;

	for (i = 0; i < pr->n; i++) {
		struct permanence_row *r = &pr->rows[i];
		if (reviews_add_plan(s, r->case_ref, r->plan, r->agreed_on, "import", pr->now, &added, cause) != 0)
			return -1;
		if (!added)
			continue;
		nadded++;
		xasprintf(&detail, "%s agreed on %s", r->plan, date_format(r->agreed_on, when));
		rc = audit_add(s, pr->now, "ctl:import", "permanence-recorded", r->case_ref, detail, cause);
		free(detail);
		if (rc != 0)
			return -1;
	}
	xasprintf(summary, "%d permanence plans: %d new, %d already recorded", pr->n, nadded, pr->n - nadded);
	return 0;
}

/* See reviews.h. */
int
import_permanence(const struct import_request *rq)
{
	struct store *s = rq->store;
	const char *path = rq->paths[0];
	time_t now = rq->now;
	FILE *out = rq->out, *err = rq->err;
	static const char *const names[] = { "case_ref", "plan", "agreed_on", NULL };
	static const int required[] = { 1, 1, 1 };
	struct import_errors e = { path, NULL, 0 };
	struct import_file in;
	struct permanence_rows pr = { NULL, 0, now };
	struct import_commit commit = { "permanence", path, now, import_permanence_write, &pr, NULL, NULL };
	struct permanence_row *rows = NULL;
	int rc, n = 0, i, today = calendar_local_date(now);
	char *summary = NULL;

	import_file_open(&in, &e, path, names, required);
	while (import_file_next(&in)) {
		const struct csv_field *ref = import_file_field(&in, 0), *plan = import_file_field(&in, 1);
		const struct csv_field *agreed = import_file_field(&in, 2);
		int date;
		if (import_required(&e, ref, "case_ref") != 0 || import_required(&e, plan, "plan") != 0 ||
		    import_date(&e, agreed, "agreed_on", false, &date) != 0)
			continue;
		if (!reviews_plan_valid(plan->value)) {
			import_error(&e, plan->line, plan->column,
			    "plan: \"%s\" is not a plan (adoption, special-guardianship, long-term-fostering, return-home, "
			    "child-arrangements-order, kinship, other)",
			    plan->value);
			continue;
		}
		if (date > today) {
			import_error(&e, agreed->line, agreed->column, "agreed_on: %s is after today", agreed->value);
			continue;
		}
		if (!reviews_child_known(s, ref->value)) {
			import_error(&e, ref->line, ref->column,
			    "case_ref: \"%s\" has no period of care (import the SSDA903 extract first)", ref->value);
			continue;
		}
		rows = xreallocarray(rows, (size_t)n + 1, sizeof *rows);
		rows[n].case_ref = xstrdup(ref->value);
		rows[n].plan = xstrdup(plan->value);
		rows[n].agreed_on = date;
		n++;
	}
	import_file_close(&in);
	pr.rows = rows, pr.n = n;
	if ((rc = import_finish(s, &e, &commit, &summary, err)) == 0)
		fprintf(out, "%s: %s\n", path, summary);
	for (i = 0; i < n; i++) {
		free(rows[i].case_ref);
		free(rows[i].plan);
	}
	free(rows);
	free(summary);
	import_errors_free(&e);
	return rc;
}
