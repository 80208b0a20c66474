/*
 * store_feeds.c: the calendar feeds' table (feed_tokens) and the audit reads they need; see
 * store_feeds.h. Part of the store family.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "store_feeds.h"
#include "store_int.h"
#include "xmalloc.h"

/* See store_feeds.h. */
int
store_feed_generation(struct store *s, const char *email, int create, time_t now, int64_t *generation, char **cause)
{
	sqlite3_stmt *st = store_cached(s, "SELECT generation FROM feed_tokens WHERE email = ?");
	int rc;

	store_bind_text(st, 1, email);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*generation = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = 1;
	else
		rc = store_fail(s, cause, "feed_tokens");
	store_release(s, st);
	if (rc != 1 || !create)
		return rc;
	st = store_cached(s, "INSERT INTO feed_tokens (email, generation, created_at) VALUES (?, 1, ?)");
	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "feed_tokens");
	else
		*generation = 1, rc = 0;
	store_release(s, st);
	return rc;
}

/* See store_feeds.h. */
int
store_feed_revoke(struct store *s, const char *email, time_t now, int64_t *generation, char **cause)
{
	/* A person never given a URL starts at 2: no token of generation 1 can have been signed for them. */
	sqlite3_stmt *st = store_cached(s,
	    "INSERT INTO feed_tokens (email, generation, created_at, revoked_at) "
	    "VALUES (?1, 2, ?2, ?2) ON CONFLICT (email) DO UPDATE SET "
	    "generation = generation + 1, revoked_at = ?2 RETURNING generation");
	int rc = 0;

	store_bind_text(st, 1, email);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = store_fail(s, cause, "feed_tokens");
	else
		*generation = sqlite3_column_int64(st, 0);
	store_release(s, st);
	return rc;
}

/* See store_feeds.h. */
time_t
store_feed_modified(struct store *s, const char *subject)
{
	/* audit_subject (subject, at) answers this from the index. The daemon's own notices are not
	 * changes to the record. */
	sqlite3_stmt *st = store_cached(s,
	    "SELECT coalesce(max(at), 0) FROM audit WHERE subject = ? "
	    "AND what NOT LIKE '%notice%'");
	time_t at = 0;

	store_bind_text(st, 1, subject);
	if (sqlite3_step(st) == SQLITE_ROW)
		at = (time_t)sqlite3_column_int64(st, 0);
	store_release(s, st);
	return at;
}

/* See store_feeds.h. */
int
store_feed_cases(struct store *s, const char *email, char ***refs, int *n, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT case_ref FROM allocations WHERE social_worker_email = ?1 "
	    "COLLATE NOCASE OR team_manager_email = ?1 COLLATE NOCASE OR "
	    "iro_email = ?1 COLLATE NOCASE ORDER BY case_ref");
	int rc;

	*refs = NULL, *n = 0;
	store_bind_text(st, 1, email);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*refs = xreallocarray(*refs, (size_t)*n + 1, sizeof **refs);
		(*refs)[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	store_release(s, st);
	if (rc == SQLITE_DONE)
		return 0;
	rc = store_fail(s, cause, "allocations");
	while (*n > 0)
		free((*refs)[--*n]);
	free(*refs);
	*refs = NULL;
	return rc;
}
