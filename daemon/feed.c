/*
 * feed.c: calendar feeds (RFC 5545; see feed.h). The iCalendar writer, the feed tokens, and the
 * feed itself: for one person, every deadline the planners give them, one all-day VEVENT each.
 * Dates come from the planners and the stored plans (plan_actions, the dispute's stage deadline,
 * plan_reviews, asye_status), so the feed says what `driftwatchctl explain` says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "actions.h"
#include "allocations.h"
#include "answer.h"
#include "asye.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "disputes.h"
#include "feed.h"
#include "log.h"
#include "reviews.h"
#include "roles.h"
#include "store.h"
#include "store_feeds.h"
#include "token.h"
#include "version.h"
#include "xmalloc.h"

/* RFC 5545 3.1: a content line is at most 75 octets, CRLF excluded. */
#define ICS_LINE_MAX 75

/* See feed.h. */
void
ics_init(struct ics *w)
{
	w->buf = NULL;
	w->len = w->size = 0;
	w->etag = 14695981039346656037ULL; /* FNV-1a 64's offset basis */
}

/* See feed.h. */
void
ics_free(struct ics *w)
{
	free(w->buf);
	ics_init(w);
}

/* Append n bytes, hashed into the ETag or not. */
static void
ics_put(struct ics *w, const char *p, size_t n, int hashed)
{
	size_t i;

	if (w->len + n + 1 > w->size) {
		while (w->len + n + 1 > w->size)
			w->size = w->size == 0 ? 4096 : w->size * 2;
		w->buf = xreallocarray(w->buf, 1, w->size);
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
	w->buf[w->len] = '\0';
	for (i = 0; hashed && i < n; i++) {
		w->etag ^= (unsigned char)p[i];
		w->etag *= 1099511628211ULL;
	}
}

/*
 * Write "NAME:VALUE" folded: a line longer than 75 octets goes on in continuation lines that
 * begin with a space (counted in their 75), each cut before a UTF-8 lead byte, never inside a character.
 */
static void
ics_fold(struct ics *w, const char *name, const char *value, int hashed)
{
	char *line;
	size_t len, at = 0, room = ICS_LINE_MAX, cut;

	xasprintf(&line, "%s:%s", name, value);
	len = strlen(line);
	while (len - at > room) {
		cut = room;
		/* Back off continuation bytes (10xxxxxx): the cut falls before the character they belong to. */
		while (cut > 1 && ((unsigned char)line[at + cut] & 0xc0) == 0x80)
			cut--;
		ics_put(w, line + at, cut, hashed);
		ics_put(w, "\r\n ", 3, hashed);
		at += cut;
		room = ICS_LINE_MAX - 1;
	}
	ics_put(w, line + at, len - at, hashed);
	ics_put(w, "\r\n", 2, hashed);
	free(line);
}

/* See feed.h. */
void
ics_line(struct ics *w, const char *name, const char *value)
{
	ics_fold(w, name, value, 1);
}

/* See feed.h. */
void
ics_line_volatile(struct ics *w, const char *name, const char *value)
{
	ics_fold(w, name, value, 0);
}

/* See feed.h. */
char *
ics_escape(const char *text)
{
	char *out = xmalloc(strlen(text) * 2 + 1), *o = out;
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++) {
		switch (*p) {
		case '\\':
		case ';':
		case ',':
			*o++ = '\\';
			*o++ = (char)*p;
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		default:
			/* CONTROL characters are not TEXT (a CR of a CRLF goes with it); a tab is. */
			if (*p >= 0x20 || *p == '\t')
				*o++ = (char)*p;
			break;
		}
	}
	*o = '\0';
	return out;
}

/* See feed.h. */
void
ics_text(struct ics *w, const char *name, const char *text)
{
	char *e = ics_escape(text);

	ics_line(w, name, e);
	free(e);
}

/* A feed's base address with no trailing '/': its length, 0 when public_url is not set. */
static size_t
feed_base(const struct config *cfg)
{
	const char *base = cfg->http_public_url;
	size_t len = base != NULL ? strlen(base) : 0;

	while (len > 0 && base[len - 1] == '/')
		len--;
	return len;
}

/* See feed.h. */
int
feed_url(struct store *s, const struct config *cfg, const char *email, time_t now, char **url, char **cause)
{
	size_t blen = feed_base(cfg);
	struct token t;
	int64_t generation;
	char *text;

	if (blen == 0)
		return 1;
	if (strlen(email) >= sizeof t.recipient) {
		xasprintf(cause, "feed: the address is too long for a feed (%zu bytes)", strlen(email));
		return -1;
	}
	if (store_feed_generation(s, email, 1, now, &generation, cause) != 0)
		return -1;
	memset(&t, 0, sizeof t);
	t.purpose = TOKEN_FEED;
	t.domain = 'n';
	t.id = generation;
	t.due = DATE_NONE;
	t.expires = now + (time_t)FEED_TOKEN_DAYS * 86400;
	snprintf(t.action, sizeof t.action, "feed");
	snprintf(t.recipient, sizeof t.recipient, "%s", email);
	if ((text = token_make(s, &t, now, cause)) == NULL)
		return -1;
	xasprintf(url, "%.*s/ics/%s.ics", (int)blen, cfg->http_public_url, text);
	free(text);
	return 0;
}

/* See feed.h. */
char *
feed_url_for(struct store *s, const struct config *cfg, const char *email)
{
	char *url = NULL, *cause = NULL;

	if (feed_url(s, cfg, email, clock_now(), &url, &cause) < 0) {
		log_warnx("feed: no feed URL for a notice: %s", cause);
		free(cause);
		return NULL;
	}
	return url;
}

/* See feed.h. */
int
feed_revoke(struct store *s, const char *email, time_t now, int64_t *generation, char **cause)
{
	return store_feed_revoke(s, email, now, generation, cause);
}

/* See feed.h. */
enum feed_check
feed_check(struct store *s, const struct config *cfg, const char *text, time_t now, char *email, size_t emaillen)
{
	struct token t;
	enum token_status st;
	int64_t generation;
	char *cause = NULL;
	int rc;

	st = token_check(s, text, TOKEN_FEED, now, answer_grace_seconds(cfg, now), &t);
	if (st == TOKEN_UNAVAILABLE)
		return FEED_UNAVAILABLE;
	if (st != TOKEN_OK) {
		log_debug("feed: token refused: %s", token_status_text(st));
		return FEED_REFUSED;
	}
	rc = store_feed_generation(s, t.recipient, 0, now, &generation, &cause);
	if (rc < 0) {
		log_warnx("feed: %s", cause);
		free(cause);
		return FEED_UNAVAILABLE;
	}
	if (rc != 0 || generation != t.id) {
		log_info("feed: a revoked feed URL was refused (generation %lld)", (long long)t.id);
		return FEED_REFUSED;
	}
	if ((size_t)snprintf(email, emaillen, "%s", t.recipient) >= emaillen)
		return FEED_REFUSED;
	return FEED_OK;
}

/* One deadline of the person's. */
struct feed_event {
	int date;
	time_t modified; /* 0: unknown */
	char *uid, *summary, *description;
};

struct feed_events {
	struct feed_event *v;
	int n, size;
	const char *email;
	struct store *store;
	const struct config *cfg;
	int today;
	/* Role keys already routed, and whether each reaches the person: a plan names a few roles,
	 * its actions' ladders name them hundreds of times. */
	char **role_keys;
	int *role_is, nroles;
};

/* Add an event; uid, summary and description are taken over. */
static void
feed_add(struct feed_events *ev, int date, const char *subject, char *uid, char *summary, char *description)
{
	struct feed_event *e;

	if (ev->n == ev->size) {
		ev->size = ev->size == 0 ? 32 : ev->size * 2;
		ev->v = xreallocarray(ev->v, (size_t)ev->size, sizeof *ev->v);
	}
	e = &ev->v[ev->n++];
	e->date = date;
	e->modified = store_feed_modified(ev->store, subject);
	e->uid = uid, e->summary = summary, e->description = description;
}

/* Is the person the address a role's notices go to? */
static int
feed_is_role(struct feed_events *ev, const char *key)
{
	struct role_route route;
	char *cause = NULL;
	int i, is;

	for (i = 0; i < ev->nroles; i++) {
		if (strcmp(ev->role_keys[i], key) == 0)
			return ev->role_is[i];
	}
	/* The route is filled (key, transport) even when it has no email: freed either way. */
	is = roles_route(ev->store, ev->cfg, key, &route, &cause) == 0 && strcasecmp(route.email, ev->email) == 0;
	role_route_free(&route);
	free(cause);
	ev->role_keys = xreallocarray(ev->role_keys, (size_t)ev->nroles + 1, sizeof *ev->role_keys);
	ev->role_is = xreallocarray(ev->role_is, (size_t)ev->nroles + 1, sizeof *ev->role_is);
	ev->role_keys[ev->nroles] = xstrdup(key);
	ev->role_is[ev->nroles++] = is;
	return is;
}

/* Is the person the address a plain one names (NULL: nobody)? */
static int
feed_is(struct feed_events *ev, const char *address)
{
	return address != NULL && strcasecmp(address, ev->email) == 0;
}

/*
 * Improvement actions: open ones with a due date whose planned notices reach the person, as the
 * lead officer or up the management line (the overdue ladder of plan_actions).
 */
static int
feed_actions(struct feed_events *ev, char **cause)
{
	struct actions_org org;
	struct plan_action_items items;
	struct action *v;
	const char *as;
	char due[DATE_BUFSZ], *uid, *summary, *description;
	int n, i, j;

	if (actions_load(ev->store, NULL, &v, &n, cause) != 0)
		return -1;
	if (n > 0 && actions_org_open(ev->store, ev->cfg, &org, cause) != 0) {
		actions_free(v, n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct action *a = &v[i];

		if (a->status != ACTION_OPEN || a->due_on == DATE_NONE || plan_actions_complete(a, ev->today))
			continue;
		plan_actions(a, ev->cfg, ev->cfg->calendar, &org.org, ev->today, &items);
		as = NULL;
		for (j = 0; j < items.n && as == NULL; j++) {
			if (items.v[j].recipient != NULL && feed_is_role(ev, items.v[j].recipient))
				as = items.v[j].as;
		}
		if (as != NULL) {
			xasprintf(&uid, "action-%s-%s@driftwatch", a->plan, a->ref);
			xasprintf(&summary, "Action %s due", a->ref);
			xasprintf(&description,
			    "Improvement action %s of plan %s is due by %s.\nYou are told as: %s.\n\n%s", a->ref,
			    a->plan, date_format(a->due_on, due), as, a->text != NULL ? a->text : "");
			feed_add(ev, a->due_on, a->ref, uid, summary, description);
		}
		plan_action_items_free(&items);
	}
	if (n > 0)
		actions_org_close(&org);
	actions_free(v, n);
	return 0;
}

/* Does a dispute's notice to who (a responder key or "iro") go to the person? */
static int
feed_is_dispute(struct feed_events *ev, const struct dispute *d, const char *who)
{
	char *address, *transport, *why;
	int is;

	if (disputes_recipient(ev->store, ev->cfg, d, who, &address, &transport, &why) != 0) {
		free(why);
		return 0;
	}
	is = feed_is(ev, address);
	free(address), free(transport);
	return is;
}

/* One open dispute: its current stage's deadline while the stage clock runs, to the IRO and the responder. */
static void
feed_dispute_cb(const struct dispute *d, void *arg)
{
	struct feed_events *ev = arg;
	const struct dispute_stage *st = &d->rec.ladder.stages[d->rec.stage];
	const char *as;
	char due[DATE_BUFSZ], subject[64], *uid, *summary, *description;

	if (d->rec.resolved_on != DATE_NONE || d->rec.responded_on != DATE_NONE)
		return;
	if (feed_is_dispute(ev, d, "iro"))
		as = "the IRO who raised it";
	else if (feed_is_dispute(ev, d, st->responder))
		as = "the stage's responder";
	else
		return;
	snprintf(subject, sizeof subject, "dispute:%lld", (long long)d->rec.id);
	xasprintf(&uid, "dispute-%lld-stage-%s@driftwatch", (long long)d->rec.id, st->name);
	xasprintf(&summary, "Dispute %lld (%s): stage %s response due", (long long)d->rec.id, d->case_ref, st->name);
	xasprintf(&description,
	    "IRO dispute %lld about case %s (%s) is at stage %s: the %s's response is due by %s (%d working days).\n"
	    "You are told as: %s.",
	    (long long)d->rec.id, d->case_ref, d->category, st->name, st->responder,
	    date_format(d->rec.stage_due_on, due), st->limit_wd, as);
	feed_add(ev, d->rec.stage_due_on, subject, uid, summary, description);
}

/* Looked-after reviews: the next review of each child allocated to the person, as their social
 * worker, team manager or IRO. Only their cases are loaded, not every child. */
static int
feed_reviews(struct feed_events *ev, char **cause)
{
	struct reviews_child *children;
	struct review_rules rules;
	struct review_child child;
	struct review_plan p;
	struct allocation al;
	const struct review_period_plan *pp;
	const char *as;
	char due[DATE_BUFSZ], number[32], **refs, *uid, *summary, *description;
	int nrefs, n, i, rc = 0;

	if (store_feed_cases(ev->store, ev->email, &refs, &nrefs, cause) != 0)
		return -1;
	plan_reviews_rules(ev->cfg, &rules);
	for (i = 0; i < nrefs && rc == 0; i++) {
		if (allocation_get(ev->store, refs[i], &al) != 0)
			continue;
		as = feed_is(ev, al.social_worker_email) ? "social worker" :
		    feed_is(ev, al.team_manager_email)	 ? "team manager" :
							   "IRO";
		allocation_free(&al);
		if ((rc = reviews_load(ev->store, refs[i], &children, &n, cause)) != 0 || n == 0)
			continue;
		reviews_child_view(&children[0], &child);
		plan_reviews(&child, &rules, ev->cfg->calendar, ev->today, &p);
		pp = p.nperiods > 0 ? &p.periods[p.nperiods - 1] : NULL;
		if (pp != NULL && pp->next_due != DATE_NONE) {
			if (pp->next_ordinal > 0)
				snprintf(number, sizeof number, "Review %d", pp->next_ordinal);
			else
				snprintf(number, sizeof number, "The next review");
			/* One UID for the child's next review: recording one moves the event, not adds one. */
			xasprintf(&uid, "review-%s@driftwatch", child.case_ref);
			xasprintf(&summary, "Review due: %s", child.case_ref);
			xasprintf(&description,
			    "%s of looked-after child %s is due by %s (Care Planning Regulations 2010, reg 33).\n"
			    "You are told as: %s.",
			    number, child.case_ref, date_format(pp->next_due, due), as);
			feed_add(ev, pp->next_due, child.case_ref, uid, summary, description);
		}
		review_plan_free(&p);
		reviews_children_free(children, n);
	}
	for (i = 0; i < nrefs; i++)
		free(refs[i]);
	free(refs);
	return rc;
}

/* One ASYE date of a worker's, if there is one. */
static void
feed_asye_add(
    struct feed_events *ev, const struct asye_worker *w, int date, const char *what, const char *title, const char *as)
{
	char due[DATE_BUFSZ], *uid, *summary, *description;

	if (date == DATE_NONE)
		return;
	xasprintf(&uid, "asye-%s-%s@driftwatch", w->person_id, what);
	xasprintf(&summary, "ASYE %s: %s due", w->person_id, title);
	xasprintf(&description, "The ASYE of worker %s: the next %s is due by %s.\nYou are told as: %s.", w->person_id,
	    title, date_format(date, due), as);
	feed_add(ev, date, w->person_id, uid, summary, description);
}

/* ASYEs in their programme: the next supervision, review point and critical reflection, to the
 * worker's team manager and to the worker. */
static int
feed_asye(struct feed_events *ev, char **cause)
{
	struct asye_roster r;
	struct asye_status st;
	const char *as;
	int i;

	if (asye_roster_load(ev->store, NULL, &r, cause) != 0)
		return -1;
	for (i = 0; i < r.n; i++) {
		const struct asye_worker *w = &r.workers[i];

		if (w->asye_started_on == DATE_NONE)
			continue;
		as = feed_is(ev, w->manager_email) ? "team manager" : feed_is(ev, w->email) ? "the worker" : NULL;
		if (as == NULL)
			continue;
		asye_status(w, ev->cfg, ev->today, &st);
		if (!st.in_programme)
			continue;
		feed_asye_add(ev, w, st.next_supervision, "supervision", "supervision", as);
		feed_asye_add(ev, w, st.next_review, "review", "review point", as);
		if (ev->cfg->asye_nreflections > 0)
			feed_asye_add(ev, w, st.next_reflection, "reflection", "critical reflection", as);
	}
	asye_roster_free(&r);
	return 0;
}

/* Date order, then UID: the same feed twice is the same text. */
static int
feed_event_cmp(const void *a, const void *b)
{
	const struct feed_event *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

/* A local date as an iCalendar DATE: YYYYMMDD. */
static char *
feed_date(int date, char *buf)
{
	char iso[DATE_BUFSZ];

	date_format(date, iso);
	snprintf(buf, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
	return buf;
}

/* An instant as an iCalendar UTC DATE-TIME: YYYYMMDDTHHMMSSZ. */
static char *
feed_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
	return buf;
}

/* See feed.h. */
int
feed_build(struct store *s, const struct config *cfg, const char *email, time_t now, struct ics *w, char **cause)
{
	struct feed_events ev;
	char stamp[32], when[32], day[16], *calname;
	int i, rc;

	memset(&ev, 0, sizeof ev);
	ev.email = email, ev.store = s, ev.cfg = cfg, ev.today = calendar_local_date(now);
	rc = feed_actions(&ev, cause);
	if (rc == 0)
		disputes_list(s, true, NULL, feed_dispute_cb, &ev);
	if (rc == 0)
		rc = feed_reviews(&ev, cause);
	if (rc == 0)
		rc = feed_asye(&ev, cause);
	ics_init(w);
	if (rc == 0) {
		qsort(ev.v, (size_t)ev.n, sizeof *ev.v, feed_event_cmp);
		feed_time(now, stamp, sizeof stamp);
		ics_line(w, "BEGIN", "VCALENDAR");
		ics_line(w, "VERSION", "2.0");
		ics_line(w, "PRODID", "-//driftwatch//driftwatch " DRIFTWATCH_VERSION "//EN");
		ics_line(w, "CALSCALE", "GREGORIAN");
		ics_line(w, "METHOD", "PUBLISH");
		xasprintf(&calname, "driftwatch: %s", email);
		ics_text(w, "X-WR-CALNAME", calname);
		free(calname);
		ics_text(w, "X-WR-CALDESC", "Children's services deadlines you own or answer for, from driftwatch");
		ics_line(w, "REFRESH-INTERVAL;VALUE=DURATION", FEED_REFRESH);
		ics_line(w, "X-PUBLISHED-TTL", FEED_REFRESH);
		for (i = 0; i < ev.n; i++) {
			const struct feed_event *e = &ev.v[i];

			ics_line(w, "BEGIN", "VEVENT");
			ics_text(w, "UID", e->uid);
			ics_line_volatile(w, "DTSTAMP", stamp);
			ics_line(w, "DTSTART;VALUE=DATE", feed_date(e->date, day));
			ics_line(w, "DTEND;VALUE=DATE", feed_date(e->date + 1, day));
			if (e->modified > 0)
				ics_line(w, "LAST-MODIFIED", feed_time(e->modified, when, sizeof when));
			ics_text(w, "SUMMARY", e->summary);
			ics_text(w, "DESCRIPTION", e->description);
			ics_line(w, "TRANSP", "TRANSPARENT");
			ics_line(w, "END", "VEVENT");
		}
		ics_line(w, "END", "VCALENDAR");
	}
	for (i = 0; i < ev.n; i++)
		free(ev.v[i].uid), free(ev.v[i].summary), free(ev.v[i].description);
	free(ev.v);
	for (i = 0; i < ev.nroles; i++)
		free(ev.role_keys[i]);
	free(ev.role_keys), free(ev.role_is);
	if (rc != 0)
		ics_free(w);
	return rc;
}
