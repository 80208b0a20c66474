/*
 * token.h: the signed tokens of answer links (public_url/a/TOKEN) and calendar feeds. A token is
 * base64url(payload) "." base64url(HMAC-SHA256(key, payload)); the payload is binary: version,
 * key id, purpose, expiry, nonce, then the action, the subject and the recipient's address, each
 * length-prefixed. Keys live in the database (link_keys), made on first use; a rotated key stays
 * valid for [links] key_grace. Single use is the caller's: token_use in the transaction that acts.
 */
#ifndef DRIFTWATCH_TOKEN_H
#define DRIFTWATCH_TOKEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

#define TOKEN_VERSION 1
#define TOKEN_NONCE_LEN 16
#define TOKEN_MAC_LEN 32
#define TOKEN_SECRET_LEN 32
/* Field limits, NUL included: a longer field is refused when making and when reading. */
#define TOKEN_ACTION_MAX 32
#define TOKEN_REF_MAX 128
#define TOKEN_PLAN_MAX 256
#define TOKEN_RECIPIENT_MAX 256
/* The payload's largest size, and a token's longest text (base64url of payload and MAC, and '.'). */
#define TOKEN_PAYLOAD_MAX \
	(1 + 4 + 1 + 1 + 8 + 4 + 8 + TOKEN_NONCE_LEN + 4 + TOKEN_ACTION_MAX + TOKEN_REF_MAX + TOKEN_PLAN_MAX + \
	    TOKEN_RECIPIENT_MAX)
#define TOKEN_TEXT_MAX (((TOKEN_PAYLOAD_MAX + 2) / 3) * 4 + 1 + 44)

#define TOKEN_ANSWER 'a' /* purpose: an answer link */
#define TOKEN_FEED 'f'	 /* purpose: a calendar feed */

/* What a token says. The strings are NUL-terminated and never longer than their limits. */
struct token {
	uint32_t key_id;
	char purpose;			      /* TOKEN_ANSWER, TOKEN_FEED */
	char domain;			      /* 'a' action, 'd' dispute, 'r' review, 's' asye, 'n' none */
	int64_t id;			      /* the dispute's id, the action's row id; 0 when none */
	int32_t due;			      /* the date the notice was about (DATE_NONE: none) */
	int64_t expires;		      /* UTC seconds: refused from this instant on */
	unsigned char nonce[TOKEN_NONCE_LEN]; /* single use: recorded when the token acts */
	char action[TOKEN_ACTION_MAX];	      /* "dispute-respond", "review-booked", "not-mine" ... */
	char ref[TOKEN_REF_MAX];	      /* action ref, case reference, ASYE person id; "" none */
	char plan[TOKEN_PLAN_MAX];	      /* action plan; not-mine: the notice's dedupe key; "" none */
	char recipient[TOKEN_RECIPIENT_MAX];
};

/* Why a token was refused. */
enum token_status {
	TOKEN_OK,
	TOKEN_MALFORMED,     /* not a token we make: cut short, garbage, too long */
	TOKEN_UNKNOWN_KEY,   /* signed by a key this database does not hold */
	TOKEN_BAD_SIGNATURE, /* changed since it was signed */
	TOKEN_KEY_RETIRED,   /* its key was rotated out longer ago than key_grace */
	TOKEN_EXPIRED,
	TOKEN_WRONG_PURPOSE, /* a feed token on an answer page, or the reverse */
	TOKEN_USED,	     /* already acted once */
	TOKEN_UNAVAILABLE,   /* the store did not answer */
};

/* One line for a person: "this link has expired" ... */
const char *token_status_text(enum token_status st);

/* The pure parts (the fuzzer's and the unit tests'). */
/* The token for t signed by secret, as text (caller frees); NULL when a field is too long. */
char *token_encode(const struct token *t, const unsigned char *secret, size_t secretlen);
/*
 * Read a token's text into t and its MAC, without checking the signature: TOKEN_OK or
 * TOKEN_MALFORMED. payload (TOKEN_PAYLOAD_MAX bytes) receives the signed bytes, *paylen their count.
 */
enum token_status token_decode(
    const char *text, struct token *t, unsigned char *payload, size_t *paylen, unsigned char mac[TOKEN_MAC_LEN]);
/* Is mac the MAC of payload under secret? In constant time. TOKEN_OK or TOKEN_BAD_SIGNATURE. */
enum token_status token_verify_mac(const unsigned char *payload, size_t paylen, const unsigned char *mac,
    const unsigned char *secret, size_t secretlen);

/* With the store's keys (inside or outside a transaction; a key may be written). */
/* Sign t with the current key (made on first use); t->nonce is filled. Text or NULL with *cause. */
char *token_make(struct store *s, struct token *t, time_t now, char **cause);
/*
 * Read and check a token: decoded, its key known and within grace_seconds of its rotation, the
 * MAC right, not expired at now, of purpose. Not whether it was used (token_use).
 */
enum token_status token_check(
    struct store *s, const char *text, char purpose, time_t now, long grace_seconds, struct token *t);
/* Record t's nonce as used, in the caller's transaction: TOKEN_OK, TOKEN_USED, TOKEN_UNAVAILABLE. */
enum token_status token_use(struct store *s, const struct token *t, time_t now, char **cause);
/* Has t acted already (read only: a GET's question)? TOKEN_OK, TOKEN_USED, TOKEN_UNAVAILABLE. */
enum token_status token_seen(struct store *s, const struct token *t);
/* Make a new current key and retire the others from now: 0 and *id, or -1 with *cause. */
int token_rotate(struct store *s, time_t now, uint32_t *id, char **cause);

#endif
