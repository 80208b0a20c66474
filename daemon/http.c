/*
 * http.c: the HTTP listener, its limits, the route table and the request log (see http.h).
 *
 * evhttp (libevent 2.1) enforces the body and header limits itself (413, and a lingering close so
 * the client reads the answer) and closes idle connections after `timeout`. What it lacks is a
 * deadline for a whole request and a cap on connections: a client sending a byte a second would
 * keep resetting its read timeout. So each connection's bufferevent is made here (evhttp's bevcb),
 * held by one extra reference, and a sweep every HTTP_SWEEP_MS closes a connection whose request
 * has been arriving for longer than `timeout`, closes connections over `connections_max`, and lets
 * go of the ones evhttp has freed (it clears their callbacks). Nothing here ever blocks on a client.
 *
 * TLS (tls_cert_file, tls_key_file) wraps every TCP listener's connections in bufferevent_openssl;
 * unix sockets stay plain (the file's mode guards them). TCP and unix listeners therefore sit on
 * two evhttp servers sharing one request callback. The certificate is read by config.c and turned
 * into a fresh SSL_CTX at every SIGHUP, so a renewed certificate needs no restart: connections
 * open on the old one keep it until they close. A TLS connection's deadline starts when it is
 * accepted, so a client dribbling its handshake is closed like any slow request.
 *
 * Under systemd socket activation (LISTEN_FDS, driftwatch.socket) the listeners are the sockets
 * systemd passes, and [http] listen is not used.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <systemd/sd-daemon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include "http.h"
#include "http_int.h"
#include "log.h"
#include "xmalloc.h"

#define HTTP_SWEEP_MS 100

/* One client connection, as seen from its bufferevent. */
struct http_conn {
	TAILQ_ENTRY(http_conn) entry;
	struct bufferevent *bev;
	long long request_start; /* when the current request's first bytes came (monotonic us) */
	int in_request;		 /* bytes came and the request is not yet whole */
	int refuse;		 /* over connections_max: close at the next sweep */
	int tls;		 /* over TLS: its first deadline started at accept */
};

struct http_listener {
	struct evhttp_bound_socket *bound;
	char *unix_path; /* to unlink at the end; NULL for TCP */
};

struct http {
	struct event_base *base;
	struct store *store;
	const struct config *cfg;
	const time_t *last_pass;
	time_t started;
	int stopping;
	struct evhttp *evhttp;	   /* plain: unix sockets, and TCP without TLS */
	struct evhttp *evhttp_tls; /* TCP with TLS; NULL without */
	SSL_CTX *tls_ctx;
	struct http_listener listeners[CONFIG_LIST_MAX];
	int nlisteners;
	TAILQ_HEAD(, http_conn) conns;
	int nconns;
	struct event ev_sweep;
	int changed;	       /* an API write committed since http_take_changed */
	long long last_answer; /* when the last request was answered (monotonic us; 0: none yet) */
	unsigned char (*token_hashes)[SHA256_DIGEST_LENGTH]; /* each [client]'s token, hashed once a config */
};

static void http_request_cb(struct evhttp_request *req, void *arg);

/* The route table: every route the daemon serves. */
static const struct http_route http_routes[] = {
	{ EVHTTP_REQ_GET, "/a/{token}", NULL, http_answer_show },
	{ EVHTTP_REQ_POST, "/a/{token}", NULL, http_answer_post },
	{ EVHTTP_REQ_GET, "/healthz", NULL, http_healthz },
	{ EVHTTP_REQ_GET, "/ics/{token}", NULL, http_feed_show },
	{ EVHTTP_REQ_GET, "/metrics", NULL, http_metrics },
	{ EVHTTP_REQ_GET, "/readyz", NULL, http_readyz },
	{ EVHTTP_REQ_GET, "/v1/actions", "read", http_actions_list },
	{ EVHTTP_REQ_GET, "/v1/actions/{ref}/explain", "read", http_actions_explain },
	{ EVHTTP_REQ_POST, "/v1/actions/{ref}/progress", "actions", http_actions_progress },
	{ EVHTTP_REQ_GET, "/v1/children", "read", http_children_list },
	{ EVHTTP_REQ_GET, "/v1/children/{case_ref}", "read", http_children_show },
	{ EVHTTP_REQ_GET, "/v1/children/{case_ref}/explain", "read", http_children_explain },
	{ EVHTTP_REQ_POST, "/v1/children/{case_ref}/permanence", "permanence", http_children_permanence },
	{ EVHTTP_REQ_POST, "/v1/children/{case_ref}/reviews", "reviews", http_children_review },
	{ EVHTTP_REQ_GET, "/v1/disputes", "read", http_disputes_list },
	{ EVHTTP_REQ_POST, "/v1/disputes", "disputes", http_disputes_raise },
	{ EVHTTP_REQ_GET, "/v1/disputes/{id}", "read", http_disputes_show },
	{ EVHTTP_REQ_POST, "/v1/disputes/{id}/cafcass", "disputes", http_disputes_cafcass },
	{ EVHTTP_REQ_POST, "/v1/disputes/{id}/escalate", "disputes", http_disputes_escalate },
	{ EVHTTP_REQ_GET, "/v1/disputes/{id}/explain", "read", http_disputes_explain },
	{ EVHTTP_REQ_POST, "/v1/disputes/{id}/resolve", "disputes", http_disputes_resolve },
	{ EVHTTP_REQ_POST, "/v1/disputes/{id}/respond", "disputes", http_disputes_respond },
	{ EVHTTP_REQ_POST, "/v1/imports/{kind}", "imports", http_imports_post },
	{ EVHTTP_REQ_GET, "/v1/outbox", "read", http_outbox_list },
	{ EVHTTP_REQ_GET, "/v1/workers", "read", http_workers_list },
	{ EVHTTP_REQ_GET, "/v1/workers/{id}/explain", "read", http_workers_explain },
	{ EVHTTP_REQ_POST, "/v1/workers/{id}/protected-time", "asye", http_workers_protected_time },
	{ EVHTTP_REQ_POST, "/v1/workers/{id}/supervisions", "asye", http_workers_supervision },
};
#define HTTP_NROUTES (sizeof http_routes / sizeof http_routes[0])

/* See http_int.h. */
const struct http_route *
http_route_table(size_t *n)
{
	*n = HTTP_NROUTES;
	return http_routes;
}

/* See http_int.h. */
const char *
http_method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	default:
		return "OTHER";
	}
}

/* See http_int.h: the monotonic clock, as the wall clock may be injected or jump. */
long long
http_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Input arrived on a connection: the first bytes of a request start its deadline. */
static void
http_input_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http_conn *c = arg;
	(void)buf;
	if (info->n_added > 0 && !c->in_request) {
		c->in_request = 1;
		c->request_start = http_usec();
	}
}

/* Keep an eye on a new connection's bufferevent (plain or TLS). */
static struct bufferevent *
http_conn_new(struct http *h, struct bufferevent *bev, int tls)
{
	struct http_conn *c = xcalloc(1, sizeof *c);

	c->bev = bev;
	c->tls = tls;
	/* Our reference keeps the bufferevent readable after evhttp frees it, until the sweep. */
	bufferevent_incref(c->bev);
	if (evbuffer_add_cb(bufferevent_get_input(c->bev), http_input_cb, c) == NULL)
		fatalx("http: evbuffer_add_cb failed");
	if (tls) {
		/* The handshake counts as the first request's arrival: its deadline starts now. */
		c->in_request = 1;
		c->request_start = http_usec();
	}
	if (h->nconns >= h->cfg->http_connections_max)
		c->refuse = 1;
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->nconns++;
	return c->bev;
}

/* evhttp wants a bufferevent for a new plain connection. */
static struct bufferevent *
http_bev_cb(struct event_base *base, void *arg)
{
	struct bufferevent *bev;

	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("http: bufferevent_socket_new failed");
	return http_conn_new(arg, bev, 0);
}

/* evhttp wants a bufferevent for a new TLS connection: OpenSSL accepts on it. */
static struct bufferevent *
http_bev_tls_cb(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct bufferevent *bev;
	SSL *ssl;

	if ((ssl = SSL_new(h->tls_ctx)) == NULL)
		fatalx("http: SSL_new failed");
	/* CLOSE_ON_FREE frees the SSL with the bufferevent. */
	if ((bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		fatalx("http: bufferevent_openssl_socket_new failed");
	/* Clients often close without close_notify once they have the answer: not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return http_conn_new(h, bev, 1);
}

/*
 * An SSL_CTX from the certificate chain and key config.c read (PEM in memory): TLS 1.2 or later.
 * NULL and *cause when OpenSSL refuses them.
 */
static SSL_CTX *
http_tls_ctx(const struct config *cfg, char **cause)
{
	SSL_CTX *ctx = NULL;
	BIO *bio = NULL;
	X509 *x;
	EVP_PKEY *key = NULL;
	char when[64];
	const ASN1_TIME *not_after;
	const char *reason;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* The first certificate is ours; any after it is the chain up to the authority. */
	if ((bio = BIO_new_mem_buf(cfg->http_tls_cert, -1)) == NULL ||
	    (x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL)) == NULL)
		goto fail;
	if (SSL_CTX_use_certificate(ctx, x) != 1) {
		X509_free(x);
		goto fail;
	}
	not_after = X509_get0_notAfter(x);
	X509_free(x);
	when[0] = '\0';
	{
		BIO *m = BIO_new(BIO_s_mem());
		int n;
		if (m != NULL && ASN1_TIME_print(m, not_after) == 1 && (n = BIO_read(m, when, sizeof when - 1)) > 0)
			when[n] = '\0';
		BIO_free(m);
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(ctx, x) != 1) {
			X509_free(x);
			goto fail;
		}
	}
	ERR_clear_error(); /* the end of the file */
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(cfg->http_tls_key, -1)) == NULL ||
	    (key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	EVP_PKEY_free(key);
	BIO_free(bio);
	log_info("http: TLS certificate from %s, valid until %s", cfg->http_tls_cert_file, when);
	return ctx;
fail:
	reason = ERR_reason_error_string(ERR_peek_error());
	xasprintf(cause, "http: TLS: %s, %s: %s", cfg->http_tls_cert_file, cfg->http_tls_key_file,
	    reason != NULL ? reason : "refused");
	ERR_clear_error();
	EVP_PKEY_free(key);
	BIO_free(bio);
	SSL_CTX_free(ctx);
	return NULL;
}

/* Has evhttp let go of this connection? It clears every callback when it frees the bufferevent. */
static int
http_conn_gone(struct http_conn *c)
{
	bufferevent_event_cb eventcb = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return eventcb == NULL;
}

/* Forget a connection: our reference goes, and with it the socket. */
static void
http_conn_free(struct http *h, struct http_conn *c)
{
	TAILQ_REMOVE(&h->conns, c, entry);
	h->nconns--;
	bufferevent_decref(c->bev);
	free(c);
}

/* Close a connection through evhttp, as if its read had timed out (evhttp then frees it). */
static void
http_conn_close(struct http_conn *c)
{
	c->in_request = 0;
	bufferevent_trigger_event(c->bev, BEV_EVENT_READING | BEV_EVENT_TIMEOUT, 0);
}

/* The sweep: reap freed connections, drop requests past their deadline and refused connections. */
static void
http_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http *h = arg;
	struct http_conn *c, *next;
	long long now = http_usec(), limit = (long long)h->cfg->http_timeout * 1000000;

	(void)fd, (void)what;
	for (c = TAILQ_FIRST(&h->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (http_conn_gone(c)) {
			http_conn_free(h, c);
			continue;
		}
		if (c->refuse) {
			log_warnx("http: more than %d connections; one closed", h->cfg->http_connections_max);
			c->refuse = 0;
			http_conn_close(c);
		} else if (c->in_request && now - c->request_start > limit) {
			log_warnx(
			    "http: a request was still arriving after %ds; connection closed", h->cfg->http_timeout);
			http_conn_close(c);
		}
	}
}

/* The connection a request came on; NULL if unknown. */
static struct http_conn *
http_conn_of(struct http *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct http_conn *c;

	TAILQ_FOREACH(c, &h->conns, entry) {
		if (c->bev == bev)
			return c;
	}
	return NULL;
}

/* See http_int.h. */
void
http_reply(struct http_call *call, int status, const char *content_type, const char *body, size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(call->req);
	struct evkeyvalq *headers = evhttp_request_get_output_headers(call->req);

	evhttp_add_header(headers, "Content-Type", content_type);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	if (evbuffer_add(out, body, len) != 0)
		fatalx("http: evbuffer_add failed");
	call->status = status;
	evhttp_send_reply(call->req, status, NULL, NULL);
}

/* See http_int.h. */
void
http_reply_json(struct http_call *call, int status, json_t *body)
{
	char *text = json_dumps(body, JSON_COMPACT), *line;

	if (text == NULL)
		fatalx("http: json_dumps failed");
	xasprintf(&line, "%s\n", text);
	http_reply(call, status, "application/json", line, strlen(line));
	free(line), free(text);
	json_decref(body);
}

/* See http_int.h. */
void
http_reply_error(struct http_call *call, int status, const char *field, const char *message)
{
	json_t *body = json_pack("{s:s}", "error", message);

	if (field != NULL)
		json_object_set_new(body, "field", json_string(field));
	http_reply_json(call, status, body);
}

/*
 * Does a path match a route template? "{id}" stands for one non-empty segment, handed back in
 * *param (a copy in buf, which holds at least strlen(path) + 1 bytes).
 */
static int
http_route_match(const char *tmpl, const char *path, char *buf, const char **param)
{
	const char *brace = strchr(tmpl, '{'), *close, *end;
	size_t n;

	if (brace == NULL)
		return strcmp(tmpl, path) == 0;
	n = (size_t)(brace - tmpl);
	if (strncmp(tmpl, path, n) != 0 || (close = strchr(brace, '}')) == NULL)
		return 0;
	path += n;
	end = strchr(path, '/');
	if (end == NULL)
		end = path + strlen(path);
	if (end == path || strcmp(close + 1, end) != 0)
		return 0;
	memcpy(buf, path, (size_t)(end - path));
	buf[end - path] = '\0';
	*param = buf;
	return 1;
}

/* See http_int.h. */
const struct http_route *
http_route_find(enum evhttp_cmd_type method, const char *path, char *buf, const char **param, const char **tmpl)
{
	size_t i;

	*param = NULL, *tmpl = NULL;
	for (i = 0; path != NULL && i < HTTP_NROUTES; i++) {
		if (!http_route_match(http_routes[i].path, path, buf, param))
			continue;
		if (*tmpl == NULL)
			*tmpl = http_routes[i].path;
		if (http_routes[i].method == method ||
		    (method == EVHTTP_REQ_HEAD && http_routes[i].method == EVHTTP_REQ_GET)) {
			*tmpl = http_routes[i].path;
			return &http_routes[i];
		}
	}
	*param = NULL;
	return NULL;
}

/*
 * Who is calling: the [client] whose token is the bearer token. Both sides are hashed first (the
 * clients' once a config, in hashes), so the comparison takes the same time whatever the token's length, and CRYPTO_memcmp takes the
 * same time wherever the first difference is. Replies 401 (no or unknown token) or 403 (outside
 * the client's scopes) and returns -1; 0 with call->client set.
 */
static int
http_authenticate(struct http_call *call, unsigned char (*hashes)[SHA256_DIGEST_LENGTH], const char *scope)
{
	struct evkeyvalq *headers = evhttp_request_get_input_headers(call->req);
	const char *auth = evhttp_find_header(headers, "Authorization");
	unsigned char have[SHA256_DIGEST_LENGTH];
	const struct config_client *found = NULL;
	int i;

	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 || auth[7] == '\0') {
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "WWW-Authenticate", "Bearer");
		http_reply_error(call, 401, NULL, "an Authorization: Bearer token is needed");
		return -1;
	}
	SHA256((const unsigned char *)auth + 7, strlen(auth + 7), have);
	for (i = 0; i < call->cfg->nclients; i++) {
		if (CRYPTO_memcmp(hashes[i], have, sizeof have) == 0)
			found = &call->cfg->clients[i];
	}
	if (found == NULL) {
		evhttp_add_header(
		    evhttp_request_get_output_headers(call->req), "WWW-Authenticate", "Bearer error=\"invalid_token\"");
		http_reply_error(call, 401, NULL, "the token is not one of a [client]");
		return -1;
	}
	call->client = found->name;
	if (!config_client_may(found, scope)) {
		http_reply_error(call, 403, NULL, "this client may not do that (see may = in its [client] section)");
		return -1;
	}
	return 0;
}

/* Every request: route it, answer it, log it (the route template, never the path itself). */
static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	struct http_conn *c = http_conn_of(h, req);
	struct http_call call;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	long long start = http_usec();
	const struct http_route *route;
	char *param_buf = xmalloc(path != NULL ? strlen(path) + 1 : 1);
	const char *param = NULL, *tmpl = NULL;

	if (c != NULL) {
		/* The whole request is here: its deadline no longer applies. */
		if (c->in_request)
			start = c->request_start;
		c->in_request = 0;
	}
	memset(&call, 0, sizeof call);
	call.req = req;
	call.store = h->store;
	call.cfg = h->cfg;
	call.last_pass = *h->last_pass;
	call.started = h->started;
	call.stopping = h->stopping;
	call.nconns = h->nconns;
	call.changed = &h->changed;
	call.start = start;
	route = http_route_find(method, path, param_buf, &param, &tmpl);
	call.route = tmpl;
	call.param = param;
	if (route != NULL) {
		if (route->scope == NULL || http_authenticate(&call, h->token_hashes, route->scope) == 0)
			route->handler(&call);
	} else if (tmpl != NULL) {
		http_reply_error(&call, 405, NULL, "method not allowed on this route");
	} else
		http_reply_error(&call, 404, NULL, "no such route");
	/* A deferred answer (an import running in its child) is logged when it goes. */
	if (!call.deferred)
		http_log_request(method, call.route, call.status, call.client, start);
	free(param_buf);
	h->last_answer = http_usec();
}

/* See http.h. */
long long
http_last_answer(void *arg)
{
	const struct http *h = arg;

	return h->last_answer;
}

/* See http.h. */
int
http_take_changed(struct http *h)
{
	int changed = h->changed;

	h->changed = 0;
	return changed;
}

/* See http_int.h. */
void
http_log_request(enum evhttp_cmd_type method, const char *route, int status, const char *client, long long start)
{
	log_info("http: %s %s %d client=%s %.1fms", http_method_name(method), route != NULL ? route : "-", status,
	    client != NULL ? client : "-", (double)(http_usec() - start) / 1000.0);
}

/* Apply the limits from a config to one evhttp server. */
static void
http_apply_limits_to(struct http *h, struct evhttp *e)
{
	evhttp_set_max_body_size(e, h->cfg->http_body_max);
	evhttp_set_max_headers_size(e, h->cfg->http_header_max);
	evhttp_set_timeout(e, h->cfg->http_timeout);
}

/* Hash each [client]'s token once, rather than at every request. */
static void
http_hash_tokens(struct http *h)
{
	int i;

	free(h->token_hashes);
	h->token_hashes = xcalloc((size_t)h->cfg->nclients + 1, sizeof *h->token_hashes);
	for (i = 0; i < h->cfg->nclients; i++)
		SHA256((const unsigned char *)h->cfg->clients[i].token, strlen(h->cfg->clients[i].token),
		    h->token_hashes[i]);
}

/* Apply the limits (and the clients' tokens) from a config to both servers. */
static void
http_apply_limits(struct http *h)
{
	http_hash_tokens(h);
	http_apply_limits_to(h, h->evhttp);
	if (h->evhttp_tls != NULL)
		http_apply_limits_to(h, h->evhttp_tls);
}

/* A new evhttp server answering through http_request_cb. */
static struct evhttp *
http_server_new(struct http *h, struct bufferevent *(*bevcb)(struct event_base *, void *))
{
	struct evhttp *e;

	if ((e = evhttp_new(h->base)) == NULL)
		fatalx("http: evhttp_new failed");
	/* Read a refused body to its end before answering 413, so the client sees the answer. */
	evhttp_set_flags(e, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_allowed_methods(e,
	    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
		EVHTTP_REQ_OPTIONS);
	evhttp_set_bevcb(e, bevcb, h);
	evhttp_set_gencb(e, http_request_cb, h);
	http_apply_limits_to(h, e);
	return e;
}

/* Listen on a unix socket: a stale socket file from an earlier run is replaced. */
static int
http_listen_unix(struct http *h, const char *path, char **cause)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		xasprintf(cause, "http: %s: path too long for a unix socket", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "http: socket: %s", strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(fd, 128) != 0) {
		xasprintf(cause, "http: %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	/* Whoever shares the daemon's group may call the API (the tokens still apply). */
	if (chmod(path, 0660) != 0)
		log_warn("http: chmod %s", path);
	if ((h->listeners[h->nlisteners].bound = evhttp_accept_socket_with_handle(h->evhttp, fd)) == NULL) {
		xasprintf(cause, "http: %s: cannot accept on it", path);
		close(fd);
		unlink(path);
		return -1;
	}
	h->listeners[h->nlisteners++].unix_path = xstrdup(path);
	return 0;
}

/* Listen on HOST:PORT ([::1]:PORT for IPv6). */
static int
http_listen_tcp(struct http *h, const char *addr, char **cause)
{
	const char *colon = strrchr(addr, ':');
	char *host = xstrndup(addr, (size_t)(colon - addr));
	int port = atoi(colon + 1);

	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((h->listeners[h->nlisteners].bound = evhttp_bind_socket_with_handle(
		 h->evhttp_tls != NULL ? h->evhttp_tls : h->evhttp, host, (ev_uint16_t)port)) == NULL) {
		xasprintf(cause, "http: cannot listen on %s: %s", addr, strerror(errno));
		free(host);
		return -1;
	}
	h->nlisteners++;
	free(host);
	return 0;
}

/*
 * Serve on a socket systemd passed (socket activation). A TCP socket off loopback needs TLS, as
 * [http] listen does; a unix socket is always plain.
 */
static int
http_listen_fd(struct http *h, int fd, char **cause)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char addr[INET6_ADDRSTRLEN + 16] = "?";
	struct evhttp *e = h->evhttp;
	int loopback = 1;

	if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0 || getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		xasprintf(cause, "http: fd %d from systemd is not a listening stream socket", fd);
		return -1;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &in->sin_addr, addr, sizeof addr);
		loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
		snprintf(addr + strlen(addr), sizeof addr - strlen(addr), ":%u", ntohs(in->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		addr[0] = '[';
		inet_ntop(AF_INET6, &in6->sin6_addr, addr + 1, sizeof addr - 1);
		loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
		snprintf(addr + strlen(addr), sizeof addr - strlen(addr), "]:%u", ntohs(in6->sin6_port));
	} else if (ss.ss_family == AF_UNIX)
		strcpy(addr, "unix socket");
	if (ss.ss_family != AF_UNIX) {
		if (h->evhttp_tls != NULL)
			e = h->evhttp_tls;
		else if (!loopback) {
			xasprintf(cause,
			    "http: systemd passed %s: plain HTTP only on loopback or a unix socket "
			    "(set tls_cert_file and tls_key_file, or ListenStream=127.0.0.1:PORT)",
			    addr);
			return -1;
		}
	}
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	if ((h->listeners[h->nlisteners].bound = evhttp_accept_socket_with_handle(e, fd)) == NULL) {
		xasprintf(cause, "http: fd %d (%s) from systemd: cannot accept on it", fd, addr);
		return -1;
	}
	h->nlisteners++;
	log_info("http: listening on %s (socket activation, fd %d)%s", addr, fd, e == h->evhttp_tls ? " with TLS" : "");
	return 0;
}

/* See http.h. */
int
http_activated(void)
{
	int n = sd_listen_fds(0);

	return n > 0 ? n : 0;
}

/* See http.h. */
struct http *
http_new(struct event_base *base, struct store *store, const struct config *cfg, const time_t *last_pass, char **cause)
{
	struct http *h = xcalloc(1, sizeof *h);
	struct timeval sweep = { 0, HTTP_SWEEP_MS * 1000 };
	int i, rc, nfds;

	h->base = base;
	h->store = store;
	h->cfg = cfg;
	h->last_pass = last_pass;
	h->started = time(NULL);
	TAILQ_INIT(&h->conns);
	http_hash_tokens(h);
	h->evhttp = http_server_new(h, http_bev_cb);
	if (cfg->http_tls_cert != NULL && cfg->http_tls_key != NULL) {
		if ((h->tls_ctx = http_tls_ctx(cfg, cause)) == NULL)
			goto fail;
		h->evhttp_tls = http_server_new(h, http_bev_tls_cb);
	}
	/* unset: the sockets are ours alone, not a child's (we start none, but say so). */
	if ((nfds = sd_listen_fds(1)) < 0) {
		xasprintf(cause, "http: socket activation: %s", strerror(-nfds));
		goto fail;
	}
	if (nfds > 0) {
		if (cfg->http_nlisten > 0)
			log_info(
			    "http: systemd passed %d socket%s: [http] listen is not used", nfds, nfds == 1 ? "" : "s");
		if (nfds > CONFIG_LIST_MAX) {
			xasprintf(cause, "http: systemd passed %d sockets; at most %d", nfds, CONFIG_LIST_MAX);
			goto fail;
		}
		for (i = 0; i < nfds; i++) {
			if (http_listen_fd(h, SD_LISTEN_FDS_START + i, cause) != 0)
				goto fail;
		}
	}
	for (i = 0; nfds == 0 && i < cfg->http_nlisten; i++) {
		if (strncmp(cfg->http_listen[i], "unix:", 5) == 0)
			rc = http_listen_unix(h, cfg->http_listen[i] + 5, cause);
		else
			rc = http_listen_tcp(h, cfg->http_listen[i], cause);
		if (rc != 0)
			goto fail;
		log_info("http: listening on %s%s", cfg->http_listen[i],
		    h->evhttp_tls != NULL && strncmp(cfg->http_listen[i], "unix:", 5) != 0 ? " with TLS" : "");
	}
	event_assign(&h->ev_sweep, base, -1, EV_PERSIST, http_sweep_cb, h);
	if (event_add(&h->ev_sweep, &sweep) != 0)
		fatalx("http: event_add failed");
	return h;
fail:
	http_free(h);
	return NULL;
}

/* See http.h. */
void
http_set_config(struct http *h, const struct config *cfg)
{
	SSL_CTX *ctx;
	char *cause = NULL;

	if (h == NULL)
		return;
	h->cfg = cfg;
	http_apply_limits(h);
	/* A renewed certificate: new connections get it; open ones keep theirs (SSL_new holds a reference). */
	if (h->tls_ctx != NULL && cfg->http_tls_cert != NULL && cfg->http_tls_key != NULL) {
		if ((ctx = http_tls_ctx(cfg, &cause)) == NULL) {
			log_warnx("%s; keeping the certificate in use", cause);
			free(cause);
		} else {
			SSL_CTX_free(h->tls_ctx);
			h->tls_ctx = ctx;
		}
	}
}

/* See http.h. */
void
http_set_stopping(struct http *h)
{
	if (h == NULL)
		return;
	h->stopping = 1;
	/* While the loop still runs, so the import's caller reads its 503. */
	http_import_stop();
}

/* See http.h. */
void
http_free(struct http *h)
{
	struct http_conn *c;
	int i;

	if (h == NULL)
		return;
	if (event_initialized(&h->ev_sweep))
		event_del(&h->ev_sweep);
	/* Before evhttp_free, which frees the request an import child would answer. */
	http_import_stop();
	/* evhttp_free closes every connection; then our references go. */
	if (h->evhttp != NULL)
		evhttp_free(h->evhttp);
	if (h->evhttp_tls != NULL)
		evhttp_free(h->evhttp_tls);
	while ((c = TAILQ_FIRST(&h->conns)) != NULL)
		http_conn_free(h, c);
	SSL_CTX_free(h->tls_ctx);
	if (h->token_hashes != NULL)
		OPENSSL_cleanse(h->token_hashes, sizeof *h->token_hashes * ((size_t)h->cfg->nclients + 1));
	free(h->token_hashes);
	for (i = 0; i < h->nlisteners; i++) {
		if (h->listeners[i].unix_path != NULL)
			unlink(h->listeners[i].unix_path);
		free(h->listeners[i].unix_path);
	}
	free(h);
}
