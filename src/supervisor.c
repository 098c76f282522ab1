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
 *   MAIL        sender and parameters: validated again here; a queue id.
 *   RCPT        one recipient: validated, checked against --accept-domain
 *               and --rcpt-check, answered with RESULT.
 *   RSET        the transaction is abandoned.
 *   DATA_BEGIN  we make a spool file, write the Received header ourselves,
 *               and pass the spool descriptor back (SCM_RIGHTS); the
 *               session appends the body.
 *   DATA_END    deliver: seal the spool, run the command (per recipient
 *               in LMTP and --per-recipient), send the reply or replies;
 *               drop: forget the transaction.
 *   LOG         one line for syslog, escaped again.
 *   VIOLATION   the session's SIGSYS handler names the forbidden call.
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
#include <sys/stat.h>
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
	bool in_tx;			/* MAIL seen */
	int spool;			/* -1 outside the data phase */
	uint64_t header_len;		/* our Received header in the spool */
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
	s->in_tx = false;
	envelope_reset(&s->env);
}

static bool
on_mail(struct sup *s, const char *p, size_t len)
{
	const struct options *o = s->dc->opts;

	if (s->spool >= 0 || !ipc_decode_mail(p, len, &s->env))
		return false;
	/* What was not offered cannot have been used. */
	if ((s->env.smtputf8 && !o->smtputf8) || (!o->dsn &&
	    (s->env.dsn_ret[0] != '\0' || s->env.dsn_envid[0] != '\0')) ||
	    (s->env.body == BODY_BINARYMIME && !o->chunking))
		return false;
	s->in_tx = true;
	new_queue_id(s->queue_id, sizeof(s->queue_id));
	return true;
}

static bool
on_rset(struct sup *s, const char *p, size_t len)
{
	(void)p;
	if (len != 0 || s->spool >= 0)
		return false;
	drop_tx(s);
	return true;
}

static bool
on_rcpt(struct sup *s, const char *p, size_t len)
{
	const struct options *o = s->dc->opts;
	struct ipc_reply r;
	char esc[LIMIT_ADDR_BUF * 2];
	unsigned i = s->env.nrcpt;

	if (!s->in_tx || s->spool >= 0 || !ipc_decode_rcpt(p, len, &s->env))
		return false;
	if (!o->dsn && (s->env.dsn_notify[i][0] != '\0' ||
	    s->env.dsn_orcpt[i][0] != '\0'))
		return false;
	/* The session enforces one recipient per SMTP transaction in
	 * per-recipient mode; a second one means it was subverted. */
	if (o->per_recipient && !o->lmtp && i >= 1)
		return false;
	r.code = 250;
	snprintf(r.text, sizeof(r.text), "2.1.5 Recipient OK");
	if (!options_domain_accepted(o, s->env.rcpt[i])) {
		r.code = 550;
		snprintf(r.text, sizeof(r.text), "5.7.1 Relaying denied");
	} else if (o->ndomains > 0 && options_routing(s->env.rcpt[i])) {
		/* user%other@ours, "user@other"@ours, host!user@ours: a
		 * local MTA behind us may route these elsewhere (Postfix's
		 * allow_untrusted_routing = no). */
		r.code = 550;
		snprintf(r.text, sizeof(r.text),
		    "5.7.1 Sender-specified routing is not allowed");
	} else if (o->check_argc > 0) {
		char note[64];

		deliver_rcpt_check(s->dc, &s->env, i, s->queue_id, &r, note,
		    sizeof(note));
	}
	if (r.code >= 200 && r.code < 300)
		s->env.nrcpt++;
	else
		log_msg(LOG_INFO, "queue=%s to=<%s> refused: %u %s",
		    s->queue_id, util_escape(esc, sizeof(esc), s->env.rcpt[i],
		    strlen(s->env.rcpt[i])), r.code, r.text);
	/* No policy, no answer: the session does not wait for one. */
	if (o->ndomains == 0 && o->check_argc == 0)
		return true;
	return reply_result(s, &r);
}

static bool
on_data_begin(struct sup *s, const char *p, size_t len)
{
	struct ipc_spool sp;
	int err;

	if (!s->in_tx || s->spool >= 0 || s->env.nrcpt == 0 ||
	    !ipc_decode_data_begin(p, len))
		return false;
	memset(&sp, 0, sizeof(sp));
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
	s->header_len = (uint64_t)lseek(s->spool, 0, SEEK_CUR);
	sp.ok = true;
	snprintf(sp.queue_id, sizeof(sp.queue_id), "%s", s->queue_id);
	return reply_spool(s, &sp, s->spool);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One line per message (per recipient with rcpt >= 0), with the facts as
 * journal fields too.  Everything from the client is escaped.
 */
static void
log_message(struct sup *s, const struct ipc_reply *r, uint64_t size,
    const char *note, int rcpt, long long started)
{
	char from[LIMIT_ADDR_BUF * 2], to[LIMIT_ADDR_BUF * 2];
	char helo[LIMIT_HELO * 2], code[8], sz[24], ms[24], ex[16];
	const char *t = s->env.rcpt[rcpt < 0 ? 0 : rcpt];
	struct log_kv kv[8];

	util_escape(from, sizeof(from), s->env.sender, strlen(s->env.sender));
	util_escape(to, sizeof(to), t, strlen(t));
	util_escape(helo, sizeof(helo), s->env.helo, strlen(s->env.helo));
	snprintf(code, sizeof(code), "%u", r->code);
	snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
	snprintf(ms, sizeof(ms), "%lld", now_ms() - started);
	snprintf(ex, sizeof(ex), "%s",
	    strncmp(note, "exit ", 5) == 0 ? note + 5 : "");
	kv[0] = (struct log_kv){ "SMTP_QUEUE_ID", s->queue_id };
	kv[1] = (struct log_kv){ "SMTP_HELO", helo };
	kv[2] = (struct log_kv){ "SMTP_SENDER", from };
	kv[3] = (struct log_kv){ "SMTP_RECIPIENT", to };
	kv[4] = (struct log_kv){ "SMTP_STATUS", code };
	kv[5] = (struct log_kv){ "SMTP_SIZE", sz };
	kv[6] = (struct log_kv){ "SMTP_DELIVERY_EXIT", ex[0] ? ex : NULL };
	kv[7] = (struct log_kv){ "SMTP_DURATION_MS", ms };
	log_event(r->code < 400 ? LOG_INFO : LOG_WARNING, kv, 8,
	    "queue=%s from=<%s> to=<%s>%s nrcpt=%u size=%llu status=%u "
	    "delivery=%s duration=%sms reply=\"%s\"", s->queue_id, from, to,
	    rcpt < 0 && s->env.nrcpt > 1 ? ",..." : "", s->env.nrcpt,
	    (unsigned long long)size, r->code, note, ms, r->text);
}

static bool
on_data_end(struct sup *s, const char *p, size_t len)
{
	struct ipc_data_end de;
	struct ipc_reply r;
	struct stat st;
	char note[64];
	long long started;
	unsigned i, nrcpt;
	int fd;

	if (s->spool < 0 || !ipc_decode_data_end(p, len, &de))
		return false;
	nrcpt = s->env.nrcpt;
	s->messages++;
	if (!de.deliver) {
		log_msg(LOG_INFO, "queue=%s dropped: %s size=%llu",
		    s->queue_id, de.why, (unsigned long long)de.size);
		drop_tx(s);
		return true;
	}
	/* From here the session process can no longer touch the message. */
	fd = deliver_spool_seal(s->dc, s->spool);
	if (fd < 0 && s->dc->opts->spool_dir != NULL) {
		/* The private copy of a --spool-dir file did not fit: an
		 * honest full disk, not a hostile session. */
		log_errno(LOG_ERR, "queue=%s cannot copy the spool in %s",
		    s->queue_id, s->dc->opts->spool_dir);
		drop_tx(s);
		r.code = 452;
		snprintf(r.text, sizeof(r.text),
		    "4.3.1 Insufficient system storage");
		for (i = 0; i < (s->dc->opts->lmtp ? nrcpt : 1); i++)
			if (!reply_result(s, &r))
				return false;
		return true;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		/* A memfd that cannot be sealed has a shared mapping, which
		 * the sandbox forbids: tampering.  Deliver nothing. */
		log_errno(LOG_ERR, "queue=%s cannot seal the spool; not "
		    "delivering", s->queue_id);
		if (fd >= 0)
			close(fd);
		drop_tx(s);
		return false;
	}
	/* A compromised session could write past --max-size: the limit is
	 * checked here too (CR LF delivery of bare LFs may double it). */
	if ((uint64_t)st.st_size > s->header_len + 2 * s->dc->opts->max_size) {
		log_msg(LOG_ERR, "queue=%s spool of %lld octets is over the "
		    "size limit; not delivering", s->queue_id,
		    (long long)st.st_size);
		close(fd);
		drop_tx(s);
		return false;
	}
	close(s->spool);
	s->spool = fd;
	started = now_ms();
	if (s->dc->opts->lmtp) {
		/* RFC 2033 4.2: a reply per recipient, each from its own
		 * run, so one full mailbox neither bounces nor duplicates
		 * the others. */
		for (i = 0; i < s->env.nrcpt; i++) {
			deliver_run(s->dc, s->spool, &s->env, s->queue_id,
			    (int)i, &r, note, sizeof(note));
			if (r.code < 400)
				s->delivered++;
			log_message(s, &r, de.size, note, (int)i, started);
			started = now_ms();
			if (!reply_result(s, &r)) {
				drop_tx(s);
				return false;
			}
		}
		drop_tx(s);
		return true;
	}
	/* --per-recipient over SMTP has exactly one recipient here. */
	deliver_run(s->dc, s->spool, &s->env, s->queue_id,
	    s->dc->opts->per_recipient ? 0 : -1, &r, note, sizeof(note));
	if (r.code < 400)
		s->delivered++;
	log_message(s, &r, de.size, note, -1, started);
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
	/* The session only logs the --verbose dialog; whatever it asks,
	 * it gets no say in the priority (no LOG_EMERG from an attacker). */
	log_msg(LOG_INFO, "session: %s", lg.text);
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
	{ IPC_MAIL, on_mail },
	{ IPC_RCPT, on_rcpt },
	{ IPC_RSET, on_rset },
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
	s.rec = malloc(IPC_MAX_RECORD + IPC_HDR + 1);
	s.out = malloc(IPC_MAX_RECORD + IPC_HDR);
	if (!envelope_alloc(&s.env, dc->opts->max_rcpt) || s.rec == NULL ||
	    s.out == NULL) {
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
		/* SOCK_SEQPACKET: 0 is the end, or an empty packet, which
		 * no honest session sends; only a hang-up is the end. */
		if (n == 0 && !ipcio_peer_closed(sock)) {
			log_msg(LOG_ERR, "empty record from the session "
			    "process; ending the session");
			bad = true;
			break;
		}
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
	/* Whatever was in progress is not delivered. */
	if (s.spool >= 0) {
		log_msg(LOG_INFO, "queue=%s dropped: session ended in DATA",
		    s.queue_id);
		drop_tx(&s);
	}
	if (bad && kill(session, SIGKILL) != 0) {
		/* As --user we may not signal the session user; our exit
		 * kills it (PR_SET_PDEATHSIG), so do not wait for it. */
		log_msg(LOG_INFO, "disconnect messages=%u delivered=%u",
		    s.messages, s.delivered);
		envelope_free(&s.env);
		free(s.rec);
		free(s.out);
		return 70;
	}
	status = 0;
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
	envelope_free(&s.env);
	free(s.rec);
	free(s.out);
	return rc;
}
