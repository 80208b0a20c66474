/*
 * inbox.c: the drop folders ([import "NAME"]). Each folder is watched with inotify (through
 * libevent, on the inotify fd) and scanned again on the backstop tick, which is the whole
 * mechanism when inotify is not there. A file set is complete when a `.done` marker is in the folder
 * or when no file changed size or mtime for stable_after. It is then imported by a child process
 * running driftwatchctl: the very importers an admin runs by hand (validate everything, one
 * transaction, FILE:LINE:COLUMN), off the event loop, so delivery carries on while a large extract
 * loads. One import runs at a time: SQLite writes stay in one place. Only after the child exits are
 * the files moved to done/STAMP/ or failed/STAMP/ beside import.report.txt (the importer's output);
 * a failure is an urgent alert to the admin. Nothing is deleted here.
 */
#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "calendar.h"
#include "clock.h"
#include "config.h"
#include "inbox.h"
#include "log.h"
#include "outbox.h"
#include "spawn.h"
#include "store.h"
#include "xmalloc.h"

#define INBOX_REPORT_TMP ".import.report.tmp"
#define INBOX_REPORT "import.report.txt"
#define INBOX_ALERT_LINES 20

struct inbox_folder {
	char *name, *dir, *format;
	int stable_after; /* seconds */
	struct duration keep_done;
	int schedule_minutes; /* -1: no schedule */
	char *signature;      /* "name size mtime" a line, as last seen */
	int64_t changed_ms;   /* monotonic time the signature last changed */
	int wd;		      /* inotify watch, -1 none */
};

/* The import in flight. */
struct inbox_run {
	pid_t pid;
	char *name, *dir, *format;
	char **files; /* names inside dir */
	int nfiles;
	int marker; /* a .done marker goes with the set */
};

struct inbox {
	struct event_base *base;
	struct store *store;
	const struct config *cfg;
	char *config_path;
	char *ctl_path;
	struct inbox_folder *folders;
	int nfolders;
	int ifd; /* inotify, -1 when not available: the backstop tick polls */
	struct inbox_run run;
	struct event ev_inotify, ev_scan, ev_child;
	void (*queued)(void *);
	void *queued_arg;
};

static void inbox_scan(struct inbox *ib);

/* Monotonic milliseconds: stability is measured on it, never on the (injectable) wall clock. */
static int64_t
inbox_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Forget the folders (and their inotify watches). */
static void
inbox_clear_folders(struct inbox *ib)
{
	int i;

	for (i = 0; i < ib->nfolders; i++) {
		struct inbox_folder *f = &ib->folders[i];
		if (f->wd >= 0)
			inotify_rm_watch(ib->ifd, f->wd);
		free(f->name), free(f->dir), free(f->format), free(f->signature);
	}
	free(ib->folders);
	ib->folders = NULL;
	ib->nfolders = 0;
}

/* Take the config's folders, and watch each one. */
static void
inbox_load_folders(struct inbox *ib)
{
	int i;

	inbox_clear_folders(ib);
	ib->folders = xcalloc((size_t)ib->cfg->nimports + 1, sizeof *ib->folders);
	for (i = 0; i < ib->cfg->nimports; i++) {
		const struct config_import *im = &ib->cfg->imports[i];
		struct inbox_folder *f = &ib->folders[i];
		f->name = xstrdup(im->name);
		f->dir = xstrdup(im->dir);
		f->format = xstrdup(im->format);
		f->stable_after = im->stable_after;
		f->keep_done = im->keep_done;
		f->schedule_minutes = im->schedule_minutes;
		f->wd = -1;
		if (ib->ifd >= 0 &&
		    (f->wd = inotify_add_watch(ib->ifd, f->dir,
			 IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE |
			     IN_MOVED_FROM)) < 0)
			log_warn("inbox: %s: cannot watch %s (scanned on the backstop tick instead)", f->name, f->dir);
	}
	ib->nfolders = ib->cfg->nimports;
}

/* Order names. */
static int
inbox_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The visible regular files of a folder (not done/, failed/ or dot files), sorted, and their
 * signature; *marker when a .done marker is there. -1 when the folder cannot be read.
 */
static int
inbox_list(const char *dir, char ***names, int *n, char **signature, int *marker)
{
	struct dirent *de;
	struct stat st;
	char *path;
	DIR *d;
	int i;

	*names = NULL, *n = 0, *signature = NULL, *marker = 0;
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".done") == 0) {
			*marker = 1;
			continue;
		}
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			*names = xreallocarray(*names, (size_t)*n + 1, sizeof **names);
			(*names)[(*n)++] = xstrdup(de->d_name);
		}
		free(path);
	}
	closedir(d);
	if (*n > 0)
		qsort(*names, (size_t)*n, sizeof **names, inbox_cmp);
	xappendf(signature, "%s", "");
	for (i = 0; i < *n; i++) {
		xasprintf(&path, "%s/%s", dir, (*names)[i]);
		if (stat(path, &st) == 0)
			xappendf(signature, "%s %lld %lld.%09ld\n", (*names)[i], (long long)st.st_size,
			    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		free(path);
	}
	return 0;
}

/* Free a list of names. */
static void
inbox_free_names(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Start the child that imports a complete set: driftwatchctl import --by inbox:NAME FORMAT FILES. */
static int
inbox_start(struct inbox *ib, struct inbox_folder *f, char **names, int n, int marker)
{
	char **paths = xcalloc((size_t)n + 1, sizeof *paths), *path, *by, *cause = NULL;
	int fd, i;
	pid_t pid;

	xasprintf(&path, "%s/done", f->dir);
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		log_warn("inbox: %s: mkdir %s", f->name, path);
	free(path);
	xasprintf(&path, "%s/failed", f->dir);
	if (mkdir(path, 0750) != 0 && errno != EEXIST)
		log_warn("inbox: %s: mkdir %s", f->name, path);
	free(path);
	xasprintf(&path, "%s/%s", f->dir, INBOX_REPORT_TMP);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	free(path);
	if (fd < 0) {
		log_warn("inbox: %s: cannot write the report in %s; not importing", f->name, f->dir);
		free(paths);
		return -1;
	}
	xasprintf(&by, "inbox:%s", f->name);
	for (i = 0; i < n; i++)
		xasprintf(&paths[i], "%s/%s", f->dir, names[i]);
	pid = spawn_import(ib->ctl_path, ib->config_path, by, f->format, NULL, paths, n, fd, &cause);
	close(fd);
	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths), free(by);
	if (pid < 0) {
		log_warnx("inbox: %s: cannot start the import: %s", f->name, cause);
		free(cause);
		return -1;
	}
	ib->run.pid = pid;
	ib->run.name = xstrdup(f->name);
	ib->run.dir = xstrdup(f->dir);
	ib->run.format = xstrdup(f->format);
	ib->run.files = names;
	ib->run.nfiles = n;
	ib->run.marker = marker;
	log_info(
	    "inbox: %s: importing %d file%s as %s (child %ld)", f->name, n, n == 1 ? "" : "s", f->format, (long)pid);
	return 0;
}

/* Read up to max lines of the report for the admin's notice. */
static char *
inbox_report_head(const char *path, int max)
{
	char line[1024], *text = NULL;
	FILE *fp = fopen(path, "r");
	int n = 0;

	xappendf(&text, "%s", "");
	if (fp == NULL)
		return text;
	while (fgets(line, sizeof line, fp) != NULL) {
		if (n++ == max) {
			xappendf(&text, "...\n");
			break;
		}
		xappendf(&text, "  %s%s", line, strchr(line, '\n') != NULL ? "" : "\n");
	}
	fclose(fp);
	return text;
}

/* Queue a notice to the admin through admin_transport, as the dispatcher's alerts; once per key. */
static void
inbox_tell_admin(
    struct inbox *ib, const char *what, const char *key, const char *subject, const char *text, bool urgent)
{
	const struct config *cfg = ib->cfg;
	char *cause = NULL;
	int added = 0;

	if (cfg->admin_email == NULL) {
		log_error("inbox: %s: %s (no admin_email to tell)", what, subject);
		return;
	}
	if (store_begin(ib->store, &cause) != 0 ||
	    outbox_alert(
		ib->store, cfg, cfg->admin_transport, key, subject, text, urgent, clock_now(), &added, &cause) != 0 ||
	    store_commit(ib->store, &cause) != 0) {
		store_rollback(ib->store);
		log_error("inbox: %s: cannot queue the admin notice: %s", what, cause);
		free(cause);
	} else if (added) {
		log_info("inbox: %s: told the admin: %s", what, subject);
		ib->queued(ib->queued_arg);
	}
}

/* Tell the admin an import failed: urgent, with the report's first lines. */
static void
inbox_alert(struct inbox *ib, const char *stamp, const char *report, int nfiles)
{
	char *key, *subject, *text, *head;

	head = inbox_report_head(report, INBOX_ALERT_LINES);
	xasprintf(&key, "alert:inbox:%s:%s", ib->run.name, stamp);
	xasprintf(
	    &subject, "driftwatch: the %s extract in [import \"%s\"] was not imported", ib->run.format, ib->run.name);
	xasprintf(&text,
	    "driftwatch could not import the %d file%s that arrived in %s ([import \"%s\"], format %s).\n"
	    "Nothing was imported: the data held is unchanged.\n\n"
	    "The files are in %s/failed/%s/ with the importer's report, " INBOX_REPORT ". It begins:\n\n%s\n"
	    "Correct the files and drop them in the folder again, or import them by hand:\n"
	    "  driftwatchctl import %s FILE...\n",
	    nfiles, nfiles == 1 ? "" : "s", ib->run.dir, ib->run.name, ib->run.format, ib->run.dir, stamp, head,
	    ib->run.format);
	inbox_tell_admin(ib, ib->run.name, key, subject, text, true);
	free(key), free(subject), free(text), free(head);
}

/* Move the set and its report into done/STAMP or failed/STAMP; the stamp is returned. */
static char *
inbox_file_away(struct inbox *ib, const char *where)
{
	char stamp[64], *dest = NULL, *from, *to, *name;
	struct tm tm;
	time_t now = clock_now();
	int i, k;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H%M%S", &tm);
	for (k = 1;; k++) {
		if (k == 1)
			name = xstrdup(stamp);
		else
			xasprintf(&name, "%s-%d", stamp, k);
		xasprintf(&dest, "%s/%s/%s", ib->run.dir, where, name);
		if (mkdir(dest, 0750) == 0)
			break;
		if (errno != EEXIST || k > 1000) {
			log_warn("inbox: %s: mkdir %s; the files stay in the inbox", ib->run.name, dest);
			free(dest), free(name);
			return NULL;
		}
		free(dest), free(name);
	}
	/* The report first: a crash between renames leaves files that the next start imports
	 * again, and the checksums in the import log make that "already imported". */
	xasprintf(&from, "%s/%s", ib->run.dir, INBOX_REPORT_TMP);
	xasprintf(&to, "%s/%s", dest, INBOX_REPORT);
	if (rename(from, to) != 0)
		log_warn("inbox: %s: rename %s", ib->run.name, from);
	free(from), free(to);
	for (i = 0; i < ib->run.nfiles; i++) {
		xasprintf(&from, "%s/%s", ib->run.dir, ib->run.files[i]);
		xasprintf(&to, "%s/%s", dest, ib->run.files[i]);
		if (rename(from, to) != 0)
			log_warn("inbox: %s: rename %s", ib->run.name, from);
		free(from), free(to);
	}
	if (ib->run.marker) {
		xasprintf(&from, "%s/.done", ib->run.dir);
		xasprintf(&to, "%s/.done", dest);
		if (rename(from, to) != 0 && errno != ENOENT)
			log_warn("inbox: %s: rename %s", ib->run.name, from);
		free(from), free(to);
	}
	free(dest);
	return name;
}

/* The import child ended: file the set away by its outcome. */
static void
inbox_finish(struct inbox *ib, int status)
{
	int ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	char *stamp, *report;

	stamp = inbox_file_away(ib, ok ? "done" : "failed");
	if (stamp != NULL && ok)
		log_info("inbox: %s: imported %d file%s; moved to done/%s", ib->run.name, ib->run.nfiles,
		    ib->run.nfiles == 1 ? "" : "s", stamp);
	else if (stamp != NULL) {
		if (WIFEXITED(status))
			log_warnx("inbox: %s: import failed (exit %d); moved to failed/%s", ib->run.name,
			    WEXITSTATUS(status), stamp);
		else
			log_warnx("inbox: %s: import killed by signal %d; moved to failed/%s", ib->run.name,
			    WTERMSIG(status), stamp);
		xasprintf(&report, "%s/failed/%s/%s", ib->run.dir, stamp, INBOX_REPORT);
		inbox_alert(ib, stamp, report, ib->run.nfiles);
		free(report);
	}
	free(stamp);
	free(ib->run.name), free(ib->run.dir), free(ib->run.format);
	inbox_free_names(ib->run.files, ib->run.nfiles);
	memset(&ib->run, 0, sizeof ib->run);
}

/* SIGCHLD: reap the import child. */
static void
inbox_child_cb(evutil_socket_t fd, short what, void *arg)
{
	struct inbox *ib = arg;
	int status;
	pid_t pid;

	(void)fd, (void)what;
	if (ib->run.pid <= 0 || waitpid(ib->run.pid, &status, WNOHANG) != ib->run.pid)
		return;
	pid = ib->run.pid;
	inbox_finish(ib, status);
	spawn_done(pid); /* inbox_idle_cb: the next set may be waiting */
}

/* Look at every folder; import the first complete set; wake again when a pending one may be stable. */
static void
inbox_scan(struct inbox *ib)
{
	int64_t now = inbox_now_ms(), wake = 0;
	int i, n, marker;
	char **names, *sig;

	for (i = 0; i < ib->nfolders; i++) {
		struct inbox_folder *f = &ib->folders[i];
		int64_t due;
		if (ib->run.pid > 0 && strcmp(ib->run.dir, f->dir) == 0)
			continue;
		if (inbox_list(f->dir, &names, &n, &sig, &marker) != 0) {
			free(f->signature), f->signature = NULL;
			continue;
		}
		if (n == 0) {
			free(f->signature), f->signature = NULL;
			inbox_free_names(names, n), free(sig);
			continue;
		}
		if (f->signature == NULL || strcmp(f->signature, sig) != 0) {
			log_debug("inbox: %s: %d file%s, changed", f->name, n, n == 1 ? "" : "s");
			free(f->signature);
			f->signature = sig;
			f->changed_ms = now;
		} else
			free(sig);
		due = f->changed_ms + (int64_t)f->stable_after * 1000;
		if (!marker && now < due) {
			if (wake == 0 || due < wake)
				wake = due;
			inbox_free_names(names, n);
			continue;
		}
		/* One import at a time (an import over HTTP too): SQLite writes stay in one place; the
		 * others wait their turn, and inbox_idle_cb scans again when it ends. */
		if (ib->run.pid > 0 || spawn_busy() || inbox_start(ib, f, names, n, marker) != 0) {
			inbox_free_names(names, n);
			continue;
		}
		free(f->signature), f->signature = NULL;
	}
	evtimer_del(&ib->ev_scan);
	if (wake > 0) {
		struct timeval tv = { (wake - now) / 1000, ((wake - now) % 1000) * 1000 + 1000 };
		if (event_add(&ib->ev_scan, &tv) != 0)
			log_warnx("inbox: cannot arm the scan timer");
	}
}

/* The local date (days since 1970-01-01) and minute of the day of t. */
static int
inbox_local_date(time_t t, int *minutes)
{
	struct tm tm;

	localtime_r(&t, &tm);
	if (minutes != NULL)
		*minutes = tm.tm_hour * 60 + tm.tm_min;
	return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Remove a done/ set: its files, then its folder. Only plain files are expected there. */
static int
inbox_remove_set(const char *path)
{
	struct dirent *de;
	char *file;
	DIR *d;
	int rc = 0;

	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		xasprintf(&file, "%s/%s", path, de->d_name);
		if (unlink(file) != 0)
			rc = -1;
		free(file);
	}
	closedir(d);
	return rc == 0 ? rmdir(path) : -1;
}

/* keep_done: the one deletion there is. Sets in done/ whose stamp is older go; failed/ stays. */
static void
inbox_expire(struct inbox_folder *f, int today)
{
	char *done, *path, day[11];
	struct dirent *de;
	int cutoff, date;
	DIR *d;

	switch (f->keep_done.unit) {
	case DURATION_MONTHS:
		cutoff = date_add_months(today, -f->keep_done.n);
		break;
	case DURATION_WEEKS:
		cutoff = today - 7 * f->keep_done.n;
		break;
	default:
		cutoff = today - f->keep_done.n;
		break;
	}
	xasprintf(&done, "%s/done", f->dir);
	if ((d = opendir(done)) == NULL) {
		free(done);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		/* Only our own stamps (YYYY-MM-DDTHHMMSS): anything else someone put there is left alone. */
		if (strlen(de->d_name) < 17 || de->d_name[10] != 'T')
			continue;
		memcpy(day, de->d_name, 10);
		day[10] = '\0';
		if (date_parse(day, &date) != 0 || date >= cutoff)
			continue;
		xasprintf(&path, "%s/%s", done, de->d_name);
		if (inbox_remove_set(path) == 0)
			log_info("inbox: %s: removed done/%s (older than keep_done)", f->name, de->d_name);
		else
			log_warn("inbox: %s: cannot remove %s", f->name, path);
		free(path);
	}
	closedir(d);
	free(done);
}

/* schedule: by today's HH:MM (or yesterday's, before it) an extract is due since the one before. */
static void
inbox_check_schedule(struct inbox *ib, struct inbox_folder *f, const struct store_import_row *rows, int n, time_t now)
{
	int minutes, today = inbox_local_date(now, &minutes), due_day, i;
	char *who, *key, *subject, *text, when[32], dday[11];
	time_t last = 0;
	struct tm tm;
	time_t due;

	if (f->schedule_minutes < 0)
		return;
	due_day = minutes >= f->schedule_minutes ? today : today - 1;
	localtime_r(&now, &tm);
	tm.tm_mday -= today - due_day;
	tm.tm_hour = f->schedule_minutes / 60, tm.tm_min = f->schedule_minutes % 60, tm.tm_sec = 0;
	tm.tm_isdst = -1;
	due = mktime(&tm);
	xasprintf(&who, "inbox:%s", f->name);
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].who, who) == 0 && rows[i].at > last)
			last = rows[i].at;
	}
	free(who);
	/* The extract due at `due` may arrive in the day before it. */
	if (last > due - 86400)
		return;
	date_format(due_day, dday);
	xasprintf(&key, "alert:inbox:%s:missing:%s", f->name, dday);
	if (last > 0)
		xasprintf(&subject, "driftwatch: no extract in [import \"%s\"] since %s", f->name,
		    clock_format_local(last, when));
	else
		xasprintf(&subject, "driftwatch: no extract has arrived in [import \"%s\"]", f->name);
	xasprintf(&text,
	    "An extract was due in %s ([import \"%s\"], format %s) by %02d:%02d on %s (schedule = daily %02d:%02d).\n"
	    "%s%s%s\n\n"
	    "Until it arrives the reminders run on the data already held. Check the job that writes the "
	    "extract; its files may also be waiting in %s/failed/.\n",
	    f->dir, f->name, f->format, f->schedule_minutes / 60, f->schedule_minutes % 60, dday,
	    f->schedule_minutes / 60, f->schedule_minutes % 60,
	    last > 0 ? "The last one was imported on " : "None has been imported from this folder yet.",
	    last > 0 ? clock_format_local(last, when) : "", last > 0 ? "." : "", f->dir);
	inbox_tell_admin(ib, f->name, key, subject, text, true);
	free(key), free(subject), free(text);
}

/* Once a day: a line per import from a folder that went in the day before (not urgent). */
static void
inbox_summary(struct inbox *ib, const struct store_import_row *rows, int n, time_t now)
{
	int today = inbox_local_date(now, NULL), i, count = 0;
	char *key, *subject, *text = NULL, dday[11], when[32], *first;

	date_format(today - 1, dday);
	for (i = 0; i < n; i++) {
		if (strncmp(rows[i].who, "inbox:", 6) != 0 || inbox_local_date(rows[i].at, NULL) != today - 1)
			continue;
		first = xstrdup(rows[i].summary);
		first[strcspn(first, "\n")] = '\0';
		xappendf(&text, "  %s  %s (%s): %s\n", clock_format_local(rows[i].at, when), rows[i].who + 6,
		    rows[i].kind, first);
		free(first);
		count++;
	}
	if (count == 0)
		return;
	xasprintf(&key, "inbox:summary:%s", dday);
	xasprintf(&subject, "driftwatch: %d import%s from the drop folders on %s", count, count == 1 ? "" : "s", dday);
	xasprintf(&first,
	    "What the drop folders imported on %s:\n\n%s\nEvery import, with its files' SHA-256: "
	    "driftwatchctl import log\n",
	    dday, text);
	free(text);
	text = first;
	inbox_tell_admin(ib, "summary", key, subject, text, false);
	free(key), free(subject), free(text);
}

/* The tick's housekeeping: keep_done, schedules, the daily summary. */
static void
inbox_housekeep(struct inbox *ib)
{
	struct store_import_row *rows = NULL;
	time_t now = clock_now();
	char *cause = NULL;
	int i, n = 0;

	if (ib->nfolders == 0)
		return;
	for (i = 0; i < ib->nfolders; i++)
		inbox_expire(&ib->folders[i], inbox_local_date(now, NULL));
	if (store_import_list(ib->store, &rows, &n, &cause) != 0) {
		log_warnx("inbox: cannot read the import log: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < ib->nfolders; i++)
		inbox_check_schedule(ib, &ib->folders[i], rows, n, now);
	inbox_summary(ib, rows, n, now);
	store_import_rows_free(rows, n);
}

/* A file appeared, grew or went: drain the events and look again. */
static void
inbox_inotify_cb(evutil_socket_t fd, short what, void *arg)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	inbox_scan(arg);
}

/* The import slot is free (ours ended, or one over HTTP): a set may be waiting for it. */
static void
inbox_idle_cb(void *arg)
{
	inbox_scan(arg);
}

/* A pending set may be stable now. */
static void
inbox_scan_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	inbox_scan(arg);
}

/* Start watching. */
struct inbox *
inbox_new(struct event_base *base, struct store *s, const struct config *cfg, const char *config_path,
    void (*queued)(void *), void *arg)
{
	struct inbox *ib = xcalloc(1, sizeof *ib);

	ib->base = base;
	ib->store = s;
	ib->cfg = cfg;
	ib->queued = queued;
	ib->queued_arg = arg;
	ib->config_path = config_path != NULL ? xstrdup(config_path) : NULL;
	ib->ctl_path = spawn_find_ctl();
	ib->ifd = getenv("DRIFTWATCH_NO_INOTIFY") != NULL ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ib->ifd < 0 && cfg->nimports > 0)
		log_warnx("inbox: no inotify; the drop folders are scanned every tick (%ds)", cfg->tick);
	evtimer_assign(&ib->ev_scan, base, inbox_scan_cb, ib);
	evsignal_assign(&ib->ev_child, base, SIGCHLD, inbox_child_cb, ib);
	if (event_add(&ib->ev_child, NULL) != 0)
		fatalx("inbox: cannot watch SIGCHLD");
	if (ib->ifd >= 0) {
		event_assign(&ib->ev_inotify, base, ib->ifd, EV_READ | EV_PERSIST, inbox_inotify_cb, ib);
		if (event_add(&ib->ev_inotify, NULL) != 0)
			fatalx("inbox: cannot watch the inotify fd");
	}
	spawn_set_idle_cb(inbox_idle_cb, ib);
	inbox_load_folders(ib);
	if (ib->nfolders > 0)
		log_info("inbox: watching %d folder%s", ib->nfolders, ib->nfolders == 1 ? "" : "s");
	inbox_housekeep(ib);
	inbox_scan(ib);
	return ib;
}

/* A reloaded config. */
void
inbox_set_config(struct inbox *ib, const struct config *cfg)
{
	ib->cfg = cfg;
	inbox_load_folders(ib);
	inbox_scan(ib);
}

/* The backstop tick. */
void
inbox_tick(struct inbox *ib)
{
	inbox_housekeep(ib);
	inbox_scan(ib);
}

/* Stop: kill an import in flight (its transaction rolls back; the set stays for the next start). */
void
inbox_free(struct inbox *ib)
{
	int status;

	if (ib == NULL)
		return;
	spawn_set_idle_cb(NULL, NULL);
	if (ib->run.pid > 0) {
		log_info("inbox: %s: stopping the import in flight; it runs again at the next start", ib->run.name);
		kill(ib->run.pid, SIGTERM);
		waitpid(ib->run.pid, &status, 0);
		spawn_done(ib->run.pid);
		free(ib->run.name), free(ib->run.dir), free(ib->run.format);
		inbox_free_names(ib->run.files, ib->run.nfiles);
	}
	evtimer_del(&ib->ev_scan);
	event_del(&ib->ev_child);
	if (ib->ifd >= 0) {
		event_del(&ib->ev_inotify);
		inbox_clear_folders(ib);
		close(ib->ifd);
	} else
		inbox_clear_folders(ib);
	free(ib->config_path), free(ib->ctl_path);
	free(ib);
}
