#include "config.h"

#include "linereader.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * unit_linereader - table tests for src/linereader.c.
 *
 * Every case is fed whole, byte by byte, and split in two at every
 * offset (a sample of offsets for the very long inputs).  Every chunk is
 * copied into a malloc'd buffer of exactly its length, so ASan reports a
 * read past it.  The events (status and, for LR_LINE, the line) must be
 * the same whatever the split.
 *
 * An input is in, then fill octets 'x', then in2; an expected line is
 * fill octets 'x' then line.  That keeps the limits inside the case.
 */

static unsigned int passed, failed;

/* Default limit: RFC 5321 4.5.3.1.4, 512 octets with the CR LF. */
#define MAXDEF (LIMIT_CMDLINE - 2)
#define MAXEV 4

struct lr_ev {
	enum lr_status st;
	const char *line;	/* checked for LR_LINE */
	size_t len;		/* of line */
	size_t fill;		/* 'x' octets before line */
};

struct lr_case {
	const char *name;
	const char *in;
	size_t len;		/* 0: strlen(in) */
	size_t fill;		/* 'x' octets after in */
	const char *in2;	/* after the fill */
	size_t max;		/* 0: MAXDEF */
	struct lr_ev ev[MAXEV];
	size_t nev;
	bool pending;		/* a partial line is left at the end */
};

/* For inputs with an embedded NUL: the length comes from the literal. */
#define BIN(s) .in = (s), .len = sizeof(s) - 1
#define LINE(s) { .st = LR_LINE, .line = (s), .len = sizeof(s) - 1 }
#define LONGLINE(n, s) { .st = LR_LINE, .line = (s), .len = sizeof(s) - 1, \
	.fill = (n) }
#define TOOLONG { .st = LR_TOO_LONG }
#define BARE { .st = LR_BARE_EOL }

static const struct lr_case cases[] = {
	{ .name = "plain", .in = "HELO x\r\n", .ev = { LINE("HELO x") },
	  .nev = 1 },
	{ .name = "empty line", .in = "\r\n", .ev = { LINE("") }, .nev = 1 },
	{ .name = "two pipelined",
	  .in = "MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n",
	  .ev = { LINE("MAIL FROM:<a@b.c>"), LINE("RCPT TO:<d@e.f>") },
	  .nev = 2 },
	{ .name = "three pipelined, last partial",
	  .in = "NOOP\r\nRSET\r\nQUI",
	  .ev = { LINE("NOOP"), LINE("RSET") }, .nev = 2, .pending = true },

	/* Bare LF: one LR_BARE_EOL at the CR LF, never two lines. */
	{ .name = "bare LF inside",
	  .in = "MAIL FROM:<a@b.c>\nRCPT TO:<d@e.f>\r\n",
	  .ev = { BARE }, .nev = 1 },
	{ .name = "bare LF inside, then a good line",
	  .in = "RSET\nDATA\r\nQUIT\r\n",
	  .ev = { BARE, LINE("QUIT") }, .nev = 2 },
	{ .name = "bare LF first", .in = "\nQUIT\r\n", .ev = { BARE },
	  .nev = 1 },
	{ .name = "bare LF last before CR LF", .in = "QUIT\n\r\n",
	  .ev = { BARE }, .nev = 1 },
	{ .name = "two bare LFs", .in = "a\n\nb\r\n", .ev = { BARE },
	  .nev = 1 },
	{ .name = "only bare LFs: no line yet", .in = "NOOP\nNOOP\n",
	  .nev = 0, .pending = true },

	/* Bare CR. */
	{ .name = "bare CR inside", .in = "DATA\rQUIT\r\n", .ev = { BARE },
	  .nev = 1 },
	{ .name = "bare CR first", .in = "\rQUIT\r\nNOOP\r\n",
	  .ev = { BARE, LINE("NOOP") }, .nev = 2 },
	{ .name = "CR CR LF", .in = "NOOP\r\r\nNOOP\r\n",
	  .ev = { BARE, LINE("NOOP") }, .nev = 2 },
	{ .name = "CR CR LF alone", .in = "\r\r\n", .ev = { BARE },
	  .nev = 1 },
	{ .name = "CR CR CR LF", .in = "a\r\r\r\nb\r\n",
	  .ev = { BARE, LINE("b") }, .nev = 2 },
	{ .name = "LF CR LF", .in = "a\n\r\n", .ev = { BARE }, .nev = 1 },
	{ .name = "trailing CR is pending", .in = "QUIT\r", .nev = 0,
	  .pending = true },
	{ .name = "partial line is pending", .in = "QUIT", .nev = 0,
	  .pending = true },

	/* NUL is kept and counted. */
	{ .name = "NUL inside", BIN("a\0b\r\n"),
	  .ev = { LINE("a\0b") }, .nev = 1 },
	{ .name = "NUL only", BIN("\0\r\nX\r\n"),
	  .ev = { LINE("\0"), LINE("X") }, .nev = 2 },

	/* Limits: max octets fit, max + 1 do not; the next line is read. */
	{ .name = "exactly max", .in = "", .fill = MAXDEF,
	  .in2 = "\r\nQUIT\r\n",
	  .ev = { LONGLINE(MAXDEF, ""), LINE("QUIT") }, .nev = 2 },
	{ .name = "max + 1", .in = "", .fill = MAXDEF + 1,
	  .in2 = "\r\nQUIT\r\n",
	  .ev = { TOOLONG, LINE("QUIT") }, .nev = 2 },
	{ .name = "max - 1 then CR LF", .in = "", .fill = MAXDEF - 1,
	  .in2 = "\r\n", .ev = { LONGLINE(MAXDEF - 1, "") }, .nev = 1 },
	{ .name = "small max 4: exactly", .in = "abcd\r\nef\r\n", .max = 4,
	  .ev = { LINE("abcd"), LINE("ef") }, .nev = 2 },
	{ .name = "small max 4: 5", .in = "abcde\r\nNOOP\r\n", .max = 4,
	  .ev = { TOOLONG, LINE("NOOP") }, .nev = 2 },
	{ .name = "small max 4: CR after limit", .in = "abcd\r\r\nNOOP\r\n",
	  .max = 4, .ev = { BARE, LINE("NOOP") }, .nev = 2 },
	{ .name = "small max 1", .in = "a\r\nbc\r\n\r\n", .max = 1,
	  .ev = { LINE("a"), TOOLONG, LINE("") }, .nev = 3 },
	{ .name = "max clamped to LIMIT_CMDLINE_EXT: exactly", .in = "",
	  .fill = LIMIT_CMDLINE_EXT, .in2 = "\r\n", .max = 5000,
	  .ev = { LONGLINE(LIMIT_CMDLINE_EXT, "") }, .nev = 1 },
	{ .name = "max clamped to LIMIT_CMDLINE_EXT: + 1", .in = "",
	  .fill = LIMIT_CMDLINE_EXT + 1, .in2 = "\r\nA\r\n", .max = 5000,
	  .ev = { TOOLONG, LINE("A") }, .nev = 2 },
	{ .name = "two long lines, each reported once", .in = "",
	  .fill = 700, .in2 = "\r\nyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	  "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
	  "\r\nQUIT\r\n", .max = 64,
	  .ev = { TOOLONG, TOOLONG, LINE("QUIT") }, .nev = 3 },
	{ .name = "100000-octet line", .in = "NOOP\r\n", .fill = 100000,
	  .in2 = "\r\nQUIT\r\n",
	  .ev = { LINE("NOOP"), TOOLONG, LINE("QUIT") }, .nev = 3 },
	{ .name = "100000-octet line with bare LFs", .in = "\n",
	  .fill = 100000, .in2 = "\n\r\nQUIT\r\n",
	  .ev = { BARE, LINE("QUIT") }, .nev = 2 },
	{ .name = "long line, unfinished", .in = "", .fill = 2000,
	  .in2 = "", .nev = 0, .pending = true },
};

struct got_ev {
	enum lr_status st;
	char *line;
	size_t len;
};

struct run {
	struct got_ev ev[MAXEV + 4];
	size_t nev;
	bool overflow;
	bool stuck;
	bool bad_nul;
	bool pending;
};

static const char *
st_name(enum lr_status s)
{
	switch (s) {
	case LR_NEED_MORE: return "LR_NEED_MORE";
	case LR_LINE: return "LR_LINE";
	case LR_TOO_LONG: return "LR_TOO_LONG";
	case LR_BARE_EOL: return "LR_BARE_EOL";
	}
	return "?";
}

static void
show(const char *p, size_t len)
{
	show_octets(p, len, 60, 20, SHOW_CRLF);
}

static void
run_free(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nev; i++)
		free(r->ev[i].line);
	memset(r, 0, sizeof(*r));
}

/* Feed one chunk (copied to an exact-size buffer) and record events. */
static void
feed(struct linereader *lr, const char *p, size_t len, struct run *r)
{
	char *copy = xmalloc(len);
	size_t off = 0, guard = 0;

	if (len > 0)
		memcpy(copy, p, len);
	while (off < len) {
		const char *line = NULL;
		size_t used = (size_t)-1, linelen = (size_t)-1;
		enum lr_status st;

		st = linereader_push(lr, copy + off, len - off, &used, &line,
		    &linelen);
		if (used == 0 || used > len - off || ++guard > len + 1) {
			r->stuck = true;
			break;
		}
		off += used;
		if (st == LR_NEED_MORE) {
			if (off != len)
				r->stuck = true;
			break;
		}
		if (r->nev >= MAXEV + 4) {
			r->overflow = true;
			continue;
		}
		if (line == NULL || linelen > LIMIT_CMDLINE_EXT) {
			r->stuck = true;
			break;
		}
		if (line[linelen] != '\0')
			r->bad_nul = true;
		r->ev[r->nev].st = st;
		r->ev[r->nev].len = linelen;
		r->ev[r->nev].line = xmalloc(linelen + 1);
		memcpy(r->ev[r->nev].line, line, linelen);
		r->ev[r->nev].line[linelen] = '\0';
		r->nev++;
	}
	free(copy);
}

/* Feed in[] split at the offsets in cuts[] (ascending, inside [0,len]). */
static void
run_split(const char *in, size_t len, size_t max, const size_t *cuts,
    size_t ncuts, struct run *r)
{
	struct linereader lr;
	size_t prev = 0, i;

	memset(r, 0, sizeof(*r));
	linereader_init(&lr, max);
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		feed(&lr, in + prev, end - prev, r);
		prev = end;
		if (r->stuck)
			break;
	}
	r->pending = linereader_pending(&lr);
}

static void
run_bytes(const char *in, size_t len, size_t max, struct run *r)
{
	struct linereader lr;
	size_t i;

	memset(r, 0, sizeof(*r));
	linereader_init(&lr, max);
	for (i = 0; i < len && !r->stuck; i++)
		feed(&lr, in + i, 1, r);
	r->pending = linereader_pending(&lr);
}

static bool
check(const struct lr_case *c, const char *how, const struct run *r)
{
	size_t i;

	if (r->stuck || r->overflow || r->bad_nul) {
		printf("FAIL %s (%s): %s\n", c->name, how, r->stuck ?
		    "no progress or bad consumed" : r->overflow ?
		    "too many events" : "line not NUL-terminated");
		return false;
	}
	if (r->nev != c->nev) {
		printf("FAIL %s (%s): %zu events, want %zu:", c->name, how,
		    r->nev, c->nev);
		for (i = 0; i < r->nev; i++) {
			printf(" %s \"", st_name(r->ev[i].st));
			show(r->ev[i].line, r->ev[i].len);
			printf("\"");
		}
		printf("\n");
		return false;
	}
	for (i = 0; i < r->nev; i++) {
		const struct lr_ev *w = &c->ev[i];
		const struct got_ev *g = &r->ev[i];

		if (g->st != w->st) {
			printf("FAIL %s (%s): event %zu is %s, want %s\n",
			    c->name, how, i, st_name(g->st), st_name(w->st));
			return false;
		}
		if (w->st != LR_LINE)
			continue;
		if (g->len != w->fill + w->len ||
		    memcmp(g->line + w->fill, w->line, w->len) != 0 ||
		    strspn(g->line, "x") < w->fill) {
			printf("FAIL %s (%s): line %zu \"", c->name, how, i);
			show(g->line, g->len);
			printf("\", want %zu x \"", w->fill);
			show(w->line, w->len);
			printf("\"\n");
			return false;
		}
	}
	if (r->pending != c->pending) {
		printf("FAIL %s (%s): pending %d, want %d\n", c->name, how,
		    r->pending, c->pending);
		return false;
	}
	return true;
}

static void
run_case(const struct lr_case *c)
{
	size_t inlen = c->len != 0 ? c->len : strlen(c->in);
	size_t in2len = c->in2 != NULL ? strlen(c->in2) : 0;
	size_t len = inlen + c->fill + in2len, max = c->max ? c->max : MAXDEF;
	size_t k, step, nfail = 0;
	char *in = xmalloc(len), how[64];
	struct run r;
	bool ok;

	memcpy(in, c->in, inlen);
	memset(in + inlen, 'x', c->fill);
	if (in2len > 0)
		memcpy(in + inlen + c->fill, c->in2, in2len);

	run_split(in, len, max, NULL, 0, &r);
	ok = check(c, "whole", &r);
	run_free(&r);

	run_bytes(in, len, max, &r);
	ok = check(c, "byte by byte", &r) && ok;
	run_free(&r);

	/* Every 2-way split; for long inputs the ends and a stride. */
	step = len <= 4096 ? 1 : 997;
	for (k = 0; k <= len; k++) {
		if (step > 1 && k > 8 && k + 8 < len && k % step != 0 &&
		    !(k + 4 >= inlen && k <= inlen + 4) &&
		    !(k + 4 >= inlen + c->fill && k <= inlen + c->fill + 4))
			continue;
		run_split(in, len, max, &k, 1, &r);
		snprintf(how, sizeof(how), "split at %zu", k);
		if (!check(c, how, &r)) {
			ok = false;
			if (++nfail > 3) {
				run_free(&r);
				break;
			}
		}
		run_free(&r);
	}
	free(in);
	if (ok)
		passed++;
	else
		failed++;
}

/* The same reader keeps working across many lines and limits. */
static void
run_reuse(void)
{
	struct linereader lr;
	const char *line;
	size_t used, linelen, i;
	enum lr_status st;
	bool ok = true;
	char buf[16];

	linereader_init(&lr, 8);
	for (i = 0; i < 10000 && ok; i++) {
		int n = snprintf(buf, sizeof(buf), "L%zu\r\n", i % 1000000);

		st = linereader_push(&lr, buf, (size_t)n, &used, &line,
		    &linelen);
		if (st != LR_LINE || used != (size_t)n ||
		    linelen != (size_t)n - 2 ||
		    memcmp(line, buf, linelen) != 0 ||
		    linereader_pending(&lr))
			ok = false;
	}
	if (!ok) {
		printf("FAIL reuse: line %zu\n", i);
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
	run_reuse();
	printf("unit_linereader: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
