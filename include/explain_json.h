/*
 * explain_json.h: the small pieces every explain JSON builder (actions_json.c, disputes_json.c,
 * reviews_json.c, asye_json.c) shares, so the four say a date, a time and an outbox state alike.
 */
#ifndef DRIFTWATCH_EXPLAIN_JSON_H
#define DRIFTWATCH_EXPLAIN_JSON_H

#include <jansson.h>
#include <time.h>

/* An outbox state as explain's word: sent, held (the first-start hold), dead, else pending. */
const char *explain_outbox_word(const char *state);
/* A date (calendar.h's day number) as "YYYY-MM-DD": null for DATE_NONE. */
json_t *explain_json_date(int date);
/* A time as JSON, local as the text form prints it: null for none. */
json_t *explain_json_time(time_t t);

#endif
