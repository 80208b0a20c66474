/*
 * inbox.h: the drop folders ([import "NAME"]). The daemon watches each folder, waits until a file
 * set is complete, imports it in a child process through driftwatchctl (the same importers, one
 * transaction), then moves it to done/ or failed/ beside its .report.txt.
 */
#ifndef DRIFTWATCH_INBOX_H
#define DRIFTWATCH_INBOX_H

struct config;
struct event_base;
struct inbox;
struct store;

/* Start watching the config's folders. config_path is what the import child is given with -f;
 * queued() runs after an admin alert was queued (so the dispatcher sends it now). */
struct inbox *inbox_new(struct event_base *base, struct store *s, const struct config *cfg, const char *config_path,
    void (*queued)(void *), void *arg);
/* A reloaded config: watch its folders instead (an import running carries on). */
void inbox_set_config(struct inbox *ib, const struct config *cfg);
/* The backstop tick: scan every folder (the poll fallback when inotify is not there). */
void inbox_tick(struct inbox *ib);
/* Stopping: an import in flight is killed; its transaction rolls back and the set stays in the inbox. */
void inbox_free(struct inbox *ib);

#endif
