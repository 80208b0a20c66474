/*
 * test_mail_message.c: the MIME message a notice becomes: headers, one recipient, RFC 2047
 * subjects, header injection refused, multipart structure, attachments that round-trip, and
 * Message-IDs that stay the same across attempts of one notice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "mail_message.h"
#include "transport.h"

#define FROM "Children's Services Timescales <driftwatch@council.example>"

/* A plain notice: reminder 42 at 2021-03-01 09:00:00 UTC. */
static struct notice
test_notice(void)
{
	struct notice n;

	memset(&n, 0, sizeof n);
	n.id = 42;
	n.dedupe_key = "rule:visit|subject:C123|level:1|to:officer@council.example";
	n.kind = "reminder";
	n.recipient = "officer@council.example";
	n.subject = "Visit due for C123";
	n.body_text = "The statutory visit for C123 is due on 3 March 2021.\n";
	n.now = 1614589200;
	n.created_at = n.now;
	return n;
}

/* Build, asserting success. */
static char *
test_build(const struct notice *n, size_t *len)
{
	char *out = NULL, *cause = NULL;

	assert_int_equal(mail_message_build(n, FROM, NULL, &out, len, &cause), 0);
	assert_null(cause);
	assert_int_equal(strlen(out), *len);
	return out;
}

/* Build, asserting refusal with a cause mentioning what. */
static void
test_refused(const struct notice *n, const char *from, const char *what)
{
	char *out = NULL, *cause = NULL;
	size_t len;

	assert_int_equal(mail_message_build(n, from, NULL, &out, &len, &cause), -1);
	assert_null(out);
	assert_non_null(cause);
	assert_non_null(strstr(cause, what));
	free(cause);
}

/* How many times needle occurs in hay. */
static int
test_count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/* The header block ends at the first empty line; every line ends CRLF and fits in 78. */
static void
test_header_lines_ok(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n"), *p = msg, *nl;

	assert_non_null(end);
	while (p < end) {
		nl = strstr(p, "\r\n");
		assert_true(nl - p <= 78);
		assert_null(memchr(p, '\n', (size_t)(nl - p)));
		p = nl + 2;
	}
}

static void
test_headers(void **state)
{
	struct notice n = test_notice();
	size_t len;
	char *msg;

	(void)state;
	msg = test_build(&n, &len);
	assert_true(strncmp(msg, "From: Children's Services Timescales <driftwatch@council.example>\r\n", 66) == 0);
	assert_int_equal(test_count(msg, "\r\nTo: "), 1);
	assert_non_null(strstr(msg, "\r\nTo: officer@council.example\r\n"));
	assert_non_null(strstr(msg, "\r\nSubject: Visit due for C123\r\n"));
	assert_non_null(strstr(msg, "\r\nDate: Mon, 01 Mar 2021 09:00:00 +0000\r\n"));
	assert_non_null(strstr(msg, "\r\nMessage-ID: <dw.42."));
	assert_non_null(strstr(msg, "@council.example>\r\n"));
	assert_non_null(strstr(msg, "\r\nMIME-Version: 1.0\r\n"));
	assert_non_null(strstr(msg, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(msg, "\r\nX-Driftwatch-Notice: reminder 42\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Transfer-Encoding: quoted-printable\r\n"));
	assert_null(strstr(msg, "multipart"));
	assert_null(strstr(msg, "Cc:"));
	assert_null(strstr(msg, "Bcc:"));
	test_header_lines_ok(msg);
	/* Every line break is CRLF. */
	for (size_t i = 0; i < len; i++) {
		if (msg[i] == '\n')
			assert_int_equal(msg[i - 1], '\r');
	}
	free(msg);
}

/* Decode base64 text (no line breaks) with OpenSSL, padding taken off. */
static unsigned char *
test_unbase64(const char *b64, size_t b64len, size_t *outlen)
{
	unsigned char *out = malloc(b64len / 4 * 3 + 1);
	int n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)b64len);

	assert_true(n >= 0);
	if (b64len > 0 && b64[b64len - 1] == '=')
		n--;
	if (b64len > 1 && b64[b64len - 2] == '=')
		n--;
	*outlen = (size_t)n;
	out[n] = '\0';
	return out;
}

/* Concatenate the decoded encoded-words of the Subject header. */
static char *
test_decode_subject(const char *msg)
{
	const char *p = strstr(msg, "\r\nSubject: "), *w, *e;
	char *all = calloc(1, 4096);
	unsigned char *part;
	size_t n;

	assert_non_null(p);
	p += strlen("\r\nSubject: ");
	while ((w = strstr(p, "=?UTF-8?B?")) != NULL && w - p <= 3) {
		w += strlen("=?UTF-8?B?");
		e = strstr(w, "?=");
		part = test_unbase64(w, (size_t)(e - w), &n);
		strncat(all, (char *)part, n);
		free(part);
		p = e + 2;
		if (strncmp(p, "\r\n ", 3) != 0)
			break;
	}
	return all;
}

static void
test_subject_rfc2047(void **state)
{
	struct notice n = test_notice();
	const char *longer = "Révision — 3.11: la réunion de l'équipe pour l'enfant C123 est prévue "
			     "le 3 mars; vérifiez les délais, s'il vous plaît — ça urge";
	char *msg, *dec;
	size_t len;

	(void)state;
	n.subject = "Révision — 3.11";
	msg = test_build(&n, &len);
	assert_non_null(strstr(msg, "\r\nSubject: =?UTF-8?B?UsOpdmlzaW9uIOKAlCAzLjEx?=\r\n"));
	dec = test_decode_subject(msg);
	assert_string_equal(dec, "Révision — 3.11");
	free(dec);
	free(msg);

	/* A long one is folded into several words, each decodable, none splitting a character. */
	n.subject = longer;
	msg = test_build(&n, &len);
	test_header_lines_ok(msg);
	assert_true(test_count(msg, "=?UTF-8?B?") > 2);
	dec = test_decode_subject(msg);
	assert_string_equal(dec, longer);
	free(dec);
	free(msg);
}

static void
test_injection_refused(void **state)
{
	struct notice n = test_notice();
	struct attachment a = { "digest.csv", "text/csv; charset=utf-8", "a,b\r\n", 5 };

	(void)state;
	n.subject = "Visit due\r\nBcc: everyone@example.org";
	test_refused(&n, FROM, "subject");
	n.subject = "Visit due\nBcc: everyone@example.org";
	test_refused(&n, FROM, "subject");
	n.subject = "Visit\tdue";
	test_refused(&n, FROM, "subject");
	n = test_notice();
	n.recipient = "officer@council.example\r\nBcc: everyone@example.org";
	test_refused(&n, FROM, "recipient");
	n.recipient = "officer@council.example, boss@council.example";
	test_refused(&n, FROM, "recipient");
	n.recipient = "officer @council.example";
	test_refused(&n, FROM, "recipient");
	n.recipient = "Officer <officer@council.example>";
	test_refused(&n, FROM, "recipient");
	n.recipient = "council.example";
	test_refused(&n, FROM, "recipient");
	n = test_notice();
	test_refused(&n, "driftwatch <dw@council.example>\r\nBcc: x@example.org", "from");
	a.filename = "digest.csv\r\nContent-Type: text/html";
	n.attachments = &a;
	n.nattachments = 1;
	test_refused(&n, FROM, "filename");
	a.filename = "digest\n.csv";
	test_refused(&n, FROM, "filename");
	n = test_notice();
	n.subject = "bad \xff UTF-8";
	test_refused(&n, FROM, "UTF-8");
}

static void
test_multipart(void **state)
{
	struct notice n = test_notice();
	struct attachment a = { "digest-2021-03.csv", "text/csv; charset=utf-8", "ref,due\r\nC123,2021-03-03\r\n", 27 };
	const char *mixed, *alt, *plain, *html, *att, *end_alt, *end_mixed;
	char *msg;
	size_t len;

	(void)state;
	n.body_html = "<p>The statutory visit for <b>C123</b> is due.</p>";
	msg = test_build(&n, &len);
	assert_non_null(strstr(msg, "Content-Type: multipart/alternative"));
	assert_null(strstr(msg, "multipart/mixed"));
	free(msg);

	n.attachments = &a;
	n.nattachments = 1;
	msg = test_build(&n, &len);
	mixed = strstr(msg, "Content-Type: multipart/mixed;\r\n boundary=\"=_dw_mixed_");
	alt = strstr(msg, "Content-Type: multipart/alternative;\r\n boundary=\"=_dw_alt_");
	plain = strstr(msg, "Content-Type: text/plain; charset=utf-8");
	html = strstr(msg, "Content-Type: text/html; charset=utf-8");
	att = strstr(msg, "Content-Disposition: attachment;\r\n filename=\"digest-2021-03.csv\"");
	end_alt = strstr(msg, "\r\n--=_dw_alt_");
	end_mixed = strstr(msg, "--\r\n");
	assert_non_null(mixed);
	assert_non_null(alt);
	assert_non_null(plain);
	assert_non_null(html);
	assert_non_null(att);
	assert_non_null(end_alt);
	assert_non_null(end_mixed);
	assert_true(mixed < alt && alt < plain && plain < html && html < att);
	/* Two boundaries, each closed once. */
	assert_int_equal(test_count(msg, "--\r\n"), 2);
	assert_int_equal(test_count(msg, "\r\n--=_dw_alt_"), 3);
	assert_int_equal(test_count(msg, "\r\n--=_dw_mixed_"), 3);
	assert_true(len > 2 && strcmp(msg + len - 2, "\r\n") == 0);
	free(msg);
}

static void
test_attachment_roundtrip(void **state)
{
	struct notice n = test_notice();
	struct attachment a;
	unsigned char data[3 * 256 + 1], *dec;
	const char *p, *end;
	char *msg, *b64;
	size_t len, i, blen = 0, declen;

	(void)state;
	for (i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	a.filename = "données.bin";
	a.content_type = "application/octet-stream";
	a.data = (const char *)data;
	a.len = sizeof data;
	n.attachments = &a;
	n.nattachments = 1;
	msg = test_build(&n, &len);
	/* A non-ASCII file name goes out per RFC 2231. */
	assert_non_null(strstr(msg, "filename*=UTF-8''donn%C3%A9es.bin"));
	p = strstr(msg, "Content-Transfer-Encoding: base64\r\n\r\n");
	assert_non_null(p);
	p += strlen("Content-Transfer-Encoding: base64\r\n\r\n");
	end = strstr(p, "\r\n--=_dw_mixed_");
	assert_non_null(end);
	b64 = calloc(1, (size_t)(end - p) + 1);
	for (; p < end; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		b64[blen++] = *p;
	}
	dec = test_unbase64(b64, blen, &declen);
	assert_int_equal(declen, sizeof data);
	assert_memory_equal(dec, data, sizeof data);
	free(dec);
	free(b64);
	free(msg);
}

static void
test_quoted_printable(void **state)
{
	struct notice n = test_notice();
	char long_line[301], *msg, *body, *p, *nl;
	size_t len;

	(void)state;
	memset(long_line, 'a', 300);
	long_line[300] = '\0';
	n.body_text = long_line;
	msg = test_build(&n, &len);
	body = strstr(msg, "\r\n\r\n") + 4;
	for (p = body; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
		assert_true(nl - p <= 76);
	free(msg);

	n.body_text = "5 = five, café \nend";
	msg = test_build(&n, &len);
	assert_non_null(strstr(msg, "\r\n\r\n5 =3D five, caf=C3=A9=20\r\nend\r\n"));
	free(msg);
}

static void
test_message_id_stable(void **state)
{
	struct notice a = test_notice(), b = test_notice();
	char *ida, *idb, *m1, *m2;
	size_t l1, l2;

	(void)state;
	ida = notice_message_id(&a, "council.example");
	idb = notice_message_id(&b, "council.example");
	assert_string_equal(ida, idb);
	assert_int_equal(strlen(ida), strlen("<dw.42.0123456789ab@council.example>"));
	assert_true(strncmp(ida, "<dw.42.", 7) == 0);
	free(idb);
	/* Another id (same key), or another key (same id): another Message-ID. */
	b.id = 43;
	idb = notice_message_id(&b, "council.example");
	assert_string_not_equal(ida, idb);
	free(idb);
	b = test_notice();
	b.dedupe_key = "rule:visit|subject:C124|level:1|to:officer@council.example";
	idb = notice_message_id(&b, "council.example");
	assert_string_not_equal(ida, idb);
	free(idb);
	free(ida);
	/* A later attempt of the same notice: the same bytes but for the Date. */
	b = test_notice();
	m1 = test_build(&a, &l1);
	m2 = test_build(&b, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(m1, m2, l1);
	free(m1);
	free(m2);
}

static void
test_addresses(void **state)
{
	char *s;

	(void)state;
	assert_true(mail_is_address("officer@council.example"));
	assert_true(mail_is_address("first.last+tag@sub.council.example"));
	assert_false(mail_is_address("officer@"));
	assert_false(mail_is_address("@council.example"));
	assert_false(mail_is_address("a@b@c"));
	assert_false(mail_is_address("a@b..c"));
	assert_false(mail_is_address("a;b@c.d"));
	s = mail_address_of("Children's Services <dw@council.example>");
	assert_string_equal(s, "dw@council.example");
	free(s);
	s = mail_address_of("dw@council.example");
	assert_string_equal(s, "dw@council.example");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_subject_rfc2047),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_multipart),
		cmocka_unit_test(test_attachment_roundtrip),
		cmocka_unit_test(test_quoted_printable),
		cmocka_unit_test(test_message_id_stable),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
