/*
 * watch_reviews.c: the looked-after reviews watcher. Each pass plans every child at now and fires
 * what has come due: reminders to the social worker, team manager and IRO before a review is due,
 * weekly overdue notices to the team manager and head of service, the permanence reminder before
 * the second review, and, when a second review was held without a permanence plan, an IRO dispute
 * raised on the IRO's behalf (recorded, so it is raised once per period of care). Notices carry
 * dedupe keys naming the rule, case, period, due date, level and recipient, so a second pass or a
 * restart sends nothing twice and a changed due date plans afresh.
 */
#include <stdbool.h>
#include <stdint.h>
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
#include "notice.h"
#include "plan_reviews.h"
#include "reviews.h"
#include "roles.h"
#include "store.h"
#include "watch.h"
#include "xmalloc.h"

/* Each REVIEW_TO_* bit (1, 2, 4, 8 in order): how messages name it, and its part as notice.h and
 * links.h spell it. */
static const struct {
	const char *who, *role;
} reviews_parts[] = {
	{ "social worker", "social-worker" },
	{ "team manager", "team-manager" },
	{ "IRO", "iro" },
	{ "head of service", "head-of-service" },
};

/* The index of a single REVIEW_TO_* bit in reviews_parts, or -1. */
static int
reviews_part(int bit)
{
	int i;

	for (i = 0; i < (int)(sizeof reviews_parts / sizeof reviews_parts[0]); i++) {
		if (bit == 1 << i)
			return i;
	}
	return -1;
}

/* Who a bit names, for messages and explain. */
const char *
reviews_who(int bit)
{
	int i = reviews_part(bit);

	return i < 0 ? "?" : reviews_parts[i].who;
}

/* The part a REVIEW_TO_* bit names, as notice.h and links.h spell it. */
static const char *
reviews_role(int bit)
{
	int i = reviews_part(bit);

	return i < 0 ? "head-of-service" : reviews_parts[i].role;
}

/* See reviews.h. */
int
reviews_recipient(struct store *s, const struct config *cfg, const char *case_ref, const struct allocation *a, int bit,
    char **address, char **transport, char **why)
{
	struct notice_to to = { NOTICE_TO_ALLOCATION, reviews_role(bit), case_ref, a, false, reviews_who(bit) };

	*address = *transport = NULL;
	if (a == NULL) {
		xasprintf(why, "case %s has no allocation (driftwatchctl import allocations)", case_ref);
		return -1;
	}
	if (bit == REVIEW_TO_HEAD_OF_SERVICE)
		to.kind = NOTICE_TO_ROLE;
	return notice_route_pair(s, cfg, &to, address, transport, why);
}

/* See reviews.h. */
char *
reviews_dedupe_key(const char *case_ref, const struct review_item *it, const char *address)
{
	char start[DATE_BUFSZ], due[DATE_BUFSZ];

	return notice_key("reviews", address, case_ref, it->rule, date_format(it->period_start, start),
	    date_format(it->due_on, due), it->level, (const char *)NULL);
}

/*
 * Subject, body and batch line of one notice. The case reference goes in the body only: subjects
 * travel in plain text and are shown in every list, so they identify no child at all.
 */
static void
reviews_compose(const struct review_item *it, int bit, int today, char **subject, const char **action_out,
    char **receive, char **batch)
{
	char due[DATE_BUFSZ];
	const char *action;

	date_format(it->due_on, due);
	*batch = NULL;
	switch (it->kind) {
	case REVIEW_ITEM_REMINDER:
		xasprintf(subject, "Looked-after review due on %s", due);
		action = "Please make sure the review is arranged with the IRO and held by that date "
			 "(Care Planning Regulations 2010, reg 33).";
		xasprintf(batch, "%s", it->reason);
		break;
	case REVIEW_ITEM_OVERDUE:
		xasprintf(subject, "Overdue looked-after review (due %s)", due);
		action = bit == REVIEW_TO_HEAD_OF_SERVICE ?
		    "You are told as head of service because the review is overdue. You will be told again each week "
		    "while it stays overdue." :
		    "Please arrange the review now and record it when it has been held. You and the head of service "
		    "will be told again each week while it stays overdue.";
		break;
	case REVIEW_ITEM_PERMANENCE:
		xasprintf(subject, "Permanence plan needed before the second review (due %s)", due);
		action = "The care plan must contain a plan for permanence by the second review. If none is agreed "
			 "by then, the IRO will raise a dispute under the escalation protocol.";
		xasprintf(batch, "%s", it->reason);
		break;
	default:
		xasprintf(subject, "Looked-after review");
		action = "";
		break;
	}
	*action_out = action;
	xasprintf(
	    receive, "You receive this as the child's %s. Today is %s.", reviews_who(bit), date_format(today, due));
}

/* Enqueue one item's notices to each of its recipients. */
static int
reviews_fire_item(struct store *s, const struct config *cfg, const char *case_ref, const struct allocation *a,
    const struct review_item *it, int today, time_t now, int *sent, char **cause)
{
	struct notice_spec n;
	struct notice_route route = { NULL, NULL, NULL };
	char *why, *key, *subject, *receive, *batch, due[DATE_BUFSZ];
	const char *action;
	int bit, added, rc = 0;

	for (bit = 1; bit <= REVIEW_TO_HEAD_OF_SERVICE; bit <<= 1) {
		if ((it->recipients & bit) == 0)
			continue;
		if (reviews_recipient(s, cfg, case_ref, a, bit, &route.address, &route.transport, &why) != 0) {
			log_warnx(
			    "reviews: case %s: %s to the %s: %s; skipped", case_ref, it->rule, reviews_who(bit), why);
			free(why);
			continue;
		}
		key = reviews_dedupe_key(case_ref, it, route.address);
		/* Queued by an earlier pass: the enqueue would be a no-op, so render nothing. */
		if (notice_state(s, key, NULL)) {
			notice_route_free(&route);
			free(key);
			continue;
		}
		reviews_compose(it, bit, today, &subject, &action, &receive, &batch);
		memset(&n, 0, sizeof n);
		n.kind = it->kind == REVIEW_ITEM_OVERDUE ? "escalation" : "reminder";
		n.rule = it->rule;
		n.dedupe_key = key;
		n.domain = LINK_REVIEW;
		n.role = reviews_role(bit);
		n.ref = case_ref;
		n.due = it->due_on;
		n.subject = subject;
		n.heading = it->reason;
		n.paras[0] = *action != '\0' ? action : NULL;
		n.paras[1] = receive;
		n.facts[n.nfacts++] = (struct notice_fact){ "Case reference", case_ref };
		n.facts[n.nfacts++] = (struct notice_fact){ "Review due", date_format(it->due_on, due) };
		n.facts[n.nfacts++] = (struct notice_fact){ "Review", it->level };
		n.batch = batch;
		n.urgency = today - it->due_on;
		rc = notice_enqueue(s, cfg, &n, &route, now, &added, cause);
		if (rc == 0 && added) {
			(*sent)++;
			rc = audit_add(s, now, "daemon", "notice-queued", case_ref, key, cause);
		}
		notice_route_free(&route);
		free(key), free(subject), free(receive), free(batch);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Raise the permanence dispute of a period once, on the IRO's behalf. */
static int
reviews_raise_dispute(struct store *s, const struct config *cfg, const char *case_ref, const struct allocation *a,
    const struct review_item *it, int today, time_t now, char **cause)
{
	struct dispute_raise r;
	char held[DATE_BUFSZ], *note, *detail;
	int64_t id = 0;
	int rc;

	if (reviews_dispute_get(s, case_ref, it->period_start, NULL, NULL))
		return 0;
	if (a->iro_email == NULL || strchr(a->iro_email, '@') == NULL) {
		log_warnx("reviews: case %s: second review held on %s with no permanence plan, but the case has no IRO "
			  "email in the allocations; the dispute will be raised once it has",
		    case_ref, date_format(it->due_on, held));
		return 0;
	}
	xasprintf(&note,
	    "Raised automatically by driftwatch: the second looked-after review was held on %s with no "
	    "permanence plan agreed (IRO escalation protocol).",
	    date_format(it->due_on, held));
	memset(&r, 0, sizeof r);
	r.case_ref = case_ref;
	r.iro_email = a->iro_email;
	r.category = "permanence";
	r.note = note;
	r.raised_on = today;
	r.actor = "daemon";
	rc = disputes_raise(s, cfg, &r, now, &id, cause);
	free(note);
	if (rc != 0)
		return -1;
	if (reviews_dispute_put(s, case_ref, it->period_start, it->due_on, id, now, cause) != 0)
		return -1;
	xasprintf(&detail, "dispute %lld: second review %s, no permanence plan", (long long)id, held);
	rc = audit_add(s, now, "daemon", "permanence-dispute-raised", case_ref, detail, cause);
	free(detail);
	if (rc == 0)
		log_info("reviews: case %s: permanence dispute %lld raised (second review %s, no plan)", case_ref,
		    (long long)id, held);
	return rc;
}

/* The watcher's pass; see watch.h. */
static int
watch_reviews_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	struct reviews_child *children = NULL;
	struct review_rules rules;
	int today = calendar_local_date(now), n = 0, i, j, sent = 0, unallocated = 0, rc = 0;
	const char *example = NULL;
	bool all;

	plan_reviews_rules(cfg, &rules);
	/* Only the children a change touched and those whose next notice has come due (dirty.h). */
	if (dirty_begin(s, "reviews", now, &all, &n, cause) != 0)
		return -1;
	if (!all && n == 0)
		goto done;
	if ((all ? reviews_load(s, NULL, &children, &n, cause) : reviews_load_set(s, &children, &n, cause)) != 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		struct review_child c;
		struct review_plan p;
		struct allocation a;
		int have = -1; /* -1 not looked up yet */
		time_t wake = 0;

		reviews_child_view(&children[i], &c);
		plan_reviews(&c, &rules, cfg->calendar, today, &p);
		for (j = 0; j < p.nitems && rc == 0; j++) {
			const struct review_item *it = &p.items[j];
			time_t at = calendar_local_time(it->fire_on, cfg->send_window.open);
			if (at > now) {
				if (wake == 0 || at < wake)
					wake = at;
				continue;
			}
			if (it->until < today)
				continue;
			if (have < 0)
				have = allocation_get(s, c.case_ref, &a) == 0;
			if (!have) { /* planned and listed, but nobody to tell: one summary line a pass */
				unallocated++;
				example = example != NULL ? example : c.case_ref;
				continue;
			}
			if (it->kind == REVIEW_ITEM_PERMANENCE_DISPUTE)
				rc = reviews_raise_dispute(s, cfg, c.case_ref, &a, it, today, now, cause);
			else
				rc = reviews_fire_item(s, cfg, c.case_ref, &a, it, today, now, &sent, cause);
		}
		if (have > 0)
			allocation_free(&a);
		review_plan_free(&p);
		/* The child is planned again at its next notice, or when a change marks it. */
		if (rc == 0)
			rc = dirty_next_put(s, "reviews", c.case_ref, wake, cause);
	}
	if (unallocated > 0)
		log_warnx(
		    "reviews: %d notice%s or dispute%s due for children with no allocation (e.g. case %s) skipped: "
		    "import allocations",
		    unallocated, unallocated == 1 ? "" : "s", unallocated == 1 ? "" : "s", example);
	if (sent > 0)
		log_info("reviews: %d notice%s queued", sent, sent == 1 ? "" : "s");
	reviews_children_free(children, n);
done:
	if (rc == 0)
		dirty_next(s, "reviews", now, next);
	return rc;
}

const struct watcher watch_reviews = {
	"reviews",
	watch_reviews_fire,
};
