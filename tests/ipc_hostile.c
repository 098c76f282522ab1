#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "activation.h"
#include "deliver.h"
#include "envelope.h"
#include "ipc.h"
#include "ipcio.h"
#include "log.h"
#include "options.h"
#include "supervisor.h"

/*
 * ipc_hostile - the real supervisor (supervisor_run) against a session
 * process that has been taken over.  The test is the session end of the
 * SOCK_SEQPACKET socketpair and writes what an attacker could.
 *
 * Each case: a fresh socketpair; a forked "supervisor process" S that
 * forks a stand-in session P (it only pause()s; SIGUSR1 makes it exit 0)
 * and runs supervisor_run(dc, sock, P); S exits with what that returns,
 * so a crash of the supervisor shows as S dying of a signal.  The
 * delivery command is the test's own marker, /usr/bin/touch DIR/delivered:
 * a hostile case must end with S exiting 70 (after killing P) and the
 * marker absent; the controls must deliver (or not) as a session would.
 */

static unsigned int passed, failed;

static char tmpdir[64];
static char marker[128];
static char *cmd[3];
static struct options opts;
static char dom_mx[] = "mx.test", dom_ex[] = "example.org",
    dom_ex2[] = "example.com";
static char *domains[] = { dom_mx, dom_ex, dom_ex2 };
static struct peer peer;
static struct deliver_ctx dc;

#define RECCAP (IPC_MAX_RECORD + IPC_HDR + 256)

/* ------------------------------------------------------- session side */

struct drv {
	int sock;
	pid_t session;
	char why[160];		/* the driver's own complaint, if any */
};

static bool __attribute__((format(printf, 2, 3)))
complain(struct drv *d, const char *fmt, ...)
{
	va_list ap;

	if (d->why[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(d->why, sizeof(d->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static bool
send_raw(struct drv *d, const void *p, size_t len)
{
	ssize_t n = send(d->sock, p, len, MSG_NOSIGNAL);

	if (n < 0 || (size_t)n != len)
		return complain(d, "send of %zu octets: %s", len,
		    n < 0 ? strerror(errno) : "short");
	return true;
}

static bool
send_buf(struct drv *d, const struct obuf *b, bool encoded)
{
	if (!encoded)
		return complain(d, "encoder refused");
	return send_raw(d, b->data, b->len);
}

/* A record of the given type and payload, header written by hand. */
static bool
send_rec(struct drv *d, uint32_t type, const void *payload, size_t plen)
{
	static char buf[RECCAP];
	uint32_t hdr[2] = { type, (uint32_t)plen };

	if (plen + IPC_HDR > sizeof(buf))
		return complain(d, "send_rec: too big");
	memcpy(buf, hdr, sizeof(hdr));
	if (plen > 0)
		memcpy(buf + IPC_HDR, payload, plen);
	return send_raw(d, buf, plen + IPC_HDR);
}

/* Receive one record of type want; its payload decoded by the caller. */
static bool
recv_rec(struct drv *d, enum ipc_type want, const char **payload_r,
    size_t *plen_r, int *fd_r)
{
	static char buf[RECCAP];
	ssize_t n;
	enum ipc_type t;

	n = ipcio_recv(d->sock, buf, sizeof(buf), fd_r);
	if (n <= 0)
		return complain(d, "no record from the supervisor (%s)",
		    n == 0 ? "end of file" : strerror(errno));
	t = ipc_decode_header(buf, (size_t)n, payload_r, plen_r);
	if (t != want)
		return complain(d, "got record type %u, want %u",
		    (unsigned)t, (unsigned)want);
	return true;
}

static struct envelope *
test_env(void)
{
	static struct envelope env;

	if (env.rcpt == NULL && !envelope_alloc(&env, 1)) {
		perror("envelope_alloc");
		exit(99);
	}
	envelope_reset(&env);
	snprintf(env.helo, sizeof(env.helo), "client.test");
	snprintf(env.protocol, sizeof(env.protocol), "ESMTP");
	snprintf(env.sender, sizeof(env.sender), "alice@client.test");
	snprintf(env.rcpt[0], sizeof(env.rcpt[0]), "bob@mx.test");
	env.dsn_notify[0][0] = '\0';
	env.dsn_orcpt[0][0] = '\0';
	return &env;
}

static bool
send_mail(struct drv *d, const char *sender)
{
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct envelope *env = test_env();

	snprintf(env->sender, sizeof(env->sender), "%s", sender);
	return send_buf(d, &b, ipc_encode_mail(&b, env));
}

/* RCPT; with want_code != 0 the RESULT is read and checked. */
static bool
send_rcpt(struct drv *d, const char *addr, uint32_t want_code)
{
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct envelope *env = test_env();
	struct ipc_reply r;
	const char *p;
	size_t plen;

	snprintf(env->rcpt[0], sizeof(env->rcpt[0]), "%s", addr);
	if (!send_buf(d, &b, ipc_encode_rcpt(&b, env, 0)))
		return false;
	if (want_code == 0)
		return true;
	if (!recv_rec(d, IPC_RESULT, &p, &plen, NULL))
		return false;
	if (!ipc_decode_result(p, plen, &r))
		return complain(d, "malformed RESULT");
	if (r.code != want_code)
		return complain(d, "RCPT got %u %s, want %u", r.code, r.text,
		    want_code);
	return true;
}

static bool
send_data_begin(struct drv *d)
{
	char buf[64];
	struct obuf b = { buf, 0, sizeof(buf) };

	return send_buf(d, &b, ipc_encode_data_begin(&b));
}

/* DATA_BEGIN, then the SPOOL reply with its descriptor. */
static bool
open_spool(struct drv *d, int *fd_r)
{
	struct ipc_spool sp;
	const char *p;
	size_t plen;

	*fd_r = -1;
	if (!send_data_begin(d) || !recv_rec(d, IPC_SPOOL, &p, &plen, fd_r))
		return false;
	if (!ipc_decode_spool(p, plen, &sp) || !sp.ok)
		return complain(d, "SPOOL refused or malformed");
	if (*fd_r < 0)
		return complain(d, "SPOOL came without a descriptor");
	return true;
}

/* MAIL, one accepted RCPT, DATA_BEGIN, the spool with a body in it. */
static bool
valid_until_data(struct drv *d, int *fd_r)
{
	static const char body[] = "Subject: x\n\nbody\n";

	if (!send_mail(d, "alice@client.test") ||
	    !send_rcpt(d, "bob@mx.test", 250) || !open_spool(d, fd_r))
		return false;
	if (write(*fd_r, body, sizeof(body) - 1) != sizeof(body) - 1)
		return complain(d, "write to the spool: %s", strerror(errno));
	return true;
}

static bool
send_data_end(struct drv *d, bool deliver, uint64_t size, const char *why)
{
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct ipc_data_end de;

	memset(&de, 0, sizeof(de));
	de.deliver = deliver;
	de.size = size;
	snprintf(de.why, sizeof(de.why), "%s", why);
	return send_buf(d, &b, ipc_encode_data_end(&b, &de));
}

/* Let the stand-in session end normally, as a real one would. */
static void
session_exits(struct drv *d)
{
	kill(d->session, SIGUSR1);
}

/* ------------------------------------------------------ the drivers */

static bool
drv_oversized(struct drv *d)
{
	size_t len = IPC_MAX_RECORD + IPC_HDR + 100;
	char *buf = calloc(1, len);
	uint32_t hdr[2] = { IPC_LOG, (uint32_t)(len - IPC_HDR) };
	bool ok;

	if (buf == NULL)
		return complain(d, "calloc");
	memcpy(buf, hdr, sizeof(hdr));
	memset(buf + IPC_HDR, 'A', len - IPC_HDR);
	ok = send_raw(d, buf, len);
	free(buf);
	return ok;
}

static bool
drv_short_header(struct drv *d)
{
	uint32_t t = IPC_LOG;

	return send_raw(d, &t, 3);
}

static bool
drv_length_lies(struct drv *d)
{
	char buf[IPC_HDR + 10];
	uint32_t hdr[2] = { IPC_LOG, 20 };

	memcpy(buf, hdr, sizeof(hdr));
	memset(buf + IPC_HDR, 'x', 10);
	return send_raw(d, buf, sizeof(buf));
}

static bool
drv_data_end_first(struct drv *d)
{
	return send_data_end(d, true, 10, "");
}

static bool
drv_dash_rcpt(struct drv *d)
{
	/* The encoder does not judge its input: the session's checks are
	 * what a compromise bypasses. */
	return send_mail(d, "alice@client.test") &&
	    send_rcpt(d, "-oQ/tmp/x", 0);
}

static bool
drv_nrcpt_100000(struct drv *d)
{
	char p[256];
	size_t n = 0;
	uint32_t u;
	uint64_t v = 0;

	if (!send_mail(d, "alice@client.test") ||
	    !send_rcpt(d, "bob@mx.test", 250))
		return false;
	/* An old-style DATA_BEGIN: envelope and nrcpt = 100000. */
#define PUT(x, l) do { memcpy(p + n, (x), (l)); n += (l); } while (0)
	u = 4; PUT(&u, 4); PUT("helo", 4);
	u = 5; PUT(&u, 4); PUT("ESMTP", 5);
	u = 3; PUT(&u, 4); PUT("a@b", 3);
	u = 0; PUT(&u, 4);
	PUT(&v, 8);
	u = 100000; PUT(&u, 4);
	u = 3; PUT(&u, 4); PUT("c@d", 3);
#undef PUT
	return send_rec(d, IPC_DATA_BEGIN, p, n);
}

static bool
drv_too_many_rcpt(struct drv *d)
{
	unsigned i;

	if (!send_mail(d, "alice@client.test"))
		return false;
	for (i = 0; i < opts.max_rcpt; i++)
		if (!send_rcpt(d, "bob@mx.test", 250))
			return false;
	return send_rcpt(d, "bob@mx.test", 0);
}

static bool
drv_type_42(struct drv *d)
{
	return send_rec(d, 42, NULL, 0);
}

static bool
drv_bad_data_end(struct drv *d)
{
	int fd;
	uint32_t de[4] = { 2, 0, 0, 0 };	/* deliver = 2, size, "" */
	bool ok;

	ok = valid_until_data(d, &fd);
	if (fd >= 0)
		close(fd);
	return ok && send_rec(d, IPC_DATA_END, de, sizeof(de));
}

static bool
drv_data_end_junk(struct drv *d)
{
	int fd;
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct ipc_data_end de = { .deliver = true, .size = 17 };
	bool ok;

	ok = valid_until_data(d, &fd);
	if (fd >= 0)
		close(fd);
	if (!ok || !ipc_encode_data_end(&b, &de))
		return complain(d, "setup");
	/* A valid DATA_END with one octet more, header adjusted. */
	buf[b.len] = 'x';
	return send_rec(d, IPC_DATA_END, buf + IPC_HDR, b.len - IPC_HDR + 1);
}

static bool
drv_spool_to_sup(struct drv *d)
{
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct ipc_spool sp = { .ok = true, .queue_id = "0123456789ABCDEF" };

	return send_buf(d, &b, ipc_encode_spool(&b, &sp));
}

static bool
drv_result_to_sup(struct drv *d)
{
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };
	struct ipc_reply r = { .code = 250, .text = "2.0.0 Ok" };

	return send_mail(d, "alice@client.test") &&
	    send_buf(d, &b, ipc_encode_result(&b, &r));
}

static bool
drv_data_begin_first(struct drv *d)
{
	return send_data_begin(d);
}

static bool
drv_no_rcpt(struct drv *d)
{
	return send_mail(d, "alice@client.test") && send_data_begin(d);
}

static bool
drv_rcpt_first(struct drv *d)
{
	return send_rcpt(d, "bob@mx.test", 0);
}

static bool
drv_mail_in_data(struct drv *d)
{
	int fd;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	return ok && send_mail(d, "mallory@client.test");
}

static bool
drv_rcpt_in_data(struct drv *d)
{
	int fd;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	return ok && send_rcpt(d, "eve@mx.test", 0);
}

static bool
drv_dash_sender(struct drv *d)
{
	return send_mail(d, "-f/etc/passwd");
}

static bool
drv_log_newline(struct drv *d)
{
	char p[64];
	uint32_t u = 6;
	size_t n = 0;
	static const char text[] = "x\nsmtpipe: forged line";

	memcpy(p, &u, 4);
	n += 4;
	u = sizeof(text) - 1;
	memcpy(p + n, &u, 4);
	n += 4;
	memcpy(p + n, text, sizeof(text) - 1);
	n += sizeof(text) - 1;
	return send_rec(d, IPC_LOG, p, n);
}

static bool
drv_rset_payload(struct drv *d)
{
	return send_mail(d, "alice@client.test") &&
	    send_rec(d, IPC_RSET, "x", 1);
}

static bool
drv_after_violation(struct drv *d)
{
	uint32_t nr = 59;
	char buf[RECCAP];
	struct obuf b = { buf, 0, sizeof(buf) };

	/* Once the session reported a violation, nothing more counts. */
	return send_rec(d, IPC_VIOLATION, &nr, sizeof(nr)) &&
	    send_buf(d, &b, ipc_encode_log(&b, 6, "still here"));
}

static bool
drv_violation_mid_data(struct drv *d)
{
	int fd;
	uint32_t nr = 59;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	return ok && send_rec(d, IPC_VIOLATION, &nr, sizeof(nr)) &&
	    send_data_end(d, true, 17, "");
}

static bool
drv_empty_record(struct drv *d)
{
	/* A zero-length packet: less than a header, so malformed.  The
	 * session stays connected, as a subverted one would. */
	if (!send_raw(d, "", 0))
		return false;
	return true;
}

static bool
drv_two_spools(struct drv *d)
{
	int fd;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	/* A second DATA_BEGIN while the first spool is open. */
	return ok && send_data_begin(d);
}

static bool
drv_many_fds(struct drv *d)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	char rec[RECCAP];
	struct obuf b = { rec, 0, sizeof(rec) };
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *h;
	int fds[8], i;

	/* A valid record carrying more descriptors than the supervisor
	 * takes: the control data is cut short. */
	if (!ipc_encode_log(&b, 6, "hello"))
		return complain(d, "encoder refused");
	for (i = 0; i < 8; i++)
		fds[i] = 0;
	memset(&cm, 0, sizeof(cm));
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = rec;
	iov.iov_len = b.len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	h = CMSG_FIRSTHDR(&msg);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(h), fds, sizeof(fds));
	if (sendmsg(d->sock, &msg, MSG_NOSIGNAL) != (ssize_t)b.len)
		return complain(d, "sendmsg: %s", strerror(errno));
	return true;
}

static bool
drv_valid(struct drv *d)
{
	int fd;
	struct ipc_reply r;
	const char *p;
	size_t plen;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	if (!ok || !send_data_end(d, true, 17, "") ||
	    !recv_rec(d, IPC_RESULT, &p, &plen, NULL))
		return false;
	if (!ipc_decode_result(p, plen, &r))
		return complain(d, "malformed RESULT");
	if (r.code != 250)
		return complain(d, "RESULT %u %s, want 250", r.code, r.text);
	session_exits(d);
	return true;
}

static bool
drv_drop(struct drv *d)
{
	int fd;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	if (!ok || !send_data_end(d, false, 17, "client went away"))
		return false;
	session_exits(d);
	return true;
}

static bool
drv_ends_in_data(struct drv *d)
{
	int fd;
	bool ok = valid_until_data(d, &fd);

	if (fd >= 0)
		close(fd);
	/* The session ends (say the client vanished) before DATA_END. */
	session_exits(d);
	return ok;
}

static bool
drv_rset_then_valid(struct drv *d)
{
	char buf[64];
	struct obuf b = { buf, 0, sizeof(buf) };

	/* RSET forgets MAIL and RCPT: a DATA_BEGIN after it is out of
	 * sequence. */
	if (!send_mail(d, "alice@client.test") ||
	    !send_rcpt(d, "bob@mx.test", 250) ||
	    !send_buf(d, &b, ipc_encode_rset(&b)))
		return false;
	return send_data_begin(d);
}

/* ------------------------------------------------------- the harness */

struct hcase {
	const char *name;
	bool (*drive)(struct drv *);
	int rc;			/* S's exit status */
	bool delivered;		/* the marker must exist */
};

static const struct hcase cases[] = {
	{ .name = "(a) oversized record", .drive = drv_oversized, .rc = 70 },
	{ .name = "(b) truncated header (3 octets)",
	  .drive = drv_short_header, .rc = 70 },
	{ .name = "(c) header length != payload", .drive = drv_length_lies,
	  .rc = 70 },
	{ .name = "(d) DATA_END without DATA_BEGIN",
	  .drive = drv_data_end_first, .rc = 70 },
	{ .name = "(e) RCPT -oQ/tmp/x", .drive = drv_dash_rcpt, .rc = 70 },
	{ .name = "(f) DATA_BEGIN claiming nrcpt=100000",
	  .drive = drv_nrcpt_100000, .rc = 70 },
	{ .name = "(f) RCPT number max_rcpt + 1", .drive = drv_too_many_rcpt,
	  .rc = 70 },
	{ .name = "(g) unknown type 42", .drive = drv_type_42, .rc = 70 },
	{ .name = "(h) body written, then malformed DATA_END",
	  .drive = drv_bad_data_end, .rc = 70 },
	{ .name = "(h) body written, then DATA_END with trailing junk",
	  .drive = drv_data_end_junk, .rc = 70 },
	{ .name = "(i) SPOOL sent to the supervisor",
	  .drive = drv_spool_to_sup, .rc = 70 },
	{ .name = "RESULT sent to the supervisor",
	  .drive = drv_result_to_sup, .rc = 70 },
	{ .name = "DATA_BEGIN without MAIL", .drive = drv_data_begin_first,
	  .rc = 70 },
	{ .name = "DATA_BEGIN with no recipient (nrcpt 0)",
	  .drive = drv_no_rcpt, .rc = 70 },
	{ .name = "RCPT without MAIL", .drive = drv_rcpt_first, .rc = 70 },
	{ .name = "MAIL during DATA", .drive = drv_mail_in_data, .rc = 70 },
	{ .name = "RCPT during DATA", .drive = drv_rcpt_in_data, .rc = 70 },
	{ .name = "second DATA_BEGIN during DATA", .drive = drv_two_spools,
	  .rc = 70 },
	{ .name = "DATA_BEGIN after RSET", .drive = drv_rset_then_valid,
	  .rc = 70 },
	{ .name = "MAIL from -f/etc/passwd", .drive = drv_dash_sender,
	  .rc = 70 },
	{ .name = "LOG with a newline", .drive = drv_log_newline, .rc = 70 },
	{ .name = "RSET with a payload", .drive = drv_rset_payload,
	  .rc = 70 },
	{ .name = "a record after VIOLATION", .drive = drv_after_violation,
	  .rc = 70 },
	{ .name = "DATA_END after VIOLATION", .drive = drv_violation_mid_data,
	  .rc = 70 },
	{ .name = "a record carrying 8 descriptors", .drive = drv_many_fds,
	  .rc = 70 },
	{ .name = "zero-length record", .drive = drv_empty_record, .rc = 70 },
	/* Controls: the same machinery does deliver, and only when asked. */
	{ .name = "(j) control: valid transaction delivers",
	  .drive = drv_valid, .rc = 0, .delivered = true },
	{ .name = "control: DATA_END drop delivers nothing",
	  .drive = drv_drop, .rc = 0 },
	{ .name = "control: session ends in DATA, nothing delivered",
	  .drive = drv_ends_in_data, .rc = 0 },
};

static void
on_usr1(int sig)
{
	(void)sig;
	_exit(0);
}

/* The supervisor process: never returns. */
static void __attribute__((noreturn))
supervisor_process(int sock, int pidpipe)
{
	struct sigaction sa;
	pid_t session;
	int rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	session = fork();
	if (session < 0)
		_exit(98);
	if (session == 0) {
		/* The stand-in session: holds nothing, waits to die. */
		close(sock);
		close(pidpipe);
		alarm(60);
		for (;;)
			pause();
	}
	signal(SIGUSR1, SIG_DFL);
	if (write(pidpipe, &session, sizeof(session)) != sizeof(session))
		_exit(98);
	close(pidpipe);
	alarm(30);
	rc = supervisor_run(&dc, sock, session);
	exit(rc);
}

static bool
marker_exists(void)
{
	struct stat st;

	return stat(marker, &st) == 0;
}

/* Wait for pid up to ms milliseconds; false if it is still running. */
static bool
wait_for(pid_t pid, int *status, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int waited;
	pid_t r;

	for (waited = 0; waited <= ms; waited += 10) {
		r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void
run_case(const struct hcase *c)
{
	struct drv d;
	struct timeval tv = { 10, 0 };
	int sv[2], pp[2], status = 0;
	pid_t sup;
	bool drove, done;
	char why[256] = "";

	unlink(marker);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
	    pipe2(pp, O_CLOEXEC) < 0) {
		perror("socketpair/pipe");
		exit(99);
	}
	fflush(stdout);
	fflush(stderr);
	sup = fork();
	if (sup < 0) {
		perror("fork");
		exit(99);
	}
	if (sup == 0) {
		close(sv[0]);
		close(pp[0]);
		supervisor_process(sv[1], pp[1]);
	}
	close(sv[1]);
	close(pp[1]);
	memset(&d, 0, sizeof(d));
	d.sock = sv[0];
	if (read(pp[0], &d.session, sizeof(d.session)) !=
	    sizeof(d.session)) {
		d.session = -1;
		snprintf(why, sizeof(why), "no session pid from S");
	}
	close(pp[0]);
	(void)setsockopt(d.sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	drove = d.session > 0 && c->drive(&d);
	/*
	 * A hostile record must end the session by itself: the socket
	 * stays open meanwhile, as a subverted session would keep it.  The
	 * controls end as a session does, by closing it.
	 */
	if (c->rc == 70) {
		done = wait_for(sup, &status, 5000);
		close(d.sock);
	} else {
		close(d.sock);
		done = wait_for(sup, &status, 20000);
	}
	if (!done) {
		kill(sup, SIGKILL);
		waitpid(sup, &status, 0);
	}
	if (d.session > 0)
		kill(d.session, SIGKILL);

	if (!drove && why[0] == '\0')
		snprintf(why, sizeof(why), "driver: %s",
		    d.why[0] ? d.why : "failed");
	else if (!done)
		snprintf(why, sizeof(why), "supervisor did not end the "
		    "session within 5 s (kept serving or hung); killed");
	else if (WIFSIGNALED(status))
		snprintf(why, sizeof(why), "supervisor died of signal %d",
		    WTERMSIG(status));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != c->rc)
		snprintf(why, sizeof(why), "supervisor exit status %d, "
		    "want %d", WEXITSTATUS(status), c->rc);
	if (why[0] == '\0' && marker_exists() != c->delivered)
		snprintf(why, sizeof(why), "%s", c->delivered ?
		    "not delivered" : "DELIVERED");
	if (why[0] == '\0') {
		printf("ok - %s\n", c->name);
		passed++;
	} else {
		printf("not ok - %s: %s\n", c->name, why);
		failed++;
	}
	unlink(marker);
}

int
main(void)
{
	size_t i;

	log_init(LOG_TARGET_STDERR, "ipc_hostile");
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/ipc_hostile.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 99;
	}
	snprintf(marker, sizeof(marker), "%s/delivered", tmpdir);
	cmd[0] = access("/usr/bin/touch", X_OK) == 0 ? "/usr/bin/touch" :
	    "/bin/touch";
	cmd[1] = marker;
	cmd[2] = NULL;

	memset(&opts, 0, sizeof(opts));
	opts.hostname = "mx.test";
	opts.max_rcpt = DEFAULT_MAX_RCPT;
	opts.max_errors = DEFAULT_MAX_ERRORS;
	opts.max_size = DEFAULT_MAX_SIZE;
	opts.timeout = 30;
	opts.delivery_timeout = 10;
	opts.check_timeout = 10;
	opts.seccomp = SECCOMP_KILL;
	opts.session_user = "nobody";
	opts.log = LOG_TARGET_STDERR;
	opts.path = "/usr/bin:/bin";
	opts.argv = cmd;
	opts.argc = 2;
	/* Every extension on, and a recipient policy, so that RCPT is
	 * answered (without one the supervisor accepts silently). */
	opts.chunking = opts.smtputf8 = opts.dsn = true;
	opts.domains = domains;
	opts.ndomains = sizeof(domains) / sizeof(domains[0]);

	snprintf(peer.addr, sizeof(peer.addr), "192.0.2.1");
	snprintf(peer.port, sizeof(peer.port), "25");
	snprintf(peer.literal, sizeof(peer.literal), "[192.0.2.1]");
	dc.opts = &opts;
	dc.hostname = "mx.test";
	dc.peer = &peer;
	dc.home = "/";

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	unlink(marker);
	rmdir(tmpdir);
	printf("ipc_hostile: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
