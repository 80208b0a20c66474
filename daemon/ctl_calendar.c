/*
 * ctl_calendar.c: `driftwatchctl calendar ...` — working-day arithmetic for admins ("when is 20
 * working days from today?") and for tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "ctl.h"

/* calendar add DATE DURATION: the resulting date. */
static int
ctl_calendar_add(struct ctl *c, int argc, char **argv)
{
	struct duration d;
	char *cause = NULL, buf[16];
	int date;

	if (argc != 3)
		return ctl_usage("calendar add DATE DURATION   (e.g. calendar add 2022-05-27 5wd)");
	if (ctl_parse_date(c, "date", argv[1], &date) != 0)
		return CTL_EX_USAGE;
	if (duration_parse(argv[2], &d, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		return CTL_EX_USAGE;
	}
	printf("%s\n", date_format(calendar_add(c->cfg->calendar, date, &d), buf));
	return CTL_EX_OK;
}

/* calendar between FROM TO: working days after FROM up to and including TO. */
static int
ctl_calendar_between(struct ctl *c, int argc, char **argv)
{
	int from, to;

	if (argc != 3)
		return ctl_usage("calendar between FROM TO");
	if (ctl_parse_date(c, "from", argv[1], &from) != 0 || ctl_parse_date(c, "to", argv[2], &to) != 0)
		return CTL_EX_USAGE;
	printf("%d\n", calendar_working_days_between(c->cfg->calendar, from, to));
	return CTL_EX_OK;
}

/* calendar is-working-day DATE: yes (exit 0) or no (exit 1). */
static int
ctl_calendar_is_working_day(struct ctl *c, int argc, char **argv)
{
	int date;

	if (argc != 2)
		return ctl_usage("calendar is-working-day DATE");
	if (ctl_parse_date(c, "date", argv[1], &date) != 0)
		return CTL_EX_USAGE;
	if (calendar_is_working_day(c->cfg->calendar, date)) {
		printf("yes\n");
		return CTL_EX_OK;
	}
	printf("no\n");
	return CTL_EX_FAIL;
}

static const struct ctl_command ctl_calendar_commands[] = {
	{ "add", ctl_calendar_add, "add DATE DURATION          the date DURATION (5wd, 3d, 2w, 3m) after DATE" },
	{ "between", ctl_calendar_between,
	    "between FROM TO            working days after FROM up to and including TO" },
	{ "is-working-day", ctl_calendar_is_working_day, "is-working-day DATE        yes (exit 0) or no (exit 1)" },
	{ NULL, NULL, NULL },
};

/* calendar ... */
int
ctl_calendar(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "calendar", ctl_calendar_commands, argc, argv);
}
