/*
 * test_utf8.c: utf8_char_len, the one UTF-8 rule of the CSV reader and the JSON writer: ASCII and
 * each sequence length at its edges; overlong forms, surrogates, past U+10FFFF, stray continuation
 * bytes and sequences cut short are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "utf8.h"

/* The length utf8_char_len gives the whole of s. */
static size_t
len(const char *s)
{
	return utf8_char_len((const unsigned char *)s, strlen(s));
}

/* Each length at its smallest and largest code point. */
static void
test_valid(void **state)
{
	(void)state;
	assert_int_equal(len("a"), 1);
	assert_int_equal(utf8_char_len((const unsigned char *)"", 1), 1); /* NUL is ASCII */
	assert_int_equal(len("\x7f"), 1);
	assert_int_equal(len("\xc2\x80"), 2);	      /* U+0080 */
	assert_int_equal(len("\xdf\xbf"), 2);	      /* U+07FF */
	assert_int_equal(len("\xe0\xa0\x80"), 3);     /* U+0800 */
	assert_int_equal(len("\xe2\x80\x99"), 3);     /* a curly quote, as Excel writes it */
	assert_int_equal(len("\xed\x9f\xbf"), 3);     /* U+D7FF, below the surrogates */
	assert_int_equal(len("\xee\x80\x80"), 3);     /* U+E000, above them */
	assert_int_equal(len("\xef\xbb\xbf"), 3);     /* the BOM */
	assert_int_equal(len("\xf0\x90\x80\x80"), 4); /* U+10000 */
	assert_int_equal(len("\xf4\x8f\xbf\xbf"), 4); /* U+10FFFF */
	assert_int_equal(len("\xc3\xa9tait"), 2);     /* only the first character counts */
}

/* What RFC 3629 says is not UTF-8. */
static void
test_invalid(void **state)
{
	(void)state;
	assert_int_equal(len("\x80"), 0); /* a continuation byte alone */
	assert_int_equal(len("\xbf"), 0);
	assert_int_equal(len("\xc0\x80"), 0);		  /* overlong NUL */
	assert_int_equal(len("\xc1\xbf"), 0);		  /* overlong U+007F */
	assert_int_equal(len("\xe0\x9f\xbf"), 0);	  /* overlong U+07FF */
	assert_int_equal(len("\xf0\x8f\xbf\xbf"), 0);	  /* overlong U+FFFF */
	assert_int_equal(len("\xed\xa0\x80"), 0);	  /* U+D800, a surrogate */
	assert_int_equal(len("\xed\xbf\xbf"), 0);	  /* U+DFFF */
	assert_int_equal(len("\xf4\x90\x80\x80"), 0);	  /* U+110000 */
	assert_int_equal(len("\xf5\x80\x80\x80"), 0);	  /* a lead past U+10FFFF */
	assert_int_equal(len("\xf8\x88\x80\x80\x80"), 0); /* five bytes */
	assert_int_equal(len("\xff"), 0);
	assert_int_equal(len("\xc3("), 0); /* a continuation that is not one */
	assert_int_equal(len("\xe2\x80("), 0);
	assert_int_equal(len("\xf0\x90\x80("), 0);
}

/* A sequence longer than what is left is refused, however it would go on. */
static void
test_cut_short(void **state)
{
	(void)state;
	assert_int_equal(utf8_char_len((const unsigned char *)"\xc3\xa9", 1), 0);
	assert_int_equal(utf8_char_len((const unsigned char *)"\xe2\x80\x99", 2), 0);
	assert_int_equal(utf8_char_len((const unsigned char *)"\xf0\x90\x80\x80", 3), 0);
	assert_int_equal(utf8_char_len((const unsigned char *)"\xe2\x80\x99", 3), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_cut_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
