#include "config.h"

#include "address.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/*
 * address.c - parse the RFC 5321 path of MAIL FROM / RCPT TO and split
 * the ESMTP parameters after it.
 *
 * Reads attacker bytes: everything here is pure (no system calls, no
 * globals but const data) and is fed (ptr, len) input that need not be
 * NUL-terminated.  The cursor only moves forward, and every index is
 * checked against len before the byte is read.
 */

/*
 * RFC 5321 4.1.2 (with 4.1.3 address literals), the subset we accept:
 *
 *   Reverse-path   = Path / "<>"
 *   Forward-path   = Path               ; and "<Postmaster>", 4.1.1.3
 *   Path           = "<" [ A-d-l ":" ] Mailbox ">"
 *   A-d-l          = At-domain *( "," At-domain )
 *                    ; source route: accepted and dropped (4.1.2, C.)
 *   At-domain      = "@" Domain
 *   Mailbox        = Local-part "@" ( Domain / address-literal )
 *   Local-part     = Dot-string / Quoted-string
 *   Dot-string     = Atom *("."  Atom)
 *   Atom           = 1*atext            ; atext from RFC 5322 3.2.3
 *   Quoted-string  = DQUOTE *QcontentSMTP DQUOTE
 *   QcontentSMTP   = qtextSMTP / quoted-pairSMTP
 *   quoted-pairSMTP = %d92 %d32-126
 *   qtextSMTP      = %d32-33 / %d35-91 / %d93-126
 *   Domain         = sub-domain *("." sub-domain)
 *   sub-domain     = Let-dig [Ldh-str]
 *   Let-dig        = ALPHA / DIGIT
 *   Ldh-str        = *( ALPHA / DIGIT / "-" ) Let-dig
 *   address-literal = "[" ( IPv4-address-literal /
 *                     IPv6-address-literal /
 *                     General-address-literal ) "]"
 *   IPv4-address-literal = Snum 3("."  Snum)
 *   Snum           = 1*3DIGIT           ; 0-255
 *   IPv6-address-literal = "IPv6:" IPv6-addr
 *   IPv6-addr      = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp
 *   IPv6-hex       = 1*4HEXDIG
 *   IPv6-full      = IPv6-hex 7(":" IPv6-hex)
 *   IPv6-comp      = [IPv6-hex *5(":" IPv6-hex)] "::"
 *                    [IPv6-hex *5(":" IPv6-hex)]
 *                    ; at most 6 groups besides the "::"
 *   IPv6v4-full    = IPv6-hex 5(":" IPv6-hex) ":" IPv4-address-literal
 *   IPv6v4-comp    = [IPv6-hex *3(":" IPv6-hex)] "::"
 *                    [IPv6-hex *3(":" IPv6-hex) ":"]
 *                    IPv4-address-literal
 *                    ; at most 4 groups besides the "::" and the IPv4
 *   General-address-literal = Standardized-tag ":" 1*dcontent
 *   Standardized-tag = Ldh-str
 *   dcontent       = %d33-90 / %d94-126
 *
 * RFC 6531 3.3 (SMTPUTF8, ADDR_F_UTF8) adds UTF8-non-ascii (RFC 6532 3.2)
 * to atext and qtextSMTP, and U-labels to sub-domain.
 *
 * Sizes, RFC 5321 4.5.3.1: local part 64, domain 255, path 256 octets
 * (the path counted with its brackets and any source route, as sent).
 *
 * Results, by the first thing found wrong: a control octet anywhere in
 * the input (NUL, CR, LF included) is ADDR_SYNTAX; no "<" after the
 * leading spaces is ADDR_NO_BRACKETS; grammar errors are ADDR_SYNTAX,
 * except an octet > 127 (ADDR_NON_ASCII without ADDR_F_UTF8, else
 * ADDR_BAD_UTF8 when ill-formed).  Only a path that parses is then
 * checked for <> (ADDR_NULL_NOT_ALLOWED), sizes (ADDR_TOO_LONG) and a
 * leading '-' (ADDR_DASH).
 */

struct addr_cur {
	const unsigned char *p;
	size_t len;
	size_t i;
	int flags;
};

static bool
addr_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
addr_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
addr_is_letdig(unsigned char c)
{
	return addr_is_alpha(c) || addr_is_digit(c);
}

static bool
addr_is_xdigit(unsigned char c)
{
	return addr_is_digit(c) || (c >= 'A' && c <= 'F') ||
	    (c >= 'a' && c <= 'f');
}

/* RFC 5322 3.2.3 atext, ASCII part. */
static bool
addr_is_atext(unsigned char c)
{
	if (addr_is_letdig(c))
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* RFC 5321 4.1.2 qtextSMTP, ASCII part. */
static bool
addr_is_qtext(unsigned char c)
{
	return c == 32 || c == 33 || (c >= 35 && c <= 91) ||
	    (c >= 93 && c <= 126);
}

/* RFC 5321 4.1.3 dcontent. */
static bool
addr_is_dcontent(unsigned char c)
{
	return (c >= 33 && c <= 90) || (c >= 94 && c <= 126);
}

static bool
addr_is_ctl(unsigned char c)
{
	return c < 32 || c == 127;
}

static unsigned char
addr_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Case-insensitive compare of p[0..n) with the lower-case ASCII word. */
static bool
addr_eq_ci(const unsigned char *p, size_t n, const char *word)
{
	size_t k;

	if (strlen(word) != n)
		return false;
	for (k = 0; k < n; k++)
		if (addr_lower(p[k]) != (unsigned char)word[k])
			return false;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence at p[i], 0 if ill-formed
 * (RFC 3629 4: no overlongs, no surrogates, nothing above U+10FFFF,
 * nothing cut short by the end of input).
 */
static size_t
addr_utf8_len(const unsigned char *p, size_t i, size_t len)
{
	unsigned char c = p[i], lo = 0x80, hi = 0xBF;
	size_t n, k;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		if (c == 0xC2)
			lo = 0xA0;	/* C1 controls, U+0080-U+009F */
	}
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
	} else
		return 0;		/* C0, C1, F5-FF, continuation */
	if (len - i < n)
		return 0;
	if (p[i + 1] < lo || p[i + 1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if (p[i + k] < 0x80 || p[i + k] > 0xBF)
			return 0;
	return n;
}

/* At an octet > 127 where UTF-8 is allowed: consume one character. */
static enum addr_result
addr_take_utf8(struct addr_cur *c)
{
	size_t n;

	if (!(c->flags & ADDR_F_UTF8))
		return ADDR_NON_ASCII;
	n = addr_utf8_len(c->p, c->i, c->len);
	if (n == 0)
		return ADDR_BAD_UTF8;
	c->i += n;
	return ADDR_OK;
}

/* At an octet > 127 where the grammar has no room for one. */
static enum addr_result
addr_high_not_here(const struct addr_cur *c)
{
	return (c->flags & ADDR_F_UTF8) ? ADDR_SYNTAX : ADDR_NON_ASCII;
}

static bool
addr_at(const struct addr_cur *c, unsigned char ch)
{
	return c->i < c->len && c->p[c->i] == ch;
}

/* Dot-string = Atom *("." Atom) */
static enum addr_result
addr_dot_string(struct addr_cur *c)
{
	enum addr_result r;
	size_t start;

	for (;;) {
		start = c->i;
		while (c->i < c->len) {
			if (c->p[c->i] > 127) {
				if ((r = addr_take_utf8(c)) != ADDR_OK)
					return r;
			} else if (addr_is_atext(c->p[c->i]))
				c->i++;
			else
				break;
		}
		if (c->i == start)
			return ADDR_SYNTAX;	/* empty atom: "..", ".x" */
		if (!addr_at(c, '.'))
			return ADDR_OK;
		c->i++;
	}
}

/* Quoted-string = DQUOTE *QcontentSMTP DQUOTE; the cursor is at DQUOTE. */
static enum addr_result
addr_quoted_string(struct addr_cur *c)
{
	enum addr_result r;
	size_t start;
	unsigned char ch;

	c->i++;
	start = c->i;
	while (c->i < c->len) {
		ch = c->p[c->i];
		if (ch == '"') {
			/*
			 * XXX RFC 5321 lets "" through the grammar, but a
			 * local part with no octets in it names nobody.
			 */
			if (c->i == start)
				return ADDR_SYNTAX;
			c->i++;
			return ADDR_OK;
		}
		if (ch == '\\') {
			if (c->len - c->i < 2)
				return ADDR_SYNTAX;
			ch = c->p[c->i + 1];
			if (ch > 127)
				return addr_high_not_here(c);
			if (ch < 32 || ch > 126)
				return ADDR_SYNTAX;
			c->i += 2;
		} else if (ch > 127) {
			if ((r = addr_take_utf8(c)) != ADDR_OK)
				return r;
		} else if (addr_is_qtext(ch))
			c->i++;
		else
			return ADDR_SYNTAX;
	}
	return ADDR_SYNTAX;	/* no closing DQUOTE */
}

/* Local-part = Dot-string / Quoted-string */
static enum addr_result
addr_local_part(struct addr_cur *c)
{
	if (addr_at(c, '"'))
		return addr_quoted_string(c);
	return addr_dot_string(c);
}

/*
 * Domain = sub-domain *("." sub-domain), sub-domain = Let-dig [Ldh-str].
 * So no empty label, no hyphen at either end of a label, and (RFC 1035
 * 2.3.4) at most 63 octets per label.  A UTF-8 character counts as a
 * letter (RFC 6531 3.3 U-label).
 *
 * XXX a U-label is only checked to be UTF-8: its 63-octet limit applies
 * to the A-label (RFC 5890 2.3.2.1), which can be much shorter than the
 * UTF-8, and full IDNA2008 validation does not belong in a parser.  The
 * 255-octet domain limit still bounds it.
 */
static enum addr_result
addr_domain(struct addr_cur *c)
{
	enum addr_result r;
	size_t start;
	bool ascii;
	unsigned char ch;

	for (;;) {
		start = c->i;
		ascii = true;
		while (c->i < c->len) {
			ch = c->p[c->i];
			if (ch > 127) {
				if ((r = addr_take_utf8(c)) != ADDR_OK)
					return r;
				ascii = false;
			} else if (addr_is_letdig(ch))
				c->i++;
			else if (ch == '-') {
				if (c->i == start)
					return ADDR_SYNTAX;
				c->i++;
			} else
				break;
		}
		if (c->i == start || c->p[c->i - 1] == '-')
			return ADDR_SYNTAX;
		if (ascii && c->i - start > 63)
			return ADDR_SYNTAX;
		if (!addr_at(c, '.'))
			return ADDR_OK;
		c->i++;
	}
}

/*
 * Snum 3("." Snum) filling exactly p[s..e).
 *
 * XXX stricter than RFC 5321: a leading zero ("01") is refused, because
 * inet_aton(3) and friends read it as octal and the next program in line
 * might disagree with us about which host this is.
 */
static bool
addr_ipv4(const unsigned char *p, size_t s, size_t e)
{
	size_t i = s, parts, digits;
	unsigned int v;

	for (parts = 0; parts < 4; parts++) {
		if (parts > 0) {
			if (i >= e || p[i] != '.')
				return false;
			i++;
		}
		v = 0;
		digits = 0;
		while (i < e && addr_is_digit(p[i]) && digits < 4) {
			v = v * 10 + (unsigned int)(p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		if (digits > 1 && p[i - digits] == '0')
			return false;
	}
	return i == e;
}

/*
 * IPv6-addr filling exactly p[s..e), with RFC 5321's group counts: 8
 * groups, or 6 and an IPv4 tail, without "::"; with "::", at most 6
 * groups, or at most 4 and an IPv4 tail.  (inet_pton(3) would also take
 * "1:2:3:4:5:6:7::", which 4.1.3 does not.)
 */
static bool
addr_ipv6(const unsigned char *p, size_t s, size_t e)
{
	size_t i = s, t, groups = 0;
	bool dcolon = false, v4 = false;

	if (i < e && p[i] == ':') {
		if (e - i < 2 || p[i + 1] != ':')
			return false;
		dcolon = true;
		i += 2;
	}
	while (i < e) {
		t = i;
		while (i < e && addr_is_xdigit(p[i]) && i - t < 5)
			i++;
		if (i < e && p[i] == '.') {
			if (!addr_ipv4(p, t, e))
				return false;
			v4 = true;
			break;
		}
		if (i == t || i - t > 4)
			return false;
		groups++;
		if (groups > 8)
			return false;
		if (i == e)
			break;
		if (p[i] != ':')
			return false;
		i++;
		if (i < e && p[i] == ':') {
			if (dcolon)
				return false;
			dcolon = true;
			i++;
		} else if (i == e)
			return false;	/* trailing single ':' */
	}
	if (dcolon)
		return groups <= (v4 ? 4u : 6u);
	return groups == (v4 ? 6u : 8u);
}

/* address-literal; the cursor is at "[". */
static enum addr_result
addr_literal(struct addr_cur *c)
{
	size_t s = c->i + 1, e, colon = 0, k;
	bool has_colon = false;
	unsigned char ch;

	for (e = s; e < c->len && c->p[e] != ']'; e++) {
		ch = c->p[e];
		if (ch > 127)
			return addr_high_not_here(c);
		if (!addr_is_dcontent(ch))
			return ADDR_SYNTAX;
		if (ch == ':' && !has_colon) {
			has_colon = true;
			colon = e;
		}
	}
	if (e == c->len)
		return ADDR_SYNTAX;	/* no "]" */
	if (!has_colon) {
		if (!addr_ipv4(c->p, s, e))
			return ADDR_SYNTAX;
	} else if (addr_eq_ci(c->p + s, colon - s, "ipv6")) {
		if (!addr_ipv6(c->p, colon + 1, e))
			return ADDR_SYNTAX;
	} else {
		/* Standardized-tag ":" 1*dcontent */
		if (colon == s || colon + 1 == e)
			return ADDR_SYNTAX;
		for (k = s; k < colon; k++)
			if (!addr_is_letdig(c->p[k]) && c->p[k] != '-')
				return ADDR_SYNTAX;
		if (c->p[colon - 1] == '-')
			return ADDR_SYNTAX;
	}
	c->i = e + 1;
	return ADDR_OK;
}

/* A-d-l ":"; the cursor is at the first "@".  The route is dropped. */
static enum addr_result
addr_source_route(struct addr_cur *c)
{
	enum addr_result r;

	for (;;) {
		if (!addr_at(c, '@'))
			return ADDR_SYNTAX;
		c->i++;
		if ((r = addr_domain(c)) != ADDR_OK)
			return r;
		if (addr_at(c, ':')) {
			c->i++;
			return ADDR_OK;
		}
		if (!addr_at(c, ','))
			return ADDR_SYNTAX;
		c->i++;
	}
}

enum addr_result
address_parse_path(const char *p, size_t len, int flags,
    struct smtp_path *path_r, const char **rest_r, size_t *restlen_r)
{
	struct addr_cur c = { (const unsigned char *)p, len, 0, flags };
	size_t path_start, path_end, mb_start = 0, local_end = 0;
	size_t dom_start = 0, mb_end = 0, rest_start, rest_end, k;
	bool is_null = false, is_postmaster = false;
	enum addr_result r;

	memset(path_r, 0, sizeof(*path_r));
	if (rest_r != NULL)
		*rest_r = NULL;
	if (restlen_r != NULL)
		*restlen_r = 0;

	/* Controls, NUL, CR and LF have no place in any part of the line. */
	for (k = 0; k < len; k++)
		if (addr_is_ctl(c.p[k]))
			return ADDR_SYNTAX;

	while (addr_at(&c, ' '))
		c.i++;
	if (!addr_at(&c, '<'))
		return ADDR_NO_BRACKETS;
	path_start = c.i++;

	if (addr_at(&c, '>')) {
		is_null = true;
	} else if (c.len - c.i > 10 &&
	    addr_eq_ci(c.p + c.i, 10, "postmaster") &&
	    c.p[c.i + 10] == '>' && (flags & ADDR_F_ALLOW_POSTMASTER)) {
		/* RFC 5321 4.1.1.3: "<Postmaster>", no domain, no route. */
		is_postmaster = true;
		mb_start = c.i;
		c.i += 10;
		mb_end = local_end = dom_start = c.i;
	} else {
		if (addr_at(&c, '@') &&
		    (r = addr_source_route(&c)) != ADDR_OK)
			return r;
		mb_start = c.i;
		if ((r = addr_local_part(&c)) != ADDR_OK)
			return r;
		local_end = c.i;
		if (!addr_at(&c, '@'))
			return ADDR_SYNTAX;	/* no domain: "<bob>" */
		c.i++;
		dom_start = c.i;
		if (addr_at(&c, '['))
			r = addr_literal(&c);
		else
			r = addr_domain(&c);
		if (r != ADDR_OK)
			return r;
		mb_end = c.i;
	}
	if (!addr_at(&c, '>'))
		return ADDR_SYNTAX;	/* junk in the mailbox, or no ">" */
	path_end = ++c.i;

	/* After the path: the end, or spaces and the Mail-parameters. */
	if (c.i < c.len && c.p[c.i] != ' ')
		return ADDR_SYNTAX;
	while (addr_at(&c, ' '))
		c.i++;
	rest_start = c.i;
	rest_end = c.len;
	while (rest_end > rest_start && c.p[rest_end - 1] == ' ')
		rest_end--;

	if (is_null && !(flags & ADDR_F_ALLOW_NULL))
		return ADDR_NULL_NOT_ALLOWED;
	if (path_end - path_start > LIMIT_PATH ||
	    local_end - mb_start > LIMIT_LOCAL_PART ||
	    mb_end - dom_start > LIMIT_DOMAIN)
		return ADDR_TOO_LONG;
	/* Never let an address reach an argv where it could be an option. */
	if (!is_null && c.p[mb_start] == '-')
		return ADDR_DASH;

	/* path_end - path_start <= LIMIT_PATH, so this always fits. */
	if (mb_end - mb_start >= sizeof(path_r->addr))
		return ADDR_TOO_LONG;
	memcpy(path_r->addr, p + mb_start, mb_end - mb_start);
	path_r->addr[mb_end - mb_start] = '\0';
	path_r->len = mb_end - mb_start;
	path_r->is_null = is_null;
	path_r->is_postmaster = is_postmaster;
	for (k = mb_start; k < mb_end; k++)
		if (c.p[k] > 127)
			path_r->is_utf8 = true;
	if (rest_r != NULL)
		*rest_r = p + rest_start;
	if (restlen_r != NULL)
		*restlen_r = rest_end - rest_start;
	return ADDR_OK;
}

/*
 * RFC 5321 4.1.2:
 *
 *   Mail-parameters = esmtp-param *(SP esmtp-param)
 *   esmtp-param     = esmtp-keyword ["=" esmtp-value]
 *   esmtp-keyword   = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
 *   esmtp-value     = 1*(%d33-60 / %d62-126)
 *
 * RFC 6531 3.3 adds UTF8-non-ascii to esmtp-value; it must be well-formed.
 * Like most MTAs we take runs of spaces between parameters and around the
 * list.  The whole list is checked before it is counted, so a malformed
 * list is ADDR_BAD_PARAM however long it is.
 */
enum addr_result
address_split_params(const char *p, size_t len, struct smtp_param *params,
    size_t max, size_t *n_r)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t i = 0, n = 0, ks, vs, step;
	bool has_value;

	*n_r = 0;
	for (;;) {
		while (i < len && u[i] == ' ')
			i++;
		if (i == len)
			break;

		ks = i;
		if (!addr_is_letdig(u[i]))
			return ADDR_BAD_PARAM;
		while (i < len && (addr_is_letdig(u[i]) || u[i] == '-'))
			i++;

		has_value = false;
		vs = i;
		if (i < len && u[i] == '=') {
			has_value = true;
			vs = ++i;
			while (i < len && u[i] != ' ') {
				if (u[i] > 127) {
					step = addr_utf8_len(u, i, len);
					if (step == 0)
						return ADDR_BAD_PARAM;
					i += step;
				} else if ((u[i] >= 33 && u[i] <= 60) ||
				    (u[i] >= 62 && u[i] <= 126))
					i++;
				else
					return ADDR_BAD_PARAM;
			}
			if (i == vs)
				return ADDR_BAD_PARAM;	/* "KEY=" */
		}
		if (i < len && u[i] != ' ')
			return ADDR_BAD_PARAM;

		if (n < max) {
			params[n].key = p + ks;
			params[n].keylen = (has_value ? vs - 1 : i) - ks;
			params[n].value = has_value ? p + vs : NULL;
			params[n].valuelen = has_value ? i - vs : 0;
		}
		n++;
	}
	if (n > max)
		return ADDR_TOO_MANY_PARAMS;
	*n_r = n;
	return ADDR_OK;
}

const char *
address_result_str(enum addr_result r)
{
	switch (r) {
	case ADDR_OK:
		return "Address OK";
	case ADDR_NO_BRACKETS:
		return "Address must be enclosed in <>";
	case ADDR_SYNTAX:
		return "Syntax error in address";
	case ADDR_TOO_LONG:
		return "Address too long";
	case ADDR_NON_ASCII:
		return "Non-ASCII address needs SMTPUTF8";
	case ADDR_BAD_UTF8:
		return "Address is not valid UTF-8";
	case ADDR_DASH:
		return "Address must not begin with '-'";
	case ADDR_NULL_NOT_ALLOWED:
		return "Null address not allowed here";
	case ADDR_BAD_PARAM:
		return "Syntax error in parameters";
	case ADDR_TOO_MANY_PARAMS:
		return "Too many parameters";
	}
	return "Unknown address error";
}
