/*
 * plan-pass.c: what a planning pass costs, full and incremental, on one database (scripts/bench-plan).
 * The benchmark's driver, not part of the product: it runs the daemon's own pass (schedule_run) with
 * nothing delivered.
 *
 *   plan-pass INI DB NOW REPEATS
 *
 * On a database just imported (everything dirty), prints one "name cpu_ms" line each for:
 *   first      the first pass (every record planned, every notice due queued), and "rss_mb" after it;
 *   idle_inc   a backstop pass a minute later with nothing changed, incremental;
 *   idle_full  the same marked whole (`replan --all`): what every pass cost before;
 *   one_inc    one review recorded for a random child (as `driftwatchctl review record` does, in its
 *              own transaction), then the pass;
 *   one_full   the same, then a full re-plan;
 * each of the last four the median of REPEATS (0: the first pass only), CPU (user + system) from getrusage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "reviews.h"
#include "store.h"
#include "watch.h"
#include "xmalloc.h"

static struct store *s;
static struct config *cfg;
static time_t now;

/* CPU milliseconds so far (user and system). */
static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

/* One pass at now, full when asked (every record marked first); its CPU milliseconds. */
static double
pass(int full)
{
	char *cause = NULL;
	time_t next = 0;
	double t0 = cpu_ms();

	if (full && schedule_replan_all(s, &cause) != 0)
		fatalx("bench: %s", cause);
	if (schedule_run(s, cfg, now, &next) != 0)
		fatalx("bench: a pass failed");
	return cpu_ms() - t0;
}

/* A review recorded today for a random child that has a period of care (not timed). */
static void
one_change(void)
{
	char *cause = NULL, ref[16];
	int added;

	for (;;) {
		snprintf(ref, sizeof ref, "%06d", 100000 + rand() % 900000);
		if (reviews_child_known(s, ref))
			break;
	}
	if (store_begin(s, &cause) != 0 ||
	    reviews_add_review(s, ref, calendar_local_date(now), false, "ctl", now, &added, &cause) != 0 ||
	    store_commit(s, &cause) != 0)
		fatalx("bench: %s", cause);
}

/* Order doubles. */
static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of n passes, each after an optional change. */
static double
median(int n, int full, int change)
{
	double *v = xcalloc((size_t)n, sizeof *v), m;
	int i;

	for (i = 0; i < n; i++) {
		now += 60;
		if (change)
			one_change();
		v[i] = pass(full);
	}
	qsort(v, (size_t)n, sizeof *v, cmp);
	m = v[n / 2];
	free(v);
	return m;
}

/* Peak RSS in MB (VmHWM). */
static double
rss_mb(void)
{
	char line[256];
	double kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = atof(line + 6);
	}
	if (f != NULL)
		fclose(f);
	return kb / 1024;
}

int
main(int argc, char **argv)
{
	char *cause = NULL;
	int repeats;

	if (argc != 5) {
		fprintf(stderr, "usage: plan-pass INI DB NOW REPEATS\n");
		return 64;
	}
	log_init(0, 0);
	if ((cfg = config_load(argv[1], &cause)) == NULL)
		fatalx("bench: %s", cause);
	setenv("TZ", cfg->timezone, 1);
	tzset();
	if (clock_parse(argv[3], &now) != 0)
		fatalx("bench: bad NOW %s", argv[3]);
	repeats = atoi(argv[4]);
	srand(17);
	if ((s = store_open(argv[2], &cause)) == NULL)
		fatalx("bench: %s", cause);
	printf("first %.1f\n", pass(0));
	printf("rss_mb %.1f\n", rss_mb());
	if (repeats < 1) /* the first pass only (for a profiler) */
		goto out;
	printf("idle_inc %.2f\n", median(repeats, 0, 0));
	printf("idle_full %.1f\n", median(repeats < 3 ? repeats : 3, 1, 0));
	printf("one_inc %.2f\n", median(repeats, 0, 1));
	printf("one_full %.1f\n", median(repeats < 3 ? repeats : 3, 1, 1));
out:
	store_close(s);
	config_free(cfg);
	return 0;
}
