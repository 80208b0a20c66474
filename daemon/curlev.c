/*
 * curlev.c: one libcurl multi handle driven by libevent through the multi socket API, with the
 * contract of curl's docs/examples/hiperfifo.c: curl tells us which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION) and when to call it back (CURLMOPT_TIMERFUNCTION); we tell curl what
 * happened with curl_multi_socket_action and collect finished transfers with
 * curl_multi_info_read. Keeping every transfer on one multi handle shares its connection cache,
 * so SMTP and HTTPS connections are reused.
 */
#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>
#include <string.h>

#include "curlev.h"
#include "log.h"
#include "xmalloc.h"

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event timer;
	int running;
};

/* What curl watches one socket for. */
struct curlev_socket {
	struct curlev *cev;
	curl_socket_t fd;
	struct event ev;
	int added;
};

/* What we remember about one transfer. */
struct curlev_transfer {
	curlev_done_cb done;
	void *arg;
};

static int curlev_global_ready;

/* Hand finished transfers back to their owners. */
static void
curlev_check(struct curlev *cev)
{
	struct curlev_transfer *tr;
	CURLMsg *msg;
	CURLcode result;
	CURL *easy;
	int left;

	while ((msg = curl_multi_info_read(cev->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		result = msg->data.result;
		tr = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&tr);
		/* Remove before the callback: it may reuse or free the easy handle. */
		curl_multi_remove_handle(cev->multi, easy);
		if (tr != NULL) {
			tr->done(easy, result, tr->arg);
			free(tr);
		}
	}
}

/* A watched socket is ready. */
static void
curlev_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cev = arg;
	int action = (what & EV_READ ? CURL_CSELECT_IN : 0) | (what & EV_WRITE ? CURL_CSELECT_OUT : 0);

	curl_multi_socket_action(cev->multi, fd, action, &cev->running);
	curlev_check(cev);
	if (cev->running <= 0 && evtimer_pending(&cev->timer, NULL))
		evtimer_del(&cev->timer);
}

/* curl's timeout expired. */
static void
curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cev = arg;

	(void)fd, (void)what;
	curl_multi_socket_action(cev->multi, CURL_SOCKET_TIMEOUT, 0, &cev->running);
	curlev_check(cev);
}

/* CURLMOPT_TIMERFUNCTION: -1 deletes the timer; 0 means "soon", from the loop, never from here. */
static int
curlev_multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curlev *cev = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(&cev->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (evtimer_add(&cev->timer, &tv) != 0) {
		log_warnx("curlev: cannot arm the timer");
		return -1;
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching a socket. */
static int
curlev_multi_socket_cb(CURL *easy, curl_socket_t fd, int what, void *arg, void *socketp)
{
	struct curlev *cev = arg;
	struct curlev_socket *sock = socketp;
	short kind;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (sock != NULL) {
			if (sock->added)
				event_del(&sock->ev);
			curl_multi_assign(cev->multi, fd, NULL);
			free(sock);
		}
		return 0;
	}
	if (sock == NULL) {
		sock = xcalloc(1, sizeof *sock);
		sock->cev = cev;
		sock->fd = fd;
		curl_multi_assign(cev->multi, fd, sock);
	} else if (sock->added) {
		event_del(&sock->ev);
		sock->added = 0;
	}
	kind = EV_PERSIST | (what & CURL_POLL_IN ? EV_READ : 0) | (what & CURL_POLL_OUT ? EV_WRITE : 0);
	event_assign(&sock->ev, cev->base, fd, kind, curlev_event_cb, cev);
	if (event_add(&sock->ev, NULL) != 0) {
		log_warnx("curlev: cannot watch socket %d", (int)fd);
		return -1;
	}
	sock->added = 1;
	return 0;
}

/* One multi handle on an event_base. */
struct curlev *
curlev_new(struct event_base *base)
{
	struct curlev *cev;

	if (!curlev_global_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curlev_global_ready = 1;
	}
	cev = xcalloc(1, sizeof *cev);
	cev->base = base;
	if ((cev->multi = curl_multi_init()) == NULL) {
		free(cev);
		return NULL;
	}
	evtimer_assign(&cev->timer, base, curlev_timer_cb, cev);
	curl_multi_setopt(cev->multi, CURLMOPT_SOCKETFUNCTION, curlev_multi_socket_cb);
	curl_multi_setopt(cev->multi, CURLMOPT_SOCKETDATA, cev);
	curl_multi_setopt(cev->multi, CURLMOPT_TIMERFUNCTION, curlev_multi_timer_cb);
	curl_multi_setopt(cev->multi, CURLMOPT_TIMERDATA, cev);
	/* Enough idle connections kept open to reuse one per endpoint and concurrent transfer. */
	curl_multi_setopt(cev->multi, CURLMOPT_MAXCONNECTS, 64L);
	return cev;
}

/* Free the multi handle; transfers still running are dropped without their callbacks. */
void
curlev_free(struct curlev *cev)
{
	if (cev == NULL)
		return;
	evtimer_del(&cev->timer);
	curl_multi_cleanup(cev->multi);
	free(cev);
}

/* Start a transfer; done runs from the loop when it ends. */
int
curlev_add(struct curlev *cev, CURL *easy, curlev_done_cb done, void *arg)
{
	struct curlev_transfer *tr = xcalloc(1, sizeof *tr);

	tr->done = done;
	tr->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, tr);
	if (curl_multi_add_handle(cev->multi, easy) != CURLM_OK) {
		free(tr);
		return -1;
	}
	return 0;
}

/* Transfers running. */
int
curlev_running(const struct curlev *cev)
{
	return cev->running;
}

/* The event_base transfers run on. */
struct event_base *
curlev_base(const struct curlev *cev)
{
	return cev->base;
}
