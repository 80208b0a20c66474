/*
 * store_outbox.c: the outbox's SQL. Enqueueing is INSERT ... ON CONFLICT(dedupe_key) DO NOTHING:
 * the UNIQUE key is what makes "exactly-once intent" hold across crashes, restarts and re-plans.
 * The rows it queues are counted into outbox_tally (for /metrics) at the transaction's commit, one
 * statement per state and transport, not by a trigger per row (migration 16).
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "notice.h"
#include "outbox.h"
#include "store_int.h"
#include "xmalloc.h"

/* True when s holds a CR, LF or another control character (header injection). */
static bool
outbox_has_control(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/* One plain address: local@domain, no spaces, commas, brackets or controls. */
static bool
outbox_one_address(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL)
		return false;
	return strpbrk(s, " ,;<>\"()") == NULL && !outbox_has_control(s);
}

/* The transport name for a notice. */
const char *
outbox_transport_for(const struct config *cfg, const char *role_transport)
{
	if (role_transport != NULL)
		return role_transport;
	if (cfg->default_transport != NULL)
		return cfg->default_transport;
	return cfg->transports[0].t.name;
}

/* Count one row queued in the open transaction (added to outbox_tally at commit). */
static void
outbox_tally_add(struct store *s, const char *state, const char *transport)
{
	struct store_tally *t;
	size_t i;

	for (i = 0; i < s->ntally; i++) {
		t = &s->tally[i];
		if (strcmp(t->state, state) == 0 && strcmp(t->transport, transport) == 0) {
			t->rows++;
			return;
		}
	}
	s->tally = xreallocarray(s->tally, s->ntally + 1, sizeof *s->tally);
	t = &s->tally[s->ntally++];
	t->state = state;
	t->transport = xstrdup(transport);
	t->rows = 1;
}

/* See store_int.h. */
int
outbox_tally_flush(struct store *s, char **cause)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	/* SQLite rolled the transaction back by itself (a full disk): its rows are gone, and COMMIT fails. */
	if (sqlite3_get_autocommit(s->db)) {
		outbox_tally_forget(s);
		return 0;
	}
	for (i = 0; i < s->ntally && rc == 0; i++) {
		st = store_cached(s,
		    "INSERT INTO outbox_tally (state, transport, rows) VALUES (?, ?, ?) "
		    "ON CONFLICT (state, transport) DO UPDATE SET rows = rows + excluded.rows");
		store_bind_text(st, 1, s->tally[i].state);
		store_bind_text(st, 2, s->tally[i].transport);
		sqlite3_bind_int64(st, 3, s->tally[i].rows);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = store_fail(s, cause, "outbox tally");
		store_release(s, st);
	}
	outbox_tally_forget(s);
	return rc;
}

/* See store_int.h. */
void
outbox_tally_forget(struct store *s)
{
	size_t i;

	for (i = 0; i < s->ntally; i++)
		free(s->tally[i].transport);
	s->ntally = 0;
}

/* Insert a notice unless its key is there; see outbox.h. */
int
outbox_enqueue(
    struct store *s, const struct config *cfg, const struct outbox_item *item, time_t now, int *added, char **cause)
{
	sqlite3_stmt *st, *at;
	const char *transport = item->transport != NULL ? item->transport : outbox_transport_for(cfg, NULL);
	const char *state;
	time_t due = item->not_before > now ? item->not_before : now;
	int64_t id;
	size_t i;
	int rc = -1, own;

	if (added != NULL)
		*added = 0;
	if (outbox_has_control(item->subject) || item->subject == NULL || *item->subject == '\0') {
		xasprintf(cause, "outbox: %s: the subject is empty or holds a line break", item->dedupe_key);
		return -1;
	}
	if (item->recipient == NULL || !outbox_one_address(item->recipient)) {
		xasprintf(cause, "outbox: %s: the recipient is not one email address", item->dedupe_key);
		return -1;
	}
	for (i = 0; i < item->nattachments; i++) {
		if (outbox_has_control(item->attachments[i].filename) ||
		    outbox_has_control(item->attachments[i].content_type)) {
			xasprintf(cause, "outbox: %s: an attachment's name holds a line break", item->dedupe_key);
			return -1;
		}
	}
	if (config_transport(cfg, transport) == NULL) {
		xasprintf(cause, "outbox: %s: unknown transport \"%s\"", item->dedupe_key, transport);
		return -1;
	}
	/* Not urgent: wait for the send window, never 3 a.m. on a Sunday. */
	if (!item->urgent)
		due = calendar_next_window_open(cfg->calendar, &cfg->send_window, due);

	/* The first-start hold (store_daemon.c): escalations wait for an admin's release. */
	state = s->hold_escalations && item->kind != NULL && strcmp(item->kind, "escalation") == 0 ? "held" : "pending";
	/* Outside a transaction, its own: the row and its tally commit together. */
	own = sqlite3_get_autocommit(s->db);
	if (own && store_begin(s, cause) != 0)
		return -1;
	/* Cached: parsing it cost more than running it. */
	st = store_cached(s,
	    "INSERT INTO outbox (dedupe_key, kind, transport, recipient, subject, body_text, body_html, payload, "
	    "batch_text, batch_html, urgency, urgent, created_at, next_attempt_at, state) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(dedupe_key) DO NOTHING");
	store_bind_text_static(st, 1, item->dedupe_key);
	store_bind_text_static(st, 2, item->kind);
	store_bind_text_static(st, 3, transport);
	store_bind_text_static(st, 4, item->recipient);
	store_bind_text_static(st, 5, item->subject);
	store_bind_text_static(st, 6, item->body_text != NULL ? item->body_text : "");
	store_bind_text_static(st, 7, item->body_html);
	store_bind_text_static(st, 8, item->payload);
	store_bind_text_static(st, 9, cfg->batch_reminders ? item->batch_text : NULL);
	store_bind_text_static(st, 10, cfg->batch_reminders ? item->batch_html : NULL);
	sqlite3_bind_int(st, 11, item->urgency);
	sqlite3_bind_int(st, 12, item->urgent);
	sqlite3_bind_int64(st, 13, now);
	sqlite3_bind_int64(st, 14, due);
	store_bind_text_static(st, 15, state);
	if (sqlite3_step(st) != SQLITE_DONE) {
		store_fail(s, cause, "outbox enqueue");
		goto out;
	}
	if (sqlite3_changes(s->db) == 0) {
		rc = 0; /* already there: the same intent fired before */
		goto out;
	}
	id = sqlite3_last_insert_rowid(s->db);
	outbox_tally_add(s, state, transport);
	for (i = 0; i < item->nattachments; i++) {
		at = store_prepare(
		    s, "INSERT INTO outbox_attachments (notice, filename, content_type, data) VALUES (?, ?, ?, ?)");
		sqlite3_bind_int64(at, 1, id);
		store_bind_text(at, 2, item->attachments[i].filename);
		store_bind_text(at, 3, item->attachments[i].content_type);
		sqlite3_bind_blob(at, 4, item->attachments[i].data, (int)item->attachments[i].len, SQLITE_TRANSIENT);
		if (sqlite3_step(at) != SQLITE_DONE) {
			sqlite3_finalize(at);
			store_fail(s, cause, "outbox attachment");
			goto out;
		}
		sqlite3_finalize(at);
	}
	if (added != NULL)
		*added = 1;
	rc = 0;
out:
	store_release(s, st);
	if (own) {
		if (rc == 0)
			rc = store_commit(s, cause);
		else
			store_rollback(s);
	}
	return rc;
}

/* See outbox.h. */
int
outbox_alert(struct store *s, const struct config *cfg, const char *transport, const char *dedupe_key,
    const char *subject, const char *text, bool urgent, time_t now, int *added, char **cause)
{
	struct outbox_item item;

	memset(&item, 0, sizeof item);
	item.dedupe_key = dedupe_key;
	item.kind = "alert";
	item.transport = transport;
	item.recipient = cfg->admin_email;
	item.subject = subject;
	item.body_text = text;
	item.urgent = urgent;
	return outbox_enqueue(s, cfg, &item, now, added, cause);
}

#define OUTBOX_COLUMNS \
	"id, dedupe_key, kind, transport, recipient, subject, body_text, body_html, payload, batch_text, " \
	"batch_html, state, last_error, urgency, urgent, attempts, created_at, next_attempt_at, " \
	"coalesce(sent_at, 0), coalesce(batch_id, 0)"

static void outbox_load_attachments(struct store *s, struct outbox_row *r);
static char *outbox_id_list(const int64_t *ids, int n);

/* Fill a row from a statement selecting OUTBOX_COLUMNS. */
static void
outbox_row_read(sqlite3_stmt *st, struct outbox_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->dedupe_key = store_column_strdup(st, 1);
	r->kind = store_column_strdup(st, 2);
	r->transport = store_column_strdup(st, 3);
	r->recipient = store_column_strdup(st, 4);
	r->subject = store_column_strdup(st, 5);
	r->body_text = store_column_strdup(st, 6);
	r->body_html = store_column_strdup(st, 7);
	r->payload = store_column_strdup(st, 8);
	r->batch_text = store_column_strdup(st, 9);
	r->batch_html = store_column_strdup(st, 10);
	r->state = store_column_strdup(st, 11);
	r->last_error = store_column_strdup(st, 12);
	r->urgency = sqlite3_column_int(st, 13);
	r->urgent = sqlite3_column_int(st, 14);
	r->attempts = sqlite3_column_int(st, 15);
	r->created_at = sqlite3_column_int64(st, 16);
	r->next_attempt_at = sqlite3_column_int64(st, 17);
	r->sent_at = sqlite3_column_int64(st, 18);
	r->batch_id = sqlite3_column_int64(st, 19);
}

/* Free what a row owns. */
void
outbox_row_free(struct outbox_row *r)
{
	size_t i;

	free(r->dedupe_key), free(r->kind), free(r->transport), free(r->recipient), free(r->subject);
	free(r->body_text), free(r->body_html), free(r->payload), free(r->batch_text), free(r->batch_html);
	free(r->state), free(r->last_error);
	for (i = 0; i < r->nattachments; i++) {
		free((void *)(uintptr_t)r->attachments[i].filename);
		free((void *)(uintptr_t)r->attachments[i].content_type);
		free((void *)(uintptr_t)r->attachments[i].data);
	}
	free(r->attachments);
	memset(r, 0, sizeof *r);
}

/* Load one row with its attachments. */
int
outbox_load(struct store *s, int64_t id, struct outbox_row *r)
{
	/* Whether it has attachments comes with the row: most have none, and asking for them apart
	 * cost a third of the load. */
	sqlite3_stmt *st = store_cached(s,
	    "SELECT " OUTBOX_COLUMNS ", EXISTS (SELECT 1 FROM outbox_attachments a "
	    "WHERE a.notice = outbox.id) FROM outbox WHERE id = ?");
	int rc = -1, attached = 0;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		outbox_row_read(st, r);
		attached = sqlite3_column_int(st, 20);
		rc = 0;
	}
	store_release(s, st);
	if (rc == 0 && attached)
		outbox_load_attachments(s, r);
	return rc;
}

/* Add a row's attachments to it. */
static void
outbox_load_attachments(struct store *s, struct outbox_row *r)
{
	sqlite3_stmt *st = store_cached(
	    s, "SELECT filename, content_type, data FROM outbox_attachments WHERE notice = ? ORDER BY rowid");

	sqlite3_bind_int64(st, 1, r->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct attachment *a;
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		char *data = xmalloc(len + 1);

		if (len > 0)
			memcpy(data, sqlite3_column_blob(st, 2), len);
		data[len] = '\0';
		r->attachments = xreallocarray(r->attachments, r->nattachments + 1, sizeof *r->attachments);
		a = &r->attachments[r->nattachments++];
		a->filename = store_column_strdup(st, 0);
		a->content_type = store_column_strdup(st, 1);
		a->data = data;
		a->len = len;
	}
	store_release(s, st);
}

/* Order rows by id. */
static int
outbox_cmp_id(const void *a, const void *b)
{
	const struct outbox_row *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Load many rows in one statement (the ids as a JSON array for json_each): one row at a time cost
 * a statement's set-up and tear-down each, as much again as reading the row. See outbox.h.
 */
int
outbox_load_many(struct store *s, const int64_t *ids, int n, struct outbox_row *rows)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT " OUTBOX_COLUMNS ", EXISTS (SELECT 1 FROM outbox_attachments a "
	    "WHERE a.notice = outbox.id) FROM outbox WHERE id IN (SELECT value FROM json_each(?1))");
	char *list = outbox_id_list(ids, n), *attached = xcalloc((size_t)(n > 0 ? n : 1), 1);
	int got = 0, i;

	sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
	while (got < n && sqlite3_step(st) == SQLITE_ROW) {
		outbox_row_read(st, &rows[got]);
		attached[got++] = (char)sqlite3_column_int(st, 20);
	}
	store_release(s, st);
	free(list);
	for (i = 0; i < got; i++) {
		if (attached[i])
			outbox_load_attachments(s, &rows[i]);
	}
	free(attached);
	qsort(rows, (size_t)got, sizeof *rows, outbox_cmp_id);
	return got;
}

/* Rows a crash left 'sending' go back to pending: at-least-once. (The IN term lets SQLite use the
 * partial index outbox_unsettled: it matches an index's WHERE by its terms, not by implication.) */
int
outbox_recover(struct store *s, char **cause)
{
	if (store_exec(s,
		"UPDATE outbox SET state = 'pending' WHERE state IN ('sending', 'dead') AND state = 'sending'",
		cause) != 0)
		return -1;
	return sqlite3_changes(s->db);
}

/* Due rows of one transport; see outbox.h. Urgent rows first, then the rest, each oldest due first:
 * two range scans of the partial index outbox_claim, so a pass costs what it claims, not what waits. */
int
outbox_due(struct store *s, const char *transport, time_t now, int limit, int messages, int64_t *ids, char **recipients,
    int *batchable)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT id, recipient, batch_text IS NOT NULL FROM outbox "
	    "WHERE transport = ?1 AND state IN ('pending', 'retry') AND urgent = ?2 "
	    "AND next_attempt_at <= ?3 ORDER BY next_attempt_at, id LIMIT ?4");
	int n = 0, urgent, batches = 0;

	for (urgent = 1; urgent >= 0 && n < limit && (n < messages || batches > 0); urgent--) {
		sqlite3_reset(st);
		store_bind_text(st, 1, transport);
		sqlite3_bind_int(st, 2, urgent);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_int(st, 4, limit - n);
		/* Once there are enough messages, read on only if a later row may join a batch. */
		while (n < limit && (n < messages || batches > 0) && sqlite3_step(st) == SQLITE_ROW) {
			ids[n] = sqlite3_column_int64(st, 0);
			recipients[n] = store_column_strdup(st, 1);
			batchable[n] = sqlite3_column_int(st, 2);
			batches += batchable[n];
			n++;
		}
	}
	store_release(s, st);
	return n;
}

/* The ids as a JSON array, for json_each(?1): one statement updates them all. Digits written by
 * hand: snprintf cost more than the rest of the list, twice a notice. */
static char *
outbox_id_list(const int64_t *ids, int n)
{
	size_t cap = (size_t)n * 21 + 3, len = 0;
	char *s = xmalloc(cap), digits[20];
	uint64_t v;
	int i, k;

	s[len++] = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			s[len++] = ',';
		if (ids[i] < 0)
			s[len++] = '-';
		v = ids[i] < 0 ? -(uint64_t)ids[i] : (uint64_t)ids[i];
		k = 0;
		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		while (k > 0)
			s[len++] = digits[--k];
	}
	s[len++] = ']';
	s[len] = '\0';
	return s;
}

/*
 * Apply one update statement to every id (?1 is their JSON array; bind fills ?2 on), as one
 * statement: the per-statement work (locks, cursors, checks) is paid once, not once a row. In
 * the caller's transaction when one is open, else in its own.
 */
static int
outbox_update_ids(struct store *s, const char *sql, const int64_t *ids, int n, void (*bind)(sqlite3_stmt *, void *),
    void *arg, char **cause)
{
	sqlite3_stmt *st;
	char *list;
	int rc = 0, own = sqlite3_get_autocommit(s->db); /* else inside the caller's transaction */

	if (n == 0)
		return 0;
	if (own && store_begin(s, cause) != 0)
		return -1;
	list = outbox_id_list(ids, n);
	st = store_cached(s, sql);
	sqlite3_bind_text(st, 1, list, -1, SQLITE_STATIC);
	if (bind != NULL)
		bind(st, arg);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "outbox update");
	store_release(s, st);
	free(list);
	if (rc != 0) {
		if (own)
			store_rollback(s);
		return -1;
	}
	return own ? store_commit(s, cause) : 0;
}

/* Mark claimed rows as being sent; one more attempt each. */
int
outbox_mark_sending(struct store *s, const int64_t *ids, int n, char **cause)
{
	return outbox_update_ids(s,
	    "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id IN (SELECT value FROM json_each(?1))",
	    ids, n, NULL, NULL, cause);
}

struct outbox_bind_args {
	time_t t;
	const char *error;
	int64_t leader;
};

/* Bind the time, error and batch leader of an update. */
static void
outbox_bind_update(sqlite3_stmt *st, void *arg)
{
	struct outbox_bind_args *a = arg;

	sqlite3_bind_int64(st, 2, a->t);
	store_bind_text(st, 3, a->error);
	if (a->leader != 0)
		sqlite3_bind_int64(st, 4, a->leader);
	else
		sqlite3_bind_null(st, 4);
}

/* The server accepted: sent. A batch's rows all point at the row whose message carried them. */
int
outbox_mark_sent(struct store *s, const int64_t *ids, int n, time_t now, char **cause)
{
	struct outbox_bind_args a = { now, NULL, n > 1 ? ids[0] : 0 };

	return outbox_update_ids(s,
	    "UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = ?3, batch_id = ?4 "
	    "WHERE id IN (SELECT value FROM json_each(?1))",
	    ids, n, outbox_bind_update, &a, cause);
}

/* See outbox.h. Rows accepted in the same second by the same message kind share one statement. */
int
outbox_mark_sent_rows(struct store *s, const struct outbox_sent *rows, int n, char **cause)
{
	int64_t *ids;
	int i, j, own = sqlite3_get_autocommit(s->db); /* else inside the caller's transaction */

	if (own && store_begin(s, cause) != 0)
		return -1;
	ids = xreallocarray(NULL, (size_t)(n > 0 ? n : 1), sizeof *ids);
	for (i = 0; i < n; i = j) {
		struct outbox_bind_args a = { rows[i].at, NULL, rows[i].leader };
		for (j = i; j < n && rows[j].at == rows[i].at && rows[j].leader == rows[i].leader; j++)
			ids[j - i] = rows[j].id;
		if (outbox_update_ids(s,
			"UPDATE outbox SET state = 'sent', sent_at = ?2, last_error = ?3, batch_id = ?4 "
			"WHERE id IN (SELECT value FROM json_each(?1))",
			ids, j - i, outbox_bind_update, &a, cause) != 0) {
			free(ids);
			if (own)
				store_rollback(s);
			return -1;
		}
	}
	free(ids);
	return own ? store_commit(s, cause) : 0;
}

/* Try again at next. */
int
outbox_mark_retry(struct store *s, const int64_t *ids, int n, time_t next, const char *error, char **cause)
{
	struct outbox_bind_args a = { next, error, 0 };

	return outbox_update_ids(s,
	    "UPDATE outbox SET state = 'retry', next_attempt_at = ?2, last_error = ?3, batch_id = ?4 "
	    "WHERE id IN (SELECT value FROM json_each(?1))",
	    ids, n, outbox_bind_update, &a, cause);
}

/* Given up. */
int
outbox_mark_dead(struct store *s, const int64_t *ids, int n, time_t now, const char *error, char **cause)
{
	struct outbox_bind_args a = { now, error, 0 };

	return outbox_update_ids(s,
	    "UPDATE outbox SET state = 'dead', dead_at = ?2, last_error = ?3, batch_id = ?4 "
	    "WHERE id IN (SELECT value FROM json_each(?1))",
	    ids, n, outbox_bind_update, &a, cause);
}

/* The earliest due instant on enabled transports. */
time_t
outbox_next_due(struct store *s)
{
	sqlite3_stmt *st = store_cached(s,
	    "SELECT min(next_attempt_at) FROM outbox WHERE state IN ('pending', 'retry') "
	    "AND transport NOT IN (SELECT transport FROM endpoints WHERE disabled_at IS NOT NULL)");
	time_t t = 0;

	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		t = sqlite3_column_int64(st, 0);
	store_release(s, st);
	return t;
}

/* Disable an endpoint after a 410. */
int
outbox_endpoint_disable(struct store *s, const char *transport, time_t now, const char *reason, char **cause)
{
	sqlite3_stmt *st = store_prepare(s,
	    "INSERT INTO endpoints (transport, disabled_at, disabled_reason) VALUES (?, ?, ?) "
	    "ON CONFLICT(transport) DO UPDATE SET disabled_at = excluded.disabled_at, "
	    "disabled_reason = excluded.disabled_reason");
	int rc = 0;

	store_bind_text(st, 1, transport);
	sqlite3_bind_int64(st, 2, now);
	store_bind_text(st, 3, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "endpoints");
	sqlite3_finalize(st);
	return rc;
}

/* Enable an endpoint again. */
int
outbox_endpoint_enable(struct store *s, const char *transport, char **cause)
{
	sqlite3_stmt *st = store_prepare(s, "DELETE FROM endpoints WHERE transport = ?");
	int rc = 0;

	store_bind_text(st, 1, transport);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = store_fail(s, cause, "endpoints");
	else
		rc = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return rc;
}

/* Is an endpoint disabled? */
bool
outbox_endpoint_disabled(struct store *s, const char *transport)
{
	sqlite3_stmt *st = store_cached(s, "SELECT 1 FROM endpoints WHERE transport = ? AND disabled_at IS NOT NULL");
	bool disabled;

	store_bind_text(st, 1, transport);
	disabled = sqlite3_step(st) == SQLITE_ROW;
	store_release(s, st);
	return disabled;
}

/* Rows in a state, newest first. */
int
outbox_list(struct store *s, const char *state, int limit, void (*fn)(const struct outbox_row *, void *), void *arg)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT " OUTBOX_COLUMNS " FROM outbox WHERE ?1 IS NULL OR state = ?1 "
	    "ORDER BY id DESC LIMIT ?2");
	struct outbox_row r;
	int n = 0;

	store_bind_text(st, 1, state);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	while (sqlite3_step(st) == SQLITE_ROW) {
		outbox_row_read(st, &r);
		fn(&r, arg);
		outbox_row_free(&r);
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* Requeue one row or every dead row. */
int
outbox_requeue(struct store *s, int64_t id, time_t now, char **cause)
{
	sqlite3_stmt *st;
	int n;

	if (id != 0)
		st = store_prepare(s,
		    "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = NULL "
		    "WHERE id = ?1 AND state IN ('dead', 'retry', 'pending')");
	else
		st = store_prepare(s,
		    "UPDATE outbox SET state = 'pending', next_attempt_at = ?2, last_error = NULL "
		    "WHERE state IN ('sending', 'dead') AND state = 'dead' AND ?1 = 0");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return store_fail(s, cause, "outbox requeue");
	}
	n = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return n;
}

/* Counts for the digest and the status line. */
void
outbox_counts(struct store *s, time_t from, time_t to, int *sent, int *retried, int *dead, int *pending)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT "
	    " count(*) FILTER (WHERE state = 'sent' AND sent_at >= ?1 AND sent_at < ?2),"
	    " count(*) FILTER (WHERE attempts > 1 AND ((sent_at >= ?1 AND sent_at < ?2) OR (dead_at >= ?1 AND dead_at < ?2))),"
	    " count(*) FILTER (WHERE state = 'dead' AND dead_at >= ?1 AND dead_at < ?2),"
	    " count(*) FILTER (WHERE state IN ('pending', 'retry', 'sending'))"
	    " FROM outbox");

	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	*sent = *retried = *dead = *pending = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*sent = sqlite3_column_int(st, 0);
		*retried = sqlite3_column_int(st, 1);
		*dead = sqlite3_column_int(st, 2);
		*pending = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
}

/* See notice.h. */
bool
notice_state(struct store *s, const char *dedupe_key, struct notice_state *ns)
{
	sqlite3_stmt *st =
	    store_cached(s, "SELECT state, created_at, coalesce(sent_at, 0) FROM outbox WHERE dedupe_key = ?");
	bool found;

	store_bind_text(st, 1, dedupe_key);
	found = sqlite3_step(st) == SQLITE_ROW;
	if (found && ns != NULL) {
		const unsigned char *state = sqlite3_column_text(st, 0);
		snprintf(ns->state, sizeof ns->state, "%s", state != NULL ? (const char *)state : "");
		ns->created_at = (time_t)sqlite3_column_int64(st, 1);
		ns->sent_at = (time_t)sqlite3_column_int64(st, 2);
		ns->at = ns->sent_at != 0 ? ns->sent_at : ns->created_at;
	}
	store_release(s, st);
	return found;
}
