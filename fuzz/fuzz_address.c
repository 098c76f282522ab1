#include "config.h"

/*
 * fuzz_address - libFuzzer target for src/address.c: RFC 5321 paths and
 * ESMTP parameters.  The first input octet chooses the flags (its low
 * three bits) and how many parameter slots there are; the rest is the
 * text after "MAIL FROM:" or "RCPT TO:", as the client sent it.
 *
 * Beyond memory safety (every buffer exactly sized), it checks what the
 * header promises: an accepted path is NUL-terminated, within its limit,
 * free of controls, never begins with '-', is ASCII unless ADDR_F_UTF8
 * (and then well-formed UTF-8), and occurs verbatim in the input; put
 * back in angle brackets it parses again to itself.  Parameters point
 * into the input and follow the esmtp-param grammar.
 */

#include "address.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* RFC 3629, written here rather than borrowed from the code under test. */
static bool
utf8_ok(const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;

	while (i < len) {
		unsigned char c = p[i], lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return false;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (len - i < n || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (k = 2; k < n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return false;
		i += n;
	}
	return true;
}

static bool
within(const char *p, size_t len, const char *q, size_t qlen)
{
	return q >= p && q <= p + len && qlen <= (size_t)(p + len - q);
}

static bool
is_letdig(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

static void
check_params(const char *p, size_t len, size_t max)
{
	struct smtp_param *params = malloc(max * sizeof(*params));
	size_t n = SIZE_MAX, i, k;
	enum addr_result r;

	if (params == NULL && max > 0)
		abort();
	r = address_split_params(p, len, params, max, &n);
	FUZZ_ASSERT(address_result_str(r) != NULL);
	if (r != ADDR_OK) {
		FUZZ_ASSERT(r == ADDR_BAD_PARAM || r == ADDR_TOO_MANY_PARAMS);
		FUZZ_ASSERT(n == 0);
		free(params);
		return;
	}
	FUZZ_ASSERT(n <= max);
	for (i = 0; i < n; i++) {
		const struct smtp_param *pm = &params[i];
		const unsigned char *key = (const unsigned char *)pm->key;
		const unsigned char *v = (const unsigned char *)pm->value;

		/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
		FUZZ_ASSERT(pm->keylen > 0);
		FUZZ_ASSERT(within(p, len, pm->key, pm->keylen));
		FUZZ_ASSERT(is_letdig(key[0]));
		for (k = 1; k < pm->keylen; k++)
			FUZZ_ASSERT(is_letdig(key[k]) || key[k] == '-');
		if (v == NULL) {
			FUZZ_ASSERT(pm->valuelen == 0);
			continue;
		}
		/* esmtp-value = 1*(%d33-60 / %d62-126), or UTF-8 */
		FUZZ_ASSERT(pm->valuelen > 0);
		FUZZ_ASSERT(within(p, len, pm->value, pm->valuelen));
		FUZZ_ASSERT(pm->value == pm->key + pm->keylen + 1);
		FUZZ_ASSERT(utf8_ok(v, pm->valuelen));
		for (k = 0; k < pm->valuelen; k++)
			FUZZ_ASSERT(v[k] >= 0x80 ||
			    (v[k] >= 33 && v[k] <= 126 && v[k] != '='));
	}
	free(params);
}

static void
check_path(const char *p, size_t len, int flags, size_t max)
{
	struct smtp_path *path = malloc(sizeof(*path)), *again;
	const char *rest = p;
	size_t restlen = SIZE_MAX, i;
	enum addr_result r;
	char *wrapped;

	if (path == NULL)
		abort();
	r = address_parse_path(p, len, flags, path, &rest, &restlen);
	FUZZ_ASSERT(address_result_str(r) != NULL);
	if (r != ADDR_OK) {
		FUZZ_ASSERT(rest == NULL && restlen == 0);
		FUZZ_ASSERT(path->len == 0 && path->addr[0] == '\0');
		/* The same without the optional out-parameters. */
		FUZZ_ASSERT(address_parse_path(p, len, flags, path, NULL,
		    NULL) == r);
		free(path);
		return;
	}
	FUZZ_ASSERT(path->len < sizeof(path->addr));
	FUZZ_ASSERT(path->addr[path->len] == '\0');
	FUZZ_ASSERT(strlen(path->addr) == path->len);
	for (i = 0; i < path->len; i++) {
		unsigned char c = (unsigned char)path->addr[i];

		FUZZ_ASSERT(c >= 0x20 && c != 0x7f);
		FUZZ_ASSERT(c < 0x80 || (flags & ADDR_F_UTF8));
	}
	FUZZ_ASSERT(utf8_ok((const unsigned char *)path->addr, path->len));
	if (!(flags & ADDR_F_UTF8))
		FUZZ_ASSERT(!path->is_utf8);
	if (path->is_null) {
		FUZZ_ASSERT(flags & ADDR_F_ALLOW_NULL);
		FUZZ_ASSERT(path->len == 0 && !path->is_postmaster);
	} else {
		FUZZ_ASSERT(path->len > 0 && path->addr[0] != '-');
		FUZZ_ASSERT(memchr(path->addr, '@', path->len) != NULL ||
		    path->is_postmaster);
	}
	if (path->is_postmaster)
		FUZZ_ASSERT((flags & ADDR_F_ALLOW_POSTMASTER) &&
		    path->len == 10);
	/* The mailbox is the client's text, not a rewrite of it. */
	FUZZ_ASSERT(path->len == 0 ||
	    memmem(p, len, path->addr, path->len) != NULL);
	/* The parameters follow the path, trimmed of spaces. */
	FUZZ_ASSERT(within(p, len, rest, restlen));
	FUZZ_ASSERT(restlen == 0 || (rest[0] != ' ' &&
	    rest[restlen - 1] != ' '));
	check_params(rest, restlen, max);

	/* Idempotence: "<" addr ">" is a path and gives addr back. */
	wrapped = malloc(path->len + 2);
	again = malloc(sizeof(*again));
	if (wrapped == NULL || again == NULL)
		abort();
	wrapped[0] = '<';
	memcpy(wrapped + 1, path->addr, path->len);
	wrapped[path->len + 1] = '>';
	r = address_parse_path(wrapped, path->len + 2, flags, again, &rest,
	    &restlen);
	FUZZ_ASSERT(r == ADDR_OK);
	FUZZ_ASSERT(again->len == path->len);
	FUZZ_ASSERT(memcmp(again->addr, path->addr, path->len + 1) == 0);
	FUZZ_ASSERT(again->is_null == path->is_null);
	FUZZ_ASSERT(again->is_postmaster == path->is_postmaster);
	FUZZ_ASSERT(again->is_utf8 == path->is_utf8);
	FUZZ_ASSERT(restlen == 0);
	free(wrapped);
	free(again);
	free(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int flags;
	size_t max;
	char *in;

	if (size == 0)
		return 0;
	/* Low bits: the ADDR_F_* flags; high bits: 0..LIMIT_PARAMS+1
	 * parameter slots, so the "too many" edge is reached both ways. */
	flags = data[0] & (ADDR_F_ALLOW_NULL | ADDR_F_ALLOW_POSTMASTER |
	    ADDR_F_UTF8);
	max = (size_t)(data[0] >> 3) % (LIMIT_PARAMS + 2);
	in = fuzz_copy(data + 1, size - 1);
	check_path(in, size - 1, flags, max);
	/* The whole text as a parameter list too: reaches the splitter
	 * without a valid path in front. */
	check_params(in, size - 1, max);
	free(in);
	return 0;
}
