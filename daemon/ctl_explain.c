/*
 * ctl_explain.c: `driftwatchctl explain KIND ...` — for one record, the plan its rules produce:
 * each notice's date, recipients and reason, and whether it was sent, is pending or is to come.
 * Each watcher provides its kind; this table lists them.
 */
#include "ctl.h"

static const struct ctl_command ctl_explain_commands[] = {
	{ "action", ctl_explain_action, "action PLAN REF [--at DATE] [--json]" },
	{ "dispute", ctl_explain_dispute,
	    "dispute ID [--at DATE] [--json]     the ladder with its dates and every notice" },
	{ "worker", ctl_explain_worker,
	    "worker PERSON [--at DATE] [--json]  the ASYE's position, each notice and its recipient" },
	{ "child", ctl_explain_child,
	    "child CASE... [--at DATE] [--json]  the review schedule with its dates and every notice" },
	{ NULL, NULL, NULL },
};

/* explain KIND ... */
int
ctl_explain(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "explain", ctl_explain_commands, argc, argv);
}
