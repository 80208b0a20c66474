/*
 * watch_disputes.c: the IRO disputes watcher. For every open dispute (and those resolved lately,
 * whose outcome notices may still be due) it plans the ladder, enqueues every notice that has come
 * due, and moves a dispute up a stage when a deadline passes with no response — the state change,
 * its history, its audit entry and its notices in the one transaction the scheduler holds.
 * disputes_raise() lives here too: raising is recording, then firing what is due at once.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "dirty.h"
#include "disputes.h"
#include "log.h"
#include "outbox.h"
#include "roles.h"
#include "store.h"
#include "watch.h"
#include "render.h"
#include "xmalloc.h"

/* Resolved disputes are watched this many days on, for their outcome notices. */
#define DISPUTES_RESOLVED_WATCH_DAYS 30
/* Moves up in one pass for one dispute, at most (a long outage walks the whole ladder). */
#define DISPUTES_MAX_ROUNDS (DISPUTE_STAGES_MAX + 2)

/* See disputes.h. */
int
disputes_recipient(struct store *s, const struct config *cfg, const struct dispute *d, const char *who,
    char **address, char **transport, char **why)
{
	struct allocation a;
	struct role_route route;
	const struct config_team *team = NULL;
	const char *key = who;
	int have = 0;

	*address = *transport = *why = NULL;
	if (strcmp(who, "iro") == 0) {
		*address = xstrdup(d->raised_by);
		*transport = xstrdup(outbox_transport_for(cfg, NULL));
		return 0;
	}
	have = allocation_get(s, d->case_ref, &a) == 0;
	if (strcmp(who, "team-manager") == 0 || strcmp(who, "social-worker") == 0) {
		const char *email = !have ? NULL : strcmp(who, "team-manager") == 0 ? a.team_manager_email : a.social_worker_email;
		if (email == NULL || !plan_dispute_address_ok(email)) {
			xasprintf(why, "case %s has no %s email in the allocations (import allocations)", d->case_ref, who);
			if (have)
				allocation_free(&a);
			return -1;
		}
		*address = xstrdup(email);
		*transport = xstrdup(outbox_transport_for(cfg, NULL));
		allocation_free(&a);
		return 0;
	}
	/* A team may name its own head of service or assistant director. */
	if (have && (team = config_team(cfg, a.team)) != NULL) {
		if (strcmp(who, "head-of-service") == 0 && team->head_of_service != NULL && *team->head_of_service != '\0')
			key = team->head_of_service;
		else if (strcmp(who, "assistant-director") == 0 && team->assistant_director != NULL &&
		    *team->assistant_director != '\0')
			key = team->assistant_director;
	}
	if (roles_route(s, cfg, key, &route, why) != 0) {
		role_route_free(&route);
		if (have)
			allocation_free(&a);
		return -1;
	}
	*address = route.email;
	*transport = route.transport;
	route.email = route.transport = NULL;
	role_route_free(&route);
	if (have)
		allocation_free(&a);
	if (!plan_dispute_address_ok(*address)) {
		xasprintf(why, "role %s's email \"%s\" is not one address", key, *address);
		free(*address), free(*transport);
		*address = *transport = NULL;
		return -1;
	}
	return 0;
}

/* See disputes.h. */
char *
disputes_dedupe_key(const struct dispute *d, const struct dispute_item *it, const char *address)
{
	char due[11], *key;
	const char *stage = d->rec.ladder.stages[it->stage].name;

	/* Outcome and total-limit notices go once per person, whatever the stage. */
	if (it->rule == DISPUTE_RULE_RESOLVED || it->rule == DISPUTE_RULE_TOTAL_LIMIT)
		stage = "-";
	xasprintf(&key, "dispute:%lld:%s:%s:%s:%s", (long long)d->rec.id, plan_dispute_rule_name(it->rule), stage,
	    date_format(it->due, due), address);
	return key;
}

/* Append to a growing string, in place (a notice's body is built from dozens of pieces). */
static void disputes_cat(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
disputes_cat(char **buf, const char *fmt, ...)
{
	size_t len = *buf != NULL ? strlen(*buf) : 0;
	char piece[512];
	va_list ap;
	int n;

	/* Most pieces fit the stack buffer: formatted once. */
	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof piece, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatalx("disputes: cannot format a notice");
	*buf = xreallocarray(*buf, len + (size_t)n + 1, 1);
	if ((size_t)n < sizeof piece)
		memcpy(*buf + len, piece, (size_t)n + 1);
	else {
		va_start(ap, fmt);
		vsnprintf(*buf + len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
}

/* HTML-escape one line into buf. */
static void
disputes_cat_html(char **buf, const char *line, size_t len)
{
	char *esc = render_html_escape(line, len, 0);

	disputes_cat(buf, "%s", esc);
	free(esc);
}

/* A simple HTML body from the text: escaped, one line a line. */
static char *
disputes_html(const char *text)
{
	char *html = NULL;
	const char *p = text, *nl;

	disputes_cat(&html, "<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n<p>\n");
	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl == p)
			disputes_cat(&html, "</p>\n<p>\n");
		else {
			disputes_cat_html(&html, p, nl != NULL ? (size_t)(nl - p) : strlen(p));
			disputes_cat(&html, "<br>\n");
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	disputes_cat(&html, "</p>\n</body></html>\n");
	return html;
}

/* The history so far, one line an entry. */
static void
disputes_cat_history(char **body, const struct dispute *d)
{
	char on[11];
	int i;

	disputes_cat(body, "\nHistory so far:\n");
	for (i = 0; i < d->nevents; i++) {
		const struct dispute_event *e = &d->events[i];
		disputes_cat(body, "  %s  %s", date_format(e->on_date, on), e->kind);
		if (e->stage != NULL)
			disputes_cat(body, ", stage %s", e->stage);
		if (e->responder != NULL)
			disputes_cat(body, " (%s)", e->responder);
		if (e->note != NULL && *e->note != '\0')
			disputes_cat(body, ": %s", e->note);
		disputes_cat(body, "\n");
	}
}

/* Subject and text of one notice; nothing but the dispute number in the subject. */
static void
disputes_compose(const struct dispute *d, const struct dispute_item *it, char **subject, char **body, char **batch)
{
	const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
	long long id = (long long)d->rec.id;
	char due[11], started[11], on[11];

	date_format(d->rec.stage_due_on, due);
	date_format(d->rec.stage_started_on, started);
	*subject = *body = *batch = NULL;
	switch (it->rule) {
	case DISPUTE_RULE_STAGE:
		xasprintf(subject, "IRO dispute %lld: stage %s, your response is due by %s", id, st->name, due);
		disputes_cat(body, "An IRO dispute about case %s has reached stage %s, which is yours to answer (%s).\n"
				   "Please respond by %s (%d working days from %s).\n",
		    d->case_ref, st->name, st->responder, due, st->limit_wd, started);
		break;
	case DISPUTE_RULE_RAISED:
		xasprintf(subject, "IRO dispute %lld raised at stage %s", id, st->name);
		disputes_cat(body, "Your dispute about case %s is recorded at stage %s.\n"
				   "The %s must respond by %s; if nobody does, it moves up a stage by itself.\n",
		    d->case_ref, st->name, st->responder, due);
		break;
	case DISPUTE_RULE_MOVED:
		xasprintf(subject, "IRO dispute %lld has moved up to stage %s", id, st->name);
		disputes_cat(body, "The IRO dispute about case %s is now at stage %s (%s, response due by %s).\n%s\n",
		    d->case_ref, st->name, st->responder, due,
		    d->rec.entry == DISPUTE_ENTRY_MOVED_UP ? "The previous stage's deadline passed with no response." :
							       "The IRO escalated it.");
		break;
	case DISPUTE_RULE_REMINDER:
		xasprintf(subject, "Reminder: IRO dispute %lld, response due by %s", id, due);
		disputes_cat(body, "The IRO dispute about case %s (stage %s) needs your response by %s.\n"
				   "Without one it moves up to the next stage the working day after.\n",
		    d->case_ref, st->name, due);
		xasprintf(batch, "IRO dispute %lld (case %s), stage %s: response due by %s", id, d->case_ref, st->name, due);
		break;
	case DISPUTE_RULE_ADVANCE:
		break;
	case DISPUTE_RULE_LAST_STAGE:
		xasprintf(subject, "IRO dispute %lld: no response at the last stage", id);
		disputes_cat(body, "The IRO dispute about case %s had no response by %s at stage %s, the last of the ladder.\n"
				   "driftwatch moves it no further; the IRO may refer the case to Cafcass.\n",
		    d->case_ref, due, st->name);
		break;
	case DISPUTE_RULE_IRO_ASK:
		xasprintf(subject, "IRO dispute %lld: a response at stage %s", id, st->name);
		disputes_cat(body, "Stage %s of your dispute about case %s was answered on %s.\n"
				   "Please resolve it (driftwatchctl dispute resolve %lld --outcome ...) or escalate it "
				   "(driftwatchctl dispute escalate %lld).\n",
		    st->name, d->case_ref, date_format(d->rec.responded_on, on), id, id);
		break;
	case DISPUTE_RULE_IRO_REMIND:
		xasprintf(subject, "Reminder: IRO dispute %lld awaits your decision", id);
		disputes_cat(body, "Stage %s of your dispute about case %s was answered on %s and is neither resolved "
				   "nor escalated.\n",
		    st->name, d->case_ref, date_format(d->rec.responded_on, on));
		xasprintf(batch, "IRO dispute %lld (case %s): answered on %s, resolve or escalate", id, d->case_ref, on);
		break;
	case DISPUTE_RULE_TOTAL_LIMIT:
		xasprintf(subject, "IRO dispute %lld is past the formal time limit", id);
		disputes_cat(body, "The formal dispute about case %s began on %s and is still open (stage %s): it has passed "
				   "the limit of the formal process in total.\n",
		    d->case_ref, date_format(d->rec.formal_started_on, on), st->name);
		break;
	case DISPUTE_RULE_RESOLVED:
		xasprintf(subject, "IRO dispute %lld resolved", id);
		disputes_cat(body, "The IRO dispute about case %s was resolved on %s at stage %s.\nOutcome: %s\n",
		    d->case_ref, date_format(d->rec.resolved_on, on), st->name, d->outcome != NULL ? d->outcome : "(none given)");
		break;
	}
	disputes_cat(body, "\nDispute %lld, case %s, category %s, raised on %s by %s.\n", id, d->case_ref, d->category,
	    date_format(d->rec.raised_on, on), d->raised_by);
	disputes_cat_history(body, d);
}

/* Enqueue one planned notice to everyone it names (a missing email is logged and skipped). */
static int
disputes_enqueue(struct store *s, const struct config *cfg, const struct dispute *d, const struct dispute_item *it,
    time_t now, const char *actor, char **cause)
{
	struct outbox_item o;
	char *address, *transport, *why, *key, *subject, *body, *batch, *html, *batch_html = NULL, subj[32], *state;
	int added = 0, rc = 0;
	time_t created, sent;

	if (disputes_recipient(s, cfg, d, it->recipient, &address, &transport, &why) != 0) {
		log_warnx("disputes: dispute %lld: %s: %s; skipped", (long long)d->rec.id, plan_dispute_rule_name(it->rule),
		    why);
		free(why);
		return 0;
	}
	key = disputes_dedupe_key(d, it, address);
	/* Queued by an earlier pass: the enqueue would be a no-op, so render nothing. */
	if (disputes_notice_state(s, key, &state, &created, &sent) == 0) {
		free(state), free(address), free(transport), free(key);
		return 0;
	}
	disputes_compose(d, it, &subject, &body, &batch);
	html = disputes_html(body);
	memset(&o, 0, sizeof o);
	o.dedupe_key = key;
	o.kind = it->urgent_kind ? "escalation" : "reminder";
	o.transport = transport;
	o.recipient = address;
	o.subject = subject;
	o.body_text = body;
	o.body_html = html;
	if (batch != NULL && !it->urgent_kind) {
		batch_html = disputes_html(batch);
		o.batch_text = batch;
		o.batch_html = batch_html;
		o.urgency = 1;
	}
	if (outbox_enqueue(s, cfg, &o, now, &added, cause) != 0)
		rc = -1;
	else if (added) {
		snprintf(subj, sizeof subj, "dispute:%lld", (long long)d->rec.id);
		rc = audit_add(s, now, actor, "dispute-notice", subj, key, cause);
	}
	free(address), free(transport), free(key), free(subject), free(body), free(batch), free(html), free(batch_html);
	return rc;
}

/* Move up one stage on `on`: state, history and audit. */
static int
disputes_move_up(struct store *s, const struct config *cfg, struct dispute *d, int on, time_t now, const char *actor,
    char **cause)
{
	char subj[32], detail[160], day[11];
	const char *from = d->rec.ladder.stages[d->rec.stage].name;

	snprintf(detail, sizeof detail, "stage %s -> ", from);
	plan_dispute_advance(&d->rec, cfg->calendar, on);
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

/* The rules from the config. */
static void
disputes_rules(const struct config *cfg, struct dispute_rules *r)
{
	r->remind_before = cfg->disputes_remind_before;
	r->iro_reminder_after = cfg->disputes_iro_reminder_after;
	r->total_limit = cfg->disputes_total_limit;
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
	struct dispute_item items[DISPUTE_ITEMS_MAX];
	int today = calendar_local_date(due_by), n, i, round, moved;
	time_t at;

	disputes_rules(cfg, &rules);
	for (round = 0; round < DISPUTES_MAX_ROUNDS; round++) {
		if (disputes_load(s, id, &d) != 0)
			return 0;
		n = plan_disputes(&d.rec, &rules, cfg->calendar, items, DISPUTE_ITEMS_MAX);
		moved = 0;
		for (i = 0; i < n && !moved; i++) {
			at = calendar_local_time(items[i].due, cfg->send_window.open);
			if (at > due_by) {
				if (next != NULL && (*next == 0 || at < *next))
					*next = at;
				continue;
			}
			if (!plan_dispute_item_live(&items[i], today))
				continue;
			if (items[i].rule == DISPUTE_RULE_ADVANCE) {
				/* Move up, then plan again: the new stage's notices come from the new record. */
				if (disputes_move_up(s, cfg, &d, items[i].due, now, actor, cause) != 0)
					goto fail;
				moved = 1;
			} else if (!advances_only && disputes_enqueue(s, cfg, &d, &items[i], now, actor, cause) != 0)
				goto fail;
		}
		dispute_free(&d);
		if (!moved)
			return 0;
	}
	return 0;
fail:
	dispute_free(&d);
	return -1;
}

/* See disputes.h. */
int
disputes_fire(struct store *s, const struct config *cfg, int64_t id, time_t now, const char *actor, time_t *next,
    char **cause)
{
	return disputes_fire_by(s, cfg, id, now, now, false, actor, next, cause);
}

/* See disputes.h. */
int
disputes_catch_up(struct store *s, const struct config *cfg, int64_t id, int on, time_t now, const char *actor,
    char **cause)
{
	/* The daemon moves a dispute up at the send window's opening on the day it falls due, so by the
	 * end of `on` every move due that day has happened; never later than now. */
	time_t by = calendar_local_time(on, 24 * 60 - 1);

	return disputes_fire_by(s, cfg, id, by < now ? by : now, now, true, actor, NULL, cause);
}

/* See disputes.h. */
int
disputes_raise(struct store *s, const struct config *cfg, const struct dispute_raise *r, time_t now, int64_t *id,
    char **cause)
{
	struct allocation a;
	struct dispute d;
	const struct dispute_stage *st;
	char subj[32], *detail;
	int stage;

	memset(&d, 0, sizeof d);
	if (r->case_ref == NULL || allocation_get(s, r->case_ref, &a) != 0) {
		xasprintf(cause, "unknown case \"%s\" (not in the allocations: run `driftwatchctl import allocations` first)",
		    r->case_ref != NULL ? r->case_ref : "");
		return -1;
	}
	allocation_free(&a);
	if (!plan_dispute_category_ok(r->category)) {
		xasprintf(cause, "unknown category \"%s\" (drift-and-delay, permanence, care-plan, assessment, placement, "
				 "contact, health, education, legal-status, other)",
		    r->category != NULL ? r->category : "");
		return -1;
	}
	if (r->iro_email == NULL || !plan_dispute_address_ok(r->iro_email)) {
		xasprintf(cause, "the IRO's email \"%s\" is not an email address", r->iro_email != NULL ? r->iro_email : "");
		return -1;
	}
	plan_dispute_ladder_from_config(cfg, &d.rec.ladder);
	if (d.rec.ladder.n == 0) {
		xasprintf(cause, "the ladder is empty (add stage = NAME, RESPONDER, LIMIT lines to [disputes])");
		return -1;
	}
	stage = r->stage == NULL ? 0 : plan_dispute_stage_index(&d.rec.ladder, r->stage);
	if (stage < 0) {
		char *names = NULL;
		for (int i = 0; i < d.rec.ladder.n; i++)
			disputes_cat(&names, "%s%s", i > 0 ? ", " : "", d.rec.ladder.stages[i].name);
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
	d.rec.stage_due_on = plan_dispute_stage_due(cfg->calendar, &d.rec.ladder, stage, d.rec.raised_on);
	d.rec.responded_on = DATE_NONE;
	d.rec.resolved_on = DATE_NONE;
	d.rec.formal_started_on = plan_dispute_stage_formal(st) ? d.rec.raised_on : DATE_NONE;
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

/*
 * The watcher: fire the active disputes a change touched or whose next notice or move has come due
 * (all of them after a full mark, see dirty.h), and keep each one's next instant.
 */
static int
watch_disputes_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	int64_t *ids;
	int since = calendar_local_date(now) - DISPUTES_RESOLVED_WATCH_DAYS, n, i, rc = 0;
	char key[24];
	time_t wake;
	bool all;

	if (dirty_begin(s, "disputes", now, &all, &n, cause) != 0)
		return -1;
	if (all)
		disputes_active(s, since, &ids, &n);
	else if (n > 0)
		disputes_active_set(s, since, &ids, &n);
	else
		ids = NULL;
	for (i = 0; i < n && rc == 0; i++) {
		wake = 0;
		rc = disputes_fire(s, cfg, ids[i], now, "daemon", &wake, cause);
		snprintf(key, sizeof key, "%lld", (long long)ids[i]);
		if (rc == 0)
			rc = dirty_next_put(s, "disputes", key, wake, cause);
	}
	free(ids);
	if (rc == 0)
		dirty_next(s, "disputes", now, next);
	return rc;
}

const struct watcher watch_disputes = { "disputes", watch_disputes_fire };
