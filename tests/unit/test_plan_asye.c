/*
 * test_plan_asye.c: the ASYE and caseload planner across weekends and bank holidays (the real
 * England and Wales file): protected time pro rata for part-time hours and bank holiday weeks,
 * measured over the rolling window; the supervision cadence changing at 6 weeks and 6 months; a
 * pause moving the programme dates; review reminders and escalations; critical reflections as
 * their own kind of point (reminded, escalated, moved by pauses, tracked or not); caseload caps;
 * the monthly list's date; the notices and dedupe keys from a real store; and the digest figures.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "asye.h"
#include "config.h"
#include "digest.h"
#include "plan_asye.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwasyeXXXXXX";
static struct config *cfg;

#define D(y, m, d) date_from_ymd(y, m, d)

/* Load the default rules with the real bank holidays. */
static int
setup(void **state)
{
	const char *top = top_dir();
	char *path, *cause = NULL;
	FILE *f;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	xasprintf(&path, "%s/dw.ini", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "[daemon]\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\ndatabase = %s/dw.db\n", top,
	    tmpdir);
	fclose(f);
	cfg = config_load(path, &cause);
	free(path);
	if (cfg == NULL) {
		fprintf(stderr, "%s\n", cause);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	config_free(cfg);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

/* A full-time ASYE starting on a Monday, with nothing recorded. */
static struct asye_worker
worker(int start, double hours)
{
	struct asye_worker w;

	memset(&w, 0, sizeof w);
	w.person_id = "P001";
	w.name = "Alex Example";
	w.role = "asye";
	w.team = "North";
	w.manager_email = "tm@council.example";
	w.asye_started_on = start;
	w.contracted_hours = hours;
	w.caseload = 10;
	return w;
}

/* How many items carry this rule. */
static int
items_count(const struct asye_item *items, int n, enum asye_rule rule)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += items[i].rule == rule;
	return k;
}

/* Find an item by rule and recipient (NULL when absent). */
static const struct asye_item *
find(const struct asye_item *items, int n, enum asye_rule rule, enum asye_to to)
{
	int i;

	for (i = 0; i < n; i++) {
		if (items[i].rule == rule && items[i].to == to)
			return &items[i];
	}
	return NULL;
}

/* Part-time: 10% of 22.5 hours is 2.25 a week; 4 weeks expect 9.0. */
static void
test_part_time_pro_rata(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 22.5);
	struct asye_week weeks[] = { { D(2023, 2, 6), 2.25 }, { D(2023, 2, 13), 2.25 }, { D(2023, 2, 20), 2.25 },
		{ D(2023, 2, 27), 2.25 } };
	struct asye_status st;

	(void)state;
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 2, 6)) - 2.25) < 1e-9);
	w.weeks = weeks, w.nweeks = 4;
	asye_status(&w, cfg, D(2023, 3, 6), &st);
	assert_true(fabs(st.expected - 9.0) < 1e-9);
	assert_true(fabs(st.actual - 9.0) < 1e-9);
	assert_false(st.behind);
	weeks[3].hours = 2.0;
	asye_status(&w, cfg, D(2023, 3, 6), &st);
	assert_true(st.behind);
	/* The same hours are plenty for a 20-hour contract (2.0 a week). */
	w.contracted_hours = 20;
	weeks[3].hours = 2.0;
	weeks[0].hours = weeks[1].hours = weeks[2].hours = 2.0;
	asye_status(&w, cfg, D(2023, 3, 6), &st);
	assert_false(st.behind);
}

/*
 * A bank holiday week expects working days / 5 of the week's share: Easter 2023 (Good Friday
 * 7 April, Easter Monday 10 April) gives two 4-day weeks of 2.96 h each for a 37-hour contract.
 */
static void
test_bank_holiday_week(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_week weeks[] = { { D(2023, 3, 20), 3.7 }, { D(2023, 3, 27), 3.7 }, { D(2023, 4, 3), 2.96 },
		{ D(2023, 4, 10), 2.96 } };
	struct asye_status st;

	(void)state;
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 3, 27)) - 3.7) < 1e-9);
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 4, 3)) - 2.96) < 1e-9);
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 4, 10)) - 2.96) < 1e-9);
	/* Christmas 2022 week: Monday 26 and Tuesday 27 December are bank holidays: 3/5. */
	w.asye_started_on = D(2022, 12, 1);
	assert_true(fabs(asye_expected_week(&w, cfg, D(2022, 12, 26)) - 2.22) < 1e-9);
	w.asye_started_on = D(2023, 1, 9);
	w.weeks = weeks, w.nweeks = 4;
	/* Measured on Monday 17 April (itself a working day): the 4 weeks to Sunday 16 April. */
	asye_status(&w, cfg, D(2023, 4, 17), &st);
	assert_int_equal(st.window_from, D(2023, 3, 20));
	assert_int_equal(st.window_to, D(2023, 4, 16));
	assert_true(fabs(st.expected - 13.32) < 1e-9);
	assert_false(st.behind);
}

/* A single short week is made up within the window; only a shortfall over the window counts. */
static void
test_window_not_single_week(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_week weeks[] = { { D(2023, 2, 6), 0 }, { D(2023, 2, 13), 7.4 }, { D(2023, 2, 20), 3.7 },
		{ D(2023, 2, 27), 3.7 } };
	struct asye_item items[ASYE_ITEMS_MAX];
	struct asye_status st;
	int n;

	(void)state;
	w.weeks = weeks, w.nweeks = 4;
	w.supervisions = (const int[]){ D(2023, 3, 1) }, w.nsupervisions = 1;
	asye_status(&w, cfg, D(2023, 3, 6), &st);
	assert_false(st.behind);
	n = plan_asye(&w, cfg, D(2023, 3, 6), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_TIME_BEHIND, ASYE_TO_MANAGER));
	/* Only complete weeks count: on Wednesday 8 March the week of 6 March is not measured yet. */
	asye_status(&w, cfg, D(2023, 3, 8), &st);
	assert_int_equal(st.window_to, D(2023, 3, 5));
	/* A week later the extra week still covers the new empty week (7.4 + 3.7 + 3.7 + 0). */
	asye_status(&w, cfg, D(2023, 3, 13), &st);
	assert_false(st.behind);
	/* Two weeks later the double week has left the window: 7.4 of 14.8, behind. */
	asye_status(&w, cfg, D(2023, 3, 20), &st);
	assert_true(st.behind);
	assert_true(fabs(st.actual - 7.4) < 1e-9);
	n = plan_asye(&w, cfg, D(2023, 3, 22), items, ASYE_ITEMS_MAX);
	assert_non_null(find(items, n, ASYE_TIME_BEHIND, ASYE_TO_MANAGER));
	assert_int_equal(find(items, n, ASYE_TIME_BEHIND, ASYE_TO_MANAGER)->due, D(2023, 3, 20));
	assert_int_equal(find(items, n, ASYE_TIME_BEHIND, ASYE_TO_MANAGER)->until, D(2023, 3, 26));
}

/* Weeks before the start do not count; a start on a Wednesday expects 3/5 of that week. */
static void
test_weeks_before_start(void **state)
{
	struct asye_worker w = worker(D(2023, 3, 8), 37);
	struct asye_status st;

	(void)state;
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 2, 27))) < 1e-9);
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 3, 6)) - 2.22) < 1e-9);
	asye_status(&w, cfg, D(2023, 3, 13), &st);
	assert_true(fabs(st.expected - 2.22) < 1e-9);
	assert_true(st.behind);
	/* In the first (incomplete) week nothing is measured, so nothing is behind. */
	asye_status(&w, cfg, D(2023, 3, 10), &st);
	assert_false(st.behind);
	/* Before the start: not in the programme. */
	asye_status(&w, cfg, D(2023, 3, 7), &st);
	assert_false(st.in_programme);
}

/* Weekly until week 6, fortnightly until month 6, monthly after. */
static void
test_supervision_cadence(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);

	(void)state;
	/* None held: the first is due a week after the start. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 1, 9)), D(2023, 1, 16));
	/* Week 5 (13 Feb, 5 weeks in): still weekly. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 2, 13)), D(2023, 2, 20));
	/* Week 6 reached (20 Feb = start + 6w): fortnightly. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 2, 20)), D(2023, 3, 6));
	/* The day before 6 months (9 July): fortnightly. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 7, 8)), D(2023, 7, 22));
	/* 6 months reached (9 July): monthly. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 7, 9)), D(2023, 8, 9));
	/* Monthly over month ends: 31 Aug + 1 month = 30 Sep. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 8, 31)), D(2023, 9, 30));
}

/* Supervision overdue: reminded the working day after, and again each week while it lasts. */
static void
test_supervision_overdue(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	int held[] = { D(2023, 3, 3) }; /* Friday: fortnightly, so due Friday 17 March */
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *it;
	struct asye_status st;
	int n;

	(void)state;
	w.supervisions = held, w.nsupervisions = 1;
	asye_status(&w, cfg, D(2023, 3, 17), &st);
	assert_false(st.supervision_overdue);
	n = plan_asye(&w, cfg, D(2023, 3, 17), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_SUPERVISION_OVERDUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	/* The working day after a Friday is Monday. */
	assert_int_equal(it->due, D(2023, 3, 20));
	assert_int_equal(it->occurrence, D(2023, 3, 17));
	/* Saturday: overdue, the reminder still waits for Monday. */
	asye_status(&w, cfg, D(2023, 3, 18), &st);
	assert_true(st.supervision_overdue);
	/* The week after, a fresh reminder for that week. */
	n = plan_asye(&w, cfg, D(2023, 3, 28), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_SUPERVISION_OVERDUE, ASYE_TO_MANAGER);
	assert_int_equal(it->due, D(2023, 3, 27));
	assert_int_equal(it->week, D(2023, 3, 27));
	assert_int_equal(it->occurrence, D(2023, 3, 17));
	/* Over Easter: the week of 10 April starts on Tuesday 11th (Easter Monday). */
	n = plan_asye(&w, cfg, D(2023, 4, 12), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_SUPERVISION_OVERDUE, ASYE_TO_MANAGER);
	assert_int_equal(it->due, D(2023, 4, 11));
}

/* Review points: reminded 10 working days before, escalated to the head of service after. */
static void
test_review_points(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	int held[] = { D(2023, 4, 6) };
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *it;
	int n;

	(void)state;
	/* Point 1 on 9 April (a Sunday); 10 working days before, across Good Friday: 24 March. */
	n = plan_asye(&w, cfg, D(2023, 3, 20), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REVIEW_DUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	assert_int_equal(it->occurrence, D(2023, 4, 9));
	assert_int_equal(it->due, D(2023, 3, 24));
	assert_int_equal(it->until, D(2023, 4, 9));
	/* Passed unrecorded: escalation the working day after (Easter Monday skipped: 11 April). */
	n = plan_asye(&w, cfg, D(2023, 4, 11), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(it);
	assert_true(it->escalation);
	assert_int_equal(it->due, D(2023, 4, 11));
	/* Recorded: no escalation, and the next reminder is for 6 months. */
	w.reviews = held, w.nreviews = 1;
	n = plan_asye(&w, cfg, D(2023, 4, 11), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	it = find(items, n, ASYE_REVIEW_DUE, ASYE_TO_MANAGER);
	assert_int_equal(it->occurrence, D(2023, 7, 9));
}

/* A pause (long leave) moves the programme dates on by its length and expects no time in it. */
static void
test_pause_extends(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_pause pause[] = { { D(2023, 3, 1), D(2023, 3, 31) } }; /* 31 days */
	struct asye_status st;

	(void)state;
	asye_status(&w, cfg, D(2023, 2, 1), &st);
	assert_int_equal(st.end, D(2024, 1, 9));
	assert_int_equal(st.next_review, D(2023, 4, 9));
	w.pauses = pause, w.npauses = 1;
	asye_status(&w, cfg, D(2023, 2, 1), &st);
	assert_int_equal(st.end, D(2024, 2, 9));
	assert_int_equal(st.next_review, D(2023, 5, 10));
	/* No protected time is expected while paused. */
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 3, 13))) < 1e-9);
	/* The week the pause ends on a Friday expects nothing; the week it starts (Wednesday) 2/5. */
	assert_true(fabs(asye_expected_week(&w, cfg, D(2023, 2, 27)) - 1.48) < 1e-9);
	/* A supervision due inside the pause (13 March) moves on by the pause's 31 days. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 2, 27)), D(2023, 4, 13));
	/* The 6-week boundary is unaffected (before the pause), the 6-month one moves on. */
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 7, 20)), D(2023, 8, 3));
	assert_int_equal(asye_next_supervision(&w, cfg, D(2023, 8, 9)), D(2023, 9, 9));
	/* A two-year programme: length 24m. */
	w.npauses = 0;
	cfg->asye_length.n = 24;
	asye_status(&w, cfg, D(2023, 2, 1), &st);
	assert_int_equal(st.end, D(2025, 1, 9));
	cfg->asye_length.n = 12;
}

/* The default rules with extra ini text appended (the caller frees with config_free). */
static struct config *
config_with(const char *extra)
{
	char *text, *path, *cause = NULL;
	struct config *c;

	xasprintf(&text, "[daemon]\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n%s", top_dir(), extra);
	path = write_temp_file(tmpdir, "extra.ini", text, 0600);
	if ((c = config_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(text), free(path);
	return c;
}

/*
 * Critical reflections at 6 and 12 months (the default): the team manager is reminded
 * review_remind_before (10 working days) ahead; a reflection passed unrecorded goes to the head of
 * service the working day after, as an escalation, and the next one is reminded in its turn.
 */
static void
test_reflection_due_and_missed(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *it;
	struct asye_status st;
	int n;

	(void)state;
	assert_int_equal(cfg->asye_nreflections, 2);
	assert_string_equal(asye_rule_name(ASYE_REFLECTION_DUE), "reflection-due");
	assert_string_equal(asye_rule_name(ASYE_REFLECTION_MISSED), "reflection-missed");
	asye_status(&w, cfg, D(2023, 6, 20), &st);
	assert_int_equal(st.next_reflection, D(2023, 7, 9));
	assert_int_equal(st.next_reflection_index, 0);
	/* Reflection 1 on Sunday 9 July 2023; 10 working days before it: Monday 26 June. */
	n = plan_asye(&w, cfg, D(2023, 6, 20), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	assert_false(it->escalation);
	assert_int_equal(it->occurrence, D(2023, 7, 9));
	assert_int_equal(it->due, D(2023, 6, 26));
	assert_int_equal(it->until, D(2023, 7, 9));
	assert_int_equal(it->week, 0);
	assert_string_equal(it->reason, "critical reflection 1 (6m) is due on 2023-07-09");
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	/* The review point on the same day is its own item. */
	assert_int_equal(find(items, n, ASYE_REVIEW_DUE, ASYE_TO_MANAGER)->occurrence, D(2023, 7, 9));
	/* On the day itself the reminder is still sendable; no escalation yet. */
	n = plan_asye(&w, cfg, D(2023, 7, 9), items, ASYE_ITEMS_MAX);
	assert_non_null(find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER));
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	/* Monday 10 July: escalated to the head of service, singly (no week: it does not repeat). */
	n = plan_asye(&w, cfg, D(2023, 7, 10), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(it);
	assert_true(it->escalation);
	assert_int_equal(it->due, D(2023, 7, 10));
	assert_int_equal(it->occurrence, D(2023, 7, 9));
	assert_int_equal(it->week, 0);
	assert_int_equal(it->until, D(2024, 2, 9)); /* a month after the programme ends */
	assert_string_equal(
	    it->reason, "critical reflection 1 (6m) passed on 2023-07-09 with no critical reflection recorded");
	/* Reflection 2 on Tuesday 9 January 2024, reminded across Christmas and New Year: 21 December. */
	it = find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	assert_int_equal(it->occurrence, D(2024, 1, 9));
	assert_int_equal(it->due, D(2023, 12, 21));
	/* A review point recorded does not stand for a reflection. */
	w.reviews = (const int[]){ D(2023, 4, 6), D(2023, 7, 6) }, w.nreviews = 2;
	n = plan_asye(&w, cfg, D(2023, 7, 10), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	assert_non_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
}

/* The k-th reflection held stands for the k-th point, whenever it was held; reviews are apart. */
static void
test_reflection_kth_held(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	int held[] = { D(2023, 6, 30), D(2023, 12, 20) };
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *it;
	struct asye_status st;
	int n;

	(void)state;
	/* One held (early, before its point): point 1 is covered, no escalation; point 2 comes next. */
	w.reflections = held, w.nreflections = 1;
	n = plan_asye(&w, cfg, D(2023, 7, 10), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	it = find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	assert_int_equal(it->occurrence, D(2024, 1, 9));
	assert_string_equal(it->reason, "critical reflection 2 (12m) is due on 2024-01-09");
	asye_status(&w, cfg, D(2023, 7, 10), &st);
	assert_int_equal(st.next_reflection, D(2024, 1, 9));
	assert_int_equal(st.next_reflection_index, 1);
	/* The reviews are not covered by it: review point 1 (9 April) was still missed. */
	assert_non_null(find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	/* One held, reflection 2 passed: escalated for point 2, not point 1. */
	n = plan_asye(&w, cfg, D(2024, 1, 10), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(it);
	assert_int_equal(it->occurrence, D(2024, 1, 9));
	/* None held at all: both points escalated, each with its own occurrence. */
	w.nreflections = 0;
	n = plan_asye(&w, cfg, D(2024, 1, 10), items, ASYE_ITEMS_MAX);
	assert_int_equal(items_count(items, n, ASYE_REFLECTION_MISSED), 2);
	/* Both held: nothing more for reflections. */
	w.nreflections = 2;
	n = plan_asye(&w, cfg, D(2024, 1, 10), items, ASYE_ITEMS_MAX);
	assert_int_equal(items_count(items, n, ASYE_REFLECTION_MISSED), 0);
	assert_int_equal(items_count(items, n, ASYE_REFLECTION_DUE), 0);
	asye_status(&w, cfg, D(2023, 12, 21), &st);
	assert_int_equal(st.next_reflection, DATE_NONE);
}

/* A pause moves the reflections on, their reminders and escalations with them. */
static void
test_reflection_pause(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_pause pause[] = { { D(2023, 3, 1), D(2023, 3, 31) } }; /* 31 days */
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *it;
	struct asye_status st;
	int n;

	(void)state;
	w.pauses = pause, w.npauses = 1;
	asye_status(&w, cfg, D(2023, 6, 1), &st);
	assert_int_equal(st.next_reflection, D(2023, 8, 9));
	/* 10 July: not missed yet; the reminder is for Wednesday 9 August, 10 working days before. */
	n = plan_asye(&w, cfg, D(2023, 7, 10), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	it = find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER);
	assert_non_null(it);
	assert_int_equal(it->occurrence, D(2023, 8, 9));
	assert_int_equal(it->due, D(2023, 7, 26));
	/* Escalated the working day after the moved date. */
	n = plan_asye(&w, cfg, D(2023, 8, 10), items, ASYE_ITEMS_MAX);
	it = find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(it);
	assert_int_equal(it->due, D(2023, 8, 10));
	/* Once reflection 1 is held, the next is reflection 2: 9 January 2024 + 31 days = 9 February. */
	w.reflections = (const int[]){ D(2023, 8, 14) }, w.nreflections = 1;
	asye_status(&w, cfg, D(2023, 8, 14), &st);
	assert_int_equal(st.next_reflection, D(2024, 2, 9));
	n = plan_asye(&w, cfg, D(2023, 8, 14), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	assert_int_equal(find(items, n, ASYE_REFLECTION_DUE, ASYE_TO_MANAGER)->occurrence, D(2024, 2, 9));
}

/*
 * The last review point and reflection fall on the programme's end (12 months, Tuesday 9 January
 * 2024): passed unrecorded, they are escalated the working day after, though the programme is over,
 * and for the month their notice can still go; nothing is reminded after the end.
 */
static void
test_points_at_the_end(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	int reviews[] = { D(2023, 4, 6), D(2023, 7, 6), D(2023, 10, 6) }, reflection[] = { D(2023, 7, 6) };
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *r, *c;
	int n;

	(void)state;
	w.reviews = reviews, w.nreviews = 3;
	w.reflections = reflection, w.nreflections = 1;
	n = plan_asye(&w, cfg, D(2024, 1, 9), items, ASYE_ITEMS_MAX);
	assert_int_equal(n, 0);
	n = plan_asye(&w, cfg, D(2024, 1, 10), items, ASYE_ITEMS_MAX);
	r = find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	c = find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(r);
	assert_non_null(c);
	assert_int_equal(r->occurrence, D(2024, 1, 9));
	assert_int_equal(r->due, D(2024, 1, 10));
	assert_int_equal(c->occurrence, D(2024, 1, 9));
	assert_int_equal(c->due, D(2024, 1, 10));
	assert_int_equal(c->until, D(2024, 2, 9));
	assert_int_equal(n, 2); /* only the escalations (the caseload of 10 is within the limit) */
	/* Recorded late (after the end, within the month): no escalation. */
	w.reflections = (const int[]){ D(2023, 7, 6), D(2024, 1, 12) }, w.nreflections = 2;
	n = plan_asye(&w, cfg, D(2024, 1, 15), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_REFLECTION_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	assert_non_null(find(items, n, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE));
	/* A month after the end nothing more is planned. */
	n = plan_asye(&w, cfg, D(2024, 2, 10), items, ASYE_ITEMS_MAX);
	assert_int_equal(n, 0);
}

/* An empty `reflections =` tracks none: no status, no reminders, no escalations; reviews go on. */
static void
test_reflections_empty(void **state)
{
	struct config *none = config_with("[asye]\nreflections =\n");
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_item items[ASYE_ITEMS_MAX];
	struct asye_status st;
	int n;

	(void)state;
	assert_int_equal(none->asye_nreflections, 0);
	asye_status(&w, none, D(2023, 6, 20), &st);
	assert_int_equal(st.next_reflection, DATE_NONE);
	assert_int_equal(st.next_review, D(2023, 4, 9));
	n = plan_asye(&w, none, D(2024, 1, 8), items, ASYE_ITEMS_MAX);
	assert_int_equal(items_count(items, n, ASYE_REFLECTION_DUE), 0);
	assert_int_equal(items_count(items, n, ASYE_REFLECTION_MISSED), 0);
	assert_int_equal(items_count(items, n, ASYE_REVIEW_MISSED), 3);
	config_free(none);
	/* Other points can be set: one reflection at 9 months. */
	none = config_with("[asye]\nreflections = 9m\n");
	asye_status(&w, none, D(2023, 6, 20), &st);
	assert_int_equal(st.next_reflection, D(2023, 10, 9));
	config_free(none);
}

/* Caseloads: an ASYE above 18, an experienced social worker above 22. */
static void
test_caseload_caps(void **state)
{
	struct asye_worker w = worker(D(2023, 1, 9), 37);
	struct asye_item items[ASYE_ITEMS_MAX];
	const struct asye_item *m, *h;
	int n;

	(void)state;
	w.supervisions = (const int[]){ D(2023, 3, 1) }, w.nsupervisions = 1;
	w.caseload = 18;
	n = plan_asye(&w, cfg, D(2023, 3, 4), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_CASELOAD_OVER, ASYE_TO_MANAGER));
	w.caseload = 19;
	/* Saturday 4 March: the week's notice was due on Monday 27 Feb, still sendable until Sunday. */
	n = plan_asye(&w, cfg, D(2023, 3, 4), items, ASYE_ITEMS_MAX);
	m = find(items, n, ASYE_CASELOAD_OVER, ASYE_TO_MANAGER);
	h = find(items, n, ASYE_CASELOAD_OVER, ASYE_TO_HEAD_OF_SERVICE);
	assert_non_null(m);
	assert_non_null(h);
	assert_int_equal(m->due, D(2023, 2, 27));
	assert_int_equal(m->until, D(2023, 3, 5));
	assert_int_equal(m->week, D(2023, 2, 27));
	assert_false(h->escalation);
	/* After the programme: the experienced alert level applies. */
	n = plan_asye(&w, cfg, D(2024, 3, 4), items, ASYE_ITEMS_MAX);
	assert_null(find(items, n, ASYE_CASELOAD_OVER, ASYE_TO_MANAGER));
	w.caseload = 23;
	n = plan_asye(&w, cfg, D(2024, 3, 4), items, ASYE_ITEMS_MAX);
	assert_non_null(find(items, n, ASYE_CASELOAD_OVER, ASYE_TO_MANAGER));
	assert_null(find(items, n, ASYE_TIME_BEHIND, ASYE_TO_MANAGER));
	/* Never an ASYE. */
	w.asye_started_on = DATE_NONE;
	w.role = "social-worker";
	w.caseload = 22;
	n = plan_asye(&w, cfg, D(2023, 3, 4), items, ASYE_ITEMS_MAX);
	assert_int_equal(n, 0);
}

/* The assistant director's list: the first working day of the month. */
static void
test_month_list_dates(void **state)
{
	int due, until;

	(void)state;
	asye_month_list_dates(cfg, D(2023, 5, 17), &due, &until);
	assert_int_equal(due, D(2023, 5, 2)); /* 1 May 2023 was the early May bank holiday */
	asye_month_list_dates(cfg, D(2022, 1, 20), &due, &until);
	assert_int_equal(due, D(2022, 1, 4)); /* Saturday 1st, Monday 3rd substitute day */
	assert_int_equal(until, D(2022, 1, 11));
	asye_month_list_dates(cfg, D(2023, 7, 3), &due, &until);
	assert_int_equal(due, D(2023, 7, 3)); /* 1 July 2023 was a Saturday */
}

/* The notice for a rule among the watcher's (NULL when absent). */
static const struct asye_notice *
notice(const struct asye_notice *notices, int n, const char *rule)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(notices[i].rule, rule) == 0)
			return &notices[i];
	}
	return NULL;
}

/*
 * Reflections through a real store and the watcher's notices: held ones load with the worker (a
 * repeat adds nothing); the reminder goes to the team manager in the batch, the escalation to the
 * head of service alone, each keyed as the review ones are; the compliance list shows the next one.
 */
static void
test_reflection_notices(void **state)
{
	struct asye_worker a = worker(D(2023, 1, 9), 37), h = worker(DATE_NONE, 37);
	struct asye_roster r;
	struct asye_notice *notices;
	const struct asye_notice *no;
	struct config *none;
	struct store *s;
	char *path, *cause = NULL;
	int changed, added, n;

	(void)state;
	xasprintf(&path, "%s/reflect.db", tmpdir);
	assert_non_null(s = store_open(path, &cause));
	h.person_id = "HOS1", h.role = "head-of-service", h.email = "hos@council.example", h.caseload = 0;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(asye_store_worker(s, &a, D(2023, 1, 9), &changed, &cause), 0);
	assert_int_equal(asye_store_worker(s, &h, D(2023, 1, 9), &changed, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);

	assert_int_equal(asye_roster_load(s, NULL, &r, &cause), 0);
	assert_int_equal(asye_notices(s, cfg, &r, D(2023, 6, 26), "P001", &notices, &n, &cause), 0);
	assert_non_null(no = notice(notices, n, "reflection-due"));
	assert_string_equal(no->dedupe_key, "asye:reflection-due:P001:2023-07-09:tm@council.example");
	assert_string_equal(no->recipient, "tm@council.example");
	assert_string_equal(no->subject, "ASYE: critical reflection coming");
	assert_false(no->escalation);
	assert_non_null(no->batch_text);
	assert_non_null(strstr(no->batch_text, "critical reflection 1 (6m) is due on 2023-07-09"));
	assert_non_null(strstr(no->advice, "driftwatchctl asye reflection"));
	assert_string_equal(
	    notice(notices, n, "review-due")->dedupe_key, "asye:review-due:P001:2023-07-09:tm@council.example");
	asye_notices_free(notices, n);

	assert_int_equal(asye_notices(s, cfg, &r, D(2023, 7, 10), "P001", &notices, &n, &cause), 0);
	assert_non_null(no = notice(notices, n, "reflection-missed"));
	assert_string_equal(no->dedupe_key, "asye:reflection-missed:P001:2023-07-09:hos@council.example");
	assert_string_equal(no->subject, "ASYE: critical reflection passed unrecorded");
	assert_true(no->escalation);
	assert_null(no->batch_text);
	asye_notices_free(notices, n);

	/* The AD's list for July (Monday 3 July): the next reflection beside the next review point. */
	assert_int_equal(asye_notices(s, cfg, &r, D(2023, 7, 3), NULL, &notices, &n, &cause), 0);
	assert_non_null(no = notice(notices, n, "compliance-list"));
	assert_non_null(strstr(no->text, "next review point 2023-04-09; next critical reflection 2023-07-09;"));
	assert_non_null(strstr(no->html, "<th>Next critical reflection</th>"));
	asye_notices_free(notices, n);
	/* Not tracked: no reflection column, and no reflection notices. */
	none = config_with("[asye]\nreflections =\n");
	assert_int_equal(asye_notices(s, none, &r, D(2023, 7, 3), NULL, &notices, &n, &cause), 0);
	assert_non_null(no = notice(notices, n, "compliance-list"));
	assert_non_null(strstr(no->text, "next review point 2023-04-09; caseload 10"));
	assert_null(strstr(no->text, "reflection"));
	assert_null(strstr(no->html, "reflection"));
	assert_null(notice(notices, n, "reflection-due"));
	asye_notices_free(notices, n);
	config_free(none);
	asye_roster_free(&r);

	/* Recorded (twice: the second adds nothing): loaded with the worker, and no escalation. */
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(asye_store_reflection(s, "P001", D(2023, 7, 7), &added, &cause), 0);
	assert_true(added);
	assert_int_equal(asye_store_reflection(s, "P001", D(2023, 7, 7), &added, &cause), 0);
	assert_false(added);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(asye_roster_load(s, "P001", &r, &cause), 0);
	assert_int_equal(r.workers[0].nreflections, 1);
	assert_int_equal(r.workers[0].reflections[0], D(2023, 7, 7));
	assert_int_equal(r.workers[0].nreviews, 0);
	asye_roster_free(&r);
	assert_int_equal(asye_roster_load(s, NULL, &r, &cause), 0);
	assert_int_equal(asye_notices(s, cfg, &r, D(2023, 7, 10), "P001", &notices, &n, &cause), 0);
	assert_null(notice(notices, n, "reflection-missed"));
	assert_non_null(notice(notices, n, "review-missed"));
	assert_string_equal(
	    notice(notices, n, "reflection-due")->dedupe_key, "asye:reflection-due:P001:2024-01-09:tm@council.example");
	asye_notices_free(notices, n);
	asye_roster_free(&r);
	store_close(s);
	free(path);
}

/* An ASYE figure of the digest, read back through digest.c. */
static double
digest_value(const struct digest *d, const char *name)
{
	double v;

	if (digest_figure_value(d, "asye", name, &v) != 0)
		fail_msg("no figure %s", name);
	return v;
}

static void
test_digest(void **state)
{
	struct asye_worker a = worker(D(2023, 1, 9), 37), b = worker(D(2023, 1, 9), 37), c = worker(DATE_NONE, 37);
	struct digest_period p = { D(2023, 3, 1), D(2023, 3, 31), 0, 0 };
	struct digest *d;
	struct store *s;
	char *path, *cause = NULL;
	int changed, wk;

	(void)state;
	xasprintf(&path, "%s/digest.db", tmpdir);
	s = store_open(path, &cause);
	assert_non_null(s);
	b.person_id = "P002", b.caseload = 19;
	c.person_id = "P003", c.role = "social-worker", c.team = "South", c.caseload = 23;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(asye_store_worker(s, &a, D(2023, 3, 1), &changed, &cause), 0);
	assert_int_equal(asye_store_worker(s, &b, D(2023, 3, 1), &changed, &cause), 0);
	assert_int_equal(asye_store_worker(s, &c, D(2023, 3, 1), &changed, &cause), 0);
	/* P001 has all their time and a supervision on 30 March; P002 neither. As at the month's end
	 * (Friday 31 March) the complete weeks are those of 27 Feb to 20 March. */
	for (wk = D(2023, 2, 27); wk <= D(2023, 3, 27); wk += 7)
		assert_int_equal(asye_store_time(s, "P001", wk, 3.7, &cause), 0);
	assert_int_equal(asye_store_supervision(s, "P001", D(2023, 3, 30), NULL, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	d = digest_new(NULL, 2023, 3);
	assert_int_equal(asye_digest(s, cfg, &p, d, &cause), 0);
	assert_int_equal(digest_figure_count(d), 3);
	assert_true(fabs(digest_value(d, "ASYEs receiving their protected time") - 50) < 1e-9);
	assert_true(fabs(digest_value(d, "ASYE supervision on schedule") - 50) < 1e-9);
	assert_true(fabs(digest_value(d, "Social workers above their caseload cap") - 2) < 1e-9);
	assert_int_equal(digest_list_count(d, "asye", "Social workers above cap by team"), 2);
	assert_string_equal(
	    digest_list_item(d, "asye", "Social workers above cap by team", 0), "North: 1 of 2 above cap (50%)");
	assert_string_equal(
	    digest_list_item(d, "asye", "Social workers above cap by team", 1), "South: 1 of 1 above cap (100%)");
	digest_free(d);
	/* February: nobody was in the workforce yet (caseloads are recorded from 1 March). */
	p.first = D(2023, 2, 1), p.last = D(2023, 2, 28);
	d = digest_new(NULL, 2023, 2);
	assert_int_equal(asye_digest(s, cfg, &p, d, &cause), 0);
	assert_true(isnan(digest_value(d, "ASYEs receiving their protected time")));
	assert_true(fabs(digest_value(d, "Social workers above their caseload cap")) < 1e-9);
	digest_free(d);
	store_close(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_part_time_pro_rata),
		cmocka_unit_test(test_bank_holiday_week),
		cmocka_unit_test(test_window_not_single_week),
		cmocka_unit_test(test_weeks_before_start),
		cmocka_unit_test(test_supervision_cadence),
		cmocka_unit_test(test_supervision_overdue),
		cmocka_unit_test(test_review_points),
		cmocka_unit_test(test_pause_extends),
		cmocka_unit_test(test_reflection_due_and_missed),
		cmocka_unit_test(test_reflection_kth_held),
		cmocka_unit_test(test_reflection_pause),
		cmocka_unit_test(test_points_at_the_end),
		cmocka_unit_test(test_reflections_empty),
		cmocka_unit_test(test_reflection_notices),
		cmocka_unit_test(test_caseload_caps),
		cmocka_unit_test(test_month_list_dates),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
