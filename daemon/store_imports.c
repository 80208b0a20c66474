/*
 * store_imports.c: the import log beyond its one INSERT (store.c): who imported which files, so
 * a file set imported twice is a no-op, an older extract can be refused, and `import log` lists it.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/* Remember where the next logged imports come from (copied). */
void
store_import_origin(struct store *s, const char *who, const char *files, time_t newest)
{
	free(s->import_who), free(s->import_files);
	s->import_who = who != NULL ? xstrdup(who) : NULL;
	s->import_files = files != NULL ? xstrdup(files) : NULL;
	s->import_newest = newest;
}

/* Were exactly these files imported as kind before? */
int
store_import_seen(struct store *s, const char *kind, const char *files, time_t *at)
{
	sqlite3_stmt *st = store_prepare(s, "SELECT at FROM imports WHERE kind = ? AND files = ? ORDER BY at LIMIT 1");
	int found = 0;

	store_bind_text(st, 1, kind);
	store_bind_text(st, 2, files);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*at = (time_t)sqlite3_column_int64(st, 0);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

/* The newest extract imported for kind from folder `who` (NULL: from any folder), by its files' mtime. */
int
store_import_newest(struct store *s, const char *kind, const char *who, time_t *mtime, time_t *at)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT newest_mtime, at FROM imports WHERE kind = ? AND newest_mtime "
	    "IS NOT NULL AND (who = ? OR (?2 IS NULL AND who LIKE 'inbox:%')) "
	    "ORDER BY newest_mtime DESC LIMIT 1");

	*mtime = 0, *at = 0;
	store_bind_text(st, 1, kind);
	if (who != NULL)
		store_bind_text(st, 2, who);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*mtime = (time_t)sqlite3_column_int64(st, 0);
		*at = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	return 0;
}

/* A column as an owned string ("" for NULL). */
static char *
store_imports_text(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);

	return xstrdup(v != NULL ? (const char *)v : "");
}

/* Every import, oldest first. */
int
store_import_list(struct store *s, struct store_import_row **rows, int *n, char **cause)
{
	sqlite3_stmt *st =
	    store_prepare(s, "SELECT id, at, kind, who, file, files, summary FROM imports ORDER BY at, id");
	struct store_import_row *r = NULL;
	int count = 0, rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r = xreallocarray(r, (size_t)count + 1, sizeof *r);
		r[count].id = sqlite3_column_int64(st, 0);
		r[count].at = (time_t)sqlite3_column_int64(st, 1);
		r[count].kind = store_imports_text(st, 2);
		r[count].who = store_imports_text(st, 3);
		r[count].file = store_imports_text(st, 4);
		r[count].files = store_imports_text(st, 5);
		r[count].summary = store_imports_text(st, 6);
		count++;
	}
	if (rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		store_import_rows_free(r, count);
		return store_fail(s, cause, "imports");
	}
	sqlite3_finalize(st);
	*rows = r;
	*n = count;
	return 0;
}

/* Free what store_import_list returned. */
void
store_import_rows_free(struct store_import_row *rows, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(rows[i].kind), free(rows[i].who), free(rows[i].file);
		free(rows[i].files), free(rows[i].summary);
	}
	free(rows);
}

/* The latest SSDA903 date held: a period's start or end, or a review held from an extract. */
int
store_import_latest_ssda903(struct store *s)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT max(d) FROM (SELECT max(started_on) AS d FROM lac_periods "
	    "UNION ALL SELECT max(ended_on) FROM lac_periods "
	    "UNION ALL SELECT max(held_on) FROM lac_reviews WHERE source = 'ssda903')");
	int date = DATE_NONE;

	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		date = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return date;
}
