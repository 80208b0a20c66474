/*
 * store_idempotency.c: the Idempotency-Key table (migration 11): per client, the key, a hash of
 * the request it came with and the answer given, so a retried POST gets that answer back instead
 * of acting twice. Part of the store family.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "store_idempotency.h"
#include "store_int.h"
#include "xmalloc.h"

/* See store_idempotency.h. s->full stays set after a full disk until the next BEGIN recovers. */
int
store_unavailable(struct store *s)
{
	int code = sqlite3_errcode(s->db) & 0xff;

	return s->full || code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL || code == SQLITE_IOERR;
}

/* See store_idempotency.h. */
int
store_idempotency_get(struct store *s, const char *client, const char *key, time_t since, char **request_hash,
    int *status, char **body, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT request_hash, status, body FROM idempotency WHERE client = ? AND key = ? "
	    "AND created_at >= ?");
	int rc;

	store_bind_text(st, 1, client);
	store_bind_text(st, 2, key);
	sqlite3_bind_int64(st, 3, since);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*request_hash = store_column_strdup(st, 0);
		*status = sqlite3_column_int(st, 1);
		*body = store_column_strdup(st, 2);
		rc = 0;
	} else if (rc == SQLITE_DONE)
		rc = 1;
	else
		rc = store_fail(s, cause, "idempotency");
	store_release(s, st);
	return rc;
}

/* See store_idempotency.h. */
int
store_idempotency_put(struct store *s, const char *client, const char *key, const char *request_hash, int status,
    const char *body, time_t now, char **cause)
{
	return store_run(s,
	    store_cached(s,
		"INSERT INTO idempotency (client, key, request_hash, status, body, created_at) "
		"VALUES (?, ?, ?, ?, ?, ?)"),
	    STORE_ARGS(STORE_TEXT(client), STORE_TEXT(key), STORE_TEXT(request_hash), STORE_INT(status),
		STORE_TEXT(body), STORE_INT(now)),
	    "idempotency", cause);
}

/* See store_idempotency.h. */
int
store_idempotency_expire(struct store *s, time_t before, char **cause)
{
	return store_run(s, store_cached(s, "DELETE FROM idempotency WHERE created_at < ?"),
	    STORE_ARGS(STORE_INT(before)), "idempotency", cause);
}
