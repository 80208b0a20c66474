/*
 * ctl.c: driftwatchctl — the admin's tool, as smtpctl is to smtpd. It works on the same rules file
 * and database as the daemon; the daemon notices what it commits within a tick.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "log.h"
#include "store.h"
#include "version.h"
#include "xmalloc.h"

#define CTL_DEFAULT_CONFIG "/etc/driftwatch/driftwatch.ini"

static int ctl_check_config(struct ctl *c, int argc, char **argv);
static int ctl_config_keys(struct ctl *c, int argc, char **argv);
static int ctl_audit(struct ctl *c, int argc, char **argv);
static int ctl_version(struct ctl *c, int argc, char **argv);

/* Every command, in the order `driftwatchctl help` lists them. */
static const struct ctl_command ctl_commands[] = {
	{ "check-config", ctl_check_config, "check-config                 validate the rules file (exit 0 valid, 78 not)" },
	{ "config-keys", ctl_config_keys, "config-keys                  every key with its type, default and help" },
	{ "calendar", ctl_calendar, "calendar add|between|is-working-day ...   working-day arithmetic" },
	{ "import", ctl_import, "import KIND FILE...          roles (more kinds: see `driftwatchctl import`)" },
	{ "actions", ctl_actions, "actions progress|list|summary ...   improvement actions" },
	{ "dispute", ctl_dispute, "dispute raise|respond|escalate|resolve|cafcass|list|show|stats ...   IRO disputes" },
	{ "review", ctl_review, "review record CASE DATE [--brought-forward]   a looked-after review held" },
	{ "permanence", ctl_permanence, "permanence record CASE PLAN DATE   a permanence plan agreed" },
	{ "children", ctl_children, "children list [--overdue] [--no-permanence] [--json]   looked-after children" },
	{ "explain", ctl_explain, "explain KIND ... [--at DATE] [--json]   the plan behind a record's notices" },
	{ "status", ctl_status, "status [--json]              the daemon, its watchers, the outbox, transports, imports" },
	{ "upcoming", ctl_upcoming, "upcoming [--days N] [--to EMAIL] [--json]   notices the next N days bring, per recipient" },
	{ "outbox", ctl_outbox, "outbox list|show|retry|enable|add ...   the durable outbox" },
	{ "test-send", ctl_test_send, "test-send TRANSPORT RECIPIENT   a real test message, result printed" },
	{ "asye", ctl_asye, "asye time|supervision|review|pause|list ...   ASYE records and where each stands" },
	{ "digest", ctl_digest, "digest preview|send ...       the monthly digest (print it, or send it now)" },
	{ "caseloads", ctl_caseloads, "caseloads [--over] [--json]  caseloads against the caps" },
	{ "audit", ctl_audit, "audit [SUBJECT]              the audit trail" },
	{ "version", ctl_version, "version" },
	{ NULL, NULL, NULL },
};

/* Print the usage of everything. */
static void
ctl_help(FILE *f)
{
	const struct ctl_command *cmd;

	fprintf(f, "usage: driftwatchctl [-f FILE] [-d] COMMAND ...\n"
		   "  -f FILE   the rules (default $DRIFTWATCH_CONFIG or " CTL_DEFAULT_CONFIG ")\n\ncommands:\n");
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		fprintf(f, "  %s\n", cmd->usage);
}

/* See ctl.h. */
int
ctl_usage(const char *usage)
{
	fprintf(stderr, "usage: driftwatchctl %s\n", usage);
	return CTL_EX_USAGE;
}

/* See ctl.h. */
int
ctl_dispatch(struct ctl *c, const char *family, const struct ctl_command *table, int argc, char **argv)
{
	const struct ctl_command *cmd;

	if (argc >= 2) {
		for (cmd = table; cmd->name != NULL; cmd++) {
			if (strcmp(cmd->name, argv[1]) == 0)
				return cmd->run(c, argc - 1, argv + 1);
		}
		fprintf(stderr, "driftwatchctl: %s: unknown subcommand \"%s\"\n", family, argv[1]);
	}
	fprintf(stderr, "usage:\n");
	for (cmd = table; cmd->name != NULL; cmd++)
		fprintf(stderr, "  driftwatchctl %s %s\n", family, cmd->usage);
	return CTL_EX_USAGE;
}

/* See ctl.h. */
struct store *
ctl_store(struct ctl *c)
{
	char *cause = NULL;

	if (c->store == NULL && (c->store = store_open(c->cfg->database, &cause)) == NULL) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		exit(CTL_EX_FAIL);
	}
	return c->store;
}

/* See ctl.h. */
int
ctl_parse_date(struct ctl *c, const char *what, const char *s, int *date)
{
	if (strcmp(s, "today") == 0) {
		*date = c->today;
		return 0;
	}
	if (date_parse(s, date) != 0) {
		fprintf(stderr, "driftwatchctl: %s: \"%s\" is not a date (YYYY-MM-DD)\n", what, s);
		return -1;
	}
	return 0;
}

/* check-config: the config was loaded before dispatch; say so. */
static int
ctl_check_config(struct ctl *c, int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("%s: ok (%d transports, %d roles, %d bank holidays)\n", c->config_path != NULL ? c->config_path : "(defaults)",
	    c->cfg->ntransports, c->cfg->nroles, calendar_count(c->cfg->calendar));
	return CTL_EX_OK;
}

/* config-keys: the key table. */
static int
ctl_config_keys(struct ctl *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	config_print_keys(stdout);
	return CTL_EX_OK;
}

/* audit [SUBJECT]. */
static int
ctl_audit(struct ctl *c, int argc, char **argv)
{
	if (argc > 2)
		return ctl_usage("audit [SUBJECT]");
	audit_print(ctl_store(c), argc == 2 ? argv[1] : NULL, stdout);
	return CTL_EX_OK;
}

/* version. */
static int
ctl_version(struct ctl *c, int argc, char **argv)
{
	(void)c, (void)argc, (void)argv;
	printf("driftwatchctl %s\n", DRIFTWATCH_VERSION);
	return CTL_EX_OK;
}

int
main(int argc, char **argv)
{
	const struct ctl_command *cmd;
	struct ctl c;
	char *cause = NULL, *line, *save = NULL;
	const char *path = getenv("DRIFTWATCH_CONFIG");
	int ch, debug = 0, rc;

	memset(&c, 0, sizeof c);
	while ((ch = getopt(argc, argv, "+df:h")) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'h':
			ctl_help(stdout);
			return CTL_EX_OK;
		default:
			ctl_help(stderr);
			return CTL_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	log_init(debug, 0);
	if (argc == 0 || strcmp(argv[0], "help") == 0) {
		ctl_help(argc == 0 ? stderr : stdout);
		return argc == 0 ? CTL_EX_USAGE : CTL_EX_OK;
	}
	if (strcmp(argv[0], "version") == 0)
		return ctl_version(&c, argc, argv);
	if (path == NULL && access(CTL_DEFAULT_CONFIG, F_OK) == 0)
		path = CTL_DEFAULT_CONFIG;
	c.config_path = path;
	if ((c.cfg = config_load(path, &cause)) == NULL) {
		for (line = strtok_r(cause, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
			fprintf(stderr, "%s\n", line);
		free(cause);
		return CTL_EX_CONFIG;
	}
	if (setenv("TZ", c.cfg->timezone, 1) != 0)
		fatal("setenv");
	tzset();
	if (clock_init(&cause) != 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		return CTL_EX_CONFIG;
	}
	if (clock_injected() != NULL)
		log_warnx("driftwatchctl: DRIFTWATCH_NOW=%s: the clock is injected", clock_injected());
	c.now = clock_now();
	c.today = calendar_local_date(c.now);

	rc = CTL_EX_USAGE;
	for (cmd = ctl_commands; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, argv[0]) == 0)
			break;
	}
	if (cmd->name == NULL) {
		fprintf(stderr, "driftwatchctl: unknown command \"%s\"\n", argv[0]);
		ctl_help(stderr);
	} else
		rc = cmd->run(&c, argc, argv);
	store_close(c.store);
	config_free(c.cfg);
	return rc;
}
