/*
 * curlev.h: one libcurl multi handle driven by libevent through the multi socket API
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION), as curl's docs/examples/hiperfifo.c.
 */
#ifndef DRIFTWATCH_CURLEV_H
#define DRIFTWATCH_CURLEV_H

#include <curl/curl.h>

struct event_base;
struct curlev; /* private */

typedef void (*curlev_done_cb)(CURL *easy, CURLcode result, void *arg);

struct curlev *curlev_new(struct event_base *base);
void curlev_free(struct curlev *cev);
/*
 * Add a configured easy handle; done runs once from the event loop when the transfer ends, after
 * the handle has left the multi handle (so done may clean it up). curlev owns CURLOPT_PRIVATE.
 */
int curlev_add(struct curlev *cev, CURL *easy, curlev_done_cb done, void *arg);
/* Take a transfer out before it ends (its owner is going away); done is not called. */
void curlev_remove(struct curlev *cev, CURL *easy);
int curlev_running(const struct curlev *cev);
struct event_base *curlev_base(const struct curlev *cev);

#endif
