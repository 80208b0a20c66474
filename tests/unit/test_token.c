/*
 * test_token.c: answer-link tokens: a round trip through a real store, then every way a token is
 * refused: its payload or signature changed, expired, the wrong purpose, its key rotated (good
 * during the grace period, refused after), a key this database never made, cut short or garbage;
 * and single use. Then links_for_notice, what a notice's recipient may answer: each part's links
 * and labels, "This is not mine" on every notice, none on a digest, none (and how to answer
 * instead) without public_url; each URL public_url/a/TOKEN whose token names the action, the
 * record and the recipient, and expires at the end of the day [links] expiry ahead.
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

static char tmpdir[] = "/tmp/dw-token-XXXXXX";
static struct store *st;
static struct config *cfg, *cfg_nourl;

#define NOW ((time_t)1796601600) /* 2026-12-07 00:00 UTC */
#define DAY 86400

static int
setup(void **state)
{
	char *path, *ini, *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	xasprintf(&ini,
	    "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
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

/* A dispute responder's token, expiring in 30 days. */
static void
token_sample(struct token *t)
{
	memset(t, 0, sizeof *t);
	t->purpose = TOKEN_ANSWER;
	t->domain = 'd';
	t->id = 77;
	t->due = date_from_ymd(2026, 12, 14);
	t->expires = NOW + 30 * DAY;
	strcpy(t->action, "dispute-respond");
	strcpy(t->ref, "CR-1001");
	strcpy(t->recipient, "hos.north@council.example");
}

/* Make a token in its own transaction. */
static char *
make(struct token *t, time_t now)
{
	char *text, *cause = NULL;

	assert_int_equal(store_begin(st, &cause), 0);
	if ((text = token_make(st, t, now, &cause)) == NULL)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(st, &cause), 0);
	return text;
}

static void
test_round_trip(void **state)
{
	struct token t, back;
	char *text;

	(void)state;
	token_sample(&t);
	text = make(&t, NOW);
	assert_true(strlen(text) < TOKEN_TEXT_MAX);
	assert_null(strpbrk(text, "+/= \n")); /* safe in a URL's path as it stands */
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW + 1, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(back.key_id, t.key_id);
	assert_int_equal(back.domain, 'd');
	assert_int_equal(back.id, 77);
	assert_int_equal(back.due, t.due);
	assert_int_equal(back.expires, t.expires);
	assert_memory_equal(back.nonce, t.nonce, TOKEN_NONCE_LEN);
	assert_string_equal(back.action, "dispute-respond");
	assert_string_equal(back.ref, "CR-1001");
	assert_string_equal(back.plan, "");
	assert_string_equal(back.recipient, "hos.north@council.example");
	free(text);
}

/* Flip one character of text at i to another base64url character. */
static void
flip(char *text, size_t i)
{
	text[i] = text[i] == 'A' ? 'B' : 'A';
}

/*
 * A token made by another implementation (Python's hmac and base64, as tests/fuzz/corpus/token/
 * was written) reads back field by field and verifies; token_encode writes the same text.
 */
static void
test_vector(void **state)
{
	static const char text[] =
	    "AQAAAAFhZAAAAABrPYQAAAECAwQFBgcICQoLDA0ODwAAAAAAAABNAABRQQ9kaXNwdXRlLXJlc3BvbmQHQ1ItMTAwMQAZaG9z"
	    "Lm5vcnRoQGNvdW5jaWwuZXhhbXBsZQ.jyW6d9cQatH6cvDj--haEN-BX0e6vc4317cQkCRdL-4";
	static const unsigned char key[] = "driftwatch-fuzz-token-secret-32b";
	unsigned char payload[TOKEN_PAYLOAD_MAX], mac[TOKEN_MAC_LEN];
	struct token t;
	size_t len, i;
	char *again;

	(void)state;
	assert_int_equal(token_decode(text, &t, payload, &len, mac), TOKEN_OK);
	assert_int_equal(len, 94);
	assert_int_equal(t.key_id, 1);
	assert_int_equal(t.purpose, 'a');
	assert_int_equal(t.domain, 'd');
	assert_int_equal(t.expires, 1799193600);
	for (i = 0; i < TOKEN_NONCE_LEN; i++)
		assert_int_equal(t.nonce[i], i);
	assert_int_equal(t.id, 77);
	assert_int_equal(t.due, 20801);
	assert_string_equal(t.action, "dispute-respond");
	assert_string_equal(t.ref, "CR-1001");
	assert_string_equal(t.plan, "");
	assert_string_equal(t.recipient, "hos.north@council.example");
	assert_int_equal(token_verify_mac(payload, len, mac, key, 32), TOKEN_OK);
	assert_int_equal(
	    token_verify_mac(payload, len, mac, (const unsigned char *)"another key, 32 bytes long .....", 32),
	    TOKEN_BAD_SIGNATURE);
	again = token_encode(&t, key, 32);
	assert_string_equal(again, text);
	free(again);
}

static void
test_tampered(void **state)
{
	struct token t, back;
	char *text, *dot;
	size_t i;

	(void)state;
	token_sample(&t);
	text = make(&t, NOW);
	dot = strchr(text, '.');
	/* Every character of the payload, one at a time: never accepted. */
	for (i = 0; i < (size_t)(dot - text); i++) {
		char *copy = xstrdup(text);

		flip(copy, i);
		assert_int_not_equal(token_check(st, copy, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_OK);
		free(copy);
	}
	/* The signature changed: the payload reads, the signature does not match. */
	flip(dot + 5, 0);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_BAD_SIGNATURE);
	free(text);

	/* Another recipient with the original signature: the payload is signed, so refused. */
	token_sample(&t);
	text = make(&t, NOW);
	{
		unsigned char payload[TOKEN_PAYLOAD_MAX], mac[TOKEN_MAC_LEN], fake[TOKEN_SECRET_LEN];
		struct token other;
		size_t len;
		char *forged;

		assert_int_equal(token_decode(text, &other, payload, &len, mac), TOKEN_OK);
		strcpy(other.recipient, "someone.else@council.example");
		memset(fake, 7, sizeof fake);
		forged = token_encode(&other, fake, sizeof fake);
		assert_int_equal(token_check(st, forged, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_BAD_SIGNATURE);
		free(forged);
	}
	free(text);
}

static void
test_expired_and_purpose(void **state)
{
	struct token t, back;
	char *text;

	(void)state;
	token_sample(&t);
	text = make(&t, NOW);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW + 30 * DAY - 1, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW + 30 * DAY, 30 * DAY, &back), TOKEN_EXPIRED);
	assert_int_equal(token_check(st, text, TOKEN_FEED, NOW, 30 * DAY, &back), TOKEN_WRONG_PURPOSE);
	free(text);
}

static void
test_rotation(void **state)
{
	struct token t, back;
	char *old, *fresh, *cause = NULL;
	uint32_t id;

	(void)state;
	token_sample(&t);
	t.expires = NOW + 365 * DAY;
	old = make(&t, NOW);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(token_rotate(st, NOW + DAY, &id, &cause), 0);
	assert_int_equal(store_commit(st, &cause), 0);
	assert_int_not_equal(id, t.key_id);
	/* Within the grace period the old key still signs good links; after it, not. */
	assert_int_equal(token_check(st, old, TOKEN_ANSWER, NOW + 2 * DAY, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(token_check(st, old, TOKEN_ANSWER, NOW + 31 * DAY - 1, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(token_check(st, old, TOKEN_ANSWER, NOW + 31 * DAY, 30 * DAY, &back), TOKEN_KEY_RETIRED);
	/* New links are signed by the new key. */
	token_sample(&t);
	t.expires = NOW + 365 * DAY;
	fresh = make(&t, NOW + 2 * DAY);
	assert_int_equal(t.key_id, id);
	assert_int_equal(token_check(st, fresh, TOKEN_ANSWER, NOW + 40 * DAY, 30 * DAY, &back), TOKEN_OK);
	free(old), free(fresh);
}

static void
test_unknown_key(void **state)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	struct token t, back;
	char *text;

	(void)state;
	token_sample(&t);
	t.key_id = 999999;
	memset(secret, 1, sizeof secret);
	text = token_encode(&t, secret, sizeof secret);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_UNKNOWN_KEY);
	free(text);
}

static void
test_garbage(void **state)
{
	static const char *bad[] = { "", ".", "abc", "abc.", ".abc", "a.b.c", "!!!!.????", "AAAA.AAAA",
		"AQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "A===.A===" };
	struct token t, back;
	char *text, *cut, *huge;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(token_check(st, bad[i], TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_MALFORMED);
	token_sample(&t);
	text = make(&t, NOW);
	/* Every prefix of a good token is refused. */
	n = strlen(text);
	for (i = 0; i < n; i++) {
		cut = xstrdup(text);
		cut[i] = '\0';
		assert_int_not_equal(token_check(st, cut, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_OK);
		free(cut);
	}
	/* Longer than any token: refused before it is read. */
	huge = xmalloc(TOKEN_TEXT_MAX + 10);
	memset(huge, 'A', TOKEN_TEXT_MAX + 9);
	huge[TOKEN_TEXT_MAX + 9] = '\0';
	huge[100] = '.';
	assert_int_equal(token_check(st, huge, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_MALFORMED);
	free(huge);
	/* A field too long cannot be made. */
	memset(t.recipient, 'x', sizeof t.recipient);
	assert_null(token_encode(&t, (const unsigned char *)"k", 1));
	free(text);
}

static void
test_single_use(void **state)
{
	struct token t, back;
	char *text, *cause = NULL;

	(void)state;
	token_sample(&t);
	text = make(&t, NOW);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(token_use(st, &back, NOW, &cause), TOKEN_OK);
	assert_int_equal(store_commit(st, &cause), 0);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(token_use(st, &back, NOW, &cause), TOKEN_USED);
	store_rollback(st);
	/* A use rolled back with its change is no use: the token still works. */
	free(text);
	token_sample(&t);
	text = make(&t, NOW);
	assert_int_equal(token_check(st, text, TOKEN_ANSWER, NOW, 30 * DAY, &back), TOKEN_OK);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(token_use(st, &back, NOW, &cause), TOKEN_OK);
	store_rollback(st);
	assert_int_equal(store_begin(st, &cause), 0);
	assert_int_equal(token_use(st, &back, NOW, &cause), TOKEN_OK);
	assert_int_equal(store_commit(st, &cause), 0);
	free(text);
}

#define LNOW ((time_t)1653296400) /* 2022-05-23 09:00 UTC */

/* The links for a subject, in a transaction; the test fails when links_for_notice does. */
static void
links(const struct config *c, const struct link_subject *sub, struct notice_links *out)
{
	char *cause = NULL;

	assert_int_equal(store_begin(st, &cause), 0);
	if (links_for_notice(st, c, sub, LNOW, out, &cause) != 0)
		fail_msg("%s", cause);
	assert_int_equal(store_commit(st, &cause), 0);
}

/* The token of a link's URL, checked. */
static void
link_token(const struct notice_link *l, struct token *t)
{
	const char *prefix = "http://127.0.0.1:8080/a/";

	assert_true(strncmp(l->url, prefix, strlen(prefix)) == 0);
	assert_int_equal(token_check(st, l->url + strlen(prefix), TOKEN_ANSWER, LNOW, 0, t), TOKEN_OK);
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

	/* A notice key too long for a token: that one link is left out, the notice keeps the rest. */
	{
		char key[400];

		memset(key, 'k', sizeof key - 1);
		key[sizeof key - 1] = '\0';
		sub.role = "responder";
		sub.dedupe_key = key;
		links(cfg, &sub, &out);
		assert_int_equal(out.n, 1);
		assert_string_equal(out.v[0].label, "Record our response");
		notice_links_free(&out);
	}
}

static void
test_other_parts(void **state)
{
	struct link_subject action = { LINK_ACTION, "lead-officer", 3, "1.1a", "ILACS", DATE_NONE,
		"lead@council.example", "actions:x" };
	struct link_subject review = { LINK_REVIEW, "social-worker", 0, "566910", NULL, date_from_ymd(2022, 6, 30),
		"sam@council.example", "reviews:y" };
	struct link_subject asye = { LINK_ASYE, "team-manager", 0, "P001", NULL, DATE_NONE, "tm@council.example",
		"asye:z" };
	struct link_subject digest = { LINK_DIGEST, "dcs", 0, NULL, NULL, DATE_NONE, "dcs@council.example",
		"digest:1" };
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

/* How to subscribe: the first notice a person gets carries their feed URL, later ones do not; the
 * digest always does; nothing without public_url. */
static void
test_feed_url(void **state)
{
	struct link_subject sub = { LINK_ACTION, "lead-officer", 3, "1.1a", "ILACS", DATE_NONE, "new@council.example",
		"actions:first" };
	struct link_subject digest = { LINK_DIGEST, "dcs", 0, NULL, NULL, DATE_NONE, "dcs@council.example",
		"digest:2" };
	struct notice_links out;
	struct token t;
	const char *prefix = "http://127.0.0.1:8080/ics/";

	(void)state;
	links(cfg, &sub, &out);
	assert_non_null(out.feed_url);
	assert_true(strncmp(out.feed_url, prefix, strlen(prefix)) == 0);
	assert_non_null(strstr(out.feed_url, ".ics"));
	*strstr(out.feed_url, ".ics") = '\0';
	assert_int_equal(token_check(st, out.feed_url + strlen(prefix), TOKEN_FEED, LNOW, 0, &t), TOKEN_OK);
	assert_string_equal(t.recipient, "new@council.example");
	notice_links_free(&out);

	sub.dedupe_key = "actions:second";
	links(cfg, &sub, &out);
	assert_true(out.n > 0);
	assert_null(out.feed_url);
	notice_links_free(&out);

	links(cfg, &digest, &out);
	assert_non_null(out.feed_url);
	notice_links_free(&out);
	links(cfg, &digest, &out);
	assert_non_null(out.feed_url);
	notice_links_free(&out);

	sub.recipient = "other@council.example";
	links(cfg_nourl, &sub, &out);
	assert_null(out.feed_url);
	notice_links_free(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_expired_and_purpose),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_single_use),
		cmocka_unit_test(test_dispute_parts),
		cmocka_unit_test(test_other_parts),
		cmocka_unit_test(test_no_public_url),
		cmocka_unit_test(test_feed_url),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
