/*
 * reviews_json.h: a looked-after child's reviews as JSON, shared by `driftwatchctl children list
 * --json` and the HTTP API (GET /v1/children, GET /v1/children/{case_ref}).
 */
#ifndef DRIFTWATCH_REVIEWS_JSON_H
#define DRIFTWATCH_REVIEWS_JSON_H

#include <jansson.h>
#include <stdbool.h>

struct config;
struct reviews_child;
struct store;

/*
 * The child's latest period of care as at `today`: when looked after, reviews held, the next one
 * and its due date, days overdue, the permanence plan, allocated or not. NULL when the child has no
 * period of care. *overdue and *lacks_plan (either may be NULL) say what the list filters test.
 */
json_t *reviews_child_json(struct store *s, const struct config *cfg, const struct reviews_child *rc, int today,
    bool *overdue, bool *lacks_plan);
/*
 * `explain child` as JSON, as at date `at`: the allocation's team and emails, each period of care
 * (reviews due and held, the permanence plan, the second review, a permanence dispute), every notice
 * planned with each recipient's address and state (sent, held, dead, pending, due, to-come, lapsed, not-sent;
 * "detail" has the text form's words), and what the outbox holds for the child.
 */
json_t *reviews_explain_json(struct store *s, const struct config *cfg, const struct reviews_child *rc, int at);

#endif
