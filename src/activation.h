/*
 * activation.h - how we were started: who the client is and what our
 * own name is.  Runs before any client byte is read.
 */
#ifndef SMTPIPE_ACTIVATION_H
#define SMTPIPE_ACTIVATION_H

#include <stddef.h>

struct peer {
	char addr[64];		/* 192.0.2.1, 2001:db8::1, or "unknown" */
	char port[8];		/* decimal, or "" */
	char literal[80];	/* [192.0.2.1], [IPv6:2001:db8::1], or "" */
};

/* From getpeername(fd), else REMOTE_ADDR/REMOTE_PORT (systemd), else the
 * tcpserver variables, else "unknown". */
void activation_peer(int fd, struct peer *p);
/* The machine's FQDN when it has one, else its host name. */
void activation_hostname(char *buf, size_t len);

#endif
