/*
 * plan_reviews.h: the looked-after review schedule (Care Planning Regulations 2010, reg 33) and the
 * permanence plan by the second review, as pure functions: a child's periods of care, reviews held
 * and permanence plans, the rules, the calendar and a date in; the schedule and its notices out.
 */
#ifndef DRIFTWATCH_PLAN_REVIEWS_H
#define DRIFTWATCH_PLAN_REVIEWS_H

#include <stdbool.h>

#include "calendar.h"

struct config;

#define REVIEW_REMIND_MAX 16

/* The [reviews] rules. */
struct review_rules {
	struct duration first;	/* after the start of the period of care */
	struct duration second; /* after the first review held */
	struct duration later;	/* after the previous review held */
	struct duration remind_before[REVIEW_REMIND_MAX];
	int nremind_before;
	struct duration overdue_repeat;
	struct duration permanence_remind_before;
};

/* A period of care. start_known is false when the child was already looked after when the extract
 * begins (its first episode is not RNE 'S'): started_on is then the first date known, not the start. */
struct review_period {
	int started_on;
	bool start_known;
	int ended_on; /* DATE_NONE while the child is looked after */
};

struct review_held {
	int held_on;
	bool brought_forward;
};

struct review_permanence {
	const char *plan;
	int agreed_on;
};

struct review_child {
	const char *case_ref;
	const struct review_period *periods; /* any order */
	int nperiods;
	const struct review_held *reviews; /* any order; each is placed in the period that holds it */
	int nreviews;
	const struct review_permanence *plans;
	int nplans;
	int booked_for; /* the next review booked for this date: no reminder before it (DATE_NONE, 0: none) */
};

/* Who a notice goes to (a bit set). */
#define REVIEW_TO_SOCIAL_WORKER 0x1
#define REVIEW_TO_TEAM_MANAGER 0x2
#define REVIEW_TO_IRO 0x4
#define REVIEW_TO_HEAD_OF_SERVICE 0x8

enum review_item_kind {
	REVIEW_ITEM_REMINDER,		/* review due soon */
	REVIEW_ITEM_OVERDUE,		/* review overdue (escalation, repeated) */
	REVIEW_ITEM_PERMANENCE,		/* no permanence plan before the second review */
	REVIEW_ITEM_PERMANENCE_DISPUTE, /* second review held without a plan: raise an IRO dispute */
};

/* One thing to do for a child. */
struct review_item {
	enum review_item_kind kind;
	const char *rule; /* "review-reminder", "review-overdue", "permanence-reminder", "permanence-dispute" */
	int period_start; /* the period of care it belongs to */
	int ordinal;	  /* the review's number in the period (1, 2 ...); 0 when unknown */
	int due_on;	  /* the review's due date (the dispute: the second review's date) */
	int fire_on;	  /* the local date it becomes due */
	int until;	  /* the last date it is still worth sending */
	char level[24];	  /* "15wd", "5wd", "overdue-1" ... */
	int recipients;	  /* REVIEW_TO_* */
	char reason[192]; /* one line, case reference only */
};

/* One review in a period's schedule: held ones and the next one due. */
struct review_slot {
	int ordinal; /* 0 when unknown (a period that began before the extract) */
	int due_on;  /* DATE_NONE when it cannot be known */
	int held_on; /* DATE_NONE: not held yet */
	bool brought_forward;
	bool on_time; /* held on or before due_on */
};

struct review_period_plan {
	struct review_period period;
	struct review_slot *slots; /* every review held, then the next due (open periods) */
	int nslots;
	int next_due; /* DATE_NONE when the period ended */
	int next_ordinal;
	int second_held_on; /* DATE_NONE when no second review is known */
	int plan_by_second; /* -1 not applicable yet, 0 no plan agreed by then, 1 a plan was */
	const char *plan;   /* the latest plan agreed in this period up to today, or NULL */
	int plan_agreed_on;
};

struct review_plan {
	struct review_period_plan *periods; /* oldest first */
	int nperiods;
	struct review_item *items; /* sorted by fire_on */
	int nitems;
};

/* The rules from the config. */
void plan_reviews_rules(const struct config *cfg, struct review_rules *r);
/*
 * Plan one child as at today: the schedule of every period and the notices of the current one
 * (reminders, overdue repeats up to the first one after today, the permanence reminder) and the
 * permanence dispute of any open period whose second review was held without a plan.
 */
void plan_reviews(const struct review_child *c, const struct review_rules *r, const struct calendar *cal, int today,
    struct review_plan *out);
void review_plan_free(struct review_plan *p);
/* The period that holds a date (the latest started on or before it, not ended before it), or -1. */
int plan_reviews_period_of(const struct review_period *periods, int nperiods, int date);

#endif
