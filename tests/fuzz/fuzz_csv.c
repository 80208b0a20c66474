/*
 * fuzz_csv.c: libFuzzer target for the CSV reader. Any bytes are read row by row until the end or
 * an error, the first row is mapped as a header, and what every importer relies on is checked:
 * values NUL-terminated at their length, positions 1-based and moving forward, errors named.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Abort (a finding for libFuzzer) unless a row is as csv.h promises. */
static void
fuzz_check_row(const struct csv_row *row, int previous_line)
{
	const struct csv_field *f;
	size_t i;

	if (row->nfields == 0 || row->line <= previous_line)
		abort();
	for (i = 0; i < row->nfields; i++) {
		f = &row->fields[i];
		if (f->value == NULL || strlen(f->value) != f->len || f->column < 1 || f->line < row->line)
			abort();
		if (i > 0 && (f->line < f[-1].line || (f->line == f[-1].line && f->column <= f[-1].column)))
			abort();
	}
}

/* One input: read it all, map its header, free everything. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "ref", "action", "lead_role", "due_on", NULL };
	static const int required[] = { 1, 1, 0, 1 };
	struct csv_reader *r = csv_open_buffer("fuzz.csv", (const char *)data, size);
	struct csv_row row = { 0 };
	char *cause = NULL, *errors = NULL;
	int index[4], rc, line = 0;

	while ((rc = csv_read(r, &row, &cause)) == 1) {
		fuzz_check_row(&row, line);
		if (line == 0 && csv_header_map(r, &row, names, required, index, &errors) == -1 && errors == NULL)
			abort();
		free(errors);
		errors = NULL;
		line = row.line;
	}
	if (rc == -1) {
		if (cause == NULL || strncmp(cause, "fuzz.csv:", 9) != 0)
			abort();
		free(cause);
		cause = NULL;
		/* The reader stays stopped. */
		if (csv_read(r, &row, &cause) != -1 || cause == NULL)
			abort();
		free(cause);
	} else if (rc != 0 || cause != NULL)
		abort();
	csv_row_clear(&row);
	csv_close(r);
	return 0;
}
