/*
 * test_plan_disputes.c: the IRO dispute ladder across weekends and bank holidays (a dispute raised
 * on Friday 2022-05-27 skips 2 and 3 June 2022), bypassed stages, a response that stops the clock,
 * the last stage, the 20-working-day flag, the outcome to everyone involved, a ladder changed in
 * the ini (open disputes keep theirs), and the digest's figures.
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

#include "allocations.h"
#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "disputes.h"
#include "plan_disputes.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static struct calendar *cal;
static char tmpdir[] = "/tmp/dwdisputesXXXXXX";

/* A disputes figure of the digest, read back through digest.c. */
static double
digest_value(const struct digest *d, const char *name)
{
	double v;

	if (digest_figure_value(d, "disputes", name, &v) != 0)
		fail_msg("no figure %s", name);
	return v;
}

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

	(void)state;
	setenv("TZ", "Europe/London", 1);
	xasprintf(&path, "%s/etc/bank-holidays-england-and-wales.txt", top);
	cal = calendar_load(path, &cause);
	if (cal == NULL)
		fail_msg("%s", cause);
	free(path);
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	calendar_free(cal);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* The default ladder: informal, 1 (team manager), 2 (head of service), 3 (AD), 4 (DCS), 5wd each. */
static void
default_ladder(struct dispute_ladder *l)
{
	static const char *const names[] = { "informal", "1", "2", "3", "4" };
	static const char *const who[] = { "team-manager", "team-manager", "head-of-service", "assistant-director",
		"dcs" };
	int i;

	memset(l, 0, sizeof *l);
	for (i = 0; i < 5; i++) {
		snprintf(l->stages[i].name, sizeof l->stages[i].name, "%s", names[i]);
		snprintf(l->stages[i].responder, sizeof l->stages[i].responder, "%s", who[i]);
		l->stages[i].limit_wd = 5;
	}
	l->n = 5;
}

static void
rules(struct dispute_rules *r)
{
	r->remind_before = (struct duration){ DURATION_WORKING_DAYS, 1 };
	r->iro_reminder_after = (struct duration){ DURATION_WORKING_DAYS, 2 };
	r->total_limit = (struct duration){ DURATION_WORKING_DAYS, 20 };
}

/* A dispute raised at a stage on a date. */
static void
raised(struct dispute_record *d, int stage, int on)
{
	memset(d, 0, sizeof *d);
	d->id = 7;
	d->case_ref = "CR-1";
	d->raised_by = "iro@council.example";
	d->category = "drift-and-delay";
	default_ladder(&d->ladder);
	d->raised_on = on;
	d->stage = stage;
	d->stage_started_on = on;
	d->stage_due_on = plan_disputes_stage_due(cal, &d->ladder, stage, on);
	d->responded_on = DATE_NONE;
	d->resolved_on = DATE_NONE;
	d->formal_started_on = plan_disputes_stage_formal(&d->ladder.stages[stage]) ? on : DATE_NONE;
	d->entry = DISPUTE_ENTRY_RAISED;
	d->prev_stage = -1;
	d->visited[0] = stage;
	d->nvisited = 1;
}

/* The dispute planned by the last plan() call, freed by the next one and at the end. */
static struct dispute_plan planned;

/* Plan d; its items as an array, their count in *n. */
static const struct dispute_item *
plan(const struct dispute_record *d, const struct dispute_rules *r, int *n)
{
	plan_disputes_free(&planned);
	plan_disputes(d, r, cal, d->raised_on, &planned);
	*n = planned.items.n;
	return planned.items.v;
}

/* The item of a rule to a recipient, or NULL. */
static const struct dispute_item *
find(const struct dispute_item *items, int n, enum dispute_rule rule, const char *to)
{
	int i;

	for (i = 0; i < n; i++) {
		if (items[i].rule == rule && strcmp(items[i].recipient, to) == 0)
			return &items[i];
	}
	return NULL;
}

static void
assert_date(int got, const char *want)
{
	char buf[11];

	if (got != D(want))
		fail_msg("date %s, want %s", date_format(got, buf), want);
}

/* Raised Friday 2022-05-27: 2 and 3 June are bank holidays, so 5wd is Tuesday 7 June. */
static void
test_raise_across_jubilee(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n;

	(void)state;
	rules(&r);
	raised(&d, 0, D("2022-05-27"));
	assert_date(d.stage_due_on, "2022-06-07");
	it = plan(&d, &r, &n);
	assert_non_null(x = find(it, n, DISPUTE_RULE_STAGE, "team-manager"));
	assert_date(x->head.due, "2022-05-27");
	assert_date(x->head.until, "2022-06-07");
	assert_non_null(x = find(it, n, DISPUTE_RULE_RAISED, "iro"));
	assert_date(x->head.due, "2022-05-27");
	assert_non_null(x = find(it, n, DISPUTE_RULE_REMINDER, "team-manager"));
	assert_date(x->head.due, "2022-06-06"); /* 1wd before, skipping the bank holidays */
	assert_non_null(x = find(it, n, DISPUTE_RULE_ADVANCE, "team-manager"));
	assert_date(x->head.due, "2022-06-08");
	assert_int_equal(x->head.until, DATE_NONE);
	/* Informal: no total-limit flag. */
	assert_null(find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "dcs"));
	/* Items come in date order. */
	for (int i = 1; i < n; i++)
		assert_true(it[i - 1].head.due <= it[i].head.due);
	assert_true(plan_item_live(&find(it, n, DISPUTE_RULE_REMINDER, "team-manager")->head, D("2022-06-07")));
	assert_false(plan_item_live(&find(it, n, DISPUTE_RULE_REMINDER, "team-manager")->head, D("2022-06-08")));
	assert_false(plan_item_live(&find(it, n, DISPUTE_RULE_REMINDER, "team-manager")->head, D("2022-06-03")));
}

/* No response: moves up; the new responder, the IRO and the previous responder are told. */
static void
test_move_up(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n;

	(void)state;
	rules(&r);
	raised(&d, 1, D("2022-06-01")); /* Wednesday; +5wd skips 2, 3 June and the weekend */
	assert_date(d.stage_due_on, "2022-06-10");
	plan_disputes_advance(&d, cal, D("2022-06-13"));
	assert_int_equal(d.stage, 2);
	assert_date(d.stage_started_on, "2022-06-13");
	assert_date(d.stage_due_on, "2022-06-20");
	assert_int_equal(d.entry, DISPUTE_ENTRY_MOVED_UP);
	assert_int_equal(d.prev_stage, 1);
	assert_date(d.formal_started_on, "2022-06-01");
	it = plan(&d, &r, &n);
	assert_non_null(x = find(it, n, DISPUTE_RULE_STAGE, "head-of-service"));
	assert_date(x->head.due, "2022-06-13");
	assert_non_null(find(it, n, DISPUTE_RULE_MOVED, "iro"));
	assert_non_null(x = find(it, n, DISPUTE_RULE_MOVED, "team-manager"));
	assert_int_equal(x->stage, 1);
	assert_null(find(it, n, DISPUTE_RULE_RAISED, "iro"));
	assert_non_null(x = find(it, n, DISPUTE_RULE_ADVANCE, "head-of-service"));
	assert_date(x->head.due, "2022-06-21");
	/* Informal -> 1: the same responder is not told twice. */
	raised(&d, 0, D("2022-05-27"));
	plan_disputes_advance(&d, cal, D("2022-06-08"));
	assert_date(d.formal_started_on, "2022-06-08");
	it = plan(&d, &r, &n);
	assert_non_null(find(it, n, DISPUTE_RULE_STAGE, "team-manager"));
	assert_null(find(it, n, DISPUTE_RULE_MOVED, "team-manager"));
}

/* The IRO may bypass stages: raised at stage 3, the formal clock starts at once. */
static void
test_bypass(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n, starts[DISPUTE_STAGES_MAX], dues[DISPUTE_STAGES_MAX];

	(void)state;
	rules(&r);
	raised(&d, 3, D("2022-12-22")); /* Thursday before Christmas: 26, 27 Dec are bank holidays */
	assert_date(d.stage_due_on, "2023-01-03");
	assert_date(d.formal_started_on, "2022-12-22");
	it = plan(&d, &r, &n);
	assert_non_null(find(it, n, DISPUTE_RULE_STAGE, "assistant-director"));
	assert_non_null(x = find(it, n, DISPUTE_RULE_ADVANCE, "assistant-director"));
	assert_int_equal(x->stage, 4);
	assert_date(x->head.due, "2023-01-04");
	plan_disputes_projection(&d, cal, starts, dues);
	assert_int_equal(starts[0], DATE_NONE);
	assert_date(starts[4], "2023-01-04");
	assert_date(dues[4], "2023-01-11");
}

/* A response stops the stage clock: no reminder, no move up; the IRO is asked, then reminded. */
static void
test_response_stops_clock(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n;

	(void)state;
	rules(&r);
	raised(&d, 1, D("2022-05-27"));
	d.responded_on = D("2022-06-01"); /* Wednesday: +2wd skips the bank holidays and the weekend */
	it = plan(&d, &r, &n);
	assert_null(find(it, n, DISPUTE_RULE_REMINDER, "team-manager"));
	assert_null(find(it, n, DISPUTE_RULE_ADVANCE, "team-manager"));
	assert_non_null(x = find(it, n, DISPUTE_RULE_IRO_ASK, "iro"));
	assert_date(x->head.due, "2022-06-01");
	assert_non_null(x = find(it, n, DISPUTE_RULE_IRO_REMIND, "iro"));
	assert_date(x->head.due, "2022-06-07");
	/* The formal total still runs. */
	assert_non_null(find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "dcs"));
}

/* The last stage: no further move, a flag to the IRO and the IRO manager. */
static void
test_last_stage(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n;

	(void)state;
	rules(&r);
	raised(&d, 4, D("2022-09-13")); /* 19 Sept 2022 (the Queen's funeral) is a bank holiday */
	assert_date(d.stage_due_on, "2022-09-21");
	it = plan(&d, &r, &n);
	assert_null(find(it, n, DISPUTE_RULE_ADVANCE, "dcs"));
	assert_non_null(x = find(it, n, DISPUTE_RULE_LAST_STAGE, "iro"));
	assert_date(x->head.due, "2022-09-22");
	assert_non_null(find(it, n, DISPUTE_RULE_LAST_STAGE, "iro-manager"));
	plan_disputes_advance(&d, cal, D("2022-09-22"));
	assert_int_equal(d.stage, 4);
}

/* Past 20 working days of formal process: flagged to the DCS and the IRO manager, once. */
static void
test_total_limit(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	const struct dispute_item *x;
	int n, i, flags = 0;

	(void)state;
	rules(&r);
	raised(&d, 1, D("2022-05-27"));
	it = plan(&d, &r, &n);
	/* 20wd from 27 May (no 2, 3 June) is 28 June; flagged the next working day, 29 June. */
	assert_non_null(x = find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "dcs"));
	assert_date(x->head.due, "2022-06-29");
	assert_non_null(x = find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "iro-manager"));
	assert_date(x->head.due, "2022-06-29");
	/* Walking up the ladder does not move the flag. */
	plan_disputes_advance(&d, cal, D("2022-06-08"));
	plan_disputes_advance(&d, cal, D("2022-06-16"));
	it = plan(&d, &r, &n);
	for (i = 0; i < n; i++)
		flags += it[i].rule == DISPUTE_RULE_TOTAL_LIMIT;
	assert_int_equal(flags, 2);
	assert_date(find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "dcs")->head.due, "2022-06-29");
}

/* Resolution: the IRO and every responder reached, each once. */
static void
test_resolved(void **state)
{
	struct dispute_record d;
	struct dispute_rules r;
	const struct dispute_item *it;
	int n;

	(void)state;
	rules(&r);
	raised(&d, 0, D("2022-05-27"));
	plan_disputes_advance(&d, cal, D("2022-06-08"));
	plan_disputes_advance(&d, cal, D("2022-06-16"));
	d.resolved_on = D("2022-06-17");
	it = plan(&d, &r, &n);
	assert_int_equal(n, 3);
	assert_non_null(find(it, n, DISPUTE_RULE_RESOLVED, "iro"));
	assert_non_null(find(it, n, DISPUTE_RULE_RESOLVED, "team-manager"));
	assert_non_null(find(it, n, DISPUTE_RULE_RESOLVED, "head-of-service"));
	assert_null(find(it, n, DISPUTE_RULE_TOTAL_LIMIT, "dcs"));
}

/* Percentiles: median of even and odd counts, nearest-rank 90th. */
static void
test_percentile(void **state)
{
	int a[] = { 9, 1, 5 }, b[] = { 4, 2, 8, 6 }, c[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	(void)state;
	assert_true(plan_disputes_percentile(a, 3, 50) == 5.0);
	assert_true(plan_disputes_percentile(b, 4, 50) == 5.0);
	assert_true(plan_disputes_percentile(c, 10, 90) == 9.0);
	assert_true(isnan(plan_disputes_percentile(c, 0, 50)));
	assert_true(plan_disputes_category_ok("drift-and-delay"));
	assert_false(plan_disputes_category_ok("drift"));
	assert_true(plan_disputes_address_ok("a.b@council.example"));
	assert_false(plan_disputes_address_ok("A B <ab@council.example>"));
}

/* A config with a ladder (stage lines) and a database in the temp dir. */
static struct config *
load_config(const char *name, const char *stages)
{
	const char *top = top_dir();
	char *path, *cause = NULL;
	struct config *cfg;
	FILE *f;

	xasprintf(&path, "%s/%s.ini", tmpdir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	    "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
	    "admin_email = admin@council.example\n[role \"dcs\"]\nemail = dcs@council.example\n"
	    "[disputes]\n%s",
	    tmpdir, top, stages);
	fclose(f);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	free(path);
	return cfg;
}

/* A ladder changed in the ini leaves open disputes on the ladder they were raised under. */
static void
test_ladder_kept_and_digest(void **state)
{
	struct config *old, *fresh;
	struct store *s;
	char c0[] = "CR-9", c1[] = "North", c2[] = "Sam", c3[] = "sam@council.example", c4[] = "Tess",
	     c5[] = "tess@council.example", c6[] = "Ian", c7[] = "ian@council.example";
	struct allocation a = { c0, c1, c2, c3, c4, c5, c6, c7 };
	struct dispute_raise r = { "CR-9", "ian@council.example", "drift-and-delay", NULL, "note", 0, "test" };
	struct dispute d;
	struct digest *dg;
	struct digest_period p;
	char *cause = NULL, *dbpath;
	int64_t id, id2;

	(void)state;
	old = load_config("old", "stage = informal, team-manager, 3wd\nstage = 1, dcs, 4wd\n");
	fresh = load_config("fresh", "stage = 1, team-manager, 10wd\nstage = 2, dcs, 10wd\n");
	xasprintf(&dbpath, "%s/dw.db", tmpdir);
	s = store_open(dbpath, &cause);
	assert_non_null(s);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(allocation_put(s, &a, &cause), 0);
	r.raised_on = D("2022-05-27");
	assert_int_equal(disputes_raise(s, old, &r, 1653642000, &id, &cause), 0);
	/* Unknown case, category and stage are refused. */
	r.case_ref = "CR-404";
	assert_int_equal(disputes_raise(s, old, &r, 1653642000, &id2, &cause), -1);
	assert_non_null(strstr(cause, "unknown case"));
	free(cause), cause = NULL;
	r.case_ref = "CR-9";
	r.stage = "2";
	assert_int_equal(disputes_raise(s, old, &r, 1653642000, &id2, &cause), -1);
	assert_non_null(strstr(cause, "not in the ladder"));
	free(cause), cause = NULL;
	r.stage = NULL;
	assert_int_equal(store_commit(s, &cause), 0);

	/* Fired under the fresh ini, the dispute still runs on its own ladder. */
	assert_int_equal(disputes_load(s, id, &d), 0);
	assert_int_equal(d.rec.ladder.n, 2);
	assert_string_equal(d.rec.ladder.stages[0].name, "informal");
	assert_int_equal(d.rec.ladder.stages[0].limit_wd, 3);
	assert_date(d.rec.stage_due_on, "2022-06-01");
	dispute_free(&d);
	assert_int_equal(store_begin(s, &cause), 0);
	/* 2022-06-06 09:00 BST: informal was due 1 June, so it moved up on 6 June (the next working day). */
	assert_int_equal(disputes_fire(s, fresh, id, 1654502400, "test", NULL, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(disputes_load(s, id, &d), 0);
	assert_string_equal(d.rec.ladder.stages[d.rec.stage].name, "1");
	assert_string_equal(d.rec.ladder.stages[d.rec.stage].responder, "dcs");
	assert_date(d.rec.stage_started_on, "2022-06-06");
	assert_date(d.rec.stage_due_on, "2022-06-10");
	assert_int_equal(d.rec.entry, DISPUTE_ENTRY_MOVED_UP);
	dispute_free(&d);

	/* The digest for June 2022: one opened in May, reached the DCS in June, open at the end. */
	dg = digest_new(NULL, 2022, 6);
	p.first = D("2022-06-01");
	p.last = D("2022-06-30");
	assert_int_equal(disputes_digest(s, fresh, &p, dg, &cause), 0);
	assert_true(digest_value(dg, "Disputes opened") == 0);
	assert_true(digest_value(dg, "Disputes open at month end") == 1);
	assert_true(digest_value(dg, "Disputes reaching the DCS this month") == 1);
	assert_true(digest_value(dg, "Disputes reaching the DCS this year") == 1);
	assert_true(isnan(digest_value(dg, "Median working days to resolve")));
	digest_free(dg);
	dg = digest_new(NULL, 2022, 5);
	p.first = D("2022-05-01");
	p.last = D("2022-05-31");
	assert_int_equal(disputes_digest(s, fresh, &p, dg, &cause), 0);
	assert_true(digest_value(dg, "Disputes opened") == 1);
	assert_true(digest_value(dg, "Disputes about drift and delay") == 100.0);
	assert_true(digest_value(dg, "Disputes reaching the DCS this month") == 0);
	digest_free(dg);

	store_close(s);
	config_free(old);
	config_free(fresh);
	free(dbpath);
}

/*
 * The planner contract (plan.h): items start with a struct plan_item, come sorted by due, and the
 * list grows without a fixed maximum: a dispute resolved after every one of 16 stages with its own
 * responder plans 17 outcomes, and the list itself takes 1,000 items.
 */
static void
test_plan_contract(void **state)
{
	static const char *const who[] = { "team-manager", "head-of-service", "assistant-director", "dcs" };
	struct dispute_record d;
	struct dispute_rules r;
	struct plan_items l;
	const struct dispute_item *it;
	const struct plan_item *h;
	struct dispute_item *x;
	int n, i;

	(void)state;
	rules(&r);
	raised(&d, 0, D("2022-05-27"));
	for (i = 0; i < DISPUTE_STAGES_MAX; i++) {
		snprintf(d.ladder.stages[i].name, sizeof d.ladder.stages[i].name, "%d", i + 1);
		if (i < 4)
			snprintf(d.ladder.stages[i].responder, sizeof d.ladder.stages[i].responder, "%s", who[i]);
		else
			snprintf(d.ladder.stages[i].responder, sizeof d.ladder.stages[i].responder, "role-%d", i);
		d.ladder.stages[i].limit_wd = 5;
		d.visited[i] = i;
	}
	d.ladder.n = d.nvisited = DISPUTE_STAGES_MAX;
	d.stage = DISPUTE_STAGES_MAX - 1;
	d.resolved_on = D("2022-09-01");
	it = plan(&d, &r, &n);
	assert_int_equal(n, 1 + DISPUTE_STAGES_MAX);
	for (i = 0; i < n; i++) {
		h = plan_items_at(&planned.items, i);
		assert_ptr_equal(h, &it[i].head);
		assert_date(h->due, "2022-09-01");
		assert_true(i == 0 || it[i - 1].head.due <= h->due);
		assert_true(plan_item_live(h, D("2022-09-01")));
		assert_false(plan_item_live(h, D("2022-08-31")));
	}
	assert_non_null(find(it, n, DISPUTE_RULE_RESOLVED, "role-15"));

	plan_items_init(&l, sizeof *x);
	for (i = 0; i < 1000; i++) {
		x = plan_items_push(&l);
		assert_int_equal(x->head.due, 0);
		x->head.due = 1000 - i;
		x->head.until = DATE_NONE;
	}
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	for (i = 0; i < l.n; i++) {
		h = plan_items_at(&l, i);
		assert_int_equal(h->due, 1000 - i);
		assert_true(plan_item_live(h, 5000));
	}
	plan_items_free(&l);
	assert_int_equal(l.n, 0);
	assert_null(l.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise_across_jubilee),
		cmocka_unit_test(test_move_up),
		cmocka_unit_test(test_bypass),
		cmocka_unit_test(test_response_stops_clock),
		cmocka_unit_test(test_last_stage),
		cmocka_unit_test(test_total_limit),
		cmocka_unit_test(test_resolved),
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_ladder_kept_and_digest),
		cmocka_unit_test(test_plan_contract),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);

	plan_disputes_free(&planned);
	return failed;
}
