/*
 * util.c - pure helpers (see util.h).  util_escape is what stands between
 * attacker bytes and our logs and headers.
 */
#include "config.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool
obuf_add(struct obuf *b, const void *p, size_t len)
{
	if (len > b->cap - b->len)
		return false;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return true;
}

bool
obuf_addf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	size_t room = b->cap - b->len;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	/* vsnprintf needs room for its NUL, which we then drop. */
	if (n < 0 || (size_t)n >= room)
		return false;
	b->len += (size_t)n;
	return true;
}

void
obuf_consume(struct obuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

char *
util_escape(char *dst, size_t dstcap, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	if (dstcap == 0)
		return dst;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];
		size_t need = (c >= 0x20 && c < 0x7f && c != '\\') ? 1 :
		    (c == '\\' ? 2 : 4);

		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > dstcap) {
			if (o + 4 <= dstcap) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (need == 1) {
			dst[o++] = (char)c;
		} else if (need == 2) {
			dst[o++] = '\\';
			dst[o++] = '\\';
		} else {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o < dstcap ? o : dstcap - 1] = '\0';
	return dst;
}

void
util_trim_blanks(const char *p, size_t *len)
{
	while (*len > 0 && (p[*len - 1] == ' ' || p[*len - 1] == '\t'))
		(*len)--;
}

bool
util_parse_u64(const char *p, size_t len, uint64_t max, uint64_t *r)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20)
		return false;
	for (i = 0; i < len; i++) {
		unsigned d;

		if (p[i] < '0' || p[i] > '9')
			return false;
		d = (unsigned)(p[i] - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*r = v;
	return true;
}

bool
util_word_eq(const char *p, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (word[i] == '\0')
			return false;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != word[i])
			return false;
	}
	return word[len] == '\0';
}

bool
util_utf8_valid(const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;	/* continuation, overlong lead, > F4 */
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		/* C1 controls (U+0080-U+009F) have no place in an address
		 * or a header either. */
		if (cp < 0xa0 || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
util_xtext_decode(const char *p, size_t len, char *out, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '+') {
			int h, l;

			if (len - i < 3 || (h = hexval(p[i + 1])) < 0 ||
			    (l = hexval(p[i + 2])) < 0)
				return false;
			c = (unsigned char)(h << 4 | l);
			i += 2;
			/* RFC 3461 4: decoded values are US-ASCII. */
			if (c < 0x20 || c >= 0x7f)
				return false;
		} else if (c < 33 || c > 126 || c == '=') {
			return false;
		}
		if (o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	if (cap == 0)
		return false;
	out[o] = '\0';
	return true;
}
