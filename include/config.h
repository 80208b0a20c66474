/*
 * config.h: every rule an admin can tune, parsed from the ini file through one key table.
 * A config is built whole and validated before it is used; a reload builds a fresh one and swaps
 * it in only when it is valid, so a broken file never half-applies.
 */
#ifndef DRIFTWATCH_CONFIG_H
#define DRIFTWATCH_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "calendar.h"
#include "transport.h"

#define CONFIG_LIST_MAX 16
#define EX_CONFIG_CODE 78

struct config_role {
	char *key;
	char *titles[CONFIG_LIST_MAX];
	int ntitles;
	char *email;
	char *reports_to; /* a role key or NULL */
	char *transport;  /* NULL = the default transport */
	int line;
};

struct config_team {
	char *name;
	char *head_of_service;	  /* role key overriding the ladder's head-of-service */
	char *assistant_director; /* role key overriding assistant-director */
	int line;
};

/* One rung of an escalation ladder: after `after`, tell `who` ("manager", "manager+1", "dcs", a role). */
struct config_escalation {
	struct duration after;
	char *who;
};

/* One stage of the IRO dispute-resolution ladder. */
struct config_stage {
	char *name;	 /* "informal", "1", "2" ... */
	char *responder; /* "team-manager" or a role key */
	struct duration limit;
};

/* Supervision cadence: every `every` until `until` from the ASYE start (until.n == 0: to the end). */
struct config_cadence {
	struct duration every;
	struct duration until;
};

struct config_digest {
	char *name;
	char *to[CONFIG_LIST_MAX]; /* "role:KEY" or an address */
	int nto;
	int when_minutes; /* local time on the first working day of the month */
	char *sections[CONFIG_LIST_MAX];
	int nsections;
	char *transport; /* NULL = the default transport */
	int line;
};

/* What a drop folder may receive: the kinds `driftwatchctl import` accepts. */
#define CONFIG_IMPORT_FORMATS \
	"ssda903|ssd|actions|allocations|permanence|disputes|workforce|protected-time|supervisions|roles"

/* [import "NAME"]: a drop folder the daemon imports from (inbox.c). */
struct config_import {
	char *name;
	char *dir;	  /* absolute */
	char *format;	  /* a `driftwatchctl import` kind */
	int stable_after; /* seconds with no file changed before a set without .done is complete */
	struct duration keep_done;
	char *schedule;	      /* "daily HH:MM" or NULL */
	int schedule_minutes; /* from schedule; -1 = none */
	int line;
};

struct config_transport {
	struct transport_config t; /* what transport_new needs, secrets read */
	char *password_file;
	char *token_file;
	char *secret_file;
	char *url_file;
	char *proxy_login_file;
	int line;
	/* where each secret file was named, for errors about the file */
	int password_file_line;
	int token_file_line;
	int secret_file_line;
	int url_file_line;
	int proxy_login_file_line;
};

/* [client "NAME"]: a caller of the HTTP API, its bearer token and what it may do. */
struct config_client {
	char *name;
	char *token_file;
	char *token;		    /* read from token_file */
	char *may[CONFIG_LIST_MAX]; /* read, disputes, reviews, permanence, actions, asye, imports */
	int nmay;
	int line;
};

struct config {
	char *path;

	/* [daemon] */
	char *admin_email;
	char *admin_transport;
	char *bank_holidays;
	char *database;
	char *default_transport;
	struct send_window send_window;
	int tick; /* seconds between backstop passes */
	char *timezone;
	int watch_interval_ms; /* how often PRAGMA data_version is checked */

	/* [outbox] */
	int outbox_batch;
	int breaker_failures;
	int breaker_pause;   /* seconds */
	int give_up_after;   /* seconds */
	int retry_after_max; /* seconds: a receiver's Retry-After is cut to this */
	int retry_first;     /* seconds */
	int retry_max;	     /* seconds */
	bool batch_reminders;
	int first_start_hold; /* a first start holds its overdue escalations when more than this (0: never) */

	/* [actions] */
	struct duration actions_amber_within;
	struct config_escalation actions_escalate[CONFIG_LIST_MAX];
	int actions_nescalate;
	struct duration actions_remind_before[CONFIG_LIST_MAX];
	int actions_nremind_before;
	struct duration actions_stale_after;

	/* [disputes] */
	struct duration disputes_iro_reminder_after;
	struct duration disputes_remind_before;
	struct config_stage disputes_stages[CONFIG_LIST_MAX];
	int disputes_nstages;
	struct duration disputes_total_limit;

	/* [reviews] */
	struct duration reviews_first;
	struct duration reviews_later;
	struct duration reviews_overdue_repeat;
	struct duration reviews_permanence_remind_before;
	struct duration reviews_remind_before[CONFIG_LIST_MAX];
	int reviews_nremind_before;
	struct duration reviews_second;

	/* [asye] */
	bool asye_anonymise;
	struct duration asye_length;
	int asye_protected_share; /* percent */
	struct duration asye_reflections[CONFIG_LIST_MAX];
	int asye_nreflections;
	struct duration asye_review_remind_before;
	struct duration asye_reviews[CONFIG_LIST_MAX];
	int asye_nreviews;
	struct config_cadence asye_supervision[CONFIG_LIST_MAX];
	int asye_nsupervision;
	struct duration asye_window;

	/* [caseloads] */
	int caseload_alert_above;
	int caseload_asye_cap;
	int caseload_target;

	/* [ssd] */
	char *ssd_iro_roles[CONFIG_LIST_MAX];
	int ssd_niro_roles;
	char *ssd_social_worker_roles[CONFIG_LIST_MAX];
	int ssd_nsocial_worker_roles;
	char *ssd_team_manager_roles[CONFIG_LIST_MAX];
	int ssd_nteam_manager_roles;

	/* [http] */
	int http_body_max; /* bytes */
	int http_connections_max;
	int http_header_max;			/* bytes */
	char *http_listen[CONFIG_LIST_MAX];	/* "127.0.0.1:8080", "unix:/run/driftwatch/http.sock" */
	int http_listen_lines[CONFIG_LIST_MAX]; /* the line that named each address */
	int http_nlisten;
	char *http_public_url; /* how clients reach us (links); NULL: not set */
	int http_public_url_line;
	int http_timeout;	  /* seconds: a whole request must arrive within this */
	char *http_tls_cert_file; /* NULL: plain HTTP (loopback and unix sockets only) */
	int http_tls_cert_file_line;
	char *http_tls_key_file;
	int http_tls_key_file_line;
	char *http_tls_cert; /* the certificate chain as read (PEM), NULL without TLS */
	char *http_tls_key;  /* the private key as read (PEM), NULL without TLS */

	/* [links] */
	struct duration links_expiry;	 /* an answer link's life from its notice */
	struct duration links_key_grace; /* a rotated key's links keep working this long */

	/* named sections */
	struct config_transport *transports;
	int ntransports;
	struct config_role *roles;
	int nroles;
	struct config_team *teams;
	int nteams;
	struct config_digest *digests;
	int ndigests;
	struct config_client *clients;
	int nclients;
	struct config_import *imports;
	int nimports;

	struct calendar *calendar; /* loaded from bank_holidays */
};

/*
 * Load and validate a config. path NULL: the embedded defaults only. Returns NULL and sets *cause
 * (one or more "FILE:LINE: what is wrong" lines, '\n'-separated) when anything is wrong.
 */
struct config *config_load(const char *path, char **cause);
/* A config file larger than this is refused (ours is a few KiB). */
#define CONFIG_FILE_MAX (1024 * 1024)
/* config_load_buffer: open no file the text names (secrets, bank holidays); they stay unread. */
#define CONFIG_NO_FILES 0x1
/*
 * The same from memory: name is what errors say ("name:LINE: ..."). The text need not be
 * NUL-terminated and may hold any bytes. For tests and the fuzzer.
 */
struct config *config_load_buffer(const char *name, const char *text, size_t len, int flags, char **cause);
void config_free(struct config *cfg);
/* Keys that differ and cannot change without a restart, as "section.key" lines; NULL when none. */
char *config_unreloadable_changes(const struct config *old, const struct config *fresh);

const struct config_role *config_role(const struct config *cfg, const char *key);
const struct config_team *config_team(const struct config *cfg, const char *name);
const struct config_transport *config_transport(const struct config *cfg, const char *name);
const struct config_digest *config_digest(const struct config *cfg, const char *name);
/* Does a [client] hold a scope ("read", "disputes", ...)? */
bool config_client_may(const struct config_client *c, const char *scope);
const struct config_import *config_import(const struct config *cfg, const char *name);
/* A disputes stage by name, or NULL. */
const struct config_stage *config_stage(const struct config *cfg, const char *name);

/* The key table, for tests and for `driftwatchctl config keys`. */
struct config_key_info {
	const char *section; /* "daemon", "transport", "role" ... */
	const char *name;
	const char *type;
	const char *def; /* default as text; NULL = required or none */
	const char *help;
	bool reloadable;
};
int config_key_count(void);
const struct config_key_info *config_key_at(int i);
/* Print every key with its default and help (for docs). */
void config_print_keys(FILE *f);

#endif
