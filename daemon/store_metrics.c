/*
 * store_metrics.c: the SQL behind GET /metrics and GET /healthz (see store_metrics.h). Every query
 * is a read at scrape time: nothing is kept in memory between scrapes, so the figures survive a
 * restart and a second daemon reading the same file would report the same.
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
	return store_metrics_rows(s, "SELECT state, transport, count(*), 0 FROM outbox GROUP BY state, transport "
	    "ORDER BY state, transport", 4, cb, arg, cause);
}

/* See store_metrics.h. */
int
store_metrics_outcomes(struct store *s, int64_t *sent, int64_t *dead, int64_t *failed, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT coalesce(sum(state = 'sent'), 0), coalesce(sum(state = 'dead'), 0),"
	    " coalesce(sum(CASE WHEN state = 'sent' THEN max(attempts - 1, 0) ELSE attempts END), 0) FROM outbox");
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
store_metrics_latency(struct store *s, const double *bounds, int nbounds, int64_t *counts, int64_t *count,
    double *sum, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT max(sent_at - created_at, 0) FROM outbox WHERE state = 'sent' AND sent_at IS NOT NULL");
	int rc, i;
	double d;

	*count = 0;
	*sum = 0;
	for (i = 0; i < nbounds; i++)
		counts[i] = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		d = sqlite3_column_double(st, 0);
		for (i = 0; i < nbounds; i++) {
			if (d <= bounds[i])
				counts[i]++;
		}
		(*count)++;
		*sum += d;
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
	return store_metrics_rows(s, "SELECT stage, count(*) FROM disputes WHERE resolved_on IS NULL "
	    "GROUP BY stage ORDER BY stage", 2, cb, arg, cause);
}

/* See store_metrics.h. */
int
store_metrics_imports(struct store *s, store_metrics_cb *cb, void *arg, char **cause)
{
	return store_metrics_rows(s, "SELECT kind, count(*), max(at) FROM imports GROUP BY kind ORDER BY kind", 3, cb,
	    arg, cause);
}
