/*
 * ctl_asye.c: `driftwatchctl asye ...`, `caseloads` and `explain worker`: record protected time,
 * supervisions, review points, critical reflections and pauses by hand (checked as the imports
 * check them), list where each ASYE stands, list caseloads against their caps, and explain a
 * worker's notices.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "asye_json.h"
#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "notice.h"
#include "ctl.h"
#include "ops.h"
#include "store.h"
#include "xmalloc.h"

/* Load one worker, or say there is no such person. */
static const struct asye_worker *
ctl_asye_worker(struct ctl *c, const char *cmd, const char *person_id, struct asye_roster *r)
{
	const struct asye_worker *w;

	asye_roster_load(ctl_store(c), person_id, r, NULL);
	if ((w = asye_roster_find(r, person_id)) == NULL)
		fprintf(stderr, "driftwatchctl: asye %s: unknown person \"%s\" (import the workforce first)\n", cmd,
		    person_id);
	return w;
}

/* Commit one hand-made change with its audit entry. */
static int
ctl_asye_commit(struct ctl *c, const char *cmd, const char *person_id, const char *what, const char *detail,
    int (*write)(struct store *, const char *, int, int, double, char **), int a, int b, double hours)
{
	struct store *s = ctl_store(c);
	char *cause = NULL;

	if (store_begin(s, &cause) != 0 || write(s, person_id, a, b, hours, &cause) != 0 ||
	    audit_add(s, c->now, "ctl", what, person_id, detail, &cause) != 0 || store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: asye %s: %s; nothing changed\n", cmd, cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	printf("%s: %s\n", person_id, detail);
	return CTL_EX_OK;
}

/* The writes, in one shape. */
static int
ctl_asye_write_review(struct store *s, const char *p, int a, int b, double hours, char **cause)
{
	(void)b, (void)hours;
	return asye_store_review(s, p, a, NULL, cause);
}

static int
ctl_asye_write_pause(struct store *s, const char *p, int a, int b, double hours, char **cause)
{
	(void)hours;
	return asye_store_pause(s, p, a, b, cause);
}

/* asye time PERSON WEEK_OF HOURS */
static int
ctl_asye_time(struct ctl *c, int argc, char **argv)
{
	struct op_asye_request r;
	struct op_env env;
	struct op_answer ans;
	char *why = NULL, d[DATE_BUFSZ];
	int code;

	if (argc != 4)
		return ctl_usage("asye time PERSON WEEK_OF HOURS");
	memset(&r, 0, sizeof r);
	r.person_id = argv[1];
	if (ctl_parse_date(c, "asye time", argv[2], &r.date) != 0)
		return CTL_EX_DATAERR;
	if (asye_parse_hours(argv[3], &r.hours, &why) != 0) {
		fprintf(stderr, "driftwatchctl: asye time: %s; nothing changed\n", why);
		free(why);
		return CTL_EX_DATAERR;
	}
	ctl_op_env(c, &env);
	op_asye_time(&env, &r, &ans);
	if ((code = ctl_op_exit(&ans)) == CTL_EX_OK)
		printf("%s: protected time for the week of %s: %g hours\n", argv[1],
		    date_format(asye_monday(r.date), d), r.hours);
	op_answer_free(&ans);
	return code;
}

/* asye supervision PERSON DATE */
static int
ctl_asye_supervision(struct ctl *c, int argc, char **argv)
{
	struct op_asye_request r;
	struct op_env env;
	struct op_answer ans;
	char d[DATE_BUFSZ];
	int code;

	if (argc != 3)
		return ctl_usage("asye supervision PERSON DATE");
	memset(&r, 0, sizeof r);
	r.person_id = argv[1];
	if (ctl_parse_date(c, "supervision", argv[2], &r.date) != 0)
		return CTL_EX_DATAERR;
	ctl_op_env(c, &env);
	op_asye_supervision(&env, &r, &ans);
	if ((code = ctl_op_exit(&ans)) == CTL_EX_OK)
		printf("%s: supervision held on %s\n", argv[1], date_format(r.date, d));
	op_answer_free(&ans);
	return code;
}

/* asye review PERSON DATE: a review point held. */
static int
ctl_asye_review(struct ctl *c, int argc, char **argv)
{
	struct asye_roster r;
	const struct asye_worker *w;
	char *why = NULL, *detail, d[DATE_BUFSZ];
	int date, rc;

	if (argc != 3)
		return ctl_usage("asye review PERSON DATE");
	if (ctl_parse_date(c, "review", argv[2], &date) != 0)
		return CTL_EX_DATAERR;
	if ((w = ctl_asye_worker(c, "review", argv[1], &r)) == NULL) {
		asye_roster_free(&r);
		return CTL_EX_DATAERR;
	}
	if (asye_check_date(w, date, c->today, "review", &why) != 0) {
		fprintf(stderr, "driftwatchctl: asye review: %s; nothing changed\n", why);
		free(why);
		asye_roster_free(&r);
		return CTL_EX_DATAERR;
	}
	xasprintf(&detail, "review point held on %s", date_format(date, d));
	rc = ctl_asye_commit(c, "review", argv[1], "asye-review", detail, ctl_asye_write_review, date, 0, 0);
	free(detail);
	asye_roster_free(&r);
	return rc;
}

/*
 * asye reflection PERSON DATE: a critical reflection held (the k-th held stands for the k-th point).
 * Checked as a review point is; the write and its audit entry commit together or not at all.
 */
static int
ctl_asye_reflection(struct ctl *c, int argc, char **argv)
{
	struct store *s = ctl_store(c);
	struct asye_roster r;
	const struct asye_worker *w;
	char *why = NULL, *cause = NULL, *detail = NULL, d[DATE_BUFSZ];
	int date, added = 0, rc = CTL_EX_DATAERR;

	if (argc != 3)
		return ctl_usage("asye reflection PERSON DATE");
	if (ctl_parse_date(c, "asye reflection", argv[2], &date) != 0)
		return CTL_EX_DATAERR;
	if ((w = ctl_asye_worker(c, "reflection", argv[1], &r)) == NULL)
		goto out;
	if (asye_check_date(w, date, c->today, "critical reflection", &why) != 0) {
		fprintf(stderr, "driftwatchctl: asye reflection: %s; nothing changed\n", why);
		goto out;
	}
	xasprintf(&detail, "critical reflection held on %s", date_format(date, d));
	if (store_begin(s, &cause) != 0 || asye_store_reflection(s, argv[1], date, &added, &cause) != 0 ||
	    (added && audit_add(s, c->now, "ctl", "asye-reflection", argv[1], detail, &cause) != 0) ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: asye reflection: %s; nothing changed\n", cause);
		rc = CTL_EX_FAIL;
		goto out;
	}
	printf("%s: %s%s\n", argv[1], detail, added ? "" : " (already recorded)");
	rc = CTL_EX_OK;
out:
	free(why), free(cause), free(detail);
	asye_roster_free(&r);
	return rc;
}

/* asye pause PERSON FROM TO */
static int
ctl_asye_pause(struct ctl *c, int argc, char **argv)
{
	struct asye_roster r;
	const struct asye_worker *w;
	char *detail, a[DATE_BUFSZ], b[DATE_BUFSZ];
	int from, to, rc;

	if (argc != 4)
		return ctl_usage("asye pause PERSON FROM TO");
	if (ctl_parse_date(c, "asye pause", argv[2], &from) != 0 || ctl_parse_date(c, "asye pause", argv[3], &to) != 0)
		return CTL_EX_DATAERR;
	if ((w = ctl_asye_worker(c, "pause", argv[1], &r)) == NULL) {
		asye_roster_free(&r);
		return CTL_EX_DATAERR;
	}
	if (w->asye_started_on == DATE_NONE || from < w->asye_started_on || to < from) {
		fprintf(stderr, "driftwatchctl: asye pause: %s; nothing changed\n",
		    w->asye_started_on == DATE_NONE ? "not an ASYE (no asye_started_on in the workforce)" :
			to < from		    ? "the pause ends before it starts" :
						      "the pause starts before the ASYE started");
		asye_roster_free(&r);
		return CTL_EX_DATAERR;
	}
	xasprintf(&detail, "programme paused from %s to %s (%d days added)", date_format(from, a), date_format(to, b),
	    to - from + 1);
	rc = ctl_asye_commit(c, "pause", argv[1], "asye-pause", detail, ctl_asye_write_pause, from, to, 0);
	free(detail);
	asye_roster_free(&r);
	return rc;
}

/* "YYYY-MM-DD" or "-" for no date, in buf. */
static const char *
ctl_asye_date(int date, char *buf)
{
	return date == DATE_NONE ? strcpy(buf, "-") : date_format(date, buf);
}

/* Options shared by list commands: --json, a filter flag, --at DATE. */
static int
ctl_asye_options(struct ctl *c, int argc, char **argv, const char *flag, int *json, int *filter, int *date)
{
	struct option opts[] = { { "json", no_argument, NULL, 'j' }, { flag, no_argument, NULL, 'f' },
		{ "at", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	int ch;

	*json = *filter = 0;
	*date = c->today;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			*json = 1;
			break;
		case 'f':
			*filter = 1;
			break;
		case 'a':
			if (ctl_parse_date(c, "--at", optarg, date) != 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* asye list [--behind] [--json] [--at DATE] */
static int
ctl_asye_list(struct ctl *c, int argc, char **argv)
{
	struct asye_roster r;
	struct asye_status st;
	json_t *array = json_array();
	char a[DATE_BUFSZ], b[DATE_BUFSZ], d[DATE_BUFSZ], e[DATE_BUFSZ], f[DATE_BUFSZ];
	int json, behind, date, i, shown = 0;

	if (ctl_asye_options(c, argc, argv, "behind", &json, &behind, &date) != 0) {
		json_decref(array);
		return ctl_usage("asye list [--behind] [--json] [--at DATE]");
	}
	asye_roster_load(ctl_store(c), NULL, &r, NULL);
	if (!json)
		printf("%-10s %-16s %-10s %-14s %-11s %-11s %-11s %-11s %s\n", "PERSON", "TEAM", "STARTED",
		    "PROTECTED (h)", "LAST SUPV", "NEXT SUPV", "NEXT REVIEW", "NEXT REFL", "CASELOAD");
	for (i = 0; i < r.n; i++) {
		const struct asye_worker *w = &r.workers[i];
		asye_status(w, c->cfg, date, &st);
		if (!st.in_programme || (behind && !st.behind && !st.supervision_overdue))
			continue;
		shown++;
		if (json) {
			json_array_append_new(array, asye_json(w, &st));
			continue;
		}
		printf("%-10s %-16s %-10s %5.1f/%-5.1f%-3s %-11s %-11s%-1s %-11s %-11s %d/%d%s\n", w->person_id,
		    w->team, date_format(st.start, a), st.actual, st.expected, st.behind ? " !" : "",
		    ctl_asye_date(st.last_supervision, b), ctl_asye_date(st.next_supervision, d),
		    st.supervision_overdue ? "!" : "", ctl_asye_date(st.next_review, e),
		    ctl_asye_date(st.next_reflection, f), w->caseload, st.cap, st.over_cap ? " over" : "");
	}
	if (json) {
		char *out = json_dumps(array, JSON_INDENT(2));
		printf("%s\n", out);
		free(out);
	} else if (shown == 0)
		printf("(none)\n");
	json_decref(array);
	asye_roster_free(&r);
	return CTL_EX_OK;
}

/* Every `asye` subcommand. */
static const struct ctl_command ctl_asye_commands[] = {
	{ "time", ctl_asye_time, "time PERSON WEEK_OF HOURS        protected development time taken that week" },
	{ "supervision", ctl_asye_supervision, "supervision PERSON DATE          a supervision held" },
	{ "review", ctl_asye_review, "review PERSON DATE               a review point held" },
	{ "reflection", ctl_asye_reflection, "reflection PERSON DATE           a critical reflection held" },
	{ "pause", ctl_asye_pause,
	    "pause PERSON FROM TO             the programme paused (long leave): its dates move on" },
	{ "list", ctl_asye_list, "list [--behind] [--json] [--at DATE]   where each ASYE stands" },
	{ NULL, NULL, NULL },
};

/* asye SUBCOMMAND ... */
int
ctl_asye(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "asye", ctl_asye_commands, argc, argv);
}

/* caseloads [--over] [--json] [--at DATE] */
int
ctl_caseloads(struct ctl *c, int argc, char **argv)
{
	struct asye_roster r;
	struct asye_status st;
	json_t *array = json_array();
	int json, over, date, i, shown = 0;
	const char *state;

	if (ctl_asye_options(c, argc, argv, "over", &json, &over, &date) != 0) {
		json_decref(array);
		return ctl_usage("caseloads [--over] [--json] [--at DATE]");
	}
	asye_roster_load(ctl_store(c), NULL, &r, NULL);
	if (!json)
		printf("%-10s %-16s %-18s %8s %6s  %s\n", "PERSON", "TEAM", "ROLE", "CASELOAD", "LIMIT", "STATE");
	for (i = 0; i < r.n; i++) {
		const struct asye_worker *w = &r.workers[i];
		asye_status(w, c->cfg, date, &st);
		if (!st.in_programme && strcmp(w->role, "social-worker") != 0 && w->caseload == 0)
			continue;
		state = st.over_cap					      ? "over" :
		    !st.in_programme && w->caseload > c->cfg->caseload_target ? "above target" :
										"ok";
		if (over && !st.over_cap)
			continue;
		shown++;
		if (json)
			json_array_append_new(array,
			    json_pack("{s:s, s:s, s:s, s:b, s:i, s:i, s:s}", "person_id", w->person_id, "team", w->team,
				"role", w->role, "asye", st.in_programme, "caseload", w->caseload, "limit", st.cap,
				"state", state));
		else
			printf("%-10s %-16s %-18s %8d %6d  %s\n", w->person_id, w->team,
			    st.in_programme ? "asye" : w->role, w->caseload, st.cap, state);
	}
	if (json) {
		char *out = json_dumps(array, JSON_INDENT(2));
		printf("%s\n", out);
		free(out);
	} else if (shown == 0)
		printf("(none)\n");
	if (!json)
		printf("limits: ASYE cap %d; experienced target %d, alert above %d\n", c->cfg->caseload_asye_cap,
		    c->cfg->caseload_target, c->cfg->caseload_alert_above);
	json_decref(array);
	asye_roster_free(&r);
	return CTL_EX_OK;
}

/* explain worker PERSON [--at DATE] [--json] */
int
ctl_explain_worker(struct ctl *c, int argc, char **argv)
{
	struct option opts[] = { { "at", required_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 } };
	struct asye_roster r;
	const struct asye_worker *w;
	struct asye_notice *notices;
	struct asye_status st;
	struct notice_state ns;
	char a[DATE_BUFSZ], b[DATE_BUFSZ], when[32], *state, *cause = NULL;
	int date = c->today, ch, n, i, json = 0;
	time_t now = c->now;
	json_t *o;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j') {
			json = 1;
			continue;
		}
		if (ch != 'a' || ctl_parse_date(c, "--at", optarg, &date) != 0)
			return ctl_usage("explain worker PERSON [--at DATE] [--json]");
		now = calendar_local_time(date, 12 * 60);
	}
	if (optind + 1 != argc)
		return ctl_usage("explain worker PERSON [--at DATE] [--json]");
	/* Everyone: the head of service may come from the workforce. */
	asye_roster_load(ctl_store(c), NULL, &r, NULL);
	if ((w = asye_roster_find(&r, argv[optind])) == NULL) {
		fprintf(stderr, "driftwatchctl: explain worker: unknown person \"%s\" (import the workforce first)\n",
		    argv[optind]);
		asye_roster_free(&r);
		return CTL_EX_DATAERR;
	}
	if (json) {
		/* The one builder GET /v1/workers/{id}/explain answers with. */
		o = asye_explain_json(ctl_store(c), c->cfg, &r, w, date, now);
		state = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", state);
		free(state);
		json_decref(o);
		asye_roster_free(&r);
		return CTL_EX_OK;
	}
	asye_status(w, c->cfg, date, &st);
	printf("%s %s, %s, team %s, manager %s\n", w->person_id, w->name, w->role, w->team[0] != '\0' ? w->team : "-",
	    w->manager_email != NULL ? w->manager_email : "(none)");
	if (w->asye_started_on != DATE_NONE) {
		printf("ASYE %s to %s%s (%d pauses)\n", date_format(st.start, a), date_format(st.end, b),
		    st.in_programme ? "" : ", not in the programme on this date", w->npauses);
		if (st.in_programme) {
			printf("  protected time %.1f h of %.1f h expected over %s to %s%s\n", st.actual, st.expected,
			    date_format(st.window_from, a), date_format(st.window_to, b), st.behind ? " (behind)" : "");
			printf("  last supervision %s; next due %s%s\n", ctl_asye_date(st.last_supervision, a),
			    ctl_asye_date(st.next_supervision, b), st.supervision_overdue ? " (overdue)" : "");
			printf("  review points held %d of %d; next %s\n", w->nreviews, c->cfg->asye_nreviews,
			    ctl_asye_date(st.next_review, a));
			if (c->cfg->asye_nreflections > 0)
				printf("  critical reflections held %d of %d; next %s\n", w->nreflections,
				    c->cfg->asye_nreflections, ctl_asye_date(st.next_reflection, a));
			else
				printf("  critical reflections not tracked (reflections is empty)\n");
		}
	}
	printf("caseload %d, limit %d%s\n", w->caseload, st.cap, st.over_cap ? " (over)" : "");
	printf("notices at %s:\n", date_format(date, a));
	asye_notices(ctl_store(c), c->cfg, &r, date, w->person_id, &notices, &n, &cause);
	if (n == 0)
		printf("  (none)\n");
	for (i = 0; i < n; i++) {
		const struct asye_notice *no = &notices[i];
		printf("  %s %s: %s\n    to %s\n    due %s (send until %s)", no->rule,
		    no->escalation ? "(escalation)" : "(reminder)", no->reason, no->to_desc, date_format(no->due, a),
		    date_format(no->until, b));
		if (no->recipient == NULL)
			printf(": NOT SENT: %s\n", no->missing);
		else if (notice_state(ctl_store(c), no->dedupe_key, &ns)) {
			if (strcmp(ns.state, "sent") == 0)
				printf(": sent %s\n", clock_format_local(ns.sent_at, when));
			else
				printf(": in the outbox (%s)\n", ns.state);
		} else if (no->fire_at > now)
			printf(": to come, %s\n", clock_format_local(no->fire_at, when));
		else if (date > no->until)
			printf(": not sent (its time passed)\n");
		else
			printf(": due now (queued on the daemon's next pass, sent in the send window)\n");
	}
	asye_notices_free(notices, n);
	asye_roster_free(&r);
	return CTL_EX_OK;
}
