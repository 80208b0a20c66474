/*
 * log.h: one logger for the daemon and the admin tool. Lines go to stderr with journald priority
 * prefixes (<3> error, <4> warning, <6> info, <7> debug). Every line names its subsystem and object:
 * "outbox: notice 42: smtp 451: ...". Case references only, never a name.
 */
#ifndef DRIFTWATCH_LOG_H
#define DRIFTWATCH_LOG_H

#include <stdarg.h>

void log_init(int debug, int prefixes);
void log_set_debug(int debug);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* adds ": strerror(errno)" */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* <3>, not fatal */
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
