/*
 * disputes_json.h: a dispute as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_DISPUTES_JSON_H
#define DRIFTWATCH_DISPUTES_JSON_H

#include <jansson.h>

struct config;
struct dispute;
struct store;

/* id, case_ref, raised_by, category, dates, stage, responder, outcome, Cafcass and the history. */
json_t *disputes_json(const struct dispute *d);
/*
 * `explain dispute` as JSON, as at date `at`: the dispute, its ladder (each stage's position and
 * dates), the notices in the outbox, and every notice planned now with its recipient, reason and
 * state (sent, held, dead, pending, due, to-come, lapsed, not-sent) and the text form's words in "detail".
 */
json_t *disputes_explain_json(struct store *s, const struct config *cfg, const struct dispute *d, int at);

#endif
