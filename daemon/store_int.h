/*
 * store_int.h: private to the store family (store*.c): the connection and statement helpers.
 * Nothing outside store*.c includes this file.
 */
#ifndef DRIFTWATCH_STORE_INT_H
#define DRIFTWATCH_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "allocations.h"
#include "store.h"

/* Statements kept prepared for the hot SQL of delivery and planning (see store_cached). */
#define STORE_NCACHED 96

struct store {
	sqlite3 *db;
	char *path;
	bool hold_escalations; /* the first-start hold: escalations enqueued 'held' (store_daemon.c) */
	int full;	       /* a write failed with SQLITE_FULL: checkpoint the WAL before the next transaction */
	int busy_ms;	       /* how long a statement now waits for another connection's lock (store_busy_wait) */
	struct store_checkpointer *checkpointer; /* store_checkpoint_in_background, or NULL */
	struct {
		const char *sql; /* the caller's string constant: looked up by address */
		sqlite3_stmt *st;
	} cached[STORE_NCACHED];
	char *import_who, *import_files; /* the import log's origin (store_import_origin) */
	time_t import_newest;
	struct store_tally *tally; /* rows queued in the open transaction, counted at commit (store_outbox.c) */
	size_t ntally;
	bool in_begin;	    /* inside store_begin's transaction: it holds the write lock, so nobody else writes */
	bool alloc_memo_ok; /* alloc_memo is the last case allocation_get found in it (store_allocations.c) */
	struct allocation alloc_memo;
};

/* Outbox rows queued in the open transaction for one state and transport (outbox_tally_flush). */
struct store_tally {
	const char *state; /* "pending" or "held": a string constant */
	char *transport;
	int64_t rows;
};

/* Prepare or die: our own SQL failing to prepare is a programming error. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);
/*
 * A statement kept prepared across calls, for SQL run per notice or per pass: sql must be a string
 * constant (it is looked up by address). Returned reset with no bindings; the caller resets it
 * with sqlite3_reset when done (so it holds no read transaction) and never finalizes it. Falls
 * back to store_prepare semantics (finalize it) if the cache is full: see store_release.
 */
sqlite3_stmt *store_cached(struct store *s, const char *sql);
/* Done with a statement from store_cached: reset it (or finalize it if it was not cached). */
void store_release(struct store *s, sqlite3_stmt *st);
/* Forget the case allocation_get remembers (a transaction ends, or allocations are written). */
void allocation_memo_forget(struct store *s);
/* Add what this transaction queued to outbox_tally (store_commit, before COMMIT); 0 or -1 with *cause. */
int outbox_tally_flush(struct store *s, char **cause);
/* Forget what this transaction queued (it rolled back, or a new one begins). */
void outbox_tally_forget(struct store *s);
/* Set *cause from the connection's last error with a prefix; returns -1. */
int store_fail(struct store *s, char **cause, const char *what);
/* Execute SQL without results; 0 or -1 with *cause. */
int store_exec(struct store *s, const char *sql, char **cause);
/* Bind helpers: NULL text binds NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/*
 * Bind text, or NULL, without a copy: v must stay as it is until the statement has run (a step
 * to SQLITE_DONE, then store_release). For the wide rows written per notice (outbox, audit).
 */
void store_bind_text_static(sqlite3_stmt *st, int i, const char *v);
/* A column as a fresh string (NULL stays NULL). */
char *store_column_strdup(sqlite3_stmt *st, int i);

/*
 * A statement's parameters in one call: STORE_ARGS(STORE_TEXT(ref), STORE_INT(on)) binds ?1, ?2 in
 * order; STORE_NOARGS binds none. Text is bound without a copy (the helpers below run the
 * statement to its end before they return); NULL text binds NULL.
 */
struct store_arg {
	enum { STORE_ARG_NULL, STORE_ARG_INT, STORE_ARG_TEXT } type;
	int64_t i;
	const char *text;
};
struct store_args {
	const struct store_arg *v;
	int n;
};
#define STORE_INT(x) ((struct store_arg){ .type = STORE_ARG_INT, .i = (int64_t)(x) })
#define STORE_TEXT(x) ((struct store_arg){ .type = STORE_ARG_TEXT, .text = (x) })
#define STORE_NULL ((struct store_arg){ .type = STORE_ARG_NULL })
#define STORE_ARGS(...) \
	((struct store_args){ (const struct store_arg[]){ __VA_ARGS__ }, \
	    (int)(sizeof((const struct store_arg[]){ __VA_ARGS__ }) / sizeof(struct store_arg)) })
#define STORE_NOARGS ((struct store_args){ NULL, 0 })

/*
 * Prepare-bind-step-release in one call. st comes from store_prepare or store_cached; each helper
 * binds args, runs it and hands it to store_release (finalized, or reset in the cache), whatever
 * happens. A failure is store_fail's: -1 with *cause "PATH: WHAT: sqlite's message".
 */
/* Bind args to ?1 ... ?n (without a copy: they must outlive the statement's run). */
void store_bind(sqlite3_stmt *st, struct store_args args);
/* Run a statement without results (a RETURNING row, if any, is ignored); 0 or -1. */
int store_run(struct store *s, sqlite3_stmt *st, struct store_args args, const char *what, char **cause);
/* The first row's first column as an integer: 0 and *v, 1 when there is no row (*v untouched), or -1. */
int store_int(struct store *s, sqlite3_stmt *st, struct store_args args, int64_t *v, const char *what, char **cause);
/* The first row's first column as a fresh string (NULL stays NULL): 0 and *v, 1 no row (*v NULL), or -1. */
int store_text(struct store *s, sqlite3_stmt *st, struct store_args args, char **v, const char *what, char **cause);
/* Call row(st, arg) on each row until it returns non-zero; 0 (or row's non-zero), or -1. */
int store_each(struct store *s, sqlite3_stmt *st, struct store_args args, int (*row)(sqlite3_stmt *, void *), void *arg,
    const char *what, char **cause);

#endif
