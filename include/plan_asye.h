/*
 * plan_asye.h: the ASYE and caseload planner. Pure functions: a worker's record (protected time,
 * supervisions, review points and critical reflections held, pauses), the rules in struct config
 * and its calendar, and a local date give the worker's position and the notices due. No I/O, no
 * globals.
 */
#ifndef DRIFTWATCH_PLAN_ASYE_H
#define DRIFTWATCH_PLAN_ASYE_H

#include <stdbool.h>

#include "calendar.h"

struct config;

/* Items for one worker: caseload (2), time, supervision, every review point and reflection (16 each). */
#define ASYE_ITEMS_MAX 40

/* Protected time recorded for one week (week_of is that week's Monday). */
struct asye_week {
	int week_of;
	double hours;
};

/* A pause in the programme (long leave), local dates inclusive: later programme dates move on by its length.
 */
struct asye_pause {
	int from, to;
};

struct asye_worker {
	const char *person_id, *name, *email, *role, *manager_email;
	const char *team;    /* never NULL: "" for no team (the column is NOT NULL DEFAULT '') */
	int asye_started_on; /* DATE_NONE: not (or no longer recorded as) an ASYE */
	double contracted_hours;
	int caseload;
	const struct asye_week *weeks; /* sorted by week_of */
	int nweeks;
	const int *supervisions; /* dates held, sorted */
	int nsupervisions;
	const int *reviews; /* review points held, sorted: the k-th held stands for the k-th point */
	int nreviews;
	const int *reflections; /* critical reflections held, sorted: the k-th held stands for the k-th point */
	int nreflections;
	const struct asye_pause *pauses; /* sorted by from */
	int npauses;
};

enum asye_rule {
	ASYE_TIME_BEHIND,	  /* protected time short over the rolling window */
	ASYE_SUPERVISION_OVERDUE, /* the next supervision's date has passed */
	ASYE_REVIEW_DUE,	  /* a review point is coming */
	ASYE_REVIEW_MISSED,	  /* a review point passed unrecorded: escalation */
	ASYE_REFLECTION_DUE,	  /* a critical reflection is coming */
	ASYE_REFLECTION_MISSED,	  /* a critical reflection passed unrecorded: escalation */
	ASYE_CASELOAD_OVER,	  /* caseload above the cap (ASYE) or the alert level (others) */
};

enum asye_to {
	ASYE_TO_MANAGER,	 /* the worker's manager_email */
	ASYE_TO_HEAD_OF_SERVICE, /* [team] head_of_service, else the head-of-service role */
};

struct asye_item {
	enum asye_rule rule;
	enum asye_to to;
	int due;	/* local date the notice becomes due */
	int until;	/* last local date still worth sending */
	int occurrence; /* the date naming this occurrence (week, due date, review or reflection point) */
	int week;	/* Monday of the week it repeats in (0 when it does not repeat) */
	bool escalation;
	int urgency;
	char reason[200];
};

/* Where a worker stands at a date. */
struct asye_status {
	bool in_programme;	    /* an ASYE, started and not finished at date */
	int start, end;		    /* programme dates, pauses added (DATE_NONE when not an ASYE) */
	int window_from, window_to; /* the complete weeks measured: first Monday, last Sunday */
	double expected, actual;    /* protected hours over the window */
	bool behind;
	int last_supervision; /* DATE_NONE: none yet */
	int next_supervision; /* DATE_NONE: no more expected */
	bool supervision_overdue;
	int next_review;	   /* the first point not held (DATE_NONE: all held) */
	int next_review_index;	   /* 0-based */
	int next_reflection;	   /* the first critical reflection not held (DATE_NONE: all held, or none) */
	int next_reflection_index; /* 0-based */
	int cap;		   /* the caseload limit that applies */
	bool over_cap;
};

/* The rule's name as used in dedupe keys and explanations ("time-behind" ...). */
const char *asye_rule_name(enum asye_rule rule);
/* The Monday of the week holding date. */
int asye_monday(int date);
/* Weeks in the rolling window (4w -> 4; days, working days and months converted). */
int asye_window_weeks(const struct duration *window);
/* start + after, moved on by every pause that begins after base and on or before the result. */
int asye_extend(const struct asye_worker *w, int base, int date);
/* A programme date: the ASYE start + after, pauses added. */
int asye_programme_date(const struct asye_worker *w, const struct config *cfg, const struct duration *after);
/*
 * Protected hours expected in the week starting monday: share x contracted hours x (working days
 * that week inside the programme and not paused) / 5. A bank holiday week of 4 working days expects 4/5.
 */
double asye_expected_week(const struct asye_worker *w, const struct config *cfg, int monday);
/* The next supervision's date after base (the last one held, or the start). */
int asye_next_supervision(const struct asye_worker *w, const struct config *cfg, int base);
/* Where the worker stands at date. */
void asye_status(const struct asye_worker *w, const struct config *cfg, int date, struct asye_status *st);
/*
 * The notices for this worker that are live at date (due on or before, until on or after) or still
 * to come; at most max. Returns how many.
 */
int plan_asye(const struct asye_worker *w, const struct config *cfg, int date, struct asye_item *items, int max);
/* The assistant director's monthly list for date's month: its due date (the first working day) and until. */
void asye_month_list_dates(const struct config *cfg, int date, int *due, int *until);

#endif
