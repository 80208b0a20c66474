/*
 * test_plan_reviews.c: the reg 33 review schedule and the permanence rule, on the real bank holiday
 * file: a start on Thursday 2022-06-02 (the Platinum Jubilee holidays follow), month ends, a review
 * brought forward, a second period of care, reviews recorded out of order, overdue repeats, the
 * permanence reminder and dispute, a period that began before the extract, and one that ended.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calendar.h"
#include "plan_reviews.h"
#include "test_util.h"
#include "xmalloc.h"

static struct calendar *cal;
static struct review_rules rules;

static int
D(const char *s)
{
	int d;

	if (date_parse(s, &d) != 0)
		fail_msg("bad date %s", s);
	return d;
}

static int
setup(void **state)
{
	const char *top = top_dir();
	char *path, *cause = NULL;

	(void)state;
	xasprintf(&path, "%s/etc/bank-holidays-england-and-wales.txt", top);
	cal = calendar_load(path, &cause);
	if (cal == NULL)
		fail_msg("%s", cause);
	free(path);
	memset(&rules, 0, sizeof rules);
	rules.first = (struct duration){ DURATION_WORKING_DAYS, 20 };
	rules.second = (struct duration){ DURATION_MONTHS, 3 };
	rules.later = (struct duration){ DURATION_MONTHS, 6 };
	rules.remind_before[0] = (struct duration){ DURATION_WORKING_DAYS, 15 };
	rules.remind_before[1] = (struct duration){ DURATION_WORKING_DAYS, 5 };
	rules.nremind_before = 2;
	rules.overdue_repeat = (struct duration){ DURATION_WEEKS, 1 };
	rules.permanence_remind_before = (struct duration){ DURATION_WORKING_DAYS, 10 };
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	calendar_free(cal);
	return 0;
}

/* Count the items of one kind; *first = the first such item. */
static int
count_kind(const struct review_plan *p, enum review_item_kind kind, const struct review_item **first)
{
	int i, n = 0;

	if (first != NULL)
		*first = NULL;
	for (i = 0; i < p->nitems; i++) {
		if (p->items[i].kind != kind)
			continue;
		if (n == 0 && first != NULL)
			*first = &p->items[i];
		n++;
	}
	return n;
}

/* Looked after on Thursday 2022-06-02: 2 and 3 June are bank holidays; 20 working days on is 1 July. */
static void
test_first_review_skips_jubilee(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_child c = { "LAC001", &period, 1, NULL, 0, NULL, 0 };
	struct review_plan p;
	const struct review_item *it;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-06-02"), &p);
	assert_int_equal(p.nperiods, 1);
	assert_int_equal(p.periods[0].next_ordinal, 1);
	assert_int_equal(p.periods[0].next_due, D("2022-07-01"));
	/* Reminders 15 and 5 working days before: Friday 10 June and Friday 24 June. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_REMINDER, &it), 2);
	assert_int_equal(it->fire_on, D("2022-06-10"));
	assert_string_equal(it->level, "15wd");
	assert_int_equal(it->until, D("2022-06-23"));
	assert_int_equal(it->recipients, REVIEW_TO_SOCIAL_WORKER | REVIEW_TO_TEAM_MANAGER | REVIEW_TO_IRO);
	assert_int_equal(it[1].fire_on, D("2022-06-24"));
	assert_string_equal(it[1].level, "5wd");
	assert_int_equal(it[1].until, D("2022-07-01"));
	assert_non_null(strstr(it->reason, "Review 1 for case LAC001 is due on 2022-07-01"));
	/* Overdue from Monday 4 July (the first working day after), to the team manager and head of service. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_OVERDUE, &it), 1);
	assert_int_equal(it->fire_on, D("2022-07-04"));
	assert_int_equal(it->recipients, REVIEW_TO_TEAM_MANAGER | REVIEW_TO_HEAD_OF_SERVICE);
	/* No permanence item before the first review. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE, NULL), 0);
	review_plan_free(&p);
}

/*
 * The same child with the review booked (an answer link): booked for 20 June, the 15wd reminder
 * (10 to 23 June) waits until the 20th; booked for the due date or later, no reminder at all; the
 * overdue escalation stays either way (a booking is not a review held).
 */
static void
test_booked_quiets_reminders(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_child c = { "LAC001", &period, 1, NULL, 0, NULL, 0, D("2022-06-20") };
	struct review_plan p;
	const struct review_item *it;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-06-02"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_REMINDER, &it), 2);
	assert_int_equal(it->fire_on, D("2022-06-20"));
	assert_int_equal(it[1].fire_on, D("2022-06-24"));
	assert_int_equal(count_kind(&p, REVIEW_ITEM_OVERDUE, NULL), 1);
	review_plan_free(&p);

	c.booked_for = D("2022-07-01");
	plan_reviews(&c, &rules, cal, D("2022-06-02"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_REMINDER, NULL), 1); /* the 5wd one runs to the due date */
	c.booked_for = D("2022-07-02");
	review_plan_free(&p);
	plan_reviews(&c, &rules, cal, D("2022-06-02"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_REMINDER, NULL), 0);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_OVERDUE, &it), 1);
	assert_int_equal(it->fire_on, D("2022-07-04"));
	review_plan_free(&p);
}

/* First review on 31 August: the second is due 3 months later, on 30 November (clamped). */
static void
test_second_review_month_end(void **state)
{
	struct review_period period = { D("2022-07-01"), true, DATE_NONE };
	struct review_held held[] = { { D("2022-08-31"), false } };
	struct review_child c = { "LAC002", &period, 1, held, 1, NULL, 0 };
	struct review_plan p;
	const struct review_item *it;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-09-01"), &p);
	assert_int_equal(p.periods[0].nslots, 2);
	assert_false(p.periods[0].slots[0].on_time); /* due 2022-07-29, held 31 August: late */
	assert_int_equal(p.periods[0].next_ordinal, 2);
	assert_int_equal(p.periods[0].next_due, D("2022-11-30"));
	/* Permanence reminder 10 working days before (Wednesday 16 November), to SW, TM and IRO. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE, &it), 1);
	assert_int_equal(it->fire_on, D("2022-11-16"));
	assert_int_equal(it->until, D("2022-11-30"));
	assert_int_equal(it->recipients, REVIEW_TO_SOCIAL_WORKER | REVIEW_TO_TEAM_MANAGER | REVIEW_TO_IRO);
	review_plan_free(&p);
}

/* The first review held late is reported late; one held on time is on time. */
static void
test_on_time(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_held late[] = { { D("2022-07-04"), false } }, ontime[] = { { D("2022-07-01"), false } };
	struct review_child c = { "LAC003", &period, 1, late, 1, NULL, 0 };
	struct review_plan p;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-08-01"), &p);
	assert_false(p.periods[0].slots[0].on_time);
	review_plan_free(&p);
	c.reviews = ontime;
	plan_reviews(&c, &rules, cal, D("2022-08-01"), &p);
	assert_true(p.periods[0].slots[0].on_time);
	assert_int_equal(p.periods[0].next_due, D("2022-10-01"));
	review_plan_free(&p);
}

/* A review brought forward restarts the clock from the day it was held. */
static void
test_brought_forward(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_held held[] = { { D("2022-06-20"), false }, { D("2022-08-15"), true } };
	struct review_child c = { "LAC004", &period, 1, held, 2, NULL, 0 };
	struct review_plan p;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-08-16"), &p);
	assert_int_equal(p.periods[0].nslots, 3);
	assert_int_equal(p.periods[0].slots[1].due_on, D("2022-09-20"));
	assert_true(p.periods[0].slots[1].brought_forward);
	assert_true(p.periods[0].slots[1].on_time);
	assert_int_equal(p.periods[0].next_ordinal, 3);
	assert_int_equal(p.periods[0].next_due, D("2023-02-15")); /* 6 months after 15 August, not 20 September */
	review_plan_free(&p);
}

/* Reviews recorded out of order are counted in date order. */
static void
test_out_of_order(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_held held[] = { { D("2023-03-01"), false }, { D("2022-06-30"), false },
		{ D("2022-09-28"), false } };
	struct review_child c = { "LAC005", &period, 1, held, 3, NULL, 0 };
	struct review_plan p;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2023-03-02"), &p);
	assert_int_equal(p.periods[0].nslots, 4);
	assert_int_equal(p.periods[0].slots[0].held_on, D("2022-06-30"));
	assert_int_equal(p.periods[0].slots[1].held_on, D("2022-09-28"));
	assert_int_equal(p.periods[0].slots[1].due_on, D("2022-09-30"));
	assert_int_equal(p.periods[0].slots[2].ordinal, 3);
	assert_int_equal(p.periods[0].slots[2].due_on, D("2023-03-28"));
	assert_int_equal(p.periods[0].second_held_on, D("2022-09-28"));
	assert_int_equal(p.periods[0].next_due, D("2023-09-01"));
	review_plan_free(&p);
}

/* A child who left care and came back: the second period starts the clock again at review 1. */
static void
test_second_period(void **state)
{
	struct review_period periods[] = { { D("2022-06-02"), true, DATE_NONE },
		{ D("2020-01-06"), true, D("2020-09-30") } };
	struct review_held held[] = { { D("2020-01-31"), false }, { D("2020-04-30"), false } };
	struct review_child c = { "LAC006", periods, 2, held, 2, NULL, 0 };
	struct review_plan p;
	int i;

	(void)state;
	periods[0].ended_on = DATE_NONE;
	plan_reviews(&c, &rules, cal, D("2022-06-06"), &p);
	assert_int_equal(p.nperiods, 2);
	assert_int_equal(p.periods[0].period.started_on, D("2020-01-06"));
	assert_int_equal(p.periods[0].next_due, DATE_NONE);
	assert_int_equal(p.periods[0].second_held_on, D("2020-04-30"));
	assert_int_equal(p.periods[1].nslots, 1);
	assert_int_equal(p.periods[1].next_ordinal, 1);
	assert_int_equal(p.periods[1].next_due, D("2022-07-01"));
	for (i = 0; i < p.nitems; i++)
		assert_int_equal(p.items[i].period_start, D("2022-06-02"));
	/* The ended period's second review had no plan, but it ended: no dispute for it. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, NULL), 0);
	assert_int_equal(plan_reviews_period_of(periods, 2, D("2020-03-01")), 1);
	assert_int_equal(plan_reviews_period_of(periods, 2, D("2021-03-01")), -1);
	assert_int_equal(plan_reviews_period_of(periods, 2, D("2022-06-02")), 0);
	review_plan_free(&p);
}

/* Overdue: one notice in force a week, the current one and the next planned, to TM and HoS. */
static void
test_overdue_repeats(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_child c = { "LAC007", &period, 1, NULL, 0, NULL, 0 };
	struct review_plan p;
	const struct review_item *it;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-07-20"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_OVERDUE, &it), 2);
	assert_int_equal(it->fire_on, D("2022-07-18"));
	assert_string_equal(it->level, "overdue-3");
	assert_int_equal(it->until, D("2022-07-24"));
	assert_int_equal(it[1].fire_on, D("2022-07-25"));
	assert_string_equal(it[1].level, "overdue-4");
	/* The reminders are past their last useful date. */
	assert_int_equal(count_kind(&p, REVIEW_ITEM_REMINDER, &it), 2);
	assert_true(it[1].until < D("2022-07-20"));
	review_plan_free(&p);
}

/* A permanence plan recorded before the second review: no reminder, no dispute. */
static void
test_permanence_plan(void **state)
{
	struct review_period period = { D("2022-06-02"), true, DATE_NONE };
	struct review_held held[] = { { D("2022-06-30"), false }, { D("2022-09-29"), false } };
	struct review_permanence before[] = { { "adoption", D("2022-09-29") } };
	struct review_permanence after[] = { { "kinship", D("2022-10-03") } };
	struct review_permanence earlier_period[] = { { "kinship", D("2021-10-03") } };
	struct review_child c = { "LAC008", &period, 1, held, 1, before, 1 };
	struct review_plan p;
	const struct review_item *it;

	(void)state;
	/* Before the second review: a plan means no permanence reminder. */
	plan_reviews(&c, &rules, cal, D("2022-09-29"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE, NULL), 0);
	assert_string_equal(p.periods[0].plan, "adoption");
	review_plan_free(&p);
	/* Second review held with a plan agreed the same day: no dispute. */
	c.nreviews = 2;
	plan_reviews(&c, &rules, cal, D("2022-10-05"), &p);
	assert_int_equal(p.periods[0].plan_by_second, 1);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, NULL), 0);
	review_plan_free(&p);
	/* A plan agreed after the second review does not count: the dispute stands. */
	c.plans = after;
	plan_reviews(&c, &rules, cal, D("2022-10-05"), &p);
	assert_int_equal(p.periods[0].plan_by_second, 0);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, &it), 1);
	assert_int_equal(it->fire_on, D("2022-09-29"));
	assert_int_equal(it->due_on, D("2022-09-29"));
	assert_non_null(strstr(it->reason, "LAC008"));
	review_plan_free(&p);
	/* A plan from before this period began does not count either. */
	c.plans = earlier_period;
	plan_reviews(&c, &rules, cal, D("2022-10-05"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, NULL), 1);
	assert_null(p.periods[0].plan);
	review_plan_free(&p);
	/* No plan at all. */
	c.nplans = 0;
	plan_reviews(&c, &rules, cal, D("2022-10-05"), &p);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, NULL), 1);
	review_plan_free(&p);
}

/* Care began before the extract: ordinals unknown, every interval the longest, no permanence rule. */
static void
test_start_unknown(void **state)
{
	struct review_period period = { D("2022-04-01"), false, DATE_NONE };
	struct review_held held[] = { { D("2022-05-10"), false }, { D("2022-08-10"), false } };
	struct review_child c = { "LAC009", &period, 1, NULL, 0, NULL, 0 };
	struct review_plan p;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-05-01"), &p);
	assert_int_equal(p.periods[0].next_ordinal, 0);
	assert_int_equal(p.periods[0].next_due, D("2022-10-01"));
	assert_non_null(strstr(p.items[0].reason, "The next review for case LAC009"));
	review_plan_free(&p);
	c.reviews = held;
	c.nreviews = 2;
	plan_reviews(&c, &rules, cal, D("2022-09-01"), &p);
	assert_int_equal(p.periods[0].slots[1].ordinal, 0);
	assert_int_equal(p.periods[0].second_held_on, DATE_NONE);
	assert_int_equal(p.periods[0].next_due, D("2023-02-10"));
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE, NULL), 0);
	assert_int_equal(count_kind(&p, REVIEW_ITEM_PERMANENCE_DISPUTE, NULL), 0);
	review_plan_free(&p);
}

/* A period of care that ended stops every reminder. */
static void
test_period_ended(void **state)
{
	struct review_period period = { D("2022-06-02"), true, D("2022-06-20") };
	struct review_child c = { "LAC010", &period, 1, NULL, 0, NULL, 0 };
	struct review_plan p;

	(void)state;
	plan_reviews(&c, &rules, cal, D("2022-06-10"), &p);
	assert_int_equal(p.nitems, 3); /* still looked after on the 10th: two reminders, the overdue notice */
	review_plan_free(&p);
	plan_reviews(&c, &rules, cal, D("2022-06-21"), &p);
	assert_int_equal(p.nitems, 0);
	assert_int_equal(p.periods[0].next_due, DATE_NONE);
	review_plan_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_review_skips_jubilee),
		cmocka_unit_test(test_second_review_month_end),
		cmocka_unit_test(test_on_time),
		cmocka_unit_test(test_brought_forward),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_second_period),
		cmocka_unit_test(test_overdue_repeats),
		cmocka_unit_test(test_permanence_plan),
		cmocka_unit_test(test_booked_quiets_reminders),
		cmocka_unit_test(test_start_unknown),
		cmocka_unit_test(test_period_ended),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
