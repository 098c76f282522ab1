/*
 * ipc.c - encoding and validating decoding of supervisor records (see
 * ipc.h).  Pure.  The decoders read what a compromised session process
 * may have written: nothing is trusted, nothing is copied unchecked.
 */
#include "config.h"

#include "ipc.h"

#include <string.h>

#include "address.h"

/* ------------------------------------------------------------ encoding */

struct enc {
	struct obuf *out;
	size_t start;
	bool ok;
};

static void
enc_begin(struct enc *e, struct obuf *out, enum ipc_type type)
{
	uint32_t hdr[2] = { (uint32_t)type, 0 };

	e->out = out;
	e->start = out->len;
	e->ok = obuf_add(out, hdr, sizeof(hdr));
}

static void
enc_u32(struct enc *e, uint32_t v)
{
	if (e->ok)
		e->ok = obuf_add(e->out, &v, sizeof(v));
}

static void
enc_u64(struct enc *e, uint64_t v)
{
	if (e->ok)
		e->ok = obuf_add(e->out, &v, sizeof(v));
}

static void
enc_str(struct enc *e, const char *s)
{
	size_t n = strlen(s);

	enc_u32(e, (uint32_t)n);
	if (e->ok)
		e->ok = obuf_add(e->out, s, n);
}

static bool
enc_end(struct enc *e)
{
	uint32_t len;

	if (e->ok && e->out->len - e->start - IPC_HDR > IPC_MAX_RECORD)
		e->ok = false;
	if (!e->ok) {
		e->out->len = e->start;
		return false;
	}
	len = (uint32_t)(e->out->len - e->start - IPC_HDR);
	memcpy(e->out->data + e->start + 4, &len, sizeof(len));
	return true;
}

bool
ipc_encode_data_begin(struct obuf *out)
{
	struct enc e;

	enc_begin(&e, out, IPC_DATA_BEGIN);
	return enc_end(&e);
}

bool
ipc_encode_rset(struct obuf *out)
{
	struct enc e;

	enc_begin(&e, out, IPC_RSET);
	return enc_end(&e);
}

bool
ipc_encode_mail(struct obuf *out, const struct envelope *env)
{
	struct enc e;

	enc_begin(&e, out, IPC_MAIL);
	enc_str(&e, env->helo);
	enc_str(&e, env->protocol);
	enc_u32(&e, env->smtputf8 ? 1 : 0);
	enc_str(&e, env->sender);
	enc_u32(&e, (uint32_t)env->body);
	enc_u64(&e, env->declared_size);
	enc_str(&e, env->dsn_ret);
	enc_str(&e, env->dsn_envid);
	return enc_end(&e);
}

bool
ipc_encode_rcpt(struct obuf *out, const struct envelope *env, unsigned i)
{
	struct enc e;

	enc_begin(&e, out, IPC_RCPT);
	enc_str(&e, env->rcpt[i]);
	enc_str(&e, env->dsn_notify[i]);
	enc_str(&e, env->dsn_orcpt[i]);
	return enc_end(&e);
}

bool
ipc_encode_spool(struct obuf *out, const struct ipc_spool *sp)
{
	struct enc e;

	enc_begin(&e, out, IPC_SPOOL);
	enc_u32(&e, sp->ok ? 1 : 0);
	if (sp->ok) {
		enc_str(&e, sp->queue_id);
	} else {
		enc_u32(&e, sp->refusal.code);
		enc_str(&e, sp->refusal.text);
	}
	return enc_end(&e);
}

bool
ipc_encode_data_end(struct obuf *out, const struct ipc_data_end *de)
{
	struct enc e;

	enc_begin(&e, out, IPC_DATA_END);
	enc_u32(&e, de->deliver ? 1 : 0);
	enc_u64(&e, de->size);
	enc_str(&e, de->why);
	return enc_end(&e);
}

bool
ipc_encode_result(struct obuf *out, const struct ipc_reply *r)
{
	struct enc e;

	enc_begin(&e, out, IPC_RESULT);
	enc_u32(&e, r->code);
	enc_str(&e, r->text);
	return enc_end(&e);
}

bool
ipc_encode_log(struct obuf *out, uint32_t prio, const char *text)
{
	struct enc e;

	enc_begin(&e, out, IPC_LOG);
	enc_u32(&e, prio);
	enc_str(&e, text);
	return enc_end(&e);
}

/* ------------------------------------------------------------ decoding */

struct dec {
	const char *p;
	size_t len;
	bool ok;
};

/* A fixed-size field; zeroes and a failed cursor when it is short. */
static void
dec_raw(struct dec *d, void *out, size_t n)
{
	if (!d->ok || d->len < n) {
		d->ok = false;
		memset(out, 0, n);
		return;
	}
	memcpy(out, d->p, n);
	d->p += n;
	d->len -= n;
}

static uint32_t
dec_u32(struct dec *d)
{
	uint32_t v;

	dec_raw(d, &v, sizeof(v));
	return v;
}

static uint64_t
dec_u64(struct dec *d)
{
	uint64_t v;

	dec_raw(d, &v, sizeof(v));
	return v;
}

/* Character classes a string field may hold. */
enum chars {
	CH_TOKEN,	/* printable ASCII, no space (HELO, ids) */
	CH_ADDR,	/* printable ASCII and space (quoted local parts) */
	CH_ADDR_UTF8,	/* the same, or well-formed UTF-8 (SMTPUTF8) */
	CH_TEXT,	/* printable ASCII, space, TAB (log, reply text) */
};

static bool
chars_ok(const char *s, size_t n, enum chars cls)
{
	size_t i;

	if (cls == CH_ADDR_UTF8 && !util_utf8_valid(s, n))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f)
			continue;
		if (c >= 0x80 && cls == CH_ADDR_UTF8)
			continue;
		if (c == ' ' && cls != CH_TOKEN)
			continue;
		if (c == '\t' && cls == CH_TEXT)
			continue;
		return false;
	}
	return true;
}

/* Copy a string field into dst (cap includes the NUL). */
static void
dec_str(struct dec *d, char *dst, size_t cap, enum chars cls)
{
	uint32_t n = dec_u32(d);

	if (!d->ok || n >= cap || n > d->len || !chars_ok(d->p, n, cls)) {
		d->ok = false;
		if (cap > 0)
			dst[0] = '\0';
		return;
	}
	memcpy(dst, d->p, n);
	dst[n] = '\0';
	d->p += n;
	d->len -= n;
}

static bool
dec_done(struct dec *d)
{
	/* Trailing junk is as suspect as a short record. */
	return d->ok && d->len == 0;
}

enum ipc_type
ipc_decode_header(const char *p, size_t len, const char **payload_r,
    size_t *plen_r)
{
	uint32_t type, plen;

	if (len < IPC_HDR)
		return 0;
	memcpy(&type, p, 4);
	memcpy(&plen, p + 4, 4);
	if (plen != len - IPC_HDR || plen > IPC_MAX_RECORD)
		return 0;
	if (type < IPC_DATA_BEGIN || type > IPC_TYPE_MAX)
		return 0;
	*payload_r = p + IPC_HDR;
	*plen_r = plen;
	return (enum ipc_type)type;
}

/*
 * An address must be one the session's parser would have produced: we
 * parse it again (the parser is pure and bounded), so a subverted session
 * cannot slip in "a@b, c@d", a bare "root" or anything else the grammar
 * does not allow, let alone a leading '-'.
 */
static bool
addr_ok(const char *a, bool sender, bool utf8)
{
	char buf[LIMIT_ADDR_BUF + 2];
	struct smtp_path path;
	const char *rest;
	size_t n = strlen(a), restlen;

	if (n == 0)
		return sender;
	if (n >= LIMIT_ADDR_BUF)
		return false;
	buf[0] = '<';
	memcpy(buf + 1, a, n);
	buf[n + 1] = '>';
	if (address_parse_path(buf, n + 2, (sender ? 0 :
	    ADDR_F_ALLOW_POSTMASTER) | (utf8 ? ADDR_F_UTF8 : 0), &path, &rest,
	    &restlen) != ADDR_OK)
		return false;
	return restlen == 0 && path.len == n && memcmp(path.addr, a, n) == 0;
}

static bool
word_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' &&
		    s[i] <= '9')))
			return false;
	return i > 0;
}

bool
ipc_decode_data_begin(const char *p, size_t len)
{
	(void)p;
	return len == 0;
}

bool
ipc_decode_mail(const char *p, size_t len, struct envelope *env)
{
	struct dec d = { p, len, true };
	uint32_t utf8, body;

	envelope_reset(env);
	dec_str(&d, env->helo, sizeof(env->helo), CH_TOKEN);
	dec_str(&d, env->protocol, sizeof(env->protocol), CH_TOKEN);
	/* The SMTPUTF8 flag decides what the sender may hold. */
	utf8 = dec_u32(&d);
	dec_str(&d, env->sender, sizeof(env->sender),
	    utf8 == 1 ? CH_ADDR_UTF8 : CH_ADDR);
	body = dec_u32(&d);
	env->declared_size = dec_u64(&d);
	dec_str(&d, env->dsn_ret, sizeof(env->dsn_ret), CH_TOKEN);
	dec_str(&d, env->dsn_envid, sizeof(env->dsn_envid), CH_ADDR);
	if (!dec_done(&d) || utf8 > 1 || body > BODY_BINARYMIME ||
	    env->helo[0] == '\0' || !word_ok(env->protocol) ||
	    !addr_ok(env->sender, true, utf8 == 1) || (env->dsn_ret[0] != '\0' &&
	    strcmp(env->dsn_ret, "FULL") != 0 &&
	    strcmp(env->dsn_ret, "HDRS") != 0)) {
		envelope_reset(env);
		return false;
	}
	env->smtputf8 = utf8 == 1;
	env->body = (enum body_type)body;
	return true;
}

static bool
notify_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || *s == ','))
			return false;
	return true;
}

bool
ipc_decode_rcpt(const char *p, size_t len, struct envelope *env)
{
	struct dec d = { p, len, true };
	enum chars cls = env->smtputf8 ? CH_ADDR_UTF8 : CH_ADDR;
	unsigned i = env->nrcpt;

	if (i >= env->max_rcpt)
		return false;
	dec_str(&d, env->rcpt[i], sizeof(env->rcpt[i]), cls);
	dec_str(&d, env->dsn_notify[i], sizeof(env->dsn_notify[i]), CH_TOKEN);
	dec_str(&d, env->dsn_orcpt[i], sizeof(env->dsn_orcpt[i]), cls);
	return dec_done(&d) && addr_ok(env->rcpt[i], false, env->smtputf8) &&
	    notify_ok(env->dsn_notify[i]);
}

bool
ipc_decode_spool(const char *p, size_t len, struct ipc_spool *sp)
{
	struct dec d = { p, len, true };
	uint32_t ok = dec_u32(&d);

	sp->ok = ok == 1;
	if (ok > 1)
		return false;
	if (sp->ok) {
		dec_str(&d, sp->queue_id, sizeof(sp->queue_id), CH_TOKEN);
	} else {
		sp->refusal.code = dec_u32(&d);
		dec_str(&d, sp->refusal.text, sizeof(sp->refusal.text),
		    CH_TEXT);
		if (sp->refusal.code < 400 || sp->refusal.code > 599)
			return false;
	}
	return dec_done(&d);
}

bool
ipc_decode_data_end(const char *p, size_t len, struct ipc_data_end *de)
{
	struct dec d = { p, len, true };
	uint32_t deliver = dec_u32(&d);

	de->deliver = deliver == 1;
	de->size = dec_u64(&d);
	dec_str(&d, de->why, sizeof(de->why), CH_TEXT);
	return deliver <= 1 && dec_done(&d);
}

bool
ipc_decode_result(const char *p, size_t len, struct ipc_reply *r)
{
	struct dec d = { p, len, true };

	r->code = dec_u32(&d);
	dec_str(&d, r->text, sizeof(r->text), CH_TEXT);
	return dec_done(&d) && r->code >= 200 && r->code <= 599;
}

bool
ipc_decode_log(const char *p, size_t len, struct ipc_log *lg)
{
	struct dec d = { p, len, true };

	lg->prio = dec_u32(&d);
	dec_str(&d, lg->text, sizeof(lg->text), CH_TEXT);
	return dec_done(&d) && lg->prio <= 7;
}

bool
ipc_decode_violation(const char *p, size_t len, uint32_t *nr_r)
{
	struct dec d = { p, len, true };

	*nr_r = dec_u32(&d);
	return dec_done(&d);
}
