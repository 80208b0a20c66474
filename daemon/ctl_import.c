/*
 * ctl_import.c: `driftwatchctl import KIND FILE...` — the table of importers, and the roles import.
 * Every importer validates everything first and reports every problem as FILE:LINE:COLUMN; only a
 * clean file is written, in one transaction (exit 65 and nothing imported otherwise).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "csv.h"
#include "ctl.h"
#include "import.h"
#include "roles.h"
#include "store.h"
#include "xmalloc.h"

/* import roles FILE.csv: role, title, reports_to. */
static int
ctl_import_roles(struct ctl *c, int argc, char **argv)
{
	static const char *const names[] = { "role", "title", "reports_to", NULL };
	static const int required[] = { 1, 1, 1 };
	struct import_errors e = { 0 };
	struct csv_reader *r;
	struct csv_row row = { 0 };
	struct role_row *rows = NULL;
	int index[3], ncol, n = 0, i, j, bad, rc, *lines = NULL, *cols = NULL;
	char *cause = NULL, *summary;
	struct store *s;

	if (argc != 2)
		return ctl_usage("import roles FILE.csv");
	e.file = argv[1];
	if ((r = import_open(&e, argv[1], names, required, index, &ncol)) == NULL)
		return import_errors_report(&e);
	while ((rc = import_next(&e, r, &row, ncol, &bad)) == 1) {
		const struct csv_field *key = import_field(&row, index, 0), *title = import_field(&row, index, 1);
		const struct csv_field *up = import_field(&row, index, 2);
		if (bad)
			continue;
		if (import_required(&e, key, "role") != 0 || import_required(&e, title, "title") != 0)
			continue;
		if (strcspn(key->value, " \t,:") != key->len) {
			import_error(&e, key->line, key->column, "role: \"%s\": a key has no spaces, commas or colons", key->value);
			continue;
		}
		rows = xreallocarray(rows, (size_t)n + 1, sizeof *rows);
		lines = xreallocarray(lines, (size_t)n + 1, sizeof *lines);
		cols = xreallocarray(cols, (size_t)n + 1, sizeof *cols);
		rows[n].key = xstrdup(key->value);
		rows[n].title = xstrdup(title->value);
		rows[n].reports_to = xstrdup(up->value);
		lines[n] = up->line;
		cols[n] = up->column;
		for (j = 0; j < n; j++) {
			if (strcmp(rows[j].title, rows[n].title) == 0 && strcmp(rows[j].key, rows[n].key) != 0)
				import_error(&e, title->line, title->column, "title \"%s\" already maps to role %s (line %d)",
				    title->value, rows[j].key, lines[j]);
		}
		n++;
	}
	csv_row_clear(&row);
	csv_close(r);
	s = ctl_store(c);
	/* Every reports_to names a role in this file or the ini, and no chain comes back on itself. */
	for (i = 0; i < n; i++) {
		const char *up = rows[i].reports_to;
		int found = *up == '\0' || config_role(c->cfg, up) != NULL, hops;
		for (j = 0; j < n && !found; j++)
			found = strcmp(rows[j].key, up) == 0;
		if (!found) {
			import_error(&e, lines[i], cols[i], "reports_to: unknown role \"%s\"", up);
			continue;
		}
		for (hops = 0, up = rows[i].reports_to; *up != '\0' && hops <= n; hops++) {
			const char *next = "";
			if (strcmp(up, rows[i].key) == 0) {
				import_error(&e, lines[i], cols[i], "reports_to: role %s reports back to itself through %s",
				    rows[i].key, rows[i].reports_to);
				break;
			}
			for (j = 0; j < n; j++) {
				if (strcmp(rows[j].key, up) == 0 && *rows[j].reports_to != '\0') {
					next = rows[j].reports_to;
					break;
				}
			}
			up = next;
		}
	}
	rc = import_errors_report(&e);
	if (rc == 0) {
		xasprintf(&summary, "%d titles", n);
		if (store_begin(s, &cause) != 0 || roles_replace(s, rows, n, &cause) != 0 ||
		    store_import_log(s, c->now, "roles", argv[1], summary, &cause) != 0 ||
		    audit_add(s, c->now, "ctl:import", "roles-imported", "roles", summary, &cause) != 0 ||
		    store_commit(s, &cause) != 0) {
			store_rollback(s);
			fprintf(stderr, "driftwatchctl: import roles: %s; nothing imported\n", cause);
			free(cause);
			rc = CTL_EX_FAIL;
		} else
			printf("%s: %s imported\n", argv[1], summary);
		free(summary);
	}
	for (i = 0; i < n; i++) {
		free((void *)(uintptr_t)rows[i].key);
		free((void *)(uintptr_t)rows[i].title);
		free((void *)(uintptr_t)rows[i].reports_to);
	}
	free(rows), free(lines), free(cols);
	return rc;
}

/* Every importer. */
static const struct ctl_command ctl_import_commands[] = {
	{ "roles", ctl_import_roles, "roles FILE.csv              role, title, reports_to" },
	{ "actions", ctl_import_actions, "actions FILE.csv            plan, ref, section, ..., lead_role, starts_on, due_on" },
	{ "allocations", ctl_import_allocations, "allocations FILE.csv        case_ref, team, social_worker, social_worker_email, team_manager, team_manager_email, iro, iro_email" },
	{ "ssda903", ctl_import_ssda903, "ssda903 [--strict|--no-strict] DIR_OR_FILES...   header.csv, episodes.csv, reviews.csv (SSDA903)" },
	{ "permanence", ctl_import_permanence, "permanence FILE.csv         case_ref, plan, agreed_on" },
	{ "disputes", ctl_import_disputes, "disputes FILE.csv           id, case_ref, iro_email, category, raised_on, stage, stage_started_on, resolved_on, outcome" },
	{ "workforce", ctl_import_workforce, "workforce FILE.csv          person_id, name, email, role, team, manager_email, asye_started_on, contracted_hours, caseload" },
	{ "protected-time", ctl_import_protected_time, "protected-time FILE.csv     person_id, week_of, hours" },
	{ "supervisions", ctl_import_supervisions, "supervisions FILE.csv       person_id, held_on" },
	{ NULL, NULL, NULL },
};

/* import KIND FILE... */
int
ctl_import(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "import", ctl_import_commands, argc, argv);
}
