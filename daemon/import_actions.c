/*
 * import_actions.c: read an improvement plan CSV (plan, ref, section, section_title, finding,
 * action, lead_role, starts_on, due_on, timescale_text, kpis; optional status, progress_note,
 * progress_on, completed_on) and validate every row: dates (YYYY-MM-DD, or dd/mm/yyyy as Excel saves
 * them), due before start, the lead officer's role, duplicates. Nothing is written here; the caller writes a clean file in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "calendar.h"
#include "config.h"
#include "csv.h"
#include "import.h"
#include "roles.h"
#include "xmalloc.h"

enum {
	COL_PLAN,
	COL_REF,
	COL_SECTION,
	COL_SECTION_TITLE,
	COL_FINDING,
	COL_ACTION,
	COL_LEAD_ROLE,
	COL_STARTS_ON,
	COL_DUE_ON,
	COL_TIMESCALE_TEXT,
	COL_KPIS,
	COL_STATUS,
	COL_PROGRESS_NOTE,
	COL_PROGRESS_ON,
	COL_COMPLETED_ON,
	NCOLS
};

/* Trim spaces at both ends into a fresh string. */
static char *
import_actions_trim(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

/*
 * Match a lead_role to role keys: the whole text first (a title may contain " / "), then each
 * part of "A / B" (two officers share the action). 0, or -1 after an error naming what failed.
 */
static int
import_actions_leads(
    struct import_errors *e, const struct csv_field *f, struct store *s, const struct config *cfg, struct action *a)
{
	const char *p = f->value, *sep;
	char *part, *key;
	int i, dup, rc = 0;

	if ((key = roles_match(s, cfg, f->value)) != NULL) {
		a->lead_keys[a->nleads++] = key;
		return 0;
	}
	for (;;) {
		sep = strstr(p, " / ");
		part = import_actions_trim(p, sep != NULL ? (size_t)(sep - p) : strlen(p));
		if (*part == '\0' || (key = roles_match(s, cfg, part)) == NULL) {
			import_error(e, f->line, f->column,
			    "lead_role: no role matches \"%s\" (import roles first, or add title = ... to a [role] in the ini)",
			    part);
			rc = -1;
		} else {
			for (i = 0, dup = 0; i < a->nleads; i++)
				dup |= strcmp(a->lead_keys[i], key) == 0;
			if (dup || a->nleads >= ACTION_LEADS_MAX)
				free(key);
			else
				a->lead_keys[a->nleads++] = key;
		}
		free(part);
		if (sep == NULL)
			break;
		p = sep + 3;
	}
	return rc;
}

/* See actions.h. */
int
import_actions_read(struct import_errors *e, const char *path, struct store *s, const struct config *cfg, int today,
    struct action **v, int *n, bool present[ACTIONS_OPTIONAL_COLUMNS])
{
	static const char *const names[] = { "plan", "ref", "section", "section_title", "finding", "action",
		"lead_role", "starts_on", "due_on", "timescale_text", "kpis", "status", "progress_note", "progress_on",
		"completed_on", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0 };
	static const char *const must[] = { "plan", "ref", "section", "action", "lead_role" };
	static const int must_col[] = { COL_PLAN, COL_REF, COL_SECTION, COL_ACTION, COL_LEAD_ROLE };
	struct import_file in;
	struct action a;
	int i, ok, st, *lines = NULL;
	const struct csv_field *f;

	*v = NULL;
	*n = 0;
	if (import_file_open(&in, e, path, names, required) != 0)
		return -1;
	for (i = 0; i < ACTIONS_OPTIONAL_COLUMNS; i++)
		present[i] = in.index[COL_STATUS + i] >= 0;
	while (import_file_next(&in)) {
		ok = 1;
		for (i = 0; i < 5; i++)
			ok &= import_required(e, import_file_field(&in, must_col[i]), must[i]) == 0;
		memset(&a, 0, sizeof a);
		a.expected_on = DATE_NONE; /* not a column: the lead officer answers it */
		ok &= import_date_dmy(
			  e, import_file_field(&in, COL_STARTS_ON), "starts_on", true, today, &a.starts_on) == 0;
		ok &= import_date_dmy(e, import_file_field(&in, COL_DUE_ON), "due_on", true, today, &a.due_on) == 0;
		ok &= import_date_dmy(
			  e, import_file_field(&in, COL_PROGRESS_ON), "progress_on", true, today, &a.progress_on) == 0;
		ok &= import_date_dmy(e, import_file_field(&in, COL_COMPLETED_ON), "completed_on", true, today,
			  &a.completed_on) == 0;
		if (a.starts_on != DATE_NONE && a.due_on != DATE_NONE && a.due_on < a.starts_on) {
			char b1[DATE_BUFSZ], b2[DATE_BUFSZ];
			f = import_file_field(&in, COL_DUE_ON);
			import_error(e, f->line, f->column, "due_on: %s is before starts_on %s",
			    date_format(a.due_on, b1), date_format(a.starts_on, b2));
			ok = 0;
		}
		f = import_file_field(&in, COL_STATUS);
		a.status = ACTION_OPEN;
		if (f->len > 0) {
			if ((st = action_status_parse(f->value)) < 0) {
				import_error(
				    e, f->line, f->column, "status: \"%s\" is not open, complete or dropped", f->value);
				ok = 0;
			} else
				a.status = (enum action_status)st;
		}
		if (a.completed_on != DATE_NONE && a.status == ACTION_OPEN)
			a.status = ACTION_COMPLETE;
		f = import_file_field(&in, COL_LEAD_ROLE);
		if (f->len > 0 && import_actions_leads(e, f, s, cfg, &a) != 0)
			ok = 0;
		if (ok) {
			f = import_file_field(&in, COL_REF);
			for (i = 0; i < *n; i++) {
				if (strcmp((*v)[i].ref, f->value) == 0 &&
				    strcmp((*v)[i].plan, import_file_field(&in, COL_PLAN)->value) == 0) {
					import_error(e, f->line, f->column, "ref: %s is already in this plan (line %d)",
					    f->value, lines[i]);
					ok = 0;
				}
			}
		}
		if (!ok) {
			action_free(&a);
			continue;
		}
		a.plan = xstrdup(import_file_field(&in, COL_PLAN)->value);
		a.ref = xstrdup(import_file_field(&in, COL_REF)->value);
		a.section = xstrdup(import_file_field(&in, COL_SECTION)->value);
		a.section_title = xstrdup(import_file_field(&in, COL_SECTION_TITLE)->value);
		a.finding = xstrdup(import_file_field(&in, COL_FINDING)->value);
		a.text = xstrdup(import_file_field(&in, COL_ACTION)->value);
		a.lead_role = xstrdup(import_file_field(&in, COL_LEAD_ROLE)->value);
		a.timescale_text = xstrdup(import_file_field(&in, COL_TIMESCALE_TEXT)->value);
		a.kpis = xstrdup(import_file_field(&in, COL_KPIS)->value);
		f = import_file_field(&in, COL_PROGRESS_NOTE);
		a.progress_note = f->len > 0 ? xstrdup(f->value) : NULL;
		a.imported_on = today;
		a.seq = *n + 1;
		a.rev = 1;
		*v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
		lines = xreallocarray(lines, (size_t)*n + 1, sizeof *lines);
		lines[*n] = in.row.line;
		(*v)[(*n)++] = a;
	}
	import_file_close(&in);
	free(lines);
	if (e->n > 0) {
		actions_free(*v, *n);
		*v = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}
