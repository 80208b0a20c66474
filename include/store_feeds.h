/*
 * store_feeds.h: the calendar feeds' SQL (store_feeds.c): each person's feed generation
 * (feed_tokens), and when a record last changed, read from the audit trail.
 */
#ifndef DRIFTWATCH_STORE_FEEDS_H
#define DRIFTWATCH_STORE_FEEDS_H

#include <stdint.h>
#include <time.h>

struct store;

/*
 * A person's current feed generation: 0 with *generation; 1 when they have none (and create is 0);
 * with create, a first one (1) is recorded. -1 with *cause.
 */
int store_feed_generation(
    struct store *s, const char *email, int create, time_t now, int64_t *generation, char **cause);
/* Bump a person's generation (made when absent), so their older feed URLs stop working: 0 and *generation. */
int store_feed_revoke(struct store *s, const char *email, time_t now, int64_t *generation, char **cause);
/* The cases allocated to a person (social worker, team manager or IRO), sorted: 0 and *refs (free
 * each and the array), or -1 with *cause. */
int store_feed_cases(struct store *s, const char *email, char ***refs, int *n, char **cause);
/* The last change to a record, as its audit trail says (notices left out): UTC seconds, 0 when unknown. */
time_t store_feed_modified(struct store *s, const char *subject);

#endif
