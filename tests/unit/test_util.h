/*
 * test_util.h: helpers the unit tests share. Include after <cmocka.h> (and its prerequisites).
 */
#ifndef DRIFTWATCH_TEST_UTIL_H
#define DRIFTWATCH_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "xmalloc.h"

/* The repository's top folder: DRIFTWATCH_TOP when set, else the current directory. */
static inline const char *
top_dir(void)
{
	const char *top = getenv("DRIFTWATCH_TOP");

	return top != NULL ? top : ".";
}

/* Path of a repository file (below top_dir()). */
static inline char *
top_path(const char *rel)
{
	char *p;

	xasprintf(&p, "%s/%s", top_dir(), rel);
	return p;
}

/* Write content to DIR/NAME with this mode; returns the path (caller frees). The test fails if it cannot. */
static inline char *
write_temp_file(const char *dir, const char *name, const char *content, mode_t mode)
{
	char *path;
	FILE *f;

	xasprintf(&path, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		fail_msg("cannot write %s", path);
	fputs(content, f);
	fclose(f);
	if (chmod(path, mode) != 0)
		fail_msg("cannot chmod %s", path);
	return path;
}

/* Read a whole repository file; the test fails if it cannot be opened. */
static inline char *
slurp(const char *rel)
{
	char *path = top_path(rel), *buf;
	FILE *f = fopen(path, "r");
	long n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = xmalloc((size_t)n + 1);
	buf[fread(buf, 1, (size_t)n, f)] = '\0';
	fclose(f);
	free(path);
	return buf;
}

#endif
