#include "config.h"

#include "address.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/*
 * unit_address - table tests for src/address.c.
 *
 * Every case runs twice: on the literal as written, and copied into a
 * malloc'd buffer of exactly its length with no NUL after it, so that
 * ASan reports any read past len.  Every prefix of every input is also
 * parsed from an exact-size buffer, for the same reason.  Limits are
 * tested at N and N + 1 with generated inputs.
 */

#define N ADDR_F_ALLOW_NULL
#define P ADDR_F_ALLOW_POSTMASTER
#define U ADDR_F_UTF8

/* For inputs with an embedded NUL: the length comes from the literal. */
#define BIN(s) .in = (s), .len = sizeof(s) - 1

struct path_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	int flags;
	enum addr_result res;
	const char *addr;	/* checked on ADDR_OK */
	const char *rest;	/* checked on ADDR_OK; NULL means "" */
	bool is_null;
	bool is_postmaster;
	bool is_utf8;
};

static const struct path_case path_cases[] = {
	/* Must accept. */
	{ .in = "<alice@example.org>", .addr = "alice@example.org" },
	{ .in = " <alice@example.org>", .addr = "alice@example.org" },
	{ .in = "   <alice@example.org>", .addr = "alice@example.org" },
	{ .in = "<\"john doe\"@example.com>",
	  .addr = "\"john doe\"@example.com" },
	{ .in = "<\"a\\\"b\\\\c\"@example.com>",
	  .addr = "\"a\\\"b\\\\c\"@example.com" },
	{ .in = "<\"quoted>gt\"@example.com> SIZE=100",
	  .addr = "\"quoted>gt\"@example.com", .rest = "SIZE=100" },
	{ .in = "<bob@[192.0.2.1]>", .addr = "bob@[192.0.2.1]" },
	{ .in = "<bob@[IPv6:2001:db8::1]>", .addr = "bob@[IPv6:2001:db8::1]" },
	{ .in = "<@relay.example:bob@example.com>",
	  .addr = "bob@example.com" },
	{ .in = "<@a.example,@b.example:bob@example.com>",
	  .addr = "bob@example.com" },
	{ .in = "<Bob.Smith@Example.COM>", .addr = "Bob.Smith@Example.COM" },
	{ .in = "<x@y.z>  ", .addr = "x@y.z" },
	{ .in = "<a/b=c@example.org>", .addr = "a/b=c@example.org" },
	{ .in = "<!#$%&'*+-/=?^_`{|}~@example.org>",
	  .addr = "!#$%&'*+-/=?^_`{|}~@example.org" },
	{ .in = "<a.b.c@x-y.example>", .addr = "a.b.c@x-y.example" },
	{ .in = "<a@1.2.3.4>", .addr = "a@1.2.3.4" },
	{ .in = "<a@x>", .addr = "a@x" },
	{ .in = "<a@b.c> SIZE=100 BODY=8BITMIME",
	  .addr = "a@b.c", .rest = "SIZE=100 BODY=8BITMIME" },
	{ .in = "<a@b.c>   SIZE=100   ", .addr = "a@b.c", .rest = "SIZE=100" },
	{ .in = "<a@b.c> ", .addr = "a@b.c" },
	{ .in = "<\"-x\"@example.com>", .addr = "\"-x\"@example.com" },
	{ .in = "<\" \"@example.com>", .addr = "\" \"@example.com" },
	{ .in = "<\"a@b\"@example.com>", .addr = "\"a@b\"@example.com" },
	{ .in = "<\"\\ \"@example.com>", .addr = "\"\\ \"@example.com" },
	{ .in = "<x-@example.com>", .addr = "x-@example.com" },

	/* Null path and Postmaster. */
	{ .in = "<>", .flags = N, .addr = "", .is_null = true },
	{ .in = " <> SIZE=10", .flags = N, .addr = "", .rest = "SIZE=10",
	  .is_null = true },
	{ .in = "<>", .res = ADDR_NULL_NOT_ALLOWED },
	{ .in = "<>", .flags = P, .res = ADDR_NULL_NOT_ALLOWED },
	{ .in = "< >", .flags = N, .res = ADDR_SYNTAX },
	{ .in = "<>x", .flags = N, .res = ADDR_SYNTAX },
	{ .in = "<Postmaster>", .flags = P, .addr = "Postmaster",
	  .is_postmaster = true },
	{ .in = "<pOSTMASTER>", .flags = P, .addr = "pOSTMASTER",
	  .is_postmaster = true },
	{ .in = "<postmaster> NOTIFY=NEVER", .flags = P, .addr = "postmaster",
	  .rest = "NOTIFY=NEVER", .is_postmaster = true },
	{ .in = "<Postmaster>", .res = ADDR_SYNTAX },
	{ .in = "<Postmaster>", .flags = N, .res = ADDR_SYNTAX },
	{ .in = "<Postmaster@example.com>", .flags = P,
	  .addr = "Postmaster@example.com" },
	{ .in = "<@a.example:Postmaster>", .flags = P, .res = ADDR_SYNTAX },
	{ .in = "<Postmaste>", .flags = P, .res = ADDR_SYNTAX },
	{ .in = "<Postmasterx>", .flags = P, .res = ADDR_SYNTAX },
	{ .in = "<Postmaster", .flags = P, .res = ADDR_SYNTAX },
	{ .in = "<\"Postmaster\">", .flags = P, .res = ADDR_SYNTAX },

	/* Must reject. */
	{ .in = "<bad address@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@example.com", .res = ADDR_SYNTAX },
	{ .in = "<bob@example..com>", .res = ADDR_SYNTAX },
	{ .in = "<.bob@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob.@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bo..b@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@-example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@example-.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@example.com.>", .res = ADDR_SYNTAX },
	{ .in = "<bob@.example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@ex_ample.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob@[192.0.2.1>", .res = ADDR_SYNTAX },
	{ .in = "<bob@[192.0.2.1]x.example.com>", .res = ADDR_SYNTAX },
	{ .in = "bob@example.com", .res = ADDR_NO_BRACKETS },
	{ .in = "bob@example.com>", .res = ADDR_NO_BRACKETS },
	{ .in = "", .res = ADDR_NO_BRACKETS },
	{ .in = "   ", .res = ADDR_NO_BRACKETS },
	{ .in = "<bob@example.com>x", .res = ADDR_SYNTAX },
	{ .in = "<bob@example.com>>", .res = ADDR_SYNTAX },
	{ .in = "<<bob@example.com>>", .res = ADDR_SYNTAX },
	{ .in = "<@a.example bob@b.example>", .res = ADDR_SYNTAX },
	{ .in = "<@a.example,bob@b.example>", .res = ADDR_SYNTAX },
	{ .in = "<@a.example,:bob@b.example>", .res = ADDR_SYNTAX },
	{ .in = "<@:bob@b.example>", .res = ADDR_SYNTAX },
	{ .in = "<@[192.0.2.1]:bob@b.example>", .res = ADDR_SYNTAX },
	{ .in = "<@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<bob>", .res = ADDR_SYNTAX },
	{ .in = "<bob@>", .res = ADDR_SYNTAX },
	{ .in = "<\"\"@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<\"abc@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<\"a\\", .res = ADDR_SYNTAX },
	{ .in = "<\"a\"b@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<a\"b\"@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<a(b)@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<a@example.com >", .res = ADDR_SYNTAX },
	{ .in = "< a@example.com>", .res = ADDR_SYNTAX },
	{ .in = "<", .res = ADDR_SYNTAX },
	{ .in = "<a@b.c>\tSIZE=1", .res = ADDR_SYNTAX },
	{ .in = "\t<a@b.c>", .res = ADDR_SYNTAX },
	{ .in = "<a@b.c>\r", .res = ADDR_SYNTAX },
	{ .in = "<a@b.c>\r\n", .res = ADDR_SYNTAX },
	{ .in = "<a\n@b.c>", .res = ADDR_SYNTAX },
	{ .in = "<a\x7f@b.c>", .res = ADDR_SYNTAX },
	{ .in = "<\"a\x01\"@b.c>", .res = ADDR_SYNTAX },
	{ .in = "<a@b.c> SIZE=1\x1b", .res = ADDR_SYNTAX },
	{ BIN("<a\0@b.c>"), .res = ADDR_SYNTAX },
	{ BIN("<a@b.c>\0"), .res = ADDR_SYNTAX },
	{ BIN("\0<a@b.c>"), .res = ADDR_SYNTAX },
	{ .in = "<\"a\\\x01\"@b.c>", .res = ADDR_SYNTAX },

	/* Leading dash. */
	{ .in = "<-oQ/tmp/x@example.com>", .res = ADDR_DASH },
	{ .in = "<-@example.com>", .res = ADDR_DASH },
	{ .in = "<@relay.example:-x@example.com>", .res = ADDR_DASH },
	{ .in = "<-bad address@example.com>", .res = ADDR_SYNTAX },

	/* IPv4 literals. */
	{ .in = "<a@[0.0.0.0]>", .addr = "a@[0.0.0.0]" },
	{ .in = "<a@[255.255.255.255]>", .addr = "a@[255.255.255.255]" },
	{ .in = "<a@[256.0.0.1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.4.5]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1..2.3]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[01.2.3.4]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.4 ]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[ 1.2.3.4]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[x1.2.3.4]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.4x]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.1000]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[[1.2.3.4]]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.4]].x>", .res = ADDR_SYNTAX },
	{ .in = "<a@[1.2.3.4].x>", .res = ADDR_SYNTAX },

	/* IPv6 literals (RFC 5321 4.1.3 group counts). */
	{ .in = "<a@[IPv6:::1]>", .addr = "a@[IPv6:::1]" },
	{ .in = "<a@[IPv6:::]>", .addr = "a@[IPv6:::]" },
	{ .in = "<a@[ipv6:1::]>", .addr = "a@[ipv6:1::]" },
	{ .in = "<a@[IPv6:1:2:3:4:5:6:7:8]>",
	  .addr = "a@[IPv6:1:2:3:4:5:6:7:8]" },
	{ .in = "<a@[IPv6:1:2:3::6:7:8]>", .addr = "a@[IPv6:1:2:3::6:7:8]" },
	{ .in = "<a@[IPv6:FFFF:abcd::]>", .addr = "a@[IPv6:FFFF:abcd::]" },
	{ .in = "<a@[IPv6:::ffff:192.0.2.1]>",
	  .addr = "a@[IPv6:::ffff:192.0.2.1]" },
	{ .in = "<a@[IPv6:::192.0.2.1]>", .addr = "a@[IPv6:::192.0.2.1]" },
	{ .in = "<a@[IPv6:1:2:3:4:5:6:192.0.2.1]>",
	  .addr = "a@[IPv6:1:2:3:4:5:6:192.0.2.1]" },
	{ .in = "<a@[IPv6:1:2:3:4::192.0.2.1]>",
	  .addr = "a@[IPv6:1:2:3:4::192.0.2.1]" },
	{ .in = "<a@[IPv6:1:2:3:4:5:6:7:8:9]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1:2:3:4:5:6:7]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1:2:3:4:5:6:7::]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1:2:3:4:5::192.0.2.1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1:2:3:4:5:192.0.2.1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1.2.3.4]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:::1.2.3.256]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:::1.2.3.4:5]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1::2::3]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6::::1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:12345::]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:g::1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1:]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6::1]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:1::2:]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6:2001:db8::1>", .res = ADDR_SYNTAX },
	{ .in = "<a@[IPv6 :::1]>", .res = ADDR_SYNTAX },

	/* General-address-literal. */
	{ .in = "<a@[x-tag:abc]>", .addr = "a@[x-tag:abc]" },
	{ .in = "<a@[tag:x>y:z]>", .addr = "a@[tag:x>y:z]" },
	{ .in = "<a@[tag:]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[:abc]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[tag-:abc]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[t_g:abc]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[tag:a b]>", .res = ADDR_SYNTAX },
	{ .in = "<a@[tag:a\\b]>", .res = ADDR_SYNTAX },

	/* Octets > 127. */
	{ .in = "<j\xc3\xb8rn@example.org>", .res = ADDR_NON_ASCII },
	{ .in = "<j\xc3\xb8rn@example.org>", .flags = U,
	  .addr = "j\xc3\xb8rn@example.org", .is_utf8 = true },
	{ .in = "<a@b\xc3\xbc" "cher.example>", .res = ADDR_NON_ASCII },
	{ .in = "<a@b\xc3\xbc" "cher.example>", .flags = U,
	  .addr = "a@b\xc3\xbc" "cher.example", .is_utf8 = true },
	{ .in = "<\"\xe2\x82\xac x\"@example.org>", .flags = U,
	  .addr = "\"\xe2\x82\xac x\"@example.org", .is_utf8 = true },
	{ .in = "<\xf0\x9f\x98\x80@\xe4\xbe\x8b.example>", .flags = U,
	  .addr = "\xf0\x9f\x98\x80@\xe4\xbe\x8b.example", .is_utf8 = true },
	{ .in = "<a@b.c> X=\xc3\xa9", .addr = "a@b.c", .rest = "X=\xc3\xa9" },
	{ .in = "<@\xc3\xa9.example:a@b.c>", .flags = U, .addr = "a@b.c" },
	{ .in = "<a\xc0\xaf@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xe0\x80\xaf@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xf0\x80\x80\xaf@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xed\xa0\x80@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xf4\x90\x80\x80@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xf5\x80\x80\x80@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\x80@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xc3@b.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xe2\x82>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a@b\xff.c>", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xc3", .flags = U, .res = ADDR_BAD_UTF8 },
	{ .in = "<a\xc3", .res = ADDR_NON_ASCII },
	{ .in = "<a\xc0\xaf@b.c>", .res = ADDR_NON_ASCII },
	{ .in = "<a@[\xc3\xa9]>", .flags = U, .res = ADDR_SYNTAX },
	{ .in = "<a@[\xc3\xa9]>", .res = ADDR_NON_ASCII },
	{ .in = "<\"\\\xc3\xa9\"@b.c>", .flags = U, .res = ADDR_SYNTAX },
	{ .in = "<\xc3\xa9>", .flags = U | P, .res = ADDR_SYNTAX },
	{ .in = "<a@b.c\xc2\xa0>", .flags = U, .addr = "a@b.c\xc2\xa0",
	  .is_utf8 = true },
	{ .in = "\xc2\xa0<a@b.c>", .flags = U, .res = ADDR_NO_BRACKETS },
};

static unsigned int passed, failed;

static void
show(const char *p, size_t len)
{
	size_t k;

	for (k = 0; k < len && k < 70; k++) {
		unsigned char c = (unsigned char)p[k];

		if (c < 32 || c > 126 || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	if (k < len)
		printf("...(%zu)", len);
}

static const char *
res_name(enum addr_result r)
{
	static const char *const names[] = {
		"ADDR_OK", "ADDR_NO_BRACKETS", "ADDR_SYNTAX", "ADDR_TOO_LONG",
		"ADDR_NON_ASCII", "ADDR_BAD_UTF8", "ADDR_DASH",
		"ADDR_NULL_NOT_ALLOWED", "ADDR_BAD_PARAM",
		"ADDR_TOO_MANY_PARAMS",
	};

	if ((size_t)r < sizeof(names) / sizeof(names[0]))
		return names[r];
	return "?";
}

static void
fail_head(const char *how, const char *in, size_t len)
{
	failed++;
	printf("FAIL %s: input \"", how);
	show(in, len);
	printf("\": ");
}

/* One run of address_parse_path over in[0..len); true if all matched. */
static bool
check_path(const char *how, const char *in, size_t len, int flags,
    enum addr_result want, const char *addr, const char *rest,
    bool is_null, bool is_postmaster, bool is_utf8)
{
	struct smtp_path path;
	const char *r = (const char *)&path;	/* poison: must be set */
	size_t rlen = (size_t)-1;
	enum addr_result got;

	got = address_parse_path(in, len, flags, &path, &r, &rlen);
	if (got != want) {
		fail_head(how, in, len);
		printf("got %s want %s\n", res_name(got), res_name(want));
		return false;
	}
	if (got != ADDR_OK) {
		if (r != NULL || rlen != 0 || path.len != 0 ||
		    path.addr[0] != '\0') {
			fail_head(how, in, len);
			printf("outputs not cleared on failure\n");
			return false;
		}
		return true;
	}
	if (rest == NULL)
		rest = "";
	if (path.len != strlen(addr) || memcmp(path.addr, addr, path.len) ||
	    path.addr[path.len] != '\0') {
		fail_head(how, in, len);
		printf("addr \"");
		show(path.addr, path.len);
		printf("\" want \"");
		show(addr, strlen(addr));
		printf("\"\n");
		return false;
	}
	if (r == NULL || r < in || r > in + len || rlen > len ||
	    (size_t)(in + len - r) < rlen) {
		fail_head(how, in, len);
		printf("rest points outside the input\n");
		return false;
	}
	if (rlen != strlen(rest) || memcmp(r, rest, rlen) != 0) {
		fail_head(how, in, len);
		printf("rest \"");
		show(r, rlen);
		printf("\" want \"");
		show(rest, strlen(rest));
		printf("\"\n");
		return false;
	}
	if (path.is_null != is_null || path.is_postmaster != is_postmaster ||
	    path.is_utf8 != is_utf8) {
		fail_head(how, in, len);
		printf("flags null=%d postmaster=%d utf8=%d want %d %d %d\n",
		    path.is_null, path.is_postmaster, path.is_utf8,
		    is_null, is_postmaster, is_utf8);
		return false;
	}
	return true;
}

/* Whole, exact-size copy, and every prefix in an exact-size buffer. */
static void
run_path(const char *in, size_t len, int flags, enum addr_result want,
    const char *addr, const char *rest, bool is_null, bool is_postmaster,
    bool is_utf8)
{
	struct smtp_path path;
	const char *r;
	size_t rlen, k;
	char *copy;
	bool ok;

	ok = check_path("whole", in, len, flags, want, addr, rest, is_null,
	    is_postmaster, is_utf8);
	copy = exact_copy(in, len);
	ok = check_path("copy", copy, len, flags, want, addr, rest, is_null,
	    is_postmaster, is_utf8) && ok;
	free(copy);

	/* Prefixes: only crashes and sanitizer reports count here. */
	for (k = 0; k < len; k++) {
		copy = exact_copy(in, k);
		(void)address_parse_path(copy, k, flags, &path, &r, &rlen);
		free(copy);
	}
	if (ok)
		passed++;
}

static void
run_path_table(void)
{
	size_t i, len;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];

		len = c->len != 0 ? c->len : strlen(c->in);
		run_path(c->in, len, c->flags, c->res, c->addr, c->rest,
		    c->is_null, c->is_postmaster, c->is_utf8);
	}
}

/* n octets of dot-separated labels of at most 62 letters, no dot last. */
static void
gen_domain(char *buf, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		buf[k] = (k % 63 == 62) ? '.' : (char)('a' + k % 26);
	if (n >= 3 && buf[n - 1] == '.') {
		buf[n - 2] = '.';
		buf[n - 1] = 'z';
	}
}

/* "<" local(nl) "@" domain(nd) ">"; local is letters, or quoted. */
static size_t
gen_path(char *buf, size_t nl, bool quoted, size_t nd)
{
	size_t k = 0, j;

	buf[k++] = '<';
	for (j = 0; j < nl; j++)
		buf[k++] = (char)('a' + j % 26);
	if (quoted && nl >= 2) {
		buf[1] = '"';
		buf[nl] = '"';
	}
	buf[k++] = '@';
	gen_domain(buf + k, nd);
	k += nd;
	buf[k++] = '>';
	buf[k] = '\0';
	return k;
}

static void
run_gen(char *buf, size_t len, int flags, enum addr_result want)
{
	char addr[2048];
	size_t a = 0, k;

	/* On success the address is the text between "<" and ">". */
	for (k = 1; k + 1 < len && a + 1 < sizeof(addr); k++)
		addr[a++] = buf[k];
	addr[a] = '\0';
	run_path(buf, len, flags, want, addr, NULL, false, false, false);
}

static void
run_limits(void)
{
	static char buf[12000];
	char *route;
	size_t len, k;

	/* Local part, RFC 5321 4.5.3.1.1: 64 octets. */
	run_gen(buf, gen_path(buf, 64, false, 11), 0, ADDR_OK);
	run_gen(buf, gen_path(buf, 65, false, 11), 0, ADDR_TOO_LONG);
	run_gen(buf, gen_path(buf, 64, true, 11), 0, ADDR_OK);
	run_gen(buf, gen_path(buf, 65, true, 11), 0, ADDR_TOO_LONG);
	run_gen(buf, gen_path(buf, 10000, false, 11), 0, ADDR_TOO_LONG);

	/* Path, RFC 5321 4.5.3.1.3: 256 octets with the brackets. */
	run_gen(buf, gen_path(buf, 64, false, 189), 0, ADDR_OK);
	run_gen(buf, gen_path(buf, 64, false, 190), 0, ADDR_TOO_LONG);
	run_gen(buf, gen_path(buf, 1, false, 252), 0, ADDR_OK);
	run_gen(buf, gen_path(buf, 1, false, 253), 0, ADDR_TOO_LONG);

	/*
	 * Domain, RFC 5321 4.5.3.1.2: 255 octets.  With "<a@" and ">"
	 * around it such a path is 259 octets, so the path limit is the one
	 * that bites; both must still fail.
	 */
	run_gen(buf, gen_path(buf, 1, false, 255), 0, ADDR_TOO_LONG);
	run_gen(buf, gen_path(buf, 1, false, 256), 0, ADDR_TOO_LONG);
	run_gen(buf, gen_path(buf, 1, false, 10000), 0, ADDR_TOO_LONG);

	/* Label, RFC 1035 2.3.4: 63 octets. */
	len = 0;
	buf[len++] = '<';
	buf[len++] = 'a';
	buf[len++] = '@';
	for (k = 0; k < 63; k++)
		buf[len++] = 'x';
	memcpy(buf + len, ".example>", 9);
	len += 9;
	run_gen(buf, len, 0, ADDR_OK);
	memmove(buf + 4, buf + 3, len - 3);
	run_gen(buf, len + 1, 0, ADDR_SYNTAX);

	/* A source route counts toward the path: 256 and 257 octets. */
	for (k = 0; k < 2; k++) {
		len = 0;
		buf[len++] = '<';
		buf[len++] = '@';
		route = buf + len;
		gen_domain(route, 239 + k);
		len += 239 + k;
		memcpy(buf + len, ":bob@b.example>", 15);
		len += 15;
		run_path(buf, len, 0, k == 0 ? ADDR_OK : ADDR_TOO_LONG,
		    "bob@b.example", NULL, false, false, false);
	}

	/* UTF-8 local part: 66 octets (33 x U+00E9); 64 in run_utf8_addr. */
	len = 0;
	buf[len++] = '<';
	for (k = 0; k < 33; k++) {
		buf[len++] = (char)0xc3;
		buf[len++] = (char)0xa9;
	}
	memcpy(buf + len, "@b.c>", 5);
	len += 5;
	run_gen(buf, len, U, ADDR_TOO_LONG);

	/* Many leading spaces, then a path. */
	memset(buf, ' ', 10000);
	memcpy(buf + 10000, "<a@b.c>", 7);
	run_path(buf, 10007, 0, ADDR_OK, "a@b.c", NULL, false, false, false);
}

/* UTF-8 local part of exactly 64 octets (32 x U+00E9). */
static void
run_utf8_addr(void)
{
	char in[80], want[80];
	size_t len = 0, j;

	in[len++] = '<';
	for (j = 0; j < 32; j++) {
		in[len++] = (char)0xc3;
		in[len++] = (char)0xa9;
	}
	memcpy(in + len, "@b.c>", 5);
	len += 5;
	memcpy(want, in + 1, len - 2);
	want[len - 2] = '\0';
	run_path(in, len, U, ADDR_OK, want, NULL, false, false, true);
}

struct param_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	size_t max;		/* 0: LIMIT_PARAMS */
	enum addr_result res;
	size_t n;
	const char *joined;	/* "K=V|K|..." checked on ADDR_OK */
};

static const struct param_case param_cases[] = {
	{ .in = "", .n = 0, .joined = "" },
	{ .in = "    ", .n = 0, .joined = "" },
	{ .in = "SIZE=100", .n = 1, .joined = "SIZE=100" },
	{ .in = "SIZE=100 BODY=8BITMIME SMTPUTF8", .n = 3,
	  .joined = "SIZE=100|BODY=8BITMIME|SMTPUTF8" },
	{ .in = "  A   B=c  ", .n = 2, .joined = "A|B=c" },
	{ .in = "X-Y-1=!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}~", .n = 1,
	  .joined = "X-Y-1=!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}~" },
	{ .in = "ENVID=\xc3\xa9t\xc3\xa9", .n = 1,
	  .joined = "ENVID=\xc3\xa9t\xc3\xa9" },
	{ .in = "9X=1", .n = 1, .joined = "9X=1" },
	{ .in = "SIZE=", .res = ADDR_BAD_PARAM },
	{ .in = "SIZE= BODY=7BIT", .res = ADDR_BAD_PARAM },
	{ .in = "=100", .res = ADDR_BAD_PARAM },
	{ .in = "-SIZE=1", .res = ADDR_BAD_PARAM },
	{ .in = "SI_ZE=1", .res = ADDR_BAD_PARAM },
	{ .in = "A=B=C", .res = ADDR_BAD_PARAM },
	{ .in = "A=b\tc", .res = ADDR_BAD_PARAM },
	{ .in = "A\tB", .res = ADDR_BAD_PARAM },
	{ .in = "A=b\r\n", .res = ADDR_BAD_PARAM },
	{ .in = "A=\x7f", .res = ADDR_BAD_PARAM },
	{ BIN("A=b\0"), .res = ADDR_BAD_PARAM },
	{ .in = "A=\xff", .res = ADDR_BAD_PARAM },
	{ .in = "A=\xc3", .res = ADDR_BAD_PARAM },
	{ .in = "A=\xed\xa0\x80", .res = ADDR_BAD_PARAM },
	{ .in = "\xc3\xa9=1", .res = ADDR_BAD_PARAM },
	{ .in = "A B C", .max = 2, .res = ADDR_TOO_MANY_PARAMS },
	{ .in = "A B", .max = 2, .n = 2, .joined = "A|B" },
	{ .in = "A B =", .max = 1, .res = ADDR_BAD_PARAM },
};

static void
check_params(const char *how, const char *in, size_t len, size_t max,
    enum addr_result want, size_t want_n, const char *joined)
{
	struct smtp_param params[LIMIT_PARAMS + 4];
	char buf[4096];
	size_t n = (size_t)-1, k, b = 0;
	enum addr_result got;

	got = address_split_params(in, len, params, max, &n);
	if (got != want) {
		fail_head(how, in, len);
		printf("got %s want %s\n", res_name(got), res_name(want));
		return;
	}
	if (got != ADDR_OK) {
		if (n != 0) {
			fail_head(how, in, len);
			printf("n not cleared on failure\n");
		} else
			passed++;
		return;
	}
	if (n != want_n) {
		fail_head(how, in, len);
		printf("n %zu want %zu\n", n, want_n);
		return;
	}
	for (k = 0; k < n; k++) {
		const struct smtp_param *pp = &params[k];

		if (pp->key < in || pp->key + pp->keylen > in + len ||
		    (pp->value != NULL && (pp->value < in ||
		    pp->value + pp->valuelen > in + len))) {
			fail_head(how, in, len);
			printf("param %zu points outside the input\n", k);
			return;
		}
		if (b + pp->keylen + pp->valuelen + 3 > sizeof(buf))
			break;
		if (k > 0)
			buf[b++] = '|';
		memcpy(buf + b, pp->key, pp->keylen);
		b += pp->keylen;
		if (pp->value != NULL) {
			buf[b++] = '=';
			memcpy(buf + b, pp->value, pp->valuelen);
			b += pp->valuelen;
		}
	}
	if (b != strlen(joined) || memcmp(buf, joined, b) != 0) {
		fail_head(how, in, len);
		printf("params \"");
		show(buf, b);
		printf("\" want \"");
		show(joined, strlen(joined));
		printf("\"\n");
		return;
	}
	passed++;
}

static void
run_params(const char *in, size_t len, size_t max, enum addr_result want,
    size_t want_n, const char *joined)
{
	struct smtp_param params[LIMIT_PARAMS];
	char *copy;
	size_t k, n;

	check_params("params whole", in, len, max, want, want_n, joined);
	copy = exact_copy(in, len);
	check_params("params copy", copy, len, max, want, want_n, joined);
	free(copy);
	for (k = 0; k < len; k++) {
		copy = exact_copy(in, k);
		(void)address_split_params(copy, k, params, LIMIT_PARAMS, &n);
		free(copy);
	}
}

static void
run_params_table(void)
{
	char buf[LIMIT_PARAMS * 8 + 16], joined[LIMIT_PARAMS * 8 + 16];
	size_t i, len, j, count;

	for (i = 0; i < sizeof(param_cases) / sizeof(param_cases[0]); i++) {
		const struct param_case *c = &param_cases[i];

		len = c->len != 0 ? c->len : strlen(c->in);
		run_params(c->in, len, c->max != 0 ? c->max : LIMIT_PARAMS,
		    c->res, c->n, c->joined);
	}

	/* LIMIT_PARAMS parameters fit; one more does not. */
	for (count = LIMIT_PARAMS; count <= LIMIT_PARAMS + 1; count++) {
		len = 0;
		for (j = 0; j < count; j++) {
			if (j > 0)
				buf[len++] = ' ';
			buf[len++] = (char)('A' + j % 26);
			buf[len++] = '=';
			buf[len++] = '1';
		}
		memcpy(joined, buf, len);
		joined[len] = '\0';
		for (j = 0; j < len; j++)
			if (joined[j] == ' ')
				joined[j] = '|';
		run_params(buf, len, LIMIT_PARAMS,
		    count <= LIMIT_PARAMS ? ADDR_OK : ADDR_TOO_MANY_PARAMS,
		    count, joined);
	}
}

/* Every valid IPv6 literal we accept must also be one to inet_pton(3). */
static void
run_ipv6_crosscheck(void)
{
	unsigned char out[16];
	char tmp[64];
	size_t i, len;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *c = &path_cases[i];
		const char *s;

		if (c->res != ADDR_OK || (s = strstr(c->in, "Pv6:")) == NULL)
			continue;
		s += 4;
		len = strcspn(s, "]");
		if (len >= sizeof(tmp))
			continue;
		memcpy(tmp, s, len);
		tmp[len] = '\0';
		if (inet_pton(AF_INET6, tmp, out) != 1) {
			failed++;
			printf("FAIL ipv6: \"%s\" accepted, "
			    "inet_pton says no\n", tmp);
		} else
			passed++;
	}
}

static void
run_strings(void)
{
	enum addr_result r, q;

	for (r = ADDR_OK; r <= ADDR_TOO_MANY_PARAMS; r++) {
		const char *s = address_result_str(r);

		if (s == NULL || *s == '\0' || strlen(s) > 60) {
			failed++;
			printf("FAIL result_str(%s) empty or long\n",
			    res_name(r));
			continue;
		}
		for (q = ADDR_OK; q < r; q++)
			if (strcmp(s, address_result_str(q)) == 0) {
				failed++;
				printf("FAIL result_str(%s) == "
				    "result_str(%s)\n", res_name(r),
				    res_name(q));
			}
		passed++;
	}
}

int
main(void)
{
	run_path_table();
	run_limits();
	run_utf8_addr();
	run_params_table();
	run_ipv6_crosscheck();
	run_strings();
	printf("unit_address: %u passed, %u failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
