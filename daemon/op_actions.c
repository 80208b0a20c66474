/*
 * op_actions.c: progress on an improvement action, for driftwatchctl and the HTTP API alike: a
 * note, the date of the progress, complete or not, and the date the lead officer expects it done
 * by, written with its audit entry in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions_json.h"
#include "audit.h"
#include "calendar.h"
#include "ops.h"
#include "store.h"
#include "xmalloc.h"

/*
 * Find the action by plan and ref; with no plan, the one plan that has ref. 0, or -1 with the
 * answer set (the transaction rolled back).
 */
static int
op_action_find(const struct op_env *env, const struct op_action_request *r, struct action *found, struct op_answer *a)
{
	struct action *v = NULL;
	char *cause = NULL, *plans = NULL, *t;
	int n = 0, i, k = -1, matches = 0;

	if (r->plan != NULL) {
		if (actions_get(env->store, r->plan, r->ref, found) != 0)
			return op_refuse(
			    env, a, OP_NOT_FOUND, "ref", "actions progress: no action %s %s", r->plan, r->ref);
		return 0;
	}
	if (actions_load(env->store, NULL, &v, &n, &cause) != 0)
		return op_fail(env, a, cause, "actions progress: ");
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].ref, r->ref) != 0)
			continue;
		xasprintf(&t, "%s%s%s", plans != NULL ? plans : "", matches > 0 ? ", " : "", v[i].plan);
		free(plans);
		plans = t;
		k = i;
		matches++;
	}
	if (matches == 1 && actions_get(env->store, v[k].plan, r->ref, found) == 0) {
		actions_free(v, n);
		free(plans);
		return 0;
	}
	actions_free(v, n);
	if (matches == 0)
		op_refuse(env, a, OP_NOT_FOUND, "ref", "actions progress: no action %s", r->ref);
	else
		op_refuse(env, a, OP_BAD_INPUT, "plan",
		    "actions progress: action %s is in more than one plan (%s): name the plan", r->ref, plans);
	free(plans);
	return -1;
}

/* See ops.h. */
int
op_action_progress(const struct op_env *env, const struct op_action_request *r, struct op_answer *a)
{
	struct store *s = env->store;
	struct action act, after;
	char *cause = NULL, *detail, buf[DATE_BUFSZ], buf2[DATE_BUFSZ], expected[DATE_BUFSZ + 16];
	int on = r->on != DATE_NONE ? r->on : env->today, rc;

	memset(a, 0, sizeof *a);
	if (r->ref == NULL || r->ref[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "ref", "actions progress: an action reference is needed");
	if (r->note == NULL && !r->complete && r->expected == DATE_NONE)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "note", "actions progress: a note, complete, or an expected date is needed");
	if (r->complete && r->expected != DATE_NONE)
		return op_refuse(env, a, OP_BAD_INPUT, "expected_on",
		    "actions progress: an expected date is for an action not yet complete, not with complete");
	if (store_begin(s, &cause) != 0)
		return op_fail(env, a, cause, "actions progress: ");
	if (op_action_find(env, r, &act, a) != 0)
		return -1;
	if (r->expected != DATE_NONE && act.starts_on != DATE_NONE && r->expected < act.starts_on) {
		op_refuse(env, a, OP_BAD_INPUT, "expected_on",
		    "actions progress: expected date %s is before %s starts on %s", date_format(r->expected, buf),
		    act.ref, date_format(act.starts_on, buf2));
		action_free(&act);
		return -1;
	}
	if (r->note != NULL) {
		free(act.progress_note);
		act.progress_note = xstrdup(r->note);
	}
	act.progress_on = on;
	if (r->complete) {
		act.status = ACTION_COMPLETE;
		act.completed_on = on;
	}
	/* The expected date alone is the lead officer answering too: it moves progress_on as a note does. */
	expected[0] = '\0';
	if (r->expected != DATE_NONE)
		snprintf(expected, sizeof expected, " (expected by %s)", date_format(r->expected, buf2));
	xasprintf(&detail, "%s%s%s%s%s", date_format(on, buf), r->note != NULL ? ": " : "",
	    r->note != NULL ? r->note : "", r->complete ? " (complete)" : "", expected);
	rc = actions_update(s, &act, &cause) == 0 &&
	    (r->expected == DATE_NONE || actions_set_expected(s, act.plan, act.ref, r->expected, &cause) == 0) &&
	    audit_add(s, env->now, env->actor, r->complete ? "action-completed" : "action-progress", act.ref, detail,
		&cause) == 0;
	free(detail);
	if (!rc) {
		action_free(&act);
		return op_fail(env, a, cause, "actions progress: ");
	}
	/* The action as it now stands, read back inside the transaction. */
	if (actions_get(s, act.plan, act.ref, &after) == 0) {
		a->state = actions_json(&after, env->cfg, env->today);
		action_free(&after);
	}
	action_free(&act);
	return op_commit(env, a, "actions progress: ");
}
