/*
 * answer.h: what an answer link does (answer.c): the actions a token may name, what each asks on
 * its confirmation page, and how a submitted form becomes one of the operations of ops.h, so a
 * link, driftwatchctl and the API record the same thing the same way.
 */
#ifndef DRIFTWATCH_ANSWER_H
#define DRIFTWATCH_ANSWER_H

#include <time.h>

#include "ops.h"

struct config;
struct token;

/* The form fields an action asks for. */
#define ANSWER_NOTE 0x01      /* a note */
#define ANSWER_NOTE_NEED 0x02 /* ... that must be given */
#define ANSWER_DATE 0x04      /* a date (what it means: date_label) */
#define ANSWER_OUTCOME 0x08   /* a dispute's outcome */
#define ANSWER_HOURS 0x10     /* protected hours */
#define ANSWER_COMPLETE 0x20  /* an action complete */
#define ANSWER_EXPECTED 0x40  /* ... or the date it is expected done by */

struct answer_kind {
	const char *action;	/* the token's action: "dispute-respond" ... */
	char domain;		/* the token's domain it needs: 'd', 'a', 'r', 's', or 0 (any) */
	const char *label;	/* the link's text in a notice */
	const char *question;	/* the confirmation page's heading, before what it is about */
	int fields;		/* ANSWER_* */
	const char *date_label; /* ANSWER_DATE: what the date is */
	int date_default;	/* ANSWER_DATE: 0 today, 1 the notice's date */
	const char *button;	/* the submit button */
};

/* The action a token names, or NULL. */
const struct answer_kind *answer_kind(const char *action);

/* A submitted form's fields (NULL: not given). */
struct answer_form {
	const char *note;
	const char *outcome;
	const char *date; /* YYYY-MM-DD */
	const char *hours;
	const char *complete; /* any value: ticked */
	const char *expected; /* YYYY-MM-DD, or blank */
};

/*
 * Act on a checked token with a form: the operation its action names, run in env (whose
 * before_commit records the token as used). 0, or -1 with a->result and a->message.
 */
int answer_apply(const struct op_env *env, const struct token *t, const struct answer_form *f, struct op_answer *a);
/* [links] key_grace in seconds, as from now (a rotated key's links work this long after it). */
long answer_grace_seconds(const struct config *cfg, time_t now);

#endif
