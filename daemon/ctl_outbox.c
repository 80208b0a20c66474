/*
 * ctl_outbox.c: `driftwatchctl outbox ...` and `test-send`: look into the outbox, put notices back
 * for another try, release what the first-start hold kept, enable an endpoint a 410 disabled,
 * queue a notice by hand, and send a real test message through a transport, printing what the
 * server said.
 */
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "ctl.h"
#include "curlev.h"
#include "outbox.h"
#include "status.h"
#include "store.h"
#include "transport.h"
#include "xmalloc.h"

struct ctl_outbox_list {
	int json;
	json_t *array;
};

/* One row of `outbox list`. */
static void
ctl_outbox_list_row(const struct outbox_row *r, void *arg)
{
	struct ctl_outbox_list *l = arg;
	char created[32], next[32], sent[32];

	if (l->json) {
		json_array_append_new(l->array,
		    json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s?, s:s?}", "id", (json_int_t)r->id,
			"state", r->state, "kind", r->kind, "transport", r->transport, "recipient", r->recipient,
			"subject", r->subject, "attempts", r->attempts, "created_at",
			clock_format_utc(r->created_at, created), "next_attempt_at",
			clock_format_utc(r->next_attempt_at, next), "sent_at",
			r->sent_at != 0 ? clock_format_utc(r->sent_at, sent) : NULL, "last_error", r->last_error));
		return;
	}
	printf("%-6lld %-8s %-10s %-10s %-34s %s%s%s\n", (long long)r->id, r->state, r->kind, r->transport,
	    r->recipient,
	    r->state[0] == 's' && r->state[1] == 'e' && r->state[2] == 'n' && r->state[3] == 't' ?
		clock_format_local(r->sent_at, sent) :
		clock_format_local(r->next_attempt_at, next),
	    r->last_error != NULL ? "  " : "", r->last_error != NULL ? r->last_error : "");
}

/* outbox list [--state S] [--limit N] [--json] */
static int
ctl_outbox_list(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_outbox_list l = { 0, NULL };
	const char *state = NULL;
	int ch, limit = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state = optarg;
			if (strcmp(state, "pending") != 0 && strcmp(state, "sending") != 0 &&
			    strcmp(state, "sent") != 0 && strcmp(state, "retry") != 0 && strcmp(state, "dead") != 0 &&
			    strcmp(state, "held") != 0) {
				fprintf(stderr,
				    "driftwatchctl: --state: one of pending, sending, sent, retry, dead, held\n");
				return CTL_EX_USAGE;
			}
			break;
		case 'l':
			limit = atoi(optarg);
			break;
		case 'j':
			l.json = 1;
			break;
		default:
			return ctl_usage("outbox list [--state S] [--limit N] [--json]");
		}
	}
	if (l.json)
		l.array = json_array();
	else
		printf("%-6s %-8s %-10s %-10s %-34s %s\n", "ID", "STATE", "KIND", "TRANSPORT", "RECIPIENT", "WHEN");
	outbox_list(ctl_store(c), state, limit, ctl_outbox_list_row, &l);
	if (l.json) {
		json_dumpf(l.array, stdout, JSON_INDENT(2));
		printf("\n");
		json_decref(l.array);
	}
	return CTL_EX_OK;
}

/* outbox show ID */
static int
ctl_outbox_show(struct ctl *c, int argc, char **argv)
{
	struct outbox_row r;
	char buf[32];
	size_t i;

	if (argc != 2)
		return ctl_usage("outbox show ID");
	if (outbox_load(ctl_store(c), strtoll(argv[1], NULL, 10), &r) != 0) {
		fprintf(stderr, "driftwatchctl: outbox: no notice %s\n", argv[1]);
		return CTL_EX_DATAERR;
	}
	printf("id:            %lld\nstate:         %s\nkind:          %s\ndedupe key:    %s\n", (long long)r.id,
	    r.state, r.kind, r.dedupe_key);
	printf("transport:     %s\nrecipient:     %s\nsubject:       %s\n", r.transport, r.recipient, r.subject);
	printf("created:       %s\n", clock_format_local(r.created_at, buf));
	printf("next attempt:  %s\nattempts:      %d\n", clock_format_local(r.next_attempt_at, buf), r.attempts);
	if (r.sent_at != 0)
		printf("sent:          %s\n", clock_format_local(r.sent_at, buf));
	if (r.batch_id != 0 && r.batch_id != r.id)
		printf("sent within:   notice %lld (one message for several reminders)\n", (long long)r.batch_id);
	if (r.last_error != NULL)
		printf("last error:    %s\n", r.last_error);
	for (i = 0; i < r.nattachments; i++)
		printf("attachment:    %s (%s, %zu bytes)\n", r.attachments[i].filename, r.attachments[i].content_type,
		    r.attachments[i].len);
	printf("\n%s", r.body_text);
	if (r.body_text[0] != '\0' && r.body_text[strlen(r.body_text) - 1] != '\n')
		printf("\n");
	outbox_row_free(&r);
	return CTL_EX_OK;
}

/* outbox retry ID | --dead */
static int
ctl_outbox_retry(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "outbox retry ID | --dead";
	static const struct option opts[] = { { "dead", no_argument, NULL, 'd' }, { NULL, 0, NULL, 0 } };
	char *cause = NULL;
	int64_t id = 0;
	int n, ch, dead = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'd')
			return ctl_usage(usage);
		dead = 1;
	}
	/* Either --dead (every dead notice: id 0) or one notice's ID, not both. */
	if (argc - optind != (dead ? 0 : 1))
		return ctl_usage(usage);
	if (!dead && (id = strtoll(argv[optind], NULL, 10)) == 0)
		return ctl_usage(usage);
	if ((n = outbox_requeue(ctl_store(c), id, c->now, &cause)) < 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (id != 0 && n == 0) {
		fprintf(stderr, "driftwatchctl: outbox: notice %s is not dead, retrying or pending\n", argv[optind]);
		return CTL_EX_DATAERR;
	}
	printf("%d notice%s queued again\n", n, n == 1 ? "" : "s");
	return CTL_EX_OK;
}

/*
 * outbox release --all | --rule RULE | ID: held notices (the first-start hold) to pending. RULE is
 * a dedupe key's leading fields: "actions", "actions:escalate", "dispute:12", "reviews:CR-1001".
 */
static int
ctl_outbox_release(struct ctl *c, int argc, char **argv)
{
	static const char usage[] = "outbox release --all | --rule RULE | ID";
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
		{ "rule", required_argument, NULL, 'r' }, { NULL, 0, NULL, 0 } };
	const char *rule = NULL;
	char *cause = NULL, *end;
	int64_t id = 0;
	int n, left, ch, all = 0;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'a')
			all = 1;
		else if (ch == 'r' && *optarg != '\0')
			rule = optarg;
		else
			return ctl_usage(usage);
	}
	/* Exactly one of --all, --rule RULE and ID. */
	if (all + (rule != NULL) + (optind < argc) != 1 || argc - optind > 1)
		return ctl_usage(usage);
	if (optind < argc) {
		id = strtoll(argv[optind], &end, 10);
		if (*end != '\0' || id <= 0)
			return ctl_usage(usage);
	}
	/* Held notices wait for the send window like any other non-urgent notice. */
	n = outbox_release(ctl_store(c), rule, id, c->now,
	    calendar_next_window_open(c->cfg->calendar, &c->cfg->send_window, c->now), &cause);
	if (n < 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	if (n == 0 && (rule != NULL || id != 0)) {
		fprintf(stderr, "driftwatchctl: outbox release: no held notice %s%s\n", rule != NULL ? "matches " : "",
		    rule != NULL ? rule : argv[1]);
		return CTL_EX_DATAERR;
	}
	left = outbox_held_count(ctl_store(c));
	printf("%d notice%s released (sent once each by the daemon); %d still held\n", n, n == 1 ? "" : "s", left);
	return CTL_EX_OK;
}

/* outbox enable TRANSPORT: after a 410, once the address is fixed. */
static int
ctl_outbox_enable(struct ctl *c, int argc, char **argv)
{
	char *cause = NULL;
	int n;

	if (argc != 2)
		return ctl_usage("outbox enable TRANSPORT");
	if ((n = outbox_endpoint_enable(ctl_store(c), argv[1], &cause)) < 0) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	printf("transport %s: %s\n", argv[1], n > 0 ? "enabled again" : "was not disabled");
	return CTL_EX_OK;
}

/*
 * outbox add RECIPIENT --subject S [--text T] [--transport NAME] [--urgent] [--batch]
 *   [--count N] [--key PREFIX]: queue notices by hand (operations and tests).
 */
static int
ctl_outbox_add(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "subject", required_argument, NULL, 's' },
		{ "text", required_argument, NULL, 't' },
		{ "transport", required_argument, NULL, 'T' },
		{ "urgent", no_argument, NULL, 'u' },
		{ "batch", no_argument, NULL, 'b' },
		{ "count", required_argument, NULL, 'n' },
		{ "key", required_argument, NULL, 'k' },
		{ "attach", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *usage = "outbox add RECIPIENT --subject S [--text T] [--transport NAME] [--urgent] [--batch] "
			    "[--count N] [--key PREFIX] [--attach FILE.csv]";
	struct outbox_item item;
	struct attachment att;
	struct store *s;
	char *cause = NULL, *key, *text = NULL, *attdata = NULL;
	const char *prefix = "manual", *attpath = NULL;
	int ch, i, count = 1, added, total = 0;

	memset(&item, 0, sizeof item);
	item.kind = "notice";
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			item.subject = optarg;
			break;
		case 't':
			item.body_text = optarg;
			break;
		case 'T':
			item.transport = optarg;
			break;
		case 'u':
			item.urgent = true;
			break;
		case 'b':
			item.kind = "reminder";
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'k':
			prefix = optarg;
			break;
		case 'a':
			attpath = optarg;
			break;
		default:
			return ctl_usage(usage);
		}
	}
	if (optind + 1 != argc || item.subject == NULL || count < 1)
		return ctl_usage(usage);
	item.recipient = argv[optind];
	if (item.body_text == NULL)
		item.body_text = item.subject;
	if (strcmp(item.kind, "reminder") == 0)
		item.batch_text = item.body_text;
	if (attpath != NULL) {
		FILE *f = fopen(attpath, "rb");
		long len;
		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
			fprintf(stderr, "driftwatchctl: %s: cannot read\n", attpath);
			return CTL_EX_NOINPUT;
		}
		rewind(f);
		attdata = xmalloc((size_t)len + 1);
		att.len = fread(attdata, 1, (size_t)len, f);
		fclose(f);
		att.filename = strrchr(attpath, '/') != NULL ? strrchr(attpath, '/') + 1 : attpath;
		att.content_type = "text/csv; charset=utf-8";
		att.data = attdata;
		item.attachments = &att;
		item.nattachments = 1;
	}
	s = ctl_store(c);
	if (store_begin(s, &cause) != 0)
		goto fail;
	for (i = 0; i < count; i++) {
		xasprintf(&key, "%s:%d", prefix, i + 1);
		item.dedupe_key = key;
		if (count > 1) {
			xasprintf(&text, "%s (%d of %d)", item.batch_text != NULL ? item.batch_text : item.subject,
			    i + 1, count);
			if (item.batch_text != NULL)
				item.batch_text = text;
		}
		if (outbox_enqueue(s, c->cfg, &item, c->now, &added, &cause) != 0) {
			free(key), free(text);
			store_rollback(s);
			goto fail;
		}
		if (item.batch_text == text && text != NULL)
			item.batch_text = item.body_text;
		free(key);
		free(text);
		text = NULL;
		total += added;
	}
	if (store_commit(s, &cause) != 0)
		goto fail;
	free(attdata);
	printf("%d notice%s queued\n", total, total == 1 ? "" : "s");
	return CTL_EX_OK;
fail:
	free(attdata);
	fprintf(stderr, "driftwatchctl: %s\n", cause);
	free(cause);
	return CTL_EX_DATAERR;
}

struct ctl_test_send {
	struct event_base *base;
	struct send_status status;
	int done;
};

/* The test message's outcome. */
static void
ctl_test_send_done_cb(void *arg, const struct send_status *st)
{
	struct ctl_test_send *ts = arg;

	ts->status = *st;
	ts->done = 1;
	event_base_loopbreak(ts->base);
}

/* test-send TRANSPORT RECIPIENT: a real message now, its result printed. */
int
ctl_test_send(struct ctl *c, int argc, char **argv)
{
	static const char *const results[] = { "ok", "retry", "fail", "disable" };
	const struct config_transport *ct;
	struct ctl_test_send ts;
	struct transport *t;
	struct curlev *cev;
	struct notice n;
	char *cause = NULL, *key, when[32];
	int rc;

	if (argc != 3)
		return ctl_usage("test-send TRANSPORT RECIPIENT");
	if ((ct = config_transport(c->cfg, argv[1])) == NULL) {
		fprintf(stderr, "driftwatchctl: no [transport \"%s\"] in the rules\n", argv[1]);
		return CTL_EX_USAGE;
	}
	memset(&ts, 0, sizeof ts);
	ts.base = event_base_new();
	cev = curlev_new(ts.base);
	if ((t = transport_new(&ct->t, cev, &cause)) == NULL) {
		fprintf(stderr, "driftwatchctl: %s\n", cause);
		free(cause);
		curlev_free(cev);
		event_base_free(ts.base);
		return CTL_EX_CONFIG;
	}
	memset(&n, 0, sizeof n);
	xasprintf(&key, "test-send:%lld", (long long)c->now);
	n.id = 0;
	n.dedupe_key = key;
	n.kind = "test";
	n.recipient = argv[2];
	n.subject = "driftwatch test message";
	n.body_text = "This is a test message from driftwatch. If you can read it, this transport works.\n";
	n.body_html = "<p>This is a test message from driftwatch. If you can read it, this transport works.</p>";
	n.created_at = c->now;
	n.now = time(NULL); /* transport headers (Date:, webhook-timestamp) carry the real time, as the daemon's do */
	clock_format_local(c->now, when);
	if (transport_send(t, &n, ctl_test_send_done_cb, &ts, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: test-send: %s\n", cause);
		free(cause);
		rc = CTL_EX_DATAERR;
	} else {
		event_base_dispatch(ts.base);
		printf("%s: %s (code %ld) %s\n", argv[1], results[ts.status.result], ts.status.code, ts.status.error);
		rc = ts.status.result == SEND_OK ? CTL_EX_OK : CTL_EX_FAIL;
	}
	transport_free(t);
	curlev_free(cev);
	event_base_free(ts.base);
	free(key);
	return rc;
}

static const struct ctl_command ctl_outbox_commands[] = {
	{ "list", ctl_outbox_list, "list [--state pending|sending|sent|retry|dead|held] [--limit N] [--json]" },
	{ "show", ctl_outbox_show, "show ID" },
	{ "retry", ctl_outbox_retry, "retry ID | --dead          queue a dead (or retrying) notice again now" },
	{ "release", ctl_outbox_release, "release --all | --rule RULE | ID   send notices the first-start hold kept" },
	{ "enable", ctl_outbox_enable,
	    "enable TRANSPORT           after a 410 disabled it, once the address is fixed" },
	{ "add", ctl_outbox_add,
	    "add RECIPIENT --subject S [--text T] [--transport NAME] [--urgent] [--batch] [--count N] [--key K] [--attach FILE]" },
	{ NULL, NULL, NULL },
};

/* outbox ... */
int
ctl_outbox(struct ctl *c, int argc, char **argv)
{
	return ctl_dispatch(c, "outbox", ctl_outbox_commands, argc, argv);
}
