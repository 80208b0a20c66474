/*
 * send_file.c: the file transport, the embedded default. Each notice becomes a file in a spool
 * folder: an .eml holding exactly the bytes the smtp transport would send (format eml, the
 * default), or a .json holding exactly what the webhook transport would post in its json format.
 * The demo and many tests read these instead of running a mail server.
 *
 * A file is named after its notice ("00000042-reminder.eml"), not the time, so a re-send after a
 * crash overwrites the first copy instead of adding a duplicate. It appears atomically: written
 * under a temporary name, fsync'd, renamed, and the folder fsync'd, so a reader never sees half a
 * message and an accepted notice survives a power cut.
 *
 * The disk work runs in one worker thread per transport, never on the event loop: an fsync takes
 * milliseconds, and a pass of notices written on the loop held every HTTP client for the whole
 * pass. The loop renders each notice (and owns everything else); the worker takes every file
 * queued since its last round, writes and fsyncs each, renames them, fsyncs the folder once for
 * the round, and wakes the loop through a pipe. Only the queue and each write's state are shared,
 * under one mutex; a write whose job was cancelled (the transport freed, a reload) is dropped
 * when it comes back.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "mail_message.h"
#include "transport.h"
#include "transport_int.h"
#include "webhook.h"
#include "xmalloc.h"

/* Without a configured from, files still need a sender. */
#define SEND_FILE_FROM "driftwatch <driftwatch@localhost>"

enum send_file_state { SEND_FILE_QUEUED, SEND_FILE_WRITING, SEND_FILE_DONE };

/* One file for the worker: it owns its name and bytes, so a cancelled job leaves it nothing dangling. */
struct send_file_write {
	struct transport_job *job; /* NULL once cancelled (loop side only) */
	char *name;
	char *data;
	size_t len;
	enum send_file_state state; /* under the mutex */
	int error;		    /* errno of the failed step, 0 when written */
	const char *step;	    /* what failed: "mkdir", "write", "fsync" ... */
	TAILQ_ENTRY(send_file_write) entry;
};
TAILQ_HEAD(send_file_writes, send_file_write);

struct send_file {
	int json;	   /* write .json (webhook json format) rather than .eml */
	const char *spool; /* the transport's own copy: it outlives the worker */
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct send_file_writes writes; /* every write not yet collected by the loop, oldest first */
	int stop;
	int pipe[2]; /* the worker writes a byte when a round is done */
	struct event ev_done;
	int started;
};

static void *send_file_worker(void *arg);
static void send_file_done_cb(evutil_socket_t fd, short what, void *arg);

/* Make the spool folder (0700: it holds case references) unless it is there. */
static int
send_file_mkdir(const char *path, char **cause)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST) {
		xasprintf(cause, "spool %s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		xasprintf(cause, "spool %s is not a folder", path);
		return -1;
	}
	return 0;
}

/* Free a write (its bytes held a case's text). */
static void
send_file_write_free(struct send_file_write *w)
{
	explicit_bzero(w->data, w->len);
	free(w->data), free(w->name), free(w);
}

/* Stop the worker (it finishes its round) and free everything; see send_file_init. */
static void
send_file_free(struct transport *t)
{
	struct send_file *sf = t->priv;
	struct send_file_write *w;

	if (sf == NULL)
		return;
	if (sf->started) {
		pthread_mutex_lock(&sf->lock);
		sf->stop = 1;
		pthread_cond_signal(&sf->wake);
		pthread_mutex_unlock(&sf->lock);
		pthread_join(sf->worker, NULL);
	}
	if (sf->pipe[0] >= 0) {
		event_del(&sf->ev_done);
		close(sf->pipe[0]);
		close(sf->pipe[1]);
	}
	/* Their jobs were cancelled before this (transport_free): nothing is told. */
	while ((w = TAILQ_FIRST(&sf->writes)) != NULL) {
		TAILQ_REMOVE(&sf->writes, w, entry);
		send_file_write_free(w);
	}
	pthread_cond_destroy(&sf->wake);
	pthread_mutex_destroy(&sf->lock);
	free(sf);
	t->priv = NULL;
}

/* Check the config, make the spool folder and start the writer thread. */
static int
send_file_init(struct transport *t, char **cause)
{
	const struct transport_config *c = &t->cfg;
	struct send_file *sf;
	int json;

	if (c->spool == NULL) {
		xasprintf(cause, "no spool folder");
		return -1;
	}
	if (c->format == NULL || strcmp(c->format, "eml") == 0)
		json = 0;
	else if (strcmp(c->format, "json") == 0)
		json = 1;
	else {
		xasprintf(cause, "format \"%s\" is not eml or json", c->format);
		return -1;
	}
	if (send_file_mkdir(c->spool, cause) != 0)
		return -1;
	sf = xcalloc(1, sizeof *sf);
	sf->json = json;
	sf->spool = c->spool;
	sf->pipe[0] = sf->pipe[1] = -1;
	TAILQ_INIT(&sf->writes);
	pthread_mutex_init(&sf->lock, NULL);
	pthread_cond_init(&sf->wake, NULL);
	t->priv = sf;
	if (pipe2(sf->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		xasprintf(cause, "pipe: %s", strerror(errno));
		sf->pipe[0] = sf->pipe[1] = -1;
		goto fail;
	}
	event_assign(&sf->ev_done, t->base, sf->pipe[0], EV_READ | EV_PERSIST, send_file_done_cb, t);
	if (event_add(&sf->ev_done, NULL) != 0) {
		xasprintf(cause, "cannot watch the writer thread");
		goto fail;
	}
	if ((errno = pthread_create(&sf->worker, NULL, send_file_worker, sf)) != 0) {
		xasprintf(cause, "cannot start the writer thread: %s", strerror(errno));
		goto fail;
	}
	sf->started = 1;
	return 0;

fail:
	send_file_free(t); /* transport_new does not call free after a failed init */
	return -1;
}

/* Write all of data to fd. */
static int
send_file_write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, data, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A failed step of a write: keep what failed and why. -1. */
static int
send_file_failed(struct send_file_write *w, const char *step)
{
	w->error = errno;
	w->step = step;
	return -1;
}

/* Worker: write dir/.tmp-NAME, fsync it, rename it to NAME. The folder's fsync is the round's. */
static int
send_file_put(const char *dir, struct send_file_write *w)
{
	char *tmp, *final;
	int fd = -1, rc = -1;

	xasprintf(&tmp, "%s/.tmp-%s", dir, w->name);
	xasprintf(&final, "%s/%s", dir, w->name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		send_file_failed(w, "open");
		goto out;
	}
	if (send_file_write_all(fd, w->data, w->len) != 0) {
		send_file_failed(w, "write");
		goto out;
	}
	/* The bytes reach the disk before the name does, so the name never points at a hole. */
	if (fsync(fd) != 0) {
		send_file_failed(w, "fsync");
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc != 0 || rename(tmp, final) != 0) {
		rc = send_file_failed(w, rc != 0 ? "close" : "rename");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp), free(final);
	return rc;
}

/*
 * Worker: one round over every file queued since the last. Each file is written, fsync'd and
 * renamed; then the folder is fsync'd once, so every rename of the round is durable before any of
 * its notices is called sent (one folder fsync a round rather than one a notice).
 */
static void
send_file_round(struct send_file *sf, struct send_file_write **round, int n)
{
	struct stat st;
	int i, dfd, written = 0, saved;

	/* The folder may have been removed since start-up. */
	if (mkdir(sf->spool, 0700) != 0 && (errno != EEXIST || stat(sf->spool, &st) != 0 || !S_ISDIR(st.st_mode))) {
		if (errno == EEXIST)
			errno = ENOTDIR;
		for (i = 0; i < n; i++)
			send_file_failed(round[i], "spool");
		return;
	}
	for (i = 0; i < n; i++)
		written += send_file_put(sf->spool, round[i]) == 0;
	if (written == 0)
		return;
	/* And the renames themselves are durable before we call the notices sent. */
	if ((dfd = open(sf->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 && fsync(dfd) == 0) {
		close(dfd);
		return;
	}
	saved = errno;
	if (dfd >= 0)
		close(dfd);
	for (i = 0; i < n; i++) {
		if (round[i]->error == 0) {
			errno = saved;
			send_file_failed(round[i], "fsync the folder");
		}
	}
}

/* The writer thread: wait for files, write a round, tell the loop; until stopped. */
static void *
send_file_worker(void *arg)
{
	struct send_file *sf = arg;
	struct send_file_write *w, **round = NULL;
	int n, cap = 0;
	char byte = 1;

	pthread_mutex_lock(&sf->lock);
	for (;;) {
		/* Stopping: what is still queued belongs to cancelled jobs (their notices stay 'sending'
		 * and go out again after a restart), so no more fsyncs hold up the stop. */
		if (sf->stop)
			break;
		n = 0;
		TAILQ_FOREACH(w, &sf->writes, entry) {
			if (w->state != SEND_FILE_QUEUED)
				continue;
			if (n == cap) {
				cap = cap > 0 ? 2 * cap : 16;
				round = xreallocarray(round, (size_t)cap, sizeof *round);
			}
			w->state = SEND_FILE_WRITING;
			round[n++] = w;
		}
		if (n == 0) {
			pthread_cond_wait(&sf->wake, &sf->lock);
			continue;
		}
		/* Outside the lock: the loop queues more meanwhile. Only this thread touches a WRITING
		 * write, and the loop frees one only once DONE. */
		pthread_mutex_unlock(&sf->lock);
		send_file_round(sf, round, n);
		pthread_mutex_lock(&sf->lock);
		while (n > 0)
			round[--n]->state = SEND_FILE_DONE;
		/* A full pipe already has a wake-up in it. */
		if (write(sf->pipe[1], &byte, 1) < 0 && errno != EAGAIN)
			break;
	}
	pthread_mutex_unlock(&sf->lock);
	free(round);
	return NULL;
}

/* The loop: the worker finished a round; tell each job still wanted how its file went. */
static void
send_file_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct transport *t = arg;
	struct send_file *sf = t->priv;
	struct send_file_writes done = TAILQ_HEAD_INITIALIZER(done);
	struct send_file_write *w, *next;
	struct transport_job *job;
	char buf[64], *cause = NULL;

	(void)what;
	while (read(fd, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&sf->lock);
	for (w = TAILQ_FIRST(&sf->writes); w != NULL; w = next) {
		next = TAILQ_NEXT(w, entry);
		if (w->state == SEND_FILE_DONE) {
			TAILQ_REMOVE(&sf->writes, w, entry);
			TAILQ_INSERT_TAIL(&done, w, entry);
		}
	}
	pthread_mutex_unlock(&sf->lock);
	while ((w = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, w, entry);
		if ((job = w->job) != NULL) {
			job->priv = NULL;
			if (w->error == 0)
				transport_status(&job->status, SEND_OK, 0, "%s", w->name);
			else if (strcmp(w->step, "spool") == 0)
				transport_status(
				    &job->status, SEND_RETRY, 0, "spool %s: %s", sf->spool, strerror(w->error));
			else
				transport_status(
				    &job->status, SEND_RETRY, 0, "%s: %s: %s", w->name, w->step, strerror(w->error));
			if (transport_job_defer(job, &cause) != 0) {
				log_warnx(
				    "transport %s: notice %lld: %s", t->cfg.name, (long long)job->notice_id, cause);
				free(cause);
				cause = NULL;
			}
		}
		send_file_write_free(w);
	}
}

/* Render the notice and queue its file for the writer thread. */
static int
send_file_send(struct transport *t, struct transport_job *job, const struct notice *n, char **cause)
{
	const struct transport_config *c = &t->cfg;
	struct send_file *sf = t->priv;
	struct send_file_write *w;
	const char *k;
	char *data;
	size_t len;

	if (n->kind == NULL || *n->kind == '\0') {
		xasprintf(cause, "notice has no kind");
		return -1;
	}
	/* The kind is part of a file name. */
	for (k = n->kind; *k != '\0'; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '-' || *k == '_')) {
			xasprintf(cause, "kind is not a lower-case word");
			return -1;
		}
	}
	if (sf->json) {
		if ((data = webhook_body(n, "json", cause)) == NULL)
			return -1;
		len = strlen(data);
	} else if (mail_message_build(n, c->from != NULL ? c->from : SEND_FILE_FROM, t->domain, &data, &len, cause) !=
	    0)
		return -1;
	w = xcalloc(1, sizeof *w);
	w->job = job;
	w->data = data;
	w->len = len;
	xasprintf(&w->name, "%08lld-%s.%s", (long long)n->id, n->kind, sf->json ? "json" : "eml");
	job->priv = w;
	pthread_mutex_lock(&sf->lock);
	TAILQ_INSERT_TAIL(&sf->writes, w, entry);
	pthread_cond_signal(&sf->wake);
	pthread_mutex_unlock(&sf->lock);
	return 0;
}

/* A job is freed before its file came back: its write is dropped when it does. Loop side only. */
static void
send_file_cancel(struct transport_job *job)
{
	struct send_file_write *w = job->priv;

	if (w != NULL)
		w->job = NULL;
	job->priv = NULL;
}

const struct transport_ops send_file_ops = {
	.type = "file",
	.init = send_file_init,
	.send = send_file_send,
	.complete = NULL,
	.cancel = send_file_cancel,
	.free = send_file_free,
};
