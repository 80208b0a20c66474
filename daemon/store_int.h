/*
 * store_int.h: private to the store family (store*.c): the connection and statement helpers.
 * Nothing outside store*.c includes this file.
 */
#ifndef DRIFTWATCH_STORE_INT_H
#define DRIFTWATCH_STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct store {
	sqlite3 *db;
	char *path;
};

/* Prepare or die: our own SQL failing to prepare is a programming error. */
sqlite3_stmt *store_prepare(struct store *s, const char *sql);
/* Set *cause from the connection's last error with a prefix; returns -1. */
int store_fail(struct store *s, char **cause, const char *what);
/* Execute SQL without results; 0 or -1 with *cause. */
int store_exec(struct store *s, const char *sql, char **cause);
/* Bind helpers: NULL text binds NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* A column as a fresh string (NULL stays NULL). */
char *store_column_strdup(sqlite3_stmt *st, int i);

#endif
