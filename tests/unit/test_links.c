/*
 * test_links.c: links_for_notice, what a notice's recipient may answer: each part's links and
 * labels, "This is not mine" on every notice, none on a digest, none (and how to answer instead)
 * without public_url; each URL is public_url/a/TOKEN whose token names the action, the record and
 * the recipient, and expires at the end of the day [links] expiry ahead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "links.h"
#include "store.h"
#include "token.h"
#include "test_util.h"

static char tmpdir[] = "/tmp/dw-links-XXXXXX";
static struct store *st;
static struct config *cfg, *cfg_nourl;

#define NOW ((time_t)1653296400) /* 2022-05-23 09:00 UTC */

static int
setup(void **state)
{
	char *path, *ini, *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	xasprintf(&ini, "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
			"[http]\nlisten = 127.0.0.1:8080\npublic_url = http://127.0.0.1:8080/\n[links]\nexpiry = 2w\n",
	    tmpdir, top_dir());
	path = write_temp_file(tmpdir, "dw.ini", ini, 0600);
	if ((cfg = config_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(ini), free(path);
	xasprintf(&ini, "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n",
	    tmpdir, top_dir());
	path = write_temp_file(tmpdir, "nourl.ini", ini, 0600);
	if ((cfg_nourl = config_load(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(ini), free(path);
	xasprintf(&path, "%s/dw.db", tmpdir);
	if ((st = store_open(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(path);
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	store_close(st);
	config_free(cfg);
	config_free(cfg_nourl);
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fail_msg("cannot remove %s", tmpdir);
	free(cmd);
	return 0;
}

/* The links for a subject, in a transaction; the test fails when links_for_notice does. */
static void
links(const struct config *c, const struct link_subject *sub, struct notice_links *out)
{
	char *cause = NULL;

	assert_int_equal(store_begin(st, &cause), 0);
	if (links_for_notice(st, c, sub, NOW, out, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(st, &cause), 0);
}

/* The token of a link's URL, checked. */
static void
link_token(const struct notice_link *l, struct token *t)
{
	const char *prefix = "http://127.0.0.1:8080/a/";

	assert_true(strncmp(l->url, prefix, strlen(prefix)) == 0);
	assert_int_equal(token_check(st, l->url + strlen(prefix), TOKEN_ANSWER, NOW, 0, t), TOKEN_OK);
}

static void
test_dispute_parts(void **state)
{
	struct link_subject sub = { LINK_DISPUTE, "responder", 7, "CR-1001", NULL, DATE_NONE, "hos@council.example",
		"disputes:7:informal:due:hos" };
	struct notice_links out;
	struct token t;

	(void)state;
	links(cfg, &sub, &out);
	assert_int_equal(out.n, 2);
	assert_null(out.instead);
	assert_string_equal(out.v[0].label, "Record our response");
	assert_string_equal(out.v[1].label, "This is not mine");
	link_token(&out.v[0], &t);
	assert_string_equal(t.action, "dispute-respond");
	assert_int_equal(t.domain, 'd');
	assert_int_equal(t.id, 7);
	assert_string_equal(t.recipient, "hos@council.example");
	/* 2w from Monday 23 May 2022, to the end of that day: valid until midnight of 6-7 June (BST). */
	assert_int_equal(t.expires, calendar_local_time(date_from_ymd(2022, 6, 7), 0));
	link_token(&out.v[1], &t);
	assert_string_equal(t.action, "not-mine");
	assert_string_equal(t.plan, "disputes:7:informal:due:hos");
	notice_links_free(&out);

	sub.role = "iro";
	links(cfg, &sub, &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].label, "Resolved");
	assert_string_equal(out.v[1].label, "Not satisfied: escalate");
	assert_string_equal(out.v[2].label, "This is not mine");
	notice_links_free(&out);

	/* A manager told of another's dispute answers nothing but "not mine". */
	sub.role = "escalation";
	links(cfg, &sub, &out);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0].label, "This is not mine");
	notice_links_free(&out);
}

static void
test_other_parts(void **state)
{
	struct link_subject action = { LINK_ACTION, "lead-officer", 3, "1.1a", "ILACS", DATE_NONE, "lead@council.example",
		"actions:x" };
	struct link_subject review = { LINK_REVIEW, "social-worker", 0, "566910", NULL, date_from_ymd(2022, 6, 30),
		"sam@council.example", "reviews:y" };
	struct link_subject asye = { LINK_ASYE, "team-manager", 0, "P001", NULL, DATE_NONE, "tm@council.example",
		"asye:z" };
	struct link_subject digest = { LINK_DIGEST, "dcs", 0, NULL, NULL, DATE_NONE, "dcs@council.example", "digest:1" };
	struct notice_links out;
	struct token t;

	(void)state;
	links(cfg, &action, &out);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[0].label, "Update progress");
	link_token(&out.v[0], &t);
	assert_string_equal(t.ref, "1.1a");
	assert_string_equal(t.plan, "ILACS");
	notice_links_free(&out);

	links(cfg, &review, &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].label, "Review is booked for a date");
	assert_string_equal(out.v[1].label, "Review held on 2022-06-30");
	link_token(&out.v[1], &t);
	assert_string_equal(t.action, "review-held");
	assert_string_equal(t.ref, "566910");
	assert_int_equal(t.due, date_from_ymd(2022, 6, 30));
	notice_links_free(&out);

	links(cfg, &asye, &out);
	assert_int_equal(out.n, 3);
	assert_string_equal(out.v[0].label, "Supervision held on a date");
	assert_string_equal(out.v[1].label, "Protected hours this week");
	notice_links_free(&out);

	links(cfg, &digest, &out);
	assert_int_equal(out.n, 0);
	notice_links_free(&out);
}

static void
test_no_public_url(void **state)
{
	struct link_subject sub = { LINK_DISPUTE, "responder", 7, "CR-1001", NULL, DATE_NONE, "hos@council.example",
		"disputes:7" };
	struct notice_links out;

	(void)state;
	links(cfg_nourl, &sub, &out);
	assert_int_equal(out.n, 0);
	assert_non_null(out.instead);
	assert_null(out.feed_url);
	notice_links_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dispute_parts),
		cmocka_unit_test(test_other_parts),
		cmocka_unit_test(test_no_public_url),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
