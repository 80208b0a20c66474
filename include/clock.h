/*
 * clock.h: now(), real or injected. DRIFTWATCH_NOW (ISO 8601; local time when it has no offset)
 * starts the clock at that instant and lets it run on from there, so tests and demos can stand on
 * any date without sleeping. Both programs honour it and warn when it is set.
 */
#ifndef DRIFTWATCH_CLOCK_H
#define DRIFTWATCH_CLOCK_H

#include <time.h>

/* Read DRIFTWATCH_NOW once (after TZ is set). Returns 0, or -1 with *cause on a bad value. */
int clock_init(char **cause);
/* The current instant, UTC seconds. */
time_t clock_now(void);
/* Whether DRIFTWATCH_NOW is in force, and the text it was given. */
const char *clock_injected(void);
/* Parse ISO 8601 "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" with optional "Z" or "+HH:MM"; local when no offset. */
int clock_parse(const char *s, time_t *out);
/* Format an instant as local "YYYY-MM-DD HH:MM" into buf (at least 32 bytes). */
char *clock_format_local(time_t t, char *buf);
/* Format an instant as UTC ISO 8601 "YYYY-MM-DDTHH:MM:SSZ" (buf at least 32 bytes). */
char *clock_format_utc(time_t t, char *buf);

#endif
