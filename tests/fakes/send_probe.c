/*
 * send_probe.c: a test tool, not product. Builds one transport from command-line options, sends N
 * notices through it on an event_base (never more at once than transport_capacity allows), prints
 * one line per outcome and exits 0:
 *
 *	notice ID: ok|retry|fail|disable CODE RETRY_AFTER ERROR
 *
 * A notice that cannot be rendered prints "notice ID: invalid 0 0 CAUSE". Transport set-up errors
 * print "transport: CAUSE" and exit 2. Scenario tests use it until the dispatcher is wired in.
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "curlev.h"
#include "log.h"
#include "transport.h"
#include "xmalloc.h"

struct probe {
	struct event_base *base;
	struct transport *t;
	struct notice proto; /* every notice but id and dedupe key */
	const char *key_prefix;
	long long first_id;
	int count;
	int started;
	int finished;
};

/* One outcome, kept until its done callback runs. */
struct probe_send {
	struct probe *p;
	long long id;
};

static void probe_pump(struct probe *);

/* Print usage and exit. */
static void __attribute__((noreturn)) probe_usage(void)
{
	fprintf(stderr,
	    "usage: send_probe --type smtp|webhook|file [--url U] [--tls required|opportunistic|none]\n"
	    "  [--from F] [--user U --password P | --token T] [--ca FILE] [--insecure] [--secret S]\n"
	    "  [--format F] [--spool DIR] [--domain D] [--concurrency N] [--timeout S]\n"
	    "  [--proxy P|none] [--proxy-login USER:PASSWORD]\n"
	    "  [--count N] [--id FIRST] [--key-prefix P] [--kind K] [--to R] [--subject S] [--text T]\n"
	    "  [--html H] [--attach FILE]... [--payload JSON] [--now T] [-v]\n");
	exit(64);
}

/* Read a whole file for an attachment. */
static char *
probe_read_file(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "send_probe: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	*len = 0;
	do {
		if (*len + 4096 > cap) {
			cap = cap * 2 + 4096;
			buf = xreallocarray(buf, cap, 1);
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	return buf;
}

/* A notice finished: print it and send more. */
static void
probe_done_cb(void *arg, const struct send_status *st)
{
	static const char *const names[] = { "ok", "retry", "fail", "disable" };
	struct probe_send *ps = arg;
	struct probe *p = ps->p;

	printf("notice %lld: %s %ld %ld %s\n", ps->id, names[st->result], st->code, st->retry_after,
	    st->error[0] != '\0' ? st->error : "-");
	fflush(stdout);
	free(ps);
	p->finished++;
	probe_pump(p);
}

/* Start as many notices as the transport has room for; stop the loop when all are done. */
static void
probe_pump(struct probe *p)
{
	struct probe_send *ps;
	struct notice n;
	char *key, *cause = NULL;

	while (p->started < p->count && transport_capacity(p->t) > 0) {
		n = p->proto;
		n.id = p->first_id + p->started;
		xasprintf(&key, "%s:%lld", p->key_prefix, (long long)n.id);
		n.dedupe_key = key;
		p->started++;
		ps = xcalloc(1, sizeof *ps);
		ps->p = p;
		ps->id = n.id;
		if (transport_send(p->t, &n, probe_done_cb, ps, &cause) != 0) {
			printf("notice %lld: invalid 0 0 %s\n", ps->id, cause);
			fflush(stdout);
			free(cause);
			cause = NULL;
			free(ps);
			p->finished++;
		}
		free(key);
	}
	if (p->finished == p->count)
		event_base_loopbreak(p->base);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "url", required_argument, NULL, 'u' },
		{ "tls", required_argument, NULL, 'L' },
		{ "from", required_argument, NULL, 'f' },
		{ "user", required_argument, NULL, 'U' },
		{ "password", required_argument, NULL, 'P' },
		{ "token", required_argument, NULL, 'O' },
		{ "ca", required_argument, NULL, 'C' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "secret", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'F' },
		{ "spool", required_argument, NULL, 'D' },
		{ "domain", required_argument, NULL, 'd' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "key-prefix", required_argument, NULL, 'K' },
		{ "kind", required_argument, NULL, 'k' + 256 },
		{ "to", required_argument, NULL, 't' },
		{ "subject", required_argument, NULL, 's' },
		{ "text", required_argument, NULL, 'x' },
		{ "html", required_argument, NULL, 'h' },
		{ "attach", required_argument, NULL, 'a' },
		{ "payload", required_argument, NULL, 'p' },
		{ "now", required_argument, NULL, 'N' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "proxy", required_argument, NULL, 'X' },
		{ "proxy-login", required_argument, NULL, 'Y' },
		{ NULL, 0, NULL, 0 },
	};
	struct transport_config cfg;
	struct attachment *atts = NULL;
	struct probe p;
	struct curlev *cev;
	const char *slash;
	char *cause = NULL;
	size_t natts = 0;
	int ch, verbose = 0, rc = 0;

	memset(&cfg, 0, sizeof cfg);
	memset(&p, 0, sizeof p);
	cfg.name = xstrdup("probe");
	cfg.verify = 1;
	p.count = 1;
	p.first_id = 1;
	p.key_prefix = "probe";
	p.proto.kind = "reminder";
	p.proto.recipient = "officer@council.example";
	p.proto.subject = "driftwatch probe";
	p.proto.body_text = "A notice from send_probe.\n";
	p.proto.now = time(NULL);
	while ((ch = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (ch) {
		case 'T':
			cfg.type = optarg;
			break;
		case 'u':
			cfg.url = optarg;
			break;
		case 'L':
			cfg.tls = optarg;
			break;
		case 'f':
			cfg.from = optarg;
			break;
		case 'U':
			cfg.username = optarg;
			break;
		case 'P':
			cfg.password = optarg;
			break;
		case 'O':
			cfg.oauth_token = optarg;
			break;
		case 'C':
			cfg.ca_file = optarg;
			break;
		case 'k':
			cfg.verify = 0;
			break;
		case 'X':
			cfg.proxy = optarg;
			break;
		case 'Y':
			cfg.proxy_login = optarg;
			break;
		case 'S':
			cfg.secret = optarg;
			break;
		case 'F':
			cfg.format = optarg;
			break;
		case 'D':
			cfg.spool = optarg;
			break;
		case 'd':
			cfg.domain = optarg;
			break;
		case 'c':
			cfg.concurrency = atoi(optarg);
			break;
		case 'w':
			cfg.timeout = atoi(optarg);
			break;
		case 'n':
			p.count = atoi(optarg);
			break;
		case 'i':
			p.first_id = atoll(optarg);
			break;
		case 'K':
			p.key_prefix = optarg;
			break;
		case 'k' + 256:
			p.proto.kind = optarg;
			break;
		case 't':
			p.proto.recipient = optarg;
			break;
		case 's':
			p.proto.subject = optarg;
			break;
		case 'x':
			p.proto.body_text = optarg;
			break;
		case 'h':
			p.proto.body_html = optarg;
			break;
		case 'a':
			atts = xreallocarray(atts, natts + 1, sizeof *atts);
			slash = strrchr(optarg, '/');
			atts[natts].filename = slash != NULL ? slash + 1 : optarg;
			atts[natts].content_type = "text/csv; charset=utf-8";
			atts[natts].data = probe_read_file(optarg, &atts[natts].len);
			natts++;
			break;
		case 'p':
			p.proto.payload = optarg;
			break;
		case 'N':
			p.proto.now = (time_t)atoll(optarg);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			probe_usage();
		}
	}
	if (cfg.type == NULL || optind != argc)
		probe_usage();
	p.proto.attachments = atts;
	p.proto.nattachments = natts;
	p.proto.created_at = p.proto.now;
	log_init(verbose, 0);
	signal(SIGPIPE, SIG_IGN);
	if ((p.base = event_base_new()) == NULL || (cev = curlev_new(p.base)) == NULL) {
		fprintf(stderr, "send_probe: cannot start libevent or libcurl\n");
		return 1;
	}
	if ((p.t = transport_new(&cfg, cev, &cause)) == NULL) {
		printf("transport: %s\n", cause);
		free(cause);
		rc = 2;
		goto out;
	}
	probe_pump(&p);
	if (p.finished < p.count)
		event_base_dispatch(p.base);
	transport_free(p.t);
out:
	curlev_free(cev);
	event_base_free(p.base);
	while (natts > 0)
		free((char *)(uintptr_t)atts[--natts].data);
	free(atts);
	free(cfg.name);
	return rc;
}
