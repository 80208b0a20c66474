/*
 * watch_actions.c: the action-plan watcher. Plans every watched action at now and puts what is
 * due into the outbox: reminders and nudges to lead officers (batched per person and send window),
 * and overdue escalations up the management line (sent singly, naming who else has been told).
 * Dedupe keys name the rule, the action, the due date it was planned from, the level and the role,
 * so a second pass or a restart sends nothing twice and a changed due date re-plans.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "dirty.h"
#include "log.h"
#include "notice.h"
#include "plan_actions.h"
#include "roles.h"
#include "watch.h"
#include "xmalloc.h"

#define WATCH_ACTIONS_SHORT 90
#define WATCH_ACTIONS_WARNED 512

/* Notices already warned about (a role without email), so each pass does not repeat the warning. */
static char *watch_actions_warned[WATCH_ACTIONS_WARNED];

/* True the first time a dedupe key is seen here. */
static bool
watch_actions_first_warning(const char *key)
{
	int i;

	for (i = 0; i < WATCH_ACTIONS_WARNED && watch_actions_warned[i] != NULL; i++) {
		if (strcmp(watch_actions_warned[i], key) == 0)
			return false;
	}
	if (i < WATCH_ACTIONS_WARNED)
		watch_actions_warned[i] = xstrdup(key);
	return true;
}

/* The action text cut to about n characters at a word boundary (UTF-8 safe), with "...". */
static char *
watch_actions_short(const char *text, size_t n)
{
	size_t len = strlen(text), cut;
	char *out;

	if (len <= n)
		return xstrdup(text);
	for (cut = n; cut > n / 2 && text[cut] != ' '; cut--)
		;
	while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80)
		cut--;
	xasprintf(&out, "%.*s...", (int)cut, text);
	return out;
}

/* Role keys joined as "Title (key), ..." except one. */
static char *
watch_actions_people(struct store *s, const struct config *cfg, const char *keys, const char *except)
{
	char *copy = xstrdup(keys != NULL ? keys : ""), *k, *save = NULL, *out = NULL, *title;

	for (k = strtok_r(copy, ",", &save); k != NULL; k = strtok_r(NULL, ",", &save)) {
		if (except != NULL && strcmp(k, except) == 0)
			continue;
		title = actions_role_title(s, cfg, k);
		xappendf(&out, "%s%s (%s)", out != NULL ? ", " : "", title, k);
		free(title);
	}
	free(copy);
	return out != NULL ? out : xstrdup("nobody else");
}

/* The last progress as one line. */
static char *
watch_actions_progress(const struct action *a)
{
	char buf[DATE_BUFSZ], *out;

	if (a->progress_on == DATE_NONE && a->progress_note == NULL)
		xasprintf(&out, "none recorded since it was imported on %s", date_format(a->imported_on, buf));
	else if (a->progress_on == DATE_NONE)
		xasprintf(&out, "%s", a->progress_note);
	else
		xasprintf(
		    &out, "%s: %s", date_format(a->progress_on, buf), a->progress_note != NULL ? a->progress_note : "");
	return out;
}

/* A notice's own strings, freed together. */
struct watch_actions_text {
	char *subject, *heading, *why, *asks, *receive, *others, *progress, *shorttext, *batch, *rag, *overdue;
};

/* Free what a notice's text holds. */
static void
watch_actions_text_free(struct watch_actions_text *t)
{
	free(t->subject), free(t->heading), free(t->why), free(t->asks), free(t->receive), free(t->others);
	free(t->progress), free(t->shorttext), free(t->batch), free(t->rag), free(t->overdue);
}

/* Add a fact to a spec. */
static void
watch_actions_fact(struct notice_spec *n, const char *label, const char *value)
{
	if (n->nfacts < NOTICE_FACTS_MAX)
		n->facts[n->nfacts++] = (struct notice_fact){ label, value };
}

/* Compose and enqueue one notice. 0 (enqueued or skipped with a warning), or -1 with *cause. */
static int
watch_actions_send(struct store *s, const struct config *cfg, const struct action *a, const struct plan_action_item *it,
    int today, time_t now, char **cause)
{
	struct notice_spec n;
	struct notice_route route;
	struct notice_to to = { NOTICE_TO_ROLE, it->recipient, NULL, NULL, false, NULL };
	struct watch_actions_text t;
	enum action_rag rag = plan_actions_rag(a, cfg, cfg->calendar, today);
	int overdue = plan_actions_overdue(a, cfg->calendar, today), added = 0, rc = -1, until_due = 0;
	char due[DATE_BUFSZ], expected[DATE_BUFSZ], *detail = NULL, *why = NULL;
	const char *what, *ragname = plan_actions_rag_name(rag);

	if (notice_state(s, it->dedupe_key, NULL))
		return 0; /* already in the outbox: a second pass is a no-op */
	if (notice_route(s, cfg, &to, &route, &why) != 0) {
		if (watch_actions_first_warning(it->dedupe_key))
			log_warnx("actions: %s %s: %s; notice skipped", a->plan, a->ref, why);
		free(why);
		return 0;
	}
	if (a->due_on != DATE_NONE) {
		date_format(a->due_on, due);
		until_due = today <= a->due_on ? calendar_working_days_between(cfg->calendar, today, a->due_on) : 0;
	} else
		strcpy(due, "none");
	memset(&t, 0, sizeof t);
	memset(&n, 0, sizeof n);
	t.progress = watch_actions_progress(a);
	xasprintf(&t.rag, "%s (RAG %s)", due, ragname);
	n.dedupe_key = it->dedupe_key;
	n.domain = LINK_ACTION;
	n.role = strcmp(it->as, "lead officer") == 0 ? "lead-officer" : "escalation";
	n.ref = a->ref;
	n.plan = a->plan;
	n.due = a->due_on;
	switch (it->rule) {
	case PLAN_ACTION_REMIND:
		n.kind = "reminder", what = "action-reminder";
		xasprintf(&t.subject, "Improvement action %s %s due %s", a->plan, a->ref, due);
		xasprintf(&t.why, "due %s, in %d working days", due, until_due);
		n.urgency = NOTICE_URGENCY_REMINDER - until_due;
		break;
	case PLAN_ACTION_NUDGE:
		n.kind = "reminder", what = "action-nudge";
		xasprintf(&t.subject, "Improvement action %s %s: progress update needed", a->plan, a->ref);
		if (overdue > 0)
			xasprintf(&t.why, "no progress update; due %s, %d working days overdue", due, overdue);
		else
			xasprintf(&t.why, "no progress update; due %s", due);
		n.urgency = overdue > 0 ? NOTICE_URGENCY_OVERDUE + overdue : NOTICE_URGENCY_NUDGE - until_due;
		break;
	default:
		n.kind = "escalation", what = "action-escalation";
		xasprintf(&t.subject, "Overdue improvement action %s %s: escalation %d", a->plan, a->ref, it->level);
		t.others = watch_actions_people(s, cfg, it->told, it->recipient);
		n.urgency = NOTICE_URGENCY_ESCALATION + overdue;
		break;
	}
	n.rule = what;
	n.subject = t.subject;
	if (it->rule != PLAN_ACTION_ESCALATE) {
		t.shorttext = watch_actions_short(a->text, WATCH_ACTIONS_SHORT);
		xasprintf(&t.batch, "%s %s: %s\n   Due %s. RAG %s. Last progress: %s", a->plan, a->ref, t.shorttext,
		    due, ragname, t.progress);
		if (a->expected_on != DATE_NONE)
			xappendf(&t.batch, " Expected by %s.", date_format(a->expected_on, expected));
		if (overdue > 0)
			xappendf(&t.batch, "\n   %d working days overdue.", overdue);
		xasprintf(&t.heading, "Improvement action %s %s needs your attention as its lead officer (%s).",
		    a->plan, a->ref, t.why);
		xasprintf(&t.asks, "Please record progress (driftwatchctl actions progress %s %s --note ...).", a->plan,
		    a->ref);
		n.heading = t.heading;
		n.paras[0] = t.asks;
		n.batch = t.batch;
	} else {
		xasprintf(&t.heading,
		    "Improvement action %s %s was due on %s and is not complete: %d working days overdue (RAG %s).",
		    a->plan, a->ref, due, overdue, ragname);
		xasprintf(&t.receive, "You receive this as: %s.\nEscalation %d: %s",
		    it->copy ? "a copy (told at an earlier level)" : it->as, it->level, it->reason);
		xasprintf(&t.asks, "Who else has been told: %s.", t.others);
		n.heading = t.heading;
		n.paras[0] = t.receive;
		n.paras[1] = t.asks;
	}
	watch_actions_fact(&n, "Action", a->text);
	watch_actions_fact(&n, "Due", t.rag);
	if (it->rule == PLAN_ACTION_ESCALATE) {
		watch_actions_fact(&n, "Lead officer", a->lead_role);
		xasprintf(&t.overdue, "%d working days", overdue);
		watch_actions_fact(&n, "Overdue by", t.overdue);
	}
	watch_actions_fact(&n, "Last progress", t.progress);
	/* The lead officer's word: shown, but the deadline, the RAG and the escalations stand. */
	if (a->expected_on != DATE_NONE)
		watch_actions_fact(&n, "Expected by", date_format(a->expected_on, expected));
	if (notice_enqueue(s, cfg, &n, &route, now, &added, cause) != 0)
		goto out;
	if (added) {
		xasprintf(&detail, "%s to %s (%s): %s", n.kind, it->recipient, it->as, it->reason);
		if (audit_add(s, now, "daemon", what, a->ref, detail, cause) != 0)
			goto out;
		log_info("actions: %s %s: %s %d to %s (%s)", a->plan, a->ref, n.kind, it->level, it->recipient, it->as);
	}
	rc = 0;
out:
	free(detail);
	watch_actions_text_free(&t);
	notice_route_free(&route);
	return rc;
}

/* Fire what is due for every watched action. */
static int
watch_actions_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	struct action *v = NULL;
	struct actions_org org;
	struct plan_action_items items;
	int n = 0, i, j, today = calendar_local_date(now), rc = 0;
	time_t at, wake = 0;
	bool all;

	/* One council's plans are a few hundred actions: planned whole, when changed or due (dirty.h). */
	if (dirty_begin(s, "actions", now, &all, &n, cause) != 0)
		return -1;
	if (!all && n == 0) {
		dirty_next(s, "actions", now, next);
		return 0;
	}
	if (actions_load(s, NULL, &v, &n, cause) != 0)
		return -1;
	if (actions_org_open(s, cfg, &org, cause) != 0) {
		actions_free(v, n);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		plan_actions(&v[i], cfg, cfg->calendar, &org.org, today, &items);
		for (j = 0; j < items.n && rc == 0; j++) {
			const struct plan_action_item *it = &items.v[j];
			if (it->recipient == NULL)
				continue;
			at = calendar_local_time(it->due, cfg->send_window.open);
			if (at > now) {
				if (it->until == DATE_NONE || it->until >= it->due) {
					if (wake == 0 || at < wake)
						wake = at;
				}
				continue;
			}
			if (it->until != DATE_NONE && today > it->until)
				continue; /* superseded by a later notice, or the action was completed */
			rc = watch_actions_send(s, cfg, &v[i], it, today, now, cause);
		}
		plan_action_items_free(&items);
	}
	actions_org_close(&org);
	actions_free(v, n);
	if (rc == 0)
		rc = dirty_next_put(s, "actions", "*", wake, cause);
	if (rc == 0)
		dirty_next(s, "actions", now, next);
	return rc;
}

const struct watcher watch_actions = {
	"actions",
	watch_actions_fire,
};
