/*
 * disputes_json.c: a dispute as JSON, the one form both `driftwatchctl dispute list --json` and the
 * HTTP API (GET /v1/disputes, GET /v1/disputes/{id}) print, so the two can never drift apart; and
 * its explain (`driftwatchctl explain dispute ID --json`, GET /v1/disputes/{id}/explain).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "explain_json.h"
#include "clock.h"
#include "config.h"
#include "disputes.h"
#include "disputes_json.h"
#include "notice.h"
#include "plan_disputes.h"

/* See disputes_json.h. */
json_t *
disputes_json(const struct dispute *d)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ], e[DATE_BUFSZ], f[DATE_BUFSZ], g[DATE_BUFSZ];
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
	json_object_set_new(o, "responded_on",
	    d->rec.responded_on == DATE_NONE ? json_null() : json_string(date_format(d->rec.responded_on, f)));
	json_object_set_new(o, "resolved_on",
	    d->rec.resolved_on == DATE_NONE ? json_null() : json_string(date_format(d->rec.resolved_on, g)));
	json_object_set_new(o, "outcome", d->outcome != NULL ? json_string(d->outcome) : json_null());
	json_object_set_new(
	    o, "cafcass_on", d->cafcass_on == DATE_NONE ? json_null() : json_string(date_format(d->cafcass_on, a)));
	for (i = 0; i < d->nevents; i++)
		json_array_append_new(h,
		    json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "on", date_format(d->events[i].on_date, b), "kind",
			d->events[i].kind, "stage", d->events[i].stage, "responder", d->events[i].responder, "note",
			d->events[i].note));
	json_object_set_new(o, "history", h);
	return o;
}

/* One outbox row of the dispute, appended to the array in arg. */
static void
disputes_explain_outbox_cb(const struct dispute_notice *n, void *arg)
{
	json_array_append_new(arg,
	    json_pack("{s:s, s:o, s:s, s:s, s:o}", "state", n->state, "created_at", explain_json_time(n->created),
		"recipient", n->recipient, "subject", n->subject, "sent_at", explain_json_time(n->sent)));
}

/* Each stage of the ladder: where the dispute is, was, or would go without a response. */
static json_t *
disputes_explain_ladder(const struct config *cfg, const struct dispute *d)
{
	int starts[DISPUTE_STAGES_MAX], dues[DISPUTE_STAGES_MAX], i, j, entered;
	json_t *ladder = json_array(), *o;
	const char *position;

	plan_disputes_projection(&d->rec, cfg->calendar, starts, dues);
	for (i = 0; i < d->rec.ladder.n; i++) {
		const struct dispute_stage *st = &d->rec.ladder.stages[i];
		int from = DATE_NONE, due = DATE_NONE;
		entered = DATE_NONE;
		for (j = 0; j < d->nevents; j++) {
			if (d->events[j].stage != NULL && strcmp(d->events[j].stage, st->name) == 0 &&
			    (strcmp(d->events[j].kind, "raised") == 0 || strcmp(d->events[j].kind, "moved-up") == 0 ||
				strcmp(d->events[j].kind, "escalated") == 0 ||
				strcmp(d->events[j].kind, "imported") == 0))
				entered = d->events[j].on_date;
		}
		/* The same cases, in the same order, as the text form's ladder. */
		if (i == d->rec.stage) {
			position = d->rec.resolved_on != DATE_NONE ? "current-resolved" :
			    d->rec.responded_on != DATE_NONE	   ? "current-answered" :
								     "current";
			from = d->rec.stage_started_on, due = d->rec.stage_due_on;
		} else if (entered != DATE_NONE && i < d->rec.stage) {
			position = "entered";
			from = entered, due = plan_disputes_stage_due(cfg->calendar, &d->rec.ladder, i, entered);
		} else if (i < d->rec.stage)
			position = "bypassed";
		else if (starts[i] != DATE_NONE) {
			position = "if-no-response";
			from = starts[i], due = dues[i];
		} else
			position = "none";
		o = json_pack("{s:s, s:s, s:i, s:s, s:o, s:o}", "stage", st->name, "responder", st->responder,
		    "limit_wd", st->limit_wd, "position", position, "started_on", explain_json_date(from), "due_on",
		    explain_json_date(due));
		json_array_append_new(ladder, o);
	}
	return ladder;
}

/* See disputes_json.h. */
json_t *
disputes_explain_json(struct store *s, const struct config *cfg, const struct dispute *d, int at)
{
	struct dispute_rules rules;
	struct dispute_plan plan;
	char *address, *transport, *why, *key, detail[512], when[32], y[DATE_BUFSZ];
	const char *word;
	struct notice_state ns;
	time_t sent;
	json_t *o, *outbox = json_array(), *planned = json_array(), *n;
	int i;

	o = json_object();
	json_object_set_new(o, "dispute", disputes_json(d));
	json_object_set_new(o, "at", explain_json_date(at));
	json_object_set_new(o, "ladder", disputes_explain_ladder(cfg, d));
	disputes_notices(s, d->rec.id, disputes_explain_outbox_cb, outbox);
	json_object_set_new(o, "outbox", outbox);
	plan_disputes_rules(cfg, &rules);
	plan_disputes(&d->rec, &rules, cfg->calendar, at, &plan);
	for (i = 0; i < plan.items.n; i++) {
		const struct dispute_item *it = plan_items_at(&plan.items, i);
		address = NULL, sent = 0;
		if (it->rule == DISPUTE_RULE_ADVANCE) {
			word = it->head.due <= at ? "due" : "to-come";
			snprintf(detail, sizeof detail, "%s",
			    it->head.due <= at ? "due (the daemon moves it up)" : "to come");
		} else if (disputes_recipient(s, cfg, d, it->recipient, &address, &transport, &why) != 0) {
			word = "not-sent";
			snprintf(detail, sizeof detail, "NOT SENT: %s", why);
			free(why);
		} else {
			key = disputes_dedupe_key(d, it, address);
			if (notice_state(s, key, &ns)) {
				word = explain_outbox_word(ns.state);
				sent = ns.sent_at;
				snprintf(detail, sizeof detail, "%s %s", ns.state, clock_format_local(ns.at, when));
			} else if (it->head.until != DATE_NONE && at > it->head.until) {
				word = "lapsed";
				snprintf(detail, sizeof detail, "lapsed (not sent after %s)",
				    date_format(it->head.until, y));
			} else {
				word = it->head.due <= at ? "due" : "to-come";
				snprintf(detail, sizeof detail, "%s", it->head.due <= at ? "due" : "to come");
			}
			free(key), free(transport);
		}
		n = json_pack("{s:o, s:o, s:s, s:s?, s:s?, s:s, s:s, s:s, s:o}", "due", explain_json_date(it->head.due),
		    "until", explain_json_date(it->head.until), "rule", plan_disputes_rule_name(it->rule), "to",
		    it->rule == DISPUTE_RULE_ADVANCE ? NULL : it->recipient, "address", address, "reason", it->reason,
		    "state", word, "detail", detail, "sent_at", explain_json_time(sent));
		free(address);
		json_array_append_new(planned, n);
	}
	plan_disputes_free(&plan);
	json_object_set_new(o, "notices", planned);
	return o;
}
