/*
 * calendar.c: dates as day numbers, working days from the bank holiday file, calendar months,
 * and the send window in local time. Summer time comes from the tz database (TZ, localtime_r,
 * mktime); bank holidays come from data, never from a rule: 2020-05-08, 2022-06-02/03,
 * 2022-09-19 and 2023-05-08 break every rule anyone would write.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "xmalloc.h"

struct calendar {
	int *dates; /* sorted */
	int n;
};

/* Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
int
date_from_ymd(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* The civil date of a day number (civil_from_days). */
void
date_to_ymd(int date, int *y, int *m, int *d)
{
	int z = date + 719468, era, doe, yoe, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

/* 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
int
date_weekday(int date)
{
	return ((date % 7) + 7 + 3) % 7;
}

/* Days in a month. */
static int
date_month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Strict "YYYY-MM-DD". */
int
date_parse(const char *s, int *date)
{
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return -1;
	}
	y = atoi(s);
	m = atoi(s + 5);
	d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > date_month_days(y, m))
		return -1;
	*date = date_from_ymd(y, m, d);
	return 0;
}

/* "YYYY-MM-DD". */
char *
date_format(int date, char *buf)
{
	int y, m, d;

	if (date == DATE_NONE) {
		strcpy(buf, "-");
		return buf;
	}
	date_to_ymd(date, &y, &m, &d);
	/* By hand: a first pass formats a few hundred thousand dates, and snprintf was a twentieth of it. */
	if (y >= 0 && y <= 9999) {
		buf[0] = (char)('0' + y / 1000);
		buf[1] = (char)('0' + y / 100 % 10);
		buf[2] = (char)('0' + y / 10 % 10);
		buf[3] = (char)('0' + y % 10);
		buf[4] = '-';
		buf[5] = (char)('0' + m / 10);
		buf[6] = (char)('0' + m % 10);
		buf[7] = '-';
		buf[8] = (char)('0' + d / 10);
		buf[9] = (char)('0' + d % 10);
		buf[10] = '\0';
		return buf;
	}
	snprintf(buf, DATE_BUFSZ, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/* N months after date, clamped to the month's last day. */
int
date_add_months(int date, int n)
{
	int y, m, d, total, last;

	date_to_ymd(date, &y, &m, &d);
	total = y * 12 + (m - 1) + n;
	y = total >= 0 ? total / 12 : (total - 11) / 12;
	m = total - y * 12 + 1;
	last = date_month_days(y, m);
	return date_from_ymd(y, m, d > last ? last : d);
}

/* "5wd", "3d", "2w", "3m". */
int
duration_parse(const char *s, struct duration *out, char **cause)
{
	const char *c = s;
	int n = 0, digits = 0;

	if (s == NULL) {
		if (cause != NULL)
			*cause = xstrdup("missing duration: want a number and a unit: wd, d, w or m");
		return -1;
	}
	while (isdigit((unsigned char)*c) && digits < 5) {
		n = n * 10 + (*c - '0');
		c++;
		digits++;
	}
	if (digits == 0 || digits > 4)
		goto bad;
	if (strcmp(c, "wd") == 0)
		out->unit = DURATION_WORKING_DAYS;
	else if (strcmp(c, "d") == 0)
		out->unit = DURATION_DAYS;
	else if (strcmp(c, "w") == 0)
		out->unit = DURATION_WEEKS;
	else if (strcmp(c, "m") == 0)
		out->unit = DURATION_MONTHS;
	else
		goto bad;
	out->n = n;
	return 0;
bad:
	if (cause != NULL)
		xasprintf(cause, "bad duration \"%s\": want a number and a unit: wd, d, w or m", s);
	return -1;
}

/* "5wd" etc. */
char *
duration_format(const struct duration *d, char *buf)
{
	static const char *const units[] = { "wd", "d", "w", "m" };

	snprintf(buf, 16, "%d%s", d->n, units[d->unit]);
	return buf;
}

/* Order ints. */
static int
calendar_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Index of the first holiday on or after date (n when there is none). */
static int
calendar_lower_bound(const struct calendar *cal, int date)
{
	int lo = 0, hi = cal->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cal->dates[mid] < date)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Load the bank holiday file. Each date goes in at its sorted place as it is read (the file is in
 * order, so that is an append), which finds a duplicate on its own line and names the first.
 */
struct calendar *
calendar_load(const char *path, char **cause)
{
	struct calendar *cal;
	char *line = NULL, *s;
	size_t size = 0, len;
	int lineno = 0, *lines = NULL, date, i;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	cal = xcalloc(1, sizeof *cal);
	while (getline(&line, &size, f) != -1) {
		lineno++;
		s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		len = strcspn(s, " \t\r\n");
		s[len] = '\0';
		if (date_parse(s, &date) != 0) {
			xasprintf(cause, "%s:%d: bad date \"%.40s\" (want YYYY-MM-DD, then the holiday's name)", path,
			    lineno, s);
			goto fail;
		}
		i = calendar_lower_bound(cal, date);
		if (i < cal->n && cal->dates[i] == date) {
			xasprintf(cause, "%s:%d: %s is listed twice (first on line %d)", path, lineno, s, lines[i]);
			goto fail;
		}
		cal->dates = xreallocarray(cal->dates, (size_t)cal->n + 1, sizeof *cal->dates);
		lines = xreallocarray(lines, (size_t)cal->n + 1, sizeof *lines);
		memmove(cal->dates + i + 1, cal->dates + i, (size_t)(cal->n - i) * sizeof *cal->dates);
		memmove(lines + i + 1, lines + i, (size_t)(cal->n - i) * sizeof *lines);
		cal->dates[i] = date;
		lines[i] = lineno;
		cal->n++;
	}
	if (ferror(f)) {
		xasprintf(cause, "%s:%d: %s", path, lineno + 1, strerror(errno));
		goto fail;
	}
	fclose(f);
	free(line);
	free(lines);
	return cal;
fail:
	fclose(f);
	free(line);
	free(lines);
	calendar_free(cal);
	return NULL;
}

/* A calendar from a list of dates, in any order; repeats are kept once. */
struct calendar *
calendar_from_dates(const int *dates, int n)
{
	struct calendar *cal = xcalloc(1, sizeof *cal);
	int i, kept = 0;

	if (n < 0)
		n = 0;
	cal->dates = xreallocarray(NULL, (size_t)(n > 0 ? n : 1), sizeof *cal->dates);
	if (n > 0)
		memcpy(cal->dates, dates, (size_t)n * sizeof *dates);
	qsort(cal->dates, (size_t)n, sizeof *cal->dates, calendar_cmp);
	for (i = 0; i < n; i++) {
		if (kept == 0 || cal->dates[kept - 1] != cal->dates[i])
			cal->dates[kept++] = cal->dates[i];
	}
	cal->n = kept;
	return cal;
}

/* Free a calendar. */
void
calendar_free(struct calendar *cal)
{
	if (cal == NULL)
		return;
	free(cal->dates);
	free(cal);
}

/* Holidays loaded. */
int
calendar_count(const struct calendar *cal)
{
	return cal != NULL ? cal->n : 0;
}

/* Is date a bank holiday? */
bool
calendar_is_holiday(const struct calendar *cal, int date)
{
	return cal != NULL && cal->n > 0 &&
	    bsearch(&date, cal->dates, (size_t)cal->n, sizeof *cal->dates, calendar_cmp) != NULL;
}

/* Monday to Friday and not a bank holiday. */
bool
calendar_is_working_day(const struct calendar *cal, int date)
{
	return date_weekday(date) < 5 && !calendar_is_holiday(cal, date);
}

/* The n-th working day after (n > 0) or before (n < 0) date; date itself is day 0. */
int
calendar_add_working_days(const struct calendar *cal, int date, int n)
{
	int step = n < 0 ? -1 : 1;

	while (n != 0) {
		date += step;
		if (calendar_is_working_day(cal, date))
			n -= step;
	}
	return date;
}

/* Weekdays (Monday to Friday) in [0, x); negative for x < 0, so that W(b) - W(a) counts [a, b). */
static long long
calendar_weekdays_before(long long x)
{
	/* Day 0 is a Thursday: a week from it runs Thu Fri Sat Sun Mon Tue Wed. */
	static const int partial[7] = { 0, 1, 2, 2, 2, 3, 4 };
	long long weeks = x >= 0 ? x / 7 : (x - 6) / 7;

	return weeks * 5 + partial[x - weeks * 7];
}

/*
 * Working days in (from, to], negative when to < from. Counted, not walked: weekdays by arithmetic
 * less the holidays in range that fall on a weekday, so a stray DATE_NONE cannot spin for years.
 */
int
calendar_working_days_between(const struct calendar *cal, int from, int to)
{
	long long count;
	int i;

	if (to < from)
		return -calendar_working_days_between(cal, to, from);
	count = calendar_weekdays_before((long long)to + 1) - calendar_weekdays_before((long long)from + 1);
	if (cal != NULL && from < to) {
		for (i = calendar_lower_bound(cal, from + 1); i < cal->n && cal->dates[i] <= to; i++) {
			if (date_weekday(cal->dates[i]) < 5)
				count--;
		}
	}
	return (int)count;
}

/* date + duration. */
int
calendar_add(const struct calendar *cal, int date, const struct duration *d)
{
	switch (d->unit) {
	case DURATION_WORKING_DAYS:
		return calendar_add_working_days(cal, date, d->n);
	case DURATION_DAYS:
		return date + d->n;
	case DURATION_WEEKS:
		return date + 7 * d->n;
	default:
		return date_add_months(date, d->n);
	}
}

/* date - duration. */
int
calendar_sub(const struct calendar *cal, int date, const struct duration *d)
{
	switch (d->unit) {
	case DURATION_WORKING_DAYS:
		return calendar_add_working_days(cal, date, -d->n);
	case DURATION_DAYS:
		return date - d->n;
	case DURATION_WEEKS:
		return date - 7 * d->n;
	default:
		return date_add_months(date, -d->n);
	}
}

/* The first working day on or after date. */
int
calendar_next_working_day(const struct calendar *cal, int date)
{
	while (!calendar_is_working_day(cal, date))
		date++;
	return date;
}

/* Local date of an instant. */
int
calendar_local_date(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Minutes after local midnight. */
int
calendar_local_minutes(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

/* mktime for local hh:mm on a date; *exact says whether that local time exists. */
static time_t
calendar_mktime(int date, int minutes, int *exact)
{
	struct tm tm;
	int y, m, d;
	time_t t;

	date_to_ymd(date, &y, &m, &d);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = minutes / 60;
	tm.tm_min = minutes % 60;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	*exact = tm.tm_mday == d && tm.tm_hour * 60 + tm.tm_min == minutes;
	return t;
}

/*
 * Local midnights remembered by date, under the TZ they were worked out in: a pass asks for the
 * instants of thousands of deadlines, a mktime each (which reads the zone again), 6% of a first
 * pass's instructions. A day whose midnight and the next are 24 hours apart, both existing, has
 * no clock change in it, so its hh:mm is that midnight plus the minutes; other days ask mktime.
 */
#define CALENDAR_MEMO 1024
static struct {
	int used, date, regular;
	time_t midnight;
} calendar_memo[CALENDAR_MEMO];
static char calendar_memo_tz[128];

/* The instant of local hh:mm on date by mktime; in a spring-forward gap, the first valid instant after. */
static time_t
calendar_local_time_slow(int date, int minutes)
{
	time_t t;
	int exact, m;

	t = calendar_mktime(date, minutes, &exact);
	/* A gap is at most a few hours: walk forward a minute at a time to the first time that exists. */
	for (m = minutes + 1; !exact && m < minutes + 240 && m < 24 * 60; m++)
		t = calendar_mktime(date, m, &exact);
	return t;
}

/* The instant of local hh:mm on date; in a spring-forward gap, the first valid instant after. */
time_t
calendar_local_time(int date, int minutes)
{
	const char *tz = getenv("TZ");
	unsigned slot = (unsigned)date % CALENDAR_MEMO;
	time_t next;
	int exact, exact_next;

	if (tz == NULL)
		tz = "";
	/* Outside a day, or a zone name too long to keep: never remembered. */
	if (minutes < 0 || minutes >= 24 * 60 || strlen(tz) >= sizeof calendar_memo_tz)
		return calendar_local_time_slow(date, minutes);
	if (strcmp(tz, calendar_memo_tz) != 0) {
		memset(calendar_memo, 0, sizeof calendar_memo);
		strcpy(calendar_memo_tz, tz);
	}
	if (!calendar_memo[slot].used || calendar_memo[slot].date != date) {
		calendar_memo[slot].used = 1;
		calendar_memo[slot].date = date;
		calendar_memo[slot].midnight = calendar_mktime(date, 0, &exact);
		next = calendar_mktime(date + 1, 0, &exact_next);
		calendar_memo[slot].regular =
		    exact && exact_next && next - calendar_memo[slot].midnight == 24 * 60 * 60;
	}
	if (calendar_memo[slot].regular)
		return calendar_memo[slot].midnight + (time_t)minutes * 60;
	return calendar_local_time_slow(date, minutes);
}

/* t if inside the window on a working day, else the next opening. */
time_t
calendar_next_window_open(const struct calendar *cal, const struct send_window *w, time_t t)
{
	int date = calendar_local_date(t), mins = calendar_local_minutes(t);

	if (calendar_is_working_day(cal, date)) {
		if (mins >= w->open && mins < w->close)
			return t;
		if (mins < w->open)
			return calendar_local_time(date, w->open);
	}
	return calendar_local_time(calendar_next_working_day(cal, date + 1), w->open);
}

/* The close of the window on t's local date. */
time_t
calendar_window_close(const struct send_window *w, time_t t)
{
	return calendar_local_time(calendar_local_date(t), w->close);
}
