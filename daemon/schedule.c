/*
 * schedule.c: run the watchers. Each watcher fires in its own transaction, so notices and the state
 * they describe commit together, and one watcher's failure (a locked or full database) leaves the
 * others working; it is retried on the next pass.
 */
#include <stdlib.h>

#include "log.h"
#include "store.h"
#include "watch.h"

extern const struct watcher watch_actions;
extern const struct watcher watch_disputes;
extern const struct watcher watch_reviews;
extern const struct watcher watch_asye;
extern const struct watcher watch_digest;

/* The watchers, in the order they run. */
const struct watcher *const schedule_watchers[] = {
	&watch_actions,
	&watch_disputes,
	&watch_reviews,
	&watch_asye,
	&watch_digest,
	NULL,
};

/* Run every watcher; see watch.h. */
int
schedule_run(struct store *s, const struct config *cfg, time_t now, time_t *next)
{
	const struct watcher *const *w;
	char *cause = NULL;
	time_t wake;
	int failed = 0;

	*next = 0;
	for (w = schedule_watchers; *w != NULL; w++) {
		wake = 0;
		if (store_begin(s, &cause) != 0)
			goto fail;
		if ((*w)->fire(s, cfg, now, &wake, &cause) != 0) {
			store_rollback(s);
			goto fail;
		}
		if (store_commit(s, &cause) != 0)
			goto fail;
		if (wake > now && (*next == 0 || wake < *next))
			*next = wake;
		continue;
	fail:
		log_warnx("schedule: %s: %s (will try again)", (*w)->name, cause != NULL ? cause : "failed");
		free(cause);
		cause = NULL;
		failed++;
	}
	return failed > 0 ? -1 : 0;
}
