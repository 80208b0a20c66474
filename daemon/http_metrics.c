/*
 * http_metrics.c: GET /healthz, GET /readyz and GET /metrics (Prometheus text format 0.0.4).
 *
 * The figures are counted from the database at scrape time (store_metrics.c). Labels carry only
 * configuration names (states, transports, stages, import kinds): never a case reference.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "calendar.h"
#include "clock.h"
#include "http_int.h"
#include "plan_actions.h"
#include "store_metrics.h"
#include "xmalloc.h"

/* A planning pass older than this many ticks means the daemon is stuck. */
#define HTTP_STALE_TICKS 3

/* Delivery latency buckets, seconds: a minute's retry to a day's backlog. The outbox_latency tally
 * counts rows in exactly these (store.c, STORE_LATENCY_LE): change both, with a migration. */
static const double http_latency_bounds[] = { 1, 5, 15, 60, 300, 900, 3600, 14400, 86400 };
#define HTTP_NBOUNDS (int)(sizeof http_latency_bounds / sizeof http_latency_bounds[0])

/* GET /healthz: 200 when the database answers and the last pass is recent, else 503 and why. */
void
http_healthz(struct http_call *call)
{
	char *cause = NULL, *reason = NULL, when[32];
	time_t now = clock_now();
	long stale = (long)call->cfg->tick * HTTP_STALE_TICKS;
	json_t *body;

	if (store_metrics_ping(call->store, &cause) != 0) {
		xasprintf(&reason, "the database does not answer: %s", cause);
		free(cause);
	} else if (call->last_pass == 0)
		reason = xstrdup("no planning pass yet");
	else if (now - call->last_pass > stale)
		xasprintf(&reason, "the last planning pass was %lds ago (more than %lds)",
		    (long)(now - call->last_pass), stale);
	if (reason != NULL) {
		http_reply_json(call, 503, json_pack("{s:s,s:s}", "status", "unhealthy", "reason", reason));
		free(reason);
		return;
	}
	body = json_pack("{s:s,s:s}", "status", "ok", "last_pass", clock_format_utc(call->last_pass, when));
	http_reply_json(call, 200, body);
}

/* GET /readyz: 200 while serving, 503 once stopping (a load balancer stops sending). */
void
http_readyz(struct http_call *call)
{
	if (call->stopping)
		http_reply_json(
		    call, 503, json_pack("{s:s,s:s}", "status", "stopping", "reason", "the daemon is stopping"));
	else
		http_reply_json(call, 200, json_pack("{s:s}", "status", "ready"));
}

/* A label value escaped for the text format (backslash, double quote, newline). */
static void
http_metrics_label(char **out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			xappendf(out, "\\\\");
		else if (*v == '"')
			xappendf(out, "\\\"");
		else if (*v == '\n')
			xappendf(out, "\\n");
		else
			xappendf(out, "%c", *v);
	}
}

/* A family's HELP and TYPE lines. */
static void
http_metrics_family(char **out, const char *name, const char *type, const char *help)
{
	xappendf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Where grouped rows go while a family is written. */
struct http_metrics_sink {
	char **out;
	const char *name;
	const char *label_a, *label_b;
	int second; /* write v2 rather than v1 */
};

/* One grouped row as a sample line. */
static void
http_metrics_row_cb(void *arg, const char *a, const char *b, double v1, double v2)
{
	struct http_metrics_sink *k = arg;

	xappendf(k->out, "%s{%s=\"", k->name, k->label_a);
	http_metrics_label(k->out, a);
	if (k->label_b != NULL) {
		xappendf(k->out, "\",%s=\"", k->label_b);
		http_metrics_label(k->out, b != NULL ? b : "");
	}
	xappendf(k->out, "\"} %.17g\n", k->second ? v2 : v1);
}

/* Improvement actions by RAG as at today (computed, as the RAG is never stored). */
static int
http_metrics_actions(struct http_call *call, char **out, char **cause)
{
	struct action *v = NULL;
	int n = 0, i, counts[RAG_DROPPED + 1], today = calendar_local_date(clock_now());

	if (actions_load(call->store, NULL, &v, &n, cause) != 0)
		return -1;
	memset(counts, 0, sizeof counts);
	for (i = 0; i < n; i++)
		counts[plan_actions_rag(&v[i], call->cfg, call->cfg->calendar, today)]++;
	actions_free(v, n);
	http_metrics_family(out, "driftwatch_actions", "gauge", "Improvement actions by RAG status today.");
	for (i = RAG_RED; i <= RAG_DROPPED; i++)
		xappendf(
		    out, "driftwatch_actions{rag=\"%s\"} %d\n", plan_actions_rag_name((enum action_rag)i), counts[i]);
	return 0;
}

/* GET /metrics. */
void
http_metrics(struct http_call *call)
{
	char *out = NULL, *cause = NULL;
	int64_t sent = 0, dead = 0, failed = 0, counts[HTTP_NBOUNDS], count = 0;
	double sum = 0;
	struct http_metrics_sink k;
	int i;

	memset(&k, 0, sizeof k);
	k.out = &out;

	http_metrics_family(&out, "driftwatch_outbox_notices", "gauge", "Outbox rows by state and transport.");
	k.name = "driftwatch_outbox_notices", k.label_a = "state", k.label_b = "transport";
	if (store_metrics_outbox(call->store, http_metrics_row_cb, &k, &cause) != 0)
		goto fail;

	if (store_metrics_outcomes(call->store, &sent, &dead, &failed, &cause) != 0)
		goto fail;
	http_metrics_family(&out, "driftwatch_notices_sent_total", "counter", "Notices the receiver accepted.");
	xappendf(&out, "driftwatch_notices_sent_total %lld\n", (long long)sent);
	http_metrics_family(&out, "driftwatch_notices_dead_total", "counter", "Notices given up (the admin was told).");
	xappendf(&out, "driftwatch_notices_dead_total %lld\n", (long long)dead);
	http_metrics_family(&out, "driftwatch_delivery_attempts_failed_total", "counter",
	    "Delivery attempts that failed (and were retried or given up).");
	xappendf(&out, "driftwatch_delivery_attempts_failed_total %lld\n", (long long)failed);

	if (store_metrics_latency(call->store, http_latency_bounds, HTTP_NBOUNDS, counts, &count, &sum, &cause) != 0)
		goto fail;
	http_metrics_family(&out, "driftwatch_delivery_latency_seconds", "histogram",
	    "Seconds from a notice's creation to its delivery, over the notices sent.");
	for (i = 0; i < HTTP_NBOUNDS; i++)
		xappendf(&out, "driftwatch_delivery_latency_seconds_bucket{le=\"%g\"} %lld\n", http_latency_bounds[i],
		    (long long)counts[i]);
	xappendf(&out, "driftwatch_delivery_latency_seconds_bucket{le=\"+Inf\"} %lld\n", (long long)count);
	xappendf(&out, "driftwatch_delivery_latency_seconds_sum %.17g\n", sum);
	xappendf(&out, "driftwatch_delivery_latency_seconds_count %lld\n", (long long)count);

	http_metrics_family(&out, "driftwatch_last_pass_timestamp_seconds", "gauge",
	    "When the watchers last planned (seconds since the epoch; 0: not yet).");
	xappendf(&out, "driftwatch_last_pass_timestamp_seconds %lld\n", (long long)call->last_pass);

	http_metrics_family(&out, "driftwatch_disputes_open", "gauge", "Open IRO disputes by stage.");
	k.name = "driftwatch_disputes_open", k.label_a = "stage", k.label_b = NULL;
	if (store_metrics_disputes_open(call->store, http_metrics_row_cb, &k, &cause) != 0)
		goto fail;

	http_metrics_family(&out, "driftwatch_imports_total", "counter", "Imports run, by kind.");
	k.name = "driftwatch_imports_total", k.label_a = "kind", k.second = 0;
	if (store_metrics_imports(call->store, http_metrics_row_cb, &k, &cause) != 0)
		goto fail;
	http_metrics_family(&out, "driftwatch_import_last_timestamp_seconds", "gauge",
	    "When the last import of each kind ran (seconds since the epoch).");
	k.name = "driftwatch_import_last_timestamp_seconds", k.second = 1;
	if (store_metrics_imports(call->store, http_metrics_row_cb, &k, &cause) != 0)
		goto fail;

	if (http_metrics_actions(call, &out, &cause) != 0)
		goto fail;

	http_metrics_family(&out, "driftwatch_http_connections", "gauge", "HTTP connections open now.");
	xappendf(&out, "driftwatch_http_connections %d\n", call->nconns);

	http_reply(call, 200, "text/plain; version=0.0.4; charset=utf-8", out, strlen(out));
	free(out);
	return;
fail:
	free(out);
	http_reply_error(call, 503, NULL, cause != NULL ? cause : "the database does not answer");
	free(cause);
}
