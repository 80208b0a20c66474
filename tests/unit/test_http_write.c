/*
 * test_http_write.c: http_write_parse, the body check and field extraction of every POST under
 * /v1 (daemon/http_write.c), without a store: what each write takes, the 400's field and message
 * for what it refuses, and that strings point into the body it keeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "calendar.h"
#include "http_int.h"

/* Parse a body given as a C string; the request is left for the caller to check and free. */
static int
parse(enum http_write_kind kind, const char *param, const char *body, struct http_write_request *r)
{
	return http_write_parse(kind, param, body, strlen(body), r);
}

/* Expect a refusal naming field with message. */
static void
refused(enum http_write_kind kind, const char *param, const char *body, const char *field, const char *message)
{
	struct http_write_request r;

	assert_int_equal(parse(kind, param, body, &r), -1);
	assert_non_null(r.field);
	assert_string_equal(r.field, field);
	assert_string_equal(r.message, message);
	http_write_request_free(&r);
}

/* A raise with every field, and the strings are the body's own. */
static void
test_raise(void **state)
{
	struct http_write_request r;
	int d;

	(void)state;
	assert_int_equal(
	    parse(HTTP_WRITE_DISPUTE_RAISE, NULL,
		"{\"case_ref\":\"CR-1\",\"iro_email\":\"i@x\",\"category\":\"contact\",\"stage\":\"2\",\"raised_on\":\"2022-05-20\"}",
		&r),
	    0);
	assert_string_equal(r.dispute.case_ref, "CR-1");
	assert_ptr_equal(r.dispute.case_ref, json_string_value(json_object_get(r.body, "case_ref")));
	assert_string_equal(r.dispute.stage, "2");
	assert_null(r.dispute.note);
	assert_int_equal(date_parse("2022-05-20", &d), 0);
	assert_int_equal(r.dispute.on, d);
	http_write_request_free(&r);
	assert_null(r.body);
}

/* What the body check refuses, and which field the 400 names. */
static void
test_refusals(void **state)
{
	(void)state;
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "[1]", "body", "want a JSON object");
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{\"a\":1,\"a\":2}", "body", "want a JSON object");
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{} x", "body", "want a JSON object");
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{\"case_ref\":\"CR-1\",\"iro_email\":\"i@x\"}", "category", "missing");
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{\"case_ref\":\"\"}", "case_ref", "want a non-empty string");
	/* jansson refuses an escaped NUL (no JSON_ALLOW_NUL): the body is not JSON at all. */
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{\"case_ref\":\"C\\u0000R\"}", "body", "want a JSON object");
	refused(HTTP_WRITE_DISPUTE_RAISE, NULL, "{\"child_name\":\"x\"}", "child_name", "not a field of this request");
	refused(HTTP_WRITE_DISPUTE_RESPOND, "0", "{\"note\":\"x\"}", "id", "not a dispute number");
	refused(HTTP_WRITE_DISPUTE_RESPOND, "1x", "{\"note\":\"x\"}", "id", "not a dispute number");
	refused(HTTP_WRITE_DISPUTE_RESPOND, "1", "", "note", "missing");
	refused(
	    HTTP_WRITE_DISPUTE_CAFCASS, "1", "{\"note\":\"x\",\"on\":\"2022-5-1\"}", "on", "want a date, YYYY-MM-DD");
	refused(HTTP_WRITE_DISPUTE_RESOLVE, "1", "{\"outcome\":\"x\",\"on\":\"2022-02-30\"}", "on",
	    "want a date, YYYY-MM-DD");
	refused(HTTP_WRITE_REVIEW, "CR-1", "{\"held_on\":\"2022-05-20\",\"brought_forward\":1}", "brought_forward",
	    "want true or false");
	refused(HTTP_WRITE_PROTECTED_TIME, "P1", "{\"week_of\":\"2023-01-16\"}", "hours", "missing");
	refused(HTTP_WRITE_PROTECTED_TIME, "P1", "{\"week_of\":\"2023-01-16\",\"hours\":-0.5}", "hours",
	    "want a number of hours, zero or more");
	refused(HTTP_WRITE_PROTECTED_TIME, "P1", "{\"week_of\":\"2023-01-16\",\"hours\":\"7\"}", "hours",
	    "want a number of hours, zero or more");
}

/* The {param} goes into the request; an empty body is {}; null is absent. */
static void
test_params(void **state)
{
	struct http_write_request r;

	(void)state;
	assert_int_equal(http_write_parse(HTTP_WRITE_DISPUTE_ESCALATE, "007", "", 0, &r), 0);
	assert_int_equal(r.dispute.id, 7);
	assert_null(r.dispute.stage);
	assert_int_equal(r.dispute.on, DATE_NONE);
	http_write_request_free(&r);
	assert_int_equal(parse(HTTP_WRITE_ACTION_PROGRESS, "1.1a", "{\"plan\":null,\"complete\":true}", &r), 0);
	assert_string_equal(r.action.ref, "1.1a");
	assert_null(r.action.plan);
	assert_int_equal(r.action.complete, 1);
	http_write_request_free(&r);
	assert_int_equal(parse(HTTP_WRITE_PROTECTED_TIME, "P1", "{\"week_of\":\"2023-01-16\",\"hours\":7.5}", &r), 0);
	assert_string_equal(r.asye.person_id, "P1");
	assert_true(r.asye.hours == 7.5);
	http_write_request_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raise),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
