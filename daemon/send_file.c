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
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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

struct send_file {
	int json; /* write .json (webhook json format) rather than .eml */
};

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

/* Check the config and make the spool folder. */
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
	t->priv = sf;
	return 0;
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

/* Write dir/name atomically: ".tmp-name", fsync, rename, fsync the folder. -1 and errno on failure. */
static int
send_file_write(const char *dir, const char *name, const char *data, size_t len)
{
	char *tmp, *final;
	int fd = -1, dfd = -1, saved;

	xasprintf(&tmp, "%s/.tmp-%s", dir, name);
	xasprintf(&final, "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if (send_file_write_all(fd, data, len) != 0)
		goto fail;
	/* The bytes reach the disk before the name does, so the name never points at a hole. */
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, final) != 0)
		goto fail;
	/* And the rename itself is durable before we call the notice sent. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(dfd) != 0)
		goto fail;
	close(dfd);
	free(tmp), free(final);
	return 0;

fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	unlink(tmp);
	free(tmp), free(final);
	errno = saved;
	return -1;
}

/* Render the notice, write its file, and report from the loop. */
static int
send_file_send(struct transport *t, struct transport_job *job, const struct notice *n, char **cause)
{
	const struct transport_config *c = &t->cfg;
	struct send_file *sf = t->priv;
	const char *k;
	char *name;

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
		if ((job->data = webhook_body(n, "json", cause)) == NULL)
			return -1;
		job->len = strlen(job->data);
	} else if (mail_message_build(n, c->from != NULL ? c->from : SEND_FILE_FROM, t->domain, &job->data,
				      &job->len, cause) != 0)
		return -1;
	xasprintf(&name, "%08lld-%s.%s", (long long)n->id, n->kind, sf->json ? "json" : "eml");
	/* The folder may have been removed since start-up. */
	if (send_file_mkdir(c->spool, cause) != 0) {
		transport_status(&job->status, SEND_RETRY, 0, "%s", *cause);
		free(*cause);
		*cause = NULL;
	} else if (send_file_write(c->spool, name, job->data, job->len) != 0)
		transport_status(&job->status, SEND_RETRY, 0, "%s: %s", name, strerror(errno));
	else
		transport_status(&job->status, SEND_OK, 0, "%s", name);
	free(name);
	return transport_job_defer(job, cause);
}

/* Free the type's state. */
static void
send_file_free(struct transport *t)
{
	free(t->priv);
}

const struct transport_ops send_file_ops = {
    .type = "file",
    .init = send_file_init,
    .send = send_file_send,
    .complete = NULL,
    .free = send_file_free,
};
