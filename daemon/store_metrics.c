/*
 * store_metrics.c: the SQL behind GET /metrics and GET /healthz (see store_metrics.h). Every query
 * is a read at scrape time: nothing is kept in memory between scrapes, so the figures survive a
 * restart and a second daemon reading the same file would report the same. The outbox figures
 * come from tallies that triggers keep as rows change (migration 13), not from the rows: a scrape
 * costs the same with 300 notices or 3 million.
 */
#include <sqlite3.h>
#include <stdlib.h>

#include "store_int.h"
#include "store_metrics.h"
#include "xmalloc.h"

/* Step a grouped query to its end, handing each row to cb. */
static int
store_metrics_rows(struct store *s, const char *sql, int ncols, store_metrics_cb *cb, void *arg, char **cause)
{
	sqlite3_stmt *st = store_prepare(s, sql);
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(st, 0);
		const char *b = ncols > 3 ? (const char *)sqlite3_column_text(st, 1) : NULL;
		int v = ncols > 3 ? 2 : 1;
		cb(arg, a != NULL ? a : "", b, sqlite3_column_double(st, v),
		    ncols > v + 1 ? sqlite3_column_double(st, v + 1) : 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, cause, "metrics");
	return 0;
}

/* See store_metrics.h. */
int
store_metrics_ping(struct store *s, char **cause)
{
	/* Cached: every GET /healthz runs it. */
	sqlite3_stmt *st = store_cached(s, "SELECT count(*) FROM meta");
	int rc = sqlite3_step(st);

	store_release(s, st);
	if (rc != SQLITE_ROW)
		return store_fail(s, cause, "database");
	return 0;
}

/* See store_metrics.h. */
int
store_metrics_outbox(struct store *s, store_metrics_cb *cb, void *arg, char **cause)
{
	/* Four columns: state, transport, count, and a spare so both labels are read. */
	return store_metrics_rows(s,
	    "SELECT state, transport, rows, 0 FROM outbox_tally WHERE rows > 0 "
	    "ORDER BY state, transport",
	    4, cb, arg, cause);
}

/* See store_metrics.h. */
int
store_metrics_outcomes(struct store *s, int64_t *sent, int64_t *dead, int64_t *failed, char **cause)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT sent, dead, failed FROM outbox_outcomes");
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*sent = sqlite3_column_int64(st, 0);
		*dead = sqlite3_column_int64(st, 1);
		*failed = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_fail(s, cause, "metrics");
	return 0;
}

/* See store_metrics.h. */
int
store_metrics_latency(
    struct store *s, const double *bounds, int nbounds, int64_t *counts, int64_t *count, double *sum, char **cause)
{
	/* A row a bucket (migration 13: its bounds are http_latency_bounds'), -1 above the last. */
	sqlite3_stmt *st = store_prepare(s, "SELECT le, rows, seconds FROM outbox_latency WHERE rows > 0");
	int rc, i;
	double le;
	int64_t n;

	*count = 0;
	*sum = 0;
	for (i = 0; i < nbounds; i++)
		counts[i] = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		le = sqlite3_column_double(st, 0);
		n = sqlite3_column_int64(st, 1);
		for (i = 0; i < nbounds; i++) {
			if (le >= 0 && le <= bounds[i])
				counts[i] += n;
		}
		*count += n;
		*sum += sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, cause, "metrics");
	return 0;
}

/* See store_metrics.h. */
int
store_metrics_disputes_open(struct store *s, store_metrics_cb *cb, void *arg, char **cause)
{
	/* From the covering index disputes_open_stage (migration 13). */
	return store_metrics_rows(s,
	    "SELECT stage, count(*) FROM disputes WHERE resolved_on IS NULL "
	    "GROUP BY stage ORDER BY stage",
	    2, cb, arg, cause);
}

/* See store_metrics.h. */
int
store_metrics_imports(struct store *s, store_metrics_cb *cb, void *arg, char **cause)
{
	return store_metrics_rows(
	    s, "SELECT kind, count(*), max(at) FROM imports GROUP BY kind ORDER BY kind", 3, cb, arg, cause);
}
