/*
 * ctl_status.c: `driftwatchctl status [--json]`: is the daemon up (its pid checked, not just
 * recorded), since when, with which rules; each watcher's last pass; the outbox by state and its
 * oldest waiting notice; each transport ok, paused by the breaker or disabled; the last import of
 * each kind; and the next thing due. The daemon records what only it knows (store_daemon.c).
 */
#include <getopt.h>
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "outbox.h"
#include "status.h"
#include "store.h"
#include "xmalloc.h"

/* One transport's state as status reports it. */
struct ctl_status_transport {
	const char *name;
	const char *state; /* "ok", "paused", "probing", "disabled" */
	time_t until;	   /* paused until (paused, probing) */
	int failures;
};

/*
 * Is the recorded daemon alive? Its pid must exist (kill 0; EPERM means it exists under another
 * user, as the service's dynamic user does) and, where /proc tells, be a driftwatchd: a pid
 * reused after a crash is not the daemon.
 */
static bool
ctl_status_alive(const struct status *st)
{
	char path[64], comm[64], stat[512], *p;
	FILE *f;
	bool ours = true;

	if (!st->known || st->stopped_at != 0 || st->pid <= 0)
		return false;
	if (kill((pid_t)st->pid, 0) != 0 && errno != EPERM)
		return false;
	snprintf(path, sizeof path, "/proc/%ld/comm", st->pid);
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(comm, sizeof comm, f) != NULL)
			ours = strncmp(comm, "driftwatchd", 11) == 0;
		fclose(f);
	}
	/* A killed daemon its parent has not reaped yet is a zombie: the pid exists, the daemon does not. */
	snprintf(path, sizeof path, "/proc/%ld/stat", st->pid);
	if (ours && (f = fopen(path, "r")) != NULL) {
		if (fgets(stat, sizeof stat, f) != NULL && (p = strrchr(stat, ')')) != NULL && p[1] == ' ' &&
		    (p[2] == 'Z' || p[2] == 'X'))
			ours = false;
		fclose(f);
	}
	return ours;
}

/* Each configured transport's state: disabled by a 410 wins over the breaker. */
static void
ctl_status_transport(struct ctl *c, const struct status *st, bool alive, int i, struct ctl_status_transport *t)
{
	int j;

	t->name = c->cfg->transports[i].t.name;
	t->state = "ok";
	t->until = 0;
	t->failures = 0;
	if (outbox_endpoint_disabled(ctl_store(c), t->name)) {
		t->state = "disabled";
		return;
	}
	for (j = 0; alive && j < st->nbreakers; j++) {
		if (strcmp(st->breakers[j].transport, t->name) != 0)
			continue;
		t->state = st->breakers[j].paused_until > c->now ? "paused" : "probing";
		t->until = st->breakers[j].paused_until;
		t->failures = st->breakers[j].failures;
	}
}

/* The next thing due: the earliest of the outbox's next notice and the watchers' next wakes. */
static time_t
ctl_status_next(struct ctl *c, const struct status *st, const char **what)
{
	time_t next = outbox_next_due(ctl_store(c));
	int i;

	*what = next != 0 ? "a notice in the outbox" : NULL;
	for (i = 0; i < st->nwatchers; i++) {
		if (st->watchers[i].next != 0 && (next == 0 || st->watchers[i].next < next)) {
			next = st->watchers[i].next;
			*what = st->watchers[i].name;
		}
	}
	return next;
}

/* A UTC time for JSON, or null. */
static json_t *
ctl_status_json_time(time_t t)
{
	char buf[32];

	return t != 0 ? json_string(clock_format_utc(t, buf)) : json_null();
}

/* status --json. */
static void
ctl_status_json(struct ctl *c, const struct status *st, bool alive)
{
	json_t *o = json_object(), *d = json_object(), *a, *x;
	struct ctl_status_transport t;
	const char *what;
	time_t next;
	char *out;
	int i;

	json_object_set_new(d, "running", json_boolean(alive));
	json_object_set_new(d, "pid", st->known ? json_integer(st->pid) : json_null());
	json_object_set_new(d, "version", st->version != NULL ? json_string(st->version) : json_null());
	json_object_set_new(d, "started_at", ctl_status_json_time(st->started_at));
	json_object_set_new(d, "rules", st->rules != NULL ? json_string(st->rules) : json_null());
	json_object_set_new(d, "rules_loaded_at", ctl_status_json_time(st->loaded_at));
	json_object_set_new(d, "last_seen", ctl_status_json_time(st->seen_at));
	json_object_set_new(d, "stopped_at", ctl_status_json_time(st->stopped_at));
	json_object_set_new(o, "daemon", d);

	a = json_array();
	for (i = 0; i < st->nwatchers; i++) {
		x = json_pack("{s:s, s:o, s:I, s:o, s:o}", "name", st->watchers[i].name, "last_pass",
		    ctl_status_json_time(st->watchers[i].at), "duration_ms", (json_int_t)st->watchers[i].ms, "next",
		    ctl_status_json_time(st->watchers[i].next), "error",
		    st->watchers[i].error != NULL ? json_string(st->watchers[i].error) : json_null());
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "watchers", a);

	x = json_object();
	for (i = 0; i < STATUS_NSTATES; i++)
		json_object_set_new(x, status_states[i], json_integer(st->counts[i]));
	json_object_set_new(x, "oldest_waiting",
	    st->oldest_id == 0 ?
		json_null() :
		json_pack("{s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)st->oldest_id, "kind", st->oldest_kind,
		    "recipient", st->oldest_recipient, "created_at", ctl_status_json_time(st->oldest_created),
		    "next_attempt_at", ctl_status_json_time(st->oldest_next)));
	json_object_set_new(o, "outbox", x);

	a = json_array();
	for (i = 0; i < c->cfg->ntransports; i++) {
		ctl_status_transport(c, st, alive, i, &t);
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:o, s:i}", "name", t.name, "state", t.state, "paused_until",
			ctl_status_json_time(t.until), "failures", t.failures));
	}
	json_object_set_new(o, "transports", a);

	a = json_array();
	for (i = 0; i < st->nimports; i++)
		json_array_append_new(a,
		    json_pack("{s:s, s:o, s:s, s:s}", "kind", st->imports[i].kind, "at",
			ctl_status_json_time(st->imports[i].at), "file", st->imports[i].file, "summary",
			st->imports[i].summary));
	json_object_set_new(o, "imports", a);

	next = ctl_status_next(c, st, &what);
	json_object_set_new(o, "next_due",
	    next == 0 ? json_null() : json_pack("{s:o, s:s}", "at", ctl_status_json_time(next), "what", what));
	out = json_dumps(o, JSON_INDENT(2));
	printf("%s\n", out);
	free(out);
	json_decref(o);
}

/* status as text. */
static void
ctl_status_text(struct ctl *c, const struct status *st, bool alive)
{
	struct ctl_status_transport t;
	const char *what;
	char b1[32], b2[32];
	time_t next;
	int i;

	if (!st->known)
		printf("daemon:     never started on this database\n");
	else if (alive)
		printf("daemon:     running, pid %ld, since %s (driftwatchd %s)\n", st->pid,
		    clock_format_local(st->started_at, b1), st->version);
	else if (st->stopped_at != 0)
		printf("daemon:     not running (stopped %s; pid %ld started %s)\n",
		    clock_format_local(st->stopped_at, b1), st->pid, clock_format_local(st->started_at, b2));
	else
		printf("daemon:     not running (last seen %s; pid %ld started %s, no clean stop)\n",
		    clock_format_local(st->seen_at, b1), st->pid, clock_format_local(st->started_at, b2));
	if (st->known)
		printf("rules:      %s, loaded %s\n", st->rules != NULL ? st->rules : "(embedded defaults)",
		    clock_format_local(st->loaded_at, b1));

	printf("watchers:\n");
	if (st->nwatchers == 0)
		printf("  (no pass recorded)\n");
	for (i = 0; i < st->nwatchers; i++) {
		printf("  %-10s last pass %s, %ld ms", st->watchers[i].name, clock_format_local(st->watchers[i].at, b1),
		    st->watchers[i].ms);
		if (st->watchers[i].error != NULL)
			printf(", FAILED: %s", st->watchers[i].error);
		else if (st->watchers[i].next != 0)
			printf(", next %s", clock_format_local(st->watchers[i].next, b2));
		printf("\n");
	}

	printf("outbox:    ");
	for (i = 0; i < STATUS_NSTATES; i++)
		printf(" %d %s%s", st->counts[i], status_states[i], i + 1 < STATUS_NSTATES ? "," : "\n");
	if (st->oldest_id != 0)
		printf("  oldest waiting: notice %lld (%s to %s), created %s, next attempt %s\n",
		    (long long)st->oldest_id, st->oldest_kind, st->oldest_recipient,
		    clock_format_local(st->oldest_created, b1), clock_format_local(st->oldest_next, b2));
	if (st->counts[STATUS_HELD] > 0)
		printf("  %d held by the first-start hold: `driftwatchctl outbox list --state held`, then "
		       "`driftwatchctl outbox release --all`\n",
		    st->counts[STATUS_HELD]);

	printf("transports:\n");
	for (i = 0; i < c->cfg->ntransports; i++) {
		ctl_status_transport(c, st, alive, i, &t);
		if (strcmp(t.state, "paused") == 0)
			printf("  %-10s paused by the breaker until %s (%d failures in a row)\n", t.name,
			    clock_format_local(t.until, b1), t.failures);
		else if (strcmp(t.state, "probing") == 0)
			printf("  %-10s probing, one message at a time (%d failures in a row)\n", t.name, t.failures);
		else if (strcmp(t.state, "disabled") == 0)
			printf("  %-10s disabled (the receiver answered 410): `driftwatchctl outbox enable %s`\n",
			    t.name, t.name);
		else
			printf("  %-10s ok\n", t.name);
	}

	printf("imports:\n");
	if (st->nimports == 0)
		printf("  none\n");
	for (i = 0; i < st->nimports; i++)
		printf("  %-16s %s  %s (%s)\n", st->imports[i].kind, clock_format_local(st->imports[i].at, b1),
		    st->imports[i].file, st->imports[i].summary);

	next = ctl_status_next(c, st, &what);
	if (next != 0)
		printf("next due:   %s (%s)\n", clock_format_local(next, b1), what);
	else
		printf("next due:   nothing scheduled\n");
}

/* status [--json]: exit 0 when the daemon runs, 1 when it does not. */
int
ctl_status(struct ctl *c, int argc, char **argv)
{
	struct status st;
	char *cause = NULL;
	bool alive;
	int json, rc;

	if ((rc = ctl_json_only(argc, argv, "status [--json]", &json)) != CTL_EX_OK)
		return rc;
	if (status_read(ctl_store(c), &st, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: status: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	alive = ctl_status_alive(&st);
	if (json)
		ctl_status_json(c, &st, alive);
	else
		ctl_status_text(c, &st, alive);
	status_free(&st);
	return alive ? CTL_EX_OK : CTL_EX_FAIL;
}
