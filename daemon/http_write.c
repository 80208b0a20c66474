/*
 * http_write.c: the JSON API under /v1 (writes). Each handler reads its JSON body, checks the
 * fields' types (400 naming the field), and runs the same operation (ops.h) driftwatchctl runs,
 * with "http:CLIENT" as the audit trail's actor; the answer is the record as it now stands.
 *
 * The body is read by http_write_parse, a pure function of (which write, the {param}, the body's
 * bytes) that tests/fuzz/fuzz_http_write.c drives without a store.
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
/* How long a write waits for another connection's lock (driftwatchctl, an import) before its 503:
 * the whole event loop waits with it, so every other client and delivery too. */
#define HTTP_WRITE_BUSY_MS 100

/* One write request being answered. */
struct http_write {
	struct http_call *call;
	struct http_write_request req; /* the body, parsed (http_write_parse) */
	const char *key;	       /* the Idempotency-Key, or NULL */
	char hash[SHA256_DIGEST_LENGTH * 2 + 1];
	char *answer; /* the answer's text, made inside the transaction */
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

/* Refuse one field of the body: -1, with what is wrong in r (replied 400 by the caller). */
static int
http_write_bad(struct http_write_request *r, const char *field, const char *message)
{
	r->field = field;
	r->message = message;
	return -1;
}

/* Only these fields may be in the body: 0, or -1 naming the first other one. */
static int
http_write_fields(struct http_write_request *r, const char *const allowed[])
{
	const char *name;
	json_t *v;
	int i, ok;

	json_object_foreach(r->body, name, v) {
		for (i = 0, ok = 0; allowed[i] != NULL && !ok; i++)
			ok = strcmp(allowed[i], name) == 0;
		if (!ok)
			return http_write_bad(
			    r, name, "not a field of this request"); /* name lives as long as the body */
	}
	return 0;
}

/* A string field: 0 (*out NULL when absent and not required), or -1. */
static int
http_write_string(struct http_write_request *r, const char *name, int required, const char **out)
{
	json_t *v = json_object_get(r->body, name);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? http_write_bad(r, name, "missing") : 0;
	if (!json_is_string(v) || json_string_length(v) == 0)
		return http_write_bad(r, name, "want a non-empty string");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return http_write_bad(r, name, "a string with a NUL in it");
	*out = json_string_value(v);
	return 0;
}

/* A date field "YYYY-MM-DD": 0 (*out DATE_NONE when absent and not required), or -1. */
static int
http_write_date(struct http_write_request *r, const char *name, int required, int *out)
{
	const char *s;

	*out = DATE_NONE;
	if (http_write_string(r, name, required, &s) != 0)
		return -1;
	if (s != NULL && (strlen(s) != 10 || date_parse(s, out) != 0))
		return http_write_bad(r, name, "want a date, YYYY-MM-DD");
	return 0;
}

/* A true/false field (absent: false): 0, or -1. */
static int
http_write_bool(struct http_write_request *r, const char *name, int *out)
{
	json_t *v = json_object_get(r->body, name);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return http_write_bad(r, name, "want true or false");
	*out = json_is_true(v);
	return 0;
}

/* A number of hours, zero or more (required): 0, or -1. */
static int
http_write_hours(struct http_write_request *r, const char *name, double *out)
{
	json_t *v = json_object_get(r->body, name);

	*out = 0;
	if (v == NULL || json_is_null(v))
		return http_write_bad(r, name, "missing");
	if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
		return http_write_bad(r, name, "want a number of hours, zero or more");
	*out = json_number_value(v);
	return 0;
}

/* The {id} of /v1/disputes/{id}/...: 0, or -1. */
static int
http_write_dispute_id(struct http_write_request *r, const char *s, int64_t *id)
{
	const char *c;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return http_write_bad(r, "id", "not a dispute number");
	for (c = s; *c != '\0'; c++) {
		if (!isdigit((unsigned char)*c))
			return http_write_bad(r, "id", "not a dispute number");
	}
	*id = strtoll(s, NULL, 10);
	if (*id <= 0)
		return http_write_bad(r, "id", "not a dispute number");
	return 0;
}

/* The fields each write takes (http_write_fields refuses any other). */
static const char *const http_write_allowed[HTTP_WRITE_NKINDS][7] = {
	[HTTP_WRITE_DISPUTE_RAISE] = { "case_ref", "iro_email", "category", "stage", "note", "raised_on", NULL },
	[HTTP_WRITE_DISPUTE_RESPOND] = { "note", "on", NULL },
	[HTTP_WRITE_DISPUTE_ESCALATE] = { "to", "note", "on", NULL },
	[HTTP_WRITE_DISPUTE_RESOLVE] = { "outcome", "on", NULL },
	[HTTP_WRITE_DISPUTE_CAFCASS] = { "on", "note", NULL },
	[HTTP_WRITE_REVIEW] = { "held_on", "brought_forward", NULL },
	[HTTP_WRITE_PERMANENCE] = { "plan", "agreed_on", NULL },
	[HTTP_WRITE_ACTION_PROGRESS] = { "plan", "note", "on", "complete", "expected_on", NULL },
	[HTTP_WRITE_SUPERVISION] = { "held_on", NULL },
	[HTTP_WRITE_PROTECTED_TIME] = { "week_of", "hours", NULL },
};

/* See http_int.h. */
const char *const *
http_write_fields_of(enum http_write_kind kind)
{
	return http_write_allowed[kind];
}

/* See http_int.h. */
int
http_write_parse(
    enum http_write_kind kind, const char *param, const char *text, size_t len, struct http_write_request *r)
{
	struct op_dispute_request *d = &r->dispute;
	json_error_t err;
	int need_note = 0, need_outcome = 0, need_on = 0;

	memset(r, 0, sizeof *r);
	r->kind = kind;
	d->on = r->review.date = r->action.on = r->action.expected = r->asye.date = DATE_NONE;
	if (len == 0)
		text = "{}", len = 2; /* no body: no fields */
	r->body = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	if (r->body == NULL || !json_is_object(r->body)) {
		json_decref(r->body);
		r->body = NULL;
		return http_write_bad(r, "body", "want a JSON object");
	}
	switch (kind) {
	case HTTP_WRITE_DISPUTE_RAISE:
		if (http_write_fields(r, http_write_allowed[kind]) != 0 ||
		    http_write_string(r, "case_ref", 1, &d->case_ref) != 0 ||
		    http_write_string(r, "iro_email", 1, &d->iro_email) != 0 ||
		    http_write_string(r, "category", 1, &d->category) != 0 ||
		    http_write_string(r, "stage", 0, &d->stage) != 0 ||
		    http_write_string(r, "note", 0, &d->note) != 0 || http_write_date(r, "raised_on", 0, &d->on) != 0)
			return -1;
		return 0;
	case HTTP_WRITE_DISPUTE_RESPOND:
		need_note = 1;
		break;
	case HTTP_WRITE_DISPUTE_ESCALATE:
		break;
	case HTTP_WRITE_DISPUTE_RESOLVE:
		need_outcome = 1;
		break;
	case HTTP_WRITE_DISPUTE_CAFCASS:
		need_note = need_on = 1;
		break;
	case HTTP_WRITE_REVIEW:
		r->review.case_ref = param;
		return http_write_fields(r, http_write_allowed[kind]) != 0 ||
			http_write_date(r, "held_on", 1, &r->review.date) != 0 ||
			http_write_bool(r, "brought_forward", &r->review.brought_forward) != 0 ?
		    -1 :
		    0;
	case HTTP_WRITE_PERMANENCE:
		r->review.case_ref = param;
		return http_write_fields(r, http_write_allowed[kind]) != 0 ||
			http_write_string(r, "plan", 1, &r->review.plan) != 0 ||
			http_write_date(r, "agreed_on", 1, &r->review.date) != 0 ?
		    -1 :
		    0;
	case HTTP_WRITE_ACTION_PROGRESS:
		r->action.ref = param;
		return http_write_fields(r, http_write_allowed[kind]) != 0 ||
			http_write_string(r, "plan", 0, &r->action.plan) != 0 ||
			http_write_string(r, "note", 0, &r->action.note) != 0 ||
			http_write_date(r, "on", 0, &r->action.on) != 0 ||
			http_write_date(r, "expected_on", 0, &r->action.expected) != 0 ||
			http_write_bool(r, "complete", &r->action.complete) != 0 ?
		    -1 :
		    0;
	case HTTP_WRITE_SUPERVISION:
		r->asye.person_id = param;
		return http_write_fields(r, http_write_allowed[kind]) != 0 ||
			http_write_date(r, "held_on", 1, &r->asye.date) != 0 ?
		    -1 :
		    0;
	case HTTP_WRITE_PROTECTED_TIME:
		r->asye.person_id = param;
		return http_write_fields(r, http_write_allowed[kind]) != 0 ||
			http_write_date(r, "week_of", 1, &r->asye.date) != 0 ||
			http_write_hours(r, "hours", &r->asye.hours) != 0 ?
		    -1 :
		    0;
	case HTTP_WRITE_NKINDS:
		return http_write_bad(r, "body", "no such write");
	}
	/* respond, escalate, resolve and cafcass: the {id}, then the fields. */
	if (http_write_dispute_id(r, param, &d->id) != 0 || http_write_fields(r, http_write_allowed[kind]) != 0 ||
	    http_write_string(r, "note", need_note, &d->note) != 0 ||
	    http_write_string(r, "outcome", need_outcome, &d->outcome) != 0 ||
	    http_write_string(r, "to", 0, &d->stage) != 0 || http_write_date(r, "on", need_on, &d->on) != 0)
		return -1;
	return 0;
}

/* See http_int.h. */
void
http_write_request_free(struct http_write_request *r)
{
	json_decref(r->body);
	r->body = NULL;
}

/*
 * Parse the body and read the Idempotency-Key. 0 to go on; 1 when answered already (a body that
 * is not a JSON object, a bad key, a replay of the first answer to this key, or a bad field: in
 * that order, so a retry with its key gets its first answer whatever it is).
 */
static int
http_write_begin(struct http_call *call, struct http_write *w, enum http_write_kind kind)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(call->req);
	size_t len = evbuffer_get_length(in);
	const char *text = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "{}";
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(call->req));
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char *hash = NULL, *body = NULL, *cause = NULL, *buf;
	size_t plen;
	int status, rc, i, parsed;

	memset(w, 0, sizeof *w);
	w->call = call;
	snprintf(w->actor, sizeof w->actor, "http:%s", call->client != NULL ? call->client : "-");
	if (len == 0)
		len = 2;
	parsed = http_write_parse(kind, call->param, text, len, &w->req);
	if (w->req.body == NULL) {
		http_reply_error(call, 400, w->req.field, w->req.message);
		return 1;
	}
	w->key = evhttp_find_header(evhttp_request_get_input_headers(call->req), "Idempotency-Key");
	if (w->key != NULL && !http_write_key_ok(w->key)) {
		http_reply_error(call, 400, "Idempotency-Key", "want 1 to 255 visible ASCII characters");
		http_write_request_free(&w->req);
		return 1;
	}
	if (w->key != NULL) {
		/* The request as the key stands for it: the path and the body, byte for byte. */
		plen = strlen(path) + 1;
		buf = xmalloc(plen + len);
		memcpy(buf, path, plen);
		memcpy(buf + plen, text, len);
		SHA256((const unsigned char *)buf, plen + len, digest);
		free(buf);
		for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
			snprintf(w->hash + 2 * i, 3, "%02x", digest[i]);
		rc = store_idempotency_get(
		    call->store, call->client, w->key, clock_now() - HTTP_WRITE_KEY_TTL, &hash, &status, &body, &cause);
		if (rc < 0) {
			http_write_refuse(
			    call, store_unavailable(call->store) ? OP_UNAVAILABLE : OP_FAILED, NULL, cause);
			free(cause);
			http_write_request_free(&w->req);
			return 1;
		}
		if (rc == 0) {
			if (strcmp(hash, w->hash) != 0)
				http_reply_error(
				    call, 422, "Idempotency-Key", "this key was already used with a different request");
			else {
				evhttp_add_header(
				    evhttp_request_get_output_headers(call->req), "Idempotent-Replayed", "true");
				http_reply(call, status, "application/json", body, strlen(body));
			}
			free(hash), free(body);
			http_write_request_free(&w->req);
			return 1;
		}
	}
	if (parsed != 0) {
		/* The field's name may live in the body: reply before letting go of it. */
		http_reply_error(call, 400, w->req.field, w->req.message);
		http_write_request_free(&w->req);
		return 1;
	}
	return 0;
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
	} else
		http_write_refuse(w->call, a->result == OP_OK ? OP_FAILED : a->result, a->field, a->message);
	op_answer_free(a);
	http_write_request_free(&w->req);
	free(w->answer);
}

/* One write: parse its body, run its operation (one per write, shared with driftwatchctl), answer. */
static void
http_write_run(struct http_call *call, enum http_write_kind kind)
{
	struct http_write w;
	struct op_env env;
	struct op_answer a;
	int busy = store_busy_wait(call->store, HTTP_WRITE_BUSY_MS);

	if (http_write_begin(call, &w, kind) != 0) {
		store_busy_wait(call->store, busy);
		return;
	}
	http_write_env(&w, &env);
	switch (kind) {
	case HTTP_WRITE_DISPUTE_RAISE:
		op_dispute_raise(&env, &w.req.dispute, &a);
		break;
	case HTTP_WRITE_DISPUTE_RESPOND:
		op_dispute_respond(&env, &w.req.dispute, &a);
		break;
	case HTTP_WRITE_DISPUTE_ESCALATE:
		op_dispute_escalate(&env, &w.req.dispute, &a);
		break;
	case HTTP_WRITE_DISPUTE_RESOLVE:
		op_dispute_resolve(&env, &w.req.dispute, &a);
		break;
	case HTTP_WRITE_DISPUTE_CAFCASS:
		op_dispute_cafcass(&env, &w.req.dispute, &a);
		break;
	case HTTP_WRITE_REVIEW:
		op_review_record(&env, &w.req.review, &a);
		break;
	case HTTP_WRITE_PERMANENCE:
		op_permanence_record(&env, &w.req.review, &a);
		break;
	case HTTP_WRITE_ACTION_PROGRESS:
		op_action_progress(&env, &w.req.action, &a);
		break;
	case HTTP_WRITE_SUPERVISION:
		op_asye_supervision(&env, &w.req.asye, &a);
		break;
	case HTTP_WRITE_PROTECTED_TIME:
		op_asye_time(&env, &w.req.asye, &a);
		break;
	case HTTP_WRITE_NKINDS: /* http_write_parse refuses it: never here */
		store_busy_wait(call->store, busy);
		http_write_request_free(&w.req);
		http_reply_error(call, 500, NULL, "no such write");
		return;
	}
	store_busy_wait(call->store, busy);
	http_write_finish(&w, &a);
}

/* POST /v1/disputes {case_ref, iro_email, category, stage, note, raised_on}: raise a dispute. */
void
http_disputes_raise(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_DISPUTE_RAISE);
}

/* POST /v1/disputes/{id}/respond {note, on}. */
void
http_disputes_respond(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_DISPUTE_RESPOND);
}

/* POST /v1/disputes/{id}/escalate {to, note, on}. */
void
http_disputes_escalate(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_DISPUTE_ESCALATE);
}

/* POST /v1/disputes/{id}/resolve {outcome, on}. */
void
http_disputes_resolve(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_DISPUTE_RESOLVE);
}

/* POST /v1/disputes/{id}/cafcass {on, note}. */
void
http_disputes_cafcass(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_DISPUTE_CAFCASS);
}

/* POST /v1/children/{case_ref}/reviews {held_on, brought_forward}. */
void
http_children_review(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_REVIEW);
}

/* POST /v1/children/{case_ref}/permanence {plan, agreed_on}. */
void
http_children_permanence(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_PERMANENCE);
}

/* POST /v1/actions/{ref}/progress {plan, note, on, complete}. */
void
http_actions_progress(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_ACTION_PROGRESS);
}

/* POST /v1/workers/{id}/supervisions {held_on}. */
void
http_workers_supervision(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_SUPERVISION);
}

/* POST /v1/workers/{id}/protected-time {week_of, hours}. */
void
http_workers_protected_time(struct http_call *call)
{
	http_write_run(call, HTTP_WRITE_PROTECTED_TIME);
}
