/*
 * clock.c: now(), real or injected through DRIFTWATCH_NOW. An injected clock starts at the given
 * instant and runs on at real speed, so timers still fire and a test can stand on any date.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "xmalloc.h"

static time_t clock_offset; /* injected start minus the real time at start */
static char *clock_injected_text;

/* Parse an ISO 8601 instant; see clock.h. */
int
clock_parse(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh, om;
	char sign;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	s += n;
	if (*s == 'T' || *s == ' ') {
		n = 0;
		if (sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		s += 1 + n;
		if (*s == ':') {
			n = 0;
			if (sscanf(s + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -1;
			s += 1 + n;
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (*s == '\0') {
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1)
			return -1;
	} else if (strcmp(s, "Z") == 0) {
		t = timegm(&tm);
	} else if ((*s == '+' || *s == '-') && sscanf(s, "%c%2d:%2d%n", &sign, &oh, &om, &n) == 3 && s[n] == '\0') {
		t = timegm(&tm) - (sign == '+' ? 1 : -1) * (oh * 3600 + om * 60);
	} else
		return -1;
	if (tm.tm_mday != d && *s == '\0')
		return -1; /* mktime normalised an impossible date such as 02-30 */
	*out = t;
	return 0;
}

/* Read DRIFTWATCH_NOW; see clock.h. */
int
clock_init(char **cause)
{
	const char *env = getenv("DRIFTWATCH_NOW");
	time_t start;

	clock_offset = 0;
	free(clock_injected_text);
	clock_injected_text = NULL;
	if (env == NULL || *env == '\0')
		return 0;
	if (clock_parse(env, &start) != 0) {
		xasprintf(cause, "DRIFTWATCH_NOW: \"%s\" is not an ISO 8601 date or time", env);
		return -1;
	}
	clock_offset = start - time(NULL);
	clock_injected_text = xstrdup(env);
	return 0;
}

/* The current instant. */
time_t
clock_now(void)
{
	return time(NULL) + clock_offset;
}

/* DRIFTWATCH_NOW's text when injected, else NULL. */
const char *
clock_injected(void)
{
	return clock_injected_text;
}

/* Local "YYYY-MM-DD HH:MM". */
char *
clock_format_local(time_t t, char *buf)
{
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M", &tm);
	return buf;
}

/* UTC "YYYY-MM-DDTHH:MM:SSZ". */
char *
clock_format_utc(time_t t, char *buf)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}
