/*
 * session.c - the SMTP dialog (RFC 5321), pure: attacker bytes in, replies
 * out, delivery through the ops the caller gave (see session.h).
 *
 * States:
 *   ST_GREETED  220 sent, no HELO/EHLO yet: only HELO, EHLO, RSET, NOOP,
 *               VRFY, HELP, QUIT make sense.
 *   ST_READY    after HELO/EHLO, no transaction.
 *   ST_MAIL     MAIL accepted, no recipient yet.
 *   ST_RCPT     at least one recipient accepted.
 *   ST_DATA     354 sent: bytes go through the DATA reader.
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
#include "replies.h"

enum state {
	ST_GREETED,
	ST_READY,
	ST_MAIL,
	ST_RCPT,
	ST_DATA,
	ST_CLOSED,
};

#define SPOOLBUF_SIZE	(64 * 1024)

struct session {
	struct session_config cfg;
	const struct session_ops *ops;
	void *ctx;
	enum state state;
	bool esmtp;
	unsigned errors;
	struct envelope env;
	struct linereader lr;
	struct dataread dr;
	/* DATA phase: why the message will not be delivered, if so. */
	const char *data_reject;
	int write_errno;
	size_t spool_len;
	char spool[SPOOLBUF_SIZE];
	struct obuf out;
	char outbuf[LIMIT_WRITEBUF];
};

/* Room always kept free in the output for one more reply. */
#define OUT_RESERVE	1024

/* ------------------------------------------------------------ replies */

static void
reply(struct session *s, const char *text)
{
	size_t len = strlen(text);

	if (s->ops->dialog != NULL)
		s->ops->dialog(s->ctx, '>', text, len);
	/* OUT_RESERVE guarantees room; a failure here is a bug, and the
	 * client then sees a missing reply rather than a corrupt one. */
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
	reply(s, line);
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
		reply(s, line);
	}
}

static void
reply_smtp(struct session *s, const struct smtp_reply *r)
{
	char line[sizeof(r->text) + 8];

	snprintf(line, sizeof(line), "%03u %s", r->code, r->text);
	reply(s, line);
}

/*
 * A client mistake: answer and count it.  After max_errors the client is
 * more likely a attacker or a broken program than a sender (Postfix's
 * smtpd_hard_error_limit): 421 and close.
 */
static void
reply_error(struct session *s, const char *text)
{
	reply(s, text);
	if (++s->errors >= s->cfg.max_errors && s->cfg.max_errors > 0) {
		replyf(s, R_TOO_MANY_ERRORS, s->cfg.hostname);
		s->state = ST_CLOSED;
	}
}

/* ----------------------------------------------------------- envelope */

static void
tx_reset(struct session *s)
{
	s->env.sender[0] = '\0';
	s->env.nrcpt = 0;
	s->env.body = BODY_NONE;
	s->env.declared_size = 0;
	if (s->state == ST_MAIL || s->state == ST_RCPT)
		s->state = ST_READY;
}

/* ------------------------------------------------------------- verbs */

struct verb {
	const char *name;	/* lower case */
	void (*fn)(struct session *, const char *arg, size_t arglen);
};

/* Skip one or more spaces; RFC 5321 4.1.1 says one, clients vary. */
static void
skip_sp(const char **p, size_t *len)
{
	while (*len > 0 && **p == ' ') {
		(*p)++;
		(*len)--;
	}
}

static void
trim_trailing_sp(const char *p, size_t *len)
{
	while (*len > 0 && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
		(*len)--;
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

	skip_sp(&arg, &len);
	trim_trailing_sp(arg, &len);
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

	if (!helo_arg(s, arg, len)) {
		reply_error(s, R_HELO_SYNTAX);
		return;
	}
	tx_reset(s);
	s->esmtp = false;
	s->state = ST_READY;
	snprintf(line, sizeof(line), "250 %s", s->cfg.hostname);
	reply(s, line);
}

static void
cmd_ehlo(struct session *s, const char *arg, size_t len)
{
	char first[LIMIT_CMDLINE], size[32];
	const char *lines[6];
	size_t n = 0;

	if (!helo_arg(s, arg, len)) {
		reply_error(s, R_EHLO_SYNTAX);
		return;
	}
	/* RFC 5321 4.1.4: EHLO resets any transaction. */
	tx_reset(s);
	s->esmtp = true;
	s->state = ST_READY;
	snprintf(first, sizeof(first), "%s", s->cfg.hostname);
	snprintf(size, sizeof(size), "SIZE %llu",
	    (unsigned long long)s->cfg.max_size);
	lines[n++] = first;
	lines[n++] = "PIPELINING";
	lines[n++] = size;
	lines[n++] = "8BITMIME";
	lines[n++] = "ENHANCEDSTATUSCODES";
	reply_lines(s, 250, lines, n);
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

/* MAIL parameters we implement: SIZE (RFC 1870), BODY (RFC 6152). */
static const char *
mail_params(struct session *s, const char *p, size_t len)
{
	struct smtp_param params[LIMIT_PARAMS];
	bool seen_size = false, seen_body = false;
	size_t n, i;

	trim_trailing_sp(p, &len);
	if (address_split_params(p, len, params, LIMIT_PARAMS, &n) != ADDR_OK)
		return R_PARAM_BAD;
	if (n > 0 && !s->esmtp)
		return R_PARAM_NO_EHLO;
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];

		if (util_word_eq(pm->key, pm->keylen, "size")) {
			uint64_t v;

			if (seen_size || pm->value == NULL ||
			    !util_parse_u64(pm->value, pm->valuelen,
			    UINT64_MAX, &v))
				return R_SIZE_BAD;
			seen_size = true;
			/* RFC 1870 6.1: refuse at MAIL what we would
			 * refuse after DATA. */
			if (v > s->cfg.max_size)
				return R_SIZE_TOO_BIG;
			s->env.declared_size = v;
		} else if (util_word_eq(pm->key, pm->keylen, "body")) {
			if (seen_body || pm->value == NULL)
				return R_PARAM_BAD;
			seen_body = true;
			if (util_word_eq(pm->value, pm->valuelen, "7bit"))
				s->env.body = BODY_7BIT;
			else if (util_word_eq(pm->value, pm->valuelen,
			    "8bitmime"))
				s->env.body = BODY_8BITMIME;
			else
				return R_PARAM_BAD;
		} else {
			return R_PARAM_UNKNOWN;
		}
	}
	return NULL;
}

static void
cmd_mail(struct session *s, const char *arg, size_t len)
{
	struct smtp_path path;
	const char *rest, *err;
	size_t restlen;
	enum addr_result r;

	if (s->state == ST_GREETED) {
		reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state != ST_READY) {
		reply_error(s, R_NESTED_MAIL);
		return;
	}
	if (!strip_prefix(&arg, &len, "from:")) {
		reply_error(s, R_MAIL_SYNTAX);
		return;
	}
	r = address_parse_path(arg, len, ADDR_F_ALLOW_NULL, &path, &rest,
	    &restlen);
	if (r != ADDR_OK) {
		reply_error(s, addr_reply(r, true));
		return;
	}
	s->env.body = BODY_NONE;
	s->env.declared_size = 0;
	if ((err = mail_params(s, rest, restlen)) != NULL) {
		/* RFC 5321 4.1.4: a refused MAIL changes nothing. */
		s->env.body = BODY_NONE;
		s->env.declared_size = 0;
		if (err[0] == '5' && err[1] == '5' && err[2] == '2')
			reply(s, err);
		else
			reply_error(s, err);
		return;
	}
	memcpy(s->env.sender, path.addr, path.len + 1);
	s->env.nrcpt = 0;
	s->state = ST_MAIL;
	reply(s, R_MAIL_OK);
}

static void
cmd_rcpt(struct session *s, const char *arg, size_t len)
{
	struct smtp_path path;
	const char *rest;
	size_t restlen;
	enum addr_result r;

	if (s->state == ST_GREETED) {
		reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state != ST_MAIL && s->state != ST_RCPT) {
		reply_error(s, R_NEED_MAIL);
		return;
	}
	if (!strip_prefix(&arg, &len, "to:")) {
		reply_error(s, R_RCPT_SYNTAX);
		return;
	}
	r = address_parse_path(arg, len, ADDR_F_ALLOW_POSTMASTER, &path,
	    &rest, &restlen);
	if (r != ADDR_OK) {
		reply_error(s, addr_reply(r, false));
		return;
	}
	trim_trailing_sp(rest, &restlen);
	if (restlen > 0) {
		/* No RCPT parameter is implemented (RFC 5321 4.1.1.3). */
		reply_error(s, R_PARAM_UNKNOWN);
		return;
	}
	/*
	 * One DATA reply speaks for every recipient, so in per-recipient
	 * mode a transaction takes one recipient and the client sends the
	 * rest in the next one (RFC 5321 4.5.3.1.10 allows 452 here).
	 */
	if (s->cfg.per_recipient && s->env.nrcpt >= 1) {
		reply(s, R_ONE_RCPT);
		return;
	}
	if (s->env.nrcpt >= s->cfg.max_rcpt) {
		reply(s, R_TOO_MANY_RCPT);
		return;
	}
	memcpy(s->env.rcpt[s->env.nrcpt++], path.addr, path.len + 1);
	s->state = ST_RCPT;
	reply(s, R_RCPT_OK);
}

static void
cmd_data(struct session *s, const char *arg, size_t len)
{
	struct smtp_reply r;

	if (s->state == ST_GREETED) {
		reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state == ST_READY) {
		reply_error(s, R_NEED_MAIL);
		return;
	}
	if (s->state == ST_MAIL) {
		reply_error(s, R_NEED_RCPT);
		return;
	}
	trim_trailing_sp(arg, &len);
	if (len > 0) {
		reply_error(s, R_NO_ARGS);
		return;
	}
	snprintf(s->env.protocol, sizeof(s->env.protocol), "%s",
	    s->esmtp ? "ESMTP" : "SMTP");
	if (!s->ops->data_begin(s->ctx, &s->env, &r)) {
		reply_smtp(s, &r);
		return;
	}
	dataread_init(&s->dr, s->cfg.crlf);
	s->data_reject = NULL;
	s->write_errno = 0;
	s->spool_len = 0;
	s->state = ST_DATA;
	reply(s, R_DATA_GO);
}

static void
cmd_rset(struct session *s, const char *arg, size_t len)
{
	trim_trailing_sp(arg, &len);
	if (len > 0) {
		reply_error(s, R_NO_ARGS);
		return;
	}
	tx_reset(s);
	reply(s, R_RSET);
}

static void
cmd_noop(struct session *s, const char *arg, size_t len)
{
	/* RFC 5321 4.1.1.9: a NOOP argument is ignored. */
	(void)arg;
	(void)len;
	reply(s, R_NOOP);
}

static void
cmd_vrfy(struct session *s, const char *arg, size_t len)
{
	trim_trailing_sp(arg, &len);
	skip_sp(&arg, &len);
	if (len == 0) {
		reply_error(s, "501 5.5.4 Syntax: VRFY address");
		return;
	}
	/* RFC 5321 3.5.3: 252 when we will not verify but will accept. */
	reply(s, R_VRFY);
}

static void
cmd_expn(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	reply_error(s, R_EXPN);
}

static void
cmd_help(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	reply(s, R_HELP);
}

static void
cmd_quit(struct session *s, const char *arg, size_t len)
{
	trim_trailing_sp(arg, &len);
	if (len > 0) {
		reply_error(s, R_NO_ARGS);
		return;
	}
	replyf(s, R_BYE, s->cfg.hostname);
	s->state = ST_CLOSED;
}

static void
cmd_unknown(struct session *s, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	reply_error(s, R_UNKNOWN);
}

/* The last row catches every verb not listed (qmail's smtpcommands). */
static const struct verb verbs[] = {
	{ "ehlo", cmd_ehlo },
	{ "helo", cmd_helo },
	{ "mail", cmd_mail },
	{ "rcpt", cmd_rcpt },
	{ "data", cmd_data },
	{ "rset", cmd_rset },
	{ "noop", cmd_noop },
	{ "quit", cmd_quit },
	{ "vrfy", cmd_vrfy },
	{ "expn", cmd_expn },
	{ "help", cmd_help },
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
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		/* NUL and other controls have no place in a command;
		 * TAB is tolerated as white space inside arguments. */
		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			reply_error(s, R_BAD_CHAR);
			return;
		}
	}
	for (n = 0; n < len && line[n] != ' '; n++)
		;
	for (v = verbs; v->name != NULL; v++)
		if (util_word_eq(line, n, v->name))
			break;
	if (len > LIMIT_CMDLINE - 2 && !verb_long_ok(v)) {
		reply_error(s, R_TOO_LONG);
		return;
	}
	if (n < len)
		n++;	/* the space after the verb */
	v->fn(s, line + n, len - n);
}

/* -------------------------------------------------------------- DATA */

static void
spool_flush(struct session *s)
{
	int err;

	if (s->spool_len == 0)
		return;
	if (s->data_reject == NULL) {
		err = s->ops->data_write(s->ctx, s->spool, s->spool_len);
		if (err != 0) {
			s->write_errno = err;
			s->data_reject = "spool write failed";
		}
	}
	s->spool_len = 0;
}

static void
data_finish(struct session *s)
{
	struct smtp_reply r;
	const char *why = s->data_reject;

	spool_flush(s);
	if (why == NULL && s->dr.saw_bare_lf && s->cfg.bare_lf_reject)
		why = "bare LF";
	if (why == NULL && s->dr.octets > s->cfg.max_size)
		why = "message too big";
	if (why == NULL) {
		s->ops->data_end(s->ctx, true, NULL, s->dr.octets, &r);
		reply_smtp(s, &r);
	} else {
		s->ops->data_end(s->ctx, false, why, s->dr.octets, &r);
		if (s->write_errno != 0)
			reply(s, R_NO_SPACE);
		else if (s->dr.octets > s->cfg.max_size)
			reply(s, R_MSG_TOO_BIG);
		else
			reply(s, R_BARE_LF_MSG);
	}
	/* RFC 5321 4.1.1.4: after the reply the transaction is over. */
	s->state = ST_READY;
	tx_reset(s);
}

/* Returns how much input the DATA phase consumed. */
static size_t
data_feed(struct session *s, const char *in, size_t len)
{
	size_t used = 0;

	while (used < len) {
		size_t c, p;
		enum dr_status st;

		st = dataread_push(&s->dr, in + used, len - used,
		    s->spool + s->spool_len, sizeof(s->spool) - s->spool_len,
		    &c, &p);
		used += c;
		/* Past the limit we keep reading to the end of the data
		 * but stop storing (RFC 1870 6.3; OpenSMTPD drains too). */
		if (s->dr.octets > s->cfg.max_size && s->data_reject == NULL)
			s->data_reject = "message too big";
		if (s->data_reject == NULL)
			s->spool_len += p;
		if (st == DR_END) {
			data_finish(s);
			break;
		}
		if (st == DR_OUT_FULL)
			spool_flush(s);
	}
	return used;
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
	s->env.rcpt = calloc(cfg->max_rcpt, sizeof(*s->env.rcpt));
	if (s->env.rcpt == NULL) {
		free(s);
		return NULL;
	}
	s->env.max_rcpt = cfg->max_rcpt;
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
	free((*sp)->env.rcpt);
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

		/* Keep room for the next reply; a flood of pipelined
		 * commands waits in the kernel, not in our memory. */
		if (s->out.cap - s->out.len < OUT_RESERVE) {
			*consumed_r = used;
			return SESSION_FLUSH;
		}
		if (s->state == ST_DATA) {
			used += data_feed(s, in + used, len - used);
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
			reply_error(s, R_TOO_LONG);
			break;
		case LR_BARE_EOL:
			reply_error(s, R_BARE_EOL);
			break;
		}
	}
	*consumed_r = used;
	return s->state == ST_CLOSED ? SESSION_CLOSE : SESSION_MORE;
}

void
session_eof(struct session *s)
{
	struct smtp_reply r;

	if (s->state == ST_DATA)
		s->ops->data_end(s->ctx, false, "client disconnected in DATA",
		    s->dr.octets, &r);
	s->state = ST_CLOSED;
}

void
session_timeout(struct session *s)
{
	struct smtp_reply r;

	if (s->state == ST_DATA)
		s->ops->data_end(s->ctx, false, "timeout in DATA",
		    s->dr.octets, &r);
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
	return s->state == ST_DATA;
}

const char *
envelope_body_name(enum body_type b)
{
	switch (b) {
	case BODY_7BIT:
		return "7BIT";
	case BODY_8BITMIME:
		return "8BITMIME";
	case BODY_BINARYMIME:
		return "BINARYMIME";
	case BODY_NONE:
		break;
	}
	return "";
}
