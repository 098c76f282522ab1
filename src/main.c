/*
 * main.c - wiring only: options, launch facts, the process split, the
 * sandbox.  See supervisor.c for the design.
 *
 * File descriptors in the session process, fixed before the filter goes
 * on: 0 and 1 the client (one socket or two pipes), 2 /dev/null, 3 the
 * supervisor socket.  Nothing else is open.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "activation.h"
#include "deliver.h"
#include "smtp-limits.h"
#include "log.h"
#include "netio.h"
#include "options.h"
#include "replies.h"
#include "sandbox.h"
#include "server.h"
#include "session.h"
#include "supervisor.h"
#include "util.h"

#define SUP_FD	3

struct ids {
	uid_t uid;
	gid_t gid;
	bool set;
};

/*
 * The session user from /etc/passwd, read directly: getpwnam would load
 * the NSS modules into every session, one per connection.  A user that
 * lives only in another NSS source falls back to getpwnam.
 */
static bool
lookup_file(const char *name, struct ids *ids)
{
	char buf[65536];
	size_t len, nlen = strlen(name), i = 0;
	int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	len = (size_t)n;
	buf[len] = '\0';
	/* name:passwd:uid:gid:... one a line; a user past the first 64 KiB
	 * is left to getpwnam. */
	while (i < len) {
		char *line = buf + i, *end = memchr(line, '\n', len - i);
		char *f2, *f3;
		unsigned long uid, gid;

		if (end == NULL)
			end = buf + len;
		*end = '\0';
		i = (size_t)(end - buf) + 1;
		if (strncmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		if ((f2 = strchr(line + nlen + 1, ':')) == NULL)
			return false;
		uid = strtoul(f2 + 1, &f3, 10);
		if (*f3 != ':')
			return false;
		gid = strtoul(f3 + 1, &f2, 10);
		if (*f2 != ':')
			return false;
		ids->uid = (uid_t)uid;
		ids->gid = (gid_t)gid;
		ids->set = true;
		return true;
	}
	return false;
}

static bool
lookup(const char *name, struct ids *ids, char *home, size_t homelen)
{
	struct passwd *pw;

	if (home == NULL && lookup_file(name, ids))
		return true;
	pw = getpwnam(name);

	if (pw == NULL)
		return false;
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	ids->set = true;
	if (home != NULL)
		snprintf(home, homelen, "%s", pw->pw_dir);
	return true;
}

/* Drop to ids for good, and check that it held (setuid(0) must fail). */
static bool
drop(const struct ids *ids, const char *name, bool with_groups)
{
	if (with_groups) {
		if (initgroups(name, ids->gid) != 0)
			return false;
	} else if (setgroups(0, NULL) != 0) {
		return false;
	}
	if (setresgid(ids->gid, ids->gid, ids->gid) != 0 ||
	    setresuid(ids->uid, ids->uid, ids->uid) != 0)
		return false;
	if (ids->uid != 0 && (setuid(0) == 0 || geteuid() == 0))
		return false;
	return true;
}

static void __attribute__((noreturn))
session_child(const struct options *o, const struct session_config *cfg,
    int sock, const struct ids *sess)
{
	int rc;

	/* Fixed layout: 0/1 client, 2 /dev/null, 3 supervisor. */
	if (sock != SUP_FD) {
		if (dup2(sock, SUP_FD) < 0)
			_exit(EX_OSERR);
		close(sock);
	}
	syscall(SYS_close_range, SUP_FD + 1, ~0U, 0);
	signal(SIGPIPE, SIG_IGN);
	/* A full spool file system shows up as EFBIG/ENOSPC, not a kill. */
	signal(SIGXFSZ, SIG_IGN);
	/* Nothing in here formats dates (the supervisor writes the
	 * Received header), so no time zone data is needed. */
	/*
	 * Non-blocking client fds: a client that stops reading must meet
	 * the --timeout in poll(), not hang the session in write() for
	 * ever (fcntl is not in the sandbox, so now).
	 */
	(void)fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	(void)fcntl(1, F_SETFL, fcntl(1, F_GETFL) | O_NONBLOCK);
	if (sess->set && !drop(sess, o->session_user, false))
		_exit(EX_OSERR);
	/* Once dropped, a supervisor running as --user may not be allowed
	 * to kill us; we go when it goes. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() == 1)
		_exit(EX_OSERR);
	if (!sandbox_apply(o->seccomp, SUP_FD))
		_exit(EX_OSERR);
#ifdef SMTPIPE_TEST_HOOKS
	{
		/* Test builds only: prove the filter by breaking it. */
		const char *hook = getenv("SMTPIPE_TEST_HOOK");

		/* The greeting is out already: the client sees it, then
		 * the connection close. */
		if (hook != NULL) {
			if (strcmp(hook, "open") == 0)
				syscall(SYS_openat, AT_FDCWD, "/etc/passwd",
				    O_RDONLY);
			else if (strcmp(hook, "execve") == 0)
				syscall(SYS_execve, "/bin/sh", NULL, NULL);
			else if (strcmp(hook, "socket") == 0)
				syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
		}
	}
#endif
	/* main() has sent the greeting already. */
	rc = netio_run(o, cfg, 0, 1, SUP_FD, false);
	/* _exit: nothing at-exit (LeakSanitizer included) runs in here. */
	_exit(rc);
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
null_fd(int fd, int flags)
{
	int n = open("/dev/null", flags);

	if (n >= 0 && n != fd) {
		dup2(n, fd);
		close(n);
	}
}

/* 0, 1 and (unless it logs there) 2 to /dev/null, with one open. */
static void
null_fds(bool keep_stderr)
{
	int n = open("/dev/null", O_RDWR);
	int fd;

	if (n < 0)
		return;
	for (fd = 0; fd <= 2; fd++)
		if (fd != n && (fd != 2 || !keep_stderr))
			dup2(n, fd);
	if (n > 2)
		close(n);
}

int
main(int argc, char **argv)
{
	static struct options o;
	struct session_config cfg;
	struct deliver_ctx dc;
	struct peer peer;
	struct ids sess = { 0, 0, false }, user = { 0, 0, false };
	char hostname[LIMIT_DOMAIN + 1], home[256] = "/", prefix[96];
	int sp[2], rc;
	pid_t pid;

	options_parse(&o, argc, argv);
	/* From here on stderr may be the client's socket: quiet. */
	log_init(o.log, "smtpipe");
	signal(SIGPIPE, SIG_IGN);
	if (o.hostname != NULL)
		snprintf(hostname, sizeof(hostname), "%s", o.hostname);
	else
		activation_hostname(hostname, sizeof(hostname));
	switch (activation_detect(o.mode)) {
	case LAUNCH_INETD:
		break;
	case LAUNCH_LISTEN:
		/* Returns in each per-connection child, fds 0/1 set. */
		server_run(&o, 3, hostname);
		break;
	case LAUNCH_ERROR:
		log_msg(LOG_ERR, "--mode systemd: no usable socket passed "
		    "(LISTEN_FDS)");
		return EX_CONFIG;
	}
	activation_peer(0, &peer);

	if (getuid() == 0 || geteuid() == 0) {
		if (!lookup(o.session_user, &sess, NULL, 0)) {
			log_msg(LOG_ERR, "--session-user %s: no such user",
			    o.session_user);
			return EX_NOUSER;
		}
		if (o.user != NULL &&
		    !lookup(o.user, &user, home, sizeof(home))) {
			log_msg(LOG_ERR, "--user %s: no such user", o.user);
			return EX_NOUSER;
		}
		if (o.user == NULL)
			log_msg(LOG_WARNING, "running as root without "
			    "--user: the delivery command runs as root");
	} else if (o.user != NULL) {
		log_msg(LOG_ERR, "--user needs smtpipe to start as root");
		return EX_NOPERM;
	}

	/*
	 * The 220 greeting goes out now, before the process split and the
	 * sandbox: it is a fixed line and no client byte has been read, so
	 * nothing here parses SMTP, and the client does not wait for our
	 * start-up (RFC 5321 4.3.1 asks for the greeting first; clients
	 * measure it).
	 */
	{
		char greet[LIMIT_DOMAIN + 32];
		int n = snprintf(greet, sizeof(greet), R_GREETING "\r\n",
		    hostname);

		if (n <= 0 || write_all(1, greet, (size_t)n) != 0)
			return 0;	/* the client is gone */
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) != 0) {
		log_errno(LOG_ERR, "socketpair");
		return EX_OSERR;
	}
	/* fds 0-2 must be open so nothing we open lands there. */
	if (fcntl(2, F_GETFD) < 0)
		null_fd(2, O_WRONLY);

	memset(&cfg, 0, sizeof(cfg));
	cfg.hostname = hostname;
	cfg.max_rcpt = o.max_rcpt;
	cfg.max_errors = o.max_errors;
	cfg.max_size = o.max_size;
	cfg.bare_lf_reject = o.bare_lf_reject;
	cfg.crlf = o.crlf;
	cfg.per_recipient = o.per_recipient;
	cfg.lmtp = o.lmtp;
	cfg.chunking = o.chunking;
	cfg.smtputf8 = o.smtputf8;
	cfg.dsn = o.dsn;

	pid = fork();
	if (pid < 0) {
		log_errno(LOG_ERR, "fork");
		return EX_OSERR;
	}
	if (pid == 0) {
		close(sp[0]);
		/* stderr of the session is /dev/null, never the socket. */
		null_fd(2, O_WRONLY);
		/* Clear close-on-exec games: the layout is fixed above. */
		session_child(&o, &cfg, sp[1], &sess);
	}
	close(sp[1]);
	deliver_init_signals();
	/* The supervisor never touches the client: its fds go to null. */
	null_fds(o.log == LOG_TARGET_STDERR);
	if (user.set && !drop(&user, o.user, true)) {
		log_errno(LOG_ERR, "cannot become user %s", o.user);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return EX_OSERR;
	}
	/* A core file could hold a message: none. */
	{
		struct rlimit zero = { 0, 0 };

		(void)setrlimit(RLIMIT_CORE, &zero);
		(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	}
	snprintf(prefix, sizeof(prefix), "client=%s", peer.addr);
	log_set_peer(prefix, peer.addr);
#ifdef SMTPIPE_NO_SECCOMP
	log_msg(LOG_WARNING, "built without the seccomp sandbox "
	    "(--disable-seccomp)");
#endif
	log_msg(LOG_INFO, "connect port=%s", peer.port);
	memset(&dc, 0, sizeof(dc));
	dc.opts = &o;
	dc.hostname = hostname;
	dc.peer = &peer;
	dc.home = home;
	rc = supervisor_run(&dc, sp[0], pid);
	return rc;
}
