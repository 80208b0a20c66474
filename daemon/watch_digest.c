/*
 * watch_digest.c: the monthly digest watcher. On the first working day of each month at the
 * digest's `when` (local time), each [digest "NAME"] goes to each of its recipients, reporting the
 * month just ended (sent on 1 March 2021, it reports February 2021). Exactly once per (digest,
 * month, recipient): the dedupe key "digest:NAME:YYYY-MM:RECIPIENT" is UNIQUE in the outbox, so a
 * second pass, a restart or a second daemon adds nothing. A daemon that was down on the day sends
 * on start-up that day or later in the same month, once; a month that ended with the daemon down
 * throughout is not sent later by itself (no flood of old months): `driftwatchctl digest send` can.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "digest.h"
#include "links.h"
#include "log.h"
#include "notice.h"
#include "outbox.h"
#include "roles.h"
#include "watch.h"
#include "xmalloc.h"

/* One recipient of a digest: the address and the transport it goes through. */
struct digest_recipient {
	char *address;
	char *transport;
	char *dedupe_key;
};

/* Resolve dc's recipients; those without an email are logged and counted in *skipped. */
static int
digest_recipients(struct store *s, const struct config *cfg, const struct config_digest *dc,
    struct digest_recipient **out, int *skipped)
{
	struct digest_recipient *v = NULL;
	struct role_route route;
	const char *to, *transport;
	char *cause = NULL;
	int i, n = 0;

	for (i = 0; i < dc->nto; i++) {
		to = dc->to[i];
		if (strncmp(to, "role:", 5) == 0) {
			if (roles_route(s, cfg, to + 5, &route, &cause) != 0) {
				log_warnx("digest: %s: %s; not sent to that role", dc->name, cause);
				free(cause);
				cause = NULL;
				role_route_free(&route);
				(*skipped)++;
				continue;
			}
			transport = outbox_transport_for(cfg, dc->transport != NULL ? dc->transport : route.transport);
			v = xreallocarray(v, (size_t)n + 1, sizeof *v);
			v[n].address = xstrdup(route.email);
			v[n].transport = xstrdup(transport);
			n++;
			role_route_free(&route);
		} else {
			v = xreallocarray(v, (size_t)n + 1, sizeof *v);
			v[n].address = xstrdup(to);
			v[n].transport = xstrdup(outbox_transport_for(cfg, dc->transport));
			n++;
		}
	}
	*out = v;
	return n;
}

/* Free recipients. */
static void
digest_recipients_free(struct digest_recipient *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(v[i].address), free(v[i].transport), free(v[i].dedupe_key);
	free(v);
}

/* Is this transport a webhook (Teams or JSON)? Those get the short summary, not the whole email. */
static int
digest_is_webhook(const struct config *cfg, const char *transport)
{
	const struct config_transport *t = config_transport(cfg, transport);

	return t != NULL && t->t.type != NULL && strcmp(t->t.type, "webhook") == 0;
}

/* See digest.h. */
int
digest_enqueue(struct store *s, const struct config *cfg, const struct config_digest *dc, int year, int month,
    time_t now, struct digest_send *ds, char **cause)
{
	struct digest_recipient *r = NULL;
	struct digest *d = NULL;
	struct outbox_item item;
	struct attachment csv;
	char *text = NULL, *html = NULL, *csvdata = NULL, *csvname = NULL, *subject = NULL, *summary = NULL;
	char *payload = NULL, *detail, subj[64], *own_text, *own_html;
	struct notice_links links;
	struct link_subject sub;
	int n, i, added, enq, todo = 0, rc = -1;

	ds->added = ds->already = ds->skipped = 0;
	n = digest_recipients(s, cfg, dc, &r, &ds->skipped);
	for (i = 0; i < n; i++) {
		if (ds->again)
			xasprintf(&r[i].dedupe_key, "digest:%s:%04d-%02d:%s:again:%lld", dc->name, year, month,
			    r[i].address, (long long)now);
		else
			xasprintf(&r[i].dedupe_key, "digest:%s:%04d-%02d:%s", dc->name, year, month, r[i].address);
		if (notice_state(s, r[i].dedupe_key, NULL))
			ds->already++;
		else
			todo++;
	}
	if (todo == 0) {
		rc = 0; /* every recipient has it: do not even compute the figures */
		goto out;
	}
	if (digest_build(s, cfg, dc, year, month, calendar_local_date(now), &d, cause) != 0)
		goto out;
	text = digest_text(d, NULL);
	html = digest_html(d, NULL);
	csvdata = digest_csv(d);
	csvname = digest_csv_filename(d);
	subject = digest_subject(d);
	summary = digest_summary(d);
	payload = digest_payload(d);
	memset(&csv, 0, sizeof csv);
	csv.filename = csvname;
	csv.content_type = "text/csv; charset=utf-8";
	csv.data = csvdata;
	csv.len = strlen(csvdata);
	snprintf(subj, sizeof subj, "digest:%s", dc->name);
	for (i = 0; i < n; i++) {
		if (notice_state(s, r[i].dedupe_key, NULL))
			continue;
		memset(&item, 0, sizeof item);
		item.dedupe_key = r[i].dedupe_key;
		item.kind = "digest";
		item.transport = r[i].transport;
		item.recipient = r[i].address;
		item.subject = subject;
		item.payload = payload;
		item.urgent = ds->urgent;
		/* Each recipient's own line: how to subscribe to their calendar feed (public_url set). */
		memset(&sub, 0, sizeof sub);
		sub.domain = LINK_DIGEST;
		sub.role = "digest";
		sub.due = DATE_NONE;
		sub.recipient = r[i].address;
		sub.dedupe_key = r[i].dedupe_key;
		if (links_for_notice(s, cfg, &sub, now, &links, cause) != 0)
			goto out;
		own_text = own_html = NULL;
		if (links.feed_url != NULL) {
			own_text = digest_text(d, &links);
			own_html = digest_html(d, &links);
		}
		notice_links_free(&links);
		if (digest_is_webhook(cfg, r[i].transport))
			item.body_text = summary;
		else {
			item.body_text = own_text != NULL ? own_text : text;
			item.body_html = own_html != NULL ? own_html : html;
			item.attachments = &csv;
			item.nattachments = 1;
		}
		enq = outbox_enqueue(s, cfg, &item, now, &added, cause);
		free(own_text), free(own_html);
		if (enq != 0)
			goto out;
		if (!added) {
			ds->already++;
			continue;
		}
		ds->added++;
		log_info("digest: %s %04d-%02d: to %s", dc->name, year, month, r[i].address);
		xasprintf(&detail, "%04d-%02d to %s%s", year, month, r[i].address, ds->again ? " (again)" : "");
		if (audit_add(s, now, ds->urgent ? "ctl" : "daemon", "digest-sent", subj, detail, cause) != 0) {
			free(detail);
			goto out;
		}
		free(detail);
	}
	rc = 0;
out:
	digest_recipients_free(r, n);
	digest_free(d);
	free(text), free(html), free(csvdata), free(csvname), free(subject), free(summary), free(payload);
	return rc;
}

/* The instant dc is due in (year, month): its first working day at `when`. */
static time_t
watch_digest_due(const struct config *cfg, const struct config_digest *dc, int year, int month)
{
	return calendar_local_time(digest_send_date(cfg->calendar, year, month), dc->when_minutes);
}

/* Fire what is due; see watch.h. */
static int
watch_digest_fire(struct store *s, const struct config *cfg, time_t now, time_t *next, char **cause)
{
	struct digest_send ds;
	int date = calendar_local_date(now), y, m, dd, ry, rm, i;
	time_t due;

	date_to_ymd(date, &y, &m, &dd);
	digest_month_reported(date, &ry, &rm);
	for (i = 0; i < cfg->ndigests; i++) {
		const struct config_digest *dc = &cfg->digests[i];

		due = watch_digest_due(cfg, dc, y, m);
		if (now < due) {
			if (*next == 0 || due < *next)
				*next = due;
			continue;
		}
		/* Only this month's digest: a month the daemon missed whole is not sent by itself. */
		memset(&ds, 0, sizeof ds);
		if (digest_enqueue(s, cfg, dc, ry, rm, now, &ds, cause) != 0)
			return -1;
		due = watch_digest_due(cfg, dc, m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
		if (*next == 0 || due < *next)
			*next = due;
	}
	return 0;
}

const struct watcher watch_digest = { "digest", watch_digest_fire };
