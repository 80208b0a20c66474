/*
 * http_write.c: the JSON API under /v1 (writes). Each handler reads its JSON body, checks the
 * fields' types (400 naming the field), and runs the same operation (ops.h) driftwatchctl runs,
 * with "http:CLIENT" as the audit trail's actor; the answer is the record as it now stands.
 *
 * Idempotency-Key: a POST with the header records its answer with the change, in the operation's
 * own transaction (see http_write_record_cb), so a retry after a lost answer or a crash gets the
 * first answer back and never acts twice. The same key with a different request is refused (422).
 * Only answers that changed something are recorded: a refused request changed nothing, and its
 * retry is checked again.
 */
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <math.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "http_int.h"
#include "ops.h"
#include "store.h"
#include "store_idempotency.h"
#include "xmalloc.h"

/* How long a key's first answer is kept (the usual 24 hours: a client retries within minutes). */
#define HTTP_WRITE_KEY_TTL (24 * 60 * 60)
/* The longest Idempotency-Key taken (a UUID is 36). */
#define HTTP_WRITE_KEY_MAX 255
/* When to try again after the database was busy or the disk full, in seconds. */
#define HTTP_WRITE_RETRY_AFTER "1"

/* One write request being answered. */
struct http_write {
	struct http_call *call;
	json_t *body;	     /* the request's JSON object */
	const char *key;     /* the Idempotency-Key, or NULL */
	char hash[SHA256_DIGEST_LENGTH * 2 + 1];
	char *answer;	     /* the answer's text, made inside the transaction */
	int status;
	char actor[128];
};

/* Reply with a refusal; a store that did not answer is 503 with Retry-After, never a 500. */
static void
http_write_refuse(struct http_call *call, enum op_result result, const char *field, const char *message)
{
	int status = 500;

	switch (result) {
	case OP_BAD_INPUT:
		status = 400;
		break;
	case OP_NOT_FOUND:
		status = 404;
		break;
	case OP_CONFLICT:
		status = 409;
		break;
	case OP_UNAVAILABLE:
		status = 503;
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Retry-After", HTTP_WRITE_RETRY_AFTER);
		break;
	case OP_OK:
	case OP_FAILED:
		break;
	}
	http_reply_error(call, status, field, message != NULL ? message : "failed");
}

/* Refuse a field (400) and let go of the request; returns -1. */
static int
http_write_bad(struct http_write *w, const char *field, const char *message)
{
	http_reply_error(w->call, 400, field, message);
	json_decref(w->body);
	w->body = NULL;
	return -1;
}

/* Is an Idempotency-Key acceptable: 1 to HTTP_WRITE_KEY_MAX visible ASCII characters? */
static int
http_write_key_ok(const char *key)
{
	size_t n = strlen(key), i;

	if (n == 0 || n > HTTP_WRITE_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isgraph((unsigned char)key[i]))
			return 0;
	}
	return 1;
}

/*
 * Read the body and the Idempotency-Key. 0 to go on; 1 when answered already (a bad body or key,
 * or a replay of the first answer to this key).
 */
static int
http_write_begin(struct http_call *call, struct http_write *w)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(call->req);
	size_t len = evbuffer_get_length(in);
	const char *text = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "{}";
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(call->req));
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char *hash = NULL, *body = NULL, *cause = NULL, *buf;
	json_error_t err;
	size_t plen;
	int status, rc, i;

	memset(w, 0, sizeof *w);
	w->call = call;
	snprintf(w->actor, sizeof w->actor, "http:%s", call->client != NULL ? call->client : "-");
	if (len == 0)
		len = 2;
	w->body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (w->body == NULL || !json_is_object(w->body)) {
		json_decref(w->body);
		w->body = NULL;
		http_reply_error(call, 400, "body", "want a JSON object");
		return 1;
	}
	w->key = evhttp_find_header(evhttp_request_get_input_headers(call->req), "Idempotency-Key");
	if (w->key == NULL)
		return 0;
	if (!http_write_key_ok(w->key)) {
		http_write_bad(w, "Idempotency-Key", "want 1 to 255 visible ASCII characters");
		return 1;
	}
	/* The request as the key stands for it: the path and the body, byte for byte. */
	plen = strlen(path) + 1;
	buf = xmalloc(plen + len);
	memcpy(buf, path, plen);
	memcpy(buf + plen, text, len);
	SHA256((const unsigned char *)buf, plen + len, digest);
	free(buf);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(w->hash + 2 * i, 3, "%02x", digest[i]);
	rc = store_idempotency_get(call->store, call->client, w->key, clock_now() - HTTP_WRITE_KEY_TTL, &hash, &status,
	    &body, &cause);
	if (rc < 0) {
		http_write_refuse(call, store_unavailable(call->store) ? OP_UNAVAILABLE : OP_FAILED, NULL, cause);
		free(cause);
		json_decref(w->body);
		return 1;
	}
	if (rc == 1)
		return 0;
	json_decref(w->body);
	if (strcmp(hash, w->hash) != 0)
		http_reply_error(call, 422, "Idempotency-Key", "this key was already used with a different request");
	else {
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Idempotent-Replayed", "true");
		http_reply(call, status, "application/json", body, strlen(body));
	}
	free(hash), free(body);
	return 1;
}

/*
 * Inside the operation's transaction, before COMMIT: make the answer, and record it under the
 * key, so the change and the record of its answer commit together (a crash between two commits
 * would let a retry act twice). Expired keys go in the same transaction.
 */
static int
http_write_record_cb(struct store *s, const struct op_answer *a, void *arg, char **cause)
{
	struct http_write *w = arg;
	char *text;

	w->status = a->created ? 201 : 200;
	if ((text = a->state != NULL ? json_dumps(a->state, JSON_COMPACT) : xstrdup("{}")) == NULL) {
		*cause = xstrdup("the answer does not encode");
		return -1;
	}
	free(w->answer);
	xasprintf(&w->answer, "%s\n", text);
	free(text);
	if (w->key == NULL)
		return 0;
	if (store_idempotency_expire(s, clock_now() - HTTP_WRITE_KEY_TTL, cause) != 0)
		return -1;
	return store_idempotency_put(s, w->call->client, w->key, w->hash, w->status, w->answer, clock_now(), cause);
}

/* The environment of an operation run for this request. */
static void
http_write_env(struct http_write *w, struct op_env *env)
{
	memset(env, 0, sizeof *env);
	env->store = w->call->store;
	env->cfg = w->call->cfg;
	env->now = clock_now();
	env->today = calendar_local_date(env->now);
	env->actor = w->actor;
	env->before_commit = http_write_record_cb;
	env->before_commit_arg = w;
}

/* Answer an operation's outcome and let go of the request. */
static void
http_write_finish(struct http_write *w, struct op_answer *a)
{
	if (a->result == OP_OK && w->answer != NULL) {
		/* Committed: the planner re-plans within a watch tick (notices due now go out now). */
		*w->call->changed = 1;
		http_reply(w->call, w->status, "application/json", w->answer, strlen(w->answer));
	}
	else
		http_write_refuse(w->call, a->result == OP_OK ? OP_FAILED : a->result, a->field, a->message);
	op_answer_free(a);
	json_decref(w->body);
	free(w->answer);
}

/* Only these fields may be in the body: 0, or -1 with a 400 for the first other one. */
static int
http_write_fields(struct http_write *w, const char *const allowed[])
{
	const char *name;
	json_t *v;
	int i, ok;

	json_object_foreach(w->body, name, v) {
		for (i = 0, ok = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(allowed[i], name) == 0;
		if (!ok)
			return http_write_bad(w, name, "not a field of this request"); /* replied before name is freed */
	}
	return 0;
}

/* A string field: 0 (*out NULL when absent and not required), or -1 with a 400. */
static int
http_write_string(struct http_write *w, const char *name, int required, const char **out)
{
	json_t *v = json_object_get(w->body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? http_write_bad(w, name, "missing") : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return http_write_bad(w, name, "want a non-empty string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return http_write_bad(w, name, "a string with a NUL in it");
	*out = json_string_value(v);
	return 0;
}

/* A date field "YYYY-MM-DD": 0 (*out DATE_NONE when absent and not required), or -1 with a 400. */
static int
http_write_date(struct http_write *w, const char *name, int required, int *out)
{
	const char *s;

	*out = DATE_NONE;
	if (http_write_string(w, name, required, &s) != 0)
		return -1;
	if (s != NULL && (strlen(s) != 10 || date_parse(s, out) != 0))
		return http_write_bad(w, name, "want a date, YYYY-MM-DD");
	return 0;
}

/* A true/false field (absent: false): 0, or -1 with a 400. */
static int
http_write_bool(struct http_write *w, const char *name, int *out)
{
	json_t *v = json_object_get(w->body, name);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return http_write_bad(w, name, "want true or false");
	*out = json_is_true(v);
	return 0;
}

/* The {id} of /v1/disputes/{id}/...: 0, or -1 with a 400. */
static int
http_write_dispute_id(struct http_write *w, int64_t *id)
{
	const char *s = w->call->param, *c;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return http_write_bad(w, "id", "not a dispute number");
	for (c = s; *c != '\0'; c++) {
		if (!isdigit((unsigned char)*c))
			return http_write_bad(w, "id", "not a dispute number");
	}
	*id = strtoll(s, NULL, 10);
	if (*id <= 0)
		return http_write_bad(w, "id", "not a dispute number");
	return 0;
}

/* POST /v1/disputes: raise a dispute. */
void
http_disputes_raise(struct http_call *call)
{
	static const char *const fields[] = { "case_ref", "iro_email", "category", "stage", "note", "raised_on", NULL };
	struct http_write w;
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	if (http_write_fields(&w, fields) != 0 || http_write_string(&w, "case_ref", 1, &r.case_ref) != 0 ||
	    http_write_string(&w, "iro_email", 1, &r.iro_email) != 0 ||
	    http_write_string(&w, "category", 1, &r.category) != 0 || http_write_string(&w, "stage", 0, &r.stage) != 0 ||
	    http_write_string(&w, "note", 0, &r.note) != 0 || http_write_date(&w, "raised_on", 0, &r.on) != 0)
		return;
	http_write_env(&w, &env);
	op_dispute_raise(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* The shape of respond, escalate, resolve and cafcass: fields into a request, the operation run. */
static void
http_disputes_change(struct http_call *call, const char *const fields[],
    int (*op)(const struct op_env *, const struct op_dispute_request *, struct op_answer *), int need_note,
    int need_outcome, int need_on)
{
	struct http_write w;
	struct op_dispute_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	if (http_write_dispute_id(&w, &r.id) != 0 || http_write_fields(&w, fields) != 0 ||
	    http_write_string(&w, "note", need_note, &r.note) != 0 ||
	    http_write_string(&w, "outcome", need_outcome, &r.outcome) != 0 ||
	    http_write_string(&w, "to", 0, &r.stage) != 0 || http_write_date(&w, "on", need_on, &r.on) != 0)
		return;
	http_write_env(&w, &env);
	op(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* POST /v1/disputes/{id}/respond {note, on}. */
void
http_disputes_respond(struct http_call *call)
{
	static const char *const fields[] = { "note", "on", NULL };

	http_disputes_change(call, fields, op_dispute_respond, 1, 0, 0);
}

/* POST /v1/disputes/{id}/escalate {to, note, on}. */
void
http_disputes_escalate(struct http_call *call)
{
	static const char *const fields[] = { "to", "note", "on", NULL };

	http_disputes_change(call, fields, op_dispute_escalate, 0, 0, 0);
}

/* POST /v1/disputes/{id}/resolve {outcome, on}. */
void
http_disputes_resolve(struct http_call *call)
{
	static const char *const fields[] = { "outcome", "on", NULL };

	http_disputes_change(call, fields, op_dispute_resolve, 0, 1, 0);
}

/* POST /v1/disputes/{id}/cafcass {on, note}. */
void
http_disputes_cafcass(struct http_call *call)
{
	static const char *const fields[] = { "on", "note", NULL };

	http_disputes_change(call, fields, op_dispute_cafcass, 1, 0, 1);
}

/* POST /v1/children/{case_ref}/reviews {held_on, brought_forward}. */
void
http_children_review(struct http_call *call)
{
	static const char *const fields[] = { "held_on", "brought_forward", NULL };
	struct http_write w;
	struct op_review_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	r.case_ref = call->param;
	if (http_write_fields(&w, fields) != 0 || http_write_date(&w, "held_on", 1, &r.date) != 0 ||
	    http_write_bool(&w, "brought_forward", &r.brought_forward) != 0)
		return;
	http_write_env(&w, &env);
	op_review_record(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* POST /v1/children/{case_ref}/permanence {plan, agreed_on}. */
void
http_children_permanence(struct http_call *call)
{
	static const char *const fields[] = { "plan", "agreed_on", NULL };
	struct http_write w;
	struct op_review_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	r.case_ref = call->param;
	if (http_write_fields(&w, fields) != 0 || http_write_string(&w, "plan", 1, &r.plan) != 0 ||
	    http_write_date(&w, "agreed_on", 1, &r.date) != 0)
		return;
	http_write_env(&w, &env);
	op_permanence_record(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* POST /v1/actions/{ref}/progress {plan, note, on, complete}. */
void
http_actions_progress(struct http_call *call)
{
	static const char *const fields[] = { "plan", "note", "on", "complete", NULL };
	struct http_write w;
	struct op_action_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	r.ref = call->param;
	if (http_write_fields(&w, fields) != 0 || http_write_string(&w, "plan", 0, &r.plan) != 0 ||
	    http_write_string(&w, "note", 0, &r.note) != 0 || http_write_date(&w, "on", 0, &r.on) != 0 ||
	    http_write_bool(&w, "complete", &r.complete) != 0)
		return;
	http_write_env(&w, &env);
	op_action_progress(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* POST /v1/workers/{id}/supervisions {held_on}. */
void
http_workers_supervision(struct http_call *call)
{
	static const char *const fields[] = { "held_on", NULL };
	struct http_write w;
	struct op_asye_request r;
	struct op_env env;
	struct op_answer a;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	r.person_id = call->param;
	if (http_write_fields(&w, fields) != 0 || http_write_date(&w, "held_on", 1, &r.date) != 0)
		return;
	http_write_env(&w, &env);
	op_asye_supervision(&env, &r, &a);
	http_write_finish(&w, &a);
}

/* POST /v1/workers/{id}/protected-time {week_of, hours}. */
void
http_workers_protected_time(struct http_call *call)
{
	static const char *const fields[] = { "week_of", "hours", NULL };
	struct http_write w;
	struct op_asye_request r;
	struct op_env env;
	struct op_answer a;
	json_t *hours;

	if (http_write_begin(call, &w) != 0)
		return;
	memset(&r, 0, sizeof r);
	r.person_id = call->param;
	if (http_write_fields(&w, fields) != 0 || http_write_date(&w, "week_of", 1, &r.date) != 0)
		return;
	hours = json_object_get(w.body, "hours");
	if (hours == NULL || json_is_null(hours)) {
		http_write_bad(&w, "hours", "missing");
		return;
	}
	if (!json_is_number(hours) || !isfinite(json_number_value(hours)) || json_number_value(hours) < 0) {
		http_write_bad(&w, "hours", "want a number of hours, zero or more");
		return;
	}
	r.hours = json_number_value(hours);
	http_write_env(&w, &env);
	op_asye_time(&env, &r, &a);
	http_write_finish(&w, &a);
}
