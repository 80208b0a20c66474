/*
 * import_ssda903.c: the national SSDA903 return's CSV files (header, episodes, reviews) into
 * periods of care and reviews held; with sw_episodes.csv and staff_emails.csv, each child's current
 * social worker into the allocations.
 *
 * A period of care starts at an episode whose RNE is 'S' (its DECOM) and ends at an episode whose
 * DEC is set and whose REC is not X1. A child whose first episode in the extract is not an 'S' was
 * already looked after when the extract begins: their period is kept with its start unknown. REVIEW
 * rows are reviews held. Every row is checked first; rows that contradict themselves or each other
 * are reported as FILE:LINE:COLUMN and either refuse the whole import (strict, the default) or are
 * skipped (--no-strict). The summary accounts for every row of every file. Only the CHILD id is
 * kept: no date of birth, postcode or other personal detail is stored. The checks and the writing
 * are shared with the SSD route (import_ssd.c) through import_ssd.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "csv.h"
#include "import.h"
#include "import_ssd.h"
#include "plan_disputes.h"
#include "reviews.h"
#include "store.h"
#include "xmalloc.h"

/* See import_ssd.h. */
void
ssda903_skip(struct ssda903 *x, struct ssda903_tally *t, int line, int column, const char *reason, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if ((x->nmsgs & (x->nmsgs - 1)) == 0) /* grow by doubling */
		x->msgs = xreallocarray(x->msgs, (size_t)x->nmsgs * 2 + 1, sizeof *x->msgs);
	xasprintf(&x->msgs[x->nmsgs++], "%s:%d:%d: %s", t->file, line, column, msg);
	free(msg);
	ssda903_count(t, reason);
}

/* See import_ssd.h. */
void
ssda903_count(struct ssda903_tally *t, const char *reason)
{
	int i;

	for (i = 0; i < t->nreasons; i++) {
		if (strcmp(t->reasons[i], reason) == 0)
			break;
	}
	if (i == t->nreasons && i < SSDA903_MAX_REASONS) {
		t->reasons[i] = reason;
		t->counts[i] = 0;
		t->nreasons++;
	}
	if (i < SSDA903_MAX_REASONS)
		t->counts[i]++;
}

/* A problem that refuses the import whatever the mode. */
static void
ssda903_fatal(struct ssda903 *x, const char *messages)
{
	xappendf(&x->fatal_text, "%s%s", x->fatal_text != NULL ? "\n" : "", messages);
	x->fatal++;
}

/*
 * An SSDA903 date: dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD. A two-digit year takes the century that puts
 * the date within the 100 years before today (24/04/17 is 2017; 01/01/60 is 1960 in 2025).
 */
int
ssda903_date(const char *s, int today, int *date)
{
	const char *p = s;
	int part[3] = { 0, 0, 0 }, digits[3] = { 0, 0, 0 }, i, y, m, d, ty, tm, td;

	if (date_parse(s, date) == 0)
		return 0;
	for (i = 0; i < 3; i++) {
		while (*p >= '0' && *p <= '9' && digits[i] < 5) {
			part[i] = part[i] * 10 + (*p++ - '0');
			digits[i]++;
		}
		if (i < 2 && *p++ != '/')
			return -1;
	}
	if (*p != '\0' || digits[0] < 1 || digits[0] > 2 || digits[1] < 1 || digits[1] > 2 ||
	    (digits[2] != 2 && digits[2] != 4))
		return -1;
	d = part[0], m = part[1], y = part[2];
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	if (digits[2] == 2) {
		date_to_ymd(today, &ty, &tm, &td);
		y += ty / 100 * 100;
		if (date_from_ymd(y, m, 1) + d - 1 > today)
			y -= 100;
	}
	*date = date_from_ymd(y, m, d);
	date_to_ymd(*date, &ty, &tm, &td);
	if (ty != y || tm != m || td != d)
		return -1;
	return 0;
}

static int
ssda903_cmp_child(const void *a, const void *b)
{
	const struct ssda903_child *x = a, *y = b;

	return strcmp(x->child, y->child);
}

/* See import_ssd.h. */
struct ssda903_child *
ssda903_child(struct ssda903 *x, const char *child)
{
	struct ssda903_child key = { 0 };

	key.child = (char *)(uintptr_t)child;
	if (x->nchildren == 0)
		return NULL;
	return bsearch(&key, x->children, (size_t)x->nchildren, sizeof *x->children, ssda903_cmp_child);
}

/* See import_ssd.h. */
int
ssda903_known_child(struct ssda903 *x, struct ssda903_tally *t, const struct csv_field *child)
{
	if (child->len == 0) {
		ssda903_skip(x, t, child->line, child->column, "CHILD missing", "CHILD: missing");
		return -1;
	}
	if (ssda903_child(x, child->value) == NULL) {
		ssda903_skip(x, t, child->line, child->column,
		    strcmp(x->children_from, "header.csv") == 0 ? "CHILD not in header.csv" :
								  "child not in ssd_cla_episodes.csv",
		    "%s %s: not in %s", strcmp(x->children_from, "header.csv") == 0 ? "CHILD" : "person", child->value,
		    x->children_from);
		return -1;
	}
	return 0;
}

static int
ssda903_cmp_episode(const void *a, const void *b)
{
	const struct ssda903_episode *x = a, *y = b;
	int c = strcmp(x->child, y->child);

	if (c != 0)
		return c;
	if (x->decom != y->decom)
		return (x->decom > y->decom) - (x->decom < y->decom);
	return x->line - y->line;
}

static int
ssda903_cmp_review(const void *a, const void *b)
{
	const struct ssda903_review *x = a, *y = b;
	int c = strcmp(x->child, y->child);

	if (c != 0)
		return c;
	if (x->held_on != y->held_on)
		return (x->held_on > y->held_on) - (x->held_on < y->held_on);
	return x->line - y->line;
}

/* See import_ssd.h: appended unsorted; ssda903_children_index sorts. */
void
ssda903_add_child(struct ssda903 *x, const char *child, int line)
{
	if ((x->nchildren & (x->nchildren - 1)) == 0) /* grow by doubling */
		x->children = xreallocarray(x->children, (size_t)x->nchildren * 2 + 1, sizeof *x->children);
	memset(&x->children[x->nchildren], 0, sizeof *x->children);
	x->children[x->nchildren].child = xstrdup(child);
	x->children[x->nchildren].line = line;
	x->nchildren++;
}

/* See import_ssd.h: sort, and merge a child listed twice into its first line. */
void
ssda903_children_index(struct ssda903 *x)
{
	int i, j;

	if (x->nchildren == 0)
		return;
	if (x->nchildren > 1)
		qsort(x->children, (size_t)x->nchildren, sizeof *x->children, ssda903_cmp_child);
	for (i = 1, j = 0; i < x->nchildren; i++) {
		if (strcmp(x->children[i].child, x->children[j].child) == 0) {
			if (x->children[i].line < x->children[j].line)
				x->children[j].line = x->children[i].line;
			free(x->children[i].child);
		} else
			x->children[++j] = x->children[i];
	}
	x->nchildren = j + 1;
}

/* See import_ssd.h. */
void
ssda903_add_episode(struct ssda903 *x, const struct ssda903_episode *e)
{
	if ((x->nepisodes & (x->nepisodes - 1)) == 0) /* grow by doubling */
		x->episodes = xreallocarray(x->episodes, (size_t)x->nepisodes * 2 + 1, sizeof *x->episodes);
	x->episodes[x->nepisodes++] = *e;
}

/* See import_ssd.h. */
void
ssda903_add_review(struct ssda903 *x, const struct ssda903_review *v)
{
	if ((x->nreviews & (x->nreviews - 1)) == 0) /* grow by doubling */
		x->reviews = xreallocarray(x->reviews, (size_t)x->nreviews * 2 + 1, sizeof *x->reviews);
	x->reviews[x->nreviews++] = *v;
}

/* See import_ssd.h: a row whose field count is wrong is counted under its reason and passed over. */
int
ssda903_next(struct import_file *in, struct ssda903_tally *t)
{
	while (import_file_next_any(in)) {
		t->rows++;
		if (!in->bad)
			return 1;
		ssda903_count(t, "wrong number of fields");
	}
	return 0;
}

/* See import_ssd.h. */
void
ssda903_close(struct ssda903 *x, struct import_file *in)
{
	import_file_close(in);
	ssda903_sort_errors(x, in->e);
}

/* header.csv: the children in the extract. */
static void
ssda903_read_header(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", NULL };
	static const int required[] = { 1, 0, 0, 0, 0, 0, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	int i, j;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *f = import_file_field(&in, 0);
		if (f->len == 0) {
			ssda903_skip(x, t, f->line, f->column, "CHILD missing", "CHILD: missing");
			continue;
		}
		ssda903_add_child(x, f->value, f->line);
	}
	if (x->nchildren > 1)
		qsort(x->children, (size_t)x->nchildren, sizeof *x->children, ssda903_cmp_child);
	for (i = 1, j = 0; i < x->nchildren; i++) {
		if (strcmp(x->children[i].child, x->children[j].child) == 0) {
			ssda903_skip(x, t, x->children[i].line, 1, "duplicate CHILD",
			    "CHILD %s: already listed at line %d", x->children[i].child, x->children[j].line);
			free(x->children[i].child);
		} else
			x->children[++j] = x->children[i];
	}
	if (x->nchildren > 0)
		x->nchildren = j + 1;
	ssda903_close(x, &in);
}

/* See import_ssd.h: field-count problems are row skips (counted by the reader). */
void
ssda903_sort_errors(struct ssda903 *x, struct import_errors *fe)
{
	char *line, *save = NULL;

	if (fe->text == NULL)
		return;
	for (line = strtok_r(fe->text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, ": extra field: ") == NULL && strstr(line, ": missing fields: ") == NULL)
			ssda903_fatal(x, line);
		else {
			if ((x->nmsgs & (x->nmsgs - 1)) == 0)
				x->msgs = xreallocarray(x->msgs, (size_t)x->nmsgs * 2 + 1, sizeof *x->msgs);
			x->msgs[x->nmsgs++] = xstrdup(line);
		}
	}
	import_errors_free(fe);
}

/* episodes.csv: every row checked on its own. */
static void
ssda903_read_episodes(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC",
		"REC", "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", NULL };
	static const int required[] = { 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *child = import_file_field(&in, 0), *decom = import_file_field(&in, 1);
		const struct csv_field *rne = import_file_field(&in, 2), *dec = import_file_field(&in, 7);
		const struct csv_field *rec = import_file_field(&in, 8);
		struct ssda903_episode e = { 0 };

		if (ssda903_known_child(x, t, child) != 0)
			continue;
		if (decom->len == 0 || ssda903_date(decom->value, x->today, &e.decom) != 0) {
			ssda903_skip(x, t, decom->line, decom->column, "DECOM not a date",
			    "DECOM: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", decom->value);
			continue;
		}
		if (e.decom > x->today) {
			ssda903_skip(x, t, decom->line, decom->column, "DECOM in the future",
			    "DECOM: %s is after today", decom->value);
			continue;
		}
		e.dec = DATE_NONE;
		if (dec->len > 0 && ssda903_date(dec->value, x->today, &e.dec) != 0) {
			ssda903_skip(x, t, dec->line, dec->column, "DEC not a date",
			    "DEC: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", dec->value);
			continue;
		}
		if (rne->len == 0 || rne->len >= sizeof e.rne) {
			ssda903_skip(x, t, rne->line, rne->column, "RNE missing", "RNE: missing or not a code");
			continue;
		}
		if (rec->len >= sizeof e.rec) {
			ssda903_skip(
			    x, t, rec->line, rec->column, "REC not a code", "REC: \"%s\" is not a code", rec->value);
			continue;
		}
		if (e.dec != DATE_NONE && e.dec < e.decom) {
			ssda903_skip(x, t, dec->line, dec->column, "episode ends before it starts",
			    "DEC %s is before DECOM %s: the episode ends before it starts", dec->value, decom->value);
			continue;
		}
		if (e.dec != DATE_NONE && rec->len == 0) {
			ssda903_skip(x, t, rec->line, rec->column, "DEC without REC", "REC: missing while DEC is set");
			continue;
		}
		if (e.dec == DATE_NONE && rec->len > 0 && strcmp(rec->value, "X1") != 0) {
			ssda903_skip(x, t, rec->line, rec->column, "REC ends care but DEC is empty",
			    "REC %s ends the period of care but DEC is empty", rec->value);
			continue;
		}
		e.child = xstrdup(child->value);
		memcpy(e.rne, rne->value, rne->len + 1);
		memcpy(e.rec, rec->value, rec->len + 1);
		e.line = in.row.line;
		e.col_decom = decom->column;
		e.col_rne = rne->column;
		ssda903_add_episode(x, &e);
	}
	ssda903_close(x, &in);
}

/* See import_ssd.h: episodes that contradict the chain are skipped. */
void
ssda903_periods(struct ssda903 *x, struct ssda903_tally *t)
{
	int j, start;
	char when[DATE_BUFSZ];

	if (x->nepisodes > 1)
		qsort(x->episodes, (size_t)x->nepisodes, sizeof *x->episodes, ssda903_cmp_episode);
	for (start = 0; start < x->nepisodes; start = j) {
		struct ssda903_child *c = ssda903_child(x, x->episodes[start].child);
		struct ssda903_episode *prev = NULL;
		bool open = false;

		for (j = start; j < x->nepisodes && strcmp(x->episodes[j].child, x->episodes[start].child) == 0; j++) {
			struct ssda903_episode *e = &x->episodes[j];
			bool s = strcmp(e->rne, "S") == 0;
			if (prev != NULL && prev->decom == e->decom) {
				ssda903_skip(x, t, e->line, e->col_decom, "duplicate episode",
				    "CHILD %s: a second episode starting on %s (the first is at line %d)", e->child,
				    date_format(e->decom, when), prev->line);
				e->skip = true;
				continue;
			}
			if (prev != NULL && (prev->dec == DATE_NONE || prev->dec > e->decom)) {
				ssda903_skip(x, t, e->line, e->col_decom, "episodes overlap",
				    "CHILD %s: this episode starts on %s before the episode at line %d has ended",
				    e->child, date_format(e->decom, when), prev->line);
				e->skip = true;
				continue;
			}
			if (!open && !s && prev != NULL) {
				ssda903_skip(x, t, e->line, e->col_rne, "new period without RNE S",
				    "CHILD %s: RNE %s, but the period of care ended on %s (line %d): a new period starts with RNE S",
				    e->child, e->rne, date_format(prev->dec, when), prev->line);
				e->skip = true;
				continue;
			}
			if (open && s) {
				ssda903_skip(x, t, e->line, e->col_rne, "RNE S while already looked after",
				    "CHILD %s: RNE S (started to be looked after) but the child is looked after since %s (line %d)",
				    e->child, date_format(c->periods[c->nperiods - 1].started_on, when),
				    c->period_lines[c->nperiods - 1]);
				e->skip = true;
				continue;
			}
			if (!open) {
				c->periods = xreallocarray(c->periods, (size_t)c->nperiods + 1, sizeof *c->periods);
				c->period_lines =
				    xreallocarray(c->period_lines, (size_t)c->nperiods + 1, sizeof *c->period_lines);
				c->periods[c->nperiods].started_on = e->decom;
				c->periods[c->nperiods].start_known = s;
				c->periods[c->nperiods].ended_on = DATE_NONE;
				c->period_lines[c->nperiods] = e->line;
				c->nperiods++;
				open = true;
			}
			if (e->dec != DATE_NONE && strcmp(e->rec, "X1") != 0) {
				c->periods[c->nperiods - 1].ended_on = e->dec;
				open = false;
			}
			prev = e;
			t->used++;
		}
	}
}

/* reviews.csv: each review placed in a period of care, or skipped. */
static void
ssda903_read_reviews(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "CHILD", "DOB", "REVIEW", "REVIEW_CODE", NULL };
	static const int required[] = { 1, 0, 1, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *child = import_file_field(&in, 0), *review = import_file_field(&in, 2);
		struct ssda903_review v = { 0 };

		if (ssda903_known_child(x, t, child) != 0)
			continue;
		if (review->len == 0 || ssda903_date(review->value, x->today, &v.held_on) != 0) {
			ssda903_skip(x, t, review->line, review->column, "REVIEW not a date",
			    "REVIEW: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", review->value);
			continue;
		}
		if (v.held_on > x->today) {
			ssda903_skip(x, t, review->line, review->column, "REVIEW in the future",
			    "REVIEW: %s is after today: a review held cannot be in the future", review->value);
			continue;
		}
		v.child = xstrdup(child->value);
		v.line = in.row.line;
		v.col = review->column;
		ssda903_add_review(x, &v);
	}
	ssda903_close(x, &in);
	ssda903_place_reviews(x, t);
}

/* See import_ssd.h: reviews twice, outside any period or before care are skipped. */
void
ssda903_place_reviews(struct ssda903 *x, struct ssda903_tally *t)
{
	int i, p;
	char when[DATE_BUFSZ], ended[DATE_BUFSZ];

	if (x->nreviews > 1)
		qsort(x->reviews, (size_t)x->nreviews, sizeof *x->reviews, ssda903_cmp_review);
	for (i = 0; i < x->nreviews; i++) {
		struct ssda903_review *v = &x->reviews[i];
		struct ssda903_child *c = ssda903_child(x, v->child);
		if (i > 0 && strcmp(x->reviews[i - 1].child, v->child) == 0 &&
		    x->reviews[i - 1].held_on == v->held_on) {
			ssda903_skip(x, t, v->line, v->col, "duplicate review",
			    "CHILD %s: review on %s already listed at line %d", v->child, date_format(v->held_on, when),
			    x->reviews[i - 1].line);
			continue;
		}
		if (c->nperiods == 0) {
			ssda903_skip(x, t, v->line, v->col, "child has no period of care",
			    "CHILD %s: a review on %s, but episodes.csv has no period of care for this child", v->child,
			    date_format(v->held_on, when));
			continue;
		}
		if (v->held_on < c->periods[0].started_on) {
			ssda903_skip(x, t, v->line, v->col, "review before the child was looked after",
			    "CHILD %s: a review on %s, before the child was looked after (from %s, episodes.csv line %d)",
			    v->child, date_format(v->held_on, when), date_format(c->periods[0].started_on, ended),
			    c->period_lines[0]);
			continue;
		}
		if ((p = plan_reviews_period_of(c->periods, c->nperiods, v->held_on)) < 0) {
			for (p = c->nperiods - 1; p > 0 && c->periods[p].started_on > v->held_on; p--)
				;
			ssda903_skip(x, t, v->line, v->col, "review while not looked after",
			    "CHILD %s: a review on %s, when the child was not looked after (the period from line %d ended on %s)",
			    v->child, date_format(v->held_on, when), c->period_lines[p],
			    date_format(c->periods[p].ended_on, ended));
			continue;
		}
		c->reviews = xreallocarray(c->reviews, (size_t)c->nreviews + 1, sizeof *c->reviews);
		c->reviews[c->nreviews++] = v->held_on;
		t->used++;
	}
}

/* See import_ssd.h. */
void
ssda903_tally_print(char **summary, const struct ssda903_tally *t, const char *unused_why)
{
	int i, skipped = 0;

	for (i = 0; i < t->nreasons; i++)
		skipped += t->counts[i];
	xappendf(summary, "%s: %d rows: %d used", t->file, t->rows, t->used);
	if (t->unused > 0)
		xappendf(summary, ", %d not used (%s)", t->unused, unused_why);
	xappendf(summary, ", %d skipped", skipped);
	for (i = 0; i < t->nreasons; i++)
		xappendf(summary, "%s%d %s", i == 0 ? " (" : ", ", t->counts[i], t->reasons[i]);
	xappendf(summary, "%s\n", t->nreasons > 0 ? ")" : "");
}

/* Order staff by id, for lookups. */
static int
ssda903_cmp_staff(const void *a, const void *b)
{
	return strcmp(((const struct ssda903_staff *)a)->staff_id, ((const struct ssda903_staff *)b)->staff_id);
}

/* See import_ssd.h. */
void
ssda903_read_staff(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "staff_id", "email", NULL };
	static const int required[] = { 1, 1 };
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	struct import_seen seen = { 0 };
	int first;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *id = import_file_field(&in, 0), *email = import_file_field(&in, 1);
		if (id->len == 0) {
			ssda903_skip(x, t, id->line, id->column, "staff_id missing", "staff_id: missing");
			continue;
		}
		if (!plan_disputes_address_ok(email->value)) {
			ssda903_skip(x, t, email->line, email->column, "not an email address",
			    "email: \"%s\" is not an email address", email->value);
			continue;
		}
		if ((first = import_seen_add(&seen, id->value, in.row.line)) != 0) {
			ssda903_skip(x, t, id->line, id->column, "duplicate staff_id",
			    "staff_id %s: already listed at line %d", id->value, first);
			continue;
		}
		if ((x->nstaff & (x->nstaff - 1)) == 0) /* grow by doubling */
			x->staff = xreallocarray(x->staff, (size_t)x->nstaff * 2 + 1, sizeof *x->staff);
		x->staff[x->nstaff].staff_id = xstrdup(id->value);
		x->staff[x->nstaff].email = xstrdup(email->value);
		x->staff[x->nstaff].line = in.row.line;
		x->nstaff++;
	}
	if (x->nstaff > 1)
		qsort(x->staff, (size_t)x->nstaff, sizeof *x->staff, ssda903_cmp_staff);
	import_seen_free(&seen);
	ssda903_close(x, &in);
}

/* See import_ssd.h. */
const char *
ssda903_staff_email(const struct ssda903 *x, const char *staff_id)
{
	struct ssda903_staff key = { 0 }, *found;

	if (x->nstaff == 0 || staff_id == NULL || *staff_id == '\0')
		return NULL;
	key.staff_id = (char *)(uintptr_t)staff_id;
	found = bsearch(&key, x->staff, (size_t)x->nstaff, sizeof *x->staff, ssda903_cmp_staff);
	return found != NULL ? found->email : NULL;
}

/*
 * sw_episodes.csv: each child's current social worker is the open episode (no SW_DEC, or one after
 * today) with the latest SW_DECOM; its SW_ID must have an email in staff_emails.csv.
 */
static void
ssda903_read_sw_episodes(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON", NULL };
	static const int required[] = { 1, 0, 1, 1, 1, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	int decom, dec, i;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *child = import_file_field(&in, 0), *id = import_file_field(&in, 2);
		const struct csv_field *fdecom = import_file_field(&in, 3), *fdec = import_file_field(&in, 4);
		struct ssda903_child *c;

		if (ssda903_known_child(x, t, child) != 0)
			continue;
		if (id->len == 0) {
			ssda903_skip(x, t, id->line, id->column, "SW_ID missing", "SW_ID: missing");
			continue;
		}
		if (fdecom->len == 0 || ssda903_date(fdecom->value, x->today, &decom) != 0) {
			ssda903_skip(x, t, fdecom->line, fdecom->column, "SW_DECOM not a date",
			    "SW_DECOM: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", fdecom->value);
			continue;
		}
		if (decom > x->today) {
			ssda903_skip(x, t, fdecom->line, fdecom->column, "SW_DECOM in the future",
			    "SW_DECOM: %s is after today", fdecom->value);
			continue;
		}
		dec = DATE_NONE;
		if (fdec->len > 0 && ssda903_date(fdec->value, x->today, &dec) != 0) {
			ssda903_skip(x, t, fdec->line, fdec->column, "SW_DEC not a date",
			    "SW_DEC: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", fdec->value);
			continue;
		}
		if (dec != DATE_NONE && dec < decom) {
			ssda903_skip(x, t, fdec->line, fdec->column, "episode ends before it starts",
			    "SW_DEC %s is before SW_DECOM %s: the episode ends before it starts", fdec->value,
			    fdecom->value);
			continue;
		}
		if (dec != DATE_NONE && dec <= x->today) {
			t->unused++;
			continue;
		}
		c = ssda903_child(x, child->value);
		if (c->sw_id != NULL && c->sw_decom > decom) {
			t->unused++; /* an open episode that an open later one supersedes */
			continue;
		}
		if (c->sw_id != NULL)
			t->unused++;
		free(c->sw_id);
		c->sw_id = xstrdup(id->value);
		c->sw_decom = decom;
		c->sw_line = id->line;
		c->sw_col = id->column;
	}
	ssda903_close(x, &in);
	for (i = 0; i < x->nchildren; i++) {
		struct ssda903_child *c = &x->children[i];
		const char *email;
		if (c->sw_id == NULL)
			continue;
		if ((email = ssda903_staff_email(x, c->sw_id)) == NULL) {
			ssda903_skip(x, t, c->sw_line, c->sw_col, "SW_ID has no email",
			    "SW_ID %s: no email in staff_emails.csv (CHILD %s's current social worker)", c->sw_id,
			    c->child);
			free(c->sw_id);
			c->sw_id = NULL;
			continue;
		}
		c->sw_email = xstrdup(email);
		t->used++;
	}
}

/* See import_ssd.h. */
int
ssda903_write(struct ssda903 *x, struct store *s, time_t now, int *nperiods, int *nunknown, int *nreviews, int *total,
    int *nchanged, char **cause)
{
	char *detail;
	int i, k, changed;

	*nperiods = *nunknown = *nreviews = *total = *nchanged = 0;
	for (i = 0; i < x->nchildren; i++) {
		struct ssda903_child *c = &x->children[i];
		*nperiods += c->nperiods;
		for (k = 0; k < c->nperiods; k++)
			*nunknown += !c->periods[k].start_known;
		*nreviews += c->nreviews;
		if (c->nperiods == 0)
			continue;
		(*total)++;
		if (reviews_replace_extract(
			s, c->child, c->periods, c->nperiods, c->reviews, c->nreviews, now, &changed, cause) != 0)
			return -1;
		if (changed > 0) {
			(*nchanged)++;
			xasprintf(&detail, "%d period%s of care, %d review%s held (%d change%s)", c->nperiods,
			    c->nperiods == 1 ? "" : "s", c->nreviews, c->nreviews == 1 ? "" : "s", changed,
			    changed == 1 ? "" : "s");
			k = audit_add(s, now, "ctl:import", "lac-extract", c->child, detail, cause);
			free(detail);
			if (k != 0)
				return -1;
		}
	}
	return 0;
}

/* See import_ssd.h. */
void
ssda903_free(struct ssda903 *x)
{
	int i;

	for (i = 0; i < x->nchildren; i++) {
		free(x->children[i].child);
		free(x->children[i].periods);
		free(x->children[i].period_lines);
		free(x->children[i].reviews);
		free(x->children[i].sw_id);
		free(x->children[i].sw_email);
	}
	free(x->children);
	for (i = 0; i < x->nepisodes; i++)
		free(x->episodes[i].child);
	free(x->episodes);
	for (i = 0; i < x->nreviews; i++)
		free(x->reviews[i].child);
	free(x->reviews);
	for (i = 0; i < x->nmsgs; i++)
		free(x->msgs[i]);
	free(x->msgs);
	free(x->fatal_text);
	for (i = 0; i < x->nstaff; i++)
		free(x->staff[i].staff_id), free(x->staff[i].email);
	free(x->staff);
	memset(x, 0, sizeof *x);
}

/* The files of the return driftwatch reads, in reading order; sw_episodes needs staff_emails. */
enum { SSDA903_HEADER, SSDA903_EPISODES, SSDA903_REVIEWS, SSDA903_SW_EPISODES, SSDA903_STAFF, SSDA903_NFILES };
static const char *const ssda903_files[SSDA903_NFILES] = { "header.csv", "episodes.csv", "reviews.csv",
	"sw_episodes.csv", "staff_emails.csv" };

/* Which role a path plays, or -1 for another file of the return. */
static int
ssda903_kind(const char *path)
{
	return import_file_kind(path, ssda903_files, SSDA903_NFILES);
}

/* See import_ssd.h. */
int
ssda903_report(const struct ssda903 *x, const char *what, const char *summary, bool strict, FILE *err)
{
	int i;

	if (x->fatal > 0) {
		fprintf(err, "%s\n", x->fatal_text);
		for (i = 0; i < x->nmsgs; i++)
			fprintf(err, "%s\n", x->msgs[i]);
		fprintf(err, "driftwatchctl: import %s: %d problem%s; nothing imported\n", what, x->fatal + x->nmsgs,
		    x->fatal + x->nmsgs == 1 ? "" : "s");
		return 65;
	}
	if (x->nmsgs > 0 && strict) {
		for (i = 0; i < x->nmsgs; i++)
			fprintf(err, "%s\n", x->msgs[i]);
		fprintf(err, "%s", summary);
		fprintf(err,
		    "driftwatchctl: import %s: %d row%s contradict%s the rest (strict); nothing imported "
		    "(--no-strict imports the rest and skips these)\n",
		    what, x->nmsgs, x->nmsgs == 1 ? "" : "s", x->nmsgs == 1 ? "s" : "");
		return 65;
	}
	for (i = 0; i < x->nmsgs; i++)
		fprintf(err, "%s (row skipped)\n", x->msgs[i]);
	return 0;
}

/* What the 903 route writes, beyond the periods and reviews. */
struct ssda903_import {
	struct ssda903 *x;
	time_t now;
	bool sw; /* sw_episodes.csv was read */
	int nsw;
};

/* Write the children, then the social workers sw_episodes.csv gave; the counts into the summary. */
static int
ssda903_import_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct ssda903_import *im = arg;
	int i, nperiods, nunknown, nreviews, total, nchanged;

	if (ssda903_write(im->x, s, im->now, &nperiods, &nunknown, &nreviews, &total, &nchanged, cause) != 0)
		return -1;
	for (i = 0; i < im->x->nchildren; i++) {
		struct ssda903_child *c = &im->x->children[i];
		if (c->sw_email != NULL && allocation_set_social_worker(s, c->child, c->sw_id, c->sw_email, cause) != 0)
			return -1;
	}
	xappendf(summary,
	    "%d children, %d periods of care (%d began before the extract), %d reviews held; %d children changed",
	    total, nperiods, nunknown, nreviews, nchanged);
	if (im->sw)
		xappendf(
		    summary, "; %d social worker%s allocated from sw_episodes.csv", im->nsw, im->nsw == 1 ? "" : "s");
	return 0;
}

/* See reviews.h. */
int
import_ssda903(const struct import_request *rq)
{
	struct store *s = rq->store;
	char *const *paths = rq->paths;
	int npaths = rq->npaths;
	bool strict = rq->strict;
	time_t now = rq->now;
	FILE *out = rq->out, *err = rq->err;
	struct ssda903 x;
	struct ssda903_tally th = { 0 }, te = { 0 }, tr = { 0 }, tw = { 0 }, ts = { 0 };
	char *files[SSDA903_NFILES] = { NULL }, *others = NULL, *summary = NULL;
	struct ssda903_import im = { 0 };
	struct import_commit commit = { "ssda903", NULL, now, ssda903_import_write, &im, "ssda903-imported",
		"reviews" };
	struct stat sb;
	int i, k, rc = 0, nsw = 0;

	memset(&x, 0, sizeof x);
	x.today = calendar_local_date(now);
	x.children_from = "header.csv";
	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &sb) != 0) {
			fprintf(err, "%s: %s\n", paths[i], strerror(errno));
			rc = 66;
			goto done;
		}
		if (S_ISDIR(sb.st_mode)) {
			struct dirent **ents;
			int n = scandir(paths[i], &ents, NULL, alphasort), j;
			/* A folder that cannot be read (ents is not set then): said, as import ssd says it. */
			if (n < 0) {
				fprintf(err, "%s: %s\n", paths[i], strerror(errno));
				rc = 66;
				goto done;
			}
			for (j = 0; j < n; j++) {
				char *p;
				size_t len = strlen(ents[j]->d_name);
				if (len > 4 && strcasecmp(ents[j]->d_name + len - 4, ".csv") == 0) {
					xasprintf(&p, "%s/%s", paths[i], ents[j]->d_name);
					if ((k = ssda903_kind(p)) >= 0 && files[k] == NULL)
						files[k] = p;
					else {
						xappendf(&others, "%s%s", others != NULL ? ", " : "", ents[j]->d_name);
						free(p);
					}
				}
				free(ents[j]);
			}
			free(ents);
			continue;
		}
		if ((k = ssda903_kind(paths[i])) >= 0 && files[k] == NULL)
			files[k] = xstrdup(paths[i]);
		else
			xappendf(&others, "%s%s", others != NULL ? ", " : "", paths[i]);
	}
	for (k = 0; k < SSDA903_SW_EPISODES; k++) {
		if (files[k] == NULL) {
			fprintf(err,
			    "driftwatchctl: import ssda903: no %s among the files given (want header.csv, episodes.csv "
			    "and reviews.csv, or their folder)\n",
			    ssda903_files[k]);
			rc = 66;
			goto done;
		}
	}
	/* Social-worker episodes only feed the allocations with an email for each SW_ID; alone they are
	 * listed as not read (the national return's own folder holds sw_episodes.csv without emails). */
	if (files[SSDA903_SW_EPISODES] != NULL && files[SSDA903_STAFF] == NULL) {
		xappendf(&others, "%s%s", others != NULL ? ", " : "", import_base(files[SSDA903_SW_EPISODES]));
		free(files[SSDA903_SW_EPISODES]);
		files[SSDA903_SW_EPISODES] = NULL;
	}
	th.file = files[SSDA903_HEADER];
	te.file = files[SSDA903_EPISODES];
	tr.file = files[SSDA903_REVIEWS];
	tw.file = files[SSDA903_SW_EPISODES];
	ts.file = files[SSDA903_STAFF];

	ssda903_read_header(&x, th.file, &th);
	ssda903_read_episodes(&x, te.file, &te);
	ssda903_periods(&x, &te);
	ssda903_read_reviews(&x, tr.file, &tr);
	if (ts.file != NULL)
		ssda903_read_staff(&x, ts.file, &ts);
	if (tw.file != NULL)
		ssda903_read_sw_episodes(&x, tw.file, &tw);
	for (i = 0; i < x.nchildren; i++) {
		if (x.children[i].nperiods > 0)
			th.used++;
		else
			th.unused++;
		nsw += x.children[i].sw_email != NULL;
	}
	ts.used = x.nstaff;
	ssda903_tally_print(&summary, &th, "no episode of care in episodes.csv");
	ssda903_tally_print(&summary, &te, "");
	ssda903_tally_print(&summary, &tr, "");
	if (tw.file != NULL)
		ssda903_tally_print(&summary, &tw, "ended or superseded");
	if (ts.file != NULL)
		ssda903_tally_print(&summary, &ts, "");
	if (others != NULL)
		xappendf(&summary,
		    "not read: %s (driftwatch reads header.csv, episodes.csv, reviews.csv, and sw_episodes.csv "
		    "with staff_emails.csv)\n",
		    others);
	if ((rc = ssda903_report(&x, "ssda903", summary, strict, err)) != 0)
		goto done;
	/* Everything checked: write it all in one transaction, or nothing. */
	im.x = &x, im.now = now, im.sw = tw.file != NULL, im.nsw = nsw;
	commit.path = files[SSDA903_EPISODES];
	if ((rc = import_finish(s, NULL, &commit, &summary, err)) == 0)
		fprintf(out, "%s\n", summary);
done:
	ssda903_free(&x);
	for (k = 0; k < SSDA903_NFILES; k++)
		free(files[k]);
	free(others);
	free(summary);
	return rc;
}
