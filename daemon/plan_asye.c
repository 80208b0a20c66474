/*
 * plan_asye.c: the ASYE and caseload rules as pure functions. From a worker's record, the rules
 * and a date: the programme dates (pauses push them on), protected time over the rolling window
 * (pro rata for part-time hours and for bank holiday weeks), the supervision due next under the
 * cadence in force, the review points, the caseload cap, and the notices due.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "plan_asye.h"

/* Hours closer than this count as equal (records are given to a tenth or so). */
#define ASYE_EPSILON 0.005

/* See plan_asye.h. */
const char *
asye_rule_name(enum asye_rule rule)
{
	switch (rule) {
	case ASYE_TIME_BEHIND:
		return "time-behind";
	case ASYE_SUPERVISION_OVERDUE:
		return "supervision-overdue";
	case ASYE_REVIEW_DUE:
		return "review-due";
	case ASYE_REVIEW_MISSED:
		return "review-missed";
	case ASYE_CASELOAD_OVER:
		return "caseload-over";
	}
	return "unknown";
}

/* See plan_asye.h. */
int
asye_monday(int date)
{
	return date - date_weekday(date);
}

/* See plan_asye.h. */
int
asye_window_weeks(const struct duration *window)
{
	int n = window->n;

	switch (window->unit) {
	case DURATION_WEEKS:
		break;
	case DURATION_DAYS:
		n = (n + 6) / 7;
		break;
	case DURATION_WORKING_DAYS:
		n = (n + 4) / 5;
		break;
	case DURATION_MONTHS:
		n = (n * 52 + 6) / 12;
		break;
	}
	return n > 0 ? n : 1;
}

/* See plan_asye.h. */
int
asye_extend(const struct asye_worker *w, int base, int date)
{
	int i;

	/* Sorted by start, so a pause pushed into range by an earlier one is still counted. */
	for (i = 0; i < w->npauses; i++) {
		if (w->pauses[i].from > base && w->pauses[i].from <= date)
			date += w->pauses[i].to - w->pauses[i].from + 1;
	}
	return date;
}

/* See plan_asye.h. */
int
asye_programme_date(const struct asye_worker *w, const struct config *cfg, const struct duration *after)
{
	return asye_extend(w, w->asye_started_on - 1, calendar_add(cfg->calendar, w->asye_started_on, after));
}

/* Is date inside a pause? */
static bool
asye_paused(const struct asye_worker *w, int date)
{
	int i;

	for (i = 0; i < w->npauses; i++) {
		if (date >= w->pauses[i].from && date <= w->pauses[i].to)
			return true;
	}
	return false;
}

/* See plan_asye.h. */
double
asye_expected_week(const struct asye_worker *w, const struct config *cfg, int monday)
{
	int end, d, days = 0;

	if (w->asye_started_on == DATE_NONE)
		return 0;
	end = asye_programme_date(w, cfg, &cfg->asye_length);
	for (d = monday; d < monday + 5; d++) {
		if (d >= w->asye_started_on && d < end && calendar_is_working_day(cfg->calendar, d) &&
		    !asye_paused(w, d))
			days++;
	}
	return cfg->asye_protected_share / 100.0 * w->contracted_hours * days / 5.0;
}

/* Hours recorded for the week starting monday. */
static double
asye_actual_week(const struct asye_worker *w, int monday)
{
	int i;

	for (i = 0; i < w->nweeks; i++) {
		if (w->weeks[i].week_of == monday)
			return w->weeks[i].hours;
	}
	return 0;
}

/* See plan_asye.h. */
int
asye_next_supervision(const struct asye_worker *w, const struct config *cfg, int base)
{
	const struct config_cadence *c = NULL;
	int i, next;

	if (cfg->asye_nsupervision == 0)
		return DATE_NONE;
	/* The cadence in force at base: the first whose "until" lies beyond it. */
	for (i = 0; i < cfg->asye_nsupervision; i++) {
		c = &cfg->asye_supervision[i];
		if (c->until.n == 0 || base < asye_programme_date(w, cfg, &c->until))
			break;
	}
	next = calendar_add(cfg->calendar, base, &c->every);
	return asye_extend(w, base, next);
}

/* See plan_asye.h. */
void
asye_status(const struct asye_worker *w, const struct config *cfg, int date, struct asye_status *st)
{
	int i, weeks, monday;

	memset(st, 0, sizeof *st);
	st->start = st->end = DATE_NONE;
	st->last_supervision = st->next_supervision = st->next_review = DATE_NONE;
	st->window_from = st->window_to = DATE_NONE;
	if (w->asye_started_on != DATE_NONE) {
		st->start = w->asye_started_on;
		st->end = asye_programme_date(w, cfg, &cfg->asye_length);
		st->in_programme = date >= st->start && date < st->end;
	}
	st->cap = st->in_programme ? cfg->caseload_asye_cap : cfg->caseload_alert_above;
	st->over_cap = w->caseload > st->cap;
	if (!st->in_programme)
		return;

	/* Protected time: the last complete weeks (Monday to Sunday, ended before date). */
	weeks = asye_window_weeks(&cfg->asye_window);
	monday = asye_monday(date);
	st->window_from = monday - 7 * weeks;
	st->window_to = monday - 1;
	for (i = 1; i <= weeks; i++) {
		st->expected += asye_expected_week(w, cfg, monday - 7 * i);
		st->actual += asye_actual_week(w, monday - 7 * i);
	}
	st->behind = st->expected > ASYE_EPSILON && st->actual + ASYE_EPSILON < st->expected;

	/* Supervision: the cadence runs from the last one held on or before date. */
	for (i = 0; i < w->nsupervisions; i++) {
		if (w->supervisions[i] <= date)
			st->last_supervision = w->supervisions[i];
	}
	st->next_supervision = asye_next_supervision(
	    w, cfg, st->last_supervision != DATE_NONE ? st->last_supervision : st->start);
	if (st->next_supervision != DATE_NONE && st->next_supervision >= st->end)
		st->next_supervision = DATE_NONE;
	st->supervision_overdue = st->next_supervision != DATE_NONE && st->next_supervision < date;

	/* Review points: the k-th one held stands for the k-th point. */
	if (w->nreviews < cfg->asye_nreviews) {
		st->next_review_index = w->nreviews;
		st->next_review = asye_programme_date(w, cfg, &cfg->asye_reviews[w->nreviews]);
	}
}

/* Append an item when there is room. */
static struct asye_item *
asye_add(struct asye_item *items, int *n, int max, enum asye_rule rule, enum asye_to to)
{
	struct asye_item *it;

	if (*n >= max)
		return NULL;
	it = &items[(*n)++];
	memset(it, 0, sizeof *it);
	it->rule = rule;
	it->to = to;
	it->escalation = rule == ASYE_REVIEW_MISSED;
	return it;
}

/* See plan_asye.h. */
int
asye_plan(const struct asye_worker *w, const struct config *cfg, int date, struct asye_item *items, int max)
{
	const struct calendar *cal = cfg->calendar;
	struct asye_status st;
	struct asye_item *it;
	char a[11], b[11];
	int n = 0, i, monday = asye_monday(date), sunday = monday + 6, first_wd, point, due;

	asye_status(w, cfg, date, &st);
	first_wd = calendar_next_working_day(cal, monday);

	if (st.over_cap) {
		/* Told once a week while it lasts, the manager and the head of service alike. */
		for (i = 0; i < 2; i++) {
			if ((it = asye_add(items, &n, max, ASYE_CASELOAD_OVER,
					   i == 0 ? ASYE_TO_MANAGER : ASYE_TO_HEAD_OF_SERVICE)) == NULL)
				break;
			it->due = first_wd;
			it->until = sunday;
			it->occurrence = it->week = monday;
			it->urgency = w->caseload - st.cap;
			snprintf(it->reason, sizeof it->reason, "caseload %d is above the %s of %d",
				 w->caseload, st.in_programme ? "ASYE cap" : "alert level", st.cap);
		}
	}
	if (!st.in_programme)
		return n;

	if (st.behind && (it = asye_add(items, &n, max, ASYE_TIME_BEHIND, ASYE_TO_MANAGER)) != NULL) {
		it->due = first_wd;
		it->until = sunday;
		it->occurrence = it->week = monday;
		it->urgency = (int)(st.expected - st.actual + 0.5);
		snprintf(it->reason, sizeof it->reason,
			 "protected time %.1f h of %.1f h expected over the %d weeks to %s", st.actual,
			 st.expected, asye_window_weeks(&cfg->asye_window), date_format(st.window_to, a));
	}

	if (st.next_supervision != DATE_NONE &&
	    (it = asye_add(items, &n, max, ASYE_SUPERVISION_OVERDUE, ASYE_TO_MANAGER)) != NULL) {
		/* Overdue from the working day after its date; repeated each week until one is held. */
		due = calendar_add_working_days(cal, st.next_supervision, 1);
		it->occurrence = st.next_supervision;
		if (due < first_wd && st.supervision_overdue) {
			it->due = first_wd;
			it->week = monday;
		} else {
			it->week = asye_monday(due);
			it->due = due;
		}
		it->until = it->week + 6;
		it->urgency = date - st.next_supervision;
		snprintf(it->reason, sizeof it->reason, "supervision was due by %s (last held %s)",
			 date_format(st.next_supervision, a),
			 st.last_supervision != DATE_NONE ? date_format(st.last_supervision, b) : "never");
	}

	/* Every point not held: a reminder before it, an escalation once it has passed. */
	for (i = w->nreviews; i < cfg->asye_nreviews; i++) {
		point = asye_programme_date(w, cfg, &cfg->asye_reviews[i]);
		if (point >= date) {
			if ((it = asye_add(items, &n, max, ASYE_REVIEW_DUE, ASYE_TO_MANAGER)) == NULL)
				break;
			it->due = calendar_sub(cal, point, &cfg->asye_review_remind_before);
			it->until = point;
			it->occurrence = point;
			snprintf(it->reason, sizeof it->reason, "review point %d (%s) is due on %s", i + 1,
				 duration_format(&cfg->asye_reviews[i], a), date_format(point, b));
			break; /* later points are reminded when their turn comes */
		}
		if ((it = asye_add(items, &n, max, ASYE_REVIEW_MISSED, ASYE_TO_HEAD_OF_SERVICE)) == NULL)
			break;
		it->due = calendar_add_working_days(cal, point, 1);
		it->until = date_add_months(st.end, 1);
		it->occurrence = point;
		it->urgency = 100 + date - point;
		snprintf(it->reason, sizeof it->reason,
			 "review point %d (%s) passed on %s with no review recorded", i + 1,
			 duration_format(&cfg->asye_reviews[i], a), date_format(point, b));
	}
	return n;
}

/* See plan_asye.h. */
void
asye_month_list_dates(const struct config *cfg, int date, int *due, int *until)
{
	int y, m, d;

	date_to_ymd(date, &y, &m, &d);
	*due = calendar_next_working_day(cfg->calendar, date_from_ymd(y, m, 1));
	*until = calendar_add_working_days(cfg->calendar, *due, 5);
}
