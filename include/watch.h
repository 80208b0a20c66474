/*
 * watch.h: what each watcher (action plans, disputes, reviews, ASYE, digest) gives the scheduler.
 * A watcher plans its records with pure plan_*() functions and fires what is due: notices into the
 * outbox (their dedupe keys make a second firing a no-op), record state advanced, audit appended,
 * all inside the one transaction the scheduler holds open around the call.
 */
#ifndef DRIFTWATCH_WATCH_H
#define DRIFTWATCH_WATCH_H

#include <time.h>

struct config;
struct store;

struct watcher {
	const char *name;
	/*
	 * Fire everything due at or before now. Set *next to the earliest instant after now at which
	 * this watcher has something to do (leave it alone when nothing). 0, or -1 with *cause: the
	 * scheduler then rolls the transaction back and tries again later.
	 */
	int (*fire)(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause);
};

/* Run every watcher at now, each in its own transaction; *next = the earliest next wake (0: none). */
int schedule_run(struct store *s, const struct config *cfg, time_t now, time_t *next);
/* Each watcher (watch_*.c). */

/* The watchers, NULL-terminated. */
extern const struct watcher *const schedule_watchers[];

#endif
