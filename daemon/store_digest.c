/*
 * store_digest.c: the digest's one question to the database: has this (digest, month, recipient)
 * notice gone into the outbox already, and where is it now?
 */
#include <sqlite3.h>

#include "digest.h"
#include "store_int.h"

/* See digest.h. */
int
digest_notice_state(struct store *s, const char *dedupe_key, char **state, time_t *at)
{
	sqlite3_stmt *st =
	    store_prepare(s, "SELECT state, COALESCE(sent_at, created_at) FROM outbox WHERE dedupe_key = ?");
	int rc = 1;

	store_bind_text(st, 1, dedupe_key);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (state != NULL)
			*state = store_column_strdup(st, 0);
		if (at != NULL)
			*at = (time_t)sqlite3_column_int64(st, 1);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
