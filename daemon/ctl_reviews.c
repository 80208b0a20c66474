/*
 * ctl_reviews.c: driftwatchctl for looked-after reviews: `import ssda903`, `import permanence`,
 * `review record`, `permanence record`, `children list` and `explain child`.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "notice.h"
#include "ops.h"
#include "plan_reviews.h"
#include "reviews.h"
#include "reviews_json.h"
#include "store.h"
#include "xmalloc.h"

/* Load one child, or say why not. */
static int
ctl_reviews_child(struct ctl *c, const char *case_ref, struct reviews_child **rc, int *n)
{
	char *cause = NULL;

	if (reviews_load(ctl_store(c), case_ref, rc, n, &cause) != 0 || *n == 0) {
		fprintf(
		    stderr, "driftwatchctl: case %s: no period of care (import the SSDA903 extract first)\n", case_ref);
		free(cause);
		if (*n == 0)
			reviews_children_free(*rc, *n);
		return -1;
	}
	return 0;
}

/* review record CASE DATE [--brought-forward] */
static int
ctl_review_record(struct ctl *c, int argc, char **argv)
{
	static const char *usage = "review record CASE DATE [--brought-forward]";
	static const struct option opts[] = { { "brought-forward", no_argument, NULL, 'b' }, { NULL, 0, NULL, 0 } };
	struct reviews_child *rc = NULL;
	struct review_child child;
	struct review_plan p;
	struct review_rules rules;
	struct op_review_request r;
	struct op_env env;
	struct op_answer ans;
	char when[DATE_BUFSZ], due[DATE_BUFSZ];
	int n = 0, i, code, ch;

	memset(&r, 0, sizeof r);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'b')
			return ctl_usage(usage);
		r.brought_forward = 1;
	}
	if (argc - optind != 2)
		return ctl_usage(usage);
	if (ctl_parse_date(c, "DATE", argv[optind + 1], &r.date) != 0)
		return CTL_EX_USAGE;
	r.case_ref = argv[optind];
	ctl_op_env(c, &env);
	op_review_record(&env, &r, &ans);
	if ((code = ctl_op_exit(&ans)) != CTL_EX_OK || !ans.created) {
		if (code == CTL_EX_OK)
			printf("case %s: a review on %s was already recorded\n", r.case_ref, date_format(r.date, when));
		op_answer_free(&ans);
		return code;
	}
	op_answer_free(&ans);
	/* Say what it means for the schedule. */
	if (ctl_reviews_child(c, r.case_ref, &rc, &n) != 0)
		return CTL_EX_OK;
	reviews_child_view(rc, &child);
	plan_reviews_rules(c->cfg, &rules);
	plan_reviews(&child, &rules, c->cfg->calendar, c->today, &p);
	printf("case %s: review held on %s recorded%s", r.case_ref, date_format(r.date, when),
	    r.brought_forward ? " (brought forward)" : "");
	for (i = 0; i < p.nperiods; i++) {
		const struct review_period_plan *pp = &p.periods[i];
		if (pp->next_due != DATE_NONE)
			printf("; next review%s%.0d due %s", pp->next_ordinal > 0 ? " " : "", pp->next_ordinal,
			    date_format(pp->next_due, due));
	}
	printf("\n");
	review_plan_free(&p);
	reviews_children_free(rc, n);
	return CTL_EX_OK;
}

/* permanence record CASE PLAN DATE */
static int
ctl_permanence_record(struct ctl *c, int argc, char **argv)
{
	struct op_review_request r;
	struct op_env env;
	struct op_answer ans;
	char when[DATE_BUFSZ];
	int code;

	if (argc != 4)
		return ctl_usage("permanence record CASE PLAN DATE");
	memset(&r, 0, sizeof r);
	r.case_ref = argv[1];
	r.plan = argv[2];
	/* A plan that is not one is refused before the date is looked at. */
	if (reviews_plan_valid(argv[2]) && ctl_parse_date(c, "DATE", argv[3], &r.date) != 0)
		return CTL_EX_USAGE;
	ctl_op_env(c, &env);
	op_permanence_record(&env, &r, &ans);
	if ((code = ctl_op_exit(&ans)) == CTL_EX_OK)
		printf("case %s: permanence plan %s agreed on %s %s\n", argv[1], argv[2], date_format(r.date, when),
		    ans.created ? "recorded" : "was already recorded");
	op_answer_free(&ans);
	return code;
}

static const struct ctl_command ctl_review_commands[] = {
	{ "record", ctl_review_record, "record CASE DATE [--brought-forward]   a looked-after review held" },
	{ NULL, NULL, NULL },
};

static const struct ctl_command ctl_permanence_commands[] = {
	{ "record", ctl_permanence_record, "record CASE PLAN DATE   a permanence plan agreed" },
	{ NULL, NULL, NULL },
};

/* review record ... */
int
ctl_review(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "review", ctl_review_commands, argc, argv);
}

/* permanence record ... */
int
ctl_permanence(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "permanence", ctl_permanence_commands, argc, argv);
}

/* children list [--overdue] [--no-permanence] [--json] */
static int
ctl_children_list(struct ctl *c, int argc, char **argv)
{
	static const char *usage = "children list [--overdue] [--no-permanence] [--json]";
	struct reviews_child *children = NULL;
	struct review_rules rules;
	struct store *s;
	bool overdue = false, noplan = false, json = false;
	json_t *arr = NULL;
	char *cause = NULL, a[DATE_BUFSZ], b[DATE_BUFSZ], next[24];
	static const struct option opts[] = { { "overdue", no_argument, NULL, 'o' },
		{ "no-permanence", no_argument, NULL, 'p' }, { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int i, n = 0, shown = 0, ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'o')
			overdue = true;
		else if (ch == 'p')
			noplan = true;
		else if (ch == 'j')
			json = true;
		else
			return ctl_usage(usage);
	}
	if (optind != argc)
		return ctl_usage(usage);
	s = ctl_store(c);
	if (reviews_load(s, NULL, &children, &n, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	plan_reviews_rules(c->cfg, &rules);
	if (json)
		arr = json_array();
	else
		printf("%-12s %-22s %-12s %-16s %-8s %-32s %s\n", "CASE", "LOOKED AFTER", "LEFT CARE", "NEXT REVIEW",
		    "OVERDUE", "PERMANENCE PLAN", "ALLOCATED");
	for (i = 0; i < n; i++) {
		struct review_child child;
		struct review_plan p;
		struct allocation al;
		const struct review_period_plan *pp;
		bool is_open, is_overdue, lacks_plan, allocated;
		int days;

		reviews_child_view(&children[i], &child);
		plan_reviews(&child, &rules, c->cfg->calendar, c->today, &p);
		if (p.nperiods == 0) {
			review_plan_free(&p);
			continue;
		}
		pp = &p.periods[p.nperiods - 1];
		is_open = pp->next_due != DATE_NONE;
		days = is_open ? c->today - pp->next_due : 0;
		is_overdue = is_open && days > 0;
		lacks_plan = is_open && pp->plan == NULL;
		if ((overdue && !is_overdue) || (noplan && !lacks_plan)) {
			review_plan_free(&p);
			continue;
		}
		allocated = allocation_get(s, child.case_ref, &al) == 0;
		if (allocated)
			allocation_free(&al);
		shown++;
		if (json) {
			json_t *o = reviews_child_json(s, c->cfg, &children[i], c->today, NULL, NULL);
			if (o != NULL)
				json_array_append_new(arr, o);
		} else {
			char since[24], plan[48];
			snprintf(since, sizeof since, "%s%s", pp->period.start_known ? "" : "before ",
			    date_format(pp->period.started_on, a));
			if (is_open && pp->next_ordinal > 0)
				snprintf(next, sizeof next, "%d: %s", pp->next_ordinal, date_format(pp->next_due, b));
			else if (is_open)
				snprintf(next, sizeof next, "%s", date_format(pp->next_due, b));
			else
				snprintf(next, sizeof next, "-");
			if (pp->plan != NULL)
				snprintf(plan, sizeof plan, "%s (%s)", pp->plan, date_format(pp->plan_agreed_on, b));
			else
				snprintf(plan, sizeof plan, "%s",
				    pp->plan_by_second == 0 ? "none (none at 2nd review)" : "none");
			printf("%-12s %-22s %-12s %-16s %-8s %-32s %s\n", child.case_ref, since,
			    pp->period.ended_on != DATE_NONE ? date_format(pp->period.ended_on, a) : "-", next,
			    is_overdue ? (snprintf(b, sizeof b, "%dd", days), b) : "-", plan, allocated ? "yes" : "no");
		}
		review_plan_free(&p);
	}
	if (json) {
		char *text = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
		json_decref(arr);
	} else
		printf("%d child%s\n", shown, shown == 1 ? "" : "ren");
	reviews_children_free(children, n);
	return CTL_EX_OK;
}

static const struct ctl_command ctl_children_commands[] = {
	{ "list", ctl_children_list,
	    "list [--overdue] [--no-permanence] [--json]   looked-after children and their reviews" },
	{ NULL, NULL, NULL },
};

/* children list ... */
int
ctl_children(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "children", ctl_children_commands, argc, argv);
}

/* One outbox row of the child (explain). */
static void
ctl_explain_child_notice_cb(
    const char *key, const char *recipient, const char *state, time_t created, time_t sent, void *arg)
{
	char a[32], b[32];
	const char *rule = key + strlen((const char *)arg);

	printf("  %-7s %s  %-30s %s%s%s\n", state, clock_format_local(created, a), recipient, rule,
	    sent > 0 ? "  sent " : "", sent > 0 ? clock_format_local(sent, b) : "");
}

/* One child's explanation, as at at; 0, or 65 when the case is unknown (said on stderr). */
static int
ctl_explain_child_one(struct ctl *c, const char *case_ref, int at, int json)
{
	struct reviews_child *rc = NULL;
	struct review_child child;
	struct review_rules rules;
	struct review_plan p;
	struct allocation al;
	struct store *s;
	char x[DATE_BUFSZ], y[DATE_BUFSZ], when[32], *prefix, *address, *transport, *why, *key;
	struct notice_state ns;
	time_t raised_at;
	int64_t dispute_id;
	int n = 0, i, j, bit, have;
	json_t *o;

	if (ctl_reviews_child(c, case_ref, &rc, &n) != 0)
		return CTL_EX_DATAERR;
	s = ctl_store(c);
	if (json) {
		/* The one builder GET /v1/children/{case_ref}/explain answers with. */
		o = reviews_explain_json(s, c->cfg, rc, at);
		prefix = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", prefix);
		free(prefix);
		json_decref(o);
		reviews_children_free(rc, n);
		return CTL_EX_OK;
	}
	reviews_child_view(rc, &child);
	plan_reviews_rules(c->cfg, &rules);
	plan_reviews(&child, &rules, c->cfg->calendar, at, &p);
	have = allocation_get(s, child.case_ref, &al) == 0;
	printf("case %s as at %s\n", child.case_ref, date_format(at, x));
	if (have)
		printf("allocation: team %s; social worker %s; team manager %s; IRO %s\n",
		    al.team != NULL ? al.team : "-",
		    al.social_worker_email != NULL ? al.social_worker_email : "(no email)",
		    al.team_manager_email != NULL ? al.team_manager_email : "(no email)",
		    al.iro_email != NULL ? al.iro_email : "(no email)");
	else
		printf("allocation: none: every notice below is skipped until `driftwatchctl import allocations` names "
		       "the social worker, team manager and IRO\n");
	for (i = 0; i < p.nperiods; i++) {
		const struct review_period_plan *pp = &p.periods[i];
		printf("period of care %d: %s %s, %s\n", i + 1, pp->period.start_known ? "from" : "looked after before",
		    date_format(pp->period.started_on, x),
		    pp->period.ended_on != DATE_NONE && pp->period.ended_on <= at ?
			(snprintf(when, sizeof when, "ended %s", date_format(pp->period.ended_on, y)), when) :
			"looked after");
		if (!pp->period.start_known)
			printf(
			    "  (the extract does not show when care began: reviews are counted at the longest interval, %dm, "
			    "and the permanence rules do not apply)\n",
			    rules.later.n);
		for (j = 0; j < pp->nslots; j++) {
			const struct review_slot *sl = &pp->slots[j];
			if (sl->ordinal > 0)
				printf("  review %d: due %s, ", sl->ordinal, date_format(sl->due_on, x));
			else
				printf("  review: due by %s at the latest, ", date_format(sl->due_on, x));
			if (sl->held_on != DATE_NONE)
				printf("held %s (%s%s)\n", date_format(sl->held_on, y),
				    sl->on_time ? "on time" : "late", sl->brought_forward ? ", brought forward" : "");
			else
				printf("not held yet%s\n", sl->due_on < at ? " (OVERDUE)" : "");
		}
		if (pp->plan != NULL)
			printf("  permanence plan: %s, agreed %s\n", pp->plan, date_format(pp->plan_agreed_on, x));
		else if (pp->period.start_known)
			printf("  permanence plan: none recorded\n");
		if (pp->plan_by_second >= 0)
			printf("  at the second review (%s): %s\n", date_format(pp->second_held_on, x),
			    pp->plan_by_second ? "a permanence plan was agreed" : "NO permanence plan");
		if (reviews_dispute_get(s, child.case_ref, pp->period.started_on, &dispute_id, &raised_at))
			printf("  permanence dispute %lld raised %s (driftwatchctl explain dispute %lld)\n",
			    (long long)dispute_id, clock_format_local(raised_at, when), (long long)dispute_id);
	}
	printf("notices planned as at %s:\n", date_format(at, x));
	if (p.nitems == 0)
		printf("  (none)\n");
	for (i = 0; i < p.nitems; i++) {
		const struct review_item *it = &p.items[i];
		bool past = it->until < at, due = it->fire_on <= at;
		if (it->kind == REVIEW_ITEM_PERMANENCE_DISPUTE) {
			printf("  %s  %-19s %s -> %s\n", date_format(it->fire_on, x), it->rule, it->reason,
			    reviews_dispute_get(s, child.case_ref, it->period_start, NULL, NULL) ? "raised" :
				have && al.iro_email != NULL ? "to be raised by the daemon" :
							       "NOT RAISED: no IRO email in the allocations");
			continue;
		}
		printf("  %s  %-19s %-9s %s\n", date_format(it->fire_on, x), it->rule, it->level, it->reason);
		for (bit = 1; bit <= REVIEW_TO_HEAD_OF_SERVICE; bit <<= 1) {
			if ((it->recipients & bit) == 0)
				continue;
			if (reviews_recipient(
				s, c->cfg, child.case_ref, have ? &al : NULL, bit, &address, &transport, &why) != 0) {
				printf("      %-16s NOT SENT: %s\n", reviews_who(bit), why);
				free(why);
				continue;
			}
			key = reviews_dedupe_key(child.case_ref, it, address);
			if (notice_state(s, key, &ns)) {
				printf("      %-16s %-30s %s%s%s\n", reviews_who(bit), address, ns.state,
				    ns.sent_at > 0 ? " " : "",
				    ns.sent_at > 0 ? clock_format_local(ns.sent_at, when) : "");
			} else
				printf("      %-16s %-30s %s\n", reviews_who(bit), address,
				    past    ? "not sent (past its last useful date)" :
					due ? "due now (the daemon sends it)" :
					      "to come");
			free(key), free(address), free(transport);
		}
	}
	printf("notices already queued or sent:\n");
	prefix = reviews_key_prefix(child.case_ref);
	if (reviews_notices(s, prefix, ctl_explain_child_notice_cb, prefix) == 0)
		printf("  (none)\n");
	free(prefix);
	if (have)
		allocation_free(&al);
	review_plan_free(&p);
	reviews_children_free(rc, n);
	return CTL_EX_OK;
}

/*
 * explain child CASE... [--at DATE] [--json]: each case in turn (one JSON document each), so a
 * script comparing thousands of children runs one driftwatchctl, not thousands. An unknown case
 * is said and passed over; the exit is then 65.
 */
int
ctl_explain_child(struct ctl *c, int argc, char **argv)
{
	int at, json, i, rc;

	if ((rc = ctl_explain_opts(c, argc, argv, "explain child CASE... [--at DATE] [--json]", 0, &at, &json)) != 0)
		return rc;
	for (i = optind; i < argc; i++) {
		if (ctl_explain_child_one(c, argv[i], at, json) != CTL_EX_OK)
			rc = CTL_EX_DATAERR;
	}
	return rc;
}
