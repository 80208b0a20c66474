/*
 * store_actions.c: improvement actions in SQLite, and the two lookups the action watcher needs
 * beyond its own table: a notice's state by dedupe key (for explain) and the reporting lines.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "calendar.h"
#include "config.h"
#include "roles.h"
#include "store_int.h"
#include "xmalloc.h"

#define ACTIONS_COLUMNS \
	"plan, ref, section, section_title, finding, action, lead_role, lead_keys, starts_on, due_on, " \
	"timescale_text, kpis, status, progress_note, progress_on, completed_on, imported_on, seq, rev"
/* What is read: the columns written by insert and update, and those set alone (actions_set_expected). */
#define ACTIONS_SELECT ACTIONS_COLUMNS ", expected_on"

/* See actions.h. */
void
action_free(struct action *a)
{
	int i;

	free(a->plan), free(a->ref), free(a->section), free(a->section_title), free(a->finding), free(a->text);
	free(a->lead_role), free(a->timescale_text), free(a->kpis), free(a->progress_note);
	for (i = 0; i < a->nleads; i++)
		free(a->lead_keys[i]);
	memset(a, 0, sizeof *a);
}

/* See actions.h. */
void
actions_free(struct action *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		action_free(&v[i]);
	free(v);
}

/* See actions.h. */
const char *
action_status_name(enum action_status st)
{
	return st == ACTION_COMPLETE ? "complete" : st == ACTION_DROPPED ? "dropped" : "open";
}

/* See actions.h. */
int
action_status_parse(const char *s)
{
	if (strcmp(s, "open") == 0)
		return ACTION_OPEN;
	if (strcmp(s, "complete") == 0)
		return ACTION_COMPLETE;
	if (strcmp(s, "dropped") == 0)
		return ACTION_DROPPED;
	return -1;
}

/* See actions.h. */
char *
action_leads_joined(const struct action *a)
{
	char *s = xstrdup("");
	int i;

	for (i = 0; i < a->nleads; i++)
		xappendf(&s, "%s%s", i > 0 ? "," : "", a->lead_keys[i]);
	return s;
}

/* A date column (NULL or bad: DATE_NONE). */
static int
store_actions_date(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);
	int d;

	if (v == NULL || date_parse(v, &d) != 0)
		return DATE_NONE;
	return d;
}

/* Bind a date (DATE_NONE binds NULL). */
static void
store_actions_bind_date(sqlite3_stmt *st, int i, int date)
{
	char buf[DATE_BUFSZ];

	if (date == DATE_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, date_format(date, buf), -1, SQLITE_TRANSIENT);
}

/* A text column as a fresh string, "" for NULL. */
static char *
store_actions_text(sqlite3_stmt *st, int i)
{
	const char *v = (const char *)sqlite3_column_text(st, i);

	return xstrdup(v != NULL ? v : "");
}

/* Fill a record from a row of ACTIONS_SELECT. */
static void
store_actions_row(sqlite3_stmt *st, struct action *a)
{
	char *keys, *k, *save = NULL;
	const char *status;

	memset(a, 0, sizeof *a);
	a->plan = store_actions_text(st, 0);
	a->ref = store_actions_text(st, 1);
	a->section = store_actions_text(st, 2);
	a->section_title = store_actions_text(st, 3);
	a->finding = store_actions_text(st, 4);
	a->text = store_actions_text(st, 5);
	a->lead_role = store_actions_text(st, 6);
	keys = store_actions_text(st, 7);
	for (k = strtok_r(keys, ",", &save); k != NULL && a->nleads < ACTION_LEADS_MAX; k = strtok_r(NULL, ",", &save))
		a->lead_keys[a->nleads++] = xstrdup(k);
	free(keys);
	a->starts_on = store_actions_date(st, 8);
	a->due_on = store_actions_date(st, 9);
	a->timescale_text = store_actions_text(st, 10);
	a->kpis = store_actions_text(st, 11);
	status = (const char *)sqlite3_column_text(st, 12);
	a->status = status != NULL && action_status_parse(status) >= 0 ?
	    (enum action_status)action_status_parse(status) :
	    ACTION_OPEN;
	a->progress_note = sqlite3_column_type(st, 13) == SQLITE_NULL ? NULL : store_actions_text(st, 13);
	a->progress_on = store_actions_date(st, 14);
	a->completed_on = store_actions_date(st, 15);
	a->imported_on = store_actions_date(st, 16);
	a->seq = sqlite3_column_int(st, 17);
	a->rev = sqlite3_column_int(st, 18);
	a->expected_on = store_actions_date(st, 19);
}

/* See actions.h. */
int
actions_get(struct store *s, const char *plan, const char *ref, struct action *a)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT " ACTIONS_SELECT " FROM actions WHERE plan = ? AND ref = ?");
	int rc = 1;

	store_bind_text(st, 1, plan);
	store_bind_text(st, 2, ref);
	if (sqlite3_step(st) == SQLITE_ROW) {
		store_actions_row(st, a);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* See actions.h. */
int
actions_load(struct store *s, const char *plan, struct action **v, int *n, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT " ACTIONS_SELECT " FROM actions WHERE ?1 IS NULL OR plan = ?1 "
	    "ORDER BY plan, seq, ref");
	int rc;

	*v = NULL;
	*n = 0;
	store_bind_text(st, 1, plan);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = xreallocarray(*v, (size_t)*n + 1, sizeof **v);
		store_actions_row(st, &(*v)[(*n)++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		actions_free(*v, *n);
		*v = NULL;
		*n = 0;
		return store_fail(s, cause, "actions");
	}
	return 0;
}

/* Bind every column of ACTIONS_COLUMNS but rev. */
static void
store_actions_bind(sqlite3_stmt *st, const struct action *a)
{
	char *keys = action_leads_joined(a);

	store_bind_text(st, 1, a->plan);
	store_bind_text(st, 2, a->ref);
	store_bind_text(st, 3, a->section);
	store_bind_text(st, 4, a->section_title != NULL ? a->section_title : "");
	store_bind_text(st, 5, a->finding != NULL ? a->finding : "");
	store_bind_text(st, 6, a->text);
	store_bind_text(st, 7, a->lead_role);
	sqlite3_bind_text(st, 8, keys, -1, SQLITE_TRANSIENT);
	store_actions_bind_date(st, 9, a->starts_on);
	store_actions_bind_date(st, 10, a->due_on);
	store_bind_text(st, 11, a->timescale_text != NULL ? a->timescale_text : "");
	store_bind_text(st, 12, a->kpis != NULL ? a->kpis : "");
	store_bind_text(st, 13, action_status_name(a->status));
	store_bind_text(st, 14, a->progress_note);
	store_actions_bind_date(st, 15, a->progress_on);
	store_actions_bind_date(st, 16, a->completed_on);
	store_actions_bind_date(st, 17, a->imported_on);
	sqlite3_bind_int(st, 18, a->seq);
	free(keys);
}

/* See actions.h. */
int
actions_insert(struct store *s, const struct action *a, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "INSERT INTO actions (" ACTIONS_COLUMNS ") VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
	int rc;

	store_actions_bind(st, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, cause, "actions: insert");
}

/* See actions.h. */
int
actions_update(struct store *s, const struct action *a, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "UPDATE actions SET section = ?3, section_title = ?4, finding = ?5, action = ?6, lead_role = ?7, "
	    "lead_keys = ?8, starts_on = ?9, due_on = ?10, timescale_text = ?11, kpis = ?12, status = ?13, "
	    "progress_note = ?14, progress_on = ?15, completed_on = ?16, imported_on = ?17, seq = ?18, rev = rev + 1 "
	    "WHERE plan = ?1 AND ref = ?2");
	int rc;

	store_actions_bind(st, a);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, cause, "actions: update");
}

/* See actions.h. */
int
actions_set_expected(struct store *s, const char *plan, const char *ref, int expected_on, char **cause)
{
	sqlite3_stmt *st = store_prepare(s, "UPDATE actions SET expected_on = ?3 WHERE plan = ?1 AND ref = ?2");
	int rc;

	store_bind_text(st, 1, plan);
	store_bind_text(st, 2, ref);
	store_actions_bind_date(st, 3, expected_on);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, cause, "actions: expected");
}

/* See actions.h. */
int
actions_org_open(struct store *s, const struct config *cfg, struct actions_org *o, char **cause)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT key FROM roles");
	int rc, i, j;

	memset(o, 0, sizeof *o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		o->keys = xreallocarray(o->keys, (size_t)o->n + 1, sizeof *o->keys);
		o->keys[o->n++] = store_column_strdup(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		actions_org_close(o);
		return store_fail(s, cause, "roles");
	}
	for (i = 0; i < cfg->nroles; i++) {
		for (j = 0; j < o->n && strcmp(o->keys[j], cfg->roles[i].key) != 0; j++)
			;
		if (j == o->n) {
			o->keys = xreallocarray(o->keys, (size_t)o->n + 1, sizeof *o->keys);
			o->keys[o->n++] = xstrdup(cfg->roles[i].key);
		}
	}
	o->ups = xcalloc((size_t)o->n + 1, sizeof *o->ups);
	o->lines = xcalloc((size_t)o->n + 1, sizeof *o->lines);
	for (i = 0; i < o->n; i++) {
		o->ups[i] = roles_reports_to(s, cfg, o->keys[i]);
		o->lines[i].key = o->keys[i];
		o->lines[i].reports_to = o->ups[i];
	}
	o->org.lines = o->lines;
	o->org.n = o->n;
	return 0;
}

/* See actions.h. */
void
actions_org_close(struct actions_org *o)
{
	int i;

	for (i = 0; i < o->n; i++) {
		free(o->keys[i]);
		if (o->ups != NULL)
			free(o->ups[i]);
	}
	free(o->keys), free(o->ups), free(o->lines);
	memset(o, 0, sizeof *o);
}

/* See actions.h. */
char *
actions_role_title(struct store *s, const struct config *cfg, const char *key)
{
	const struct config_role *r = config_role(cfg, key);
	sqlite3_stmt *st;
	char *title = NULL;

	if (r != NULL && r->ntitles > 0)
		return xstrdup(r->titles[0]);
	st = store_prepare(s, "SELECT title FROM role_titles WHERE role = ? ORDER BY rowid LIMIT 1");
	store_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		title = store_column_strdup(st, 0);
	sqlite3_finalize(st);
	return title != NULL ? title : xstrdup(key);
}
