/*
 * reviews_json.c: a looked-after child's reviews as JSON (see reviews_json.h): the one form both
 * driftwatchctl and the HTTP API print, planned by the same plan_reviews the watcher runs.
 */
#include <jansson.h>
#include <stdbool.h>

#include "allocations.h"
#include "calendar.h"
#include "config.h"
#include "plan_reviews.h"
#include "reviews.h"
#include "reviews_json.h"

/* See reviews_json.h. */
json_t *
reviews_child_json(struct store *s, const struct config *cfg, const struct reviews_child *rc, int today,
    bool *overdue, bool *lacks_plan)
{
	struct review_rules rules;
	struct review_child child;
	struct review_plan p;
	struct allocation al;
	const struct review_period_plan *pp;
	bool is_open, is_overdue, allocated;
	char a[11], b[11];
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
	json_object_set_new(o, "next_review", is_open && pp->next_ordinal > 0 ? json_integer(pp->next_ordinal) : json_null());
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
