/*
 * import_ssd.c: the Standard Safeguarding Dataset (Data to Insight's ssd_* tables, rebuilt nightly
 * in the council's own database) exported as CSV, one file per table named as the table, with the
 * SSD data model's column names:
 *
 *   ssd_cla_episodes.csv   episodes of care -> periods of care (chained as the SSDA903's: a period
 *                          starts at a start reason S and ends at a ceased reason other than X1)
 *   ssd_cla_reviews.csv    reviews; a cancelled review, or one with no review date, is not held
 *   ssd_involvements.csv   the current social worker, IRO and team manager ([ssd] role codes)
 *   ssd_professionals.csv  professional id -> staff id and SWE number (names are not read)
 *   staff_emails.csv       staff id -> email (the SSD holds no email addresses)
 *   ssd_cla_care_plan.csv  optional: the permanence plan (lacp_cla_care_plan_json)
 *   ssd_permanence.csv     optional: the agency decision for adoption (perm_adm_decision_date)
 *
 * The episodes and reviews go through the SSDA903 route's own checks (import_ssd.h), so the same
 * children give the same periods and reviews either way. Every problem is FILE:LINE:COLUMN;
 * everything is written in one transaction, or nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "allocations.h"
#include "audit.h"
#include "calendar.h"
#include "config.h"
#include "csv.h"
#include "import.h"
#include "import_ssd.h"
#include "reviews.h"
#include "store.h"
#include "xmalloc.h"

enum {
	SSD_EPISODES,
	SSD_REVIEWS,
	SSD_INVOLVEMENTS,
	SSD_PROFESSIONALS,
	SSD_STAFF,
	SSD_CARE_PLAN, /* the optional ones from here */
	SSD_PERMANENCE,
	SSD_NFILES,
};
#define SSD_NREQUIRED SSD_CARE_PLAN

static const char *const ssd_files[SSD_NFILES] = { "ssd_cla_episodes.csv", "ssd_cla_reviews.csv",
	"ssd_involvements.csv", "ssd_professionals.csv", "staff_emails.csv", "ssd_cla_care_plan.csv",
	"ssd_permanence.csv" };

/* Who an involvement names. */
enum ssd_who { SSD_SOCIAL_WORKER, SSD_TEAM_MANAGER, SSD_IRO, SSD_NWHO };

/* ssd_professionals: the ids only. */
struct ssd_professional {
	char *id, *staff_id, *registration_no;
};

/* A current involvement that may name the child's worker (80,000 children have 240,000: kept small). */
struct ssd_involvement {
	char *person;
	int professional; /* index into profs */
	int team;	  /* index into teams */
	enum ssd_who who;
	int start, line, col;
};

/* A permanence plan from the care plan or the adoption decision. */
struct ssd_plan {
	char *person;
	const char *plan;
	int agreed_on;
};

/* Everything read, beyond the shared episodes and reviews. */
struct ssd {
	struct ssda903 x;
	const struct config *cfg;
	struct ssd_professional *profs; /* sorted by id */
	int nprofs;
	struct ssd_involvement *invs;
	int ninvs;
	char **teams; /* each team named once */
	int nteams;
	struct import_seen team_seen;
	struct ssd_plan *plans;
	int nplans;
	struct allocation *allocs; /* pointers into invs, profs, teams and the staff: nothing owned */
	int nallocs;
	time_t now;
};

/* See import_ssd.h. */
int
ssd_date(const char *s, int today, int *date)
{
	char day[DATE_BUFSZ];
	size_t len = strlen(s);

	/* DATETIME as SQL Server writes it: "2024-12-10 00:00:00.000" (or with a T); the time is dropped. */
	if (len > 10 && (s[10] == ' ' || s[10] == 'T')) {
		if (strspn(s + 11, "0123456789:.") != len - 11)
			return -1;
		memcpy(day, s, DATE_BUFSZ - 1);
		day[DATE_BUFSZ - 1] = '\0';
		return date_parse(day, date);
	}
	return ssda903_date(s, today, date);
}

/* See import_ssd.h: a bare code ("S", "E11") or one followed by a separator ("X1 - Episode ceases"). */
int
ssd_code(const char *s, char *code, size_t size)
{
	size_t n = 0;

	while (s[n] != '\0' &&
	    ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
		n++;
	if (n == 0 || n >= size || n > 4 || (s[n] != '\0' && strchr(" -:.", s[n]) == NULL))
		return -1;
	memcpy(code, s, n);
	code[n] = '\0';
	return 0;
}

/* ssd_cla_episodes.csv: every row checked on its own, as an SSDA903 episode. */
static void
ssd_read_episodes(struct ssd *d, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "clae_cla_episode_id", "clae_person_id", "clae_cla_placement_id",
		"clae_cla_episode_start_date", "clae_cla_episode_start_reason", "clae_cla_primary_need_code",
		"clae_cla_episode_ceased_date", "clae_cla_episode_ceased_reason", "clae_cla_id", "clae_referral_id",
		"clae_cla_last_iro_contact_date", "clae_entered_care_date", NULL };
	static const int required[] = { 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	struct import_seen seen = { 0 }; /* a child has several episodes: list each once */

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *person = import_file_field(&in, 1), *start = import_file_field(&in, 3);
		const struct csv_field *why = import_file_field(&in, 4), *ceased = import_file_field(&in, 6);
		const struct csv_field *end = import_file_field(&in, 7);
		struct ssda903_episode e = { 0 };

		if (person->len == 0) {
			ssda903_skip(x, t, person->line, person->column, "person missing", "clae_person_id: missing");
			continue;
		}
		if (import_seen_add(&seen, person->value, person->line) == 0)
			ssda903_add_child(x, person->value, person->line);
		if (start->len == 0 || ssd_date(start->value, x->today, &e.decom) != 0) {
			ssda903_skip(x, t, start->line, start->column, "start date not a date",
			    "clae_cla_episode_start_date: \"%s\" is not a date (want YYYY-MM-DD [hh:mm:ss.fff] or dd/mm/yyyy)",
			    start->value);
			continue;
		}
		if (e.decom > x->today) {
			ssda903_skip(x, t, start->line, start->column, "start date in the future",
			    "clae_cla_episode_start_date: %s is after today", start->value);
			continue;
		}
		e.dec = DATE_NONE;
		if (ceased->len > 0 && ssd_date(ceased->value, x->today, &e.dec) != 0) {
			ssda903_skip(x, t, ceased->line, ceased->column, "ceased date not a date",
			    "clae_cla_episode_ceased_date: \"%s\" is not a date (want YYYY-MM-DD [hh:mm:ss.fff] or dd/mm/yyyy)",
			    ceased->value);
			continue;
		}
		if (ssd_code(why->value, e.rne, sizeof e.rne) != 0) {
			ssda903_skip(x, t, why->line, why->column, "start reason not a code",
			    "clae_cla_episode_start_reason: \"%s\" does not begin with a 903 RNE code (S, L, P, T, U, B)",
			    why->value);
			continue;
		}
		if (end->len > 0 && ssd_code(end->value, e.rec, sizeof e.rec) != 0) {
			ssda903_skip(x, t, end->line, end->column, "ceased reason not a code",
			    "clae_cla_episode_ceased_reason: \"%s\" does not begin with a 903 REC code (X1, E11, ...)",
			    end->value);
			continue;
		}
		if (e.dec != DATE_NONE && e.dec < e.decom) {
			ssda903_skip(x, t, ceased->line, ceased->column, "episode ends before it starts",
			    "clae_cla_episode_ceased_date %s is before clae_cla_episode_start_date %s: the episode ends before it starts",
			    ceased->value, start->value);
			continue;
		}
		if (e.dec != DATE_NONE && end->len == 0) {
			ssda903_skip(x, t, end->line, end->column, "ceased date without a reason",
			    "clae_cla_episode_ceased_reason: missing while clae_cla_episode_ceased_date is set");
			continue;
		}
		if (e.dec == DATE_NONE && end->len > 0 && strcmp(e.rec, "X1") != 0) {
			ssda903_skip(x, t, end->line, end->column, "reason ends care but no ceased date",
			    "clae_cla_episode_ceased_reason %s ends the period of care but clae_cla_episode_ceased_date is empty",
			    e.rec);
			continue;
		}
		e.child = xstrdup(person->value);
		e.line = in.row.line;
		e.col_decom = start->column;
		e.col_rne = why->column;
		ssda903_add_episode(x, &e);
	}
	import_seen_free(&seen);
	ssda903_close(x, &in);
	ssda903_children_index(x);
}

/* ssd_cla_reviews.csv: reviews held; cancelled ones and those not yet held are not reviews held. */
static void
ssd_read_reviews(struct ssd *d, const char *path, struct ssda903_tally *t, int *ncancelled, int *nnot_held)
{
	static const char *const names[] = { "clar_cla_review_id", "clar_cla_id", "clar_cla_person_id",
		"clar_cla_review_due_date", "clar_cla_review_date", "clar_cla_review_cancelled",
		"clar_cla_review_participation", NULL };
	static const int required[] = { 0, 0, 1, 0, 1, 1, 0 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *person = import_file_field(&in, 2), *held = import_file_field(&in, 4);
		const struct csv_field *cancelled = import_file_field(&in, 5);
		struct ssda903_review v = { 0 };

		if (ssda903_known_child(x, t, person) != 0)
			continue;
		if (cancelled->len > 0 && strcasecmp(cancelled->value, "Y") != 0 &&
		    strcasecmp(cancelled->value, "N") != 0) {
			ssda903_skip(x, t, cancelled->line, cancelled->column, "cancelled not Y or N",
			    "clar_cla_review_cancelled: \"%s\" is not Y or N", cancelled->value);
			continue;
		}
		/* A cancelled review was not held, whatever date it carries: it does not restart the clock. */
		if (strcasecmp(cancelled->value, "Y") == 0) {
			(*ncancelled)++;
			t->unused++;
			continue;
		}
		if (held->len == 0) {
			(*nnot_held)++;
			t->unused++;
			continue;
		}
		if (ssd_date(held->value, x->today, &v.held_on) != 0) {
			ssda903_skip(x, t, held->line, held->column, "review date not a date",
			    "clar_cla_review_date: \"%s\" is not a date (want YYYY-MM-DD [hh:mm:ss.fff] or dd/mm/yyyy)",
			    held->value);
			continue;
		}
		if (v.held_on > x->today) {
			ssda903_skip(x, t, held->line, held->column, "review date in the future",
			    "clar_cla_review_date: %s is after today: a review held cannot be in the future",
			    held->value);
			continue;
		}
		v.child = xstrdup(person->value);
		v.line = in.row.line;
		v.col = held->column;
		ssda903_add_review(x, &v);
	}
	ssda903_close(x, &in);
	ssda903_place_reviews(x, t);
}

/* Add a permanence plan. */
static void
ssd_add_plan(struct ssd *d, const char *person, const char *plan, int agreed_on)
{
	if ((d->nplans & (d->nplans - 1)) == 0) /* grow by doubling */
		d->plans = xreallocarray(d->plans, (size_t)d->nplans * 2 + 1, sizeof *d->plans);
	d->plans[d->nplans].person = xstrdup(person);
	d->plans[d->nplans].plan = plan;
	d->plans[d->nplans].agreed_on = agreed_on;
	d->nplans++;
}

/* A plan's person is a looked-after child of this extract; otherwise the row is skipped. */
static int
ssd_plan_child(struct ssd *d, struct ssda903_tally *t, const struct csv_field *person, const char *column)
{
	struct ssda903_child *c;

	if (person->len == 0) {
		ssda903_skip(&d->x, t, person->line, person->column, "person missing", "%s: missing", column);
		return -1;
	}
	if ((c = ssda903_child(&d->x, person->value)) == NULL || c->nperiods == 0) {
		ssda903_skip(&d->x, t, person->line, person->column, "no period of care",
		    "%s %s: no period of care in ssd_cla_episodes.csv", column, person->value);
		return -1;
	}
	return 0;
}

/* Is a care-plan JSON value ticked ("1", "Y", true, 1)? */
static bool
ssd_ticked(const json_t *v)
{
	const char *s;

	if (json_is_true(v))
		return true;
	if (json_is_integer(v))
		return json_integer_value(v) != 0;
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
	return strcmp(s, "1") == 0 || strcasecmp(s, "Y") == 0 || strcasecmp(s, "Yes") == 0 ||
	    strcasecmp(s, "true") == 0;
}

/*
 * The plan a care-plan key means. The keys are the SSDA903 Annex A permanence plan types: remain
 * with or return to family, long-term with relatives or friends, long-term fostering, adoption;
 * residential, supported living and the rest are driftwatch's "other".
 */
static const char *
ssd_care_plan(const char *key)
{
	static const char *const map[][2] = { { "REMAINSUP", "return-home" }, { "RETURN1M", "return-home" },
		{ "RETURN6M", "return-home" }, { "RETURNEV", "return-home" }, { "LTRELFR", "kinship" },
		{ "LTFOST18", "long-term-fostering" }, { "RESPLMT", "other" }, { "SUPPLIV", "other" },
		{ "ADOPTION", "adoption" }, { "OTHERPLN", "other" } };
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (strcasecmp(map[i][0], key) == 0)
			return map[i][1];
	}
	return NULL;
}

/* ssd_cla_care_plan.csv: the plan ticked in lacp_cla_care_plan_json, agreed on its start date. */
static void
ssd_read_care_plans(struct ssd *d, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "lacp_table_id", "lacp_person_id", "lacp_cla_care_plan_start_date",
		"lacp_cla_care_plan_end_date", "lacp_cla_care_plan_json", NULL };
	static const int required[] = { 0, 1, 1, 0, 1 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	int date, nticked;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *person = import_file_field(&in, 1), *start = import_file_field(&in, 2);
		const struct csv_field *js = import_file_field(&in, 4);
		const char *plan = NULL, *key, *unknown = NULL;
		json_error_t jerr;
		json_t *o, *v;

		if (ssd_plan_child(d, t, person, "lacp_person_id") != 0)
			continue;
		if (start->len == 0 || ssd_date(start->value, x->today, &date) != 0 || date > x->today) {
			ssda903_skip(x, t, start->line, start->column, "start date not a date",
			    "lacp_cla_care_plan_start_date: \"%s\" is not a date on or before today", start->value);
			continue;
		}
		if ((o = json_loads(js->value, 0, &jerr)) == NULL || !json_is_object(o)) {
			ssda903_skip(x, t, js->line, js->column, "plan not JSON",
			    "lacp_cla_care_plan_json: not a JSON object of plan types (%s)",
			    o == NULL ? jerr.text : "not an object");
			json_decref(o);
			continue;
		}
		nticked = 0;
		json_object_foreach(o, key, v) {
			if (!ssd_ticked(v))
				continue;
			nticked++;
			if ((plan = ssd_care_plan(key)) == NULL)
				unknown = key;
		}
		if (unknown != NULL) {
			ssda903_skip(x, t, js->line, js->column, "unknown plan type",
			    "lacp_cla_care_plan_json: \"%s\" is not a permanence plan type (REMAINSUP, RETURN1M, RETURN6M, "
			    "RETURNEV, LTRELFR, LTFOST18, RESPLMT, SUPPLIV, ADOPTION, OTHERPLN)",
			    unknown);
		} else if (nticked > 1) {
			ssda903_skip(x, t, js->line, js->column, "several plans ticked",
			    "lacp_cla_care_plan_json: %d plan types ticked; a care plan has one", nticked);
		} else if (nticked == 0)
			t->unused++; /* a care plan with no permanence plan chosen yet */
		else {
			ssd_add_plan(d, person->value, plan, date);
			t->used++;
		}
		json_decref(o);
	}
	ssda903_close(x, &in);
}

/* ssd_permanence.csv: the agency decision maker's decision for adoption is an adoption plan agreed. */
static void
ssd_read_permanence(struct ssd *d, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "perm_table_id", "perm_person_id", "perm_cla_id", "perm_adm_decision_date",
		"perm_ffa_cp_decision_date", "perm_placement_order_date", "perm_matched_date",
		"perm_placed_for_adoption_date", "perm_placed_foster_carer_date", "perm_placed_ffa_cp_date",
		"perm_decision_reversed_date", "perm_decision_reversed_reason", "perm_permanence_order_date",
		"perm_permanence_order_type", "perm_part_of_sibling_group", "perm_siblings_placed_together",
		"perm_siblings_placed_apart", "perm_adopter_sex", "perm_adopter_legal_status",
		"perm_number_of_adopters", "perm_adopted_by_carer_flag", "perm_placement_provider_urn",
		"perm_adoption_worker_id", NULL };
	static const int required[] = { 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	int date;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *person = import_file_field(&in, 1), *adm = import_file_field(&in, 3);

		if (adm->len == 0) {
			t->unused++; /* no decision for adoption */
			continue;
		}
		if (ssd_plan_child(d, t, person, "perm_person_id") != 0)
			continue;
		if (ssd_date(adm->value, x->today, &date) != 0 || date > x->today) {
			ssda903_skip(x, t, adm->line, adm->column, "decision date not a date",
			    "perm_adm_decision_date: \"%s\" is not a date on or before today", adm->value);
			continue;
		}
		ssd_add_plan(d, person->value, "adoption", date);
		t->used++;
	}
	ssda903_close(x, &in);
}

/* Order professionals by id, for lookups. */
static int
ssd_cmp_prof(const void *a, const void *b)
{
	return strcmp(((const struct ssd_professional *)a)->id, ((const struct ssd_professional *)b)->id);
}

/* A professional's index by id, or -1. */
static int
ssd_professional(const struct ssd *d, const char *id)
{
	struct ssd_professional key = { 0 }, *p;

	if (d->nprofs == 0)
		return -1;
	key.id = (char *)(uintptr_t)id;
	p = bsearch(&key, d->profs, (size_t)d->nprofs, sizeof *d->profs, ssd_cmp_prof);
	return p != NULL ? (int)(p - d->profs) : -1;
}

/* A team's index, the name kept once however many involvements name it. */
static int
ssd_team(struct ssd *d, const char *team)
{
	int seen = import_seen_add(&d->team_seen, team, d->nteams + 1);

	if (seen != 0)
		return seen - 1;
	if ((d->nteams & (d->nteams - 1)) == 0) /* grow by doubling */
		d->teams = xreallocarray(d->teams, (size_t)d->nteams * 2 + 1, sizeof *d->teams);
	d->teams[d->nteams] = xstrdup(team);
	return d->nteams++;
}

/* ssd_professionals.csv: the ids that lead to an email. The name, job title and the rest are not read. */
static void
ssd_read_professionals(struct ssd *d, const char *path, struct ssda903_tally *t)
{
	static const char *const names[] = { "prof_professional_id", "prof_staff_id", "prof_professional_name",
		"prof_social_worker_registration_no", "prof_agency_worker_flag", "prof_professional_job_title",
		"prof_professional_caseload", "prof_professional_department", NULL };
	static const int required[] = { 1, 0, 0, 0, 0, 0, 0, 0 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	struct import_seen seen = { 0 };
	int first;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *id = import_file_field(&in, 0), *staff = import_file_field(&in, 1);
		const struct csv_field *reg = import_file_field(&in, 3);

		if (id->len == 0) {
			ssda903_skip(
			    x, t, id->line, id->column, "professional id missing", "prof_professional_id: missing");
			continue;
		}
		if ((first = import_seen_add(&seen, id->value, in.row.line)) != 0) {
			ssda903_skip(x, t, id->line, id->column, "duplicate professional id",
			    "prof_professional_id %s: already listed at line %d", id->value, first);
			continue;
		}
		if ((d->nprofs & (d->nprofs - 1)) == 0) /* grow by doubling */
			d->profs = xreallocarray(d->profs, (size_t)d->nprofs * 2 + 1, sizeof *d->profs);
		d->profs[d->nprofs].id = xstrdup(id->value);
		d->profs[d->nprofs].staff_id = xstrdup(staff->value);
		d->profs[d->nprofs].registration_no = xstrdup(reg->value);
		d->nprofs++;
		t->used++;
	}
	if (d->nprofs > 1)
		qsort(d->profs, (size_t)d->nprofs, sizeof *d->profs, ssd_cmp_prof);
	import_seen_free(&seen);
	ssda903_close(x, &in);
}

/* Which person an involvement's role code names under [ssd]; -1 for a role driftwatch does not use. */
static int
ssd_role(const struct config *cfg, const char *code)
{
	int i;

	for (i = 0; i < cfg->ssd_nsocial_worker_roles; i++) {
		if (strcmp(cfg->ssd_social_worker_roles[i], code) == 0)
			return SSD_SOCIAL_WORKER;
	}
	for (i = 0; i < cfg->ssd_nteam_manager_roles; i++) {
		if (strcmp(cfg->ssd_team_manager_roles[i], code) == 0)
			return SSD_TEAM_MANAGER;
	}
	for (i = 0; i < cfg->ssd_niro_roles; i++) {
		if (strcmp(cfg->ssd_iro_roles[i], code) == 0)
			return SSD_IRO;
	}
	return -1;
}

/* Involvements by person, role, then the latest start last. */
static int
ssd_cmp_involvement(const void *a, const void *b)
{
	const struct ssd_involvement *x = a, *y = b;
	int c = strcmp(x->person, y->person);

	if (c != 0)
		return c;
	if (x->who != y->who)
		return (int)x->who - (int)y->who;
	if (x->start != y->start)
		return (x->start > y->start) - (x->start < y->start);
	return x->line - y->line;
}

/* A professional's email: by staff id, else by Social Work England number (the 903's SW_ID). */
static const char *
ssd_email(const struct ssd *d, const struct ssd_professional *p)
{
	const char *email = ssda903_staff_email(&d->x, p->staff_id);

	return email != NULL ? email : ssda903_staff_email(&d->x, p->registration_no);
}

/*
 * ssd_involvements.csv: the current involvements (started, not ended) of the roles [ssd] maps;
 * per child and role the latest start wins. Each becomes part of the child's allocation.
 */
static void
ssd_read_involvements(struct ssd *d, const char *path, struct ssda903_tally *t, int *nunmapped, int *nended)
{
	static const char *const names[] = { "invo_involvements_id", "invo_professional_id",
		"invo_professional_role_id", "invo_professional_team", "invo_person_id", "invo_involvement_start_date",
		"invo_involvement_end_date", "invo_worker_change_reason", "invo_referral_id", NULL };
	static const int required[] = { 0, 1, 1, 0, 1, 1, 1, 0, 0 };
	struct ssda903 *x = &d->x;
	struct import_errors fe = { path, NULL, 0 };
	struct import_file in;
	int start, end, who, i, j, p;

	import_file_open(&in, &fe, path, names, required);
	while (ssda903_next(&in, t)) {
		const struct csv_field *prof = import_file_field(&in, 1), *role = import_file_field(&in, 2);
		const struct csv_field *team = import_file_field(&in, 3), *person = import_file_field(&in, 4);
		const struct csv_field *fstart = import_file_field(&in, 5), *fend = import_file_field(&in, 6);
		struct ssd_involvement *v;

		if ((who = ssd_role(d->cfg, role->value)) < 0) {
			(*nunmapped)++;
			t->unused++;
			continue;
		}
		if (person->len == 0) {
			ssda903_skip(x, t, person->line, person->column, "person missing", "invo_person_id: missing");
			continue;
		}
		if (prof->len == 0) {
			ssda903_skip(
			    x, t, prof->line, prof->column, "professional id missing", "invo_professional_id: missing");
			continue;
		}
		if (fstart->len == 0 || ssd_date(fstart->value, x->today, &start) != 0) {
			ssda903_skip(x, t, fstart->line, fstart->column, "start date not a date",
			    "invo_involvement_start_date: \"%s\" is not a date (want YYYY-MM-DD [hh:mm:ss.fff] or dd/mm/yyyy)",
			    fstart->value);
			continue;
		}
		end = DATE_NONE;
		if (fend->len > 0 && ssd_date(fend->value, x->today, &end) != 0) {
			ssda903_skip(x, t, fend->line, fend->column, "end date not a date",
			    "invo_involvement_end_date: \"%s\" is not a date (want YYYY-MM-DD [hh:mm:ss.fff] or dd/mm/yyyy)",
			    fend->value);
			continue;
		}
		if (end != DATE_NONE && end < start) {
			ssda903_skip(x, t, fend->line, fend->column, "involvement ends before it starts",
			    "invo_involvement_end_date %s is before invo_involvement_start_date %s", fend->value,
			    fstart->value);
			continue;
		}
		if (start > x->today || (end != DATE_NONE && end <= x->today)) {
			(*nended)++;
			t->unused++;
			continue;
		}
		if ((p = ssd_professional(d, prof->value)) < 0) {
			ssda903_skip(x, t, prof->line, prof->column, "professional not in ssd_professionals.csv",
			    "invo_professional_id %s: not in ssd_professionals.csv", prof->value);
			continue;
		}
		if ((d->ninvs & (d->ninvs - 1)) == 0) /* grow by doubling */
			d->invs = xreallocarray(d->invs, (size_t)d->ninvs * 2 + 1, sizeof *d->invs);
		v = &d->invs[d->ninvs++];
		v->person = xstrdup(person->value);
		v->professional = p;
		v->team = ssd_team(d, team->value);
		v->who = (enum ssd_who)who;
		v->start = start;
		v->line = in.row.line;
		v->col = prof->column;
	}
	ssda903_close(x, &in);
	if (d->ninvs > 1)
		qsort(d->invs, (size_t)d->ninvs, sizeof *d->invs, ssd_cmp_involvement);
	/* One allocation per child: the last (latest started) involvement of each role. */
	for (i = 0; i < d->ninvs; i = j) {
		struct allocation a = { 0 };
		int team[SSD_NWHO] = { -1, -1, -1 };
		bool any = false;

		for (j = i; j < d->ninvs && strcmp(d->invs[j].person, d->invs[i].person) == 0; j++) {
			struct ssd_involvement *v = &d->invs[j];
			const struct ssd_professional *pr;
			const char *email, *id;
			if (j + 1 < d->ninvs && strcmp(d->invs[j + 1].person, v->person) == 0 &&
			    d->invs[j + 1].who == v->who) {
				t->unused++; /* a later involvement of the same role is the current one */
				continue;
			}
			pr = &d->profs[v->professional];
			if ((email = ssd_email(d, pr)) == NULL) {
				ssda903_skip(x, t, v->line, v->col, "no email in staff_emails.csv",
				    "invo_professional_id %s: no email in staff_emails.csv (by prof_staff_id \"%s\" or "
				    "prof_social_worker_registration_no \"%s\")",
				    pr->id, pr->staff_id, pr->registration_no);
				continue;
			}
			/* An id, never a name: the SSD's names stay in the council's system. */
			id = *pr->staff_id != '\0' ? pr->staff_id : pr->id;
			team[v->who] = v->team;
			if (v->who == SSD_SOCIAL_WORKER)
				a.social_worker = (char *)(uintptr_t)id,
				a.social_worker_email = (char *)(uintptr_t)email;
			else if (v->who == SSD_TEAM_MANAGER)
				a.team_manager = (char *)(uintptr_t)id, a.team_manager_email = (char *)(uintptr_t)email;
			else
				a.iro = (char *)(uintptr_t)id, a.iro_email = (char *)(uintptr_t)email;
			any = true;
			t->used++;
		}
		if (!any)
			continue;
		a.case_ref = d->invs[i].person;
		for (p = 0; p < SSD_NWHO && team[p] < 0; p++)
			;
		a.team = p < SSD_NWHO ? d->teams[team[p]] : (char *)(uintptr_t) "";
		if ((d->nallocs & (d->nallocs - 1)) == 0) /* grow by doubling */
			d->allocs = xreallocarray(d->allocs, (size_t)d->nallocs * 2 + 1, sizeof *d->allocs);
		d->allocs[d->nallocs++] = a;
	}
}

/* Which file a path is, or -1. */
static int
ssd_kind(const char *path)
{
	return import_file_kind(path, ssd_files, SSD_NFILES);
}

/* Sort the paths given (files or folders) into the SSD's files; the rest are listed as not read. */
static int
ssd_find_files(char *const *paths, int npaths, char *files[SSD_NFILES], char **others, FILE *err)
{
	struct stat sb;
	int i, j, k, n;

	for (i = 0; i < npaths; i++) {
		if (stat(paths[i], &sb) != 0) {
			fprintf(err, "%s: %s\n", paths[i], strerror(errno));
			return 66;
		}
		if (S_ISDIR(sb.st_mode)) {
			struct dirent **ents;
			if ((n = scandir(paths[i], &ents, NULL, alphasort)) < 0) {
				fprintf(err, "%s: %s\n", paths[i], strerror(errno));
				return 66;
			}
			for (j = 0; j < n; j++) {
				char *p;
				size_t len = strlen(ents[j]->d_name);
				if (ents[j]->d_name[0] != '.' && len > 4 &&
				    strcasecmp(ents[j]->d_name + len - 4, ".csv") == 0) {
					xasprintf(&p, "%s/%s", paths[i], ents[j]->d_name);
					if ((k = ssd_kind(p)) >= 0 && files[k] == NULL)
						files[k] = p;
					else {
						xappendf(others, "%s%s", *others != NULL ? ", " : "", ents[j]->d_name);
						free(p);
					}
				}
				free(ents[j]);
			}
			free(ents);
			continue;
		}
		if ((k = ssd_kind(paths[i])) >= 0 && files[k] == NULL)
			files[k] = xstrdup(paths[i]);
		else
			xappendf(others, "%s%s", *others != NULL ? ", " : "", paths[i]);
	}
	for (k = 0; k < SSD_NREQUIRED; k++) {
		if (files[k] == NULL) {
			fprintf(err,
			    "driftwatchctl: import ssd: no %s among the files given (want ssd_cla_episodes.csv, "
			    "ssd_cla_reviews.csv, ssd_involvements.csv, ssd_professionals.csv and staff_emails.csv, "
			    "or their folder)\n",
			    ssd_files[k]);
			return 66;
		}
	}
	return 0;
}

/* Free what was read. */
static void
ssd_free(struct ssd *d)
{
	int i;

	ssda903_free(&d->x);
	for (i = 0; i < d->nprofs; i++)
		free(d->profs[i].id), free(d->profs[i].staff_id), free(d->profs[i].registration_no);
	free(d->profs);
	for (i = 0; i < d->ninvs; i++)
		free(d->invs[i].person);
	free(d->invs);
	for (i = 0; i < d->nteams; i++)
		free(d->teams[i]);
	free(d->teams);
	import_seen_free(&d->team_seen);
	for (i = 0; i < d->nplans; i++)
		free(d->plans[i].person);
	free(d->plans);
	free(d->allocs);
}

/* Write the children, then the permanence plans and the allocations; the counts into the summary. */
static int
ssd_write(struct store *s, void *arg, char **summary, char **cause)
{
	struct ssd *d = arg;
	char *detail, when[DATE_BUFSZ];
	int i, rc, added, nadded = 0, nperiods, nunknown, nreviews, total, nchanged;

	if (ssda903_write(&d->x, s, d->now, &nperiods, &nunknown, &nreviews, &total, &nchanged, cause) != 0)
		return -1;
	for (i = 0; i < d->nplans; i++) {
		if (reviews_add_plan(s, d->plans[i].person, d->plans[i].plan, d->plans[i].agreed_on, "ssd", d->now,
			&added, cause) != 0)
			return -1;
		if (!added)
			continue;
		nadded++;
		xasprintf(&detail, "%s agreed on %s", d->plans[i].plan, date_format(d->plans[i].agreed_on, when));
		rc = audit_add(s, d->now, "ctl:import", "permanence-recorded", d->plans[i].person, detail, cause);
		free(detail);
		if (rc != 0)
			return -1;
	}
	for (i = 0; i < d->nallocs; i++) {
		if (allocation_put(s, &d->allocs[i], cause) != 0)
			return -1;
	}
	xappendf(summary,
	    "%d children, %d periods of care (%d began before the extract), %d reviews held; %d children "
	    "changed; %d permanence plans (%d new); %d cases allocated",
	    total, nperiods, nunknown, nreviews, nchanged, d->nplans, nadded, d->nallocs);
	return 0;
}

/* See import_ssd.h. */
int
import_ssd(const struct import_request *rq)
{
	struct store *s = rq->store;
	const struct config *cfg = rq->cfg;
	char *const *paths = rq->paths;
	int npaths = rq->npaths;
	bool strict = rq->strict;
	time_t now = rq->now;
	FILE *out = rq->out, *err = rq->err;
	struct ssd d;
	struct ssda903_tally t[SSD_NFILES];
	struct import_commit commit = { "ssd", NULL, now, ssd_write, &d, "ssd-imported", "reviews" };
	char *files[SSD_NFILES] = { NULL }, *others = NULL, *summary = NULL, *why = NULL;
	int k, rc = 0, ncancelled = 0, nnot_held = 0, nunmapped = 0, nended = 0;

	memset(&d, 0, sizeof d);
	memset(t, 0, sizeof t);
	d.cfg = cfg;
	d.now = now;
	d.x.today = calendar_local_date(now);
	d.x.children_from = "ssd_cla_episodes.csv";
	if ((rc = ssd_find_files(paths, npaths, files, &others, err)) != 0)
		goto done;
	for (k = 0; k < SSD_NFILES; k++)
		t[k].file = files[k];

	/* Episodes first (they list the children), then what hangs off them; staff before involvements. */
	ssd_read_episodes(&d, files[SSD_EPISODES], &t[SSD_EPISODES]);
	ssda903_periods(&d.x, &t[SSD_EPISODES]);
	ssd_read_reviews(&d, files[SSD_REVIEWS], &t[SSD_REVIEWS], &ncancelled, &nnot_held);
	if (files[SSD_CARE_PLAN] != NULL)
		ssd_read_care_plans(&d, files[SSD_CARE_PLAN], &t[SSD_CARE_PLAN]);
	if (files[SSD_PERMANENCE] != NULL)
		ssd_read_permanence(&d, files[SSD_PERMANENCE], &t[SSD_PERMANENCE]);
	ssda903_read_staff(&d.x, files[SSD_STAFF], &t[SSD_STAFF]);
	t[SSD_STAFF].used = d.x.nstaff;
	ssd_read_professionals(&d, files[SSD_PROFESSIONALS], &t[SSD_PROFESSIONALS]);
	ssd_read_involvements(&d, files[SSD_INVOLVEMENTS], &t[SSD_INVOLVEMENTS], &nunmapped, &nended);
	ssda903_tally_print(&summary, &t[SSD_EPISODES], "");
	xasprintf(&why, "%d cancelled, %d with no review date: not reviews held", ncancelled, nnot_held);
	ssda903_tally_print(&summary, &t[SSD_REVIEWS], why);
	free(why);
	xasprintf(&why, "%d of roles [ssd] does not map, %d not current, the rest superseded by a later one", nunmapped,
	    nended);
	ssda903_tally_print(&summary, &t[SSD_INVOLVEMENTS], why);
	free(why), why = NULL;
	ssda903_tally_print(&summary, &t[SSD_PROFESSIONALS], "");
	ssda903_tally_print(&summary, &t[SSD_STAFF], "");
	if (files[SSD_CARE_PLAN] != NULL)
		ssda903_tally_print(&summary, &t[SSD_CARE_PLAN], "no plan type ticked");
	if (files[SSD_PERMANENCE] != NULL)
		ssda903_tally_print(&summary, &t[SSD_PERMANENCE], "no adoption decision");
	if (others != NULL)
		xappendf(&summary, "not read: %s\n", others);
	if ((rc = ssda903_report(&d.x, "ssd", summary, strict, err)) != 0)
		goto done;
	/* Everything checked: periods, reviews, plans and allocations in one transaction, or nothing. */
	commit.path = files[SSD_EPISODES];
	if ((rc = import_finish(s, NULL, &commit, &summary, err)) == 0)
		fprintf(out, "%s\n", summary);
done:
	ssd_free(&d);
	for (k = 0; k < SSD_NFILES; k++)
		free(files[k]);
	free(others);
	free(summary);
	return rc;
}
