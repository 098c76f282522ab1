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

enum ipc_type {
	IPC_DATA_BEGIN = 1,	/* session -> supervisor: envelope */
	IPC_SPOOL,		/* supervisor -> session: spool fd or refusal */
	IPC_DATA_END,		/* session -> supervisor: deliver or drop */
	IPC_RESULT,		/* supervisor -> session: the reply to give */
	IPC_LOG,		/* session -> supervisor: a log line */
	IPC_VIOLATION,		/* session -> supervisor: u32 syscall number,
				 * sent by the SIGSYS handler before it dies */
};

/* Large enough for LIMIT_RCPT_MAX recipients, small enough for one
 * packet in the default socket buffer. */
#define IPC_MAX_RECORD	(160 * 1024)
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
bool ipc_encode_data_begin(struct obuf *out, const struct envelope *env);
bool ipc_encode_spool(struct obuf *out, const struct ipc_spool *sp);
bool ipc_encode_data_end(struct obuf *out, const struct ipc_data_end *de);
bool ipc_encode_result(struct obuf *out, const struct ipc_reply *r);
bool ipc_encode_log(struct obuf *out, uint32_t prio, const char *text);

/* Header: returns the type, or 0 when the record is malformed. */
enum ipc_type ipc_decode_header(const char *p, size_t len,
    const char **payload_r, size_t *plen_r);

/*
 * env->rcpt must have room for env->max_rcpt entries; more recipients
 * than that is an error.  Strings are checked: the HELO name printable
 * ASCII without spaces, addresses printable ASCII (space only as the
 * grammar allows it inside quotes is not re-parsed here: any control
 * octet, a leading '-' or an octet over 127 is refused).
 */
bool ipc_decode_data_begin(const char *p, size_t len, struct envelope *env);
bool ipc_decode_spool(const char *p, size_t len, struct ipc_spool *sp);
bool ipc_decode_data_end(const char *p, size_t len, struct ipc_data_end *de);
bool ipc_decode_result(const char *p, size_t len, struct ipc_reply *r);
bool ipc_decode_log(const char *p, size_t len, struct ipc_log *lg);
bool ipc_decode_violation(const char *p, size_t len, uint32_t *nr_r);

#endif
