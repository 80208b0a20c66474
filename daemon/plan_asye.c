/*
 * plan_asye.c: the ASYE and caseload rules as pure functions. From a worker's record, the rules
 * and a date: the programme dates (pauses push them on), protected time over the rolling window
 * (pro rata for part-time hours and for bank holiday weeks), the supervision due next under the
 * cadence in force, the review points and critical reflections, the caseload cap, and the notices
 * due.
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
	case ASYE_REFLECTION_DUE:
		return "reflection-due";
	case ASYE_REFLECTION_MISSED:
		return "reflection-missed";
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

/* The first of n programme points (after the start) not covered by the held ones, and its index. */
static int
asye_next_point(
    const struct asye_worker *w, const struct config *cfg, const struct duration *after, int n, int held, int *index)
{
	*index = 0;
	if (held >= n)
		return DATE_NONE;
	*index = held;
	return asye_programme_date(w, cfg, &after[held]);
}

/* See plan_asye.h. */
void
asye_status(const struct asye_worker *w, const struct config *cfg, int date, struct asye_status *st)
{
	int i, weeks, monday;

	memset(st, 0, sizeof *st);
	st->start = st->end = DATE_NONE;
	st->last_supervision = st->next_supervision = st->next_review = st->next_reflection = DATE_NONE;
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
	st->next_supervision =
	    asye_next_supervision(w, cfg, st->last_supervision != DATE_NONE ? st->last_supervision : st->start);
	if (st->next_supervision != DATE_NONE && st->next_supervision >= st->end)
		st->next_supervision = DATE_NONE;
	st->supervision_overdue = st->next_supervision != DATE_NONE && st->next_supervision < date;

	/* Review points and critical reflections: the k-th one held stands for the k-th point. */
	st->next_review =
	    asye_next_point(w, cfg, cfg->asye_reviews, cfg->asye_nreviews, w->nreviews, &st->next_review_index);
	st->next_reflection = asye_next_point(
	    w, cfg, cfg->asye_reflections, cfg->asye_nreflections, w->nreflections, &st->next_reflection_index);
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
	it->escalation = rule == ASYE_REVIEW_MISSED || rule == ASYE_REFLECTION_MISSED;
	return it;
}

/* One kind of programme point (review points, critical reflections) and its two rules. */
struct asye_points {
	const struct duration *after; /* the points, after the start */
	int n;
	int held; /* how many held: the k-th held stands for the k-th point */
	enum asye_rule due, missed;
	const char *what;   /* "review point" */
	const char *record; /* what was not recorded: "review" */
};

/* Every point not held: a reminder before the next one to come, an escalation for each one passed. */
static void
asye_plan_points(const struct asye_worker *w, const struct config *cfg, int date, int end, const struct asye_points *p,
    struct asye_item *items, int *n, int max)
{
	struct asye_item *it;
	char a[11], b[11];
	int i, point;

	for (i = p->held; i < p->n; i++) {
		point = asye_programme_date(w, cfg, &p->after[i]);
		if (point >= date) {
			if (date >= end) /* the programme is over: nothing more to remind */
				return;
			if ((it = asye_add(items, n, max, p->due, ASYE_TO_MANAGER)) == NULL)
				return;
			it->due = calendar_sub(cfg->calendar, point, &cfg->asye_review_remind_before);
			it->until = point;
			it->occurrence = point;
			snprintf(it->reason, sizeof it->reason, "%s %d (%s) is due on %s", p->what, i + 1,
			    duration_format(&p->after[i], a), date_format(point, b));
			return; /* later points are reminded when their turn comes */
		}
		if ((it = asye_add(items, n, max, p->missed, ASYE_TO_HEAD_OF_SERVICE)) == NULL)
			return;
		it->due = calendar_add_working_days(cfg->calendar, point, 1);
		it->until = date_add_months(end, 1);
		it->occurrence = point;
		it->urgency = 100 + date - point;
		snprintf(it->reason, sizeof it->reason, "%s %d (%s) passed on %s with no %s recorded", p->what, i + 1,
		    duration_format(&p->after[i], a), date_format(point, b), p->record);
	}
}

/* See plan_asye.h. */
int
plan_asye(const struct asye_worker *w, const struct config *cfg, int date, struct asye_item *items, int max)
{
	const struct calendar *cal = cfg->calendar;
	struct asye_status st;
	const struct asye_points reviews = {
		.after = cfg->asye_reviews,
		.n = cfg->asye_nreviews,
		.held = w->nreviews,
		.due = ASYE_REVIEW_DUE,
		.missed = ASYE_REVIEW_MISSED,
		.what = "review point",
		.record = "review",
	};
	const struct asye_points reflections = {
		.after = cfg->asye_reflections,
		.n = cfg->asye_nreflections,
		.held = w->nreflections,
		.due = ASYE_REFLECTION_DUE,
		.missed = ASYE_REFLECTION_MISSED,
		.what = "critical reflection",
		.record = "critical reflection",
	};
	struct asye_item *it;
	char a[11], b[11];
	int n = 0, i, monday = asye_monday(date), sunday = monday + 6, first_wd, due;

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
			snprintf(it->reason, sizeof it->reason, "caseload %d is above the %s of %d", w->caseload,
			    st.in_programme ? "ASYE cap" : "alert level", st.cap);
		}
	}
	if (!st.in_programme) {
		/*
		 * The last points fall on the programme's end (12m of a 12m programme), so one passed
		 * unrecorded is escalated after it: planned for the month its notice stays sendable.
		 */
		if (st.end != DATE_NONE && date >= st.end && date <= date_add_months(st.end, 1)) {
			asye_plan_points(w, cfg, date, st.end, &reviews, items, &n, max);
			asye_plan_points(w, cfg, date, st.end, &reflections, items, &n, max);
		}
		return n;
	}

	if (st.behind && (it = asye_add(items, &n, max, ASYE_TIME_BEHIND, ASYE_TO_MANAGER)) != NULL) {
		it->due = first_wd;
		it->until = sunday;
		it->occurrence = it->week = monday;
		it->urgency = (int)(st.expected - st.actual + 0.5);
		snprintf(it->reason, sizeof it->reason,
		    "protected time %.1f h of %.1f h expected over the %d weeks to %s", st.actual, st.expected,
		    asye_window_weeks(&cfg->asye_window), date_format(st.window_to, a));
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

	/* Review points and critical reflections alike, each with its own rules and dedupe keys. */
	asye_plan_points(w, cfg, date, st.end, &reviews, items, &n, max);
	asye_plan_points(w, cfg, date, st.end, &reflections, items, &n, max);
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
