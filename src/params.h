/*
 * params.h - the ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2):
 * SIZE (RFC 1870), BODY (RFC 6152, 3030), SMTPUTF8 (RFC 6531), RET,
 * ENVID, NOTIFY, ORCPT (RFC 3461).  Pure; reads attacker bytes.
 */
#ifndef SMTPIPE_PARAMS_H
#define SMTPIPE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "envelope.h"
#include "session.h"

/*
 * Parse MAIL's parameters p[0..len) into env (which the caller reset);
 * only extensions cfg enables are known, and none after HELO.  Returns
 * NULL, or the reply that refuses the command.
 */
const char *params_mail(const struct session_config *cfg, bool esmtp,
    struct envelope *env, const char *p, size_t len);

/* RCPT's parameters into recipient slot idx of env; NULL or the reply. */
const char *params_rcpt(const struct session_config *cfg,
    struct envelope *env, unsigned idx, const char *p, size_t len);

#endif
