/*
 * ctl_disputes.c: `driftwatchctl dispute ...`, `explain dispute ID` and the allocations and
 * disputes importers' entry points. Every change is checked first (unknown dispute, stage not in
 * its ladder, resolving twice: exit 65, nothing changed), then written with its history, audit
 * entry and first notices in one transaction.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "disputes.h"
#include "disputes_json.h"
#include "notice.h"
#include "ops.h"
#include "store.h"
#include "xmalloc.h"

#define CTL_DISPUTE_OPTS_MAX 8

/* Parsed "--name value" options and positional arguments. */
struct ctl_dispute_args {
	const char *pos[4];
	int npos;
	const char *names[CTL_DISPUTE_OPTS_MAX];
	const char *values[CTL_DISPUTE_OPTS_MAX];
	int nopts;
};

/*
 * Parse argv (argv[0] is the subcommand) with getopt_long. allowed: "name=" takes a value, "name"
 * is a flag; options and positional arguments may come in any order; unknown options and missing
 * values are usage errors (-1).
 */
static int
ctl_dispute_parse(int argc, char **argv, const char *const allowed[], struct ctl_dispute_args *a)
{
	struct option longopts[CTL_DISPUTE_OPTS_MAX + 1];
	char names[CTL_DISPUTE_OPTS_MAX][16];
	size_t len;
	int n, ch;

	memset(a, 0, sizeof *a);
	memset(longopts, 0, sizeof longopts);
	for (n = 0; allowed[n] != NULL && n < CTL_DISPUTE_OPTS_MAX; n++) {
		len = strcspn(allowed[n], "=");
		snprintf(names[n], sizeof names[n], "%.*s", (int)len, allowed[n]);
		longopts[n].name = names[n];
		longopts[n].has_arg = allowed[n][len] == '=' ? required_argument : no_argument;
		longopts[n].val = 0x100 + n;
	}
	/* Our own messages, as driftwatchctl words them, not getopt's. */
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (ch == ':') {
			fprintf(stderr, "driftwatchctl: %s needs a value\n", argv[optind - 1]);
			return -1;
		}
		if (ch < 0x100 || a->nopts >= CTL_DISPUTE_OPTS_MAX) {
			fprintf(stderr, "driftwatchctl: unknown option %s\n", argv[optind - 1]);
			return -1;
		}
		a->names[a->nopts] = allowed[ch - 0x100];
		a->values[a->nopts] = optarg != NULL ? optarg : "";
		a->nopts++;
	}
	for (; optind < argc; optind++) {
		if (a->npos >= 4)
			return -1;
		a->pos[a->npos++] = argv[optind];
	}
	return 0;
}

/* An option's value (NULL when absent). */
static const char *
ctl_dispute_opt(const struct ctl_dispute_args *a, const char *name)
{
	int i;
	size_t len = strlen(name);

	for (i = 0; i < a->nopts; i++) {
		if (strncmp(a->names[i], name, len) == 0 && (a->names[i][len] == '\0' || a->names[i][len] == '='))
			return a->values[i];
	}
	return NULL;
}

/* A dispute id argument. */
static int
ctl_dispute_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0) {
		fprintf(stderr, "driftwatchctl: dispute: \"%s\" is not a dispute number\n", s);
		return -1;
	}
	*id = v;
	return 0;
}

/* An optional --on DATE (default today). */
static int
ctl_dispute_on(struct ctl *c, const struct ctl_dispute_args *a, const char *name, int *date)
{
	const char *v = ctl_dispute_opt(a, name);

	*date = c->today;
	if (v == NULL)
		return 0;
	return ctl_parse_date(c, name, v, date);
}

/* Load a dispute to show it (nothing written). */
static int
ctl_dispute_get(struct ctl *c, int64_t id, struct dispute *d)
{
	if (disputes_load(ctl_store(c), id, d) != 0) {
		fprintf(stderr, "driftwatchctl: dispute %lld: no such dispute\n", (long long)id);
		return -1;
	}
	return 0;
}

/* dispute raise CASE --iro EMAIL --category C [--stage S] [--note TEXT] [--on DATE] */
static int
ctl_dispute_raise(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "iro=", "category=", "stage=", "note=", "on=", NULL };
	static const char usage[] = "dispute raise CASE --iro EMAIL --category C [--stage S] [--note TEXT] [--on DATE]";
	struct ctl_dispute_args a;
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer ans;
	int rc;

	if (ctl_dispute_parse(argc, argv, opts, &a) != 0 || a.npos != 1 || ctl_dispute_opt(&a, "iro") == NULL ||
	    ctl_dispute_opt(&a, "category") == NULL)
		return ctl_usage(usage);
	memset(&r, 0, sizeof r);
	if (ctl_dispute_on(c, &a, "on", &r.on) != 0)
		return CTL_EX_DATAERR;
	r.case_ref = a.pos[0];
	r.iro_email = ctl_dispute_opt(&a, "iro");
	r.category = ctl_dispute_opt(&a, "category");
	r.stage = ctl_dispute_opt(&a, "stage");
	r.note = ctl_dispute_opt(&a, "note");
	ctl_op_env(c, &env);
	op_dispute_raise(&env, &r, &ans);
	if ((rc = ctl_op_exit(&ans)) == CTL_EX_OK)
		printf("dispute %lld raised\n", (long long)ans.dispute.rec.id);
	op_answer_free(&ans);
	return rc;
}

/*
 * The shape of respond, escalate, resolve and cafcass: ID and options into a request, the
 * operation run; 0 with the answer to print from, or the exit code (usage 64, bad input 65, 1).
 */
static int
ctl_dispute_op(struct ctl *c, int argc, char **argv, const char *const opts[], const char *usage,
    int (*op)(const struct op_env *, const struct op_dispute_request *, struct op_answer *), struct op_answer *ans)
{
	struct ctl_dispute_args a;
	struct op_dispute_request r;
	struct op_env env;
	int rc;

	memset(ans, 0, sizeof *ans);
	if (ctl_dispute_parse(argc, argv, opts, &a) != 0 || a.npos != 1)
		return ctl_usage(usage);
	memset(&r, 0, sizeof r);
	r.note = ctl_dispute_opt(&a, "note");
	r.outcome = ctl_dispute_opt(&a, "outcome");
	r.stage = ctl_dispute_opt(&a, "to");
	/* What each command must be given is a usage error, before the dispute is looked at. */
	if ((op == op_dispute_respond && r.note == NULL) || (op == op_dispute_resolve && r.outcome == NULL) ||
	    (op == op_dispute_cafcass && (r.note == NULL || ctl_dispute_opt(&a, "on") == NULL)))
		return ctl_usage(usage);
	if (ctl_dispute_id(a.pos[0], &r.id) != 0 || ctl_dispute_on(c, &a, "on", &r.on) != 0)
		return CTL_EX_DATAERR;
	ctl_op_env(c, &env);
	op(&env, &r, ans);
	if ((rc = ctl_op_exit(ans)) != CTL_EX_OK)
		op_answer_free(ans);
	return rc;
}

/* dispute respond ID --note TEXT [--on DATE] */
static int
ctl_dispute_respond(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "note=", "on=", NULL };
	struct op_answer ans;
	int rc;

	rc =
	    ctl_dispute_op(c, argc, argv, opts, "dispute respond ID --note TEXT [--on DATE]", op_dispute_respond, &ans);
	if (rc != CTL_EX_OK)
		return rc;
	printf("dispute %lld: response recorded at stage %s; the stage clock stops\n", (long long)ans.dispute.rec.id,
	    ans.dispute.rec.ladder.stages[ans.dispute.rec.stage].name);
	op_answer_free(&ans);
	return CTL_EX_OK;
}

/* dispute escalate ID [--to STAGE] [--note TEXT] [--on DATE] */
static int
ctl_dispute_escalate(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "to=", "note=", "on=", NULL };
	const struct dispute_record *d;
	struct op_answer ans;
	char due[DATE_BUFSZ];
	int rc;

	rc = ctl_dispute_op(c, argc, argv, opts, "dispute escalate ID [--to STAGE] [--note TEXT] [--on DATE]",
	    op_dispute_escalate, &ans);
	if (rc != CTL_EX_OK)
		return rc;
	d = &ans.dispute.rec;
	printf("dispute %lld: escalated to stage %s; the %s must respond by %s\n", (long long)d->id,
	    d->ladder.stages[d->stage].name, d->ladder.stages[d->stage].responder, date_format(d->stage_due_on, due));
	op_answer_free(&ans);
	return CTL_EX_OK;
}

/* dispute resolve ID --outcome TEXT [--on DATE] */
static int
ctl_dispute_resolve(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "outcome=", "on=", NULL };
	struct op_answer ans;
	int rc;

	rc = ctl_dispute_op(
	    c, argc, argv, opts, "dispute resolve ID --outcome TEXT [--on DATE]", op_dispute_resolve, &ans);
	if (rc != CTL_EX_OK)
		return rc;
	printf("dispute %lld: resolved\n", (long long)ans.dispute.rec.id);
	op_answer_free(&ans);
	return CTL_EX_OK;
}

/* dispute cafcass ID --on DATE --note TEXT */
static int
ctl_dispute_cafcass(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "on=", "note=", NULL };
	struct op_answer ans;
	char day[DATE_BUFSZ];
	int rc;

	rc = ctl_dispute_op(c, argc, argv, opts, "dispute cafcass ID --on DATE --note TEXT", op_dispute_cafcass, &ans);
	if (rc != CTL_EX_OK)
		return rc;
	printf("dispute %lld: Cafcass referral recorded on %s\n", (long long)ans.dispute.rec.id,
	    date_format(ans.dispute.cafcass_on, day));
	op_answer_free(&ans);
	return CTL_EX_OK;
}

/* A date or "-" into buf. */
static const char *
ctl_dispute_date(int date, char *buf)
{
	if (date == DATE_NONE)
		return strcpy(buf, "-");
	return date_format(date, buf);
}

/* One list line. */
static void
ctl_dispute_list_cb(const struct dispute *d, void *arg)
{
	json_t *all = arg;
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (all != NULL) {
		json_array_append_new(all, disputes_json(d));
		return;
	}
	printf("%-5lld %-12s %-16s %-9s %-19s %-10s %-10s %s\n", (long long)d->rec.id, d->case_ref, d->category,
	    d->rec.ladder.stages[d->rec.stage].name, d->rec.ladder.stages[d->rec.stage].responder,
	    date_format(d->rec.raised_on, a), ctl_dispute_date(d->rec.stage_due_on, b),
	    d->rec.resolved_on != DATE_NONE	 ? "resolved" :
		d->rec.responded_on != DATE_NONE ? "answered" :
						   "open");
}

/* dispute list [--open] [--stage S] [--json] */
static int
ctl_dispute_list(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "open", "stage=", "json", NULL };
	struct ctl_dispute_args a;
	json_t *all = NULL;

	if (ctl_dispute_parse(argc, argv, opts, &a) != 0 || a.npos != 0)
		return ctl_usage("dispute list [--open] [--stage S] [--json]");
	if (ctl_dispute_opt(&a, "json") != NULL)
		all = json_array();
	else
		printf("%-5s %-12s %-16s %-9s %-19s %-10s %-10s %s\n", "ID", "CASE", "CATEGORY", "STAGE", "RESPONDER",
		    "RAISED", "DUE", "STATE");
	disputes_list(
	    ctl_store(c), ctl_dispute_opt(&a, "open") != NULL, ctl_dispute_opt(&a, "stage"), ctl_dispute_list_cb, all);
	if (all != NULL) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(all);
	}
	return CTL_EX_OK;
}

/* dispute show ID */
static int
ctl_dispute_show(struct ctl *c, int argc, char **argv)
{
	struct dispute d;
	int64_t id;
	int i;
	char a[DATE_BUFSZ], b[DATE_BUFSZ];

	if (argc != 2)
		return ctl_usage("dispute show ID");
	if (ctl_dispute_id(argv[1], &id) != 0 || ctl_dispute_get(c, id, &d) != 0)
		return CTL_EX_DATAERR;
	printf("dispute %lld\n  case:        %s\n  raised by:   %s on %s\n  category:    %s\n", (long long)id,
	    d.case_ref, d.raised_by, date_format(d.rec.raised_on, a), d.category);
	printf("  stage:       %s (%s), started %s, response due by %s\n", d.rec.ladder.stages[d.rec.stage].name,
	    d.rec.ladder.stages[d.rec.stage].responder, date_format(d.rec.stage_started_on, a),
	    date_format(d.rec.stage_due_on, b));
	printf("  responded:   %s\n  formal since: %s\n", ctl_dispute_date(d.rec.responded_on, a),
	    ctl_dispute_date(d.rec.formal_started_on, b));
	printf("  resolved:    %s%s%s\n", ctl_dispute_date(d.rec.resolved_on, a), d.outcome != NULL ? ": " : "",
	    d.outcome != NULL ? d.outcome : "");
	if (d.cafcass_on != DATE_NONE)
		printf("  Cafcass:     %s: %s\n", date_format(d.cafcass_on, a),
		    d.cafcass_note != NULL ? d.cafcass_note : "");
	if (d.note != NULL)
		printf("  note:        %s\n", d.note);
	printf("  ladder:     ");
	for (i = 0; i < d.rec.ladder.n; i++)
		printf(" %s%s (%s, %dwd)", i > 0 ? "->" : "", d.rec.ladder.stages[i].name,
		    d.rec.ladder.stages[i].responder, d.rec.ladder.stages[i].limit_wd);
	printf("\nhistory:\n");
	for (i = 0; i < d.nevents; i++)
		printf("  %s  %-9s %-9s %-19s %s\n", date_format(d.events[i].on_date, a), d.events[i].kind,
		    d.events[i].stage != NULL ? d.events[i].stage : "",
		    d.events[i].responder != NULL ? d.events[i].responder : "",
		    d.events[i].note != NULL ? d.events[i].note : "");
	dispute_free(&d);
	return CTL_EX_OK;
}

/* A figure or "-" when it has no value. */
static void
ctl_dispute_print_num(const char *label, double v, const char *unit)
{
	if (isnan(v))
		printf("  %-34s -\n", label);
	else
		printf("  %-34s %.1f%s\n", label, v, unit);
}

/* dispute stats [--from DATE] [--to DATE] [--json] */
static int
ctl_dispute_stats(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "from=", "to=", "json", NULL };
	struct ctl_dispute_args a;
	struct dispute_stats st;
	int from, to, y, m, d, i;
	char *cause = NULL, f[DATE_BUFSZ], t[DATE_BUFSZ];
	json_t *o, *stages, *cats;

	if (ctl_dispute_parse(argc, argv, opts, &a) != 0 || a.npos != 0)
		return ctl_usage("dispute stats [--from DATE] [--to DATE] [--json]");
	date_to_ymd(c->today, &y, &m, &d);
	from = date_from_ymd(y, m, 1);
	to = c->today;
	if ((ctl_dispute_opt(&a, "from") != NULL &&
		ctl_parse_date(c, "--from", ctl_dispute_opt(&a, "from"), &from) != 0) ||
	    (ctl_dispute_opt(&a, "to") != NULL && ctl_parse_date(c, "--to", ctl_dispute_opt(&a, "to"), &to) != 0))
		return CTL_EX_DATAERR;
	if (to < from) {
		fprintf(stderr, "driftwatchctl: dispute stats: --to is before --from\n");
		return CTL_EX_DATAERR;
	}
	if (disputes_stats(ctl_store(c), c->cfg, from, to, &st, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: dispute stats: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	date_format(from, f);
	date_format(to, t);
	if (ctl_dispute_opt(&a, "json") != NULL) {
		stages = json_object();
		for (i = 0; i < st.nstages; i++)
			json_object_set_new(stages, st.stage_names[i], json_integer(st.stage_counts[i]));
		cats = json_object();
		for (i = 0; plan_disputes_categories[i] != NULL; i++)
			json_object_set_new(cats, plan_disputes_categories[i], json_integer(st.by_category[i]));
		o = json_pack("{s:s, s:s, s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:i, s:i, s:i}", "from", f, "to", t,
		    "opened", st.opened, "resolved", st.resolved, "open_at_end", st.open_at_end, "open_by_stage",
		    stages, "median_wd_to_resolve", isnan(st.median_wd) ? json_null() : json_real(st.median_wd),
		    "p90_wd_to_resolve", isnan(st.p90_wd) ? json_null() : json_real(st.p90_wd), "by_category", cats,
		    "drift_and_delay_percent", isnan(st.drift_share) ? json_null() : json_real(st.drift_share),
		    "reached_dcs", st.reached_dcs, "reached_dcs_year", st.reached_dcs_year, "cafcass", st.cafcass);
		json_dumpf(o, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(o);
		return CTL_EX_OK;
	}
	printf("IRO disputes %s to %s\n", f, t);
	printf("  %-34s %d\n  %-34s %d\n  %-34s %d\n", "opened", st.opened, "resolved", st.resolved, "open at the end",
	    st.open_at_end);
	for (i = 0; i < st.nstages; i++)
		printf("    %-32s %d\n", st.stage_names[i], st.stage_counts[i]);
	ctl_dispute_print_num("median working days to resolve", st.median_wd, " wd");
	ctl_dispute_print_num("90th percentile working days", st.p90_wd, " wd");
	ctl_dispute_print_num("about drift and delay", st.drift_share, "%");
	for (i = 0; plan_disputes_categories[i] != NULL; i++) {
		if (st.by_category[i] > 0)
			printf("    %-32s %d\n", plan_disputes_categories[i], st.by_category[i]);
	}
	printf("  %-34s %d\n  %-34s %d\n  %-34s %d\n", "reached the DCS", st.reached_dcs, "reached the DCS this year",
	    st.reached_dcs_year, "referred to Cafcass", st.cafcass);
	return CTL_EX_OK;
}

/* Print JSON as the other explain --json do (indented by 2, a newline at the end), and free it. */
static void
ctl_dispute_print_json(json_t *o)
{
	char *out = json_dumps(o, JSON_INDENT(2));

	printf("%s\n", out);
	free(out);
	json_decref(o);
}

/* One outbox row of the dispute (explain). */
static void
ctl_explain_notice_cb(const struct dispute_notice *n, void *arg)
{
	char a[32], b[32];

	(void)arg;
	printf("  %-7s %s  %-32s %s%s%s\n", n->state, clock_format_local(n->created, a), n->recipient, n->subject,
	    n->sent > 0 ? "  sent " : "", n->sent > 0 ? clock_format_local(n->sent, b) : "");
}

/* explain dispute ID [--at DATE] [--json] */
int
ctl_explain_dispute(struct ctl *c, int argc, char **argv)
{
	static const char *const opts[] = { "at=", "json", NULL };
	struct ctl_dispute_args a;
	struct dispute d;
	struct dispute_rules rules;
	struct dispute_plan plan;
	const struct dispute_item *it;
	int starts[DISPUTE_STAGES_MAX], dues[DISPUTE_STAGES_MAX], at, i, j;
	int64_t id;
	char x[DATE_BUFSZ], y[DATE_BUFSZ], when[32], *address, *transport, *why, *key;
	struct notice_state ns;
	struct store *s;

	if (ctl_dispute_parse(argc, argv, opts, &a) != 0 || a.npos != 1)
		return ctl_usage("explain dispute ID [--at DATE] [--json]");
	if (ctl_dispute_id(a.pos[0], &id) != 0 || ctl_dispute_on(c, &a, "at", &at) != 0)
		return CTL_EX_DATAERR;
	if (ctl_dispute_get(c, id, &d) != 0)
		return CTL_EX_DATAERR;
	s = ctl_store(c);
	if (ctl_dispute_opt(&a, "json") != NULL) {
		/* The one builder GET /v1/disputes/{id}/explain answers with. */
		ctl_dispute_print_json(disputes_explain_json(s, c->cfg, &d, at));
		dispute_free(&d);
		return CTL_EX_OK;
	}
	printf("dispute %lld, case %s, %s, raised on %s by %s; as at %s\n", (long long)id, d.case_ref, d.category,
	    date_format(d.rec.raised_on, x), d.raised_by, date_format(at, y));
	printf("ladder (recorded when raised):\n");
	plan_disputes_projection(&d.rec, c->cfg->calendar, starts, dues);
	for (i = 0; i < d.rec.ladder.n; i++) {
		const struct dispute_stage *st = &d.rec.ladder.stages[i];
		int entered = DATE_NONE;
		for (j = 0; j < d.nevents; j++) {
			if (d.events[j].stage != NULL && strcmp(d.events[j].stage, st->name) == 0 &&
			    (strcmp(d.events[j].kind, "raised") == 0 || strcmp(d.events[j].kind, "moved-up") == 0 ||
				strcmp(d.events[j].kind, "escalated") == 0 ||
				strcmp(d.events[j].kind, "imported") == 0))
				entered = d.events[j].on_date;
		}
		printf("  %-9s %-19s %2dwd  ", st->name, st->responder, st->limit_wd);
		if (i == d.rec.stage)
			printf("current: started %s, due %s%s\n", date_format(d.rec.stage_started_on, x),
			    date_format(d.rec.stage_due_on, y),
			    d.rec.resolved_on != DATE_NONE	? " (resolved)" :
				d.rec.responded_on != DATE_NONE ? " (answered: clock stopped)" :
								  "");
		else if (entered != DATE_NONE && i < d.rec.stage)
			printf("entered %s, due %s\n", date_format(entered, x),
			    date_format(plan_disputes_stage_due(c->cfg->calendar, &d.rec.ladder, i, entered), y));
		else if (i < d.rec.stage)
			printf("bypassed\n");
		else if (starts[i] != DATE_NONE)
			printf("if no response: from %s, due %s\n", date_format(starts[i], x), date_format(dues[i], y));
		else
			printf("-\n");
	}
	printf("notices already queued or sent:\n");
	if (disputes_notices(s, id, ctl_explain_notice_cb, NULL) == 0)
		printf("  (none)\n");
	printf("planned now:\n");
	plan_disputes_rules(c->cfg, &rules);
	plan_disputes(&d.rec, &rules, c->cfg->calendar, at, &plan);
	for (i = 0; i < plan.items.n; i++) {
		it = plan_items_at(&plan.items, i);
		printf("  %s  %-11s %-19s ", date_format(it->head.due, x), plan_disputes_rule_name(it->rule),
		    it->rule == DISPUTE_RULE_ADVANCE ? "-" : it->recipient);
		if (it->rule == DISPUTE_RULE_ADVANCE)
			printf("%s: %s\n", it->head.due <= at ? "due (the daemon moves it up)" : "to come", it->reason);
		else if (disputes_recipient(s, c->cfg, &d, it->recipient, &address, &transport, &why) != 0) {
			printf("NOT SENT: %s (%s)\n", why, it->reason);
			free(why);
		} else {
			key = disputes_dedupe_key(&d, it, address);
			if (notice_state(s, key, &ns))
				printf(
				    "%s %s %s: %s\n", address, ns.state, clock_format_local(ns.at, when), it->reason);
			else if (it->head.until != DATE_NONE && at > it->head.until)
				printf("%s lapsed (not sent after %s): %s\n", address, date_format(it->head.until, y),
				    it->reason);
			else
				printf("%s %s: %s\n", address, it->head.due <= at ? "due" : "to come", it->reason);
			free(key), free(address), free(transport);
		}
	}
	plan_disputes_free(&plan);
	dispute_free(&d);
	return CTL_EX_OK;
}

/* Every dispute subcommand. */
static const struct ctl_command ctl_dispute_commands[] = {
	{ "raise", ctl_dispute_raise, "raise CASE --iro EMAIL --category C [--stage S] [--note TEXT] [--on DATE]" },
	{ "respond", ctl_dispute_respond, "respond ID --note TEXT [--on DATE]" },
	{ "escalate", ctl_dispute_escalate, "escalate ID [--to STAGE] [--note TEXT] [--on DATE]" },
	{ "resolve", ctl_dispute_resolve, "resolve ID --outcome TEXT [--on DATE]" },
	{ "cafcass", ctl_dispute_cafcass, "cafcass ID --on DATE --note TEXT" },
	{ "list", ctl_dispute_list, "list [--open] [--stage S] [--json]" },
	{ "show", ctl_dispute_show, "show ID" },
	{ "stats", ctl_dispute_stats, "stats [--from DATE] [--to DATE] [--json]" },
	{ NULL, NULL, NULL },
};

/* dispute SUBCOMMAND ... */
int
ctl_dispute(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "dispute", ctl_dispute_commands, argc, argv);
}
