#include "config.h"

#include "ipc.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * unit_ipc - the supervisor's record codec, src/ipc.c.
 *
 * Round trips: every record type the encoders make (and VIOLATION, which
 * the SIGSYS handler builds by hand) decodes to what was encoded, at
 * ordinary and at maximum field sizes.  Every record is then cut short
 * at every length (header and payload), given a trailing octet, and
 * given a lying length field: all must be refused.
 *
 * Rejection table: payloads built field by field, as a compromised
 * session process could write them, each decoded from an exact-size
 * malloc'd copy (ASan sees any read past it), wrapped in a header too.
 */

static unsigned int passed, failed;

static void
show(const char *p, size_t len)
{
	show_octets(p, len, 48, 16, SHOW_BACKSLASH);
}

static void
check(bool ok, const char *name, const char *what)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: %s\n", name, what);
}

/* --------------------------------------------------- decode by type */

struct ctx {
	struct envelope env;
	unsigned nrcpt;		/* env.nrcpt before a RCPT */
	bool utf8;		/* env.smtputf8 before a RCPT */
};

static void
ctx_init(struct ctx *c, unsigned max_rcpt)
{
	memset(c, 0, sizeof(*c));
	if (!envelope_alloc(&c->env, max_rcpt)) {
		perror("envelope_alloc");
		exit(99);
	}
}

static void
ctx_free(struct ctx *c)
{
	envelope_free(&c->env);
}

union decoded {
	struct ipc_spool sp;
	struct ipc_data_end de;
	struct ipc_reply r;
	struct ipc_log lg;
	uint32_t nr;
};

/* Decode a payload of the given type from an exact-size copy. */
static bool
decode(enum ipc_type t, const char *p, size_t len, struct ctx *c,
    union decoded *d)
{
	char *q = exact_copy(p, len);
	bool ok = false;

	memset(d, 0x55, sizeof(*d));
	switch (t) {
	case IPC_DATA_BEGIN:
		ok = ipc_decode_data_begin(q, len);
		break;
	case IPC_MAIL:
		ok = ipc_decode_mail(q, len, &c->env);
		break;
	case IPC_RCPT:
		c->env.nrcpt = c->nrcpt;
		c->env.smtputf8 = c->utf8;
		ok = ipc_decode_rcpt(q, len, &c->env);
		break;
	case IPC_RSET:
		/* No decoder: the supervisor wants an empty payload. */
		ok = len == 0;
		break;
	case IPC_SPOOL:
		ok = ipc_decode_spool(q, len, &d->sp);
		break;
	case IPC_DATA_END:
		ok = ipc_decode_data_end(q, len, &d->de);
		break;
	case IPC_RESULT:
		ok = ipc_decode_result(q, len, &d->r);
		break;
	case IPC_LOG:
		ok = ipc_decode_log(q, len, &d->lg);
		break;
	case IPC_VIOLATION:
		ok = ipc_decode_violation(q, len, &d->nr);
		break;
	}
	free(q);
	return ok;
}

/* ------------------------------------------------------- round trips */

#define RECCAP (IPC_MAX_RECORD + IPC_HDR)
static char recbuf[RECCAP];

static const char *
type_name(enum ipc_type t)
{
	static const char *const names[] = { "?", "DATA_BEGIN", "SPOOL",
	    "DATA_END", "RESULT", "LOG", "VIOLATION", "MAIL", "RCPT",
	    "RSET" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] :
	    "?";
}

/*
 * The hostile variants of one valid record: every shorter length, one
 * octet more, a lying length field.  rec[0..len) is a whole record.
 */
static void
mutilate(const char *name, const char *rec, size_t len, struct ctx *c)
{
	const char *payload;
	size_t plen, k, bad = 0;
	union decoded d;
	uint32_t lie;
	char *q;
	enum ipc_type t;

	t = ipc_decode_header(rec, len, &payload, &plen);
	if (t == 0) {
		check(false, name, "valid header refused");
		return;
	}
	/* Header: every truncation, exact-size buffers. */
	for (k = 0; k < len; k++) {
		const char *pp;
		size_t pl;

		q = exact_copy(rec, k);
		if (ipc_decode_header(q, k, &pp, &pl) != 0) {
			if (bad++ < 3)
				printf("FAIL %s: header truncated to %zu "
				    "accepted\n", name, k);
		}
		free(q);
	}
	/* Payload: every truncation must fail to decode. */
	for (k = 0; k < plen; k++) {
		if (decode(t, payload, k, c, &d)) {
			if (bad++ < 3)
				printf("FAIL %s: payload truncated to %zu of "
				    "%zu accepted\n", name, k, plen);
		}
	}
	/* Trailing junk: one more octet, in the header's count too. */
	q = xmalloc(len + 1);
	memcpy(q, rec, len);
	q[len] = 'x';
	lie = (uint32_t)(plen + 1);
	memcpy(q + 4, &lie, 4);
	{
		const char *pp;
		size_t pl;

		if (ipc_decode_header(q, len + 1, &pp, &pl) != t ||
		    decode(t, pp, pl, c, &d)) {
			if (bad++ < 3)
				printf("FAIL %s: trailing junk accepted\n",
				    name);
		}
		/* The header's length lies: one more, one less, huge. */
		lie = (uint32_t)(plen + 1);
		memcpy(q + 4, &lie, 4);
		if (ipc_decode_header(q, len, &pp, &pl) != 0)
			if (bad++ < 3)
				printf("FAIL %s: length + 1 accepted\n", name);
		if (plen > 0) {
			lie = (uint32_t)(plen - 1);
			memcpy(q + 4, &lie, 4);
			if (ipc_decode_header(q, len, &pp, &pl) != 0)
				if (bad++ < 3)
					printf("FAIL %s: length - 1 "
					    "accepted\n", name);
		}
		lie = 0xffffffffu;
		memcpy(q + 4, &lie, 4);
		if (ipc_decode_header(q, len, &pp, &pl) != 0)
			if (bad++ < 3)
				printf("FAIL %s: length 0xffffffff "
				    "accepted\n", name);
	}
	free(q);
	check(bad == 0, name, "mutilated records");
}

/* Check the header of the record in b and hand back its payload. */
static bool
take(const char *name, struct obuf *b, enum ipc_type want,
    const char **payload_r, size_t *plen_r)
{
	enum ipc_type t;

	if (b->len < IPC_HDR || b->len > RECCAP) {
		printf("FAIL %s: encoded %zu octets\n", name, b->len);
		failed++;
		return false;
	}
	t = ipc_decode_header(b->data, b->len, payload_r, plen_r);
	if (t != want || *plen_r != b->len - IPC_HDR) {
		printf("FAIL %s: header type %u (%s), want %s\n", name,
		    (unsigned)t, type_name(t), type_name(want));
		failed++;
		return false;
	}
	return true;
}

static void
fill(char *dst, size_t cap, char c, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memset(dst, c, n);
	dst[n] = '\0';
}

static void
rt_mail(const char *name, const struct envelope *in)
{
	struct obuf b = { recbuf, 0, RECCAP };
	const char *p;
	size_t plen;
	struct ctx c;
	union decoded d;
	const struct envelope *e = &c.env;

	if (!ipc_encode_mail(&b, in)) {
		check(false, name, "encoder refused");
		return;
	}
	if (!take(name, &b, IPC_MAIL, &p, &plen))
		return;
	ctx_init(&c, 4);
	/* Decoding replaces a previous transaction. */
	strcpy(c.env.sender, "old@example");
	strcpy(c.env.dsn_ret, "HDRS");
	c.env.nrcpt = 3;
	if (!decode(IPC_MAIL, p, plen, &c, &d)) {
		check(false, name, "decoder refused");
	} else {
		check(strcmp(e->helo, in->helo) == 0 &&
		    strcmp(e->protocol, in->protocol) == 0 &&
		    e->smtputf8 == in->smtputf8 &&
		    strcmp(e->sender, in->sender) == 0 &&
		    e->body == in->body &&
		    e->declared_size == in->declared_size &&
		    strcmp(e->dsn_ret, in->dsn_ret) == 0 &&
		    strcmp(e->dsn_envid, in->dsn_envid) == 0 &&
		    e->nrcpt == 0, name, "fields differ");
	}
	mutilate(name, b.data, b.len, &c);
	ctx_free(&c);
}

/* The longest address RFC 5321 4.5.3.1 allows: 64 + "@" + 189 = 254
 * octets (256 with the brackets). */
static void
max_addr(char *out)
{
	size_t o = 0, i;

	for (i = 0; i < 64; i++)
		out[o++] = 'l';
	out[o++] = '@';
	/* Labels of 62 'd' and a dot, the last label shorter, no final
	 * dot: 189 octets of domain. */
	while (o < 254) {
		for (i = 0; i < 62 && o < 254; i++)
			out[o++] = 'd';
		if (o < 253)
			out[o++] = '.';
	}
	out[254] = '\0';
}

static void
run_mail(void)
{
	struct envelope env;

	memset(&env, 0, sizeof(env));
	strcpy(env.helo, "client.example");
	strcpy(env.protocol, "ESMTP");
	strcpy(env.sender, "alice@example.org");
	env.body = BODY_8BITMIME;
	env.declared_size = 12345678901ULL;
	strcpy(env.dsn_ret, "FULL");
	strcpy(env.dsn_envid, "QQ314159 x");
	rt_mail("MAIL ordinary", &env);

	env.sender[0] = '\0';
	env.dsn_ret[0] = '\0';
	env.dsn_envid[0] = '\0';
	env.body = BODY_NONE;
	env.declared_size = 0;
	strcpy(env.protocol, "SMTP");
	rt_mail("MAIL null sender", &env);

	strcpy(env.protocol, "UTF8SMTPSA");
	env.smtputf8 = true;
	strcpy(env.sender, "j\xc3\xb8rn@b\xc3\xa6r.example");
	env.body = BODY_BINARYMIME;
	strcpy(env.dsn_ret, "HDRS");
	rt_mail("MAIL SMTPUTF8", &env);

	env.smtputf8 = false;
	strcpy(env.protocol, "ESMTPSA");
	fill(env.helo, sizeof(env.helo), 'h', LIMIT_HELO);
	max_addr(env.sender);
	fill(env.dsn_envid, sizeof(env.dsn_envid), 'e', LIMIT_ENVID);
	env.declared_size = UINT64_MAX;
	rt_mail("MAIL largest fields", &env);

	strcpy(env.sender, "\"john doe\"@example.com");
	fill(env.protocol, sizeof(env.protocol), 'P', sizeof(env.protocol) - 1);
	rt_mail("MAIL 15-octet protocol", &env);
}

static void
rt_rcpt(const char *name, const struct envelope *in, unsigned i,
    unsigned at)
{
	struct obuf b = { recbuf, 0, RECCAP };
	const char *p;
	size_t plen;
	struct ctx c;
	union decoded d;

	if (!ipc_encode_rcpt(&b, in, i)) {
		check(false, name, "encoder refused");
		return;
	}
	if (!take(name, &b, IPC_RCPT, &p, &plen))
		return;
	ctx_init(&c, at + 1);
	c.nrcpt = at;
	c.utf8 = in->smtputf8;
	if (!decode(IPC_RCPT, p, plen, &c, &d)) {
		check(false, name, "decoder refused");
	} else {
		check(strcmp(c.env.rcpt[at], in->rcpt[i]) == 0 &&
		    strcmp(c.env.dsn_notify[at], in->dsn_notify[i]) == 0 &&
		    strcmp(c.env.dsn_orcpt[at], in->dsn_orcpt[i]) == 0 &&
		    c.env.nrcpt == at, name, "fields differ");
	}
	mutilate(name, b.data, b.len, &c);
	ctx_free(&c);
}

static void
run_rcpt(void)
{
	struct envelope env;

	memset(&env, 0, sizeof(env));
	if (!envelope_alloc(&env, 3)) {
		perror("envelope_alloc");
		exit(99);
	}
	strcpy(env.rcpt[0], "bob@example.org");
	strcpy(env.rcpt[1], "\"a b\"@example.org");
	strcpy(env.dsn_notify[1], "SUCCESS,FAILURE,DELAY");
	strcpy(env.dsn_orcpt[1], "rfc822;a b@example.org");
	max_addr(env.rcpt[2]);
	strcpy(env.dsn_notify[2], "NEVER");
	fill(env.dsn_orcpt[2], sizeof(env.dsn_orcpt[2]), 'o', LIMIT_ORCPT);
	rt_rcpt("RCPT first", &env, 0, 0);
	rt_rcpt("RCPT with DSN", &env, 1, 1);
	rt_rcpt("RCPT largest fields, last slot", &env, 2, 99);
	env.smtputf8 = true;
	strcpy(env.rcpt[0], "\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b.example");
	strcpy(env.dsn_orcpt[0], "utf-8;\xe7\x94\xa8\xe6\x88\xb7@x");
	rt_rcpt("RCPT SMTPUTF8", &env, 0, 0);
	envelope_free(&env);
}

static void
run_small(void)
{
	struct obuf b = { recbuf, 0, RECCAP };
	struct ipc_spool sp;
	struct ipc_data_end de;
	struct ipc_reply r;
	union decoded d;
	const char *p;
	size_t plen;
	struct ctx c;
	uint32_t viol[3] = { IPC_VIOLATION, 4, 59 };
	static const uint32_t prios[] = { 0, 3, 7 };
	unsigned i;

	ctx_init(&c, 1);

	/* DATA_BEGIN and RSET are empty. */
	b.len = 0;
	if (ipc_encode_data_begin(&b) &&
	    take("DATA_BEGIN", &b, IPC_DATA_BEGIN, &p, &plen)) {
		check(plen == 0 && decode(IPC_DATA_BEGIN, p, plen, &c, &d),
		    "DATA_BEGIN", "round trip");
		mutilate("DATA_BEGIN", b.data, b.len, &c);
	}
	b.len = 0;
	if (ipc_encode_rset(&b) && take("RSET", &b, IPC_RSET, &p, &plen))
		check(plen == 0, "RSET", "not empty");

	/* SPOOL, both kinds. */
	memset(&sp, 0, sizeof(sp));
	sp.ok = true;
	strcpy(sp.queue_id, "0123456789ABCDEF");
	b.len = 0;
	if (ipc_encode_spool(&b, &sp) &&
	    take("SPOOL ok", &b, IPC_SPOOL, &p, &plen)) {
		check(decode(IPC_SPOOL, p, plen, &c, &d) && d.sp.ok &&
		    strcmp(d.sp.queue_id, sp.queue_id) == 0,
		    "SPOOL ok", "round trip");
		mutilate("SPOOL ok", b.data, b.len, &c);
	}
	memset(&sp, 0, sizeof(sp));
	sp.refusal.code = 451;
	strcpy(sp.refusal.text, "4.3.0 Cannot create spool;\ttry later");
	b.len = 0;
	if (ipc_encode_spool(&b, &sp) &&
	    take("SPOOL refused", &b, IPC_SPOOL, &p, &plen)) {
		check(decode(IPC_SPOOL, p, plen, &c, &d) && !d.sp.ok &&
		    d.sp.refusal.code == 451 &&
		    strcmp(d.sp.refusal.text, sp.refusal.text) == 0,
		    "SPOOL refused", "round trip");
		mutilate("SPOOL refused", b.data, b.len, &c);
	}

	/* DATA_END, deliver and drop. */
	for (i = 0; i < 2; i++) {
		const char *n = i ? "DATA_END drop" : "DATA_END deliver";

		memset(&de, 0, sizeof(de));
		de.deliver = i == 0;
		de.size = i ? 0 : 0x123456789aULL;
		if (i)
			fill(de.why, sizeof(de.why), 'w', sizeof(de.why) - 1);
		b.len = 0;
		if (ipc_encode_data_end(&b, &de) &&
		    take(n, &b, IPC_DATA_END, &p, &plen)) {
			check(decode(IPC_DATA_END, p, plen, &c, &d) &&
			    d.de.deliver == de.deliver &&
			    d.de.size == de.size &&
			    strcmp(d.de.why, de.why) == 0,
			    n, "round trip");
			mutilate(n, b.data, b.len, &c);
		}
	}

	/* RESULT at both ends of the range. */
	for (i = 0; i < 2; i++) {
		const char *n = i ? "RESULT 599" : "RESULT 200";

		memset(&r, 0, sizeof(r));
		r.code = i ? 599 : 200;
		if (i)
			fill(r.text, sizeof(r.text), 't', sizeof(r.text) - 1);
		else
			strcpy(r.text, "2.0.0 Ok: queued as X");
		b.len = 0;
		if (ipc_encode_result(&b, &r) &&
		    take(n, &b, IPC_RESULT, &p, &plen)) {
			check(decode(IPC_RESULT, p, plen, &c, &d) &&
			    d.r.code == r.code &&
			    strcmp(d.r.text, r.text) == 0,
			    n, "round trip");
			mutilate(n, b.data, b.len, &c);
		}
	}

	/* LOG. */
	for (i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		char text[1024];

		if (i == 2)
			fill(text, sizeof(text), 'l', sizeof(text) - 1);
		else
			snprintf(text, sizeof(text), "line %u\twith tab", i);
		b.len = 0;
		if (ipc_encode_log(&b, prios[i], text) &&
		    take("LOG", &b, IPC_LOG, &p, &plen)) {
			check(decode(IPC_LOG, p, plen, &c, &d) &&
			    d.lg.prio == prios[i] &&
			    strcmp(d.lg.text, text) == 0,
			    "LOG", "round trip");
			mutilate("LOG", b.data, b.len, &c);
		} else
			check(false, "LOG", "encoder refused");
	}

	/* VIOLATION, as sandbox.c writes it. */
	memcpy(recbuf, viol, sizeof(viol));
	b.len = sizeof(viol);
	if (take("VIOLATION", &b, IPC_VIOLATION, &p, &plen)) {
		check(decode(IPC_VIOLATION, p, plen, &c, &d) && d.nr == 59,
		    "VIOLATION", "round trip");
		mutilate("VIOLATION", b.data, b.len, &c);
	}
	ctx_free(&c);
}

/* Encoders refuse what does not fit, and leave the buffer as it was. */
static void
run_encoder_limits(void)
{
	static char big[IPC_MAX_RECORD * 3];
	char *text = xmalloc(IPC_MAX_RECORD + 1);
	struct obuf b = { big, 0, sizeof(big) };
	struct obuf small = { recbuf, 0, 20 };
	struct ipc_reply r;

	/* A text that makes the payload one octet over the limit. */
	fill(text, IPC_MAX_RECORD + 1, 'z', IPC_MAX_RECORD - 8 + 1);
	b.len = 7;
	check(!ipc_encode_log(&b, 6, text) && b.len == 7,
	    "LOG over IPC_MAX_RECORD", "accepted or changed the buffer");
	/* Exactly the limit is fine. */
	text[IPC_MAX_RECORD - 8] = '\0';
	b.len = 0;
	check(ipc_encode_log(&b, 6, text) &&
	    b.len == IPC_MAX_RECORD + IPC_HDR, "LOG of exactly IPC_MAX_RECORD",
	    "refused");
	free(text);

	memset(&r, 0, sizeof(r));
	r.code = 250;
	strcpy(r.text, "2.0.0 this text does not fit in twenty octets");
	small.len = 3;
	check(!ipc_encode_result(&small, &r) && small.len == 3,
	    "RESULT into small obuf", "accepted or changed the buffer");
	small.len = 16;
	check(!ipc_encode_data_begin(&small) && small.len == 16,
	    "DATA_BEGIN into full obuf",
	    "accepted or changed the buffer");
}

/* ------------------------------------------------- rejection table */

enum fk { F_END = 0, F_U32, F_U64, F_STR, F_RAW, F_FILL };

struct field {
	enum fk k;
	uint64_t v;		/* F_U32, F_U64; F_FILL: the octet */
	const char *s;		/* F_STR, F_RAW */
	size_t n;		/* F_STR, F_RAW, F_FILL: length */
};

#define U32(x)		{ .k = F_U32, .v = (x) }
#define U64(x)		{ .k = F_U64, .v = (x) }
/* A string field: u32 length and the octets (NULs kept). */
#define STR(x)		{ .k = F_STR, .s = (x), .n = sizeof(x) - 1 }
/* Octets with no length before them. */
#define RAW(x)		{ .k = F_RAW, .s = (x), .n = sizeof(x) - 1 }
/* A string field of n octets c. */
#define FILL(c, len)	{ .k = F_FILL, .v = (c), .n = (len) }

/* MAIL: helo, protocol, smtputf8, sender, body, size, ret, envid. */
#define M_HELO		STR("client.example")
#define M_PROTO		STR("ESMTP")
#define M_UTF8		U32(0)
#define M_SENDER	STR("a@b.example")
#define M_BODY		U32(BODY_7BIT)
#define M_SIZE		U64(1000)
#define M_RET		STR("")
#define M_ENVID		STR("")
/* RCPT: address, notify, orcpt. */
#define R_ADDR		STR("c@d.example")
#define R_NOTIFY	STR("")
#define R_ORCPT		STR("")

struct rej_case {
	const char *name;
	enum ipc_type type;
	struct field f[12];
	bool ok;
	unsigned max_rcpt;	/* 0: 100 */
	unsigned nrcpt;		/* RCPT: recipients already accepted */
	bool utf8;		/* RCPT: an SMTPUTF8 transaction */
};

static const struct rej_case rej_cases[] = {
	/* MAIL. */
	{ .name = "MAIL baseline", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL null sender", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, STR(""),
	  M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL empty HELO", .type = IPC_MAIL, .f = { STR(""), M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO with space", .type = IPC_MAIL, .f = { STR("a b"), M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO with control", .type = IPC_MAIL, .f = { STR("a\x01"), M_PROTO,
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO with newline", .type = IPC_MAIL, .f = { STR("a\nb"), M_PROTO,
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO with NUL", .type = IPC_MAIL, .f = { STR("a\0b"), M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO 8-bit", .type = IPC_MAIL, .f = { STR("\xc3\xa9x"), M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL HELO of 255", .type = IPC_MAIL, .f = { FILL('h', LIMIT_HELO), M_PROTO,
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL HELO of 256", .type = IPC_MAIL, .f = { FILL('h', LIMIT_HELO + 1), M_PROTO,
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol lower case", .type = IPC_MAIL, .f = { M_HELO, STR("esmtp"),
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol mixed case", .type = IPC_MAIL, .f = { M_HELO, STR("ESMTp"),
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol empty", .type = IPC_MAIL, .f = { M_HELO, STR(""), M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol with dash", .type = IPC_MAIL, .f = { M_HELO, STR("E-SMTP"),
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol with newline", .type = IPC_MAIL, .f = { M_HELO, STR("SMTP\n"),
	  M_UTF8, M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL protocol LMTP", .type = IPC_MAIL, .f = { M_HELO, STR("LMTP"), M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL protocol of 15", .type = IPC_MAIL, .f = { M_HELO, FILL('P', 15), M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL protocol of 16", .type = IPC_MAIL, .f = { M_HELO, FILL('P', 16), M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL smtputf8 flag 2", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, U32(2),
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender starting with -", .type = IPC_MAIL, .f = { M_HELO, M_PROTO,
	  M_UTF8, STR("-oQ/tmp/x"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with newline", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("a@b\nX-Evil: 1"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with CR", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("a@b\r"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with NUL", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("a@b\0-x"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with DEL", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("a\x7f@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with TAB", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("\"a\tb\"@c"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender with space", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  STR("\"a b\"@c"), M_BODY, M_SIZE, M_RET, M_ENVID }, .ok = true },
	{ .name = "MAIL sender UTF-8 without SMTPUTF8", .type = IPC_MAIL, .f = { M_HELO, M_PROTO,
	  M_UTF8, STR("\xc3\xa9@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender UTF-8 with SMTPUTF8", .type = IPC_MAIL, .f = { M_HELO, M_PROTO,
	  U32(1), STR("\xc3\xa9@b"), M_BODY, M_SIZE, M_RET, M_ENVID },
	  .ok = true },
	{ .name = "MAIL sender bad UTF-8", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, U32(1),
	  STR("\xc3@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender overlong UTF-8", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, U32(1),
	  STR("\xc0\xaf@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender surrogate", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, U32(1),
	  STR("\xed\xa0\x80@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender UTF-8 with newline", .type = IPC_MAIL, .f = { M_HELO, M_PROTO,
	  U32(1), STR("\xc3\xa9\n@b"), M_BODY, M_SIZE, M_RET, M_ENVID } },
	/* 256 printable octets fit the field but are no address: the
	 * supervisor parses senders and recipients again. */
	{ .name = "MAIL sender of 256, not an address", .type = IPC_MAIL,
	  .f = { M_HELO, M_PROTO, M_UTF8,
	  FILL('s', LIMIT_PATH), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL sender of 257", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  FILL('s', LIMIT_PATH + 1), M_BODY, M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL body BINARYMIME", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  M_SENDER, U32(BODY_BINARYMIME), M_SIZE, M_RET, M_ENVID },
	  .ok = true },
	{ .name = "MAIL body 4", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  U32(BODY_BINARYMIME + 1), M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL body huge", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  U32(0xffffffff), M_SIZE, M_RET, M_ENVID } },
	{ .name = "MAIL RET=FULL", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, STR("FULL"), M_ENVID }, .ok = true },
	{ .name = "MAIL RET=HDRS", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, STR("HDRS"), M_ENVID }, .ok = true },
	{ .name = "MAIL RET=full", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, STR("full"), M_ENVID } },
	{ .name = "MAIL RET=NONE", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, STR("NONE"), M_ENVID } },
	{ .name = "MAIL ENVID of 100", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, M_RET, FILL('e', LIMIT_ENVID) }, .ok = true },
	{ .name = "MAIL ENVID of 101", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8, M_SENDER,
	  M_BODY, M_SIZE, M_RET, FILL('e', LIMIT_ENVID + 1) } },
	{ .name = "MAIL ENVID with newline", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, STR("x\ny") } },
	{ .name = "MAIL trailing junk", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET, M_ENVID, RAW("\0") } },
	{ .name = "MAIL last field missing", .type = IPC_MAIL, .f = { M_HELO, M_PROTO, M_UTF8,
	  M_SENDER, M_BODY, M_SIZE, M_RET } },
	{ .name = "MAIL string length 0xffffffff", .type = IPC_MAIL, .f = { U32(0xffffffff),
	  RAW("client.example") } },
	{ .name = "MAIL string length past the end", .type = IPC_MAIL, .f = { U32(100),
	  RAW("client.example") } },
	{ .name = "MAIL empty", .type = IPC_MAIL, .f = { { .k = F_END } } },

	/* RCPT. */
	{ .name = "RCPT baseline", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT },
	  .ok = true },
	{ .name = "RCPT Postmaster", .type = IPC_RCPT, .f = { STR("Postmaster"), R_NOTIFY,
	  R_ORCPT }, .ok = true },
	{ .name = "RCPT empty", .type = IPC_RCPT, .f = { STR(""), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT starting with -", .type = IPC_RCPT, .f = { STR("-oQ/tmp/x"), R_NOTIFY,
	  R_ORCPT } },
	{ "RCPT starting with - (quoted is fine)", IPC_RCPT,
	  { STR("\"-x\"@example.com"), R_NOTIFY, R_ORCPT }, .ok = true },
	/* Printable but not an address the session's parser makes: the
	 * supervisor re-parses (an address list, a bare local name). */
	{ .name = "RCPT address list", .type = IPC_RCPT,
	  .f = { STR("victim@evil.example, x@allowed.example"), R_NOTIFY,
	  R_ORCPT } },
	{ .name = "RCPT bare local name", .type = IPC_RCPT,
	  .f = { STR("root"), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT with brackets", .type = IPC_RCPT,
	  .f = { STR("<a@b.example>"), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT with newline", .type = IPC_RCPT, .f = { STR("c@d\ne@f"), R_NOTIFY,
	  R_ORCPT } },
	{ .name = "RCPT with CR LF", .type = IPC_RCPT, .f = { STR("c@d\r\n"), R_NOTIFY,
	  R_ORCPT } },
	{ .name = "RCPT with NUL", .type = IPC_RCPT, .f = { STR("c@d\0"), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT with control", .type = IPC_RCPT, .f = { STR("c\x1b@d"), R_NOTIFY,
	  R_ORCPT } },
	{ .name = "RCPT with TAB", .type = IPC_RCPT, .f = { STR("c\t@d"), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT 8-bit without SMTPUTF8", .type = IPC_RCPT, .f = { STR("\xc3\xa9@d"),
	  R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT 8-bit with SMTPUTF8", .type = IPC_RCPT, .f = { STR("\xc3\xa9@d"),
	  R_NOTIFY, R_ORCPT }, .ok = true, .utf8 = true },
	{ .name = "RCPT bad UTF-8 with SMTPUTF8", .type = IPC_RCPT, .f = { STR("\xff@d"),
	  R_NOTIFY, R_ORCPT }, .utf8 = true },
	{ .name = "RCPT of 256, not an address", .type = IPC_RCPT,
	  .f = { FILL('r', LIMIT_PATH), R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT of 257", .type = IPC_RCPT, .f = { FILL('r', LIMIT_PATH + 1), R_NOTIFY,
	  R_ORCPT } },
	{ .name = "RCPT NOTIFY=NEVER", .type = IPC_RCPT, .f = { R_ADDR, STR("NEVER"), R_ORCPT },
	  .ok = true },
	{ .name = "RCPT NOTIFY list", .type = IPC_RCPT, .f = { R_ADDR, STR("SUCCESS,DELAY"),
	  R_ORCPT }, .ok = true },
	{ .name = "RCPT NOTIFY lower case", .type = IPC_RCPT, .f = { R_ADDR, STR("never"),
	  R_ORCPT } },
	{ .name = "RCPT NOTIFY with space", .type = IPC_RCPT, .f = { R_ADDR, STR("A B"),
	  R_ORCPT } },
	{ .name = "RCPT NOTIFY with newline", .type = IPC_RCPT, .f = { R_ADDR, STR("NEVER\n"),
	  R_ORCPT } },
	{ .name = "RCPT NOTIFY of 21", .type = IPC_RCPT, .f = { R_ADDR, FILL('N', 21), R_ORCPT },
	  .ok = true },
	{ .name = "RCPT NOTIFY of 22", .type = IPC_RCPT, .f = { R_ADDR, FILL('N', 22),
	  R_ORCPT } },
	{ .name = "RCPT ORCPT of 500", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY,
	  FILL('o', LIMIT_ORCPT) }, .ok = true },
	{ .name = "RCPT ORCPT of 501", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY,
	  FILL('o', LIMIT_ORCPT + 1) } },
	{ .name = "RCPT ORCPT with newline", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY,
	  STR("rfc822;a@b\nSMTP_SENDER=x") } },
	{ .name = "RCPT one below max_rcpt", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT },
	  .ok = true, .max_rcpt = 100, .nrcpt = 99 },
	{ .name = "RCPT nrcpt > max_rcpt", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT },
	  .max_rcpt = 100, .nrcpt = 100 },
	{ .name = "RCPT max_rcpt 1, second", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT },
	  .max_rcpt = 1, .nrcpt = 1 },
	{ .name = "RCPT trailing junk", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT,
	  RAW("x") } },
	{ .name = "RCPT two addresses", .type = IPC_RCPT, .f = { R_ADDR, R_NOTIFY, R_ORCPT,
	  R_ADDR, R_NOTIFY, R_ORCPT } },
	{ .name = "RCPT length past the end", .type = IPC_RCPT, .f = { U32(12),
	  RAW("c@d.example") } },

	/* DATA_BEGIN carries nothing (no nrcpt field any more). */
	{ .name = "DATA_BEGIN empty", .type = IPC_DATA_BEGIN, .f = { { .k = F_END } }, .ok = true },
	{ .name = "DATA_BEGIN old style, nrcpt 0", .type = IPC_DATA_BEGIN, .f = { M_HELO,
	  M_PROTO, M_SENDER, M_BODY, M_SIZE, U32(0) } },
	{ .name = "DATA_BEGIN old style, nrcpt 100000", .type = IPC_DATA_BEGIN, .f = { M_HELO,
	  M_PROTO, M_SENDER, M_BODY, M_SIZE, U32(100000), R_ADDR } },
	{ .name = "DATA_BEGIN one octet", .type = IPC_DATA_BEGIN, .f = { RAW("\0") } },

	/* SPOOL. */
	{ .name = "SPOOL ok", .type = IPC_SPOOL, .f = { U32(1), STR("0123456789ABCDEF") },
	  .ok = true },
	{ .name = "SPOOL id of 17", .type = IPC_SPOOL, .f = { U32(1), FILL('A', 17) } },
	{ .name = "SPOOL id with space", .type = IPC_SPOOL, .f = { U32(1), STR("0123 4567") } },
	{ .name = "SPOOL id with newline", .type = IPC_SPOOL, .f = { U32(1), STR("0123\n") } },
	{ .name = "SPOOL ok field 2", .type = IPC_SPOOL, .f = { U32(2), STR("0123456789ABCDEF") } },
	{ .name = "SPOOL refusal 451", .type = IPC_SPOOL, .f = { U32(0), U32(451),
	  STR("4.3.0 Try\tlater") }, .ok = true },
	{ .name = "SPOOL refusal 400", .type = IPC_SPOOL, .f = { U32(0), U32(400), STR("x") },
	  .ok = true },
	{ .name = "SPOOL refusal 599", .type = IPC_SPOOL, .f = { U32(0), U32(599), STR("x") },
	  .ok = true },
	{ .name = "SPOOL refusal code 250", .type = IPC_SPOOL, .f = { U32(0), U32(250),
	  STR("2.0.0 Ok") } },
	{ .name = "SPOOL refusal code 399", .type = IPC_SPOOL, .f = { U32(0), U32(399),
	  STR("x") } },
	{ .name = "SPOOL refusal code 600", .type = IPC_SPOOL, .f = { U32(0), U32(600),
	  STR("x") } },
	{ .name = "SPOOL refusal text with newline", .type = IPC_SPOOL, .f = { U32(0), U32(451),
	  STR("4.3.0 x\r\n250 ok") } },
	{ .name = "SPOOL ok with trailing junk", .type = IPC_SPOOL, .f = { U32(1), STR("AB"),
	  RAW("C") } },

	/* DATA_END. */
	{ .name = "DATA_END deliver", .type = IPC_DATA_END, .f = { U32(1), U64(10), STR("") },
	  .ok = true },
	{ .name = "DATA_END drop", .type = IPC_DATA_END, .f = { U32(0), U64(10),
	  STR("client went away") }, .ok = true },
	{ .name = "DATA_END deliver 2", .type = IPC_DATA_END, .f = { U32(2), U64(10), STR("") } },
	{ .name = "DATA_END why of 127", .type = IPC_DATA_END, .f = { U32(0), U64(0),
	  FILL('w', 127) }, .ok = true },
	{ .name = "DATA_END why of 128", .type = IPC_DATA_END, .f = { U32(0), U64(0),
	  FILL('w', 128) } },
	{ .name = "DATA_END why with NUL", .type = IPC_DATA_END, .f = { U32(0), U64(0),
	  STR("a\0b") } },
	{ .name = "DATA_END size missing", .type = IPC_DATA_END, .f = { U32(1), STR("") } },

	/* RESULT. */
	{ .name = "RESULT 250", .type = IPC_RESULT, .f = { U32(250), STR("2.0.0 Ok") },
	  .ok = true },
	{ .name = "RESULT code 199", .type = IPC_RESULT, .f = { U32(199), STR("x") } },
	{ .name = "RESULT code 600", .type = IPC_RESULT, .f = { U32(600), STR("x") } },
	{ .name = "RESULT code 0", .type = IPC_RESULT, .f = { U32(0), STR("x") } },
	{ .name = "RESULT text with CR", .type = IPC_RESULT, .f = { U32(250), STR("ok\r") } },
	{ .name = "RESULT text of 231", .type = IPC_RESULT, .f = { U32(250),
	  FILL('t', LIMIT_CMD_REPLY + 31) }, .ok = true },
	{ .name = "RESULT text of 232", .type = IPC_RESULT, .f = { U32(250),
	  FILL('t', LIMIT_CMD_REPLY + 32) } },

	/* LOG. */
	{ .name = "LOG prio 7", .type = IPC_LOG, .f = { U32(7), STR("hello\tthere") }, .ok = true },
	{ .name = "LOG prio 8", .type = IPC_LOG, .f = { U32(8), STR("x") } },
	{ .name = "LOG text with ESC", .type = IPC_LOG, .f = { U32(6), STR("\x1b[2J") } },
	{ .name = "LOG text with newline", .type = IPC_LOG, .f = { U32(6),
	  STR("x\nsmtpipe: forged") } },
	{ .name = "LOG text of 1023", .type = IPC_LOG, .f = { U32(6), FILL('l', 1023) },
	  .ok = true },
	{ .name = "LOG text of 1024", .type = IPC_LOG, .f = { U32(6), FILL('l', 1024) } },

	/* VIOLATION. */
	{ .name = "VIOLATION", .type = IPC_VIOLATION, .f = { U32(59) }, .ok = true },
	{ .name = "VIOLATION short", .type = IPC_VIOLATION, .f = { RAW("\1\2\3") } },
	{ .name = "VIOLATION long", .type = IPC_VIOLATION, .f = { U32(59), RAW("\0") } },

	/* RSET carries nothing. */
	{ .name = "RSET empty", .type = IPC_RSET, .f = { { .k = F_END } }, .ok = true },
};

/* Build a payload from fields; returns its length. */
static size_t
build(const struct field *f, size_t nf, char *buf, size_t cap)
{
	size_t len = 0, i;

	for (i = 0; i < nf && f[i].k != F_END; i++) {
		uint32_t u;
		uint64_t v;

		if (len + 8 + f[i].n > cap) {
			fprintf(stderr, "build: does not fit\n");
			exit(99);
		}
		switch (f[i].k) {
		case F_END:
			break;
		case F_U32:
			u = (uint32_t)f[i].v;
			memcpy(buf + len, &u, 4);
			len += 4;
			break;
		case F_U64:
			v = f[i].v;
			memcpy(buf + len, &v, 8);
			len += 8;
			break;
		case F_STR:
		case F_FILL:
			u = (uint32_t)f[i].n;
			memcpy(buf + len, &u, 4);
			len += 4;
			if (f[i].k == F_STR)
				memcpy(buf + len, f[i].s, f[i].n);
			else
				memset(buf + len, (int)f[i].v, f[i].n);
			len += f[i].n;
			break;
		case F_RAW:
			memcpy(buf + len, f[i].s, f[i].n);
			len += f[i].n;
			break;
		}
	}
	return len;
}

static void
run_rejections(void)
{
	static char buf[IPC_MAX_RECORD + IPC_HDR];
	size_t i;

	for (i = 0; i < sizeof(rej_cases) / sizeof(rej_cases[0]); i++) {
		const struct rej_case *c = &rej_cases[i];
		size_t plen = build(c->f, sizeof(c->f) / sizeof(c->f[0]),
		    buf + IPC_HDR, sizeof(buf) - IPC_HDR);
		uint32_t hdr[2] = { (uint32_t)c->type, (uint32_t)plen };
		const char *p;
		size_t pl;
		union decoded d;
		struct ctx x;
		bool got;
		char *rec;

		ctx_init(&x, c->max_rcpt ? c->max_rcpt : 100);
		x.nrcpt = c->nrcpt;
		x.utf8 = c->utf8;
		got = decode(c->type, buf + IPC_HDR, plen, &x, &d);
		/* Through the header as the supervisor does it. */
		memcpy(buf, hdr, sizeof(hdr));
		rec = exact_copy(buf, plen + IPC_HDR);
		if (ipc_decode_header(rec, plen + IPC_HDR, &p, &pl) !=
		    c->type || pl != plen || p != rec + IPC_HDR) {
			printf("FAIL %s: header refused\n", c->name);
			failed++;
		} else if (got != c->ok) {
			printf("FAIL %s: %s, want %s; payload \"", c->name,
			    got ? "accepted" : "refused",
			    c->ok ? "accepted" : "refused");
			show(buf + IPC_HDR, plen);
			printf("\"\n");
			failed++;
		} else
			passed++;
		/* A refused MAIL leaves no transaction behind. */
		if (c->type == IPC_MAIL && !got && (x.env.sender[0] != '\0' ||
		    x.env.nrcpt != 0 || x.env.smtputf8)) {
			printf("FAIL %s: refused MAIL left state\n", c->name);
			failed++;
		}
		free(rec);
		ctx_free(&x);
	}
}

/* ------------------------------------------------------------ header */

static void
run_header(void)
{
	static char buf[IPC_MAX_RECORD + IPC_HDR + 128];
	const char *p;
	size_t pl;
	uint32_t hdr[2];
	uint32_t t;
	char *rec;
	static const uint32_t bad_types[] = { 0, IPC_TYPE_MAX + 1, 42, 99,
	    0x80000001u, 0xffffffffu };

	memset(buf, 0, sizeof(buf));
	/* Every known type passes the header check with a right length. */
	for (t = IPC_DATA_BEGIN; t <= IPC_TYPE_MAX; t++) {
		hdr[0] = t;
		hdr[1] = 4;
		memcpy(buf, hdr, 8);
		rec = exact_copy(buf, 12);
		check(ipc_decode_header(rec, 12, &p, &pl) == t && pl == 4,
		    type_name(t), "known type refused");
		free(rec);
	}
	/* Unknown types: 0, one past the last, 42, 99, huge. */
	for (t = 0; t < sizeof(bad_types) / sizeof(bad_types[0]); t++) {
		char name[32];

		hdr[0] = bad_types[t];
		hdr[1] = 0;
		memcpy(buf, hdr, 8);
		rec = exact_copy(buf, 8);
		snprintf(name, sizeof(name), "type %" PRIu32, bad_types[t]);
		check(ipc_decode_header(rec, 8, &p, &pl) == 0,
		    name, "unknown type accepted");
		free(rec);
	}
	/* IPC_MAX_RECORD octets of payload fit; one more does not. */
	hdr[0] = IPC_LOG;
	hdr[1] = IPC_MAX_RECORD;
	memcpy(buf, hdr, 8);
	rec = exact_copy(buf, IPC_MAX_RECORD + IPC_HDR);
	check(ipc_decode_header(rec, IPC_MAX_RECORD + IPC_HDR, &p, &pl) ==
	    IPC_LOG && pl == IPC_MAX_RECORD, "record of IPC_MAX_RECORD",
	    "refused");
	free(rec);
	hdr[1] = IPC_MAX_RECORD + 1;
	memcpy(buf, hdr, 8);
	rec = exact_copy(buf, IPC_MAX_RECORD + 1 + IPC_HDR);
	check(ipc_decode_header(rec, IPC_MAX_RECORD + 1 + IPC_HDR, &p, &pl)
	    == 0, "oversized record (IPC_MAX_RECORD + 1)", "accepted");
	free(rec);
	hdr[1] = IPC_MAX_RECORD + 100;
	memcpy(buf, hdr, 8);
	rec = exact_copy(buf, IPC_MAX_RECORD + 100 + IPC_HDR);
	check(ipc_decode_header(rec, IPC_MAX_RECORD + 100 + IPC_HDR, &p, &pl)
	    == 0, "oversized record (IPC_MAX_RECORD + 100)", "accepted");
	free(rec);
	/* Shorter than a header. */
	for (t = 0; t < IPC_HDR; t++) {
		rec = exact_copy(buf, t);
		check(ipc_decode_header(rec, t, &p, &pl) == 0,
		    "record shorter than a header", "accepted");
		free(rec);
	}
}

int
main(void)
{
	run_mail();
	run_rcpt();
	run_small();
	run_encoder_limits();
	run_rejections();
	run_header();
	printf("unit_ipc: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
