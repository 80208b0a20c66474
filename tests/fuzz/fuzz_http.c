/*
 * fuzz_http.c: libFuzzer target for what reads a request before any handler: the router
 * (http_route_find: method and path to a route and its {param}), the query string parser the
 * handlers use (evhttp_parse_query_str, then http_api_id on each value, as ?limit= is read), and
 * the multipart/form-data parser of imports over HTTP with its file name check. The input is
 * "METHOD PATH[?QUERY]\nCONTENT-TYPE\nBODY"; each piece may be anything. What is checked: a route
 * found is the template it names and its {param} is one non-empty segment that puts the path
 * back together; parts lie inside the body, in order, and a failure says why.
 */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "http_int.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The methods a first word may name; anything else is fuzzed as GET. */
static enum evhttp_cmd_type
fuzz_method(const char *line, size_t n)
{
	static const struct {
		const char *name;
		enum evhttp_cmd_type m;
	} methods[] = { { "GET", EVHTTP_REQ_GET }, { "POST", EVHTTP_REQ_POST }, { "HEAD", EVHTTP_REQ_HEAD },
		{ "PUT", EVHTTP_REQ_PUT }, { "DELETE", EVHTTP_REQ_DELETE }, { "PATCH", EVHTTP_REQ_PATCH } };
	size_t i;

	for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		if (strlen(methods[i].name) == n && memcmp(methods[i].name, line, n) == 0)
			return methods[i].m;
	}
	return EVHTTP_REQ_GET;
}

/* The router on one path: abort unless the answer is consistent with the table. */
static void
fuzz_route(enum evhttp_cmd_type method, const char *path)
{
	char *buf = xmalloc(strlen(path) + 1), *again;
	const char *param, *tmpl, *brace, *close;
	const struct http_route *r = http_route_find(method, path, buf, &param, &tmpl);

	if (r != NULL) {
		if (tmpl != r->path)
			abort();
		if (r->method != method && !(method == EVHTTP_REQ_HEAD && r->method == EVHTTP_REQ_GET))
			abort();
		brace = strchr(r->path, '{');
		if ((brace == NULL) != (param == NULL))
			abort();
		if (brace == NULL) {
			if (strcmp(r->path, path) != 0)
				abort();
		} else {
			if (*param == '\0' || strchr(param, '/') != NULL || (close = strchr(brace, '}')) == NULL)
				abort();
			xasprintf(&again, "%.*s%s%s", (int)(brace - r->path), r->path, param, close + 1);
			if (strcmp(again, path) != 0)
				abort();
			free(again);
			(void)http_api_id(param);
		}
	} else if (param != NULL)
		abort();
	free(buf);
}

/* The query string as the handlers read it. */
static void
fuzz_query(const char *query)
{
	struct evkeyvalq q;
	struct evkeyval *kv;
	int64_t id;

	TAILQ_INIT(&q);
	if (evhttp_parse_query_str(query, &q) == 0) {
		TAILQ_FOREACH(kv, &q, next) {
			id = http_api_id(kv->value);
			if (id < -1 || (id >= 0 && kv->value[0] == '\0'))
				abort();
		}
	}
	evhttp_clear_headers(&q);
}

/* The multipart parser and the file name check. */
static void
fuzz_multipart(const char *type, const char *body, size_t len)
{
	struct http_part *parts = NULL;
	char *cause = NULL;
	const char *prev = body;
	int n = -1, i;

	if (http_multipart_parse(type, body, len, &parts, &n, &cause) != 0) {
		if (cause == NULL || parts != NULL || n != 0)
			abort();
		free(cause);
		return;
	}
	if (cause != NULL || n < 0 || n > 16)
		abort();
	for (i = 0; i < n; i++) {
		if (parts[i].data < prev || parts[i].data + parts[i].len > body + len)
			abort();
		prev = parts[i].data + parts[i].len;
		if (parts[i].filename != NULL && http_import_filename_ok(parts[i].filename) &&
		    (strchr(parts[i].filename, '/') != NULL || parts[i].filename[0] == '.'))
			abort();
	}
	http_parts_free(parts, n);
}

/* One input: split it in three and give each piece to its reader. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = xmalloc(size + 1), *line, *type, *body, *nl, *sp, *path, *q;
	size_t bodylen;

	memcpy(copy, data, size);
	copy[size] = '\0';
	line = copy;
	nl = memchr(copy, '\n', size);
	if (nl == NULL) {
		type = body = copy + size;
	} else {
		*nl = '\0';
		type = nl + 1;
		if ((nl = memchr(type, '\n', size - (size_t)(type - copy))) == NULL)
			body = copy + size;
		else {
			*nl = '\0';
			body = nl + 1;
		}
	}
	bodylen = size - (size_t)(body - copy);
	/* The body as the multipart parser gets it: bytes, NULs and all. */
	fuzz_multipart(type, body, bodylen);
	/* The request line (up to a NUL): "METHOD PATH?QUERY". */
	sp = strchr(line, ' ');
	path = xstrdup(sp != NULL ? sp + 1 : line);
	if ((q = strchr(path, '?')) != NULL) {
		*q++ = '\0';
		fuzz_query(q);
	}
	fuzz_route(fuzz_method(line, sp != NULL ? (size_t)(sp - line) : strlen(line)), path);
	free(path);
	free(copy);
	return 0;
}
