/*
 * supervisor.h - the parent process: never parses SMTP, owns spools and
 * runs the delivery command on what the session process hands it.
 */
#ifndef SMTPIPE_SUPERVISOR_H
#define SMTPIPE_SUPERVISOR_H

#include <sys/types.h>

#include "deliver.h"

/* Serve the session process on sock until it exits; returns the exit
 * status smtpipe should end with. */
int supervisor_run(const struct deliver_ctx *dc, int sock, pid_t session);

#endif
