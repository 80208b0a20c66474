/*
 * plan_actions.h: the action-plan watcher's planner. Pure functions from one improvement action,
 * the [actions] rules, the reporting lines and a date to the action's RAG status and every notice
 * its rules produce: reminders before due_on, a nudge when progress goes stale, and the overdue
 * ladder up the management line. No I/O, no globals; the daemon and `explain action` share it.
 */
#ifndef DRIFTWATCH_PLAN_ACTIONS_H
#define DRIFTWATCH_PLAN_ACTIONS_H

#include <stdbool.h>

struct calendar;
struct config;

#define ACTION_LEADS_MAX 4

enum action_status {
	ACTION_OPEN,
	ACTION_COMPLETE,
	ACTION_DROPPED,
};

/* One improvement action as the store holds it. Dates are calendar.h dates or DATE_NONE. */
struct action {
	char *plan, *ref, *section, *section_title, *finding, *text;
	char *lead_role;		   /* as the plan writes it */
	char *lead_keys[ACTION_LEADS_MAX]; /* the role keys it matched */
	int nleads;
	int starts_on, due_on;
	char *timescale_text, *kpis;
	enum action_status status;
	char *progress_note;
	int progress_on, completed_on;
	int expected_on; /* when the lead officer expects it done; may be after due_on, moves nothing */
	int imported_on; /* first imported: the base for "no progress" when none was ever recorded */
	int seq;	 /* order in the plan */
	int rev;
};

/* RAG, computed, never typed. */
enum action_rag {
	RAG_RED,
	RAG_AMBER,
	RAG_GREEN,
	RAG_BLUE,
	RAG_NO_TIMESCALE, /* no due_on: never escalated, listed */
	RAG_DROPPED,	  /* not watched */
};

/* One line of the organisation chart: a role and whom it reports to (NULL: nobody). */
struct plan_role_line {
	const char *key;
	const char *reports_to;
};

struct plan_actions_org {
	const struct plan_role_line *lines;
	int n;
};

enum plan_action_rule {
	PLAN_ACTION_REMIND,   /* before due_on, to the lead officer(s) */
	PLAN_ACTION_NUDGE,    /* progress older than stale_after, to the lead officer(s) */
	PLAN_ACTION_ESCALATE, /* overdue: one level up the ladder, copying who was told before */
};

struct plan_action_item {
	enum plan_action_rule rule;
	int due;	 /* the local date it is due */
	int until;	 /* the last date it is still worth sending (DATE_NONE: no limit) */
	int level;	 /* escalation level (1..), reminder number (1..), or nudge number */
	char *recipient; /* a role key; NULL: a note only (nobody to tell at this level) */
	char *as;	 /* why this person: "lead officer", "manager", "manager+1", "copy" ... */
	bool copy;	 /* told at an earlier level, copied again */
	char *reason;	 /* one line */
	char *dedupe_key;
	char *told; /* escalations: every role told at this level, comma-separated */
};

struct plan_action_items {
	struct plan_action_item *v;
	int n;
};

/* The action's RAG at a date. */
enum action_rag plan_actions_rag(
    const struct action *a, const struct config *cfg, const struct calendar *cal, int date);
/* "Red", "Amber", "Green", "Blue", "no timescale", "dropped". */
const char *plan_actions_rag_name(enum action_rag rag);
/* "red" ... as typed on a command line; -1 when unknown. */
int plan_actions_rag_parse(const char *s);
/* Is the action complete at date? */
bool plan_actions_complete(const struct action *a, int date);
/* The date progress counts from: progress_on, else the day it was first imported. */
int plan_actions_progress_base(const struct action *a);
/* Working days overdue at date (0 when not past due or undated). */
int plan_actions_overdue(const struct action *a, const struct calendar *cal, int date);

/*
 * Every notice the rules produce for an action, as at today: all reminders and ladder levels
 * (past and future), and the latest and next stale-progress nudge. A complete action's items
 * end the day before it was completed; a dropped action has none. Sorted by due date.
 */
void plan_actions(const struct action *a, const struct config *cfg, const struct calendar *cal,
    const struct plan_actions_org *org, int today, struct plan_action_items *out);
void plan_action_items_free(struct plan_action_items *items);

#endif
