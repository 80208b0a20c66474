/*
 * store_metrics.h: the figures GET /metrics and GET /healthz report, counted from the database at
 * scrape time (the store family is the only code that speaks SQL). Labels are configuration names
 * (states, transports, stages, import kinds): never a case reference or a person.
 */
#ifndef DRIFTWATCH_STORE_METRICS_H
#define DRIFTWATCH_STORE_METRICS_H

#include <stdint.h>

#include "store.h"

/* One row of a grouped count: up to two label values (b may be NULL) and two figures. */
typedef void store_metrics_cb(void *arg, const char *a, const char *b, double v1, double v2);

/* Does the database answer a read? 0, or -1 with *cause. */
int store_metrics_ping(struct store *s, char **cause);
/* Outbox rows by (state, transport): v1 the count. */
int store_metrics_outbox(struct store *s, store_metrics_cb *cb, void *arg, char **cause);
/* Notices sent and dead, and delivery attempts that failed (every attempt of a row not sent, all
 * but the last of a row sent). */
int store_metrics_outcomes(struct store *s, int64_t *sent, int64_t *dead, int64_t *failed, char **cause);
/*
 * Seconds from created to sent over the sent rows, as a cumulative histogram: counts[i] rows took
 * at most bounds[i]; *count rows in all, *sum seconds in all.
 */
int store_metrics_latency(
    struct store *s, const double *bounds, int nbounds, int64_t *counts, int64_t *count, double *sum, char **cause);
/* Open disputes by stage: v1 the count. */
int store_metrics_disputes_open(struct store *s, store_metrics_cb *cb, void *arg, char **cause);
/* Imports run by kind: v1 the count, v2 the last one's time (seconds since the epoch). */
int store_metrics_imports(struct store *s, store_metrics_cb *cb, void *arg, char **cause);

#endif
