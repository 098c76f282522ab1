/*
 * server.c - the accept loop for systemd Accept=no (see server.h).
 *
 * Limits: --max-sessions at once and --max-per-ip per client address;
 * a connection over either gets "421 4.7.0" and is closed at once, before
 * any process is started for it (RFC 5321 3.8: 421 may be sent to refuse
 * service).  The parent tells systemd READY=1 and a STATUS= line with the
 * session count.  SIGTERM stops accepting and gives running sessions
 * --grace seconds to finish before they are killed.
 */
#include "config.h"

#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "smtp-limits.h"
#include "log.h"
#include "sdglue.h"

struct child {
	pid_t pid;
	char addr[64];
};

static void
addr_of(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf,
			    (socklen_t)len);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, buf,
			    (socklen_t)len);
	} else {
		snprintf(buf, len, "local");
	}
}

static void
status(unsigned n)
{
	char line[64];

	snprintf(line, sizeof(line), "STATUS=%u session%s", n,
	    n == 1 ? "" : "s");
	sdglue_notify(line);
}

static void
refuse(int fd, const char *hostname, const char *why)
{
	char line[LIMIT_DOMAIN + 96];
	int n = snprintf(line, sizeof(line),
	    "421 4.7.0 %s Too many connections%s; try again later\r\n",
	    hostname, why);

	if (n > 0)
		(void)!write(fd, line, (size_t)n);
	close(fd);
}

static unsigned
reap(struct child *kids, unsigned n)
{
	pid_t pid;
	unsigned i;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
		for (i = 0; i < n; i++) {
			if (kids[i].pid == pid) {
				kids[i] = kids[--n];
				break;
			}
		}
	}
	return n;
}

void
server_run(const struct options *o, int lfd, const char *hostname)
{
	struct child *kids;
	unsigned n = 0, i, same;
	sigset_t mask, old;
	int sfd;
	bool stopping = false;
	time_t stop_at = 0;

	kids = calloc(o->max_sessions, sizeof(*kids));
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (kids == NULL || sigprocmask(SIG_BLOCK, &mask, &old) != 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0) {
		log_errno(LOG_ERR, "server setup");
		exit(71);
	}
	log_msg(LOG_INFO, "listening (systemd Accept=no): max-sessions=%u "
	    "max-per-ip=%u", o->max_sessions, o->max_per_ip);
	sdglue_notify("READY=1");
	status(0);
	for (;;) {
		struct pollfd pfd[2] = { { sfd, POLLIN, 0 }, { lfd, POLLIN, 0 } };
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char addr[64];
		int fd, timeout = -1;
		pid_t pid;

		if (stopping) {
			if (n == 0)
				break;
			timeout = (int)(stop_at - time(NULL)) * 1000;
			if (timeout <= 0) {
				log_msg(LOG_WARNING, "grace period over: "
				    "ending %u session(s)", n);
				/* SIGTERM first: each supervisor kills its
				 * running delivery command (in a process group
				 * of its own) before it goes. */
				for (i = 0; i < n; i++)
					kill(-kids[i].pid, SIGTERM);
				for (i = 0; i < 20 && n > 0; i++) {
					usleep(50000);
					n = reap(kids, n);
				}
				for (i = 0; i < n; i++)
					kill(-kids[i].pid, SIGKILL);
				while (n > 0 && waitpid(-1, NULL, 0) > 0)
					n--;
				break;
			}
		}
		if (poll(pfd, stopping ? 1 : 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			log_errno(LOG_ERR, "poll");
			break;
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo != SIGCHLD && !stopping) {
				stopping = true;
				stop_at = time(NULL) + (time_t)o->grace;
				close(lfd);
				sdglue_notify("STOPPING=1");
				log_msg(LOG_INFO, "stopping: waiting up to %us "
				    "for %u session(s)", o->grace, n);
			}
			n = reap(kids, n);
			status(n);
			continue;
		}
		if (stopping || !(pfd[1].revents & POLLIN))
			continue;
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		n = reap(kids, n);
		addr_of(&ss, addr, sizeof(addr));
		for (i = 0, same = 0; i < n; i++)
			if (strcmp(kids[i].addr, addr) == 0)
				same++;
		if (n >= o->max_sessions) {
			log_msg(LOG_WARNING, "client=%s refused: %u sessions "
			    "(--max-sessions)", addr, n);
			refuse(fd, hostname, "");
			continue;
		}
		if (same >= o->max_per_ip) {
			log_msg(LOG_WARNING, "client=%s refused: %u sessions "
			    "from it (--max-per-ip)", addr, same);
			refuse(fd, hostname, " from your address");
			continue;
		}
		pid = fork();
		if (pid < 0) {
			log_errno(LOG_ERR, "fork");
			refuse(fd, hostname, "");
			continue;
		}
		if (pid == 0) {
			/* The session goes on as if inetd had started it;
			 * its own process group, so the grace kill takes
			 * the session process too. */
			setpgid(0, 0);
			close(sfd);
			close(lfd);
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0)
				_exit(71);
			close(fd);
			free(kids);
			return;
		}
		close(fd);
		kids[n].pid = pid;
		snprintf(kids[n].addr, sizeof(kids[n].addr), "%s", addr);
		n++;
		status(n);
	}
	log_msg(LOG_INFO, "stopped");
	exit(0);
}
