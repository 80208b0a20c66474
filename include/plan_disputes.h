/*
 * plan_disputes.h: the IRO dispute ladder as pure functions. A dispute record (with the ladder it
 * was raised under), the rules and the calendar give every notice and state change due, with its
 * date, the last date it is still worth doing, its recipient (a responder key or "iro") and why.
 * No I/O, no globals: the watcher, driftwatchctl explain and the unit tests run the same code.
 */
#ifndef DRIFTWATCH_PLAN_DISPUTES_H
#define DRIFTWATCH_PLAN_DISPUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "plan.h"

struct config;

#define DISPUTE_STAGES_MAX 16

/* One rung of the ladder a dispute runs on (copied from the ini when it was raised). */
struct dispute_stage {
	char name[32];
	char responder[64]; /* "team-manager", "head-of-service", "assistant-director", "dcs", a role key */
	int limit_wd;
};

struct dispute_ladder {
	struct dispute_stage stages[DISPUTE_STAGES_MAX];
	int n;
};

/* How the current stage was entered. */
enum dispute_entry {
	DISPUTE_ENTRY_RAISED,	 /* raised at this stage */
	DISPUTE_ENTRY_MOVED_UP,	 /* its deadline passed: moved up by driftwatch */
	DISPUTE_ENTRY_ESCALATED, /* the IRO escalated */
	DISPUTE_ENTRY_IMPORTED,	 /* brought in from a tracker: no first notices */
};

struct dispute_record {
	int64_t id;
	const char *case_ref;
	const char *raised_by; /* the IRO's email */
	const char *category;
	int raised_on;
	struct dispute_ladder ladder;
	int stage; /* index into ladder */
	int stage_started_on;
	int stage_due_on;
	int responded_on;      /* DATE_NONE: the stage clock runs */
	int formal_started_on; /* DATE_NONE: still informal */
	int resolved_on;       /* DATE_NONE: open */
	enum dispute_entry entry;
	int prev_stage;			 /* the stage before the current one, or -1 */
	int visited[DISPUTE_STAGES_MAX]; /* stage indices entered, each once, in order */
	int nvisited;
};

struct dispute_rules {
	struct duration remind_before;	    /* reminder to the responder before the deadline */
	struct duration iro_reminder_after; /* after a response, remind the IRO */
	struct duration total_limit;	    /* the formal process in total */
};

enum dispute_rule {
	DISPUTE_RULE_STAGE,	  /* the responder gets the dispute and the date to respond by */
	DISPUTE_RULE_RAISED,	  /* the IRO's confirmation */
	DISPUTE_RULE_MOVED,	  /* moved up or escalated: the IRO and the previous responder */
	DISPUTE_RULE_REMINDER,	  /* the deadline is near with no response */
	DISPUTE_RULE_ADVANCE,	  /* the deadline passed: move up one stage (a state change) */
	DISPUTE_RULE_LAST_STAGE,  /* the last stage's deadline passed: flag, no further move */
	DISPUTE_RULE_IRO_ASK,	  /* a response came: the IRO is asked to resolve or escalate */
	DISPUTE_RULE_IRO_REMIND,  /* ... and reminded */
	DISPUTE_RULE_TOTAL_LIMIT, /* the formal process passed its total limit */
	DISPUTE_RULE_RESOLVED,	  /* the outcome, to everyone involved */
};

struct dispute_item {
	struct plan_item head; /* due: the local date it becomes due; until: DATE_NONE, always */
	enum dispute_rule rule;
	int stage;	    /* the stage concerned (index) */
	char recipient[64]; /* a responder key or "iro" */
	bool urgent_kind;   /* an escalation (sent singly) rather than a batched reminder */
	char reason[240];
};

/* Every item planned for one dispute: items of struct dispute_item, in date order. */
struct dispute_plan {
	struct plan_items items;
};

/* The rule's short name ("stage", "reminder", ...), used in dedupe keys and explain. */
const char *plan_disputes_rule_name(enum dispute_rule rule);
/* The ladder in the ini, as a dispute records it. */
void plan_disputes_ladder_from_config(const struct config *cfg, struct dispute_ladder *l);
/* A stage's index by name, or -1. */
int plan_disputes_stage_index(const struct dispute_ladder *l, const char *name);
/* Is this stage part of the formal process (every stage but one named "informal")? */
bool plan_disputes_stage_formal(const struct dispute_stage *st);
/* The stage's deadline when it starts on started: started + LIMIT working days (started is day 0). */
int plan_disputes_stage_due(const struct calendar *cal, const struct dispute_ladder *l, int stage, int started);
/* A known category? (drift-and-delay, permanence, care-plan, ...) */
bool plan_disputes_category_ok(const char *category);
extern const char *const plan_disputes_categories[];
/* One plain email address (local@domain, no spaces or brackets), as the outbox accepts. */
bool plan_disputes_address_ok(const char *s);

/* The [disputes] rules from the config. */
void plan_disputes_rules(const struct config *cfg, struct dispute_rules *r);
/*
 * Every item for a dispute, in date order (planning order among equals). The items follow from the
 * record alone: today is the contract's and moves nothing (plan_item_live says which are due).
 */
void plan_disputes(const struct dispute_record *d, const struct dispute_rules *r, const struct calendar *cal, int today,
    struct dispute_plan *out);
void plan_disputes_free(struct dispute_plan *p);
/*
 * Apply a move up (DISPUTE_RULE_ADVANCE) to the record: the next stage starts on the item's due
 * date. The caller records the history.
 */
void plan_disputes_advance(struct dispute_record *d, const struct calendar *cal, int on);
/*
 * What happens next if nobody responds: for each stage from the current one, its start and
 * deadline (stages before the current one are DATE_NONE). Returns the number of stages.
 */
int plan_disputes_projection(const struct dispute_record *d, const struct calendar *cal, int *starts, int *dues);

/* Nearest-rank percentile (50: the median, averaging the two middle values) of n values (sorted here). */
double plan_disputes_percentile(int *values, int n, int pct);

#endif
