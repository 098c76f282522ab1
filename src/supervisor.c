/*
 * supervisor.c - the privileged half of smtpipe.
 *
 * Design.  Each SMTP session is two processes.  The session process (the
 * child) reads and writes the client's bytes and parses SMTP inside a
 * seccomp allowlist, as an unprivileged user; it can do nothing but talk
 * to the client and to us.  The supervisor (this code, the parent) never
 * sees a client byte: it answers the session's records, one table row per
 * record type:
 *
 *   DATA_BEGIN  envelope in; validated again here; we make a spool file,
 *               write the Received header ourselves, and pass the spool
 *               descriptor back (SCM_RIGHTS); the session appends the body.
 *   DATA_END    deliver: seal the spool, run the command, send the reply;
 *               drop: forget the transaction.
 *   LOG         one line for syslog, escaped again.
 *
 * Everything the session sends is treated as an attacker's: a malformed
 * record or one out of sequence ends the session with nothing delivered.
 * When the session dies of SIGSYS (a sandbox violation) we log it, and the
 * unfinished transaction is never delivered.
 */
#include "config.h"

#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "ipcio.h"
#include "log.h"
#include "sandbox.h"
#include "util.h"

struct sup {
	const struct deliver_ctx *dc;
	int sock;
	int spool;			/* -1 outside a transaction */
	char queue_id[LIMIT_QUEUE_ID];
	struct envelope env;
	unsigned messages;
	unsigned delivered;
	bool violation;		/* the session reported a sandbox violation */
	char *rec;			/* record buffer */
	char *out;			/* encoding buffer */
};

static void
new_queue_id(char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char r[8];
	size_t i;

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != sizeof(r)) {
		/* Uniqueness, not secrecy, is what an id needs. */
		uint64_t v = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();

		memcpy(r, &v, sizeof(r));
	}
	for (i = 0; i < sizeof(r) && 2 * i + 2 < len; i++) {
		buf[2 * i] = hex[r[i] >> 4];
		buf[2 * i + 1] = hex[r[i] & 15];
	}
	buf[2 * i] = '\0';
}

static bool
reply_spool(struct sup *s, const struct ipc_spool *sp, int fd)
{
	struct obuf b = { s->out, 0, IPC_MAX_RECORD + IPC_HDR };

	return ipc_encode_spool(&b, sp) &&
	    ipcio_send(s->sock, b.data, b.len, fd) == 0;
}

static bool
reply_result(struct sup *s, const struct ipc_reply *r)
{
	struct obuf b = { s->out, 0, IPC_MAX_RECORD + IPC_HDR };

	return ipc_encode_result(&b, r) &&
	    ipcio_send(s->sock, b.data, b.len, -1) == 0;
}

static void
drop_tx(struct sup *s)
{
	if (s->spool >= 0)
		close(s->spool);
	s->spool = -1;
}

static bool
on_data_begin(struct sup *s, const char *p, size_t len)
{
	struct ipc_spool sp;
	int err;

	if (s->spool >= 0 || !ipc_decode_data_begin(p, len, &s->env))
		return false;
	memset(&sp, 0, sizeof(sp));
	new_queue_id(s->queue_id, sizeof(s->queue_id));
	s->spool = deliver_spool_create(s->dc);
	if (s->spool < 0) {
		log_errno(LOG_ERR, "queue=%s spool", s->queue_id);
		sp.ok = false;
		sp.refusal.code = 451;
		snprintf(sp.refusal.text, sizeof(sp.refusal.text),
		    "4.3.0 Cannot create spool; try again later");
		return reply_spool(s, &sp, -1);
	}
	if ((err = deliver_write_received(s->dc, s->spool, &s->env,
	    s->queue_id)) != 0) {
		errno = err;
		log_errno(LOG_ERR, "queue=%s spool write", s->queue_id);
		drop_tx(s);
		sp.ok = false;
		sp.refusal.code = 452;
		snprintf(sp.refusal.text, sizeof(sp.refusal.text),
		    "4.3.1 Insufficient system storage");
		return reply_spool(s, &sp, -1);
	}
	sp.ok = true;
	snprintf(sp.queue_id, sizeof(sp.queue_id), "%s", s->queue_id);
	return reply_spool(s, &sp, s->spool);
}

static void
log_message(struct sup *s, const struct ipc_reply *r, uint64_t size,
    const char *note)
{
	char from[LIMIT_ADDR_BUF * 2], to[LIMIT_ADDR_BUF * 2];

	util_escape(from, sizeof(from), s->env.sender, strlen(s->env.sender));
	util_escape(to, sizeof(to), s->env.rcpt[0], strlen(s->env.rcpt[0]));
	log_msg(r->code < 400 ? LOG_INFO : LOG_WARNING,
	    "queue=%s from=<%s> to=<%s>%s nrcpt=%u size=%llu status=%u "
	    "delivery=%s reply=\"%s\"", s->queue_id, from, to,
	    s->env.nrcpt > 1 ? ",..." : "", s->env.nrcpt,
	    (unsigned long long)size, r->code, note, r->text);
}

static bool
on_data_end(struct sup *s, const char *p, size_t len)
{
	struct ipc_data_end de;
	struct ipc_reply r;
	char note[64];
	unsigned i;

	if (s->spool < 0 || !ipc_decode_data_end(p, len, &de))
		return false;
	s->messages++;
	if (!de.deliver) {
		log_msg(LOG_INFO, "queue=%s dropped: %s size=%llu",
		    s->queue_id, de.why, (unsigned long long)de.size);
		drop_tx(s);
		return true;
	}
	deliver_spool_seal(s->spool);
	if (s->dc->opts->per_recipient) {
		/* One run per recipient; SMTP mode allows only one per
		 * transaction, so the single reply is true for each. */
		for (i = 0; i < s->env.nrcpt; i++) {
			deliver_run(s->dc, s->spool, &s->env, s->queue_id,
			    (int)i, &r, note, sizeof(note));
			if (r.code >= 400)
				break;
		}
	} else {
		deliver_run(s->dc, s->spool, &s->env, s->queue_id, -1, &r,
		    note, sizeof(note));
	}
	if (r.code < 400)
		s->delivered++;
	log_message(s, &r, de.size, note);
	drop_tx(s);
	return reply_result(s, &r);
}

static bool
on_log(struct sup *s, const char *p, size_t len)
{
	struct ipc_log lg;

	(void)s;
	if (!ipc_decode_log(p, len, &lg))
		return false;
	log_msg((int)lg.prio, "%s", lg.text);
	return true;
}

static bool
on_violation(struct sup *s, const char *p, size_t len)
{
	char name[64];
	uint32_t nr;

	if (!ipc_decode_violation(p, len, &nr))
		return false;
	log_msg(LOG_CRIT, "sandbox violation: the session process called "
	    "%s (syscall %u); killed", sandbox_syscall_name(nr, name,
	    sizeof(name)), nr);
	/* The session dies of SIGSYS next; nothing of its transaction is
	 * kept, and nothing it sends from now on is believed. */
	s->violation = true;
	return true;
}

/* Record types the session may send, and who handles them. */
static const struct {
	enum ipc_type type;
	bool (*fn)(struct sup *, const char *, size_t);
} handlers[] = {
	{ IPC_DATA_BEGIN, on_data_begin },
	{ IPC_DATA_END, on_data_end },
	{ IPC_LOG, on_log },
	{ IPC_VIOLATION, on_violation },
};

static const char *
signame(int sig)
{
	return sig == SIGSYS ? "SIGSYS (sandbox violation)" :
	    sig == SIGSEGV ? "SIGSEGV" : sig == SIGABRT ? "SIGABRT" :
	    sig == SIGKILL ? "SIGKILL" : "a signal";
}

int
supervisor_run(const struct deliver_ctx *dc, int sock, pid_t session)
{
	struct sup s;
	int status, rc = 0;
	bool bad = false;

	memset(&s, 0, sizeof(s));
	s.dc = dc;
	s.sock = sock;
	s.spool = -1;
	s.env.max_rcpt = dc->opts->max_rcpt;
	s.env.rcpt = calloc(s.env.max_rcpt, sizeof(*s.env.rcpt));
	s.rec = malloc(IPC_MAX_RECORD + IPC_HDR + 1);
	s.out = malloc(IPC_MAX_RECORD + IPC_HDR);
	if (s.env.rcpt == NULL || s.rec == NULL || s.out == NULL) {
		log_msg(LOG_ERR, "out of memory");
		kill(session, SIGKILL);
		bad = true;
	}
	while (!bad) {
		const char *payload;
		size_t plen, i;
		ssize_t n;
		enum ipc_type t;

		n = ipcio_recv(sock, s.rec, IPC_MAX_RECORD + IPC_HDR + 1,
		    NULL);
		if (n == 0)
			break;
		if (n < 0) {
			log_errno(LOG_ERR, "session record");
			bad = true;
			break;
		}
		t = ipc_decode_header(s.rec, (size_t)n, &payload, &plen);
		if (s.violation) {
			bad = true;
			break;
		}
		for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
			if (handlers[i].type == t)
				break;
		if (i == sizeof(handlers) / sizeof(handlers[0]) ||
		    !handlers[i].fn(&s, payload, plen)) {
			log_msg(LOG_ERR, "malformed or unexpected record "
			    "(type %u, %zd octets) from the session process; "
			    "ending the session", (unsigned)t, n);
			bad = true;
		}
	}
	if (bad)
		kill(session, SIGKILL);
	/* Whatever was in progress is not delivered. */
	if (s.spool >= 0) {
		log_msg(LOG_INFO, "queue=%s dropped: session ended in DATA",
		    s.queue_id);
		drop_tx(&s);
	}
	while (waitpid(session, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status) && !bad) {
		log_msg(LOG_ERR, "session process killed by %s (signal %d)",
		    signame(WTERMSIG(status)), WTERMSIG(status));
		rc = 70;
	} else if (bad) {
		rc = 70;
	} else if (WIFEXITED(status)) {
		rc = WEXITSTATUS(status);
	}
	log_msg(LOG_INFO, "disconnect messages=%u delivered=%u", s.messages,
	    s.delivered);
	free(s.env.rcpt);
	free(s.rec);
	free(s.out);
	return rc;
}
