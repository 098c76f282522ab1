/*
 * sdglue.h - the few libsystemd calls smtpipe makes, loaded with dlopen
 * only on the code paths that need them (socket activation, the journal,
 * sd_notify).  Linking libsystemd pulls in libgcrypt, liblzma, libzstd,
 * liblz4 and libcap and costs every inetd-launched session about half a
 * millisecond before it reads a byte; most sessions never need it.
 */
#ifndef SMTPIPE_SDGLUE_H
#define SMTPIPE_SDGLUE_H

#include <stdbool.h>
#include <sys/uio.h>

/* Load libsystemd.so.0 (once); false when it is not installed. */
bool sdglue_load(void);
/* sd_listen_fds(1): the number of passed fds, 0 when none; -1 error. */
int sdglue_listen_fds(void);
/* sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, listening): 1, 0 or -1. */
int sdglue_is_stream_socket(int fd, int listening);
/* sd_notify(0, state); a no-op without $NOTIFY_SOCKET. */
void sdglue_notify(const char *state);
/* sd_journal_sendv; false when the journal cannot be reached. */
bool sdglue_journal_sendv(const struct iovec *iov, int n);

#endif
