/*
 * session.h - the SMTP dialog: states, the verb table, replies.  Pure: it
 * is fed the client's bytes and appends replies to a bounded buffer; the
 * only way out is through struct session_ops, which the caller provides
 * (IPC to the supervisor in smtpipe, fakes in tests and fuzzers).
 */
#ifndef SMTPIPE_SESSION_H
#define SMTPIPE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "util.h"

struct session;

struct session_config {
	const char *hostname;
	unsigned max_rcpt;
	unsigned max_errors;
	uint64_t max_size;
	bool bare_lf_reject;
	bool crlf;
	bool per_recipient;
	bool lmtp;		/* RFC 2033: LHLO, a reply per recipient */
	bool chunking;		/* RFC 3030: BDAT, BINARYMIME */
	bool smtputf8;		/* RFC 6531 */
	bool dsn;		/* RFC 3461 */
};

/* A reply built by the supervisor: code and text ("4.3.0 Try later"). */
struct smtp_reply {
	unsigned code;
	char text[LIMIT_CMD_REPLY + 32];
};

struct session_ops {
	/* MAIL was accepted: the sender and its parameters are in env. */
	void (*mail)(void *ctx, const struct envelope *env);
	/*
	 * A syntactically good recipient, stored at env->rcpt[i]: the
	 * supervisor's policy (--accept-domain, --rcpt-check) fills *reply_r;
	 * only a 2xx reply makes it part of the transaction.
	 */
	void (*rcpt)(void *ctx, const struct envelope *env, unsigned i,
	    struct smtp_reply *reply_r);
	/* The transaction was abandoned (RSET, HELO/EHLO, failed BDAT). */
	void (*reset)(void *ctx);
	/*
	 * The message data begins (DATA, or the first BDAT chunk).  Returns
	 * true when a spool is ready; false fills *reply_r with the temporary
	 * failure to give instead.
	 */
	bool (*data_begin)(void *ctx, struct smtp_reply *reply_r);
	/* Message bytes for the spool; returns 0 or an errno value. */
	int (*data_write)(void *ctx, const char *p, size_t len);
	/*
	 * The data ended.  With deliver, the supervisor runs the command and
	 * fills replies_r[0..n) (n is 1, or the recipient count in LMTP);
	 * without, the transaction is dropped (why says so for the log) and
	 * replies_r is left alone.
	 */
	void (*data_end)(void *ctx, bool deliver, const char *why,
	    uint64_t size, struct smtp_reply *replies_r, unsigned n);
	/* Dialog log for --verbose: direction '<' or '>', raw line. */
	void (*dialog)(void *ctx, char dir, const char *p, size_t len);
};

enum session_status {
	SESSION_MORE,		/* feed more input when it arrives */
	SESSION_FLUSH,		/* write out the replies, then feed again */
	SESSION_CLOSE,		/* write out the replies, then close */
};

struct session *session_new(const struct session_config *cfg,
    const struct session_ops *ops, void *ctx);
void session_free(struct session **s);

/* The 220 greeting; call once before the first feed. */
void session_greet(struct session *s);
/* Feed client bytes; *consumed_r may be less than len (SESSION_FLUSH). */
enum session_status session_feed(struct session *s, const char *in,
    size_t len, size_t *consumed_r);
/* The client went away: drop whatever was in progress. */
void session_eof(struct session *s);
/* The client was silent too long: 421 and close (RFC 5321 4.5.3.2). */
void session_timeout(struct session *s);
/* Pending output; the caller writes it and then calls session_written. */
const char *session_output(const struct session *s, size_t *len_r);
void session_written(struct session *s, size_t n);
/* True while a message is being received (DATA, a BDAT chunk). */
bool session_in_data(const struct session *s);
/* True while part of a command line has arrived but not its CR LF. */
bool session_partial_command(const struct session *s);

#endif
