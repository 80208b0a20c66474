/*
 * config.c: the key table, the ini parser (libinih) and validation.
 *
 * Every key an admin can set is one row of config_keys[]: its section, name, type, default (as
 * text, parsed by the same code as the file so a default can never be invalid), bounds, whether a
 * SIGHUP may change it, and one line of help. A config is built whole in a fresh struct; errors are
 * collected as "FILE:LINE: what is wrong" and the struct is thrown away if there is any.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "log.h"
#include "xmalloc.h"

enum key_type {
	T_STRING,
	T_PATH,
	T_EMAIL,
	T_BOOL,
	T_INT,
	T_DURATION,
	T_DURATIONS,
	T_INTERVAL,
	T_PERCENT,
	T_WINDOW,
	T_LIST,
	T_ENUM,
	T_ESCALATE,
	T_STAGE,
	T_CADENCE,
	T_WHEN,
	T_PROXY,
	T_LISTEN, /* the last: config_types checks its size against it */
};

/* Which struct a key writes into. */
enum key_scope {
	S_GLOBAL,    /* struct config */
	S_TRANSPORT, /* struct config_transport */
	S_ROLE,	     /* struct config_role */
	S_TEAM,	     /* struct config_team */
	S_DIGEST,    /* struct config_digest */
	S_CLIENT,    /* struct config_client */
	S_IMPORT,    /* struct config_import */
};

struct config_key {
	const char *section;
	const char *name;
	enum key_type type;
	const char *def;
	long long min, max;  /* T_INT, T_INTERVAL (seconds), T_PERCENT, T_DURATION (n) */
	const char *choices; /* T_ENUM: "a|b|c" */
	bool reloadable;
	const char *help;
	enum key_scope scope;
	size_t offset;
	size_t count_offset; /* lists: where the count lives; 0 when not a list */
	size_t line_offset;  /* where the line that set it is kept (an int); 0 when not kept */
};

#define G(f) S_GLOBAL, offsetof(struct config, f), 0, 0
#define GL(f, c) S_GLOBAL, offsetof(struct config, f), offsetof(struct config, c), 0
#define TR(f) S_TRANSPORT, offsetof(struct config_transport, f), 0, 0
/* A transport's secret file: its line is kept, so an error about the file names where it was set. */
#define TRS(f) S_TRANSPORT, offsetof(struct config_transport, f), 0, offsetof(struct config_transport, f##_line)
#define RO(f) S_ROLE, offsetof(struct config_role, f), 0, 0
#define RL(f, c) S_ROLE, offsetof(struct config_role, f), offsetof(struct config_role, c), 0
#define TE(f) S_TEAM, offsetof(struct config_team, f), 0, 0
#define DI(f) S_DIGEST, offsetof(struct config_digest, f), 0, 0
#define DL(f, c) S_DIGEST, offsetof(struct config_digest, f), offsetof(struct config_digest, c), 0
#define CL(f) S_CLIENT, offsetof(struct config_client, f), 0, 0
#define CLL(f, c) S_CLIENT, offsetof(struct config_client, f), offsetof(struct config_client, c), 0
#define IM(f) S_IMPORT, offsetof(struct config_import, f), 0, 0
/* A global file key whose line is kept (an error about the file names where it was set). */
#define GS(f) S_GLOBAL, offsetof(struct config, f), 0, offsetof(struct config, f##_line)

/* The key table, alphabetical within each section; etc/driftwatch.ini follows the same order. */
static const struct config_key config_keys[] = {
	/* [daemon] */
	{ "daemon", "admin_email", T_EMAIL, "", 0, 0, NULL, true,
	    "who is told when a notice is given up (dead) or an endpoint is disabled", G(admin_email) },
	{ "daemon", "admin_transport", T_STRING, "", 0, 0, NULL, true,
	    "transport for admin alerts; empty = another transport than the failing one where one exists",
	    G(admin_transport) },
	{ "daemon", "bank_holidays", T_PATH, "/etc/driftwatch/bank-holidays-england-and-wales.txt", 0, 0, NULL, true,
	    "bank holidays in England and Wales, one YYYY-MM-DD a line", G(bank_holidays) },
	{ "daemon", "database", T_PATH, "/var/lib/driftwatch/driftwatch.db", 0, 0, NULL, false,
	    "the SQLite database: all state lives here", G(database) },
	{ "daemon", "default_transport", T_STRING, "", 0, 0, NULL, true,
	    "transport for notices whose role names none; empty = the first [transport] (or the built-in file spool)",
	    G(default_transport) },
	{ "daemon", "send_window", T_WINDOW, "08:00-18:00", 0, 0, NULL, true,
	    "local hours on working days when non-urgent notices go out", G(send_window) },
	{ "daemon", "tick", T_INTERVAL, "60s", 5, 3600, NULL, true, "backstop: re-plan and re-arm at least this often",
	    G(tick) },
	{ "daemon", "timezone", T_STRING, "Europe/London", 0, 0, NULL, false,
	    "local time zone from the system tz database", G(timezone) },
	{ "daemon", "watch_interval", T_INT, "500", 50, 60000, NULL, true,
	    "milliseconds between checks for changes written by driftwatchctl", G(watch_interval_ms) },

	/* [outbox] */
	{ "outbox", "batch", T_INT, "200", 1, 10000, NULL, true, "notices claimed from the outbox per pass",
	    G(outbox_batch) },
	{ "outbox", "batch_reminders", T_BOOL, "yes", 0, 0, NULL, true,
	    "reminders to one person in one send window go out as one message", G(batch_reminders) },
	{ "outbox", "breaker_failures", T_INT, "5", 1, 1000, NULL, true,
	    "consecutive failures that pause an endpoint (circuit breaker)", G(breaker_failures) },
	{ "outbox", "breaker_pause", T_INTERVAL, "60s", 1, 86400, NULL, true,
	    "how long a paused endpoint waits before one probe", G(breaker_pause) },
	{ "outbox", "first_start_hold", T_INT, "50", 0, 1000000, NULL, true,
	    "a first start with more overdue escalations than this holds them until `outbox release` (0: never)",
	    G(first_start_hold) },
	{ "outbox", "give_up_after", T_INTERVAL, "72h", 60, 30 * 86400, NULL, true,
	    "a notice still failing this long after it was created is dead and the admin is told", G(give_up_after) },
	{ "outbox", "retry_after_max", T_INTERVAL, "1h", 1, 7 * 86400, NULL, true,
	    "longest wait a receiver's Retry-After can ask for (longer is cut to this)", G(retry_after_max) },
	{ "outbox", "retry_first", T_INTERVAL, "60s", 1, 86400, NULL, true,
	    "first retry delay; doubles each attempt, with jitter", G(retry_first) },
	{ "outbox", "retry_max", T_INTERVAL, "1h", 1, 7 * 86400, NULL, true, "longest delay between retries",
	    G(retry_max) },

	/* [actions] */
	{ "actions", "amber_within", T_DURATION, "20wd", 0, 1000, NULL, true, "an action due within this is Amber",
	    G(actions_amber_within) },
	{ "actions", "escalate", T_ESCALATE, "1wd:manager, 11wd:manager+1, 21wd:dcs", 0, 0, NULL, true,
	    "overdue ladder: after due_on, tell WHO (manager = the lead's reports_to, manager+1 the next, or a role)",
	    GL(actions_escalate, actions_nescalate) },
	{ "actions", "remind_before", T_DURATIONS, "10wd, 3wd", 0, 1000, NULL, true,
	    "reminders to the lead officer before due_on", GL(actions_remind_before, actions_nremind_before) },
	{ "actions", "stale_after", T_DURATION, "30d", 1, 1000, NULL, true,
	    "progress older than this is Amber and the lead is nudged", G(actions_stale_after) },

	/* [disputes] */
	{ "disputes", "iro_reminder_after", T_DURATION, "2wd", 0, 100, NULL, true,
	    "after a response, remind the IRO to resolve or escalate", G(disputes_iro_reminder_after) },
	{ "disputes", "remind_before", T_DURATION, "1wd", 0, 100, NULL, true,
	    "remind the responder this long before a stage's deadline", G(disputes_remind_before) },
	{ "disputes", "stage", T_STAGE,
	    "informal, team-manager, 5wd\n1, team-manager, 5wd\n2, head-of-service, 5wd\n3, assistant-director, 5wd\n4, dcs, 5wd",
	    0, 0, NULL, true,
	    "one rung of the ladder a line: NAME, RESPONDER, LIMIT (repeat the key; order is the ladder)",
	    GL(disputes_stages, disputes_nstages) },
	{ "disputes", "total_limit", T_DURATION, "20wd", 1, 1000, NULL, true,
	    "a formal process open longer than this is flagged to the DCS and the IRO manager",
	    G(disputes_total_limit) },

	/* [reviews] */
	{ "reviews", "first", T_DURATION, "20wd", 1, 1000, NULL, true,
	    "first review after the start of a period of care (reg 33)", G(reviews_first) },
	{ "reviews", "later", T_DURATION, "6m", 1, 1000, NULL, true, "later reviews after the previous review held",
	    G(reviews_later) },
	{ "reviews", "overdue_repeat", T_DURATION, "1w", 1, 100, NULL, true,
	    "repeat the overdue notice this often while a review stays overdue", G(reviews_overdue_repeat) },
	{ "reviews", "permanence_remind_before", T_DURATION, "10wd", 0, 1000, NULL, true,
	    "before the second review with no permanence plan, remind the social worker, team manager and IRO",
	    G(reviews_permanence_remind_before) },
	{ "reviews", "remind_before", T_DURATIONS, "15wd, 5wd", 0, 1000, NULL, true, "reminders before a review is due",
	    GL(reviews_remind_before, reviews_nremind_before) },
	{ "reviews", "second", T_DURATION, "3m", 1, 1000, NULL, true, "second review after the first review held",
	    G(reviews_second) },

	/* [asye] */
	{ "asye", "anonymise", T_BOOL, "no", 0, 0, NULL, true,
	    "the monthly compliance list shows person_id and team only", G(asye_anonymise) },
	{ "asye", "length", T_DURATION, "12m", 1, 1000, NULL, true, "length of the programme", G(asye_length) },
	{ "asye", "protected_share", T_PERCENT, "10%", 0, 100, NULL, true,
	    "protected development time as a share of contracted hours", G(asye_protected_share) },
	{ "asye", "reflections", T_DURATIONS, "6m, 12m", 0, 1000, NULL, true,
	    "critical reflections after the ASYE start, reminded review_remind_before ahead (empty: none)",
	    GL(asye_reflections, asye_nreflections) },
	{ "asye", "review_remind_before", T_DURATION, "10wd", 0, 1000, NULL, true,
	    "remind the team manager this long before a review point", G(asye_review_remind_before) },
	{ "asye", "reviews", T_DURATIONS, "3m, 6m, 9m, 12m", 0, 1000, NULL, true, "review points after the ASYE start",
	    GL(asye_reviews, asye_nreviews) },
	{ "asye", "supervision", T_CADENCE, "1w until 6w, 2w until 6m, 1m", 0, 0, NULL, true,
	    "supervision cadence: EVERY until WHEN, ..., EVERY (to the end)", GL(asye_supervision, asye_nsupervision) },
	{ "asye", "window", T_DURATION, "4w", 1, 100, NULL, true,
	    "rolling window over which protected time is measured", G(asye_window) },

	/* [caseloads] */
	{ "caseloads", "alert_above", T_INT, "22", 1, 1000, NULL, true,
	    "experienced social workers above this are reported", G(caseload_alert_above) },
	{ "caseloads", "asye_cap", T_INT, "18", 1, 1000, NULL, true, "ASYE caseload cap", G(caseload_asye_cap) },
	{ "caseloads", "target", T_INT, "20", 1, 1000, NULL, true, "target caseload for experienced social workers",
	    G(caseload_target) },

	/* [ssd]: the Standard Safeguarding Dataset's involvement role codes (they vary by council) */
	{ "ssd", "iro_roles", T_LIST, "IRO", 0, 0, NULL, true, "ssd_involvements role codes of the child's IRO",
	    GL(ssd_iro_roles, ssd_niro_roles) },
	{ "ssd", "social_worker_roles", T_LIST, "CW", 0, 0, NULL, true,
	    "ssd_involvements role codes of the allocated social worker (case worker)",
	    GL(ssd_social_worker_roles, ssd_nsocial_worker_roles) },
	{ "ssd", "team_manager_roles", T_LIST, "CTM", 0, 0, NULL, true,
	    "ssd_involvements role codes of the team manager; empty = none in the SSD",
	    GL(ssd_team_manager_roles, ssd_nteam_manager_roles) },

	/* [transport "NAME"] */
	{ "transport", "ca_file", T_PATH, "", 0, 0, NULL, true, "CA bundle for TLS; empty = the system's",
	    TR(t.ca_file) },
	{ "transport", "concurrency", T_INT, "4", 1, 256, NULL, true, "requests in flight at once", TR(t.concurrency) },
	{ "transport", "domain", T_STRING, "", 0, 0, NULL, true,
	    "right-hand side of Message-ID; empty = the domain of from", TR(t.domain) },
	{ "transport", "format", T_ENUM, "", 0, 0, "|eml|json|teams", true,
	    "webhook: json or teams; file: eml (default) or json", TR(t.format) },
	{ "transport", "from", T_STRING, "Children's Services Timescales <driftwatch@localhost>", 0, 0, NULL, true,
	    "smtp and file: the From header", TR(t.from) },
	{ "transport", "password_file", T_PATH, "", 0, 0, NULL, true,
	    "smtp: file holding the AUTH password (mode 0600 or stricter), or credential:NAME", TRS(password_file) },
	{ "transport", "proxy", T_PROXY, "", 0, 0, NULL, true,
	    "smtp and webhook: none, or http://host:port; empty = the environment's (https_proxy, no_proxy)",
	    TR(t.proxy) },
	{ "transport", "proxy_login_file", T_PATH, "", 0, 0, NULL, true,
	    "file holding the proxy's user:password (mode 0600 or stricter), or credential:NAME",
	    TRS(proxy_login_file) },
	{ "transport", "secret_file", T_PATH, "", 0, 0, NULL, true,
	    "webhook: file holding the signing secret (whsec_...), or credential:NAME", TRS(secret_file) },
	{ "transport", "spool", T_PATH, "", 0, 0, NULL, true,
	    "file: folder the notices are written to; empty = spool/ beside the database", TR(t.spool) },
	{ "transport", "timeout", T_INTERVAL, "30s", 1, 600, NULL, true, "one attempt's time limit", TR(t.timeout) },
	{ "transport", "tls", T_ENUM, "required", 0, 0, "required|opportunistic|none", true,
	    "smtp: STARTTLS required, opportunistic, or none (loopback only)", TR(t.tls) },
	{ "transport", "token_file", T_PATH, "", 0, 0, NULL, true,
	    "smtp: file holding an OAuth2 bearer token (XOAUTH2), or credential:NAME", TRS(token_file) },
	{ "transport", "type", T_ENUM, NULL, 0, 0, "smtp|webhook|file", true, "smtp, webhook or file (required)",
	    TR(t.type) },
	{ "transport", "url", T_STRING, "", 0, 0, NULL, true,
	    "smtp://host:587, smtps://host:465, or the webhook's https:// address", TR(t.url) },
	{ "transport", "url_file", T_PATH, "", 0, 0, NULL, true,
	    "webhook: file holding the address (a Teams workflow URL is a secret), or credential:NAME", TRS(url_file) },
	{ "transport", "username", T_STRING, "", 0, 0, NULL, true, "smtp: AUTH user", TR(t.username) },
	{ "transport", "verify", T_BOOL, "yes", 0, 0, NULL, true, "verify the server's certificate and name",
	    TR(t.verify) },

	/* [role "KEY"] */
	{ "role", "email", T_EMAIL, "", 0, 0, NULL, true, "where this role's notices go (wins over imports)",
	    RO(email) },
	{ "role", "reports_to", T_STRING, "", 0, 0, NULL, true, "the role key of this role's line manager",
	    RO(reports_to) },
	{ "role", "title", T_LIST, "", 0, 0, NULL, true, "titles as plans write them (repeat the key for several)",
	    RL(titles, ntitles) },
	{ "role", "transport", T_STRING, "", 0, 0, NULL, true, "transport for this role; empty = the default",
	    RO(transport) },

	/* [team "NAME"] */
	{ "team", "assistant_director", T_STRING, "", 0, 0, NULL, true,
	    "role key that answers this team's disputes at the assistant-director stage", TE(assistant_director) },
	{ "team", "head_of_service", T_STRING, "", 0, 0, NULL, true,
	    "role key that answers this team's disputes at the head-of-service stage", TE(head_of_service) },

	/* [digest "NAME"] */
	{ "digest", "sections", T_LIST, "actions, disputes, reviews, asye, delivery", 0, 0, NULL, true,
	    "what the digest contains, in order", DL(sections, nsections) },
	{ "digest", "to", T_LIST, NULL, 0, 0, NULL, true, "recipients: role:KEY or addresses (required)", DL(to, nto) },
	{ "digest", "transport", T_STRING, "", 0, 0, NULL, true, "transport for this digest; empty = the default",
	    DI(transport) },
	{ "digest", "when", T_WHEN, "first working day 08:00", 0, 0, NULL, true, "when it is sent each month",
	    DI(when_minutes) },

	/* [http]: the HTTP interface (http.c) */
	{ "http", "body_max", T_INT, "8388608", 1024, 1073741824, NULL, true,
	    "bytes: a request body larger than this gets 413", G(http_body_max) },
	{ "http", "connections_max", T_INT, "256", 1, 100000, NULL, true,
	    "connections open at once; more are closed at once", G(http_connections_max) },
	{ "http", "header_max", T_INT, "16384", 1024, 1048576, NULL, true,
	    "bytes: request line and headers larger than this are refused", G(http_header_max) },
	{ "http", "listen", T_LISTEN, "", 0, 0, NULL, false,
	    "HOST:PORT (loopback unless TLS is set) or unix:/path (repeat the key for several); empty = no HTTP",
	    GL(http_listen, http_nlisten) },
	{ "http", "public_url", T_STRING, "", 0, 0, NULL, true,
	    "the address clients use (behind a reverse proxy): https://..., or http:// on loopback; empty = none",
	    GS(http_public_url) },
	{ "http", "timeout", T_INTERVAL, "30s", 1, 3600, NULL, true,
	    "a whole request must arrive within this, and an idle connection is closed after it", G(http_timeout) },
	{ "http", "tls_cert_file", T_PATH, "", 0, 0, NULL, true,
	    "PEM certificate (and chain) for HTTPS on every TCP listener; re-read on SIGHUP", GS(http_tls_cert_file) },
	{ "http", "tls_key_file", T_PATH, "", 0, 0, NULL, true,
	    "PEM private key for tls_cert_file (mode 0600 or stricter), or credential:NAME", GS(http_tls_key_file) },

	/* [links]: the answer links notices carry (links.c, http_answer.c) */
	{ "links", "expiry", T_DURATION, "30d", 1, 1000, NULL, true,
	    "an answer link works for this long after its notice is made", G(links_expiry) },
	{ "links", "key_grace", T_DURATION, "30d", 0, 1000, NULL, true,
	    "after `driftwatchctl keys rotate`, links signed by the old key still work for this long",
	    G(links_key_grace) },

	/* [client "NAME"]: a caller of the HTTP API */
	{ "client", "may", T_LIST, "read", 0, 0, NULL, true,
	    "scopes: read, disputes, reviews, permanence, actions, asye, imports", CLL(may, nmay) },
	{ "client", "token_file", T_PATH, NULL, 0, 0, NULL, true,
	    "file holding the bearer token (not readable by others; 16 characters or more), or credential:NAME (required)",
	    CL(token_file) },
	/* [import "NAME"] */
	{ "import", "dir", T_PATH, NULL, 0, 0, NULL, true,
	    "the drop folder (absolute; required); done/ and failed/ are made inside it", IM(dir) },
	{ "import", "format", T_ENUM, NULL, 0, 0, CONFIG_IMPORT_FORMATS, true,
	    "what the folder receives: a `driftwatchctl import` kind (required)", IM(format) },
	{ "import", "keep_done", T_DURATION, "90d", 1, 10000, NULL, true,
	    "file sets in done/ older than this are deleted (failed/ is kept)", IM(keep_done) },
	{ "import", "schedule", T_STRING, "", 0, 0, NULL, true,
	    "daily HH:MM: no extract since the last one by then is a notice to the admin; empty = none", IM(schedule) },
	{ "import", "stable_after", T_INTERVAL, "10s", 1, 3600, NULL, true,
	    "a file set without a .done marker is complete when nothing in it changed for this long",
	    IM(stable_after) },
};

#define NKEYS (sizeof config_keys / sizeof config_keys[0])
/* Errors listed in full; a file with more is not the rules file, and the rest are counted. */
#define CONFIG_ERRORS_MAX 50

static const char *const config_named_sections[] = { "transport", "role", "team", "digest", "client", "import", NULL };
static const char *const config_client_scopes[] = { "read", "disputes", "reviews", "permanence", "actions", "asye",
	"imports", NULL };
static const char *const config_plain_sections[] = { "daemon", "outbox", "actions", "disputes", "reviews", "asye",
	"caseloads", "ssd", "http", "links", NULL };
static const char *const config_digest_sections[] = { "actions", "disputes", "reviews", "asye", "delivery", NULL };

/* Parser state while reading one file. */
struct config_parse {
	struct config *cfg;
	const char *file;
	const char *text; /* the whole file, read by one reader whether it came from disk or memory */
	size_t len, off;
	int flags; /* CONFIG_NO_FILES ... */
	int line;
	char *errors;
	size_t errors_len, errors_size;
	int nerrors;	/* all of them, including those past CONFIG_ERRORS_MAX that are not in errors */
	int section_ok; /* the current section header was valid */
	enum key_scope scope;
	void *element; /* the named section's struct */
	const char *section_kind;
	bool seen[NKEYS]; /* lists: first occurrence in this section replaces the default */
	int section_line;
	int plain_line[16]; /* where each of config_plain_sections began; 0 = not yet */
};
/* Every plain section has its slot in plain_line. */
_Static_assert(sizeof config_plain_sections / sizeof config_plain_sections[0] <=
	sizeof((struct config_parse *)0)->plain_line / sizeof(int),
    "config_parse.plain_line");

static void config_error(struct config_parse *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Add one line to the error text; the buffer doubles, so a long list costs no more than its length. */
static void
config_append_error(struct config_parse *p, const char *text)
{
	size_t n = strlen(text), need = p->errors_len + n + 2;

	if (need > p->errors_size) {
		p->errors_size = need > 2 * p->errors_size ? need : 2 * p->errors_size;
		p->errors = xreallocarray(p->errors, p->errors_size, 1);
	}
	if (p->errors_len > 0)
		p->errors[p->errors_len++] = '\n';
	memcpy(p->errors + p->errors_len, text, n + 1);
	p->errors_len += n;
}

/* Record one "FILE:LINE: what" error; past CONFIG_ERRORS_MAX they are only counted. */
static void
config_error(struct config_parse *p, int line, const char *fmt, ...)
{
	va_list ap;
	char *msg, *text;

	if (p->nerrors++ >= CONFIG_ERRORS_MAX)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (line > 0)
		xasprintf(&text, "%s:%d: %s", p->file, line, msg);
	else
		xasprintf(&text, "%s: %s", p->file, msg);
	config_append_error(p, text);
	free(text);
	free(msg);
}

/* Trim spaces at both ends in place. */
static char *
config_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split a comma-separated value into trimmed items; returns the count or -1 past max. */
static int
config_split(char *value, char sep, char **items, int max)
{
	char *s = value, *c;
	int n = 0;

	if (*config_trim(value) == '\0')
		return 0;
	for (;;) {
		c = strchr(s, sep);
		if (c != NULL)
			*c = '\0';
		if (n == max)
			return -1;
		items[n++] = config_trim(s);
		if (c == NULL)
			break;
		s = c + 1;
	}
	return n;
}

/* A plausible single email address: local@domain, printable, no spaces, commas or angle brackets. */
static bool
config_valid_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *c;

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') != NULL || strchr(at, '.') == NULL)
		return false;
	for (c = s; *c != '\0'; c++) {
		if ((unsigned char)*c <= ' ' || *c == ',' || *c == '<' || *c == '>' || *c == ';' || *c == '"' ||
		    *c == 0x7f)
			return false;
	}
	return true;
}

/* A proxy address as libcurl takes it: SCHEME://[user:password@]host[:port][/], nothing else. */
static bool
config_valid_proxy(const char *s)
{
	static const char *const schemes[] = { "http://", "https://", "socks4://", "socks4a://", "socks5://",
		"socks5h://", NULL };
	const char *const *sc, *host = NULL, *c;

	for (sc = schemes; *sc != NULL && host == NULL; sc++) {
		if (strncmp(s, *sc, strlen(*sc)) == 0)
			host = s + strlen(*sc);
	}
	if (host == NULL || *host == '\0' || *host == '/' || *host == ':')
		return false;
	for (c = host; *c != '\0'; c++) {
		if ((unsigned char)*c <= ' ' || *c == 0x7f || (*c == '/' && c[1] != '\0'))
			return false;
	}
	return true;
}

/*
 * An HTTP listen address: unix:/absolute/path, or HOST:PORT. *loopback says whether HOST is
 * loopback (127.0.0.0/8, [::1], localhost): plain HTTP is allowed there only (config_validate_http),
 * since without TLS the API's tokens and case data must not cross a network.
 */
static bool
config_valid_listen(const char *s, bool *loopback)
{
	const char *colon = strrchr(s, ':'), *c;
	char host[256];
	size_t hlen;
	long port;
	char *end;

	*loopback = true;
	if (strncmp(s, "unix:", 5) == 0)
		return s[5] == '/' && strlen(s + 5) < 100;
	if (colon == NULL || colon == s || (hlen = (size_t)(colon - s)) >= sizeof host)
		return false;
	for (c = colon + 1; *c != '\0'; c++) {
		if (!isdigit((unsigned char)*c))
			return false;
	}
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || errno != 0 || port < 1 || port > 65535)
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		/* [IPv6]: hex digits, colons and dots between the brackets. */
		if (hlen < 3 || host[hlen - 1] != ']')
			return false;
		for (c = host + 1; c < host + hlen - 1; c++) {
			if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.')
				return false;
		}
		*loopback = strcmp(host, "[::1]") == 0;
		return true;
	}
	/* A name or an IPv4 address: letters, digits, dots and dashes. */
	for (c = host; *c != '\0'; c++) {
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-')
			return false;
	}
	if (strcmp(host, "localhost") == 0)
		return true;
	/* 127.D.D.D, digits and dots only. */
	*loopback = strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == hlen;
	return true;
}

/* "60s", "5min", "1h": seconds. */
static int
config_parse_interval(const char *s, long long *out)
{
	char *end;
	long long n;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoll(s, &end, 10);
	if (errno != 0 || n > 10000000)
		return -1;
	if (strcmp(end, "s") == 0)
		*out = n;
	else if (strcmp(end, "min") == 0)
		*out = n * 60;
	else if (strcmp(end, "h") == 0)
		*out = n * 3600;
	else
		return -1;
	return 0;
}

/* "HH:MM" to minutes after midnight. */
static int
config_parse_hhmm(const char *s, int *minutes)
{
	int h, m, used = 0;

	if (sscanf(s, "%2d:%2d%n", &h, &m, &used) != 2 || s[used] != '\0' || used != 5 || h < 0 || h > 24 || m < 0 ||
	    m > 59 || (h == 24 && m != 0))
		return -1;
	*minutes = h * 60 + m;
	return 0;
}

/* Parse a duration and check its number against the key's bounds. */
static int
config_parse_bounded_duration(struct config_parse *p, const struct config_key *k, const char *s, struct duration *d)
{
	char *cause = NULL;

	if (duration_parse(s, d, &cause) != 0) {
		config_error(p, p->line, "%s: %s", k->name, cause);
		free(cause);
		return -1;
	}
	if (d->n < k->min || d->n > k->max) {
		config_error(p, p->line, "%s: %s is out of bounds (%lld to %lld)", k->name, s, k->min, k->max);
		return -1;
	}
	return 0;
}

/* Free what a string-valued list holds. */
static void
config_free_strings(char **items, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(items[i]);
		items[i] = NULL;
	}
}

/*
 * One parser per key type, found through config_types[] by the type in the key's row. Each gets
 * the key and the value (struct config_value) and returns 0, or -1 after recording a "KEY: what"
 * error at the current line.
 */
struct config_value {
	void *base;	 /* the struct the key writes into (struct config, a transport, a role...) */
	void *slot;	 /* the field itself */
	int *count;	 /* lists: the field's count; NULL when the key is not a list */
	char *value;	 /* trimmed: a copy the parser may cut up */
	const char *raw; /* as written, for the messages that quote it whole */
	bool first;	 /* the first time in this section: a list replaces its default */
};

static int config_set(struct config_parse *, const struct config_key *, void *, const char *, bool);

/* The largest number in a duration inside a ladder rung, a disputes stage or a cadence step. */
#define CONFIG_STEP_MAX 1000

/* Replace a string slot: an empty value leaves it NULL (the default, or "work it out"). */
static void
config_set_string(void *slot, const char *value)
{
	free(*(char **)slot);
	*(char **)slot = *value != '\0' ? xstrdup(value) : NULL;
}

/* T_STRING, T_PATH: one line of text. */
static int
config_parse_string(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	if (strchr(v->value, '\n') != NULL) {
		config_error(p, p->line, "%s: one line only", k->name);
		return -1;
	}
	config_set_string(v->slot, v->value);
	return 0;
}

/* T_PROXY: none, or a proxy address libcurl takes. */
static int
config_parse_proxy(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	if (*v->value != '\0' && strcmp(v->value, "none") != 0 && !config_valid_proxy(v->value)) {
		config_error(p, p->line,
		    "%s: \"%s\" is neither none nor a proxy address (http://host:port, https://, socks5h://)", k->name,
		    v->value);
		return -1;
	}
	config_set_string(v->slot, v->value);
	return 0;
}

/* T_EMAIL: one plain address. */
static int
config_parse_email(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	if (*v->value != '\0' && !config_valid_email(v->value)) {
		config_error(p, p->line, "%s: \"%s\" is not an email address", k->name, v->value);
		return -1;
	}
	config_set_string(v->slot, v->value);
	return 0;
}

/* T_ENUM: one of the key's "a|b|c" choices (an empty choice allows an empty value). */
static int
config_parse_enum(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	const char *ch = k->choices, *bar;
	size_t len = strlen(v->value), cl;
	bool found = false;

	while (ch != NULL) {
		bar = strchr(ch, '|');
		cl = bar != NULL ? (size_t)(bar - ch) : strlen(ch);
		if (cl == len && strncmp(ch, v->value, len) == 0)
			found = true;
		ch = bar != NULL ? bar + 1 : NULL;
	}
	if (!found) {
		config_error(p, p->line, "%s: \"%s\" is not one of %s", k->name, v->value, k->choices);
		return -1;
	}
	config_set_string(v->slot, v->value);
	return 0;
}

/* T_BOOL: yes/true/on/1 or no/false/off/0. */
static int
config_parse_bool(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	int i;

	for (i = 0; yes[i] != NULL; i++) {
		if (strcmp(v->value, yes[i]) == 0) {
			*(bool *)v->slot = true;
			return 0;
		}
		if (strcmp(v->value, no[i]) == 0) {
			*(bool *)v->slot = false;
			return 0;
		}
	}
	config_error(p, p->line, "%s: \"%s\" is not yes or no", k->name, v->value);
	return -1;
}

/* T_INT: a whole number within the key's bounds. */
static int
config_parse_int(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	long long n;
	char *end;

	errno = 0;
	n = strtoll(v->value, &end, 10);
	if (*v->value == '\0' || *end != '\0' || errno != 0) {
		config_error(p, p->line, "%s: \"%s\" is not a whole number", k->name, v->value);
		return -1;
	}
	if (n < k->min || n > k->max) {
		config_error(p, p->line, "%s: %lld is out of bounds (%lld to %lld)", k->name, n, k->min, k->max);
		return -1;
	}
	*(int *)v->slot = (int)n;
	return 0;
}

/* T_INTERVAL: seconds ("60s", "5min", "1h") within the key's bounds. */
static int
config_parse_interval_key(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	long long n;

	if (config_parse_interval(v->value, &n) != 0) {
		config_error(p, p->line, "%s: bad interval \"%s\": want a number and s, min or h", k->name, v->value);
		return -1;
	}
	if (n < k->min || n > k->max) {
		config_error(p, p->line, "%s: %s is out of bounds (%llds to %llds)", k->name, v->value, k->min, k->max);
		return -1;
	}
	*(int *)v->slot = (int)n;
	return 0;
}

/* T_PERCENT: "10%" within the key's bounds. */
static int
config_parse_percent(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	long long n;
	char *end;

	errno = 0;
	n = strtoll(v->value, &end, 10);
	if (!isdigit((unsigned char)*v->value) || strcmp(end, "%") != 0 || errno != 0) {
		config_error(p, p->line, "%s: bad percentage \"%s\": want e.g. 10%%", k->name, v->value);
		return -1;
	}
	if (n < k->min || n > k->max) {
		config_error(
		    p, p->line, "%s: %s is out of bounds (%lld%% to %lld%%)", k->name, v->value, k->min, k->max);
		return -1;
	}
	*(int *)v->slot = (int)n;
	return 0;
}

/* T_WINDOW: "HH:MM-HH:MM", opening before closing. */
static int
config_parse_window(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	struct send_window *w = v->slot;
	char *dash = strchr(v->value, '-');

	if (dash != NULL) {
		*dash = '\0';
		if (config_parse_hhmm(config_trim(v->value), &w->open) == 0 &&
		    config_parse_hhmm(config_trim(dash + 1), &w->close) == 0 && w->open < w->close)
			return 0;
	}
	config_error(p, p->line, "%s: bad window \"%s\": want HH:MM-HH:MM, opening before closing", k->name, v->raw);
	return -1;
}

/* T_WHEN: "first working day HH:MM", kept as minutes after midnight. */
static int
config_parse_when(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	static const char prefix[] = "first working day ";

	if (strncmp(v->value, prefix, strlen(prefix)) != 0 ||
	    config_parse_hhmm(v->value + strlen(prefix), (int *)v->slot) != 0) {
		config_error(p, p->line, "%s: \"%s\": want \"first working day HH:MM\"", k->name, v->value);
		return -1;
	}
	return 0;
}

/* T_DURATION: one duration whose number is within the key's bounds. */
static int
config_parse_duration_key(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	return config_parse_bounded_duration(p, k, v->value, v->slot);
}

/* T_DURATIONS: a comma-separated list of durations (empty: none); each setting replaces the last. */
static int
config_parse_durations(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	char *items[CONFIG_LIST_MAX];
	int i, nitems;

	if ((nitems = config_split(v->value, ',', items, CONFIG_LIST_MAX)) < 0) {
		config_error(p, p->line, "%s: more than %d items", k->name, CONFIG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		if (config_parse_bounded_duration(p, k, items[i], (struct duration *)v->slot + i) != 0)
			return -1;
	}
	*v->count = nitems;
	return 0;
}

/* T_LIST: comma-separated strings, added to what the section set before (a role's title kept whole). */
static int
config_parse_list(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	char **list = v->slot, *items[CONFIG_LIST_MAX];
	int i, nitems;

	if (v->first)
		config_free_strings(list, *v->count), *v->count = 0;
	/* A role's title may contain commas ("Head of Service, Fostering"): keep it whole. */
	if (strcmp(k->name, "title") == 0) {
		if (*v->value == '\0')
			return 0;
		if (*v->count == CONFIG_LIST_MAX) {
			config_error(p, p->line, "%s: more than %d items", k->name, CONFIG_LIST_MAX);
			return -1;
		}
		list[(*v->count)++] = xstrdup(v->value);
		return 0;
	}
	if ((nitems = config_split(v->value, ',', items, CONFIG_LIST_MAX)) < 0 ||
	    *v->count + nitems > CONFIG_LIST_MAX) {
		config_error(p, p->line, "%s: more than %d items", k->name, CONFIG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		if (*items[i] == '\0') {
			config_error(p, p->line, "%s: empty item in the list", k->name);
			return -1;
		}
		list[(*v->count)++] = xstrdup(items[i]);
	}
	return 0;
}

/* T_LISTEN: comma-separated HTTP listen addresses, added to what the section set before. */
static int
config_parse_listen(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	char **list = v->slot, *items[CONFIG_LIST_MAX];
	int i, nitems;

	if (v->first)
		config_free_strings(list, *v->count), *v->count = 0;
	if ((nitems = config_split(v->value, ',', items, CONFIG_LIST_MAX)) < 0 ||
	    *v->count + nitems > CONFIG_LIST_MAX) {
		config_error(p, p->line, "%s: more than %d addresses", k->name, CONFIG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		bool loopback;

		if (!config_valid_listen(items[i], &loopback)) {
			config_error(p, p->line,
			    "%s: \"%s\": want HOST:PORT (plain HTTP only on loopback: 127.0.0.1:PORT, [::1]:PORT, "
			    "localhost:PORT) or a unix socket (unix:/path)",
			    k->name, items[i]);
			return -1;
		}
		/* T_LISTEN is [http] listen's alone: keep each address's line for config_validate_http. */
		p->cfg->http_listen_lines[*v->count] = p->line;
		list[(*v->count)++] = xstrdup(items[i]);
	}
	return 0;
}

/* T_ESCALATE: "AFTER:WHO, ..." rungs in order; each setting replaces the ladder. */
static int
config_parse_escalate(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	const struct config_key after = { .name = k->name, .min = 0, .max = CONFIG_STEP_MAX };
	struct config_escalation *e = v->slot;
	char *items[CONFIG_LIST_MAX], *colon;
	int i, nitems;

	if ((nitems = config_split(v->value, ',', items, CONFIG_LIST_MAX)) < 0) {
		config_error(p, p->line, "%s: more than %d rungs", k->name, CONFIG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < *v->count; i++)
		free(e[i].who), e[i].who = NULL;
	*v->count = 0;
	for (i = 0; i < nitems; i++) {
		colon = strchr(items[i], ':');
		if (colon == NULL || colon[1] == '\0') {
			config_error(p, p->line, "%s: \"%s\": want AFTER:WHO, e.g. 10wd:manager+1", k->name, items[i]);
			return -1;
		}
		*colon = '\0';
		if (config_parse_bounded_duration(p, &after, config_trim(items[i]), &e[i].after) != 0)
			return -1;
		if (i > 0 && e[i].after.unit == e[i - 1].after.unit && e[i].after.n <= e[i - 1].after.n) {
			config_error(p, p->line, "%s: rungs must be in order", k->name);
			return -1;
		}
		e[i].who = xstrdup(config_trim(colon + 1));
		*v->count = i + 1;
	}
	return 0;
}

/* T_STAGE: one rung of the disputes ladder, "NAME, RESPONDER, LIMIT"; the default holds several. */
static int
config_parse_stage(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	const struct config_key limit = { .name = k->name, .min = 1, .max = CONFIG_STEP_MAX };
	struct config_stage *st = v->slot;
	char *items[3], *line, *save = NULL;
	int i;

	if (v->first) {
		for (i = 0; i < *v->count; i++)
			free(st[i].name), free(st[i].responder);
		*v->count = 0;
	}
	if (strchr(v->value, '\n') != NULL) {
		for (line = strtok_r(v->value, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			if (config_set(p, k, v->base, line, false) != 0)
				return -1;
		}
		return 0;
	}
	if (config_split(v->value, ',', items, 3) != 3 || *items[0] == '\0' || *items[1] == '\0') {
		config_error(p, p->line, "%s: \"%s\": want NAME, RESPONDER, LIMIT (e.g. 2, head-of-service, 5wd)",
		    k->name, v->raw);
		return -1;
	}
	if (*v->count == CONFIG_LIST_MAX) {
		config_error(p, p->line, "%s: more than %d stages", k->name, CONFIG_LIST_MAX);
		return -1;
	}
	for (i = 0; i < *v->count; i++) {
		if (strcmp(st[i].name, items[0]) == 0) {
			config_error(p, p->line, "%s: stage \"%s\" is already in the ladder", k->name, items[0]);
			return -1;
		}
	}
	if (config_parse_bounded_duration(p, &limit, items[2], &st[*v->count].limit) != 0)
		return -1;
	if (st[*v->count].limit.unit != DURATION_WORKING_DAYS) {
		config_error(p, p->line, "%s: stage limits are in working days (e.g. 5wd)", k->name);
		return -1;
	}
	st[*v->count].name = xstrdup(items[0]);
	st[*v->count].responder = xstrdup(items[1]);
	(*v->count)++;
	return 0;
}

/* T_CADENCE: "EVERY until WHEN, ..., EVERY"; each setting replaces the cadence. */
static int
config_parse_cadence(struct config_parse *p, const struct config_key *k, struct config_value *v)
{
	static const char until_word[] = " until ";
	const struct config_key step = { .name = k->name, .min = 1, .max = CONFIG_STEP_MAX };
	struct config_cadence *cad = v->slot;
	char *items[CONFIG_LIST_MAX], *until;
	int i, nitems;

	if ((nitems = config_split(v->value, ',', items, CONFIG_LIST_MAX)) <= 0) {
		config_error(p, p->line, "%s: want EVERY until WHEN, ..., EVERY", k->name);
		return -1;
	}
	for (i = 0; i < nitems; i++) {
		until = strstr(items[i], until_word);
		memset(&cad[i], 0, sizeof cad[i]);
		if (until != NULL)
			*until = '\0';
		if (config_parse_bounded_duration(p, &step, config_trim(items[i]), &cad[i].every) != 0)
			return -1;
		if ((until == NULL) != (i == nitems - 1)) {
			config_error(p, p->line, "%s: every step but the last needs \"until\"", k->name);
			return -1;
		}
		if (until != NULL &&
		    config_parse_bounded_duration(p, &step, config_trim(until + strlen(until_word)), &cad[i].until) !=
			0)
			return -1;
	}
	*v->count = nitems;
	return 0;
}

/* What each key type is called in `driftwatchctl config-keys`, and the parser that reads it. */
static const struct config_type {
	const char *name;
	int (*parse)(struct config_parse *, const struct config_key *, struct config_value *);
} config_types[] = {
	[T_STRING] = { "string", config_parse_string },
	[T_PATH] = { "path", config_parse_string },
	[T_EMAIL] = { "email", config_parse_email },
	[T_BOOL] = { "yes/no", config_parse_bool },
	[T_INT] = { "integer", config_parse_int },
	[T_DURATION] = { "duration", config_parse_duration_key },
	[T_DURATIONS] = { "durations", config_parse_durations },
	[T_INTERVAL] = { "interval", config_parse_interval_key },
	[T_PERCENT] = { "percent", config_parse_percent },
	[T_WINDOW] = { "window", config_parse_window },
	[T_LIST] = { "list", config_parse_list },
	[T_ENUM] = { "choice", config_parse_enum },
	[T_ESCALATE] = { "ladder", config_parse_escalate },
	[T_STAGE] = { "stage", config_parse_stage },
	[T_CADENCE] = { "cadence", config_parse_cadence },
	[T_WHEN] = { "when", config_parse_when },
	[T_PROXY] = { "proxy", config_parse_proxy },
	[T_LISTEN] = { "listen", config_parse_listen },
};
/* Every type has a name and a parser up to the last one. */
_Static_assert(sizeof config_types / sizeof config_types[0] == T_LISTEN + 1, "config_types");

/* Parse one value into the slot the key names. Returns 0, or -1 after recording an error. */
static int
config_set(struct config_parse *p, const struct config_key *k, void *base, const char *raw, bool first)
{
	char *copy = xstrdup(raw);
	struct config_value v = {
		.base = base,
		.slot = (char *)base + k->offset,
		.count = k->count_offset != 0 ? (int *)(void *)((char *)base + k->count_offset) : NULL,
		.value = config_trim(copy),
		.raw = raw,
		.first = first,
	};
	int rc = -1;

	/*
	 * "key =" means the default only where the default is empty (none, or "work it out"), and an
	 * empty list of durations where the key is one ("reflections =": none are tracked, "remind_before
	 * =": no reminders); any other key needs a value, so nothing downstream ever meets a NULL it did
	 * not plan for.
	 */
	if (*v.value == '\0' && k->type != T_DURATIONS && (k->def == NULL || *k->def != '\0'))
		config_error(p, p->line, "%s: must not be empty", k->name);
	else
		rc = config_types[k->type].parse(p, k, &v);
	free(copy);
	return rc;
}

/* Find a key in a section kind. */
static const struct config_key *
config_find_key(const char *section, const char *name, size_t *index)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (strcmp(config_keys[i].section, section) == 0 && strcmp(config_keys[i].name, name) == 0) {
			if (index != NULL)
				*index = i;
			return &config_keys[i];
		}
	}
	return NULL;
}

/* Apply every default of one scope to a struct. */
static void
config_apply_defaults(struct config_parse *p, enum key_scope scope, const char *section, void *base)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		if (k->scope != scope || (section != NULL && strcmp(k->section, section) != 0))
			continue;
		if (k->def == NULL)
			continue;
		if (config_set(p, k, base, k->def, true) != 0)
			fatalx("config: default of %s.%s is invalid", k->section, k->name);
	}
}

/* Start a named section element: [transport "mail"] and friends. */
static void *
config_new_element(struct config_parse *p, const char *kind, const char *name)
{
	struct config *cfg = p->cfg;
	void *e = NULL;
	int i;

#define ADD(arr, n, type, field) \
	do { \
		for (i = 0; i < cfg->n; i++) { \
			if (strcmp(cfg->arr[i].field, name) == 0) { \
				config_error(p, p->line, "[%s \"%s\"] is already defined at line %d", kind, name, \
				    cfg->arr[i].line); \
				return NULL; \
			} \
		} \
		cfg->arr = xreallocarray(cfg->arr, cfg->n + 1, sizeof *cfg->arr); \
		memset(&cfg->arr[cfg->n], 0, sizeof cfg->arr[cfg->n]); \
		e = &cfg->arr[cfg->n]; \
		cfg->arr[cfg->n].field = xstrdup(name); \
		cfg->arr[cfg->n].line = p->line; \
		cfg->n++; \
	} while (0)

	if (strcmp(kind, "transport") == 0) {
		ADD(transports, ntransports, struct config_transport, t.name);
		p->scope = S_TRANSPORT;
	} else if (strcmp(kind, "role") == 0) {
		ADD(roles, nroles, struct config_role, key);
		p->scope = S_ROLE;
	} else if (strcmp(kind, "team") == 0) {
		ADD(teams, nteams, struct config_team, name);
		p->scope = S_TEAM;
	} else if (strcmp(kind, "digest") == 0) {
		ADD(digests, ndigests, struct config_digest, name);
		p->scope = S_DIGEST;
	} else if (strcmp(kind, "client") == 0) {
		ADD(clients, nclients, struct config_client, name);
		p->scope = S_CLIENT;
	} else if (strcmp(kind, "import") == 0) {
		ADD(imports, nimports, struct config_import, name);
		p->scope = S_IMPORT;
	}
#undef ADD
	config_apply_defaults(p, p->scope, kind, e);
	return e;
}

/* Check a section header line as the reader sees it, so empty and unknown sections are caught. */
static void
config_section_line(struct config_parse *p, char *line)
{
	char *end = strchr(line, ']'), *inner, *q1, *q2, *rest;
	size_t i;

	p->section_ok = 0;
	p->element = NULL;
	p->scope = S_GLOBAL;
	p->section_line = p->line;
	memset(p->seen, 0, sizeof p->seen);
	if (end == NULL) {
		config_error(p, p->line, "section header without ']'");
		return;
	}
	*end = '\0';
	inner = config_trim(line + 1);
	q1 = strchr(inner, '"');
	if (q1 == NULL) {
		for (i = 0; config_plain_sections[i] != NULL; i++) {
			if (strcmp(inner, config_plain_sections[i]) != 0)
				continue;
			/* Two [actions] would each look complete: refuse the second, as a repeated [role "X"] is. */
			if (p->plain_line[i] != 0) {
				config_error(
				    p, p->line, "[%s] repeats the section begun at line %d", inner, p->plain_line[i]);
				return;
			}
			p->plain_line[i] = p->line;
			p->section_kind = config_plain_sections[i];
			p->section_ok = 1;
			return;
		}
		for (i = 0; config_named_sections[i] != NULL; i++) {
			if (strcmp(inner, config_named_sections[i]) == 0) {
				config_error(p, p->line, "[%s] needs a name: [%s \"NAME\"]", inner, inner);
				return;
			}
		}
		config_error(p, p->line, "unknown section [%s]", inner);
		return;
	}
	q2 = strchr(q1 + 1, '"');
	rest = q2 != NULL ? config_trim(q2 + 1) : NULL;
	*q1 = '\0';
	inner = config_trim(inner);
	if (q2 == NULL || *rest != '\0' || q2 == q1 + 1) {
		config_error(p, p->line, "bad section header: want [%s \"NAME\"]", inner);
		return;
	}
	*q2 = '\0';
	for (i = 0; config_named_sections[i] != NULL; i++) {
		if (strcmp(inner, config_named_sections[i]) == 0) {
			p->section_kind = config_named_sections[i];
			if ((p->element = config_new_element(p, inner, q1 + 1)) != NULL)
				p->section_ok = 1;
			return;
		}
	}
	config_error(p, p->line, "unknown section [%s \"%s\"]", inner, q1 + 1);
}

/*
 * inih reader: the next line of the text, counted, with section headers seen first. A line too long
 * for inih's buffer, or holding a NUL byte, is reported here and handed on blank: cut in pieces,
 * inih would take its tail for a line of its own, and a NUL would silently shorten a value.
 */
static char *
config_reader(char *buf, int size, void *stream)
{
	struct config_parse *p = stream;
	const char *start = p->text + p->off, *nl;
	size_t n, keep;
	char *s, *line;

	if (p->off >= p->len || size < 2)
		return NULL;
	nl = memchr(start, '\n', p->len - p->off);
	n = nl != NULL ? (size_t)(nl - start) + 1 : p->len - p->off;
	p->off += n;
	p->line++;
	keep = n > 0 && start[n - 1] == '\n' ? n - 1 : n;
	if (keep > 0 && start[keep - 1] == '\r')
		keep--;
	if (memchr(start, '\0', n) != NULL) {
		config_error(p, p->line, "a NUL byte in the line");
		keep = 0;
	} else if (keep > (size_t)size - 2) {
		config_error(p, p->line, "line longer than %d characters", size - 2);
		keep = 0;
	}
	memcpy(buf, start, keep);
	buf[keep] = '\n';
	buf[keep + 1] = '\0';
	line = xstrdup(buf);
	s = config_trim(line);
	if (p->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	if (*s == '[')
		config_section_line(p, s);
	free(line);
	return buf;
}

/* inih handler: one key = value. */
static int
config_handler(void *user, const char *section, const char *name, const char *value)
{
	struct config_parse *p = user;
	const struct config_key *k;
	size_t index;
	void *base;

	(void)section;
	if (name == NULL)
		return 1;
	if (!p->section_ok) {
		if (p->section_line == 0)
			config_error(p, p->line, "%s: key outside any section", name);
		return 1; /* the section's own error was reported */
	}
	if ((k = config_find_key(p->section_kind, name, &index)) == NULL) {
		config_error(p, p->line, "unknown key \"%s\" in [%s]", name, p->section_kind);
		return 1;
	}
	base = p->scope == S_GLOBAL ? (void *)p->cfg : p->element;
	if (config_set(p, k, base, value, !p->seen[index]) == 0 && k->line_offset != 0)
		*(int *)(void *)((char *)base + k->line_offset) = p->line;
	p->seen[index] = true;
	return 1;
}

/* Read a secret from a file (or a systemd credential); refuse one that others can read. */
static char *
config_read_secret(struct config_parse *p, int line, const char *what, const char *path)
{
	char *full = NULL, *data = NULL, *cred;
	struct stat st;
	FILE *f = NULL;
	size_t len;
	long size;
	int is_cred = 0;

	if (p->flags & CONFIG_NO_FILES)
		return NULL; /* asked not to: the fuzzer names any path, /dev/tty and FIFOs among them */
	if (strncmp(path, "credential:", 11) == 0) {
		if ((cred = getenv("CREDENTIALS_DIRECTORY")) == NULL) {
			config_error(p, line,
			    "%s: %s: $CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit)", what, path);
			return NULL;
		}
		xasprintf(&full, "%s/%s", cred, path + 11);
		is_cred = 1;
	} else
		full = xstrdup(path);
	if ((f = fopen(full, "r")) == NULL) {
		config_error(p, line, "%s: %s: %s", what, full, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		config_error(p, line, "%s: %s: not a regular file", what, full);
		goto out;
	}
	/*
	 * 0600 or stricter: a group that can read the password can send as us. A systemd credential
	 * is exempt: systemd made the copy, readable by the service alone whatever its mode says.
	 */
	if (!is_cred && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		config_error(p, line, "%s: mode %04o is too open: %s wants 0600 or stricter (chmod 600 it)", full,
		    (unsigned)(st.st_mode & 07777), what);
		goto out;
	}
	size = st.st_size;
	if (size > 65536) {
		config_error(p, line, "%s: %s is larger than 64 KiB", what, full);
		goto out;
	}
	data = xmalloc((size_t)size + 1);
	len = fread(data, 1, (size_t)size, f);
	data[len] = '\0';
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r' || data[len - 1] == ' '))
		data[--len] = '\0';
	if (len == 0) {
		config_error(p, line, "%s: %s is empty", what, full);
		free(data);
		data = NULL;
	}
out:
	if (f != NULL)
		fclose(f);
	free(full);
	return data;
}

/*
 * Is a ladder's reference one of its own words, or a well-known role key that imports may define
 * (dcs, head-of-service, assistant-director, iro-manager), rather than a key the ini must hold?
 */
static bool
config_is_relative_role(const char *who)
{
	static const char *const words[] = { "manager", "team-manager", "social-worker", "iro", "lead", "dcs",
		"head-of-service", "assistant-director", "iro-manager", NULL };
	int i;

	if (strncmp(who, "manager+", 8) == 0)
		return true;
	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(who, words[i]) == 0)
			return true;
	}
	return false;
}

/* Report a role key that no [role] section defines. */
static void
config_check_role_ref(struct config_parse *p, int line, const char *where, const char *key)
{
	if (key != NULL && config_role(p->cfg, key) == NULL)
		config_error(p, line, "%s: unknown role \"%s\" (no [role \"%s\"] section)", where, key, key);
}

/* [client] sections: a token each (read now, so a reload picks up a new one), known scopes. */
static void
config_validate_clients(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	int i, j, k, ok;

	for (i = 0; i < cfg->nclients; i++) {
		struct config_client *c = &cfg->clients[i];
		if (c->token_file == NULL) {
			config_error(p, c->line, "[client \"%s\"]: missing required key \"token_file\"", c->name);
			continue;
		}
		c->token = config_read_secret(p, c->line, "token_file", c->token_file);
		if (c->token != NULL && (strlen(c->token) < 16 || strpbrk(c->token, " \t\r\n") != NULL))
			config_error(p, c->line,
			    "[client \"%s\"]: token_file: want one token of 16 characters or more, no spaces", c->name);
		for (j = 0; c->token != NULL && j < i; j++) {
			if (cfg->clients[j].token != NULL && strcmp(cfg->clients[j].token, c->token) == 0)
				config_error(p, c->line, "[client \"%s\"]: the same token as [client \"%s\"]", c->name,
				    cfg->clients[j].name);
		}
		for (j = 0; j < c->nmay; j++) {
			for (k = 0, ok = 0; config_client_scopes[k] != NULL; k++)
				ok |= strcmp(c->may[j], config_client_scopes[k]) == 0;
			if (!ok)
				config_error(p, c->line,
				    "[client \"%s\"]: may: unknown scope \"%s\" (read, disputes, reviews, permanence, actions, asye, imports)",
				    c->name, c->may[j]);
		}
	}
}

/* Read a public file (a certificate) whole: at most 1 MiB; NULL with an error at line. */
static char *
config_read_public(struct config_parse *p, int line, const char *what, const char *path)
{
	struct stat st;
	FILE *f;
	char *data = NULL;
	size_t len;

	if ((f = fopen(path, "r")) == NULL) {
		config_error(p, line, "%s: %s: %s", what, path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
		config_error(p, line, "%s: %s: not a regular file", what, path);
	else if (st.st_size > 1048576)
		config_error(p, line, "%s: %s is larger than 1 MiB", what, path);
	else {
		data = xmalloc((size_t)st.st_size + 1);
		len = fread(data, 1, (size_t)st.st_size, f);
		data[len] = '\0';
	}
	fclose(f);
	return data;
}

/* A key with a passphrase would need a person at every start: refuse to ask for one. */
static int
config_no_passphrase_cb(char *buf, int size, int rwflag, void *arg)
{
	(void)buf, (void)size, (void)rwflag, (void)arg;
	return 0;
}

/*
 * Do the certificate and key read as PEM, and does the key belong to the certificate? Checked
 * here so that check-config and a reload refuse them with their line, before the listener would.
 */
static void
config_check_tls(struct config_parse *p, const struct config *cfg)
{
	BIO *bio;
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;

	bio = BIO_new_mem_buf(cfg->http_tls_cert, -1);
	if (bio == NULL || (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
		config_error(p, cfg->http_tls_cert_file_line, "tls_cert_file: %s: no PEM certificate in it",
		    cfg->http_tls_cert_file);
	BIO_free(bio);
	bio = BIO_new_mem_buf(cfg->http_tls_key, -1);
	if (bio == NULL || (key = PEM_read_bio_PrivateKey(bio, NULL, config_no_passphrase_cb, NULL)) == NULL)
		config_error(p, cfg->http_tls_key_file_line,
		    "tls_key_file: %s: no PEM private key in it (or it has a passphrase: store it without one, mode 0600)",
		    cfg->http_tls_key_file);
	BIO_free(bio);
	if (cert != NULL && key != NULL && X509_check_private_key(cert, key) != 1)
		config_error(p, cfg->http_tls_key_file_line, "tls_key_file: %s: not the key of the certificate in %s",
		    cfg->http_tls_key_file, cfg->http_tls_cert_file);
	ERR_clear_error();
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* [http]: TLS needs both files; plain HTTP only on loopback; public_url absolute. */
static void
config_validate_http(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	const char *u = cfg->http_public_url, *host, *end;
	bool loopback, tls;
	char *h;
	int i;

	if ((cfg->http_tls_cert_file == NULL) != (cfg->http_tls_key_file == NULL))
		config_error(p,
		    cfg->http_tls_cert_file != NULL ? cfg->http_tls_cert_file_line : cfg->http_tls_key_file_line,
		    "%s without %s: TLS needs both", cfg->http_tls_cert_file != NULL ? "tls_cert_file" : "tls_key_file",
		    cfg->http_tls_cert_file != NULL ? "tls_key_file" : "tls_cert_file");
	tls = cfg->http_tls_cert_file != NULL && cfg->http_tls_key_file != NULL;
	if (tls && !(p->flags & CONFIG_NO_FILES)) {
		cfg->http_tls_cert =
		    config_read_public(p, cfg->http_tls_cert_file_line, "tls_cert_file", cfg->http_tls_cert_file);
		cfg->http_tls_key =
		    config_read_secret(p, cfg->http_tls_key_file_line, "tls_key_file", cfg->http_tls_key_file);
		if (cfg->http_tls_cert != NULL && cfg->http_tls_key != NULL)
			config_check_tls(p, cfg);
	}
	for (i = 0; i < cfg->http_nlisten; i++) {
		if (!tls && config_valid_listen(cfg->http_listen[i], &loopback) && !loopback)
			config_error(p, cfg->http_listen_lines[i],
			    "listen: \"%s\": plain HTTP only on loopback (127.0.0.1:PORT, [::1]:PORT, localhost:PORT) or a "
			    "unix socket (unix:/path); set tls_cert_file and tls_key_file to listen on another address",
			    cfg->http_listen[i]);
	}
	if (u == NULL)
		return;
	/* https://HOST[:PORT][/path], or http:// to a loopback host (a proxy on the same machine). */
	if (strncmp(u, "https://", 8) == 0)
		host = u + 8;
	else if (strncmp(u, "http://", 7) == 0)
		host = u + 7;
	else {
		config_error(p, cfg->http_public_url_line,
		    "public_url: \"%s\": want an absolute https:// address (http:// only on loopback)", u);
		return;
	}
	end = host + strcspn(host, "/?#");
	if (end == host || strpbrk(u, " \t\"<>\\?#") != NULL) {
		config_error(p, cfg->http_public_url_line,
		    "public_url: \"%s\": want https://HOST[:PORT][/PATH], no query or fragment", u);
		return;
	}
	h = xstrndup(host, (size_t)(end - host));
	if (h[0] == '[' ? h[strlen(h) - 1] == ']' : strchr(h, ':') == NULL)
		xappendf(&h, ":443"); /* a port, so config_valid_listen can read the host */
	if (!config_valid_listen(h, &loopback))
		config_error(p, cfg->http_public_url_line,
		    "public_url: \"%s\": the host is not a name, an address or [IPv6] with a port", u);
	else if (host == u + 7 && !loopback)
		config_error(p, cfg->http_public_url_line,
		    "public_url: \"%s\": plain http:// only on loopback; clients elsewhere need https://", u);
	free(h);
}

/* Cross-key checks once the whole file is read. */
static void
config_validate(struct config_parse *p)
{
	struct config *cfg = p->cfg;
	char *cause = NULL;
	int i, j, hops;

	for (i = 0; i < cfg->ntransports; i++) {
		struct config_transport *t = &cfg->transports[i];
		if (t->t.type == NULL) {
			config_error(p, t->line, "[transport \"%s\"]: missing required key \"type\"", t->t.name);
			continue;
		}
		if (t->url_file != NULL) {
			free(t->t.url);
			t->t.url = config_read_secret(p, t->url_file_line, "url_file", t->url_file);
		}
		if (t->password_file != NULL)
			t->t.password = config_read_secret(p, t->password_file_line, "password_file", t->password_file);
		if (t->token_file != NULL)
			t->t.oauth_token = config_read_secret(p, t->token_file_line, "token_file", t->token_file);
		if (t->secret_file != NULL)
			t->t.secret = config_read_secret(p, t->secret_file_line, "secret_file", t->secret_file);
		if (t->proxy_login_file != NULL &&
		    (t->t.proxy_login = config_read_secret(
			 p, t->proxy_login_file_line, "proxy_login_file", t->proxy_login_file)) != NULL &&
		    (strchr(t->t.proxy_login, ':') == NULL || strchr(t->t.proxy_login, '\n') != NULL))
			config_error(p, t->line, "[transport \"%s\"]: proxy_login_file: want user:password on one line",
			    t->t.name);
		if (t->proxy_login_file != NULL && t->t.proxy != NULL && strcmp(t->t.proxy, "none") == 0)
			config_error(p, t->line,
			    "[transport \"%s\"]: proxy_login_file with proxy = none: no proxy to log in to", t->t.name);
		if (strcmp(t->t.type, "file") == 0 && t->t.spool == NULL) {
			const char *slash = strrchr(cfg->database, '/');
			if (slash == NULL)
				t->t.spool = xstrdup("spool");
			else
				xasprintf(&t->t.spool, "%.*s/spool", (int)(slash - cfg->database), cfg->database);
		}
		if (strcmp(t->t.type, "file") != 0 && t->t.url == NULL && t->url_file == NULL)
			config_error(
			    p, t->line, "[transport \"%s\"]: %s needs url (or url_file)", t->t.name, t->t.type);
		if (strcmp(t->t.type, "file") == 0 && (t->t.proxy != NULL || t->proxy_login_file != NULL))
			config_error(p, t->line,
			    "[transport \"%s\"]: proxy: a file transport sends nothing over the network", t->t.name);
		if (strcmp(t->t.type, "webhook") == 0 && t->t.format == NULL)
			config_error(p, t->line, "[transport \"%s\"]: webhook needs format = json or teams", t->t.name);
		/* What the start would refuse (transport_new runs the same checks), refused here first. */
		if (strcmp(t->t.type, "file") != 0 && t->t.url != NULL && transport_check(&t->t, &cause) != 0) {
			config_error(p, t->line, "[transport \"%s\"]: %s", t->t.name, cause);
			free(cause);
			cause = NULL;
		}
	}
	for (i = 0; i < cfg->nroles; i++) {
		struct config_role *r = &cfg->roles[i];
		config_check_role_ref(p, r->line, "reports_to", r->reports_to);
		if (r->transport != NULL && config_transport(cfg, r->transport) == NULL)
			config_error(p, r->line, "[role \"%s\"]: unknown transport \"%s\"", r->key, r->transport);
		/* A reports_to chain that comes back to itself would escalate forever. */
		const struct config_role *walk = r;
		for (hops = 0; walk != NULL && walk->reports_to != NULL && hops <= cfg->nroles; hops++) {
			walk = config_role(cfg, walk->reports_to);
			if (walk == r) {
				config_error(p, r->line, "[role \"%s\"]: reports_to loops back to itself", r->key);
				break;
			}
		}
	}
	for (i = 0; i < cfg->nteams; i++) {
		config_check_role_ref(p, cfg->teams[i].line, "head_of_service", cfg->teams[i].head_of_service);
		config_check_role_ref(p, cfg->teams[i].line, "assistant_director", cfg->teams[i].assistant_director);
	}
	for (i = 0; i < cfg->ndigests; i++) {
		struct config_digest *d = &cfg->digests[i];
		if (d->nto == 0)
			config_error(p, d->line, "[digest \"%s\"]: missing required key \"to\"", d->name);
		for (j = 0; j < d->nto; j++) {
			if (strncmp(d->to[j], "role:", 5) == 0)
				config_check_role_ref(p, d->line, "to", d->to[j] + 5);
			else if (!config_valid_email(d->to[j]))
				config_error(
				    p, d->line, "to: \"%s\" is neither role:KEY nor an email address", d->to[j]);
		}
		for (j = 0; j < d->nsections; j++) {
			int k, ok = 0;
			for (k = 0; config_digest_sections[k] != NULL; k++)
				ok |= strcmp(d->sections[j], config_digest_sections[k]) == 0;
			if (!ok)
				config_error(p, d->line,
				    "sections: unknown section \"%s\" (actions, disputes, reviews, asye, delivery)",
				    d->sections[j]);
		}
		if (d->transport != NULL && config_transport(cfg, d->transport) == NULL)
			config_error(p, d->line, "[digest \"%s\"]: unknown transport \"%s\"", d->name, d->transport);
	}
	for (i = 0; i < cfg->nimports; i++) {
		struct config_import *im = &cfg->imports[i];
		im->schedule_minutes = -1;
		if (im->dir == NULL)
			config_error(p, im->line, "[import \"%s\"]: missing required key \"dir\"", im->name);
		else if (im->dir[0] != '/')
			config_error(
			    p, im->line, "[import \"%s\"]: dir \"%s\" is not an absolute path", im->name, im->dir);
		if (im->format == NULL)
			config_error(p, im->line, "[import \"%s\"]: missing required key \"format\"", im->name);
		if (im->schedule != NULL &&
		    (strncmp(im->schedule, "daily ", 6) != 0 ||
			config_parse_hhmm(im->schedule + 6, &im->schedule_minutes) != 0))
			config_error(p, im->line, "[import \"%s\"]: schedule \"%s\": want \"daily HH:MM\"", im->name,
			    im->schedule);
		if (im->keep_done.unit == DURATION_WORKING_DAYS)
			config_error(
			    p, im->line, "[import \"%s\"]: keep_done is in days, weeks or months (e.g. 90d)", im->name);
		for (j = 0; j < i; j++) {
			if (im->dir != NULL && cfg->imports[j].dir != NULL && strcmp(im->dir, cfg->imports[j].dir) == 0)
				config_error(p, im->line, "[import \"%s\"]: dir is already watched by [import \"%s\"]",
				    im->name, cfg->imports[j].name);
		}
	}
	for (i = 0; i < cfg->disputes_nstages; i++) {
		if (!config_is_relative_role(cfg->disputes_stages[i].responder))
			config_check_role_ref(p, 0, "[disputes] stage responder", cfg->disputes_stages[i].responder);
	}
	for (i = 0; i < cfg->actions_nescalate; i++) {
		if (!config_is_relative_role(cfg->actions_escalate[i].who))
			config_check_role_ref(p, 0, "[actions] escalate", cfg->actions_escalate[i].who);
	}
	if (cfg->default_transport != NULL && config_transport(cfg, cfg->default_transport) == NULL)
		config_error(p, 0, "default_transport: unknown transport \"%s\"", cfg->default_transport);
	if (cfg->admin_transport != NULL && config_transport(cfg, cfg->admin_transport) == NULL)
		config_error(p, 0, "admin_transport: unknown transport \"%s\"", cfg->admin_transport);
	config_validate_clients(p);
	config_validate_http(p);
	if (cfg->retry_first > cfg->retry_max)
		config_error(
		    p, 0, "retry_first (%ds) is longer than retry_max (%ds)", cfg->retry_first, cfg->retry_max);

	if (cfg->bank_holidays != NULL && !(p->flags & CONFIG_NO_FILES) &&
	    (cfg->calendar = calendar_load(cfg->bank_holidays, &cause)) == NULL) {
		if (p->nerrors++ < CONFIG_ERRORS_MAX)
			config_append_error(p, cause);
		free(cause);
	}
}

/* The built-in file transport used when the ini names none. */
static void
config_add_builtin_transport(struct config_parse *p)
{
	struct config_transport *t;

	if (p->cfg->ntransports > 0)
		return;
	t = config_new_element(p, "transport", "file");
	free(t->t.type);
	t->t.type = xstrdup("file");
	t->line = 0;
}

/* Has an error already been recorded for this line? */
static bool
config_line_reported(const struct config_parse *p, int line)
{
	char *want;
	bool found;

	if (p->errors == NULL)
		return false;
	xasprintf(&want, "%s:%d: ", p->file, line);
	found = strncmp(p->errors, want, strlen(want)) == 0;
	free(want);
	xasprintf(&want, "\n%s:%d: ", p->file, line);
	found = found || strstr(p->errors, want) != NULL;
	free(want);
	return found;
}

/*
 * The one way a config is built: defaults, then the text (when there is one) through inih, then
 * validation. path is what cfg->path keeps (NULL for the defaults or a buffer); name is what
 * errors say.
 */
static struct config *
config_build(const char *path, const char *name, const char *text, size_t len, int flags, char **cause)
{
	struct config_parse p;
	struct config *cfg = xcalloc(1, sizeof *cfg);
	int rc;

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.file = name;
	p.flags = flags;
	cfg->path = path != NULL ? xstrdup(path) : NULL;
	config_apply_defaults(&p, S_GLOBAL, NULL, cfg);

	if (text != NULL) {
		p.text = text;
		p.len = len;
		/* inih stops at nothing: rc is the first line it could not read; ours came first. */
		if ((rc = ini_parse_stream(config_reader, &p, config_handler, &p)) > 0 && !config_line_reported(&p, rc))
			config_error(&p, rc, "syntax error (want key = value or [section])");
		else if (rc < 0)
			config_error(&p, 0, "cannot parse (out of memory)");
	}
	config_add_builtin_transport(&p);
	p.line = 0;
	config_validate(&p);
	if (p.nerrors > CONFIG_ERRORS_MAX) {
		char *more;
		xasprintf(&more, "%s: and %d more errors", p.file, p.nerrors - CONFIG_ERRORS_MAX);
		config_append_error(&p, more);
		free(more);
	}
	if (p.nerrors > 0) {
		*cause = p.errors;
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Load, parse and validate a file (NULL: the defaults); see config.h. */
struct config *
config_load(const char *path, char **cause)
{
	struct config *cfg;
	struct stat st;
	char *text;
	size_t len = 0, got;
	FILE *f;

	if (path == NULL)
		return config_build(NULL, "(defaults)", NULL, 0, 0, cause);
	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size > CONFIG_FILE_MAX) {
		xasprintf(cause, "%s: larger than %d KiB", path, CONFIG_FILE_MAX / 1024);
		fclose(f);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size && (got = fread(text + len, 1, (size_t)st.st_size - len, f)) > 0)
		len += got;
	if (ferror(f)) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	cfg = config_build(path, path, text, len, 0, cause);
	free(text);
	return cfg;
}

/* Parse and validate a config held in memory; see config.h. */
struct config *
config_load_buffer(const char *name, const char *text, size_t len, int flags, char **cause)
{
	if (len > CONFIG_FILE_MAX) {
		xasprintf(cause, "%s: larger than %d KiB", name, CONFIG_FILE_MAX / 1024);
		return NULL;
	}
	return config_build(NULL, name, text, len, flags, cause);
}

/* Free a transport section. */
static void
config_free_transport(struct config_transport *t)
{
	struct transport_config *c = &t->t;

	free(c->name), free(c->type), free(c->url), free(c->tls), free(c->from), free(c->username);
	free(c->password), free(c->oauth_token), free(c->ca_file), free(c->format), free(c->secret);
	free(c->spool), free(c->domain), free(c->proxy), free(c->proxy_login);
	free(t->password_file), free(t->token_file), free(t->secret_file), free(t->url_file), free(t->proxy_login_file);
}

/* Free a config and all it owns. */
void
config_free(struct config *cfg)
{
	int i;

	if (cfg == NULL)
		return;
	free(cfg->path), free(cfg->admin_email), free(cfg->admin_transport), free(cfg->bank_holidays);
	free(cfg->database), free(cfg->default_transport), free(cfg->timezone);
	config_free_strings(cfg->http_listen, cfg->http_nlisten);
	config_free_strings(cfg->ssd_iro_roles, cfg->ssd_niro_roles);
	config_free_strings(cfg->ssd_social_worker_roles, cfg->ssd_nsocial_worker_roles);
	config_free_strings(cfg->ssd_team_manager_roles, cfg->ssd_nteam_manager_roles);
	free(cfg->http_public_url), free(cfg->http_tls_cert_file), free(cfg->http_tls_key_file);
	free(cfg->http_tls_cert);
	if (cfg->http_tls_key != NULL)
		OPENSSL_cleanse(cfg->http_tls_key, strlen(cfg->http_tls_key)), free(cfg->http_tls_key);
	for (i = 0; i < cfg->actions_nescalate; i++)
		free(cfg->actions_escalate[i].who);
	for (i = 0; i < cfg->disputes_nstages; i++)
		free(cfg->disputes_stages[i].name), free(cfg->disputes_stages[i].responder);
	for (i = 0; i < cfg->ntransports; i++)
		config_free_transport(&cfg->transports[i]);
	free(cfg->transports);
	for (i = 0; i < cfg->nroles; i++) {
		free(cfg->roles[i].key), free(cfg->roles[i].email), free(cfg->roles[i].reports_to);
		free(cfg->roles[i].transport);
		config_free_strings(cfg->roles[i].titles, cfg->roles[i].ntitles);
	}
	free(cfg->roles);
	for (i = 0; i < cfg->nteams; i++)
		free(cfg->teams[i].name), free(cfg->teams[i].head_of_service), free(cfg->teams[i].assistant_director);
	free(cfg->teams);
	for (i = 0; i < cfg->ndigests; i++) {
		free(cfg->digests[i].name), free(cfg->digests[i].transport);
		config_free_strings(cfg->digests[i].to, cfg->digests[i].nto);
		config_free_strings(cfg->digests[i].sections, cfg->digests[i].nsections);
	}
	free(cfg->digests);
	for (i = 0; i < cfg->nclients; i++) {
		free(cfg->clients[i].name), free(cfg->clients[i].token_file), free(cfg->clients[i].token);
		config_free_strings(cfg->clients[i].may, cfg->clients[i].nmay);
	}
	free(cfg->clients);
	for (i = 0; i < cfg->nimports; i++) {
		free(cfg->imports[i].name), free(cfg->imports[i].dir), free(cfg->imports[i].format);
		free(cfg->imports[i].schedule);
	}
	free(cfg->imports);
	calendar_free(cfg->calendar);
	free(cfg);
}

/* Compare two optional strings. */
static bool
config_streq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The same [http] listen addresses, in the same order. */
static bool
config_same_listen(const struct config *old, const struct config *fresh)
{
	int i;

	if (old->http_nlisten != fresh->http_nlisten)
		return false;
	for (i = 0; i < old->http_nlisten; i++) {
		if (strcmp(old->http_listen[i], fresh->http_listen[i]) != 0)
			return false;
	}
	return true;
}

/* Keys that may not change on reload and did. */
char *
config_unreloadable_changes(const struct config *old, const struct config *fresh)
{
	char *out = NULL;

	if (!config_streq(old->database, fresh->database))
		xappendf(&out, "%sdaemon.database", out != NULL ? "\n" : "");
	if (!config_streq(old->timezone, fresh->timezone))
		xappendf(&out, "%sdaemon.timezone", out != NULL ? "\n" : "");
	if (!config_same_listen(old, fresh))
		xappendf(&out, "%shttp.listen", out != NULL ? "\n" : "");
	/* Which listeners speak TLS is set when they open; a new certificate itself is re-read. */
	if ((old->http_tls_cert_file == NULL) != (fresh->http_tls_cert_file == NULL))
		xappendf(&out, "%shttp.tls_cert_file", out != NULL ? "\n" : "");
	return out;
}

/* The element of an array of n structs of the given size whose name (a char * at name_off) is name. */
static const void *
config_find(const void *array, int n, size_t size, size_t name_off, const char *name)
{
	const char *p = array;
	int i;

	for (i = 0; name != NULL && i < n; i++, p += size) {
		if (strcmp(*(char *const *)(const void *)(p + name_off), name) == 0)
			return p;
	}
	return NULL;
}

/* A [role] by key. */
const struct config_role *
config_role(const struct config *cfg, const char *key)
{
	return config_find(cfg->roles, cfg->nroles, sizeof *cfg->roles, offsetof(struct config_role, key), key);
}

/* A [team] by name. */
const struct config_team *
config_team(const struct config *cfg, const char *name)
{
	return config_find(cfg->teams, cfg->nteams, sizeof *cfg->teams, offsetof(struct config_team, name), name);
}

/* A [transport] by name. */
const struct config_transport *
config_transport(const struct config *cfg, const char *name)
{
	return config_find(cfg->transports, cfg->ntransports, sizeof *cfg->transports,
	    offsetof(struct config_transport, t.name), name);
}

/* A [digest] by name. */
const struct config_digest *
config_digest(const struct config *cfg, const char *name)
{
	return config_find(
	    cfg->digests, cfg->ndigests, sizeof *cfg->digests, offsetof(struct config_digest, name), name);
}

/* Does a [client] hold a scope? */
bool
config_client_may(const struct config_client *c, const char *scope)
{
	int i;

	for (i = 0; i < c->nmay; i++) {
		if (strcmp(c->may[i], scope) == 0)
			return true;
	}
	return false;
}

/* An [import] by name. */
const struct config_import *
config_import(const struct config *cfg, const char *name)
{
	return config_find(
	    cfg->imports, cfg->nimports, sizeof *cfg->imports, offsetof(struct config_import, name), name);
}

/* A disputes stage by name. */
const struct config_stage *
config_stage(const struct config *cfg, const char *name)
{
	return config_find(cfg->disputes_stages, cfg->disputes_nstages, sizeof *cfg->disputes_stages,
	    offsetof(struct config_stage, name), name);
}

/* Number of keys in the table. */
int
config_key_count(void)
{
	return (int)NKEYS;
}

/* Key i of the table, as public information. */
const struct config_key_info *
config_key_at(int i)
{
	static struct config_key_info info;
	const struct config_key *k;

	if (i < 0 || (size_t)i >= NKEYS)
		return NULL;
	k = &config_keys[i];
	info.section = k->section;
	info.name = k->name;
	info.type = config_types[k->type].name;
	info.def = k->def;
	info.help = k->help;
	info.reloadable = k->reloadable;
	return &info;
}

/* Print the key table. */
void
config_print_keys(FILE *f)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct config_key *k = &config_keys[i];
		fprintf(f, "%s.%s\t%s\t%s\t%s\n", k->section, k->name, config_types[k->type].name,
		    k->def == NULL ? "(required)" : k->def, k->help);
	}
}
