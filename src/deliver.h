/*
 * deliver.h - the spool and the delivery command, run by the supervisor.
 */
#ifndef SMTPIPE_DELIVER_H
#define SMTPIPE_DELIVER_H

#include "activation.h"
#include "envelope.h"
#include "ipc.h"
#include "options.h"

struct deliver_ctx {
	const struct options *opts;
	const char *hostname;
	const struct peer *peer;
	const char *home;		/* HOME for the command */
};

/* SIGTERM handling for the supervisor (see deliver.c). */
void deliver_init_signals(void);

/* A new, empty spool file: a sealable memfd, or an unlinked file in
 * --spool-dir.  Returns an fd or -1 (errno set). */
int deliver_spool_create(const struct deliver_ctx *dc);

/* The Received: header (RFC 5321 4.4) written to the start of the spool.
 * Returns 0 or an errno value. */
int deliver_write_received(const struct deliver_ctx *dc, int fd,
    const struct envelope *env, const char *queue_id);

/*
 * Make the spool read-only for good before delivery: seal the memfd, or
 * copy a --spool-dir file the session might still write to.  Returns the
 * descriptor to deliver from (the caller closes it), or -1.
 */
int deliver_spool_seal(const struct deliver_ctx *dc, int fd);

/*
 * Run the command on the finished spool.  In per-recipient mode (and
 * LMTP), rcpt is the index of the one recipient this run is for, else -1.
 * Fills *r with the reply and note with a short word for the log.
 */
void deliver_run(const struct deliver_ctx *dc, int spool,
    const struct envelope *env, const char *queue_id, int rcpt,
    struct ipc_reply *r, char *note, size_t notelen);

/*
 * --rcpt-check for recipient i (stdin /dev/null): 0 accepts, 67 gives
 * 550 5.1.1, 75 450 4.3.0, other statuses as in delivery (4xx as 450).
 */
void deliver_rcpt_check(const struct deliver_ctx *dc,
    const struct envelope *env, unsigned i, const char *queue_id,
    struct ipc_reply *r, char *note, size_t notelen);

#endif
