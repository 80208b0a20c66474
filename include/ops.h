/*
 * ops.h: the writes, one function per operation (op_*.c), shared by driftwatchctl and the HTTP
 * API so that there is no second implementation. Each takes its parsed request, runs in ONE
 * transaction (a dispute's ladder caught up first) and answers with a result that tells bad input
 * (and which field), an unknown record, a conflicting state change and a store that does not
 * answer (busy, disk full) apart.
 */
#ifndef DRIFTWATCH_OPS_H
#define DRIFTWATCH_OPS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

#include "disputes.h"

struct config;
struct store;

enum op_result {
	OP_OK,
	OP_BAD_INPUT,	/* a field is wrong: op_answer.field says which */
	OP_NOT_FOUND,	/* no such dispute, child, action or worker */
	OP_CONFLICT,	/* the record's state refuses the change (e.g. already resolved) */
	OP_UNAVAILABLE, /* the database is locked or the disk is full: try again later */
	OP_FAILED,	/* anything else the store said */
};

struct op_answer;

/* Who acts, where and when. */
struct op_env {
	struct store *store;
	const struct config *cfg;
	time_t now;
	int today;	   /* local date of now */
	const char *actor; /* "ctl", "http:NAME": the audit trail's actor */
	/*
	 * Called, when set, inside the transaction just before COMMIT with the answer made: the HTTP
	 * API records an Idempotency-Key with it, so the key and the change commit together or not at
	 * all. 0, or -1 with *cause (the operation is then rolled back).
	 */
	int (*before_commit)(struct store *s, const struct op_answer *a, void *arg, char **cause);
	void *before_commit_arg;
};

/* What an operation did. */
struct op_answer {
	enum op_result result;
	const char *field;	/* the request field at fault (bad input, not found) */
	char *message;		/* on failure, what is wrong (for driftwatchctl after "driftwatchctl: ") */
	int created;		/* something new was recorded (0: an update, or already there) */
	json_t *state;		/* on OP_OK, the record as it now stands (the *_json.c builders) */
	struct dispute dispute; /* the disputes operations: the dispute after the change */
	int have_dispute;
};

void op_answer_free(struct op_answer *a);
/*
 * For the operations (ops.c): a failure of the store inside the transaction: OP_UNAVAILABLE when
 * it was busy or full, OP_FAILED otherwise; rolls back, takes cause. Returns -1.
 */
int op_fail(const struct op_env *env, struct op_answer *a, char *cause, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Refuse with a result and a message (rolls back whatever is open). Returns -1. */
int op_refuse(const struct op_env *env, struct op_answer *a, enum op_result result, const char *field, const char *fmt,
    ...) __attribute__((format(printf, 5, 6)));
/* Run the hook, then COMMIT: 0, or op_fail's -1. what prefixes a failure's message. */
int op_commit(const struct op_env *env, struct op_answer *a, const char *what);

/* One dispute request; what an operation does not use stays NULL (dates DATE_NONE: today). */
struct op_dispute_request {
	int64_t id;	       /* respond, escalate, resolve, cafcass */
	int on;		       /* the date it happened */
	const char *case_ref;  /* raise */
	const char *iro_email; /* raise */
	const char *category;  /* raise */
	const char *stage;     /* raise: the starting stage; escalate: the stage to go to (NULL: next) */
	const char *note;
	const char *outcome; /* resolve */
};

int op_dispute_raise(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a);
int op_dispute_respond(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a);
int op_dispute_escalate(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a);
int op_dispute_resolve(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a);
int op_dispute_cafcass(const struct op_env *env, const struct op_dispute_request *r, struct op_answer *a);

/* A looked-after review held, or a permanence plan agreed. */
struct op_review_request {
	const char *case_ref;
	int date;	     /* held on, agreed on */
	int brought_forward; /* review */
	const char *plan;    /* permanence */
};

int op_review_record(const struct op_env *env, const struct op_review_request *r, struct op_answer *a);
/* A child's next review booked for r->date (today or later): the reminders wait until that date. */
int op_review_book(const struct op_env *env, const struct op_review_request *r, struct op_answer *a);
int op_permanence_record(const struct op_env *env, const struct op_review_request *r, struct op_answer *a);

/* Progress on an improvement action. */
struct op_action_request {
	const char *plan; /* NULL: the one plan that has ref */
	const char *ref;
	const char *note; /* a note, or complete, or an expected date, or note and one of the others */
	int on;
	int complete;
	int expected; /* the date the lead officer expects it done by; DATE_NONE: unchanged */
};

int op_action_progress(const struct op_env *env, const struct op_action_request *r, struct op_answer *a);

/* An ASYE's supervision held, or protected hours for a week. */
struct op_asye_request {
	const char *person_id;
	int date; /* held on; the week of */
	double hours;
};

int op_asye_supervision(const struct op_env *env, const struct op_asye_request *r, struct op_answer *a);
int op_asye_time(const struct op_env *env, const struct op_asye_request *r, struct op_answer *a);

/* "This is not mine": a recipient says a notice was not for them (op_links.c). */
struct op_not_mine_request {
	const char *dedupe_key; /* the notice's own key */
	const char *recipient;	/* who says so */
	const char *note;	/* NULL: none */
};

/* Audit it and tell the admin (an alert naming the notice's key); the notice itself stays. */
int op_notice_not_mine(const struct op_env *env, const struct op_not_mine_request *r, struct op_answer *a);

#endif
