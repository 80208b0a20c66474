/*
 * plan_actions.c: the action-plan planner (pure). RAG is computed from the dates, never typed;
 * notices follow the [actions] rules: remind_before, stale_after and the escalate ladder.
 * Each item carries the last date it is still worth sending, so a daemon that was down, or a plan
 * imported late, sends the notice that fits today rather than every one it missed.
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "plan_actions.h"
#include "xmalloc.h"

#define PLAN_ACTIONS_MAX_HOPS 16

/* Whom a role reports to in the org chart (NULL: nobody, or unknown). */
static const char *
plan_actions_up(const struct plan_actions_org *org, const char *key)
{
	int i;

	if (org == NULL || key == NULL)
		return NULL;
	for (i = 0; i < org->n; i++) {
		if (strcmp(org->lines[i].key, key) == 0)
			return org->lines[i].reports_to != NULL && *org->lines[i].reports_to != '\0' ?
			    org->lines[i].reports_to :
			    NULL;
	}
	return NULL;
}

/* See plan_actions.h. */
bool
plan_actions_complete(const struct action *a, int date)
{
	if (a->status == ACTION_COMPLETE)
		return a->completed_on == DATE_NONE || a->completed_on <= date;
	return a->completed_on != DATE_NONE && a->completed_on <= date;
}

/* See plan_actions.h. */
int
plan_actions_progress_base(const struct action *a)
{
	return a->progress_on != DATE_NONE ? a->progress_on : a->imported_on;
}

/* See plan_actions.h. */
int
plan_actions_overdue(const struct action *a, const struct calendar *cal, int date)
{
	if (a->due_on == DATE_NONE || date <= a->due_on)
		return 0;
	return calendar_working_days_between(cal, a->due_on, date);
}

/* Is progress stale at date? */
static bool
plan_actions_stale(const struct action *a, const struct config *cfg, const struct calendar *cal, int date)
{
	int base = plan_actions_progress_base(a);

	return base != DATE_NONE && date >= calendar_add(cal, base, &cfg->actions_stale_after);
}

/* See plan_actions.h. */
enum action_rag
plan_actions_rag(const struct action *a, const struct config *cfg, const struct calendar *cal, int date)
{
	if (a->status == ACTION_DROPPED)
		return RAG_DROPPED;
	if (plan_actions_complete(a, date))
		return RAG_BLUE;
	if (a->due_on == DATE_NONE)
		return RAG_NO_TIMESCALE;
	if (date > a->due_on)
		return RAG_RED;
	if (a->due_on <= calendar_add(cal, date, &cfg->actions_amber_within) || plan_actions_stale(a, cfg, cal, date))
		return RAG_AMBER;
	return RAG_GREEN;
}

/* See plan_actions.h. */
const char *
plan_actions_rag_name(enum action_rag rag)
{
	switch (rag) {
	case RAG_RED:
		return "Red";
	case RAG_AMBER:
		return "Amber";
	case RAG_GREEN:
		return "Green";
	case RAG_BLUE:
		return "Blue";
	case RAG_NO_TIMESCALE:
		return "no timescale";
	case RAG_DROPPED:
		return "dropped";
	}
	return "?";
}

/* See plan_actions.h. */
int
plan_actions_rag_parse(const char *s)
{
	static const char *const names[] = { "red", "amber", "green", "blue", "none", "dropped", NULL };
	int i;

	for (i = 0; names[i] != NULL; i++) {
		if (strcasecmp(s, names[i]) == 0)
			return i;
	}
	return -1;
}

/* Append one item. */
static struct plan_action_item *
plan_actions_add(struct plan_action_items *out, enum plan_action_rule rule, int due, int until, int level,
    const char *recipient, const char *as)
{
	struct plan_action_item *it;

	out->v = xreallocarray(out->v, (size_t)out->n + 1, sizeof *out->v);
	it = &out->v[out->n++];
	memset(it, 0, sizeof *it);
	it->rule = rule;
	it->due = due;
	it->until = until;
	it->level = level;
	it->recipient = recipient != NULL ? xstrdup(recipient) : NULL;
	it->as = xstrdup(as);
	return it;
}

/* Add key to a list of at most max keys unless it is there; returns 1 when added. */
static int
plan_actions_list_add(const char **list, int *n, int max, const char *key)
{
	int i;

	if (key == NULL)
		return 0;
	for (i = 0; i < *n; i++) {
		if (strcmp(list[i], key) == 0)
			return 0;
	}
	if (*n >= max)
		return 0;
	list[(*n)++] = key;
	return 1;
}

/* The roles a ladder rung names: lead, manager, manager+N, or a role key. */
static void
plan_actions_resolve(
    const struct action *a, const struct plan_actions_org *org, const char *who, const char **keys, int *n, int max)
{
	int i, hops = -1, h;
	const char *k;

	*n = 0;
	if (strcmp(who, "lead") == 0) {
		for (i = 0; i < a->nleads; i++)
			plan_actions_list_add(keys, n, max, a->lead_keys[i]);
		return;
	}
	if (strcmp(who, "manager") == 0)
		hops = 1;
	else if (strncmp(who, "manager+", 8) == 0)
		hops = 1 + atoi(who + 8);
	if (hops < 0) {
		plan_actions_list_add(keys, n, max, who);
		return;
	}
	if (hops > PLAN_ACTIONS_MAX_HOPS)
		hops = PLAN_ACTIONS_MAX_HOPS;
	for (i = 0; i < a->nleads; i++) {
		for (k = a->lead_keys[i], h = 0; k != NULL && h < hops; h++)
			k = plan_actions_up(org, k);
		plan_actions_list_add(keys, n, max, k);
	}
}

/* Compare items by due date, then rule, level, recipient. */
static int
plan_actions_cmp(const void *x, const void *y)
{
	const struct plan_action_item *a = x, *b = y;

	if (a->due != b->due)
		return a->due < b->due ? -1 : 1;
	if (a->rule != b->rule)
		return (int)a->rule - (int)b->rule;
	if (a->level != b->level)
		return a->level - b->level;
	if (a->copy != b->copy)
		return a->copy ? 1 : -1;
	if (a->recipient == NULL || b->recipient == NULL)
		return a->recipient == NULL ? -1 : b->recipient == NULL;
	return strcmp(a->recipient, b->recipient);
}

/* Reminders before due_on: each worth sending until the next one (the last until the day before due). */
static void
plan_actions_reminders(
    const struct action *a, const struct config *cfg, const struct calendar *cal, struct plan_action_items *out)
{
	int dates[CONFIG_LIST_MAX], order[CONFIG_LIST_MAX], n = cfg->actions_nremind_before, i, j, t, until;
	char buf[11], dur[16];
	struct plan_action_item *it;

	for (i = 0; i < n; i++) {
		dates[i] = calendar_sub(cal, a->due_on, &cfg->actions_remind_before[i]);
		order[i] = i;
	}
	for (i = 1; i < n; i++) { /* earliest first */
		for (j = i; j > 0 && dates[order[j]] < dates[order[j - 1]]; j--)
			t = order[j], order[j] = order[j - 1], order[j - 1] = t;
	}
	for (i = 0; i < n; i++) {
		const int d = dates[order[i]];
		if (d >= a->due_on || (i + 1 < n && dates[order[i + 1]] == d))
			continue; /* on or after due, or the same day as a closer reminder */
		until = i + 1 < n && dates[order[i + 1]] < a->due_on ? dates[order[i + 1]] - 1 : a->due_on - 1;
		duration_format(&cfg->actions_remind_before[order[i]], dur);
		for (j = 0; j < a->nleads; j++) {
			it =
			    plan_actions_add(out, PLAN_ACTION_REMIND, d, until, i + 1, a->lead_keys[j], "lead officer");
			xasprintf(&it->reason, "due %s: reminder %s before due_on", date_format(a->due_on, buf), dur);
			xasprintf(&it->dedupe_key, "actions:remind:%s:%s:due=%s:%s:%s", a->plan, a->ref, buf, dur,
			    a->lead_keys[j]);
		}
	}
}

/* Stale-progress nudges: the latest occurrence on or before today and the next one. */
static void
plan_actions_nudges(const struct action *a, const struct config *cfg, const struct calendar *cal, int today,
    struct plan_action_items *out)
{
	int base = plan_actions_progress_base(a), k, occ, next, last = 0, j;
	char b1[11], b2[11];
	struct plan_action_item *it;
	struct duration step = cfg->actions_stale_after;

	if (base == DATE_NONE || step.n <= 0)
		return;
	/* k-th occurrence: base + k * stale_after; find the latest on or before today. */
	for (k = 1;; k++) {
		step.n = cfg->actions_stale_after.n * k;
		occ = calendar_add(cal, base, &step);
		if (occ > today)
			break;
		last = k;
		if (k > 100000)
			break;
	}
	for (k = last > 0 ? last : 1; k <= last + 1; k++) {
		step.n = cfg->actions_stale_after.n * k;
		occ = calendar_add(cal, base, &step);
		step.n = cfg->actions_stale_after.n * (k + 1);
		next = calendar_add(cal, base, &step);
		for (j = 0; j < a->nleads; j++) {
			it = plan_actions_add(out, PLAN_ACTION_NUDGE, calendar_next_working_day(cal, occ), next - 1, k,
			    a->lead_keys[j], "lead officer");
			duration_format(&cfg->actions_stale_after, b2);
			xasprintf(&it->reason, "no progress recorded since %s (stale after %s): nudge %d",
			    date_format(base, b1), b2, k);
			xasprintf(&it->dedupe_key, "actions:nudge:%s:%s:since=%s:%s:%s", a->plan, a->ref, b1,
			    date_format(occ, b2), a->lead_keys[j]);
		}
	}
}

/* The overdue ladder: level k tells its rung and copies everyone told before; the lead is always told. */
static void
plan_actions_ladder(const struct action *a, const struct config *cfg, const struct calendar *cal,
    const struct plan_actions_org *org, struct plan_action_items *out)
{
	const char *told[64], *rung[16], *level_told[CONFIG_LIST_MAX][64];
	int ntold = 0, nrung, nlevel_told[CONFIG_LIST_MAX], dates[CONFIG_LIST_MAX], live[CONFIG_LIST_MAX];
	int i, j, k, fresh, until, level;
	char buf[11], dur[16], *list;
	struct plan_action_item *it;

	for (i = 0; i < a->nleads; i++)
		plan_actions_list_add(told, &ntold, 64, a->lead_keys[i]);
	for (i = 0; i < cfg->actions_nescalate; i++) {
		const struct config_escalation *e = &cfg->actions_escalate[i];
		plan_actions_resolve(a, org, e->who, rung, &nrung, 16);
		fresh = i == 0; /* the first rung always tells the lead officer that the action is overdue */
		for (j = 0; j < nrung; j++)
			fresh |= plan_actions_list_add(told, &ntold, 64, rung[j]);
		dates[i] = calendar_add(cal, a->due_on, &e->after);
		if (dates[i] <= a->due_on)
			dates[i] = calendar_next_working_day(cal, a->due_on + 1);
		live[i] = fresh;
		memcpy(level_told[i], told, sizeof told[0] * (size_t)ntold);
		nlevel_told[i] = ntold;
	}
	for (i = 0, level = 0; i < cfg->actions_nescalate; i++) {
		const struct config_escalation *e = &cfg->actions_escalate[i];
		duration_format(&e->after, dur);
		if (!live[i]) {
			it = plan_actions_add(out, PLAN_ACTION_ESCALATE, dates[i], DATE_NONE, i + 1, NULL, e->who);
			xasprintf(&it->reason,
			    "overdue %s after due_on: nobody new to tell at %s (no such role above the lead)", dur,
			    e->who);
			xasprintf(&it->dedupe_key, "actions:escalate:%s:%s:due=%s:L%d:-", a->plan, a->ref,
			    date_format(a->due_on, buf), i + 1);
			continue;
		}
		level++;
		until = DATE_NONE;
		for (k = i + 1; k < cfg->actions_nescalate; k++) {
			if (live[k]) {
				until = dates[k] - 1;
				break;
			}
		}
		plan_actions_resolve(a, org, e->who, rung, &nrung, 16);
		list = NULL;
		for (j = 0; j < nlevel_told[i]; j++)
			xappendf(&list, "%s%s", j > 0 ? "," : "", level_told[i][j]);
		for (j = 0; j < nlevel_told[i]; j++) {
			const char *key = level_told[i][j], *as = "copy";
			bool copy = true;
			int r;
			for (r = 0; r < nrung; r++) {
				if (strcmp(rung[r], key) == 0)
					as = e->who, copy = false;
			}
			for (r = 0; r < a->nleads && copy; r++) {
				if (strcmp(a->lead_keys[r], key) == 0) {
					as = "lead officer";
					copy = i > 0;
				}
			}
			it = plan_actions_add(out, PLAN_ACTION_ESCALATE, dates[i], until, i + 1, key, as);
			it->copy = copy;
			it->told = xstrdup(list);
			xasprintf(&it->reason, "overdue since %s: escalation %d (%s after due_on) to %s%s",
			    date_format(a->due_on, buf), level, dur, e->who, copy ? "; copied as told before" : "");
			xasprintf(
			    &it->dedupe_key, "actions:escalate:%s:%s:due=%s:L%d:%s", a->plan, a->ref, buf, i + 1, key);
		}
		free(list);
	}
}

/* See plan_actions.h. */
void
plan_actions(const struct action *a, const struct config *cfg, const struct calendar *cal,
    const struct plan_actions_org *org, int today, struct plan_action_items *out)
{
	int i, stop = DATE_NONE;

	memset(out, 0, sizeof *out);
	if (a->status == ACTION_DROPPED || a->nleads == 0)
		return;
	if (plan_actions_complete(a, today))
		stop = a->completed_on != DATE_NONE ? a->completed_on - 1 : today - 1;
	if (a->due_on != DATE_NONE) {
		plan_actions_reminders(a, cfg, cal, out);
		plan_actions_ladder(a, cfg, cal, org, out);
	}
	if (!plan_actions_complete(a, today))
		plan_actions_nudges(a, cfg, cal, today, out);
	/* Completing an action stops its ladder: nothing is worth sending from the day it was completed. */
	if (stop != DATE_NONE) {
		for (i = 0; i < out->n; i++) {
			if (out->v[i].until == DATE_NONE || out->v[i].until > stop)
				out->v[i].until = stop;
		}
	}
	qsort(out->v, (size_t)out->n, sizeof *out->v, plan_actions_cmp);
}

/* See plan_actions.h. */
void
plan_action_items_free(struct plan_action_items *items)
{
	int i;

	for (i = 0; i < items->n; i++) {
		free(items->v[i].recipient);
		free(items->v[i].as);
		free(items->v[i].reason);
		free(items->v[i].dedupe_key);
		free(items->v[i].told);
	}
	free(items->v);
	memset(items, 0, sizeof *items);
}
