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

/* See reviews.h. */
int
import_permanence(struct store *s, const char *path, time_t now, FILE *out, FILE *err)
{
	static const char *const names[] = { "case_ref", "plan", "agreed_on", NULL };
	static const int required[] = { 1, 1, 1 };
	struct import_errors e = { path, NULL, 0 };
	struct import_file in;
	struct permanence_row *rows = NULL;
	int rc, n = 0, i, added, nadded = 0, today = calendar_local_date(now);
	char *cause = NULL, *summary = NULL, *detail, when[DATE_BUFSZ];

	if (import_file_open(&in, &e, path, names, required) != 0)
		goto report;
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
			    "child-arrangements-order, kinship, other)", plan->value);
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
report:
	if (e.n > 0) {
		fprintf(err, "%s\n%s: %d problem%s; nothing imported\n", e.text, path, e.n, e.n == 1 ? "" : "s");
		rc = 65;
		goto done;
	}
	if (store_begin(s, &cause) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (reviews_add_plan(s, rows[i].case_ref, rows[i].plan, rows[i].agreed_on, "import", now, &added, &cause) != 0)
			goto fail_rollback;
		if (added) {
			nadded++;
			xasprintf(&detail, "%s agreed on %s", rows[i].plan, date_format(rows[i].agreed_on, when));
			rc = audit_add(s, now, "ctl:import", "permanence-recorded", rows[i].case_ref, detail, &cause);
			free(detail);
			if (rc != 0)
				goto fail_rollback;
		}
	}
	xasprintf(&summary, "%d permanence plans: %d new, %d already recorded", n, nadded, n - nadded);
	if (store_import_log(s, now, "permanence", path, summary, &cause) != 0 || store_commit(s, &cause) != 0)
		goto fail_rollback;
	fprintf(out, "%s: %s\n", path, summary);
	rc = 0;
	goto done;

fail_rollback:
	store_rollback(s);
fail:
	fprintf(err, "driftwatchctl: import permanence: %s; nothing imported\n", cause != NULL ? cause : "failed");
	free(cause);
	rc = 1;
done:
	for (i = 0; i < n; i++) {
		free(rows[i].case_ref);
		free(rows[i].plan);
	}
	free(rows);
	free(summary);
	import_errors_free(&e);
	return rc;
}
