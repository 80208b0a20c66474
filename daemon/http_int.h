/*
 * http_int.h: private to the HTTP family (http*.c): one request being answered, the route table's
 * row, and the reply helpers. Nothing outside http*.c includes this file.
 */
#ifndef DRIFTWATCH_HTTP_INT_H
#define DRIFTWATCH_HTTP_INT_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ops.h"
#include "store.h"

/* One request and what its handler may use. */
struct http_call {
	struct evhttp_request *req;
	struct store *store;
	const struct config *cfg;
	const char *route;  /* the route template, for the log */
	const char *client; /* the authenticated client's name, for the log and the audit trail */
	time_t last_pass;   /* the last planning pass (0: none yet) */
	time_t started;	    /* when the listener started */
	int stopping;
	int nconns;	   /* connections open now */
	int status;	   /* set by the reply */
	const char *param; /* the {id} of a route like /v1/disputes/{id} */
	int *changed;	   /* a write committed: set to 1 (see http_take_changed) */
	long long start;   /* when the request began (http_usec) */
	int deferred;	   /* the handler answers later (and logs the request then) */
};

struct http_route {
	enum evhttp_cmd_type method;
	const char *path;  /* a template: "{id}" matches one path segment */
	const char *scope; /* what a client must hold (NULL: no token needed) */
	void (*handler)(struct http_call *call);
};

/*
 * The router: the route for a method and a path, NULL when there is none. *tmpl is the template of
 * the route chosen, or else of the first route with this path (another method: 405), or NULL (no
 * such path: 404). *param is the {...} segment, copied into buf (strlen(path) + 1 bytes).
 */
const struct http_route *http_route_find(
    enum evhttp_cmd_type method, const char *path, char *buf, const char **param, const char **tmpl);
/* The route table (for the route test: every route must be in docs/openapi.yaml). */
const struct http_route *http_route_table(size_t *n);
/* A method's name: "GET". */
const char *http_method_name(enum evhttp_cmd_type m);
/* Now on the monotonic clock, in microseconds. */
long long http_usec(void);
/* The request log's line: method, route template, status, client, duration since start. */
void http_log_request(enum evhttp_cmd_type method, const char *route, int status, const char *client, long long start);

/* Answer with a body of a content type. */
void http_reply(struct http_call *call, int status, const char *content_type, const char *body, size_t len);
/* Answer with JSON (takes the reference to body). */
void http_reply_json(struct http_call *call, int status, json_t *body);
/* Answer {"error": message[, "field": field]}. */
void http_reply_error(struct http_call *call, int status, const char *field, const char *message);

/* The answer pages (http_answer.c): GET shows the confirmation form, POST acts once. */
void http_answer_show(struct http_call *call);
void http_answer_post(struct http_call *call);
/* The calendar feed (http_feed.c): GET /ics/{token}, TOKEN.ics in the path; the token is the credential. */
void http_feed_show(struct http_call *call);
/* The routes in http_metrics.c. */
void http_healthz(struct http_call *call);
void http_readyz(struct http_call *call);
void http_metrics(struct http_call *call);
/* A positive decimal id from a path segment (at most 18 digits); -1 when it is not one. */
int64_t http_api_id(const char *s);
/* The routes in http_api.c. */
void http_disputes_list(struct http_call *call);
void http_disputes_show(struct http_call *call);
void http_actions_list(struct http_call *call);
void http_children_list(struct http_call *call);
void http_children_show(struct http_call *call);
void http_outbox_list(struct http_call *call);
void http_workers_list(struct http_call *call);
/* The explain routes (GET .../explain[?at=DATE]), as driftwatchctl explain ... --json. */
void http_disputes_explain(struct http_call *call);
void http_children_explain(struct http_call *call);
void http_workers_explain(struct http_call *call);
void http_actions_explain(struct http_call *call);
/* The routes in http_write.c. */
void http_disputes_raise(struct http_call *call);
void http_disputes_respond(struct http_call *call);
void http_disputes_escalate(struct http_call *call);
void http_disputes_resolve(struct http_call *call);
void http_disputes_cafcass(struct http_call *call);
void http_children_review(struct http_call *call);
void http_children_permanence(struct http_call *call);
void http_actions_progress(struct http_call *call);
void http_workers_supervision(struct http_call *call);
void http_workers_protected_time(struct http_call *call);
/* Which write a POST body is for. */
enum http_write_kind {
	HTTP_WRITE_DISPUTE_RAISE,
	HTTP_WRITE_DISPUTE_RESPOND,
	HTTP_WRITE_DISPUTE_ESCALATE,
	HTTP_WRITE_DISPUTE_RESOLVE,
	HTTP_WRITE_DISPUTE_CAFCASS,
	HTTP_WRITE_REVIEW,
	HTTP_WRITE_PERMANENCE,
	HTTP_WRITE_ACTION_PROGRESS,
	HTTP_WRITE_SUPERVISION,
	HTTP_WRITE_PROTECTED_TIME,
	HTTP_WRITE_NKINDS
};
/* A write's body, parsed: the operation's request (the one of its kind), its strings in body. */
struct http_write_request {
	enum http_write_kind kind;
	json_t *body; /* the JSON object (NULL when the body is not one) */
	struct op_dispute_request dispute;
	struct op_review_request review;
	struct op_action_request action;
	struct op_asye_request asye;
	const char *field;   /* refused: the field at fault ("body", "id", a field's name: may point into body) */
	const char *message; /* refused: what is wrong */
};
/*
 * Parse the body of one write (no store, no I/O): the JSON object, only the fields of its kind,
 * each of its type, the required ones there, the {param} of the path (the dispute id checked).
 * An empty body is {}. 0 with the request filled, or -1 with field and message (a 400). Either
 * way release with http_write_request_free.
 */
int http_write_parse(
    enum http_write_kind kind, const char *param, const char *body, size_t len, struct http_write_request *r);
void http_write_request_free(struct http_write_request *r);
/* The fields a kind of write takes, NULL-terminated. */
const char *const *http_write_fields_of(enum http_write_kind kind);
/* The route in http_import.c: POST /v1/imports/{kind}, answered when the import child exits. */
void http_imports_post(struct http_call *call);
/* Stopping: kill an import in flight (its transaction rolls back) and answer 503; again at the
 * end (http_free), where it lets go of its SIGCHLD event. */
void http_import_stop(void);

/*
 * One part of a multipart/form-data body: its file name (as sent, NUL-terminated) and its bytes,
 * which point into the body.
 */
struct http_part {
	char *filename; /* NULL when the part has none */
	const char *data;
	size_t len;
};
/*
 * Split a multipart/form-data body by the boundary in its Content-Type. 0 with the parts (free with
 * http_parts_free), or -1 with *cause when the type or the body is not well formed.
 */
int http_multipart_parse(
    const char *content_type, const char *body, size_t len, struct http_part **parts, int *nparts, char **cause);
void http_parts_free(struct http_part *parts, int n);
/* A file name an upload may have: letters, digits, '.', '_', '-', 1 to 64, not starting with '.'. */
int http_import_filename_ok(const char *name);

#endif
