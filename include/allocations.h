/*
 * allocations.h: who works on a child's case: team, social worker, team manager and IRO, from
 * `driftwatchctl import allocations` (case_ref, team, social_worker, social_worker_email,
 * team_manager, team_manager_email, iro, iro_email). Staff names are kept for the council's own
 * lists; notices name children by case reference only.
 */
#ifndef DRIFTWATCH_ALLOCATIONS_H
#define DRIFTWATCH_ALLOCATIONS_H

#include <time.h>

struct import_request;
struct store;

struct allocation {
	char *case_ref;
	char *team;
	char *social_worker, *social_worker_email;
	char *team_manager, *team_manager_email;
	char *iro, *iro_email;
};

/* 0 and *a filled when the case is allocated, -1 when unknown. */
int allocation_get(struct store *s, const char *case_ref, struct allocation *a);
void allocation_free(struct allocation *a);
/* Store side: add or replace one case's allocation, in the caller's transaction. */
int allocation_put(struct store *s, const struct allocation *a, char **cause);
/*
 * Set one case's social worker (an id, never a name) and email, keeping its team, team manager and
 * IRO; a case not yet allocated gets an empty team. In the caller's transaction.
 */
int allocation_set_social_worker(
    struct store *s, const char *case_ref, const char *social_worker, const char *email, char **cause);
/* Number of allocated cases. */
int allocation_count(struct store *s);

/*
 * `driftwatchctl import allocations FILE.csv`: validate every row (FILE:LINE:COLUMN errors on
 * err), then add or replace every case in one transaction (cases not in the file are kept).
 * Returns an exit code: 0, 65 on bad input (nothing imported), 1 on a store failure.
 */
int import_allocations(const struct import_request *rq);

#endif
