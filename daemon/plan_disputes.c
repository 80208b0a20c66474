/*
 * plan_disputes.c: the IRO dispute-resolution ladder (IRO Handbook ch. 6) as pure functions:
 * from a dispute, its recorded ladder, the rules and the calendar to every notice and move up
 * due. Deadlines are working days with the start as day 0; a stage whose deadline passes with no
 * response moves up on the next working day.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "plan_disputes.h"

const char *const plan_disputes_categories[] = { "drift-and-delay", "permanence", "care-plan", "assessment",
	"placement", "contact", "health", "education", "legal-status", "other", NULL };

/* The rule's name. */
const char *
plan_disputes_rule_name(enum dispute_rule rule)
{
	switch (rule) {
	case DISPUTE_RULE_STAGE:
		return "stage";
	case DISPUTE_RULE_RAISED:
		return "raised";
	case DISPUTE_RULE_MOVED:
		return "moved";
	case DISPUTE_RULE_REMINDER:
		return "reminder";
	case DISPUTE_RULE_ADVANCE:
		return "move-up";
	case DISPUTE_RULE_LAST_STAGE:
		return "last-stage";
	case DISPUTE_RULE_IRO_ASK:
		return "iro-ask";
	case DISPUTE_RULE_IRO_REMIND:
		return "iro-remind";
	case DISPUTE_RULE_TOTAL_LIMIT:
		return "total-limit";
	case DISPUTE_RULE_RESOLVED:
		return "resolved";
	}
	return "?";
}

/* Copy the ini's ladder. */
void
plan_disputes_ladder_from_config(const struct config *cfg, struct dispute_ladder *l)
{
	int i;

	memset(l, 0, sizeof *l);
	for (i = 0; i < cfg->disputes_nstages && i < DISPUTE_STAGES_MAX; i++) {
		snprintf(l->stages[i].name, sizeof l->stages[i].name, "%s", cfg->disputes_stages[i].name);
		snprintf(
		    l->stages[i].responder, sizeof l->stages[i].responder, "%s", cfg->disputes_stages[i].responder);
		l->stages[i].limit_wd = cfg->disputes_stages[i].limit.n;
	}
	l->n = i;
}

/* A stage by name. */
int
plan_disputes_stage_index(const struct dispute_ladder *l, const char *name)
{
	int i;

	for (i = 0; name != NULL && i < l->n; i++) {
		if (strcmp(l->stages[i].name, name) == 0)
			return i;
	}
	return -1;
}

/* Formal unless named informal. */
bool
plan_disputes_stage_formal(const struct dispute_stage *st)
{
	return strcmp(st->name, "informal") != 0;
}

/* A stage's deadline. */
int
plan_disputes_stage_due(const struct calendar *cal, const struct dispute_ladder *l, int stage, int started)
{
	return calendar_add_working_days(cal, started, l->stages[stage].limit_wd);
}

/* A known category? */
bool
plan_disputes_category_ok(const char *category)
{
	int i;

	for (i = 0; category != NULL && plan_disputes_categories[i] != NULL; i++) {
		if (strcmp(plan_disputes_categories[i], category) == 0)
			return true;
	}
	return false;
}

/* One plain address. */
bool
plan_disputes_address_ok(const char *s)
{
	const char *at, *c;

	if (s == NULL || (at = strchr(s, '@')) == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	for (c = s; *c != '\0'; c++) {
		if ((unsigned char)*c <= 0x20 || *c == 0x7f || strchr(",;<>\"()[]\\", *c) != NULL)
			return false;
	}
	return strchr(at + 1, '.') != NULL;
}

/* Append one item. */
static void plan_disputes_add(struct dispute_plan *out, enum dispute_rule rule, int due, int until, int stage,
    const char *recipient, bool urgent_kind, const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static void
plan_disputes_add(struct dispute_plan *out, enum dispute_rule rule, int due, int until, int stage,
    const char *recipient, bool urgent_kind, const char *fmt, ...)
{
	struct dispute_item *it = plan_items_push(&out->items);
	va_list ap;

	it->head.due = due;
	it->head.until = until;
	it->rule = rule;
	it->stage = stage;
	it->urgent_kind = urgent_kind;
	snprintf(it->recipient, sizeof it->recipient, "%s", recipient);
	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof it->reason, fmt, ap);
	va_end(ap);
}

/* Order items by due date, keeping the planning order among equals. */
static int
plan_disputes_cmp(const void *a, const void *b)
{
	const struct dispute_item *x = a, *y = b;

	if (x->head.due != y->head.due)
		return x->head.due < y->head.due ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* See plan_disputes.h. */
void
plan_disputes_rules(const struct config *cfg, struct dispute_rules *r)
{
	memset(r, 0, sizeof *r);
	r->remind_before = cfg->disputes_remind_before;
	r->iro_reminder_after = cfg->disputes_iro_reminder_after;
	r->total_limit = cfg->disputes_total_limit;
}

/* Every item; see plan_disputes.h. */
void
plan_disputes(const struct dispute_record *d, const struct dispute_rules *r, const struct calendar *cal, int today,
    struct dispute_plan *out)
{
	const struct dispute_stage *st;
	char due_s[11], other[11];
	int i, j, remind, after, until, last;
	bool seen;

	(void)today;
	plan_items_init(&out->items, sizeof(struct dispute_item));
	if (d->ladder.n == 0 || d->stage < 0 || d->stage >= d->ladder.n)
		return;
	st = &d->ladder.stages[d->stage];
	date_format(d->stage_due_on, due_s);

	if (d->resolved_on != DATE_NONE) {
		/* The outcome, to the IRO and every responder the dispute reached. */
		until = calendar_add_working_days(cal, d->resolved_on, 10);
		plan_disputes_add(out, DISPUTE_RULE_RESOLVED, d->resolved_on, until, d->stage, "iro", true,
		    "resolved at stage %s: the outcome to the IRO", st->name);
		for (i = 0; i < d->nvisited; i++) {
			const char *who = d->ladder.stages[d->visited[i]].responder;
			for (seen = false, j = 0; j < i; j++)
				seen = seen || strcmp(d->ladder.stages[d->visited[j]].responder, who) == 0;
			if (!seen)
				plan_disputes_add(out, DISPUTE_RULE_RESOLVED, d->resolved_on, until, d->visited[i], who,
				    true, "resolved: the outcome to the %s (stage %s)", who,
				    d->ladder.stages[d->visited[i]].name);
		}
		return;
	}

	/* Entering the stage: the responder, and the IRO (confirmation, or moved up). */
	if (d->entry != DISPUTE_ENTRY_IMPORTED) {
		plan_disputes_add(out, DISPUTE_RULE_STAGE, d->stage_started_on, d->stage_due_on, d->stage,
		    st->responder, true, "stage %s: the %s must respond by %s", st->name, st->responder, due_s);
		if (d->entry == DISPUTE_ENTRY_RAISED)
			plan_disputes_add(out, DISPUTE_RULE_RAISED, d->stage_started_on, d->stage_due_on, d->stage,
			    "iro", true, "raised at stage %s: confirmation to the IRO", st->name);
		else {
			const char *how = d->entry == DISPUTE_ENTRY_MOVED_UP ? "moved up (no response in time)" :
									       "escalated by the IRO";
			plan_disputes_add(out, DISPUTE_RULE_MOVED, d->stage_started_on, d->stage_due_on, d->stage,
			    "iro", true, "%s to stage %s: the IRO is told", how, st->name);
			if (d->prev_stage >= 0 && d->prev_stage < d->ladder.n &&
			    strcmp(d->ladder.stages[d->prev_stage].responder, st->responder) != 0)
				plan_disputes_add(out, DISPUTE_RULE_MOVED, d->stage_started_on, d->stage_due_on,
				    d->prev_stage, d->ladder.stages[d->prev_stage].responder, true,
				    "%s to stage %s: the previous responder is told", how, st->name);
		}
	}

	last = d->ladder.n - 1;
	if (d->responded_on == DATE_NONE) {
		remind = calendar_sub(cal, d->stage_due_on, &r->remind_before);
		if (r->remind_before.n > 0 && remind > d->stage_started_on)
			plan_disputes_add(out, DISPUTE_RULE_REMINDER, remind, d->stage_due_on, d->stage, st->responder,
			    false, "stage %s: reminder, the response is due by %s", st->name, due_s);
		after = calendar_add_working_days(cal, d->stage_due_on, 1);
		if (d->stage < last)
			plan_disputes_add(out, DISPUTE_RULE_ADVANCE, after, DATE_NONE, d->stage + 1, st->responder,
			    true, "no response by %s: moves up to stage %s", due_s,
			    d->ladder.stages[d->stage + 1].name);
		else
			plan_disputes_add(out, DISPUTE_RULE_LAST_STAGE, after,
			    calendar_add_working_days(cal, after, 10), d->stage, "iro", true,
			    "no response by %s at the last stage (%s): flagged, no further move", due_s, st->name);
		if (d->stage == last)
			plan_disputes_add(out, DISPUTE_RULE_LAST_STAGE, after,
			    calendar_add_working_days(cal, after, 10), d->stage, "iro-manager", true,
			    "no response by %s at the last stage (%s): flagged, no further move", due_s, st->name);
	} else {
		date_format(d->responded_on, other);
		plan_disputes_add(out, DISPUTE_RULE_IRO_ASK, d->responded_on,
		    calendar_add_working_days(cal, d->responded_on, 10), d->stage, "iro", true,
		    "stage %s: response on %s; the IRO is asked to resolve or escalate", st->name, other);
		remind = calendar_add(cal, d->responded_on, &r->iro_reminder_after);
		if (r->iro_reminder_after.n > 0)
			plan_disputes_add(out, DISPUTE_RULE_IRO_REMIND, remind,
			    calendar_add_working_days(cal, remind, 10), d->stage, "iro", false,
			    "stage %s: response on %s not yet acted on: reminder to the IRO", st->name, other);
	}

	/* The formal process in total: flagged once, the working day after the limit. */
	if (d->formal_started_on != DATE_NONE && r->total_limit.n > 0) {
		int limit = calendar_add(cal, d->formal_started_on, &r->total_limit);
		after = calendar_add_working_days(cal, limit, 1);
		date_format(limit, other);
		date_format(d->formal_started_on, due_s);
		plan_disputes_add(out, DISPUTE_RULE_TOTAL_LIMIT, after, DATE_NONE, d->stage, "dcs", true,
		    "formal process since %s past its total limit (%s)", due_s, other);
		plan_disputes_add(out, DISPUTE_RULE_TOTAL_LIMIT, after, DATE_NONE, d->stage, "iro-manager", true,
		    "formal process since %s past its total limit (%s)", due_s, other);
	}
	plan_items_sort(&out->items, plan_disputes_cmp);
}

/* See plan_disputes.h. */
void
plan_disputes_free(struct dispute_plan *p)
{
	plan_items_free(&p->items);
}

/* Move up one stage, starting on `on`. */
void
plan_disputes_advance(struct dispute_record *d, const struct calendar *cal, int on)
{
	int i;
	bool seen = false;

	if (d->stage + 1 >= d->ladder.n)
		return;
	d->prev_stage = d->stage;
	d->stage++;
	d->stage_started_on = on;
	d->stage_due_on = plan_disputes_stage_due(cal, &d->ladder, d->stage, on);
	d->responded_on = DATE_NONE;
	d->entry = DISPUTE_ENTRY_MOVED_UP;
	if (d->formal_started_on == DATE_NONE && plan_disputes_stage_formal(&d->ladder.stages[d->stage]))
		d->formal_started_on = on;
	for (i = 0; i < d->nvisited; i++)
		seen = seen || d->visited[i] == d->stage;
	if (!seen && d->nvisited < DISPUTE_STAGES_MAX)
		d->visited[d->nvisited++] = d->stage;
}

/* Dates each stage would run on if nobody responds. */
int
plan_disputes_projection(const struct dispute_record *d, const struct calendar *cal, int *starts, int *dues)
{
	int i, start;

	for (i = 0; i < d->ladder.n; i++)
		starts[i] = dues[i] = DATE_NONE;
	if (d->stage < 0 || d->stage >= d->ladder.n)
		return d->ladder.n;
	starts[d->stage] = d->stage_started_on;
	dues[d->stage] = d->stage_due_on;
	if (d->responded_on != DATE_NONE || d->resolved_on != DATE_NONE)
		return d->ladder.n;
	for (i = d->stage + 1; i < d->ladder.n; i++) {
		start = calendar_add_working_days(cal, dues[i - 1], 1);
		starts[i] = start;
		dues[i] = plan_disputes_stage_due(cal, &d->ladder, i, start);
	}
	return d->ladder.n;
}

/* For qsort. */
static int
plan_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* A percentile. */
double
plan_disputes_percentile(int *values, int n, int pct)
{
	int rank;

	if (n <= 0)
		return NAN;
	qsort(values, (size_t)n, sizeof *values, plan_int_cmp);
	if (pct == 50)
		return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
	rank = (int)ceil(pct / 100.0 * n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return values[rank - 1];
}
