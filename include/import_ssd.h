/*
 * import_ssd.h: the looked-after extract as both routes read it. import_ssda903.c reads the
 * national SSDA903 return (header, episodes, reviews, sw_episodes + staff_emails); import_ssd.c
 * reads the Standard Safeguarding Dataset's tables exported as CSV. Both fill the same struct
 * ssda903 (children, episodes, reviews), which chains episodes into periods of care and places
 * reviews in them with the same checks, so the same children give the same schedules by either
 * route. Every problem is "FILE:LINE:COLUMN: what is wrong".
 */
#ifndef DRIFTWATCH_IMPORT_SSD_H
#define DRIFTWATCH_IMPORT_SSD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "plan_reviews.h"

struct config;
struct csv_field;
struct import_errors;
struct import_file;
struct import_request;
struct store;

#define SSDA903_MAX_REASONS 16

/* Why rows were skipped or not used, counted per file for the summary. */
struct ssda903_tally {
	const char *file;
	int rows, used, unused;
	const char *reasons[SSDA903_MAX_REASONS];
	int counts[SSDA903_MAX_REASONS];
	int nreasons;
};

/* One episode of care, whichever file it came from. */
struct ssda903_episode {
	char *child;
	int decom, dec;
	char rne[8], rec[8];
	int line, col_decom, col_rne;
	bool skip;
};

/* One review held. */
struct ssda903_review {
	char *child;
	int held_on;
	int line, col;
	bool skip;
};

/* One child: periods chained from the episodes, reviews placed in them, the current social worker. */
struct ssda903_child {
	char *child;
	int line;
	struct review_period *periods;
	int *period_lines;
	int nperiods;
	int *reviews;
	int nreviews;
	char *sw_id; /* sw_episodes.csv: the open episode with the latest SW_DECOM */
	int sw_decom, sw_line, sw_col;
	char *sw_email; /* from staff_emails.csv */
};

/* staff_emails.csv: staff id -> email (the SSD and the 903 hold no email addresses). */
struct ssda903_staff {
	char *staff_id, *email;
	int line;
};

struct ssda903 {
	int today;
	const char *children_from; /* "header.csv" or "ssd_cla_episodes.csv": where a CHILD must be listed */
	char **msgs;		   /* contradictions, "FILE:LINE:COLUMN: ...": they refuse (strict) or skip */
	int nmsgs;
	int fatal; /* problems that refuse in any mode (files, headers, syntax) */
	char *fatal_text;
	struct ssda903_child *children; /* sorted by CHILD once read */
	int nchildren;
	struct ssda903_episode *episodes;
	int nepisodes;
	struct ssda903_review *reviews;
	int nreviews;
	struct ssda903_staff *staff; /* sorted by staff id */
	int nstaff;
};

/* Record a contradiction on a row (FILE:LINE:COLUMN from the tally's file) and count its reason. */
void ssda903_skip(struct ssda903 *x, struct ssda903_tally *t, int line, int column, const char *reason, const char *fmt,
    ...) __attribute__((format(printf, 6, 7)));
/* Count a row skipped or not used under its reason. */
void ssda903_count(struct ssda903_tally *t, const char *reason);
/*
 * The next row of a file of either route: every row is counted in t; one with the wrong number of
 * fields is counted as skipped and passed over. 1 a row, 0 the end (or the file did not open).
 */
int ssda903_next(struct import_file *in, struct ssda903_tally *t);
/* Close a file of either route and move its reader errors into x (ssda903_sort_errors). */
void ssda903_close(struct ssda903 *x, struct import_file *in);
/* Move a file's reader errors into x: syntax and header problems refuse; field counts skip the row. */
void ssda903_sort_errors(struct ssda903 *x, struct import_errors *fe);
/* Add a child (duplicates are merged) and, once all are added, sort them for lookups. */
void ssda903_add_child(struct ssda903 *x, const char *child, int line);
void ssda903_children_index(struct ssda903 *x);
struct ssda903_child *ssda903_child(struct ssda903 *x, const char *child);
/* A row's CHILD is present and listed; otherwise the row is skipped with the reason. */
int ssda903_known_child(struct ssda903 *x, struct ssda903_tally *t, const struct csv_field *child);
/* Add an episode or a review (ownership of child passes to x). */
void ssda903_add_episode(struct ssda903 *x, const struct ssda903_episode *e);
void ssda903_add_review(struct ssda903 *x, const struct ssda903_review *v);
/* Chain each child's episodes into periods of care; place each review in a period. */
void ssda903_periods(struct ssda903 *x, struct ssda903_tally *t);
void ssda903_place_reviews(struct ssda903 *x, struct ssda903_tally *t);
/* staff_emails.csv (staff_id, email) into x->staff; its problems are row skips in t. */
void ssda903_read_staff(struct ssda903 *x, const char *path, struct ssda903_tally *t);
/* A staff member's email, or NULL. */
const char *ssda903_staff_email(const struct ssda903 *x, const char *staff_id);
/*
 * Say what refuses the import on err and return 65: problems that refuse in any mode, or (strict)
 * rows that contradict the rest, with the summary. Else list the rows skipped and return 0.
 */
int ssda903_report(const struct ssda903 *x, const char *what, const char *summary, bool strict, FILE *err);
/* Add a tally's line to the summary. */
void ssda903_tally_print(char **summary, const struct ssda903_tally *t, const char *unused_why);
/*
 * Write every child's periods and reviews (in the caller's transaction): *total children written,
 * *nchanged of them changed; who is the audit's actor.
 */
int ssda903_write(struct ssda903 *x, struct store *s, time_t now, int *nperiods, int *nunknown, int *nreviews,
    int *total, int *nchanged, char **cause);
void ssda903_free(struct ssda903 *x);

/* A date as the SSD exports it: YYYY-MM-DD, with or without " hh:mm:ss.fff", or as SSDA903 dates. */
int ssd_date(const char *s, int today, int *date);
/* The leading code of an SSD description ("S - Started to be looked after" is S); -1 if none fits. */
int ssd_code(const char *s, char *code, size_t size);

/*
 * `driftwatchctl import ssd [--strict|--no-strict] DIR_OR_FILES...`: ssd_cla_episodes.csv,
 * ssd_cla_reviews.csv, ssd_involvements.csv, ssd_professionals.csv and staff_emails.csv (required),
 * ssd_cla_care_plan.csv and ssd_permanence.csv (optional). Periods of care, reviews held,
 * permanence plans and allocations, in one transaction or not at all. Returns 0, 65 (bad data,
 * nothing imported), 66 (a file missing), 1 (store failure).
 */
int import_ssd(const struct import_request *rq);

#endif
