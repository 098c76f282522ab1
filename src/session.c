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
#include "ipc.h"
#include "replies.h"

enum state {
	ST_GREETED,
	ST_READY,
	ST_MAIL,
	ST_RCPT,
	ST_DATA,
	ST_CHUNK,
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
	/* BDAT: the transaction has chunks; the current chunk. */
	bool bdat;
	bool chunk_last;
	bool chunk_cr;		/* a CR ended the previous chunk */
	const char *chunk_refusal;	/* discard the chunk, then say this */
	char refusal_buf[sizeof(((struct smtp_reply *)0)->text) + 8];
	uint64_t chunk_left;
	uint64_t bdat_octets;
	enum state chunk_prev;	/* the state to go back to after a chunk */
	unsigned chunk_replies;	/* how often to say chunk_refusal */
	struct smtp_reply *replies;	/* max_rcpt entries, for LMTP */
	size_t spool_len;
	char spool[SPOOLBUF_SIZE];
	struct obuf out;
	/* Pending replies: flushed at LIMIT_WRITEBUF, with room above that
	 * for the longest burst one command can cause (LMTP: a reply per
	 * recipient). */
	char outbuf[LIMIT_WRITEBUF + LIMIT_RCPT_MAX * (LIMIT_CMD_REPLY + 48)];
};

static void chunk_done(struct session *s);
static void tx_reset(struct session *s);
static void spool_flush(struct session *s);

/* ------------------------------------------------------------ replies */

static void
reply(struct session *s, const char *text)
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
    __attribute__((unused));
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
		if (s->state != ST_DATA && s->state != ST_CHUNK)
			tx_reset(s);
		s->state = ST_CLOSED;
	}
}

/* ----------------------------------------------------------- envelope */

/* The transaction is over and the supervisor knows (after data_end). */
static void
tx_clear(struct session *s)
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
static void
tx_reset(struct session *s)
{
	if (s->bdat)
		s->ops->data_end(s->ctx, false, "transaction reset during BDAT",
		    s->bdat_octets, s->replies, 0);
	else if (s->state == ST_MAIL || s->state == ST_RCPT)
		s->ops->reset(s->ctx);
	tx_clear(s);
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

	if (s->cfg.lmtp) {
		/* RFC 2033 4.1: an LMTP server speaks only after LHLO. */
		reply_error(s, "500 5.5.1 This is LMTP: use LHLO");
		return;
	}
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
		reply_error(s, R_UNKNOWN);
		return;
	}
	if (!helo_arg(s, arg, len)) {
		reply_error(s, "501 5.5.4 Syntax: LHLO hostname");
		return;
	}
	tx_reset(s);
	s->esmtp = true;
	s->state = ST_READY;
	ehlo_reply(s);
}

static void
cmd_ehlo(struct session *s, const char *arg, size_t len)
{
	if (s->cfg.lmtp) {
		reply_error(s, "500 5.5.1 This is LMTP: use LHLO");
		return;
	}
	if (!helo_arg(s, arg, len)) {
		reply_error(s, R_EHLO_SYNTAX);
		return;
	}
	/* RFC 5321 4.1.4: EHLO resets any transaction. */
	tx_reset(s);
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

#define R_DUP_PARAM	"555 5.5.4 Duplicate parameter"

/*
 * MAIL parameters we implement: SIZE (RFC 1870), BODY (RFC 6152, 3030),
 * SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461).  Returns NULL or the
 * reply that refuses the command.
 */
static const char *
mail_params(struct session *s, const char *p, size_t len)
{
	struct smtp_param params[LIMIT_PARAMS];
	unsigned seen = 0;
	size_t n, i;

	trim_trailing_sp(p, &len);
	if (address_split_params(p, len, params, LIMIT_PARAMS, &n) != ADDR_OK)
		return R_PARAM_BAD;
	if (n > 0 && !s->esmtp)
		return R_PARAM_NO_EHLO;
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];
		const char *v = pm->value;
		size_t vl = pm->valuelen;
		unsigned bit;

		if (util_word_eq(pm->key, pm->keylen, "size"))
			bit = 1;
		else if (util_word_eq(pm->key, pm->keylen, "body"))
			bit = 2;
		else if (util_word_eq(pm->key, pm->keylen, "smtputf8") &&
		    s->cfg.smtputf8)
			bit = 4;
		else if (util_word_eq(pm->key, pm->keylen, "ret") &&
		    s->cfg.dsn)
			bit = 8;
		else if (util_word_eq(pm->key, pm->keylen, "envid") &&
		    s->cfg.dsn)
			bit = 16;
		else
			return R_PARAM_UNKNOWN;
		if (seen & bit)
			return R_DUP_PARAM;
		seen |= bit;
		switch (bit) {
		case 1: {
			uint64_t size;

			if (v == NULL ||
			    !util_parse_u64(v, vl, UINT64_MAX, &size))
				return R_SIZE_BAD;
			/* RFC 1870 6.1: refuse at MAIL what we would
			 * refuse after the data. */
			if (size > s->cfg.max_size)
				return R_SIZE_TOO_BIG;
			s->env.declared_size = size;
			break;
		}
		case 2:
			if (v == NULL)
				return R_PARAM_BAD;
			if (util_word_eq(v, vl, "7bit"))
				s->env.body = BODY_7BIT;
			else if (util_word_eq(v, vl, "8bitmime"))
				s->env.body = BODY_8BITMIME;
			else if (util_word_eq(v, vl, "binarymime") &&
			    s->cfg.chunking)
				s->env.body = BODY_BINARYMIME;
			else
				return "555 5.5.4 Unsupported BODY type";
			break;
		case 4:
			/* RFC 6531 3.4: SMTPUTF8 takes no value. */
			if (v != NULL)
				return R_PARAM_BAD;
			s->env.smtputf8 = true;
			break;
		case 8:
			if (v != NULL && util_word_eq(v, vl, "full"))
				snprintf(s->env.dsn_ret, sizeof(s->env.dsn_ret),
				    "FULL");
			else if (v != NULL && util_word_eq(v, vl, "hdrs"))
				snprintf(s->env.dsn_ret, sizeof(s->env.dsn_ret),
				    "HDRS");
			else
				return "555 5.5.4 RET must be FULL or HDRS";
			break;
		case 16:
			/* RFC 3461 4.4: xtext, at most 100 characters. */
			if (v == NULL || vl > LIMIT_ENVID ||
			    !util_xtext_decode(v, vl, s->env.dsn_envid,
			    sizeof(s->env.dsn_envid)))
				return "555 5.5.4 Malformed ENVID";
			break;
		}
	}
	return NULL;
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
	r = address_parse_path(arg, len, ADDR_F_ALLOW_NULL |
	    (s->cfg.smtputf8 ? ADDR_F_UTF8 : 0), &path, &rest, &restlen);
	if (r != ADDR_OK) {
		reply_error(s, addr_reply(r, true));
		return;
	}
	envelope_reset(&s->env);
	if ((err = mail_params(s, rest, restlen)) != NULL) {
		/* RFC 5321 4.1.4: a refused MAIL changes nothing. */
		envelope_reset(&s->env);
		if (strncmp(err, "552", 3) == 0)
			reply(s, err);
		else
			reply_error(s, err);
		return;
	}
	/* RFC 6531 3.4: UTF-8 only in a transaction that said SMTPUTF8. */
	if (path.is_utf8 && !s->env.smtputf8) {
		envelope_reset(&s->env);
		reply_error(s, addr_reply(ADDR_NON_ASCII, true));
		return;
	}
	memcpy(s->env.sender, path.addr, path.len + 1);
	set_protocol(s);
	s->state = ST_MAIL;
	s->ops->mail(s->ctx, &s->env);
	reply(s, R_MAIL_OK);
}

/* RFC 3461 4.1: NOTIFY=NEVER, or a list of SUCCESS, FAILURE, DELAY. */
static bool
notify_param(const char *v, size_t vl, char *out, size_t cap)
{
	static const char *const words[] = { "success", "failure", "delay" };
	unsigned seen = 0;
	size_t i = 0, o = 0;

	if (util_word_eq(v, vl, "never")) {
		snprintf(out, cap, "NEVER");
		return true;
	}
	while (i < vl) {
		size_t j = i, w;

		while (j < vl && v[j] != ',')
			j++;
		for (w = 0; w < 3; w++)
			if (util_word_eq(v + i, j - i, words[w]))
				break;
		if (w == 3 || (seen & (1u << w)))
			return false;
		seen |= 1u << w;
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "," : "",
		    w == 0 ? "SUCCESS" : w == 1 ? "FAILURE" : "DELAY");
		if (j == vl)
			return true;
		i = j + 1;
		if (i == vl)
			return false;	/* a trailing comma */
	}
	return false;
}

/* RFC 3461 4.2: ORCPT=addr-type ";" xtext. */
static bool
orcpt_param(const char *v, size_t vl, char *out, size_t cap)
{
	size_t semi, i;

	for (semi = 0; semi < vl && v[semi] != ';'; semi++)
		;
	if (semi == 0 || semi == vl || semi + 1 >= cap || vl > LIMIT_ORCPT)
		return false;
	for (i = 0; i < semi; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	memcpy(out, v, semi + 1);
	return util_xtext_decode(v + semi + 1, vl - semi - 1, out + semi + 1,
	    cap - semi - 1);
}

static const char *
rcpt_params(struct session *s, unsigned idx, const char *p, size_t len)
{
	struct smtp_param params[LIMIT_PARAMS];
	bool notify = false, orcpt = false;
	size_t n, i;

	s->env.dsn_notify[idx][0] = '\0';
	s->env.dsn_orcpt[idx][0] = '\0';
	trim_trailing_sp(p, &len);
	if (address_split_params(p, len, params, LIMIT_PARAMS, &n) != ADDR_OK)
		return R_PARAM_BAD;
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];

		/* RFC 5321 4.1.1.3: no RCPT parameter unless an extension
		 * we advertised defines it. */
		if (!s->cfg.dsn || pm->value == NULL)
			return R_PARAM_UNKNOWN;
		if (util_word_eq(pm->key, pm->keylen, "notify")) {
			if (notify)
				return R_DUP_PARAM;
			notify = true;
			if (!notify_param(pm->value, pm->valuelen,
			    s->env.dsn_notify[idx],
			    sizeof(s->env.dsn_notify[idx])))
				return "555 5.5.4 Malformed NOTIFY";
		} else if (util_word_eq(pm->key, pm->keylen, "orcpt")) {
			if (orcpt)
				return R_DUP_PARAM;
			orcpt = true;
			if (!orcpt_param(pm->value, pm->valuelen,
			    s->env.dsn_orcpt[idx],
			    sizeof(s->env.dsn_orcpt[idx])))
				return "555 5.5.4 Malformed ORCPT";
		} else {
			return R_PARAM_UNKNOWN;
		}
	}
	return NULL;
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
		reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state != ST_MAIL && (s->state != ST_RCPT || s->bdat)) {
		reply_error(s, s->bdat ? "503 5.5.1 RCPT after BDAT" :
		    R_NEED_MAIL);
		return;
	}
	if (!strip_prefix(&arg, &len, "to:")) {
		reply_error(s, R_RCPT_SYNTAX);
		return;
	}
	ar = address_parse_path(arg, len, ADDR_F_ALLOW_POSTMASTER |
	    (s->cfg.smtputf8 ? ADDR_F_UTF8 : 0), &path, &rest, &restlen);
	if (ar == ADDR_OK && path.is_utf8 && !s->env.smtputf8)
		ar = ADDR_NON_ASCII;
	if (ar != ADDR_OK) {
		reply_error(s, addr_reply(ar, false));
		return;
	}
	/*
	 * One DATA reply speaks for every recipient, so in per-recipient
	 * mode a transaction takes one recipient and the client sends the
	 * rest in the next one (RFC 5321 4.5.3.1.10 allows 452 here).
	 * LMTP answers per recipient, so it needs no such limit.
	 */
	if (s->cfg.per_recipient && !s->cfg.lmtp && i >= 1) {
		reply(s, R_ONE_RCPT);
		return;
	}
	if (i >= s->cfg.max_rcpt) {
		reply(s, R_TOO_MANY_RCPT);
		return;
	}
	if ((err = rcpt_params(s, i, rest, restlen)) != NULL) {
		reply_error(s, err);
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
	reply_smtp(s, &r);
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
	/* RFC 3030 2: no mixing DATA and BDAT in one transaction, and
	 * BINARYMIME content can only be sent with BDAT. */
	if (s->bdat) {
		reply_error(s, "503 5.5.1 DATA not allowed after BDAT");
		return;
	}
	if (s->env.body == BODY_BINARYMIME) {
		reply_error(s, "503 5.5.1 BODY=BINARYMIME needs BDAT");
		return;
	}
	trim_trailing_sp(arg, &len);
	if (len > 0) {
		reply_error(s, R_NO_ARGS);
		return;
	}
	if (!s->ops->data_begin(s->ctx, &r)) {
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

/*
 * RFC 3030 2: "BDAT" SP chunk-size [ SP end-marker ], chunk-size 1*DIGIT,
 * end-marker "LAST".  The chunk follows the CR LF at once.  A BDAT we
 * refuse still has its chunk read and thrown away, so the octets are
 * never taken for commands.
 */
static void
cmd_bdat(struct session *s, const char *arg, size_t len)
{
	struct smtp_reply r;
	uint64_t size;
	size_t n;
	bool last = false;

	if (!s->cfg.chunking) {
		reply_error(s, R_UNKNOWN);
		return;
	}
	trim_trailing_sp(arg, &len);
	for (n = 0; n < len && arg[n] != ' '; n++)
		;
	if (n < len) {
		const char *m = arg + n;
		size_t ml = len - n;

		skip_sp(&m, &ml);
		if (!util_word_eq(m, ml, "last")) {
			reply_error(s, "501 5.5.4 Syntax: BDAT size [LAST]");
			return;
		}
		last = true;
	}
	/* A size we cannot read leaves us no way to find the chunk's end:
	 * refuse it, and the session reads on as commands. */
	if (!util_parse_u64(arg, n, UINT64_MAX, &size)) {
		reply_error(s, "501 5.5.4 Syntax: BDAT size [LAST]");
		return;
	}
	s->chunk_left = size;
	s->chunk_last = last;
	s->chunk_refusal = NULL;
	s->chunk_replies = 1;
	if (s->state != ST_RCPT) {
		s->chunk_refusal = s->state == ST_MAIL ?
		    "503 5.5.1 Need RCPT before BDAT" :
		    s->state == ST_GREETED ? R_NEED_HELO :
		    "503 5.5.1 Need MAIL and RCPT before BDAT";
		s->errors++;
	} else if (size > s->cfg.max_size - s->bdat_octets) {
		/* RFC 3030 2: read the chunk, then 552; the transaction
		 * is over.  On the last chunk, LMTP owes a reply per
		 * recipient (RFC 2033 4.2). */
		s->chunk_refusal = R_MSG_TOO_BIG;
		if (last && s->cfg.lmtp)
			s->chunk_replies = s->env.nrcpt;
		if (s->bdat) {
			s->ops->data_end(s->ctx, false, "message too big",
			    s->bdat_octets, s->replies, 0);
			tx_clear(s);
		} else {
			tx_reset(s);
		}
	} else if (!s->bdat) {
		if (!s->ops->data_begin(s->ctx, &r)) {
			snprintf(s->refusal_buf, sizeof(s->refusal_buf),
			    "%03u %s", r.code, r.text);
			s->chunk_refusal = s->refusal_buf;
			tx_reset(s);
		} else {
			s->bdat = true;
			s->data_reject = NULL;
			s->write_errno = 0;
			s->spool_len = 0;
		}
	}
	s->chunk_prev = s->state;
	s->state = ST_CHUNK;
	if (size == 0)
		chunk_done(s);
}

static void data_finish(struct session *s, uint64_t size, bool bare_lf);

/* The chunk was read: answer it. */
static void
chunk_done(struct session *s)
{
	char line[64];

	s->state = s->chunk_prev;
	if (s->chunk_refusal != NULL) {
		unsigned i;

		for (i = 0; i < s->chunk_replies; i++)
			reply(s, s->chunk_refusal);
		s->chunk_refusal = NULL;
		return;
	}
	if (!s->chunk_last) {
		snprintf(line, sizeof(line), "250 2.0.0 %llu octets received",
		    (unsigned long long)s->bdat_octets);
		reply(s, line);
		return;
	}
	if (s->chunk_cr) {
		/* A CR at the very end of the message was bare. */
		if (s->spool_len == sizeof(s->spool))
			spool_flush(s);
		s->spool[s->spool_len++] = '\r';
	}
	data_finish(s, s->bdat_octets, false);
}

/*
 * Chunk octets: counted, and stored as they are except that CR LF
 * becomes LF (unless --crlf, or BODY=BINARYMIME where every octet is
 * content), across chunk boundaries too.
 */
static size_t
chunk_feed(struct session *s, const char *in, size_t len)
{
	size_t take = len < s->chunk_left ? len : (size_t)s->chunk_left;
	bool convert = !s->cfg.crlf && s->env.body != BODY_BINARYMIME;
	size_t i = 0;

	if (s->chunk_refusal == NULL) {
		s->bdat_octets += take;
		while (i < take) {
			size_t room, n, k;

			if (sizeof(s->spool) - s->spool_len < 2)
				spool_flush(s);
			if (s->chunk_cr) {
				s->chunk_cr = false;
				if (in[i] == '\n') {
					s->spool[s->spool_len++] = '\n';
					i++;
					continue;
				}
				s->spool[s->spool_len++] = '\r';
				continue;
			}
			if (convert && in[i] == '\r') {
				s->chunk_cr = true;
				i++;
				continue;
			}
			/* A run up to the next CR, as room allows. */
			room = sizeof(s->spool) - s->spool_len;
			n = take - i < room ? take - i : room;
			for (k = 1; k < n && (!convert || in[i + k] != '\r');
			    k++)
				;
			memcpy(s->spool + s->spool_len, in + i, k);
			s->spool_len += k;
			i += k;
		}
	}
	s->chunk_left -= take;
	if (s->chunk_left == 0)
		chunk_done(s);
	return take;
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
	/* A BDAT transaction still open is dropped, not left hanging. */
	tx_reset(s);
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
	{ "bdat", cmd_bdat },
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
			reply_error(s, v->fn == cmd_mail ?
			    "501 5.1.7 Invalid character in address" :
			    v->fn == cmd_rcpt ?
			    "501 5.1.3 Invalid character in address" :
			    R_BAD_CHAR);
			return;
		}
	}
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
data_finish(struct session *s, uint64_t size, bool bare_lf)
{
	/* LMTP (RFC 2033 4.2): one reply per accepted recipient. */
	unsigned n = s->cfg.lmtp ? s->env.nrcpt : 1, i;
	const char *why;

	spool_flush(s);
	why = s->data_reject;
	if (why == NULL && bare_lf && s->cfg.bare_lf_reject)
		why = "bare LF";
	if (why == NULL && size > s->cfg.max_size)
		why = "message too big";
	if (why == NULL) {
		s->ops->data_end(s->ctx, true, NULL, size, s->replies, n);
		for (i = 0; i < n; i++)
			reply_smtp(s, &s->replies[i]);
	} else {
		const char *refusal = s->write_errno != 0 ? R_NO_SPACE :
		    size > s->cfg.max_size ? R_MSG_TOO_BIG : R_BARE_LF_MSG;

		s->ops->data_end(s->ctx, false, why, size, s->replies, 0);
		for (i = 0; i < n; i++)
			reply(s, refusal);
	}
	/* RFC 5321 4.1.1.4: after the reply the transaction is over. */
	s->state = ST_READY;
	tx_clear(s);
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
			data_finish(s, s->dr.octets, s->dr.saw_bare_lf);
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
			used += data_feed(s, in + used, len - used);
			continue;
		}
		if (s->state == ST_CHUNK) {
			used += chunk_feed(s, in + used, len - used);
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
