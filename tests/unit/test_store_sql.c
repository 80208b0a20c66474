/*
 * test_store_sql.c: the store family's one-call statement helpers (store_int.h): store_run binds
 * in order (text, integers, NULL) and reports a failure as store_fail does; store_int and
 * store_text tell a row from none; store_each visits every row and stops when asked; cached and
 * one-shot statements both come back usable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "xmalloc.h"

static char tmpdir[32];

/* A fresh store with a scratch table. */
static int
setup(void **state)
{
	struct store *s;
	char *path, *cause = NULL;

	snprintf(tmpdir, sizeof tmpdir, "/tmp/dwstoresqlXXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	xasprintf(&path, "%s/t.db", tmpdir);
	s = store_open(path, &cause);
	free(path);
	assert_non_null(s);
	assert_int_equal(store_exec(s, "CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, v TEXT)", &cause), 0);
	*state = s;
	return 0;
}

/* Close and remove it. */
static int
teardown(void **state)
{
	char *cmd;

	store_close(*state);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* Add the sum of each row's n to the int64_t at arg; stop at the row whose k is "stop". */
static int
sum_row(sqlite3_stmt *st, void *arg)
{
	*(int64_t *)arg += sqlite3_column_int64(st, 1);
	return strcmp((const char *)sqlite3_column_text(st, 0), "stop") == 0 ? 7 : 0;
}

/* Writes and reads through the helpers, cached and not. */
static void
test_run_and_read(void **state)
{
	struct store *s = *state;
	char *v = NULL, *cause = NULL, key[8];
	int64_t n = -5;

	assert_int_equal(store_run(s, store_prepare(s, "INSERT INTO t VALUES (?, ?, ?)"),
			     STORE_ARGS(STORE_TEXT("a"), STORE_INT(INT64_C(1) << 40), STORE_TEXT("x")), "t", &cause),
	    0);
	/* The text is bound without a copy: a buffer reused after the call changes nothing stored. */
	snprintf(key, sizeof key, "b");
	assert_int_equal(store_run(s, store_cached(s, "INSERT INTO t VALUES (?, ?, ?)"),
			     STORE_ARGS(STORE_TEXT(key), STORE_INT(2), STORE_NULL), "t", &cause),
	    0);
	snprintf(key, sizeof key, "zz");
	assert_int_equal(
	    store_int(s, store_cached(s, "SELECT n FROM t WHERE k = ?"), STORE_ARGS(STORE_TEXT("a")), &n, "t", &cause),
	    0);
	assert_true(n == INT64_C(1) << 40);
	assert_int_equal(
	    store_int(s, store_cached(s, "SELECT n FROM t WHERE k = ?"), STORE_ARGS(STORE_TEXT("b")), &n, "t", &cause),
	    0);
	assert_int_equal(n, 2);
	/* No row: 1, and the integer as it was. */
	assert_int_equal(
	    store_int(s, store_cached(s, "SELECT n FROM t WHERE k = ?"), STORE_ARGS(STORE_TEXT("zz")), &n, "t", &cause),
	    1);
	assert_int_equal(n, 2);
	assert_int_equal(store_text(s, store_prepare(s, "SELECT v FROM t WHERE k = ?"), STORE_ARGS(STORE_TEXT("a")), &v,
			     "t", &cause),
	    0);
	assert_string_equal(v, "x");
	free(v);
	/* A NULL column is a row all the same. */
	assert_int_equal(store_text(s, store_prepare(s, "SELECT v FROM t WHERE k = ?"), STORE_ARGS(STORE_TEXT("b")), &v,
			     "t", &cause),
	    0);
	assert_null(v);
	assert_int_equal(
	    store_text(s, store_prepare(s, "SELECT v FROM t WHERE k = ?"), STORE_ARGS(STORE_NULL), &v, "t", &cause), 1);
	assert_null(v);
	assert_int_equal(store_int(s, store_prepare(s, "SELECT count(*) FROM t"), STORE_NOARGS, &n, "t", &cause), 0);
	assert_int_equal(n, 2);
	assert_null(cause);
}

/* store_each: every row, or up to the one the callback stops at (its value returned). */
static void
test_each(void **state)
{
	struct store *s = *state;
	char *cause = NULL;
	int64_t sum = 0;

	assert_int_equal(
	    store_exec(s, "INSERT INTO t VALUES ('a', 1, NULL), ('b', 2, NULL), ('c', 4, NULL)", &cause), 0);
	assert_int_equal(store_each(s, store_cached(s, "SELECT k, n FROM t WHERE n >= ? ORDER BY k"),
			     STORE_ARGS(STORE_INT(2)), sum_row, &sum, "t", &cause),
	    0);
	assert_int_equal(sum, 6);
	assert_int_equal(store_exec(s, "INSERT INTO t VALUES ('stop', 8, NULL), ('zz', 16, NULL)", &cause), 0);
	sum = 0;
	assert_int_equal(
	    store_each(s, store_prepare(s, "SELECT k, n FROM t ORDER BY k"), STORE_NOARGS, sum_row, &sum, "t", &cause),
	    7);
	assert_int_equal(sum, 1 + 2 + 4 + 8);
	assert_null(cause);
}

/* A failure is store_fail's message, and the cached statement is usable again afterwards. */
static void
test_failure(void **state)
{
	struct store *s = *state;
	char *cause = NULL, *want;
	int64_t n = 0;

	assert_int_equal(store_run(s, store_cached(s, "INSERT INTO t VALUES (?, ?, ?)"),
			     STORE_ARGS(STORE_TEXT("a"), STORE_INT(1), STORE_NULL), "t", &cause),
	    0);
	assert_int_equal(store_run(s, store_cached(s, "INSERT INTO t VALUES (?, ?, ?)"),
			     STORE_ARGS(STORE_TEXT("a"), STORE_INT(1), STORE_NULL), "t insert", &cause),
	    -1);
	xasprintf(&want, "%s: t insert: UNIQUE constraint failed: t.k", store_path(s));
	assert_string_equal(cause, want);
	free(want), free(cause), cause = NULL;
	assert_int_equal(store_run(s, store_cached(s, "INSERT INTO t VALUES (?, ?, ?)"),
			     STORE_ARGS(STORE_TEXT("b"), STORE_INT(1), STORE_NULL), "t", &cause),
	    0);
	/* A read that fails: -1 too (a text too big to be an integer is no failure, so force one). */
	assert_int_equal(store_int(s, store_prepare(s, "SELECT abs(-9223372036854775807 - 1)"), STORE_NOARGS, &n,
			     "overflow", &cause),
	    -1);
	assert_non_null(strstr(cause, ": overflow: integer overflow"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
