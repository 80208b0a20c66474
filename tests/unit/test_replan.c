/*
 * test_replan.c: the property test of incremental planning (issue #17). Two databases take the same
 * random sequence of changes — extracts imported, reviews and permanence plans recorded, allocations
 * changed, disputes raised, answered, escalated and resolved, action progress, roles replaced, rules
 * reloaded, the clock jumped (forwards, to the daemon's own next wake, now and then backwards) —
 * through the same store functions the importers and driftwatchctl use. One is planned as the daemon
 * plans (only what is dirty or due); the other is marked whole before every pass (a from-scratch
 * full re-plan). After every step their outboxes, dispute states and histories, permanence disputes
 * and audit trails must be equal. Now and then the incremental pass runs in a child process that is
 * killed with SIGKILL at a random moment; the restarted pass must still leave them equal.
 * DRIFTWATCH_REPLAN_SEED and DRIFTWATCH_REPLAN_STEPS choose another run.
 */
#include <setjmp.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "actions.h"
#include "allocations.h"
#include "calendar.h"
#include "config.h"
#include "disputes.h"
#include "import.h"
#include "log.h"
#include "plan_disputes.h"
#include "reviews.h"
#include "roles.h"
#include "store.h"
#include "test_util.h"
#include "watch.h"
#include "xmalloc.h"

#define REPLAN_CHILDREN 30
#define REPLAN_ALLOCATED 24 /* the others gain one as the run goes */
#define REPLAN_LATE 6	    /* children first imported during the run */

static char tmpdir[] = "/tmp/test_replan.XXXXXX";
static char *db_inc, *db_full;
static struct config *rules[2];
static int rule; /* which rules are in force */
static struct store *inc, *full;
static uint64_t rng, seed;
static time_t now;
static time_t inc_next;	      /* the incremental daemon's next wake */
static int saved_stderr = -1; /* the watchers' log goes to a file; failures to the terminal */

/* Fail the test, saying why where the runner shows it (stderr comes back from the log file). */
#define replan_fail(...) \
	do { \
		fflush(stderr); \
		if (saved_stderr >= 0) \
			dup2(saved_stderr, STDERR_FILENO); \
		fail_msg(__VA_ARGS__); \
	} while (0)

/* A small seeded generator (xorshift64*): the same seed, the same run. */
static uint32_t
rnd(uint32_t n)
{
	rng ^= rng >> 12, rng ^= rng << 25, rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 33) % n;
}

/* A local date. */
static int
D(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

/* Write a file in the temp folder; returns its path. */
static char *
write_file(const char *name, const char *text)
{
	return write_temp_file(tmpdir, name, text, 0600);
}

/* The rules: two versions that differ in what a reload changes (reminders, repeats, the ladder's clock). */
static struct config *
load_rules(int which)
{
	char *ini, *path, *cause = NULL, name[16];
	struct config *cfg;

	xasprintf(&ini,
	    "[daemon]\ndatabase = %s/unused.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
	    "[disputes]\nremind_before = %s\n"
	    "[reviews]\nremind_before = %s\noverdue_repeat = %s\n"
	    "[role \"dcs\"]\nemail = dcs@council.example\n"
	    "[role \"head-of-service\"]\nemail = hos@council.example\n"
	    "[role \"assistant-director\"]\nemail = ad@council.example\n",
	    tmpdir, top_dir(), which == 0 ? "1wd" : "2wd", which == 0 ? "15wd, 5wd" : "10wd", which == 0 ? "1w" : "2w");
	snprintf(name, sizeof name, "rules%d.ini", which);
	path = write_file(name, ini);
	if ((cfg = config_load(path, &cause)) == NULL)
		replan_fail("%s", cause);
	free(ini), free(path);
	return cfg;
}

/* Run f on both databases, each in its own transaction (a change, as a writer commits it). */
static void
both(void (*f)(struct store *, void *), void *arg)
{
	struct store *s[2] = { inc, full };
	char *cause = NULL;
	int i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(store_begin(s[i], &cause), 0);
		f(s[i], arg);
		if (store_commit(s[i], &cause) != 0)
			replan_fail("commit: %s", cause);
	}
}

/* --- the changes -------------------------------------------------------------------------------- */

struct extract {
	char ref[16];
	struct review_period periods[2];
	int nperiods, reviews[8], nreviews;
};

/* A child's extract: one or two periods of care and the reviews held in them, up to today. */
static void
extract_draw(struct extract *e, int child)
{
	int today = calendar_local_date(now), start, i;

	snprintf(e->ref, sizeof e->ref, "C%03d", child);
	e->nperiods = 1 + (rnd(5) == 0);
	start = today - 30 - (int)rnd(420);
	e->periods[0].started_on = start;
	e->periods[0].start_known = true;
	e->periods[0].ended_on = DATE_NONE;
	if (e->nperiods == 2) {
		e->periods[0].ended_on = start + 40 + (int)rnd(60);
		e->periods[1].started_on = e->periods[0].ended_on + 10 + (int)rnd(30);
		e->periods[1].start_known = true;
		e->periods[1].ended_on = DATE_NONE;
		if (e->periods[1].started_on > today)
			e->nperiods = 1;
	}
	e->nreviews = 0;
	for (i = 0; i < 4 && e->nreviews < 8; i++) {
		int held = start + 20 + i * 90 + (int)rnd(30);
		if (held <= today && rnd(4) != 0)
			e->reviews[e->nreviews++] = held;
	}
}

/* An extract imported for one child. */
static void
do_extract(struct store *s, void *arg)
{
	struct extract *e = arg;
	char *cause = NULL;
	int changed;

	if (reviews_replace_extract(
		s, e->ref, e->periods, e->nperiods, e->reviews, e->nreviews, now, &changed, &cause) != 0)
		replan_fail("extract: %s", cause);
}

struct record {
	char ref[16];
	int on;
	int plan; /* -1: a review, else a plan type */
};

/* A review (or a permanence plan) recorded, as `driftwatchctl review record` does. */
static void
do_record(struct store *s, void *arg)
{
	struct record *r = arg;
	char *cause = NULL;
	int added, rc;

	if (!reviews_child_known(s, r->ref))
		return;
	rc = r->plan < 0 ? reviews_add_review(s, r->ref, r->on, false, "ctl", now, &added, &cause) :
			   reviews_add_plan(s, r->ref, reviews_plan_types[r->plan], r->on, "ctl", now, &added, &cause);
	if (rc != 0)
		replan_fail("record: %s", cause);
}

struct alloc {
	char ref[16], sw[48], tm[48], iro[48];
	int blank; /* no social worker email */
};

/* An allocation imported for one case. */
static void
do_alloc(struct store *s, void *arg)
{
	struct alloc *a = arg;
	struct allocation al;
	char *cause = NULL;

	memset(&al, 0, sizeof al);
	al.case_ref = a->ref;
	al.team = (char *)(uintptr_t) "North";
	al.social_worker_email = a->blank ? NULL : a->sw;
	al.team_manager_email = a->tm;
	al.iro_email = a->iro;
	if (allocation_put(s, &al, &cause) != 0)
		replan_fail("allocation: %s", cause);
}

/* Draw an allocation for child: its people vary with the draw. */
static void
alloc_draw(struct alloc *a, int child)
{
	snprintf(a->ref, sizeof a->ref, "C%03d", child);
	snprintf(a->sw, sizeof a->sw, "sw%u@council.example", rnd(3));
	snprintf(a->tm, sizeof a->tm, "tm%u@council.example", rnd(2));
	snprintf(a->iro, sizeof a->iro, "iro%u@council.example", rnd(2));
	a->blank = rnd(8) == 0;
}

struct move {
	int kind; /* 0 raise, 1 respond, 2 escalate, 3 resolve */
	int pick; /* which open dispute, or which child for a raise */
	int back; /* working days before today it is dated */
};

/* The id of the pick-th open dispute (0 when none). */
static int64_t
open_dispute(struct store *s, int pick)
{
	int64_t *ids, id = 0;
	int n;

	disputes_active(s, calendar_local_date(now), &ids, &n);
	if (n > 0)
		id = ids[pick % n];
	free(ids);
	return id;
}

/* A dispute raised, answered, escalated or resolved, as driftwatchctl dispute does it. */
static void
do_move(struct store *s, void *arg)
{
	const struct config *cfg = rules[rule];
	struct move *m = arg;
	struct dispute d;
	struct dispute_raise r;
	char *cause = NULL, ref[16];
	int64_t id;
	int on = calendar_local_date(now) - m->back;
	const char *kind;

	if (m->kind == 0) {
		snprintf(ref, sizeof ref, "C%03d", 1 + m->pick % REPLAN_CHILDREN);
		memset(&r, 0, sizeof r);
		r.case_ref = ref;
		r.iro_email = "iro0@council.example";
		r.category = m->pick % 2 ? "placement" : "care-plan";
		r.note = "made up";
		r.raised_on = on;
		r.actor = "ctl";
		if (disputes_raise(s, cfg, &r, now, &id, &cause) != 0)
			free(cause); /* an unallocated case is refused, as driftwatchctl refuses it */
		return;
	}
	if ((id = open_dispute(s, m->pick)) == 0)
		return;
	if (disputes_catch_up(s, cfg, id, on, now, "ctl", &cause) != 0 || disputes_load(s, id, &d) != 0)
		replan_fail("dispute %lld: %s", (long long)id, cause);
	if (d.rec.resolved_on != DATE_NONE || on < d.rec.stage_started_on) {
		dispute_free(&d);
		return;
	}
	if (m->kind == 1) {
		kind = "response";
		if (d.rec.responded_on == DATE_NONE)
			d.rec.responded_on = on;
	} else if (m->kind == 2) {
		if (d.rec.stage + 1 >= d.rec.ladder.n) {
			dispute_free(&d);
			return;
		}
		kind = "escalated";
		d.rec.stage++;
		d.rec.stage_started_on = on;
		d.rec.stage_due_on = plan_disputes_stage_due(cfg->calendar, &d.rec.ladder, d.rec.stage, on);
		d.rec.responded_on = DATE_NONE;
		if (d.rec.formal_started_on == DATE_NONE &&
		    plan_disputes_stage_formal(&d.rec.ladder.stages[d.rec.stage]))
			d.rec.formal_started_on = on;
	} else {
		kind = "resolved";
		free(d.outcome);
		d.outcome = xstrdup("agreed");
		d.rec.resolved_on = on;
	}
	if (disputes_update(s, &d, &cause) != 0 ||
	    disputes_event_add(s, id, on, now, kind, d.rec.ladder.stages[d.rec.stage].name,
		d.rec.ladder.stages[d.rec.stage].responder, "made up", "ctl", &cause) != 0 ||
	    disputes_fire(s, cfg, id, now, "ctl", NULL, &cause) != 0)
		replan_fail("dispute %lld: %s", (long long)id, cause);
	dispute_free(&d);
}

/* Progress recorded on the pick-th action (or it completed), or its due date moved (a re-import). */
static void
do_progress(struct store *s, void *arg)
{
	struct action *v = NULL;
	char *cause = NULL;
	int n, pick = *(int *)arg;

	if (actions_load(s, NULL, &v, &n, &cause) != 0 || n == 0)
		replan_fail("actions: %s", cause);
	struct action *a = &v[pick % n];
	if (pick % 3 == 0)
		a->due_on = calendar_local_date(now) - 10 + pick % 40;
	else {
		a->progress_on = calendar_local_date(now);
		free(a->progress_note);
		a->progress_note = xstrdup("progress made");
	}
	if (pick % 7 == 0 && a->status == ACTION_OPEN) {
		a->status = ACTION_COMPLETE;
		a->completed_on = calendar_local_date(now);
	}
	if (actions_update(s, a, &cause) != 0)
		replan_fail("actions: %s", cause);
	actions_free(v, n);
}

/* The St Helens roles, with the head of service reporting to the DCS or not (escalations change). */
static void
do_roles(struct store *s, void *arg)
{
	char *path = top_path("etc/samples/st-helens-roles.csv"), buf[512], *lines[128], *p, *q, *cause = NULL;
	struct role_row rows[128];
	int n = 0, i, variant = *(int *)arg;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof buf, f));
	while (n < 128 && fgets(buf, sizeof buf, f) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		lines[n] = xstrdup(buf);
		assert_non_null(p = strchr(lines[n], ','));
		*p++ = '\0';
		assert_non_null(q = strchr(p, ','));
		*q++ = '\0';
		rows[n].key = lines[n];
		rows[n].title = p;
		rows[n].reports_to = *q != '\0' ? q : NULL;
		/* The variant cuts one line of management: escalations go to other people. */
		if (variant && rows[n].reports_to != NULL && n % 3 == 1)
			rows[n].reports_to = NULL;
		n++;
	}
	fclose(f);
	if (roles_replace(s, rows, n, &cause) != 0)
		replan_fail("roles: %s", cause);
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(path);
}

/* --- passes and comparison --------------------------------------------------------------------- */

/* The incremental daemon's pass. */
static void
pass_inc(void)
{
	time_t next = 0;

	schedule_run(inc, rules[rule], now, &next);
	inc_next = next;
}

/* The from-scratch pass: every record marked, then planned. */
static void
pass_full(void)
{
	char *cause = NULL;
	time_t next = 0;

	if (schedule_replan_all(full, &cause) != 0)
		replan_fail("replan --all: %s", cause);
	schedule_run(full, rules[rule], now, &next);
}

/*
 * The incremental pass run in a child killed by SIGKILL at a random moment, then the restarted
 * daemon's pass (the store reopened, the rules unchanged).
 */
static void
pass_inc_killed(void)
{
	char *cause = NULL;
	pid_t pid;
	int status;

	store_close(inc); /* a connection must not cross a fork */
	if ((pid = fork()) == 0) {
		struct store *s = store_open(db_inc, &cause);
		time_t next = 0;
		if (s == NULL)
			_exit(2);
		schedule_run(s, rules[rule], now, &next);
		_exit(0);
	}
	assert_true(pid > 0);
	usleep(rnd(6000));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
	if ((inc = store_open(db_inc, &cause)) == NULL)
		replan_fail("reopen: %s", cause);
	pass_inc();
}

/* One query's rows, a line each, columns joined by '|'. */
static void
dump_query(sqlite3 *db, const char *sql, FILE *out)
{
	sqlite3_stmt *st;
	int i;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		replan_fail("%s: %s", sql, sqlite3_errmsg(db));
	fprintf(out, "== %s\n", sql);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++)
			fprintf(out, "%s%s", i > 0 ? "|" : "",
			    sqlite3_column_text(st, i) != NULL ? (const char *)sqlite3_column_text(st, i) : "NULL");
		fputc('\n', out);
	}
	sqlite3_finalize(st);
}

/* What a user would check: every notice queued, each dispute's state and history, the audit trail. */
static char *
dump(const char *path)
{
	sqlite3 *db;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		replan_fail("open %s", path);
	dump_query(db,
	    "SELECT dedupe_key, kind, transport, recipient, subject, body_text, batch_text, state, created_at, "
	    "next_attempt_at, urgency, urgent FROM outbox ORDER BY dedupe_key",
	    f);
	dump_query(db,
	    "SELECT id, case_ref, raised_by, raised_on, stage, stage_started_on, stage_due_on, responded_on, "
	    "formal_started_on, outcome, resolved_on FROM disputes ORDER BY id",
	    f);
	dump_query(db,
	    "SELECT dispute, on_date, at, kind, stage, responder, note, actor FROM dispute_events "
	    "ORDER BY dispute, id",
	    f);
	dump_query(db,
	    "SELECT case_ref, period_start, second_review_on, dispute_id, raised_at FROM lac_disputes "
	    "ORDER BY case_ref, period_start",
	    f);
	dump_query(db, "SELECT at, actor, what, subject, detail FROM audit ORDER BY at, subject, what, detail", f);
	sqlite3_close(db);
	fclose(f);
	return out;
}

/* Both databases must read the same; on a difference, say where and keep both dumps. */
static void
compare(int step, const char *what)
{
	char *a = dump(db_inc), *b = dump(db_full), *pa, *pb, *line;
	size_t i = 0, start = 0;

	if (strcmp(a, b) != 0) {
		while (a[i] != '\0' && a[i] == b[i]) {
			if (a[i] == '\n')
				start = i + 1;
			i++;
		}
		pa = write_file("incremental.txt", a);
		pb = write_file("full.txt", b);
		xasprintf(&line, "%.*s", (int)strcspn(a + start, "\n"), a + start);
		replan_fail(
		    "step %d (%s, seed %llu): the incremental plan differs from a full re-plan at \"%s\" (see %s and "
		    "%s)",
		    step, what, (unsigned long long)seed, line, pa, pb);
	}
	free(a), free(b);
}

/* --- the run ------------------------------------------------------------------------------------ */

/* The starting point, the same in both: roles, the St Helens plan, children, allocations, disputes. */
static void
seed_both(void)
{
	struct import_errors e;
	struct action *v = NULL;
	struct extract x;
	struct alloc al;
	struct move m;
	bool present[ACTIONS_OPTIONAL_COLUMNS];
	char *csv = top_path("etc/samples/st-helens-ilacs-2020-actions.csv"), *cause = NULL;
	int n = 0, i, j, variant = 0;
	struct store *s[2] = { inc, full };

	both(do_roles, &variant);
	memset(&e, 0, sizeof e);
	e.file = csv;
	if (import_actions_read(&e, csv, inc, rules[0], D(2021, 1, 4), &v, &n, present) != 0)
		replan_fail("%s", e.text);
	for (j = 0; j < 2; j++) {
		assert_int_equal(store_begin(s[j], &cause), 0);
		for (i = 0; i < n; i++)
			assert_int_equal(actions_insert(s[j], &v[i], &cause), 0);
		assert_int_equal(store_commit(s[j], &cause), 0);
	}
	actions_free(v, n);
	import_errors_free(&e);
	free(csv);
	for (i = 1; i <= REPLAN_CHILDREN; i++) {
		extract_draw(&x, i);
		both(do_extract, &x);
		if (i <= REPLAN_ALLOCATED) {
			alloc_draw(&al, i);
			both(do_alloc, &al);
		}
	}
	for (i = 0; i < 3; i++) {
		m.kind = 0, m.pick = (int)rnd(REPLAN_ALLOCATED), m.back = (int)rnd(15);
		both(do_move, &m);
	}
}

/* One random step on both; its name for a failure. */
static const char *
step_both(int *killed)
{
	struct extract x;
	struct record r;
	struct alloc al;
	struct move m;
	int k = (int)rnd(100), pick;

	*killed = 0;
	if (k < 14) {
		extract_draw(&x, 1 + (int)rnd(REPLAN_CHILDREN + REPLAN_LATE));
		both(do_extract, &x);
		return "extract imported";
	}
	if (k < 28) {
		snprintf(r.ref, sizeof r.ref, "C%03d", 1 + (int)rnd(REPLAN_CHILDREN));
		r.on = calendar_local_date(now) - (int)rnd(20);
		r.plan = rnd(3) == 0 ? (int)rnd(6) : -1;
		both(do_record, &r);
		return r.plan < 0 ? "review recorded" : "permanence plan recorded";
	}
	if (k < 36) {
		alloc_draw(&al, 1 + (int)rnd(REPLAN_CHILDREN + REPLAN_LATE));
		both(do_alloc, &al);
		return "allocation changed";
	}
	if (k < 50) {
		m.kind = (int)rnd(4), m.pick = (int)rnd(1000), m.back = (int)rnd(3);
		both(do_move, &m);
		return m.kind == 0 ? "dispute raised" :
		    m.kind == 1	   ? "dispute answered" :
		    m.kind == 2	   ? "dispute escalated" :
				     "dispute resolved";
	}
	if (k < 56) {
		pick = (int)rnd(1000);
		both(do_progress, &pick);
		return pick % 3 == 0 ? "action due date moved" : "action progress";
	}
	if (k < 59) {
		pick = (int)rnd(2);
		both(do_roles, &pick);
		return "roles replaced";
	}
	if (k < 63) {
		char *cause = NULL;
		rule = 1 - rule;
		/* What driftwatchd does on SIGHUP: every record planned afresh. */
		if (schedule_replan_all(inc, &cause) != 0)
			replan_fail("reload: %s", cause);
		return "rules reloaded";
	}
	if (k < 75) {
		now += 60; /* the backstop tick: nothing changed */
		return "backstop tick";
	}
	if (k < 85) {
		if (inc_next > now)
			now = inc_next;
		return "the daemon's next wake";
	}
	if (k < 88) {
		now -= 3600 * (1 + (time_t)rnd(48));
		return "clock set back";
	}
	*killed = rnd(3) == 0;
	now += 3600 * (1 + (time_t)rnd(24 * 12));
	return "clock jump";
}

/* The property, over one seeded run. */
static void
test_incremental_equals_full(void **state)
{
	const char *env = getenv("DRIFTWATCH_REPLAN_STEPS");
	int steps = env != NULL ? atoi(env) : 200, step, killed, kills = 0;
	const char *what;
	char *cause = NULL;

	(void)state;
	env = getenv("DRIFTWATCH_REPLAN_SEED");
	seed = env != NULL ? strtoull(env, NULL, 10) : 1717;
	rng = seed * 2654435761ULL + 88172645463325252ULL;
	now = calendar_local_time(D(2021, 2, 1), 9 * 60);
	if ((inc = store_open(db_inc, &cause)) == NULL || (full = store_open(db_full, &cause)) == NULL)
		replan_fail("%s", cause);
	seed_both();
	pass_inc();
	pass_full();
	compare(0, "the first pass");
	for (step = 1; step <= steps; step++) {
		what = step_both(&killed);
		if (killed || rnd(12) == 0) {
			pass_inc_killed();
			kills++;
		} else
			pass_inc();
		pass_full();
		compare(step, what);
	}
	print_message("%d steps, %d passes killed and restarted, ended on %s", steps, kills, ctime(&now));
	store_close(inc);
	store_close(full);
}

static int
setup(void **state)
{
	char *log;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	tzset();
	/* The watchers log every notice: into a file, where a failure can be read. */
	xasprintf(&log, "%s/log", tmpdir);
	saved_stderr = dup(STDERR_FILENO);
	assert_non_null(freopen(log, "w", stderr));
	free(log);
	log_init(0, 0);
	xasprintf(&db_inc, "%s/incremental.db", tmpdir);
	xasprintf(&db_full, "%s/full.db", tmpdir);
	rules[0] = load_rules(0);
	rules[1] = load_rules(1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	config_free(rules[0]);
	config_free(rules[1]);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cmd), free(db_inc), free(db_full);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_equals_full),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
