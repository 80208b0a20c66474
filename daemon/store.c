/*
 * store.c: open the SQLite database, migrate its schema, and the small shared tables (meta,
 * imports). WAL with synchronous=FULL: a reminder is statutory work, so a commit that returned
 * is on disk; speed is won back by batching writes into few transactions.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/*
 * Migration 13's triggers: after an insert, update or delete on table, the SQL in ins, upd, del
 * (which may name NEW and OLD); STORE_DIRTY_TRIGGERS marks (domain, key). ON CONFLICT DO NOTHING, not
 * INSERT OR IGNORE: inside a trigger the outer statement's own conflict policy would override OR IGNORE.
 */
#define STORE_DIRTY_TRIGGERS_SQL(table, tag, ins, upd, del) \
	"CREATE TRIGGER plan_" table "_" tag "_ins AFTER INSERT ON " table " BEGIN " ins " END;" \
	"CREATE TRIGGER plan_" table "_" tag "_upd AFTER UPDATE ON " table " BEGIN " upd " END;" \
	"CREATE TRIGGER plan_" table "_" tag "_del AFTER DELETE ON " table " BEGIN " del " END;"
#define STORE_DIRTY_MARK(domain, key) \
	"INSERT INTO plan_dirty (domain, key) VALUES (" domain ", " key ") ON CONFLICT DO NOTHING;"
#define STORE_DIRTY_TRIGGERS(table, domain, newkey, oldkey) \
	STORE_DIRTY_TRIGGERS_SQL(table, "dirty", STORE_DIRTY_MARK(domain, newkey), \
	    STORE_DIRTY_MARK(domain, oldkey) STORE_DIRTY_MARK(domain, newkey), STORE_DIRTY_MARK(domain, oldkey))
#define STORE_DIRTY_ALLOC(row) \
	STORE_DIRTY_MARK("'reviews'", row ".case_ref") \
	"INSERT INTO plan_dirty (domain, key) SELECT 'disputes', id FROM disputes WHERE case_ref = " row ".case_ref " \
	"ON CONFLICT DO NOTHING;"
#define STORE_DIRTY_ALL \
	"INSERT INTO plan_dirty (domain, key) VALUES ('actions', '*'), ('disputes', '*'), ('reviews', '*'), ('asye', '*') " \
	"ON CONFLICT DO NOTHING;"

/*
 * Schema migrations, in order; user_version is how many have run. Each runs in its own
 * transaction with the version bump, so a crash leaves the database at one version or the next.
 * Never edit a released migration: add a new one.
 */
/*
 * Migration 11's delivery latency buckets: a sent row's seconds from created to sent, and the
 * smallest bound of GET /metrics' histogram (http_metrics.c, http_latency_bounds) it is within; -1
 * above the last. Part of a migration: never change these, add a migration that rebuilds the table.
 */
#define STORE_LATENCY_SECONDS(r) "max(" r ".sent_at - " r ".created_at, 0)"
#define STORE_LATENCY_LE(r) \
	"(CASE WHEN " STORE_LATENCY_SECONDS(r) " <= 1 THEN 1 WHEN " STORE_LATENCY_SECONDS( \
	    r) " <= 5 THEN 5 " \
	       "WHEN " STORE_LATENCY_SECONDS(r) " <= 15 THEN 15 WHEN " STORE_LATENCY_SECONDS( \
		   r) " <= 60 THEN 60 " \
		      "WHEN " STORE_LATENCY_SECONDS(r) " <= 300 THEN 300 WHEN " STORE_LATENCY_SECONDS( \
			  r) " <= 900 THEN 900 " \
			     "WHEN " STORE_LATENCY_SECONDS(r) " <= 3600 THEN 3600 WHEN " STORE_LATENCY_SECONDS( \
				 r) " <= 14400 " \
				    "THEN 14400 WHEN " STORE_LATENCY_SECONDS(r) " <= 86400 THEN 86400 ELSE -1 END)"

/* clang-format off: the schema reads as SQL, one clause a line */
static const char *const store_migrations[] = {
	/* 1: the foundation: small state, audit trail, imports, roles, the outbox. */
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  what TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  detail TEXT);"
	"CREATE INDEX audit_subject ON audit(subject, at);"
	/* Append-only: the trail cannot be edited or pruned through SQL. */
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END;"
	"CREATE TABLE imports ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  file TEXT NOT NULL,"
	"  summary TEXT NOT NULL);"
	"CREATE TABLE roles ("
	"  key TEXT PRIMARY KEY,"
	"  reports_to TEXT,"
	"  email TEXT);"
	"CREATE TABLE role_titles ("
	"  title TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL REFERENCES roles(key) ON DELETE CASCADE);"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  dedupe_key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body_text TEXT NOT NULL,"
	"  body_html TEXT,"
	"  payload TEXT,"
	"  batch_text TEXT," /* this notice's entry when batched with others; NULL = never batched */
	"  batch_html TEXT,"
	"  urgency INTEGER NOT NULL DEFAULT 0," /* order inside a batch: higher first */
	"  urgent INTEGER NOT NULL DEFAULT 0,"	/* ignores the send window */
	"  created_at INTEGER NOT NULL,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state IN ('pending', 'sending', 'sent', 'retry', 'dead')),"
	"  sent_at INTEGER,"
	"  dead_at INTEGER,"
	"  batch_id INTEGER);" /* the notice whose message carried this one */
	"CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
	"CREATE TABLE outbox_attachments ("
	"  notice INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,"
	"  filename TEXT NOT NULL,"
	"  content_type TEXT NOT NULL,"
	"  data BLOB NOT NULL);"
	"CREATE INDEX outbox_attachments_notice ON outbox_attachments(notice);"
	"CREATE TABLE endpoints ("
	"  transport TEXT PRIMARY KEY,"
	"  disabled_at INTEGER,"
	"  disabled_reason TEXT);",
	/* 2: improvement actions (the action-plan watcher). Dates are 'YYYY-MM-DD' text. */
	"CREATE TABLE actions ("
	"  plan TEXT NOT NULL,"
	"  ref TEXT NOT NULL,"
	"  section TEXT NOT NULL,"
	"  section_title TEXT NOT NULL DEFAULT '',"
	"  finding TEXT NOT NULL DEFAULT '',"
	"  action TEXT NOT NULL,"
	"  lead_role TEXT NOT NULL," /* as the plan writes it */
	"  lead_keys TEXT NOT NULL," /* the role keys it matched, comma-separated */
	"  starts_on TEXT,"
	"  due_on TEXT,"
	"  timescale_text TEXT NOT NULL DEFAULT '',"
	"  kpis TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'complete', 'dropped')),"
	"  progress_note TEXT,"
	"  progress_on TEXT,"
	"  completed_on TEXT,"
	"  imported_on TEXT NOT NULL,"
	"  seq INTEGER NOT NULL,"
	"  rev INTEGER NOT NULL DEFAULT 1,"
	"  PRIMARY KEY (plan, ref));",
	/* 3: IRO disputes: who works on each child's case, the disputes with the ladder they started
	 * under (kept with them, so a changed ini leaves open disputes alone), and their history. */
	"CREATE TABLE allocations ("
	"  case_ref TEXT PRIMARY KEY,"
	"  team TEXT NOT NULL,"
	"  social_worker TEXT, social_worker_email TEXT,"
	"  team_manager TEXT, team_manager_email TEXT,"
	"  iro TEXT, iro_email TEXT);"
	"CREATE TABLE disputes ("
	"  id INTEGER PRIMARY KEY,"
	"  case_ref TEXT NOT NULL,"
	"  raised_by TEXT NOT NULL,"	/* the IRO's email */
	"  raised_on INTEGER NOT NULL," /* local dates, days since 1970-01-01 */
	"  category TEXT NOT NULL,"
	"  ladder TEXT NOT NULL," /* JSON: [{name, responder, limit_wd}] in force when raised */
	"  stage TEXT NOT NULL,"
	"  stage_started_on INTEGER NOT NULL,"
	"  stage_due_on INTEGER NOT NULL,"
	"  responded_on INTEGER,"      /* a response to the current stage stops its clock */
	"  formal_started_on INTEGER," /* entering the first formal stage */
	"  note TEXT,"
	"  outcome TEXT,"
	"  resolved_on INTEGER,"
	"  cafcass_on INTEGER,"
	"  cafcass_note TEXT,"
	"  rev INTEGER NOT NULL DEFAULT 1);"
	"CREATE INDEX disputes_open ON disputes(resolved_on);"
	"CREATE TABLE dispute_events ("
	"  id INTEGER PRIMARY KEY,"
	"  dispute INTEGER NOT NULL REFERENCES disputes(id),"
	"  on_date INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  kind TEXT NOT NULL," /* raised, escalated, moved-up, response, resolved, cafcass, imported */
	"  stage TEXT,"
	"  responder TEXT," /* the stage's responder key, e.g. dcs */
	"  note TEXT,"
	"  actor TEXT NOT NULL);"
	"CREATE INDEX dispute_events_dispute ON dispute_events(dispute, id);",
	/* 4: reviews: looked-after children's periods of care, reviews held, permanence plans, and the
	 * permanence disputes the reviews watcher raised (one per period of care, never twice). */
	"CREATE TABLE lac_periods ("
	"  case_ref TEXT NOT NULL,"
	"  started_on INTEGER NOT NULL,"
	"  start_known INTEGER NOT NULL,"
	"  ended_on INTEGER,"
	"  PRIMARY KEY (case_ref, started_on));"
	"CREATE TABLE lac_reviews ("
	"  case_ref TEXT NOT NULL,"
	"  held_on INTEGER NOT NULL,"
	"  brought_forward INTEGER NOT NULL DEFAULT 0,"
	"  source TEXT NOT NULL,"
	"  recorded_at INTEGER NOT NULL,"
	"  PRIMARY KEY (case_ref, held_on));"
	"CREATE TABLE lac_permanence ("
	"  case_ref TEXT NOT NULL,"
	"  plan TEXT NOT NULL,"
	"  agreed_on INTEGER NOT NULL,"
	"  source TEXT NOT NULL,"
	"  recorded_at INTEGER NOT NULL,"
	"  PRIMARY KEY (case_ref, agreed_on, plan));"
	"CREATE TABLE lac_disputes ("
	"  case_ref TEXT NOT NULL,"
	"  period_start INTEGER NOT NULL,"
	"  second_review_on INTEGER NOT NULL,"
	"  dispute_id INTEGER,"
	"  raised_at INTEGER NOT NULL,"
	"  PRIMARY KEY (case_ref, period_start));",
	/* 5: ASYE and caseloads: the workforce, protected time, supervisions, review points, pauses. */
	"CREATE TABLE workers ("
	"  person_id TEXT PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  email TEXT,"
	"  role TEXT NOT NULL,"
	"  team TEXT NOT NULL DEFAULT '',"
	"  manager_email TEXT,"
	"  asye_started_on INTEGER," /* local date (days since 1970-01-01); NULL unless an ASYE */
	"  contracted_hours REAL NOT NULL,"
	"  caseload INTEGER NOT NULL DEFAULT 0,"
	"  rev INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE worker_caseloads (" /* caseload as recorded on a date, for the digest's history */
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  recorded_on INTEGER NOT NULL,"
	"  caseload INTEGER NOT NULL,"
	"  PRIMARY KEY (person_id, recorded_on));"
	"CREATE TABLE asye_protected_time ("
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  week_of INTEGER NOT NULL," /* the Monday */
	"  hours REAL NOT NULL,"
	"  PRIMARY KEY (person_id, week_of));"
	"CREATE TABLE asye_supervisions ("
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  held_on INTEGER NOT NULL,"
	"  PRIMARY KEY (person_id, held_on));"
	"CREATE TABLE asye_reviews ("
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  held_on INTEGER NOT NULL,"
	"  PRIMARY KEY (person_id, held_on));"
	"CREATE TABLE asye_pauses ("
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  from_on INTEGER NOT NULL,"
	"  to_on INTEGER NOT NULL,"
	"  PRIMARY KEY (person_id, from_on));",
	/* 6: the dispatcher's claim (urgent first, then oldest due) as a range scan of this partial
	 * index instead of a sort of every waiting row on each pass (20,000 queued: 10 ms a pass). */
	"CREATE INDEX outbox_claim ON outbox(transport, urgent, next_attempt_at) "
	"WHERE state IN ('pending', 'retry');",
	/*
	 * 7: every notice changes state twice on its way out, and each change paid for two things it
	 * did not need: the CHECK's IN list, which SQLite evaluates by building a temporary table on
	 * every UPDATE (the same rule written with OR does not), and an index over every row's state
	 * that moved twice per notice and grew with years of sent rows. The table is rebuilt with the
	 * OR form (foreign keys are off while migrating, so dropping the old table cascades nothing;
	 * outbox_attachments' reference names "outbox" and finds the new table); only the states
	 * looked up by state keep an index (sending: recovery at start; dead: retry --dead).
	 */
	"CREATE TABLE outbox_new ("
	"  id INTEGER PRIMARY KEY,"
	"  dedupe_key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body_text TEXT NOT NULL,"
	"  body_html TEXT,"
	"  payload TEXT,"
	"  batch_text TEXT,"
	"  batch_html TEXT,"
	"  urgency INTEGER NOT NULL DEFAULT 0,"
	"  urgent INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state = 'pending' OR state = 'sending' OR state = 'sent' OR state = 'retry' OR state = 'dead'),"
	"  sent_at INTEGER,"
	"  dead_at INTEGER,"
	"  batch_id INTEGER);"
	"INSERT INTO outbox_new SELECT id, dedupe_key, kind, transport, recipient, subject, body_text, body_html, "
	"  payload, batch_text, batch_html, urgency, urgent, created_at, next_attempt_at, attempts, last_error, state, "
	"  sent_at, dead_at, batch_id FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"CREATE INDEX outbox_claim ON outbox(transport, urgent, next_attempt_at) WHERE state IN ('pending', 'retry');"
	"CREATE INDEX outbox_unsettled ON outbox(state) WHERE state IN ('sending', 'dead');",
	/* 8: ASYE critical reflections held, kept like review points (the k-th held for the k-th point). */
	"CREATE TABLE asye_reflections ("
	"  person_id TEXT NOT NULL REFERENCES workers(person_id) ON DELETE CASCADE,"
	"  held_on INTEGER NOT NULL,"
	"  PRIMARY KEY (person_id, held_on));",
	/*
	 * 9: what `driftwatchctl status` cannot see for itself: the daemon's run (written on start,
	 * reload and stop), each watcher's last pass (one UPSERT a pass), the breakers open in the
	 * dispatcher's memory; and the first-start hold's 'held' state (the table rebuilt as in 7, the
	 * CHECK in its OR form; held rows are never claimed, and their own small index finds them).
	 */
	"CREATE TABLE daemon_run ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  pid INTEGER NOT NULL,"
	"  version TEXT NOT NULL,"
	"  rules TEXT," /* the ini file; NULL: the embedded defaults */
	"  started_at INTEGER NOT NULL,"
	"  loaded_at INTEGER NOT NULL," /* the rules in force were loaded then */
	"  stopped_at INTEGER);"
	"CREATE TABLE daemon_watchers ("
	"  name TEXT PRIMARY KEY,"
	"  at INTEGER NOT NULL," /* the last pass */
	"  ms INTEGER NOT NULL," /* how long it took */
	"  next_at INTEGER,"	 /* its next wake (NULL: nothing scheduled) */
	"  error TEXT);"	 /* NULL: the pass committed */
	"CREATE TABLE daemon_breakers ("
	"  transport TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  paused_at INTEGER NOT NULL,"
	"  paused_until INTEGER NOT NULL);"
	"CREATE TABLE outbox_new ("
	"  id INTEGER PRIMARY KEY,"
	"  dedupe_key TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"
	"  recipient TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  body_text TEXT NOT NULL,"
	"  body_html TEXT,"
	"  payload TEXT,"
	"  batch_text TEXT,"
	"  batch_html TEXT,"
	"  urgency INTEGER NOT NULL DEFAULT 0,"
	"  urgent INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  state TEXT NOT NULL DEFAULT 'pending'"
	"    CHECK (state = 'pending' OR state = 'sending' OR state = 'sent' OR state = 'retry' OR state = 'dead'"
	"      OR state = 'held'),"
	"  sent_at INTEGER,"
	"  dead_at INTEGER,"
	"  batch_id INTEGER);"
	"INSERT INTO outbox_new SELECT id, dedupe_key, kind, transport, recipient, subject, body_text, body_html, "
	"  payload, batch_text, batch_html, urgency, urgent, created_at, next_attempt_at, attempts, last_error, state, "
	"  sent_at, dead_at, batch_id FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_new RENAME TO outbox;"
	"CREATE INDEX outbox_claim ON outbox(transport, urgent, next_attempt_at) WHERE state IN ('pending', 'retry');"
	"CREATE INDEX outbox_unsettled ON outbox(state) WHERE state IN ('sending', 'dead');"
	"CREATE INDEX outbox_held ON outbox(id) WHERE state = 'held';",
	/* 10: the import log says who imported what: `ctl:USER` or `inbox:NAME`, each file's name and
	 * SHA-256 ("NAME SHA256" a line), and the newest file's mtime (a later, older extract is stale). */
	"ALTER TABLE imports ADD COLUMN who TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE imports ADD COLUMN files TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE imports ADD COLUMN newest_mtime INTEGER;"
	"CREATE INDEX imports_kind ON imports(kind, at);",
	/* 11: the HTTP API's Idempotency-Key records: per client and key, a hash of the request and the
	 * answer given (status and body), so a retried POST gets the first answer back. */
	"CREATE TABLE idempotency ("
	"  client TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  request_hash TEXT NOT NULL,"
	"  status INTEGER NOT NULL,"
	"  body TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (client, key));"
	"CREATE INDEX idempotency_age ON idempotency(created_at);",
	/*
	 * 12: plan what changed. Triggers on every table a plan reads mark the record they touched
	 * dirty in the writer's own transaction, whoever the writer is (an importer, driftwatchctl, the
	 * HTTP API), so no write path can forget; what changes every plan (roles) marks whole domains
	 * ('*'). plan_next holds each record's next fire instant, indexed, so a pass finds what has come
	 * due without planning anything else. Everything starts dirty: the first pass plans it all.
	 */
	"CREATE TABLE plan_dirty (domain TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (domain, key)) WITHOUT ROWID;"
	"CREATE TABLE plan_next (domain TEXT NOT NULL, key TEXT NOT NULL, fire_at INTEGER NOT NULL,"
	"  PRIMARY KEY (domain, key)) WITHOUT ROWID;"
	"CREATE INDEX plan_next_due ON plan_next(domain, fire_at);"
	"CREATE INDEX disputes_case ON disputes(case_ref);" STORE_DIRTY_TRIGGERS("lac_periods", "'reviews'",
	    "NEW.case_ref", "OLD.case_ref") STORE_DIRTY_TRIGGERS("lac_reviews", "'reviews'", "NEW.case_ref",
	    "OLD.case_ref") STORE_DIRTY_TRIGGERS("lac_permanence", "'reviews'", "NEW.case_ref", "OLD.case_ref")
	    STORE_DIRTY_TRIGGERS("lac_disputes", "'reviews'", "NEW.case_ref", "OLD.case_ref")
		STORE_DIRTY_TRIGGERS("disputes", "'disputes'", "NEW.id", "OLD.id")
		    STORE_DIRTY_TRIGGERS("dispute_events", "'disputes'", "NEW.dispute", "OLD.dispute")
	/* Who works on a case: its reviews' recipients and its disputes' (the team's managers). */
	STORE_DIRTY_TRIGGERS_SQL("allocations", "alloc", STORE_DIRTY_ALLOC("NEW"),
	    STORE_DIRTY_ALLOC("OLD") STORE_DIRTY_ALLOC("NEW"), STORE_DIRTY_ALLOC("OLD")) STORE_DIRTY_TRIGGERS("actions",
	    "'actions'", "'*'", "'*'") STORE_DIRTY_TRIGGERS("workers", "'asye'", "'*'", "'*'")
	    STORE_DIRTY_TRIGGERS("worker_caseloads", "'asye'", "'*'", "'*'") STORE_DIRTY_TRIGGERS("asye_protected_time",
		"'asye'", "'*'", "'*'") STORE_DIRTY_TRIGGERS("asye_supervisions", "'asye'", "'*'", "'*'")
		STORE_DIRTY_TRIGGERS("asye_reviews", "'asye'", "'*'", "'*'") STORE_DIRTY_TRIGGERS("asye_pauses",
		    "'asye'", "'*'", "'*'") STORE_DIRTY_TRIGGERS("asye_reflections", "'asye'", "'*'", "'*'")
	/* Roles route every domain's notices: a change re-plans everything. */
	STORE_DIRTY_TRIGGERS_SQL("roles", "all", STORE_DIRTY_ALL, STORE_DIRTY_ALL, STORE_DIRTY_ALL)
	    STORE_DIRTY_TRIGGERS_SQL("role_titles", "all", STORE_DIRTY_ALL, STORE_DIRTY_ALL, STORE_DIRTY_ALL)
		STORE_DIRTY_ALL,
	/* 13: GET /metrics counted every outbox row at each scrape (hundreds of milliseconds at national
	 * scale, on the loop that also delivers). Now triggers keep the figures as rows change, in the
	 * same transaction as the change, so they are always what a scan would count: rows by state
	 * and transport, notices sent and dead and failed attempts, and the sent rows by latency
	 * bucket with their seconds summed (STORE_LATENCY_LE). Filled from the rows there. And open
	 * disputes by stage from a covering index, not the wide rows (tens of thousands nationally). */
	"CREATE INDEX disputes_open_stage ON disputes(resolved_on, stage);"
	"CREATE TABLE outbox_tally ("
	"  state TEXT NOT NULL,"
	"  transport TEXT NOT NULL,"
	"  rows INTEGER NOT NULL,"
	"  PRIMARY KEY (state, transport)) WITHOUT ROWID;"
	"CREATE TABLE outbox_outcomes ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  sent INTEGER NOT NULL,"
	"  dead INTEGER NOT NULL,"
	"  failed INTEGER NOT NULL);" /* attempts failed: all of a row not sent, all but the last of one sent */
	"CREATE TABLE outbox_latency ("
	"  le INTEGER PRIMARY KEY," /* the bucket: a histogram bound, -1 above the last */
	"  rows INTEGER NOT NULL,"
	"  seconds INTEGER NOT NULL);" /* sent_at - created_at summed over its rows */
	"INSERT INTO outbox_tally SELECT state, transport, count(*) FROM outbox GROUP BY state, transport;"
	"INSERT INTO outbox_outcomes SELECT 1, coalesce(sum(state = 'sent'), 0), coalesce(sum(state = 'dead'), 0),"
	"  coalesce(sum(CASE WHEN state = 'sent' THEN max(attempts - 1, 0) ELSE attempts END), 0) FROM outbox;"
	"INSERT INTO outbox_latency SELECT " STORE_LATENCY_LE("r") ", count(*), sum(" STORE_LATENCY_SECONDS(
	    "r") ")"
		 "  FROM outbox AS r WHERE r.state = 'sent' AND r.sent_at IS NOT NULL GROUP BY 1;"
		 "CREATE TRIGGER outbox_tally_insert AFTER INSERT ON outbox BEGIN"
		 "  INSERT INTO outbox_tally VALUES (NEW.state, NEW.transport, 1)"
		 "    ON CONFLICT (state, transport) DO UPDATE SET rows = rows + 1;"
		 "  UPDATE outbox_outcomes SET sent = sent + (NEW.state = 'sent'), dead = dead + (NEW.state = 'dead'),"
		 "    failed = failed + (CASE WHEN NEW.state = 'sent' THEN max(NEW.attempts - 1, 0) ELSE NEW.attempts END);"
		 "  INSERT INTO outbox_latency SELECT " STORE_LATENCY_LE("NEW") ", 1, " STORE_LATENCY_SECONDS(
		     "NEW") "    WHERE NEW.state = 'sent' AND NEW.sent_at IS NOT NULL"
			    "    ON CONFLICT (le) DO UPDATE SET rows = rows + 1, seconds = seconds + excluded.seconds;"
			    "END;"
			    "CREATE TRIGGER outbox_tally_delete AFTER DELETE ON outbox BEGIN"
			    "  UPDATE outbox_tally SET rows = rows - 1 WHERE state = OLD.state AND transport = OLD.transport;"
			    "  UPDATE outbox_outcomes SET sent = sent - (OLD.state = 'sent'), dead = dead - (OLD.state = 'dead'),"
			    "    failed = failed - (CASE WHEN OLD.state = 'sent' THEN max(OLD.attempts - 1, 0) ELSE OLD.attempts END);"
			    "  UPDATE outbox_latency SET rows = rows - 1, seconds = seconds - " STORE_LATENCY_SECONDS("OLD") "    WHERE OLD.state = 'sent' AND OLD.sent_at IS NOT NULL AND le = " STORE_LATENCY_LE(
				"OLD") ";"
				       "END;"
				       "CREATE TRIGGER outbox_tally_update AFTER UPDATE OF state, transport ON outbox"
				       "  WHEN OLD.state IS NOT NEW.state OR OLD.transport IS NOT NEW.transport BEGIN"
				       "  UPDATE outbox_tally SET rows = rows - 1 WHERE state = OLD.state AND transport = OLD.transport;"
				       "  INSERT INTO outbox_tally VALUES (NEW.state, NEW.transport, 1)"
				       "    ON CONFLICT (state, transport) DO UPDATE SET rows = rows + 1;"
				       "END;"
				       "CREATE TRIGGER outbox_outcomes_update AFTER UPDATE OF state, attempts ON outbox"
				       "  WHEN OLD.state IS NOT NEW.state OR OLD.attempts IS NOT NEW.attempts BEGIN"
				       "  UPDATE outbox_outcomes SET sent = sent + (NEW.state = 'sent') - (OLD.state = 'sent'),"
				       "    dead = dead + (NEW.state = 'dead') - (OLD.state = 'dead'),"
				       "    failed = failed + (CASE WHEN NEW.state = 'sent' THEN max(NEW.attempts - 1, 0) ELSE NEW.attempts END)"
				       "      - (CASE WHEN OLD.state = 'sent' THEN max(OLD.attempts - 1, 0) ELSE OLD.attempts END);"
				       "END;"
				       "CREATE TRIGGER outbox_latency_update AFTER UPDATE OF state, sent_at, created_at ON outbox"
				       "  WHEN (OLD.state = 'sent' AND OLD.sent_at IS NOT NULL) OR (NEW.state = 'sent' AND NEW.sent_at IS NOT NULL)"
				       "  BEGIN"
				       "  UPDATE outbox_latency SET rows = rows - 1, seconds = seconds - " STORE_LATENCY_SECONDS("OLD") "    WHERE OLD.state = 'sent' AND OLD.sent_at IS NOT NULL AND le = " STORE_LATENCY_LE(
					   "OLD") ";"
						  "  INSERT INTO outbox_latency SELECT " STORE_LATENCY_LE("NEW") ", 1, " STORE_LATENCY_SECONDS(
						      "NEW") "    WHERE NEW.state = 'sent' AND NEW.sent_at IS NOT NULL"
							     "    ON CONFLICT (le) DO UPDATE SET rows = rows + 1, seconds = seconds + excluded.seconds;"
							     "END;",
	/* 14: answer links: the keys that sign them (made on first use; a rotated key keeps working for
	 * [links] key_grace after retired_at), the tokens that have acted (single use: recorded in the
	 * transaction of the change), and a child's next review as booked from a link, which stops the
	 * reminders until that date. */
	"CREATE TABLE link_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  secret BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  retired_at INTEGER);"
	"CREATE TABLE link_used ("
	"  nonce BLOB PRIMARY KEY,"
	"  action TEXT NOT NULL,"
	"  used_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE lac_bookings ("
	"  case_ref TEXT PRIMARY KEY,"
	"  booked_for INTEGER NOT NULL,"
	"  at INTEGER NOT NULL) WITHOUT ROWID;" STORE_DIRTY_TRIGGERS(
	    "lac_bookings", "'reviews'", "NEW.case_ref", "OLD.case_ref"),
	/* 15: calendar feeds. A person's feed token carries their
	 * generation; `driftwatchctl feed revoke` bumps it, so every older URL of theirs stops working. */
	"CREATE TABLE feed_tokens ("
	"  email TEXT PRIMARY KEY COLLATE NOCASE,"
	"  generation INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  revoked_at INTEGER) WITHOUT ROWID;",
	/* 16: the insert trigger of 13 cost about 18,000 instructions a row queued, as much as the
	 * insert itself (a first pass at national scale queues 150,000): its tally, and the statement
	 * journal that any trigger obliges SQLite to keep for the insert. Rows are queued by
	 * outbox_enqueue only, pending or held and never attempted, so only their state's tally
	 * changes: store_commit adds each transaction's count per state and transport in one
	 * statement, before COMMIT (outbox_tally_flush). Updates and deletes keep their triggers.
	 * Nothing else inserts outbox rows; a row inserted by hand (a shell) would go uncounted. */
	"DROP TRIGGER outbox_tally_insert;",
	/* 17: the date the lead officer expects an action done by, as they answered it (a date as
	 * due_on is: YYYY-MM-DD text). It may be after due_on: it moves neither the deadline nor the RAG. */
	"ALTER TABLE actions ADD COLUMN expected_on TEXT;",
};
/* clang-format on */

/* How long a statement waits for another connection's lock (driftwatchctl's short transactions). */
#define STORE_BUSY_MS 5000

/* The WAL's size before a checkpoint, in 4 KB pages and in bytes (see store_open). */
#define STORE_WAL_PAGES "256"
#define STORE_WAL_BYTES "1048576"

#define NMIGRATIONS ((int)(sizeof store_migrations / sizeof store_migrations[0]))

/* Prepare a statement of our own, or die. */
sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		fatalx("store: prepare: %s: %s", sqlite3_errmsg(s->db), sql);
	return st;
}

/* See store_int.h. */
sqlite3_stmt *
store_cached(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < STORE_NCACHED && s->cached[i].sql != NULL; i++) {
		if (s->cached[i].sql == sql) {
			sqlite3_reset(s->cached[i].st);
			sqlite3_clear_bindings(s->cached[i].st);
			return s->cached[i].st;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		fatalx("store: prepare: %s: %s", sqlite3_errmsg(s->db), sql);
	if (i < STORE_NCACHED) {
		s->cached[i].sql = sql;
		s->cached[i].st = st;
	}
	return st;
}

/* See store_int.h. */
void
store_release(struct store *s, sqlite3_stmt *st)
{
	int i;

	for (i = 0; i < STORE_NCACHED && s->cached[i].sql != NULL; i++) {
		if (s->cached[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

/* Remember a full disk (see store_begin). */
static void
store_note_error(struct store *s)
{
	if ((sqlite3_errcode(s->db) & 0xff) == SQLITE_FULL)
		s->full = 1;
}

/* Run one cached statement without results (BEGIN, COMMIT); 0 or -1 with *cause. */
static int
store_exec_cached(struct store *s, const char *sql, char **cause)
{
	sqlite3_stmt *st = store_cached(s, sql);
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_note_error(s);
		if (cause != NULL)
			xasprintf(cause, "%s: %s", s->path, sqlite3_errmsg(s->db));
		store_release(s, st);
		return -1;
	}
	store_release(s, st);
	return 0;
}

/* Turn the last SQLite error into a cause. */
int
store_fail(struct store *s, char **cause, const char *what)
{
	store_note_error(s);
	if (cause != NULL)
		xasprintf(cause, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

/* Run SQL with no results. */
int
store_exec(struct store *s, const char *sql, char **cause)
{
	char *err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		store_note_error(s);
		if (cause != NULL)
			xasprintf(cause, "%s: %s", s->path, err != NULL ? err : sqlite3_errmsg(s->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Bind text (copied, or not, as how says), or NULL. */
static void
store_bind_text_as(sqlite3_stmt *st, int i, const char *v, sqlite3_destructor_type how)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, how);
}

/* Bind text, or NULL. */
void
store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	store_bind_text_as(st, i, v, SQLITE_TRANSIENT);
}

/* See store_int.h. */
void
store_bind_text_static(sqlite3_stmt *st, int i, const char *v)
{
	store_bind_text_as(st, i, v, SQLITE_STATIC);
}

/* A text column as a new string. */
char *
store_column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return v != NULL ? xstrdup((const char *)v) : NULL;
}

/* See store_int.h. */
void
store_bind(sqlite3_stmt *st, struct store_args args)
{
	int i;

	for (i = 0; i < args.n; i++) {
		switch (args.v[i].type) {
		case STORE_ARG_INT:
			sqlite3_bind_int64(st, i + 1, args.v[i].i);
			break;
		case STORE_ARG_TEXT:
			store_bind_text_static(st, i + 1, args.v[i].text);
			break;
		case STORE_ARG_NULL:
			sqlite3_bind_null(st, i + 1);
			break;
		}
	}
}

/* Bind and take one step: SQLITE_ROW, SQLITE_DONE, or -1 after store_fail (the statement released). */
static int
store_step(struct store *s, sqlite3_stmt *st, struct store_args args, const char *what, char **cause)
{
	int rc;

	store_bind(st, args);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	store_fail(s, cause, what);
	store_release(s, st);
	return -1;
}

/* See store_int.h. */
int
store_run(struct store *s, sqlite3_stmt *st, struct store_args args, const char *what, char **cause)
{
	if (store_step(s, st, args, what, cause) == -1)
		return -1;
	store_release(s, st);
	return 0;
}

/* See store_int.h. */
int
store_int(struct store *s, sqlite3_stmt *st, struct store_args args, int64_t *v, const char *what, char **cause)
{
	int rc = store_step(s, st, args, what, cause);

	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	store_release(s, st);
	return rc == SQLITE_ROW ? 0 : 1;
}

/* See store_int.h. */
int
store_text(struct store *s, sqlite3_stmt *st, struct store_args args, char **v, const char *what, char **cause)
{
	int rc = store_step(s, st, args, what, cause);

	*v = NULL;
	if (rc == -1)
		return -1;
	if (rc == SQLITE_ROW)
		*v = store_column_strdup(st, 0);
	store_release(s, st);
	return rc == SQLITE_ROW ? 0 : 1;
}

/* See store_int.h. */
int
store_each(struct store *s, sqlite3_stmt *st, struct store_args args, int (*row)(sqlite3_stmt *, void *), void *arg,
    const char *what, char **cause)
{
	int rc = store_step(s, st, args, what, cause), stop = 0;

	while (rc == SQLITE_ROW && (stop = row(st, arg)) == 0)
		rc = sqlite3_step(st);
	if (rc == -1)
		return -1;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, cause, what);
		store_release(s, st);
		return -1;
	}
	store_release(s, st);
	return stop;
}

/* One integer from a one-row query, -1 when it gives none. */
static int64_t
store_scalar(struct store *s, const char *sql)
{
	int64_t v = -1;

	store_int(s, store_prepare(s, sql), STORE_NOARGS, &v, "scalar", NULL);
	return v;
}

/* The schema version recorded in the file. */
int
store_schema_version(struct store *s)
{
	return (int)store_scalar(s, "PRAGMA user_version");
}

/* The schema version this binary writes. */
int
store_latest_version(void)
{
	return NMIGRATIONS;
}

/* Bring the schema up to date, one migration a transaction. */
static int
store_migrate(struct store *s, char **cause)
{
	int version = store_schema_version(s), v, now;
	char *sql;

	/* -1 is also what a failed read returns: either way no migration can be indexed by it. */
	if (version < 0) {
		xasprintf(cause, "%s: cannot read a schema version (%d): not a driftwatch database, or unreadable",
		    s->path, version);
		return -1;
	}
	if (version > NMIGRATIONS) {
		xasprintf(cause,
		    "%s: the database is at schema version %d but this driftwatch knows only up to %d: "
		    "it was written by a newer driftwatch; install that version (or restore a backup)",
		    s->path, version, NMIGRATIONS);
		return -1;
	}
	for (v = version; v < NMIGRATIONS; v++) {
		if (store_exec(s, "BEGIN IMMEDIATE", cause) != 0)
			return -1;
		/* Re-read inside the lock: another process may have migrated meanwhile. */
		if ((now = store_schema_version(s)) < 0) {
			store_exec(s, "ROLLBACK", NULL);
			xasprintf(cause, "%s: cannot read the schema version while migrating", s->path);
			return -1;
		}
		if (now > v) {
			store_exec(s, "ROLLBACK", NULL);
			continue;
		}
		xasprintf(&sql, "%s; PRAGMA user_version = %d;", store_migrations[v], v + 1);
		if (store_exec(s, sql, cause) != 0) {
			free(sql);
			store_exec(s, "ROLLBACK", NULL);
			return -1;
		}
		free(sql);
		if (store_exec_cached(s, "COMMIT", cause) != 0) {
			store_exec(s, "ROLLBACK", NULL);
			return -1;
		}
		log_debug("store: %s: migrated to schema version %d", s->path, v + 1);
	}
	return 0;
}

/*
 * Make the database file 0600 whatever the umask: it holds case references and staff addresses,
 * and SQLite gives its -wal and -shm the database file's mode. One left readable by an older
 * version loses its group and other bits.
 */
static int
store_create_private(const char *path, char **cause)
{
	struct stat st;
	int fd;

	if (*path == '\0' || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
		return 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || ((st.st_mode & 077) != 0 && fchmod(fd, st.st_mode & 0700) != 0)) {
		xasprintf(cause, "%s: cannot make it private (0600): %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * A statement journal's size in memory before it spills to a temporary file (store_open). SQLite
 * also makes it the journal's allocation: every statement that opens one mallocs this much (cheap
 * with glibc, which touches only the pages written). AddressSanitizer poisons and unpoisons the
 * shadow of the whole block each time, 2 MB of page faults a statement: an import of the SSD
 * sample took 27 s instead of 0.1 s. Under it the journal keeps SQLite's own 64 KB.
 */
#ifdef __SANITIZE_ADDRESS__
#define STORE_STMTJRNL_SPILL (64 * 1024)
#else
#define STORE_STMTJRNL_SPILL (16 * 1024 * 1024)
#endif

/* Whether SQLite's process-wide options are set (store_open). */
static int store_configured;

/* Open and migrate; see store.h. */
struct store *
store_open(const char *path, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);

	s->path = xstrdup(path);
	/*
	 * Process-wide, so once, before SQLite initialises (later it is refused, harmlessly):
	 * - no memory statistics (we read none): with them every SQLite allocation takes a global
	 *   mutex, a tenth of a first pass's instructions;
	 * - a statement journal (the undo of one statement whose triggers or constraints may stop
	 *   it midway: every outbox insert) kept in memory up to STORE_STMTJRNL_SPILL, not 64 KB.
	 *   Once one statement of a transaction outgrew 64 KB the journal stayed a temporary file
	 *   for the rest of it, and every later statement wrote its pages there: at 20,000 children
	 *   340,000 pwrites, a third of the first pass's CPU, all in the kernel.
	 */
	if (!store_configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, STORE_STMTJRNL_SPILL);
		store_configured = 1;
	}
	if (store_create_private(path, cause) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, s->db != NULL ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* Wait for driftwatchctl's short transactions rather than failing at once. */
	s->busy_ms = STORE_BUSY_MS;
	sqlite3_busy_timeout(s->db, s->busy_ms);
	/*
	 * The WAL is checkpointed at STORE_WAL_PAGES (1 MB) rather than SQLite's 1,000 pages (4 MB),
	 * and its file cut back to that size when it restarts. Why: the WAL is what fills a small
	 * disk; once it has, no commit succeeds and no checkpoint runs, so the daemon never catches
	 * up even when space returns. Kept under 1 MB, a database of a few thousand notices fits
	 * beside it on a 2 MB volume; store_begin checkpoints at once after a full disk.
	 */
	if (store_exec(s, "PRAGMA journal_mode = WAL", cause) != 0 ||
	    store_exec(s, "PRAGMA synchronous = FULL", cause) != 0 ||
	    store_exec(s, "PRAGMA wal_autocheckpoint = " STORE_WAL_PAGES, cause) != 0 ||
	    store_exec(s, "PRAGMA journal_size_limit = " STORE_WAL_BYTES, cause) != 0)
		goto fail;
	/* Foreign keys on only after migrating: a migration that rebuilds a table must not cascade. */
	if (store_migrate(s, cause) != 0 || store_exec(s, "PRAGMA foreign_keys = ON", cause) != 0)
		goto fail;
	return s;
fail:
	store_close(s);
	return NULL;
}

/* The background checkpointer: a thread with its own connection, woken by the WAL hook. */
struct store_checkpointer {
	sqlite3 *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int due; /* the WAL passed half STORE_WAL_PAGES since the last checkpoint */
	int stop;
};

/* The thread: a passive checkpoint each time the WAL has grown past half the mark (it never waits
 * for a lock, and the daemon's writers go on appending meanwhile). */
static void *
store_checkpointer_main(void *arg)
{
	struct store_checkpointer *c = arg;
	int nlog, ncopied;

	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->due && !c->stop)
			pthread_cond_wait(&c->wake, &c->lock);
		if (c->stop)
			break;
		c->due = 0;
		pthread_mutex_unlock(&c->lock);
		/* A failure (a reader's snapshot, a full disk) is tried again at the next mark. */
		(void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

/*
 * After each commit on the daemon's connection (its thread). Past half the mark, wake the
 * checkpointer; at the mark, checkpoint here as SQLite's own hook would. Why both: the WAL starts
 * again from its beginning only when a writer finds every frame copied, which a thread copying
 * behind a stream of commits seldom achieves; left to the thread the WAL grew past 1.5 MB and
 * filled a 2 MB disk (delivery_faults). The thread has copied and fsync'd most pages by the mark,
 * so what is left here is short.
 */
static int
store_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct store_checkpointer *c = arg;
	int nlog, ncopied;

	if (pages >= atoi(STORE_WAL_PAGES)) {
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &nlog, &ncopied);
		return SQLITE_OK;
	}
	if (pages >= atoi(STORE_WAL_PAGES) / 2) {
		pthread_mutex_lock(&c->lock);
		c->due = 1;
		pthread_cond_signal(&c->wake);
		pthread_mutex_unlock(&c->lock);
	}
	return SQLITE_OK;
}

/* See store.h. */
int
store_checkpoint_in_background(struct store *s, char **cause)
{
	struct store_checkpointer *c;
	int rc;

	if (s->checkpointer != NULL)
		return 0;
	c = xcalloc(1, sizeof *c);
	if (sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(
		    cause, "%s: checkpointer: %s", s->path, c->db != NULL ? sqlite3_errmsg(c->db) : "cannot open");
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	sqlite3_exec(c->db, "PRAGMA journal_size_limit = " STORE_WAL_BYTES, NULL, NULL, NULL);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	if ((rc = pthread_create(&c->thread, NULL, store_checkpointer_main, c)) != 0) {
		xasprintf(cause, "%s: checkpointer: %s", s->path, strerror(rc));
		pthread_cond_destroy(&c->wake);
		pthread_mutex_destroy(&c->lock);
		sqlite3_close(c->db);
		free(c);
		return -1;
	}
	s->checkpointer = c;
	/* The hook replaces the automatic checkpoint (sqlite3_wal_autocheckpoint installs one too). */
	sqlite3_wal_hook(s->db, store_wal_hook, c);
	return 0;
}

/* Stop and free the checkpointer; the daemon's connection checkpoints on commit again. */
static void
store_checkpointer_free(struct store *s)
{
	struct store_checkpointer *c = s->checkpointer;

	if (c == NULL)
		return;
	sqlite3_wal_autocheckpoint(s->db, atoi(STORE_WAL_PAGES));
	pthread_mutex_lock(&c->lock);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	s->checkpointer = NULL;
}

/* Close the database. */
void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	store_checkpointer_free(s);
	outbox_tally_forget(s);
	free(s->tally);
	allocation_memo_forget(s);
	for (i = 0; i < STORE_NCACHED; i++)
		sqlite3_finalize(s->cached[i].st); /* NULL is harmless */
	sqlite3_close(s->db);
	free(s->path), free(s->import_who), free(s->import_files);
	free(s);
}

/* The database's file name. */
const char *
store_path(const struct store *s)
{
	return s->path;
}

/* See store.h. */
int
store_checkpoint(struct store *s)
{
	int rc, nlog = 0, ncopied = 0;

	if (!sqlite3_get_autocommit(s->db))
		return -1; /* inside a transaction: never */
	/* Without waiting: a reader (driftwatchctl) keeps its snapshot, and the loop must not stall on it;
	 * the next call tries again. */
	sqlite3_busy_timeout(s->db, 0);
	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &ncopied);
	sqlite3_busy_timeout(s->db, s->busy_ms);
	if (rc != SQLITE_OK) {
		log_debug("store: %s: checkpoint: %s", s->path, sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* See store.h. */
int
store_busy_wait(struct store *s, int ms)
{
	int was = s->busy_ms;

	s->busy_ms = ms > 0 ? ms : STORE_BUSY_MS;
	if (s->busy_ms != was)
		sqlite3_busy_timeout(s->db, s->busy_ms);
	return was;
}

/* See store.h. */
int
store_query_plan(struct store *s, const char *sql, char **plan, char **cause)
{
	sqlite3_stmt *st;
	char *explain;
	int rc;

	xasprintf(&explain, "EXPLAIN QUERY PLAN %s", sql);
	rc = sqlite3_prepare_v2(s->db, explain, -1, &st, NULL);
	free(explain);
	if (rc != SQLITE_OK)
		return store_fail(s, cause, "explain");
	*plan = xstrdup("");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		xappendf(plan, "%s\n", (const char *)sqlite3_column_text(st, 3)); /* id, parent, notused, detail */
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(*plan);
		*plan = NULL;
		return store_fail(s, cause, "explain");
	}
	return 0;
}

/*
 * Start a write transaction: take the write lock now so no later statement fails on it.
 * After a full disk, first copy the WAL into the database and truncate it. Why: SQLite checkpoints
 * only after a commit once the WAL holds 1,000 pages (4 MB), so on a small or full disk the WAL is
 * what fills it, no commit succeeds, no checkpoint runs, and freeing space elsewhere never lets the
 * daemon catch up. The checkpoint mostly rewrites pages the database file already has, so it needs
 * little new space, and it returns the WAL's to the disk.
 */
int
store_begin(struct store *s, char **cause)
{
	if (s->full && store_checkpoint(s) == 0) {
		log_info("store: %s: the WAL is checkpointed and truncated after a full disk", s->path);
		s->full = 0;
	}
	outbox_tally_forget(s);
	allocation_memo_forget(s);
	if (store_exec_cached(s, "BEGIN IMMEDIATE", cause) != 0)
		return -1;
	s->in_begin = true;
	return 0;
}

/* Commit (with the outbox tally of what it queued); on failure the transaction is rolled back. */
int
store_commit(struct store *s, char **cause)
{
	s->in_begin = false;
	allocation_memo_forget(s);
	if (outbox_tally_flush(s, cause) != 0 || store_exec_cached(s, "COMMIT", cause) != 0) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

/* Roll back whatever is open (harmless when nothing is). */
void
store_rollback(struct store *s)
{
	outbox_tally_forget(s);
	s->in_begin = false;
	allocation_memo_forget(s);
	if (!sqlite3_get_autocommit(s->db))
		store_exec(s, "ROLLBACK", NULL);
}

/* PRAGMA data_version. */
int64_t
store_data_version(struct store *s)
{
	return store_scalar(s, "PRAGMA data_version");
}

/* Cap the file's size in pages (tests of a full disk). */
int
store_set_max_pages(struct store *s, long n)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %ld", n > 0 ? n : 1073741823L);
	return store_exec(s, sql, NULL);
}

/* Read one meta value (caller frees); 0 found, 1 absent. */
int
store_meta_get(struct store *s, const char *key, char **value)
{
	/* A failed read is an absent value, as it always was. */
	return store_text(s, store_prepare(s, "SELECT value FROM meta WHERE key = ?"), STORE_ARGS(STORE_TEXT(key)),
		   value, "meta", NULL) == 0 ?
	    0 :
	    1;
}

/* Write one meta value. */
int
store_meta_set(struct store *s, const char *key, const char *value, char **cause)
{
	return store_run(s,
	    store_prepare(s,
		"INSERT INTO meta (key, value) VALUES (?, ?) "
		"ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
	    STORE_ARGS(STORE_TEXT(key), STORE_TEXT(value)), "meta", cause);
}

/* Record an import run. */
int
store_import_log(struct store *s, time_t at, const char *kind, const char *file, const char *summary, char **cause)
{
	/* Who and which files: set once by driftwatchctl before the importer runs (store_import_origin). */
	return store_run(s,
	    store_prepare(s,
		"INSERT INTO imports (at, kind, file, summary, who, files, newest_mtime) "
		"VALUES (?, ?, ?, ?, ?, ?, ?)"),
	    STORE_ARGS(STORE_INT(at), STORE_TEXT(kind), STORE_TEXT(file), STORE_TEXT(summary),
		STORE_TEXT(s->import_who != NULL ? s->import_who : ""),
		STORE_TEXT(s->import_files != NULL ? s->import_files : ""),
		s->import_newest > 0 ? STORE_INT(s->import_newest) : STORE_NULL),
	    "imports", cause);
}

/* Imports run in [from, to). */
int
store_import_count(struct store *s, time_t from, time_t to)
{
	int64_t n = 0;

	store_int(s, store_prepare(s, "SELECT count(*) FROM imports WHERE at >= ? AND at < ?"),
	    STORE_ARGS(STORE_INT(from), STORE_INT(to)), &n, "imports", NULL);
	return (int)n;
}
