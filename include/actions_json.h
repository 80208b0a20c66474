/*
 * actions_json.h: an improvement action as JSON, shared by driftwatchctl and the HTTP API.
 */
#ifndef DRIFTWATCH_ACTIONS_JSON_H
#define DRIFTWATCH_ACTIONS_JSON_H

#include <jansson.h>
#include <stddef.h>

struct action;
struct config;
struct plan_action_item;
struct store;

/* plan, ref, section, text, leads, dates, status, progress, and the RAG and days overdue at date `at`. */
json_t *actions_json(const struct action *a, const struct config *cfg, int at);
/*
 * What became of one planned notice at date `at`: the text form's words in out, and one word in
 * *word (sent, held, dead, pending, none, no-email, cancelled, to-come, superseded, due) for JSON.
 */
void actions_notice_explain(struct store *s, const struct config *cfg, const struct plan_action_item *it, int at,
    char *out, size_t len, const char **word);
/*
 * `explain action` as JSON: actions_json at `at`, then "at" and every notice planned with its
 * recipient, reason and state. NULL with *cause when the reporting lines cannot be read.
 */
json_t *actions_explain_json(struct store *s, const struct config *cfg, const struct action *a, int at, char **cause);

#endif
