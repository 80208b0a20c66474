/*
 * ctl_actions.c: driftwatchctl's action-plan commands: `import actions`, `actions progress|list|
 * summary` and `explain action`. Imports validate everything first and write in one transaction;
 * explain prints the plan the daemon follows, with each notice sent, pending or still to come.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "actions_json.h"
#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "import.h"
#include "ops.h"
#include "plan_actions.h"
#include "roles.h"
#include "store.h"
#include "xmalloc.h"

/* A date for output ("" when none). */
static const char *
ctl_actions_date(int date, char *buf)
{
	if (date == DATE_NONE)
		return strcpy(buf, "");
	return date_format(date, buf);
}

/* Compare two optional strings. */
static int
ctl_actions_streq(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

/* Note one changed field into *changes. */
static void
ctl_actions_change(char **changes, const char *field, const char *from, const char *to)
{
	xappendf(changes, "%s%s: \"%s\" -> \"%s\"", *changes != NULL ? "; " : "", field, from != NULL ? from : "",
	    to != NULL ? to : "");
}

/* Note a changed date. */
static void
ctl_actions_change_date(char **changes, const char *field, int from, int to)
{
	char b1[DATE_BUFSZ], b2[DATE_BUFSZ];

	if (from != to)
		ctl_actions_change(changes, field, ctl_actions_date(from, b1), ctl_actions_date(to, b2));
}

/*
 * Merge a re-imported row into the stored action: the file wins for what it carries; progress kept
 * when the file has no such columns. Returns the changes as text (NULL: unchanged).
 */
static char *
ctl_actions_merge(const struct action *old, struct action *a, const bool present[ACTIONS_OPTIONAL_COLUMNS])
{
	char *changes = NULL, *k1, *k2;
	int i;

	a->imported_on = old->imported_on;
	a->expected_on = old->expected_on;
	a->seq = old->seq;
	if (!present[0])
		a->status = old->status;
	if (!present[1]) {
		free(a->progress_note);
		a->progress_note = old->progress_note != NULL ? xstrdup(old->progress_note) : NULL;
	}
	if (!present[2])
		a->progress_on = old->progress_on;
	if (!present[3]) {
		a->completed_on = old->completed_on;
		if (old->status == ACTION_COMPLETE && !present[0])
			a->status = ACTION_COMPLETE;
	}
	if (!ctl_actions_streq(old->section, a->section))
		ctl_actions_change(&changes, "section", old->section, a->section);
	if (!ctl_actions_streq(old->section_title, a->section_title))
		ctl_actions_change(&changes, "section_title", old->section_title, a->section_title);
	if (!ctl_actions_streq(old->finding, a->finding))
		ctl_actions_change(&changes, "finding", "...", "...");
	if (!ctl_actions_streq(old->text, a->text))
		ctl_actions_change(&changes, "action", "...", "...");
	if (!ctl_actions_streq(old->lead_role, a->lead_role))
		ctl_actions_change(&changes, "lead_role", old->lead_role, a->lead_role);
	k1 = action_leads_joined(old), k2 = action_leads_joined(a);
	if (strcmp(k1, k2) != 0)
		ctl_actions_change(&changes, "lead roles", k1, k2);
	free(k1), free(k2);
	ctl_actions_change_date(&changes, "starts_on", old->starts_on, a->starts_on);
	ctl_actions_change_date(&changes, "due_on", old->due_on, a->due_on);
	if (!ctl_actions_streq(old->timescale_text, a->timescale_text))
		ctl_actions_change(&changes, "timescale_text", old->timescale_text, a->timescale_text);
	if (!ctl_actions_streq(old->kpis, a->kpis))
		ctl_actions_change(&changes, "kpis", "...", "...");
	if (old->status != a->status)
		ctl_actions_change(&changes, "status", action_status_name(old->status), action_status_name(a->status));
	if (!ctl_actions_streq(old->progress_note, a->progress_note))
		ctl_actions_change(&changes, "progress_note", "...", "...");
	ctl_actions_change_date(&changes, "progress_on", old->progress_on, a->progress_on);
	ctl_actions_change_date(&changes, "completed_on", old->completed_on, a->completed_on);
	(void)i;
	return changes;
}

/* The plan's rows, for the write inside the transaction. */
struct ctl_actions_import {
	struct action *v;
	int n;
	const bool *present;
	time_t now;
};

/* Add the new actions and merge the known ones (each audited); the counts into the summary. */
static int
ctl_actions_import_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct ctl_actions_import *im = arg;
	struct action old;
	char *changes;
	int i, rc, added = 0, changed = 0, unchanged = 0, completed = 0;

	for (i = 0; i < im->n; i++) {
		struct action *a = &im->v[i];
		if (actions_get(s, a->plan, a->ref, &old) != 0) {
			if (actions_insert(s, a, cause) != 0 ||
			    audit_add(s, im->now, "ctl:import", "action-added", a->ref, a->plan, cause) != 0)
				return -1;
			added++;
			completed += a->status == ACTION_COMPLETE;
			continue;
		}
		if ((changes = ctl_actions_merge(&old, a, im->present)) == NULL)
			unchanged++;
		else {
			/* The outbox keeps every notice already sent; a new due_on gives new dedupe keys. */
			rc = actions_update(s, a, cause) != 0 ||
			    audit_add(s, im->now, "ctl:import", "action-changed", a->ref, changes, cause) != 0;
			free(changes);
			if (rc) {
				action_free(&old);
				return -1;
			}
			changed++;
			completed += a->status == ACTION_COMPLETE && old.status != ACTION_COMPLETE;
		}
		action_free(&old);
	}
	xasprintf(summary, "%d actions: %d added, %d changed, %d unchanged, %d completed", im->n, added, changed,
	    unchanged, completed);
	return 0;
}

/* import actions FILE.csv. */
int
ctl_import_actions(struct ctl *c, int argc, char **argv)
{
	struct import_errors e = { 0 };
	bool present[ACTIONS_OPTIONAL_COLUMNS];
	struct ctl_actions_import im = { NULL, 0, present, c->now };
	struct import_commit commit = { "actions", argv[1], c->now, ctl_actions_import_write, &im, "actions-imported",
		"actions" };
	struct store *s;
	char *summary = NULL;
	int rc;

	if (argc != 2)
		return ctl_usage("import actions FILE.csv");
	e.file = argv[1];
	s = ctl_store(c);
	if (import_actions_read(&e, argv[1], s, c->cfg, c->today, &im.v, &im.n, present) != 0)
		return import_errors_report(&e);
	if ((rc = import_finish(s, NULL, &commit, &summary, stderr)) == 0)
		printf("%s: %s\n", argv[1], summary);
	free(summary);
	actions_free(im.v, im.n);
	return rc;
}

/* actions progress PLAN REF [--note TEXT] [--on DATE] [--complete | --expected DATE]. */
static int
ctl_actions_progress(struct ctl *c, int argc, char **argv)
{
	static const char usage[] =
	    "actions progress PLAN REF [--note TEXT] [--on DATE] [--complete | --expected DATE]";
	static const struct option opts[] = { { "note", required_argument, NULL, 'n' },
		{ "on", required_argument, NULL, 'o' }, { "complete", no_argument, NULL, 'c' },
		{ "expected", required_argument, NULL, 'e' }, { NULL, 0, NULL, 0 } };
	struct op_action_request r;
	struct op_env env;
	struct op_answer ans;
	char buf[DATE_BUFSZ], ebuf[DATE_BUFSZ];
	int ch, code;

	memset(&r, 0, sizeof r);
	r.on = c->today;
	r.expected = DATE_NONE;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			r.note = optarg;
			break;
		case 'o':
			if (ctl_parse_date(c, "--on", optarg, &r.on) != 0)
				return CTL_EX_USAGE;
			break;
		case 'c':
			r.complete = 1;
			break;
		case 'e':
			if (ctl_parse_date(c, "--expected", optarg, &r.expected) != 0)
				return CTL_EX_USAGE;
			break;
		default:
			return ctl_usage(usage);
		}
	}
	if (argc - optind != 2 || (r.note == NULL && !r.complete && r.expected == DATE_NONE))
		return ctl_usage(usage);
	r.plan = argv[optind];
	r.ref = argv[optind + 1];
	ctl_op_env(c, &env);
	op_action_progress(&env, &r, &ans);
	if ((code = ctl_op_exit(&ans)) == CTL_EX_OK)
		printf("%s %s: progress recorded on %s%s%s%s\n", r.plan, r.ref, date_format(r.on, buf),
		    r.complete ? "; complete" : "", r.expected != DATE_NONE ? "; expected by " : "",
		    r.expected != DATE_NONE ? date_format(r.expected, ebuf) : "");
	op_answer_free(&ans);
	return code;
}

/* Does the action have this lead (key or title)? */
static bool
ctl_actions_has_lead(const struct action *a, const char *key)
{
	int i;

	for (i = 0; i < a->nleads; i++) {
		if (strcmp(a->lead_keys[i], key) == 0)
			return true;
	}
	return false;
}

/* actions list [--plan P] [--rag R] [--lead ROLE] [--at DATE] [--json]. */
static int
ctl_actions_list(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "actions list [--plan P] [--rag red|amber|green|blue|none|dropped] [--lead ROLE] "
				    "[--at DATE] [--json]";
	struct action *v = NULL;
	const char *plan = NULL, *lead = NULL;
	static const struct option opts[] = { { "plan", required_argument, NULL, 'p' },
		{ "rag", required_argument, NULL, 'r' }, { "lead", required_argument, NULL, 'l' },
		{ "at", required_argument, NULL, 'a' }, { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int n = 0, i, rag = -1, json = 0, at = c->today, shown = 0, ch;
	char *cause = NULL, *leadkey = NULL, *keys, buf[DATE_BUFSZ];
	json_t *arr;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'p')
			plan = optarg;
		else if (ch == 'r') {
			if ((rag = plan_actions_rag_parse(optarg)) < 0)
				return ctl_usage(usage);
		} else if (ch == 'l')
			lead = optarg;
		else if (ch == 'a') {
			if (ctl_parse_date(c, "--at", optarg, &at) != 0)
				return CTL_EX_USAGE;
		} else if (ch == 'j')
			json = 1;
		else
			return ctl_usage(usage);
	}
	if (optind != argc)
		return ctl_usage(usage);
	if (actions_load(ctl_store(c), plan, &v, &n, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: actions list: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (lead != NULL && (leadkey = roles_match(ctl_store(c), c->cfg, lead)) == NULL)
		leadkey = xstrdup(lead);
	arr = json_array();
	for (i = 0; i < n; i++) {
		enum action_rag r = plan_actions_rag(&v[i], c->cfg, c->cfg->calendar, at);
		if ((rag >= 0 && (int)r != rag) || (leadkey != NULL && !ctl_actions_has_lead(&v[i], leadkey)))
			continue;
		shown++;
		if (json) {
			json_array_append_new(arr, actions_json(&v[i], c->cfg, at));
			continue;
		}
		keys = action_leads_joined(&v[i]);
		printf("%-22s %-6s %-3s %-12s %-10s %s", v[i].plan, v[i].ref, v[i].section, plan_actions_rag_name(r),
		    v[i].due_on != DATE_NONE ? date_format(v[i].due_on, buf) : "-", keys);
		if (r == RAG_RED)
			printf("  %d wd overdue", plan_actions_overdue(&v[i], c->cfg->calendar, at));
		printf("\n");
		free(keys);
	}
	if (json) {
		char *out = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", out);
		free(out);
	} else if (shown == 0)
		printf("no actions\n");
	json_decref(arr);
	free(leadkey);
	actions_free(v, n);
	return CTL_EX_OK;
}

/* actions summary [--plan P] [--at DATE]: RAG by section, the overdue list, actions with no timescale. */
static int
ctl_actions_summary(struct ctl *c, int argc, char **argv)
{
	struct action *v = NULL;
	const char *plan = NULL;
	static const char usage[] = "actions summary [--plan P] [--at DATE]";
	static const struct option opts[] = { { "plan", required_argument, NULL, 'p' },
		{ "at", required_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	int n = 0, i, j, at = c->today, counts[6], total[6] = { 0 }, watched, ch;
	char *cause = NULL, buf[DATE_BUFSZ], *keys;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'p')
			plan = optarg;
		else if (ch == 'a') {
			if (ctl_parse_date(c, "--at", optarg, &at) != 0)
				return CTL_EX_USAGE;
		} else
			return ctl_usage(usage);
	}
	if (optind != argc)
		return ctl_usage(usage);
	if (actions_load(ctl_store(c), plan, &v, &n, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: actions summary: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	printf("RAG at %s\n%-8s %5s %5s %5s %5s %8s %7s %9s\n", date_format(at, buf), "section", "Red", "Amber",
	    "Green", "Blue", "no date", "dropped", "on track");
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(v[i].section, v[i - 1].section) == 0 && strcmp(v[i].plan, v[i - 1].plan) == 0)
			continue;
		memset(counts, 0, sizeof counts);
		for (j = i; j < n; j++) {
			if (strcmp(v[j].section, v[i].section) == 0 && strcmp(v[j].plan, v[i].plan) == 0)
				counts[plan_actions_rag(&v[j], c->cfg, c->cfg->calendar, at)]++;
		}
		watched = n > 0 ? counts[RAG_RED] + counts[RAG_AMBER] + counts[RAG_GREEN] + counts[RAG_BLUE] +
			counts[RAG_NO_TIMESCALE] :
				  0;
		printf("%-8s %5d %5d %5d %5d %8d %7d %8.0f%%\n", v[i].section, counts[RAG_RED], counts[RAG_AMBER],
		    counts[RAG_GREEN], counts[RAG_BLUE], counts[RAG_NO_TIMESCALE], counts[RAG_DROPPED],
		    watched > 0 ? 100.0 * (counts[RAG_GREEN] + counts[RAG_BLUE]) / watched : 0.0);
		for (j = 0; j < 6; j++)
			total[j] += counts[j];
	}
	watched = total[RAG_RED] + total[RAG_AMBER] + total[RAG_GREEN] + total[RAG_BLUE] + total[RAG_NO_TIMESCALE];
	printf("%-8s %5d %5d %5d %5d %8d %7d %8.0f%%\n", "all", total[RAG_RED], total[RAG_AMBER], total[RAG_GREEN],
	    total[RAG_BLUE], total[RAG_NO_TIMESCALE], total[RAG_DROPPED],
	    watched > 0 ? 100.0 * (total[RAG_GREEN] + total[RAG_BLUE]) / watched : 0.0);
	printf("\noverdue:\n");
	for (i = 0; i < n; i++) {
		if (plan_actions_rag(&v[i], c->cfg, c->cfg->calendar, at) != RAG_RED)
			continue;
		keys = action_leads_joined(&v[i]);
		printf(
		    "  %-6s %-30s %d wd overdue\n", v[i].ref, keys, plan_actions_overdue(&v[i], c->cfg->calendar, at));
		free(keys);
	}
	printf("\nno timescale:\n");
	for (i = 0; i < n; i++) {
		if (plan_actions_rag(&v[i], c->cfg, c->cfg->calendar, at) != RAG_NO_TIMESCALE)
			continue;
		keys = action_leads_joined(&v[i]);
		printf("  %-6s %s\n", v[i].ref, keys);
		free(keys);
	}
	actions_free(v, n);
	return CTL_EX_OK;
}

/* Every actions subcommand. */
static const struct ctl_command ctl_actions_commands[] = {
	{ "progress", ctl_actions_progress,
	    "progress PLAN REF [--note TEXT] [--on DATE] [--complete | --expected DATE]" },
	{ "list", ctl_actions_list, "list [--plan P] [--rag red|amber|green|blue] [--lead ROLE] [--at DATE] [--json]" },
	{ "summary", ctl_actions_summary, "summary [--plan P] [--at DATE]   RAG by section, overdue, no timescale" },
	{ NULL, NULL, NULL },
};

/* actions ... */
int
ctl_actions(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "actions", ctl_actions_commands, argc, argv);
}

/* explain action PLAN REF [--at DATE] [--json]. */
int
ctl_explain_action(struct ctl *c, int argc, char **argv)
{
	struct action a;
	struct actions_org org;
	struct plan_action_items items;
	struct role_route route;
	int at, json, i, rc;
	char *cause = NULL, buf[DATE_BUFSZ], b2[DATE_BUFSZ], state[256], *up, *title;
	const char *word, *rules[] = { "reminder", "nudge", "escalation" };
	json_t *o;
	enum action_rag rag;

	if ((rc = ctl_explain_opts(c, argc, argv, "explain action PLAN REF [--at DATE] [--json]", 2, &at, &json)) != 0)
		return rc;
	if (actions_get(ctl_store(c), argv[optind], argv[optind + 1], &a) != 0) {
		fprintf(stderr, "driftwatchctl: explain action: no action %s %s\n", argv[optind], argv[optind + 1]);
		return CTL_EX_DATAERR;
	}
	if (json) {
		/* The one builder GET /v1/actions/{ref}/explain answers with. */
		o = actions_explain_json(ctl_store(c), c->cfg, &a, at, &cause);
		if (o == NULL) {
			fprintf(stderr, "driftwatchctl: explain action: %s\n", cause);
			free(cause);
			action_free(&a);
			return CTL_EX_FAIL;
		}
		up = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", up);
		free(up);
		json_decref(o);
		action_free(&a);
		return CTL_EX_OK;
	}
	if (actions_org_open(ctl_store(c), c->cfg, &org, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: explain action: %s\n", cause);
		free(cause);
		action_free(&a);
		return CTL_EX_FAIL;
	}
	rag = plan_actions_rag(&a, c->cfg, c->cfg->calendar, at);
	plan_actions(&a, c->cfg, c->cfg->calendar, &org.org, at, &items);
	printf("action %s %s (section %s), rev %d\n", a.plan, a.ref, a.section, a.rev);
	printf("  lead_role: %s\n", a.lead_role);
	for (i = 0; i < a.nleads; i++) {
		up = roles_reports_to(ctl_store(c), c->cfg, a.lead_keys[i]);
		title = actions_role_title(ctl_store(c), c->cfg, a.lead_keys[i]);
		if (roles_route(ctl_store(c), c->cfg, a.lead_keys[i], &route, &cause) != 0) {
			free(cause);
			cause = NULL;
		}
		printf("  lead officer: %s (%s) <%s>, reports to %s\n", a.lead_keys[i], title,
		    route.email != NULL ? route.email : "no email", up != NULL ? up : "nobody");
		role_route_free(&route);
		free(up), free(title);
	}
	printf("  starts_on %s, due_on %s, status %s\n", a.starts_on != DATE_NONE ? date_format(a.starts_on, buf) : "-",
	    a.due_on != DATE_NONE ? date_format(a.due_on, b2) : "none (no timescale: never escalated)",
	    action_status_name(a.status));
	printf("  progress: %s%s%s\n", a.progress_on != DATE_NONE ? date_format(a.progress_on, buf) : "none recorded",
	    a.progress_note != NULL ? ": " : "", a.progress_note != NULL ? a.progress_note : "");
	if (a.expected_on != DATE_NONE)
		printf("  expected by %s (the lead officer's word: the deadline stands)\n",
		    date_format(a.expected_on, buf));
	printf("RAG at %s: %s", date_format(at, buf), plan_actions_rag_name(rag));
	if (rag == RAG_RED)
		printf(" (%d working days overdue)", plan_actions_overdue(&a, c->cfg->calendar, at));
	printf("\nnotices:\n");
	if (items.n == 0)
		printf("  none\n");
	for (i = 0; i < items.n; i++) {
		const struct plan_action_item *it = &items.v[i];
		actions_notice_explain(ctl_store(c), c->cfg, it, at, state, sizeof state, &word);
		printf("  %s  %-10s %d  to %-26s %-14s %s\n      %s\n", date_format(it->due, buf), rules[it->rule],
		    it->level, it->recipient != NULL ? it->recipient : "-", it->as, state, it->reason);
	}
	plan_action_items_free(&items);
	actions_org_close(&org);
	action_free(&a);
	return CTL_EX_OK;
}
