/*
 * http_feed.c: GET /ics/{token} — a person's calendar feed (feed.c), TOKEN.ics in the path. The
 * token is the only credential, so a refused one says nothing but "no such feed": not why, not
 * whose. An unchanged feed keeps its ETag (DTSTAMP aside), so a client's If-None-Match gets a 304.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "feed.h"
#include "http_int.h"
#include "log.h"
#include "token.h"
#include "xmalloc.h"

/* Answer with headers of our own: a calendar may be kept and revalidated, not shared by proxies. */
static void
http_feed_reply(struct http_call *call, int status, const char *type, const char *etag, const char *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(call->req);

	if (type != NULL)
		evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "private, no-cache");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Robots-Tag", "noindex");
	if (etag != NULL)
		evhttp_add_header(h, "ETag", etag);
	if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(call->req), body, len) != 0)
		fatalx("http: evbuffer_add failed");
	call->status = status;
	evhttp_send_reply(call->req, status, NULL, NULL);
}

/* Does an If-None-Match header name this ETag ("*", or one in a list)? */
static int
http_feed_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);
	const char *p;

	if (header == NULL)
		return 0;
	if (strcmp(header, "*") == 0)
		return 1;
	for (p = strstr(header, etag); p != NULL; p = strstr(p + 1, etag)) {
		if ((p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return 1;
	}
	return 0;
}

/* GET /ics/{token}: the person's feed. */
void
http_feed_show(struct http_call *call)
{
	static const char refused[] = "no such calendar feed\n";
	static const char busy[] = "the calendar feed is unavailable: try again later\n";
	char token[TOKEN_TEXT_MAX + 1], email[TOKEN_RECIPIENT_MAX], etag[24], *cause = NULL;
	size_t len = strlen(call->param);
	time_t now = clock_now();
	enum feed_check fc;
	struct ics w;

	if (len <= 4 || len - 4 > TOKEN_TEXT_MAX || strcmp(call->param + len - 4, ".ics") != 0) {
		http_feed_reply(call, 404, "text/plain; charset=utf-8", NULL, refused, sizeof refused - 1);
		return;
	}
	memcpy(token, call->param, len - 4);
	token[len - 4] = '\0';
	fc = feed_check(call->store, call->cfg, token, now, email, sizeof email);
	if (fc != FEED_OK) {
		if (fc == FEED_UNAVAILABLE)
			evhttp_add_header(evhttp_request_get_output_headers(call->req), "Retry-After", "60");
		http_feed_reply(call, fc == FEED_UNAVAILABLE ? 503 : 404, "text/plain; charset=utf-8", NULL,
		    fc == FEED_UNAVAILABLE ? busy : refused,
		    fc == FEED_UNAVAILABLE ? sizeof busy - 1 : sizeof refused - 1);
		return;
	}
	if (feed_build(call->store, call->cfg, email, now, &w, &cause) != 0) {
		log_warnx("http: feed: %s", cause);
		free(cause);
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Retry-After", "60");
		http_feed_reply(call, 503, "text/plain; charset=utf-8", NULL, busy, sizeof busy - 1);
		return;
	}
	snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)w.etag);
	if (http_feed_matches(evhttp_find_header(evhttp_request_get_input_headers(call->req), "If-None-Match"), etag))
		http_feed_reply(call, 304, NULL, etag, NULL, 0);
	else
		http_feed_reply(call, 200, "text/calendar; charset=utf-8", etag, w.buf, w.len);
	ics_free(&w);
}
