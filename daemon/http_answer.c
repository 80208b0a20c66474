/*
 * http_answer.c: the answer pages, GET and POST /a/{token}. A GET only shows what the link will
 * record and a form (mail scanners such as Safe Links fetch every link before a person clicks, so
 * a GET changes nothing); the form's POST re-checks the token and acts through the operation of
 * answer.c, recording the token as used in the same transaction. Pages are small HTML without
 * JavaScript, readable on a phone, naming the case reference only. A refused link gets a plain
 * page saying why and what to do instead.
 */
#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "calendar.h"
#include "clock.h"
#include "disputes.h"
#include "http_int.h"
#include "log.h"
#include "render.h"
#include "token.h"
#include "xmalloc.h"

#define HTTP_ANSWER_STYLE \
	"body{font-family:system-ui,sans-serif;max-width:36em;margin:1em auto;padding:0 1em;line-height:1.45;" \
	"color:#0b0c0c}h1{font-size:1.4em}label{display:block;margin-top:1em;font-weight:bold}" \
	"input,textarea,button{font:inherit;width:100%;box-sizing:border-box;padding:.5em}" \
	"input[type=checkbox]{width:auto}button{margin-top:1.5em;background:#00703c;color:#fff;border:0;" \
	"padding:.8em}.error{border-left:5px solid #d4351c;padding-left:.8em}.muted{color:#505a5f}"

/* Append HTML-escaped text. */
static void
http_answer_esc(struct evbuffer *b, const char *text)
{
	char *e = render_html_escape(text, strlen(text), 0);

	evbuffer_add(b, e, strlen(e));
	free(e);
}

/* Send a page: its title and body (already HTML); headers that keep the token out of referrers,
 * caches, search engines and frames. */
static void
http_answer_page(struct http_call *call, int status, const char *title, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(call->req);
	struct evbuffer *page = evbuffer_new();
	size_t len;

	if (page == NULL)
		fatalx("http: evbuffer_new failed");
	evbuffer_add_printf(page,
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>");
	http_answer_esc(page, title);
	evbuffer_add_printf(page, " - driftwatch</title><style>%s</style></head>\n<body>\n<h1>", HTTP_ANSWER_STYLE);
	http_answer_esc(page, title);
	evbuffer_add_printf(page, "</h1>\n");
	evbuffer_add_buffer(page, body);
	evbuffer_add_printf(
	    page, "<p class=\"muted\">driftwatch, children's services timescales</p>\n</body></html>\n");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "X-Robots-Tag", "noindex");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
	len = evbuffer_get_length(page);
	http_reply(call, status, "text/html; charset=utf-8", (const char *)evbuffer_pullup(page, -1), len);
	evbuffer_free(page);
}

/* A page of one paragraph or two: why the link cannot be used and what to do instead. */
static void
http_answer_refuse(struct http_call *call, int status, const char *title, const char *why, const char *instead)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL)
		fatalx("http: evbuffer_new failed");
	evbuffer_add_printf(b, "<p class=\"error\">");
	http_answer_esc(b, why);
	evbuffer_add_printf(b, ".</p>\n<p>");
	http_answer_esc(b, instead);
	evbuffer_add_printf(b, "</p>\n");
	http_answer_page(call, status, title, b);
	evbuffer_free(b);
}

/* A refused token's page. */
static void
http_answer_bad_token(struct http_call *call, enum token_status st)
{
	static const char later[] = "Nothing has been recorded. Open the link in the latest email about it, or ask "
				    "your driftwatch administrator to record the answer for you.";
	const char *why = token_status_text(st);

	switch (st) {
	case TOKEN_MALFORMED:
		http_answer_refuse(call, 400, "This link is not complete", why,
		    "Nothing has been recorded. Open the link from the email itself rather than copying it, or ask "
		    "your driftwatch administrator.");
		break;
	case TOKEN_EXPIRED:
	case TOKEN_KEY_RETIRED:
		http_answer_refuse(call, 410, "This link has expired", why, later);
		break;
	case TOKEN_USED:
		http_answer_refuse(call, 409, "This link has already been used", why,
		    "Its answer was recorded the first time. If something has changed since, ask your driftwatch "
		    "administrator to record it.");
		break;
	case TOKEN_UNAVAILABLE:
		http_answer_refuse(call, 503, "Please try again", why,
		    "Nothing has been recorded. Try the link again in a few minutes.");
		break;
	case TOKEN_WRONG_PURPOSE:
		http_answer_refuse(call, 404, "This is not an answer link", why, later);
		break;
	case TOKEN_UNKNOWN_KEY:
	case TOKEN_BAD_SIGNATURE:
	case TOKEN_OK:
		http_answer_refuse(call, 403, "This link cannot be used", why, later);
		break;
	}
}

/* What the link is about, as the page says it: a case reference, an action, a person id. */
static char *
http_answer_subject(struct http_call *call, const struct token *t)
{
	struct dispute d;
	char *text;

	switch (t->domain) {
	case 'd':
		if (disputes_load(call->store, t->id, &d) != 0)
			xasprintf(&text, "dispute %lld", (long long)t->id);
		else {
			xasprintf(&text, "%s (dispute %lld)", d.case_ref, (long long)t->id);
			dispute_free(&d);
		}
		return text;
	case 'a':
		if (t->plan[0] != '\0')
			xasprintf(&text, "%s (%s)", t->ref, t->plan);
		else
			text = xstrdup(t->ref);
		return text;
	default:
		return xstrdup(strcmp(t->action, "not-mine") == 0 ? t->plan : t->ref);
	}
}

/* The confirmation page: what the link records, for whom, and its form (error: a refused try). */
static void
http_answer_form(
    struct http_call *call, const struct token *t, const struct answer_kind *k, int status, const char *error)
{
	struct evbuffer *b = evbuffer_new();
	char *subject = http_answer_subject(call, t), *title, when[DATE_BUFSZ];
	int date = calendar_local_date(clock_now());

	if (b == NULL)
		fatalx("http: evbuffer_new failed");
	xasprintf(&title, "%s %s", k->question, subject);
	if (error != NULL) {
		evbuffer_add_printf(b, "<p class=\"error\">");
		http_answer_esc(b, error);
		evbuffer_add_printf(b, "</p>\n");
	}
	evbuffer_add_printf(b, "<p>For <strong>");
	http_answer_esc(b, t->recipient);
	evbuffer_add_printf(b, "</strong>. Nothing is recorded until you press the button.</p>\n");
	/* The form posts back to this very address, which carries the token. */
	evbuffer_add_printf(b, "<form method=\"post\">\n");
	if (k->fields & ANSWER_OUTCOME)
		evbuffer_add_printf(b,
		    "<label for=\"outcome\">Outcome</label>\n"
		    "<input id=\"outcome\" name=\"outcome\" required maxlength=\"200\">\n");
	if (k->fields & ANSWER_DATE) {
		if (k->date_default == 1 && t->due != DATE_NONE)
			date = t->due;
		evbuffer_add_printf(b,
		    "<label for=\"date\">%s</label>\n"
		    "<input id=\"date\" name=\"date\" type=\"date\" required value=\"%s\">\n",
		    k->date_label, date_format(date, when));
	}
	if (k->fields & ANSWER_HOURS)
		evbuffer_add_printf(b,
		    "<label for=\"hours\">Protected hours this week</label>\n"
		    "<input id=\"hours\" name=\"hours\" type=\"number\" min=\"0\" max=\"100\" step=\"0.5\" "
		    "required inputmode=\"decimal\">\n");
	if (k->fields & ANSWER_COMPLETE)
		evbuffer_add_printf(b,
		    "<label><input name=\"complete\" type=\"checkbox\" value=\"yes\"> "
		    "The action is complete</label>\n");
	if (k->fields & ANSWER_EXPECTED)
		evbuffer_add_printf(b,
		    "<label for=\"expected\">Or, not complete yet: expected to be done by (optional; the "
		    "deadline stays as it is)</label>\n"
		    "<input id=\"expected\" name=\"expected\" type=\"date\">\n");
	if (k->fields & ANSWER_NOTE)
		evbuffer_add_printf(b,
		    "<label for=\"note\">%s</label>\n"
		    "<textarea id=\"note\" name=\"note\" rows=\"4\" maxlength=\"2000\"%s></textarea>\n",
		    (k->fields & ANSWER_NOTE_NEED) ? "Your response" : "A note (optional)",
		    (k->fields & ANSWER_NOTE_NEED) ? " required" : "");
	evbuffer_add_printf(b, "<button type=\"submit\">");
	http_answer_esc(b, k->button);
	evbuffer_add_printf(b, "</button>\n</form>\n");
	http_answer_page(call, status, title, b);
	evbuffer_free(b);
	free(title), free(subject);
}

/* The token of the path, checked: 0 with t and its kind, or -1 answered. */
static int
http_answer_token(struct http_call *call, struct token *t, const struct answer_kind **k)
{
	enum token_status st;
	time_t now = clock_now();

	st = token_check(call->store, call->param, TOKEN_ANSWER, now, answer_grace_seconds(call->cfg, now), t);
	if (st == TOKEN_OK)
		st = token_seen(call->store, t);
	if (st == TOKEN_OK &&
	    ((*k = answer_kind(t->action)) == NULL || ((*k)->domain != 0 && (*k)->domain != t->domain)))
		st = TOKEN_WRONG_PURPOSE;
	if (st != TOKEN_OK) {
		http_answer_bad_token(call, st);
		return -1;
	}
	return 0;
}

/* GET /a/{token}: the confirmation page. Reads only. */
void
http_answer_show(struct http_call *call)
{
	const struct answer_kind *k;
	struct token t;

	if (http_answer_token(call, &t, &k) == 0)
		http_answer_form(call, &t, k, 200, NULL);
}

/* The form's fields, each decoded ('+' is a space): 0, or -1 when the body is not a form. */
static int
http_answer_parse(char *body, struct answer_form *f, char **values, int nvalues, int *n)
{
	char *pair, *eq, *value, *name;
	size_t len;

	memset(f, 0, sizeof *f);
	for (pair = strtok(body, "&"); pair != NULL; pair = strtok(NULL, "&")) {
		if ((eq = strchr(pair, '=')) == NULL)
			continue;
		*eq = '\0';
		if (*n + 2 > nvalues)
			return -1;
		if ((name = evhttp_uridecode(pair, 1, &len)) == NULL)
			return -1;
		values[(*n)++] = name;
		if (strlen(name) != len || (value = evhttp_uridecode(eq + 1, 1, &len)) == NULL)
			return -1;
		values[(*n)++] = value;
		/* A NUL inside a value is no form a browser sends. */
		if (strlen(value) != len)
			return -1;
		if (strcmp(name, "note") == 0)
			f->note = value;
		else if (strcmp(name, "outcome") == 0)
			f->outcome = value;
		else if (strcmp(name, "date") == 0)
			f->date = value;
		else if (strcmp(name, "hours") == 0)
			f->hours = value;
		else if (strcmp(name, "complete") == 0)
			f->complete = value;
		else if (strcmp(name, "expected") == 0)
			f->expected = value;
	}
	return 0;
}

/* What the hook saw: the token, and whether it had been used meanwhile. */
struct http_answer_use {
	const struct token *t;
	int used;
};

/* Inside the operation's transaction, before COMMIT: the token is used up with the change. */
static int
http_answer_use_cb(struct store *s, const struct op_answer *a, void *arg, char **cause)
{
	struct http_answer_use *u = arg;

	(void)a;
	switch (token_use(s, u->t, clock_now(), cause)) {
	case TOKEN_OK:
		return 0;
	case TOKEN_USED:
		u->used = 1;
		*cause = xstrdup(token_status_text(TOKEN_USED));
		return -1;
	default:
		return -1;
	}
}

/* POST /a/{token}: re-check the token, then act once. */
void
http_answer_post(struct http_call *call)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(call->req);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(call->req), "Content-Type");
	const struct answer_kind *k;
	struct answer_form f;
	struct http_answer_use u;
	struct op_env env;
	struct op_answer a;
	struct evbuffer *b;
	struct token t;
	char actor[TOKEN_RECIPIENT_MAX + 8], *body, *values[32];
	size_t len = evbuffer_get_length(in), n;
	int i, nvalues = 0, rc;

	if (type == NULL || strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
	    (type[33] != '\0' && type[33] != ';')) {
		http_answer_refuse(call, 415, "This is not a form", "the answer must come from the page's form",
		    "Nothing has been recorded. Open the link and press its button.");
		return;
	}
	if (http_answer_token(call, &t, &k) != 0)
		return;
	body = xmalloc(len + 1);
	evbuffer_copyout(in, body, len);
	body[len] = '\0';
	rc = strlen(body) != len ? -1 : http_answer_parse(body, &f, values, 32, &nvalues);
	if (rc != 0) {
		http_answer_form(call, &t, k, 400, "The form did not arrive whole: please try again.");
		goto done;
	}
	memset(&env, 0, sizeof env);
	snprintf(actor, sizeof actor, "link:%s", t.recipient);
	u.t = &t, u.used = 0;
	env.store = call->store;
	env.cfg = call->cfg;
	env.now = clock_now();
	env.today = calendar_local_date(env.now);
	env.actor = actor;
	env.before_commit = http_answer_use_cb;
	env.before_commit_arg = &u;
	answer_apply(&env, &t, &f, &a);
	if (a.result == OP_OK) {
		*call->changed = 1;
		log_info("links: %s: %s answered by link", t.action, t.recipient);
		if ((b = evbuffer_new()) == NULL)
			fatalx("http: evbuffer_new failed");
		evbuffer_add_printf(b,
		    "<p>Thank you: driftwatch has recorded it, and the reminders follow from "
		    "what it now knows. You can close this page.</p>\n");
		http_answer_page(call, 200, "Recorded", b);
		evbuffer_free(b);
	} else if (u.used)
		http_answer_bad_token(call, TOKEN_USED);
	else if (a.result == OP_UNAVAILABLE)
		http_answer_bad_token(call, TOKEN_UNAVAILABLE);
	else if (a.result == OP_BAD_INPUT)
		http_answer_form(
		    call, &t, k, 422, a.message != NULL ? a.message : "Something in the form is not right.");
	else {
		n = a.message != NULL ? strlen(a.message) : 0;
		http_answer_refuse(call,
		    a.result == OP_NOT_FOUND	? 404 :
			a.result == OP_CONFLICT ? 409 :
						  500,
		    "This cannot be recorded", n > 0 ? a.message : "driftwatch could not record it",
		    "Nothing has been recorded. Ask your driftwatch administrator, who can see why.");
	}
	op_answer_free(&a);
done:
	for (i = 0; i < nvalues; i++)
		free(values[i]);
	free(body);
}
