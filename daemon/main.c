/*
 * main.c: driftwatchd — options, start-up, the one event_base, signals and sd_notify.
 *
 * SIGHUP reloads the ini all-or-nothing; SIGTERM/SIGINT stop gracefully within a bound, a second
 * one exits at once; SIGPIPE is ignored. A short tick watches PRAGMA data_version so changes that
 * driftwatchctl commits are seen within a second; a slow backstop tick runs a pass anyway (which plans
 * only what is dirty or due, see dirty.h; a reload plans everything).
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "dispatcher.h"
#include "http.h"
#include "inbox.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "version.h"
#include "watch.h"

#define MAIN_STOP_SECONDS 10
#define MAIN_DEFAULT_CONFIG "/etc/driftwatch/driftwatch.ini"

struct main_state {
	struct event_base *base;
	struct config *cfg;
	const char *config_path;
	struct store *store;
	struct dispatcher *dispatcher;
	struct http *http;   /* NULL without [http] listen */
	time_t last_pass;    /* for GET /healthz */
	struct inbox *inbox; /* the drop folders */
	int64_t data_version;
	int stopping;

	struct event ev_hup, ev_term, ev_int;
	struct event ev_wake;	   /* the earliest due instant */
	struct event ev_watch;	   /* data_version tick */
	struct event ev_backstop;  /* slow re-plan */
	struct event ev_watchdog;  /* WATCHDOG=1 */
	struct event ev_stop;	   /* the graceful-stop bound */
	struct event ev_stopcheck; /* in-flight drained? */
};

static void main_plan(struct main_state *m);

/* Codes of the long-only options (above any letter). */
#define MAIN_OPT_CHECK_CONFIG 256
#define MAIN_OPT_VERSION 257

/* Every option, once: getopt_long's tables are built from it and --help prints it. */
static const struct main_option {
	const char *name; /* the long name, or NULL */
	int has_arg;
	int val;	   /* the short letter, or a code for a long-only option */
	const char *usage; /* the line --help prints */
} main_options[] = {
	{ NULL, required_argument, 'f',
	    "-f FILE          the rules (default " MAIN_DEFAULT_CONFIG
	    "; without -f and that file, the embedded defaults)" },
	{ NULL, no_argument, 'd', "-d               debug logging" },
	{ "check-config", no_argument, MAIN_OPT_CHECK_CONFIG,
	    "--check-config   validate the rules (and read the secrets) and exit: 0 valid, 78 not" },
	{ "version", no_argument, MAIN_OPT_VERSION, "--version        print the version and exit" },
	{ "help", no_argument, 'h', "-h, --help       this help" },
};
#define MAIN_NOPTIONS (sizeof main_options / sizeof main_options[0])

/* Usage: the options, the signals and the environment. */
static void
main_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: driftwatchd [-d] [-f FILE] [--check-config] [--version] [--help]\n");
	for (i = 0; i < MAIN_NOPTIONS; i++)
		fprintf(f, "  %s\n", main_options[i].usage);
	fprintf(f,
	    "signals: SIGHUP reloads the rules (a broken file is refused, the rules in force stay);\n"
	    "  SIGTERM or SIGINT stops within %ds, a second one at once\n"
	    "environment: DRIFTWATCH_NOW=YYYY-MM-DDTHH:MM starts the clock there (tests and demos);\n"
	    "  CREDENTIALS_DIRECTORY (set by systemd's LoadCredential=) for credential:NAME secrets\n"
	    "It runs under systemd (driftwatch.service); the admin's tool is driftwatchctl.\n",
	    MAIN_STOP_SECONDS);
}

/* getopt_long's short and long tables from main_options. */
static void
main_getopt_tables(char *shortopts, size_t size, struct option *longopts)
{
	size_t i, n = 0, len = 0;

	for (i = 0; i < MAIN_NOPTIONS && len + 3 < size; i++) {
		if (main_options[i].val < 128) {
			shortopts[len++] = (char)main_options[i].val;
			if (main_options[i].has_arg == required_argument)
				shortopts[len++] = ':';
		}
		if (main_options[i].name != NULL) {
			longopts[n].name = main_options[i].name;
			longopts[n].has_arg = main_options[i].has_arg;
			longopts[n].flag = NULL;
			longopts[n].val = main_options[i].val;
			n++;
		}
	}
	shortopts[len] = '\0';
	memset(&longopts[n], 0, sizeof longopts[n]);
}

/* Fold a file's bytes into an FNV-1a hash (a missing file folds in nothing but its absence). */
static uint64_t
main_hash_file(uint64_t h, const char *path)
{
	unsigned char buf[8192];
	size_t n, i;
	FILE *f;

	if (path == NULL || (f = fopen(path, "rb")) == NULL)
		return (h ^ 0xff) * 0x100000001b3ULL;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		for (i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ULL;
	}
	fclose(f);
	return (h ^ 0xfe) * 0x100000001b3ULL;
}

/* The rules' digest for schedule_rules: the version, the ini and the bank holidays it names. */
static void
main_rules(struct main_state *m)
{
	const char *v = DRIFTWATCH_VERSION;
	uint64_t h = 0xcbf29ce484222325ULL;
	char digest[24];

	for (; *v != '\0'; v++)
		h = (h ^ (unsigned char)*v) * 0x100000001b3ULL;
	h = main_hash_file(h, m->config_path);
	h = main_hash_file(h, m->cfg->bank_holidays);
	snprintf(digest, sizeof digest, "%016llx", (unsigned long long)h);
	schedule_rules(m->store, digest);
}

/* Tell systemd a one-line summary of what the daemon is doing. */
static void
main_status(struct main_state *m, time_t next)
{
	char when[32];

	if (next > 0)
		sd_notifyf(0, "STATUS=watching; next wake %s", clock_format_local(next, when));
	else
		sd_notify(0, "STATUS=watching; nothing scheduled");
	(void)m;
}

/* Arm a one-shot or persistent timer, checked. */
static void
main_timer_add(struct event *ev, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (event_add(ev, &tv) != 0)
		fatalx("main: event_add failed");
}

/* Run the watchers now and arm the timer at the earliest next wake. */
static void
main_plan(struct main_state *m)
{
	time_t now = clock_now(), next = 0, wake;

	if (m->stopping)
		return;
	schedule_run(m->store, m->cfg, now, &next);
	m->last_pass = now;
	m->data_version = store_data_version(m->store);
	if (m->dispatcher != NULL) {
		dispatcher_kick(m->dispatcher);
		wake = dispatcher_next_due(m->dispatcher);
		/* Due now is the dispatcher's business (kicked above, its own timer after): waking the
		 * planner at once for it would re-plan in a loop for as long as a backlog drains. */
		if (wake > now && (next == 0 || wake < next))
			next = wake;
	}
	evtimer_del(&m->ev_wake);
	if (next > 0) {
		long ms = next > now ? (long)(next - now) * 1000 : 0;
		/* Beyond the backstop the backstop re-plans anyway; cap keeps clock jumps harmless. */
		if (ms > (long)m->cfg->tick * 1000)
			ms = (long)m->cfg->tick * 1000;
		main_timer_add(&m->ev_wake, ms);
	}
	main_status(m, next);
}

/* The earliest due instant arrived. */
static void
main_wake_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	main_plan(arg);
}

/* Backstop: re-plan even if nothing told us to (clock jumps, suspend, missed changes). */
static void
main_backstop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	inbox_tick(((struct main_state *)arg)->inbox);
	main_plan(arg);
}

/* The inbox queued an admin alert: send it now. */
static void
main_queued_cb(void *arg)
{
	main_plan(arg);
}

/* driftwatchctl committed something: re-plan within a tick. */
static void
main_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state *m = arg;

	(void)fd, (void)what;
	/* The daemon's own commits (API writes) do not move data_version: the listener says so. */
	if (store_data_version(m->store) != m->data_version || (m->http != NULL && http_take_changed(m->http))) {
		log_debug("main: the database changed; re-planning");
		main_plan(m);
	}
}

/* Tell the systemd watchdog we are alive. */
static void
main_watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	sd_notify(0, "WATCHDOG=1");
}

/* SIGHUP: build a fresh config; swap only when it is valid. */
static void
main_sighup_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state *m = arg;
	struct config *fresh;
	char *cause = NULL, *changes, *line, *save = NULL;

	(void)fd, (void)what;
	sd_notify(0, "RELOADING=1");
	log_info("main: reloading %s", m->config_path != NULL ? m->config_path : "(defaults)");
	if ((fresh = config_load(m->config_path, &cause)) == NULL) {
		for (line = strtok_r(cause, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			log_error("config: %s", line);
		log_warnx("main: reload failed; keeping the rules in force");
		free(cause);
		sd_notify(0, "READY=1\nSTATUS=reload failed: keeping the rules in force (see the log)");
		return;
	}
	if ((changes = config_unreloadable_changes(m->cfg, fresh)) != NULL) {
		for (line = strtok_r(changes, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			log_warnx("config: %s changed: it takes effect only after a restart; reload refused", line);
		free(changes);
		config_free(fresh);
		sd_notify(0, "READY=1\nSTATUS=reload refused: a key that needs a restart changed");
		return;
	}
	if (m->dispatcher != NULL && dispatcher_set_config(m->dispatcher, fresh, &cause) != 0) {
		log_error("main: reload: %s; keeping the rules in force", cause);
		free(cause);
		config_free(fresh);
		sd_notify(0, "READY=1\nSTATUS=reload failed: keeping the rules in force (see the log)");
		return;
	}
	http_set_config(m->http, fresh);
	inbox_set_config(m->inbox, fresh);
	config_free(m->cfg);
	m->cfg = fresh;
	/* Recorded before it is logged: whoever waits on the line finds it in status. */
	schedule_reloaded(m->store, clock_now());
	/* Rules change every plan: plan every record afresh, whatever the digest says. */
	if (schedule_replan_all(m->store, &cause) != 0) {
		log_warnx("main: reload: cannot mark every record for a re-plan: %s", cause);
		free(cause);
	}
	main_rules(m);
	log_info("main: reloaded");
	sd_notify(0, "READY=1");
	main_plan(m);
}

/* The graceful-stop bound passed: go now. */
static void
main_stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state *m = arg;

	(void)fd, (void)what;
	log_warnx("main: in-flight deliveries did not finish within %ds; stopping anyway (they will be retried)",
	    MAIN_STOP_SECONDS);
	event_base_loopbreak(m->base);
}

/* While stopping: leave as soon as nothing is in flight. */
static void
main_stopcheck_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state *m = arg;

	(void)fd, (void)what;
	if (m->dispatcher == NULL || dispatcher_in_flight(m->dispatcher) == 0)
		event_base_loopbreak(m->base);
}

/*
 * The hard bound of a graceful stop: if closing connections hangs after the loop ended (a silent
 * SMTP server being sent QUIT), leave anyway. Only async-signal-safe calls here; rows left
 * 'sending' go out again at the next start.
 */
static void
main_sigalrm_handler(int sig)
{
	static const char msg[] = "<4>main: stop took too long; exiting now\n";
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)n;
	_exit(0);
}

/* SIGTERM/SIGINT: first one stops gracefully, a second one exits at once. */
static void
main_sigterm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct main_state *m = arg;
	struct sigaction sa;

	(void)what;
	if (m->stopping) {
		log_warnx("main: second signal %d; exiting now", (int)fd);
		sd_notify(0, "STOPPING=1");
		_exit(0);
	}
	m->stopping = 1;
	log_info("main: signal %d: stopping (finishing deliveries in flight, at most %ds)", (int)fd, MAIN_STOP_SECONDS);
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
	http_set_stopping(m->http);
	evtimer_del(&m->ev_wake);
	evtimer_del(&m->ev_watch);
	evtimer_del(&m->ev_backstop);
	if (m->dispatcher != NULL)
		dispatcher_stop(m->dispatcher);
	main_timer_add(&m->ev_stop, MAIN_STOP_SECONDS * 1000);
	main_timer_add(&m->ev_stopcheck, 50);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = main_sigalrm_handler;
	sigaction(SIGALRM, &sa, NULL);
	alarm(MAIN_STOP_SECONDS);
}

/* Set the process's time zone from the config. */
static void
main_set_timezone(const struct config *cfg)
{
	if (setenv("TZ", cfg->timezone, 1) != 0)
		fatal("main: setenv TZ");
	tzset();
}

/* Load the config and say every error as FILE:LINE. Returns NULL on error. */
static struct config *
main_load_config(const char *path)
{
	struct config *cfg;
	char *cause = NULL, *line, *save = NULL;

	if ((cfg = config_load(path, &cause)) == NULL) {
		for (line = strtok_r(cause, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			log_error("%s", line);
		free(cause);
	}
	return cfg;
}

/* driftwatchd [-d] [-f FILE] [--check-config]: load the rules, open the store, run the loop. */
int
main(int argc, char **argv)
{
	struct option longopts[MAIN_NOPTIONS + 1];
	char shortopts[2 * MAIN_NOPTIONS + 1];
	struct main_state m;
	struct sigaction sa;
	const char *path = NULL;
	char *cause = NULL;
	uint64_t watchdog_usec = 0;
	int ch, debug = 0, check = 0;

	memset(&m, 0, sizeof m);
	main_getopt_tables(shortopts, sizeof shortopts, longopts);
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case MAIN_OPT_CHECK_CONFIG:
			check = 1;
			break;
		case MAIN_OPT_VERSION:
			printf("driftwatchd %s\n", DRIFTWATCH_VERSION);
			return 0;
		case 'h':
			main_usage(stdout);
			return 0;
		default:
			main_usage(stderr);
			return 64;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "driftwatchd: unexpected argument \"%s\" (it takes options only)\n", argv[optind]);
		main_usage(stderr);
		return 64;
	}
	log_init(debug, !check && !isatty(STDERR_FILENO));
	if (path == NULL && access(MAIN_DEFAULT_CONFIG, F_OK) == 0)
		path = MAIN_DEFAULT_CONFIG;
	if (path == NULL)
		log_info("main: no %s: running on the embedded defaults", MAIN_DEFAULT_CONFIG);
	m.config_path = path;
	if ((m.cfg = main_load_config(path)) == NULL)
		return EX_CONFIG_CODE;
	if (check) {
		printf("%s: ok\n", path != NULL ? path : "(defaults)");
		config_free(m.cfg);
		return 0;
	}
	main_set_timezone(m.cfg);
	if (clock_init(&cause) != 0) {
		log_error("main: %s", cause);
		return EX_CONFIG_CODE;
	}
	if (clock_injected() != NULL)
		log_warnx("main: DRIFTWATCH_NOW=%s: the clock is injected (tests and demos only)", clock_injected());

	/* A lost SIGPIPE must never kill the daemon mid-delivery. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if ((m.store = store_open(m.cfg->database, &cause)) == NULL) {
		log_error("main: %s", cause);
		return 1;
	}
	/* Checkpoints off the event loop: see store.h. Without the thread they stay on commit. */
	if (store_checkpoint_in_background(m.store, &cause) != 0) {
		log_warnx("main: %s", cause);
		free(cause);
		cause = NULL;
	}
	if ((m.base = event_base_new()) == NULL)
		fatalx("main: event_base_new failed");
	/* Clients before delivery passes: see dispatcher.h. */
	if (event_base_priority_init(m.base, LOOP_PRIORITIES) != 0)
		fatalx("main: event_base_priority_init failed");
	if ((m.dispatcher = dispatcher_new(m.base, m.store, m.cfg, &cause)) == NULL) {
		log_error("main: %s", cause);
		return EX_CONFIG_CODE;
	}
	if ((m.cfg->http_nlisten > 0 || http_activated() > 0) &&
	    (m.http = http_new(m.base, m.store, m.cfg, &m.last_pass, &cause)) == NULL) {
		log_error("main: %s", cause);
		return 1;
	}
	if (m.http != NULL)
		dispatcher_set_clients(m.dispatcher, http_last_answer, m.http);

	evsignal_assign(&m.ev_hup, m.base, SIGHUP, main_sighup_cb, &m);
	evsignal_assign(&m.ev_term, m.base, SIGTERM, main_sigterm_cb, &m);
	evsignal_assign(&m.ev_int, m.base, SIGINT, main_sigterm_cb, &m);
	evtimer_assign(&m.ev_wake, m.base, main_wake_cb, &m);
	event_assign(&m.ev_watch, m.base, -1, EV_PERSIST, main_watch_cb, &m);
	event_assign(&m.ev_backstop, m.base, -1, EV_PERSIST, main_backstop_cb, &m);
	event_assign(&m.ev_watchdog, m.base, -1, EV_PERSIST, main_watchdog_cb, &m);
	evtimer_assign(&m.ev_stop, m.base, main_stop_cb, &m);
	event_assign(&m.ev_stopcheck, m.base, -1, EV_PERSIST, main_stopcheck_cb, &m);
	if (event_add(&m.ev_hup, NULL) != 0 || event_add(&m.ev_term, NULL) != 0 || event_add(&m.ev_int, NULL) != 0)
		fatalx("main: cannot watch signals");
	main_timer_add(&m.ev_watch, m.cfg->watch_interval_ms);
	main_timer_add(&m.ev_backstop, (long)m.cfg->tick * 1000);
	if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0)
		main_timer_add(&m.ev_watchdog, (long)(watchdog_usec / 2000));

	m.inbox = inbox_new(m.base, m.store, m.cfg, m.config_path, main_queued_cb, &m);
	log_info("main: driftwatchd %s started; database %s, schema %d", DRIFTWATCH_VERSION, m.cfg->database,
	    store_schema_version(m.store));
	schedule_start(m.store, m.cfg, path, clock_now()); /* for status; arms the first-start hold */
	main_rules(&m);					   /* rules changed since the last run: a full re-plan */
	main_plan(&m);
	sd_notify(0, "READY=1");

	event_base_dispatch(m.base);

	inbox_free(m.inbox);
	log_info("main: stopped");
	schedule_stopped(m.store, clock_now());
	dispatcher_set_clients(m.dispatcher, NULL, NULL); /* the http goes first */
	http_free(m.http);
	dispatcher_free(m.dispatcher);
	event_del(&m.ev_hup), event_del(&m.ev_term), event_del(&m.ev_int);
	event_del(&m.ev_wake), event_del(&m.ev_watch), event_del(&m.ev_backstop);
	event_del(&m.ev_watchdog), event_del(&m.ev_stop), event_del(&m.ev_stopcheck);
	event_base_free(m.base);
	store_close(m.store);
	config_free(m.cfg);
	return 0;
}
