/*
 * digest_asye.c: the ASYE and caseload figures for the monthly digest, as at the end of a month:
 * the share of ASYEs receiving their protected time, the share with supervision on schedule, and
 * the social workers above their caseload cap (a count, and by team). Caseloads come from the
 * history each workforce import records, so last month can be computed the same way.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asye.h"
#include "config.h"
#include "digest.h"
#include "xmalloc.h"

/* Is this worker one whose caseload is capped? */
static int
digest_asye_counts(const struct asye_worker *w, const struct asye_status *st)
{
	return st->in_programme || strcmp(w->role, "social-worker") == 0 || strcmp(w->role, "asye") == 0;
}

/* See digest.h. */
int
asye_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause)
{
	struct asye_roster r;
	struct asye_status st;
	struct asye_worker w;
	int date = p->last + 1, i, j, asyes = 0, on_time = 0, supervised = 0, over = 0, caseload;
	int team_n, team_over;
	char *line;

	if (asye_roster_load(s, NULL, &r, cause) != 0)
		return -1;
	for (i = 0; i < r.n; i++) {
		w = r.workers[i];
		if ((caseload = asye_store_caseload_at(s, w.person_id, p->last)) < 0)
			continue; /* not in the workforce yet */
		w.caseload = caseload;
		asye_status(&w, cfg, date, &st);
		if (st.in_programme) {
			asyes++;
			on_time += !st.behind;
			supervised += !st.supervision_overdue;
		}
		if (digest_asye_counts(&w, &st) && st.over_cap)
			over++;
	}
	digest_add_figure(d, "asye", "ASYEs receiving their protected time", asyes > 0 ? 100.0 * on_time / asyes : NAN,
	    "%", "100", DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "asye", "ASYE supervision on schedule", asyes > 0 ? 100.0 * supervised / asyes : NAN, "%",
	    "100", DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "asye", "Social workers above their caseload cap", over, "", "0", DIGEST_LOWER_BETTER);

	/* By team: workers are loaded ordered by team. */
	for (i = 0; i < r.n; i = j) {
		team_n = team_over = 0;
		for (j = i; j < r.n && strcmp(r.workers[j].team, r.workers[i].team) == 0; j++) {
			w = r.workers[j];
			if ((caseload = asye_store_caseload_at(s, w.person_id, p->last)) < 0)
				continue;
			w.caseload = caseload;
			asye_status(&w, cfg, date, &st);
			if (!digest_asye_counts(&w, &st))
				continue;
			team_n++;
			team_over += st.over_cap;
		}
		if (team_n == 0)
			continue;
		xasprintf(&line, "%s: %d of %d above cap (%.0f%%)",
		    r.workers[i].team[0] != '\0' ? r.workers[i].team : "no team", team_over, team_n,
		    100.0 * team_over / team_n);
		digest_add_list_item(d, "asye", "Social workers above cap by team", line);
		free(line);
	}
	asye_roster_free(&r);
	return 0;
}
