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
#include "outbox.h"
#include "plan_actions.h"
#include "roles.h"
#include "watch.h"
#include "render.h"
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

/* Escape text for HTML, newlines as line breaks. */
static char *
watch_actions_html(const char *s)
{
	return render_html_escape(s, strlen(s), 1);
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
	char buf[11], *out;

	if (a->progress_on == DATE_NONE && a->progress_note == NULL)
		xasprintf(&out, "none recorded since it was imported on %s", date_format(a->imported_on, buf));
	else if (a->progress_on == DATE_NONE)
		xasprintf(&out, "%s", a->progress_note);
	else
		xasprintf(&out, "%s: %s", date_format(a->progress_on, buf), a->progress_note != NULL ? a->progress_note : "");
	return out;
}

/* Compose and enqueue one notice. 0 (enqueued or skipped with a warning), or -1 with *cause. */
static int
watch_actions_send(struct store *s, const struct config *cfg, const struct action *a, const struct plan_action_item *it,
    int today, time_t now, char **cause)
{
	struct outbox_item o;
	struct role_route route;
	enum action_rag rag = plan_actions_rag(a, cfg, cfg->calendar, today);
	int overdue = plan_actions_overdue(a, cfg->calendar, today), added = 0, rc = -1, until_due = 0;
	char due[11], *shorttext = NULL, *progress = NULL, *subject = NULL, *text = NULL, *html = NULL, *batch = NULL;
	char *batch_html = NULL, *others = NULL, *e_text = NULL, *e_short = NULL, *e_lead = NULL, *e_prog = NULL;
	char *detail = NULL, *state = NULL, *why = NULL;
	const char *kind, *what;
	time_t at;

	if (actions_notice_state(s, it->dedupe_key, &state, &at) == 0) {
		free(state);
		return 0; /* already in the outbox: a second pass is a no-op */
	}
	if (roles_route(s, cfg, it->recipient, &route, cause) != 0) {
		if (watch_actions_first_warning(it->dedupe_key))
			log_warnx("actions: %s %s: %s; notice skipped", a->plan, a->ref, *cause);
		free(*cause);
		*cause = NULL;
		role_route_free(&route);
		return 0;
	}
	if (a->due_on != DATE_NONE) {
		date_format(a->due_on, due);
		until_due = today <= a->due_on ? calendar_working_days_between(cfg->calendar, today, a->due_on) : 0;
	} else
		strcpy(due, "none");
	shorttext = watch_actions_short(a->text, WATCH_ACTIONS_SHORT);
	progress = watch_actions_progress(a);
	e_text = watch_actions_html(a->text);
	e_short = watch_actions_html(shorttext);
	e_lead = watch_actions_html(a->lead_role);
	e_prog = watch_actions_html(progress);
	memset(&o, 0, sizeof o);
	o.dedupe_key = it->dedupe_key;
	o.transport = route.transport;
	o.recipient = route.email;
	switch (it->rule) {
	case PLAN_ACTION_REMIND:
		kind = "reminder", what = "action-reminder";
		xasprintf(&subject, "Improvement action %s %s due %s", a->plan, a->ref, due);
		xasprintf(&why, "due %s, in %d working days", due, until_due);
		o.urgency = 1000 - until_due;
		break;
	case PLAN_ACTION_NUDGE:
		kind = "reminder", what = "action-nudge";
		xasprintf(&subject, "Improvement action %s %s: progress update needed", a->plan, a->ref);
		if (overdue > 0)
			xasprintf(&why, "no progress update; due %s, %d working days overdue", due, overdue);
		else
			xasprintf(&why, "no progress update; due %s", due);
		o.urgency = overdue > 0 ? 2000 + overdue : 500 - until_due;
		break;
	default:
		kind = "escalation", what = "action-escalation";
		xasprintf(&subject, "Overdue improvement action %s %s: escalation %d", a->plan, a->ref, it->level);
		others = watch_actions_people(s, cfg, it->told, it->recipient);
		o.urgency = 3000 + overdue;
		break;
	}
	if (it->rule != PLAN_ACTION_ESCALATE) {
		xasprintf(&batch, "%s %s: %s\n   Due %s. RAG %s. Last progress: %s", a->plan, a->ref, shorttext, due,
		    plan_actions_rag_name(rag), progress);
		if (overdue > 0)
			xappendf(&batch, "\n   %d working days overdue.", overdue);
		xasprintf(&batch_html, "<b>%s %s</b>: %s<br>Due %s. RAG <b>%s</b>. Last progress: %s%s", a->plan, a->ref, e_short,
		    due, plan_actions_rag_name(rag), e_prog, overdue > 0 ? "<br>Overdue." : "");
		xasprintf(&text,
		    "Improvement action %s %s needs your attention as its lead officer (%s).\n\n"
		    "Action: %s\nDue: %s (RAG %s)\nLast progress: %s\n\n"
		    "Please record progress (driftwatchctl actions progress %s %s --note ...).\n-- \nSent by driftwatch.\n",
		    a->plan, a->ref, why, a->text, due, plan_actions_rag_name(rag), progress, a->plan, a->ref);
		xasprintf(&html,
		    "<!DOCTYPE html><html><body style=\"font-family:Arial,sans-serif\"><p>Improvement action <b>%s %s</b> "
		    "needs your attention as its lead officer.</p><p>Action: %s</p><p>Due: %s (RAG <b>%s</b>)<br>Last "
		    "progress: %s</p></body></html>",
		    a->plan, a->ref, e_text, due, plan_actions_rag_name(rag), e_prog);
		o.batch_text = batch;
		o.batch_html = batch_html;
	} else {
		char *e_others = watch_actions_html(others);
		xasprintf(&text,
		    "Improvement action %s %s was due on %s and is not complete: %d working days overdue (RAG %s).\n\n"
		    "You receive this as: %s.\nEscalation %d: %s\n\n"
		    "Action: %s\nLead officer: %s\nLast progress: %s\n\n"
		    "Who else has been told: %s.\n-- \nSent by driftwatch.\n",
		    a->plan, a->ref, due, overdue, plan_actions_rag_name(rag),
		    it->copy ? "a copy (told at an earlier level)" : it->as, it->level, it->reason, a->text, a->lead_role, progress,
		    others);
		xasprintf(&html,
		    "<!DOCTYPE html><html><body style=\"font-family:Arial,sans-serif\"><p>Improvement action <b>%s %s</b> was "
		    "due on %s and is not complete: <b>%d working days overdue</b>.</p><p>Action: %s<br>Lead officer: %s<br>"
		    "Last progress: %s</p><p>Who else has been told: %s.</p></body></html>",
		    a->plan, a->ref, due, overdue, e_text, e_lead, e_prog, e_others);
		free(e_others);
	}
	o.kind = kind;
	o.subject = subject;
	o.body_text = text;
	o.body_html = html;
	if (outbox_enqueue(s, cfg, &o, now, &added, cause) != 0)
		goto out;
	if (added) {
		xasprintf(&detail, "%s to %s (%s): %s", kind, it->recipient, it->as, it->reason);
		if (audit_add(s, now, "daemon", what, a->ref, detail, cause) != 0)
			goto out;
		log_info("actions: %s %s: %s %d to %s (%s)", a->plan, a->ref, kind, it->level, it->recipient, it->as);
	}
	rc = 0;
out:
	free(shorttext), free(progress), free(subject), free(text), free(html), free(batch), free(batch_html);
	free(others), free(e_text), free(e_short), free(e_lead), free(e_prog), free(detail), free(why);
	role_route_free(&route);
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
