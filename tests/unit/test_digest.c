/*
 * test_digest.c: the monthly digest on a known dataset: the St Helens improvement plan (imported
 * on 4 January 2021), crafted disputes either side of the February 2021 month boundaries, an
 * import and notices for the delivery area. Each figure is checked against a hand count, beside
 * January's; and the renderings: subject, CSV rows, the text carrying the same figures, the month
 * the digest reports and the day it is due.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "actions.h"
#include "allocations.h"
#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "links.h"
#include "notice.h"
#include "disputes.h"
#include "import.h"
#include "outbox.h"
#include "roles.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwdigestXXXXXX";
static struct config *cfg;
static struct store *st;

static int
D(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

/* Write a file in tmpdir; returns its path (caller frees). */
static char *
write_file(const char *name, const char *text)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

/* Import etc/samples/st-helens-roles.csv (role,title,reports_to). */
static void
load_roles(const char *top)
{
	struct role_row rows[128];
	char *path, *lines[128], buf[512], *cause = NULL, *p, *q;
	int n = 0, i;
	FILE *f;

	xasprintf(&path, "%s/etc/samples/st-helens-roles.csv", top);
	assert_non_null(f = fopen(path, "r"));
	assert_non_null(fgets(buf, sizeof buf, f)); /* header */
	while (n < 128 && fgets(buf, sizeof buf, f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		lines[n] = xstrdup(buf);
		assert_non_null(p = strchr(lines[n], ','));
		*p++ = '\0';
		assert_non_null(q = strchr(p, ','));
		*q++ = '\0';
		rows[n].key = lines[n];
		rows[n].title = p;
		rows[n].reports_to = *q != '\0' ? q : NULL;
		n++;
	}
	fclose(f);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(roles_replace(st, rows, n, &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(path);
}

static int
setup(void **state)
{
	const char *top = top_dir();
	char *path, *ini, *cause = NULL, *csv;
	struct import_errors e;
	struct action *v = NULL;
	struct allocation a = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	bool present[ACTIONS_OPTIONAL_COLUMNS];
	int n = 0, i;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	tzset();
	xasprintf(&ini,
	    "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
	    "[role \"dcs\"]\nemail = dcs@council.example\n",
	    tmpdir, top);
	path = write_file("dw.ini", ini);
	free(ini);
	if ((cfg = config_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(path);
	xasprintf(&path, "%s/dw.db", tmpdir);
	assert_non_null(st = store_open(path, &cause));
	free(path);

	/* The St Helens roles (a plain CSV: no quoted fields), then its plan, known since 4 January 2021. */
	load_roles(top);
	xasprintf(&csv, "%s/etc/samples/st-helens-ilacs-2020-actions.csv", top);
	memset(&e, 0, sizeof e);
	e.file = csv;
	if (import_actions_read(&e, csv, st, cfg, D(2021, 1, 4), &v, &n, present) != 0)
		fail_msg("%s", e.text);
	assert_int_equal(n, 58);
	assert_int_equal(store_begin(st, &cause), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(actions_insert(st, &v[i], &cause), 0);
	/* One import run in February (noon, 10 February) for the delivery area. */
	assert_int_equal(
	    store_import_log(st, calendar_local_time(D(2021, 2, 10), 12 * 60), "actions", csv, "test", &cause), 0);
	/* Four cases for the disputes. */
	for (i = 1; i <= 4; i++) {
		char ref[16];
		snprintf(ref, sizeof ref, "CR-%d", i);
		a.case_ref = ref;
		a.team = (char *)(uintptr_t) "North";
		a.iro_email = (char *)(uintptr_t) "iro@council.example";
		assert_int_equal(allocation_put(st, &a, &cause), 0);
	}
	assert_int_equal(store_commit(st, &cause), 0);
	actions_free(v, n);
	import_errors_free(&e);
	free(csv);

	/*
	 * CR-1 raised Friday 29 January, resolved Monday 1 February (1 working day); CR-2 raised on
	 * 1 February, resolved Friday 26 February (19 working days); CR-3 raised on Sunday 28 February,
	 * open; CR-4 raised on 1 March. Drift and delay: CR-1 and CR-3.
	 */
	path = write_file("disputes.csv",
	    "id,case_ref,iro_email,category,raised_on,stage,stage_started_on,resolved_on,outcome\n"
	    "1,CR-1,iro@council.example,drift-and-delay,2021-01-29,informal,2021-01-29,2021-02-01,resolved\n"
	    "2,CR-2,iro@council.example,placement,2021-02-01,informal,2021-02-01,2021-02-26,resolved\n"
	    "3,CR-3,iro@council.example,drift-and-delay,2021-02-28,informal,2021-02-28,,\n"
	    "4,CR-4,iro@council.example,placement,2021-03-01,informal,2021-03-01,,\n");
	assert_int_equal(import_disputes(&(struct import_request){
			     st, cfg, &path, 1, true, calendar_local_time(D(2021, 3, 1), 9 * 60), 0, stdout, stderr }),
	    0);
	free(path);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	store_close(st);
	config_free(cfg);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

/* A figure's value and last month's. */
static void
assert_figure(const struct digest *d, const char *area, const char *name, double value, double previous)
{
	double v, p;

	if (digest_figure_value(d, area, name, &v) != 0 || digest_figure_previous(d, area, name, &p) != 0)
		fail_msg("no figure %s/%s", area, name);
	if (!(isnan(value) ? isnan(v) : fabs(v - value) < 1e-9))
		fail_msg("%s: %g, want %g", name, v, value);
	if (!(isnan(previous) ? isnan(p) : fabs(p - previous) < 1e-9))
		fail_msg("%s last month: %g, want %g", name, p, previous);
}

/* The month reported and the day it is due: the first working day of the month after. */
static void
test_dates(void **state)
{
	struct digest_period p;
	int y, m;

	(void)state;
	digest_month_reported(D(2021, 3, 1), &y, &m);
	assert_int_equal(y * 100 + m, 202102);
	digest_month_reported(D(2027, 1, 4), &y, &m);
	assert_int_equal(y * 100 + m, 202612);
	/* New Year's Day 2027 is a Friday holiday: Monday 4 January. 1 May 2023 a bank holiday Monday. */
	assert_int_equal(digest_send_date(cfg->calendar, 2027, 1), D(2027, 1, 4));
	assert_int_equal(digest_send_date(cfg->calendar, 2023, 5), D(2023, 5, 2));
	assert_int_equal(digest_send_date(cfg->calendar, 2021, 3), D(2021, 3, 1));
	/* February 2024 is a leap month; the period's instants are local midnights (GMT in winter). */
	digest_period_of(2024, 2, &p);
	assert_int_equal(p.first, D(2024, 2, 1));
	assert_int_equal(p.last, D(2024, 2, 29));
	digest_period_of(2021, 3, &p);
	assert_int_equal(p.to - p.from, 31 * 86400 - 3600); /* summer time began on 28 March */
	assert_int_equal(digest_parse_month("2021-02", &y, &m), 0);
	assert_int_equal(y * 100 + m, 202102);
	assert_int_equal(digest_parse_month("2021-13", &y, &m), -1);
	assert_int_equal(digest_parse_month("2021-2", &y, &m), -1);
	assert_int_equal(digest_parse_month("2021-02x", &y, &m), -1);
}

/* February 2021 beside January 2021, as at each month's end. */
static void
test_february(void **state)
{
	struct digest *d;
	char *cause = NULL;

	(void)state;
	assert_int_equal(digest_build(st, cfg, NULL, 2021, 2, D(2021, 3, 1), &d, &cause), 0);
	/*
	 * Actions: 8 were due in 2020 (Red both months), 47 are due 28 February 2021: as at 31 January
	 * that is 20 working days away (1-26 February are the 20th), so Green; as at 28 February it is
	 * the due day itself, so Amber. 3 have no timescale. Nothing complete.
	 */
	assert_figure(d, "actions", "Red actions", 8, 8);
	assert_figure(d, "actions", "Amber actions", 47, 0);
	assert_figure(d, "actions", "Green actions", 0, 47);
	assert_figure(d, "actions", "Blue (complete) actions", 0, 0);
	assert_figure(d, "actions", "Actions with no timescale", 3, 3);
	assert_figure(d, "actions", "Actions on track", 0, 100.0 * 47 / 58);
	assert_int_equal(digest_list_count(d, "actions", "Overdue actions"), 8);
	assert_int_equal(digest_list_count(d, "actions", "Actions with no timescale"), 3);
	/* Disputes: February opened CR-2 (1st) and CR-3 (28th), not CR-4 (1 March); resolved CR-1 and CR-2.
	 */
	assert_figure(d, "disputes", "Disputes opened", 2, 1);
	assert_figure(d, "disputes", "Disputes resolved", 2, 0);
	assert_figure(d, "disputes", "Disputes open at month end", 1, 1);
	assert_figure(d, "disputes", "Median working days to resolve", 10, NAN);
	assert_figure(d, "disputes", "Disputes about drift and delay", 50, 100);
	/* Nothing of the other areas: no data, and zero counts. */
	assert_figure(d, "reviews", "Reviews held on time", NAN, NAN);
	assert_figure(d, "reviews", "Reviews overdue at month end", 0, 0);
	assert_figure(d, "asye", "Social workers above their caseload cap", 0, 0);
	/* Delivery: one import in February, none in January. */
	assert_figure(d, "delivery", "Imports run", 1, 0);
	assert_figure(d, "delivery", "Notices sent", 0, 0);
	digest_free(d);
}

/* March to date (as at 8 March) and at its end: the month boundary on the other side. */
static void
test_march(void **state)
{
	struct digest *d;
	char *cause = NULL;

	(void)state;
	assert_int_equal(digest_build(st, cfg, NULL, 2021, 3, D(2021, 3, 8), &d, &cause), 0);
	/* As at 8 March: the 47 are Red too, February's figures are last month's. */
	assert_figure(d, "actions", "Red actions", 55, 8);
	assert_figure(d, "actions", "Amber actions", 0, 47);
	assert_figure(d, "disputes", "Disputes opened", 1, 2);
	assert_figure(d, "disputes", "Disputes open at month end", 2, 1);
	assert_figure(d, "disputes", "Median working days to resolve", NAN, 10);
	assert_figure(d, "delivery", "Imports run", 1, 1); /* the disputes import on 1 March */
	digest_free(d);
}

/* A digest's sections come from its [digest] section, in its order. */
static void
test_sections(void **state)
{
	struct config_digest dc;
	struct digest *d;
	char *cause = NULL, *csv, *text;
	char s0[] = "disputes", s1[] = "delivery", name[] = "board";
	double v;

	(void)state;
	memset(&dc, 0, sizeof dc);
	dc.name = name;
	dc.sections[0] = s0;
	dc.sections[1] = s1;
	dc.nsections = 2;
	assert_int_equal(digest_build(st, cfg, &dc, 2021, 2, D(2021, 3, 1), &d, &cause), 0);
	assert_int_equal(digest_figure_value(d, "actions", "Red actions", &v), -1);
	csv = digest_csv(d);
	text = digest_text(d, NULL);
	assert_non_null(
	    strstr(csv, "month,area,figure,value,previous,target\r\n2021-02,disputes,Disputes opened,2,1,\r\n"));
	assert_null(strstr(csv, "actions"));
	assert_true(strstr(text, "IRO disputes") < strstr(text, "What driftwatch did"));
	assert_null(strstr(text, "Action plans"));
	free(csv), free(text);
	digest_free(d);
}

/* The renderings carry the same figures, with the subject exact and no external resource. */
static void
test_render(void **state)
{
	struct digest *d;
	char *cause = NULL, *subject, *csv, *text, *html, *name, *summary, *payload, *line, *save = NULL;
	char *row, want[256];
	int rows = 0;

	(void)state;
	assert_int_equal(digest_build(st, cfg, NULL, 2021, 2, D(2021, 3, 1), &d, &cause), 0);
	subject = digest_subject(d);
	assert_string_equal(subject, "Children's services timescales \xe2\x80\x94 February 2021");
	name = digest_csv_filename(d);
	assert_string_equal(name, "digest-2021-02.csv");
	csv = digest_csv(d);
	text = digest_text(d, NULL);
	html = digest_html(d, NULL);
	assert_non_null(strstr(csv, "2021-02,actions,Red actions,8,8,0\r\n"));
	assert_non_null(strstr(csv, "2021-02,actions,Actions on track,0,81.0,100%\r\n"));
	assert_non_null(strstr(csv, "2021-02,disputes,Median working days to resolve,10,,<=20 wd\r\n"));
	assert_non_null(strstr(text, "- Red actions: 8 (last month 8; target 0, not met) \xe2\x86\x92 same\n"));
	assert_non_null(strstr(text, "- Amber actions: 47 (last month 0; no target) \xe2\x86\x91 worse\n"));
	assert_non_null(strstr(text, "- Disputes resolved: 2 (last month 0; no target) \xe2\x86\x91 better\n"));
	assert_non_null(
	    strstr(text, "- Median working days to resolve: 10 wd (last month no data; target <=20 wd, met) -\n"));
	/* Every CSV row's figure and value are in the text. */
	for (line = strtok_r(csv, "\r\n", &save); line != NULL; line = strtok_r(NULL, "\r\n", &save)) {
		char area[32], fig[128], value[32];
		if (rows++ == 0)
			continue;
		if (sscanf(line, "%*[^,],%31[^,],%127[^,],%31[^,]", area, fig, value) != 3)
			snprintf(value, sizeof value, "no data"), sscanf(line, "%*[^,],%31[^,],%127[^,]", area, fig);
		snprintf(want, sizeof want, "- %s: %s", fig, value);
		row = strstr(text, want);
		if (row == NULL)
			fail_msg("text lacks \"%s\"", want);
	}
	assert_int_equal(rows, 1 + digest_figure_count(d));
	assert_non_null(strstr(html, "<title>Children&#39;s services timescales \xe2\x80\x94 February 2021</title>"));
	assert_null(strstr(html, "http"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "url("));
	summary = digest_summary(d);
	payload = digest_payload(d);
	assert_non_null(strstr(summary, "- Red actions: 8 (last month 8; target 0)"));
	assert_null(strstr(summary, "Amber actions")); /* no target: not a headline figure */
	assert_non_null(strstr(payload, "\"month\":\"2021-02\""));
	free(subject), free(name), free(csv), free(text), free(html), free(summary), free(payload);
	/* A recipient's own digest says how to subscribe to their calendar, just above the footer, with
	 * the URL escaped in the HTML. */
	{
		struct notice_links l;
		const char *footer;
		char url[] = "https://dw.example/ics/T&K.ics";

		memset(&l, 0, sizeof l);
		l.feed_url = url;
		text = digest_text(d, &l);
		html = digest_html(d, &l);
		footer = strstr(text, notice_text_footer);
		assert_non_null(footer);
		assert_non_null(strstr(text, "Subscribe your calendar: https://dw.example/ics/T&K.ics\n\n"));
		assert_true(strstr(text, "Subscribe your calendar") < footer);
		assert_non_null(
		    strstr(html, "Subscribe your calendar: copy <a href=\"https://dw.example/ics/T&amp;K.ics\""));
		assert_null(strstr(html, "T&K"));
		free(text), free(html);
	}
	digest_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_february),
		cmocka_unit_test(test_march),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_render),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
