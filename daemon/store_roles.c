/*
 * store_roles.c: roles and their titles in the database, merged with the ini's [role] sections
 * (the ini wins for email and transport, and for reports_to when it sets one).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "outbox.h"
#include "roles.h"
#include "store_int.h"
#include "xmalloc.h"

/* Match a title or key; see roles.h. */
char *
roles_match(struct store *s, const struct config *cfg, const char *title_or_key)
{
	sqlite3_stmt *st;
	char *key = NULL;
	int i, j;

	for (i = 0; i < cfg->nroles; i++) {
		if (strcmp(cfg->roles[i].key, title_or_key) == 0)
			return xstrdup(cfg->roles[i].key);
		for (j = 0; j < cfg->roles[i].ntitles; j++) {
			if (strcmp(cfg->roles[i].titles[j], title_or_key) == 0)
				return xstrdup(cfg->roles[i].key);
		}
	}
	st = store_prepare(
	    s, "SELECT role FROM role_titles WHERE title = ?1 UNION ALL SELECT key FROM roles WHERE key = ?1 LIMIT 1");
	store_bind_text(st, 1, title_or_key);
	if (sqlite3_step(st) == SQLITE_ROW)
		key = store_column_strdup(st, 0);
	sqlite3_finalize(st);
	return key;
}

/* Is the key known? */
bool
roles_exists(struct store *s, const struct config *cfg, const char *key)
{
	sqlite3_stmt *st;
	bool found;

	if (config_role(cfg, key) != NULL)
		return true;
	st = store_prepare(s, "SELECT 1 FROM roles WHERE key = ?");
	store_bind_text(st, 1, key);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/* The line manager's key. */
char *
roles_reports_to(struct store *s, const struct config *cfg, const char *key)
{
	const struct config_role *r = config_role(cfg, key);
	sqlite3_stmt *st;
	char *up = NULL;

	if (r != NULL && r->reports_to != NULL)
		return xstrdup(r->reports_to);
	st = store_prepare(s, "SELECT reports_to FROM roles WHERE key = ? AND reports_to <> ''");
	store_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		up = store_column_strdup(st, 0);
	sqlite3_finalize(st);
	return up;
}

/* Where a role's notices go. */
int
roles_route(struct store *s, const struct config *cfg, const char *key, struct role_route *route, char **cause)
{
	const struct config_role *r = config_role(cfg, key);
	sqlite3_stmt *st;

	memset(route, 0, sizeof *route);
	route->key = xstrdup(key);
	if (r != NULL && r->email != NULL)
		route->email = xstrdup(r->email);
	else {
		st = store_prepare(s, "SELECT email FROM roles WHERE key = ? AND email <> ''");
		store_bind_text(st, 1, key);
		if (sqlite3_step(st) == SQLITE_ROW)
			route->email = store_column_strdup(st, 0);
		sqlite3_finalize(st);
	}
	route->transport = xstrdup(outbox_transport_for(cfg, r != NULL ? r->transport : NULL));
	if (route->email == NULL) {
		xasprintf(cause, "role %s has no email (add email = ... to [role \"%s\"] in the ini)", key, key);
		return -1;
	}
	return 0;
}

/* Free a route. */
void
role_route_free(struct role_route *r)
{
	free(r->key), free(r->email), free(r->transport);
	memset(r, 0, sizeof *r);
}

/* Replace the role table (titles and reporting lines); emails set by hand are kept. */
int
roles_replace(struct store *s, const struct role_row *rows, int n, char **cause)
{
	sqlite3_stmt *st;
	int i, rc = -1;

	if (store_exec(s, "DELETE FROM role_titles", cause) != 0)
		return -1;
	st = store_prepare(s,
	    "INSERT INTO roles (key, reports_to) VALUES (?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET reports_to = excluded.reports_to");
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		store_bind_text(st, 1, rows[i].key);
		store_bind_text(
		    st, 2, rows[i].reports_to != NULL && *rows[i].reports_to != '\0' ? rows[i].reports_to : NULL);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, cause, "roles");
			goto out;
		}
	}
	sqlite3_finalize(st);
	st = store_prepare(s,
	    "INSERT INTO role_titles (title, role) VALUES (?, ?) ON CONFLICT(title) DO UPDATE SET role = excluded.role");
	for (i = 0; i < n; i++) {
		sqlite3_reset(st);
		store_bind_text(st, 1, rows[i].title);
		store_bind_text(st, 2, rows[i].key);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, cause, "role titles");
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
