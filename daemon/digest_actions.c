/*
 * digest_actions.c: the action plans' part of the monthly digest, as at the period's last day:
 * RAG counts overall and by section, % on track (Green or Blue among watched actions), the
 * overdue list (ref, lead, working days overdue) and the actions with no timescale.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "plan_actions.h"
#include "xmalloc.h"

/* % on track of counts indexed by enum action_rag (NaN when nothing is watched). */
static double
digest_actions_on_track(const int *counts)
{
	int watched =
	    counts[RAG_RED] + counts[RAG_AMBER] + counts[RAG_GREEN] + counts[RAG_BLUE] + counts[RAG_NO_TIMESCALE];

	return watched > 0 ? 100.0 * (counts[RAG_GREEN] + counts[RAG_BLUE]) / watched : NAN;
}

/* See digest.h. */
int
actions_digest(struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause)
{
	struct action *v = NULL;
	int n = 0, i, j, total[6] = { 0 }, counts[6];
	enum action_rag rag;
	char *line, *keys;

	if (actions_load(s, NULL, &v, &n, cause) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i].imported_on != DATE_NONE && v[i].imported_on > p->last)
			continue; /* not known yet at the end of the period */
		total[plan_actions_rag(&v[i], cfg, cfg->calendar, p->last)]++;
	}
	digest_add_figure(d, "actions", "Red actions", total[RAG_RED], "", "0", DIGEST_LOWER_BETTER);
	digest_add_figure(d, "actions", "Amber actions", total[RAG_AMBER], "", NULL, DIGEST_LOWER_BETTER);
	digest_add_figure(d, "actions", "Green actions", total[RAG_GREEN], "", NULL, DIGEST_HIGHER_BETTER);
	digest_add_figure(d, "actions", "Blue (complete) actions", total[RAG_BLUE], "", NULL, DIGEST_HIGHER_BETTER);
	digest_add_figure(
	    d, "actions", "Actions with no timescale", total[RAG_NO_TIMESCALE], "", "0", DIGEST_LOWER_BETTER);
	digest_add_figure(
	    d, "actions", "Actions on track", digest_actions_on_track(total), "%", "100", DIGEST_HIGHER_BETTER);
	/* RAG by section, in plan order. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (strcmp(v[j].plan, v[i].plan) == 0 && strcmp(v[j].section, v[i].section) == 0)
				break;
		}
		if (j < i)
			continue;
		memset(counts, 0, sizeof counts);
		for (j = i; j < n; j++) {
			if (strcmp(v[j].plan, v[i].plan) != 0 || strcmp(v[j].section, v[i].section) != 0)
				continue;
			if (v[j].imported_on != DATE_NONE && v[j].imported_on > p->last)
				continue;
			counts[plan_actions_rag(&v[j], cfg, cfg->calendar, p->last)]++;
		}
		if (counts[RAG_RED] + counts[RAG_AMBER] + counts[RAG_GREEN] + counts[RAG_BLUE] +
			counts[RAG_NO_TIMESCALE] ==
		    0)
			continue;
		xasprintf(&line, "%s section %s: Red %d, Amber %d, Green %d, Blue %d, no timescale %d; %.0f%% on track",
		    v[i].plan, v[i].section, counts[RAG_RED], counts[RAG_AMBER], counts[RAG_GREEN], counts[RAG_BLUE],
		    counts[RAG_NO_TIMESCALE], digest_actions_on_track(counts));
		digest_add_list_item(d, "actions", "RAG by section", line);
		free(line);
	}
	for (i = 0; i < n; i++) {
		if (v[i].imported_on != DATE_NONE && v[i].imported_on > p->last)
			continue;
		rag = plan_actions_rag(&v[i], cfg, cfg->calendar, p->last);
		if (rag != RAG_RED && rag != RAG_NO_TIMESCALE)
			continue;
		keys = action_leads_joined(&v[i]);
		if (rag == RAG_RED) {
			xasprintf(&line, "%s %s  %s  %d wd overdue", v[i].plan, v[i].ref, keys,
			    plan_actions_overdue(&v[i], cfg->calendar, p->last));
			digest_add_list_item(d, "actions", "Overdue actions", line);
		} else {
			xasprintf(&line, "%s %s  %s", v[i].plan, v[i].ref, keys);
			digest_add_list_item(d, "actions", "Actions with no timescale", line);
		}
		free(line);
		free(keys);
	}
	actions_free(v, n);
	return 0;
}
