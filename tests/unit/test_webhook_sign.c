/*
 * test_webhook_sign.c: Standard Webhooks signatures against vectors computed independently (Python's
 * hmac and base64; the first is also the spec's own example), the json and teams bodies, the 28 KB
 * Teams limit, Retry-After parsing and the stable webhook-id.
 *
 * The vectors came from:
 *	key = base64.b64decode(secret[6:]) if secret.startswith("whsec_") else secret.encode()
 *	"v1," + base64.b64encode(hmac.new(key, f"{id}.{ts}.{body}".encode(), hashlib.sha256).digest())
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "transport.h"
#include "webhook.h"

/* A notice as the outbox hands it over. */
static struct notice
test_notice(void)
{
	struct notice n;

	memset(&n, 0, sizeof n);
	n.id = 42;
	n.dedupe_key = "rule:dispute|subject:D77|level:2|to:iro-teams";
	n.kind = "escalation";
	n.recipient = "iro-teams";
	n.subject = "Dispute D77: stage 2 overdue";
	n.body_text = "Stage 2 of dispute D77 was due on 1 March 2021.";
	n.now = 1614589200;
	return n;
}

static void
test_signature_vectors(void **state)
{
	char *sig;

	(void)state;
	sig = webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
	    "{\"test\": 2432232314}", strlen("{\"test\": 2432232314}"));
	assert_string_equal(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
	free(sig);
	sig = webhook_signature("council-shared-secret", "msg_dw_42_0123456789ab", 1795335223,
	    "{\"kind\":\"escalation\",\"notice\":42}", strlen("{\"kind\":\"escalation\",\"notice\":42}"));
	assert_string_equal(sig, "v1,iXaWh5R9yZfloZvRY9AE+XeTx4V1rZKQ334IVyNMKFw=");
	free(sig);
	/* "whsec_" followed by something that is not base64 cannot sign. */
	assert_null(webhook_signature("whsec_not*base64", "x", 0, "", 0));
}

static void
test_webhook_id_stable(void **state)
{
	struct notice a = test_notice(), b = test_notice();
	char *ida = notice_webhook_id(&a), *idb = notice_webhook_id(&b);

	(void)state;
	assert_string_equal(ida, idb);
	assert_true(strncmp(ida, "msg_dw_42_", 10) == 0);
	assert_int_equal(strlen(ida), 10 + 12);
	free(idb);
	b.id = 43;
	idb = notice_webhook_id(&b);
	assert_string_not_equal(ida, idb);
	free(ida);
	free(idb);
}

static void
test_json_body(void **state)
{
	struct notice n = test_notice();
	char *body, *cause = NULL, *id;
	json_t *doc;

	(void)state;
	n.payload = "{\"reference\":\"D77\",\"level\":2,\"due\":\"2021-03-01\",\"links\":[\"https://x.example/D77\"],"
		    "\"id\":\"forged\"}";
	body = webhook_body(&n, "json", &cause);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	id = notice_webhook_id(&n);
	/* Our id wins over a payload's. */
	assert_string_equal(json_string_value(json_object_get(doc, "id")), id);
	assert_string_equal(json_string_value(json_object_get(doc, "kind")), "escalation");
	assert_int_equal(json_integer_value(json_object_get(doc, "notice")), 42);
	assert_string_equal(json_string_value(json_object_get(doc, "subject")), n.subject);
	assert_string_equal(json_string_value(json_object_get(doc, "text")), n.body_text);
	assert_string_equal(json_string_value(json_object_get(doc, "reference")), "D77");
	assert_int_equal(json_integer_value(json_object_get(doc, "level")), 2);
	assert_true(json_is_array(json_object_get(doc, "links")));
	json_decref(doc);
	free(id);
	free(body);
	/* A payload that is not JSON makes the notice unrenderable. */
	n.payload = "{not json";
	assert_null(webhook_body(&n, "json", &cause));
	assert_non_null(cause);
	free(cause);
}

/* The json body as the code before the hand-written one built it: a jansson tree, dumped compact. */
static char *
test_reference_body(const struct notice *n)
{
	json_t *doc = json_object(), *payload, *v;
	const char *fields[][2] = { { "kind", n->kind }, { "dedupe_key", n->dedupe_key }, { "recipient", n->recipient },
		{ "subject", n->subject }, { "text", n->body_text } };
	char *id = notice_webhook_id(n), *s = NULL;
	size_t i;

	json_object_set_new(doc, "id", json_string(id));
	free(id);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if ((v = json_string(fields[i][1] != NULL ? fields[i][1] : "")) == NULL)
			goto out; /* not UTF-8: no body */
		json_object_set_new(doc, fields[i][0], v);
		if (i == 0)
			json_object_set_new(doc, "notice", json_integer(n->id));
	}
	if (n->payload != NULL) {
		if ((payload = json_loads(n->payload, JSON_REJECT_DUPLICATES, NULL)) == NULL)
			goto out;
		if (json_is_object(payload))
			json_object_update_missing(doc, payload);
		else
			json_object_set(doc, "payload", payload);
		json_decref(payload);
	}
	s = json_dumps(doc, JSON_COMPACT);
out:
	json_decref(doc);
	return s;
}

/* webhook_body and the reference agree: the same bytes, or both refuse. */
static void
test_same_as_reference(const struct notice *n)
{
	char *got, *want, *cause = NULL;

	got = webhook_body(n, "json", &cause);
	want = test_reference_body(n);
	if (want == NULL) {
		assert_null(got);
		assert_non_null(cause);
		free(cause);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

/*
 * The hand-written json body is byte for byte what jansson gave: every escape, UTF-8 kept or
 * refused by the same rules, payload members merged after ours in their order, and random strings.
 */
static void
test_json_body_as_jansson(void **state)
{
	static const char *const pieces[] = { "a", "Z", " ", "/", "\"", "\\", "\x01", "\x1f", "\x7f", "\b", "\f", "\n",
		"\r", "\t", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf",
		"\xc2\x80", "\xe0\xa0\x80", "\xf0\x90\x80\x80", "\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
		"\xed\xa0\x80", "\xed\xbf\xbf", "\xf0\x80\x80\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",
		"\xe2\x82", "\xf0\x9f\x98", "\xc3" };
	static const char *const payloads[] = {
		"{\"reference\":\"D77\",\"id\":\"forged\",\"text\":1,\"z\":[1,{\"a\":null}]}",
		"{\"\xc3\xa9t\\u00e9\":\"\\u0001\\/x\",\"n\":-1.5e3,\"b\":true}", "[1,2,\"three\"]", "42",
		"\"a string\"", "null", "{}"
	};
	struct notice n = test_notice();
	unsigned int seed = 17;
	char buf[5][200];
	size_t i, j, k;
	int f;

	(void)state;
	test_same_as_reference(&n);
	n.kind = NULL;
	n.dedupe_key = NULL;
	n.body_text = NULL;
	test_same_as_reference(&n);
	n = test_notice();
	for (i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
		n.payload = payloads[i];
		test_same_as_reference(&n);
	}
	/* Every piece alone in every field, then random mixes of them. */
	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		n = test_notice();
		n.subject = pieces[i];
		test_same_as_reference(&n);
		n = test_notice();
		n.body_text = pieces[i];
		test_same_as_reference(&n);
	}
	for (i = 0; i < 3000; i++) {
		for (f = 0; f < 5; f++) {
			buf[f][0] = '\0';
			for (j = 0, k = (size_t)rand_r(&seed) % 12; j < k; j++) {
				/* Mostly valid pieces, so that most strings get through to the escaping. */
				size_t p = (size_t)rand_r(&seed) %
				    (rand_r(&seed) % 4 == 0 ? sizeof pieces / sizeof pieces[0] : 22);
				strcat(buf[f], pieces[p]);
			}
		}
		n = test_notice();
		n.kind = buf[0];
		n.dedupe_key = buf[1];
		n.recipient = buf[2];
		n.subject = buf[3];
		n.body_text = buf[4];
		test_same_as_reference(&n);
	}
}

/* Check a teams document's shape and return its text block's text. */
static const char *
test_teams_shape(json_t *doc, const char *subject)
{
	json_t *att, *card, *blocks;

	assert_string_equal(json_string_value(json_object_get(doc, "type")), "message");
	att = json_array_get(json_object_get(doc, "attachments"), 0);
	assert_non_null(att);
	assert_string_equal(
	    json_string_value(json_object_get(att, "contentType")), "application/vnd.microsoft.card.adaptive");
	card = json_object_get(att, "content");
	assert_string_equal(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
	assert_string_equal(json_string_value(json_object_get(card, "version")), "1.4");
	assert_string_equal(
	    json_string_value(json_object_get(card, "$schema")), "http://adaptivecards.io/schemas/adaptive-card.json");
	blocks = json_object_get(card, "body");
	assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, 0), "text")), subject);
	assert_string_equal(json_string_value(json_object_get(json_array_get(blocks, 0), "weight")), "Bolder");
	assert_true(json_is_true(json_object_get(json_array_get(blocks, 1), "wrap")));
	return json_string_value(json_object_get(json_array_get(blocks, 1), "text"));
}

static void
test_teams_body(void **state)
{
	struct notice n = test_notice();
	char *body, *cause = NULL, *text;
	const char *got;
	json_t *doc;
	size_t i;

	(void)state;
	body = webhook_body(&n, "teams", &cause);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(test_teams_shape(doc, n.subject), n.body_text);
	json_decref(doc);
	free(body);

	/* 100 KB of text: valid JSON, under 28 KB, cut with a note. */
	text = malloc(100 * 1024 + 1);
	for (i = 0; i < 100 * 1024; i++)
		text[i] = "Stage 2 of dispute D77 — overdue. "[i % 36];
	text[100 * 1024] = '\0';
	/* The pattern holds a 3-byte character: make sure we end on a whole one. */
	while (((unsigned char)text[strlen(text) - 1] & 0xc0) == 0x80 || (unsigned char)text[strlen(text) - 1] >= 0xc0)
		text[strlen(text) - 1] = '\0';
	n.body_text = text;
	body = webhook_body(&n, "teams", &cause);
	assert_non_null(body);
	assert_true(strlen(body) < WEBHOOK_TEAMS_MAX);
	assert_true(strlen(body) > WEBHOOK_TEAMS_MAX - 1024); /* it kept as much as fits */
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	got = test_teams_shape(doc, n.subject);
	assert_non_null(strstr(got, "[Truncated"));
	assert_true(strncmp(got, text, 1000) == 0);
	json_decref(doc);
	free(body);

	/* Text that grows sixfold when escaped still ends up valid and under the limit. */
	memset(text, '\x01', 100 * 1024);
	body = webhook_body(&n, "teams", &cause);
	assert_non_null(body);
	assert_true(strlen(body) < WEBHOOK_TEAMS_MAX);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	json_decref(doc);
	free(body);
	free(text);
}

static void
test_retry_after(void **state)
{
	time_t now = 1614589200;

	(void)state;
	assert_int_equal(webhook_parse_retry_after("120", now), 120);
	assert_int_equal(webhook_parse_retry_after(" 7\r\n", now), 7);
	/* 2021-03-01 09:01:00 GMT is 60 s after now. */
	assert_int_equal(webhook_parse_retry_after(" Mon, 01 Mar 2021 09:01:00 GMT\r\n", now), 60);
	assert_int_equal(webhook_parse_retry_after("Mon, 01 Mar 2021 08:00:00 GMT", now), 0);
	assert_int_equal(webhook_parse_retry_after("soon", now), 0);
	assert_int_equal(webhook_parse_retry_after("12abc", now), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature_vectors),
		cmocka_unit_test(test_webhook_id_stable),
		cmocka_unit_test(test_json_body),
		cmocka_unit_test(test_json_body_as_jansson),
		cmocka_unit_test(test_teams_body),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
