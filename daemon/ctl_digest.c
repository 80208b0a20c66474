/*
 * ctl_digest.c: `driftwatchctl digest preview` prints a month's digest without sending it, and
 * `digest send` puts it in the outbox now for every recipient of a [digest "NAME"]. Both default
 * to the month just ended, the one the daemon sends on the first working day.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "digest.h"
#include "store.h"

/* Options shared by preview and send. */
struct ctl_digest_opts {
	int year, month;
	const char *format;
	const char *name;
	int again;
};

/* Parse [--month YYYY-MM] [--format F] [--name NAME] [--again]; positional NAME for send. -1 on a bad one. */
static int
ctl_digest_options(struct ctl *c, int argc, char **argv, int want_name, struct ctl_digest_opts *o)
{
	struct option opts[] = { { "month", required_argument, NULL, 'm' }, { "format", required_argument, NULL, 'f' },
		{ "name", required_argument, NULL, 'n' }, { "again", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
	int ch;

	memset(o, 0, sizeof *o);
	digest_month_reported(c->today, &o->year, &o->month);
	o->format = "text";
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'm':
			if (digest_parse_month(optarg, &o->year, &o->month) != 0) {
				fprintf(
				    stderr, "driftwatchctl: digest: --month \"%s\" is not a month (YYYY-MM)\n", optarg);
				return -1;
			}
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'a':
			o->again = 1;
			break;
		default:
			return -1;
		}
	}
	if (want_name) {
		if (optind + 1 != argc)
			return -1;
		o->name = argv[optind];
	} else if (optind != argc)
		return -1;
	return 0;
}

/* The [digest] by name, or a message naming those there are. */
static const struct config_digest *
ctl_digest_find(struct ctl *c, const char *name)
{
	const struct config_digest *dc = config_digest(c->cfg, name);
	int i;

	if (dc != NULL)
		return dc;
	fprintf(stderr, "driftwatchctl: digest: no [digest \"%s\"] in the rules", name);
	for (i = 0; i < c->cfg->ndigests; i++)
		fprintf(stderr, "%s\"%s\"", i == 0 ? " (there is " : ", ", c->cfg->digests[i].name);
	fprintf(stderr, "%s\n", c->cfg->ndigests > 0 ? ")" : "");
	return NULL;
}

/* digest preview [--month YYYY-MM] [--format text|html|csv|json] [--name NAME] */
static int
ctl_digest_preview(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "digest preview [--month YYYY-MM] [--format text|html|csv|json] [--name NAME]";
	const struct config_digest *dc = NULL;
	struct ctl_digest_opts o;
	struct digest *d;
	char *cause = NULL, *out;

	if (ctl_digest_options(c, argc, argv, 0, &o) != 0 || o.again)
		return ctl_usage(usage);
	if (strcmp(o.format, "text") != 0 && strcmp(o.format, "html") != 0 && strcmp(o.format, "csv") != 0 &&
	    strcmp(o.format, "json") != 0) {
		fprintf(
		    stderr, "driftwatchctl: digest preview: --format \"%s\": want text, html, csv or json\n", o.format);
		return CTL_EX_USAGE;
	}
	if (o.name != NULL && (dc = ctl_digest_find(c, o.name)) == NULL)
		return CTL_EX_USAGE;
	if (digest_build(ctl_store(c), c->cfg, dc, o.year, o.month, c->today, &d, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: digest preview: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (strcmp(o.format, "html") == 0)
		out = digest_html(d, NULL);
	else if (strcmp(o.format, "csv") == 0)
		out = digest_csv(d);
	else if (strcmp(o.format, "json") == 0)
		out = digest_payload(d);
	else
		out = digest_text(d, NULL);
	fputs(out, stdout);
	if (strcmp(o.format, "json") == 0)
		fputc('\n', stdout);
	free(out);
	digest_free(d);
	return CTL_EX_OK;
}

/* digest send NAME [--month YYYY-MM] [--again] */
static int
ctl_digest_send(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "digest send NAME [--month YYYY-MM] [--again]";
	const struct config_digest *dc;
	struct ctl_digest_opts o;
	struct digest_send ds;
	struct store *s;
	char *cause = NULL;

	if (ctl_digest_options(c, argc, argv, 1, &o) != 0 || strcmp(o.format, "text") != 0)
		return ctl_usage(usage);
	if ((dc = ctl_digest_find(c, o.name)) == NULL)
		return CTL_EX_USAGE;
	s = ctl_store(c);
	memset(&ds, 0, sizeof ds);
	ds.urgent = true;
	ds.again = o.again != 0;
	if (store_begin(s, &cause) != 0 || digest_enqueue(s, c->cfg, dc, o.year, o.month, c->now, &ds, &cause) != 0 ||
	    store_commit(s, &cause) != 0) {
		store_rollback(s);
		fprintf(stderr, "driftwatchctl: digest send: %s; nothing sent\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (ds.added > 0)
		printf("digest %s %04d-%02d: queued for %d recipient%s\n", dc->name, o.year, o.month, ds.added,
		    ds.added == 1 ? "" : "s");
	if (ds.already > 0)
		printf("digest %s %04d-%02d: already sent to %d recipient%s (--again sends it once more)\n", dc->name,
		    o.year, o.month, ds.already, ds.already == 1 ? "" : "s");
	if (ds.skipped > 0) {
		fprintf(stderr,
		    "driftwatchctl: digest send: %d recipient%s without an email (see the log line above)\n",
		    ds.skipped, ds.skipped == 1 ? "" : "s");
		return CTL_EX_FAIL;
	}
	return CTL_EX_OK;
}

static const struct ctl_command ctl_digest_commands[] = {
	{ "preview", ctl_digest_preview,
	    "preview [--month YYYY-MM] [--format text|html|csv|json] [--name NAME]   print a digest, send nothing" },
	{ "send", ctl_digest_send, "send NAME [--month YYYY-MM] [--again]   queue a digest now for every recipient" },
	{ NULL, NULL, NULL },
};

/* digest SUBCOMMAND ... */
int
ctl_digest(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "digest", ctl_digest_commands, argc, argv);
}
