#include "config.h"

/*
 * fuzz_ipc - libFuzzer target for the record decoders of src/ipc.c.
 * After a compromise of the session process every record the supervisor
 * reads is the attacker's, so the input is both a whole record (header
 * and payload, as read from the socket) and a bare payload handed to
 * every ipc_decode_* in turn, with an envelope of max_rcpt 100.
 *
 * Whatever a decoder accepts must survive a round trip: encoded again it
 * gives back the very same octets (the format has one spelling for each
 * value, and junk after the last field is refused), and decoding that
 * gives the same values.  The envelope records (MAIL, RCPT) are compared
 * field by field; DATA_BEGIN, whose payload is empty, too.
 */

#include "ipc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "fuzz.h"
#include "util.h"

#define FUZZ_MAX_RCPT	100

/* A string field: NUL-terminated inside its array. */
#define STR_OK(a) FUZZ_ASSERT(memchr((a), '\0', sizeof(a)) != NULL)

struct ctx {
	struct obuf ob;
	struct envelope env, env2;
	struct fuzz_rng rng;
};

/* Encoded again, the record must be header + exactly p[0..len). */
static void
same_record(struct ctx *c, enum ipc_type type, const char *p, size_t len)
{
	const char *payload = NULL;
	size_t plen = SIZE_MAX;

	FUZZ_ASSERT(ipc_decode_header(c->ob.data, c->ob.len, &payload,
	    &plen) == type);
	FUZZ_ASSERT(payload == c->ob.data + IPC_HDR);
	FUZZ_ASSERT(plen == len);
	FUZZ_ASSERT(len == 0 || memcmp(payload, p, len) == 0);
}

static void
env_compare(const struct envelope *a, const struct envelope *b)
{
	FUZZ_ASSERT(strcmp(a->helo, b->helo) == 0);
	FUZZ_ASSERT(strcmp(a->protocol, b->protocol) == 0);
	FUZZ_ASSERT(strcmp(a->sender, b->sender) == 0);
	FUZZ_ASSERT(a->smtputf8 == b->smtputf8);
	FUZZ_ASSERT(a->body == b->body);
	FUZZ_ASSERT(a->declared_size == b->declared_size);
	FUZZ_ASSERT(strcmp(a->dsn_ret, b->dsn_ret) == 0);
	FUZZ_ASSERT(strcmp(a->dsn_envid, b->dsn_envid) == 0);
}

static void
try_mail(struct ctx *c, const char *p, size_t len)
{
	if (!ipc_decode_mail(p, len, &c->env))
		return;
	STR_OK(c->env.helo);
	STR_OK(c->env.protocol);
	STR_OK(c->env.sender);
	STR_OK(c->env.dsn_ret);
	STR_OK(c->env.dsn_envid);
	FUZZ_ASSERT(c->env.helo[0] != '\0' && c->env.sender[0] != '-');
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_mail(&c->ob, &c->env));
	same_record(c, IPC_MAIL, p, len);
	FUZZ_ASSERT(ipc_decode_mail(c->ob.data + IPC_HDR, len, &c->env2));
	env_compare(&c->env, &c->env2);
}

static void
try_rcpt(struct ctx *c, const char *p, size_t len, bool utf8)
{
	/* Around the limit: the slot after the last is refused. */
	unsigned i = (unsigned)fuzz_range(&c->rng, 0, 3) == 0 ?
	    FUZZ_MAX_RCPT - (unsigned)fuzz_range(&c->rng, 0, 1) :
	    (unsigned)fuzz_range(&c->rng, 0, 2);

	c->env.smtputf8 = utf8;
	c->env.nrcpt = i;
	if (!ipc_decode_rcpt(p, len, &c->env)) {
		FUZZ_ASSERT(c->env.nrcpt == i);
		return;
	}
	FUZZ_ASSERT(i < FUZZ_MAX_RCPT);
	FUZZ_ASSERT(c->env.nrcpt == i);		/* the caller advances it */
	STR_OK(c->env.rcpt[i]);
	STR_OK(c->env.dsn_notify[i]);
	STR_OK(c->env.dsn_orcpt[i]);
	FUZZ_ASSERT(c->env.rcpt[i][0] != '\0' && c->env.rcpt[i][0] != '-');
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_rcpt(&c->ob, &c->env, i));
	same_record(c, IPC_RCPT, p, len);
	c->env2.smtputf8 = utf8;
	c->env2.nrcpt = 0;
	FUZZ_ASSERT(ipc_decode_rcpt(c->ob.data + IPC_HDR, len, &c->env2));
	FUZZ_ASSERT(strcmp(c->env.rcpt[i], c->env2.rcpt[0]) == 0);
	FUZZ_ASSERT(strcmp(c->env.dsn_notify[i], c->env2.dsn_notify[0]) == 0);
	FUZZ_ASSERT(strcmp(c->env.dsn_orcpt[i], c->env2.dsn_orcpt[0]) == 0);
}

static void
try_data_begin(struct ctx *c, const char *p, size_t len)
{
	if (!ipc_decode_data_begin(p, len))
		return;
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_data_begin(&c->ob));
	same_record(c, IPC_DATA_BEGIN, p, len);
	FUZZ_ASSERT(ipc_decode_data_begin(c->ob.data + IPC_HDR, len));
}

static void
try_spool(struct ctx *c, const char *p, size_t len)
{
	struct ipc_spool sp, sp2;

	if (!ipc_decode_spool(p, len, &sp))
		return;
	STR_OK(sp.queue_id);
	if (!sp.ok) {
		STR_OK(sp.refusal.text);
		FUZZ_ASSERT(sp.refusal.code >= 400 && sp.refusal.code <= 599);
	}
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_spool(&c->ob, &sp));
	same_record(c, IPC_SPOOL, p, len);
	FUZZ_ASSERT(ipc_decode_spool(c->ob.data + IPC_HDR, len, &sp2));
	FUZZ_ASSERT(sp.ok == sp2.ok);
	if (sp.ok) {
		FUZZ_ASSERT(strcmp(sp.queue_id, sp2.queue_id) == 0);
	} else {
		FUZZ_ASSERT(sp.refusal.code == sp2.refusal.code);
		FUZZ_ASSERT(strcmp(sp.refusal.text, sp2.refusal.text) == 0);
	}
}

static void
try_data_end(struct ctx *c, const char *p, size_t len)
{
	struct ipc_data_end de, de2;

	if (!ipc_decode_data_end(p, len, &de))
		return;
	STR_OK(de.why);
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_data_end(&c->ob, &de));
	same_record(c, IPC_DATA_END, p, len);
	FUZZ_ASSERT(ipc_decode_data_end(c->ob.data + IPC_HDR, len, &de2));
	FUZZ_ASSERT(de.deliver == de2.deliver && de.size == de2.size);
	FUZZ_ASSERT(strcmp(de.why, de2.why) == 0);
}

static void
try_result(struct ctx *c, const char *p, size_t len)
{
	struct ipc_reply r, r2;

	if (!ipc_decode_result(p, len, &r))
		return;
	STR_OK(r.text);
	FUZZ_ASSERT(r.code >= 200 && r.code <= 599);
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_result(&c->ob, &r));
	same_record(c, IPC_RESULT, p, len);
	FUZZ_ASSERT(ipc_decode_result(c->ob.data + IPC_HDR, len, &r2));
	FUZZ_ASSERT(r.code == r2.code && strcmp(r.text, r2.text) == 0);
}

static void
try_log(struct ctx *c, const char *p, size_t len)
{
	struct ipc_log lg, lg2;

	if (!ipc_decode_log(p, len, &lg))
		return;
	STR_OK(lg.text);
	FUZZ_ASSERT(lg.prio <= 7);
	c->ob.len = 0;
	FUZZ_ASSERT(ipc_encode_log(&c->ob, lg.prio, lg.text));
	same_record(c, IPC_LOG, p, len);
	FUZZ_ASSERT(ipc_decode_log(c->ob.data + IPC_HDR, len, &lg2));
	FUZZ_ASSERT(lg.prio == lg2.prio && strcmp(lg.text, lg2.text) == 0);
}

static void
try_violation(const char *p, size_t len)
{
	uint32_t nr;

	if (ipc_decode_violation(p, len, &nr))
		FUZZ_ASSERT(len == sizeof(nr) && memcmp(&nr, p, len) == 0);
}

/* The supervisor's way: the header picks the one decoder. */
static void
whole_record(struct ctx *c, const char *p, size_t len)
{
	const char *payload = NULL;
	size_t plen = SIZE_MAX;
	enum ipc_type type = ipc_decode_header(p, len, &payload, &plen);

	if (type == 0)
		return;
	FUZZ_ASSERT(len >= IPC_HDR && payload == p + IPC_HDR);
	FUZZ_ASSERT(plen == len - IPC_HDR && plen <= IPC_MAX_RECORD);
	switch (type) {
	case IPC_DATA_BEGIN:
		try_data_begin(c, payload, plen);
		break;
	case IPC_SPOOL:
		try_spool(c, payload, plen);
		break;
	case IPC_DATA_END:
		try_data_end(c, payload, plen);
		break;
	case IPC_RESULT:
		try_result(c, payload, plen);
		break;
	case IPC_LOG:
		try_log(c, payload, plen);
		break;
	case IPC_VIOLATION:
		try_violation(payload, plen);
		break;
	case IPC_MAIL:
		try_mail(c, payload, plen);
		break;
	case IPC_RCPT:
		try_rcpt(c, payload, plen, c->env.smtputf8);
		break;
	case IPC_RSET:
		/* No payload and no decoder of its own. */
		break;
	default:
		FUZZ_ASSERT(0);		/* a type the header should refuse */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_copy(data, size);
	struct ctx *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->rng.s = fuzz_hash(data, size);
	c->ob.cap = IPC_HDR + IPC_MAX_RECORD;
	c->ob.data = malloc(c->ob.cap);
	if (c->ob.data == NULL || !envelope_alloc(&c->env, FUZZ_MAX_RCPT) ||
	    !envelope_alloc(&c->env2, FUZZ_MAX_RCPT))
		abort();

	whole_record(c, in, size);
	try_data_begin(c, in, size);
	try_mail(c, in, size);
	try_rcpt(c, in, size, false);
	try_rcpt(c, in, size, true);
	try_spool(c, in, size);
	try_data_end(c, in, size);
	try_result(c, in, size);
	try_log(c, in, size);
	try_violation(in, size);

	envelope_free(&c->env);
	envelope_free(&c->env2);
	free(c->ob.data);
	free(c);
	free(in);
	return 0;
}
