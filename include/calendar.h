/*
 * calendar.h: dates, working days, bank holidays, months and the send window.
 *
 * A "date" is a local calendar date in Europe/London, held as an int: days since 1970-01-01
 * (1970-01-01 is 0, 1969-12-31 is -1). Instants are time_t (UTC seconds). Local time comes from
 * the tz database through TZ, localtime_r and mktime; no summer-time rule is written here.
 */
#ifndef DRIFTWATCH_CALENDAR_H
#define DRIFTWATCH_CALENDAR_H

#include <stdbool.h>
#include <time.h>

#define DATE_NONE (-2147483647 - 1) /* "no date" (INT_MIN) */

enum duration_unit {
	DURATION_WORKING_DAYS, /* "wd" */
	DURATION_DAYS,	       /* "d"  */
	DURATION_WEEKS,	       /* "w"  */
	DURATION_MONTHS,       /* "m"  */
};

struct duration {
	enum duration_unit unit;
	int n; /* may be 0; never negative */
};

/* A daily window in local minutes after midnight: [open, close). */
struct send_window {
	int open;  /* e.g. 8 * 60 */
	int close; /* e.g. 18 * 60 */
};

struct calendar; /* private: the sorted bank holidays */

/* Civil date helpers (pure, proleptic Gregorian). */
int date_from_ymd(int y, int m, int d);
void date_to_ymd(int date, int *y, int *m, int *d);
int date_weekday(int date); /* 0 = Monday ... 6 = Sunday */
/* Parse "YYYY-MM-DD" strictly (real dates only); 0 on success, -1 otherwise. */
int date_parse(const char *s, int *date);
/* A "YYYY-MM-DD" date and its NUL: the size of every buffer date_format writes. */
#define DATE_BUFSZ 11
/* Write "YYYY-MM-DD" into buf (at least DATE_BUFSZ bytes); returns buf. */
char *date_format(int date, char *buf);
/* N calendar months after date: same day of month, clamped to the month's last day. n may be negative. */
int date_add_months(int date, int n);

/* Parse "5wd", "3d", "2w", "3m" (no spaces inside, n >= 0); 0 on success, -1 with *cause set. */
int duration_parse(const char *s, struct duration *out, char **cause);
/* "5wd" etc. into buf (at least 16 bytes); returns buf. */
char *duration_format(const struct duration *d, char *buf);

/*
 * Load bank holidays: one "YYYY-MM-DD" a line, optionally followed by whitespace and a title;
 * '#' lines and blank lines ignored. On error returns NULL and sets *cause to "PATH:LINE: what".
 */
struct calendar *calendar_load(const char *path, char **cause);
/* A calendar from an array of dates (tests). */
struct calendar *calendar_from_dates(const int *dates, int n);
void calendar_free(struct calendar *cal);
int calendar_count(const struct calendar *cal); /* number of holidays loaded */
bool calendar_is_holiday(const struct calendar *cal, int date);
/* Monday-Friday and not a bank holiday. */
bool calendar_is_working_day(const struct calendar *cal, int date);
/*
 * The n-th working day after date (date itself is day 0, whatever day it is); n < 0 counts back:
 * the n-th working day before date. n == 0 returns date unchanged.
 */
int calendar_add_working_days(const struct calendar *cal, int date, int n);
/* Working days after from, up to and including to; negative (minus the count) when to < from. */
int calendar_working_days_between(const struct calendar *cal, int from, int to);
/* date + duration (wd through the calendar; d, w, m calendar). */
int calendar_add(const struct calendar *cal, int date, const struct duration *d);
/* date - duration. */
int calendar_sub(const struct calendar *cal, int date, const struct duration *d);
/* The first working day on or after date. */
int calendar_next_working_day(const struct calendar *cal, int date);

/* Local date of an instant (uses TZ). */
int calendar_local_date(time_t t);
/* The instant of local time hh:mm (minutes after midnight) on date; in a DST gap, the first valid instant after. */
time_t calendar_local_time(int date, int minutes);
/* Minutes after local midnight of an instant. */
int calendar_local_minutes(time_t t);
/*
 * t itself when t is inside the send window on a working day; otherwise the instant the window next
 * opens on a working day.
 */
time_t calendar_next_window_open(const struct calendar *cal, const struct send_window *w, time_t t);
/* The instant the window that contains t closes (t must be inside a window). */
time_t calendar_window_close(const struct send_window *w, time_t t);

#endif
