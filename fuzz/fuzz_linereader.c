#include "config.h"

/*
 * fuzz_linereader - libFuzzer target for src/linereader.c, the CR LF
 * framing of commands.  The input is a client's byte stream.
 *
 * It is fed twice, whole and in reads of sizes drawn from a PRNG seeded
 * from the input, and each event is checked against a model of RFC 5321
 * 2.3.8 written from the header, not from the code: a line ends only at
 * CR LF; a line holding a bare CR or LF is LR_BARE_EOL; otherwise one
 * longer than the limit is LR_TOO_LONG; otherwise LR_LINE with exactly
 * the octets before the CR LF.  So where reads end never matters.
 */

#include "linereader.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Limits to run with, picked from the input's hash. */
static const size_t maxes[] = {
	0, 1, 8, LIMIT_CMDLINE - 2, LIMIT_CMDLINE_EXT - 2,
	LIMIT_CMDLINE_EXT, LIMIT_CMDLINE_EXT + 1, SIZE_MAX,
};

struct model {
	const char *in;
	size_t len;
	size_t pos;		/* start of the line not yet reported */
	size_t max;		/* the limit as linereader_init clamps it */
};

/* Index of the next CR LF at or after pos, or len. */
static size_t
next_crlf(const struct model *m)
{
	size_t i;

	for (i = m->pos; i + 1 < m->len; i++)
		if (m->in[i] == '\r' && m->in[i + 1] == '\n')
			return i;
	return m->len;
}

/* The reader reported st, having consumed the input up to end. */
static void
model_event(struct model *m, enum lr_status st, size_t end,
    const char *line, size_t linelen)
{
	size_t eol = next_crlf(m), seglen, i;
	bool bare = false;

	FUZZ_ASSERT(eol < m->len);		/* there was a line to end */
	FUZZ_ASSERT(end == eol + 2);		/* it ended at its CR LF */
	seglen = eol - m->pos;
	for (i = m->pos; i < eol; i++)
		if (m->in[i] == '\r' || m->in[i] == '\n')
			bare = true;
	if (bare) {
		FUZZ_ASSERT(st == LR_BARE_EOL);
	} else if (seglen > m->max) {
		FUZZ_ASSERT(st == LR_TOO_LONG);
	} else {
		FUZZ_ASSERT(st == LR_LINE);
		FUZZ_ASSERT(linelen == seglen);
		FUZZ_ASSERT(memcmp(line, m->in + m->pos, seglen) == 0);
		FUZZ_ASSERT(line[linelen] == '\0');
	}
	m->pos = end;
}

/* Feed in[] in reads from rng (or whole when rng is NULL). */
static void
run(const char *in, size_t len, size_t max, struct fuzz_rng *rng)
{
	struct linereader *lr = malloc(sizeof(*lr));
	struct model m = { in, len, 0, max > LIMIT_CMDLINE_EXT ?
	    LIMIT_CMDLINE_EXT : max };
	size_t pos = 0;

	if (lr == NULL)
		abort();
	linereader_init(lr, max);
	FUZZ_ASSERT(!linereader_pending(lr));
	while (pos < len) {
		size_t n = rng != NULL ? fuzz_read_size(rng) : len - pos;
		size_t off = 0;

		if (n > len - pos)
			n = len - pos;
		/* One read: call until it is used up, as session.c does. */
		while (off < n) {
			const char *line = NULL;
			size_t c = 0, linelen = 0;
			enum lr_status st;

			st = linereader_push(lr, in + pos + off, n - off, &c,
			    &line, &linelen);
			FUZZ_ASSERT(c > 0 && c <= n - off);
			off += c;
			if (st == LR_NEED_MORE) {
				FUZZ_ASSERT(off == n);
				continue;
			}
			FUZZ_ASSERT(st == LR_LINE || st == LR_TOO_LONG ||
			    st == LR_BARE_EOL);
			FUZZ_ASSERT(linelen <= m.max);
			model_event(&m, st, pos + off, line, linelen);
		}
		pos += n;
	}
	/* No CR LF left unreported; a partial line is pending. */
	FUZZ_ASSERT(next_crlf(&m) == len);
	FUZZ_ASSERT(linereader_pending(lr) == (m.pos < len));
	free(lr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = fuzz_copy(data, size);
	struct fuzz_rng rng = { fuzz_hash(data, size) };
	size_t max = maxes[fuzz_next(&rng) % (sizeof(maxes) /
	    sizeof(maxes[0]))];

	run(in, size, max, NULL);
	run(in, size, max, &rng);
	/* The limit session.c uses, whatever the hash picked above. */
	run(in, size, LIMIT_CMDLINE_EXT - 2, &rng);
	free(in);
	return 0;
}
