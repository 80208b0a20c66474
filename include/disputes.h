/*
 * disputes.h: IRO disputes as other modules see them. The reviews watcher raises a permanence
 * dispute by itself when a second review is recorded without a permanence plan.
 */
#ifndef DRIFTWATCH_DISPUTES_H
#define DRIFTWATCH_DISPUTES_H

#include <stdint.h>
#include <time.h>

struct config;
struct store;

struct dispute_raise {
	const char *case_ref;
	const char *iro_email; /* raised by */
	const char *category;  /* drift-and-delay, permanence, care-plan, ... */
	const char *stage;     /* NULL: the first stage of the ladder */
	const char *note;      /* no child's name */
	int raised_on;	       /* local date */
	const char *actor;     /* "daemon", "ctl", ... for the audit trail */
};

/*
 * Raise a dispute inside the caller's transaction: record it, its stage dates from the ladder in
 * force (kept with the dispute), the first notices and the audit entry. *id is the new dispute.
 * -1 with *cause for an unknown case, category or stage.
 */
int disputes_raise(struct store *s, const struct config *cfg, const struct dispute_raise *r, time_t now,
    int64_t *id, char **cause);

#endif
