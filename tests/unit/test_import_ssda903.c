/*
 * test_import_ssda903.c: the SSDA903 importer on the fake extract (every row accounted for, strict
 * refuses, re-import changes nothing) and on crafted files (each problem named FILE:LINE:COLUMN,
 * nothing imported); its dates (two-digit years, BOM, CRLF); the permanence import; and the
 * reviews digest figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <math.h>

#include <cmocka.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "digest.h"
#include "import.h"
#include "reviews.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwssda903XXXXXX";
static int ncase;

/* A reviews figure of the digest, read back through digest.c. */
static double
digest_value(const struct digest *d, const char *name)
{
	double v;

	if (digest_figure_value(d, "reviews", name, &v) != 0)
		fail_msg("no figure %s", name);
	return v;
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	tzset();
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static time_t
at(const char *iso)
{
	time_t t;

	assert_int_equal(clock_parse(iso, &t), 0);
	return t;
}

/* A fresh database for one case. */
static struct store *
fresh_store(void)
{
	char *path, *cause = NULL;
	struct store *s;

	xasprintf(&path, "%s/case%d.db", tmpdir, ++ncase);
	s = store_open(path, &cause);
	if (s == NULL)
		fail_msg("%s", cause);
	free(path);
	return s;
}

/* Write a file in a fresh folder; returns the folder. */
static char *
write_dir(const char *header, const char *episodes, const char *reviews)
{
	char *dir, *p;
	const char *names[] = { "header.csv", "episodes.csv", "reviews.csv" }, *data[] = { header, episodes, reviews };
	FILE *f;
	int i;

	xasprintf(&dir, "%s/x%d", tmpdir, ++ncase);
	assert_int_equal(mkdir(dir, 0700), 0);
	for (i = 0; i < 3; i++) {
		xasprintf(&p, "%s/%s", dir, names[i]);
		assert_non_null(f = fopen(p, "w"));
		fputs(data[i], f);
		fclose(f);
		free(p);
	}
	return dir;
}

struct run {
	int rc;
	char *out, *err;
};

/* Run the importer on paths, capturing what it prints. */
static void
run_import(struct store *s, char **paths, int n, bool strict, const char *now, struct run *r)
{
	size_t lo, le;
	FILE *out = open_memstream(&r->out, &lo), *err = open_memstream(&r->err, &le);

	struct import_request rq = { s, NULL, paths, n, strict, at(now), 0, out, err };

	r->rc = import_ssda903(&rq);
	fclose(out);
	fclose(err);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int
count_sql_children(struct store *s)
{
	struct reviews_child *c = NULL;
	int n = 0;
	char *cause = NULL;

	assert_int_equal(reviews_load(s, NULL, &c, &n, &cause), 0);
	reviews_children_free(c, n);
	return n;
}

/* The fake extract: strict refuses it; --no-strict imports it with every row accounted for. */
static void
test_fake_extract(void **state)
{
	const char *top = top_dir();
	char *dir;
	struct store *s = fresh_store();
	struct run r;

	(void)state;
	xasprintf(&dir, "%s/etc/samples/ssda903-fake", top);
	run_import(s, &dir, 1, true, "2018-06-01T10:00", &r);
	assert_int_equal(r.rc, 65);
	assert_non_null(strstr(r.err, "nothing imported"));
	assert_int_equal(count_sql_children(s), 0);
	run_free(&r);

	run_import(s, &dir, 1, false, "2018-06-01T10:00", &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(
	    r.out, "header.csv: 2675 rows: 2120 used, 555 not used (no episode of care in episodes.csv), 0 skipped"));
	assert_non_null(strstr(r.out,
	    "episodes.csv: 5050 rows: 4609 used, 441 skipped (353 REC ends care but DEC is empty, "
	    "59 episodes overlap, 25 new period without RNE S, 4 RNE S while already looked after)"));
	assert_non_null(strstr(r.out,
	    "reviews.csv: 12582 rows: 3448 used, 9134 skipped (4686 REVIEW in the future, "
	    "1756 child has no period of care, 2638 review before the child was looked after, "
	    "8 duplicate review, 46 review while not looked after)"));
	assert_non_null(strstr(r.out, "not read: placed_for_adoption.csv, previous_permanence.csv, sw_episodes.csv"));
	assert_non_null(
	    strstr(r.out, "2120 children, 2166 periods of care (1856 began before the extract), 3448 reviews held"));
	assert_non_null(
	    strstr(r.err, "episodes.csv:47:35: REC E4B ends the period of care but DEC is empty (row skipped)"));
	assert_int_equal(count_sql_children(s), 2120);
	run_free(&r);

	/* The same files again: nothing changes. */
	run_import(s, &dir, 1, false, "2018-06-01T10:00", &r);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "; 0 children changed"));
	run_free(&r);
	store_close(s);
	free(dir);
}

/* Each kind of contradiction, named with its line and column; strict imports nothing. */
static void
test_bad_rows(void **state)
{
	static const char header[] = "CHILD,SEX,DOB\nA1,1,01/01/2010\nA2,2,01/01/2011\nA3,1,01/01/2012\n";
	static const struct {
		const char *episodes, *reviews, *message;
	} cases[] = {
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,01/01/2020,E11\n", "CHILD,REVIEW\n",
		    "episodes.csv:2:17: DEC 01/01/2020 is before DECOM 01/02/2020: the episode ends before it starts" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,31/02/2020,S,,\n", "CHILD,REVIEW\n",
		    "episodes.csv:2:4: DECOM: \"31/02/2020\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,\nA1,01/03/2020,P,,\n", "CHILD,REVIEW\n",
		    "episodes.csv:3:4: CHILD A1: this episode starts on 2020-03-01 before the episode at line 2 has ended" },
		{ "CHILD,DECOM,RNE,DEC,REC\nZ9,01/02/2020,S,,\n", "CHILD,REVIEW\n",
		    "episodes.csv:2:1: CHILD Z9: not in header.csv" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,01/03/2020,E11\nA1,01/04/2020,P,,\n", "CHILD,REVIEW\n",
		    "episodes.csv:3:15: CHILD A1: RNE P, but the period of care ended on 2020-03-01 (line 2): a new period starts with RNE S" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,\n", "CHILD,REVIEW\nA1,15/01/2020\n",
		    "reviews.csv:2:4: CHILD A1: a review on 2020-01-15, before the child was looked after (from 2020-02-01, episodes.csv line 2)" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,\n", "CHILD,REVIEW\nA2,15/03/2020\n",
		    "reviews.csv:2:4: CHILD A2: a review on 2020-03-15, but episodes.csv has no period of care for this child" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,01/03/2020,E3\n", "CHILD,REVIEW\nA1,15/03/2020\n",
		    "reviews.csv:2:4: CHILD A1: a review on 2020-03-15, when the child was not looked after (the period from line 2 ended on 2020-03-01)" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,\n", "CHILD,REVIEW\nA1,15/03/2020\nA1,2020-03-15\n",
		    "reviews.csv:3:4: CHILD A1: review on 2020-03-15 already listed at line 2" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,\n", "CHILD,REVIEW\nA1,15/03/2030\n",
		    "reviews.csv:2:4: REVIEW: 15/03/2030 is after today: a review held cannot be in the future" },
		{ "CHILD,DECOM,RNE,DEC,REC\nA1,01/02/2020,S,,E11\n", "CHILD,REVIEW\n",
		    "episodes.csv:2:18: REC E11 ends the period of care but DEC is empty" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct store *s = fresh_store();
		char *dir = write_dir(header, cases[i].episodes, cases[i].reviews);
		struct run r;

		run_import(s, &dir, 1, true, "2022-06-01T10:00", &r);
		if (r.rc != 65 || strstr(r.err, cases[i].message) == NULL)
			fail_msg("case %zu: rc %d, want 65 and \"%s\" in:\n%s", i, r.rc, cases[i].message, r.err);
		assert_non_null(strstr(r.err, "nothing imported"));
		assert_int_equal(count_sql_children(s), 0);
		run_free(&r);
		/* --no-strict skips the row and says so. */
		run_import(s, &dir, 1, false, "2022-06-01T10:00", &r);
		assert_int_equal(r.rc, 0);
		assert_non_null(strstr(r.err, "(row skipped)"));
		run_free(&r);
		store_close(s);
		free(dir);
	}
}

/* Problems that refuse the import in any mode: a missing column, a missing file, CSV syntax. */
static void
test_refused(void **state)
{
	struct store *s = fresh_store();
	char *dir = write_dir("CHILD\nA1\n", "CHILD,DECOM,RNE,DEC\nA1,01/02/2020,S,\n", "CHILD,REVIEW\n"), *p;
	struct run r;

	(void)state;
	run_import(s, &dir, 1, false, "2022-06-01T10:00", &r);
	assert_int_equal(r.rc, 65);
	assert_non_null(strstr(r.err, "episodes.csv:1:1: "));
	assert_non_null(strstr(r.err, "REC"));
	run_free(&r);
	free(dir);
	dir = write_dir("CHILD\nA1\n", "CHILD,DECOM,RNE,DEC,REC\nA1,\"01/02/2020,S,,\n", "CHILD,REVIEW\n");
	run_import(s, &dir, 1, false, "2022-06-01T10:00", &r);
	assert_int_equal(r.rc, 65);
	assert_non_null(strstr(r.err, "episodes.csv:2:"));
	run_free(&r);
	xasprintf(&p, "%s/header.csv", dir);
	run_import(s, &p, 1, false, "2022-06-01T10:00", &r);
	assert_int_equal(r.rc, 66);
	assert_non_null(strstr(r.err, "no episodes.csv"));
	run_free(&r);
	assert_int_equal(count_sql_children(s), 0);
	free(p);
	free(dir);
	store_close(s);
}

/* BOM, CRLF, two-digit years and ISO dates; periods, a second period, files given one by one. */
static void
test_formats(void **state)
{
	struct store *s = fresh_store();
	char *dir = write_dir("\xef\xbb\xbf"
			      "CHILD,SEX\r\nB1,1\r\nB2,2\r\n",
	    "CHILD,DECOM,RNE,DEC,REC\r\nB1,02/06/22,S,2022-07-10,X1\r\nB1,10/07/2022,P,01/09/2022,E4A\r\n"
	    "B1,2023-01-09,S,,\r\nB2,15/03/21,L,,\r\n",
	    "CHILD,REVIEW\r\nB1,30/06/2022\r\nB1,2023-02-01\r\nB2,01/04/21\r\n");
	char *paths[3];
	struct reviews_child *c = NULL;
	int n = 0, d;
	char *cause = NULL;
	struct run r;

	(void)state;
	xasprintf(&paths[0], "%s/reviews.csv", dir);
	xasprintf(&paths[1], "%s/episodes.csv", dir);
	xasprintf(&paths[2], "%s/header.csv", dir);
	run_import(s, paths, 3, true, "2023-03-01T10:00", &r);
	if (r.rc != 0)
		fail_msg("%s", r.err);
	assert_non_null(strstr(r.out, "2 children, 3 periods of care (1 began before the extract), 3 reviews held"));
	run_free(&r);
	assert_int_equal(reviews_load(s, "B1", &c, &n, &cause), 0);
	assert_int_equal(n, 1);
	assert_int_equal(c[0].nperiods, 2);
	assert_int_equal(c[0].periods[0].started_on, date_from_ymd(2022, 6, 2));
	assert_true(c[0].periods[0].start_known);
	assert_int_equal(c[0].periods[0].ended_on, date_from_ymd(2022, 9, 1));
	assert_int_equal(c[0].periods[1].ended_on, DATE_NONE);
	assert_int_equal(c[0].nreviews, 2);
	reviews_children_free(c, n);
	assert_int_equal(reviews_load(s, "B2", &c, &n, &cause), 0);
	assert_false(c[0].periods[0].start_known);
	assert_int_equal(c[0].reviews[0].held_on, date_from_ymd(2021, 4, 1));
	reviews_children_free(c, n);

	/* Two-digit years: the century within the 100 years before today. */
	d = date_from_ymd(2025, 6, 1);
	assert_int_equal(ssda903_date("24/04/17", d, &n), 0);
	assert_int_equal(n, date_from_ymd(2017, 4, 24));
	assert_int_equal(ssda903_date("01/01/60", d, &n), 0);
	assert_int_equal(n, date_from_ymd(1960, 1, 1));
	assert_int_equal(ssda903_date("01/06/25", d, &n), 0);
	assert_int_equal(n, date_from_ymd(2025, 6, 1));
	assert_int_equal(ssda903_date("02/06/25", d, &n), 0);
	assert_int_equal(n, date_from_ymd(1925, 6, 2));
	assert_int_equal(ssda903_date("1/2/2020", d, &n), 0);
	assert_int_equal(n, date_from_ymd(2020, 2, 1));
	assert_int_equal(ssda903_date("29/02/2021", d, &n), -1);
	assert_int_equal(ssda903_date("01/13/2021", d, &n), -1);
	assert_int_equal(ssda903_date("01/01/021", d, &n), -1);
	assert_int_equal(ssda903_date("01-01-2021", d, &n), -1);
	assert_int_equal(ssda903_date("", d, &n), -1);
	free(paths[0]), free(paths[1]), free(paths[2]);
	free(dir);
	store_close(s);
}

/* import permanence: bad rows named; a clean file written once. */
static void
test_permanence_import(void **state)
{
	struct store *s = fresh_store();
	char *dir = write_dir("CHILD\nC1\n", "CHILD,DECOM,RNE,DEC,REC\nC1,2022-06-02,S,,\n", "CHILD,REVIEW\n"), *p;
	struct run r;
	size_t lo, le;
	FILE *f, *out, *err;

	(void)state;
	run_import(s, &dir, 1, true, "2022-09-01T10:00", &r);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	xasprintf(&p, "%s/plans.csv", dir);
	assert_non_null(f = fopen(p, "w"));
	fputs("case_ref,plan,agreed_on\nC1,adoption,2022-08-01\nC2,kinship,2022-08-01\nC1,fostering,2022-08-01\n"
	      "C1,kinship,01/08/2022\n",
	    f);
	fclose(f);
	out = open_memstream(&r.out, &lo), err = open_memstream(&r.err, &le);
	r.rc = import_permanence(&(struct import_request){ s, NULL, &p, 1, true, at("2022-09-01T10:00"), 0, out, err });
	fclose(out), fclose(err);
	assert_int_equal(r.rc, 65);
	assert_non_null(strstr(r.err, "plans.csv:3:1: case_ref: \"C2\" has no period of care"));
	assert_non_null(strstr(r.err, "plans.csv:4:4: plan: \"fostering\" is not a plan"));
	assert_non_null(strstr(r.err, "plans.csv:5:12: agreed_on"));
	run_free(&r);
	assert_non_null(f = fopen(p, "w"));
	fputs("case_ref,plan,agreed_on\nC1,adoption,2022-08-01\n", f);
	fclose(f);
	out = open_memstream(&r.out, &lo), err = open_memstream(&r.err, &le);
	r.rc = import_permanence(&(struct import_request){ s, NULL, &p, 1, true, at("2022-09-01T10:00"), 0, out, err });
	fclose(out), fclose(err);
	assert_int_equal(r.rc, 0);
	assert_non_null(strstr(r.out, "1 permanence plans: 1 new, 0 already recorded"));
	run_free(&r);
	free(p);
	free(dir);
	store_close(s);
}

/* The digest: reviews on time, permanence at the second review (with the cases without), overdue. */
static void
test_digest(void **state)
{
	struct store *s = fresh_store();
	char *dir = write_dir("CHILD\nD1\nD2\nD3\n",
	    "CHILD,DECOM,RNE,DEC,REC\nD1,2022-06-02,S,,\nD2,2022-06-02,S,,\nD3,2022-06-02,S,,\n",
	    /* D1: both on time, second in September. D2: first late, second in September. D3: first only. */
	    "CHILD,REVIEW\nD1,2022-06-30\nD1,2022-09-20\nD2,2022-07-20\nD2,2022-09-28\nD3,2022-06-30\n");
	char *cause = NULL, *cfgpath, *p;
	struct config *cfg;
	struct digest_period per;
	struct digest *d;
	struct run r;
	int added;
	FILE *f;

	(void)state;
	run_import(s, &dir, 1, true, "2022-10-01T10:00", &r);
	assert_int_equal(r.rc, 0);
	run_free(&r);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(
	    reviews_add_plan(s, "D1", "adoption", date_from_ymd(2022, 9, 1), "test", 0, &added, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	xasprintf(&cfgpath, "%s/dw.ini", tmpdir);
	xasprintf(&p, "%s/etc/bank-holidays-england-and-wales.txt", top_dir());
	assert_non_null(f = fopen(cfgpath, "w"));
	fprintf(f, "[daemon]\nbank_holidays = %s\n", p);
	fclose(f);
	cfg = config_load(cfgpath, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	per.first = date_from_ymd(2022, 9, 1);
	per.last = date_from_ymd(2022, 9, 30);
	d = digest_new(NULL, 2022, 9);
	assert_int_equal(reviews_digest(s, cfg, &per, d, &cause), 0);
	/* September: D1's and D2's second reviews, both on time (due 30 Sep and 20 Oct); D3's second
	 * is due 30 September and not held: overdue only after the month's end. */
	assert_true(digest_value(d, "Reviews held on time") == 100.0);
	assert_true(digest_value(d, "Permanence plan at the second review") == 50.0);
	assert_int_equal(digest_list_count(d, "reviews", "Second review without a permanence plan"), 1);
	assert_string_equal(digest_list_item(d, "reviews", "Second review without a permanence plan", 0),
	    "D2  second review 2022-09-28 with no permanence plan");
	assert_true(digest_value(d, "Reviews overdue at month end") == 0.0);
	digest_free(d);
	/* October as at its end: D3 overdue, nothing held. */
	per.first = date_from_ymd(2022, 10, 1);
	per.last = date_from_ymd(2022, 10, 31);
	d = digest_new(NULL, 2022, 10);
	assert_int_equal(reviews_digest(s, cfg, &per, d, &cause), 0);
	assert_true(isnan(digest_value(d, "Reviews held on time")));
	assert_true(digest_value(d, "Reviews overdue at month end") == 1.0);
	digest_free(d);
	config_free(cfg);
	free(cfgpath), free(p), free(dir);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_extract),
		cmocka_unit_test(test_bad_rows),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_permanence_import),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
