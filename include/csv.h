/*
 * csv.h: an RFC 4180 reader that knows where every field came from.
 *
 * Quoted fields, doubled quotes, newlines inside quotes, CRLF or LF, a UTF-8 BOM at the start.
 * Bytes are kept as they are (curly quotes stay curly); invalid UTF-8 is an error. Every error
 * and every field carries its line and column (both 1-based; the column counts characters, not
 * bytes, in the physical line where the field starts).
 */
#ifndef DRIFTWATCH_CSV_H
#define DRIFTWATCH_CSV_H

#include <stddef.h>

struct csv_field {
	char *value; /* NUL-terminated, unquoted, owned by the row */
	size_t len;
	int line;
	int column;
};

struct csv_row {
	struct csv_field *fields;
	size_t nfields;
	int line; /* the line the row starts on */
};

struct csv_reader; /* private */

/* Open a file (NULL and *cause on failure; cause "PATH: strerror"). */
struct csv_reader *csv_open(const char *path, char **cause);
/* Read from memory (copied); name is used in messages. */
struct csv_reader *csv_open_buffer(const char *name, const char *data, size_t len);
const char *csv_name(const struct csv_reader *r);
/*
 * Read the next row into *row (its previous contents are freed). Returns 1 for a row, 0 at end of
 * input, -1 on a syntax error with *cause = "NAME:LINE:COLUMN: what is wrong" (unterminated quote,
 * a character after a closing quote, invalid UTF-8, a NUL byte). After -1 the reader stops.
 * A blank last line is not a row; a completely empty line inside the file is a row with one empty field.
 */
int csv_read(struct csv_reader *r, struct csv_row *row, char **cause);
void csv_row_clear(struct csv_row *row);
void csv_close(struct csv_reader *r);

/*
 * Map a header row onto known column names. names[] is NULL-terminated; required[i] says whether
 * names[i] must be present. On success index[i] is the field position of names[i] or -1 when an
 * optional column is absent; returns 0. Unknown, duplicate or missing columns are each appended to
 * *errors (one "NAME:LINE:COLUMN: ..." message per line, '\n'-separated; missing columns use the
 * header's line and column 1) and -1 is returned.
 */
int csv_header_map(const struct csv_reader *r, const struct csv_row *header, const char *const names[],
    const int required[], int index[], char **errors);

#endif
