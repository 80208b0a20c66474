/*
 * disputes.c: the IRO disputes module. Raising a dispute is recording it, then firing what is due
 * at once; firing one dispute plans its ladder, enqueues every notice that has come due (through the
 * notice layer, notice.h) and moves it up a stage when a deadline passes with no response — the
 * state change, its history, its audit entry and its notices in the caller's one transaction. The
 * watcher that fires them as time passes is watch_disputes.c.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "disputes.h"
#include "log.h"
#include "notice.h"
#include "roles.h"
#include "store.h"
#include "xmalloc.h"

/* Moves up in one pass for one dispute, at most (a long outage walks the whole ladder). */
#define DISPUTES_MAX_ROUNDS (DISPUTE_STAGES_MAX + 2)

/* See disputes.h. */
int
disputes_recipient(struct store *s, const struct config *cfg, const struct dispute *d, const char *who, char **address,
    char **transport, char **why)
{
	struct notice_to to = { NOTICE_TO_ROLE, who, d->case_ref, NULL, true, NULL };

	if (strcmp(who, "iro") == 0)
		to.kind = NOTICE_TO_ADDRESS, to.who = d->raised_by;
	else if (strcmp(who, "team-manager") == 0 || strcmp(who, "social-worker") == 0)
		to.kind = NOTICE_TO_ALLOCATION;
	return notice_route_pair(s, cfg, &to, address, transport, why);
}

/* See disputes.h. */
char *
disputes_dedupe_key(const struct dispute *d, const struct dispute_item *it, const char *address)
{
	char id[24], due[DATE_BUFSZ];
	const char *stage = d->rec.ladder.stages[it->stage].name;

	/* Outcome and total-limit notices go once per person, whatever the stage. */
	if (it->rule == DISPUTE_RULE_RESOLVED || it->rule == DISPUTE_RULE_TOTAL_LIMIT)
		stage = "-";
	snprintf(id, sizeof id, "%lld", (long long)d->rec.id);
	return notice_key("dispute", address, id, plan_disputes_rule_name(it->rule), stage,
	    date_format(it->head.due, due), (const char *)NULL);
}

/* The history so far, one line an entry. */
static void
disputes_cat_history(char **body, const struct dispute *d)
{
	char on[DATE_BUFSZ];
	int i;

	xappendf(body, "History so far:");
	for (i = 0; i < d->nevents; i++) {
		const struct dispute_event *e = &d->events[i];
		xappendf(body, "\n  %s  %s", date_format(e->on_date, on), e->kind);
		if (e->stage != NULL)
			xappendf(body, ", stage %s", e->stage);
		if (e->responder != NULL)
			xappendf(body, " (%s)", e->responder);
		if (e->note != NULL && *e->note != '\0')
			xappendf(body, ": %s", e->note);
	}
}

/* Subject and text of one notice; nothing but the dispute number in the subject. */
static void
disputes_compose(const struct dispute *d, const struct dispute_item *it, char **subject, char **body, char **batch)
{
	const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
	long long id = (long long)d->rec.id;
	char due[DATE_BUFSZ], started[DATE_BUFSZ], on[DATE_BUFSZ];

	date_format(d->rec.stage_due_on, due);
	date_format(d->rec.stage_started_on, started);
	*subject = *body = *batch = NULL;
	switch (it->rule) {
	case DISPUTE_RULE_STAGE:
		xasprintf(subject, "IRO dispute %lld: stage %s, your response is due by %s", id, st->name, due);
		xappendf(body,
		    "An IRO dispute about case %s has reached stage %s, which is yours to answer (%s).\n"
		    "Please respond by %s (%d working days from %s).\n",
		    d->case_ref, st->name, st->responder, due, st->limit_wd, started);
		break;
	case DISPUTE_RULE_RAISED:
		xasprintf(subject, "IRO dispute %lld raised at stage %s", id, st->name);
		xappendf(body,
		    "Your dispute about case %s is recorded at stage %s.\n"
		    "The %s must respond by %s; if nobody does, it moves up a stage by itself.\n",
		    d->case_ref, st->name, st->responder, due);
		break;
	case DISPUTE_RULE_MOVED:
		xasprintf(subject, "IRO dispute %lld has moved up to stage %s", id, st->name);
		xappendf(body, "The IRO dispute about case %s is now at stage %s (%s, response due by %s).\n%s\n",
		    d->case_ref, st->name, st->responder, due,
		    d->rec.entry == DISPUTE_ENTRY_MOVED_UP ? "The previous stage's deadline passed with no response." :
							     "The IRO escalated it.");
		break;
	case DISPUTE_RULE_REMINDER:
		xasprintf(subject, "Reminder: IRO dispute %lld, response due by %s", id, due);
		xappendf(body,
		    "The IRO dispute about case %s (stage %s) needs your response by %s.\n"
		    "Without one it moves up to the next stage the working day after.\n",
		    d->case_ref, st->name, due);
		xasprintf(
		    batch, "IRO dispute %lld (case %s), stage %s: response due by %s", id, d->case_ref, st->name, due);
		break;
	case DISPUTE_RULE_ADVANCE:
		break;
	case DISPUTE_RULE_LAST_STAGE:
		xasprintf(subject, "IRO dispute %lld: no response at the last stage", id);
		xappendf(body,
		    "The IRO dispute about case %s had no response by %s at stage %s, the last of the ladder.\n"
		    "driftwatch moves it no further; the IRO may refer the case to Cafcass.\n",
		    d->case_ref, due, st->name);
		break;
	case DISPUTE_RULE_IRO_ASK:
		xasprintf(subject, "IRO dispute %lld: a response at stage %s", id, st->name);
		xappendf(body,
		    "Stage %s of your dispute about case %s was answered on %s.\n"
		    "Please resolve it (driftwatchctl dispute resolve %lld --outcome ...) or escalate it "
		    "(driftwatchctl dispute escalate %lld).\n",
		    st->name, d->case_ref, date_format(d->rec.responded_on, on), id, id);
		break;
	case DISPUTE_RULE_IRO_REMIND:
		xasprintf(subject, "Reminder: IRO dispute %lld awaits your decision", id);
		xappendf(body,
		    "Stage %s of your dispute about case %s was answered on %s and is neither resolved "
		    "nor escalated.\n",
		    st->name, d->case_ref, date_format(d->rec.responded_on, on));
		xasprintf(
		    batch, "IRO dispute %lld (case %s): answered on %s, resolve or escalate", id, d->case_ref, on);
		break;
	case DISPUTE_RULE_TOTAL_LIMIT:
		xasprintf(subject, "IRO dispute %lld is past the formal time limit", id);
		xappendf(body,
		    "The formal dispute about case %s began on %s and is still open (stage %s): it has passed "
		    "the limit of the formal process in total.\n",
		    d->case_ref, date_format(d->rec.formal_started_on, on), st->name);
		break;
	case DISPUTE_RULE_RESOLVED:
		xasprintf(subject, "IRO dispute %lld resolved", id);
		xappendf(body, "The IRO dispute about case %s was resolved on %s at stage %s.\nOutcome: %s\n",
		    d->case_ref, date_format(d->rec.resolved_on, on), st->name,
		    d->outcome != NULL ? d->outcome : "(none given)");
		break;
	}
}

/* Enqueue one planned notice to everyone it names (a missing email is logged and skipped). */
static int
disputes_enqueue(struct store *s, const struct config *cfg, const struct dispute *d, const struct dispute_item *it,
    time_t now, const char *actor, char **cause)
{
	const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
	struct notice_spec n;
	struct notice_route route = { NULL, NULL, NULL };
	char *why, *key, *subject, *body, *batch, *history = NULL, *stage, *raised, subj[32], due[DATE_BUFSZ],
						  on[DATE_BUFSZ];
	int added = 0, rc = 0;

	if (disputes_recipient(s, cfg, d, it->recipient, &route.address, &route.transport, &why) != 0) {
		log_warnx("disputes: dispute %lld: %s: %s; skipped", (long long)d->rec.id,
		    plan_disputes_rule_name(it->rule), why);
		free(why);
		return 0;
	}
	key = disputes_dedupe_key(d, it, route.address);
	/* Queued by an earlier pass: the enqueue would be a no-op, so render nothing. */
	if (notice_state(s, key, NULL)) {
		notice_route_free(&route);
		free(key);
		return 0;
	}
	disputes_compose(d, it, &subject, &body, &batch);
	disputes_cat_history(&history, d);
	snprintf(subj, sizeof subj, "%lld", (long long)d->rec.id);
	xasprintf(&stage, "%s (%s)", st->name, st->responder);
	xasprintf(&raised, "%s by %s", date_format(d->rec.raised_on, on), d->raised_by);
	memset(&n, 0, sizeof n);
	n.kind = it->urgent_kind ? "escalation" : "reminder";
	n.rule = plan_disputes_rule_name(it->rule);
	n.dedupe_key = key;
	n.domain = LINK_DISPUTE;
	/* The links' part: the IRO; the stage's responder, asked to respond; anyone else told of it. */
	n.role = strcmp(it->recipient, "iro") == 0    ? "iro" :
	    strcmp(it->recipient, st->responder) == 0 ? "responder" :
							"escalation";
	n.id = d->rec.id;
	n.ref = d->case_ref;
	n.due = d->rec.stage_due_on;
	n.subject = subject;
	n.heading = subject;
	n.paras[0] = body;
	n.facts[n.nfacts++] = (struct notice_fact){ "Dispute", subj };
	n.facts[n.nfacts++] = (struct notice_fact){ "Case reference", d->case_ref };
	n.facts[n.nfacts++] = (struct notice_fact){ "Category", d->category };
	n.facts[n.nfacts++] = (struct notice_fact){ "Stage", stage };
	n.facts[n.nfacts++] = (struct notice_fact){ "Response due", date_format(d->rec.stage_due_on, due) };
	n.facts[n.nfacts++] = (struct notice_fact){ "Raised", raised };
	n.after = history;
	if (batch != NULL && !it->urgent_kind) {
		n.batch = batch;
		n.urgency = 1;
	}
	if (notice_enqueue(s, cfg, &n, &route, now, &added, cause) != 0)
		rc = -1;
	else if (added) {
		snprintf(subj, sizeof subj, "dispute:%lld", (long long)d->rec.id);
		rc = audit_add(s, now, actor, "dispute-notice", subj, key, cause);
	}
	notice_route_free(&route);
	free(key), free(subject), free(body), free(batch), free(history), free(stage), free(raised);
	return rc;
}

/* Move up one stage on `on`: state, history and audit. */
static int
disputes_move_up(
    struct store *s, const struct config *cfg, struct dispute *d, int on, time_t now, const char *actor, char **cause)
{
	char subj[32], detail[160], day[DATE_BUFSZ];
	const char *from = d->rec.ladder.stages[d->rec.stage].name;

	snprintf(detail, sizeof detail, "stage %s -> ", from);
	plan_disputes_advance(&d->rec, cfg->calendar, on);
	snprintf(detail + strlen(detail), sizeof detail - strlen(detail), "%s on %s (no response by the deadline)",
	    d->rec.ladder.stages[d->rec.stage].name, date_format(on, day));
	snprintf(subj, sizeof subj, "dispute:%lld", (long long)d->rec.id);
	if (disputes_update(s, d, cause) != 0 ||
	    disputes_event_add(s, d->rec.id, on, now, "moved-up", d->rec.ladder.stages[d->rec.stage].name,
		d->rec.ladder.stages[d->rec.stage].responder, "no response by the deadline", actor, cause) != 0 ||
	    audit_add(s, now, actor, "dispute-moved-up", subj, detail, cause) != 0)
		return -1;
	log_info("disputes: dispute %lld: %s", (long long)d->rec.id, detail);
	return 0;
}

/*
 * Fire what fell due for one dispute by due_by (the moves up only, when advances_only), recorded at
 * now; *next (may be NULL) is lowered to its next fire instant.
 */
static int
disputes_fire_by(struct store *s, const struct config *cfg, int64_t id, time_t due_by, time_t now, bool advances_only,
    const char *actor, time_t *next, char **cause)
{
	struct dispute d;
	struct dispute_rules rules;
	struct dispute_plan plan;
	const struct dispute_item *it;
	int today = calendar_local_date(due_by), i, round, moved;
	time_t at;

	plan_disputes_rules(cfg, &rules);
	plan_items_init(&plan.items, sizeof *it);
	for (round = 0; round < DISPUTES_MAX_ROUNDS; round++) {
		if (disputes_load(s, id, &d) != 0)
			return 0;
		plan_disputes(&d.rec, &rules, cfg->calendar, today, &plan);
		moved = 0;
		for (i = 0; i < plan.items.n && !moved; i++) {
			it = plan_items_at(&plan.items, i);
			at = calendar_local_time(it->head.due, cfg->send_window.open);
			if (at > due_by) {
				if (next != NULL && (*next == 0 || at < *next))
					*next = at;
				continue;
			}
			if (!plan_item_live(&it->head, today))
				continue;
			if (it->rule == DISPUTE_RULE_ADVANCE) {
				/* Move up, then plan again: the new stage's notices come from the new record. */
				if (disputes_move_up(s, cfg, &d, it->head.due, now, actor, cause) != 0)
					goto fail;
				moved = 1;
			} else if (!advances_only && disputes_enqueue(s, cfg, &d, it, now, actor, cause) != 0)
				goto fail;
		}
		plan_disputes_free(&plan);
		dispute_free(&d);
		if (!moved)
			return 0;
	}
	return 0;
fail:
	plan_disputes_free(&plan);
	dispute_free(&d);
	return -1;
}

/* See disputes.h. */
int
disputes_fire(
    struct store *s, const struct config *cfg, int64_t id, time_t now, const char *actor, time_t *next, char **cause)
{
	return disputes_fire_by(s, cfg, id, now, now, false, actor, next, cause);
}

/* See disputes.h. */
int
disputes_catch_up(
    struct store *s, const struct config *cfg, int64_t id, int on, time_t now, const char *actor, char **cause)
{
	/* The daemon moves a dispute up at the send window's opening on the day it falls due, so by the
	 * end of `on` every move due that day has happened; never later than now. */
	time_t by = calendar_local_time(on, 24 * 60 - 1);

	return disputes_fire_by(s, cfg, id, by < now ? by : now, now, true, actor, NULL, cause);
}

/* See disputes.h. */
int
disputes_raise(
    struct store *s, const struct config *cfg, const struct dispute_raise *r, time_t now, int64_t *id, char **cause)
{
	struct allocation a;
	struct dispute d;
	const struct dispute_stage *st;
	char subj[32], *detail;
	int stage;

	memset(&d, 0, sizeof d);
	if (r->case_ref == NULL || allocation_get(s, r->case_ref, &a) != 0) {
		xasprintf(cause,
		    "unknown case \"%s\" (not in the allocations: run `driftwatchctl import allocations` first)",
		    r->case_ref != NULL ? r->case_ref : "");
		return -1;
	}
	allocation_free(&a);
	if (!plan_disputes_category_ok(r->category)) {
		xasprintf(cause,
		    "unknown category \"%s\" (drift-and-delay, permanence, care-plan, assessment, placement, "
		    "contact, health, education, legal-status, other)",
		    r->category != NULL ? r->category : "");
		return -1;
	}
	if (r->iro_email == NULL || !plan_disputes_address_ok(r->iro_email)) {
		xasprintf(
		    cause, "the IRO's email \"%s\" is not an email address", r->iro_email != NULL ? r->iro_email : "");
		return -1;
	}
	plan_disputes_ladder_from_config(cfg, &d.rec.ladder);
	if (d.rec.ladder.n == 0) {
		xasprintf(cause, "the ladder is empty (add stage = NAME, RESPONDER, LIMIT lines to [disputes])");
		return -1;
	}
	stage = r->stage == NULL ? 0 : plan_disputes_stage_index(&d.rec.ladder, r->stage);
	if (stage < 0) {
		char *names = NULL;
		for (int i = 0; i < d.rec.ladder.n; i++)
			xappendf(&names, "%s%s", i > 0 ? ", " : "", d.rec.ladder.stages[i].name);
		xasprintf(cause, "stage \"%s\" is not in the ladder (%s)", r->stage, names);
		free(names);
		return -1;
	}
	st = &d.rec.ladder.stages[stage];
	d.case_ref = xstrdup(r->case_ref);
	d.raised_by = xstrdup(r->iro_email);
	d.category = xstrdup(r->category);
	d.note = r->note != NULL ? xstrdup(r->note) : NULL;
	d.cafcass_on = DATE_NONE;
	d.rec.raised_on = r->raised_on != DATE_NONE ? r->raised_on : calendar_local_date(now);
	d.rec.stage = stage;
	d.rec.stage_started_on = d.rec.raised_on;
	d.rec.stage_due_on = plan_disputes_stage_due(cfg->calendar, &d.rec.ladder, stage, d.rec.raised_on);
	d.rec.responded_on = DATE_NONE;
	d.rec.resolved_on = DATE_NONE;
	d.rec.formal_started_on = plan_disputes_stage_formal(st) ? d.rec.raised_on : DATE_NONE;
	if (disputes_insert(s, &d, cause) != 0)
		goto fail;
	*id = d.rec.id;
	snprintf(subj, sizeof subj, "dispute:%lld", (long long)d.rec.id);
	xasprintf(&detail, "case %s, category %s, stage %s, by %s", d.case_ref, d.category, st->name, d.raised_by);
	if (disputes_event_add(s, d.rec.id, d.rec.raised_on, now, "raised", st->name, st->responder, r->note,
		r->actor != NULL ? r->actor : "daemon", cause) != 0 ||
	    audit_add(s, now, r->actor != NULL ? r->actor : "daemon", "dispute-raised", subj, detail, cause) != 0) {
		free(detail);
		goto fail;
	}
	free(detail);
	log_info("disputes: dispute %lld raised: case %s at stage %s", (long long)d.rec.id, d.case_ref, st->name);
	dispute_free(&d);
	return disputes_fire(s, cfg, *id, now, r->actor != NULL ? r->actor : "daemon", NULL, cause);
fail:
	dispute_free(&d);
	return -1;
}
