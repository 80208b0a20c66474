/*
 * ctl.h: driftwatchctl's shared state and helpers. Each family of subcommands lives in its own
 * daemon/ctl_*.c and is listed in ctl.c's table.
 */
#ifndef DRIFTWATCH_CTL_H
#define DRIFTWATCH_CTL_H

#include <getopt.h>
#include <stdbool.h>
#include <time.h>

struct config;
struct store;

#define CTL_EX_OK 0
#define CTL_EX_FAIL 1
#define CTL_EX_USAGE 64
#define CTL_EX_DATAERR 65
#define CTL_EX_NOINPUT 66
#define CTL_EX_NOPERM 77
#define CTL_EX_CONFIG 78

struct ctl {
	struct config *cfg;
	const char *config_path;
	struct store *store; /* opened on first ctl_store() */
	time_t now;	     /* clock_now() at start */
	int today;	     /* local date of now */
	int argc;	     /* the command line as typed, to print it back */
	char **argv;
	int config_from_env; /* the rules came from $DRIFTWATCH_CONFIG, not -f */
};

/*
 * One command in a table: the name, what runs it, and its help. `usage` is the synopsis (without
 * "driftwatchctl" and, in a family's table, without the family), then two spaces or more and one
 * line on what it does: `driftwatchctl help` and a family's usage print it. The trailing fields are
 * optional (`{ "status", ctl_status, "status [--json]   what the daemon is doing" }` is a whole
 * entry): `flags` (CTL_*) and `help`, a longer text `driftwatchctl help NAME` prints after the
 * usage.
 */
struct ctl_command {
	const char *name;
	int (*run)(struct ctl *c, int argc, char **argv); /* argv[0] is the command name */
	const char *usage;
	int flags;
	const char *help;
};
/* The command's first argument names a subcommand in its own table (it calls ctl_dispatch). */
#define CTL_FAMILY 0x1
/* It reads and writes no state (no database, no spool): any user may run it. */
#define CTL_NO_STATE 0x2

/* The store, opened on first use (exits 1 with the reason when it cannot be opened). */
struct store *ctl_store(struct ctl *c);
/* Parse "YYYY-MM-DD" or the word "today"; prints an error naming what and returns -1. */
int ctl_parse_date(struct ctl *c, const char *what, const char *s, int *date);
/* The environment of an operation (ops.h) run by driftwatchctl: actor "ctl", its now and today. */
struct op_env;
struct op_answer;
void ctl_op_env(struct ctl *c, struct op_env *env);
/* An operation's exit code (0, 65 for bad input, unknown or conflict, 1), its message printed. */
int ctl_op_exit(const struct op_answer *a);
/* Print a usage line for a command and return CTL_EX_USAGE. */
int ctl_usage(const char *usage);
/*
 * An explain command's [--at DATE] [--json] (getopt_long), then npos arguments (0: one or more,
 * from argv[optind]): 0, or CTL_EX_USAGE after the usage or the bad date is said.
 */
int ctl_explain_opts(struct ctl *c, int argc, char **argv, const char *usage, int npos, int *at, int *json);
/* A command whose one option is --json (getopt_long): 0 with *json, or its usage and CTL_EX_USAGE. */
int ctl_json_only(int argc, char **argv, const char *usage, int *json);
/*
 * Dispatch argv[1] among subcommands (e.g. "outbox list"); prints their usage when unknown.
 * `FAMILY --help` prints the family's usage and `FAMILY SUB --help` the subcommand's, exit 0.
 */
int ctl_dispatch(struct ctl *c, const char *family, const struct ctl_command *table, int argc, char **argv);

/* Subcommand families (one ctl_*.c each). */
int ctl_calendar(struct ctl *c, int argc, char **argv);
int ctl_replan(struct ctl *c, int argc, char **argv);
int ctl_keys(struct ctl *c, int argc, char **argv);
int ctl_link(struct ctl *c, int argc, char **argv);
int ctl_feed(struct ctl *c, int argc, char **argv);
int ctl_import(struct ctl *c, int argc, char **argv);
int ctl_asye(struct ctl *c, int argc, char **argv);
int ctl_caseloads(struct ctl *c, int argc, char **argv);
int ctl_explain_worker(struct ctl *c, int argc, char **argv);
int ctl_outbox(struct ctl *c, int argc, char **argv);
int ctl_test_send(struct ctl *c, int argc, char **argv);
int ctl_explain(struct ctl *c, int argc, char **argv);

/* Action plans (ctl_actions.c). */
int ctl_actions(struct ctl *c, int argc, char **argv);
int ctl_import_actions(struct ctl *c, int argc, char **argv);
int ctl_explain_action(struct ctl *c, int argc, char **argv);

/* IRO disputes (ctl_disputes.c). */
int ctl_dispute(struct ctl *c, int argc, char **argv);	       /* ctl_disputes.c */
int ctl_explain_dispute(struct ctl *c, int argc, char **argv); /* explain dispute ID */

/* Looked-after reviews and permanence (ctl_reviews.c). */
int ctl_review(struct ctl *c, int argc, char **argv);
int ctl_permanence(struct ctl *c, int argc, char **argv);
int ctl_children(struct ctl *c, int argc, char **argv);
int ctl_explain_child(struct ctl *c, int argc, char **argv); /* explain child CASE */

/* The daemon's status (ctl_status.c) and the notices to come (ctl_upcoming.c). */
int ctl_status(struct ctl *c, int argc, char **argv);
int ctl_upcoming(struct ctl *c, int argc, char **argv);

/* The monthly digest (ctl_digest.c). */
int ctl_digest(struct ctl *c, int argc, char **argv);

#endif
