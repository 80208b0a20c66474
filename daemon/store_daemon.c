/*
 * store_daemon.c: the SQL behind status.h: the daemon's own small record for `driftwatchctl
 * status` (its run, the watchers' last passes, open breakers), what status reads back, and the
 * first-start hold's held rows and their release.
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "store_int.h"
#include "xmalloc.h"

const char *const status_states[STATUS_NSTATES] = { "pending", "retry", "sending", "held", "dead", "sent" };

/* See status.h. */
int
status_record_start(struct store *s, long pid, const char *version, const char *rules, time_t now, char **cause)
{
	if (store_begin(s, cause) != 0)
		return -1;
	/* Breakers live in the last run's memory: a new run starts with every transport closed. */
	if (store_run(s,
		store_prepare(s,
		    "INSERT INTO daemon_run (id, pid, version, rules, started_at, loaded_at, stopped_at) "
		    "VALUES (1, ?1, ?2, ?3, ?4, ?4, NULL) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, "
		    "version = excluded.version, rules = excluded.rules, started_at = excluded.started_at, "
		    "loaded_at = excluded.loaded_at, stopped_at = NULL"),
		STORE_ARGS(STORE_INT(pid), STORE_TEXT(version), STORE_TEXT(rules), STORE_INT(now)), "daemon_run",
		cause) != 0 ||
	    store_run(s, store_prepare(s, "DELETE FROM daemon_breakers"), STORE_NOARGS, "daemon_breakers", cause) !=
		0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, cause);
}

/* See status.h. */
int
status_record_loaded(struct store *s, time_t now, char **cause)
{
	return store_run(s, store_prepare(s, "UPDATE daemon_run SET loaded_at = ? WHERE id = 1"),
	    STORE_ARGS(STORE_INT(now)), "daemon_run", cause);
}

/* See status.h. */
int
status_record_stop(struct store *s, time_t now, char **cause)
{
	return store_run(s, store_prepare(s, "UPDATE daemon_run SET stopped_at = ? WHERE id = 1"),
	    STORE_ARGS(STORE_INT(now)), "daemon_run", cause);
}

/* See status.h. The watchers go in as one JSON array: one statement (one commit) a pass. */
int
status_record_pass(struct store *s, const struct status_watcher *w, int n, char **cause)
{
	json_t *rows = json_array();
	char *text;
	int i, rc;

	for (i = 0; i < n; i++) {
		json_array_append_new(rows,
		    json_pack("{s:s, s:I, s:I, s:o, s:o}", "name", w[i].name, "at", (json_int_t)w[i].at, "ms",
			(json_int_t)w[i].ms, "next", w[i].next > 0 ? json_integer((json_int_t)w[i].next) : json_null(),
			"error", w[i].error != NULL ? json_string(w[i].error) : json_null()));
	}
	text = json_dumps(rows, JSON_COMPACT);
	json_decref(rows);
	/* "WHERE true" keeps SQLite from reading ON CONFLICT as a join constraint of the SELECT. */
	rc = store_run(s,
	    store_cached(s,
		"INSERT INTO daemon_watchers (name, at, ms, next_at, error) "
		"SELECT json_extract(value, '$.name'), json_extract(value, '$.at'), json_extract(value, '$.ms'), "
		"json_extract(value, '$.next'), json_extract(value, '$.error') FROM json_each(?1) WHERE true "
		"ON CONFLICT(name) DO UPDATE SET at = excluded.at, ms = excluded.ms, next_at = excluded.next_at, "
		"error = excluded.error"),
	    STORE_ARGS(STORE_TEXT(text)), "daemon_watchers", cause);
	free(text);
	return rc;
}

/* See status.h. */
int
status_record_breaker(
    struct store *s, const char *transport, int failures, time_t now, time_t paused_until, char **cause)
{
	/* Inside another's transaction a failed write could take that transaction with it: skip. */
	if (!sqlite3_get_autocommit(s->db))
		return 0;
	if (paused_until == 0) {
		return store_run(s, store_prepare(s, "DELETE FROM daemon_breakers WHERE transport = ?"),
		    STORE_ARGS(STORE_TEXT(transport)), "daemon_breakers", cause);
	}
	return store_run(s,
	    store_prepare(s,
		"INSERT INTO daemon_breakers (transport, failures, paused_at, paused_until) VALUES (?, ?, ?, ?) "
		"ON CONFLICT(transport) DO UPDATE SET failures = excluded.failures, "
		"paused_until = excluded.paused_until"),
	    STORE_ARGS(STORE_TEXT(transport), STORE_INT(failures), STORE_INT(now), STORE_INT(paused_until)),
	    "daemon_breakers", cause);
}

/* See status.h. One read transaction, so the figures agree with each other. */
int
status_read(struct store *s, struct status *st, char **cause)
{
	sqlite3_stmt *q;
	int i, rc = -1;

	memset(st, 0, sizeof *st);
	if (store_exec(s, "BEGIN", cause) != 0)
		return -1;
	q = store_prepare(s,
	    "SELECT pid, version, rules, started_at, loaded_at, coalesce(stopped_at, 0), "
	    "max(started_at, coalesce((SELECT max(at) FROM daemon_watchers), 0)) FROM daemon_run WHERE id = 1");
	if (sqlite3_step(q) == SQLITE_ROW) {
		st->known = true;
		st->pid = (long)sqlite3_column_int64(q, 0);
		st->version = store_column_strdup(q, 1);
		st->rules = store_column_strdup(q, 2);
		st->started_at = sqlite3_column_int64(q, 3);
		st->loaded_at = sqlite3_column_int64(q, 4);
		st->stopped_at = sqlite3_column_int64(q, 5);
		st->seen_at = sqlite3_column_int64(q, 6);
	}
	sqlite3_finalize(q);

	q = store_prepare(s, "SELECT name, at, ms, coalesce(next_at, 0), error FROM daemon_watchers ORDER BY rowid");
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct status_watcher *w;
		st->watchers = xreallocarray(st->watchers, (size_t)st->nwatchers + 1, sizeof *st->watchers);
		w = &st->watchers[st->nwatchers++];
		w->name = store_column_strdup(q, 0);
		w->at = sqlite3_column_int64(q, 1);
		w->ms = (long)sqlite3_column_int64(q, 2);
		w->next = sqlite3_column_int64(q, 3);
		w->error = store_column_strdup(q, 4);
	}
	sqlite3_finalize(q);

	q = store_prepare(
	    s, "SELECT transport, failures, paused_at, paused_until FROM daemon_breakers ORDER BY transport");
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct status_breaker *b;
		st->breakers = xreallocarray(st->breakers, (size_t)st->nbreakers + 1, sizeof *st->breakers);
		b = &st->breakers[st->nbreakers++];
		b->transport = store_column_strdup(q, 0);
		b->failures = sqlite3_column_int(q, 1);
		b->paused_at = sqlite3_column_int64(q, 2);
		b->paused_until = sqlite3_column_int64(q, 3);
	}
	sqlite3_finalize(q);

	/* The latest run of each kind (SQLite takes the bare columns from the max(at) row). */
	q = store_prepare(s, "SELECT kind, max(at), file, summary FROM imports GROUP BY kind ORDER BY kind");
	while (sqlite3_step(q) == SQLITE_ROW) {
		struct status_import *im;
		st->imports = xreallocarray(st->imports, (size_t)st->nimports + 1, sizeof *st->imports);
		im = &st->imports[st->nimports++];
		im->kind = store_column_strdup(q, 0);
		im->at = sqlite3_column_int64(q, 1);
		im->file = store_column_strdup(q, 2);
		im->summary = store_column_strdup(q, 3);
	}
	sqlite3_finalize(q);

	q = store_prepare(s, "SELECT state, count(*) FROM outbox GROUP BY state");
	while (sqlite3_step(q) == SQLITE_ROW) {
		const char *state = (const char *)sqlite3_column_text(q, 0);
		for (i = 0; i < STATUS_NSTATES; i++) {
			if (state != NULL && strcmp(state, status_states[i]) == 0)
				st->counts[i] = sqlite3_column_int(q, 1);
		}
	}
	sqlite3_finalize(q);

	q = store_prepare(s,
	    "SELECT id, created_at, next_attempt_at, kind, recipient FROM outbox "
	    "WHERE state IN ('pending', 'retry') ORDER BY created_at, id LIMIT 1");
	if (sqlite3_step(q) == SQLITE_ROW) {
		st->oldest_id = sqlite3_column_int64(q, 0);
		st->oldest_created = sqlite3_column_int64(q, 1);
		st->oldest_next = sqlite3_column_int64(q, 2);
		st->oldest_kind = store_column_strdup(q, 3);
		st->oldest_recipient = store_column_strdup(q, 4);
	}
	sqlite3_finalize(q);
	rc = 0;
	store_exec(s, "COMMIT", NULL);
	return rc;
}

/* See status.h. */
void
status_free(struct status *st)
{
	int i;

	free(st->version), free(st->rules), free(st->oldest_kind), free(st->oldest_recipient);
	for (i = 0; i < st->nwatchers; i++)
		free(st->watchers[i].name), free(st->watchers[i].error);
	for (i = 0; i < st->nbreakers; i++)
		free(st->breakers[i].transport);
	for (i = 0; i < st->nimports; i++)
		free(st->imports[i].kind), free(st->imports[i].file), free(st->imports[i].summary);
	free(st->watchers), free(st->breakers), free(st->imports);
	memset(st, 0, sizeof *st);
}

/* See status.h. */
bool
outbox_never_used(struct store *s)
{
	int64_t any = -1;

	store_int(s, store_prepare(s, "SELECT EXISTS (SELECT 1 FROM outbox)"), STORE_NOARGS, &any, "outbox", NULL);
	return any == 0;
}

/* See status.h. */
void
outbox_hold_escalations(struct store *s, bool on)
{
	s->hold_escalations = on;
}

/* See status.h. */
int
outbox_held_count(struct store *s)
{
	int64_t n = 0;

	store_int(
	    s, store_prepare(s, "SELECT count(*) FROM outbox WHERE state = 'held'"), STORE_NOARGS, &n, "outbox", NULL);
	return (int)n;
}

/* See status.h. */
int
outbox_release(struct store *s, const char *rule, int64_t id, time_t now, time_t window_open, char **cause)
{
	/* created_at moves to now: give_up_after counts from the release, not from the hold. */
	if (store_run(s,
		store_prepare(s,
		    "UPDATE outbox SET state = 'pending', created_at = ?3, "
		    "next_attempt_at = CASE WHEN urgent THEN ?3 ELSE max(next_attempt_at, ?4) END "
		    "WHERE state = 'held' AND (?1 IS NULL OR dedupe_key = ?1 OR "
		    "substr(dedupe_key, 1, length(?1) + 1) = ?1 || ':') AND (?2 = 0 OR id = ?2)"),
		STORE_ARGS(STORE_TEXT(rule), STORE_INT(id), STORE_INT(now), STORE_INT(window_open)), "outbox release",
		cause) != 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* See status.h. The backup API copies page by page under one read transaction: a consistent copy. */
struct store *
store_copy_in_memory(struct store *s, char **cause)
{
	struct store *copy = xcalloc(1, sizeof *copy);
	sqlite3_backup *b;

	xasprintf(&copy->path, "%s (a copy in memory)", s->path);
	if (sqlite3_open_v2(":memory:", &copy->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: cannot open a database in memory", s->path);
		goto fail;
	}
	if ((b = sqlite3_backup_init(copy->db, "main", s->db, "main")) == NULL) {
		store_fail(copy, cause, "copy");
		goto fail;
	}
	sqlite3_backup_step(b, -1);
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		store_fail(copy, cause, "copy");
		goto fail;
	}
	if (store_exec(copy, "PRAGMA foreign_keys = ON", cause) != 0)
		goto fail;
	return copy;
fail:
	store_close(copy);
	return NULL;
}

/* See status.h. */
int
outbox_rows_after(
    struct store *s, int64_t after_id, const char *state, void (*fn)(const struct upcoming_notice *, void *), void *arg)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT id, dedupe_key, kind, transport, recipient, subject, state, created_at, "
	    "next_attempt_at, urgent, batch_text IS NOT NULL FROM outbox "
	    "WHERE id > ?1 AND (?2 IS NULL OR state = ?2) ORDER BY id");
	struct upcoming_notice n;
	int count = 0;

	sqlite3_bind_int64(st, 1, after_id);
	store_bind_text(st, 2, state);
	while (sqlite3_step(st) == SQLITE_ROW) {
		n.id = sqlite3_column_int64(st, 0);
		n.dedupe_key = store_column_strdup(st, 1);
		n.kind = store_column_strdup(st, 2);
		n.transport = store_column_strdup(st, 3);
		n.recipient = store_column_strdup(st, 4);
		n.subject = store_column_strdup(st, 5);
		n.state = store_column_strdup(st, 6);
		n.created_at = sqlite3_column_int64(st, 7);
		n.next_attempt_at = sqlite3_column_int64(st, 8);
		n.urgent = sqlite3_column_int(st, 9) != 0;
		n.batched = sqlite3_column_int(st, 10) != 0;
		fn(&n, arg);
		free(n.dedupe_key), free(n.kind), free(n.transport), free(n.recipient), free(n.subject), free(n.state);
		count++;
	}
	sqlite3_finalize(st);
	return count;
}

/* See status.h. */
int64_t
outbox_last_id(struct store *s)
{
	int64_t id = 0;

	store_int(s, store_prepare(s, "SELECT coalesce(max(id), 0) FROM outbox"), STORE_NOARGS, &id, "outbox", NULL);
	return id;
}
