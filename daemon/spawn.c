/*
 * spawn.c: start the import child (see spawn.h). The child is driftwatchctl itself, so an import
 * through the daemon is the very import an admin runs by hand: every row validated first, one
 * transaction, FILE:LINE:COLUMN for each problem. Only one runs at a time daemon-wide: a second
 * importer would only wait on SQLite's write lock, holding the first's caller for longer.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "spawn.h"
#include "xmalloc.h"

static pid_t spawn_running; /* the import child now, 0 none */
static void (*spawn_idle_cb)(void *);
static void *spawn_idle_arg;

/* See spawn.h. */
char *
spawn_find_ctl(void)
{
	char self[PATH_MAX], *slash, *path;
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);

	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			xasprintf(&path, "%s/driftwatchctl", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
			xasprintf(&path, "%s/../bin/driftwatchctl", self);
			if (access(path, X_OK) == 0)
				return path;
			free(path);
		}
	}
	return xstrdup("driftwatchctl");
}

/* See spawn.h. */
pid_t
spawn_import(const char *ctl, const char *config_path, const char *by, const char *kind, const char *option,
    char *const *paths, int npaths, int outfd, char **cause)
{
	char **argv;
	pid_t pid, parent = getpid();
	int a = 0, i;

	if (spawn_running > 0) {
		xasprintf(cause, "another import is running (child %ld)", (long)spawn_running);
		return -1;
	}
	argv = xcalloc((size_t)npaths + 10, sizeof *argv);
	argv[a++] = (char *)(uintptr_t)ctl;
	if (config_path != NULL) {
		argv[a++] = (char *)(uintptr_t) "-f";
		argv[a++] = (char *)(uintptr_t)config_path;
	}
	argv[a++] = (char *)(uintptr_t) "import";
	argv[a++] = (char *)(uintptr_t) "--by";
	argv[a++] = (char *)(uintptr_t)by;
	argv[a++] = (char *)(uintptr_t)kind;
	if (option != NULL)
		argv[a++] = (char *)(uintptr_t)option;
	for (i = 0; i < npaths; i++)
		argv[a++] = paths[i];
	if ((pid = fork()) < 0) {
		xasprintf(cause, "fork: %s", strerror(errno));
		free(argv);
		return -1;
	}
	if (pid == 0) {
		/* Dies with the daemon: a kill -9 of driftwatchd must not leave an import committing
		 * behind the next start's back. Its transaction rolls back and the files stay. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		dup2(outfd, STDOUT_FILENO);
		dup2(outfd, STDERR_FILENO);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "driftwatchd: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(argv);
	spawn_running = pid;
	return pid;
}

/* See spawn.h. */
int
spawn_busy(void)
{
	return spawn_running > 0;
}

/* See spawn.h. */
void
spawn_done(pid_t pid)
{
	if (pid != spawn_running || pid <= 0)
		return;
	spawn_running = 0;
	if (spawn_idle_cb != NULL)
		spawn_idle_cb(spawn_idle_arg);
}

/* See spawn.h. */
void
spawn_set_idle_cb(void (*cb)(void *), void *arg)
{
	spawn_idle_cb = cb;
	spawn_idle_arg = arg;
}
