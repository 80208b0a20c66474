/*
 * actions_json.c: an improvement action as JSON, the one form both `driftwatchctl actions list
 * --json` and the HTTP API (GET /v1/actions) print, its RAG computed at a given date.
 */
#include <jansson.h>

#include "actions.h"
#include "actions_json.h"
#include "calendar.h"
#include "config.h"
#include "plan_actions.h"

/* See actions_json.h. */
json_t *
actions_json(const struct action *a, const struct config *cfg, int at)
{
	json_t *o = json_object(), *leads = json_array();
	char buf[11];
	int i;

	json_object_set_new(o, "plan", json_string(a->plan));
	json_object_set_new(o, "ref", json_string(a->ref));
	json_object_set_new(o, "section", json_string(a->section));
	json_object_set_new(o, "action", json_string(a->text));
	json_object_set_new(o, "lead_role", json_string(a->lead_role));
	for (i = 0; i < a->nleads; i++)
		json_array_append_new(leads, json_string(a->lead_keys[i]));
	json_object_set_new(o, "leads", leads);
	json_object_set_new(o, "starts_on", a->starts_on != DATE_NONE ? json_string(date_format(a->starts_on, buf)) : json_null());
	json_object_set_new(o, "due_on", a->due_on != DATE_NONE ? json_string(date_format(a->due_on, buf)) : json_null());
	json_object_set_new(o, "status", json_string(action_status_name(a->status)));
	json_object_set_new(o, "progress_on",
	    a->progress_on != DATE_NONE ? json_string(date_format(a->progress_on, buf)) : json_null());
	json_object_set_new(o, "progress_note", a->progress_note != NULL ? json_string(a->progress_note) : json_null());
	json_object_set_new(o, "completed_on",
	    a->completed_on != DATE_NONE ? json_string(date_format(a->completed_on, buf)) : json_null());
	json_object_set_new(o, "rag", json_string(plan_actions_rag_name(plan_actions_rag(a, cfg, cfg->calendar, at))));
	json_object_set_new(o, "working_days_overdue", json_integer(plan_actions_overdue(a, cfg->calendar, at)));
	json_object_set_new(o, "rev", json_integer(a->rev));
	return o;
}
