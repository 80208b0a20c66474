/*
 * test_notice.c: the notice layer's renderer and key. A spec with links built by hand renders the
 * links as "Label: URL" text lines (after a batched line too), as Outlook-safe HTML buttons with a hostile label and URL
 * escaped, as Teams Action.OpenUrl actions (through the webhook transport's teams body too) and as
 * the JSON webhook payload's "links" array; with no links, the sentence instead; every mail ends
 * with the one footer; the key function keeps the key formats already in databases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendar.h"
#include "config.h"
#include "notice.h"
#include "render.h"
#include "transport.h"
#include "webhook.h"
#include "test_util.h"
#include "xmalloc.h"

#define HOSTILE_LABEL "Record <b>\"it\"</b> & go"
#define HOSTILE_URL "https://dw.example/a/T1?x=1&y=\"><script>alert(1)</script>"

/* A dispute notice with the facts a domain gives. */
static struct notice_spec
test_spec(void)
{
	struct notice_spec n;

	memset(&n, 0, sizeof n);
	n.kind = "reminder";
	n.rule = "stage";
	n.dedupe_key = "dispute:7:stage:2:2022-06-15:hos@council.example";
	n.domain = LINK_DISPUTE;
	n.role = "head-of-service";
	n.id = 7;
	n.ref = "CR-1001";
	n.due = DATE_NONE;
	n.subject = "IRO dispute 7: stage 2, your response is due by 2022-06-15";
	n.heading = n.subject;
	n.paras[0] = "An IRO dispute about case CR-1001 has reached stage 2 <urgent>.";
	n.facts[n.nfacts++] = (struct notice_fact){ "Case reference", "CR-1001" };
	n.facts[n.nfacts++] = (struct notice_fact){ "Response due", "2022-06-15" };
	return n;
}

/* Two links, one hostile, and a feed. */
static void
test_links(struct notice_links *l)
{
	memset(l, 0, sizeof *l);
	l->n = 2;
	l->v[0].label = xstrdup("Record our response");
	l->v[0].url = xstrdup("https://dw.example/a/T0");
	l->v[1].label = xstrdup(HOSTILE_LABEL);
	l->v[1].url = xstrdup(HOSTILE_URL);
	l->feed_url = xstrdup("https://dw.example/f/F0.ics");
}

static void
test_text_and_html(void **state)
{
	struct notice_spec n = test_spec();
	struct notice_links l;
	struct notice_rendered r;

	(void)state;
	test_links(&l);
	notice_render(&n, &l, &r);
	assert_non_null(strstr(r.text, "\nRecord our response: https://dw.example/a/T0\n"));
	assert_non_null(strstr(r.text, "\n" HOSTILE_LABEL ": " HOSTILE_URL "\n"));
	assert_non_null(strstr(r.text, "\nSubscribe your calendar: https://dw.example/f/F0.ics\n"));
	assert_non_null(strstr(r.text, "Case reference: CR-1001\n"));
	assert_non_null(strstr(r.text, "has reached stage 2 <urgent>."));
	assert_true(strlen(r.text) > strlen(notice_text_footer));
	assert_string_equal(r.text + strlen(r.text) - strlen(notice_text_footer), notice_text_footer);
	assert_null(r.batch_text);
	notice_rendered_free(&r);
	/* A batched line carries its links too, escaped in HTML. */
	n.batch = "IRO dispute 7 (case CR-1001): response due by 2022-06-15";
	notice_render(&n, &l, &r);
	assert_string_equal(r.batch_text,
	    "IRO dispute 7 (case CR-1001): response due by 2022-06-15\n"
	    "   Record our response: https://dw.example/a/T0\n"
	    "   " HOSTILE_LABEL ": " HOSTILE_URL);
	assert_null(strstr(r.batch_html, "<script>"));
	assert_non_null(strstr(r.batch_html, "<br>\n<a href=\"https://dw.example/a/T0\""));
	assert_non_null(strstr(r.batch_html, ">Record &lt;b&gt;&quot;it&quot;&lt;/b&gt; &amp; go</a>"));
	n.batch = NULL;
	notice_rendered_free(&r);
	notice_render(&n, &l, &r);
	/* Nothing from a record or a link reaches the page unescaped. */
	assert_null(strstr(r.html, "<script>"));
	assert_null(strstr(r.html, "<b>\"it\"</b>"));
	assert_null(strstr(r.html, "<urgent>"));
	assert_non_null(strstr(r.html, "Record &lt;b&gt;&quot;it&quot;&lt;/b&gt; &amp; go</a>"));
	assert_non_null(strstr(r.html, "href=\"https://dw.example/a/T1?x=1&amp;y=&quot;&gt;&lt;script&gt;"));
	assert_non_null(strstr(r.html, "&lt;urgent&gt;"));
	/* Buttons Outlook draws: a cell with a bgcolor around an inline-styled link; no CSS classes or <style>. */
	assert_non_null(strstr(r.html,
	    "<td bgcolor=\"#1d4f91\" style=\"border-radius:4px\"><a href=\"https://dw.example/a/T0\" style=\""));
	assert_null(strstr(r.html, "class="));
	assert_null(strstr(r.html, "<style"));
	assert_non_null(strstr(r.html, "children are named by case reference only"));
	/* The feed's URL is the link, not its text: an unbreakable URL as text would widen the page. */
	assert_non_null(strstr(r.html, "Subscribe your calendar: copy <a href=\"https://dw.example/f/F0.ics\""));
	assert_null(strstr(r.html, ">https://dw.example/f/F0.ics<"));
	notice_rendered_free(&r);
	notice_links_free(&l);
}

/* The appends the renderer is built of: across every growth of the buffer, as one snprintf would write it. */
static void
test_append(void **state)
{
	static char want[64 * 1024];
	char *b = NULL, *e;
	size_t len = 0;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		char num[16];
		snprintf(num, sizeof num, "%d", i);
		if (i % 3 == 0)
			xappend(&b, "lit<");
		else if (i % 3 == 1)
			xappends(&b, num, ":", "x&y", (char *)NULL);
		else {
			e = xappend_room(&b, 5 * 6);
			assert_int_equal(render_html_escape_into(e, "<\"'&>", 5, 0), 24);
		}
		len += (size_t)snprintf(want + len, sizeof want - len, "%s",
		    i % 3 == 0	   ? "lit<" :
			i % 3 == 1 ? "" :
				     "&lt;&quot;&#39;&amp;&gt;");
		if (i % 3 == 1)
			len += (size_t)snprintf(want + len, sizeof want - len, "%s:x&y", num);
		assert_int_equal(strlen(b), len);
	}
	assert_string_equal(b, want);
	free(b);
	e = render_html_escape("a\nb", 3, 1);
	assert_string_equal(e, "a<br>\nb");
	free(e);
}

/* The oracle: the card as a jansson tree, as the notice layer built it before it wrote it by hand. */
static json_t *
ref_text(const char *text, bool bold, bool subtle)
{
	json_t *b = json_pack("{s:s, s:s, s:b}", "type", "TextBlock", "text", text, "wrap", 1);

	if (b == NULL)
		return json_pack("{s:s, s:s}", "type", "TextBlock", "text", "(not valid UTF-8)");
	if (bold)
		json_object_set_new(b, "weight", json_string("Bolder")),
		    json_object_set_new(b, "size", json_string("Medium"));
	if (subtle)
		json_object_set_new(b, "isSubtle", json_true()), json_object_set_new(b, "size", json_string("Small"));
	return b;
}

static json_t *
ref_card(const struct notice_spec *n, const struct notice_links *l)
{
	json_t *card, *body = json_array(), *facts, *actions, *f;
	char *line;
	int i;

	json_array_append_new(body, ref_text(n->heading != NULL ? n->heading : n->subject, true, false));
	for (i = 0; i < NOTICE_PARAS_MAX; i++) {
		if (n->paras[i] != NULL)
			json_array_append_new(body, ref_text(n->paras[i], false, false));
	}
	if (n->nfacts > 0) {
		facts = json_array();
		for (i = 0; i < n->nfacts; i++) {
			if ((f = json_pack("{s:s, s:s}", "title", n->facts[i].label, "value", n->facts[i].value)) !=
			    NULL)
				json_array_append_new(facts, f);
		}
		json_array_append_new(body, json_pack("{s:s, s:o}", "type", "FactSet", "facts", facts));
	}
	if (n->after != NULL)
		json_array_append_new(body, ref_text(n->after, false, true));
	if (l->n == 0 && l->instead != NULL)
		json_array_append_new(body, ref_text(l->instead, false, false));
	if (l->feed_url != NULL) {
		xasprintf(&line, "Subscribe your calendar: %s", l->feed_url);
		json_array_append_new(body, ref_text(line, false, false));
		free(line);
	}
	json_array_append_new(body,
	    ref_text(
		"driftwatch \xe2\x80\x94 automatic notice; children are named by case reference only.", false, true));
	card = json_pack("{s:s, s:s, s:s, s:o}", "$schema", "http://adaptivecards.io/schemas/adaptive-card.json",
	    "type", "AdaptiveCard", "version", "1.4", "body", body);
	if (l->n > 0) {
		actions = json_array();
		for (i = 0; i < l->n; i++) {
			if ((f = json_pack("{s:s, s:s, s:s}", "type", "Action.OpenUrl", "title", l->v[i].label, "url",
				 l->v[i].url)) != NULL)
				json_array_append_new(actions, f);
		}
		json_object_set_new(card, "actions", actions);
	}
	return card;
}

/* The card and payload written by hand are the bytes jansson dumped: hostile, control and non-UTF-8 text. */
static void
test_card_bytes(void **state)
{
	struct notice_spec n = test_spec();
	struct notice_links l;
	struct notice_rendered r;
	json_t *ref, *payload, *links;
	char *s, *want;
	int pass, i;

	(void)state;
	for (pass = 0; pass < 3; pass++) {
		test_links(&l);
		if (pass == 1) {
			/* Quotes, backslashes, controls, '/', UTF-8; a para, a fact and a link that are not UTF-8. */
			n.paras[1] = "tab\there \"quoted\" back\\slash \x01\x1f / caf\xc3\xa9 \xf0\x9f\x98\x80";
			n.paras[2] = "bad \xff byte";
			n.facts[n.nfacts++] = (struct notice_fact){ "Broken", "\xc3(" };
			n.after = "after \xe2\x82";
			free(l.v[0].label);
			l.v[0].label = xstrdup("not \xed\xa0\x80 UTF-8");
		} else if (pass == 2) {
			notice_links_free(&l);
			memset(&l, 0, sizeof l);
			l.instead = xstrdup("Record it with driftwatchctl \"instead\".");
		}
		ref = ref_card(&n, &l);
		want = json_dumps(ref, JSON_COMPACT);
		s = notice_render_card(&n, &l);
		assert_string_equal(s, want);
		free(s), free(want);
		notice_render(&n, &l, &r);
		payload = json_object(), links = json_array();
		for (i = 0; i < l.n; i++) {
			json_t *link = json_pack("{s:s, s:s}", "label", l.v[i].label, "url", l.v[i].url);
			if (link != NULL)
				json_array_append_new(links, link);
		}
		json_object_set_new(payload, "links", links);
		if (l.feed_url != NULL)
			json_object_set_new(payload, "feed_url", json_string(l.feed_url));
		json_object_set_new(payload, "card", ref);
		want = json_dumps(payload, JSON_COMPACT);
		assert_string_equal(r.payload, want);
		free(want);
		json_decref(payload);
		notice_rendered_free(&r);
		notice_links_free(&l);
	}
}

/* The card's actions, checked as JSON. */
static void
test_check_actions(json_t *card)
{
	json_t *actions = json_object_get(card, "actions"), *a;

	assert_string_equal(json_string_value(json_object_get(card, "type")), "AdaptiveCard");
	assert_true(json_is_array(actions));
	assert_int_equal(json_array_size(actions), 2);
	a = json_array_get(actions, 1);
	assert_string_equal(json_string_value(json_object_get(a, "type")), "Action.OpenUrl");
	assert_string_equal(json_string_value(json_object_get(a, "title")), HOSTILE_LABEL);
	assert_string_equal(json_string_value(json_object_get(a, "url")), HOSTILE_URL);
}

static void
test_teams_card(void **state)
{
	struct notice_spec n = test_spec();
	struct notice_links l;
	struct notice_rendered r;
	struct notice out;
	json_t *card, *doc;
	char *s, *body, *cause = NULL;

	(void)state;
	test_links(&l);
	s = notice_render_card(&n, &l);
	card = json_loads(s, 0, NULL);
	assert_non_null(card);
	test_check_actions(card);
	json_decref(card);
	free(s);
	/* The webhook transport's teams body posts the card the payload carries. */
	notice_render(&n, &l, &r);
	memset(&out, 0, sizeof out);
	out.id = 1;
	out.dedupe_key = n.dedupe_key;
	out.kind = n.kind;
	out.recipient = "teams";
	out.subject = n.subject;
	out.body_text = r.text;
	out.payload = r.payload;
	body = webhook_body(&out, "teams", &cause);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	card = json_object_get(json_array_get(json_object_get(doc, "attachments"), 0), "content");
	test_check_actions(card);
	json_decref(doc);
	free(body);
	/* The json format carries "links" but not the card. */
	body = webhook_body(&out, "json", &cause);
	assert_non_null(body);
	doc = json_loads(body, 0, NULL);
	assert_non_null(doc);
	assert_null(json_object_get(doc, "card"));
	assert_int_equal(json_array_size(json_object_get(doc, "links")), 2);
	json_decref(doc);
	free(body);
	notice_rendered_free(&r);
	notice_links_free(&l);
}

static void
test_payload_links(void **state)
{
	struct notice_spec n = test_spec();
	struct notice_links l;
	struct notice_rendered r;
	json_t *p, *links, *one;

	(void)state;
	test_links(&l);
	notice_render(&n, &l, &r);
	p = json_loads(r.payload, 0, NULL);
	assert_non_null(p);
	links = json_object_get(p, "links");
	assert_true(json_is_array(links));
	assert_int_equal(json_array_size(links), 2);
	one = json_array_get(links, 0);
	assert_string_equal(json_string_value(json_object_get(one, "label")), "Record our response");
	assert_string_equal(json_string_value(json_object_get(one, "url")), "https://dw.example/a/T0");
	one = json_array_get(links, 1);
	assert_string_equal(json_string_value(json_object_get(one, "label")), HOSTILE_LABEL);
	assert_string_equal(json_string_value(json_object_get(one, "url")), HOSTILE_URL);
	assert_string_equal(json_string_value(json_object_get(p, "feed_url")), "https://dw.example/f/F0.ics");
	json_decref(p);
	notice_rendered_free(&r);
	notice_links_free(&l);
}

static void
test_no_links(void **state)
{
	struct notice_spec n = test_spec();
	struct notice_links l;
	struct notice_rendered r;
	json_t *p;

	(void)state;
	memset(&l, 0, sizeof l);
	l.instead = xstrdup("Tell your administrator <now>.");
	n.batch = "IRO dispute 7 (case CR-1001)\nstage 2";
	notice_render(&n, &l, &r);
	assert_non_null(strstr(r.text, "\nTell your administrator <now>.\n"));
	assert_null(strstr(r.text, "Subscribe your calendar"));
	assert_non_null(strstr(r.html, "Tell your administrator &lt;now&gt;."));
	assert_null(strstr(r.html, "<a href"));
	assert_string_equal(r.batch_text, n.batch);
	assert_string_equal(r.batch_html, "IRO dispute 7 (case CR-1001)<br>\nstage 2");
	p = json_loads(r.payload, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(p, "links")), 0);
	assert_null(json_object_get(json_object_get(p, "card"), "actions"));
	json_decref(p);
	notice_rendered_free(&r);
	notice_links_free(&l);
}

static void
test_key(void **state)
{
	char *k;

	(void)state;
	k = notice_key("dispute", "hos@council.example", "7", "stage", "2", "2022-06-15", (const char *)NULL);
	assert_string_equal(k, "dispute:7:stage:2:2022-06-15:hos@council.example");
	free(k);
	k = notice_key("reviews", "sw@council.example", "CR-1", "review-overdue", "2021-01-04", "2021-02-01", "week-1",
	    (const char *)NULL);
	assert_string_equal(k, "reviews:CR-1:review-overdue:2021-01-04:2021-02-01:week-1:sw@council.example");
	free(k);
}

/*
 * Each transport gets the parts it sends, and only those: mail (smtp, file eml) the HTML and the
 * batch HTML, a webhook (file json too) the payload; a name the config does not know, every part.
 * The parts rendered are the bytes of the full rendering.
 */
static void
test_parts(void **state)
{
	char dir[] = "/tmp/test_notice.XXXXXX", *ini, *path, *cause = NULL;
	struct notice_spec n = test_spec();
	struct notice_rendered all, part;
	struct notice_links l;
	struct config *cfg;

	(void)state;
	assert_non_null(mkdtemp(dir));
	xasprintf(&ini,
	    "[daemon]\ndatabase = %s/dw.db\nbank_holidays = %s/etc/bank-holidays-england-and-wales.txt\n"
	    "[transport \"mail\"]\ntype = smtp\nurl = smtp://127.0.0.1:2525\ntls = none\n"
	    "from = driftwatch <dw@council.example>\n"
	    "[transport \"hook\"]\ntype = webhook\nformat = teams\nurl = http://127.0.0.1:8080/\n"
	    "[transport \"eml\"]\ntype = file\nspool = %s/eml\n"
	    "[transport \"json\"]\ntype = file\nformat = json\nspool = %s/json\n",
	    dir, top_dir(), dir, dir);
	path = write_temp_file(dir, "dw.ini", ini, 0600);
	cfg = config_load(path, &cause);
	if (cfg == NULL)
		fail_msg("%s", cause);
	assert_int_equal(notice_parts_for(cfg, "mail"), NOTICE_PART_HTML);
	assert_int_equal(notice_parts_for(cfg, "eml"), NOTICE_PART_HTML);
	assert_int_equal(notice_parts_for(cfg, "hook"), NOTICE_PART_PAYLOAD);
	assert_int_equal(notice_parts_for(cfg, "json"), NOTICE_PART_PAYLOAD);
	assert_int_equal(notice_parts_for(cfg, "gone"), NOTICE_PARTS_ALL);

	n.batch = "Dispute 7: stage 2, due 2022-06-15";
	test_links(&l);
	notice_render(&n, &l, &all);
	notice_render_parts(&n, &l, notice_parts_for(cfg, "mail"), &part);
	assert_string_equal(part.text, all.text);
	assert_string_equal(part.html, all.html);
	assert_string_equal(part.batch_text, all.batch_text);
	assert_string_equal(part.batch_html, all.batch_html);
	assert_null(part.payload);
	notice_rendered_free(&part);
	notice_render_parts(&n, &l, notice_parts_for(cfg, "hook"), &part);
	assert_string_equal(part.text, all.text);
	assert_string_equal(part.payload, all.payload);
	assert_string_equal(part.batch_text, all.batch_text);
	assert_null(part.html);
	assert_null(part.batch_html);
	notice_rendered_free(&part);
	notice_rendered_free(&all);
	notice_links_free(&l);
	config_free(cfg);
	unlink(path);
	rmdir(dir);
	free(ini), free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_and_html),
		cmocka_unit_test(test_teams_card),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_card_bytes),
		cmocka_unit_test(test_payload_links),
		cmocka_unit_test(test_no_links),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
