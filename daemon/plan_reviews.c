/*
 * plan_reviews.c: the looked-after review schedule and the permanence rule, as pure functions.
 *
 * A period of care starts the clock: the first review is due `first` (20 working days) after the
 * start, the second `second` (3 months) after the first review held, every later one `later`
 * (6 months) after the previous review held. Counting always runs from the review actually held,
 * so a review brought forward restarts the clock early. When the extract does not show the start
 * (the child was already looked after when it begins), the number of reviews held before is
 * unknown: every interval is then taken as `later`, the longest, so no review is ever called
 * overdue too early, and the permanence rules (which need the second review) do not apply.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan_reviews.h"
#include "xmalloc.h"

#define PLAN_REVIEWS_FOREVER (INT_MAX - 1)

/* See plan_reviews.h. */
void
plan_reviews_rules(const struct config *cfg, struct review_rules *r)
{
	int i;

	memset(r, 0, sizeof *r);
	r->first = cfg->reviews_first;
	r->second = cfg->reviews_second;
	r->later = cfg->reviews_later;
	for (i = 0; i < cfg->reviews_nremind_before && i < REVIEW_REMIND_MAX; i++)
		r->remind_before[i] = cfg->reviews_remind_before[i];
	r->nremind_before = i;
	r->overdue_repeat = cfg->reviews_overdue_repeat;
	r->permanence_remind_before = cfg->reviews_permanence_remind_before;
}

static int
plan_reviews_cmp_period(const void *a, const void *b)
{
	const struct review_period *x = a, *y = b;

	return (x->started_on > y->started_on) - (x->started_on < y->started_on);
}

static int
plan_reviews_cmp_held(const void *a, const void *b)
{
	const struct review_held *x = a, *y = b;

	return (x->held_on > y->held_on) - (x->held_on < y->held_on);
}

static int
plan_reviews_cmp_item(const void *a, const void *b)
{
	const struct review_item *x = a, *y = b;

	if (x->fire_on != y->fire_on)
		return (x->fire_on > y->fire_on) - (x->fire_on < y->fire_on);
	return (int)x->kind - (int)y->kind;
}

/* See plan_reviews.h. */
int
plan_reviews_period_of(const struct review_period *periods, int nperiods, int date)
{
	int i, best = -1;

	for (i = 0; i < nperiods; i++) {
		if (periods[i].started_on > date)
			continue;
		if (periods[i].ended_on != DATE_NONE && date > periods[i].ended_on)
			continue;
		if (best < 0 || periods[i].started_on > periods[best].started_on)
			best = i;
	}
	return best;
}

/* Append an item. */
static struct review_item *
plan_reviews_add(struct review_plan *out, enum review_item_kind kind, const char *rule,
    const struct review_period_plan *pp, int ordinal, int due_on, int fire_on, int until, int recipients)
{
	struct review_item *it;

	out->items = xreallocarray(out->items, (size_t)out->nitems + 1, sizeof *out->items);
	it = &out->items[out->nitems++];
	memset(it, 0, sizeof *it);
	it->kind = kind;
	it->rule = rule;
	it->period_start = pp->period.started_on;
	it->ordinal = ordinal;
	it->due_on = due_on;
	it->fire_on = fire_on;
	it->until = until;
	it->recipients = recipients;
	return it;
}

/* "Review 2" or "The next review". */
static void
plan_reviews_name(int ordinal, char *buf, size_t len)
{
	if (ordinal > 0)
		snprintf(buf, len, "Review %d", ordinal);
	else
		snprintf(buf, len, "The next review");
}

/* The notices of one open period: reminders, overdue repeats, the permanence reminder and dispute. */
static void
plan_reviews_items(const struct review_child *c, const struct review_rules *r, const struct calendar *cal, int today,
    const struct review_period_plan *pp, struct review_plan *out)
{
	struct review_item *it;
	struct duration step;
	char name[32], due[11], when[11];
	int fires[REVIEW_REMIND_MAX], order[REVIEW_REMIND_MAX], i, j, n = r->nremind_before, d = pp->next_due, first, k;

	if (pp->second_held_on != DATE_NONE && pp->plan_by_second == 0) {
		it = plan_reviews_add(out, REVIEW_ITEM_PERMANENCE_DISPUTE, "permanence-dispute", pp, 2,
		    pp->second_held_on, pp->second_held_on, PLAN_REVIEWS_FOREVER, REVIEW_TO_IRO);
		snprintf(it->level, sizeof it->level, "second");
		snprintf(it->reason, sizeof it->reason,
		    "The second review for case %s was held on %s with no permanence plan agreed.", c->case_ref,
		    date_format(pp->second_held_on, due));
	}
	if (d == DATE_NONE)
		return;
	date_format(d, due);
	plan_reviews_name(pp->next_ordinal, name, sizeof name);

	/* Reminders, earliest first; each is worth sending until the next one takes over. */
	for (i = 0; i < n; i++) {
		fires[i] = calendar_sub(cal, d, &r->remind_before[i]);
		order[i] = i;
	}
	for (i = 1; i < n; i++) { /* insertion sort of indexes by fire date */
		for (j = i; j > 0 && fires[order[j - 1]] > fires[order[j]]; j--) {
			k = order[j], order[j] = order[j - 1], order[j - 1] = k;
		}
	}
	for (i = 0; i < n; i++) {
		const struct duration *rb = &r->remind_before[order[i]];
		int until = i + 1 < n ? fires[order[i + 1]] - 1 : d;
		if (until < fires[order[i]])
			continue; /* two rules on one day: the later one speaks */
		/* A review booked (from an answer link) quiets the reminders until its date. */
		if (until < c->booked_for)
			continue;
		it = plan_reviews_add(out, REVIEW_ITEM_REMINDER, "review-reminder", pp, pp->next_ordinal, d,
		    fires[order[i]] > c->booked_for ? fires[order[i]] : c->booked_for, until,
		    REVIEW_TO_SOCIAL_WORKER | REVIEW_TO_TEAM_MANAGER | REVIEW_TO_IRO);
		duration_format(rb, it->level);
		snprintf(it->reason, sizeof it->reason, "%s for case %s is due on %s.", name, c->case_ref, due);
	}

	/* Overdue: the first working day after the due date, then every overdue_repeat; only the
	 * occurrence in force today and the next one are planned (a missed week is not sent late). */
	first = calendar_next_working_day(cal, d + 1);
	for (k = 0;; k++) {
		int fire, next;
		step = r->overdue_repeat;
		step.n = r->overdue_repeat.n * k;
		fire = calendar_add(cal, first, &step);
		step.n = r->overdue_repeat.n * (k + 1);
		next = r->overdue_repeat.n > 0 ? calendar_add(cal, first, &step) : PLAN_REVIEWS_FOREVER;
		if (next <= today && next > fire)
			continue;
		it = plan_reviews_add(out, REVIEW_ITEM_OVERDUE, "review-overdue", pp, pp->next_ordinal, d, fire,
		    next - 1, REVIEW_TO_TEAM_MANAGER | REVIEW_TO_HEAD_OF_SERVICE);
		snprintf(it->level, sizeof it->level, "overdue-%d", k + 1);
		snprintf(it->reason, sizeof it->reason,
		    "%s for case %s was due on %s and has not been held (%d days overdue on %s).", name, c->case_ref,
		    due, fire - d, date_format(fire, when));
		if (fire > today || next <= fire)
			break;
	}

	/* Permanence: no plan yet, and the second review is the next one due. */
	if (pp->period.start_known && pp->next_ordinal == 2 && pp->plan == NULL) {
		int fire = calendar_sub(cal, d, &r->permanence_remind_before);
		it = plan_reviews_add(out, REVIEW_ITEM_PERMANENCE, "permanence-reminder", pp, 2, d, fire, d,
		    REVIEW_TO_SOCIAL_WORKER | REVIEW_TO_TEAM_MANAGER | REVIEW_TO_IRO);
		duration_format(&r->permanence_remind_before, it->level);
		snprintf(it->reason, sizeof it->reason,
		    "Case %s has no permanence plan recorded and its second review is due on %s.", c->case_ref, due);
	}
}

/* The schedule of one period. */
static void
plan_reviews_period(const struct review_child *c, const struct review_rules *r, const struct calendar *cal, int today,
    const struct review_period *p, struct review_period_plan *pp)
{
	struct review_held *held = NULL;
	int nheld = 0, i, due, ordinal;

	memset(pp, 0, sizeof *pp);
	pp->period = *p;
	pp->second_held_on = DATE_NONE;
	pp->plan_by_second = -1;
	pp->plan_agreed_on = DATE_NONE;
	for (i = 0; i < c->nreviews; i++) {
		int h = c->reviews[i].held_on;
		if (h < p->started_on || (p->ended_on != DATE_NONE && h > p->ended_on) || h > today)
			continue;
		held = xreallocarray(held, (size_t)nheld + 1, sizeof *held);
		held[nheld++] = c->reviews[i];
	}
	if (nheld > 1)
		qsort(held, (size_t)nheld, sizeof *held, plan_reviews_cmp_held);
	pp->slots = xcalloc((size_t)nheld + 1, sizeof *pp->slots);
	due = calendar_add(cal, p->started_on, p->start_known ? &r->first : &r->later);
	ordinal = p->start_known ? 1 : 0;
	for (i = 0; i < nheld; i++) {
		struct review_slot *s = &pp->slots[pp->nslots++];
		s->ordinal = ordinal;
		s->due_on = due;
		s->held_on = held[i].held_on;
		s->brought_forward = held[i].brought_forward;
		s->on_time = s->held_on <= due;
		if (ordinal == 2)
			pp->second_held_on = s->held_on;
		due = calendar_add(cal, s->held_on, ordinal == 1 ? &r->second : &r->later);
		if (ordinal > 0)
			ordinal++;
	}
	if (p->ended_on == DATE_NONE || p->ended_on > today) {
		struct review_slot *s = &pp->slots[pp->nslots++];
		s->ordinal = ordinal;
		s->due_on = due;
		s->held_on = DATE_NONE;
		pp->next_due = due;
		pp->next_ordinal = ordinal;
	} else {
		pp->next_due = DATE_NONE;
		pp->next_ordinal = ordinal;
	}

	/* The plan that counts: agreed in this period (any time before its end when the start is
	 * unknown), up to today. */
	for (i = 0; i < c->nplans; i++) {
		int a = c->plans[i].agreed_on;
		if (a > today || (p->start_known && a < p->started_on) || (p->ended_on != DATE_NONE && a > p->ended_on))
			continue;
		if (pp->plan == NULL || a >= pp->plan_agreed_on) {
			pp->plan = c->plans[i].plan;
			pp->plan_agreed_on = a;
		}
	}
	if (p->start_known && pp->second_held_on != DATE_NONE) {
		pp->plan_by_second = 0;
		for (i = 0; i < c->nplans; i++) {
			int a = c->plans[i].agreed_on;
			if (a >= p->started_on && a <= pp->second_held_on)
				pp->plan_by_second = 1;
		}
	}
	free(held);
}

/* See plan_reviews.h. */
void
plan_reviews(const struct review_child *c, const struct review_rules *r, const struct calendar *cal, int today,
    struct review_plan *out)
{
	struct review_period *periods;
	int i;

	memset(out, 0, sizeof *out);
	if (c->nperiods == 0)
		return;
	periods = xcalloc((size_t)c->nperiods, sizeof *periods);
	memcpy(periods, c->periods, (size_t)c->nperiods * sizeof *periods);
	qsort(periods, (size_t)c->nperiods, sizeof *periods, plan_reviews_cmp_period);
	out->periods = xcalloc((size_t)c->nperiods, sizeof *out->periods);
	for (i = 0; i < c->nperiods; i++) {
		if (periods[i].started_on > today)
			break;
		plan_reviews_period(c, r, cal, today, &periods[i], &out->periods[out->nperiods]);
		if (out->periods[out->nperiods].next_due != DATE_NONE)
			plan_reviews_items(c, r, cal, today, &out->periods[out->nperiods], out);
		out->nperiods++;
	}
	if (out->nitems > 1)
		qsort(out->items, (size_t)out->nitems, sizeof *out->items, plan_reviews_cmp_item);
	free(periods);
}

/* See plan_reviews.h. */
void
review_plan_free(struct review_plan *p)
{
	int i;

	for (i = 0; i < p->nperiods; i++)
		free(p->periods[i].slots);
	free(p->periods);
	free(p->items);
	memset(p, 0, sizeof *p);
}
