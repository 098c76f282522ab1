/*
 * floor.c - the benchmark's floor: the least an inetd-style SMTP server
 * can do.  It answers the dialog without parsing it: a greeting, 250 to
 * every line, 354 after a line starting with DATA, 221 after QUIT.  The
 * body is scanned for CR LF . CR LF with memmem (a small state machine
 * covers a marker split across reads) and thrown away; no dot-unstuffing,
 * no limits, no spool, no checks.  Not a mail server: a yardstick.
 *
 *   floor            discard the body                      (floor (a))
 *   floor --exec     per message, fork+exec /bin/cat with stdout on
 *                    /dev/null (no shell) and pipe the body into it;
 *                    250 once cat has exited 0              (floor (b))
 *   floor --exec --split
 *                    as (b), but the dialog runs in a forked child while
 *                    the parent waits for it: the bare cost of a
 *                    privilege-separated process split, without any
 *                    messages between the two              (a diagnostic)
 *
 * It serves one session on stdin/stdout, as under
 * `systemd-socket-activate --accept --inetd`.  Built only by `make bench`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define BUFSZ	(128 * 1024)

static char buf[BUFSZ];
static char out[4096];
static size_t outlen;

static void
flush(void)
{
	size_t off = 0;
	ssize_t n;

	while (off < outlen) {
		n = write(1, out + off, outlen - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		off += (size_t)n;
	}
	outlen = 0;
}

static void
reply(const char *s)
{
	size_t l = strlen(s);

	if (outlen + l > sizeof(out))
		flush();
	memcpy(out + outlen, s, l);
	outlen += l;
}

static void
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* the command went away: discard */
		p += w;
		n -= (size_t)w;
	}
}

/* Longest suffix of the stream that is a prefix of CR LF . CR LF. */
static int
step(int st, char c)
{
	static const char pat[] = "\r\n.\r\n";

	if (c == pat[st])
		return st + 1;
	return c == '\r' ? 1 : 0;
}

int
main(int argc, char **argv)
{
	int exec_cat = 0, split = 0, arg;
	int data = 0, st = 0, pipefd = -1, devnull = -1;
	size_t headlen = 0;
	char head[4];
	pid_t child = -1;

	for (arg = 1; arg < argc; arg++) {
		if (strcmp(argv[arg], "--exec") == 0)
			exec_cat = 1;
		else if (strcmp(argv[arg], "--split") == 0)
			split = 1;
	}
	if (split) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid > 0) {
			/* The "supervisor": off the client, waits. */
			close(0);
			close(1);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			return 0;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (exec_cat)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	reply("220 floor ESMTP\r\n");
	flush();
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		size_t pos = 0, len;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len = (size_t)n;
		while (pos < len) {
			if (data) {
				/* A marker that straddles the last read... */
				size_t i, lim = len - pos < 4 ? len - pos : 4;
				size_t end = 0;
				char *m;

				for (i = 0; i < lim; i++) {
					st = step(st, buf[pos + i]);
					if (st == 5) {
						end = pos + i + 1;
						break;
					}
				}
				/* ... else one inside this one. */
				if (end == 0) {
					m = memmem(buf + pos, len - pos,
					    "\r\n.\r\n", 5);
					if (m != NULL)
						end = (size_t)(m - buf) + 5;
				}
				if (end == 0) {
					if (pipefd >= 0)
						write_all(pipefd, buf + pos,
						    len - pos);
					if (len - pos > 4) {
						st = 0;
						for (i = len - 4; i < len; i++)
							st = step(st, buf[i]);
					}
					pos = len;
					break;
				}
				if (pipefd >= 0) {
					if (end - 3 > pos)
						write_all(pipefd, buf + pos,
						    end - 3 - pos);
					close(pipefd);
					pipefd = -1;
				}
				pos = end;
				data = 0;
				headlen = 0;
				if (child > 0) {
					int status = 0;

					while (waitpid(child, &status, 0) < 0 &&
					    errno == EINTR)
						;
					child = -1;
					reply(WIFEXITED(status) &&
					    WEXITSTATUS(status) == 0 ?
					    "250 ok\r\n" : "451 failed\r\n");
				} else {
					reply("250 ok\r\n");
				}
				continue;
			}
			/* Commands: only the first four octets of a line. */
			{
				char c = buf[pos++];

				if (c != '\n') {
					if (headlen < 4)
						head[headlen++] = c;
					continue;
				}
			}
			if (headlen == 4 && strncasecmp(head, "DATA", 4) == 0) {
				if (exec_cat) {
					int p[2];

					if (pipe2(p, O_CLOEXEC) != 0)
						_exit(1);
					child = fork();
					if (child == 0) {
						dup2(p[0], 0);
						dup2(devnull, 1);
						execl("/bin/cat", "cat",
						    (char *)NULL);
						_exit(127);
					}
					close(p[0]);
					pipefd = p[1];
				}
				reply("354 go\r\n");
				flush();
				data = 1;
				st = 2;		/* the DATA line's CR LF */
				continue;
			}
			if (headlen == 4 && strncasecmp(head, "QUIT", 4) == 0) {
				reply("221 bye\r\n");
				flush();
				return 0;
			}
			headlen = 0;
			reply("250 ok\r\n");
		}
		flush();
	}
	return 0;
}
