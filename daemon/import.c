/*
 * import.c: what every importer shares: error collection with FILE:LINE:COLUMN, dates, required
 * fields, header mapping and field-count checks. The rule for all imports: report every problem,
 * then import nothing (exit 65) — or import everything in one transaction.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "calendar.h"
#include "csv.h"
#include "import.h"
#include "import_progress.h"
#include "log.h"
#include "reviews.h"
#include "store.h"
#include "xmalloc.h"

/* Add one message. */
void
import_error(struct import_errors *e, int line, int column, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xappendf(&e->text, "%s%s:%d:%d: %s", e->text != NULL ? "\n" : "", e->file, line, column, msg);
	e->n++;
	free(msg);
}

/* Add ready-made messages. */
void
import_errors_add(struct import_errors *e, const char *messages)
{
	const char *c;

	if (messages == NULL || *messages == '\0')
		return;
	xappendf(&e->text, "%s%s", e->text != NULL ? "\n" : "", messages);
	e->n++;
	for (c = messages; (c = strchr(c, '\n')) != NULL; c++)
		e->n++;
}

/* Print to err and free; 65 when there was anything. */
static int
import_errors_print(struct import_errors *e, FILE *err)
{
	int n = e->n;

	if (n == 0)
		return 0;
	fprintf(err, "%s\n", e->text);
	fprintf(err, "%s: %d problem%s; nothing imported\n", e->file, n, n == 1 ? "" : "s");
	import_errors_free(e);
	return 65;
}

/* Print and free; 65 when there was anything. */
int
import_errors_report(struct import_errors *e)
{
	return import_errors_print(e, stderr);
}

/* See import.h. */
int
import_finish(struct store *s, struct import_errors *e, const struct import_commit *c, char **summary, FILE *err)
{
	char *cause = NULL;
	int rc;

	if (e != NULL && (rc = import_errors_print(e, err)) != 0)
		return rc;
	/* One transaction: a failure anywhere leaves the store as it was, so the file can simply be
	 * imported again. */
	if (store_begin(s, &cause) != 0)
		goto fail;
	if ((c->write != NULL && c->write(s, c->arg, summary, &cause) != 0) ||
	    store_import_log(s, c->now, c->kind, c->path, *summary, &cause) != 0 ||
	    (c->event != NULL && audit_add(s, c->now, "ctl:import", c->event, c->subject, *summary, &cause) != 0) ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		goto fail;
	}
	return 0;
fail:
	fprintf(err, "driftwatchctl: import %s: %s; nothing imported\n", c->kind, cause != NULL ? cause : "failed");
	free(cause);
	return 1;
}

/* Free the messages. */
void
import_errors_free(struct import_errors *e)
{
	free(e->text);
	e->text = NULL;
	e->n = 0;
}

/*
 * A date field, ISO only or (dmy) as the SSDA903 import reads dates: the one parser for both,
 * ssda903_date, so a plan saved from Excel reads as the national return does.
 */
static int
import_date_as(struct import_errors *e, const struct csv_field *f, const char *column, bool optional, bool dmy,
    int today, int *date)
{
	const char *want = dmy ? "dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD" : "YYYY-MM-DD";
	int rc;

	*date = DATE_NONE;
	if (f->len == 0) {
		if (optional)
			return 0;
		import_error(e, f->line, f->column, "%s: missing (want a date, %s)", column, want);
		return -1;
	}
	rc = dmy ? ssda903_date(f->value, today, date) : date_parse(f->value, date);
	if (rc != 0) {
		*date = DATE_NONE;
		import_error(e, f->line, f->column, "%s: \"%s\" is not a date (want %s)", column, f->value, want);
		return -1;
	}
	return 0;
}

/* A YYYY-MM-DD field; see import.h. */
int
import_date(struct import_errors *e, const struct csv_field *f, const char *column, bool optional, int *date)
{
	return import_date_as(e, f, column, optional, false, 0, date);
}

/* A date field as a spreadsheet saves it; see import.h. */
int
import_date_dmy(
    struct import_errors *e, const struct csv_field *f, const char *column, bool optional, int today, int *date)
{
	return import_date_as(e, f, column, optional, true, today, date);
}

/* A required field. */
int
import_required(struct import_errors *e, const struct csv_field *f, const char *column)
{
	const char *c;

	for (c = f->value; *c == ' ' || *c == '\t'; c++)
		;
	if (*c == '\0') {
		import_error(e, f->line, f->column, "%s: missing", column);
		return -1;
	}
	return 0;
}

/* The field of column i (by the header's index), or an empty one when the column is absent. */
const struct csv_field *
import_field(const struct csv_row *row, const int *index, int i)
{
	static char empty[1];
	static struct csv_field none = { empty, 0, 0, 0 };

	if (index[i] < 0 || (size_t)index[i] >= row->nfields) {
		none.line = row->line;
		none.column = 1;
		return &none;
	}
	return &row->fields[index[i]];
}

/* Open and map the header. */
struct csv_reader *
import_open(struct import_errors *e, const char *path, const char *const names[], const int required[], int index[],
    int *ncolumns)
{
	struct csv_reader *r;
	struct csv_row header;
	char *cause = NULL;
	int rc;

	memset(&header, 0, sizeof header);
	if ((r = csv_open(path, &cause)) == NULL) {
		import_errors_add(e, cause);
		free(cause);
		return NULL;
	}
	if ((rc = csv_read(r, &header, &cause)) != 1) {
		if (rc == 0)
			import_error(e, 1, 1, "the file is empty (want a header row)");
		else
			import_errors_add(e, cause);
		free(cause);
		csv_close(r);
		return NULL;
	}
	if (csv_header_map(r, &header, names, required, index, &cause) != 0) {
		import_errors_add(e, cause);
		free(cause);
		csv_row_clear(&header);
		csv_close(r);
		return NULL;
	}
	*ncolumns = (int)header.nfields;
	csv_row_clear(&header);
	return r;
}

/* The next data row, with its field count checked against the header. */
int
import_next(struct import_errors *e, struct csv_reader *r, struct csv_row *row, int nheader, int *bad)
{
	char *cause = NULL;
	int rc;

	*bad = 0;
	if ((rc = csv_read(r, row, &cause)) < 0) {
		import_errors_add(e, cause);
		free(cause);
		return -1;
	}
	if (rc == 0)
		return 0;
	import_progress_row(row);
	if ((int)row->nfields > nheader) {
		const struct csv_field *f = &row->fields[nheader];
		import_error(e, f->line, f->column, "extra field: the header has %d columns, this row %zu", nheader,
		    row->nfields);
		*bad = 1;
	} else if ((int)row->nfields < nheader) {
		const struct csv_field *f = &row->fields[row->nfields - 1];
		import_error(e, f->line, f->column + (int)f->len,
		    "missing fields: the header has %d columns, this row %zu", nheader, row->nfields);
		*bad = 1;
	}
	return 1;
}

/* See import.h. */
int
import_file_open(
    struct import_file *f, struct import_errors *e, const char *path, const char *const names[], const int required[])
{
	int n;

	memset(f, 0, sizeof *f);
	f->e = e;
	for (n = 0; names[n] != NULL; n++)
		;
	if (n > IMPORT_MAX_COLUMNS)
		fatalx("import: %s: %d columns, at most %d", path, n, IMPORT_MAX_COLUMNS);
	if ((f->r = import_open(e, path, names, required, f->index, &f->ncolumns)) == NULL)
		return -1;
	return 0;
}

/* See import.h. */
int
import_file_next_any(struct import_file *f)
{
	if (f->r == NULL)
		return 0;
	return import_next(f->e, f->r, &f->row, f->ncolumns, &f->bad) == 1;
}

/* See import.h: a row with the wrong number of fields is already reported, so passed over. */
int
import_file_next(struct import_file *f)
{
	while (import_file_next_any(f)) {
		if (!f->bad)
			return 1;
	}
	return 0;
}

/* See import.h. */
const struct csv_field *
import_file_field(const struct import_file *f, int i)
{
	return import_field(&f->row, f->index, i);
}

/* See import.h. */
void
import_file_close(struct import_file *f)
{
	csv_row_clear(&f->row);
	csv_close(f->r);
	f->r = NULL;
}

/* FNV-1a: spreads case references and refs well enough for a table at most half full. */
static size_t
import_seen_hash(const char *key)
{
	size_t h = 14695981039346656037ULL;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

/* Put key (owned) at its slot in a table of cap slots. */
static void
import_seen_place(char **keys, int *lines, size_t cap, char *key, int line)
{
	size_t i = import_seen_hash(key) & (cap - 1);

	while (keys[i] != NULL)
		i = (i + 1) & (cap - 1);
	keys[i] = key;
	lines[i] = line;
}

/* See import.h. */
int
import_seen_add(struct import_seen *seen, const char *key, int line)
{
	size_t i, cap;
	char **keys;
	int *lines;

	if (seen->cap > 0) {
		for (i = import_seen_hash(key) & (seen->cap - 1); seen->keys[i] != NULL;
		     i = (i + 1) & (seen->cap - 1)) {
			if (strcmp(seen->keys[i], key) == 0)
				return seen->lines[i];
		}
	}
	if (2 * (seen->n + 1) > seen->cap) {
		/* Grow (doubling) at half full, so probes stay short and the whole file costs linear time. */
		cap = seen->cap > 0 ? 2 * seen->cap : 64;
		keys = xcalloc(cap, sizeof *keys);
		lines = xcalloc(cap, sizeof *lines);
		for (i = 0; i < seen->cap; i++) {
			if (seen->keys[i] != NULL)
				import_seen_place(keys, lines, cap, seen->keys[i], seen->lines[i]);
		}
		free(seen->keys), free(seen->lines);
		seen->keys = keys, seen->lines = lines, seen->cap = cap;
	}
	import_seen_place(seen->keys, seen->lines, seen->cap, xstrdup(key), line);
	seen->n++;
	return 0;
}

/* See import.h. */
void
import_seen_free(struct import_seen *seen)
{
	size_t i;

	for (i = 0; i < seen->cap; i++)
		free(seen->keys[i]);
	free(seen->keys), free(seen->lines);
	memset(seen, 0, sizeof *seen);
}

/* See import.h. */
const char *
import_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* See import.h. */
int
import_file_kind(const char *path, const char *const names[], int n)
{
	const char *base = import_base(path);
	int i;

	for (i = 0; i < n; i++) {
		if (strcasecmp(base, names[i]) == 0)
			return i;
	}
	return -1;
}

/* See import.h. */
int
import_finish_print(
    const struct import_request *rq, struct import_errors *e, const struct import_commit *c, char **summary)
{
	int rc = import_finish(rq->store, e, c, summary, rq->err);

	if (rc == 0)
		fprintf(rq->out, "%s: %s imported\n", c->path, *summary);
	return rc;
}
