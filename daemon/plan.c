/*
 * plan.c: the planners' common item list: a growable array of one domain's items, each starting
 * with a struct plan_item, grown by doubling so a worker or a dispute with many items costs
 * log(n) reallocations rather than one per item.
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "plan.h"
#include "xmalloc.h"

/* See plan.h. */
void
plan_items_init(struct plan_items *l, size_t size)
{
	memset(l, 0, sizeof *l);
	l->size = size;
}

/* See plan.h. */
void *
plan_items_push(struct plan_items *l)
{
	void *it;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 8 : l->cap * 2;
		l->v = xreallocarray(l->v, (size_t)l->cap, l->size);
	}
	it = (char *)l->v + (size_t)l->n++ * l->size;
	memset(it, 0, l->size);
	return it;
}

/* See plan.h. */
void *
plan_items_at(const struct plan_items *l, int i)
{
	return (char *)l->v + (size_t)i * l->size;
}

/* See plan.h. */
void
plan_items_sort(struct plan_items *l, int (*cmp)(const void *, const void *))
{
	if (l->n > 1)
		qsort(l->v, (size_t)l->n, l->size, cmp);
}

/* See plan.h. */
void
plan_items_free(struct plan_items *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* See plan.h. */
bool
plan_item_live(const struct plan_item *it, int today)
{
	return it->due <= today && (it->until == DATE_NONE || today <= it->until);
}
