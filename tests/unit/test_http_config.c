/*
 * test_http_config.c: the [http] section: which listen addresses are allowed without TLS and with
 * it, that a refusal names FILE:LINE, the TLS files, public_url, the defaults, and that a changed
 * listen (or TLS on or off) needs a restart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "test_util.h"

static char tmpdir[] = "/tmp/dwhttpcfg.XXXXXX";

/* Load an ini whose [http] section is body (line 3 is the first line of body). */
static struct config *
load_http(const char *body, char **cause)
{
	char *holidays = top_path("etc/bank-holidays-england-and-wales.txt"), *text, *path;
	struct config *cfg;

	xasprintf(&text, "[daemon]\nbank_holidays = %s\n[http]\n%s", holidays, body);
	path = write_temp_file(tmpdir, "http.ini", text, 0600);
	*cause = NULL;
	cfg = config_load(path, cause);
	free(text), free(path), free(holidays);
	return cfg;
}

/* Loopback addresses and unix sockets are taken, several of them, in order. */
static void
test_listen_allowed(void **state)
{
	struct config *cfg;
	char *cause;

	(void)state;
	cfg = load_http(
	    "listen = 127.0.0.1:8080\nlisten = [::1]:8081, localhost:8082\nlisten = unix:/run/dw/http.sock\n", &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(cfg->http_nlisten, 4);
	assert_string_equal(cfg->http_listen[0], "127.0.0.1:8080");
	assert_string_equal(cfg->http_listen[1], "[::1]:8081");
	assert_string_equal(cfg->http_listen[2], "localhost:8082");
	assert_string_equal(cfg->http_listen[3], "unix:/run/dw/http.sock");
	config_free(cfg);
}

/* Off by default, with the limits' defaults. */
static void
test_defaults(void **state)
{
	struct config *cfg;
	char *cause;

	(void)state;
	cfg = load_http("", &cause);
	assert_non_null(cfg);
	assert_int_equal(cfg->http_nlisten, 0);
	assert_int_equal(cfg->http_body_max, 8388608);
	assert_int_equal(cfg->http_header_max, 16384);
	assert_int_equal(cfg->http_connections_max, 256);
	assert_int_equal(cfg->http_timeout, 30);
	config_free(cfg);
}

/* Anything that is not loopback or a unix socket is refused with its line. */
static void
test_listen_refused(void **state)
{
	static const char *const bad[] = { "0.0.0.0:8080", "10.0.0.5:8080", "[::]:8080", "council.example:80",
		"127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x", "unix:relative.sock", ":8080",
		"128.0.0.1:8080", NULL };
	struct config *cfg;
	char *cause, *body;
	int i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		xasprintf(&body, "timeout = 5s\nlisten = %s\n", bad[i]);
		cfg = load_http(body, &cause);
		if (cfg != NULL)
			fail_msg("listen = %s was accepted", bad[i]);
		if (strstr(cause, "http.ini:5: listen: \"") == NULL || strstr(cause, bad[i]) == NULL ||
		    strstr(cause, "loopback") == NULL)
			fail_msg("listen = %s: %s", bad[i], cause);
		free(cause), free(body);
	}
}

/* Limits out of bounds are refused with their line. */
static void
test_limits_bounds(void **state)
{
	struct config *cfg;
	char *cause;

	(void)state;
	cfg = load_http("body_max = 10\n", &cause);
	assert_null(cfg);
	assert_non_null(strstr(cause, "http.ini:4: body_max: 10 is out of bounds"));
	free(cause);
	cfg = load_http("timeout = 0s\n", &cause);
	assert_null(cfg);
	assert_non_null(strstr(cause, "http.ini:4: timeout"));
	free(cause);
}

/* A changed listen is a restart; a changed limit is not. */
static void
test_reload(void **state)
{
	struct config *a, *b, *c;
	char *cause, *changes;

	(void)state;
	a = load_http("listen = 127.0.0.1:8080\n", &cause);
	b = load_http("listen = 127.0.0.1:8080\ntimeout = 5s\nbody_max = 2048\n", &cause);
	c = load_http("listen = 127.0.0.1:8081\n", &cause);
	assert_non_null(a), assert_non_null(b), assert_non_null(c);
	assert_null(config_unreloadable_changes(a, b));
	changes = config_unreloadable_changes(a, c);
	assert_non_null(changes);
	assert_string_equal(changes, "http.listen");
	free(changes);
	config_free(a), config_free(b), config_free(c);
}

/* [client] sections: the token is read, scopes are checked, token_file is required. */
static void
test_clients(void **state)
{
	struct config *cfg;
	char *cause, *tok, *body;

	(void)state;
	tok = write_temp_file(tmpdir, "portal.token", "abcdefghijklmnop0123\n", 0600);
	xasprintf(&body, "[client \"portal\"]\nmay = read, disputes\ntoken_file = %s\n", tok);
	cfg = load_http(body, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(cfg->nclients, 1);
	assert_string_equal(cfg->clients[0].name, "portal");
	assert_string_equal(cfg->clients[0].token, "abcdefghijklmnop0123");
	assert_true(config_client_may(&cfg->clients[0], "disputes"));
	assert_false(config_client_may(&cfg->clients[0], "imports"));
	config_free(cfg), free(body);

	xasprintf(&body, "[client \"portal\"]\ntoken_file = %s\n", tok);
	cfg = load_http(body, &cause);
	assert_non_null(cfg);
	assert_true(config_client_may(&cfg->clients[0], "read"));
	assert_false(config_client_may(&cfg->clients[0], "disputes"));
	config_free(cfg), free(body);

	xasprintf(&body, "[client \"portal\"]\nmay = read, everything\ntoken_file = %s\n", tok);
	assert_null(load_http(body, &cause));
	assert_non_null(strstr(cause, "http.ini:4: [client \"portal\"]: may: unknown scope \"everything\""));
	free(cause), free(body);

	assert_null(load_http("[client \"portal\"]\nmay = read\n", &cause));
	assert_non_null(strstr(cause, "http.ini:4: [client \"portal\"]: missing required key \"token_file\""));
	free(cause);

	free(tok);
	tok = write_temp_file(tmpdir, "short.token", "short\n", 0600);
	xasprintf(&body, "[client \"portal\"]\ntoken_file = %s\n", tok);
	assert_null(load_http(body, &cause));
	assert_non_null(strstr(cause, "16 characters or more"));
	free(cause), free(body), free(tok);
}

/* A throw-away certificate and key in the temp dir (openssl req); their paths. */
static void
make_cert(const char *name, char **cert, char **key)
{
	char *cmd;

	xasprintf(cert, "%s/%s.pem", tmpdir, name);
	xasprintf(key, "%s/%s.key", tmpdir, name);
	xasprintf(&cmd,
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
	    "-subj /CN=%s -keyout %s -out %s >/dev/null 2>&1 && chmod 600 %s",
	    name, *key, *cert, *key);
	if (system(cmd) != 0)
		fail_msg("%s failed", cmd);
	free(cmd);
}

/* With TLS, any address may be listened on; the files are read whole; TLS needs both files. */
static void
test_tls(void **state)
{
	static const char *const anywhere[] = { "0.0.0.0:8443", "10.0.0.5:8443", "[::]:8443", "council.example:443",
		NULL };
	struct config *cfg;
	char *cause, *body, *cert, *key, *cert2, *key2;
	int i;

	(void)state;
	make_cert("one", &cert, &key);
	make_cert("two", &cert2, &key2);
	for (i = 0; anywhere[i] != NULL; i++) {
		xasprintf(&body, "listen = %s\ntls_cert_file = %s\ntls_key_file = %s\n", anywhere[i], cert, key);
		cfg = load_http(body, &cause);
		if (cfg == NULL)
			fail_msg("listen = %s with TLS: %s", anywhere[i], cause);
		assert_non_null(strstr(cfg->http_tls_cert, "BEGIN CERTIFICATE"));
		assert_non_null(strstr(cfg->http_tls_key, "PRIVATE KEY"));
		config_free(cfg), free(body);
	}
	xasprintf(&body, "listen = 0.0.0.0:8443\ntls_cert_file = %s\n", cert);
	assert_null(load_http(body, &cause));
	assert_non_null(strstr(cause, "http.ini:5: tls_cert_file without tls_key_file: TLS needs both"));
	assert_non_null(strstr(cause, "http.ini:4: listen: \"0.0.0.0:8443\": plain HTTP only on loopback"));
	free(cause), free(body);
	xasprintf(&body, "tls_cert_file = %s\ntls_key_file = %s\n", cert, key2);
	assert_null(load_http(body, &cause));
	assert_non_null(strstr(cause, "http.ini:5: tls_key_file: "));
	assert_non_null(strstr(cause, "not the key of the certificate"));
	free(cause), free(body);
	/* A key as the certificate: not a certificate. */
	xasprintf(&body, "tls_cert_file = %s\ntls_key_file = %s\n", key, key);
	assert_null(load_http(body, &cause));
	assert_non_null(strstr(cause, "http.ini:4: tls_cert_file: "));
	assert_non_null(strstr(cause, "no PEM certificate in it"));
	free(cause), free(body);
	free(cert), free(key), free(cert2), free(key2);
}

/* public_url: an absolute https:// address, or http:// on loopback. */
static void
test_public_url(void **state)
{
	static const char *const good[] = { "https://driftwatch.council.example", "https://dw.example:8443/api/",
		"http://127.0.0.1:8080", "http://localhost/driftwatch", "https://[2001:db8::1]:443/", NULL };
	static const char *const bad[] = { "driftwatch.council.example", "ftp://x.example", "http://dw.example",
		"http://10.0.0.5:8080/", "https://", "https://dw.example/?a=1", "https://dw example/", "https://a_b/",
		NULL };
	struct config *cfg;
	char *cause, *body;
	int i;

	(void)state;
	for (i = 0; good[i] != NULL; i++) {
		xasprintf(&body, "public_url = %s\n", good[i]);
		if ((cfg = load_http(body, &cause)) == NULL)
			fail_msg("public_url = %s: %s", good[i], cause);
		assert_string_equal(cfg->http_public_url, good[i]);
		config_free(cfg), free(body);
	}
	for (i = 0; bad[i] != NULL; i++) {
		xasprintf(&body, "public_url = %s\n", bad[i]);
		if ((cfg = load_http(body, &cause)) != NULL)
			fail_msg("public_url = %s was accepted", bad[i]);
		if (strstr(cause, "http.ini:4: public_url: \"") == NULL)
			fail_msg("public_url = %s: %s", bad[i], cause);
		free(cause), free(body);
	}
}

/* Turning TLS on is a restart; a renewed certificate (same key names) is not. */
static void
test_tls_reload(void **state)
{
	struct config *a, *b, *c;
	char *cause, *changes, *body, *cert, *key;

	(void)state;
	make_cert("three", &cert, &key);
	xasprintf(&body, "listen = 127.0.0.1:8443\ntls_cert_file = %s\ntls_key_file = %s\n", cert, key);
	a = load_http("listen = 127.0.0.1:8443\n", &cause);
	b = load_http(body, &cause);
	c = load_http(body, &cause);
	assert_non_null(a), assert_non_null(b), assert_non_null(c);
	changes = config_unreloadable_changes(a, b);
	assert_non_null(changes);
	assert_string_equal(changes, "http.tls_cert_file");
	free(changes);
	assert_null(config_unreloadable_changes(b, c));
	config_free(a), config_free(b), config_free(c);
	free(body), free(cert), free(key);
}

/* Make the temp dir. */
static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

/* Remove it. */
static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		return -1;
	free(cmd);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listen_allowed),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_listen_refused),
		cmocka_unit_test(test_limits_bounds),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_clients),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_public_url),
		cmocka_unit_test(test_tls_reload),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
