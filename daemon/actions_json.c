/*
 * actions_json.c: an improvement action as JSON, the one form both `driftwatchctl actions list
 * --json` and the HTTP API (GET /v1/actions) print, its RAG computed at a given date; and its
 * explain (`driftwatchctl explain action PLAN REF --json`, GET /v1/actions/{ref}/explain?plan=P).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions_json.h"
#include "calendar.h"
#include "explain_json.h"
#include "clock.h"
#include "config.h"
#include "notice.h"
#include "plan_actions.h"
#include "roles.h"

/* See actions_json.h. */
json_t *
actions_json(const struct action *a, const struct config *cfg, int at)
{
	json_t *o = json_object(), *leads = json_array();
	char buf[DATE_BUFSZ];
	int i;

	json_object_set_new(o, "plan", json_string(a->plan));
	json_object_set_new(o, "ref", json_string(a->ref));
	json_object_set_new(o, "section", json_string(a->section));
	json_object_set_new(o, "action", json_string(a->text));
	json_object_set_new(o, "lead_role", json_string(a->lead_role));
	for (i = 0; i < a->nleads; i++)
		json_array_append_new(leads, json_string(a->lead_keys[i]));
	json_object_set_new(o, "leads", leads);
	json_object_set_new(
	    o, "starts_on", a->starts_on != DATE_NONE ? json_string(date_format(a->starts_on, buf)) : json_null());
	json_object_set_new(
	    o, "due_on", a->due_on != DATE_NONE ? json_string(date_format(a->due_on, buf)) : json_null());
	json_object_set_new(o, "status", json_string(action_status_name(a->status)));
	json_object_set_new(o, "progress_on",
	    a->progress_on != DATE_NONE ? json_string(date_format(a->progress_on, buf)) : json_null());
	json_object_set_new(o, "progress_note", a->progress_note != NULL ? json_string(a->progress_note) : json_null());
	json_object_set_new(o, "expected_on",
	    a->expected_on != DATE_NONE ? json_string(date_format(a->expected_on, buf)) : json_null());
	json_object_set_new(o, "completed_on",
	    a->completed_on != DATE_NONE ? json_string(date_format(a->completed_on, buf)) : json_null());
	json_object_set_new(o, "rag", json_string(plan_actions_rag_name(plan_actions_rag(a, cfg, cfg->calendar, at))));
	json_object_set_new(o, "working_days_overdue", json_integer(plan_actions_overdue(a, cfg->calendar, at)));
	json_object_set_new(o, "rev", json_integer(a->rev));
	return o;
}

/* See actions_json.h. */
void
actions_notice_explain(struct store *s, const struct config *cfg, const struct plan_action_item *it, int at, char *out,
    size_t len, const char **word)
{
	struct notice_route route;
	struct notice_to to = { NOTICE_TO_ROLE, it->recipient, NULL, NULL, false, NULL };
	struct notice_state ns;
	char *cause = NULL, tbuf[32];

	if (it->recipient == NULL) {
		snprintf(out, len, "nobody to tell");
		*word = "none";
		return;
	}
	if (notice_state(s, it->dedupe_key, &ns)) {
		if (strcmp(ns.state, "sent") == 0)
			snprintf(out, len, "sent %s", clock_format_local(ns.at, tbuf));
		else
			snprintf(out, len, "%s in the outbox (since %s)", ns.state, clock_format_local(ns.at, tbuf));
		*word = explain_outbox_word(ns.state);
		return;
	}
	if (notice_route(s, cfg, &to, &route, &cause) != 0) {
		snprintf(out, len, "cannot send: %s", cause);
		*word = "no-email";
		free(cause);
		return;
	}
	notice_route_free(&route);
	if (it->until != DATE_NONE && it->until < it->due)
		snprintf(out, len, "not sent (the action was completed)"), *word = "cancelled";
	else if (it->due > at)
		snprintf(out, len, "to come"), *word = "to-come";
	else if (it->until != DATE_NONE && at > it->until)
		snprintf(out, len, "not sent (superseded by a later notice)"), *word = "superseded";
	else
		snprintf(out, len, "due now (the daemon sends it in the send window)"), *word = "due";
}

/* See actions_json.h. */
json_t *
actions_explain_json(struct store *s, const struct config *cfg, const struct action *a, int at, char **cause)
{
	static const char *const rules[] = { "reminder", "nudge", "escalation" };
	struct actions_org org;
	struct plan_action_items items;
	char buf[DATE_BUFSZ], b2[DATE_BUFSZ], state[256];
	const char *word;
	json_t *o, *arr, *n;
	int i;

	if (actions_org_open(s, cfg, &org, cause) != 0)
		return NULL;
	plan_actions(a, cfg, cfg->calendar, &org.org, at, &items);
	o = actions_json(a, cfg, at);
	json_object_set_new(o, "at", json_string(date_format(at, buf)));
	arr = json_array();
	for (i = 0; i < items.n; i++) {
		const struct plan_action_item *it = &items.v[i];
		actions_notice_explain(s, cfg, it, at, state, sizeof state, &word);
		n = json_object();
		json_object_set_new(n, "due", json_string(date_format(it->due, buf)));
		json_object_set_new(
		    n, "until", it->until != DATE_NONE ? json_string(date_format(it->until, b2)) : json_null());
		json_object_set_new(n, "rule", json_string(rules[it->rule]));
		json_object_set_new(n, "level", json_integer(it->level));
		json_object_set_new(n, "to", it->recipient != NULL ? json_string(it->recipient) : json_null());
		json_object_set_new(n, "as", json_string(it->as));
		json_object_set_new(n, "copy", json_boolean(it->copy));
		json_object_set_new(n, "reason", json_string(it->reason));
		json_object_set_new(n, "dedupe_key", json_string(it->dedupe_key));
		json_object_set_new(n, "state", json_string(word));
		json_object_set_new(n, "detail", json_string(state));
		json_array_append_new(arr, n);
	}
	json_object_set_new(o, "notices", arr);
	plan_action_items_free(&items);
	actions_org_close(&org);
	return o;
}
