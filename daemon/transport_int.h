/*
 * transport_int.h: private to the transport family (transport.c, send_*.c): the struct every
 * transport shares and the operations each type provides.
 */
#ifndef DRIFTWATCH_TRANSPORT_INT_H
#define DRIFTWATCH_TRANSPORT_INT_H

#include "transport.h"

struct transport;

struct transport_ops {
	const char *type;
	int (*init)(struct transport *t, char **cause);
	int (*send)(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause);
	void (*free)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	struct transport_config cfg; /* a deep copy: reloads free the config this came from */
	struct curlev *cev;
	struct event_base *base;
	int in_flight;
	void *priv;
};

extern const struct transport_ops send_mail_ops;
extern const struct transport_ops send_webhook_ops;
extern const struct transport_ops send_file_ops;

/* The JSON document a webhook posts (and the file transport writes in json format). Caller frees. */
char *transport_json_body(const struct notice *n, const char *format);
/* Is the host of a URL loopback (127.0.0.0/8, ::1, localhost)? */
int transport_url_is_loopback(const char *url);
/* A one-line error into status (no personal data). */
void transport_status(struct send_status *st, enum send_result result, long code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
