/*
 * send_file.c: the embedded default transport. Each notice becomes a file in the spool folder:
 * an .eml (the exact bytes SMTP would carry) or, with format = json, the JSON a webhook would
 * post. Written atomically — temporary name, fsync, rename, fsync the folder — so a reader never
 * sees half a notice. The name is stable per notice, so a re-send after a crash overwrites
 * rather than duplicates.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mail_message.h"
#include "transport_int.h"
#include "xmalloc.h"

struct send_file_done {
	struct transport *t;
	transport_done_cb done;
	void *arg;
	struct send_status status;
};

/* Create the spool folder when missing. */
static int
send_file_init(struct transport *t, char **cause)
{
	if (t->cfg.spool == NULL)
		t->cfg.spool = xstrdup("/var/lib/driftwatch/spool");
	if (mkdir(t->cfg.spool, 0700) != 0 && errno != EEXIST) {
		xasprintf(cause, "transport %s: spool %s: %s", t->cfg.name, t->cfg.spool, strerror(errno));
		return -1;
	}
	return 0;
}

/* Report the outcome from the loop, never from inside transport_send. */
static void
send_file_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct send_file_done *d = arg;

	(void)fd, (void)what;
	d->t->in_flight--;
	d->done(d->arg, &d->status);
	free(d);
}

/* Write data to path atomically. 0, or -1 with errno set. */
static int
send_file_write(const char *dir, const char *name, const char *data, size_t len)
{
	char *tmp, *final;
	size_t off = 0;
	ssize_t w;
	int fd, dfd, rc = -1, saved;

	xasprintf(&tmp, "%s/.tmp-%s", dir, name);
	xasprintf(&final, "%s/%s", dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		goto out;
	while (off < len) {
		if ((w = write(fd, data + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)w;
	}
	/* fsync before rename: after a crash the name holds the whole notice or nothing. */
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, final) != 0)
		goto fail;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = saved;
out:
	free(tmp);
	free(final);
	return rc;
}

/* Write one notice. */
static int
send_file_send(struct transport *t, const struct notice *n, transport_done_cb done, void *arg, char **cause)
{
	struct send_file_done *d;
	struct timeval zero = { 0, 0 };
	char *data = NULL, *name;
	size_t len;
	int json = t->cfg.format != NULL && strcmp(t->cfg.format, "json") == 0;

	if (json) {
		data = transport_json_body(n, "json");
		len = strlen(data);
	} else if (mail_message_build(n, t->cfg.from, t->cfg.domain, &data, &len, cause) != 0)
		return -1;
	xasprintf(&name, "%08lld-%s.%s", (long long)n->id, n->kind != NULL ? n->kind : "notice", json ? "json" : "eml");
	d = xcalloc(1, sizeof *d);
	d->t = t;
	d->done = done;
	d->arg = arg;
	if (send_file_write(t->cfg.spool, name, data, len) == 0)
		transport_status(&d->status, SEND_OK, 0, "written");
	else {
		/* A full or read-only disk is worth retrying: an admin can free space. */
		transport_status(&d->status, SEND_RETRY, 0, "write %s: %s", name, strerror(errno));
	}
	free(data);
	free(name);
	t->in_flight++;
	if (event_base_once(t->base, -1, EV_TIMEOUT, send_file_done_cb, d, &zero) != 0) {
		t->in_flight--;
		free(d);
		xasprintf(cause, "transport %s: cannot schedule the completion", t->cfg.name);
		return -1;
	}
	return 0;
}

const struct transport_ops send_file_ops = {
	"file",
	send_file_init,
	send_file_send,
	NULL,
};
