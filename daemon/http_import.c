/*
 * http_import.c: imports over HTTP, POST /v1/imports/{kind} (scope imports). The body is a CSV
 * (Content-Type text/csv) for a one-file kind, or the SSDA903 files as multipart/form-data, one part
 * a file named as in the return (header.csv, episodes.csv, reviews.csv). Nothing is imported on the
 * event loop: the body goes to files in a private spool folder (0700, beside the database) and the
 * import child of the drop folders (spawn.c) runs `driftwatchctl import --by http:CLIENT KIND
 * FILES`: the same importers, the same all-or-nothing. The answer waits for the child's exit
 * (evhttp lets a request be answered later; the loop serves everyone else meanwhile): 201 with the
 * import log's row, 200 when the same files were imported before, 422 with the importer's
 * FILE:LINE:COLUMN lines as JSON. One import at a time daemon-wide: a second gets 409 and
 * Retry-After. The spooled files are removed once the answer is made.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "http_int.h"
#include "log.h"
#include "spawn.h"
#include "store.h"
#include "xmalloc.h"

#define HTTP_IMPORT_SPOOL "http-imports"
#define HTTP_IMPORT_REPORT ".report"
#define HTTP_IMPORT_REPORT_MAX (1024 * 1024)
#define HTTP_IMPORT_RETRY_AFTER "10"
#define HTTP_IMPORT_PARTS_MAX 16

/* The import in flight: at most one (spawn.c allows no second). */
struct http_import_run {
	struct evhttp_request *req;
	struct store *store;
	pid_t pid;
	char *kind, *by, *client, *dir;
	char **names; /* the files in dir */
	int nnames;
	int64_t after_id; /* the import log's last row before this import */
	long long start;
};

static struct http_import_run http_import_run;
static struct event http_import_ev_child;
static int http_import_ev_ready;
static char *http_import_ctl;

/* The kinds driftwatchctl imports (CONFIG_IMPORT_FORMATS); 1 for a known one. */
static int
http_import_kind_ok(const char *kind)
{
	const char *p = CONFIG_IMPORT_FORMATS, *bar;
	size_t n = strlen(kind);

	while (n > 0 && *p != '\0') {
		bar = strchr(p, '|');
		if (bar == NULL)
			bar = p + strlen(p);
		if ((size_t)(bar - p) == n && strncmp(p, kind, n) == 0)
			return 1;
		p = *bar == '|' ? bar + 1 : bar;
	}
	return 0;
}

/* See http_int.h. */
int
http_import_filename_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > 64 || name[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
			ch == '_' || ch == '-'))
			return 0;
	}
	return 1;
}

/* A parameter of a header value ("...; name=value" or name="value"), copied; NULL when absent. */
static char *
http_import_header_param(const char *value, size_t len, const char *name)
{
	const char *p = value, *end = value + len, *v, *q;
	size_t n = strlen(name);

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (semi == NULL)
			break;
		p = semi + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) <= n || strncasecmp(p, name, n) != 0 || p[n] != '=')
			continue;
		v = p + n + 1;
		if (v < end && *v == '"') {
			v++;
			if ((q = memchr(v, '"', (size_t)(end - v))) == NULL)
				return NULL;
		} else {
			for (q = v; q < end && *q != ';' && *q != ' ' && *q != '\t'; q++)
				;
		}
		if (memchr(v, '\0', (size_t)(q - v)) != NULL)
			return NULL;
		return xstrndup(v, (size_t)(q - v));
	}
	return NULL;
}

/* See http_int.h. */
void
http_parts_free(struct http_part *parts, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(parts[i].filename);
	free(parts);
}

/* The headers of one part (from h to the blank line): its file name from Content-Disposition. */
static int
http_import_part_headers(const char *h, size_t len, struct http_part *part, char **cause)
{
	const char *end = h + len, *eol, *colon;

	part->filename = NULL;
	while (h < end) {
		if ((eol = memmem(h, (size_t)(end - h), "\r\n", 2)) == NULL)
			eol = end;
		colon = memchr(h, ':', (size_t)(eol - h));
		if (colon == NULL) {
			free(part->filename);
			part->filename = NULL;
			xasprintf(cause, "a part's header line has no colon");
			return -1;
		}
		if ((size_t)(colon - h) == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
			free(part->filename);
			part->filename = http_import_header_param(colon + 1, (size_t)(eol - colon - 1), "filename");
		}
		h = eol + 2;
	}
	return 0;
}

/*
 * See http_int.h. The body is "--B CRLF headers CRLF CRLF data CRLF --B ... CRLF --B--" (RFC 7578):
 * anything before the first boundary and after the last is ignored; the data is not copied.
 */
int
http_multipart_parse(
    const char *content_type, const char *body, size_t len, struct http_part **parts, int *nparts, char **cause)
{
	const char *semi, *p, *end = body + len, *next, *hend;
	char *boundary = NULL, *delim = NULL;
	size_t dlen;
	struct http_part part;

	*parts = NULL, *nparts = 0;
	semi = content_type != NULL ? strchr(content_type, ';') : NULL;
	if (content_type == NULL || semi == NULL || (size_t)(semi - content_type) != 19 ||
	    strncasecmp(content_type, "multipart/form-data", 19) != 0) {
		xasprintf(cause, "want Content-Type multipart/form-data with a boundary");
		return -1;
	}
	boundary = http_import_header_param(semi, strlen(semi), "boundary");
	if (boundary == NULL || *boundary == '\0' || strlen(boundary) > 70) {
		xasprintf(cause, "the multipart boundary is missing or longer than 70 characters");
		goto fail;
	}
	xasprintf(&delim, "\r\n--%s", boundary);
	dlen = strlen(delim);
	/* The first boundary may open the body (no CRLF before it). */
	if (len >= dlen - 2 && memcmp(body, delim + 2, dlen - 2) == 0)
		p = body + dlen - 2;
	else if ((p = memmem(body, len, delim, dlen)) != NULL)
		p += dlen;
	else {
		xasprintf(cause, "the body has no multipart boundary");
		goto fail;
	}
	for (;;) {
		/* p is just after a boundary: "--" ends the body, CRLF starts a part. */
		if ((size_t)(end - p) >= 2 && p[0] == '-' && p[1] == '-')
			break;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) < 2 || p[0] != '\r' || p[1] != '\n') {
			xasprintf(cause, "a multipart boundary is not followed by CRLF");
			goto fail;
		}
		p += 2;
		/* The part's headers end at a blank line; a part may have none ("CRLF" at once). */
		if ((size_t)(end - p) >= 2 && p[0] == '\r' && p[1] == '\n')
			hend = p;
		else if ((hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL) {
			xasprintf(cause, "a part's headers do not end");
			goto fail;
		}
		if (http_import_part_headers(p, (size_t)(hend - p), &part, cause) != 0)
			goto fail;
		p = hend == p ? p + 2 : hend + 4;
		if ((next = memmem(p, (size_t)(end - p), delim, dlen)) == NULL) {
			free(part.filename);
			xasprintf(cause, "the last part has no closing boundary");
			goto fail;
		}
		if (*nparts == HTTP_IMPORT_PARTS_MAX) {
			free(part.filename);
			xasprintf(cause, "more than %d parts", HTTP_IMPORT_PARTS_MAX);
			goto fail;
		}
		part.data = p;
		part.len = (size_t)(next - p);
		*parts = xreallocarray(*parts, (size_t)*nparts + 1, sizeof **parts);
		(*parts)[(*nparts)++] = part;
		p = next + dlen;
	}
	free(boundary), free(delim);
	return 0;
fail:
	http_parts_free(*parts, *nparts);
	*parts = NULL, *nparts = 0;
	free(boundary), free(delim);
	return -1;
}

/* Remove the spooled files and their folder; forget the run. */
static void
http_import_clear(struct http_import_run *r)
{
	char *path;
	int i;

	for (i = 0; r->dir != NULL && i < r->nnames; i++) {
		xasprintf(&path, "%s/%s", r->dir, r->names[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("http: imports: unlink %s", path);
		free(path);
	}
	if (r->dir != NULL) {
		xasprintf(&path, "%s/%s", r->dir, HTTP_IMPORT_REPORT);
		unlink(path);
		free(path);
		if (rmdir(r->dir) != 0)
			log_warn("http: imports: rmdir %s", r->dir);
	}
	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names), free(r->kind), free(r->by), free(r->client), free(r->dir);
	memset(r, 0, sizeof *r);
}

/* Answer the request of the run, log it, and clear the run. */
static void
http_import_answer(struct http_import_run *r, int status, json_t *body)
{
	struct http_call call;

	memset(&call, 0, sizeof call);
	call.req = r->req;
	if (status == 409 || status == 503)
		evhttp_add_header(evhttp_request_get_output_headers(r->req), "Retry-After", HTTP_IMPORT_RETRY_AFTER);
	http_reply_json(&call, status, body);
	http_log_request(EVHTTP_REQ_POST, "/v1/imports/{kind}", status, r->client, r->start);
	http_import_clear(r);
}

/* Take "DIR/" out of text, in place: the client sent names, the spool folder is ours. */
static void
http_import_strip(char *text, const char *dir)
{
	char *prefix, *p;
	size_t plen;

	xasprintf(&prefix, "%s/", dir);
	plen = strlen(prefix);
	while ((p = strstr(text, prefix)) != NULL)
		memmove(p, p + plen, strlen(p + plen) + 1);
	free(prefix);
}

/* The child's output, with the spool folder taken out of every path (the client sent names). */
static char *
http_import_report(const struct http_import_run *r)
{
	char *path, *text, *p;
	size_t n;
	FILE *fp;

	xasprintf(&path, "%s/%s", r->dir, HTTP_IMPORT_REPORT);
	fp = fopen(path, "r");
	free(path);
	text = xcalloc(1, HTTP_IMPORT_REPORT_MAX + 1);
	if (fp == NULL)
		return text;
	n = fread(text, 1, HTTP_IMPORT_REPORT_MAX, fp);
	text[n] = '\0';
	fclose(fp);
	http_import_strip(text, r->dir);
	/* Not the importer's word: the test clock's warning. */
	while ((p = strstr(text, "driftwatchctl: DRIFTWATCH_NOW=")) != NULL && (p == text || p[-1] == '\n')) {
		n = strcspn(p, "\n");
		memmove(p, p + n + (p[n] == '\n'), strlen(p + n + (p[n] == '\n')) + 1);
	}
	return text;
}

/* One report line as an error: {file, line, column, message} from "FILE:LINE:COLUMN: what". */
static json_t *
http_import_error(const char *line)
{
	const char *c1 = strchr(line, ':'), *c2, *c3;
	char *end;
	long ln, col;

	if (c1 != NULL && c1 > line && (c2 = strchr(c1 + 1, ':')) != NULL && (c3 = strchr(c2 + 1, ':')) != NULL &&
	    c3[1] == ' ') {
		ln = strtol(c1 + 1, &end, 10);
		if (end == c2 && end > c1 + 1 && ln > 0) {
			col = strtol(c2 + 1, &end, 10);
			if (end == c3 && end > c2 + 1 && col > 0) {
				char *file = xstrndup(line, (size_t)(c1 - line));
				json_t *o = json_pack("{s:s, s:I, s:I, s:s}", "file", file, "line", (json_int_t)ln,
				    "column", (json_int_t)col, "message", c3 + 2);
				free(file);
				return o;
			}
		}
	}
	return json_pack("{s:s}", "message", line);
}

/* The import log's row of this import, as `import log --json` has it; NULL when there is none. */
static json_t *
http_import_logged(struct http_import_run *r)
{
	struct store_import_row *rows = NULL;
	char *cause = NULL, when[32], *line, *save = NULL, *sp;
	json_t *o = NULL, *files;
	int n = 0, i;

	if (store_import_list(r->store, &rows, &n, &cause) != 0) {
		log_warnx("http: imports: cannot read the import log: %s", cause);
		free(cause);
		return NULL;
	}
	for (i = n - 1; i >= 0 && o == NULL; i--) {
		struct store_import_row *row = &rows[i];
		if (row->id <= r->after_id || strcmp(row->who, r->by) != 0)
			continue;
		files = json_array();
		http_import_strip(row->summary, r->dir);
		for (line = strtok_r(row->files, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			if ((sp = strrchr(line, ' ')) == NULL)
				continue;
			*sp = '\0';
			json_array_append_new(files, json_pack("{s:s, s:s}", "name", line, "sha256", sp + 1));
		}
		o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:o, s:s}", "id", (json_int_t)row->id, "at",
		    clock_format_local(row->at, when), "epoch", (json_int_t)row->at, "kind", row->kind, "who", row->who,
		    "files", files, "summary", row->summary);
	}
	store_import_rows_free(rows, n);
	return o;
}

/* The child ended: answer by its outcome. */
static void
http_import_finish(struct http_import_run *r, int status)
{
	char *report = http_import_report(r), *line, *save = NULL;
	json_t *logged, *errors, *body;
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (code == 0 && (logged = http_import_logged(r)) != NULL) {
		log_info("http: imports: %s imported by %s", r->kind, r->by);
		http_import_answer(r, 201,
		    json_pack(
			"{s:b, s:s, s:o, s:s}", "imported", 1, "kind", r->kind, "import", logged, "report", report));
	} else if (code == 0) {
		/* Nothing new in the log: these very files were imported before (or nothing changed). */
		report[strcspn(report, "\n")] = '\0';
		http_import_answer(
		    r, 200, json_pack("{s:b, s:s, s:s}", "imported", 0, "kind", r->kind, "message", report));
	} else {
		errors = json_array();
		for (line = strtok_r(report, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			/* The tally ("FILE: 2 problems; nothing imported") is said once, in "error". */
			if (*line == '\0' || strstr(line, "; nothing imported") != NULL)
				continue;
			json_array_append_new(errors, http_import_error(line));
		}
		if (code == 65) {
			body = json_pack("{s:s, s:s, s:o}", "error", "nothing imported: the files have problems",
			    "kind", r->kind, "errors", errors);
			log_info(
			    "http: imports: %s by %s refused: %zu problem(s)", r->kind, r->by, json_array_size(errors));
			http_import_answer(r, 422, body);
		} else {
			if (code >= 0)
				log_warnx("http: imports: %s by %s: the import exited %d", r->kind, r->by, code);
			else
				log_warnx("http: imports: %s by %s: the import was killed by signal %d", r->kind, r->by,
				    WTERMSIG(status));
			body = json_pack("{s:s, s:s, s:o}", "error", "nothing imported: the import failed", "kind",
			    r->kind, "errors", errors);
			http_import_answer(r, 500, body);
		}
	}
	free(report);
}

/* SIGCHLD: is it our child? */
static void
http_import_child_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_import_run *r = arg;
	pid_t pid = r->pid;
	int status;

	(void)fd, (void)what;

	if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid)
		return;
	r->pid = 0;
	http_import_finish(r, status);
	/* Only now, after the answer: a drop-folder set waiting for the slot starts here. */
	spawn_done(pid);
}

/* Write one file of the upload into the spool folder. */
static int
http_import_write(const char *dir, const char *name, const char *data, size_t len, char **cause)
{
	char *path;
	ssize_t n;
	int fd;

	xasprintf(&path, "%s/%s", dir, name);
	/* No fsync: these files are only the child's input, removed once it has answered. A crash
	 * loses the request, never an import (the importer commits or does nothing). */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "%s: %s", path, strerror(errno));
			close(fd);
			free(path);
			return -1;
		}
		data += n, len -= (size_t)n;
	}
	free(path);
	return close(fd);
}

/* The private spool folder beside the database, 0700; a new folder for this upload inside it. */
static char *
http_import_mkdir(const struct config *cfg, char **cause)
{
	const char *slash = strrchr(cfg->database, '/');
	char *spool, *dir;
	struct stat st;

	if (slash != NULL)
		xasprintf(&spool, "%.*s/%s", (int)(slash - cfg->database), cfg->database, HTTP_IMPORT_SPOOL);
	else
		spool = xstrdup(HTTP_IMPORT_SPOOL);
	if (mkdir(spool, 0700) != 0 && errno != EEXIST) {
		xasprintf(cause, "mkdir %s: %s", spool, strerror(errno));
		free(spool);
		return NULL;
	}
	/* Only ours: not a link someone planted, nobody else may read the uploads. */
	if (lstat(spool, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		xasprintf(cause, "%s: not a folder of ours with mode 0700", spool);
		free(spool);
		return NULL;
	}
	xasprintf(&dir, "%s/XXXXXX", spool);
	free(spool);
	if (mkdtemp(dir) == NULL) {
		xasprintf(cause, "mkdtemp %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

/* The ssda903 strictness from ?strict=1|0: the flag to give, or "" for the default; NULL when bad. */
static const char *
http_import_strict(struct evhttp_request *req)
{
	const char *query = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)), *v, *flag = "";
	struct evkeyvalq q;

	TAILQ_INIT(&q);
	if (query == NULL)
		return flag;
	if (evhttp_parse_query_str(query, &q) != 0)
		return NULL;
	if ((v = evhttp_find_header(&q, "strict")) != NULL) {
		if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
			flag = "--strict";
		else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
			flag = "--no-strict";
		else
			flag = NULL;
	}
	evhttp_clear_headers(&q);
	return flag;
}

/* The files of the upload: one CSV body, or the multipart parts (ssda903). 0, or -1 answered. */
static int
http_import_files(
    struct http_call *call, const char *kind, const char *body, size_t len, struct http_part **parts, int *nparts)
{
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(call->req), "Content-Type");
	char *cause = NULL;
	int i, j;

	*parts = NULL, *nparts = 0;
	if (strcmp(kind, "ssda903") != 0) {
		size_t n = type != NULL ? strcspn(type, "; ") : 0;
		if (type == NULL ||
		    !((n == 8 && strncasecmp(type, "text/csv", 8) == 0) ||
			(n == 15 && strncasecmp(type, "application/csv", 15) == 0))) {
			http_reply_error(call, 415, "Content-Type", "want text/csv (the one file of this kind)");
			return -1;
		}
		if (len == 0) {
			http_reply_error(call, 400, "body", "the body is empty: want the CSV file");
			return -1;
		}
		*parts = xcalloc(1, sizeof **parts);
		xasprintf(&(*parts)[0].filename, "%s.csv", kind);
		(*parts)[0].data = body;
		(*parts)[0].len = len;
		*nparts = 1;
		return 0;
	}
	if (type == NULL || strncasecmp(type, "multipart/form-data", 19) != 0) {
		http_reply_error(
		    call, 415, "Content-Type", "want multipart/form-data: header.csv, episodes.csv, reviews.csv");
		return -1;
	}
	if (http_multipart_parse(type, body, len, parts, nparts, &cause) != 0) {
		http_reply_error(call, 400, "body", cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < *nparts; i++) {
		const char *name = (*parts)[i].filename;
		if (name == NULL || !http_import_filename_ok(name)) {
			http_reply_error(call, 400, "filename",
			    "each part needs a filename: letters, digits, '.', '_' or '-' (header.csv, episodes.csv, reviews.csv)");
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (strcmp((*parts)[j].filename, name) == 0) {
				http_reply_error(call, 400, "filename", "two parts have the same filename");
				goto fail;
			}
		}
	}
	if (*nparts == 0) {
		http_reply_error(call, 400, "body", "no files: want header.csv, episodes.csv and reviews.csv");
		goto fail;
	}
	return 0;
fail:
	http_parts_free(*parts, *nparts);
	*parts = NULL, *nparts = 0;
	return -1;
}

/* The import log's last id now (0: empty). */
static int64_t
http_import_last_id(struct store *s)
{
	struct store_import_row *rows = NULL;
	char *cause = NULL;
	int64_t id = 0;
	int n = 0;

	if (store_import_list(s, &rows, &n, &cause) != 0) {
		free(cause);
		return -1;
	}
	if (n > 0)
		id = rows[n - 1].id;
	store_import_rows_free(rows, n);
	return id;
}

/* POST /v1/imports/{kind}: see the top of the file. */
void
http_imports_post(struct http_call *call)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(call->req);
	size_t len = evbuffer_get_length(in), i;
	const char *body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : "", *strict;
	struct http_import_run *r = &http_import_run;
	struct http_part *parts = NULL;
	char **paths = NULL, *cause = NULL, *report;
	int nparts = 0, fd = -1;
	struct event_base *base;

	if (!http_import_kind_ok(call->param)) {
		http_reply_error(call, 404, "kind", "no such import: want one of " CONFIG_IMPORT_FORMATS);
		return;
	}
	if ((strict = http_import_strict(call->req)) == NULL ||
	    (*strict != '\0' && strcmp(call->param, "ssda903") != 0)) {
		http_reply_error(call, 400, "strict", "want 1 or 0 (true or false), for ssda903 only");
		return;
	}
	if (call->stopping) {
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Retry-After", HTTP_IMPORT_RETRY_AFTER);
		http_reply_error(call, 503, NULL, "the daemon is stopping; try again later");
		return;
	}
	if (spawn_busy()) {
		evhttp_add_header(evhttp_request_get_output_headers(call->req), "Retry-After", HTTP_IMPORT_RETRY_AFTER);
		http_reply_error(call, 409, NULL, "another import is running; try again later");
		return;
	}
	if (http_import_files(call, call->param, body, len, &parts, &nparts) != 0)
		return;
	memset(r, 0, sizeof *r);
	if ((r->dir = http_import_mkdir(call->cfg, &cause)) == NULL)
		goto fail;
	r->names = xcalloc((size_t)nparts, sizeof *r->names);
	paths = xcalloc((size_t)nparts + 1, sizeof *paths);
	for (i = 0; i < (size_t)nparts; i++) {
		if (http_import_write(r->dir, parts[i].filename, parts[i].data, parts[i].len, &cause) != 0)
			goto fail;
		r->names[r->nnames++] = xstrdup(parts[i].filename);
		xasprintf(&paths[i], "%s/%s", r->dir, parts[i].filename);
	}
	xasprintf(&report, "%s/%s", r->dir, HTTP_IMPORT_REPORT);
	fd = open(report, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	free(report);
	if (fd < 0) {
		xasprintf(&cause, "cannot write the report in %s: %s", r->dir, strerror(errno));
		goto fail;
	}
	if ((r->after_id = http_import_last_id(call->store)) < 0) {
		xasprintf(&cause, "cannot read the import log");
		goto fail;
	}
	if (!http_import_ev_ready) {
		base = evhttp_connection_get_base(evhttp_request_get_connection(call->req));
		evsignal_assign(&http_import_ev_child, base, SIGCHLD, http_import_child_cb, r);
		if (event_add(&http_import_ev_child, NULL) != 0)
			fatalx("http: imports: cannot watch SIGCHLD");
		http_import_ctl = spawn_find_ctl();
		http_import_ev_ready = 1;
	}
	r->kind = xstrdup(call->param);
	r->client = xstrdup(call->client);
	xasprintf(&r->by, "http:%s", call->client);
	r->pid = spawn_import(http_import_ctl, call->cfg->path, r->by, r->kind, *strict != '\0' ? strict : NULL, paths,
	    nparts, fd, &cause);
	if (r->pid < 0) {
		r->pid = 0;
		goto fail;
	}
	close(fd);
	r->req = call->req;
	r->store = call->store;
	r->start = call->start;
	call->deferred = 1;
	log_info("http: imports: %s by %s: %d file%s (child %ld)", r->kind, r->by, nparts, nparts == 1 ? "" : "s",
	    (long)r->pid);
	for (i = 0; i < (size_t)nparts; i++)
		free(paths[i]);
	free(paths);
	http_parts_free(parts, nparts);
	return;
fail:
	log_warnx("http: imports: %s: %s", call->param, cause);
	if (fd >= 0)
		close(fd);
	http_reply_error(call, 500, NULL, "cannot start the import (see the daemon's log)");
	free(cause);
	for (i = 0; paths != NULL && i < (size_t)nparts; i++)
		free(paths[i]);
	free(paths);
	http_parts_free(parts, nparts);
	http_import_clear(r);
}

/* See http_int.h. */
void
http_import_stop(void)
{
	struct http_import_run *r = &http_import_run;
	int status;

	if (r->pid > 0) {
		log_info("http: imports: stopping the %s import in flight; nothing of it is imported", r->kind);
		kill(r->pid, SIGTERM);
		waitpid(r->pid, &status, 0);
		spawn_done(r->pid);
		r->pid = 0;
		http_import_answer(r, 503, json_pack("{s:s}", "error", "the daemon is stopping; nothing imported"));
	}
	if (http_import_ev_ready) {
		event_del(&http_import_ev_child);
		free(http_import_ctl);
		http_import_ctl = NULL;
		http_import_ev_ready = 0;
	}
}
