/*
 * test_ops.c: the write operations' answers (ops.h): ok, bad input naming the field, not found,
 * conflict, a full disk as "unavailable", and a hook that fails before COMMIT taking the whole
 * change back; a refused change writes nothing. An action's progress with its expected date.
 */
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
#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "disputes.h"
#include "ops.h"
#include "store.h"
#include "store_int.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwopsXXXXXX";
static struct config *cfg;
static struct store *st;

static int
D(const char *s)
{
	int d;

	assert_int_equal(date_parse(s, &d), 0);
	return d;
}

/* The environment of an operation on 23 May 2022 by "test". */
static void
env_init(struct op_env *env)
{
	memset(env, 0, sizeof *env);
	env->store = st;
	env->cfg = cfg;
	env->today = D("2022-05-23");
	env->now = calendar_local_time(env->today, 9 * 60);
	env->actor = "test";
}

/* How many disputes there are. */
static void
count_cb(const struct dispute *d, void *arg)
{
	(void)d;
	(*(int *)arg)++;
}

/* One integer from SQL (the test's own look at the database). */
static long
scalar(const char *sql)
{
	sqlite3_stmt *q;
	long v = -1;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static int
ndisputes(void)
{
	int n = 0;

	disputes_list(st, false, NULL, count_cb, &n);
	return n;
}

static int
setup(void **state)
{
	struct allocation a = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	char *ini, *path, *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	xasprintf(&ini,
	    "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
	    "[role \"dcs\"]\nemail = dcs@council.example\n",
	    tmpdir, top_dir());
	path = write_temp_file(tmpdir, "dw.ini", ini, 0600);
	if ((cfg = config_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(ini), free(path);
	xasprintf(&path, "%s/dw.db", tmpdir);
	if ((st = store_open(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(path);
	a.case_ref = (char *)(uintptr_t) "CR-1";
	a.team = (char *)(uintptr_t) "North";
	a.team_manager_email = (char *)(uintptr_t) "tm@council.example";
	a.iro_email = (char *)(uintptr_t) "iro@council.example";
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(allocation_put(st, &a, &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	store_close(st);
	config_free(cfg);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fail_msg("cannot remove %s", tmpdir);
	free(cmd);
	return 0;
}

/* A raise request for CR-1. */
static void
raise_init(struct op_dispute_request *r)
{
	memset(r, 0, sizeof *r);
	r->on = DATE_NONE;
	r->case_ref = "CR-1";
	r->iro_email = "iro@council.example";
	r->category = "contact";
}

/* Raise: unknown case 404-like, a bad field named, then ok with the dispute as it stands. */
static void
test_raise(void **state)
{
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;
	int before = ndisputes();

	(void)state;
	env_init(&env);
	raise_init(&r);
	r.case_ref = "CR-404";
	assert_int_equal(op_dispute_raise(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_NOT_FOUND);
	assert_string_equal(a.field, "case_ref");
	assert_non_null(strstr(a.message, "unknown case \"CR-404\""));
	op_answer_free(&a);
	raise_init(&r);
	r.category = "drifting";
	assert_int_equal(op_dispute_raise(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "category");
	op_answer_free(&a);
	raise_init(&r);
	r.stage = "9";
	assert_int_equal(op_dispute_raise(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "stage");
	op_answer_free(&a);
	assert_int_equal(ndisputes(), before);

	raise_init(&r);
	assert_int_equal(op_dispute_raise(&env, &r, &a), 0);
	assert_int_equal(a.result, OP_OK);
	assert_true(a.created);
	assert_true(a.have_dispute);
	assert_string_equal(json_string_value(json_object_get(a.state, "case_ref")), "CR-1");
	assert_int_equal(json_integer_value(json_object_get(a.state, "id")), a.dispute.rec.id);
	op_answer_free(&a);
	assert_int_equal(ndisputes(), before + 1);
}

/* Respond and resolve; then a resolved dispute refuses changes (conflict), unknown is not found. */
static void
test_conflict(void **state)
{
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;
	int64_t id;

	(void)state;
	env_init(&env);
	raise_init(&r);
	assert_int_equal(op_dispute_raise(&env, &r, &a), 0);
	id = a.dispute.rec.id;
	op_answer_free(&a);

	memset(&r, 0, sizeof r);
	r.id = id;
	r.on = D("2022-05-01");
	r.note = "too early";
	assert_int_equal(op_dispute_respond(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "on");
	op_answer_free(&a);
	r.on = DATE_NONE;
	r.note = NULL;
	assert_int_equal(op_dispute_respond(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "note");
	op_answer_free(&a);

	r.outcome = "agreed";
	assert_int_equal(op_dispute_resolve(&env, &r, &a), 0);
	assert_string_equal(json_string_value(json_object_get(a.state, "resolved_on")), "2022-05-23");
	op_answer_free(&a);
	r.note = "late";
	assert_int_equal(op_dispute_respond(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_CONFLICT);
	assert_non_null(strstr(a.message, "already resolved on 2022-05-23"));
	op_answer_free(&a);
	assert_int_equal(op_dispute_resolve(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_CONFLICT);
	op_answer_free(&a);
	assert_int_equal(op_dispute_escalate(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_CONFLICT);
	op_answer_free(&a);

	r.id = 9999;
	assert_int_equal(op_dispute_respond(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_NOT_FOUND);
	assert_string_equal(a.field, "id");
	op_answer_free(&a);
}

/* A hook that sees the answer and then refuses. */
static int
refuse_cb(struct store *s, const struct op_answer *a, void *arg, char **cause)
{
	(void)s;
	*(int *)arg = a->state != NULL && a->created;
	*cause = xstrdup("the key could not be recorded");
	return -1;
}

/* A hook failing before COMMIT takes the whole change back: no dispute, no audit entry. */
static void
test_hook_rollback(void **state)
{
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;
	int before = ndisputes(), saw = 0;

	(void)state;
	env_init(&env);
	env.actor = "hooked";
	env.before_commit = refuse_cb;
	env.before_commit_arg = &saw;
	raise_init(&r);
	assert_int_equal(op_dispute_raise(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_FAILED);
	assert_null(a.state);
	assert_non_null(strstr(a.message, "the key could not be recorded"));
	op_answer_free(&a);
	assert_true(saw);
	assert_int_equal(ndisputes(), before);
	assert_int_equal(scalar("SELECT count(*) FROM audit WHERE actor = 'hooked'"), 0);
}

/* A full disk is "unavailable" (the API's 503), nothing written; with room again it goes through. */
static void
test_full(void **state)
{
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;
	char note[2000];
	int before = ndisputes(), i, rc = 0;

	(void)state;
	env_init(&env);
	raise_init(&r);
	memset(note, 'x', sizeof note - 1);
	note[sizeof note - 1] = '\0';
	r.note = note;
	assert_int_equal(store_set_max_pages(st, scalar("PRAGMA page_count")), 0);
	for (i = 0; i < 50 && (rc = op_dispute_raise(&env, &r, &a)) == 0; i++) {
		op_answer_free(&a);
		before++;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(a.result, OP_UNAVAILABLE);
	assert_non_null(strstr(a.message, "full"));
	op_answer_free(&a);
	assert_int_equal(store_set_max_pages(st, 0), 0);
	assert_int_equal(ndisputes(), before);
	assert_int_equal(op_dispute_raise(&env, &r, &a), 0);
	op_answer_free(&a);
	assert_int_equal(ndisputes(), before + 1);
}

/* Permanence: a plan that is not one, a future date, an unknown child. */
static void
test_permanence(void **state)
{
	struct op_review_request r;
	struct op_env env;
	struct op_answer a;

	(void)state;
	env_init(&env);
	memset(&r, 0, sizeof r);
	r.case_ref = "CR-1";
	r.plan = "elsewhere";
	r.date = D("2022-05-20");
	assert_int_equal(op_permanence_record(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "plan");
	op_answer_free(&a);
	r.plan = "adoption";
	r.date = D("2022-06-20");
	assert_int_equal(op_permanence_record(&env, &r, &a), -1);
	assert_string_equal(a.field, "agreed_on");
	op_answer_free(&a);
	r.date = D("2022-05-20");
	assert_int_equal(op_permanence_record(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_NOT_FOUND);
	assert_string_equal(a.field, "case_ref");
	op_answer_free(&a);
}

/* Action A1 of plan P as imported: starts 2022-04-01, due 2022-06-30, no progress. */
static void
action_put(void)
{
	struct action act;
	char *cause = NULL;

	memset(&act, 0, sizeof act);
	act.plan = (char *)(uintptr_t) "P";
	act.ref = (char *)(uintptr_t) "A1";
	act.section = (char *)(uintptr_t) "1";
	act.text = (char *)(uintptr_t) "Audit supervision";
	act.lead_role = (char *)(uintptr_t) "DCS";
	act.lead_keys[0] = (char *)(uintptr_t) "dcs";
	act.nleads = 1;
	act.starts_on = D("2022-04-01");
	act.due_on = D("2022-06-30");
	act.status = ACTION_OPEN;
	act.progress_on = act.completed_on = DATE_NONE;
	act.imported_on = D("2022-04-01");
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(actions_insert(st, &act, &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
}

/* The action's expected date and progress date as stored. */
static void
action_dates(int *expected_on, int *progress_on)
{
	struct action act;

	assert_int_equal(actions_get(st, "P", "A1", &act), 0);
	*expected_on = act.expected_on;
	*progress_on = act.progress_on;
	action_free(&act);
}

/*
 * The expected date: accepted alone (it is progress: progress_on moves) and after due_on; refused
 * with complete and before the action starts, naming expected_on and writing nothing; DATE_NONE
 * leaves it as it was.
 */
static void
test_action_expected(void **state)
{
	struct op_action_request r;
	struct op_env env;
	struct op_answer a;
	int expected_on, progress_on;
	long audits = scalar("SELECT count(*) FROM audit");

	(void)state;
	action_put();
	env_init(&env);
	memset(&r, 0, sizeof r);
	r.ref = "A1";
	r.on = r.expected = DATE_NONE;
	action_dates(&expected_on, &progress_on);
	assert_int_equal(expected_on, DATE_NONE);
	assert_int_equal(progress_on, DATE_NONE);

	r.expected = D("2022-07-15"); /* after due_on: "it will be late, by then" */
	assert_int_equal(op_action_progress(&env, &r, &a), 0);
	assert_int_equal(a.result, OP_OK);
	op_answer_free(&a);
	action_dates(&expected_on, &progress_on);
	assert_int_equal(expected_on, D("2022-07-15"));
	assert_int_equal(progress_on, D("2022-05-23"));
	assert_int_equal(scalar("SELECT count(*) FROM audit WHERE detail LIKE '%expected by 2022-07-15%'"), 1);

	r.complete = 1;
	r.expected = D("2022-08-01");
	assert_int_equal(op_action_progress(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "expected_on");
	op_answer_free(&a);

	r.complete = 0;
	r.expected = D("2022-03-31");
	assert_int_equal(op_action_progress(&env, &r, &a), -1);
	assert_int_equal(a.result, OP_BAD_INPUT);
	assert_string_equal(a.field, "expected_on");
	op_answer_free(&a);
	action_dates(&expected_on, &progress_on);
	assert_int_equal(expected_on, D("2022-07-15"));
	assert_int_equal(scalar("SELECT count(*) FROM audit"), audits + 1);

	r.expected = DATE_NONE;
	r.note = "Half the teams audited";
	env.today = D("2022-05-24");
	assert_int_equal(op_action_progress(&env, &r, &a), 0);
	op_answer_free(&a);
	action_dates(&expected_on, &progress_on);
	assert_int_equal(expected_on, D("2022-07-15"));
	assert_int_equal(progress_on, D("2022-05-24"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_hook_rollback),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_permanence),
		cmocka_unit_test(test_action_expected),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
