/*
 * test_plan_actions.c: the action-plan planner (pure): RAG at a date, reminders before due_on,
 * stale-progress nudges, the overdue ladder with copies and its "until" dates, completed,
 * re-dated, dropped and undated actions, across weekends and bank holidays; and actions_digest
 * over a real store (with a stub digest collector).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "actions.h"
#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "plan_actions.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static struct config *cfg;
static char tmpdir[] = "/tmp/dwplanactXXXXXX";

/* psw -> ad-csc -> dcs -> exec; sad -> dcs; chief-nurse reports to nobody. */
static const struct plan_role_line org_lines[] = {
	{ "psw", "ad-csc" },
	{ "ad-csc", "dcs" },
	{ "sad", "dcs" },
	{ "dcs", "exec" },
	{ "exec", NULL },
	{ "chief-nurse", NULL },
};
static const struct plan_actions_org org = { org_lines, 6 };

static int
D(const char *s)
{
	int d;

	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

static int
setup(void **state)
{
	const char *top = top_dir();
	char *path, *cause = NULL;
	FILE *f;

	(void)state;
	setenv("TZ", "Europe/London", 1);
	assert_non_null(mkdtemp(tmpdir));
	xasprintf(&path, "%s/dw.ini", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n",
	    tmpdir, top);
	fclose(f);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("config: %s", cause);
	free(path);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	config_free(cfg);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* An open action with one or two leads. */
static void
make(struct action *a, const char *ref, const char *due, const char *lead1, const char *lead2)
{
	memset(a, 0, sizeof *a);
	a->plan = xstrdup("p");
	a->ref = xstrdup(ref);
	a->section = xstrdup("1");
	a->text = xstrdup("Do the thing");
	a->lead_role = xstrdup(lead1);
	a->lead_keys[a->nleads++] = xstrdup(lead1);
	if (lead2 != NULL)
		a->lead_keys[a->nleads++] = xstrdup(lead2);
	a->starts_on = D("2020-01-01");
	a->due_on = due != NULL ? D(due) : DATE_NONE;
	a->progress_on = DATE_NONE;
	a->completed_on = DATE_NONE;
	a->imported_on = D("2021-01-04");
	a->status = ACTION_OPEN;
}

/* The items of one rule and level, as "YYYY-MM-DD until YYYY-MM-DD to KEY as AS[ copy]" lines. */
static char *
render(const struct plan_action_items *items, enum plan_action_rule rule, int level)
{
	char *out = xstrdup(""), b1[11], b2[11];
	int i;

	for (i = 0; i < items->n; i++) {
		const struct plan_action_item *it = &items->v[i];
		if (it->rule != rule || (level > 0 && it->level != level))
			continue;
		xappendf(&out, "%s until %s to %s as %s%s\n", date_format(it->due, b1),
		    it->until == DATE_NONE ? "-" : date_format(it->until, b2),
		    it->recipient != NULL ? it->recipient : "-", it->as, it->copy ? " copy" : "");
	}
	return out;
}

static void
expect(const struct plan_action_items *items, enum plan_action_rule rule, int level, const char *want)
{
	char *got = render(items, rule, level);

	assert_string_equal(got, want);
	free(got);
}

/* RAG: every colour, across a Sunday due date. */
static void
test_rag(void **state)
{
	struct action a;
	const struct calendar *cal = cfg->calendar;

	(void)state;
	make(&a, "1.1", "2021-02-28", "psw", NULL); /* a Sunday */
	a.imported_on = D("2021-01-20");
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-01-29")), RAG_GREEN);
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-02-01")), RAG_AMBER); /* due within 20wd */
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-02-28")), RAG_AMBER);
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-03-01")), RAG_RED);
	assert_int_equal(plan_actions_overdue(&a, cal, D("2021-03-01")), 1);
	assert_int_equal(plan_actions_overdue(&a, cal, D("2021-03-15")), 11);
	a.completed_on = D("2021-03-10");
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-03-09")), RAG_RED);
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-03-10")), RAG_BLUE);
	a.completed_on = DATE_NONE;
	a.status = ACTION_COMPLETE;
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-03-10")), RAG_BLUE);
	a.status = ACTION_DROPPED;
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-03-10")), RAG_DROPPED);
	action_free(&a);

	/* Stale progress is Amber even when due is far away: 30 days after the last update. */
	make(&a, "1.2", "2021-12-31", "psw", NULL);
	a.progress_on = D("2021-01-01");
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-01-30")), RAG_GREEN);
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-01-31")), RAG_AMBER);
	action_free(&a);

	make(&a, "8.2", NULL, "psw", NULL);
	assert_int_equal(plan_actions_rag(&a, cfg, cal, D("2021-01-10")), RAG_NO_TIMESCALE);
	assert_string_equal(plan_actions_rag_name(RAG_NO_TIMESCALE), "no timescale");
	assert_int_equal(plan_actions_rag_parse("AMBER"), RAG_AMBER);
	assert_int_equal(plan_actions_rag_parse("purple"), -1);
	action_free(&a);
}

/* Reminders 10wd and 3wd before a Monday after the VE-day bank holiday (Fri 2020-05-08). */
static void
test_reminders_bank_holiday(void **state)
{
	struct action a;
	struct plan_action_items items;

	(void)state;
	make(&a, "2.1", "2020-05-11", "psw", "sad");
	a.imported_on = D("2020-04-01");
	plan_actions(&a, cfg, cfg->calendar, &org, D("2020-04-01"), &items);
	expect(&items, PLAN_ACTION_REMIND, 0,
	    "2020-04-24 until 2020-05-04 to psw as lead officer\n"
	    "2020-04-24 until 2020-05-04 to sad as lead officer\n"
	    "2020-05-05 until 2020-05-10 to psw as lead officer\n"
	    "2020-05-05 until 2020-05-10 to sad as lead officer\n");
	assert_non_null(strstr(items.v[0].dedupe_key, "actions:remind:p:2.1:due=2020-05-11:10wd:"));
	plan_action_items_free(&items);
	action_free(&a);
}

/* The ladder across Easter 2021 and the Early May bank holiday: lead+manager, manager+1 with copies. */
static void
test_ladder_easter(void **state)
{
	struct action a;
	struct plan_action_items items;

	(void)state;
	make(&a, "3.1", "2021-03-31", "psw", NULL);
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-03-01"), &items);
	expect(&items, PLAN_ACTION_ESCALATE, 1,
	    "2021-04-01 until 2021-04-18 to ad-csc as manager\n"
	    "2021-04-01 until 2021-04-18 to psw as lead officer\n");
	expect(&items, PLAN_ACTION_ESCALATE, 2,
	    "2021-04-19 until - to dcs as manager+1\n"
	    "2021-04-19 until - to ad-csc as copy copy\n"
	    "2021-04-19 until - to psw as lead officer copy\n");
	/* dcs was told at level 2: level 3 tells nobody new, and says so. */
	expect(&items, PLAN_ACTION_ESCALATE, 3, "2021-05-04 until - to - as dcs\n");
	for (int i = 0; i < items.n; i++) {
		if (items.v[i].rule == PLAN_ACTION_ESCALATE && items.v[i].level == 2)
			assert_string_equal(items.v[i].told, "psw,ad-csc,dcs");
	}
	plan_action_items_free(&items);
	action_free(&a);

	/* A lead with no manager: level 1 the lead alone, level 2 nobody, level 3 the DCS. */
	make(&a, "9.1", "2021-02-28", "chief-nurse", NULL);
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-03-01"), &items);
	expect(&items, PLAN_ACTION_ESCALATE, 0,
	    "2021-03-01 until 2021-03-28 to chief-nurse as lead officer\n"
	    "2021-03-15 until - to - as manager+1\n"
	    "2021-03-29 until - to dcs as dcs\n"
	    "2021-03-29 until - to chief-nurse as lead officer copy\n");
	plan_action_items_free(&items);
	action_free(&a);

	/* Two leads: both managers at level 1, each told once. */
	make(&a, "1.2a", "2021-02-28", "psw", "sad");
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-03-01"), &items);
	expect(&items, PLAN_ACTION_ESCALATE, 1,
	    "2021-03-01 until 2021-03-14 to ad-csc as manager\n"
	    "2021-03-01 until 2021-03-14 to dcs as manager\n"
	    "2021-03-01 until 2021-03-14 to psw as lead officer\n"
	    "2021-03-01 until 2021-03-14 to sad as lead officer\n");
	expect(&items, PLAN_ACTION_ESCALATE, 2,
	    "2021-03-15 until - to dcs as manager+1\n"
	    "2021-03-15 until - to exec as manager+1\n"
	    "2021-03-15 until - to ad-csc as copy copy\n"
	    "2021-03-15 until - to psw as lead officer copy\n"
	    "2021-03-15 until - to sad as lead officer copy\n");
	plan_action_items_free(&items);
	action_free(&a);
}

/* Completing stops the ladder; re-dating changes every dedupe key; dropped has nothing. */
static void
test_completed_redated_dropped(void **state)
{
	struct action a;
	struct plan_action_items items, again;
	int i;

	(void)state;
	make(&a, "2.1", "2021-02-28", "ad-csc", NULL);
	a.status = ACTION_COMPLETE;
	a.completed_on = D("2021-03-10");
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-03-15"), &items);
	expect(&items, PLAN_ACTION_ESCALATE, 1,
	    "2021-03-01 until 2021-03-09 to ad-csc as lead officer\n"
	    "2021-03-01 until 2021-03-09 to dcs as manager\n");
	expect(&items, PLAN_ACTION_ESCALATE, 2,
	    "2021-03-15 until 2021-03-09 to exec as manager+1\n"
	    "2021-03-15 until 2021-03-09 to ad-csc as lead officer copy\n"
	    "2021-03-15 until 2021-03-09 to dcs as copy copy\n");
	expect(&items, PLAN_ACTION_NUDGE, 0, "");
	plan_action_items_free(&items);
	action_free(&a);

	make(&a, "2.1", "2021-02-28", "ad-csc", NULL);
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-02-01"), &items);
	free(a.ref);
	a.ref = xstrdup("2.1");
	a.due_on = D("2021-03-31");
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-02-01"), &again);
	for (i = 0; i < items.n && i < again.n; i++) {
		if (items.v[i].rule != PLAN_ACTION_NUDGE)
			assert_null(strstr(again.v[i].dedupe_key, "due=2021-02-28"));
	}
	expect(&again, PLAN_ACTION_REMIND, 0,
	    "2021-03-17 until 2021-03-25 to ad-csc as lead officer\n"
	    "2021-03-26 until 2021-03-30 to ad-csc as lead officer\n");
	plan_action_items_free(&items);
	plan_action_items_free(&again);
	a.status = ACTION_DROPPED;
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-04-01"), &items);
	assert_int_equal(items.n, 0);
	action_free(&a);
}

/* No due_on: never reminded nor escalated, but nudged; nudges land on the next working day. */
static void
test_undated_and_nudges(void **state)
{
	struct action a;
	struct plan_action_items items;

	(void)state;
	make(&a, "8.2", NULL, "psw", NULL);
	a.progress_on = D("2021-01-07"); /* + 30d = Saturday 2021-02-06 */
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-01-20"), &items);
	expect(&items, PLAN_ACTION_REMIND, 0, "");
	expect(&items, PLAN_ACTION_ESCALATE, 0, "");
	expect(&items, PLAN_ACTION_NUDGE, 0, "2021-02-08 until 2021-03-07 to psw as lead officer\n");
	plan_action_items_free(&items);
	/* Later: the latest nudge and the next, once per stale period, not daily. */
	plan_actions(&a, cfg, cfg->calendar, &org, D("2021-03-20"), &items);
	expect(&items, PLAN_ACTION_NUDGE, 0,
	    "2021-03-08 until 2021-04-06 to psw as lead officer\n"
	    "2021-04-07 until 2021-05-06 to psw as lead officer\n");
	assert_non_null(strstr(items.v[0].dedupe_key, "actions:nudge:p:8.2:since=2021-01-07:2021-03-08:psw"));
	plan_action_items_free(&items);
	action_free(&a);
}

/* An actions figure of the digest, read back through digest.c. */
static void
assert_figure(const struct digest *d, const char *name, double want)
{
	double v;

	if (digest_figure_value(d, "actions", name, &v) != 0)
		fail_msg("no figure %s", name);
	if (fabs(v - want) > 1e-9)
		fail_msg("%s: %g, want %g", name, v, want);
}

/* Is line in one of the actions lists? */
static void
assert_item(const struct digest *d, const char *list, const char *line)
{
	const char *it;
	int i;

	for (i = 0; (it = digest_list_item(d, "actions", list, i)) != NULL; i++) {
		if (strcmp(it, line) == 0)
			return;
	}
	fail_msg("%s: no \"%s\"", list, line);
}

/* actions_digest over a store: RAG by section as at the month's end, overdue and undated lists. */
static void
test_digest(void **state)
{
	struct store *s;
	struct action a;
	struct digest *d;
	struct digest_period p;
	char *cause = NULL, *path;

	(void)state;
	xasprintf(&path, "%s/digest.db", tmpdir);
	s = store_open(path, &cause);
	assert_non_null(s);
	assert_int_equal(store_begin(s, &cause), 0);
	make(&a, "1.1", "2021-02-28", "psw", NULL);
	assert_int_equal(actions_insert(s, &a, &cause), 0);
	action_free(&a);
	make(&a, "1.2", "2021-02-12", "sad", NULL);
	assert_int_equal(actions_insert(s, &a, &cause), 0);
	action_free(&a);
	make(&a, "2.1", "2021-01-29", "ad-csc", NULL);
	a.completed_on = D("2021-02-10");
	a.status = ACTION_COMPLETE;
	free(a.section);
	a.section = xstrdup("2");
	assert_int_equal(actions_insert(s, &a, &cause), 0);
	action_free(&a);
	make(&a, "2.2", NULL, "ad-csc", NULL);
	free(a.section);
	a.section = xstrdup("2");
	assert_int_equal(actions_insert(s, &a, &cause), 0);
	action_free(&a);
	assert_int_equal(store_commit(s, &cause), 0);

	d = digest_new(NULL, 2021, 2);
	p.first = D("2021-02-01");
	p.last = D("2021-02-28");
	p.from = p.to = 0;
	assert_int_equal(actions_digest(s, cfg, &p, d, &cause), 0);
	assert_figure(d, "Red actions", 1);
	assert_figure(d, "Amber actions", 1);
	assert_figure(d, "Blue (complete) actions", 1);
	assert_figure(d, "Actions with no timescale", 1);
	assert_figure(d, "Actions on track", 25);
	assert_item(d, "RAG by section", "p section 1: Red 1, Amber 1, Green 0, Blue 0, no timescale 0; 0% on track");
	assert_item(d, "RAG by section", "p section 2: Red 0, Amber 0, Green 0, Blue 1, no timescale 1; 50% on track");
	assert_item(d, "Overdue actions", "p 1.2  sad  10 wd overdue");
	assert_item(d, "Actions with no timescale", "p 2.2  ad-csc");

	/* The previous month computed the same way: as at 31 January. */
	digest_free(d);
	d = digest_new(NULL, 2021, 1);
	p.first = D("2021-01-01");
	p.last = D("2021-01-31");
	assert_int_equal(actions_digest(s, cfg, &p, d, &cause), 0);
	assert_figure(d, "Red actions", 1); /* 2.1, due 29 Jan, not yet complete */
	/* Red from the day after due_on; a Sunday month end after a Friday due date is 0 working days. */
	assert_item(d, "Overdue actions", "p 2.1  ad-csc  0 wd overdue");
	digest_free(d);
	store_close(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rag),
		cmocka_unit_test(test_reminders_bank_holiday),
		cmocka_unit_test(test_ladder_easter),
		cmocka_unit_test(test_completed_redated_dropped),
		cmocka_unit_test(test_undated_and_nudges),
		cmocka_unit_test(test_digest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
