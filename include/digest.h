/*
 * digest.h: the monthly digest's figures. Each watcher contributes its area through one function
 * that computes its figures for a period (a calendar month, as at the end of that month), so the
 * digest can show each figure beside the previous month's and its target.
 */
#ifndef DRIFTWATCH_DIGEST_H
#define DRIFTWATCH_DIGEST_H

#include <stdbool.h>
#include <time.h>

struct notice_links;

struct config;
struct store;

enum digest_better {
	DIGEST_HIGHER_BETTER,
	DIGEST_LOWER_BETTER,
	DIGEST_NEUTRAL,
};

/* The period a digest covers: local dates [first, last] of one month. */
struct digest_period {
	int first;	 /* date of the 1st */
	int last;	 /* date of the last day */
	time_t from, to; /* instants: local midnight of first, local midnight after last */
};

struct digest; /* private to digest.c */

/*
 * Add one figure. area: "actions", "disputes", "reviews", "asye", "delivery". name: a short
 * label ("Red actions", "Disputes opened"). unit: "" for counts, "%" for percentages, "wd" for
 * working days. target: NULL when none, else e.g. ">80" or "falling". The value is NaN when it
 * cannot be computed (no data).
 */
void digest_add_figure(struct digest *d, const char *area, const char *name, double value, const char *unit,
    const char *target, enum digest_better better);
/* Add one line to a named list in an area (e.g. "Overdue actions": "3.11  Head of Service  12 wd overdue"). */
void digest_add_list_item(struct digest *d, const char *area, const char *list, const char *line);

/*
 * Building and rendering a digest (digest.c). A digest for a month holds each figure of its
 * sections computed as at that month's end, beside the same figure for the month before.
 */
struct calendar;
struct config_digest;

/* The local dates and instants of month (year, month). */
void digest_period_of(int year, int month, struct digest_period *p);
/* The month a digest sent during date's month reports: the month just ended. */
void digest_month_reported(int date, int *year, int *month);
/* The day the digest is due in month (year, month): its first working day. */
int digest_send_date(const struct calendar *cal, int year, int month);
/* "YYYY-MM" into (year, month); 0, or -1 when it is not a month. */
int digest_parse_month(const char *s, int *year, int *month);

/* An empty digest for (year, month): a collector the area functions add to. */
struct digest *digest_new(const char *name, int year, int month);
void digest_free(struct digest *d);
/*
 * Build the digest of (year, month) for dc's sections (dc NULL: every section): each area for
 * the month and again for the month before. A month not over by today is reported month to
 * date, as at today. 0, or -1 with *cause.
 */
int digest_build(struct store *s, const struct config *cfg, const struct config_digest *dc, int year, int month,
    int today, struct digest **out, char **cause);
/* The renderings; caller frees. Subject: "Children's services timescales — February 2021". */
char *digest_subject(const struct digest *d);
/* The digest as text and HTML; links (NULL: none) is the recipient's own block: how to subscribe to
 * their calendar feed. */
char *digest_text(const struct digest *d, const struct notice_links *links);
char *digest_html(const struct digest *d, const struct notice_links *links);
char *digest_csv(const struct digest *d);
char *digest_csv_filename(const struct digest *d); /* "digest-2021-02.csv" */
/* A short link-free summary of the headline figures (figures with a target), and the same as JSON. */
char *digest_summary(const struct digest *d);
char *digest_payload(const struct digest *d);

/* Reading figures back (tests): 0 found, -1 not. previous is NaN when there was none. */
int digest_figure_value(const struct digest *d, const char *area, const char *name, double *value);
int digest_figure_previous(const struct digest *d, const char *area, const char *name, double *previous);
int digest_figure_count(const struct digest *d);
/* A list's items in the order added; digest_list_item returns NULL past the end. */
int digest_list_count(const struct digest *d, const char *area, const char *list);
const char *digest_list_item(const struct digest *d, const char *area, const char *list, int i);

/*
 * Sending (watch_digest.c): enqueue dc's digest of (year, month) to each of its recipients, one
 * notice each keyed "digest:NAME:YYYY-MM:RECIPIENT" (with again: a key of its own, so an admin can
 * send it once more). Call inside a transaction. A recipient without an email is logged, counted
 * in *skipped and left out. *added counts new notices, *already those sent or queued before.
 */
struct digest_send {
	bool urgent; /* send now, outside the send window */
	bool again;  /* send even when already sent */
	int added, already, skipped;
};
int digest_enqueue(struct store *s, const struct config *cfg, const struct config_digest *dc, int year, int month,
    time_t now, struct digest_send *ds, char **cause);

/* Each area's contribution (the watchers implement these). 0, or -1 with *cause. */
int actions_digest(
    struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause);
int disputes_digest(
    struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause);
int reviews_digest(
    struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause);
int asye_digest(
    struct store *s, const struct config *cfg, const struct digest_period *p, struct digest *d, char **cause);

#endif
