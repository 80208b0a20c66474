/*
 * test_calendar.c: civil dates, the bank holiday file (every date in it, and the rule-breakers),
 * working-day sums from weekends and holidays, months clamped to the month's end, durations, load
 * errors with their lines, and the send window across both summer-time changes in Europe/London.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendar.h"
#include "test_util.h"
#include "xmalloc.h"

#define HOLIDAYS "etc/bank-holidays-england-and-wales.txt"

static struct calendar *cal;
static char tmpdir[] = "/tmp/dwcalXXXXXX";

/* A date from "YYYY-MM-DD", failing the test if it does not parse. */
static int
D(const char *s)
{
	int date;

	if (date_parse(s, &date) != 0)
		fail_msg("test date \"%s\" does not parse", s);
	return date;
}

/* Assert that date is the date named by want, printing both when not. */
static void
assert_date(int date, const char *want)
{
	char buf[32];

	date_format(date, buf);
	if (strcmp(buf, want) != 0)
		fail_msg("got %s, want %s", buf, want);
}

/* Assert an instant, printing both as UTC when they differ. */
static void
assert_instant(time_t got, time_t want)
{
	char g[64], w[64];
	struct tm tm;

	if (got == want)
		return;
	gmtime_r(&got, &tm);
	strftime(g, sizeof g, "%Y-%m-%d %H:%M:%S UTC", &tm);
	gmtime_r(&want, &tm);
	strftime(w, sizeof w, "%Y-%m-%d %H:%M:%S UTC", &tm);
	fail_msg("got %lld (%s), want %lld (%s)", (long long)got, g, (long long)want, w);
}

/* Load body as a holiday file and expect failure with "PATH:" then text; frees all. */
static void
assert_load_fails(const char *body, const char *text)
{
	char *path = write_temp_file(tmpdir, "bad.txt", body, 0644), *cause = NULL, *want;

	assert_null(calendar_load(path, &cause));
	assert_non_null(cause);
	xasprintf(&want, "%s%s", path, text);
	if (strcmp(cause, want) != 0)
		fail_msg("got cause:\n  %s\nwant:\n  %s", cause, want);
	free(want);
	free(cause);
	free(path);
}

/* Days since 1970-01-01 from 1 Jan 1970 by counting, to check the closed-form conversion. */
static void
test_civil(void **state)
{
	int y, m, d, date, yy = 1970, mm = 1, dd = 1, mdays;
	char buf[16];

	(void)state;
	assert_int_equal(date_from_ymd(1970, 1, 1), 0);
	assert_int_equal(date_from_ymd(1969, 12, 31), -1);
	assert_int_equal(date_from_ymd(2000, 3, 1), 11017);
	assert_int_equal(date_from_ymd(2022, 6, 2), 19145);
	/* Walk forward a day at a time from 1970 to 2100, by month lengths written out here. */
	for (date = 0; yy < 2100; date++) {
		assert_int_equal(date_from_ymd(yy, mm, dd), date);
		date_to_ymd(date, &y, &m, &d);
		assert_int_equal(y, yy);
		assert_int_equal(m, mm);
		assert_int_equal(d, dd);
		assert_int_equal(date_weekday(date), (date + 3) % 7); /* 1970-01-01 was a Thursday */
		if (mm == 2)
			mdays = (yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0 ? 29 : 28;
		else
			mdays = mm == 4 || mm == 6 || mm == 9 || mm == 11 ? 30 : 31;
		if (++dd > mdays) {
			dd = 1;
			if (++mm > 12) {
				mm = 1;
				yy++;
			}
		}
	}
	/* Before 1970 and in other centuries: round trips and weekdays. */
	for (date = -800000; date <= 800000; date += 997) {
		date_to_ymd(date, &y, &m, &d);
		assert_int_equal(date_from_ymd(y, m, d), date);
		assert_in_range(date_weekday(date), 0, 6);
		assert_int_equal(date_weekday(date + 1), (date_weekday(date) + 1) % 7);
	}
	assert_int_equal(date_weekday(D("2022-06-02")), 3); /* Thursday */
	assert_int_equal(date_weekday(D("2021-03-28")), 6); /* Sunday */
	assert_int_equal(date_weekday(D("1969-12-29")), 0); /* Monday */
	assert_int_equal(date_weekday(-1), 2);		    /* 1969-12-31, a Wednesday */
	assert_string_equal(date_format(D("1900-03-01"), buf), "1900-03-01");
	assert_string_equal(date_format(DATE_NONE, buf), "-");
}

/* date_format writes by hand what snprintf's "%04d-%02d-%02d" wrote: every day 1900-2200, and
 * years from -999 to 12000 a stride apart (outside 0-9999 it is snprintf's own). */
static void
test_date_format(void **state)
{
	char buf[DATE_BUFSZ], want[32];
	int date, y, m, d, last = D("2200-12-31");

	(void)state;
	for (date = D("1900-01-01"); date <= last; date++) {
		date_to_ymd(date, &y, &m, &d);
		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
		if (strcmp(date_format(date, buf), want) != 0)
			fail_msg("day %d: \"%s\", want \"%s\"", date, buf, want);
	}
	for (date = date_from_ymd(-999, 1, 1); date <= date_from_ymd(12000, 1, 1); date += 89) {
		date_to_ymd(date, &y, &m, &d);
		snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
		want[DATE_BUFSZ - 1] = '\0';
		if (strcmp(date_format(date, buf), want) != 0)
			fail_msg("day %d: \"%s\", want \"%s\"", date, buf, want);
	}
	assert_string_equal(date_format(date_from_ymd(0, 1, 1), buf), "0000-01-01");
	assert_string_equal(date_format(date_from_ymd(9999, 12, 31), buf), "9999-12-31");
}

/* Strict YYYY-MM-DD: real dates only, nothing around them. */
static void
test_date_parse(void **state)
{
	static const char *good[] = { "2020-02-29", "2000-02-29", "2021-12-31", "1969-12-31", "2024-02-29",
		"2021-04-30", "1899-01-01" };
	static const char *bad[] = { "2021-02-29", "1900-02-29", "2100-02-29", "2021-04-31", "2021-13-01", "2021-00-10",
		"2021-01-00", "2021-01-32", "2021-1-01", "2021-01-1", " 2021-01-01", "2021-01-01 ", "2021/01/01",
		"2021-01-01x", "", "20210101", "+021-01-01", "2021-0a-01", "2021-01-0 ", "21-01-01", "02021-01-01",
		"2021--1-01" };
	char buf[16];
	size_t i;
	int date;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		if (date_parse(good[i], &date) != 0)
			fail_msg("\"%s\" rejected", good[i]);
		assert_string_equal(date_format(date, buf), good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (date_parse(bad[i], &date) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
	}
	assert_int_equal(date_parse(NULL, &date), -1);
	assert_int_equal(D("2020-02-29") + 1, D("2020-03-01"));
}

/* Every date in the holiday file, read here with a parser of our own, is a holiday on a weekday. */
static void
test_file_holidays(void **state)
{
	char *path = top_path(HOLIDAYS), line[512];
	int n = 0, y, m, d, date, years[2028] = { 0 };
	FILE *f;

	(void)state;
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_int_equal(sscanf(line, "%4d-%2d-%2d", &y, &m, &d), 3);
		date = date_from_ymd(y, m, d);
		if (!calendar_is_holiday(cal, date))
			fail_msg("%s is in the file but not a holiday", line);
		if (calendar_is_working_day(cal, date))
			fail_msg("%s is a working day", line);
		assert_in_range(date_weekday(date), 0, 4); /* every bank holiday falls on a weekday */
		assert_in_range(y, 2019, 2027);
		years[y]++;
		n++;
	}
	fclose(f);
	free(path);
	assert_int_equal(n, 75);
	assert_int_equal(calendar_count(cal), n);
	/* Eight a year, with the extras: 2020 had none, 2022 had two and 2023 one. */
	for (y = 2019; y <= 2027; y++)
		assert_int_equal(years[y], y == 2022 ? 10 : y == 2023 ? 9 : 8);
}

/* The rule-breakers are holidays; the days a rule would have picked are working days. */
static void
test_rule_breakers(void **state)
{
	static const char *holidays[] = {
		"2020-05-08", /* VE day: the early May holiday moved from Monday 4 May to a Friday */
		"2022-06-02", /* spring bank holiday moved from Monday 30 May to a Thursday */
		"2022-06-03", /* Platinum Jubilee */
		"2022-09-19", /* state funeral of Queen Elizabeth II */
		"2023-05-08", /* coronation, a week after the early May holiday */
		"2023-05-01",
		"2022-05-02",
		"2019-05-06",
		"2020-12-28",
		"2021-12-27",
		"2021-12-28",
		"2022-01-03",
		"2022-12-27",
		"2023-01-02",
		"2026-12-28",
		"2027-12-27",
		"2027-12-28",
		"2020-04-10",
		"2020-04-13",
		"2024-03-29",
		"2024-04-01",
		"2027-03-26",
		"2027-03-29",
	};
	static const char *working[] = {
		"2020-05-04", /* the usual first Monday in May, 2020 */
		"2022-05-30", /* the usual last Monday in May, 2022 */
		"2022-06-01",
		"2022-06-06",
		"2022-09-20",
		"2023-05-02",
		"2023-05-09",
		"2020-05-07",
		"2020-12-29",
		"2021-12-29",
		"2022-12-28",
		"2024-12-24",
		"2024-12-27",
		"2021-03-29",
		"2021-11-01",
		"2022-01-04",
		"2023-05-30",
		"2020-05-26",
	};
	static const char *weekend[] = {
		"2020-12-26", /* Boxing Day on a Saturday: the holiday is the Monday after */
		"2021-12-25",
		"2021-12-26",
		"2022-01-01",
		"2022-12-25",
		"2021-03-28",
		"2021-10-31",
		"2022-05-28",
		"2022-05-29",
		"2026-12-26",
		"2027-01-02",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof holidays / sizeof holidays[0]; i++) {
		if (!calendar_is_holiday(cal, D(holidays[i])) || calendar_is_working_day(cal, D(holidays[i])))
			fail_msg("%s should be a bank holiday", holidays[i]);
	}
	for (i = 0; i < sizeof working / sizeof working[0]; i++) {
		if (calendar_is_holiday(cal, D(working[i])) || !calendar_is_working_day(cal, D(working[i])))
			fail_msg("%s should be a working day", working[i]);
	}
	for (i = 0; i < sizeof weekend / sizeof weekend[0]; i++) {
		if (calendar_is_holiday(cal, D(weekend[i])) || calendar_is_working_day(cal, D(weekend[i])))
			fail_msg("%s should be a weekend day and no holiday", weekend[i]);
	}
	/* Before and after the file's years only weekends are off. */
	assert_true(calendar_is_working_day(cal, D("2018-12-25")));
	assert_true(calendar_is_working_day(cal, D("2028-01-03")));
	assert_false(calendar_is_holiday(cal, DATE_NONE));
}

/* Sums forward from working days, weekends and holidays. */
static void
test_add_working_days(void **state)
{
	(void)state;
	/* Day 0 may be anything; day 1 is the next working day. */
	assert_date(calendar_add_working_days(cal, D("2022-05-28"), 1), "2022-05-30"); /* Sat -> Mon */
	assert_date(calendar_add_working_days(cal, D("2022-05-29"), 1), "2022-05-30"); /* Sun -> Mon */
	assert_date(calendar_add_working_days(cal, D("2022-05-27"), 1), "2022-05-30"); /* Fri -> Mon */
	assert_date(calendar_add_working_days(cal, D("2022-05-28"), 0), "2022-05-28");
	/* A dispute raised Friday 27 May 2022, 5wd: 30, 31 May, 1 June, (2, 3 June holidays), 6, 7 June. */
	assert_date(calendar_add_working_days(cal, D("2022-05-27"), 5), "2022-06-07");
	/* From a holiday: Thursday 2 June 2022 + 1 skips Friday 3 June, a holiday too. */
	assert_date(calendar_add_working_days(cal, D("2022-06-02"), 1), "2022-06-06");
	assert_date(calendar_add_working_days(cal, D("2022-06-01"), 1), "2022-06-06");
	/*
	 * Christmas 2020: Friday 25 Dec, Boxing Day on Saturday 26 with its substitute Monday 28, then
	 * New Year's Day on Friday 1 Jan 2021.
	 */
	assert_date(calendar_add_working_days(cal, D("2020-12-24"), 1), "2020-12-29");
	assert_date(calendar_add_working_days(cal, D("2020-12-25"), 1), "2020-12-29");
	assert_date(calendar_add_working_days(cal, D("2020-12-26"), 1), "2020-12-29");
	assert_date(calendar_add_working_days(cal, D("2020-12-24"), 3), "2020-12-31");
	assert_date(calendar_add_working_days(cal, D("2020-12-24"), 4), "2021-01-04");
	/* Easter 2022: Good Friday 15 April, Easter Monday 18 April. */
	assert_date(calendar_add_working_days(cal, D("2022-04-14"), 1), "2022-04-19");
	assert_date(calendar_add_working_days(cal, D("2022-04-16"), 2), "2022-04-20");
	/* The state funeral, Monday 19 September 2022. */
	assert_date(calendar_add_working_days(cal, D("2022-09-16"), 1), "2022-09-20");
	/* VE day 2020 (Friday 8 May) and the Monday 4 May that was a working day. */
	assert_date(calendar_add_working_days(cal, D("2020-05-01"), 1), "2020-05-04");
	assert_date(calendar_add_working_days(cal, D("2020-05-07"), 1), "2020-05-11");
	/* Coronation 2023: Monday 1 May and Monday 8 May both holidays. */
	assert_date(calendar_add_working_days(cal, D("2023-04-28"), 4), "2023-05-05");
	assert_date(calendar_add_working_days(cal, D("2023-04-28"), 5), "2023-05-09");
	/* A long one: 20 working days from Monday 2 Jan 2023 (a holiday): 3 Jan is day 1, 30 Jan day 20. */
	assert_date(calendar_add_working_days(cal, D("2023-01-02"), 20), "2023-01-30");
}

/*
 * The spec's child looked after on Thursday 2 June 2022 (itself a bank holiday), 20 working days:
 * Friday 3 June is the Jubilee holiday, so day 1 is Monday 6 June; 6-10 June are days 1-5, 13-17
 * June 6-10, 20-24 June 11-15, and 27 June - 1 July 16-20. No other holidays fall in June or July.
 */
static void
test_spec_example(void **state)
{
	struct duration d = { DURATION_WORKING_DAYS, 20 };

	(void)state;
	assert_date(calendar_add_working_days(cal, D("2022-06-02"), 20), "2022-07-01");
	assert_date(calendar_add(cal, D("2022-06-02"), &d), "2022-07-01");
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-02"), D("2022-07-01")), 20);
	/* Without the data file's Jubilee holiday it would be a day earlier. */
	{
		struct calendar *none = calendar_from_dates(NULL, 0);

		assert_date(calendar_add_working_days(none, D("2022-06-02"), 20), "2022-06-30");
		calendar_free(none);
	}
}

/* Counting back: the n-th working day before. */
static void
test_sub_working_days(void **state)
{
	struct duration d = { DURATION_WORKING_DAYS, 5 };

	(void)state;
	assert_date(calendar_add_working_days(cal, D("2022-06-07"), -5), "2022-05-27");
	assert_date(calendar_sub(cal, D("2022-06-07"), &d), "2022-05-27");
	assert_date(calendar_add_working_days(cal, D("2022-04-19"), -1), "2022-04-14");
	assert_date(calendar_add_working_days(cal, D("2022-05-29"), -1), "2022-05-27"); /* Sun -> Fri */
	assert_date(calendar_add_working_days(cal, D("2022-05-30"), -1), "2022-05-27"); /* Mon -> Fri */
	assert_date(calendar_add_working_days(cal, D("2020-12-29"), -1), "2020-12-24");
	assert_date(calendar_add_working_days(cal, D("2021-01-04"), -1), "2020-12-31");
	assert_date(calendar_add_working_days(cal, D("2021-01-04"), -2), "2020-12-30");
	assert_date(calendar_add_working_days(cal, D("2022-06-06"), -1), "2022-06-01");
	assert_date(calendar_add_working_days(cal, D("2022-06-03"), -1), "2022-06-01"); /* from a holiday */
	assert_date(calendar_add_working_days(cal, D("2022-06-03"), 0), "2022-06-03");
}

/* Working days in (from, to], both directions, and against a day-by-day count. */
static void
test_between(void **state)
{
	int from, to, count, d, n, r;

	(void)state;
	assert_int_equal(calendar_working_days_between(cal, D("2022-05-27"), D("2022-06-07")), 5);
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-07"), D("2022-05-27")), -5);
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-07"), D("2022-06-07")), 0);
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-04"), D("2022-06-04")), 0);
	assert_int_equal(calendar_working_days_between(cal, D("2022-05-28"), D("2022-05-30")), 1);
	assert_int_equal(calendar_working_days_between(cal, D("2022-05-27"), D("2022-05-29")), 0);
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-01"), D("2022-06-05")), 0);
	assert_int_equal(calendar_working_days_between(cal, D("2022-05-31"), D("2022-06-01")), 1);
	assert_int_equal(calendar_working_days_between(cal, D("2022-06-01"), D("2022-05-31")), -1);
	assert_int_equal(calendar_working_days_between(cal, D("2020-12-24"), D("2021-01-04")), 4);
	/* 2022: 365 days, 105 weekend days, 10 bank holidays all on weekdays. */
	assert_int_equal(calendar_working_days_between(cal, D("2021-12-31"), D("2022-12-31")), 250);
	assert_int_equal(calendar_working_days_between(cal, D("2022-12-31"), D("2021-12-31")), -250);
	/* Every pair in a stretch across 2019-2024 (and beyond the file) against counting day by day. */
	for (from = D("2018-12-20"); from < D("2028-01-10"); from += 13) {
		for (to = from - 40; to <= from + 40; to++) {
			count = 0;
			if (to >= from) {
				for (d = from + 1; d <= to; d++)
					count += calendar_is_working_day(cal, d);
			} else {
				for (d = to + 1; d <= from; d++)
					count -= calendar_is_working_day(cal, d);
			}
			if (calendar_working_days_between(cal, from, to) != count)
				fail_msg("between(%d, %d) = %d, want %d", from, to,
				    calendar_working_days_between(cal, from, to), count);
		}
		/* And the sums agree with the counts: n forward lands on a working day n after. */
		for (n = 1; n <= 30; n += 7) {
			r = calendar_add_working_days(cal, from, n);
			assert_true(calendar_is_working_day(cal, r));
			assert_int_equal(calendar_working_days_between(cal, from, r), n);
			assert_int_equal(calendar_working_days_between(cal, from, r - 1), n - 1);
			r = calendar_add_working_days(cal, from, -n);
			assert_true(calendar_is_working_day(cal, r));
			/* n working days in [r, from): r itself and n - 1 more before from */
			assert_int_equal(calendar_working_days_between(cal, r, from - 1), n - 1);
		}
	}
	/* Pre-1970 and a long range stay exact (weekdays only, no holidays outside the file). */
	assert_int_equal(calendar_working_days_between(NULL, D("1969-12-28"), D("1970-01-04")), 5);
	assert_int_equal(calendar_working_days_between(NULL, D("1899-12-31"), D("2099-12-31")),
	    calendar_working_days_between(NULL, D("1899-12-31"), D("1999-12-31")) +
		calendar_working_days_between(NULL, D("1999-12-31"), D("2099-12-31")));
}

/* Months: same day, clamped to the month's end; leap years; backwards. */
static void
test_months(void **state)
{
	struct duration m = { DURATION_MONTHS, 3 };

	(void)state;
	assert_date(date_add_months(D("2021-08-31"), 3), "2021-11-30");
	assert_date(calendar_add(cal, D("2021-08-31"), &m), "2021-11-30");
	assert_date(date_add_months(D("2020-01-31"), 1), "2020-02-29");
	assert_date(date_add_months(D("2021-01-31"), 1), "2021-02-28");
	assert_date(date_add_months(D("2023-01-31"), 1), "2023-02-28");
	assert_date(date_add_months(D("2024-01-31"), 1), "2024-02-29");
	assert_date(date_add_months(D("2024-02-29"), 12), "2025-02-28");
	assert_date(date_add_months(D("2024-02-29"), 48), "2028-02-29");
	assert_date(date_add_months(D("2100-01-31"), 1), "2100-02-28"); /* not a leap year */
	assert_date(date_add_months(D("2000-01-31"), 1), "2000-02-29"); /* a leap year */
	assert_date(date_add_months(D("2021-01-30"), 1), "2021-02-28");
	assert_date(date_add_months(D("2021-03-15"), 0), "2021-03-15");
	assert_date(date_add_months(D("2021-11-30"), 2), "2022-01-30");
	assert_date(date_add_months(D("2021-12-31"), 1), "2022-01-31");
	assert_date(date_add_months(D("2021-12-15"), 13), "2023-01-15");
	assert_date(date_add_months(D("2021-05-31"), 1), "2021-06-30");
	/* Backwards. */
	assert_date(date_add_months(D("2021-03-31"), -1), "2021-02-28");
	assert_date(date_add_months(D("2024-03-31"), -1), "2024-02-29");
	assert_date(date_add_months(D("2022-01-15"), -1), "2021-12-15");
	assert_date(date_add_months(D("2022-01-31"), -13), "2020-12-31");
	assert_date(date_add_months(D("2022-01-01"), -12), "2021-01-01");
	assert_date(date_add_months(D("2021-11-30"), -3), "2021-08-30");
	assert_date(date_add_months(D("1970-01-31"), -1), "1969-12-31");
	assert_date(date_add_months(D("1970-03-31"), -1), "1970-02-28");
	assert_date(date_add_months(D("1969-01-31"), -25), "1966-12-31");
	assert_date(calendar_sub(cal, D("2021-11-30"), &m), "2021-08-30");
}

/* Days and weeks are calendar days, holidays or not. */
static void
test_days_weeks(void **state)
{
	struct duration d = { DURATION_DAYS, 3 }, w = { DURATION_WEEKS, 2 }, z = { DURATION_DAYS, 0 };

	(void)state;
	assert_date(calendar_add(cal, D("2022-06-01"), &d), "2022-06-04");
	assert_date(calendar_sub(cal, D("2022-06-01"), &d), "2022-05-29");
	assert_date(calendar_add(cal, D("2022-05-27"), &w), "2022-06-10");
	assert_date(calendar_sub(cal, D("2022-06-10"), &w), "2022-05-27");
	assert_date(calendar_add(cal, D("2020-12-31"), &d), "2021-01-03");
	assert_date(calendar_add(cal, D("2022-06-04"), &z), "2022-06-04");
	assert_date(calendar_next_working_day(cal, D("2022-06-02")), "2022-06-06");
	assert_date(calendar_next_working_day(cal, D("2022-06-01")), "2022-06-01");
	assert_date(calendar_next_working_day(cal, D("2020-12-25")), "2020-12-29");
}

/* Durations: "<digits><unit>", up to four digits; everything else an error with a clear cause. */
static void
test_duration_parse(void **state)
{
	static const struct {
		const char *s;
		enum duration_unit unit;
		int n;
	} good[] = {
		{ "5wd", DURATION_WORKING_DAYS, 5 },
		{ "0wd", DURATION_WORKING_DAYS, 0 },
		{ "20wd", DURATION_WORKING_DAYS, 20 },
		{ "3d", DURATION_DAYS, 3 },
		{ "2w", DURATION_WEEKS, 2 },
		{ "3m", DURATION_MONTHS, 3 },
		{ "9999d", DURATION_DAYS, 9999 },
		{ "0005d", DURATION_DAYS, 5 },
		{ "12m", DURATION_MONTHS, 12 },
	};
	static const char *bad[] = { "5", "5x", "5 wd", "-1d", "wd", "", "10000d", "5WD", "5D", " 5wd", "5wd ", "+5d",
		"5dd", "5.5d", "5w d", "5wdx", "d5", "00000d", "5\n", "m", "5mo", "5y", "5%" };
	struct duration d;
	char buf[16], *cause, *want;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		cause = NULL;
		if (duration_parse(good[i].s, &d, &cause) != 0)
			fail_msg("\"%s\" rejected: %s", good[i].s, cause);
		assert_null(cause);
		assert_int_equal(d.unit, good[i].unit);
		assert_int_equal(d.n, good[i].n);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		if (duration_parse(bad[i], &d, &cause) == 0)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(cause);
		xasprintf(&want, "bad duration \"%s\": want a number and a unit: wd, d, w or m", bad[i]);
		assert_string_equal(cause, want);
		free(want);
		free(cause);
	}
	assert_int_equal(duration_parse("5x", &d, NULL), -1);
	cause = NULL;
	assert_int_equal(duration_parse(NULL, &d, &cause), -1);
	assert_non_null(cause);
	free(cause);
	/* Format round-trips. */
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_int_equal(duration_parse(good[i].s, &d, NULL), 0);
		duration_format(&d, buf);
		assert_int_equal(duration_parse(buf, &d, NULL), 0);
		assert_int_equal(d.unit, good[i].unit);
		assert_int_equal(d.n, good[i].n);
	}
	d.unit = DURATION_WORKING_DAYS;
	d.n = 5;
	assert_string_equal(duration_format(&d, buf), "5wd");
	d.unit = DURATION_MONTHS;
	d.n = 12;
	assert_string_equal(duration_format(&d, buf), "12m");
}

/* Load errors name the file and the line; comments, blanks and CRLF are fine; order is not needed. */
static void
test_load(void **state)
{
	char *path, *cause = NULL, *body = NULL;
	struct calendar *c;
	int i;

	(void)state;
	assert_load_fails("# comment\n\n2021-01-01  New Year\n2021-02-30  Nonsense\n",
	    ":4: bad date \"2021-02-30\" (want YYYY-MM-DD, then the holiday's name)");
	assert_load_fails("2021-01-01\n   \n\t# indented comment\n2021-1-4 Monday\n",
	    ":4: bad date \"2021-1-4\" (want YYYY-MM-DD, then the holiday's name)");
	assert_load_fails(
	    "2021-01-01x  New Year\n", ":1: bad date \"2021-01-01x\" (want YYYY-MM-DD, then the holiday's name)");
	assert_load_fails(
	    "# c\nChristmas 2021-12-25\n", ":2: bad date \"Christmas\" (want YYYY-MM-DD, then the holiday's name)");
	assert_load_fails("2021-01-01  New Year\n2021-04-02  Good Friday\n# c\n\n2021-01-01  Again\n",
	    ":5: 2021-01-01 is listed twice (first on line 1)");
	assert_load_fails("2021-04-02  Good Friday\n2021-01-01  New Year\n2021-04-02  Good Friday\n",
	    ":3: 2021-04-02 is listed twice (first on line 1)");
	/* A title longer than any fixed buffer does not shift the line numbers. */
	xappendf(&body, "2021-01-01  ");
	for (i = 0; i < 2000; i++)
		xappendf(&body, "x");
	xappendf(&body, "\n2021-04-02  Good Friday\n2021-04-31  Bad\n");
	assert_load_fails(body, ":3: bad date \"2021-04-31\" (want YYYY-MM-DD, then the holiday's name)");
	free(body);

	/* Missing file. */
	xasprintf(&path, "%s/missing.txt", tmpdir);
	assert_null(calendar_load(path, &cause));
	assert_non_null(cause);
	{
		char *want;

		xasprintf(&want, "%s: No such file or directory", path);
		assert_string_equal(cause, want);
		free(want);
	}
	free(cause);
	free(path);

	/* CRLF, tabs, out of order, no title: all load, sorted. */
	path = write_temp_file(
	    tmpdir, "ok.txt", "# c\r\n\r\n2022-06-03\tJubilee\r\n2022-06-02  Spring\r\n2021-12-27\n", 0644);
	cause = NULL;
	c = calendar_load(path, &cause);
	assert_non_null(c);
	assert_null(cause);
	assert_int_equal(calendar_count(c), 3);
	assert_true(calendar_is_holiday(c, D("2021-12-27")));
	assert_true(calendar_is_holiday(c, D("2022-06-02")));
	assert_true(calendar_is_holiday(c, D("2022-06-03")));
	assert_false(calendar_is_holiday(c, D("2022-06-01")));
	assert_date(calendar_add_working_days(c, D("2022-05-27"), 5), "2022-06-07");
	calendar_free(c);
	free(path);

	/* An empty file is an empty calendar. */
	path = write_temp_file(tmpdir, "empty.txt", "# nothing yet\n", 0644);
	c = calendar_load(path, &cause);
	assert_non_null(c);
	assert_int_equal(calendar_count(c), 0);
	assert_true(calendar_is_working_day(c, D("2022-06-02")));
	calendar_free(c);
	free(path);
}

/* A calendar from dates: any order, repeats once. */
static void
test_from_dates(void **state)
{
	int dates[] = { D("2022-06-03"), D("2022-06-02"), D("2022-06-03"), D("2020-05-08") };
	struct calendar *c = calendar_from_dates(dates, 4);

	(void)state;
	assert_int_equal(calendar_count(c), 3);
	assert_true(calendar_is_holiday(c, D("2020-05-08")));
	assert_true(calendar_is_holiday(c, D("2022-06-02")));
	assert_false(calendar_is_holiday(c, D("2022-05-30")));
	assert_int_equal(calendar_working_days_between(c, D("2022-05-27"), D("2022-06-07")), 5);
	calendar_free(c);
	calendar_free(NULL);
	assert_int_equal(calendar_count(NULL), 0);
}

/* Local dates and minutes from instants, on both sides of midnight and the clock changes. */
static void
test_local(void **state)
{
	(void)state;
	assert_date(calendar_local_date(1616887800), "2021-03-27"); /* 2021-03-27 23:30 UTC, GMT */
	assert_int_equal(calendar_local_minutes(1616887800), 23 * 60 + 30);
	assert_date(calendar_local_date(1625095800), "2021-07-01"); /* 2021-06-30 23:30 UTC = 00:30 BST */
	assert_int_equal(calendar_local_minutes(1625095800), 30);
	assert_int_equal(calendar_local_minutes(1616916600), 8 * 60 + 30); /* 2021-03-28 07:30 UTC */
	assert_int_equal(calendar_local_minutes(1635643800), 90);	   /* 2021-10-31 01:30 UTC, GMT */
	assert_int_equal(calendar_local_minutes(1635640200), 90);	   /* 2021-10-31 00:30 UTC, BST */

	/* Ordinary times either side of the changes. */
	assert_instant(calendar_local_time(D("2021-03-28"), 59), 1616893140);	   /* 00:59 GMT */
	assert_instant(calendar_local_time(D("2021-03-28"), 3 * 60), 1616896800);  /* 03:00 BST = 02:00 UTC */
	assert_instant(calendar_local_time(D("2021-03-29"), 8 * 60), 1617001200);  /* 07:00 UTC */
	assert_instant(calendar_local_time(D("2021-10-31"), 30), 1635636600);	   /* 00:30 BST = 23:30 UTC */
	assert_instant(calendar_local_time(D("2021-10-31"), 2 * 60), 1635645600);  /* 02:00 GMT */
	assert_instant(calendar_local_time(D("2021-11-01"), 8 * 60), 1635753600);  /* 08:00 UTC */
	assert_instant(calendar_local_time(D("2022-06-10"), 18 * 60), 1654880400); /* 17:00 UTC */
	/* 01:30 on 31 Oct 2021 happens twice; either is right, and it reads back as 01:30. */
	{
		time_t t = calendar_local_time(D("2021-10-31"), 90);

		if (t != 1635640200 && t != 1635643800)
			fail_msg("2021-10-31 01:30 gave %lld", (long long)t);
		assert_int_equal(calendar_local_minutes(t), 90);
	}
}

/* In the spring-forward gap (01:00-02:00 local, 28 Mar 2021) the answer is 02:00 BST = 01:00 UTC. */
static void
test_local_gap(void **state)
{
	int m;

	(void)state;
	assert_instant(calendar_local_time(D("2021-03-28"), 90), 1616893200);
	for (m = 60; m <= 120; m++)
		assert_instant(calendar_local_time(D("2021-03-28"), m), 1616893200);
	assert_instant(calendar_local_time(D("2021-03-28"), 121), 1616893260);
	assert_date(calendar_local_date(calendar_local_time(D("2021-03-28"), 90)), "2021-03-28");
	assert_int_equal(calendar_local_minutes(calendar_local_time(D("2021-03-28"), 90)), 120);
}

/* mktime for local hh:mm on date, walked forward out of a spring-forward gap: what calendar_local_time says. */
static time_t
local_time_by_mktime(int date, int minutes)
{
	struct tm tm;
	int y, mo, d, m;
	time_t t = 0;

	date_to_ymd(date, &y, &mo, &d);
	for (m = minutes; m < minutes + 240 && m < 24 * 60; m++) {
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
		tm.tm_hour = m / 60, tm.tm_min = m % 60, tm.tm_isdst = -1;
		t = mktime(&tm);
		if (tm.tm_mday == d && tm.tm_hour * 60 + tm.tm_min == m)
			break;
	}
	return t;
}

/* calendar_local_time remembers its answers per zone: a changed TZ is never answered from the old one's. */
static void
test_local_time_zone_change(void **state)
{
	static const char *zones[] = { "Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Santiago",
		"Asia/Tehran", NULL };
	const char **zone;
	int date = D("2022-06-10"), m;
	char *saved = getenv("TZ") != NULL ? xstrdup(getenv("TZ")) : NULL;

	(void)state;
	for (m = 0; m < 3; m++) /* asked again and again: the same answer */
		assert_instant(calendar_local_time(date, 8 * 60), 1654844400); /* 08:00 BST = 07:00 UTC */
	setenv("TZ", "America/New_York", 1);
	tzset();
	assert_instant(calendar_local_time(date, 8 * 60), 1654862400); /* 08:00 EDT = 12:00 UTC */
	setenv("TZ", saved != NULL ? saved : "Europe/London", 1);
	tzset();
	free(saved);
	assert_instant(calendar_local_time(date, 8 * 60), 1654844400);
	/* Every minute of a day through the memo is what mktime says afresh. */
	for (m = 0; m < 24 * 60; m += 7)
		assert_instant(calendar_local_time(date, m), 1654844400 - 8 * 3600 + m * 60);
	/* And every day of forty years, clock changes included, here and in zones that change by half
	 * an hour or at midnight. */
	for (zone = zones; *zone != NULL; zone++) {
		setenv("TZ", *zone, 1);
		tzset();
		for (date = D("2000-01-01"); date <= D("2040-12-31"); date++) {
			for (m = 0; m < 24 * 60; m += 89) {
				if (calendar_local_time(date, m) != local_time_by_mktime(date, m))
					fail_msg("%s: day %d minute %d: %lld, mktime %lld", *zone, date, m,
					    (long long)calendar_local_time(date, m),
					    (long long)local_time_by_mktime(date, m));
			}
		}
	}
	setenv("TZ", "Europe/London", 1);
	tzset();
}

/* The send window 08:00-18:00 on working days, exact instants across the clock changes. */
static void
test_window(void **state)
{
	struct send_window w = { 8 * 60, 18 * 60 };

	(void)state;
	/* Summer time starts Sunday 28 Mar 2021: not a working day; Monday 08:00 BST is 07:00 UTC. */
	assert_instant(calendar_next_window_open(cal, &w, 1616916600), 1617001200); /* Sun 08:30 BST */
	assert_instant(calendar_next_window_open(cal, &w, 1616893200), 1617001200); /* Sun 02:00 BST */
	assert_instant(calendar_next_window_open(cal, &w, 1616839200), 1617001200); /* Sat 10:00 GMT */
	assert_instant(calendar_next_window_open(cal, &w, 1616783400), 1617001200); /* Fri 18:30 GMT */
	assert_instant(calendar_next_window_open(cal, &w, 1617001200), 1617001200); /* Mon 08:00 itself */
	assert_instant(calendar_next_window_open(cal, &w, 1617001199), 1617001200); /* Mon 07:59:59 */
	assert_instant(calendar_next_window_open(cal, &w, 1617006600), 1617006600); /* Mon 09:30 inside */
	/* Summer time ends Sunday 31 Oct 2021; Monday 1 Nov 08:00 GMT is 08:00 UTC. */
	assert_instant(calendar_next_window_open(cal, &w, 1635681600), 1635753600); /* Sun 12:00 */
	assert_instant(calendar_next_window_open(cal, &w, 1635640200), 1635753600); /* Sun 01:30 BST */
	assert_instant(calendar_next_window_open(cal, &w, 1635643800), 1635753600); /* Sun 01:30 GMT */
	assert_instant(calendar_next_window_open(cal, &w, 1635528600), 1635753600); /* Fri 29 Oct 18:30 BST */
	/* Friday 10 June 2022 18:30 BST -> Monday 13 June 08:00 BST = 07:00 UTC. */
	assert_instant(calendar_next_window_open(cal, &w, 1654882200), 1655103600);
	assert_instant(calendar_next_window_open(cal, &w, 1654880400), 1655103600); /* Fri 18:00: closed */
	assert_instant(calendar_next_window_open(cal, &w, 1654880340), 1654880340); /* Fri 17:59: open */
	assert_instant(calendar_next_window_open(cal, &w, 1654880399), 1654880399); /* Fri 17:59:59 */
	assert_instant(calendar_next_window_open(cal, &w, 1654844400), 1654844400); /* Fri 08:00 */
	assert_instant(calendar_next_window_open(cal, &w, 1654844340), 1654844400); /* Fri 07:59 -> 08:00 */
	assert_instant(calendar_next_window_open(cal, &w, 1654815600), 1654844400); /* Fri 00:00 -> 08:00 */
	/* Summer bank holiday Monday 29 Aug 2022 10:00 BST -> Tuesday 30 Aug 08:00 BST = 07:00 UTC. */
	assert_instant(calendar_next_window_open(cal, &w, 1661763600), 1661842800);
	/* Wednesday 1 June 2022 19:00: Thursday and Friday are holidays -> Monday 6 June 07:00 UTC. */
	assert_instant(calendar_next_window_open(cal, &w, 1654106400), 1654498800);
	/* Christmas Eve 2020 18:00 GMT -> Tuesday 29 Dec 08:00 GMT. */
	assert_instant(calendar_next_window_open(cal, &w, 1608832800), 1609228800);

	/* Close: 18:00 local on t's date. */
	assert_instant(calendar_window_close(&w, 1617008400), 1617037200); /* 29 Mar 2021: 17:00 UTC */
	assert_instant(calendar_window_close(&w, 1635760800), 1635789600); /* 1 Nov 2021: 18:00 UTC */
	assert_instant(calendar_window_close(&w, 1617001200), 1617037200);

	/* Another window: 09:30-16:00, from a Saturday. */
	w.open = 9 * 60 + 30;
	w.close = 16 * 60;
	assert_instant(calendar_next_window_open(cal, &w, 1616839200), 1617006600); /* Mon 09:30 BST */
	assert_instant(calendar_window_close(&w, 1617006600), 1617030000);	    /* Mon 16:00 BST */
}

/*
 * Every quarter hour around both clock changes and the 2022 June holidays: the answer is never
 * earlier than asked, is inside the window on a working day, and nothing between was.
 */
static void
test_window_sweep(void **state)
{
	static const char *starts[] = { "2021-03-24", "2021-10-27", "2022-05-26", "2020-12-22" };
	struct send_window w = { 8 * 60, 18 * 60 };
	time_t t, r, u;
	size_t i;
	int mins;

	(void)state;
	for (i = 0; i < sizeof starts / sizeof starts[0]; i++) {
		t = calendar_local_time(D(starts[i]), 0);
		for (; t < calendar_local_time(D(starts[i]) + 14, 0); t += 15 * 60) {
			r = calendar_next_window_open(cal, &w, t);
			mins = calendar_local_minutes(r);
			assert_true(r >= t);
			assert_true(calendar_is_working_day(cal, calendar_local_date(r)));
			assert_true(mins >= w.open && mins < w.close);
			if (r == t)
				continue;
			assert_int_equal(mins, w.open);
			assert_int_equal(r % 60, 0);
			for (u = t; u < r; u += 5 * 60) {
				mins = calendar_local_minutes(u);
				if (calendar_is_working_day(cal, calendar_local_date(u)) && mins >= w.open &&
				    mins < w.close)
					fail_msg(
					    "%lld was open but %lld -> %lld", (long long)u, (long long)t, (long long)r);
			}
			assert_true(calendar_window_close(&w, r) - r == (w.close - w.open) * 60);
		}
	}
}

/* Load the real holiday file once, in Europe/London. */
static int
setup(void **state)
{
	char *path = top_path(HOLIDAYS), *cause = NULL;

	(void)state;
	setenv("TZ", "Europe/London", 1);
	tzset();
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	cal = calendar_load(path, &cause);
	if (cal == NULL) {
		fprintf(stderr, "%s\n", cause);
		free(cause);
	}
	free(path);
	return cal == NULL ? -1 : 0;
}

/* Remove the temp files and free the calendar. */
static int
teardown(void **state)
{
	static const char *names[] = { "bad.txt", "ok.txt", "empty.txt" };
	char *path;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		xasprintf(&path, "%s/%s", tmpdir, names[i]);
		unlink(path);
		free(path);
	}
	rmdir(tmpdir);
	calendar_free(cal);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_local_time_zone_change),
		cmocka_unit_test(test_date_parse),
		cmocka_unit_test(test_file_holidays),
		cmocka_unit_test(test_rule_breakers),
		cmocka_unit_test(test_add_working_days),
		cmocka_unit_test(test_spec_example),
		cmocka_unit_test(test_sub_working_days),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_days_weeks),
		cmocka_unit_test(test_duration_parse),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_from_dates),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_local_gap),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_window_sweep),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
