/*
 * audit.c: the append-only audit trail. Part of the store family (it speaks SQL through
 * store_int.h); triggers in the schema refuse UPDATE and DELETE on the table.
 */
#include <sqlite3.h>
#include <stdio.h>

#include "audit.h"
#include "clock.h"
#include "store_int.h"

/* Append one entry. */
int
audit_add(struct store *s, time_t at, const char *actor, const char *what, const char *subject, const char *detail,
    char **cause)
{
	/* Cached: imports audit each record they change, tens of thousands in one transaction. */
	return store_run(s,
	    store_cached(s, "INSERT INTO audit (at, actor, what, subject, detail) VALUES (?, ?, ?, ?, ?)"),
	    STORE_ARGS(STORE_INT(at), STORE_TEXT(actor), STORE_TEXT(what), STORE_TEXT(subject), STORE_TEXT(detail)),
	    "audit", cause);
}

/* Print a subject's trail. */
int
audit_print(struct store *s, const char *subject, FILE *f)
{
	sqlite3_stmt *st = store_prepare(s,
	    "SELECT at, actor, what, subject, coalesce(detail, '') FROM audit "
	    "WHERE ?1 IS NULL OR subject = ?1 ORDER BY id");
	char when[32];
	int n = 0;

	store_bind_text(st, 1, subject);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fprintf(f, "%s  %-12s %-22s %s  %s\n", clock_format_local(sqlite3_column_int64(st, 0), when),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2), sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4));
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

/* Count entries of one kind for a subject. */
int
audit_count(struct store *s, const char *what, const char *subject)
{
	int64_t n = 0;

	store_int(s, store_prepare(s, "SELECT count(*) FROM audit WHERE what = ? AND subject = ?"),
	    STORE_ARGS(STORE_TEXT(what), STORE_TEXT(subject)), &n, "audit", NULL);
	return (int)n;
}
