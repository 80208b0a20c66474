/*
 * disputes_json.h: a dispute as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_DISPUTES_JSON_H
#define DRIFTWATCH_DISPUTES_JSON_H

#include <jansson.h>

struct dispute;

/* id, case_ref, raised_by, category, dates, stage, responder, outcome, Cafcass and the history. */
json_t *disputes_json(const struct dispute *d);

#endif
