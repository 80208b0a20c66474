/*
 * test_csv.c: the CSV reader on what councils' spreadsheets really produce: quoted cells with
 * commas, quotes and line breaks, CRLF and LF, a BOM, curly quotes, the line and column of every
 * field and every error, the header mapped onto known columns, and the real St Helens action plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "csv.h"
#include "xmalloc.h"

#define MAX_ROWS 64

/* The fixed parts of the reader's messages, spelled out once. */
#define QUOTE_INSIDE "quote inside an unquoted field; quote the whole field"
#define NOT_UTF8 "invalid UTF-8 (is the file saved as UTF-8? byte "
#define UNTERMINATED "unterminated quoted field (opened here)"
#define AFTER_QUOTE "unexpected character after closing quote"
#define EXPECTED "(expected one of: ref, action, lead_role, starts_on, due_on)"

/* Every row of an input, and how the reading ended. */
struct parsed {
	struct csv_row rows[MAX_ROWS];
	size_t nrows;
	int rc;	     /* 0 at the end of the input, -1 on an error */
	char *cause; /* the error, when rc is -1 */
};

/* Read all of data (len bytes) as the file "t.csv". */
static void
parse_len(struct parsed *p, const char *data, size_t len)
{
	struct csv_reader *r = csv_open_buffer("t.csv", data, len);
	struct csv_row row = { 0 };
	int rc;

	memset(p, 0, sizeof *p);
	while ((rc = csv_read(r, &row, &p->cause)) == 1) {
		assert_true(p->nrows < MAX_ROWS);
		p->rows[p->nrows++] = row;
		memset(&row, 0, sizeof row);
	}
	assert_int_equal(row.nfields, 0);
	p->rc = rc;
	if (rc == 0)
		assert_null(p->cause);
	else
		assert_non_null(p->cause);
	csv_close(r);
}

/* Read all of a NUL-terminated input. */
static void
parse(struct parsed *p, const char *data)
{
	parse_len(p, data, strlen(data));
}

/* Free what parse found. */
static void
parsed_free(struct parsed *p)
{
	size_t i;

	for (i = 0; i < p->nrows; i++)
		csv_row_clear(&p->rows[i]);
	free(p->cause);
}

/* Field i of row is value, starting at line:column. */
static void
assert_field(const struct csv_row *row, size_t i, const char *value, int line, int column)
{
	assert_true(i < row->nfields);
	assert_int_equal(row->fields[i].len, strlen(value));
	assert_memory_equal(row->fields[i].value, value, strlen(value) + 1);
	assert_int_equal(row->fields[i].line, line);
	assert_int_equal(row->fields[i].column, column);
}

/* The input fails with exactly this message, after nrows good rows. */
static void
assert_error(const char *data, size_t len, size_t nrows, const char *cause)
{
	struct parsed p;

	parse_len(&p, data, len);
	assert_int_equal(p.rc, -1);
	assert_string_equal(p.cause, cause);
	assert_int_equal(p.nrows, nrows);
	parsed_free(&p);
}

/* Two inputs give the same rows: same values, lines and columns. */
static void
assert_same_rows(const char *a, const char *b)
{
	struct parsed pa, pb;
	size_t i, j;

	parse(&pa, a);
	parse(&pb, b);
	assert_int_equal(pa.rc, 0);
	assert_int_equal(pb.rc, 0);
	assert_int_equal(pa.nrows, pb.nrows);
	for (i = 0; i < pa.nrows; i++) {
		assert_int_equal(pa.rows[i].line, pb.rows[i].line);
		assert_int_equal(pa.rows[i].nfields, pb.rows[i].nfields);
		for (j = 0; j < pa.rows[i].nfields; j++) {
			const struct csv_field *fa = &pa.rows[i].fields[j];

			assert_field(&pb.rows[i], j, fa->value, fa->line, fa->column);
		}
	}
	parsed_free(&pa);
	parsed_free(&pb);
}

/* Plain rows: values, the line of each row, the column of each field. */
static void
test_plain_rows(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "ref,due_on,lead_role\n1.1a,2020-06-30,dcs\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 2);
	assert_int_equal(p.rows[0].line, 1);
	assert_int_equal(p.rows[0].nfields, 3);
	assert_field(&p.rows[0], 0, "ref", 1, 1);
	assert_field(&p.rows[0], 1, "due_on", 1, 5);
	assert_field(&p.rows[0], 2, "lead_role", 1, 12);
	assert_int_equal(p.rows[1].line, 2);
	assert_field(&p.rows[1], 0, "1.1a", 2, 1);
	assert_field(&p.rows[1], 1, "2020-06-30", 2, 6);
	assert_field(&p.rows[1], 2, "dcs", 2, 17);
	parsed_free(&p);
}

/* Empty fields, a trailing comma, and spaces kept as data. */
static void
test_empty_fields(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, ",,\na,\n, b \n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 3);
	assert_int_equal(p.rows[0].nfields, 3);
	assert_field(&p.rows[0], 0, "", 1, 1);
	assert_field(&p.rows[0], 1, "", 1, 2);
	assert_field(&p.rows[0], 2, "", 1, 3);
	assert_int_equal(p.rows[1].nfields, 2);
	assert_field(&p.rows[1], 0, "a", 2, 1);
	assert_field(&p.rows[1], 1, "", 2, 3);
	assert_int_equal(p.rows[2].nfields, 2);
	assert_field(&p.rows[2], 0, "", 3, 1);
	assert_field(&p.rows[2], 1, " b ", 3, 2);
	parsed_free(&p);
}

/* Quoted fields hold commas, doubled quotes and line breaks; a field starts at its opening quote. */
static void
test_quoted_fields(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "\"Audit, then report\",\"the \"\"front door\"\"\",\"\",\"two\nlines\",end\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 1);
	assert_int_equal(p.rows[0].nfields, 5);
	assert_field(&p.rows[0], 0, "Audit, then report", 1, 1);
	assert_field(&p.rows[0], 1, "the \"front door\"", 1, 22);
	assert_field(&p.rows[0], 2, "", 1, 43);
	assert_field(&p.rows[0], 3, "two\nlines", 1, 46);
	assert_field(&p.rows[0], 4, "end", 2, 8);
	parsed_free(&p);

	/* A field that is only a doubled quote, and one that ends with one. */
	parse(&p, "\"\"\"\",\"x\"\"\"\n");
	assert_int_equal(p.rc, 0);
	assert_field(&p.rows[0], 0, "\"", 1, 1);
	assert_field(&p.rows[0], 1, "x\"", 1, 6);
	parsed_free(&p);
}

/* CRLF, LF and a lone CR as line ends give identical rows. */
static void
test_crlf_lf_same(void **state)
{
	const char *lf = "a,\"b,c\",d\n1,,\"q\"\"\"\n\nlast,x\n";

	(void)state;
	assert_same_rows(lf, "a,\"b,c\",d\r\n1,,\"q\"\"\"\r\n\r\nlast,x\r\n");
	assert_same_rows(lf, "a,\"b,c\",d\r1,,\"q\"\"\"\r\rlast,x\r");
	assert_same_rows("a,b\nc,d", "a,b\r\nc,d");
}

/* A line break inside quotes is kept byte for byte, and still counts as a line. */
static void
test_newline_in_quotes_kept(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "\"one\r\ntwo\",x\r\n\"three\nfour\",y\n\"five\rsix\",z\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 3);
	assert_field(&p.rows[0], 0, "one\r\ntwo", 1, 1);
	assert_field(&p.rows[0], 1, "x", 2, 6);
	assert_field(&p.rows[1], 0, "three\nfour", 3, 1);
	assert_field(&p.rows[1], 1, "y", 4, 7);
	assert_field(&p.rows[2], 0, "five\rsix", 5, 1);
	assert_field(&p.rows[2], 1, "z", 6, 6);
	assert_int_equal(p.rows[2].line, 5);
	parsed_free(&p);
}

/* After a cell spread over several lines, the next fields and rows carry the right line numbers. */
static void
test_positions_after_multiline(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "ref,kpis\n1.2a,\"first\nsecond\nthird\",x\n1.2b,\"\"\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 3);
	assert_int_equal(p.rows[1].line, 2);
	assert_field(&p.rows[1], 0, "1.2a", 2, 1);
	assert_field(&p.rows[1], 1, "first\nsecond\nthird", 2, 6);
	assert_field(&p.rows[1], 2, "x", 4, 8);
	assert_int_equal(p.rows[2].line, 5);
	assert_field(&p.rows[2], 0, "1.2b", 5, 1);
	assert_field(&p.rows[2], 1, "", 5, 6);
	parsed_free(&p);

	/* An error after the multi-line cell names the physical line too. */
	assert_error("a\n\"b\r\nc\r\nd\",e\r\nf\"g\r\n", 20, 2, "t.csv:5:2: " QUOTE_INSIDE);
}

/* Columns count characters, not bytes. */
static void
test_columns_count_characters(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "é,x\n😀,y\n“Hi”,‘z’,w\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 3);
	assert_field(&p.rows[0], 0, "é", 1, 1);
	assert_field(&p.rows[0], 1, "x", 1, 3);
	assert_field(&p.rows[1], 1, "y", 2, 3);
	assert_field(&p.rows[2], 1, "‘z’", 3, 6);
	assert_field(&p.rows[2], 2, "w", 3, 10);
	parsed_free(&p);

	/* Inside quotes too, and in an error's column. */
	parse(&p, "\"Children’s\",x\n");
	assert_field(&p.rows[0], 1, "x", 1, 14);
	parsed_free(&p);
	assert_error("Children’s,a\"b\n", strlen("Children’s,a\"b\n"), 0, "t.csv:1:13: " QUOTE_INSIDE);
}

/* One BOM at the very start is dropped; any other BOM is data. */
static void
test_bom(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p,
	    "\xef\xbb\xbf"
	    "ref,due_on\r\n1.1,2020-06-30\r\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 2);
	assert_field(&p.rows[0], 0, "ref", 1, 1);
	assert_field(&p.rows[0], 1, "due_on", 1, 5);
	parsed_free(&p);

	/* A BOM and nothing else is an empty file. */
	parse(&p, "\xef\xbb\xbf");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 0);
	parsed_free(&p);

	/* A second BOM (a file saved twice) is a character of the first field. */
	parse(&p,
	    "\xef\xbb\xbf\xef\xbb\xbf"
	    "ref,x\n");
	assert_field(&p.rows[0], 0,
	    "\xef\xbb\xbf"
	    "ref",
	    1, 1);
	assert_field(&p.rows[0], 1, "x", 1, 6);
	parsed_free(&p);

	/* A BOM later in the file is data. */
	parse(&p,
	    "a,b\n\xef\xbb\xbf"
	    "c,d\n");
	assert_field(&p.rows[1], 0,
	    "\xef\xbb\xbf"
	    "c",
	    2, 1);
	assert_field(&p.rows[1], 1, "d", 2, 4);
	parsed_free(&p);
}

/* Curly quotes are ordinary characters, kept byte for byte, quoted or not. */
static void
test_curly_quotes(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, "Children’s Social Care,“Ongoing”,\"‘Good’, he said\",\xe2\x80\x9c\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 1);
	assert_field(&p.rows[0], 0, "Children\xe2\x80\x99s Social Care", 1, 1);
	assert_field(&p.rows[0], 1, "\xe2\x80\x9cOngoing\xe2\x80\x9d", 1, 24);
	assert_field(&p.rows[0], 2, "\xe2\x80\x98Good\xe2\x80\x99, he said", 1, 34);
	assert_field(&p.rows[0], 3, "\xe2\x80\x9c", 1, 52);
	parsed_free(&p);
}

/* An empty file is no rows; a final line end is not a row; a blank line in the middle is. */
static void
test_empty_and_line_ends(void **state)
{
	struct parsed p;
	struct csv_reader *r;
	struct csv_row row = { 0 };
	char *cause = NULL;

	(void)state;
	parse_len(&p, "", 0);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.nrows, 0);
	parsed_free(&p);

	parse(&p, "\r\n\n\r");
	assert_int_equal(p.nrows, 0);
	parsed_free(&p);

	parse(&p, "a,b");
	assert_int_equal(p.nrows, 1);
	assert_field(&p.rows[0], 1, "b", 1, 3);
	parsed_free(&p);

	parse(&p, "a,b\n");
	assert_int_equal(p.nrows, 1);
	parsed_free(&p);

	parse(&p, "a,b\r\n\r\n\n");
	assert_int_equal(p.nrows, 1);
	parsed_free(&p);

	parse(&p, "a,\n");
	assert_int_equal(p.nrows, 1);
	assert_int_equal(p.rows[0].nfields, 2);
	assert_field(&p.rows[0], 1, "", 1, 3);
	parsed_free(&p);

	parse(&p, "a\n\nb\n");
	assert_int_equal(p.nrows, 3);
	assert_int_equal(p.rows[1].line, 2);
	assert_int_equal(p.rows[1].nfields, 1);
	assert_field(&p.rows[1], 0, "", 2, 1);
	assert_field(&p.rows[2], 0, "b", 3, 1);
	parsed_free(&p);

	parse(&p, "\nheader\n");
	assert_int_equal(p.nrows, 2);
	assert_field(&p.rows[0], 0, "", 1, 1);
	assert_field(&p.rows[1], 0, "header", 2, 1);
	parsed_free(&p);

	/* A quoted empty cell is a row even on the last line. */
	parse(&p, "a\n\"\"\n");
	assert_int_equal(p.nrows, 2);
	assert_field(&p.rows[1], 0, "", 2, 1);
	parsed_free(&p);

	/* The end stays the end. */
	r = csv_open_buffer("t.csv", "x\n", 2);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(csv_read(r, &row, &cause), 0);
	assert_int_equal(row.nfields, 0);
	assert_null(row.fields);
	assert_int_equal(csv_read(r, &row, &cause), 0);
	assert_null(cause);
	csv_close(r);
}

/* An unterminated quote is reported where it was opened. */
static void
test_error_unterminated(void **state)
{
	(void)state;
	assert_error("ref,action\n1.1,\"Audit the front door\n1.2,x\n", 43, 1, "t.csv:2:5: " UNTERMINATED);
	assert_error("\"", 1, 0, "t.csv:1:1: " UNTERMINATED);
	assert_error("é,\"\"\"", strlen("é,\"\"\""), 0, "t.csv:1:3: " UNTERMINATED);
}

/* Only a comma or a line end may follow a closing quote. */
static void
test_error_after_closing_quote(void **state)
{
	(void)state;
	assert_error("a,\"b\"c\n", 7, 0, "t.csv:1:6: " AFTER_QUOTE);
	assert_error("ok\n\"Due\" ,x\n", 12, 1, "t.csv:2:6: " AFTER_QUOTE);
	assert_error("\"a\nb\"\"\"x", 8, 0, "t.csv:2:5: " AFTER_QUOTE);
	assert_error("\"“x”\"”\n", strlen("\"“x”\"”\n"), 0, "t.csv:1:6: " AFTER_QUOTE);
}

/* A straight quote inside an unquoted field is an error, with its column. */
static void
test_error_quote_in_unquoted(void **state)
{
	(void)state;
	assert_error("a,5\" screen\n", 12, 0, "t.csv:1:4: " QUOTE_INSIDE);
	assert_error("a\nb, \"c\"\n", 9, 1, "t.csv:2:4: " QUOTE_INSIDE);
}

/* Bytes that are not UTF-8 are reported with the byte and its column. */
static void
test_error_invalid_utf8(void **state)
{
	(void)state;
	/* Windows-1252 é, as Excel's plain "CSV" save writes it. */
	assert_error("ok\ncaf\xe9,x\n", 10, 1, "t.csv:2:4: " NOT_UTF8 "0xE9)");
	/* Windows-1252 curly quotes, inside quotes, after a multibyte character. */
	assert_error("\"é \x93x\x94\"\n", 9, 0, "t.csv:1:4: " NOT_UTF8 "0x93)");
	/* A stray continuation byte, an overlong form, a surrogate, past U+10FFFF, a bad lead byte. */
	assert_error("a\x80", 2, 0, "t.csv:1:2: " NOT_UTF8 "0x80)");
	assert_error("\xc0\xaf", 2, 0, "t.csv:1:1: " NOT_UTF8 "0xC0)");
	assert_error("\xe0\x80\xaf", 3, 0, "t.csv:1:1: " NOT_UTF8 "0xE0)");
	assert_error("x,\xed\xa0\x80", 5, 0, "t.csv:1:3: " NOT_UTF8 "0xED)");
	assert_error("\xf4\x90\x80\x80", 4, 0, "t.csv:1:1: " NOT_UTF8 "0xF4)");
	assert_error("\xf8\x88\x80\x80\x80", 5, 0, "t.csv:1:1: " NOT_UTF8 "0xF8)");
	/* A sequence cut short by the end of the file or by a comma. */
	assert_error("a\xe2\x80", 3, 0, "t.csv:1:2: " NOT_UTF8 "0xE2)");
	assert_error("\xe2\x80,x", 4, 0, "t.csv:1:1: " NOT_UTF8 "0xE2)");
	/* The largest code point is fine. */
	assert_same_rows("\xf4\x8f\xbf\xbf,x\n", "\xf4\x8f\xbf\xbf,x\r\n");
}

/* A NUL byte is an error, quoted or not. */
static void
test_error_nul(void **state)
{
	(void)state;
	assert_error("a,b\0c\n", 6, 0, "t.csv:1:4: NUL byte (is this a text file?)");
	assert_error("a\n\"\0\"\n", 6, 1, "t.csv:2:2: NUL byte (is this a text file?)");
}

/* After an error the reader stops and keeps saying why; rows before it were fine. */
static void
test_error_stops_reader(void **state)
{
	struct csv_reader *r = csv_open_buffer("plan.csv", "a,b\nc,d\"\ne,f\n", 13);
	struct csv_row row = { 0 };
	char *cause = NULL;

	(void)state;
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_field(&row, 1, "b", 1, 3);
	assert_int_equal(csv_read(r, &row, &cause), -1);
	assert_int_equal(row.nfields, 0);
	assert_string_equal(cause, "plan.csv:2:4: " QUOTE_INSIDE);
	free(cause);
	cause = NULL;
	assert_int_equal(csv_read(r, &row, &cause), -1);
	assert_string_equal(cause, "plan.csv:2:4: " QUOTE_INSIDE);
	free(cause);
	assert_string_equal(csv_name(r), "plan.csv");
	csv_close(r);
	csv_close(NULL);
}

/* One row struct read into again and again frees what it held (ASan checks the leaks). */
static void
test_row_reused(void **state)
{
	struct csv_reader *r = csv_open_buffer("t.csv", "a,b,c,d,e\nf\n\"g\nh\",i\n", 20);
	struct csv_row row = { 0 };
	char *cause = NULL;

	(void)state;
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(row.nfields, 5);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(row.nfields, 1);
	assert_int_equal(row.line, 2);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(row.line, 3);
	assert_field(&row, 1, "i", 4, 4);
	csv_row_clear(&row);
	csv_row_clear(&row);
	csv_close(r);
}

/* A very long line with many fields: columns stay right and reading stays linear. */
static void
test_long_line(void **state)
{
	size_t n = 100000, i;
	char *data = xmalloc(n * 3 + 1);
	struct parsed p;

	(void)state;
	for (i = 0; i < n; i++)
		memcpy(data + i * 3, "é,", 3);
	data[n * 3 - 1] = '\n';
	parse_len(&p, data, n * 3);
	assert_int_equal(p.nrows, 1);
	assert_int_equal(p.rows[0].nfields, n);
	assert_field(&p.rows[0], n - 1, "é", 1, (int)(n * 2 - 1));
	parsed_free(&p);
	free(data);
}

static const char *const plan_names[] = { "ref", "action", "lead_role", "starts_on", "due_on", NULL };
static const int plan_required[] = { 1, 1, 1, 0, 1 };

/* Map the header of data; returns what csv_header_map did, with its errors. */
static int
map_header(const char *data, int index[], char **errors)
{
	struct csv_reader *r = csv_open_buffer("plan.csv", data, strlen(data));
	struct csv_row header = { 0 };
	char *cause = NULL;
	int rc;

	assert_int_equal(csv_read(r, &header, &cause), 1);
	rc = csv_header_map(r, &header, plan_names, plan_required, index, errors);
	csv_row_clear(&header);
	csv_close(r);
	return rc;
}

/* Columns in any order, surrounding spaces trimmed, an optional column absent. */
static void
test_header_map_ok(void **state)
{
	int index[5];
	char *errors = NULL;

	(void)state;
	assert_int_equal(map_header("\xef\xbb\xbf"
				    "due_on, ref ,\"lead_role\",\taction\r\nx,y,z,w\r\n",
			     index, &errors),
	    0);
	assert_null(errors);
	assert_int_equal(index[0], 1);
	assert_int_equal(index[1], 3);
	assert_int_equal(index[2], 2);
	assert_int_equal(index[3], -1);
	assert_int_equal(index[4], 0);

	assert_int_equal(map_header("ref,action,lead_role,starts_on,due_on\n", index, &errors), 0);
	assert_null(errors);
	assert_int_equal(index[3], 3);
}

/* A missing required column names the header's line and column 1. */
static void
test_header_map_missing(void **state)
{
	int index[5];
	char *errors = NULL;

	(void)state;
	assert_int_equal(map_header("ref,action,lead_role\n", index, &errors), -1);
	assert_string_equal(errors, "plan.csv:1:1: missing column \"due_on\"");
	assert_int_equal(index[0], 0);
	assert_int_equal(index[3], -1);
	assert_int_equal(index[4], -1);
	free(errors);
}

/* An unknown column names itself, where it is, and what was expected; names match case and all. */
static void
test_header_map_unknown(void **state)
{
	int index[5];
	char *errors = NULL;

	(void)state;
	assert_int_equal(map_header("ref,action,lead_role,é,\"Due On\",due_on\n", index, &errors), -1);
	assert_string_equal(errors,
	    "plan.csv:1:22: unknown column \"é\" " EXPECTED "\n"
	    "plan.csv:1:24: unknown column \"Due On\" " EXPECTED);
	assert_int_equal(index[4], 5);
	free(errors);
}

/* A duplicate column points at both places. */
static void
test_header_map_duplicate(void **state)
{
	int index[5];
	char *errors = NULL;

	(void)state;
	assert_int_equal(map_header("ref,action,lead_role,due_on,ref \n", index, &errors), -1);
	assert_string_equal(errors, "plan.csv:1:29: duplicate column \"ref\" (first at 1:1)");
	assert_int_equal(index[0], 0);
	free(errors);
}

/* Several problems: header order, missing last, '\n' between, none at the end, appended to what was there. */
static void
test_header_map_many(void **state)
{
	int index[5];
	char *errors = xstrdup("earlier problem");

	(void)state;
	assert_int_equal(map_header("\nref\n", index, &errors), -1);
	assert_int_equal(map_header("action,\"re\nf\",action,,owner\n", index, &errors), -1);
	assert_string_equal(errors,
	    "earlier problem\n"
	    "plan.csv:1:1: unknown column \"\" " EXPECTED "\n"
	    "plan.csv:1:1: missing column \"ref\"\n"
	    "plan.csv:1:1: missing column \"action\"\n"
	    "plan.csv:1:1: missing column \"lead_role\"\n"
	    "plan.csv:1:1: missing column \"due_on\"\n"
	    "plan.csv:1:8: unknown column \"re\\nf\" " EXPECTED "\n"
	    "plan.csv:2:4: duplicate column \"action\" (first at 1:1)\n"
	    "plan.csv:2:11: unknown column \"\" " EXPECTED "\n"
	    "plan.csv:2:12: unknown column \"owner\" " EXPECTED "\n"
	    "plan.csv:1:1: missing column \"ref\"\n"
	    "plan.csv:1:1: missing column \"lead_role\"\n"
	    "plan.csv:1:1: missing column \"due_on\"");
	free(errors);
}

/* Invisible or unprintable characters in an unknown name are spelled out; a long name is cut. */
static void
test_header_map_shown_safely(void **state)
{
	char long_name[200], *errors = NULL, *want;
	int index[5];

	(void)state;
	assert_int_equal(
	    map_header("\xef\xbb\xbf\xef\xbb\xbfref,action,lead_role,due_on,\"a\"\"\\\x01\"\n", index, &errors), -1);
	assert_string_equal(errors,
	    "plan.csv:1:1: unknown column \"\\uFEFFref\" " EXPECTED "\n"
	    "plan.csv:1:30: unknown column \"a\\\"\\\\\\x01\" " EXPECTED "\n"
	    "plan.csv:1:1: missing column \"ref\"");
	free(errors);
	errors = NULL;

	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = '\0';
	memcpy(long_name + 79, "é", 2);
	assert_int_equal(map_header(long_name, index, &errors), -1);
	xasprintf(&want, "plan.csv:1:1: unknown column \"%.79s...\" " EXPECTED, long_name);
	assert_true(strncmp(errors, want, strlen(want)) == 0);
	assert_int_equal(errors[strlen(want)], '\n');
	free(want);
	free(errors);
}

/* Reading a file from disk, and the causes when it cannot be read. */
static void
test_open_file(void **state)
{
	char dir[] = "/tmp/dwcsvXXXXXX", *path, *cause = NULL, *want;
	struct csv_reader *r;
	struct csv_row row = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&path, "%s/plan.csv", dir);

	assert_null(csv_open(path, &cause));
	xasprintf(&want, "%s: No such file or directory", path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;

	assert_null(csv_open(dir, &cause));
	xasprintf(&want, "%s: Is a directory", dir);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	cause = NULL;

	f = fopen(path, "wb");
	assert_non_null(f);
	fputs("\xef\xbb\xbfref\r\n\"1.1\",\"a\"\r\n", f);
	fclose(f);
	r = csv_open(path, &cause);
	assert_non_null(r);
	assert_string_equal(csv_name(r), path);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_field(&row, 0, "ref", 1, 1);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(csv_read(r, &row, &cause), 0);
	csv_close(r);

	/* The file's name is in every message. */
	f = fopen(path, "wb");
	fputs("ref\n\"1.1\n", f);
	fclose(f);
	r = csv_open(path, &cause);
	assert_int_equal(csv_read(r, &row, &cause), 1);
	assert_int_equal(csv_read(r, &row, &cause), -1);
	xasprintf(&want, "%s:2:1: " UNTERMINATED, path);
	assert_string_equal(cause, want);
	free(want);
	free(cause);
	csv_close(r);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(path);
}

/* The real St Helens ILACS action plan: a header and 58 actions, 11 columns each. */
static void
test_sample_st_helens(void **state)
{
	static const char *const names[] = { "plan", "ref", "section", "section_title", "finding", "action",
		"lead_role", "starts_on", "due_on", "timescale_text", "kpis", NULL };
	static const int required[] = { 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0 };
	const char *dir = getenv("DRIFTWATCH_SAMPLES");
	char *path, *cause = NULL, *errors = NULL;
	struct csv_reader *r;
	struct csv_row row = { 0 };
	int index[11], nrows = 0, curly = 0, rc;
	size_t i;

	(void)state;
	xasprintf(&path, "%s/st-helens-ilacs-2020-actions.csv", dir != NULL ? dir : "/work/shared/samples");
	if (access(path, R_OK) != 0) {
		free(path);
		skip();
	}
	r = csv_open(path, &cause);
	assert_non_null(r);
	while ((rc = csv_read(r, &row, &cause)) == 1) {
		nrows++;
		assert_int_equal(row.line, nrows);
		assert_int_equal(row.nfields, 11);
		if (nrows == 1) {
			assert_int_equal(csv_header_map(r, &row, names, required, index, &errors), 0);
			assert_null(errors);
			for (i = 0; i < 11; i++)
				assert_int_equal(index[i], (int)i);
			continue;
		}
		assert_string_equal(row.fields[0].value, "st-helens-ilacs-2020");
		if (strstr(row.fields[6].value, "Children\xe2\x80\x99s") != NULL)
			curly++;
	}
	assert_int_equal(rc, 0);
	assert_null(cause);
	assert_int_equal(nrows, 59);
	assert_true(curly >= 2);
	csv_close(r);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_rows),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_crlf_lf_same),
		cmocka_unit_test(test_newline_in_quotes_kept),
		cmocka_unit_test(test_positions_after_multiline),
		cmocka_unit_test(test_columns_count_characters),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_curly_quotes),
		cmocka_unit_test(test_empty_and_line_ends),
		cmocka_unit_test(test_error_unterminated),
		cmocka_unit_test(test_error_after_closing_quote),
		cmocka_unit_test(test_error_quote_in_unquoted),
		cmocka_unit_test(test_error_invalid_utf8),
		cmocka_unit_test(test_error_nul),
		cmocka_unit_test(test_error_stops_reader),
		cmocka_unit_test(test_row_reused),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_header_map_ok),
		cmocka_unit_test(test_header_map_missing),
		cmocka_unit_test(test_header_map_unknown),
		cmocka_unit_test(test_header_map_duplicate),
		cmocka_unit_test(test_header_map_many),
		cmocka_unit_test(test_header_map_shown_safely),
		cmocka_unit_test(test_open_file),
		cmocka_unit_test(test_sample_st_helens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
