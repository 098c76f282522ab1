/*
 * session.c - the SMTP dialog (RFC 5321), pure: attacker bytes in, replies
 * out, delivery through the ops the caller gave (see session.h).
 *
 * States:
 *   ST_GREETED  220 sent, no HELO/EHLO yet: only HELO, EHLO, RSET, NOOP,
 *               VRFY, HELP, QUIT make sense.
 *   ST_READY    after HELO/EHLO, no transaction.
 *   ST_MAIL     MAIL accepted, no recipient yet.
 *   ST_RCPT     at least one recipient accepted (and, once a BDAT chunk
 *               arrived, a BDAT transaction: DATA is refused).
 *   ST_DATA     354 sent: bytes go through the DATA reader.
 *   ST_CHUNK    inside a BDAT chunk: the next chunk_left octets are data,
 *               taken as they are (RFC 3030 2), or discarded when the
 *               BDAT was refused, so the client's framing is kept.
 *   ST_CLOSED   QUIT or 421 sent: nothing more is read.
 */
#include "config.h"

#include "session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "dataread.h"
#include "linereader.h"
#include "params.h"
#include "ipc.h"
#include "replies.h"

#include "session-int.h"


/* ------------------------------------------------------------ replies */

void
sess_reply(struct session *s, const char *text)
{
	size_t len = strlen(text);

	if (s->ops->dialog != NULL)
		s->ops->dialog(s->ctx, '>', text, len);
	/* The buffer is sized for the longest burst; a failure here is a
	 * bug, and the client then sees a missing reply, not a corrupt one. */
	if (s->out.cap - s->out.len >= len + 2) {
		obuf_add(&s->out, text, len);
		obuf_add(&s->out, "\r\n", 2);
	}
}

static void __attribute__((format(printf, 2, 3)))
replyf(struct session *s, const char *fmt, ...)
{
	char line[LIMIT_CMDLINE + LIMIT_DOMAIN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sess_reply(s, line);
}

/* Multi-line replies: every line but the last carries "-" (4.2.1). */
static void
reply_lines(struct session *s, unsigned code, const char *const *lines,
    size_t n)
{
	char line[LIMIT_CMDLINE + 8];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "%u%c%s", code,
		    i + 1 < n ? '-' : ' ', lines[i]);
		sess_reply(s, line);
	}
}

void
sess_reply_smtp(struct session *s, const struct smtp_reply *r)
{
	char line[sizeof(r->text) + 8];

	snprintf(line, sizeof(line), "%03u %s", r->code, r->text);
	sess_reply(s, line);
}

/*
 * A client mistake: answer and count it.  After max_errors the client is
 * more likely a attacker or a broken program than a sender (Postfix's
 * smtpd_hard_error_limit): 421 and close.
 */
void
sess_reply_error(struct session *s, const char *text)
{
	sess_reply(s, text);
	if (++s->errors >= s->cfg.max_errors && s->cfg.max_errors > 0) {
		replyf(s, R_TOO_MANY_ERRORS, s->cfg.hostname);
		if (s->state != ST_DATA && s->state != ST_CHUNK)
			sess_tx_reset(s);
		s->state = ST_CLOSED;
	}
}

/* ----------------------------------------------------------- envelope */

/* The transaction is over and the supervisor knows (after data_end). */
void
sess_tx_clear(struct session *s)
{
	if (s->state == ST_MAIL || s->state == ST_RCPT)
		s->state = ST_READY;
	envelope_reset(&s->env);
	s->bdat = false;
	s->bdat_octets = 0;
	s->chunk_cr = false;
}

/* Forget the transaction; tell the supervisor when it knew of one (a
 * BDAT transaction has a spool open: drop it as unfinished data). */
void
sess_tx_reset(struct session *s)
{
	if (s->bdat)
		s->ops->data_end(s->ctx, false, "transaction reset during BDAT",
		    s->bdat_octets, s->replies, 0);
	else if (s->state == ST_MAIL || s->state == ST_RCPT)
		s->ops->reset(s->ctx);
	sess_tx_clear(s);
}

/* ------------------------------------------------------------- verbs */

struct verb {
	const char *name;	/* lower case */
	void (*fn)(struct session *, const char *arg, size_t arglen);
};

/* Skip one or more spaces; RFC 5321 4.1.1 says one, clients vary. */
void
sess_skip_sp(const char **p, size_t *len)
{
	while (*len > 0 && **p == ' ') {
		(*p)++;
		(*len)--;
	}
}

/*
 * RFC 5321 4.1.1.1: "EHLO" SP ( Domain / address-literal ).  We accept
 * any printable token (clients send bare host names and worse), keep it
 * for the Received header, and refuse what could not be a name.
 */
static bool
helo_arg(struct session *s, const char *arg, size_t len)
{
	size_t i, n;

	sess_skip_sp(&arg, &len);
	util_trim_blanks(arg, &len);
	for (n = 0; n < len && arg[n] != ' '; n++)
		;
	if (n == 0 || n > LIMIT_HELO)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)arg[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	memcpy(s->env.helo, arg, n);
	s->env.helo[n] = '\0';
	return true;
}

static void
cmd_helo(struct session *s, const char *arg, size_t len)
{
	char line[LIMIT_CMDLINE];

	if (s->cfg.lmtp) {
		/* RFC 2033 4.1: an LMTP server speaks only after LHLO. */
		sess_reply_error(s, "500 5.5.1 This is LMTP: use LHLO");
		return;
	}
	if (!helo_arg(s, arg, len)) {
		sess_reply_error(s, R_HELO_SYNTAX);
		return;
	}
	sess_tx_reset(s);
	s->esmtp = false;
	s->state = ST_READY;
	snprintf(line, sizeof(line), "250 %s", s->cfg.hostname);
	sess_reply(s, line);
}

static void
ehlo_reply(struct session *s)
{
	char first[LIMIT_CMDLINE], size[32];
	const char *lines[10];
	size_t n = 0;

	snprintf(first, sizeof(first), "%s", s->cfg.hostname);
	snprintf(size, sizeof(size), "SIZE %llu",
	    (unsigned long long)s->cfg.max_size);
	/* Exactly what is implemented and enabled. */
	lines[n++] = first;
	lines[n++] = "PIPELINING";
	lines[n++] = size;
	lines[n++] = "8BITMIME";
	lines[n++] = "ENHANCEDSTATUSCODES";
	if (s->cfg.chunking) {
		lines[n++] = "CHUNKING";
		lines[n++] = "BINARYMIME";
	}
	if (s->cfg.smtputf8)
		lines[n++] = "SMTPUTF8";
	if (s->cfg.dsn)
		lines[n++] = "DSN";
	reply_lines(s, 250, lines, n);
}

static void
cmd_lhlo(struct session *s, const char *arg, size_t len)
{
	if (!s->cfg.lmtp) {
		sess_reply_error(s, R_UNKNOWN);
		return;
	}
	if (!helo_arg(s, arg, len)) {
		sess_reply_error(s, "501 5.5.4 Syntax: LHLO hostname");
		return;
	}
	sess_tx_reset(s);
	s->esmtp = true;
	s->state = ST_READY;
	ehlo_reply(s);
}

static void
cmd_ehlo(struct session *s, const char *arg, size_t len)
{
	if (s->cfg.lmtp) {
		sess_reply_error(s, "500 5.5.1 This is LMTP: use LHLO");
		return;
	}
	if (!helo_arg(s, arg, len)) {
		sess_reply_error(s, R_EHLO_SYNTAX);
		return;
	}
	/* RFC 5321 4.1.4: EHLO resets any transaction. */
	sess_tx_reset(s);
	s->esmtp = true;
	s->state = ST_READY;
	ehlo_reply(s);
}

/* "FROM:" / "TO:" before the path, case-insensitive (RFC 5321 2.4). */
static bool
strip_prefix(const char **p, size_t *len, const char *word)
{
	size_t n = strlen(word);

	if (*len < n || !util_word_eq(*p, n, word))
		return false;
	*p += n;
	*len -= n;
	return true;
}

static const char *
addr_reply(enum addr_result r, bool sender)
{
	switch (r) {
	case ADDR_OK:
		break;
	case ADDR_NON_ASCII:
	case ADDR_BAD_UTF8:
		return "553 5.6.7 Non-ASCII address needs SMTPUTF8";
	case ADDR_DASH:
		return sender ?
		    "553 5.1.7 Sender address must not begin with '-'" :
		    "553 5.1.3 Recipient address must not begin with '-'";
	case ADDR_BAD_PARAM:
	case ADDR_TOO_MANY_PARAMS:
		return R_PARAM_BAD;
	case ADDR_TOO_LONG:
		return sender ? "501 5.1.7 Sender address too long" :
		    "501 5.1.3 Recipient address too long";
	case ADDR_NULL_NOT_ALLOWED:
		return "501 5.1.3 Null recipient not allowed";
	case ADDR_NO_BRACKETS:
		return sender ?
		    "501 5.1.7 Sender address must be enclosed in <>" :
		    "501 5.1.3 Recipient address must be enclosed in <>";
	case ADDR_SYNTAX:
		break;
	}
	return sender ? "501 5.1.7 Bad sender address syntax" :
	    "501 5.1.3 Bad recipient address syntax";
}

static void
set_protocol(struct session *s)
{
	const char *base = s->cfg.lmtp ? "LMTP" : s->esmtp ? "ESMTP" : "SMTP";

	/* RFC 6531 3.7.3: UTF8SMTP, UTF8LMTP for SMTPUTF8 transactions. */
	if (s->env.smtputf8)
		snprintf(s->env.protocol, sizeof(s->env.protocol), "UTF8%s",
		    s->cfg.lmtp ? "LMTP" : "SMTP");
	else
		snprintf(s->env.protocol, sizeof(s->env.protocol), "%s", base);
}

static void
cmd_mail(struct session *s, const char *arg, size_t len)
{
	struct smtp_path path;
	const char *rest, *err;
	size_t restlen;
	enum addr_result r;

	if (s->state == ST_GREETED) {
		sess_reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state != ST_READY) {
		sess_reply_error(s, R_NESTED_MAIL);
		return;
	}
	if (!strip_prefix(&arg, &len, "from:")) {
		sess_reply_error(s, R_MAIL_SYNTAX);
		return;
	}
	r = address_parse_path(arg, len, ADDR_F_ALLOW_NULL |
	    (s->cfg.smtputf8 ? ADDR_F_UTF8 : 0), &path, &rest, &restlen);
	if (r != ADDR_OK) {
		sess_reply_error(s, addr_reply(r, true));
		return;
	}
	envelope_reset(&s->env);
	if ((err = params_mail(&s->cfg, s->esmtp, &s->env, rest,
	    restlen)) != NULL) {
		/* RFC 5321 4.1.4: a refused MAIL changes nothing. */
		envelope_reset(&s->env);
		if (strncmp(err, "552", 3) == 0)
			sess_reply(s, err);
		else
			sess_reply_error(s, err);
		return;
	}
	/* RFC 6531 3.4: UTF-8 only in a transaction that said SMTPUTF8. */
	if (path.is_utf8 && !s->env.smtputf8) {
		envelope_reset(&s->env);
		sess_reply_error(s, addr_reply(ADDR_NON_ASCII, true));
		return;
	}
	memcpy(s->env.sender, path.addr, path.len + 1);
	set_protocol(s);
	s->state = ST_MAIL;
	s->ops->mail(s->ctx, &s->env);
	sess_reply(s, R_MAIL_OK);
}

static void
cmd_rcpt(struct session *s, const char *arg, size_t len)
{
	struct smtp_path path;
	struct smtp_reply r;
	const char *rest, *err;
	size_t restlen;
	enum addr_result ar;
	unsigned i = s->env.nrcpt;

	if (s->state == ST_GREETED) {
		sess_reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state != ST_MAIL && (s->state != ST_RCPT || s->bdat)) {
		sess_reply_error(s, s->bdat ? "503 5.5.1 RCPT after BDAT" :
		    R_NEED_MAIL);
		return;
	}
	if (!strip_prefix(&arg, &len, "to:")) {
		sess_reply_error(s, R_RCPT_SYNTAX);
		return;
	}
	ar = address_parse_path(arg, len, ADDR_F_ALLOW_POSTMASTER |
	    (s->cfg.smtputf8 ? ADDR_F_UTF8 : 0), &path, &rest, &restlen);
	if (ar == ADDR_OK && path.is_utf8 && !s->env.smtputf8)
		ar = ADDR_NON_ASCII;
	if (ar != ADDR_OK) {
		sess_reply_error(s, addr_reply(ar, false));
		return;
	}
	/*
	 * One DATA reply speaks for every recipient, so in per-recipient
	 * mode a transaction takes one recipient and the client sends the
	 * rest in the next one (RFC 5321 4.5.3.1.10 allows 452 here).
	 * LMTP answers per recipient, so it needs no such limit.
	 */
	if (s->cfg.per_recipient && !s->cfg.lmtp && i >= 1) {
		sess_reply(s, R_ONE_RCPT);
		return;
	}
	if (i >= s->cfg.max_rcpt) {
		sess_reply(s, R_TOO_MANY_RCPT);
		return;
	}
	if ((err = params_rcpt(&s->cfg, &s->env, i, rest, restlen)) != NULL) {
		sess_reply_error(s, err);
		return;
	}
	memcpy(s->env.rcpt[i], path.addr, path.len + 1);
	r.code = 250;
	snprintf(r.text, sizeof(r.text), "2.1.5 Recipient OK");
	s->ops->rcpt(s->ctx, &s->env, i, &r);
	if (r.code >= 200 && r.code < 300) {
		s->env.nrcpt++;
		s->state = ST_RCPT;
	}
	sess_reply_smtp(s, &r);
}

static void
cmd_rset(struct session *s, const char *arg, size_t len)
{
	util_trim_blanks(arg, &len);
	if (len > 0) {
		sess_reply_error(s, R_NO_ARGS);
		return;
	}
	sess_tx_reset(s);
	sess_reply(s, R_RSET);
}

static void
cmd_noop(struct session *s, const char *arg, size_t len)
{
	/* RFC 5321 4.1.1.9: a NOOP argument is ignored. */
	(void)arg;
	(void)len;
	sess_reply(s, R_NOOP);
}

static void
cmd_vrfy(struct session *s, const char *arg, size_t len)
{
	util_trim_blanks(arg, &len);
	sess_skip_sp(&arg, &len);
	if (len == 0) {
		sess_reply_error(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	/* RFC 5321 3.5.3: 252 when we will not verify but will accept. */
	sess_reply(s, R_VRFY);
}

static void
cmd_expn(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	sess_reply_error(s, R_EXPN);
}

static void
cmd_help(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	sess_reply(s, R_HELP);
}

static void
cmd_quit(struct session *s, const char *arg, size_t len)
{
	util_trim_blanks(arg, &len);
	if (len > 0) {
		sess_reply_error(s, R_NO_ARGS);
		return;
	}
	replyf(s, R_BYE, s->cfg.hostname);
	/* A BDAT transaction still open is dropped, not left hanging. */
	sess_tx_reset(s);
	s->state = ST_CLOSED;
}

static void
cmd_unknown(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	sess_reply_error(s, R_UNKNOWN);
}

/* The last row catches every verb not listed (qmail's smtpcommands). */
static const struct verb verbs[] = {
	{ "ehlo", cmd_ehlo },
	{ "helo", cmd_helo },
	{ "mail", cmd_mail },
	{ "rcpt", cmd_rcpt },
	{ "data", sess_cmd_data },
	{ "rset", cmd_rset },
	{ "noop", cmd_noop },
	{ "quit", cmd_quit },
	{ "vrfy", cmd_vrfy },
	{ "expn", cmd_expn },
	{ "help", cmd_help },
	{ "bdat", sess_cmd_bdat },
	{ "lhlo", cmd_lhlo },
	{ NULL, cmd_unknown },
};

/* The ESMTP verbs whose arguments may exceed 512 octets (RFC 1869). */
static bool
verb_long_ok(const struct verb *v)
{
	return v->fn == cmd_mail || v->fn == cmd_rcpt;
}

static void
dispatch(struct session *s, const char *line, size_t len)
{
	const struct verb *v;
	size_t n, i;

	if (s->ops->dialog != NULL)
		s->ops->dialog(s->ctx, '<', line, len);
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	for (v = verbs; v->name != NULL; v++)
		if (util_word_eq(line, n, v->name))
			break;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		/* NUL and other controls have no place in a command;
		 * TAB is tolerated as white space inside arguments.  In
		 * an address they are an address error (RFC 5321 4.1.2). */
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			sess_reply_error(s, v->fn == cmd_mail ?
			    "501 5.1.7 Invalid character in address" :
			    v->fn == cmd_rcpt ?
			    "501 5.1.3 Invalid character in address" :
			    R_BAD_CHAR);
			return;
		}
	}
	if (len > LIMIT_CMDLINE - 2 && !verb_long_ok(v)) {
		sess_reply_error(s, R_TOO_LONG);
		return;
	}
	if (n < len)
		n++;	/* the space after the verb */
	v->fn(s, line + n, len - n);
}

/* ------------------------------------------------------------ public */

struct session *
session_new(const struct session_config *cfg, const struct session_ops *ops,
    void *ctx)
{
	struct session *s;

	if (cfg->max_rcpt == 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->replies = calloc(cfg->max_rcpt, sizeof(*s->replies));
	if (s->replies == NULL || !envelope_alloc(&s->env, cfg->max_rcpt)) {
		free(s->replies);
		free(s);
		return NULL;
	}
	s->cfg = *cfg;
	s->ops = ops;
	s->ctx = ctx;
	s->state = ST_GREETED;
	s->out.data = s->outbuf;
	s->out.cap = sizeof(s->outbuf);
	linereader_init(&s->lr, LIMIT_CMDLINE_EXT - 2);
	return s;
}

void
session_free(struct session **sp)
{
	if (*sp == NULL)
		return;
	envelope_free(&(*sp)->env);
	free((*sp)->replies);
	free(*sp);
	*sp = NULL;
}

void
session_greet(struct session *s)
{
	replyf(s, R_GREETING, s->cfg.hostname);
}

enum session_status
session_feed(struct session *s, const char *in, size_t len,
    size_t *consumed_r)
{
	size_t used = 0;

	while (used < len && s->state != ST_CLOSED) {
		const char *line;
		size_t c, linelen;
		enum lr_status st;

		/* A flood of pipelined commands waits in the kernel, not
		 * in our memory. */
		if (s->out.len >= LIMIT_WRITEBUF) {
			*consumed_r = used;
			return SESSION_FLUSH;
		}
		if (s->state == ST_DATA) {
			used += sess_data_feed(s, in + used, len - used);
			continue;
		}
		if (s->state == ST_CHUNK) {
			used += sess_chunk_feed(s, in + used, len - used);
			continue;
		}
		st = linereader_push(&s->lr, in + used, len - used, &c,
		    &line, &linelen);
		used += c;
		switch (st) {
		case LR_NEED_MORE:
			break;
		case LR_LINE:
			dispatch(s, line, linelen);
			break;
		case LR_TOO_LONG:
			sess_reply_error(s, R_TOO_LONG);
			break;
		case LR_BARE_EOL:
			sess_reply_error(s, R_BARE_EOL);
			break;
		}
	}
	*consumed_r = used;
	return s->state == ST_CLOSED ? SESSION_CLOSE : SESSION_MORE;
}

/* The client is gone or silent: an unfinished message is dropped. */
static void
abandon(struct session *s, const char *why)
{
	if (s->state == ST_DATA)
		s->ops->data_end(s->ctx, false, why, s->dr.octets, s->replies,
		    0);
	else if (s->bdat)
		s->ops->data_end(s->ctx, false, why, s->bdat_octets,
		    s->replies, 0);
}

void
session_eof(struct session *s)
{
	abandon(s, "client disconnected before the end of the data");
	s->state = ST_CLOSED;
}

void
session_timeout(struct session *s)
{
	abandon(s, "timeout before the end of the data");
	replyf(s, R_TIMEOUT, s->cfg.hostname);
	s->state = ST_CLOSED;
}

const char *
session_output(const struct session *s, size_t *len_r)
{
	*len_r = s->out.len;
	return s->out.data;
}

void
session_written(struct session *s, size_t n)
{
	obuf_consume(&s->out, n);
}

bool
session_in_data(const struct session *s)
{
	return s->state == ST_DATA || s->state == ST_CHUNK;
}

bool
session_partial_command(const struct session *s)
{
	return linereader_pending(&s->lr);
}
