/*
 * op_disputes.c: the dispute writes (raise, respond, escalate, resolve, Cafcass), for
 * driftwatchctl and the HTTP API alike. Each catches the ladder up to the command's date first
 * (the daemon may have been down: the change must act on the stage the daemon would have had),
 * checks the change (nothing written when it is refused), then writes it with its history, audit
 * entry and first notices in one transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "disputes.h"
#include "disputes_json.h"
#include "ops.h"
#include "store.h"
#include "store_idempotency.h"
#include "xmalloc.h"

/* The request's date, or today. */
static int
op_dispute_on(const struct op_env *env, const struct op_dispute_request *r)
{
	return r->on != DATE_NONE ? r->on : env->today;
}

/* Load the dispute as it now stands into the answer (inside the transaction), then commit. */
static int
op_dispute_finish(const struct op_env *env, int64_t id, const char *kind, struct op_answer *a)
{
	char what[64];

	snprintf(what, sizeof what, "dispute %lld: %s: ", (long long)id, kind);
	if (disputes_load(env->store, id, &a->dispute) != 0)
		return op_fail(env, a, xstrdup("the dispute vanished"), "%s", what);
	a->have_dispute = 1;
	a->state = disputes_json(&a->dispute);
	return op_commit(env, a, what);
}

/*
 * Begin the transaction, apply the moves up that fell due by on, and load the dispute: 0 with the
 * transaction open, or -1 with the answer set and nothing changed.
 */
static int
op_dispute_begin(const struct op_env *env, int64_t id, int on, struct dispute *d, struct op_answer *a)
{
	struct store *s = env->store;
	char *cause = NULL;

	if (store_begin(s, &cause) != 0 || disputes_catch_up(s, env->cfg, id, on, env->now, env->actor, &cause) != 0)
		return op_fail(env, a, cause, "dispute %lld: ", (long long)id);
	if (disputes_load(s, id, d) != 0)
		return op_refuse(env, a, OP_NOT_FOUND, "id", "dispute %lld: no such dispute", (long long)id);
	return 0;
}

/* Write a change of d (loaded by op_dispute_begin): update, history, audit, what is now due; commit. */
static int
op_dispute_change(const struct op_env *env, struct dispute *d, const char *kind, int on, const char *note,
    const char *detail, struct op_answer *a)
{
	struct store *s = env->store;
	const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
	char *cause = NULL, subj[64], *what;
	int64_t id = d->rec.id;
	int rc;

	snprintf(subj, sizeof subj, "dispute:%lld", (long long)id);
	xasprintf(&what, "dispute-%s", kind);
	rc = disputes_update(s, d, &cause) == 0 &&
	    disputes_event_add(s, id, on, env->now, kind, st->name, st->responder, note, env->actor, &cause) == 0 &&
	    audit_add(s, env->now, env->actor, what, subj, detail, &cause) == 0 &&
	    disputes_fire(s, env->cfg, id, env->now, env->actor, NULL, &cause) == 0;
	free(what);
	dispute_free(d);
	if (!rc) {
		snprintf(subj, sizeof subj, "dispute %lld: %s: ", (long long)id, kind);
		return op_fail(env, a, cause, "%s", subj);
	}
	return op_dispute_finish(env, id, kind, a);
}

/* Refuse a change of a resolved dispute (CONFLICT); 0 when it is open. */
static int
op_dispute_open(const struct op_env *env, struct dispute *d, const char *what, struct op_answer *a)
{
	char on[DATE_BUFSZ];

	if (d->rec.resolved_on == DATE_NONE)
		return 0;
	op_refuse(env, a, OP_CONFLICT, "id", "dispute %lld: cannot %s: it was already resolved on %s",
	    (long long)d->rec.id, what, date_format(d->rec.resolved_on, on));
	dispute_free(d);
	return -1;
}

/* Which field of a raise disputes_raise refused (checked in its order). */
static const char *
op_dispute_raise_field(const struct op_env *env, const struct op_dispute_request *r, enum op_result *result)
{
	struct allocation al;
	struct dispute_ladder l;

	*result = OP_BAD_INPUT;
	if (r->case_ref == NULL || allocation_get(env->store, r->case_ref, &al) != 0) {
		*result = OP_NOT_FOUND;
		return "case_ref";
	}
	allocation_free(&al);
	if (!plan_disputes_category_ok(r->category))
		return "category";
	if (r->iro_email == NULL || !plan_disputes_address_ok(r->iro_email))
		return "iro_email";
	plan_disputes_ladder_from_config(env->cfg, &l);
	if (l.n > 0 && r->stage != NULL && plan_disputes_stage_index(&l, r->stage) < 0)
		return "stage";
	return NULL;
}

/* See ops.h. */
int
op_dispute_raise(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a)
{
	struct store *s = env->store;
	struct dispute_raise dr;
	enum op_result result;
	const char *field;
	char *cause = NULL;
	int64_t id = 0;

	memset(a, 0, sizeof *a);
	memset(&dr, 0, sizeof dr);
	dr.case_ref = r->case_ref;
	dr.iro_email = r->iro_email;
	dr.category = r->category;
	dr.stage = r->stage;
	dr.note = r->note;
	dr.raised_on = op_dispute_on(env, r);
	dr.actor = env->actor;
	if (store_begin(s, &cause) != 0)
		return op_fail(env, a, cause, "dispute raise: ");
	if (disputes_raise(s, env->cfg, &dr, env->now, &id, &cause) != 0) {
		if (store_unavailable(s) || (field = op_dispute_raise_field(env, r, &result)) == NULL)
			return op_fail(env, a, cause, "dispute raise: ");
		op_refuse(env, a, result, field, "dispute raise: %s; nothing changed", cause);
		free(cause);
		return -1;
	}
	a->created = 1;
	return op_dispute_finish(env, id, "raise", a);
}

/* See ops.h. */
int
op_dispute_respond(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a)
{
	struct dispute d;
	int on = op_dispute_on(env, r);
	char *detail;
	int rc;

	memset(a, 0, sizeof *a);
	if (r->note == NULL)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "note", "dispute %lld: a response needs a note", (long long)r->id);
	if (op_dispute_begin(env, r->id, on, &d, a) != 0 || op_dispute_open(env, &d, "record a response", a) != 0)
		return -1;
	if (on < d.rec.stage_started_on) {
		dispute_free(&d);
		return op_refuse(env, a, OP_BAD_INPUT, "on",
		    "dispute %lld: a response cannot predate the stage's start", (long long)r->id);
	}
	if (d.rec.responded_on == DATE_NONE)
		d.rec.responded_on = on;
	xasprintf(&detail, "response at stage %s", d.rec.ladder.stages[d.rec.stage].name);
	rc = op_dispute_change(env, &d, "response", on, r->note, detail, a);
	free(detail);
	return rc;
}

/* See ops.h. */
int
op_dispute_escalate(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a)
{
	struct dispute d;
	int on = op_dispute_on(env, r), stage, i, rc;
	char *detail, *names = NULL, *t, due[DATE_BUFSZ];

	memset(a, 0, sizeof *a);
	if (op_dispute_begin(env, r->id, on, &d, a) != 0 || op_dispute_open(env, &d, "escalate", a) != 0)
		return -1;
	/* Dated before the current stage began, the history would put the stages out of order. */
	if (on < d.rec.stage_started_on) {
		op_refuse(env, a, OP_BAD_INPUT, "on",
		    "dispute %lld: an escalation cannot predate the stage's start (%s)", (long long)r->id,
		    date_format(d.rec.stage_started_on, due));
		goto refused;
	}
	stage = r->stage != NULL ? plan_disputes_stage_index(&d.rec.ladder, r->stage) : d.rec.stage + 1;
	if (r->stage != NULL && stage < 0) {
		for (i = 0; i < d.rec.ladder.n; i++) {
			xasprintf(
			    &t, "%s%s%s", names != NULL ? names : "", i > 0 ? ", " : "", d.rec.ladder.stages[i].name);
			free(names);
			names = t;
		}
		op_refuse(env, a, OP_BAD_INPUT, "to", "dispute %lld: stage \"%s\" is not in its ladder (%s)",
		    (long long)r->id, r->stage, names != NULL ? names : "");
		free(names);
		goto refused;
	}
	if (stage >= d.rec.ladder.n) {
		op_refuse(env, a, OP_CONFLICT, "id", "dispute %lld: already at the last stage (%s)", (long long)r->id,
		    d.rec.ladder.stages[d.rec.stage].name);
		goto refused;
	}
	if (stage <= d.rec.stage) {
		op_refuse(env, a, OP_CONFLICT, "to", "dispute %lld: stage %s is not above the current stage %s",
		    (long long)r->id, d.rec.ladder.stages[stage].name, d.rec.ladder.stages[d.rec.stage].name);
		goto refused;
	}
	xasprintf(&detail, "stage %s -> %s (by the IRO)", d.rec.ladder.stages[d.rec.stage].name,
	    d.rec.ladder.stages[stage].name);
	d.rec.stage = stage;
	d.rec.stage_started_on = on;
	d.rec.stage_due_on = plan_disputes_stage_due(env->cfg->calendar, &d.rec.ladder, stage, on);
	d.rec.responded_on = DATE_NONE;
	if (d.rec.formal_started_on == DATE_NONE && plan_disputes_stage_formal(&d.rec.ladder.stages[stage]))
		d.rec.formal_started_on = on;
	rc = op_dispute_change(env, &d, "escalated", on, r->note, detail, a);
	free(detail);
	return rc;
refused:
	dispute_free(&d);
	return -1;
}

/* See ops.h. */
int
op_dispute_resolve(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a)
{
	struct dispute d;
	int on = op_dispute_on(env, r), rc;
	char *detail, *outcome;

	memset(a, 0, sizeof *a);
	if (r->outcome == NULL)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "outcome", "dispute %lld: resolving needs an outcome", (long long)r->id);
	if (op_dispute_begin(env, r->id, on, &d, a) != 0 || op_dispute_open(env, &d, "resolve", a) != 0)
		return -1;
	if (on < d.rec.raised_on) {
		dispute_free(&d);
		return op_refuse(env, a, OP_BAD_INPUT, "on", "dispute %lld: cannot be resolved before it was raised",
		    (long long)r->id);
	}
	free(d.outcome);
	d.outcome = xstrdup(r->outcome);
	d.rec.resolved_on = on;
	xasprintf(&detail, "resolved at stage %s", d.rec.ladder.stages[d.rec.stage].name);
	outcome = xstrdup(r->outcome);
	rc = op_dispute_change(env, &d, "resolved", on, outcome, detail, a);
	free(outcome);
	free(detail);
	return rc;
}

/* See ops.h. */
int
op_dispute_cafcass(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a)
{
	struct dispute d;
	int on = op_dispute_on(env, r);
	char day[DATE_BUFSZ];

	memset(a, 0, sizeof *a);
	if (r->note == NULL)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "note", "dispute %lld: a Cafcass referral needs a note", (long long)r->id);
	if (op_dispute_begin(env, r->id, on, &d, a) != 0)
		return -1;
	if (d.cafcass_on != DATE_NONE) {
		op_refuse(env, a, OP_CONFLICT, "id", "dispute %lld: already referred to Cafcass on %s",
		    (long long)r->id, date_format(d.cafcass_on, day));
		dispute_free(&d);
		return -1;
	}
	/* The digest counts a referral in the month of its date. */
	if (on < d.rec.raised_on) {
		op_refuse(env, a, OP_BAD_INPUT, "on",
		    "dispute %lld: a Cafcass referral cannot predate the dispute (raised %s)", (long long)r->id,
		    date_format(d.rec.raised_on, day));
		dispute_free(&d);
		return -1;
	}
	d.cafcass_on = on;
	free(d.cafcass_note);
	d.cafcass_note = xstrdup(r->note);
	return op_dispute_change(env, &d, "cafcass", on, r->note, "referred to Cafcass", a);
}
