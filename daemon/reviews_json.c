/*
 * reviews_json.c: a looked-after child's reviews as JSON (see reviews_json.h): the one form both
 * driftwatchctl and the HTTP API print, planned by the same plan_reviews the watcher runs; and
 * `explain child` as JSON (driftwatchctl explain child CASE --json, GET /v1/children/{case_ref}/explain).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "calendar.h"
#include "explain_json.h"
#include "clock.h"
#include "config.h"
#include "plan_reviews.h"
#include "reviews.h"
#include "notice.h"
#include "reviews_json.h"

/* See reviews_json.h. */
json_t *
reviews_child_json(struct store *s, const struct config *cfg, const struct reviews_child *rc, int today, bool *overdue,
    bool *lacks_plan)
{
	struct review_rules rules;
	struct review_child child;
	struct review_plan p;
	struct allocation al;
	const struct review_period_plan *pp;
	bool is_open, is_overdue, allocated;
	char a[DATE_BUFSZ], b[DATE_BUFSZ];
	int days;
	json_t *o;

	plan_reviews_rules(cfg, &rules);
	reviews_child_view(rc, &child);
	plan_reviews(&child, &rules, cfg->calendar, today, &p);
	if (p.nperiods == 0) {
		review_plan_free(&p);
		return NULL;
	}
	pp = &p.periods[p.nperiods - 1];
	is_open = pp->next_due != DATE_NONE;
	days = is_open ? today - pp->next_due : 0;
	is_overdue = is_open && days > 0;
	if (overdue != NULL)
		*overdue = is_overdue;
	if (lacks_plan != NULL)
		*lacks_plan = is_open && pp->plan == NULL;
	allocated = allocation_get(s, child.case_ref, &al) == 0;
	if (allocated)
		allocation_free(&al);
	o = json_object();
	json_object_set_new(o, "case_ref", json_string(child.case_ref));
	json_object_set_new(o, "looked_after_since", json_string(date_format(pp->period.started_on, a)));
	json_object_set_new(o, "start_known", json_boolean(pp->period.start_known));
	json_object_set_new(o, "left_care_on",
	    pp->period.ended_on != DATE_NONE ? json_string(date_format(pp->period.ended_on, b)) : json_null());
	json_object_set_new(o, "reviews_held", json_integer(pp->nslots - (is_open ? 1 : 0)));
	json_object_set_new(
	    o, "next_review", is_open && pp->next_ordinal > 0 ? json_integer(pp->next_ordinal) : json_null());
	json_object_set_new(o, "next_review_due", is_open ? json_string(date_format(pp->next_due, a)) : json_null());
	json_object_set_new(o, "days_overdue", json_integer(is_overdue ? days : 0));
	json_object_set_new(o, "permanence_plan", pp->plan != NULL ? json_string(pp->plan) : json_null());
	json_object_set_new(o, "permanence_agreed_on",
	    pp->plan != NULL ? json_string(date_format(pp->plan_agreed_on, b)) : json_null());
	json_object_set_new(o, "permanence_at_second_review",
	    pp->plan_by_second < 0 ? json_null() : json_boolean(pp->plan_by_second == 1));
	json_object_set_new(o, "allocated", json_boolean(allocated));
	review_plan_free(&p);
	return o;
}

/* What the outbox holds for the child: the rows so far, and the key prefix to take off. */
struct reviews_explain_outbox {
	json_t *all;
	size_t prefix_len;
};

/* One outbox row of the child, appended (its "notice" is the key after "reviews:CASE:"). */
static void
reviews_explain_outbox_cb(
    const char *key, const char *recipient, const char *state, time_t created, time_t sent, void *arg)
{
	struct reviews_explain_outbox *ob = arg;

	json_array_append_new(ob->all,
	    json_pack("{s:s, s:o, s:s, s:s, s:o}", "state", state, "created_at", explain_json_time(created),
		"recipient", recipient, "notice", key + ob->prefix_len, "sent_at", explain_json_time(sent)));
}

/* One period of care: its dates, every review held and the next one, the permanence plan and dispute. */
static json_t *
reviews_explain_period(struct store *s, const char *case_ref, const struct review_period_plan *pp, int at)
{
	json_t *o = json_object(), *reviews = json_array();
	int64_t dispute_id;
	time_t raised_at;
	int j;

	json_object_set_new(o, "started_on", explain_json_date(pp->period.started_on));
	json_object_set_new(o, "start_known", json_boolean(pp->period.start_known));
	json_object_set_new(o, "ended_on",
	    pp->period.ended_on != DATE_NONE && pp->period.ended_on <= at ? explain_json_date(pp->period.ended_on) :
									    json_null());
	for (j = 0; j < pp->nslots; j++) {
		const struct review_slot *sl = &pp->slots[j];
		json_array_append_new(reviews,
		    json_pack("{s:o, s:o, s:o, s:o, s:o, s:b}", "review",
			sl->ordinal > 0 ? json_integer(sl->ordinal) : json_null(), "due_on",
			explain_json_date(sl->due_on), "held_on", explain_json_date(sl->held_on), "on_time",
			sl->held_on != DATE_NONE ? json_boolean(sl->on_time) : json_null(), "brought_forward",
			sl->held_on != DATE_NONE ? json_boolean(sl->brought_forward) : json_null(), "overdue",
			sl->held_on == DATE_NONE && sl->due_on < at));
	}
	json_object_set_new(o, "reviews", reviews);
	json_object_set_new(o, "permanence_plan", pp->plan != NULL ? json_string(pp->plan) : json_null());
	json_object_set_new(
	    o, "permanence_agreed_on", pp->plan != NULL ? explain_json_date(pp->plan_agreed_on) : json_null());
	json_object_set_new(o, "second_review",
	    pp->plan_by_second >= 0 ? json_pack("{s:o, s:b}", "held_on", explain_json_date(pp->second_held_on),
					  "permanence_plan", pp->plan_by_second == 1) :
				      json_null());
	json_object_set_new(o, "permanence_dispute",
	    reviews_dispute_get(s, case_ref, pp->period.started_on, &dispute_id, &raised_at) ?
		json_pack("{s:I, s:o}", "id", (json_int_t)dispute_id, "raised_at", explain_json_time(raised_at)) :
		json_null());
	return o;
}

/* Each recipient of one planned notice: its address and what became of the notice for it. */
static json_t *
reviews_explain_recipients(struct store *s, const struct config *cfg, const char *case_ref, const struct allocation *al,
    const struct review_item *it, int at)
{
	json_t *all = json_array();
	char *address, *transport, *why, *key, when[32];
	const char *word, *detail;
	struct notice_state ns;
	time_t sent;
	int bit;

	for (bit = 1; bit <= REVIEW_TO_HEAD_OF_SERVICE; bit <<= 1) {
		if ((it->recipients & bit) == 0)
			continue;
		if (reviews_recipient(s, cfg, case_ref, al, bit, &address, &transport, &why) != 0) {
			json_array_append_new(all,
			    json_pack("{s:s, s:n, s:s, s:s, s:n}", "who", reviews_who(bit), "address", "state",
				"not-sent", "detail", why, "sent_at"));
			free(why);
			continue;
		}
		key = reviews_dedupe_key(case_ref, it, address);
		sent = 0;
		/* The same words as the text form. */
		if (notice_state(s, key, &ns))
			word = explain_outbox_word(ns.state), detail = ns.state, sent = ns.sent_at;
		else if (it->until < at)
			word = "lapsed", detail = "not sent (past its last useful date)";
		else if (it->fire_on <= at)
			word = "due", detail = "due now (the daemon sends it)";
		else
			word = "to-come", detail = "to come";
		json_array_append_new(all,
		    json_pack("{s:s, s:s, s:s, s:s, s:o}", "who", reviews_who(bit), "address", address, "state", word,
			"detail", detail, "sent_at",
			sent > 0 ? json_string(clock_format_local(sent, when)) : json_null()));
		free(key), free(address), free(transport);
	}
	return all;
}

/* See reviews_json.h. */
json_t *
reviews_explain_json(struct store *s, const struct config *cfg, const struct reviews_child *rc, int at)
{
	struct review_child child;
	struct review_rules rules;
	struct review_plan p;
	struct allocation al;
	struct reviews_explain_outbox ob;
	json_t *o = json_object(), *periods = json_array(), *notices = json_array(), *n;
	const char *state;
	char *prefix;
	int have, i;

	reviews_child_view(rc, &child);
	plan_reviews_rules(cfg, &rules);
	plan_reviews(&child, &rules, cfg->calendar, at, &p);
	have = allocation_get(s, child.case_ref, &al) == 0;
	json_object_set_new(o, "case_ref", json_string(child.case_ref));
	json_object_set_new(o, "at", explain_json_date(at));
	/* Emails and the team only: never a name (the allocation's names stay in the store). */
	json_object_set_new(o, "allocation",
	    have ? json_pack("{s:s?, s:s?, s:s?, s:s?}", "team", al.team, "social_worker_email", al.social_worker_email,
		       "team_manager_email", al.team_manager_email, "iro_email", al.iro_email) :
		   json_null());
	for (i = 0; i < p.nperiods; i++)
		json_array_append_new(periods, reviews_explain_period(s, child.case_ref, &p.periods[i], at));
	json_object_set_new(o, "periods", periods);
	for (i = 0; i < p.nitems; i++) {
		const struct review_item *it = &p.items[i];
		n = json_pack("{s:o, s:s, s:s, s:s, s:o}", "fire_on", explain_json_date(it->fire_on), "rule", it->rule,
		    "level", it->level, "reason", it->reason, "until", explain_json_date(it->until));
		if (it->kind == REVIEW_ITEM_PERMANENCE_DISPUTE) {
			state = reviews_dispute_get(s, child.case_ref, it->period_start, NULL, NULL) ? "raised" :
			    have && al.iro_email != NULL					     ? "to-be-raised" :
												       "not-raised";
			json_object_set_new(n, "state", json_string(state));
			json_object_set_new(n, "recipients", json_array());
		} else {
			json_object_set_new(n, "state", json_null());
			json_object_set_new(n, "recipients",
			    reviews_explain_recipients(s, cfg, child.case_ref, have ? &al : NULL, it, at));
		}
		json_array_append_new(notices, n);
	}
	json_object_set_new(o, "notices", notices);
	ob.all = json_array();
	prefix = reviews_key_prefix(child.case_ref);
	ob.prefix_len = strlen(prefix);
	reviews_notices(s, prefix, reviews_explain_outbox_cb, &ob);
	free(prefix);
	json_object_set_new(o, "outbox", ob.all);
	if (have)
		allocation_free(&al);
	review_plan_free(&p);
	return o;
}
