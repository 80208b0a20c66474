/*
 * spawn.h: the import child. The daemon never runs an importer on its event loop: the drop folders
 * (inbox.c) and imports over HTTP (http_import.c) both start `driftwatchctl import --by WHO KIND
 * FILES...` here and wait for its exit on SIGCHLD. One import runs at a time in the whole daemon,
 * so SQLite writes of an import stay in one place.
 */
#ifndef DRIFTWATCH_SPAWN_H
#define DRIFTWATCH_SPAWN_H

#include <sys/types.h>

/* driftwatchctl beside driftwatchd (build tree), or in ../bin (installed); else the name, for PATH. */
char *spawn_find_ctl(void);
/*
 * Start `CTL [-f CONFIG] import --by BY KIND [OPTION] PATHS...` with its stdout and stderr on outfd
 * (option: NULL, or one flag such as "--no-strict"). The child dies with the daemon. Returns its pid;
 * -1 with *cause when it cannot start or another import is running (spawn_busy()).
 */
pid_t spawn_import(const char *ctl, const char *config_path, const char *by, const char *kind, const char *option,
    char *const *paths, int npaths, int outfd, char **cause);
/* Is an import child running? */
int spawn_busy(void);
/* The import child pid was reaped (or killed and reaped): the next import may start, and the idle
 * callback (if set) runs, so a set waiting in a drop folder goes in now. */
void spawn_done(pid_t pid);
/* Who to tell when the import slot is free again (NULL: nobody). */
void spawn_set_idle_cb(void (*cb)(void *), void *arg);

#endif
