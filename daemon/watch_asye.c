/*
 * watch_asye.c: the ASYE and caseload watcher. Plans every worker at now (plan_asye.c), turns
 * the items into notices with their recipients and dedupe keys, and enqueues those whose day has
 * come: team managers' reminders carry batch_text so one manager gets one message per send window
 * for all their ASYEs; a review point or critical reflection passed unrecorded goes alone to the
 * head of service; the assistant director gets the compliance list on the first working day of
 * each month.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "dirty.h"
#include "log.h"
#include "notice.h"
#include "outbox.h"
#include "roles.h"
#include "watch.h"
#include "render.h"
#include "xmalloc.h"

static const char *const asye_month_names[] = { "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December" };

/* Escape text for HTML. */
static char *
asye_html(const char *s)
{
	return render_html_escape(s, strlen(s), 0);
}

/* Who holds a role for a team: the notice layer's router ([team] override, the role's email), else
 * the workforce (same team, then anyone). */
static int
asye_route_role(struct store *s, const struct config *cfg, const struct asye_roster *r, const char *team,
    const char *role, char **email, char **desc, char **missing)
{
	const char *what = strcmp(role, "head-of-service") == 0 ? "head of service" : "assistant director";
	struct notice_to to = { NOTICE_TO_ROLE, role, NULL, NULL, false, what, team };
	struct notice_route route;
	char *cause = NULL;
	int i, pass;

	if (notice_route(s, cfg, &to, &route, &cause) == 0) {
		*email = route.address;
		xasprintf(desc, "%s (role %s) %s", what, route.role, route.address);
		route.address = NULL;
		notice_route_free(&route);
		return 0;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < r->n; i++) {
			const struct asye_worker *w = &r->workers[i];
			if (strcmp(w->role, role) != 0 || w->email == NULL ||
			    (pass == 0 && (team == NULL || strcmp(w->team, team) != 0)))
				continue;
			*email = xstrdup(w->email);
			xasprintf(desc, "%s %s (%s) %s", what, w->person_id, w->team, w->email);
			free(cause);
			return 0;
		}
	}
	xasprintf(missing, "%s; nor is there a %s with an email in the workforce", cause, role);
	xasprintf(desc, "%s (role %s): no email", what, role);
	free(cause);
	*email = NULL;
	return -1;
}

/* What the team manager is asked to do about each rule. */
static const char *
asye_advice(enum asye_rule rule)
{
	switch (rule) {
	case ASYE_TIME_BEHIND:
		return "Please agree when the protected development time will be taken, and record it "
		       "(driftwatchctl asye time).";
	case ASYE_SUPERVISION_OVERDUE:
		return "Please hold the supervision and record it (driftwatchctl asye supervision).";
	case ASYE_REVIEW_DUE:
		return "Please arrange the review and record it when held (driftwatchctl asye review).";
	case ASYE_REVIEW_MISSED:
		return "The review point has passed with no review recorded. Please make sure it is held and "
		       "recorded "
		       "(driftwatchctl asye review).";
	case ASYE_REFLECTION_DUE:
		return "Please make sure the critical reflection is written and discussed, and record it "
		       "(driftwatchctl asye reflection).";
	case ASYE_REFLECTION_MISSED:
		return "The critical reflection's date has passed with none recorded. Please make sure it is "
		       "written, discussed and recorded (driftwatchctl asye reflection).";
	case ASYE_CASELOAD_OVER:
		return "Please agree a plan to bring the caseload back within the cap.";
	}
	return "";
}

/* A short subject for each rule: nothing identifying. */
static const char *
asye_subject(enum asye_rule rule)
{
	switch (rule) {
	case ASYE_TIME_BEHIND:
		return "ASYE: protected time behind";
	case ASYE_SUPERVISION_OVERDUE:
		return "ASYE: supervision overdue";
	case ASYE_REVIEW_DUE:
		return "ASYE: review point coming";
	case ASYE_REVIEW_MISSED:
		return "ASYE: review point passed unrecorded";
	case ASYE_REFLECTION_DUE:
		return "ASYE: critical reflection coming";
	case ASYE_REFLECTION_MISSED:
		return "ASYE: critical reflection passed unrecorded";
	case ASYE_CASELOAD_OVER:
		return "Caseload above the cap";
	}
	return "ASYE";
}

/* Append one notice slot. */
static struct asye_notice *
asye_notice_new(struct asye_notice **out, int *n)
{
	struct asye_notice *no;

	*out = xreallocarray(*out, (size_t)*n + 1, sizeof **out);
	no = &(*out)[(*n)++];
	memset(no, 0, sizeof *no);
	return no;
}

/* The notices of one worker's planned items. */
static void
asye_worker_notices(struct store *s, const struct config *cfg, const struct asye_roster *r, const struct asye_worker *w,
    int date, struct asye_notice **out, int *n)
{
	struct asye_item items[ASYE_ITEMS_MAX];
	char occ[DATE_BUFSZ], wk[DATE_BUFSZ], *who;
	int i, k = plan_asye(w, cfg, date, items, ASYE_ITEMS_MAX);

	for (i = 0; i < k; i++) {
		const struct asye_item *it = &items[i];
		struct asye_notice *no = asye_notice_new(out, n);

		no->rule = xstrdup(asye_rule_name(it->rule));
		no->person_id = xstrdup(w->person_id);
		no->due = it->due;
		no->until = it->until;
		no->fire_at = calendar_local_time(it->due, cfg->send_window.open);
		no->escalation = it->escalation;
		no->urgency = it->urgency;
		no->reason = xstrdup(it->reason);
		if (it->to == ASYE_TO_MANAGER) {
			if (w->manager_email != NULL && *w->manager_email != '\0') {
				no->recipient = xstrdup(w->manager_email);
				xasprintf(&no->to_desc, "team manager %s", w->manager_email);
			} else {
				xasprintf(&no->missing,
				    "worker %s has no manager_email (set it in the workforce import)", w->person_id);
				xasprintf(&no->to_desc, "team manager: no manager_email");
			}
		} else
			asye_route_role(
			    s, cfg, r, w->team, "head-of-service", &no->recipient, &no->to_desc, &no->missing);

		if (it->week != 0)
			xasprintf(&no->dedupe_key, "asye:%s:%s:%s:%s:%s", no->rule, w->person_id,
			    date_format(it->occurrence, occ), date_format(it->week, wk),
			    no->recipient != NULL ? no->recipient : "-");
		else
			xasprintf(&no->dedupe_key, "asye:%s:%s:%s:%s", no->rule, w->person_id,
			    date_format(it->occurrence, occ), no->recipient != NULL ? no->recipient : "-");

		/* Staff are named to their own managers; children never appear here. */
		xasprintf(&who, "%s %s (%s%s%s)", w->person_id, w->name, w->team[0] != '\0' ? w->team : "no team",
		    w->asye_started_on != DATE_NONE ? ", ASYE from " : "",
		    w->asye_started_on != DATE_NONE ? date_format(w->asye_started_on, occ) : "");
		xasprintf(&no->line, "%s: %s.", who, it->reason);
		xasprintf(&no->subject, "%s", asye_subject(it->rule));
		no->advice = asye_advice(it->rule);
		no->team = w->team[0] != '\0' ? w->team : "no team";
		if (!it->escalation)
			xasprintf(&no->batch_text, "%s\n   %s", no->line, no->advice);
		free(who);
	}
}

/* The assistant directors' compliance lists for date's month: one per recipient. */
static void
asye_month_notices(
    struct store *s, const struct config *cfg, const struct asye_roster *r, int date, struct asye_notice **out, int *n)
{
	struct asye_status st;
	char a[DATE_BUFSZ], b[DATE_BUFSZ], c[DATE_BUFSZ], *email, *desc, *missing, *line, *e, refl_text[48],
	    refl_html[32];
	int due, until, y, m, d, i, j, first;
	/* Critical reflections are listed only where they are tracked (an empty `reflections =`: not). */
	const bool refl = cfg->asye_nreflections > 0;

	asye_month_list_dates(cfg, date, &due, &until);
	date_to_ymd(date, &y, &m, &d);
	for (i = 0; i < r->n; i++) {
		const struct asye_worker *w = &r->workers[i];
		struct asye_notice *no = NULL;

		asye_status(w, cfg, date, &st);
		if (!st.in_programme)
			continue;
		email = desc = missing = NULL;
		asye_route_role(s, cfg, r, w->team, "assistant-director", &email, &desc, &missing);
		/* The list this worker belongs to: the one already started for the same recipient. */
		for (j = 0; j < *n; j++) {
			if (strcmp((*out)[j].rule, "compliance-list") == 0 &&
			    ((email == NULL && (*out)[j].recipient == NULL) ||
				(email != NULL && (*out)[j].recipient != NULL &&
				    strcmp(email, (*out)[j].recipient) == 0)))
				no = &(*out)[j];
		}
		first = no == NULL;
		if (first) {
			no = asye_notice_new(out, n);
			no->rule = xstrdup("compliance-list");
			no->due = due;
			no->until = until;
			no->fire_at = calendar_local_time(due, cfg->send_window.open);
			no->recipient = email;
			no->to_desc = desc;
			no->missing = missing;
			xasprintf(&no->reason, "monthly ASYE compliance list for %s %d", asye_month_names[m - 1], y);
			xasprintf(
			    &no->dedupe_key, "asye:compliance-list:%04d-%02d:%s", y, m, email != NULL ? email : "-");
			xasprintf(&no->subject, "ASYE compliance: %s %d", asye_month_names[m - 1], y);
			xasprintf(&no->line, "ASYE compliance list for %s %d", asye_month_names[m - 1], y);
			xasprintf(&no->intro,
			    "Each newly qualified social worker's protected time over the last %d weeks, last "
			    "supervision, next review point%s and caseload.",
			    asye_window_weeks(&cfg->asye_window), refl ? ", next critical reflection" : "");
			xasprintf(&no->html,
			    "<table role=\"presentation\" width=\"100%%\" border=\"1\" cellpadding=\"4\" "
			    "cellspacing=\"0\" style=\"border-collapse:collapse;border-color:#d0d4d9;"
			    "font-size:13px\"><tr><th>Worker</th><th>Team</th><th>Protected time "
			    "(last %d weeks)</th><th>Last supervision</th><th>Next review "
			    "point</th>%s<th>Caseload</th></tr>",
			    asye_window_weeks(&cfg->asye_window), refl ? "<th>Next critical reflection</th>" : "");
		} else
			free(email), free(desc), free(missing);
		refl_text[0] = refl_html[0] = '\0';
		if (refl) {
			const char *next =
			    st.next_reflection != DATE_NONE ? date_format(st.next_reflection, a) : "none";
			snprintf(refl_text, sizeof refl_text, "; next critical reflection %s", next);
			snprintf(refl_html, sizeof refl_html, "<td>%s</td>", next);
		}
		if (cfg->asye_anonymise)
			xasprintf(&line, "%s", w->person_id);
		else
			xasprintf(&line, "%s %s", w->person_id, w->name);
		xappendf(&no->text,
		    "%s- %s, %s: protected time %.1f h of %.1f h%s; last supervision %s%s; next review "
		    "point %s%s; "
		    "caseload %d (cap %d)%s",
		    no->text != NULL ? "\n" : "", line, w->team[0] != '\0' ? w->team : "no team", st.actual,
		    st.expected, st.behind ? " (behind)" : "",
		    st.last_supervision != DATE_NONE ? date_format(st.last_supervision, a) : "none",
		    st.supervision_overdue ? " (overdue)" : "",
		    st.next_review != DATE_NONE ? date_format(st.next_review, b) : "none", refl_text, w->caseload,
		    st.cap, st.over_cap ? " (over)" : "");
		e = asye_html(line);
		xappendf(&no->html, "<tr><td>%s</td>", e);
		free(e);
		e = asye_html(w->team);
		xappendf(&no->html,
		    "<td>%s</td><td>%.1f of %.1f h%s</td><td>%s%s</td><td>%s</td>%s<td>%d of %d%s</td></tr>", e,
		    st.actual, st.expected, st.behind ? " (behind)" : "",
		    st.last_supervision != DATE_NONE ? date_format(st.last_supervision, a) : "none",
		    st.supervision_overdue ? " (overdue)" : "",
		    st.next_review != DATE_NONE ? date_format(st.next_review, c) : "none", refl_html, w->caseload,
		    st.cap, st.over_cap ? " (over)" : "");
		free(e);
		free(line);
	}
	for (j = 0; j < *n; j++) {
		if (strcmp((*out)[j].rule, "compliance-list") == 0)
			xappendf(&(*out)[j].html, "</table>");
	}
}

/* See asye.h. */
int
asye_notices(struct store *s, const struct config *cfg, const struct asye_roster *r, int date, const char *person_id,
    struct asye_notice **out, int *n, char **cause)
{
	int i;

	(void)cause;
	*out = NULL;
	*n = 0;
	for (i = 0; i < r->n; i++) {
		if (person_id == NULL || strcmp(person_id, r->workers[i].person_id) == 0)
			asye_worker_notices(s, cfg, r, &r->workers[i], date, out, n);
	}
	if (person_id == NULL)
		asye_month_notices(s, cfg, r, date, out, n);
	return 0;
}

/* See asye.h. */
void
asye_notices_free(struct asye_notice *notices, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct asye_notice *no = &notices[i];
		free(no->rule), free(no->person_id), free(no->recipient), free(no->to_desc), free(no->missing);
		free(no->dedupe_key), free(no->subject), free(no->text), free(no->html), free(no->batch_text);
		free(no->line), free(no->intro), free(no->reason);
	}
	free(notices);
}

/* The notice layer's spec of one planned notice. */
static void
asye_spec(const struct asye_notice *no, struct notice_spec *n)
{
	memset(n, 0, sizeof *n);
	n->kind = no->escalation ? "escalation" : no->person_id == NULL ? "digest" : "reminder";
	n->rule = no->rule;
	n->dedupe_key = no->dedupe_key;
	n->domain = LINK_ASYE;
	n->role = no->person_id == NULL ? "assistant-director" : no->escalation ? "head-of-service" : "team-manager";
	n->ref = no->person_id;
	n->due = no->due;
	n->subject = no->subject;
	n->heading = no->line;
	n->urgency = no->urgency;
	if (no->person_id == NULL) {
		n->paras[0] = no->intro;
		n->after = no->text;
		n->after_html = no->html;
		return;
	}
	n->paras[0] = no->advice;
	n->facts[n->nfacts++] = (struct notice_fact){ "Worker", no->person_id };
	n->facts[n->nfacts++] = (struct notice_fact){ "Team", no->team };
	n->batch = no->batch_text;
}

/* Keep the earliest future instant. */
static void
watch_asye_next(time_t *next, time_t t, time_t now)
{
	if (t > now && (*next == 0 || t < *next))
		*next = t;
}

/* Fire what is due; see watch.h. */
static int
watch_asye_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	struct asye_roster r;
	struct asye_notice *notices;
	struct notice_spec spec;
	struct notice_route route;
	int date = calendar_local_date(now), n, i, added, y, m, d, rc = -1;
	char *detail;
	time_t wake = 0;
	bool all;

	/* The workforce is a council's staff, not its children: planned whole, when changed or due. */
	if (dirty_begin(s, "asye", now, &all, &n, cause) != 0)
		return -1;
	if (!all && n == 0) {
		dirty_next(s, "asye", now, next);
		return 0;
	}
	if (asye_roster_load(s, NULL, &r, cause) != 0)
		return -1;
	if (asye_notices(s, cfg, &r, date, NULL, &notices, &n, cause) != 0) {
		asye_roster_free(&r);
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct asye_notice *no = &notices[i];

		if (no->fire_at > now) {
			watch_asye_next(&wake, no->fire_at, now);
			continue;
		}
		if (date > no->until)
			continue;
		if (no->recipient == NULL) {
			log_warnx("asye: %s %s: nobody to tell: %s", no->rule,
			    no->person_id != NULL ? no->person_id : "list", no->missing);
			continue;
		}
		asye_spec(no, &spec);
		route.address = xstrdup(no->recipient);
		route.transport = xstrdup(outbox_transport_for(cfg, NULL));
		route.role = NULL;
		rc = notice_enqueue(s, cfg, &spec, &route, now, &added, cause);
		notice_route_free(&route);
		if (rc != 0)
			goto out;
		rc = -1;
		if (added) {
			log_info("asye: %s %s: notice to %s", no->rule, no->person_id != NULL ? no->person_id : "list",
			    no->recipient);
			xasprintf(&detail, "%s to %s: %s", no->rule, no->recipient, no->reason);
			if (audit_add(s, now, "daemon", "asye-notice", no->person_id != NULL ? no->person_id : "asye",
				detail, cause) != 0) {
				free(detail);
				goto out;
			}
			free(detail);
		}
	}
	/* Positions change with each new week and month: plan again then. */
	watch_asye_next(&wake,
	    calendar_local_time(calendar_next_working_day(cfg->calendar, asye_monday(date) + 7), cfg->send_window.open),
	    now);
	date_to_ymd(date, &y, &m, &d);
	watch_asye_next(&wake,
	    calendar_local_time(calendar_next_working_day(cfg->calendar, date_add_months(date_from_ymd(y, m, 1), 1)),
		cfg->send_window.open),
	    now);
	if ((rc = dirty_next_put(s, "asye", "*", wake, cause)) == 0)
		dirty_next(s, "asye", now, next);
out:
	asye_notices_free(notices, n);
	asye_roster_free(&r);
	return rc;
}

const struct watcher watch_asye = { "asye", watch_asye_fire };
