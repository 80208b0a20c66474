/*
 * test_feed.c: the iCalendar writer of the calendar feeds: TEXT escaping, folding at 75 octets
 * (continuation lines begin with a space, a multi-byte UTF-8 character is never split, unfolding
 * gives the line back), CRLF line ends, and an ETag that ignores DTSTAMP; then the feed
 * generations in a real store (a revoke bumps them, case-insensitively by address).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "store.h"
#include "store_feeds.h"
#include "test_util.h"

/* Check w's text is whole CRLF lines of at most 75 octets, none cut inside a UTF-8 character, and
 * that unfolding it gives want. */
static void
assert_folded(const struct ics *w, const char *want)
{
	const char *p = w->buf, *eol;
	char *unfolded = xcalloc(1, w->len + 1);
	size_t n = 0, len;
	int first = 1;

	assert_true(w->len >= 2);
	assert_memory_equal(w->buf + w->len - 2, "\r\n", 2);
	while (*p != '\0') {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		len = (size_t)(eol - p);
		assert_true(len <= 75);
		assert_null(memchr(p, '\n', len));
		if (!first) {
			assert_int_equal(p[0], ' ');
			/* The line before ended on a whole character: this one does not start mid-character. */
			assert_true(len < 2 || ((unsigned char)p[1] & 0xc0) != 0x80);
			p++, len--;
		}
		memcpy(unfolded + n, p, len);
		n += len;
		p = eol + 2;
		first = 0;
	}
	assert_string_equal(unfolded, want);
	free(unfolded);
}

static void
test_escape(void **state)
{
	char *e;

	(void)state;
	e = ics_escape("a\\b;c,d\r\ne\x01"
		       "f\tg");
	assert_string_equal(e,
	    "a\\\\b\\;c\\,d\\ne"
	    "f\tg");
	free(e);
	e = ics_escape("");
	assert_string_equal(e, "");
	free(e);
}

static void
test_fold_ascii(void **state)
{
	struct ics w;
	char value[301], *want;
	int i;

	(void)state;
	/* 75 octets exactly: one line. */
	ics_init(&w);
	memset(value, 'x', 70);
	value[70] = '\0';
	ics_line(&w, "NAME", value); /* "NAME:" + 70 */
	assert_int_equal(w.len, 77);
	assert_folded(&w, "NAME:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	ics_free(&w);
	/* 76: two, the second a space and one octet. */
	ics_init(&w);
	value[70] = 'y', value[71] = '\0';
	ics_line(&w, "NAME", value);
	assert_non_null(strstr(w.buf, "\r\n y\r\n"));
	ics_free(&w);
	/* Long: many continuation lines, 74 octets of text each. */
	for (i = 0; i < 300; i++)
		value[i] = (char)('a' + i % 26);
	value[300] = '\0';
	ics_init(&w);
	ics_line(&w, "DESCRIPTION", value);
	xasprintf(&want, "DESCRIPTION:%s", value);
	assert_folded(&w, want);
	assert_int_equal(w.len, strlen(want) + 2 + 3 * 4); /* 312 octets: 75 + 74 * 3 + 15, four folds */
	free(want);
	ics_free(&w);
}

static void
test_fold_utf8(void **state)
{
	/* é is 2 octets, € 3, 🙂 4: at every offset one of them straddles the 75th octet somewhere. */
	static const char *const pieces[] = { "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x99\x82" };
	struct ics w;
	char value[1200], *want;
	int shift, i;

	(void)state;
	for (shift = 0; shift < 8; shift++) {
		value[0] = '\0';
		for (i = 0; i < shift; i++)
			strcat(value, "a");
		for (i = 0; i < 120; i++)
			strcat(value, pieces[(i + shift) % 3]);
		ics_init(&w);
		ics_text(&w, "SUMMARY", value);
		xasprintf(&want, "SUMMARY:%s", value);
		assert_folded(&w, want);
		free(want);
		ics_free(&w);
	}
}

static void
test_etag(void **state)
{
	struct ics a, b, c;

	(void)state;
	ics_init(&a), ics_init(&b), ics_init(&c);
	ics_line(&a, "UID", "review-1@driftwatch");
	ics_line_volatile(&a, "DTSTAMP", "20221207T100000Z");
	ics_line(&b, "UID", "review-1@driftwatch");
	ics_line_volatile(&b, "DTSTAMP", "20221207T110000Z");
	ics_line(&c, "UID", "review-2@driftwatch");
	ics_line_volatile(&c, "DTSTAMP", "20221207T100000Z");
	assert_true(a.etag == b.etag);	/* DTSTAMP alone changed: the same */
	assert_false(a.etag == c.etag); /* the content changed */
	assert_string_equal(a.buf, "UID:review-1@driftwatch\r\nDTSTAMP:20221207T100000Z\r\n");
	ics_free(&a), ics_free(&b), ics_free(&c);
}

static void
test_generations(void **state)
{
	char dir[] = "/tmp/dw-feed-XXXXXX", *path, *cause = NULL, *cmd;
	struct store *s;
	int64_t g = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&path, "%s/dw.db", dir);
	if ((s = store_open(path, &cause)) == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_feed_generation(s, "tm@council.example", 0, 100, &g, &cause), 1);
	assert_int_equal(store_feed_generation(s, "tm@council.example", 1, 100, &g, &cause), 0);
	assert_int_equal(g, 1);
	assert_int_equal(store_feed_revoke(s, "TM@council.example", 200, &g, &cause), 0);
	assert_int_equal(g, 2);
	assert_int_equal(store_feed_generation(s, "tm@council.example", 1, 300, &g, &cause), 0);
	assert_int_equal(g, 2);
	/* Never given a URL, revoked anyway: no generation-1 token may work later. */
	assert_int_equal(store_feed_revoke(s, "new@council.example", 200, &g, &cause), 0);
	assert_int_equal(g, 2);
	store_close(s);
	xasprintf(&cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd), free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_fold_ascii),
		cmocka_unit_test(test_fold_utf8),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_generations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
