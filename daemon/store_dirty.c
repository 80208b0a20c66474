/*
 * store_dirty.c: the dirty marks and next fire instants a pass plans from (see dirty.h). The
 * marks are written by triggers (store.c, migration 12); this file reads and clears them, and keeps
 * plan_next, whose index on (domain, fire_at) makes "what has come due" a range scan.
 */
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>

#include "dirty.h"
#include "store_int.h"
#include "xmalloc.h"

/* Run a cached statement that returns no rows, domain bound to 1 and now (if > 0) to 2. */
static int
dirty_run(struct store *s, const char *sql, const char *domain, time_t now, char **cause)
{
	sqlite3_stmt *st = store_cached(s, sql);
	int rc;

	store_bind_text(st, 1, domain);
	if (now > 0)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	rc = sqlite3_step(st);
	store_release(s, st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, cause, "plan_dirty");
}

/* See dirty.h. */
int
dirty_begin(struct store *s, const char *domain, time_t now, bool *all, int *n, char **cause)
{
	sqlite3_stmt *st;

	*all = false;
	*n = 0;
	st = store_cached(s, "SELECT 1 FROM plan_dirty WHERE domain = ? AND key = '*'");
	store_bind_text(st, 1, domain);
	*all = sqlite3_step(st) == SQLITE_ROW;
	store_release(s, st);
	if (*all) {
		/* Every record is planned, and writes again the instant of each that has one. */
		if (dirty_run(s, "DELETE FROM plan_dirty WHERE domain = ?", domain, 0, cause) != 0 ||
		    dirty_run(s, "DELETE FROM plan_next WHERE domain = ?", domain, 0, cause) != 0)
			return -1;
		return 0;
	}
	if (store_exec(s, "CREATE TEMP TABLE IF NOT EXISTS plan_set (key TEXT PRIMARY KEY) WITHOUT ROWID", cause) !=
		0 ||
	    dirty_run(s, "DELETE FROM temp.plan_set", NULL, 0, cause) != 0 ||
	    dirty_run(s,
		"INSERT INTO temp.plan_set (key) SELECT key FROM plan_dirty WHERE domain = ?1 "
		"UNION SELECT key FROM plan_next WHERE domain = ?1 AND fire_at <= ?2",
		domain, now, cause) != 0)
		return -1;
	*n = sqlite3_changes(s->db);
	if (*n == 0)
		return 0;
	/* Cleared in this transaction: a pass that fails rolls back and leaves them marked. */
	if (dirty_run(s, "DELETE FROM plan_dirty WHERE domain = ?", domain, 0, cause) != 0 ||
	    dirty_run(s, "DELETE FROM plan_next WHERE domain = ? AND key IN (SELECT key FROM temp.plan_set)", domain, 0,
		cause) != 0)
		return -1;
	return 0;
}

/* See dirty.h. */
int
dirty_each(struct store *s, int (*fn)(const char *key, void *), void *arg)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT key FROM temp.plan_set ORDER BY key");
	char **keys = NULL;
	int n = 0, i, rc = 0;

	/* Copied out first: fn writes, and must not do so under an open read of the set. */
	while (sqlite3_step(st) == SQLITE_ROW) {
		if ((n & (n - 1)) == 0)
			keys = xreallocarray(keys, (size_t)n * 2 + 1, sizeof *keys);
		keys[n++] = store_column_strdup(st, 0);
	}
	sqlite3_finalize(st);
	for (i = 0; i < n; i++) {
		if (rc == 0)
			rc = fn(keys[i], arg);
		free(keys[i]);
	}
	free(keys);
	return rc;
}

/* See dirty.h. */
int
dirty_next_put(struct store *s, const char *domain, const char *key, time_t at, char **cause)
{
	sqlite3_stmt *st;
	int rc;

	if (at <= 0)
		return 0;
	st = store_cached(s, "INSERT OR REPLACE INTO plan_next (domain, key, fire_at) VALUES (?, ?, ?)");
	store_bind_text(st, 1, domain);
	store_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)at);
	rc = sqlite3_step(st);
	store_release(s, st);
	return rc == SQLITE_DONE ? 0 : store_fail(s, cause, "plan_next");
}

/* See dirty.h. */
void
dirty_next(struct store *s, const char *domain, time_t now, time_t *next)
{
	sqlite3_stmt *st;
	time_t at = 0;

	st = store_cached(s, "SELECT 1 FROM plan_dirty WHERE domain = ? LIMIT 1");
	store_bind_text(st, 1, domain);
	if (sqlite3_step(st) == SQLITE_ROW)
		at = now + 1;
	store_release(s, st);
	if (at == 0) {
		st = store_cached(s, "SELECT min(fire_at) FROM plan_next WHERE domain = ? AND fire_at > ?");
		store_bind_text(st, 1, domain);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
			at = (time_t)sqlite3_column_int64(st, 0);
		store_release(s, st);
	}
	if (at > now && (*next == 0 || at < *next))
		*next = at;
}

/* See dirty.h. */
int
dirty_mark_all(struct store *s, char **cause)
{
	return store_exec(s,
	    "INSERT OR IGNORE INTO plan_dirty (domain, key) VALUES ('actions', '*'), ('disputes', '*'), "
	    "('reviews', '*'), ('asye', '*')",
	    cause);
}
