/*
 * asye_json.c: where one ASYE stands, as JSON: the one form both `driftwatchctl asye list --json`
 * and the HTTP API (GET /v1/workers) print.
 */
#include <jansson.h>

#include "asye.h"
#include "asye_json.h"
#include "calendar.h"
#include "plan_asye.h"

/* See asye_json.h. */
json_t *
asye_json(const struct asye_worker *w, const struct asye_status *st)
{
	char a[11], b[11], d[11], e[11], f[11], g[11];

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:f, s:b, s:s?, s:s?, s:b, s:s?, s:s?, s:i, s:i, s:b}", "person_id",
	    w->person_id, "name", w->name, "team", w->team, "started_on", date_format(st->start, a), "ends_on",
	    date_format(st->end, b), "protected_hours", st->actual, "expected_hours", st->expected, "behind", st->behind,
	    "last_supervision", st->last_supervision != DATE_NONE ? date_format(st->last_supervision, d) : NULL,
	    "next_supervision", st->next_supervision != DATE_NONE ? date_format(st->next_supervision, e) : NULL,
	    "supervision_overdue", st->supervision_overdue, "next_review",
	    /* A buffer of its own: sharing started_on's would print one date for both. */
	    st->next_review != DATE_NONE ? date_format(st->next_review, f) : NULL, "next_reflection",
	    st->next_reflection != DATE_NONE ? date_format(st->next_reflection, g) : NULL, "caseload", w->caseload, "cap",
	    st->cap, "over_cap", st->over_cap);
}
