/*
 * csv.h: an RFC 4180 reader that knows where every field came from.
 *
 * Quoted fields, doubled quotes, newlines inside quotes, CRLF or LF, a UTF-8 BOM at the start.
 * Bytes are kept as they are (curly quotes stay curly); invalid UTF-8 is an error. Every error
 * and every field carries its line and column (both 1-based; the column counts characters, not
 * bytes, in the physical line where the field starts).
 *
 * Physical lines end at LF, CRLF or a lone CR, inside quotes or out. A line end inside a quoted
 * field is kept byte for byte (CRLF stays CRLF, LF stays LF, a lone CR stays CR): values are what
 * the file holds, so a CRLF and an LF file give the same fields except inside such cells.
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
 * a character after a closing quote, a quote inside an unquoted field, invalid UTF-8, a NUL byte).
 * After -1 the reader stops: later reads return -1 again with the same message.
 * A blank last line is not a row; a completely empty line inside the file is a row with one empty field.
 * Line ends after the last row (any number of them) end the input. *row must start zeroed
 * (struct csv_row row = { 0 }).
 */
int csv_read(struct csv_reader *r, struct csv_row *row, char **cause);
void csv_row_clear(struct csv_row *row);
void csv_close(struct csv_reader *r);

/*
 * Map a header row onto known column names. names[] is NULL-terminated; required[i] says whether
 * names[i] must be present. On success index[i] is the field position of names[i] or -1 when an
 * optional column is absent; returns 0. Unknown, duplicate or missing columns are each appended to
 * *errors (one "NAME:LINE:COLUMN: ..." message per line, '\n'-separated; missing columns use the
 * header's line and column 1) and -1 is returned. Messages are in header order, missing ones
 * last; a '\n' goes between messages (and before the first when *errors already holds text),
 * never at the end. *errors is untouched on success; the caller frees it.
 */
int csv_header_map(const struct csv_reader *r, const struct csv_row *header, const char *const names[],
    const int required[], int index[], char **errors);

#endif
