/*
 * actions.h: improvement actions in the store (store_actions.c) and the plan importer
 * (import_actions.c). The record itself and its rules are in plan_actions.h.
 */
#ifndef DRIFTWATCH_ACTIONS_H
#define DRIFTWATCH_ACTIONS_H

#include <stdbool.h>
#include <time.h>

#include "plan_actions.h"

struct config;
struct import_errors;
struct store;

void action_free(struct action *a);
void actions_free(struct action *v, int n);
/* "open", "complete", "dropped"; -1 when unknown. */
const char *action_status_name(enum action_status st);
int action_status_parse(const char *s);
/* "psw,sad-safeguarding": the lead keys joined by commas (caller frees). */
char *action_leads_joined(const struct action *a);

/* One action by (plan, ref): 0 found, 1 not found. */
int actions_get(struct store *s, const char *plan, const char *ref, struct action *a);
/* Every action (of one plan when plan is not NULL), in plan order. 0, or -1 with *cause. */
int actions_load(struct store *s, const char *plan, struct action **v, int *n, char **cause);
/* Insert a new action (rev 1), or update one, bumping its rev. Inside the caller's transaction. */
int actions_insert(struct store *s, const struct action *a, char **cause);
int actions_update(struct store *s, const struct action *a, char **cause);
/* The date the lead officer expects the action done by (DATE_NONE clears it), inside the caller's
 * transaction; import and update leave it as it is. */
int actions_set_expected(struct store *s, const char *plan, const char *ref, int expected_on, char **cause);
/* A role's display title (its first title; the key when it has none). Caller frees. */
char *actions_role_title(struct store *s, const struct config *cfg, const char *key);
/* The org chart: every role key with whom it reports to (database roles merged with the ini's). */
struct actions_org {
	struct plan_actions_org org; /* what the planner reads */
	struct plan_role_line *lines;
	char **keys, **ups;
	int n;
};
int actions_org_open(struct store *s, const struct config *cfg, struct actions_org *o, char **cause);
void actions_org_close(struct actions_org *o);

/*
 * Read and validate an actions CSV (see README: import actions). Every problem goes into e as
 * FILE:LINE:COLUMN; the rows are returned only when there is none (*v, *n). present[] says which
 * optional columns the file had (status, progress_note, progress_on, completed_on), so a re-import
 * without them keeps progress recorded by `actions progress`. today stamps imported_on.
 */
#define ACTIONS_OPTIONAL_COLUMNS 4
int import_actions_read(struct import_errors *e, const char *path, struct store *s, const struct config *cfg, int today,
    struct action **v, int *n, bool present[ACTIONS_OPTIONAL_COLUMNS]);

#endif
