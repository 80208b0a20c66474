/*
 * import.h: what every importer shares. Validate every row first, collecting every problem as
 * "FILE:LINE:COLUMN: what is wrong"; only when there is none, write everything in one transaction.
 */
#ifndef DRIFTWATCH_IMPORT_H
#define DRIFTWATCH_IMPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "csv.h"

struct config;
struct store;

struct import_errors {
	const char *file;
	char *text; /* '\n'-separated messages */
	int n;
};

void import_error(struct import_errors *e, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Append messages that already carry FILE:LINE:COLUMN ('\n'-separated). */
void import_errors_add(struct import_errors *e, const char *messages);
/* Print every error to stderr, free them, and return 65 (EX_DATAERR); 0 when there are none. */
int import_errors_report(struct import_errors *e);
void import_errors_free(struct import_errors *e);

/*
 * What every importer is given (one signature: int import_KIND(const struct import_request *)),
 * returning an exit code: 0, 65 bad data (nothing imported), 66 a file missing, 1 a store failure.
 */
struct import_request {
	struct store *store;
	const struct config *cfg;
	char *const *paths; /* the files named (the extracts: files or their folders) */
	int npaths;
	bool strict; /* the extracts: refuse the whole extract when a row contradicts another */
	time_t now;
	int today;
	FILE *out, *err; /* the summary; every problem */
};

/* What an import writes once every row is checked (import_finish). */
struct import_commit {
	const char *kind; /* the import log's kind; "driftwatchctl: import KIND: ..." */
	const char *path; /* the file the import log names */
	time_t now;
	/* Write the rows inside the transaction, adding to *summary if it likes: 0, or -1 with *cause. */
	int (*write)(struct store *s, void *arg, char **summary, char **cause);
	void *arg;
	const char *event;   /* an audit entry for the whole import (actor ctl:import), or NULL */
	const char *subject; /* its subject */
};
/*
 * The tail every import ends with. When e (may be NULL) holds problems: print them to err with
 * "FILE: N problems; nothing imported", return 65, write nothing. Else write everything in one
 * transaction: the rows, the import log with *summary, the audit entry; 0. On a store failure
 * roll back, say "driftwatchctl: import KIND: WHY; nothing imported" on err and return 1.
 * Printing *summary on success is the caller's (each importer words it its own way).
 */
int import_finish(struct store *s, struct import_errors *e, const struct import_commit *c, char **summary, FILE *err);
/* import_finish on rq's store and err, then on success "PATH: SUMMARY imported" on rq's out (PATH: c->path). */
int import_finish_print(
    const struct import_request *rq, struct import_errors *e, const struct import_commit *c, char **summary);

/* A "YYYY-MM-DD" field (empty allowed when optional: *date = DATE_NONE). 0, or -1 after an error. */
int import_date(struct import_errors *e, const struct csv_field *f, const char *column, bool optional, int *date);
/*
 * The same for a file saved from a spreadsheet: dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD, read as the
 * SSDA903 import reads them (ssda903_date: a two-digit year is the one within the 100 years before
 * today). The error names the column: "FILE:LINE:COLUMN: due_on: \"31/02/2021\" is not a date ...".
 */
int import_date_dmy(
    struct import_errors *e, const struct csv_field *f, const char *column, bool optional, int today, int *date);
/* A required non-empty field. */
int import_required(struct import_errors *e, const struct csv_field *f, const char *column);
/* Which of names[0 .. n-1] a path's base name is (case aside), or -1: a multi-file format's file kind. */
int import_file_kind(const char *path, const char *const names[], int n);
/* The base name of a path (after its last '/'). */
const char *import_base(const char *path);
/* A field's value by header index, or an empty static field when the column is absent. */
const struct csv_field *import_field(const struct csv_row *row, const int *index, int i);
/* Read a CSV file's header row and map it; errors (missing/unknown columns, syntax) into e. */
struct csv_reader *import_open(struct import_errors *e, const char *path, const char *const names[],
    const int required[], int index[], int *ncolumns);
/* Read the next data row; 1 row, 0 end, -1 syntax error (already in e). Rows whose field count differs
 * from the header's are reported (extra or missing fields) and returned with *bad = 1. */
int import_next(struct import_errors *e, struct csv_reader *r, struct csv_row *row, int nheader, int *bad);

/*
 * One CSV file read row by row, the loop every importer runs: the header mapped by name, each
 * row's field count checked, every problem added to the caller's errors with FILE:LINE:COLUMN.
 * Open it, take rows (none when the file did not open), close it.
 */
#define IMPORT_MAX_COLUMNS 32
struct import_file {
	struct import_errors *e;
	struct csv_reader *r;
	struct csv_row row;	       /* the current row */
	int index[IMPORT_MAX_COLUMNS]; /* names[i] -> the row's field, or -1 */
	int ncolumns;		       /* fields in the header */
	int bad;		       /* the current row has too many or too few fields (reported in e) */
};
/* Open path and map its header (names NULL-terminated, at most IMPORT_MAX_COLUMNS): 0, or -1 (in e). */
int import_file_open(
    struct import_file *f, struct import_errors *e, const char *path, const char *const names[], const int required[]);
/* The next well-formed row: 1, or 0 at the end, on a syntax error (in e) or when the file did not open. */
int import_file_next(struct import_file *f);
/* The same, with rows whose field count is wrong too (f->bad set; already in e). */
int import_file_next_any(struct import_file *f);
/* The current row's field for names[i], or an empty one when the column is absent. */
const struct csv_field *import_file_field(const struct import_file *f, int i);
/* Close the file and free the row. */
void import_file_close(struct import_file *f);

/* The keys of one file's rows (a case reference, "plan\tref"), for "already on line N" in linear time. */
struct import_seen {
	char **keys; /* open addressing, at most half full */
	int *lines;
	size_t cap, n;
};
/* The line key was first seen on; else 0, after remembering it as seen on line (> 0). */
int import_seen_add(struct import_seen *seen, const char *key, int line);
void import_seen_free(struct import_seen *seen);

#endif
