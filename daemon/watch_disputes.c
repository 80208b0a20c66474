/*
 * watch_disputes.c: the IRO disputes watcher. For every open dispute (and those resolved lately,
 * whose outcome notices may still be due) that a change touched or whose next instant has come, it
 * fires the dispute (disputes.c) and keeps its next instant.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "calendar.h"
#include "dirty.h"
#include "disputes.h"
#include "watch.h"

/* Resolved disputes are watched this many days on, for their outcome notices. */
#define DISPUTES_RESOLVED_WATCH_DAYS 30

/*
 * The watcher: fire the active disputes a change touched or whose next notice or move has come due
 * (all of them after a full mark, see dirty.h), and keep each one's next instant.
 */
static int
watch_disputes_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	int64_t *ids;
	int since = calendar_local_date(now) - DISPUTES_RESOLVED_WATCH_DAYS, n, i, rc = 0;
	char key[24];
	time_t wake;
	bool all;

	if (dirty_begin(s, "disputes", now, &all, &n, cause) != 0)
		return -1;
	if (all)
		disputes_active(s, since, &ids, &n);
	else if (n > 0)
		disputes_active_set(s, since, &ids, &n);
	else
		ids = NULL;
	for (i = 0; i < n && rc == 0; i++) {
		wake = 0;
		rc = disputes_fire(s, cfg, ids[i], now, "daemon", &wake, cause);
		snprintf(key, sizeof key, "%lld", (long long)ids[i]);
		if (rc == 0)
			rc = dirty_next_put(s, "disputes", key, wake, cause);
	}
	free(ids);
	if (rc == 0)
		dirty_next(s, "disputes", now, next);
	return rc;
}

const struct watcher watch_disputes = { "disputes", watch_disputes_fire };
