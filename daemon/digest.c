/*
 * digest.c: the monthly digest to the Director of Children's Services. Each area's figures are
 * computed for the month reported and again for the month before (both as at their month's end,
 * by the same functions), so every figure stands beside last month's and its target with a word
 * for better or worse. This file builds a digest and reads it back; digest_render.c renders it.
 * Children appear by case reference only, as the areas list them.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "digest_int.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

static const char *const digest_all_sections[] = { "actions", "disputes", "reviews", "asye", "delivery" };

/* See digest.h. */
void
digest_period_of(int year, int month, struct digest_period *p)
{
	p->first = date_from_ymd(year, month, 1);
	p->last = date_add_months(p->first, 1) - 1;
	p->from = calendar_local_time(p->first, 0);
	p->to = calendar_local_time(p->last + 1, 0);
}

/* See digest.h. */
void
digest_month_reported(int date, int *year, int *month)
{
	int d;

	date_to_ymd(date_add_months(date, -1), year, month, &d);
}

/* See digest.h. */
int
digest_send_date(const struct calendar *cal, int year, int month)
{
	return calendar_next_working_day(cal, date_from_ymd(year, month, 1));
}

/* See digest.h. */
int
digest_parse_month(const char *s, int *year, int *month)
{
	char tail;

	if (strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", year, month, &tail) != 2 || *year < 1900 ||
	    *month < 1 || *month > 12)
		return -1;
	return 0;
}

/* See digest.h. */
struct digest *
digest_new(const char *name, int year, int month)
{
	struct digest *d = xcalloc(1, sizeof *d);

	d->name = xstrdup(name != NULL ? name : "preview");
	d->year = year;
	d->month = month;
	return d;
}

/* See digest.h. */
void
digest_free(struct digest *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfigures; i++) {
		free(d->figures[i].area), free(d->figures[i].name);
		free(d->figures[i].unit), free(d->figures[i].target);
	}
	for (i = 0; i < d->nitems; i++)
		free(d->items[i].area), free(d->items[i].list), free(d->items[i].line);
	for (i = 0; i < d->nsections; i++)
		free(d->sections[i]);
	free(d->figures);
	free(d->items);
	free(d->name);
	free(d);
}

/* A figure by area and name, or NULL. */
static struct digest_figure *
digest_find(const struct digest *d, const char *area, const char *name)
{
	int i;

	for (i = 0; i < d->nfigures; i++) {
		if (strcmp(d->figures[i].area, area) == 0 && strcmp(d->figures[i].name, name) == 0)
			return &d->figures[i];
	}
	return NULL;
}

/* See digest.h. */
void
digest_add_figure(struct digest *d, const char *area, const char *name, double value, const char *unit,
    const char *target, enum digest_better better)
{
	struct digest_figure *f;

	if ((f = digest_find(d, area, name)) != NULL) {
		if (d->previous_phase)
			f->previous = value;
		else
			f->value = value;
		return;
	}
	d->figures = xreallocarray(d->figures, (size_t)d->nfigures + 1, sizeof *d->figures);
	f = &d->figures[d->nfigures++];
	f->area = xstrdup(area);
	f->name = xstrdup(name);
	f->unit = xstrdup(unit != NULL ? unit : "");
	f->target = target != NULL ? xstrdup(target) : NULL;
	f->better = better;
	/* A figure only last month had (none this month) keeps NaN as its value. */
	f->value = d->previous_phase ? NAN : value;
	f->previous = d->previous_phase ? value : NAN;
}

/* See digest.h. */
void
digest_add_list_item(struct digest *d, const char *area, const char *list, const char *line)
{
	struct digest_item *it;

	if (d->previous_phase)
		return; /* lists are this month's only */
	d->items = xreallocarray(d->items, (size_t)d->nitems + 1, sizeof *d->items);
	it = &d->items[d->nitems++];
	it->area = xstrdup(area);
	it->list = xstrdup(list);
	it->line = xstrdup(line);
}

/* See digest.h. */
int
digest_figure_value(const struct digest *d, const char *area, const char *name, double *value)
{
	const struct digest_figure *f = digest_find(d, area, name);

	if (f == NULL)
		return -1;
	*value = f->value;
	return 0;
}

/* See digest.h. */
int
digest_figure_previous(const struct digest *d, const char *area, const char *name, double *previous)
{
	const struct digest_figure *f = digest_find(d, area, name);

	if (f == NULL)
		return -1;
	*previous = f->previous;
	return 0;
}

/* See digest.h. */
int
digest_figure_count(const struct digest *d)
{
	return d->nfigures;
}

/* See digest.h. */
int
digest_list_count(const struct digest *d, const char *area, const char *list)
{
	int i, n = 0;

	for (i = 0; i < d->nitems; i++)
		n += strcmp(d->items[i].area, area) == 0 && strcmp(d->items[i].list, list) == 0;
	return n;
}

/* See digest.h. */
const char *
digest_list_item(const struct digest *d, const char *area, const char *list, int i)
{
	int k;

	for (k = 0; k < d->nitems; k++) {
		if (strcmp(d->items[k].area, area) != 0 || strcmp(d->items[k].list, list) != 0)
			continue;
		if (i-- == 0)
			return d->items[k].line;
	}
	return NULL;
}

/* What driftwatch itself did in a period: notices sent, retried, dead; imports run. */
static void
digest_delivery(struct store *s, const struct digest_period *p, struct digest *d)
{
	int sent, retried, dead, pending;

	outbox_counts(s, p->from, p->to, &sent, &retried, &dead, &pending);
	digest_add_figure(d, "delivery", "Notices sent", sent, "", NULL, DIGEST_NEUTRAL);
	digest_add_figure(d, "delivery", "Notices sent after a retry", retried, "", NULL, DIGEST_LOWER_BETTER);
	digest_add_figure(d, "delivery", "Notices that could not be delivered", dead, "", "0", DIGEST_LOWER_BETTER);
	digest_add_figure(
	    d, "delivery", "Imports run", store_import_count(s, p->from, p->to), "", NULL, DIGEST_NEUTRAL);
}

/* One area for one period. */
static int
digest_area(struct store *s, const struct config *cfg, const char *area, const struct digest_period *p,
    struct digest *d, char **cause)
{
	if (strcmp(area, "actions") == 0)
		return actions_digest(s, cfg, p, d, cause);
	if (strcmp(area, "disputes") == 0)
		return disputes_digest(s, cfg, p, d, cause);
	if (strcmp(area, "reviews") == 0)
		return reviews_digest(s, cfg, p, d, cause);
	if (strcmp(area, "asye") == 0)
		return asye_digest(s, cfg, p, d, cause);
	if (strcmp(area, "delivery") == 0) {
		digest_delivery(s, p, d);
		return 0;
	}
	xasprintf(cause, "digest: unknown section \"%s\"", area);
	return -1;
}

/* See digest.h. */
int
digest_build(struct store *s, const struct config *cfg, const struct config_digest *dc, int year, int month, int today,
    struct digest **out, char **cause)
{
	struct digest_period cur, prev;
	struct digest *d;
	int i, py, pm, dd;

	d = digest_new(dc != NULL ? dc->name : NULL, year, month);
	if (dc != NULL) {
		for (i = 0; i < dc->nsections; i++)
			d->sections[d->nsections++] = xstrdup(dc->sections[i]);
	} else {
		for (i = 0; i < (int)(sizeof digest_all_sections / sizeof digest_all_sections[0]); i++)
			d->sections[d->nsections++] = xstrdup(digest_all_sections[i]);
	}
	digest_period_of(year, month, &cur);
	if (today >= cur.first && today < cur.last) {
		cur.last = today; /* month to date */
		cur.to = calendar_local_time(today + 1, 0);
	}
	d->as_at = cur.last;
	date_to_ymd(cur.first - 1, &py, &pm, &dd);
	digest_period_of(py, pm, &prev);
	for (i = 0; i < d->nsections; i++) {
		d->previous_phase = false;
		if (digest_area(s, cfg, d->sections[i], &cur, d, cause) != 0)
			goto fail;
		d->previous_phase = true;
		if (digest_area(s, cfg, d->sections[i], &prev, d, cause) != 0)
			goto fail;
	}
	d->previous_phase = false;
	*out = d;
	return 0;
fail:
	digest_free(d);
	*out = NULL;
	return -1;
}
