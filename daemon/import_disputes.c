/*
 * import_disputes.c: `driftwatchctl import disputes FILE.csv` — a council's existing dispute
 * tracker (id, case_ref, iro_email, category, raised_on, stage, stage_started_on, resolved_on,
 * outcome). Every row is checked first; only a clean file is written, in one transaction, under
 * the ladder in the ini (recorded with each dispute). Imported disputes get no first notices: the
 * people already know; reminders and moves up follow from the stage dates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "config.h"
#include "csv.h"
#include "disputes.h"
#include "import.h"
#include "store.h"
#include "xmalloc.h"

#define DISPUTE_NCOLS 9

/* The checked rows, for the write inside the transaction. */
struct dispute_rows {
	struct dispute *rows;
	int64_t *ids;
	int n;
	const char *path;
	time_t now;
};

/* Insert each dispute under its own number, with its history and an audit entry. */
static int
import_disputes_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct dispute_rows *dr = arg;
	char subj[32];
	int i;

	(void)summary;
	for (i = 0; i < dr->n; i++) {
		struct dispute *d = &dr->rows[i];
		const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
		snprintf(subj, sizeof subj, "dispute:%lld", (long long)dr->ids[i]);
		if (disputes_insert_id(s, d, dr->ids[i], cause) != 0 ||
		    disputes_event_add(s, dr->ids[i], d->rec.stage_started_on, dr->now, "imported", st->name,
			st->responder, dr->path, "ctl:import", cause) != 0 ||
		    (d->rec.resolved_on != DATE_NONE &&
			disputes_event_add(s, dr->ids[i], d->rec.resolved_on, dr->now, "resolved", st->name,
			    st->responder, d->outcome, "ctl:import", cause) != 0) ||
		    audit_add(s, dr->now, "ctl:import", "dispute-imported", subj, dr->path, cause) != 0)
			return -1;
	}
	return 0;
}

/* See disputes.h. */
int
import_disputes(const struct import_request *rq)
{
	struct store *s = rq->store;
	const struct config *cfg = rq->cfg;
	const char *path = rq->paths[0];
	time_t now = rq->now;
	static const char *const names[] = { "id", "case_ref", "iro_email", "category", "raised_on", "stage",
		"stage_started_on", "resolved_on", "outcome", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct import_errors e = { 0 };
	struct import_file in;
	struct dispute *rows = NULL;
	struct dispute_ladder ladder;
	struct allocation al;
	struct import_seen seen = { 0 };
	int64_t *ids = NULL;
	int n = 0, i, rc, raised, started, resolved, stage, first_formal, first;
	struct dispute_rows dr = { NULL, NULL, 0, path, now };
	struct import_commit commit = { "disputes", path, now, import_disputes_write, &dr, NULL, NULL };
	char *summary, *end, subj[32];
	long long id;

	plan_disputes_ladder_from_config(cfg, &ladder);
	for (first_formal = 0; first_formal < ladder.n && !plan_disputes_stage_formal(&ladder.stages[first_formal]);
	     first_formal++)
		;
	e.file = path;
	import_file_open(&in, &e, path, names, required);
	while (import_file_next(&in)) {
		const struct csv_field *f[DISPUTE_NCOLS];
		int errs = e.n;
		for (i = 0; i < DISPUTE_NCOLS; i++)
			f[i] = import_file_field(&in, i);
		id = strtoll(f[0]->value, &end, 10);
		if (f[0]->len == 0 || *end != '\0' || id <= 0)
			import_error(&e, f[0]->line, f[0]->column,
			    "id: \"%s\" is not a dispute number (a whole number above 0)", f[0]->value);
		else {
			snprintf(subj, sizeof subj, "%lld", id);
			if ((first = import_seen_add(&seen, subj, in.row.line)) != 0)
				import_error(&e, f[0]->line, f[0]->column, "id: %lld is already on line %d", id, first);
			if (disputes_exists(s, id))
				import_error(
				    &e, f[0]->line, f[0]->column, "id: dispute %lld is already in driftwatch", id);
		}
		import_required(&e, f[1], "case_ref");
		if (!plan_disputes_address_ok(f[2]->value))
			import_error(
			    &e, f[2]->line, f[2]->column, "iro_email: \"%s\" is not an email address", f[2]->value);
		if (!plan_disputes_category_ok(f[3]->value))
			import_error(&e, f[3]->line, f[3]->column,
			    "category: unknown category \"%s\" (drift-and-delay, permanence, care-plan, assessment, placement, "
			    "contact, health, education, legal-status, other)",
			    f[3]->value);
		import_date(&e, f[4], "raised_on", false, &raised);
		if ((stage = plan_disputes_stage_index(&ladder, f[5]->value)) < 0)
			import_error(&e, f[5]->line, f[5]->column, "stage: \"%s\" is not in the ladder", f[5]->value);
		import_date(&e, f[6], "stage_started_on", false, &started);
		import_date(&e, f[7], "resolved_on", true, &resolved);
		if (raised != DATE_NONE && started != DATE_NONE && started < raised)
			import_error(&e, f[6]->line, f[6]->column, "stage_started_on: before raised_on");
		if (raised != DATE_NONE && resolved != DATE_NONE && resolved < raised)
			import_error(&e, f[7]->line, f[7]->column, "resolved_on: before raised_on");
		if (resolved != DATE_NONE && f[8]->len == 0)
			import_error(
			    &e, f[8]->line, f[8]->column, "outcome: missing (a resolved dispute records its outcome)");
		if (resolved == DATE_NONE && f[8]->len > 0)
			import_error(&e, f[8]->line, f[8]->column, "outcome: given, but resolved_on is empty");
		/* Open disputes need the child's allocation: the team manager answers the first stages. */
		if (resolved == DATE_NONE && f[1]->len > 0) {
			if (allocation_get(s, f[1]->value, &al) != 0)
				import_error(&e, f[1]->line, f[1]->column,
				    "case_ref: unknown case \"%s\" (not in the allocations: import allocations first)",
				    f[1]->value);
			else
				allocation_free(&al);
		}
		if (e.n != errs)
			continue;
		rows = xreallocarray(rows, (size_t)n + 1, sizeof *rows);
		ids = xreallocarray(ids, (size_t)n + 1, sizeof *ids);
		memset(&rows[n], 0, sizeof rows[n]);
		rows[n].rec.ladder = ladder;
		rows[n].case_ref = xstrdup(f[1]->value);
		rows[n].raised_by = xstrdup(f[2]->value);
		rows[n].category = xstrdup(f[3]->value);
		rows[n].outcome = f[8]->len > 0 ? xstrdup(f[8]->value) : NULL;
		rows[n].cafcass_on = DATE_NONE;
		rows[n].rec.raised_on = raised;
		rows[n].rec.stage = stage;
		rows[n].rec.stage_started_on = started;
		rows[n].rec.stage_due_on = plan_disputes_stage_due(cfg->calendar, &ladder, stage, started);
		rows[n].rec.responded_on = DATE_NONE;
		rows[n].rec.resolved_on = resolved;
		/* When the formal process began is not in the tracker: the stage's start if it is the first
		 * formal one, else the day it was raised (the earlier, so the total limit is not missed). */
		rows[n].rec.formal_started_on = !plan_disputes_stage_formal(&ladder.stages[stage]) ? DATE_NONE :
		    stage == first_formal							   ? started :
												     raised;
		ids[n] = id;
		n++;
	}
	import_file_close(&in);
	dr.rows = rows, dr.ids = ids, dr.n = n;
	xasprintf(&summary, "%d disputes", n);
	rc = import_finish_print(rq, &e, &commit, &summary);
	free(summary);
	import_errors_free(&e);
	for (i = 0; i < n; i++)
		dispute_free(&rows[i]);
	free(rows), free(ids);
	import_seen_free(&seen);
	return rc;
}
