/*
 * http_int.h: private to the HTTP family (http*.c): one request being answered, the route table's
 * row, and the reply helpers. Nothing outside http*.c includes this file.
 */
#ifndef DRIFTWATCH_HTTP_INT_H
#define DRIFTWATCH_HTTP_INT_H

#include <event2/http.h>
#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "config.h"
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
	int nconns;	    /* connections open now */
	int status;	    /* set by the reply */
	const char *param;  /* the {id} of a route like /v1/disputes/{id} */
	int *changed;	    /* a write committed: set to 1 (see http_take_changed) */
};

struct http_route {
	enum evhttp_cmd_type method;
	const char *path;  /* a template: "{id}" matches one path segment */
	const char *scope; /* what a client must hold (NULL: no token needed) */
	void (*handler)(struct http_call *call);
};

/* Answer with a body of a content type. */
void http_reply(struct http_call *call, int status, const char *content_type, const char *body, size_t len);
/* Answer with JSON (takes the reference to body). */
void http_reply_json(struct http_call *call, int status, json_t *body);
/* Answer {"error": message[, "field": field]}. */
void http_reply_error(struct http_call *call, int status, const char *field, const char *message);

/* The routes in http_metrics.c. */
void http_healthz(struct http_call *call);
void http_readyz(struct http_call *call);
void http_metrics(struct http_call *call);
/* The routes in http_api.c. */
void http_disputes_list(struct http_call *call);
void http_disputes_show(struct http_call *call);
void http_actions_list(struct http_call *call);
void http_children_list(struct http_call *call);
void http_children_show(struct http_call *call);
void http_outbox_list(struct http_call *call);
void http_workers_list(struct http_call *call);
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

#endif
