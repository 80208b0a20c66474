/*
 * digest_disputes.c: the IRO disputes' part of the monthly digest (seed 000, 6.1: volume and
 * timescales, share about drift and delay, number reaching the DCS), computed for one month as at
 * its end from the disputes and their history, so last month is computed the same way.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "digest.h"
#include "disputes.h"

/* See digest.h. */
int
disputes_digest(
    struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause)
{
	struct dispute_stats st;
	char line[96];
	int i;

	if (disputes_stats(s, cfg, p->first, p->last, &st, cause) != 0)
		return -1;
	digest_add_figure(d, "disputes", "Disputes opened", st.opened, "", NULL, DIGEST_NEUTRAL);
	digest_add_figure(d, "disputes", "Disputes resolved", st.resolved, "", NULL, DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "disputes", "Disputes open at month end", st.open_at_end, "", NULL, DIGEST_LOWER_BETTER);
	for (i = 0; i < st.nstages; i++) {
		snprintf(line, sizeof line, "Stage %s: %d open", st.stage_names[i], st.stage_counts[i]);
		digest_add_list_item(d, "disputes", "Open disputes by stage", line);
	}
	digest_add_figure(
	    d, "disputes", "Median working days to resolve", st.median_wd, "wd", "<=20", DIGEST_LOWER_BETTER);
	digest_add_figure(
	    d, "disputes", "90th percentile working days to resolve", st.p90_wd, "wd", "<=20", DIGEST_LOWER_BETTER);
	digest_add_figure(
	    d, "disputes", "Disputes about drift and delay", st.drift_share, "%", "falling", DIGEST_LOWER_BETTER);
	digest_add_figure(
	    d, "disputes", "Disputes reaching the DCS this month", st.reached_dcs, "", "falling", DIGEST_LOWER_BETTER);
	digest_add_figure(d, "disputes", "Disputes reaching the DCS this year", st.reached_dcs_year, "", "falling",
	    DIGEST_LOWER_BETTER);
	digest_add_figure(d, "disputes", "Cafcass referrals", st.cafcass, "", NULL, DIGEST_NEUTRAL);
	return 0;
}
