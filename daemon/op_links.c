/*
 * op_links.c: "This is not mine", the answer every notice's recipient may give: audited against the
 * notice's key (the notice itself stays in the outbox and the trail) and told to the admin, once per
 * notice and recipient, in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "ops.h"
#include "outbox.h"
#include "store.h"
#include "xmalloc.h"

/* See ops.h. */
int
op_notice_not_mine(const struct op_env *env, const struct op_not_mine_request *r, struct op_answer *a)
{
	const struct config *cfg = env->cfg;
	char *cause = NULL, *detail, *key, *subject, *body;
	int added = 0, rc;

	memset(a, 0, sizeof *a);
	if (r->dedupe_key == NULL || r->dedupe_key[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "notice", "not mine: the notice's key is needed");
	if (r->recipient == NULL || r->recipient[0] == '\0')
		return op_refuse(env, a, OP_BAD_INPUT, "recipient", "not mine: who says so is needed");
	if (store_begin(env->store, &cause) != 0)
		return op_fail(env, a, cause, "not mine: ");
	xasprintf(&detail, "%s says this notice is not theirs%s%s", r->recipient, r->note != NULL ? ": " : "",
	    r->note != NULL ? r->note : "");
	rc = audit_add(env->store, env->now, env->actor, "notice-not-mine", r->dedupe_key, detail, &cause);
	free(detail);
	if (rc != 0)
		return op_fail(env, a, cause, "not mine: ");
	if (cfg->admin_email != NULL) {
		xasprintf(&key, "links:not-mine|notice:%s|from:%s", r->dedupe_key, r->recipient);
		xasprintf(&subject, "driftwatch: a notice reached the wrong person (%s)", r->recipient);
		xasprintf(&body,
		    "%s answered \"This is not mine\" to the notice with key\n\n  %s\n\n%s%s%s"
		    "Check who the notice should go to (the [role] emails, the roles or allocations import) "
		    "and correct it; the notice stays in the audit trail (driftwatchctl outbox list).\n",
		    r->recipient, r->dedupe_key, r->note != NULL ? "Their note: " : "", r->note != NULL ? r->note : "",
		    r->note != NULL ? "\n\n" : "");
		rc = outbox_alert(
		    env->store, cfg, cfg->admin_transport, key, subject, body, false, env->now, &added, &cause);
		free(key), free(subject), free(body);
		if (rc != 0)
			return op_fail(env, a, cause, "not mine: ");
	} else
		log_warnx(
		    "links: notice %s: %s says it is not theirs (no admin_email to tell)", r->dedupe_key, r->recipient);
	a->created = added;
	a->state = json_pack("{s:s, s:b}", "notice", r->dedupe_key, "admin_told", added);
	return op_commit(env, a, "not mine: ");
}
