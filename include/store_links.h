/*
 * store_links.h: the answer links' tables (store_links.c): signing keys (link_keys), the tokens
 * that have acted (link_used) and reviews booked from a link (lac_bookings).
 */
#ifndef DRIFTWATCH_STORE_LINKS_H
#define DRIFTWATCH_STORE_LINKS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

/* The newest key not retired: 0 with *id and secret (len bytes), 1 when there is none, -1 with *cause. */
int store_link_key_current(struct store *s, uint32_t *id, unsigned char *secret, size_t len, char **cause);
/* A key by id: 0 with secret and *retired_at (0: current), 1 unknown, -1 with *cause. */
int store_link_key_get(
    struct store *s, uint32_t id, unsigned char *secret, size_t len, time_t *retired_at, char **cause);
/* Add a key and retire every other from now; 0 with *id, or -1 with *cause. */
int store_link_key_add(
    struct store *s, const unsigned char *secret, size_t len, time_t now, uint32_t *id, char **cause);
/* Record a token's nonce as used: 0, 1 when it already was, -1 with *cause. */
int store_link_use(
    struct store *s, const unsigned char *nonce, size_t len, const char *action, time_t now, char **cause);
/* Has a token's nonce been used? 1 yes, 0 no, -1 when the store did not answer. */
int store_link_is_used(struct store *s, const unsigned char *nonce, size_t len);
/* A review booked for a child on a date (DATE_NONE clears it); in the caller's transaction. */
int store_review_booking_set(struct store *s, const char *case_ref, int booked_for, time_t now, char **cause);
/* The date a child's next review is booked for, or DATE_NONE. */
int store_review_booking_get(struct store *s, const char *case_ref);

#endif
