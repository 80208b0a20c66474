/*
 * http_api.c: the JSON API under /v1 (reads). Each handler answers from the same functions and
 * JSON builders driftwatchctl uses, so the two always agree.
 */
#include <ctype.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "actions.h"
#include "actions_json.h"
#include "asye.h"
#include "asye_json.h"
#include "calendar.h"
#include "clock.h"
#include "disputes.h"
#include "disputes_json.h"
#include "http_int.h"
#include "outbox.h"
#include "plan_asye.h"
#include "plan_actions.h"
#include "reviews.h"
#include "reviews_json.h"
#include "xmalloc.h"

/* See http_int.h. */
int64_t
http_api_id(const char *s)
{
	const char *c;

	if (s == NULL || *s == '\0' || strlen(s) > 18)
		return -1;
	for (c = s; *c != '\0'; c++) {
		if (!isdigit((unsigned char)*c))
			return -1;
	}
	return strtoll(s, NULL, 10);
}

/* A yes/no query flag: 1, 0, or -1 (and a 400 answered) when it is neither. */
static int
http_api_flag(struct http_call *call, struct evkeyvalq *q, const char *name)
{
	const char *v = evhttp_find_header(q, name);

	if (v == NULL || strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
		return 1;
	http_reply_error(call, 400, name, "want 1 or 0 (true or false)");
	return -1;
}

/* Append one dispute to a JSON array. */
static void
http_disputes_list_cb(const struct dispute *d, void *arg)
{
	json_array_append_new(arg, disputes_json(d));
}

/* GET /v1/disputes[?open=1][&stage=S]: as `driftwatchctl dispute list --json`. */
void
http_disputes_list(struct http_call *call)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	const char *open, *stage;
	json_t *all = json_array();

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		json_decref(all);
		http_reply_error(call, 400, "query", "the query string does not parse");
		return;
	}
	open = evhttp_find_header(&q, "open");
	stage = evhttp_find_header(&q, "stage");
	if (open != NULL && strcmp(open, "1") != 0 && strcmp(open, "0") != 0 && strcmp(open, "true") != 0 &&
	    strcmp(open, "false") != 0) {
		evhttp_clear_headers(&q);
		json_decref(all);
		http_reply_error(call, 400, "open", "want 1 or 0 (true or false)");
		return;
	}
	disputes_list(call->store, open != NULL && (strcmp(open, "1") == 0 || strcmp(open, "true") == 0), stage,
	    http_disputes_list_cb, all);
	evhttp_clear_headers(&q);
	http_reply_json(call, 200, json_pack("{s:o}", "disputes", all));
}

/* GET /v1/disputes/{id}. */
void
http_disputes_show(struct http_call *call)
{
	int64_t id = http_api_id(call->param);
	struct dispute d;

	if (id < 0) {
		http_reply_error(call, 400, "id", "not a dispute number");
		return;
	}
	if (disputes_load(call->store, id, &d) != 0) {
		http_reply_error(call, 404, "id", "no such dispute");
		return;
	}
	http_reply_json(call, 200, disputes_json(&d));
	dispute_free(&d);
}

/* GET /v1/actions[?plan=P][&rag=R]: as `driftwatchctl actions list --json`, RAG as at today. */
void
http_actions_list(struct http_call *call)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	const char *plan, *ragname;
	struct action *v = NULL;
	char *cause = NULL;
	int n = 0, i, rag = -1, today = calendar_local_date(clock_now());
	json_t *all;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_error(call, 400, "query", "the query string does not parse");
		return;
	}
	plan = evhttp_find_header(&q, "plan");
	ragname = evhttp_find_header(&q, "rag");
	if (ragname != NULL && (rag = plan_actions_rag_parse(ragname)) < 0) {
		evhttp_clear_headers(&q);
		http_reply_error(call, 400, "rag", "want red, amber, green, blue, none or dropped");
		return;
	}
	if (actions_load(call->store, plan, &v, &n, &cause) != 0) {
		evhttp_clear_headers(&q);
		http_reply_error(call, 503, NULL, cause);
		free(cause);
		return;
	}
	all = json_array();
	for (i = 0; i < n; i++) {
		if (rag >= 0 && (int)plan_actions_rag(&v[i], call->cfg, call->cfg->calendar, today) != rag)
			continue;
		json_array_append_new(all, actions_json(&v[i], call->cfg, today));
	}
	actions_free(v, n);
	evhttp_clear_headers(&q);
	http_reply_json(call, 200, json_pack("{s:o}", "actions", all));
}

/* Children's reviews, one child (case_ref) or all (NULL), filtered; 0 or -1 with *cause. */
static int
http_children(
    struct http_call *call, const char *case_ref, int only_overdue, int only_noplan, json_t *all, char **cause)
{
	struct reviews_child *children = NULL;
	int n = 0, i, today = calendar_local_date(clock_now());
	bool overdue, lacks_plan;
	json_t *o;

	if (reviews_load(call->store, case_ref, &children, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		o = reviews_child_json(call->store, call->cfg, &children[i], today, &overdue, &lacks_plan);
		if (o == NULL)
			continue;
		if ((only_overdue && !overdue) || (only_noplan && !lacks_plan)) {
			json_decref(o);
			continue;
		}
		json_array_append_new(all, o);
	}
	reviews_children_free(children, n);
	return 0;
}

/* GET /v1/children[?overdue=1][&no_permanence=1]: as `driftwatchctl children list --json`. */
void
http_children_list(struct http_call *call)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	int overdue, noplan;
	char *cause = NULL;
	json_t *all;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_error(call, 400, "query", "the query string does not parse");
		return;
	}
	if ((overdue = http_api_flag(call, &q, "overdue")) < 0 ||
	    (noplan = http_api_flag(call, &q, "no_permanence")) < 0) {
		evhttp_clear_headers(&q);
		return;
	}
	evhttp_clear_headers(&q);
	all = json_array();
	if (http_children(call, NULL, overdue, noplan, all, &cause) != 0) {
		json_decref(all);
		http_reply_error(call, 503, NULL, cause);
		free(cause);
		return;
	}
	http_reply_json(call, 200, json_pack("{s:o}", "children", all));
}

/* GET /v1/children/{case_ref}. */
void
http_children_show(struct http_call *call)
{
	char *cause = NULL;
	json_t *all = json_array();

	if (http_children(call, call->param, 0, 0, all, &cause) != 0) {
		json_decref(all);
		http_reply_error(call, 503, NULL, cause);
		free(cause);
		return;
	}
	if (json_array_size(all) == 0) {
		json_decref(all);
		http_reply_error(call, 404, "case_ref", "no such child (or no period of care)");
		return;
	}
	http_reply_json(call, 200, json_incref(json_array_get(all, 0)));
	json_decref(all);
}

/* GET /v1/workers[?behind=1]: the ASYEs in their programme, as `driftwatchctl asye list --json`. */
void
http_workers_list(struct http_call *call)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	struct asye_roster r;
	struct asye_status st;
	char *cause = NULL;
	int behind, i, today = calendar_local_date(clock_now());
	json_t *all;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_error(call, 400, "query", "the query string does not parse");
		return;
	}
	behind = http_api_flag(call, &q, "behind");
	evhttp_clear_headers(&q);
	if (behind < 0)
		return;
	if (asye_roster_load(call->store, NULL, &r, &cause) != 0) {
		http_reply_error(call, 503, NULL, cause != NULL ? cause : "the database does not answer");
		free(cause);
		return;
	}
	all = json_array();
	for (i = 0; i < r.n; i++) {
		asye_status(&r.workers[i], call->cfg, today, &st);
		if (!st.in_programme || (behind && !st.behind && !st.supervision_overdue))
			continue;
		json_array_append_new(all, asye_json(&r.workers[i], &st));
	}
	asye_roster_free(&r);
	http_reply_json(call, 200, json_pack("{s:o}", "workers", all));
}

/* One outbox row as JSON: the fields of `driftwatchctl outbox list --json`. */
static void
http_outbox_row_cb(const struct outbox_row *r, void *arg)
{
	char created[32], next[32], sent[32];

	json_array_append_new(arg,
	    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)r->id, "state",
		r->state, "kind", r->kind, "transport", r->transport, "recipient", r->recipient, "subject", r->subject,
		"attempts", r->attempts, "created_at", clock_format_utc(r->created_at, created), "next_attempt_at",
		clock_format_utc(r->next_attempt_at, next), "sent_at",
		r->sent_at != 0 ? clock_format_utc(r->sent_at, sent) : NULL, "last_error", r->last_error));
}

/* GET /v1/outbox[?state=S][&limit=N]. */
void
http_outbox_list(struct http_call *call)
{
	static const char *const states[] = { "pending", "sending", "sent", "retry", "dead", NULL };
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	const char *state, *limit_text;
	int limit = 100, i, ok;
	json_t *all;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_error(call, 400, "query", "the query string does not parse");
		return;
	}
	state = evhttp_find_header(&q, "state");
	limit_text = evhttp_find_header(&q, "limit");
	for (i = 0, ok = state == NULL; state != NULL && states[i] != NULL; i++)
		ok |= strcmp(state, states[i]) == 0;
	if (!ok) {
		evhttp_clear_headers(&q);
		http_reply_error(call, 400, "state", "want pending, sending, sent, retry or dead");
		return;
	}
	if (limit_text != NULL && ((limit = (int)http_api_id(limit_text)) < 1 || limit > 10000)) {
		evhttp_clear_headers(&q);
		http_reply_error(call, 400, "limit", "want a whole number from 1 to 10000");
		return;
	}
	all = json_array();
	outbox_list(call->store, state, limit, http_outbox_row_cb, all);
	evhttp_clear_headers(&q);
	http_reply_json(call, 200, json_pack("{s:o}", "outbox", all));
}

/*
 * The query of an explain route: "at" (YYYY-MM-DD, like --at; default today; *given says whether it
 * was there) and, when plan is not NULL, "plan" (copied; caller frees). 0, or -1 with a 400 answered.
 */
static int
http_explain_query(struct http_call *call, int *at, int *given, char **plan)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(call->req));
	struct evkeyvalq q;
	const char *v;

	*at = calendar_local_date(clock_now());
	*given = 0;
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) != 0) {
		http_reply_error(call, 400, "query", "the query string does not parse");
		return -1;
	}
	if ((v = evhttp_find_header(&q, "at")) != NULL && date_parse(v, at) != 0) {
		evhttp_clear_headers(&q);
		http_reply_error(call, 400, "at", "want a date, YYYY-MM-DD");
		return -1;
	}
	*given = v != NULL;
	if (plan != NULL) {
		if ((v = evhttp_find_header(&q, "plan")) == NULL || *v == '\0') {
			evhttp_clear_headers(&q);
			http_reply_error(call, 400, "plan", "name the improvement plan: ?plan=P");
			return -1;
		}
		*plan = xstrdup(v);
	}
	evhttp_clear_headers(&q);
	return 0;
}

/* GET /v1/disputes/{id}/explain[?at=DATE]: as `driftwatchctl explain dispute ID --json`. */
void
http_disputes_explain(struct http_call *call)
{
	int64_t id = http_api_id(call->param);
	struct dispute d;
	int at, given;

	if (id < 0) {
		http_reply_error(call, 400, "id", "not a dispute number");
		return;
	}
	if (http_explain_query(call, &at, &given, NULL) != 0)
		return;
	if (disputes_load(call->store, id, &d) != 0) {
		http_reply_error(call, 404, "id", "no such dispute");
		return;
	}
	http_reply_json(call, 200, disputes_explain_json(call->store, call->cfg, &d, at));
	dispute_free(&d);
}

/* GET /v1/children/{case_ref}/explain[?at=DATE]: as `driftwatchctl explain child CASE --json`. */
void
http_children_explain(struct http_call *call)
{
	struct reviews_child *children = NULL;
	char *cause = NULL;
	int n = 0, at, given;

	if (http_explain_query(call, &at, &given, NULL) != 0)
		return;
	if (reviews_load(call->store, call->param, &children, &n, &cause) != 0) {
		http_reply_error(call, 503, NULL, cause != NULL ? cause : "the database does not answer");
		free(cause);
		return;
	}
	if (n == 0) {
		reviews_children_free(children, n);
		http_reply_error(call, 404, "case_ref", "no such child (or no period of care)");
		return;
	}
	http_reply_json(call, 200, reviews_explain_json(call->store, call->cfg, &children[0], at));
	reviews_children_free(children, n);
}

/* GET /v1/workers/{id}/explain[?at=DATE]: as `driftwatchctl explain worker PERSON --json`. */
void
http_workers_explain(struct http_call *call)
{
	struct asye_roster r;
	const struct asye_worker *w;
	char *cause = NULL;
	time_t now = clock_now();
	int at, given;

	if (http_explain_query(call, &at, &given, NULL) != 0)
		return;
	/* As --at: a date given is looked at from its midday. */
	if (given)
		now = calendar_local_time(at, 12 * 60);
	/* Everyone: the head of service may come from the workforce. */
	if (asye_roster_load(call->store, NULL, &r, &cause) != 0) {
		http_reply_error(call, 503, NULL, cause != NULL ? cause : "the database does not answer");
		free(cause);
		return;
	}
	if ((w = asye_roster_find(&r, call->param)) == NULL) {
		asye_roster_free(&r);
		http_reply_error(call, 404, "id", "no such person (import the workforce first)");
		return;
	}
	http_reply_json(call, 200, asye_explain_json(call->store, call->cfg, &r, w, at, now));
	asye_roster_free(&r);
}

/* GET /v1/actions/{ref}/explain?plan=P[&at=DATE]: as `driftwatchctl explain action PLAN REF --json`. */
void
http_actions_explain(struct http_call *call)
{
	struct action a;
	char *plan = NULL, *cause = NULL;
	json_t *o;
	int at, given;

	if (http_explain_query(call, &at, &given, &plan) != 0)
		return;
	if (actions_get(call->store, plan, call->param, &a) != 0) {
		free(plan);
		http_reply_error(call, 404, "ref", "no such action in that plan");
		return;
	}
	free(plan);
	if ((o = actions_explain_json(call->store, call->cfg, &a, at, &cause)) == NULL) {
		http_reply_error(call, 503, NULL, cause);
		free(cause);
	} else
		http_reply_json(call, 200, o);
	action_free(&a);
}
