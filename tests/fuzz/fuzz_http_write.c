/*
 * fuzz_http_write.c: libFuzzer target for the JSON bodies of the HTTP writes (http_write_parse in
 * daemon/http_write.c: the body check and the field extraction every POST under /v1 runs before
 * its operation), without a store. The input is one byte choosing the write (mod the number of
 * kinds), the path's {param} up to a newline, then the body's bytes, which may be anything. What
 * is checked: a refusal names a field and says what is wrong, and "body" exactly when the bytes
 * are not one JSON object; a request parsed holds only fields its write takes, each string the
 * body's own (non-empty, no NUL), each date one the body spells YYYY-MM-DD, each required field
 * there, hours finite and not negative, a dispute id the {param}'s digits; the same bytes parse
 * the same way twice.
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "http_int.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One field of a write: its name, what it is, and where the parser puts it. */
enum fuzz_type { FUZZ_STRING, FUZZ_DATE, FUZZ_BOOL, FUZZ_HOURS };
struct fuzz_field {
	const char *name;
	enum fuzz_type type;
	int required;
	size_t offset; /* into struct http_write_request */
};

#define F(name, type, req, member) \
	{ \
		name, type, req, offsetof(struct http_write_request, member) \
	}
#define FEND \
	{ \
		NULL, FUZZ_STRING, 0, 0 \
	}
/* Each write's fields, as the README and docs/openapi.yaml describe them (not as the parser reads them). */
static const struct fuzz_field fuzz_fields[HTTP_WRITE_NKINDS][7] = {
	[HTTP_WRITE_DISPUTE_RAISE] = { F("case_ref", FUZZ_STRING, 1, dispute.case_ref),
	    F("iro_email", FUZZ_STRING, 1, dispute.iro_email), F("category", FUZZ_STRING, 1, dispute.category),
	    F("stage", FUZZ_STRING, 0, dispute.stage), F("note", FUZZ_STRING, 0, dispute.note),
	    F("raised_on", FUZZ_DATE, 0, dispute.on), FEND },
	[HTTP_WRITE_DISPUTE_RESPOND] = { F("note", FUZZ_STRING, 1, dispute.note), F("on", FUZZ_DATE, 0, dispute.on),
	    FEND },
	[HTTP_WRITE_DISPUTE_ESCALATE] = { F("to", FUZZ_STRING, 0, dispute.stage),
	    F("note", FUZZ_STRING, 0, dispute.note), F("on", FUZZ_DATE, 0, dispute.on), FEND },
	[HTTP_WRITE_DISPUTE_RESOLVE] = { F("outcome", FUZZ_STRING, 1, dispute.outcome),
	    F("on", FUZZ_DATE, 0, dispute.on), FEND },
	[HTTP_WRITE_DISPUTE_CAFCASS] = { F("on", FUZZ_DATE, 1, dispute.on), F("note", FUZZ_STRING, 1, dispute.note),
	    FEND },
	[HTTP_WRITE_REVIEW] = { F("held_on", FUZZ_DATE, 1, review.date),
	    F("brought_forward", FUZZ_BOOL, 0, review.brought_forward), FEND },
	[HTTP_WRITE_PERMANENCE] = { F("plan", FUZZ_STRING, 1, review.plan), F("agreed_on", FUZZ_DATE, 1, review.date),
	    FEND },
	[HTTP_WRITE_ACTION_PROGRESS] = { F("plan", FUZZ_STRING, 0, action.plan), F("note", FUZZ_STRING, 0, action.note),
	    F("on", FUZZ_DATE, 0, action.on), F("complete", FUZZ_BOOL, 0, action.complete),
	    F("expected_on", FUZZ_DATE, 0, action.expected), FEND },
	[HTTP_WRITE_SUPERVISION] = { F("held_on", FUZZ_DATE, 1, asye.date), FEND },
	[HTTP_WRITE_PROTECTED_TIME] = { F("week_of", FUZZ_DATE, 1, asye.date), F("hours", FUZZ_HOURS, 1, asye.hours),
	    FEND },
};

/* Is name one of the write's fields? */
static const struct fuzz_field *
fuzz_field_find(enum http_write_kind kind, const char *name)
{
	const struct fuzz_field *f;

	for (f = fuzz_fields[kind]; f->name != NULL; f++) {
		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* A parsed request against its body: abort on anything the parser should not have let through. */
static void
fuzz_check_parsed(const struct http_write_request *r, const char *param)
{
	const struct fuzz_field *f;
	const char *name, *s;
	const char *const *allowed = http_write_fields_of(r->kind);
	const char *base = (const char *)r;
	json_t *v;
	char buf[11];
	int i, n;

	if (r->body == NULL || !json_is_object(r->body) || r->field != NULL)
		abort();
	/* The parser's list and this file's agree, and the body has no other field. */
	for (n = 0; allowed[n] != NULL; n++) {
		if (fuzz_field_find(r->kind, allowed[n]) == NULL)
			abort();
	}
	for (i = 0; fuzz_fields[r->kind][i].name != NULL; i++)
		;
	if (i != n)
		abort();
	json_object_foreach(r->body, name, v) {
		if (fuzz_field_find(r->kind, name) == NULL)
			abort();
	}
	for (f = fuzz_fields[r->kind]; f->name != NULL; f++) {
		v = json_object_get(r->body, f->name);
		if (f->required && (v == NULL || json_is_null(v)))
			abort();
		switch (f->type) {
		case FUZZ_STRING:
			memcpy(&s, base + f->offset, sizeof s);
			if (s == NULL) {
				if (v != NULL && !json_is_null(v))
					abort();
			} else if (!json_is_string(v) || s != json_string_value(v) || *s == '\0' ||
			    strlen(s) != json_string_length(v))
				abort();
			break;
		case FUZZ_DATE:
			memcpy(&i, base + f->offset, sizeof i);
			if (i == DATE_NONE) {
				if (v != NULL && !json_is_null(v))
					abort();
			} else if (!json_is_string(v) || strcmp(date_format(i, buf), json_string_value(v)) != 0)
				abort();
			break;
		case FUZZ_BOOL:
			memcpy(&i, base + f->offset, sizeof i);
			if (i != (v != NULL && json_is_true(v)) ||
			    (v != NULL && !json_is_null(v) && !json_is_boolean(v)))
				abort();
			break;
		case FUZZ_HOURS: {
			double h;
			memcpy(&h, base + f->offset, sizeof h);
			if (!json_is_number(v) || !isfinite(h) || h < 0 || h != json_number_value(v))
				abort();
			break;
		}
		}
	}
	switch (r->kind) {
	case HTTP_WRITE_DISPUTE_RESPOND:
	case HTTP_WRITE_DISPUTE_ESCALATE:
	case HTTP_WRITE_DISPUTE_RESOLVE:
	case HTTP_WRITE_DISPUTE_CAFCASS:
		if (r->dispute.id <= 0 || strspn(param, "0123456789") != strlen(param) ||
		    strtoll(param, NULL, 10) != r->dispute.id)
			abort();
		break;
	case HTTP_WRITE_REVIEW:
	case HTTP_WRITE_PERMANENCE:
		if (r->review.case_ref != param)
			abort();
		break;
	case HTTP_WRITE_ACTION_PROGRESS:
		if (r->action.ref != param)
			abort();
		break;
	case HTTP_WRITE_SUPERVISION:
	case HTTP_WRITE_PROTECTED_TIME:
		if (r->asye.person_id != param)
			abort();
		break;
	case HTTP_WRITE_DISPUTE_RAISE:
	case HTTP_WRITE_NKINDS:
		break;
	}
}

/* One input: the write, its {param}, its body. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_write_request r, again;
	enum http_write_kind kind;
	const uint8_t *nl;
	char *param;
	const char *body;
	size_t blen;
	json_error_t err;
	json_t *independent;
	int rc, rc2, is_object;

	if (size == 0)
		return 0;
	kind = (enum http_write_kind)(data[0] % HTTP_WRITE_NKINDS);
	data++, size--;
	nl = memchr(data, '\n', size);
	blen = nl != NULL ? size - (size_t)(nl + 1 - data) : 0;
	param = xmalloc((nl != NULL ? (size_t)(nl - data) : size) + 1);
	memcpy(param, data, nl != NULL ? (size_t)(nl - data) : size);
	param[nl != NULL ? (size_t)(nl - data) : size] = '\0';
	body = nl != NULL ? (const char *)nl + 1 : "";

	rc = http_write_parse(kind, param, body, blen, &r);
	if (rc != 0 && rc != -1)
		abort();
	/* The body is refused exactly when it is not one JSON object (no body at all is {}). */
	independent = blen > 0 ? json_loadb(body, blen, JSON_REJECT_DUPLICATES, &err) : json_object();
	is_object = independent != NULL && json_is_object(independent);
	json_decref(independent);
	if (is_object != (r.body != NULL))
		abort();
	if (rc == -1) {
		if (r.field == NULL || r.message == NULL || r.message[0] == '\0')
			abort();
		/* Not an object: "body". Else the {id}, one of the write's fields, or a field it does not take. */
		if (r.body == NULL ? strcmp(r.field, "body") != 0 :
				     strcmp(r.field, "id") != 0 && fuzz_field_find(kind, r.field) == NULL &&
			    json_object_get(r.body, r.field) == NULL)
			abort();
	} else
		fuzz_check_parsed(&r, param);
	/* The same bytes, the same answer. */
	rc2 = http_write_parse(kind, param, body, blen, &again);
	if (rc2 != rc || (rc != 0 && (strcmp(r.field, again.field) != 0 || strcmp(r.message, again.message) != 0)))
		abort();
	http_write_request_free(&again);
	http_write_request_free(&r);
	free(param);
	return 0;
}
