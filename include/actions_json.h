/*
 * actions_json.h: an improvement action as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_ACTIONS_JSON_H
#define DRIFTWATCH_ACTIONS_JSON_H

#include <jansson.h>

struct action;
struct config;

/* plan, ref, section, text, leads, dates, status, progress, and the RAG and days overdue at date `at`. */
json_t *actions_json(const struct action *a, const struct config *cfg, int at);

#endif
