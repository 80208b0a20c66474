/*
 * curlev.c: one libcurl multi handle on libevent through the multi socket API, keeping the
 * contract of curl's docs/examples/hiperfifo.c. curl says which sockets to watch and for what
 * (CURLMOPT_SOCKETFUNCTION) and when it next wants a call (CURLMOPT_TIMERFUNCTION); libevent tells
 * us when a socket is ready or the timer is due and we pass that on with curl_multi_socket_action;
 * finished transfers are collected with curl_multi_info_read and handed to their owners.
 *
 * Every transfer of every transport lives on this one multi handle, so they share its connection
 * cache: an SMTP session or an HTTPS keep-alive connection is reused by the next notice to the same
 * server instead of paying for a new TCP and TLS handshake each time.
 */
#include <sys/queue.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdlib.h>
#include <string.h>

#include "curlev.h"
#include "log.h"
#include "xmalloc.h"

/* Connections kept open in the cache, across every transport. */
#define CURLEV_MAXCONNECTS 256 /* at least every transport's concurrency, so connections are kept, not churned */

/* One socket curl asked us to watch. */
struct curlev_socket {
	struct curlev *cev;
	curl_socket_t fd;
	struct event ev;
	int assigned; /* ev holds an event_assign'd event */
	LIST_ENTRY(curlev_socket) entry;
};

/* One transfer on the multi handle and whom to tell when it ends. */
struct curlev_transfer {
	CURL *easy;
	curlev_done_cb done;
	void *arg;
	LIST_ENTRY(curlev_transfer) entry;
};

struct curlev {
	struct event_base *base;
	CURLM *multi;
	struct event timer;
	int running; /* transfers added and not yet done */
	LIST_HEAD(, curlev_socket) sockets;
	LIST_HEAD(, curlev_transfer) transfers;
};

static int curlev_global_done;

/* Hand every finished transfer back to its owner. */
static void
curlev_check_done(struct curlev *cev)
{
	struct curlev_transfer *tr;
	CURLMsg *msg;
	CURLcode result;
	CURL *easy;
	char *priv;
	int left;

	while ((msg = curl_multi_info_read(cev->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* msg is invalid once the handle is removed: copy what we need first. */
		easy = msg->easy_handle;
		result = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		curl_multi_remove_handle(cev->multi, easy);
		tr = (struct curlev_transfer *)(void *)priv;
		if (tr == NULL)
			continue;
		/* It is no longer ours: a curlev_remove from inside done must find nothing. */
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		LIST_REMOVE(tr, entry);
		cev->running--;
		tr->done(easy, result, tr->arg);
		free(tr);
	}
}

/* A socket curl watches is ready: tell curl, then collect what finished. */
static void
curlev_socket_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev_socket *cs = arg;
	struct curlev *cev = cs->cev;
	CURLMcode rc;
	int action = 0, still;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* cs may be freed inside this call (CURL_POLL_REMOVE): do not touch it afterwards. */
	rc = curl_multi_socket_action(cev->multi, fd, action, &still);
	if (rc != CURLM_OK)
		log_warnx("curlev: socket %d: %s", (int)fd, curl_multi_strerror(rc));
	/*
	 * Unlike hiperfifo.c we do not delete the timer when curl reports nothing running: a done
	 * callback may just have added the next transfer, and curl cancels its timer itself (-1).
	 */
	curlev_check_done(cev);
}

/* curl's timeout expired: let it run its timers, then collect what finished. */
static void
curlev_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cev = arg;
	CURLMcode rc;
	int still;

	(void)fd, (void)what;
	rc = curl_multi_socket_action(cev->multi, CURL_SOCKET_TIMEOUT, 0, &still);
	if (rc != CURLM_OK)
		log_warnx("curlev: timeout: %s", curl_multi_strerror(rc));
	curlev_check_done(cev);
}

/* Forget one watched socket. */
static void
curlev_socket_free(struct curlev_socket *cs)
{
	if (cs->assigned)
		event_del(&cs->ev);
	LIST_REMOVE(cs, entry);
	free(cs);
}

/* CURLMOPT_SOCKETFUNCTION: watch a socket for what curl wants now, or stop watching it. */
static int
curlev_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct curlev *cev = userp;
	struct curlev_socket *cs = socketp;
	short events = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs != NULL) {
			curl_multi_assign(cev->multi, fd, NULL);
			curlev_socket_free(cs);
		}
		return 0;
	}
	if (cs == NULL) {
		cs = xcalloc(1, sizeof *cs);
		cs->cev = cev;
		cs->fd = fd;
		LIST_INSERT_HEAD(&cev->sockets, cs, entry);
		curl_multi_assign(cev->multi, fd, cs);
	} else if (cs->assigned)
		event_del(&cs->ev);
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	event_assign(&cs->ev, cev->base, fd, events, curlev_socket_cb, cs);
	cs->assigned = 1;
	if (event_add(&cs->ev, NULL) != 0) {
		log_warnx("curlev: socket %d: cannot watch it", (int)fd);
		return -1; /* curl fails the transfers on this socket */
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: (re)arm or cancel our one timer; never call curl from inside here. */
static int
curlev_multi_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct curlev *cev = userp;
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

/* Make the multi handle and hook it to base; NULL if libcurl cannot start. */
struct curlev *
curlev_new(struct event_base *base)
{
	struct curlev *cev;

	/* Once per process, before any other libcurl call; the daemon is single-threaded. */
	if (!curlev_global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curlev_global_done = 1;
	}
	cev = xcalloc(1, sizeof *cev);
	cev->base = base;
	LIST_INIT(&cev->sockets);
	LIST_INIT(&cev->transfers);
	if ((cev->multi = curl_multi_init()) == NULL) {
		free(cev);
		return NULL;
	}
	evtimer_assign(&cev->timer, base, curlev_timer_cb, cev);
	curl_multi_setopt(cev->multi, CURLMOPT_SOCKETFUNCTION, curlev_sock_cb);
	curl_multi_setopt(cev->multi, CURLMOPT_SOCKETDATA, cev);
	curl_multi_setopt(cev->multi, CURLMOPT_TIMERFUNCTION, curlev_multi_timer_cb);
	curl_multi_setopt(cev->multi, CURLMOPT_TIMERDATA, cev);
	curl_multi_setopt(cev->multi, CURLMOPT_MAXCONNECTS, (long)CURLEV_MAXCONNECTS);
	return cev;
}

/* Stop everything; transfers still running are dropped without calling their owners. */
void
curlev_free(struct curlev *cev)
{
	struct curlev_transfer *tr;
	struct curlev_socket *cs;

	if (cev == NULL)
		return;
	while ((tr = LIST_FIRST(&cev->transfers)) != NULL) {
		log_debug("curlev: dropping a transfer still in flight");
		curl_multi_remove_handle(cev->multi, tr->easy);
		curl_easy_setopt(tr->easy, CURLOPT_PRIVATE, NULL);
		LIST_REMOVE(tr, entry);
		free(tr);
	}
	/* Cleanup closes cached connections and may still call curlev_sock_cb to remove sockets. */
	curl_multi_cleanup(cev->multi);
	while ((cs = LIST_FIRST(&cev->sockets)) != NULL)
		curlev_socket_free(cs);
	evtimer_del(&cev->timer);
	free(cev);
}

/* Start a transfer; see curlev.h. */
int
curlev_add(struct curlev *cev, CURL *easy, curlev_done_cb done, void *arg)
{
	struct curlev_transfer *tr;
	CURLMcode rc;

	tr = xcalloc(1, sizeof *tr);
	tr->easy = easy;
	tr->done = done;
	tr->arg = arg;
	curl_easy_setopt(easy, CURLOPT_PRIVATE, tr);
	/* Adding calls curlev_multi_timer_cb with 0, so the transfer starts from the loop, not here. */
	if ((rc = curl_multi_add_handle(cev->multi, easy)) != CURLM_OK) {
		log_warnx("curlev: cannot add a transfer: %s", curl_multi_strerror(rc));
		curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
		free(tr);
		return -1;
	}
	LIST_INSERT_HEAD(&cev->transfers, tr, entry);
	cev->running++;
	return 0;
}

/* Take a transfer out early; see curlev.h. */
void
curlev_remove(struct curlev *cev, CURL *easy)
{
	struct curlev_transfer *tr;
	char *priv = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
	if ((tr = (struct curlev_transfer *)(void *)priv) == NULL)
		return;
	curl_multi_remove_handle(cev->multi, easy);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, NULL);
	LIST_REMOVE(tr, entry);
	cev->running--;
	free(tr);
}

/* Transfers added and not yet done. */
int
curlev_running(const struct curlev *cev)
{
	return cev->running;
}

/* The event_base the transfers run on. */
struct event_base *
curlev_base(const struct curlev *cev)
{
	return cev->base;
}
