/*
 * digest_reviews.c: the looked-after reviews figures of the monthly digest, computed for one month
 * as at its last day (so the previous month is computed the same way): reviews held on time, children
 * with a permanence plan at their second review (KPI 6.1, target above 80%) and the case references
 * of those without, and reviews overdue at the month's end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "digest.h"
#include "plan_reviews.h"
#include "reviews.h"

/* See digest.h. */
int
reviews_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause)
{
	struct reviews_child *children = NULL;
	struct review_rules rules;
	int n = 0, i, j, k, held = 0, on_time = 0, seconds = 0, with_plan = 0, overdue = 0;
	char line[96], when[11];

	if (reviews_load(s, NULL, &children, &n, cause) != 0)
		return -1;
	plan_reviews_rules(cfg, &rules);
	for (i = 0; i < n; i++) {
		struct review_child c;
		struct review_plan plan;

		reviews_child_view(&children[i], &c);
		plan_reviews(&c, &rules, cfg->calendar, p->last, &plan);
		for (j = 0; j < plan.nperiods; j++) {
			const struct review_period_plan *pp = &plan.periods[j];
			for (k = 0; k < pp->nslots; k++) {
				const struct review_slot *sl = &pp->slots[k];
				if (sl->held_on == DATE_NONE || sl->held_on < p->first || sl->held_on > p->last)
					continue;
				held++;
				on_time += sl->on_time;
			}
			if (pp->plan_by_second >= 0 && pp->second_held_on >= p->first &&
			    pp->second_held_on <= p->last) {
				seconds++;
				if (pp->plan_by_second == 1)
					with_plan++;
				else {
					snprintf(line, sizeof line, "%s  second review %s with no permanence plan",
					    c.case_ref, date_format(pp->second_held_on, when));
					digest_add_list_item(
					    d, "reviews", "Second review without a permanence plan", line);
				}
			}
			if (pp->next_due != DATE_NONE && pp->next_due < p->last)
				overdue++;
		}
		review_plan_free(&plan);
	}
	reviews_children_free(children, n);
	digest_add_figure(d, "reviews", "Reviews held on time", held > 0 ? 100.0 * on_time / held : NAN, "%", NULL,
	    DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "reviews", "Permanence plan at the second review",
	    seconds > 0 ? 100.0 * with_plan / seconds : NAN, "%", ">80", DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "reviews", "Reviews overdue at month end", overdue, "", NULL, DIGEST_LOWER_BETTER);
	return 0;
}
