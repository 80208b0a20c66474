/*
 * import_allocations.c: `driftwatchctl import allocations FILE.csv` — who works on each child's
 * case (case_ref, team, social_worker, social_worker_email, team_manager, team_manager_email, iro,
 * iro_email). Every row is checked first; only a clean file is written, in one transaction.
 * Cases in the file are added or replaced; cases not in it are kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "csv.h"
#include "import.h"
#include "plan_disputes.h"
#include "store.h"
#include "xmalloc.h"

#define ALLOC_NCOLS 8

/* A case reference: letters, digits and - / _ . only (never a name with spaces). */
static int
import_case_ref_ok(const char *s)
{
	if (*s == '\0' || strlen(s) > 40)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/_.") == strlen(s);
}

/* The checked rows, for the write inside the transaction. */
struct allocation_rows {
	struct allocation *rows;
	int n;
};

/* Add or replace each case's allocation. */
static int
import_allocations_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct allocation_rows *ar = arg;
	int i;

	(void)summary;
	for (i = 0; i < ar->n; i++) {
		if (allocation_put(s, &ar->rows[i], cause) != 0)
			return -1;
	}
	return 0;
}

/* See allocations.h. */
int
import_allocations(const struct import_request *rq)
{
	const char *path = rq->paths[0];
	time_t now = rq->now;
	static const char *const names[] = { "case_ref", "team", "social_worker", "social_worker_email", "team_manager",
		"team_manager_email", "iro", "iro_email", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	static const int emails[] = { 3, 5, 7 };
	struct import_errors e = { 0 };
	struct import_file in;
	struct allocation *rows = NULL;
	struct import_seen seen = { 0 };
	size_t cap = 0;
	int n = 0, i, rc, first;
	struct allocation_rows ar = { NULL, 0 };
	struct import_commit commit = { "allocations", path, now, import_allocations_write, &ar, "allocations-imported",
		"allocations" };
	char *summary;

	e.file = path;
	import_file_open(&in, &e, path, names, required);
	while (import_file_next(&in)) {
		const struct csv_field *f[ALLOC_NCOLS];
		int errs = e.n;
		for (i = 0; i < ALLOC_NCOLS; i++)
			f[i] = import_file_field(&in, i);
		if (import_required(&e, f[0], "case_ref") == 0 && !import_case_ref_ok(f[0]->value))
			import_error(&e, f[0]->line, f[0]->column,
			    "case_ref: \"%s\" is not a case reference (letters, digits, - / _ . only)", f[0]->value);
		import_required(&e, f[1], "team");
		for (i = 0; i < 3; i++) {
			const struct csv_field *m = f[emails[i]];
			if (m->len > 0 && !plan_disputes_address_ok(m->value))
				import_error(&e, m->line, m->column, "%s: \"%s\" is not an email address",
				    names[emails[i]], m->value);
		}
		if (e.n == errs && (first = import_seen_add(&seen, f[0]->value, in.row.line)) != 0)
			import_error(&e, f[0]->line, f[0]->column, "case_ref: %s is already allocated on line %d",
			    f[0]->value, first);
		if (e.n != errs)
			continue;
		if ((size_t)n == cap) {
			cap = cap > 0 ? 2 * cap : 256;
			rows = xreallocarray(rows, cap, sizeof *rows);
		}
		rows[n].case_ref = xstrdup(f[0]->value);
		rows[n].team = xstrdup(f[1]->value);
		rows[n].social_worker = xstrdup(f[2]->value);
		rows[n].social_worker_email = xstrdup(f[3]->value);
		rows[n].team_manager = xstrdup(f[4]->value);
		rows[n].team_manager_email = xstrdup(f[5]->value);
		rows[n].iro = xstrdup(f[6]->value);
		rows[n].iro_email = xstrdup(f[7]->value);
		n++;
	}
	import_file_close(&in);
	ar.rows = rows, ar.n = n;
	xasprintf(&summary, "%d cases", n);
	rc = import_finish_print(rq, &e, &commit, &summary);
	free(summary);
	import_errors_free(&e);
	for (i = 0; i < n; i++)
		allocation_free(&rows[i]);
	free(rows);
	import_seen_free(&seen);
	return rc;
}
