/*
 * asye_json.h: where one ASYE stands, as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_ASYE_JSON_H
#define DRIFTWATCH_ASYE_JSON_H

#include <jansson.h>

struct asye_status;
struct asye_worker;

/* person_id, name, team, programme dates, protected time, supervision, next review, caseload. */
json_t *asye_json(const struct asye_worker *w, const struct asye_status *st);

#endif
