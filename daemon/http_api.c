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
