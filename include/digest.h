/*
 * digest.h: the monthly digest's figures. Each watcher contributes its area through one function
 * that computes its figures for a period (a calendar month, as at the end of that month), so the
 * digest can show each figure beside the previous month's and its target.
 */
#ifndef DRIFTWATCH_DIGEST_H
#define DRIFTWATCH_DIGEST_H

#include <time.h>

struct config;
struct store;

enum digest_better {
	DIGEST_HIGHER_BETTER,
	DIGEST_LOWER_BETTER,
	DIGEST_NEUTRAL,
};

/* The period a digest covers: local dates [first, last] of one month. */
struct digest_period {
	int first; /* date of the 1st */
	int last;  /* date of the last day */
	time_t from, to; /* instants: local midnight of first, local midnight after last */
};

struct digest; /* private to digest.c */

/*
 * Add one figure. area: "actions", "disputes", "reviews", "asye", "delivery". name: a short
 * label ("Red actions", "Disputes opened"). unit: "" for counts, "%" for percentages, "wd" for
 * working days. target: NULL when none, else e.g. ">80" or "falling". The value is NaN when it
 * cannot be computed (no data).
 */
void digest_add_figure(struct digest *d, const char *area, const char *name, double value, const char *unit,
    const char *target, enum digest_better better);
/* Add one line to a named list in an area (e.g. "Overdue actions": "3.11  Head of Service  12 wd overdue"). */
void digest_add_list_item(struct digest *d, const char *area, const char *list, const char *line);

/* Each area's contribution (the watchers implement these). 0, or -1 with *cause. */
int actions_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d,
    char **cause);
int disputes_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d,
    char **cause);
int reviews_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d,
    char **cause);
int asye_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d,
    char **cause);

#endif
