/*
 * plan.h: what the four planners (plan_actions, plan_asye, plan_disputes, plan_reviews) have in
 * common. Each is `plan_X(record, rules, calendar, today, struct X_plan *out)`: pure, the rules
 * built once from the config by plan_X_rules, and every item it plans starting with a struct
 * plan_item in a growable struct plan_items, so no planner stops at a fixed count and code that
 * only needs the dates (liveness, the next instant) reads any domain's items alike.
 * So far plan_disputes is on it; plan_actions, plan_asye and plan_reviews keep their own shapes
 * until they move (docs/ARCHITECTURE.md, the planners).
 */
#ifndef DRIFTWATCH_PLAN_H
#define DRIFTWATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

/* The header every planned item starts with (its first member, named head). */
struct plan_item {
	int due;   /* the local date it becomes due */
	int until; /* the last local date it is still worth doing (DATE_NONE: no limit) */
};

/* A growable list of one domain's items, each size bytes and starting with a struct plan_item. */
struct plan_items {
	void *v;
	size_t size;
	int n, cap;
};

/* An empty list of items of size bytes. */
void plan_items_init(struct plan_items *l, size_t size);
/* A zeroed item added at the end; earlier item pointers may move. */
void *plan_items_push(struct plan_items *l);
/* The i-th item (0 <= i < n). */
void *plan_items_at(const struct plan_items *l, int i);
/* Sort the items with a qsort comparator over the domain's item struct. */
void plan_items_sort(struct plan_items *l, int (*cmp)(const void *, const void *));
/* Free the array (the domain frees what its items point to first) and leave the list empty. */
void plan_items_free(struct plan_items *l);
/* Is the item to be done on today: due, and its until not passed? */
bool plan_item_live(const struct plan_item *it, int today);

#endif
