/*
 * explain_json.c: the pieces the explain JSON builders share (see explain_json.h).
 */
#include <string.h>

#include "calendar.h"
#include "clock.h"
#include "explain_json.h"

/* See explain_json.h. */
const char *
explain_outbox_word(const char *state)
{
	static const char *const own[] = { "sent", "held", "dead", NULL };
	int i;

	for (i = 0; own[i] != NULL; i++) {
		if (strcmp(state, own[i]) == 0)
			return own[i];
	}
	return "pending"; /* pending, retry, sending: on its way */
}

/* See explain_json.h. */
json_t *
explain_json_date(int date)
{
	char buf[DATE_BUFSZ];

	return date == DATE_NONE ? json_null() : json_string(date_format(date, buf));
}

/* See explain_json.h. */
json_t *
explain_json_time(time_t t)
{
	char buf[32];

	return t > 0 ? json_string(clock_format_local(t, buf)) : json_null();
}
