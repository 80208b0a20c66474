/*
 * digest_int.h: private to digest.c (building a digest) and digest_render.c (rendering it): what a
 * digest holds. The area files (digest_actions.c ...) add to a digest through digest.h only.
 */
#ifndef DRIFTWATCH_DIGEST_INT_H
#define DRIFTWATCH_DIGEST_INT_H

#include <stdbool.h>

#include "config.h"
#include "digest.h"

struct digest_figure {
	char *area, *name, *unit, *target;
	double value, previous;
	enum digest_better better;
};

struct digest_item {
	char *area, *list, *line;
};

struct digest {
	char *name;
	int year, month;
	int as_at;	     /* the last day the figures cover: the month's last, or today in a month not over */
	bool previous_phase; /* adding last month's figures: fill .previous, drop list items */
	char *sections[CONFIG_LIST_MAX];
	int nsections;
	struct digest_figure *figures;
	int nfigures;
	struct digest_item *items;
	int nitems;
};

#endif
