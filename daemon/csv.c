/*
 * csv.c: an RFC 4180 reader that knows where every field came from.
 *
 * The whole file is read into memory (council extracts are megabytes, not gigabytes) and walked
 * once, keeping the line and character column of the current byte as it goes, so every field and
 * every error can say where it is. Bytes are never rewritten: curly quotes stay curly, and a line
 * end inside a quoted field is kept exactly as the file has it (CRLF stays CRLF, LF stays LF), so
 * what a person typed in a cell is what the importer sees. A lone CR (old Mac Excel) ends a
 * physical line like LF or CRLF, inside quotes or out, so line numbers match what editors show.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "utf8.h"
#include "xmalloc.h"

/* Bigger than any council extract by far; a file this size is the wrong file. */
#define CSV_MAX_BYTES (256u * 1024 * 1024)

enum csv_state {
	CSV_READING,
	CSV_END,
	CSV_FAILED,
};

struct csv_reader {
	char *name;
	char *data; /* the input without its BOM */
	size_t len;
	size_t content_end; /* just past the last byte that is not CR or LF */

	size_t pos;
	int line;   /* line of data[pos], 1-based */
	int column; /* character column of data[pos], 1-based */

	enum csv_state state;
	char *error; /* the failure, given again on every later read */

	char *scratch; /* a quoted field's value while it is unescaped */
	size_t scratch_len;
	size_t scratch_size;
};

static int csv_fail(struct csv_reader *, char **, int, int, const char *, ...) __attribute__((format(printf, 5, 6)));
static void csv_error_add(char **, const char *, ...) __attribute__((format(printf, 2, 3)));

/* Add one to a line or column; a count that cannot grow stays put rather than overflow. */
static int
csv_next(int n)
{
	return n < INT_MAX ? n + 1 : n;
}

/* Length of the line end at the current position (2 for CRLF, 1 for LF or a lone CR), else 0. */
static size_t
csv_line_end(const struct csv_reader *r)
{
	if (r->pos >= r->len)
		return 0;
	if (r->data[r->pos] == '\n')
		return 1;
	if (r->data[r->pos] != '\r')
		return 0;
	if (r->pos + 1 < r->len && r->data[r->pos + 1] == '\n')
		return 2;
	return 1;
}

/* Step over a line end of n bytes: the next byte starts a new physical line. */
static void
csv_newline(struct csv_reader *r, size_t n)
{
	r->pos += n;
	r->line = csv_next(r->line);
	r->column = 1;
}

/* Stop the reader with "NAME:LINE:COLUMN: what"; the same message is returned by later reads. */
static int
csv_fail(struct csv_reader *r, char **cause, int line, int column, const char *fmt, ...)
{
	va_list ap;
	char *what;

	va_start(ap, fmt);
	xvasprintf(&what, fmt, ap);
	va_end(ap);
	free(r->error);
	xasprintf(&r->error, "%s:%d:%d: %s", r->name, line, column, what);
	free(what);
	r->state = CSV_FAILED;
	*cause = xstrdup(r->error);
	return -1;
}

/* Check the character at the current position and step over it; its length in bytes, or -1. */
static int
csv_step(struct csv_reader *r, char **cause)
{
	const unsigned char *p = (const unsigned char *)r->data + r->pos;
	size_t n;

	if (*p == '\0')
		return csv_fail(r, cause, r->line, r->column, "NUL byte (is this a text file?)");
	if ((n = utf8_char_len(p, r->len - r->pos)) == 0)
		return csv_fail(
		    r, cause, r->line, r->column, "invalid UTF-8 (is the file saved as UTF-8? byte 0x%02X)", *p);
	r->pos += n;
	r->column = csv_next(r->column);
	return (int)n;
}

/* Append bytes to the reader's scratch buffer. */
static void
csv_scratch_add(struct csv_reader *r, const char *p, size_t n)
{
	if (r->scratch_len + n + 1 > r->scratch_size) {
		r->scratch_size = (r->scratch_len + n + 1) * 2;
		r->scratch = xreallocarray(r->scratch, r->scratch_size, 1);
	}
	memcpy(r->scratch + r->scratch_len, p, n);
	r->scratch_len += n;
}

/* A NUL-terminated copy of n bytes. */
static char *
csv_copy(const char *p, size_t n)
{
	char *v = xmalloc(n + 1);

	if (n > 0)
		memcpy(v, p, n);
	v[n] = '\0';
	return v;
}

/* Read a quoted field starting at the opening quote into f. */
static int
csv_read_quoted(struct csv_reader *r, struct csv_field *f, char **cause)
{
	size_t n, run;

	r->scratch_len = 0;
	r->pos++;
	r->column = csv_next(r->column);
	for (;;) {
		if (r->pos >= r->len)
			return csv_fail(r, cause, f->line, f->column, "unterminated quoted field (opened here)");
		if (r->data[r->pos] == '"') {
			if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
				csv_scratch_add(r, "\"", 1);
				r->pos += 2;
				r->column = csv_next(csv_next(r->column));
				continue;
			}
			r->pos++;
			r->column = csv_next(r->column);
			break;
		}
		if ((n = csv_line_end(r)) != 0) {
			/* Kept byte for byte; see the comment at the top of the file. */
			csv_scratch_add(r, r->data + r->pos, n);
			csv_newline(r, n);
			continue;
		}
		/* A run of ordinary characters is copied in one go. */
		run = r->pos;
		do {
			if (csv_step(r, cause) < 0)
				return -1;
		} while (
		    r->pos < r->len && r->data[r->pos] != '"' && r->data[r->pos] != '\r' && r->data[r->pos] != '\n');
		csv_scratch_add(r, r->data + run, r->pos - run);
	}
	if (r->pos < r->len && r->data[r->pos] != ',' && csv_line_end(r) == 0)
		return csv_fail(r, cause, r->line, r->column, "unexpected character after closing quote");
	f->value = csv_copy(r->scratch, r->scratch_len);
	f->len = r->scratch_len;
	return 0;
}

/* Read an unquoted field (possibly empty) into f. */
static int
csv_read_plain(struct csv_reader *r, struct csv_field *f, char **cause)
{
	size_t start = r->pos;
	char c;

	while (r->pos < r->len && (c = r->data[r->pos]) != ',' && c != '\r' && c != '\n') {
		if (c == '"')
			return csv_fail(
			    r, cause, r->line, r->column, "quote inside an unquoted field; quote the whole field");
		if (csv_step(r, cause) < 0)
			return -1;
	}
	f->value = csv_copy(r->data + start, r->pos - start);
	f->len = r->pos - start;
	return 0;
}

/* Append a field to a row, growing the array in powers of two. */
static void
csv_row_add(struct csv_row *row, const struct csv_field *f)
{
	size_t n = row->nfields;

	if ((n & (n - 1)) == 0)
		row->fields = xreallocarray(row->fields, n == 0 ? 1 : n * 2, sizeof *row->fields);
	row->fields[row->nfields++] = *f;
}

/* A reader over a copy of data. */
struct csv_reader *
csv_open_buffer(const char *name, const char *data, size_t len)
{
	struct csv_reader *r = xcalloc(1, sizeof *r);

	/* One UTF-8 BOM at the very start is Excel's "CSV UTF-8" marker, not data. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	r->name = xstrdup(name);
	r->data = csv_copy(data, len);
	r->len = len;
	r->content_end = len;
	while (r->content_end > 0 && (data[r->content_end - 1] == '\r' || data[r->content_end - 1] == '\n'))
		r->content_end--;
	r->line = 1;
	r->column = 1;
	r->state = CSV_READING;
	return r;
}

/* A reader over a whole file. */
struct csv_reader *
csv_open(const char *path, char **cause)
{
	struct csv_reader *r;
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		xasprintf(cause, "%s: %s", path, strerror(EISDIR));
		goto fail;
	}
	/* The size is a hint only: a pipe says 0, and a file may grow while it is read. */
	size = S_ISREG(st.st_mode) && st.st_size > 0 && (unsigned long long)st.st_size < CSV_MAX_BYTES ?
	    (size_t)st.st_size + 1 :
	    65536;
	buf = xmalloc(size);
	for (;;) {
		if (len == size) {
			size *= 2;
			buf = xreallocarray(buf, size, 1);
		}
		if ((got = read(fd, buf + len, size - len)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
		if (len > CSV_MAX_BYTES) {
			xasprintf(cause, "%s: too large (over %u MiB; is this the right file?)", path,
			    CSV_MAX_BYTES / (1024 * 1024));
			goto fail;
		}
	}
	close(fd);
	r = csv_open_buffer(path, buf, len);
	free(buf);
	return r;

fail:
	free(buf);
	close(fd);
	return NULL;
}

/* The name used in messages. */
const char *
csv_name(const struct csv_reader *r)
{
	return r->name;
}

/* Read one row; see csv.h. */
int
csv_read(struct csv_reader *r, struct csv_row *row, char **cause)
{
	struct csv_field f;
	size_t n;

	csv_row_clear(row);
	if (r->state == CSV_FAILED) {
		*cause = xstrdup(r->error);
		return -1;
	}
	/* Nothing but line ends left: the file's last line end, or blank lines after the last row. */
	if (r->state == CSV_END || r->pos >= r->content_end) {
		r->state = CSV_END;
		return 0;
	}
	row->line = r->line;
	for (;;) {
		memset(&f, 0, sizeof f);
		f.line = r->line;
		f.column = r->column;
		if (r->data[r->pos] == '"' ? csv_read_quoted(r, &f, cause) : csv_read_plain(r, &f, cause)) {
			csv_row_clear(row);
			return -1;
		}
		csv_row_add(row, &f);
		if (r->pos >= r->len)
			return 1;
		if (r->data[r->pos] == ',') {
			r->pos++;
			r->column = csv_next(r->column);
			continue;
		}
		n = csv_line_end(r);
		csv_newline(r, n);
		return 1;
	}
}

/* Free a row's fields and leave it empty, ready to be read into again. */
void
csv_row_clear(struct csv_row *row)
{
	size_t i;

	for (i = 0; i < row->nfields; i++)
		free(row->fields[i].value);
	free(row->fields);
	row->fields = NULL;
	row->nfields = 0;
	row->line = 0;
}

/* Close a reader (NULL is fine). */
void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->data);
	free(r->error);
	free(r->scratch);
	free(r);
}

/* Append one message to a '\n'-separated list. */
static void
csv_error_add(char **errors, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xappendf(errors, "%s%s", *errors != NULL && **errors != '\0' ? "\n" : "", msg);
	free(msg);
}

/*
 * A header name made safe to print inside quotes on one line: control characters, quotes and
 * backslashes escaped, an invisible BOM (a file saved twice as "CSV UTF-8") spelled out, and a
 * long name cut short at a character boundary.
 */
static char *
csv_printable(const char *v, size_t len)
{
	char *out, *o;
	size_t i, n;
	int cut = 0;

	if (len > 80) {
		cut = 1;
		len = 80;
		while (len > 0 && ((unsigned char)v[len] & 0xc0) == 0x80)
			len--;
	}
	o = out = xmalloc(len * 4 + 4);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n' || c == '\r' || c == '\t') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
		} else if (c < 0x20 || c == 0x7f) {
			n = (size_t)snprintf(o, 5, "\\x%02X", c);
			o += n;
		} else if (i + 2 < len && memcmp(v + i, "\xef\xbb\xbf", 3) == 0) {
			memcpy(o, "\\uFEFF", 6);
			o += 6;
			i += 2;
		} else
			*o++ = (char)c;
	}
	if (cut)
		memcpy(o, "...", 4);
	else
		*o = '\0';
	return out;
}

/* Map a header row; see csv.h. */
int
csv_header_map(const struct csv_reader *r, const struct csv_row *header, const char *const names[],
    const int required[], int index[], char **errors)
{
	const struct csv_field *f, *first;
	const char *v;
	char *expected = NULL, *shown;
	size_t i, j, len, nnames = 0;
	int bad = 0;

	while (names[nnames] != NULL)
		nnames++;
	for (j = 0; j < nnames; j++) {
		index[j] = -1;
		xappendf(&expected, "%s%s", j > 0 ? ", " : "", names[j]);
	}
	for (i = 0; i < header->nfields; i++) {
		f = &header->fields[i];
		v = f->value;
		len = f->len;
		while (len > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			len--;
		}
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		for (j = 0; j < nnames; j++) {
			if (strlen(names[j]) == len && memcmp(names[j], v, len) == 0)
				break;
		}
		if (j == nnames) {
			shown = csv_printable(v, len);
			csv_error_add(errors, "%s:%d:%d: unknown column \"%s\" (expected one of: %s)", r->name, f->line,
			    f->column, shown, expected != NULL ? expected : "");
			free(shown);
			bad = 1;
		} else if (index[j] >= 0) {
			first = &header->fields[index[j]];
			csv_error_add(errors, "%s:%d:%d: duplicate column \"%s\" (first at %d:%d)", r->name, f->line,
			    f->column, names[j], first->line, first->column);
			bad = 1;
		} else
			index[j] = (int)i;
	}
	for (j = 0; j < nnames; j++) {
		if (index[j] < 0 && required[j]) {
			csv_error_add(errors, "%s:%d:1: missing column \"%s\"", r->name, header->line, names[j]);
			bad = 1;
		}
	}
	free(expected);
	return bad ? -1 : 0;
}
