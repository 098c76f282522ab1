/*
 * session-data.c - the message data: DATA (RFC 5321 4.1.1.4, through the
 * dot-unstuffing reader) and BDAT chunks (RFC 3030), spooled through the
 * session's ops.  Pure, like session.c; reads attacker bytes.
 */
#include "config.h"

#include "session-int.h"

#include <stdio.h>
#include <string.h>

#include "replies.h"
#include "util.h"

static void spool_flush(struct session *s);
static void data_finish(struct session *s, uint64_t size, bool bare_lf);
static void chunk_done(struct session *s);

void
sess_cmd_data(struct session *s, const char *arg, size_t len)
{
	struct smtp_reply r;

	if (s->state == ST_GREETED) {
		sess_reply_error(s, R_NEED_HELO);
		return;
	}
	if (s->state == ST_READY) {
		sess_reply_error(s, R_NEED_MAIL);
		return;
	}
	if (s->state == ST_MAIL) {
		sess_reply_error(s, R_NEED_RCPT);
		return;
	}
	/* RFC 3030 2: no mixing DATA and BDAT in one transaction, and
	 * BINARYMIME content can only be sent with BDAT. */
	if (s->bdat) {
		sess_reply_error(s, "503 5.5.1 DATA not allowed after BDAT");
		return;
	}
	if (s->env.body == BODY_BINARYMIME) {
		sess_reply_error(s, "503 5.5.1 BODY=BINARYMIME needs BDAT");
		return;
	}
	util_trim_blanks(arg, &len);
	if (len > 0) {
		sess_reply_error(s, R_NO_ARGS);
		return;
	}
	if (!s->ops->data_begin(s->ctx, &r)) {
		sess_reply_smtp(s, &r);
		return;
	}
	dataread_init(&s->dr, s->cfg.crlf);
	s->data_reject = NULL;
	s->write_errno = 0;
	s->spool_len = 0;
	s->state = ST_DATA;
	sess_reply(s, R_DATA_GO);
}

/*
 * RFC 3030 2: "BDAT" SP chunk-size [ SP end-marker ], chunk-size 1*DIGIT,
 * end-marker "LAST".  The chunk follows the CR LF at once.  A BDAT we
 * refuse still has its chunk read and thrown away, so the octets are
 * never taken for commands.
 */
void
sess_cmd_bdat(struct session *s, const char *arg, size_t len)
{
	struct smtp_reply r;
	uint64_t size;
	size_t n;
	bool last = false;

	if (!s->cfg.chunking) {
		sess_reply_error(s, R_UNKNOWN);
		return;
	}
	util_trim_blanks(arg, &len);
	for (n = 0; n < len && arg[n] != ' '; n++)
		;
	if (n < len) {
		const char *m = arg + n;
		size_t ml = len - n;

		sess_skip_sp(&m, &ml);
		if (!util_word_eq(m, ml, "last")) {
			sess_reply_error(s, "501 5.5.4 Syntax: BDAT size [LAST]");
			return;
		}
		last = true;
	}
	/* A size we cannot read leaves us no way to find the chunk's end:
	 * refuse it, and the session reads on as commands. */
	if (!util_parse_u64(arg, n, UINT64_MAX, &size)) {
		sess_reply_error(s, "501 5.5.4 Syntax: BDAT size [LAST]");
		return;
	}
	s->chunk_left = size;
	s->chunk_last = last;
	s->chunk_refusal = NULL;
	s->chunk_replies = 1;
	s->chunk_is_error = false;
	if (s->state != ST_RCPT) {
		s->chunk_refusal = s->state == ST_MAIL ?
		    "503 5.5.1 Need RCPT before BDAT" :
		    s->state == ST_GREETED ? R_NEED_HELO :
		    "503 5.5.1 Need MAIL and RCPT before BDAT";
		/* A client mistake: counted against --max-errors when the
		 * chunk has been read and the reply goes out. */
		s->chunk_is_error = true;
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
			sess_tx_clear(s);
		} else {
			sess_tx_reset(s);
		}
	} else if (!s->bdat) {
		if (!s->ops->data_begin(s->ctx, &r)) {
			snprintf(s->refusal_buf, sizeof(s->refusal_buf),
			    "%03u %s", r.code, r.text);
			s->chunk_refusal = s->refusal_buf;
			sess_tx_reset(s);
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


/* The chunk was read: answer it. */
static void
chunk_done(struct session *s)
{
	char line[64];

	s->state = s->chunk_prev;
	if (s->chunk_refusal != NULL) {
		unsigned i;

		if (s->chunk_is_error)
			sess_reply_error(s, s->chunk_refusal);
		else
			for (i = 0; i < s->chunk_replies; i++)
				sess_reply(s, s->chunk_refusal);
		s->chunk_refusal = NULL;
		return;
	}
	if (!s->chunk_last) {
		snprintf(line, sizeof(line), "250 2.0.0 %llu octets received",
		    (unsigned long long)s->bdat_octets);
		sess_reply(s, line);
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
size_t
sess_chunk_feed(struct session *s, const char *in, size_t len)
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
			sess_reply_smtp(s, &s->replies[i]);
	} else {
		const char *refusal = s->write_errno != 0 ? R_NO_SPACE :
		    size > s->cfg.max_size ? R_MSG_TOO_BIG : R_BARE_LF_MSG;

		s->ops->data_end(s->ctx, false, why, size, s->replies, 0);
		for (i = 0; i < n; i++)
			sess_reply(s, refusal);
	}
	/* RFC 5321 4.1.1.4: after the reply the transaction is over. */
	s->state = ST_READY;
	sess_tx_clear(s);
}

/* Returns how much input the DATA phase consumed. */
size_t
sess_data_feed(struct session *s, const char *in, size_t len)
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

