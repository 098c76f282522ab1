/*
 * ipcio.c - record transport between the session and the supervisor.
 * SOCK_SEQPACKET keeps record boundaries, so a record is one packet and
 * a short or oversized one is detected, never resynchronised.
 */
#include "config.h"

#include "ipcio.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
ipcio_send(int sock, const char *p, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov = { (void *)p, len };
	struct msghdr msg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&cm, 0, sizeof(cm));
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

ssize_t
ipcio_recv(int sock, char *buf, size_t cap, int *fd_r)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 4)];
	} cm;
	struct iovec iov = { buf, cap };
	struct msghdr msg;
	struct cmsghdr *c;
	ssize_t n;
	int got = -1;

	if (fd_r != NULL)
		*fd_r = -1;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		size_t i, nfd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			/* Keep the first if wanted; never leak the rest. */
			if (got < 0 && fd_r != NULL)
				got = fd;
			else
				close(fd);
		}
	}
	if (fd_r != NULL)
		*fd_r = got;
	if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		if (got >= 0)
			close(got);
		if (fd_r != NULL)
			*fd_r = -1;
		errno = EMSGSIZE;
		return -1;
	}
	return n;
}

bool
ipcio_peer_closed(int sock)
{
	struct pollfd pfd = { sock, POLLIN | POLLRDHUP, 0 };

	if (poll(&pfd, 1, 0) < 0)
		return true;
	return (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR)) != 0;
}
