/*
 * store_allocations.c: who works on each child's case (team, social worker, team manager, IRO),
 * as the council's allocations CSV says. Part of the store family.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "store_int.h"
#include "xmalloc.h"

/* A copy of src's strings into dst. */
static void
allocation_copy(struct allocation *dst, const struct allocation *src)
{
	dst->case_ref = src->case_ref != NULL ? xstrdup(src->case_ref) : NULL;
	dst->team = src->team != NULL ? xstrdup(src->team) : NULL;
	dst->social_worker = src->social_worker != NULL ? xstrdup(src->social_worker) : NULL;
	dst->social_worker_email = src->social_worker_email != NULL ? xstrdup(src->social_worker_email) : NULL;
	dst->team_manager = src->team_manager != NULL ? xstrdup(src->team_manager) : NULL;
	dst->team_manager_email = src->team_manager_email != NULL ? xstrdup(src->team_manager_email) : NULL;
	dst->iro = src->iro != NULL ? xstrdup(src->iro) : NULL;
	dst->iro_email = src->iro_email != NULL ? xstrdup(src->iro_email) : NULL;
}

/* See store_int.h. */
void
allocation_memo_forget(struct store *s)
{
	if (s->alloc_memo_ok)
		allocation_free(&s->alloc_memo);
	s->alloc_memo_ok = false;
}

/*
 * One case's allocation; see allocations.h. Inside store_begin's transaction the last case found
 * is remembered: planning a child asks for it three times (its reviews' recipients, a dispute's
 * raise and the dispute's recipients), and nobody else can write while the transaction holds
 * the write lock; our own writes (allocation_put, allocation_set_social_worker) forget it.
 */
int
allocation_get(struct store *s, const char *case_ref, struct allocation *a)
{
	sqlite3_stmt *st;
	int rc = -1;

	memset(a, 0, sizeof *a);
	if (s->alloc_memo_ok && s->in_begin && case_ref != NULL && strcmp(s->alloc_memo.case_ref, case_ref) == 0) {
		allocation_copy(a, &s->alloc_memo);
		return 0;
	}
	st = store_cached(s,
	    "SELECT case_ref, team, social_worker, social_worker_email, team_manager, "
	    "team_manager_email, iro, iro_email FROM allocations WHERE case_ref = ?");
	store_bind_text(st, 1, case_ref);
	if (sqlite3_step(st) == SQLITE_ROW) {
		a->case_ref = store_column_strdup(st, 0);
		a->team = store_column_strdup(st, 1);
		a->social_worker = store_column_strdup(st, 2);
		a->social_worker_email = store_column_strdup(st, 3);
		a->team_manager = store_column_strdup(st, 4);
		a->team_manager_email = store_column_strdup(st, 5);
		a->iro = store_column_strdup(st, 6);
		a->iro_email = store_column_strdup(st, 7);
		rc = 0;
	}
	store_release(s, st);
	if (rc == 0 && s->in_begin && a->case_ref != NULL) {
		allocation_memo_forget(s);
		allocation_copy(&s->alloc_memo, a);
		s->alloc_memo_ok = true;
	}
	return rc;
}

/* Free what allocation_get filled. */
void
allocation_free(struct allocation *a)
{
	free(a->case_ref), free(a->team), free(a->social_worker), free(a->social_worker_email);
	free(a->team_manager), free(a->team_manager_email), free(a->iro), free(a->iro_email);
	memset(a, 0, sizeof *a);
}

/* Empty strings are stored as NULL: "nobody given". */
static void
allocation_bind(sqlite3_stmt *st, int i, const char *v)
{
	store_bind_text(st, i, v != NULL && *v != '\0' ? v : NULL);
}

/* Add or replace one allocation. */
int
allocation_put(struct store *s, const struct allocation *a, char **cause)
{
	/* Cached: an import puts one row per case, 80,000 at a national scale. */
	sqlite3_stmt *st = store_cached(s,
	    "INSERT OR REPLACE INTO allocations (case_ref, team, social_worker, "
	    "social_worker_email, team_manager, team_manager_email, iro, iro_email) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	int rc = 0;

	allocation_memo_forget(s);
	store_bind_text(st, 1, a->case_ref);
	store_bind_text(st, 2, a->team);
	allocation_bind(st, 3, a->social_worker);
	allocation_bind(st, 4, a->social_worker_email);
	allocation_bind(st, 5, a->team_manager);
	allocation_bind(st, 6, a->team_manager_email);
	allocation_bind(st, 7, a->iro);
	allocation_bind(st, 8, a->iro_email);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "allocations");
	store_release(s, st);
	return rc;
}

/* See allocations.h: sw_episodes.csv names the social worker only. */
int
allocation_set_social_worker(
    struct store *s, const char *case_ref, const char *social_worker, const char *email, char **cause)
{
	/* Cached: one row per child of the extract. */
	sqlite3_stmt *st = store_cached(s,
	    "INSERT INTO allocations (case_ref, team, social_worker, social_worker_email) "
	    "VALUES (?, '', ?, ?) ON CONFLICT (case_ref) DO UPDATE SET "
	    "social_worker = excluded.social_worker, social_worker_email = excluded.social_worker_email");
	int rc = 0;

	allocation_memo_forget(s);
	store_bind_text(st, 1, case_ref);
	allocation_bind(st, 2, social_worker);
	allocation_bind(st, 3, email);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "allocations");
	store_release(s, st);
	return rc;
}

/* How many cases are allocated. */
int
allocation_count(struct store *s)
{
	int64_t n = 0;

	store_int(s, store_prepare(s, "SELECT count(*) FROM allocations"), STORE_NOARGS, &n, "allocations", NULL);
	return (int)n;
}
