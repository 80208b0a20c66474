/*
 * log.c: stderr logging with journald priority prefixes, as OpenSMTPD's log.c but for systemd:
 * journald reads the "<N>" prefix as the priority, so no syslog socket is needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static int log_debug_on;
static int log_prefixes = 1;

/* Start logging: debug lines on or off; prefixes off for an interactive tool. */
void
log_init(int debug, int prefixes)
{
	log_debug_on = debug;
	log_prefixes = prefixes;
}

/* Turn debug lines on or off. */
void
log_set_debug(int debug)
{
	log_debug_on = debug;
}

static void log_vwrite(int priority, int errnum, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Write one line with its priority prefix, and strerror when errnum is set. */
static void
log_vwrite(int priority, int errnum, const char *fmt, va_list ap)
{
	char line[2048], prefix[16] = "";

	vsnprintf(line, sizeof line, fmt, ap);
	/* One write a line (stderr is unbuffered): the journal never sees half a line, and a busy
	 * HTTP listener pays one system call a request log, not three. */
	if (log_prefixes)
		snprintf(prefix, sizeof prefix, "<%d>", priority);
	if (errnum != 0)
		fprintf(stderr, "%s%s: %s\n", prefix, line, strerror(errnum));
	else
		fprintf(stderr, "%s%s\n", prefix, line);
}

/* A warning with the current errno's text. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(4, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(4, 0, fmt, ap);
	va_end(ap);
}

/* An error the daemon survives. */
void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(3, 0, fmt, ap);
	va_end(ap);
}

/* Information. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(6, 0, fmt, ap);
	va_end(ap);
}

/* Debugging, only with -d. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vwrite(7, 0, fmt, ap);
	va_end(ap);
}

/* Our own impossible state, with errno: log and exit. */
void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vwrite(2, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Our own impossible state: log and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(2, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
