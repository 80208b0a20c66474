/*
 * notice.c: the one notice layer; see notice.h. A domain fills a struct notice_spec; routing,
 * keying, the answer links and the enqueue are done here the same way for every domain, and the
 * rendering (notice_render.c) gives every mail one look.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "allocations.h"
#include "calendar.h"
#include "config.h"
#include "notice.h"
#include "outbox.h"
#include "plan_disputes.h"
#include "roles.h"
#include "xmalloc.h"

/* The email an allocation gives for a field, or NULL. */
static const char *
notice_allocation_email(const struct allocation *a, const char *field)
{
	if (strcmp(field, "social-worker") == 0)
		return a->social_worker_email;
	if (strcmp(field, "team-manager") == 0)
		return a->team_manager_email;
	if (strcmp(field, "iro") == 0)
		return a->iro_email;
	return NULL;
}

/* The role key a team gives instead of the ladder's head-of-service or assistant-director. */
static const char *
notice_team_role(const struct config *cfg, const char *name, const char *key)
{
	const struct config_team *team;

	if (name == NULL || *name == '\0' || (team = config_team(cfg, name)) == NULL)
		return key;
	if (strcmp(key, "head-of-service") == 0 && team->head_of_service != NULL && *team->head_of_service != '\0')
		return team->head_of_service;
	if (strcmp(key, "assistant-director") == 0 && team->assistant_director != NULL &&
	    *team->assistant_director != '\0')
		return team->assistant_director;
	return key;
}

/* See notice.h. */
int
notice_route(
    struct store *s, const struct config *cfg, const struct notice_to *to, struct notice_route *out, char **why)
{
	struct allocation loaded;
	const struct allocation *a = to->allocation;
	struct role_route route;
	const char *email, *key, *label = to->label != NULL ? to->label : to->who;
	int rc = -1;

	memset(out, 0, sizeof *out);
	*why = NULL;
	if (to->kind == NOTICE_TO_ADDRESS) {
		out->address = xstrdup(to->who);
		out->transport = xstrdup(outbox_transport_for(cfg, NULL));
		return 0;
	}
	if (a == NULL && to->load_allocation && to->case_ref != NULL && allocation_get(s, to->case_ref, &loaded) == 0)
		a = &loaded;
	if (to->kind == NOTICE_TO_ALLOCATION) {
		if (a == NULL)
			xasprintf(why, "case %s has no allocation (driftwatchctl import allocations)", to->case_ref);
		else if ((email = notice_allocation_email(a, to->who)) == NULL || !plan_disputes_address_ok(email))
			xasprintf(why, "case %s has no %s email in the allocations (driftwatchctl import allocations)",
			    to->case_ref, label);
		else {
			out->address = xstrdup(email);
			out->transport = xstrdup(outbox_transport_for(cfg, NULL));
			rc = 0;
		}
		goto out;
	}
	key = notice_team_role(cfg, a != NULL ? a->team : to->team, to->who);
	if (roles_route(s, cfg, key, &route, why) == 0) {
		if (!plan_disputes_address_ok(route.email))
			xasprintf(why, "role %s's email \"%s\" is not one address", key, route.email);
		else {
			out->address = route.email;
			out->transport = route.transport;
			out->role = xstrdup(key);
			route.email = route.transport = NULL;
			rc = 0;
		}
	}
	role_route_free(&route);
out:
	if (a == &loaded)
		allocation_free(&loaded);
	return rc;
}

/* See notice.h. */
int
notice_route_pair(
    struct store *s, const struct config *cfg, const struct notice_to *to, char **address, char **transport, char **why)
{
	struct notice_route route;

	*address = *transport = NULL;
	if (notice_route(s, cfg, to, &route, why) != 0)
		return -1;
	*address = route.address;
	*transport = route.transport;
	free(route.role);
	return 0;
}

/* See notice.h. */
void
notice_route_free(struct notice_route *r)
{
	free(r->address), free(r->transport), free(r->role);
	memset(r, 0, sizeof *r);
}

/* See notice.h. */
char *
notice_key(const char *prefix, const char *recipient, ...)
{
	const char *part;
	char *key = xstrdup(prefix);
	va_list ap;

	va_start(ap, recipient);
	while ((part = va_arg(ap, const char *)) != NULL)
		xappendf(&key, ":%s", part);
	va_end(ap);
	xappendf(&key, ":%s", recipient);
	return key;
}

/* See notice.h. */
int
notice_parts_for(const struct config *cfg, const char *transport)
{
	const struct config_transport *ct = config_transport(cfg, transport);
	const char *type, *format;

	if (ct == NULL || (type = ct->t.type) == NULL)
		return NOTICE_PARTS_ALL;
	format = ct->t.format;
	if (strcmp(type, "smtp") == 0 || (strcmp(type, "file") == 0 && (format == NULL || strcmp(format, "eml") == 0)))
		return NOTICE_PART_HTML;
	if (strcmp(type, "webhook") == 0 || strcmp(type, "file") == 0)
		return NOTICE_PART_PAYLOAD;
	return NOTICE_PARTS_ALL;
}

/* See notice.h. */
int
notice_enqueue(struct store *s, const struct config *cfg, const struct notice_spec *n, const struct notice_route *to,
    time_t now, int *added, char **cause)
{
	struct link_subject sub;
	struct notice_links links;
	struct notice_rendered r;
	struct outbox_item o;
	int rc;

	if (added != NULL)
		*added = 0;
	/* Queued by an earlier pass: the enqueue would be a no-op, so render nothing. */
	if (notice_state(s, n->dedupe_key, NULL))
		return 0;
	sub = (struct link_subject){ .domain = n->domain,
		.role = n->role,
		.id = n->id,
		.ref = n->ref,
		.plan = n->plan,
		.due = n->due,
		.recipient = to->address,
		.dedupe_key = n->dedupe_key };
	if (links_for_notice(s, cfg, &sub, now, &links, cause) != 0)
		return -1;
	/* Only what the route's transport sends: at 80,000 children the first pass wrote 189 MB of
	 * webhook payloads for a file transport of .eml files, a fifth of the database. */
	notice_render_parts(n, &links, notice_parts_for(cfg, to->transport), &r);
	o = (struct outbox_item){ .dedupe_key = n->dedupe_key,
		.kind = n->kind,
		.transport = to->transport,
		.recipient = to->address,
		.subject = n->subject,
		.body_text = r.text,
		.body_html = r.html,
		.payload = r.payload,
		.batch_text = r.batch_text,
		.batch_html = r.batch_html,
		.urgency = n->urgency,
		.urgent = n->urgent,
		.not_before = n->not_before };
	rc = outbox_enqueue(s, cfg, &o, now, added, cause);
	notice_rendered_free(&r);
	notice_links_free(&links);
	return rc;
}
