/*
 * op_reviews.c: the looked-after reviews writes, for driftwatchctl and the HTTP API alike: a
 * review held, a permanence plan agreed. Each is checked (not in the future, a child with a period
 * of care, looked after on the day, a known plan), then written with its audit entry in one
 * transaction; recording the same again changes nothing and says so.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "ops.h"
#include "plan_reviews.h"
#include "reviews.h"
#include "reviews_json.h"
#include "store.h"
#include "store_links.h"
#include "xmalloc.h"

/* The child as it now stands into the answer (inside the transaction), then commit. */
static int
op_reviews_finish(const struct op_env *env, const char *case_ref, const char *what, struct op_answer *a)
{
	struct reviews_child *rc = NULL;
	char *cause = NULL;
	int n = 0;

	if (reviews_load(env->store, case_ref, &rc, &n, &cause) != 0)
		return op_fail(env, a, cause, "%s: ", what);
	if (n > 0)
		a->state = reviews_child_json(env->store, env->cfg, rc, env->today, NULL, NULL);
	reviews_children_free(rc, n);
	if (a->state == NULL)
		a->state = json_pack("{s:s}", "case_ref", case_ref);
	return op_commit(env, a, what);
}

/* The child's periods of care, inside the transaction: 0, or -1 with the answer set. */
static int
op_reviews_child(const struct op_env *env, const char *case_ref, struct reviews_child **rc, int *n, struct op_answer *a)
{
	char *cause = NULL;

	*rc = NULL;
	*n = 0;
	if (reviews_load(env->store, case_ref, rc, n, &cause) != 0) {
		reviews_children_free(*rc, *n);
		return op_fail(env, a, cause, "case %s: ", case_ref);
	}
	if (*n == 0) {
		reviews_children_free(*rc, *n);
		return op_refuse(env, a, OP_NOT_FOUND, "case_ref",
		    "case %s: no period of care (import the SSDA903 extract first)", case_ref);
	}
	return 0;
}

/* See ops.h. */
int
op_review_record(const struct op_env *env, const struct op_review_request *r, struct op_answer *a)
{
	struct store *s = env->store;
	struct reviews_child *rc;
	char *cause = NULL, *detail, when[DATE_BUFSZ];
	int n, added = 0, looked_after;

	memset(a, 0, sizeof *a);
	if (r->case_ref == NULL || r->case_ref[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "case_ref", "review record: a case reference is needed");
	if (r->date == DATE_NONE)
		return op_refuse(env, a, OP_BAD_INPUT, "held_on", "review record: the date it was held is needed");
	if (r->date > env->today)
		return op_refuse(env, a, OP_BAD_INPUT, "held_on",
		    "review record: %s is after today: record a review once it has been held",
		    date_format(r->date, when));
	if (store_begin(s, &cause) != 0)
		return op_fail(env, a, cause, "review record: ");
	if (op_reviews_child(env, r->case_ref, &rc, &n, a) != 0)
		return -1;
	looked_after = plan_reviews_period_of(rc->periods, rc->nperiods, r->date) >= 0;
	reviews_children_free(rc, n);
	if (!looked_after)
		return op_refuse(env, a, OP_BAD_INPUT, "held_on", "review record: case %s was not looked after on %s",
		    r->case_ref, date_format(r->date, when));
	if (reviews_add_review(s, r->case_ref, r->date, r->brought_forward, env->actor, env->now, &added, &cause) != 0)
		return op_fail(env, a, cause, "review record: ");
	if (added) {
		xasprintf(&detail, "held on %s%s", date_format(r->date, when),
		    r->brought_forward ? " (brought forward)" : "");
		if (audit_add(s, env->now, env->actor, "review-recorded", r->case_ref, detail, &cause) != 0) {
			free(detail);
			return op_fail(env, a, cause, "review record: ");
		}
		free(detail);
	}
	a->created = added;
	return op_reviews_finish(env, r->case_ref, "review record", a);
}

/* See ops.h. */
int
op_review_book(const struct op_env *env, const struct op_review_request *r, struct op_answer *a)
{
	struct store *s = env->store;
	char *cause = NULL, *detail, when[DATE_BUFSZ];

	memset(a, 0, sizeof *a);
	if (r->case_ref == NULL || r->case_ref[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "case_ref", "review booked: a case reference is needed");
	if (r->date == DATE_NONE)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "booked_for", "review booked: the date it is booked for is needed");
	if (r->date < env->today)
		return op_refuse(env, a, OP_BAD_INPUT, "booked_for",
		    "review booked: %s is before today: record a review held instead", date_format(r->date, when));
	if (store_begin(s, &cause) != 0)
		return op_fail(env, a, cause, "review booked: ");
	if (!reviews_child_known(s, r->case_ref))
		return op_refuse(env, a, OP_NOT_FOUND, "case_ref",
		    "case %s: no period of care (import the SSDA903 extract first)", r->case_ref);
	if (store_review_booking_set(s, r->case_ref, r->date, env->now, &cause) != 0)
		return op_fail(env, a, cause, "review booked: ");
	xasprintf(&detail, "booked for %s", date_format(r->date, when));
	if (audit_add(s, env->now, env->actor, "review-booked", r->case_ref, detail, &cause) != 0) {
		free(detail);
		return op_fail(env, a, cause, "review booked: ");
	}
	free(detail);
	a->created = 1;
	return op_reviews_finish(env, r->case_ref, "review booked", a);
}

/* See ops.h. */
int
op_permanence_record(const struct op_env *env, const struct op_review_request *r, struct op_answer *a)
{
	struct store *s = env->store;
	char *cause = NULL, *detail, *plans = NULL, *t, when[DATE_BUFSZ];
	int added = 0, i;

	memset(a, 0, sizeof *a);
	if (r->case_ref == NULL || r->case_ref[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "case_ref", "permanence record: a case reference is needed");
	if (r->plan == NULL || !reviews_plan_valid(r->plan)) {
		for (i = 0; reviews_plan_types[i] != NULL; i++) {
			xasprintf(&t, "%s%s%s", plans != NULL ? plans : "", i > 0 ? ", " : "", reviews_plan_types[i]);
			free(plans);
			plans = t;
		}
		op_refuse(env, a, OP_BAD_INPUT, "plan", "permanence record: \"%s\" is not a plan (%s)",
		    r->plan != NULL ? r->plan : "", plans != NULL ? plans : "");
		free(plans);
		return -1;
	}
	if (r->date == DATE_NONE)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "agreed_on", "permanence record: the date it was agreed is needed");
	if (r->date > env->today)
		return op_refuse(env, a, OP_BAD_INPUT, "agreed_on", "permanence record: %s is after today",
		    date_format(r->date, when));
	if (store_begin(s, &cause) != 0)
		return op_fail(env, a, cause, "permanence record: ");
	if (!reviews_child_known(s, r->case_ref))
		return op_refuse(env, a, OP_NOT_FOUND, "case_ref",
		    "case %s: no period of care (import the SSDA903 extract first)", r->case_ref);
	if (reviews_add_plan(s, r->case_ref, r->plan, r->date, env->actor, env->now, &added, &cause) != 0)
		return op_fail(env, a, cause, "permanence record: ");
	if (added) {
		xasprintf(&detail, "%s agreed on %s", r->plan, date_format(r->date, when));
		if (audit_add(s, env->now, env->actor, "permanence-recorded", r->case_ref, detail, &cause) != 0) {
			free(detail);
			return op_fail(env, a, cause, "permanence record: ");
		}
		free(detail);
	}
	a->created = added;
	return op_reviews_finish(env, r->case_ref, "permanence record", a);
}
