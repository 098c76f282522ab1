/*
 * ipcio.h - sending and receiving ipc.h records over the socketpair,
 * with an optional file descriptor (SCM_RIGHTS).
 */
#ifndef SMTPIPE_IPCIO_H
#define SMTPIPE_IPCIO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Send one record; fd < 0 sends none.  Returns 0 or -1 (errno). */
int ipcio_send(int sock, const char *p, size_t len, int fd);
/*
 * Receive one record into buf.  Returns its length, 0 at end of file, -1
 * on error or a truncated record.  A passed descriptor is stored in
 * *fd_r (or closed and refused, when fd_r is NULL).
 */
ssize_t ipcio_recv(int sock, char *buf, size_t cap, int *fd_r);

/* After a 0-length read: true when the other end has hung up. */
bool ipcio_peer_closed(int sock);

#endif
