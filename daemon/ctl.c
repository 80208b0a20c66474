/*
 * ctl.c: driftwatchctl — the admin's tool, as smtpctl is to smtpd. It works on the same rules file
 * and database as the daemon; the daemon notices what it commits within a tick.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
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
#include "ops.h"
#include "store.h"
#include "transport.h"
#include "version.h"
#include "xmalloc.h"

#define CTL_DEFAULT_CONFIG "/etc/driftwatch/driftwatch.ini"
/* Where systemd puts driftwatch.service's LoadCredential= secrets while it runs. */
#define CTL_SERVICE_CREDENTIALS "/run/credentials/driftwatch.service"

static int ctl_check_config(struct ctl *c, int argc, char **argv);
static int ctl_config_keys(struct ctl *c, int argc, char **argv);
static int ctl_audit(struct ctl *c, int argc, char **argv);
static int ctl_version(struct ctl *c, int argc, char **argv);

/*
 * Every command, in the order `driftwatchctl help` lists them, with its usage and help (see
 * struct ctl_command in ctl.h). A new command is one line here and its function in a ctl_*.c.
 */
static const struct ctl_command ctl_commands[] = {
	{ "check-config", ctl_check_config,
	    "check-config                 validate the rules file (exit 0 valid, 78 not)", CTL_NO_STATE,
	    "Reads the rules, bank holidays and secrets as driftwatchd would. Run it as the service's user\n"
	    "(sudo -u driftwatch driftwatchctl check-config) to check what the service itself can read." },
	{ "config-keys", ctl_config_keys, "config-keys                  every key with its type, default and help",
	    CTL_NO_STATE },
	{ "calendar", ctl_calendar, "calendar add|between|is-working-day ...   working-day arithmetic",
	    CTL_FAMILY | CTL_NO_STATE },
	{ "import", ctl_import,
	    "import KIND FILE...          roles, actions, allocations, ssda903, permanence, disputes, workforce, ...",
	    CTL_FAMILY,
	    "Each import is checked whole first: any problem is reported as FILE:LINE:COLUMN and nothing\n"
	    "is imported (exit 65)." },
	{ "actions", ctl_actions, "actions progress|list|summary ...   improvement actions", CTL_FAMILY },
	{ "dispute", ctl_dispute, "dispute raise|respond|escalate|resolve|cafcass|list|show|stats ...   IRO disputes",
	    CTL_FAMILY },
	{ "review", ctl_review, "review record CASE DATE [--brought-forward]   a looked-after review held",
	    CTL_FAMILY },
	{ "permanence", ctl_permanence, "permanence record CASE PLAN DATE   a permanence plan agreed", CTL_FAMILY },
	{ "children", ctl_children, "children list [--overdue] [--no-permanence] [--json]   looked-after children",
	    CTL_FAMILY },
	{ "explain", ctl_explain, "explain KIND ... [--at DATE] [--json]   the plan behind a record's notices",
	    CTL_FAMILY },
	{ "status", ctl_status,
	    "status [--json]              the daemon, its watchers, the outbox, transports, imports", 0,
	    "Whether the daemon runs (pid, since, version, rules and when loaded), each watcher's last\n"
	    "pass and its duration, the outbox by state and the oldest waiting, each transport (ok,\n"
	    "paused, disabled), the last import of each kind, the next thing due. Exit 1 when not running." },
	{ "upcoming", ctl_upcoming,
	    "upcoming [--days N] [--to EMAIL] [--json]   notices the next N days bring, per recipient", 0,
	    "Runs the daemon's own watchers over an in-memory copy of the database up to N days (7)\n"
	    "ahead: nothing is queued or written. Marks what a first start would hold." },
	{ "replan", ctl_replan, "replan --all                 plan every record afresh at the daemon's next pass" },
	{ "outbox", ctl_outbox, "outbox list|show|retry|release|enable|add ...   the durable outbox", CTL_FAMILY },
	{ "test-send", ctl_test_send, "test-send TRANSPORT RECIPIENT   a real test message, result printed", 0,
	    "Sends one message now through TRANSPORT (a [transport \"NAME\"] section) and prints the\n"
	    "server's answer; exit 0 when it was accepted. It needs the transport's secrets: as the\n"
	    "service's user, while the service runs, driftwatchctl reads its credentials." },
	{ "asye", ctl_asye,
	    "asye time|supervision|review|reflection|pause|list ...   ASYE records and where each stands", CTL_FAMILY },
	{ "digest", ctl_digest, "digest preview|send ...       the monthly digest (print it, or send it now)",
	    CTL_FAMILY },
	{ "caseloads", ctl_caseloads, "caseloads [--over] [--json] [--at DATE]   caseloads against the caps" },
	{ "audit", ctl_audit, "audit [SUBJECT]              the audit trail" },
	{ "keys", ctl_keys,
	    "keys rotate                  a new key signs the answer links (the old one's work for key_grace)",
	    CTL_FAMILY },
	{ "feed", ctl_feed, "feed url|revoke EMAIL        a person's calendar feed URL (subscribe in Outlook, Google)",
	    CTL_FAMILY },
	{ "link", ctl_link, "link make DOMAIN --role ROLE --to EMAIL ...   the answer links a notice would carry",
	    CTL_FAMILY },
	{ "version", ctl_version, "version                      driftwatchctl's version", CTL_NO_STATE },
	{ "help", NULL, "help [COMMAND [SUBCOMMAND]]  this list, or one command's usage", CTL_NO_STATE },
	{ NULL, NULL, NULL },
};

/* Is this argument a request for help? */
static int
ctl_is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

/* The entry called name in a table, or NULL. */
static const struct ctl_command *
ctl_find(const struct ctl_command *table, const char *name)
{
	const struct ctl_command *cmd;

	for (cmd = table; cmd->name != NULL; cmd++) {
		if (strcmp(cmd->name, name) == 0)
			return cmd;
	}
	return NULL;
}

/* Print the usage of everything. */
static void
ctl_help(FILE *f)
{
	const struct ctl_command *cmd;

	fprintf(f,
	    "usage: driftwatchctl [-d] [-f FILE] COMMAND ...\n"
	    "       driftwatchctl help [COMMAND]   (or COMMAND --help)\n"
	    "  -f FILE   the rules (default $DRIFTWATCH_CONFIG or " CTL_DEFAULT_CONFIG ")\n"
	    "  -d        debug logging\n\ncommands:\n");
	for (cmd = ctl_commands; cmd->name != NULL; cmd++)
		fprintf(f, "  %s\n", cmd->usage);
	fprintf(f,
	    "\nRun it as the service's user, so that what it writes stays the service's:\n"
	    "  sudo -u driftwatch driftwatchctl COMMAND ...\n");
}

/* Print one entry's usage and its help; prefix is "" or a family and a space. */
static void
ctl_help_entry(FILE *f, const char *prefix, const struct ctl_command *cmd)
{
	fprintf(f, "usage: driftwatchctl %s%s\n", prefix, cmd->usage);
	if (cmd->help != NULL)
		fprintf(f, "\n%s\n", cmd->help);
}

/* Print a family's usage: its own entry, then each subcommand. */
static void
ctl_help_family(FILE *f, const char *family, const struct ctl_command *table)
{
	const struct ctl_command *cmd;

	if ((cmd = ctl_find(ctl_commands, family)) != NULL) {
		ctl_help_entry(f, "", cmd);
		fprintf(f, "\n");
	} else
		fprintf(f, "usage:\n");
	for (cmd = table; cmd->name != NULL; cmd++)
		fprintf(f, "  driftwatchctl %s %s\n", family, cmd->usage);
}

/* See ctl.h. */
void
ctl_op_env(struct ctl *c, struct op_env *env)
{
	memset(env, 0, sizeof *env);
	env->store = ctl_store(c);
	env->cfg = c->cfg;
	env->now = c->now;
	env->today = c->today;
	env->actor = "ctl";
}

/* See ctl.h. */
int
ctl_op_exit(const struct op_answer *a)
{
	if (a->result == OP_OK)
		return CTL_EX_OK;
	fprintf(stderr, "driftwatchctl: %s\n", a->message != NULL ? a->message : "failed");
	if (a->result == OP_BAD_INPUT || a->result == OP_NOT_FOUND || a->result == OP_CONFLICT)
		return CTL_EX_DATAERR;
	return CTL_EX_FAIL;
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
ctl_explain_opts(struct ctl *c, int argc, char **argv, const char *usage, int npos, int *at, int *json)
{
	static const struct option opts[] = { { "at", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int ch;

	*at = c->today;
	*json = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j')
			*json = 1;
		else if (ch != 'a')
			return ctl_usage(usage);
		else if (ctl_parse_date(c, "--at", optarg, at) != 0)
			return CTL_EX_USAGE;
	}
	if (npos > 0 ? argc - optind != npos : optind >= argc)
		return ctl_usage(usage);
	return CTL_EX_OK;
}

/* See ctl.h. */
int
ctl_json_only(int argc, char **argv, const char *usage, int *json)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 } };
	int ch;

	*json = 0;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			return ctl_usage(usage);
		*json = 1;
	}
	return optind == argc ? CTL_EX_OK : ctl_usage(usage);
}

/* See ctl.h. */
int
ctl_dispatch(struct ctl *c, const char *family, const struct ctl_command *table, int argc, char **argv)
{
	const struct ctl_command *cmd;
	char *prefix;

	if (argc >= 2 && ctl_is_help(argv[1])) {
		ctl_help_family(stdout, family, table);
		return CTL_EX_OK;
	}
	if (argc >= 2) {
		if ((cmd = ctl_find(table, argv[1])) != NULL) {
			if (argc >= 3 && ctl_is_help(argv[2])) {
				xasprintf(&prefix, "%s ", family);
				ctl_help_entry(stdout, prefix, cmd);
				free(prefix);
				return CTL_EX_OK;
			}
			return cmd->run(c, argc - 1, argv + 1);
		}
		fprintf(stderr, "driftwatchctl: %s: unknown subcommand \"%s\"\n", family, argv[1]);
	}
	ctl_help_family(stderr, family, table);
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
	printf("%s: ok (%d transports, %d roles, %d bank holidays)\n",
	    c->config_path != NULL ? c->config_path : "(defaults)", c->cfg->ntransports, c->cfg->nroles,
	    calendar_count(c->cfg->calendar));
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

/* Print one word for a POSIX shell: as it is when that is safe, else in single quotes. */
static void
ctl_print_shell_word(FILE *f, const char *word)
{
	const char *p;

	if (*word != '\0' &&
	    strspn(word, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%+=:,./_-") == strlen(word)) {
		fputs(word, f);
		return;
	}
	fputc('\'', f);
	for (p = word; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", f);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

/*
 * The uid that owns path, or when path is not there (or cannot be looked at) its folder, whose
 * owner a new file there belongs with. 0 and *owner set; -1 when there is nothing to look at or
 * the folder is a shared sticky one like /tmp, where what we create is ours alone.
 */
static int
ctl_state_owner(const char *path, uid_t *owner)
{
	struct stat st;
	char *copy, *dir;
	int rc = -1;

	if (stat(path, &st) == 0) {
		*owner = st.st_uid;
		return 0;
	}
	copy = xstrdup(path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0 && !((st.st_mode & S_ISVTX) != 0 && (st.st_mode & S_IWOTH) != 0)) {
		*owner = st.st_uid;
		rc = 0;
	}
	free(copy);
	return rc;
}

/*
 * The service's state (its database and file spools) belongs to the service's user. Run as anyone
 * else, root above all, SQLite and the spool would leave files (the database, its -wal and -shm, a
 * spool file) that the daemon then cannot write; so refuse before anything is opened, and print
 * the command to type instead.
 */
static int
ctl_check_service_user(struct ctl *c)
{
	const char *path = c->cfg->database;
	struct passwd *pw;
	uid_t owner = 0;
	int i;

	if (ctl_state_owner(path, &owner) != 0 || owner == geteuid()) {
		path = NULL;
		for (i = 0; i < c->cfg->ntransports; i++) {
			const struct transport_config *t = &c->cfg->transports[i].t;

			if (t->type != NULL && strcmp(t->type, "file") == 0 && t->spool != NULL &&
			    ctl_state_owner(t->spool, &owner) == 0 && owner != geteuid()) {
				path = t->spool;
				break;
			}
		}
		if (path == NULL)
			return 0;
	}
	pw = getpwuid(owner);
	fprintf(stderr, "driftwatchctl: %s belongs to ", path);
	if (pw != NULL)
		fprintf(stderr, "%s", pw->pw_name);
	else
		fprintf(stderr, "uid %lu", (unsigned long)owner);
	fprintf(stderr,
	    ", not to the user running this (uid %lu): nothing done.\n"
	    "Run it as the service's user, so that the files it writes stay the service's:\n  sudo -u ",
	    (unsigned long)geteuid());
	if (pw != NULL)
		ctl_print_shell_word(stderr, pw->pw_name);
	else
		fprintf(stderr, "'#%lu'", (unsigned long)owner);
	fputc(' ', stderr);
	ctl_print_shell_word(stderr, c->argv[0]);
	/* sudo does not pass $DRIFTWATCH_CONFIG on: name the file. */
	if (c->config_from_env && c->config_path != NULL) {
		fputs(" -f ", stderr);
		ctl_print_shell_word(stderr, c->config_path);
	}
	for (i = 1; i < c->argc; i++) {
		fputc(' ', stderr);
		ctl_print_shell_word(stderr, c->argv[i]);
	}
	fputc('\n', stderr);
	return -1;
}

/*
 * help [NAME [SUB]], NAME --help, NAME SUB --help: the usage on stdout, exit 0; an unknown name
 * says so with the list, exit 64. No config is loaded: help works on a machine without one.
 */
static int
ctl_help_command(struct ctl *c, char *name, char *sub)
{
	const struct ctl_command *cmd;
	char help[] = "--help", *hargv[3];

	if (name == NULL || ctl_is_help(name)) {
		ctl_help(stdout);
		return CTL_EX_OK;
	}
	if ((cmd = ctl_find(ctl_commands, name)) == NULL) {
		fprintf(stderr, "driftwatchctl: unknown command \"%s\"\n", name);
		ctl_help(stderr);
		return CTL_EX_USAGE;
	}
	if ((cmd->flags & CTL_FAMILY) == 0 || cmd->run == NULL) {
		ctl_help_entry(stdout, "", cmd);
		return CTL_EX_OK;
	}
	/* A family's table lives in its ctl_*.c; its dispatcher prints it without running anything. */
	hargv[0] = name;
	hargv[1] = sub != NULL ? sub : help;
	hargv[2] = help;
	return cmd->run(c, sub != NULL ? 3 : 2, hargv);
}

/* driftwatchctl [-d] [-f FILE] COMMAND ...: options, help, the config and the clock, then the command. */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ctl_command *cmd;
	struct ctl c;
	char *cause = NULL, *line, *save = NULL;
	const char *path = getenv("DRIFTWATCH_CONFIG");
	int ch, debug = 0, rc;

	memset(&c, 0, sizeof c);
	c.argc = argc;
	c.argv = argv;
	c.config_from_env = path != NULL;
	while ((ch = getopt_long(argc, argv, "+df:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			debug = 1;
			break;
		case 'f':
			path = optarg;
			c.config_from_env = 0;
			break;
		case 'h':
			ctl_help(stdout);
			return CTL_EX_OK;
		case 'V':
			return ctl_version(&c, 0, NULL);
		default:
			ctl_help(stderr);
			return CTL_EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	log_init(debug, 0);
	if (argc == 0) {
		ctl_help(stderr);
		return CTL_EX_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return ctl_help_command(&c, argc > 1 ? argv[1] : NULL, argc > 2 ? argv[2] : NULL);
	if (argc >= 2 && ctl_is_help(argv[1]))
		return ctl_help_command(&c, argv[0], NULL);
	if (argc >= 3 && ctl_is_help(argv[2]) && (cmd = ctl_find(ctl_commands, argv[0])) != NULL &&
	    (cmd->flags & CTL_FAMILY) != 0)
		return ctl_help_command(&c, argv[0], argv[1]);
	if ((cmd = ctl_find(ctl_commands, argv[0])) == NULL || cmd->run == NULL) {
		fprintf(stderr, "driftwatchctl: unknown command \"%s\"\n", argv[0]);
		ctl_help(stderr);
		return CTL_EX_USAGE;
	}
	if (strcmp(argv[0], "version") == 0)
		return ctl_version(&c, argc, argv);
	if (path == NULL && access(CTL_DEFAULT_CONFIG, F_OK) == 0)
		path = CTL_DEFAULT_CONFIG;
	c.config_path = path;
	/* As the service's user (or root) while the service runs, read the secrets it was given by
	 * LoadCredential=, so that credential:NAME in the rules means here what it means there. */
	if (getenv("CREDENTIALS_DIRECTORY") == NULL && access(CTL_SERVICE_CREDENTIALS, R_OK | X_OK) == 0 &&
	    setenv("CREDENTIALS_DIRECTORY", CTL_SERVICE_CREDENTIALS, 1) != 0)
		fatal("setenv");
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

	if ((cmd->flags & CTL_NO_STATE) == 0 && ctl_check_service_user(&c) != 0)
		rc = CTL_EX_NOPERM;
	else
		rc = cmd->run(&c, argc, argv);
	store_close(c.store);
	config_free(c.cfg);
	return rc;
}
