/*
 * notice.h: the one notice layer every domain (actions, disputes, reviews, ASYE) goes through. A
 * domain says what a notice is and what it says in a struct notice_spec; this layer routes it (a
 * role, a field of the case's allocation, or an address given -> an address and a transport, or why
 * not), keys it, asks links.h for its answer links, renders it once for every transport (text,
 * HTML with one look for every mail, a Teams card and the JSON webhook's payload) and enqueues it.
 *
 * The dedupe key rule (docs/ARCHITECTURE.md): a key names the domain, what the notice is about, the
 * occurrence it was planned from and, last, the RECIPIENT: the address for disputes, reviews and
 * ASYE, the role key for actions (see notice_key).
 */
#ifndef DRIFTWATCH_NOTICE_H
#define DRIFTWATCH_NOTICE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "links.h"

struct allocation;
struct config;
struct store;

#define NOTICE_PARAS_MAX 8
#define NOTICE_FACTS_MAX 8

/* Urgency bands inside a batched message, higher first: an overdue nudge outranks any reminder. */
#define NOTICE_URGENCY_REMINDER 1000 /* minus the working days until due */
#define NOTICE_URGENCY_NUDGE 500     /* minus the working days until due, when not yet overdue */
#define NOTICE_URGENCY_OVERDUE 2000  /* plus the working days overdue */
#define NOTICE_URGENCY_ESCALATION 3000

/* One line of a notice's facts table: "Case reference", "CR-1001". */
struct notice_fact {
	const char *label;
	const char *value;
};

/* What a notice is, who it is for, and what it says. Every string is the caller's. */
struct notice_spec {
	const char *kind;	/* the outbox kind: "reminder", "escalation" */
	const char *rule;	/* the domain's rule: "action-reminder", "stage", "overdue" ... */
	const char *dedupe_key; /* from notice_key */
	/* What the links layer needs to know (struct link_subject). */
	enum link_domain domain;
	const char *role; /* the recipient's part */
	int64_t id;
	const char *ref;
	const char *plan;
	int due; /* DATE_NONE: none */
	/* The content. */
	const char *subject;
	const char *heading;
	const char *paras[NOTICE_PARAS_MAX]; /* reason, what to do, why you receive it ...; NULLs skipped */
	struct notice_fact facts[NOTICE_FACTS_MAX];
	int nfacts;
	const char *after;	/* text after the facts (a history, a list); NULL: none */
	const char *after_html; /* the same as HTML the caller built and escaped (a table); NULL: after, escaped */
	const char *batch;	/* this notice's line in a batched message; NULL: always sent alone */
	int urgency;
	bool urgent;
	time_t not_before;
};

/* Who a notice goes to. */
enum notice_to_kind {
	NOTICE_TO_ROLE,	      /* a role key; head-of-service and assistant-director may be the case's team's */
	NOTICE_TO_ALLOCATION, /* a field of the case's allocation: "social-worker", "team-manager", "iro" */
	NOTICE_TO_ADDRESS,    /* an address given (a dispute's IRO) */
};

struct notice_to {
	enum notice_to_kind kind;
	const char *who;		     /* role key, allocation field, or the address */
	const char *case_ref;		     /* the case (allocation fields, team roles); may be NULL */
	const struct allocation *allocation; /* the case's allocation when the caller has it loaded */
	bool load_allocation;		     /* allocation is NULL: load it by case_ref */
	const char *label;		     /* how a reason names who: "team manager" (NULL: who) */
	const char *team;		     /* the team whose [team] roles apply when there is no allocation */
};

struct notice_route {
	char *address;
	char *transport;
	char *role; /* NOTICE_TO_ROLE: the role key it went to (a team's own, or who); else NULL */
};

/*
 * Route a notice: 0 with out's strings set (free with notice_route_free), or -1 with *why (the
 * caller's to free): the case has no allocation or no such email, the role has none, or the
 * address is not one address (plan_disputes_address_ok). Nothing is logged here: the caller logs and skips.
 */
int notice_route(
    struct store *s, const struct config *cfg, const struct notice_to *to, struct notice_route *out, char **why);
void notice_route_free(struct notice_route *r);
/* The same, handing back only the address and transport (both the caller's to free). */
int notice_route_pair(struct store *s, const struct config *cfg, const struct notice_to *to, char **address,
    char **transport, char **why);

/*
 * The one dedupe key function: "PREFIX:PART:...:RECIPIENT", the NULL-terminated parts joined with
 * ':' and the recipient last. The formats already in databases are these (byte for byte).
 */
char *notice_key(const char *prefix, const char *recipient, ...) __attribute__((sentinel));

/* The one "is it in the outbox?": where a notice is now. */
struct notice_state {
	char state[16]; /* "pending", "sending", "sent", "retry", "dead" */
	time_t created_at;
	time_t sent_at; /* 0 until sent */
	time_t at;	/* sent_at, else created_at */
};
/* True when a notice with this key is in the outbox; *ns (may be NULL) says where. */
bool notice_state(struct store *s, const char *dedupe_key, struct notice_state *ns);

/* A notice rendered for every transport. */
struct notice_rendered {
	char *text, *html, *batch_text, *batch_html, *payload;
};

/*
 * Render a spec and its links: the text, the HTML (one look: header, heading, paragraphs, facts
 * table, buttons, footer; every record text escaped), the batch line in text and HTML, and the
 * webhook payload ({"links": [...], "card": the Teams Adaptive Card}). Free with notice_rendered_free.
 */
void notice_render(const struct notice_spec *n, const struct notice_links *l, struct notice_rendered *out);
/*
 * The parts of a rendering that a transport sends, beside the text and the batch line it always
 * has: mail (smtp, and the file transport's eml) the HTML and batch HTML; a webhook (and the file
 * transport's json, its very bytes) the payload.
 */
enum { NOTICE_PART_HTML = 1, NOTICE_PART_PAYLOAD = 2, NOTICE_PARTS_ALL = 3 };
/* What the transport named in cfg needs; every part for a name it does not know. */
int notice_parts_for(const struct config *cfg, const char *transport);
/* notice_render with only the parts asked for (the others stay NULL). */
void notice_render_parts(
    const struct notice_spec *n, const struct notice_links *l, int parts, struct notice_rendered *out);
void notice_rendered_free(struct notice_rendered *r);
/* The Teams Adaptive Card for a spec, as JSON text (links as Action.OpenUrl). Caller frees. */
char *notice_render_card(const struct notice_spec *n, const struct notice_links *l);
/* The shared look's opening (up to the content cell) and close, for pages built elsewhere (the digest,
 * a batched message). title and heading are plain text (escaped here); heading may be NULL. */
char *notice_html_open(const char *title, const char *heading, bool urgent);
const char *notice_html_close(void);
/* The links block (the buttons or "Label: URL" lines, the sentence instead, the calendar line),
 * appended to a text or an HTML body built elsewhere (the digest). */
void notice_text_links(char **t, const struct notice_links *l);
void notice_html_links(char **h, const struct notice_links *l);
/* The footer line every text body ends with. */
extern const char notice_text_footer[];

/*
 * Route, key-check, render and enqueue: the links are asked for, the notice rendered and put in the
 * outbox unless its key is there already. *added (may be NULL) is 1 when a row was added.
 * 0, or -1 with *cause.
 */
int notice_enqueue(struct store *s, const struct config *cfg, const struct notice_spec *n,
    const struct notice_route *to, time_t now, int *added, char **cause);

#endif
