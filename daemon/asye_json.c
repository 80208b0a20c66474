/*
 * asye_json.c: where one ASYE stands, as JSON: the one form both `driftwatchctl asye list --json`
 * and the HTTP API (GET /v1/workers) print; and `explain worker` as JSON (driftwatchctl explain
 * worker PERSON --json, GET /v1/workers/{id}/explain).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "asye_json.h"
#include "calendar.h"
#include "explain_json.h"
#include "clock.h"
#include "config.h"
#include "notice.h"
#include "plan_asye.h"

/* See asye_json.h. */
json_t *
asye_json(const struct asye_worker *w, const struct asye_status *st)
{
	char a[DATE_BUFSZ], b[DATE_BUFSZ], d[DATE_BUFSZ], e[DATE_BUFSZ], f[DATE_BUFSZ], g[DATE_BUFSZ];

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:b, s:s?, s:s?, s:b, s:s?, s:s?, s:i, s:i, s:b}",
	    "person_id", w->person_id, "name", w->name, "team", w->team, "started_on", date_format(st->start, a),
	    "ends_on", date_format(st->end, b), "protected_hours", st->actual, "expected_hours", st->expected, "behind",
	    st->behind, "last_supervision",
	    st->last_supervision != DATE_NONE ? date_format(st->last_supervision, d) : NULL, "next_supervision",
	    st->next_supervision != DATE_NONE ? date_format(st->next_supervision, e) : NULL, "supervision_overdue",
	    st->supervision_overdue, "next_review",
	    /* A buffer of its own: sharing started_on's would print one date for both. */
	    st->next_review != DATE_NONE ? date_format(st->next_review, f) : NULL, "next_reflection",
	    st->next_reflection != DATE_NONE ? date_format(st->next_reflection, g) : NULL, "caseload", w->caseload,
	    "cap", st->cap, "over_cap", st->over_cap);
}

/* The programme's position at date: null for a worker who is not an ASYE. */
static json_t *
asye_explain_position(const struct asye_worker *w, const struct config *cfg, const struct asye_status *st)
{
	json_t *o;

	if (w->asye_started_on == DATE_NONE)
		return json_null();
	o = json_pack("{s:o, s:o, s:b, s:i}", "started_on", explain_json_date(st->start), "ends_on",
	    explain_json_date(st->end), "in_programme", st->in_programme, "pauses", w->npauses);
	if (!st->in_programme)
		return o;
	json_object_set_new(o, "protected_hours", json_real(st->actual));
	json_object_set_new(o, "expected_hours", json_real(st->expected));
	json_object_set_new(o, "window_from", explain_json_date(st->window_from));
	json_object_set_new(o, "window_to", explain_json_date(st->window_to));
	json_object_set_new(o, "behind", json_boolean(st->behind));
	json_object_set_new(o, "last_supervision", explain_json_date(st->last_supervision));
	json_object_set_new(o, "next_supervision", explain_json_date(st->next_supervision));
	json_object_set_new(o, "supervision_overdue", json_boolean(st->supervision_overdue));
	json_object_set_new(o, "reviews_held", json_integer(w->nreviews));
	json_object_set_new(o, "reviews_total", json_integer(cfg->asye_nreviews));
	json_object_set_new(o, "next_review", explain_json_date(st->next_review));
	/* No reflections configured: not tracked, so null rather than "0 of 0". */
	json_object_set_new(
	    o, "reflections_held", cfg->asye_nreflections > 0 ? json_integer(w->nreflections) : json_null());
	json_object_set_new(
	    o, "reflections_total", cfg->asye_nreflections > 0 ? json_integer(cfg->asye_nreflections) : json_null());
	json_object_set_new(
	    o, "next_reflection", cfg->asye_nreflections > 0 ? explain_json_date(st->next_reflection) : json_null());
	return o;
}

/* See asye_json.h. */
json_t *
asye_explain_json(struct store *s, const struct config *cfg, const struct asye_roster *r, const struct asye_worker *w,
    int date, time_t now)
{
	struct asye_notice *notices = NULL;
	struct asye_status st;
	json_t *o, *all = json_array();
	char when[32], detail[160], *cause = NULL;
	const char *word;
	struct notice_state ns;
	time_t sent_at;
	int n = 0, i;

	asye_status(w, cfg, date, &st);
	o = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:o}", "person_id", w->person_id, "name", w->name, "role", w->role,
	    "team", w->team[0] != '\0' ? w->team : NULL, "manager_email", w->manager_email, "at",
	    explain_json_date(date));
	json_object_set_new(o, "asye", asye_explain_position(w, cfg, &st));
	json_object_set_new(o, "caseload", json_integer(w->caseload));
	json_object_set_new(o, "limit", json_integer(st.cap));
	json_object_set_new(o, "over_cap", json_boolean(st.over_cap));
	if (asye_notices(s, cfg, r, date, w->person_id, &notices, &n, &cause) != 0)
		free(cause);
	for (i = 0; i < n; i++) {
		const struct asye_notice *no = &notices[i];
		sent_at = 0;
		/* The same cases, in the same order, as the text form. */
		if (no->recipient == NULL) {
			word = "not-sent";
			snprintf(detail, sizeof detail, "NOT SENT: %s", no->missing);
		} else if (notice_state(s, no->dedupe_key, &ns)) {
			if (strcmp(ns.state, "sent") == 0) {
				word = "sent";
				sent_at = ns.sent_at;
				snprintf(detail, sizeof detail, "sent %s", clock_format_local(sent_at, when));
			} else {
				word = explain_outbox_word(ns.state);
				snprintf(detail, sizeof detail, "in the outbox (%s)", ns.state);
			}
		} else if (no->fire_at > now) {
			word = "to-come";
			snprintf(detail, sizeof detail, "to come, %s", clock_format_local(no->fire_at, when));
		} else if (date > no->until) {
			word = "lapsed";
			snprintf(detail, sizeof detail, "not sent (its time passed)");
		} else {
			word = "due";
			snprintf(detail, sizeof detail,
			    "due now (queued on the daemon's next pass, sent in the send window)");
		}
		json_array_append_new(all,
		    json_pack("{s:s, s:b, s:s, s:s, s:s?, s:o, s:o, s:s, s:s, s:o}", "rule", no->rule, "escalation",
			no->escalation, "reason", no->reason, "to", no->to_desc, "address", no->recipient, "due",
			explain_json_date(no->due), "until", explain_json_date(no->until), "state", word, "detail",
			detail, "sent_at", sent_at > 0 ? json_string(clock_format_local(sent_at, when)) : json_null()));
	}
	asye_notices_free(notices, n);
	json_object_set_new(o, "notices", all);
	return o;
}
