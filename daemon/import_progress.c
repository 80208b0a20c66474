/*
 * import_progress.c: a one-line progress report on stderr for imports over a second, when stderr
 * is a terminal. The clock is read every 1,024 rows and the line rewritten at most 4 times a
 * second, so an 80,000-child extract pays nothing measurable for it. The delay before the first
 * line is DRIFTWATCH_PROGRESS_AFTER seconds (default 1; the tests set 0).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "csv.h"
#include "import_progress.h"

/* One import at a time per process: driftwatchctl runs one. */
static struct {
	int active, printed;
	char what[64];
	long long total, done, rows;
	double started, after, last;
} import_progress;

/* Seconds on the monotonic clock: wall-clock jumps do not bend the rate. */
static double
import_progress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A count with thousands separators. */
static const char *
import_progress_count(long long n, char *buf, size_t size)
{
	char digits[32];
	size_t len, i, j = 0;

	snprintf(digits, sizeof digits, "%lld", n);
	len = strlen(digits);
	for (i = 0; i < len && j + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = digits[i];
	}
	buf[j] = '\0';
	return buf;
}

/* Rewrite the line. */
static void
import_progress_print(double now, int final)
{
	char rows[32], rate[32], line[160];
	double elapsed = now - import_progress.started, per = elapsed > 0 ? (double)import_progress.rows / elapsed : 0;
	double bps = elapsed > 0 ? (double)import_progress.done / elapsed : 0;
	int pct =
	    import_progress.total > 0 ? (int)(100.0 * (double)import_progress.done / (double)import_progress.total) : 0;
	long long left = bps > 0 ? (long long)((double)(import_progress.total - import_progress.done) / bps + 0.5) : 0;

	if (pct > 99 && !final)
		pct = 99;
	if (final)
		pct = 100, left = 0;
	if (left < 0)
		left = 0;
	snprintf(line, sizeof line, "%s: %s rows, %s rows/s, %d%%, ETA %llds", import_progress.what,
	    import_progress_count(import_progress.rows, rows, sizeof rows),
	    import_progress_count((long long)per, rate, sizeof rate), pct, left);
	fprintf(stderr, "\r%-72s%s", line, final ? "\n" : "");
	fflush(stderr);
	import_progress.printed = 1;
	import_progress.last = now;
}

/* See import_progress.h. */
void
import_progress_begin(const char *what, long long total_bytes)
{
	const char *after = getenv("DRIFTWATCH_PROGRESS_AFTER");

	memset(&import_progress, 0, sizeof import_progress);
	if (!isatty(STDERR_FILENO))
		return;
	snprintf(import_progress.what, sizeof import_progress.what, "%s", what);
	import_progress.total = total_bytes;
	import_progress.after = after != NULL && *after != '\0' ? atof(after) : 1.0;
	import_progress.started = import_progress_now();
	import_progress.active = 1;
}

/* See import_progress.h. */
void
import_progress_row(const struct csv_row *row)
{
	double now;
	size_t i;

	if (!import_progress.active)
		return;
	/* The row's share of the file: its values, separators and line end (quotes are not counted). */
	import_progress.rows++;
	import_progress.done += (long long)row->nfields + 1;
	for (i = 0; i < row->nfields; i++)
		import_progress.done += (long long)row->fields[i].len;
	if ((import_progress.rows & 1023) != 0 && import_progress.after > 0)
		return;
	now = import_progress_now();
	if (now - import_progress.started < import_progress.after)
		return;
	if (import_progress.printed && now - import_progress.last < 0.25)
		return;
	import_progress_print(now, 0);
}

/* See import_progress.h. */
void
import_progress_end(void)
{
	if (import_progress.active && import_progress.printed)
		import_progress_print(import_progress_now(), 1);
	import_progress.active = 0;
}
