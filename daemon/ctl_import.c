/*
 * ctl_import.c: `driftwatchctl import KIND FILE...` — the table of importers, the roles import,
 * and `import log`. Every importer validates everything first and reports every problem as
 * FILE:LINE:COLUMN; only a clean file is written, in one transaction (exit 65 and nothing imported
 * otherwise). Before any importer runs, the files are checksummed: the same files twice are a
 * no-op, and an extract older than the one already held is refused unless --force.
 */
#include <dirent.h>
#include <getopt.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "allocations.h"
#include "asye.h"
#include "audit.h"
#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "csv.h"
#include "ctl.h"
#include "disputes.h"
#include "import.h"
#include "import_progress.h"
#include "import_ssd.h"
#include "log.h"
#include "reviews.h"
#include "roles.h"
#include "store.h"
#include "xmalloc.h"

/* The roles file's rows, for the write inside the transaction. */
struct ctl_import_roles_rows {
	const struct role_row *rows;
	int n;
};

/* Replace the roles table with the file's. */
static int
ctl_import_roles_write(struct store *s, void *arg, char **summary, char **cause)
{
	const struct ctl_import_roles_rows *rr = arg;

	(void)summary;
	return roles_replace(s, rr->rows, rr->n, cause);
}

/* import roles FILE.csv: role, title, reports_to. */
static int
ctl_import_roles(struct ctl *c, int argc, char **argv)
{
	static const char *const names[] = { "role", "title", "reports_to", NULL };
	static const int required[] = { 1, 1, 1 };
	struct import_errors e = { 0 };
	struct import_file in;
	struct role_row *rows = NULL;
	int n = 0, i, j, rc, *lines = NULL, *cols = NULL;
	struct ctl_import_roles_rows rr = { NULL, 0 };
	struct import_commit commit = { "roles", argv[1], c->now, ctl_import_roles_write, &rr, "roles-imported",
		"roles" };
	char *summary;
	struct store *s;

	if (argc != 2)
		return ctl_usage("import roles FILE.csv");
	e.file = argv[1];
	if (import_file_open(&in, &e, argv[1], names, required) != 0)
		return import_errors_report(&e);
	while (import_file_next(&in)) {
		const struct csv_field *key = import_file_field(&in, 0), *title = import_file_field(&in, 1);
		const struct csv_field *up = import_file_field(&in, 2);
		if (import_required(&e, key, "role") != 0 || import_required(&e, title, "title") != 0)
			continue;
		if (strcspn(key->value, " \t,:") != key->len) {
			import_error(&e, key->line, key->column, "role: \"%s\": a key has no spaces, commas or colons",
			    key->value);
			continue;
		}
		rows = xreallocarray(rows, (size_t)n + 1, sizeof *rows);
		lines = xreallocarray(lines, (size_t)n + 1, sizeof *lines);
		cols = xreallocarray(cols, (size_t)n + 1, sizeof *cols);
		rows[n].key = xstrdup(key->value);
		rows[n].title = xstrdup(title->value);
		rows[n].reports_to = xstrdup(up->value);
		lines[n] = up->line;
		cols[n] = up->column;
		for (j = 0; j < n; j++) {
			if (strcmp(rows[j].title, rows[n].title) == 0 && strcmp(rows[j].key, rows[n].key) != 0)
				import_error(&e, title->line, title->column,
				    "title \"%s\" already maps to role %s (line %d)", title->value, rows[j].key,
				    lines[j]);
		}
		n++;
	}
	import_file_close(&in);
	s = ctl_store(c);
	/* Every reports_to names a role in this file or the ini, and no chain comes back on itself. */
	for (i = 0; i < n; i++) {
		const char *up = rows[i].reports_to;
		int found = *up == '\0' || config_role(c->cfg, up) != NULL, hops;
		for (j = 0; j < n && !found; j++)
			found = strcmp(rows[j].key, up) == 0;
		if (!found) {
			import_error(&e, lines[i], cols[i], "reports_to: unknown role \"%s\"", up);
			continue;
		}
		for (hops = 0, up = rows[i].reports_to; *up != '\0' && hops <= n; hops++) {
			const char *next = "";
			if (strcmp(up, rows[i].key) == 0) {
				import_error(&e, lines[i], cols[i],
				    "reports_to: role %s reports back to itself through %s", rows[i].key,
				    rows[i].reports_to);
				break;
			}
			for (j = 0; j < n; j++) {
				if (strcmp(rows[j].key, up) == 0 && *rows[j].reports_to != '\0') {
					next = rows[j].reports_to;
					break;
				}
			}
			up = next;
		}
	}
	rr.rows = rows, rr.n = n;
	xasprintf(&summary, "%d titles", n);
	if ((rc = import_finish(s, &e, &commit, &summary, stderr)) == 0)
		printf("%s: %s imported\n", argv[1], summary);
	free(summary);
	import_errors_free(&e);
	for (i = 0; i < n; i++) {
		free((void *)(uintptr_t)rows[i].key);
		free((void *)(uintptr_t)rows[i].title);
		free((void *)(uintptr_t)rows[i].reports_to);
	}
	free(rows), free(lines), free(cols);
	return rc;
}

/* The importers of one signature (import.h), and what each is given on the command line. */
static const struct ctl_importer {
	const char *kind;
	int (*run)(const struct import_request *rq);
	bool extract; /* files or their folders, with --strict|--no-strict; else one FILE.csv */
	const char *usage;
} ctl_importers[] = {
	{ "allocations", import_allocations, false, "import allocations FILE.csv" },
	{ "ssda903", import_ssda903, true, "import ssda903 [--strict|--no-strict] DIR_OR_FILES..." },
	{ "ssd", import_ssd, true, "import ssd [--strict|--no-strict] DIR_OR_FILES..." },
	{ "permanence", import_permanence, false, "import permanence FILE.csv" },
	{ "disputes", import_disputes, false, "import disputes FILE.csv" },
	{ "workforce", import_workforce, false, "import workforce FILE.csv" },
	{ "protected-time", import_protected_time, false, "import protected-time FILE.csv" },
	{ "supervisions", import_supervisions, false, "import supervisions FILE.csv" },
	{ NULL, NULL, false, NULL },
};

/* import KIND [--strict|--no-strict] FILE...: the importer of that kind, its summary on stdout. */
static int
ctl_import_run(struct ctl *c, int argc, char **argv)
{
	static const struct option strict_opts[] = { { "strict", no_argument, NULL, 's' },
		{ "no-strict", no_argument, NULL, 'n' }, { NULL, 0, NULL, 0 } };
	static const struct option no_opts[] = { { NULL, 0, NULL, 0 } };
	const struct ctl_importer *im;
	struct import_request rq;
	int ch;

	for (im = ctl_importers; im->kind != NULL && strcmp(im->kind, argv[0]) != 0; im++)
		;
	if (im->kind == NULL)
		fatalx("ctl: import %s: not in the importers' table", argv[0]);
	memset(&rq, 0, sizeof rq);
	rq.strict = true;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", im->extract ? strict_opts : no_opts, NULL)) != -1) {
		if (ch == 's' || ch == 'n')
			rq.strict = ch == 's';
		else
			return ctl_usage(im->usage);
	}
	rq.paths = argv + optind;
	rq.npaths = argc - optind;
	if (rq.npaths == 0 || (!im->extract && rq.npaths != 1))
		return ctl_usage(im->usage);
	rq.store = ctl_store(c);
	rq.cfg = c->cfg;
	rq.now = c->now;
	rq.today = c->today;
	rq.out = stdout;
	rq.err = stderr;
	return im->run(&rq);
}

/* Every importer. */
static const struct ctl_command ctl_import_commands[] = {
	{ "roles", ctl_import_roles, "roles FILE.csv              role, title, reports_to" },
	{ "actions", ctl_import_actions,
	    "actions FILE.csv            plan, ref, section, ..., lead_role, starts_on, due_on" },
	{ "allocations", ctl_import_run,
	    "allocations FILE.csv        case_ref, team, social_worker, social_worker_email, team_manager, team_manager_email, iro, iro_email" },
	{ "ssda903", ctl_import_run,
	    "ssda903 [--strict|--no-strict] DIR_OR_FILES...   header.csv, episodes.csv, reviews.csv [sw_episodes.csv staff_emails.csv] (SSDA903)" },
	{ "ssd", ctl_import_run,
	    "ssd [--strict|--no-strict] DIR_OR_FILES...   ssd_cla_episodes, ssd_cla_reviews, ssd_involvements, ssd_professionals, staff_emails (.csv; SSD)" },
	{ "permanence", ctl_import_run, "permanence FILE.csv         case_ref, plan, agreed_on" },
	{ "disputes", ctl_import_run,
	    "disputes FILE.csv           id, case_ref, iro_email, category, raised_on, stage, stage_started_on, resolved_on, outcome" },
	{ "workforce", ctl_import_run,
	    "workforce FILE.csv          person_id, name, email, role, team, manager_email, asye_started_on, contracted_hours, caseload" },
	{ "protected-time", ctl_import_run, "protected-time FILE.csv     person_id, week_of, hours" },
	{ "supervisions", ctl_import_run, "supervisions FILE.csv       person_id, held_on" },
	{ "log", NULL, "log [--json]                every import: when, who, files and checksums, rows" },
	{ NULL, NULL, NULL },
};

/* One file of an import: its name (no directory), SHA-256 in hex, mtime and size. */
struct ctl_import_file {
	char *name;
	char sha256[65];
	time_t mtime;
	long long size;
};

/* Order files by name, so the same set always checksums to the same text. */
static int
ctl_import_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ctl_import_file *)a)->name, ((const struct ctl_import_file *)b)->name);
}

/* Checksum one file into f. -1 when it cannot be read (the importer then says why). */
static int
ctl_import_checksum(const char *path, struct ctl_import_file *f)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const char *slash = strrchr(path, '/');
	EVP_MD_CTX *ctx;
	struct stat st;
	size_t len;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return -1;
	}
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((len = fread(buf, 1, sizeof buf, fp)) > 0)
		EVP_DigestUpdate(ctx, buf, len);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	fclose(fp);
	for (i = 0; i < mdlen && i < 32; i++) {
		f->sha256[2 * i] = hex[md[i] >> 4];
		f->sha256[2 * i + 1] = hex[md[i] & 15];
	}
	f->sha256[2 * i] = '\0';
	f->name = xstrdup(slash != NULL ? slash + 1 : path);
	f->mtime = st.st_mtime;
	f->size = (long long)st.st_size;
	return 0;
}

/* The files an import names (a directory: the visible files in it), as "NAME SHA256" lines; their bytes. */
static char *
ctl_import_files(int argc, char **argv, time_t *newest, long long *bytes)
{
	struct ctl_import_file *files = NULL;
	struct dirent *de;
	struct stat st;
	char *text = NULL, *path;
	int i, n = 0;
	DIR *d;

	*newest = 0;
	*bytes = 0;
	for (i = 2; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) && (d = opendir(argv[i])) != NULL) {
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				xasprintf(&path, "%s/%s", argv[i], de->d_name);
				files = xreallocarray(files, (size_t)n + 1, sizeof *files);
				if (ctl_import_checksum(path, &files[n]) == 0)
					n++;
				free(path);
			}
			closedir(d);
			continue;
		}
		files = xreallocarray(files, (size_t)n + 1, sizeof *files);
		if (ctl_import_checksum(argv[i], &files[n]) == 0)
			n++;
	}
	if (n > 0)
		qsort(files, (size_t)n, sizeof *files, ctl_import_file_cmp);
	xappendf(&text, "%s", "");
	for (i = 0; i < n; i++) {
		xappendf(&text, "%s %s\n", files[i].name, files[i].sha256);
		if (files[i].mtime > *newest)
			*newest = files[i].mtime;
		*bytes += files[i].size;
		free(files[i].name);
	}
	free(files);
	return text;
}

/* A 903 date (DD/MM/YYYY, or YYYY-MM-DD) or an SSD one (YYYY-MM-DD hh:mm:ss.fff); DATE_NONE when not one. */
static int
ctl_import_903_date(const char *v)
{
	int d, m, y, date;
	char day[DATE_BUFSZ];

	if (sscanf(v, "%2d/%2d/%4d", &d, &m, &y) == 3 && strlen(v) == 10)
		return date_from_ymd(y, m, d);
	if (strlen(v) > 10 && (v[10] == ' ' || v[10] == 'T')) {
		memcpy(day, v, DATE_BUFSZ - 1);
		day[DATE_BUFSZ - 1] = '\0';
		v = day;
	}
	return date_parse(v, &date) == 0 ? date : DATE_NONE;
}

/*
 * The latest episode or review date in one extract file: SSDA903 DECOM, DEC, REVIEW; SSD episode
 * start and ceased dates and review dates. DATE_NONE if none.
 */
static int
ctl_import_903_latest_in(const char *path)
{
	static const char *const columns[][2] = { { "DECOM", "clae_cla_episode_start_date" },
		{ "DEC", "clae_cla_episode_ceased_date" }, { "REVIEW", "clar_cla_review_date" } };
	struct csv_row row = { 0 };
	struct csv_reader *r;
	int cols[3] = { -1, -1, -1 }, latest = DATE_NONE, date, k;
	char *cause = NULL;
	size_t i;

	if ((r = csv_open(path, &cause)) == NULL) {
		free(cause);
		return DATE_NONE;
	}
	if (csv_read(r, &row, &cause) == 1) {
		for (i = 0; i < row.nfields; i++) {
			for (k = 0; k < 3; k++) {
				if (strcasecmp(row.fields[i].value, columns[k][0]) == 0 ||
				    strcasecmp(row.fields[i].value, columns[k][1]) == 0)
					cols[k] = (int)i;
			}
		}
		while (csv_read(r, &row, &cause) == 1) {
			for (i = 0; i < 3; i++) {
				if (cols[i] < 0 || (size_t)cols[i] >= row.nfields)
					continue;
				date = ctl_import_903_date(row.fields[cols[i]].value);
				if (date != DATE_NONE && (latest == DATE_NONE || date > latest))
					latest = date;
			}
		}
	}
	free(cause);
	csv_row_clear(&row);
	csv_close(r);
	return latest;
}

/* The latest episode or review date of an SSDA903 or SSD extract (its episodes and reviews files). */
static int
ctl_import_903_latest(int argc, char **argv)
{
	const char *ssd[] = { "ssd_cla_episodes.csv", "ssd_cla_reviews.csv" },
		   *n903[] = { "episodes.csv", "reviews.csv" };
	const char *const *names = strcmp(argv[1], "ssd") == 0 ? ssd : n903;
	int i, j, latest = DATE_NONE, date;
	struct stat st;
	char *path;

	for (i = 2; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		for (j = 0; j < 2; j++) {
			const char *slash = strrchr(argv[i], '/'), *base = slash != NULL ? slash + 1 : argv[i];
			if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
				xasprintf(&path, "%s/%s", argv[i], names[j]);
			else if (strcasecmp(base, names[j]) == 0)
				path = xstrdup(argv[i]);
			else
				continue;
			date = ctl_import_903_latest_in(path);
			if (date != DATE_NONE && (latest == DATE_NONE || date > latest))
				latest = date;
			free(path);
		}
	}
	return latest;
}

/* Who runs this import when --by does not say: ctl:USER. */
static char *
ctl_import_who(void)
{
	struct passwd *pw = getpwuid(getuid());
	char *who;

	xasprintf(&who, "ctl:%s", pw != NULL ? pw->pw_name : "unknown");
	return who;
}

/* import log [--json]: every import, oldest first. */
static int
ctl_import_log(struct ctl *c, int argc, char **argv)
{
	struct store_import_row *rows = NULL;
	char *cause = NULL, when[32], *line, *save;
	int n = 0, i, json, rc;
	json_t *all, *o, *files;

	/* argv is "import log ...": the options are log's. */
	if ((rc = ctl_json_only(argc - 1, argv + 1, "import log [--json]", &json)) != CTL_EX_OK)
		return rc;
	if (store_import_list(ctl_store(c), &rows, &n, &cause) != 0) {
		fprintf(stderr, "driftwatchctl: import log: %s\n", cause);
		free(cause);
		return CTL_EX_FAIL;
	}
	all = json_array();
	for (i = 0; i < n; i++) {
		struct store_import_row *r = &rows[i];
		clock_format_local(r->at, when);
		if (!json) {
			printf("%s  %s  %s\n", when, r->kind, *r->who != '\0' ? r->who : "-");
			save = NULL;
			for (line = strtok_r(r->summary, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
				printf("    %s\n", line);
			save = NULL;
			for (line = strtok_r(r->files, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
				printf("    sha256 %s\n", line);
			continue;
		}
		files = json_array();
		save = NULL;
		for (line = strtok_r(r->files, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
			char *sp = strrchr(line, ' ');
			if (sp == NULL)
				continue;
			*sp = '\0';
			json_array_append_new(files, json_pack("{s:s, s:s}", "name", line, "sha256", sp + 1));
		}
		o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)r->id, "at", when, "epoch",
		    (json_int_t)r->at, "kind", r->kind, "who", r->who, "file", r->file, "files", files, "summary",
		    r->summary);
		json_array_append_new(all, o);
	}
	if (json) {
		char *text = json_dumps(all, JSON_INDENT(2));
		printf("%s\n", text);
		free(text);
	}
	json_decref(all);
	store_import_rows_free(rows, n);
	return CTL_EX_OK;
}

/*
 * import [--by WHO] KIND [--force] FILE...: checksum the files first. The same files twice from a
 * drop folder are "already imported" (a set imported just before a crash is not imported again).
 * Unless --force, files older than the newest extract a folder imported are refused, and so is an
 * SSDA903 extract whose latest episode or review is before the data held: a stale file must not
 * roll the state back.
 */
int
ctl_import(struct ctl *c, int argc, char **argv)
{
	char **args = xcalloc((size_t)argc + 1, sizeof *args), *who = NULL, *files, when[32], what[64];
	long long bytes;
	time_t newest, held, held_at, seen_at;
	int i, n = 0, force = 0, rc;
	struct store *s;

	/* --force and --by are the family's, anywhere on the line; the rest (--strict ...) is the
	 * importer's own getopt_long's. Not getopt here: it would refuse the importer's options. */
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = 1;
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			free(who), who = xstrdup(argv[++i]);
		else
			args[n++] = argv[i];
	}
	if (n >= 2 && strcmp(args[1], "log") == 0) {
		rc = ctl_import_log(c, n, args);
		goto out;
	}
	/* Usage and help (`import roles --help`) come from the table, before any state is opened. */
	if (n < 3 || strcmp(args[n - 1], "--help") == 0) {
		rc = ctl_dispatch(c, "import", ctl_import_commands, n, args);
		goto out;
	}
	s = ctl_store(c);
	files = ctl_import_files(n, args, &newest, &bytes);
	/* Only for a drop folder (--by): by hand, importing a file again is the importer's business
	 * (disputes refuses it, the others report nothing changed). */
	if (who != NULL && *files != '\0' && store_import_seen(s, args[1], files, &seen_at)) {
		printf("%s: already imported on %s; nothing to do\n", args[2], clock_format_local(seen_at, when));
		free(files);
		rc = CTL_EX_OK;
		goto out;
	}
	/* By file dates against what came through the drop folders: that folder's last extract, or by
	 * hand any folder's (by hand alone, files of any age are the admin's call). */
	store_import_newest(s, args[1], who, &held, &held_at);
	if (!force && newest > 0 && newest < held) {
		fprintf(stderr,
		    "driftwatchctl: import %s: %s: older than the extract imported on %s; move it back with "
		    "`driftwatchctl import %s --force FILE...` if you mean it\n",
		    args[1], args[2], clock_format_local(held_at, when), args[1]);
		free(files);
		rc = CTL_EX_DATAERR;
		goto out;
	}
	/* By contents too: a 903 or SSD extract whose latest episode or review is before the data held. */
	if (!force && (strcmp(args[1], "ssda903") == 0 || strcmp(args[1], "ssd") == 0)) {
		int file_latest = ctl_import_903_latest(n, args), held_latest = store_import_latest_ssda903(s);
		char d1[DATE_BUFSZ], d2[DATE_BUFSZ];
		if (file_latest != DATE_NONE && held_latest != DATE_NONE && file_latest < held_latest) {
			fprintf(stderr,
			    "driftwatchctl: import %s: %s: older than the data held: its latest episode or "
			    "review is %s, the data held has %s; import it with `driftwatchctl import %s "
			    "--force FILE...` if you mean it\n",
			    args[1], args[2], date_format(file_latest, d1), date_format(held_latest, d2), args[1]);
			free(files);
			rc = CTL_EX_DATAERR;
			goto out;
		}
	}
	if (who == NULL)
		who = ctl_import_who();
	store_import_origin(s, who, files, newest);
	free(files);
	snprintf(what, sizeof what, "import %s", args[1]);
	import_progress_begin(what, bytes);
	rc = ctl_dispatch(c, "import", ctl_import_commands, n, args);
	import_progress_end();
out:
	free(who);
	free(args);
	return rc;
}
