/* audit.h: the append-only audit trail: every state change and every notice, with who did it. */
#ifndef DRIFTWATCH_AUDIT_H
#define DRIFTWATCH_AUDIT_H

#include <stdio.h>
#include <time.h>

struct store;

/* Append one entry (inside the caller's transaction). actor: "daemon", "ctl:import", a user ... */
int audit_add(struct store *s, time_t at, const char *actor, const char *what, const char *subject, const char *detail,
    char **cause);
/* Print the trail of one subject (or all when subject is NULL), oldest first. */
int audit_print(struct store *s, const char *subject, FILE *f);
/* Entries of one kind (what) for a subject. */
int audit_count(struct store *s, const char *what, const char *subject);

#endif
