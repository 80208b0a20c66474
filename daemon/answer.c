/*
 * answer.c: what an answer link does; see answer.h. One row per action: the notice's link text,
 * the page's question and fields, then answer_apply hands the form to the same operation
 * driftwatchctl and the API use.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "calendar.h"
#include "config.h"
#include "token.h"

static const struct answer_kind answer_kinds[] = {
	{ "action-progress", 'a', "Update progress", "Update the progress of action",
	    ANSWER_NOTE | ANSWER_COMPLETE | ANSWER_EXPECTED, NULL, 0, "Record progress" },
	{ "asye-hours", 's', "Protected hours this week", "Protected hours this week for ASYE", ANSWER_HOURS, "Week of",
	    0, "Record the hours" },
	{ "asye-supervision", 's', "Supervision held on DATE", "Record supervision held for ASYE", ANSWER_DATE,
	    "Held on", 0, "Record the supervision" },
	{ "dispute-escalate", 'd', "Not satisfied: escalate", "Escalate the dispute about case", ANSWER_NOTE, NULL, 0,
	    "Escalate to the next stage" },
	{ "dispute-resolve", 'd', "Resolved", "Resolve the dispute about case", ANSWER_OUTCOME | ANSWER_NOTE, NULL, 0,
	    "Record it resolved" },
	{ "dispute-respond", 'd', "Record our response", "Record your response to the dispute about case",
	    ANSWER_NOTE | ANSWER_NOTE_NEED, NULL, 0, "Record our response" },
	{ "not-mine", 0, "This is not mine", "Not mine: the notice", ANSWER_NOTE, NULL, 0, "Tell the administrator" },
	{ "review-booked", 'r', "Review is booked for a date", "Book the next review of case", ANSWER_DATE,
	    "Booked for", 1, "Record the booking" },
	{ "review-held", 'r', "Review held on DATE", "Record a review held for case", ANSWER_DATE, "Held on", 0,
	    "Record the review" },
};

/* See answer.h. */
const struct answer_kind *
answer_kind(const char *action)
{
	size_t i;

	for (i = 0; i < sizeof answer_kinds / sizeof answer_kinds[0]; i++) {
		if (strcmp(answer_kinds[i].action, action) == 0)
			return &answer_kinds[i];
	}
	return NULL;
}

/* See answer.h. */
long
answer_grace_seconds(const struct config *cfg, time_t now)
{
	int today = calendar_local_date(now);

	return (long)(calendar_add(cfg->calendar, today, &cfg->links_key_grace) - today) * 86400;
}

/* A field given and not blank. */
static const char *
answer_text(const char *v)
{
	return v != NULL && v[strspn(v, " \t\r\n")] != '\0' ? v : NULL;
}

/* See answer.h. */
int
answer_apply(const struct op_env *env, const struct token *t, const struct answer_form *f, struct op_answer *a)
{
	const struct answer_kind *k = answer_kind(t->action);
	struct op_dispute_request dr;
	struct op_review_request rr;
	struct op_action_request ar;
	struct op_asye_request sr;
	struct op_not_mine_request nr;
	const char *note = answer_text(f->note);
	int date = env->today, expected = DATE_NONE;
	double hours = 0;
	char *end;

	memset(a, 0, sizeof *a);
	if (k == NULL || (k->domain != 0 && k->domain != t->domain))
		return op_refuse(env, a, OP_BAD_INPUT, "action", "this link names no answer driftwatch knows");
	if ((k->fields & ANSWER_DATE) && answer_text(f->date) != NULL && date_parse(f->date, &date) != 0)
		return op_refuse(env, a, OP_BAD_INPUT, "date", "the date is not a date (want YYYY-MM-DD)");
	if ((k->fields & ANSWER_EXPECTED) && answer_text(f->expected) != NULL &&
	    date_parse(f->expected, &expected) != 0)
		return op_refuse(
		    env, a, OP_BAD_INPUT, "expected_on", "the expected date is not a date (want YYYY-MM-DD)");
	if ((k->fields & ANSWER_NOTE_NEED) && note == NULL)
		return op_refuse(env, a, OP_BAD_INPUT, "note", "please write your response in the box");
	if (k->fields & ANSWER_HOURS) {
		errno = 0;
		hours = f->hours != NULL ? strtod(f->hours, &end) : -1;
		if (f->hours == NULL || end == f->hours || *end != '\0' || errno != 0 || !isfinite(hours) ||
		    hours < 0 || hours > 100)
			return op_refuse(env, a, OP_BAD_INPUT, "hours", "the hours are not a number from 0 to 100");
	}
	memset(&dr, 0, sizeof dr), memset(&rr, 0, sizeof rr), memset(&ar, 0, sizeof ar);
	memset(&sr, 0, sizeof sr), memset(&nr, 0, sizeof nr);
	dr.id = t->id, dr.on = env->today, dr.note = note;
	rr.case_ref = t->ref, rr.date = date;
	sr.person_id = t->ref, sr.date = date, sr.hours = hours;
	if (strcmp(k->action, "dispute-respond") == 0)
		return op_dispute_respond(env, &dr, a);
	if (strcmp(k->action, "dispute-resolve") == 0) {
		dr.outcome = answer_text(f->outcome);
		return op_dispute_resolve(env, &dr, a);
	}
	if (strcmp(k->action, "dispute-escalate") == 0)
		return op_dispute_escalate(env, &dr, a);
	if (strcmp(k->action, "action-progress") == 0) {
		ar.plan = t->plan[0] != '\0' ? t->plan : NULL;
		ar.ref = t->ref, ar.note = note, ar.on = env->today, ar.complete = f->complete != NULL;
		ar.expected = expected;
		return op_action_progress(env, &ar, a);
	}
	if (strcmp(k->action, "review-booked") == 0)
		return op_review_book(env, &rr, a);
	if (strcmp(k->action, "review-held") == 0)
		return op_review_record(env, &rr, a);
	if (strcmp(k->action, "asye-supervision") == 0)
		return op_asye_supervision(env, &sr, a);
	if (strcmp(k->action, "asye-hours") == 0)
		return op_asye_time(env, &sr, a);
	/* not-mine: the notice's key travels in the token's plan field. */
	nr.dedupe_key = t->plan, nr.recipient = t->recipient, nr.note = note;
	return op_notice_not_mine(env, &nr, a);
}
