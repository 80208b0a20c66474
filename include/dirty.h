/*
 * dirty.h: which records a pass plans. Triggers (store.c, migration 12) mark the records a write
 * touched in plan_dirty, in the writer's own transaction; each watcher keeps its records' next fire
 * instants in plan_next. A pass in a domain ("reviews", "disputes", "actions", "asye") plans the
 * dirty records and those whose next fire instant has come, or every record when the domain is
 * marked whole ("*": a roles change, a rules reload, `driftwatchctl replan --all`). Domains too
 * small to split (actions, asye) keep one key, "*".
 */
#ifndef DRIFTWATCH_DIRTY_H
#define DRIFTWATCH_DIRTY_H

#include <stdbool.h>
#include <time.h>

struct store;

/*
 * Start a domain's pass (inside the watcher's transaction): *all when every record is to be planned;
 * otherwise the keys to plan (dirty or due at now) are put in the temporary table plan_set (key), and
 * *n says how many. Either way the marks taken are cleared and those records' next instants
 * forgotten, for the pass to write again. 0, or -1 with *cause.
 */
int dirty_begin(struct store *s, const char *domain, time_t now, bool *all, int *n, char **cause);
/* Each key of plan_set, in order (dirty_begin's set): fn returns 0 to go on, -1 stops (returned). */
int dirty_each(struct store *s, int (*fn)(const char *key, void *), void *arg);
/* A record's next fire instant (0: nothing planned, the record waits for a change). */
int dirty_next_put(struct store *s, const char *domain, const char *key, time_t at, char **cause);
/*
 * Where the domain's next pass is needed: *next lowered to its earliest next instant after now, or
 * to now + 1 when the pass's own writes left records dirty (planned again at once: they converge).
 */
void dirty_next(struct store *s, const char *domain, time_t now, time_t *next);
/* Mark every domain whole: the next pass plans every record afresh. 0, or -1 with *cause. */
int dirty_mark_all(struct store *s, char **cause);

#endif
