/*
 * disputes_json.c: a dispute as JSON, the one form both `driftwatchctl dispute list --json` and the
 * HTTP API (GET /v1/disputes, GET /v1/disputes/{id}) print, so the two can never drift apart.
 */
#include <jansson.h>

#include "calendar.h"
#include "disputes.h"
#include "disputes_json.h"

/* See disputes_json.h. */
json_t *
disputes_json(const struct dispute *d)
{
	char a[11], b[11], e[11], f[11], g[11];
	json_t *o = json_object(), *h = json_array();
	int i;

	json_object_set_new(o, "id", json_integer(d->rec.id));
	json_object_set_new(o, "case_ref", json_string(d->case_ref));
	json_object_set_new(o, "raised_by", json_string(d->raised_by));
	json_object_set_new(o, "category", json_string(d->category));
	json_object_set_new(o, "raised_on", json_string(date_format(d->rec.raised_on, a)));
	json_object_set_new(o, "stage", json_string(d->rec.ladder.stages[d->rec.stage].name));
	json_object_set_new(o, "responder", json_string(d->rec.ladder.stages[d->rec.stage].responder));
	json_object_set_new(o, "stage_started_on", json_string(date_format(d->rec.stage_started_on, b)));
	json_object_set_new(o, "stage_due_on", json_string(date_format(d->rec.stage_due_on, e)));
	json_object_set_new(o, "responded_on", d->rec.responded_on == DATE_NONE ? json_null() :
									    json_string(date_format(d->rec.responded_on, f)));
	json_object_set_new(o, "resolved_on", d->rec.resolved_on == DATE_NONE ? json_null() :
									  json_string(date_format(d->rec.resolved_on, g)));
	json_object_set_new(o, "outcome", d->outcome != NULL ? json_string(d->outcome) : json_null());
	json_object_set_new(o, "cafcass_on", d->cafcass_on == DATE_NONE ? json_null() : json_string(date_format(d->cafcass_on, a)));
	for (i = 0; i < d->nevents; i++)
		json_array_append_new(h, json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "on", date_format(d->events[i].on_date, b),
					     "kind", d->events[i].kind, "stage", d->events[i].stage, "responder",
					     d->events[i].responder, "note", d->events[i].note));
	json_object_set_new(o, "history", h);
	return o;
}
