/*
 * links.h: the answer links a notice carries (the answer-links issue). A link is
 * public_url/a/TOKEN, TOKEN signed by a key kept in the database, for one action of one notice's
 * recipient; the notice layer renders whatever links_for_notice gives it (text lines, Outlook-safe
 * buttons, Teams Action.OpenUrl, the JSON webhook's "links"), and nothing when it gives none.
 */
#ifndef DRIFTWATCH_LINKS_H
#define DRIFTWATCH_LINKS_H

#include <stdint.h>
#include <time.h>

struct config;
struct store;

#define NOTICE_LINKS_MAX 6

struct notice_link {
	char *label; /* "Record our response", "Update progress", "This is not mine" ... */
	char *url;   /* public_url/a/TOKEN */
};

struct notice_links {
	int n;
	struct notice_link v[NOTICE_LINKS_MAX];
	char *feed_url; /* when set: the recipient's calendar feed, to say how to subscribe */
	char *instead;	/* when set (no public_url): one sentence on how to record the answer instead */
};

/* What a notice is about and who it goes to: enough to say which answers its recipient may give. */
enum link_domain { LINK_ACTION, LINK_DISPUTE, LINK_REVIEW, LINK_ASYE, LINK_DIGEST };

struct link_subject {
	enum link_domain domain;
	const char *role;	/* the recipient's part: "lead-officer", "responder", "iro", "social-worker",
				 * "team-manager", "head-of-service", "escalation" (a manager told of another's
				 * item), "dcs" ... */
	int64_t id;		/* the dispute's id; the action's row id; 0 when the domain has none */
	const char *ref;	/* action: its ref; review: the case reference; asye: the person id */
	const char *plan;	/* action: its plan; NULL otherwise */
	int due;		/* the date the notice is about (DATE_NONE: none) */
	const char *recipient;	/* the one address the notice goes to */
	const char *dedupe_key; /* the notice's own key ("This is not mine" names it) */
};

/*
 * The links a notice to sub->recipient carries, as of now. Called inside the caller's transaction
 * (the signing key is made on first use). With [http] public_url unset, out->n is 0 and
 * out->instead may say how to record the answer. 0, or -1 with *cause; free with notice_links_free.
 */
int links_for_notice(struct store *s, const struct config *cfg, const struct link_subject *sub, time_t now,
    struct notice_links *out, char **cause);
void notice_links_free(struct notice_links *l);

#endif
