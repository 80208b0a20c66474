/*
 * notice_render.c: one spec, every transport's rendering, one look for every mail. The HTML is
 * tables with inline styles and bgcolor attributes only (Outlook desktop drops <style> blocks and
 * most CSS), every record text escaped on its way in, and no remote images. Links are buttons
 * Outlook draws: a table cell with a bgcolor holding an <a> styled inline.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "notice.h"
#include "render.h"
#include "xmalloc.h"

#define NOTICE_BRAND "Children's services timescales"
#define NOTICE_COLOUR "#1d4f91"
#define NOTICE_COLOUR_URGENT "#b42318"
#define NOTICE_FONT "font-family:Arial,Helvetica,sans-serif"

/* See notice.h. */
const char notice_text_footer[] =
    "-- \ndriftwatch \xe2\x80\x94 automatic notice; children are named by case reference only.\n";

static const char notice_html_footer[] =
    "</td></tr>\n"
    "<tr><td style=\"padding:12px 24px 16px 24px;border-top:1px solid #e4e7eb;color:#616e7c;font-size:12px;" NOTICE_FONT
    "\">driftwatch &#8212; automatic notice; children are named by case reference only.</td></tr>\n"
    "</table>\n</td></tr></table>\n</body></html>\n";

/* Append text escaped for HTML (newlines as breaks when breaks). */
static void
notice_esc(char **buf, const char *s, int breaks)
{
	char *e = render_html_escape(s, strlen(s), breaks);

	xappend(buf, e);
	free(e);
}

/* See notice.h. */
char *
notice_html_open(const char *title, const char *heading, bool urgent)
{
	char *h = NULL;

	xappend(&h, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	notice_esc(&h, title, 0);
	xappends(&h,
	    "</title></head>\n<body style=\"margin:0;padding:0;background-color:#f3f4f6\">\n"
	    "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
	    "bgcolor=\"#f3f4f6\"><tr><td align=\"center\" style=\"padding:16px 8px\">\n"
	    "<table role=\"presentation\" width=\"680\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" bgcolor=\"#ffffff\" "
	    "style=\"width:680px;max-width:100%;border:1px solid #d0d4d9;" NOTICE_FONT
	    ";font-size:15px;line-height:1.45;color:#1f2933\">\n"
	    "<tr><td bgcolor=\"",
	    urgent ? NOTICE_COLOUR_URGENT : NOTICE_COLOUR,
	    "\" style=\"padding:10px 24px;color:#ffffff;font-size:13px;font-weight:bold;" NOTICE_FONT
	    "\">" NOTICE_BRAND,
	    urgent ? " &#8212; needs action now" : "", "</td></tr>\n", (char *)NULL);
	if (heading != NULL) {
		xappend(&h,
		    "<tr><td style=\"padding:20px 24px 4px 24px\"><h1 style=\"margin:0;font-size:20px;"
		    "line-height:1.3;color:#102a43;" NOTICE_FONT "\">");
		notice_esc(&h, heading, 0);
		xappend(&h, "</h1></td></tr>\n");
	}
	xappend(&h, "<tr><td style=\"padding:12px 24px 8px 24px\">\n");
	return h;
}

/* See notice.h. */
const char *
notice_html_close(void)
{
	return notice_html_footer;
}

/* Is the notice one that asks for action now (the header band says so)? */
static bool
notice_urgent_look(const struct notice_spec *n)
{
	return n->urgent || (n->kind != NULL && strcmp(n->kind, "escalation") == 0);
}

/* The text body. */
static char *
notice_text(const struct notice_spec *n, const struct notice_links *l)
{
	char *t = NULL;
	int i;

	if (n->heading != NULL)
		xappends(&t, n->heading, "\n\n", (char *)NULL);
	for (i = 0; i < NOTICE_PARAS_MAX; i++) {
		if (n->paras[i] != NULL)
			xappends(&t, n->paras[i], "\n\n", (char *)NULL);
	}
	for (i = 0; i < n->nfacts; i++)
		xappends(&t, n->facts[i].label, ": ", n->facts[i].value, "\n", (char *)NULL);
	if (n->nfacts > 0)
		xappend(&t, "\n");
	if (n->after != NULL)
		xappends(&t, n->after, "\n\n", (char *)NULL);
	notice_text_links(&t, l);
	xappend(&t, notice_text_footer);
	return t;
}

/* See notice.h. */
void
notice_text_links(char **t, const struct notice_links *l)
{
	int i;

	for (i = 0; i < l->n; i++)
		xappends(t, l->v[i].label, ": ", l->v[i].url, "\n", (char *)NULL);
	if (l->n == 0 && l->instead != NULL)
		xappends(t, l->instead, "\n", (char *)NULL);
	if (l->feed_url != NULL)
		xappends(t, "Subscribe your calendar: ", l->feed_url, "\n", (char *)NULL);
	if (l->n > 0 || l->instead != NULL || l->feed_url != NULL)
		xappend(t, "\n");
}

/* See notice.h. */
void
notice_html_links(char **h, const struct notice_links *l)
{
	int i;

	if (l->n > 0) {
		xappend(h,
		    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" "
		    "style=\"margin:8px 0 12px 0\"><tr>\n");
		for (i = 0; i < l->n; i++) {
			if (i > 0)
				xappend(h, "<td width=\"8\" style=\"width:8px\">&nbsp;</td>\n");
			xappend(h, "<td bgcolor=\"" NOTICE_COLOUR "\" style=\"border-radius:4px\"><a href=\"");
			notice_esc(h, l->v[i].url, 0);
			xappend(h,
			    "\" style=\"display:inline-block;padding:10px 16px;color:#ffffff;text-decoration:none;"
			    "font-weight:bold;font-size:14px;" NOTICE_FONT "\">");
			notice_esc(h, l->v[i].label, 0);
			xappend(h, "</a></td>\n");
		}
		xappend(h, "</tr></table>\n");
	} else if (l->instead != NULL) {
		xappend(h, "<p style=\"margin:0 0 12px 0;color:#52606d\">");
		notice_esc(h, l->instead, 0);
		xappend(h, "</p>\n");
	}
	if (l->feed_url != NULL) {
		/* The URL is long and unbreakable: it is the link, not the text, so the page keeps its width. */
		xappend(h, "<p style=\"margin:0 0 12px 0;font-size:13px\">Subscribe your calendar: copy <a href=\"");
		notice_esc(h, l->feed_url, 0);
		xappend(h,
		    "\" style=\"color:" NOTICE_COLOUR "\">this link to your deadlines</a> into Outlook "
		    "(Add calendar, Subscribe from web) or Google Calendar (Other calendars, From URL).</p>\n");
	}
}

/* The HTML body. */
static char *
notice_html(const struct notice_spec *n, const struct notice_links *l)
{
	char *h = notice_html_open(n->subject, n->heading, notice_urgent_look(n));
	int i;

	for (i = 0; i < NOTICE_PARAS_MAX; i++) {
		if (n->paras[i] == NULL)
			continue;
		xappend(&h, "<p style=\"margin:0 0 12px 0\">");
		notice_esc(&h, n->paras[i], 1);
		xappend(&h, "</p>\n");
	}
	if (n->nfacts > 0) {
		xappend(&h,
		    "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" width=\"100%\" "
		    "style=\"margin:4px 0 16px 0;border-collapse:collapse;font-size:14px\">\n");
		for (i = 0; i < n->nfacts; i++) {
			xappend(&h,
			    "<tr><td valign=\"top\" width=\"170\" style=\"width:170px;padding:6px 12px 6px 0;"
			    "border-top:1px solid #e4e7eb;color:#52606d\">");
			notice_esc(&h, n->facts[i].label, 0);
			xappend(&h,
			    "</td><td valign=\"top\" style=\"padding:6px 0;border-top:1px solid #e4e7eb;"
			    "font-weight:bold\">");
			notice_esc(&h, n->facts[i].value, 1);
			xappend(&h, "</td></tr>\n");
		}
		xappend(&h, "</table>\n");
	}
	if (n->after_html != NULL)
		xappends(&h, n->after_html, "\n", (char *)NULL);
	else if (n->after != NULL) {
		xappend(&h, "<p style=\"margin:0 0 12px 0;font-size:13px;color:#334e68\">");
		notice_esc(&h, n->after, 1);
		xappend(&h, "</p>\n");
	}
	notice_html_links(&h, l);
	xappend(&h, notice_html_footer);
	return h;
}

/* A TextBlock; text that is not UTF-8 (or none) is a block that says so, as jansson refused it. */
static void
notice_card_text(struct jsonw *b, const char *text, bool bold, bool subtle)
{
	size_t at;

	jsonw_sep(b);
	at = b->len;
	JSONW_LIT(b, "{\"type\":\"TextBlock\"");
	if (text == NULL || jsonw_member(b, "text", text) != 0) {
		jsonw_truncate(b, at);
		JSONW_LIT(b, "{\"type\":\"TextBlock\",\"text\":\"(not valid UTF-8)\"}");
		return;
	}
	JSONW_LIT(b, ",\"wrap\":true");
	if (bold)
		JSONW_LIT(b, ",\"weight\":\"Bolder\",\"size\":\"Medium\"");
	if (subtle)
		JSONW_LIT(b, ",\"isSubtle\":true,\"size\":\"Small\"");
	JSONW_LIT(b, "}");
}

/*
 * An object of string members (names[i]: values[i]), left out whole when a value is not UTF-8 or
 * missing (a fact, a link or an action jansson would not have packed).
 */
static void
notice_card_object(struct jsonw *b, const char *const *names, const char *const *values, int n)
{
	size_t at = b->len;
	int i;

	jsonw_sep(b);
	JSONW_LIT(b, "{");
	for (i = 0; i < n; i++) {
		if (values[i] == NULL || jsonw_member(b, names[i], values[i]) != 0) {
			jsonw_truncate(b, at);
			return;
		}
	}
	JSONW_LIT(b, "}");
}

/* The Adaptive Card, written as jansson's compact dump wrote the tree it was built from. */
static void
notice_card(struct jsonw *b, const struct notice_spec *n, const struct notice_links *l)
{
	static const char *const fact[] = { "title", "value" }, *const action[] = { "type", "title", "url" };
	char *line;
	int i;

	JSONW_LIT(b,
	    "{\"$schema\":\"http://adaptivecards.io/schemas/adaptive-card.json\",\"type\":\"AdaptiveCard\","
	    "\"version\":\"1.4\",\"body\":[");
	notice_card_text(b, n->heading != NULL ? n->heading : n->subject, true, false);
	for (i = 0; i < NOTICE_PARAS_MAX; i++) {
		if (n->paras[i] != NULL)
			notice_card_text(b, n->paras[i], false, false);
	}
	if (n->nfacts > 0) {
		jsonw_sep(b);
		JSONW_LIT(b, "{\"type\":\"FactSet\",\"facts\":[");
		for (i = 0; i < n->nfacts; i++)
			notice_card_object(b, fact, (const char *const[]){ n->facts[i].label, n->facts[i].value }, 2);
		JSONW_LIT(b, "]}");
	}
	if (n->after != NULL)
		notice_card_text(b, n->after, false, true);
	if (l->n == 0 && l->instead != NULL)
		notice_card_text(b, l->instead, false, false);
	if (l->feed_url != NULL) {
		xasprintf(&line, "Subscribe your calendar: %s", l->feed_url);
		notice_card_text(b, line, false, false);
		free(line);
	}
	notice_card_text(
	    b, "driftwatch \xe2\x80\x94 automatic notice; children are named by case reference only.", false, true);
	JSONW_LIT(b, "]");
	if (l->n > 0) {
		JSONW_LIT(b, ",\"actions\":[");
		for (i = 0; i < l->n; i++)
			notice_card_object(
			    b, action, (const char *const[]){ "Action.OpenUrl", l->v[i].label, l->v[i].url }, 3);
		JSONW_LIT(b, "]");
	}
	JSONW_LIT(b, "}");
}

/* See notice.h. */
char *
notice_render_card(const struct notice_spec *n, const struct notice_links *l)
{
	struct jsonw b = { 0 };

	notice_card(&b, n, l);
	return b.p;
}

/* The webhook payload: the links, and the Teams card the teams format posts. */
static char *
notice_payload(const struct notice_spec *n, const struct notice_links *l)
{
	static const char *const link[] = { "label", "url" };
	struct jsonw b = { 0 };
	size_t at;
	int i;

	JSONW_LIT(&b, "{\"links\":[");
	for (i = 0; i < l->n; i++)
		notice_card_object(&b, link, (const char *const[]){ l->v[i].label, l->v[i].url }, 2);
	JSONW_LIT(&b, "]");
	if (l->feed_url != NULL) {
		at = b.len;
		if (jsonw_member(&b, "feed_url", l->feed_url) != 0)
			jsonw_truncate(&b, at);
	}
	JSONW_LIT(&b, ",\"card\":");
	notice_card(&b, n, l);
	JSONW_LIT(&b, "}");
	return b.p;
}

/* The batch line in text and HTML, each link after it (a batched message carries every item's). */
static void
notice_batch(const struct notice_spec *n, const struct notice_links *l, int parts, struct notice_rendered *out)
{
	int i;

	out->batch_text = xstrdup(n->batch);
	for (i = 0; i < l->n; i++)
		xappends(&out->batch_text, "\n   ", l->v[i].label, ": ", l->v[i].url, (char *)NULL);
	if (!(parts & NOTICE_PART_HTML))
		return;
	out->batch_html = render_html_escape(n->batch, strlen(n->batch), 1);
	for (i = 0; i < l->n; i++) {
		xappends(&out->batch_html, i == 0 ? "<br>\n" : " &#183; ", "<a href=\"", (char *)NULL);
		notice_esc(&out->batch_html, l->v[i].url, 0);
		xappend(&out->batch_html, "\" style=\"color:" NOTICE_COLOUR ";font-weight:bold\">");
		notice_esc(&out->batch_html, l->v[i].label, 0);
		xappend(&out->batch_html, "</a>");
	}
}

/* See notice.h. */
void
notice_render_parts(const struct notice_spec *n, const struct notice_links *l, int parts, struct notice_rendered *out)
{
	memset(out, 0, sizeof *out);
	out->text = notice_text(n, l);
	if (parts & NOTICE_PART_HTML)
		out->html = notice_html(n, l);
	if (parts & NOTICE_PART_PAYLOAD)
		out->payload = notice_payload(n, l);
	if (n->batch != NULL)
		notice_batch(n, l, parts, out);
}

/* See notice.h. */
void
notice_render(const struct notice_spec *n, const struct notice_links *l, struct notice_rendered *out)
{
	notice_render_parts(n, l, NOTICE_PARTS_ALL, out);
}

/* See notice.h. */
void
notice_rendered_free(struct notice_rendered *r)
{
	free(r->text), free(r->html), free(r->batch_text), free(r->batch_html), free(r->payload);
	memset(r, 0, sizeof *r);
}
