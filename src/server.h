/*
 * server.h - systemd Accept=no: we hold the listening socket and start
 * one session (supervisor + sandboxed session process) per connection.
 */
#ifndef SMTPIPE_SERVER_H
#define SMTPIPE_SERVER_H

#include "options.h"

/*
 * Accept on lfd until SIGTERM.  Returns only in a child, with the
 * connection on fds 0 and 1, to go on exactly as an inetd-launched
 * smtpipe; the listening parent exits from here.
 */
void server_run(const struct options *o, int lfd, const char *hostname);

#endif
