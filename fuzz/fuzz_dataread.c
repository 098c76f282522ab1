#include "config.h"

/*
 * fuzz_dataread - libFuzzer target for src/dataread.c, the DATA reader.
 * The input is what a client sends after 354: one message, or several
 * back to back (after an end of data the reader is started again, as the
 * session does for the next transaction).
 *
 * The differential property (issue 6): the input is fed whole with a
 * large output buffer, and again in reads of sizes drawn from a PRNG
 * seeded from the input with small output buffers drained on
 * DR_OUT_FULL.  The output, where each message ends, its size and its
 * flags must be identical; where reads end must never matter.
 *
 * The whole run is also checked against RFC 5321 directly:
 *   - data ends exactly after the first CR LF "." CR LF (the start of a
 *     message counts as after CR LF), never at any bare CR or LF variant
 *     (4.1.1.4; SMTP smuggling);
 *   - the size is every octet sent before that "." CR LF;
 *   - saw_bare_cr/saw_bare_lf say whether a CR not before LF or an LF not
 *     after CR was sent;
 *   - a message without bare CR or LF comes out as its lines with one
 *     leading dot removed (4.5.2), each ended by the configured EOL.
 * Both EOL conventions are run on every input.
 */

#include "dataread.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

struct msg {
	size_t in_start, in_end;	/* input octets of the message */
	size_t out_start, out_end;	/* its output */
	bool ended;			/* by CR LF "." CR LF */
	uint64_t octets;
	bool bare_lf, bare_cr;
	enum dr_state state;		/* where an unfinished one stopped */
};

struct result {
	char *out;
	size_t outlen, outcap;
	struct msg *msgs;
	size_t nmsgs, maxmsgs;
};

static void
result_init(struct result *r, size_t size)
{
	/*
	 * The only expansion is a bare LF becoming CR LF (or "." LF becoming
	 * "." CR LF): at most two output octets per input octet.  More would
	 * be a bug, and overruns this buffer.
	 */
	r->outcap = 2 * size + DATAREAD_MIN_OUT;
	r->out = malloc(r->outcap);
	r->outlen = 0;
	/* A message takes at least 3 octets (".\r\n"), plus the last. */
	r->maxmsgs = size / 3 + 1;
	r->msgs = calloc(r->maxmsgs, sizeof(*r->msgs));
	r->nmsgs = 0;
	if (r->out == NULL || r->msgs == NULL)
		abort();
}

static void
result_free(struct result *r)
{
	free(r->out);
	free(r->msgs);
}

static void
append(struct result *r, const char *p, size_t n)
{
	FUZZ_ASSERT(n <= r->outcap - r->outlen);
	memcpy(r->out + r->outlen, p, n);
	r->outlen += n;
}

/* Record the message that started at in_start and stopped at in_end. */
static void
record(struct result *r, const struct dataread *dr, size_t in_start,
    size_t in_end, size_t out_start, bool ended)
{
	struct msg *m;

	FUZZ_ASSERT(r->nmsgs < r->maxmsgs);
	m = &r->msgs[r->nmsgs++];
	m->in_start = in_start;
	m->in_end = in_end;
	m->out_start = out_start;
	m->out_end = r->outlen;
	m->ended = ended;
	m->octets = dr->octets;
	m->bare_lf = dr->saw_bare_lf;
	m->bare_cr = dr->saw_bare_cr;
	m->state = ended ? DR_BOL : dr->state;
}

/*
 * Feed in[] to the reader.  Whole: one read, written straight into the
 * result (whose end is the end of the allocation, so ASan sees an
 * overrun).  Split (rng != NULL): reads and output buffers of PRNG
 * sizes, each output buffer malloc'd to exactly its size.
 */
static void
run(const char *in, size_t len, bool crlf, struct fuzz_rng *rng,
    struct result *r)
{
	struct dataread dr;
	size_t pos = 0, msg_start = 0, msg_out = 0;

	dataread_init(&dr, crlf);
	while (pos < len) {
		size_t n = rng != NULL ? fuzz_read_size(rng) : len - pos;
		size_t off = 0;

		if (n > len - pos)
			n = len - pos;
		while (off < n) {
			size_t cap, c = SIZE_MAX, p = SIZE_MAX;
			enum dr_status st;
			char *out;

			if (rng != NULL) {
				cap = (fuzz_next(rng) & 3) == 0 ?
				    fuzz_range(rng, DATAREAD_MIN_OUT, 256) :
				    fuzz_range(rng, DATAREAD_MIN_OUT, 16);
				out = malloc(cap);
				if (out == NULL)
					abort();
			} else {
				cap = r->outcap - r->outlen;
				out = r->out + r->outlen;
			}
			st = dataread_push(&dr, in + pos + off, n - off, out,
			    cap, &c, &p);
			FUZZ_ASSERT(c <= n - off && p <= cap);
			/* DATAREAD_MIN_OUT promises progress. */
			FUZZ_ASSERT(c > 0 || p > 0);
			if (rng != NULL) {
				append(r, out, p);
				free(out);
			} else {
				r->outlen += p;
			}
			off += c;
			switch (st) {
			case DR_NEED_MORE:
				FUZZ_ASSERT(off == n);
				break;
			case DR_OUT_FULL:
				break;
			case DR_END:
				record(r, &dr, msg_start, pos + off, msg_out,
				    true);
				msg_start = pos + off;
				msg_out = r->outlen;
				dataread_init(&dr, crlf);
				break;
			default:
				FUZZ_ASSERT(0);
			}
		}
		pos += n;
	}
	if (msg_start < len || r->nmsgs == 0)
		record(r, &dr, msg_start, len, msg_out, false);
}

static void
compare(const struct result *a, const struct result *b)
{
	size_t i;

	FUZZ_ASSERT(a->outlen == b->outlen);
	FUZZ_ASSERT(a->outlen == 0 ||
	    memcmp(a->out, b->out, a->outlen) == 0);
	FUZZ_ASSERT(a->nmsgs == b->nmsgs);
	for (i = 0; i < a->nmsgs; i++) {
		const struct msg *x = &a->msgs[i], *y = &b->msgs[i];

		FUZZ_ASSERT(x->in_start == y->in_start);
		FUZZ_ASSERT(x->in_end == y->in_end);
		FUZZ_ASSERT(x->out_start == y->out_start);
		FUZZ_ASSERT(x->out_end == y->out_end);
		FUZZ_ASSERT(x->ended == y->ended);
		FUZZ_ASSERT(x->octets == y->octets);
		FUZZ_ASSERT(x->bare_lf == y->bare_lf);
		FUZZ_ASSERT(x->bare_cr == y->bare_cr);
		FUZZ_ASSERT(x->state == y->state);
	}
}

/* End of the first CR LF "." CR LF from start (start counts as after
 * CR LF), or SIZE_MAX. */
static size_t
rfc_end(const char *in, size_t len, size_t start)
{
	size_t j;

	for (j = start; j + 2 < len; j++) {
		if (in[j] != '.' || in[j + 1] != '\r' || in[j + 2] != '\n')
			continue;
		if (j == start || (j >= start + 2 && in[j - 2] == '\r' &&
		    in[j - 1] == '\n'))
			return j + 3;
	}
	return SIZE_MAX;
}

static void
check_rfc(const char *in, size_t len, bool crlf, const struct result *r)
{
	size_t i, k;

	for (i = 0; i < r->nmsgs; i++) {
		const struct msg *m = &r->msgs[i];
		size_t end = rfc_end(in, len, m->in_start);
		size_t body_end, o;
		bool bare_cr = false, bare_lf = false;

		FUZZ_ASSERT(m->in_start == (i == 0 ? 0 :
		    r->msgs[i - 1].in_end));
		if (!m->ended) {
			/* Only the last may be unfinished, and it must
			 * hold no end of data. */
			FUZZ_ASSERT(i + 1 == r->nmsgs);
			FUZZ_ASSERT(end == SIZE_MAX && m->in_end == len);
			FUZZ_ASSERT(m->octets == len - m->in_start);
			continue;
		}
		FUZZ_ASSERT(m->in_end == end);
		body_end = end - 3;		/* before "." CR LF */
		FUZZ_ASSERT(m->octets == body_end - m->in_start);
		for (k = m->in_start; k < body_end; k++) {
			if (in[k] == '\r' && in[k + 1] != '\n')
				bare_cr = true;
			if (in[k] == '\n' && (k == m->in_start ||
			    in[k - 1] != '\r'))
				bare_lf = true;
		}
		FUZZ_ASSERT(m->bare_cr == bare_cr);
		FUZZ_ASSERT(m->bare_lf == bare_lf);
		if (bare_cr || bare_lf)
			continue;
		/* Clean lines: unstuff one dot, rewrite the EOL. */
		o = m->out_start;
		k = m->in_start;
		while (k < body_end) {
			size_t e = k;

			while (in[e] != '\r')
				e++;		/* a CR LF ends every line */
			if (in[k] == '.')
				k++;
			FUZZ_ASSERT(m->out_end - o >= e - k);
			FUZZ_ASSERT(memcmp(r->out + o, in + k, e - k) == 0);
			o += e - k;
			if (crlf) {
				FUZZ_ASSERT(o < m->out_end &&
				    r->out[o] == '\r');
				o++;
			}
			FUZZ_ASSERT(o < m->out_end && r->out[o] == '\n');
			o++;
			k = e + 2;
		}
		FUZZ_ASSERT(o == m->out_end);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_copy(data, size);
	struct fuzz_rng rng = { fuzz_hash(data, size) };
	int crlf;

	for (crlf = 0; crlf <= 1; crlf++) {
		struct result whole, split;

		result_init(&whole, size);
		result_init(&split, size);
		run(in, size, crlf, NULL, &whole);
		run(in, size, crlf, &rng, &split);
		compare(&whole, &split);
		check_rfc(in, size, crlf, &whole);
		result_free(&whole);
		result_free(&split);
	}
	free(in);
	return 0;
}
