/*
 * store_links.c: the answer links' tables (migration 14); see store_links.h. Part of the store
 * family.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "store_int.h"
#include "store_links.h"
#include "xmalloc.h"

/* Copy a key's secret from column i; -1 (and *cause) when it is not len bytes. */
static int
store_link_secret(struct store *s, sqlite3_stmt *st, int i, unsigned char *secret, size_t len, char **cause)
{
	const void *blob = sqlite3_column_blob(st, i);

	if (blob == NULL || (size_t)sqlite3_column_bytes(st, i) != len) {
		xasprintf(cause, "%s: link_keys: a key of the wrong size", s->path);
		return -1;
	}
	memcpy(secret, blob, len);
	return 0;
}

/* One key from st (bound already): 0 with *id, secret and *retired_at, 1 when none, -1 with *cause. */
static int
store_link_key_read(struct store *s, sqlite3_stmt *st, uint32_t *id, unsigned char *secret, size_t len,
    time_t *retired_at, char **cause)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*id = (uint32_t)sqlite3_column_int64(st, 0);
		*retired_at = (time_t)sqlite3_column_int64(st, 2);
		rc = store_link_secret(s, st, 1, secret, len, cause);
	} else if (rc == SQLITE_DONE)
		rc = 1;
	else
		rc = store_fail(s, cause, "link_keys");
	store_release(s, st);
	return rc;
}

/* See store_links.h. */
int
store_link_key_current(struct store *s, uint32_t *id, unsigned char *secret, size_t len, char **cause)
{
	time_t retired_at;

	return store_link_key_read(s,
	    store_cached(s, "SELECT id, secret, 0 FROM link_keys WHERE retired_at IS NULL ORDER BY id DESC LIMIT 1"),
	    id, secret, len, &retired_at, cause);
}

/* See store_links.h. */
int
store_link_key_get(struct store *s, uint32_t id, unsigned char *secret, size_t len, time_t *retired_at, char **cause)
{
	sqlite3_stmt *st = store_cached(s, "SELECT id, secret, coalesce(retired_at, 0) FROM link_keys WHERE id = ?");
	uint32_t found;

	sqlite3_bind_int64(st, 1, id);
	return store_link_key_read(s, st, &found, secret, len, retired_at, cause);
}

/* See store_links.h. */
int
store_link_key_add(struct store *s, const unsigned char *secret, size_t len, time_t now, uint32_t *id, char **cause)
{
	sqlite3_stmt *st = store_cached(s, "UPDATE link_keys SET retired_at = ? WHERE retired_at IS NULL");
	int rc = 0;

	sqlite3_bind_int64(st, 1, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "link_keys");
	store_release(s, st);
	if (rc != 0)
		return rc;
	st = store_cached(s, "INSERT INTO link_keys (secret, created_at) VALUES (?, ?)");
	sqlite3_bind_blob(st, 1, secret, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "link_keys");
	else
		*id = (uint32_t)sqlite3_last_insert_rowid(s->db);
	store_release(s, st);
	return rc;
}

/* See store_links.h. */
int
store_link_use(struct store *s, const unsigned char *nonce, size_t len, const char *action, time_t now, char **cause)
{
	sqlite3_stmt *st = store_cached(s,
	    "INSERT INTO link_used (nonce, action, used_at) VALUES (?, ?, ?) "
	    "ON CONFLICT DO NOTHING");
	int rc = 0;

	sqlite3_bind_blob(st, 1, nonce, (int)len, SQLITE_TRANSIENT);
	store_bind_text(st, 2, action);
	sqlite3_bind_int64(st, 3, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "link_used");
	else if (sqlite3_changes(s->db) == 0)
		rc = 1;
	store_release(s, st);
	return rc;
}

/* See store_links.h. */
int
store_link_is_used(struct store *s, const unsigned char *nonce, size_t len)
{
	sqlite3_stmt *st = store_cached(s, "SELECT 1 FROM link_used WHERE nonce = ?");
	int rc;

	sqlite3_bind_blob(st, 1, nonce, (int)len, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
	store_release(s, st);
	return rc;
}

/* See store_links.h. */
int
store_review_booking_set(struct store *s, const char *case_ref, int booked_for, time_t now, char **cause)
{
	if (booked_for == DATE_NONE) {
		return store_run(s, store_cached(s, "DELETE FROM lac_bookings WHERE case_ref = ?"),
		    STORE_ARGS(STORE_TEXT(case_ref)), "lac_bookings", cause);
	}
	return store_run(s,
	    store_cached(s,
		"INSERT INTO lac_bookings (case_ref, booked_for, at) VALUES (?, ?, ?) "
		"ON CONFLICT (case_ref) DO UPDATE SET booked_for = excluded.booked_for, at = excluded.at"),
	    STORE_ARGS(STORE_TEXT(case_ref), STORE_INT(booked_for), STORE_INT(now)), "lac_bookings", cause);
}

/* See store_links.h. */
int
store_review_booking_get(struct store *s, const char *case_ref)
{
	int64_t v = DATE_NONE;

	store_int(s, store_cached(s, "SELECT booked_for FROM lac_bookings WHERE case_ref = ?"),
	    STORE_ARGS(STORE_TEXT(case_ref)), &v, "lac_bookings", NULL);
	return (int)v;
}
