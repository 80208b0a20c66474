/*
 * links.c: the answer links a notice carries; see links.h. Who may answer what follows the
 * recipient's part in the notice: a dispute's responder records a response, its IRO resolves or
 * escalates, an action's lead officer updates progress, whoever is reminded of a review books or
 * records it, an ASYE's team manager records supervision and protected hours; every recipient may
 * say "This is not mine". Until [http] public_url is set a notice carries none, and says how its
 * answer is recorded instead.
 */
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "calendar.h"
#include "config.h"
#include "feed.h"
#include "links.h"
#include "log.h"
#include "store_feeds.h"
#include "token.h"
#include "xmalloc.h"

/* Which actions a recipient's part in a notice of a domain may answer (besides "not-mine"). */
static const struct {
	enum link_domain domain;
	const char *role; /* NULL: any part */
	const char *actions[3];
} links_by_role[] = {
	{ LINK_DISPUTE, "responder", { "dispute-respond" } },
	{ LINK_DISPUTE, "iro", { "dispute-resolve", "dispute-escalate" } },
	{ LINK_ACTION, "lead-officer", { "action-progress" } },
	{ LINK_REVIEW, "social-worker", { "review-booked", "review-held" } },
	{ LINK_REVIEW, "team-manager", { "review-booked", "review-held" } },
	{ LINK_REVIEW, "iro", { "review-booked", "review-held" } },
	{ LINK_ASYE, "team-manager", { "asye-supervision", "asye-hours" } },
};

/* The token's letter for a domain. */
static char
links_domain_letter(enum link_domain d)
{
	switch (d) {
	case LINK_ACTION:
		return 'a';
	case LINK_DISPUTE:
		return 'd';
	case LINK_REVIEW:
		return 'r';
	case LINK_ASYE:
		return 's';
	case LINK_DIGEST:
		break;
	}
	return 'n';
}

/* Copy a string into a token field; -1 (and a warning) when it does not fit. */
static int
links_field(char *dst, size_t size, const char *src, const char *action, const char *what)
{
	if (src == NULL)
		src = "";
	if (strlen(src) >= size) {
		log_warnx("links: %s: %s is too long for a link (%zu bytes): the notice goes without it", action, what,
		    strlen(src));
		return -1;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* The link's text: the action's label with DATE as the notice's date ("a date" without one). */
static char *
links_label(const struct answer_kind *k, int due)
{
	const char *at = strstr(k->label, "DATE");
	char when[DATE_BUFSZ], *label;

	if (at == NULL)
		return xstrdup(k->label);
	xasprintf(&label, "%.*s%s%s", (int)(at - k->label), k->label,
	    due != DATE_NONE ? date_format(due, when) : "a date", at + 4);
	return label;
}

/* Add one link for an action to out. */
static int
links_add(struct store *s, const struct config *cfg, const struct link_subject *sub, const char *action, time_t expires,
    time_t now, struct notice_links *out, char **cause)
{
	const struct answer_kind *k = answer_kind(action);
	const char *base = cfg->http_public_url;
	size_t blen = strlen(base);
	struct token t;
	char *text;

	if (k == NULL || out->n == NOTICE_LINKS_MAX)
		return 0;
	memset(&t, 0, sizeof t);
	t.purpose = TOKEN_ANSWER;
	t.domain = links_domain_letter(sub->domain);
	t.id = sub->id;
	t.due = sub->due;
	t.expires = expires;
	/* A field too long for a token loses that one link, never the notice. */
	if (links_field(t.action, sizeof t.action, action, action, "the action") != 0 ||
	    links_field(t.ref, sizeof t.ref, sub->ref, action, "the reference") != 0 ||
	    links_field(t.plan, sizeof t.plan, strcmp(action, "not-mine") == 0 ? sub->dedupe_key : sub->plan, action,
		"the plan or notice key") != 0 ||
	    links_field(t.recipient, sizeof t.recipient, sub->recipient, action, "the address") != 0)
		return 0;
	if ((text = token_make(s, &t, now, cause)) == NULL)
		return -1;
	while (blen > 0 && base[blen - 1] == '/')
		blen--;
	out->v[out->n].label = links_label(k, sub->due);
	xasprintf(&out->v[out->n].url, "%.*s/a/%s", (int)blen, base, text);
	out->n++;
	free(text);
	return 0;
}

/*
 * How to subscribe to one's calendar feed: said in the monthly digest, and in the first notice a
 * person gets (the first one to find no feed made for them; making the URL records one). Best
 * effort: without it the notice still goes.
 */
static void
links_feed(
    struct store *s, const struct config *cfg, const struct link_subject *sub, time_t now, struct notice_links *out)
{
	int64_t generation;
	char *cause = NULL;
	int rc;

	if (cfg->http_public_url == NULL || *cfg->http_public_url == '\0' || sub->recipient == NULL ||
	    strchr(sub->recipient, '@') == NULL)
		return;
	if (sub->domain != LINK_DIGEST) {
		rc = store_feed_generation(s, sub->recipient, 0, now, &generation, &cause);
		if (rc < 0) {
			log_warnx("links: %s", cause);
			free(cause);
		}
		if (rc != 1)
			return; /* they have had a feed URL already (or the store did not answer) */
	}
	out->feed_url = feed_url_for(s, cfg, sub->recipient);
}

/* See links.h. */
int
links_for_notice(struct store *s, const struct config *cfg, const struct link_subject *sub, time_t now,
    struct notice_links *out, char **cause)
{
	time_t expires;
	size_t i, j;

	memset(out, 0, sizeof *out);
	if (sub->domain == LINK_DIGEST) {
		links_feed(s, cfg, sub, now, out);
		return 0;
	}
	if (cfg->http_public_url == NULL || *cfg->http_public_url == '\0') {
		out->instead = xstrdup("To record what was done, tell your driftwatch administrator, or use the "
				       "council's usual form; the reminders stop once it is recorded.");
		return 0;
	}
	if (sub->recipient == NULL || *sub->recipient == '\0')
		return 0;
	/* Good to the end of the local day expiry from today, so a link never dies mid-morning. */
	expires = calendar_local_time(calendar_add(cfg->calendar, calendar_local_date(now), &cfg->links_expiry) + 1, 0);
	for (i = 0; i < sizeof links_by_role / sizeof links_by_role[0]; i++) {
		if (links_by_role[i].domain != sub->domain || sub->role == NULL ||
		    strcmp(links_by_role[i].role, sub->role) != 0)
			continue;
		for (j = 0; j < sizeof links_by_role[i].actions / sizeof links_by_role[i].actions[0] &&
		     links_by_role[i].actions[j] != NULL;
		     j++) {
			if (links_add(s, cfg, sub, links_by_role[i].actions[j], expires, now, out, cause) != 0)
				goto fail;
		}
	}
	if (sub->dedupe_key != NULL && links_add(s, cfg, sub, "not-mine", expires, now, out, cause) != 0)
		goto fail;
	links_feed(s, cfg, sub, now, out);
	return 0;
fail:
	notice_links_free(out);
	return -1;
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
