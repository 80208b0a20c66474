/*
 * ops.c: what every operation (op_*.c) shares: its answer, and how it fails, refuses and commits.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "store.h"
#include "store_idempotency.h"
#include "xmalloc.h"

/* See ops.h. */
void
op_answer_free(struct op_answer *a)
{
	free(a->message);
	json_decref(a->state);
	if (a->have_dispute)
		dispute_free(&a->dispute);
	memset(a, 0, sizeof *a);
}

/* Set the answer's message from a format. */
static void
op_message(struct op_answer *a, const char *fmt, va_list ap)
{
	free(a->message);
	if (vasprintf(&a->message, fmt, ap) == -1)
		a->message = xstrdup("failed");
}

/* See ops.h. Asked before the rollback, which clears the connection's last error. */
int
op_fail(const struct op_env *env, struct op_answer *a, char *cause, const char *fmt, ...)
{
	va_list ap;
	char *what;

	a->result = store_unavailable(env->store) ? OP_UNAVAILABLE : OP_FAILED;
	store_rollback(env->store);
	va_start(ap, fmt);
	op_message(a, fmt, ap);
	va_end(ap);
	xasprintf(&what, "%s%s%s", a->message, cause != NULL ? cause : "failed", "; nothing changed");
	free(a->message);
	a->message = what;
	free(cause);
	json_decref(a->state);
	a->state = NULL;
	return -1;
}

/* See ops.h. */
int
op_refuse(const struct op_env *env, struct op_answer *a, enum op_result result, const char *field, const char *fmt, ...)
{
	va_list ap;

	store_rollback(env->store);
	a->result = result;
	a->field = field;
	va_start(ap, fmt);
	op_message(a, fmt, ap);
	va_end(ap);
	return -1;
}

/* See ops.h. The hook runs inside the transaction so what it records commits with the change. */
int
op_commit(const struct op_env *env, struct op_answer *a, const char *what)
{
	char *cause = NULL;

	a->result = OP_OK;
	if (env->before_commit != NULL && env->before_commit(env->store, a, env->before_commit_arg, &cause) != 0)
		return op_fail(env, a, cause, "%s", what);
	if (store_commit(env->store, &cause) != 0)
		return op_fail(env, a, cause, "%s", what);
	return 0;
}
