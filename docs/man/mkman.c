/*
 * mkman.c: writes driftwatch.ini(5) from its template and the config key table, so the manual
 * lists exactly the keys the daemon accepts, with their defaults and help (it cannot drift).
 * Usage: mkman < driftwatch.ini.5.in > driftwatch.ini.5. A template line "@KEYS SECTION@" becomes
 * that section's keys; every other line is copied as it is. A template section with no keys, or a
 * key table section the template never names, is an error: the page would say less than the table.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"

/* Write text for roff: backslashes escaped, a leading dot or quote made literal, lines joined by "; ". */
static void
mkman_text(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-')
			fputs("\\-", stdout);
		else if (*s == '\n')
			fputs(s[1] != '\0' ? "; " : "", stdout);
		else
			putchar(*s);
	}
}

/* Write one section's keys as tagged paragraphs; returns how many. */
static int
mkman_keys(const char *section)
{
	const struct config_key_info *k;
	int i, n = 0;

	for (i = 0; (k = config_key_at(i)) != NULL; i++) {
		if (strcmp(k->section, section) != 0)
			continue;
		printf(".TP\n.B ");
		mkman_text(k->name);
		printf("\n");
		mkman_text(k->help);
		printf(".\nType %s; default ", k->type);
		if (k->def == NULL)
			printf("none (required)");
		else if (*k->def == '\0')
			printf("none");
		else {
			printf("\\fB");
			mkman_text(k->def);
			printf("\\fR");
		}
		printf("%s\n", k->reloadable ? "." : "; a change needs a restart.");
		n++;
	}
	return n;
}

/* Is the key table's section named by one of the template's @KEYS lines? */
static int
mkman_named(char named[][64], int n, const char *section)
{
	int i;

	for (i = 0; i < n; i++) {
		if (strcmp(named[i], section) == 0)
			return 1;
	}
	return 0;
}

int
main(void)
{
	char line[4096], section[64], named[64][64];
	const struct config_key_info *k;
	int lineno = 0, nnamed = 0, i;

	while (fgets(line, sizeof line, stdin) != NULL) {
		lineno++;
		if (sscanf(line, "@KEYS %63[a-z_]@", section) == 1) {
			if (mkman_keys(section) == 0) {
				fprintf(stderr, "mkman: line %d: no keys in section [%s]\n", lineno, section);
				return 1;
			}
			if (nnamed < 64)
				strcpy(named[nnamed++], section);
			continue;
		}
		fputs(line, stdout);
	}
	for (i = 0; (k = config_key_at(i)) != NULL; i++) {
		if (!mkman_named(named, nnamed, k->section)) {
			fprintf(stderr, "mkman: the template has no @KEYS %s@ for key %s.%s\n", k->section, k->section,
			    k->name);
			return 1;
		}
	}
	return 0;
}
