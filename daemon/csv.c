/*
 * csv.c: an RFC 4180 reader that knows where every field came from.
 *
 * The whole file is read into memory (council extracts are megabytes, not gigabytes). Quoted
 * fields keep their bytes exactly, line ends inside quotes included (CRLF stays CRLF); curly
 * quotes are ordinary characters. Columns count characters (UTF-8 code points), so an error
 * points where a person looking at the file in an editor would look.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "csv.h"
#include "xmalloc.h"

struct csv_reader {
	char *name;
	char *data;
	size_t len;
	size_t pos;
	int line;	/* current physical line, 1-based */
	size_t line_start; /* offset of the current line's first byte */
	int failed;
};

/* Length of the UTF-8 sequence at p (1 for ASCII), or 0 when invalid. */
static size_t
csv_utf8_len(const unsigned char *p, size_t avail)
{
	size_t n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, cp = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, cp = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The 1-based character column of byte offset off in the current line. */
static int
csv_column(const struct csv_reader *r, size_t off)
{
	size_t i = r->line_start, n;
	int col = 1;

	while (i < off) {
		n = csv_utf8_len((const unsigned char *)r->data + i, r->len - i);
		i += n > 0 ? n : 1;
		col++;
	}
	return col;
}

/* A reader over a copy of data. */
struct csv_reader *
csv_open_buffer(const char *name, const char *data, size_t len)
{
	struct csv_reader *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(name);
	r->data = xmalloc(len + 1);
	memcpy(r->data, data, len);
	r->data[len] = '\0';
	r->len = len;
	r->line = 1;
	/* One UTF-8 BOM at the very start is not data. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->pos = r->line_start = 3;
	return r;
}

/* A reader over a file. */
struct csv_reader *
csv_open(const char *path, char **cause)
{
	struct csv_reader *r;
	struct stat st;
	char *buf;
	size_t got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	got = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	r = csv_open_buffer(path, buf, got);
	free(buf);
	return r;
}

/* The name used in messages. */
const char *
csv_name(const struct csv_reader *r)
{
	return r->name;
}

/* Free a row's fields. */
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

/* Close a reader. */
void
csv_close(struct csv_reader *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->data);
	free(r);
}

/* Record an error at byte offset off of the current line (or at line/col given). */
static int
csv_fail(struct csv_reader *r, char **cause, int line, int col, const char *what)
{
	xasprintf(cause, "%s:%d:%d: %s", r->name, line, col, what);
	r->failed = 1;
	return -1;
}

/* Append bytes to a growing buffer. */
static void
csv_buf_add(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* Check and step over one character (validating UTF-8); returns its length or -1. */
static int
csv_char(struct csv_reader *r, char **cause)
{
	const unsigned char *p = (const unsigned char *)r->data + r->pos;
	size_t n;
	char msg[96];

	if (*p == '\0' && r->pos < r->len)
		return csv_fail(r, cause, r->line, csv_column(r, r->pos), "a NUL byte (is this a text file?)");
	if ((n = csv_utf8_len(p, r->len - r->pos)) == 0) {
		snprintf(msg, sizeof msg, "invalid UTF-8 (is the file saved as UTF-8? byte 0x%02X)", *p);
		return csv_fail(r, cause, r->line, csv_column(r, r->pos), msg);
	}
	return (int)n;
}

/* Step over a line end at pos (CRLF, LF or CR), counting the line. */
static void
csv_newline(struct csv_reader *r)
{
	if (r->data[r->pos] == '\r' && r->pos + 1 < r->len && r->data[r->pos + 1] == '\n')
		r->pos++;
	r->pos++;
	r->line++;
	r->line_start = r->pos;
}

/* Read one row; see csv.h. */
int
csv_read(struct csv_reader *r, struct csv_row *row, char **cause)
{
	char *buf = NULL;
	size_t blen = 0, bcap = 0;
	int n;

	csv_row_clear(row);
	if (r->failed || r->pos >= r->len)
		return 0;
	row->line = r->line;
	for (;;) {
		struct csv_field f;
		char c;

		memset(&f, 0, sizeof f);
		f.line = r->line;
		f.column = csv_column(r, r->pos);
		blen = 0;
		buf = xmalloc(1);
		buf[0] = '\0';
		bcap = 1;
		if (r->pos < r->len && r->data[r->pos] == '"') {
			int qline = r->line, qcol = f.column;

			r->pos++;
			for (;;) {
				if (r->pos >= r->len) {
					free(buf);
					csv_row_clear(row);
					return csv_fail(r, cause, qline, qcol, "unterminated quoted field (opened here)");
				}
				c = r->data[r->pos];
				if (c == '"') {
					if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"') {
						csv_buf_add(&buf, &blen, &bcap, "\"", 1);
						r->pos += 2;
						continue;
					}
					r->pos++;
					break;
				}
				if (c == '\r' || c == '\n') {
					size_t start = r->pos;
					csv_newline(r);
					csv_buf_add(&buf, &blen, &bcap, r->data + start, r->pos - start);
					continue;
				}
				if ((n = csv_char(r, cause)) < 0) {
					free(buf);
					csv_row_clear(row);
					return -1;
				}
				csv_buf_add(&buf, &blen, &bcap, r->data + r->pos, (size_t)n);
				r->pos += (size_t)n;
			}
			if (r->pos < r->len && r->data[r->pos] != ',' && r->data[r->pos] != '\r' && r->data[r->pos] != '\n') {
				free(buf);
				csv_row_clear(row);
				return csv_fail(r, cause, r->line, csv_column(r, r->pos),
				    "unexpected character after closing quote");
			}
		} else {
			while (r->pos < r->len && (c = r->data[r->pos]) != ',' && c != '\r' && c != '\n') {
				if (c == '"') {
					free(buf);
					csv_row_clear(row);
					return csv_fail(r, cause, r->line, csv_column(r, r->pos),
					    "quote inside an unquoted field; quote the whole field");
				}
				if ((n = csv_char(r, cause)) < 0) {
					free(buf);
					csv_row_clear(row);
					return -1;
				}
				csv_buf_add(&buf, &blen, &bcap, r->data + r->pos, (size_t)n);
				r->pos += (size_t)n;
			}
		}
		f.value = buf;
		f.len = blen;
		row->fields = xreallocarray(row->fields, row->nfields + 1, sizeof *row->fields);
		row->fields[row->nfields++] = f;
		buf = NULL;
		if (r->pos >= r->len)
			return 1;
		if (r->data[r->pos] == ',') {
			r->pos++;
			continue;
		}
		csv_newline(r);
		return 1;
	}
}

/* Map a header row; see csv.h. */
int
csv_header_map(const struct csv_reader *r, const struct csv_row *header, const char *const names[],
    const int required[], int index[], char **errors)
{
	size_t i, j, k, nnames = 0;
	char *expected = NULL;
	int bad = 0;

	while (names[nnames] != NULL)
		nnames++;
	for (j = 0; j < nnames; j++) {
		index[j] = -1;
		xappendf(&expected, "%s%s", j > 0 ? ", " : "", names[j]);
	}
	for (i = 0; i < header->nfields; i++) {
		const struct csv_field *f = &header->fields[i];
		const char *v = f->value;
		size_t len = f->len;

		while (len > 0 && (*v == ' ' || *v == '\t'))
			v++, len--;
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		for (j = 0; j < nnames; j++) {
			if (strlen(names[j]) == len && strncmp(names[j], v, len) == 0)
				break;
		}
		if (j == nnames) {
			xappendf(errors, "%s%s:%d:%d: unknown column \"%.*s\" (expected one of: %s)", bad ? "\n" : "", r->name,
			    f->line, f->column, (int)len, v, expected);
			bad = 1;
			continue;
		}
		if (index[j] >= 0) {
			xappendf(errors, "%s%s:%d:%d: duplicate column \"%s\"", bad ? "\n" : "", r->name, f->line, f->column,
			    names[j]);
			bad = 1;
			continue;
		}
		index[j] = (int)i;
	}
	for (k = 0; k < nnames; k++) {
		if (index[k] < 0 && required[k]) {
			xappendf(errors, "%s%s:%d:1: missing column \"%s\"", bad ? "\n" : "", r->name, header->line, names[k]);
			bad = 1;
		}
	}
	free(expected);
	return bad ? -1 : 0;
}
