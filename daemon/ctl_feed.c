/*
 * ctl_feed.c: driftwatchctl for calendar feeds: `feed url EMAIL` (the person's feed URL, to send
 * them or paste into their calendar) and `feed revoke EMAIL` (every feed URL of theirs so far stops
 * working; `feed url` then gives a new one).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit.h"
#include "config.h"
#include "ctl.h"
#include "feed.h"
#include "plan_disputes.h"
#include "store.h"

/* A person's address as typed: a plain one, or a usage error. */
static int
ctl_feed_email(const char *what, int argc, char **argv)
{
	if (argc != 2)
		return ctl_usage(what);
	if (!plan_disputes_address_ok(argv[1])) {
		fprintf(stderr, "driftwatchctl: %s: \"%s\" is not an email address\n", argv[0], argv[1]);
		return CTL_EX_USAGE;
	}
	return CTL_EX_OK;
}

/* feed url EMAIL */
static int
ctl_feed_url(struct ctl *c, int argc, char **argv)
{
	struct store *s;
	char *url = NULL, *cause = NULL;
	int rc;

	if ((rc = ctl_feed_email("feed url EMAIL", argc, argv)) != CTL_EX_OK)
		return rc;
	if (c->cfg->http_public_url == NULL || *c->cfg->http_public_url == '\0') {
		fprintf(stderr,
		    "driftwatchctl: feed url: no [http] public_url in %s: set it to the https:// address "
		    "people reach driftwatch at, then ask again\n",
		    c->config_path);
		return CTL_EX_CONFIG;
	}
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0 || feed_url(s, c->cfg, argv[1], c->now, &url, &cause) != 0 ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: feed url: %s\n", cause);
		free(cause), free(url);
		return CTL_EX_FAIL;
	}
	printf("%s\n", url);
	free(url);
	return CTL_EX_OK;
}

/* feed revoke EMAIL */
static int
ctl_feed_revoke(struct ctl *c, int argc, char **argv)
{
	struct store *s;
	char *cause = NULL, detail[64];
	int64_t generation;
	int rc;

	if ((rc = ctl_feed_email("feed revoke EMAIL", argc, argv)) != CTL_EX_OK)
		return rc;
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0 || feed_revoke(s, argv[1], c->now, &generation, &cause) != 0)
		goto fail;
	snprintf(detail, sizeof detail, "generation %lld", (long long)generation);
	if (audit_add(s, c->now, "ctl", "feed-revoked", argv[1], detail, &cause) != 0 || store_commit(s, &cause) != 0)
		goto fail;
	printf(
	    "every calendar feed URL of %s so far is refused from now; `driftwatchctl feed url %s` gives a new one\n",
	    argv[1], argv[1]);
	return CTL_EX_OK;
fail:
	store_rollback(s);
	fprintf(stderr, "driftwatchctl: feed revoke: %s\n", cause);
	free(cause);
	return CTL_EX_FAIL;
}

static const struct ctl_command ctl_feed_commands[] = {
	{ "url", ctl_feed_url, "url EMAIL      the person's calendar feed URL (needs [http] public_url)" },
	{ "revoke", ctl_feed_revoke, "revoke EMAIL   refuse every feed URL of the person's so far" },
	{ NULL, NULL, NULL },
};

/* feed ... */
int
ctl_feed(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "feed", ctl_feed_commands, argc, argv);
}
