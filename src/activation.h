/*
 * activation.h - how we were started: who the client is and what our
 * own name is.  Runs before any client byte is read.
 */
#ifndef SMTPIPE_ACTIVATION_H
#define SMTPIPE_ACTIVATION_H

#include <stddef.h>

#include "options.h"

struct peer {
	char addr[64];		/* 192.0.2.1, 2001:db8::1, or "unknown" */
	char host[256];		/* TCPREMOTEHOST (tcpserver), checked, or "" */
	char port[8];		/* decimal, or "" */
	char literal[80];	/* [192.0.2.1], [IPv6:2001:db8::1], or "" */
};

/* From getpeername(fd), else REMOTE_ADDR/REMOTE_PORT (systemd), else the
 * tcpserver variables, else "unknown". */
void activation_peer(int fd, struct peer *p);
enum launch {
	LAUNCH_INETD,	/* the connection is on 0/1 */
	LAUNCH_LISTEN,	/* fd 3 is a listening socket (Accept=no) */
	LAUNCH_ERROR,	/* --mode systemd without a usable socket */
};

/*
 * systemd passes sockets from fd 3 (LISTEN_FDS): a listening one means
 * Accept=no; a connected one (Accept=yes without StandardInput=socket)
 * is moved to fds 0 and 1.  Otherwise the connection is on 0/1 already
 * (inetd, xinetd, tcpserver, StandardInput=socket).
 */
enum launch activation_detect(enum launch_mode mode);
/* The machine's FQDN when it has one, else its host name. */
void activation_hostname(char *buf, size_t len);

#endif
