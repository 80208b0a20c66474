/*
 * driver.c: replays fuzz inputs without libFuzzer, so `make check` runs every fuzz target over its
 * corpus with the ordinary compiler (and again under ASan+UBSan). Each argument is one input file;
 * a crash or abort in the target fails the run.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Read a whole file; NULL when it cannot be read. */
static uint8_t *
driver_read(const char *path, size_t *len)
{
	uint8_t *buf = NULL, *grown;
	size_t size = 0, got;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len == size) {
			size = size == 0 ? 4096 : size * 2;
			if ((grown = realloc(buf, size)) == NULL)
				break;
			buf = grown;
		}
		got = fread(buf + *len, 1, size - *len, f);
		*len += got;
		if (got == 0) {
			if (ferror(f))
				break;
			fclose(f);
			return buf;
		}
	}
	fclose(f);
	free(buf);
	return NULL;
}

int
main(int argc, char **argv)
{
	uint8_t *data;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		if ((data = driver_read(argv[i], &len)) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
	}
	printf("%d inputs replayed\n", argc - 1);
	return 0;
}
