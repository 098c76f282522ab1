#include "config.h"

#include "dataread.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * unit_dataread - table tests and properties for src/dataread.c.
 *
 * Table: every case is fed whole (big output buffer), byte by byte
 * (output buffer DATAREAD_MIN_OUT) and split in two at every offset (a
 * sample for the very long ones), each chunk in an exact-size malloc'd
 * buffer so ASan sees reads past it; output buffers are exact-size too.
 *
 * An input is in, fill octets 'a', in2; its expected output is out, the
 * same fill, out2.  octets in a case leaves out the fill.
 *
 * Properties, over the cases and ~2000 pseudo-random streams (fixed
 * seed) of '.', CR, LF and 'a' mostly:
 *  - differential: random read splits and small output buffers
 *    (DATAREAD_MIN_OUT .. 16, drained on DR_OUT_FULL) give the same
 *    bytes, END position and flags as one whole read;
 *  - progress: every call consumes or produces, within a bound;
 *  - oracle: the data ends exactly after the first CR LF "." CR LF (or
 *    "." CR LF at the very start), flags and size follow from the bytes,
 *    and the output equals a line-by-line reference model.
 */

static unsigned int passed, failed;

struct dr_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	size_t fill;		/* 'a' octets after in, in input and output */
	const char *in2;
	bool crlf;
	const char *out;
	size_t outlen;
	const char *out2;	/* after the fill in the output */
	bool end;
	size_t trail;		/* with end: octets left unconsumed */
	bool blf, bcr;		/* saw_bare_lf, saw_bare_cr */
	uint64_t octets;	/* without the fill */
};

#define BIN(s) .in = (s), .len = sizeof(s) - 1
#define OUT(s) .out = (s), .outlen = sizeof(s) - 1

static const struct dr_case cases[] = {
	/* Dot-unstuffing, RFC 5321 4.5.2. */
	{ .name = "dot-stuffed line", .in = "..x\r\n.\r\n", OUT(".x\n"),
	  .end = true, .octets = 5 },
	{ .name = "line of only ..", .in = "a\r\n..\r\n.\r\n",
	  OUT("a\n.\n"), .end = true, .octets = 7 },
	{ .name = "line of only .. first", .in = "..\r\n.\r\n", OUT(".\n"),
	  .end = true, .octets = 4 },
	{ .name = "...", .in = "...\r\n.\r\n", OUT("..\n"), .end = true,
	  .octets = 5 },
	{ .name = "dot inside a line kept", .in = "a.b\r\n.x\r\n.\r\n",
	  OUT("a.b\nx\n"), .end = true, .octets = 9 },

	/* Line ends. */
	{ .name = "CRLF to LF", .in = "Subject: x\r\n\r\nbody\r\n.\r\n",
	  OUT("Subject: x\n\nbody\n"), .end = true, .octets = 20 },
	{ .name = "--crlf keeps CRLF",
	  .in = "Subject: x\r\n\r\nbody\r\n.\r\n", .crlf = true,
	  OUT("Subject: x\r\n\r\nbody\r\n"), .end = true, .octets = 20 },
	{ .name = "--crlf dot-unstuffing", .in = "..\r\n..x\r\n.\r\n",
	  .crlf = true, OUT(".\r\n.x\r\n"), .end = true, .octets = 9 },

	/* The end. */
	{ .name = "immediate end", .in = ".\r\n", OUT(""), .end = true,
	  .octets = 0 },
	{ .name = "immediate end, pipelined after", .in = ".\r\nQUIT\r\n",
	  OUT(""), .end = true, .trail = 6, .octets = 0 },
	{ .name = "end, pipelined after",
	  .in = "a\r\n.\r\nMAIL FROM:<x@y.z>\r\nRCPT TO:<u@v.w>\r\n",
	  OUT("a\n"), .end = true, .trail = 36, .octets = 3 },
	{ .name = "end, a second end after", .in = "a\r\n.\r\n.\r\n",
	  OUT("a\n"), .end = true, .trail = 3, .octets = 3 },
	{ .name = "no end yet", .in = "a\r\nb", OUT("a\nb"), .octets = 4 },
	{ .name = "no end yet: held dot", .in = "a\r\n.", OUT("a\n"),
	  .octets = 4 },
	{ .name = "no end yet: held dot CR", .in = "a\r\n.\r", OUT("a\n"),
	  .octets = 5 },
	{ .name = "no end: empty", .in = "", OUT(""), .octets = 0 },

	/* Long lines are never split or truncated. */
	{ .name = "5000-octet line", .in = "", .fill = 5000,
	  .in2 = "\r\n.\r\n", OUT(""), .out2 = "\n", .end = true,
	  .octets = 2 },
	{ .name = "100000-octet line", .in = "x\r\n", .fill = 100000,
	  .in2 = "\r\n.\r\nQUIT\r\n", OUT("x\n"), .out2 = "\n", .end = true,
	  .trail = 6, .octets = 5 },
	{ .name = "100000-octet line, --crlf", .in = ".", .fill = 100000,
	  .in2 = "\r\n.\r\n", .crlf = true, OUT(""), .out2 = "\r\n",
	  .end = true, .octets = 3 },

	/* SMTP smuggling: none of these ends the data. */
	{ .name = "smuggle LF.LF", .in = "a\n.\nMAIL FROM:<e@v.il>\r\n",
	  OUT("a\n.\nMAIL FROM:<e@v.il>\n"), .blf = true, .octets = 24 },
	{ .name = "smuggle LF.LF, real end later",
	  .in = "a\n.\nb\r\n.\r\n", OUT("a\n.\nb\n"), .end = true,
	  .blf = true, .octets = 7 },
	{ .name = "smuggle CR.CR", .in = "a\r.\rMAIL FROM:<e@v.il>\r\n",
	  OUT("a\r.\rMAIL FROM:<e@v.il>\n"), .bcr = true, .octets = 24 },
	{ .name = "smuggle CR.CR, real end later",
	  .in = "a\r.\rb\r\n.\r\n", OUT("a\r.\rb\n"), .end = true,
	  .bcr = true, .octets = 7 },
	{ .name = "smuggle LF.CRLF", .in = "a\n.\r\nMAIL FROM:<e@v.il>\r\n",
	  OUT("a\n.\nMAIL FROM:<e@v.il>\n"), .blf = true, .octets = 25 },
	{ .name = "smuggle LF.CRLF, real end later",
	  .in = "a\n.\r\nb\r\n.\r\n", OUT("a\n.\nb\n"), .end = true,
	  .blf = true, .octets = 8 },
	{ .name = "smuggle CRLF.LF",
	  .in = "a\r\n.\nMAIL FROM:<e@v.il>\r\n",
	  OUT("a\n.\nMAIL FROM:<e@v.il>\n"), .blf = true, .octets = 25 },
	{ .name = "smuggle CRLF.LF, real end later",
	  .in = "a\r\n.\nb\r\n.\r\n", OUT("a\n.\nb\n"), .end = true,
	  .blf = true, .octets = 8 },
	{ .name = "smuggle CR.CRLF", .in = "a\r.\r\nMAIL FROM:<e@v.il>\r\n",
	  OUT("a\r.\nMAIL FROM:<e@v.il>\n"), .bcr = true, .octets = 25 },
	{ .name = "smuggle CR.CRLF, real end later",
	  .in = "a\r.\r\nb\r\n.\r\n", OUT("a\r.\nb\n"), .end = true,
	  .bcr = true, .octets = 8 },
	{ .name = "smuggle CRLF.CR x", .in = "a\r\n.\rx\r\n",
	  OUT("a\n\rx\n"), .bcr = true, .octets = 8 },
	{ .name = "smuggle CRLF.CR x, real end later",
	  .in = "a\r\n.\rx\r\n.\r\n", OUT("a\n\rx\n"), .end = true,
	  .bcr = true, .octets = 8 },
	{ .name = "smuggle .CR x at start", .in = ".\rx", OUT("\rx"),
	  .bcr = true, .octets = 3 },
	{ .name = "smuggle .CR CR LF", .in = "a\r\n.\r\r\nb",
	  OUT("a\n\r\nb"), .bcr = true, .octets = 8 },
	{ .name = ".LF at start", .in = ".\n.\r\nb", OUT(".\n.\nb"),
	  .blf = true, .octets = 6 },
	{ .name = "smuggle LF.CRLF --crlf", .in = "a\n.\r\nb\r\n.\r\n",
	  .crlf = true, OUT("a\r\n.\r\nb\r\n"), .end = true, .blf = true,
	  .octets = 8 },

	/* Bare CR kept, bare LF a line end. */
	{ .name = "bare CR kept", .in = "a\rb\r\n.\r\n", OUT("a\rb\n"),
	  .end = true, .bcr = true, .octets = 5 },
	{ .name = "bare CR kept, --crlf", .in = "a\rb\r\n.\r\n", .crlf = true,
	  OUT("a\rb\r\n"), .end = true, .bcr = true, .octets = 5 },
	{ .name = "CR CR LF", .in = "a\r\r\n.\r\n", OUT("a\r\n"),
	  .end = true, .bcr = true, .octets = 4 },
	{ .name = "bare LF is a line end", .in = "a\nb\r\n.\r\n",
	  OUT("a\nb\n"), .end = true, .blf = true, .octets = 5 },
	{ .name = "bare LF is a line end, --crlf", .in = "a\nb\r\n.\r\n",
	  .crlf = true, OUT("a\r\nb\r\n"), .end = true, .blf = true,
	  .octets = 5 },
	{ .name = "bare LF then stuffed dot", .in = "a\n..b\r\n.\r\n",
	  OUT("a\n.b\n"), .end = true, .blf = true, .octets = 7 },
	{ .name = "NUL kept", BIN("a\0b\r\n.\r\n"), OUT("a\0b\n"),
	  .end = true, .octets = 5 },
	{ .name = "8-bit kept", .in = "\xff\xc3\xa9\r\n.\r\n",
	  OUT("\xff\xc3\xa9\n"), .end = true, .octets = 5 },
};

/* ------------------------------------------------------------ runner */

struct res {
	char *out;
	size_t outlen, outcap;
	bool end;
	size_t consumed;
	bool blf, bcr;
	uint64_t octets;
	bool stuck;		/* no progress, or bad counts */
	char why[96];
};

static void
res_add(struct res *r, const char *p, size_t n)
{
	if (r->outlen + n > r->outcap) {
		r->outcap = (r->outlen + n) * 2 + 64;
		r->out = realloc(r->out, r->outcap);
		if (r->out == NULL) {
			perror("realloc");
			exit(99);
		}
	}
	if (n > 0)
		memcpy(r->out + r->outlen, p, n);
	r->outlen += n;
}

static void
res_free(struct res *r)
{
	free(r->out);
	memset(r, 0, sizeof(*r));
}

/*
 * Feed in[0..len) in chunks ending at cuts[] (ascending) and then len,
 * with an output buffer of outcap octets.
 */
static void
dr_run(const char *in, size_t len, bool crlf, const size_t *cuts,
    size_t ncuts, size_t outcap, struct res *r)
{
	struct dataread dr;
	char *out = xmalloc(outcap);
	size_t prev = 0, k, calls = 0, maxcalls = 4 * len + ncuts + 16;

	memset(r, 0, sizeof(*r));
	dataread_init(&dr, crlf);
	for (k = 0; k <= ncuts && !r->end && !r->stuck; k++) {
		size_t end = k < ncuts ? cuts[k] : len, clen = end - prev;
		size_t off = 0;
		char *chunk = xmalloc(clen);

		if (clen > 0)
			memcpy(chunk, in + prev, clen);
		while (off < clen) {
			size_t c = (size_t)-1, p = (size_t)-1;
			enum dr_status st;

			st = dataread_push(&dr, chunk + off, clen - off, out,
			    outcap, &c, &p);
			if (c > clen - off || p > outcap) {
				r->stuck = true;
				snprintf(r->why, sizeof(r->why), "consumed %zu "
				    "of %zu, produced %zu of %zu", c,
				    clen - off, p, outcap);
				break;
			}
			res_add(r, out, p);
			off += c;
			r->consumed += c;
			if (st == DR_END) {
				r->end = true;
				break;
			}
			if (++calls > maxcalls || (c == 0 && p == 0)) {
				r->stuck = true;
				snprintf(r->why, sizeof(r->why), "no progress "
				    "(call %zu, at %zu)", calls, r->consumed);
				break;
			}
			if (st == DR_NEED_MORE && off != clen) {
				r->stuck = true;
				snprintf(r->why, sizeof(r->why), "NEED_MORE "
				    "with %zu octets unconsumed", clen - off);
				break;
			}
			if (st == DR_OUT_FULL && off == clen) {
				/* Allowed, but then a call with no input
				 * must have nothing to do: nothing held. */
				continue;
			}
		}
		free(chunk);
		prev = end;
	}
	r->blf = dr.saw_bare_lf;
	r->bcr = dr.saw_bare_cr;
	r->octets = dr.octets;
	free(out);
}

static void
show(const char *p, size_t len)
{
	show_octets(p, len, 80, 30, SHOW_CRLF);
}

/* Compare two results; prints and returns false on a difference. */
static bool
same(const char *name, const char *how, const char *in, size_t len,
    const struct res *want, const struct res *got)
{
	const char *what = NULL;

	if (got->stuck)
		what = got->why;
	else if (got->end != want->end)
		what = "END";
	else if (got->consumed != want->consumed)
		what = "consumed";
	else if (got->outlen != want->outlen || (got->outlen > 0 &&
	    memcmp(got->out, want->out, got->outlen) != 0))
		what = "output";
	else if (got->blf != want->blf)
		what = "saw_bare_lf";
	else if (got->bcr != want->bcr)
		what = "saw_bare_cr";
	else if (got->octets != want->octets)
		what = "octets";
	if (what == NULL)
		return true;
	printf("FAIL %s (%s): %s differs; input \"", name, how, what);
	show(in, len);
	printf("\"\n  got  end=%d consumed=%zu lf=%d cr=%d octets=%" PRIu64
	    " out \"", got->end, got->consumed, got->blf, got->bcr,
	    got->octets);
	show(got->out, got->outlen);
	printf("\"\n  want end=%d consumed=%zu lf=%d cr=%d octets=%" PRIu64
	    " out \"", want->end, want->consumed, want->blf, want->bcr,
	    want->octets);
	show(want->out, want->outlen);
	printf("\"\n");
	return false;
}

/* ------------------------------------------------------------ oracle */

/*
 * Reference model, written from the RFC and dataread.h, not from the
 * state machine: the data ends after the first CR LF "." CR LF (the
 * first CR LF may be the start of the data); CR LF and a bare LF end a
 * line; a bare CR is content; a line's leading "." is dropped when more
 * than a line end follows it on the line (RFC 5321 4.5.2), a bare CR
 * included.
 */
static void
oracle(const char *in, size_t len, bool crlf, struct res *r)
{
	size_t i, endpos = 0, rlen;
	bool bol = true;

	memset(r, 0, sizeof(*r));
	if (len >= 3 && memcmp(in, ".\r\n", 3) == 0) {
		r->end = true;
		endpos = 3;
	}
	for (i = 0; !r->end && i + 5 <= len; i++)
		if (memcmp(in + i, "\r\n.\r\n", 5) == 0) {
			r->end = true;
			endpos = i + 5;
		}
	r->consumed = r->end ? endpos : len;
	rlen = r->end ? endpos - 3 : len;
	r->octets = rlen;
	for (i = 0; i < r->consumed; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			r->blf = true;
		if (in[i] == '\r' && i + 1 < r->consumed && in[i + 1] != '\n')
			r->bcr = true;
	}
	/* Output only for data that ended: an unfinished tail is held. */
	if (!r->end)
		return;
	for (i = 0; i < rlen;) {
		if (bol && in[i] == '.' && i + 1 < rlen && in[i + 1] != '\n' &&
		    !(in[i + 1] == '\r' && i + 2 < rlen && in[i + 2] == '\n'))
			i++;
		bol = false;
		if (in[i] == '\r' && i + 1 < rlen && in[i + 1] == '\n') {
			res_add(r, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
			i += 2;
			bol = true;
		} else if (in[i] == '\n') {
			res_add(r, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
			i++;
			bol = true;
		} else {
			res_add(r, in + i, 1);
			i++;
		}
	}
}

/* ------------------------------------------------------------ rng */

static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static size_t
rng_below(size_t n)
{
	return n == 0 ? 0 : (size_t)(rng() % n);
}

/* Random ascending cut points in [0, len]. */
static size_t
random_cuts(size_t len, size_t *cuts, size_t maxcuts)
{
	size_t n = 0, pos = 0;

	while (n < maxcuts) {
		/* Mostly short reads, sometimes long ones. */
		pos += rng_below(8) == 0 ? rng_below(64) : rng_below(5);
		if (pos >= len)
			break;
		cuts[n++] = pos;
	}
	return n;
}

/* ------------------------------------------------------------ table */

static bool
check_oracle(const char *name, const char *in, size_t len, bool crlf,
    const struct res *got)
{
	struct res o;
	bool ok;

	oracle(in, len, crlf, &o);
	if (!o.end) {
		/* The model has no output for an unfinished tail. */
		free(o.out);
		o.out = got->out != NULL ? xmalloc(got->outlen) : NULL;
		if (got->outlen > 0)
			memcpy(o.out, got->out, got->outlen);
		o.outlen = got->outlen;
	}
	ok = same(name, "oracle", in, len, &o, got);
	res_free(&o);
	return ok;
}

static void
run_case(const struct dr_case *c)
{
	size_t inlen = c->len != 0 ? c->len : strlen(c->in);
	size_t in2len = c->in2 != NULL ? strlen(c->in2) : 0;
	size_t out2len = c->out2 != NULL ? strlen(c->out2) : 0;
	size_t len = inlen + c->fill + in2len, k, step, nfail = 0;
	char *in = xmalloc(len), how[64];
	size_t *bytes;
	struct res want, got;
	bool ok;

	memcpy(in, c->in, inlen);
	memset(in + inlen, 'a', c->fill);
	if (in2len > 0)
		memcpy(in + inlen + c->fill, c->in2, in2len);

	memset(&want, 0, sizeof(want));
	res_add(&want, c->out, c->outlen);
	for (k = 0; k < c->fill; k++)
		res_add(&want, "a", 1);
	if (out2len > 0)
		res_add(&want, c->out2, out2len);
	want.end = c->end;
	want.consumed = len - c->trail;
	want.blf = c->blf;
	want.bcr = c->bcr;
	want.octets = c->octets + c->fill;

	dr_run(in, len, c->crlf, NULL, 0, 3 * len + 16, &got);
	ok = same(c->name, "whole", in, len, &want, &got);
	ok = check_oracle(c->name, in, len, c->crlf, &got) && ok;
	res_free(&got);

	bytes = xmalloc(len * sizeof(*bytes));
	for (k = 0; k + 1 < len; k++)
		bytes[k] = k + 1;
	dr_run(in, len, c->crlf, bytes, len > 0 ? len - 1 : 0,
	    DATAREAD_MIN_OUT, &got);
	ok = same(c->name, "byte by byte", in, len, &want, &got) && ok;
	res_free(&got);
	free(bytes);

	step = len <= 4096 ? 1 : 997;
	for (k = 0; k <= len; k++) {
		size_t outcap = DATAREAD_MIN_OUT + k % 13;

		if (step > 1 && k > 8 && k + 8 < len && k % step != 0 &&
		    !(k + 4 >= inlen && k <= inlen + 4) &&
		    !(k + 4 >= inlen + c->fill && k <= inlen + c->fill + 4))
			continue;
		dr_run(in, len, c->crlf, &k, 1, outcap, &got);
		snprintf(how, sizeof(how), "split at %zu, outcap %zu", k,
		    outcap);
		if (!same(c->name, how, in, len, &want, &got)) {
			ok = false;
			if (++nfail > 3) {
				res_free(&got);
				break;
			}
		}
		res_free(&got);
	}
	res_free(&want);
	free(in);
	if (ok)
		passed++;
	else
		failed++;
}

/* ------------------------------------------------------- properties */

#define NRANDOM 2000
#define MAXRAND 300

/* Weighted toward the octets that matter. */
static char
rand_octet(void)
{
	size_t r = rng_below(100);

	if (r < 30)
		return '.';
	if (r < 55)
		return '\r';
	if (r < 80)
		return '\n';
	if (r < 95)
		return 'a';
	if (r < 98)
		return 'b';
	return r == 98 ? '\0' : (char)0xff;
}

static size_t
rand_stream(char *buf, size_t cap)
{
	size_t len = rng_below(MAXRAND + 1), i;

	for (i = 0; i < len; i++)
		buf[i] = rand_octet();
	/* Half the streams surely end somewhere, perhaps with more after. */
	if (rng_below(2) == 0 && len + 5 + 16 <= cap) {
		memcpy(buf + len, "\r\n.\r\n", 5);
		len += 5;
		for (i = rng_below(16); i > 0; i--)
			buf[len++] = rand_octet();
	}
	return len;
}

static unsigned int prop_fail;

static void
prop_stream(const char *name, const char *in, size_t len)
{
	size_t cuts[MAXRAND * 2 + 64], ncuts, k, n;
	struct res ref, got;
	char how[64];
	int crlf;

	for (crlf = 0; crlf <= 1; crlf++) {
		dr_run(in, len, crlf, NULL, 0, 3 * len + 16, &ref);
		if (ref.stuck || !check_oracle(name, in, len, crlf, &ref)) {
			prop_fail++;
			res_free(&ref);
			continue;
		}
		/* Byte by byte, smallest buffer. */
		for (k = 0; k + 1 < len && k < sizeof(cuts) / sizeof(cuts[0]);
		    k++)
			cuts[k] = k + 1;
		dr_run(in, len, crlf, cuts, k, DATAREAD_MIN_OUT, &got);
		if (!same(name, "byte by byte, outcap 4", in, len, &ref, &got))
			prop_fail++;
		res_free(&got);
		/* Random splits, random small buffers. */
		for (n = 0; n < 4; n++) {
			size_t outcap = DATAREAD_MIN_OUT +
			    rng_below(16 - DATAREAD_MIN_OUT + 1);

			ncuts = random_cuts(len, cuts,
			    sizeof(cuts) / sizeof(cuts[0]));
			dr_run(in, len, crlf, cuts, ncuts, outcap, &got);
			snprintf(how, sizeof(how), "random split %zu, %s, "
			    "outcap %zu", n, crlf ? "crlf" : "lf", outcap);
			if (!same(name, how, in, len, &ref, &got))
				prop_fail++;
			res_free(&got);
		}
		/* Whole, smallest buffer. */
		dr_run(in, len, crlf, NULL, 0, DATAREAD_MIN_OUT, &got);
		if (!same(name, "whole, outcap 4", in, len, &ref, &got))
			prop_fail++;
		res_free(&got);
		res_free(&ref);
	}
}

static void
run_properties(void)
{
	static char buf[MAXRAND + 64];
	size_t i, len, nend = 0;
	unsigned int before;

	/* The table's streams (short ones) first. */
	before = prop_fail;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dr_case *c = &cases[i];

		if (c->fill == 0)
			prop_stream(c->name, c->in,
			    c->len != 0 ? c->len : strlen(c->in));
	}
	if (prop_fail == before)
		passed++;
	else
		failed++;

	before = prop_fail;
	for (i = 0; i < NRANDOM && prop_fail - before < 5; i++) {
		struct res o;
		char name[32];

		len = rand_stream(buf, sizeof(buf));
		snprintf(name, sizeof(name), "random #%zu", i);
		prop_stream(name, buf, len);
		oracle(buf, len, false, &o);
		nend += o.end;
		res_free(&o);
	}
	if (prop_fail == before)
		passed++;
	else
		failed++;
	/* The generator must reach both outcomes often. */
	if (nend < NRANDOM / 5 || nend > NRANDOM - NRANDOM / 5) {
		printf("FAIL random streams: %zu of %d ended\n", nend, NRANDOM);
		failed++;
	} else
		passed++;
}

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
	run_properties();
	printf("unit_dataread: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
