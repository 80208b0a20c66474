/*
 * import_progress.h: progress of a long import on a terminal. An import that runs over a second
 * prints one line to stderr, rewritten with \r: rows read, rows/s, how far through the files and
 * the time left. Nothing at all when stderr is not a terminal (scripts, CI, the drop folders).
 */
#ifndef DRIFTWATCH_IMPORT_PROGRESS_H
#define DRIFTWATCH_IMPORT_PROGRESS_H

struct csv_row;

/* Start timing an import of total_bytes of files. what names it ("import ssd"). */
void import_progress_begin(const char *what, long long total_bytes);
/* One row read (import_next calls it for every importer). */
void import_progress_row(const struct csv_row *row);
/* The import is over: end the line if one was printed. */
void import_progress_end(void);

#endif
