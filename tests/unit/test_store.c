/*
 * test_store.c: migrations from empty and re-run, a newer or negative-version database refused,
 * the audit trail append-only, and the outbox's dedupe key holding across enqueues.
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
#include <sqlite3.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "outbox.h"
#include "reviews.h"
#include "status.h"
#include "store.h"
#include "watch.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwstoreXXXXXX";

/* A database path in the temp dir. */
static char *
db_path(const char *name)
{
	char *p;

	xasprintf(&p, "%s/%s", tmpdir, name);
	return p;
}

/* One integer from raw SQL, bypassing the store (to check what is on disk). */
static long long
raw_scalar(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* From empty to the latest version; opening again changes nothing; pragmas are as promised. */
static void
test_migrate_from_empty_and_rerun(void **state)
{
	char *path = db_path("a.db"), *cause = NULL;
	struct store *s;

	(void)state;
	s = store_open(path, &cause);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_latest_version());
	assert_true(store_latest_version() >= 1);
	store_close(s);
	assert_int_equal(raw_scalar(path, "PRAGMA user_version"), store_latest_version());
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"), 1);
	/* journal_mode=WAL persists in the file. */
	assert_int_equal(raw_scalar(path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	s = store_open(path, &cause);
	assert_non_null(s);
	assert_int_equal(store_schema_version(s), store_latest_version());
	store_close(s);
	free(path);
}

/* Does a query plan scan (rather than search) one of the children's big tables? */
static int
plan_scans_child_table(const char *plan)
{
	static const char *const tables[] = { "lac_periods", "lac_reviews", "lac_permanence" };
	const char *line, *end;
	size_t i;

	for (line = plan; *line != '\0'; line = *end != '\0' ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
			size_t n = strlen(tables[i]);
			/* "SCAN lac_periods" or "SCAN lac_periods USING INDEX ...": every row read. */
			if ((size_t)(end - line) >= 5 + n && strncmp(line, "SCAN ", 5) == 0 &&
			    strncmp(line + 5, tables[i], n) == 0 &&
			    (line[5 + n] == '\n' || line[5 + n] == ' ' || line[5 + n] == '\0'))
				return 1;
		}
	}
	return 0;
}

/*
 * One child's load (an API write loads it twice) searches each table by case_ref: the statement
 * shared with every child's load, "?1 IS NULL OR case_ref = ?1", was planned as a scan of each
 * table (2 ms a request at 2,000 children, d733a5b). The check is shown to catch that form too.
 */
static void
test_reviews_one_child_searches(void **state)
{
	char *path = db_path("plan.db"), *cause = NULL, *plan = NULL;
	struct store *s;

	(void)state;
	s = store_open(path, &cause);
	assert_non_null(s);
	assert_int_equal(reviews_load_plan(s, &plan, &cause), 0);
	assert_non_null(strstr(plan, "SEARCH lac_periods"));
	assert_non_null(strstr(plan, "SEARCH lac_reviews"));
	assert_non_null(strstr(plan, "SEARCH lac_permanence"));
	if (plan_scans_child_table(plan))
		fail_msg("one child's load scans a table:\n%s", plan);
	free(plan);
	assert_int_equal(store_query_plan(s,
			     "SELECT case_ref, started_on FROM lac_periods WHERE ?1 IS NULL OR case_ref = ?1 "
			     "ORDER BY case_ref, started_on",
			     &plan, &cause),
	    0);
	assert_true(plan_scans_child_table(plan));
	free(plan);
	assert_int_equal(store_query_plan(s, "SELECT nonsense FROM nowhere", &plan, &cause), -1);
	assert_non_null(cause);
	free(cause);
	store_close(s);
	free(path);
}

/* A database written by a newer driftwatch is refused with a message that says so. */
static void
test_newer_database_refused(void **state)
{
	char *path = db_path("newer.db"), *cause = NULL, *sql;
	struct store *s;
	sqlite3 *db;

	(void)state;
	s = store_open(path, &cause);
	assert_non_null(s);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	xasprintf(&sql, "PRAGMA user_version = %d", store_latest_version() + 1);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(sql);
	s = store_open(path, &cause);
	assert_null(s);
	assert_non_null(strstr(cause, "newer driftwatch"));
	free(cause);
	free(path);
}

/*
 * A file whose schema version reads as negative (another tool's user_version, or a failed read,
 * which store_scalar also reports as -1) is refused with a cause: migrating from it would index
 * before the first migration.
 */
static void
test_negative_schema_version_refused(void **state)
{
	char *path = db_path("negative.db"), *cause = NULL;
	struct store *s;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db, "CREATE TABLE other (x); PRAGMA user_version = -1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, &cause);
	assert_null(s);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cannot read a schema version (-1)"));
	free(cause);
	/* Nothing was migrated into it. */
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"), 0);
	assert_int_equal(raw_scalar(path, "PRAGMA user_version"), -1);
	free(path);
}

/* The audit trail takes entries and refuses to change them. */
static void
test_audit_append_only(void **state)
{
	char *path = db_path("audit.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	sqlite3 *db;

	(void)state;
	assert_non_null(s);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(audit_add(s, 1000, "test", "created", "action st-helens/3.11", "due 2021-02-28", &cause), 0);
	assert_int_equal(audit_add(s, 1001, "test", "created", "action st-helens/3.11", NULL, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(audit_count(s, "created", "action st-helens/3.11"), 2);
	store_close(s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM audit"), 2);
	free(path);
}

/* A config pointing at the repository's bank holidays. */
static struct config *
test_config(void)
{
	const char *top = top_dir();
	char *path, *cause = NULL;
	struct config *cfg;
	FILE *f;

	xasprintf(&path, "%s/t.ini", tmpdir);
	f = fopen(path, "w");
	fprintf(f, "[daemon]\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n", top);
	fclose(f);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	free(path);
	return cfg;
}

/* The same dedupe key enqueued twice is one row; header injection is refused; the window is kept. */
static void
test_outbox_enqueue(void **state)
{
	char *path = db_path("outbox.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	struct outbox_item item;
	struct outbox_row row;
	struct attachment att = { "figures.csv", "text/csv", "a,b\n1,2\n", 8 };
	int added;
	/* Saturday 2021-03-06 12:00 UTC: outside any working day's window. */
	time_t saturday = 1615032000;

	(void)state;
	memset(&item, 0, sizeof item);
	item.dedupe_key = "actions:remind:st-helens/3.11:2021-02-28:10wd:lead@council.example";
	item.kind = "reminder";
	item.recipient = "lead@council.example";
	item.subject = "Action 3.11 due in 10 working days";
	item.body_text = "text";
	item.attachments = &att;
	item.nattachments = 1;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(outbox_enqueue(s, cfg, &item, saturday, &added, &cause), 0);
	assert_int_equal(added, 1);
	assert_int_equal(outbox_enqueue(s, cfg, &item, saturday + 60, &added, &cause), 0);
	assert_int_equal(added, 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox"), 1);
	assert_int_equal(outbox_load(s, 1, &row), 0);
	assert_string_equal(row.state, "pending");
	assert_int_equal(row.nattachments, 1);
	assert_int_equal(row.attachments[0].len, 8);
	assert_memory_equal(row.attachments[0].data, "a,b\n1,2\n", 8);
	/* Not urgent: waits for Monday 2021-03-08 08:00 GMT. */
	assert_int_equal(row.next_attempt_at, 1615190400);
	outbox_row_free(&row);

	item.dedupe_key = "k2";
	item.subject = "Bcc: victim@example.com\r\nSubject: hi";
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(outbox_enqueue(s, cfg, &item, saturday, &added, &cause), -1);
	assert_non_null(strstr(cause, "line break"));
	free(cause);
	cause = NULL;
	item.subject = "ok";
	item.recipient = "a@example.com, b@example.com";
	assert_int_equal(outbox_enqueue(s, cfg, &item, saturday, &added, &cause), -1);
	free(cause);
	cause = NULL;
	/* Urgent: due at once. */
	item.recipient = "admin@council.example";
	item.urgent = true;
	item.nattachments = 0;
	assert_int_equal(outbox_enqueue(s, cfg, &item, saturday, &added, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(raw_scalar(path, "SELECT next_attempt_at FROM outbox WHERE dedupe_key = 'k2'"), saturday);
	config_free(cfg);
	store_close(s);
	free(path);
}

/* Rows left 'sending' by a crash go back to pending at start. */
static void
test_outbox_recover(void **state)
{
	char *path = db_path("recover.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	struct outbox_item item;
	int64_t id = 1;

	(void)state;
	memset(&item, 0, sizeof item);
	item.dedupe_key = "k";
	item.kind = "escalation";
	item.recipient = "x@council.example";
	item.subject = "s";
	item.urgent = true;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, NULL, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(outbox_mark_sending(s, &id, 1, &cause), 0);
	assert_int_equal(raw_scalar(path, "SELECT attempts FROM outbox"), 1);
	assert_int_equal(outbox_recover(s, &cause), 1);
	assert_int_equal(raw_scalar(path, "SELECT state = 'pending' FROM outbox"), 1);
	assert_int_equal(outbox_mark_sent(s, &id, 1, 2000, &cause), 0);
	assert_int_equal(outbox_recover(s, &cause), 0);
	assert_int_equal(raw_scalar(path, "SELECT sent_at FROM outbox"), 2000);
	config_free(cfg);
	store_close(s);
	free(path);
}

/* Many rows load in one call, ordered by id, attachments too; an id not there is left out. */
static void
test_outbox_load_many(void **state)
{
	char *path = db_path("load_many.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	struct attachment att = { "figures.csv", "text/csv", "a,b\n1,2\n", 8 };
	struct outbox_item item;
	struct outbox_row rows[4];
	char key[32], subject[32];
	int64_t ids[4] = { 3, 1, 99, 2 }; /* out of order, and 99 is not there */
	int i;

	(void)state;
	memset(&item, 0, sizeof item);
	item.kind = "reminder";
	item.recipient = "x@council.example";
	item.urgent = true;
	assert_int_equal(store_begin(s, &cause), 0);
	for (i = 1; i <= 3; i++) {
		snprintf(key, sizeof key, "k%d", i);
		snprintf(subject, sizeof subject, "subject %d", i);
		item.dedupe_key = key;
		item.subject = subject;
		item.attachments = i == 2 ? &att : NULL;
		item.nattachments = i == 2 ? 1 : 0;
		assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, NULL, &cause), 0);
	}
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(outbox_mark_sending(s, ids, 4, &cause), 0);
	assert_int_equal(outbox_load_many(s, ids, 4, rows), 3);
	for (i = 0; i < 3; i++) {
		snprintf(subject, sizeof subject, "subject %d", i + 1);
		assert_int_equal(rows[i].id, i + 1);
		assert_string_equal(rows[i].subject, subject);
		assert_string_equal(rows[i].state, "sending");
		assert_int_equal(rows[i].attempts, 1);
		assert_int_equal(rows[i].nattachments, i == 1 ? 1 : 0);
	}
	assert_string_equal(rows[1].attachments[0].filename, "figures.csv");
	assert_memory_equal(rows[1].attachments[0].data, "a,b\n1,2\n", 8);
	for (i = 0; i < 3; i++)
		outbox_row_free(&rows[i]);
	config_free(cfg);
	store_close(s);
	free(path);
}

/* Run sql on its own connection with foreign keys on, as the daemon's are; SQLite's result code. */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* Does EXPLAIN of sql on path hold an opcode? */
static int
raw_has_opcode(const char *path, const char *sql, const char *opcode)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *explain;
	int found = 0;

	xasprintf(&explain, "EXPLAIN %s", sql);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		found |= strcmp((const char *)sqlite3_column_text(st, 1), opcode) == 0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(explain);
	return found;
}

/*
 * Migration 7 rebuilds the outbox of a schema-6 database: every row and attachment kept, the
 * attachments' foreign key follows the new table, the state rule still holds, and a state change
 * no longer builds a temporary table (the CHECK's IN list did, on every UPDATE).
 */
static void
test_migrate_outbox_rebuild(void **state)
{
	char *path = db_path("v6.db"), *sql = slurp("tests/unit/data/schema-v6.sql"), *cause = NULL;
	const char *update = "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = 2";
	struct outbox_row row;
	struct store *s;
	sqlite3 *db;

	(void)state;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(raw_scalar(path, "PRAGMA user_version"), 6);
	assert_true(raw_has_opcode(path, update, "OpenEphemeral"));

	assert_non_null(s = store_open(path, &cause));
	assert_int_equal(store_schema_version(s), store_latest_version());
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox"), 3);
	assert_int_equal(raw_scalar(path, "SELECT sent_at FROM outbox WHERE id = 1 AND state = 'sent'"), 1700000000);
	assert_int_equal(raw_scalar(path, "SELECT dead_at FROM outbox WHERE id = 3 AND state = 'dead'"), 1700000001);
	assert_int_equal(
	    raw_scalar(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('outbox_due', 'outbox_new')"), 0);
	assert_int_equal(outbox_load(s, 2, &row), 0);
	assert_int_equal(row.nattachments, 1);
	assert_string_equal(row.attachments[0].filename, "digest.csv");
	assert_int_equal(row.attachments[0].len, 9);
	outbox_row_free(&row);
	assert_false(raw_has_opcode(path, update, "OpenEphemeral"));
	/* The state rule holds; a sending row is found for recovery through the new index. */
	assert_int_equal(raw_exec(path, "UPDATE outbox SET state = 'lost' WHERE id = 2"), SQLITE_CONSTRAINT);
	assert_int_equal(raw_exec(path, update), SQLITE_OK);
	assert_int_equal(outbox_recover(s, &cause), 1);
	/* The attachments' foreign key points at the rebuilt table: deleting a notice cascades. */
	assert_int_equal(raw_exec(path, "DELETE FROM outbox WHERE id = 2"), SQLITE_OK);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox_attachments"), 0);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	store_close(s);
	free(sql), free(path);
}

/* An "Overdue" notice of a kind to the manager under a key. */
static void
overdue_item(struct outbox_item *item, const char *key, const char *kind, bool urgent)
{
	memset(item, 0, sizeof *item);
	item->dedupe_key = key;
	item->kind = kind;
	item->recipient = "manager@council.example";
	item->subject = "Overdue";
	item->body_text = "text";
	item->urgent = urgent;
}

/* Enqueue one notice of a kind under a key (inside its own transaction). */
static void
enqueue_one(struct store *s, const struct config *cfg, const char *key, const char *kind, bool urgent, time_t now)
{
	struct outbox_item item;
	char *cause = NULL;

	overdue_item(&item, key, kind, urgent);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(outbox_enqueue(s, cfg, &item, now, NULL, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
}

/*
 * The first-start hold: while on, escalations (only) are enqueued held, never claimable; release
 * by rule matches whole leading fields of the key (":" boundaries), by id, or all; released rows
 * are due at the window (urgent: now) with their give-up clock restarted.
 */
static void
test_outbox_hold_release(void **state)
{
	char *path = db_path("hold.db"), *cause = NULL, *recipients[8];
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	int64_t ids[8];
	int batchable[8], i, n;
	time_t saturday = 1615032000, later = saturday + 86400, monday = 1615190400;

	(void)state;
	assert_true(outbox_never_used(s));
	outbox_hold_escalations(s, true);
	enqueue_one(s, cfg, "actions:escalate:p:1.1:due=2021-02-28:L1:dcs", "escalation", false, saturday);
	enqueue_one(s, cfg, "actions:escalate:p:1.10:due=2021-02-28:L1:dcs", "escalation", false, saturday);
	enqueue_one(s, cfg, "dispute:7:moved:2:iro", "escalation", true, saturday);
	enqueue_one(s, cfg, "actions:remind:p:1.1:due=2021-03-31:10wd:lead", "reminder", false, saturday);
	outbox_hold_escalations(s, false);
	enqueue_one(s, cfg, "actions:escalate:p:2.1:due=2021-02-28:L1:dcs", "escalation", false, saturday);
	assert_false(outbox_never_used(s));
	assert_int_equal(outbox_held_count(s), 3);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox WHERE state = 'pending'"), 2);
	/* Held rows are never due. */
	n = outbox_due(s, "file", later + 7 * 86400, 8, 8, ids, recipients, batchable);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		free(recipients[i]);

	/* "actions:escalate:p:1.1" is that action only, not 1.10. */
	assert_int_equal(outbox_release(s, "actions:escalate:p:1.1", 0, later, monday, &cause), 1);
	assert_int_equal(raw_scalar(path, "SELECT state = 'held' FROM outbox WHERE id = 2"), 1);
	assert_int_equal(
	    outbox_release(s, "actions:escalate:p:1.10:due=2021-02-28:L1:dcs", 0, later, monday, &cause), 1);
	assert_int_equal(outbox_release(s, "actions:escalate:p", 0, later, monday, &cause), 0);
	assert_int_equal(outbox_held_count(s), 1);
	assert_int_equal(raw_scalar(path, "SELECT created_at FROM outbox WHERE id = 1"), later);
	assert_int_equal(raw_scalar(path, "SELECT next_attempt_at FROM outbox WHERE id = 1"), monday);
	/* By id: only a held row; the urgent one is due at once. */
	assert_int_equal(outbox_release(s, NULL, 4, later, monday, &cause), 0);
	assert_int_equal(outbox_release(s, NULL, 3, later, monday, &cause), 1);
	assert_int_equal(raw_scalar(path, "SELECT next_attempt_at FROM outbox WHERE id = 3"), later);
	assert_int_equal(outbox_release(s, NULL, 0, later, monday, &cause), 0);
	assert_int_equal(outbox_held_count(s), 0);
	/* The state rule takes 'held' and still refuses anything else. */
	assert_int_equal(raw_exec(path, "UPDATE outbox SET state = 'held' WHERE id = 5"), SQLITE_OK);
	assert_int_equal(raw_exec(path, "UPDATE outbox SET state = 'kept' WHERE id = 5"), SQLITE_CONSTRAINT);
	config_free(cfg);
	store_close(s);
	free(path);
}

/*
 * allocation_get remembers the last case it found inside a transaction: a write of ours in the
 * same transaction is seen at once, and another connection's commit by the next transaction.
 */
static void
test_allocation_memo(void **state)
{
	char *path = db_path("alloc.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct allocation a, got;
	char ref[] = "C1", team[] = "North", tm1[] = "tm1@council.example", tm2[] = "tm2@council.example";

	(void)state;
	memset(&a, 0, sizeof a);
	a.case_ref = ref;
	a.team = team;
	a.team_manager_email = tm1;
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(allocation_put(s, &a, &cause), 0);
	assert_int_equal(allocation_get(s, "C1", &got), 0);
	assert_string_equal(got.team_manager_email, "tm1@council.example");
	allocation_free(&got);
	assert_int_equal(allocation_get(s, "C1", &got), 0); /* the remembered copy: its own strings */
	assert_string_equal(got.team, "North");
	assert_null(got.iro);
	allocation_free(&got);
	a.team_manager_email = tm2;
	assert_int_equal(allocation_put(s, &a, &cause), 0);
	assert_int_equal(allocation_get(s, "C1", &got), 0);
	assert_string_equal(got.team_manager_email, "tm2@council.example");
	allocation_free(&got);
	assert_int_equal(allocation_set_social_worker(s, "C1", "SW9", "sw9@council.example", &cause), 0);
	assert_int_equal(allocation_get(s, "C1", &got), 0);
	assert_string_equal(got.social_worker_email, "sw9@council.example");
	allocation_free(&got);
	assert_int_equal(allocation_get(s, "C2", &got), -1);
	assert_int_equal(store_commit(s, &cause), 0);
	/* Another connection (driftwatchctl) changes it between two passes. */
	assert_int_equal(
	    raw_exec(path, "UPDATE allocations SET team_manager_email = 'tm3@council.example'"), SQLITE_OK);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(allocation_get(s, "C1", &got), 0);
	assert_string_equal(got.team_manager_email, "tm3@council.example");
	allocation_free(&got);
	store_rollback(s);
	store_close(s);
	free(path);
}

/* outbox_tally's rows for a state (all transports), as /metrics reads them. */
static long long
tally(const char *path, const char *state)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT coalesce(sum(rows), 0) FROM outbox_tally WHERE state = '%s'", state);
	return raw_scalar(path, sql);
}

/*
 * The outbox tally counts what outbox_enqueue queued when its transaction commits (migration 16
 * dropped the per-row trigger): nothing for a rollback or a key already there, one per row
 * queued outside a transaction, held rows apart, and always what a scan of the rows counts.
 */
static void
test_outbox_tally(void **state)
{
	char *path = db_path("tally.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	struct outbox_item item;
	char key[32];
	int added, i;

	(void)state;
	overdue_item(&item, NULL, "escalation", true);
	/* Rolled back: neither rows nor tally. */
	assert_int_equal(store_begin(s, &cause), 0);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof key, "rolled:%d", i);
		item.dedupe_key = key;
		assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
		assert_int_equal(added, 1);
	}
	store_rollback(s);
	assert_int_equal(tally(path, "pending"), 0);
	/* Committed: five rows, and a key queued twice is one. */
	assert_int_equal(store_begin(s, &cause), 0);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof key, "kept:%d", i);
		item.dedupe_key = key;
		assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
	}
	assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
	assert_int_equal(added, 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(tally(path, "pending"), 5);
	/* Outside a transaction: its own, counted at once; the first-start hold counts held. */
	item.dedupe_key = "alone";
	assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
	assert_int_equal(tally(path, "pending"), 6);
	outbox_hold_escalations(s, true);
	item.dedupe_key = "held";
	assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
	outbox_hold_escalations(s, false);
	assert_int_equal(tally(path, "held"), 1);
	assert_int_equal(tally(path, "pending"), 6);
	/* A row rolled back is not counted by the next transaction to commit. */
	assert_int_equal(store_begin(s, &cause), 0);
	item.dedupe_key = "lost";
	assert_int_equal(outbox_enqueue(s, cfg, &item, 1000, &added, &cause), 0);
	store_rollback(s);
	assert_int_equal(store_begin(s, &cause), 0);
	assert_int_equal(store_commit(s, &cause), 0);
	assert_int_equal(tally(path, "pending"), 6);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox WHERE state = 'pending'"), 6);
	assert_int_equal(raw_scalar(path, "SELECT count(*) FROM outbox WHERE state = 'held'"), 1);
	config_free(cfg);
	store_close(s);
	free(path);
}

/*
 * Each pass records every watcher in one statement; a status write that fails (its table gone,
 * as a full disk would refuse it) does not fail the pass.
 */
static void
test_status_pass_best_effort(void **state)
{
	char *path = db_path("status.db"), *cause = NULL;
	struct store *s = store_open(path, &cause);
	struct config *cfg = test_config();
	struct status st;
	time_t next, monday = 1615190400;

	(void)state;
	assert_int_equal(schedule_run(s, cfg, monday, &next), 0);
	assert_int_equal(schedule_run(s, cfg, monday + 60, &next), 0);
	assert_int_equal(status_read(s, &st, &cause), 0);
	assert_int_equal(st.nwatchers, 5);
	assert_string_equal(st.watchers[0].name, "actions");
	assert_int_equal(st.watchers[0].at, monday + 60);
	assert_null(st.watchers[0].error);
	status_free(&st);
	assert_int_equal(raw_exec(path, "DROP TABLE daemon_watchers"), SQLITE_OK);
	assert_int_equal(schedule_run(s, cfg, monday + 120, &next), 0);
	config_free(cfg);
	store_close(s);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_from_empty_and_rerun),
		cmocka_unit_test(test_newer_database_refused),
		cmocka_unit_test(test_negative_schema_version_refused),
		cmocka_unit_test(test_audit_append_only),
		cmocka_unit_test(test_outbox_enqueue),
		cmocka_unit_test(test_outbox_recover),
		cmocka_unit_test(test_outbox_load_many),
		cmocka_unit_test(test_outbox_hold_release),
		cmocka_unit_test(test_outbox_tally),
		cmocka_unit_test(test_allocation_memo),
		cmocka_unit_test(test_status_pass_best_effort),
		cmocka_unit_test(test_migrate_outbox_rebuild),
		cmocka_unit_test(test_reviews_one_child_searches),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
