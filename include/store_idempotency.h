/*
 * store_idempotency.h: the HTTP API's Idempotency-Key records (store_idempotency.c), and whether
 * the store's last failure was one to try again later (busy, locked, disk full).
 */
#ifndef DRIFTWATCH_STORE_IDEMPOTENCY_H
#define DRIFTWATCH_STORE_IDEMPOTENCY_H

#include <time.h>

struct store;

/* Was the last failure the database being locked by another writer, or the disk full? */
int store_unavailable(struct store *s);

/*
 * The first answer given to (client, key) since `since`: 0 with *request_hash, *status and *body
 * (caller frees), 1 when the key is new (or older), -1 with *cause.
 */
int store_idempotency_get(struct store *s, const char *client, const char *key, time_t since, char **request_hash,
    int *status, char **body, char **cause);
/* Record an answer, inside the caller's transaction (the change it answers commits with it). */
int store_idempotency_put(struct store *s, const char *client, const char *key, const char *request_hash, int status,
    const char *body, time_t now, char **cause);
/* Forget the keys recorded before `before`; 0 or -1 with *cause. */
int store_idempotency_expire(struct store *s, time_t before, char **cause);

#endif
