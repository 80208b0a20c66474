/*
 * dispatcher.h: the outbox's delivery side. Claims due rows in batches, groups batchable
 * reminders per recipient, hands each message to its transport, and records the outcome:
 * sent only after the server accepted; retry with capped exponential backoff and jitter
 * (Retry-After honoured up to retry_after_max); dead after give_up_after, with the admin told once per
 * endpoint and failing episode. A circuit breaker per
 * transport pauses an endpoint after repeated failures and probes it with one request at a time.
 */
#ifndef DRIFTWATCH_DISPATCHER_H
#define DRIFTWATCH_DISPATCHER_H

#include <time.h>

/*
 * The event loop's priorities (main.c gives the base LOOP_PRIORITIES): an event is at the middle
 * one unless set, and HTTP clients, signals and transfers are; a delivery pass (a claim and a
 * commit) waits at LOOP_PRIORITY_BACKGROUND until no client is ready, so a request that came
 * during a pass is answered before the next. A pass kept waiting DISPATCH_LATE_MS runs anyway:
 * delivery is slowed by a busy API, never stopped.
 */
#define LOOP_PRIORITIES 3
#define LOOP_PRIORITY_BACKGROUND 2
#define DISPATCH_LATE_MS 20
/*
 * A client answered within DISPATCH_YIELD_US is likely to send again at once (a form, a system
 * posting a batch): the pass then waits for its late timer rather than taking the gap between
 * two of its requests (at 4 clients a pass got into nearly every gap, and each write waited one
 * out). Told by dispatch_clients_cb: when the last request was answered (CLOCK_MONOTONIC us).
 */
#define DISPATCH_YIELD_US 2000
typedef long long (*dispatch_clients_cb)(void *arg);

struct config;
struct event_base;
struct store;
struct dispatcher; /* private */

/* Build transports from the config; rows left 'sending' by a crash go back to pending. */
struct dispatcher *dispatcher_new(struct event_base *base, struct store *s, const struct config *cfg, char **cause);
void dispatcher_free(struct dispatcher *d);
/* Swap in a reloaded config (transports rebuilt); -1 and *cause keeps the old one. */
int dispatcher_set_config(struct dispatcher *d, const struct config *cfg, char **cause);
/* Let clients go first (see DISPATCH_YIELD_US); NULL: none. */
void dispatcher_set_clients(struct dispatcher *d, dispatch_clients_cb last_answer, void *arg);
/* Claim and send what is due now (as far as transports have capacity). */
void dispatcher_kick(struct dispatcher *d);
/* The next instant a pending or retrying notice falls due (0: none). */
time_t dispatcher_next_due(struct dispatcher *d);
/* Messages in flight. */
int dispatcher_in_flight(const struct dispatcher *d);
/* Stop claiming new work (graceful stop); in-flight deliveries finish. */
void dispatcher_stop(struct dispatcher *d);

#endif
