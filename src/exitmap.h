/*
 * exitmap.h - what the client is told once the delivery command is done:
 * exit status (sysexits.h, as Postfix's pipe(8) reads it) and the first
 * line of the command's output mapped to an SMTP reply.  Pure.
 */
#ifndef SMTPIPE_EXITMAP_H
#define SMTPIPE_EXITMAP_H

#include <stddef.h>

#include "ipc.h"

enum run_outcome {
	RUN_EXITED,		/* exited with a status */
	RUN_SIGNALED,		/* killed by a signal */
	RUN_TIMEOUT,		/* over --delivery-timeout, killed by us */
	RUN_NOT_STARTED,	/* fork or exec failed */
};

/*
 * Fill *r.  output/outlen is what the command printed (stdout and stderr
 * together, possibly cut); its first line may carry an RFC 3463 code.
 */
void exitmap_reply(enum run_outcome how, int status, const char *output,
    size_t outlen, struct ipc_reply *r);

#endif
