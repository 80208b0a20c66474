/*
 * http.h: the HTTP interface on libevent's evhttp: listeners from [http] listen, the limits
 * (body, headers, a deadline for a whole request, connections), the route table, request logs, and
 * the health and metrics routes. Everything runs on the daemon's one event loop.
 */
#ifndef DRIFTWATCH_HTTP_H
#define DRIFTWATCH_HTTP_H

#include <event2/event.h>
#include <time.h>

#include "config.h"
#include "store.h"

struct http; /* private */

/*
 * Listen on every [http] listen address, or on the sockets systemd passed instead (socket
 * activation), TCP ones with TLS when tls_cert_file is set. last_pass points at the time of the last planning pass
 * (kept by main.c), for GET /healthz. NULL and *cause when an address cannot be bound or a socket is refused.
 */
struct http *http_new(
    struct event_base *base, struct store *store, const struct config *cfg, const time_t *last_pass, char **cause);
/* How many sockets systemd passed (socket activation; LISTEN_FDS): 0 when none. */
int http_activated(void);
/*
 * A reload: the limits take effect for new requests, and a TLS certificate is read again (new
 * connections get it). listen, and TLS on or off, need a restart: see config.c.
 */
void http_set_config(struct http *h, const struct config *cfg);
/* Has an API write committed since the last call? (Clears it.) The daemon's own commits do not
 * move PRAGMA data_version, so main.c asks this too before re-planning. */
int http_take_changed(struct http *h);
/* When the last request was answered (CLOCK_MONOTONIC us; 0: none yet): the dispatcher's
 * dispatch_clients_cb, so a delivery pass lets a client's next request go first. arg: the http. */
long long http_last_answer(void *arg);
/* Stopping: GET /readyz answers 503 from now on. */
void http_set_stopping(struct http *h);
/* Close every listener and connection; removes unix sockets. NULL is fine. */
void http_free(struct http *h);

#endif
