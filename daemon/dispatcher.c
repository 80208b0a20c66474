/*
 * dispatcher.c: the delivery side of the outbox.
 *
 * A pass claims due rows per transport (as many messages as the transport has room for), groups
 * batchable reminders to one recipient into one message, marks the rows 'sending' (committed
 * before anything leaves, so a crash re-sends rather than loses) and hands each message to its
 * transport. The outcome is recorded only after the server answered: sent, retry with capped
 * exponential backoff and jitter (a receiver's Retry-After, cut to retry_after_max, replaces the
 * backoff but never makes a notice dead; the send window respected), or dead by our own policy
 * with the admin told once per endpoint and failing episode. If the database refuses to record
 * an outcome (full, locked), the outcome is kept in memory and recorded on a later pass.
 *
 * A circuit breaker per transport: after breaker_failures consecutive failures the endpoint is
 * paused for breaker_pause (or the receiver's Retry-After), then probed with one message at a time
 * until one succeeds.
 */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "curlev.h"
#include "dispatcher.h"
#include "log.h"
#include "notice.h"
#include "outbox.h"
#include "status.h"
#include "store.h"
#include "transport.h"
#include "xmalloc.h"

struct dispatch_endpoint {
	char *name;
	struct transport *transport;
	int failures;	     /* consecutive */
	time_t paused_until; /* breaker open until then; after it, half-open */
	int half_open;	     /* probing: one message at a time */
	int in_flight;
	time_t episode; /* when its current run of failures began (0: delivering); keys its admin alerts */
	int retired;	/* replaced by a reload: free when drained */
	struct dispatch_endpoint *next_retired;
};

enum dispatch_outcome_kind { OUTCOME_SENT, OUTCOME_RETRY, OUTCOME_DEAD };

/* An outcome the database has not recorded yet. */
struct dispatch_outcome {
	enum dispatch_outcome_kind kind;
	int64_t *ids;
	int n;
	time_t at; /* sent: when; retry: next attempt; dead: when */
	char *error;
	struct dispatch_outcome *next;
};

struct dispatch_message {
	struct dispatcher *d;
	struct dispatch_endpoint *ep;
	int64_t *ids;
	int n;
	struct outbox_row row;
	char *subject, *text, *html; /* composed for a batch */
	struct notice notice;
};

/* A message claimed in a pass: started once the claim is committed. */
struct dispatch_claim {
	struct dispatch_endpoint *ep;
	int64_t *ids;
	int n;
};

struct dispatcher {
	struct event_base *base;
	struct store *store;
	const struct config *cfg;
	struct curlev *cev;
	struct dispatch_endpoint **eps;
	int neps;
	struct dispatch_endpoint *retired;
	struct dispatch_outcome *unrecorded;
	struct outbox_sent *sent; /* accepted, recorded together at the start of the next pass */
	int nsent, sent_cap;
	int in_flight;
	int stopping;
	int wrote; /* committed since the last checkpoint */
	/* What a pass picks, kept from pass to pass: allocating (and zeroing) outbox_batch entries of
	 * each in every pass cost more than the picking. */
	struct {
		int cap;
		int64_t *ids;
		char **recipients;
		int *batchable, *group, *take;
	} pick;
	struct event ev_timer;
	struct event ev_kick;		 /* a pass wanted now, at LOOP_PRIORITY_BACKGROUND */
	struct event ev_late;		 /* ... and at the clients' priority after DISPATCH_LATE_MS */
	dispatch_clients_cb last_answer; /* when a client was last answered, or NULL */
	void *clients_arg;
};

/* How long a delivery pass waits for another connection's lock before trying again later. */
#define DISPATCH_BUSY_MS 100

static void dispatcher_pass(struct dispatcher *d);
static void dispatcher_timer_cb(evutil_socket_t fd, short what, void *arg);
static int dispatcher_flush_sent(struct dispatcher *d);

/* Free an endpoint. */
static void
dispatcher_endpoint_free(struct dispatch_endpoint *ep)
{
	transport_free(ep->transport);
	free(ep->name);
	free(ep);
}

/* Build one endpoint per configured transport; breaker state carried over by name. */
static int
dispatcher_build(struct dispatcher *d, const struct config *cfg, struct dispatch_endpoint ***out, char **cause)
{
	struct dispatch_endpoint **eps = xcalloc((size_t)cfg->ntransports, sizeof *eps);
	int i, j;

	for (i = 0; i < cfg->ntransports; i++) {
		eps[i] = xcalloc(1, sizeof *eps[i]);
		eps[i]->name = xstrdup(cfg->transports[i].t.name);
		if ((eps[i]->transport = transport_new(&cfg->transports[i].t, d->cev, cause)) == NULL) {
			for (j = 0; j <= i; j++) {
				if (eps[j]->transport != NULL)
					transport_free(eps[j]->transport);
				free(eps[j]->name);
				free(eps[j]);
			}
			free(eps);
			return -1;
		}
		for (j = 0; j < d->neps; j++) {
			if (strcmp(d->eps[j]->name, eps[i]->name) == 0) {
				eps[i]->failures = d->eps[j]->failures;
				eps[i]->paused_until = d->eps[j]->paused_until;
				eps[i]->half_open = d->eps[j]->half_open;
				eps[i]->episode = d->eps[j]->episode;
			}
		}
	}
	*out = eps;
	return 0;
}

/* Retire the current endpoints: free now those with nothing in flight, the rest when drained. */
static void
dispatcher_retire(struct dispatcher *d)
{
	int i;

	for (i = 0; i < d->neps; i++) {
		if (d->eps[i]->in_flight == 0)
			dispatcher_endpoint_free(d->eps[i]);
		else {
			d->eps[i]->retired = 1;
			d->eps[i]->next_retired = d->retired;
			d->retired = d->eps[i];
		}
	}
	free(d->eps);
	d->eps = NULL;
	d->neps = 0;
}

/* Ask for a pass from the event loop (never re-entering from a callback). */
static void
dispatcher_schedule_pass(struct dispatcher *d)
{
	static const struct timeval late = { 0, DISPATCH_LATE_MS * 1000 };

	event_active(&d->ev_kick, EV_TIMEOUT, 0);
	if (!evtimer_pending(&d->ev_late, NULL) && evtimer_add(&d->ev_late, &late) != 0)
		log_warnx("outbox: cannot arm the delivery timer");
}

/* The next due row's timer: a pass, behind any ready client (see dispatcher.h). */
static void
dispatcher_due_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	dispatcher_schedule_pass(arg);
}

/* The kick, at LOOP_PRIORITY_BACKGROUND: a pass, unless a client was answered a moment ago (its
 * next request goes first; the late timer, armed with the kick, runs the pass at the latest). */
static void
dispatcher_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatcher *d = arg;
	struct timespec ts;
	long long now, last;

	if (d->last_answer != NULL && (last = d->last_answer(d->clients_arg)) > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		if (now - last < DISPATCH_YIELD_US && evtimer_pending(&d->ev_late, NULL))
			return;
	}
	dispatcher_timer_cb(fd, what, arg);
}

/*
 * Kick callback (and its late twin): one pass. Its statements wait DISPATCH_BUSY_MS at most for another
 * connection's lock, not the store's 5 s: the loop (every HTTP client) waits with it, and a
 * refused pass is tried again in a second.
 */
static void
dispatcher_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dispatcher *d = arg;
	int busy;

	(void)fd, (void)what;
	event_del(&d->ev_kick); /* whichever of the two fired, this pass serves both */
	evtimer_del(&d->ev_late);
	busy = store_busy_wait(d->store, DISPATCH_BUSY_MS);
	dispatcher_pass(d);
	store_busy_wait(d->store, busy);
}

/* See dispatcher.h. */
struct dispatcher *
dispatcher_new(struct event_base *base, struct store *s, const struct config *cfg, char **cause)
{
	struct dispatcher *d = xcalloc(1, sizeof *d);
	char *err = NULL;
	int n;

	d->base = base;
	d->store = s;
	d->cfg = cfg;
	/*
	 * Every notice allocates and frees its body, headers and curl's buffers. By default glibc gives
	 * the top of the heap back to the kernel once 128 KB of it is free and takes it again a moment
	 * later: a brk and a run of page faults every few notices (1,000 brk and 4,000 faults for
	 * 20,000 webhooks). Keeping up to 32 MB of free heap (the daemon's whole peak is under 20 MB)
	 * costs no memory it did not already touch.
	 */
	mallopt(M_TRIM_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TOP_PAD, 1024 * 1024);
	if ((d->cev = curlev_new(base)) == NULL) {
		xasprintf(cause, "dispatcher: cannot start libcurl");
		free(d);
		return NULL;
	}
	if (dispatcher_build(d, cfg, &d->eps, cause) != 0) {
		curlev_free(d->cev);
		free(d);
		return NULL;
	}
	d->neps = cfg->ntransports;
	evtimer_assign(&d->ev_timer, base, dispatcher_due_cb, d);
	evtimer_assign(&d->ev_kick, base, dispatcher_kick_cb, d);
	evtimer_assign(&d->ev_late, base, dispatcher_timer_cb, d);
	/* A base without priorities (driftwatchctl's) runs every event alike. */
	if (event_base_get_npriorities(base) > LOOP_PRIORITY_BACKGROUND &&
	    event_priority_set(&d->ev_kick, LOOP_PRIORITY_BACKGROUND) != 0)
		log_warnx("outbox: cannot lower the delivery pass's priority");
	srandom((unsigned)(getpid() ^ time(NULL)));
	/* At-least-once: what a crash left half-sent goes out again (with the same ids). */
	if ((n = outbox_recover(s, &err)) < 0) {
		log_warnx("outbox: recovering rows left sending: %s", err);
		free(err);
	} else if (n > 0)
		log_info("outbox: %d notices were being sent when the daemon stopped; sending them again", n);
	return d;
}

/* See dispatcher.h. */
void
dispatcher_free(struct dispatcher *d)
{
	struct dispatch_endpoint *ep, *next;
	struct dispatch_outcome *o, *onext;

	if (d == NULL)
		return;
	event_del(&d->ev_timer);
	event_del(&d->ev_kick);
	event_del(&d->ev_late);
	if (dispatcher_flush_sent(d) != 0)
		log_warnx("outbox: %d sent notices could not be recorded; they will be sent again", d->nsent);
	free(d->sent);
	for (o = d->unrecorded; o != NULL; o = onext) {
		onext = o->next;
		log_warnx("outbox: %d notices' outcome could not be recorded; they will be sent again", o->n);
		free(o->ids), free(o->error), free(o);
	}
	for (ep = d->retired; ep != NULL; ep = next) {
		next = ep->next_retired;
		dispatcher_endpoint_free(ep);
	}
	d->retired = NULL;
	dispatcher_retire(d);
	/* Transfers still in flight are abandoned; their rows stay 'sending' and are recovered at start. */
	curlev_free(d->cev);
	free(d->pick.ids), free(d->pick.recipients), free(d->pick.batchable), free(d->pick.group), free(d->pick.take);
	free(d);
}

/* See dispatcher.h. */
int
dispatcher_set_config(struct dispatcher *d, const struct config *cfg, char **cause)
{
	struct dispatch_endpoint **eps;

	if (dispatcher_build(d, cfg, &eps, cause) != 0)
		return -1;
	dispatcher_retire(d);
	d->eps = eps;
	d->neps = cfg->ntransports;
	d->cfg = cfg;
	dispatcher_schedule_pass(d);
	return 0;
}

/* See dispatcher.h. */
void
dispatcher_set_clients(struct dispatcher *d, dispatch_clients_cb last_answer, void *arg)
{
	d->last_answer = last_answer;
	d->clients_arg = arg;
}

/* See dispatcher.h. */
void
dispatcher_kick(struct dispatcher *d)
{
	dispatcher_schedule_pass(d);
}

/* See dispatcher.h. */
time_t
dispatcher_next_due(struct dispatcher *d)
{
	return outbox_next_due(d->store);
}

/* See dispatcher.h. */
int
dispatcher_in_flight(const struct dispatcher *d)
{
	return d->in_flight;
}

/* See dispatcher.h. */
void
dispatcher_stop(struct dispatcher *d)
{
	d->stopping = 1;
	event_del(&d->ev_timer);
	dispatcher_flush_sent(d);
}

/* Record an outcome, or keep it for a later pass when the database refuses. */
static void
dispatcher_record(
    struct dispatcher *d, enum dispatch_outcome_kind kind, const int64_t *ids, int n, time_t at, const char *error)
{
	struct dispatch_outcome *o;
	char *cause = NULL;
	int rc;

	switch (kind) {
	case OUTCOME_SENT:
		rc = outbox_mark_sent(d->store, ids, n, at, &cause);
		break;
	case OUTCOME_RETRY:
		rc = outbox_mark_retry(d->store, ids, n, at, error, &cause);
		break;
	default:
		rc = outbox_mark_dead(d->store, ids, n, at, error, &cause);
		break;
	}
	if (rc == 0) {
		d->wrote = 1;
		return;
	}
	log_warnx("outbox: notice %lld: cannot record the outcome yet: %s (will try again)", (long long)ids[0], cause);
	free(cause);
	o = xcalloc(1, sizeof *o);
	o->kind = kind;
	o->ids = xreallocarray(NULL, (size_t)n, sizeof *ids);
	memcpy(o->ids, ids, (size_t)n * sizeof *ids);
	o->n = n;
	o->at = at;
	o->error = error != NULL ? xstrdup(error) : NULL;
	o->next = d->unrecorded;
	d->unrecorded = o;
}

/*
 * Record every message accepted since the last pass in one transaction: one commit (one fsync)
 * a pass instead of one a message. A crash before this re-sends them, as a crash before any
 * commit would. Returns 0 when all are recorded; on failure they stay for the next pass.
 */
static int
dispatcher_flush_sent(struct dispatcher *d)
{
	char *cause = NULL;

	if (d->nsent == 0)
		return 0;
	if (outbox_mark_sent_rows(d->store, d->sent, d->nsent, &cause) != 0) {
		log_warnx(
		    "outbox: %d sent notices: cannot record the outcome yet: %s (will try again)", d->nsent, cause);
		free(cause);
		return -1;
	}
	d->nsent = 0;
	return 0;
}

/* A message was accepted: keep its rows for the next flush. */
static void
dispatcher_sent(struct dispatcher *d, const int64_t *ids, int n, time_t at)
{
	int i;

	if (d->nsent + n > d->sent_cap) {
		d->sent_cap = d->nsent + n > 2 * d->sent_cap ? d->nsent + n : 2 * d->sent_cap;
		d->sent = xreallocarray(d->sent, (size_t)d->sent_cap, sizeof *d->sent);
	}
	for (i = 0; i < n; i++) {
		d->sent[d->nsent].id = ids[i];
		d->sent[d->nsent].leader = n > 1 ? ids[0] : 0;
		d->sent[d->nsent].at = at;
		d->nsent++;
	}
	if (d->stopping)
		dispatcher_flush_sent(d); /* no more passes: record it now */
}

/* Try again to record outcomes the database refused earlier. Returns 0 when all are recorded. */
static int
dispatcher_flush_unrecorded(struct dispatcher *d)
{
	struct dispatch_outcome *o = d->unrecorded, *next;

	d->unrecorded = NULL;
	for (; o != NULL; o = next) {
		next = o->next;
		dispatcher_record(d, o->kind, o->ids, o->n, o->at, o->error);
		free(o->ids), free(o->error), free(o);
	}
	return d->unrecorded == NULL ? 0 : -1;
}

/* The transport admin alerts go through: another than the failing one where one exists. */
static const char *
dispatcher_alert_transport(const struct config *cfg, const char *failing)
{
	int i;

	if (cfg->admin_transport != NULL)
		return cfg->admin_transport;
	for (i = 0; i < cfg->ntransports; i++) {
		if (failing == NULL || strcmp(cfg->transports[i].t.name, failing) != 0)
			return cfg->transports[i].t.name;
	}
	return failing;
}

/* Tell the admin (urgent, deduplicated); alerts about alerts are only logged. */
static void
dispatcher_alert(struct dispatcher *d, const char *failing, const char *key, const char *subject, const char *text)
{
	char *cause = NULL;

	if (d->cfg->admin_email == NULL) {
		log_error("outbox: %s (no admin_email to tell)", subject);
		return;
	}
	if (store_begin(d->store, &cause) != 0 ||
	    outbox_alert(d->store, d->cfg, dispatcher_alert_transport(d->cfg, failing), key, subject, text, true,
		clock_now(), NULL, &cause) != 0 ||
	    store_commit(d->store, &cause) != 0) {
		store_rollback(d->store);
		log_error("outbox: cannot queue the admin alert \"%s\": %s", subject, cause);
		free(cause);
	}
}

/* The endpoint's current failing episode, begun now if it was delivering. */
static time_t
dispatcher_episode(struct dispatch_endpoint *ep, time_t now)
{
	if (ep->episode == 0)
		ep->episode = now;
	return ep->episode;
}

/*
 * A notice is dead: record it and tell the admin (unless it was itself an alert). One alert per
 * endpoint and failing episode, not one per notice: a receiver that refuses 500 notices is one
 * problem for the admin, and the alert says where to list the rest.
 */
static void
dispatcher_dead(struct dispatcher *d, struct dispatch_message *msg, const char *why)
{
	char *key, *subject, *text;
	time_t now = clock_now();

	dispatcher_record(d, OUTCOME_DEAD, msg->ids, msg->n, now, why);
	log_error(
	    "outbox: notice %lld (%s via %s): dead: %s", (long long)msg->row.id, msg->row.kind, msg->ep->name, why);
	if (strcmp(msg->row.kind, "alert") == 0)
		return;
	xasprintf(&key, "alert:dead:%s:%lld", msg->ep->name, (long long)dispatcher_episode(msg->ep, now));
	xasprintf(&subject, "driftwatch: notices through %s could not be delivered", msg->ep->name);
	xasprintf(&text,
	    "driftwatch gave up on notice %lld (%s, %d in this message) to %s through transport \"%s\".\n\n"
	    "Last error: %s\n\n"
	    "It is marked dead and will not be sent again unless you ask. Other notices that die through\n"
	    "this transport before it delivers again are not told one by one; list them all with\n"
	    "  driftwatchctl outbox list --state dead\n"
	    "  driftwatchctl outbox show %lld\n  driftwatchctl outbox retry %lld   (or retry --dead)\n",
	    (long long)msg->row.id, msg->row.kind, msg->n, msg->row.recipient, msg->ep->name, why,
	    (long long)msg->row.id, (long long)msg->row.id);
	dispatcher_alert(d, msg->ep->name, key, subject, text);
	free(key), free(subject), free(text);
}

/* The delay before attempt n+1: first * 2^(n-1), capped, with "equal jitter" (half fixed, half random). */
static long
dispatcher_backoff(const struct config *cfg, int attempts)
{
	long delay = cfg->retry_first;
	int i;

	for (i = 1; i < attempts && delay < cfg->retry_max; i++)
		delay *= 2;
	if (delay > cfg->retry_max)
		delay = cfg->retry_max;
	return delay / 2 + (delay > 1 ? random() % (delay - delay / 2 + 1) : delay - delay / 2);
}

/* Free a message. */
static void
dispatcher_message_free(struct dispatch_message *msg)
{
	outbox_row_free(&msg->row);
	free(msg->ids), free(msg->subject), free(msg->text), free(msg->html);
	free(msg);
}

/* A transport finished one message. */
static void
dispatcher_done_cb(void *arg, const struct send_status *st)
{
	struct dispatch_message *msg = arg;
	struct dispatcher *d = msg->d;
	struct dispatch_endpoint *ep = msg->ep;
	const struct config *cfg = d->cfg;
	time_t now = clock_now(), next, own, deadline;
	char *key, *subject, *text;
	long wait;

	d->in_flight--;
	ep->in_flight--;
	switch (st->result) {
	case SEND_OK:
		dispatcher_sent(d, msg->ids, msg->n, now);
		log_debug(
		    "outbox: notice %lld: sent via %s (%d in the message)", (long long)msg->row.id, ep->name, msg->n);
		if (ep->failures > 0 || ep->half_open)
			log_info("outbox: transport %s: delivering again", ep->name);
		if (ep->half_open && status_record_breaker(d->store, ep->name, 0, now, 0, NULL) != 0)
			log_debug("outbox: transport %s: cannot record for status that it delivers again", ep->name);
		ep->failures = 0;
		ep->paused_until = 0;
		ep->half_open = 0;
		ep->episode = 0;
		break;
	case SEND_RETRY:
		ep->failures++;
		dispatcher_episode(ep, now);
		/* A receiver's Retry-After, cut to retry_after_max: its word on when, not a licence to hold
		 * notices for days (a misconfigured one says 300000). */
		wait = st->retry_after < cfg->retry_after_max ? st->retry_after : cfg->retry_after_max;
		if (ep->failures >= cfg->breaker_failures || ep->half_open) {
			/*
			 * Stop hammering it: pause, then probe with one message at a time. The receiver's
			 * Retry-After sets the pause when it gave one, shorter or longer than breaker_pause:
			 * it is the endpoint saying when it takes work again, where breaker_pause is our
			 * guess. The breaker still protects it, since after the pause it is probed with one
			 * message at a time: honouring "retry in 5 s" costs it one request every 5 s.
			 */
			long pause = wait > 0 ? wait : cfg->breaker_pause;

			if (ep->paused_until <= now)
				log_warnx("outbox: transport %s: %d failures in a row; pausing %lds before one probe%s",
				    ep->name, ep->failures, pause, wait > 0 ? " (its Retry-After)" : "");
			ep->paused_until = now + pause;
			ep->half_open = 1;
			if (status_record_breaker(d->store, ep->name, ep->failures, now, ep->paused_until, NULL) != 0)
				log_debug("outbox: transport %s: cannot record for status that it is paused", ep->name);
		}
		/* Our own policy alone decides that a notice is dead: the backoff would pass give_up_after. */
		deadline = msg->row.created_at + cfg->give_up_after;
		own = now + dispatcher_backoff(cfg, msg->row.attempts);
		if (!msg->row.urgent)
			own = calendar_next_window_open(cfg->calendar, &cfg->send_window, own);
		/* The receiver's wait replaces the backoff (it knows better), but never past the give-up
		 * time: a notice it pushes there gets its last attempt then, outside the window if need be. */
		next = own;
		if (wait > 0) {
			next = now + wait;
			if (!msg->row.urgent)
				next = calendar_next_window_open(cfg->calendar, &cfg->send_window, next);
			if (next > deadline)
				next = deadline > now ? deadline : now;
		}
		if (own > deadline) {
			char *why;
			xasprintf(&why, "gave up after %d attempts: %s", msg->row.attempts, st->error);
			dispatcher_dead(d, msg, why);
			free(why);
		} else {
			dispatcher_record(d, OUTCOME_RETRY, msg->ids, msg->n, next, st->error);
			log_info("outbox: notice %lld: attempt %d via %s failed (%s); next in %llds",
			    (long long)msg->row.id, msg->row.attempts, ep->name, st->error, (long long)(next - now));
		}
		break;
	case SEND_FAIL:
		dispatcher_dead(d, msg, st->error);
		break;
	case SEND_DISABLE:
		/* The endpoint is gone: keep the notices (not attempted against a dead address) and ask the admin. */
		dispatcher_record(d, OUTCOME_RETRY, msg->ids, msg->n, now, st->error);
		if (outbox_endpoint_disable(d->store, ep->name, now, st->error, NULL) != 0)
			log_warnx("outbox: transport %s: cannot record that it is disabled", ep->name);
		log_error("outbox: transport %s: the receiver says it is gone (%s); disabled until an admin runs "
			  "`driftwatchctl outbox enable %s`",
		    ep->name, st->error, ep->name);
		xasprintf(&key, "alert:disabled:%s:%lld", ep->name, (long long)dispatcher_episode(ep, now));
		xasprintf(&subject, "driftwatch: transport %s disabled", ep->name);
		xasprintf(&text,
		    "The receiver behind transport \"%s\" answered %ld (gone). driftwatch has stopped sending to it; "
		    "its notices are kept.\n\nFix the address in the rules, then:\n  driftwatchctl outbox enable %s\n",
		    ep->name, st->code, ep->name);
		dispatcher_alert(d, ep->name, key, subject, text);
		free(key), free(subject), free(text);
		break;
	}
	if (ep->retired && ep->in_flight == 0) {
		struct dispatch_endpoint **pp;
		for (pp = &d->retired; *pp != NULL; pp = &(*pp)->next_retired) {
			if (*pp == ep) {
				*pp = ep->next_retired;
				break;
			}
		}
		dispatcher_endpoint_free(ep);
	}
	dispatcher_message_free(msg);
	dispatcher_schedule_pass(d);
}

/* Order batch members by urgency, most urgent first, then by id. */
static int
dispatcher_cmp_urgency(const void *a, const void *b)
{
	const struct outbox_row *x = *(const struct outbox_row *const *)a, *y = *(const struct outbox_row *const *)b;

	if (x->urgency != y->urgency)
		return y->urgency - x->urgency;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The claimed row with this id (rows are ordered by id), or NULL. */
static struct outbox_row *
dispatcher_claimed(struct outbox_row *rows, int nrows, int64_t id)
{
	int lo = 0, hi = nrows - 1, mid;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (rows[mid].id == id)
			return &rows[mid];
		if (rows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Compose one message from several batchable notices to one person (their rows as claimed). */
static void
dispatcher_compose_batch(struct dispatch_message *msg, struct outbox_row *claimed, int nclaimed)
{
	const struct outbox_row **rows = xcalloc((size_t)msg->n, sizeof *rows);
	int i, loaded = 0;

	for (i = 0; i < msg->n; i++) {
		if ((rows[loaded] = dispatcher_claimed(claimed, nclaimed, msg->ids[i])) != NULL)
			loaded++;
	}
	qsort(rows, (size_t)loaded, sizeof *rows, dispatcher_cmp_urgency);
	xasprintf(&msg->subject, "Reminders: %d items need your attention", loaded);
	xasprintf(&msg->text, "You have %d items that need your attention, most urgent first.\n\n", loaded);
	/* The one look of every notice (notice_render.c), the items a numbered list inside it. */
	msg->html = notice_html_open(msg->subject, msg->subject, false);
	xappendf(&msg->html,
	    "<p style=\"margin:0 0 12px 0\">You have %d items that need your attention, most urgent "
	    "first.</p>\n<ol style=\"margin:0 0 12px 0;padding-left:24px\">\n",
	    loaded);
	for (i = 0; i < loaded; i++) {
		xappendf(&msg->text, "%d. %s\n\n", i + 1, rows[i]->batch_text);
		xappendf(&msg->html, "<li>%s</li>\n", rows[i]->batch_html != NULL ? rows[i]->batch_html : "");
	}
	xappendf(&msg->text, "One message per send window lists all your reminders.\n\n%s", notice_text_footer);
	xappendf(&msg->html,
	    "</ol>\n<p style=\"margin:0 0 12px 0;font-size:13px;color:#52606d\">One message per send "
	    "window lists all your reminders.</p>\n%s",
	    notice_html_close());
	for (i = 0; i < loaded; i++) {
		/* Without HTML for every item, send text only rather than a partial HTML part. */
		if (rows[i]->batch_html == NULL) {
			free(msg->html);
			msg->html = NULL;
			break;
		}
	}
	free(rows);
}

/*
 * Compose one claimed message from its rows as the pass loaded them after its claim, inside the
 * pass's transaction (one lock for the whole pass, and the rows as claimed: 'sending', this attempt
 * counted). Takes the ids, and its first row out of claimed. NULL when its first row vanished
 * (deleted by an admin since it was picked).
 */
static struct dispatch_message *
dispatcher_prepare(
    struct dispatcher *d, struct dispatch_endpoint *ep, int64_t *ids, int n, struct outbox_row *claimed, int nclaimed)
{
	struct outbox_row *first = dispatcher_claimed(claimed, nclaimed, ids[0]);
	struct dispatch_message *msg;
	struct notice *no;

	if (first == NULL) {
		log_warnx("outbox: notice %lld vanished before it was sent", (long long)ids[0]);
		free(ids);
		return NULL;
	}
	msg = xcalloc(1, sizeof *msg);
	no = &msg->notice;
	msg->d = d;
	msg->ep = ep;
	msg->ids = ids;
	msg->n = n;
	if (n > 1)
		dispatcher_compose_batch(msg, claimed, nclaimed);
	msg->row = *first; /* the message owns it now; the husk keeps its id, owning nothing */
	memset(first, 0, sizeof *first);
	first->id = msg->row.id;
	no->id = msg->row.id;
	no->dedupe_key = msg->row.dedupe_key;
	no->kind = msg->row.kind;
	no->recipient = msg->row.recipient;
	no->subject = n > 1 ? msg->subject : msg->row.subject;
	no->body_text = n > 1 ? msg->text : msg->row.body_text;
	no->body_html = n > 1 ? msg->html : msg->row.body_html;
	no->payload = n > 1 ? NULL : msg->row.payload;
	no->attachments = msg->row.attachments;
	no->nattachments = msg->row.nattachments;
	no->created_at = msg->row.created_at;
	no->attempts = msg->row.attempts; /* loaded after the claim: this attempt counted */
	no->urgent = msg->row.urgent;
	return msg;
}

/* Hand one prepared message to its transport (its claim is committed). */
static void
dispatcher_start(struct dispatcher *d, struct dispatch_message *msg)
{
	struct dispatch_endpoint *ep = msg->ep;
	char *cause = NULL;

	/* The real time, not the injected clock: the Date header and webhook-timestamp are read by the
	 * receiver against its own clock (Standard Webhooks refuses a timestamp 5 minutes off). The
	 * injected clock is in the bodies, rendered when the notice was queued. */
	msg->notice.now = time(NULL);
	d->in_flight++;
	ep->in_flight++;
	if (transport_send(ep->transport, &msg->notice, dispatcher_done_cb, msg, &cause) != 0) {
		d->in_flight--;
		ep->in_flight--;
		dispatcher_dead(d, msg, cause);
		free(cause);
		dispatcher_message_free(msg);
	}
}

/*
 * How many messages an endpoint should take in this pass (0: none). A pass costs a commit and an
 * fsync, so a busy endpoint is refilled only once a quarter of its concurrency is free: one commit
 * then records a quarter's worth of deliveries and claims as many, instead of one each. A paused
 * endpoint takes nothing; a half-open one, one probe at a time.
 */
static int
dispatcher_wants(const struct dispatch_endpoint *ep, time_t now)
{
	int cap = transport_capacity(ep->transport), refill = transport_concurrency(ep->transport) / 4;

	if (ep->paused_until > now)
		return 0;
	if (ep->half_open)
		return ep->in_flight == 0 ? 1 : 0;
	return cap >= (refill > 1 ? refill : 1) ? cap : 0;
}

/* Pick what one endpoint takes now (at most cap messages): appends a claim per message to *claims. */
static void
dispatcher_pick(struct dispatcher *d, struct dispatch_endpoint *ep, int cap, time_t now, struct dispatch_claim **claims,
    int *nclaims, int *claims_cap)
{
	int limit = d->cfg->outbox_batch, n = 0, i, j, nmsg = 0;
	int64_t *ids;
	char **recipients;
	int *batchable, *group, *take;

	if (d->pick.cap < limit) {
		d->pick.cap = limit;
		d->pick.ids = xreallocarray(d->pick.ids, (size_t)limit, sizeof *d->pick.ids);
		d->pick.recipients = xreallocarray(d->pick.recipients, (size_t)limit, sizeof *d->pick.recipients);
		d->pick.batchable = xreallocarray(d->pick.batchable, (size_t)limit, sizeof *d->pick.batchable);
		d->pick.group = xreallocarray(d->pick.group, (size_t)limit, sizeof *d->pick.group);
		d->pick.take = xreallocarray(d->pick.take, (size_t)limit, sizeof *d->pick.take);
	}
	ids = d->pick.ids, recipients = d->pick.recipients, batchable = d->pick.batchable;
	group = d->pick.group, take = d->pick.take;
	if (outbox_endpoint_disabled(d->store, ep->name))
		goto out;
	n = outbox_due(d->store, ep->name, now, limit, cap, ids, recipients, batchable);
	/* Group: each batchable row joins the first earlier batchable row to the same recipient. */
	for (i = 0; i < n; i++) {
		group[i] = i;
		if (!batchable[i])
			continue;
		for (j = 0; j < i; j++) {
			if (batchable[j] && group[j] == j && strcmp(recipients[j], recipients[i]) == 0) {
				group[i] = j;
				break;
			}
		}
	}
	/* Take as many messages as the transport has room for; the rest stay pending for the next pass. */
	for (i = 0; i < n; i++) {
		if (group[i] == i)
			take[i] = nmsg < cap ? (nmsg++, 1) : 0;
		else
			take[i] = take[group[i]];
	}
	for (i = 0; i < n; i++) {
		struct dispatch_claim *c;
		int m = 0;

		if (group[i] != i || !take[i])
			continue;
		if (*nclaims == *claims_cap) {
			*claims_cap = *claims_cap > 0 ? 2 * *claims_cap : 64;
			*claims = xreallocarray(*claims, (size_t)*claims_cap, sizeof **claims);
		}
		c = &(*claims)[(*nclaims)++];
		c->ep = ep;
		c->ids = xcalloc((size_t)n, sizeof *c->ids);
		for (j = i; j < n; j++) {
			if (group[j] == i)
				c->ids[m++] = ids[j];
		}
		c->n = m;
	}
out:
	for (i = 0; i < n; i++)
		free(recipients[i]);
}

/* Free claims not (or no longer) needed. */
static void
dispatcher_claims_free(struct dispatch_claim *claims, int nclaims)
{
	int i;

	for (i = 0; i < nclaims; i++)
		free(claims[i].ids);
	free(claims);
}

/*
 * One transaction a pass: pick what is due, record the notices accepted since the last commit as
 * sent, mark the new claims sending (one more attempt each) and load them (one statement each for
 * the whole pass), so a pass costs one lock and one commit (one fsync) however much it moves. The claims are committed before anything
 * leaves: a crash re-sends rather than loses. Accepted notices wait in memory for a pass that
 * claims, or until as many as the transports' concurrency have gathered, or until nothing is in
 * flight: a crash re-sends at most those (the receiver drops them by their ids).
 * Returns the number of prepared messages in *msgs, or -1 when the database refused (nothing changed).
 */
static int
dispatcher_claim(struct dispatcher *d, time_t now, const int *wants, struct dispatch_message ***msgs, char **cause)
{
	struct dispatch_claim *claims = NULL;
	struct dispatch_message *msg;
	struct outbox_row *rows = NULL;
	int i, n = 0, nclaims = 0, claims_cap = 0, concurrency = 0, flush, nrows = 0;

	*msgs = NULL;
	if (store_begin(d->store, cause) != 0)
		return -1;
	for (i = 0; i < d->neps; i++) {
		concurrency += transport_concurrency(d->eps[i]->transport);
		if (wants[i] > 0)
			dispatcher_pick(d, d->eps[i], wants[i], now, &claims, &nclaims, &claims_cap);
	}
	flush = d->nsent > 0 && (nclaims > 0 || d->nsent >= concurrency || d->in_flight == 0);
	if (flush && outbox_mark_sent_rows(d->store, d->sent, d->nsent, cause) != 0)
		goto fail;
	if (nclaims > 0) {
		int64_t *all;
		int nall = 0, j, rc;

		for (i = 0; i < nclaims; i++)
			nall += claims[i].n;
		all = xreallocarray(NULL, (size_t)nall, sizeof *all);
		for (nall = 0, i = 0; i < nclaims; i++) {
			for (j = 0; j < claims[i].n; j++)
				all[nall++] = claims[i].ids[j];
		}
		rc = outbox_mark_sending(d->store, all, nall, cause); /* one statement for the whole pass */
		if (rc != 0) {
			free(all);
			goto fail;
		}
		rows = xreallocarray(NULL, (size_t)nall, sizeof *rows);
		nrows = outbox_load_many(d->store, all, nall, rows); /* and one to read them back */
		free(all);
		*msgs = xreallocarray(NULL, (size_t)nclaims, sizeof **msgs);
	}
	for (i = 0; i < nclaims; i++) {
		if ((msg = dispatcher_prepare(d, claims[i].ep, claims[i].ids, claims[i].n, rows, nrows)) != NULL)
			(*msgs)[n++] = msg;
		claims[i].ids = NULL; /* the message has them */
	}
	free(claims);
	for (i = 0; i < nrows; i++)
		outbox_row_free(&rows[i]); /* what no message took: batch members, read for their text */
	free(rows);
	if (store_commit(d->store, cause) != 0) {
		for (i = 0; i < n; i++)
			dispatcher_message_free((*msgs)[i]);
		free(*msgs);
		*msgs = NULL;
		return -1;
	}
	if (flush)
		d->nsent = 0;
	d->wrote |= flush || nclaims > 0;
	return n;
fail:
	store_rollback(d->store);
	dispatcher_claims_free(claims, nclaims);
	return -1;
}

/* One pass over every endpoint, then arm the timer for the next due row or breaker probe. */
static void
dispatcher_pass(struct dispatcher *d)
{
	time_t now = clock_now(), next, wake = 0;
	struct dispatch_message **msgs = NULL;
	int i, n, *wants, any = d->in_flight == 0 && d->nsent > 0;
	char *cause = NULL;
	long ms;

	if (d->stopping)
		return;
	if (dispatcher_flush_unrecorded(d) != 0) {
		wake = now + 1; /* the database still refuses: try again shortly, claim nothing new */
		goto arm;
	}
	wants = xcalloc((size_t)d->neps + 1, sizeof *wants);
	for (i = 0; i < d->neps; i++)
		any |= (wants[i] = dispatcher_wants(d->eps[i], now)) > 0;
	n = any ? dispatcher_claim(d, now, wants, &msgs, &cause) : 0;
	free(wants);
	if (n < 0) {
		log_warnx("outbox: cannot record deliveries or claim notices: %s (will try again)", cause);
		free(cause);
		wake = now + 1; /* the database refuses: try again shortly, claim nothing new */
		goto arm;
	}
	for (i = 0; i < n; i++)
		dispatcher_start(d, msgs[i]);
	free(msgs);
	if (d->in_flight > 0)
		return; /* busy: a finishing transfer kicks the next pass, which arms the timer when all is quiet */
	/* Quiet: give the WAL back. The automatic checkpoint leaves up to 1 MB of it on disk (see
	 * store_open); a burst's WAL is copied and truncated once it is over (one fsync a burst). */
	if (d->wrote && store_checkpoint(d->store) == 0)
		d->wrote = 0;
	next = outbox_next_due(d->store);
	if (next > now)
		wake = next;
	else if (next != 0)
		wake = now + 1; /* due, yet nothing claimed: a paused endpoint (below) or the database */
	for (i = 0; i < d->neps; i++) {
		if (d->eps[i]->paused_until > now && (wake == 0 || d->eps[i]->paused_until < wake))
			wake = d->eps[i]->paused_until;
	}
arm:
	evtimer_del(&d->ev_timer);
	if (wake > 0) {
		struct timeval tv;
		ms = (long)(wake - now) * 1000;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = 0;
		if (event_add(&d->ev_timer, &tv) != 0)
			log_warnx("outbox: cannot arm the delivery timer");
	}
}
