/*
 * test_config.c: the key table, every key parsed, each kind of error with its line, and the
 * documentation (etc/driftwatch.ini and README.md) naming every key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwcfgXXXXXX";
static char holidays[512];

/* Write an ini into the temp dir: the bank holidays line first, then the body. */
static char *
write_ini(const char *name, const char *body, int with_daemon)
{
	char *text, *path;

	if (with_daemon)
		xasprintf(&text, "[daemon]\nbank_holidays = %s\n%s", holidays, body);
	else
		text = xstrdup(body);
	path = write_temp_file(tmpdir, name, text, 0644);
	free(text);
	return path;
}

/* Load and expect failure; return the cause (caller frees). */
static char *
load_fail(const char *body)
{
	char *path = write_ini("bad.ini", body, 1), *cause = NULL;
	struct config *cfg = config_load(path, &cause);

	assert_null(cfg);
	assert_non_null(cause);
	free(path);
	return cause;
}

/* Assert that cause contains "bad.ini:LINE: " followed (somewhere) by text. */
static void
assert_error(const char *cause, int line, const char *text)
{
	char *want;

	xasprintf(&want, "bad.ini:%d: ", line);
	if (strstr(cause, want) == NULL || strstr(strstr(cause, want), text) == NULL)
		fail_msg("expected \"%s...%s\" in:\n%s", want, text, cause);
	free(want);
}

static int
setup(void **state)
{
	char *src;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	src = top_path("etc/bank-holidays-england-and-wales.txt");
	snprintf(holidays, sizeof holidays, "%s", src);
	free(src);
	setenv("TZ", "Europe/London", 1);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* The defaults of every section, as DOMAIN.md gives them. */
static void
test_defaults(void **state)
{
	char *path = write_ini("defaults.ini", "", 1), *cause = NULL;
	struct config *cfg = config_load(path, &cause);

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->database, "/var/lib/driftwatch/driftwatch.db");
	assert_string_equal(cfg->timezone, "Europe/London");
	assert_int_equal(cfg->send_window.open, 8 * 60);
	assert_int_equal(cfg->send_window.close, 18 * 60);
	assert_int_equal(cfg->tick, 60);
	assert_int_equal(cfg->retry_first, 60);
	assert_int_equal(cfg->retry_max, 3600);
	assert_int_equal(cfg->give_up_after, 72 * 3600);
	assert_true(cfg->batch_reminders);
	assert_int_equal(cfg->actions_nremind_before, 2);
	assert_int_equal(cfg->actions_remind_before[0].n, 10);
	assert_int_equal(cfg->actions_remind_before[0].unit, DURATION_WORKING_DAYS);
	assert_int_equal(cfg->actions_remind_before[1].n, 3);
	assert_int_equal(cfg->actions_stale_after.n, 30);
	assert_int_equal(cfg->actions_stale_after.unit, DURATION_DAYS);
	assert_int_equal(cfg->actions_nescalate, 3);
	assert_string_equal(cfg->actions_escalate[0].who, "manager");
	assert_int_equal(cfg->actions_escalate[1].after.n, 11);
	assert_string_equal(cfg->actions_escalate[2].who, "dcs");
	assert_int_equal(cfg->disputes_nstages, 5);
	assert_string_equal(cfg->disputes_stages[0].name, "informal");
	assert_string_equal(cfg->disputes_stages[0].responder, "team-manager");
	assert_string_equal(cfg->disputes_stages[2].responder, "head-of-service");
	assert_string_equal(cfg->disputes_stages[4].name, "4");
	assert_int_equal(cfg->disputes_stages[4].limit.n, 5);
	assert_int_equal(cfg->disputes_total_limit.n, 20);
	assert_int_equal(cfg->reviews_first.n, 20);
	assert_int_equal(cfg->reviews_first.unit, DURATION_WORKING_DAYS);
	assert_int_equal(cfg->reviews_second.n, 3);
	assert_int_equal(cfg->reviews_second.unit, DURATION_MONTHS);
	assert_int_equal(cfg->reviews_later.n, 6);
	assert_int_equal(cfg->asye_protected_share, 10);
	assert_int_equal(cfg->asye_nsupervision, 3);
	assert_int_equal(cfg->asye_supervision[0].every.unit, DURATION_WEEKS);
	assert_int_equal(cfg->asye_supervision[0].until.n, 6);
	assert_int_equal(cfg->asye_supervision[1].until.unit, DURATION_MONTHS);
	assert_int_equal(cfg->asye_supervision[2].every.unit, DURATION_MONTHS);
	assert_int_equal(cfg->asye_supervision[2].until.n, 0);
	assert_int_equal(cfg->asye_nreviews, 4);
	assert_int_equal(cfg->asye_length.n, 12);
	assert_int_equal(cfg->caseload_asye_cap, 18);
	assert_int_equal(cfg->caseload_target, 20);
	assert_int_equal(cfg->caseload_alert_above, 22);
	/* No [transport]: the built-in file spool. */
	assert_int_equal(cfg->ntransports, 1);
	assert_string_equal(cfg->transports[0].t.type, "file");
	assert_string_equal(cfg->transports[0].t.name, "file");
	config_free(cfg);
	free(path);
}

/* Every key set to something other than its default lands where it should. */
static void
test_every_key(void **state)
{
	char *secret, *login, *hook_url, *path, *cause = NULL;
	struct config *cfg;

	(void)state;
	secret = write_temp_file(tmpdir, "secret", "s3cret\n", 0600);
	hook_url = write_temp_file(tmpdir, "hook-url", "https://council.webhook.office.example/workflows/1\n", 0600);
	login = write_temp_file(tmpdir, "proxy-login", "COUNCIL\\svc-dw:pr0xy\n", 0600);
	char *body;
	xasprintf(&body,
	    "admin_email = admin@council.example\n"
	    "admin_transport = hook\n"
	    "database = /tmp/x.db\n"
	    "default_transport = mail\n"
	    "send_window = 09:30-17:00\n"
	    "tick = 2min\n"
	    "timezone = Europe/London\n"
	    "watch_interval = 250\n"
	    "[outbox]\nbatch = 50\nbatch_reminders = no\nbreaker_failures = 3\nbreaker_pause = 30s\n"
	    "give_up_after = 24h\nretry_first = 10s\nretry_max = 10min\n"
	    "[actions]\namber_within = 15wd\nescalate = 2wd:manager, 12wd:manager+1, 25wd:dcs\n"
	    "remind_before = 5wd, 2wd, 1wd\nstale_after = 6w\n"
	    "[disputes]\niro_reminder_after = 3wd\nremind_before = 2wd\n"
	    "stage = 1, team-manager, 4wd\nstage = 2, hos, 6wd\ntotal_limit = 15wd\n"
	    "[reviews]\nfirst = 15wd\nlater = 5m\noverdue_repeat = 2w\npermanence_remind_before = 8wd\n"
	    "remind_before = 10wd\nsecond = 2m\n"
	    "[asye]\nanonymise = yes\nlength = 24m\nprotected_share = 15%%\nreview_remind_before = 5wd\n"
	    "reviews = 6m, 12m, 18m, 24m\nsupervision = 1w until 4w, 1m\nwindow = 6w\n"
	    "[caseloads]\nalert_above = 24\nasye_cap = 16\ntarget = 19\n"
	    "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1:2525\ntls = none\nfrom = A <a@b.example>\n"
	    "username = u\npassword_file = %s\nca_file = /etc/ssl/certs/ca-certificates.crt\nverify = no\n"
	    "concurrency = 8\ntimeout = 10s\ndomain = b.example\nproxy = none\n"
	    "[transport \"m365\"]\ntype = smtp\nurl = smtps://smtp.office365.example:465\nusername = svc@b.example\n"
	    "token_file = %s\n"
	    "[transport \"hook\"]\ntype = webhook\nformat = teams\nurl_file = %s\nsecret_file = %s\n"
	    "proxy = http://proxy.council.example:8080\nproxy_login_file = %s\n"
	    "[transport \"spool\"]\ntype = file\nspool = /tmp/spool\nformat = json\n"
	    "[role \"hos\"]\ntitle = Head of Service\ntitle = Head of Service, Fostering\nemail = hos@council.example\n"
	    "reports_to = dcs\ntransport = hook\n"
	    "[role \"dcs\"]\ntitle = Director of Children's Services\nemail = dcs@council.example\n"
	    "[team \"Permanence\"]\nhead_of_service = hos\nassistant_director = dcs\n"
	    "[digest \"board\"]\nto = role:dcs, chair@council.example\nwhen = first working day 07:30\n"
	    "sections = actions, disputes\ntransport = mail\n",
	    secret, secret, hook_url, secret, login);
	path = write_ini("every.ini", body, 1);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_string_equal(cfg->admin_email, "admin@council.example");
	assert_string_equal(cfg->admin_transport, "hook");
	assert_string_equal(cfg->database, "/tmp/x.db");
	assert_string_equal(cfg->default_transport, "mail");
	assert_int_equal(cfg->send_window.open, 9 * 60 + 30);
	assert_int_equal(cfg->send_window.close, 17 * 60);
	assert_int_equal(cfg->tick, 120);
	assert_int_equal(cfg->watch_interval_ms, 250);
	assert_int_equal(cfg->outbox_batch, 50);
	assert_false(cfg->batch_reminders);
	assert_int_equal(cfg->breaker_failures, 3);
	assert_int_equal(cfg->breaker_pause, 30);
	assert_int_equal(cfg->give_up_after, 86400);
	assert_int_equal(cfg->retry_first, 10);
	assert_int_equal(cfg->retry_max, 600);
	assert_int_equal(cfg->actions_amber_within.n, 15);
	assert_int_equal(cfg->actions_escalate[2].after.n, 25);
	assert_string_equal(cfg->actions_escalate[1].who, "manager+1");
	assert_int_equal(cfg->actions_nremind_before, 3);
	assert_int_equal(cfg->actions_stale_after.unit, DURATION_WEEKS);
	assert_int_equal(cfg->disputes_iro_reminder_after.n, 3);
	assert_int_equal(cfg->disputes_remind_before.n, 2);
	/* Stage lines in the file replace the default ladder, they do not add to it. */
	assert_int_equal(cfg->disputes_nstages, 2);
	assert_string_equal(cfg->disputes_stages[1].responder, "hos");
	assert_int_equal(cfg->disputes_stages[1].limit.n, 6);
	assert_int_equal(cfg->disputes_total_limit.n, 15);
	assert_int_equal(cfg->reviews_first.n, 15);
	assert_int_equal(cfg->reviews_later.n, 5);
	assert_int_equal(cfg->reviews_overdue_repeat.n, 2);
	assert_int_equal(cfg->reviews_permanence_remind_before.n, 8);
	assert_int_equal(cfg->reviews_nremind_before, 1);
	assert_int_equal(cfg->reviews_second.n, 2);
	assert_true(cfg->asye_anonymise);
	assert_int_equal(cfg->asye_length.n, 24);
	assert_int_equal(cfg->asye_protected_share, 15);
	assert_int_equal(cfg->asye_review_remind_before.n, 5);
	assert_int_equal(cfg->asye_nreviews, 4);
	assert_int_equal(cfg->asye_reviews[3].n, 24);
	assert_int_equal(cfg->asye_nsupervision, 2);
	assert_int_equal(cfg->asye_window.n, 6);
	assert_int_equal(cfg->caseload_alert_above, 24);
	assert_int_equal(cfg->caseload_asye_cap, 16);
	assert_int_equal(cfg->caseload_target, 19);
	assert_int_equal(cfg->ntransports, 4);
	const struct config_transport *m = config_transport(cfg, "mail");
	assert_non_null(m);
	assert_string_equal(m->t.password, "s3cret");
	assert_string_equal(config_transport(cfg, "m365")->t.oauth_token, "s3cret");
	assert_string_equal(m->t.tls, "none");
	assert_int_equal(m->t.verify, 0);
	assert_int_equal(m->t.concurrency, 8);
	assert_int_equal(m->t.timeout, 10);
	assert_string_equal(m->t.domain, "b.example");
	assert_string_equal(m->t.username, "u");
	assert_string_equal(m->t.ca_file, "/etc/ssl/certs/ca-certificates.crt");
	const struct config_transport *h = config_transport(cfg, "hook");
	assert_string_equal(h->t.format, "teams");
	assert_string_equal(h->t.secret, "s3cret");
	assert_string_equal(h->t.url, "https://council.webhook.office.example/workflows/1");
	assert_string_equal(h->t.proxy, "http://proxy.council.example:8080");
	assert_string_equal(h->t.proxy_login, "COUNCIL\\svc-dw:pr0xy");
	assert_string_equal(m->t.proxy, "none");
	assert_null(config_transport(cfg, "spool")->t.proxy);
	assert_string_equal(config_transport(cfg, "spool")->t.spool, "/tmp/spool");
	const struct config_role *r = config_role(cfg, "hos");
	assert_int_equal(r->ntitles, 2);
	assert_string_equal(r->titles[1], "Head of Service, Fostering");
	assert_string_equal(r->reports_to, "dcs");
	assert_string_equal(r->transport, "hook");
	assert_string_equal(config_team(cfg, "Permanence")->head_of_service, "hos");
	assert_string_equal(config_team(cfg, "Permanence")->assistant_director, "dcs");
	const struct config_digest *d = config_digest(cfg, "board");
	assert_int_equal(d->nto, 2);
	assert_string_equal(d->to[1], "chair@council.example");
	assert_int_equal(d->when_minutes, 7 * 60 + 30);
	assert_int_equal(d->nsections, 2);
	assert_string_equal(d->transport, "mail");
	config_free(cfg);
	free(body), free(path), free(secret), free(login), free(hook_url);
}

/* Each kind of error names its file and line. */
static void
test_errors_with_lines(void **state)
{
	char *c;

	(void)state;
	/* Lines 1-2 are [daemon] and bank_holidays. */
	c = load_fail("[nonsense]\nx = 1\n");
	assert_error(c, 3, "unknown section [nonsense]");
	free(c);
	c = load_fail("color = blue\n");
	assert_error(c, 3, "unknown key \"color\" in [daemon]");
	free(c);
	c = load_fail("[actions]\nremind_before = 10wd, 3x\n");
	assert_error(c, 4, "bad duration \"3x\"");
	free(c);
	c = load_fail("[actions]\nstale_after = 30\n");
	assert_error(c, 4, "stale_after");
	free(c);
	c = load_fail("[outbox]\nbatch_reminders = perhaps\n");
	assert_error(c, 4, "is not yes or no");
	free(c);
	c = load_fail("[outbox]\nbatch = 0\n");
	assert_error(c, 4, "out of bounds");
	free(c);
	c = load_fail("[outbox]\nretry_first = 1d\n");
	assert_error(c, 4, "bad interval");
	free(c);
	c = load_fail("tick = 2s\n");
	assert_error(c, 3, "out of bounds");
	free(c);
	c = load_fail("send_window = 18:00-08:00\n");
	assert_error(c, 3, "bad window");
	free(c);
	c = load_fail("[asye]\nprotected_share = 10\n");
	assert_error(c, 4, "bad percentage");
	free(c);
	c = load_fail("[asye]\nprotected_share = 120%\n");
	assert_error(c, 4, "out of bounds");
	free(c);
	c = load_fail("[disputes]\nstage = 1, team-manager\n");
	assert_error(c, 4, "want NAME, RESPONDER, LIMIT");
	free(c);
	c = load_fail("[disputes]\nstage = 1, team-manager, 5d\n");
	assert_error(c, 4, "working days");
	free(c);
	c = load_fail("[disputes]\nstage = 1, team-manager, 5wd\nstage = 1, head-of-service, 5wd\n");
	assert_error(c, 5, "already in the ladder");
	free(c);
	/* Missing required key: reported at the section's line. */
	c = load_fail("[transport \"mail\"]\nurl = smtp://127.0.0.1\n");
	assert_error(c, 3, "missing required key \"type\"");
	free(c);
	c = load_fail("[transport \"mail\"]\ntype = pigeon\n");
	assert_error(c, 4, "is not one of smtp|webhook|file");
	free(c);
	c = load_fail("[transport \"hook\"]\ntype = webhook\nformat = json\nurl = https://h.example/\n"
		      "proxy = proxy.council.example:8080\n");
	assert_error(c, 7, "proxy: \"proxy.council.example:8080\" is neither none nor a proxy address");
	free(c);
	c = load_fail("[transport \"hook\"]\ntype = webhook\nformat = json\nurl = https://h.example/\n"
		      "proxy = http://proxy.council.example:8080/path\n");
	assert_error(c, 7, "is neither none nor a proxy address");
	free(c);
	c = load_fail("[transport \"spool\"]\ntype = file\nproxy = http://proxy.council.example:8080\n");
	assert_error(c, 3, "proxy: a file transport sends nothing over the network");
	free(c);
	c = load_fail("[transport]\ntype = file\n");
	assert_error(c, 3, "needs a name");
	free(c);
	/* Unknown role referenced. */
	c = load_fail("[role \"hos\"]\nemail = hos@council.example\nreports_to = ad\n");
	assert_error(c, 3, "unknown role \"ad\"");
	free(c);
	c = load_fail("[digest \"m\"]\nto = role:dcs\n");
	assert_error(c, 3, "unknown role \"dcs\"");
	free(c);
	c = load_fail("[role \"a\"]\nreports_to = b\n[role \"b\"]\nreports_to = a\n");
	assert_error(c, 3, "loops back");
	free(c);
	c = load_fail("[role \"a\"]\nemail = not-an-address\n");
	assert_error(c, 4, "is not an email address");
	free(c);
	c = load_fail("[digest \"m\"]\nwhen = every monday\n");
	assert_error(c, 4, "first working day HH:MM");
	free(c);
	c = load_fail("[role \"a\"]\n[role \"a\"]\n");
	assert_error(c, 4, "already defined at line 3");
	free(c);
	/* [import "NAME"]: unknown format, a relative dir, a bad schedule, missing keys, one dir twice. */
	c = load_fail("[import \"x\"]\ndir = /srv/in\nformat = spreadsheet\n");
	assert_error(c, 5, "format: \"spreadsheet\" is not one of ssda903|");
	free(c);
	c = load_fail("[import \"x\"]\ndir = inbox/903\nformat = ssda903\n");
	assert_error(c, 3, "[import \"x\"]: dir \"inbox/903\" is not an absolute path");
	free(c);
	c = load_fail("[import \"x\"]\ndir = /srv/in\nformat = ssda903\nschedule = weekly\n");
	assert_error(c, 3, "schedule \"weekly\": want \"daily HH:MM\"");
	free(c);
	c = load_fail("[import \"x\"]\nformat = ssda903\n");
	assert_error(c, 3, "missing required key \"dir\"");
	free(c);
	c = load_fail("[import \"x\"]\ndir = /srv/in\n");
	assert_error(c, 3, "missing required key \"format\"");
	free(c);
	c = load_fail("[import \"x\"]\ndir = /srv/in\nformat = ssda903\nkeep_done = 10wd\n");
	assert_error(c, 3, "keep_done is in days, weeks or months");
	free(c);
	c = load_fail("[import \"x\"]\ndir = /srv/in\nformat = ssda903\nstable_after = 2h\n");
	assert_error(c, 6, "stable_after: 2h is out of bounds");
	free(c);
	c = load_fail(
	    "[import \"x\"]\ndir = /srv/in\nformat = ssda903\n[import \"y\"]\ndir = /srv/in\nformat = actions\n");
	assert_error(c, 6, "dir is already watched by [import \"x\"]");
	free(c);
	/* Several errors are all reported, each with its own line. */
	c = load_fail("bogus = 1\n[outbox]\nbatch = -5\nalso_bogus = 2\n");
	assert_error(c, 3, "unknown key \"bogus\"");
	assert_error(c, 5, "out of bounds");
	assert_error(c, 6, "unknown key \"also_bogus\"");
	free(c);
}

/*
 * "key =" for every key in the table: a key whose default is empty (none) takes its default, a
 * list of durations is empty (none: no reminders, no reflections tracked); any other is refused as "FILE:LINE: KEY: must not be empty", never a NULL for later code to trip on.
 */
static void
test_empty_values(void **state)
{
	char *body, *path, *cause, *want;
	struct config *cfg;
	int i, line, refused = 0, allowed = 0;

	(void)state;
	for (i = 0; i < config_key_count(); i++) {
		const struct config_key_info *k = config_key_at(i);
		const char *head;

		if (strcmp(k->section, "transport") == 0)
			head = "[transport \"t\"]\ntype = file\n";
		else if (strcmp(k->section, "role") == 0)
			head = "[role \"r\"]\n";
		else if (strcmp(k->section, "team") == 0)
			head = "[team \"x\"]\n";
		else if (strcmp(k->section, "client") == 0)
			head = "[client \"c\"]\n";
		else if (strcmp(k->section, "import") == 0)
			head = "[import \"i\"]\ndir = /tmp\nformat = roles\n";
		else if (strcmp(k->section, "digest") == 0)
			head = "[digest \"d\"]\nto = chair@council.example\n";
		else if (strcmp(k->section, "daemon") == 0)
			head = "";
		else
			head = NULL;
		if (head != NULL)
			xasprintf(&body, "[daemon]\nbank_holidays = %s\n%s%s =\n", holidays, head, k->name);
		else
			xasprintf(&body, "[daemon]\nbank_holidays = %s\n[%s]\n%s =\n", holidays, k->section, k->name);
		for (line = 1, want = body; (want = strchr(want, '\n')) != NULL && want[1] != '\0'; want++)
			line++;
		path = write_ini("bad.ini", body, 0);
		cause = NULL;
		cfg = config_load(path, &cause);
		if ((k->def != NULL && *k->def == '\0') || strcmp(k->type, "durations") == 0) {
			if (cfg == NULL)
				fail_msg("%s.%s: an empty value should mean the default, got:\n%s", k->section, k->name,
				    cause);
			config_free(cfg);
			allowed++;
		} else {
			if (cfg != NULL)
				fail_msg("%s.%s: an empty value was accepted", k->section, k->name);
			xasprintf(&want, "%s: must not be empty", k->name);
			assert_error(cause, line, want);
			free(want), free(cause);
			refused++;
		}
		free(path), free(body);
	}
	/* Both kinds exist: the loop saw the table, not an empty one. */
	assert_true(refused > 20);
	assert_true(allowed > 10);
}

/* The crash that led to the audit: an empty database on its own, as check-config and a reload read it. */
static void
test_empty_database(void **state)
{
	char *c;

	(void)state;
	c = load_fail("database =\n");
	assert_error(c, 3, "database: must not be empty");
	free(c);
	c = load_fail("database = \t \n[transport \"spool\"]\ntype = file\n");
	assert_error(c, 3, "database: must not be empty");
	free(c);
}

/* A single section given twice is refused with both lines, as a repeated [role "X"] is; named ones differ by name. */
static void
test_repeated_section(void **state)
{
	static const char *const plain[] = { "outbox", "actions", "disputes", "reviews", "asye", "caseloads" };
	char *body, *c, *want, *path, *cause = NULL;
	struct config *cfg;
	size_t i;

	(void)state;
	c = load_fail("[outbox]\nbatch = 5\n[daemon]\ntick = 2min\n");
	assert_error(c, 5, "[daemon] repeats the section begun at line 1");
	free(c);
	for (i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		xasprintf(&body, "[%s]\n[role \"dcs\"]\nemail = dcs@council.example\n[%s]\n", plain[i], plain[i]);
		c = load_fail(body);
		xasprintf(&want, "[%s] repeats the section begun at line 3", plain[i]);
		assert_error(c, 6, want);
		free(want), free(c), free(body);
	}
	/* The README's example: the error carries the file, the repeat's line and the first's. */
	c = load_fail("[actions]\namber_within = 15wd\n[outbox]\nbatch = 5\n[actions]\nstale_after = 6w\n");
	assert_error(c, 7, "[actions] repeats the section begun at line 3");
	free(c);
	/* Different names are different sections. */
	path = write_ini("two-roles.ini", "[role \"a\"]\nemail = a@council.example\n[role \"b\"]\nreports_to = a\n", 1);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(cfg->nroles, 2);
	config_free(cfg);
	free(path);
}

/*
 * The reader hands inih whole lines: one too long for inih's buffer, or holding a NUL byte, is an
 * error at its own line, and the lines after it keep their numbers.
 */
static void
test_long_and_nul_lines(void **state)
{
	char *body, *c, *cause = NULL, title[401];
	static const char nul[] = "[daemon]\ntick = 60s\0junk\n[outbox]\nbatch = none\n";
	struct config *cfg;

	(void)state;
	memset(title, 'T', 400);
	title[400] = '\0';
	xasprintf(&body, "[role \"r\"]\ntitle = %s\nemail = not-an-address\n", title);
	c = load_fail(body);
	assert_error(c, 4, "line longer than");
	assert_error(c, 5, "email: \"not-an-address\" is not an email address");
	assert_null(strstr(c, "bad.ini:6:"));
	free(c), free(body);
	/* Loaded from memory, as the fuzzer does: the same reader, the same errors. */
	cfg = config_load_buffer("bad.ini", nul, sizeof nul - 1, 0, &cause);
	assert_null(cfg);
	assert_error(cause, 2, "a NUL byte in the line");
	assert_error(cause, 4, "batch: \"none\" is not a whole number");
	free(cause);
}

/* config_load_buffer: errors name the buffer; CONFIG_NO_FILES opens none of the files the text names. */
static void
test_load_buffer(void **state)
{
	static const char text[] = "[daemon]\nbank_holidays = /nonexistent/bh.txt\ntick = 2min\n"
				   "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1:2525\ntls = none\n"
				   "password_file = /nonexistent/secret\nusername = u\n";
	struct config *cfg;
	char *cause = NULL;

	(void)state;
	cfg = config_load_buffer("mem.ini", text, sizeof text - 1, CONFIG_NO_FILES, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(cfg->tick, 120);
	assert_null(cfg->path);
	assert_null(cfg->calendar);
	assert_null(config_transport(cfg, "mail")->t.password);
	config_free(cfg);
	/* Without the flag the files are read, and missing ones are errors with their lines. */
	assert_null(config_load_buffer("mem.ini", text, sizeof text - 1, 0, &cause));
	if (strstr(cause, "mem.ini:8: password_file: /nonexistent/secret") == NULL ||
	    strstr(cause, "/nonexistent/bh.txt") == NULL)
		fail_msg("%s", cause);
	free(cause);
	/* Not NUL-terminated: only len bytes are read. */
	cause = NULL;
	cfg = config_load_buffer("mem.ini", "[outbox]\nbatch = 5x", 18, CONFIG_NO_FILES, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(cfg->outbox_batch, 5);
	config_free(cfg);
}

/*
 * Transport settings the start would refuse are refused by config loading, with the section's line:
 * the same checks transport_new runs (transport_check), so check-config and the start agree.
 */
static void
test_transport_checks(void **state)
{
	static const struct {
		const char *section; /* after [transport "t"] at line 3 */
		const char *error;   /* NULL: accepted */
	} cases[] = {
		{ "type = webhook\nformat = json\nurl = http://hooks.council.example/dw\n",
		    "url must be https:// (http:// only to loopback)" },
		{ "type = webhook\nformat = json\nurl = http://127.0.0.1:8080/\n", NULL },
		{ "type = webhook\nformat = json\nurl = http://[::1]:8080/\n", NULL },
		{ "type = webhook\nformat = teams\nurl = http://localhost/hook\n", NULL },
		{ "type = webhook\nformat = json\nurl = https://hooks.council.example/dw\n", NULL },
		{ "type = webhook\nformat = json\nurl = gopher://hooks.council.example/\n", "[transport \"t\"]: url " },
		{ "type = webhook\nformat = json\nurl = file:///etc/passwd\n", "[transport \"t\"]: url " },
		{ "type = webhook\nformat = json\nurl = https://[::1\n", "url does not parse" },
		{ "type = webhook\nformat = json\nurl = hooks.council.example/dw\n", "url must be https://" },
		{ "type = smtp\nurl = smtp://relay.council.example:25\ntls = none\n",
		    "tls = none is allowed only to a relay on loopback" },
		{ "type = smtp\nurl = smtp://127.0.0.1:25\ntls = none\n", NULL },
		{ "type = smtp\nurl = smtp://relay.council.example:587\n", NULL },
		{ "type = smtp\nurl = smtps://smtp.council.example:465\n", NULL },
		{ "type = smtp\nurl = file:///var/mail/dw\n", "url scheme \"file\" is not smtp or smtps" },
		{ "type = smtp\nurl = https://smtp.council.example/\n", "url scheme \"https\" is not smtp or smtps" },
		{ "type = smtp\nurl = smtp://[::1\n", "url does not parse" },
		{ "type = smtp\nurl = smtps://127.0.0.1:465\ntls = none\n", "tls = none contradicts smtps://" },
	};
	char *body, *c, *want, *path, *cause, *url;
	struct config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		xasprintf(&body, "[transport \"t\"]\n%s", cases[i].section);
		if (cases[i].error != NULL) {
			c = load_fail(body);
			xasprintf(&want, "[transport \"t\"]: %s", cases[i].error);
			if (strstr(cases[i].error, "[transport") == cases[i].error)
				free(want), want = xstrdup(cases[i].error);
			assert_error(c, 3, want);
			free(want), free(c);
		} else {
			path = write_ini("good.ini", body, 1);
			cause = NULL;
			if ((cfg = config_load(path, &cause)) == NULL)
				fail_msg("case %zu refused: %s", i, cause);
			config_free(cfg);
			free(path);
		}
		free(body);
	}
	/* The address from url_file (a Teams workflow URL) is checked once read. */
	url = write_temp_file(tmpdir, "plain-url", "http://prod-12.uksouth.logic.azure.example/workflows/1\n", 0600);
	xasprintf(&body, "[transport \"teams\"]\ntype = webhook\nformat = teams\nurl_file = %s\n", url);
	c = load_fail(body);
	assert_error(c, 3, "[transport \"teams\"]: url must be https:// (http:// only to loopback)");
	free(c), free(body), free(url);
}

/* A file of nothing but errors lists the first CONFIG_ERRORS_MAX (50) with their lines and counts the rest. */
static void
test_error_cap(void **state)
{
	char *body = NULL, *c, *want;
	int i, lines = 0;

	(void)state;
	for (i = 0; i < 60; i++)
		xappendf(&body, "bogus%d = 1\n", i);
	c = load_fail(body);
	assert_error(c, 3, "unknown key \"bogus0\"");
	assert_error(c, 52, "unknown key \"bogus49\"");
	assert_null(strstr(c, "bogus50"));
	xasprintf(&want, "%s/bad.ini: and 10 more errors", tmpdir);
	assert_non_null(strstr(c, want));
	for (i = 0; c[i] != '\0'; i++)
		lines += c[i] == '\n';
	assert_int_equal(lines, 50);
	free(want), free(c), free(body);
}

/* proxy_login_file: user:password on one line, and only where there is a proxy to log in to. */
static void
test_proxy_login(void **state)
{
	char *login, *body, *c;

	(void)state;
	login = write_temp_file(tmpdir, "bad-login", "svc-dw\n", 0600);
	xasprintf(&body,
	    "[transport \"hook\"]\ntype = webhook\nformat = json\nurl = https://h.example/\n"
	    "proxy = http://proxy.council.example:8080\nproxy_login_file = %s\n",
	    login);
	c = load_fail(body);
	assert_error(c, 3, "proxy_login_file: want user:password on one line");
	free(c), free(body), free(login);
	login = write_temp_file(tmpdir, "login", "svc-dw:pr0xy\n", 0600);
	xasprintf(&body,
	    "[transport \"hook\"]\ntype = webhook\nformat = json\nurl = https://h.example/\n"
	    "proxy = none\nproxy_login_file = %s\n",
	    login);
	c = load_fail(body);
	assert_error(c, 3, "proxy_login_file with proxy = none: no proxy to log in to");
	free(c), free(body), free(login);
}

/* Load a transport whose password_file (line 6) has this mode; NULL and the cause, or the config. */
static struct config *
load_secret_mode(mode_t mode, char **cause)
{
	char *secret, *body, *path;
	struct config *cfg;

	secret = write_temp_file(tmpdir, "mode-secret", "hunter2\n", mode);
	xasprintf(&body,
	    "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1\npassword_file = %s\nusername = u\n", secret);
	path = write_ini("bad.ini", body, 1);
	*cause = NULL;
	cfg = config_load(path, cause);
	free(secret), free(body), free(path);
	return cfg;
}

/*
 * A secret file must be 0600 or stricter (README): group or world access of any kind is refused,
 * naming the file, its mode and the line that named it; a missing one names its path.
 */
static void
test_secret_mode(void **state)
{
	static const mode_t open_modes[] = { 0640, 0644, 0604, 0620, 0660, 0610, 0602, 0601 };
	static const mode_t fine_modes[] = { 0600, 0400, 0700 };
	char *body, *c, *want, *secret;
	struct config *cfg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof open_modes / sizeof open_modes[0]; i++) {
		assert_null(load_secret_mode(open_modes[i], &c));
		xasprintf(&want, "%s/mode-secret: mode %04o is too open: password_file wants 0600 or stricter", tmpdir,
		    (unsigned)open_modes[i]);
		assert_error(c, 6, want);
		free(want), free(c);
	}
	for (i = 0; i < sizeof fine_modes / sizeof fine_modes[0]; i++) {
		if ((cfg = load_secret_mode(fine_modes[i], &c)) == NULL)
			fail_msg("mode %04o refused: %s", (unsigned)fine_modes[i], c);
		assert_string_equal(config_transport(cfg, "mail")->t.password, "hunter2");
		config_free(cfg);
	}
	xasprintf(
	    &body, "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1\npassword_file = %s/none\n", tmpdir);
	c = load_fail(body);
	assert_error(c, 6, "No such file");
	free(c), free(body);
	/* A systemd credential is read from $CREDENTIALS_DIRECTORY, whatever its mode. */
	secret = write_temp_file(tmpdir, "open-secret", "hunter2\n", 0640);
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	xasprintf(&body,
	    "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1\npassword_file = credential:open-secret\n"
	    "username = u\n");
	char *path = write_ini("cred.ini", body, 1), *cause = NULL;
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_string_equal(config_transport(cfg, "mail")->t.password, "hunter2");
	config_free(cfg);
	unsetenv("CREDENTIALS_DIRECTORY");
	free(path), free(body), free(secret);
}

/* A missing or malformed bank holiday file is a config error with its line. */
static void
test_bank_holidays_errors(void **state)
{
	char *bh, *path, *cause = NULL, *body;

	(void)state;
	bh = write_temp_file(tmpdir, "bh.txt", "# comment\n2021-01-01  New Year\n2021-13-01  Nonsense\n", 0644);
	xasprintf(&body, "[daemon]\nbank_holidays = %s\n", bh);
	path = write_ini("bh.ini", body, 0);
	assert_null(config_load(path, &cause));
	char *want;
	xasprintf(&want, "%s:3:", bh);
	if (strstr(cause, want) == NULL)
		fail_msg("expected %s in %s", want, cause);
	free(want), free(cause), free(path), free(body);
	cause = NULL;
	xasprintf(&body, "[daemon]\nbank_holidays = %s/missing.txt\n", tmpdir);
	path = write_ini("bh2.ini", body, 0);
	assert_null(config_load(path, &cause));
	assert_non_null(strstr(cause, "missing.txt"));
	free(cause), free(path), free(body), free(bh);
}

/* Every key in the table is documented in etc/driftwatch.ini, in table order, and in the README. */
static void
test_documented(void **state)
{
	char *ini = slurp("etc/driftwatch.ini"), *readme = slurp("README.md"), *want, *at, *pos = ini;
	const char *section = NULL;
	int i;

	(void)state;
	for (i = 0; i < config_key_count(); i++) {
		const struct config_key_info *k = config_key_at(i);
		if (section == NULL || strcmp(section, k->section) != 0) {
			/* Each section starts after its header (plain or named). */
			xasprintf(&want, "[%s", k->section);
			at = strstr(pos, want);
			if (at == NULL)
				fail_msg("etc/driftwatch.ini: no section [%s after the previous one", k->section);
			pos = at;
			free(want);
			section = k->section;
		}
		xasprintf(&want, "\n;%s =", k->name);
		at = strstr(pos, want);
		if (at == NULL) {
			free(want);
			xasprintf(&want, "\n%s =", k->name);
			at = strstr(pos, want);
		}
		if (at == NULL)
			fail_msg("etc/driftwatch.ini: key %s.%s is missing or out of table order", k->section, k->name);
		pos = at;
		free(want);
		xasprintf(&want, "`%s`", k->name);
		if (strstr(readme, want) == NULL)
			fail_msg("README.md: key %s.%s is not documented (want `%s`)", k->section, k->name, k->name);
		free(want);
	}
	free(ini), free(readme);
}

/* The sample ini itself is valid (with the bank holiday path pointed at the repository copy). */
static void
test_sample_ini_valid(void **state)
{
	char *ini = slurp("etc/driftwatch.ini"), *path, *cause = NULL, *fixed, *p;
	struct config *cfg;

	(void)state;
	/* Point the commented default at the repository's copy by prepending a [daemon] override. */
	p = strstr(ini, "[daemon]");
	assert_non_null(p);
	xasprintf(
	    &fixed, "%.*s[daemon]\nbank_holidays = %s\n%s", (int)(p - ini), ini, holidays, p + strlen("[daemon]\n"));
	path = write_ini("sample.ini", fixed, 0);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	config_free(cfg);
	free(ini), free(path), free(fixed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_with_lines),
		cmocka_unit_test(test_secret_mode),
		cmocka_unit_test(test_bank_holidays_errors),
		cmocka_unit_test(test_documented),
		cmocka_unit_test(test_sample_ini_valid),
		cmocka_unit_test(test_proxy_login),
		cmocka_unit_test(test_empty_values),
		cmocka_unit_test(test_empty_database),
		cmocka_unit_test(test_repeated_section),
		cmocka_unit_test(test_long_and_nul_lines),
		cmocka_unit_test(test_load_buffer),
		cmocka_unit_test(test_transport_checks),
		cmocka_unit_test(test_error_cap),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
