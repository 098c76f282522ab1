/*
 * netio.h - the session process: the only code that touches the client's
 * file descriptors.  It runs inside the sandbox.
 */
#ifndef SMTPIPE_NETIO_H
#define SMTPIPE_NETIO_H

#include <stdbool.h>

#include "options.h"
#include "session.h"

/* Serve the client on in/out, talking to the supervisor on sock; send
 * the 220 greeting first unless the caller did.  Returns the process
 * exit status. */
int netio_run(const struct options *o, const struct session_config *cfg,
    int in, int out, int sock, bool greet);

#endif
