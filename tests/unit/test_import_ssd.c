/*
 * test_import_ssd.c: the SSD importer's column mapping on crafted tables: dates as SQL Server
 * writes them, the 903 codes at the start of reason descriptions, a cancelled review and one not
 * yet held (neither a review held), the care plan's JSON, the current involvement of each role
 * under the [ssd] role codes, and no professional's name kept; a bad row refuses everything.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "allocations.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "import.h"
#include "import_ssd.h"
#include "reviews.h"
#include "store.h"
#include "test_util.h"
#include "xmalloc.h"

static char tmpdir[] = "/tmp/dwssdXXXXXX";
static int ncase;

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	setenv("TZ", "Europe/London", 1);
	tzset();
	return 0;
}

static int
teardown(void **state)
{
	char *cmd;

	(void)state;
	xasprintf(&cmd, "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

/* The tables of one crafted export. */
struct tables {
	const char *episodes, *reviews, *involvements, *professionals, *staff, *care_plan;
};

static const struct tables good = {
	"clae_cla_episode_id,clae_person_id,clae_cla_episode_start_date,clae_cla_episode_start_reason,"
	"clae_cla_episode_ceased_date,clae_cla_episode_ceased_reason,clae_cla_id\r\n"
	"E1,P100,2023-01-10 00:00:00.000,S - Started to be looked after,2023-05-01 00:00:00.000,X1 - Episode ceases,C1\r\n"
	"E2,P100,2023-05-01 00:00:00.000,P - Placement change,,,C1\r\n",
	"clar_cla_review_id,clar_cla_person_id,clar_cla_review_due_date,clar_cla_review_date,clar_cla_review_cancelled\r\n"
	"R1,P100,2023-02-07,2023-02-06 14:30:00.000,N\r\n"
	"R2,P100,2023-05-06,2023-05-06,Y\r\n"
	"R3,P100,2023-08-06,,N\r\n",
	"invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,invo_person_id,"
	"invo_involvement_start_date,invo_involvement_end_date\r\n"
	"I1,D1,ALLW,Team A,P100,2023-01-10,2023-03-01\r\n"
	"I2,D2,ALLW,Team B,P100,2023-03-01,\r\n"
	"I3,D3,IRO,Team B,P100,2023-01-10,\r\n"
	"I4,D1,CSW,Team A,P100,2023-01-10,\r\n",
	"prof_professional_id,prof_staff_id,prof_professional_name,prof_social_worker_registration_no\r\n"
	"D1,ST1,Ann Example,\r\n"
	"D2,,Bob Example,SW12345\r\n"
	"D3,ST3,Cat Example,\r\n",
	"staff_id,email\r\nST1,ann@council.example\r\nSW12345,bob@council.example\r\nST3,cat@council.example\r\n",
	"lacp_table_id,lacp_person_id,lacp_cla_care_plan_start_date,lacp_cla_care_plan_json\r\n"
	"L1,P100,2023-03-20 00:00:00.000,\"{\"\"ADOPTION\"\": \"\"1\"\", \"\"LTFOST18\"\": null}\"\r\n",
};

/* Write one file. */
static void
put(const char *dir, const char *name, const char *text)
{
	char *p;
	FILE *f;

	xasprintf(&p, "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
	free(p);
}

/* The tables in a fresh folder; returns it. */
static char *
write_tables(const struct tables *t)
{
	char *dir;

	xasprintf(&dir, "%s/x%d", tmpdir, ++ncase);
	assert_int_equal(mkdir(dir, 0700), 0);
	put(dir, "ssd_cla_episodes.csv", t->episodes);
	put(dir, "ssd_cla_reviews.csv", t->reviews);
	put(dir, "ssd_involvements.csv", t->involvements);
	put(dir, "ssd_professionals.csv", t->professionals);
	put(dir, "staff_emails.csv", t->staff);
	put(dir, "ssd_cla_care_plan.csv", t->care_plan);
	return dir;
}

/* A fresh database. */
static struct store *
fresh_store(void)
{
	char *path, *cause = NULL;
	struct store *s;

	xasprintf(&path, "%s/case%d.db", tmpdir, ++ncase);
	if ((s = store_open(path, &cause)) == NULL)
		fail_msg("%s", cause);
	free(path);
	return s;
}

/* The config with this council's role codes. */
static struct config *
council_config(void)
{
	static const char text[] = "[ssd]\nsocial_worker_roles = ALLW\n";
	char *cause = NULL;
	struct config *cfg = config_load_buffer("test.ini", text, sizeof text - 1, CONFIG_NO_FILES, &cause);

	if (cfg == NULL)
		fail_msg("%s", cause);
	return cfg;
}

/* Import dir; rc, with stdout and stderr in *out and *err (caller frees). */
static int
run(struct store *s, const struct config *cfg, char *dir, char **out, char **err)
{
	size_t lo, le;
	FILE *fo = open_memstream(out, &lo), *fe = open_memstream(err, &le);
	time_t now;
	int rc;

	assert_int_equal(clock_parse("2023-09-01T10:00", &now), 0);
	struct import_request rq = { s, cfg, &dir, 1, true, 0, 0, fo, fe };

	rq.now = now;
	rc = import_ssd(&rq);
	fclose(fo);
	fclose(fe);
	return rc;
}

static void
test_dates_and_codes(void **state)
{
	char code[8];
	int d;

	(void)state;
	assert_int_equal(ssd_date("2024-12-10 00:00:00.000", date_from_ymd(2025, 1, 1), &d), 0);
	assert_int_equal(d, date_from_ymd(2024, 12, 10));
	assert_int_equal(ssd_date("2024-12-10T08:30:00", date_from_ymd(2025, 1, 1), &d), 0);
	assert_int_equal(d, date_from_ymd(2024, 12, 10));
	assert_int_equal(ssd_date("10/12/2024", date_from_ymd(2025, 1, 1), &d), 0);
	assert_int_equal(d, date_from_ymd(2024, 12, 10));
	assert_int_equal(ssd_date("2024-12-10 noon", date_from_ymd(2025, 1, 1), &d), -1);
	assert_int_equal(ssd_date("2024-02-30 00:00:00", date_from_ymd(2025, 1, 1), &d), -1);
	assert_int_equal(ssd_code("S - Started to be looked after", code, sizeof code), 0);
	assert_string_equal(code, "S");
	assert_int_equal(ssd_code("X1 - Episode ceases", code, sizeof code), 0);
	assert_string_equal(code, "X1");
	assert_int_equal(ssd_code("E4A: adopted", code, sizeof code), 0);
	assert_string_equal(code, "E4A");
	assert_int_equal(ssd_code("E11", code, sizeof code), 0);
	assert_string_equal(code, "E11");
	assert_int_equal(ssd_code("Started to be looked after", code, sizeof code), -1);
	assert_int_equal(ssd_code("", code, sizeof code), -1);
}

static void
test_mapping(void **state)
{
	struct store *s = fresh_store();
	struct config *cfg = council_config();
	struct reviews_child *c = NULL;
	struct allocation a;
	char *dir = write_tables(&good), *out, *err, *cause = NULL;
	int n = 0;

	(void)state;
	if (run(s, cfg, dir, &out, &err) != 0)
		fail_msg("import ssd: %s", err);
	assert_non_null(
	    strstr(out, "ssd_cla_reviews.csv: 3 rows: 1 used, 2 not used (1 cancelled, 1 with no review date"));
	assert_int_equal(reviews_load(s, "P100", &c, &n, &cause), 0);
	assert_int_equal(n, 1);
	/* The X1 episode continues the period: one period from the S episode, still open. */
	assert_int_equal(c[0].nperiods, 1);
	assert_int_equal(c[0].periods[0].started_on, date_from_ymd(2023, 1, 10));
	assert_true(c[0].periods[0].start_known);
	assert_int_equal(c[0].periods[0].ended_on, DATE_NONE);
	/* Only the review held: not the cancelled one, nor the one not yet held. */
	assert_int_equal(c[0].nreviews, 1);
	assert_int_equal(c[0].reviews[0].held_on, date_from_ymd(2023, 2, 6));
	assert_int_equal(c[0].nplans, 1);
	assert_string_equal(c[0].plans[0].plan, "adoption");
	assert_int_equal(c[0].plans[0].agreed_on, date_from_ymd(2023, 3, 20));
	reviews_children_free(c, n);
	/* ALLW is the social worker under this [ssd]; the current one (D2) by its SWE number; CSW unused. */
	assert_int_equal(allocation_get(s, "P100", &a), 0);
	assert_string_equal(a.team, "Team B");
	assert_string_equal(a.social_worker, "D2");
	assert_string_equal(a.social_worker_email, "bob@council.example");
	assert_string_equal(a.iro, "ST3");
	assert_string_equal(a.iro_email, "cat@council.example");
	assert_null(a.team_manager_email);
	allocation_free(&a);
	free(out), free(err);
	config_free(cfg);
	store_close(s);
	free(dir);
}

static void
test_refused(void **state)
{
	struct tables bad = good;
	struct store *s = fresh_store();
	struct config *cfg = council_config();
	struct allocation a;
	char *dir, *out, *err;

	(void)state;
	bad.care_plan = "lacp_table_id,lacp_person_id,lacp_cla_care_plan_start_date,lacp_cla_care_plan_json\r\n"
			"L1,P100,2023-03-20,\"{\"\"ADOPTION\"\": \"\"1\"\", \"\"LTFOST18\"\": \"\"Y\"\"}\"\r\n";
	bad.reviews = "clar_cla_review_id,clar_cla_person_id,clar_cla_review_due_date,clar_cla_review_date,"
		      "clar_cla_review_cancelled\r\nR1,P100,2023-02-07,2023-02-06,maybe\r\nR2,P999,,2023-02-06,N\r\n";
	dir = write_tables(&bad);
	assert_int_equal(run(s, cfg, dir, &out, &err), 65);
	assert_non_null(strstr(
	    err, "ssd_cla_care_plan.csv:2:20: lacp_cla_care_plan_json: 2 plan types ticked; a care plan has one"));
	assert_non_null(strstr(err, "ssd_cla_reviews.csv:2:31: clar_cla_review_cancelled: \"maybe\" is not Y or N"));
	assert_non_null(strstr(err, "ssd_cla_reviews.csv:3:4: person P999: not in ssd_cla_episodes.csv"));
	assert_non_null(strstr(err, "nothing imported"));
	/* Nothing at all: no period, no allocation. */
	assert_false(reviews_child_known(s, "P100"));
	assert_int_equal(allocation_get(s, "P100", &a), -1);
	free(out), free(err);
	config_free(cfg);
	store_close(s);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates_and_codes),
		cmocka_unit_test(test_mapping),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
