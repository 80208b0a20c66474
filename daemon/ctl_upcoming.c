/*
 * ctl_upcoming.c: `driftwatchctl upcoming [--days N] [--to EMAIL] [--json]`: every notice the next
 * N days bring, per recipient. Rather than a second reading of the rules, it runs the daemon's own
 * watchers (the same planners, recipient routing, dedupe keys and send-window rules) over a copy
 * of the database in memory, from now to the horizon, waking when they say they next have work
 * (and at least hourly, as the daemon's backstop would): a dispute that moves up on Tuesday
 * produces Wednesday's notices to the next responder, as it will for the daemon. The copy is
 * thrown away: nothing is enqueued or written. Notices already waiting in the outbox are listed too,
 * and on a database the daemon never ran on, what its first start would hold is marked held.
 */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "status.h"
#include "store.h"
#include "watch.h"
#include "xmalloc.h"

#define UPCOMING_STEP (60 * 60) /* at most this between simulated passes */
#define UPCOMING_MAX_PASSES 100000

/* One listed notice (copied out of the store's row). */
struct upcoming_entry {
	char *recipient, *kind, *subject, *dedupe_key, *transport;
	time_t at; /* when the daemon sends it: its next attempt */
	bool batched;
	bool queued; /* already in the outbox (pending or retry) */
	bool held;   /* the first-start hold would keep it until released */
};

struct upcoming_list {
	struct upcoming_entry *v;
	int n;
	time_t horizon;
	const char *to; /* only this recipient (NULL: all) */
	bool queued;	/* the rows being collected are already in the outbox */
};

/* Collect one row when it goes out before the horizon (and to the recipient asked for). */
static void
ctl_upcoming_collect(const struct upcoming_notice *no, void *arg)
{
	struct upcoming_list *l = arg;
	struct upcoming_entry *e;

	if (no->next_attempt_at > l->horizon)
		return;
	if (strcmp(no->state, "pending") != 0 && strcmp(no->state, "retry") != 0 && strcmp(no->state, "held") != 0)
		return;
	if (l->to != NULL && strcasecmp(no->recipient, l->to) != 0)
		return;
	l->v = xreallocarray(l->v, (size_t)l->n + 1, sizeof *l->v);
	e = &l->v[l->n++];
	e->recipient = xstrdup(no->recipient);
	e->kind = xstrdup(no->kind);
	e->subject = xstrdup(no->subject);
	e->dedupe_key = xstrdup(no->dedupe_key);
	e->transport = xstrdup(no->transport);
	e->at = no->next_attempt_at;
	e->batched = no->batched;
	e->queued = l->queued;
	e->held = strcmp(no->state, "held") == 0;
}

/* Per recipient, then in sending order. */
static int
ctl_upcoming_cmp(const void *a, const void *b)
{
	const struct upcoming_entry *x = a, *y = b;
	int c = strcmp(x->recipient, y->recipient);

	if (c != 0)
		return c;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->dedupe_key, y->dedupe_key);
}

/*
 * Run every watcher on the copy from now until the horizon, as the daemon would: each pass at the
 * earliest wake the watchers asked for, never more than UPCOMING_STEP apart. Their log lines (the
 * notices they "enqueue") would read as if sent: they are silenced while it runs.
 */
static int
ctl_upcoming_simulate(
    struct store *copy, const struct config *cfg, time_t now, time_t horizon, bool first, char **cause)
{
	const struct watcher *const *w;
	time_t t = now, next, wake;
	int passes, saved = -1, devnull, rc = -1;

	fflush(stderr);
	if ((devnull = open("/dev/null", O_WRONLY)) >= 0) {
		saved = dup(STDERR_FILENO);
		dup2(devnull, STDERR_FILENO);
		close(devnull);
	}
	for (passes = 0; passes < UPCOMING_MAX_PASSES; passes++) {
		next = 0;
		for (w = schedule_watchers; *w != NULL; w++) {
			wake = 0;
			if (store_begin(copy, cause) != 0)
				goto out;
			if ((*w)->fire(copy, cfg, t, &wake, cause) != 0) {
				store_rollback(copy);
				goto out;
			}
			if (store_commit(copy, cause) != 0)
				goto out;
			if (wake > t && (next == 0 || wake < next))
				next = wake;
		}
		/* A first start's first pass holds its escalations as the daemon's would (schedule.c). */
		if (first && passes == 0) {
			outbox_hold_escalations(copy, false);
			if (outbox_held_count(copy) <= cfg->first_start_hold &&
			    outbox_release(copy, NULL, 0, t,
				calendar_next_window_open(cfg->calendar, &cfg->send_window, t), cause) < 0)
				goto out;
		}
		if (next == 0 || next > t + UPCOMING_STEP)
			next = t + UPCOMING_STEP;
		if (next > horizon)
			break;
		t = next;
	}
	rc = 0;
out:
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	return rc;
}

/* upcoming [--days N] [--to EMAIL] [--json] */
int
ctl_upcoming(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'd' },
		{ "to", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const char usage[] = "upcoming [--days N] [--to EMAIL] [--json]";
	struct upcoming_list l;
	struct store *copy;
	char *cause = NULL, *end, b1[32], b2[32];
	const char *who = NULL;
	json_t *o, *arr;
	long days = 7;
	int ch, i, json = 0, people = 0, held = 0;
	bool first;
	int64_t mark;

	memset(&l, 0, sizeof l);
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			days = strtol(optarg, &end, 10);
			if (*end != '\0' || days < 1 || days > 366) {
				fprintf(stderr,
				    "driftwatchctl: upcoming: --days: \"%s\" is not a whole number of days from 1 to 366\n",
				    optarg);
				return CTL_EX_USAGE;
			}
			break;
		case 't':
			l.to = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return ctl_usage(usage);
		}
	}
	if (optind != argc)
		return ctl_usage(usage);
	l.horizon = c->now + (time_t)days * 86400;

	if ((copy = store_copy_in_memory(ctl_store(c), &cause)) == NULL) {
		fprintf(stderr, "driftwatchctl: upcoming: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	/* What already waits in the outbox goes out too; then what the watchers add from now on. */
	l.queued = true;
	outbox_rows_after(copy, 0, NULL, ctl_upcoming_collect, &l);
	mark = outbox_last_id(copy);
	/* The daemon has never run here: its first start would hold a late plan's escalations. */
	if ((first = c->cfg->first_start_hold > 0 && outbox_never_used(copy)))
		outbox_hold_escalations(copy, true);
	if (ctl_upcoming_simulate(copy, c->cfg, c->now, l.horizon, first, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: upcoming: %s\n", cause);
		free(cause);
		store_close(copy);
		return CTL_EX_FAIL;
	}
	l.queued = false;
	outbox_rows_after(copy, mark, NULL, ctl_upcoming_collect, &l);
	store_close(copy);
	if (l.n > 1)
		qsort(l.v, (size_t)l.n, sizeof *l.v, ctl_upcoming_cmp);

	if (json) {
		o = json_pack("{s:s, s:s, s:i}", "from", clock_format_utc(c->now, b1), "to",
		    clock_format_utc(l.horizon, b2), "days", (int)days);
		arr = json_array();
		for (i = 0; i < l.n; i++)
			json_array_append_new(arr,
			    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "recipient", l.v[i].recipient,
				"at", clock_format_utc(l.v[i].at, b1), "kind", l.v[i].kind, "subject", l.v[i].subject,
				"dedupe_key", l.v[i].dedupe_key, "transport", l.v[i].transport, "batched",
				l.v[i].batched, "queued", l.v[i].queued, "held", l.v[i].held));
		json_object_set_new(o, "notices", arr);
		end = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", end);
		free(end);
		json_decref(o);
	} else {
		for (i = 0; i < l.n; i++) {
			people += i == 0 || strcmp(l.v[i].recipient, l.v[i - 1].recipient) != 0;
			held += l.v[i].held;
		}
		printf("%d notice%s to %d recipient%s from %s to %s:\n", l.n, l.n == 1 ? "" : "s", people,
		    people == 1 ? "" : "s", clock_format_local(c->now, b1), clock_format_local(l.horizon, b2));
		for (i = 0; i < l.n; i++) {
			if (who == NULL || strcmp(who, l.v[i].recipient) != 0) {
				who = l.v[i].recipient;
				printf("\n%s\n", who);
			}
			printf("  %s  %-10s %s%s%s\n      %s\n", clock_format_local(l.v[i].at, b1), l.v[i].kind,
			    l.v[i].subject, l.v[i].batched ? " (batched with their other reminders)" : "",
			    l.v[i].held	      ? " [held: first start]" :
				l.v[i].queued ? " [already queued]" :
						"",
			    l.v[i].dedupe_key);
		}
		if (held > 0)
			printf(
			    "\n%d of them held by the first-start hold (more than first_start_hold = %d overdue escalations on "
			    "a first start): sent only after `driftwatchctl outbox release`\n",
			    held, c->cfg->first_start_hold);
	}
	for (i = 0; i < l.n; i++) {
		free(l.v[i].recipient), free(l.v[i].kind), free(l.v[i].subject);
		free(l.v[i].dedupe_key), free(l.v[i].transport);
	}
	free(l.v);
	return CTL_EX_OK;
}
