/*
 * asye_json.h: where one ASYE stands, as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_ASYE_JSON_H
#define DRIFTWATCH_ASYE_JSON_H

#include <jansson.h>
#include <time.h>

struct asye_roster;
struct asye_status;
struct asye_worker;
struct config;
struct store;

/* person_id, name, team, programme dates, protected time, supervision, next review, caseload. */
json_t *asye_json(const struct asye_worker *w, const struct asye_status *st);
/*
 * `explain worker` as JSON, at date (and now, for notices still to come today): the worker, the
 * ASYE's position (null when not an ASYE), the caseload against its limit, and each notice planned
 * with its recipient, dates and state (sent, held, dead, pending, due, to-come, lapsed, not-sent; "detail" has
 * the text form's words). r is the roster w is in (the head of service may come from it).
 */
json_t *asye_explain_json(struct store *s, const struct config *cfg, const struct asye_roster *r,
    const struct asye_worker *w, int date, time_t now);

#endif
