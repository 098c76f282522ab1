/*
 * smtp-limits.h - every size and count smtpipe enforces, beside the RFC text
 * that decides it.  Sizes that need room for a NUL are spelled N + 1.
 */
#ifndef SMTPIPE_LIMITS_H
#define SMTPIPE_LIMITS_H

/* RFC 5321 4.5.3.1.1: local-part at most 64 octets. */
#define LIMIT_LOCAL_PART	64
/* RFC 5321 4.5.3.1.2: domain at most 255 octets. */
#define LIMIT_DOMAIN		255
/* RFC 5321 4.5.3.1.3: path (with the angle brackets) at most 256 octets. */
#define LIMIT_PATH		256
/* Storage for an address without brackets, NUL included. */
#define LIMIT_ADDR_BUF		(LIMIT_PATH + 1)
/*
 * RFC 5321 4.5.3.1.4: a command line is at most 512 octets counting the
 * CRLF.  RFC 1869 4.1.2 lets each ESMTP extension add to that for MAIL and
 * RCPT; we allow a fixed extra for the parameters we implement.
 */
#define LIMIT_CMDLINE		512
#define LIMIT_CMDLINE_EXT	(512 + 512)
/* Parameters on one MAIL or RCPT command. */
#define LIMIT_PARAMS		16
/* RFC 5321 4.5.3.1.8: at least 100 recipients must be accepted. */
#define DEFAULT_MAX_RCPT	100
/* Errors before we give up on the client (Postfix smtpd_hard_error_limit). */
#define DEFAULT_MAX_ERRORS	10
/* RFC 5321 4.5.3.2.2-7: five minutes or more per command or data block. */
#define DEFAULT_TIMEOUT		300
/* Time the delivery command may take; below the client's 10-minute
 * DATA termination timeout (RFC 5321 4.5.3.2.6). */
#define DEFAULT_DELIVERY_TIMEOUT 300
/* Default message size limit, advertised with SIZE (RFC 1870). */
#define DEFAULT_MAX_SIZE	(25u * 1024 * 1024)
/* How much of the delivery command's output is kept for the log. */
#define LIMIT_CMD_OUTPUT	4096
/* Longest reply text we relay from the delivery command. */
#define LIMIT_CMD_REPLY		200
/* Network read buffer; also bounds how much pipelined input is held. */
#define LIMIT_READBUF		(64 * 1024)
/* Pending replies before we flush even inside a pipelined group. */
#define LIMIT_WRITEBUF		(16 * 1024)
/* HELO/EHLO argument kept for headers and the environment. */
#define LIMIT_HELO		LIMIT_DOMAIN
/* Queue id: 16 hex digits and a NUL. */
#define LIMIT_QUEUE_ID		(16 + 1)

#endif
