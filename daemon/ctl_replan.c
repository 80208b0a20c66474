/*
 * ctl_replan.c: `driftwatchctl replan --all` — mark every record for the daemon to plan afresh at
 * its next pass (it sees the commit within a tick). Incremental planning makes this needless in
 * normal running; it is there for an admin who doubts a plan, and for the tests that check both
 * paths queue the same notices.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "ctl.h"
#include "dirty.h"
#include "store.h"

/* replan --all: the marks and their audit entry, in one transaction. */
int
ctl_replan(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "replan --all   plan every record afresh at the daemon's next pass";
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	struct store *s;
	char *cause = NULL;
	int ch, all = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'a')
			return ctl_usage(usage);
		all = 1;
	}
	if (!all || optind != argc)
		return ctl_usage(usage);
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0 || dirty_mark_all(s, &cause) != 0 ||
	    audit_add(s, c->now, "ctl", "replan-all", "plan", "every record marked for a full re-plan", &cause) != 0 ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: replan: %s\n", cause != NULL ? cause : "failed");
		free(cause);
		return CTL_EX_FAIL;
	}
	printf("every record is marked: the daemon plans them all afresh at its next pass\n");
	return CTL_EX_OK;
}
