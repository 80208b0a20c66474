/*
 * store_disputes.c: IRO disputes, their recorded ladder (JSON, so a changed ini leaves open
 * disputes alone) and their history, and the figures the digest and `dispute stats` show. Part of
 * the store family.
 */
#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "disputes.h"
#include "log.h"
#include "store_int.h"
#include "xmalloc.h"

#define DISPUTE_COLUMNS \
	"id, case_ref, raised_by, raised_on, category, ladder, stage, stage_started_on, stage_due_on, " \
	"responded_on, formal_started_on, note, outcome, resolved_on, cafcass_on, cafcass_note, rev"

/* The ladder as JSON text (the last one encoded is kept: a first pass raises thousands under one). */
static char *
disputes_ladder_json(const struct dispute_ladder *l)
{
	static struct dispute_ladder last;
	static char *last_text;
	json_t *a;
	char *text;
	int i;

	if (last_text != NULL && memcmp(l, &last, sizeof last) == 0)
		return xstrdup(last_text);
	a = json_array();
	for (i = 0; i < l->n; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:i}", "name", l->stages[i].name, "responder", l->stages[i].responder,
			"limit_wd", l->stages[i].limit_wd));
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	if (text == NULL)
		fatalx("store: disputes: cannot encode the ladder");
	free(last_text);
	last_text = xstrdup(text);
	last = *l;
	return text;
}

/* Parse a recorded ladder (an unreadable one leaves it empty, so nothing is planned). */
static void
disputes_ladder_parse(const char *text, struct dispute_ladder *l)
{
	json_t *a = json_loads(text != NULL ? text : "[]", 0, NULL), *v;
	size_t i;
	const char *name, *who;
	int limit;

	memset(l, 0, sizeof *l);
	if (!json_is_array(a)) {
		json_decref(a);
		return;
	}
	json_array_foreach(a, i, v) {
		if (l->n >= DISPUTE_STAGES_MAX ||
		    json_unpack(v, "{s:s, s:s, s:i}", "name", &name, "responder", &who, "limit_wd", &limit) != 0)
			break;
		snprintf(l->stages[l->n].name, sizeof l->stages[l->n].name, "%s", name);
		snprintf(l->stages[l->n].responder, sizeof l->stages[l->n].responder, "%s", who);
		l->stages[l->n].limit_wd = limit;
		l->n++;
	}
	json_decref(a);
}

/*
 * The ladder of a stored dispute. Nearly every dispute was raised under the same ladder, so the
 * last one parsed is kept: a pass loads thousands of disputes and the JSON is the same text.
 */
static void
disputes_ladder_cached(const char *text, struct dispute_ladder *l)
{
	static char *last;
	static struct dispute_ladder parsed;

	if (text == NULL)
		text = "";
	if (last == NULL || strcmp(last, text) != 0) {
		char *copy = xstrdup(text);
		disputes_ladder_parse(copy, &parsed);
		free(last);
		last = copy;
	}
	*l = parsed;
}

/* A nullable date column. */
static int
disputes_column_date(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(st, i);
}

/* Bind a date, or NULL for DATE_NONE. */
static void
disputes_bind_date(sqlite3_stmt *st, int i, int date)
{
	if (date == DATE_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, date);
}

/* Is this history entry one that enters a stage? */
static bool
disputes_event_enters(const char *kind)
{
	return strcmp(kind, "raised") == 0 || strcmp(kind, "moved-up") == 0 || strcmp(kind, "escalated") == 0 ||
	    strcmp(kind, "imported") == 0;
}

/* Fill a dispute from a row of DISPUTE_COLUMNS (the ladder parsed once while it stays the same). */
static void
disputes_from_row(sqlite3_stmt *st, struct dispute *d)
{
	char *stage;

	memset(d, 0, sizeof *d);
	d->rec.id = sqlite3_column_int64(st, 0);
	d->case_ref = store_column_strdup(st, 1);
	d->raised_by = store_column_strdup(st, 2);
	d->rec.raised_on = sqlite3_column_int(st, 3);
	d->category = store_column_strdup(st, 4);
	disputes_ladder_cached((const char *)sqlite3_column_text(st, 5), &d->rec.ladder);
	stage = store_column_strdup(st, 6);
	d->rec.stage = plan_disputes_stage_index(&d->rec.ladder, stage);
	free(stage);
	d->rec.stage_started_on = sqlite3_column_int(st, 7);
	d->rec.stage_due_on = sqlite3_column_int(st, 8);
	d->rec.responded_on = disputes_column_date(st, 9);
	d->rec.formal_started_on = disputes_column_date(st, 10);
	d->note = store_column_strdup(st, 11);
	d->outcome = store_column_strdup(st, 12);
	d->rec.resolved_on = disputes_column_date(st, 13);
	d->cafcass_on = disputes_column_date(st, 14);
	d->cafcass_note = store_column_strdup(st, 15);
	d->rev = sqlite3_column_int64(st, 16);
	d->rec.case_ref = d->case_ref;
	d->rec.raised_by = d->raised_by;
	d->rec.category = d->category;
	d->rec.prev_stage = -1;
	d->rec.entry = DISPUTE_ENTRY_RAISED;
}

/* Load the history and derive how the current stage was entered and which stages were reached. */
static void
disputes_load_events(struct store *s, struct dispute *d)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT id, on_date, at, kind, stage, responder, note, actor "
	    "FROM dispute_events WHERE dispute = ? ORDER BY id");
	struct dispute_event *e;
	int i, j, idx, prev = -1, cur = -1;
	bool seen;

	sqlite3_bind_int64(st, 1, d->rec.id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		d->events = xreallocarray(d->events, (size_t)d->nevents + 1, sizeof *d->events);
		e = &d->events[d->nevents++];
		e->id = sqlite3_column_int64(st, 0);
		e->on_date = sqlite3_column_int(st, 1);
		e->at = (time_t)sqlite3_column_int64(st, 2);
		e->kind = store_column_strdup(st, 3);
		e->stage = store_column_strdup(st, 4);
		e->responder = store_column_strdup(st, 5);
		e->note = store_column_strdup(st, 6);
		e->actor = store_column_strdup(st, 7);
	}
	store_release(s, st);
	for (i = 0; i < d->nevents; i++) {
		e = &d->events[i];
		if (!disputes_event_enters(e->kind) || (idx = plan_disputes_stage_index(&d->rec.ladder, e->stage)) < 0)
			continue;
		prev = cur;
		cur = idx;
		d->rec.entry = strcmp(e->kind, "moved-up") == 0 ? DISPUTE_ENTRY_MOVED_UP :
		    strcmp(e->kind, "escalated") == 0		? DISPUTE_ENTRY_ESCALATED :
		    strcmp(e->kind, "imported") == 0		? DISPUTE_ENTRY_IMPORTED :
								  DISPUTE_ENTRY_RAISED;
		for (seen = false, j = 0; j < d->rec.nvisited; j++)
			seen = seen || d->rec.visited[j] == idx;
		if (!seen && d->rec.nvisited < DISPUTE_STAGES_MAX)
			d->rec.visited[d->rec.nvisited++] = idx;
	}
	d->rec.prev_stage = prev;
}

/* See disputes.h. */
int
disputes_load(struct store *s, int64_t id, struct dispute *d)
{
	sqlite3_stmt *st = store_cached(s, "SELECT " DISPUTE_COLUMNS " FROM disputes WHERE id = ?");
	int rc = -1;

	memset(d, 0, sizeof *d);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		disputes_from_row(st, d);
		rc = 0;
	}
	store_release(s, st);
	if (rc == 0)
		disputes_load_events(s, d);
	return rc;
}

/* Free a loaded dispute. */
void
dispute_free(struct dispute *d)
{
	int i;

	free(d->case_ref), free(d->raised_by), free(d->category), free(d->note), free(d->outcome);
	free(d->cafcass_note);
	for (i = 0; i < d->nevents; i++) {
		free(d->events[i].kind), free(d->events[i].stage), free(d->events[i].responder);
		free(d->events[i].note), free(d->events[i].actor);
	}
	free(d->events);
	memset(d, 0, sizeof *d);
}

/* Insert, with an id or letting SQLite choose (id 0). */
static int
disputes_insert_common(struct store *s, struct dispute *d, int64_t id, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "INSERT INTO disputes (id, case_ref, raised_by, raised_on, category, ladder, "
	    "stage, stage_started_on, stage_due_on, responded_on, formal_started_on, note, "
	    "outcome, resolved_on, cafcass_on, cafcass_note) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	char *ladder = disputes_ladder_json(&d->rec.ladder);
	int rc = 0;

	if (id > 0)
		sqlite3_bind_int64(st, 1, id);
	else
		sqlite3_bind_null(st, 1);
	store_bind_text(st, 2, d->case_ref);
	store_bind_text(st, 3, d->raised_by);
	sqlite3_bind_int(st, 4, d->rec.raised_on);
	store_bind_text(st, 5, d->category);
	store_bind_text(st, 6, ladder);
	store_bind_text(st, 7, d->rec.ladder.stages[d->rec.stage].name);
	sqlite3_bind_int(st, 8, d->rec.stage_started_on);
	sqlite3_bind_int(st, 9, d->rec.stage_due_on);
	disputes_bind_date(st, 10, d->rec.responded_on);
	disputes_bind_date(st, 11, d->rec.formal_started_on);
	store_bind_text(st, 12, d->note);
	store_bind_text(st, 13, d->outcome);
	disputes_bind_date(st, 14, d->rec.resolved_on);
	disputes_bind_date(st, 15, d->cafcass_on);
	store_bind_text(st, 16, d->cafcass_note);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "disputes");
	else
		d->rec.id = sqlite3_last_insert_rowid(s->db);
	store_release(s, st);
	free(ladder);
	return rc;
}

/* See disputes.h. */
int
disputes_insert(struct store *s, struct dispute *d, char **cause)
{
	return disputes_insert_common(s, d, 0, cause);
}

/* See disputes.h. */
int
disputes_insert_id(struct store *s, struct dispute *d, int64_t id, char **cause)
{
	return disputes_insert_common(s, d, id, cause);
}

/* See disputes.h. */
int
disputes_update(struct store *s, const struct dispute *d, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "UPDATE disputes SET stage = ?, stage_started_on = ?, stage_due_on = ?, "
	    "responded_on = ?, formal_started_on = ?, outcome = ?, resolved_on = ?, "
	    "cafcass_on = ?, cafcass_note = ?, rev = rev + 1 WHERE id = ?");
	int rc = 0;

	store_bind_text(st, 1, d->rec.ladder.stages[d->rec.stage].name);
	sqlite3_bind_int(st, 2, d->rec.stage_started_on);
	sqlite3_bind_int(st, 3, d->rec.stage_due_on);
	disputes_bind_date(st, 4, d->rec.responded_on);
	disputes_bind_date(st, 5, d->rec.formal_started_on);
	store_bind_text(st, 6, d->outcome);
	disputes_bind_date(st, 7, d->rec.resolved_on);
	disputes_bind_date(st, 8, d->cafcass_on);
	store_bind_text(st, 9, d->cafcass_note);
	sqlite3_bind_int64(st, 10, d->rec.id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "disputes");
	store_release(s, st);
	return rc;
}

/* See disputes.h. */
int
disputes_event_add(struct store *s, int64_t id, int on_date, time_t at, const char *kind, const char *stage,
    const char *responder, const char *note, const char *actor, char **cause)
{
	return store_run(s,
	    store_cached(s,
		"INSERT INTO dispute_events (dispute, on_date, at, kind, stage, responder, "
		"note, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
	    STORE_ARGS(STORE_INT(id), STORE_INT(on_date), STORE_INT(at), STORE_TEXT(kind), STORE_TEXT(stage),
		STORE_TEXT(responder), STORE_TEXT(note), STORE_TEXT(actor)),
	    "dispute history", cause);
}

/* The ids st selects (its ?1 is since), in *ids and *n; st released. */
static int
disputes_ids(struct store *s, sqlite3_stmt *st, int since, int64_t **ids, int *n)
{
	*ids = NULL;
	*n = 0;
	sqlite3_bind_int(st, 1, since);
	while (sqlite3_step(st) == SQLITE_ROW) {
		*ids = xreallocarray(*ids, (size_t)*n + 1, sizeof **ids);
		(*ids)[(*n)++] = sqlite3_column_int64(st, 0);
	}
	store_release(s, st);
	return 0;
}

/* See disputes.h. */
int
disputes_active(struct store *s, int since, int64_t **ids, int *n)
{
	return disputes_ids(s,
	    store_prepare(s,
		"SELECT id FROM disputes WHERE resolved_on IS NULL OR resolved_on >= ? "
		"ORDER BY id"),
	    since, ids, n);
}

/* See disputes.h. */
int
disputes_active_set(struct store *s, int since, int64_t **ids, int *n)
{
	return disputes_ids(s,
	    store_cached(s,
		"SELECT id FROM disputes WHERE id IN (SELECT CAST(key AS INTEGER) FROM "
		"temp.plan_set) AND (resolved_on IS NULL OR resolved_on >= ?) ORDER BY id"),
	    since, ids, n);
}

/* See disputes.h. */
int
disputes_list(struct store *s, bool open_only, const char *stage, void (*fn)(const struct dispute *, void *), void *arg)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT id FROM disputes WHERE (?1 = 0 OR resolved_on IS NULL) "
	    "AND (?2 IS NULL OR stage = ?2) ORDER BY id");
	struct dispute d;
	int64_t *ids = NULL;
	int n = 0, i;

	sqlite3_bind_int(st, 1, open_only);
	store_bind_text(st, 2, stage);
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xreallocarray(ids, (size_t)n + 1, sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		if (disputes_load(s, ids[i], &d) == 0) {
			fn(&d, arg);
			dispute_free(&d);
		}
	}
	free(ids);
	return n;
}

/* See disputes.h. */
bool
disputes_exists(struct store *s, int64_t id)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT 1 FROM disputes WHERE id = ?");
	bool found;

	sqlite3_bind_int64(st, 1, id);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* See disputes.h. */
int
disputes_notices(struct store *s, int64_t id, void (*fn)(const struct dispute_notice *, void *), void *arg)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT dedupe_key, recipient, subject, state, created_at, coalesce(sent_at, 0) "
	    "FROM outbox WHERE substr(dedupe_key, 1, length(?1)) = ?1 ORDER BY id");
	struct dispute_notice n;
	char *prefix;
	int count = 0;

	xasprintf(&prefix, "dispute:%lld:", (long long)id);
	store_bind_text(st, 1, prefix);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n.dedupe_key = (const char *)sqlite3_column_text(st, 0);
		n.recipient = (const char *)sqlite3_column_text(st, 1);
		n.subject = (const char *)sqlite3_column_text(st, 2);
		n.state = (const char *)sqlite3_column_text(st, 3);
		n.created = (time_t)sqlite3_column_int64(st, 4);
		n.sent = (time_t)sqlite3_column_int64(st, 5);
		fn(&n, arg);
		count++;
	}
	sqlite3_finalize(st);
	free(prefix);
	return count;
}

/* Count the stage at the period's end of one open dispute. */
static void
disputes_stats_stage(struct dispute_stats *st, const char *stage)
{
	int i;

	for (i = 0; i < st->nstages; i++) {
		if (strcmp(st->stage_names[i], stage) == 0) {
			st->stage_counts[i]++;
			return;
		}
	}
	if (st->nstages >= DISPUTE_STAGES_MAX * 2)
		return;
	snprintf(st->stage_names[st->nstages], sizeof st->stage_names[0], "%s", stage);
	st->stage_counts[st->nstages++] = 1;
}

/* Disputes that entered a DCS stage (responder dcs) in [from, to]. */
static int
disputes_reached_dcs(struct store *s, int from, int to)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT count(DISTINCT dispute) FROM dispute_events WHERE responder = 'dcs' "
	    "AND kind IN ('raised', 'moved-up', 'escalated', 'imported') "
	    "AND on_date >= ? AND on_date <= ?");
	int n = 0;

	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* See disputes.h. */
int
disputes_stats(struct store *s, const struct config *cfg, int from, int to, struct dispute_stats *out, char **cause)
{
	sqlite3_stmt *st;
	int *days = NULL, ndays = 0, i, y, m, dd, drift = 0;
	const char *stage, *cat;

	(void)cause;
	memset(out, 0, sizeof *out);
	/* Opened in the period, by category. */
	st = store_prepare(s, "SELECT category FROM disputes WHERE raised_on >= ? AND raised_on <= ?");
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cat = (const char *)sqlite3_column_text(st, 0);
		out->opened++;
		for (i = 0; plan_disputes_categories[i] != NULL; i++) {
			if (cat != NULL && strcmp(cat, plan_disputes_categories[i]) == 0)
				out->by_category[i]++;
		}
		if (cat != NULL && strcmp(cat, "drift-and-delay") == 0)
			drift++;
	}
	sqlite3_finalize(st);
	out->drift_share = out->opened > 0 ? 100.0 * drift / out->opened : NAN;

	/* Resolved in the period, and the working days each took. */
	st =
	    store_prepare(s, "SELECT raised_on, resolved_on FROM disputes WHERE resolved_on >= ? AND resolved_on <= ?");
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int wd =
		    calendar_working_days_between(cfg->calendar, sqlite3_column_int(st, 0), sqlite3_column_int(st, 1));
		days = xreallocarray(days, (size_t)ndays + 1, sizeof *days);
		days[ndays++] = wd > 0 ? wd : 0;
		out->resolved++;
	}
	sqlite3_finalize(st);
	out->median_wd = plan_disputes_percentile(days, ndays, 50);
	out->p90_wd = plan_disputes_percentile(days, ndays, 90);
	free(days);

	/* Open at the end of the period, by the stage each stood at then (from the history). */
	for (i = 0; i < cfg->disputes_nstages && i < DISPUTE_STAGES_MAX; i++) {
		snprintf(out->stage_names[i], sizeof out->stage_names[0], "%s", cfg->disputes_stages[i].name);
		out->stage_counts[i] = 0;
	}
	out->nstages = i;
	st = store_prepare(s,
	    "SELECT coalesce((SELECT e.stage FROM dispute_events e WHERE e.dispute = d.id "
	    "AND e.kind IN ('raised', 'moved-up', 'escalated', 'imported') AND e.on_date <= ?1 "
	    "ORDER BY e.on_date DESC, e.id DESC LIMIT 1), d.stage) "
	    "FROM disputes d WHERE d.raised_on <= ?1 AND (d.resolved_on IS NULL OR d.resolved_on > ?1)");
	sqlite3_bind_int(st, 1, to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		stage = (const char *)sqlite3_column_text(st, 0);
		out->open_at_end++;
		disputes_stats_stage(out, stage != NULL ? stage : "?");
	}
	sqlite3_finalize(st);

	out->reached_dcs = disputes_reached_dcs(s, from, to);
	date_to_ymd(to, &y, &m, &dd);
	out->reached_dcs_year = disputes_reached_dcs(s, date_from_ymd(y, 1, 1), to);

	st = store_prepare(s, "SELECT count(*) FROM disputes WHERE cafcass_on >= ? AND cafcass_on <= ?");
	sqlite3_bind_int(st, 1, from);
	sqlite3_bind_int(st, 2, to);
	if (sqlite3_step(st) == SQLITE_ROW)
		out->cafcass = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}
