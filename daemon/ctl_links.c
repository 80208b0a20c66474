/*
 * ctl_links.c: driftwatchctl for answer links: `keys rotate` (a new signing key; the old one's
 * links keep working for [links] key_grace) and `link make` (the links a notice to someone would
 * carry, from the same links_for_notice the notices use: for an administrator re-sending a link,
 * and for the tests).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "ctl.h"
#include "links.h"
#include "store.h"
#include "token.h"
#include "xmalloc.h"

/* keys rotate */
static int
ctl_keys_rotate(struct ctl *c, int argc, char **argv)
{
	struct store *s;
	char *cause = NULL, until[DATE_BUFSZ];
	uint32_t id;

	(void)argv;
	if (argc != 1)
		return ctl_usage("keys rotate");
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0 || token_rotate(s, c->now, &id, &cause) != 0 || store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: keys rotate: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	date_format(calendar_add(c->cfg->calendar, c->today, &c->cfg->links_key_grace), until);
	printf(
	    "signing key %u is now current; links signed by older keys work until %s ([links] key_grace)\n", id, until);
	return CTL_EX_OK;
}

/* The domain a word names; -1 when none. */
static int
ctl_link_domain(const char *word, enum link_domain *d)
{
	static const struct {
		const char *word;
		enum link_domain d;
	} domains[] = { { "action", LINK_ACTION }, { "dispute", LINK_DISPUTE }, { "review", LINK_REVIEW },
		{ "asye", LINK_ASYE } };
	size_t i;

	for (i = 0; i < sizeof domains / sizeof domains[0]; i++) {
		if (strcmp(domains[i].word, word) == 0) {
			*d = domains[i].d;
			return 0;
		}
	}
	return -1;
}

/* link make DOMAIN --role ROLE --to EMAIL [--id N] [--ref REF] [--plan PLAN] [--due DATE] [--notice KEY] */
static int
ctl_link_make(struct ctl *c, int argc, char **argv)
{
	static const char *usage = "link make action|dispute|review|asye --role ROLE --to EMAIL [--id N] [--ref REF] "
				   "[--plan PLAN] [--due DATE] [--notice KEY]";
	static const struct option opts[] = { { "role", required_argument, NULL, 'r' },
		{ "to", required_argument, NULL, 't' }, { "id", required_argument, NULL, 'i' },
		{ "ref", required_argument, NULL, 'f' }, { "plan", required_argument, NULL, 'p' },
		{ "due", required_argument, NULL, 'd' }, { "notice", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 } };
	struct link_subject sub;
	struct notice_links out;
	struct store *s;
	char *cause = NULL, *end;
	int ch, i;

	memset(&sub, 0, sizeof sub);
	sub.due = DATE_NONE;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			sub.role = optarg;
			break;
		case 't':
			sub.recipient = optarg;
			break;
		case 'i':
			sub.id = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || sub.id <= 0)
				return ctl_usage(usage);
			break;
		case 'f':
			sub.ref = optarg;
			break;
		case 'p':
			sub.plan = optarg;
			break;
		case 'd':
			if (ctl_parse_date(c, "--due", optarg, &sub.due) != 0)
				return CTL_EX_USAGE;
			break;
		case 'n':
			sub.dedupe_key = optarg;
			break;
		default:
			return ctl_usage(usage);
		}
	}
	if (argc - optind != 1 || ctl_link_domain(argv[optind], &sub.domain) != 0 || sub.role == NULL ||
	    sub.recipient == NULL)
		return ctl_usage(usage);
	if (sub.dedupe_key == NULL)
		sub.dedupe_key = "ctl:link-make";
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0 || links_for_notice(s, c->cfg, &sub, c->now, &out, &cause) != 0 ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: link make: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (out.n == 0 && out.instead != NULL) {
		fprintf(stderr, "driftwatchctl: link make: no [http] public_url, so notices carry no links: %s\n",
		    out.instead);
		notice_links_free(&out);
		return CTL_EX_FAIL;
	}
	for (i = 0; i < out.n; i++)
		printf("%s\t%s\n", out.v[i].label, out.v[i].url);
	notice_links_free(&out);
	return CTL_EX_OK;
}

static const struct ctl_command ctl_keys_commands[] = {
	{ "rotate", ctl_keys_rotate,
	    "rotate    a new key signs the answer links from now (the old one's work for key_grace)" },
	{ NULL, NULL, NULL },
};

static const struct ctl_command ctl_link_commands[] = {
	{ "make", ctl_link_make,
	    "make action|dispute|review|asye --role ROLE --to EMAIL [--id N] [--ref REF] [--plan PLAN] [--due DATE] "
	    "[--notice KEY]   the links a notice to EMAIL would carry (LABEL, a tab, URL a line)" },
	{ NULL, NULL, NULL },
};

/* keys ... */
int
ctl_keys(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "keys", ctl_keys_commands, argc, argv);
}

/* link ... */
int
ctl_link(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "link", ctl_link_commands, argc, argv);
}
