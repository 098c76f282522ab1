/*
 * envelope.h - what one transaction hands to delivery: the SMTP envelope
 * and the facts about the session the delivery command is told.
 */
#ifndef SMTPIPE_ENVELOPE_H
#define SMTPIPE_ENVELOPE_H

#include <stdint.h>

#include "limits.h"

enum body_type {
	BODY_NONE = 0,		/* no BODY= parameter */
	BODY_7BIT,
	BODY_8BITMIME,
	BODY_BINARYMIME,
};

struct envelope {
	char helo[LIMIT_HELO + 1];
	char protocol[16];		/* SMTP, ESMTP, LMTP, ... */
	char sender[LIMIT_ADDR_BUF];	/* empty for <> */
	unsigned nrcpt;
	unsigned max_rcpt;
	char (*rcpt)[LIMIT_ADDR_BUF];	/* max_rcpt entries */
	enum body_type body;
	uint64_t declared_size;		/* SIZE=, 0 when absent */
};

const char *envelope_body_name(enum body_type b);

#endif
