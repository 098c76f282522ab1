/*
 * envelope.h - what one transaction hands to delivery: the SMTP envelope
 * (with its DSN and SMTPUTF8 parameters) and the session facts the
 * delivery command is told.
 */
#ifndef SMTPIPE_ENVELOPE_H
#define SMTPIPE_ENVELOPE_H

#include <stdbool.h>
#include <stdint.h>

#include "smtp-limits.h"

enum body_type {
	BODY_NONE = 0,		/* no BODY= parameter */
	BODY_7BIT,
	BODY_8BITMIME,
	BODY_BINARYMIME,
};

/* RFC 3461 4.4: ENVID at most 100 characters. */
#define LIMIT_ENVID		100
/* RFC 3461 4.2: ORCPT at most 500 characters. */
#define LIMIT_ORCPT		500
/* "SUCCESS,FAILURE,DELAY" and a NUL. */
#define LIMIT_NOTIFY		(21 + 1)

struct envelope {
	char helo[LIMIT_HELO + 1];
	char protocol[16];		/* SMTP, ESMTP, LMTP, UTF8SMTP, ... */
	char sender[LIMIT_ADDR_BUF];	/* empty for <> */
	bool smtputf8;			/* MAIL ... SMTPUTF8 (RFC 6531) */
	enum body_type body;
	uint64_t declared_size;		/* SIZE=, 0 when absent */
	char dsn_ret[8];		/* RET=: "", FULL or HDRS */
	char dsn_envid[LIMIT_ENVID + 1];	/* ENVID=, xtext-decoded */
	unsigned nrcpt;
	unsigned max_rcpt;
	/* Parallel arrays of max_rcpt entries, in RCPT order. */
	char (*rcpt)[LIMIT_ADDR_BUF];
	char (*dsn_notify)[LIMIT_NOTIFY];	/* NOTIFY=, "" if none */
	char (*dsn_orcpt)[LIMIT_ORCPT + 1];	/* "type;decoded", "" */
};

const char *envelope_body_name(enum body_type b);
/* Allocate the recipient arrays; false when out of memory. */
bool envelope_alloc(struct envelope *env, unsigned max_rcpt);
void envelope_free(struct envelope *env);
/* Forget the transaction (keeps helo and the arrays). */
void envelope_reset(struct envelope *env);

#endif
