/*
 * roles.h: who holds a role, and whom they report to. Roles come from `driftwatchctl import roles`
 * (key, title, reports_to) and from [role "KEY"] sections in the ini; the ini wins for email and
 * transport, and for reports_to when it sets one. A plan's lead_role is matched by title (several
 * titles may map to one key) or by key.
 */
#ifndef DRIFTWATCH_ROLES_H
#define DRIFTWATCH_ROLES_H

#include <stdbool.h>

struct config;
struct store;

struct role_route {
	char *key;
	char *email;	 /* NULL when nobody has given one */
	char *transport; /* the transport to use */
};

/* The role key for a title or key, or NULL. Caller frees. */
char *roles_match(struct store *s, const struct config *cfg, const char *title_or_key);
/* Is this a known role key (ini or database)? */
bool roles_exists(struct store *s, const struct config *cfg, const char *key);
/* The key this role reports to, or NULL. Caller frees. */
char *roles_reports_to(struct store *s, const struct config *cfg, const char *key);
/* Where a role's notices go. 0, or -1 with *cause "role KEY has no email (add email = ... to [role \"KEY\"])". */
int roles_route(struct store *s, const struct config *cfg, const char *key, struct role_route *route, char **cause);
void role_route_free(struct role_route *r);

/* Import (store side): replace the role table with these rows, in the caller's transaction. */
struct role_row {
	const char *key, *title, *reports_to;
};
int roles_replace(struct store *s, const struct role_row *rows, int n, char **cause);

#endif
