/*
 * http-ceiling.c: how fast can any client deliver webhooks to the sink on this machine? The
 * benchmark's yardstick, not part of the product.
 *
 *   http-ceiling raw  PORT COUNT CONCURRENCY BODY_BYTES
 *   http-ceiling curl PORT COUNT CONCURRENCY BODY_BYTES
 *
 * Sends COUNT POSTs shaped like driftwatch's (the same headers, a JSON body of BODY_BYTES) to
 * http://127.0.0.1:PORT/ over CONCURRENCY keep-alive connections, and prints "COUNT SECONDS CPU":
 * the wall-clock seconds from the first request to the last answer, and the CPU seconds (user and
 * system) the whole process used.
 * Nothing is rendered, signed or recorded: every request is built once before the clock starts.
 *   raw:  plain sockets and epoll, one write and one read a request: the sink's own ceiling.
 *   curl: libcurl's multi interface, one reused easy handle a connection: the cost of the HTTP
 *         stack driftwatch is built on, without anything driftwatch does around it.
 * Every answer must be 2xx, or it stops with an error.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CEILING_MAX_CONCURRENCY 1024

/* The headers driftwatch sends (values of the same length), each a line without its CRLF. */
static const char *ceiling_headers[] = {
	"User-Agent: driftwatch/0.1.0",
	"Content-Type: application/json",
	"webhook-id: msg_dw_1_30028b10f343",
	"webhook-timestamp: 1796195595",
	"webhook-signature: v1,UwxC90EdoKHrSUFDO2YSSjZdxreUyoCvK89613LtNC8=",
};
#define CEILING_NHEADERS (sizeof ceiling_headers / sizeof ceiling_headers[0])

struct ceiling_conn {
	int fd;
	char buf[4096];
	size_t len;
};

/* Seconds on the monotonic clock. */
static double
ceiling_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A JSON body of exactly n bytes (n >= 12). */
static char *
ceiling_body(int n)
{
	char *body = malloc((size_t)n + 1);

	if (body == NULL)
		return NULL;
	memcpy(body, "{\"text\":\"", 9);
	memset(body + 9, 'x', (size_t)n - 11);
	memcpy(body + n - 2, "\"}", 3);
	return body;
}

/* Write all of a request to a blocking socket. */
static int
ceiling_write(int fd, const char *req, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, req, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		req += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Plain sockets: the sink's ceiling. Returns the seconds taken, or -1. */
static double
ceiling_raw(int port, int count, int conc, const char *body)
{
	struct sockaddr_in sa;
	struct epoll_event evs[64], ev;
	struct ceiling_conn *conns;
	char *req;
	size_t reqlen = 0, i;
	int ep, sent = 0, done = 0, nconns = 0, k, n, one = 1;
	double t0;

	if ((req = malloc(8192)) == NULL)
		return -1;
	reqlen = (size_t)snprintf(req, 8192, "POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: */*\r\n", port);
	for (i = 0; i < CEILING_NHEADERS; i++)
		reqlen += (size_t)snprintf(req + reqlen, 8192 - reqlen, "%s\r\n", ceiling_headers[i]);
	reqlen += (size_t)snprintf(req + reqlen, 8192 - reqlen, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	if (reqlen >= 8192) {
		fprintf(stderr, "http-ceiling: body too large\n");
		free(req);
		return -1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	conns = calloc((size_t)conc, sizeof *conns);
	if (conns == NULL || (ep = epoll_create1(0)) < 0) {
		free(conns), free(req);
		return -1;
	}
	t0 = ceiling_now();
	for (k = 0; k < conc && sent < count; k++, nconns++) {
		if ((conns[k].fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    setsockopt(conns[k].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0 ||
		    connect(conns[k].fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			perror("http-ceiling: connect");
			return -1;
		}
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLIN;
		ev.data.ptr = &conns[k];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, conns[k].fd, &ev) != 0 ||
		    ceiling_write(conns[k].fd, req, reqlen) != 0) {
			perror("http-ceiling: send");
			return -1;
		}
		sent++;
	}
	while (done < count) {
		if ((n = epoll_wait(ep, evs, 64, 30000)) <= 0) {
			fprintf(stderr, "http-ceiling: %s\n", n == 0 ? "the sink stopped answering" : strerror(errno));
			return -1;
		}
		for (k = 0; k < n; k++) {
			struct ceiling_conn *c = evs[k].data.ptr;
			ssize_t r = read(c->fd, c->buf + c->len, sizeof c->buf - c->len - 1);
			char *p, *end;

			if (r <= 0) {
				fprintf(stderr, "http-ceiling: the sink closed a connection\n");
				return -1;
			}
			c->len += (size_t)r;
			c->buf[c->len] = '\0';
			/* The sink answers every request with headers only (Content-Length: 0). */
			for (p = c->buf; (end = strstr(p, "\r\n\r\n")) != NULL; p = end + 4) {
				if (strncmp(p, "HTTP/1.1 2", 10) != 0) {
					fprintf(stderr, "http-ceiling: the sink answered: %.40s\n", p);
					return -1;
				}
				done++;
				if (sent < count) {
					if (ceiling_write(c->fd, req, reqlen) != 0) {
						perror("http-ceiling: send");
						return -1;
					}
					sent++;
				}
			}
			c->len -= (size_t)(p - c->buf);
			memmove(c->buf, p, c->len);
		}
	}
	t0 = ceiling_now() - t0;
	for (k = 0; k < nconns; k++)
		close(conns[k].fd);
	close(ep);
	free(conns), free(req);
	return t0;
}

/* Discard a response body. */
static size_t
ceiling_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p, (void)arg;
	return size * n;
}

/* libcurl's multi interface alone: the HTTP stack's ceiling. Returns the seconds taken, or -1. */
static double
ceiling_curl(int port, int count, int conc, const char *body)
{
	struct curl_slist *headers = NULL;
	CURLM *multi;
	CURLMsg *m;
	CURL *easy;
	char url[64];
	size_t i;
	int k, sent = 0, done = 0, running, left;
	long code;
	double t0;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	for (i = 0; i < CEILING_NHEADERS; i++)
		headers = curl_slist_append(headers, ceiling_headers[i]);
	headers = curl_slist_append(headers, "Expect:"); /* as driftwatch: no 100-continue round trip */
	multi = curl_multi_init();
	t0 = ceiling_now();
	for (k = 0; k < conc && sent < count; k++, sent++) {
		easy = curl_easy_init();
		curl_easy_setopt(easy, CURLOPT_URL, url);
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, ceiling_discard);
		curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
		curl_multi_add_handle(multi, easy);
	}
	while (done < count) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			return -1;
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			easy = m->easy_handle;
			code = 0;
			curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
			if (m->data.result != CURLE_OK || code / 100 != 2) {
				fprintf(
				    stderr, "http-ceiling: %s (HTTP %ld)\n", curl_easy_strerror(m->data.result), code);
				return -1;
			}
			done++;
			curl_multi_remove_handle(multi, easy);
			if (sent < count) {
				curl_multi_add_handle(multi, easy); /* same handle: its connection is reused */
				sent++;
			} else
				curl_easy_cleanup(easy);
		}
		if (done < count && curl_multi_poll(multi, NULL, 0, 30000, NULL) != CURLM_OK)
			return -1;
	}
	t0 = ceiling_now() - t0;
	curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	return t0;
}

/* CPU seconds this process has used, user and system. */
static double
ceiling_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int
main(int argc, char **argv)
{
	int port, count, conc, bytes;
	double secs;
	char *body;

	if (argc != 6 || (strcmp(argv[1], "raw") != 0 && strcmp(argv[1], "curl") != 0)) {
		fprintf(stderr, "usage: http-ceiling raw|curl PORT COUNT CONCURRENCY BODY_BYTES\n");
		return 2;
	}
	port = atoi(argv[2]), count = atoi(argv[3]), conc = atoi(argv[4]), bytes = atoi(argv[5]);
	if (port <= 0 || port > 65535 || count <= 0 || conc <= 0 || conc > CEILING_MAX_CONCURRENCY || bytes < 12 ||
	    bytes > 4096) {
		fprintf(stderr, "http-ceiling: PORT 1-65535, COUNT > 0, CONCURRENCY 1-%d, BODY_BYTES 12-4096\n",
		    CEILING_MAX_CONCURRENCY);
		return 2;
	}
	if ((body = ceiling_body(bytes)) == NULL)
		return 1;
	if (argv[1][0] == 'r')
		secs = ceiling_raw(port, count, conc, body);
	else {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		secs = ceiling_curl(port, count, conc, body);
		curl_global_cleanup();
	}
	free(body);
	if (secs < 0)
		return 1;
	printf("%d %.3f %.3f\n", count, secs, ceiling_cpu());
	return 0;
}
