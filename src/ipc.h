/*
 * ipc.h - the records the session process and the supervisor exchange
 * over their SOCK_SEQPACKET socketpair, one record per packet:
 *
 *   u32 type, u32 payload length, payload
 *
 * Payload fields are u32/u64 in host order (both ends are one binary on
 * one machine) and strings as u32 length + bytes.  The decoders are
 * parsers of hostile input: after a compromise of the session process
 * every record the supervisor reads is the attacker's.  They check every
 * length against its limit and every character of every string, and fail
 * closed.
 */
#ifndef SMTPIPE_IPC_H
#define SMTPIPE_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "util.h"

/*
 * The flow of one transaction:
 *   MAIL -> (none)         RCPT -> RESULT        RSET -> (none)
 *   DATA_BEGIN -> SPOOL    DATA_END -> RESULT (one per recipient in LMTP)
 */
enum ipc_type {
	IPC_DATA_BEGIN = 1,	/* session -> supervisor: open a spool */
	IPC_SPOOL,		/* supervisor -> session: spool fd or refusal */
	IPC_DATA_END,		/* session -> supervisor: deliver or drop */
	IPC_RESULT,		/* supervisor -> session: the reply to give */
	IPC_LOG,		/* session -> supervisor: a log line */
	IPC_VIOLATION,		/* session -> supervisor: u32 syscall number,
				 * sent by the SIGSYS handler before it dies */
	IPC_MAIL,		/* session -> supervisor: sender, parameters */
	IPC_RCPT,		/* session -> supervisor: one recipient */
	IPC_RSET,		/* session -> supervisor: forget the envelope */
};
#define IPC_TYPE_MAX	IPC_RSET

/* Larger than any record we send (an ORCPT is the largest field). */
#define IPC_MAX_RECORD	(4 * 1024)
#define IPC_HDR		8
/* The most recipients one record may carry (and --max-recipients). */
#define LIMIT_RCPT_MAX	500

struct ipc_reply {
	uint32_t code;			/* 250, 451, ... */
	char text[LIMIT_CMD_REPLY + 32];
};

struct ipc_spool {
	bool ok;
	char queue_id[LIMIT_QUEUE_ID];
	struct ipc_reply refusal;	/* when !ok */
};

struct ipc_data_end {
	bool deliver;
	uint64_t size;
	char why[128];
};

struct ipc_log {
	uint32_t prio;
	char text[1024];
};

/* Encoders append one whole record to out; false when it does not fit. */
bool ipc_encode_data_begin(struct obuf *out);
bool ipc_encode_mail(struct obuf *out, const struct envelope *env);
/* Recipient i of env, with its DSN parameters. */
bool ipc_encode_rcpt(struct obuf *out, const struct envelope *env,
    unsigned i);
bool ipc_encode_rset(struct obuf *out);
bool ipc_encode_spool(struct obuf *out, const struct ipc_spool *sp);
bool ipc_encode_data_end(struct obuf *out, const struct ipc_data_end *de);
bool ipc_encode_result(struct obuf *out, const struct ipc_reply *r);
bool ipc_encode_log(struct obuf *out, uint32_t prio, const char *text);

/* Header: returns the type, or 0 when the record is malformed. */
enum ipc_type ipc_decode_header(const char *p, size_t len,
    const char **payload_r, size_t *plen_r);

/*
 * Every string is checked: the HELO name printable ASCII without spaces;
 * addresses printable ASCII (spaces only occur in quoted local parts, but
 * are not re-parsed here), or well-formed UTF-8 when the transaction has
 * SMTPUTF8; never a control octet and never a leading '-'.  The sender
 * and parameters replace env's transaction; a recipient is appended at
 * env->nrcpt, which the caller advances once it accepts it (more than
 * env->max_rcpt is an error).
 */
bool ipc_decode_data_begin(const char *p, size_t len);
bool ipc_decode_mail(const char *p, size_t len, struct envelope *env);
bool ipc_decode_rcpt(const char *p, size_t len, struct envelope *env);
bool ipc_decode_spool(const char *p, size_t len, struct ipc_spool *sp);
bool ipc_decode_data_end(const char *p, size_t len, struct ipc_data_end *de);
bool ipc_decode_result(const char *p, size_t len, struct ipc_reply *r);
bool ipc_decode_log(const char *p, size_t len, struct ipc_log *lg);
bool ipc_decode_violation(const char *p, size_t len, uint32_t *nr_r);

#endif
