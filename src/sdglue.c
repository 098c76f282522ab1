/*
 * sdglue.c - libsystemd on demand (see sdglue.h).  Where the library is
 * missing, socket activation still works from the documented protocol
 * (sd_listen_fds(3): LISTEN_PID, LISTEN_FDS, fds from 3).
 */
#include "config.h"

#include "sdglue.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void *lib;
static bool tried;
static int (*p_listen_fds)(int);
static int (*p_is_socket)(int, int, int, int);
static int (*p_notify)(int, const char *);
static int (*p_journal_sendv)(const struct iovec *, int);

bool
sdglue_load(void)
{
	if (tried)
		return lib != NULL;
	tried = true;
	lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
		return false;
	*(void **)&p_listen_fds = dlsym(lib, "sd_listen_fds");
	*(void **)&p_is_socket = dlsym(lib, "sd_is_socket");
	*(void **)&p_notify = dlsym(lib, "sd_notify");
	*(void **)&p_journal_sendv = dlsym(lib, "sd_journal_sendv");
	return true;
}

int
sdglue_listen_fds(void)
{
	const char *pid, *fds;
	char *end;
	long n;

	/* Nothing passed (inetd and friends): do not even load the library. */
	pid = getenv("LISTEN_PID");
	fds = getenv("LISTEN_FDS");
	if (pid == NULL || fds == NULL)
		return 0;
	if (sdglue_load() && p_listen_fds != NULL)
		return p_listen_fds(1);
	/* The protocol by hand: only fds meant for this very process. */
	if (strtol(pid, &end, 10) != getpid() || *end != '\0')
		return 0;
	n = strtol(fds, &end, 10);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return (*end != '\0' || n < 0 || n > 64) ? -1 : (int)n;
}

int
sdglue_is_stream_socket(int fd, int listening)
{
	int type = 0, acc = 0;
	socklen_t l = sizeof(type);

	if (sdglue_load() && p_is_socket != NULL)
		return p_is_socket(fd, AF_UNSPEC, SOCK_STREAM, listening);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) != 0)
		return 0;
	l = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) != 0)
		return 0;
	return type == SOCK_STREAM && (listening < 0 || !!acc == !!listening);
}

void
sdglue_notify(const char *state)
{
	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	if (sdglue_load() && p_notify != NULL)
		(void)p_notify(0, state);
}

bool
sdglue_journal_sendv(const struct iovec *iov, int n)
{
	if (!sdglue_load() || p_journal_sendv == NULL)
		return false;
	return p_journal_sendv(iov, n) >= 0;
}
