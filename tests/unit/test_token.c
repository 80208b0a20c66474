/*
 * test_token.c: answer-link tokens: a round trip through a real store, then every way a token is
 * refused: its payload or signature changed, expired, the wrong purpose, its key rotated (good
 * during the grace period, refused after), a key this database never made, cut short or garbage;
 * and single use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "store.h"
#include "token.h"
#include "test_util.h"

static char tmpdir[] = "/tmp/dw-token-XXXXXX";
static struct store *st;

#define NOW ((time_t)1796601600) /* 2026-12-07 00:00 UTC */
#define DAY 86400

static int
setup(void **state)
{
	char *path, *cause = NULL;

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_expired_and_purpose),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_single_use),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
