/*
 * links.c: the answer links a notice carries; see links.h. Until [http] public_url is set a notice
 * carries none, and says how its answer is recorded instead.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "links.h"
#include "xmalloc.h"

/* See links.h. */
int
links_for_notice(struct store *s, const struct config *cfg, const struct link_subject *sub, time_t now,
    struct notice_links *out, char **cause)
{
	(void)s, (void)now, (void)cause;
	memset(out, 0, sizeof *out);
	if (sub->domain == LINK_DIGEST)
		return 0;
	if (cfg->http_public_url == NULL || *cfg->http_public_url == '\0') {
		out->instead = xstrdup("To record what was done, tell your driftwatch administrator, or use the "
				       "council's usual form; the reminders stop once it is recorded.");
		return 0;
	}
	return 0;
}

/* See links.h. */
void
notice_links_free(struct notice_links *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].label), free(l->v[i].url);
	free(l->feed_url);
	free(l->instead);
	memset(l, 0, sizeof *l);
}
