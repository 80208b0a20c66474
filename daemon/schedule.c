/*
 * schedule.c: run the watchers. Each watcher fires in its own transaction, so notices and the state
 * they describe commit together, and one watcher's failure (a locked or full database) leaves the
 * others working; it is retried on the next pass. After a pass, each watcher's time, duration and
 * next wake are recorded for `driftwatchctl status` (one statement; a failure there is logged and
 * never fails the pass). On a first start the pass also decides the first-start hold.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "dirty.h"
#include "log.h"
#include "outbox.h"
#include "status.h"
#include "store.h"
#include "version.h"
#include "watch.h"
#include "xmalloc.h"

extern const struct watcher watch_actions;
extern const struct watcher watch_disputes;
extern const struct watcher watch_reviews;
extern const struct watcher watch_asye;
extern const struct watcher watch_digest;

/* The watchers, in the order they run. */
const struct watcher *const schedule_watchers[] = {
	&watch_actions,
	&watch_disputes,
	&watch_reviews,
	&watch_asye,
	&watch_digest,
	NULL,
};

#define SCHEDULE_NWATCHERS (sizeof schedule_watchers / sizeof schedule_watchers[0] - 1)

/* The daemon's run as schedule_start saw it: the hold decided after the first pass. */
static struct {
	bool holding;	     /* this run's first pass enqueues escalations held */
	bool status_failing; /* the last status write failed (said once, not every pass) */
	time_t started_at;
} schedule_run_state;

/* Milliseconds on the monotonic clock (durations, not dates: the injected clock is not for this). */
static long
schedule_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Tell the admin how many escalations the first start held and how to release them. */
static void
schedule_hold_alert(struct store *s, const struct config *cfg, int held, time_t now)
{
	char *key, *subject, *text, *cause = NULL;

	if (cfg->admin_email == NULL) {
		log_error("schedule: first start: %d overdue escalations held (no admin_email to tell)", held);
		return;
	}
	xasprintf(&key, "alert:first-start-hold:%lld", (long long)schedule_run_state.started_at);
	xasprintf(&subject, "driftwatch: first start: %d overdue escalations held", held);
	xasprintf(&text,
	    "driftwatch started on an empty outbox and its rules found %d overdue escalations, more than "
	    "first_start_hold (%d). It has sent none of them: a plan imported late would otherwise tell every "
	    "manager at once about things that may be settled already. Reminders before a due date were not held.\n\n"
	    "Look at them:\n  driftwatchctl outbox list --state held\n  driftwatchctl status\n\n"
	    "Then send them, once each:\n  driftwatchctl outbox release --all\n\n"
	    "or some of them:\n  driftwatchctl outbox release --rule actions:escalate\n  driftwatchctl outbox release ID\n",
	    held, cfg->first_start_hold);
	if (store_begin(s, &cause) != 0 ||
	    outbox_alert(s, cfg, outbox_transport_for(cfg, cfg->admin_transport), key, subject, text, true, now, NULL,
		&cause) != 0 ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		log_error("schedule: cannot queue the admin alert \"%s\": %s", subject, cause);
		free(cause);
	}
	free(key), free(subject), free(text);
}

/*
 * After the first pass of a first start: more held than first_start_hold and they stay held (the
 * admin told); as many or fewer and they go out as usual, released at once.
 */
static void
schedule_hold_decide(struct store *s, const struct config *cfg, time_t now)
{
	char *cause = NULL;
	int held, n;

	outbox_hold_escalations(s, false);
	schedule_run_state.holding = false;
	held = outbox_held_count(s);
	if (held > cfg->first_start_hold) {
		log_warnx(
		    "schedule: first start: %d overdue escalations held, more than first_start_hold (%d); none is "
		    "sent until `driftwatchctl outbox release --all`",
		    held, cfg->first_start_hold);
		schedule_hold_alert(s, cfg, held, now);
		return;
	}
	if (held == 0)
		return;
	if ((n = outbox_release(
		 s, NULL, 0, now, calendar_next_window_open(cfg->calendar, &cfg->send_window, now), &cause)) < 0) {
		log_warnx(
		    "schedule: first start: cannot release %d escalations (%s); `driftwatchctl outbox release --all` "
		    "sends them",
		    held, cause);
		free(cause);
		return;
	}
	log_info("schedule: first start: %d overdue escalations, within first_start_hold (%d): sent as usual", n,
	    cfg->first_start_hold);
}

/* Status is best effort: a failed write is logged, never fatal (rc and cause from a status_record_*). */
static void
schedule_status_written(int rc, const char *what, char *cause)
{
	if (rc != 0)
		log_warnx("schedule: cannot record the %s for status: %s", what, cause != NULL ? cause : "failed");
	free(cause);
}

/* See watch.h. */
void
schedule_start(struct store *s, const struct config *cfg, const char *rules, time_t now)
{
	char *cause = NULL;

	schedule_run_state.started_at = now;
	/* Only an outbox that never held a notice: every later start sends as it always did. */
	if (cfg->first_start_hold > 0 && outbox_never_used(s)) {
		log_info("schedule: first start (an empty outbox): more than %d overdue escalations will be held",
		    cfg->first_start_hold);
		outbox_hold_escalations(s, true);
		schedule_run_state.holding = true;
	}
	schedule_status_written(
	    status_record_start(s, (long)getpid(), DRIFTWATCH_VERSION, rules, now, &cause), "start", cause);
}

/* See watch.h. */
void
schedule_reloaded(struct store *s, time_t now)
{
	char *cause = NULL;

	schedule_status_written(status_record_loaded(s, now, &cause), "reload", cause);
}

/* See watch.h. */
int
schedule_replan_all(struct store *s, char **cause)
{
	if (store_begin(s, cause) != 0)
		return -1;
	if (dirty_mark_all(s, cause) != 0) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s, cause);
}

/* See watch.h. */
void
schedule_rules(struct store *s, const char *digest)
{
	char *old = NULL, *cause = NULL;

	/* Rules change every plan: marked whole in the transaction that records the digest, so a
	 * crash between the two cannot leave new rules with plans made under the old ones. */
	if (store_meta_get(s, "plan_rules", &old) == 0 && strcmp(old, digest) == 0) {
		free(old);
		return;
	}
	free(old);
	if (store_begin(s, &cause) != 0 || dirty_mark_all(s, &cause) != 0 ||
	    store_meta_set(s, "plan_rules", digest, &cause) != 0 || store_commit(s, &cause) != 0) {
		store_rollback(s);
		log_warnx("schedule: cannot mark every record for a re-plan under the new rules: %s", cause);
		free(cause);
		return;
	}
	log_info("schedule: the rules changed: every record is planned afresh");
}

/* See watch.h. */
void
schedule_stopped(struct store *s, time_t now)
{
	char *cause = NULL;

	schedule_status_written(status_record_stop(s, now, &cause), "stop", cause);
}

/*
 * A clock set back (by hand, or an injected clock restarted earlier) makes notices live again that
 * the plans kept for later passes had left behind: plan everything afresh, as the daemon always did
 * before planning what changed. The instant of the last pass is kept with the marks.
 */
static void
schedule_clock_check(struct store *s, time_t now)
{
	char *last = NULL, *cause = NULL, at[24];
	bool back;

	back = store_meta_get(s, "plan_at", &last) == 0 && strtoll(last, NULL, 10) > (long long)now;
	free(last);
	snprintf(at, sizeof at, "%lld", (long long)now);
	if (store_begin(s, &cause) != 0 || (back && dirty_mark_all(s, &cause) != 0) ||
	    store_meta_set(s, "plan_at", at, &cause) != 0 || store_commit(s, &cause) != 0) {
		store_rollback(s);
		log_warnx("schedule: cannot record the pass's instant: %s", cause != NULL ? cause : "failed");
		free(cause);
		return;
	}
	if (back)
		log_info("schedule: the clock went back: every record is planned afresh");
}

/* Run every watcher; see watch.h. */
int
schedule_run(struct store *s, const struct config *cfg, time_t now, time_t *next)
{
	const struct watcher *const *w;
	struct status_watcher pass[SCHEDULE_NWATCHERS];
	char *cause = NULL;
	time_t wake;
	long started;
	int failed = 0, n = 0, i;

	*next = 0;
	memset(pass, 0, sizeof pass);
	schedule_clock_check(s, now);
	for (w = schedule_watchers; *w != NULL; w++) {
		wake = 0;
		started = schedule_ms();
		pass[n].name = xstrdup((*w)->name);
		pass[n].at = now;
		if (store_begin(s, &cause) != 0)
			goto fail;
		if ((*w)->fire(s, cfg, now, &wake, &cause) != 0) {
			store_rollback(s);
			goto fail;
		}
		if (store_commit(s, &cause) != 0)
			goto fail;
		if (wake > now && (*next == 0 || wake < *next))
			*next = wake;
		pass[n].next = wake > now ? wake : 0;
		pass[n++].ms = schedule_ms() - started;
		continue;
	fail:
		log_warnx("schedule: %s: %s (will try again)", (*w)->name, cause != NULL ? cause : "failed");
		pass[n].error = cause != NULL ? cause : xstrdup("failed");
		pass[n++].ms = schedule_ms() - started;
		cause = NULL;
		failed++;
	}
	if (schedule_run_state.holding)
		schedule_hold_decide(s, cfg, now);
	/* Best effort: status is for the admin's eyes, the pass's work is already committed. */
	if (status_record_pass(s, pass, n, &cause) != 0) {
		if (!schedule_run_state.status_failing)
			log_warnx("schedule: cannot record the pass for status: %s (the pass itself is done)", cause);
		schedule_run_state.status_failing = true;
		free(cause);
	} else
		schedule_run_state.status_failing = false;
	for (i = 0; i < n; i++)
		free(pass[i].name), free(pass[i].error);
	return failed > 0 ? -1 : 0;
}
