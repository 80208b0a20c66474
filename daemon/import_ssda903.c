/*
 * import_ssda903.c: the national SSDA903 return's CSV files (header, episodes, reviews) into
 * periods of care and reviews held.
 *
 * A period of care starts at an episode whose RNE is 'S' (its DECOM) and ends at an episode whose
 * DEC is set and whose REC is not X1. A child whose first episode in the extract is not an 'S' was
 * already looked after when the extract begins: their period is kept with its start unknown. REVIEW
 * rows are reviews held. Every row is checked first; rows that contradict themselves or each other
 * are reported as FILE:LINE:COLUMN and either refuse the whole import (strict, the default) or are
 * skipped (--no-strict). The summary accounts for every row of every file. Only the CHILD id is
 * kept: no date of birth, postcode or other personal detail is stored.
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

#include "audit.h"
#include "calendar.h"
#include "csv.h"
#include "import.h"
#include "reviews.h"
#include "store.h"
#include "xmalloc.h"

#define SSDA903_MAX_REASONS 16

/* Why rows were skipped, counted per file for the summary. */
struct ssda903_tally {
	const char *file;
	int rows, used, unused;
	const char *reasons[SSDA903_MAX_REASONS];
	int counts[SSDA903_MAX_REASONS];
	int nreasons;
};

struct ssda903_episode {
	char *child;
	int decom, dec;
	char rne[8], rec[8];
	int line, col_decom, col_rne;
	bool skip;
};

struct ssda903_review {
	char *child;
	int held_on;
	int line, col;
	bool skip;
};

struct ssda903_child {
	char *child;
	int line;
	struct review_period *periods;
	int *period_lines;
	int nperiods;
	int *reviews;
	int nreviews;
};

struct ssda903 {
	int today;
	char **msgs;		     /* contradictions, "FILE:LINE:COLUMN: ...": they refuse (strict) or skip */
	int nmsgs;
	int fatal;		     /* problems that refuse in any mode (files, headers, syntax) */
	char *fatal_text;
	struct ssda903_child *children; /* from header.csv, sorted */
	int nchildren;
	struct ssda903_episode *episodes;
	int nepisodes;
	struct ssda903_review *reviews;
	int nreviews;
};

static void ssda903_count(struct ssda903_tally *t, const char *reason);

/* Record a contradiction on a row: an error message with its place, and a reason counted. */
static void
ssda903_skip(struct ssda903 *x, struct ssda903_tally *t, int line, int column, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
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

/* Count a skipped row under its reason. */
static void
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

static struct ssda903_child *
ssda903_child(struct ssda903 *x, const char *child)
{
	struct ssda903_child key = { 0 };

	key.child = (char *)(uintptr_t)child;
	if (x->nchildren == 0)
		return NULL;
	return bsearch(&key, x->children, (size_t)x->nchildren, sizeof *x->children, ssda903_cmp_child);
}

/* A row's CHILD is present and in header.csv; otherwise the row is skipped with the reason. */
static int
ssda903_known_child(struct ssda903 *x, struct ssda903_tally *t, const struct csv_field *child)
{
	if (child->len == 0) {
		ssda903_skip(x, t, child->line, child->column, "CHILD missing", "CHILD: missing");
		return -1;
	}
	if (ssda903_child(x, child->value) == NULL) {
		ssda903_skip(x, t, child->line, child->column, "CHILD not in header.csv", "CHILD %s: not in header.csv",
		    child->value);
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

static void ssda903_sort_errors(struct ssda903 *x, struct import_errors *fe);

/* header.csv: the children in the extract. */
static void
ssda903_read_header(struct ssda903 *x, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB", NULL };
	static const int required[] = { 1, 0, 0, 0, 0, 0, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct csv_reader *r;
	struct csv_row row = { 0 };
	int index[7], ncol, bad, rc, i, j;

	if ((r = import_open(&fe, path, names, required, index, &ncol)) == NULL)
		goto out;
	while ((rc = import_next(&fe, r, &row, ncol, &bad)) == 1) {
		const struct csv_field *f = import_field(&row, index, 0);
		t->rows++;
		if (bad) {
			ssda903_count(t, "wrong number of fields");
			continue;
		}
		if (f->len == 0) {
			ssda903_skip(x, t, f->line, f->column, "CHILD missing", "CHILD: missing");
			continue;
		}
		if ((x->nchildren & (x->nchildren - 1)) == 0) /* grow by doubling */
			x->children = xreallocarray(x->children, (size_t)x->nchildren * 2 + 1, sizeof *x->children);
		memset(&x->children[x->nchildren], 0, sizeof *x->children);
		x->children[x->nchildren].child = xstrdup(f->value);
		x->children[x->nchildren].line = f->line;
		x->nchildren++;
	}
	csv_row_clear(&row);
	csv_close(r);
	qsort(x->children, (size_t)x->nchildren, sizeof *x->children, ssda903_cmp_child);
	for (i = 1, j = 0; i < x->nchildren; i++) {
		if (strcmp(x->children[i].child, x->children[j].child) == 0) {
			ssda903_skip(x, t, x->children[i].line, 1, "duplicate CHILD", "CHILD %s: already listed at line %d",
			    x->children[i].child, x->children[j].line);
			free(x->children[i].child);
		} else
			x->children[++j] = x->children[i];
	}
	if (x->nchildren > 0)
		x->nchildren = j + 1;
out:
	ssda903_sort_errors(x, &fe);
}

/* Move syntax and header problems to the fatal list; field-count ones are row skips (counted by the reader). */
static void
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
	static const char *const names[] = { "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
		"REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN", NULL };
	static const int required[] = { 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0 };
	struct import_errors fe = { path, NULL, 0 };
	struct csv_reader *r;
	struct csv_row row = { 0 };
	int index[13], ncol, bad, rc;

	if ((r = import_open(&fe, path, names, required, index, &ncol)) == NULL)
		goto out;
	while ((rc = import_next(&fe, r, &row, ncol, &bad)) == 1) {
		const struct csv_field *child = import_field(&row, index, 0), *decom = import_field(&row, index, 1);
		const struct csv_field *rne = import_field(&row, index, 2), *dec = import_field(&row, index, 7);
		const struct csv_field *rec = import_field(&row, index, 8);
		struct ssda903_episode e = { 0 };

		t->rows++;
		if (bad) {
			ssda903_count(t, "wrong number of fields");
			continue;
		}
		if (ssda903_known_child(x, t, child) != 0)
			continue;
		if (decom->len == 0 || ssda903_date(decom->value, x->today, &e.decom) != 0) {
			ssda903_skip(x, t, decom->line, decom->column, "DECOM not a date",
			    "DECOM: \"%s\" is not a date (want dd/mm/yyyy, dd/mm/yy or YYYY-MM-DD)", decom->value);
			continue;
		}
		if (e.decom > x->today) {
			ssda903_skip(x, t, decom->line, decom->column, "DECOM in the future", "DECOM: %s is after today", decom->value);
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
			ssda903_skip(x, t, rec->line, rec->column, "REC not a code", "REC: \"%s\" is not a code", rec->value);
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
		e.line = row.line;
		e.col_decom = decom->column;
		e.col_rne = rne->column;
		if ((x->nepisodes & (x->nepisodes - 1)) == 0) /* grow by doubling */
			x->episodes = xreallocarray(x->episodes, (size_t)x->nepisodes * 2 + 1, sizeof *x->episodes);
		x->episodes[x->nepisodes++] = e;
	}
	csv_row_clear(&row);
	csv_close(r);
out:
	ssda903_sort_errors(x, &fe);
}

/* Chain each child's episodes into periods of care; episodes that contradict the chain are skipped. */
static void
ssda903_periods(struct ssda903 *x, struct ssda903_tally *t)
{
	int j, start;
	char when[11];

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
				    "CHILD %s: this episode starts on %s before the episode at line %d has ended", e->child,
				    date_format(e->decom, when), prev->line);
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
				    e->child, date_format(c->periods[c->nperiods - 1].started_on, when), c->period_lines[c->nperiods - 1]);
				e->skip = true;
				continue;
			}
			if (!open) {
				c->periods = xreallocarray(c->periods, (size_t)c->nperiods + 1, sizeof *c->periods);
				c->period_lines = xreallocarray(c->period_lines, (size_t)c->nperiods + 1, sizeof *c->period_lines);
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
	struct csv_reader *r;
	struct csv_row row = { 0 };
	int index[4], ncol, bad, rc, i, p;
	char when[11], ended[11];

	if ((r = import_open(&fe, path, names, required, index, &ncol)) == NULL)
		goto out;
	while ((rc = import_next(&fe, r, &row, ncol, &bad)) == 1) {
		const struct csv_field *child = import_field(&row, index, 0), *review = import_field(&row, index, 2);
		struct ssda903_review v = { 0 };

		t->rows++;
		if (bad) {
			ssda903_count(t, "wrong number of fields");
			continue;
		}
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
		v.line = row.line;
		v.col = review->column;
		if ((x->nreviews & (x->nreviews - 1)) == 0) /* grow by doubling */
			x->reviews = xreallocarray(x->reviews, (size_t)x->nreviews * 2 + 1, sizeof *x->reviews);
		x->reviews[x->nreviews++] = v;
	}
	csv_row_clear(&row);
	csv_close(r);
out:
	ssda903_sort_errors(x, &fe);
	if (x->nreviews > 1)
		qsort(x->reviews, (size_t)x->nreviews, sizeof *x->reviews, ssda903_cmp_review);
	for (i = 0; i < x->nreviews; i++) {
		struct ssda903_review *v = &x->reviews[i];
		struct ssda903_child *c = ssda903_child(x, v->child);
		if (i > 0 && strcmp(x->reviews[i - 1].child, v->child) == 0 && x->reviews[i - 1].held_on == v->held_on) {
			ssda903_skip(x, t, v->line, v->col, "duplicate review", "CHILD %s: review on %s already listed at line %d",
			    v->child, date_format(v->held_on, when), x->reviews[i - 1].line);
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
			    "CHILD %s: a review on %s, before the child was looked after (from %s, episodes.csv line %d)", v->child,
			    date_format(v->held_on, when), date_format(c->periods[0].started_on, ended), c->period_lines[0]);
			continue;
		}
		if ((p = plan_reviews_period_of(c->periods, c->nperiods, v->held_on)) < 0) {
			for (p = c->nperiods - 1; p > 0 && c->periods[p].started_on > v->held_on; p--)
				;
			ssda903_skip(x, t, v->line, v->col, "review while not looked after",
			    "CHILD %s: a review on %s, when the child was not looked after (the period from line %d ended on %s)",
			    v->child, date_format(v->held_on, when), c->period_lines[p], date_format(c->periods[p].ended_on, ended));
			continue;
		}
		c->reviews = xreallocarray(c->reviews, (size_t)c->nreviews + 1, sizeof *c->reviews);
		c->reviews[c->nreviews++] = v->held_on;
		t->used++;
	}
}

/* Add a tally to the summary. */
static void
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

/* Which role a path plays: 0 header, 1 episodes, 2 reviews, -1 other. */
static int
ssda903_kind(const char *path)
{
	static const char *const known[] = { "header.csv", "episodes.csv", "reviews.csv" };
	const char *base = strrchr(path, '/');
	int i;

	base = base != NULL ? base + 1 : path;
	for (i = 0; i < 3; i++) {
		if (strcasecmp(base, known[i]) == 0)
			return i;
	}
	return -1;
}

/* See reviews.h. */
int
import_ssda903(struct store *s, char *const *paths, int npaths, bool strict, time_t now, FILE *out, FILE *err)
{
	struct ssda903 x;
	struct ssda903_tally th = { 0 }, te = { 0 }, tr = { 0 };
	char *files[3] = { NULL, NULL, NULL }, *others = NULL, *summary = NULL, *cause = NULL, *detail;
	struct stat sb;
	int i, k, rc = 0, nperiods = 0, nunknown = 0, nreviews = 0, changed, nchanged = 0, total = 0;

	memset(&x, 0, sizeof x);
	x.today = calendar_local_date(now);
	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &sb) != 0) {
			fprintf(err, "%s: %s\n", paths[i], strerror(errno));
			rc = 66;
			goto done;
		}
		if (S_ISDIR(sb.st_mode)) {
			struct dirent **ents;
			int n = scandir(paths[i], &ents, NULL, alphasort), j;
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
	for (k = 0; k < 3; k++) {
		if (files[k] == NULL) {
			fprintf(err, "driftwatchctl: import ssda903: no %s among the files given (want header.csv, episodes.csv "
				     "and reviews.csv, or their folder)\n", k == 0 ? "header.csv" : k == 1 ? "episodes.csv" : "reviews.csv");
			rc = 66;
			goto done;
		}
	}
	th.file = files[0];
	te.file = files[1];
	tr.file = files[2];

	ssda903_read_header(&x, files[0], &th);
	ssda903_read_episodes(&x, files[1], &te);
	ssda903_periods(&x, &te);
	ssda903_read_reviews(&x, files[2], &tr);
	for (i = 0; i < x.nchildren; i++) {
		if (x.children[i].nperiods > 0)
			th.used++;
		else
			th.unused++;
		nperiods += x.children[i].nperiods;
		for (k = 0; k < x.children[i].nperiods; k++)
			nunknown += !x.children[i].periods[k].start_known;
		nreviews += x.children[i].nreviews;
	}
	if (x.fatal > 0) {
		fprintf(err, "%s\n", x.fatal_text);
		for (i = 0; i < x.nmsgs; i++)
			fprintf(err, "%s\n", x.msgs[i]);
		fprintf(err, "driftwatchctl: import ssda903: %d problem%s; nothing imported\n", x.fatal + x.nmsgs,
		    x.fatal + x.nmsgs == 1 ? "" : "s");
		rc = 65;
		goto done;
	}
	ssda903_tally_print(&summary, &th, "no episode of care in episodes.csv");
	ssda903_tally_print(&summary, &te, "");
	ssda903_tally_print(&summary, &tr, "");
	if (others != NULL)
		xappendf(&summary, "not read: %s (driftwatch needs header.csv, episodes.csv and reviews.csv only)\n", others);
	if (x.nmsgs > 0 && strict) {
		for (i = 0; i < x.nmsgs; i++)
			fprintf(err, "%s\n", x.msgs[i]);
		fprintf(err, "%s", summary);
		fprintf(err, "driftwatchctl: import ssda903: %d row%s contradict%s the rest (strict); nothing imported "
			     "(--no-strict imports the rest and skips these)\n", x.nmsgs, x.nmsgs == 1 ? "" : "s",
		    x.nmsgs == 1 ? "s" : "");
		rc = 65;
		goto done;
	}
	for (i = 0; i < x.nmsgs; i++)
		fprintf(err, "%s (row skipped)\n", x.msgs[i]);

	/* Everything checked: write it all in one transaction, or nothing. */
	if (store_begin(s, &cause) != 0)
		goto fail;
	for (i = 0; i < x.nchildren; i++) {
		struct ssda903_child *c = &x.children[i];
		if (c->nperiods == 0)
			continue;
		total++;
		if (reviews_replace_extract(s, c->child, c->periods, c->nperiods, c->reviews, c->nreviews, now, &changed,
			&cause) != 0)
			goto fail_rollback;
		if (changed > 0) {
			nchanged++;
			xasprintf(&detail, "%d period%s of care, %d review%s held (%d change%s)", c->nperiods,
			    c->nperiods == 1 ? "" : "s", c->nreviews, c->nreviews == 1 ? "" : "s", changed, changed == 1 ? "" : "s");
			if (audit_add(s, now, "ctl:import", "lac-extract", c->child, detail, &cause) != 0) {
				free(detail);
				goto fail_rollback;
			}
			free(detail);
		}
	}
	xappendf(&summary, "%d children, %d periods of care (%d began before the extract), %d reviews held; %d children changed",
	    total, nperiods, nunknown, nreviews, nchanged);
	if (store_import_log(s, now, "ssda903", files[1], summary, &cause) != 0 ||
	    audit_add(s, now, "ctl:import", "ssda903-imported", "reviews", summary, &cause) != 0 || store_commit(s, &cause) != 0)
		goto fail_rollback;
	fprintf(out, "%s\n", summary);
	goto done;

fail_rollback:
	store_rollback(s);
fail:
	fprintf(err, "driftwatchctl: import ssda903: %s; nothing imported\n", cause != NULL ? cause : "failed");
	free(cause);
	rc = 1;
done:
	for (i = 0; i < x.nchildren; i++) {
		free(x.children[i].child);
		free(x.children[i].periods);
		free(x.children[i].period_lines);
		free(x.children[i].reviews);
	}
	free(x.children);
	for (i = 0; i < x.nepisodes; i++)
		free(x.episodes[i].child);
	free(x.episodes);
	for (i = 0; i < x.nreviews; i++)
		free(x.reviews[i].child);
	free(x.reviews);
	for (i = 0; i < x.nmsgs; i++)
		free(x.msgs[i]);
	free(x.msgs);
	free(x.fatal_text);
	for (k = 0; k < 3; k++)
		free(files[k]);
	free(others);
	free(summary);
	return rc;
}
