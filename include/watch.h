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

/*
 * The daemon started (rules: its ini, NULL for the embedded defaults): recorded for status, and
 * on an outbox that never held a notice (and first_start_hold > 0) the first pass holds its
 * escalations, keeping them held when there are more than first_start_hold (the admin is told).
 */
void schedule_start(struct store *s, const struct config *cfg, const char *rules, time_t now);
/* The rules were reloaded / the daemon stopped cleanly: recorded for status. */
void schedule_reloaded(struct store *s, time_t now);
void schedule_stopped(struct store *s, time_t now);
/*
 * The rules in force, as a digest of everything they are read from (the ini, the bank holidays, the
 * version): when it differs from the one the plans were made under, every record is marked for a
 * full re-plan (see dirty.h). Best effort: a failure is logged.
 */
void schedule_rules(struct store *s, const char *digest);
/* Mark every record for a full re-plan at the next pass (a rules reload, `replan --all`). */
int schedule_replan_all(struct store *s, char **cause);
/* Run every watcher at now, each in its own transaction; *next = the earliest next wake (0: none).
 * Each watcher's pass is then recorded for status (best effort). */
int schedule_run(struct store *s, const struct config *cfg, time_t now, time_t *next);
/* Each watcher (watch_*.c). */

/* The watchers, NULL-terminated. */
extern const struct watcher *const schedule_watchers[];

#endif
