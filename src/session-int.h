/*
 * session-int.h - the session's state, shared by session.c (the dialog)
 * and session-data.c (DATA and BDAT); not for anyone else.
 */
#ifndef SMTPIPE_SESSION_INT_H
#define SMTPIPE_SESSION_INT_H

#include "dataread.h"
#include "ipc.h"
#include "linereader.h"
#include "session.h"

enum state {
	ST_GREETED,
	ST_READY,
	ST_MAIL,
	ST_RCPT,
	ST_DATA,
	ST_CHUNK,
	ST_CLOSED,
};

#define SPOOLBUF_SIZE	(64 * 1024)

struct session {
	struct session_config cfg;
	const struct session_ops *ops;
	void *ctx;
	enum state state;
	bool esmtp;
	unsigned errors;
	struct envelope env;
	struct linereader lr;
	struct dataread dr;
	/* DATA phase: why the message will not be delivered, if so. */
	const char *data_reject;
	int write_errno;
	/* BDAT: the transaction has chunks; the current chunk. */
	bool bdat;
	bool chunk_last;
	bool chunk_cr;		/* a CR ended the previous chunk */
	const char *chunk_refusal;	/* discard the chunk, then say this */
	char refusal_buf[sizeof(((struct smtp_reply *)0)->text) + 8];
	uint64_t chunk_left;
	uint64_t bdat_octets;
	enum state chunk_prev;	/* the state to go back to after a chunk */
	unsigned chunk_replies;	/* how often to say chunk_refusal */
	bool chunk_is_error;	/* chunk_refusal counts as a client error */
	struct smtp_reply *replies;	/* max_rcpt entries, for LMTP */
	size_t spool_len;
	char spool[SPOOLBUF_SIZE];
	struct obuf out;
	/* Pending replies: flushed at LIMIT_WRITEBUF, with room above that
	 * for the longest burst one command can cause (LMTP: a reply per
	 * recipient). */
	char outbuf[LIMIT_WRITEBUF + LIMIT_RCPT_MAX * (LIMIT_CMD_REPLY + 48)];
};

/* session.c */
void sess_reply(struct session *s, const char *text);
void sess_reply_smtp(struct session *s, const struct smtp_reply *r);
void sess_reply_error(struct session *s, const char *text);
void sess_tx_clear(struct session *s);
void sess_tx_reset(struct session *s);
void sess_skip_sp(const char **p, size_t *len);

/* session-data.c: the DATA and BDAT verbs and their octet streams. */
void sess_cmd_data(struct session *s, const char *arg, size_t len);
void sess_cmd_bdat(struct session *s, const char *arg, size_t len);
size_t sess_data_feed(struct session *s, const char *in, size_t len);
size_t sess_chunk_feed(struct session *s, const char *in, size_t len);

#endif
