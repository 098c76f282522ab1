/*
 * netio.c - the session process's loop (see netio.h): read the client
 * with a timeout, feed the pure session, write the replies, and carry the
 * session's requests to the supervisor.  Reads attacker bytes.
 *
 * PIPELINING (RFC 2920): replies pile up in the session's buffer while
 * input is available and are written before we block for more input, so
 * a pipelined group is answered in one write, in order.
 */
#include "config.h"

#include "netio.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "ipcio.h"
#include "smtp-limits.h"
#include "util.h"

struct netio {
	const struct options *o;
	int in, out, sock;
	int spool;
	bool dead;		/* the supervisor is gone or misbehaved */
	char rec[IPC_HDR + 1024];
	char enc[IPC_MAX_RECORD + IPC_HDR];
};

static bool
send_enc(struct netio *n, const struct obuf *b)
{
	if (n->dead || ipcio_send(n->sock, b->data, b->len, -1) != 0) {
		n->dead = true;
		return false;
	}
	return true;
}

static void
temp_fail(struct smtp_reply *r)
{
	r->code = 451;
	snprintf(r->text, sizeof(r->text),
	    "4.3.0 Temporary local problem; try again later");
}

/* Wait for one RESULT record; false (and a 451) if it is not one. */
static bool
recv_result(struct netio *n, struct smtp_reply *r)
{
	struct ipc_reply res;
	const char *pl;
	size_t plen;
	ssize_t len;

	len = ipcio_recv(n->sock, n->rec, sizeof(n->rec), NULL);
	if (len <= 0 || ipc_decode_header(n->rec, (size_t)len, &pl, &plen) !=
	    IPC_RESULT || !ipc_decode_result(pl, plen, &res)) {
		/* We cannot know what happened: 451 is the one answer
		 * that never loses mail. */
		n->dead = true;
		temp_fail(r);
		return false;
	}
	r->code = res.code;
	snprintf(r->text, sizeof(r->text), "%s", res.text);
	return true;
}

static void
op_mail(void *ctx, const struct envelope *env)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };

	if (ipc_encode_mail(&b, env))
		(void)send_enc(n, &b);
}

static void
op_rcpt(void *ctx, const struct envelope *env, unsigned i,
    struct smtp_reply *r)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };

	if (!ipc_encode_rcpt(&b, env, i) || !send_enc(n, &b)) {
		temp_fail(r);
		return;
	}
	/* Without a recipient policy the supervisor accepts every
	 * recipient and sends no answer: no round trip per RCPT. */
	if (n->o->ndomains > 0 || n->o->check_argc > 0)
		(void)recv_result(n, r);
}

static void
op_reset(void *ctx)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };

	if (ipc_encode_rset(&b))
		(void)send_enc(n, &b);
}

static bool
op_data_begin(void *ctx, struct smtp_reply *r)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };
	struct ipc_spool sp;
	const char *pl;
	size_t plen;
	ssize_t len;
	int fd = -1;

	if (!ipc_encode_data_begin(&b) || !send_enc(n, &b)) {
		temp_fail(r);
		return false;
	}
	len = ipcio_recv(n->sock, n->rec, sizeof(n->rec), &fd);
	if (len <= 0 || ipc_decode_header(n->rec, (size_t)len, &pl, &plen) !=
	    IPC_SPOOL || !ipc_decode_spool(pl, plen, &sp) ||
	    (sp.ok && fd < 0)) {
		if (fd >= 0)
			close(fd);
		n->dead = true;
		temp_fail(r);
		return false;
	}
	if (!sp.ok) {
		if (fd >= 0)
			close(fd);
		r->code = sp.refusal.code;
		snprintf(r->text, sizeof(r->text), "%s", sp.refusal.text);
		return false;
	}
	n->spool = fd;
	return true;
}

static int
op_data_write(void *ctx, const char *p, size_t len)
{
	struct netio *n = ctx;

	while (len > 0) {
		ssize_t k = write(n->spool, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static void
op_data_end(void *ctx, bool deliver, const char *why, uint64_t size,
    struct smtp_reply *replies, unsigned nreplies)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };
	struct ipc_data_end de;
	unsigned i;

	/* The spool is the supervisor's from here on. */
	if (n->spool >= 0)
		close(n->spool);
	n->spool = -1;
	memset(&de, 0, sizeof(de));
	de.deliver = deliver;
	de.size = size;
	snprintf(de.why, sizeof(de.why), "%s", why != NULL ? why : "");
	if (!ipc_encode_data_end(&b, &de) || !send_enc(n, &b)) {
		for (i = 0; i < nreplies; i++)
			temp_fail(&replies[i]);
		return;
	}
	if (!deliver)
		return;
	/* One reply, or one per recipient (LMTP), in recipient order. */
	for (i = 0; i < nreplies; i++)
		if (!recv_result(n, &replies[i]))
			while (++i < nreplies)
				temp_fail(&replies[i]);
}

static void
op_dialog(void *ctx, char dir, const char *p, size_t len)
{
	struct netio *n = ctx;
	struct obuf b = { n->enc, 0, sizeof(n->enc) };
	char esc[600], line[640];

	if (!n->o->verbose)
		return;
	util_escape(esc, sizeof(esc), p, len);
	snprintf(line, sizeof(line), "%c %s", dir, esc);
	if (ipc_encode_log(&b, LOG_DEBUG, line))
		(void)send_enc(n, &b);
}

static const struct session_ops ops = {
	.mail = op_mail,
	.rcpt = op_rcpt,
	.reset = op_reset,
	.data_begin = op_data_begin,
	.data_write = op_data_write,
	.data_end = op_data_end,
	.dialog = op_dialog,
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write all pending replies, waiting at most the timeout for room. */
static bool
flush(struct netio *n, struct session *s)
{
	size_t len;
	const char *p;

	while ((p = session_output(s, &len)), len > 0) {
		struct pollfd pfd = { n->out, POLLOUT, 0 };
		ssize_t k;

		k = write(n->out, p, len);
		if (k > 0) {
			session_written(s, (size_t)k);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN &&
		    poll(&pfd, 1, (int)n->o->timeout * 1000) > 0)
			continue;
		return false;
	}
	return true;
}

int
netio_run(const struct options *o, const struct session_config *cfg,
    int in, int out, int sock, bool greet)
{
	static char buf[LIMIT_READBUF];
	struct netio *n;
	struct session *s;
	long long deadline;
	int rc = 0;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return 75;
	n->o = o;
	n->in = in;
	n->out = out;
	n->sock = sock;
	n->spool = -1;
	s = session_new(cfg, &ops, n);
	if (s == NULL)
		return 75;
	if (greet)
		session_greet(s);
	deadline = now_ms() + (long long)o->timeout * 1000;
	for (;;) {
		struct pollfd pfd = { in, POLLIN, 0 };
		size_t used = 0;
		ssize_t len;
		long long left;
		int pr;

		if (!flush(n, s))
			break;
		/*
		 * RFC 5321 4.5.3.2: the timeout runs per data block inside
		 * DATA and BDAT, but for a command it covers the whole line,
		 * so a client trickling one byte at a time cannot hold the
		 * session open for ever (RFC 5321 4.5.3.2.7).
		 */
		left = deadline - now_ms();
		pr = left <= 0 ? 0 : poll(&pfd, 1, left > INT_MAX ? INT_MAX :
		    (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr == 0) {
			session_timeout(s);
			(void)flush(n, s);
			break;
		}
		len = read(in, buf, sizeof(buf));
		if (len < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (len <= 0) {
			session_eof(s);
			break;
		}
		while (used < (size_t)len) {
			size_t c;
			enum session_status st;

			st = session_feed(s, buf + used, (size_t)len - used,
			    &c);
			used += c;
			if (st == SESSION_CLOSE)
				goto done;
			if (st == SESSION_FLUSH && !flush(n, s))
				goto out;
		}
		if (session_in_data(s) || !session_partial_command(s))
			deadline = now_ms() + (long long)o->timeout * 1000;
	}
	goto out;
done:
	(void)flush(n, s);
out:
	session_free(&s);
	if (n->spool >= 0)
		close(n->spool);
	free(n);
	return rc;
}
