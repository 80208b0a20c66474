/*
 * feed.h: calendar feeds (RFC 5545). Each person has one URL, public_url/ics/TOKEN.ics, TOKEN a
 * long-lived signed token (token.h, purpose feed) naming their address and their feed generation;
 * `driftwatchctl feed revoke` bumps the generation, so every older URL of theirs is refused. The
 * feed lists every deadline they own or answer for, each an all-day VEVENT whose UID names the
 * obligation (never its date), so a moved due date moves the event in Outlook or Google Calendar.
 */
#ifndef DRIFTWATCH_FEED_H
#define DRIFTWATCH_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct config;
struct store;

/* How long a feed token is good for: a subscription is meant to last (revoke to end it sooner). */
#define FEED_TOKEN_DAYS 3650
/* How often a client should poll, as an iCalendar duration. */
#define FEED_REFRESH "PT1H"

/*
 * The iCalendar text writer: content lines folded at 75 octets (never inside a UTF-8 character),
 * CRLF line ends. etag is a hash of every line but the volatile ones (DTSTAMP), so an unchanged
 * feed keeps its ETag from one fetch to the next.
 */
struct ics {
	char *buf;
	size_t len, size;
	uint64_t etag;
};

void ics_init(struct ics *w);
void ics_free(struct ics *w);
/* One content line "NAME:VALUE", the value written as given (a date, a URI, an escaped text ...). */
void ics_line(struct ics *w, const char *name, const char *value);
/* The same, left out of the ETag (DTSTAMP: it is now on every fetch). */
void ics_line_volatile(struct ics *w, const char *name, const char *value);
/* One line whose value is TEXT: escaped (\\ \; \, and \n; other control characters dropped). */
void ics_text(struct ics *w, const char *name, const char *text);
/* TEXT escaping (RFC 5545 3.3.11) alone. Caller frees. */
char *ics_escape(const char *text);

/*
 * The person's feed URL (a new token of their current generation, recorded on first use):
 * 0 and *url (caller frees), 1 when [http] public_url is not set, -1 with *cause.
 */
int feed_url(struct store *s, const struct config *cfg, const char *email, time_t now, char **url, char **cause);
/* For the first notice a person gets: their feed URL, or NULL (no public_url, or the store failed). */
char *feed_url_for(struct store *s, const struct config *cfg, const char *email);
/* End every feed URL of a person so far: 0 and *generation (the new one), -1 with *cause. */
int feed_revoke(struct store *s, const char *email, time_t now, int64_t *generation, char **cause);

/* Why a feed token was refused (the HTTP answer says nothing more than "no such feed"). */
enum feed_check {
	FEED_OK,
	FEED_REFUSED,	  /* not a token, tampered, expired, another purpose, an old generation */
	FEED_UNAVAILABLE, /* the store did not answer: try again */
};
/* Check a feed token's text: FEED_OK and the person's address in email (emaillen bytes). */
enum feed_check feed_check(
    struct store *s, const struct config *cfg, const char *text, time_t now, char *email, size_t emaillen);
/* The person's calendar at now, into w (initialised here): 0, or -1 with *cause. */
int feed_build(struct store *s, const struct config *cfg, const char *email, time_t now, struct ics *w, char **cause);

#endif
