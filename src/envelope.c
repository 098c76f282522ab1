/*
 * envelope.c - the transaction's envelope storage (see envelope.h).
 */
#include "config.h"

#include "envelope.h"

#include <stdlib.h>
#include <string.h>

const char *
envelope_body_name(enum body_type b)
{
	switch (b) {
	case BODY_7BIT:
		return "7BIT";
	case BODY_8BITMIME:
		return "8BITMIME";
	case BODY_BINARYMIME:
		return "BINARYMIME";
	case BODY_NONE:
		break;
	}
	return "";
}

bool
envelope_alloc(struct envelope *env, unsigned max_rcpt)
{
	env->max_rcpt = max_rcpt;
	env->rcpt = calloc(max_rcpt, sizeof(*env->rcpt));
	env->dsn_notify = calloc(max_rcpt, sizeof(*env->dsn_notify));
	env->dsn_orcpt = calloc(max_rcpt, sizeof(*env->dsn_orcpt));
	if (env->rcpt == NULL || env->dsn_notify == NULL ||
	    env->dsn_orcpt == NULL) {
		envelope_free(env);
		return false;
	}
	return true;
}

void
envelope_free(struct envelope *env)
{
	free(env->rcpt);
	free(env->dsn_notify);
	free(env->dsn_orcpt);
	env->rcpt = NULL;
	env->dsn_notify = NULL;
	env->dsn_orcpt = NULL;
}

void
envelope_reset(struct envelope *env)
{
	env->sender[0] = '\0';
	env->smtputf8 = false;
	env->body = BODY_NONE;
	env->declared_size = 0;
	env->dsn_ret[0] = '\0';
	env->dsn_envid[0] = '\0';
	env->nrcpt = 0;
}
