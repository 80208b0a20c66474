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
#include "calendar.h"
#include "clock.h"
#include "disputes.h"
#include "disputes_json.h"
#include "http_int.h"
#include "plan_actions.h"
#include "reviews.h"
#include "reviews_json.h"

/* A positive decimal id from a path segment; -1 when it is not one. */
static int64_t
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
http_children(struct http_call *call, const char *case_ref, int only_overdue, int only_noplan, json_t *all,
    char **cause)
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
	if ((overdue = http_api_flag(call, &q, "overdue")) < 0 || (noplan = http_api_flag(call, &q, "no_permanence")) < 0) {
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
