/*
 * op_asye.c: the ASYE writes, for driftwatchctl and the HTTP API alike: a supervision held, and
 * the protected hours of a week. Checked as the imports check them (an ASYE, not before their
 * programme began, not in the future, no more hours than contracted), then written with the audit
 * entry in one transaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "asye_json.h"
#include "audit.h"
#include "calendar.h"
#include "ops.h"
#include "store.h"
#include "xmalloc.h"

/* Begin and load the worker: 0 with the transaction open, or -1 with the answer set. */
static int
op_asye_begin(const struct op_env *env, const char *cmd, const char *person_id, struct asye_roster *r,
    const struct asye_worker **w, struct op_answer *a)
{
	char *cause = NULL;

	memset(r, 0, sizeof *r);
	if (person_id == NULL || person_id[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "person_id", "asye %s: a person is needed", cmd);
	if (store_begin(env->store, &cause) != 0 || asye_roster_load(env->store, person_id, r, &cause) != 0)
		return op_fail(env, a, cause, "asye %s: ", cmd);
	if ((*w = asye_roster_find(r, person_id)) == NULL) {
		asye_roster_free(r);
		return op_refuse(env, a, OP_NOT_FOUND, "person_id",
		    "asye %s: unknown person \"%s\" (import the workforce first)", cmd, person_id);
	}
	return 0;
}

/* Audit, read the worker back as JSON (inside the transaction), commit. */
static int
op_asye_finish(const struct op_env *env, const char *cmd, const char *person_id, const char *what, const char *detail,
    struct op_answer *a)
{
	struct asye_roster r;
	const struct asye_worker *w;
	struct asye_status st;
	char *cause = NULL, prefix[32];

	if (audit_add(env->store, env->now, env->actor, what, person_id, detail, &cause) != 0 ||
	    asye_roster_load(env->store, person_id, &r, &cause) != 0)
		return op_fail(env, a, cause, "asye %s: ", cmd);
	if ((w = asye_roster_find(&r, person_id)) != NULL) {
		asye_status(w, env->cfg, env->today, &st);
		a->state = asye_json(w, &st);
	}
	asye_roster_free(&r);
	snprintf(prefix, sizeof prefix, "asye %s: ", cmd);
	return op_commit(env, a, prefix);
}

/* See ops.h. */
int
op_asye_supervision(const struct op_env *env, const struct op_asye_request *req, struct op_answer *a)
{
	struct asye_roster r;
	const struct asye_worker *w;
	char *why = NULL, *detail, d[DATE_BUFSZ];
	int added = 0, rc;

	memset(a, 0, sizeof *a);
	if (req->date == DATE_NONE)
		return op_refuse(env, a, OP_BAD_INPUT, "held_on", "asye supervision: the date it was held is needed");
	if (op_asye_begin(env, "supervision", req->person_id, &r, &w, a) != 0)
		return -1;
	if (asye_check_date(w, req->date, env->today, "supervision", &why) != 0) {
		op_refuse(env, a, w->asye_started_on == DATE_NONE ? OP_CONFLICT : OP_BAD_INPUT,
		    w->asye_started_on == DATE_NONE ? "person_id" : "held_on", "asye supervision: %s; nothing changed",
		    why);
		asye_roster_free(&r);
		free(why);
		return -1;
	}
	asye_roster_free(&r);
	if (asye_store_supervision(env->store, req->person_id, req->date, &added, &why) != 0)
		return op_fail(env, a, why, "asye supervision: ");
	a->created = added;
	xasprintf(&detail, "supervision held on %s", date_format(req->date, d));
	rc = op_asye_finish(env, "supervision", req->person_id, "asye-supervision", detail, a);
	free(detail);
	return rc;
}

/* See ops.h. */
int
op_asye_time(const struct op_env *env, const struct op_asye_request *req, struct op_answer *a)
{
	struct asye_roster r;
	const struct asye_worker *w;
	char *why = NULL, *detail, d[DATE_BUFSZ];
	int week, rc;

	memset(a, 0, sizeof *a);
	if (req->date == DATE_NONE)
		return op_refuse(env, a, OP_BAD_INPUT, "week_of", "asye time: the week is needed");
	if (!isfinite(req->hours) || req->hours < 0)
		return op_refuse(env, a, OP_BAD_INPUT, "hours", "asye time: %g hours is not zero or more", req->hours);
	if (op_asye_begin(env, "time", req->person_id, &r, &w, a) != 0)
		return -1;
	if (asye_check_time(w, req->date, req->hours, env->today, &why) != 0) {
		op_refuse(env, a, w->asye_started_on == DATE_NONE ? OP_CONFLICT : OP_BAD_INPUT,
		    w->asye_started_on == DATE_NONE	 ? "person_id" :
			req->hours > w->contracted_hours ? "hours" :
							   "week_of",
		    "asye time: %s; nothing changed", why);
		asye_roster_free(&r);
		free(why);
		return -1;
	}
	asye_roster_free(&r);
	week = asye_monday(req->date);
	if (asye_store_time(env->store, req->person_id, week, req->hours, &why) != 0)
		return op_fail(env, a, why, "asye time: ");
	xasprintf(&detail, "protected time for the week of %s: %g hours", date_format(week, d), req->hours);
	rc = op_asye_finish(env, "time", req->person_id, "asye-time", detail, a);
	free(detail);
	return rc;
}
