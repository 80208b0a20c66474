/*
 * digest_render.c: a built digest as people and programs read it: plain text, HTML made of tables
 * only (bars are coloured cells: no images, scripts or external resources, so it reads the same in
 * Outlook and on a phone), a CSV of every figure for the attachment, and a short summary and JSON
 * payload for webhooks. Each figure stands beside last month's and its target with a word for
 * better or worse.
 */
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "digest.h"
#include "digest_int.h"
#include "notice.h"
#include "render.h"
#include "xmalloc.h"

/* A date as date_format writes it, "YYYY-MM-DD", with its NUL. */
#define DIGEST_DATE_SIZE sizeof "YYYY-MM-DD"
/* The RAG bar's parts: red, amber, green, blue (complete), no timescale. */
#define DIGEST_RAG_PARTS 5

static const char *const digest_month_names[] = { "January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December" };

/* The heading of an area. */
static const char *
digest_area_title(const char *area)
{
	if (strcmp(area, "actions") == 0)
		return "Action plans";
	if (strcmp(area, "disputes") == 0)
		return "IRO disputes";
	if (strcmp(area, "reviews") == 0)
		return "Reviews and permanence";
	if (strcmp(area, "asye") == 0)
		return "ASYE and caseloads";
	if (strcmp(area, "delivery") == 0)
		return "What driftwatch did";
	return area;
}

/* "February 2021". */
static void
digest_month_label(int year, int month, char *buf, size_t len)
{
	snprintf(buf, len, "%s %d", digest_month_names[month - 1], year);
}

/* The month before the digest's, as a label. */
static void
digest_previous_label(const struct digest *d, char *buf, size_t len)
{
	int y = d->month == 1 ? d->year - 1 : d->year, m = d->month == 1 ? 12 : d->month - 1;

	digest_month_label(y, m, buf, len);
}

/* Is the digest's month not over (figures as at a day before its end)? The day into buf (DIGEST_DATE_SIZE bytes). */
static int
digest_month_to_date(const struct digest *d, char *buf, size_t len)
{
	int y, m, dd;

	if (len < DIGEST_DATE_SIZE || d->as_at == 0)
		return 0;
	date_to_ymd(d->as_at + 1, &y, &m, &dd);
	if (dd == 1)
		return 0;
	date_format(d->as_at, buf);
	return 1;
}

/* See digest.h. */
char *
digest_subject(const struct digest *d)
{
	char month[32], *s;

	digest_month_label(d->year, d->month, month, sizeof month);
	xasprintf(&s, "Children's services timescales \xe2\x80\x94 %s", month);
	return s;
}

/* See digest.h. */
char *
digest_csv_filename(const struct digest *d)
{
	char *s;

	xasprintf(&s, "digest-%04d-%02d.csv", d->year, d->month);
	return s;
}

/* A number as the CSV and the text both show it: whole numbers bare, others to one place; "" for NaN. */
static void
digest_number(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "%s", "");
	else if (fabs(v - round(v)) < 1e-9)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.1f", v);
}

/* A value with its unit for people: "82%", "12 wd", "3", or "no data". */
static void
digest_value(double v, const char *unit, char *buf, size_t len)
{
	char n[24];

	if (isnan(v)) {
		snprintf(buf, len, "no data");
		return;
	}
	digest_number(v, n, sizeof n);
	if (strcmp(unit, "%") == 0)
		snprintf(buf, len, "%s%%", n);
	else if (*unit != '\0')
		snprintf(buf, len, "%s %s", n, unit);
	else
		snprintf(buf, len, "%s", n);
}

enum digest_change {
	CHANGE_NONE, /* nothing to compare */
	CHANGE_SAME,
	CHANGE_BETTER,
	CHANGE_WORSE,
	CHANGE_UP, /* neutral figures: only the direction */
	CHANGE_DOWN,
};

/* How a figure moved since last month. */
static enum digest_change
digest_change(const struct digest_figure *f)
{
	if (isnan(f->value) || isnan(f->previous))
		return CHANGE_NONE;
	if (fabs(f->value - f->previous) < 1e-9)
		return CHANGE_SAME;
	switch (f->better) {
	case DIGEST_HIGHER_BETTER:
		return f->value > f->previous ? CHANGE_BETTER : CHANGE_WORSE;
	case DIGEST_LOWER_BETTER:
		return f->value < f->previous ? CHANGE_BETTER : CHANGE_WORSE;
	case DIGEST_NEUTRAL:
		break;
	}
	return f->value > f->previous ? CHANGE_UP : CHANGE_DOWN;
}

/* The change as an arrow for the direction the figure moved and a word for whether that is good. */
static const char *
digest_change_word(const struct digest_figure *f, int html)
{
	enum digest_change c = digest_change(f);
	int up = !isnan(f->value) && !isnan(f->previous) && f->value > f->previous;

	switch (c) {
	case CHANGE_NONE:
		return html ? "&ndash;" : "-";
	case CHANGE_SAME:
		return html ? "&#9654; same" : "\xe2\x86\x92 same";
	case CHANGE_BETTER:
		if (html)
			return up ? "&#9650; better" : "&#9660; better";
		return up ? "\xe2\x86\x91 better" : "\xe2\x86\x93 better";
	case CHANGE_WORSE:
		if (html)
			return up ? "&#9650; worse" : "&#9660; worse";
		return up ? "\xe2\x86\x91 worse" : "\xe2\x86\x93 worse";
	case CHANGE_UP:
		return html ? "&#9650; up" : "\xe2\x86\x91 up";
	case CHANGE_DOWN:
		return html ? "&#9660; down" : "\xe2\x86\x93 down";
	}
	return "";
}

/*
 * Is the figure on target? 1 met, 0 not, -1 unknown. Targets: ">80", ">=80", "<=20", "<5", a bare
 * number (the best to reach: at least it when higher is better, at most it when lower is better),
 * "falling" or "rising" (against last month).
 */
static int
digest_on_target(const struct digest_figure *f)
{
	const char *t = f->target;
	double n;

	if (t == NULL || isnan(f->value))
		return -1;
	if (strcmp(t, "falling") == 0 || strcmp(t, "rising") == 0) {
		if (isnan(f->previous))
			return -1;
		return t[0] == 'f' ? f->value < f->previous || (f->value == 0 && f->previous == 0) :
				     f->value > f->previous;
	}
	if (strncmp(t, ">=", 2) == 0 && sscanf(t + 2, "%lf", &n) == 1)
		return f->value >= n;
	if (strncmp(t, "<=", 2) == 0 && sscanf(t + 2, "%lf", &n) == 1)
		return f->value <= n;
	if (t[0] == '>' && sscanf(t + 1, "%lf", &n) == 1)
		return f->value > n;
	if (t[0] == '<' && sscanf(t + 1, "%lf", &n) == 1)
		return f->value < n;
	if (sscanf(t, "%lf", &n) == 1)
		return f->better == DIGEST_LOWER_BETTER ? f->value <= n : f->value >= n;
	return -1;
}

/* The target for people: ">80%", "0", "falling". */
static void
digest_target_label(const struct digest_figure *f, char *buf, size_t len)
{
	if (f->target == NULL)
		snprintf(buf, len, "%s", "");
	else if (strcmp(f->target, "falling") == 0 || strcmp(f->target, "rising") == 0)
		snprintf(buf, len, "%s", f->target);
	else
		snprintf(buf, len, "%s%s%s", f->target,
		    strcmp(f->unit, "%") == 0 ? "%" :
			*f->unit	      ? " " :
						"",
		    strcmp(f->unit, "%") == 0 ? "" : f->unit);
}

/* One area as text: its heading underlined, a line per figure, then its lists. */
static void
digest_text_area(char **out, const struct digest *d, const char *area)
{
	char v[32], p[32], t[32];
	const char *last_list = NULL;
	int k, met;

	xappendf(out, "\n%s\n", digest_area_title(area));
	for (k = 0; k < (int)strlen(digest_area_title(area)); k++)
		xappendf(out, "=");
	xappendf(out, "\n");
	for (k = 0; k < d->nfigures; k++) {
		const struct digest_figure *f = &d->figures[k];
		if (strcmp(f->area, area) != 0)
			continue;
		digest_value(f->value, f->unit, v, sizeof v);
		digest_value(f->previous, f->unit, p, sizeof p);
		digest_target_label(f, t, sizeof t);
		met = digest_on_target(f);
		xappendf(out, "- %s: %s (last month %s; %s%s%s) %s\n", f->name, v, p,
		    *t != '\0' ? "target " : "no target", t,
		    met == 1	 ? ", met" :
			met == 0 ? ", not met" :
				   "",
		    digest_change_word(f, 0));
	}
	for (k = 0; k < d->nitems; k++) {
		const struct digest_item *it = &d->items[k];
		if (strcmp(it->area, area) != 0)
			continue;
		if (last_list == NULL || strcmp(last_list, it->list) != 0) {
			xappendf(out, "\n%s (%d):\n", it->list, digest_list_count(d, area, it->list));
			last_list = it->list;
		}
		xappendf(out, "    %s\n", it->line);
	}
}

/* See digest.h. */
char *
digest_text(const struct digest *d, const struct notice_links *links)
{
	char month[32], prev[32], asat[DIGEST_DATE_SIZE], *out = NULL, *subject = digest_subject(d);
	int i;

	digest_month_label(d->year, d->month, month, sizeof month);
	digest_previous_label(d, prev, sizeof prev);
	xappendf(&out, "%s\n\n", subject);
	if (digest_month_to_date(d, asat, sizeof asat))
		xappendf(&out, "%s is not over: each figure is as at %s, month to date, beside %s's and its target.\n",
		    month, asat, prev);
	else
		xappendf(&out, "Each figure is as at the end of %s, beside %s's and its target.\n", month, prev);
	xappendf(&out, "Children are named by case reference only.\n");
	for (i = 0; i < d->nsections; i++)
		digest_text_area(&out, d, d->sections[i]);
	xappendf(&out,
	    "\nEvery figure is also in the attached CSV (month, area, figure, value, previous, target).\n"
	    "Sent on the first working day of the month.\n\n");
	if (links != NULL)
		notice_text_links(&out, links);
	xappendf(&out, "%s", notice_text_footer);
	free(subject);
	return out;
}

/* Append s to *out escaped for HTML. */
static void
digest_html_escape(char **out, const char *s)
{
	char *e = render_html_escape(s, strlen(s), 0);

	xappendf(out, "%s", e);
	free(e);
}

/* A bar: a table of coloured cells, widths in percent (Outlook honours td width, not CSS). */
static void
digest_html_bar(char **out, const double *shares, const char *const *colours, int n)
{
	int i, w, used = 0;

	xappendf(out,
	    "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
	    "style=\"border-collapse:collapse;\"><tr>");
	for (i = 0; i < n; i++) {
		w = (int)lround(shares[i]);
		if (w <= 0)
			continue;
		if (used + w > 100)
			w = 100 - used;
		used += w;
		xappendf(out,
		    "<td width=\"%d%%\" height=\"10\" bgcolor=\"%s\" style=\"background:%s;height:10px;"
		    "font-size:1px;line-height:1px;\">&nbsp;</td>",
		    w, colours[i], colours[i]);
	}
	if (used < 100)
		xappendf(out,
		    "<td width=\"%d%%\" height=\"10\" bgcolor=\"#e6e6e6\" style=\"background:#e6e6e6;"
		    "height:10px;font-size:1px;line-height:1px;\">&nbsp;</td>",
		    100 - used);
	xappendf(out, "</tr></table>");
}

/* The RAG split of the action plans as one stacked bar. */
static void
digest_html_rag(char **out, const struct digest *d)
{
	static const char *const names[DIGEST_RAG_PARTS] = { "Red actions", "Amber actions", "Green actions",
		"Blue (complete) actions", "Actions with no timescale" };
	static const char *const colours[DIGEST_RAG_PARTS] = { "#c0392b", "#e67e22", "#27ae60", "#2471a3", "#7f8c8d" };
	double v[DIGEST_RAG_PARTS], total = 0;
	int i;

	for (i = 0; i < DIGEST_RAG_PARTS; i++) {
		if (digest_figure_value(d, "actions", names[i], &v[i]) != 0 || isnan(v[i]))
			v[i] = 0;
		total += v[i];
	}
	if (total <= 0)
		return;
	for (i = 0; i < DIGEST_RAG_PARTS; i++)
		v[i] = 100.0 * v[i] / total;
	xappendf(out,
	    "<p style=\"margin:8px 0 2px 0;font-size:13px;\">All actions by RAG: "
	    "<span style=\"color:#c0392b;\">red</span>, <span style=\"color:#e67e22;\">amber</span>, "
	    "<span style=\"color:#27ae60;\">green</span>, <span style=\"color:#2471a3;\">blue "
	    "(complete)</span>, "
	    "<span style=\"color:#7f8c8d;\">no timescale</span></p>");
	digest_html_bar(out, v, colours, DIGEST_RAG_PARTS);
}

/* The page up to the first area: title, heading and what the figures are as at. */
static void
digest_html_head(char **out, const struct digest *d, const char *subject, const char *month, const char *prev)
{
	char asat[DIGEST_DATE_SIZE], *open = notice_html_open(subject, subject, false);

	/* The one look every notice has (notice_render.c), the digest's own tables inside it. */
	xappendf(out, "%s", open);
	free(open);
	xappendf(out, "<p style=\"font-size:14px;margin:0 0 12px 0;\">");
	if (digest_month_to_date(d, asat, sizeof asat))
		xappendf(out, "%s is not over: each figure is as at %s, month to date, ", month, asat);
	else
		xappendf(out, "Each figure is as at the end of %s, ", month);
	xappendf(out, "beside %s&#39;s and its target. Children are named by case reference only.</p>\n", prev);
}

/* One figure's row: this month, last month, the target (green met, red not) and the change. */
static void
digest_html_figure(char **out, const struct digest_figure *f)
{
	static const char *const this_colour[] = { "#2471a3" };
	static const char *const last_colour[] = { "#a9cce3" };
	char v[32], p[32], t[32];
	enum digest_change c = digest_change(f);
	const char *colour = c == CHANGE_BETTER ? "#1e8449" : c == CHANGE_WORSE ? "#c0392b" : "#555555";
	int met = digest_on_target(f);
	double share;

	digest_value(f->value, f->unit, v, sizeof v);
	digest_value(f->previous, f->unit, p, sizeof p);
	digest_target_label(f, t, sizeof t);
	xappendf(out, "<tr style=\"border-top:1px solid #dddddd;\"><td>");
	digest_html_escape(out, f->name);
	xappendf(out, "</td><td align=\"right\"><b>");
	digest_html_escape(out, v);
	xappendf(out, "</b></td><td align=\"right\">");
	digest_html_escape(out, p);
	xappendf(out, "</td><td align=\"right\"%s>",
	    met == 1	 ? " style=\"color:#1e8449;\"" :
		met == 0 ? " style=\"color:#c0392b;\"" :
			   "");
	digest_html_escape(out, *t != '\0' ? t : "none");
	xappendf(out, "%s</td><td style=\"color:%s;\">%s</td></tr>\n",
	    met == 1	 ? " (met)" :
		met == 0 ? " (not met)" :
			   "",
	    colour, digest_change_word(f, 1));
	/* Percentages get a bar for this month over one for last month. */
	if (strcmp(f->unit, "%") == 0 && !isnan(f->value)) {
		xappendf(out, "<tr><td colspan=\"5\" style=\"padding:0 4px 6px 4px;\">");
		share = f->value;
		digest_html_bar(out, &share, this_colour, 1);
		if (!isnan(f->previous)) {
			share = f->previous;
			digest_html_bar(out, &share, last_colour, 1);
		}
		xappendf(out, "</td></tr>\n");
	}
}

/* An area's figures as one table, headed by the two months. */
static void
digest_html_figures(char **out, const struct digest *d, const char *area, const char *month, const char *prev)
{
	int k;

	xappendf(out,
	    "<table width=\"100%%\" cellpadding=\"4\" cellspacing=\"0\" "
	    "style=\"border-collapse:collapse;font-size:14px;\">\n"
	    "<tr style=\"background:#f2f2f2;\"><th align=\"left\">Figure</th><th "
	    "align=\"right\">%s</th>"
	    "<th align=\"right\">%s</th><th align=\"right\">Target</th><th "
	    "align=\"left\">Change</th></tr>\n",
	    month, prev);
	for (k = 0; k < d->nfigures; k++) {
		if (strcmp(d->figures[k].area, area) == 0)
			digest_html_figure(out, &d->figures[k]);
	}
	xappendf(out, "</table>\n");
}

/* An area's lists (overdue actions ...), each a heading with its count over a table of lines. */
static void
digest_html_lists(char **out, const struct digest *d, const char *area)
{
	const char *last_list = NULL;
	int k;

	for (k = 0; k < d->nitems; k++) {
		const struct digest_item *it = &d->items[k];
		if (strcmp(it->area, area) != 0)
			continue;
		if (last_list == NULL || strcmp(last_list, it->list) != 0) {
			if (last_list != NULL)
				xappendf(out, "</table>\n");
			xappendf(out, "<p style=\"font-size:14px;margin:10px 0 2px 0;\"><b>");
			digest_html_escape(out, it->list);
			xappendf(out,
			    "</b> (%d)</p>\n<table width=\"100%%\" cellpadding=\"2\" "
			    "cellspacing=\"0\" "
			    "style=\"font-size:13px;font-family:Consolas,Menlo,monospace;\">\n",
			    digest_list_count(d, area, it->list));
			last_list = it->list;
		}
		xappendf(out, "<tr><td>");
		digest_html_escape(out, it->line);
		xappendf(out, "</td></tr>\n");
	}
	if (last_list != NULL)
		xappendf(out, "</table>\n");
}

/* See digest.h. */
char *
digest_html(const struct digest *d, const struct notice_links *links)
{
	char month[32], prev[32], *out = NULL, *subject = digest_subject(d);
	int i;

	digest_month_label(d->year, d->month, month, sizeof month);
	digest_previous_label(d, prev, sizeof prev);
	digest_html_head(&out, d, subject, month, prev);
	for (i = 0; i < d->nsections; i++) {
		const char *area = d->sections[i];

		xappendf(&out, "<h2 style=\"font-size:17px;margin:18px 0 6px 0;border-bottom:2px solid #2471a3;\">");
		digest_html_escape(&out, digest_area_title(area));
		xappendf(&out, "</h2>\n");
		if (strcmp(area, "actions") == 0)
			digest_html_rag(&out, d);
		digest_html_figures(&out, d, area, month, prev);
		digest_html_lists(&out, d, area);
	}
	xappendf(&out,
	    "<p style=\"font-size:12px;color:#555555;margin:18px 0 0 0;\">Every figure is also in the "
	    "attached CSV. Sent on the first working day of the month.</p>\n");
	if (links != NULL)
		notice_html_links(&out, links);
	xappendf(&out, "%s", notice_html_close());
	free(subject);
	return out;
}

/* Append one CSV field, quoted when it needs to be. */
static void
digest_csv_field(char **out, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n") != NULL) {
		xappendf(out, "\"");
		for (; *s != '\0'; s++)
			xappendf(out, *s == '"' ? "\"\"" : "%c", *s);
		xappendf(out, "\"");
	} else
		xappendf(out, "%s", s);
	xappendf(out, last ? "\r\n" : ",");
}

/* See digest.h. */
char *
digest_csv(const struct digest *d)
{
	char month[8], v[32], p[32], t[32], *out = NULL;
	int i, k;

	snprintf(month, sizeof month, "%04d-%02d", d->year, d->month);
	xappendf(&out, "month,area,figure,value,previous,target\r\n");
	for (i = 0; i < d->nsections; i++) {
		for (k = 0; k < d->nfigures; k++) {
			const struct digest_figure *f = &d->figures[k];
			if (strcmp(f->area, d->sections[i]) != 0)
				continue;
			digest_number(f->value, v, sizeof v);
			digest_number(f->previous, p, sizeof p);
			digest_target_label(f, t, sizeof t);
			digest_csv_field(&out, month, 0);
			digest_csv_field(&out, f->area, 0);
			digest_csv_field(&out, f->name, 0);
			digest_csv_field(&out, v, 0);
			digest_csv_field(&out, p, 0);
			digest_csv_field(&out, t, 1);
		}
	}
	return out;
}

/* See digest.h. */
char *
digest_summary(const struct digest *d)
{
	char v[32], p[32], t[32], *out = NULL, *subject = digest_subject(d);
	int k;

	xappendf(&out, "%s\n", subject);
	for (k = 0; k < d->nfigures; k++) {
		const struct digest_figure *f = &d->figures[k];
		if (f->target == NULL)
			continue;
		digest_value(f->value, f->unit, v, sizeof v);
		digest_value(f->previous, f->unit, p, sizeof p);
		digest_target_label(f, t, sizeof t);
		xappendf(&out, "- %s: %s (last month %s; target %s) %s\n", f->name, v, p, t, digest_change_word(f, 0));
	}
	xappendf(&out, "The full digest with every figure goes by email.\n");
	free(subject);
	return out;
}

/* A number for JSON: null when NaN. */
static json_t *
digest_json_number(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* See digest.h. */
char *
digest_payload(const struct digest *d)
{
	static const char *const change_names[] = { "none", "same", "better", "worse", "up", "down" };
	json_t *doc = json_object(), *figures = json_array(), *f;
	char month[8], *subject = digest_subject(d), *s;
	int k;

	snprintf(month, sizeof month, "%04d-%02d", d->year, d->month);
	json_object_set_new(doc, "type", json_string("digest"));
	json_object_set_new(doc, "digest", json_string(d->name));
	json_object_set_new(doc, "month", json_string(month));
	json_object_set_new(doc, "title", json_string(subject));
	for (k = 0; k < d->nfigures; k++) {
		const struct digest_figure *fg = &d->figures[k];
		if (fg->target == NULL)
			continue;
		f = json_object();
		json_object_set_new(f, "area", json_string(fg->area));
		json_object_set_new(f, "figure", json_string(fg->name));
		json_object_set_new(f, "value", digest_json_number(fg->value));
		json_object_set_new(f, "previous", digest_json_number(fg->previous));
		json_object_set_new(f, "unit", json_string(fg->unit));
		json_object_set_new(f, "target", json_string(fg->target));
		json_object_set_new(f, "change", json_string(change_names[digest_change(fg)]));
		json_array_append_new(figures, f);
	}
	json_object_set_new(doc, "headline", figures);
	s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	free(subject);
	return s != NULL ? s : xstrdup("{}");
}
