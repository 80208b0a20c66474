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
	int rc = store_int(s, store_cached(s, "SELECT generation FROM feed_tokens WHERE email = ?"),
	    STORE_ARGS(STORE_TEXT(email)), generation, "feed_tokens", cause);

	if (rc != 1 || !create)
		return rc;
	if (store_run(s, store_cached(s, "INSERT INTO feed_tokens (email, generation, created_at) VALUES (?, 1, ?)"),
		STORE_ARGS(STORE_TEXT(email), STORE_INT(now)), "feed_tokens", cause) != 0)
		return -1;
	*generation = 1;
	return 0;
}

/* See store_feeds.h. */
int
store_feed_revoke(struct store *s, const char *email, time_t now, int64_t *generation, char **cause)
{
	/* A person never given a URL starts at 2: no token of generation 1 can have been signed for them. */
	int rc = store_int(s,
	    store_cached(s,
		"INSERT INTO feed_tokens (email, generation, created_at, revoked_at) "
		"VALUES (?1, 2, ?2, ?2) ON CONFLICT (email) DO UPDATE SET "
		"generation = generation + 1, revoked_at = ?2 RETURNING generation"),
	    STORE_ARGS(STORE_TEXT(email), STORE_INT(now)), generation, "feed_tokens", cause);

	/* An upsert with RETURNING always gives its row; a step that gave none failed. */
	return rc == 1 ? store_fail(s, cause, "feed_tokens") : rc;
}

/* See store_feeds.h. */
time_t
store_feed_modified(struct store *s, const char *subject)
{
	/* audit_subject (subject, at) answers this from the index. The daemon's own notices are not
	 * changes to the record. */
	int64_t at = 0;

	store_int(s,
	    store_cached(s,
		"SELECT coalesce(max(at), 0) FROM audit WHERE subject = ? "
		"AND what NOT LIKE '%notice%'"),
	    STORE_ARGS(STORE_TEXT(subject)), &at, "audit", NULL);
	return (time_t)at;
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
