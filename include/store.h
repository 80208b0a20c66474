/*
 * store.h: the SQLite store — the only source of truth. The store family (store*.c) is the only
 * code that speaks SQL, so another database could sit behind the same functions one day.
 */
#ifndef DRIFTWATCH_STORE_H
#define DRIFTWATCH_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct store; /* private */

/* Open (creating when missing) and migrate. NULL and *cause on failure (a newer schema included). */
struct store *store_open(const char *path, char **cause);
void store_close(struct store *s);
const char *store_path(const struct store *s);
int store_schema_version(struct store *s);
int store_latest_version(void);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or -1 with *cause (SQLITE_BUSY, disk full ...). */
int store_begin(struct store *s, char **cause);
int store_commit(struct store *s, char **cause);
void store_rollback(struct store *s);
/* Copy the WAL into the database and truncate it, without waiting for other connections (outside
 * a transaction only). 0 done, -1 busy or failed: call again later. */
int store_checkpoint(struct store *s);
/* How long a statement waits for another connection's lock, in ms; 0 or less: the default (5 s, for
 * driftwatchctl's short transactions). Returns the wait it replaces. The HTTP path waits briefly and
 * answers 503: the event loop must not stand still for 5 s behind someone else's transaction. */
int store_busy_wait(struct store *s, int ms);
/* SQLite's plan for sql (EXPLAIN QUERY PLAN), one step a line ("SEARCH t USING INDEX ...",
 * "SCAN t"), for tests that a statement searches rather than scans. 0 and *plan (caller frees), or -1. */
int store_query_plan(struct store *s, const char *sql, char **plan, char **cause);
/* From now on the WAL is copied into the database by a thread with its own connection once it
 * passes 512 KB, so the commit that passes 1 MB (which checkpoints, on the daemon's event loop) finds
 * little left to copy and fsync. For the daemon; 0, or -1 and *cause (checkpoints stay on commit). */
int store_checkpoint_in_background(struct store *s, char **cause);
/* PRAGMA data_version: changes when another connection commits. */
int64_t store_data_version(struct store *s);
/* For tests of disk-full handling: cap the database at n pages (0 = no cap). */
int store_set_max_pages(struct store *s, long n);

/* A key/value table for the daemon's own small state (e.g. last digest sent). */
int store_meta_get(struct store *s, const char *key, char **value);
int store_meta_set(struct store *s, const char *key, const char *value, char **cause);

/* The record of an import run, for the digest ("imports run"). Inside the caller's transaction. */
int store_import_log(struct store *s, time_t at, const char *kind, const char *file, const char *summary, char **cause);
int store_import_count(struct store *s, time_t from, time_t to);

/* The import log (store_imports.c). The origin of the imports this connection logs next: who
 * (`ctl:USER`, `inbox:NAME`), the files ("NAME SHA256" a line) and the newest file's mtime. */
void store_import_origin(struct store *s, const char *who, const char *files, time_t newest);
/* When these exact files were already imported as kind: 1 and *at, else 0. */
int store_import_seen(struct store *s, const char *kind, const char *files, time_t *at);
/* The newest file mtime among kind's imports from folder who (`inbox:NAME`; NULL: any folder), 0 when
 * none, and when that import ran. */
int store_import_newest(struct store *s, const char *kind, const char *who, time_t *mtime, time_t *at);
/* The latest SSDA903 date held (period start or end, review held from an extract); DATE_NONE when none. */
int store_import_latest_ssda903(struct store *s);
struct store_import_row {
	int64_t id;
	time_t at;
	char *kind, *who, *file, *files, *summary;
};
/* Every import, oldest first; free with store_import_rows_free. -1 with *cause on failure. */
int store_import_list(struct store *s, struct store_import_row **rows, int *n, char **cause);
void store_import_rows_free(struct store_import_row *rows, int n);

#endif
